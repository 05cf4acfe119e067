// Regression tests from a security review of the access layer, written from the attacker's
// side. Each one failed before its fix.
import { defineGuard, HOUR } from "convex-guard";
import { afterEach, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { guard } from "./guard";
import { newTest, outcome, type Outcome } from "./test.setup";

const ISSUER = "https://issuer.example";

// A guard whose share level sits below the level just under the owner's, so a sharer can see
// grants above their own level (the example's guard shares from "editor" only).
const lowShare = defineGuard({
  roles: ["user"],
  access: {
    levels: ["viewer", "commenter", "editor", "owner"],
    shareLevel: "commenter",
    tables: {
      folders: { owner: "ownerId", visibility: "visibility", parent: "parentId" },
      documents: { owner: "ownerId", visibility: "visibility", parent: "folderId", parentTable: "folders" },
    },
  },
});

async function setUp() {
  const t = newTest();
  const u: Record<string, Id<"users">> = {};
  for (const p of ["olive", "carl", "eddie", "mallory", "vic"]) {
    u[p] = await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p }));
  }
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  const doc = await t.run((ctx) =>
    ctx.db.insert("documents", { title: "d", body: "", ownerId: u.olive!, visibility: "private" }),
  );
  return { t, u, as, doc: doc as string };
}

afterEach(() => {
  vi.useRealTimers();
});

test("re-sharing cannot downgrade or expire a grant above the sharer's own level", async () => {
  const { u, as, doc } = await setUp();
  await as("olive").run((ctx) => lowShare.share(ctx, "documents", doc, { userId: u.carl!, level: "commenter" }));
  await as("olive").run((ctx) => lowShare.share(ctx, "documents", doc, { userId: u.eddie!, level: "editor" }));
  const denied = { code: "FORBIDDEN", message: "You cannot grant a level above your own" };
  // revoke refuses, and so must a share that would replace the grant
  expect(await outcome(as("carl").run((ctx) => lowShare.revoke(ctx, "documents", doc, { userId: u.eddie! })))).toEqual(denied);
  expect(
    await outcome(
      as("carl").run((ctx) =>
        // An expiry a moment away (one in the past is refused outright, INVALID_ARGUMENT).
        lowShare.share(ctx, "documents", doc, { userId: u.eddie!, level: "viewer", expiresAt: Date.now() + 1 }),
      ),
    ),
  ).toEqual(denied);
  const eddie = await as("eddie").run((ctx) => lowShare.readable(ctx, "documents", doc));
  expect(eddie?.accessLevel).toBe("editor");
});

test("an expiring grant cannot be made permanent by re-sharing to oneself", async () => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.UTC(2026, 0, 1));
  const { u, as, doc } = await setUp();
  await as("olive").run((ctx) =>
    guard.share(ctx, "documents", doc, { userId: u.eddie!, level: "editor", expiresAt: Date.now() + 3_600_000 }),
  );
  expect(
    await outcome(as("eddie").run((ctx) => guard.share(ctx, "documents", doc, { userId: u.eddie!, level: "editor" }))),
  ).toEqual({ code: "FORBIDDEN", message: "You cannot share a document with yourself" });
  vi.setSystemTime(Date.UTC(2026, 0, 2));
  expect(await as("eddie").run((ctx) => guard.readable(ctx, "documents", doc))).toBeNull();
});

test("readableMany answers the same whether a hidden document exists or not (no batch-size oracle)", async () => {
  const { t, u, as } = await setUp();
  // 1000 documents of her own fill the engine's batch if batches are sized by what was found.
  const mine = await t.run(async (ctx) => {
    const ids: string[] = [];
    for (let i = 0; i < 1000; i++) {
      ids.push(await ctx.db.insert("documents", { title: "m", body: "", ownerId: u.mallory!, visibility: "private" }));
    }
    return ids;
  });
  const hidden = await t.run((ctx) =>
    ctx.db.insert("documents", { title: "s", body: "", ownerId: u.olive!, visibility: "private" }),
  );
  const gone = await t.run(async (ctx) => {
    const id = await ctx.db.insert("documents", { title: "g", body: "", ownerId: u.olive!, visibility: "private" });
    await ctx.db.delete(id);
    return id;
  });
  const ask = (last: string) =>
    outcome(
      as("mallory").run(async (ctx) =>
        (await guard.readableMany(ctx, "documents", [...mine, last])).map((r) => r?.accessLevel ?? null),
      ),
    );
  const [withHidden, withGone] = [await ask(hidden), await ask(gone)];
  expect(withHidden).toEqual(withGone);
  expect(withHidden).toEqual({ ok: [...mine.map(() => "owner"), null] });
});

