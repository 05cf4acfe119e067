// A review from the attacker's side, through the example app's public functions only: a
// client (any arguments, any identity, or none) and a collaborator with an ordinary account.
// The first blocks document defences that held; the last block (skipped on this branch) holds
// the attacks that succeeded, written as the secure behaviour the lead may decide to enforce.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { guard } from "./guard";
import { newTest, outcome, setupDeletion, type Outcome } from "./test.setup";

const ISSUER = "https://issuer.example";
const HOUR = 3_600_000;
const START = Date.parse("2026-03-01T00:00:00Z");
const DOC_NOT_FOUND: Outcome = { code: "NOT_FOUND", message: "Document not found" };
const MAY_NOT_SHARE: Outcome = { code: "FORBIDDEN", message: "Your access level does not allow sharing" };
const INVALID: Outcome = { code: "INVALID_CONFIRMATION", message: "Invalid or expired confirmation code" };
const page = { numItems: 50, cursor: null };

beforeEach(() => {
  vi.stubEnv("CONVEX_GUARD_SECRET", "test-secret-0123456789abcdef0123456789abcdef");
  vi.stubEnv("EXTERNAL_API_KEY", "sk_live_attack_review_0123456789");
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

/**
 * Olive owns `pub` (public) and `priv` (private) and a folder `f` holding `inner`; Vic owns
 * `vicdoc`; Mallory is the attacker, Carl her accomplice; an admin exists. A `foreign` id is a
 * real id of another table (a users id).
 */
async function world() {
  const t = newTest();
  const u: Record<string, Id<"users">> = {};
  for (const p of ["olive", "mallory", "carl", "vic", "ada"]) {
    u[p] = await t.run((ctx) =>
      ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p, ...(p === "ada" ? { role: "admin" } : {}) }),
    );
  }
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  const d = await t.run(async (ctx) => {
    const doc = (title: string, ownerId: string, visibility: "public" | "private", folderId?: string) =>
      ctx.db.insert("documents", { title, body: `${title} body`, ownerId: ownerId as never, visibility, folderId: folderId as never });
    const f = await ctx.db.insert("folders", { name: "f", ownerId: u.olive!, visibility: "private" });
    return {
      pub: await doc("pub", u.olive!, "public"),
      priv: await doc("priv", u.olive!, "private"),
      inner: await doc("inner", u.olive!, "private", f),
      vicdoc: await doc("vicdoc", u.vic!, "private"),
      f: f as string,
    };
  });
  const deleted = await t.run(async (ctx) => {
    const id = await ctx.db.insert("documents", { title: "gone", body: "", ownerId: u.olive!, visibility: "private" });
    await ctx.db.delete(id);
    return id as string;
  });
  const share = (who: string, id: string, target: { userId?: string; groupId?: string }, level: "viewer" | "commenter" | "editor", expiresAt?: number) =>
    outcome(as(who).mutation(api.documents.shareDocument, { id, ...target, level, expiresAt }));
  const read = (who: string, id: string) => outcome(as(who).query(api.documents.getSharedDocument, { id }));
  const list = (who: string) => outcome(as(who).query(api.documents.listMine, { paginationOpts: page }));
  const group = async (who: string, name = "g") => (await as(who).mutation(api.groups.createGroup, { name })).groupId;
  const addMember = (who: string, groupId: string, userId: string, level?: "viewer" | "commenter" | "editor" | "owner") =>
    outcome(as(who).mutation(api.groups.addMember, { groupId, userId, level: level as never }));
  // Membership takes the member's consent: an invitation gives nothing until accepted.
  const accept = async (who: string, groupId: string) =>
    expect(await outcome(as(who).mutation(api.groups.acceptInvite, { groupId }))).toEqual({ ok: { accepted: true } });
  return { t, u, as, d, deleted, share, read, list, group, addMember, accept };
}

// --------------------------------------------------------------------------- held: oracles

