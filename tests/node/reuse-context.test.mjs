// Convex's `experimental_reuseContext`: a module that exports it keeps one context per isolate
// for its queries and mutations, so module scope outlives the request. A function module using
// the package (tests/node/reuse/functions.ts), bundled with Convex's esbuild settings, runs a
// sequence of requests (different callers, frozen clocks, random seeds) twice: each request in
// a fresh context, as Convex does by default, and all of them in ONE context, as reuse does.
// Every answer, log line and database write must be the same: a request's decisions are its
// own, whatever ran before it in that context.
//
// Needs `node --experimental-vm-modules` (vm.SourceTextModule); the Makefile passes it.
import assert from "node:assert/strict";
import { test } from "node:test";
import vm from "node:vm";
import { build } from "esbuild";

const root = new URL("../../", import.meta.url).pathname;
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1);

async function bundle() {
  const result = await build({
    entryPoints: [`${root}tests/node/reuse/functions.ts`],
    absWorkingDir: root,
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    conditions: ["convex", "module"],
    minify: true,
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

/** A small seeded generator: what Convex's per-execution ChaCha seed is to a request. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A bare context (web globals only) whose clock, randomness and console read the current
 * request's environment `env`, as Convex sets them per execution.
 */
function requestContext(env) {
  const context = vm.createContext({
    atob,
    btoa,
    TextEncoder,
    TextDecoder,
    URL,
    crypto: {
      getRandomValues: (bytes) => {
        for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(env.current.random() * 256);
        return bytes;
      },
      subtle: crypto.subtle,
    },
    console: Object.fromEntries(["log", "info", "warn", "error", "debug"].map((k) => [k, (...a) => env.current.logs.push(`${k}: ${a.join(" ")}`)])),
    __env: env,
  });
  vm.runInContext("Date.now = () => __env.current.now; Math.random = () => __env.current.random();", context);
  return context;
}

async function evaluate(code, context) {
  const mod = new vm.SourceTextModule(code, { context });
  await mod.link(() => {
    throw new Error("a Convex bundle imports nothing");
  });
  await mod.evaluate();
  return mod.namespace;
}

/** An in-memory database with the reads and writes the package makes. */
function database(users) {
  const tables = new Map([["users", users.map((u) => ({ ...u }))]]);
  let next = 0;
  const rows = (t) => tables.get(t) ?? tables.set(t, []).get(t);
  const find = (id) => [...tables.values()].flat().find((r) => r._id === id) ?? null;
  return {
    snapshot: () => JSON.parse(JSON.stringify(Object.fromEntries(tables))),
    db: {
      query: (table) => ({
        withIndex: (_index, range) => {
          const want = [];
          const q = { eq: (field, value) => (want.push([field, value]), q) };
          range?.(q);
          const found = () => rows(table).filter((r) => want.every(([f, v]) => r[f] === v));
          return {
            take: async (n) => found().slice(0, n),
            first: async () => found()[0] ?? null,
            collect: async () => found(),
            take: async (n) => found().slice(0, n),
          };
        },
      }),
      get: async (id) => find(id),
      normalizeId: (_t, id) => id,
      insert: async (table, doc) => {
        const _id = `${table}:${++next}`;
        rows(table).push({ ...doc, _id });
        return _id;
      },
      patch: async (id, fields) => Object.assign(find(id), fields),
      delete: async (id) => {
        for (const list of tables.values()) {
          const i = list.findIndex((r) => r._id === id);
          if (i >= 0) list.splice(i, 1);
        }
      },
    },
  };
}

const USERS = [
  { _id: "users:ada", tokenIdentifier: "i|ada", name: "Ada", role: "admin" },
  { _id: "users:uma", tokenIdentifier: "i|uma", name: "Uma", role: "user" },
  { _id: "users:mo", tokenIdentifier: "i|mo", name: "Mo", role: "moderator" },
  { _id: "users:bad", tokenIdentifier: "i|bad", name: "Bad", role: "Admin" },
];
const byName = Object.fromEntries(USERS.map((u) => [u.name, u]));

// [function, caller name or null, now, seed, args]
const full = { t: T0, a: 2, b: 0, log: [] };
const REQUESTS = [
  ["me", "Ada", T0, 1],
  ["me", "Uma", T0, 2],
  ["me", null, T0, 3],
  ["adminOnly", "Ada", T0, 4],
  ["adminOnly", "Uma", T0, 5],
  ["me", "Bad", T0, 6],
  ["me", "Bad", T0 + 1, 6],
  ["send", "Uma", T0 + 10, 11],
  ["send", "Uma", T0 + 20, 12],
  ["send", "Uma", T0 + 30, 13],
  ["send", "Ada", T0 + 40, 14],
  ["status", "Uma", T0 + 10_000, 15, { state: full }],
  ["status", "Uma", T0 + 50_000, 15, { state: full }],
  ["share", "Uma", T0 + 10_000, 16, { expiresAt: T0 + 30_000 }],
  ["share", "Uma", T0 + 40_000, 16, { expiresAt: T0 + 30_000 }],
  ["code", "Uma", T0, 7],
  ["code", "Uma", T0, 8],
  ["code", "Uma", T0, 7],
  ["exhaust", "Uma", T0, 9],
  ["me", "Ada", T0 + MINUTE, 10],
  ["adminOnly", "Uma", T0 + MINUTE, 5],
  ["send", "Mo", T0 + MINUTE, 17],
  ["send", "Uma", T0 + 2 * MINUTE, 18],
];

async function outcome(p) {
  try {
    return { ok: JSON.parse(JSON.stringify((await p) ?? null)) };
  } catch (e) {
    return e?.data?.code ? { code: e.data.code, message: e.data.message } : { thrown: String(e) };
  }
}

/** Runs every request, each in a fresh context (`reuse` false) or all in one; what each saw. */
async function runAll(code, { reuse }) {
  const env = { current: null };
  const { db, snapshot } = database(USERS);
  let shared;
  const seen = [];
  for (const [name, caller, now, seed, args = {}] of REQUESTS) {
    env.current = { now, random: seeded(seed), logs: [] };
    let ns;
    if (reuse) ns = shared ??= await evaluate(code, requestContext(env));
    else ns = await evaluate(code, requestContext(env));
    assert.equal(ns.experimental_reuseContext, true);
    const user = caller && byName[caller];
    const identity = user ? { tokenIdentifier: user.tokenIdentifier, subject: user._id, issuer: "i" } : null;
    // Convex makes a new ctx, db and auth object for every execution, over the same tables.
    const ctx = { auth: { getUserIdentity: async () => identity }, db: { ...db } };
    const answer = await outcome(ns[name]._handler(ctx, args));
    seen.push({ request: `${name} by ${caller} at ${now - T0}`, answer, logs: env.current.logs, db: snapshot() });
  }
  return seen;
}

test("one reused context answers every request exactly as fresh contexts do", async () => {
  const code = await bundle();
  const fresh = await runAll(code, { reuse: false });
  const reused = await runAll(code, { reuse: true });
  for (let i = 0; i < REQUESTS.length; i++) assert.deepEqual(reused[i], fresh[i], fresh[i].request);

  // And those answers are the right ones (so the comparison is not of two broken runs).
  const answers = reused.map((r) => r.answer);
  assert.deepEqual(answers.slice(0, 5), [
    { ok: { name: "Ada", write: true, admin: true } },
    { ok: { name: "Uma", write: false, admin: false } },
    { ok: { name: null, write: false, admin: false } },
    { ok: "Ada" },
    { code: "FORBIDDEN", message: "Permission 'users:delete' required" },
  ]);
  // A row whose role is not a configured one: reported in each request that meets it.
  assert.equal(reused[5].logs.length, 1);
  assert.equal(reused[6].logs.length, 1);
  assert.match(reused[6].logs[0], /^warn: .*users:bad/);
  // Uma's two messages a minute, then RATE_LIMITED; Ada's budget is her own.
  assert.equal(answers[7].ok.sent.ok, true);
  assert.equal(answers[8].ok.sent.ok, true);
  assert.equal(answers[9].code, "RATE_LIMITED");
  assert.equal(answers[10].ok.sent.ok, true);
  // Each countdown is computed at its own request's frozen time.
  assert.ok(answers[11].ok.retryAfter > answers[12].ok.retryAfter && answers[12].ok.retryAfter > 0, JSON.stringify(answers.slice(11, 13)));
  assert.equal(answers[13].ok.ok, true);
  assert.equal(answers[14].ok.ok, false);
  // Codes: drawn from each execution's seed, never from bytes kept from an earlier request.
  assert.match(answers[15].ok, /^\d{8}$/);
  assert.notEqual(answers[15].ok, answers[16].ok);
  assert.equal(answers[17].ok, answers[15].ok);
  // An engine call that died in the stack overflow does not poison the requests after it.
  assert.deepEqual(answers[18], { ok: "exhausted" });
  assert.deepEqual(answers[19], answers[0]);
  assert.deepEqual(answers[20], answers[4]);
  assert.equal(answers[21].ok.sent.ok, true);
  assert.equal(answers[22].ok.sent.ok, true, "a new window two minutes later");
});