// ------------------------------------------------------------- no grant outlives its sharer

/** Olive owns `doc` (in her folder `folder`); Eddie holds editor on `doc` for one hour. */
async function expiring() {
  vi.useFakeTimers();
  vi.setSystemTime(Date.UTC(2026, 0, 1));
  const w = await setUp();
  const folder = (await w.t.run((ctx) =>
    ctx.db.insert("folders", { name: "f", ownerId: w.u.olive!, visibility: "private" }),
  )) as string;
  const inFolder = (await w.t.run((ctx) =>
    ctx.db.insert("documents", { title: "in", body: "", ownerId: w.u.olive!, visibility: "private", folderId: folder as never }),
  )) as string;
  const level = (who: string, id: string) =>
    w.as(who).run(async (ctx) => (await guard.readable(ctx, "documents", id))?.accessLevel ?? null);
  return { ...w, folder, inFolder, level };
}

test("an expiring editor cannot keep access by sharing with a group of their own", async () => {
  const { u, as, doc, level } = await expiring();
  const until = Date.now() + HOUR;
  await as("olive").run((ctx) => guard.share(ctx, "documents", doc, { userId: u.eddie!, level: "editor", expiresAt: until }));
  const mine = await as("eddie").run(async (ctx) => {
    const g = await guard.createGroup(ctx, "mine");
    await guard.addGroupMember(ctx, g, u.eddie!);
    await guard.share(ctx, "documents", doc, { groupId: g, level: "editor" }); // no expiry asked
    return g;
  });
  const row = await as("eddie").run((ctx) =>
    ctx.db.query("accessGrants").withIndex("by_doc_and_group", (q) => q.eq("doc", doc).eq("groupId", mine as never)).unique(),
  );
  expect(row?.expiresAt).toBe(until); // capped to his own grant
  vi.advanceTimersByTime(2 * HOUR);
  expect(await level("eddie", doc)).toBeNull();
  expect(await outcome(as("eddie").mutation(api.documents.updateDocument, { id: doc, body: "still here" }))).toEqual({
    code: "NOT_FOUND",
    message: "Document not found",
  });
});

test("a member cannot make their group's expiring grant permanent by re-sharing it to the group", async () => {
  const { u, as, doc, level } = await expiring();
  const team = await as("olive").run(async (ctx) => {
    const g = await guard.createGroup(ctx, "team");
    await guard.addGroupMember(ctx, g, u.eddie!);
    await guard.share(ctx, "documents", doc, { groupId: g, level: "editor", expiresAt: Date.now() + HOUR });
    return g;
  });
  await as("eddie").run((ctx) => guard.acceptGroupInvite(ctx, team));
  expect(await outcome(as("eddie").run((ctx) => guard.share(ctx, "documents", doc, { groupId: team, level: "editor" })))).toMatchObject({ ok: expect.any(String) });
  vi.advanceTimersByTime(2 * HOUR);
  expect(await level("eddie", doc)).toBeNull();
});

test("an expiring grant on a folder bounds what is shared inside it (and the folder itself)", async () => {
  const { u, as, folder, inFolder, level } = await expiring();
  await as("olive").run((ctx) => guard.share(ctx, "folders", folder, { userId: u.eddie!, level: "editor", expiresAt: Date.now() + HOUR }));
  expect(await level("eddie", inFolder)).toBe("editor"); // inherited
  await as("eddie").run(async (ctx) => {
    await guard.share(ctx, "documents", inFolder, { userId: u.mallory!, level: "editor", expiresAt: Date.now() + 100 * HOUR });
    await guard.share(ctx, "folders", folder, { userId: u.carl!, level: "viewer" });
  });
  expect(await level("mallory", inFolder)).toBe("editor");
  expect(await level("carl", inFolder)).toBe("viewer");
  vi.advanceTimersByTime(2 * HOUR);
  for (const who of ["eddie", "mallory", "carl"]) expect(await level(who, inFolder)).toBeNull();
});

