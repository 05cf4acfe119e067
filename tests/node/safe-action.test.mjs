// guard.safeAction from the attacker's side: a secret must not reach the client in any form
// the scan can see, and nothing thrown by the check or the handler leaks its text.
import assert from "node:assert/strict";
import { test } from "node:test";
import { getFunctionName } from "convex/server";
import { ConvexError, v } from "convex/values";
import { defineGuard, GuardConfigError, REDACTED } from "convex-guard";
import { assertStorable } from "./storable.mjs";

const SECRET = "s".repeat(40);
const API_KEY = 'key-with-"quote"-and-\\backslash-0123456789';
process.env.CONVEX_GUARD_SECRET = SECRET;
process.env.EXTERNAL_API_KEY = API_KEY;

const guard = defineGuard({ roles: ["user"], confirmations: { redactEnv: ["EXTERNAL_API_KEY"] } });

const USER = { _id: "users:1", tokenIdentifier: "issuer|user", role: "user" };

/**
 * The wired `getUser` (guardFunctions:getUser), as the default check (requireUser) asks it:
 * `user`'s row, or the UNAUTHENTICATED denial the real query throws without one; as the
 * guard's own function answers, with the users setup it was asked for.
 */
function wiredGetUser(user) {
  return async (fn, { users, ...args }) => {
    assert.equal(getFunctionName(fn), "guardFunctions:getUser");
    assert.deepEqual(args, { required: true });
    assert.equal(typeof users, "string");
    if (user === null) throw new ConvexError({ code: "UNAUTHENTICATED", message: "Authentication required" });
    return { users, user };
  };
}

/**
 * The wired log mutation (audit:log) as the guard's own answers: the event goes to `audited`
 * (the table it was asked for, `guardAudit`, apart), and the answer is the new row's id.
 */
function logInto(audited) {
  return ({ table, ...event }) => {
    assert.equal(table, "guardAudit");
    assertStorable(event);
    audited.push(event);
    return `guardAudit:${audited.length}`;
  };
}

/** The wired rateLimit's answer as the guard's own: the decision, with the limit's configuration it was asked for. */
const answered = (decision, args) => ({ ...decision, config: args.config });

/**
 * A minimal action ctx: a signed-in caller with a user row; audit rows go through
 * runMutation, which refuses what Convex refuses (or fails with `failure`, when given).
 */
function actionCtx(audited = [], failure) {
  return {
    auth: { getUserIdentity: async () => ({ tokenIdentifier: "issuer|user", subject: "user", issuer: "issuer" }) },
    runQuery: wiredGetUser(USER),
    runMutation: async (_fn, row) => {
      if (failure !== undefined) throw failure;
      return logInto(audited)(row);
    },
  };
}

async function outcome(definition, failure) {
  const audited = [];
  try {
    return { ok: await definition.handler(actionCtx(audited, failure), {}), audited };
  } catch (e) {
    return { data: e?.data, message: e?.message, error: e, audited };
  }
}

const returning = (value) => guard.safeAction({ name: "t", args: {}, handler: async () => value });
const throwing = (error) =>
  guard.safeAction({
    name: "t",
    args: {},
    handler: async () => {
      throw error;
    },
  });

const UPSTREAM = { code: "UPSTREAM_UNAVAILABLE", message: "External service unavailable" };

test("a clean result passes and is audited as a success", async () => {
  const r = await outcome(guard.safeAction({ name: "t", args: {}, handler: async () => ({ n: 1 }) }));
  assert.deepEqual(r.ok, { n: 1 });
  assert.equal(r.audited.at(-1)?.outcome, "success");
  assert.equal(r.audited.at(-1)?.actor, USER._id, "the default check's actor is the user row's _id");
});

test("a secret with JSON-escaped characters in a result is caught", async () => {
  const r = await outcome(guard.safeAction({ name: "t", args: {}, handler: async () => ({ echo: API_KEY }) }));
  assert.deepEqual(r.data, UPSTREAM);
});

test("a secret inside bytes (ArrayBuffer or typed array) is caught", async () => {
  const bytes = new TextEncoder().encode(`Bearer ${API_KEY}`);
  for (const value of [bytes.buffer, bytes, { nested: [bytes] }]) {
    const r = await outcome(guard.safeAction({ name: "t", args: {}, handler: async () => value }));
    assert.deepEqual(r.data, UPSTREAM);
  }
});

test("a plain error from the check is generic to the client and audited", async () => {
  const check = async () => {
    throw new Error(`db down, password ${API_KEY}`);
  };
  const r = await outcome(guard.safeAction({ name: "t", args: {}, check, handler: async () => 1 }));
  assert.deepEqual(r.data, UPSTREAM);
  assert.ok(!String(r.message).includes(API_KEY));
  assert.equal(r.audited.at(-1)?.outcome, "error");
  assert.ok(!JSON.stringify(r.audited).includes(API_KEY), "the audit row is redacted");
});

test("a ConvexError from the check (an ordinary denial) passes through", async () => {
  const anonymous = { auth: { getUserIdentity: async () => null }, runQuery: wiredGetUser(null), runMutation: async (_fn, row) => logInto([])(row) };
  const def = guard.safeAction({ name: "t", args: {}, handler: async () => 1 });
  await assert.rejects(def.handler(anonymous, {}), (e) => e.data?.code === "UNAUTHENTICATED");
});

test("the default check never falls back to the identity: a signed-in caller without a user row is denied", async () => {
  let ran = false;
  const ctx = { ...actionCtx(), runQuery: wiredGetUser(null) };
  const def = guard.safeAction({ name: "t", args: {}, handler: async () => (ran = true) });
  await assert.rejects(def.handler(ctx, {}), (e) => e.data?.code === "UNAUTHENTICATED");
  assert.equal(ran, false);
});

test("an explicit identity-only check still works (the documented opt-out)", async () => {
  const check = async (ctx) => {
    const identity = await ctx.auth.getUserIdentity();
    if (identity === null) throw new ConvexError({ code: "UNAUTHENTICATED", message: "Authentication required" });
    return identity.tokenIdentifier;
  };
  const audited = [];
  const ctx = { ...actionCtx(audited), runQuery: wiredGetUser(null) };
  const def = guard.safeAction({ name: "t", args: {}, check, handler: async () => 1 });
  assert.equal(await def.handler(ctx, {}), 1);
  assert.equal(audited.at(-1)?.actor, "issuer|user");
});

// ---- the scan: only plain Convex values, no form of a secret

