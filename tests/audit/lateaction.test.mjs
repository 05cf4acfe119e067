// An outside review of the audit (attack33): a check an action or HTTP action makes after it ran
// or scheduled another function (A3), whose work is committed before the check throws; a check in
// a `try` whose `catch` runs, schedules or writes, then leaves (A2): that path has no check.
// A mutation's writes and schedules roll back when its check throws: a check after them holds.
// Run the way a user runs it: the bin of the packed tarball (AUDIT_CLI names another).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, scratchApp, ANY_API as API, SCHEMA_HEAD, foundRules as found } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const app = (name, files) => scratchApp("lateaction", name, files);
const HEAD = `import { v } from "convex/values";
import { action, httpAction, internalMutation, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

export const removePost = internalMutation({ args: { postId: v.id("posts") }, handler: async (ctx, { postId }) => { await ctx.db.delete(postId); } });
`;
const RELAYS = ["public-no-auth", "unchecked-id-delete"];

test("a check an action makes after its ctx.runMutation, runAction or schedule counts for nothing there (attack33 A3); before it, it counts", () => {
  const dir = app("late", {
    ...API,
    "late.ts": `${HEAD}
export const lateRole = action({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    await ctx.runMutation(internal.late.removePost, { postId }); // FINDING
    await guard.requireRole(ctx, "admin");
  },
});
export const lateSchedule = action({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    await ctx.scheduler.runAfter(0, internal.late.removePost, { postId }); // FINDING
    const identity = await ctx.auth.getUserIdentity();
    if (identity === null) throw new Error("sign in");
  },
});
export const earlyRole = action({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    await guard.requireRole(ctx, "admin");
    await ctx.runMutation(internal.late.removePost, { postId });
  },
});
// A relay kept in a function for later runs where it is called, after the check (final read);
// a callback handed to a call runs there, before it.
export const keptForLater = action({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    const run = () => ctx.runMutation(internal.late.removePost, { postId });
    await guard.requireRole(ctx, "admin");
    await run();
  },
});
export const lateCallback = action({
  args: { postIds: v.array(v.id("posts")) },
  handler: async (ctx, { postIds }) => {
    await Promise.all(postIds.map((postId) => ctx.runMutation(internal.late.removePost, { postId })));
    await guard.requireRole(ctx, "admin");
  },
});
export const lateInMutation = mutation({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    await ctx.scheduler.runAfter(0, internal.late.removePost, { postId }); // rolled back by the throw
    await guard.requireRole(ctx, "admin");
  },
});
export const hookLate = httpAction(async (ctx, req) => {
  const body = await req.json();
  await ctx.runMutation(internal.late.removePost, { postId: body.postId });
  const identity = await ctx.auth.getUserIdentity();
  if (identity === null) return new Response("no", { status: 401 });
  return new Response("ok");
});
export const hookEarly = httpAction(async (ctx, req) => {
  const identity = await ctx.auth.getUserIdentity();
  if (identity === null) return new Response("no", { status: 401 });
  await guard.requireRole(ctx, "admin");
  const body = await req.json();
  await ctx.runMutation(internal.late.removePost, { postId: body.postId });
  return new Response("ok");
});
`,
  });
  const r = auditReport(cli, dir);
  const of = (id) => r.findings.filter((f) => f.function === id && RELAYS.includes(f.rule)).map((f) => `${f.rule} ${f.severity}`).sort();
  assert.deepEqual(of("late:lateRole"), ["public-no-auth high", "unchecked-id-delete high"]);
  assert.deepEqual(of("late:lateSchedule"), ["public-no-auth high", "unchecked-id-delete high"]);
  assert.deepEqual(of("late:hookLate"), ["public-no-auth high"]);
  assert.ok(r.findings.find((f) => f.function === "late:lateRole" && f.rule === "public-no-auth").message.includes("made after ctx.runMutation"));
  assert.deepEqual(of("late:earlyRole"), []);
  assert.deepEqual(of("late:keptForLater"), []);
  assert.ok(of("late:lateCallback").includes("public-no-auth high"), String(of("late:lateCallback")));
  assert.deepEqual(of("late:lateInMutation"), []);
  assert.deepEqual(of("late:hookEarly"), []);
});

