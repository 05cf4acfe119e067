// The engine's I/O area from the attacker's side: code the caller controls (a Proxy's traps, a
// getter, a patched global) that runs in the middle of an engine call and makes engine calls of
// its own. Found by an attacker's review of the engine's own ABI: before the fixes, a Proxy
// passed as a hash made the engine verify bytes that were not the code's hash, and wrote into
// memory the nested calls had freed and reused (another guard's rate limit admitted 1,000
// requests of a limit of 2); a nested call from crypto.getRandomValues made the outer call
// read another instance's memory; a patched Array iterator reordered the roles the engine saw.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConvexError } from "convex/values";
import { defineCodes, defineGuard, signCode } from "convex-guard";
import { admitted } from "./admitted.mjs";

const codeOf = (e) => e?.data?.code ?? e?.code;

/** A Proxy of a Uint8Array that makes engine call `nested` at its first element read. */
function reentrant(bytes, nested) {
  let fired = false;
  return new Proxy(new Uint8Array(bytes.length), {
    get(t, k) {
      if (k === "length") return bytes.length;
      if (typeof k === "string" && /^\d+$/.test(k)) {
        if (!fired) {
          fired = true;
          nested();
        }
        return bytes[+k];
      }
      return Reflect.get(t, k);
    },
  });
}

/** 1,000 requests 1 ms apart against the victim's "msg" limit, its rows stored as a server would. */
test("a Proxy standing for a hash is refused before anything is written: verify never accepts it", async () => {
  const codes = defineCodes();
  const now = Date.UTC(2026, 0, 1);
  const binding = { actor: "alice", action: "delete:account", target: "doc1" };
  const stored = codes.issue(await signCode("s3cret-".repeat(8), codes.message(binding, "12345678")), now);
  const filler = { actor: "m".repeat(40), action: "x", target: "" };
  const first32 = codes.message(filler, "00000000").slice(0, 32);
  const presented = reentrant(first32, () => codes.message(filler, "00000000"));
  assert.throws(
    () => codes.verify(stored, presented, now + 1000),
    (e) => e instanceof ConvexError && codeOf(e) === "INVALID_ARGUMENT",
  );
  // The bytes themselves, honestly presented, are a wrong code; the record is intact.
  const honest = codes.verify(stored, first32, now + 1000);
  assert.equal(honest.outcome, "wrong");
  assert.equal(stored.used, false);
});

test("a real Uint8Array that lies about its length (own getter, subclass) is written as it is, never as it says", async () => {
  const codes = defineCodes();
  const now = Date.UTC(2026, 0, 1);
  const binding = { actor: "alice", action: "delete:account", target: "doc1" };
  const secret = "s3cret-".repeat(8);
  const stored = codes.issue(await signCode(secret, codes.message(binding, "12345678")), now);
  const wrong = new Uint8Array(await signCode(secret, codes.message(binding, "00000000")));
  const refusedOrWrong = (f) => {
    try {
      const r = f();
      assert.equal(r.outcome, "wrong");
    } catch (e) {
      assert.ok(e instanceof ConvexError && codeOf(e) === "INVALID_ARGUMENT", String(e));
    }
  };
  // A nested call from a `length` getter (own, then a subclass's) while the area is held.
  const filler = { actor: "m".repeat(22), action: "x", target: "y" };
  const guess = codes.message(filler, "00000000").slice(0, 32);
  const own = new Uint8Array(guess);
  Object.defineProperty(own, "length", { get: () => (codes.message(filler, "00000000"), 32) });
  refusedOrWrong(() => codes.verify(stored, own, now + 1000));
  class Hash extends Uint8Array {
    get length() {
      codes.message(filler, "00000000");
      return 32;
    }
  }
  refusedOrWrong(() => codes.verify(stored, new Hash(guess), now + 1000));
  // Lengths that lie without any nested call: 64 bytes that say 32, a hash that says 0 once.
  codes.message({ actor: "a".repeat(200), action: "x" }, "1");
  const twice = new Uint8Array(64);
  twice.set(wrong, 0);
  twice.set(wrong, 32);
  Object.defineProperty(twice, "length", { get: () => 32 });
  const hash = new Uint8Array(stored.hash);
  let reads = 0;
  Object.defineProperty(hash, "length", { get: () => (++reads === 3 ? 0 : 32) });
  refusedOrWrong(() => codes.verify({ ...stored, hash }, twice, now + 1000));
  assert.equal(stored.used, false);
});

test("a real Uint8Array whose prototype is a Proxy runs its traps before the engine is called, never while its input is written", async () => {
  const codes = defineCodes();
  const now = Date.UTC(2026, 0, 1);
  const secret = "s3cret-".repeat(8);
  const binding = { actor: "alice", action: "delete:account", target: "doc1" };
  const stored = codes.issue(await signCode(secret, codes.message(binding, "12345678")), now);
  const wrong = new Uint8Array(await signCode(secret, codes.message(binding, "00000000")));
  // The trap makes a nested call whose input fills the I/O area's first 32 bytes, and makes
  // the presented bytes equal to them: were it run after the stored hash was written, the
  // engine would compare the area with itself.
  const presented = new Uint8Array(wrong);
  let traps = 0;
  Object.setPrototypeOf(
    presented,
    new Proxy(
      {},
      {
        getPrototypeOf() {
          traps++;
          const m = codes.message({ actor: "a".repeat(16), action: "b".repeat(8), target: "c".repeat(7) }, "1");
          Uint8Array.prototype.set.call(presented, m.subarray(0, 32));
          return Uint8Array.prototype;
        },
      },
    ),
  );
  const r = codes.verify(stored, presented, now + 1000);
  assert.ok(traps > 0, "the trap ran");
  assert.equal(r.outcome, "wrong");
  assert.equal(r.record.used, false);
  // A detached hash is the documented error, not a TypeError.
  const detached = new Uint8Array(32);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  assert.throws(() => codes.verify(stored, detached, now + 1000), (e) => e instanceof ConvexError && codeOf(e) === "INVALID_ARGUMENT");
  // And the engine still answers honestly.
  assert.equal(codes.verify(stored, wrong, now + 1000).outcome, "wrong");
});

