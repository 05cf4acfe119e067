// A single document read in an app helper (the "get or throw" helper, `loadTask(ctx, taskId)`)
// is judged as the read written in the handler, the helper's parameter standing for what the call
// passes, up to three helpers deep: its answer returned is `unchecked-id-read`, its `_id` patched,
// replaced or deleted is `unchecked-id-write` / `unchecked-id-delete`, reported "(through
// loadTask)" (newuser22). Whatever covers a read in the handler covers it; a helper that checks
// anything itself (a guard call, a comparison of a field), an id that is not the caller's
// argument, or an answer only tested, is not reported. Run the way a user runs it: the bin of the
// packed tarball, on apps written here.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ANY_API, auditReport, CLI, SCHEMA_HEAD, scratchApp } from "./apps.mjs";

const SCHEMA = `${SCHEMA_HEAD}  tasks: defineTable({ title: v.string(), ownerId: v.id("users") }).index("by_owner", ["ownerId"]),
  notes: defineTable({ body: v.string(), authorId: v.id("users") }),
});
`;

/** Tasks under access; notes a table no guard configures. */
const GUARD = `import { defineGuard } from "convex-guard";
export const guard = defineGuard({ roles: ["user", "admin"], access: { tables: { tasks: { owner: "ownerId" } } } });
`;

/** The helpers, in a module of their own (imported). */
const LOADERS = `import { ConvexError } from "convex/values";
import type { Id } from "./_generated/dataModel";
import type { QueryCtx } from "./_generated/server";
import { guard } from "./guard";

/** Get or throw, by a second and a third helper. */
export async function getOrThrow(ctx: QueryCtx, id: Id<"tasks">) {
  const doc = await ctx.db.get(id);
  if (doc === null) throw new ConvexError("not found");
  return doc;
}
export async function fetchTask(ctx: QueryCtx, id: Id<"tasks">) {
  return await getOrThrow(ctx, id);
}
export async function loadDeep(ctx: QueryCtx, taskId: Id<"tasks">) {
  return await fetchTask(ctx, taskId);
}

/** A helper that checks the caller's access itself. */
export async function loadChecked(ctx: QueryCtx, taskId: Id<"tasks">) {
  const { doc } = await guard.requireAccess(ctx, "tasks", taskId, "editor");
  return doc;
}

/** A helper comparing the owner with the caller it is given. */
export async function loadOwned(ctx: QueryCtx, taskId: Id<"tasks">, user: { _id: Id<"users"> }) {
  const t = await ctx.db.get(taskId);
  if (t === null || t.ownerId !== user._id) throw new ConvexError("not found");
  return t;
}

/** A helper reading a document of its own choosing. */
export async function loadPinned(ctx: QueryCtx) {
  return await ctx.db.get("pinned" as Id<"tasks">);
}

/** The app's check of a task, around the guard's. */
export async function requireTask(ctx: QueryCtx, taskId: Id<"tasks">, level: "viewer" | "editor" | "owner") {
  return await guard.requireAccess(ctx, "tasks", taskId, level);
}
`;

const HEAD = `import { ConvexError, v } from "convex/values";
import type { Id } from "./_generated/dataModel";
import { mutation, query, type QueryCtx } from "./_generated/server";
import { guard } from "./guard";
import { getOrThrow, loadChecked, loadDeep, loadOwned, loadPinned, requireTask } from "./loaders";

async function loadTask(ctx: QueryCtx, taskId: Id<"tasks">) {
  const t = await ctx.db.get(taskId);
  if (t === null) throw new ConvexError("not found");
  return t;
}
async function loadNote(ctx: QueryCtx, noteId: Id<"notes">) {
  const n = await ctx.db.get(noteId);
  if (n === null) throw new ConvexError("not found");
  return n;
}
`;

/** A query of `taskId` running `body` (`ctx`, `taskId` and `user`, the caller's row, in scope). */
const GET = (name, body) => `export const ${name} = query({
  args: { taskId: v.id("tasks") },
  handler: async (ctx, { taskId }) => {
    const user = await guard.requireUser(ctx);
${body}
  },
});
`;

/** A mutation of `taskId` and `title` running `body` (`ctx`, `args` and `user` in scope). */
const CHANGE = (name, body) => `export const ${name} = mutation({
  args: { taskId: v.id("tasks"), title: v.string() },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
${body}
  },
});
`;

