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

// newuser28 F2: managers setting other users' roles below their own. The argument's validator,
// or a test of it that leaves before the write on every path, bounds the role written.
const GUARD4 = `import { defineGuard, MINUTE } from "convex-guard";

export const guard = defineGuard({
  roles: ["user", "support", "manager", "admin"],
  permissions: { support: ["limits:lift"], manager: ["roles:assign"], admin: ["roles:assignAny"] },
  access: { tables: { posts: { owner: "ownerId", visibility: "visibility" } } },
  rateLimits: { writes: { kind: "token bucket", rate: 10, period: MINUTE } },
});
`;

const BOUND_HEAD = `import { ConvexError, v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
const BELOW = v.union(v.literal("user"), v.literal("support"));
`;

/** A function of the bound tests: `check` first, then `body` (with `me`, `userId`, `role`). */
const fnOf = (name, body, { role = "guard.roleValidator()", check = 'guard.requirePermission(ctx, "roles:assign")' } = {}) => `
export const ${name} = mutation({
  args: { userId: v.id("users"), role: ${role} },
  handler: async (ctx, { userId, role }) => {
    const me = await ${check};
    await guard.rateLimit(ctx, "writes", { key: me._id });
    const target = await ctx.db.get(userId);
    if (target === null) throw new ConvexError({ code: "NOT_FOUND", message: "no user" });
${body}
  },
});
`;
const WRITE = "    await ctx.db.patch(target._id, { role });";
const FINDING = `${WRITE} // FINDING unchecked-role-write`;

/** The app of one test: `fns` in bound.ts; the report, its role findings checked against the markers; a finding by function. */
function boundApp(name, fns) {
  const dir = scratchApp("rolecheck", name, { ...ANY_API, "bound.ts": `${BOUND_HEAD}${fns.join("")}` }, GUARD4);
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-role-write"), markers(`${dir}/convex`));
  return (fn) => r.findings.find((f) => f.rule === "unchecked-role-write" && f.function === `bound:${fn}`);
}

test("a role argument whose validator admits only roles at or below the checked one is not reported; a validator admitting a higher one names the highest (newuser28 F2, variants/C)", () => {
  const at = boundApp("validator", [
    fnOf("byUnion", WRITE, { role: 'v.union(v.literal("user"), v.literal("support"))' }),
    fnOf("byConst", WRITE, { role: "BELOW" }),
    fnOf("byLiteral", WRITE, { role: 'v.literal("support")' }),
    fnOf("unionAbove", FINDING, { role: 'v.union(v.literal("user"), v.literal("admin"))' }),
  ]);
  assert.match(at("unionAbove").message, /from argument 'role', which may be 'admin' \(the highest role its validator and the tests before the write let through\), above the role 'manager'.*promote anyone, themselves included, to 'admin'$/);
});

test("a test of the role argument that leaves before the write when the role is too high is not reported; one that does not leave, of another value, after the write, or bounding above the checked role is (newuser28 F2, variants/D)", () => {
  const at = boundApp("tests", [
    fnOf("byNotEqual", `    if (role !== "user" && role !== "support") throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });\n${WRITE}`),
    fnOf("byEqual", `    if (role === "admin" || role === "manager") return null;\n${WRITE}`),
    fnOf("byCallerRole", `    if (guard.roleAtLeast(role, me.role!)) throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });\n${WRITE}`),
    fnOf("byAtLeastLiteral", `    if (guard.roleAtLeast(role, "manager")) throw new ConvexError({ code: "FORBIDDEN", message: "below managers" });\n${WRITE}`),
    fnOf("warnOnly", `    if (role !== "user" && role !== "support") console.warn("a role at or above yours");\n${FINDING}`),
    fnOf("otherValue", `    if (guard.roleAtLeast(target, me.role!)) throw new ConvexError({ code: "FORBIDDEN", message: "users below you" });\n${FINDING}`),
    fnOf("testAfter", `${FINDING}\n    if (role === "admin" || role === "manager") throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });`),
    fnOf("aboveChecked", `    if (role === "admin") throw new ConvexError({ code: "FORBIDDEN", message: "not admin" });\n${FINDING}`, { check: 'guard.requireRole(ctx, "support")' }),
  ]);
  assert.match(at("aboveChecked").message, /which may be 'manager' \(.*\), above the role 'support' its check requires.*to 'manager'$/);
  assert.match(at("warnOnly").message, /which may be any role/);
});

