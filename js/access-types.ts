/**
 * Data access boundaries: the public types of the configuration, the facts and the answers.
 * The methods are the {@link Access} interface (access.ts).
 */
import type { paginationOptsValidator } from "convex/server";
import type { GenericId, Infer } from "convex/values";
import type { Access } from "./access.js";
import type { accessTables, GroupId } from "./access-tables.js";

/**
 * The owner level of levels written as `A` (a literal list's last name); `never` when the
 * list is not a literal (no level can then be told apart by its type).
 */
export type OwnerLevel<A extends readonly string[]> = A extends readonly [...unknown[], infer X extends string] ? X : never;

/** The default ordered access levels, lowest first. */
export type DefaultLevel = "viewer" | "commenter" | "editor" | "owner";

/** Which rule gave the caller their level (for audit logs and UIs, never for client errors). */
export type AccessSource = "owner" | "public" | "direct" | "group" | "inherited";

/** Why {@link Access.canShare} or {@link Access.canTransfer} said no. */
export type AccessDenial = "below_share_level" | "above_own_level" | "owner_level" | "not_owner";

/** Where a protected table keeps the facts access is decided from. */
export type AccessTableConfig<L extends string = string> = {
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
  /**
   * The lowest level on a parent that filing a document of this table under it takes:
   * creating one there (`insertDocument`) or moving one there (`moveDocument`). Default: the
   * share level (`"editor"` by default), as for any table without it. `"commenter"` lets
   * whoever may comment on a post create comments under it.
   */
  fileLevel?: L;
};

/**
 * The access part of a guard's configuration (`R` role names, `P` permission names; `A` the
 * levels as written, so that a literal list's last name, the owner's, is known to the types).
 */
export type AccessConfig<
  L extends string,
  R extends string = string,
  P extends string = string,
  A extends readonly string[] = readonly L[],
> = {
  /** Ordered access levels, lowest first; the last is the owner's (a level named `owner` anywhere else is refused). Default {@link DefaultLevel}. */
  levels?: readonly L[] & A;
  /** The level public visibility gives. Default: the lowest. */
  publicLevel?: NoInfer<L>;
  /** The lowest level allowed to share. Default: the one below the owner's. */
  shareLevel?: NoInfer<L>;
  /** The protected tables, by name. */
  tables?: { readonly [table: string]: AccessTableConfig<NoInfer<L>> };
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

/**
 * A user id as a guard's access API takes and gives it (`U` of {@link Access}, {@link GrantTarget}
 * and `DocumentGrant`): an id of the users table `T` (`Id<"users">` by default), so
 * `ctx.db.get(grant.userId!)` needs no cast and another table's id does not compile. With
 * `users.roleClaim` alone (`RC` set) there are no users rows and access refuses to run (a
 * `GuardConfigError`), so ids stay `string` there, as `forgetUser` takes them (identity keys).
 */
export type AccessUserId<T extends string, RC extends string = never> = [RC] extends [never] ? GenericId<T> : string;

/**
 * Who a grant is to: one user, or one group of {@link accessTables}. `U` is the user id type:
 * a guard's `share` and `revoke` take `GrantTarget<Id<"users">>` (see {@link AccessUserId}).
 */
export type GrantTarget<U extends string = string> = { userId: U; groupId?: never } | { groupId: GroupId; userId?: never };

/** One of the caller's groups, as {@link Access.listMyGroups} lists them. */
export type MyGroup<L extends string> = {
  groupId: GroupId;
  /** `null` when the group was deleted (the row can still be left). */
  name: string | null;
  /**
   * The level the membership (or the invitation, once accepted) gives on the group; `null`
   * when its level is no longer configured (renamed or removed), which gives none.
   */
  level: L | null;
  /** `true`: an invitation, giving nothing until accepted. */
  invited: boolean;
  /**
   * On an invitation that expires: when (ms since the epoch), expired or not; missing: it
   * never expires. Compare it with the time where you show it: a query's result is cached
   * and not run again as time passes, so the guard does not mark invitations expired here.
   */
  expiresAt?: number;
};

/**
 * Pagination options, as Convex's `paginationOptsValidator` gives them (`args.paginationOpts`
 * of a query that takes it): every key it has, none other. The listings read `numItems` and
 * `cursor`.
 */
export type AccessPageOptions = Infer<typeof paginationOptsValidator>;

/** One of a group's members (or, to those who may manage them, invitations), as {@link Access.listGroupMembers} lists them. */
export type GroupMember<L extends string, U extends string = string> = {
  userId: U;
  /** The level the membership (or the invitation, once accepted) gives on the group; `null` when no longer configured. */
  level: L | null;
  /** `true`: an invitation, giving nothing until accepted (listed only to those who may withdraw it). */
  invited: boolean;
  /** On an invitation that expires: when (ms since the epoch), expired or not, as {@link MyGroup.expiresAt}. */
  expiresAt?: number;
};
