// A per-user and a global rate limit in an action, decided all or nothing (a new user's
// review): `safeAction` took one `rateLimit` and `guard.rateLimitAll` was mutation-only, so
// the per-user limit went through safeAction and the global one through `guard.rateLimit` in
// the handler. A call the global limit refused had already spent the caller's own budget (and,
// the other way round, one user could drain everyone's global budget). Now
// `guard.rateLimitAll(ctx, [...])` takes the whole list through the wired `rateLimit` (one
// internal mutation, one transaction), and safeAction's `rateLimit` takes a list too. From the
// attacker's side: each limit left untouched by calls the other refuses, the list's errors
// the same as in a mutation, and every wiring mistake a GuardConfigError naming the fix.
import { defineGuard, MINUTE } from "convex-guard";
import { defineSchema, makeFunctionReference } from "convex/server";
import { v } from "convex/values";
import { convexTest } from "convex-test";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { action, internalMutation, internalQuery } from "./_generated/server";
import { guard } from "./guard";
import * as wired from "./guardFunctions";
import schema from "./schema";
import { addUsers, modules, outcome, thrown } from "./test.setup";

const ISSUER = "https://auth.example";
const FIX_FUNCTIONS = "guard.internalFunctions(internalQuery, internalMutation)";

/** A guard with small limits: 3 a minute per user, 5 a minute for everyone. */
const small = defineGuard({
  roles: ["user"],
  rateLimits: {
    perUser: { kind: "fixed window", rate: 3, period: MINUTE },
    everyone: { kind: "fixed window", rate: 5, period: MINUTE },
  },
});
/** The caller's key: their identity's tokenIdentifier. */
const me = async (ctx: { auth: { getUserIdentity(): Promise<{ tokenIdentifier: string } | null> } }) =>
  (await ctx.auth.getUserIdentity())!.tokenIdentifier;

/** What `extra:all` (the app's guard) passes to guard.rateLimitAll from an action (set by each test). */
let list: unknown = [];
const extra = {
  // The small guard's limits through an action: guard.rateLimitAll, and safeAction's list.
  upload: action({
    args: {},
    handler: async (ctx) =>
      small.rateLimitAll(ctx, [
        { name: "perUser", key: await me(ctx) },
        { name: "everyone", key: "global" },
      ]),
  }),
  lookup: action(
    small.safeAction({
      name: "small.lookup",
      args: {},
      check: me,
      rateLimit: [{ name: "perUser" }, { name: "everyone", key: () => "global" }],
      handler: async () => "looked up",
    }),
  ),
  // The app's guard, given whatever `list` holds (past the types).
  all: action({ args: {}, handler: (ctx) => guard.rateLimitAll(ctx, list as never) }),
  quiet: action({ args: {}, handler: (ctx) => guard.rateLimitAll(ctx, list as never, { throws: false }) }),
};
const ref = (name: keyof typeof extra) => makeFunctionReference<"action">(`extra:${name}`);

/** The app's modules, `extra`, and (unless `wiring` says otherwise) the small guard's wired functions and trail. */
async function world(wiring: Record<string, unknown> | "app" = {
  "./guardFunctions.ts": small.internalFunctions(internalQuery, internalMutation),
  "./audit.ts": { log: small.audit.logMutation(internalMutation) },
}) {
  const all: Record<string, () => Promise<unknown>> = { ...modules, "./extra.ts": async () => extra };
  if (wiring !== "app") {
    for (const path of ["./guardFunctions.ts", "./audit.ts"]) delete all[path];
    for (const [path, mod] of Object.entries(wiring)) all[path] = async () => mod;
  }
  const t = convexTest(defineSchema(schema.tables), all);
  const ids = await addUsers(t, [
    ["uma", "user"],
    ["zed", "user"],
  ]);
  const as = (name: string) => t.withIdentity({ subject: name, issuer: ISSUER });
  /** Units taken from limit `name` for `key`, over all its rows (every shard). */
  const taken = async (name: string, key?: string) =>
    (await t.run((ctx) => ctx.db.query("guardRateLimits").collect()))
      .filter((r) => r.name === name && (key === undefined || r.key === key))
      .reduce((sum, r) => sum + r.a, 0);
  const rows = () => t.run((ctx) => ctx.db.query("guardRateLimits").collect());
  return { t, as, ids, taken, rows };
}

