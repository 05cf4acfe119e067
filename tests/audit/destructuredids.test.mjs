// An id that is a field of an object argument, or of an element of a list argument, reached
// through a destructuring (`const { id, title } = args.task`, `for (const { id } of args.items)`,
// `args.items.map(({ id }) => ...)`), a `const` copy of the field (`const id = args.task.id`), an
// object argument relayed whole or spread to an internal function (`ctx.runQuery(ref, args.ref)`,
// `{ ...args.task }`), or the whole `args` handed to a helper that reads `args.id`: judged as
// `args.task.id`, `{ id: args.ref.id }` and `loadTask(ctx, args.id)` are (attack43 F1, F2, F5).
// Run the way a user runs it: the bin of the packed tarball (AUDIT_CLI names another, to show a
// test fails on an older build), on apps written here.
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, CLI, ANY_API, FOLDERS_GUARD as GUARD, FOLDERS_SCHEMA as SCHEMA, ID_RULES, scratchApp, WIRING } from "./apps.mjs";

const cli = process.env.AUDIT_CLI ?? CLI;

// `check(id, level)`: the line a correct function adds before it uses that id ("" for none).
const TEXT = (check) => `import { v } from "convex/values";
import { action, internalMutation, internalQuery, mutation, query } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";
import { loadFromArgs } from "./lib/repo";

const task = v.object({ id: v.id("documents"), title: v.string() });

export const rename = mutation({
  args: { task },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const { id, title } = args.task;
${check("id", "editor")}    await ctx.db.patch(id, { title });
  },
});
export const getByRef = query({
  args: { ref: v.object({ id: v.id("documents") }) },
  handler: async (ctx, { ref }) => {
    await guard.requireUser(ctx);
    const { id } = ref;
${check("id", "viewer")}    return await ctx.db.get(id);
  },
});
export const renameRest = mutation({
  args: { task },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const t = args.task;
    const { id, ...rest } = t;
${check("id", "editor")}    await ctx.db.patch(id, rest);
  },
});
export const renameCopy = mutation({
  args: { task },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const id = args.task.id;
${check("id", "editor")}    await ctx.db.patch(id, { title: args.task.title });
  },
});
export const renameMany = mutation({
  args: { items: v.array(task) },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    for (const { id, title } of args.items) {
${check("id", "editor")}      await ctx.db.patch(id, { title });
    }
  },
});
// convex-guard-allow: destructive-unconfirmed, grants-left the deletes this test judges are the id rules'
export const removeMany = mutation({
  args: { items: v.array(v.object({ id: v.id("documents") })) },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await Promise.all(
      args.items.map(async ({ id }) => {
${check("id", "owner")}        await ctx.db.delete(id);
      }),
    );
  },
});

export const getInternal = internalQuery({ args: { id: v.id("documents") }, handler: async (ctx, { id }) => await ctx.db.get(id) });
export const patchInternal = internalMutation({
  args: { id: v.id("documents"), title: v.string() },
  handler: async (ctx, { id, title }) => {
    await ctx.db.patch(id, { title });
  },
});
export const relayGet = action({
  args: { ref: v.object({ id: v.id("documents") }) },
  handler: async (ctx, args): Promise<unknown> => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
${check("args.ref.id", "viewer")}    return await ctx.runQuery(internal.f.getInternal, args.ref);
  },
});
export const relayPatch = action({
  args: { task },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
${check("args.task.id", "editor")}    await ctx.runMutation(internal.f.patchInternal, { ...args.task });
  },
});
export const relayMaybe = action({
  args: { ref: v.optional(v.object({ id: v.id("documents") })) },
  handler: async (ctx, args): Promise<unknown> => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    if (args.ref === undefined) return null;
${check("args.ref.id", "viewer")}    return await ctx.runQuery(internal.f.getInternal, args.ref);
  },
});
// The spread's id replaced by the caller's own document's: no argument's id is passed.
export const renameOwn = action({
  args: { task },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const mine = await ctx.runQuery(internal.f.ownDocument, { ownerId: user._id });
    await ctx.runMutation(internal.f.patchInternal, { ...args.task, id: mine });
  },
});
export const ownDocument = internalQuery({
  args: { ownerId: v.id("users") },
  handler: async (ctx, { ownerId }) => (await ctx.db.query("documents").withIndex("by_owner", (q) => q.eq("ownerId", ownerId)).first())!._id,
});

export const getWhole = query({
  args: { id: v.id("documents") },
  handler: async (ctx, args) => {
    await guard.requireUser(ctx);
${check("args.id", "viewer")}    return await loadFromArgs(ctx, args);
  },
});
`;

const REPO = `import type { QueryCtx } from "../_generated/server";
import type { Id } from "../_generated/dataModel";

export async function loadFromArgs(ctx: QueryCtx, args: { id: Id<"documents"> }) {
  return await ctx.db.get(args.id);
}
`;

const found = (name, check) =>
  auditReport(cli, scratchApp("destructuredids", name, { "schema.ts": SCHEMA, "f.ts": TEXT(check), "lib/repo.ts": REPO, ...WIRING, ...ANY_API }, GUARD))
    .findings.filter((f) => ID_RULES.includes(f.rule))
    .map((f) => `${f.file}:${f.line} ${f.severity} ${f.rule} ${f.function}: ${f.message}`);

test("ids destructured from an object argument or a list element, relayed in an object argument (not one a later property replaces), or read by a helper given args: reported", () => {
  assert.deepEqual(found("open", () => ""), [
    "convex/f.ts:15 high unchecked-id-write f:rename: f:rename patches the document that argument 'task.id' names, for any signed-in caller",
    "convex/f.ts:23 high unchecked-id-read f:getByRef: f:getByRef returns data read from the document that argument 'ref.id' names, to any signed-in caller",
    "convex/f.ts:33 high unchecked-id-write f:renameRest: f:renameRest patches the document that argument 'task.id' names, for any signed-in caller",
    "convex/f.ts:42 high unchecked-id-write f:renameCopy: f:renameCopy patches the document that argument 'task.id' names, for any signed-in caller",
    "convex/f.ts:51 high unchecked-id-write f:renameMany: f:renameMany patches the document that argument 'items.id' names, for any signed-in caller",
    "convex/f.ts:63 high unchecked-id-delete f:removeMany: f:removeMany deletes the document that argument 'items.id' names, for any signed-in caller",
    "convex/f.ts:81 high unchecked-id-read f:relayGet: f:relayGet returns, through internal.f.getInternal (ctx.runQuery), data read from the document that argument 'ref.id' names, to any signed-in caller",
    "convex/f.ts:89 high unchecked-id-write f:relayPatch: f:relayPatch patches, through internal.f.patchInternal (ctx.runMutation), the document that argument 'task.id' names, for any signed-in caller",
    "convex/f.ts:98 high unchecked-id-read f:relayMaybe: f:relayMaybe returns, through internal.f.getInternal (ctx.runQuery), data read from the document that argument 'ref.id' names, to any signed-in caller",
    "convex/lib/repo.ts:5 high unchecked-id-read f:getWhole: f:getWhole (through loadFromArgs) returns data read from the document that argument 'id' names, to any signed-in caller",
  ]);
});

test("the same functions with a document check of that id at the level each use needs: not reported", () => {
  const check = (id, level) => `    await guard.requireAccess(ctx, "documents", ${id}, "${level}");\n`;
  assert.deepEqual(found("checked", check), []);
});