// ------------------------------------------------------------- no oracle on other ids

test("revoke, share and transfer refuse a caller without the right alike, whatever the target id", async () => {
  const { t, u, as, doc } = await setUp();
  await as("olive").run((ctx) => guard.share(ctx, "documents", doc, { userId: u.vic!, level: "viewer" }));
  const group = await as("olive").run((ctx) => guard.createGroup(ctx, "g"));
  const deletedUser = await t.run(async (ctx) => {
    const id = await ctx.db.insert("users", { tokenIdentifier: "gone", name: "gone" });
    await ctx.db.delete(id);
    return id as string;
  });
  const deletedGroup = await t.run(async (ctx) => {
    const id = await ctx.db.insert("accessGroups", { name: "gone" });
    await ctx.db.delete(id);
    return id as string;
  });
  const targets = [
    { userId: u.olive! },
    { userId: deletedUser },
    { userId: "not-an-id" },
    { userId: doc }, // an id of another table
    { groupId: group },
    { groupId: deletedGroup },
    { groupId: "not-an-id" },
    {},
    { userId: u.olive!, groupId: group },
  ];
  const forbidden: Outcome = { code: "FORBIDDEN", message: "Your access level does not allow sharing" };
  const vic = as("vic");
  for (const target of targets) {
    const tg = target as { userId: Id<"users"> }; // past the types: the run time refuses alike
    expect(await outcome(vic.run((ctx) => guard.revoke(ctx, "documents", doc, tg))), JSON.stringify(target)).toEqual(forbidden);
    expect(await outcome(vic.run((ctx) => guard.share(ctx, "documents", doc, { ...tg, level: "viewer" }))), JSON.stringify(target)).toEqual(forbidden);
  }
  const notOwner: Outcome = { code: "FORBIDDEN", message: "Only the owner can transfer ownership" };
  for (const to of [u.olive!, deletedUser, "not-an-id", doc, group]) {
    expect(await outcome(vic.run((ctx) => guard.transferOwnership(ctx, "documents", doc, to as Id<"users">)))).toEqual(notOwner);
  }
  // A stranger sees neither the document nor anything about the targets.
  const notFound: Outcome = { code: "NOT_FOUND", message: "Document not found" };
  for (const target of targets) {
    const tg = target as { userId: Id<"users"> };
    expect(await outcome(as("mallory").run((ctx) => guard.revoke(ctx, "documents", doc, tg)))).toEqual(notFound);
  }
});

test("share refuses expiresAt: Infinity as it refuses NaN and -Infinity: never a permanent grant", async () => {
  // An attacker's review: Convex carries Infinity through v.number(), and an app that requires
  // an expiry ("guest links always expire") relied on the guard's check, which stored Infinity
  // as a grant that never expires while it refused NaN as "not a finite number".
  const { t, u, as, doc } = await setUp();
  const share = (expiresAt: number) =>
    outcome(as("olive").mutation(api.documents.shareDocument, { id: doc, userId: u.carl!, level: "viewer", expiresAt }));
  const notATime: Outcome = {
    code: "INVALID_ARGUMENT",
    message: "expiresAt must be a finite number of milliseconds from 0 to 8640000000000000",
  };
  for (const expiresAt of [NaN, -Infinity, Infinity]) expect(await share(expiresAt), String(expiresAt)).toEqual(notATime);
  expect(await t.run((ctx) => ctx.db.query("accessGrants").collect())).toEqual([]);
  // The pure decision says the same; no expiry asked for is what never expires.
  const facts = { now: Date.now(), caller: u.olive!, groups: [], documents: [{ id: "d", owner: u.olive!, visibility: "private" as const, parent: null, grants: [] }] };
  expect(() => guard.resolveShare(facts, { id: "d", level: "viewer", expiresAt: Infinity })).toThrow(notATime.message);
  expect(guard.resolveShare(facts, { id: "d", level: "viewer" })).toEqual({ ok: true });
});

