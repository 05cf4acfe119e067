// Variables assigned again fail closed (attack48 F9, F7, F5): a `let` holding a checked document
// and then another argument's is read, where it is used, as its last assignment above the use; a
// listing given to a `let` by an assignment (`rows = <every row>`) reaches the `return` that
// hands the `let` on, and counts as the admin's only in the branch an admin decision lets the
// caller into; a `var` declared twice is a variable assigned again, never a `const` holding the
// caller's id. Each function marks its finding with `// FINDING rule`; correct code carries
// none. Run the way a user runs it: the bin of the packed tarball (AUDIT_CLI names another, to
// show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, foundRules as found, markers, scratchApp, ANY_API as API, WIRING } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const HEAD = `import { v } from "convex/values";
import { internalMutation, mutation, query } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";
`;

/** A public `kind` named `name` with `args`, signed in as `me` and rate-limited, then `body`. */
const fn = (kind, name, args, body) => `
export const ${name} = ${kind}({
  args: ${args},
  handler: async (ctx, args) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
${body}
  },
});
`;
const TWO = '{ id: v.id("posts"), other: v.id("posts") }';
const READ = "    let doc = await ctx.db.get(args.id);\n";
const OTHER = "      doc = (await ctx.db.get(args.other))!;\n";

test("a checked document's `let` given another argument's document: the write, delete or read is that argument's, unchecked (attack48 F9)", () => {
  const dir = scratchApp("reassigned", "docs", {
    "docs.ts":
      HEAD +
      fn("mutation", "ownerThrow", TWO, `${READ}    if (doc === null || doc.ownerId !== me._id) throw new Error("no");\n    doc = (await ctx.db.get(args.other))!;\n    await ctx.db.patch(doc._id, { title: "" }); // FINDING unchecked-id-write`) +
      fn("mutation", "ownerBranch", TWO, `${READ}    if (doc === null) return null;\n    if (doc.ownerId === me._id) {\n${OTHER}      await ctx.db.patch(doc._id, { title: "" }); // FINDING unchecked-id-write\n    }\n    return null;`) +
      fn("mutation", "ownerOrAdmin", TWO, `${READ}    if (doc === null) return null;\n    if (doc.ownerId === me._id || guard.roleAtLeast(me, "admin")) {\n${OTHER}      await ctx.db.delete(doc._id); // FINDING unchecked-id-delete\n    }\n    return null;`) +
      fn("mutation", "unchecked", TWO, `${READ}    await ctx.db.patch(doc!._id, { title: "" }); // FINDING unchecked-id-write`) +
      // Correct: the `let` checked where it holds the document written, before or after being given it.
      fn("mutation", "checked", TWO, `${READ}    if (doc === null || doc.ownerId !== me._id) throw new Error("no");\n    await ctx.db.patch(doc._id, { title: "" });`) +
      fn("query", "readOther", TWO, `${READ}    if (doc === null || doc.ownerId !== me._id) throw new Error("no");\n    doc = await ctx.db.get(args.other); // FINDING unchecked-id-read\n    return doc;`) +
      fn("query", "readChecked", TWO, `${READ}    if (doc === null || doc.ownerId !== me._id) throw new Error("no");\n    return doc;`) +
      fn("mutation", "checkedAgain", TWO, `${READ}    if (doc === null || doc.ownerId !== me._id) throw new Error("no");\n    doc = await ctx.db.get(args.other);\n    if (doc === null || doc.ownerId !== me._id) throw new Error("no");\n    await ctx.db.patch(doc._id, { title: "" });`),
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-id-read", "unchecked-id-write", "unchecked-id-delete"), markers(`${dir}/convex`));
  assert.match(r.findings.find((f) => f.function === "docs:ownerThrow").message, /patches the document that argument 'other' names/);
});

const LIST = '{ x: v.boolean() }';
const OWN = 'ctx.db.query("posts").withIndex("by_owner", (q) => q.eq("ownerId", me._id))';
const ALL = 'ctx.db.query("posts")';
const ADMIN = 'guard.roleAtLeast(me, "admin")';

