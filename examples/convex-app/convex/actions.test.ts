// Checks in actions (issue 9, points 1 and 3): requireUser/requireRole/requirePermission/
// getUser/rateLimit/checkRateLimit from a context without ctx.db, through the internal
// functions of convex/guardFunctions.ts; and every piece of wiring the guard needs from the
// app (an exported function, a table, a secret) failing closed with a GuardConfigError that
// names the fix, from the attacker's side and the forgetful developer's.
import { auditEventValidator, defineGuard, GuardConfigError } from "convex-guard";
import { defineSchema, defineTable, makeFunctionReference } from "convex/server";
import { ConvexError, v } from "convex/values";
import { convexTest } from "convex-test";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import { action, internalMutation, internalQuery } from "./_generated/server";
import { guard } from "./guard";
import * as wired from "./guardFunctions";
import schema from "./schema";
import { addUsers, modules, outcome, thrown } from "./test.setup";

const ISSUER = "https://auth.example";
const FIX_FUNCTIONS = "guard.internalFunctions(internalQuery, internalMutation)";

/**
 * Another users table found by the same field as `users` (say, an admin tool's staff): what
 * another guard of the same app may read.
 */
const staffTable = defineTable({ tokenIdentifier: v.string(), name: v.string(), role: v.optional(v.string()) }).index(
  "by_tokenIdentifier",
  ["tokenIdentifier"],
);

/** A test world without the modules in `without`, with `extra` modules, over `tables` (and `staff`). */
async function world(options: { without?: string[]; extra?: Record<string, unknown>; dropTables?: string[] } = {}) {
  const all: Record<string, () => Promise<unknown>> = { ...modules };
  for (const path of options.without ?? []) delete all[path];
  for (const [path, mod] of Object.entries(options.extra ?? {})) all[path] = async () => mod;
  const tables = Object.fromEntries(
    Object.entries({ ...schema.tables, staff: staffTable }).filter(([name]) => !(options.dropTables ?? []).includes(name)),
  );
  const t = convexTest(defineSchema(tables as never), all);
  const ids = await addUsers(t, [
    ["uma", "user"],
    ["mo", "moderator"],
    ["ada", "admin"],
    ["sam", "superadmin"],
  ]);
  const as = (name: string) => t.withIdentity({ subject: name, issuer: ISSUER });
  const auditRows = () => t.run((ctx) => ctx.db.query("guardAudit").collect());
  return { t, as, ids, auditRows };
}

