// An attacker's review (attack39 F1, F2): a code's state was written before its audit row, so
// an app that caught the audit write's failure in the same mutation committed the state with
// no row (a right code burned with no "accepted", a wrong guess counted with no "wrong", a code
// stored with no "issued"). The row now comes first for a code issued or accepted: a failed
// audit write stores or burns nothing. attack41 M1: a failed consume's state (the spent attempt,
// the failure counts) comes before its row, so an audit write failing for "wrong" only (an
// app's narrowed `outcome` validator), caught by the app, never makes guesses free.
// And `target: null` was read as the omitted target ""; it is refused as `5` is.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { guard } from "./guard";
import { newTest } from "./test.setup";

beforeEach(() => vi.stubEnv("CONVEX_GUARD_SECRET", "test-secret-0123456789abcdef0123456789abcdef"));
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

type Ctx = Parameters<typeof guard.issueConfirmation>[0];

/** The codes and audit rows, as plain values (no ids, times or hashes). */
async function state(t: ReturnType<typeof newTest>) {
  return t.run(async (ctx) => ({
    codes: (await ctx.db.query("guardConfirmations").collect()).map(({ actor, action, target, attemptsLeft, used, failures }) => ({
      actor,
      action,
      target,
      attemptsLeft,
      used,
      failures: failures ?? 0,
    })),
    audit: (await ctx.db.query("guardAudit").collect()).map((r) => [r.action, r.outcome, r.resourceId]),
  }));
}

/** Runs `call` in a mutation that catches its error (as an app told never to throw might). */
const caught = (t: ReturnType<typeof newTest>, call: (ctx: Ctx) => Promise<unknown>) =>
  t.run(async (ctx) => {
    try {
      return { ok: await call(ctx as unknown as Ctx) };
    } catch (e) {
      const data = (e as { data?: { message?: string } }).data;
      return { error: data?.message ?? (e as Error).message };
    }
  });

describe("a failed audit write, caught by the app, stores or burns no code, and still spends a wrong guess", () => {
  test("a right code and a new code: nothing of them persists without its row; the wrong guess is spent", async () => {
    const t = newTest();
    const issued = (await caught(t, (ctx) => guard.issueConfirmation(ctx, { actor: "A", action: "pay", target: "R" }))) as {
      ok: { code: string };
    };
    await caught(t, (ctx) => guard.issueConfirmation(ctx, { actor: "A", action: "pay", target: "W" }));
    const before = await state(t);
    expect(before.audit).toEqual([
      ["confirmation.issue", "issued", "R"],
      ["confirmation.issue", "issued", "W"],
    ]);

    vi.spyOn(guard.audit, "log").mockRejectedValue(new Error("audit insert failed"));
    const failed = { error: "audit insert failed" };
    expect(await caught(t, (ctx) => guard.consumeConfirmation(ctx, { actor: "A", action: "pay", target: "R", code: issued.ok.code }))).toEqual(failed);
    expect(await caught(t, (ctx) => guard.consumeConfirmation(ctx, { actor: "A", action: "pay", target: "W", code: "00000000" }))).toEqual(failed);
    expect(await caught(t, (ctx) => guard.issueConfirmation(ctx, { actor: "A", action: "pay", target: "I" }))).toEqual(failed);
    expect(await caught(t, (ctx) => guard.issueConfirmation(ctx, { actor: "A", action: "pay", target: "R" }))).toEqual(failed);
    // R unused with all its attempts, no I; W's attempt spent and the failure counted (on W and
    // on the actor's row), with no "wrong" row.
    const spent = { actor: "A", action: "pay", target: "W", attemptsLeft: 4, used: false, failures: 1 };
    expect(await state(t)).toEqual({
      codes: [before.codes[0], spent, { actor: "A", action: "", target: "", attemptsLeft: 0, used: true, failures: 1 }],
      audit: before.audit,
    });
    vi.restoreAllMocks();

    // The right code still confirms, and its row says so.
    expect(await caught(t, (ctx) => guard.consumeConfirmation(ctx, { actor: "A", action: "pay", target: "R", code: issued.ok.code }))).toEqual({
      ok: { ok: true },
    });
    expect((await state(t)).audit.at(-1)).toEqual(["confirmation.consume", "accepted", "R"]);
  });
});