test("listAccessible lists a document once after one of the caller's groups is deleted", async () => {
  // Vic belongs to two groups, both granted the document. Deleting the first group's row (the
  // README's recipe) left its membership and grant rows: its phase listed the document
  // (readable through the second group) and the second group's phase, not seeing the dead
  // group's grant among the facts, listed it again.
  const { t, u, as, doc } = await setUp();
  const groups: string[] = [];
  for (const name of ["first", "second"]) {
    const { groupId } = await as("olive").mutation(api.groups.createGroup, { name });
    await as("olive").mutation(api.groups.addMember, { groupId, userId: u.vic! });
    await as("vic").mutation(api.groups.acceptInvite, { groupId });
    await as("olive").mutation(api.documents.shareDocument, { id: doc as never, groupId, level: "viewer" });
    groups.push(groupId);
  }
  const listAll = async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const p = await as("vic").run((ctx) => guard.listAccessible(ctx, "documents", { paginationOpts: { numItems: 10, cursor } }));
      ids.push(...p.page.map((r) => r.doc._id));
      if (p.isDone) break;
      cursor = p.continueCursor;
    }
    return ids;
  };
  expect(await listAll()).toEqual([doc]);
  const { page } = await as("vic").query(api.groups.listMyGroups, { paginationOpts: { numItems: 10, cursor: null } });
  await t.run((ctx) => ctx.db.delete(page[0]!.groupId as never));
  expect(await listAll()).toEqual([doc]);
  // With the second group deleted as well, nothing reaches it.
  await t.run((ctx) => ctx.db.delete(page[1]!.groupId as never));
  expect(await listAll()).toEqual([]);
  expect(groups).toHaveLength(2);
});

test("share stores the level it decided: a getter cannot swap it for the owner level afterwards", async () => {
  const { t, u, as, doc } = await setUp();
  await as("olive").run((ctx) => guard.share(ctx, "documents", doc as never, { userId: u.eddie!, level: "editor" }));
  let reads = 0;
  const grant = {
    userId: u.mallory!,
    get level() {
      return reads++ === 0 ? "editor" : "owner";
    },
  };
  const shared = await outcome(as("eddie").run((ctx) => guard.share(ctx, "documents", doc as never, grant as never)));
  const levels = (await t.run((ctx) => ctx.db.query("accessGrants").collect())).filter((g) => g.userId === u.mallory).map((g) => g.level);
  expect(shared).toHaveProperty("ok");
  expect(levels).toEqual(["editor"]);
  expect(reads).toBe(1);
  expect(await as("mallory").run((ctx) => guard.readable(ctx, "documents", doc as never))).toMatchObject({ accessLevel: "editor" });
});

// lowShare's configuration after "commenter" was renamed "reviewer": the rows lowShare stored
// at "commenter" name a level this guard no longer has.
const renamed = defineGuard({
  roles: ["user"],
  access: {
    levels: ["viewer", "reviewer", "editor", "owner"],
    shareLevel: "reviewer",
    tables: {
      folders: { owner: "ownerId", visibility: "visibility", parent: "parentId" },
      documents: { owner: "ownerId", visibility: "visibility", parent: "folderId", parentTable: "folders" },
    },
  },
});

