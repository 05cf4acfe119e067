// A builder's `rateLimit` as a list (a new user's review: the README takes a per-user and a
// global limit together, and guard.mutation/guard.action took one, so the list went to
// guard.rateLimitAll in the handler). The list is taken all or nothing through
// guard.rateLimitAll, in a mutation's transaction or, from an action, in one call of the wired
// `rateLimit`: a call the global limit refuses spends none of the caller's budget, and a
// caller over their own limit spends none of everyone's.
import { defineGuard, guardRequirements, MINUTE } from "convex-guard";
import { defineSchema, makeFunctionReference } from "convex/server";
import { v } from "convex/values";
import { convexTest } from "convex-test";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { action, internalMutation, internalQuery, mutation } from "./_generated/server";
import * as guarded from "./guarded";
import schema from "./schema";
import { addUsers, modules, newTest, outcome, thrown } from "./test.setup";

const ISSUER = "https://auth.example";

/** A guard with small limits: 3 a minute per user, 5 a minute for everyone. */
const small = defineGuard({
  roles: ["user", "admin"],
  rateLimits: {
    perUser: { kind: "fixed window", rate: 3, period: MINUTE },
    everyone: { kind: "fixed window", rate: 5, period: MINUTE },
  },
});
const both = [{ name: "perUser" }, { name: "everyone", key: "global" }] as const;
const extra = {
  send: small.mutation(mutation, { args: { n: v.number() }, rateLimit: both, handler: async (ctx, { n }) => `${ctx.user.name}:${n}` }),
  ask: small.action(action, { args: { n: v.number() }, rateLimit: both, handler: async (ctx, { n }) => `${ctx.user.name}:${n}` }),
  // The global limit first: whichever comes first, a refusal by the other spends nothing.
  askGlobalFirst: small.action(action, {
    args: { n: v.number() },
    rateLimit: [{ name: "everyone", key: "global" }, { name: "perUser" }],
    handler: async (ctx, { n }) => `${ctx.user.name}:${n}`,
  }),
  // A role first: refused callers take nothing from either limit.
  adminSend: small.mutation(mutation, { args: {}, role: "admin", rateLimit: both, handler: async () => "sent" }),
};

/** The app's modules, `extra`, and the small guard's wired functions; uma and zed (users), ada (admin). */
async function world() {
  const all: Record<string, () => Promise<unknown>> = { ...modules, "./extra.ts": async () => extra };
  all["./guardFunctions.ts"] = async () => small.internalFunctions(internalQuery, internalMutation);
  const t = convexTest(defineSchema(schema.tables), all);
  const ids = await addUsers(t, [
    ["uma", "user"],
    ["zed", "user"],
    ["ada", "admin"],
  ]);
  const as = (name: string) => t.withIdentity({ subject: name, issuer: ISSUER });
  /** Units taken from limit `name` (for `key`), over all its rows (fixed windows: each row's `a`). */
  const taken = async (name: string, key?: string) =>
    (await t.run((ctx) => ctx.db.query("guardRateLimits").collect()))
      .filter((r) => r.name === name && (key === undefined || r.key === key))
      .reduce((sum, r) => sum + r.a, 0);
  return { t, ids, as, taken };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  // The middle of a minute: the fixed windows do not turn over during a test.
  vi.setSystemTime(Date.UTC(2026, 0, 1, 12, 0, 30));
});
afterEach(() => vi.useRealTimers());

type Via = "send" | "ask" | "askGlobalFirst";
const call = (s: Awaited<ReturnType<typeof world>>, who: string, via: Via, n = 0) =>
  via === "send"
    ? s.as(who).mutation(makeFunctionReference<"mutation">("extra:send"), { n })
    : s.as(who).action(makeFunctionReference<"action">(`extra:${via}`), { n });

