/**
 * `defineGuard`: one object per app that answers every security question, defined once in
 * `convex/guard.ts` and imported by queries, mutations, actions and the browser alike.
 *
 * Each capability lives in its own file and contributes a `create*` factory; this file only
 * composes them. Type parameters: `R` role names, `P` permission names, `T` the users table,
 * `L` access levels, `K` rate-limit names, `RC` the role claim (`never` unless
 * `users.roleClaim` is set).
 */
import { createActionChecks, RATE_LIMIT_FIX, type ActionChecks, type ActionsConfig } from "./actions.js";
import { AUDIT_TABLE_FIX } from "./audit.js";
import { RATE_LIMIT_TABLE } from "./ratelimit-table.js";
import { checkSchema, type SchemaLike } from "./wiring.js";
import { createBuilders, type BuilderChecks, type Builders } from "./builders.js";
import { createForgetUser, type ForgetUser } from "./access-grants.js";
import type { Access } from "./access.js";
import { createAccess } from "./access-create.js";
import { ACCESS_TABLE_NAMES } from "./access-tables.js";
import type { AccessConfig, DefaultLevel } from "./access-types.js";
import { createAuthz, type Authz, type AuthzConfig, type PermissionName } from "./authz.js";
import { createConfirmations, type Confirmations, type ConfirmationsConfig } from "./confirm.js";
import { GuardConfigError } from "./errors.js";
import { keysOf } from "./config-keys.js";
import { DEFAULT_USERS_TABLE } from "./users.js";
import { nameValidator, type NameValidator } from "./validators.js";
import type { PropertyValidators } from "convex/values";
import type { ActionCtx, SafeAction, SafeActionDefinition } from "./safe-action.js";
import {
  createRateLimits,
  validateRateLimits,
  type RateLimits,
  type RateLimitsConfig,
} from "./ratelimit.js";

/** Everything `defineGuard` accepts. */
export type GuardConfig<
  R extends string,
  P extends string,
  T extends string,
  L extends string = DefaultLevel,
  K extends string = never,
  RC extends string = never,
> = AuthzConfig<R, P, T, RC> & {
  /** Ownership and shared access: levels and where documents keep their owner. */
  access?: AccessConfig<L, R, PermissionName<P>>;
  /** Named rate limits. */
  rateLimits?: RateLimitsConfig<K>;
  /** One-time confirmation codes, the audit trail and safe actions. */
  confirmations?: ConfirmationsConfig<R, P>;
  /** Where the internal functions of checks in actions are exported (`guard.internalFunctions`). */
  actions?: ActionsConfig;
  /**
   * Read only by `npx convex-guard audit`, from the source (write it literally): findings that
   * are deliberate, with the reason the report shows. A string allows every rule for that
   * function; an object allows the rules it names. Nothing at run time reads it.
   *
   * @example
   * ```ts
   * securityAudit: { allow: { "users:flagUser": { "user-id-arg": "the moderator's target, not the caller" } } }
   * ```
   */
  securityAudit?: { allow?: Readonly<Record<string, string | Readonly<Record<string, string>>>> };
};

/** Schema helpers for access levels (the role helpers are on {@link Authz}). */
export interface LevelValidators<L extends string> {
  /**
   * A Convex validator accepting exactly the access level names (`v.union` of `v.literal`s),
   * for a table or argument that stores a level. Built when called, never at import.
   *
   * @example
   * ```ts
   * invites: defineTable({ docId: v.id("documents"), level: guard.levelValidator() })
   * ```
   */
  levelValidator(): NameValidator<L>;
}

/**
 * What {@link defineGuard} returns: every check, typed by the configuration's names.
 */
export type Guard<
  R extends string = string,
  P extends string = string,
  T extends string = string,
  L extends string = DefaultLevel,
  K extends string = string,
  RC extends string = never,
> = Authz<R, P, T, RC> &
  Access<L> &
  ForgetUser &
  RateLimits<K> &
  ActionChecks<R, P, T, K> &
  Builders<R, P, T, L, K> &
  LevelValidators<L> &
  Omit<Confirmations, "safeAction"> & {
    /**
     * Also checks, given the app's schema, that it declares the tables this configuration
     * uses (access tables, rate limits, confirmation codes and the audit trail), naming the
     * line to add.
     *
     * @example
     * ```ts
     * import schema from "./schema";
     * test("guard wiring", () => guard.validate({ schema }));
     * ```
     */
    validate(options?: { schema?: SchemaLike }): void;
    /** {@link Confirmations.safeAction}, its `rateLimit.name` typed by the configured limits. */
    safeAction<Args extends PropertyValidators, Result, Actor = string>(
      definition: SafeActionDefinition<ActionCtx, Args, Result, Actor, K>,
    ): SafeAction<Args, Result>;
  };

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
  const T extends string = typeof DEFAULT_USERS_TABLE,
  const L extends string = DefaultLevel,
  const K extends string = never,
  const RC extends string = never,
