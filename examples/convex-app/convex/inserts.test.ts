// Creating a document under a parent (guard.insertDocument, through convex/documents.ts
// createDocument). The parent field carries access, so a new document's folder takes what a
// move's destination takes: a new user found that "check viewer, then ctx.db.insert with the
// parent" let a viewer file a transaction into an account they only view. The attacker's side
// first, then the happy path and who inherits.
import { describe, expect, test } from "vitest";
import { defineGuard } from "convex-guard";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { guard } from "./guard";
import { newTest, outcome, type Outcome } from "./test.setup";

const ISSUER = "https://issuer.example";
const NOT_FOUND: Outcome = { code: "NOT_FOUND", message: "Document not found" };
const DESTINATION: Outcome = { code: "FORBIDDEN", message: "Access level 'editor' or higher on the parent required to create a document under it" };
const NOT_OWNER: Outcome = { code: "FORBIDDEN", message: "You can only create a document you own" };
const UNAUTHENTICATED: Outcome = { code: "UNAUTHENTICATED", message: "Authentication required" };
const NOT_OBJECT: Outcome = { code: "INVALID_ARGUMENT", message: "insertDocument takes the new document as an object" };

/** Users olga, ed, vic, cam, mal; Olga's private folder `team`, shared with Ed (editor), Cam (commenter) and Vic (viewer). */
async function world() {
  const t = newTest();
  const u: Record<string, Id<"users">> = {};
  for (const p of ["olga", "ed", "vic", "cam", "mal"]) {
    u[p] = await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p }));
  }
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  const folder = (owner: string, name: string) =>
    t.run((ctx) => ctx.db.insert("folders", { name, ownerId: u[owner]!, visibility: "private" }));
  /** A grant on a folder, written as guard.share writes it (the example exposes documents only). */
  const grantFolder = (id: string, to: string, level: string) =>
    t.run((ctx) => ctx.db.insert("accessGrants", { table: "folders", doc: id, userId: u[to], level, grantedBy: u.olga }));
  const team = await folder("olga", "team");
  await grantFolder(team, "ed", "editor");
  await grantFolder(team, "cam", "commenter");
  await grantFolder(team, "vic", "viewer");
  const create = (who: string, folderId?: string) =>
    outcome(as(who).mutation(api.documents.createDocument, { title: `${who}'s`, body: "-500", folderId }));
  /** Each person's level on a document (null: none). */
  const levels = async (id: string, people: readonly string[]) => {
    const out: Record<string, string | null> = {};
    for (const p of people) out[p] = (await as(p).run((ctx) => guard.readable(ctx, "documents", id)))?.accessLevel ?? null;
    return out;
  };
  const documents = () => t.run((ctx) => ctx.db.query("documents").collect());
  return { t, u, as, folder, grantFolder, team, create, levels, documents };
}

