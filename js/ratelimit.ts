/**
 * Rate limiting: the TypeScript side. Every decision is made by the engine's compiled limits
 * (src/ratelimit.rs); this file reads and writes one row per limit and key (and shard) in the
 * caller's transaction, packs numbers for the engine, and turns denials into `ConvexError`s.
 */
import type { GenericDataModel } from "convex/server";
import { RateLimiter, engineMemory, num, perInstance } from "./engine.js";
import { deny, GuardConfigError, quoted, rethrow } from "./errors.js";
import type { ReaderCtx, WriterCtx } from "./ctx.js";
import { RATE_LIMIT_INDEX, RATE_LIMIT_TABLE } from "./ratelimit-table.js";

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

/** One entry of the pure {@link RateLimits.decideRateLimits}. */
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
   * or returns the decision with `throws: false`.
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

/** One compiled limit. */
type Compiled = { id: number; shards: number; fingerprint: string };

/** A stored row, as the table definition declares it. */
type Row = RateLimitState & {
  _id: string;
  name: string;
  key: string;
  shard: number;
  config: string;
};

/** What one decision needs from the JavaScript side. */
type Item = { name: string; limit: Compiled; shard: number; count: number; state: RateLimitState | null };

/** Numbers per request and per decision record in the engine's I/O buffer. */
const IN = 8;
const OUT = 8;
const MAX_KEY_LENGTH = 1024;
const validators = new WeakMap<object, () => void>();

/** Validates and compiles a guard's limits now (called by `guard.validate()`). @internal */
export function validateRateLimits(limits: object): void {
  validators.get(limits)?.();
}


/**
 * Prefixes an engine error with the limit names it concerns, then translates it. Anything
 * else goes to `rethrow` at once: the names are only formatted for the engine's own errors, so
 * an exhausted stack cannot keep the instance from being discarded.
 */
function renamed(e: unknown, items: readonly { name: string }[]): never {
  if (e instanceof Error && typeof (e as { code?: unknown }).code === "string") {
    e.message = `rate limit ${items.map((it) => `'${it.name}'`).join(", ")}: ${e.message}`;
  }
  rethrow(e);
}

/**
 * Where the engine's I/O buffer is (a byte address in its memory) and its layout, as the
 * buffer's first numbers give it: lengths and offsets in numbers from its start
 * (src/bindings/ratelimit.rs documents it).
 */
type Io = {
  at: number;
  len: number;
  /** Most requests in one call. */
  batch: number;
  /** Request records (`IN` numbers each). */
  records: number;
  /** Request log slots, `logSlot` numbers each. */
  logs: number;
  logSlot: number;
  /** The answer: `[ok, retry after]`, then the decision records (`OUT` numbers each). */
  out: number;
  /** The answer's log slots, `outLogSlot` numbers each. */
  outLogs: number;
  outLogSlot: number;
};

/** "Too many requests. Try again in N seconds", N rounded up. @internal */
export function tooMany(retryAfter: number): never {
  const s = Math.max(1, Math.ceil(retryAfter / 1000));
  deny("RATE_LIMITED", `Too many requests. Try again in ${s} second${s === 1 ? "" : "s"}`, {
    retryAfter,
  });
}

function checkKey(key: unknown): string {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    deny("INVALID_ARGUMENT", `a rate limit key must be a string of 1 to ${MAX_KEY_LENGTH} characters`);
  }
  return key;
}

