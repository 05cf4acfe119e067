/**
 * `guard.safeAction`: an action wrapper that leaks nothing and is always audited.
 *
 * What the client may receive is decided here: a result or `ConvexError` data that is a plain
 * Convex value carrying no form of a configured secret (see `secretForms` in redact.ts for the
 * forms, and their limits), or the generic `UPSTREAM_UNAVAILABLE` error. Every call writes an
 * audit row before it answers. A call the check and the rate limits admit writes a `"started"`
 * row first, before its handler runs (write-ahead: an action killed mid-handler runs no
 * `finally`, and that row is what the trail keeps of it), then its final row, which names the
 * started row's id as `details.started`. When a row cannot be written the call fails (closed):
 * without a started row the handler never runs; without the final row its work is already done.
 */
import type { GenericActionCtx, GenericDataModel, GenericDocument, UserIdentity } from "convex/server";
import { ConvexError, type GenericId, type Infer, type ObjectType, type PropertyValidators, type Value } from "convex/values";
import { secretValues, type Audit } from "./audit.js";
import { GuardConfigError, unauthenticated } from "./errors.js";
import { checkArgs, checkConfigured, checkKeys, keysOf, refusal, untilPassed } from "./config-keys.js";
import { own } from "./fields.js";
import { byteForms, secretForms } from "./redact.js";
import { carries, ending, plainValue, REFUSED, result, UPSTREAM, type Clean, type Ending, type Outcome } from "./safe-action-endings.js";
import type { DocOf } from "./ctx.js";
import { userKey } from "./users.js";
import { checkLimits, limitKeys, readLimits, type SafeActionRateLimit } from "./safe-action-limits.js";

export type { SafeActionRateLimit } from "./safe-action-limits.js";

/** Any action context (its data model does not matter to the wrapper). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ActionCtx = GenericActionCtx<any>;

/**
 * The actor of the default check, `guard.requireUser`: the caller's users row (table `T`),
 * typed from the action's data model, or with `users.roleClaim` alone (`RC` not `never`) the
 * identity. Never a string: its `_id` (or the identity's `tokenIdentifier`) is the audit actor
 * and the default rate-limit key. A definition made apart from its `action(...)` has no data
 * model (`any`): its actor is still a document with a typed `_id`, not `any`.
 */
export type DefaultActor<DM extends GenericDataModel, T extends string, RC extends string = never> = [RC] extends [never]
  ? 0 extends 1 & DM
    ? GenericDocument & { _id: GenericId<T> }
    : DocOf<DM, T>
  : UserIdentity;

/**
 * The names of the arguments whose value is a string (or absent): what an audit row's
 * `resourceId` can be read from. `v.string()`, `v.id(...)`, a union of string literals, each
 * optional or not; not an object, an array or a number.
 */
export type StringArgNames<Args extends PropertyValidators> = {
  [K in keyof Args & string]: Infer<Args[K]> extends string | null | undefined ? K : never;
}[keyof Args & string];

/**
 * Options of `guard.safeAction`. `Actor` is what `check` returns (`guard.safeAction` makes it
 * {@link DefaultActor} when there is no `check`); the handler and the rate-limit key receive it
 * and never decide it.
 */
export type SafeActionDefinition<
  Ctx,
  Args extends PropertyValidators,
  Result,
  Actor = unknown,
  K extends string = string,
