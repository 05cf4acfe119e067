// Listings of rows that have their own access (their table under access.tables), selected only by
// a field equal to an argument a group or document check covers: every row of that workspace (or
// assignment) goes to whoever passes that check, a private one included (newuser36 F3, newuser34
// F2): unchecked-list medium. Not: the table under no access.tables, the parent field (children
// inherit the parent's access), rows passed through readableMany. And a group level (or a
// readable's accessLevel) compared with a literal level by `===`/`!==` that leaves when it fails
// is a check at that level (newuser36 F4). Small apps written at test time, run the way a user
// runs the audit: the bin of the packed tarball (AUDIT_CLI names another, to show a test fails on
// an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, FOLDERS_GUARD, FOLDERS_SCHEMA, markers, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

// Projects filed under a workspace (a guard group) by a plain field, assignments and their students' submissions, each with its own owner; tasks under no access.tables.
const SCHEMA = FOLDERS_SCHEMA.replace(
  /\}\);\n$/,
  `  projects: defineTable({ title: v.string(), ownerId: v.id("users"), visibility: v.string(), workspaceId: v.id("accessGroups") }).index("by_workspace", ["workspaceId"]),
  assignments: defineTable({ title: v.string(), ownerId: v.id("users") }),
  submissions: defineTable({ body: v.string(), ownerId: v.id("users"), assignmentId: v.id("assignments") }).index("by_assignment", ["assignmentId"]),
  tasks: defineTable({ orgId: v.id("accessGroups"), title: v.string() }).index("by_org", ["orgId"]),
});
`,
);
const GUARD = FOLDERS_GUARD.replace(
  "documents: {",
  `projects: { owner: "ownerId", visibility: "visibility" },
      assignments: { owner: "ownerId" },
      submissions: { owner: "ownerId" },
      documents: {`,
);

const HEAD = `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";
`;
const WS = '{ ws: v.id("accessGroups") }';
const PROJECTS = 'ctx.db.query("projects").withIndex("by_workspace", (q) => q.eq("workspaceId", args.ws))';

/** A public query (`kind` "query") or mutation with `args` and `body`, signed in (`user`), a mutation rate limited by the caller. */
const FN = (kind, name, args, body) => `export const ${name} = ${kind}({
  args: ${args},
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
${kind === "mutation" ? '    await guard.rateLimit(ctx, "write", { key: user._id });\n' : ""}${body}
  },
});
`;

/** The findings of `rules` on an app of `text`, and its markers of them. */
function judged(name, text, rules) {
  const app = scratchApp("grouplist", name, { "schema.ts": SCHEMA, "f.ts": HEAD + text }, GUARD);
  const r = auditReport(cli, app);
  const found = r.findings.filter((f) => rules.includes(f.rule));
  const marked = markers(`${app}/convex`).filter((m) => rules.some((rule) => m.endsWith(` ${rule}`)));
  return { found, at: found.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), marked, message: (fn) => found.find((f) => f.function === fn)?.message };
}

test("rows with their own access listed by a field equal to a group-checked or document-checked argument are unchecked-list medium; under no access.tables, by the parent field, or through readableMany they are not", () => {
  const { found, at, marked, message } = judged(
    "lists",
    FN("query", "listAll", WS, `    await guard.requireGroupLevel(ctx, args.ws, "viewer");\n    return await ${PROJECTS}.collect(); // FINDING unchecked-list`) +
      FN("query", "byLevel", WS, `    const level = await guard.groupLevel(ctx, args.ws);\n    if (level === null) throw new Error("not a member");\n    return await ${PROJECTS}.take(50); // FINDING unchecked-list`) +
      `export const forAssignment = guard.query(query, {
  args: { assignmentId: v.id("assignments") },
  access: { table: "assignments", arg: "assignmentId", level: "viewer" },
  handler: async (ctx) => await ctx.db.query("submissions").withIndex("by_assignment", (q) => q.eq("assignmentId", ctx.doc._id)).take(500), // FINDING unchecked-list
});
` +
      FN("query", "readableOnly", WS, `    await guard.requireGroupLevel(ctx, args.ws, "viewer");\n    const rows = await ${PROJECTS}.take(50);\n    const rs = await guard.readableMany(ctx, "projects", rows.map((r) => r._id));\n    return rs.filter((r) => r !== null).map((r) => r.doc);`) +
      FN("query", "tasks", '{ orgId: v.id("accessGroups") }', '    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n    return await ctx.db.query("tasks").withIndex("by_org", (q) => q.eq("orgId", args.orgId)).collect();') +
      FN("query", "inFolder", '{ folderId: v.id("folders") }', '    await guard.requireAccess(ctx, "folders", args.folderId, "viewer");\n    return await ctx.db.query("documents").filter((q) => q.eq(q.field("folderId"), args.folderId)).collect();') +
      FN("query", "myProjects", WS, `    await guard.requireGroupLevel(ctx, args.ws, "viewer");\n    return await ctx.db.query("projects").withIndex("by_workspace", (q) => q.eq("workspaceId", args.ws)).filter((q) => q.eq(q.field("ownerId"), user._id)).collect();`),
    ["unchecked-list"],
  );
  assert.deepEqual(at, marked);
  assert.ok(found.every((f) => f.severity === "medium"));
  assert.equal(
    message("f:listAll"),
    `f:listAll lists 'projects' rows by 'workspaceId' (equal to argument 'ws'), which a document or group check covers: each row has its own access (its owner and grants under access.tables), yet every row selected is returned to whoever passes that check, a row they hold no level on included; filter them through guard.readableMany(ctx, "projects", ids)`,
  );
  assert.match(message("f:forAssignment"), /^f:forAssignment lists 'submissions' rows by 'assignmentId' \(equal to argument 'assignmentId'\)/);
  assert.match(found.find((f) => f.function === "f:listAll").fix, /guard\.readableMany\(ctx, "projects", ids\)/);
});

test("a group level compared with a literal level by === or !== that leaves when it fails is a check at that level; a lower level, or one compared with an argument, is not enough", () => {
  const rules = ["unchecked-id-delete", "unchecked-id-write", "unchecked-id-read"];
  const { at, marked } = judged(
    "levels",
    FN("mutation", "deleteByLevel", WS, '    const lvl = await guard.groupLevel(ctx, args.ws);\n    if (lvl !== "owner") throw new Error("forbidden");\n    await ctx.db.delete(args.ws);') +
      FN("mutation", "deleteIfOwner", WS, '    const lvl = await guard.groupLevel(ctx, args.ws);\n    if (lvl === "owner") {\n      await ctx.db.delete(args.ws);\n      return true;\n    }\n    throw new Error("forbidden");') +
      FN("mutation", "deleteAsViewer", WS, '    const lvl = await guard.groupLevel(ctx, args.ws);\n    if (lvl !== "viewer") throw new Error("forbidden");\n    await ctx.db.delete(args.ws); // FINDING unchecked-id-delete') +
      FN("mutation", "deleteByArg", '{ ws: v.id("accessGroups"), need: v.string() }', '    const lvl = await guard.groupLevel(ctx, args.ws);\n    if (lvl !== args.need) throw new Error("forbidden");\n    await ctx.db.delete(args.ws); // FINDING unchecked-id-delete') +
      FN("mutation", "retitle", '{ id: v.id("projects"), title: v.string() }', '    const r = await guard.readable(ctx, "projects", args.id);\n    if (r === null || r.accessLevel !== "editor") throw new Error("forbidden");\n    await ctx.db.patch(args.id, { title: args.title });'),
    rules,
  );
  assert.deepEqual(at, marked);
});
