/**
 * `convex-guard/client/roles`: role and permission decisions for browser code, with an engine
 * built for nothing else (the package's roles-only wasm), and no `convex/server`.
 * `convex-guard/client` adds access and rate-limit decisions at about twice the size.
 * @packageDocumentation
 */
import { DEFAULT_USERS_TABLE } from "./users.js";
import { createAuthz, type Authz, type AuthzConfig } from "./authz.js";

export type { PermissionName, Subject } from "./authz.js";
export type { RoleDiagnosis } from "./diagnose.js";
export { GuardConfigError, type GuardErrorCode, type GuardErrorData } from "./errors.js";

/** What {@link defineClientGuard} returns: the server guard's role and permission decisions. */
export type RolesClientGuard<R extends string = string, P extends string = string> = Pick<
  Authz<R, P, string>,
  "roles" | "can" | "roleAtLeast" | "isRole" | "diagnoseUser" | "validate"
>;

/**
 * A guard for browser code from the server guard's configuration (any other part of it, such
 * as `access` or `rateLimits`, is ignored): role and permission decisions only. Defining it
 * does nothing; the engine loads at the first decision.
 *
 * @example
 * ```ts
 * import { defineClientGuard } from "convex-guard/client/roles";
 * import { guardConfig } from "../convex/guardConfig";
 * const guard = defineClientGuard(guardConfig);
 * button.disabled = !guard.can(me, "delete:users"); // a pre-check: the server decides again
 * ```
 */
export function defineClientGuard<
  const R extends string,
  const P extends string = never,
  const T extends string = typeof DEFAULT_USERS_TABLE,
  const RC extends string = never,
>(config: AuthzConfig<R, P, T, RC>): RolesClientGuard<R, P> {
  // The methods read once: authz is a dictionary (fields.ts `Bare`), slower to read from in a hot check.
  const { roles, can, roleAtLeast, isRole, diagnoseUser, validate } = createAuthz(config) as unknown as Authz<string, string, string>;
  const guard: RolesClientGuard<string, string> = {
    roles,
    can: (subject, permission) => can(subject, permission),
    roleAtLeast: (subject, minRole) => roleAtLeast(subject, minRole),
    isRole: (value: unknown): value is string => isRole(value),
    diagnoseUser: (user) => diagnoseUser(user),
    validate: () => validate(),
  };
  return guard as unknown as RolesClientGuard<R, P>;
}
