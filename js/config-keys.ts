/**
 * The keys each object of a guard's configuration may have, at every depth (a browser entry
 * takes the same object as the server's guard and ignores the parts it does not decide). A
 * misspelt key would otherwise leave its part unconfigured, quietly: `premissions` denies every
 * permission, `capcity` keeps the default capacity, `lockout.binding.maxFailure` keeps the
 * default budget. Each part checks its own objects where it is built (at its first use, or by
 * `guard.validate()`), with {@link checkKeys} and the lists below.
 *
 * The lists are the public types' own keys: {@link keysOf} makes the compiler check each is
 * exactly its type's keys. The engine authors no key list (only message words such as
 * `rate` or `lockout.{s}.maxFailures`): the configuration's shape is the public types'.
 * @internal
 */
import { GuardConfigError } from "./errors.js";
import type { GuardConfig } from "./guard.js";
import type { ActionsConfig } from "./actions.js";
import type { AccessConfig, AccessPageOptions, AccessTableConfig } from "./access-types.js";
import type { Access } from "./access.js";
import type { AccessDecisions } from "./access-decisions.js";
import type { CodeBinding, CodeOptions, Codes, LockoutBudget, LockoutOptions } from "./codes.js";
import type { ConfirmationsConfig } from "./confirm.js";
import type { RateLimitSpec } from "./ratelimit.js";
import type { UsersConfig } from "./users.js";
// After errors.js: a browser bundle keeps these beside the code that uses them (measured: 350 B gzip).
import { checkOptionKeys, keysOf, listed, named, ownKeysAmong } from "./option-keys.js";

export { checkOptionKeys, keysOf };

type Config = GuardConfig<string, string, string, string, string, string>;

/** Every key of {@link GuardConfig}. */
const CONFIG_KEYS: readonly string[] = keysOf<Config>()(
  ["roles", "permissions", "users", "compiledPolicy", "access", "rateLimits", "confirmations", "actions", "securityAudit"],
);

// Each list is dropped from a bundle whose code never checks that part (`@__PURE__`).

/** `users`: the keys of every setup (each setup refuses the others' keys itself). @internal */
export const USERS_KEYS = /* @__PURE__ */ keysOf<UsersConfig<string, string>>()(
  ["table", "roleField", "claim", "field", "index", "identityField", "convexAuth", "resolve", "roleClaim"],
);
/** One limit of `rateLimits`. @internal */
export const RATE_LIMIT_KEYS = /* @__PURE__ */ keysOf<RateLimitSpec>()(["kind", "rate", "period", "capacity", "shards"]);
/**
 * The options of `rateLimit` and `checkRateLimit`, of `rateLimitAll` and of each of its
 * requests: a misspelt one (`cout: 5`) is a `GuardConfigError`, never quietly its default. @internal
 */
export const OPTION_KEYS = ["key", "count", "throws"] as const;
/** @internal */
export const ALL_OPTION_KEYS = ["throws"] as const;
/** @internal */
export const REQUEST_KEYS = ["name", "key", "count"] as const;
/**
 * The options of the pure decisions (`rateLimitStatus`, `decideRateLimit`, `decideRateLimits`)
 * and each entry of `decideRateLimits`: a misspelt one is refused as the row calls refuse it. @internal
 */
export const STATUS_OPTION_KEYS = ["count", "shard"] as const;
/** @internal */
export const DECIDE_OPTION_KEYS = ["count", "shard", "consume"] as const;
/** @internal */
export const DECIDE_ALL_OPTION_KEYS = ["consume"] as const;
/** @internal */
export const STATE_REQUEST_KEYS = ["name", "state", "count", "shard"] as const;
/**
 * What `share` takes, `revoke` takes and `addGroupMember`'s options hold: a misspelt one
 * (`expiresAT`) is a `GuardConfigError`, never a grant that quietly never expires. @internal
 */
export const SHARE_KEYS = ["userId", "groupId", "level", "expiresAt"] as const;
/** @internal */
export const TARGET_KEYS = ["userId", "groupId"] as const;
/** @internal */
export const MEMBER_OPTION_KEYS = ["level", "expiresAt"] as const;
/**
 * The options of the listings (`listAccessible`'s; `listGrants`, `listMyGroups` and
 * `listGroupMembers` take `paginationOpts` alone), and the `paginationOpts` of those and of
 * `audit.list`: what Convex's `paginationOptsValidator` takes. A misspelt `minlevel` is a
 * `GuardConfigError`, never a listing at every level. @internal
 */