test("a secret with quotes and backslashes is caught in JSON text, escaped once or twice", async () => {
  const once = JSON.stringify({ echo: API_KEY });
  for (const value of [once, JSON.stringify({ body: once }), { text: once }]) {
    const r = await outcome(returning(value));
    assert.deepEqual(r.data, UPSTREAM, JSON.stringify(value));
    assert.equal(r.audited.at(-1)?.outcome, "error");
  }
});

test("every encoding of a secret is caught, in strings, field names and bytes", async () => {
  const bytes = Buffer.from(API_KEY);
  const forms = {
    urlEncoded: encodeURIComponent(API_KEY),
    hex: bytes.toString("hex"),
    HEX: bytes.toString("hex").toUpperCase(),
    base64: bytes.toString("base64"),
    base64url: bytes.toString("base64url"),
    base64Shifted: Buffer.from(`ab${API_KEY}`).toString("base64"),
    base64urlShifted: Buffer.from(`a${API_KEY}`).toString("base64url"),
  };
  for (const [name, form] of Object.entries(forms)) {
    for (const value of [`id=${form}&x=1`, { [`k-${form}`]: 1 }, [new TextEncoder().encode(`<${form}>`).buffer]]) {
      const r = await outcome(returning(value));
      assert.deepEqual(r.data, UPSTREAM, `${name} in ${typeof value}`);
    }
  }
});

test("an all-digit secret is caught as a number or a bigint too, in a result, a ConvexError's data and its audit row", async () => {
  // An attacker's review: `{ account: Number(key) }` left the action, and was stored.
  const digits = "8675309123456";
  process.env.EXTERNAL_API_KEY = digits;
  try {
    for (const value of [{ account: Number(digits) }, [BigInt(digits) * 10n + 7n], Number(digits)]) {
      const r = await outcome(returning(value));
      assert.deepEqual(r.data, UPSTREAM, String(value));
      assert.ok(!JSON.stringify(r.audited, (_k, v) => (typeof v === "bigint" ? String(v) : v)).includes(digits));
    }
    const denied = await outcome(throwing(new ConvexError({ code: "FORBIDDEN", n: Number(digits) })));
    assert.ok(!JSON.stringify(denied.audited).includes(digits), JSON.stringify(denied.audited));
    assert.ok(!JSON.stringify(denied.data ?? null).includes(digits));
    // A number that only shares some digits is a number.
    assert.deepEqual((await outcome(returning({ n: 8675309 }))).ok, { n: 8675309 });
  } finally {
    process.env.EXTERNAL_API_KEY = API_KEY;
  }
});

test("Map, Set, Date, typed arrays, class instances and undefined in arrays are refused", async () => {
  class Company {
    name = "Acme";
  }
  const values = [
    new Map([["key", API_KEY]]),
    new Set([API_KEY]),
    new Map(),
    new Set(),
    new Date(0),
    new Uint8Array([1, 2]),
    new Company(),
    [1, undefined],
    { f: () => 1 },
    { s: Symbol("x") },
    { "détail": 1 },
    { $x: 1 },
    2n ** 64n,
  ];
  for (const value of values) {
    const r = await outcome(returning(value));
    assert.deepEqual(r.data, UPSTREAM, String(value?.constructor?.name ?? typeof value));
    assert.ok(!String(r.message).includes(API_KEY));
    assert.deepEqual(r.audited.at(-1)?.details, { error: "the result is not a plain Convex value", started: "guardAudit:1" });
  }
});

test("plain values pass unchanged: bytes, bigints, _id fields, null, nothing", async () => {
  for (const value of [null, 0n, "", [1, [2]], { _id: "x", nested: { ok: true } }, new ArrayBuffer(3), NaN]) {
    const r = await outcome(returning(value));
    assert.deepEqual(r.ok, value);
  }
  assert.equal((await outcome(returning(undefined))).ok, undefined);
});

test("the value returned is the one scanned: a getter cannot answer twice", async () => {
  let reads = 0;
  const sneaky = {
    get name() {
      reads += 1;
      return reads === 1 ? "Acme" : API_KEY;
    },
  };
  const r = await outcome(returning(sneaky));
  assert.deepEqual(r.ok, { name: "Acme" });
  assert.equal(Object.getOwnPropertyDescriptor(r.ok, "name").get, undefined);
  assert.ok(!JSON.stringify(r.ok).includes(API_KEY));
});

test("ConvexError data: a secret anywhere in it (a field name too) is generic; a Map is refused", async () => {
  for (const data of [{ code: "X", message: "m", [API_KEY]: 1 }, { code: "X", list: [Buffer.from(API_KEY).toString("hex")] }, new Map()]) {
    const r = await outcome(throwing(new ConvexError(data)));
    assert.deepEqual(r.data, UPSTREAM);
    assert.ok(!JSON.stringify(r.audited).includes(API_KEY));
  }
});

// ---- the audit row: structured, redacted, always storable

test("ConvexError data reaches the audit row structured, with secret fields redacted", async () => {
  const r = await outcome(throwing(new ConvexError({ code: "REJECTED", message: "no", password: "hunter2" })));
  assert.deepEqual(r.data, { code: "REJECTED", message: "no", password: "hunter2" }, "the app's own denial passes");
  assert.equal(r.audited.at(-1)?.outcome, "denied");
  assert.deepEqual(r.audited.at(-1)?.details, {
    error: { name: "ConvexError", data: { code: REDACTED, message: "no", password: REDACTED } },
    started: "guardAudit:1",
  });
});

test("a denial with one of the guard's codes is named in the row; any other code is not", async () => {
  // `code` is redacted like every secret-named field, so without `denial` FORBIDDEN,
  // RATE_LIMITED and UNAUTHENTICATED rows would differ only by their message.
  for (const code of ["FORBIDDEN", "RATE_LIMITED", "UNAUTHENTICATED"]) {
    const r = await outcome(throwing(new ConvexError({ code, message: "no" })));
    assert.equal(r.audited.at(-1)?.outcome, "denied");
    assert.deepEqual(r.audited.at(-1)?.details, { error: { name: "ConvexError", data: { code: REDACTED, message: "no" } }, denial: code, started: "guardAudit:1" });
  }
  // An app's own code could be anything (a code the user typed, a secret): never copied out.
  for (const code of ["123456", "forbidden", "FORBIDDEN ", API_KEY]) {
    const r = await outcome(throwing(new ConvexError({ code, message: "no" })));
    assert.equal(r.audited.at(-1)?.details?.denial, undefined, JSON.stringify(code).slice(0, 20));
  }
  // A guard code in data that carries a secret is not shown, so not a denial either.
  const r = await outcome(throwing(new ConvexError({ code: "FORBIDDEN", message: `key ${API_KEY}` })));
  assert.equal(r.audited.at(-1)?.outcome, "error");
  assert.equal(r.audited.at(-1)?.details?.denial, undefined);
});