describe("held: existence oracles", () => {
  test("a stranger gets the same answers for a hidden, a deleted, a foreign-table and a malformed document id", async () => {
    const w = await world();
    const ids = [w.d.priv, w.deleted, w.u.olive!, "", "x".repeat(5000), "\ud800", w.d.priv.toUpperCase()];
    for (const id of ids) {
      expect(await w.read("mallory", id)).toEqual({ ok: null });
      expect(await outcome(w.as("mallory").query(api.documents.getSensitiveItem, { id }))).toEqual({ ok: null });
      expect(await outcome(w.as("mallory").mutation(api.documents.updateDocument, { id, body: "x" }))).toEqual(DOC_NOT_FOUND);
      expect(await w.share("mallory", id, { userId: w.u.carl }, "viewer")).toEqual(DOC_NOT_FOUND);
      expect(await outcome(w.as("mallory").mutation(api.documents.revokeDocument, { id, userId: w.u.olive }))).toEqual(DOC_NOT_FOUND);
      expect(await outcome(w.as("mallory").mutation(api.documents.transferDocument, { id, newOwnerId: w.u.mallory! }))).toEqual(DOC_NOT_FOUND);
    }
  });

  test("a viewer of a public document gets FORBIDDEN whatever the target and the expiry, malformed ones included", async () => {
    const w = await world();
    const targets = [{ userId: w.u.carl }, { userId: "nope" }, { groupId: "nope" }, { userId: w.u.carl, groupId: "x" }, {}];
    for (const target of targets) {
      for (const expiresAt of [undefined, Number.NaN, -1, Infinity, 1e300, START + HOUR]) {
        expect(await w.share("mallory", w.d.pub, target, "viewer", expiresAt)).toEqual(MAY_NOT_SHARE);
      }
      expect(await outcome(w.as("mallory").mutation(api.documents.revokeDocument, { id: w.d.pub, ...target }))).toEqual(MAY_NOT_SHARE);
    }
    for (const newOwnerId of [w.u.mallory!, "nope", w.d.priv]) {
      expect(await outcome(w.as("mallory").mutation(api.documents.transferDocument, { id: w.d.pub, newOwnerId }))).toEqual({
        code: "FORBIDDEN",
        message: "Only the owner can transfer ownership",
      });
    }
  });

  test("a stranger learns nothing about a group (real, foreign-table, malformed), leaving included", async () => {
    const w = await world();
    const team = await w.group("olive", "team");
    for (const groupId of [team, w.u.olive!, w.d.pub, "", "nope"]) {
      for (const userId of [w.u.carl!, w.u.mallory!, "nope"]) {
        expect(await w.addMember("mallory", groupId, userId)).toEqual({ code: "NOT_FOUND", message: "Group not found" });
        expect(await outcome(w.as("mallory").mutation(api.groups.removeMember, { groupId, userId }))).toEqual({
          code: "NOT_FOUND",
          message: "Group not found",
        });
      }
    }
  });

  test("the audit trail answers a non-reader FORBIDDEN before looking at a malformed filter or cursor", async () => {
    const w = await world();
    const forbidden = { code: "FORBIDDEN", message: "Permission 'admin:audit' required" };
    for (const args of [
      { paginationOpts: page },
      { actor: "a", action: "b", paginationOpts: page },
      { paginationOpts: { numItems: Number.NaN, cursor: "garbage" } },
    ]) {
      expect(await outcome(w.as("ada").query(api.audit.list, args))).toEqual(forbidden);
      expect(await outcome(w.t.query(api.audit.list, args))).toEqual({ code: "UNAUTHENTICATED", message: "Authentication required" });
    }
  });
});

// ------------------------------------------------------------------ held: expiry and grants

