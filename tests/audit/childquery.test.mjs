// `unchecked-id-read` of a parent's children: a query of a table under `access.tables` selecting
// its rows by the table's parent field equal to an id from the arguments (an index range or a
// filter), returned, with no check on that argument, hands a stranger the children of a parent
// they cannot see (the comments of a page). A document check on the argument at any level
// (requireAccess, the builder's access, a tested readable: above the public level when the parent may be public, whose children do not inherit public visibility) or a comparison of the
// parent's owner with the caller covers it: the children inherit the parent's levels. A query by
// another field, or by the owner field equal to the caller's id is no such read, nor are children kept to the
// caller's own (by the query or a JS filter); one of a table
// not configured is read at medium instead (childopen.test.mjs). Run the way a user runs it: the bin of the packed tarball, on apps written here.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { FOLDERS_GUARD as GUARD, FOLDERS_SCHEMA, QUERY_HEAD as HEAD, SIGNED_IN_QUERY as QUERY, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = `${root}node_modules/convex-guard/cli.cjs`;
// The documents of a folder are read through an index on their parent field.
const SCHEMA = FOLDERS_SCHEMA.replace('folderId: v.optional(v.id("folders")) }).index("by_owner", ["ownerId"])', '$&.index("by_folder", ["folderId"])');

const app = (name, text, guard = GUARD) => scratchApp("childquery", name, { "schema.ts": SCHEMA, "f.ts": text }, guard);

/** The unchecked-id-read findings of `audit convex` run in an app's root. */
function reads(appRoot) {
  const r = spawnSync(process.execPath, [cli, "audit", "convex", "--json"], { cwd: appRoot, encoding: "utf8" });
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout).findings.filter((f) => f.rule === "unchecked-id-read");
}

const FOLDER = '{ folderId: v.id("folders") }';
const BY_INDEX = '    return await ctx.db.query("documents").withIndex("by_folder", (q) => q.eq("folderId", args.folderId)).collect();';

test("the children of a folder read by its id from the arguments and returned: high, naming the parent field", () => {
  const found = reads(
    app(
      "leaks",
      HEAD +
        QUERY("byIndex", FOLDER, BY_INDEX) +
        QUERY("byFilter", FOLDER, '    const docs = await ctx.db.query("documents").filter((q) => q.eq(q.field("folderId"), args.folderId)).take(10);\n    return docs.map((d) => d.title);') +
        QUERY("subfolders", FOLDER, '    return await ctx.db.query("folders").withIndex("by_owner").filter((q) => q.eq(q.field("parentId"), args.folderId)).first();') +
        `export const destructured = guard.query(query, {
  args: { folderId: v.id("folders") },
  handler: async (ctx, { folderId }) => ctx.db.query("documents").withIndex("by_folder", (q) => q.eq("folderId", folderId)).paginate({ numItems: 10, cursor: null }),
});
`,
    ),
  );
  assert.deepEqual(
    found.map((f) => `${f.line} ${f.severity} ${f.function}: ${f.message}`),
    [
      "9 high f:byIndex: f:byIndex returns the rows of 'documents' whose parent field 'folderId' equals argument 'folderId' (the children of a 'folders' document), to any signed-in caller, with no check that the caller may see that parent",
      "17 high f:byFilter: f:byFilter returns the rows of 'documents' whose parent field 'folderId' equals argument 'folderId' (the children of a 'folders' document), to any signed-in caller, with no check that the caller may see that parent",
      "26 high f:subfolders: f:subfolders returns the rows of 'folders' whose parent field 'parentId' equals argument 'folderId' (the children of a 'folders' document), to any signed-in caller, with no check that the caller may see that parent",
      "31 high f:destructured: f:destructured returns the rows of 'documents' whose parent field 'folderId' equals argument 'folderId' (the children of a 'folders' document), to any signed-in caller, with no check that the caller may see that parent",
    ],
  );
  // Folders may be public here (visibility configured): the check must be above the public level.
  assert.match(found[0].fix, /^Check the parent first: guard\.requireAccess\(ctx, "folders", folderId, level\) at a level above access\.publicLevel .*guard\.readableMany\(ctx, "documents", ids\)/);
});