test("an upstream body with the key as a field name and non-ASCII names is audited, redacted", async () => {
  const body = { [`https://api.example/v1?key=${API_KEY}`]: "invalid key", "détail": "refusé", $meta: { _id: 1 } };
  const r = await outcome(throwing(Object.assign(new Error("upstream 401"), { body })));
  assert.deepEqual(r.data, UPSTREAM);
  assert.deepEqual(r.audited.map((row) => row.outcome), ["started", "error"], "the row is written, not lost");
  assert.ok(!JSON.stringify(r.audited).includes(API_KEY));
  // `?key=` has the secret word `key`, `détail` a non-ASCII character: both values redacted.
  assert.deepEqual(Object.values(r.audited[1].details.error.body), [REDACTED, REDACTED, { "%5Fid": 1 }]);
});

test("a surrogate pair at the cut does not make the row unstorable", async () => {
  const r = await outcome(throwing(new Error(`${"a".repeat(1999)}${"😀".repeat(10)}`)));
  assert.deepEqual(r.audited.map((row) => row.outcome), ["started", "error"]);
});

// ---- write-ahead: a "started" row before the handler runs (an attacker's review: an action
// killed mid-handler runs no catch and no finally, and its effects had no row)

test("the started row is written before the handler runs; the final row names it", async () => {
  const audited = [];
  let seen;
  const def = guard.safeAction({
    name: "ext.call",
    args: { domain: v.string() },
    resourceType: "companies",
    resourceId: "domain",
    handler: async () => {
      seen = audited.map((row) => ({ ...row }));
      return "done";
    },
  });
  assert.equal(await def.handler(actionCtx(audited), { domain: "acme.example" }), "done");
  const fields = { action: "ext.call", actor: USER._id, resourceType: "companies", resourceId: "acme.example" };
  assert.deepEqual(seen, [{ ...fields, outcome: "started" }], "the handler ran with its started row already written");
  assert.deepEqual(audited, [
    { ...fields, outcome: "started" },
    { ...fields, outcome: "success", details: { started: "guardAudit:1" } },
  ]);
});

test("a started row that cannot be written: the handler never runs, and the call fails as a failed audit write does", async () => {
  for (const [failure, expected] of [
    [new Error(`disk full while writing ${API_KEY}`), (e) => e.data?.code === "UPSTREAM_UNAVAILABLE" && !String(e.message).includes(API_KEY)],
    [new Error("Could not find public function for 'audit:log'. Did you forget to run `npx convex dev`?"), (e) => e instanceof GuardConfigError && /guard\.audit\.logMutation\(internalMutation\)/.test(e.message)],
  ]) {
    let ran = false;
    const attempts = [];
    const ctx = {
      ...actionCtx(),
      runMutation: async (_fn, row) => {
        attempts.push(row.outcome);
        throw failure;
      },
    };
    const def = guard.safeAction({ name: "t", args: {}, handler: async () => (ran = true) });
    await assert.rejects(def.handler(ctx, {}), expected);
    assert.equal(ran, false, "no handler without its started row");
    assert.deepEqual(attempts, ["started"], "one attempt, then the call fails: no final row written for a handler that never ran");
  }
  // The write fails only once, for the started row: still nothing runs.
  let ran = false;
  const audited = [];
  let first = true;
  const ctx = {
    ...actionCtx(audited),
    runMutation: async (_fn, row) => {
      if (first) {
        first = false;
        throw new Error("transient");
      }
      return logInto(audited)(row);
    },
  };
  await assert.rejects(guard.safeAction({ name: "t", args: {}, handler: async () => (ran = true) }).handler(ctx, {}), (e) => e.data?.code === "UPSTREAM_UNAVAILABLE");
  assert.deepEqual([ran, audited], [false, []]);
});

test("a handler that throws leaves its started row and an error row naming it; the secret redacted in both", async () => {
  const audited = [];
  const def = guard.safeAction({
    name: "t",
    args: { q: v.string() },
    resourceId: "q",
    handler: async () => {
      throw new Error(`upstream quoted ${API_KEY}`);
    },
  });
  await assert.rejects(def.handler(actionCtx(audited), { q: `id-${API_KEY}` }), (e) => e.data?.code === "UPSTREAM_UNAVAILABLE");
  assert.deepEqual(audited.map((row) => [row.outcome, row.resourceId, row.details?.started]), [
    ["started", `id-${REDACTED}`, undefined],
    ["error", `id-${REDACTED}`, "guardAudit:1"],
  ]);
  assert.ok(!JSON.stringify(audited).includes(API_KEY));
});

// ---- fail closed when the row cannot be written

test("an audit write that fails turns success, and clean denials, into UPSTREAM_UNAVAILABLE", async () => {
  const failure = new Error(`disk full while writing ${API_KEY}`);
  for (const def of [returning({ n: 1 }), throwing(new ConvexError({ code: "FORBIDDEN", message: "no" }))]) {
    const r = await outcome(def, failure);
    assert.equal(r.ok, undefined, "never a success unaudited");
    assert.deepEqual(r.data, UPSTREAM);
    assert.ok(!String(r.message).includes("disk full") && !String(r.message).includes(API_KEY));
  }
});

test("a missing log mutation or a ctx that cannot log is a GuardConfigError naming the fix", async () => {
  for (const failure of [
    new Error("Could not find public function for 'audit:log'. Did you forget to run `npx convex dev`?"),
    new Error('Expected a Convex function exported from module "audit" as `log`, but there is no such export.'),
  ]) {
    const r = await outcome(returning(1), failure);
    assert.ok(r.error instanceof GuardConfigError, String(r.error));
    assert.match(r.message, /guard\.audit\.logMutation\(internalMutation\)/);
  }
  const noLog = { auth: actionCtx().auth };
  await assert.rejects(returning(1).handler(noLog, {}), GuardConfigError);
});

