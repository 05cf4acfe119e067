// The failure budgets, from the attacker's side: someone holding a superadmin's session but
// not their mailbox guesses confirmation codes. Re-issuing must not buy guesses (10 failures
// per binding in 15 minutes), spreading guesses over targets and actions must not either (100
// per actor in 24 hours), and while a budget is spent even the right code fails, with the same
// client error; the real reason ("locked") is audited. Budgets come back after their window.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { guard } from "./guard";
import { newTest, setupDeletion, type Outcome } from "./test.setup";

const ISSUER = "https://auth.example";
const INVALID: Outcome = { code: "INVALID_CONFIRMATION", message: "Invalid or expired confirmation code" };
const OK: Outcome = { ok: { scheduled: true } };
const MINUTE = 60_000;
const START = Date.parse("2026-03-01T00:00:00Z");

beforeEach(() => {
  vi.stubEnv("CONVEX_GUARD_SECRET", "test-secret-0123456789abcdef0123456789abcdef");
  vi.useFakeTimers();
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

const wrongFor = (code: string) => (code === "00000000" ? "11111111" : "00000000");

/** The deletion flow as sam, the superadmin. */
async function setup() {
  const world = await setupDeletion();
  const request = (userId: string) => world.request("sam", userId);
  const confirm = (userId: string, code: string) => world.confirm("sam", userId, code);
  return { ...world, request, confirm };
}

describe("per binding: re-issuing does not buy guesses", () => {
  test("after 10 wrong codes across re-issues, a freshly issued right code is refused", async () => {
    const { ids, request, confirm, reasons } = await setup();
    for (let round = 0; round < 2; round++) {
      const { code } = await request(ids.uma!); // a new code, all 5 attempts
      for (let i = 0; i < 5; i++) expect(await confirm(ids.uma!, wrongFor(code))).toEqual(INVALID);
    }
    const { code } = await request(ids.uma!); // issuing still works...
    expect(await confirm(ids.uma!, code)).toEqual(INVALID); // ...but the code is not even compared
    expect(await reasons()).toEqual([...Array(10).fill("wrong"), "locked"]);
  });

  test("the budget comes back 15 minutes after the last failure, not before", async () => {
    const { ids, request, confirm, reasons } = await setup();
    for (let round = 0; round < 2; round++) {
      const { code } = await request(ids.uma!);
      for (let i = 0; i < 5; i++) expect(await confirm(ids.uma!, wrongFor(code))).toEqual(INVALID);
    }
    const lastFailure = Date.now();
    vi.setSystemTime(lastFailure + 14 * MINUTE);
    const early = await request(ids.uma!);
    expect(await confirm(ids.uma!, early.code)).toEqual(INVALID);
    vi.setSystemTime(lastFailure + 15 * MINUTE + 1_000);
    const { code } = await request(ids.uma!);
    expect(await confirm(ids.uma!, code)).toEqual(OK);
    expect((await reasons()).slice(-2)).toEqual(["locked", "accepted"]);
  });

  test("another target keeps its own budget", async () => {
    const { ids, request, confirm } = await setup();
    for (let round = 0; round < 2; round++) {
      const { code } = await request(ids.uma!);
      for (let i = 0; i < 5; i++) await confirm(ids.uma!, wrongFor(code));
    }
    const { code } = await request(ids.zed!);
    expect(await confirm(ids.zed!, code)).toEqual(OK);
  });
});

describe("per actor: spreading guesses over targets and actions does not buy guesses", () => {
  const actor = `${ISSUER}|sam`;
  /** Issues a code for (sam, action, target) and presents `typed(code)`, in two committed
   * mutations, as an attacker calling the app's functions would. */
  async function attempt(t: ReturnType<typeof newTest>, action: string, target: string, typed: (c: string) => string) {
    const { code } = await t.run((ctx) => guard.issueConfirmation(ctx, { actor, action, target }));
    return t.run((ctx) => guard.consumeConfirmation(ctx, { actor, action, target, code: typed(code) }));
  }

  test("the 100th failure locks every binding of the actor, the right code included", async () => {
    const t = newTest();
    let failures = 0;
    // 20 bindings (two actions x ten targets), 5 wrong codes each: no binding budget is spent.
    for (let i = 0; i < 20; i++) {
      const action = i % 2 === 0 ? "delete:user-data" : "export:user-data";
      const { code } = await t.run((ctx) => guard.issueConfirmation(ctx, { actor, action, target: `t${i}` }));
      for (let j = 0; j < 5; j++) {
        const r = await t.run((ctx) =>
          guard.consumeConfirmation(ctx, { actor, action, target: `t${i}`, code: wrongFor(code) }),
        );
        expect(r.ok).toBe(false);
        failures++;
      }
    }
    expect(failures).toBe(100);
    // A fresh binding, the right code: refused, and the client error is the usual one.
    const refused = await attempt(t, "delete:user-data", "t-new", (c) => c);
    expect(refused).toEqual({ ok: false, error: { code: "INVALID_CONFIRMATION", message: "Invalid or expired confirmation code" } });
    const audit = await t.run((ctx) => ctx.db.query("guardAudit").collect());
    const consumed = audit.filter((r) => r.action === "confirmation.consume").map((r) => r.outcome);
    expect(consumed.filter((o) => o === "wrong")).toHaveLength(100);
    expect(consumed.at(-1)).toBe("locked");
    // Another actor is not affected.
    const other = `${ISSUER}|uma`;
    const { code } = await t.run((ctx) => guard.issueConfirmation(ctx, { actor: other, action: "x", target: "t" }));
    expect(await t.run((ctx) => guard.consumeConfirmation(ctx, { actor: other, action: "x", target: "t", code }))).toEqual({ ok: true });
    // 24 hours after the last failure the actor may confirm again.
    vi.setSystemTime(Date.now() + 24 * 60 * MINUTE + 1_000);
    expect(await attempt(t, "delete:user-data", "t-new", (c) => c)).toEqual({ ok: true });
  });

  test("the count is one row per actor, whatever the number of failures", async () => {
    const t = newTest();
    for (let i = 0; i < 3; i++) await attempt(t, "delete:user-data", `t${i}`, wrongFor);
    const rows = await t.run((ctx) => ctx.db.query("guardConfirmations").collect());
    const counts = rows.filter((r) => r.action === "");
    expect(counts).toHaveLength(1);
    expect(counts[0]).toMatchObject({ actor, target: "", failures: 3, used: true, attemptsLeft: 0 });
    expect(counts[0]!.hash.byteLength).toBe(0);
  });

  test("the actor's reserved row can never be consumed or issued as a code", async () => {
    const t = newTest();
    await attempt(t, "delete:user-data", "t0", wrongFor); // creates the reserved row
    for (const code of ["00000000", "not a code"]) {
      const error = await t
        .run((ctx) => guard.consumeConfirmation(ctx, { actor, action: "", target: "", code }))
        .then(
          () => null,
          (e: { data?: { code?: string } }) => e.data?.code,
        );
      expect(error).toBe("INVALID_ARGUMENT");
    }
    const issued = await t
      .run((ctx) => guard.issueConfirmation(ctx, { actor, action: "", target: "" }))
      .then(
        () => null,
        (e: { data?: { code?: string } }) => e.data?.code,
      );
    expect(issued).toBe("INVALID_ARGUMENT");
    const count = await t.run((ctx) =>
      ctx.db.query("guardConfirmations").filter((q) => q.eq(q.field("action"), "")).unique(),
    );
    expect(count?.failures).toBe(1);
  });
});

describe("unchanged: single use, and rows written before the budgets", () => {
  test("concurrent confirmations of one code: exactly one succeeds", async () => {
    const { ids, request, confirm, reasons } = await setup();
    const { code } = await request(ids.uma!);
    const results = await Promise.all([confirm(ids.uma!, code), confirm(ids.uma!, code), confirm(ids.uma!, code)]);
    expect(results.filter((r) => "ok" in r)).toHaveLength(1);
    expect(results.filter((r) => !("ok" in r))).toEqual([INVALID, INVALID]);
    expect((await reasons()).sort()).toEqual(["accepted", "used", "used"]);
  });

  test("a pending code stored without failure fields still verifies, and starts counting", async () => {
    const { t, ids, request, confirm, codeRow } = await setup();
    const { code } = await request(ids.uma!);
    // What a row written by an earlier version looks like: no failures, no lastFailure.
    await t.run(async (ctx) => {
      const row = (await ctx.db.query("guardConfirmations").unique())!;
      const { _id, _creationTime, failures, lastFailure, ...old } = row;
      void _creationTime;
      void failures;
      void lastFailure;
      await ctx.db.replace(_id, old);
    });
    expect(await confirm(ids.uma!, wrongFor(code))).toEqual(INVALID);
    expect((await codeRow())?.failures).toBe(1);
    expect(await confirm(ids.uma!, code)).toEqual(OK);
  });
});
