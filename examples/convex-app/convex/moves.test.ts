// Moving a document or a folder (guard.moveDocument, through convex/documents.ts moveDocument
// and moveFolder). The parent field carries access: the owner of a folder holds the owner level
// on what is in it. An attacker's review found that an "organize" mutation checked at editor
// let an expiring or revoked editor keep the owner level for good, and a folder's editor lock
// its owner out with a loop. The attacker's side first, then the owner's moves.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { defineGuard, HOUR } from "convex-guard";
import { api } from "./_generated/api";
import { guard } from "./guard";
import { newTest, outcome, type Outcome } from "./test.setup";

const ISSUER = "https://issuer.example";
const T0 = Date.UTC(2026, 0, 1);
const MOVED: Outcome = { ok: { moved: true } };
const NOT_FOUND: Outcome = { code: "NOT_FOUND", message: "Document not found" };
const NOT_OWNER: Outcome = { code: "FORBIDDEN", message: "Only the owner can move a document" };
const DESTINATION: Outcome = { code: "FORBIDDEN", message: "Access level 'editor' or higher on the destination required to move a document into it" };
const LOOP: Outcome = {
  code: "INVALID_ARGUMENT",
  message: "A document cannot be moved into itself or below itself: that would make a loop",
};
const page = { numItems: 10, cursor: null };

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

/** Users olga, ed, mal, bob, fred, vic; `doc` is Olga's, private, in no folder. */
async function world() {
  const t = newTest();
  const u: Record<string, string> = {};
  for (const p of ["olga", "ed", "mal", "bob", "fred", "vic"]) {
    u[p] = await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p }));
  }
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  const folder = (owner: string, name: string, parentId?: string) =>
    t.run((ctx) => ctx.db.insert("folders", { name, ownerId: u[owner] as never, visibility: "private", parentId: parentId as never }));
  const doc = await t.run((ctx) =>
    ctx.db.insert("documents", { title: "plan", body: "secret", ownerId: u.olga as never, visibility: "private" }),
  );
  /** A grant on a folder, written as guard.share writes it (the example exposes documents only). */
  const grantFolder = (id: string, to: string, level: string, expiresAt?: number) =>
    t.run((ctx) => ctx.db.insert("accessGrants", { table: "folders", doc: id, userId: u[to], level, expiresAt, grantedBy: u.olga }));
  const share = (who: string, id: string, to: string, level: "viewer" | "commenter" | "editor", expiresAt?: number) =>
    as(who).mutation(api.documents.shareDocument, { id, userId: u[to], level, expiresAt });
  const move = (who: string, id: string, folderId: string | null) => outcome(as(who).mutation(api.documents.moveDocument, { id, folderId }));
  const moveFolder = (who: string, id: string, parentId: string | null) =>
    outcome(as(who).mutation(api.documents.moveFolder, { id, parentId }));
  /** Each person's level on a document or folder (null: none). */
  const levels = async (table: "documents" | "folders", id: string, people: readonly string[]) => {
    const out: Record<string, string | null> = {};
    for (const p of people) out[p] = (await as(p).run((ctx) => guard.readable(ctx, table, id)))?.accessLevel ?? null;
    return out;
  };
  const parentOf = (id: string) =>
    t.run(async (ctx) => {
      const row = (await ctx.db.get(id as never)) as { folderId?: string; parentId?: string } | null;
      return row?.folderId ?? row?.parentId ?? null;
    });
  return { t, u, as, doc, folder, grantFolder, share, move, moveFolder, levels, parentOf };
}

