// attack48 F3: a role or permission the audit cannot read counted as a role check above the
// lowest, and the warning AUDIT.md promised never printed. A role chosen by an argument
// (`requireRole(ctx, args.role)`, `requirePermission(ctx, args.perm)`, `roleAtLeast(me,
// args.role)`) is the client's choice: the lowest role's check, the argument named. A `?:` of roles
// read is the lowest of them; any other role not read (`guard.roles[1]`, a concatenation, a `let`)
// is the lowest, with a warning. Scoped roles (securityAudit.scopedRoles) do not come back through
// one. A helper's role parameter given a literal or a `const` still counts. Run the way a user
// runs it: the bin of the packed tarball (AUDIT_CLI names another, to show a test fails on an
// older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, idFindings, scratchApp, ANY_API } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const HEAD = `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
const ADMIN = "admin";
`;

test("a role or permission an argument chooses is the lowest role's check: its deletes are reported, the argument named (attack48 F3)", () => {
  const dir = scratchApp("rolechosen", "args", {
    ...ANY_API,
    "chosen.ts": `${HEAD}
export const byRole = mutation({ args: { id: v.id("posts"), role: v.string() }, handler: async (ctx, args) => {
  await guard.requireRole(ctx, args.role as "admin");
  await ctx.db.delete(args.id);
}});
export const byPermission = mutation({ args: { id: v.id("posts"), perm: v.string() }, handler: async (ctx, { id, perm }) => {
  await guard.requirePermission(ctx, perm as "delete:posts");
  await ctx.db.delete(id);
}});
export const byDecision = mutation({ args: { id: v.id("posts"), role: v.string() }, handler: async (ctx, args) => {
  const me = await guard.requireUser(ctx);
  if (!guard.roleAtLeast(me, args.role as "admin")) throw new Error("no");
  await ctx.db.delete(args.id);
}});
export const byConst = mutation({ args: { id: v.id("posts"), role: v.string() }, handler: async (ctx, args) => {
  const { role } = args;
  await guard.requireRole(ctx, role as "admin");
  await ctx.db.delete(args.id);
}});
`,
  });
  const r = auditReport(cli, dir);
  const ids = idFindings(r);
  for (const id of ["byRole", "byPermission", "byDecision", "byConst"]) assert.ok(ids.includes(`unchecked-id-delete chosen:${id}`), `${id}: ${ids}`);
  const msg = (id) => r.findings.find((f) => f.function === `chosen:${id}` && f.rule === "unchecked-id-delete").message;
  assert.match(msg("byRole"), /the role checked, `args\.role as "admin"`, comes from argument 'role', which the caller chooses: taken as the lowest role, 'user'/);
  assert.match(msg("byPermission"), /the permission checked, `perm as "delete:posts"`, comes from argument 'perm'/);
  assert.match(msg("byDecision"), /comes from argument 'role'/);
  assert.match(msg("byConst"), /comes from argument 'role'/);
  const warnings = r.warnings.map((w) => `${w.file}:${w.line} ${w.message}`);
  assert.ok(warnings.some((w) => /^convex\/chosen\.ts:7 the role checked, `args\.role as "admin"`, comes from argument 'role', which the caller chooses: the check is judged as one of the lowest role, 'user'/.test(w)), warnings.join("\n"));
});

test("a role not read is the lowest, with a warning; a ?: of roles read is the lowest of them; a literal, a const or a helper's parameter given one still counts (attack48 F3)", () => {
  const dir = scratchApp("rolechosen", "unread", {
    ...ANY_API,
    "unread.ts": `${HEAD}
