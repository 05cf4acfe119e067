// guard.safeAction and the audit trail from the attacker's side, in convex-test: an upstream
// that quotes the API key (as a field name, in every encoding, inside bytes), answers with
// field names Convex refuses or a surrogate pair at the cut; handlers that return Maps and
// Sets or throw ConvexErrors with secret fields; an audit row that cannot be written.
import { makeFunctionReference } from "convex/server";
import { ConvexError, v } from "convex/values";
import { convexTest } from "convex-test";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { action } from "./_generated/server";
import { guard } from "./guard";
import schema from "./schema";
import { addUsers, modules, outcome, type Outcome } from "./test.setup";

const API_KEY = 'sk_live_"quoted"\\slashed_42';
const UPSTREAM: Outcome = { code: "UPSTREAM_UNAVAILABLE", message: "External service unavailable" };
const utf8 = (s: string) => new TextEncoder().encode(s);
const hex = (s: string) => Array.from(utf8(s), (b) => b.toString(16).padStart(2, "0")).join("");
const base64 = (s: string) => btoa(String.fromCharCode(...utf8(s)));
const base64url = (s: string) => base64(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
/** A lone surrogate, as JSON.stringify writes it (a well-formed pair is written as is). */
const LONE_SURROGATE = /\\ud[89a-f][0-9a-f]{2}/i;

/** What the attack module's action returns or throws next (set by each test). */
let next: () => Promise<unknown> = async () => null;
const misspelt = { name: "attack.misspelt", args: {}, rateLimt: { name: "externalLookup", key: () => "all" }, handler: () => next() };
const edited: { name: string; args: {}; rateLimit?: { name: "externalLookup"; key: () => string }; handler: () => Promise<unknown> } = {
  name: "attack.edited",
  args: {},
  rateLimit: { name: "externalLookup", key: () => "edited" },
  handler: () => next(),
};
const attacks = {
  run: action(guard.safeAction({ name: "attack.run", args: {}, handler: () => next() })),
  // One budget for everyone (a constant key): the README's known limit on audit rows.
  global: action(
    guard.safeAction({ name: "attack.global", args: {}, rateLimit: { name: "externalLookup", key: () => "all" }, handler: () => next() }),
  ),
  // A key of its own per user: the default check's actor is the user row (typed as one).
  perUser: action(
    guard.safeAction({
      name: "attack.perUser",
      args: {},
      rateLimit: { name: "externalLookup", key: ({ actor }) => `lookup:${actor._id}` },
      handler: () => next(),
    }),
  ),
  // A key function answering the row itself (past the types): refused, never "[object Object]".
  rowKey: action(
    guard.safeAction({ name: "attack.rowKey", args: {}, rateLimit: { name: "externalLookup", key: ({ actor }) => actor as never }, handler: () => next() }),
  ),
  // The row written into a template: TypeScript accepts it, and every caller's key would be
  // "lookup:[object Object]", one budget for all.
  templateKey: action(
    guard.safeAction({ name: "attack.templateKey", args: {}, rateLimit: { name: "externalLookup", key: ({ actor }) => `lookup:${actor}` }, handler: () => next() }),
  ),
  // The natural checks that answer null for a signed-out caller (an attacker's review: the
  // handler ran for them, audited as a success with no actor).
  signedOut: action(guard.safeAction({ name: "attack.signedOut", args: {}, check: (ctx) => guard.getUser(ctx), handler: () => next() })),
  noIdentity: action(
    guard.safeAction({ name: "attack.noIdentity", args: {}, check: (ctx) => ctx.auth.getUserIdentity(), handler: () => next() }),
  ),
  // The identity as the actor, its default key the actor: an `_id` claim in the token must not
  // become either (an attacker's review: it did, so a caller choosing it had fresh budgets).
  identity: action(
    guard.safeAction({
      name: "attack.identity",
      args: {},
      check: (ctx) => ctx.auth.getUserIdentity(),
      rateLimit: { name: "externalLookup" },
      handler: () => next(),
    }),
  ),
  // A misspelt limit, past the types (JavaScript, or a definition held in a variable).
  misspelt: action(guard.safeAction(misspelt)),
  // A key built from the secret: the rate-limit table, which no redaction covers, would store it.
  secretKey: action(
    guard.safeAction({
      name: "attack.secretKey",
      args: {},
      rateLimit: { name: "externalLookup", key: () => `lookup:${process.env.EXTERNAL_API_KEY}` },
      handler: () => next(),
    }),
  ),
  // A definition edited after it is registered (below): read once, so the edit changes nothing.
  edited: action(guard.safeAction(edited)),
  // resourceId naming an object argument (past the types), and one validated as v.any(): an
  // attacker's review found rows of "[object Object]", or an array's items joined by commas.
  objectResource: action(
    guard.safeAction({
      name: "attack.objectResource",
      args: { target: v.object({ id: v.string() }) },
      resourceType: "documents",
      resourceId: "target" as never,
      handler: async () => "archived",
    }),
  ),
  anyResource: action(
    guard.safeAction({ name: "attack.anyResource", args: { target: v.any() }, resourceType: "documents", resourceId: "target", handler: async () => "archived" }),
  ),
  // A handler that reads the trail while it runs (its caller holds "admin:audit", a superadmin): what an
  // action killed at that moment would leave behind.
  observed: action(
    guard.safeAction({
      name: "attack.observed",
      args: { domain: v.string() },
      resourceType: "companies",
      resourceId: "domain",
      handler: async (ctx) => {
        const seen = await ctx.runQuery(api.audit.list, { action: "attack.observed", paginationOpts: { numItems: 10, cursor: null } });
        await next();
        return seen.page.map((r) => ({ outcome: r.outcome, actor: r.actor ?? null, resourceType: r.resourceType ?? null, resourceId: r.resourceId ?? null }));
      },
    }),
  ),
};
edited.rateLimit = undefined;
edited.handler = async () => "swapped";
const run = makeFunctionReference<"action">("attacks:run");

beforeEach(() => {
  vi.stubEnv("CONVEX_GUARD_SECRET", "test-secret-0123456789abcdef0123456789abcdef");
  vi.stubEnv("EXTERNAL_API_KEY", API_KEY);
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** A world where uma, the caller, has a user row (the default check is requireUser). */
async function setup(without?: string) {
  const all = { ...modules, "./attacks.ts": async () => attacks };
  const t = convexTest(schema, without === undefined ? all : Object.fromEntries(Object.entries(all).filter(([k]) => k !== without)));
  await addUsers(t, [["uma", "user"]]);
  const as = t.withIdentity({ subject: "uma", issuer: "https://auth.example" });
  const rows = () => t.run((ctx) => ctx.db.query("guardAudit").collect());
  const lookup = () => outcome(as.action(api.external.lookupCompany, { domain: "acme.example" }));
  const attack = (f: () => Promise<unknown>) => {
    next = f;
    return outcome(as.action(run, {}));
  };
  return { t, as, rows, lookup, attack };
}

describe("the audit row never holds the key, and is always written", () => {
  test("an upstream error body quoting the key as a field name", async () => {
    const s = await setup();
    const url = `https://companies.example/v1/lookup?key=${encodeURIComponent(API_KEY)}`;
    vi.stubGlobal("fetch", async () =>
      Response.json({ errors: { [url]: "invalid key", [API_KEY]: "revoked" }, token: "t-1" }, { status: 401 }),
    );
    expect(await s.lookup()).toEqual(UPSTREAM);
    const rows = await s.rows();
    expect(rows.map((r) => r.outcome)).toEqual(["started", "error"]);
    const text = JSON.stringify(rows);
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(encodeURIComponent(API_KEY));
    expect(text).not.toContain("t-1");
    const body = (rows[1]!.details as { error: { body: { errors: object } } }).error.body;
    // `?key=` has the secret word `key` as a whole word: that value is redacted too.
    expect(Object.values(body.errors).sort()).toEqual(["[redacted]", "revoked"]);
  });

  test("field names Convex refuses (non-ASCII, $, _, empty, control) are stored escaped", async () => {
    const s = await setup();
    vi.stubGlobal("fetch", async () =>
      Response.json({ "détail": "refusé", "$type": "e", _id: 1, "": 2, "a\u0001b": 3, "日本": 4 }, { status: 422 }),
    );
    expect(await s.lookup()).toEqual(UPSTREAM);
    const rows = await s.rows();
    expect(rows.map((r) => r.outcome)).toEqual(["started", "error"]);
    const body = (rows[1]!.details as { error: { body: Record<string, unknown> } }).error.body;
    // A name with a non-ASCII character is secret (a look-alike letter could hide a word).
    expect(body).toEqual({ "d%C3%A9tail": "[redacted]", "%24type": "e", "%5Fid": 1, "%": 2, "a%01b": 3, "%E6%97%A5%E6%9C%AC": "[redacted]" });
  });

  test("guard.audit.log in a mutation stores what an upstream sent, names escaped", async () => {
    const s = await setup();
    const details = { body: { "détail": "x", $type: "e", nested: [{ "ключ": 1 }] } };
    await s.t.run((ctx) => guard.audit.log(ctx, { action: "external.raw", outcome: "error", details }));
    expect((await s.rows()).map((r) => r.details)).toEqual([
      // Non-ASCII names are secret: `ключ` is Russian for "key".
      { body: { "d%C3%A9tail": "[redacted]", "%24type": "e", nested: [{ "%D0%BA%D0%BB%D1%8E%D1%87": "[redacted]" }] } },
    ]);
  });

  test("a surrogate pair at the 2,000-unit cut is never split", async () => {
    const s = await setup();
    for (const pad of [1996, 1997, 1998, 1999]) {
      await s.attack(async () => {
        throw new Error(`${"a".repeat(pad)}${"😀".repeat(5)}`);
      });
    }
    vi.stubGlobal("fetch", async () =>
      Response.json({ message: `${"b".repeat(1999)}😀`, lone: "x\ud800y" }, { status: 500 }),
    );
    await s.lookup();
    const rows = await s.rows();
    expect(rows.map((r) => r.outcome)).toEqual(Array(5).fill(["started", "error"]).flat());
    expect(JSON.stringify(rows)).not.toMatch(LONE_SURROGATE);
  });

  test("ConvexError data is kept structured, its secret fields redacted", async () => {
    const s = await setup();
    const denial = { code: "REJECTED", message: "no", password: "hunter2", user: { apiKey: "k-9" } };
    expect(await s.attack(async () => Promise.reject(new ConvexError(denial)))).toEqual({
      code: "REJECTED",
      message: "no",
    });
    const [started, row] = await s.rows();
    expect([started?.outcome, row?.outcome]).toEqual(["started", "denied"]);
    expect(row?.details).toEqual({
      error: {
        name: "ConvexError",
        // `code` is a secret field name too (the rule has no exceptions).
        data: { code: "[redacted]", message: "no", password: "[redacted]", user: { apiKey: "[redacted]" } },
      },
      started: started?._id,
    });
  });
});

describe("the pairing and the guard's own code survive an error as large as the row's budget", () => {
  // An attacker's review: a handler echoing a caller's input in its error (or an upstream's
  // large error body) filled the details' size budget first, and `started` and `denial` were
  // stored as "[truncated]": the call looked unfinished, the guard's code hidden.
  const large = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`f${i}`, "x".repeat(1900)]));
  test("a caller-sized ConvexError with a guard code", async () => {
    const s = await setup();
    await s.attack(async () => Promise.reject(new ConvexError({ code: "FORBIDDEN", message: "no", input: large })));
    const [started, row] = await s.rows();
    expect([started?.outcome, row?.outcome]).toEqual(["started", "denied"]);
    const details = row?.details as { started?: unknown; denial?: unknown; error?: unknown };
    expect(details.started).toBe(started?._id);
    expect(details.denial).toBe("FORBIDDEN");
    expect(JSON.stringify(details.error)).toContain("[truncated]"); // the error itself was cut
  });
  test("an upstream error with a 100,000-character body", async () => {
    const s = await setup();
    await s.attack(async () => {
      throw Object.assign(new Error("upstream failed"), { body: "y".repeat(100_000) });
    });
    const [started, row] = await s.rows();
    expect([started?.outcome, row?.outcome]).toEqual(["started", "error"]);
    expect((row?.details as { started?: unknown }).started).toBe(started?._id);
  });
});