test("the test on the path of callers without the top role's permission, the other path holding it, is not reported; a permission below the top, or of another user's row, is (newuser28 F2, setRole)", () => {
  boundApp("paths", [
    fnOf("byTopPath", `    if (!guard.can(me, "roles:assignAny")) {
      const myRole = me.role;
      if (myRole === undefined) throw new ConvexError({ code: "FORBIDDEN", message: "no role" });
      if (guard.roleAtLeast(role, myRole)) throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });
    }
${WRITE}`),
    fnOf("byTopRole", `    if (guard.roleAtLeast(me, "admin")) {\n${WRITE}\n      return null;\n    }\n    if (role === "admin" || role === "manager") throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });\n${WRITE}`),
    fnOf("middlePath", `    if (!guard.can(me, "roles:assign")) {
      if (guard.roleAtLeast(role, me.role!)) throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });
    }
${FINDING}`, { check: 'guard.requirePermission(ctx, "limits:lift")' }),
    fnOf("targetPath", `    if (!guard.can(target, "roles:assignAny")) {
      if (guard.roleAtLeast(role, me.role!)) throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });
    }
${FINDING}`),
  ]);
});

// attack36 F5: a `v.string()` id cast to the users table's `Id` names a users row as `v.id("users")`
// does (Convex's patch takes it); a role held in a property of a `const` object literal never
// changed is read as the literal.
test("a users row named by a string id cast to Id<\"users\"> (GenericId, through a const) and a role read from a const object's property are reported after a staff check; a cast to another table, a role at or below the check, a changed object are not", () => {
  const dir = scratchApp("rolecheck", "cast", {
    ...ANY_API,
    "cast.ts": `${HEAD}import type { Id } from "./_generated/dataModel";
import type { GenericId } from "convex/values";
import { LADDER } from "./ladder";
const R = { low: "patient", top: "admin" } as const;
const PLAIN = { high: "admin" };
const MOVED = { top: "patient" };
MOVED.top = "admin";
const SHARED = { top: "admin" };
Object.assign(SHARED, { top: "patient" });

export const setRoleStr = mutation({
  args: { userId: v.string(), role: v.union(v.literal("patient"), v.literal("staff"), v.literal("admin")) },
  handler: async (ctx, args) => {
    const me = await guard.requirePermission(ctx, "appointments:treat");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    await ctx.db.patch(args.userId as Id<"users">, { role: args.role }); // FINDING unchecked-role-write
  },
});

export const setRoleGeneric = mutation({
  args: { userId: v.string() },
  handler: async (ctx, { userId }) => {
    const me = await guard.requireRole(ctx, "staff");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    const id = (userId as unknown) as GenericId<"users">;
    await ctx.db.patch(id, { role: ADMIN }); // FINDING unchecked-role-write
  },
});

export const makeTop = mutation({
  args: { userId: v.id("users") },
  handler: async (ctx, args) => {
    const me = await guard.requireRole(ctx, "staff");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    await ctx.db.patch(args.userId, { role: R.top }); // FINDING unchecked-role-write
  },
});

export const makeHigh = mutation({
  args: { userId: v.id("users") },
  handler: async (ctx, args) => {
    const me = await guard.requireRole(ctx, "staff");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    await ctx.db.patch(args.userId, { role: PLAIN["high"] }); // FINDING unchecked-role-write
    await ctx.db.patch(args.userId, { role: LADDER.top }); // FINDING unchecked-role-write
  },
});

export const castOther = mutation({
  args: { postId: v.string(), role: v.string() },
  handler: async (ctx, args) => {
    const me = await guard.requireRole(ctx, "staff");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    await ctx.db.patch(args.postId as Id<"posts">, { role: args.role } as any);
  },
});

export const castByAdmin = mutation({
  args: { userId: v.string(), role: v.string() },
  handler: async (ctx, args) => {
    const me = await guard.requireRole(ctx, "admin");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    await ctx.db.patch(args.userId as Id<"users">, { role: args.role });
  },
});

export const castLow = mutation({
  args: { userId: v.string() },
  handler: async (ctx, args) => {
    const me = await guard.requireRole(ctx, "staff");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    await ctx.db.patch(args.userId as Id<"users">, { role: R.low });
  },
});

export const changedObjects = mutation({
  args: { userId: v.id("users") },
  handler: async (ctx, args) => {
    const me = await guard.requireRole(ctx, "staff");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    await ctx.db.patch(args.userId, { role: MOVED.top });
    await ctx.db.patch(args.userId, { role: SHARED.top });
  },
});
`,
    "ladder.ts": `export const LADDER = { top: "admin" };\n`,
  }, GUARD);
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-role-write"), markers(`${dir}/convex`));
  const at = (fn) => r.findings.find((f) => f.rule === "unchecked-role-write" && f.function === `cast:${fn}`);
  assert.ok(r.findings.filter((f) => f.rule === "unchecked-role-write").every((f) => f.severity === "high"));
  assert.match(at("setRoleStr").message, /from argument 'role', which may be .*above the role 'staff', the lowest holding the permission 'appointments:treat'/);
  assert.match(at("makeTop").message, /to 'admin', above the role 'staff' its check requires/);
});