beforeEach(() => {
  vi.stubEnv("CONVEX_GUARD_SECRET", "test-secret-0123456789abcdef0123456789abcdef");
  list = [];
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

describe("a per-user and a global limit from an action: all or nothing", () => {
  for (const via of ["upload", "lookup"] as const) {
    const how = via === "upload" ? "guard.rateLimitAll" : "safeAction's rateLimit list";
    test(`${how}: a caller over their own limit spends none of the global budget`, async () => {
      const s = await world();
      const uma = `${ISSUER}|uma`;
      for (let i = 0; i < 3; i++) expect(await outcome(s.as("uma").action(ref(via), {}))).toMatchObject({ ok: {} });
      // Uma keeps trying: each call is refused by her own limit...
      for (let i = 0; i < 5; i++) expect(await outcome(s.as("uma").action(ref(via), {}))).toMatchObject({ code: "RATE_LIMITED" });
      // ...and takes nothing from everyone's: 3 of 5 taken, not 5 (before: 8, Zed locked out).
      expect(await s.taken("everyone")).toBe(3);
      expect(await s.taken("perUser", uma)).toBe(3);
      for (let i = 0; i < 2; i++) expect(await outcome(s.as("zed").action(ref(via), {}))).toMatchObject({ ok: {} });
    });

    test(`${how}: a call the global limit refuses spends none of the caller's own budget`, async () => {
      const s = await world();
      const zed = `${ISSUER}|zed`;
      for (let i = 0; i < 3; i++) await s.as("uma").action(ref(via), {});
      for (let i = 0; i < 2; i++) await s.as("zed").action(ref(via), {});
      expect(await s.taken("everyone")).toBe(5);
      // Everyone's budget is spent: Zed is refused by it, with its retryAfter...
      for (let i = 0; i < 4; i++) {
        const e = await thrown(s.as("zed").action(ref(via), {}));
        expect(e.data).toMatchObject({ code: "RATE_LIMITED", retryAfter: expect.any(Number) });
        expect((e.data as { retryAfter: number }).retryAfter).toBeGreaterThan(0);
      }
      // ...and keeps his own budget (2 of 3 taken, not 3: before, the first refusal spent it).
      expect(await s.taken("perUser", zed)).toBe(2);
      expect(await s.taken("everyone")).toBe(5);
    });
  }

  test("safeAction's list: each refusal audited as denied, the handler never run", async () => {
    const s = await world();
    for (let i = 0; i < 4; i++) await outcome(s.as("uma").action(ref("lookup"), {}));
    const audited = await s.t.run((ctx) => ctx.db.query("guardAudit").collect());
    // Each admitted call: its started row, then its final row; the refused one: its one row.
    expect(audited.map((r) => r.outcome)).toEqual(["started", "success", "started", "success", "started", "success", "denied"]);
    expect(audited[6]!.details).toMatchObject({ denial: "RATE_LIMITED" });
  });

  test("the app's own: exportReport shares the upload limits with the mutation, all or nothing", async () => {
    const s = await world("app");
    // The token bucket holds 3 uploads: three exports, then refusals that take no global unit.
    for (let i = 0; i < 3; i++) expect(await outcome(s.as("uma").action(api.reports.exportReport, { topic: `t${i}` }))).toMatchObject({ ok: {} });
    for (let i = 0; i < 3; i++) expect(await outcome(s.as("uma").action(api.reports.exportReport, { topic: "late" }))).toMatchObject({ code: "RATE_LIMITED" });
    expect(await outcome(s.as("uma").mutation(api.ratelimit.upload, { size: 1 }))).toMatchObject({ code: "RATE_LIMITED" });
    expect(await s.taken("uploadGlobal")).toBe(3);
    expect(await outcome(s.as("zed").action(api.reports.exportReport, { topic: "x" }))).toMatchObject({ ok: {} });
  });

  test("the app's own: lookupCompany's refusals by the caller's limit take nothing from the API's quota", async () => {
    const s = await world("app");
    vi.stubGlobal("fetch", async () => Response.json({ name: "Acme", employees: 12 }));
    for (let i = 0; i < 10; i++) await s.as("uma").action(api.external.lookupCompany, { domain: "acme.example" });
    for (let i = 0; i < 5; i++) {
      expect(await outcome(s.as("uma").action(api.external.lookupCompany, { domain: "acme.example" }))).toMatchObject({ code: "RATE_LIMITED" });
    }
    expect(await s.taken("externalLookupGlobal", "global")).toBe(10);
  });
});

test("a misspelt field of an entry or of the options is the developer's GuardConfigError, in an action and a mutation: never a default quietly", async () => {
  // An attacker's review: `{ name, key, cout: 5 }` took 1, and `{ throw: false }` still threw.
  for (const [requests, options, message] of [
    [[{ name: "upload", key: "k", cout: 2 }], undefined, "rateLimitAll entry: unknown key 'cout' (did you mean 'count'?)"],
    [[{ name: "upload", key: "k" }], { throw: false }, "rateLimitAll options: unknown key 'throw' (did you mean 'throws'?)"],
  ] as const) {
    const s = await world("app");
    list = requests;
    if (options === undefined) await expect(s.as("uma").action(ref("all"), {})).rejects.toThrow(message);
    await expect(s.t.run((ctx) => guard.rateLimitAll(ctx, requests as never, options as never))).rejects.toThrow(message);
    expect(await s.rows()).toEqual([]);
  }
  const s = await world("app");
  for (const [options, message] of [
    [{ key: "k", cout: 2 }, "rate limit options: unknown key 'cout' (did you mean 'count'?)"],
    [{ key: "k", throw: false }, "rate limit options: unknown key 'throw' (did you mean 'throws'?)"],
  ] as const) {
    await expect(s.t.run((ctx) => guard.rateLimit(ctx, "upload", options as never))).rejects.toThrow(message);
    await expect(s.t.run((ctx) => guard.checkRateLimit(ctx, "upload", options as never))).rejects.toThrow(message);
  }
  await expect(s.t.run((ctx) => guard.resetRateLimit(ctx, "upload", { key: "k", shard: 0 } as never))).rejects.toThrow("resetRateLimit options: unknown key 'shard'");
  expect(await s.rows()).toEqual([]);
});

describe("a malformed list from an action: the mutation's refusal, nothing taken", () => {
  const upload = (key: string) => ({ name: "upload", key });
  const cases: [string, unknown, RegExp][] = [
    ["empty", [], /^an all-or-nothing rate limit takes 1 to 16 limits$/],
    ["too long", Array.from({ length: 17 }, (_, i) => upload(`k${i}`)), /^rate limit 'upload': an all-or-nothing rate limit takes 1 to 16 limits$/],
    ["a name not configured", [upload("k"), { name: "uplaod", key: "k" }], /^unknown rate limit 'uplaod'$/],
    ["a non-string key", [upload("k"), { name: "uploadGlobal", key: 42 }], /^a rate limit key must be a string of 1 to 1024 characters$/],
    ["an empty key", [{ name: "upload", key: "" }], /^a rate limit key must be a string of 1 to 1024 characters$/],
    ["a count that is no number", [{ name: "upload", key: "k", count: "1" }], /count/],
    ["a count of 0", [{ name: "upload", key: "k", count: 0 }], /count/],
    ["the same limit and key twice", [upload("k"), upload("k")], /^rate limit 'upload' is listed twice for the same key$/],
    ["an entry that is no object", [upload("k"), "uploadGlobal"], /^a rate limit request is \{ name, key, count\? \}$/],
    ["a hole", [upload("k"), , upload("j")], /^a rate limit request is \{ name, key, count\? \}$/], // eslint-disable-line no-sparse-arrays
    ["no list", { name: "upload", key: "k" }, /^rateLimitAll takes an array of limits$/],
  ];
  for (const [what, requests, message] of cases) {
    test(what, async () => {
      const s = await world("app");
      list = requests;
      for (const name of ["all", "quiet"] as const) {
        const e = await thrown(s.as("uma").action(ref(name), {}));
        expect(e.data).toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringMatching(message) });
      }
      // The same data as the same call in a mutation.
      const inMutation = await thrown(s.t.run((ctx) => guard.rateLimitAll(ctx, requests as never)));
      expect(inMutation.data).toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringMatching(message) });
      expect(await s.rows()).toEqual([]);
    });
  }

  test("throws: false returns a refusal as in a mutation; the default throws it", async () => {
    const s = await world("app");
    list = [
      { name: "upload", key: "k", count: 3 },
      { name: "uploadGlobal", key: "global" },
    ];
    expect(await s.as("uma").action(ref("quiet"), {})).toMatchObject({ ok: true, retryAfter: 0, decisions: [{ ok: true, remaining: 0 }, { ok: true }] });
    const refused = await s.as("uma").action(ref("quiet"), {});
    expect(refused).toMatchObject({ ok: false, decisions: [{ ok: false }, { ok: true }] });
    expect(Object.keys(refused).sort()).toEqual(["decisions", "ok", "retryAfter"]);
    expect(refused.retryAfter).toBeGreaterThan(0);
    const denied = (await thrown(s.as("uma").action(ref("all"), {}))).data as { code: string; retryAfter: number };
    expect(denied.code).toBe("RATE_LIMITED");
    expect(denied.retryAfter).toBeGreaterThan(0);
    expect(await s.taken("uploadGlobal")).toBe(1);
  });
});