>(config: GuardConfig<R, P, T, L, K, RC>): Guard<R, P, T, L, K, RC> {
  // Roles and permissions are built now (every request that checks anything uses them); every
  // other capability when one of its properties is first read (see `lazily`): a request that
  // checks a permission never builds access, rate limits, confirmations or the builders.
  const authz = createAuthz(config);
  const erased = authz as unknown as Authz<string, string, string>;
  // With `users.roleClaim` there is no users row, so there is no id to own or share with.
  const claims = config?.users?.roleClaim !== undefined;
  const noRows = () =>
    new GuardConfigError("access needs users rows: with users.roleClaim the caller has no users id to own or share with");
  let access: ReturnType<typeof createAccess<L>> | undefined;
  const accessPart = lazily(() => guard, ACCESS_KEYS, () => {
    access = createAccess(
      config?.access,
      claims ? { ...erased, getUser: () => Promise.reject(noRows()) } : erased,
      config?.users?.table ?? DEFAULT_USERS_TABLE,
    );
    const { pageLimit, validate: _, ...methods } = access;
    const forget = createForgetUser({
      limit: pageLimit,
      confirmations: config?.confirmations === undefined ? undefined : (config.confirmations.table ?? "guardConfirmations"),
      rateLimits: config?.rateLimits !== undefined && Object.keys(config.rateLimits).length > 0,
    });
    return { ...methods, ...forget };
  });

  let rateLimits: RateLimits<K> | undefined;
  let actions: ReturnType<typeof createActionChecks> | undefined;
  // The rate limits and the checks that also work in actions (which override authz's own
  // getUser, requireUser, requireRole and requirePermission, and take from the rate limits).
  const checksPart = lazily(() => guard, CHECK_KEYS, () => {
    rateLimits = createRateLimits(config?.rateLimits);
    actions = createActionChecks(config?.actions, erased, rateLimits as RateLimits<string>);
    return { ...rateLimits, ...actions.methods };
  });

  let confirmations: ReturnType<typeof createConfirmations> | undefined;
  const confirmationsPart = lazily(() => guard, CONFIRMATION_KEYS, () => {
    const checks = checksPart();
    confirmations = createConfirmations(
      config?.confirmations as ConfirmationsConfig | undefined,
      erased,
      checks.rateLimit as never,
      checks.requireUser as never,
    );
    const { validate: _, ...methods } = confirmations;
    return methods;
  });
  const internalPart = lazily(() => guard, ["internalFunctions"] as const, () => (checksPart(), { internalFunctions: actions!.internalFunctions }));
  // The builders call the guard's public checks (the action-aware ones above) when they run.
  const buildersPart = lazily(() => guard, BUILDER_KEYS, () => createBuilders(guard as unknown as BuilderChecks));

  /** A write to a property of a capability: builds it, then the write sticks (see lazily). */
  const write = <C extends object>(part: () => C, key: keyof C & string, value: unknown): void => {
    const c = part();
    if (Object.getOwnPropertyDescriptor(guard, key)?.get === undefined) guard[key] = value;
    else if (Object.isFrozen(guard)) throw new TypeError(`Cannot assign to read only property '${key}' of the guard`);
    else c[key] = value as C[typeof key];
  };
  let levels: NameValidator<L> | undefined;
  // Every other capability's properties are accessors that build it at the first read or write
  // of one of them (see `lazily`), written out in this literal: a Convex request evaluates the
  // package in a fresh context, and defining them one by one with Object.defineProperty cost
  // about twice as much. Their order is the guard's key order (getUser, requireUser,
  // requireRole and requirePermission keep authz's places); lazy-guard.test.mjs checks it.
  const guard: Record<string, unknown> = {
    ...authz,
    get accessLevels() { return accessPart().accessLevels; }, set accessLevels(v) { write(accessPart, "accessLevels", v); },
    get resolveAccess() { return accessPart().resolveAccess; }, set resolveAccess(v) { write(accessPart, "resolveAccess", v); },
    get canShare() { return accessPart().canShare; }, set canShare(v) { write(accessPart, "canShare", v); },
    get resolveShare() { return accessPart().resolveShare; }, set resolveShare(v) { write(accessPart, "resolveShare", v); },
    get canTransfer() { return accessPart().canTransfer; }, set canTransfer(v) { write(accessPart, "canTransfer", v); },
    get readable() { return accessPart().readable; }, set readable(v) { write(accessPart, "readable", v); },
    get readableMany() { return accessPart().readableMany; }, set readableMany(v) { write(accessPart, "readableMany", v); },
    get requireAccess() { return accessPart().requireAccess; }, set requireAccess(v) { write(accessPart, "requireAccess", v); },
    get share() { return accessPart().share; }, set share(v) { write(accessPart, "share", v); },
    get revoke() { return accessPart().revoke; }, set revoke(v) { write(accessPart, "revoke", v); },
    get listGrants() { return accessPart().listGrants; }, set listGrants(v) { write(accessPart, "listGrants", v); },
    get transferOwnership() { return accessPart().transferOwnership; }, set transferOwnership(v) { write(accessPart, "transferOwnership", v); },
    get listAccessible() { return accessPart().listAccessible; }, set listAccessible(v) { write(accessPart, "listAccessible", v); },
    get createGroup() { return accessPart().createGroup; }, set createGroup(v) { write(accessPart, "createGroup", v); },
    get addGroupMember() { return accessPart().addGroupMember; }, set addGroupMember(v) { write(accessPart, "addGroupMember", v); },
    get acceptGroupInvite() { return accessPart().acceptGroupInvite; }, set acceptGroupInvite(v) { write(accessPart, "acceptGroupInvite", v); },
    get leaveGroup() { return accessPart().leaveGroup; }, set leaveGroup(v) { write(accessPart, "leaveGroup", v); },
    get listMyGroups() { return accessPart().listMyGroups; }, set listMyGroups(v) { write(accessPart, "listMyGroups", v); },
    get removeGroupMember() { return accessPart().removeGroupMember; }, set removeGroupMember(v) { write(accessPart, "removeGroupMember", v); },
    get forgetUser() { return accessPart().forgetUser; }, set forgetUser(v) { write(accessPart, "forgetUser", v); },
    get rateLimit() { return checksPart().rateLimit; }, set rateLimit(v) { write(checksPart, "rateLimit", v); },
    get rateLimitAll() { return checksPart().rateLimitAll; }, set rateLimitAll(v) { write(checksPart, "rateLimitAll", v); },
    get checkRateLimit() { return checksPart().checkRateLimit; }, set checkRateLimit(v) { write(checksPart, "checkRateLimit", v); },
    get resetRateLimit() { return checksPart().resetRateLimit; }, set resetRateLimit(v) { write(checksPart, "resetRateLimit", v); },
    get getRateLimitState() { return checksPart().getRateLimitState; }, set getRateLimitState(v) { write(checksPart, "getRateLimitState", v); },
    get rateLimitStatus() { return checksPart().rateLimitStatus; }, set rateLimitStatus(v) { write(checksPart, "rateLimitStatus", v); },
    get decideRateLimits() { return checksPart().decideRateLimits; }, set decideRateLimits(v) { write(checksPart, "decideRateLimits", v); },
    get getUser() { return checksPart().getUser; }, set getUser(v) { write(checksPart, "getUser", v); },
    get requireUser() { return checksPart().requireUser; }, set requireUser(v) { write(checksPart, "requireUser", v); },
    get requireRole() { return checksPart().requireRole; }, set requireRole(v) { write(checksPart, "requireRole", v); },
    get requirePermission() { return checksPart().requirePermission; }, set requirePermission(v) { write(checksPart, "requirePermission", v); },
    get issueConfirmation() { return confirmationsPart().issueConfirmation; }, set issueConfirmation(v) { write(confirmationsPart, "issueConfirmation", v); },
    get consumeConfirmation() { return confirmationsPart().consumeConfirmation; }, set consumeConfirmation(v) { write(confirmationsPart, "consumeConfirmation", v); },
    get assertConfirmed() { return confirmationsPart().assertConfirmed; }, set assertConfirmed(v) { write(confirmationsPart, "assertConfirmed", v); },
    get audit() { return confirmationsPart().audit; }, set audit(v) { write(confirmationsPart, "audit", v); },
    get safeAction() { return confirmationsPart().safeAction; }, set safeAction(v) { write(confirmationsPart, "safeAction", v); },
    get internalFunctions() { return internalPart().internalFunctions; }, set internalFunctions(v) { write(internalPart, "internalFunctions", v); },
    validate(options?: { schema?: SchemaLike }): void {
      authz.validate();
      if (claims && Object.keys(config?.access?.tables ?? {}).length > 0) throw noRows();
      accessPart();
      access!.validate();
      checksPart();
      validateRateLimits(rateLimits!);
      confirmationsPart();
      confirmations!.validate();
      actions!.validate();
      if (options?.schema !== undefined) checkSchema(options.schema, requiredTables(config));
      // Each capability validates its own configuration in its factory or first use.
    },
    levelValidator: () => (levels ??= nameValidator(accessPart().accessLevels().levels as readonly L[])),
    get query() { return buildersPart().query; }, set query(v) { write(buildersPart, "query", v); },
    get mutation() { return buildersPart().mutation; }, set mutation(v) { write(buildersPart, "mutation", v); },
    get action() { return buildersPart().action; }, set action(v) { write(buildersPart, "action", v); },
    get customCtx() { return buildersPart().customCtx; }, set customCtx(v) { write(buildersPart, "customCtx", v); },
  };
  return guard as unknown as Guard<R, P, T, L, K, RC>;
}