// In an action each limit taken on its own would commit in a mutation of its own: only the
// list taken all or nothing leaves the other limit untouched, whichever is listed first.
describe("guard.mutation and guard.action with a per-user and a global limit: all or nothing", () => {
  for (const via of ["send", "ask", "askGlobalFirst"] as const) {
    const kind = via === "send" ? "guard.mutation" : via === "ask" ? "guard.action" : "guard.action, the global limit first";

    test(`${kind}: both admitted while both have room, each taking one`, async () => {
      const s = await world();
      expect(await call(s, "uma", via, 1)).toBe("uma:1");
      expect(await call(s, "zed", via, 2)).toBe("zed:2");
      expect([await s.taken("perUser", s.ids.uma), await s.taken("perUser", s.ids.zed), await s.taken("everyone", "global")]).toEqual([1, 1, 2]);
    });

    test(`${kind}: a caller over their own limit spends none of everyone's budget`, async () => {
      const s = await world();
      for (let i = 0; i < 3; i++) await call(s, "uma", via);
      // Uma keeps trying: each call is refused by her own limit...
      for (let i = 0; i < 4; i++) expect(await outcome(call(s, "uma", via))).toMatchObject({ code: "RATE_LIMITED" });
      // ...and takes nothing from everyone's (3 of 5, not 5 with Zed locked out).
      expect(await s.taken("everyone", "global")).toBe(3);
      expect(await s.taken("perUser", s.ids.uma)).toBe(3);
      for (let i = 0; i < 2; i++) expect(await call(s, "zed", via)).toBe("zed:0");
    });

    test(`${kind}: a call everyone's budget refuses spends none of the caller's own`, async () => {
      const s = await world();
      for (let i = 0; i < 3; i++) await call(s, "uma", via);
      for (let i = 0; i < 2; i++) await call(s, "zed", via);
      expect(await s.taken("everyone", "global")).toBe(5);
      for (let i = 0; i < 3; i++) {
        const e = await thrown(call(s, "zed", via));
        expect(e.data).toMatchObject({ code: "RATE_LIMITED", retryAfter: expect.any(Number) });
      }
      // Zed keeps his own budget: 2 of 3 taken, not 3 (one limit at a time, the first refusal spent it).
      expect(await s.taken("perUser", s.ids.zed)).toBe(2);
      // Everyone's budget back: Zed's last unit is still his.
      await s.t.run((ctx) => small.resetRateLimit(ctx, "everyone", { key: "global" }));
      expect(await call(s, "zed", via, 9)).toBe("zed:9");
      expect(await outcome(call(s, "zed", via))).toMatchObject({ code: "RATE_LIMITED" });
    });
  }

  test("the role is checked first: a refused caller takes nothing from either limit", async () => {
    const s = await world();
    const adminSend = makeFunctionReference<"mutation">("extra:adminSend");
    expect(await outcome(s.as("uma").mutation(adminSend, {}))).toMatchObject({ code: "FORBIDDEN" });
    expect(await outcome(s.t.mutation(adminSend, {}))).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(await s.taken("everyone")).toBe(0);
    expect(await s.as("ada").mutation(adminSend, {})).toBe("sent");
    expect([await s.taken("perUser", s.ids.ada), await s.taken("everyone", "global")]).toEqual([1, 1]);
  });
});

test("the app's own uploadFile: refusals by the user's token bucket take nothing from the global limit; __guard lists both", async () => {
  const t = newTest();
  await addUsers(t, [["uma", "user"]]);
  const uma = t.withIdentity({ subject: "uma", issuer: ISSUER });
  for (let i = 0; i < 3; i++) expect(await uma.mutation(api.guarded.uploadFile, { size: i })).toEqual({ accepted: i });
  for (let i = 0; i < 3; i++) expect(await outcome(uma.mutation(api.guarded.uploadFile, { size: 9 }))).toMatchObject({ code: "RATE_LIMITED" });
  const global = (await t.run((ctx) => ctx.db.query("guardRateLimits").collect())).filter((r) => r.name === "uploadGlobal");
  expect(global.reduce((sum, r) => sum + r.a, 0)).toBe(3);
  expect(guardRequirements(guarded.uploadFile)).toMatchObject({
    kind: "mutation",
    rateLimit: { name: "upload", key: "user" },
    rateLimits: [
      { name: "upload", key: "user" },
      { name: "uploadGlobal", key: "global" },
    ],
  });
});