> = {
  /** Argument validators, as for `action`. */
  args: Args;
  /** The audit event's `action` name, e.g. `"external.weather"`. */
  name: string;
  /**
   * Who may call. Default: `guard.requireUser` (through the wired `getUser`, see
   * `guard.internalFunctions`): a caller with a user row, whose `_id` is the audit actor (the
   * handler and `rateLimit.key` receive the row itself); an identity
   * without a user row (a deleted or never-created user) is `UNAUTHENTICATED`, as everywhere
   * else. Without the wiring the default check fails closed with a `GuardConfigError` naming
   * the fix. Return the actor (a non-empty string, or a user row whose `_id` is recorded), or
   * throw a `ConvexError`: `check: (ctx) => guard.requireRole(ctx, "admin")`. `null` or
   * `undefined` is no caller: `UNAUTHENTICATED`, audited as denied, so `guard.getUser(ctx)`
   * and `ctx.auth.getUserIdentity()` are checks that refuse a signed-out caller. Any other
   * answer (`false`, `true`, `""`, a number, an array) is a `GuardConfigError`, audited: never an actor.
   * Without `check` the actor is the user row ({@link DefaultActor}), not its id: write
   * `actor._id`.
   *
   * Identity only (any signed-in caller, even one with no user row, e.g. an app without a
   * users table) must be written explicitly, because it also lets in the live session of a
   * deleted user and a subject that never signed up:
   * ```ts
   * check: async (ctx) => {
   *   const identity = await ctx.auth.getUserIdentity();
   *   if (identity === null) throw new ConvexError({ code: "UNAUTHENTICATED", message: "Authentication required" });
   *   return identity.tokenIdentifier; // the audit actor and the default rate-limit key
   * },
   * ```
   * That key is stable only where the subject is the user (Clerk, Auth0): under Convex Auth
   * the `tokenIdentifier` changes at every sign-in (a fresh budget each time), so with a users
   * row keep the default check, whose actor is the row, keyed by its `_id`.
   */
  check?: (ctx: Ctx) => Promise<Actor>;
  /** The audit rows' `resourceType`, e.g. `"companies"`. */
  resourceType?: string;
  /**
   * The argument whose value is the audit rows' `resourceId`: a string argument (`v.string()`,
   * `v.id(...)`). A value that is not a string at run time (an argument validated as `v.any()`,
   * or named past the types) fails the call with a `GuardConfigError`, audited without a
   * resource: never stored as `"[object Object]"`.
   */
  resourceId?: StringArgNames<Args>;
  /**
   * A named rate limit taken after the check, before the handler (through the wired
   * `rateLimit`, see `guard.internalFunctions`). `key` defaults to the actor (a string, a row's
   * `_id`, an identity's `tokenIdentifier`; an actor with none of them needs `key`); a
   * key from the arguments must be written here explicitly. `key` must return a string of 1 to
   * 1,024 characters (anything else is refused, never stringified), used as it is: give a key
   * built from the arguments a prefix of its own (`` ({ args }) => `room:${args.room}` ``), so
   * that a caller cannot make it a user's id or `"global"`.
   *
   * Or a list of 1 to 16 such limits, taken all or nothing (`guard.rateLimitAll`, in one
   * internal mutation): a call refused by one limit spends none of the others, so a per-user
   * and a global limit together (`[{ name: "lookup" }, { name: "lookupGlobal", key: () => "global" }]`)
   * neither spend the user's budget on a call the global limit refuses nor the other way round.
   */
  rateLimit?: SafeActionRateLimit<Args, Actor, K> | readonly SafeActionRateLimit<Args, Actor, K>[];
  /**
   * The work; its third argument holds the actor the check returned. It runs only once the
   * call's `"started"` audit row is written, and its final row (`details.started` naming that
   * row) after it. Return a plain Convex value (no `Map`, `Set`, `Date`, typed array or class
   * instance) and throw anything: only plain, secret-free results and `ConvexError` data reach
   * the caller.
   */
  handler: (ctx: Ctx, args: ObjectType<Args>, guarded: { actor: NoInfer<Actor> }) => Promise<Result>;
};

/**
 * What `guard.safeAction` returns: the argument of `action(...)`. `DM` is the data model of
 * the `action` builder it is passed to (inferred from that call), which types the handler's
 * `ctx` and the default actor; `any` for a definition made apart, which any `action` accepts.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SafeAction<Args extends PropertyValidators, Result, DM extends GenericDataModel = any> = {
  args: Args;
  handler: (ctx: GenericActionCtx<DM>, args: ObjectType<Args>) => Promise<Result>;
};

/** The keys of a definition: the public type's (the compiler checks the list; its `rateLimit`'s are safe-action-limits.ts'). */
const DEFINITION_KEYS = keysOf<SafeActionDefinition<unknown, PropertyValidators, unknown>>()([
  "args",
  "name",
  "check",
  "resourceType",
  "resourceId",
  "rateLimit",
  "handler",
]);

/**
 * Throws unless every key of the definition `d` is one the wrapper reads, at every depth, and
 * its functions are functions: a misspelt `rateLimt` would otherwise be no limit at all, and a
 * misspelt `rateLimit.kye` the per-actor key instead of the one written.
 */
function checkDefinition(where: string, d: object): void {
  checkKeys(d, DEFINITION_KEYS, where);
  const { name, args, check, rateLimit, handler, resourceId } = d as {
    name?: unknown;
    args?: unknown;
    check?: unknown;
    rateLimit?: unknown;
    handler?: unknown;
    resourceId?: unknown;
  };
  // Every audit row's `action`: "undefined" or "" would tell no row of it apart.
  if (typeof name !== "string" || name === "") throw new GuardConfigError(`${where}: name must be a non-empty string (the audit rows' action, e.g. "external.weather")`);
  if (typeof handler !== "function") throw new GuardConfigError(`${where}: handler must be a function (ctx, args, { actor }) => ...`);
  // As the function builders refuse it: without args the action would run on whatever the
  // client sends, nothing validated.
  checkArgs(where, args);
  // A name that is no argument would leave every row without its resource, quietly.
  if (resourceId !== undefined && (typeof resourceId !== "string" || !Object.prototype.hasOwnProperty.call(args, resourceId))) {
    throw new GuardConfigError(`${where}: resourceId must name one of its arguments`);
  }
  if (check !== undefined && typeof check !== "function") throw new GuardConfigError(`${where}: check must be a function`);
  checkLimits(where, rateLimit);
}

