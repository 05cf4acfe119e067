// A role check above the lowest is not an admin's check (newuser25 A3): in a three-role app
// (patient < staff < admin), a staff member who may write any user's role writes "admin", or any
// role an argument carries. `unchecked-role-write` (high) when the role written ranks above the
// role the check requires; a check at the top role, or a role at or below the checked one, stays
// quiet. Run the way a user runs it (AUDIT_CLI names another build, to show a test fails there).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, ANY_API, foundRules as found } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const GUARD = `import { defineGuard, MINUTE } from "convex-guard";

export const guard = defineGuard({
  roles: ["patient", "staff", "admin"],
  permissions: { staff: ["appointments:treat"], admin: ["users:manage"] },
  access: { tables: { posts: { owner: "ownerId", visibility: "visibility" } } },
  rateLimits: { writes: { kind: "token bucket", rate: 10, period: MINUTE } },
});
`;

const HEAD = `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
const ADMIN = "admin";
`;

test("a staff check writing 'admin' or an argument's role is reported; a check at the top role, or a role at or below the checked one, is not", () => {
  const dir = scratchApp("rolecheck", "ranked", {
    ...ANY_API,
    "staff.ts": `${HEAD}
export const promoteByStaff = guard.mutation(mutation, {
  args: { userId: v.id("users") }, role: "staff", rateLimit: { name: "writes" },
  handler: async (ctx, { userId }) => ctx.db.patch(userId, { role: "admin" }), // FINDING unchecked-role-write
});

export const setAnyRole = mutation({
  args: { userId: v.id("users"), role: v.string() },
  handler: async (ctx, args) => {
    const me = await guard.requireRole(ctx, "staff");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    await ctx.db.patch(args.userId, { role: args.role }); // FINDING unchecked-role-write
    return null;
  },
});

export const selfPromote = mutation({
  args: {},
  handler: async (ctx) => {
    const me = await guard.requireRole(ctx, "staff");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    await ctx.db.patch(me._id, { role: ADMIN }); // FINDING unchecked-role-write
    return null;
  },
});

export const staffDemotes = guard.mutation(mutation, {
  args: { userId: v.id("users") }, role: "staff", rateLimit: { name: "writes" },
  handler: async (ctx, { userId }) => ctx.db.patch(userId, { role: "patient" }),
});

export const staffMakesStaff = guard.mutation(mutation, {
  args: { userId: v.id("users") }, role: "staff", rateLimit: { name: "writes" },
  handler: async (ctx, { userId }) => ctx.db.patch(userId, { role: "staff" }),
});

export const adminPromotes = guard.mutation(mutation, {
  args: { userId: v.id("users"), role: v.string() }, role: "admin", rateLimit: { name: "writes" },
  handler: async (ctx, { userId, role }) => {
    await ctx.db.patch(userId, { role: "admin" });
    await ctx.db.patch(userId, { role });
  },
});

export const staffAndAdmin = mutation({
  args: { userId: v.id("users"), role: v.string() },
  handler: async (ctx, args) => {
    await guard.requireRole(ctx, "staff");
    const me = await guard.requireRole(ctx, "admin");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    await ctx.db.patch(args.userId, { role: args.role });
    return null;
  },
});
`,
  }, GUARD);
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-role-write"), markers(`${dir}/convex`));
  const at = (fn) => r.findings.find((f) => f.rule === "unchecked-role-write" && f.function === `staff:${fn}`);
  assert.equal(at("promoteByStaff").severity, "high");
  assert.match(at("promoteByStaff").message, /users row that argument 'userId' picks to 'admin', above the role 'staff' its check requires/);
  assert.match(at("setAnyRole").message, /from argument 'role', which may be any role, above the role 'staff'.*to 'admin'/);
  assert.equal(at("setAnyRole").severity, "high");
  assert.match(at("selfPromote").message, /the caller's own users row to 'admin'.*promote themselves/);
});

test("a permission check ranks at the lowest role holding it, a role written to any users row, one the function looks up itself included (attack34 F6); a check at the top role, or a permission only it holds, is not reported", () => {
  const dir = scratchApp("rolecheck", "permission", {
    ...ANY_API,
    "perm.ts": `${HEAD}
export const treatAndPromote = guard.mutation(mutation, {
  args: { userId: v.id("users") }, permission: "appointments:treat", rateLimit: { name: "writes" },
  handler: async (ctx, { userId }) => ctx.db.patch(userId, { role: ADMIN }), // FINDING unchecked-role-write
});

export const promoteByName = mutation({
  args: { name: v.string() },
  handler: async (ctx, { name }) => {
    const me = await guard.requirePermission(ctx, "appointments:treat");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    const u = await ctx.db.query("users").filter((q) => q.eq(q.field("name"), name)).first();
    if (!u) throw new Error("no such user");
    await ctx.db.patch(u._id, { role: "admin" }); // FINDING unchecked-role-write
    return null;
  },
});

export const promoteFirst = mutation({
  args: {},
  handler: async (ctx) => {
    const me = await guard.requireRole(ctx, "staff");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    const u = await ctx.db.query("users").first();
    if (u !== null) await ctx.db.patch(u._id, { role: "admin" }); // FINDING unchecked-role-write
    return null;
  },
});

export const adminPromotesByName = mutation({
  args: { name: v.string() },
  handler: async (ctx, { name }) => {
    const me = await guard.requireRole(ctx, "admin");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    const u = await ctx.db.query("users").filter((q) => q.eq(q.field("name"), name)).first();
    if (!u) throw new Error("no such user");
    await ctx.db.patch(u._id, { role: "admin" });
    return null;
  },
});

export const managerPromotes = guard.mutation(mutation, {
  args: { userId: v.id("users") }, permission: "users:manage", rateLimit: { name: "writes" },
  handler: async (ctx, { userId }) => ctx.db.patch(userId, { role: ADMIN }),
});

export const treatDemotesByName = mutation({
  args: { name: v.string() },
  handler: async (ctx, { name }) => {
    const me = await guard.requirePermission(ctx, "appointments:treat");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    const u = await ctx.db.query("users").filter((q) => q.eq(q.field("name"), name)).first();
    if (u) await ctx.db.patch(u._id, { role: "patient" });
    return null;
  },
});
`,
  }, GUARD);
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-role-write"), markers(`${dir}/convex`));
  const at = (fn) => r.findings.find((f) => f.rule === "unchecked-role-write" && f.function === `perm:${fn}`);
  assert.ok(r.findings.filter((f) => f.rule === "unchecked-role-write").every((f) => f.severity === "high"));
  assert.match(at("promoteByName").message, /users row that argument 'name' picks to 'admin', above the role 'staff', the lowest holding the permission 'appointments:treat' its check requires, for a caller holding 'staff'/);
  assert.match(at("promoteFirst").message, /a users row the function looks up itself to 'admin', above the role 'staff' its check requires.*promote anyone, themselves included/);
});