beforeEach(() => {
  vi.stubEnv("CONVEX_GUARD_SECRET", "test-secret-0123456789abcdef0123456789abcdef");
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

describe("role and permission checks in actions", () => {
  test("requireRole: moderators and above pass, users are FORBIDDEN, anonymous callers UNAUTHENTICATED", async () => {
    const s = await world();
    expect(await outcome(s.as("mo").action(api.reports.buildReport, { topic: "x" }))).toEqual({
      ok: { topic: "x", by: "mo" },
    });
    expect(await outcome(s.as("ada").action(api.reports.buildReport, { topic: "x" }))).toEqual({
      ok: { topic: "x", by: "ada" },
    });
    // The same ConvexError data as the mutation's check.
    expect(await outcome(s.as("uma").action(api.reports.buildReport, { topic: "x" }))).toEqual({
      code: "FORBIDDEN",
      message: "Role 'moderator' or higher required",
    });
    expect(await outcome(s.as("uma").mutation(api.users.flagUser, { userId: s.ids.mo as never }))).toEqual({
      code: "FORBIDDEN",
      message: "Role 'moderator' or higher required",
    });
    expect(await outcome(s.t.action(api.reports.buildReport, { topic: "x" }))).toEqual({
      code: "UNAUTHENTICATED",
      message: "Authentication required",
    });
    // An identity without a user row is no user either.
    expect(await outcome(s.as("ghost").action(api.reports.buildReport, { topic: "x" }))).toMatchObject({
      code: "UNAUTHENTICATED",
    });
  });

  test("requirePermission and getUser", async () => {
    const s = await world();
    expect(await outcome(s.as("ada").action(api.reports.purgePreview, {}))).toEqual({ ok: { admin: "ada" } });
    expect(await outcome(s.as("mo").action(api.reports.purgePreview, {}))).toEqual({
      code: "FORBIDDEN",
      message: "Permission 'delete:users' required",
    });
    expect(await s.as("uma").action(api.reports.whoAmI, {})).toBe("uma");
    expect(await s.t.action(api.reports.whoAmI, {})).toBeNull();
  });
});

describe("rate limits in actions", () => {
  test("rateLimit takes from the same budget as the mutation and denies with RATE_LIMITED data", async () => {
    const s = await world();
    // 10 a minute per user, shared with sendMessage: 4 messages, then 6 reports.
    for (let i = 0; i < 4; i++) await s.as("mo").mutation(api.ratelimit.sendMessage, { body: "hi" });
    for (let i = 0; i < 6; i++) await s.as("mo").action(api.reports.buildReport, { topic: `t${i}` });
    const denied = await thrown(s.as("mo").action(api.reports.buildReport, { topic: "late" }));
    const data = denied.data as { code: string; message: string; retryAfter: number };
    expect(data.code).toBe("RATE_LIMITED");
    expect(data.message).toMatch(/^Too many requests\. Try again in \d+ seconds?$/);
    expect(data.retryAfter).toBeGreaterThan(0);
    // The mutation sees the same spent budget and answers with the same shape.
    const fromMutation = await thrown(s.as("mo").mutation(api.ratelimit.sendMessage, { body: "hi" }));
    expect(Object.keys(fromMutation.data as object).sort()).toEqual(Object.keys(data).sort());
    // Another user's budget is untouched.
    expect(await outcome(s.as("ada").action(api.reports.buildReport, { topic: "x" }))).toMatchObject({ ok: {} });
  });

  test("checkRateLimit looks without taking", async () => {
    const s = await world();
    for (let i = 0; i < 3; i++) {
      expect(await s.as("uma").action(api.reports.canSend, {})).toEqual({ ok: true, remaining: 9, retryAfter: 0 });
    }
    const rows = await s.t.run((ctx) => ctx.db.query("guardRateLimits").collect());
    expect(rows).toEqual([]);
  });

  test("a client cannot call the wired functions: they are internal", () => {
    for (const fn of [wired.getUser, wired.rateLimit]) {
      const f = fn as unknown as { isInternal?: boolean; isPublic?: boolean };
      expect(f.isInternal).toBe(true);
      expect(f.isPublic).toBeFalsy();
    }
  });
});

describe("safeAction: actor, resource and a rate limit by name", () => {
  test("the lookup is rate-limited per caller, and a denial is audited with its resource", async () => {
    const s = await world();
    vi.stubGlobal("fetch", async () => Response.json({ name: "Acme", employees: 12 }));
    for (let i = 0; i < 10; i++) {
      expect(await outcome(s.as("uma").action(api.external.lookupCompany, { domain: "acme.example" }))).toMatchObject({
        ok: {},
      });
    }
    expect(await outcome(s.as("uma").action(api.external.lookupCompany, { domain: "acme.example" }))).toMatchObject({
      code: "RATE_LIMITED",
    });
    // Another caller has their own budget.
    expect(await outcome(s.as("mo").action(api.external.lookupCompany, { domain: "x.example" }))).toMatchObject({ ok: {} });
    const rows = await s.auditRows();
    // An admitted call writes its started row, then its final row; the refused one, its one row.
    expect(rows.map((r) => r.outcome)).toEqual([...Array(10).fill(["started", "success"]).flat(), "denied", "started", "success"]);
    expect(rows.every((r) => r.resourceType === "companies")).toBe(true);
    expect(rows.map((r) => r.resourceId)).toEqual([...Array(21).fill("acme.example"), "x.example", "x.example"]);
    expect(rows[0]!.actor).toBe(s.ids.uma); // the user row's _id (the default check is requireUser)
  });

  test("the handler receives the actor its check returned; a row's _id is the audit actor", async () => {
    const seen: unknown[] = [];
    const extra = {
      admin: action(
        guard.safeAction({
          name: "admin.report",
          args: {},
          check: (ctx) => guard.requireRole(ctx, "admin"),
          handler: async (_ctx, _args, { actor }) => {
            seen.push(actor.name);
            return actor.name;
          },
        }),
      ),
    };
    const s = await world({ extra: { "./extra.ts": extra } });
    const ref = makeFunctionReference<"action">("extra:admin");
    expect(await outcome(s.as("ada").action(ref, {}))).toEqual({ ok: "ada" });
    expect(await outcome(s.as("mo").action(ref, {}))).toEqual({
      code: "FORBIDDEN",
      message: "Role 'admin' or higher required",
    });
    // Signed out: refused as UNAUTHENTICATED, and no one to name.
    expect(await outcome(s.t.action(ref, {}))).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(seen).toEqual(["ada"]);
    const rows = await s.auditRows();
    // The refused moderator is named in their denial's row (a new user's review: a signed-in
    // caller refused by the check was stored with no actor), as the guard finds them: their
    // row's _id, the admitted calls' key.
    expect(rows.map((r) => [r.actor, r.outcome, (r.details as { denial?: string } | undefined)?.denial])).toEqual([
      [s.ids.ada, "started", undefined],
      [s.ids.ada, "success", undefined],
      [s.ids.mo, "denied", "FORBIDDEN"],
      [undefined, "denied", "UNAUTHENTICATED"],
    ]);
  });

  test("role: and permission: are the guard's requireRole / requirePermission, the actor the row; a refused caller is named", async () => {
    const seen: unknown[] = [];
    const extra = {
      // An admin action reading a secret (what a new user wrote as guard.action with role:).
      admin: action(
        guard.safeAction({
          name: "admin.secret",
          args: {},
          role: "admin",
          handler: async (_ctx, _args, { actor }) => {
            seen.push(actor._id);
            return actor.name;
          },
        }),
      ),
      deleter: action(
        guard.safeAction({
          name: "users.delete",
          args: {},
          permission: "delete:users",
          handler: async (_ctx, _args, { actor }) => actor.name,
        }),
      ),
    };
    const s = await world({ extra: { "./extra.ts": extra } });
    const admin = makeFunctionReference<"action">("extra:admin");
    const deleter = makeFunctionReference<"action">("extra:deleter");
    // At least the role: admins and above.
    expect(await outcome(s.as("ada").action(admin, {}))).toEqual({ ok: "ada" });
    expect(await outcome(s.as("sam").action(admin, {}))).toEqual({ ok: "sam" });
    expect(await outcome(s.as("mo").action(admin, {}))).toEqual({ code: "FORBIDDEN", message: "Role 'admin' or higher required" });
    expect(await outcome(s.t.action(admin, {}))).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(await outcome(s.as("ada").action(deleter, {}))).toEqual({ ok: "ada" });
    expect(await outcome(s.as("mo").action(deleter, {}))).toMatchObject({ code: "FORBIDDEN" });
    expect(await outcome(s.t.action(deleter, {}))).toMatchObject({ code: "UNAUTHENTICATED" });
    // The handler received the row (its _id is the audit actor), never a refused caller's.
    expect(seen).toEqual([s.ids.ada, s.ids.sam]);
    const rows = await s.auditRows();
    expect(rows.map((r) => [r.action, r.actor, r.outcome, (r.details as { denial?: string } | undefined)?.denial])).toEqual([
      ["admin.secret", s.ids.ada, "started", undefined],
      ["admin.secret", s.ids.ada, "success", undefined],
      ["admin.secret", s.ids.sam, "started", undefined],
      ["admin.secret", s.ids.sam, "success", undefined],
      ["admin.secret", s.ids.mo, "denied", "FORBIDDEN"],
      ["admin.secret", undefined, "denied", "UNAUTHENTICATED"],
      ["users.delete", s.ids.ada, "started", undefined],
      ["users.delete", s.ids.ada, "success", undefined],
      ["users.delete", s.ids.mo, "denied", "FORBIDDEN"],
      ["users.delete", undefined, "denied", "UNAUTHENTICATED"],
    ]);
  });

  test("role: beside check or permission, or a name the guard lacks, is a GuardConfigError before anything runs, audited", async () => {
    const ran = vi.fn(async () => "ran");
    const checked = vi.fn(async () => "svc");
    const define = (d: Record<string, unknown>) => action(guard.safeAction({ name: "admin.bad", args: {}, handler: ran, ...d } as never));
    const extra = {
      roleAndCheck: define({ role: "admin", check: checked }),
      roleAndPermission: define({ role: "admin", permission: "delete:users" }),
      unknownRole: define({ role: "owner" }),
      unknownPermission: define({ permission: "drop:tables" }),
      nullRole: define({ role: null, check: checked }),
    };
    const s = await world({ extra: { "./extra.ts": extra } });
    const expected: Record<keyof typeof extra, string> = {
      roleAndCheck: "give one of check, role and permission, not check and role",
      roleAndPermission: "give one of check, role and permission, not role and permission",
      unknownRole: "role 'owner' is not configured",
      unknownPermission: "permission 'drop:tables' is not configured",
      nullRole: "role must be a role name",
    };
    for (const [key, message] of Object.entries(expected)) {
      const e = await thrown(s.as("sam").action(makeFunctionReference<"action">(`extra:${key}`), {}));
      expect(e.data).toBeUndefined(); // the developer's, never a denial
      expect(e.message).toContain("safeAction 'admin.bad'");
      expect(e.message).toContain(message);
    }
    expect(ran).not.toHaveBeenCalled();
    expect(checked).not.toHaveBeenCalled();
    expect((await s.auditRows()).map((r) => [r.action, r.outcome])).toEqual(Array(5).fill(["admin.bad", "error"]));
  });

  test("a check's denial names the caller only when the guard can find them; the denial is the same either way", async () => {
    // A check that refuses everyone, with an app's own code, in a world without the wired
    // internal functions: the guard cannot look the caller up from an action, so the row has
    // no actor, and the caller still gets the check's denial (not a configuration error).
    const extra = {
      closed: action(
        guard.safeAction({
          name: "closed.report",
          args: {},
          check: async () => {
            throw new ConvexError({ code: "CLOSED", message: "Closed for maintenance" });
          },
          handler: async () => "never",
        }),
      ),
    };
    const wiredWorld = await world({ extra: { "./extra.ts": extra } });
    const unwired = await world({ extra: { "./extra.ts": extra }, without: ["./guardFunctions.ts"] });
    const ref = makeFunctionReference<"action">("extra:closed");
    for (const s of [wiredWorld, unwired]) {
      expect(await outcome(s.as("uma").action(ref, {}))).toEqual({ code: "CLOSED", message: "Closed for maintenance" });
    }
    expect((await wiredWorld.auditRows()).map((r) => [r.actor, r.outcome])).toEqual([[wiredWorld.ids.uma, "denied"]]);
    expect((await unwired.auditRows()).map((r) => [r.actor, r.outcome])).toEqual([[undefined, "denied"]]);
  });
});

describe("wired functions that are not the guard's fail closed", () => {
  // An attacker's review: a hand-written (or another guard's) function at guardFunctions:getUser
  // answering null ran the moderator-only buildReport with no user; a rate-limit answer
  // { ok: "false" } admitted, and {} said "Try again in NaN seconds".
  test("a getUser answering null or another user's row, and a rateLimit answering { ok: \"false\" }, are GuardConfigErrors naming them", async () => {
    // Hand-written functions under the wired names: getUser answers `user` (the caller's own
    // row, so that rateLimit's answer is the one refused, or an admin's row, which every role
    // check would admit), rateLimit answers `decision`. Each echoes the guard's question (the
    // users setup, the limit's configuration), as only the guard's own functions do, so that
    // what they answer is what is checked.
    const foreign = (user: "own" | "admin" | null, decision: unknown) => ({
      getUser: internalQuery({
        args: { role: v.optional(v.string()), permission: v.optional(v.string()), required: v.optional(v.boolean()), users: v.optional(v.string()) },
        handler: async (ctx, { users }) => {
          const token = (await ctx.auth.getUserIdentity())?.tokenIdentifier;
          const rows = await ctx.db.query("users").collect();
          const row = user === null ? null : (rows.find((u) => (user === "own" ? u.tokenIdentifier === token : u.role === "admin")) ?? null);
          return { users, user: row };
        },
      }),
      rateLimit: internalMutation({
        args: { name: v.string(), key: v.string(), count: v.optional(v.number()), consume: v.boolean(), config: v.optional(v.string()) },
        handler: async (_ctx, { config }) => ({ ...(decision as object), config }),
      }),
    });
    const admitted = { ok: true, remaining: 9, retryAfter: 0 };
    for (const [name, functions, what] of [
      ["getUser", foreign(null, admitted), "a users row with an _id"],
      // A well-formed row of a role the check admits, but another user's: not this caller.
      ["getUser", foreign("admin", admitted), "the caller's own users row"],
      ["rateLimit", foreign("own", { ok: "false" }), "a decision { ok, remaining, retryAfter }"],
      ["rateLimit", foreign("own", {}), "a decision { ok, remaining, retryAfter }"],
    ] as const) {
      const s = await world({ without: ["./guardFunctions.ts"], extra: { "./guardFunctions.ts": functions } });
      const e = await thrown(s.as("mo").action(api.reports.buildReport, { topic: "x" }));
      expect(e.data).toBeUndefined(); // never a success, nor a denial with a NaN in it
      expect(e.message).toContain(`'guardFunctions:${name}' answered something that is not the guard's answer (${what})`);
      expect(e.message).toContain(FIX_FUNCTIONS);
    }
  });
});

describe("another guard's wired functions, or hand-written ones, never answer for this guard", () => {
  // An attacker's review: the module the guard checks actions through exported ANOTHER guard's
  // internal functions. Users in `staff` (found by the same tokenIdentifier field, so the
  // answered row was the caller's by the users rule): Mallory, a plain user in `users` and an
  // admin in `staff`, passed requireRole/requirePermission as an admin; a laxer limit of the
  // same name admitted every call.
  const roles = ["user", "moderator", "admin", "superadmin"] as const;
  const permissions = { user: ["read:users"], moderator: ["write:users"], admin: ["delete:users"], superadmin: ["admin:*"] };
  const staffGuard = defineGuard({ roles, permissions, users: { table: "staff" } });
  const laxGuard = defineGuard({ roles, permissions, rateLimits: { sendMessage: { kind: "sliding window", rate: 100, period: 60_000 } } });
  const wiredFrom = (g: { internalFunctions: typeof guard.internalFunctions }) => g.internalFunctions(internalQuery, internalMutation);
  const notItsUsers =
    "'guardFunctions:getUser' answered something that is not the guard's answer (a user found as this guard finds them: " +
    "table users, field tokenIdentifier = claim tokenIdentifier, index by_tokenIdentifier, role field role; roles user < moderator < admin < superadmin";

  test("another guard's getUser (users in another table, by the same field) is refused: Mallory is no admin here", async () => {
    const s = await world({ without: ["./guardFunctions.ts"], extra: { "./guardFunctions.ts": wiredFrom(staffGuard) } });
    await s.t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|mallory`, name: "mallory", role: "user" }));
    await s.t.run((ctx) => ctx.db.insert("staff" as never, { tokenIdentifier: `${ISSUER}|mallory`, name: "mallory-staff", role: "admin" } as never));
    for (const call of [
      s.as("mallory").action(api.reports.purgePreview, {}), // requirePermission("delete:users")
      s.as("mallory").action(api.reports.buildReport, { topic: "x" }), // requireRole("moderator")
      s.as("mallory").action(api.reports.whoAmI, {}), // getUser
      s.as("mallory").action(api.reports.canSend, {}), // requireUser
    ]) {
      const e = await thrown(call);
      expect(e.data).toBeUndefined(); // never admitted, nor denied by the other guard's policy
      expect(e.message).toContain(`${notItsUsers}; it answers for table staff, field tokenIdentifier`);
      // Its fix is a module of this guard's own, not the line guardFunctions.ts already exports.
      expect(e.message).toContain(
        '): another guard\'s function answers there: give this guard a module of its own (set its actions.module, say "guard2Functions") ' +
          "exporting `export const { getUser, rateLimit } = <this guard>.internalFunctions(internalQuery, internalMutation);`",
      );
    }
    // The guard's own wiring: Mallory is the plain user she is in `users`.
    const own = await world();
    await own.t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|mallory`, name: "mallory", role: "user" }));
    expect(await outcome(own.as("mallory").action(api.reports.purgePreview, {}))).toMatchObject({ code: "FORBIDDEN" });
  });

  test("another guard's rateLimit (a laxer limit of the same name) is refused and takes nothing", async () => {
    const functions = { getUser: wired.getUser, rateLimit: wiredFrom(laxGuard).rateLimit };
    const s = await world({ without: ["./guardFunctions.ts"], extra: { "./guardFunctions.ts": functions } });
    // Ten a minute here, a hundred in the other guard: before, 15 of 15 passed.
    for (let i = 0; i < 15; i++) {
      const e = await thrown(s.as("mo").action(api.reports.buildReport, { topic: `t${i}` }));
      expect(e.data).toBeUndefined();
      expect(e.message).toMatch(
        /^.*'guardFunctions:rateLimit' answered something that is not the guard's answer \(a decision of limit 'sendMessage' configured sliding window\/10\/60000\/10\/1; it answers for sliding window\/100\/60000\/100\/1\): another guard's function answers there: give this guard a module of its own /,
      );
    }
    expect(await s.t.run((ctx) => ctx.db.query("guardRateLimits").collect())).toEqual([]);
    // A guard without a limit of that name says so (before: its INVALID_ARGUMENT reached the client as a denial).
    const none = { getUser: wired.getUser, rateLimit: wiredFrom(staffGuard).rateLimit };
    const n = await world({ without: ["./guardFunctions.ts"], extra: { "./guardFunctions.ts": none } });
    const e = await thrown(n.as("mo").action(api.reports.buildReport, { topic: "x" }));
    expect(e.data).toBeUndefined();
    expect(e.message).toContain("(a decision of limit 'sendMessage' configured sliding window/10/60000/10/1; its guard has no limit of that name)");
  });

  test("hand-written functions that do not echo the guard's question, or refuse it, are refused", async () => {
    // The caller's own row and an admitting decision, as a careless hand-written function answers them.
    const bare = {
      getUser: internalQuery({
        handler: async (ctx) => {
          const token = (await ctx.auth.getUserIdentity())?.tokenIdentifier;
          return (await ctx.db.query("users").collect()).find((u) => u.tokenIdentifier === token) ?? null;
        },
      }),
      rateLimit: internalMutation({ handler: async () => ({ ok: true, remaining: 9, retryAfter: 0 }) }),
    };
    const s = await world({ without: ["./guardFunctions.ts"], extra: { "./guardFunctions.ts": bare } });
    const e = await thrown(s.as("mo").action(api.reports.buildReport, { topic: "x" }));
    expect(e.message).toContain(`${notItsUsers}): export`);
    // Validators written for the old questions refuse the new argument: named as not the guard's.
    const strict = {
      getUser: internalQuery({
        args: { role: v.optional(v.string()), permission: v.optional(v.string()), required: v.optional(v.boolean()) },
        handler: async () => null,
      }),
      rateLimit: internalMutation({
        args: { name: v.string(), key: v.string(), count: v.optional(v.number()), consume: v.boolean() },
        handler: async () => ({ ok: true, remaining: 9, retryAfter: 0 }),
      }),
    };
    const t = await world({ without: ["./guardFunctions.ts"], extra: { "./guardFunctions.ts": strict } });
    const refused = await thrown(t.as("mo").action(api.reports.whoAmI, {}));
    expect(refused.data).toBeUndefined();
    expect(refused.message).toContain(
      "'guardFunctions:getUser' answered something that is not the guard's answer (it refused the argument 'users' that the guard's own function takes): export",
    );
    const limitOnly = await world({ without: ["./guardFunctions.ts"], extra: { "./guardFunctions.ts": { getUser: wired.getUser, rateLimit: strict.rateLimit } } });
    expect((await thrown(limitOnly.as("mo").action(api.reports.buildReport, { topic: "x" }))).message).toContain(
      "'guardFunctions:rateLimit' answered something that is not the guard's answer (it refused the argument 'config' that the guard's own function takes)",
    );
  });

  test("a log mutation that stores nothing, or another guard's trail: an audited call never succeeds unaudited", async () => {
    // The README: no audited call succeeds without its audit row. A hand-written `log` that
    // stores nothing made a safe action answer success with no row.
    const otherTrail = defineGuard({ roles, confirmations: { audit: { table: "otherAudit" } } });
    const notTheLog = "'audit:log' answered something that is not the guard's answer (the id of the row it inserted into the audit table 'guardAudit')";
    for (const [label, logModule, message] of [
      ["a no-op, any arguments", { log: internalMutation({ handler: async () => null }) }, notTheLog],
      ["another guard's, writing to its own table", { log: otherTrail.audit.logMutation(internalMutation) }, notTheLog],
      [
        "a no-op with the event's validator",
        { log: internalMutation({ args: auditEventValidator, handler: async () => null }) },
        "'audit:log' answered something that is not the guard's answer (it refused the argument 'table' that the guard's own function takes)",
      ],
    ] as const) {
      const s = await world({ without: ["./audit.ts"], extra: { "./audit.ts": logModule } });
      const fetchMock = vi.fn(async () => Response.json({ name: "Acme", employees: 12 }));
      vi.stubGlobal("fetch", fetchMock);
      const e = await thrown(s.as("uma").action(api.external.lookupCompany, { domain: "acme.example" }));
      expect(e.data, label).toBeUndefined();
      expect(e.message, label).toContain(message);
      expect(await s.auditRows(), label).toEqual([]);
      // Its started row unproven, the handler never ran: no upstream call.
      expect(fetchMock, label).not.toHaveBeenCalled();
      // guard.audit.log called from an action by hand: the same.
      const extra = { logIt: action({ args: {}, handler: (ctx) => guard.audit.log(ctx, { action: "x", outcome: "success" }) }) };
      const h = await world({ without: ["./audit.ts"], extra: { "./audit.ts": logModule, "./extra.ts": extra } });
      expect((await thrown(h.t.action(makeFunctionReference<"action">("extra:logIt"), {}))).message, label).toContain(message);
    }
    // The guard's own log mutation: the started row, then the success row, and the call succeeds.
    const s = await world();
    vi.stubGlobal("fetch", async () => Response.json({ name: "Acme", employees: 12 }));
    expect(await outcome(s.as("uma").action(api.external.lookupCompany, { domain: "acme.example" }))).toMatchObject({ ok: {} });
    expect((await s.auditRows()).map((r) => r.outcome)).toEqual(["started", "success"]);
  });
});

