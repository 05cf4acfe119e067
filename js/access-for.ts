/**
 * Data access boundaries: the public interface of the checks for a named user, part of
 * {@link Access} (access.ts, split out for length). The methods are access-documents.ts's: the
 * caller's `readable` and `requireAccess`, for the user an id names (access-store.ts `namedCaller`);
 * and access-groups.ts's: the caller's `groupLevel` and `requireGroupLevel`, for that user.
 */
import type { TableNamesInDataModel } from "convex/server";
import type { AnyReaderCtx, DataModelOf, DocOf } from "./ctx.js";
import type { Readable } from "./access-types.js";
import type { GroupId } from "./access-tables.js";

/**
 * A document's access for a user who is not the caller: a scheduled function or an HTTP action
 * acting for a user has no signed-in caller. See {@link Access}; `U` is the users table's id.
 */
export interface AccessFor<L extends string, U extends string = string> {
  /**
   * {@link Access.readable} for the user `userId` instead of the caller: the same answer they
   * would get signed in (ownership, public visibility, grants to them and to the groups whose
   * invitation they accepted, grants on ancestors, expiry), `null` as `readable` gives it. For a
   * function with no signed-in caller acting for a user: a scheduled job, a webhook. Pass it the
   * id of the user it acts for as your own code recorded it (the checked mutation that scheduled
   * it passes the caller's own id), never an id a client names.
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` "unknown user" when `userId` is malformed, of
   * another table or its row is missing (a job for a deleted user fails, loudly); as `readable`
   * for a table not configured. {@link GuardConfigError} with `users.roleClaim` alone (no users
   * rows) and in an action (no database: call it in a query or mutation).
   * @example
   * ```ts
   * // An internal mutation the scheduler runs (no caller): the user who scheduled it.
   * const r = await guard.readableFor(ctx, args.userId, "documents", args.id, "editor");
   * if (r === null) return; // their access is gone: do nothing
   * ```
   */
  readableFor<C extends AnyReaderCtx, Tb extends TableNamesInDataModel<DataModelOf<C>>>(
    ctx: C,
    userId: U,
    table: Tb,
    id: string,
    minLevel?: L,
  ): Promise<Readable<DocOf<DataModelOf<C>, Tb>, L> | null>;

  /**
   * {@link Access.requireAccess} for the user `userId` instead of the caller (see
   * {@link AccessFor.readableFor}): the document, when they hold `minLevel` or higher on it.
   *
   * @throws `ConvexError` `NOT_FOUND` "Document not found" when the user cannot see it;
   * `FORBIDDEN` "Access level 'editor' or higher required" when they can see it but lack the
   * level; `INVALID_ARGUMENT` "unknown user" as {@link AccessFor.readableFor}; `GuardConfigError`
   * as there.
   * @example
   * ```ts
   * export const applyEdit = internalMutation({
   *   args: { userId: v.id("users"), id: v.id("documents"), body: v.string() },
   *   handler: async (ctx, { userId, id, body }) => {
   *     const { doc } = await guard.requireAccessFor(ctx, userId, "documents", id, "editor");
   *     await ctx.db.patch(doc._id, { body });
   *   },
   * });
   * ```
   */
  requireAccessFor<C extends AnyReaderCtx, Tb extends TableNamesInDataModel<DataModelOf<C>>>(
    ctx: C,
    userId: U,
    table: Tb,
    id: string,
    minLevel: L,
  ): Promise<Readable<DocOf<DataModelOf<C>, Tb>, L>>;

  /**
   * {@link AccessGroupLevel.groupLevel} for the user `userId` instead of the caller: their level
   * on the group, or `null` when they hold nothing on it, the engine's answer as they would get
   * it signed in (its owner: the owner level; an accepted membership: its level; an invitation
   * not accepted yet, expired or not: nothing; `access.groups.managers`: the owner level). For a
   * webhook or a scheduled job acting for a user ("only a workspace's `billing` members change
   * its plan"): no membership rule of your own to keep in step. `userId` as
   * {@link AccessFor.readableFor} takes it.
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` "unknown user" and `GuardConfigError` as
   * {@link AccessFor.readableFor}.
   * @example
   * ```ts
   * const level = await guard.groupLevelFor(ctx, args.userId, args.workspaceId); // "billing", ... or null
   * ```
   */
  groupLevelFor<C extends AnyReaderCtx>(ctx: C, userId: U, groupId: GroupId): Promise<L | null>;

  /**
   * {@link AccessGroupLevel.requireGroupLevel} for the user `userId` instead of the caller (see
   * {@link AccessFor.groupLevelFor}): their level on the group, when it is `minLevel` or higher.
   *
   * @throws `ConvexError` `NOT_FOUND` "Group not found" where `groupLevelFor` answers `null`;
   * `FORBIDDEN` "Access level 'billing' or higher required" below `minLevel`; `INVALID_ARGUMENT`
   * for an unknown level name (checked first) and "unknown user" as {@link AccessFor.readableFor};
   * `GuardConfigError` as there.
   * @example
   * ```ts
   * export const upgrade = internalMutation({
   *   args: { userId: v.id("users"), workspaceId: v.id("workspaces"), plan: v.string() },
   *   handler: async (ctx, { userId, workspaceId, plan }) => {
   *     const ws = (await ctx.db.get(workspaceId))!;
   *     await guard.requireGroupLevelFor(ctx, userId, ws.groupId, "billing");
   *     await ctx.db.patch(workspaceId, { plan });
   *   },
   * });
   * ```
   */
  requireGroupLevelFor<C extends AnyReaderCtx>(ctx: C, userId: U, groupId: GroupId, minLevel: L): Promise<L>;
}
