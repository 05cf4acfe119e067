// Recovery from an interrupted engine call: a call that dies inside the engine (the JavaScript
// stack exhausted) or is refused for want of memory (the engine's memory exhausted: its I/O
// area cannot grow for the input) must fail closed, and every later call in the same context
// must answer right, from a fresh instance. Before the fix, one such call left
// the instance broken for the rest of the context ("recursive use of an object detected",
// "memory access out of bounds"). Each scenario runs in a process of its own; the guard (every
// capability), its known answers and the ways of interrupting are in recovery-fixture.mjs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fresh } from "./fresh-process.mjs";

/** The answers of a healthy engine (the fixture's knownAnswers), checked literally. */
function assertKnown(answers, when) {
  const label = `${when}: ${JSON.stringify(answers)}`;
  assert.deepEqual(answers.can.value, [true, false, true, false, true, false], label);
  assert.equal(answers.bigName.error, "INVALID_ARGUMENT", label);
  assert.deepEqual(answers.access.value, ["owner", "viewer"], label);
  assert.deepEqual(answers.stranger.value, [null, "viewer"], label);
  assert.deepEqual(answers.share.value, [true, false], label);
  assert.deepEqual(answers.status.value?.map((d) => d.ok), [true, false], label);
  assert.equal(answers.decide.value?.[0].ok, true, label);
  assert.equal(answers.code.value, true, label);
  assert.deepEqual(answers.verify.value, ["accepted", "wrong", "expired"], label);
  assert.deepEqual(answers.message.value?.length > 0, true, label);
  assert.equal(answers.logged, "logged", label);
  assert.deepEqual(answers.redacted, [{ password: "[redacted]", note: "n" }], label);
}

// Per capability:
// - `deny`: a call whose right answer is a denial (it returns true if it allowed), made at
//   every depth near the stack's edge;
// - `inside`: a call that reaches an error raised inside the engine, where the stack is then
//   exhausted (none for the secret-key rule: it raises nothing);
// - `huge`: a call that makes the engine allocate far more than it has left once its memory
//   is at its maximum.
// `n` makes permission names new, so `can` interns them (a mutable borrow inside the engine).
const CAPABILITIES = {
  "roles and permissions (can)": {
    deny: `() => f.guard.can("user", "deny:" + (n++ % 1000))`,
    inside: `() => f.guard.can("user", "bad name")`,
    huge: `() => f.guard.can("user", "z".repeat(1 << 24))`,
  },
  "access (resolveAccess)": {
    deny: `() => f.guard.resolveAccess(f.facts("u3"))[0].level !== null`,
    inside: `() => f.guard.resolveAccess({ ...f.facts("u3"), now: NaN })`,
    huge: `() => f.guard.resolveAccess({ ...f.facts("u3"), groups: Array.from({ length: 1 << 19 }, (_, i) => "g" + i) })`,
  },
  "rate limits (rateLimitStatus, decideRateLimits)": {
    deny: `() => (n++ % 2 ? f.guard.rateLimitStatus("send", f.FULL, 5).ok : f.guard.decideRateLimits([{ name: "send", state: f.FULL }], 5).ok)`,
    inside: `() => f.guard.rateLimitStatus("send", { t: 0, a: 5, b: 0, log: [] }, 5)`,
    // The limiter allocates when it compiles: a new guard's first call, after the memory is full.
    huge: `() => (async () => (await import("convex-guard")).defineGuard({ roles: ["u"], rateLimits: { k: { kind: "x".repeat(1 << 24), rate: 1, period: 1 } } }).rateLimitStatus("k", null, 5))()`,
  },
  "codes (generate, verify, message)": {
    deny: `() => (n++ % 2 ? f.codes.generate() === "" : f.codes.verify(record, new Uint8Array(32).fill(9), 2000).outcome === "accepted")`,
    inside: `() => f.codes.verify({ hash: new Uint8Array(31), expiresAt: 1, attemptsLeft: 1, used: false }, new Uint8Array(32), 0)`,
    huge: `() => f.codes.message({ actor: "x".repeat(1 << 24), action: "a" }, "1")`,
  },
  "redaction (isSecretKey, in audit.log)": {
    // The secret-key rule runs before the first await; a row that was written must be redacted.
    deny: `() => { f.guard.audit.log(f.ctx, { action: "a", outcome: "o", details: { password: "hunter2" } }).catch(() => {}); return f.rows.some((r) => JSON.stringify(r).includes("hunter2")); }`,
    inside: null,
    // Audit events are cut to storable sizes before any name reaches the engine, so even a
    // 16 MiB field name cannot exhaust its memory: the call succeeds on the same instance.
    huge: `() => f.guard.audit.log(f.ctx, { action: "a", outcome: "o", details: { ["k".repeat(1 << 24)]: 1 } })`,
    bounded: true,
  },
};

