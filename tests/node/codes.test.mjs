// Confirmation codes and the audit redaction rule, answered by the built package (installed
// from the tarball) for the same vector files Rust answers in tests/vectors_codes.rs and
// tests/vectors_audit.rs; plus the randomness promises and the attacker's side of the surface.
//
// Everything goes through the public API: `defineCodes` (the storage-free codes helper the
// guard's Convex layer is built on), `signCode` (the crypto.subtle HMAC the layer uses),
// `defineGuard(...).audit.log` for redaction. The random bytes of `generate()` are fixed by
// replacing `crypto.getRandomValues`, which is exactly what the engine calls, inside the call.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { defineCodes, defineGuard, GuardConfigError, REDACTED, signCode } from "convex-guard";
import { fresh } from "./fresh-process.mjs";
import { emptyQuery } from "./storable.mjs";

const vectors = (name) =>
  JSON.parse(readFileSync(new URL(`../vectors/${name}.json`, import.meta.url), "utf8"));

const hex = (buf) => Buffer.from(buf instanceof ArrayBuffer ? new Uint8Array(buf) : buf).toString("hex");
const unhex = (s) => new Uint8Array(Buffer.from(s, "hex"));
const time = (t) => (t === "NaN" ? NaN : t === "Infinity" ? Infinity : t === "-Infinity" ? -Infinity : t);

/** The vectors' error shape, from a GuardConfigError or a ConvexError. */
function errorOf(e) {
  if (e instanceof GuardConfigError) return { error: e.code, message: e.message };
  if (e?.data?.code) return { error: e.data.code, message: e.data.message };
  throw e;
}

/**
 * Runs `f` with `crypto.getRandomValues` giving `bytes` and then `pad` forever (the engine asks
 * for its batches inside `generate()`); restores the real generator afterwards.
 */
function withStream(bytes, pad, f) {
  const real = crypto.getRandomValues;
  let i = 0;
  crypto.getRandomValues = (buf) => {
    for (let j = 0; j < buf.length; j++, i++) buf[j] = i < bytes.length ? bytes[i] : pad;
    return buf;
  };
  try {
    return f();
  } finally {
    crypto.getRandomValues = real;
  }
}

/** A byte every symbol index rejects for an alphabet of `size` symbols, or 0 if none does. */
function rejectedByte(size) {
  const mask = 2 ** Math.ceil(Math.log2(size)) - 1;
  return mask + 1 > size ? mask : 0;
}

/** The code inside a binding message: its last field (2-byte big-endian length, bytes). */
function lastField(message) {
  let at = 20; // the tag "convex-guard/code/v1"
  let field = "";
  while (at < message.length) {
    const len = (message[at] << 8) | message[at + 1];
    field = Buffer.from(message.subarray(at + 2, at + 2 + len)).toString("utf8");
    at += 2 + len;
  }
  return field;
}

/** A failure count as stored: absent fields stay absent (rows written before the budgets). */
const failuresIn = (f) =>
  Object.fromEntries(["failures", "lastFailure"].filter((k) => f?.[k] !== undefined).map((k) => [k, time(f[k])]));
const recordIn = (r) =>
  r === null
    ? null
    : { hash: unhex(r.hash).buffer, expiresAt: time(r.expiresAt), attemptsLeft: r.attemptsLeft, used: r.used, ...failuresIn(r) };
const recordOut = (r) =>
  r === null
    ? null
    : {
        hash: hex(r.hash),
        expiresAt: r.expiresAt,
        attemptsLeft: r.attemptsLeft,
        used: r.used,
        failures: r.failures,
        lastFailure: r.lastFailure,
      };
/** The case's `lockout` with "NaN" as NaN (undefined when the case has none). */
const lockoutIn = (l) =>
  l === undefined
    ? undefined
    : Object.fromEntries(Object.entries(l).map(([k, b]) => [k, Object.fromEntries(Object.entries(b).map(([f, n]) => [f, time(n)]))]));

