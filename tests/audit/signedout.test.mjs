// `public-no-auth` of a public query that makes no `requireUser` but hands every row it reads only
// to a document check: `guard.readableMany` on the ids of rows it queried (or `readable` on each,
// `requireAccess`/`readable` on its argument). A document check is an authorization check: a
// signed-out caller gets only public documents (or NOT_FOUND), so the query checks what leaves.
// The rows themselves, returned or used beside the check, stay reported. Run the way a user runs
// it: the bin of the packed tarball, on apps written here.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CLI, FOLDERS_GUARD as GUARD, FOLDERS_SCHEMA, auditReport, scratchApp } from "./apps.mjs";

const SCHEMA = FOLDERS_SCHEMA.replace('folderId: v.optional(v.id("folders")) }).index("by_owner", ["ownerId"])', '$&.index("by_folder", ["folderId"])');
const HEAD = 'import { v } from "convex/values";\nimport { query } from "./_generated/server";\nimport { guard } from "./guard";\n';
/** A public query with no check of its own: `body` has `ctx` and `args` in scope. */
const QUERY = (name, args, body) => `export const ${name} = query({\n  args: ${args},\n  handler: async (ctx, args) => {\n${body}\n  },\n});\n`;
const FOLDER = '{ folderId: v.id("folders") }';
const ROWS = '    const rows = await ctx.db.query("documents").withIndex("by_folder", (q) => q.eq("folderId", args.folderId)).collect();';
const CHECKED = '    const rs = await guard.readableMany(ctx, "documents", rows.map((r) => r._id));';
const ANSWER = "    return rs.filter((r) => r !== null).map((r) => r.doc);";

/** The findings of `audit convex` on an app of `text`, as `rule severity function`. */
function findings(name, text) {
  const r = auditReport(CLI, scratchApp("signedout", name, { "schema.ts": SCHEMA, "f.ts": HEAD + text }, GUARD));
  return r.findings.map((f) => `${f.rule} ${f.severity} ${f.function}`);
}

test("a public query that queries rows and returns only what guard.readableMany answers for their ids: no public-no-auth (a signed-out caller gets the public ones)", () => {
  const found = findings(
    "checked",
    QUERY("byFolder", FOLDER, `${ROWS}\n${CHECKED}\n${ANSWER}`) +
      QUERY("latest", "{}", `    const rows = await ctx.db.query("documents").order("desc").take(50);\n${CHECKED}\n${ANSWER}`) +
      QUERY("inline", "{}", '    const rs = await guard.readableMany(ctx, "documents", (await ctx.db.query("documents").take(20)).map((r) => r._id));\n    return rs.flatMap((r) => (r === null ? [] : [r.doc.title]));') +
      QUERY("paged", '{ folderId: v.id("folders"), cursor: v.union(v.string(), v.null()) }', '    const res = await ctx.db.query("documents").withIndex("by_folder", (q) => q.eq("folderId", args.folderId)).paginate({ numItems: 20, cursor: args.cursor });\n    const rs = await guard.readableMany(ctx, "documents", res.page.map((r) => r._id));\n    return { ...res, page: rs.filter((r) => r !== null).map((r) => r.doc) };') +
      // Already no finding: readable on each row, requireAccess or a tested readable on the argument.
      QUERY("eachReadable", "{}", '    const rows = await ctx.db.query("documents").take(50);\n    const rs = await Promise.all(rows.map((r) => guard.readable(ctx, "documents", r._id)));\n    return rs.filter((r) => r !== null).map((r) => r.doc);') +
      QUERY("required", '{ id: v.id("documents") }', '    const { doc } = await guard.requireAccess(ctx, "documents", args.id, "viewer");\n    return doc;') +
      QUERY("readableArg", '{ id: v.id("documents") }', '    const r = await guard.readable(ctx, "documents", args.id);\n    if (r === null) return null;\n    return r.doc;'),
  );
  assert.deepEqual(found, []);
});

test("rows returned beside the check, copied, or used for anything but the ids it checks, and a check whose answer is unused: still public-no-auth", () => {
  const found = findings(
    "unchecked",
    QUERY("rowsToo", FOLDER, `${ROWS}\n${CHECKED}\n    return { checked: rs, rows };`) +
      QUERY("countToo", FOLDER, `${ROWS}\n${CHECKED}\n    return { docs: rs.filter((r) => r !== null).map((r) => r.doc), total: rows.length };`) +
      QUERY("copied", FOLDER, `${ROWS}\n    const copy = rows;\n${CHECKED}\n    void rs;\n    return copy;`) +
      QUERY("otherRead", FOLDER, `${ROWS}\n${CHECKED}\n    const folder = await ctx.db.get(args.folderId);\n    return { folder, docs: rs };`) +
      QUERY("unused", FOLDER, `${ROWS}\n    await guard.readableMany(ctx, "documents", rows.map((r) => r._id));\n    return rows;`) +
      QUERY("pageToo", '{ folderId: v.id("folders"), cursor: v.union(v.string(), v.null()) }', '    const res = await ctx.db.query("documents").withIndex("by_folder", (q) => q.eq("folderId", args.folderId)).paginate({ numItems: 20, cursor: args.cursor });\n    const rs = await guard.readableMany(ctx, "documents", res.page.map((r) => r._id));\n    return { ...res, checked: rs };'),
  );
  const noAuth = found.filter((f) => f.startsWith("public-no-auth"));
  assert.deepEqual(noAuth, ["rowsToo", "countToo", "copied", "otherRead", "unused", "pageToo"].map((fn) => `public-no-auth high f:${fn}`));
});
