/**
 * Rate limiting: the TypeScript side. Every decision is made by the engine's compiled limits
 * (src/ratelimit.rs). This file holds the public types and methods and turns denials into
 * `ConvexError`s; ratelimit-codec.ts packs numbers for the engine, ratelimit-store.ts reads and
 * writes one row per limit and key (and shard) in the caller's transaction.
 */
import type { GenericDataModel } from "convex/server";
import { unpolluted } from "./config-keys.js";
import { num, perInstance } from "./engine.js";
import { deny } from "./errors.js";
import type { ReaderCtx, WriterCtx } from "./ctx.js";
import { decide, decideOne, item, limitOf, type Engine, type Item } from "./ratelimit-codec.js";
import { compileLimits, type LimitEntry } from "./ratelimit-config.js";
import { rowMethods } from "./ratelimit-store.js";
import { CLIENT_MESSAGE, RL_CHECK, RL_CONSUME, tryAgainIn } from "./generated/wire.js";

/** Fields every kind of limit takes. */
type LimitBase = {
  /** Units admitted per `period`: a whole number from 1 to 100,000,000 (100 for a sliding log). */
  rate: number;
  /** The period in ms (`MINUTE`, `HOUR`...): a whole number from 1 to 366 days. */
  period: number;
  /**
   * Spread the limit over this many rows (1 to 256, at most `rate`) so that a hot key (a
   * global limit) does not serialize every mutation on one row. Each request uses one shard
   * picked at random: together the shards never admit more than the limit, but a request can be
   * denied while another shard still has room, and the largest cost is that of one shard.
   */
  shards?: number;
};

/**
 * One named limit: a discriminated union on `kind` (default `"sliding window"`). Only a
 * `"token bucket"` takes a `capacity`.
 */
export type RateLimitSpec =
  | (LimitBase & {
      /**
       * `"sliding window"` (default): O(1) state, approximate (at most just under `2 * rate` in
       * the worst case). `"sliding log"`: exact, `rate` at most 100. `"fixed window"`: `rate`
       * per window, `2 * rate` across a window boundary.
       *
       * The sliding window can make a client wait *longer than the period* after a burst: it
       * forgets the previous window's count gradually, so a full `rate` at the start of a
       * window holds the next request back for up to `period * (1 + count / rate)`. With
       * `rate: 10, period: MINUTE`, ten requests at once make the eleventh wait 66 s
       * (`retryAfter` 66,000 ms from the burst), not 60. Choose `"sliding log"` when a client must never
       * wait more than the period after a burst (small limits: logins, code attempts; it
       * waits exactly until the oldest admission leaves the period), or a `"token bucket"`
       * when bursts are fine and capacity should come back steadily (one unit every
       * `period / rate`: here every 6 s).
       */
      kind?: "sliding window" | "sliding log" | "fixed window";
      capacity?: never;
    })
  | (LimitBase & {
      /** `"token bucket"`: continuous refill of `rate` per `period`, bursts up to `capacity`. */
      kind: "token bucket";
      /** The most tokens held (the largest burst); default `rate`. */
      capacity?: number;
    });

/** Named limits: each name becomes a literal type of `rateLimit`'s `name`. */
export type RateLimitsConfig<K extends string> = { readonly [name in K]: RateLimitSpec };

/**
 * The stored state of one key (one row; one per shard when sharded): a few whole numbers, as
 * the table keeps them. Times are ms since the epoch.
 */
export type RateLimitState = {
  /** The state's clock: window start, last refill or newest log entry. */
  t: number;
  /** First counter (units in the current window, or whole tokens). */
  a: number;
  /** Second counter (units in the previous window, or a token fraction). */
  b: number;
  /** Sliding log only: admission times, oldest first. Empty otherwise. */
  log: number[];
};

/**
 * The answer to one request. `remaining`: when `ok`, what is left once this request's cost is
 * taken; when denied, what is available now. `retryAfter`: 0 when `ok`, else the exact number
 * of ms after which the same request succeeds if nothing else happens (one ms earlier it does
 * not).
 */
export type RateLimitDecision =
  | { ok: true; remaining: number; retryAfter: 0 }
  | { ok: false; remaining: number; retryAfter: number };