describe("the attacker's side: a new document's parent takes what a move's destination takes", () => {
  test("a viewer (or commenter) of the folder cannot file into it: FORBIDDEN, nothing inserted", async () => {
    const { team, create, documents } = await world();
    expect(await create("vic", team)).toEqual(DESTINATION);
    expect(await create("cam", team)).toEqual(DESTINATION);
    expect(await documents()).toEqual([]);
  });

  test("a folder the caller cannot see is NOT_FOUND, as a missing, malformed or other-table id", async () => {
    const { t, u, as, folder, team, create, documents } = await world();
    const gone = await folder("mal", "gone");
    await t.run((ctx) => ctx.db.delete(gone));
    const malsDoc = (await create("mal")) as { ok: { id: string } };
    const before = await documents();
    for (const dest of [team, gone, "not-an-id", malsDoc.ok.id, u.mal!]) expect(await create("mal", dest)).toEqual(NOT_FOUND);
    // Past the app's argument validator too: a number, an object.
    for (const dest of [42, { id: team }]) {
      const doc = { title: "x", body: "", ownerId: u.mal!, visibility: "private" as const, folderId: dest as never };
      expect(await outcome(as("mal").run((ctx) => guard.insertDocument(ctx, "documents", doc)))).toEqual(NOT_FOUND);
    }
    expect(await documents()).toEqual(before);
  });

  test("the owner field is the caller's: naming someone else is FORBIDDEN, into no folder too", async () => {
    const { u, as, team, documents } = await world();
    for (const [who, ownerId, folderId] of [
      ["ed", u.olga, team], // Olga would own it, and Ed's editor grant would reach it through her folder
      ["mal", u.olga, undefined], // planted into Olga's own listing
      ["olga", u.ed, team],
      ["mal", "not-an-id", undefined],
    ] as const) {
      const doc = { title: "x", body: "", ownerId: ownerId as Id<"users">, visibility: "private" as const, folderId };
      expect(await outcome(as(who).run((ctx) => guard.insertDocument(ctx, "documents", doc)))).toEqual(NOT_OWNER);
    }
    expect(await documents()).toEqual([]);
  });

  test("the parent is read once: a getter cannot answer one folder to the check and another to the insert", async () => {
    const { u, as, folder, team, grantFolder, documents } = await world();
    const shared = await folder("mal", "shared");
    await grantFolder(shared, "vic", "editor"); // Vic may file into this one, not into `team`
    let reads = 0;
    const doc = { title: "x", body: "", ownerId: u.vic!, visibility: "private" as const };
    Object.defineProperty(doc, "folderId", { enumerable: true, get: () => (reads++ === 0 ? shared : team) });
    const { ok: id } = (await outcome(as("vic").run((ctx) => guard.insertDocument(ctx, "documents", doc)))) as { ok: string };
    expect((await documents()).map((d) => [d._id, d.folderId])).toEqual([[id, shared]]);
    // A folder inherited from the prototype is no folder of the document's.
    const inherited = Object.assign(Object.create({ folderId: team }), { title: "y", body: "", ownerId: u.vic, visibility: "private" });
    const { ok: other } = (await outcome(as("vic").run((ctx) => guard.insertDocument(ctx, "documents", inherited)))) as { ok: string };
    expect((await documents()).find((d) => d._id === other)?.folderId).toBeUndefined();
  });

  test("signed out: UNAUTHENTICATED, through the app and from the guard itself", async () => {
    const { t, team, documents } = await world();
    expect(await outcome(t.mutation(api.documents.createDocument, { title: "x", body: "", folderId: team }))).toEqual(UNAUTHENTICATED);
    const doc = { title: "x", body: "", visibility: "private" as const, folderId: team };
    expect(await outcome(t.run((ctx) => guard.insertDocument(ctx, "documents", doc as never)))).toEqual(UNAUTHENTICATED);
    expect(await documents()).toEqual([]);
  });

  test("a document that is not an object, or a table not configured: INVALID_ARGUMENT", async () => {
    const { as, t, documents } = await world();
    for (const doc of [null, undefined, "x", 42, [], [{ title: "x" }]]) {
      expect(await outcome(as("olga").run((ctx) => guard.insertDocument(ctx, "documents", doc as never)))).toEqual(NOT_OBJECT);
      // Before the caller is looked at: the developer's mistake, the same signed out.
      expect(await outcome(t.run((ctx) => guard.insertDocument(ctx, "documents", doc as never)))).toEqual(NOT_OBJECT);
    }
    expect(await outcome(as("olga").run((ctx) => guard.insertDocument(ctx, "messages", { author: "x" } as never)))).toEqual({
      code: "INVALID_ARGUMENT",
      message: "table 'messages' is not configured under access.tables",
    });
    expect(await documents()).toEqual([]);
  });
});

describe("the owner's and the folder's sharers' inserts", () => {
  test("an editor of the folder files into it: she owns the document, the folder's owner and sharees inherit", async () => {
    const { u, team, create, levels, documents } = await world();
    const { ok } = (await create("ed", team)) as { ok: { id: Id<"documents"> } };
    const [row] = await documents();
    expect(row).toMatchObject({ _id: ok.id, ownerId: u.ed, folderId: team, title: "ed's" });
    expect(await levels(ok.id, ["ed", "olga", "cam", "vic", "mal"])).toEqual({
      ed: "owner",
      olga: "owner", // the folder's owner holds the owner level on what is in it
      cam: "commenter",
      vic: "viewer", // the viewer who could not file into it reads what an editor filed
      mal: null,
    });
  });

  test("the folder's owner files into her own folder, and a document in no folder is its creator's alone", async () => {
    const { u, team, create, levels, documents } = await world();
    const { ok: inTeam } = (await create("olga", team)) as { ok: { id: Id<"documents"> } };
    const { ok: loose } = (await create("mal")) as { ok: { id: Id<"documents"> } };
    expect((await documents()).map((d) => [d.ownerId, d.folderId])).toEqual([
      [u.olga, team],
      [u.mal, undefined],
    ]);
    expect(await levels(inTeam.id, ["olga", "ed", "vic", "mal"])).toEqual({ olga: "owner", ed: "editor", vic: "viewer", mal: null });
    expect(await levels(loose.id, ["olga", "ed", "vic", "mal"])).toEqual({ olga: null, ed: null, vic: null, mal: "owner" });
  });

  test("the owner field left out is filled in with the caller's id; a table without a parent field writes the rest as given", async () => {
    const { u, as, team, documents } = await world();
    const folderId = await as("ed").run((ctx) => guard.insertDocument(ctx, "folders", { name: "eds", visibility: "private" } as never));
    const row = await as("ed").run((ctx) => ctx.db.get(folderId as Id<"folders">));
    expect(row).toMatchObject({ name: "eds", ownerId: u.ed });
    expect(row?.parentId).toBeUndefined();
    // Configured without a parent, `folderId` carries no access: written as given, unchecked.
    const flat = defineGuard({ roles: ["user"], access: { tables: { documents: { owner: "ownerId", visibility: "visibility" } } } });
    const id = await as("vic").run((ctx) =>
      flat.insertDocument(ctx, "documents", { title: "x", body: "", visibility: "private", folderId: team } as never),
    );
    expect((await documents()).map((d) => [d._id, d.ownerId, d.folderId])).toEqual([[id, u.vic, team]]);
  });
});

