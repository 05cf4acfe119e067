// Several guard calls of ONE transaction at once (`Promise.all` in a mutation, as Convex allows):
// each reads a row, decides and writes it back, so they must run one after the other, each on
// what the one before it left. Found by an attacker's review: before, fifty wrong codes were
// all compared against a code's five attempts, ten takes of a bucket of three were all
// admitted, and two concurrent first writes made two rows for one key, which then broke every
// later call for that key with the database's own error.
import { makeFunctionReference } from "convex/server";
import { v } from "convex/values";
import { convexTest } from "convex-test";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";
import schema from "./schema";
import { addUsers, modules, outcome } from "./test.setup";

const ISSUER = "https://auth.example";

beforeEach(() => vi.stubEnv("CONVEX_GUARD_SECRET", "test-secret-0123456789abcdef0123456789abcdef"));
afterEach(() => vi.unstubAllEnvs());

// What an app may write: actor and keys from the server, results returned (never thrown in the
// consuming mutation), the guard calls of one transaction run concurrently.
const app = {
  requestCode: mutation({
    args: { target: v.string() },
    handler: async (ctx, { target }) => {
      const user = await guard.requireUser(ctx);
      return (await guard.issueConfirmation(ctx, { actor: user._id, action: "payout.approve", target })).code;
    },
  }),
  confirmMany: mutation({
    args: { items: v.array(v.object({ target: v.string(), code: v.string() })) },
    handler: async (ctx, { items }) => {
      const user = await guard.requireUser(ctx);
      const results = await Promise.all(
        items.map(({ target, code }) => guard.consumeConfirmation(ctx, { actor: user._id, action: "payout.approve", target, code })),
      );
      return results.map((r) => r.ok);
    },
  }),
  uploadMany: mutation({
    args: { files: v.number(), throws: v.boolean() },
    handler: async (ctx, { files, throws }) => {
      const user = await guard.requireUser(ctx);
      // allSettled: every take has finished when a denial is rethrown (none left running).
      const settled = await Promise.allSettled(
        Array.from({ length: files }, () => guard.rateLimit(ctx, "upload", { key: user._id, throws })),
      );
      const denied = settled.find((s) => s.status === "rejected");
      if (denied !== undefined) throw denied.reason;
      return settled.filter((s) => s.status === "fulfilled" && s.value.ok).length;
    },
  }),
  lookupMany: mutation({
    args: { n: v.number() },
    handler: async (ctx, { n }) => {
      await guard.requireUser(ctx);
      const taken = await Promise.all(
        Array.from({ length: n }, () => guard.rateLimit(ctx, "externalLookup", { key: "global", throws: false })),
      );
      return taken.filter((d) => d.ok).length;
    },
  }),
  canLookup: query({
    args: {},
    handler: async (ctx) => (await guard.checkRateLimit(ctx, "externalLookup", { key: "global", throws: false })).remaining,
  }),
  shareTwice: mutation({
    args: { id: v.string(), userId: v.id("users") },
    handler: async (ctx, { id, userId }) => {
      await guard.requireUser(ctx);
      await Promise.all([
        guard.share(ctx, "documents", id, { userId, level: "viewer" }),
        guard.share(ctx, "documents", id, { userId, level: "editor" }),
      ]);
    },
  }),
  uploadWrapped: mutation({
    args: { files: v.number() },
    handler: async (ctx, { files }) => {
      const user = await guard.requireUser(ctx);
      // A database wrapped per call, as row-level security or triggers wrap it: the same
      // transaction, so the same queue.
      const taken = await Promise.all(
        Array.from({ length: files }, () =>
          guard.rateLimit({ ...ctx, db: new Proxy(ctx.db, {}) }, "upload", { key: user._id, throws: false }),
        ),
      );
      return taken.filter((d) => d.ok).length;
    },
  }),
  reset: mutation({
    args: {},
    handler: (ctx) => guard.resetRateLimit(ctx, "externalLookup", { key: "global" }),
  }),
  resetLookups: mutation({
    args: {},
    handler: async (ctx) => {
      // An admin's repair, at the same time as takes: each runs whole, in call order.
      const [before, , after] = await Promise.all([
        guard.rateLimit(ctx, "externalLookup", { key: "global", throws: false }),
        guard.resetRateLimit(ctx, "externalLookup", { key: "global" }),
        guard.rateLimit(ctx, "externalLookup", { key: "global", throws: false }),
      ]);
      return [before.remaining, after.remaining];
    },
  }),
};
const fn = <T extends "mutation" | "query">(_kind: T, name: string) => makeFunctionReference<T>(`concurrencyApp:${name}`);