describe("missing wiring fails closed with a GuardConfigError naming the fix", () => {
  test("no guardFunctions module: every check in an action", async () => {
    const s = await world({ without: ["./guardFunctions.ts"] });
    for (const call of [
      s.as("mo").action(api.reports.buildReport, { topic: "x" }),
      s.as("ada").action(api.reports.purgePreview, {}),
      s.as("uma").action(api.reports.canSend, {}),
      s.t.action(api.reports.whoAmI, {}),
    ]) {
      const e = await thrown(call);
      expect(e.data).toBeUndefined(); // not a denial the client could mistake for an answer
      expect(e.message).toContain(FIX_FUNCTIONS);
      expect(e.message).toContain("convex/guardFunctions.ts");
    }
  });

  test("no guardFunctions module: a rate-limited safeAction fails, audited, never succeeds", async () => {
    const s = await world({ without: ["./guardFunctions.ts"] });
    const fetchMock = vi.fn(async () => Response.json({ name: "Acme", employees: 12 }));
    vi.stubGlobal("fetch", fetchMock);
    const e = await thrown(s.as("uma").action(api.external.lookupCompany, { domain: "acme.example" }));
    expect(e.message).toContain(FIX_FUNCTIONS);
    expect(fetchMock).not.toHaveBeenCalled();
    expect((await s.auditRows()).map((r) => r.outcome)).toEqual(["error"]);
  });

  test("no guardFunctions and no audit module: a safe action's error names both fixes at once", async () => {
    // A new user's review: the error named audit:log alone, and the next deploy guardFunctions.
    const s = await world({ without: ["./guardFunctions.ts", "./audit.ts"] });
    const fetchMock = vi.fn(async () => Response.json({ name: "Acme", employees: 12 }));
    vi.stubGlobal("fetch", fetchMock);
    const e = await thrown(s.as("uma").action(api.external.lookupCompany, { domain: "acme.example" }));
    expect(e).toBeInstanceOf(GuardConfigError);
    expect(e.message).toContain("found no internal mutation at 'audit:log'");
    expect(e.message).toContain("; and: ");
    expect(e.message).toContain(FIX_FUNCTIONS);
    expect(fetchMock).not.toHaveBeenCalled();
    expect(await s.auditRows()).toEqual([]);
  });

  test("no audit module: guard.audit.log from an action", async () => {
    const extra = {
      logIt: action({
        args: {},
        handler: (ctx) => guard.audit.log(ctx, { action: "x", outcome: "success" }),
      }),
    };
    const s = await world({ without: ["./audit.ts"], extra: { "./extra.ts": extra } });
    const e = await thrown(s.t.action(makeFunctionReference<"action">("extra:logIt"), {}));
    expect(e.message).toContain("export const log = guard.audit.logMutation(internalMutation);");
    expect(e.message).toContain("convex/audit.ts");
  });

  test("an audit module without the log export, or with log of the wrong kind", async () => {
    for (const audit of [{}, { log: wired.getUser }]) {
      const s = await world({ without: ["./audit.ts"], extra: { "./audit.ts": audit } });
      const fetchMock = vi.fn(async () => Response.json({ name: "Acme", employees: 12 }));
      vi.stubGlobal("fetch", fetchMock);
      const e = await thrown(s.as("uma").action(api.external.lookupCompany, { domain: "acme.example" }));
      expect(e.data).toBeUndefined();
      expect(fetchMock).not.toHaveBeenCalled(); // no started row, no handler
      expect(e.message).toContain("found no internal mutation at 'audit:log'");
      expect(e.message).toContain("export const log = guard.audit.logMutation(internalMutation);");
    }
  });

  test("no audit table: an audited action never succeeds", async () => {
    const s = await world({ dropTables: ["guardAudit"] });
    const fetchMock = vi.fn(async () => Response.json({ name: "Acme", employees: 12 }));
    vi.stubGlobal("fetch", fetchMock);
    const e = await thrown(s.as("uma").action(api.external.lookupCompany, { domain: "acme.example" }));
    expect(e.data).toBeUndefined();
    expect(fetchMock).not.toHaveBeenCalled(); // no started row, no handler
    expect(e.message).toContain("table 'guardAudit' is missing from the schema");
    expect(e.message).toContain("guardAudit: auditTable");
  });

  test("no audit table: an audited mutation (a confirmation code) rolls back", async () => {
    const s = await world({ dropTables: ["guardAudit"] });
    const e = await thrown(s.as("sam").mutation(api.deletion.requestDeletionCode, { userId: s.ids.uma as never }));
    expect(e.message).toContain("guardAudit: auditTable");
    const codes = await s.t.run((ctx) => ctx.db.query("guardConfirmations").collect());
    expect(codes).toEqual([]);
  });

  test("no rate-limit table: in a mutation and through an action", async () => {
    const s = await world({ dropTables: ["guardRateLimits"] });
    for (const call of [
      s.as("uma").mutation(api.ratelimit.sendMessage, { body: "hi" }),
      s.as("mo").action(api.reports.buildReport, { topic: "x" }),
    ]) {
      const e = await thrown(call);
      expect(e.data).toBeUndefined();
      expect(e.message).toContain("table 'guardRateLimits' is missing from the schema");
      expect(e.message).toContain("...rateLimitTables");
    }
    expect(await s.t.run((ctx) => ctx.db.query("messages").collect())).toEqual([]);
  });

  test("no codes table: issuing or consuming a code names the line to add, nothing written", async () => {
    const s = await world({ dropTables: ["guardConfirmations"] });
    for (const call of [
      s.as("sam").mutation(api.deletion.requestDeletionCode, { userId: s.ids.uma as never }),
      s.as("sam").mutation(internal.deletion.consumeDeletionCode, { userId: s.ids.uma as never, code: "12345678" }),
    ]) {
      const e = await thrown(call);
      expect(e).toBeInstanceOf(Error);
      expect(e.data).toBeUndefined();
      expect(e.message).toContain("table 'guardConfirmations' is missing from the schema");
      expect(e.message).toContain("guardConfirmations: confirmationsTable");
    }
    expect(await s.auditRows()).toEqual([]);
  });

  test("forgetUser reads only the tables of what the guard configures; a missing one is named", async () => {
    // A guard without access: no access tables in the schema, and forgetUser still works (it
    // failed with Convex's index error on accessGrants, rolling back a scheduled deletion).
    const s = await world({ dropTables: ["accessGrants", "accessGroups", "accessGroupMembers"] });
    const lean = defineGuard({ roles: ["user", "moderator", "admin", "superadmin"], rateLimits: { x: { kind: "fixed window", rate: 1, period: 1000 } } });
    await s.t.run((ctx) => lean.rateLimit(ctx, "x", { key: s.ids.uma! }));
    expect(await s.t.run((ctx) => lean.forgetUser(ctx, s.ids.uma!))).toMatchObject({ done: true, grants: 0, memberships: 0, rateLimits: 1 });
    // The guard with access, over the same schema: a GuardConfigError naming the fix, not Convex's error.
    const e = await thrown(s.t.run((ctx) => guard.forgetUser(ctx, s.ids.uma!)));
    expect(e).toBeInstanceOf(GuardConfigError);
    expect(e.message).toContain("table 'accessGrants' is missing from the schema: spread the access tables into your schema: `...accessTables`");
    // And validate({ schema }) says so first, also for a guard with access but no protected table.
    const groupsOnly = defineGuard({ roles: ["user"], access: {} });
    const noAccess = defineSchema(Object.fromEntries(Object.entries(schema.tables).filter(([k]) => !k.startsWith("access"))) as never);
    expect(() => groupsOnly.validate({ schema: noAccess })).toThrow(/'accessGrants', 'accessGroups', 'accessGroupMembers' are missing from the schema/);
  });

  test("no secret: issuing a code names the variable and the command", async () => {
    const s = await world();
    vi.stubEnv("CONVEX_GUARD_SECRET", undefined);
    const e = await thrown(s.as("sam").mutation(api.deletion.requestDeletionCode, { userId: s.ids.uma as never }));
    expect(e.data).toBeUndefined();
    expect(e.message).toContain("CONVEX_GUARD_SECRET is not set");
    expect(e.message).toContain("npx convex env set CONVEX_GUARD_SECRET");
  });

  test("guard.validate() checks the wiring's names without a request", () => {
    guard.validate();
    expect(() => defineGuard({ roles: ["user"], actions: { module: "guard functions" } }).validate()).toThrow(
      /actions\.module must be a Convex module path/,
    );
    // The message says which characters a name may hold (a hyphen is a Convex module's, not the guard's).
    expect(() => defineGuard({ roles: ["user"], actions: { module: "nu-guardFunctions" } }).validate()).toThrow(
      `actions.module must be a Convex module path such as "guardFunctions" or "lib/guardFunctions", got "nu-guardFunctions": names joined by '/', each name of letters, digits and '_' only, not starting with a digit`,
    );
    expect(() => defineGuard({ roles: ["user"], actions: { module: "lib/2fa" } }).validate()).toThrow(/got "lib\/2fa"/);
    expect(() =>
      defineGuard({ roles: ["user"], confirmations: { audit: { logFunction: "audit.log" } } }).validate(),
    ).toThrow(
      `confirmations.audit.logFunction must be a Convex function name such as "audit:log", got "audit.log": a module path (names joined by '/') and an export name joined by ':', each name of letters, digits and '_' only, not starting with a digit`,
    );
    expect(() =>
      defineGuard({ roles: ["user"], confirmations: { audit: { logFunction: "nu-audit:log" } } }).validate(),
    ).toThrow(/logFunction must be a Convex function name .* got "nu-audit:log"/);
    // The default names are well-formed.
    defineGuard({ roles: ["user"], actions: { module: "lib/guardFunctions" } }).validate();
    defineGuard({ roles: ["user"], actions: { module: "nu_guardFunctions" }, confirmations: { audit: { logFunction: "lib/nu_audit:log_2" } } }).validate();
  });

  test("guard.validate refuses options that would skip the schema check quietly", () => {
    guard.validate();
    // A schema import that is undefined (a cycle, a missing default export), options with no
    // schema, a misspelt key: each would check nothing of the schema while looking like it did.
    const takes = /guard.validate\(\{ schema \}\) takes the default export of convex\/schema.ts/;
    expect(() => guard.validate({ schema: undefined as never })).toThrow(takes);
    expect(() => guard.validate({} as never)).toThrow(takes);
    expect(() => guard.validate(null as never)).toThrow(takes);
    expect(() => guard.validate({ schma: schema } as never)).toThrow(/guard.validate's options: unknown key 'schma' \(did you mean 'schema'\?\)/);
    expect(() => guard.validate({ schema, strict: true } as never)).toThrow(/guard.validate's options: unknown key 'strict'/);
    expect(() => guard.validate("schema" as never)).toThrow(/guard.validate's options must be an object/);
  });

  test("guard.validate({ schema }) names every table the configuration needs and the schema lacks", () => {
    guard.validate({ schema });
    const without = (name: string) =>
      defineSchema(Object.fromEntries(Object.entries(schema.tables).filter(([k]) => k !== name)) as never);
    expect(() => guard.validate({ schema: without("guardRateLimits") })).toThrow(
      /table 'guardRateLimits' is missing from the schema: spread rateLimitTables/,
    );
    expect(() => guard.validate({ schema: without("guardAudit") })).toThrow(/guardAudit: auditTable/);
    expect(() => guard.validate({ schema: without("guardConfirmations") })).toThrow(/guardConfirmations: confirmationsTable/);
    // Access: the guard's own tables and every protected table (a new user's trial found a
    // missing `...accessTables` passing validate and failing at run time with Convex's error).
    for (const name of ["accessGrants", "accessGroups", "accessGroupMembers"]) {
      expect(() => guard.validate({ schema: without(name) })).toThrow(
        new RegExp(`table '${name}' is missing from the schema: spread the access tables into your schema: \`\\.\\.\\.accessTables\``),
      );
    }
    expect(() => guard.validate({ schema: without("documents") })).toThrow(
      /table 'documents' is missing from the schema: declare the table that access.tables.documents protects/,
    );
    // Every missing table in one error, one fix each (not one table per run of validate).
    const bare = defineSchema({ documents: schema.tables.documents } as never);
    let message = "";
    try {
      guard.validate({ schema: bare });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split("; ")).toEqual([
      "table 'users' is missing from the schema: declare the users table (with its index 'by_tokenIdentifier' on 'tokenIdentifier')",
      "table 'guardRateLimits' is missing from the schema: spread rateLimitTables into your schema: `defineSchema({ ...rateLimitTables, ...yourTables })`",
      "tables 'accessGrants', 'accessGroups', 'accessGroupMembers' are missing from the schema: spread the access tables into your schema: `...accessTables`",
      "table 'folders' is missing from the schema: declare the table that access.tables.folders protects (with its owner index)",
      "table 'guardConfirmations' is missing from the schema: add the codes table to your schema: `defineSchema({ ...yourTables, guardConfirmations: confirmationsTable })`",
      expect.stringMatching(/^table 'guardAudit' is missing from the schema: add the audit table to your schema/),
    ]);
    // A guard without rate limits or confirmations needs none of them.
    defineGuard({ roles: ["user"] }).validate({ schema: without("guardRateLimits") });
  });

  test("guard.validate({ schema }) checks that the guard's own tables are declared as the guard defines them", () => {
    // A new user's review: a guardConfirmations or guardAudit table of another shape passed
    // validate and failed at its first write, in a request.
    const swapped = (tables: Record<string, unknown>) => defineSchema({ ...schema.tables, ...tables } as never);
    const problems = (tables: Record<string, unknown>) => {
      try {
        guard.validate({ schema: swapped(tables) });
      } catch (e) {
        expect(e).toBeInstanceOf(GuardConfigError);
        return (e as Error).message.split("; ");
      }
      return [];
    };
    expect(problems({ guardConfirmations: defineTable({ x: v.string() }), guardAudit: defineTable({ y: v.string() }) })).toEqual([
      "table 'guardConfirmations' is not declared as the guard defines it (no field 'actor', no field 'action', no field 'target'): add the codes table to your schema: `defineSchema({ ...yourTables, guardConfirmations: confirmationsTable })`",
      expect.stringMatching(/^table 'guardAudit' is not declared as the guard defines it \(no field 'action', no field 'outcome', no field '.*'\): add the audit table to your schema/),
    ]);
    // A field of another type, a required field the guard never writes, an index over other fields.
    const codes = { actor: v.string(), action: v.string(), target: v.string(), hash: v.bytes(), expiresAt: v.number(), attemptsLeft: v.number(), used: v.boolean() };
    expect(problems({ guardConfirmations: defineTable({ ...codes, hash: v.string() }).index("by_binding", ["actor", "action", "target"]) })).toEqual([
      expect.stringContaining(`(field 'hash' is {"type":"string"}, not {"type":"bytes"}, no field 'failures', no field 'lastFailure')`),
    ]);
    const full = { ...codes, failures: v.optional(v.number()), lastFailure: v.optional(v.number()) };
    expect(problems({ guardConfirmations: defineTable({ ...full, tenant: v.string() }).index("by_binding", ["actor", "action"]) })).toEqual([
      expect.stringContaining(`(a required field 'tenant' the guard never writes, index 'by_binding' is over ["actor","action"], not ["actor","action","target"])`),
    ]);
    expect(problems({ accessGrants: defineTable(v.any()) })).toEqual([expect.stringContaining("table 'accessGrants' is not declared as the guard defines it (its documents are not objects)")]);
    // Optional or not, as the guard declares it: a group grant has no userId, so a required one
    // refused every group share at run time (attack23); the other way round is refused too.
    const grants = schema.tables.accessGrants as unknown as { validator: { fields: Record<string, unknown> }; indexes: { indexDescriptor: string; fields: string[] }[] };
    const reindexed = (t: ReturnType<typeof defineTable>) => grants.indexes.reduce((d, i) => d.index(i.indexDescriptor, i.fields as never), t);
    expect(problems({ accessGrants: reindexed(defineTable({ ...grants.validator.fields, userId: v.string() } as never)) })).toEqual([
      expect.stringContaining("table 'accessGrants' is not declared as the guard defines it (field 'userId' is required, not optional)"),
    ]);
    const limits = schema.tables.guardRateLimits as unknown as typeof grants;
    const loose = limits.indexes.reduce((d, i) => d.index(i.indexDescriptor, i.fields as never), defineTable({ ...limits.validator.fields, config: v.optional(v.string()) } as never));
    expect(problems({ guardRateLimits: loose })).toEqual([expect.stringContaining("(field 'config' is optional, not required)")]);
    // An entry that is no table (a broken import's undefined) declares nothing.
    for (const none of [undefined, null, "guardAudit"]) {
      expect(problems({ guardAudit: none })).toEqual([expect.stringMatching(/^table 'guardAudit' is missing from the schema/)]);
    }
    // The app's own additions: an optional field and another index.
    expect(problems({ guardConfirmations: defineTable({ ...full, note: v.optional(v.string()) }).index("by_binding", ["actor", "action", "target"]).index("by_actor", ["actor"]) })).toEqual([]);
  });

  test("guard.validate({ schema }) checks the fields and the owner index of each protected table", () => {
    const withDocuments = (documents: unknown) => defineSchema({ ...schema.tables, documents } as never);
    const problems = (documents: unknown) => {
      try {
        guard.validate({ schema: withDocuments(documents) });
      } catch (e) {
        expect(e).toBeInstanceOf(GuardConfigError);
        return (e as Error).message.split("; ");
      }
      return [];
    };
    const fields = { title: v.string(), body: v.string(), ownerId: v.id("users"), folderId: v.optional(v.id("folders")) };
    const strict = v.union(v.literal("public"), v.literal("private"));
    // Accepted: the two literals, optional or not, or one of them alone.
    expect(problems(defineTable({ ...fields, visibility: strict }).index("by_owner", ["ownerId"]))).toEqual([]);
    expect(problems(defineTable({ ...fields, visibility: v.optional(strict) }).index("by_owner", ["ownerId", "title"]))).toEqual([]);
    expect(problems(defineTable({ ...fields, visibility: v.literal("private") }).index("by_owner", ["ownerId"]))).toEqual([]);
    // A visibility that can hold "Public": one such document fails every batch read reaching it.
    for (const loose of [v.string(), v.any(), v.union(strict, v.literal("unlisted")), v.optional(v.string())]) {
      expect(problems(defineTable({ ...fields, visibility: loose }).index("by_owner", ["ownerId"]))).toEqual([
        expect.stringMatching(/^'documents\.visibility' \(access\.tables\.documents\.visibility\) admits values other than "public" and "private": .*v\.union\(v\.literal\("public"\), v\.literal\("private"\)\)/),
      ]);
    }
    // A configured field the table does not declare (the guard would read every document as
    // ownerless, private or top-level), with the nearest declared name; no index hint then.
    const { ownerId: _owner, folderId: _parent, ...unowned } = fields;
    expect(problems(defineTable({ ...unowned, owner: v.id("users"), visibility: strict }).index("by_owner", ["owner"]))).toEqual([
      "access.tables.documents.owner names the field 'ownerId', which table 'documents' does not declare: did you mean 'owner'?",
      "access.tables.documents.parent names the field 'folderId', which table 'documents' does not declare: fix the name or declare the field",
    ]);
    // The owner index missing, or on another field first.
    expect(problems(defineTable({ ...fields }).index("by_author", ["ownerId"]))).toEqual([
      "access.tables.documents.visibility names the field 'visibility', which table 'documents' does not declare: fix the name or declare the field",
      "table 'documents' has no index 'by_owner' (access.tables.documents.ownerIndex), which listAccessible reads: add `.index(\"by_owner\", [\"ownerId\"])`",
    ]);
    expect(problems(defineTable({ ...fields, visibility: strict }).index("by_owner", ["title", "ownerId"]))).toEqual([
      "index 'by_owner' of table 'documents' must start with the field 'ownerId' (access.tables.documents.ownerIndex): `.index(\"by_owner\", [\"ownerId\"])`",
    ]);
    // An owner or parent that cannot hold an id of the right table (a `v.string()` can).
    expect(
      problems(defineTable({ ...fields, ownerId: v.number(), folderId: v.optional(v.id("documents")), visibility: strict }).index("by_owner", ["ownerId"])),
    ).toEqual([
      "'documents.ownerId' (access.tables.documents.owner) must hold the id of a 'users' row: declare it `v.id(\"users\")`",
      "'documents.folderId' (access.tables.documents.parent) must hold the id of a 'folders' row: declare it `v.id(\"folders\")`",
    ]);
    expect(problems(defineTable({ ...fields, ownerId: v.optional(v.string()), visibility: strict }).index("by_owner", ["ownerId"]))).toEqual([]);
    // A parent field holding another table's ids under a parentTable left at its default (the
    // table itself): the setting is named too (newuser18 was told only to change the field).
    const comments = defineGuard({ roles: ["user"], access: { tables: { comments: { owner: "authorId", parent: "documentId" } } } });
    const commentsTable = defineTable({ authorId: v.id("users"), documentId: v.id("documents") }).index("by_owner", ["authorId"]);
    expect(() => comments.validate({ schema: defineSchema({ ...schema.tables, comments: commentsTable } as never) })).toThrow(
      "'comments.documentId' (access.tables.comments.parent) must hold the id of a 'comments' row: declare it `v.id(\"comments\")` (or, if its parent is a 'documents' document, set access.tables.comments.parentTable to it)",
    );
    // Nested unions of the two literals are the two literals.
    expect(problems(defineTable({ ...fields, visibility: v.union(strict, v.literal("public")) }).index("by_owner", ["ownerId"]))).toEqual([]);
    // A union table: each object is read.
    const union = (b: Record<string, unknown>) =>
      defineTable(v.union(v.object({ ...fields, visibility: strict }), v.object(b as never))).index("by_owner", ["ownerId"]);
    expect(problems(union({ ...fields, visibility: strict, kind: v.literal("b") }))).toEqual([]);
    expect(problems(union({ ...fields, visibility: v.string() }))).toEqual([expect.stringMatching(/^'documents\.visibility' .* admits values other/)]);
    expect(problems(union({ title: v.string(), owner: v.id("users") }))).toEqual([
      "access.tables.documents.owner names the field 'ownerId', which one object of table 'documents's union does not declare: did you mean 'owner'?",
      "access.tables.documents.visibility names the field 'visibility', which one object of table 'documents's union does not declare: fix the name or declare the field",
      "access.tables.documents.parent names the field 'folderId', which one object of table 'documents's union does not declare: fix the name or declare the field",
    ]);
    // A schemaless table is not read, nor indexes held in another shape than defineTable's
    // (nothing is assumed); the missing tables and these problems come in one error.
    expect(problems(defineTable(v.any()).index("by_owner", ["ownerId"]))).toEqual([]);
    expect(problems({ validator: defineTable({ ...fields, visibility: strict }).validator })).toEqual([]);
    expect(problems({ validator: defineTable({ ...fields, visibility: v.string() }).validator })).toHaveLength(1);
    const { folders: _folders, ...noFolders } = schema.tables;
    expect(() =>
      guard.validate({ schema: defineSchema({ ...noFolders, documents: defineTable({ ...fields, visibility: v.string() }) } as never) }),
    ).toThrow(/^table 'folders' is missing from the schema: .*; '(documents\.visibility)' .*; table 'documents' has no index 'by_owner'/);
    // The users table's index, which getUser reads.
    const users = (table: unknown) => {
      try {
        guard.validate({ schema: defineSchema({ ...schema.tables, users: table } as never) });
        return "";
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(users(schema.tables.users)).toBe("");
    expect(users(defineTable({ tokenIdentifier: v.string(), role: v.string() }))).toBe(
      "table 'users' has no index 'by_tokenIdentifier' (users.index), which getUser reads: add `.index(\"by_tokenIdentifier\", [\"tokenIdentifier\"])`",
    );
    // Its role field (users.roleField), without which every caller holds no role: declared in
    // each object, able to hold a role name, and admitting no name that is not a role.
    const indexed = (fields: Record<string, unknown>) =>
      defineTable({ tokenIdentifier: v.string(), ...(fields as object) }).index("by_tokenIdentifier", ["tokenIdentifier"]);
    // Named by what it is, not by a binding: the guard does not know the name the app gives it.
    const fix = "declare it `role: v.optional(<guard>.roleValidator())`, <guard> being the guard whose validate this is (by the name the app binds it to)";
    expect(users(indexed({ tokenIdentifier: v.string(), name: v.string() }))).toBe(
      `the users table 'users' does not declare the role field 'role' (users.roleField): ${fix}`,
    );
    expect(users(indexed({ tokenIdentifier: v.string(), roles: v.string() }))).toBe(
      `the users table 'users' does not declare the role field 'role' (users.roleField): did you mean 'roles' (set users.roleField), or ${fix}`,
    );
    for (const role of [v.number(), v.optional(v.boolean()), v.array(v.string())]) {
      expect(users(indexed({ tokenIdentifier: v.string(), role }))).toBe(`'users.role' (users.roleField) cannot hold a role name: ${fix}`);
    }
    for (const role of [v.any(), v.optional(v.any())]) {
      expect(users(indexed({ tokenIdentifier: v.string(), role }))).toBe(
        `'users.role' (users.roleField) is v.any(): it admits values that are no role name (a number, an array), which hold no role: ${fix}`,
      );
    }
    expect(users(indexed({ tokenIdentifier: v.string(), role: v.union(v.literal("user"), v.literal("Admin"), v.literal("root")) }))).toBe(
      `'users.role' (users.roleField) admits "Admin", "root", which no configured role is: ${fix}`,
    );
    expect(users(indexed({ tokenIdentifier: v.string(), role: v.optional(v.union(v.string(), v.literal("root"))) }))).toBe(
      `'users.role' (users.roleField) admits "root", which no configured role is: ${fix}`,
    );
    // Accepted: a string (any name fits, and one that is not a role holds none: the quick start's
    // v.optional(v.string()) too), the guard's own validator, optional or not, or some of the role names.
    for (const role of [v.string(), v.optional(v.string()), guard.roleValidator(), v.optional(guard.roleValidator()), v.union(v.literal("user"), v.null())]) {
      expect(users(indexed({ tokenIdentifier: v.string(), role }))).toBe("");
    }
    expect(users(defineTable(v.union(v.object({ tokenIdentifier: v.string(), role: v.string() }), v.object({ tokenIdentifier: v.string() }))).index("by_tokenIdentifier", ["tokenIdentifier"]))).toBe(
      `the users table 'users' does not declare the role field 'role' (users.roleField): ${fix}`,
    );
  });
});
