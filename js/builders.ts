/**
 * Function builders: `guard.query`, `guard.mutation` and `guard.action` wrap the app's own
 * builders (from `./_generated/server`, or anything with their shape, such as convex-helpers'
 * `customQuery(query, ...)`) and declare what a function requires. The checks are the guard's
 * public ones (`requireUser`, `requireRole`, `requirePermission`, `requireAccess`,
 * `rateLimit`, `rateLimitAll` for a list of limits), run before the handler, which receives
 * `ctx.user` (and `ctx.doc`, `ctx.accessLevel`).
 *
 * What a function requires stays readable from the registered function, for tooling such as
 * `convex-guard audit`: a non-enumerable, frozen `__guard` property (read it with
 * {@link guardRequirements}) of this exact shape, version 1:
 *
 * ```ts
 * {
 *   version: 1,
 *   kind: "query" | "mutation" | "action",
 *   user: true,                       // builders always require an authenticated user
 *   role: string | null,              // minimum role
 *   permission: string | null,
 *   rateLimit: { name: string, key: "user" | "global" | { arg: string } } | null,
 *   rateLimits: { name: string, key: "user" | "global" | { arg: string } }[], // frozen; [] when none
 *   access: { table: string, arg: string, level: string } | null,
 * }
 * ```
 *
 * `rateLimits` holds every declared limit, in order: the one of `rateLimit: { ... }`, or each
 * of a list `rateLimit: [{ ... }, { ... }]` (taken all or nothing). `rateLimit` is its first
 * entry (or `null`): a reader written for one limit sees only the first of a list, so read
 * `rateLimits`.
 */
import type {
  ActionBuilder,
  UserIdentity,
  FunctionVisibility,
  GenericActionCtx,
  GenericDataModel,
  GenericMutationCtx,
  GenericQueryCtx,
  MutationBuilder,
  QueryBuilder,
  RegisteredAction,
  RegisteredMutation,
  RegisteredQuery,
  TableNamesInDataModel,
} from "convex/server";
import type { GenericId, Infer, ObjectType, PropertyValidators, Validator } from "convex/values";
import type { PermissionName } from "./authz.js";
import type { DocOf } from "./ctx.js";
import { checkCustom, checkCustomExtra, checkNames, metadata, validate, type AnyDefinition, type ConfiguredNames } from "./builders-definition.js";
import { checkConfigured, refusal, untilPassed } from "./config-keys.js";
import { GuardConfigError } from "./errors.js";
import { registeredKind } from "./registered.js";
import { limitRequests } from "./builders-keys.js";
import { argFields, field } from "./fields.js";
import { withKnownUser } from "./users.js";
import { lacksPermission } from "./users-find.js";

/** What a builder-made function requires, as `__guard` holds it (see the file's comment). */
export type GuardMetadata = {
  version: 1;
  kind: "query" | "mutation" | "action";
  user: true;
  role: string | null;
  permission: string | null;
  /** The first of {@link GuardMetadata.rateLimits}, or `null`: a list's others are not here. */
  rateLimit: { name: string; key: "user" | "global" | { arg: string } } | null;
  /** Every declared limit, in order (`[]` when none): one, or each of a list taken all or nothing. */
  rateLimits: readonly NonNullable<GuardMetadata["rateLimit"]>[];
  access: { table: string; arg: string; level: string } | null;
};

/** The names of the arguments whose values are strings (ids included). */
export type StringArgs<Args extends PropertyValidators> = {
  [A in keyof Args]: Infer<Args[A]> extends string ? A : never;
}[keyof Args] &
  string;

/** A declared rate limit: its name and whose budget (default the user's id). */
export type BuilderRateLimit<K extends string, Args extends PropertyValidators> = {
  name: K;
  /** `"user"` (default): the caller's user id (with `users.roleClaim` alone, the identity's
   * `tokenIdentifier`). `"global"`: one budget for everyone. `{ arg }`: the value of that
   * argument, which must be declared here to be used, stored as `arg:<name>:<value>` so that
   * no value can be a user's id or `"global"` (a longer key than 1,024 characters is refused). */
  key?: "user" | "global" | { arg: StringArgs<Args> };
};

