import { defineGuard, MINUTE } from "convex-guard";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { guard } from "./guard";
import { newTest } from "./test.setup";

const ISSUER = "https://issuer.example";
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/**
 * Sets the fake clock to `T0 + ms`. convex-test, like Convex, never lets a transaction's time
 * fall behind the last commit (with a frozen clock, a call after two commits at one ms runs
 * 1 ms ahead: see the last describe), so every mutation below runs at its own millisecond.
 */
const at = (ms: number) => vi.setSystemTime(T0 + ms);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

/** A test with users `names` signed up; `as(name)` calls as that user. */
async function setUp(...names: string[]) {
  at(-10_000);
  const t = newTest();
  const ids: Record<string, string> = {};
  for (const name of names) {
    ids[name] = await t.run((ctx) =>
      ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${name}`, name, role: "user" }),
    );
  }
  const as = (name: string) => t.withIdentity({ subject: name, issuer: ISSUER });
  return { t, as, ids };
}

/** What a call decided: its value, or the whole `ConvexError` data it threw. */
async function result(call: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    return { ok: await call };
  } catch (e) {
    const data = (e as { data?: unknown }).data;
    if (data && typeof data === "object") return data as Record<string, unknown>;
    throw e;
  }
}


/** The guard's rows, optionally of one limit. */
function rows(t: Awaited<ReturnType<typeof setUp>>["t"], name?: string) {
  return t.run(async (ctx) => {
    const all = await ctx.db.query("guardRateLimits").collect();
    return all.filter((r) => name === undefined || r.name === name);
  });
}

describe("sendMessage: 10 a minute per user (sliding window)", () => {
  test("allowed up to the limit, denied after with the exact retryAfter, allowed again then", async () => {
    const { as } = await setUp("ann");
    for (let i = 0; i < 10; i++) {
      at(i);
      expect(await as("ann").mutation(api.ratelimit.sendMessage, { body: `hi ${i}` })).toEqual({ sent: true });
    }
    // 10 in the window starting at T0. One more fits once the weighted count allows 1:
    // in the next window at offset x with 10 * (60000 - x) / 60000 <= 9, x = 6000, that is
    // at T0 + 66000: 65990 ms after T0 + 10.
    at(10);
    const denied = await result(as("ann").mutation(api.ratelimit.sendMessage, { body: "one more" }));
    expect(denied).toEqual({
      code: "RATE_LIMITED",
      message: "Too many requests. Try again in 66 seconds",
      retryAfter: 65_990,
    });
    at(66_000 - 1);
    expect(await result(as("ann").mutation(api.ratelimit.sendMessage, { body: "early" }))).toMatchObject({
      code: "RATE_LIMITED",
      retryAfter: 1,
    });
    at(66_000);
    expect(await as("ann").mutation(api.ratelimit.sendMessage, { body: "on time" })).toEqual({ sent: true });
  });

  test("a mutation that throws after the limit rolls its consumption back", async () => {
    const { as, t } = await setUp("ann");
    for (let i = 0; i < 25; i++) {
      at(i);
      expect(await result(as("ann").mutation(api.ratelimit.sendMessage, { body: "  " }))).toMatchObject({
        code: "INVALID_ARGUMENT",
      });
    }
    expect(await rows(t)).toHaveLength(0);
    for (let i = 0; i < 10; i++) {
      at(100 + i);
      await as("ann").mutation(api.ratelimit.sendMessage, { body: "real" });
    }
    expect(await result(as("ann").mutation(api.ratelimit.sendMessage, { body: "x" }))).toMatchObject({
      code: "RATE_LIMITED",
    });
  });

  test("independent keys are independent", async () => {
    const { as } = await setUp("ann", "bob");
    for (let i = 0; i < 10; i++) {
      at(i);
      await as("ann").mutation(api.ratelimit.sendMessage, { body: "a" });
    }
    expect(await result(as("ann").mutation(api.ratelimit.sendMessage, { body: "a" }))).toMatchObject({
      code: "RATE_LIMITED",
    });
    expect(await as("bob").query(api.ratelimit.canSendMessage, {})).toEqual({ ok: true, remaining: 9, retryAfter: 0 });
    expect(await as("bob").mutation(api.ratelimit.sendMessage, { body: "b" })).toEqual({ sent: true });
  });

  test("checkRateLimit reads only; the stored state gives the browser the same countdown", async () => {
    const { as, t } = await setUp("ann");
    expect(await as("ann").query(api.ratelimit.canSendMessage, {})).toEqual({ ok: true, remaining: 9, retryAfter: 0 });
    expect(await as("ann").query(api.ratelimit.messageLimitState, {})).toBeNull();
    expect(await rows(t)).toHaveLength(0);
    for (let i = 0; i < 10; i++) {
      at(i);
      await as("ann").mutation(api.ratelimit.sendMessage, { body: "a" });
    }
    at(30_000);
    const server = await as("ann").query(api.ratelimit.canSendMessage, {});
    expect(server).toEqual({ ok: false, remaining: 0, retryAfter: 36_000 });
    const state = await as("ann").query(api.ratelimit.messageLimitState, {});
    expect(state).toEqual({ t: T0, a: 10, b: 0, log: [] });
    // The browser: the same math, no ctx, any time.
    expect(guard.rateLimitStatus("sendMessage", state, T0 + 30_000)).toEqual(server);
    expect(guard.rateLimitStatus("sendMessage", state, T0 + 66_000).ok).toBe(true);
  });

  test("the row count stays one per key after 1000 requests", async () => {
    const { as, t } = await setUp("ann", "bob");
    let allowed = 0;
    for (let i = 0; i < 1000; i++) {
      at(i * 3000); // 20 a minute offered, 10 admitted
      const r = await result(as(i % 2 ? "ann" : "bob").mutation(api.ratelimit.sendMessage, { body: "m" }));
      if ("ok" in r) allowed++;
    }
    expect(allowed).toBeGreaterThan(400);
    expect(allowed).toBeLessThan(1000);
    expect(await rows(t, "sendMessage")).toHaveLength(2);
  });
});

describe("upload: per user (token bucket) and global (4 shards), all or nothing", () => {
  test("a user over their limit spends nothing of the global one", async () => {
    const { as, t } = await setUp("ann");
    for (let i = 0; i < 3; i++) {
      at(i);
      expect(await as("ann").mutation(api.ratelimit.upload, { size: 1 })).toEqual({ accepted: 1 });
    }
    // The bucket refills one upload every 20 s, continuously: by T0 + 3 it holds 9 ms of
    // refill, so a whole upload is 19997 ms away.
    at(3);
    expect(await result(as("ann").mutation(api.ratelimit.upload, { size: 1 }))).toEqual({
      code: "RATE_LIMITED",
      message: "Too many requests. Try again in 20 seconds",
      retryAfter: 19_997,
    });
    const global = await rows(t, "uploadGlobal");
    expect(global.reduce((sum, r) => sum + r.a, 0)).toBe(3);
    at(20_000);
    expect(await as("ann").mutation(api.ratelimit.upload, { size: 1 })).toEqual({ accepted: 1 });
  });

  test("a full global limit spends nothing of the user's", async () => {
    const { as, t } = await setUp("ann");
    // Fill every global shard (25 each) directly, as 100 other users would have.
    at(0);
    await t.run(async (ctx) => {
      for (const r of await ctx.db.query("guardRateLimits").collect()) await ctx.db.delete(r._id);
      for (let shard = 0; shard < 4; shard++) {
        await ctx.db.insert("guardRateLimits", {
          name: "uploadGlobal",
          key: "global",
          shard,
          config: "fixed window/100/60000/100/4",
          t: T0,
          a: 25,
          b: 0,
          log: [],
        });
      }
    });
    at(1);
    expect(await result(as("ann").mutation(api.ratelimit.upload, { size: 1 }))).toMatchObject({
      code: "RATE_LIMITED",
      retryAfter: 59_999,
    });
    expect(await rows(t, "upload")).toHaveLength(0);
  });

  test("rows stay one per user and at most one per shard after 1000 uploads", async () => {
    const users = Array.from({ length: 10 }, (_, i) => `u${i}`);
    const { as, t } = await setUp(...users);
    for (let i = 0; i < 1000; i++) {
      at(i * 1000);
      await result(as(users[i % 10]!).mutation(api.ratelimit.upload, { size: 1 }));
    }
    expect(await rows(t, "upload")).toHaveLength(10);
    const global = await rows(t, "uploadGlobal");
    expect(global.length).toBeGreaterThan(0);
    expect(global.length).toBeLessThanOrEqual(4);
    expect(new Set(global.map((r) => r.shard)).size).toBe(global.length);
  });
});

describe("unlock: 3 PIN attempts in any 10 minutes (exact sliding log)", () => {
  test("the fourth attempt waits for the first to leave the window; the right PIN resets", async () => {
    const { as, t } = await setUp("ann");
    for (let i = 0; i < 3; i++) {
      at(i * 1000);
      expect(await as("ann").mutation(api.ratelimit.unlock, { pin: "0000" })).toEqual({ unlocked: false });
    }
    at(3000);
    expect(await result(as("ann").mutation(api.ratelimit.unlock, { pin: "2468" }))).toEqual({
      code: "RATE_LIMITED",
      message: "Too many requests. Try again in 597 seconds",
      retryAfter: 597_000,
    });
    at(10 * MINUTE - 1);
    expect(await result(as("ann").mutation(api.ratelimit.unlock, { pin: "2468" }))).toMatchObject({ retryAfter: 1 });
    at(10 * MINUTE);
    expect(await as("ann").mutation(api.ratelimit.unlock, { pin: "2468" })).toEqual({ unlocked: true });
    expect(await rows(t, "login")).toHaveLength(0);
  });
});

describe("attacker and operator", () => {
  test("a tampered row fails closed", async () => {
    const { as, t } = await setUp("ann");
    at(0);
    await as("ann").mutation(api.ratelimit.sendMessage, { body: "a" });
    at(1);
    await t.run(async (ctx) => {
      const [row] = await ctx.db.query("guardRateLimits").collect();
      await ctx.db.patch(row!._id, { a: -50 });
    });
    expect(await result(as("ann").mutation(api.ratelimit.sendMessage, { body: "a" }))).toMatchObject({
      code: "INVALID_ARGUMENT",
    });
  });

  test("a changed configuration reads old rows as absent instead of failing", async () => {
    const { as, t, ids } = await setUp("ann");
    for (let i = 0; i < 10; i++) {
      at(i);
      await as("ann").mutation(api.ratelimit.sendMessage, { body: "a" });
    }
    // The next deploy lowers the limit to 5 a minute: the old row (10 used of 10) no longer fits.
    at(100);
    const next = defineGuard({ roles: ["user"], rateLimits: { sendMessage: { rate: 5, period: MINUTE } } });
    const decision = await t.run((ctx) => next.rateLimit(ctx, "sendMessage", { key: ids.ann!, throws: false }));
    expect(decision).toEqual({ ok: true, remaining: 4, retryAfter: 0 });
    const [row] = await rows(t, "sendMessage");
    expect(row).toMatchObject({ a: 1, config: "sliding window/5/60000/5/1" });
  });

  test("reset deletes every shard of a key and nothing else", async () => {
    const { as, t } = await setUp("ann");
    for (let i = 0; i < 3; i++) {
      at(i);
      await as("ann").mutation(api.ratelimit.upload, { size: 1 });
    }
    at(10);
    await t.run((ctx) => guard.resetRateLimit(ctx, "uploadGlobal", { key: "global" }));
    expect(await rows(t, "uploadGlobal")).toHaveLength(0);
    expect(await rows(t, "upload")).toHaveLength(1);
  });

  test("bad keys and counts are refused before any row is touched", async () => {
    const { t } = await setUp("ann");
    for (const key of ["", "x".repeat(1025), 42 as unknown as string]) {
      await expect(t.run((ctx) => guard.rateLimit(ctx, "sendMessage", { key }))).rejects.toMatchObject({
        data: { code: "INVALID_ARGUMENT" },
      });
    }
    for (const count of [-1, 0.5, 11, NaN, "1" as unknown as number]) {
      await expect(t.run((ctx) => guard.rateLimit(ctx, "sendMessage", { key: "k", count }))).rejects.toMatchObject({
        data: { code: "INVALID_ARGUMENT" },
      });
    }
    await expect(
      t.run((ctx) =>
        guard.rateLimitAll(ctx, [
          { name: "sendMessage", key: "k" },
          { name: "sendMessage", key: "k" },
        ]),
      ),
    ).rejects.toMatchObject({ data: { code: "INVALID_ARGUMENT" } });
    expect(await rows(t)).toHaveLength(0);
  });
});

// docs/rate-limits.md's fake-timer recipe (Rate limiting > Kinds and their guarantees). convex-test runs
// a transaction at max(the fake clock, the last commit's time rounded up to the next ms), and
// stamps a commit made at a fake time that already has one 1 ns later: after two commits at one
// frozen ms, every call at that ms runs 1 ms later than the fake clock (never more), and its
// `retryAfter` counts from there.
describe("convex-test's clock: the fake-timer recipe", () => {
  /** Ann's ten messages, then the denied eleventh; `tick` moves the clock 1 ms before each call. */
  async function burst(tick: boolean) {
    const { as, t } = await setUp("ann");
    at(0);
    for (let i = 0; i < 10; i++) {
      if (tick) vi.advanceTimersByTime(1);
      await as("ann").mutation(api.ratelimit.sendMessage, { body: "hi" });
    }
    if (tick) vi.advanceTimersByTime(1);
    const ranAt = (await t.query(api.ratelimit.serverNow, {})) - Date.now(); // what a call sees now
    const denied = await result(as("ann").mutation(api.ratelimit.sendMessage, { body: "one more" }));
    expect(denied).toMatchObject({ code: "RATE_LIMITED" });
    return { as, ranAt, retryAfter: denied.retryAfter as number };
  }

  test("a frozen clock: calls run 1 ms ahead of it, so advancing by retryAfter is 1 ms short", async () => {
    const { as, ranAt, retryAfter } = await burst(false);
    expect(ranAt).toBe(1);
    expect(retryAfter).toBe(66_000 - 1); // the window opened at T0; the denial ran at T0 + 1
    vi.advanceTimersByTime(retryAfter);
    expect(await result(as("ann").mutation(api.ratelimit.sendMessage, { body: "late" }))).toMatchObject({
      code: "RATE_LIMITED",
      retryAfter: 1,
    });
    vi.advanceTimersByTime(1); // the denial's own time + retryAfter
    expect(await as("ann").mutation(api.ratelimit.sendMessage, { body: "on time" })).toEqual({ sent: true });
  });

  test("a clock moved at least 1 ms before each call: advancing by retryAfter is exact", async () => {
    const { as, ranAt, retryAfter } = await burst(true);
    expect(ranAt).toBe(0);
    expect(retryAfter).toBe(66_000 - 10); // the window opened at T0 + 1; the denial ran at T0 + 11
    vi.advanceTimersByTime(retryAfter - 1);
    expect(await result(as("ann").mutation(api.ratelimit.sendMessage, { body: "early" }))).toMatchObject({
      code: "RATE_LIMITED",
      retryAfter: 1,
    });
    vi.advanceTimersByTime(1);
    expect(await as("ann").mutation(api.ratelimit.sendMessage, { body: "on time" })).toEqual({ sent: true });
  });
});
