// A row of a table no guard configures (a task of a project) read, changed or deleted after a
// check of the document under access a field of it names (its project): one rule for the three
// (parentcover.ts `coversRow`). A read is covered at any level when the parent's table has no
// visibility (every level on it is a grant), above the public level when it has one; a change
// above the lowest level. The check made in an app helper that read the row
// (`taskAt(ctx, taskId, "viewer")`, helperget.ts) is judged at the level the call passes. Fix
// texts name the parent's check and the guard's configured levels. Run the way a user runs it:
// the bin of the packed tarball (AUDIT_CLI names another build, to show a test fails on an older one).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, CLI, scratchApp } from "./apps.mjs";

const SCHEMA = `import { accessTables } from "convex-guard";
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  ...accessTables,
  users: defineTable({ tokenIdentifier: v.string(), name: v.string(), role: v.optional(v.string()) }).index("by_tokenIdentifier", ["tokenIdentifier"]),
  projects: defineTable({ name: v.string(), ownerId: v.id("users"), visibility: v.optional(v.string()) }),
  tasks: defineTable({ projectId: v.id("projects"), title: v.string(), done: v.boolean() }).index("by_project", ["projectId"]),
});
`;
/** A guard with levels viewer < editor < owner; `visibility`: projects may be public. */
const GUARD = (visibility) => `import { defineGuard, MINUTE } from "convex-guard";

export const guard = defineGuard({
  roles: ["user", "admin"],
  access: {
    levels: ["viewer", "editor", "owner"],
    tables: { projects: { owner: "ownerId"${visibility ? ', visibility: "visibility"' : ""} } },
  },
  rateLimits: { write: { kind: "token bucket", rate: 10, period: MINUTE } },
});
`;
const HEAD = `import { v, ConvexError } from "convex/values";
import { mutation, query } from "./_generated/server";
import type { QueryCtx } from "./_generated/server";
import type { Id } from "./_generated/dataModel";
import { guard } from "./guard";

async function taskAt(ctx: QueryCtx, taskId: Id<"tasks">, level: "viewer" | "editor" | "owner") {
  const task = await ctx.db.get(taskId);
  if (task === null) throw new ConvexError("not found");
  await guard.requireAccess(ctx, "projects", task.projectId, level);
  return task;
}
`;
const READ = (name, body) => `export const ${name} = query({
  args: { taskId: v.id("tasks") },
  handler: async (ctx, { taskId }) => {
    await guard.requireUser(ctx);
${body}
  },
});
`;
const CHANGE = (name, body) => `export const ${name} = mutation({
  args: { taskId: v.id("tasks") },
  handler: async (ctx, { taskId }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
${body}
    await guard.audit.log(ctx, { action: "tasks.change", outcome: "success", actor: user._id, resourceType: "tasks", resourceId: taskId });
  },
});
`;
const GET = '    const task = await ctx.db.get(taskId);\n    if (task === null) return null;\n';
const READS = [
  READ("byReadable", `${GET}    const r = await guard.readable(ctx, "projects", task.projectId);\n    if (r === null) return null;\n    return task;`),
  READ("byViewer", `${GET}    await guard.requireAccess(ctx, "projects", task.projectId, "viewer");\n    return task;`),
  READ("byEditor", `${GET}    await guard.requireAccess(ctx, "projects", task.projectId, "editor");\n    return task;`),
  READ("byHelper", '    return await taskAt(ctx, taskId, "viewer");'),
].join("");
const RULES = ["unchecked-id-read", "unchecked-id-write", "unchecked-id-delete"];

function audit(name, text, visibility = false) {
  const report = auditReport(process.env.AUDIT_CLI ?? CLI, scratchApp("parentread", name, { "schema.ts": SCHEMA, "f.ts": HEAD + text }, GUARD(visibility)));
  return report.findings.filter((f) => RULES.includes(f.rule));
}
const lines = (found) => found.map((f) => `${f.severity} ${f.rule} ${f.function}`).sort();

test("a task read after a check of its project, whose table has no visibility, at any level (readable, viewer, editor, in a helper): not reported", () => {
  assert.deepEqual(lines(audit("read-private", READS)), []);
});