export const LIST_KEYS = /* @__PURE__ */ keysOf<Parameters<Access<string>["listAccessible"]>[2]>()(["paginationOpts", "minLevel"]);
export const PAGED_KEYS = /* @__PURE__ */ keysOf<Parameters<Access<string>["listMyGroups"]>[1]>()(["paginationOpts"]);
export const PAGE_KEYS = /* @__PURE__ */ keysOf<AccessPageOptions>()(
  ["numItems", "cursor", "endCursor", "id", "maximumRowsRead", "maximumBytesRead"],
);
/** `resolveShare`'s request (a misspelt `expiresAT` would decide a grant that never expires). @internal */
export const SHARE_REQUEST_KEYS = /* @__PURE__ */ keysOf<Parameters<AccessDecisions<string>["resolveShare"]>[1]>()(["id", "level", "expiresAt"]);
/** A code's binding (`defineCodes`' `message`: a misspelt `targt` would bind no target), and the options of `message` and `issue`. @internal */
export const BINDING_KEYS = /* @__PURE__ */ keysOf<CodeBinding>()(["actor", "action", "target"]);
export const TYPED_KEYS = /* @__PURE__ */ keysOf<NonNullable<Parameters<Codes["message"]>[2]>>()(["typed"]);
export const TTL_KEYS = /* @__PURE__ */ keysOf<NonNullable<Parameters<Codes["issue"]>[3]>>()(["ttl"]);
/** What `issueConfirmation` and `consumeConfirmation` take (a misspelt `code` would spend an attempt). @internal */
export const ISSUE_KEYS = ["actor", "action", "target", "ttl"] as const;
export const CONSUME_KEYS = ["actor", "action", "target", "code"] as const;
/** `access`. @internal */
export const ACCESS_KEYS = /* @__PURE__ */ keysOf<AccessConfig<string>>()(["levels", "publicLevel", "shareLevel", "tables", "groups"]);
/** One table of `access.tables`. @internal */
export const ACCESS_TABLE_KEYS = /* @__PURE__ */ keysOf<AccessTableConfig>()(
  ["owner", "ownerIndex", "visibility", "parent", "parentTable", "fileLevel"],
);
/** `access.groups`. @internal */
export const ACCESS_GROUPS_KEYS = /* @__PURE__ */ keysOf<NonNullable<AccessConfig<string>["groups"]>>()(["managers"]);
/** `access.groups.managers` and `confirmations.audit.readers`: one of them. @internal */
export const WHO_KEYS = /* @__PURE__ */ keysOf<NonNullable<NonNullable<ConfirmationsConfig["audit"]>["readers"]>>()([
  "role",
  "permission",
]);
/** `confirmations`: the code options and the rest. @internal */
export const CONFIRMATIONS_KEYS = /* @__PURE__ */ keysOf<ConfirmationsConfig>()(
  ["alphabet", "length", "ttl", "maxAttempts", "lockout", "secretEnv", "redactEnv", "table", "audit"],
);
/** `confirmations.audit`. @internal */
export const AUDIT_KEYS = /* @__PURE__ */ keysOf<NonNullable<ConfirmationsConfig["audit"]>>()(["table", "logFunction", "readers"]);
/** The options of `defineCodes`. @internal */
export const CODE_OPTION_KEYS = /* @__PURE__ */ keysOf<CodeOptions>()(["alphabet", "length", "ttl", "maxAttempts", "lockout"]);
/** `lockout`. @internal */
export const LOCKOUT_KEYS = /* @__PURE__ */ keysOf<LockoutOptions>()(["binding", "actor"]);
/** `lockout.binding` and `lockout.actor`. @internal */
export const LOCKOUT_BUDGET_KEYS = /* @__PURE__ */ keysOf<LockoutBudget>()(["maxFailures", "window"]);
/** `actions`. @internal */
export const ACTIONS_KEYS = /* @__PURE__ */ keysOf<ActionsConfig>()(["module"]);
/** `securityAudit` (read by `npx convex-guard audit` only, checked here all the same). @internal */
const SECURITY_AUDIT_KEYS = keysOf<NonNullable<Config["securityAudit"]>>()(["allow", "scopedRoles"]);

/**
 * Throws a {@link GuardConfigError} unless `name` (a `what` that `where` declares: a builder's
 * role, rate limit, access table or level) is one of `all`, the names the guard configures,
 * naming the one it most likely meant, or else all of them. @internal
 */
export function checkConfigured(where: string, what: string, name: string, all: readonly string[]): void {
  if (all.includes(name)) return;
  const [shown, guess] = named(name, all);
  throw new GuardConfigError(`${where}: ${what} ${shown} is not configured${guess === "" ? ` (configured: ${listed(all) || "none"})` : guess}`);
}

/**
 * Throws a {@link GuardConfigError} naming the first key of `config` that is not a
 * configuration key, and the key it most likely meant; then checks `securityAudit`, which no
 * part of the guard builds. @internal
 */
