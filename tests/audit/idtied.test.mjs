// A row found by an `_id` filter ANDed with other conditions (attack48 F2) is the document the
// argument names unless a condition ties it to the caller: a `q.eq` (or an index range's `eq`) of
// a field with the caller's id, or with a checked argument's or checked parent's id. A `q.neq` or
// `q.not` of the caller's id, an argument no check covers, `Date.now()`, a computed `const`, a
// comparison of no field (`q.eq(user._id, user._id)`) tie nothing: the delete or patch is
// `unchecked-id-delete`/`-write`, as the read rule already reported the same conditions. In a table
// under `access.tables` the caller's id ties only in the configured owner field (attack48 L2:
// `editorId` is not the owner), in a filter as in a comparison of the row read by the id; a table
// no guard configures keeps "any field". Run the way a user runs it: the bin of the packed tarball
// (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { readFileSync } from "node:fs";
import { auditReport, idFindings, pitfalls, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const HEAD = `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";
`;
const SCHEMA = readFileSync(`${pitfalls}/schema.ts`, "utf8").replace(/\}\);\s*$/, '  comments: defineTable({ postId: v.id("posts"), body: v.string(), hidden: v.boolean() }).index("by_post", ["postId"]),\n});\n');

/** A public mutation `name` taking `args` (default `{ id: v.id(table) }`), signed in and rate limited, then `body`. */
const fn = (name, table, body, args = `{ id: v.id("${table}") }`) => `
export const ${name} = mutation({
  args: ${args},
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
${body}
    await guard.audit.log(ctx, { action: "${name}", outcome: "success", actor: user._id });
    return null;
  },
});
`;
/** `ctx.db.query(table).filter((q) => q.and(<the _id equality>, cond)).first()`, then `change` of the row found (`delete` or `patch`). */
const AND = (table, cond, change = "delete") =>
  `    const p = await ctx.db.query("${table}").filter((q) => q.and(q.eq(q.field("_id"), args.id), ${cond})).first();\n    if (p) await ctx.db.${change}(p._id${change === "patch" ? ', { title: "x" }' : ""});`;

/** `rule function` of a report's unchecked-id-delete and unchecked-id-write findings. */
const idChanges = (r) => r.findings.filter((f) => f.rule === "unchecked-id-delete" || f.rule === "unchecked-id-write").map((f) => `${f.rule} ${f.function} ${f.severity}`).sort();

test("an _id filter ANDed with a condition that ties nothing (q.neq/q.not of the caller's id, a tautology, an unchecked argument, Date.now(), a computed const, a q.or): the delete or patch is reported (attack48 F2)", () => {
  const vis = '{ id: v.id("posts"), vis: v.string() }';
  const child = '{ id: v.id("comments"), postId: v.id("posts") }';
  const r = auditReport(
    cli,
    scratchApp("idtied", "untied", {
      "schema.ts": SCHEMA,
      "d.ts":
        HEAD +
        fn("neqOwner", "posts", AND("posts", 'q.neq(q.field("ownerId"), user._id)')) +
        fn("notOwner", "posts", AND("posts", 'q.not(q.eq(q.field("ownerId"), user._id))', "patch")) +
        fn("tautology", "posts", AND("posts", "q.eq(user._id, user._id)")) +
        fn("argValue", "posts", AND("posts", 'q.eq(q.field("visibility"), args.vis)'), vis) +
        fn("now", "posts", AND("posts", 'q.lt(q.field("_creationTime"), Date.now())')) +
        fn("computed", "drafts", `    const keep = args.id.length > 0;\n${AND("drafts", 'q.eq(q.field("stale"), !keep)')}`) +
        fn("orTrue", "posts", AND("posts", 'q.or(q.eq(q.field("ownerId"), user._id), q.eq(1, 1))', "patch")) +
        fn("sameField", "drafts", AND("drafts", 'q.eq(q.field("userId"), q.field("userId"))')) +
        fn("uncheckedParent", "comments", AND("comments", 'q.eq(q.field("postId"), args.postId)'), child),
    }),
  );
  assert.deepEqual(idChanges(r), [
    "unchecked-id-delete d:argValue high",
    "unchecked-id-delete d:computed high",
    "unchecked-id-delete d:neqOwner high",
    "unchecked-id-delete d:now high",
    "unchecked-id-delete d:sameField high",
    "unchecked-id-delete d:tautology high",
    "unchecked-id-delete d:uncheckedParent high",
    "unchecked-id-write d:notOwner high",
    "unchecked-id-write d:orTrue high",
  ]);
  assert.match(r.findings.find((f) => f.rule === "unchecked-id-delete" && f.function === "d:neqOwner").message, /deletes the document that argument 'id' names, for any signed-in caller/);
});

