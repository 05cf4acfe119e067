/**
 * Data access boundaries: the TypeScript side. Every decision (effective level, sharing,
 * transfer) is made by the engine's compiled levels. This file is the public interface; the
 * types are access-types.ts, the tables access-tables.ts, the configuration's compilation
 * access-config.ts, the engine's batch encoding access-codec.ts, the reads and writes
 * access-store.ts and access-groups.ts, and the methods access-create.ts (those that read and
 * write documents and grants: access-documents.ts; inserting one: access-insert.ts, moving one:
 * access-move.ts, deleting one: access-delete.ts; the caller's level on a group: access-group-level.ts;
 * a group's members and name: access-group-admin.ts; a named user's access: access-for.ts).
 */
import type { GenericDataModel, TableNamesInDataModel } from "convex/server";
import type { AnyReaderCtx, DataModelOf, DocOf, WriterCtx } from "./ctx.js";
import type { DocumentGrant } from "./access-grants.js";
import type { AccessDecisions } from "./access-decisions.js";
import type { AccessInsert } from "./access-insert.js";
import type { AccessMove } from "./access-move.js";
import type { AccessDelete } from "./access-delete.js";
import type { AccessGroupLevel } from "./access-group-level.js";
import type { AccessGroupAdmin } from "./access-group-admin.js";
import type { AccessFor } from "./access-for.js";
import type { GrantId, GroupId } from "./access-tables.js";
import type {
  AccessDenial,
  AccessFacts,
  AccessPageOptions,
  AccessUserId,
  GrantTarget,
  MyGroup,
  Readable,
  ResolvedAccess,
  ShareDecision,
} from "./access-types.js";

/**
 * Ownership and shared access. The effective level comes from ownership, public visibility,
 * grants to the caller or their groups, and grants on ancestors; the engine decides, this
 * layer only reads rows (always through an index) and writes them. `U` is the type of the user
 * ids it takes and gives: a guard's is its users table's ids (`Id<"users">`, see
 * {@link AccessUserId}); the facts of the pure calls stay plain strings.
 */
