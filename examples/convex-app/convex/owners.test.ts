// Issue 9, "Owners": who may list a document's grants (the attacker's side included), and
// `guard.forgetUser` removing everything the guard keeps about a deleted user, and nothing else.
import { expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import { defineGuard } from "convex-guard";
import type { Id } from "./_generated/dataModel";
import { guard } from "./guard";
import { newTest, outcome, type Outcome } from "./test.setup";

const ISSUER = "https://issuer.example";
const NOT_FOUND: Outcome = { code: "NOT_FOUND", message: "Document not found" };
const MAY_NOT_SHARE: Outcome = { code: "FORBIDDEN", message: "Your access level does not allow sharing" };
const page = { numItems: 10, cursor: null };

/** Olga owns `doc`, shared with Ed (editor), Vic (viewer) and group `team` (commenter). */
async function world() {
  const t = newTest();
  const u: Record<string, Id<"users">> = {};
  for (const p of ["olga", "ed", "vic", "stan", "uma", "zoe"]) {
    u[p] = await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p }));
  }
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  const doc = await t.run((ctx) =>
    ctx.db.insert("documents", { title: "plan", body: "b", ownerId: u.olga!, visibility: "private" }),
  );
  const { groupId: team } = await as("olga").mutation(api.groups.createGroup, { name: "team" });
  await as("olga").mutation(api.documents.shareDocument, { id: doc, userId: u.ed, level: "editor" });
  await as("olga").mutation(api.documents.shareDocument, { id: doc, userId: u.vic, level: "viewer", expiresAt: Date.now() + 60_000 });
  await as("olga").mutation(api.documents.shareDocument, { id: doc, groupId: team, level: "commenter" });
  const list = (who: string | null, id: string = doc, paginationOpts = page) =>
    outcome((who === null ? t : as(who)).query(api.documents.listDocumentGrants, { id, paginationOpts }));
  const revoke = (who: string | null, id: string = doc) =>
    outcome((who === null ? t : as(who)).mutation(api.documents.revokeDocument, { id, userId: u.zoe }));
  return { t, u, as, doc, team, list, revoke };
}

test("the owner and an editor (the share level) list every grant: who, level, expiry, sharer", async () => {
  const { u, team, list } = await world();
  for (const who of ["olga", "ed"]) {
    const r = (await list(who)) as { ok: { page: Record<string, unknown>[]; isDone: boolean } };
    expect(r.ok.isDone).toBe(true);
    const seen = r.ok.page.map((g) => [g.userId ?? g.groupId, g.level, typeof g.expiresAt, g.grantedBy]);
    expect(seen).toEqual(
      expect.arrayContaining([
        [u.ed, "editor", "undefined", u.olga],
        [u.vic, "viewer", "number", u.olga],
        [team, "commenter", "undefined", u.olga],
      ]),
    );
    expect(seen).toHaveLength(3);
  }
});

test("grants are listed a page at a time, within the documented bound", async () => {
  const { list } = await world();
  const first = (await list("olga", undefined, { numItems: 2, cursor: null })) as {
    ok: { page: unknown[]; isDone: boolean; continueCursor: string };
  };
  expect(first.ok.page).toHaveLength(2);
  expect(first.ok.isDone).toBe(false);
  const rest = (await list("olga", undefined, { numItems: 2, cursor: first.ok.continueCursor as never })) as {
    ok: { page: unknown[] };
  };
  expect(rest.ok.page).toHaveLength(1);
  expect(await list("olga", undefined, { numItems: 101, cursor: null })).toEqual({
    code: "INVALID_ARGUMENT",
    message: "numItems must be a whole number from 1 to 100",
  });
});

test("attacker: a viewer may not list, and gets what revoke gives them", async () => {
  const { list, revoke } = await world();
  expect(await list("vic")).toEqual(MAY_NOT_SHARE);
  expect(await revoke("vic")).toEqual(MAY_NOT_SHARE);
});

test("attacker: a stranger gets NOT_FOUND, the same as for a missing or malformed id", async () => {
  const { t, u, list, revoke } = await world();
  const gone = await t.run(async (ctx) => {
    const id = await ctx.db.insert("documents", { title: "x", body: "", ownerId: u.olga!, visibility: "private" });
    await ctx.db.delete(id);
    return id;
  });
  expect(await list("stan")).toEqual(NOT_FOUND);
  expect(await list("stan", gone)).toEqual(NOT_FOUND);
  expect(await list("stan", "not-an-id")).toEqual(NOT_FOUND);
  expect(await list("olga", gone)).toEqual(NOT_FOUND);
  expect(await revoke("stan")).toEqual(NOT_FOUND);
});

test("attacker: anonymous callers are refused as revoke refuses them", async () => {
  const { list, revoke } = await world();
  const anonymous = await list(null);
  expect(anonymous).toEqual({ code: "UNAUTHENTICATED", message: "Authentication required" });
  expect(await revoke(null)).toEqual(anonymous);
});