test("a const object of roles changed in another module (imported, renamed) is not read as its literal", () => {
  const dir = scratchApp("rolecheck", "castimport", {
    ...ANY_API,
    "use.ts": `${HEAD}import { LADDER as L } from "./ladder";
export const makeTop = mutation({
  args: { userId: v.id("users") },
  handler: async (ctx, args) => {
    const me = await guard.requireRole(ctx, "staff");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    await ctx.db.patch(args.userId, { role: L.top });
  },
});
export const lower = () => { L.top = "patient"; };
`,
    "ladder.ts": `export const LADDER = { top: "admin" };\n`,
  }, GUARD);
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-role-write"), markers(`${dir}/convex`));
});

// attack36 F5 (another helper's variant): a `let` given the argument's role and, on some path, a
// literal is read as each of the values it is given.
test("a let given an argument's role or a literal above the checked role is reported after a staff check; one given only roles at or below it, or a value the audit cannot read, is not", () => {
  const dir = scratchApp("rolecheck", "let", {
    ...ANY_API,
    "lets.ts": `${HEAD}
const body = (write: string) => write;
export const fromArg = mutation({
  args: { userId: v.id("users"), role: v.string(), up: v.boolean() },
  handler: async (ctx, args) => {
    const me = await guard.requireRole(ctx, "staff");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    let given = args.role;
    if (args.up) given = "patient";
    await ctx.db.patch(args.userId, { role: given }); // FINDING unchecked-role-write
  },
});

export const toAdmin = mutation({
  args: { userId: v.id("users"), role: v.literal("patient") },
  handler: async (ctx, args) => {
    const me = await guard.requireRole(ctx, "staff");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    let given: string = args.role;
    given = ADMIN;
    await ctx.db.patch(args.userId, { role: given }); // FINDING unchecked-role-write
  },
});

export const lowOnly = mutation({
  args: { userId: v.id("users"), up: v.boolean() },
  handler: async (ctx, args) => {
    const me = await guard.requireRole(ctx, "staff");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    let given = "patient";
    if (args.up) given = "staff";
    await ctx.db.patch(args.userId, { role: given });
  },
});

export const unread = mutation({
  args: { userId: v.id("users"), up: v.boolean() },
  handler: async (ctx, args) => {
    const me = await guard.requireRole(ctx, "staff");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    let given = "patient";
    given += body("x");
    await ctx.db.patch(args.userId, { role: given });
  },
});
`,
  }, GUARD);
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-role-write"), markers(`${dir}/convex`));
  const at = (fn) => r.findings.find((f) => f.rule === "unchecked-role-write" && f.function === `lets:${fn}`);
  assert.match(at("fromArg").message, /from argument 'role', which may be any role, above the role 'staff'/);
  assert.match(at("toAdmin").message, /to 'admin', above the role 'staff' its check requires/);
});

