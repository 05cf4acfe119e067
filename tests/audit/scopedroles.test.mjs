// newuser34 F1: in a classroom app every teacher holds "submissions:grade", yet a teacher may
// grade only their own class's submissions. A check of a role above the lowest (or of a
// permission the lowest role does not hold) was taken as cover for any document an argument
// names, so `permission: "submissions:grade"` then `ctx.db.patch(args.submissionId, ...)` passed
// `--fail-on medium`, as did a listing by an argument's field and a relay of another user's id
// to a job. `securityAudit.scopedRoles` says which roles a tenant scopes: a check one of them
// passes covers no document, as the lowest role's; a role above them (admin) still covers. Run
// the way a user runs it: the bin of the packed tarball (AUDIT_CLI names another, to show a test
// fails on an older build).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { auditReport, idFindings, scratchApp, ANY_API } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const report = (appRoot) => auditReport(cli, appRoot);
const run = (appRoot) => spawnSync(process.execPath, [cli, "audit", "convex", "--json"], { cwd: appRoot, encoding: "utf8" });

/** The shared part of a classroom's configuration, spread into the guard as newuser34's app does. */
const SHARED = {
  "guardConfig.ts": `import { MINUTE } from "convex-guard";
export const shared = {
  roles: ["student", "teacher", "admin"],
  permissions: { student: ["posts:submit"], teacher: ["posts:grade"], admin: ["users:delete"] },
  access: { tables: { posts: { owner: "ownerId", visibility: "visibility" } } },
  rateLimits: { write: { kind: "token bucket", rate: 10, period: MINUTE } },
} as const;
`,
};

/** A guard of the shared configuration with `securityAudit` written as `audit` (none: no key). */
const guardOf = (audit, before = "") => `import { defineGuard } from "convex-guard";
import { shared } from "./guardConfig";
${before}
export const guard = defineGuard({ ...shared${audit === undefined ? "" : `, securityAudit: ${audit}`} });
`;

const HEAD = `import { v } from "convex/values";
import { action, internalMutation, internalQuery, mutation, query } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";
`;

/** B1 (an id write), a delete, an id read returned, B2 (a listing by an argument's field), B14 (a relay); then the admin's and the lowest role's checks. */
const CLASSROOM = {
  ...ANY_API,
  ...SHARED,
  "classroom.ts": `${HEAD}
export const gradeDirect = guard.mutation(mutation, {
  args: { id: v.id("posts"), title: v.string() },
  permission: "posts:grade",
  rateLimit: { name: "write" },
  handler: async (ctx, { id, title }) => { await ctx.db.patch(id, { title }); },
});

export const removeAny = guard.mutation(mutation, {
  args: { id: v.id("posts") },
  role: "teacher",
  rateLimit: { name: "write" },
  handler: async (ctx, { id }) => { await ctx.db.delete(id); },
});

export const peek = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requirePermission(ctx, "posts:grade");
    return await ctx.db.get(id);
  },
});

export const listByEditor = guard.query(query, {
  args: { editorId: v.id("users") },
  permission: "posts:grade",
  handler: async (ctx, { editorId }) => await ctx.db.query("posts").withIndex("by_editor", (q) => q.eq("editorId", editorId)).collect(),
});

export const meta = internalQuery({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const p = await ctx.db.get(id);
    return { ownerId: p!.ownerId };
  },
});
export const saveAs = internalMutation({
  args: { userId: v.id("users"), id: v.id("posts"), title: v.string() },
  handler: async (ctx, { userId, id, title }) => {
    const { doc } = await guard.requireAccessFor(ctx, userId, "posts", id, "editor");
    await ctx.db.patch(doc._id, { title });
  },
});
export const gradeAs = guard.action(action, {
  args: { id: v.id("posts") },
  permission: "posts:grade",
  rateLimit: { name: "write" },
  handler: async (ctx, { id }): Promise<null> => {
    const m = await ctx.runQuery(internal.classroom.meta, { id });
    await ctx.runMutation(internal.classroom.saveAs, { userId: m.ownerId, id, title: "graded" });
    return null;
  },
});

export const adminEdit = guard.mutation(mutation, {
  args: { id: v.id("posts"), title: v.string() },
  role: "admin",
  rateLimit: { name: "write" },
  handler: async (ctx, { id, title }) => { await ctx.db.patch(id, { title }); },
});

export const adminPermission = guard.mutation(mutation, {
  args: { id: v.id("posts"), title: v.string() },
  permission: "users:delete",
  rateLimit: { name: "write" },
  handler: async (ctx, { id, title }) => { await ctx.db.patch(id, { title }); },
});

export const submitHeld = guard.mutation(mutation, {
  args: { id: v.id("posts"), title: v.string() },
  permission: "posts:submit",
  rateLimit: { name: "write" },
  handler: async (ctx, { id, title }) => { await ctx.db.patch(id, { title }); },
});
`,
};