test("a check after an action's relay on an early-return branch holds for the relays after it, not for the branch's (final read); a check on a branch of its own holds for none", () => {
  const dir = app("branch", {
    ...API,
    "branch.ts": `${HEAD}
export const dryOrDelete = action({
  args: { postId: v.id("posts"), dry: v.boolean() },
  handler: async (ctx, { postId, dry }) => {
    if (dry) {
      await ctx.scheduler.runAfter(0, internal.branch.removePost, { postId }); // FINDING
      return;
    }
    await guard.requireRole(ctx, "admin");
    await ctx.runMutation(internal.branch.removePost, { postId });
  },
});
export const dryOrMaybe = action({
  args: { postId: v.id("posts"), dry: v.boolean(), strict: v.boolean() },
  handler: async (ctx, { postId, dry, strict }) => {
    if (dry) {
      await ctx.scheduler.runAfter(0, internal.branch.removePost, { postId }); // FINDING
      return;
    }
    if (strict) await guard.requireRole(ctx, "admin");
    await ctx.runMutation(internal.branch.removePost, { postId }); // FINDING
  },
});
`,
  });
  const r = auditReport(cli, dir);
  const of = (id) => r.findings.filter((f) => f.function === id && RELAYS.includes(f.rule)).map((f) => `${f.rule} ${f.line}`).sort();
  assert.deepEqual(of("branch:dryOrDelete"), ["public-no-auth 8", "unchecked-id-delete 12"].sort());
  assert.deepEqual(of("branch:dryOrMaybe"), ["public-no-auth 19", "unchecked-id-delete 23", "unchecked-id-delete 27"].sort());
});

test("a check in a try whose catch runs or schedules a change, or writes, then leaves, holds nothing on that path (attack33 A2); a catch that only leaves keeps it", () => {
  const dir = app("caught", {
    ...API,
    "caught.ts": `${HEAD}
export const dropOrGuest = mutation({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    try {
      await guard.requireAccess(ctx, "posts", postId, "owner");
    } catch {
      await ctx.scheduler.runAfter(0, internal.caught.removePost, { postId }); // FINDING
      return null;
    }
    await guard.deleteDocument(ctx, "posts", postId);
  },
});
export const deleteOrGuest = mutation({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    try {
      await guard.requireAccess(ctx, "posts", postId, "owner");
    } catch {
      await ctx.db.delete(postId); // FINDING
      return null;
    }
    return "owner";
  },
});
export const dropOrLeave = mutation({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    try {
      await guard.requireAccess(ctx, "posts", postId, "owner");
    } catch {
      return null;
    }
    await ctx.scheduler.runAfter(0, internal.caught.removePost, { postId });
  },
});
export const pingOrRemove = httpAction(async (ctx, req) => {
  const body = await req.json();
  try {
    await guard.requireUser(ctx);
  } catch {
    await ctx.runMutation(internal.caught.removePost, { postId: body.postId }); // FINDING
    return new Response("queued");
  }
  return new Response("ok");
});
`,
  });
  const r = auditReport(cli, dir);
  const of = (id) => r.findings.filter((f) => f.function === id && [...RELAYS, "unchecked-id-write"].includes(f.rule)).map((f) => `${f.rule} ${f.line}`).sort();
  assert.deepEqual(of("caught:dropOrGuest"), ["public-no-auth 8", "unchecked-id-delete 14"].sort());
  assert.deepEqual(of("caught:deleteOrGuest"), ["public-no-auth 20", "unchecked-id-delete 26"].sort());
  assert.deepEqual(of("caught:pingOrRemove"), ["public-no-auth 43"]);
  assert.deepEqual(of("caught:dropOrLeave"), []);
});