// The role argument bounded by a test, then changed before the write (role3 item 1): the bound no
// longer holds, the write is reported as of any role.
test("a role argument changed after its test (an element assignment, Object.assign, a destructuring assignment) is reported as of any role", () => {
  const dir = scratchApp("rolecheck", "changed", {
    ...ANY_API,
    "changed.ts": `${BOUND_HEAD}
const BOUNDED = (name: string) => name !== "user" && name !== "support";
export const byElement = mutation({
  args: { userId: v.id("users"), role: guard.roleValidator(), other: guard.roleValidator() },
  handler: async (ctx, args) => {
    const me = await guard.requirePermission(ctx, "roles:assign");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    if (args.role !== "user" && args.role !== "support") throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });
    args["role"] = args.other;
    await ctx.db.patch(args.userId, { role: args.role }); // FINDING unchecked-role-write
  },
});

export const byAssign = mutation({
  args: { userId: v.id("users"), role: guard.roleValidator(), other: guard.roleValidator() },
  handler: async (ctx, args) => {
    const me = await guard.requirePermission(ctx, "roles:assign");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    if (args.role !== "user" && args.role !== "support") throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });
    Object.assign(args, { role: args.other });
    await ctx.db.patch(args.userId, { role: args.role }); // FINDING unchecked-role-write
  },
});

export const byDestructuring = mutation({
  args: { userId: v.id("users"), role: guard.roleValidator(), other: guard.roleValidator() },
  handler: async (ctx, args) => {
    const me = await guard.requirePermission(ctx, "roles:assign");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    let { role } = args;
    if (role !== "user" && role !== "support") throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });
    ({ role } = { role: args.other });
    await ctx.db.patch(args.userId, { role }); // FINDING unchecked-role-write
  },
});

export const byParam = mutation({
  args: { userId: v.id("users"), role: guard.roleValidator(), other: guard.roleValidator() },
  handler: async (ctx, { userId, role, other }) => {
    const me = await guard.requirePermission(ctx, "roles:assign");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    if (role !== "user" && role !== "support") throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });
    [role] = [other];
    await ctx.db.patch(userId, { role }); // FINDING unchecked-role-write
  },
});

export const unchanged = mutation({
  args: { userId: v.id("users"), role: guard.roleValidator(), other: guard.roleValidator() },
  handler: async (ctx, args) => {
    const me = await guard.requirePermission(ctx, "roles:assign");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    if (args.role !== "user" && args.role !== "support") throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });
    Object.assign({}, args, { role: args.other });
    args["other"] = args.role;
    await ctx.db.patch(args.userId, { role: args.role });
    return BOUNDED(args.other);
  },
});
`,
  }, GUARD4);
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-role-write"), markers(`${dir}/convex`));
  for (const f of r.findings.filter((f) => f.rule === "unchecked-role-write")) assert.match(f.message, /which may be any role/);
});