/**
 * A decision that admitted the request: what a call that throws on a denial (the default)
 * returns, so `ok`, `remaining` and `retryAfter: 0` need no narrowing.
 */
export type RateLimitAdmitted = Extract<RateLimitDecision, { ok: true }>;

/** A decision together with the state to store: `null` means "leave the row as it is". */
export type RateLimitOutcome = RateLimitDecision & { state: RateLimitState | null };

/** The answer to an all-or-nothing request over several limits or keys. */
export type RateLimitBatchDecision = {
  /** Whether every limit admits its cost (and so each consumed it). */
  ok: boolean;
  /** 0 when `ok`; else the largest `retryAfter` of the denied limits. */
  retryAfter: number;
  /** Each limit's own decision, in order (nothing was taken when `ok` is false). */
  decisions: RateLimitDecision[];
};

/** An all-or-nothing request that admitted every entry: what `rateLimitAll` returns unless `throws: false`. */
export type RateLimitBatchAdmitted = { ok: true; retryAfter: 0; decisions: RateLimitAdmitted[] };

/** Options that throw on a denial (`throws` left out or `true`): the call returns only admitted decisions. */
export type ThrowingRateLimitOptions = RateLimitOptions & { throws?: true };

/** Options of the calls that decide against the table. */
export type RateLimitOptions = {
  /**
   * Whose budget: a value that comes from the server (the user's id, the identity's
   * `tokenIdentifier`, a validated document id), never a free string from client arguments.
   * 1 to 1,024 characters. Use a constant such as `"global"` for a limit shared by everyone.
   */
  key: string;
  /**
   * The cost: a whole number up to the limit's capacity. Default 1. In `checkRateLimit`, 0 is a
   * pure look-up; `rateLimit` and `rateLimitAll` refuse 0 (`INVALID_ARGUMENT`), since it would
   * consume nothing and pass every time.
   */
  count?: number;
  /**
   * `true` (default): a denial throws `ConvexError` `RATE_LIMITED`. `false`: the decision is
   * returned.
   */
  throws?: boolean;
};

/** One entry of {@link RateLimits.rateLimitAll}. */
export type RateLimitRequest<K extends string> = { name: K; key: string; count?: number };

/**
 * One entry of the pure {@link RateLimits.decideRateLimits}: each stored row at most once per
 * call (the same row twice is decided twice against the same state; see there).
 */
export type RateLimitStateRequest<K extends string> = {
  name: K;
  /** The stored state, `null` for a new key (or after a reset). */
  state: RateLimitState | null;
  count?: number;
  /** The shard (0-based) the state belongs to. Default 0. */
  shard?: number;
};

/**
 * Rate limits over one row per limit and key, read and written inside the caller's mutation:
 * a mutation that throws later rolls its consumption back. Configuration mistakes throw
 * `GuardConfigError` at first use, naming the limit.
 */
export interface RateLimits<K extends string> {
  /**
   * Takes `count` (default 1) from the limit `name` for `key`, in this mutation. Denied: throws,
   * or returns the decision with `throws: false` (typed {@link RateLimitAdmitted} when the
   * options cannot turn throwing off).
   *
   * @throws `ConvexError` `RATE_LIMITED` with message "Too many requests. Try again in 3
   * seconds" and `retryAfter` (ms); `INVALID_ARGUMENT` for a bad key or count.
   * @example
   * ```ts
   * const user = await guard.requireUser(ctx);
   * await guard.rateLimit(ctx, "sendMessage", { key: user._id });
   * ```
   */
  rateLimit<DM extends GenericDataModel>(
    ctx: WriterCtx<DM>,
    name: K,
    options: ThrowingRateLimitOptions,
  ): Promise<RateLimitAdmitted>;
  rateLimit<DM extends GenericDataModel>(
    ctx: WriterCtx<DM>,
    name: K,
    options: RateLimitOptions,
  ): Promise<RateLimitDecision>;