test("a task read after a check of a project that may be public: at the public level reported, above it not; the fix names the project's check, not guard.readable on the task", () => {
  const found = audit("read-public", READS, true);
  assert.deepEqual(lines(found), ["high unchecked-id-read f:byHelper", "high unchecked-id-read f:byReadable", "high unchecked-id-read f:byViewer"]);
  for (const f of found) {
    assert.match(f.fix, /'tasks' is under no guard's access\.tables/);
    assert.match(f.fix, /guard\.requireAccess\(ctx, parentTable, row\.parentId, level\)/);
    assert.match(f.fix, /above the one public visibility gives \("editor" of the guard's levels viewer, editor, owner\)/);
    assert.doesNotMatch(f.fix, /default levels/);
  }
});

test("a task read with no check, in an app without visibility: the fix names the project's check at any level, with no public-visibility clause", () => {
  const [f, ...rest] = audit("read-open", READ("open", "    return await ctx.db.get(taskId);"));
  assert.deepEqual(rest, []);
  assert.equal(f.rule, "unchecked-id-read");
  assert.match(f.fix, /check the document under access that a field of the row names, at any level: guard\.requireAccess\(ctx, parentTable/);
  assert.doesNotMatch(f.fix, /public visibility|default levels|Read it with guard\.readable/);
});

test("a task changed after a viewer check of its project made in a helper: reported as the same check made inline is; at editor, neither is", () => {
  const found = audit(
    "helper-level",
    CHANGE("helperViewerPatch", '    const task = await taskAt(ctx, taskId, "viewer");\n    await ctx.db.patch(task._id, { done: true });') +
      CHANGE("helperViewerDelete", '    const task = await taskAt(ctx, taskId, "viewer");\n    await ctx.db.delete(task._id);') +
      CHANGE("inlineViewerDelete", '    const task = await ctx.db.get(taskId);\n    if (task === null) throw new ConvexError("not found");\n    await guard.requireAccess(ctx, "projects", task.projectId, "viewer");\n    await ctx.db.delete(task._id);') +
      CHANGE("helperEditorPatch", '    const task = await taskAt(ctx, taskId, "editor");\n    await ctx.db.patch(task._id, { done: true });') +
      CHANGE("helperOwnerDelete", '    const task = await taskAt(ctx, taskId, "owner");\n    await ctx.db.delete(task._id);') +
      CHANGE("inlineEditorPatch", '    const task = await ctx.db.get(taskId);\n    if (task === null) throw new ConvexError("not found");\n    await guard.requireAccess(ctx, "projects", task.projectId, "editor");\n    await ctx.db.patch(task._id, { done: true });'),
  );
  assert.deepEqual(lines(found), ["high unchecked-id-delete f:helperViewerDelete", "high unchecked-id-delete f:inlineViewerDelete", "high unchecked-id-write f:helperViewerPatch"]);
  const helper = found.find((f) => f.function === "f:helperViewerDelete");
  const inline = found.find((f) => f.function === "f:inlineViewerDelete");
  assert.match(helper.message, /\(through taskAt\) deletes the document that argument 'taskId' names, for any signed-in caller/);
  assert.equal(helper.fix, inline.fix);
  // No visibility anywhere: the level a change takes, named from the guard's levels, and no public clause.
  assert.match(helper.fix, /at a level above the lowest \("editor" of the guard's levels viewer, editor, owner\): guard\.requireAccess\(ctx, parentTable, row\.parentId, level\)/);
  assert.doesNotMatch(helper.fix, /public visibility|default levels/);
});

test("the children of a project changed with no check: the fix names the level a change takes from the guard's levels, not the default ones", () => {
  const text = `export const clear = mutation({
  args: { projectId: v.id("projects") },
  handler: async (ctx, { projectId }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const rows = await ctx.db.query("tasks").withIndex("by_project", (q) => q.eq("projectId", projectId)).collect();
    for (const r of rows) await ctx.db.patch(r._id, { done: true });
  },
});
`;
  const report = auditReport(process.env.AUDIT_CLI ?? CLI, scratchApp("parentread", "children", { "schema.ts": SCHEMA, "f.ts": HEAD + text }, GUARD(false)));
  const f = report.findings.find((x) => x.function === "f:clear" && x.rule === "unchecked-id-write");
  assert.ok(f !== undefined, JSON.stringify(report.findings.map((x) => x.rule)));
  assert.match(f.fix, /at the level a change takes \("editor" of the guard's levels viewer, editor, owner; or the builder's access on 'projectId'\)/);
  assert.doesNotMatch(f.fix, /default levels/);
});

/** A mutation taking `args` whole (`args.taskId`), as CHANGE with no destructuring. */
const CHANGE_ARGS = (name, body) => CHANGE(name, body).replace("async (ctx, { taskId })", "async (ctx, args)").replace("resourceId: taskId", "resourceId: args.taskId");

test("a task patched or deleted by the argument's id after a helper read it and checked its project: covered as by task._id (editor, owner); at viewer still reported, the fix naming the check made", () => {
  const found = audit(
    "helper-arg",
    CHANGE("argEditorPatch", '    const task = await taskAt(ctx, taskId, "editor");\n    await ctx.db.patch(taskId, { done: !task.done });') +
      CHANGE_ARGS("argEditorDelete", '    await taskAt(ctx, args.taskId, "editor");\n    await ctx.db.delete(args.taskId);') +
      CHANGE("argOwnerDelete", '    await taskAt(ctx, taskId, "owner");\n    await ctx.db.delete(taskId);') +
      CHANGE("argViewerPatch", '    const task = await taskAt(ctx, taskId, "viewer");\n    await ctx.db.patch(taskId, { done: !task.done });') +
      CHANGE_ARGS("argViewerDelete", '    await taskAt(ctx, args.taskId, "viewer");\n    await ctx.db.delete(args.taskId);') +
      CHANGE("inlineViewerPatch", '    const task = await ctx.db.get(taskId);\n    if (task === null) throw new ConvexError("not found");\n    await guard.requireAccess(ctx, "projects", task.projectId, "viewer");\n    await ctx.db.patch(taskId, { done: true });'),
  );
  assert.deepEqual(lines(found), ["high unchecked-id-delete f:argViewerDelete", "high unchecked-id-write f:argViewerPatch", "high unchecked-id-write f:inlineViewerPatch"]);
  const helper = found.find((f) => f.function === "f:argViewerPatch");
  assert.equal(helper.fix, found.find((f) => f.function === "f:inlineViewerPatch").fix);
  for (const f of found) {
    // The code checks the project, at viewer; it never calls requireAccess on a task.
    assert.match(f.fix, /^'tasks' is under no guard's access\.tables: its rows are checked through the document under access that a field of the row names, as this function does \('projects'\), but at 'viewer': check it at a level above the lowest \("editor" of the guard's levels viewer, editor, owner\)/);
    assert.doesNotMatch(f.fix, /fails at run time/);
  }
});

// A parent check made in an app helper (attack36 F1) is weighed as the same check inline: the
// level the check writes, or the call's literal for the parameter it passes (also a property of
// an object passed); anything else (a client's argument, a default, a mapping) is the weakest
// level. It covers only the row the helper answers. Typed and `ctx: any` helpers alike.
/** A "get or throw" helper that checks the task's project: its parameters, the id it reads, the level it checks at. */
const HELPER = (ctx, name, params, id, level, { before = "", after = "", answer = "task" } = {}) => `async function ${name}(ctx: ${ctx}, ${params}) {
  const task = await ctx.db.get(${id});
  if (task === null) throw new ConvexError("not found");
${before}  await guard.requireAccess(ctx, "projects", task.projectId, ${level});
${after}  return ${answer};
}
`;
const SHAPES = (ctx) =>
  `type Level = "viewer" | "editor" | "owner";
const lv = v.union(v.literal("viewer"), v.literal("editor"), v.literal("owner"));
` +
  HELPER(ctx, "taskFixed", 'taskId: Id<"tasks">', "taskId", '"viewer"') +
  HELPER(ctx, "taskEditor", 'taskId: Id<"tasks">', "taskId", '"editor"') +
  HELPER(ctx, "taskLevel", 'taskId: Id<"tasks">, level: Level', "taskId", "level") +
  HELPER(ctx, "taskDefault", 'taskId: Id<"tasks">, level: Level = "viewer"', "taskId", "level") +
  HELPER(ctx, "taskMapped", 'taskId: Id<"tasks">, level: Level', "taskId", "eff", { before: '  const eff: Level = level === "editor" ? "viewer" : level;\n' }) +
  HELPER(ctx, "taskObject", 'o: { id: Id<"tasks">; level: Level; need: Level }', "o.id", "o.level") +
  HELPER(ctx, "taskSwapped", 'level: Level, taskId: Id<"tasks">', "taskId", "level") +
  HELPER(ctx, "taskOther", 'taskId: Id<"tasks">, level: Level', "taskId", "level", { after: '  const latest = await ctx.db.query("tasks").order("desc").first();\n', answer: "latest ?? task" });
/** Each shape as a query returning the helper's answer (r...) and a mutation patching it (w...). */
const CALLS = {
  Literal: 'taskLevel(ctx, args.taskId, "viewer")',
  Fixed: "taskFixed(ctx, args.taskId)",
  ClientLevel: "taskLevel(ctx, args.taskId, args.level)",
  Default: "taskDefault(ctx, args.taskId)",
  Mapped: 'taskMapped(ctx, args.taskId, "editor")',
  Object: 'taskObject(ctx, { id: args.taskId, need: "editor", level: "viewer" })',
  Swapped: 'taskSwapped(ctx, LOW, args.taskId)',
  Other: 'taskOther(ctx, args.taskId, "editor")',
  EditorLiteral: 'taskLevel(ctx, args.taskId, "editor")',
  EditorFixed: "taskEditor(ctx, args.taskId)",
  EditorSwapped: 'taskSwapped(ctx, "editor", args.taskId)',
};
const SHAPE_FNS = Object.entries(CALLS)
  .map(
    ([name, call]) => `export const r${name} = query({
  args: { taskId: v.id("tasks"), level: lv },
  handler: async (ctx, args) => {
    const LOW: Level = "viewer";
    return await ${call};
  },
});
export const w${name} = mutation({
  args: { taskId: v.id("tasks"), level: lv },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const LOW: Level = "viewer";
    const task = await ${call};
    await ctx.db.patch(task._id, { done: true });
  },
});
`,
  )
  .join("");
const WEAK = ["Literal", "Fixed", "ClientLevel", "Default", "Mapped", "Object", "Swapped", "Other"];

for (const ctx of ["QueryCtx", "any"]) {
  test(`a parent check in a helper (ctx: ${ctx}) on a table with visibility: every shape at the public level, or at a level the audit cannot read, or answering another row, reported as inline; at "editor" written, clean`, () => {
    const found = audit(`helper-shapes-${ctx}`, SHAPES(ctx) + SHAPE_FNS, true);
    const want = WEAK.flatMap((s) => [`high unchecked-id-read f:r${s}`, `high unchecked-id-write f:w${s}`]).sort();
    assert.deepEqual(lines(found), want);
    const fixed = found.find((f) => f.function === "f:wFixed");
    assert.match(fixed.message, /\(through taskFixed\) patches the document that argument 'taskId' names, for any signed-in caller/);
    assert.match(fixed.fix, /as this function does \('projects'\), but at 'viewer': check it at a level above the one public visibility gives/);
  });

  test(`a parent check in a helper (ctx: ${ctx}) on a table without visibility: every read clean, at any level; a change at the lowest level reported, at "editor" clean`, () => {
    const found = audit(`helper-shapes-private-${ctx}`, SHAPES(ctx) + SHAPE_FNS, false);
    const want = WEAK.filter((s) => s !== "Other")
      .map((s) => `high unchecked-id-write f:w${s}`)
      .concat(["high unchecked-id-read f:rOther", "high unchecked-id-write f:wOther"])
      .sort();
    assert.deepEqual(lines(found), want);
  });
}
