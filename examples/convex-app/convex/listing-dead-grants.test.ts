// listAccessible lists what the caller owns or holds a live grant on, never a document reached
// only through a parent or public visibility. An attacker's review found that a grant row that
// gives nothing (expired, or stored at a level no longer configured) still made the direct
// phase list the document: a "shared with me" view then showed documents unshared by expiry.
// The phases now ask the engine which grants still give a level; the last two tests hold that
// a live grant, the caller's own or their group's, still lists its document once.
import { convexTest } from "convex-test";
import { expect, test } from "vitest";
import type { Id } from "./_generated/dataModel";
import { guard } from "./guard";
import schema from "./schema";
import { modules } from "./test.setup";

const ISSUER = "https://issuer.example";

async function setUp() {
  const t = convexTest(schema, modules);
  const [alice, bob] = await t.run(async (ctx) => [
    await ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|alice`, name: "alice" }),
    await ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|bob`, name: "bob" }),
  ]);
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  return { t, as, alice, bob };
}

/** Every page of the caller's listing, as title and source. */
async function listing(as: Awaited<ReturnType<typeof setUp>>["as"], who: string) {
  const listed: [string, string][] = [];
  let cursor: string | null = null;
  for (let calls = 0; calls < 20; calls++) {
    const r: { page: { doc: { title: string }; source: string }[]; isDone: boolean; continueCursor: string } = await as(who).run((ctx) =>
      guard.listAccessible(ctx, "documents", { paginationOpts: { numItems: 10, cursor } }),
    );
    listed.push(...r.page.map((x): [string, string] => [x.doc.title, x.source]));
    if (r.isDone) return listed.sort();
    cursor = r.continueCursor;
  }
  throw new Error("the listing did not end");
}

/** A grant row as the guard stores it, written directly: one that gives nothing. */
function deadGrant(doc: Id<"documents">, userId: Id<"users">, dead: "expired" | "unconfigured level") {
  return dead === "expired"
    ? { table: "documents", doc, userId, level: "editor", expiresAt: Date.now() - 60_000 }
    : { table: "documents", doc, userId, level: "reviewer" };
}

for (const dead of ["expired", "unconfigured level"] as const) {
  test(`a direct grant that gives nothing (${dead}) lists no document reached only publicly or through a folder`, async () => {
    const { t, as, alice, bob } = await setUp();
    const made = await t.run(async (ctx) => {
      const folder = await ctx.db.insert("folders", { name: "F", ownerId: alice, visibility: "private" });
      await ctx.db.insert("accessGrants", { table: "folders", doc: folder, userId: bob, level: "viewer" });
      const made = {
        publicGranted: await ctx.db.insert("documents", { title: "public, dead grant", body: "", ownerId: alice, visibility: "public" }),
        inFolderGranted: await ctx.db.insert("documents", { title: "in folder, dead grant", body: "", ownerId: alice, visibility: "private", folderId: folder }),
        live: await ctx.db.insert("documents", { title: "live grant", body: "", ownerId: alice, visibility: "private" }),
      };
      await ctx.db.insert("documents", { title: "public, never granted", body: "", ownerId: alice, visibility: "public" });
      await ctx.db.insert("accessGrants", deadGrant(made.publicGranted, bob, dead));
      await ctx.db.insert("accessGrants", deadGrant(made.inFolderGranted, bob, dead));
      await ctx.db.insert("accessGrants", { table: "documents", doc: made.live, userId: bob, level: "commenter" });
      return made;
    });
    // Bob reads both, through the public level and the folder, not through the dead grant...
    const read = (id: Id<"documents">) => as("bob").run(async (ctx) => (({ accessLevel, source }) => ({ accessLevel, source }))((await guard.readable(ctx, "documents", id))!));
    expect(await read(made.publicGranted)).toEqual({ accessLevel: "viewer", source: "public" });
    expect(await read(made.inFolderGranted)).toEqual({ accessLevel: "viewer", source: "inherited" });
    // ...and neither is listed: only the document a live grant reaches.
    expect(await listing(as, "bob")).toEqual([["live grant", "direct"]]);
  });
}

test("a dead direct grant beside a live grant to the caller's group: the group's phase lists the document, once", async () => {
  const { t, as, alice, bob } = await setUp();
  const group = await as("alice").run(async (ctx) => {
    const g = await guard.createGroup(ctx, "team");
    await guard.addGroupMember(ctx, g, bob);
    return g;
  });
  await as("bob").run((ctx) => guard.acceptGroupInvite(ctx, group));
  await t.run(async (ctx) => {
    const doc = await ctx.db.insert("documents", { title: "shared with the team", body: "", ownerId: alice, visibility: "private" });
    await ctx.db.insert("accessGrants", { table: "documents", doc, groupId: group, level: "editor" });
    await ctx.db.insert("accessGrants", deadGrant(doc, bob, "expired"));
  });
  expect(await listing(as, "bob")).toEqual([["shared with the team", "group"]]);
});

test("a live direct grant still lists a public document, and a document in a shared folder", async () => {
  const { t, as, alice, bob } = await setUp();
  await t.run(async (ctx) => {
    const folder = await ctx.db.insert("folders", { name: "F", ownerId: alice, visibility: "private" });
    await ctx.db.insert("accessGrants", { table: "folders", doc: folder, userId: bob, level: "editor" });
    const pub = await ctx.db.insert("documents", { title: "public", body: "", ownerId: alice, visibility: "public" });
    const inFolder = await ctx.db.insert("documents", { title: "in folder", body: "", ownerId: alice, visibility: "private", folderId: folder });
    await ctx.db.insert("accessGrants", { table: "documents", doc: pub, userId: bob, level: "commenter" });
    await ctx.db.insert("accessGrants", { table: "documents", doc: inFolder, userId: bob, level: "viewer" });
  });
  // Listed by the grant, at the caller's highest level: the folder's editor level wins.
  expect(await listing(as, "bob")).toEqual([["in folder", "inherited"], ["public", "direct"]]);
});
