// The listings' options, past the types (a plain JS app, `as never`): a key a listing does not
// have, in its options or in their `paginationOpts`, is the developer's GuardConfigError naming
// it, before anything is read (an attacker's review: `minlevel: "editor"` listed documents the
// caller only views, and `listGrants`' `userId` filtered nothing, with no error).
import { expect, test } from "vitest";
import type { GenericQueryCtx } from "convex/server";
import type { GroupId } from "convex-guard";
import type { DataModel, Id } from "./_generated/dataModel";
import { guard } from "./guard";
import { newTest } from "./test.setup";

const ISSUER = "https://issuer.example";

/**
 * Olive (superadmin: she reads the audit trail) owns `doc` and `eng`; Vic is a viewer on `doc`
 * and a member of `eng`.
 */
async function world() {
  const t = newTest();
  const user = async (name: string, role?: string) =>
    t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${name}`, name, ...(role ? { role } : {}) } as never));
  const olive: Id<"users"> = await user("olive", "superadmin");
  const vic: Id<"users"> = await user("vic");
  const as = (name: string) => t.withIdentity({ subject: name, issuer: ISSUER });
  const doc = await t.run((ctx) => ctx.db.insert("documents", { title: "d", body: "", ownerId: olive, visibility: "private" }));
  const eng = await as("olive").run(async (ctx) => {
    await guard.share(ctx, "documents", doc, { userId: vic, level: "viewer" });
    const g = await guard.createGroup(ctx, "eng");
    await guard.addGroupMember(ctx, g, vic);
    return g;
  });
  await as("vic").run((ctx) => guard.acceptGroupInvite(ctx, eng));
  await t.run((ctx) => ctx.db.insert("guardAudit", { action: "doc.edit", outcome: "success" }));
  return { as, doc, eng: eng as GroupId };
}

/** `ctx` with every database call and identity read it makes recorded in `touched`. */
function watched(ctx: GenericQueryCtx<DataModel>, touched: string[]): GenericQueryCtx<DataModel> {
  const db = new Proxy(ctx.db, {
    get(target, key) {
      const value = Reflect.get(target, key);
      return typeof value !== "function" ? value : (...args: unknown[]) => (touched.push(`db.${String(key)}`), value.apply(target, args));
    },
  });
  const auth = { ...ctx.auth, getUserIdentity: () => (touched.push("identity"), ctx.auth.getUserIdentity()) };
  return { ...ctx, db, auth };
}

type Listing = (ctx: GenericQueryCtx<DataModel>, w: Awaited<ReturnType<typeof world>>) => Promise<unknown>;
const page = { numItems: 10, cursor: null };

// [the caller, the call, the message]
const refused: [who: string, call: Listing, message: string][] = [
  [
    "vic",
    (ctx) => guard.listAccessible(ctx, "documents", { paginationOpts: page, minlevel: "editor" } as never),
    "listAccessible options: unknown key 'minlevel' (did you mean 'minLevel'?)",
  ],
  [
    "vic",
    (ctx) => guard.listAccessible(ctx, "documents", { paginationOpts: { ...page, numitems: 1 } } as never),
    "listAccessible options.paginationOpts: unknown key 'numitems' (did you mean 'numItems'?)",
  ],
  [
    "olive",
    (ctx, { doc }) => guard.listGrants(ctx, "documents", doc, { paginationopts: page } as never),
    "listGrants options: unknown key 'paginationopts' (did you mean 'paginationOpts'?)",
  ],
  [
    "olive",
    (ctx, { doc }) => guard.listGrants(ctx, "documents", doc, { paginationOpts: page, userId: "x" } as never),
    "listGrants options: unknown key 'userId' (it reads 'paginationOpts')",
  ],
  [
    "vic",
    (ctx) => guard.listMyGroups(ctx, { paginationOpts: { ...page, cusor: "x" } } as never),
    "listMyGroups options.paginationOpts: unknown key 'cusor' (did you mean 'cursor'?)",
  ],
  [
    "olive",
    (ctx, { eng }) => guard.listGroupMembers(ctx, eng, { paginationOpts: { ...page, maximumRowRead: 1 } } as never),
    "listGroupMembers options.paginationOpts: unknown key 'maximumRowRead' (did you mean 'maximumRowsRead'?)",
  ],
  [
    "olive",
    (ctx, { eng }) => guard.listGroupMembers(ctx, eng, { paginationOpts: page, minLevel: "editor" } as never),
    "listGroupMembers options: unknown key 'minLevel' (it reads 'paginationOpts')",
  ],
  [
    "olive",
    (ctx) => guard.audit.list(ctx, {}, { ...page, endcursor: null } as never),
    "audit.list's paginationOpts: unknown key 'endcursor' (did you mean 'endCursor'?)",
  ],
];

for (const [who, call, message] of refused) {
  test(`refused before anything is read: ${message}`, async () => {
    const w = await world();
    const touched: string[] = [];
    const e = (await w.as(who).run((ctx) => call(watched(ctx, touched), w)).then(() => undefined, (x: unknown) => x)) as Error | undefined;
    expect(e?.name).toBe("GuardConfigError");
    expect(e?.message).toBe(message);
    expect(touched).toEqual([]);
  });
}

test("the same calls spelt right list as before, with every key Convex's paginationOptsValidator gives", async () => {
  const w = await world();
  const full = { numItems: 10, cursor: null, endCursor: null, id: 3, maximumRowsRead: 1000, maximumBytesRead: 1_000_000 };
  const listed = (who: string, call: Listing) => w.as(who).run((ctx) => call(ctx, w)) as Promise<{ page: unknown[]; isDone: boolean; continueCursor: string }>;
  /** Every page of Vic's listAccessible at `minLevel` (a page may end at a phase's end, short). */
  const accessible = async (minLevel: "viewer" | "editor") => {
    const all: unknown[] = [];
    let r = { isDone: false, continueCursor: null as string | null };
    for (let pages = 0; !r.isDone && pages < 10; pages++) {
      const paginationOpts = { ...full, cursor: r.continueCursor };
      r = await listed("vic", (ctx) => guard.listAccessible(ctx, "documents", { paginationOpts, minLevel })).then((p) => (all.push(...p.page), p));
    }
    expect(r.isDone).toBe(true);
    return all;
  };
  // Vic only views the document: listed at viewer, not at editor.
  expect(await accessible("editor")).toEqual([]);
  expect(await accessible("viewer")).toMatchObject([{ doc: { _id: w.doc }, accessLevel: "viewer" }]);
  expect((await listed("olive", (ctx) => guard.listGrants(ctx, "documents", w.doc, { paginationOpts: full }))).page).toMatchObject([{ level: "viewer" }]);
  expect((await listed("vic", (ctx) => guard.listMyGroups(ctx, { paginationOpts: full }))).page).toMatchObject([{ groupId: w.eng, name: "eng" }]);
  expect((await listed("olive", (ctx) => guard.listGroupMembers(ctx, w.eng, { paginationOpts: full }))).page).toHaveLength(1);
  // The watch sees what a listing reads (so a refusal's empty list means nothing was read).
  const touched: string[] = [];
  await w.as("vic").run((ctx) => guard.listMyGroups(watched(ctx, touched), { paginationOpts: page }));
  expect(touched).toContain("identity");
  expect(touched).toContain("db.query");
  expect((await listed("olive", (ctx) => guard.audit.list(ctx, {}, full))).page).toMatchObject([{ action: "doc.edit" }]);
});
