// The fixture of engine-recovery.test.mjs, imported by each scenario in a process of its own:
// a guard with every capability, the answers it must give, and the two ways of interrupting
// an engine call (the JavaScript stack exhausted; the engine's memory exhausted).
import { defineCodes, defineGuard } from "convex-guard";
import { emptyQuery } from "./storable.mjs";

/**
 * Every engine instance made in this process (the loader makes them with `new Instance`; the
 * bridge to `env.random` it also makes, which has no memory, is not one).
 */
export const made = [];
const { Instance } = WebAssembly;
WebAssembly.Instance = function (...args) {
  const instance = new Instance(...args);
  if (instance.exports.memory) made.push(instance);
  return instance;
};

export const guard = defineGuard({
  roles: ["user", "admin"],
  permissions: { user: ["read:x"], admin: ["write:*"] },
  access: { tables: { docs: { owner: "ownerId", visibility: "visibility" } } },
  rateLimits: { send: { rate: 2, period: 1000 } },
  confirmations: {},
});
export const codes = defineCodes();

/** What the fake ctx's `db.insert` received (the audit rows, redacted). */
export const rows = [];
// \`query\` finds nothing: the audit trail reads its table once to check it is declared.
export const ctx = { db: { query: emptyQuery, insert: async (_table, row) => void rows.push(row) } };

const HASH = new Uint8Array(32).fill(7);
const OTHER = new Uint8Array(32).fill(9);
/** A sliding window of 2 per second that admitted 2 at t=0: full until t=1000. */
export const FULL = { t: 0, a: 2, b: 0, log: [] };
export const facts = (caller) => ({
  now: 5,
  caller,
  groups: [],
  documents: [
    { id: "mine", owner: "u1", visibility: "private", parent: null, grants: [] },
    { id: "open", owner: "u2", visibility: "public", parent: null, grants: [] },
  ],
});

/** `f()`'s value, or the code of what it threw. */
function outcome(f) {
  try {
    return { value: f() };
  } catch (e) {
    return { error: nameOf(e) };
  }
}

/**
 * One call of every capability with a known answer (allows and denials), and one that needs
 * the engine to allocate 64 KiB (a permission name that long is refused, after it was copied in).
 */
export async function knownAnswers() {
  const record = outcome(() => codes.issue(HASH, 1000)).value ?? null;
  // Let audit calls made without awaiting (the stack dive's) land first: only this call's row
  // is read back below.
  await new Promise((resolve) => setTimeout(resolve, 0));
  rows.length = 0;
  const logged = await guard.audit.log(ctx, { action: "a", outcome: "o", details: { password: "hunter2", note: "n" } }).then(
    () => "logged",
    (e) => e?.constructor?.name,
  );
  return {
    logged,
    can: outcome(() => [
      guard.can("admin", "write:x"),
      guard.can("user", "write:x"),
      guard.can("user", "read:x"),
      guard.can("user", "new:name"),
      guard.roleAtLeast("admin", "user"),
      guard.roleAtLeast("user", "admin"),
    ]),
    bigName: outcome(() => guard.can("user", "y".repeat(65536))),
    access: outcome(() => guard.resolveAccess(facts("u1")).map((r) => r.level)),
    stranger: outcome(() => guard.resolveAccess(facts("u3")).map((r) => r.level)),
    share: outcome(() => [guard.canShare("editor", "viewer").ok, guard.canTransfer("inherited").ok]),
    status: outcome(() => [guard.rateLimitStatus("send", null, 5), guard.rateLimitStatus("send", FULL, 5)]),
    decide: outcome(() => guard.decideRateLimits([{ name: "send", state: FULL }], 1500).outcomes),
    code: outcome(() => /^[0-9]{8}$/.test(codes.generate())),
    verify: outcome(() => [
      codes.verify(record, HASH, 2000).outcome,
      codes.verify(record, OTHER, 2000).outcome,
      codes.verify(record, HASH, 1000 + 300_000).outcome,
    ]),
    message: outcome(() => [...codes.message({ actor: "u1", action: "delete" }, " 1234-5678", { typed: true })]),
    redacted: rows.map((r) => r.details),
  };
}

/** The name of what `f` threw: a ConvexError's or the engine's code, else the class. */
const nameOf = (e) => e?.data?.code ?? e?.code ?? e?.constructor?.name ?? typeof e;

/** What a completed call may throw: the guard's own errors (no regular expression here: V8
 * cannot compile one at the stack's edge). */
const GUARD_CODES = new Set(["INVALID_ARGUMENT", "INVALID_CONFIG", "FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED", "RATE_LIMITED"]);

/**
 * Recurses until the stack is exhausted, then calls `call` at every depth on the way back
 * (the pattern of a test that exhausted the stack), until a few depths in a row completed.
 * Returns how many calls threw (by error name), completed (returned, or threw a guard error),
 * and answered "allowed" (`call` returns true for an allow).
 */
export function dive(call) {
  const out = { thrown: {}, allowed: 0, completed: 0 };
  let clear = 0;
  const down = () => {
    try {
      down();
    } catch {
      // the bottom
    }
    if (clear >= 8) return;
    let name;
    try {
      if (call() === true) out.allowed++;
    } catch (e) {
      name = nameOf(e);
      out.thrown[name] = (out.thrown[name] ?? 0) + 1;
    }
    if (name === undefined || GUARD_CODES.has(name)) {
      out.completed++;
      clear++;
    } else clear = 0;
  };
  down();
  return out;
}

// The loader builds the engine's errors with the global `Error`, as soon as the engine returned
// one (js/engine-io.ts `check`). Armed, the next such construction recurses until the stack is
// exhausted: the RangeError then escapes the engine call half-way through its error, as when a
// deep caller runs out of stack there. (Running out inside the engine's own frames is what the
// dives reach: the engine calls no JavaScript mid-call but `env.random`.)
let exhaustNext = false;
const exhaust = () => exhaust() + 1;
globalThis.Error = new Proxy(Error, {
  construct(target, args, newTarget) {
    if (exhaustNext) {
      exhaustNext = false;
      exhaust();
    }
    return Reflect.construct(target, args, newTarget);
  },
});

/** `call()` with the stack exhausted inside the engine, at its first error: what it did. */
export function exhaustedInside(call) {
  exhaustNext = true;
  try {
    return attempt(call);
  } finally {
    exhaustNext = false;
  }
}

/** Grows the live instance's memory to the most it can have: the next large allocation fails. */
export function exhaustMemory() {
  const memory = made.at(-1).exports.memory;
  for (let step = 32768; step >= 1; step >>= 1) {
    try {
      memory.grow(step);
    } catch {
      // that step no longer fits; try half of it
    }
  }
  return memory.buffer.byteLength;
}

/** The message of what the last failed {@link attempt} threw. */
export let lastMessage;

/** `f()`, or the name of what it threw (the engine's trap, for one); its message: {@link lastMessage}. */
export function attempt(f) {
  const failed = (e) => {
    lastMessage = e?.message;
    return { error: nameOf(e) };
  };
  try {
    const value = f();
    if (value instanceof Promise) return value.then((v) => ({ value: v }), failed);
    return { value };
  } catch (e) {
    return failed(e);
  }
}
