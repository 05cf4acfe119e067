// A team workspace: a guard group, documents shared to it. The caller's own level on a group
// (`groupLevel`, `requireGroupLevel`), the same level every group call decides on; and deleting
// a shared document with its grants (`deleteDocument`), the owner only, all or nothing.
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { HOUR } from "convex-guard";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { guard } from "./guard";
import { newTest, outcome, type Outcome } from "./test.setup";

const ISSUER = "https://issuer.example";
const T0 = Date.UTC(2026, 0, 1);
const GROUP_NOT_FOUND: Outcome = { code: "NOT_FOUND", message: "Group not found" };
const NOT_FOUND: Outcome = { code: "NOT_FOUND", message: "Document not found" };
const NOT_OWNER: Outcome = { code: "FORBIDDEN", message: "Only the owner can delete a document" };
const UNAUTH: Outcome = { code: "UNAUTHENTICATED", message: "Authentication required" };
/** The most grants one deletion removes with its document (docs/access.md's "1,000"). */
const MAX_GRANTS = 1000;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

/**
 * Olive owns workspace `ws`: Lea a member at editor, Gina at viewer (both accepted), Vic only
 * invited, Exp invited until T0 + 1 hour; Ada is an admin (a manager of every group); Nate is
 * no one. Olive's document `plan` is shared with Vic (viewer), Eddie (editor) and `ws`
 * (commenter); `other` with Vic (viewer).
 */
async function world() {
  const t = newTest();
  const u: Record<string, Id<"users">> = {};
  for (const p of ["olive", "lea", "gina", "vic", "exp", "eddie", "nate", "ada", "fred"]) {
    u[p] = await t.run((ctx) =>
      ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p, ...(p === "ada" ? { role: "admin" } : {}) }),
    );
  }
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  const { groupId: ws } = await as("olive").mutation(api.groups.createGroup, { name: "ws" });
  await as("olive").mutation(api.groups.addMember, { groupId: ws, userId: u.lea!, level: "editor" });
  await as("olive").mutation(api.groups.addMember, { groupId: ws, userId: u.gina! });
  for (const p of ["lea", "gina"]) await as(p).mutation(api.groups.acceptInvite, { groupId: ws });
  await as("olive").mutation(api.groups.addMember, { groupId: ws, userId: u.vic! });
  await as("olive").mutation(api.groups.addMember, { groupId: ws, userId: u.exp!, expiresAt: T0 + HOUR });
  const docs = await t.run(async (ctx) => {
    const ownerId = u.olive!;
    return {
      plan: await ctx.db.insert("documents", { title: "plan", body: "", ownerId, visibility: "private" }),
      other: await ctx.db.insert("documents", { title: "other", body: "", ownerId, visibility: "private" }),
    };
  });
  await as("olive").mutation(api.documents.shareDocument, { id: docs.plan, userId: u.vic!, level: "viewer" });
  await as("olive").mutation(api.documents.shareDocument, { id: docs.plan, userId: u.eddie!, level: "editor" });
  await as("olive").mutation(api.documents.shareDocument, { id: docs.plan, groupId: ws, level: "commenter" });
  await as("olive").mutation(api.documents.shareDocument, { id: docs.other, userId: u.vic!, level: "viewer" });
  const level = async (who: string | null, groupId: string = ws) =>
    (await (who === null ? t : as(who)).query(api.groups.myLevel, { groupId })).level;
  const required = (who: string | null, minLevel: "viewer" | "commenter" | "editor" | "owner", groupId: string = ws) =>
    outcome((who === null ? t : as(who)).query(api.groups.requireLevel, { groupId, level: minLevel }));
  const remove = (who: string | null, id: string) => outcome((who === null ? t : as(who)).mutation(api.documents.deleteDocument, { id }));
  /** `holder:level` of every grant row on `doc`, read around the guard. */
  const grantsOn = (doc: string) =>
    t.run(async (ctx) =>
      (await ctx.db.query("accessGrants").collect())
        .filter((g) => g.doc === doc)
        .map((g) => `${Object.entries(u).find(([, id]) => id === g.userId)?.[0] ?? (g.groupId === ws ? "ws" : g.groupId)}:${g.level}`)
        .sort(),
    );
  const exists = (doc: string) => t.run(async (ctx) => (await ctx.db.get(doc as Id<"documents">)) !== null);
  return { t, u, as, ws, docs, level, required, remove, grantsOn, exists };
}