describe("the result scan: plain Convex values only, no form of the key", () => {
  const forms = {
    "as written": API_KEY,
    "JSON-escaped once": JSON.stringify({ echo: API_KEY }),
    "JSON-escaped twice": JSON.stringify({ body: JSON.stringify({ echo: API_KEY }) }),
    "URL-encoded": `https://x.example/?k=${encodeURIComponent(API_KEY)}`,
    hex: hex(API_KEY),
    HEX: hex(API_KEY).toUpperCase(),
    base64: base64(API_KEY),
    "base64, shifted": base64(`xy${API_KEY}`),
    base64url: base64url(`x${API_KEY}`),
  };

  test.each(Object.entries(forms))("an upstream name echoing the key %s", async (_name, form) => {
    const s = await setup();
    vi.stubGlobal("fetch", async () => Response.json({ name: `Acme ${form}`, employees: 3 }));
    expect(await s.lookup()).toEqual(UPSTREAM);
    expect((await s.rows()).map((r) => r.outcome)).toEqual(["started", "error"]);
  });

  test.each(Object.entries(forms))("bytes holding the key %s", async (_name, form) => {
    const s = await setup();
    expect(await s.attack(async () => ({ logo: utf8(`PNG..${form}..`).buffer }))).toEqual(UPSTREAM);
  });

  test("Map and Set results are refused, not shown (Convex would print them)", async () => {
    const s = await setup();
    for (const value of [new Map([["auth", API_KEY]]), new Set([API_KEY]), new Map(), { at: new Date(0) }]) {
      const got = await s.attack(async () => value);
      expect(got).toEqual(UPSTREAM);
    }
    const rows = await s.rows();
    // Each call: its started row, then the error row naming it.
    expect(rows.map((r) => [r.outcome, r.details])).toEqual(
      rows.map((_r, i) =>
        i % 2 === 0 ? ["started", undefined] : ["error", { error: "the result is not a plain Convex value", started: rows[i - 1]!._id }],
      ),
    );
    expect(rows).toHaveLength(8);
    expect(JSON.stringify(rows)).not.toContain(API_KEY);
  });

  test("a clean result still passes", async () => {
    const s = await setup();
    vi.stubGlobal("fetch", async () => Response.json({ name: "Acme", employees: 12 }));
    expect(await s.lookup()).toEqual({ ok: { name: "Acme", employees: 12 } });
  });
});