/**
 * A builder's `rateLimit`: one limit, or a non-empty list of them (at most 16, no two the
 * same limit and key) taken all or nothing through `guard.rateLimitAll`: a call one limit
 * refuses spends none of the others' budgets (a per-user and a global limit together).
 */
export type BuilderRateLimits<K extends string, Args extends PropertyValidators> =
  | BuilderRateLimit<K, Args>
  | readonly [BuilderRateLimit<K, Args>, ...BuilderRateLimit<K, Args>[]];

/** The checks every builder takes. */
type Common<R extends string, P extends string, Args extends PropertyValidators, Result> = {
  /** Argument validators, as for the wrapped builder. */
  args: Args;
  /** The return value's validator, as for the wrapped builder (Convex validates the answer). */
  returns?: Validator<Result, "required", any>;
  /** A minimum role (`FORBIDDEN` below it). */
  role?: R;
  /** A permission (`FORBIDDEN` without it). */
  permission?: PermissionName<P>;
};

/**
 * The string arguments that can hold an id of table `Tb`: a `v.id` of other tables only is
 * left out (every call would answer `NOT_FOUND`), a `v.string()` is kept.
 */
export type AccessArgs<Args extends PropertyValidators, Tb extends string> = {
  [A in keyof Args]: Infer<Args[A]> extends string ? (Infer<Args[A]> extends GenericId<infer T> ? ([Tb] extends [T] ? A : never) : A) : never;
}[keyof Args] &
  string;

/** A declared access level on a document-id argument: `ctx.doc` is that document. */
export type BuilderAccess<L extends string, Args extends PropertyValidators, Tb extends string> = {
  table: Tb;
  /** The argument holding the document's id: `v.id(table)` or `v.string()` (an id of another
   * table is refused). With no such argument, the type is a message saying so. */
  arg: [AccessArgs<Args, Tb>] extends [never] ? `no argument holds an id of table '${Tb}': declare it v.id("${Tb}") or v.string()` : AccessArgs<Args, Tb>;
  /** The least level required (`NOT_FOUND` when the caller cannot see it, `FORBIDDEN` below). */
  level: L;
};

/** The caller the builders hand over: the users row, or with `users.roleClaim` alone (`RC` not `never`) the identity. */
export type BuilderUser<DM extends GenericDataModel, T extends string, RC extends string = never> = [RC] extends [never] ? DocOf<DM, T> : UserIdentity;

/**
 * What the handler's `ctx` adds: the user row (the identity with `users.roleClaim` alone), and
 * when `access` is declared the document and the caller's level on it (`readable`'s
 * `accessLevel`: the declared level or a higher one).
 */
export type Injected<DM extends GenericDataModel, T extends string, Tb extends string, RC extends string = never, L extends string = string> = {
  user: BuilderUser<DM, T, RC>;
  doc: [Tb] extends [never] ? undefined : DocOf<DM, Tb>;
  accessLevel: [Tb] extends [never] ? undefined : L;
};

/** Options of `guard.query`. */
export type GuardedQuery<DM extends GenericDataModel, R extends string, P extends string, T extends string, L extends string, Args extends PropertyValidators, Result, Tb extends string, RC extends string = never> =
  Common<R, P, Args, Result> & {
    access?: BuilderAccess<L, Args, Tb>;
    handler: (ctx: GenericQueryCtx<DM> & Injected<DM, T, Tb, RC, L>, args: ObjectType<Args>) => Result | Promise<Result>;
  };

/** Options of `guard.mutation`. */
export type GuardedMutation<DM extends GenericDataModel, R extends string, P extends string, T extends string, L extends string, K extends string, Args extends PropertyValidators, Result, Tb extends string, RC extends string = never> =
  Common<R, P, Args, Result> & {
    access?: BuilderAccess<L, Args, Tb>;
    rateLimit?: BuilderRateLimits<K, Args>;
    handler: (ctx: GenericMutationCtx<DM> & Injected<DM, T, Tb, RC, L>, args: ObjectType<Args>) => Result | Promise<Result>;
  };

/** Options of `guard.action` (no `access`: an action has no database). */
export type GuardedAction<DM extends GenericDataModel, R extends string, P extends string, T extends string, K extends string, Args extends PropertyValidators, Result, RC extends string = never> =
  Common<R, P, Args, Result> & {
    rateLimit?: BuilderRateLimits<K, Args>;
    handler: (ctx: GenericActionCtx<DM> & Injected<DM, T, never, RC>, args: ObjectType<Args>) => Result | Promise<Result>;
  };

