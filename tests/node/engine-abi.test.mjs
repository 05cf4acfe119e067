// The engine's own calling convention (src/wire.rs `abi`, js/engine-objects.ts), below the
// TypeScript layer: handles are checked (kind, range, generation), builders are consumed by
// `build` whether it succeeds or not, nothing the JavaScript side sends can reach undefined
// behaviour (a call that makes no sense is refused with a plain Error, which discards the
// instance), and objects whose wrappers were collected are freed in the engine.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { AccessLevelsBuilder, CompiledPolicy, PolicyBuilder, RateLimiter, checked, discardUnlessOwn, engine, enter, input, leave, live, text } from "./engine-ts.mjs";
import { accessInts, accessTimes, engineMessage, wire } from "./wire-ts.mjs";

/** Whether `e` is the plain Error of a call the engine refused to make sense of. */
const malformed = (e) => e instanceof Error && e.code === undefined && /malformed call/.test(e.message);
/** Whether `e` is the plain Error of an object of another instance, or a builder built. */
const stale = (e) => e instanceof Error && e.code === undefined && /discarded instance/.test(e.message);

function policy() {
  const b = new PolicyBuilder();
  b.role("user");
  b.role("admin");
  b.grant("admin", "x:*");
  return b.build();
}

test("a builder is consumed by build, successful or not", () => {
  const b = new PolicyBuilder();
  b.role("user");
  const p = b.build();
  assert.deepEqual([...p.holders("a:b")], [0, 0]);
  assert.throws(() => b.role("admin"), stale, "a built builder");
  assert.throws(() => b.build(), stale);
  const bad = new PolicyBuilder();
  assert.throws(() => bad.build(), (e) => e.code === "INVALID_CONFIG" && engineMessage(e) === "a policy needs at least one role");
  assert.throws(() => bad.build(), stale, "the failed build consumed it too");
  const levels = new AccessLevelsBuilder();
  levels.level("viewer");
  assert.throws(() => levels.build(), (e) => e.code === "INVALID_CONFIG");
  assert.throws(() => levels.level("owner"), stale);
});

test("a handle of another kind, or none at all, is refused without touching anything", () => {
  const p = policy();
  const limiter = new RateLimiter();
  const before = [...p.holders("x:y")];
  assert.deepEqual(before, [0, 1, 0]);
  // A compiled policy's methods on the limiter's handle, and on handles that were never made.
  for (const h of [limiter.h, 1e6, 2 ** 31 - 1, 2 ** 32 - 1]) {
    const forged = Object.create(CompiledPolicy.prototype);
    Object.assign(forged, { h, g: p.g });
    assert.throws(() => forged.holders("x:y"), malformed, `handle ${h}`);
  }
  // A limiter's I/O address asked of the policy's handle: no address is made up.
  const forgedLimiter = Object.create(RateLimiter.prototype);
  Object.assign(forgedLimiter, { h: p.h, g: p.g });
  assert.throws(() => forgedLimiter.io(), malformed);
  assert.throws(() => forgedLimiter.decide(1, 0, wire.RL_TAKE), malformed);
  // Building levels from the policy's handle: refused, and the policy is not freed by it.
  const forgedLevels = Object.create(AccessLevelsBuilder.prototype);
  Object.assign(forgedLevels, { h: p.h, g: p.g });
  assert.throws(() => forgedLevels.build(), malformed);
  // The refusals changed nothing: the same answers from the same objects.
  assert.deepEqual([...p.holders("x:y")], before);
  assert.equal(limiter.add("token bucket", 1, 1000), 0);
});

test("an object of a discarded instance throws, and the next objects live in a fresh instance", () => {
  engine();
  const p = policy();
  const generation = live.generation;
  // What a caller's catch does with an exception that is not the engine's own.
  discardUnlessOwn(new RangeError("Maximum call stack size exceeded"));
  assert.equal(live.generation, 0, "discarded");
  assert.throws(() => p.holders("x:y"), stale);
  const again = policy(); // instantiates afresh
  assert.ok(live.generation > generation);
  assert.deepEqual([...again.holders("x:y")], [0, 1, 0]);
  // The stale object's error is not the engine's own: it discards too (as wasm-bindgen's
  // "stale object" error did).
  try {
    p.atLeastTable();
  } catch (e) {
    discardUnlessOwn(e);
  }
  assert.equal(live.generation, 0);
});

