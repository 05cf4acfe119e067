// A new user's review (a multi-tenant SaaS, orgs as guard groups): the "Members" page read one
// group's `accessGroupMembers` range after `requireGroupLevel` on that same id and got a HIGH
// `guard-table-read` claiming "every group's members"; a delete of the group's row after a
// viewer-level group check got nothing once an audit row was written; the fix of a name patch
// named no rename. With `guard.listGroupMembers` and `guard.renameGroup`, the findings point to
// them. Run the way a user runs it: the bin of the packed tarball (AUDIT_CLI names another, to
// show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, foundRules as found, NOTES_GUARD } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const HEAD = `import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";
`;

const RULES = ["guard-table-read", "guard-table-write", "unchecked-id-delete", "unchecked-id-write"];
const of = (r, fn, rule) => r.findings.find((f) => f.function === `orgs:${fn}` && f.rule === rule);

test("one group's members read after requireGroupLevel on that id: low, pointing to listGroupMembers; unchecked or every group's: high", () => {
  const dir = scratchApp("groupcalls", "members", {
    "orgs.ts": `${HEAD}
export const members = query({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    await guard.requireGroupLevel(ctx, orgId, "viewer");
    const rows = await ctx.db.query("accessGroupMembers").withIndex("by_group_and_user", (q) => q.eq("groupId", orgId)).take(100); // FINDING guard-table-read
    return rows.map((m) => ({ userId: m.userId, level: m.level }));
  },
});

export const membersUnchecked = query({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    await guard.requireUser(ctx);
    return await ctx.db.query("accessGroupMembers").withIndex("by_group_and_user", (q) => q.eq("groupId", orgId)).take(100); // FINDING guard-table-read
  },
});

export const membersOfAnother = query({
  args: { orgId: v.id("accessGroups"), otherId: v.id("accessGroups") },
  handler: async (ctx, { orgId, otherId }) => {
    await guard.requireGroupLevel(ctx, orgId, "viewer");
    return await ctx.db.query("accessGroupMembers").withIndex("by_group_and_user", (q) => q.eq("groupId", otherId)).take(100); // FINDING guard-table-read
  },
});

export const everyMember = query({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    await guard.requireGroupLevel(ctx, orgId, "viewer");
    return await ctx.db.query("accessGroupMembers").take(100); // FINDING guard-table-read
  },
});

export const listed = query({
  args: { orgId: v.id("accessGroups"), paginationOpts: paginationOptsValidator },
  handler: async (ctx, { orgId, paginationOpts }) => await guard.listGroupMembers(ctx, orgId, { paginationOpts }),
});
`,
  }, NOTES_GUARD);
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "guard-table-read"), markers(`${dir}/convex`));
  const checked = of(r, "members", "guard-table-read");
  assert.equal(checked.severity, "low");
  assert.match(checked.message, /^orgs:members returns rows of the guard's table 'accessGroupMembers' \(one group's members and pending invitations\), read directly, to callers checked on the group argument 'orgId' names$/);
  assert.match(checked.fix, /guard\.listGroupMembers\(ctx, groupId, \{ paginationOpts \}\)/);
  for (const fn of ["membersUnchecked", "membersOfAnother"]) {
    const f = of(r, fn, "guard-table-read");
    assert.equal(f.severity, "high", f.message);
    assert.match(f.message, /\(one group's members and pending invitations\)/);
    assert.doesNotMatch(f.message, /every group's/);
    assert.match(f.fix, /guard\.listGroupMembers/);
  }
  const every = of(r, "everyMember", "guard-table-read");
  assert.equal(every.severity, "high");
  assert.match(every.message, /\(every group's members and invitations\)/);
  assert.match(every.fix, /guard\.listGroupMembers/);
  // The guard's listing is a check of the group: no finding for the function at all.
  assert.deepEqual(r.findings.filter((f) => f.function === "orgs:listed").map((f) => f.rule), []);
});

test("a group's row deleted or patched after a group check below the owner level: medium, audited or not; at the owner level: none", () => {
  const dir = scratchApp("groupcalls", "deletes", {
    "orgs.ts": `${HEAD}
export const deleteAsViewer = mutation({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireGroupLevel(ctx, orgId, "viewer");
    await ctx.db.delete(orgId); // FINDING unchecked-id-delete
    await guard.audit.log(ctx, { action: "orgs.delete", outcome: "success", actor: user._id, resourceId: orgId });
  },
});

export const deleteAsEditor = mutation({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireGroupLevel(ctx, orgId, "editor");
    await ctx.db.delete(orgId); // FINDING unchecked-id-delete
    await guard.audit.log(ctx, { action: "orgs.delete", outcome: "success", actor: user._id, resourceId: orgId });
  },
});

export const deleteAfterListing = mutation({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.listGroupMembers(ctx, orgId, { paginationOpts: { numItems: 1, cursor: null } });
    await ctx.db.delete(orgId); // FINDING unchecked-id-delete
    await guard.audit.log(ctx, { action: "orgs.delete", outcome: "success", actor: user._id, resourceId: orgId });
  },
});

export const deleteAsOwner = mutation({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireGroupLevel(ctx, orgId, "owner");
    await ctx.db.delete(orgId);
    await guard.audit.log(ctx, { action: "orgs.delete", outcome: "success", actor: user._id, resourceId: orgId });
  },
});