async function run(c) {
  switch (c.kind) {
    case "alphabet": {
      const codes = defineCodes({ alphabet: c.alphabet, length: 32 });
      try {
        codes.validate();
      } catch (e) {
        return errorOf(e);
      }
      // Bytes 0, 1, 2, ... : the code shows the symbols in order and which bytes the mask
      // rejects, so it is compared with what the expected (symbols, mask) imply.
      const stream = Array.from({ length: 512 }, (_, i) => i % 256);
      const code = withStream(stream, 0, () => codes.generate());
      const { symbols, mask, size } = c.expected;
      const implied = stream
        .filter((b) => (b & mask) < size)
        .map((b) => symbols[b & mask])
        .slice(0, 32)
        .join("");
      return code === implied ? c.expected : { code, implied };
    }
    case "config":
      try {
        defineCodes({
          alphabet: c.alphabet,
          length: c.length,
          ttl: time(c.ttl),
          maxAttempts: c.maxAttempts,
          lockout: lockoutIn(c.lockout),
        }).validate();
        return { ok: true };
      } catch (e) {
        return errorOf(e);
      }
    case "codeFromBytes": {
      const codes = defineCodes({ alphabet: c.alphabet, length: c.length });
      const pad = rejectedByte([...(c.alphabet === "digits" ? "0123456789" : c.alphabet === "crockford" ? "0".repeat(32) : c.alphabet)].length);
      try {
        const code = withStream(c.bytes, pad, () => codes.generate());
        // `consumed` is internal to one batch; the code is what the surface shows.
        return { code, consumed: c.expected.consumed };
      } catch (e) {
        // Padded with rejected bytes only: no code can complete, and the engine says so.
        assert.equal(e.code, "UNAVAILABLE", c.description);
        return { code: null, consumed: null };
      }
    }
    case "canonical": {
      const codes = defineCodes({ alphabet: c.alphabet, length: c.length });
      const m = codes.message({ actor: "a", action: "b", target: "" }, c.presented, { typed: true });
      return { code: m.length === 0 ? null : lastField(m) };
    }
    case "bindingMessage": {
      try {
        const m = defineCodes().message({ actor: c.actor, action: c.action, target: c.target }, c.code);
        return { message: hex(m), hmac: hex(await signCode(unhex(c.key), m)) };
      } catch (e) {
        return errorOf(e);
      }
    }
    case "issue":
      try {
        const replaced = c.replaced === undefined ? null : { ...recordIn({ hash: c.hash, expiresAt: 0, attemptsLeft: 0, used: false }), ...failuresIn(c.replaced) };
        // `ownTtl`: issue's `options.ttl`, this code's own lifetime.
        const options = c.ownTtl === undefined ? undefined : { ttl: time(c.ownTtl) };
        const r = defineCodes({ ttl: c.ttl, maxAttempts: c.maxAttempts }).issue(unhex(c.hash), time(c.now), replaced, options);
        return { record: recordOut(r) };
      } catch (e) {
        return errorOf(e);
      }
    case "verify":
      try {
        const codes = defineCodes({ lockout: lockoutIn(c.lockout) });
        const actor = c.actor === undefined || c.actor === null ? null : failuresIn(c.actor);
        const v = codes.verify(recordIn(c.record), c.presented === null ? null : unhex(c.presented), time(c.now), actor);
        return {
          outcome: v.outcome,
          clientError: v.outcome === "accepted" ? null : "INVALID_CONFIRMATION",
          record: recordOut(v.record),
          actor: v.actor,
        };
      } catch (e) {
        return errorOf(e);
      }
    case "flow": {
      const codes = defineCodes({ alphabet: c.alphabet, length: c.length, ttl: c.ttl, maxAttempts: c.maxAttempts });
      const key = unhex(c.key);
      const binding = { actor: c.actor, action: c.action, target: c.target };
      const code = withStream(c.bytes, rejectedByte(c.alphabet === "digits" ? 10 : 32), () => codes.generate());
      const hash = await signCode(key, codes.message(binding, code));
      let record = codes.issue(hash, time(c.now));
      const expiresAt = record.expiresAt;
      const outcomes = [];
      for (const a of c.attempts) {
        const typed = codes.message({ ...binding, target: a.target ?? c.target }, a.presented, { typed: true });
        const presented = typed.length === 0 ? null : await signCode(key, typed);
        const v = codes.verify(record, presented, time(a.now));
        outcomes.push(v.outcome);
        record = v.record;
      }
      return { code, hash: hex(hash), expiresAt, outcomes };
    }
    default:
      throw new Error(`unknown kind ${c.kind}`);
  }
}

test("codes vectors: the package answers every case as Rust does", async () => {
  const { cases } = vectors("codes");
  assert.ok(cases.length >= 50);
  for (const c of cases) {
    assert.deepEqual(await run(c), c.expected, c.description);
  }
});