describe("an audit write that fails for some outcomes only (attack41 M1)", () => {
  /** Makes the guard's audit write throw for `outcome` only, as a narrowed `outcome` validator would. */
  const refuseOutcome = (outcome: string) => {
    const log = guard.audit.log.bind(guard.audit);
    vi.spyOn(guard.audit, "log").mockImplementation(async (ctx, event) => {
      if (event.outcome === outcome) throw new Error(`Validator error: got "${outcome}"`);
      return log(ctx, event);
    });
  };
  const consume = (t: ReturnType<typeof newTest>, code: string) =>
    caught(t, (ctx) => guard.consumeConfirmation(ctx, { actor: "B", action: "pay", target: "R", code }));

  test("failing for 'wrong', caught: every guess spends an attempt, and the code is void after maxAttempts (5)", async () => {
    const t = newTest();
    const issued = (await caught(t, (ctx) => guard.issueConfirmation(ctx, { actor: "B", action: "pay", target: "R" }))) as { ok: { code: string } };
    refuseOutcome("wrong");
    for (let k = 0; k < 5; k++) {
      expect(await consume(t, String(k).padStart(8, "0"))).toEqual({ error: 'Validator error: got "wrong"' });
    }
    const { codes } = await state(t);
    expect(codes[0]).toEqual({ actor: "B", action: "pay", target: "R", attemptsLeft: 0, used: false, failures: 5 });
    expect(codes[1]).toMatchObject({ actor: "B", action: "", target: "", failures: 5 });
    // The right code is refused now (the engine says "exhausted": no audit failure there).
    expect(await consume(t, issued.ok.code)).toEqual({ ok: { ok: false, error: { code: "INVALID_CONFIRMATION", message: "Invalid or expired confirmation code" } } });
    expect((await state(t)).audit.at(-1)).toEqual(["confirmation.consume", "exhausted", "R"]);
  });

  test("failing for 'accepted', caught: the right code stays unused and the call throws", async () => {
    const t = newTest();
    const issued = (await caught(t, (ctx) => guard.issueConfirmation(ctx, { actor: "B", action: "pay", target: "R" }))) as { ok: { code: string } };
    const before = await state(t);
    refuseOutcome("accepted");
    expect(await consume(t, issued.ok.code)).toEqual({ error: 'Validator error: got "accepted"' });
    expect(await state(t)).toEqual(before);
    vi.restoreAllMocks();
    expect(await consume(t, issued.ok.code)).toEqual({ ok: { ok: true } });
    expect(await consume(t, issued.ok.code)).toMatchObject({ ok: { ok: false } });
  });
});

describe("target: null is refused, never the omitted target", () => {
  test("issueConfirmation and consumeConfirmation refuse it as they refuse 5, writing nothing", async () => {
    const t = newTest();
    const refused = { error: "the confirmation target must be a string" };
    for (const target of [null, 5]) {
      const binding = { actor: "N", action: "pay", target } as unknown as { actor: string; action: string };
      expect(await caught(t, (ctx) => guard.issueConfirmation(ctx, binding))).toEqual(refused);
      expect(await caught(t, (ctx) => guard.consumeConfirmation(ctx, { ...binding, code: "00000000" }))).toEqual(refused);
    }
    expect(await state(t)).toEqual({ codes: [], audit: [] });
    // Left out (or undefined), the target is "".
    const issued = (await caught(t, (ctx) => guard.issueConfirmation(ctx, { actor: "N", action: "pay", target: undefined }))) as {
      ok: { code: string };
    };
    expect(await caught(t, (ctx) => guard.consumeConfirmation(ctx, { actor: "N", action: "pay", code: issued.ok.code }))).toEqual({
      ok: { ok: true },
    });
  });
});