describe("the attacker's side: the parent field is written only by the document's owner", () => {
  test("an expiring editor cannot file the document into her own folder, so her access (and her accomplice's) ends on time", async () => {
    const { u, as, doc, folder, share, move, levels, parentOf } = await world();
    await share("olga", doc, "ed", "editor", T0 + HOUR);
    const mine = await folder("ed", "mine");
    vi.advanceTimersByTime(1000);
    expect(await move("ed", doc, mine)).toEqual(NOT_OWNER);
    expect(await parentOf(doc)).toBeNull();
    // Sharing while his grant is live: capped to it, as before.
    await share("ed", doc, "mal", "editor");
    vi.advanceTimersByTime(2 * HOUR);
    expect(await levels("documents", doc, ["ed", "mal"])).toEqual({ ed: null, mal: null });
    const grants = await as("olga").query(api.documents.listDocumentGrants, { id: doc, paginationOpts: page });
    expect(grants.page.find((g) => g.userId === u.mal)?.expiresAt).toBe(T0 + HOUR);
  });

  test("a revoked editor cannot have filed it either: revoking ends her access", async () => {
    const { u, as, doc, folder, share, move, levels } = await world();
    await share("olga", doc, "ed", "editor");
    const mine = await folder("ed", "mine");
    expect(await move("ed", doc, mine)).toEqual(NOT_OWNER);
    expect(await as("olga").mutation(api.documents.revokeDocument, { id: doc, userId: u.ed })).toEqual({ revoked: true });
    expect(await levels("documents", doc, ["ed"])).toEqual({ ed: null });
  });

  test("a folder's editor cannot move the owner's folder, so no loop locks the owner out", async () => {
    const { doc, folder, grantFolder, move, moveFolder, levels, parentOf } = await world();
    const team = await folder("olga", "team");
    expect(await move("olga", doc, team)).toEqual(MOVED);
    await grantFolder(team, "ed", "editor");
    const mine = await folder("ed", "mine");
    expect(await moveFolder("ed", team, mine)).toEqual(NOT_OWNER); // team under mine: not his
    // His own folder under team: his to move, and team is his to share into. No loop: team is
    // not under mine. Olga now holds the owner level on it, by his choice.
    expect(await moveFolder("ed", mine, team)).toEqual(MOVED);
    expect(await moveFolder("ed", team, mine)).toEqual(NOT_OWNER);
    expect(await parentOf(team)).toBeNull();
    expect(await levels("documents", doc, ["olga", "ed"])).toEqual({ olga: "owner", ed: "editor" });
    expect(await levels("folders", mine, ["olga", "ed"])).toEqual({ olga: "owner", ed: "owner" });
  });

  test("a folder owner holds the owner level on what is in it, yet cannot move it away or out", async () => {
    const { doc, folder, grantFolder, move, moveFolder, levels, parentOf } = await world();
    const bobs = await folder("bob", "bob's");
    await grantFolder(bobs, "olga", "editor");
    expect(await move("olga", doc, bobs)).toEqual(MOVED); // Olga's choice: Bob now owns it too
    expect(await levels("documents", doc, ["bob"])).toEqual({ bob: "owner" });
    const elsewhere = await folder("bob", "elsewhere");
    expect(await move("bob", doc, elsewhere)).toEqual(NOT_OWNER);
    expect(await move("bob", doc, null)).toEqual(NOT_OWNER);
    expect(await parentOf(doc)).toBe(bobs);
    // Nor a folder of Olga's inside his.
    const hers = await folder("olga", "hers", bobs);
    expect(await moveFolder("bob", hers, null)).toEqual(NOT_OWNER);
  });

  test("a non-owner learns nothing about the destination: the same refusal for a real, missing or malformed one", async () => {
    const { t, doc, folder, share, move } = await world();
    await share("olga", doc, "ed", "editor");
    const mine = await folder("ed", "mine");
    const gone = await folder("ed", "gone");
    await t.run((ctx) => ctx.db.delete(gone as never));
    for (const dest of [mine, gone, "not-an-id", doc, null]) expect(await move("ed", doc, dest)).toEqual(NOT_OWNER);
    // A stranger: the document itself is not found, whatever the destination.
    for (const dest of [mine, gone, null]) expect(await move("mal", doc, dest)).toEqual(NOT_FOUND);
  });

  test("the owner cannot probe: a destination she cannot see is NOT_FOUND, as a missing, malformed or other-table id", async () => {
    const { t, u, doc, folder, move, parentOf } = await world();
    const hidden = await folder("bob", "hidden");
    const gone = await folder("olga", "gone");
    await t.run((ctx) => ctx.db.delete(gone as never));
    const otherDoc = await t.run((ctx) =>
      ctx.db.insert("documents", { title: "x", body: "", ownerId: u.olga as never, visibility: "private" }),
    );
    for (const dest of [hidden, gone, "not-an-id", otherDoc, u.olga!]) expect(await move("olga", doc, dest)).toEqual(NOT_FOUND);
    expect(await parentOf(doc)).toBeNull();
  });

  test("seeing the destination is not enough: filing into it takes the share level on it", async () => {
    const { doc, folder, grantFolder, move, parentOf } = await world();
    const bobs = await folder("bob", "bob's");
    await grantFolder(bobs, "olga", "commenter");
    expect(await move("olga", doc, bobs)).toEqual(DESTINATION);
    await grantFolder(bobs, "olga", "editor"); // the share level (a second row: the highest counts)
    expect(await move("olga", doc, bobs)).toEqual(MOVED);
    expect(await parentOf(doc)).toBe(bobs);
  });

  test("the owner field too: an editor cannot make herself the owner (transferOwnership), nor move", async () => {
    const { u, as, doc, share, move } = await world();
    await share("olga", doc, "ed", "editor");
    expect(await outcome(as("ed").mutation(api.documents.transferDocument, { id: doc, newOwnerId: u.ed! }))).toEqual({
      code: "FORBIDDEN",
      message: "Only the owner can transfer ownership",
    });
    expect(await move("ed", doc, null)).toEqual(NOT_OWNER);
  });

  test("signed out: UNAUTHENTICATED, from the guard itself too", async () => {
    const { t, doc } = await world();
    expect(await outcome(t.run((ctx) => guard.moveDocument(ctx, "documents", doc, null)))).toEqual({
      code: "UNAUTHENTICATED",
      message: "Authentication required",
    });
  });
});

