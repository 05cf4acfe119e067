/**
 * Rate limiting's codec: the only code that packs requests into the engine's I/O buffer and
 * unpacks its decisions (src/ratelimit.rs). The configured limits are compiled into the engine
 * by ratelimit-config.ts; storage is ratelimit-store.ts; the public types are ratelimit.ts.
 */
import { discardUnlessOwn, num, type RateLimiter } from "./engine.js";
import { deny, rethrow } from "./errors.js";
import type { RateLimitBatchDecision, RateLimitDecision, RateLimitOutcome, RateLimitSpec, RateLimitState } from "./ratelimit.js";
import {
  RL_ANSWER_HEAD,
  RL_ANSWER_RETRY_AFTER,
  RL_IN,
  RL_IN_A,
  RL_IN_B,
  RL_IN_COUNT,
  RL_IN_HAS_STATE,
  RL_IN_LIMIT,
  RL_IN_LOG_LEN,
  RL_IN_SHARD,
  RL_IN_T,
  RL_IO_LEN,
  RL_LOG,
  RL_LOGS_AT,
  RL_MAX_BATCH,
  RL_OUT,
  RL_OUT_A,
  RL_OUT_AT,
  RL_OUT_B,
  RL_OUT_LOG,
  RL_OUT_LOG_LEN,
  RL_OUT_LOGS_AT,
  RL_OUT_OK,
  RL_OUT_REMAINING,
  RL_OUT_RETRY_AFTER,
  RL_OUT_T,
  RL_OUT_WRITE,
  RATE_LIMIT_KINDS,
  CLIENT_MESSAGE,
  quoted,
  rateLimitNamed,
  unknownRateLimit,
  type Same,
} from "./generated/wire.js";

// The public kinds (RateLimitSpec) are exactly the engine's: tsc fails here otherwise.
const kindsMatch: Same<NonNullable<RateLimitSpec["kind"]>, (typeof RATE_LIMIT_KINDS)[number]> = true;
void kindsMatch;

/** One compiled limit. @internal */
export type Compiled = { id: number; shards: number; fingerprint: string };

/**
 * What one decision needs from the JavaScript side. The numbers after `state` are its fields
 * as the engine reads them, filled by `decide` (see `read`) before anything is written. @internal
 */
export type Item = {
  name: string;
  limit: Compiled;
  shard: number;
  count: number;
  state: RateLimitState | null;
  t: number;
  a: number;
  b: number;
  /** The log's length as the caller's array gives it (0 without a state or log). */
  logLength: number;
  /** Its first entries (at most a log slot), or `null` when there are none. */
  entries: Float64Array | null;
};

/**
 * The compiled limits, the engine's limiter, and its I/O buffer in that instance's memory.
 * @internal
 */
export type Engine = {
  limits: Map<string, Compiled>;
  limiter: RateLimiter;
  memory: WebAssembly.Memory;
  at: number;
  view: Float64Array;
  /** The name last found by `limitOf` and its limit: most calls name the same limit again. */
  lastName: string;
  lastLimit: Compiled | undefined;
};

/**
 * Prefixes an engine error with the limit names it concerns (`named`: one name, or the items'),
 * then translates it. Anything else goes to `rethrow` at once: the names are only formatted for
 * the engine's own errors. One name is wrapped here, not by the caller: `ask`'s catch stays
 * small, which keeps a single decision within what V8 inlines into `decideOne` (measured: 39
 * fewer instructions per decision, `use` being inlined then).
 * (A call interrupted inside the engine left its instance discarded already, engine.ts
 * `enter`: at the edge of the stack this catch may not get that far.) @internal
 */
export function renamed(e: unknown, named: string | readonly { name: string }[]): never {
  const items = typeof named === "string" ? [{ name: named }] : named;
  if (e instanceof Error && typeof (e as { code?: unknown }).code === "string") {
    discardUnlessOwn(e); // an engine error's message is filled in there, before it is prefixed
    // Each name once: a batch refused for its size may name one limit many times. An empty
    // batch names none (its message was "rate limit : ...").
    if (items.length > 0) e.message = rateLimitNamed([...new Set(items.map((it) => quoted(it.name)))].join(", "), e.message);
  }
  rethrow(e);
}