/** The findings of the `unchecked-id-*` rules on an app of `text`, as `function severity rule line`, sorted, and the whole findings. */
function audited(name, text) {
  const appRoot = scratchApp("helperget", name, { "schema.ts": SCHEMA, "loaders.ts": LOADERS, "f.ts": HEAD + text, ...ANY_API }, GUARD);
  const found = auditReport(CLI, appRoot).findings.filter((f) => f.rule.startsWith("unchecked-id-"));
  return { shown: found.map((f) => `${f.function} ${f.severity} ${f.rule} ${f.file}:${f.line}`).sort(), found };
}

test("a document a helper reads by the caller's argument: returned is unchecked-id-read at the helper's read, its _id patched, replaced or deleted is unchecked-id-write/-delete, through the helper (three deep, imported)", () => {
  const { shown, found } = audited(
    "positives",
    GET("get", "    return await loadTask(ctx, taskId);") +
      GET("viaConst", "    const task = await loadTask(ctx, taskId);\n    return { title: task.title };") +
      GET("deep", "    return await loadDeep(ctx, taskId);") +
      CHANGE("rename", "    const task = await loadTask(ctx, args.taskId);\n    await ctx.db.patch(task._id, { title: args.title });") +
      CHANGE("replaceIt", "    const task = await loadDeep(ctx, args.taskId);\n    await ctx.db.replace(task._id, { title: args.title, ownerId: user._id });") +
      CHANGE("remove", "    const task = await loadTask(ctx, args.taskId);\n    await guard.audit.log(ctx, { action: \"remove\", target: task._id });\n    await ctx.db.delete(task._id);"),
  );
  assert.deepEqual(shown, [
    "f:deep high unchecked-id-read convex/loaders.ts:8",
    "f:get high unchecked-id-read convex/f.ts:8",
    "f:remove high unchecked-id-delete convex/f.ts:61",
    "f:rename high unchecked-id-write convex/f.ts:44",
    "f:replaceIt high unchecked-id-write convex/f.ts:52",
    "f:viaConst high unchecked-id-read convex/f.ts:8",
  ]);
  const message = (fn) => found.find((f) => f.function === fn).message;
  assert.match(message("f:get"), /^f:get \(through loadTask\) returns data read from the document that argument 'taskId' names, to any signed-in caller/);
  assert.match(message("f:deep"), /^f:deep \(through loadDeep\) returns data read/);
  assert.match(message("f:rename"), /^f:rename \(through loadTask\) patches the document that argument 'taskId' names, for any signed-in caller/);
  assert.match(message("f:replaceIt"), /^f:replaceIt \(through loadDeep\) replaces the document/);
  assert.match(message("f:remove"), /^f:remove \(through loadTask\) deletes the document that argument 'taskId' names/);
});

test("a table no guard configures: a helper's read is reported as the same read in the handler is", () => {
  const NOTE = (name, body) => `export const ${name} = query({
  args: { noteId: v.id("notes") },
  handler: async (ctx, { noteId }) => {
    await guard.requireUser(ctx);
${body}
  },
});
`;
  const { shown } = audited("unconfigured", NOTE("inline", "    return await ctx.db.get(noteId);") + NOTE("helper", "    return await loadNote(ctx, noteId);"));
  assert.deepEqual(shown.map((s) => s.split(" ").slice(0, 3).join(" ")), ["f:helper high unchecked-id-read", "f:inline high unchecked-id-read"]);
});

test("a check in the handler covers a helper's read as it covers the handler's own: requireAccess, the builder's access, a tested readable, a role above the lowest, an owner comparison", () => {
  const { shown } = audited(
    "covered",
    GET("checked", '    await guard.requireAccess(ctx, "tasks", taskId, "viewer");\n    return await loadTask(ctx, taskId);') +
      GET("readableTested", '    const r = await guard.readable(ctx, "tasks", taskId);\n    if (r === null) throw new ConvexError("not found");\n    return await loadTask(ctx, taskId);') +
      GET("admin", '    await guard.requireRole(ctx, "admin");\n    return await loadTask(ctx, taskId);') +
      GET("ownerCompared", "    const t = await loadTask(ctx, taskId);\n    if (t.ownerId !== user._id) throw new ConvexError(\"not found\");\n    return t;") +
      `export const builderAccess = guard.query(query, {
  access: { table: "tasks", arg: "taskId" },
  args: { taskId: v.id("tasks") },
  handler: async (ctx, { taskId }) => await loadTask(ctx, taskId),
});
` +
      CHANGE("editorChecked", '    await guard.requireAccess(ctx, "tasks", args.taskId, "editor");\n    const task = await loadTask(ctx, args.taskId);\n    await ctx.db.patch(task._id, { title: args.title });') +
      CHANGE("ownerWrite", "    const task = await loadTask(ctx, args.taskId);\n    if (task.ownerId !== user._id) throw new ConvexError(\"not yours\");\n    await ctx.db.patch(task._id, { title: args.title });") +
      CHANGE("adminWrite", '    await guard.requireRole(ctx, "admin");\n    const task = await loadTask(ctx, args.taskId);\n    await ctx.db.patch(task._id, { title: args.title });'),
  );
  assert.deepEqual(shown, []);
});

