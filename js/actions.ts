/**
 * Checks in actions. An action has no `ctx.db`, so `requireUser`, `requireRole`,
 * `requirePermission`, `getUser`, `rateLimit` and `checkRateLimit` run there through two
 * internal functions the app exports explicitly (`guard.internalFunctions(...)`), called with
 * `ctx.runQuery` / `ctx.runMutation` (`rateLimitAll` too: its whole list in one call of the wired
 * `rateLimit`, decided all or nothing there). The decisions are the same code as in queries and
 * mutations (authz.ts, ratelimit.ts) running inside those functions, so a denial is the same
 * `ConvexError` data. Missing wiring fails closed with a `GuardConfigError` naming the fix, and
 * so does a function at the wired path whose answer is not the guard's (a hand-written or
 * another guard's `getUser` answering `null` for a role check, a rate-limit answer with
 * `ok: "false"`): each answer's shape is checked where it is read. Each question carries how
 * the asking guard finds users (or configures the limit), and the guard's own function echoes
 * it back, refusing to answer for a guard configured otherwise: another guard's function
 * (users in another table, a laxer limit of the same name) never answers for this one. Both
 * sides of the rate limits' wired function are in actions-ratelimit.ts.
 */
import type {
  GenericActionCtx,
  GenericDataModel,
  MutationBuilder,
  QueryBuilder,
  RegisteredQuery,
  UserIdentity,
} from "convex/server";
import { v } from "convex/values";
import type { Authz, PermissionName } from "./authz.js";
import type { AnyReaderCtx, DocOf, WriterCtx } from "./ctx.js";
import { ACTIONS_KEYS, checkKeys } from "./config-keys.js";
import { GuardConfigError, unauthenticated } from "./errors.js";
import { field } from "./fields.js";
import type {
  RateLimitAdmitted,
  RateLimitBatchAdmitted,
  RateLimitBatchDecision,
  RateLimitDecision,
  RateLimitOptions,
  RateLimitRequest,
  RateLimits,
  ThrowingRateLimitOptions,
} from "./ratelimit.js";
import { createActionLimits, type WiredRateLimit } from "./actions-ratelimit.js";
import type { UserFinder } from "./users.js";
import { usersSetup } from "./users-find.js";
import { requireInternal } from "./registered.js";
import { DEFAULT_ACTIONS_MODULE } from "./defaults.js";
import { answeredFor, checkReference, notTheGuards, runWired } from "./wiring.js";

/** Where the app exports {@link ActionChecks.internalFunctions}: the `actions` part of a guard's configuration. */
export type ActionsConfig = {
  /** The module under `convex/` that exports `getUser` and `rateLimit`. Default `"guardFunctions"`. */
  module?: string;
};

/** Any action context. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyActionCtx = GenericActionCtx<any>;

/** The data model of an action context. */
export type ActionDataModel<C> = C extends GenericActionCtx<infer DM> ? DM : GenericDataModel;
/** The caller an action's checks answer: the users row, or with `users.roleClaim` alone (`RC` not `never`) the identity. */
export type ActionUser<C, T extends string, RC extends string = never> = [RC] extends [never] ? DocOf<ActionDataModel<C>, T> : UserIdentity;

/**
 * What the wired `getUser` query is asked. `users`: how the asking guard finds users, with its
 * roles (see `expected`); given, the answer is `{ users, user }`, and `{ users }` alone from
 * a guard that finds them otherwise.
 */
type UserQuery = { role?: string; permission?: string; required?: boolean; users?: string };

/** The internal functions of {@link ActionChecks.internalFunctions}. */
export type GuardInternalFunctions = {
  getUser: RegisteredQuery<"internal", UserQuery, Promise<unknown>>;
  /** One limit, or a list decided all or nothing: see {@link WiredRateLimit}. */
  rateLimit: WiredRateLimit;
};

/**
 * The checks, from an action (a context without `db`). Each asks the wired internal functions;
 * in a query or mutation the same methods read the database directly.
 */
export interface ActionChecks<R extends string, P extends string, T extends string, K extends string, RC extends string = never> {
  /**
   * The internal functions actions check through. Export them, under these names, from the
   * configured module (default `convex/guardFunctions.ts`). Internal: no client can call them.
   *
   * @throws {GuardConfigError} where they are defined, unless given `internalQuery` and
   * `internalMutation` (public builders would let any client, with no identity, spend anyone's
   * rate-limit budget).
   * @example
   * ```ts
   * // convex/guardFunctions.ts
   * import { internalMutation, internalQuery } from "./_generated/server";
   * import { guard } from "./guard";
   * export const { getUser, rateLimit } = guard.internalFunctions(internalQuery, internalMutation);
   * ```
   */
  internalFunctions<DM extends GenericDataModel>(
    internalQuery: QueryBuilder<DM, "internal">,
    internalMutation: MutationBuilder<DM, "internal">,
  ): GuardInternalFunctions;