/**
 * The actor `check` returned: `null` or `undefined` is no caller (`UNAUTHENTICATED`, as
 * `guard.requireUser` denies a signed-out caller); a non-empty string or an object is the
 * actor, as it is; anything else (`false`, `true`, `""`, a number) is the developer's mistake:
 * a check that answers a boolean would otherwise admit `false`.
 */
function actorOf(where: string, who: unknown): unknown {
  if (who === null || who === undefined) unauthenticated();
  // An array is no actor: a check answering `.collect()` of matching rows would admit every
  // caller with `[]`.
  if ((typeof who === "string" && who !== "") || (typeof who === "object" && !Array.isArray(who))) return who;
  throw new GuardConfigError(
    `${where}: check returned ${who === "" ? "an empty string" : Array.isArray(who) ? "an array" : `a ${typeof who}`}: return the actor ` +
      "(a non-empty string or an object), null when there is no caller, or throw a denial",
  );
}

/**
 * Who a check refused, as the guard finds the caller (`guard.getUser`: their row's `_id`, or the
 * identity's `tokenIdentifier` under `users.roleClaim`), so that a denial's audit row names them.
 * Only for the trail: when the guard finds no one, or cannot look (an action without the
 * internal functions wired), the row has no actor, as before; the denial is what the caller gets
 * either way.
 */
async function refusedCaller(ctx: ActionCtx, getUser: ((ctx: ActionCtx) => Promise<unknown>) | undefined): Promise<string | undefined> {
  if (getUser === undefined) return undefined;
  try {
    return userKey(await getUser(ctx));
  } catch {
    return undefined;
  }
}