async function world() {
  const t = convexTest(schema, { ...modules, "./concurrencyApp.ts": async () => app });
  const ids = await addUsers(t, [["uma", "user"], ["zed", "user"]]);
  const as = (who: string) => t.withIdentity({ subject: who, issuer: ISSUER });
  return { t, ids, as };
}
/** A wrong code for `code`, the `i`th. */
const wrong = (code: string, i: number) => {
  const g = String(i).padStart(8, "0");
  return g === code ? "99999999" : g;
};
const consumeOutcomes = async (t: Awaited<ReturnType<typeof world>>["t"]) =>
  (await t.run((ctx) => ctx.db.query("guardAudit").collect())).filter((r) => r.action === "confirmation.consume").map((r) => r.outcome);

describe("confirmation codes presented at once", () => {
  test("fifty wrong codes and the right one in one call: five compared, the code spent, the right one refused", async () => {
    const { t, as } = await world();
    const code = await as("uma").mutation(fn("mutation", "requestCode"), { target: "p1" });
    const items = Array.from({ length: 50 }, (_, i) => ({ target: "p1", code: wrong(code, i) }));
    items.push({ target: "p1", code });
    const oks = await as("uma").mutation(fn("mutation", "confirmMany"), { items });
    expect(oks).toEqual(Array(51).fill(false));
    const outcomes = await consumeOutcomes(t);
    expect(outcomes.filter((o) => o === "wrong")).toHaveLength(5); // maxAttempts, the default
    expect(outcomes.filter((o) => o === "accepted")).toHaveLength(0);
    const row = await t.run((ctx) => ctx.db.query("guardConfirmations").filter((q) => q.eq(q.field("target"), "p1")).unique());
    expect(row?.attemptsLeft).toBe(0);
  });

  test("wrong codes for twenty bindings in one call count twenty failures against the actor", async () => {
    const { t, as } = await world();
    const targets = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const codes: string[] = [];
    for (const target of targets) codes.push(await as("uma").mutation(fn("mutation", "requestCode"), { target }));
    const items = targets.map((target, i) => ({ target, code: wrong(codes[i]!, 1) }));
    expect(await as("uma").mutation(fn("mutation", "confirmMany"), { items })).toEqual(Array(20).fill(false));
    const actorRows = await t.run((ctx) => ctx.db.query("guardConfirmations").filter((q) => q.eq(q.field("action"), "")).collect());
    expect(actorRows).toHaveLength(1); // one row per actor
    expect(actorRows[0]?.failures).toBe(20);
  });

  test("after a mistyped batch the right codes are still accepted", async () => {
    const { as } = await world();
    const c1 = await as("uma").mutation(fn("mutation", "requestCode"), { target: "p1" });
    const c2 = await as("uma").mutation(fn("mutation", "requestCode"), { target: "p2" });
    const items = [{ target: "p1", code: wrong(c1, 1) }, { target: "p2", code: wrong(c2, 2) }];
    expect(await as("uma").mutation(fn("mutation", "confirmMany"), { items })).toEqual([false, false]);
    const right = [{ target: "p1", code: c1 }, { target: "p2", code: c2 }];
    expect(await as("uma").mutation(fn("mutation", "confirmMany"), { items: right })).toEqual([true, true]);
  });

  test("a binding stored twice (by an earlier version or the app) is refused with the guard's words, not decided on", async () => {
    const { t, ids, as } = await world();
    await as("uma").mutation(fn("mutation", "requestCode"), { target: "p1" });
    await t.run(async (ctx) => {
      const row = await ctx.db.query("guardConfirmations").filter((q) => q.eq(q.field("target"), "p1")).unique();
      const { _id, _creationTime, ...copy } = row!;
      await ctx.db.insert("guardConfirmations", copy);
    });
    const error = await as("uma")
      .mutation(fn("mutation", "confirmMany"), { items: [{ target: "p1", code: "00000000" }] })
      .then(() => null, (e: unknown) => e);
    expect((error as Error).name).toBe("GuardConfigError");
    expect((error as Error).message).toContain(`guardConfirmations, for actor "${ids.uma}", action "payout.approve" and target "p1", has more than one row`);
  });
});

