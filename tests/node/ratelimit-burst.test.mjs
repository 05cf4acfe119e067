// The waits after a burst that docs/rate-limits.md and the RateLimitSpec JSDoc state, asked of the
// built package's engine: 10 requests at once under `rate: 10, period: MINUTE`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defineGuard, MINUTE } from "convex-guard";

const guard = defineGuard({
  roles: ["user"],
  rateLimits: {
    window: { kind: "sliding window", rate: 10, period: MINUTE },
    log: { kind: "sliding log", rate: 10, period: MINUTE },
    bucket: { kind: "token bucket", rate: 10, period: MINUTE },
  },
});
const t0 = Date.UTC(2026, 0, 1);

/** The state after 10 requests at t0 (admitted, one after the other, in the same ms). */
function burst(name) {
  let state = null;
  for (let i = 0; i < 10; i++) {
    const { ok, outcomes } = guard.decideRateLimits([{ name, state }], t0);
    assert.equal(ok, true);
    state = outcomes[0].state;
  }
  return state;
}

test("after a burst the default sliding window waits 66 s, longer than its 60 s period", () => {
  const state = burst("window");
  assert.deepEqual(guard.rateLimitStatus("window", state, t0), { ok: false, remaining: 0, retryAfter: 66_000 });
  assert.equal(guard.rateLimitStatus("window", state, t0 + 65_999).ok, false);
  assert.equal(guard.rateLimitStatus("window", state, t0 + 66_000).ok, true);
});

test("the sliding log waits exactly the period, the token bucket one refill", () => {
  assert.equal(guard.rateLimitStatus("log", burst("log"), t0).retryAfter, 60_000);
  assert.equal(guard.rateLimitStatus("bucket", burst("bucket"), t0).retryAfter, 6_000);
});