/**
 * A registered function; what it requires is on it at run time (read it with
 * {@link guardRequirements}). The type is exactly Convex's `Registered*` alias, not an
 * intersection: Convex's `api` reads a function's argument and return types from that alias's
 * (phantom) type arguments, and an intersection would turn them into `DefaultFunctionArgs` and
 * `unknown` on the client.
 */
export type Guarded<F> = F;

/** The builders on the guard. */
export interface Builders<R extends string, P extends string, T extends string, L extends string, K extends string, RC extends string = never> {
  /**
   * A query that requires an authenticated user (and what else is declared), with `ctx.user`
   * (and `ctx.doc`) in its handler.
   *
   * @example
   * ```ts
   * export const get = guard.query(query, {
   *   args: { id: v.id("documents") },
   *   access: { table: "documents", arg: "id", level: "viewer" },
   *   handler: async (ctx) => ({ title: ctx.doc.title, me: ctx.user.name }),
   * });
   * ```
   */
  query<DM extends GenericDataModel, V extends FunctionVisibility, Args extends PropertyValidators, Result, Tb extends TableNamesInDataModel<DM> = never>(
    builder: QueryBuilder<DM, V>,
    definition: GuardedQuery<DM, R, P, T, L, Args, Result, Tb, RC>,
  ): Guarded<RegisteredQuery<V, ObjectType<Args>, Promise<Result>>>;

  /**
   * A mutation, as {@link Builders.query}, that may also take from a rate limit.
   *
   * @example
   * ```ts
   * export const send = guard.mutation(mutation, {
   *   args: { body: v.string() },
   *   rateLimit: { name: "sendMessage" }, // keyed by the user's id
   *   handler: async (ctx, { body }) => ctx.db.insert("messages", { author: ctx.user._id, body }),
   * });
   * // Per user and for everyone, all or nothing: rateLimit: [{ name: "ai" }, { name: "aiGlobal", key: "global" }]
   * ```
   */
  mutation<DM extends GenericDataModel, V extends FunctionVisibility, Args extends PropertyValidators, Result, Tb extends TableNamesInDataModel<DM> = never>(
    builder: MutationBuilder<DM, V>,
    definition: GuardedMutation<DM, R, P, T, L, K, Args, Result, Tb, RC>,
  ): Guarded<RegisteredMutation<V, ObjectType<Args>, Promise<Result>>>;

  /**
   * An action, checked through the wired internal functions (`guard.internalFunctions`).
   *
   * @example
   * ```ts
   * export const report = guard.action(action, {
   *   args: {}, role: "moderator", rateLimit: { name: "reports" },
   *   handler: async (ctx) => `for ${ctx.user.name}`,
   * });
   * ```
   */
  action<DM extends GenericDataModel, V extends FunctionVisibility, Args extends PropertyValidators, Result>(
    builder: ActionBuilder<DM, V>,
    definition: GuardedAction<DM, R, P, T, K, Args, Result, RC>,
  ): Guarded<RegisteredAction<V, ObjectType<Args>, Promise<Result>>>;

  /**
   * The same checks as a convex-helpers customization: `ctx.user` in every function of the
   * custom builder. Access on an argument needs `guard.query`/`guard.mutation` (a
   * customization sees no per-function arguments). Pass the data model for a typed user.
   *
   * @example
   * ```ts
   * import { customMutation } from "convex-helpers/server/customFunctions";
   * const adminMutation = customMutation(mutation, guard.customCtx<DataModel>({ role: "admin" }));
   * export const ban = adminMutation({ args: { id: v.id("users") }, handler: async (ctx, { id }) => { ... ctx.user ... } });
   * ```
   */
  customCtx<DM extends GenericDataModel = GenericDataModel>(
    requirements: CustomRequirements<R, P, K>,
  ): GuardCustomization<BuilderUser<DM, T, RC>>;
}

