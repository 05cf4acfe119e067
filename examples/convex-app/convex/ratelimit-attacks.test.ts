// A count of 0 is a look-up: a consuming call must refuse it, or an app that forwards a
// client-chosen count would let every request through for free.
import { expect, test } from "vitest";
import { guard } from "./guard";
import { newTest, outcome } from "./test-helpers";

test("consuming calls refuse a count of 0; checks accept it as a look-up", async () => {
  const t = newTest();
  const refused = {
    code: "INVALID_ARGUMENT",
    message: "rate limit 'upload': a consuming call takes a count of at least 1 (checkRateLimit looks without consuming)",
  };
  expect(await outcome(t.run((ctx) => guard.rateLimit(ctx, "upload", { key: "u1", count: 0 })))).toEqual(refused);
  expect(
    await outcome(t.run((ctx) => guard.rateLimitAll(ctx, [{ name: "upload", key: "u1", count: 0 }]))),
  ).toEqual(refused);
  expect(await outcome(t.run((ctx) => guard.checkRateLimit(ctx, "upload", { key: "u1", count: 0 })))).toEqual({
    ok: { ok: true, remaining: 3, retryAfter: 0 },
  });
  // Nothing was written by any of them.
  expect(await t.run((ctx) => ctx.db.query("guardRateLimits").collect())).toEqual([]);
});