  /** In an action: the caller's user row or `null`, through the wired `getUser`. */
  getUser<C extends AnyActionCtx>(ctx: C): Promise<ActionUser<C, T, RC> | null>;
  /**
   * In an action: the caller's user row, through the wired `getUser`.
   * @throws `ConvexError` `UNAUTHENTICATED`; {@link GuardConfigError} when not wired.
   * @example
   * ```ts
   * export const summarize = action({ args: {}, handler: async (ctx) => {
   *   const user = await guard.requireUser(ctx); // works in actions too
   * } });
   * ```
   */
  requireUser<C extends AnyActionCtx>(ctx: C): Promise<ActionUser<C, T, RC>>;
  /** In an action: as in a query, through the wired `getUser`. */
  requireRole<C extends AnyActionCtx>(ctx: C, minRole: R): Promise<ActionUser<C, T, RC>>;
  /** In an action: as in a query, through the wired `getUser`. */
  requirePermission<C extends AnyActionCtx>(
    ctx: C,
    permission: PermissionName<P>,
  ): Promise<ActionUser<C, T, RC>>;
  /**
   * In an action: takes from the limit in its own (internal) mutation, through the wired
   * `rateLimit`; committed at once, whatever the action does next.
   * @throws `ConvexError` `RATE_LIMITED` with `retryAfter`, as in a mutation.
   * @example
   * ```ts
   * const user = await guard.requireUser(ctx);
   * await guard.rateLimit(ctx, "sendMessage", { key: user._id });
   * ```
   */
  rateLimit(ctx: AnyActionCtx, name: K, options: ThrowingRateLimitOptions): Promise<RateLimitAdmitted>;
  rateLimit(ctx: AnyActionCtx, name: K, options: RateLimitOptions): Promise<RateLimitDecision>;
  /** In an action: whether the cost would be admitted now, without taking it. */
  checkRateLimit(ctx: AnyActionCtx, name: K, options: ThrowingRateLimitOptions): Promise<RateLimitAdmitted>;
  checkRateLimit(ctx: AnyActionCtx, name: K, options: RateLimitOptions): Promise<RateLimitDecision>;
  /**
   * In an action: all or nothing over several limits or keys, through the wired `rateLimit`
   * (one internal mutation, so one transaction): every limit admits its cost and each consumes
   * it, or none consumes anything. The same entries, answer and errors as in a mutation.
   * @throws `ConvexError` `RATE_LIMITED` with the longest `retryAfter` of the denied limits
   * (unless `throws: false`); `INVALID_ARGUMENT` for an empty list or more than 16 entries, an
   * unknown limit, a bad key or count, or the same limit and key twice.
   * @example
   * ```ts
   * const user = await guard.requireUser(ctx);
   * await guard.rateLimitAll(ctx, [
   *   { name: "upload", key: user._id },
   *   { name: "uploadGlobal", key: "global" },
   * ]);
   * ```
   */
  rateLimitAll(
    ctx: AnyActionCtx,
    requests: readonly RateLimitRequest<K>[],
    options?: { throws?: true },
  ): Promise<RateLimitBatchAdmitted>;
  rateLimitAll(
    ctx: AnyActionCtx,
    requests: readonly RateLimitRequest<K>[],
    options?: { throws?: boolean },
  ): Promise<RateLimitBatchDecision>;
}

/** Whether `ctx` is an action's: no database, but it runs queries. @internal */
export function isActionCtx(ctx: unknown): boolean {
  const c = ctx as { db?: unknown; runQuery?: unknown } | null;
  return c !== null && typeof c === "object" && c.db === undefined && typeof c.runQuery === "function";
}

/**
 * Throws a {@link GuardConfigError} naming the fix when `ctx` is a query's, whose database cannot
 * write: `guard.${key}` writes, and would fail with a `TypeError` halfway through. @internal
 */
export function requireWriter(ctx: unknown, key: string, fix = "call it in a mutation (from an action, through ctx.runMutation)"): void {
  if (typeof (ctx as { db?: { insert?: unknown } } | undefined)?.db?.insert !== "function") {
    throw new GuardConfigError(`guard.${key} writes to the database, which a query cannot: ${fix}`);
  }
}

type Methods = "getUser" | "requireUser" | "requireRole" | "requirePermission";

