/**
 * `convex-guard/client`: the pure decisions, for browser code. No `convex/server`, no ctx, no
 * database: roles and permissions, access levels and sharing rules, rate-limit countdowns,
 * decided by the same engine and the same configuration as the server's guard.
 *
 * The server keeps `defineGuard` from `"convex-guard"`; a page defines its own guard from the
 * same configuration object (see docs/browser.md: "Browser entries"). Only role and permission
 * checks? `convex-guard/client/roles` is the same thing with a smaller engine.
 * @packageDocumentation
 */
import { DEFAULT_USERS_TABLE } from "./users.js";
import type { AccessDecisions } from "./access-decisions.js";
import { createAccess } from "./access-create.js";
import type { DefaultLevel } from "./access-types.js";
import { createAuthz, type Authz, type Subject } from "./authz.js";
import type { GuardConfig } from "./guard.js";
import { createRateLimits, validateRateLimits, type RateLimits } from "./ratelimit.js";

export type { RolesClientGuard } from "./client-roles.js";
export type { GuardConfig } from "./guard.js";
export type { PermissionName, Subject } from "./authz.js";
export type { AccessDenial, AccessFacts, ResolvedAccess, ShareDecision, DefaultLevel } from "./access-types.js";
export type {
  RateLimitState,
  RateLimitDecision,
  RateLimitOutcome,
  RateLimitBatchDecision,
  RateLimitStateRequest,
} from "./ratelimit.js";
export type { RoleDiagnosis } from "./diagnose.js";
export { GuardConfigError, type GuardErrorCode, type GuardErrorData } from "./errors.js";
export { SECOND, MINUTE, HOUR, DAY } from "./time.js";

/**
 * What {@link defineClientGuard} returns: every decision of the server's guard that needs no
 * ctx, answering exactly as the server's guard does for the same configuration.
 */
export type ClientGuard<
  R extends string = string,
  P extends string = string,
  L extends string = DefaultLevel,
  K extends string = string,
> = Pick<Authz<R, P, string>, "roles" | "can" | "roleAtLeast" | "isRole" | "diagnoseUser"> &
  AccessDecisions<L> &
  Pick<RateLimits<K>, "rateLimitStatus" | "decideRateLimit" | "decideRateLimits" | "rateLimitConfig"> & {
    /**
     * Compiles and validates the roles, access levels and rate limits now instead of at first
     * use. @throws {GuardConfigError} naming the offending entry.
     */
    validate(): void;
  };

/**
 * A guard for browser code from the server guard's configuration: the pure decisions only.
 * Defining it does nothing; the engine loads at the first decision.
 *
 * @example
 * ```ts
 * import { defineClientGuard } from "convex-guard/client";
 * import { guardConfig } from "../convex/guardConfig";
 * const guard = defineClientGuard(guardConfig);
 * button.disabled = !guard.can(me, "write:users"); // a pre-check: the server decides again
 * ```
 */
export function defineClientGuard<
  const R extends string,
  const P extends string = never,
  const T extends string = typeof DEFAULT_USERS_TABLE,
  const L extends string = DefaultLevel,
  const K extends string = never,
  const RC extends string = never,
>(config: GuardConfig<R, P, T, L, K, RC>): ClientGuard<R, P, L, K> {
  const authz = createAuthz(config) as unknown as Authz<string, string, string>;
  // The hot checks read once: authz is a dictionary (fields.ts `Bare`), slower to read from.
  const { can, roleAtLeast, isRole, diagnoseUser } = authz;
  // No ctx ever reaches these: the access methods that read the database are not exposed.
  const access = createAccess(config?.access, authz, config?.users?.table ?? DEFAULT_USERS_TABLE);
  const rateLimits = createRateLimits(config?.rateLimits);
  const guard: ClientGuard<string, string, string, string> = {
    roles: authz.roles,
    can: (subject: Subject, permission: string) => can(subject, permission),
    roleAtLeast: (subject: Subject, minRole: string) => roleAtLeast(subject, minRole),
    isRole: (value: unknown): value is string => isRole(value),
    diagnoseUser: (user: unknown) => diagnoseUser(user),
    accessLevels: access.accessLevels,
    resolveAccess: access.resolveAccess,
    canShare: access.canShare,
    resolveShare: access.resolveShare,
    canTransfer: access.canTransfer,
    levelAtLeast: access.levelAtLeast,
    rateLimitStatus: rateLimits.rateLimitStatus,
    decideRateLimit: rateLimits.decideRateLimit,
    rateLimitConfig: rateLimits.rateLimitConfig,
    decideRateLimits: rateLimits.decideRateLimits,
    validate() {
      authz.validate();
      access.validate();
      validateRateLimits(rateLimits);
    },
  };
  return guard as unknown as ClientGuard<R, P, L, K>;
}
