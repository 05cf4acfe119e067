// A row found by an `_id` filter (`query(t).filter((q) => q.eq(q.field("_id"), args.id)).unique()`)
// and then deleted or patched is the document the argument names, as after `ctx.db.get(args.id)`
// (attack43 F4): `unchecked-id-delete` and `unchecked-id-write` read it as the read rules do. A
// query narrowed by more than the `_id` equality (the caller's own rows) and a row checked or
// compared first stay unreported. So are a JavaScript find by _id over all of a table's rows and
// the keys of a record argument (attack45 F4). An `_id` equality ANDed with conditions on fields
// compared with literals only (`q.and(..., q.eq(q.field("stale"), false))`, an index range on a
// literal, `find((d) => d._id === args.id && !d.stale)`) is the same read; one ANDed with the
// caller's id or a checked parent's is not (twenty-first round). Any other condition (a `q.neq` or
// `q.not` of the caller's id, an unchecked argument, `Date.now()`, a tautology) ties nothing: the row
// stays the argument's (attack48 F2); in a table under `access.tables` the caller's id ties in the
// configured owner field only, in a filter as in a comparison (attack48 L2). Run the way a user
// runs it: the bin of the packed tarball (AUDIT_CLI names another, to show a test fails on an
// older build).
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

/** A public mutation `name` taking `{ id: v.id(table) }` (or `args`), signed in and rate limited, then `body`. */
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
const BY_ID = (table, end = "unique") => `    const p = await ctx.db.query("${table}").filter((q) => q.eq(q.field("_id"), args.id)).${end}();\n    if (p === null) throw new Error("not found");\n`;

/** A public query `name` taking `{ id: v.id(table) }`, signed in, then `body`. */
const read = (name, table, body) => `
export const ${name} = query({
  args: { id: v.id("${table}") },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
${body}
  },
});
`;

/** `rule function` of a report's unchecked-id-delete and unchecked-id-write findings. */
const idChanges = (r) => r.findings.filter((f) => f.rule === "unchecked-id-delete" || f.rule === "unchecked-id-write").map((f) => `${f.rule} ${f.function} ${f.severity}`).sort();

test("a row found by an _id filter equal to an argument, then deleted or patched with no check: unchecked-id-delete/-write, as after ctx.db.get", () => {
  const r = auditReport(
    cli,
    scratchApp("idfilter", "reported", {
      "d.ts":
        HEAD +
        fn("removePost", "posts", `${BY_ID("posts")}    await ctx.db.delete(p._id);`) +
        fn("removeDraft", "drafts", `${BY_ID("drafts", "first")}    await ctx.db.delete(p._id);`) +
        fn("renamePost", "posts", `${BY_ID("posts", "first")}    await ctx.db.patch(p._id, { title: "x" });`) +
        fn("removeOrdered", "posts", '    const p = await ctx.db.query("posts").order("desc").filter((q) => q.eq(args.id, q.field("_id"))).unique();\n    if (p) await ctx.db.delete(p._id);') +
        fn("removeGot", "posts", '    const p = await ctx.db.get(args.id);\n    if (p === null) throw new Error("not found");\n    await ctx.db.delete(p._id);'),
    }),
  );
  assert.deepEqual(idChanges(r), [
    "unchecked-id-delete d:removeDraft high",
    "unchecked-id-delete d:removeGot high",
    "unchecked-id-delete d:removeOrdered high",
    "unchecked-id-delete d:removePost high",
    "unchecked-id-write d:renamePost high",
  ]);
  const f = r.findings.find((x) => x.rule === "unchecked-id-delete" && x.function === "d:removePost");
  assert.match(f.message, /deletes the document that argument 'id' names, for any signed-in caller/);
});