const TEACHER = "any caller with role 'teacher' (permission 'posts:grade' is passed by role 'teacher', scoped (securityAudit.scopedRoles): every teacher passes it, whatever their tenant)";

test("a scoped role's check covers no document: B1's write, a delete, a read, B2's listing, B14's relay", () => {
  const r = report(scratchApp("scopedroles", "scoped", CLASSROOM, guardOf(`{ scopedRoles: SCOPED }`, `const SCOPED = ["teacher"] as const;`)));
  assert.deepEqual(idFindings(r), [
    "unchecked-id-delete classroom:removeAny",
    "unchecked-id-read classroom:peek",
    "unchecked-id-write classroom:gradeDirect",
    "unchecked-id-write classroom:submitHeld",
  ]);
  const message = (rule, fn) => r.findings.find((f) => f.rule === rule && f.function === fn)?.message ?? "";
  assert.ok(message("unchecked-id-write", "classroom:gradeDirect").endsWith(`names, for ${TEACHER}`), message("unchecked-id-write", "classroom:gradeDirect"));
  assert.match(message("unchecked-id-delete", "classroom:removeAny"), /for any caller with role 'teacher' \(role 'teacher' is scoped \(securityAudit\.scopedRoles\): every teacher passes it, whatever their tenant\)/);
  assert.ok(message("unchecked-id-read", "classroom:peek").endsWith(`names, to ${TEACHER}`));
  assert.ok(message("unchecked-list", "classroom:listByEditor").includes(`selected by field 'editorId' (equal to argument 'editorId', which no document or group check covers), not by its owner field 'ownerId' equal to the caller's id, to ${TEACHER}: `), message("unchecked-list", "classroom:listByEditor"));
  assert.deepEqual(r.findings.filter((f) => f.rule === "relayed-user-id").map((f) => f.function), ["classroom:gradeAs"]);
  // The lowest role's permission is reported as before, with its own reason.
  assert.match(message("unchecked-id-write", "classroom:submitHeld"), /permission 'posts:submit' is held by the lowest role, 'student'/);
  // The admin, above the scoped role, still covers: nothing of adminEdit or adminPermission.
  assert.deepEqual(r.findings.filter((f) => f.function.startsWith("classroom:admin")), []);
  assert.deepEqual(r.warnings, []);
});

test("without scopedRoles a teacher's check still covers (the old reading); the lowest role's is reported the same", () => {
  const r = report(scratchApp("scopedroles", "unscoped", CLASSROOM, guardOf(undefined)));
  assert.deepEqual(idFindings(r), ["unchecked-id-write classroom:submitHeld"]);
  assert.deepEqual(r.findings.filter((f) => f.rule === "unchecked-list" || f.rule === "relayed-user-id"), []);
});

