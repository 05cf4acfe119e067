// `unchecked-id-read` after a group check on a field of the document read: `requireGroupLevel(ctx,
// doc.orgId, level)` shows the caller is a member of the group the document names. For a table no
// guard configures (a household linked to a group) that is the app's own access rule, a check of
// the document and its rows. For a table under some guard's `access.tables`, the guard decides
// access by the owner, grants and parents; an app field naming a group decides nothing (docs/access.md:
// "Organizations and workspaces"), so the document, and its children, read after only that check
// are reported, at medium (the app may mean to scope by the group). Run the way a user runs it:
// the bin of the packed tarball, on apps written here.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ANY_API, auditReport, CLI, SCHEMA_HEAD, scratchApp } from "./apps.mjs";

const SCHEMA = `${SCHEMA_HEAD}  projects: defineTable({ name: v.string(), ownerId: v.id("users"), orgId: v.id("accessGroups") }),
  tasks: defineTable({ title: v.string(), ownerId: v.id("users"), projectId: v.id("projects") }).index("by_project", ["projectId"]),
  households: defineTable({ name: v.string(), groupId: v.id("accessGroups") }),
});
`;

const GUARD = `import { defineGuard } from "convex-guard";

export const guard = defineGuard({
  roles: ["user", "admin"],
  access: {
    tables: {
      projects: { owner: "ownerId" },
      tasks: { owner: "ownerId", parent: "projectId", parentTable: "projects" },
    },
  },
});
`;

const HEAD = `import { v } from "convex/values";
import { internalQuery, mutation, query } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";
`;

const reads = (name, text) => auditReport(CLI, scratchApp("groupfield", name, { ...ANY_API, "schema.ts": SCHEMA, "f.ts": HEAD + text }, GUARD)).findings.filter((f) => f.rule === "unchecked-id-read");

test("a configured table's document, and its children, read after only a group check on its own field: medium, naming requireAccess and share", () => {
  const found = reads(
    "configured",
    `export const getProject = query({
  args: { projectId: v.id("projects") },
  handler: async (ctx, { projectId }) => {
    const p = await ctx.db.get(projectId);
    if (p === null) throw new Error("not found");
    await guard.requireGroupLevel(ctx, p.orgId, "viewer");
    return p;
  },
});

export const projectName = query({
  args: { projectId: v.id("projects") },
  handler: async (ctx, { projectId }) => {
    const p = await ctx.db.get(projectId);
    const { orgId } = p!;
    await guard.requireGroupLevel(ctx, orgId, "viewer");
    return p!.name;
  },
});

export const projectTasks = query({
  args: { projectId: v.id("projects") },
  handler: async (ctx, { projectId }) => {
    const p = await ctx.db.get(projectId);
    await guard.requireGroupLevel(ctx, p!.orgId, "viewer");
    return await ctx.db.query("tasks").withIndex("by_project", (q) => q.eq("projectId", projectId)).collect();
  },
});
`,
  );
  assert.deepEqual(found.map((f) => `${f.function} ${f.line}`).sort(), ["f:getProject 8", "f:projectName 18", "f:projectTasks 30"]);
  for (const f of found) {
    assert.equal(f.severity, "medium", f.message);
    assert.match(f.message, /group/);
    assert.match(f.message, /'projects'/);
    assert.match(f.message, /any member of the group a field of that document names/);
    assert.match(f.message, /grants and owner/);
    assert.match(f.fix, /guard\.requireAccess\(ctx, "projects", projectId, "viewer"\)/);
    assert.match(f.fix, /guard\.share\(ctx, "projects", projectId, \{ groupId, level \}\)/);
  }
  assert.match(found.find((f) => f.function === "f:projectTasks").message, /'tasks'/);
});

test("a group check on a field of a document of a table no guard configures still checks it; a document check on a configured one covers it", () => {
  const found = reads(
    "unconfigured",
    `export const getHousehold = query({
  args: { householdId: v.id("households") },
  handler: async (ctx, { householdId }) => {
    const h = await ctx.db.get(householdId);
    await guard.requireGroupLevel(ctx, h!.groupId, "viewer");
    return h;
  },
});

export const checkedProject = query({
  args: { projectId: v.id("projects") },
  handler: async (ctx, { projectId }) => {
    await guard.requireAccess(ctx, "projects", projectId, "viewer");
    const p = await ctx.db.get(projectId);
    await guard.requireGroupLevel(ctx, p!.orgId, "viewer");
    return { project: p, tasks: await ctx.db.query("tasks").withIndex("by_project", (q) => q.eq("projectId", projectId)).collect() };
  },
});
`,
  );
  assert.deepEqual(found, []);
});

test("a function that returns such a read through ctx.runQuery is reported at the call, at medium; one of an unconfigured table's document is not", () => {
  const found = reads(
    "relayed",
    `export const readProject = internalQuery({
  args: { projectId: v.id("projects") },
  handler: async (ctx, { projectId }) => {
    const p = await ctx.db.get(projectId);
    await guard.requireGroupLevel(ctx, p!.orgId, "viewer");
    return p;
  },
});

export const readHousehold = internalQuery({
  args: { householdId: v.id("households") },
  handler: async (ctx, { householdId }) => {
    const h = await ctx.db.get(householdId);
    await guard.requireGroupLevel(ctx, h!.groupId, "viewer");
    return h;
  },
});

export const relay = guard.mutation(mutation, {
  args: { id: v.id("projects"), householdId: v.id("households") },
  handler: async (ctx, { id, householdId }) => {
    const household = await ctx.runQuery(internal.f.readHousehold, { householdId });
    return { household, project: await ctx.runQuery(internal.f.readProject, { projectId: id }) };
  },
});
`,
  );
  assert.deepEqual(found.map((f) => `${f.function} ${f.line} ${f.severity}`), ["f:relay 27 medium"]);
  assert.match(found[0].message, /^f:relay \(through internal\.f\.readProject, ctx\.runQuery\) returns data read from the 'projects' document that argument 'id' names/);
  assert.match(found[0].fix, /guard\.requireAccess\(ctx, "projects", id, "viewer"\)/);
});