test("a listing given to a `let` after its declaration reaches its `return`; an admin's only in the admin's branch (attack48 F7)", () => {
  const dir = scratchApp("reassigned", "lists", {
    "lists.ts":
      HEAD +
      fn("query", "ternaryLetReplaced", LIST, `    let q = ${ADMIN} ? ${ALL} : ${OWN};\n    if (args.x) q = ${ALL}; // FINDING unchecked-list\n    return await q.take(50);`) +
      fn("query", "unconditional", "{}", `    let rows = await ${OWN}.take(50);\n    rows = await ${ALL}.take(50); // FINDING unchecked-list\n    return rows;`) +
      fn("query", "byArgument", LIST, `    let rows = await ${OWN}.take(50);\n    if (args.x) rows = await ${ALL}.take(50); // FINDING unchecked-list\n    return rows;`) +
      fn("query", "swapped", "{}", `    let rows = await ${OWN}.take(50);\n    if (!${ADMIN}) rows = await ${ALL}.take(50); // FINDING unchecked-list\n    return rows;`) +
      fn("query", "lowestRole", "{}", `    let rows = await ${OWN}.take(50);\n    if (guard.roleAtLeast(me, "user")) rows = await ${ALL}.take(50); // FINDING unchecked-list\n    return rows;`) +
      fn("query", "secondIf", LIST, `    let rows = await ${OWN}.take(50);\n    if (${ADMIN}) rows = await ${ALL}.take(50);\n    if (args.x) rows = await ${ALL}.take(50); // FINDING unchecked-list\n    return rows;`) +
      fn("query", "elseConcat", "{}", `    let rows = await ${OWN}.take(50);\n    if (${ADMIN}) rows = await ${ALL}.take(50);\n    else rows = rows.concat(await ${ALL}.take(5)); // FINDING unchecked-list\n    return rows;`) +
      // Correct: the admin's every row, else the caller's own.
      fn("query", "adminIf", "{}", `    let rows = await ${OWN}.take(50);\n    if (${ADMIN}) rows = await ${ALL}.take(50);\n    return rows;`) +
      fn("query", "ifElseBlocks", "{}", `    let rows;\n    if (${ADMIN}) {\n      rows = await ${ALL}.take(50);\n    } else {\n      rows = await ${OWN}.take(50);\n    }\n    return rows;`) +
      fn("query", "constTernary", "{}", `    const q = ${ADMIN} ? ${ALL} : ${OWN};\n    return await q.take(50);`) +
      fn("query", "letOrdered", LIST, `    let q = ${ADMIN} ? ${ALL} : ${OWN};\n    if (args.x) q = q.order("desc");\n    return await q.take(50);`),
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-list"), markers(`${dir}/convex`));
});

test("a `var` declared twice is assigned again: no `const` of the caller's id, relayed or selecting rows (attack48 F5)", () => {
  const dir = scratchApp("reassigned", "vars", {
    ...API,
    ...WIRING,
    "vars.ts":
      HEAD +
      `
export const editAs = internalMutation({
  args: { userId: v.id("users"), id: v.id("posts"), title: v.string() },
  handler: async (ctx, args) => {
    const { doc } = await guard.requireAccessFor(ctx, args.userId, "posts", args.id, "editor");
    await ctx.db.patch(doc._id, { title: args.title });
  },
});
` +
      fn("mutation", "relayVar", '{ id: v.id("posts"), title: v.string() }', `    const r = await guard.readable(ctx, "posts", args.id);\n    if (r === null) return null;\n    var userId = me._id;\n    if (r.doc.ownerId) { var userId = r.doc.ownerId; }\n    await ctx.scheduler.runAfter(0, internal.vars.editAs, { userId, id: args.id, title: args.title }); // FINDING relayed-user-id\n    return null;`) +
      fn("query", "listVar", '{ id: v.id("posts") }', `    const r = await guard.readable(ctx, "posts", args.id);\n    var mine = me._id;\n    if (r !== null) { var mine = r.doc.ownerId; }\n    return await ctx.db.query("posts").withIndex("by_owner", (q) => q.eq("ownerId", mine)).take(50); // FINDING unchecked-list`) +
      // Correct: a `var` declared once, never assigned again, holds the caller's id.
      fn("mutation", "relayOnce", '{ id: v.id("posts"), title: v.string() }', `    var userId = me._id;\n    await ctx.scheduler.runAfter(0, internal.vars.editAs, { userId, id: args.id, title: args.title });`) +
      fn("query", "listOnce", "{}", `    var mine = me._id;\n    return await ctx.db.query("posts").withIndex("by_owner", (q) => q.eq("ownerId", mine)).take(50);`),
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "relayed-user-id", "unchecked-list"), markers(`${dir}/convex`));
});
