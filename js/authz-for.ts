/**
 * Roles and permissions for a named user: `requireRole` and `requirePermission` for the user an
 * id names instead of the caller (a scheduled job, a webhook: no signed-in caller), as
 * access-for.ts is for `readable` and `requireAccess`. The user is the row the id names
 * (access-store.ts `existingRow`, as `readableFor` reads it); the decision is the engine's, asked
 * through the guard's own `roleAtLeast` and `can`; the denials are `requireRole`'s and
 * `requirePermission`'s (users-find.ts). Server only: the browser entries never import it.
 */
import type { GenericId } from "convex/values";
import type { AnyReaderCtx, DataModelOf, DocOf } from "./ctx.js";
import type { Authz, PermissionName } from "./authz-types.js";
import type { Row } from "./access-codec.js";
import { existingRow } from "./access-store.js";
import { GuardConfigError } from "./errors.js";
import { CLIENT_MESSAGE } from "./generated/wire.js";
import { lacksPermission, lacksRole } from "./users-find.js";
import type { UserFinder } from "./users.js";
import type { Bare } from "./fields.js";

/**
 * Role and permission checks for a user who is not the caller: a scheduled function or an HTTP
 * action acting for a user has no signed-in caller. `T` is the users table.
 */
export interface AuthzFor<R extends string, P extends string, T extends string> {
  /**
   * {@link Authz.requireRole} for the user `userId` instead of the caller: their users row, when
   * their role is `minRole` or higher, read from the row when it is called. For a function with
   * no signed-in caller acting for a user: a scheduled job, a webhook. Pass it the id of the
   * user it acts for as your own code recorded it (the checked mutation that scheduled it
   * passes the caller's own id), never an id a client names.
   *
   * @throws `ConvexError` `FORBIDDEN` "Role 'admin' or higher required"; `INVALID_ARGUMENT`
   * "unknown user" when `userId` is malformed, of another table or its row is missing (a job
   * for a deleted user fails, loudly), as {@link AccessFor.readableFor}. {@link GuardConfigError}
   * with `users.roleClaim` (the role is in the user's token, which a job has not) and in an
   * action (no database: call it in a query or mutation).
   * @example
   * ```ts
   * // An internal mutation the scheduler runs (no caller): the user who scheduled it.
   * const moderator = await guard.requireRoleFor(ctx, args.userId, "moderator");
   * ```
   */
  requireRoleFor<C extends AnyReaderCtx>(ctx: C, userId: GenericId<T>, minRole: R): Promise<DocOf<DataModelOf<C>, T>>;

  /**
   * {@link Authz.requirePermission} for the user `userId` instead of the caller (see
   * {@link AuthzFor.requireRoleFor}): their users row, when their role holds `permission`.
   *
   * @throws `ConvexError` `FORBIDDEN` "Permission 'documents:write' required"; `INVALID_ARGUMENT`
   * "unknown user" and `GuardConfigError` as {@link AuthzFor.requireRoleFor}.
   * @example
   * ```ts
   * await guard.requirePermissionFor(ctx, userId, "documents:write");
   * ```
   */
  requirePermissionFor<C extends AnyReaderCtx>(
    ctx: C,
    userId: GenericId<T>,
    permission: PermissionName<P>,
  ): Promise<DocOf<DataModelOf<C>, T>>;
}

/**
 * The checks of {@link AuthzFor} over the guard's `authz` (its decisions) and `users` (where the
 * rows are). @internal
 */
export function roleChecksFor(authz: Authz<string, string, string>, users: UserFinder): AuthzFor<string, string, string> {
  /** The row `userId` names, before any decision; refused where the role is not in the row. */
  async function named(ctx: AnyReaderCtx, userId: unknown, method: string): Promise<Row> {
    const s = users.settings();
    if (s.kind === "claims" || s.roleClaim !== undefined) {
      throw new GuardConfigError(
        `guard.${method} reads the role from the users row the id names, but with users.roleClaim the role is in the signed-in user's token, ` +
          "which a scheduled job or a webhook has not. Check the role where the user is signed in (the checked mutation that schedules the job: " +
          "requireRole, requirePermission), and re-check only the document access in the job (requireAccessFor, with users rows) " +
          '(docs/access.md: "Checks for a named user: scheduled functions and webhooks")',
      );
    }
    return await existingRow(ctx.db, s.table, userId, CLIENT_MESSAGE.UNKNOWN_USER);
  }

  const methods: Bare<AuthzFor<string, string, string>> = {
    __proto__: null,
    async requireRoleFor(ctx, userId, minRole) {
      const user = await named(ctx, userId, "requireRoleFor");
      if (!authz.roleAtLeast(user, minRole)) lacksRole(minRole);
      return user as never;
    },

    async requirePermissionFor(ctx, userId, permission) {
      const user = await named(ctx, userId, "requirePermissionFor");
      if (!authz.can(user, permission)) lacksPermission(permission);
      return user as never;
    },
  };
  return methods;
}
