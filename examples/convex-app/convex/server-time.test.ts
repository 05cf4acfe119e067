// The server-time query the browser's countdown measures its clock offset against
// (convex/ratelimit.ts `serverNow`, registered from convex-guard's `serverTime`), and the
// countdown it feeds: the stored state and the server's time give the server's own decision.
import { afterEach, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { guard } from "./guard";
import { newTest } from "./test.setup";

afterEach(() => {
  vi.useRealTimers();
});

test("serverNow answers the server's Date.now(), to anyone, and takes no arguments", async () => {
  vi.useFakeTimers();
  const t = newTest();
  vi.setSystemTime(Date.UTC(2026, 5, 1, 9));
  // Nothing committed yet, so a call runs at the fake clock itself (convex-test runs one at the
  // later of the clock and the last commit's ms, rounded up: see ratelimit.test.ts).
  expect(await t.query(api.ratelimit.serverNow, {})).toBe(Date.UTC(2026, 5, 1, 9));
  vi.setSystemTime(Date.UTC(2027, 0, 1));
  expect(await t.query(api.ratelimit.serverNow, {})).toBe(Date.UTC(2027, 0, 1));
  await expect(t.query(api.ratelimit.serverNow, { extra: 1 } as never)).rejects.toThrow(/extra/);
});

test("the state and the server's time give the wait the server enforces", async () => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.UTC(2026, 5, 1, 9));
  const t = newTest();
  await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: "https://auth.example|uma", name: "uma", role: "user" }));
  const uma = t.withIdentity({ subject: "uma", issuer: "https://auth.example" });
  for (let i = 0; i < 10; i++) await uma.mutation(api.ratelimit.sendMessage, { body: "hi" });
  vi.advanceTimersByTime(30_000);
  const state = await uma.query(api.ratelimit.messageLimitState, {});
  const now = await uma.query(api.ratelimit.serverNow, {});
  const predicted = guard.rateLimitStatus("sendMessage", state, now);
  expect(predicted.ok).toBe(false);
  const denied = await uma.mutation(api.ratelimit.sendMessage, { body: "hi" }).then(
    () => null,
    (e: { data?: { code: string; retryAfter: number } }) => e.data,
  );
  expect(denied?.code).toBe("RATE_LIMITED");
  // The denied mutation commits nothing, and the clock moved past the last commit: the query and
  // the mutation ran at the same ms, so the browser's wait is the server's to the ms.
  expect(denied!.retryAfter).toBe(predicted.retryAfter);
});