describe("no call succeeds unaudited", () => {
  test("an audit write that fails makes success and denials UPSTREAM_UNAVAILABLE; the handler never runs", async () => {
    const s = await setup();
    vi.spyOn(guard.audit, "log").mockRejectedValue(new Error(`insert failed near ${API_KEY}`));
    let calls = 0;
    vi.stubGlobal("fetch", async () => (calls++, Response.json({ name: "Acme", employees: 12 })));
    let ran = 0;
    expect(await s.lookup()).toEqual(UPSTREAM);
    expect(await s.attack(async () => (ran++, Promise.reject(new ConvexError({ code: "FORBIDDEN", message: "no" }))))).toEqual(
      UPSTREAM,
    );
    // Its started row unwritten, no handler ran: the upstream was never called.
    expect([calls, ran]).toEqual([0, 0]);
    expect(await s.rows()).toEqual([]);
  });

  test("a missing log mutation is a configuration error naming the fix; the handler never runs", async () => {
    const s = await setup("./audit.ts");
    let calls = 0;
    vi.stubGlobal("fetch", async () => (calls++, Response.json({ name: "Acme", employees: 12 })));
    const error = await s.as.action(api.external.lookupCompany, { domain: "acme.example" }).catch((e: unknown) => e);
    expect((error as { data?: unknown }).data).toBeUndefined();
    expect(String((error as Error).message)).toContain("guard.audit.logMutation(internalMutation)");
    expect(calls).toBe(0);
  });
});