test("an _id filter with the owner compared, checked first, or narrowed to the caller's own rows: no id finding", () => {
  const r = auditReport(
    cli,
    scratchApp("idfilter", "accepted", {
      "d.ts":
        HEAD +
        fn("compared", "posts", `${BY_ID("posts")}    if (p.ownerId !== user._id) throw new Error("not yours");\n    await ctx.db.delete(p._id);`) +
        fn("checked", "posts", `    await guard.requireAccess(ctx, "posts", args.id, "owner");\n${BY_ID("posts")}    await ctx.db.delete(p._id);`) +
        fn("ownIndex", "posts", '    const p = await ctx.db.query("posts").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).filter((q) => q.eq(q.field("_id"), args.id)).unique();\n    if (p) await ctx.db.delete(p._id);') +
        fn("ownDraft", "drafts", '    const p = await ctx.db.query("drafts").filter((q) => q.and(q.eq(q.field("_id"), args.id), q.eq(q.field("userId"), user._id))).first();\n    if (p) await ctx.db.patch(p._id, { body: "" });'),
    }),
  );
  assert.deepEqual(idChanges(r), []);
});

test("a find by _id over all of a table's rows, and a record argument's keys, then patched with no check: unchecked-id-write (attack45 F4)", () => {
  const record = '{ edits: v.record(v.id("posts"), v.string()) }';
  const r = auditReport(
    cli,
    scratchApp("idfilter", "findrecord", {
      "d.ts":
        HEAD +
        fn("findAll", "posts", '    const rows = await ctx.db.query("posts").collect();\n    const row = rows.find((r) => r._id === args.id);\n    if (row) await ctx.db.patch(row._id, { title: "x" });', "{ id: v.string() }") +
        fn("findIndexed", "posts", '    const row = (await ctx.db.query("posts").withIndex("by_owner").order("desc").collect()).find((r) => args.id == r._id);\n    if (row) await ctx.db.patch(row._id, { title: "x" });') +
        fn("findOwn", "posts", '    const rows = await ctx.db.query("posts").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).collect();\n    const row = rows.find((r) => r._id === args.id);\n    if (row) await ctx.db.patch(row._id, { title: "x" });') +
        fn("recordKeys", "posts", '    for (const id of Object.keys(args.edits)) await ctx.db.patch(id as any, { title: args.edits[id] });', record) +
        fn("recordEntries", "posts", '    for (const [id, title] of Object.entries(args.edits)) await ctx.db.patch(id as any, { title });', record) +
        fn("recordChecked", "posts", '    for (const [id, title] of Object.entries(args.edits)) {\n      const { doc } = await guard.requireAccess(ctx, "posts", id as any, "editor");\n      await ctx.db.patch(doc._id, { title });\n    }', record),
    }),
  );
  assert.deepEqual(idChanges(r), [
    "unchecked-id-write d:findAll high",
    "unchecked-id-write d:findIndexed high",
    "unchecked-id-write d:recordEntries high",
    "unchecked-id-write d:recordKeys high",
  ]);
  assert.match(r.findings.find((f) => f.function === "d:recordKeys").message, /patches the document that argument 'edits' names/);
});

/** The fixture's schema with a `comments` table (no guard configures it) whose `postId` names a post. */
const SCHEMA = readFileSync(`${pitfalls}/schema.ts`, "utf8").replace(/\}\);\s*$/, '  comments: defineTable({ postId: v.id("posts"), body: v.string(), hidden: v.boolean() }).index("by_post", ["postId"]),\n});\n');

/** `ctx.db.query(table).filter((q) => cond).first()`, then a not-found throw. */
const FILTERED = (table, cond) => `    const p = await ctx.db.query("${table}").filter((q) => ${cond}).first();\n    if (p === null) throw new Error("not found");\n`;
const ID = 'q.eq(q.field("_id"), args.id)';

