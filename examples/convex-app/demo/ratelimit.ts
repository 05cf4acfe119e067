// Demo section: rate limits, one row per user, exact retryAfter, all or nothing.
import { expect, vi } from "vitest";
import { api } from "../convex/_generated/api";
import { newTest, outcome } from "../convex/test.setup";
import { ISSUER, show } from "./show";

export async function ratelimit() {
  const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
  vi.useFakeTimers();
  // Every call at its own millisecond: Convex (and convex-test) never let time go back.
  let ms = 0;
  const tick = () => vi.setSystemTime(T0 + ms++);
  tick();
  try {
    const t = newTest();
    for (const subject of ["ann", "bob"]) {
      await t.run((ctx) =>
        ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${subject}`, name: subject, role: "user" }),
      );
    }
    const as = (subject: string) => t.withIdentity({ subject, issuer: ISSUER });
    const call = async (who: string, what: string, run: () => Promise<unknown>, want: string) => {
      tick();
      const result = show(who, what, await outcome(run()));
      expect("ok" in result ? "ok" : result.code, `${who} ${what}`).toBe(want);
    };

    console.log("\nRate limits (sendMessage: 10/min per user; upload: per user + global; unlock: 3 PINs/10 min)");
    await call("Ann", "ratelimit.sendMessage('') (rolled back)", () => as("ann").mutation(api.ratelimit.sendMessage, { body: "" }), "INVALID_ARGUMENT");
    for (let i = 1; i <= 10; i++) {
      const want = "ok";
      tick();
      const r = await outcome(as("ann").mutation(api.ratelimit.sendMessage, { body: `hello ${i}` }));
      if (i === 1 || i === 10) show("Ann", `ratelimit.sendMessage #${i}`, r);
      expect("ok" in r ? "ok" : r.code).toBe(want);
    }
    await call("Ann", "ratelimit.sendMessage #11", () => as("ann").mutation(api.ratelimit.sendMessage, { body: "one more" }), "RATE_LIMITED");
    await call("Bob", "ratelimit.sendMessage #1", () => as("bob").mutation(api.ratelimit.sendMessage, { body: "hi" }), "ok");
    for (let i = 1; i <= 3; i++) {
      await call("Bob", `ratelimit.upload #${i}`, () => as("bob").mutation(api.ratelimit.upload, { size: 10 }), "ok");
    }
    await call("Bob", "ratelimit.upload #4", () => as("bob").mutation(api.ratelimit.upload, { size: 10 }), "RATE_LIMITED");
    for (let i = 1; i <= 3; i++) {
      await call("Ann", `ratelimit.unlock(wrong PIN) #${i}`, () => as("ann").mutation(api.ratelimit.unlock, { pin: "0000" }), "ok");
    }
    await call("Ann", "ratelimit.unlock(right PIN) #4", () => as("ann").mutation(api.ratelimit.unlock, { pin: "2468" }), "RATE_LIMITED");
    ms += 10 * 60_000;
    await call("Ann (10 min later)", "ratelimit.unlock(right PIN)", () => as("ann").mutation(api.ratelimit.unlock, { pin: "2468" }), "ok");
    const rows = await t.run((ctx) => ctx.db.query("guardRateLimits").collect());
    console.log(`  rows in guardRateLimits: ${rows.length} (one per limit and key; the global limit per shard used)`);
  } finally {
    vi.useRealTimers();
  }
}
