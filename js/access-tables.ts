/**
 * The access tables users spread into their schema, and their names. Kept apart from the
 * methods so that code which never defines a schema does not pull `convex/server` in.
 */
import { defineTable } from "convex/server";
import { v, type GenericId } from "convex/values";
import { GUARD_TABLES } from "./defaults.js";

/** The grants table. @internal */
export const GRANTS: GrantId["__tableName"] = GUARD_TABLES.grants;
/** A grant row's id: what `guard.share` returns (the table name is checked against `GRANTS`). */
export type GrantId = GenericId<"accessGrants">;
/** The groups table. @internal */
export const GROUPS: GroupId["__tableName"] = GUARD_TABLES.groups;
/** A group's id: what `guard.createGroup` returns. */
export type GroupId = GenericId<"accessGroups">;
/** The group membership (and invitation) table. @internal */
export const MEMBERS = GUARD_TABLES.members;
/** The tables `accessTables` defines (for `guard.validate({ schema })`). @internal */
export const ACCESS_TABLE_NAMES = [GRANTS, GROUPS, MEMBERS] as const;
/** The line that adds them to the schema (a `GuardConfigError`'s fix). @internal */
export const ACCESS_TABLES_FIX = "spread the access tables into your schema: `...accessTables`";

/**
 * Tables to spread into your schema: grants (indexed by document and user, document and
 * group, user, group), groups, and group membership.
 *
 * @example
 * ```ts
 * export default defineSchema({ ...accessTables, documents: defineTable({...}) });
 * ```
 */
export const accessTables = /* @__PURE__ */ defineAccessTables();

// A function, so bundlers drop the definitions (and Convex's schema code) from every bundle
// that does not use them: a query that only checks roles pays nothing for them at import.
/** @internal */
export function defineAccessTables() {
  return {
    [GRANTS]: defineTable({
      /** The protected table the document is in. */
      table: v.string(),
      /** The document's id. */
      doc: v.string(),
      /** Exactly one of `userId` and `groupId` is set. */
      userId: v.optional(v.string()),
      groupId: v.optional(v.id(GROUPS)),
      /** A level name below the owner's. */
      level: v.string(),
      /** Ms since the epoch; missing: never expires. */
      expiresAt: v.optional(v.number()),
      /** Who shared it (a users id). */
      grantedBy: v.optional(v.string()),
    })
      .index("by_doc_and_user", ["doc", "userId"])
      .index("by_doc_and_group", ["doc", "groupId"])
      .index("by_user", ["userId", "table"])
      .index("by_group", ["groupId", "table"]),
    [GROUPS]: defineTable({
      name: v.string(),
      /** The group's owner (a users id): holds the owner level on the group. Missing on
       * groups created before 0.2: only managers manage those. */
      ownerId: v.optional(v.string()),
    }),
    [MEMBERS]: defineTable({
      groupId: v.id(GROUPS),
      userId: v.string(),
      /** The member's level on the group (what they may do to its membership), a level name;
       * missing: the lowest. Grants to the group give every member the grant's level. */
      level: v.optional(v.string()),
      /** `true`: an invitation, which gives nothing (no access, no level on the group, not
       * counted toward the user's groups) until the user accepts it. Missing: a membership
       * (rows written before invitations existed are memberships). */
      invited: v.optional(v.literal(true)),
      /** On an invitation: who sent it (a users id). Accepting re-checks that they still may
       * add members at its level. Missing on invitations written before it was recorded. */
      invitedBy: v.optional(v.string()),
      /** On an invitation: ms since the epoch from which it can no longer be accepted;
       * missing: never expires. Accepting removes it: a membership does not expire. */
      expiresAt: v.optional(v.number()),
    })
      .index("by_user", ["userId"])
      .index("by_group_and_user", ["groupId", "userId"])
      // `invited` missing sorts as `undefined`: `.eq("invited", undefined)` reads only the
      // accepted memberships, so invitations never reach a caller's access resolution.
      .index("by_user_and_invited", ["userId", "invited"]),
  };
}