test("groupLevel: the owner, a member, a manager; null for the invited, an expired invitation, an outsider, the signed out", async () => {
  const w = await world();
  expect(await w.level("olive")).toBe("owner"); // the group's owner
  expect(await w.level("lea")).toBe("editor"); // a member, at their membership's level
  expect(await w.level("gina")).toBe("viewer");
  expect(await w.level("ada")).toBe("owner"); // access.groups.managers: every group
  // An invitation gives nothing until accepted, live or expired.
  expect(await w.level("vic")).toBeNull();
  expect(await w.level("exp")).toBeNull();
  vi.setSystemTime(T0 + 2 * HOUR);
  expect(await w.level("exp")).toBeNull();
  expect(await w.level("nate")).toBeNull();
  expect(await w.level(null)).toBeNull(); // signed out: null, as readable answers
  // Accepted, the invitation is a membership: what addGroupMember and the listings decide.
  await w.as("vic").mutation(api.groups.acceptInvite, { groupId: w.ws });
  expect(await w.level("vic")).toBe("viewer");
  // Leaving gives it up.
  await w.as("lea").mutation(api.groups.leaveGroup, { groupId: w.ws });
  expect(await w.level("lea")).toBeNull();
});

test("groupLevel: a malformed, other-table or deleted group's id is null, as an outsider's answer", async () => {
  const w = await world();
  for (const id of ["not-an-id", "", w.u.olive!, w.docs.plan]) {
    for (const who of ["olive", "ada", "nate", null]) expect(await w.level(who, id), `${who} ${id}`).toBeNull();
  }
  await w.t.run((ctx) => ctx.db.delete(w.ws as Id<"accessGroups">));
  // Its membership rows remain, but a group whose row is gone is no group.
  for (const who of ["olive", "lea", "ada"]) expect(await w.level(who), who).toBeNull();
});

test("groupLevel: a membership stored at the owner level (around the guard) gives nothing, as the group calls decide", async () => {
  const w = await world();
  await w.t.run(async (ctx) => {
    const row = (await ctx.db.query("accessGroupMembers").collect()).find((m) => m.userId === w.u.gina);
    await ctx.db.patch(row!._id, { level: "owner" });
  });
  expect(await w.level("gina")).toBeNull();
  // addGroupMember decides the same: a member holding nothing may not manage.
  expect(await outcome(w.as("gina").mutation(api.groups.addMember, { groupId: w.ws, userId: w.u.nate! }))).toEqual(GROUP_NOT_FOUND);
});

test("requireGroupLevel: the level at or above minLevel, NOT_FOUND where groupLevel is null, FORBIDDEN below", async () => {
  const w = await world();
  expect(await w.required("lea", "editor")).toEqual({ ok: { level: "editor" } });
  expect(await w.required("lea", "viewer")).toEqual({ ok: { level: "editor" } });
  expect(await w.required("olive", "owner")).toEqual({ ok: { level: "owner" } });
  expect(await w.required("ada", "owner")).toEqual({ ok: { level: "owner" } });
  expect(await w.required("lea", "owner")).toEqual({ code: "FORBIDDEN", message: "Access level 'owner' or higher required" });
  expect(await w.required("gina", "commenter")).toEqual({ code: "FORBIDDEN", message: "Access level 'commenter' or higher required" });
  for (const who of ["vic", "exp", "nate", null]) expect(await w.required(who, "viewer"), String(who)).toEqual(GROUP_NOT_FOUND);
  for (const id of ["not-an-id", w.docs.plan]) expect(await w.required("olive", "viewer", id)).toEqual(GROUP_NOT_FOUND);
  // An unknown level is the caller's bug, refused before anything is read.
  const bad = await outcome(w.as("nate").run((ctx) => guard.requireGroupLevel(ctx, w.ws as never, "admin" as never)));
  expect(bad).toEqual({ code: "INVALID_ARGUMENT", message: "unknown access level 'admin'" });
});