/** @internal */
export function createSafeAction(
  audit: Audit,
  /** The names of the secret environment variables (the trail's settings, checked when read). */
  secretEnvs: () => readonly string[],
  rateLimit?: (ctx: ActionCtx, name: string, options: { key: string }) => Promise<unknown>,
  requireUser?: (ctx: ActionCtx) => Promise<unknown>,
  /** The guard's limit names: a `rateLimit.name` it lacks is the developer's mistake. */
  limitNames?: () => readonly string[],
  /** `guard.rateLimitAll`: what a listed `rateLimit` is taken with, all or nothing. */
  rateLimitAll?: (ctx: ActionCtx, requests: { name: string; key: string }[]) => Promise<unknown>,
  /** `guard.getUser` (action-aware): who a check refused, for the trail. */
  getUser?: (ctx: ActionCtx) => Promise<unknown>,
): <Args extends PropertyValidators, Result, Actor = unknown>(
  definition: SafeActionDefinition<ActionCtx, Args, Result, Actor>,
) => SafeAction<Args, Result> {
  return (definition) => {
    const name = String(definition.name);
    const where = `safeAction '${name}'`;
    // Read and checked once, here, as the function builders read theirs: a later edit of the
    // definition changes nothing it checks or runs. A refusal (a misspelt key, at every depth)
    // is thrown at every call, audited as the developer's.
    const refused = refusal(() => checkDefinition(where, definition));
    // Own fields only: a definition refused for an inherited key must not use it either (its
    // audit row would copy the argument a planted resourceId names). A refused definition's
    // rows carry no resource: without args, its arguments are the client's, unvalidated.
    const handler = own(definition, "handler")!;
    const resourceArg = refused === undefined ? own(definition, "resourceId") : undefined;
    const { limits, listed } = readLimits(own(definition, "rateLimit"));
    // Its limits' names against the configuration, at each call until they have passed.
    const checkNamed = untilPassed(() => {
      if (limitNames !== undefined) for (const limit of limits) checkConfigured(where, "rate limit", limit.name, limitNames());
    });
    const givenType = own(definition, "resourceType");
    const resourceType = givenType === undefined ? undefined : String(givenType);
    const check: (ctx: ActionCtx) => Promise<unknown> =
      (own(definition, "check") as ((ctx: ActionCtx) => Promise<unknown>) | undefined) ??
      // The guard's requireUser (action-aware: through the wired getUser, which throws the
      // GuardConfigError naming the fix when unwired). Never identity-only: a session outliving
      // its user row must not pass.
      (async (ctx: ActionCtx) => {
        if (requireUser === undefined) {
          throw new GuardConfigError(`safeAction '${name}': no requireUser to check callers with (give check)`);
        }
        return requireUser(ctx);
      });
    return {
      args: definition.args,
      handler: async (ctx, args) => {
        const forms = secretForms(secretValues(secretEnvs()));
        const bytes = byteForms(forms);
        const clean: Clean = (x): x is Value => x !== REFUSED && x !== undefined && !carries(x, forms, bytes);
        let actor: string | undefined;
        const resourceValue = resourceArg === undefined ? undefined : (args as Record<string, unknown>)[resourceArg];
        // Only a string is a resource id: an object or an array stringified would be
        // "[object Object]" or its items joined, the resource lost from the trail.
        const resourceId = typeof resourceValue === "string" ? resourceValue : undefined;
        // One audit row of this call (the actor as known when it is written): the new row's
        // id. Never answer as if the call had been audited: a row that cannot be written fails
        // the call, a missing log mutation as the developer's to fix (GuardConfigError),
        // anything else generic to the caller.
        const write = async (outcome: Outcome, details?: Value): Promise<string> => {
          try {
            return await audit.log(ctx as never, {
              action: name,
              outcome,
              ...(actor === undefined ? {} : { actor }),
              ...(resourceType === undefined ? {} : { resourceType }),
              ...(resourceId === undefined ? {} : { resourceId }),
              ...(details === undefined ? {} : { details }),
            });
          } catch (e) {
            if (e instanceof GuardConfigError) throw e;
            throw new ConvexError(UPSTREAM);
          }
        };
        // The definition, the check and the rate limits: the actor admitted, or the refusal.
        let admitted: { who: unknown } | Ending;
        try {
          if (refused !== undefined) throw refused.error;
          // A limit the guard does not configure (past the types): the developer's, before the
          // check runs, never the caller's INVALID_ARGUMENT audited as a denial.
          checkNamed();
          if (resourceValue !== undefined && resourceValue !== null && resourceId === undefined) {
            const held = Array.isArray(resourceValue) ? "an array" : typeof resourceValue === "object" ? "an object" : `a ${typeof resourceValue}`;
            throw new GuardConfigError(
              `${where}: resourceId names the argument '${String(resourceArg)}', which holds ${held}, not a string: ` +
                "name a string argument (v.string() or v.id(...))",
            );
          }
          // The check runs here too: a plain error it throws is audited and made generic
          // like the handler's, never shown to the client.
          const who = actorOf(where, await check(ctx)) as never;
          actor = userKey(who);
          if (limits.length > 0) {
            // Each key made and checked first: nothing is taken unless every one is sound.
            const take = listed ? rateLimitAll : rateLimit;
            const requests = limitKeys(where, limits, { args, actor: who }, actor, take !== undefined, (key) => carries(key, forms, bytes));
            // A list all or nothing, in one internal mutation: a call refused by one limit
            // spends none of the others.
            if (listed) await rateLimitAll!(ctx, requests);
            else await rateLimit!(ctx, requests[0]!.name, { key: requests[0]!.key });
          }
          admitted = { who };
        } catch (e) {
          admitted = ending(e, clean);
          // Refused by the check itself (no actor yet), signed in: the row names who was refused.
          if (actor === undefined && admitted.outcome === "denied" && admitted.details?.denial !== "UNAUTHENTICATED") {
            actor = await refusedCaller(ctx, getUser);
          }
        }
        let started: string | undefined;
        let end: Ending;
        if ("who" in admitted) {
          // Write-ahead: the "started" row is written before the handler runs, and the handler
          // never runs without it (a failed write throws here). An action killed while its
          // handler runs (time limit, out of memory, restart) runs no catch and no finally: its
          // started row, with no final row naming it, is what the trail keeps of its effects.
          started = await write("started");
          try {
            end = result(plainValue(await handler(ctx, args, { actor: admitted.who as never })), clean);
          } catch (e) {
            end = ending(e, clean);
          }
        } else {
          end = admitted;
        }
        // The final row names the started row (`details.started`, its id) when there is one; an
        // error as large as the row's budget never cuts it (redact.ts cleans small values first).
        await write(end.outcome, started === undefined ? end.details : { ...end.details, started });
        if (end.configError !== undefined) throw end.configError;
        if ("error" in end.answer) throw new ConvexError(end.answer.error as Value);
        return end.answer.value as never;
      },
    };
  };
}