test("guard.forgetUser of the caller's own id in a public mutation is a reset of every limit of the caller, audited or not (attack33 A6); in an internal mutation, or after a confirmation, it is not", () => {
  const dir = app("forget", {
    ...API,
    "forget.ts": `import { v } from "convex/values";
import { internalMutation, mutation } from "./_generated/server";
import { guard } from "./guard";

export const deleteMyAccount = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.forgetUser(ctx, user._id); // FINDING
    await guard.audit.log(ctx, { action: "users.forget", outcome: "success", actor: user._id, resourceType: "users", resourceId: user._id });
  },
});
export const resetMe = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.forgetUser(ctx, user._id); // FINDING
  },
});
export const confirmedDeletion = mutation({
  args: { code: v.string() },
  handler: async (ctx, { code }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const r = await guard.consumeConfirmation(ctx, { userId: user._id, operation: "account.delete", code });
    if (!r.ok) return { error: r.error };
    await guard.forgetUser(ctx, user._id);
    await guard.audit.log(ctx, { action: "users.forget", outcome: "success", actor: user._id, resourceType: "users", resourceId: user._id });
    return null;
  },
});
export const forgetInternal = internalMutation({
  args: { userId: v.id("users") },
  handler: async (ctx, { userId }) => {
    await guard.forgetUser(ctx, userId);
    await guard.audit.log(ctx, { action: "users.forget", outcome: "success", resourceType: "users", resourceId: userId });
  },
});
`,
  });
  const r = auditReport(cli, dir);
  const forgets = r.findings.filter((f) => f.rule === "public-no-rate-limit" && f.message.includes("forgetUser")).map((f) => `${f.file}:${f.line} ${f.severity}`).sort();
  assert.deepEqual(forgets, ["convex/forget.ts:10 medium", "convex/forget.ts:19 medium"]);
});

test("a check in a try whose finally runs ctx.runMutation or schedules counts for nothing in an action: the finally runs when it throws (attack34 F4); a relay after the try, or a mutation's, keeps it", () => {
  const dir = app("finally", {
    ...API,
    "fin.ts": `${HEAD}
export const finallyPurge = action({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    try {
      await guard.requireRole(ctx, "admin");
    } finally {
      await ctx.runMutation(internal.fin.removePost, { postId });
    }
  },
});
export const finallySchedule = action({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    try {
      await guard.requireRole(ctx, "admin");
    } catch (e) {
      throw e;
    } finally {
      await ctx.scheduler.runAfter(0, internal.fin.removePost, { postId });
    }
  },
});
export const finallyLog = action({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    try {
      await guard.requireRole(ctx, "admin");
    } finally {
      console.log("done");
    }
    await ctx.runMutation(internal.fin.removePost, { postId });
  },
});
export const finallyInMutation = mutation({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    try {
      await guard.requireRole(ctx, "admin");
    } finally {
      await ctx.scheduler.runAfter(0, internal.fin.removePost, { postId }); // rolled back by the throw
    }
  },
});
`,
  });
  const r = auditReport(cli, dir);
  const of = (id) => r.findings.filter((f) => f.function === id && RELAYS.includes(f.rule)).map((f) => `${f.rule} ${f.severity}`).sort();
  assert.deepEqual(of("fin:finallyPurge"), ["public-no-auth high", "unchecked-id-delete high"]);
  assert.deepEqual(of("fin:finallySchedule"), ["public-no-auth high", "unchecked-id-delete high"]);
  assert.match(r.findings.find((f) => f.function === "fin:finallyPurge" && f.rule === "public-no-auth").message, /in a try whose finally runs ctx\.runMutation \(convex\/fin\.ts:\d+\)/);
  assert.deepEqual(of("fin:finallyLog"), []);
  assert.deepEqual(of("fin:finallyInMutation"), []);
});