test("an _id equality ANDed with conditions on literals only (q.and first, later, nested; an index range; a JS find or filter with &&), then deleted or patched: unchecked-id-delete/-write", () => {
  const r = auditReport(
    cli,
    scratchApp("idfilter", "andliteral", {
      "d.ts":
        HEAD +
        fn("andFirst", "posts", `${FILTERED("posts", `q.and(${ID}, q.eq(q.field("visibility"), "draft"))`)}    await ctx.db.delete(p._id);`) +
        fn("andLater", "drafts", `${FILTERED("drafts", `q.and(q.eq(q.field("stale"), false), ${ID})`)}    await ctx.db.patch(p._id, { body: "" });`) +
        fn("andNested", "drafts", `${FILTERED("drafts", `q.and(q.neq(q.field("body"), ""), q.and(q.not(q.eq(q.field("stale"), true)), ${ID}))`)}    await ctx.db.delete(p._id);`) +
        fn("indexLiteral", "drafts", '    const p = await ctx.db.query("drafts").withIndex("by_author", (q) => q.eq("authorName", "x")).filter((q) => q.eq(q.field("_id"), args.id)).unique();\n    if (p) await ctx.db.delete(p._id);') +
        fn("findAnd", "drafts", '    const rows = await ctx.db.query("drafts").collect();\n    const row = rows.find((d) => !d.stale && d._id === args.id && d.body !== "");\n    if (row) await ctx.db.delete(row._id);') +
        fn("filterAnd", "drafts", '    const row = (await ctx.db.query("drafts").collect()).filter((d) => d._id === args.id && !d.stale)[0];\n    if (row) await ctx.db.patch(row._id, { body: "" });'),
    }),
  );
  assert.deepEqual(idChanges(r), [
    "unchecked-id-delete d:andFirst high",
    "unchecked-id-delete d:andNested high",
    "unchecked-id-delete d:findAnd high",
    "unchecked-id-delete d:indexLiteral high",
    "unchecked-id-write d:andLater high",
    "unchecked-id-write d:filterAnd high",
  ]);
  assert.match(r.findings.find((f) => f.rule === "unchecked-id-delete" && f.function === "d:andFirst").message, /deletes the document that argument 'id' names, for any signed-in caller/);
});

test("an _id equality ANDed with the caller's id (q.and, JS &&) or a checked parent's (index range, q.and): no id finding", () => {
  const args = '{ id: v.id("comments"), postId: v.id("posts") }';
  const parent = '    await guard.requireAccess(ctx, "posts", args.postId, "editor");\n';
  const r = auditReport(
    cli,
    scratchApp("idfilter", "andtied", {
      "schema.ts": SCHEMA,
      "d.ts":
        HEAD +
        fn("andOwn", "drafts", `${FILTERED("drafts", `q.and(q.eq(q.field("stale"), false), ${ID}, q.eq(q.field("userId"), user._id))`)}    await ctx.db.delete(p._id);`) +
        fn("findOwn", "drafts", '    const rows = await ctx.db.query("drafts").collect();\n    const row = rows.find((d) => d._id === args.id && d.userId === user._id);\n    if (row) await ctx.db.delete(row._id);') +
        fn("parentIndex", "comments", `${parent}    const c = await ctx.db.query("comments").withIndex("by_post", (q) => q.eq("postId", args.postId)).filter((q) => q.eq(q.field("_id"), args.id)).unique();\n    if (c) await ctx.db.delete(c._id);`, args) +
        fn("parentAnd", "comments", `${parent}    const c = await ctx.db.query("comments").filter((q) => q.and(q.eq(q.field("postId"), args.postId), ${ID}, q.eq(q.field("hidden"), false))).first();\n    if (c) await ctx.db.patch(c._id, { body: "" });`, args),
    }),
  );
  assert.deepEqual(idChanges(r), []);
});

