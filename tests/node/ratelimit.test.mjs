// The rate-limit vectors (tests/vectors/ratelimit.json), answered by the built package through
// its public pure API (guard.decideRateLimits, and guard.decideRateLimit for each request of
// one limit). tests/vectors_ratelimit.rs answers the same
// file in Rust: case by case, the two must agree. Then the attacker's side of the JS surface.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { defineGuard, GuardConfigError, rateLimitTables } from "convex-guard";
import { admitted } from "./admitted.mjs";

const { cases } = JSON.parse(
  readFileSync(new URL("../vectors/ratelimit.json", import.meta.url), "utf8"),
);

/** A JSON number, or one of the strings "NaN", "Infinity", "-Infinity". */
const num = (v) =>
  v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v;

/** A limit of the vectors as a configuration entry (numbers decoded). */
function spec(l) {
  const s = { rate: num(l.rate), period: num(l.period) };
  if (l.kind !== undefined) s.kind = l.kind;
  if (l.capacity !== undefined) s.capacity = num(l.capacity);
  if (l.shards !== undefined) s.shards = num(l.shards);
  return s;
}

const state = (s) => ({ t: num(s.t), a: num(s.a), b: num(s.b), log: s.log.map(num) });
const codeOf = (e) => e?.data?.code ?? e?.code;
const messageOf = (e) => e?.data?.message ?? e?.message;

/** What `f` throws (it must throw). */
function thrown(f) {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail("it did not throw");
}

function expectError(label, expected, f) {
  assert.throws(f, (e) => codeOf(e) === expected.error && e.message.length > 0, label);
}

function runRequests(c) {
  const guard = defineGuard({ roles: ["user"], rateLimits: { limit: spec(c.limit) } });
  guard.validate();
  const rows = new Map(); // shard -> state
  if (c.state) rows.set(0, state(c.state));
  c.requests.forEach((r, i) => {
    const label = `${c.description} (request ${i})`;
    if (r.reset) return rows.clear();
    const shard = r.shard ?? 0;
    const ask = () =>
      guard.decideRateLimits(
        [{ name: "limit", state: rows.get(shard) ?? null, count: r.count === undefined ? 1 : num(r.count), shard }],
        num(r.now),
        { consume: r.consume ?? true },
      );
    // The single-limit call, with the same arguments: the same outcome, or the same error.
    const one = () =>
      guard.decideRateLimit("limit", rows.get(shard) ?? null, num(r.now), {
        count: r.count === undefined ? 1 : num(r.count),
        shard,
        consume: r.consume ?? true,
      });
    if (r.expected.error) {
      expectError(label, r.expected, ask);
      return assert.throws(one, (e) => codeOf(e) === r.expected.error && messageOf(e) === messageOf(thrown(ask)), label);
    }
    const { outcomes } = ask();
    const [o] = outcomes;
    assert.deepEqual(one(), o, `${label}: decideRateLimit`);
    assert.deepEqual(
      { ok: o.ok, remaining: o.remaining, retryAfter: o.retryAfter },
      { ok: r.expected.ok, remaining: r.expected.remaining, retryAfter: num(r.expected.retryAfter) },
      label,
    );
    if (o.state) rows.set(shard, o.state);
  });
}

function runBatches(c) {
  const rateLimits = Object.fromEntries(c.limits.map((l, i) => [`l${i}`, spec(l)]));
  const guard = defineGuard({ roles: ["user"], rateLimits });
  const rows = c.limits.map(() => null);
  c.batches.forEach((b, i) => {
    const label = `${c.description} (batch ${i})`;
    const ask = () =>
      guard.decideRateLimits(
        b.counts.map((count, j) => ({ name: `l${j}`, state: rows[j], count: num(count) })),
        num(b.now),
        { consume: b.consume ?? true },
      );
    if (b.expected.error) return expectError(label, b.expected, ask);
    const result = ask();
    assert.equal(result.ok, b.expected.ok, `${label}: ok`);
    assert.equal(result.retryAfter, num(b.expected.retryAfter), `${label}: retryAfter`);
    assert.deepEqual(result.decisions.map((d) => d.remaining), b.expected.remaining, `${label}: remaining`);
    if (!result.ok) assert.ok(result.outcomes.every((o) => o.state === null), `${label}: a denial wrote`);
    result.outcomes.forEach((o, j) => {
      if (o.state) rows[j] = o.state;
    });
  });
}