  /**
   * All or nothing over several limits or keys (for example per user and global): either every
   * limit admits its cost and each consumes it, or none consumes anything. At most 16 entries,
   * each a different limit and key.
   *
   * @throws `ConvexError` `RATE_LIMITED` with the longest `retryAfter` of the denied limits
   * (unless `throws: false`); `INVALID_ARGUMENT` for a bad key or count, or the same limit and
   * key twice.
   * @example
   * ```ts
   * await guard.rateLimitAll(ctx, [
   *   { name: "upload", key: user._id },
   *   { name: "uploadGlobal", key: "global" },
   * ]);
   * ```
   */
  rateLimitAll<DM extends GenericDataModel>(
    ctx: WriterCtx<DM>,
    requests: readonly RateLimitRequest<K>[],
    options?: { throws?: true },
  ): Promise<RateLimitBatchAdmitted>;
  rateLimitAll<DM extends GenericDataModel>(
    ctx: WriterCtx<DM>,
    requests: readonly RateLimitRequest<K>[],
    options?: { throws?: boolean },
  ): Promise<RateLimitBatchDecision>;

  /**
   * Whether `count` (default 1) would be admitted now, without taking it: reads only, so it
   * works in queries. A sharded limit is checked on a random shard, as `rateLimit` would use.
   *
   * @throws `ConvexError` `RATE_LIMITED` when it would be denied (unless `throws: false`).
   * @example
   * ```ts
   * const { ok, retryAfter } = await guard.checkRateLimit(ctx, "sendMessage",
   *   { key: user._id, throws: false });
   * ```
   */
  checkRateLimit<DM extends GenericDataModel>(
    ctx: ReaderCtx<DM>,
    name: K,
    options: ThrowingRateLimitOptions,
  ): Promise<RateLimitAdmitted>;
  checkRateLimit<DM extends GenericDataModel>(
    ctx: ReaderCtx<DM>,
    name: K,
    options: RateLimitOptions,
  ): Promise<RateLimitDecision>;

  /**
   * Resets the limit for `key`: deletes its rows (every shard), so the full rate is available.
   *
   * @example
   * ```ts
   * await guard.resetRateLimit(ctx, "login", { key: email }); // after a successful login
   * ```
   */
  resetRateLimit<DM extends GenericDataModel>(
    ctx: WriterCtx<DM>,
    name: K,
    options: { key: string },
  ): Promise<void>;

  /**
   * The stored state of the limit for `key` (shard `shard`, default 0), or `null` when there is
   * none or it was written under another configuration of the limit. Return it from a query so
   * the browser can count down with {@link RateLimits.rateLimitStatus}.
   *
   * @example
   * ```ts
   * export const messageLimit = query({ args: {}, handler: async (ctx) => {
   *   const user = await guard.requireUser(ctx);
   *   return await guard.getRateLimitState(ctx, "sendMessage", { key: user._id });
   * } });
   * ```
   */
  getRateLimitState<DM extends GenericDataModel>(
    ctx: ReaderCtx<DM>,
    name: K,
    options: { key: string; shard?: number },
  ): Promise<RateLimitState | null>;

  /**
   * The decision for `count` (default 1) given a stored state at time `now`, without a `ctx`:
   * the same math the server uses, for a countdown in the browser. Pass the server's time when
   * you have it; a browser clock that runs behind shows a longer wait, never a shorter one.
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` for a bad `now`, count or state.
   * @example
   * ```ts
   * const { ok, retryAfter } = guard.rateLimitStatus("sendMessage", state, Date.now());
   * button.textContent = ok ? "Send" : `Wait ${Math.ceil(retryAfter / 1000)} s`;
   * ```
   */
  rateLimitStatus(
    name: K,
    state: RateLimitState | null,
    now: number,
    options?: { count?: number; shard?: number },
  ): RateLimitDecision;