test("deleteDocument: the owner deletes the document and every grant on it, to users and groups; other documents keep theirs", async () => {
  const w = await world();
  expect(await w.grantsOn(w.docs.plan)).toEqual(["eddie:editor", "vic:viewer", "ws:commenter"]);
  expect(await w.remove("olive", w.docs.plan)).toEqual({ ok: { grantsRemoved: 3 } });
  expect(await w.exists(w.docs.plan)).toBe(false);
  expect(await w.grantsOn(w.docs.plan)).toEqual([]);
  expect(await w.grantsOn(w.docs.other)).toEqual(["vic:viewer"]);
  // Deleted: NOT_FOUND as for any missing document, to its former owner too.
  expect(await w.remove("olive", w.docs.plan)).toEqual(NOT_FOUND);
  expect(await w.remove("olive", w.docs.other)).toEqual({ ok: { grantsRemoved: 1 } });
  // A document without grants: 0 removed.
  const lone = await w.t.run((ctx) => ctx.db.insert("documents", { title: "lone", body: "", ownerId: w.u.olive!, visibility: "private" }));
  expect(await w.remove("olive", lone)).toEqual({ ok: { grantsRemoved: 0 } });
});

test("deleteDocument: an editor, a viewer, a group member, a folder's owner, an outsider and the signed out are refused, and nothing is deleted", async () => {
  const w = await world();
  // Fred owns a folder holding Olive's document: the owner level on it, inherited, is not enough.
  const inFolder = await w.t.run(async (ctx) => {
    const folderId = await ctx.db.insert("folders", { name: "f", ownerId: w.u.fred!, visibility: "private" });
    return await ctx.db.insert("documents", { title: "filed", body: "", ownerId: w.u.olive!, visibility: "private", folderId });
  });
  expect((await w.as("fred").query(api.documents.getSharedDocument, { id: inFolder }))?.accessLevel).toBe("owner");
  expect(await w.remove("fred", inFolder)).toEqual(NOT_OWNER);
  expect(await w.exists(inFolder)).toBe(true);
  for (const who of ["eddie", "vic", "lea"]) expect(await w.remove(who, w.docs.plan), who).toEqual(NOT_OWNER);
  expect(await w.remove("nate", w.docs.plan)).toEqual(NOT_FOUND);
  // Signed out, or signed in with no users row: UNAUTHENTICATED, as every write of the guard.
  expect(await w.remove(null, w.docs.plan)).toEqual(UNAUTH);
  expect(await w.remove("stranger", w.docs.plan)).toEqual(UNAUTH);
  // A malformed or other-table id: NOT_FOUND, as requireAccess answers, to the owner too.
  for (const id of ["not-an-id", w.u.olive!, w.ws]) expect(await w.remove("olive", id), id).toEqual(NOT_FOUND);
  expect(await w.exists(w.docs.plan)).toBe(true);
  expect(await w.grantsOn(w.docs.plan)).toEqual(["eddie:editor", "vic:viewer", "ws:commenter"]);
});

test("deleteDocument: no grant outlives the document, so a former grantee's listing reads none of them", async () => {
  const w = await world();
  const vic = w.as("vic");
  const page = (cursor: string | null) => vic.query(api.documents.listMine, { paginationOpts: { numItems: 1, cursor } });
  const titles = async () => {
    const out: { titles: string[]; pages: number } = { titles: [], pages: 0 };
    for (let cursor: string | null = null, done = false; !done; out.pages++) {
      const r = await page(cursor);
      out.titles.push(...r.page.map((d) => d.title));
      [cursor, done] = [r.continueCursor, r.isDone];
    }
    return out;
  };
  const before = await titles();
  expect(before.titles.sort()).toEqual(["other", "plan"]);
  // Deleted around the guard, its grants stay: Vic's listing still reads one, an empty page.
  const plain = await w.t.run(async (ctx) => {
    const id = await ctx.db.insert("documents", { title: "plain", body: "", ownerId: w.u.olive!, visibility: "private" });
    return id;
  });
  await w.as("olive").mutation(api.documents.shareDocument, { id: plain, userId: w.u.vic!, level: "viewer" });
  await w.t.run((ctx) => ctx.db.delete(plain));
  const leftOver = await titles();
  expect(leftOver.titles.sort()).toEqual(["other", "plan"]);
  expect(leftOver.pages).toBe(before.pages + 1);
  await w.t.run(async (ctx) => {
    for (const g of await ctx.db.query("accessGrants").withIndex("by_doc_and_user", (q) => q.eq("doc", plain)).collect()) await ctx.db.delete(g._id);
  });
  await w.remove("olive", w.docs.plan);
  // A page of one grant each: the deleted document's grant left behind would still be read, as
  // an empty page with isDone false. Gone with it, Vic's listing reads one page fewer.
  const after = await titles();
  expect(after.titles).toEqual(["other"]);
  expect(after.pages).toBe(before.pages - 1);
  // The grant rows Vic's listing reads, by its index: only the live document's.
  const vicGrants = await w.t.run(async (ctx) =>
    (await ctx.db.query("accessGrants").withIndex("by_user", (q) => q.eq("userId", w.u.vic!)).collect()).map((g) => g.doc),
  );
  expect(vicGrants).toEqual([w.docs.other]);
});

