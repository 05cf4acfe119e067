// An outside review (attack10): a handler's `ctx` annotated `any` (or a type of the app's own,
// or `const db: any = ctx.db`) hid every database call from the id rules and from
// `access-field-write`, since those calls were recognized by the checker's types when the root
// was annotated; a public mutation deleting anyone's document was audit-silent. The handler's
// first parameter is the Convex ctx by its position, whatever its declared type. Run the way a
// user runs it: the bin of the packed tarball (AUDIT_CLI names another, to show a test fails on
// an older build).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { auditReport, markers, pitfalls, scratchApp, ANY_API as API, FOLDERS_GUARD, FOLDERS_SCHEMA, foundRules as found } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const app = (name, files) => scratchApp("anyctx", name, { "schema.ts": FOLDERS_SCHEMA, ...files }, FOLDERS_GUARD);
const report = (appRoot) => auditReport(cli, appRoot);
const RULES = ["unchecked-id-read", "unchecked-id-delete", "unchecked-id-write", "access-field-write"];

const HEAD = `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import type { MutationCtx } from "./_generated/server";
import type { GenericMutationCtx } from "convex/server";
import type { DataModel, Id } from "./_generated/dataModel";
import { guard } from "./guard";
const AUD = { action: "doc.delete", outcome: "success" } as const;
`;

test("a handler's ctx annotated any, unknown or a type of the app's own is still the Convex ctx; the README's checks still count there", () => {
  const dir = app("annotated", {
    ...API,
    "docs.ts": `${HEAD}
export const readAny = query({
  args: { id: v.id("documents") },
  handler: async (ctx: any, { id }) => {
    await guard.requireUser(ctx);
    return await ctx.db.get(id); // FINDING unchecked-id-read
  },
});

export const removeAny = mutation({
  args: { id: v.id("documents") },
  handler: async (ctx: any, { id }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.db.delete(id); // FINDING unchecked-id-delete
    await guard.audit.log(ctx, { ...AUD, actor: user._id, resourceId: id });
  },
});

export const moveAny = mutation({
  args: { id: v.id("documents"), f: v.id("folders") },
  handler: async (ctx: any, { id, f }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireAccess(ctx, "documents", id, "editor");
    await ctx.db.patch(id, { folderId: f }); // FINDING access-field-write
  },
});

export const readAnyDb = query({
  args: { id: v.id("documents") },
  handler: async (ctx, { id }) => {
    await guard.requireUser(ctx);
    const db: any = ctx.db;
    return await db.get(id); // FINDING unchecked-id-read
  },
});

export const removeUnknown = mutation({
  args: { id: v.id("documents") },
  handler: async (ctx: unknown, { id }) => {
    const c = ctx as any;
    const user = await guard.requireUser(c);
    await guard.rateLimit(c, "write", { key: user._id });
    await (ctx as any).db.delete(id); // FINDING unchecked-id-delete
    await guard.audit.log(c, { ...AUD, actor: user._id, resourceId: id });
  },
});

export const readLiteralType = query({
  args: { id: v.id("documents") },
  handler: async (ctx: { db: any; auth: any }, { id }) => {
    await guard.requireUser(ctx as any);
    return await ctx.db.get(id); // FINDING unchecked-id-read
  },
});

interface MyDb { get(id: string): Promise<unknown>; delete(id: string): Promise<void> }
export const removeOwnType = mutation({
  args: { id: v.id("documents") },
  handler: async (ctx: { db: MyDb; auth: any }, { id }) => {
    const user = await guard.requireUser(ctx as any);
    await guard.rateLimit(ctx as any, "write", { key: user._id });
    const db = ctx.db;
    await db.delete(id); // FINDING unchecked-id-delete
    await guard.audit.log(ctx as any, { ...AUD, actor: user._id, resourceId: id });
  },
});

export const removeGeneric = mutation({
  args: { id: v.id("documents") },
  handler: async (ctx: GenericMutationCtx<DataModel>, { id }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const db: any = ctx.db;
    await db.delete(id); // FINDING unchecked-id-delete
    await guard.audit.log(ctx, { ...AUD, actor: user._id, resourceId: id });
  },
});

const def = {
  args: { id: v.id("documents") },
  handler: async (ctx: any, { id }: any) => {
    await guard.requireUser(ctx);
    return await ctx.db.get(id); // FINDING unchecked-id-read
  },
};
export const viaDef = query(def);

async function removeHandler(ctx: any, { id }: { id: Id<"documents"> }) {
  const user = await guard.requireUser(ctx);
  await guard.rateLimit(ctx, "write", { key: user._id });
  await ctx.db.delete(id); // FINDING unchecked-id-delete
  await guard.audit.log(ctx, { ...AUD, actor: user._id, resourceId: id });
}
export const viaNamedHandler = mutation({ args: { id: v.id("documents") }, handler: removeHandler });
`,
    // The README's checks in handlers annotated the same way: nothing above low.
    "clean.ts": `${HEAD}
export const readChecked = query({
  args: { id: v.id("documents") },
  handler: async (ctx: any, { id }) => {
    const { doc } = await guard.requireAccess(ctx, "documents", id, "viewer");
    return doc;
  },
});

export const readOwned = query({
  args: { id: v.id("documents") },
  handler: async (ctx: any, { id }) => {
    const user = await guard.requireUser(ctx);
    const db: any = ctx.db;
    const doc = await db.get(id);
    if (doc === null || doc.ownerId !== user._id) throw new Error("not yours");
    return doc;
  },
});

export const editTitle = mutation({
  args: { id: v.id("documents"), title: v.string() },
  handler: async (ctx: any, { id, title }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const { doc } = await guard.requireAccess(ctx, "documents", id, "editor");
    await ctx.db.patch(doc._id, { title });
  },
});

export const remove = mutation({
  args: { id: v.id("documents") },
  handler: async (ctx: GenericMutationCtx<DataModel>, { id }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.deleteDocument(ctx, "documents", id);
    await guard.audit.log(ctx, { ...AUD, actor: user._id, resourceId: id });
  },
});

export const create = mutation({
  args: { title: v.string() },
  handler: async (ctx: any, { title }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    return await ctx.db.insert("documents", { title, ownerId: user._id, visibility: "private" });
  },
});
`,
  });
  const r = report(dir);
  assert.deepEqual(found(r, ...RULES), markers(`${dir}/convex`));
  assert.equal(found(r, ...RULES).length, 10);
  assert.deepEqual(r.findings.filter((f) => f.file === "convex/clean.ts" && f.severity !== "low").map((f) => `${f.function} ${f.rule}`), []);
});

