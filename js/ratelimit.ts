/**
 * Rate limiting: the TypeScript side. Every decision is made by the engine's compiled limits
 * (src/ratelimit.rs). This file holds the public types and methods and turns denials into
 * `ConvexError`s; ratelimit-codec.ts packs numbers for the engine, ratelimit-store.ts reads and
 * writes one row per limit and key (and shard) in the caller's transaction.
 */
import type { GenericDataModel } from "convex/server";
import {
  checkOptionKeys,
  checkPureOptions,
  DECIDE_ALL_OPTION_KEYS,
  DECIDE_OPTION_KEYS,
  STATE_REQUEST_KEYS,
  STATUS_OPTION_KEYS,
  unpolluted,
} from "./config-keys.js";
import { num, perInstance } from "./engine.js";
import { deny } from "./errors.js";
import type { ReaderCtx, WriterCtx } from "./ctx.js";
import { costOf, decide, decideOne, decisionOf, item, limitOf, single, type Engine, type Item } from "./ratelimit-codec.js";
import { compileLimits, type LimitEntry } from "./ratelimit-config.js";
import { rowMethods } from "./ratelimit-store.js";
import { CLIENT_MESSAGE, RL_CHECK, RL_CONSUME, tryAgainIn } from "./generated/wire.js";
import type {
  RateLimitsConfig,
  RateLimitState,
  RateLimitDecision,
  RateLimitAdmitted,
  RateLimitOutcome,
  RateLimitBatchDecision,
  RateLimitBatchAdmitted,
  ThrowingRateLimitOptions,
  RateLimitOptions,
  RateLimitRequest,
  RateLimitStateRequest,
} from "./ratelimit-types.js";

// The public types are ratelimit-types.ts's, exported from here as before.
export type * from "./ratelimit-types.js";

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
   * Limit `name`'s configuration as one string (its kind, rate, period, capacity and shards),
   * as the guard's own table records it in each row. With storage of your own, store it beside
   * each state and drop a state whose string differs: a state decided under another
   * configuration is read by the new one as it stands (another kind's counters, a count above
   * a lowered rate, refused until it is dropped).
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` for a name that is not a configured limit.
   * @example
   * ```ts
   * const config = guard.rateLimitConfig("upload");
   * const state = row?.config === config ? row.state : null; // another configuration: afresh
   * ```
   */
  rateLimitConfig(name: K): string;

  /**
   * The pure decision for one limit: a stored state, `now` and a cost in; the decision and the
   * state to store out (`null`: leave the row as it is). Consumes unless `consume` is false.
   * What {@link RateLimits.decideRateLimits} answers for one entry, without the batch around
   * it: for storage of your own, and the cheapest decision the package makes.
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` for a bad `now`, count, shard or state.
   * @example
   * ```ts
   * const { ok, retryAfter, state: next } = guard.decideRateLimit("login", stored, Date.now());
   * ```
   */
  decideRateLimit(
    name: K,
    state: RateLimitState | null,
    now: number,
    options?: { count?: number; shard?: number; consume?: boolean },
  ): RateLimitOutcome;

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
      checkPureOptions(options, STATUS_OPTION_KEYS, "rateLimitStatus options");
      const count = options?.count;
      const shard = num(options?.shard ?? 0);
      const limit = limitOf(e, name);
      const cost = costOf(count);
      return decisionOf(decideOne(e, name, limit, cost, shard, state, now, RL_CHECK));
    },

    rateLimitConfig(name) {
      return limitOf(compile(), name).fingerprint;
    },

    decideRateLimit(name, state, now, options) {
      const e = compile();
      // As rateLimitStatus reads them: the count, the shard, the limit, then the cost.
      unpolluted();
      let count: unknown;
      let shard = 0;
      if (options !== undefined) {
        checkPureOptions(options, DECIDE_OPTION_KEYS, "decideRateLimit options");
        count = options.count;
        shard = num(options.shard ?? 0);
      }
      const limit = limitOf(e, name);
      const cost = costOf(count);
      const mode = options?.consume === false ? RL_CHECK : RL_CONSUME;
      return decideOne(e, name, limit, cost, shard, state, now, mode);
    },

    decideRateLimits(requests, now, options) {
      if (!Array.isArray(requests)) deny("INVALID_ARGUMENT", CLIENT_MESSAGE.DECIDE_RATE_LIMITS_ARRAY);
      // An index loop, not map: a hole in a sparse array is an entry too (refused, not
      // skipped). Not Array.from either: its iterator and mapping callback cost more than the
      // decision itself.
      unpolluted();
      checkPureOptions(options, DECIDE_ALL_OPTION_KEYS, "decideRateLimits options");
      const e = compile();
      const n = requests.length;
      if (n === 1) {
        // One request (the common case): no `Item`, read in the order `item` reads it.
        const r = requests[0];
        checkOptionKeys(r, STATE_REQUEST_KEYS, "decideRateLimits entry");
        const name = r?.name;
        const count = r?.count;
        const shard = num(r?.shard ?? 0);
        const state = r?.state;
        const limit = limitOf(e, name!);
        const cost = costOf(count);
        return single(decideOne(e, name!, limit, cost, shard, state, now, options?.consume === false ? RL_CHECK : RL_CONSUME));
      }
      const items = new Array<Item>(n);
      for (let i = 0; i < n; i++) {
        const r = requests[i];
        checkOptionKeys(r, STATE_REQUEST_KEYS, "decideRateLimits entry");
        items[i] = item(e, r?.name, r?.count, num(r?.shard ?? 0), r?.state);
      }
      return decide(e, items, now, options?.consume === false ? RL_CHECK : RL_CONSUME);
    },
  };
  validators.set(limits, compile);
  return limits;
}