/**
 * The view over the engine's I/O buffer (at byte address `e.at` in its memory, laid out as
 * src/wire.rs says: the `RL_*` offsets), made again when the memory has grown (a grown memory
 * detaches the old buffer: the view's length reads 0, and `length` is cheaper to read than
 * `byteLength`, a measured 10 ns per call).
 */
function buffer(e: Engine): Float64Array {
  if (e.view.length === 0) e.view = new Float64Array(e.memory.buffer, e.at, RL_IO_LEN);
  return e.view;
}

/** The compiled limit `name`, or `INVALID_ARGUMENT` when there is none. @internal */
export function limitOf(e: Engine, name: string): Compiled {
  // The same name as last time: no Map look-up (measured ~10 ns of a pure decision). Only
  // names found are remembered, and `===` never matches a name the Map would not.
  if (name === e.lastName && e.lastLimit !== undefined) return e.lastLimit;
  const limit = e.limits.get(name);
  if (limit === undefined) deny("INVALID_ARGUMENT", unknownRateLimit(quoted(name)));
  e.lastName = name;
  e.lastLimit = limit;
  return limit;
}

/** The cost a request states: its `count`, 1 when it has none; a number for the engine to check. @internal */
export function costOf(count: unknown): number {
  return count === undefined ? 1 : num(count);
}

/** One request of limit `name`: its cost ({@link costOf}), shard and stored state. @internal */
export function item(e: Engine, name: string, count: unknown, shard: number, state: RateLimitState | null): Item {
  const limit = limitOf(e, name);
  return { name, limit, shard, count: costOf(count), state, t: 0, a: 0, b: 0, logLength: 0, entries: null };
}

/** The answer to a batch of requests, with each request's outcome. @internal */
export type Answer = RateLimitBatchDecision & { outcomes: RateLimitOutcome[] };

/**
 * Writes the items into the engine's buffer, asks the engine once in `mode` (`RL_CHECK`,
 * `RL_CONSUME` or `RL_TAKE`: what it takes, and the least cost it accepts), reads the answer.
 * @internal
 */
export function decide(e: Engine, items: readonly Item[], now: number, mode: number): Answer {
  const n = items.length;
  // More than the buffer holds: the engine refuses the count before reading anything.
  if (n <= RL_MAX_BATCH) write(e, items, n);
  let status: number;
  try {
    status = e.limiter.decide(n, num(now), mode);
  } catch (error) {
    renamed(error, n > 1 && n <= RL_MAX_BATCH ? culprit(e, items, now, mode, error) : items);
  }
  const b = buffer(e); // the engine may have grown its memory
  if (n === 1) return single(outcomeOf(b, 0));
  const ok = status === 1;
  const retryAfter = b[RL_OUT_AT + RL_ANSWER_RETRY_AFTER]!;
  const decisions = new Array<RateLimitDecision>(n);
  const outcomes = new Array<RateLimitOutcome>(n);
  for (let i = 0; i < n; i++) {
    const outcome = outcomeOf(b, i);
    outcomes[i] = outcome;
    decisions[i] = decisionOf(outcome);
  }
  return { ok, retryAfter, decisions, outcomes };
}

/**
 * `decide` for one request (decideRateLimit, rateLimitStatus, a batch of one), without an
 * `Item`: the same two phases as `write` (the caller's state read into locals, then the buffer
 * fetched and filled), then one engine call; answers the request's outcome (`single` makes it a
 * batch's answer). `limit` is `limitOf(e, name)` and `count` the cost as a number, both read by
 * the caller in the order `item` reads them. @internal
 */
export function decideOne(
  e: Engine,
  name: string,
  limit: Compiled,
  count: number,
  shard: number,
  state: RateLimitState | null,
  now: number,
  mode: number,
): RateLimitOutcome {
  let t = 0;
  let a = 0;
  let bb = 0;
  let logLength = 0;
  let entries: Float64Array | null = null;
  if (state !== null) {
    if (state === undefined) undefinedState(name);
    t = num(state.t);
    a = num(state.a);
    bb = num(state.b);
    const log: unknown = state.log;
    if (!Array.isArray(log)) notAState(name);
    if ((logLength = log.length) !== 0) entries = entriesOf(log, logLength);
  }
  // The buffer's view is fetched only now that nothing of the caller's is left to run.
  put(buffer(e), 0, limit.id, shard, count, state === null ? 0 : 1, t, a, bb, logLength, entries);
  ask(e, 1, now, mode, name);
  return outcomeOf(buffer(e), 0); // the buffer fetched again: the engine may have grown its memory
}