test("a group's ownerId moved by the README's recipe is low; after a check below the owner level, or none, it is a takeover, access-field-write high (attack33 P1, P2)", () => {
  const dir = app("groupowner", {
    ...API,
    "orgs.ts": `import { v } from "convex/values";
import { internalMutation, mutation } from "./_generated/server";
import { guard } from "./guard";

export const transferOrg = internalMutation({
  args: { orgId: v.id("accessGroups"), to: v.id("users"), by: v.id("users") },
  handler: async (ctx, { orgId, to, by }) => {
    const org = await ctx.db.get(orgId);
    if (org === null || org.ownerId !== by) throw new Error("only the owner");
    await ctx.db.patch(orgId, { ownerId: to }); // FINDING guard-table-write (low)
    await guard.audit.log(ctx, { action: "org.transfer", outcome: "success", actor: by, resourceType: "accessGroups", resourceId: orgId });
  },
});
export const transferUnaudited = internalMutation({
  args: { orgId: v.id("accessGroups"), to: v.id("users"), by: v.id("users") },
  handler: async (ctx, { orgId, to, by }) => {
    const org = await ctx.db.get(orgId);
    if (org === null || org.ownerId !== by) throw new Error("only the owner");
    await ctx.db.patch(orgId, { ownerId: to }); // FINDING guard-table-write
  },
});
export const transferUnchecked = internalMutation({
  args: { orgId: v.id("accessGroups"), to: v.id("users") },
  handler: async (ctx, { orgId, to }) => {
    await ctx.db.patch(orgId, { ownerId: to }); // FINDING guard-table-write, access-field-write (medium)
    await guard.audit.log(ctx, { action: "org.transfer", outcome: "success", resourceType: "accessGroups", resourceId: orgId });
  },
});
export const claimOrg = mutation({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireGroupLevel(ctx, orgId, "viewer");
    await ctx.db.patch(orgId, { ownerId: user._id }); // FINDING access-field-write
  },
});
export const grabOrg = mutation({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.db.patch(orgId, { ownerId: user._id }); // FINDING access-field-write
  },
});
export const handOver = mutation({
  args: { orgId: v.id("accessGroups"), to: v.id("users") },
  handler: async (ctx, { orgId, to }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireGroupLevel(ctx, orgId, "owner");
    await ctx.db.patch(orgId, { ownerId: to }); // FINDING guard-table-write
  },
});
export const renameOrg = mutation({
  args: { orgId: v.id("accessGroups"), name: v.string() },
  handler: async (ctx, { orgId, name }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireGroupLevel(ctx, orgId, "viewer");
    await ctx.db.patch(orgId, { name }); // FINDING guard-table-write
  },
});
`,
  });
  const r = auditReport(cli, dir);
  const of = (id) => r.findings.filter((f) => f.function === id && ["guard-table-write", "access-field-write"].includes(f.rule)).map((f) => `${f.rule} ${f.severity} ${f.line}`).sort();
  assert.deepEqual(of("orgs:transferOrg"), ["guard-table-write low 10"]);
  assert.deepEqual(of("orgs:transferUnaudited"), ["guard-table-write medium 19"]);
  assert.deepEqual(of("orgs:transferUnchecked"), ["access-field-write medium 25", "guard-table-write medium 25"]);
  assert.deepEqual(of("orgs:claimOrg"), ["access-field-write high 35"]);
  assert.deepEqual(of("orgs:grabOrg"), ["access-field-write high 43"]);
  assert.deepEqual(of("orgs:handOver"), ["guard-table-write medium 52"]);
  assert.deepEqual(of("orgs:renameOrg"), ["guard-table-write medium 61"]);
  const failing = auditReport(cli, dir, ["--fail-on", "medium"]).findings.filter((f) => f.function === "orgs:transferOrg" && f.severity !== "low");
  assert.deepEqual(failing, []);
});