test("rate-limit vectors: the package answers exactly as the Rust core", () => {
  assert.ok(cases.length >= 40);
  for (const c of cases) {
    if (c.batches) runBatches(c);
    else if (c.requests) runRequests(c);
    else {
      const guard = defineGuard({ roles: ["user"], rateLimits: { bad: spec(c.limit) } });
      assert.throws(
        () => guard.validate(),
        (e) => e instanceof GuardConfigError && e.code === c.expected.error && e.message.startsWith("rate limit 'bad': "),
        c.description,
      );
    }
  }
});

const guard = defineGuard({
  roles: ["user"],
  rateLimits: {
    send: { rate: 3, period: 1000 },
    login: { kind: "sliding log", rate: 2, period: 60_000 },
    bucket: { kind: "token bucket", rate: 1, period: 1000, capacity: 2 },
    global: { kind: "fixed window", rate: 10, period: 1000, shards: 4 },
  },
});

test("the countdown: rateLimitStatus turns a stored state and a time into retryAfter", () => {
  let state = null;
  for (const now of [0, 1000]) {
    state = guard.decideRateLimits([{ name: "login", state }], now).outcomes[0].state;
  }
  assert.deepEqual(state, { t: 1000, a: 0, b: 0, log: [0, 1000] });
  assert.deepEqual(guard.rateLimitStatus("login", state, 30_000), { ok: false, remaining: 0, retryAfter: 30_000 });
  assert.deepEqual(guard.rateLimitStatus("login", state, 59_999), { ok: false, remaining: 0, retryAfter: 1 });
  assert.deepEqual(guard.rateLimitStatus("login", state, 60_000), { ok: true, remaining: 0, retryAfter: 0 });
  // A status never consumes: asking twice gives the same answer.
  assert.deepEqual(guard.rateLimitStatus("send", null, 5), { ok: true, remaining: 2, retryAfter: 0 });
  assert.deepEqual(guard.rateLimitStatus("send", null, 5), { ok: true, remaining: 2, retryAfter: 0 });
});

test("attacker: values that are not numbers never become a cheaper or free request", () => {
  const bad = [
    ["a string count", { count: "0" }],
    ["a null count", { count: null }],
    ["a boolean count", { count: false }],
    ["an object count", { count: { valueOf: () => 0 } }],
    ["a negative shard", { shard: -1 }],
    ["a shard past the last", { shard: 4 }],
    ["a fractional shard", { shard: 0.5 }],
  ];
  for (const [label, extra] of bad) {
    assert.throws(
      () => guard.decideRateLimits([{ name: "global", state: null, ...extra }], 0),
      (e) => codeOf(e) === "INVALID_ARGUMENT" && messageOf(e).startsWith("rate limit 'global': "),
      label,
    );
  }
  for (const now of ["0", null, undefined, NaN, -1, 2 ** 60]) {
    assert.throws(() => guard.rateLimitStatus("send", null, now), (e) => codeOf(e) === "INVALID_ARGUMENT", String(now));
  }
});

test("attacker: tampered states are refused, never read as room", () => {
  const states = [
    { t: 0, a: 99, b: 0, log: [] }, // more than the rate
    { t: 0, a: 0, b: 0, log: [1] }, // a log on a sliding window
    { t: "0", a: 0, b: 0, log: [] },
    { t: 0, a: 0, b: 0 }, // no log at all
    { t: 0, a: 0, b: 0, log: "[]" },
    { t: 0, a: -1, b: 0, log: [] },
  ];
  for (const state of states) {
    assert.throws(
      () => guard.rateLimitStatus("send", state, 10),
      (e) => codeOf(e) === "INVALID_ARGUMENT",
      JSON.stringify(state),
    );
  }
  assert.throws(
    () => guard.rateLimitStatus("bucket", { t: 0, a: 3, b: 0, log: [] }, 10),
    (e) => codeOf(e) === "INVALID_ARGUMENT",
  );
});

