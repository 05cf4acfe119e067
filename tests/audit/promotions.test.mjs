// An outside review of the audit's write paths (its attack32, FN2 and FN3): a role from the
// caller written by an internal mutation a public function runs (`ctx.runMutation`, the
// scheduler); a role above the lowest written literally to a users row the caller picks (by a
// query on an argument, a read by an argument's id, the id itself); a role from the caller stored
// in an invite that another function writes to the accepting user's role. Each is
// `unchecked-role-write`, not seen before. Run the way a user runs it: the bin of the packed
// tarball (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, ANY_API, foundRules as found } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const app = (name, files) => scratchApp("promotions", name, { ...ANY_API, ...files });

const HEAD = `import { v } from "convex/values";
import { action, internalMutation, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";
`;

test("a role from the caller written through an internal mutation a public function runs is reported at the call; an admin's check (of caller or callee) or a literal lowest role is not", () => {
  const dir = app("relay", {
    "roles.ts": `${HEAD}
export const setRole = internalMutation({
  args: { userId: v.id("users"), role: v.string() },
  handler: async (ctx, args) => {
    await ctx.db.patch(args.userId, { role: args.role });
  },
});

export const setRoleAsAdmin = internalMutation({
  args: { userId: v.id("users"), role: v.string() },
  handler: async (ctx, args) => {
    await guard.requireRole(ctx, "admin");
    await ctx.db.patch(args.userId, { role: args.role });
  },
});

export const upgradePlan = action({
  args: { role: v.string() },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.runMutation(internal.roles.setRole, { userId: user._id, role: args.role }); // FINDING unchecked-role-write
    return null;
  },
});

export const requestRole = mutation({
  args: { role: v.string() },
  handler: async (ctx, args) => {
    const user = await guard.requireRole(ctx, "user");
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.scheduler.runAfter(0, internal.roles.setRole, { userId: user._id, role: args.role }); // FINDING unchecked-role-write
    return null;
  },
});

export const assignRole = mutation({
  args: { userId: v.id("users"), role: v.string() },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.scheduler.runAfter(0, internal.roles.setRole, { ...args, role: args.role }); // FINDING unchecked-role-write
    return null;
  },
});

export const adminSetsRole = mutation({
  args: { userId: v.id("users"), role: v.string() },
  handler: async (ctx, args) => {
    const admin = await guard.requireRole(ctx, "admin");
    await guard.rateLimit(ctx, "write", { key: admin._id });
    await ctx.scheduler.runAfter(0, internal.roles.setRole, { userId: args.userId, role: args.role });
    return null;
  },
});

export const calleeChecksAdmin = action({
  args: { userId: v.id("users"), role: v.string() },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.runMutation(internal.roles.setRoleAsAdmin, { userId: args.userId, role: args.role });
    return null;
  },
});

export const onboard = action({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.runMutation(internal.roles.setRole, { userId: user._id, role: "user" });
    return null;
  },
});
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-role-write"), markers(`${dir}/convex`));
  const at = (line) => r.findings.find((f) => f.rule === "unchecked-role-write" && f.line === line);
  const marked = markers(`${dir}/convex`).map((m) => Number(m.split(":")[1].split(" ")[0]));
  assert.match(at(marked[0]).message, /roles:upgradePlan writes, through internal\.roles\.setRole \(ctx\.runMutation\), the role field 'role' of the caller's own users row from argument 'role'.*promote themselves/);
  assert.match(at(marked[1]).message, /scheduled: ctx\.scheduler\.runAfter.*role 'user' is the lowest/);
  assert.match(at(marked[2]).message, /of a users row from argument 'role'.*promote anyone/);
  assert.equal(at(marked[2]).severity, "high");
});

test("a role above the lowest written literally to a users row the caller picks, by any member, is reported; the lowest role, the caller's own row, an admin's check are not", () => {
  const dir = app("literal", {
    "promote.ts": `${HEAD}
const ADMIN = "admin";

export const promoteByName = mutation({
  args: { name: v.string() },
  handler: async (ctx, args) => {
    await guard.requireRole(ctx, "user");
    await guard.rateLimit(ctx, "write", { key: "global" });
    const u = await ctx.db.query("users").filter((q) => q.eq(q.field("name"), args.name)).first();
    if (u) await ctx.db.patch(u._id, { role: "admin" }); // FINDING unchecked-role-write
    return null;
  },
});

export const promoteRead = mutation({
  args: { userId: v.id("users") },
  handler: async (ctx, args) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    const u = await ctx.db.get(args.userId);
    if (u === null) throw new Error("no such user");
    await ctx.db.patch(u._id, { role: ADMIN }); // FINDING unchecked-role-write
    return null;
  },
});

export const promoteById = mutation({
  args: { userId: v.id("users") },
  handler: async (ctx, args) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    await ctx.db.patch(args.userId, { role: "admin" }); // FINDING unchecked-role-write
    return null;
  },
});

export const adminPromotes = mutation({
  args: { name: v.string() },
  handler: async (ctx, args) => {
    await guard.requireRole(ctx, "admin");
    await guard.rateLimit(ctx, "write", { key: "global" });
    const u = await ctx.db.query("users").filter((q) => q.eq(q.field("name"), args.name)).first();
    if (u) await ctx.db.patch(u._id, { role: "admin" });
    return null;
  },
});

export const onboard = mutation({
  args: {},
  handler: async (ctx) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    await ctx.db.patch(me._id, { role: "user" });
    return null;
  },
});

export const demoteByName = mutation({
  args: { name: v.string() },
  handler: async (ctx, args) => {
    await guard.requireRole(ctx, "user");
    await guard.rateLimit(ctx, "write", { key: "global" });
    const u = await ctx.db.query("users").filter((q) => q.eq(q.field("name"), args.name)).first();
    if (u) await ctx.db.patch(u._id, { role: "user" });
    return null;
  },
});

export const promoteFounder = mutation({
  args: {},
  handler: async (ctx) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    const founder = await ctx.db.query("users").filter((q) => q.eq(q.field("name"), "founder")).first();
    if (founder) await ctx.db.patch(founder._id, { role: "admin" });
    return null;
  },
});
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-role-write"), markers(`${dir}/convex`));
  const first = r.findings.find((f) => f.rule === "unchecked-role-write" && f.function === "promote:promoteByName");
  assert.match(first.message, /sets the role field 'role' of a users row that argument 'name' picks to 'admin', above the lowest role.*promote anyone, themselves included/);
});

