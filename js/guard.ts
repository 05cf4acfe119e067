/**
 * `defineGuard`: one object per app that answers every security question, defined once in
 * `convex/guard.ts` and imported by queries, mutations, actions and the browser alike.
 *
 * Each capability lives in its own file and contributes a `create*` factory; this file only
 * composes them. Type parameters: `R` role names, `P` permission names, `T` the users table,
 * `L` access levels, `K` rate-limit names, `RC` the role claim (in a {@link Guard}: `never` unless
 * `users.roleClaim` is set alone; `X`: see users.ts `ClaimUsers`), `O` the owner level when the
 * levels are a literal list (`share` never takes it; `never` when unknown).
 */
import { createActionChecks, isActionCtx, requireWriter, type ActionChecks, type ActionsConfig } from "./actions.js";
import { checkSchema, type SchemaLike } from "./wiring.js";
import { schemaProblems } from "./access-schema.js";
import { guardTableProblems, requiredTables } from "./guard-schema.js";
import { createBuilders, type BuilderChecks, type Builders } from "./builders.js";
import { createForgetUser, type ForgetUser } from "./access-grants.js";
import type { Access } from "./access.js";
import { createAccess } from "./access-create.js";
import type { AccessConfig, AccessUserId, DefaultLevel, OwnerLevel } from "./access-types.js";
import { createAuthz, type Authz, type AuthzConfig, type PermissionName } from "./authz.js";
import { roleChecksFor, type AuthzFor } from "./authz-for.js";
import { checkCompiled, computeTables, POLICY_TABLES, tablesPreset } from "./authz-tables.js";
import { createConfirmations, DEFAULT_CODES_TABLE, type Confirmations, type ConfirmationsConfig } from "./confirm.js";
import { GuardConfigError } from "./errors.js";
import { checkOwnConfig, ownUsers } from "./config-keys.js";
import { own } from "./fields.js";
import { createUserFinder, DEFAULT_USERS_TABLE, type ClaimRole } from "./users.js";
import { grantable, nameValidator, type LevelValidators, type NameValidator } from "./validators.js";
import type { PropertyValidators } from "convex/values";
import type { GenericActionCtx, GenericDataModel } from "convex/server";
import type { ActorChecked, DefaultActor, SafeAction, SafeActionDefinition } from "./safe-action.js";
import { createRateLimits, limitNames, validateRateLimits, type RateLimits, type RateLimitsConfig } from "./ratelimit.js";

/** Everything `defineGuard` accepts. */
export type GuardConfig<
  R extends string,
  P extends string,
  T extends string,
  L extends string = DefaultLevel,
  K extends string = never,
  RC extends string = never,
  A extends readonly string[] = readonly L[],
  X = never,
> = AuthzConfig<R, P, T, RC, X> & {
  /** Ownership and shared access: levels and where documents keep their owner. */
  access?: AccessConfig<L, R, PermissionName<P>, A>;
  /** Named rate limits. */
  rateLimits?: RateLimitsConfig<K>;
  /** One-time confirmation codes, the audit trail and safe actions. */
  confirmations?: ConfirmationsConfig<R, P>;
  /** Where the internal functions of checks in actions are exported (`guard.internalFunctions`). */
  actions?: ActionsConfig;
  /**
   * Read only by `npx convex-guard audit`, from the source (write it literally). `allow`: findings
   * that are deliberate, with the reason the report shows. A string allows every rule for that
   * function; an object allows the rules it names. `scopedRoles`: roles a tenant scopes (a
   * teacher of one class): a check one of them passes covers no document an argument names, as
   * the lowest role's. Nothing at run time reads it.
   *
   * @example
   * ```ts
   * securityAudit: { allow: { "users:flagUser": { "user-id-arg": "the moderator's target, not the caller" } }, scopedRoles: ["teacher"] }
   * ```
   */
  securityAudit?: { allow?: Readonly<Record<string, string | Readonly<Record<string, string>>>>; scopedRoles?: readonly NoInfer<R>[] };
};

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
  O extends string = never,
