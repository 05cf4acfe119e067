/**
 * Data access boundaries: the TypeScript side. Every decision (effective level, sharing,
 * transfer) is made by the engine's compiled levels; this file reads documents, their
 * ancestors and the caller's grants through indexes, interns ids into small integers, crosses
 * into the engine once per batch, and turns the answers into results and `ConvexError`s.
 */
import { defineTable, type GenericDataModel, type TableNamesInDataModel } from "convex/server";
import { v } from "convex/values";
import type { Authz } from "./authz.js";
import type { AnyReaderCtx, DataModelOf, DocOf, ReaderCtx, WriterCtx } from "./ctx.js";
import { AccessEngine, AccessLevelsBuilder, engine, num, perInstance } from "./engine.js";
import { deny, engineCall, GuardConfigError, quoted } from "./errors.js";
import type { DocumentGrant } from "./access-grants.js";

/** The default ordered access levels, lowest first. */
export type DefaultLevel = "viewer" | "commenter" | "editor" | "owner";

/** Which rule gave the caller their level (for audit logs and UIs, never for client errors). */
export type AccessSource = "owner" | "public" | "direct" | "group" | "inherited";

/** Why {@link Access.canShare} or {@link Access.canTransfer} said no. */
export type AccessDenial = "below_share_level" | "above_own_level" | "owner_level" | "not_owner";

/** Where a protected table keeps the facts access is decided from. */
export type AccessTableConfig = {
  /** The field holding the owner's users id. */
  owner: string;
  /** An index on `[owner]`, used by `listAccessible`. Default `"by_owner"`. */
  ownerIndex?: string;
  /**
   * The field holding `"public"` or `"private"`. A missing field is private; omit the option
   * and every document of the table is private.
   */
  visibility?: string;
  /** The field holding the parent's id (a folder), from which access is inherited. */
  parent?: string;
  /** The parent's table, itself configured here. Default: this table. */
  parentTable?: string;
};

/** The access part of a guard's configuration (`R` role names, `P` permission names). */
export type AccessConfig<L extends string, R extends string = string, P extends string = string> = {
  /** Ordered access levels, lowest first; the last is the owner's. Default {@link DefaultLevel}. */
  levels?: readonly L[];
  /** The level public visibility gives. Default: the lowest. */
  publicLevel?: NoInfer<L>;
  /** The lowest level allowed to share. Default: the one below the owner's. */
  shareLevel?: NoInfer<L>;
  /** The protected tables, by name. */
  tables?: { readonly [table: string]: AccessTableConfig };
  /** Group management (see {@link Access.addGroupMember}). */
  groups?: {
    /**
     * App-wide group managers: callers holding this role (or higher), or this permission,
     * hold the owner level on every group. Default: nobody (only each group's owner and its
     * members, by their level).
     */
    managers?: { role: NoInfer<R> } | { permission: NoInfer<P> };
  };
};

/** A document the caller may read, with their level on it. */
export type Readable<D, L extends string> = {
  doc: D;
  accessLevel: L;
  /** The rule that gave the level. Server-side only: never put it in a client-facing error. */
  source: AccessSource;
};

/** Facts for {@link Access.resolveAccess}: what the Convex layer reads, in plain values. */
export type AccessFacts<L extends string> = {
  /** Ms since the epoch (`Date.now()` in Convex). */
  now: number;
  /** The caller's user id, `null` when anonymous. */
  caller: string | null;
  /** The ids of the groups the caller belongs to. */
  groups: readonly string[];
  /** Documents and their ancestors; a `parent` that is not among them is no parent. */
  documents: readonly {
    id: string;
    owner: string | null;
    visibility: "public" | "private";
    parent: string | null;
    grants: readonly {
      to: string | null;
      kind: "direct" | "group";
      level: L;
      /** Ms since the epoch; missing: never expires. */
      expiresAt?: number;
    }[];
  }[];
};

/** One answer of {@link Access.resolveAccess}, in document order. */
export type ResolvedAccess<L extends string> = {
  id: string;
  /** `null`: no access. */
  level: L | null;
  source: AccessSource | "none" | "cycle";
  /** The document whose rule gave the level (an ancestor for `inherited`). */
  via: string | null;
};

/**
 * A share decision: refused with a reason, or allowed with the expiry the grant gets (missing:
 * never expires), which is never later than the caller's own access at the level sharing
 * takes.
 */
export type ShareDecision = { ok: true; expiresAt?: number } | { ok: false; reason: AccessDenial };

/** Who a grant is to: one user, or one group of {@link accessTables}. */
export type GrantTarget = { userId: string; groupId?: never } | { groupId: string; userId?: never };

/** One of the caller's groups, as {@link Access.listMyGroups} lists them. */
export type MyGroup<L extends string> = {
  groupId: string;
  /** `null` when the group was deleted (the row can still be left). */
  name: string | null;
  /** The level the membership (or the invitation, once accepted) gives on the group. */
  level: L;
  /** `true`: an invitation, giving nothing until accepted. */
  invited: boolean;
};