// An attacker's review: the row was written after the handler, so an action killed while its
// handler ran (time limit, out of memory, restart: no catch, no finally) left its effects
// (an upstream call, a runMutation) with no row. Now a "started" row comes first.
describe("write-ahead: a started row before the handler runs", () => {
  const observed = makeFunctionReference<"action">("attacks:observed");

  test("the handler sees its started row already written; the final row names it, same fields", async () => {
    const s = await setup();
    const { ada } = await addUsers(s.t, [["ada", "superadmin"]]);
    const as = s.t.withIdentity({ subject: "ada", issuer: "https://auth.example" });
    next = async () => null;
    const seen = [{ outcome: "started", actor: ada, resourceType: "companies", resourceId: "acme.example" }];
    expect(await outcome(as.action(observed, { domain: "acme.example" }))).toEqual({ ok: seen });
    const rows = await s.rows();
    const fields = { action: "attack.observed", actor: ada, resourceType: "companies", resourceId: "acme.example" };
    expect(rows.map(({ _id, _creationTime, ...row }) => row)).toEqual([
      { ...fields, outcome: "started" },
      { ...fields, outcome: "success", details: { started: rows[0]!._id } },
    ]);
  });

  test("a handler that throws leaves its started row and an error row naming it, the key redacted in both", async () => {
    const s = await setup();
    const { ada } = await addUsers(s.t, [["ada", "superadmin"]]);
    const as = s.t.withIdentity({ subject: "ada", issuer: "https://auth.example" });
    next = async () => {
      throw new Error(`upstream 500 for key ${API_KEY}`);
    };
    // The resource id (an argument) carries the key too: cut out of both rows.
    expect(await outcome(as.action(observed, { domain: `acme.example?key=${API_KEY}` }))).toEqual(UPSTREAM);
    const rows = await s.rows();
    expect(rows.map((r) => [r.outcome, r.actor, r.resourceId, (r.details as { started?: string } | undefined)?.started])).toEqual([
      ["started", ada, "acme.example?key=[redacted]", undefined],
      ["error", ada, "acme.example?key=[redacted]", rows[0]!._id],
    ]);
    expect(JSON.stringify(rows)).not.toContain(API_KEY);
    expect((rows[1]!.details as { error: { message: string } }).error.message).toBe("upstream 500 for key [redacted]");
  });

  test("a denied check and a rate-limited call write their one row, no started row", async () => {
    const s = await setup();
    let calls = 0;
    vi.stubGlobal("fetch", async () => (calls++, Response.json({ name: "Acme", employees: 3 })));
    // Signed out: the check refuses.
    expect(await outcome(s.t.action(api.external.lookupCompany, { domain: "acme.example" }))).toMatchObject({ code: "UNAUTHENTICATED" });
    expect((await s.rows()).map((r) => r.outcome)).toEqual(["denied"]);
    // externalLookup allows 10 in 10 minutes: the 11th call is refused by the limit.
    for (let i = 0; i < 10; i++) expect(await s.lookup()).toEqual({ ok: { name: "Acme", employees: 3 } });
    const before = (await s.rows()).length;
    expect(await s.lookup()).toMatchObject({ code: "RATE_LIMITED" });
    const added = (await s.rows()).slice(before);
    expect(added.map((r) => [r.outcome, (r.details as { denial?: string }).denial, (r.details as { started?: string }).started])).toEqual([
      ["denied", "RATE_LIMITED", undefined],
    ]);
    expect(calls).toBe(10);
    expect(before).toBe(1 + 2 * 10);
  });
});

