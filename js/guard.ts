/**
 * `defineGuard`: one object per app that answers every security question, defined once in
 * `convex/guard.ts` and imported by queries, mutations, actions and the browser alike.
 */
import { createAuthz, type Authz, type AuthzConfig } from "./authz.js";

/** Everything `defineGuard` accepts. */
export type GuardConfig<R extends string, P extends string, T extends string> = AuthzConfig<
  R,
  P,
  T
>;

/**
 * Defines the app's guard. Defining does nothing else: the configuration is validated and
 * compiled into the engine at first use (or by `guard.validate()`), so importing the module
 * that defines it costs nothing in a request that never asks a question.
 *
 * @example
 * ```ts
 * export const guard = defineGuard({
 *   roles: ["user", "moderator", "admin"],          // lowest first
 *   permissions: { user: ["read:users"], admin: ["users:*"] },
 * });
 * await guard.requirePermission(ctx, "users:delete");
 * ```
 */
export function defineGuard<
  const R extends string,
  const P extends string = never,
  const T extends string = "users",
>(config: GuardConfig<R, P, T>): Guard<R, P, T> {
  return createAuthz(config);
}

/**
 * What {@link defineGuard} returns: every check, typed by the configuration's names (`R`
 * roles, `P` permissions, `T` the users table).
 */
export type Guard<R extends string = string, P extends string = string, T extends string = string> = Authz<R, P, T>;