export const renameAsViewer = mutation({
  args: { orgId: v.id("accessGroups"), name: v.string() },
  handler: async (ctx, { orgId, name }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireGroupLevel(ctx, orgId, "viewer");
    await ctx.db.patch(orgId, { name }); // FINDING guard-table-write, unchecked-id-write
  },
});

export const renameAsOwner = mutation({
  args: { orgId: v.id("accessGroups"), name: v.string() },
  handler: async (ctx, { orgId, name }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireGroupLevel(ctx, orgId, "owner");
    await ctx.db.patch(orgId, { name }); // FINDING guard-table-write
  },
});

export const renamed = mutation({
  args: { orgId: v.id("accessGroups"), name: v.string() },
  handler: async (ctx, { orgId, name }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    return await guard.renameGroup(ctx, orgId, name);
  },
});
`,
  }, NOTES_GUARD);
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, ...RULES), markers(`${dir}/convex`));
  for (const [fn, level] of [["deleteAsViewer", "group level 'viewer'"], ["deleteAsEditor", "group level 'editor'"], ["deleteAfterListing", "any level \\(guard\\.listGroupMembers, guard\\.groupLevel, guard\\.acceptGroupInvite\\)"]]) {
    const f = of(r, fn, "unchecked-id-delete");
    assert.equal(f.severity, "medium", f.message);
    assert.match(f.message, new RegExp(`deletes the document that argument 'orgId' names, checked only at ${level}, below the owner level`));
    assert.match(f.fix, /guard\.requireGroupLevel\(ctx, groupId, "owner"\)/);
  }
  const write = of(r, "renameAsViewer", "unchecked-id-write");
  assert.equal(write.severity, "medium");
  assert.match(write.fix, /guard\.renameGroup/);
  for (const fn of ["renameAsViewer", "renameAsOwner"]) assert.match(of(r, fn, "guard-table-write").fix, /guard\.createGroup, renameGroup,/);
  assert.deepEqual(r.findings.filter((f) => f.function === "orgs:renamed" || f.function === "orgs:deleteAsOwner").map((f) => `${f.rule} ${f.severity}`), []);
});

test("a level the audit cannot read (an argument, a ?:) is taken as the lowest; one held by a const is read (attack14)", () => {
  const dir = scratchApp("groupcalls", "unread-levels", {
    "orgs.ts": `${HEAD}
const LOW = "viewer";
const TOP = "owner";
const LV = { low: "viewer", top: "owner" } as const;
const level = v.union(v.literal("viewer"), v.literal("owner"));

export const byArgument = mutation({
  args: { orgId: v.id("accessGroups"), level },
  handler: async (ctx, { orgId, level }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireGroupLevel(ctx, orgId, level);
    await ctx.db.delete(orgId);
    await guard.audit.log(ctx, { action: "org.delete", outcome: "success", actor: user._id });
  },
});

export const byChoice = mutation({
  args: { orgId: v.id("accessGroups"), soft: v.boolean() },
  handler: async (ctx, { orgId, soft }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireGroupLevel(ctx, orgId, soft ? "viewer" : "owner");
    await ctx.db.delete(orgId);
    await guard.audit.log(ctx, { action: "org.delete", outcome: "success", actor: user._id });
  },
});

export const byConst = mutation({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireGroupLevel(ctx, orgId, LV.low);
    await ctx.db.delete(orgId);
    await guard.audit.log(ctx, { action: "org.delete", outcome: "success", actor: user._id });
  },
});

export const atTopConst = mutation({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireGroupLevel(ctx, orgId, TOP);
    await ctx.db.delete(orgId);
    await guard.audit.log(ctx, { action: "org.delete", outcome: "success", actor: user._id });
  },
});

export const documentByArgument = mutation({
  args: { id: v.id("posts"), level },
  handler: async (ctx, { id, level }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const { doc } = await guard.requireAccess(ctx, "posts", id, level);
    await ctx.db.patch(doc._id, { title: "x" });
  },
});

export const builderByLowConst = guard.mutation(mutation, {
  args: { id: v.id("posts") },
  access: { table: "posts", arg: "id", level: LOW },
  rateLimit: { name: "write" },
  handler: async (ctx, { id }) => {
    await ctx.db.patch(id, { title: "x" });
  },
});

export const builderByTopConst = guard.mutation(mutation, {
  args: { id: v.id("posts") },
  access: { table: "posts", arg: "id", level: TOP },
  rateLimit: { name: "write" },
  handler: async (ctx, { id }) => {
    await ctx.db.patch(id, { title: "x" });
  },
});

export const documentByConst = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireAccess(ctx, "posts", id, LOW);
    await ctx.db.patch(id, { title: "x" });
  },
});
`,
  });
  const r = auditReport(cli, dir);
  const changes = r.findings.filter((f) => f.rule === "unchecked-id-delete" || f.rule === "unchecked-id-write").map((f) => `${f.severity} ${f.function.split(":")[1]}`);
  // A builder's level is read as a call's: through a const ("owner" covers the write).
  assert.deepEqual(changes.sort(), ["medium builderByLowConst", "medium byArgument", "medium byChoice", "medium byConst", "medium documentByArgument", "medium documentByConst"]);
  const unread = r.findings.find((f) => f.function === "orgs:byArgument" && f.rule === "unchecked-id-delete");
  assert.match(unread.message, /a group level the audit cannot read \(an argument, a \?:\), taken as the lowest/);
  const doc = r.findings.find((f) => f.function === "orgs:documentByArgument");
  assert.match(doc.message, /a level the audit cannot read \(an argument, a \?:\), taken as the lowest/);
});