test("a delete of the read document's _id destructured, copied or of the read itself is that argument's delete", () => {
  const dir = app("readid", {
    ...API,
    "docs.ts": `${HEAD}
export const removeDestructured = mutation({
  args: { id: v.id("documents") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const { _id } = (await ctx.db.get(id))!;
    await ctx.db.delete(_id); // FINDING unchecked-id-delete
    await guard.audit.log(ctx, { ...AUD, actor: user._id, resourceId: id });
  },
});

export const removeDestructuredDoc = mutation({
  args: { id: v.id("documents") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const doc = await ctx.db.get(id);
    if (doc === null) throw new Error("gone");
    const { _id: target } = doc;
    await ctx.db.delete(target); // FINDING unchecked-id-delete
    await guard.audit.log(ctx, { ...AUD, actor: user._id, resourceId: id });
  },
});

export const removeInline = mutation({
  args: { id: v.id("documents") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.db.delete((await ctx.db.get(id))!._id); // FINDING unchecked-id-delete
    await guard.audit.log(ctx, { ...AUD, actor: user._id, resourceId: id });
  },
});

export const removeCopy = mutation({
  args: { id: v.id("documents") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const doc = await ctx.db.get(id);
    const target = doc!._id;
    await ctx.db.delete(target); // FINDING unchecked-id-delete
    await guard.audit.log(ctx, { ...AUD, actor: user._id, resourceId: id });
  },
});

export const removeOwnCopy = mutation({
  args: { id: v.id("documents") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const doc = await ctx.db.get(id);
    if (doc === null || doc.ownerId !== user._id) throw new Error("not yours");
    const { _id } = doc;
    const target = _id;
    await ctx.db.delete(target);
    await guard.audit.log(ctx, { ...AUD, actor: user._id, resourceId: id });
  },
});
`,
  });
  const r = report(dir);
  assert.deepEqual(found(r, ...RULES), markers(`${dir}/convex`));
  assert.equal(found(r, ...RULES).length, 4);
});