describe("access.tables.<table>.fileLevel: the level on a parent that filing under it takes", () => {
  /** The example's tables, documents filed under a folder by its commenters. */
  const commenters = defineGuard({
    roles: ["user"],
    access: {
      tables: {
        folders: { owner: "ownerId", visibility: "visibility", parent: "parentId" },
        documents: { owner: "ownerId", visibility: "visibility", parent: "folderId", parentTable: "folders", fileLevel: "commenter" },
      },
    },
  });
  const insert = (w: Awaited<ReturnType<typeof world>>, who: string, folderId: string) =>
    outcome(w.as(who).run((ctx) => commenters.insertDocument(ctx, "documents", { title: who, body: "", visibility: "private", folderId } as never)));
  const move = (w: Awaited<ReturnType<typeof world>>, who: string, id: string, folderId: string) =>
    outcome(w.as(who).run((ctx) => commenters.moveDocument(ctx, "documents", id as never, folderId)));
  const BELOW: Outcome = { code: "FORBIDDEN", message: "Access level 'commenter' or higher on the parent required to create a document under it" };
  const BELOW_MOVE: Outcome = { code: "FORBIDDEN", message: "Access level 'commenter' or higher on the destination required to move a document into it" };

  test("a commenter creates under the folder and owns what she made; the folder's owner inherits it", async () => {
    const w = await world();
    const made = await insert(w, "cam", w.team);
    const [doc] = await w.documents();
    expect(made).toEqual({ ok: doc!._id });
    expect([doc!.ownerId, doc!.folderId]).toEqual([w.u.cam, w.team]);
    expect(await w.levels(doc!._id, ["cam", "olga", "ed", "vic", "mal"])).toEqual({ cam: "owner", olga: "owner", ed: "editor", vic: "viewer", mal: null });
  });

  test("the attacker's side: a viewer, a stranger, a hidden folder; nothing inserted", async () => {
    const w = await world();
    expect(await insert(w, "vic", w.team)).toEqual(BELOW);
    expect(await insert(w, "mal", w.team)).toEqual(NOT_FOUND);
    const hidden = await w.folder("mal", "hidden");
    expect(await insert(w, "cam", hidden)).toEqual(NOT_FOUND);
    expect(await w.documents()).toEqual([]);
  });

  test("moving takes the same level of the destination: a commenter moves her own document in, a viewer does not", async () => {
    const w = await world();
    const mine = (who: string) => w.t.run((ctx) => ctx.db.insert("documents", { title: who, body: "", ownerId: w.u[who]!, visibility: "private" }));
    const cams = await mine("cam");
    const vics = await mine("vic");
    expect(await move(w, "vic", vics, w.team)).toEqual(BELOW_MOVE);
    expect(await move(w, "cam", cams, w.team)).toEqual({ ok: null });
    expect((await w.documents()).map((d) => [d.ownerId, d.folderId ?? null])).toEqual([[w.u.cam, w.team], [w.u.vic, null]]);
  });

  test("the guard's share level is untouched: a commenter of the folder still cannot share it", async () => {
    const w = await world();
    const shared = await outcome(w.as("cam").run((ctx) => commenters.share(ctx, "folders", w.team, { userId: w.u.mal!, level: "viewer" })));
    expect(shared).toMatchObject({ code: "FORBIDDEN" });
  });

  test("a level not configured, or a table without a parent, is refused when the guard is defined", () => {
    // Written around the types, as a configuration read from elsewhere may be.
    const tables = (documents: object) => ({ roles: ["user"], access: { tables: { folders: { owner: "ownerId" }, documents } } }) as never;
    expect(() => defineGuard(tables({ owner: "ownerId", parent: "folderId", parentTable: "folders", fileLevel: "comenter" })).validate()).toThrow(
      "access.tables.documents.fileLevel: 'comenter' is not a configured level (viewer, commenter, editor, owner)",
    );
    expect(() => defineGuard(tables({ owner: "ownerId", fileLevel: "editor" })).validate()).toThrow("access.tables.documents.fileLevel needs access.tables.documents.parent");
    expect(() => defineGuard(tables({ owner: "ownerId", parent: "folderId", parentTable: "folders", fileLevel: "" })).validate()).toThrow("access.tables.documents.fileLevel must be a non-empty string");
  });
});
