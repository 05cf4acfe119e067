// A level an app helper takes as a parameter (`requireProjectAt(ctx, id, level)`, which calls
// `guard.requireAccess(ctx, "projects", id, level)`) is the level each call passes: a literal, or
// a `const` holding one, is that level, as when written in the guard's own call; anything else
// (an argument the client picks) stays a level the audit cannot read, taken as the lowest
// (newuser22). Run the way a user runs it: the bin of the packed tarball, on apps written here.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ANY_API, auditReport, CLI, SCHEMA_HEAD, scratchApp } from "./apps.mjs";

const SCHEMA = `${SCHEMA_HEAD}  projects: defineTable({ name: v.string(), ownerId: v.id("users"), visibility: v.string() }).index("by_owner", ["ownerId"]),
  tasks: defineTable({ title: v.string(), ownerId: v.id("users"), projectId: v.id("projects") }).index("by_project", ["projectId"]),
});
`;

/** Projects with a visibility field; their tasks filed under them by \`projectId\`. */
const GUARD = `import { defineGuard } from "convex-guard";
const tables = { projects: { owner: "ownerId", visibility: "visibility" }, tasks: { owner: "ownerId", parent: "projectId", parentTable: "projects" } };
export const guard = defineGuard({ roles: ["user", "admin"], access: { tables } });
`;

const HELPERS = `import type { MutationCtx, QueryCtx } from "./_generated/server";
import { guard } from "./guard";

/** The project, if the caller holds \`level\` on it. */
export async function requireProjectAt(ctx: QueryCtx | MutationCtx, projectId: string, level: "viewer" | "commenter" | "editor" | "owner") {
  const { doc } = await guard.requireAccess(ctx, "projects", projectId, level);
  return doc;
}

/** The same, through a second helper that hands its level on. */
export async function requireProjectThrough(ctx: QueryCtx | MutationCtx, projectId: string, level: "viewer" | "commenter" | "editor") {
  return await requireProjectAt(ctx, projectId, level);
}

/** The project at \`level\`, "viewer" when the call passes none. */
export async function requireProjectOr(ctx: QueryCtx | MutationCtx, projectId: string, level: "viewer" | "editor" = "viewer") {
  const r = await guard.requireAccess(ctx, "projects", projectId, level);
  return r.doc;
}

/** The project at \`level\`, "editor" when the call passes none. */
export async function requireProjectToEdit(ctx: QueryCtx | MutationCtx, projectId: string, level: "viewer" | "editor" = "editor") {
  const { doc } = await guard.requireAccess(ctx, "projects", projectId, level);
  return doc;
}

/** The project at "editor", by the first helper. */
export async function requireProjectEditor(ctx: QueryCtx | MutationCtx, projectId: string) {
  return await requireProjectAt(ctx, projectId, "editor");
}
`;

/** A helper reading the project with no check. */
const LOADER = `import type { QueryCtx } from "./_generated/server";

export async function loadProject(ctx: QueryCtx, projectId: string) {
  const project = await ctx.db.get(projectId as never);
  if (project === null) throw new Error("not found");
  return project;
}
`;

const HEAD = `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";
import { requireProjectAt, requireProjectEditor, requireProjectOr, requireProjectThrough, requireProjectToEdit } from "./helpers";
`;

/** A mutation renaming the project after `check` (statements, `ctx` and `args` in scope). */
const RENAME = (name, check, args = "") => `export const ${name} = mutation({
  args: { projectId: v.id("projects"), name: v.string()${args} },
  handler: async (ctx, args) => {
    await guard.requireUser(ctx);
${check}
    await ctx.db.patch(args.projectId, { name: args.name });
  },
});
`;

/** The findings of `rules` of `audit convex` on an app of `text`, as found. */
function audited(name, text, rules) {
  const appRoot = scratchApp("helperlevel", name, { "schema.ts": SCHEMA, "helpers.ts": HELPERS, "loader.ts": LOADER, "f.ts": text, ...ANY_API }, GUARD);
  return auditReport(CLI, appRoot).findings.filter((f) => rules.includes(f.rule));
}