/** The engine's decision on the `n` requests in the buffer, its errors prefixed with their names. */
function ask(e: Engine, n: number, now: number, mode: number, named: string | readonly { name: string }[]): number {
  try {
    return e.limiter.decide(n, num(now), mode);
  } catch (error) {
    renamed(error, named);
  }
}

/**
 * Of a batch the engine refused with `error`, the one request its error is about: the first
 * the engine refuses alone with the same message (a count beyond one limit's capacity names
 * that limit, not every limit of the batch). Every request when none is, or when all are: the
 * batch's own mistake (a request twice, a bad `now`). Asked again from the numbers already in
 * the items (nothing of the caller's is read twice); the buffer is rewritten, which nothing
 * reads after a refusal. A failure other than the engine's own ends the search.
 */
function culprit(e: Engine, items: readonly Item[], now: number, mode: number, error: unknown): readonly Item[] {
  // Only the engine's refusal of an argument: after any other failure the instance is gone.
  if ((error as { code?: unknown } | null)?.code !== "INVALID_ARGUMENT") return items;
  discardUnlessOwn(error); // its message is filled in there
  const message = (error as { message?: unknown } | null)?.message;
  const refused: Item[] = [];
  try {
    for (const it of items) {
      putItem(buffer(e), 0, it);
      try {
        e.limiter.decide(1, num(now), mode);
      } catch (alone) {
        if (typeof (alone as { code?: unknown } | null)?.code !== "string") throw alone;
        discardUnlessOwn(alone);
        if ((alone as Error).message === message) refused.push(it);
      }
    }
  } catch (other) {
    discardUnlessOwn(other);
    return items;
  }
  return refused.length > 0 && refused.length < items.length ? [refused[0]!] : items;
}

/**
 * The answer to a batch of one request, from its outcome, built in one place with fixed shapes:
 * array literals, cheaper than arrays made with a length and filled in. A batch of one is
 * admitted exactly when its request is, and waits as long: the answer head (`RL_ANSWER_*`)
 * repeats the decision record, so only the record is read. @internal
 */
export function single(outcome: RateLimitOutcome): Answer {
  return { ok: outcome.ok, retryAfter: outcome.retryAfter, decisions: [decisionOf(outcome)], outcomes: [outcome] };
}

/**
 * The engine's answer to request `i`, read from the buffer `b`, with the state to write when
 * there is one. An empty log (every kind but a sliding log) is an array literal: measured, a
 * loop that pushes nothing costs a pure decision about 30 ns more. The state is built here, not
 * in a function of its own: V8 then inlines all of a pure decision's answer into one function.
 */
function outcomeOf(b: Float64Array, i: number): RateLimitOutcome {
  const o = RL_OUT_AT + RL_ANSWER_HEAD + i * RL_OUT;
  const ok = b[o + RL_OUT_OK] === 1;
  const remaining = b[o + RL_OUT_REMAINING]!;
  const retryAfter = b[o + RL_OUT_RETRY_AFTER]!;
  let state: RateLimitState | null = null;
  if (b[o + RL_OUT_WRITE] === 1) {
    const length = b[o + RL_OUT_LOG_LEN]!;
    const log = length === 0 ? [] : logOf(b, RL_OUT_LOGS_AT + i * RL_OUT_LOG, length);
    state = { t: b[o + RL_OUT_T]!, a: b[o + RL_OUT_A]!, b: b[o + RL_OUT_B]!, log };
  }
  return { ok, remaining, retryAfter, state } as RateLimitOutcome;
}

/** The `length` entries of the log slot at `at`. */
function logOf(b: Float64Array, at: number, length: number): number[] {
  const log: number[] = [];
  for (let j = at, end = at + length; j < end; j++) log.push(b[j]!);
  return log;
}