test("a group's ownerId written by a group id read from a row's field is judged as by an argument's: after a viewer check, a takeover, high; after an owner check, medium (attack34 F1)", () => {
  const dir = app("groupfieldowner", {
    ...API,
    "schema.ts": `${SCHEMA_HEAD}  tasks: defineTable({ orgId: v.id("accessGroups"), title: v.string() }),
});
`,
    "tasks.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";

export const takeGroupFromTask = mutation({
  args: { taskId: v.id("tasks") },
  handler: async (ctx, { taskId }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const task = await ctx.db.get(taskId);
    if (!task) throw new Error("no");
    await guard.requireGroupLevel(ctx, task.orgId, "viewer");
    await ctx.db.patch(task.orgId, { ownerId: user._id }); // FINDING access-field-write
  },
});
export const handOverFromTask = mutation({
  args: { taskId: v.id("tasks"), to: v.id("users") },
  handler: async (ctx, { taskId, to }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const task = await ctx.db.get(taskId);
    if (!task) throw new Error("no");
    await guard.requireGroupLevel(ctx, task.orgId, "owner");
    await ctx.db.patch(task.orgId, { ownerId: to }); // FINDING guard-table-write
  },
});
`,
  });
  const r = auditReport(cli, dir);
  const of = (id) => r.findings.filter((f) => f.function === id && ["guard-table-write", "access-field-write"].includes(f.rule)).map((f) => `${f.rule} ${f.severity} ${f.line}`).sort();
  assert.deepEqual(of("tasks:takeGroupFromTask"), ["access-field-write high 13"]);
  assert.match(r.findings.find((f) => f.function === "tasks:takeGroupFromTask").message, /by 'task\.orgId', checked only below the group's owner level/);
  assert.deepEqual(of("tasks:handOverFromTask"), ["guard-table-write medium 24"]);
});

test("the caller's spent invitation row deleted after acceptGroupInvite on a field of it is low, as the caller's own rows are (attack33 P3); an accept of something else, a row under access, or a delete before the accept is not", () => {
  const dir = app("spent", {
    ...API,
    "invites.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";

export const acceptByToken = mutation({
  args: { token: v.string() },
  handler: async (ctx, { token }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const inv = await ctx.db.query("drafts").withIndex("by_body", (q) => q.eq("body", token)).unique();
    if (inv === null) throw new Error("bad token");
    await guard.acceptGroupInvite(ctx, inv.authorName as any);
    await ctx.db.delete(inv._id); // FINDING destructive-unconfirmed (low)
  },
});
export const acceptOther = mutation({
  args: { token: v.string(), groupId: v.id("accessGroups") },
  handler: async (ctx, { token, groupId }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const inv = await ctx.db.query("drafts").withIndex("by_body", (q) => q.eq("body", token)).unique();
    if (inv === null) throw new Error("bad token");
    await guard.acceptGroupInvite(ctx, groupId);
    await ctx.db.delete(inv._id); // FINDING destructive-unconfirmed
  },
});
export const deleteFirst = mutation({
  args: { token: v.string() },
  handler: async (ctx, { token }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const inv = await ctx.db.query("drafts").withIndex("by_body", (q) => q.eq("body", token)).unique();
    if (inv === null) throw new Error("bad token");
    await ctx.db.delete(inv._id); // FINDING destructive-unconfirmed
    await guard.acceptGroupInvite(ctx, inv.authorName as any);
  },
});
export const acceptPost = mutation({
  args: { title: v.string() },
  handler: async (ctx, { title }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const post = await ctx.db.query("posts").filter((q) => q.eq(q.field("title"), title)).first();
    if (post === null) throw new Error("no post");
    await guard.acceptGroupInvite(ctx, post.visibility as any);
    await ctx.db.delete(post._id); // FINDING destructive-unconfirmed
  },
});
`,
  });
  const r = auditReport(cli, dir);
  const of = (id) => r.findings.filter((f) => f.function === id && f.rule === "destructive-unconfirmed").map((f) => `${f.severity} ${f.line}`);
  assert.deepEqual(of("invites:acceptByToken"), ["low 13"]);
  assert.match(r.findings.find((f) => f.function === "invites:acceptByToken" && f.rule === "destructive-unconfirmed").message, /spent invitation/);
  assert.deepEqual(of("invites:acceptOther"), ["high 24"]);
  assert.deepEqual(of("invites:deleteFirst"), ["high 34"]);
  assert.deepEqual(of("invites:acceptPost"), ["high 46"]);
});

test("a check an app helper makes, called after an action's runAction, counts for nothing; one a helper makes before it, or a builder declares, counts (attack33 A3)", () => {
  const dir = app("latehelper", {
    ...API,
    "late.ts": `${HEAD}
async function requireAdmin(ctx: any) {
  await guard.requirePermission(ctx, "delete:posts");
}
export const syncLate = action({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    await ctx.runAction(internal.late.wipe, { postId });
    await requireAdmin(ctx);
  },
});
export const syncEarly = action({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    await requireAdmin(ctx);
    await ctx.runAction(internal.late.wipe, { postId });
  },
});
export const builderLate = guard.action(action, {
  args: { postId: v.id("posts") },
  permission: "delete:posts",
  handler: async (ctx, { postId }) => {
    await ctx.runAction(internal.late.wipe, { postId });
    await requireAdmin(ctx);
  },
});
`,
  });
  const r = auditReport(cli, dir);
  const auth = (id) => r.findings.filter((f) => f.function === id && f.rule === "public-no-auth").map((f) => f.message);
  assert.equal(auth("late:syncLate").length, 1);
  assert.match(auth("late:syncLate")[0], /requireAdmin -> guard\.requirePermission\("delete:posts"\) \(convex\/late\.ts:\d+\), made after ctx\.runAction \(convex\/late\.ts:14\)/);
  assert.deepEqual(auth("late:syncEarly"), []);
  assert.deepEqual(auth("late:builderLate"), []);
  assert.deepEqual(r.findings.filter((f) => f.function === "late:builderLate" && f.rule.startsWith("unchecked-id")), []);
});