test("a log mutation that is not the guard's (stores nothing, or another guard's trail) fails the call: never a success unaudited", async () => {
  // An attacker's review: a hand-written `log` that stores nothing, exported at audit:log, and
  // the safe action answered success with no audit row.
  // A builder that keeps the definition (`handler` is the function), marked as Convex marks an
  // internal mutation (the guard refuses any other).
  const define = (def) => ({ ...def, isMutation: true, isInternal: true });
  const inserted = [];
  const db = {
    query: () => ({ withIndex: () => ({ first: async () => null }) }),
    insert: async (table, row) => (inserted.push([table, row]), `${table}:${inserted.length}`),
  };
  const otherTrail = defineGuard({ roles: ["user"], confirmations: { audit: { table: "otherAudit" } } }).audit.logMutation(define);
  const notTheLog =
    "'audit:log' answered something that is not the guard's answer (the id of the row it inserted into the audit table 'guardAudit'): " +
    "export `export const log = guard.audit.logMutation(internalMutation);` from convex/audit.ts (or set confirmations.audit.logFunction)";
  for (const [label, log, message] of [
    ["a no-op answering null", async () => null, notTheLog],
    ["a no-op answering nothing", async () => undefined, notTheLog],
    ["another guard's, whose trail is another table", (args) => otherTrail.handler({ db }, args), notTheLog],
    [
      "one whose validator takes the event alone",
      async () => {
        throw new Error("ArgumentValidationError: Object contains extra field `table` that is not in the validator.");
      },
      notTheLog.replace("the id of the row it inserted into the audit table 'guardAudit'", "it refused the argument 'table' that the guard's own function takes"),
    ],
  ]) {
    for (const handler of [async () => "done", async () => { throw new ConvexError({ code: "FORBIDDEN", message: "no" }); }]) {
      let ran = false;
      const ctx = { ...actionCtx(), runMutation: async (_fn, args) => log(args) };
      const def = guard.safeAction({ name: "t", args: {}, handler: (...a) => ((ran = true), handler(...a)) });
      await assert.rejects(def.handler(ctx, {}), (e) => e instanceof GuardConfigError && e.message === message, label);
      assert.equal(ran, false, `${label}: its started row unproven, the handler never runs`);
    }
  }
  assert.deepEqual(inserted, [], "the other guard's log inserted nothing into its own trail either");
  // The guard's own log mutation inserts the row and answers its id: the call succeeds.
  const own = guard.audit.logMutation(define);
  const ctx = { ...actionCtx(), runMutation: async (_fn, args) => own.handler({ db }, args) };
  assert.equal(await guard.safeAction({ name: "t", args: {}, handler: async () => "done" }).handler(ctx, {}), "done");
  assert.deepEqual(inserted.map(([table, row]) => [table, row.action, row.outcome, row.table, row.details]), [
    ["guardAudit", "t", "started", undefined, undefined],
    ["guardAudit", "t", "success", undefined, { started: "guardAudit:1" }],
  ]);
  // Asked directly, without a table (an app's own call), it answers null as before.
  assert.equal(await own.handler({ db }, { action: "x", outcome: "y" }), null);
  assert.equal(inserted.length, 3);
});

test("with users.roleClaim (the user is the identity), the default check's actor is its tokenIdentifier", async () => {
  const claims = defineGuard({ roles: ["user"], users: { roleClaim: "https://app.example/role" } });
  const identity = { tokenIdentifier: "issuer|user", subject: "user", issuer: "issuer", "https://app.example/role": "user" };
  const audited = [];
  const ctx = { ...actionCtx(audited), auth: { getUserIdentity: async () => identity }, runQuery: wiredGetUser(identity) };
  const def = claims.safeAction({ name: "t", args: {}, handler: async (_ctx, _args, { actor }) => actor.tokenIdentifier });
  assert.equal(await def.handler(ctx, {}), "issuer|user");
  assert.equal(audited.at(-1)?.actor, "issuer|user");
});

test("with users.roleClaim, a token carrying _id and _creationTime claims is still the identity: its actor and its key are its tokenIdentifier", async () => {
  // An attacker's review: an issuer that copies user-editable metadata into the token (a JWT
  // template) let the caller choose `_id` and `_creationTime`, read as a row's: the audit
  // trail's actor and the rate-limit key were another user's id.
  const claims = defineGuard({ roles: ["user", "admin"], users: { roleClaim: "role" }, rateLimits: { send: { rate: 5, period: 60_000 } } });
  const forged = { tokenIdentifier: "issuer|mallory", subject: "mallory", issuer: "issuer", role: "user", _id: "users:victim", _creationTime: 1 };
  const audited = [];
  const taken = [];
  const ctx = {
    ...actionCtx(audited),
    auth: { getUserIdentity: async () => forged },
    // The wired getUser as the guard's answers: the caller holds no admin role.
    runQuery: async (_fn, { users, role }) => {
      if (role === "admin") throw new ConvexError({ code: "FORBIDDEN", message: "Insufficient role" });
      return { users, user: forged };
    },
    runMutation: async (fn, args) => {
      if (getFunctionName(fn) === "guardFunctions:rateLimit") return taken.push(args.key), answered({ ok: true, remaining: 4, retryAfter: 0 }, args);
      return logInto(audited)(args);
    },
  };
  const def = claims.safeAction({ name: "t", args: {}, rateLimit: { name: "send" }, handler: async () => 1 });
  assert.equal(await def.handler(ctx, {}), 1);
  assert.equal(audited.at(-1)?.actor, "issuer|mallory");
  assert.deepEqual(taken, ["issuer|mallory"]);
  // Refused by a role check: the denial's row names the token too.
  const admin = claims.safeAction({ name: "a", args: {}, role: "admin", handler: async () => 2 });
  await assert.rejects(admin.handler(ctx, {}), (e) => e?.data?.code === "FORBIDDEN");
  assert.equal(audited.at(-1)?.outcome, "denied");
  assert.equal(audited.at(-1)?.actor, "issuer|mallory");
});