describe("the default check is requireUser: no user row, no call", () => {
  // Attack review A4: the default check asked only for an identity, so a deleted user's live
  // session (and a subject that never signed up) reached the upstream with the API key.
  test("[A4] an identity with no user row (a deleted or never-created user) cannot call a safe action", async () => {
    const s = await setup();
    const vic = await s.t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: "https://auth.example|vic", name: "vic" }));
    const as = (subject: string) => s.t.withIdentity({ subject, issuer: "https://auth.example" });
    let calls = 0;
    vi.stubGlobal("fetch", async () => {
      calls++;
      return Response.json({ name: "Acme", employees: 3 });
    });
    // Vic's data is deleted by the app's own flow (her user row goes); her session lives on.
    await s.t.run((ctx) => ctx.db.delete(vic as never));
    const unauthenticated = { code: "UNAUTHENTICATED", message: "Authentication required" };
    // Elsewhere she is unauthenticated, as the README says of an identity with no user row...
    expect(await outcome(as("vic").query(api.documents.listMine, { paginationOpts: { numItems: 50, cursor: null } }))).toEqual(unauthenticated);
    expect(await outcome(as("vic").mutation(api.ratelimit.sendMessage, { body: "hi" }))).toEqual(unauthenticated);
    // ...and so she is in a safe action without a check, as is a subject never signed up.
    expect(await outcome(as("vic").action(api.external.lookupCompany, { domain: "acme.example" }))).toEqual(unauthenticated);
    expect(await outcome(as("ghost").action(api.external.lookupCompany, { domain: "acme.example" }))).toEqual(unauthenticated);
    expect(calls).toBe(0);
    // Both attempts are audited as denied, without an actor.
    expect((await s.rows()).map((r) => [r.outcome, r.actor])).toEqual([
      ["denied", undefined],
      ["denied", undefined],
    ]);
  });

  test("the actor is the user row's _id, not the identity", async () => {
    const s = await setup();
    const uma = await s.t.run(async (ctx) => (await ctx.db.query("users").unique())!._id);
    vi.stubGlobal("fetch", async () => Response.json({ name: "Acme", employees: 3 }));
    expect(await s.lookup()).toEqual({ ok: { name: "Acme", employees: 3 } });
    expect((await s.rows()).map((r) => [r.outcome, r.actor])).toEqual([
      ["started", uma],
      ["success", uma],
    ]);
  });

  test("without the action wiring, the default check fails closed with the GuardConfigError naming the fix", async () => {
    const s = await setup("./guardFunctions.ts");
    let ran = false;
    next = async () => {
      ran = true;
      return "reached";
    };
    // uma has a user row: only the missing wiring stops her, and never silently.
    const e = await s.as.action(run, {}).catch((x: unknown) => x);
    expect((e as { data?: unknown }).data).toBeUndefined(); // not a denial, not a success
    expect(String((e as Error).message)).toContain("guard.internalFunctions(internalQuery, internalMutation)");
    expect(String((e as Error).message)).toContain("convex/guardFunctions.ts");
    expect(ran).toBe(false);
    expect((await s.rows()).map((r) => r.outcome)).toEqual(["error"]);
  });
});

