// guard.safeAction from the attacker's side: a secret must not reach the client in any form
// the scan can see, and nothing thrown by the check or the handler leaks its text.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defineGuard } from "convex-guard";

const SECRET = "s".repeat(40);
const API_KEY = 'key-with-"quote"-and-\\backslash-0123456789';
process.env.CONVEX_GUARD_SECRET = SECRET;
process.env.EXTERNAL_API_KEY = API_KEY;

const guard = defineGuard({ roles: ["user"], confirmations: { redactEnv: ["EXTERNAL_API_KEY"] } });

/** A minimal action ctx: a signed-in caller; audit rows go through runMutation. */
function actionCtx(audited = []) {
  return {
    auth: { getUserIdentity: async () => ({ tokenIdentifier: "issuer|user", subject: "user", issuer: "issuer" }) },
    runMutation: async (_fn, row) => void audited.push(row),
  };
}

async function outcome(definition) {
  const audited = [];
  try {
    return { ok: await definition.handler(actionCtx(audited), {}), audited };
  } catch (e) {
    return { data: e?.data, message: e?.message, audited };
  }
}

const UPSTREAM = { code: "UPSTREAM_UNAVAILABLE", message: "External service unavailable" };

test("a clean result passes and is audited as a success", async () => {
  const r = await outcome(guard.safeAction({ name: "t", args: {}, handler: async () => ({ n: 1 }) }));
  assert.deepEqual(r.ok, { n: 1 });
  assert.equal(r.audited.at(-1)?.outcome, "success");
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
  const anonymous = { auth: { getUserIdentity: async () => null }, runMutation: async () => {} };
  const def = guard.safeAction({ name: "t", args: {}, handler: async () => 1 });
  await assert.rejects(def.handler(anonymous, {}), (e) => e.data?.code === "UNAUTHENTICATED");
});