export function checkConfigKeys(config: object): void {
  checkOwnConfig(config);
  const keys = Object.keys(config);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (CONFIG_KEYS.includes(key)) continue;
    throw new GuardConfigError(
      `unknown configuration key ${named(key, CONFIG_KEYS).join("")}: ` +
        `a guard's configuration has ${listed(CONFIG_KEYS)}`,
    );
  }
  const audit = (config as Config).securityAudit;
  checkKeys(audit, SECURITY_AUDIT_KEYS, "securityAudit");
  // The audit's scoped roles: a misspelt one would leave a tenant's role global to the audit.
  const scoped: unknown = audit?.scopedRoles ?? [];
  if (!Array.isArray(scoped)) throw new GuardConfigError("securityAudit.scopedRoles must be an array of role names");
  for (const name of scoped) {
    if (typeof name !== "string") throw new GuardConfigError("securityAudit.scopedRoles must be an array of role names");
    checkConfigured("securityAudit.scopedRoles", "role", name, (config as Config).roles ?? []);
  }
}

/**
 * Throws a {@link GuardConfigError} when one of `keys` is found on `value`'s prototype chain but
 * is not its own: an inherited entry (a polluted `Object.prototype`, a configuration made with
 * `Object.create`) would configure the guard without being written in its configuration, so
 * it is refused, never used. Asks `in` of the prototype, then `Object.hasOwn` only for a key
 * the prototype has: none, for an ordinary object (in a fresh context each `Object.hasOwn`
 * cost about 1 µs, and the configuration's nine keys were checked twice before the first
 * permission check). Neither runs a getter. @internal
 */
export function checkOwn(value: object, keys: readonly string[], path: string): void {
  const proto: object | null = Object.getPrototypeOf(value);
  if (proto === null) return;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key in proto && !Object.hasOwn(value, key)) {
      throw new GuardConfigError(
        `${path}${key} is inherited from a prototype, not set in the configuration (a polluted Object.prototype?): ` +
          "the guard reads only a configuration's own keys",
      );
    }
  }
}

/**
 * `users`, its keys checked as {@link checkOwn} does, when the server guard is defined: the
 * caller finder reads them then, so a `roleField` planted while the guard is defined would stay
 * its role field, though gone by the first check (attack20). (A browser guard reads them
 * unchecked: it only pre-checks.) @internal
 */
export function ownUsers(users: unknown): unknown {
  if (typeof users === "object" && users !== null && !Array.isArray(users)) checkOwn(users, USERS_KEYS, "users.");
  return users;
}

/** {@link checkOwn} for the configuration's top-level keys (at `defineGuard`). @internal */
export function checkOwnConfig(config: unknown): void {
  if (typeof config === "object" && config !== null) checkOwn(config, CONFIG_KEYS, "");
}

/**
 * Refuses a pure rate-limit decision while `Object.prototype` carries a field of its requests,
 * options or states (`name`, `count`, `shard`, `state`, `consume`; `t`, `a`, `b`, `log`: a
 * polluted `count = 0` would make every request that omits its count take nothing, a polluted
 * `log = []` would read a sliding log's state stored without one as empty). Each `in` has a
 * constant key, which V8 answers from a cache: a hot decision then reads its fields as
 * JavaScript reads them. @internal
 */
export function unpolluted(): void {
  const p = Object.prototype;
  if ("name" in p || "count" in p || "shard" in p || "state" in p || "consume" in p || "t" in p || "a" in p || "b" in p || "log" in p) polluted();
}

/** {@link unpolluted}'s refusal, a function of its own: the check stays small enough for V8 to inline. */
function polluted(): never {
  const key = ["name", "count", "shard", "state", "consume", "t", "a", "b", "log"].find((k) => k in Object.prototype);
  throw new GuardConfigError(`Object.prototype has '${key}' (a polluted prototype?): rate-limit requests would inherit it, so no decision is made`);
}

/**
 * Throws unless `value`, the configuration's `path`, is a non-empty string (a table, field,
 * index, claim or variable name: `""` would name nothing). @internal
 */
export function checkName(path: string, value: unknown): void {
  if (typeof value !== "string" || value.length === 0) throw new GuardConfigError(`${path} must be a non-empty string`);
}

/**
 * Throws a {@link GuardConfigError} unless `value` (the configuration's entry at `path`) is
 * absent (`undefined` or `null`, as every part reads it) or an object whose keys are all
 * among `keys`; the message names the first other key and the key it most likely meant,
 * e.g. `rateLimits.send: unknown key 'capcity' (did you mean 'capacity'?)`, or with no key
 * near it the list of those it reads: `unknown key 'returns' (it reads 'args', ...)`.
 * Reads only the object's own key names (no getter runs). @internal
 */
export function checkKeys(value: unknown, keys: readonly string[], path: string): void {
  if (value === undefined || value === null) return;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new GuardConfigError(`${path} must be an object`);
  }
  checkOwn(value, keys, `${path}.`);
  ownKeysAmong(value, keys, path);
}