describe("[A3] anonymous callers and the audit table (a documented limit)", () => {
  test("each anonymous call is audited; a global rate limit runs after the check, so it neither stops them nor is spent by them", async () => {
    const s = await setup();
    const global = makeFunctionReference<"action">("attacks:global");
    next = async () => "done";
    for (let i = 0; i < 12; i++) {
      expect(await outcome(s.t.action(global, {}))).toEqual({ code: "UNAUTHENTICATED", message: "Authentication required" });
    }
    // One denied row per call (the limit allows 10): the rate limit does not bound audit rows...
    expect((await s.rows()).map((r) => r.outcome)).toEqual(Array(12).fill("denied"));
    expect(await s.t.run((ctx) => ctx.db.query("guardRateLimits").collect())).toEqual([]);
    // ...and the budget the anonymous calls never reached is whole for a real user.
    expect(await outcome(s.as.action(global, {}))).toEqual({ ok: "done" });
  });
});

describe("a safe action's rate-limit key is per user, never one key for all", () => {
  test("an identity's actor and key are its tokenIdentifier, whatever `_id` claim its token carries", async () => {
    const s = await setup();
    const identity = makeFunctionReference<"action">("attacks:identity");
    const issuer = "https://auth.example";
    const as = (n: number) => s.t.withIdentity({ subject: "mallory", issuer, _id: `victim-${n}` } as never);
    next = async () => "done";
    const answers = [];
    for (let n = 0; n < 12; n++) answers.push(await outcome(as(n).action(identity, {})));
    expect(answers.filter((a) => "ok" in a)).toHaveLength(10); // externalLookup: 10 in 10 minutes
    expect(answers.slice(10)).toEqual([expect.objectContaining({ code: "RATE_LIMITED" }), expect.objectContaining({ code: "RATE_LIMITED" })]);
    const rows = await s.rows();
    expect(new Set(rows.map((r) => r.actor))).toEqual(new Set([`${issuer}|mallory`]));
    const keys = await s.t.run(async (ctx) => (await ctx.db.query("guardRateLimits").collect()).map((r) => r.key));
    expect(keys).toEqual([`${issuer}|mallory`]);
  });

  // A new user's review: the actor was typed `string` without a check, but is the user row,
  // so `upload:${actor}` was "upload:[object Object]" for every caller: one shared budget.
  test("one user's calls spend their own key only; a key function answering the row is refused", async () => {
    const s = await setup();
    const ids = await addUsers(s.t, [["zed", "user"]]);
    const zed = s.t.withIdentity({ subject: "zed", issuer: "https://auth.example" });
    const perUser = makeFunctionReference<"action">("attacks:perUser");
    next = async () => "done";
    for (let i = 0; i < 10; i++) expect(await outcome(zed.action(perUser, {}))).toEqual({ ok: "done" });
    expect(await outcome(zed.action(perUser, {}))).toMatchObject({ code: "RATE_LIMITED" });
    expect(await outcome(s.as.action(perUser, {}))).toEqual({ ok: "done" });
    const keys = await s.t.run(async (ctx) => (await ctx.db.query("guardRateLimits").collect()).map((r) => r.key));
    const uma = await s.t.run(async (ctx) => (await ctx.db.query("users").collect()).find((u) => u.name === "uma")!._id);
    expect(keys.sort()).toEqual([`lookup:${ids.zed}`, `lookup:${uma}`].sort());

    let ran = false;
    next = async () => (ran = true);
    const e = await s.as.action(makeFunctionReference<"action">("attacks:rowKey"), {}).catch((x: unknown) => x);
    expect((e as { data?: unknown }).data).toBeUndefined(); // the developer's bug, not a denial
    expect(String((e as Error).message)).toContain("safeAction 'attack.rowKey': rateLimit.key must return a string (it returned object)");
    expect(ran).toBe(false);
    expect((await s.rows()).at(-1)?.outcome).toBe("error");

    const t = await s.as.action(makeFunctionReference<"action">("attacks:templateKey"), {}).catch((x: unknown) => x);
    expect((t as { data?: unknown }).data).toBeUndefined();
    expect(String((t as Error).message)).toContain("safeAction 'attack.templateKey': rateLimit.key returned a key holding '[object ...]'");
    expect(ran).toBe(false);
    expect((await s.rows()).at(-1)?.outcome).toBe("error");
    expect(await s.t.run(async (ctx) => (await ctx.db.query("guardRateLimits").collect()).map((r) => r.key))).not.toContain("lookup:[object Object]");
  });
});