describe("the wiring: missing, another guard's, hand-written, or asked wrongly", () => {
  const twoLimits = [
    { name: "upload", key: "k" },
    { name: "uploadGlobal", key: "global" },
  ];

  test("no guardFunctions module: a GuardConfigError naming the fix, nothing taken", async () => {
    const s = await world({ "./audit.ts": { log: small.audit.logMutation(internalMutation) } });
    for (const call of [s.as("uma").action(ref("upload"), {}), s.as("uma").action(ref("lookup"), {})]) {
      const e = await thrown(call);
      expect(e.data).toBeUndefined(); // never a denial the client could mistake for an answer
      expect(e.message).toContain(FIX_FUNCTIONS);
      expect(e.message).toContain("convex/guardFunctions.ts");
    }
    expect(await s.rows()).toEqual([]);
  });

  test("another guard's rateLimit (a laxer limit of the same name) takes nothing and is named", async () => {
    const lax = defineGuard({
      roles: ["user"],
      rateLimits: { upload: { kind: "token bucket", rate: 300, period: MINUTE, capacity: 300 }, uploadGlobal: { kind: "fixed window", rate: 100, period: MINUTE, shards: 4 } },
    });
    const s = await world({ "./guardFunctions.ts": { getUser: wired.getUser, rateLimit: lax.internalFunctions(internalQuery, internalMutation).rateLimit } });
    list = twoLimits;
    const e = await thrown(s.as("uma").action(ref("all"), {}));
    expect(e.data).toBeUndefined();
    expect(e.message).toMatch(
      /'guardFunctions:rateLimit' answered something that is not the guard's answer \(a decision of limit 'upload' configured token bucket\/3\/60000\/3\/1; it answers for token bucket\/300\/60000\/300\/1\): another guard's function answers there: give this guard a module of its own /,
    );
    // A guard with neither limit says so, and takes nothing either.
    const none = await world({ "./guardFunctions.ts": small.internalFunctions(internalQuery, internalMutation) });
    const n = await thrown(none.as("uma").action(ref("all"), {}));
    expect(n.message).toContain("(a decision of limit 'upload' configured token bucket/3/60000/3/1; its guard has no limit of that name)");
    expect([...(await s.rows()), ...(await none.rows())]).toEqual([]);
  });

  test("a hand-written rateLimit of the single form, or one answering anything, is refused", async () => {
    const single = internalMutation({
      args: { name: v.string(), key: v.string(), count: v.optional(v.number()), consume: v.boolean(), config: v.optional(v.string()) },
      handler: async () => ({ ok: true, remaining: 9, retryAfter: 0 }),
    });
    const admitsAll = internalMutation({ args: { requests: v.any() }, handler: async (_ctx, { requests }) => ({ ok: true, retryAfter: 0, decisions: [], configs: (requests as { config: string }[]).map((r) => r.config) }) });
    list = twoLimits;
    for (const [rateLimit, said] of [
      [single, /'guardFunctions:rateLimit' answered something that is not the guard's answer \(it requires an argument 'name' that the guard's own function does not\)/],
      [admitsAll, /'guardFunctions:rateLimit' answered something that is not the guard's answer \(a decision \{ ok, retryAfter, decisions \} with one decision per limit\)/],
    ] as const) {
      const s = await world({ "./guardFunctions.ts": { getUser: wired.getUser, rateLimit } });
      const e = await thrown(s.as("uma").action(ref("all"), {}));
      expect(e.data).toBeUndefined();
      expect(e.message).toMatch(said);
      expect(e.message).toContain(FIX_FUNCTIONS);
    }
  });

  test("the wired function refuses a call in neither form, and still answers the single form", async () => {
    const s = await world("app");
    const rateLimit = makeFunctionReference<"mutation", Record<string, unknown>>("guardFunctions:rateLimit");
    const requests = twoLimits.map((r) => ({ ...r, config: "?" }));
    for (const args of [{ requests, name: "upload" }, { requests, consume: true }, { key: "k" }, { name: "upload", key: "k" }, {}]) {
      const e = await thrown(s.t.mutation(rateLimit, args));
      expect(e.message).toContain("the guard's rateLimit function takes { name, key, count?, consume, config? } or { requests } alone");
    }
    // Entries its guard configures otherwise: their configurations back, nothing taken.
    expect(await s.t.mutation(rateLimit, { requests })).toEqual({ configs: ["token bucket/3/60000/3/1", "fixed window/100/60000/100/4"] });
    expect(await s.rows()).toEqual([]);
    // A direct call of the single form, as before.
    expect(await s.t.mutation(rateLimit, { name: "upload", key: "k", consume: true })).toEqual({ ok: true, remaining: 2, retryAfter: 0 });
  });
});