for (const [name, { deny, inside, huge, bounded = false }] of Object.entries(CAPABILITIES)) {
  test(`${name}: calls that exhaust the stack fail closed, and the next calls answer right`, () => {
    const r = fresh(`
      const f = await import("./recovery-fixture.mjs");
      let n = 0;
      const before = await f.knownAnswers();
      const record = f.codes.issue(new Uint8Array(32).fill(7), 1000);
      const dive = f.dive(${deny});
      await new Promise((resolve) => setTimeout(resolve, 0)); // the dive's audit rows land
      const leaked = f.rows.some((r) => JSON.stringify(r).includes("hunter2"));
      const afterDive = await f.knownAnswers();
      const made = f.made.length;
      const interrupted = ${inside === null ? "null" : `f.exhaustedInside(${inside})`};
      const after = await f.knownAnswers();
      console.log(JSON.stringify({ before, dive, leaked, afterDive, made, interrupted, after, instances: f.made.length }));
    `);
    assertKnown(r.before, "before");
    assert.ok(r.dive.thrown.RangeError > 0, `the calls reached the stack's edge: ${JSON.stringify(r.dive)}`);
    assert.ok(r.dive.completed > 0);
    assert.equal(r.dive.allowed, 0, "a call at the stack's edge never allows");
    assert.equal(r.leaked, false, "no secret stored unredacted");
    assertKnown(r.afterDive, "after the dive");
    if (inside !== null) {
      assert.equal(r.interrupted.error, "RangeError", `the call failed: ${JSON.stringify(r.interrupted)}`);
      assertKnown(r.after, "after a call ran out of stack inside the engine");
      assert.equal(r.instances, r.made + 1, "the interrupted instance was replaced by one fresh instance");
    }
  });

  test(`${name}: a call that runs out of engine memory fails closed, and the next calls answer right from a fresh instance`, () => {
    const r = fresh(`
      const f = await import("./recovery-fixture.mjs");
      const before = await f.knownAnswers();
      const full = f.exhaustMemory();
      const interrupted = await f.attempt(${huge});
      const why = f.lastMessage;
      const after = await f.knownAnswers();
      const madeAfter = f.made.length;
      // 8 MiB copied into the engine, then refused: more than was ever free before the memory filled.
      const roomy = f.attempt(() => f.guard.can("user", "w".repeat(1 << 23)));
      const memory = f.made.at(-1).exports.memory.buffer.byteLength;
      console.log(JSON.stringify({ before, full, interrupted, why, after, madeAfter, roomy, instances: f.made.length, memory }));
    `);
    assertKnown(r.before, "before");
    assert.ok(r.full >= 2 ** 31, `the memory was grown to its maximum (${r.full} bytes)`);
    if (bounded) {
      assert.deepEqual(r.interrupted, {}, `the bounded call succeeded: ${JSON.stringify(r.interrupted)}`);
      assertKnown(r.after, "after a bounded call on a full memory");
      // (The known answers themselves may need a fresh instance: the memory is still full.)
      assert.ok(r.madeAfter <= 2, "at most the known answers' own recovery");
      return;
    }
    // The input's I/O area cannot grow: `buffer` refuses it (0), where it used to trap, and
    // the TypeScript layer says so (it said "the engine refused a malformed call") and
    // discards the instance.
    assert.equal(r.interrupted.error, "Error", `the engine refused the input: ${JSON.stringify(r.interrupted)}`);
    assert.match(r.why, /^convex-guard: the engine could not get memory for a call of \d+ bytes$/);
    assertKnown(r.after, "after the engine ran out of memory");
    assert.deepEqual(r.roomy, { error: "INVALID_ARGUMENT" }, "a large input fits again, and is refused by the engine");
    assert.equal(r.instances, 2, "one fresh instance replaced the one that ran out of memory");
    assert.ok(r.memory < 2 ** 26, "with memory of its own");
  });
}

test("a fresh instance compiles the permissions the first one accepted, not the configuration as it is now", () => {
  const r = fresh(`
    const f = await import("./recovery-fixture.mjs");
    const { defineGuard } = await import("convex-guard");
    const permissions = { user: ["read:x"], admin: ["write:x"] };
    const guard = defineGuard({ roles: ["user", "admin"], permissions });
    const user = { role: "user" };
    const before = [guard.can(user, "read:x"), guard.can(user, "write:x")];
    // The app's configuration changes after the policy compiled: a getter, a new grant.
    permissions.user.push("write:x");
    Object.defineProperty(permissions, "user", { get: () => ["write:x", "delete:x"] });
    const made = f.made.length;
    f.exhaustMemory();
    const refused = await f.attempt(() => guard.can(user, "z".repeat(1 << 24)));
    const why = f.lastMessage;
    const after = [guard.can(user, "read:x"), guard.can(user, "write:x"), guard.can(user, "delete:x")];
    console.log(JSON.stringify({ before, refused, why, after, fresh: f.made.length - made }));
  `);
  assert.deepEqual(r.before, [true, false]);
  assert.equal(r.refused.error, "Error", `the engine refused the input: ${JSON.stringify(r.refused)}`);
  // The permission name's 16 MiB: what the memory could not hold, said as such.
  assert.equal(r.why, "convex-guard: the engine could not get memory for a call of 16777216 bytes");
  assert.equal(r.fresh, 1, "one fresh instance replaced the one that ran out of memory");
  assert.deepEqual(r.after, [true, false, false], "the same policy as before the refusal");
});