/**
 * What a function made by `guard.query`/`mutation`/`action` requires, or `undefined` for any
 * other function.
 *
 * @example
 * ```ts
 * guardRequirements(documents.rename); // { version: 1, kind: "mutation", access: { ... }, ... }
 * ```
 */
export function guardRequirements(fn: unknown): GuardMetadata | undefined {
  if ((typeof fn !== "object" && typeof fn !== "function") || fn === null) return undefined;
  const meta = Object.getOwnPropertyDescriptor(fn, "__guard")?.value as GuardMetadata | undefined;
  return meta?.version === 1 ? meta : undefined;
}

/** The checks the builders call: the guard's own public methods. @internal */
export type BuilderChecks = {
  requireUser(ctx: unknown): Promise<{ _id: string }>;
  requireRole(ctx: unknown, role: string): Promise<{ _id: string }>;
  requirePermission(ctx: unknown, permission: string): Promise<{ _id: string }>;
  can(user: unknown, permission: string): boolean;
  requireAccess(ctx: unknown, table: string, id: string, level: string): Promise<{ doc: unknown; accessLevel: unknown }>;
  rateLimit(ctx: unknown, name: string, options: { key: string }): Promise<unknown>;
  rateLimitAll(ctx: unknown, requests: { name: string; key: string }[]): Promise<unknown>;
};

/**
 * Runs the declared checks in order: user, role, permission, access, rate limits. The caller is
 * found once: a permission beside a role is decided on the row the role's check found (in an
 * action, one wired read, not two that could answer two rows).
 */
async function enforce(checks: BuilderChecks, identities: boolean, meta: GuardMetadata, ctx: unknown, args: Record<string, unknown>) {
  let user: { _id: string };
  if (meta.role !== null) {
    user = await checks.requireRole(ctx, meta.role);
    if (meta.permission !== null && !checks.can(user, meta.permission)) lacksPermission(meta.permission);
  } else {
    user = meta.permission === null ? await checks.requireUser(ctx) : await checks.requirePermission(ctx, meta.permission);
  }
  let doc: unknown = undefined;
  let accessLevel: unknown = undefined;
  if (meta.access !== null) {
    const a = meta.access;
    const id = field(args, a.arg); // own: a planted id is no argument
    // Not a string (an optional argument left out): malformed, so NOT_FOUND like any bad id.
    const check = () => checks.requireAccess(ctx, a.table, typeof id === "string" ? id : "", a.level);
    // The row just found is the caller's: the access check takes it rather than reading the
    // identity and the row again (with users.roleClaim alone there is no row, and access refuses).
    ({ doc, accessLevel } = await (identities ? check() : withKnownUser(ctx as object, user, check)));
  }
  if (meta.rateLimits.length > 0) {
    const requests = limitRequests(meta.rateLimits, user, identities, args);
    // One limit as it always was; a list all or nothing: a call one limit refuses spends none of the others.
    if (requests.length === 1) await checks.rateLimit(ctx, requests[0]!.name, { key: requests[0]!.key });
    else await checks.rateLimitAll(ctx, requests);
  }
  return { user, doc, accessLevel };
}

/** What {@link Builders.customCtx} takes: the checks that need no argument. */
export type CustomRequirements<R extends string, P extends string, K extends string> = {
  role?: R;
  permission?: PermissionName<P>;
  /**
   * Taken in mutations and actions only (a query refuses it with a `GuardConfigError`): one
   * limit, or a non-empty list taken all or nothing, as a builder's.
   */
  rateLimit?: CustomRateLimit<K> | readonly [CustomRateLimit<K>, ...CustomRateLimit<K>[]];
};

/** One limit of {@link CustomRequirements}: a customization sees no arguments, so no `{ arg }` key. */
export type CustomRateLimit<K extends string> = { name: K; key?: "user" | "global" };

/** A convex-helpers customization (`customQuery(query, guard.customCtx(...))`). */
export type GuardCustomization<User> = {
  args: Record<string, never>;
  /**
   * Typed without convex-helpers' third parameter (`extra`, what a function made with it declares
   * beside its handler), so TypeScript refuses such keys in a definition; at run time a requirement
   * there is refused.
   */
  input: (ctx: unknown, args: unknown) => Promise<{ ctx: { user: User }; args: Record<string, never> }>;
  /** What it requires, in the shape of `__guard` (`kind` is that of the first wrapped builder's use: `"custom"`). */
  readonly __guard: Omit<GuardMetadata, "kind" | "access"> & { kind: "custom"; access: null };
};