test("unchecked-id-read: an _id equality ANDed with literals or a JS find (or filter(...)[0]) with &&, returned, is reported; ANDed with the caller's id (q.and, the owner's index) it is the caller's own row", () => {
  const r = auditReport(
    cli,
    scratchApp("idfilter", "andread", {
      "d.ts":
        HEAD +
        read("readAnd", "posts", `${FILTERED("posts", `q.and(${ID}, q.eq(q.field("visibility"), "draft"))`)}    return p;`) +
        read("readFind", "drafts", '    const rows = await ctx.db.query("drafts").collect();\n    return rows.find((d) => d._id === args.id && !d.stale) ?? null;') +
        read("readOwnAnd", "posts", `${FILTERED("posts", `q.and(${ID}, q.eq(q.field("ownerId"), user._id))`)}    return p;`) +
        read("readOwnIndex", "posts", '    return await ctx.db.query("posts").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).filter((q) => q.eq(q.field("_id"), args.id)).unique();') +
        read("readFindOwn", "drafts", '    const rows = await ctx.db.query("drafts").collect();\n    return rows.find((d) => d._id === args.id && d.userId === user._id) ?? null;') +
        read("readFilterFirst", "drafts", '    const rows = await ctx.db.query("drafts").withIndex("by_author", (q) => q.eq("authorName", "x")).collect();\n    const row = rows.filter((d) => d._id === args.id && d.stale !== true)[0];\n    return row?.body ?? null;') +
        read("readOrOwn", "posts", `${FILTERED("posts", `q.or(q.eq(q.field("ownerId"), user._id), ${ID})`)}    return p;`),
    }),
  );
  assert.deepEqual(idFindings(r), ["unchecked-id-read d:readAnd", "unchecked-id-read d:readFilterFirst", "unchecked-id-read d:readFind", "unchecked-id-read d:readOrOwn"]);
});

/** `ctx.db.query(table).filter((q) => q.and(<the _id equality>, cond)).first()`, then `change` of the row found (`delete` or `patch`). */
const AND = (table, cond, change = "delete") =>
  `    const p = await ctx.db.query("${table}").filter((q) => q.and(q.eq(q.field("_id"), args.id), ${cond})).first();\n    if (p) await ctx.db.${change}(p._id${change === "patch" ? ', { title: "x" }' : ""});`;

test("an _id filter ANDed with a condition that ties nothing (q.neq/q.not of the caller's id, a tautology, an unchecked argument, Date.now(), a computed const, a q.or): the delete or patch is reported (attack48 F2)", () => {
  const vis = '{ id: v.id("posts"), vis: v.string() }';
  const child = '{ id: v.id("comments"), postId: v.id("posts") }';
  const r = auditReport(
    cli,
    scratchApp("idfilter", "untied", {
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
    scratchApp("idfilter", "tied", {
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
  const r = auditReport(
    cli,
    scratchApp("idfilter", "ownerfield", {
      "d.ts":
        HEAD +
        fn("delByEditor", "posts", AND("posts", 'q.eq(q.field("editorId"), user._id)')) +
        fn("delEditorIndex", "posts", '    const p = await ctx.db.query("posts").withIndex("by_editor", (q) => q.eq("editorId", user._id)).filter((q) => q.eq(q.field("_id"), args.id)).unique();\n    if (p) await ctx.db.delete(p._id);') +
        fn("delCmpEditor", "posts", '    const p = await ctx.db.get(args.id);\n    if (p === null || p.editorId !== user._id) return null;\n    await ctx.db.delete(p._id);') +
        fn("patchCmpEditor", "posts", '    const p = await ctx.db.get(args.id);\n    if (p === null || p.editorId !== user._id) throw new Error("no");\n    await ctx.db.patch(p._id, { title: "x" });') +
        fn("delCmpOwner", "posts", '    const p = await ctx.db.get(args.id);\n    if (p === null || p.ownerId !== user._id) return null;\n    await ctx.db.delete(p._id);') +
        fn("delDraftCmp", "drafts", '    const d = await ctx.db.get(args.id);\n    if (d === null || d.userId !== user._id) return null;\n    await ctx.db.delete(d._id);') +
        read("readByEditor", "posts", `    return await ctx.db.query("posts").filter((q) => q.and(q.eq(q.field("_id"), args.id), q.eq(q.field("editorId"), user._id))).first();`) +
        read("readCmpEditor", "posts", '    const p = await ctx.db.get(args.id);\n    if (p === null || p.editorId !== user._id) return null;\n    return p;') +
        read("readCmpOwner", "posts", '    const p = await ctx.db.get(args.id);\n    if (p === null || p.ownerId !== user._id) return null;\n    return p;'),
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