test("a check on the parent argument covers its children: at any level when the parent cannot be public, else above the public level (a public parent's children are private: medium)", () => {
  const checks = (level) =>
    HEAD +
    QUERY("checked", FOLDER, `    await guard.requireAccess(ctx, "folders", args.folderId, "${level}");\n${BY_INDEX}`) +
    QUERY("readableTested", FOLDER, `    const folder = await guard.readable(ctx, "folders", args.folderId);\n    if (folder === null) throw new Error("not found");\n${BY_INDEX}`) +
    QUERY("ownerCompared", FOLDER, `    const folder = await ctx.db.get(args.folderId);\n    if (folder === null || folder.ownerId !== user._id) throw new Error("not found");\n${BY_INDEX}`) +
    `export const builderAccess = guard.query(query, {
  access: { table: "folders", arg: "folderId", level: "${level}" },
  args: { folderId: v.id("folders") },
  handler: async (ctx, { folderId }) => ctx.db.query("documents").withIndex("by_folder", (q) => q.eq("folderId", folderId)).collect(),
});
`;
  // Folders with no visibility: nobody reaches one but through its owner and grants, which its documents inherit.
  const privateFolders = GUARD.replace('folders: { owner: "ownerId", visibility: "visibility", parent: "parentId" }', 'folders: { owner: "ownerId", parent: "parentId" }');
  assert.notEqual(privateFolders, GUARD);
  assert.deepEqual(reads(app("checked-private", checks("viewer"), privateFolders)), []);
  // Folders that may be public: "viewer" (the public level) and a readable with no level cover nothing of the children.
  const viewer = reads(app("checked-viewer", checks("viewer")));
  assert.deepEqual(viewer.map((f) => `${f.severity} ${f.function}`), ["medium f:checked", "medium f:readableTested", "medium f:builderAccess"]);
  assert.match(viewer[0].message, /checked only at level 'viewer', which a public 'folders' document gives to anyone: its children do not inherit public visibility/);
  assert.match(viewer[1].message, /checked only by a readable with no level, which a public 'folders' document gives/);
  // Above the public level: only the folder's owner and grants give it, and its documents inherit them.
  // (The readable with no level is the same in both apps.)
  assert.deepEqual(reads(app("checked-commenter", checks("commenter"))).map((f) => `${f.severity} ${f.function}`), ["medium f:readableTested"]);
});

test("a query by another field, of a table not configured, not returned, or of the caller's own rows is no read of children", () => {
  const found = reads(
    app(
      "others",
      HEAD +
        // notes has a folderId too, but no guard configures it: no child, a table's rows by an id under access (childopen.test.mjs).
        QUERY("notesOfFolder", FOLDER, '    return await ctx.db.query("notes").filter((q) => q.eq(q.field("folderId"), args.folderId)).collect();') +
        QUERY("byTitle", '{ title: v.string() }', '    return await ctx.db.query("documents").filter((q) => q.eq(q.field("title"), args.title)).collect();') +
        QUERY("counted", FOLDER, '    const docs = await ctx.db.query("documents").withIndex("by_folder", (q) => q.eq("folderId", args.folderId)).collect();\n    if (docs.length > 100) throw new Error("full");\n    return null;') +
        QUERY("mine", "{}", '    return await ctx.db.query("documents").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).collect();'),
    ),
  );
  assert.deepEqual(found.map((f) => `${f.severity} ${f.function}: ${f.message.split(",")[0]}`), ["medium f:notesOfFolder: f:notesOfFolder returns the rows of 'notes' whose field 'folderId' equals argument 'folderId'"]);
});

