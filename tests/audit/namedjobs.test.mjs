// An outside review (attack47 F4, FP2, F5): what a job checks for the user it is given, when a
// public function relays it. A job's readableFor / requireAccessFor is weighed by its level as
// the caller's readable / requireAccess is (the lowest level covers no delete or write: medium);
// a job's role or permission check of the caller's own id relayed (requireRoleFor,
// requirePermissionFor, guard.can / roleAtLeast on the row ctx.db.get(userId) reads) decides as
// the caller's requireRole would; a decision on the row of a user who is not the caller is
// relayed-user-id, as the *For calls are. Run the way a user runs it: the bin of the packed
// tarball (AUDIT_CLI names another).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, ANY_API as API, WIRING, foundRules as found } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

/** A public mutation relaying its caller's own id to `job` with `{ userId, id }`. */
const relay = (name, job, marker = "") => `export const ${name} = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    await ctx.scheduler.runAfter(0, internal.jobs.${job}, { userId: me._id, id });${marker}
  },
});
`;

const HEAD = `import { v } from "convex/values";
import { internalMutation, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";
`;

test("a job's readableFor / requireAccessFor is weighed by its level: the lowest (or no level) covers no delete or write, the owner level does (attack47 F4)", () => {
  const dir = scratchApp("namedjobs", "levels", {
    ...API,
    ...WIRING,
    "jobs.ts": `${HEAD}
export const applyEdit = internalMutation({
  args: { userId: v.id("users"), id: v.id("posts") },
  handler: async (ctx, { userId, id }) => {
    const r = await guard.readableFor(ctx, userId, "posts", id);
    if (r === null) return;
    await ctx.db.patch(r.doc._id, { title: "edited" });
  },
});
export const deleteFor = internalMutation({
  args: { userId: v.id("users"), id: v.id("posts") },
  handler: async (ctx, { userId, id }) => {
    const { doc } = await guard.requireAccessFor(ctx, userId, "posts", id, "viewer");
    await ctx.db.delete(doc._id);
    await guard.audit.log(ctx, { action: "posts.delete", outcome: "success", actor: userId, resourceType: "posts", resourceId: doc._id });
  },
});
export const deleteById = internalMutation({
  args: { userId: v.id("users"), id: v.id("posts") },
  handler: async (ctx, { userId, id }) => {
    await guard.requireAccessFor(ctx, userId, "posts", id, "viewer");
    await ctx.db.delete(id);
    await guard.audit.log(ctx, { action: "posts.delete", outcome: "success", actor: userId, resourceType: "posts", resourceId: id });
  },
});
export const deleteAsOwner = internalMutation({
  args: { userId: v.id("users"), id: v.id("posts") },
  handler: async (ctx, { userId, id }) => {
    await guard.requireAccessFor(ctx, userId, "posts", id, "owner");
    await ctx.db.delete(id);
    await guard.audit.log(ctx, { action: "posts.delete", outcome: "success", actor: userId, resourceType: "posts", resourceId: id });
  },
});
${relay("editLater", "applyEdit", " // FINDING unchecked-id-write")}
${relay("deleteLater", "deleteFor", " // FINDING unchecked-id-delete")}
${relay("deleteByIdLater", "deleteById", " // FINDING unchecked-id-delete")}
${relay("deleteAsOwnerLater", "deleteAsOwner")}
// A user who is not the caller: the job's check covers nothing for this call.
export const deleteAsAuthor = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    const post = await ctx.db.get(id);
    if (post === null) return;
    await ctx.scheduler.runAfter(0, internal.jobs.deleteAsOwner, { userId: post.ownerId, id }); // FINDING unchecked-id-delete, relayed-user-id
  },
});
// The same checks in the public function, of the caller's own id.
export const deleteNow = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    const { doc } = await guard.requireAccessFor(ctx, me._id, "posts", id, "viewer");
    await ctx.db.delete(doc._id); // FINDING unchecked-id-delete
    await guard.audit.log(ctx, { action: "posts.delete", outcome: "success", actor: me._id, resourceType: "posts", resourceId: id });
  },
});
export const deleteNowAsOwner = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    await guard.requireAccessFor(ctx, me._id, "posts", id, "owner");
    await ctx.db.delete(id);
    await guard.audit.log(ctx, { action: "posts.delete", outcome: "success", actor: me._id, resourceType: "posts", resourceId: id });
  },
});
`,
  });
  const r = auditReport(cli, dir);
  const rules = ["unchecked-id-write", "unchecked-id-delete", "relayed-user-id"];
  assert.deepEqual(found(r, ...rules), markers(`${dir}/convex`));
  const of = (fn) => r.findings.find((f) => f.function === fn && f.rule.startsWith("unchecked-id"));
  assert.equal(of("jobs:editLater").severity, "medium");
  assert.equal(of("jobs:editLater").message, "jobs:editLater patches, through internal.jobs.applyEdit (scheduled: ctx.scheduler.runAfter), the document that argument 'id' names, checked only by a readable with no level (any level): whoever may see it (a share at any level; anyone, when it is public) may change it");
  assert.equal(of("jobs:deleteLater").severity, "medium");
  assert.match(of("jobs:deleteLater").message, /through internal\.jobs\.deleteFor .*, checked only at level 'viewer'/);
  assert.equal(of("jobs:deleteByIdLater").severity, "medium");
  assert.equal(of("jobs:deleteAsAuthor").severity, "high");
  assert.equal(of("jobs:deleteNow").severity, "medium");
});