describe("loops are refused", () => {
  test("a folder into itself, its child or its grandchild: INVALID_ARGUMENT, nothing written", async () => {
    const { folder, moveFolder, levels, parentOf } = await world();
    const a = await folder("olga", "a");
    const b = await folder("olga", "b", a);
    const c = await folder("olga", "c", b);
    for (const dest of [a, b, c]) expect(await moveFolder("olga", a, dest)).toEqual(LOOP);
    expect(await moveFolder("olga", b, c)).toEqual(LOOP);
    expect([await parentOf(a), await parentOf(b), await parentOf(c)]).toEqual([null, a, b]);
    expect(await levels("folders", c, ["olga"])).toEqual({ olga: "owner" });
  });

  test("through a folder of someone else's between them, and as far up as the guard reads (8 steps)", async () => {
    const { folder, grantFolder, moveFolder, parentOf } = await world();
    // Olga's `top`, Bob's `mid` under it, Olga's chain of 7 under that: the deepest is 8 below `top`.
    const top = await folder("olga", "top");
    const mid = await folder("bob", "mid", top);
    let deepest = mid;
    for (let i = 0; i < 7; i++) deepest = await folder("olga", `f${i}`, deepest);
    await grantFolder(mid, "olga", "editor");
    expect(await moveFolder("olga", top, deepest)).toEqual(LOOP);
    expect(await moveFolder("olga", top, mid)).toEqual(LOOP);
    // Nor Bob his `mid` under what is below it (his inherited owner level there lets him share it).
    expect(await moveFolder("bob", mid, deepest)).toEqual(LOOP);
    expect(await parentOf(top)).toBeNull();
    expect(await parentOf(mid)).toBe(top);
  });
});