describe("held: no access outlives its expiry, no escalation", () => {
  test("an expiring editor who manages the group holding the grant, and a group of her own, loses everything at expiry", async () => {
    const w = await world();
    const team = await w.group("olive", "team");
    expect(await w.addMember("olive", team, w.u.mallory!, "editor")).toEqual({ ok: { added: "invited" } });
    await w.accept("mallory", team);
    expect(await w.share("olive", w.d.priv, { groupId: team }, "editor", START + HOUR)).toEqual({ ok: { shared: "editor" } });
    // Mallory extends the grant to Carl (who accepts) through the team, to her own group, and directly.
    const mine = await w.group("mallory", "mine");
    expect(await w.addMember("mallory", team, w.u.carl!, "editor")).toEqual({ ok: { added: "invited" } });
    expect(await w.addMember("mallory", mine, w.u.carl!, "editor")).toEqual({ ok: { added: "invited" } });
    expect(await w.addMember("mallory", mine, w.u.mallory!, "editor")).toEqual({ ok: { added: "member" } });
    await w.accept("carl", team);
    await w.accept("carl", mine);
    expect(await w.share("mallory", w.d.priv, { groupId: mine }, "editor")).toEqual({ ok: { shared: "editor" } });
    expect(await w.share("mallory", w.d.priv, { userId: w.u.carl }, "editor", 8.64e15)).toEqual({ ok: { shared: "editor" } });
    // Carl re-shares back to Mallory: his access is capped too.
    expect(await w.share("carl", w.d.priv, { userId: w.u.mallory }, "editor")).toEqual({ ok: { shared: "editor" } });
    const expiries = await w.t.run(async (ctx) => (await ctx.db.query("accessGrants").collect()).map((g) => g.expiresAt));
    expect(expiries.every((e) => e === START + HOUR)).toBe(true);
    vi.setSystemTime(START + HOUR + 1);
    for (const who of ["mallory", "carl"]) {
      expect(await w.read(who, w.d.priv)).toEqual({ ok: null });
      expect(await outcome(w.as(who).mutation(api.documents.updateDocument, { id: w.d.priv, body: "x" }))).toEqual(DOC_NOT_FOUND);
    }
  });

  test("an editor cannot transfer, grant the owner level, promote a member above herself, or re-share to herself", async () => {
    const w = await world();
    expect(await w.share("olive", w.d.priv, { userId: w.u.mallory }, "editor", START + HOUR)).toEqual({ ok: { shared: "editor" } });
    expect(await outcome(w.as("mallory").mutation(api.documents.transferDocument, { id: w.d.priv, newOwnerId: w.u.mallory! }))).toEqual({
      code: "FORBIDDEN",
      message: "Only the owner can transfer ownership",
    });
    const ownerLevel = { code: "FORBIDDEN", message: "The owner level is given only by transferring ownership" };
    // share's type leaves the owner level out (and so does shareDocument's validator); a
    // caller past both is refused at run time.
    const asOwner = { userId: w.u.carl!, level: "owner" as never };
    expect(await outcome(w.as("mallory").run((ctx) => guard.share(ctx, "documents", w.d.priv, asOwner)))).toEqual(ownerLevel);
    expect(await w.share("mallory", w.d.priv, { userId: w.u.mallory }, "editor")).toEqual({
      code: "FORBIDDEN",
      message: "You cannot share a document with yourself",
    });
    const team = await w.group("olive", "team");
    await w.addMember("olive", team, w.u.mallory!, "editor");
    await w.accept("mallory", team);
    const groupOwnerLevel = { code: "FORBIDDEN", message: "The owner level is not given to a group's members" };
    // addGroupMember's type leaves the owner level out (and so does addMember's validator);
    // a caller past both is refused at run time.
    const addAsOwner = (groupId: string, userId: string) =>
      outcome(w.as("mallory").run((ctx) => guard.addGroupMember(ctx, groupId as Id<"accessGroups">, userId as Id<"users">, "owner" as never)));
    await expect(w.addMember("mallory", team, w.u.carl!, "owner")).rejects.toThrow("Validator error"); // the validator's
    expect(await addAsOwner(team, w.u.carl!)).toEqual(groupOwnerLevel);
    expect(await addAsOwner(team, w.u.mallory!)).toEqual(groupOwnerLevel);
    // Her own group's owner level is no level on anyone else's group or document.
    const mine = await w.group("mallory", "mine");
    expect(await addAsOwner(mine, w.u.mallory!)).toEqual(groupOwnerLevel);
    expect(await w.read("mallory", w.d.vicdoc)).toEqual({ ok: null });
  });

  test("a permanent lower level does not lift the cap: sharing takes the share level, which ends at expiry", async () => {
    const w = await world();
    const team = await w.group("olive", "team");
    await w.addMember("olive", team, w.u.mallory!);
    await w.accept("mallory", team);
    expect(await w.share("olive", w.d.priv, { groupId: team }, "commenter")).toEqual({ ok: { shared: "commenter" } }); // forever
    expect(await w.share("olive", w.d.priv, { userId: w.u.mallory }, "editor", START + HOUR)).toEqual({ ok: { shared: "editor" } });
    expect(await w.share("mallory", w.d.priv, { userId: w.u.carl }, "viewer")).toEqual({ ok: { shared: "viewer" } });
    const carl = await w.t.run(async (ctx) =>
      (await ctx.db.query("accessGrants").collect()).find((g) => g.userId === w.u.carl),
    );
    expect(carl?.expiresAt).toBe(START + HOUR);
    vi.setSystemTime(START + HOUR);
    expect(await w.read("mallory", w.d.priv)).toEqual({ ok: { title: "priv", body: "priv body", accessLevel: "commenter" } });
    expect(await w.read("carl", w.d.priv)).toEqual({ ok: null });
    expect(await w.share("mallory", w.d.priv, { userId: w.u.carl }, "viewer")).toEqual(MAY_NOT_SHARE);
  });

  test("the owner of a folder reads inside it; an editor of one document does not reach its folder's siblings", async () => {
    const w = await world();
    expect(await w.share("olive", w.d.inner, { userId: w.u.mallory }, "editor")).toEqual({ ok: { shared: "editor" } });
    const sibling = await w.t.run((ctx) =>
      ctx.db.insert("documents", { title: "sib", body: "", ownerId: w.u.olive!, visibility: "private", folderId: w.d.f as never }),
    );
    expect(await w.read("mallory", sibling)).toEqual({ ok: null });
    expect(await w.read("mallory", w.d.f)).toEqual({ ok: null }); // a folder id is another table
  });
});