test("a payload longer than it says is never written past the I/O area into another guard's limit", () => {
  const victim = defineGuard({ roles: ["user"], rateLimits: { msg: { kind: "fixed window", rate: 2, period: 60_000 } } });
  const codes = defineCodes();
  codes.generate();
  codes.message({ actor: "a", action: "x", target: "ZZZZZZZZ" }, "1");
  victim.rateLimitStatus("msg", null, 0);
  const payload = new Uint8Array(27_888 + 32);
  const view = new DataView(payload.buffer);
  view.setBigUint64(72, 0x100000000n, true);
  view.setBigUint64(27_880, 0x100000000n, true);
  const at = 27_888;
  view.setBigUint64(at, 60_000n, true);
  view.setUint32(at + 8, 1e6, true);
  view.setUint32(at + 12, 1e6, true);
  view.setUint32(at + 16, 1, true);
  view.setUint32(at + 20, 1e6, true);
  view.setBigUint64(at + 24, 0x11035000000003n, true);
  Object.defineProperty(payload, "length", { get: () => 32 });
  assert.throws(() => codes.verify(null, payload, 0), (e) => codeOf(e) === "INVALID_ARGUMENT");
  assert.equal(admitted(victim, "msg", 1000).admitted, 2);
});

test("no nested call can move the I/O area under another guard's compiled limit", () => {
  const victim = defineGuard({ roles: ["user"], rateLimits: { msg: { kind: "fixed window", rate: 2, period: 60_000 } } });
  const codes = defineCodes();
  codes.validate();
  // Grow and shrink the I/O area, then present a hash whose first read makes the area move and
  // the victim's limit be compiled into the freed block (the shape the attack used).
  try {
    codes.message({ actor: "a", action: "b", target: "t".repeat(800_000) }, "1");
  } catch {}
  defineGuard({ roles: ["u"], rateLimits: { m: { rate: 3, period: 1000 } } }).rateLimitStatus("m", null, 0);
  codes.message({ actor: "a".repeat(100), action: "b", target: "" }, "1");
  const forged = new Uint8Array(32);
  const view = new DataView(forged.buffer);
  view.setBigUint64(0, 60_000n, true);
  view.setUint32(8, 1e6, true);
  view.setUint32(12, 1e6, true);
  view.setUint32(16, 1, true);
  view.setUint32(20, 1e6, true);
  forged[24] = 3;
  const presented = reentrant(forged, () => {
    try {
      codes.message({ actor: "a", action: "b", target: "t".repeat(200_000) }, "1");
    } catch {}
    victim.rateLimitStatus("msg", null, 0);
  });
  assert.throws(() => codes.verify(null, presented, 0), (e) => codeOf(e) === "INVALID_ARGUMENT");
  const { admitted: count, state } = admitted(victim, "msg", 1000);
  assert.equal(count, 2);
  assert.deepEqual(victim.rateLimitStatus("msg", state, 5000), { ok: false, remaining: 0, retryAfter: 56_000 });
});

test("an engine call made from inside crypto.getRandomValues ends the outer call with an error, never another instance's bytes", () => {
  const codes = defineCodes(); // 8 digits
  const real = crypto.getRandomValues;
  let once = true;
  let nested;
  crypto.getRandomValues = function (view) {
    if (once) {
      once = false;
      try {
        codes.generate();
      } catch (e) {
        nested = e;
      }
      codes.message({ actor: "someone-else", action: "delete:account", target: "doc9" }, "11112222");
    }
    return real.call(crypto, view);
  };
  try {
    assert.throws(() => codes.generate(), /an engine call was made from inside crypto.getRandomValues/);
  } finally {
    crypto.getRandomValues = real;
  }
  assert.ok(nested instanceof Error, "the nested call was refused");
  // Afterwards the engine answers normally, in a fresh instance.
  assert.match(codes.generate(), /^[0-9]{8}$/);
});

test("the roles the engine numbers are the roles the guard names, whatever iteration does", () => {
  const guard = defineGuard({ roles: ["user", "admin"], permissions: { admin: ["delete:users"] } });
  const original = Array.prototype[Symbol.iterator];
  Array.prototype[Symbol.iterator] = function () {
    if (this.length === 2 && this[0] === "user" && this[1] === "admin") return original.call(["admin", "user"]);
    return original.call(this);
  };
  try {
    assert.equal(guard.can({ role: "user" }, "delete:users"), false);
    assert.equal(guard.can({ role: "admin" }, "delete:users"), true);
    assert.equal(guard.roleAtLeast({ role: "user" }, "admin"), false);
  } finally {
    Array.prototype[Symbol.iterator] = original;
  }
});

test("a document without a string id is malformed facts, not a parent to inherit from", () => {
  const guard = defineGuard({ roles: ["user"], access: {} });
  const facts = {
    now: 1,
    caller: "alice",
    groups: [],
    documents: [
      { id: undefined, owner: "alice", visibility: "private", parent: null, grants: [] },
      { id: "x", owner: "bob", visibility: "private", parent: undefined, grants: [] },
    ],
  };
  assert.throws(() => guard.resolveAccess(facts), (e) => codeOf(e) === "INVALID_ARGUMENT");
});