test("a role above a scoped one passes its checks: a check of a role below it covers nothing either", () => {
  const guard = `import { defineGuard } from "convex-guard";
export const guard = defineGuard({
  roles: ["student", "teacher", "principal", "admin"],
  access: { tables: { posts: { owner: "ownerId", visibility: "visibility" } } },
  securityAudit: { scopedRoles: ["principal"] },
});
`;
  const files = {
    "school.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
export const byTeacher = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => { await guard.requireRole(ctx, "teacher"); await ctx.db.delete(id); },
});
export const byAdmin = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => { await guard.requireRole(ctx, "admin"); await ctx.db.delete(id); },
});
`,
  };
  const r = report(scratchApp("scopedroles", "above", files, guard));
  assert.deepEqual(idFindings(r), ["unchecked-id-delete school:byTeacher"]);
  assert.match(r.findings.find((f) => f.rule === "unchecked-id-delete").message, /role 'teacher' is passed by role 'principal', scoped \(securityAudit\.scopedRoles\): every principal passes it/);
});

test("a name in scopedRoles that is not one of the guard's roles is an error naming it", () => {
  const typo = run(scratchApp("scopedroles", "typo", CLASSROOM, guardOf(`{ scopedRoles: ["teachr"] }`)));
  assert.equal(typo.status, 2, typo.stderr);
  assert.match(typo.stderr, /convex\/guard\.ts:\d+: securityAudit\.scopedRoles: 'teachr' is not one of the guard's roles \(did you mean 'teacher'\?\); its roles: student, teacher, admin/);
  // Even where no check names it (no function checks a role here).
  const plain = { "plain.ts": `import { query } from "./_generated/server";\nexport const ping = query({ args: {}, handler: async () => "pong" });\n`, ...SHARED };
  const unused = run(scratchApp("scopedroles", "typo-unused", plain, guardOf(`{ scopedRoles: ["Teacher"] }`)));
  assert.equal(unused.status, 2, unused.stderr);
  assert.match(unused.stderr, /'Teacher' is not one of the guard's roles/);
});

test("a scopedRoles list the audit cannot read is an error; a configuration it cannot read is a warning naming it", () => {
  const computed = run(scratchApp("scopedroles", "computed", CLASSROOM, guardOf(`{ scopedRoles: scoped() }`, `const scoped = () => ["teacher" as const];`)));
  assert.equal(computed.status, 2, computed.stderr);
  assert.match(computed.stderr, /securityAudit\.scopedRoles must be written literally/);
  const made = `import { defineGuard } from "convex-guard";
import { shared } from "./guardConfig";
const make = () => ({ ...shared, securityAudit: { scopedRoles: ["teacher" as const] } });
export const guard = defineGuard(make());
`;
  const r = report(scratchApp("scopedroles", "unreadable", CLASSROOM, made));
  assert.equal(r.warnings.length, 1, JSON.stringify(r.warnings));
  assert.match(r.warnings[0].message, /the scoped roles \(securityAudit\.scopedRoles: no role is taken as scoped/);
  // The roles not readable: the names are used as written (a teacher's check covers nothing), with a warning that they were not checked.
  const rolesMade = `import { defineGuard } from "convex-guard";
const makeRoles = () => ["student", "teacher", "admin"] as const;
export const guard = defineGuard({ roles: makeRoles(), access: { tables: { posts: { owner: "ownerId", visibility: "visibility" } } }, securityAudit: { scopedRoles: ["teacher"] } });
`;
  const del = `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
export const del = mutation({ args: { id: v.id("posts") }, handler: async (ctx, { id }) => { await guard.requireRole(ctx, "teacher"); await ctx.db.delete(id); } });
`;
  const unread = report(scratchApp("scopedroles", "roles-unreadable", { "a.ts": del }, rolesMade));
  assert.deepEqual(idFindings(unread), ["unchecked-id-delete a:del"]);
  assert.match(unread.warnings[0]?.message ?? "", /the names of securityAudit\.scopedRoles \(used as written, not checked against the roles/);
});

test("several guards: each check by its own guard's scopedRoles; a receiver not followed by the strictest", () => {
  const guards = `import { defineGuard } from "convex-guard";
import { shared } from "./guardConfig";
export const guard = defineGuard({ ...shared, securityAudit: { scopedRoles: ["teacher"] } });
export const staffGuard = defineGuard({ ...shared });
`;
  const files = {
    ...SHARED,
    "two.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard, staffGuard } from "./guard";
export const scopedDelete = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => { await guard.requireRole(ctx, "teacher"); await ctx.db.delete(id); },
});
export const staffDelete = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => { await staffGuard.requireRole(ctx, "teacher"); await ctx.db.delete(id); },
});
async function gate(g: typeof staffGuard, ctx: any) { await g.requireRole(ctx, "teacher"); }
export const eitherDelete = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => { await gate(staffGuard, ctx); await ctx.db.delete(id); },
});
`,
  };
  const r = report(scratchApp("scopedroles", "two-guards", files, guards));
  assert.deepEqual(idFindings(r), ["unchecked-id-delete two:eitherDelete", "unchecked-id-delete two:scopedDelete"]);
  assert.ok(r.warnings.some((w) => /which guard `g` is cannot be read/.test(w.message) && w.message.includes("or it or a role above it is scoped by any of them")), JSON.stringify(r.warnings));
});