  /**
   * The pure decision: a state, `now` and a cost in; the decision and the state to store out
   * (`null`: leave the row as it is). All or nothing over the entries, consuming unless
   * `consume` is false. For storage of your own, and for tests.
   *
   * Pass each stored row (a limit, key and shard) at most once: every entry is decided against
   * its own `state`, so the same row twice is admitted twice and each outcome's state counts
   * only its own units (storing one records one of the two). Merge them into one entry with the
   * summed `count` instead; `rateLimitAll` refuses the same limit and key twice for you.
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` for a bad `now`, count, shard or state.
   * @example
   * ```ts
   * const [a] = guard.decideRateLimits([{ name: "login", state: null }], Date.now()).outcomes;
   * ```
   */
  decideRateLimits(
    requests: readonly RateLimitStateRequest<K>[],
    now: number,
    options?: { consume?: boolean },
  ): RateLimitBatchDecision & { outcomes: RateLimitOutcome[] };
}

const validators = new WeakMap<object, () => Engine>();

/** Validates and compiles a guard's limits now (called by `guard.validate()`). @internal */
export function validateRateLimits(limits: object): void {
  validators.get(limits)?.();
}

/** The names of a guard's limits (compiled now): what a builder's `rateLimit.name` is checked against. @internal */
export function limitNames(limits: object): string[] {
  const e = validators.get(limits)?.();
  return e === undefined ? [] : [...e.limits.keys()];
}

/**
 * The configuration of limit `name` as its rows record it (ratelimit-codec.ts `fingerprint`),
 * or `undefined` when `limits` has no such limit: what a check in an action sends the wired
 * `rateLimit`, whose guard refuses a limit configured otherwise. @internal
 */
export function limitConfig(limits: object, name: string): string | undefined {
  return validators.get(limits)?.().limits.get(name)?.fingerprint;
}

/**
 * {@link limitConfig} of a limit `limits` must have: `INVALID_ARGUMENT` "unknown rate limit"
 * otherwise, as a mutation refuses it. What an all-or-nothing request from an action sends
 * for each entry. @internal
 */
export function knownLimitConfig(limits: object, name: string): string {
  return limitOf(validators.get(limits)!(), name).fingerprint;
}

/** `RATE_LIMITED`, "Too many requests. Try again in N seconds" (the wire's), N rounded up. @internal */
export function tooMany(retryAfter: number): never {
  deny("RATE_LIMITED", tryAgainIn(Math.max(1, Math.ceil(retryAfter / 1000))), { retryAfter });
}

/** @internal */
export function createRateLimits<K extends string>(
  config: RateLimitsConfig<K> | undefined,
): RateLimits<K> {
  const compile = perInstance((kept?: readonly LimitEntry[]) => compileLimits(config, kept));

  const limits: RateLimits<K> = {
    ...rowMethods<K>(compile),

    rateLimitStatus(name, state, now, options) {
      const e = compile();
      // Read in the order `item` reads them: the count, the shard, the limit, then the cost.
      unpolluted();
      const count = options?.count;
      const shard = num(options?.shard ?? 0);
      const limit = limitOf(e, name);
      const cost = count === undefined ? 1 : num(count);
      return decideOne(e, name, limit, cost, shard, state ?? null, now, RL_CHECK).decisions[0]!;
    },

    decideRateLimits(requests, now, options) {
      if (!Array.isArray(requests)) deny("INVALID_ARGUMENT", CLIENT_MESSAGE.DECIDE_RATE_LIMITS_ARRAY);
      // An index loop, not map: a hole in a sparse array is an entry too (refused, not
      // skipped). Not Array.from either: its iterator and mapping callback cost more than the
      // decision itself.
      unpolluted();
      const e = compile();
      const n = requests.length;
      if (n === 1) {
        // One request (the common case): no `Item`, read in the order `item` reads it.
        const r = requests[0];
        const name = r?.name;
        const count = r?.count;
        const shard = num(r?.shard ?? 0);
        const state = r?.state ?? null;
        const limit = limitOf(e, name!);
        const cost = count === undefined ? 1 : num(count);
        return decideOne(e, name!, limit, cost, shard, state, now, options?.consume === false ? RL_CHECK : RL_CONSUME);
      }
      const items = new Array<Item>(n);
      for (let i = 0; i < n; i++) {
        const r = requests[i];
        items[i] = item(e, r?.name, r?.count, num(r?.shard ?? 0), r?.state ?? null);
      }
      return decide(e, items, now, options?.consume === false ? RL_CHECK : RL_CONSUME);
    },
  };
  validators.set(limits, compile);
  return limits;
}
