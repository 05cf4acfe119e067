/**
 * Rate limiting's codec: compiles the configured limits into the engine (src/ratelimit.rs) and
 * is the only code that packs requests into the engine's I/O buffer and unpacks its decisions.
 * Storage is ratelimit-store.ts; the public types are ratelimit.ts.
 */
import { RateLimiter, engineMemory, num } from "./engine.js";
import { deny, GuardConfigError, quoted, rethrow } from "./errors.js";
import type { RateLimitBatchDecision, RateLimitDecision, RateLimitOutcome, RateLimitSpec, RateLimitState } from "./ratelimit.js";

/** One compiled limit. @internal */
export type Compiled = { id: number; shards: number; fingerprint: string };

/** What one decision needs from the JavaScript side. @internal */
export type Item = { name: string; limit: Compiled; shard: number; count: number; state: RateLimitState | null };

/** Numbers per request and per decision record in the engine's I/O buffer. */
const IN = 8;
const OUT = 8;

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

/**
 * The compiled limits, the engine's limiter, and its I/O buffer in that instance's memory.
 * @internal
 */
export type Engine = { limits: Map<string, Compiled>; limiter: RateLimiter; memory: WebAssembly.Memory; io: Io; view: Float64Array };

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

/** The view over the engine's I/O buffer, made again when the memory has grown. */
function buffer(e: Engine): Float64Array {
  if (e.view.byteLength === 0) e.view = new Float64Array(e.memory.buffer, e.io.at, e.io.len);
  return e.view;
}

/** Validates and compiles the configured limits into a fresh engine limiter. @internal */
export function compileLimits(config: object | undefined): Engine {
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

/** The compiled limit `name`, or `INVALID_ARGUMENT` when there is none. @internal */
export function limitOf(e: Engine, name: string): Compiled {
  const limit = e.limits.get(name);
  if (limit === undefined) deny("INVALID_ARGUMENT", `unknown rate limit ${quoted(name)}`);
  return limit;
}

/** One request of limit `name`: its cost (default 1), shard and stored state. @internal */
export function item(e: Engine, name: string, count: unknown, shard: number, state: RateLimitState | null): Item {
  return { name, limit: limitOf(e, name), shard, count: count === undefined ? 1 : num(count), state };
}

/** Writes the items into the engine's buffer, asks the engine once, reads the answer. @internal */
export function decide(
  e: Engine,
  items: readonly Item[],
  now: number,
  consume: boolean,
): RateLimitBatchDecision & { outcomes: RateLimitOutcome[] } {
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
