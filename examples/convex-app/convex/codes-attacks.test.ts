// The one way to misuse consumeConfirmation into unlimited guesses is to throw in the same
// mutation (the spent attempt rolls back with it). assertConfirmed detects that call and says
// so, instead of quietly rolling back.
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { guard } from "./guard";
import { newTest } from "./test.setup";

beforeEach(() => vi.stubEnv("CONVEX_GUARD_SECRET", "test-secret-0123456789abcdef0123456789abcdef"));
afterEach(() => vi.unstubAllEnvs());

const binding = { actor: "issuer|sam", action: "deleteUser", target: "u1" };

test("assertConfirmed in the consuming mutation is refused as a configuration mistake", async () => {
  const t = newTest();
  await t.run((ctx) => guard.issueConfirmation(ctx, binding));
  await expect(
    t.run(async (ctx) => {
      guard.assertConfirmed(await guard.consumeConfirmation(ctx, { ...binding, code: "00000000" }));
    }),
  ).rejects.toThrow(/rolls back the spent attempt/);
});

test("a result that came back from a committed mutation throws the client-facing error", async () => {
  const t = newTest();
  await t.run((ctx) => guard.issueConfirmation(ctx, binding));
  // t.run commits and returns a copy, as ctx.runMutation does for an action.
  const result = await t.run((ctx) => guard.consumeConfirmation(ctx, { ...binding, code: "00000000" }));
  let data: unknown;
  try {
    guard.assertConfirmed(result);
  } catch (e) {
    data = (e as { data?: unknown }).data;
  }
  expect(data).toEqual({ code: "INVALID_CONFIRMATION", message: "Invalid or expired confirmation code" });
  // ...and the attempt it spent stayed spent.
  const row = await t.run((ctx) => ctx.db.query("guardConfirmations").first());
  expect(row?.attemptsLeft).toBe(4);
});

// An attacker's review: only failed results were marked, so the right code passed
// assertConfirmed in the consuming mutation (the developer's happy-path test went green) while
// every wrong one threw and rolled back its spent attempt, failure counts and audit row:
// 30 wrong guesses left the row at 5 attempts, then the right code was accepted.
test("assertConfirmed in the consuming mutation is refused for the right code too, and guesses stay spent", async () => {
  const t = newTest();
  const { code } = await t.run((ctx) => guard.issueConfirmation(ctx, binding));
  const consumeAndAssert = (typed: string) =>
    t.run(async (ctx) => {
      guard.assertConfirmed(await guard.consumeConfirmation(ctx, { ...binding, code: typed }));
      return "confirmed";
    });
  // The happy path a developer tests first fails loudly, naming the fix.
  await expect(consumeAndAssert(code)).rejects.toThrow(/rolls back the spent attempt/);
  // The guesses of a caller of such a mutation: each rolls back, but the code is never
  // confirmed through it, and the right code cannot be confirmed through it either.
  for (let i = 0; i < 6; i++) await expect(consumeAndAssert(i.toString().padStart(8, "0"))).rejects.toThrow(/rolls back/);
  await expect(consumeAndAssert(code)).rejects.toThrow(/rolls back the spent attempt/);
  // Written correctly (return the result, assert after the commit), the code still works once.
  const result = await t.run((ctx) => guard.consumeConfirmation(ctx, { ...binding, code }));
  expect(guard.assertConfirmed(result)).toBe(result); // answered, typed as the accepted case
  const again = await t.run((ctx) => guard.consumeConfirmation(ctx, { ...binding, code }));
  expect(() => guard.assertConfirmed(again)).toThrow();
});

test("assertConfirmed reads the result's own ok: an inherited one is no accepted code", () => {
  for (const forged of [Object.create({ ok: true }), { __proto__: { ok: true } }, { ok: "true" }, { ok: 1 }, null, undefined, "ok"]) {
    let data: unknown;
    try {
      guard.assertConfirmed(forged as never);
    } catch (e) {
      data = (e as { data?: unknown }).data;
    }
    expect(data).toEqual({ code: "INVALID_CONFIRMATION", message: "Invalid or expired confirmation code" });
  }
  expect(() => guard.assertConfirmed({ ok: true })).not.toThrow();
});

// attack28: past the types (a spread, `any`, JavaScript), a misspelt key was dropped: `tll`
// issued a five-minute code instead of a one-second one, and `Code` was read as no code, a
// wrong guess that spent one of the user's own attempts. Each is now refused, naming the key,
// before anything is read or written.
test("a misspelt key of issueConfirmation or consumeConfirmation is refused, and spends nothing", async () => {
  const t = newTest();
  await expect(t.run((ctx) => guard.issueConfirmation(ctx, { ...binding, tll: 1000 } as never))).rejects.toThrow(
    "issueConfirmation: unknown key 'tll' (did you mean 'ttl'?)",
  );
  expect(await t.run((ctx) => ctx.db.query("guardConfirmations").collect())).toEqual([]);
  const { code } = await t.run((ctx) => guard.issueConfirmation(ctx, binding));
  for (let i = 0; i < 6; i++) {
    await expect(t.run((ctx) => guard.consumeConfirmation(ctx, { ...binding, Code: code } as never))).rejects.toThrow(
      "consumeConfirmation: unknown key 'Code' (did you mean 'code'?)",
    );
  }
  const row = await t.run((ctx) => ctx.db.query("guardConfirmations").first());
  expect(row?.attemptsLeft).toBe(5);
  expect((await t.run((ctx) => guard.consumeConfirmation(ctx, { ...binding, code }))).ok).toBe(true);
});

// Each binding field is read once: a getter's second answer is not the one checked (the
// binding's fields were read twice, once to test for an omission and once for the value).
test("a binding's fields are read once each, at issue and at consume", async () => {
  const t = newTest();
  const reads = { actor: 0, action: 0, target: 0 };
  const counted = <E extends object>(extra: E = {} as E) => ({
    get actor() {
      reads.actor++;
      return binding.actor;
    },
    get action() {
      reads.action++;
      return binding.action;
    },
    get target() {
      reads.target++;
      return binding.target;
    },
    ...extra,
  });
  const { code } = await t.run((ctx) => guard.issueConfirmation(ctx, counted()));
  expect(reads).toEqual({ actor: 1, action: 1, target: 1 });
  const result = await t.run((ctx) => guard.consumeConfirmation(ctx, counted({ code })));
  expect(result.ok).toBe(true);
  expect(reads).toEqual({ actor: 2, action: 2, target: 2 });
});