test("a stored grant whose level is no longer configured gives nothing and throws nothing; every other path still works", async () => {
  const { t, u, as, doc } = await setUp();
  const folder = await t.run((ctx) => ctx.db.insert("folders", { name: "f", ownerId: u.olive!, visibility: "private" }));
  const inside = await t.run((ctx) =>
    ctx.db.insert("documents", { title: "i", body: "", ownerId: u.olive!, visibility: "private", folderId: folder }),
  );
  const open = await t.run((ctx) => ctx.db.insert("documents", { title: "o", body: "", ownerId: u.olive!, visibility: "public" }));
  // Stored at "commenter" while it was configured: carl on all three, eddie on the folder too.
  for (const id of [doc, inside as string, open as string]) {
    await as("olive").run((ctx) => lowShare.share(ctx, "documents", id, { userId: u.carl!, level: "commenter" }));
  }
  await as("olive").run((ctx) => lowShare.share(ctx, "folders", folder, { userId: u.carl!, level: "editor" }));
  // Only the stale grant: nothing, and no error (not INVALID_ARGUMENT) on reads or checks.
  expect(await as("carl").run((ctx) => renamed.readable(ctx, "documents", doc))).toBeNull();
  expect(await outcome(as("carl").run((ctx) => renamed.requireAccess(ctx, "documents", doc, "viewer")))).toMatchObject({ code: "NOT_FOUND" });
  // The folder above and public visibility still give their levels.
  expect((await as("carl").run((ctx) => renamed.readable(ctx, "documents", inside)))?.accessLevel).toBe("editor");
  expect((await as("carl").run((ctx) => renamed.readable(ctx, "documents", open)))?.accessLevel).toBe("viewer");
  const many = await as("carl").run((ctx) => renamed.readableMany(ctx, "documents", [doc, inside, open]));
  expect(many.map((r) => r?.accessLevel ?? null)).toEqual([null, "editor", "viewer"]);
  // The owner sees it listed with no level (null, as listMyGroups lists a stale membership),
  // and can still remove it; afterwards the answers are the same.
  const page = { paginationOpts: { numItems: 10, cursor: null } };
  const listed = await as("olive").run((ctx) => renamed.listGrants(ctx, "documents", doc, page));
  expect(listed.page.map((g) => [g.userId, g.level])).toEqual([[u.carl, null]]);
  await as("olive").run((ctx) => renamed.revoke(ctx, "documents", doc, { userId: u.carl! }));
  expect(await as("carl").run((ctx) => renamed.readable(ctx, "documents", doc))).toBeNull();
});

test("a stored grant at the owner's level (written around the guard) can still be revoked by the owner", async () => {
  // An attacker's review: no grant may carry the owner level, so removing it took a share
  // decision no one passes (FORBIDDEN to the owner too): only a raw delete removed it.
  const { t, u, as, doc } = await setUp();
  await t.run((ctx) => ctx.db.insert("accessGrants", { table: "documents", doc, userId: u.carl!, level: "owner" }));
  expect(await outcome(as("olive").run((ctx) => guard.revoke(ctx, "documents", doc, { userId: u.carl! })))).toEqual({ ok: true });
  expect(await t.run((ctx) => ctx.db.query("accessGrants").collect())).toEqual([]);
});

test("a membership whose level is no longer configured gives no level on the group; the member still counts for grants to it", async () => {
  const { t, u, as, doc } = await setUp();
  const group = await as("olive").run((ctx) => lowShare.createGroup(ctx, "team"));
  // Stored at "commenter" while it was configured (written directly: an accepted membership).
  await t.run((ctx) => ctx.db.insert("accessGroupMembers", { groupId: group, userId: u.carl!, level: "commenter" }));
  await as("olive").run((ctx) => lowShare.share(ctx, "documents", doc, { groupId: group, level: "editor" }));
  const page = { paginationOpts: { numItems: 10, cursor: null } };
  const mine = await as("carl").run((ctx) => renamed.listMyGroups(ctx, page));
  expect(mine.page.map((g) => [g.groupId, g.level, g.invited])).toEqual([[group, null, false]]);
  // No level on the group (not the lowest one): it is not found to him, as to a stranger.
  expect(
    await outcome(as("carl").run((ctx) => renamed.addGroupMember(ctx, group, u.eddie!))),
  ).toMatchObject({ code: "NOT_FOUND" });
  // The grant to the group still reaches him, and the owner can still remove him.
  expect((await as("carl").run((ctx) => renamed.readable(ctx, "documents", doc)))?.accessLevel).toBe("editor");
  await as("olive").run((ctx) => renamed.removeGroupMember(ctx, group, u.carl!));
  expect(await as("carl").run((ctx) => renamed.readable(ctx, "documents", doc))).toBeNull();
});