// ------------------------------------------------------------------------- held: rate limits

describe("held: rate limits", () => {
  test("the PIN limit: the right PIN on the 4th attempt in 10 minutes is refused; empty messages spend nothing", async () => {
    const w = await world();
    for (let i = 0; i < 3; i++) {
      expect(await outcome(w.as("mallory").mutation(api.ratelimit.unlock, { pin: `000${i}` }))).toEqual({ ok: { unlocked: false } });
    }
    const limited = await outcome(w.as("mallory").mutation(api.ratelimit.unlock, { pin: "2468" }));
    expect((limited as { code: string }).code).toBe("RATE_LIMITED");
    // Another identity for the same user row (another session) shares the limit.
    const again = await outcome(w.as("mallory").mutation(api.ratelimit.unlock, { pin: "2468" }));
    expect((again as { code: string }).code).toBe("RATE_LIMITED");
    // Vic's budget is her own.
    expect(await outcome(w.as("vic").mutation(api.ratelimit.unlock, { pin: "2468" }))).toEqual({ ok: { unlocked: true } });
    for (let i = 0; i < 20; i++) {
      const empty = await outcome(w.as("carl").mutation(api.ratelimit.sendMessage, { body: " " }));
      expect(empty).toEqual({ code: "INVALID_ARGUMENT", message: "A message cannot be empty" });
    }
    for (let i = 0; i < 10; i++) await w.as("carl").mutation(api.ratelimit.sendMessage, { body: "hi" });
    const over = await outcome(w.as("carl").mutation(api.ratelimit.sendMessage, { body: "hi" }));
    expect((over as { code: string }).code).toBe("RATE_LIMITED");
  });
});