test("attacker: unknown or prototype limit names are refused", () => {
  for (const name of ["nope", "__proto__", "constructor", "toString", ""]) {
    assert.throws(
      () => guard.rateLimitStatus(name, null, 0),
      (e) => codeOf(e) === "INVALID_ARGUMENT" && messageOf(e).includes("unknown rate limit"),
      name,
    );
  }
});

test("all or nothing: bounds and a denial that takes nothing", () => {
  // A hole in a sparse array is a request too: refused, never skipped (which would admit the
  // rest without it).
  assert.throws(() => guard.decideRateLimits([, { name: "bucket", state: null }], 0), (e) => codeOf(e) === "INVALID_ARGUMENT");
  assert.throws(() => guard.decideRateLimits([], 0), (e) => codeOf(e) === "INVALID_ARGUMENT");
  const seventeen = Array.from({ length: 17 }, () => ({ name: "send", state: null }));
  assert.throws(
    () => guard.decideRateLimits(seventeen, 0),
    (e) => codeOf(e) === "INVALID_ARGUMENT" && messageOf(e) === "rate limit 'send': an all-or-nothing rate limit takes 1 to 16 limits",
  );
  const full = guard.decideRateLimits([{ name: "bucket", state: null, count: 2 }], 0).outcomes[0].state;
  const b = guard.decideRateLimits(
    [
      { name: "send", state: null },
      { name: "bucket", state: full },
    ],
    0,
  );
  assert.equal(b.ok, false);
  assert.equal(b.retryAfter, 1000);
  assert.deepEqual(b.outcomes.map((o) => o.state), [null, null]);
});

test("configuration mistakes name the limit", () => {
  const cases = [
    [{ x: { rate: 0, period: 1000 } }, "rate limit 'x': rate must be"],
    [{ y: { rate: "10", period: 1000 } }, "rate limit 'y': rate must be"],
    [{ z: { kind: "fixed window", rate: 1, period: 1000, capacity: 2 } }, "rate limit 'z': capacity applies only"],
    [{ w: null }, "rate limit 'w' must be an object"],
    [{ v: { kind: 5, rate: 1, period: 1000 } }, "rate limit 'v': unknown rate limit kind '5'"],
    // attack46: a minute written in seconds limited nothing.
    [{ u: { kind: "sliding log", rate: 5, period: 60 } }, "rate limit 'u': period must be a whole number of milliseconds from 1000 to 31622400000"],
  ];
  for (const [rateLimits, prefix] of cases) {
    const g = defineGuard({ roles: ["user"], rateLimits });
    assert.throws(
      () => g.validate(),
      (e) => e instanceof GuardConfigError && e.message.startsWith(prefix),
      prefix,
    );
  }
});

test("the table definition is exported for the schema, indexed for the exact lookup and by key", () => {
  const table = rateLimitTables.guardRateLimits;
  assert.ok(table);
  const exported = table.export();
  // by_key: forgetUser finds a deleted user's rows without a scan.
  assert.deepEqual(exported.indexes, [
    { indexDescriptor: "by_name_key_shard", fields: ["name", "key", "shard"] },
    { indexDescriptor: "by_key", fields: ["key"] },
  ]);
});

test("over-long logs are refused whatever their length, and nothing else is read", () => {
  // The engine's buffer holds one more log entry per request than any valid log: longer logs
  // must still be refused as too long (sliding log) or as a log at all (other kinds).
  const g = defineGuard({
    roles: ["user"],
    rateLimits: { log: { kind: "sliding log", rate: 100, period: 1000 }, window: { rate: 5, period: 1000 } },
  });
  for (const n of [101, 102, 5000]) {
    const log = Array.from({ length: n }, (_, i) => i);
    const stored = { t: n, a: 0, b: 0, log };
    assert.throws(
      () => g.decideRateLimits([{ name: "log", state: stored }], n),
      (e) => codeOf(e) === "INVALID_ARGUMENT" && /longer than the rate/.test(messageOf(e)),
      `sliding log, ${n} entries`,
    );
    assert.throws(
      () => g.decideRateLimits([{ name: "log", state: null }, { name: "window", state: stored }], n),
      (e) => codeOf(e) === "INVALID_ARGUMENT" && /only a 'sliding log' keeps a log/.test(messageOf(e)),
      `sliding window, ${n} entries`,
    );
  }
  // A full log of 100 still works, in the last slot of a full batch.
  const full = { t: 99, a: 0, b: 0, log: Array.from({ length: 100 }, (_, i) => i) };
  const many = Array.from({ length: 15 }, () => ({ name: "window", state: null }));
  const b = g.decideRateLimits([...many, { name: "log", state: full }], 1000);
  assert.equal(b.ok, true);
  assert.deepEqual(b.outcomes[15].state.log, [...full.log.slice(1), 1000]);
});

