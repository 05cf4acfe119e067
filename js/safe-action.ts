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
import { ConvexError, type PropertyValidators, type Value } from "convex/values";
import { secretValues, type Audit, type AuditEvent } from "./audit.js";
import { GuardConfigError, unauthenticated } from "./errors.js";
import { checkArgs, checkConfigured, checkKeys, checkPermissionHeld, keysOf, refusal, untilPassed } from "./config-keys.js";
import { argFields, own } from "./fields.js";
import { byteForms, secretForms } from "./redact.js";
import { carries, ending, plainValue, REFUSED, result, UPSTREAM, type Clean, type Ending, type Outcome } from "./safe-action-endings.js";
import { userKey, type KeyFields } from "./users.js";
import { checkLimits, limitKeys, readLimits } from "./safe-action-limits.js";
import type { ActionCtx, SafeAction, SafeActionDefinition } from "./safe-action-types.js";

export type { SafeActionRateLimit } from "./safe-action-limits.js";
export type { ActionCtx, ActorChecked, DefaultActor, SafeAction, SafeActionActor, SafeActionDefinition, StringArgNames } from "./safe-action-types.js";

/** The keys of a definition: the public type's (the compiler checks the list; its `rateLimit`'s are safe-action-limits.ts'). */
const DEFINITION_KEYS = keysOf<SafeActionDefinition<unknown, PropertyValidators, unknown>>()([
  "args",
  "name",
  "check",
  "role",
  "permission",
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
  const { name, args, check, role, permission, rateLimit, handler, resourceId } = d as {
    name?: unknown;
    args?: unknown;
    check?: unknown;
    role?: unknown;
    permission?: unknown;
    rateLimit?: unknown;
    handler?: unknown;
    resourceId?: unknown;
  };
  // Every audit row's `action`: "undefined" or "" would tell no row of it apart.
  if (typeof name !== "string" || name === "") throw new GuardConfigError(`${where}: name must be a non-empty string (the audit rows' action, e.g. "external.weather")`);
  if (typeof handler !== "function") throw new GuardConfigError(`${where}: handler must be a function (ctx, args, { actor }) => ...`);
  // As the function builders refuse it: without args the action would run on whatever the
  // client sends, nothing validated.
  const fields = argFields(args);
  checkArgs(where, fields);
  // A name that is no argument would leave every row without its resource, quietly.
  if (resourceId !== undefined && (typeof resourceId !== "string" || !Object.prototype.hasOwnProperty.call(fields, resourceId))) {
    throw new GuardConfigError(`${where}: resourceId must name one of its arguments`);
  }
  if (check !== undefined && typeof check !== "function") throw new GuardConfigError(`${where}: check must be a function`);
  // `role: null` or `""` would be no requirement at all, quietly: the default check's any user.
  for (const [key, value] of [["role", role], ["permission", permission]] as const) {
    if (value !== undefined && (typeof value !== "string" || value === "")) throw new GuardConfigError(`${where}: ${key} must be a ${key} name (leave it out for none)`);
  }
  // Two would leave one unchecked, whichever the wrapper read: the developer says which.
  const given = (["check", "role", "permission"] as const).filter((key) => (d as Record<string, unknown>)[key] !== undefined);
  if (given.length > 1) throw new GuardConfigError(`${where}: give one of check, role and permission, not ${given.join(" and ")}`);
  checkLimits(where, rateLimit);
}

/**
 * The actor `check` returned, and what its keys are made of: `null` or `undefined` is no caller
 * (`UNAUTHENTICATED`, as `guard.requireUser` denies a signed-out caller); a non-empty string, a
 * row (a non-empty `_id`) or an identity (a non-empty `tokenIdentifier`, with no `_id` string)
 * is the actor; anything else is the developer's mistake, never an actor: a check that answers a
 * boolean would admit `false`, one that answers `.collect()` every caller with `[]`, and one
 * that answers a decision (`rateLimit` with `throws: false`, `consumeConfirmation`, `canShare`:
 * `{ ok: false, ... }`) every caller it refused. An object's fields are read once, into the
 * copy its keys are made from: a getter cannot pass with one id and be keyed with another.
 */
function actorOf(where: string, who: unknown): [who: unknown, fields: string | KeyFields] {
  if (who === null || who === undefined) unauthenticated();
  if (typeof who === "string" && who !== "") return [who, who];
  if (typeof who === "object" && !Array.isArray(who)) {
    const { _id, _creationTime, tokenIdentifier, issuer, subject } = who as KeyFields;
    // The key is the `_id` when it is a string (userKey), so an empty one is no key either.
    const named = typeof _id === "string" ? _id !== "" : typeof tokenIdentifier === "string" && tokenIdentifier !== "";
    if (named) return [who, { _id, _creationTime, tokenIdentifier, issuer, subject }];
  }
  const what =
    who === "" ? "an empty string" : Array.isArray(who) ? "an array" : typeof who === "object" ? "an object with neither an _id nor a tokenIdentifier" : `a ${typeof who}`;
  throw new GuardConfigError(
    `${where}: check returned ${what}: return the actor (a non-empty string, a user row or an identity), ` +
      "null when there is no caller, or throw a denial (a decision such as { ok: false } is not an actor)",
  );
}

/**
 * The key of what a developer's `check` returned ({@link userKey}), where a row and the caller's
 * token cannot be told apart by their fields: a token whose issuer lets the caller choose claims
 * can carry `_id` and `_creationTime`, a row's fields, to be keyed as another user. An object with
 * the caller's own `tokenIdentifier` and the `_id` and `_creationTime` their token claims is that
 * token.
 */
async function checkedKey(ctx: ActionCtx, w: string | KeyFields): Promise<string | undefined> {
  const key = userKey(w);
  if (typeof w !== "object" || key !== w._id || typeof w.tokenIdentifier !== "string") return key;
  const identity = (await ctx.auth.getUserIdentity()) as { _id?: unknown; _creationTime?: unknown; tokenIdentifier?: unknown } | null;
  // A row storing its user's tokenIdentifier, under a token whose `_id` claim is that row's id,
  // stays the row: a token claims no `_creationTime` unless it mimics one.
  const token = identity?.tokenIdentifier === w.tokenIdentifier && identity._id === w._id && identity._creationTime === w._creationTime;
  return token ? w.tokenIdentifier : key;
}

/**
 * Who a check refused, as the guard finds the caller (`guard.getUser`: their row's `_id`, or the
 * identity's `tokenIdentifier` under `users.roleClaim`), so that a denial's audit row names them.
 * Only for the trail: when the guard finds no one, or cannot look (an action without the
 * internal functions wired), the row has no actor, as before; the denial is what the caller gets
 * either way.
 */
async function refusedCaller(ctx: ActionCtx, getUser: ((ctx: ActionCtx) => Promise<unknown>) | undefined, identities: boolean | undefined): Promise<string | undefined> {
  if (getUser === undefined) return undefined;
  try {
    return userKey(await getUser(ctx), identities);
  } catch {
    return undefined;
  }
}

/**
 * What a safe action asks of its guard: the checks that work in actions (through the wired
 * internal functions), the rate limits, and the names the guard configures. An absent check
 * fails closed (`GuardConfigError`) when a call needs it. @internal
 */
export type SafeActionGuard = {
  rateLimit?: (ctx: ActionCtx, name: string, options: { key: string }) => Promise<unknown>;
  /** `guard.rateLimitAll`: what a listed `rateLimit` is taken with, all or nothing. */
  rateLimitAll?: (ctx: ActionCtx, requests: { name: string; key: string }[]) => Promise<unknown>;
  requireUser?: (ctx: ActionCtx) => Promise<unknown>;
  requireRole?: (ctx: ActionCtx, role: string) => Promise<unknown>;
  requirePermission?: (ctx: ActionCtx, permission: string) => Promise<unknown>;
  /** `guard.getUser` (action-aware): who a check refused, for the trail. */
  getUser?: (ctx: ActionCtx) => Promise<unknown>;
  /** The guard's limit names: a `rateLimit.name` it lacks is the developer's mistake. */
  limitNames?: () => readonly string[];
  /** The guard's roles, which a `role` must be one of. */
  roles?: () => readonly string[];
  /** The policy's decision for a role name (or none), which throws for a malformed permission. */
  can?: (subject: string | null, permission: string) => boolean;
  /**
   * Whether the user the guard's checks find is the identity (`users.roleClaim` alone), not a
   * row: their key is then its `tokenIdentifier`, never an `_id` claim the token carries.
   */
  identities?: boolean;
};

/** @internal */
export function createSafeAction(
  audit: Audit,
  /** The names of the secret environment variables (the trail's settings, checked when read). */
  secretEnvs: () => readonly string[],
  guard: SafeActionGuard = {},
): <Args extends PropertyValidators, Result, Actor = unknown>(
  definition: SafeActionDefinition<ActionCtx, Args, Result, Actor>,
) => SafeAction<Args, Result> {
  const { rateLimit, rateLimitAll, getUser, limitNames, roles, can, identities } = guard;
  return (given) => {
    // Read as one flat type (its union types only what may be written together).
    const definition = given as Omit<typeof given, never>;
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
    const role = own(definition, "role") as string | undefined;
    const permission = own(definition, "permission") as string | undefined;
    // Its role, permission and limits' names against the configuration, at each call until
    // they have passed: one it lacks is the developer's mistake, before the check runs.
    const checkNamed = untilPassed(() => {
      if (role !== undefined && roles !== undefined) checkConfigured(where, "role", role, roles());
      if (permission !== undefined && can !== undefined && roles !== undefined) {
        checkPermissionHeld(where, permission, roles(), can);
      }
      if (limitNames !== undefined) for (const limit of limits) checkConfigured(where, "rate limit", limit.name, limitNames());
    });
    const givenType = own(definition, "resourceType");
    const resourceType = givenType === undefined ? undefined : String(givenType);
    // The guard's checks (action-aware: through the wired getUser, which throws the
    // GuardConfigError naming the fix when unwired): `role`, `permission`, or requireUser.
    // Never identity-only: a session outliving its user row must not pass.
    const [needed, ask] =
      role !== undefined
        ? (["requireRole", (c: ActionCtx) => guard.requireRole!(c, role)] as const)
        : permission !== undefined
          ? (["requirePermission", (c: ActionCtx) => guard.requirePermission!(c, permission)] as const)
          : (["requireUser", (c: ActionCtx) => guard.requireUser!(c)] as const);
    const ownCheck = own(definition, "check") as ((ctx: ActionCtx) => Promise<unknown>) | undefined;
    const check: (ctx: ActionCtx) => Promise<unknown> =
      ownCheck ??
      (async (ctx: ActionCtx) => {
        if (guard[needed] === undefined) throw new GuardConfigError(`${where}: no ${needed} to check callers with (give check)`);
        return ask(ctx);
      });
    return {
      // A refused definition's args are given to Convex as none: every call then throws (and
      // audits) the refusal, never Convex's own error about them, which names no fix.
      args: (refused === undefined ? argFields(definition.args) : undefined) as never,
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
            // A definition named "" (refused) is audited without an action: "unknown".
            return await audit.log(ctx as never, {
              ...(name === "" ? {} : { action: name }),
              outcome,
              ...(actor === undefined ? {} : { actor }),
              ...(resourceType === undefined ? {} : { resourceType }),
              ...(resourceId === undefined ? {} : { resourceId }),
              ...(details === undefined ? {} : { details }),
            } as AuditEvent);
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
          const [who, fields] = actorOf(where, await check(ctx)) as [never, string | KeyFields];
          // The guard's own check found a row or an identity, as its mode says; a developer's
          // check returned whatever it returns, told apart by its fields.
          actor = ownCheck ? await checkedKey(ctx, fields) : userKey(fields, identities);
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
            actor = await refusedCaller(ctx, getUser, identities);
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
        try {
          await write(end.outcome, started === undefined ? end.details : { ...end.details, started });
        } catch (e) {
          // Both the call's own configuration error and the trail's (all the wiring missing):
          // named together, not one per deploy.
          if (!(e instanceof GuardConfigError) || end.configError === undefined) throw e;
          throw new GuardConfigError(`${e.message}; and: ${end.configError.message}`);
        }
        if (end.configError !== undefined) throw end.configError;
        if ("error" in end.answer) throw new ConvexError(end.answer.error as Value);
        return end.answer.value as never;
      },
    };
  };
}
