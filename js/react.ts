/**
 * `convex-guard/react`: hooks for the browser side. They decide nothing: they call the guard's
 * pure functions (`can`, `roleAtLeast`, `rateLimitStatus`, which the engine answers) and
 * schedule re-renders. Importing this entry brings neither `convex` nor the engine: the guard
 * you pass in does (the one your `convex/guard.ts` defines, so browser and server agree).
 * @packageDocumentation
 */
import { useEffect, useMemo, useState } from "react";
import type { Subject } from "./authz.js";
import { GuardConfigError } from "./config-error.js";
import { checkOptionKeys, HOOK_STATUS_KEYS } from "./option-keys.js";
import type { RateLimitDecision, RateLimitState } from "./ratelimit.js";

/**
 * The time source the hooks read and schedule on: the browser's by default. Inject one in
 * tests to drive a countdown without waiting.
 */
export type Clock = {
  /** Milliseconds since the epoch, like `Date.now()`. */
  now(): number;
  /** Calls `callback` after `ms`, like `setTimeout`; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

/** `Date.now`, `setTimeout` and `clearTimeout` of the page. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Whether `user` holds `permission`, for hiding controls: `guard.can`, memoized on its
 * arguments. `user` may be `undefined` while a query loads (then: `false`). A pre-check, not
 * security: the server checks again.
 *
 * @throws `ConvexError` `INVALID_ARGUMENT` for a malformed permission (as `guard.can`).
 * @example
 * ```tsx
 * const me = useQuery(api.users.me);
 * const canDelete = useCan(guard, me, "delete:users"); // a misspelt name does not compile
 * return canDelete ? <button onClick={remove}>Delete</button> : null;
 * ```
 */
export function useCan<Q extends string>(
  guard: { can(subject: Subject, permission: Q): boolean },
  user: Subject,
  permission: NoInfer<Q>,
): boolean {
  return useMemo(() => guard.can(user, permission), [guard, user, permission]);
}

/**
 * Whether `user` holds `role` or a higher one, for hiding controls: `guard.roleAtLeast`,
 * memoized on its arguments. `undefined` (loading) holds no role.
 *
 * @throws `ConvexError` `INVALID_ARGUMENT` when `role` is not configured (as the guard).
 * @example
 * ```tsx
 * const moderator = useRoleAtLeast(guard, me, "moderator");
 * ```
 */
export function useRoleAtLeast<R extends string>(
  guard: { roleAtLeast(subject: Subject, role: R): boolean },
  user: Subject,
  role: NoInfer<R>,
): boolean {
  return useMemo(() => guard.roleAtLeast(user, role), [guard, user, role]);
}

/**
 * The server's clock offset (server minus this page's clock, in ms), measured when the server's
 * time arrives: `serverNow` is the result of a query registered with `serverTime` (from
 * `convex-guard`), `undefined` while it loads. The time reaches the page after the server read
 * it, so the offset errs towards a server clock that seems behind: countdowns run long, never
 * short.
 *
 * @example
 * ```tsx
 * const offset = useServerOffset(useQuery(api.clock.now)); // Date.now() + offset ≈ the server's now
 * ```
 */
export function useServerOffset(serverNow: number | undefined, clock: Clock = systemClock): number | undefined {
  return useMemo(
    () => (typeof serverNow === "number" && Number.isFinite(serverNow) ? serverNow - clock.now() : undefined),
    [serverNow, clock],
  );
}

/** Options of {@link useRateLimitStatus}. */
export type RateLimitStatusOptions = {
  /**
   * The server's time as a query returned it (`useQuery(api.clock.now)`, with
   * `export const now = query(serverTime)`); `undefined` while it loads.
   */
  serverNow: number | undefined;
  /** The cost to ask about (default 1), as in `guard.rateLimitStatus`. */
  count?: number;
  /** The shard of a sharded limit (default 0). */
  shard?: number;
  /** The time source (default the page's clock). */
  clock?: Clock;
};

/**
 * Throws a `GuardConfigError` for options {@link useRateLimitStatus} cannot read: each of these
 * would leave the status `undefined`, as if loading, for ever, or fail as a bare `TypeError`.
 */
function checkStatusOptions(options: unknown): asserts options is RateLimitStatusOptions {
  const path = "useRateLimitStatus options";
  if (typeof options !== "object" || options === null) throw new GuardConfigError(`${path} must be an object: { serverNow: useQuery(api.clock.now) }`);
  checkOptionKeys(options, HOOK_STATUS_KEYS, path);
  const { serverNow, clock } = options as Partial<Record<string, unknown>>;
  if (serverNow !== undefined && (typeof serverNow !== "number" || !Number.isFinite(serverNow))) {
    throw new GuardConfigError(`${path}: serverNow must be the server's time in ms (a query registered with serverTime), or undefined while it loads`);
  }
  const fn = (k: string) => typeof (clock as Record<string, unknown>)[k] === "function";
  if (clock !== undefined && (typeof clock !== "object" || clock === null || !fn("now") || !fn("setTimeout") || !fn("clearTimeout"))) {
    throw new GuardConfigError(`${path}: clock must be an object with now, setTimeout and clearTimeout functions (leave it out for the page's clock)`);
  }
}

/**
 * A live rate-limit countdown that agrees with the server: `guard.rateLimitStatus(name, state,
 * serverNow)` with the server's clock (the page's clock plus the offset measured from
 * `serverNow`), re-rendering each time the whole number of seconds left changes, until
 * `retryAfter` has elapsed and the decision is `ok`. `undefined` while the state or the server's
 * time loads. The server decides again: this only tells the user when to try.
 *
 * @throws `ConvexError` `INVALID_ARGUMENT` for an unknown limit or a malformed state (as the
 * guard); `GuardConfigError` for an option it does not take (`servernow`), options that are not
 * an object, a `serverNow` that is not a number or a `clock` without its functions, at every render.
 * @example
 * ```tsx
 * const state = useQuery(api.ratelimit.messageLimitState);
 * const serverNow = useQuery(api.clock.now);
 * const status = useRateLimitStatus(guard, "sendMessage", state, { serverNow });
 * const wait = status && !status.ok ? Math.ceil(status.retryAfter / 1000) : 0;
 * return <button disabled={!status?.ok}>{wait > 0 ? `Send (in ${wait} s)` : "Send"}</button>;
 * ```
 */
export function useRateLimitStatus<K extends string>(
  guard: {
    rateLimitStatus(
      name: K,
      state: RateLimitState | null,
      now: number,
      options?: { count?: number; shard?: number },
    ): RateLimitDecision;
  },
  name: NoInfer<K>,
  state: RateLimitState | null | undefined,
  options: RateLimitStatusOptions,
): RateLimitDecision | undefined {
  checkStatusOptions(options);
  const clock = options.clock ?? systemClock;
  const offset = useServerOffset(options.serverNow, clock);
  // Bumped by the timer: each bump re-renders, which asks the guard again.
  const [tick, setTick] = useState(0);
  const status =
    state === undefined || offset === undefined
      ? undefined
      : guard.rateLimitStatus(name, state, clock.now() + offset, {
          ...(options.count === undefined ? {} : { count: options.count }),
          ...(options.shard === undefined ? {} : { shard: options.shard }),
        });
  const waiting = status !== undefined && !status.ok;
  const retryAfter = status?.retryAfter ?? 0;
  useEffect(() => {
    if (!waiting) return;
    // Wake when the seconds shown (rounded up) change, or when the wait ends: the guard says
    // what the wait is then.
    const handle = clock.setTimeout(() => setTick((n) => n + 1), retryAfter % 1000 || 1000);
    return () => clock.clearTimeout(handle);
  }, [waiting, retryAfter, tick, clock]);
  return status;
}