export interface Access<L extends string, O extends string = never, U extends string = string>
  extends AccessInsert, AccessMove, AccessDelete, AccessGroupLevel<L>, AccessGroupAdmin<L, U>, AccessDecisions<L>, AccessFor<L, U> {
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
   * owner's. Returns the grant row's id (an `Id<"accessGrants">`).
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
   * unknown level, user or group, or a malformed `expiresAt` (not a finite number of ms from 0
   * to 8.64e15: `Infinity` too; leave it out for a grant that never expires) or one at or
   * before now (a grant dead on arrival).
   * @example
   * ```ts
   * await guard.share(ctx, "documents", id, { userId, level: "editor", expiresAt: Date.now() + DAY });
   * ```
   */
  share<DM extends GenericDataModel>(
    ctx: WriterCtx<DM>,
    table: TableNamesInDataModel<DM>,
    id: string,
    grant: GrantTarget<U> & { level: Exclude<L, O>; expiresAt?: number },
  ): Promise<GrantId>;

  /**
   * Removes a user's or a group's grant on a document. The caller must hold the share level
   * (checked first: a caller without it gets the same `FORBIDDEN` whatever the target, real,
   * unknown or malformed), and be allowed to grant that grant's level. Returns whether a
   * grant was removed.
   *
   * A grant to a user or group whose row was deleted can still be revoked. The caller's own
   * grant (`{ userId }` their own id) is theirs to give up at any level, on a document they
   * can see: leaving a document shared with them.
   *
   * @throws `ConvexError` `UNAUTHENTICATED`, `NOT_FOUND`, `FORBIDDEN` as {@link Access.share};
   * `INVALID_ARGUMENT` for a malformed user or group id, or one whose row is missing and that
   * holds no grant on the document (only to a caller with the right).
   * @example
   * ```ts
   * await guard.revoke(ctx, "documents", id, { userId });
   * ```
   */
  revoke<DM extends GenericDataModel>(
    ctx: WriterCtx<DM>,
    table: TableNamesInDataModel<DM>,
    id: string,
    target: GrantTarget<U>,
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
  ): Promise<{ page: DocumentGrant<L, U>[]; isDone: boolean; continueCursor: string }>;

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
    newOwnerId: U,
  ): Promise<void>;

  /**
   * One page of the documents of `table` the caller owns or holds a grant on (directly or
   * through a group), at `minLevel` or higher (default: the lowest), each listed once. Read
   * through the owner index and the grant indexes, never a table scan. A page may hold fewer
   * than `numItems` documents; `isDone` says when there are no more (the last page's cursor,
   * given back, is an empty page, done). `numItems` is a whole number from 1 to 100 (each
   * listed document costs one index range per group of the caller). It runs one `.paginate()`,
   * which Convex allows once per query: page across requests (`usePaginatedQuery`), not in a loop.
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
   * @throws `ConvexError` `UNAUTHENTICATED`; `INVALID_ARGUMENT` for a name longer than 200
   * characters (UTF-16 code units), a blank one (nothing that shows of its own: whitespace,
   * joiners, variation selectors, fillers, U+2800 or combining marks only), or one holding a
   * control, invisible or bidirectional formatting character (tags only inside a subdivision
   * flag): see docs/access.md: "Groups".
   * @example
   * ```ts
   * const eng = await guard.createGroup(ctx, "engineering");
   * ```
   */
  createGroup<DM extends GenericDataModel>(ctx: WriterCtx<DM>, name: string): Promise<GroupId>;

  /**
   * Invites a user to a group at `level` (default: the lowest; an existing member keeps their
   * level), or changes their level. Give `{ level?, expiresAt? }` instead of the level for an
   * invitation that expires: `expiresAt` in ms since the epoch, as {@link Access.share}'s
   * (none: it never expires).
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
   * An invitation with `expiresAt` can no longer be accepted from that moment on (it can still
   * be declined). Inviting again replaces a pending or expired invitation's level, sender and
   * expiry with this call's (no `expiresAt`: it never expires). A membership never expires:
   * `expiresAt` is refused where the call adds directly or the user is a member already.
   *
   * @throws `ConvexError` `UNAUTHENTICATED`; `NOT_FOUND` "Group not found" when the caller is
   * neither a member, its owner nor a manager (the same for a missing or malformed id; an
   * invitation is not membership); `FORBIDDEN` when the sharing rules refuse (before the user
   * is looked at); `INVALID_ARGUMENT` for an unknown level or user, a malformed `expiresAt`
   * (not a finite number of ms from 0 to 8.64e15, `Infinity` too) or one at or before now
   * (checked before the user is looked at, as the sharing rules), an `expiresAt` where no
   * invitation is made, or (adding directly) a user already in 256 groups, the most one user
   * may be in.
   * @example
   * ```ts
   * await guard.addGroupMember(ctx, eng, userId); // "invited", at the lowest level
   * await guard.addGroupMember(ctx, eng, leadId, "editor"); // may invite viewers..editors
   * await guard.addGroupMember(ctx, eng, userId, { expiresAt: Date.now() + 7 * DAY }); // a week to accept
   * ```
   */
  addGroupMember<DM extends GenericDataModel>(
    ctx: WriterCtx<DM>,
    groupId: GroupId,
    userId: U,
    level?: Exclude<L, O> | { level?: Exclude<L, O>; expiresAt?: number },
  ): Promise<"member" | "invited">;

  /**
   * Accepts the caller's invitation to a group: from now on they are a member, at the level
   * they were invited at, and the group's grants reach them. Returns `false` when they were
   * already a member. An invitation is worth what its sender may still do: accepting
   * re-checks that whoever sent it may still add members at its level. An invitation with an
   * `expiresAt` is accepted only before it (the engine's rule for a grant's expiry, on the
   * mutation's `Date.now()`); the membership it becomes does not expire.
   *
   * @throws `ConvexError` `UNAUTHENTICATED`; `NOT_FOUND` "Group not found" without an
   * invitation or membership (the same for a missing or malformed id); `FORBIDDEN` "This
   * invitation has expired: ask whoever sent it for a new one" at or after its `expiresAt`, or
   * when the invitation's sender was removed or demoted since (either can still be declined);
   * `INVALID_ARGUMENT` when the caller is already in 256 groups, the most one user may be in
   * (leave one first), or for an invitation row whose `expiresAt` is not a time (written
   * around the guard).
   * @example
   * ```ts
   * await guard.acceptGroupInvite(ctx, groupId);
   * ```
   */
  acceptGroupInvite<DM extends GenericDataModel>(ctx: WriterCtx<DM>, groupId: GroupId): Promise<boolean>;

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
  leaveGroup<DM extends GenericDataModel>(ctx: WriterCtx<DM>, groupId: GroupId): Promise<boolean>;

  /**
   * One page of the caller's groups, memberships and invitations alike (an invitation is
   * marked `invited: true`, with its `expiresAt` if it has one), so a user can see what they
   * were invited to and leave or decline it. An expired invitation is listed, with its
   * `expiresAt`, until it is declined, withdrawn or sent again. Anonymous callers get an
   * empty, finished page.
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
    groupId: GroupId,
    userId: U,
  ): Promise<boolean>;
}