test("deleteDocument: the documents filed in a deleted folder stay, and lose only what they inherited through it", async () => {
  const w = await world();
  const { folder, child } = await w.t.run(async (ctx) => {
    const folder = await ctx.db.insert("folders", { name: "f", ownerId: w.u.olive!, visibility: "private" });
    const child = await ctx.db.insert("documents", { title: "child", body: "", ownerId: w.u.lea!, visibility: "private", folderId: folder });
    return { folder, child };
  });
  await w.as("olive").run((ctx) => guard.share(ctx, "folders", folder, { userId: w.u.vic!, level: "viewer" }));
  await w.as("lea").mutation(api.documents.shareDocument, { id: child, userId: w.u.eddie!, level: "editor" });
  const read = (who: string) => w.as(who).query(api.documents.getSharedDocument, { id: child });
  expect((await read("olive"))?.accessLevel).toBe("owner"); // the folder's owner, inherited
  expect((await read("vic"))?.accessLevel).toBe("viewer"); // the folder's grant, inherited
  expect(await outcome(w.as("olive").run((ctx) => guard.deleteDocument(ctx, "folders", folder)))).toEqual({ ok: 1 });
  expect(await read("olive")).toBeNull();
  expect(await read("vic")).toBeNull();
  // Its own owner and its own grants stay.
  expect((await read("lea"))?.accessLevel).toBe("owner");
  expect((await read("eddie"))?.accessLevel).toBe("editor");
  expect(await w.exists(child)).toBe(true);
});

test(`deleteDocument: a document holding more than ${MAX_GRANTS} grants is refused before anything is deleted; at the bound it goes`, async () => {
  const w = await world();
  const refused = {
    code: "INVALID_ARGUMENT",
    message: `This document holds more than ${MAX_GRANTS} grants, the most one deletion removes with it: revoke some first (listGrants, then revoke), then delete it`,
  };
  // Grants written in bulk, as the grants of many users would be (plan holds 3 already).
  const count = () => w.t.run(async (ctx) => (await ctx.db.query("accessGrants").withIndex("by_doc_and_user", (q) => q.eq("doc", w.docs.plan)).collect()).length);
  await w.t.run(async (ctx) => {
    for (let i = 3; i <= MAX_GRANTS; i++) {
      await ctx.db.insert("accessGrants", { table: "documents", doc: w.docs.plan, userId: `user${i}`, level: "viewer" });
    }
  });
  expect(await count()).toBe(MAX_GRANTS + 1);
  expect(await w.remove("olive", w.docs.plan)).toEqual(refused);
  expect(await w.exists(w.docs.plan)).toBe(true);
  expect(await count()).toBe(MAX_GRANTS + 1);
  // Refused to the owner only: anyone else learns nothing of how many grants it holds.
  expect(await w.remove("eddie", w.docs.plan)).toEqual(NOT_OWNER);
  expect(await w.remove("nate", w.docs.plan)).toEqual(NOT_FOUND);
  // One revoked: exactly the bound, deleted with the document.
  await w.as("olive").mutation(api.documents.revokeDocument, { id: w.docs.plan, userId: w.u.vic! });
  expect(await w.remove("olive", w.docs.plan)).toEqual({ ok: { grantsRemoved: MAX_GRANTS } });
  expect(await count()).toBe(0);
});