test("an actor is a row's _id even when the row stores its identity's fields, and an identity's tokenIdentifier whatever _id claim it carries", async () => {
  // A users row that keeps tokenIdentifier, issuer and subject (an attacker's review: read as
  // an identity, its key was the tokenIdentifier, which forgetUser and resetRateLimit miss).
  const row = { _id: "users:2", _creationTime: 1, tokenIdentifier: "issuer|user", issuer: "issuer", subject: "user", role: "user" };
  const audited = [];
  const def = guard.safeAction({ name: "t", args: {}, handler: async () => 1 });
  assert.equal(await def.handler({ ...actionCtx(audited), runQuery: wiredGetUser(row) }, {}), 1);
  assert.equal(audited.at(-1)?.actor, "users:2");
  // An identity (no _creationTime) with a custom `_id` claim: its tokenIdentifier.
  const identity = { tokenIdentifier: "issuer|m", issuer: "issuer", subject: "m", _id: "users:2" };
  const own = guard.safeAction({ name: "t", args: {}, check: async () => identity, handler: async () => 2 });
  assert.equal(await own.handler(actionCtx(audited), {}), 2);
  assert.equal(audited.at(-1)?.actor, "issuer|m");
  // The README's own check, `(ctx) => ctx.auth.getUserIdentity()`, with a token that also
  // claims `_creationTime` (an attacker's review: an issuer copying user-editable metadata into
  // its tokens made the caller's chosen `_id` the actor and the rate-limit key): still the token.
  const forged = { ...identity, _creationTime: 1 };
  const asToken = guard.safeAction({ name: "t", args: {}, check: (ctx) => ctx.auth.getUserIdentity(), handler: async () => 3 });
  assert.equal(await asToken.handler({ ...actionCtx(audited), auth: { getUserIdentity: async () => ({ ...forged }) } }, {}), 3);
  assert.equal(audited.at(-1)?.actor, "issuer|m");
  // A row a check read, storing its user's tokenIdentifier, under a token whose `_id` claim is
  // that row's id (an attacker's review: keyed by the token, two buckets for one user): the row.
  const claimsRowId = guard.safeAction({ name: "t", args: {}, check: async () => row, handler: async () => 5 });
  const sameId = { tokenIdentifier: "issuer|user", issuer: "issuer", subject: "user", _id: "users:2" };
  assert.equal(await claimsRowId.handler({ ...actionCtx(audited), auth: { getUserIdentity: async () => sameId } }, {}), 5);
  assert.equal(audited.at(-1)?.actor, "users:2");
  // A row a check read, storing its user's tokenIdentifier: still its _id (the token claims none).
  const byToken = guard.safeAction({ name: "t", args: {}, check: async () => row, handler: async () => 4 });
  assert.equal(await byToken.handler({ ...actionCtx(audited), auth: { getUserIdentity: async () => ({ tokenIdentifier: "issuer|user", issuer: "issuer", subject: "user" }) } }, {}), 4);
  assert.equal(audited.at(-1)?.actor, "users:2");
});

test("a rate-limit key is the default actor's _id, or exactly what rateLimit.key returns; a non-string is refused, never stringified", async () => {
  const limited = defineGuard({
    roles: ["user"],
    confirmations: { redactEnv: ["EXTERNAL_API_KEY"] },
    rateLimits: { upload: { rate: 5, period: 60_000 } },
  });
  const run = async (key) => {
    const keys = [];
    const audited = [];
    let ran = false;
    const ctx = {
      ...actionCtx(audited),
      runMutation: async (fn, args) => {
        if (getFunctionName(fn) === "guardFunctions:rateLimit") return keys.push(args.key), answered({ ok: true, remaining: 4, retryAfter: 0 }, args);
        return logInto(audited)(args);
      },
    };
    const def = limited.safeAction({ name: "t", args: {}, rateLimit: { name: "upload", key }, handler: async () => (ran = true) });
    const r = await def.handler(ctx, {}).then((ok) => ({ ok }), (e) => ({ error: e }));
    return { ...r, keys, ran, outcome: audited.at(-1)?.outcome };
  };
  // The default key is the row's _id, not the row; a key function gets the row as the actor.
  assert.deepEqual(await run(undefined), { ok: true, keys: [USER._id], ran: true, outcome: "success" });
  assert.deepEqual(await run(({ actor }) => `upload:${actor._id}`), { ok: true, keys: [`upload:${USER._id}`], ran: true, outcome: "success" });
  // A key function answering anything but a string (the row itself, a number, nothing) is the
  // developer's bug: refused before any rate limit or handler, audited.
  for (const [key, what] of [[({ actor }) => actor, "object"], [() => 7, "number"], [() => undefined, "undefined"], [() => null, "null"]]) {
    const r = await run(key);
    assert.ok(r.error instanceof GuardConfigError, String(r.error));
    assert.match(r.error.message, new RegExp(`rateLimit\\.key must return a string \\(it returned ${what}\\)`));
    assert.deepEqual([r.keys, r.ran, r.outcome], [[], false, "error"]);
  }
});

