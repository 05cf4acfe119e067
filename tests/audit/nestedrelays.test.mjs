// An id handed to an internal function inside a nested object or a list (`{ target: { id } }`,
// `{ ids: [id] }`), whose handler writes `args.target.id` or deletes each of `args.ids`: judged
// as a flat relay is (follow.ts), at the call; a document check of the caller's on that id covers
// it. Run the way a user runs it: the bin of the packed tarball, on apps written here.
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, CLI, ANY_API, FOLDERS_GUARD as GUARD, FOLDERS_SCHEMA as SCHEMA, ID_RULES, scratchApp } from "./apps.mjs";

const TEXT = (check) => `import { v } from "convex/values";
import { internalMutation, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

export const retitle = mutation({
  args: { id: v.id("documents"), title: v.string() },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
${check}    await ctx.runMutation(internal.f.doPatch, { target: { id: args.id }, title: args.title });
  },
});
export const doPatch = internalMutation({
  args: { target: v.object({ id: v.id("documents") }), title: v.string() },
  handler: async (ctx, args) => {
    await ctx.db.patch(args.target.id, { title: args.title });
  },
});

export const bulkDelete = mutation({
  args: { id: v.id("documents") },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
${check}    await ctx.scheduler.runAfter(0, internal.f.doDeleteMany, { ids: [args.id] });
  },
});
// convex-guard-allow: destructive-unconfirmed a worker
export const doDeleteMany = internalMutation({
  args: { ids: v.array(v.id("documents")) },
  handler: async (ctx, args) => {
    for (const id of args.ids) await ctx.db.delete(id);
  },
});
`;

const found = (name, check) =>
  auditReport(CLI, scratchApp("nestedrelays", name, { "schema.ts": SCHEMA, "f.ts": TEXT(check), ...ANY_API }, GUARD))
    .findings.filter((f) => ID_RULES.includes(f.rule))
    .map((f) => `${f.line} ${f.severity} ${f.rule} ${f.function}: ${f.message}`);

test("an id passed in a nested object or a list to a function that writes or deletes by it, with no check: reported at the call", () => {
  assert.deepEqual(found("open", ""), [
    "11 high unchecked-id-write f:retitle: f:retitle patches, through internal.f.doPatch (ctx.runMutation), the document that argument 'id' names, for any signed-in caller",
    "26 high unchecked-id-delete f:bulkDelete: f:bulkDelete deletes, through internal.f.doDeleteMany (scheduled: ctx.scheduler.runAfter), the document that argument 'id' names, for any signed-in caller",
  ]);
});

test("the same calls after an editor check of that id: not reported", () => {
  assert.deepEqual(found("checked", '    await guard.requireAccess(ctx, "documents", args.id, "editor");\n'), []);
});
