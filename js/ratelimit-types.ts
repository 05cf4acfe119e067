/**
 * Rate limiting's public types: the limits' configuration, the stored state, the decisions and
 * the requests. The methods that take and return them are in ratelimit.ts (`RateLimits`).
 */
/** Fields every kind of limit takes. */
type LimitBase = {
  /** Units admitted per `period`: a whole number from 1 to 100,000,000 (100 for a sliding log). */
  rate: number;
  /** The period in ms (`SECOND`, `MINUTE`, `HOUR`...): a whole number from 1 second (1,000) to 366 days. */
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