test("decisions stay right after the engine's memory grows", () => {
  // Each guard's limits own a buffer in the engine's memory; creating many grows the memory,
  // which detaches every earlier view over it.
  const first = defineGuard({ roles: ["user"], rateLimits: { log: { kind: "sliding log", rate: 3, period: 1000 } } });
  let s = first.decideRateLimits([{ name: "log", state: null }], 0).outcomes[0].state;
  const others = [];
  for (let i = 0; i < 40; i++) {
    const g = defineGuard({ roles: ["user"], rateLimits: { x: { rate: 1, period: 1000 } } });
    g.validate();
    others.push(g);
    const o = first.decideRateLimits([{ name: "log", state: s }], i + 1).outcomes[0];
    if (o.ok) s = o.state;
  }
  assert.deepEqual(s, { t: 2, a: 0, b: 0, log: [0, 1, 2] });
  const d = first.decideRateLimits([{ name: "log", state: s }], 40).outcomes[0];
  assert.deepEqual([d.ok, d.retryAfter], [false, 960]);
  assert.equal(others.length, 40);
});

// Attacker review: a decision asked for from inside a state's getter (or a Proxy's trap, e.g. a
// reactive wrapper in a browser) reused the buffer the outer decision was half-way through
// writing, and an exhausted key was admitted with a state that reset the limit.
test("a decision made from inside a state's getter never admits an exhausted key", () => {
  for (const kind of ["fixed window", "sliding window", "token bucket", "sliding log"]) {
    const g = defineGuard({ roles: ["user"], rateLimits: { msg: { kind, rate: 3, period: 60_000 } } });
    const now = 1_700_000_000_000;
    let st = null;
    for (let i = 0; i < 3; i++) st = g.decideRateLimits([{ name: "msg", state: st }], now).outcomes[0].state;
    const reentrant = () => {
      const s = { ...st };
      for (const field of ["t", "a", "b", "log"]) {
        const value = s[field];
        Object.defineProperty(s, field, { enumerable: true, get: () => (g.rateLimitStatus("msg", null, now), value) });
      }
      return s;
    };
    const proxy = new Proxy({ ...st }, { get: (o, k) => (g.decideRateLimits([{ name: "msg", state: null }], now), o[k]) });
    const expected = g.rateLimitStatus("msg", st, now + 1);
    assert.equal(expected.ok, false, kind);
    for (const state of [reentrant(), proxy]) {
      assert.deepEqual(g.rateLimitStatus("msg", state, now + 1), expected, kind);
      const outcome = g.decideRateLimits([{ name: "msg", state }], now + 1).outcomes[0];
      assert.equal(outcome.ok, false, kind);
      assert.equal(outcome.state, null, kind);
    }
  }
});

test("a limit's settings are read once: the compiled limit and its fingerprint cannot disagree", () => {
  const reads = {};
  const spec = {};
  // A getter that answers 2 the first time and 1,000 after: read twice, the engine would compile
  // one limit and the stored rows name another.
  for (const [key, first, later] of [["kind", "fixed window", "token bucket"], ["rate", 2, 1000], ["period", 60_000, 1], ["shards", 1, 2]]) {
    Object.defineProperty(spec, key, {
      enumerable: true,
      get() {
        reads[key] = (reads[key] ?? 0) + 1;
        return reads[key] === 1 ? first : later;
      },
    });
  }
  const g = defineGuard({ roles: ["user"], rateLimits: { msg: spec } });
  const { admitted: count, state } = admitted(g, "msg", 10);
  assert.deepEqual(reads, { kind: 1, rate: 1, period: 1, shards: 1 });
  assert.equal(count, 2, "a fixed window of 2 a minute, as first read");
  // The state it wrote is its own: read back by the same guard, it still denies.
  assert.equal(g.rateLimitStatus("msg", state, 2000).ok, false);
});