type Page = { page: { doc: { _id: string }; accessLevel: string }[]; isDone: boolean; continueCursor: string };

/** Every page of a listing (`listAccessible`), as `[id, level]` pairs. */
async function everyPage(list: (paginationOpts: { numItems: number; cursor: string | null }) => Promise<Page>) {
  const out: [string, string][] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 20; pages++) {
    const p = await list({ numItems: 10, cursor });
    out.push(...p.page.map((r) => [r.doc._id, r.accessLevel] as [string, string]));
    if (p.isDone) return out;
    cursor = p.continueCursor;
  }
  throw new Error("the listing did not end in 20 pages");
}

// The example's levels after "owner" was dropped: "editor", a level grants were stored at, is
// now the owner's (the last of the list).
const ownerDropped = defineGuard({
  roles: ["user"],
  access: {
    levels: ["viewer", "commenter", "editor"],
    tables: {
      folders: { owner: "ownerId", visibility: "visibility", parent: "parentId" },
      documents: { owner: "ownerId", visibility: "visibility", parent: "folderId", parentTable: "folders" },
    },
  },
});

test("a stored grant at the owner's level gives nothing and refuses nothing: the grantee's reads and listings work", async () => {
  // An attacker's review: one such row (written around the guard) refused the whole engine
  // batch (INVALID_ARGUMENT) of every read of the grantee's that reached the document, so a
  // bad row broke their readableMany and listAccessible, not only that document.
  const { t, u, as, doc } = await setUp();
  const other = await t.run((ctx) =>
    ctx.db.insert("documents", { title: "o", body: "", ownerId: u.olive!, visibility: "private" }),
  );
  await t.run((ctx) => ctx.db.insert("accessGrants", { table: "documents", doc, userId: u.carl!, level: "owner" }));
  await as("olive").run((ctx) => guard.share(ctx, "documents", other, { userId: u.carl!, level: "editor" }));
  expect(await as("carl").run((ctx) => guard.readable(ctx, "documents", doc as never))).toBeNull();
  expect(await outcome(as("carl").run((ctx) => guard.requireAccess(ctx, "documents", doc as never, "viewer")))).toMatchObject({
    code: "NOT_FOUND",
  });
  const many = await as("carl").run((ctx) => guard.readableMany(ctx, "documents", [doc as never, other]));
  expect(many.map((r) => r?.accessLevel ?? null)).toEqual([null, "editor"]);
  const page = { paginationOpts: { numItems: 10, cursor: null } };
  const listed = await everyPage((paginationOpts) => as("carl").run((ctx) => guard.listAccessible(ctx, "documents", { paginationOpts })));
  expect(listed).toEqual([[other, "editor"]]);
  // It gives no right to share either: he cannot see the document.
  expect(
    await outcome(as("carl").run((ctx) => guard.share(ctx, "documents", doc as never, { userId: u.eddie!, level: "viewer" }))),
  ).toMatchObject({ code: "NOT_FOUND" });
  // The owner sees it listed with no level (null: it gives nothing, as a stale grant), and
  // can still revoke it.
  const grants = await as("olive").run((ctx) => guard.listGrants(ctx, "documents", doc as never, page));
  expect(grants.page.map((g) => [g.userId, g.level])).toEqual([[u.carl, null]]);
  expect(await outcome(as("olive").run((ctx) => guard.revoke(ctx, "documents", doc as never, { userId: u.carl! })))).toEqual({
    ok: true,
  });
});