/**
 * Uma and Zoe alike: a grant on Olga's document, a membership of `team`, an invitation to
 * `club`, rate-limit rows (sendMessage, keyed by their id), a pending code and an actor
 * failure count. Uma also owns a document and a group, and shared her document with Zoe.
 */
async function deletionWorld() {
  vi.stubEnv("CONVEX_GUARD_SECRET", "test-secret-0123456789abcdef0123456789abcdef");
  const w = await world();
  const { t, u, as, doc, team } = w;
  const { groupId: club } = await as("olga").mutation(api.groups.createGroup, { name: "club" });
  const { groupId: umaGroup } = await as("uma").mutation(api.groups.createGroup, { name: "uma's" });
  const umaDoc = await t.run((ctx) =>
    ctx.db.insert("documents", { title: "mine", body: "", ownerId: u.uma!, visibility: "private" }),
  );
  await as("uma").mutation(api.documents.shareDocument, { id: umaDoc, userId: u.zoe, level: "viewer" });
  for (const p of ["uma", "zoe"]) {
    await as("olga").mutation(api.documents.shareDocument, { id: doc, userId: u[p], level: "commenter" });
    await as("olga").mutation(api.groups.addMember, { groupId: team, userId: u[p]! });
    await as(p).mutation(api.groups.acceptInvite, { groupId: team });
    await as("olga").mutation(api.groups.addMember, { groupId: club, userId: u[p]! });
    await as(p).mutation(api.ratelimit.sendMessage, { body: "hi" });
    await t.run(async (ctx) => {
      const binding = { actor: u[p]!, action: "test:action", target: "t" };
      await guard.issueConfirmation(ctx, binding);
      // A wrong code: the binding and the actor each count a failure.
      await guard.consumeConfirmation(ctx, { ...binding, code: "x" });
    });
  }
  /** Every guard row that names `id`, by table. */
  const rowsOf = (id: string) =>
    t.run(async (ctx) => ({
      grants: (await ctx.db.query("accessGrants").collect()).filter((g) => g.userId === id).length,
      members: (await ctx.db.query("accessGroupMembers").collect()).filter((m) => m.userId === id).length,
      rateLimits: (await ctx.db.query("guardRateLimits").collect()).filter((r) => r.key === id).length,
      codes: (await ctx.db.query("guardConfirmations").collect()).filter((r) => r.actor === id).length,
    }));
  return { ...w, club, umaGroup, umaDoc, rowsOf };
}

test("forgetUser removes every guard row about the user, and nobody else's", async () => {
  const { t, u, umaDoc, umaGroup, rowsOf } = await deletionWorld();
  const zoeBefore = await rowsOf(u.zoe!);
  expect(zoeBefore).toEqual({ grants: 2, members: 2, rateLimits: 1, codes: 2 });
  expect(await rowsOf(u.uma!)).toEqual({ grants: 1, members: 2, rateLimits: 1, codes: 2 });
  const result = await t.run((ctx) => guard.forgetUser(ctx, u.uma!));
  expect(result).toEqual({
    done: true,
    grants: 1,
    memberships: 1,
    invitations: 1,
    rateLimits: 1,
    confirmations: 1,
    failureCounts: 1,
  });
  expect(await rowsOf(u.uma!)).toEqual({ grants: 0, members: 0, rateLimits: 0, codes: 0 });
  expect(await rowsOf(u.zoe!)).toEqual(zoeBefore);
  // What she owns is the app's: her document, her group, and the grant she made to Zoe stay.
  await t.run(async (ctx) => {
    expect(await ctx.db.get(umaDoc)).not.toBeNull();
    expect(await ctx.db.get(umaGroup as never)).not.toBeNull();
  });
  // Again: nothing left, nothing more deleted.
  expect(await t.run((ctx) => guard.forgetUser(ctx, u.uma!))).toMatchObject({ done: true, grants: 0, memberships: 0 });
});