test("attacker: a consuming call refuses a count of 0 (the engine's take), a check looks with it", async () => {
  // A count an app forwards from its client: 0 would pass every time and take nothing.
  const g = defineGuard({ roles: ["user"], rateLimits: { a: { rate: 3, period: 60_000 }, b: { rate: 5, period: 60_000 } } });
  const written = [];
  const query = { withIndex: () => query, take: async () => [], collect: async () => [] };
  const ctx = {
    db: {
      query: () => query,
      insert: async (table, row) => (written.push(row), "id"),
      patch: async () => assert.fail("no row exists to patch"),
    },
  };
  const refused = async (label, f, from) => {
    await assert.rejects(
      f,
      (e) =>
        codeOf(e) === "INVALID_ARGUMENT" &&
        messageOf(e).endsWith(`: count must be a whole number from ${from} to 3, the most this limit can ever admit at once`),
      label,
    );
  };
  for (const count of [0, 1.5, -1, 4, NaN]) {
    await refused(`rateLimit ${count}`, () => g.rateLimit(ctx, "a", { key: "k", count }), 1);
    await refused(`rateLimitAll ${count}`, () => g.rateLimitAll(ctx, [{ name: "b", key: "k" }, { name: "a", key: "k", count }]), 1);
    if (count !== 0) await refused(`checkRateLimit ${count}`, () => g.checkRateLimit(ctx, "a", { key: "k", count }), 0);
  }
  // The whole batch is refused: nothing was written, not even the other limit's row.
  assert.deepEqual(written, []);
  assert.deepEqual(await g.checkRateLimit(ctx, "a", { key: "k", count: 0 }), { ok: true, remaining: 3, retryAfter: 0 });
  // The pure decideRateLimits keeps 0 as a look-up (nothing to store), as it always has.
  assert.deepEqual(g.decideRateLimits([{ name: "a", state: null, count: 0 }], 0).outcomes, [
    { ok: true, remaining: 3, retryAfter: 0, state: null },
  ]);
  // From 1, a consuming call takes and writes.
  assert.deepEqual(await g.rateLimit(ctx, "a", { key: "k", count: 1 }), { ok: true, remaining: 2, retryAfter: 0 });
  assert.equal(written.length, 1);
});

// An attacker's review (attack9): a batch refused for one entry's count named every limit of
// the batch ("rate limit 'writes', 'slog': count must be ..."), though only one was wrong.
test("a batch refused for one request's mistake names that request's limit; the batch's own mistake names them all", () => {
  const message = (requests, now = 0) => {
    try {
      guard.decideRateLimits(requests, now);
    } catch (e) {
      assert.equal(codeOf(e), "INVALID_ARGUMENT");
      return messageOf(e);
    }
    assert.fail("refused");
  };
  assert.match(message([{ name: "send", state: null, count: 2 }, { name: "global", state: null, count: 1.5 }]), /^rate limit 'global': count must be/);
  assert.match(message([{ name: "global", state: null, shard: 9 }, { name: "send", state: null }]), /^rate limit 'global': /);
  const tampered = { t: 0, a: 99, b: 0, log: [] };
  assert.match(message([{ name: "bucket", state: null }, { name: "send", state: tampered }, { name: "login", state: null }]), /^rate limit 'send': /);
  // Two wrong: the first one the engine refuses, as the batch did.
  assert.match(message([{ name: "send", state: null, count: 4 }, { name: "bucket", state: null, count: 3 }]), /^rate limit 'send': count must be a whole number from 0 to 3,/);
  // The batch's own mistakes: every limit of it.
  assert.match(message([{ name: "send", state: null }, { name: "bucket", state: null }], NaN), /^rate limit 'send', 'bucket': /);
  assert.match(message(Array.from({ length: 17 }, (_, i) => ({ name: i % 2 ? "send" : "bucket", state: null }))), /^rate limit 'bucket', 'send': an all-or-nothing/);
  // Nothing is left behind: the next batch is decided as if none had been refused.
  const b = guard.decideRateLimits([{ name: "send", state: null, count: 3 }, { name: "bucket", state: null, count: 2 }], 0);
  assert.deepEqual([b.ok, b.outcomes.map((o) => o.remaining)], [true, [0, 0]]);
});