describe("a safe action runs only for an actor, and only as written (an attacker's review)", () => {
  test("a check answering null for a signed-out caller is UNAUTHENTICATED, audited as denied; the handler never runs", async () => {
    const s = await setup();
    let ran = 0;
    next = async () => ++ran;
    for (const path of ["attacks:signedOut", "attacks:noIdentity"]) {
      expect(await outcome(s.t.action(makeFunctionReference<"action">(path), {}))).toEqual({
        code: "UNAUTHENTICATED",
        message: "Authentication required",
      });
    }
    expect(ran).toBe(0);
    const rows = await s.rows();
    expect(rows.map((r) => [r.action, r.outcome, r.actor, (r.details as { denial?: string }).denial])).toEqual([
      ["attack.signedOut", "denied", undefined, "UNAUTHENTICATED"],
      ["attack.noIdentity", "denied", undefined, "UNAUTHENTICATED"],
    ]);
    // A signed-in caller is the actor the check returned.
    expect(await outcome(s.as.action(makeFunctionReference<"action">("attacks:signedOut"), {}))).toEqual({ ok: 1 });
  });

  test("a misspelt rateLimit fails every call, audited, instead of dropping the limit", async () => {
    const s = await setup();
    let ran = 0;
    next = async () => ++ran;
    // The limit allows 10 in 10 minutes: before, all 12 calls ran.
    for (let i = 0; i < 12; i++) {
      const e = await s.as.action(makeFunctionReference<"action">("attacks:misspelt"), {}).catch((x: unknown) => x);
      expect((e as { data?: unknown }).data).toBeUndefined(); // the developer's bug, not a denial
      expect(String((e as Error).message)).toContain("safeAction 'attack.misspelt': unknown key 'rateLimt' (did you mean 'rateLimit'?)");
    }
    expect(ran).toBe(0);
    expect((await s.rows()).map((r) => r.outcome)).toEqual(Array(12).fill("error"));
  });

  test("a rate-limit key carrying the secret is refused, audited, and never stored", async () => {
    const s = await setup();
    let ran = 0;
    next = async () => ++ran;
    const e = await s.as.action(makeFunctionReference<"action">("attacks:secretKey"), {}).catch((x: unknown) => x);
    expect((e as { data?: unknown }).data).toBeUndefined(); // the developer's bug, not a denial
    expect(String((e as Error).message)).toContain("safeAction 'attack.secretKey': the rate-limit key carries a secret");
    expect(String((e as Error).message)).not.toContain("sk_live");
    expect(ran).toBe(0);
    expect(await s.t.run((ctx) => ctx.db.query("guardRateLimits").collect())).toEqual([]);
    const rows = await s.rows();
    expect(rows.map((r) => r.outcome)).toEqual(["error"]);
    expect(JSON.stringify(rows)).not.toContain("sk_live");
  });

  test("a definition is read once: editing it after it is registered changes neither its limit nor its handler", async () => {
    const s = await setup();
    next = async () => "original";
    const edited = makeFunctionReference<"action">("attacks:edited");
    for (let i = 0; i < 10; i++) expect(await outcome(s.as.action(edited, {}))).toEqual({ ok: "original" });
    expect(await outcome(s.as.action(edited, {}))).toMatchObject({ code: "RATE_LIMITED" });
    expect(await s.t.run(async (ctx) => (await ctx.db.query("guardRateLimits").collect()).map((r) => r.key))).toEqual(["edited"]);
  });
});