> = // The action overloads first: TypeScript explains a call that fits no overload by the last one,
  // which is then a query's or mutation's (a misspelt role, permission or limit name is blamed).
  ActionChecks<R, P, T, K, RC> &
  Authz<R, P, T, RC> &
  AuthzFor<R, P, T> &
  Access<L, O, AccessUserId<T, RC>> &
  ForgetUser<AccessUserId<T, RC>> &
  RateLimits<K> &
  Builders<R, P, T, L, K, RC> &
  LevelValidators<L, O> &
  Omit<Confirmations, "safeAction"> & {
    /**
     * Also checks, given the app's schema, that it declares the tables this configuration
     * uses (the users table, access tables, rate limits, confirmation codes and the audit
     * trail), and in the users table and each protected table the fields and index the guard
     * reads: the users table's role field (able to hold a role name) and index, the owner, visibility
     * and parent fields (an owner or parent an id of the right table, a visibility only `"public"` or `"private"`) and the owner index.
     * Every problem is named in one `GuardConfigError`, with the line to write.
     *
     * @example
     * ```ts
     * import schema from "./schema";
     * test("guard wiring", () => guard.validate({ schema }));
     * ```
     */
    validate(options?: { schema: SchemaLike }): void;
    /**
     * {@link Confirmations.safeAction}, its `rateLimit.name`, `role` and `permission` typed by
     * the configured names. The data model `DM` comes from the `action(...)` call the definition
     * is passed to; the actor is what `check` returns, and without `check` the user row
     * `guard.requireUser` (or, for `role` / `permission`, `requireRole` / `requirePermission`)
     * returns ({@link DefaultActor}).
     */
    safeAction<
      Args extends PropertyValidators,
      Result,
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      DM extends GenericDataModel = any,
      Actor = DefaultActor<DM, T, RC>,
    >(
      definition: SafeActionDefinition<GenericActionCtx<DM>, Args, Result, Actor, K, R, P> & ActorChecked<Actor>,
    ): SafeAction<Args, Result, DM>;
  };