/** Whether `q` needs a user: every check but `getUser` (a role or permission asked for, whatever its name holds). */
const needsUser = (q: UserQuery) => q.required === true || "role" in q || "permission" in q;

/** No user: `null` for `getUser`, the `UNAUTHENTICATED` denial for a check that needs one. */
function askedForNobody(q: UserQuery): never {
  if (!needsUser(q)) return null as never;
  unauthenticated();
}

/** @internal */
export function createActionChecks(
  config: ActionsConfig | undefined,
  authz: Authz<string, string, string>,
  limits: RateLimits<string>,
  /** How the caller is found (the users configuration): what an answered user is checked against. */
  users: UserFinder,
) {
  /** Whether the user is the identity (`users.roleClaim` alone), not a users row. */
  const claims = users.claims;
  const module = () => {
    checkKeys(config, ACTIONS_KEYS, "actions");
    return checkReference(config?.module ?? DEFAULT_ACTIONS_MODULE, "actions.module", "module");
  };
  const line = (who: string) => `\`export const { getUser, rateLimit } = ${who}.internalFunctions(internalQuery, internalMutation);\``;
  const fix = () => `export ${line("guard")} from convex/${module()}.ts (or set actions.module)`;
  /**
   * The fix when another guard's function answered (two guards, one module): not the line the
   * module already exports, but a module of this guard's own (README, "Two guards in one app").
   */
  const anotherGuards = () =>
    config?.module === undefined
      ? `another guard's function answers there: give this guard a module of its own (set its actions.module, say "guard2Functions") exporting ${line("<this guard>")}`
      : `another guard's function answers there: export ${line("<this guard>")} from convex/${module()}.ts, and each other guard's from a module of its own`;

  /** Whatever is exported at the wired path answers here: only the guard's own answers are taken. */
  const foreign = (name: string, what: string, another = false) => notTheGuards(`${module()}:${name}`, what, another ? anotherGuards() : fix());

  /**
   * How this guard finds users, with its roles: sent with every question to the wired `getUser`,
   * whose guard answers only when its own is the same, so that another guard's function (users
   * in another table, by another field, another role order) never answers for this one.
   */
  let expectedUsers: string | undefined;
  const expected = () => (expectedUsers ??= `${usersSetup(users.settings(), users.roleKey)}; roles ${authz.roles.join(" < ")}`);

  /**
   * The caller through the wired `getUser`: a users row (with `users.roleClaim` alone, the identity),
   * or `null` when `q` asks for nobody in particular (`getUser`); the guard's function throws
   * the denial itself, so no other answer is a checked user.
   */
  async function askUser(ctx: unknown, q: UserQuery) {
    const setup = expected();
    // A role or permission name that is no string cannot cross the query's validator: the
    // caller alone is asked for, and the name is refused below, once the caller is found, by
    // the decision a mutation runs (INVALID_ARGUMENT with the same message, after any
    // UNAUTHENTICATED).
    const name = "role" in q ? q.role : "permission" in q ? q.permission : "";
    const asked = typeof name === "string" ? q : { required: true };
    const answer = (await runWired(ctx, "query", `${module()}:getUser`, { ...asked, users: setup }, fix(), "users")) as {
      users?: unknown;
      user?: Record<string, unknown> | null;
    } | null;
    // The guard's function says which users it answers for: another guard's, or a hand-written
    // function, answers for others or says nothing.
    if (typeof answer !== "object" || answer === null || answer.users !== setup) {
      // An answer for another setup is another guard's function (a hand-written one echoes none).
      throw foreign("getUser", `a user found as this guard finds them: ${setup}${answeredFor(answer?.users)}`, typeof answer?.users === "string");
    }
    const user = answer.user as Record<string, unknown> | null | undefined;
    if (user === null && !needsUser(q)) return null as never;
    if (typeof user !== "object" || user === null || typeof user[claims ? "tokenIdentifier" : "_id"] !== "string") {
      throw foreign("getUser", claims ? "an identity with a tokenIdentifier" : "a users row with an _id");
    }
    // Whose it is, by the rule the guard's own getUser finds it with: a getUser answering
    // another user's row (a fixed admin, the first row) is not this caller. With users.resolve
    // that rule is the app's, and needs the database: the answer is taken as the caller's.
    const identity = await (ctx as AnyActionCtx).auth.getUserIdentity();
    const callers = await users.isCaller(ctx as object, identity, user);
    if (callers === false) throw foreign("getUser", claims ? "the caller's own identity" : "the caller's own users row");
    // Signed out since (a Convex Auth 2.0 session revoked between the two reads): nobody.
    if (callers === null) return askedForNobody(q);
    // With roleClaim beside rows, the row's role is this caller's claim, read from the action's
    // own identity (the row crossed as a copy, which the query's record does not know).
    users.claimedRoles?.set(user, field(identity as object, users.roleKey));
    // The guard's function denies below the role or without the permission: a caller it let
    // through is one this policy admits too (decided again here, from the same row, in ~0.1 µs).
    if ("role" in q ? !authz.roleAtLeast(user, q.role!) : "permission" in q && !authz.can(user, q.permission!)) {
      throw foreign("getUser", "role" in q ? `a caller of role '${q.role}' or above` : `a caller with '${q.permission}'`);
    }
    return user as never;
  }

  const limitsFromActions = createActionLimits(limits, {
    run: (ctx, args, expect) => runWired(ctx, "mutation", `${module()}:rateLimit`, args, fix(), expect),
    foreign: (what, another) => foreign("rateLimit", what, another),
  });
  const { one: limit, all: limitAll, table } = limitsFromActions;

  /** Where a rate limit may be taken (attack49 F6: in a query it was a TypeError). */
  const WRITES = "call it in a mutation or an action";
  /** The methods of authz and the rate limits, taking action contexts too. */
  const methods = {
    getUser: (ctx: AnyReaderCtx) => (isActionCtx(ctx) ? askUser(ctx, {}) : authz.getUser(ctx)),
    requireUser: (ctx: AnyReaderCtx) =>
      isActionCtx(ctx) ? askUser(ctx, { required: true }) : authz.requireUser(ctx),
    requireRole: (ctx: AnyReaderCtx, role: string) =>
      isActionCtx(ctx) ? askUser(ctx, { role }) : authz.requireRole(ctx, role),
    requirePermission: (ctx: AnyReaderCtx, permission: string) =>
      isActionCtx(ctx) ? askUser(ctx, { permission }) : authz.requirePermission(ctx, permission),
    rateLimit: (ctx: WriterCtx, name: string, options: RateLimitOptions) =>
      isActionCtx(ctx) ? limit(ctx, name, options, true) : (requireWriter(ctx, "rateLimit", WRITES), table(() => limits.rateLimit(ctx, name, options))),
    checkRateLimit: (ctx: WriterCtx, name: string, options: RateLimitOptions) =>
      isActionCtx(ctx) ? limit(ctx, name, options, false) : table(() => limits.checkRateLimit(ctx, name, options)),
    rateLimitAll: (ctx: WriterCtx, requests: Parameters<RateLimits<string>["rateLimitAll"]>[1], options?: { throws?: boolean }) =>
      isActionCtx(ctx) ? limitAll(ctx, requests, options) : (requireWriter(ctx, "rateLimitAll", WRITES), table(() => limits.rateLimitAll(ctx, requests, options))),
  } satisfies { [M in Methods]: unknown } & Record<string, unknown>;

  function internalFunctions<DM extends GenericDataModel>(
    internalQuery: QueryBuilder<DM, "internal">,
    internalMutation: MutationBuilder<DM, "internal">,
  ): GuardInternalFunctions {
    if (typeof internalQuery !== "function" || typeof internalMutation !== "function") {
      throw new GuardConfigError(
        "guard.internalFunctions takes (internalQuery, internalMutation) from ./_generated/server",
      );
    }
    const getUser = internalQuery({
      args: {
        role: v.optional(v.string()),
        permission: v.optional(v.string()),
        required: v.optional(v.boolean()),
        users: v.optional(v.string()),
      },
      handler: async (ctx, q: UserQuery) => {
        const c = ctx as unknown as AnyReaderCtx;
        // Asked for another guard's users: no answer (and no denial of this guard's) for it.
        const own = q.users === undefined ? undefined : expected();
        if (own !== q.users) return { users: own };
        const user = await (q.permission !== undefined
          ? authz.requirePermission(c, q.permission)
          : q.role !== undefined
            ? authz.requireRole(c, q.role)
            : q.required === true
              ? authz.requireUser(c)
              : authz.getUser(c));
        // Asked without `users` (a direct call), the answer is the row as before.
        return own === undefined ? user : { users: own, user };
      },
    });
    const rateLimit = limitsFromActions.wired(internalMutation);
    // Public ones would let any client, with no identity, read users and spend anyone's budget.
    const fix = "pass (internalQuery, internalMutation) from ./_generated/server: a public function is callable by any client";
    requireInternal(getUser, "query", "guard.internalFunctions", fix);
    requireInternal(rateLimit, "mutation", "guard.internalFunctions", fix);
    return { getUser, rateLimit } as unknown as GuardInternalFunctions;
  }

  return { methods, internalFunctions, validate: () => void module() };
}
