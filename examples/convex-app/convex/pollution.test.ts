// Prototype pollution from the attacker's side, through call arguments: a key planted on
// Object.prototype (by a vulnerable merge elsewhere in the app) must never fill in what a
// call left out. (Configuration keys: tests/node/pollution.test.mjs; rate-limit options:
// ratelimit-attacks.test.ts.)
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { guard } from "./guard";
import { newTest } from "./test-helpers";

beforeEach(() => vi.stubEnv("CONVEX_GUARD_SECRET", "test-secret-0123456789abcdef0123456789abcdef"));
afterEach(() => {
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

/** Plants `keys` on Object.prototype; returns the function that removes them. */
function plant(keys: Record<string, unknown>): () => void {
  for (const [k, value] of Object.entries(keys)) {
    Object.defineProperty(Object.prototype, k, { value, configurable: true, writable: true, enumerable: false });
  }
  return () => {
    for (const k of Object.keys(keys)) delete (Object.prototype as Record<string, unknown>)[k];
  };
}

test("a planted ttl does not make a confirmation code outlive the configured 5 minutes", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
  const t = newTest();
  await t.run((ctx) => guard.issueConfirmation(ctx, { actor: "sam", action: "warm-up" })); // configuration compiled
  const first = { actor: "sam", action: "delete:user", target: "u1" };
  const second = { actor: "sam", action: "delete:user", target: "u2" };
  const unplant = plant({ ttl: 24 * 60 * 60_000 });
  let codes: string[];
  try {
    codes = [(await t.run((ctx) => guard.issueConfirmation(ctx, first))).code, (await t.run((ctx) => guard.issueConfirmation(ctx, second))).code];
  } finally {
    unplant();
  }
  // Within the configured 5 minutes a code is accepted; after them, refused.
  vi.setSystemTime(new Date("2030-01-01T00:04:00Z"));
  expect(await t.run((ctx) => guard.consumeConfirmation(ctx, { ...second, code: codes[1]! }))).toMatchObject({ ok: true });
  vi.setSystemTime(new Date("2030-01-01T00:06:00Z"));
  expect(await t.run((ctx) => guard.consumeConfirmation(ctx, { ...first, code: codes[0]! }))).toMatchObject({ ok: false });
});

test("an omitted target is the empty target, never a planted one", async () => {
  const t = newTest();
  const unplant = plant({ target: "victim-user-id" });
  let code: string;
  try {
    ({ code } = await t.run((ctx) => guard.issueConfirmation(ctx, { actor: "sam", action: "delete:account" })));
  } finally {
    unplant();
  }
  // Issued for (sam, delete:account, ""): not accepted for the planted target.
  const planted = await t.run((ctx) =>
    guard.consumeConfirmation(ctx, { actor: "sam", action: "delete:account", target: "victim-user-id", code }),
  );
  expect(planted.ok).toBe(false);
  expect(await t.run((ctx) => guard.consumeConfirmation(ctx, { actor: "sam", action: "delete:account", code }))).toMatchObject({ ok: true });
});

test("an audit event's omitted fields stay omitted, never planted ones", async () => {
  const t = newTest();
  const unplant = plant({ actor: "innocent-admin", resourceType: "users", resourceId: "victim", details: { note: "planted" } });
  try {
    await t.run((ctx) => guard.audit.log(ctx, { action: "x.y", outcome: "success" }));
  } finally {
    unplant();
  }
  const row = (await t.run((ctx) => ctx.db.query("guardAudit").first())) as Record<string, unknown> | null;
  expect(row).toMatchObject({ action: "x.y", outcome: "success" });
  expect([row!.actor, row!.resourceType, row!.resourceId, row!.details]).toEqual([undefined, undefined, undefined, undefined]);
});

test("an audit event's omitted outcome is 'unknown', never a planted one", async () => {
  const t = newTest();
  const unplant = plant({ outcome: "success" });
  try {
    await t.run((ctx) => guard.audit.log(ctx, { action: "x.z" } as never));
  } finally {
    unplant();
  }
  expect(await t.run((ctx) => ctx.db.query("guardAudit").first())).toMatchObject({ action: "x.z", outcome: "unknown" });
});