test("a stored grant whose expiresAt is no time gives nothing and refuses nothing: the grantee's reads and listings work", async () => {
  // An attacker's review: an app that wrote a grant with expiresAt -1 ("expire now") or
  // Number.MAX_VALUE ("never") around the guard made every read of the grantee's that reached
  // the document INVALID_ARGUMENT (readableMany, every listAccessible page), beside a grant
  // that was fine; and 1e300 would have been read as "never" had it passed.
  const { t, u, as, doc } = await setUp();
  const other = await t.run((ctx) =>
    ctx.db.insert("documents", { title: "o", body: "", ownerId: u.olive!, visibility: "private" }),
  );
  await as("olive").run((ctx) => guard.share(ctx, "documents", other, { userId: u.carl!, level: "editor" }));
  for (const expiresAt of [-1, Number.MAX_VALUE, Number.NaN]) {
    const grant = await t.run((ctx) => ctx.db.insert("accessGrants", { table: "documents", doc, userId: u.carl!, level: "editor", expiresAt }));
    expect(await as("carl").run((ctx) => guard.readable(ctx, "documents", doc as never)), String(expiresAt)).toBeNull();
    const many = await as("carl").run((ctx) => guard.readableMany(ctx, "documents", [doc as never, other]));
    expect(many.map((r) => r?.accessLevel ?? null), String(expiresAt)).toEqual([null, "editor"]);
    const listed = await everyPage((paginationOpts) => as("carl").run((ctx) => guard.listAccessible(ctx, "documents", { paginationOpts })));
    expect(listed, String(expiresAt)).toEqual([[other, "editor"]]);
    await t.run((ctx) => ctx.db.delete(grant));
  }
});

test("a stored grant whose level became the owner's when the levels changed gives nothing; reads and listings still work", async () => {
  const { u, as, doc } = await setUp();
  await as("olive").run((ctx) => guard.share(ctx, "documents", doc as never, { userId: u.carl!, level: "editor" }));
  const page = { paginationOpts: { numItems: 10, cursor: null } };
  expect(await as("carl").run((ctx) => ownerDropped.readable(ctx, "documents", doc))).toBeNull();
  const listed = await everyPage((paginationOpts) =>
    as("carl").run((ctx) => ownerDropped.listAccessible(ctx, "documents", { paginationOpts })),
  );
  expect(listed).toEqual([]);
  // The owner holds "editor" now (the top level) and sees the grant with no level.
  expect((await as("olive").run((ctx) => ownerDropped.readable(ctx, "documents", doc)))?.accessLevel).toBe("editor");
  const grants = await as("olive").run((ctx) => ownerDropped.listGrants(ctx, "documents", doc, page));
  expect(grants.page.map((g) => [g.userId, g.level])).toEqual([[u.carl, null]]);
  // Under the levels it was made with, it is the editor grant it was.
  expect((await as("carl").run((ctx) => guard.readable(ctx, "documents", doc as never)))?.accessLevel).toBe("editor");
});

test("a membership stored at the owner's level gives no level on the group (as a stale one); the member still counts for grants to it", async () => {
  // It gave the lowest level before, though no membership may carry the owner's: now the same
  // rule as a grant's on a document.
  const { t, u, as, doc } = await setUp();
  const group = await as("olive").run((ctx) => guard.createGroup(ctx, "team"));
  await t.run((ctx) => ctx.db.insert("accessGroupMembers", { groupId: group, userId: u.carl!, level: "owner" }));
  await as("olive").run((ctx) => guard.share(ctx, "documents", doc as never, { groupId: group, level: "editor" }));
  const page = { paginationOpts: { numItems: 10, cursor: null } };
  const mine = await as("carl").run((ctx) => guard.listMyGroups(ctx, page));
  expect(mine.page.map((g) => [g.groupId, g.level, g.invited])).toEqual([[group, null, false]]);
  // No level on the group: it is not found to him, as to a stranger.
  expect(await outcome(as("carl").run((ctx) => guard.addGroupMember(ctx, group, u.eddie!)))).toMatchObject({ code: "NOT_FOUND" });
  expect((await as("carl").run((ctx) => guard.readable(ctx, "documents", doc as never)))?.accessLevel).toBe("editor");
  // Added again with no level, he gets the lowest (never the owner's his row named).
  await as("olive").run((ctx) => guard.addGroupMember(ctx, group, u.carl!));
  const rows = await t.run((ctx) => ctx.db.query("accessGroupMembers").collect());
  expect(rows.map((r) => [r.userId, r.level])).toEqual([[u.carl, "viewer"]]);
});