// -------------------------------------------------------------------- held: confirmation codes

describe("held: confirmation codes", () => {
  test("non-superadmins never reach a code; malformed codes are refused as failures, never as errors", async () => {
    const s = await setupDeletion();
    const { code } = await s.request("sam", s.ids.uma!);
    for (const who of ["ada", "uma"]) {
      expect(await s.confirm(who, s.ids.uma!, code)).toEqual({ code: "FORBIDDEN", message: "Role 'superadmin' or higher required" });
      expect(await outcome(s.request(who, s.ids.uma!))).toEqual({ code: "FORBIDDEN", message: "Role 'superadmin' or higher required" });
    }
    // (spaces and hyphens are dropped by design: " 1234-5678" is a typed code)
    for (const bad of ["", " ", "x".repeat(100_000), `${code}\u0000`, `${code}0`, "\ud800\udc00", "\ud800", "١٢٣٤٥٦٧٨"]) {
      expect(await s.confirm("sam", s.ids.uma!, bad)).toEqual(INVALID);
    }
    // A malformed code spends an attempt like a wrong one: after 5, even the right code fails.
    expect(await s.reasons()).toEqual([...Array(5).fill("malformed"), ...Array(3).fill("exhausted")]);
    expect(await s.confirm("sam", s.ids.uma!, code)).toEqual(INVALID);
    expect(await s.userExists(s.ids.uma!)).toBe(true);
  });

  test("concurrent guesses: only a code's 5 attempts are ever compared, and every one of them counts", async () => {
    const s = await setupDeletion();
    for (let round = 0; round < 2; round++) {
      const { code } = await s.request("sam", s.ids.uma!);
      const wrong = code === "00000000" ? "11111111" : "00000000";
      const results = await Promise.all(Array.from({ length: 30 }, () => s.confirm("sam", s.ids.uma!, wrong)));
      expect(results.every((r) => JSON.stringify(r) === JSON.stringify(INVALID))).toBe(true);
    }
    const reasons = await s.reasons();
    expect(reasons.filter((r) => r === "wrong")).toHaveLength(10);
    const fresh = await s.request("sam", s.ids.uma!);
    expect(await s.confirm("sam", s.ids.uma!, fresh.code)).toEqual(INVALID); // the binding's budget is spent
    expect((await s.reasons()).at(-1)).toBe("locked");
    expect(await s.userExists(s.ids.uma!)).toBe(true);
  });
});

// ---------------------------------------------------------------- held: safe actions, errors

describe("held: safe actions and client-visible errors", () => {
  test("an upstream that echoes the attacker's domain with the key never answers with either; the row is written", async () => {
    const w = await world();
    vi.stubGlobal("fetch", async (url: string, init: { headers: Record<string, string> }) =>
      Response.json({ url, auth: init.headers.Authorization, name: init.headers.Authorization }, { status: 200 }),
    );
    const r = await outcome(w.as("mallory").action(api.external.lookupCompany, { domain: "a".repeat(3000) }));
    expect(r).toEqual({ code: "UPSTREAM_UNAVAILABLE", message: "External service unavailable" });
    const rows = await w.t.run((ctx) => ctx.db.query("guardAudit").collect());
    expect(rows.map((x) => x.outcome)).toEqual(["started", "error"]);
    expect(JSON.stringify(rows)).not.toContain("sk_live_attack_review");
  });

  test("after a battery of hostile arguments, the engine still answers correctly", async () => {
    const w = await world();
    const hostile = ["\ud800", "\u0000", "a".repeat(100_000), "__proto__", "constructor", "[0,null]"];
    for (const id of hostile) {
      await w.read("mallory", id);
      await w.share("mallory", id, { userId: id, groupId: id }, "viewer", -0);
      await outcome(w.as("mallory").mutation(api.groups.addMember, { groupId: id, userId: id }));
    }
    expect(await w.read("mallory", w.d.pub)).toEqual({ ok: { title: "pub", body: "pub body", accessLevel: "viewer" } });
    expect(await w.read("olive", w.d.priv)).toEqual({ ok: { title: "priv", body: "priv body", accessLevel: "owner" } });
  });
});