test("a role from the caller stored in a row another function writes to a user's role is reported at the store; an admin's invite, a request an admin approves, or a stored field no users role is written from, is not", () => {
  const dir = app("invite", {
    "invites.ts": `${HEAD}
import { ConvexError } from "convex/values";

export const createInvite = mutation({
  args: { email: v.string(), role: v.string() },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    return await ctx.db.insert("invites", { email: args.email, role: args.role, invitedBy: user._id }); // FINDING unchecked-role-write
  },
});

export const adminInvites = mutation({
  args: { email: v.string(), role: v.string() },
  handler: async (ctx, args) => {
    const admin = await guard.requireRole(ctx, "admin");
    await guard.rateLimit(ctx, "write", { key: admin._id });
    return await ctx.db.insert("invites", { email: args.email, role: args.role, invitedBy: admin._id });
  },
});

export const acceptInvite = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const identity = await ctx.auth.getUserIdentity();
    const invite = await ctx.db.query("invites").filter((q) => q.eq(q.field("email"), identity!.email!)).first();
    if (invite === null) throw new ConvexError("no invite");
    await ctx.db.patch(user._id, { role: invite.role });
    return null;
  },
});

export const requestRole = mutation({
  args: { role: v.string() },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    return await ctx.db.insert("roleRequests", { userId: user._id, role: args.role });
  },
});

export const approveRequest = mutation({
  args: { requestId: v.id("roleRequests"), userId: v.id("users") },
  handler: async (ctx, args) => {
    const admin = await guard.requireRole(ctx, "admin");
    await guard.rateLimit(ctx, "write", { key: admin._id });
    const request = await ctx.db.get(args.requestId);
    if (request === null || request.userId !== args.userId) throw new ConvexError("no request");
    await ctx.db.patch(args.userId, { role: request.role });
    await ctx.db.delete(request._id);
    return null;
  },
});

export const say = mutation({
  args: { role: v.string(), text: v.string() },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    return await ctx.db.insert("messages", { author: user._id, role: args.role, text: args.text });
  },
});
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-role-write"), markers(`${dir}/convex`));
  assert.match(r.findings.find((f) => f.rule === "unchecked-role-write").message, /stores argument 'role' in the field 'role' of table 'invites', whose rows invites:acceptInvite writes to a users row's role/);
});

// fpleft: the lowest role's literal promotion says the caller is not among those promoted when the code refuses their own id before the write (ownrefused.ts, as rolecheck.ts does).
test("a role above the lowest written literally to a users row an argument picks, the caller's own id refused before the write: the message says any other user; not refused, or refused by a test that does not leave: themselves included", () => {
  const fnOf = (name, test) => `
export const ${name} = mutation({
  args: { userId: v.id("users") },
  handler: async (ctx, args) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
${test}    await ctx.db.patch(args.userId, { role: "admin" }); // FINDING unchecked-role-write
    return null;
  },
});
`;
  const dir = app("refused", {
    "promote.ts":
      HEAD +
      fnOf("refusedThrow", '    if (args.userId === me._id) throw new Error("not your own");\n') +
      fnOf("refusedReturn", "    if (me._id == args.userId) return null;\n") +
      fnOf("notRefused", "") +
      fnOf("warnedOnly", '    if (args.userId === me._id) console.warn("your own");\n'),
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-role-write"), markers(`${dir}/convex`));
  const message = (fn) => r.findings.find((f) => f.rule === "unchecked-role-write" && f.function === `promote:${fn}`).message;
  for (const fn of ["refusedThrow", "refusedReturn"]) assert.match(message(fn), /above the lowest role, for .*: a caller can promote any other user \(their own id is refused before the write\)$/, fn);
  for (const fn of ["notRefused", "warnedOnly"]) assert.match(message(fn), /: a caller can promote anyone, themselves included$/, fn);
});