test("a list of limits is taken in one call of the wired rateLimit, all or nothing; a bad key in any entry takes nothing", async () => {
  const limited = defineGuard({
    roles: ["user"],
    confirmations: { redactEnv: ["EXTERNAL_API_KEY"] },
    rateLimits: { upload: { rate: 5, period: 60_000 }, uploadGlobal: { kind: "fixed window", rate: 50, period: 60_000 } },
  });
  const run = async (rateLimit, answer = (requests) => ({ ok: true, retryAfter: 0, decisions: requests.map(() => ({ ok: true, remaining: 1, retryAfter: 0 })) })) => {
    const calls = [];
    const audited = [];
    let ran = false;
    const ctx = {
      ...actionCtx(audited),
      runMutation: async (fn, args) => {
        if (getFunctionName(fn) !== "guardFunctions:rateLimit") return logInto(audited)(args);
        calls.push(args);
        return { ...answer(args.requests), configs: args.requests.map((r) => r.config) };
      },
    };
    const def = limited.safeAction({ name: "t", args: { room: v.string() }, rateLimit, handler: async () => (ran = true) });
    const r = await def.handler(ctx, { room: "r1" }).then((ok) => ({ ok }), (e) => ({ error: e }));
    return { ...r, calls, ran, outcome: audited.at(-1)?.outcome, audited };
  };
  // One call, every entry: the actor's key by default, a key function's answer as it is.
  const both = await run([{ name: "upload" }, { name: "uploadGlobal", key: ({ args }) => `room:${args.room}` }]);
  assert.deepEqual([both.ok, both.ran, both.outcome], [true, true, "success"]);
  assert.deepEqual(
    both.calls.map((c) => c.requests.map(({ name, key }) => [name, key])),
    [[["upload", USER._id], ["uploadGlobal", "room:r1"]]],
  );
  assert.deepEqual(Object.keys(both.calls[0]), ["requests"]); // the list form alone
  // A refusal by either limit: RATE_LIMITED with the batch's retryAfter, audited as denied, the handler never run.
  const refused = await run([{ name: "upload" }, { name: "uploadGlobal", key: () => "global" }], () => ({
    ok: false,
    retryAfter: 1500,
    decisions: [{ ok: true, remaining: 4, retryAfter: 0 }, { ok: false, remaining: 0, retryAfter: 1500 }],
  }));
  assert.deepEqual([refused.error?.data, refused.ran, refused.outcome], [
    { code: "RATE_LIMITED", message: "Too many requests. Try again in 2 seconds", retryAfter: 1500 },
    false,
    "denied",
  ]);
  assert.deepEqual(refused.audited.map((row) => row.outcome), ["denied"], "one row, no started row: the handler never ran");
  assert.deepEqual(both.audited.map((row) => row.outcome), ["started", "success"]);
  // A key function answering anything but a string, in any entry: the developer's, named by its
  // place; nothing taken from any limit, the handler never run.
  for (const [key, what] of [[({ actor }) => actor, "object"], [() => 7, "number"], [() => undefined, "undefined"]]) {
    const r = await run([{ name: "upload" }, { name: "uploadGlobal", key }]);
    assert.ok(r.error instanceof GuardConfigError, String(r.error));
    assert.equal(r.error.message, `safeAction 't': rateLimit[1].key must return a string (it returned ${what})`);
    assert.deepEqual([r.calls, r.ran, r.outcome], [[], false, "error"]);
  }
  // The same limit and key twice, known only at the call (an attacker's review: the caller got
  // INVALID_ARGUMENT, audited as denied): the developer's, nothing taken.
  for (const list of [
    [{ name: "uploadGlobal", key: () => "global" }, { name: "uploadGlobal", key: () => "global" }],
    [{ name: "upload" }, { name: "upload", key: ({ actor }) => actor._id }],
  ]) {
    const r = await run(list);
    assert.ok(r.error instanceof GuardConfigError, String(r.error));
    assert.equal(r.error.message, `safeAction 't': rateLimit[1] takes from '${list[1].name}' with a key another entry already uses`);
    assert.deepEqual([r.calls, r.ran, r.outcome], [[], false, "error"]);
  }
  const template = await run([{ name: "upload" }, { name: "uploadGlobal", key: ({ actor }) => `u:${actor}` }]);
  assert.equal(template.error?.message, "safeAction 't': rateLimit[1].key returned a key holding '[object ...]', one key for every caller: write a string field (actor._id)");
  assert.deepEqual(template.calls, []);
  // A name the guard does not configure, in any entry: the developer's, before the check.
  const misspelt = await run([{ name: "upload" }, { name: "uploadGlobl", key: () => "global" }]);
  assert.equal(misspelt.error?.message, "safeAction 't': rate limit 'uploadGlobl' is not configured (did you mean 'uploadGlobal'?)");
  assert.deepEqual(misspelt.calls, []);
  // The single form is unchanged: name, key, consume and config, no list.
  const one = await run({ name: "upload" }, () => ({}));
  assert.equal(one.calls.length, 1);
  assert.deepEqual(Object.keys(one.calls[0]).sort(), ["config", "consume", "key", "name"]);
});

// ---- the check's answer, and the definition's keys (an attacker's review of safe actions)

/** An action ctx whose wired getUser answers `answer` to every question; audit rows in `audited`. */
function answering(answer, audited) {
  return { ...actionCtx(audited), auth: { getUserIdentity: async () => null }, runQuery: async (_fn, { users }) => ({ users, user: answer }) };
}

test("a check that returns no actor (null, undefined) is UNAUTHENTICATED, audited as denied; the handler never runs", async () => {
  // The natural checks for a signed-out caller answer null: before, the handler ran for them,
  // audited as a success with no actor.
  for (const check of [(ctx) => ctx.auth.getUserIdentity(), (ctx) => guard.getUser(ctx), async () => undefined, async () => null]) {
    let ran = false;
    const audited = [];
    const def = guard.safeAction({ name: "ai.summarize", args: {}, check, handler: async () => (ran = true) });
    const e = await def.handler(answering(null, audited), {}).then(() => assert.fail("ran"), (e) => e);
    assert.deepEqual(e.data, { code: "UNAUTHENTICATED", message: "Authentication required" }, "the data guard.requireUser throws");
    assert.equal(ran, false);
    assert.equal(audited.length, 1);
    assert.equal(audited[0].outcome, "denied");
    assert.equal(audited[0].actor, undefined);
    assert.deepEqual(audited[0].details, { error: { name: "ConvexError", data: { code: REDACTED, message: "Authentication required" } }, denial: "UNAUTHENTICATED" });
  }
});

test("a check answering what is no actor (a boolean, an empty string, a number, an array, a decision) is a GuardConfigError, audited; never an actor", async () => {
  const rows = [[], [{ _id: "u1", _creationTime: 1 }]]; // a check answering `.collect()`: empty or not
  const noKey = "an object with neither an _id nor a tokenIdentifier";
  // The guard's own non-throwing answers: `rateLimit(..., { throws: false })`, `consumeConfirmation`,
  // `canShare`. Before, each was the actor as it was, and its handler ran for every caller it refused.
  const decisions = [{ ok: false, retryAfter: 60_000 }, { ok: false, error: { code: "INVALID_CONFIRMATION" } }, { ok: false, reason: "BELOW_SHARE_LEVEL" }];
  for (const [answer, what] of [
    [false, "a boolean"],
    [true, "a boolean"],
    ["", "an empty string"],
    [0, "a number"],
    [7n, "a bigint"],
    ...rows.map((r) => [r, "an array"]),
    ...decisions.map((d) => [d, noKey]),
    [{}, noKey],
    [{ org: "o1" }, noKey],
    [{ _id: "" }, noKey],
    [{ _id: 5, tokenIdentifier: "" }, noKey],
    // The key is the `_id` when it is a string: an empty one beside a token keyed the rows "" (attack23).
    [{ _id: "", tokenIdentifier: "tok-x" }, noKey],
  ]) {
    let ran = false;
    const audited = [];
    const def = guard.safeAction({ name: "t", args: {}, check: async () => answer, handler: async () => (ran = true) });
    await assert.rejects(def.handler(answering(null, audited), {}), (e) =>
      e instanceof GuardConfigError &&
      e.message ===
        `safeAction 't': check returned ${what}: return the actor (a non-empty string, a user row or an identity), null when there is no caller, or throw a denial (a decision such as { ok: false } is not an actor)`,
    );
    assert.equal(ran, false, what);
    assert.deepEqual(audited.map((r) => [r.outcome, r.actor]), [["error", undefined]]);
  }
  // A string, a row or an identity is the actor as it is.
  for (const [answer, key] of [["svc", "svc"], [{ _id: "u1", _creationTime: 1, name: "Ada" }, "u1"], [{ tokenIdentifier: "https://i|s", issuer: "https://i", subject: "s" }, "https://i|s"]]) {
    const audited = [];
    const ok = guard.safeAction({ name: "t", args: {}, check: async () => answer, handler: async (_c, _a, { actor }) => actor });
    assert.deepEqual(await ok.handler(answering(null, audited), {}), answer);
    assert.deepEqual(audited.map((r) => [r.outcome, r.actor]), [["started", key], ["success", key]]);
  }
});

