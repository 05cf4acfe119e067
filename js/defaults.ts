/**
 * Defaults read both by the runtime and by the audit CLI, which is bundled on its own and
 * must not pull the runtime in: so this file imports nothing.
 * @internal
 */

/**
 * The fields of a compiled policy file (`npx convex-guard compile`), in the order `compile
 * --check` names the first that differs; the guard reads each as the file's own. (authz-tables.ts
 * has the compiler check they are exactly `PolicyTables`' keys.)
 */
export const POLICY_FIELDS = ["engine", "roles", "grants", "atLeast", "holders"] as const;

/** The environment variable holding the server secret of confirmation codes, unless `confirmations.secretEnv` names another. */
export const DEFAULT_SECRET_ENV = "CONVEX_GUARD_SECRET";

/**
 * The tables the guard keeps, by name: the access tables and the rate-limit table (fixed), the
 * codes and audit tables (defaults of `confirmations.table` and `confirmations.audit.table`).
 * The audit CLI reports app code that writes them around the guard's API.
 */
export const GUARD_TABLES = {
  grants: "accessGrants",
  groups: "accessGroups",
  members: "accessGroupMembers",
  rateLimits: "guardRateLimits",
  codes: "guardConfirmations",
  audit: "guardAudit",
} as const;

/**
 * The access levels when the configuration declares none, lowest first: the engine's
 * (`ACCESS_STANDARD_LEVELS`, generated from src/access.rs; access-config.ts fails to compile
 * unless this is exactly that list, in order). Here for the audit CLI, which cannot import the
 * generated wire.
 */
export const DEFAULT_ACCESS_LEVELS = ["viewer", "commenter", "editor", "owner"] as const;

/** The module under `convex/` exporting `guard.internalFunctions(...)` when `actions.module` names none. */
export const DEFAULT_ACTIONS_MODULE = "guardFunctions";
/** Where the audit trail's log mutation is exported when `confirmations.audit.logFunction` names none. */
export const DEFAULT_LOG_FUNCTION = "audit:log";

/**
 * Whether `name` is a Convex module path the guard can be wired to (`kind` `"module"`:
 * `"guardFunctions"`, `"lib/guard"`) or a function reference `"module:export"` (`"function"`):
 * names of letters, digits and `_`, not starting with a digit. The patterns are regular
 * expression literals in the function, not module constants: a Convex request evaluates the
 * whole bundle in a fresh context, and this runs only on validation (measured: such constants
 * at import cost ~8 us a request).
 */
export function isReference(name: unknown, kind: "module" | "function"): name is string {
  const pattern =
    kind === "module"
      ? /^[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)*$/
      : /^[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$/;
  return typeof name === "string" && pattern.test(name);
}

/** The users table when the configuration names none. */
export const DEFAULT_USERS_TABLE = "users";
/** The role field of a users row when the configuration names none. */
export const DEFAULT_ROLE_FIELD = "role";

/** The row key of a builder's `rateLimit: { key: "global" }`: everyone's one budget. */
export const GLOBAL_KEY = "global";
/** The prefix of a builder's argument keys (`arg:<name>:<value>`), a namespace no user id or
 * `GLOBAL_KEY` is in; `forgetUser` refuses both as ids. */
export const ARG_KEY_PREFIX = "arg:";