test("an export that never returns leaves its instance discarded, with no catch to run; one that returns leaves it live", () => {
  const p = policy();
  const generation = live.generation;
  // Around a call that returns, the instance is live again.
  assert.equal(leave(enter(), 7), 7);
  assert.equal(live.generation, generation);
  // A call that enters and never comes back (the stack exhausted or a trap inside the engine):
  // nothing runs after it, and the instance counts as discarded all the same.
  enter();
  assert.equal(live.generation, 0, "discarded while the export runs");
  assert.throws(() => p.holders("x:y"), stale);
  const again = policy(); // instantiates afresh
  assert.ok(live.generation > generation);
  assert.deepEqual([...again.holders("x:y")], [0, 1, 0]);
});

test("an instance made while an export ran is not the one that answered: the call ends with an error", () => {
  policy();
  const g = enter();
  engine(); // code that ran inside the export made an engine call: a fresh instance
  const made = live.generation;
  assert.throws(() => leave(g, 0), /an engine call was made while another was under way/);
  assert.equal(live.generation, made, "the answer of the instance left behind is not used");
});

test("an engine error crosses as its code and parts; the message is filled by the TypeScript layer", () => {
  const p = policy();
  let error;
  try {
    p.holders("bad name ü");
  } catch (e) {
    error = e;
  }
  assert.equal(error.code, "INVALID_ARGUMENT");
  assert.equal(error.message, "");
  assert.equal(engineMessage(error), "permission name 'bad name ü' must be non-empty segments of letters, digits, '_', '-' or '.' joined by ':'");
  const generation = live.generation;
  discardUnlessOwn(error);
  assert.equal(error.message, "permission name 'bad name ü' must be non-empty segments of letters, digits, '_', '-' or '.' joined by ':'");
  assert.equal(error.parts, undefined);
  assert.equal(live.generation, generation, "the engine's own error keeps the instance");
});

/** A script's preamble that keeps every engine instance it makes in `made`, then imports the
 * package (for tests run in a process of their own). */
const WATCH_INSTANCES = `
      const made = [];
      const { Instance } = WebAssembly;
      WebAssembly.Instance = function (...args) { const i = new Instance(...args); made.push(i); return i; };
      const { defineGuard } = await import("convex-guard");`;

test("compiled objects whose wrappers were collected are freed in the engine", () => {
  // Thousands of guards defined and used, then dropped, in a long-lived process: the engine's
  // memory stays bounded (without freeing, 20,000 compiled policies and builders would take
  // several MiB). The finalizers run between turns of the event loop, after a full GC.
  const out = execFileSync(
    process.execPath,
    [
      "--expose-gc",
      "--input-type=module",
      "-e",
      `
      ${WATCH_INSTANCES}
      const settle = async () => { for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 0)); } };
      const round = async () => {
        for (let i = 0; i < 5000; i++) {
          const g = defineGuard({ roles: ["user", "admin"], permissions: { admin: ["p" + i + ":*"] } });
          if (!g.can("admin", "p" + i + ":x")) throw new Error("wrong answer");
        }
        await settle();
        return made.at(-1).exports.memory.buffer.byteLength;
      };
      const sizes = [];
      for (let r = 0; r < 4; r++) sizes.push(await round());
      console.log(JSON.stringify({ sizes, instances: made.length }));
      `,
    ],
    { cwd: new URL(".", import.meta.url).pathname, encoding: "utf8" },
  );
  const { sizes, instances } = JSON.parse(out);
  assert.equal(instances, 1, "one instance throughout");
  assert.equal(sizes.at(-1), sizes[1], `the memory stopped growing after the first round: ${sizes}`);
  assert.ok(sizes.at(-1) < 8 * 2 ** 20, `a few MiB at most: ${sizes}`);
});