/** The decision of an outcome, without its state (a separate object, as the API returns). @internal */
export function decisionOf(o: RateLimitOutcome): RateLimitDecision {
  return { ok: o.ok, remaining: o.remaining, retryAfter: o.retryAfter } as RateLimitDecision;
}

/**
 * Refuses a state of limit `name` whose log is not an array: no state a decision answers (each
 * kind's has a log, empty but a sliding log's), and what the caller most likely passed is the
 * row that holds the state, or `{}`. Named here rather than sent on to the engine, whose
 * refusal of such a log would name whichever of the state's checks it meets first.
 */
function notAState(name: string): never {
  deny("INVALID_ARGUMENT", rateLimitNamed(quoted(name), CLIENT_MESSAGE.RATE_LIMIT_STATE_LOG));
}

/** Refuses a state of limit `name` that is `undefined`: not `null` (no state), but no answer yet (a loading `useQuery`), which must not decide as a fresh key. */
function undefinedState(name: string): never {
  deny("INVALID_ARGUMENT", rateLimitNamed(quoted(name), CLIENT_MESSAGE.RATE_LIMIT_STATE_UNDEFINED));
}

/**
 * Copies the requests into the engine's buffer and returns the buffer's view. In two phases:
 * first the caller's state objects are read into plain numbers in our own items (their getters
 * and Proxy traps run the caller's code, which may itself ask for a decision that uses this
 * very buffer, or grow the engine's memory); then, with nothing of the caller's left to run,
 * the numbers are copied into the buffer, fetched only now. A decision asked for from inside a
 * state's getter so never overwrites half-written requests. Nothing is allocated but the log
 * entries of a sliding log.
 */
function write(e: Engine, items: readonly Item[], n: number): void {
  for (let i = 0; i < n; i++) read(items[i]!);
  const b = buffer(e);
  for (let i = 0; i < n; i++) putItem(b, i, items[i]!);
}

/** An item already `read`, as request record `i` of the buffer `b`. */
function putItem(b: Float64Array, i: number, it: Item): void {
  put(b, i, it.limit.id, it.shard, it.count, it.state === null ? 0 : 1, it.t, it.a, it.b, it.logLength, it.entries);
}

/** Request record `i` (and its log slot) in the buffer `b`, as src/wire.rs lays it out. */
function put(
  b: Float64Array,
  i: number,
  id: number,
  shard: number,
  count: number,
  hasState: number,
  t: number,
  a: number,
  bb: number,
  logLength: number,
  entries: Float64Array | null,
): void {
  const o = i * RL_IN;
  b[o + RL_IN_LIMIT] = id;
  b[o + RL_IN_SHARD] = shard;
  b[o + RL_IN_COUNT] = count;
  b[o + RL_IN_HAS_STATE] = hasState;
  b[o + RL_IN_T] = t;
  b[o + RL_IN_A] = a;
  b[o + RL_IN_B] = bb;
  b[o + RL_IN_LOG_LEN] = logLength;
  if (entries !== null) b.set(entries, RL_LOGS_AT + i * RL_LOG);
}

/**
 * The first entries of a log of `length` entries (the caller's, possibly hostile, length: a
 * Proxy's length that is no array length throws as it always did), as numbers: the slot holds
 * one more entry than any valid log, so a longer log is refused as is.
 */
function entriesOf(log: readonly unknown[], length: number): Float64Array {
  const entries = new Float64Array(Math.min(length, RL_LOG));
  for (let j = 0; j < entries.length; j++) entries[j] = num(log[j]);
  return entries;
}

/** The first phase of `write`: the caller's state, read once, as numbers in `it`. */
function read(it: Item): void {
  const s = it.state;
  if (s === null) {
    // No state: HAS_STATE and LOG_LEN are 0 (the fields of another call may be left).
    it.t = it.a = it.b = it.logLength = 0;
    it.entries = null;
    return;
  }
  if (s === undefined) undefinedState(it.name);
  it.t = num(s.t);
  it.a = num(s.a);
  it.b = num(s.b);
  const log: unknown = s.log;
  if (!Array.isArray(log)) notAState(it.name);
  const length = log.length;
  it.logLength = length;
  it.entries = length === 0 ? null : entriesOf(log, length);
}