test("a job's role or permission check of the caller's own id relayed decides as the caller's would; on another user's row it is relayed-user-id (attack47 FP2, F5)", () => {
  const dir = scratchApp("namedjobs", "roles", {
    ...API,
    ...WIRING,
    "jobs.ts": `${HEAD}
export const purgeCan = internalMutation({
  args: { userId: v.id("users"), id: v.id("posts") },
  handler: async (ctx, { userId, id }) => {
    if (!guard.can(await ctx.db.get(userId), "delete:posts")) throw new Error("forbidden");
    await ctx.db.delete(id);
    await guard.audit.log(ctx, { action: "posts.purge", outcome: "success", actor: userId, resourceType: "posts", resourceId: id });
  },
});
export const purgeRole = internalMutation({
  args: { userId: v.id("users"), id: v.id("posts") },
  handler: async (ctx, { userId, id }) => {
    const user = await ctx.db.get(userId);
    if (!guard.roleAtLeast(user, "admin")) return;
    await ctx.db.delete(id);
    await guard.audit.log(ctx, { action: "posts.purge", outcome: "success", actor: userId, resourceType: "posts", resourceId: id });
  },
});
export const purgeFor = internalMutation({
  args: { userId: v.id("users"), id: v.id("posts") },
  handler: async (ctx, { userId, id }) => {
    await guard.requirePermissionFor(ctx, userId, "delete:posts");
    await ctx.db.delete(id);
    await guard.audit.log(ctx, { action: "posts.purge", outcome: "success", actor: userId, resourceType: "posts", resourceId: id });
  },
});
// On some paths only: no check.
export const purgeSometimes = internalMutation({
  args: { userId: v.id("users"), id: v.id("posts"), strict: v.boolean() },
  handler: async (ctx, { userId, id, strict }) => {
    if (strict) await guard.requireRoleFor(ctx, userId, "admin");
    await ctx.db.delete(id);
    await guard.audit.log(ctx, { action: "posts.purge", outcome: "success", actor: userId, resourceType: "posts", resourceId: id });
  },
});
${relay("purgeCanLater", "purgeCan")}
${relay("purgeRoleLater", "purgeRole")}
${relay("purgeForLater", "purgeFor")}
${relay("purgeSometimesLater", "purgeSometimes", " // FINDING unchecked-id-delete")}
// The approver is the post's owner, not the caller: a plain user acts with an admin's permission.
export const applyAsOwner = internalMutation({
  args: { userId: v.id("users"), approver: v.id("users") },
  handler: async (ctx, { userId, approver }) => {
    if (!guard.can(await ctx.db.get(approver), "delete:posts")) return;
    await ctx.db.patch(userId, { role: "admin" });
  },
});
export const requestAdmin = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    const post = await ctx.db.get(id);
    if (post === null) return;
    await ctx.scheduler.runAfter(0, internal.jobs.applyAsOwner, { userId: me._id, approver: post.ownerId }); // FINDING relayed-user-id
  },
});
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-id-delete", "relayed-user-id"), markers(`${dir}/convex`));
  assert.equal(r.findings.find((f) => f.rule === "unchecked-id-delete").severity, "high");
  assert.equal(
    r.findings.find((f) => f.rule === "relayed-user-id").message,
    "jobs:requestAdmin schedules internal.jobs.applyAsOwner with approver: post.ownerId, not the caller's own id: jobs:applyAsOwner checks the permission for that user (guard.can, convex/jobs.ts:80), so the call acts as someone else",
  );
});