test("rate limiters share one I/O buffer: guards made in one synchronous stretch stay small", () => {
  // Nothing is collected during a synchronous loop, so each guard's engine objects stay until
  // it ends: with a 28 KB buffer per limiter, 2,000 guards that rate-limit took about 56 MB
  // (an attacker's review showed 600 MB for 20,000); with one buffer, their limits alone.
  const out = execFileSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `
      ${WATCH_INSTANCES}
      const config = { roles: ["user"], rateLimits: { send: { rate: 3, period: 1000 }, login: { kind: "sliding log", rate: 5, period: 60000 } } };
      const guards = [];
      let before;
      for (let i = 0; i < 2000; i++) {
        const g = defineGuard(config);
        if (!g.rateLimitStatus("send", null, 0).ok || !g.rateLimitStatus("login", null, 0).ok) throw new Error("wrong answer");
        guards.push(g);
        if (i === 0) before = made[0].exports.memory.buffer.byteLength;
      }
      console.log(JSON.stringify({ before, after: made.at(-1).exports.memory.buffer.byteLength, instances: made.length }));
      `,
    ],
    { cwd: new URL(".", import.meta.url).pathname, encoding: "utf8" },
  );
  const { before, after, instances } = JSON.parse(out);
  assert.equal(instances, 1, "one instance throughout");
  assert.ok(after - before < 8 * 2 ** 20, `2,000 live guards took ${after - before} bytes of engine memory`);
});

test("an input that grows the engine's memory is written into the grown memory", () => {
  const b = new AccessLevelsBuilder();
  for (const l of ["viewer", "editor", "owner"]) b.level(l);
  const access = b.build();
  const before = live.memory.buffer.byteLength;
  // 8 MiB of ids (a caller in as many groups as fit in 2^21 numbers, no documents): the I/O
  // area must grow the memory (which detaches its old buffer) before they are written.
  const ints = new Uint32Array(1 << 21);
  ints[wire.ACCESS_HEAD.groupCount] = ints.length - wire.ACCESS_HEAD.length;
  let outcome;
  try {
    outcome = [...access.resolve(ints, accessTimes({ now: 1 }))];
  } catch (e) {
    outcome = e.code ?? e.constructor.name;
  }
  assert.equal(outcome, "INVALID_ARGUMENT", "the engine read the batch and refused it");
  assert.ok(live.memory.buffer.byteLength > before, "the memory grew");
  // And the next call, with its small input, answers as before (the large area was given back).
  const batch = accessInts({ caller: 0, n: 1, m: 0, columns: { owner: [0], parent: [0xffffffff], public: [0] } });
  const [owner] = access.resolve(batch, accessTimes({ now: 1 }));
  assert.equal(owner & 0xff, 3, "the caller owns its document: the owner level");
});

test("input that is not all ASCII is read as UTF-8: valid text is decided, invalid bytes are refused", () => {
  const p = policy();
  // Valid UTF-8 beyond ASCII (the engine's out-of-line path): read whole, then refused by the
  // permission rules with the name in the message, as any malformed name.
  for (const name of ["x:é", "é", "x:y😀"]) {
    assert.throws(
      () => p.holders(name),
      (e) => e.code === "INVALID_ARGUMENT" && engineMessage(e).includes(`'${name}'`),
      name,
    );
  }
  // Bytes that are not UTF-8, written below the TypeScript layer: a call that makes no sense.
  const ex = live.exports;
  for (const bytes of [[0x78, 0x3a, 0xff], [0x78, 0x3a, 0xc3], [0xed, 0xa0, 0x80]]) {
    const at = wire.opBuffer(ex, bytes.length);
    new Uint8Array(ex.memory.buffer, at, bytes.length).set(bytes);
    assert.equal(wire.opPolicyHolders(ex, p.h, bytes.length), -2, `bytes ${bytes}`); // ABI_INVALID
  }
  // The refusals changed nothing.
  assert.deepEqual([...p.holders("x:y")], [0, 1, 0]);
});

test("a call whose input another call started writing over is refused, whatever the engine answered", () => {
  // What the layer guarantees by writing only its own values: if anything ever made an engine
  // call between a call's input() and its export, the answer would be read from an area the
  // other call rewrote. `checked` notices (the token is no longer the last) and refuses.
  const p = policy();
  engine();
  const t = input();
  const at = text("x:y");
  p.holders("a:b"); // a whole call in between: its own input() rewrites the area
  assert.throws(() => checked(t, wire.opPolicyHolders(live.exports, p.h, at)), /while another was writing its input/);
  // Without one in between, the same call is answered.
  const u = input();
  assert.equal(checked(u, wire.opPolicyHolders(live.exports, p.h, text("x:y"))), 3, "a byte for each of the 2 roles and one for no role");
});