test("a level passed literally (or as a const, or the parameter's default when none is passed) to a helper's level parameter is that level: a write after \"editor\" is checked; after \"viewer\" or an argument it is not", () => {
  const found = audited(
    "writes",
    HEAD +
      'const EDIT = "editor";\n' +
      RENAME("atEditor", '    await requireProjectAt(ctx, args.projectId, "editor");') +
      RENAME("atConst", "    await requireProjectAt(ctx, args.projectId, EDIT);") +
      RENAME("throughTwo", '    await requireProjectThrough(ctx, args.projectId, "editor");') +
      RENAME("byEditorHelper", "    await requireProjectEditor(ctx, args.projectId);") +
      RENAME("byDefaultEditor", "    await requireProjectToEdit(ctx, args.projectId);") +
      RENAME("byDefaultViewer", "    await requireProjectOr(ctx, args.projectId);") +
      RENAME("atViewer", '    await requireProjectAt(ctx, args.projectId, "viewer");') +
      RENAME("throughViewer", '    await requireProjectThrough(ctx, args.projectId, "viewer");') +
      RENAME("atArg", "    await requireProjectAt(ctx, args.projectId, args.level);", ', level: v.union(v.literal("viewer"), v.literal("editor"))'),
    ["unchecked-id-write"],
  );
  const shown = found.map((f) => `${f.function} ${f.severity} ${/checked only at level 'viewer'/.test(f.message) ? "viewer" : /cannot read/.test(f.message) ? "unread" : f.message}`).sort();
  assert.deepEqual(shown, ["f:atArg medium unread", "f:atViewer medium viewer", "f:byDefaultViewer medium viewer", "f:throughViewer medium viewer"]);
});

/** A query reading the project by `get` (statements, `ctx` and `args` in scope, answering `project`), then its tasks by `project._id`. */
const CHILDREN = (name, get) => `export const ${name} = query({
  args: { projectId: v.id("projects") },
  handler: async (ctx, args) => {
${get}
    const tasks = await ctx.db.query("tasks").withIndex("by_project", (q) => q.eq("projectId", project._id)).take(5);
    return { project, taskCount: tasks.length };
  },
});
`;

test("children selected by the _id of a helper's answer, the doc of its requireAccess on the id passed (also handed on from a second helper): checked as inline; a helper that checks nothing: high", () => {
  const found = audited(
    "children",
    HEAD +
      'import { loadProject } from "./loader";\n' +
      CHILDREN("inline", '    const { doc: project } = await guard.requireAccess(ctx, "projects", args.projectId, "viewer");') +
      CHILDREN("byHelper", '    const project = await requireProjectAt(ctx, args.projectId, "commenter");') +
      CHILDREN("byDefault", "    const project = await requireProjectOr(ctx, args.projectId);") +
      CHILDREN("throughTwo", '    const project = await requireProjectThrough(ctx, args.projectId, "viewer");') +
      CHILDREN("editorByTwo", "    const project = await requireProjectEditor(ctx, args.projectId);") +
      CHILDREN("unchecked", "    const project = await loadProject(ctx, args.projectId);"),
    ["unchecked-list"],
  );
  assert.deepEqual(found.map((f) => `${f.function} ${f.severity}`), ["f:unchecked high"]);
});

test("a delete of the _id of a helper's answer, the doc of its requireAccess at the owner level passed to it (also through a second helper): low, as the answer's doc._id is", () => {
  const found = audited(
    "deletes",
    HEAD.replace("mutation, query", "mutation") +
      `export const removeProject = mutation({
  args: { projectId: v.id("projects") },
  handler: async (ctx, args) => {
    const project = await requireProjectAt(ctx, args.projectId, "owner");
    await ctx.db.delete(project._id);
  },
});
export const removeThroughTwo = mutation({
  args: { projectId: v.id("projects") },
  handler: async (ctx, args) => {
    const project = await requireProjectThrough(ctx, args.projectId, "owner" as never);
    await ctx.db.delete(project._id);
  },
});
`,
    ["destructive-unconfirmed"],
  );
  assert.deepEqual(found.map((f) => `${f.function} ${f.severity}`).sort(), ["f:removeProject low", "f:removeThroughTwo low"]);
});