/** Pagination options, as Convex's `paginationOptsValidator` gives them. */
export type AccessPageOptions = { numItems: number; cursor: string | null };

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
function defineAccessTables() {
  return {
    accessGrants: defineTable({
      /** The protected table the document is in. */
      table: v.string(),
      /** The document's id. */
      doc: v.string(),
      /** Exactly one of `userId` and `groupId` is set. */
      userId: v.optional(v.string()),
      groupId: v.optional(v.id("accessGroups")),
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
    accessGroups: defineTable({
      name: v.string(),
      /** The group's owner (a users id): holds the owner level on the group. Missing on
       * groups created before 0.2: only managers manage those. */
      ownerId: v.optional(v.string()),
    }),
    accessGroupMembers: defineTable({
      groupId: v.id("accessGroups"),
      userId: v.string(),
      /** The member's level on the group (what they may do to its membership), a level name;
       * missing: the lowest. Grants to the group give every member the grant's level. */
      level: v.optional(v.string()),
      /** `true`: an invitation, which gives nothing (no access, no level on the group, not
       * counted toward the user's groups) until the user accepts it. Missing: a membership
       * (rows written before invitations existed are memberships). */
      invited: v.optional(v.literal(true)),
    })
      .index("by_user", ["userId"])
      .index("by_group_and_user", ["groupId", "userId"])
      // `invited` missing sorts as `undefined`: `.eq("invited", undefined)` reads only the
      // accepted memberships, so invitations never reach a caller's access resolution.
      .index("by_user_and_invited", ["userId", "invited"]),
  };
}

/**
 * Ownership and shared access. The effective level comes from ownership, public visibility,
 * grants to the caller or their groups, and grants on ancestors; the engine decides, this
 * layer only reads rows (always through an index) and writes them.
 */
export interface Access<L extends string> {
  /**
   * The compiled levels, lowest first, and the public and share levels.
   *
   * @throws {GuardConfigError} when the access configuration is invalid.
   * @example
   * ```ts
   * guard.accessLevels().shareLevel; // "editor" by default
   * ```
   */
  accessLevels(): { levels: readonly L[]; publicLevel: L; shareLevel: L };

  /**
   * Resolves gathered facts in one engine call: what the Convex methods do after reading.
   * Pure; works anywhere (tests, browser pre-checks).
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` for a malformed batch (an unknown level name, a
   * NaN time, over 1,000 documents, ...), for the whole batch.
   * @example
   * ```ts
   * guard.resolveAccess({ now: Date.now(), caller: "u1", groups: [], documents: [
   *   { id: "d1", owner: "u2", visibility: "public", parent: null, grants: [] },
   * ] }); // [{ id: "d1", level: "viewer", source: "public", via: "d1" }]
   * ```
   */
  resolveAccess(facts: AccessFacts<L>): ResolvedAccess<L>[];

  /**
   * Whether a caller at `callerLevel` (`null`: none) may grant `grantLevel`.
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` for an unknown level name.
   * @example
   * ```ts
   * guard.canShare("editor", "owner"); // { ok: false, reason: "owner_level" }
   * ```
   */
  canShare(callerLevel: L | null, grantLevel: L): { ok: true } | { ok: false; reason: AccessDenial };

  /**
   * The engine's decision on a share request over gathered facts, as {@link Access.share}
   * makes it: whether the caller may grant `level` on document `id`, and the expiry the grant
   * would get (`expiresAt` capped to the caller's own access; missing: never expires). Pure;
   * works anywhere (a browser can show the expiry a share will really get).
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` as {@link Access.resolveAccess}, for an `id`
   * that is not among the documents, an unknown level, or (when allowed) a malformed
   * `expiresAt`.
   * @example
   * ```ts
   * guard.resolveShare(facts, { id: "d1", level: "editor" }); // { ok: true, expiresAt: 1767229200000 }
   * ```
   */
  resolveShare(facts: AccessFacts<L>, request: { id: string; level: L; expiresAt?: number }): ShareDecision;

  /**
   * Whether a caller whose access came from `source` may transfer ownership (only `owner`).
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` for an unknown source name.
   * @example
   * ```ts
   * guard.canTransfer("inherited"); // { ok: false, reason: "not_owner" }
   * ```
   */
  canTransfer(source: string): { ok: true } | { ok: false; reason: AccessDenial };

  /**
   * The document with the caller's level on it, or `null` when it is missing, when `id` is
   * malformed or from another table, and when the caller has no access (or less than
   * `minLevel`, when given): all are indistinguishable.
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` when `table` is not configured.
   * @example
   * ```ts
   * const r = await guard.readable(ctx, "documents", args.id);
   * if (r === null) return null; // r.doc, r.accessLevel
   * const mine = await guard.readable(ctx, "documents", args.id, "owner"); // owner or null
   * ```
   */
  readable<C extends AnyReaderCtx, Tb extends TableNamesInDataModel<DataModelOf<C>>>(
    ctx: C,
    table: Tb,
    id: string,
    minLevel?: L,
  ): Promise<Readable<DocOf<DataModelOf<C>, Tb>, L> | null>;

  /**
   * {@link Access.readable} for many ids, resolved in one engine call per batch of 111 ids
   * (batches are sized by the ids asked for, so no answer depends on what exists); `null`
   * where `readable` would give `null`, in input order.
   * @example
   * ```ts
   * const rows = await guard.readableMany(ctx, "documents", ids);
   * ```
   */
  readableMany<C extends AnyReaderCtx, Tb extends TableNamesInDataModel<DataModelOf<C>>>(
    ctx: C,
    table: Tb,
    ids: readonly string[],
  ): Promise<(Readable<DocOf<DataModelOf<C>, Tb>, L> | null)[]>;

  /**
   * The document, when the caller holds `minLevel` or higher on it.
   *
   * @throws `ConvexError` `NOT_FOUND` "Document not found" when the caller cannot see it at
   * all (the same data whether or not it exists); `FORBIDDEN` "Access level 'editor' or higher
   * required" when they can see it but lack the level.
   * @example
   * ```ts
   * const { doc } = await guard.requireAccess(ctx, "documents", args.id, "editor");
   * ```
   */
  requireAccess<C extends AnyReaderCtx, Tb extends TableNamesInDataModel<DataModelOf<C>>>(
    ctx: C,
    table: Tb,
    id: string,
    minLevel: L,
  ): Promise<Readable<DocOf<DataModelOf<C>, Tb>, L>>;

  /**
   * Grants `level` on a document to a user or a group, replacing their previous grant.
   * The caller must hold the share level, and never grants above their own level nor the
   * owner's. Returns the grant's id.
   *
   * No grant outlives its sharer's access: the grant's `expiresAt` is the one asked for
   * (none: never), **capped** to the moment the caller's own access at the level sharing it
   * takes (the share level, or `level` when higher) ends, counting every rule that gives
   * them that level (ownership and grants without expiry: never; grants to them or their
   * groups, on the document or a folder above it: their `expiresAt`). A capped request is
   * not an error: the grant row holds the capped time (see {@link Access.resolveShare} to
   * show it beforehand).
   *
   * @throws `ConvexError` `UNAUTHENTICATED`; `NOT_FOUND` as {@link Access.requireAccess};
   * `FORBIDDEN` when the sharing rules refuse (checked before the target is looked at, so a
   * refused caller gets the same answer whatever the target); `INVALID_ARGUMENT` for an
   * unknown level, user or group, or a malformed `expiresAt`.
   * @example
   * ```ts
   * await guard.share(ctx, "documents", id, { userId, level: "editor", expiresAt: Date.now() + DAY });
   * ```
   */
  share<DM extends GenericDataModel>(
    ctx: WriterCtx<DM>,
    table: TableNamesInDataModel<DM>,
    id: string,
    grant: GrantTarget & { level: L; expiresAt?: number },
  ): Promise<string>;

  /**
   * Removes a user's or a group's grant on a document. The caller must hold the share level
   * (checked first: a caller without it gets the same `FORBIDDEN` whatever the target, real,
   * unknown or malformed), and be allowed to grant that grant's level. Returns whether a
   * grant was removed.
   *
   * @throws `ConvexError` `UNAUTHENTICATED`, `NOT_FOUND`, `FORBIDDEN` as {@link Access.share};
   * `INVALID_ARGUMENT` for an unknown user or group (only to a caller with the right).
   * @example
   * ```ts
   * await guard.revoke(ctx, "documents", id, { userId });
   * ```
   */
  revoke<DM extends GenericDataModel>(
    ctx: WriterCtx<DM>,
    table: TableNamesInDataModel<DM>,
    id: string,
    target: GrantTarget,
  ): Promise<boolean>;

  /**
   * One page of the grants on a document (to users and groups alike, expired ones too, until
   * removed), for owners and sharers to see who holds what. Only a caller who may share the
   * document (the engine's share decision, the one {@link Access.revoke} takes) may list them;
   * everyone else gets what `revoke` gives them: `NOT_FOUND` when they cannot see the
   * document (the same data as for a missing one), `FORBIDDEN` when they can but may not
   * share. Read through the grant index on the document, at most 100 grants a page.
   *
   * @throws `ConvexError` `UNAUTHENTICATED`, `NOT_FOUND`, `FORBIDDEN` as {@link Access.revoke};
   * `INVALID_ARGUMENT` for a malformed cursor or a `numItems` out of 1..100 (only to a caller
   * with the right).
   * @example
   * ```ts
   * const { page, isDone, continueCursor } = await guard.listGrants(ctx, "documents", id, { paginationOpts });
   * for (const g of page) console.log(g.userId ?? g.groupId, g.level, g.expiresAt, g.grantedBy);
   * ```
   */
  listGrants<C extends AnyReaderCtx, Tb extends TableNamesInDataModel<DataModelOf<C>>>(
    ctx: C,
    table: Tb,
    id: string,
    options: { paginationOpts: AccessPageOptions },
  ): Promise<{ page: DocumentGrant<L>[]; isDone: boolean; continueCursor: string }>;

  /**
   * Makes another user the owner. Only the document's own owner may (owning its folder is
   * not enough). Grants the old owner made stay (they were made while owning).
   *
   * @throws `ConvexError` `UNAUTHENTICATED`, `NOT_FOUND`, `FORBIDDEN` "Only the owner can
   * transfer ownership" (before the new owner is looked at), `INVALID_ARGUMENT` for an
   * unknown user (only to the owner).
   * @example
   * ```ts
   * await guard.transferOwnership(ctx, "documents", id, newOwnerId);
   * ```
   */
  transferOwnership<DM extends GenericDataModel>(
    ctx: WriterCtx<DM>,
    table: TableNamesInDataModel<DM>,
    id: string,
    newOwnerId: string,
  ): Promise<void>;

  /**
   * One page of the documents of `table` the caller owns or holds a grant on (directly or
   * through a group), at `minLevel` or higher (default: the lowest), each listed once. Read
   * through the owner index and the grant indexes, never a table scan. A page may hold fewer
   * than `numItems` documents; `isDone` says when there are no more. `numItems` is a whole
   * number from 1 to 100 (each listed document costs one index range per group of the caller).
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` "malformed cursor" for a cursor this method (or
   * the database under it) did not give; `INVALID_ARGUMENT` for a `numItems` out of range
   * (checked first, for every caller).
   * @example
   * ```ts
   * const { page, isDone, continueCursor } =
   *   await guard.listAccessible(ctx, "documents", { paginationOpts });
   * ```
   */
  listAccessible<C extends AnyReaderCtx, Tb extends TableNamesInDataModel<DataModelOf<C>>>(
    ctx: C,
    table: Tb,
    options: { paginationOpts: AccessPageOptions; minLevel?: L },
  ): Promise<{ page: Readable<DocOf<DataModelOf<C>, Tb>, L>[]; isDone: boolean; continueCursor: string }>;

  /**
   * Creates a group owned by the caller, who holds the owner level on it (and is not a member
   * until they add themselves). Returns its id. The number of groups a user creates is not
   * bounded here: limit it in your mutation with `guard.rateLimit`.
   *
   * @throws `ConvexError` `UNAUTHENTICATED`; `INVALID_ARGUMENT` for an empty name or one
   * longer than 200 characters (UTF-16 code units).
   * @example
   * ```ts
   * const eng = await guard.createGroup(ctx, "engineering");
   * ```
   */
  createGroup<DM extends GenericDataModel>(ctx: WriterCtx<DM>, name: string): Promise<string>;

  /**
   * Invites a user to a group at `level` (default: the lowest), or changes their level.
   * Managing a group follows the sharing rules, on the caller's own level on the group (its
   * owner: the owner level; a member: their membership's level; `access.groups.managers`: the
   * owner level on every group): inviting at a level takes what sharing that level on a
   * document takes, and changing a member's level also takes what removing them takes.
   * Membership levels are for managing the group only: a grant to the group gives every
   * member the grant's level, so whoever may add members extends the group's grants to anyone
   * who accepts.
   *
   * Membership needs the member's consent: adding someone else writes an **invitation**,
   * which gives nothing (no access, no level on the group, not counted toward their groups)
   * until they accept it ({@link Access.acceptGroupInvite}) and which they may decline
   * ({@link Access.leaveGroup}). Two callers add directly: a user adding themselves (a group's
   * owner joining it, a member changing their own level), and an app-wide manager
   * (`access.groups.managers`, the admin path). An existing membership stays one when its
   * level changes. Returns `"member"` or `"invited"`: what the user now holds.
   *
   * @throws `ConvexError` `UNAUTHENTICATED`; `NOT_FOUND` "Group not found" when the caller is
   * neither a member, its owner nor a manager (the same for a missing or malformed id; an
   * invitation is not membership); `FORBIDDEN` when the sharing rules refuse (before the user
   * is looked at); `INVALID_ARGUMENT` for an unknown level or user, or (adding directly) a
   * user already in 256 groups, the most one user may be in.
   * @example
   * ```ts
   * await guard.addGroupMember(ctx, eng, userId); // "invited", at the lowest level
   * await guard.addGroupMember(ctx, eng, leadId, "editor"); // may invite viewers..editors
   * ```
   */
  addGroupMember<DM extends GenericDataModel>(
    ctx: WriterCtx<DM>,
    groupId: string,
    userId: string,
    level?: L,
  ): Promise<"member" | "invited">;

  /**
   * Accepts the caller's invitation to a group: from now on they are a member, at the level
   * they were invited at, and the group's grants reach them. Returns `false` when they were
   * already a member.
   *
   * @throws `ConvexError` `UNAUTHENTICATED`; `NOT_FOUND` "Group not found" without an
   * invitation or membership (the same for a missing or malformed id); `INVALID_ARGUMENT` when
   * the caller is already in 256 groups, the most one user may be in (leave one first).
   * @example
   * ```ts
   * await guard.acceptGroupInvite(ctx, groupId);
   * ```
   */
  acceptGroupInvite<DM extends GenericDataModel>(ctx: WriterCtx<DM>, groupId: string): Promise<boolean>;

  /**
   * Leaves a group, or declines an invitation to it: the caller's own row goes. Returns
   * whether there was one (`false` for a group's owner or a manager who was not a member).
   *
   * @throws `ConvexError` `UNAUTHENTICATED`; `NOT_FOUND` "Group not found" when the caller
   * holds nothing on it (the same for a missing or malformed id).
   * @example
   * ```ts
   * await guard.leaveGroup(ctx, groupId);
   * ```
   */
  leaveGroup<DM extends GenericDataModel>(ctx: WriterCtx<DM>, groupId: string): Promise<boolean>;

  /**
   * One page of the caller's groups, memberships and invitations alike (an invitation is
   * marked `invited: true`), so a user can see what they were invited to and leave or decline
   * it. Anonymous callers get an empty, finished page.
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` for a malformed cursor or a `numItems` out of
   * 1..100, as {@link Access.listAccessible}.
   * @example
   * ```ts
   * const { page, isDone, continueCursor } = await guard.listMyGroups(ctx, { paginationOpts });
   * ```
   */
  listMyGroups<C extends AnyReaderCtx>(
    ctx: C,
    options: { paginationOpts: AccessPageOptions },
  ): Promise<{ page: MyGroup<L>[]; isDone: boolean; continueCursor: string }>;

  /**
   * Removes a user from a group, or withdraws their invitation. Anyone may leave (remove
   * themselves: {@link Access.leaveGroup}); removing someone else takes what adding them at
   * their level takes. Returns whether they were a member or invited.
   *
   * @throws `ConvexError` `UNAUTHENTICATED`, `NOT_FOUND`, `FORBIDDEN` as
   * {@link Access.addGroupMember}.
   * @example
   * ```ts
   * await guard.removeGroupMember(ctx, eng, userId);
   * ```
   */
  removeGroupMember<DM extends GenericDataModel>(
    ctx: WriterCtx<DM>,
    groupId: string,
    userId: string,
  ): Promise<boolean>;
}

// ------------------------------------------------------------------------------- internals

/** The engine's "nobody" and "no parent" (u32::MAX). */
const NONE_ID = 0xffffffff;
const NO_VIA = 0xffff;
const SOURCES = ["none", "owner", "public", "direct", "group", "inherited", "cycle"] as const;
const DENIALS: Record<number, AccessDenial> = {
  1: "below_share_level",
  2: "above_own_level",
  3: "owner_level",
  4: "not_owner",
};
const SHARE_MESSAGES: Record<AccessDenial, string> = {
  below_share_level: "Your access level does not allow sharing",
  above_own_level: "You cannot grant a level above your own",
  owner_level: "The owner level is given only by transferring ownership",
  not_owner: "Only the owner can transfer ownership",
};
const GRANTS = "accessGrants";
const GROUPS = "accessGroups";
const MEMBERS = "accessGroupMembers";
/** The tables `accessTables` defines (for `guard.validate({ schema })`). @internal */
export const ACCESS_TABLE_NAMES = [GRANTS, GROUPS, MEMBERS] as const;
const NOT_FOUND = "Document not found";
const GROUP_NOT_FOUND = "Group not found";
const SELF_SHARE = "You cannot share a document with yourself";

type TableInfo = Required<Omit<AccessTableConfig, "visibility" | "parent">> & {
  visibility?: string;
  parent?: string;
};

type Compiled = {
  engine: AccessEngine;
  names: string[];
  levelIds: Map<string, number>;
  publicLevel: number;
  shareLevel: number;
  maxDepth: number;
  idsPerBatch: number;
  maxGroups: number;
  maxGroupName: number;
  maxPageItems: number;
  tables: Map<string, TableInfo>;
  managers?: { role: string } | { permission: string };
};

type Caller = { id: string | null; groups: string[]; user?: Row | null };
type Row = Record<string, unknown> & { _id: string };
type Fact = AccessFacts<string>["documents"][number];
type Gathered = { facts: Fact[]; rows: Map<string, Row>; wanted: (string | null)[] };
type Resolved = { level: number; source: number; via: number };

// Convex validates table and index names at run time; here they come from the configuration.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = any;
type Eq = { eq(field: string, value: unknown): Eq };
/** Any ctx, its data model erased (the public methods keep theirs). */
type AnyCtx = { auth: ReaderCtx["auth"]; db: unknown };

/** @internal */
export function createAccess<L extends string>(
  config: AccessConfig<L> | undefined,
  authz: Authz<string, string, string>,
  usersTable: string,
): Access<L> & { validate(): void; pageLimit(): number } {
  const compile = perInstance(build);

  function build(): Compiled {
    const c = config ?? {};
    if (typeof c !== "object") throw new GuardConfigError("access must be an object");
    if (c.levels !== undefined && !Array.isArray(c.levels)) {
      throw new GuardConfigError("access.levels must be an array of level names, lowest first");
    }
    for (const key of ["publicLevel", "shareLevel"] as const) {
      if (c[key] !== undefined && typeof c[key] !== "string") {
        throw new GuardConfigError(`access.${key} must be a level name`);
      }
    }
    const tables = compileTables(c.tables);
    engine();
    const builder = new AccessLevelsBuilder();
    for (const name of c.levels ?? []) {
      if (typeof name !== "string") throw new GuardConfigError("access level names must be strings");
      builder.level(name);
    }
    const eng = engineCall(() => builder.build(c.publicLevel, c.shareLevel));
    const names = eng.levels().split(" ");
    const [publicLevel, shareLevel, maxDepth, maxGroups, maxBatch, maxGroupName, maxPageItems] = eng.info();
    return {
      engine: eng,
      names,
      levelIds: new Map(names.map((n, i) => [n, i + 1])),
      publicLevel: publicLevel!,
      shareLevel: shareLevel!,
      maxDepth: maxDepth!,
      maxGroups: maxGroups!,
      maxGroupName: maxGroupName!,
      maxPageItems: maxPageItems!,
      // Ids resolved per engine call: even if every one exists and has maxDepth ancestors, the
      // batch stays within the engine's bound, so no error can depend on what exists.
      idsPerBatch: Math.floor(maxBatch! / (1 + maxDepth!)),
      tables,
      managers: compileManagers(c.groups, authz.roles),
    };
  }

  function levelId(c: Compiled, name: unknown): number {
    const id = typeof name === "string" ? c.levelIds.get(name) : undefined;
    if (id === undefined) deny("INVALID_ARGUMENT", `unknown access level ${quoted(name)}`);
    return id;
  }

  function tableInfo(c: Compiled, table: string): TableInfo {
    const t = c.tables.get(table);
    if (t === undefined) deny("INVALID_ARGUMENT", `table ${quoted(table)} is not configured under access.tables`);
    return t;
  }

  /** Facts in, one engine call, one answer per document. */
  function resolveFacts(c: Compiled, now: number, caller: Caller, docs: readonly Fact[]): Resolved[] {
    const { ints, times } = pack(c, now, caller, docs);
    const out = engineCall(() => c.engine.resolve(ints, times));
    return Array.from(out, (x) => ({ level: x & 0xff, source: (x >>> 8) & 0xff, via: x >>> 16 }));
  }

  /**
   * The engine's share decision on document `docId` of the facts: the expiry the new grant
   * gets (`requested` capped to the caller's own access at the level sharing takes; `undefined`
   * for none), or `FORBIDDEN` when the sharing rules refuse.
   */
  function shareExpiry(
    c: Compiled,
    now: number,
    caller: Caller,
    docs: readonly Fact[],
    docId: string,
    level: number,
    requested: unknown,
  ): number | undefined {
    const decided = decideShare(c, now, caller, docs, docId, level, requested);
    if (!decided.ok) deny("FORBIDDEN", SHARE_MESSAGES[decided.reason]);
    return decided.expiresAt;
  }

  function decideShare(
    c: Compiled,
    now: number,
    caller: Caller,
    docs: readonly Fact[],
    docId: unknown,
    level: number,
    requested: unknown,
  ): ShareDecision {
    const doc = docs.findIndex((d) => d.id === docId);
    const wanted = requested === undefined ? Infinity : requested;
    // A non-number is passed as NaN, a missing document as -1: the engine refuses both.
    const request = [doc, level, typeof wanted === "number" ? wanted : NaN];
    const { ints, times } = pack(c, now, caller, docs, request);
    const [x] = engineCall(() => c.engine.resolve(ints, times)) as Float64Array;
    if (x! < 0) return { ok: false, reason: DENIALS[-x!]! };
    return x === Infinity ? { ok: true } : { ok: true, expiresAt: x };
  }

  /**
   * The engine's batch layout (see AccessEngine.resolve) for facts; a share `request`
   * (document index, level, requested expiry) follows the expiry times.
   */
  function pack(c: Compiled, now: number, caller: Caller, docs: readonly Fact[], request: number[] = []) {
    const subjects = new Map<string, number>();
    const intern = (s: unknown): number => {
      if (typeof s !== "string") return NONE_ID;
      let n = subjects.get(s);
      if (n === undefined) subjects.set(s, (n = subjects.size));
      return n;
    };
    const index = new Map(docs.map((d, i) => [d.id, i]));
    let m = 0;
    for (const d of docs) m += d.grants.length;
    const g = caller.groups.length;
    const n = docs.length;
    const ints = new Uint32Array(4 + g + 3 * n + 4 * m);
    const times = new Float64Array(1 + m + request.length);
    times.set(request, 1 + m);
    // The engine's layout (see AccessEngine.resolve): the byte-sized columns (public, kind,
    // level) come last, so the engine narrows them in one pass.
    let k = 0;
    ints[k++] = intern(caller.id);
    ints[k++] = g;
    for (const group of caller.groups) ints[k++] = intern(group);
    ints[k++] = n;
    ints[k++] = m;
    for (const d of docs) ints[k++] = intern(d.owner);
    for (const d of docs) ints[k++] = d.parent === null ? NONE_ID : (index.get(d.parent) ?? NONE_ID);
    const doc = k, subject = k + m;
    k += 2 * m;
    for (const d of docs) ints[k++] = d.visibility === "public" ? 1 : d.visibility === "private" ? 0 : 2;
    const kind = k, level = k + m;
    times[0] = num(now);
    let j = 0;
    docs.forEach((d, i) => {
      for (const gr of d.grants) {
        ints[doc + j] = i;
        ints[subject + j] = intern(gr.to);
        ints[kind + j] = gr.kind === "direct" ? 3 : gr.kind === "group" ? 4 : 0;
        ints[level + j] = levelId(c, gr.level);
        times[1 + j] = gr.expiresAt === undefined ? Infinity : num(gr.expiresAt);
        j++;
      }
    });
    return { ints, times };
  }

  async function callerOf(ctx: AnyCtx, c: Compiled): Promise<Caller> {
    const user = (await authz.getUser(ctx as ReaderCtx)) as Row | null;
    if (user === null) return { id: null, groups: [] };
    const rows: Row[] = await (ctx.db as AnyDb)
      .query(MEMBERS)
      // Accepted memberships only: an invitation gives nothing. Accepting refuses past the
      // bound, so only rows written around the guard can reach it.
      .withIndex("by_user_and_invited", (q: Eq) => q.eq("userId", user._id).eq("invited", undefined))
      .take(c.maxGroups + 1); // one past the bound: the engine refuses the batch, loudly
    return { id: user._id, groups: rows.map((r) => String(r.groupId)), user };
  }

  /** Reads the wanted documents, their ancestors and the caller's grants on all of them. */
  async function gather(
    ctx: AnyCtx,
    c: Compiled,
    table: string,
    ids: readonly unknown[],
    caller: Caller,
  ): Promise<Gathered> {
    const db = ctx.db as AnyDb;
    const rows = new Map<string, Row>();
    const tableOf = new Map<string, TableInfo>();
    const wanted = ids.map((id) => (typeof id === "string" ? (db.normalizeId(table, id) as string | null) : null));
    const info = tableInfo(c, table);
    let frontier: [string, TableInfo][] = [];
    for (const id of new Set(wanted)) if (id !== null) frontier.push([id, info]);
    // Level 0 is the documents asked about; then up to maxDepth ancestors, each read once.
    for (let depth = 0; depth <= c.maxDepth && frontier.length > 0; depth++) {
      const fetched = await Promise.all(frontier.map(([id]) => db.get(id) as Promise<Row | null>));
      const next: [string, TableInfo][] = [];
      const queued = new Set<string>();
      fetched.forEach((row, i) => {
        const [id, t] = frontier[i]!;
        if (row === null || rows.has(id)) return;
        rows.set(id, row);
        tableOf.set(id, t);
        const parentId = parentOf(db, c, t, row);
        if (parentId !== null && !rows.has(parentId) && !queued.has(parentId)) {
          queued.add(parentId);
          next.push([parentId, c.tables.get(t.parentTable)!]);
        }
      });
      frontier = next;
    }
    const facts: Fact[] = [];
    const grantReads: Promise<Row[]>[] = [];
    for (const [id, row] of rows) {
      const t = tableOf.get(id)!;
      const owner = row[t.owner];
      const visibility = t.visibility === undefined ? undefined : row[t.visibility];
      facts.push({
        id,
        owner: typeof owner === "string" ? owner : null,
        visibility: (visibility ?? "private") as Fact["visibility"],
        parent: parentOf(db, c, t, row),
        grants: [],
      });
      if (caller.id === null) continue; // anonymous: no grant can apply
      const lookups = [
        db.query(GRANTS).withIndex("by_doc_and_user", (q: Eq) => q.eq("doc", id).eq("userId", caller.id)).collect(),
        ...caller.groups.map((gid) =>
          db.query(GRANTS).withIndex("by_doc_and_group", (q: Eq) => q.eq("doc", id).eq("groupId", gid)).collect(),
        ),
      ];
      grantReads.push(Promise.all(lookups).then((lists: Row[][]) => lists.flat()));
    }
    const grants = await Promise.all(grantReads);
    if (caller.id !== null) {
      facts.forEach((f, i) => {
        (f as { grants: Fact["grants"] }).grants = grants[i]!.map((r) => ({
          to: (r.userId ?? r.groupId ?? null) as string | null,
          kind: r.userId !== undefined ? "direct" : "group",
          level: r.level as string,
          expiresAt: r.expiresAt as number | undefined,
        }));
      });
    }
    return { facts, rows, wanted };
  }

  /**
   * Gathers and resolves; one `Readable` (or null) per wanted id. Resolves in batches of at
   * most `idsPerBatch` requested ids, so the engine's batch bound is sized by the request alone:
   * found rows and their ancestors can never exceed it, and no answer (or error) depends on
   * whether a document the caller cannot see exists.
   */
  async function readMany(
    ctx: AnyCtx,
    table: string,
    ids: readonly unknown[],
    caller?: Caller,
    now: number = Date.now(),
  ): Promise<{ results: (Readable<Row, L> | null)[]; facts: Fact[] }> {
    const c = compile();
    const who = caller ?? (await callerOf(ctx, c));
    if (ids.length > c.idsPerBatch) {
      const results: (Readable<Row, L> | null)[] = [];
      const facts: Fact[] = [];
      for (let i = 0; i < ids.length; i += c.idsPerBatch) {
        const part = await readMany(ctx, table, ids.slice(i, i + c.idsPerBatch), who, now);
        results.push(...part.results);
        facts.push(...part.facts);
      }
      return { results, facts };
    }
    const { facts, rows, wanted } = await gather(ctx, c, table, ids, who);
    const resolved = resolveFacts(c, now, who, facts);
    const byId = new Map(facts.map((f, i) => [f.id, resolved[i]!]));
    const results = wanted.map((id) => {
      const r = id === null ? undefined : byId.get(id);
      if (r === undefined || r.level === 0) return null;
      return {
        doc: rows.get(id!)!,
        accessLevel: c.names[r.level - 1] as L,
        source: SOURCES[r.source] as AccessSource,
      };
    });
    return { results, facts };
  }

  /**
   * Removing (or replacing) grants takes what giving them took: the engine's share decision for
   * each row's level. A stale level name (no longer configured) gives nothing, so removing it
   * takes only the share level.
   */
  function requireMayRemove(c: Compiled, own: number, levels: readonly unknown[]) {
    for (const level of levels) {
      const reason = shareDecision(c, own, c.levelIds.get(level as string) ?? 1);
      if (reason !== null) deny("FORBIDDEN", SHARE_MESSAGES[reason]);
    }
  }

  async function requireLevel(ctx: AnyCtx, table: string, id: string, minLevel: number) {
    const c = compile();
    const [r] = (await readMany(ctx, table, [id])).results;
    if (r === null || r === undefined) deny("NOT_FOUND", NOT_FOUND);
    if (c.levelIds.get(r.accessLevel)! < minLevel) {
      deny("FORBIDDEN", `Access level '${c.names[minLevel - 1]}' or higher required`);
    }
    return r;
  }

  /** The grant rows of one user or group on one document, and the target's checked id. */
  async function grantRows(ctx: AnyCtx, docId: string, target: GrantTarget) {
    const db = ctx.db as AnyDb;
    const t = (target ?? {}) as { userId?: unknown; groupId?: unknown };
    if ((t.userId === undefined) === (t.groupId === undefined)) {
      deny("INVALID_ARGUMENT", "give exactly one of userId and groupId");
    }
    const isUser = t.userId !== undefined;
    const raw = isUser ? t.userId : t.groupId;
    const id = typeof raw === "string" ? (db.normalizeId(isUser ? usersTable : GROUPS, raw) as string | null) : null;
    if (id === null || (await db.get(id)) === null) {
      deny("INVALID_ARGUMENT", isUser ? "unknown user" : "unknown group");
    }
    const field = isUser ? "userId" : "groupId";
    const rows: Row[] = await db
      .query(GRANTS)
      .withIndex(isUser ? "by_doc_and_user" : "by_doc_and_group", (q: Eq) => q.eq("doc", docId).eq(field, id))
      .collect();
    return { field, id, rows };
  }

  function shareDecision(c: Compiled, callerLevel: number, grantLevel: number): AccessDenial | null {
    const code = engineCall(() => c.engine.canShare(callerLevel, grantLevel));
    if (code === 255) deny("INVALID_ARGUMENT", "not an access level");
    return DENIALS[code] ?? null;
  }

  /** The membership rows of one user in one group. */
  async function memberRows(db: AnyDb, group: string, userId: unknown): Promise<Row[]> {
    if (typeof userId !== "string") return [];
    return await db
      .query(MEMBERS)
      .withIndex("by_group_and_user", (q: Eq) => q.eq("groupId", group).eq("userId", userId))
      .collect();
  }

  /**
   * The caller's level on a group, decided by the engine as for a document: the group's owner
   * holds the owner level, a member their membership's level (a grant on the group). Managers
   * hold the owner level on every group. `NOT_FOUND` when the caller holds nothing on it, alike
   * for a missing or malformed id.
   */
  async function groupAccess(ctx: AnyCtx, c: Compiled, who: Caller, groupId: unknown) {
    const db = ctx.db as AnyDb;
    const group = typeof groupId === "string" ? (db.normalizeId(GROUPS, groupId) as string | null) : null;
    const row = group === null ? null : ((await db.get(group)) as Row | null);
    const mine = row === null ? [] : await memberRows(db, group!, who.id);
    let own = 0;
    if (row !== null && isManager(c, who.user)) own = c.names.length;
    else if (row !== null) {
      // An invitation gives no level on the group: only accepted memberships count.
      const grants = mine
        .filter((m) => !isInvitation(m))
        .map((m) => ({ to: who.id, kind: "direct" as const, level: memberLevel(m) }));
      const owner = typeof row.ownerId === "string" ? row.ownerId : null;
      const fact: Fact = { id: group!, owner, visibility: "private", parent: null, grants };
      // Only the membership rows matter here: not the caller's other groups (which could
      // exceed the engine's bound on a caller's groups and refuse the batch).
      own = resolveFacts(c, 0, { id: who.id, groups: [] }, [fact])[0]!.level;
    }
    if (own === 0) deny("NOT_FOUND", GROUP_NOT_FOUND);
    return { group: group!, own, mine };
  }

  /**
   * Refuses a new membership for `userId` when they are already in the engine's most groups
   * per caller: the one who joins (or the manager who adds them) gets the error, never the
   * member in every later read.
   */
  async function requireRoom(db: AnyDb, c: Compiled, userId: string, self: boolean) {
    const accepted: Row[] = await db
      .query(MEMBERS)
      .withIndex("by_user_and_invited", (q: Eq) => q.eq("userId", userId).eq("invited", undefined))
      .take(c.maxGroups);
    if (accepted.length >= c.maxGroups) {
      const who = self ? "You are" : "That user is";
      deny("INVALID_ARGUMENT", `${who} already in ${c.maxGroups} groups, the most one user may be in: leave one first`);
    }
  }

  /** The caller's own rows in a group, after a `NOT_FOUND` when they hold nothing on it. */
  async function ownRows(ctx: AnyCtx, c: Compiled, who: Caller, groupId: unknown) {
    const db = ctx.db as AnyDb;
    const group = typeof groupId === "string" ? (db.normalizeId(GROUPS, groupId) as string | null) : null;
    const rows = group === null ? [] : await memberRows(db, group, who.id);
    // Without a row, only the group's owner or a manager learns that it exists.
    if (rows.length === 0) await groupAccess(ctx, c, who, groupId);
    return rows;
  }

  /**
   * A membership row's level name: the lowest when missing, no longer configured, or the
   * owner's (never written: only a group's owner holds it).
   */
  function memberLevel(row: Row): string {
    const c = compile();
    const id = typeof row.level === "string" ? c.levelIds.get(row.level) : undefined;
    return id !== undefined && id < c.names.length ? (row.level as string) : c.names[0]!;
  }

  function isInvitation(row: Row): boolean {
    return row.invited === true;
  }

  function isManager(c: Compiled, user: Row | null | undefined): boolean {
    const m = c.managers;
    if (m === undefined || user === null || user === undefined) return false;
    return "permission" in m ? authz.can(user, m.permission) : authz.roleAtLeast(user, m.role);
  }

  /** `numItems` as the caller gave it, when a whole number from 1 to the engine's page bound. */
  function pageSize(c: Compiled, numItems: unknown): number {
    if (!Number.isSafeInteger(numItems) || (numItems as number) < 1 || (numItems as number) > c.maxPageItems) {
      deny("INVALID_ARGUMENT", `numItems must be a whole number from 1 to ${c.maxPageItems}`);
    }
    return numItems as number;
  }

  /**
   * One page of `query()`. A database cursor the database cannot parse is `INVALID_ARGUMENT`
   * "malformed cursor" (never its own message, which quotes the cursor): when a page with a
   * cursor fails, the same range is read again without one, and only if that succeeds was the
   * cursor at fault; any other failure is the database's, rethrown as it was.
   */
  async function pageOf(query: () => AnyDb, numItems: number, cursor: string | null) {
    try {
      return await query().paginate({ numItems, cursor });
    } catch (e) {
      if (cursor === null) throw e;
      try {
        await query().first();
      } catch {
        throw e;
      }
      deny("INVALID_ARGUMENT", MALFORMED_CURSOR);
    }
  }

  async function signedIn(ctx: AnyCtx): Promise<Caller> {
    const c = compile();
    const who = await callerOf(ctx, c);
    if (who.id === null) deny("UNAUTHENTICATED", "Authentication required");
    return who;
  }

  const access: Access<L> & { validate(): void; pageLimit(): number } = {
    validate(): void {
      compile();
    },

    pageLimit() {
      return compile().maxPageItems;
    },

    accessLevels() {
      const c = compile();
      return {
        levels: c.names as unknown as readonly L[],
        publicLevel: c.names[c.publicLevel - 1] as L,
        shareLevel: c.names[c.shareLevel - 1] as L,
      };
    },

    resolveAccess(facts: AccessFacts<L>): ResolvedAccess<L>[] {
      const c = compile();
      if (!isFacts(facts)) deny("INVALID_ARGUMENT", MALFORMED_FACTS);
      const docs = facts.documents;
      const resolved = resolveFacts(c, facts.now, { id: facts.caller, groups: [...facts.groups] }, docs);
      return resolved.map((r, i) => ({
        id: docs[i]!.id,
        level: r.level === 0 ? null : (c.names[r.level - 1] as L),
        source: SOURCES[r.source]!,
        via: r.via === NO_VIA ? null : docs[r.via]!.id,
      })) as ResolvedAccess<L>[];
    },

    canShare(callerLevel: L | null, grantLevel: L) {
      const c = compile();
      const from = callerLevel === null ? 0 : levelId(c, callerLevel);
      const reason = shareDecision(c, from, levelId(c, grantLevel));
      return reason === null ? { ok: true } : { ok: false, reason };
    },

    resolveShare(facts: AccessFacts<L>, request: { id: string; level: L; expiresAt?: number }) {
      const c = compile();
      if (!isFacts(facts)) deny("INVALID_ARGUMENT", MALFORMED_FACTS);
      if (typeof request !== "object" || request === null) deny("INVALID_ARGUMENT", "a share request is { id, level, expiresAt? }");
      const caller = { id: facts.caller, groups: [...facts.groups] };
      const level = levelId(c, request.level);
      return decideShare(c, facts.now, caller, facts.documents, request.id, level, request.expiresAt);
    },

    canTransfer(source: string) {
      const c = compile();
      const code = (SOURCES as readonly string[]).indexOf(source);
      if (code < 0) deny("INVALID_ARGUMENT", `unknown access source ${quoted(source)}`);
      const reason = DENIALS[engineCall(() => c.engine.canTransfer(code))];
      return reason === undefined ? { ok: true } : { ok: false, reason };
    },

    async readable(ctx, table, id, minLevel) {
      const c = compile();
      const min = minLevel === undefined ? 1 : levelId(c, minLevel);
      const [r] = (await readMany(ctx, table, [id])).results;
      return (r && c.levelIds.get(r.accessLevel)! >= min ? r : null) as never;
    },

    async readableMany(ctx, table, ids) {
      if (!Array.isArray(ids)) deny("INVALID_ARGUMENT", "readableMany takes an array of ids");
      return (await readMany(ctx, table, ids)).results as never;
    },

    async requireAccess(ctx, table, id, minLevel) {
      return (await requireLevel(ctx, table, id, levelId(compile(), minLevel))) as never;
    },

    async share(ctx, table, id, grant) {
      const c = compile();
      const who = await signedIn(ctx);
      const level = levelId(c, grant?.level);
      const now = Date.now();
      const {
        results: [r],
        facts,
      } = await readMany(ctx, table, [id], who, now);
      if (r === null || r === undefined) deny("NOT_FOUND", NOT_FOUND);
      const own = c.levelIds.get(r.accessLevel)!;
      const docId = r.doc._id;
      // The sharing rules first (a refused caller learns nothing about the target), then the
      // expiry: checked, and capped to the caller's own access, by the engine.
      const expiresAt = shareExpiry(c, now, who, facts, docId, level, grant.expiresAt);
      const { field, id: subject, rows } = await grantRows(ctx, docId, grant);
      // Re-sharing to oneself would replace one's own grant: with no expiry, an expiring grant
      // would become permanent.
      if (field === "userId" && subject === who.id) deny("FORBIDDEN", SELF_SHARE);
      // Replacing a grant takes what removing it takes: else a sharer could downgrade or
      // expire (in effect revoke) a grant above their own level.
      requireMayRemove(c, own, rows.map((row) => row.level));
      const db = ctx.db as AnyDb;
      const fields = { level: grant.level, expiresAt, grantedBy: who.id! };
      const [first, ...duplicates] = rows;
      for (const d of duplicates) await db.delete(d._id);
      if (first !== undefined) {
        await db.patch(first._id, fields);
        return first._id;
      }
      return (await db.insert(GRANTS, { table, doc: docId, [field]: subject, ...fields })) as string;
    },

    async revoke(ctx, table, id, target) {
      const c = compile();
      const who = await signedIn(ctx);
      const [r] = (await readMany(ctx, table, [id], who)).results;
      if (r === null || r === undefined) deny("NOT_FOUND", NOT_FOUND);
      const own = c.levelIds.get(r.accessLevel)!;
      // The caller's right first, before the target is even looked at: a caller who may not
      // share gets the same refusal for a real, an unknown and a malformed target.
      requireMayRemove(c, own, [c.names[0]]);
      const { rows } = await grantRows(ctx, r.doc._id, target);
      requireMayRemove(c, own, rows.map((row) => row.level));
      for (const row of rows) await (ctx.db as AnyDb).delete(row._id);
      return rows.length > 0;
    },

    async listGrants(ctx, table, id, options) {
      const c = compile();
      const who = await signedIn(ctx);
      const [r] = (await readMany(ctx, table, [id], who)).results;
      if (r === null || r === undefined) deny("NOT_FOUND", NOT_FOUND);
      // What revoking takes, before anything else is looked at.
      requireMayRemove(c, c.levelIds.get(r.accessLevel)!, [c.names[0]]);
      const { numItems, cursor } = options?.paginationOpts ?? ({} as AccessPageOptions);
      const size = pageSize(c, numItems);
      if (cursor !== null && cursor !== undefined && typeof cursor !== "string") deny("INVALID_ARGUMENT", MALFORMED_CURSOR);
      const db = ctx.db as AnyDb;
      // The document prefix of by_doc_and_user holds its user and group grants alike.
      const result = await pageOf(
        () => db.query(GRANTS).withIndex("by_doc_and_user", (q: Eq) => q.eq("doc", r.doc._id)),
        size,
        cursor ?? null,
      );
      const page = (result.page as Row[]).map((g) => {
        const grant: DocumentGrant<L> = { grantId: g._id, level: g.level as L };
        if (typeof g.userId === "string") grant.userId = g.userId;
        if (typeof g.groupId === "string") grant.groupId = g.groupId;
        if (typeof g.expiresAt === "number") grant.expiresAt = g.expiresAt;
        if (typeof g.grantedBy === "string") grant.grantedBy = g.grantedBy;
        return grant;
      });
      return { page, isDone: result.isDone as boolean, continueCursor: result.continueCursor as string };
    },

    async transferOwnership(ctx, table, id, newOwnerId) {
      const c = compile();
      const who = await signedIn(ctx);
      const [r] = (await readMany(ctx, table, [id], who)).results;
      if (r === null || r === undefined) deny("NOT_FOUND", NOT_FOUND);
      const reason = DENIALS[engineCall(() => c.engine.canTransfer(SOURCES.indexOf(r.source)))];
      if (reason !== undefined) deny("FORBIDDEN", SHARE_MESSAGES[reason]);
      const db = ctx.db as AnyDb;
      const to = typeof newOwnerId === "string" ? (db.normalizeId(usersTable, newOwnerId) as string | null) : null;
      if (to === null || (await db.get(to)) === null) deny("INVALID_ARGUMENT", "unknown user");
      await db.patch(r.doc._id, { [tableInfo(c, table).owner]: to });
    },

    async listAccessible(ctx, table, options) {
      const c = compile();
      const t = tableInfo(c, table);
      const min = options?.minLevel === undefined ? 1 : levelId(c, options.minLevel);
      const { numItems, cursor } = options?.paginationOpts ?? ({} as AccessPageOptions);
      const size = pageSize(c, numItems);
      const who = await callerOf(ctx, c);
      const done = { page: [], isDone: true, continueCursor: "" };
      if (who.id === null) return done; // anonymous: owns nothing, holds no grants
      let phase: number;
      let inner: string | null;
      try {
        ({ phase, inner } = cursor === null || cursor === undefined ? { phase: 0, inner: null } : decodeCursor(cursor));
      } catch {
        deny("INVALID_ARGUMENT", MALFORMED_CURSOR);
      }
      // Phases: 0 owned (owner index), 1 direct grants, 2 + i grants to the caller's group i.
      if (phase >= 2 + who.groups.length) return done;
      const db = ctx.db as AnyDb;
      const result = await pageOf(
        () =>
          phase === 0
            ? db.query(table).withIndex(t.ownerIndex, (q: Eq) => q.eq(t.owner, who.id))
            : db
                .query(GRANTS)
                .withIndex(phase === 1 ? "by_user" : "by_group", (q: Eq) =>
                  phase === 1 ? q.eq("userId", who.id).eq("table", table) : q.eq("groupId", who.groups[phase - 2]).eq("table", table),
                ),
        size,
        inner,
      );
      const ids = (result.page as Row[]).map((row) => (phase === 0 ? row._id : String(row.doc)));
      const { results, facts } = await readMany(ctx, table, ids, who);
      const factOf = new Map(facts.map((f) => [f.id, f]));
      const earlier = new Set(who.groups.slice(0, Math.max(0, phase - 2)));
      const seen = new Set<string>();
      const page: Readable<Row, L>[] = [];
      for (const r of results) {
        if (r === null || seen.has(r.doc._id) || c.levelIds.get(r.accessLevel)! < min) continue;
        seen.add(r.doc._id);
        // Each document is listed once, by the first phase that reaches it.
        const f = factOf.get(r.doc._id)!;
        const listedBefore =
          phase > 0 &&
          (f.owner === who.id ||
            (phase > 1 && f.grants.some((g) => (g.kind === "direct" && g.to === who.id) || (g.to !== null && earlier.has(g.to)))));
        if (!listedBefore) page.push(r);
      }
      const next = result.isDone ? { phase: phase + 1, inner: null } : { phase, inner: result.continueCursor as string };
      const isDone = result.isDone && next.phase >= 2 + who.groups.length;
      return { page, isDone, continueCursor: isDone ? "" : JSON.stringify([next.phase, next.inner]) } as never;
    },

    async createGroup(ctx, name) {
      const c = compile();
      const who = await signedIn(ctx);
      if (typeof name !== "string" || name.length === 0) deny("INVALID_ARGUMENT", "a group needs a name");
      if (name.length > c.maxGroupName) deny("INVALID_ARGUMENT", `a group name is at most ${c.maxGroupName} characters`);
      return (await (ctx.db as AnyDb).insert(GROUPS, { name, ownerId: who.id! })) as string;
    },

    async addGroupMember(ctx, groupId, userId, level) {
      const c = compile();
      const who = await signedIn(ctx);
      const wanted = level === undefined ? 1 : levelId(c, level);
      const { group, own } = await groupAccess(ctx, c, who, groupId);
      const reason = shareDecision(c, own, wanted);
      if (reason !== null) deny("FORBIDDEN", SHARE_MESSAGES[reason]);
      const db = ctx.db as AnyDb;
      const user = typeof userId === "string" ? (db.normalizeId(usersTable, userId) as string | null) : null;
      if (user === null || (await db.get(user)) === null) deny("INVALID_ARGUMENT", "unknown user");
      // A membership first, so the duplicates dropped are invitations.
      const rows = (await memberRows(db, group, user)).sort((a, b) => Number(isInvitation(a)) - Number(isInvitation(b)));
      // Changing a member's level takes what removing them takes.
      requireMayRemove(c, own, rows.map(memberLevel));
      const self = user === who.id;
      const member = rows.length > 0 && !isInvitation(rows[0]!);
      // Consent: only oneself and an app-wide manager make a membership; anyone else invites.
      const invited = !member && !self && !isManager(c, who.user);
      if (!member && !invited) await requireRoom(db, c, user, self);
      const [first, ...duplicates] = rows;
      for (const d of duplicates) await db.delete(d._id);
      const fields = { level: c.names[wanted - 1], invited: invited ? (true as const) : undefined };
      if (first !== undefined) await db.patch(first._id, fields);
      else await db.insert(MEMBERS, { groupId: group, userId: user, ...fields });
      return invited ? "invited" : "member";
    },

    async acceptGroupInvite(ctx, groupId) {
      const c = compile();
      const who = await signedIn(ctx);
      const db = ctx.db as AnyDb;
      const group = typeof groupId === "string" ? (db.normalizeId(GROUPS, groupId) as string | null) : null;
      const rows = group === null ? [] : await memberRows(db, group, who.id);
      if (rows.length === 0 || (await db.get(group)) === null) deny("NOT_FOUND", GROUP_NOT_FOUND);
      if (rows.some((r) => !isInvitation(r))) return false;
      await requireRoom(db, c, who.id!, true);
      const [first, ...duplicates] = rows;
      for (const d of duplicates) await db.delete(d._id);
      await db.patch(first!._id, { invited: undefined });
      return true;
    },

    async leaveGroup(ctx, groupId) {
      const c = compile();
      const who = await signedIn(ctx);
      const rows = await ownRows(ctx, c, who, groupId);
      for (const row of rows) await (ctx.db as AnyDb).delete(row._id);
      return rows.length > 0;
    },

    async listMyGroups(ctx, options) {
      const c = compile();
      const { numItems, cursor } = options?.paginationOpts ?? ({} as AccessPageOptions);
      const size = pageSize(c, numItems);
      if (cursor !== null && cursor !== undefined && typeof cursor !== "string") deny("INVALID_ARGUMENT", MALFORMED_CURSOR);
      const who = await callerOf(ctx, c);
      if (who.id === null) return { page: [], isDone: true, continueCursor: "" };
      const db = ctx.db as AnyDb;
      const result = await pageOf(
        () => db.query(MEMBERS).withIndex("by_user", (q: Eq) => q.eq("userId", who.id)),
        size,
        cursor ?? null,
      );
      const rows = result.page as Row[];
      const groups = (await Promise.all(rows.map((r) => db.get(r.groupId)))) as (Row | null)[];
      const page = rows.map((r, i) => ({
        groupId: String(r.groupId),
        name: typeof groups[i]?.name === "string" ? (groups[i]!.name as string) : null,
        level: memberLevel(r) as L,
        invited: isInvitation(r),
      }));
      return { page, isDone: result.isDone as boolean, continueCursor: result.continueCursor as string };
    },

    async removeGroupMember(ctx, groupId, userId) {
      const c = compile();
      const who = await signedIn(ctx);
      if (userId === who.id) return await access.leaveGroup(ctx, groupId); // takes nothing
      const { group, own } = await groupAccess(ctx, c, who, groupId);
      const db = ctx.db as AnyDb;
      // Removing someone else (or withdrawing their invitation): the caller's right first
      // (before the target is looked at), then what adding them at their level took.
      requireMayRemove(c, own, [c.names[0]]);
      const rows = await memberRows(db, group, userId);
      requireMayRemove(c, own, rows.map(memberLevel));
      for (const row of rows) await db.delete(row._id);
      return rows.length > 0;
    },
  };
  return access;
}

const MALFORMED_CURSOR = "malformed cursor";
const MALFORMED_FACTS =
  "access facts are { now, caller, groups: [ids], documents: [{ id, owner, visibility, parent, grants: [{ to, kind, level, expiresAt? }] }] }";

/** Whether `facts` has the shape `resolveAccess` reads (its values are the engine's to judge). */
function isFacts(facts: unknown): facts is AccessFacts<string> {
  const f = facts as AccessFacts<string> | null;
  if (typeof f !== "object" || f === null || !Array.isArray(f.groups) || !Array.isArray(f.documents)) return false;
  // Indexes, not `every`: a hole in a sparse array is an entry too.
  const isObject = (x: unknown) => typeof x === "object" && x !== null;
  for (let i = 0; i < f.documents.length; i++) {
    const grants = (f.documents[i] as { grants?: unknown } | undefined)?.grants;
    if (!isObject(f.documents[i]) || !Array.isArray(grants)) return false;
    for (let j = 0; j < grants.length; j++) if (!isObject(grants[j])) return false;
  }
  return true;
}

function parentOf(db: AnyDb, c: Compiled, t: TableInfo, row: Row): string | null {
  if (t.parent === undefined) return null;
  const raw = row[t.parent];
  return typeof raw === "string" ? (db.normalizeId(t.parentTable, raw) as string | null) : null;
}

function decodeCursor(cursor: string): { phase: number; inner: string | null } {
  const parsed: unknown = JSON.parse(cursor);
  if (!Array.isArray(parsed) || parsed.length !== 2) throw new Error("cursor");
  const [phase, inner] = parsed as [unknown, unknown];
  if (!Number.isSafeInteger(phase) || (phase as number) < 0) throw new Error("cursor");
  if (inner !== null && typeof inner !== "string") throw new Error("cursor");
  return { phase: phase as number, inner };
}

function compileTables(tables: AccessConfig<string>["tables"]): Map<string, TableInfo> {
  const out = new Map<string, TableInfo>();
  if (tables === undefined) return out;
  if (tables === null || typeof tables !== "object") {
    throw new GuardConfigError("access.tables must be an object: { tableName: { owner, ... } }");
  }
  for (const [name, t] of Object.entries(tables)) {
    const at = `access.tables.${name}`;
    if ([GRANTS, GROUPS, MEMBERS].includes(name)) throw new GuardConfigError(`${at}: '${name}' is convex-guard's own table`);
    if (t === null || typeof t !== "object") throw new GuardConfigError(`${at} must be an object`);
    for (const key of ["owner", "ownerIndex", "visibility", "parent", "parentTable"] as const) {
      const value = t[key];
      if ((key === "owner" || value !== undefined) && (typeof value !== "string" || value.length === 0)) {
        throw new GuardConfigError(`${at}.${key} must be a non-empty string`);
      }
    }
    if (t.parentTable !== undefined && t.parent === undefined) {
      throw new GuardConfigError(`${at}.parentTable needs ${at}.parent, the field holding the parent's id`);
    }
    out.set(name, {
      owner: t.owner,
      ownerIndex: t.ownerIndex ?? "by_owner",
      visibility: t.visibility,
      parent: t.parent,
      parentTable: t.parentTable ?? name,
    });
  }
  for (const [name, t] of out) {
    if (t.parent !== undefined && !out.has(t.parentTable)) {
      throw new GuardConfigError(`access.tables.${name}.parentTable: '${t.parentTable}' is not a configured table`);
    }
  }
  return out;
}

function compileManagers(groups: AccessConfig<string>["groups"], roles: readonly string[]): Compiled["managers"] {
  if (groups === undefined) return undefined;
  if (groups === null || typeof groups !== "object") throw new GuardConfigError("access.groups must be an object: { managers }");
  const m = groups.managers as Record<string, unknown> | undefined;
  if (m === undefined) return undefined;
  const keys = m !== null && typeof m === "object" ? Object.keys(m) : [];
  const [key] = keys;
  const value = key === undefined ? undefined : m[key];
  if (keys.length !== 1 || (key !== "role" && key !== "permission") || typeof value !== "string" || value.length === 0) {
    throw new GuardConfigError("access.groups.managers must be { role: \"admin\" } or { permission: \"groups:manage\" }");
  }
  if (key === "role" && !roles.includes(value)) {
    throw new GuardConfigError(`access.groups.managers.role: '${value}' is not a configured role`);
  }
  return key === "role" ? { role: value } : { permission: value };
}