test("attacker: a misspelt option or entry key of a pure decision is refused, never a count of 1", () => {
  const guard = defineGuard({ roles: ["user"], rateLimits: { upload: { kind: "token bucket", rate: 3, period: 60_000 } } });
  const refused = (path, key, guess) => (e) =>
    e instanceof GuardConfigError && e.message === `${path}: unknown key '${key}' (did you mean '${guess}'?)`;
  assert.throws(() => guard.decideRateLimit("upload", null, 0, { cout: 3 }), refused("decideRateLimit options", "cout", "count"));
  assert.throws(() => guard.decideRateLimit("upload", null, 0, { consum: false }), refused("decideRateLimit options", "consum", "consume"));
  assert.throws(() => guard.rateLimitStatus("upload", null, 0, { cout: 3 }), refused("rateLimitStatus options", "cout", "count"));
  assert.throws(() => guard.rateLimitStatus("upload", null, 0, { consume: false }), (e) => e instanceof GuardConfigError && /rateLimitStatus options: unknown key 'consume'/.test(e.message));
  assert.throws(() => guard.decideRateLimits([{ name: "upload", state: null, cout: 3 }], 0), refused("decideRateLimits entry", "cout", "count"));
  assert.throws(
    () => guard.decideRateLimits([{ name: "upload", state: null }, { name: "upload", state: null, shards: 1 }], 0),
    refused("decideRateLimits entry", "shards", "shard"),
  );
  assert.throws(() => guard.decideRateLimits([{ name: "upload", state: null }], 0, { consum: false }), refused("decideRateLimits options", "consum", "consume"));
  // A cost passed where the options go is not "no options".
  for (const options of [3, "3", true, null]) {
    assert.throws(
      () => guard.decideRateLimit("upload", null, 0, options),
      (e) => e instanceof GuardConfigError && /^decideRateLimit options must be an object or left out, not /.test(e.message),
      String(options),
    );
  }
  // An array has no key to refuse, and is not "no options" either (attack33 R1).
  for (const [call, path] of [
    [() => guard.decideRateLimit("upload", null, 0, []), "decideRateLimit options"],
    [() => guard.rateLimitStatus("upload", null, 0, []), "rateLimitStatus options"],
    [() => guard.decideRateLimits([[]], 0), "decideRateLimits entry"],
  ]) {
    assert.throws(call, (e) => e instanceof GuardConfigError && e.message === `${path} must be an object, not an array`, path);
  }
  // The keys it reads pass, and the decision is the one asked for.
  const o = guard.decideRateLimit("upload", null, 0, { count: 3, shard: 0, consume: true });
  assert.deepEqual([o.ok, o.remaining], [true, 0]);
  assert.equal(guard.decideRateLimit("upload", o.state, 0, { count: 1 }).ok, false);
});