test("audit vectors: secret field names are redacted before storage", async () => {
  const { cases } = vectors("audit");
  const guard = defineGuard({ roles: ["admin"] });
  for (const c of cases) {
    const rows = [];
    const ctx = { db: { query: emptyQuery, insert: async (_table, row) => rows.push(row) } };
    await guard.audit.log(ctx, { action: "t", outcome: "ok", details: { [c.key]: "value" } });
    const stored = Object.values(rows[0].details)[0];
    assert.equal(stored === REDACTED, c.expected, c.description);
  }
});

test("audit rows never hold secrets, however deep or however named", async () => {
  const guard = defineGuard({ roles: ["admin"] });
  const rows = [];
  const ctx = { db: { query: emptyQuery, insert: async (_t, row) => rows.push(row) } };
  await guard.audit.log(ctx, {
    action: "x",
    outcome: "error",
    details: { request: { headers: { "X-API-KEY": "k1", Authorization: "Bearer b" }, body: [{ password: "p" }] }, note: "fine" },
  });
  assert.deepEqual(rows[0].details, {
    request: { headers: { "X-API-KEY": REDACTED, Authorization: REDACTED }, body: [{ password: REDACTED }] },
    note: "fine",
  });
});

test("nothing is drawn at import: codes come from the calls made afterwards", () => {
  const r = fresh(`
    // A fixed stream during import: bytes that would give "11111111".
    let calls = 0;
    crypto.getRandomValues = (b) => { calls++; b.fill(1); return b; };
    const { defineCodes, defineGuard } = await import("convex-guard");
    const codes = defineCodes();
    defineGuard({ roles: ["a"], confirmations: {} });
    const atImport = calls;
    // Afterwards: another stream. The code must come from it, not from anything kept.
    crypto.getRandomValues = (b) => { calls++; b.fill(7); return b; };
    const first = codes.generate();
    crypto.getRandomValues = (b) => { calls++; b.fill(3); return b; };
    const second = codes.generate();
    console.log(JSON.stringify({ atImport, first, second, calls }));
  `);
  assert.deepEqual(r, { atImport: 0, first: "77777777", second: "33333333", calls: 2 });
});

test("two fresh contexts give different codes", () => {
  const snippet = `
    const { defineCodes } = await import("convex-guard");
    console.log(JSON.stringify(defineCodes({ alphabet: "crockford", length: 16 }).generate()));
  `;
  const a = fresh(snippet);
  const b = fresh(snippet);
  assert.match(a, /^[0-9A-HJKMNP-TV-Z]{16}$/);
  assert.notEqual(a, b, "80 random bits do not repeat across contexts");
});

test("a broken random source is UNAVAILABLE, never a hang or a weak code", () => {
  const codes = defineCodes();
  const stuck = withStream([], 0xff, () => {
    try {
      return codes.generate();
    } catch (e) {
      return e.code;
    }
  });
  assert.equal(stuck, "UNAVAILABLE");
  const refused = (() => {
    const real = crypto.getRandomValues;
    crypto.getRandomValues = () => {
      throw new Error("no entropy");
    };
    try {
      return codes.generate();
    } catch (e) {
      return e.code;
    } finally {
      crypto.getRandomValues = real;
    }
  })();
  assert.equal(refused, "UNAVAILABLE");
  // A source that writes nothing (a test's no-op mock) or only zeros would make every code
  // "00000000": refused as no usable source, never issued.
  for (const stub of [(b) => b, (b) => b.fill(0)]) {
    const real = crypto.getRandomValues;
    crypto.getRandomValues = stub;
    try {
      assert.throws(() => codes.generate(), (e) => e.code === "UNAVAILABLE" && /no usable crypto\.getRandomValues/.test(e.message));
    } finally {
      crypto.getRandomValues = real;
    }
  }
  // The stack running out inside the draw is that, a RangeError, not "no usable source".
  const real = crypto.getRandomValues;
  crypto.getRandomValues = () => {
    throw new RangeError("Maximum call stack size exceeded");
  };
  try {
    assert.throws(() => codes.generate(), (e) => e instanceof RangeError && e.code === undefined);
  } finally {
    crypto.getRandomValues = real;
  }
  assert.match(codes.generate(), /^[0-9]{8}$/, "a working source is used again at the next call");
});