test("a check's actor is read once: a getter cannot pass with one id and be keyed with another", async () => {
  // attack23: the answer's _id was read to admit it, then again for its key: a getter answering
  // the caller's id first and a victim's after spent the victim's budget under the victim's name.
  let reads = 0;
  const flipping = {
    get _id() {
      return reads++ === 0 ? "u-caller" : "u-victim";
    },
    _creationTime: 1,
  };
  const audited = [];
  const def = guard.safeAction({ name: "t", args: {}, check: async () => flipping, handler: async () => "ran" });
  assert.equal(await def.handler(answering(null, audited), {}), "ran");
  assert.deepEqual(audited.map((r) => [r.outcome, r.actor]), [["started", "u-caller"], ["success", "u-caller"]]);
  assert.equal(reads, 1);
});

test("a misspelt key of a safe action, at every depth, is refused at every call before the check, audited; nothing runs", async () => {
  const limited = defineGuard({ roles: ["user"], confirmations: { redactEnv: [] }, rateLimits: { upstream: { kind: "fixed window", rate: 1, period: 60_000 } } });
  const where = "safeAction 'ext.call'";
  for (const [definition, message] of [
    // The limit dropped: 5 of 5 calls ran against a 1-per-minute limit.
    [{ rateLimt: { name: "upstream" } }, `${where}: unknown key 'rateLimt' (did you mean 'rateLimit'?)`],
    [{ ratelimit: { name: "upstream" } }, `${where}: unknown key 'ratelimit' (did you mean 'rateLimit'?)`],
    // The key meant for everyone fell back to one per user.
    [{ rateLimit: { name: "upstream", kye: () => "global" } }, `${where}: rateLimit: unknown key 'kye' (did you mean 'key'?)`],
    [{ resourceID: "x" }, `${where}: unknown key 'resourceID' (did you mean 'resourceId'?)`],
    [{ chek: async () => "x" }, `${where}: unknown key 'chek' (did you mean 'check'?)`],
    [{ returns: null }, `${where}: unknown key 'returns' (it reads 'args', 'name', 'check', 'role', 'permission', 'resourceType', 'resourceId', 'rateLimit', 'handler')`],
    // role / permission: no requirement at all (null, ""), or one of two left unchecked.
    [{ role: null }, `${where}: role must be a role name (leave it out for none)`],
    [{ role: "" }, `${where}: role must be a role name (leave it out for none)`],
    [{ permission: ["x:y"] }, `${where}: permission must be a permission name (leave it out for none)`],
    [{ role: "user" }, `${where}: give one of check, role and permission, not check and role`],
    [{ check: undefined, role: "user", permission: "x:y" }, `${where}: give one of check, role and permission, not role and permission`],
    // A name the guard does not configure (past the types), before the guard is asked.
    [{ check: undefined, role: "admin" }, `${where}: role 'admin' is not configured (configured: 'user')`],
    [{ check: undefined, permission: "x:y" }, `${where}: permission 'x:y' is not configured (no role holds it)`],
    // What the wrapper would otherwise read wrongly: no limit, or a TypeError made generic.
    [{ rateLimit: null }, `${where}: rateLimit must be an object`],
    [{ rateLimit: "upstream" }, `${where}: rateLimit must be an object`],
    [{ rateLimit: { name: "upstream", key: "global" } }, `${where}: rateLimit.key must be a function ({ args, actor }) => string`],
    [{ check: "admin" }, `${where}: check must be a function`],
    // A list of limits (all or nothing): each entry checked as the single form, named by its place.
    [{ rateLimit: [] }, `${where}: rateLimit lists no limit (leave it out for none)`],
    [{ rateLimit: Array.from({ length: 17 }, (_, i) => ({ name: "upstream", key: () => `k${i}` })) }, `${where}: rateLimit lists 17 limits; at most 16 are taken all or nothing`],
    [{ rateLimit: [{ name: "upstream" }, null] }, `${where}: rateLimit[1] must be an object`],
    [{ rateLimit: [{ name: "upstream" }, , { name: "upstream", key: () => "g" }] }, `${where}: rateLimit[1] must be an object`], // eslint-disable-line no-sparse-arrays
    [{ rateLimit: [{ name: "upstream" }, [{ name: "upstream" }]] }, `${where}: rateLimit[1] must be an object`],
    [{ rateLimit: [{ name: "upstream" }, { name: "upstream", kye: () => "global" }] }, `${where}: rateLimit[1]: unknown key 'kye' (did you mean 'key'?)`],
    [{ rateLimit: [{ name: "upstream", key: "global" }] }, `${where}: rateLimit[0].key must be a function ({ args, actor }) => string`],
    [{ rateLimit: [{ name: "upstream" }, { name: "upstream" }] }, `${where}: rateLimit lists 'upstream' twice for the actor's key`],
    // Rows that would be told apart by nothing, or carry no resource, quietly.
    [{ resourceId: "companyId" }, `${where}: resourceId must name one of its arguments`],
    [{ resourceId: "constructor" }, `${where}: resourceId must name one of its arguments`],
  ]) {
    let checked = 0;
    let ran = 0;
    let limitedCalls = 0;
    const audited = [];
    const ctx = {
      ...actionCtx(audited),
      runMutation: async (fn, args) => {
        if (getFunctionName(fn) === "guardFunctions:rateLimit") return limitedCalls++, answered({ ok: true, remaining: 0, retryAfter: 0 }, args);
        return logInto(audited)(args);
      },
    };
    const def = limited.safeAction({ name: "ext.call", args: {}, check: async () => (checked++, "users:1"), handler: async () => ran++, ...definition });
    for (let i = 0; i < 2; i++) {
      await assert.rejects(def.handler(ctx, {}), (e) => e instanceof GuardConfigError && e.message === message, message);
    }
    assert.deepEqual([checked, ran, limitedCalls], [0, 0, 0], message);
    assert.deepEqual(audited.map((r) => [r.action, r.outcome, r.details?.error?.message]), [["ext.call", "error", message], ["ext.call", "error", message]]);
  }
  // A limit the guard does not configure (past the types): the developer's, before the check,
  // never the caller's INVALID_ARGUMENT audited as a denial.
  {
    const audited = [];
    let checkedCalls = 0;
    const def = limited.safeAction({ name: "ext.call", args: {}, rateLimit: { name: "upstraem" }, check: async () => (checkedCalls++, "users:1"), handler: async () => "ran" });
    for (let i = 0; i < 2; i++) {
      await assert.rejects(def.handler(actionCtx(audited), {}), (e) => e instanceof GuardConfigError && e.message === "safeAction 'ext.call': rate limit 'upstraem' is not configured (did you mean 'upstream'?)");
    }
    assert.equal(checkedCalls, 0);
    assert.deepEqual(audited.map((r) => r.outcome), ["error", "error"]);
  }
  // A name that tells no audit row apart: refused at every call, audited under the name it has.
  for (const name of [undefined, "", 7]) {
    const audited = [];
    let ran = 0;
    const def = limited.safeAction({ name, args: {}, check: async () => "users:1", handler: async () => ran++ });
    await assert.rejects(def.handler(actionCtx(audited), {}), (e) => e instanceof GuardConfigError && /: name must be a non-empty string/.test(e.message));
    assert.equal(ran, 0);
    assert.equal(audited[0]?.outcome, "error");
  }
  // Spelt right, the limit holds: one call of two runs.
  let ran = 0;
  const decisions = [{ ok: true, remaining: 0, retryAfter: 0 }, { ok: false, remaining: 0, retryAfter: 60_000 }];
  const ctx = {
    ...actionCtx(),
    runMutation: async (fn, args) => (getFunctionName(fn) === "guardFunctions:rateLimit" ? answered(decisions.shift(), args) : logInto([])(args)),
  };
  const right = limited.safeAction({ name: "ext.call", args: {}, rateLimit: { name: "upstream", key: () => "global" }, handler: async () => ran++ });
  await right.handler(ctx, {});
  await assert.rejects(right.handler(ctx, {}), (e) => e.data?.code === "RATE_LIMITED");
  assert.equal(ran, 1);
});