async function atLeast(ctx: any, role: "user" | "admin") { return await guard.requireRole(ctx, role); }
export const byIndex = mutation({ args: { id: v.id("posts") }, handler: async (ctx, args) => {
  await guard.requireRole(ctx, guard.roles[1]);
  await ctx.db.delete(args.id);
}});
export const byConcat = mutation({ args: { id: v.id("posts") }, handler: async (ctx, args) => {
  await guard.requirePermission(ctx, ("delete" + ":posts") as "delete:posts");
  await ctx.db.delete(args.id);
}});
export const byTernary = mutation({ args: { id: v.id("posts"), x: v.boolean() }, handler: async (ctx, args) => {
  await guard.requireRole(ctx, args.x ? "user" : ADMIN);
  await ctx.db.delete(args.id);
}});
export const bothAdmin = mutation({ args: { id: v.id("posts"), x: v.boolean() }, handler: async (ctx, args) => {
  await guard.requireRole(ctx, args.x ? "admin" : ADMIN);
  await ctx.db.delete(args.id);
}});
export const literal = mutation({ args: { id: v.id("posts") }, handler: async (ctx, args) => {
  await guard.requireRole(ctx, ADMIN);
  await ctx.db.delete(args.id);
}});
export const helperLiteral = mutation({ args: { id: v.id("posts") }, handler: async (ctx, args) => {
  await atLeast(ctx, "admin");
  await ctx.db.delete(args.id);
}});
export const helperConst = mutation({ args: { id: v.id("posts") }, handler: async (ctx, args) => {
  await atLeast(ctx, ADMIN);
  await ctx.db.delete(args.id);
}});
// A string enum's member is read as its value (finalread33 M2: it was taken as unreadable).
enum Role { User = "user", Admin = "admin" }
export const byEnum = mutation({ args: { id: v.id("posts") }, handler: async (ctx, args) => {
  await guard.requireRole(ctx, Role.Admin);
  await ctx.db.delete(args.id);
}});
export const byEnumLow = mutation({ args: { id: v.id("posts") }, handler: async (ctx, args) => {
  await guard.requireRole(ctx, Role["User"]);
  await ctx.db.delete(args.id);
}});
`,
  });
  const r = auditReport(cli, dir);
  const ids = idFindings(r).filter((f) => f.startsWith("unchecked-id-delete"));
  assert.deepEqual(ids, ["unchecked-id-delete unread:byConcat", "unchecked-id-delete unread:byEnumLow", "unchecked-id-delete unread:byIndex", "unchecked-id-delete unread:byTernary"]);
  const msg = (id) => r.findings.find((f) => f.function === `unread:${id}` && f.rule === "unchecked-id-delete").message;
  assert.match(msg("byIndex"), /the role checked, `guard\.roles\[1\]`, cannot be read from the source: taken as the lowest role, 'user'/);
  assert.match(msg("byTernary"), /role 'user' is the lowest/);
  const warnings = r.warnings.map((w) => `${w.file}:${w.line} ${w.message}`);
  assert.equal(warnings.length, 2, warnings.join("\n"));
  assert.match(warnings[0], /^convex\/unread\.ts:8 the role checked, `guard\.roles\[1\]`, cannot be read from the source: the check is judged as one of the lowest role, 'user'/);
  assert.match(warnings[1], /^convex\/unread\.ts:12 the permission checked, `\("delete" \+ ":posts"\) as "delete:posts"`, cannot be read from the source/);
});

test("a scoped role does not come back through a role the audit cannot read (attack48 F3, attack48 s04, s05, s12)", () => {
  const guard = `import { defineGuard, MINUTE } from "convex-guard";
export const guard = defineGuard({
  roles: ["student", "teacher", "admin"],
  permissions: { teacher: ["posts:grade"], admin: ["users:delete"] },
  access: { tables: { posts: { owner: "ownerId", visibility: "visibility" } } },
  rateLimits: { write: { kind: "token bucket", rate: 10, period: MINUTE } },
  securityAudit: { scopedRoles: ["teacher"] },
});
`;
  const dir = scratchApp("rolechosen", "scoped", {
    ...ANY_API,
    "scoped.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
export const s04 = mutation({ args: { id: v.id("posts") }, handler: async (ctx, args) => {
  await guard.requireRole(ctx, guard.roles[1]); await ctx.db.delete(args.id); }});
export const s05 = mutation({ args: { id: v.id("posts") }, handler: async (ctx, args) => {
  await guard.requirePermission(ctx, ("posts" + ":grade") as "posts:grade"); await ctx.db.delete(args.id); }});
export const s12 = mutation({ args: { id: v.id("posts"), x: v.boolean() }, handler: async (ctx, args) => {
  await guard.requireRole(ctx, args.x ? "teacher" : "admin"); await ctx.db.delete(args.id); }});
export const admin = mutation({ args: { id: v.id("posts"), x: v.boolean() }, handler: async (ctx, args) => {
  await guard.requireRole(ctx, args.x ? "admin" : "admin"); await ctx.db.delete(args.id); }});
`,
  }, guard);
  const r = auditReport(cli, dir);
  assert.deepEqual(idFindings(r).filter((f) => f.startsWith("unchecked-id-delete")), ["unchecked-id-delete scoped:s04", "unchecked-id-delete scoped:s05", "unchecked-id-delete scoped:s12"]);
  assert.match(r.findings.find((f) => f.function === "scoped:s12" && f.rule === "unchecked-id-delete").message, /role 'teacher' is scoped/);
});