// ------------------------------------------------------------------ documented limits

describe("documented limits (not holes): what an ordinary account can learn or do by design", () => {
  test("any signed-in user learns whether a user id exists, through a group of their own", async () => {
    // README: "INVALID_ARGUMENT 'unknown user' only reach callers who may manage it" -- and
    // every caller manages the groups they create.
    const w = await world();
    const mine = await w.group("mallory", "probe");
    expect(await w.addMember("mallory", mine, w.u.vic!)).toEqual({ ok: { added: "invited" } });
    expect(await w.addMember("mallory", mine, w.deleted)).toEqual({ code: "INVALID_ARGUMENT", message: "unknown user" });
  });

  test("an invitee of more than 256 groups can still decline one", async () => {
    const w = await world();
    const groups: string[] = [];
    for (let i = 0; i < 257; i++) {
      const g = await w.group("mallory", `g${i}`);
      await w.addMember("mallory", g, w.u.vic!);
      groups.push(g);
    }
    expect(await outcome(w.as("vic").mutation(api.groups.removeMember, { groupId: groups[0]!, userId: w.u.vic! }))).toEqual({
      ok: { removed: true },
    });
    expect(await w.read("vic", w.d.pub)).toEqual({ ok: { title: "pub", body: "pub body", accessLevel: "viewer" } });
  });
});

// ------------------------------------------------------------------- fixed (were holes)
// A1, A2 and A5 succeeded on main at ac13264; each test below failed there.