/**
 * Defines the app's guard. Defining reads the roles and refuses a top-level key inherited from
 * a prototype, nothing else: the configuration is validated and compiled into the engine at
 * first use (or by `guard.validate()`), so a request that never asks a question pays little.
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
  // The levels as written: their last name (the owner's) is what `share` never grants.
  const A extends readonly string[] = readonly ["owner"],
  X = never,
>(config: GuardConfig<R, P, T, L, K, RC, A, X>): Guard<R, P, T, L, K, ClaimRole<RC, X>, OwnerLevel<A>> {
  // Roles and permissions are built now (every request that checks anything uses them); every other capability at the
  // first call of one of its methods (see `via`): a request that checks a permission never builds access, rate limits,
  // confirmations or the builders. One finder of the caller for every check (queries, mutations, actions) and forgetUser.
  const users = createUserFinder(ownUsers(config?.users));
  const preset = tablesPreset(config, users);
  const authz = createAuthz(config, users, preset);
  const erased = authz as unknown as Authz<string, string, string>;
  // With `users.roleClaim` alone there is no users row, so there is no id to own or share with.
  const claims = users.claims;
  const noRows = () => new GuardConfigError(`access needs users rows: with users.roleClaim alone the caller is the token's identity, with no users id to own or share with. Keep the role claim and say where the rows are, e.g. users: { roleClaim: "${users.roleKey}", claim: "subject", field: "clerkId", index: "by_clerkId" } (docs/auth.md: "Roles in the token, documents owned by rows")`);
  // A capability built later refuses the top-level keys inherited by then (a planted Object.prototype.access), never reads them.
  const part = <C>(make: () => C) => once(() => (checkOwnConfig(config), make()));
  let access: ReturnType<typeof createAccess<L>> | undefined;
  const accessPart = part(() => {
    access = createAccess<L>(
      config?.access as AccessConfig<L> | undefined,
      claims ? { ...erased, getUser: () => Promise.reject(noRows()) } : erased,
      users.table ?? DEFAULT_USERS_TABLE, // read when the guard was defined, as every users setting
      claims ? noRows : undefined, // no row for readableFor's (groupLevelFor's) id to name
    );
    const { pageLimit, validate: _, tables: __, ...methods } = access;
    const forget = createForgetUser({
      limit: pageLimit,
      usersTable: users.table,
      // `null` is no confirmations part, as createConfirmations reads it; its own `table` only (attack19).
      confirmations: config?.confirmations == null ? undefined : (own(config.confirmations, "table") ?? DEFAULT_CODES_TABLE),
      access: config?.access != null,
      rateLimits: config?.rateLimits !== undefined && Object.keys(config.rateLimits).length > 0,
    });
    return { ...methods, ...forget };
  });

  let rateLimits: RateLimits<K> | undefined;
  let actions: ReturnType<typeof createActionChecks> | undefined;
  // The rate limits and the checks that also work in actions (which override authz's own
  // getUser, requireUser, requireRole and requirePermission, and take from the rate limits).
  const checksPart = part(() => {
    rateLimits = createRateLimits(config?.rateLimits);
    actions = createActionChecks(config?.actions, erased, rateLimits as RateLimits<string>, users);
    return { ...rateLimits, ...actions.methods, internalFunctions: actions.internalFunctions };
  });

  let confirmations: ReturnType<typeof createConfirmations> | undefined;
  const confirmationsPart = part(() => {
    // Safe actions call the action-aware checks (requireUser, requireRole, requirePermission, getUser) and the rate limits, as the builders do.
    const checks = { ...checksPart(), limitNames: () => limitNames(rateLimits!), identities: claims };
    confirmations = createConfirmations(config?.confirmations as ConfirmationsConfig | undefined, erased, checks as never);
    const { validate: _, ...methods } = confirmations;
    return methods;
  });
  // The builders call the guard's public checks (the action-aware ones above) when they run.
  // And the names a definition declares, checked at its first call against this configuration:
  // a name it does not have is the developer's mistake (GuardConfigError), not the caller's.
  const buildersPart = once(() =>
    createBuilders(guard as unknown as BuilderChecks, {
      roles: () => authz.roles,
      can: (subject, name) => authz.can(subject, name as never),
      limits: () => (checksPart(), limitNames(rateLimits!)),
      tables: () => (accessPart(), [...access!.tables().keys()]),
      written: () => {
        const a: unknown = config?.access ?? {};
        const t: unknown = typeof a === "object" ? ((a as { tables?: unknown }).tables ?? {}) : undefined;
        return typeof t === "object" && t !== null && !Array.isArray(t) ? Object.keys(t) : undefined;
      },
      levels: () => accessPart().accessLevels().levels,
      identities: claims,
    }),
  );
  let levels: NameValidator<L> | undefined;
  let grantLevels: NameValidator<L> | undefined;
  const validate = (options?: { schema: SchemaLike }): void => {
    authz.validate();
    checkCompiled(config, users, preset);
    if (claims && Object.keys(config?.access?.tables ?? {}).length > 0) throw noRows();
    accessPart();
    access!.validate();
    checksPart();
    validateRateLimits(rateLimits!);
    confirmationsPart();
    confirmations!.validate();
    actions!.validate();
    if (options !== undefined) {
      const found = users.settings();
      const roles = authz.roles as readonly string[]; // as read when the guard was defined
      const tables = requiredTables(config, found);
      checkSchema(options, tables, (declared) => [
        ...schemaProblems(access!.tables(), found, users.roleKey, roles, declared),
        ...guardTableProblems(tables, declared),
      ]);
    }
  };
  const levelValidator = () => (levels ??= nameValidator(accessPart().accessLevels().levels as readonly L[]));
  const grantLevelValidator = () => (grantLevels ??= nameValidator(grantable(accessPart())));
  // The guard: authz's methods, then every other capability's as small functions that build it
  // at their first call (see `via`), data properties in the guard's key order (validate, getUser,
  // requireUser, requireRole and requirePermission keep authz's places; see methodsObject).
  const guard = methodsObject<GuardKey>();
  Object.assign(guard, authz);
  guard.validate = validate;
  guard.levelValidator = levelValidator;
  guard.grantLevelValidator = grantLevelValidator;
  guard.accessLevels = via(accessPart, "accessLevels");
  guard.resolveAccess = via(accessPart, "resolveAccess");
  guard.canShare = via(accessPart, "canShare");
  guard.resolveShare = via(accessPart, "resolveShare");
  guard.canTransfer = via(accessPart, "canTransfer");
  guard.levelAtLeast = via(accessPart, "levelAtLeast");
  guard.readable = viaDb(accessPart, "readable");
  guard.readableMany = viaDb(accessPart, "readableMany");
  guard.requireAccess = viaDb(accessPart, "requireAccess");
  guard.readableFor = viaDb(accessPart, "readableFor");
  guard.requireAccessFor = viaDb(accessPart, "requireAccessFor");
  const forPart = once(() => roleChecksFor(erased, users));
  guard.requireRoleFor = viaDb(forPart, "requireRoleFor");
  guard.requirePermissionFor = viaDb(forPart, "requirePermissionFor");
  guard.share = viaDb(accessPart, "share", true);
  guard.revoke = viaDb(accessPart, "revoke", true);
  guard.listGrants = viaDb(accessPart, "listGrants");
  guard.transferOwnership = viaDb(accessPart, "transferOwnership", true);
  guard.moveDocument = viaDb(accessPart, "moveDocument", true);
  guard.insertDocument = viaDb(accessPart, "insertDocument", true);
  guard.deleteDocument = viaDb(accessPart, "deleteDocument", true);
  guard.listAccessible = viaDb(accessPart, "listAccessible");
  guard.createGroup = viaDb(accessPart, "createGroup", true);
  guard.addGroupMember = viaDb(accessPart, "addGroupMember", true);
  guard.acceptGroupInvite = viaDb(accessPart, "acceptGroupInvite", true);
  guard.leaveGroup = viaDb(accessPart, "leaveGroup", true);
  guard.listMyGroups = viaDb(accessPart, "listMyGroups");
  guard.listGroupMembers = viaDb(accessPart, "listGroupMembers");
  guard.renameGroup = viaDb(accessPart, "renameGroup", true);
  guard.groupLevel = viaDb(accessPart, "groupLevel");
  guard.requireGroupLevel = viaDb(accessPart, "requireGroupLevel");
  guard.groupLevelFor = viaDb(accessPart, "groupLevelFor");
  guard.requireGroupLevelFor = viaDb(accessPart, "requireGroupLevelFor");
  guard.removeGroupMember = viaDb(accessPart, "removeGroupMember", true);
  guard.forgetUser = viaDb(accessPart, "forgetUser", true);
  guard.rateLimit = via(checksPart, "rateLimit");
  guard.rateLimitAll = via(checksPart, "rateLimitAll");
  guard.checkRateLimit = via(checksPart, "checkRateLimit");
  guard.resetRateLimit = viaDb(checksPart, "resetRateLimit", true);
  guard.getRateLimitState = viaDb(checksPart, "getRateLimitState");
  guard.rateLimitStatus = via(checksPart, "rateLimitStatus");
  guard.decideRateLimit = via(checksPart, "decideRateLimit");
  guard.rateLimitConfig = via(checksPart, "rateLimitConfig");
  guard.decideRateLimits = via(checksPart, "decideRateLimits");
  guard.getUser = via(checksPart, "getUser");
  guard.requireUser = via(checksPart, "requireUser");
  guard.requireRole = via(checksPart, "requireRole");
  guard.requirePermission = via(checksPart, "requirePermission");
  guard.issueConfirmation = viaDb(confirmationsPart, "issueConfirmation", true);
  guard.consumeConfirmation = viaDb(confirmationsPart, "consumeConfirmation", true);
  guard.assertConfirmed = via(confirmationsPart, "assertConfirmed");
  // `guard.audit` is the very object the confirmations call (mocking `guard.audit.log` mocks what
  // safe actions write with), read through the one accessor all guards share (`auditAccessor`),
  // which builds confirmations at the first read. Then the rest, in order.
  (auditReaders ??= new WeakMap()).set(guard, () => confirmationsPart().audit);
  Object.defineProperty(guard, "audit", auditAccessor());
  guard.safeAction = via(confirmationsPart, "safeAction");
  guard.internalFunctions = via(checksPart, "internalFunctions");
  guard.query = via(buildersPart, "query");
  guard.mutation = via(buildersPart, "mutation");
  guard.action = via(buildersPart, "action");
  guard.customCtx = via(buildersPart, "customCtx");
  (guard as Record<symbol, unknown>)[POLICY_TABLES] = () => computeTables(config, users); // for `npx convex-guard compile`
  Object.setPrototypeOf(guard, Object.prototype);
  return guard as unknown as Guard<R, P, T, L, K, ClaimRole<RC, X>, OwnerLevel<A>>;
}

/**
 * An empty object without a prototype for the guard's methods, which V8 holds as a dictionary
 * (given the ordinary prototype once they are all written, see `defineGuard`, it stays one). An
 * object literal with all the guard's keys (51 when measured) made V8 build a shape per key in every fresh context,
 * about 0.05 ms of each Convex request (bench/compare.mjs); a dictionary's method costs about
 * 10 ns more per read (a hot `can` 45 to 55 ns). No prototype while they are written: a setter
 * planted on `Object.prototype` (prototype pollution) cannot take a write such as `guard.can = ...`.
 */