test("a viewer check covers a helper's read, not a write by its answer's _id (medium), as in the handler", () => {
  const { shown } = audited("weak", CHANGE("viewerOnly", '    await guard.requireAccess(ctx, "tasks", args.taskId, "viewer");\n    const task = await loadTask(ctx, args.taskId);\n    await ctx.db.patch(task._id, { title: args.title });'));
  assert.deepEqual(shown, ["f:viewerOnly medium unchecked-id-write convex/f.ts:23"]);
});

test("a helper that checks itself, reads an id that is not the caller's argument, or whose answer is only tested: not reported", () => {
  const { shown } = audited(
    "silent",
    GET("helperChecks", "    return await loadChecked(ctx, taskId);") +
      GET("helperCompares", "    return await loadOwned(ctx, taskId, user);") +
      GET("pinned", "    return await loadPinned(ctx);") +
      GET("ownId", "    return await loadTask(ctx, user._id as unknown as Id<\"tasks\">);") +
      GET("unknownId", "    const id = (await ctx.db.query(\"tasks\").first())!._id;\n    return await loadTask(ctx, id);") +
      GET("testedOnly", "    if (await loadTask(ctx, taskId)) return true;\n    return false;") +
      GET("comparedOnly", "    return (await loadTask(ctx, taskId)) !== null;") +
      CHANGE("checkedInHelper", "    const task = await loadChecked(ctx, args.taskId);\n    await ctx.db.patch(task._id, { title: args.title });") +
      CHANGE("comparedInHelper", "    const task = await loadOwned(ctx, args.taskId, user);\n    await ctx.db.delete(task._id);"),
  );
  assert.deepEqual(shown, []);
});

test("a check on the _id of the document read by an argument (a get-or-throw helper's, or the handler's own read) covers that argument as a check on it does: a tested readable, requireAccess, an app helper around it (newuser24)", () => {
  const { shown } = audited(
    "byReadId",
    CHANGE("readableOfHelper", '    const task = await getOrThrow(ctx, args.taskId);\n    const r = await guard.readable(ctx, "tasks", task._id, "editor");\n    if (r === null) throw new ConvexError("not found");\n    await ctx.db.patch(task._id, { title: args.title });') +
      CHANGE("appCheckOfHelper", '    const task = await loadTask(ctx, args.taskId);\n    await requireTask(ctx, task._id, "editor");\n    await ctx.db.delete(task._id);') +
      CHANGE("inHandler", '    const task = await ctx.db.get(args.taskId);\n    if (task === null) throw new ConvexError("not found");\n    const id = task._id;\n    await guard.requireAccess(ctx, "tasks", id, "owner");\n    await ctx.db.patch(task._id, { title: args.title });') +
      // At the lowest level: a write one step lower, as a viewer check on the argument is.
      CHANGE("viewerOfHelper", '    const task = await getOrThrow(ctx, args.taskId);\n    await guard.requireAccess(ctx, "tasks", task._id, "viewer");\n    await ctx.db.patch(task._id, { title: args.title });') +
      // A check on another document's _id covers nothing of the argument's.
      CHANGE("otherDocument", '    const task = await getOrThrow(ctx, args.taskId);\n    const other = (await ctx.db.query("tasks").first())!;\n    await guard.requireAccess(ctx, "tasks", other._id, "editor");\n    await ctx.db.patch(task._id, { title: args.title });'),
  );
  assert.deepEqual(shown, ["f:otherDocument high unchecked-id-write convex/f.ts:63", "f:viewerOfHelper medium unchecked-id-write convex/f.ts:53"]);
});