/**
 * {@link checkOptionKeys} for the options of a pure decision, which may be left out: anything
 * else but an object (a cost passed where the options go, `3`) is refused too, never quietly
 * no options. @internal
 */
export function checkPureOptions(value: unknown, keys: readonly string[], path: string): void {
  if (value === undefined) return;
  if (typeof value !== "object" || value === null) throw new GuardConfigError(`${path} must be an object or left out, not ${value === null ? "null" : typeof value}`);
  checkOptionKeys(value, keys, path);
}

/**
 * The checked `{ role }` or `{ permission }` at `path` (`access.groups.managers`,
 * `confirmations.audit.readers`), `undefined` when absent (`null` is no such object). A role must be one of `roles`. A
 * permission's form is the engine's to check ({@link checkPermissionName}); it may be one no
 * role holds: then nobody qualifies (a denial, never an error a client sees; TypeScript refuses
 * such a name in a literal configuration). A function's `permission` is another matter
 * ({@link checkPermissionHeld}).
 * @internal
 */
export function roleOrPermission(
  value: unknown,
  path: string,
  roles: readonly string[],
  example: string,
): { role: string } | { permission: string } | undefined {
  if (value === undefined) return undefined;
  const shape = () => new GuardConfigError(`${path} must be { role: "admin" } or { permission: "${example}" }`);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw shape();
  checkKeys(value, WHO_KEYS, path);
  const entries = Object.entries(value);
  const [key, name] = entries[0] ?? [];
  if (entries.length !== 1 || typeof name !== "string" || name.length === 0) throw shape();
  if (key === "permission") return { permission: name };
  if (roles.includes(name)) return { role: name };
  const [shown, guess] = named(name, roles);
  throw new GuardConfigError(`${path}.role: ${shown} is not a configured role${guess}`);
}

/**
 * Throws a {@link GuardConfigError} at `path` when `who` is a permission the policy cannot
 * decide (a malformed name: `can` refuses it), which would otherwise reach a client as
 * `INVALID_ARGUMENT` at the first check. @internal
 */
export function checkPermissionName(
  who: { role: string } | { permission: string } | undefined,
  path: string,
  can: (subject: null, permission: string) => boolean,
): void {
  if (who === undefined || !("permission" in who)) return;
  try {
    can(null, who.permission);
  } catch (e) {
    if (e instanceof GuardConfigError) throw e; // the roles' own mistake, named by them
    throw new GuardConfigError(`${path}.permission: ${(e as { data?: { message?: unknown } }).data?.message ?? String(e)}`);
  }
}

/**
 * Throws a {@link GuardConfigError} at `where` unless some role holds `permission` (checked for
 * its form first, {@link checkPermissionName}): a function requiring one no role holds (a misspelt
 * `delete:user`) would refuse every caller as `FORBIDDEN`, the developer's mistake shown as the
 * caller's. For the function builders and safe actions; a reader or manager permission no role
 * holds is a choice (nobody qualifies), see {@link roleOrPermission}.
 * @internal
 */
export function checkPermissionHeld(where: string, permission: string, roles: readonly string[], can: (subject: string | null, permission: string) => boolean): void {
  checkPermissionName({ permission }, where, can);
  if (!roles.some((r) => can(r, permission))) throw new GuardConfigError(`${where}: permission '${permission}' is not configured (no role holds it)`);
}

/** What `check` threw (to be thrown at each call of the function it checked), or `undefined`. */
export function refusal(check: () => void): { error: unknown } | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    return { error };
  }
}

/**
 * Throws unless `args` is an object of validators (`{}` for none), as Convex's `args` takes
 * them: without it the function would run on arguments nothing validated, and `v.object({...})`
 * would be read by its own fields (`kind`, `fields`) as arguments. @internal
 */
export function checkArgs(where: string, args: unknown): void {
  if (typeof args !== "object" || args === null || Array.isArray(args) || (args as { isConvexValidator?: unknown }).isConvexValidator === true) {
    throw new GuardConfigError(`${where}: args must be an object of validators ({ id: v.id("documents") }, {} for none)`);
  }
  // Each own entry a validator too (`{ x: 5 }` would be Convex's error at each call, naming no fix).
  for (const [name, value] of Object.entries(args)) {
    if (typeof value !== "object" || value === null || (value as { isConvexValidator?: unknown }).isConvexValidator !== true) {
      throw new GuardConfigError(`${where}: args.${name} must be a validator (v.string(), v.id("documents"), ...)`);
    }
  }
}

/**
 * `check`, to be run at each call until it has passed once: for a check of a fixed
 * configuration that needs it compiled (which defining a function never does), so its refusal
 * is thrown at every call and its pass costs nothing after the first. @internal
 */
export function untilPassed(check: () => void): () => void {
  let passed = false;
  return () => {
    if (passed) return;
    check();
    passed = true;
  };
}