/** @internal */
export function createBuilders(checks: BuilderChecks, names: ConfiguredNames): Builders<string, string, string, string, string> {
  function build(kind: GuardMetadata["kind"], builder: unknown, definition: AnyDefinition) {
    if (typeof builder !== "function" || definition === null || typeof definition !== "object") {
      throw new GuardConfigError(`guard.${kind}(${kind}, { args, handler, ... }) takes the app's ${kind} builder and a definition`);
    }
    const meta = metadata(kind, definition);
    // What it declares is read and checked once, here (as `meta` is): a later edit of the
    // definition changes neither what is checked nor what is refused. A refusal is thrown at
    // every call, where a builder's configuration errors have always surfaced.
    const refused = refusal(() => validate(meta, definition));
    // A table left out of access.tables fails here, where it is declared, not at a first call
    // in production: read from the configuration as written (access is built at first use).
    const tables = refused === undefined && meta.access !== null ? names.written() : undefined;
    if (tables !== undefined) checkConfigured(`guard.${kind}`, "access table", meta.access!.table, tables);
    const handler = definition.handler;
    // Its names against the configuration, at each call until they have passed.
    const checkNamed = untilPassed(() => checkNames(`guard.${kind}`, meta, names));
    // Convex gets its own copy of the validators: one added or replaced later in the app's
    // object validates nothing the checks above were not judged against.
    // Refused args (`v.any()`, `null`, a list) are given to Convex as none, so that every call
    // throws the refusal: Convex's own error about them would come first, naming no fix.
    const args: unknown = argFields(definition.args);
    const returns = field(definition, "returns"); // own: a planted validator is none of the app's
    const registered = (builder as (d: unknown) => object)({
      ...(refused === undefined ? { args: { ...(args as object) } } : {}),
      ...(returns === undefined ? {} : { returns }),
      handler: async (ctx: Record<string, unknown>, args: Record<string, unknown>) => {
        if (refused !== undefined) throw refused.error;
        checkNamed();
        const { user, doc, accessLevel } = await enforce(checks, names.identities, meta, ctx, args);
        return handler({ ...ctx, user, doc, accessLevel } as never, args as never);
      },
    });
    // Convex's registered functions say what they are: `guard.query(mutation, ...)` would be a
    // mutation whose `__guard` says "query" (and the audit reads it so).
    const made = registeredKind(registered) ?? kind;
    if (made !== kind) throw new GuardConfigError(`guard.${kind} was given the app's ${made} builder: use guard.${made}(${made}, { ... })`);
    Object.defineProperty(registered, "__guard", { value: meta, enumerable: false });
    return registered;
  }
  return {
    query: (builder, definition) => build("query", builder, definition as AnyDefinition) as never,
    mutation: (builder, definition) => build("mutation", builder, definition as AnyDefinition) as never,
    action: (builder, definition) => build("action", builder, definition as AnyDefinition) as never,
    customCtx: (requirements) => {
      // Read and checked once, as a builder's definition.
      const meta = metadata("query", { args: {}, handler: async () => null, ...(requirements as object) });
      const refused = refusal(() => checkCustom({ ...(requirements as object) }, meta));
      const custom = { ...meta, kind: "custom" as const };
      const checkNamed = untilPassed(() => checkNames("guard.customCtx", meta, names));
      const customization = {
        args: {},
        input: async (ctx: unknown, _args: unknown, extra?: unknown) => {
          if (refused !== undefined) throw refused.error;
          checkCustomExtra(extra);
          checkNamed();
          const db = (ctx as { db?: { insert?: unknown } }).db;
          if (meta.rateLimits.length > 0 && db !== undefined && typeof db.insert !== "function") {
            throw new GuardConfigError("guard.customCtx: a query cannot take from a rate limit (use it with customMutation or customAction)");
          }
          const { user } = await enforce(checks, names.identities, meta, ctx, {});
          return { ctx: { user }, args: {} };
        },
      };
      Object.defineProperty(customization, "__guard", { value: Object.freeze(custom), enumerable: false });
      return customization as never;
    },
  };
}