describe("rate limits taken at once", () => {
  test("ten takes of a bucket of three in one call: three admitted, seven denied", async () => {
    const { as } = await world();
    expect(await as("uma").mutation(fn("mutation", "uploadMany"), { files: 10, throws: false })).toBe(3);
    // The bucket is empty now: nothing left for the next call.
    expect(await as("uma").mutation(fn("mutation", "uploadMany"), { files: 1, throws: false })).toBe(0);
  });

  test("through a database wrapped per call: still three", async () => {
    const { t, as } = await world();
    expect(await as("uma").mutation(fn("mutation", "uploadWrapped"), { files: 10 })).toBe(3);
    expect(await t.run((ctx) => ctx.db.query("guardRateLimits").collect())).toHaveLength(1);
  });

  test("ten takes that throw: the call is refused as a whole", async () => {
    const { as } = await world();
    const result = await outcome(as("uma").mutation(fn("mutation", "uploadMany"), { files: 10, throws: true }));
    expect(result).toMatchObject({ code: "RATE_LIMITED" });
    // Rolled back: the caller's three are still there.
    expect(await as("uma").mutation(fn("mutation", "uploadMany"), { files: 3, throws: false })).toBe(3);
  });

  test("concurrent first takes of a key write one row, and every later call of every user works", async () => {
    const { t, as } = await world();
    expect(await as("uma").mutation(fn("mutation", "lookupMany"), { n: 4 })).toBe(4);
    expect(await t.run((ctx) => ctx.db.query("guardRateLimits").collect())).toHaveLength(1);
    expect(await as("zed").mutation(fn("mutation", "lookupMany"), { n: 10 })).toBe(6);
    expect(await as("zed").query(fn("query", "canLookup"), {})).toBe(0);
  });

  test("a reset between two takes of one call runs between them", async () => {
    const { as } = await world();
    expect(await as("uma").mutation(fn("mutation", "lookupMany"), { n: 5 })).toBe(5);
    expect(await as("uma").mutation(fn("mutation", "resetLookups"), {})).toEqual([4, 9]);
  });

  test("a key stored twice is refused naming resetRateLimit, which repairs it", async () => {
    const { t, as } = await world();
    expect(await as("uma").mutation(fn("mutation", "lookupMany"), { n: 1 })).toBe(1);
    await t.run(async (ctx) => {
      const { _id, _creationTime, ...copy } = (await ctx.db.query("guardRateLimits").unique())!;
      await ctx.db.insert("guardRateLimits", copy);
    });
    for (const call of [as("zed").mutation(fn("mutation", "lookupMany"), { n: 1 }), as("zed").query(fn("query", "canLookup"), {})]) {
      const error = await call.then(() => null, (e: unknown) => e);
      expect((error as Error).name).toBe("GuardConfigError");
      expect((error as Error).message).toContain('guardRateLimits, for rate limit "externalLookup", key "global" and shard 0, has more than one row');
      expect((error as Error).message).toContain("resetRateLimit");
    }
    // The fix the message names: both rows go, the key starts afresh.
    await as("uma").mutation(fn("mutation", "reset"), {});
    expect(await t.run((ctx) => ctx.db.query("guardRateLimits").collect())).toHaveLength(0);
    expect(await as("zed").mutation(fn("mutation", "lookupMany"), { n: 1 })).toBe(1);
    // One entry in the log: a check of one more leaves 8.
    expect(await as("zed").query(fn("query", "canLookup"), {})).toBe(8);
  });
});

describe("access written at once", () => {
  test("the same grant made twice in one call is one row, the later level", async () => {
    const { t, ids, as } = await world();
    const doc = await t.run((ctx) => ctx.db.insert("documents", { title: "d", body: "", ownerId: ids.uma as never, visibility: "private" }));
    await as("uma").mutation(fn("mutation", "shareTwice"), { id: doc, userId: ids.zed! });
    const grants = await t.run((ctx) => ctx.db.query("accessGrants").collect());
    expect(grants.map((g) => [g.userId, g.level])).toEqual([[ids.zed, "editor"]]);
  });
});