// role3 item 2: shapes that bound the role argument before the write, read where the syntax is
// certain; the same shapes letting a higher role through are reported.
test("a switch on the role argument, a literal list's includes, a test in a try whose catch throws again or in a loop's body bound the role; the same shapes letting a higher role through are reported", () => {
  const at = boundApp("shapes", [
    fnOf("switchAfter", `    switch (role) {
      case "user":
      case "support":
        break;
      default:
        throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });
    }
${WRITE}`),
    fnOf("switchInside", `    switch (role) {
      case "admin":
      case "manager":
        throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });
      case "support":
        await guard.audit.log(ctx, { actor: me._id, action: "support.granted", outcome: "success" });
      default:
  ${WRITE}
    }`),
    fnOf("includes", `    if (!["user", "support"].includes(role)) throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });\n${WRITE}`),
    fnOf("tryRethrow", `    try {
      if (guard.roleAtLeast(role, me.role!)) throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });
    } catch (e) {
      console.error(e);
      throw e;
    }
${WRITE}`),
    fnOf("loopBody", `    for (const name of ["first"]) {
      if (role === "admin" || role === "manager") continue;
      await guard.audit.log(ctx, { actor: me._id, action: name, outcome: "success" });
  ${WRITE}
    }`),
    fnOf("switchFallsIn", `    switch (role) {
      case "admin":
        console.warn("an admin");
      case "user":
        break;
      default:
        throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });
    }
${FINDING}`),
    fnOf("switchNoDefault", `    switch (role) {
      case "manager":
        throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });
    }
${FINDING}`),
    fnOf("switchNestedBreak", `    switch (role) {
      case "admin":
        if (me.role === "admin") break;
        throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });
      case "manager":
        throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });
    }
${FINDING}`),
    fnOf("includesAbove", `    if (!["user", "admin"].includes(role)) throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });\n${FINDING}`),
    fnOf("trySwallows", `    try {
      if (guard.roleAtLeast(role, me.role!)) throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });
    } catch (e) {
      console.error(e);
    }
${FINDING}`),
    fnOf("loopMaybeEmpty", `    for (const id of [] as string[]) {
      if (role === "admin" || role === "manager") throw new ConvexError({ code: "FORBIDDEN", message: id });
    }
${FINDING}`),
  ]);
  assert.match(at("switchFallsIn").message, /which may be 'admin' \(/);
  assert.match(at("includesAbove").message, /which may be 'admin' \(.*to 'admin'$/);
  assert.match(at("switchNoDefault").message, /which may be 'admin' \(/);
});

// role3 item 3 (newuser28, setRole's message): a write still reported names whom it promotes and
// to what as the code allows them: not the caller when their own id is refused before the write,
// or by a throw after it that nothing may skip (the mutation rolls the write back).
test("a role write still reported after the caller's own id is refused before it says the caller is not among those promoted, and names the roles the bound lets through", () => {
  const at = boundApp("messages", [
    fnOf("refusedArg", `    if (userId === me._id) throw new ConvexError({ code: "FORBIDDEN", message: "not your own" });\n${FINDING}`),
    fnOf("refusedRow", `    if (target._id === me._id || target.role === undefined) return null;\n${FINDING}`),
    fnOf("refusedBranch", `    if (me._id !== userId) {\n  ${FINDING}\n    }`),
    fnOf("refusedBelow", `    if (userId === me._id) throw new ConvexError({ code: "FORBIDDEN", message: "not your own" });\n${FINDING}`, { role: 'v.union(v.literal("user"), v.literal("manager"))', check: 'guard.requireRole(ctx, "support")' }),
    fnOf("refusedLiteral", `    if (me._id == userId) return null;\n    await ctx.db.patch(userId, { role: "admin" }); // FINDING unchecked-role-write`),
    fnOf("refusedAfter", `${FINDING}\n    if (userId === me._id) throw new ConvexError({ code: "FORBIDDEN", message: "not your own" });`),
    fnOf("returnedAfter", `${FINDING}\n    if (userId === me._id) return null;`),
    fnOf("skippedAfter", `${FINDING}\n    if (role === "user") return null;\n    if (userId === me._id) throw new ConvexError({ code: "FORBIDDEN", message: "not your own" });`),
    fnOf("warnedOwn", `    if (userId === me._id) console.warn("your own");\n${FINDING}`),
    fnOf("otherArg", `    if (role === me._id) throw new ConvexError({ code: "FORBIDDEN", message: "not your own" });\n${FINDING}`),
  ]);
  for (const fn of ["refusedArg", "refusedRow", "refusedBranch", "refusedBelow", "refusedAfter"]) {
    assert.match(at(fn).message, /they can promote any other user \(their own id is refused before the write\) to '/, fn);
  }
  assert.match(at("refusedArg").message, /which may be any role, .*to 'admin'$/);
  assert.match(at("refusedBelow").message, /which may be 'manager' \(.*above the role 'support' its check requires.*any other user \(their own id is refused before the write\) to 'manager'$/);
  assert.doesNotMatch(at("refusedBelow").message, /admin|any role|themselves included/);
  assert.match(at("refusedLiteral").message, /to 'admin', .*promote any other user \(their own id is refused before the write\) to 'admin'$/);
  for (const fn of ["returnedAfter", "skippedAfter", "warnedOwn", "otherArg"]) assert.match(at(fn).message, /promote anyone, themselves included, to 'admin'$/, fn);
});

// attack38 F4: the bound of a role argument whose validators are spread in from a const, tested in
// a try whose catch may go on, or whose object is let out after the test (a helper given it, an
// alias, Object.defineProperty, Reflect.set or Reflect.defineProperty), holds for no role; a catch
// that throws again, a helper whose parameter is declared Readonly, or a copy keep it.
test("a role argument's bound is not credited when its test's catch may go on or its object is let out to a call or an alias after it; a catch that throws again, a Readonly parameter or a copy keep it (attack38 F4)", () => {
  const fnArgs = (name, body) => `
export const ${name} = mutation({
  args: { ...SHARED, force: v.boolean() },
  handler: async (ctx, args) => {
    const me = await guard.requirePermission(ctx, "roles:assign");
    await guard.rateLimit(ctx, "writes", { key: me._id });
${body}
  },
});
`;
  const TEST = `    if (args.role === "admin" || args.role === "manager") throw new ConvexError({ code: "FORBIDDEN", message: "below yours" });`;
  const PATCH = "    await ctx.db.patch(args.userId, { role: args.role });";
  const dir = scratchApp("rolecheck", "escapes", {
    ...ANY_API,
    "escapes.ts": `${BOUND_HEAD}
const SHARED = { userId: v.id("users"), role: guard.roleValidator(), other: guard.roleValidator() };
function norm(x: { role: string; other: string }) {
  x.role = x.other;
}
function shown(x: Readonly<{ role: string }>) {
  return x.role.length;
}
${fnArgs("catchGoesOn", `    try {
  ${TEST}
    } catch (e) {
      if (!args.force) throw e;
    }
${PATCH} // FINDING unchecked-role-write`)}
${fnArgs("catchRethrows", `    try {
  ${TEST}
    } catch (e) {
      console.error(e);
      throw e;
    }
${PATCH}`)}
${fnArgs("byHelper", `${TEST}
    norm(args);
${PATCH} // FINDING unchecked-role-write`)}
${fnArgs("byAlias", `    const p = args;
${TEST}
    p.role = p.other;
${PATCH} // FINDING unchecked-role-write`)}
${fnArgs("byDefineProperty", `${TEST}
    Object.defineProperty(args, "role", { value: args.other });
${PATCH} // FINDING unchecked-role-write`)}
${fnArgs("byReflectSet", `${TEST}
    Reflect.set(args, "role", args.other);
${PATCH} // FINDING unchecked-role-write`)}
${fnArgs("byReflectDefine", `${TEST}
    Reflect.defineProperty((args), "role", { value: args.other });
${PATCH} // FINDING unchecked-role-write`)}
${fnArgs("readOnly", `${TEST}
    shown(args);
    console.log(Object.keys(args), JSON.stringify(args));
    const { role, ...rest } = args;
    const copy = { ...args };
    if (role !== copy.role || rest.force) return null;
${PATCH}`)}
`,
  }, GUARD4);
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-role-write"), markers(`${dir}/convex`));
  for (const f of r.findings.filter((f) => f.rule === "unchecked-role-write")) assert.match(f.message, /which may be any role/);
});

// finalread28 FP3: an app helper given the arguments keeps the bound when its body only reads its
// parameter (up to 3 helpers deep, destructured, or wrapped in an object literal), and drops it when
// the body writes a field of it, assigns it, or passes it to a function value; a thrown
// new ConvexError holding the arguments keeps it.
/** A function bounding `args.role` below the caller's own role, then running `body` before writing it (`mark`: its finding marker). */
const boundArgs = (name, body, mark = "") => `
export const ${name} = mutation({
  args: { userId: v.id("users"), role: guard.roleValidator(), other: guard.roleValidator() },
  handler: async (ctx, args) => {
    const me = await guard.requirePermission(ctx, "roles:assign");
    await guard.rateLimit(ctx, "writes", { key: me._id });
    if (guard.roleAtLeast(args.role, me.role!)) throw new ConvexError({ code: "FORBIDDEN", message: "below yours", args });
${body}
    await ctx.db.patch(args.userId, { role: args.role });${mark}
  },
});
`;
test("a role argument's bound holds past an app helper that only reads the arguments, and not past one that writes, assigns or passes them on to a function value (finalread28 FP3)", () => {
  const fnArgs = boundArgs;
  const dir = scratchApp("rolecheck", "helperreads", {
    ...ANY_API,
    "helperreads.ts": `${BOUND_HEAD}
type Change = { userId: string; role: string; other: string };
async function logChange(ctx: unknown, change: Change) {
  console.log(change.userId, change.role, JSON.stringify(change));
}
async function audit(ctx: unknown, change: Change) {
  const { userId } = change;
  await logChange(ctx, change);
  return userId.length + change.role.length;
}
function picked({ userId, role }: Change) {
  return userId + role;
}
function wrapped(o: { args: Change }) {
  return logChange(null, o.args);
}
function rewrite(change: Change) {
  change.role = change.other;
}
function deeper(ctx: unknown, change: Change) {
  rewrite(change);
}
function replace(change: Change) {
  change = { ...change, role: "admin" };
  return change.role;
}
function wrapWrite(o: { args: Change }) {
  deeper(null, o.args);
}
const hooks: Array<(c: Change) => void> = [];
function handOn(change: Change) {
  hooks.forEach((h) => h(change));
}
${fnArgs("readsOnly", `    await logChange(ctx, args);
    await audit(ctx, args);
    picked(args);
    wrapped({ args });`)}
${fnArgs("writesNested", `    deeper(ctx, args);`, " // FINDING unchecked-role-write")}
${fnArgs("assignsIt", `    replace(args);`, " // FINDING unchecked-role-write")}
${fnArgs("passesOn", `    handOn(args);`, " // FINDING unchecked-role-write")}
${fnArgs("wrappedWriter", `    wrapWrite({ args });`, " // FINDING unchecked-role-write")}
`,
  }, GUARD4);
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-role-write"), markers(`${dir}/convex`));
});

// left19: a helper declared with TypeScript's this parameter (function f(this: void, change)) is given
// its first argument in its second parameter, as every other rule reads a call: a helper writing the
// field the argument lands in drops the bound; one writing only another parameter keeps it.
test("a role argument's bound through an app helper declared with a this parameter: the argument lands past it (left19)", () => {
  const fnArgs = boundArgs;
  const dir = scratchApp("rolecheck", "thisparam", {
    ...ANY_API,
    "thisparam.ts": `${BOUND_HEAD}
type Change = { userId: string; role: string; other: string };
function rewrite(this: void, change: Change) {
  change.role = change.other;
}
function noted(this: void, log: { last?: string }, change: Change) {
  log.last = change.role;
}
const log: { last?: string } = {};
${fnArgs("rewritesPastThis", `    rewrite(args);`, " // FINDING unchecked-role-write")}
${fnArgs("readsPastThis", `    noted({}, args);
    noted(log, args);`)}
`,
  }, GUARD4);
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-role-write"), markers(`${dir}/convex`));
});