function methodsObject<K extends string>(): Partial<Record<K, unknown>> {
  return Object.create(null) as Partial<Record<K, unknown>>;
}

/** `make`'s value, made at the first call (again after a call that threw). */
function once<C>(make: () => C): () => C {
  let made: C | undefined;
  return () => (made ??= make());
}

/**
 * The guard's method `key` of a capability: a function that builds the capability (`part`) at
 * its first call, then calls the capability's own method with its arguments. Reading it
 * builds nothing; a write replaces it, as on any data property.
 */
function via<C extends Record<K, (...args: never[]) => unknown>, K extends keyof C & string>(part: () => C, key: K): C[K] {
  return ((...args: never[]) => part()[key](...args)) as C[K];
}

/**
 * {@link via} for a method that reads or writes `ctx.db`: given an action's ctx (which has
 * none), a `GuardConfigError` naming the fix, instead of a `TypeError` from deep inside it.
 */
function viaDb<C extends Record<K, (...args: never[]) => unknown>, K extends keyof C & string>(part: () => C, key: K, writes = false): C[K] {
  return ((...args: never[]) => {
    if (isActionCtx(args[0])) {
      throw new GuardConfigError(`guard.${key} reads the database, which an action has not: call it in a query or mutation (through ctx.runQuery or ctx.runMutation)`);
    }
    // A query's db cannot write: the developer's mistake, named, not a TypeError halfway through.
    if (writes) requireWriter(args[0], key);
    return part()[key](...args);
  }) as C[K];
}

/** How each guard (or an object made from it) reads its `audit`: its confirmations' trail, or what was written. */
let auditReaders: WeakMap<object, () => unknown> | undefined;
let sharedAudit: PropertyDescriptor | undefined;

/**
 * The descriptor of every guard's `audit`, one for all of them (made at the first guard: no
 * getter and setter made per guard). Reads answer the nearest guard's trail up the prototype chain; a write
 * sticks for the object written to, as on a data property, and throws on a frozen one.
 */
function auditAccessor(): PropertyDescriptor {
  return (sharedAudit ??= {
    get(this: object) {
      for (let o: object | null = this; o !== null; o = Object.getPrototypeOf(o)) {
        const read = auditReaders?.get(o);
        if (read !== undefined) return read();
      }
      return undefined;
    },
    set(this: object, value: unknown) {
      if (Object.isFrozen(this)) throw new TypeError("Cannot assign to read only property 'audit' of the guard");
      (auditReaders ??= new WeakMap()).set(this, () => value);
    },
    enumerable: true,
    configurable: true,
  });
}

/** Every key of the guard (defineGuard writes each, and no other). */
type GuardKey = keyof Guard<string, string, string, string, string, string>;