describe("fixed: attacks that succeeded on main", () => {
  test("[A1] a stranger cannot lock a user out of every document by adding them to 257 groups", async () => {
    const w = await world();
    // Mallory only needs an account and Vic's user id (anyone Vic ever shared with has it).
    for (let i = 0; i < 257; i++) {
      const g = await w.group("mallory", `spam${i}`);
      expect(await w.addMember("mallory", g, w.u.vic!)).toMatchObject({ ok: expect.anything() });
    }
    // On main each of these is INVALID_ARGUMENT "too many groups for one caller: at most 256".
    expect(await w.read("vic", w.d.pub)).toEqual({ ok: { title: "pub", body: "pub body", accessLevel: "viewer" } });
    expect(await outcome(w.as("vic").query(api.documents.getSensitiveItem, { id: w.d.vicdoc }))).toEqual({
      ok: { title: "vicdoc", body: "vicdoc body" },
    });
    expect(await outcome(w.as("vic").mutation(api.documents.updateDocument, { id: w.d.vicdoc, body: "mine" }))).toEqual({
      ok: { updated: "vicdoc" },
    });
    expect(await w.share("vic", w.d.vicdoc, { userId: w.u.carl }, "viewer")).toEqual({ ok: { shared: "viewer" } });
    const listed = await w.list("vic");
    expect((listed as { ok: { page: { title: string }[] } }).ok.page.map((p) => p.title)).toContain("vicdoc");
    // What Mallory wrote are invitations, which Vic sees and may decline.
    const mine = await outcome(w.as("vic").query(api.groups.listMyGroups, { paginationOpts: { numItems: 100, cursor: null } }));
    const invites = (mine as { ok: { page: { invited: boolean; groupId: string }[] } }).ok.page;
    expect(invites).toHaveLength(100);
    expect(invites.every((g) => g.invited)).toBe(true);
    expect(await outcome(w.as("vic").mutation(api.groups.leaveGroup, { groupId: invites[0]!.groupId }))).toEqual({ ok: { left: true } });
  });

  test("[A2] a forged listMine cursor is INVALID_ARGUMENT, never a plain error quoting the parser", async () => {
    const w = await world();
    const malformed = { code: "INVALID_ARGUMENT", message: "malformed cursor" };
    for (const cursor of ['[0,"garbage"]', '[1,"x"]', `[0,"${"a".repeat(100)}"]`]) {
      // On main: a plain Error "Unexpected token 'g', "garbage" is not valid JSON" from the
      // database's paginate (not a ConvexError: outcome() rethrows it).
      expect(await outcome(w.as("olive").query(api.documents.listMine, { paginationOpts: { numItems: 5, cursor } }))).toEqual(malformed);
    }
    // And a page size the database refuses is a ConvexError too (on main: a plain Error
    // "`options.numItems` must be a positive number. Received `-1`.").
    const r = await outcome(w.as("olive").query(api.documents.listMine, { paginationOpts: { numItems: -1, cursor: null } }));
    expect((r as { code?: string }).code).toBe("INVALID_ARGUMENT");
  });

  test("[A5] resolveShare answers malformed facts with INVALID_ARGUMENT, as resolveAccess does", () => {
    const request = { id: "d", level: "viewer" as const };
    const doc = { id: "d", owner: "u", visibility: "private" as const, parent: null };
    const malformed = [
      null,
      { now: 1, caller: "u", groups: 5, documents: [] },
      { now: 1, caller: "u", groups: [], documents: 5 },
      { now: 1, caller: "u", groups: [], documents: [null] },
      { now: 1, caller: "u", groups: [], documents: [doc] }, // no grants
      { now: 1, caller: "u", groups: [], documents: [{ ...doc, grants: [null] }] },
    ];
    for (const facts of malformed) {
      // resolveAccess refuses each one as INVALID_ARGUMENT...
      expect(() => guard.resolveAccess(facts as never)).toThrow(expect.objectContaining({ data: expect.objectContaining({ code: "INVALID_ARGUMENT" }) }));
      // ...resolveShare throws a plain TypeError on main ("Cannot read properties of null").
      expect(() => guard.resolveShare(facts as never, request)).toThrow(expect.objectContaining({ data: expect.objectContaining({ code: "INVALID_ARGUMENT" }) }));
    }
  });
});

// ---------------------------------------------------------- SUCCEEDED, then fixed or recorded
// [A4] is fixed (safeAction's default check is requireUser). [A3], anonymous callers growing the
// audit trail (one denied row per call), is recorded, not fixed: auditing denied calls has value,
// and it is pinned with its mitigation in safe-action-attacks.test.ts and the README's known limits.

describe("fixed after review: safe actions", () => {
  test("[A4] an identity with no user row (a deleted or never-created user) cannot call a safe action", async () => {
    const w = await world();
    let calls = 0;
    vi.stubGlobal("fetch", async () => {
      calls++;
      return Response.json({ name: "Acme", employees: 3 });
    });
    // Vic's data is deleted by the app's own flow (her user row goes); her session lives on.
    await w.t.run((ctx) => ctx.db.delete(w.u.vic!));
    const unauthenticated = { code: "UNAUTHENTICATED", message: "Authentication required" };
    // Elsewhere she is unauthenticated, as the README says of an identity with no user row...
    expect(await w.list("vic")).toEqual(unauthenticated);
    expect(await outcome(w.as("vic").mutation(api.ratelimit.sendMessage, { body: "hi" }))).toEqual(unauthenticated);
    // ...but the safe action's default check only asks for an identity: on main both calls
    // reach the upstream with the API key (success), for her and for a subject never signed up.
    expect(await outcome(w.as("vic").action(api.external.lookupCompany, { domain: "acme.example" }))).toEqual(unauthenticated);
    expect(await outcome(w.as("ghost").action(api.external.lookupCompany, { domain: "acme.example" }))).toEqual(unauthenticated);
    expect(calls).toBe(0);
  });
});