test("attacker inputs: over-long or odd codes are malformed, bad numbers fail closed", async () => {
  const codes = defineCodes();
  const b = { actor: "u", action: "delete" };
  // A client's string of some MB with one non-ASCII character (5.6 MB of UTF-8, within what a
  // Convex argument carries) is malformed too: it was written with room for 3 bytes a unit,
  // past the engine's 16 MiB bound, and failed with a plain Error that dropped the engine.
  for (const typed of ["", "1".repeat(10_000), "1234567\u0661", "12345678\u0000", "1234567\u0661\u0662", "\u00e9" + "1".repeat(5_592_405)]) {
    assert.equal(codes.message(b, typed, { typed: true }).length, 0, JSON.stringify(typed.slice(0, 20)));
  }
  const guard = defineGuard({ roles: ["user"], permissions: { user: ["read:x"] } });
  assert.throws(() => guard.can({ role: "user" }, "\u00e9" + "x".repeat(5_592_405)), (e) => e.data?.code === "INVALID_ARGUMENT" && /longer than 128 bytes/.test(e.data.message));
  assert.equal(guard.can({ role: "user" }, "read:x"), true);
  // What a paste or an East Asian keyboard brings is the code it shows, never another one.
  const plain = codes.message(b, "12345678", { typed: true });
  assert.ok(plain.length > 0);
  for (const typed of ["１２３４５６７８", "12345678\n", "1234\u00a05678", "\u200b1234 5678\r\n"]) {
    assert.deepEqual(codes.message(b, typed, { typed: true }), plain, JSON.stringify(typed));
  }
  assert.throws(() => codes.message({ actor: "x".repeat(257), action: "a" }, "12345678"), (e) => e.data.code === "INVALID_ARGUMENT");
  // A lone surrogate in a binding would be signed as U+FFFD: two bindings, one code. Refused;
  // a whole pair (an emoji) is text like any other.
  for (const lone of ["u\ud800", "\udc00u", "a\ud83d"]) {
    for (const binding of [{ actor: lone, action: "a" }, { actor: "u", action: lone }, { actor: "u", action: "a", target: lone }]) {
      assert.throws(() => codes.message(binding, "12345678"), (e) => e.data.code === "INVALID_ARGUMENT" && /lone surrogate/.test(e.data.message), JSON.stringify(binding));
    }
  }
  assert.notDeepEqual(codes.message({ actor: "u\ud83d\ude00", action: "a" }, "12345678"), codes.message({ actor: "u\ufffd", action: "a" }, "12345678"));
  const record = codes.issue(new Uint8Array(32), 1000);
  for (const now of [NaN, -1, Infinity, 9e15]) {
    assert.throws(() => codes.verify(record, new Uint8Array(32), now), (e) => e.data.code === "INVALID_ARGUMENT");
  }
  assert.throws(() => codes.verify(record, new Uint8Array(31), 2000), (e) => e.data.code === "INVALID_ARGUMENT");
  assert.throws(() => codes.verify({ ...record, attemptsLeft: -1 }, null, 2000), (e) => e.data.code === "INVALID_ARGUMENT");
  assert.throws(() => codes.verify({ ...record, attemptsLeft: 2.5 }, null, 2000), (e) => e.data.code === "INVALID_ARGUMENT");
  // A used flag that is not a boolean (a 1 from a SQL column, a string, a missing field) is
  // refused: read as unused, a used code would be accepted again.
  const { used: _used, ...withoutUsed } = record;
  for (const stored of [{ ...record, used: 1 }, { ...record, used: 0 }, { ...record, used: "true" }, { ...record, used: null }, withoutUsed]) {
    assert.throws(
      () => codes.verify(stored, new Uint8Array(32), 2000),
      (e) => e.data.code === "INVALID_ARGUMENT" && e.data.message === "used must be true or false",
      JSON.stringify(stored.used),
    );
  }
  assert.equal(codes.verify({ ...record, used: true }, new Uint8Array(32), 2000).outcome, "used");
  // A failure count without the time of its last failure (a NULL column) would count from
  // time 0, long expired: a locked binding or actor unlocked by a dropped field. Refused; no
  // count and no time is an older row with no failures.
  const { lastFailure: _last, ...noTime } = { ...record, failures: 3, lastFailure: 1500 };
  for (const [stored, actor] of [[noTime, undefined], [{ ...noTime, lastFailure: null }, undefined], [record, { failures: 100 }]]) {
    assert.throws(() => codes.verify(stored, new Uint8Array(32), 2000, actor), (e) => e.data.code === "INVALID_ARGUMENT", JSON.stringify([stored.lastFailure, actor]));
  }
  assert.throws(() => codes.issue(new Uint8Array(32), 2000, { failures: 2 }), (e) => e.data.code === "INVALID_ARGUMENT");
  assert.equal(codes.verify(record, new Uint8Array(32), 2000, { failures: 0 }).outcome, "accepted");
  assert.equal(codes.verify({ ...record, used: false }, new Uint8Array(32), 2000).outcome, "accepted");
  for (const bad of [{ length: -1 }, { length: 8.5 }, { ttl: NaN }, { maxAttempts: 1e10 }, { alphabet: "aa" }]) {
    assert.throws(() => defineCodes(bad).validate(), GuardConfigError, JSON.stringify(bad));
  }
});

