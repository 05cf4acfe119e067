/**
 * The types of `guard.safeAction` (split from safe-action.ts): its definition, what it returns
 * and the actor of the guard's own checks.
 */
import type { GenericActionCtx, GenericDataModel, GenericDocument, UserIdentity } from "convex/server";
import type { GenericId, Infer, ObjectType, PropertyValidators } from "convex/values";
import type { PermissionName } from "./authz.js";
import type { DocOf } from "./ctx.js";
import type { SafeActionRateLimit } from "./safe-action-limits.js";

/** Any action context (its data model does not matter to the wrapper). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ActionCtx = GenericActionCtx<any>;

/**
 * The actor of the default check, `guard.requireUser` (and of a `role` or `permission`, whose
 * `requireRole` / `requirePermission` answer the same): the caller's users row (table `T`),
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
 * What a safe action's `check` may answer as its actor: a non-empty string, a row (its `_id`
 * is the audit actor) or an identity (its `tokenIdentifier`). Nothing else is an actor: a
 * decision (`{ ok: false, ... }`), a boolean or a list is refused by the types, and at run time
 * with a `GuardConfigError`.
 */
export type SafeActionActor = string | { readonly _id: string } | { readonly tokenIdentifier: string };

/**
 * Refuses at the call a `check` whose answer is no {@link SafeActionActor}: checked where the
 * data model is known (a users row of a generic one has no `_id` the compiler can see).
 */
export type ActorChecked<Actor> = [Actor] extends [SafeActionActor]
  ? unknown
  : { check: "check must answer the actor (a non-empty string, a user row or an identity) or null; a decision such as { ok: false } is not one: throw the denial" };

/**
 * The names of the arguments whose value is a string (or absent): what an audit row's
 * `resourceId` can be read from. `v.string()`, `v.id(...)`, a union of string literals, each
 * optional or not; not an object, an array or a number.
 */
export type StringArgNames<Args extends PropertyValidators> = {
  [K in keyof Args & string]: Infer<Args[K]> extends string | null | undefined ? K : never;
}[keyof Args & string];

/**
 * Who may call a safe action: `check`, or a `role` or `permission` the guard checks (its actor
 * the user row, as without either), or none of them (`guard.requireUser`); at most one.
 */
type Caller<Ctx, Actor, R extends string, P extends string> =
  | {
      /**
       * The caller must have at least this role: the check is `guard.requireRole(ctx, role)`,
       * the actor the user row ({@link DefaultActor}). Not beside `check` or `permission`.
       */
      role: R;
      check?: never;
      permission?: never;
    }
  | {
      /**
       * The caller must hold this permission: the check is `guard.requirePermission(ctx,
       * permission)`, the actor the user row ({@link DefaultActor}). Not beside `check` or `role`.
       */
      permission: PermissionName<P>;
      check?: never;
      role?: never;
    }
  | {
      role?: never;
      permission?: never;
      /**
       * Who may call. Default: `guard.requireUser` (through the wired `getUser`, see
       * `guard.internalFunctions`): a caller with a user row, whose `_id` is the audit actor (the
       * handler and `rateLimit.key` receive the row itself); an identity
       * without a user row (a deleted or never-created user) is `UNAUTHENTICATED`, as everywhere
       * else. Without the wiring the default check fails closed with a `GuardConfigError` naming
       * the fix. Return the actor ({@link SafeActionActor}: a non-empty string, a user row whose
       * `_id` is recorded, or an identity, keyed by its `tokenIdentifier`), or throw a
       * `ConvexError` (for a role or a permission alone, write `role:` or `permission:`).
       * `null` or
       * `undefined` is no caller: `UNAUTHENTICATED`, audited as denied, so `guard.getUser(ctx)`
       * and `ctx.auth.getUserIdentity()` are checks that refuse a signed-out caller. Any other
       * answer (`false`, `true`, `""`, a number, an array, an object with neither `_id` nor
       * `tokenIdentifier`, such as a decision `{ ok: false, ... }`) is a `GuardConfigError`,
       * audited: never an actor.
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
      check?: (ctx: Ctx) => Promise<Actor | null | undefined>;
    };

/**
 * Options of `guard.safeAction`. `Actor` is what `check` returns (`guard.safeAction` makes it
 * {@link DefaultActor} when there is no `check`); the handler and the rate-limit key receive it
 * and never decide it. `R` and `P` are the guard's role and permission names.
 */
export type SafeActionDefinition<
  Ctx,
  Args extends PropertyValidators,
  Result,
  Actor = unknown,
  K extends string = string,
  R extends string = string,
  P extends string = string,
> = Caller<Ctx, Actor, R, P> & {
  /** Argument validators, as for `action`. */
  args: Args;
  /** The audit event's `action` name, e.g. `"external.weather"`. */
  name: string;
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