/** @internal */
export function createRateLimits<K extends string>(
  config: RateLimitsConfig<K> | undefined,
): RateLimits<K> {
  /** The compiled limits, the engine's limiter, and its I/O buffer in that instance's memory. */
  type Engine = { limits: Map<string, Compiled>; limiter: RateLimiter; memory: WebAssembly.Memory; io: Io; view: Float64Array };
  const compile = perInstance(build);

  /** The view over the engine's I/O buffer, made again when the memory has grown. */
  function buffer(e: Engine): Float64Array {
    if (e.view.byteLength === 0) e.view = new Float64Array(e.memory.buffer, e.io.at, e.io.len);
    return e.view;
  }

  function build(): Engine {
    const specs = (config ?? {}) as Record<string, RateLimitSpec>;
    if (typeof specs !== "object" || specs === null || Array.isArray(specs)) {
      throw new GuardConfigError("rateLimits must be an object of named limits");
    }
    const memory = engineMemory();
    const engineLimits = new RateLimiter();
    const map = new Map<string, Compiled>();
    for (const name of Object.keys(specs)) {
      const spec = specs[name] as Partial<RateLimitSpec> | null;
      if (spec === null || typeof spec !== "object") {
        throw new GuardConfigError(`rate limit '${name}' must be an object { kind?, rate, period }`);
      }
      // An object's toString could throw or recurse; a number or symbol is named as it is.
      const given: unknown = spec.kind;
      if (typeof given === "function" || (typeof given === "object" && given !== null)) {
        throw new GuardConfigError(`rate limit '${name}': kind must be a string such as "token bucket"`);
      }
      const kind = spec.kind === undefined ? "sliding window" : String(spec.kind);
      const capacity = spec.capacity === undefined ? undefined : num(spec.capacity);
      const shards = spec.shards === undefined ? undefined : num(spec.shards);
      let id: number;
      try {
        id = engineLimits.add(kind, num(spec.rate), num(spec.period), capacity, shards);
      } catch (e) {
        renamed(e, [{ name }]);
      }
      // Validated: rate, period, capacity and shards are whole numbers. A row written under
      // another configuration is read as absent (the limit starts afresh for that key).
      const fingerprint = `${kind}/${spec.rate}/${spec.period}/${capacity ?? spec.rate}/${shards ?? 1}`;
      map.set(name, { id, shards: shards ?? 1, fingerprint });
    }
    const at = engineLimits.io();
    const [len, batch, records, logs, logSlot, out, outLogs, outLogSlot] = new Float64Array(memory.buffer, at, 8);
    const io = { at, len: len!, batch: batch!, records: records!, logs: logs!, logSlot: logSlot!, out: out!, outLogs: outLogs!, outLogSlot: outLogSlot! };
    return { limits: map, limiter: engineLimits, memory, io, view: new Float64Array(0) };
  }

  function limitOf(name: string): Compiled {
    const limit = compile().limits.get(name);
    if (limit === undefined) deny("INVALID_ARGUMENT", `unknown rate limit ${quoted(name)}`);
    return limit;
  }

  /** Writes the items into the engine's buffer, asks the engine once, reads the answer. */
  function run(items: readonly Item[], now: number, consume: boolean) {
    const e = compile();
    const io = e.io;
    const n = items.length;
    let b = buffer(e);
    // More than the buffer holds: the engine refuses the count before reading anything.
    if (n <= io.batch) {
      for (let i = 0; i < n; i++) {
        const it = items[i]!;
        const s = it.state;
        const o = io.records + i * IN;
        b[o] = it.limit.id;
        b[o + 1] = it.shard;
        b[o + 2] = it.count;
        if (s === null) {
          b[o + 3] = 0;
          b[o + 7] = 0;
          continue;
        }
        b[o + 3] = 1;
        b[o + 4] = num(s.t);
        b[o + 5] = num(s.a);
        b[o + 6] = num(s.b);
        const at = io.logs + i * io.logSlot;
        const log: unknown = s.log;
        if (Array.isArray(log)) {
          // The slot holds one more entry than any valid log: a longer log is refused as is.
          const m = Math.min(log.length, io.logSlot);
          for (let j = 0; j < m; j++) b[at + j] = num(log[j]);
          b[o + 7] = log.length;
        } else {
          // A malformed log (not an array) becomes one NaN entry: the engine refuses it.
          b[at] = NaN;
          b[o + 7] = 1;
        }
      }
    }
    let status: number;
    try {
      status = e.limiter.decide(n, num(now), consume);
    } catch (error) {
      renamed(error, items);
    }
    b = buffer(e); // the engine may have grown its memory
    const decisions = new Array<RateLimitDecision>(n);
    const outcomes = new Array<RateLimitOutcome>(n);
    for (let i = 0; i < n; i++) {
      const o = io.out + 2 + i * OUT;
      const ok = b[o] === 1;
      const remaining = b[o + 1]!;
      const retryAfter = b[o + 2]!;
      let state: RateLimitState | null = null;
      if (b[o + 3] === 1) {
        const at = io.outLogs + i * io.outLogSlot;
        const log: number[] = [];
        for (let j = at, end = at + b[o + 7]!; j < end; j++) log.push(b[j]!);
        state = { t: b[o + 4]!, a: b[o + 5]!, b: b[o + 6]!, log };
      }
      outcomes[i] = { ok, remaining, retryAfter, state } as RateLimitOutcome;
      decisions[i] = { ok, remaining, retryAfter } as RateLimitDecision;
    }
    return { ok: status === 1, retryAfter: b[io.out + 1]!, decisions, outcomes };
  }

  function item(name: string, count: unknown, shard: number, state: RateLimitState | null): Item {
    return { name, limit: limitOf(name), shard, count: count === undefined ? 1 : num(count), state };
  }

  /** A random shard of a sharded limit (Convex seeds `Math.random` per execution). */
  function pickShard(limit: Compiled): number {
    return limit.shards > 1 ? Math.floor(Math.random() * limit.shards) : 0;
  }

  // The table and index names are ours, but the caller's data model does not have to declare
  // the table in its types, so the database is used untyped here.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = any;

  async function readRow(db: Db, name: string, key: string, shard: number): Promise<Row | null> {
    return (await db
      .query(RATE_LIMIT_TABLE)
      .withIndex(RATE_LIMIT_INDEX, (q: Db) => q.eq("name", name).eq("key", key).eq("shard", shard))
      .unique()) as Row | null;
  }

  /** The row's state, or `null` when there is no row or it belongs to another configuration. */
  function stateOf(row: Row | null, limit: Compiled): RateLimitState | null {
    if (row === null || row.config !== limit.fingerprint) return null;
    return { t: row.t, a: row.a, b: row.b, log: row.log };
  }

  function write(db: Db, row: Row | null, it: Item, key: string, state: RateLimitState): Promise<unknown> {
    const fields = { config: it.limit.fingerprint, t: state.t, a: state.a, b: state.b, log: state.log };
    return row === null
      ? db.insert(RATE_LIMIT_TABLE, { name: it.name, key, shard: it.shard, ...fields })
      : db.patch(row._id, fields);
  }

  /** Reads, decides and (when consuming) writes the rows of `requests`, all or nothing. */
  async function apply(
    db: Db,
    requests: readonly { name: string; key: unknown; count?: unknown }[],
    consume: boolean,
  ) {
    const seen = new Set<string>();
    const keys: string[] = [];
    const rows: (Row | null)[] = [];
    const items: Item[] = [];
    for (const r of requests) {
      if (r === null || typeof r !== "object") deny("INVALID_ARGUMENT", "a rate limit request is { name, key, count? }");
      const key = checkKey(r.key);
      const limit = limitOf(r.name);
      // A cost of 0 is a look-up: in a consuming call it would pass every time and take
      // nothing, which is a hole if an app forwards a client-chosen count.
      if (consume && r.count === 0) {
        deny(
          "INVALID_ARGUMENT",
          `rate limit '${r.name}': a consuming call takes a count of at least 1 (checkRateLimit looks without consuming)`,
        );
      }
      const id = JSON.stringify([r.name, key]);
      if (seen.has(id)) {
        deny("INVALID_ARGUMENT", `rate limit '${r.name}' is listed twice for the same key`);
      }
      seen.add(id);
      const shard = pickShard(limit);
      const row = await readRow(db, r.name, key, shard);
      keys.push(key);
      rows.push(row);
      items.push(item(r.name, r.count, shard, stateOf(row, limit)));
    }
    const batch = run(items, Date.now(), consume);
    for (let i = 0; i < items.length; i++) {
      const state = batch.outcomes[i]!.state;
      if (state !== null) await write(db, rows[i]!, items[i]!, keys[i]!, state);
    }
    return batch;
  }

  /** One limit and key: `rateLimit` (consuming) or `checkRateLimit`. */
  async function single(db: Db, name: string, options: RateLimitOptions, consume: boolean) {
    const batch = await apply(db, [{ name, key: options?.key, count: options?.count }], consume);
    const decision = batch.decisions[0]!;
    if (!decision.ok && options?.throws !== false) tooMany(decision.retryAfter);
    return decision;
  }

  const limits: RateLimits<K> = {
    rateLimit(ctx, name, options) {
      return single(ctx.db, name, options, true);
    },

    async rateLimitAll(ctx, requests, options) {
      if (!Array.isArray(requests)) deny("INVALID_ARGUMENT", "rateLimitAll takes an array of limits");
      const { ok, retryAfter, decisions } = await apply(ctx.db, requests, true);
      if (!ok && options?.throws !== false) tooMany(retryAfter);
      return { ok, retryAfter, decisions };
    },

    checkRateLimit(ctx, name, options) {
      return single(ctx.db, name, options, false);
    },

    async resetRateLimit(ctx, name, options) {
      const key = checkKey(options?.key);
      limitOf(name);
      const db: Db = ctx.db;
      // At most 256 rows (the shards of one key), found by one index range.
      const rows = (await db
        .query(RATE_LIMIT_TABLE)
        .withIndex(RATE_LIMIT_INDEX, (q: Db) => q.eq("name", name).eq("key", key))
        .collect()) as Row[];
      for (const row of rows) await db.delete(row._id);
    },

    async getRateLimitState(ctx, name, options) {
      const key = checkKey(options?.key);
      const limit = limitOf(name);
      const shard = options?.shard ?? 0;
      if (!Number.isInteger(shard) || shard < 0 || shard >= limit.shards) {
        deny("INVALID_ARGUMENT", `rate limit '${name}' has no shard ${typeof shard === "number" ? shard : quoted(shard)}`);
      }
      return stateOf(await readRow(ctx.db, name, key, shard), limit);
    },

    rateLimitStatus(name, state, now, options) {
      const it = item(name, options?.count, num(options?.shard ?? 0), state ?? null);
      return run([it], now, false).decisions[0]!;
    },

    decideRateLimits(requests, now, options) {
      if (!Array.isArray(requests)) deny("INVALID_ARGUMENT", "decideRateLimits takes an array");
      // An index loop, not map: a hole in a sparse array is an entry too (refused, not
      // skipped). Not Array.from either: its iterator and mapping callback cost more than the
      // decision itself.
      const n = requests.length;
      const items = new Array<Item>(n);
      for (let i = 0; i < n; i++) {
        const r = requests[i];
        items[i] = item(r?.name, r?.count, num(r?.shard ?? 0), r?.state ?? null);
      }
      return run(items, now, options?.consume !== false);
    },
  };
  validators.set(limits, compile);
  return limits;
}
