// An owner comparison written by hand covers only what it comes before, unless a throw decides it
// (a mutation's throw rolls back what it wrote): `await ctx.db.patch(doc._id, ...); if (doc.ownerId
// !== me._id) return null;` wrote for anyone and is reported, as a write or delete of the argument's
// document with no check is; `patch; if (!mine) throw` stays accepted, and so does a read made
// before a `return` test (its data is returned after the test). Run the way a user runs it: the bin
// of the packed tarball (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ANY_API, auditReport, idFindings, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const HEAD = `import { v } from "convex/values";
import { internalMutation, mutation, query } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

export const purge = internalMutation({
  args: { id: v.id("posts") },
  handler: async (ctx, args) => {
    await ctx.db.delete(args.id);
  },
});
`;
/** A public mutation `name` on the post `id`, signed in and rate limited, that reads it and then runs `body`. */
const change = (name, body) => `
export const ${name} = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, args) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    const doc = await ctx.db.get(args.id);
    if (doc === null) return null;
${body}
    return null;
  },
});
`;
const NOT_MINE = "    if (doc.ownerId !== me._id) return null;\n";

test("a change made before an owner comparison that leaves by return is unchecked; before a throw, or after the test, it is covered", () => {
  const r = auditReport(
    cli,
    scratchApp("cmporder", "order", {
      ...ANY_API,
      "o.ts":
        HEAD +
        // Accepted: the test comes first, or a throw rolls back what was written before it.
        change("testThenPatch", `${NOT_MINE}    await ctx.db.patch(doc._id, { title: "x" });`) +
        change("testThenSchedule", `${NOT_MINE}    await ctx.scheduler.runAfter(0, internal.o.purge, { id: doc._id });`) +
        change("patchThenThrow", `    await ctx.db.patch(doc._id, { title: "x" });\n    if (doc.ownerId !== me._id) throw new Error("not yours");`) +
        change("deleteThenThrow", `    await ctx.db.delete(doc._id);\n    if (doc.ownerId !== me._id) throw new Error("not yours");`) +
        `
export const readThenTest = query({
  args: { id: v.id("posts") },
  handler: async (ctx, args) => {
    const me = await guard.requireUser(ctx);
    const doc = await ctx.db.get(args.id);
    if (doc === null) return null;
    const title = doc.title;
    if (doc.ownerId !== me._id) return null;
    return title;
  },
});
` +
        // Reported: the change was made before the test, and its return keeps it.
        change("patchThenReturn", `    await ctx.db.patch(doc._id, { title: "x" });\n${NOT_MINE}`) +
        change("deleteThenReturn", `    await ctx.db.delete(args.id);\n${NOT_MINE}`) +
        change("scheduleThenReturn", `    await ctx.scheduler.runAfter(0, internal.o.purge, { id: doc._id });\n${NOT_MINE}`) +
        change("patchThenNegated", `    await ctx.db.patch(doc._id, { title: "x" });\n    if (doc.ownerId === me._id) return doc.title;\n    return null;`) +
        change("patchThenConst", `    await ctx.db.patch(doc._id, { title: "x" });\n    const mine = doc.ownerId === me._id;\n    if (!mine) return null;`),
    }),
  );
  assert.deepEqual(idFindings(r), [
    "unchecked-id-delete o:deleteThenReturn",
    "unchecked-id-delete o:scheduleThenReturn",
    "unchecked-id-write o:patchThenConst",
    "unchecked-id-write o:patchThenNegated",
    "unchecked-id-write o:patchThenReturn",
  ]);
});