describe("a safe action's resourceId is a string argument's value, never a stringified object", () => {
  test("an object, array or number argument fails the call, audited without a resource; a string is kept", async () => {
    const { as, rows } = await setup();
    const call = (name: string, target: unknown) => as.action(makeFunctionReference<"action">(`attacks:${name}`), { target } as never);
    const notAString = (held: string) =>
      `safeAction 'attack.${held === "an object" ? "object" : "any"}Resource': resourceId names the argument 'target', which holds ${held}, not a string: name a string argument (v.string() or v.id(...))`;
    await expect(call("objectResource", { id: "doc-1" })).rejects.toThrow(notAString("an object"));
    await expect(call("anyResource", ["doc-1", "doc-2"])).rejects.toThrow("which holds an array, not a string");
    await expect(call("anyResource", 5)).rejects.toThrow("which holds a number, not a string");
    expect(await call("anyResource", "doc-3")).toBe("archived");
    const audited = (await rows()).map((r) => [r.action, r.outcome, r.resourceType, r.resourceId ?? null]);
    expect(audited).toEqual([
      ["attack.objectResource", "error", "documents", null],
      ["attack.anyResource", "error", "documents", null],
      ["attack.anyResource", "error", "documents", null],
      ["attack.anyResource", "started", "documents", "doc-3"],
      ["attack.anyResource", "success", "documents", "doc-3"],
    ]);
  });
});