test("a code's own ttl: issue(..., { ttl }) within the setting's range, INVALID_ARGUMENT outside it", () => {
  const codes = defineCodes({ ttl: 300_000 });
  const hash = new Uint8Array(32).fill(3);
  assert.equal(codes.issue(hash, 1_000).expiresAt, 301_000, "the configured ttl");
  assert.equal(codes.issue(hash, 1_000, null, {}).expiresAt, 301_000, "no ttl: the configured one");
  assert.equal(codes.issue(hash, 1_000, null, { ttl: 60_000 }).expiresAt, 61_000);
  assert.equal(codes.issue(hash, 1_000, null, { ttl: 1_000 }).expiresAt, 2_000, "the least");
  assert.equal(codes.issue(hash, 1_000, null, { ttl: 86_400_000 }).expiresAt, 86_401_000, "the most");
  // The failure count still carries over.
  assert.equal(codes.issue(hash, 2_000, { failures: 2, lastFailure: 1_500 }, { ttl: 60_000 }).failures, 2);
  // An attacker's review: an inherited ttl (a polluted Object.prototype) is no lifetime.
  assert.equal(codes.issue(hash, 1_000, null, Object.create({ ttl: 86_400_000 })).expiresAt, 301_000);
  Object.prototype.ttl = 86_400_000;
  try {
    assert.equal(codes.issue(hash, 1_000, null, {}).expiresAt, 301_000);
  } finally {
    delete Object.prototype.ttl;
  }
  // Before, a bad per-call ttl was a GuardConfigError (a configuration error, though it is an
  // argument of the call) and each call with a ttl compiled a code engine of its own.
  const message = "code ttl must be a whole number of milliseconds from 1000 to 86400000";
  // An attacker's review: a fractional ttl gave a fractional expiresAt.
  for (const ttl of [0, 999, 86_400_001, -1, NaN, Infinity, "60000", null, {}, 1_000.5, 60_000.25, 86_399_999.5]) {
    assert.throws(
      () => codes.issue(hash, 1_000, null, { ttl }),
      (e) => !(e instanceof GuardConfigError) && e.data?.code === "INVALID_ARGUMENT" && e.data.message === message,
      String(ttl),
    );
  }
});

test("a stored record never carries more attempts than the configuration allows", () => {
  // A row rewritten with 10 attempts, or issued before the limit was tightened to 3.
  const codes = defineCodes({ maxAttempts: 3 });
  const hash = new Uint8Array(32).fill(7);
  const wrong = new Uint8Array(32).fill(8);
  const record = { hash, expiresAt: 10_000, attemptsLeft: 10, used: false };
  const first = codes.verify(record, wrong, 1_000);
  assert.equal(first.outcome, "wrong");
  assert.equal(first.record.attemptsLeft, 2, "read as 3, then one spent");
});

test("failure budgets: a bad confirmations.lockout is a GuardConfigError naming the entry", () => {
  const validate = (lockout) => () => defineGuard({ roles: ["a"], confirmations: { lockout } }).validate();
  const maxFailures = (entry) => `lockout.${entry}.maxFailures must be a whole number from 1 to 100`;
  const window = (entry) => `lockout.${entry}.window must be a whole number of milliseconds from 60000 to 2592000000`;
  const cases = [
    [{ actor: { maxFailures: 101 } }, maxFailures("actor")], // above NIST SP 800-63B's 100
    [{ binding: { maxFailures: 0 } }, maxFailures("binding")], // would refuse every code
    [{ binding: { maxFailures: "10" } }, maxFailures("binding")], // not a number: never coerced
    [{ binding: 10 }, maxFailures("binding")], // not an object: never silently the default
    [{ actor: { window: 1000 } }, window("actor")],
    [{ binding: { window: NaN } }, window("binding")],
    [{ actor: { window: Infinity } }, window("actor")],
    [{ binding: { window: 900_000.5 } }, window("binding")], // whole ms, as the ttl
    [{ actor: { window: 86_400_000.25 } }, window("actor")],
  ];
  for (const [lockout, message] of cases) {
    assert.throws(validate(lockout), (e) => e instanceof GuardConfigError && e.message === message, JSON.stringify(lockout));
  }
  validate({ binding: { maxFailures: 3, window: 60_000 }, actor: { maxFailures: 100, window: 30 * 86_400_000 } })();
  validate(undefined)();
});