test("a fresh instance compiles the rate limits the first one accepted, not the configuration as it is now", () => {
  const r = fresh(`
    const f = await import("./recovery-fixture.mjs");
    const { defineGuard } = await import("convex-guard");
    const rateLimits = { send: { kind: "fixed window", rate: 2, period: 60000 } };
    const guard = defineGuard({ roles: ["user"], rateLimits });
    const take = (state) => guard.decideRateLimits([{ name: "send", state }], 1000).outcomes[0];
    const first = take(null);
    const full = take(first.state).state;
    const before = take(full).ok;
    // The app's configuration changes after the limit compiled: a larger rate, then a getter.
    rateLimits.send.rate = 1000;
    Object.defineProperty(rateLimits, "send", { get: () => ({ kind: "token bucket", rate: 5000, period: 1000 }) });
    const made = f.made.length;
    f.exhaustMemory();
    const refused = await f.attempt(() => guard.can({ role: "user" }, "z".repeat(1 << 24)));
    console.log(JSON.stringify({ before, refused, after: take(full).ok, remaining: take(null).remaining, fresh: f.made.length - made }));
  `);
  assert.equal(r.before, false, "the third request in the window is refused");
  assert.equal(r.refused.error, "Error", `the engine refused the input: ${JSON.stringify(r.refused)}`);
  assert.equal(r.fresh, 1, "one fresh instance replaced the one that ran out of memory");
  assert.equal(r.after, false, "still refused after the rebuild: the limit was not reconfigured");
  assert.equal(r.remaining, 1, "a new key still gets the first configuration's rate");
});

test("a fresh instance compiles the access levels the first one accepted, not the configuration as it is now", () => {
  const r = fresh(`
    const f = await import("./recovery-fixture.mjs");
    const { defineGuard } = await import("convex-guard");
    const access = { levels: ["viewer", "editor", "owner"], publicLevel: "viewer", tables: { docs: { owner: "ownerId", visibility: "visibility" } } };
    const guard = defineGuard({ roles: ["user"], access });
    const answers = () => [guard.accessLevels(), guard.resolveAccess(f.facts("u3")).map((d) => d.level), guard.canShare("editor", "editor").ok];
    const before = answers();
    // The app's configuration changes after the levels compiled: getters answering otherwise.
    Object.defineProperty(access, "levels", { get: () => ["reader", "admin", "owner"] });
    Object.defineProperty(access, "publicLevel", { get: () => "admin" });
    access.shareLevel = "viewer";
    const made = f.made.length;
    f.exhaustMemory();
    const refused = await f.attempt(() => guard.can({ role: "user" }, "z".repeat(1 << 24)));
    console.log(JSON.stringify({ before, refused, after: answers(), fresh: f.made.length - made }));
  `);
  assert.deepEqual(r.before[1], [null, "viewer"], "a stranger reads the public document at the public level");
  assert.equal(r.refused.error, "Error", `the engine refused the input: ${JSON.stringify(r.refused)}`);
  assert.equal(r.fresh, 1, "one fresh instance replaced the one that ran out of memory");
  assert.deepEqual(r.after, r.before, "the same levels and decisions as before the refusal");
});

test("a fresh instance compiles the code settings the first one accepted, not the options as they are now", () => {
  const r = fresh(`
    const f = await import("./recovery-fixture.mjs");
    const { defineCodes } = await import("convex-guard");
    const options = { length: 6, maxAttempts: 2 };
    const codes = defineCodes(options);
    const hash = new Uint8Array(32).fill(7);
    const answers = () => [codes.generate().length, codes.issue(hash, 0).attemptsLeft, codes.issue(hash, 0).expiresAt];
    const before = answers();
    // The app's options change after the settings compiled.
    options.length = 12;
    Object.defineProperty(options, "maxAttempts", { get: () => 50 });
    options.ttl = 1;
    const made = f.made.length;
    f.exhaustMemory();
    const refused = await f.attempt(() => codes.message({ actor: "x".repeat(1 << 24), action: "a" }, "1"));
    console.log(JSON.stringify({ before, refused, after: answers(), fresh: f.made.length - made }));
  `);
  assert.deepEqual(r.before, [6, 2, 300000]);
  assert.equal(r.refused.error, "Error", `the engine refused the input: ${JSON.stringify(r.refused)}`);
  assert.equal(r.fresh, 1, "one fresh instance replaced the one that ran out of memory");
  assert.deepEqual(r.after, r.before, "the same settings as before the refusal");
});
