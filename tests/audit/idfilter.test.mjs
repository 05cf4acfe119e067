// A row found by an `_id` filter (`query(t).filter((q) => q.eq(q.field("_id"), args.id)).unique()`)
// and then deleted or patched is the document the argument names, as after `ctx.db.get(args.id)`
// (attack43 F4): `unchecked-id-delete` and `unchecked-id-write` read it as the read rules do. A
// query narrowed by more than the `_id` equality (the caller's own rows) and a row checked or
// compared first stay unreported. So are a JavaScript find by _id over all of a table's rows and
// the keys of a record argument (attack45 F4). An `_id` equality ANDed with conditions on fields
// compared with literals only (`q.and(..., q.eq(q.field("stale"), false))`, an index range on a
// literal, `find((d) => d._id === args.id && !d.stale)`) is the same read; one ANDed with the
// caller's id or a checked parent's is not (twenty-first round). Run the way a user runs it: the bin of the packed tarball
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
  const schema = readFileSync(`${pitfalls}/schema.ts`, "utf8").replace(/\}\);\s*$/, '  comments: defineTable({ postId: v.id("posts"), body: v.string(), hidden: v.boolean() }).index("by_post", ["postId"]),\n});\n');
  const args = '{ id: v.id("comments"), postId: v.id("posts") }';
  const parent = '    await guard.requireAccess(ctx, "posts", args.postId, "editor");\n';
  const r = auditReport(
    cli,
    scratchApp("idfilter", "andtied", {
      "schema.ts": schema,
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
  const read = (name, table, body) => `
export const ${name} = query({
  args: { id: v.id("${table}") },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
${body}
  },
});
`;
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