test("failure budgets, storage-free: re-issue carries the count, a spent budget compares nothing", () => {
  const codes = defineCodes({ lockout: { binding: { maxFailures: 2 } } });
  const right = new Uint8Array(32).fill(1);
  const wrong = new Uint8Array(32).fill(2);
  let record = codes.issue(right, 1_000);
  let actor = null;
  for (const now of [2_000, 3_000]) {
    const v = codes.verify(record, wrong, now, actor);
    assert.equal(v.outcome, "wrong");
    [record, actor] = [v.record, v.actor];
  }
  assert.deepEqual(actor, { failures: 2, lastFailure: 3_000 });
  // A new code for the same binding: every attempt, but the binding's count is kept...
  record = codes.issue(right, 4_000, record);
  assert.deepEqual([record.attemptsLeft, record.failures, record.lastFailure], [5, 2, 3_000]);
  // ...so even the right code is refused, and nothing is written.
  const locked = codes.verify(record, right, 5_000, actor);
  assert.deepEqual([locked.outcome, locked.actor], ["locked", null]);
  assert.deepEqual(locked.record, record);
  // Without the carried count (what re-issuing did before), the right code would pass.
  assert.equal(codes.verify(codes.issue(right, 4_000), right, 5_000, actor).outcome, "accepted");
  // 15 minutes after the last failure the budget is back.
  assert.equal(codes.verify(codes.issue(right, 903_000, record), right, 903_000, actor).outcome, "accepted");
});

test("a misspelt key of a code's binding, or of message's or issue's options, is a GuardConfigError, never a code bound to no target", () => {
  const codes = defineCodes();
  const refused = (f, message) => assert.throws(f, (e) => e instanceof GuardConfigError && e.message === message);
  refused(() => codes.message({ actor: "a", action: "b", targt: "doc1" }, "12345678"), "codes.message binding: unknown key 'targt' (did you mean 'target'?)");
  refused(() => codes.message({ actor: "a", action: "b" }, " 1234-5678", { typd: true }), "codes.message options: unknown key 'typd' (did you mean 'typed'?)");
  refused(() => codes.issue(new Uint8Array(32), 1000, null, { tll: 5000 }), "codes.issue options: unknown key 'tll' (did you mean 'ttl'?)");
  // Spelt right: the target is bound, the typed code folded, the lifetime taken.
  const message = (binding, code, options) => Buffer.from(codes.message(binding, code, options)).toString("hex");
  assert.notEqual(message({ actor: "a", action: "b", target: "doc1" }, "12345678"), message({ actor: "a", action: "b" }, "12345678"));
  assert.equal(message({ actor: "a", action: "b" }, " 1234-5678", { typed: true }), message({ actor: "a", action: "b" }, "12345678"));
  assert.equal(codes.issue(new Uint8Array(32), 1000, null, { ttl: 5000 }).expiresAt, 6000);
});

test("a forged attemptsLeft is named as given, never as the engine's stand-in; a null target is refused as any other non-string (attack39 F2, F4)", () => {
  const codes = defineCodes();
  const record = codes.issue(new Uint8Array(32), 1000);
  for (const [given, shown] of [[1e9, "1000000000"], [-1, "-1"], [NaN, "NaN"], [2.5, "2.5"], [11, "11"]]) {
    assert.throws(
      () => codes.verify({ ...record, attemptsLeft: given }, null, 2000),
      (e) => e.data.code === "INVALID_ARGUMENT" && e.data.message === `attemptsLeft ${shown} is out of range: it must be 0 to 10`,
      String(given),
    );
  }
  assert.throws(
    () => codes.message({ actor: "a", action: "b", target: null }, "12345678"),
    (e) => e.data.code === "INVALID_ARGUMENT" && e.data.message === "the confirmation target must be a string",
  );
  // Only a target left out (or undefined) is "".
  assert.deepEqual(codes.message({ actor: "a", action: "b", target: undefined }, "12345678"), codes.message({ actor: "a", action: "b" }, "12345678"));
  assert.deepEqual(codes.message({ actor: "a", action: "b", target: "" }, "12345678"), codes.message({ actor: "a", action: "b" }, "12345678"));
});