test("a safe action without args validators is refused at every call, as the builders refuse one: the client's arguments reach neither the handler nor the trail", async () => {
  // An attacker's review: `action(guard.safeAction({ name, handler }))` (plain JavaScript, or
  // past `as any`) registered an action with no validator, and its handler ran on whatever the
  // client sent, audited "success"; with `resourceId`, the "error" rows stored the client's value.
  const where = "safeAction 'p.noargs'";
  const message = `${where}: args must be an object of validators ({ id: v.id("documents") }, {} for none)`;
  for (const args of [undefined, null, "domain", [v.string()], v.any(), v.optional(v.object({ domain: v.string() }))]) {
    for (const extra of [{}, { resourceType: "companies", resourceId: "domain" }]) {
      let checked = 0;
      let ran = 0;
      const audited = [];
      const definition = { name: "p.noargs", ...(args === undefined ? {} : { args }), check: async () => (checked++, "users:1"), handler: async (_c, a) => (ran++, a), ...extra };
      const def = guard.safeAction(definition);
      // Convex is given no validator of them: its own error would come first, unaudited (attack39 F3).
      assert.equal(def.args, undefined);
      for (let i = 0; i < 2; i++) {
        await assert.rejects(def.handler(actionCtx(audited), { domain: "acme.com", user: "forged", injected: { big: "x" } }), (e) => e instanceof GuardConfigError && e.message === message, String(args));
      }
      assert.deepEqual([checked, ran], [0, 0]);
      assert.deepEqual(audited.map((r) => [r.action, r.outcome, r.resourceId, r.details?.error?.message]), [["p.noargs", "error", undefined, message], ["p.noargs", "error", undefined, message]]);
    }
  }
  // `{}` is no arguments, and a declared one is the resource.
  const audited = [];
  const none = guard.safeAction({ name: "p.none", args: {}, handler: async () => "ran" });
  assert.equal(await none.handler(actionCtx(audited), {}), "ran");
  const declared = guard.safeAction({ name: "p.domain", args: { domain: v.string() }, resourceId: "domain", handler: async () => "ran" });
  assert.equal(await declared.handler(actionCtx(audited), { domain: "acme.com" }), "ran");
  assert.deepEqual(audited.map((r) => [r.action, r.outcome, r.resourceId]), [["p.none", "started", undefined], ["p.none", "success", undefined], ["p.domain", "started", "acme.com"], ["p.domain", "success", "acme.com"]]);
  // A v.object({...}) is its fields, as Convex reads it (attack39 F3).
  const object = guard.safeAction({ name: "p.object", args: v.object({ domain: v.string() }), resourceId: "domain", handler: async () => "ran" });
  assert.deepEqual(Object.keys(object.args), ["domain"]);
  assert.equal(await object.handler(actionCtx(audited), { domain: "acme.org" }), "ran");
  assert.deepEqual(audited.slice(4).map((r) => [r.action, r.outcome, r.resourceId]), [["p.object", "started", "acme.org"], ["p.object", "success", "acme.org"]]);
});

test("a definition read while Object.prototype carries its keys uses none of them: refused, and its rows copy no argument", async () => {
  // A planted resourceId naming the password argument: the definition is refused for the
  // inherited key, and its refusal's audit row must not copy the argument it names.
  for (const [key, value] of [["resourceId", "password"], ["resourceType", "users"]]) {
    Object.defineProperty(Object.prototype, key, { value, configurable: true, writable: true, enumerable: false });
  }
  let definition;
  try {
    definition = guard.safeAction({ name: "t", args: { password: v.string() }, handler: async () => "ran" });
  } finally {
    delete Object.prototype.resourceId;
    delete Object.prototype.resourceType;
  }
  const audited = [];
  await assert.rejects(definition.handler(actionCtx(audited), { password: "hunter2-secret" }), (e) => /is inherited from a prototype/.test(e.message));
  assert.ok(audited.length > 0, "the refusal is audited");
  for (const row of audited) {
    assert.equal(row.resourceId, undefined);
    assert.equal(row.resourceType, undefined);
    assert.ok(!JSON.stringify(row).includes("hunter2"), JSON.stringify(row));
  }
});