test("the app's deletion flow forgets the user through the guard", async () => {
  const { t, u, as, rowsOf } = await deletionWorld();
  const sam = await t.run((ctx) =>
    ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|sam`, name: "sam", role: "superadmin" }),
  );
  const zoeBefore = await rowsOf(u.zoe!);
  const result = await t.mutation(internal.deletion.deleteAllUserData, { userId: u.uma!, by: sam });
  expect(result).toMatchObject({ done: true, grants: 1, memberships: 1, invitations: 1, rateLimits: 1 });
  expect(await rowsOf(u.uma!)).toEqual({ grants: 0, members: 0, rateLimits: 0, codes: 0 });
  expect(await rowsOf(u.zoe!)).toEqual(zoeBefore);
  // Uma is gone: her session finds no user.
  expect(await outcome(as("uma").mutation(api.ratelimit.sendMessage, { body: "hi" }))).toMatchObject({
    code: "UNAUTHENTICATED",
  });
});

test("forgetUser is bounded: past 100 rows it stops with done: false, and the next call finishes", async () => {
  const { t, u } = await world();
  await t.run(async (ctx) => {
    for (let i = 0; i < 130; i++) {
      await ctx.db.insert("accessGrants", { table: "documents", doc: `d${i}`, userId: u.uma!, level: "viewer" });
    }
  });
  const first = await t.run((ctx) => guard.forgetUser(ctx, u.uma!));
  expect(first).toMatchObject({ done: false, grants: 100 });
  const second = await t.run((ctx) => guard.forgetUser(ctx, u.uma!));
  expect(second).toMatchObject({ done: true, grants: 30 });
  // Olga's grants on her document (to Ed, Vic and the team) are untouched.
  expect(await t.run(async (ctx) => (await ctx.db.query("accessGrants").collect()).length)).toBe(3);
});

test("forgetUser refuses a missing id instead of reporting an empty success", async () => {
  const { t } = await world();
  for (const id of ["", undefined, 42]) {
    expect(await outcome(t.run((ctx) => guard.forgetUser(ctx, id as never)))).toEqual({
      code: "INVALID_ARGUMENT",
      message: "forgetUser needs a user id",
    });
  }
});

test("forgetUser refuses a string that is no user's id: shared budgets and other tables' rows stay", async () => {
  const { t, doc, team } = await world();
  for (let i = 0; i < 3; i++) await t.run((ctx) => guard.rateLimit(ctx, "uploadGlobal", { key: "global" }));
  const limits = () => t.run(async (ctx) => (await ctx.db.query("guardRateLimits").collect()).length);
  const before = await limits();
  expect(before).toBeGreaterThan(0);
  // "global" (everyone's budget), a builder's argument key, another table's ids: none is a user.
  for (const id of ["global", "arg:email:x@example.com", doc, team]) {
    expect(await outcome(t.run((ctx) => guard.forgetUser(ctx, id as never)))).toEqual({
      code: "INVALID_ARGUMENT",
      message: "forgetUser needs a user id",
    });
  }
  expect(await limits()).toBe(before);
});

test("with roleClaim (no users rows) forgetUser takes an identity but refuses the shared keys", async () => {
  const claims = defineGuard({ roles: ["user"], users: { roleClaim: "role" }, rateLimits: { api: { rate: 5, period: 60_000 } } });
  const t = newTest();
  const sam = `${ISSUER}|sam`;
  for (const key of ["global", sam]) await t.run((ctx) => claims.rateLimit(ctx, "api", { key }));
  for (const id of ["global", "arg:email:x@example.com"]) {
    expect(await outcome(t.run((ctx) => claims.forgetUser(ctx, id)))).toEqual({ code: "INVALID_ARGUMENT", message: "forgetUser needs a user id" });
  }
  expect(await t.run((ctx) => claims.forgetUser(ctx, sam))).toMatchObject({ done: true, rateLimits: 1 });
  expect((await t.run((ctx) => ctx.db.query("guardRateLimits").collect())).map((r) => r.key)).toEqual(["global"]);
});

test("attacker: forgetUser reads only its configuration's own keys, whatever Object.prototype holds by then", async () => {
  // An attacker's review (attack19): with `Object.prototype.table` planted during the request (a
  // vulnerable merge) when access was first used, forgetUser took it for the confirmations
  // table: it deleted another table's rows and left the user's codes. (Planted only while
  // access is built: convex-test reads a syscall's omitted `table` through the prototype.)
  const { t, u } = await deletionWorld();
  const g = defineGuard({ roles: ["user", "moderator", "admin", "superadmin"], access: { levels: ["viewer", "commenter", "editor", "owner"] }, confirmations: {} });
  const proto = Object.prototype as Record<string, unknown>;
  proto.table = "documents";
  try {
    g.accessLevels();
  } finally {
    delete proto.table;
  }
  const result = await t.run((ctx) => g.forgetUser(ctx, u.uma!));
  expect(result).toMatchObject({ done: true, grants: 1, memberships: 1, confirmations: 1, failureCounts: 1 });
  expect(await t.run(async (ctx) => (await ctx.db.query("guardConfirmations").collect()).filter((r) => r.actor === u.uma).length)).toBe(0);
  // A whole capability planted since the guard was defined is refused when first used, never built.
  const plain = defineGuard({ roles: ["user"] });
  proto.access = { levels: ["viewer", "owner"] };
  try {
    expect(() => plain.accessLevels()).toThrow(/^access is inherited from a prototype/);
  } finally {
    delete proto.access;
  }
  expect(() => plain.accessLevels()).not.toThrow();
});