test("rateLimitConfig: one string per configuration, the table's, so that states of one's own can be dropped when it changes", () => {
  const upload = { kind: "token bucket", rate: 3, period: 60_000 };
  const a = defineGuard({ roles: ["user"], rateLimits: { upload } });
  assert.equal(a.rateLimitConfig("upload"), "token bucket/3/60000/3/1"); // kind, rate, period, capacity, shards
  // The same configuration, another guard: the same string; any field changed: another.
  assert.equal(defineGuard({ roles: ["user"], rateLimits: { upload: { ...upload } } }).rateLimitConfig("upload"), a.rateLimitConfig("upload"));
  const changed = [{ ...upload, rate: 2 }, { ...upload, capacity: 5 }, { ...upload, period: 1000 }, { ...upload, shards: 3 }, { rate: 3, period: 60_000 }];
  const strings = changed.map((limit) => defineGuard({ roles: ["user"], rateLimits: { upload: limit } }).rateLimitConfig("upload"));
  assert.equal(new Set([a.rateLimitConfig("upload"), ...strings]).size, changed.length + 1, strings.join(" | "));
  // An unknown name is refused as the decisions refuse it.
  assert.throws(() => a.rateLimitConfig("uplaod"), (e) => codeOf(e) === "INVALID_ARGUMENT" && /unknown rate limit 'uplaod'/.test(messageOf(e)));
  // A bad configuration is the configuration's error, at this first use.
  const bad = defineGuard({ roles: ["user"], rateLimits: { upload: { rate: 0, period: 1000 } } });
  assert.throws(() => bad.rateLimitConfig("upload"), (e) => e instanceof GuardConfigError);
});

test("a state whose log is not an array (the row that holds it, {}, a number) is refused as such, naming the limit", () => {
  const guard = defineGuard({ roles: ["user"], rateLimits: { bucket: { kind: "token bucket", rate: 3, period: 60_000 }, log: { kind: "sliding log", rate: 3, period: 60_000 } } });
  const { state } = guard.decideRateLimit("bucket", null, 0);
  const row = { _id: "x", key: "u1", state };
  const notAState = (name) => (e) =>
    codeOf(e) === "INVALID_ARGUMENT" &&
    messageOf(e) === `rate limit '${name}': a rate limit state is { t, a, b, log } as a decision answered it, and this one's log is not an array (pass the state, not the row that holds it)`;
  for (const bad of [row, {}, 5, "x", false, { ...state, log: "[]" }]) {
    for (const name of ["bucket", "log"]) {
      assert.throws(() => guard.decideRateLimit(name, bad, 1), notAState(name), JSON.stringify(bad));
      assert.throws(() => guard.rateLimitStatus(name, bad, 1), notAState(name), JSON.stringify(bad));
    }
    assert.throws(() => guard.decideRateLimits([{ name: "log", state: null }, { name: "bucket", state: bad }], 1), notAState("bucket"));
  }
  // The state itself is decided.
  assert.equal(guard.decideRateLimit("bucket", state, 1).remaining, 1);
});

test("an undefined state (a useQuery still loading) is refused, not decided as a key with no state (newuser31 F8)", () => {
  const guard = defineGuard({ roles: ["user"], rateLimits: { bucket: { kind: "token bucket", rate: 3, period: 60_000 }, log: { kind: "sliding log", rate: 3, period: 60_000 } } });
  const undefinedState = (name) => (e) =>
    codeOf(e) === "INVALID_ARGUMENT" &&
    messageOf(e) === `rate limit '${name}': a rate limit state is undefined: pass null for a key with no stored state, or wait for the state to load (useQuery answers undefined while it loads)`;
  for (const name of ["bucket", "log"]) {
    assert.throws(() => guard.decideRateLimit(name, undefined, 1), undefinedState(name));
    assert.throws(() => guard.rateLimitStatus(name, undefined, 1), undefinedState(name));
    assert.throws(() => guard.decideRateLimit(name, undefined, 1, { consume: false }), undefinedState(name));
    // A batch of one, and an entry of a longer batch, whose state is missing or undefined.
    assert.throws(() => guard.decideRateLimits([{ name }], 1), undefinedState(name));
    assert.throws(() => guard.decideRateLimits([{ name, state: undefined, count: 1 }], 1), undefinedState(name));
  }
  assert.throws(() => guard.decideRateLimits([{ name: "log", state: null }, { name: "bucket" }], 1), undefinedState("bucket"));
  // null is a key with no stored state: a full limit.
  assert.equal(guard.rateLimitStatus("bucket", null, 1).ok, true);
  assert.equal(guard.decideRateLimit("log", null, 1).remaining, 2);
  assert.equal(guard.decideRateLimits([{ name: "log", state: null }, { name: "bucket", state: null }], 1).ok, true);
});