test("the checked document's own id (ctx.doc._id of the builder's access, doc._id of a readable's or requireAccess's answer) is that argument's id: its children are read, and covered, as by the argument", () => {
  const checks = (level) =>
    HEAD +
    `export const viaArg = guard.query(query, {
  access: { table: "folders", arg: "folderId", level: "${level}" },
  args: { folderId: v.id("folders") },
  handler: async (ctx, { folderId }) => ctx.db.query("documents").withIndex("by_folder", (q) => q.eq("folderId", folderId)).take(50),
});
export const viaCtxDoc = guard.query(query, {
  access: { table: "folders", arg: "folderId", level: "${level}" },
  args: { folderId: v.id("folders") },
  handler: async (ctx) => ctx.db.query("documents").withIndex("by_folder", (q) => q.eq("folderId", ctx.doc._id)).take(50),
});
` +
    QUERY("readableAnswer", FOLDER, `    const r = await guard.readable(ctx, "folders", args.folderId, "${level}");\n    if (!r) return [];\n    return await ctx.db.query("documents").withIndex("by_folder", (q) => q.eq("folderId", r.doc._id)).collect();`) +
    QUERY("destructuredConst", FOLDER, `    const r = await guard.readable(ctx, "folders", args.folderId, "${level}");\n    if (r === null) return [];\n    const { doc } = r;\n    const id = doc._id;\n    return await ctx.db.query("documents").filter((q) => q.eq(q.field("folderId"), id)).take(10);`) +
    QUERY("requireAccessDoc", FOLDER, `    const { doc } = await guard.requireAccess(ctx, "folders", args.folderId, "${level}");\n    return await ctx.db.query("documents").withIndex("by_folder", (q) => q.eq("folderId", doc._id)).collect();`) +
    // Controls: the checked document's id in a field that is no parent field selects no children, and the caller's own rows are theirs.
    QUERY("byOwnerField", FOLDER, `    const { doc } = await guard.requireAccess(ctx, "folders", args.folderId, "${level}");\n    return await ctx.db.query("documents").filter((q) => q.eq(q.field("ownerId"), doc._id)).collect();`) +
    QUERY("mine", FOLDER, `    await guard.requireAccess(ctx, "folders", args.folderId, "${level}");\n    return await ctx.db.query("documents").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).collect();`);
  // At the public level: each is the medium of the argument itself, message for message.
  const viewer = reads(app("checkeddoc-viewer", checks("viewer")));
  assert.deepEqual(
    viewer.map((f) => `${f.severity} ${f.function}: ${f.message.replace(f.function, "F")}`),
    ["viaArg", "viaCtxDoc", "readableAnswer", "destructuredConst", "requireAccessDoc"].map(
      (fn) => `medium f:${fn}: F returns the rows of 'documents' whose parent field 'folderId' equals argument 'folderId', checked only at level 'viewer', which a public 'folders' document gives to anyone: its children do not inherit public visibility, so a stranger reads a public parent's private children`,
    ),
  );
  // Above the public level the check covers the checked document's children, as it covers the argument's.
  assert.deepEqual(reads(app("checkeddoc-commenter", checks("commenter"))), []);
});

test("the children of a parent named by an argument, handed on only through a JS filter or find to the caller's own (or selected by the caller's id beside the parent's): not reported; filtered by the client's word, with an ||, or beside a count, they are", () => {
  const DOCS = '    const docs = await ctx.db.query("documents").withIndex("by_folder", (q) => q.eq("folderId", args.folderId)).collect();';
  const found = reads(
    app(
      "ownchildren",
      HEAD +
        QUERY("all", FOLDER, `${DOCS}\n    return docs;`) +
        QUERY("mine", FOLDER, `${DOCS}\n    return docs.filter((d) => d.ownerId === user._id);`) +
        QUERY("myFirst", FOLDER, `${DOCS}\n    return docs.find((d) => { return d.ownerId === user._id; }) ?? null;`) +
        QUERY("mineByFilter", FOLDER, '    const docs = await ctx.db.query("documents").filter((q) => q.eq(q.field("folderId"), args.folderId)).take(20);\n    return docs.filter((d) => d.ownerId === user._id).map((d) => d.title);') +
        QUERY("mineByQuery", FOLDER, '    return await ctx.db.query("documents").withIndex("by_folder", (q) => q.eq("folderId", args.folderId)).filter((q) => q.eq(q.field("ownerId"), user._id)).collect();') +
        QUERY("theirs", '{ folderId: v.id("folders"), owner: v.id("users") }', `${DOCS}\n    return docs.filter((d) => d.ownerId === args.owner);`) +
        QUERY("mineOrPublic", FOLDER, `${DOCS}\n    return docs.filter((d) => d.ownerId === user._id || d.visibility === "public");`) +
        QUERY("mineAndCount", FOLDER, `${DOCS}\n    return { mine: docs.filter((d) => d.ownerId === user._id), count: docs.length };`),
    ),
  );
  assert.deepEqual(found.map((f) => `${f.severity} ${f.function}`), ["high f:all", "high f:theirs", "high f:mineOrPublic", "high f:mineAndCount"]);
});