/** The pitfalls schema, with an app table whose rows each name an access group (docs/access.md: groups). */
const GROUPS_SCHEMA = readFileSync(`${pitfalls}/schema.ts`, "utf8").replace(
  "export default defineSchema({",
  `export default defineSchema({
  households: defineTable({ name: v.string(), groupId: v.id("accessGroups") }),`,
);

test("requireGroupLevel on the group a read document names, copied into a const or destructured, checks that document", () => {
  const dir = scratchApp("anyctx", "group-copy", {
    ...API,
    "schema.ts": GROUPS_SCHEMA,
    "households.ts": `import { v } from "convex/values";
import { query } from "./_generated/server";
import { guard } from "./guard";

export const getCopied = query({
  args: { householdId: v.id("households") },
  handler: async (ctx, { householdId }) => {
    const h = await ctx.db.get(householdId);
    const g = h?.groupId;
    await guard.requireGroupLevel(ctx, g, "viewer");
    return h;
  },
});

export const getDestructured = query({
  args: { householdId: v.id("households") },
  handler: async (ctx, { householdId }) => {
    const h = await ctx.db.get(householdId);
    if (h === null) throw new Error("Household not found");
    const { groupId } = h;
    await guard.requireGroupLevel(ctx, groupId, "viewer");
    return h;
  },
});

export const otherCopied = query({
  args: { householdId: v.id("households"), otherId: v.id("households") },
  handler: async (ctx, { householdId, otherId }) => {
    const { groupId } = (await ctx.db.get(otherId))!;
    await guard.requireGroupLevel(ctx, groupId, "viewer");
    return await ctx.db.get(householdId); // FINDING unchecked-id-read
  },
});
`,
  });
  const r = report(dir);
  assert.deepEqual(found(r, ...RULES), markers(`${dir}/convex`));
  assert.equal(found(r, ...RULES).length, 1);
});

test("access-field-write reads Object.assign as an object literal and a parent inserted from the _id of a read by an argument as that argument", () => {
  const dir = app("assign-and-read", {
    ...API,
    "docs.ts": `${HEAD}
export const moveAssign = mutation({
  args: { id: v.id("documents"), f: v.id("folders") },
  handler: async (ctx, { id, f }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireAccess(ctx, "documents", id, "editor");
    await ctx.db.patch(id, Object.assign({ title: "t" }, { folderId: f })); // FINDING access-field-write
  },
});

export const moveAssignLater = mutation({
  args: { id: v.id("documents"), f: v.id("folders") },
  handler: async (ctx, { id, f }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireAccess(ctx, "documents", id, "editor");
    const update: { title: string; folderId?: Id<"folders"> } = { title: "t" };
    Object.assign(update, { folderId: f });
    await ctx.db.patch(id, update); // FINDING access-field-write
  },
});

export const renameAssign = mutation({
  args: { id: v.id("documents"), title: v.string() },
  handler: async (ctx, { id, title }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireAccess(ctx, "documents", id, "editor");
    await ctx.db.patch(id, Object.assign({}, { title }));
  },
});

export const fileInto = mutation({
  args: { f: v.id("folders") },
  handler: async (ctx, { f }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const folder = await ctx.db.get(f);
    if (!folder) throw new Error("no folder");
    await ctx.db.insert("documents", { title: "t", ownerId: user._id, visibility: "private", folderId: folder._id }); // FINDING access-field-write
  },
});

export const fileIntoRead = mutation({
  args: { f: v.id("folders") },
  handler: async (ctx, { f }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.db.insert("documents", { title: "t", ownerId: user._id, visibility: "private", folderId: (await ctx.db.get(f))!._id }); // FINDING access-field-write
  },
});

export const fileIntoOwn = mutation({
  args: { f: v.id("folders") },
  handler: async (ctx, { f }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireAccess(ctx, "folders", f, "owner");
    const folder = await ctx.db.get(f);
    if (!folder) throw new Error("no folder");
    await ctx.db.insert("documents", { title: "t", ownerId: user._id, visibility: "private", folderId: folder._id });
  },
});
`,
  });
  const r = report(dir);
  assert.deepEqual(found(r, "access-field-write"), markers(`${dir}/convex`));
  assert.equal(found(r, "access-field-write").length, 4);
});