describe("the owner's moves", () => {
  test("into her own folder, between folders, out of every folder: who inherits follows the folder", async () => {
    const { u, as, doc, folder, grantFolder, share, move, levels, parentOf } = await world();
    await share("olga", doc, "vic", "viewer");
    const work = await folder("olga", "work");
    await grantFolder(work, "fred", "editor");
    const bobs = await folder("bob", "bob's");
    await grantFolder(bobs, "olga", "editor");
    await grantFolder(bobs, "mal", "commenter");
    const people = ["olga", "vic", "fred", "bob", "mal"] as const;

    expect(await move("olga", doc, work)).toEqual(MOVED);
    expect(await parentOf(doc)).toBe(work);
    expect(await levels("documents", doc, people)).toEqual({ olga: "owner", vic: "viewer", fred: "editor", bob: null, mal: null });

    expect(await move("olga", doc, bobs)).toEqual(MOVED);
    expect(await parentOf(doc)).toBe(bobs);
    // Bob owns the folder, so the owner level on what is in it; Fred's editor came from `work`.
    expect(await levels("documents", doc, people)).toEqual({ olga: "owner", vic: "viewer", fred: null, bob: "owner", mal: "commenter" });
    // Bob's owner level is inherited: he may share it, not transfer or move it.
    expect(await move("bob", doc, null)).toEqual(NOT_OWNER);

    expect(await move("olga", doc, null)).toEqual(MOVED);
    expect(await parentOf(doc)).toBeNull();
    expect(await levels("documents", doc, people)).toEqual({ olga: "owner", vic: "viewer", fred: null, bob: null, mal: null });
    // The direct grant stayed through every move.
    const grants = await as("olga").query(api.documents.listDocumentGrants, { id: doc, paginationOpts: page });
    expect(grants.page.map((g) => [g.userId, g.level])).toEqual([[u.vic, "viewer"]]);
  });

  test("the mover gains nothing: an expiring grant on the destination ends on time, and her level nowhere rises", async () => {
    const { doc, folder, grantFolder, move, levels } = await world();
    const bobs = await folder("bob", "bob's");
    await grantFolder(bobs, "olga", "editor", T0 + HOUR);
    const inside = await folder("bob", "inside", bobs);
    expect(await move("olga", doc, inside)).toEqual(MOVED);
    expect(await levels("folders", bobs, ["olga"])).toEqual({ olga: "editor" });
    expect(await levels("folders", inside, ["olga"])).toEqual({ olga: "editor" });
    vi.advanceTimersByTime(2 * HOUR);
    expect(await levels("folders", bobs, ["olga"])).toEqual({ olga: null });
    expect(await levels("folders", inside, ["olga"])).toEqual({ olga: null });
    expect(await levels("documents", doc, ["olga", "bob"])).toEqual({ olga: "owner", bob: "owner" });
    // And she can still take her document back out.
    expect(await move("olga", doc, null)).toEqual(MOVED);
    expect(await levels("documents", doc, ["bob"])).toEqual({ bob: null });
  });

  test("a grant made through the old folder stays after the move (grants are not chained): the owner sees and revokes it", async () => {
    const { u, as, doc, folder, grantFolder, share, move, levels } = await world();
    const team = await folder("olga", "team");
    await grantFolder(team, "ed", "editor");
    expect(await move("olga", doc, team)).toEqual(MOVED);
    await share("ed", doc, "mal", "viewer"); // Ed's inherited editor lets him share
    expect(await move("olga", doc, null)).toEqual(MOVED);
    expect(await levels("documents", doc, ["ed", "mal"])).toEqual({ ed: null, mal: "viewer" });
    const grants = await as("olga").query(api.documents.listDocumentGrants, { id: doc, paginationOpts: page });
    expect(grants.page.map((g) => [g.userId, g.grantedBy])).toEqual([[u.mal, u.ed]]);
    expect(await as("olga").mutation(api.documents.revokeDocument, { id: doc, userId: u.mal })).toEqual({ revoked: true });
    expect(await levels("documents", doc, ["mal"])).toEqual({ mal: null });
  });

  test("moving a folder moves what is in it: its new folder's holders inherit on its contents", async () => {
    const { doc, folder, grantFolder, move, moveFolder, levels } = await world();
    const work = await folder("olga", "work");
    expect(await move("olga", doc, work)).toEqual(MOVED);
    const bobs = await folder("bob", "bob's");
    await grantFolder(bobs, "olga", "editor");
    expect(await moveFolder("olga", work, bobs)).toEqual(MOVED);
    expect(await levels("documents", doc, ["olga", "bob"])).toEqual({ olga: "owner", bob: "owner" });
    expect(await moveFolder("olga", work, null)).toEqual(MOVED);
    expect(await levels("documents", doc, ["bob"])).toEqual({ bob: null });
  });

  test("creating a document in a folder: insert it without the folder, then move it, in one mutation", async () => {
    const { as, folder, levels } = await world();
    const work = await folder("olga", "work");
    const bobs = await folder("bob", "bob's");
    const create = (folderId: string) =>
      outcome(
        as("olga").run(async (ctx) => {
          const me = await guard.requireUser(ctx);
          const id = await ctx.db.insert("documents", { title: "new", body: "", ownerId: me._id as never, visibility: "private" });
          await guard.moveDocument(ctx, "documents", id, folderId);
          return id;
        }),
      );
    const made = (await create(work)) as { ok: string };
    expect(await levels("documents", made.ok, ["olga"])).toEqual({ olga: "owner" });
    expect(await create(bobs)).toEqual(NOT_FOUND);
  });

  test("a table without a parent field has nothing to move: INVALID_ARGUMENT, for every caller", async () => {
    const { as, doc } = await world();
    const flat = defineGuard({ roles: ["user"], access: { tables: { documents: { owner: "ownerId" } } } });
    for (const who of [as("olga"), as("mal")]) {
      expect(await outcome(who.run((ctx) => flat.moveDocument(ctx, "documents", doc, null)))).toEqual({
        code: "INVALID_ARGUMENT",
        message: "access.tables.documents has no parent field: its documents cannot be moved",
      });
    }
  });
});