test("an _id filter ANDed with the owner's equality to the caller's id, each q.or branch tied, or a checked parent's id (an argument, a checked document's _id): no id finding", () => {
  const child = '{ id: v.id("comments"), postId: v.id("posts") }';
  const r = auditReport(
    cli,
    scratchApp("idtied", "tied", {
      "schema.ts": SCHEMA,
      "d.ts":
        HEAD +
        fn("ownerEq", "posts", AND("posts", 'q.eq(q.field("ownerId"), user._id)')) +
        fn("ownerFirst", "posts", AND("posts", 'q.eq(user._id, q.field("ownerId"))', "patch")) +
        fn("draftAnyField", "drafts", AND("drafts", 'q.eq(q.field("userId"), user._id)')) +
        fn("orBothOwn", "drafts", AND("drafts", 'q.or(q.eq(q.field("userId"), user._id), q.and(q.eq(q.field("stale"), true), q.eq(q.field("userId"), user._id)))')) +
        fn("parentArg", "comments", `    await guard.requireAccess(ctx, "posts", args.postId, "editor");\n    const c = await ctx.db.query("comments").filter((q) => q.and(q.eq(q.field("_id"), args.id), q.eq(q.field("postId"), args.postId))).first();\n    if (c) await ctx.db.delete(c._id);`, child) +
        fn("parentDoc", "comments", `    const { doc: post } = await guard.requireAccess(ctx, "posts", args.postId, "editor");\n    const c = await ctx.db.query("comments").withIndex("by_post", (q) => q.eq("postId", post._id)).filter((q) => q.eq(q.field("_id"), args.id)).unique();\n    if (c) await ctx.db.patch(c._id, { body: "" });`, child),
    }),
  );
  assert.deepEqual(idChanges(r), []);
});

test("a table under access.tables: the caller's id in a field other than its owner (a filter's q.eq, or a comparison of the row read by the id) is no owner check; the owner field and an unconfigured table's field are (attack48 L2)", () => {
  const read = (name, body) => `
export const ${name} = query({
  args: { id: v.id("posts") },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
${body}
  },
});
`;
  const r = auditReport(
    cli,
    scratchApp("idtied", "ownerfield", {
      "d.ts":
        HEAD +
        fn("delByEditor", "posts", AND("posts", 'q.eq(q.field("editorId"), user._id)')) +
        fn("delEditorIndex", "posts", '    const p = await ctx.db.query("posts").withIndex("by_editor", (q) => q.eq("editorId", user._id)).filter((q) => q.eq(q.field("_id"), args.id)).unique();\n    if (p) await ctx.db.delete(p._id);') +
        fn("delCmpEditor", "posts", '    const p = await ctx.db.get(args.id);\n    if (p === null || p.editorId !== user._id) return null;\n    await ctx.db.delete(p._id);') +
        fn("patchCmpEditor", "posts", '    const p = await ctx.db.get(args.id);\n    if (p === null || p.editorId !== user._id) throw new Error("no");\n    await ctx.db.patch(p._id, { title: "x" });') +
        fn("delCmpOwner", "posts", '    const p = await ctx.db.get(args.id);\n    if (p === null || p.ownerId !== user._id) return null;\n    await ctx.db.delete(p._id);') +
        fn("delDraftCmp", "drafts", '    const d = await ctx.db.get(args.id);\n    if (d === null || d.userId !== user._id) return null;\n    await ctx.db.delete(d._id);') +
        read("readByEditor", `    return await ctx.db.query("posts").filter((q) => q.and(q.eq(q.field("_id"), args.id), q.eq(q.field("editorId"), user._id))).first();`) +
        read("readCmpEditor", '    const p = await ctx.db.get(args.id);\n    if (p === null || p.editorId !== user._id) return null;\n    return p;') +
        read("readCmpOwner", '    const p = await ctx.db.get(args.id);\n    if (p === null || p.ownerId !== user._id) return null;\n    return p;'),
    }),
  );
  assert.deepEqual(idChanges(r), [
    "unchecked-id-delete d:delByEditor high",
    "unchecked-id-delete d:delCmpEditor high",
    "unchecked-id-delete d:delEditorIndex high",
    "unchecked-id-write d:patchCmpEditor high",
  ]);
  assert.deepEqual(idFindings(r).filter((f) => f.startsWith("unchecked-id-read")), ["unchecked-id-read d:readByEditor", "unchecked-id-read d:readCmpEditor"]);
});
