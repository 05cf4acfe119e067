// The one way to misuse consumeConfirmation into unlimited guesses is to throw in the same
// mutation (the spent attempt rolls back with it). assertConfirmed detects that call and says
// so, instead of quietly rolling back.
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { guard } from "./guard";
import { newTest } from "./test-helpers";

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