/**
 * The builder of a capability whose `keys` are accessors of the guard (see defineGuard): the
 * first call makes it with `make`, and from then on its keys are the capability's own values,
 * as plain data properties (enumerable, writable, in the same order as before). A guard the app
 * sealed or froze before that keeps the accessors (they cannot be redefined): reads still
 * answer the capability's values, a write to a sealed guard still sticks, and one to a frozen
 * guard throws, as it would on a data property in strict code.
 */
function lazily<C extends object>(guardOf: () => Record<string, unknown>, keys: readonly (keyof C & string)[], make: () => C): () => C {
  let made: C | undefined;
  return (): C => {
    if (made === undefined) {
      const value = make();
      made = value;
      const guard = guardOf();
      for (const key of keys) {
        if (Object.getOwnPropertyDescriptor(guard, key)?.configurable !== true) continue;
        Object.defineProperty(guard, key, { value: value[key], writable: true, enumerable: true, configurable: true });
      }
    }
    return made;
  };
}

const ACCESS_KEYS = keysOf<Access<string> & ForgetUser>()([
  "accessLevels",
  "resolveAccess",
  "canShare",
  "resolveShare",
  "canTransfer",
  "readable",
  "readableMany",
  "requireAccess",
  "share",
  "revoke",
  "listGrants",
  "transferOwnership",
  "listAccessible",
  "createGroup",
  "addGroupMember",
  "acceptGroupInvite",
  "leaveGroup",
  "listMyGroups",
  "removeGroupMember",
  "forgetUser",
]);
const CHECK_KEYS = keysOf<RateLimits<string> & Omit<ActionChecks<string, string, string, string>, "internalFunctions">>()([
  "rateLimit",
  "rateLimitAll",
  "checkRateLimit",
  "resetRateLimit",
  "getRateLimitState",
  "rateLimitStatus",
  "decideRateLimits",
  "getUser",
  "requireUser",
  "requireRole",
  "requirePermission",
]);
const CONFIRMATION_KEYS = keysOf<Confirmations>()([
  "issueConfirmation",
  "consumeConfirmation",
  "assertConfirmed",
  "audit",
  "safeAction",
]);
const BUILDER_KEYS = keysOf<Builders<string, string, string, string, string>>()(["query", "mutation", "action", "customCtx"]);

/** The tables a configuration needs in the schema, each with the fix that adds it. */
function requiredTables(config: GuardConfig<string, string, string, string, string, string>): [string, string][] {
  const tables: [string, string][] = [];
  if (config?.rateLimits !== undefined && Object.keys(config.rateLimits).length > 0) {
    tables.push([RATE_LIMIT_TABLE, RATE_LIMIT_FIX]);
  }
  const protectedTables = config?.access?.tables;
  if (protectedTables !== undefined && protectedTables !== null && Object.keys(protectedTables).length > 0) {
    for (const name of ACCESS_TABLE_NAMES) {
      tables.push([name, "spread the access tables into your schema: `...accessTables`"]);
    }
    for (const name of Object.keys(protectedTables)) {
      tables.push([name, `declare the table that access.tables.${name} protects (with its owner index)`]);
    }
  }
  const c = config?.confirmations;
  if (c !== undefined) {
    const codes = c.table ?? "guardConfirmations";
    tables.push([codes, `spread the codes table into your schema: \`${codes}: confirmationsTable\``]);
    tables.push([c.audit?.table ?? "guardAudit", AUDIT_TABLE_FIX]);
  }
  return tables;
}
