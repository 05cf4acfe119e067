// guard.requireRoleFor / requirePermissionFor (newuser33 F3, F5): a named user's role or
// permission, as readableFor / requireAccessFor are their access. The report's authorization
// column shows an internal function's *For checks (it showed "-"); relayed-user-id knows the new
// calls; none of them is a check of the caller (a public function, scheduled-needs-caller). Run
// the way a user runs it: the bin of the packed tarball (AUDIT_CLI names another).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { auditReport, markers, scratchApp, ANY_API as API, WIRING, foundRules as found } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const JOBS = `import { v } from "convex/values";
import { internalMutation, internalQuery, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

export const promote = internalMutation({
  args: { by: v.id("users"), postId: v.id("posts") },
  handler: async (ctx, { by, postId }) => {
    await guard.requireRoleFor(ctx, by, "admin");
    await ctx.db.patch(postId, { title: "promoted" });
  },
});
export const purge = internalMutation({
  args: { by: v.id("users"), postId: v.id("posts") },
  handler: async (ctx, { by, postId }) => {
    await guard.requirePermissionFor(ctx, by, "delete:posts");
    await ctx.db.delete(postId);
  },
});
// Through a helper of the app's.
async function mayEdit(ctx: any, userId: any, postId: any) {
  return await guard.requireAccessFor(ctx, userId, "posts", postId, "editor");
}
export const edit = internalMutation({
  args: { userId: v.id("users"), postId: v.id("posts") },
  handler: async (ctx, { userId, postId }) => {
    const { doc } = await mayEdit(ctx, userId, postId);
    await ctx.db.patch(doc._id, { title: "edited" });
  },
});
export const peek = internalQuery({
  args: { userId: v.id("users"), postId: v.id("posts") },
  handler: async (ctx, { userId, postId }) => (await guard.readableFor(ctx, userId, "posts", postId))?.doc ?? null,
});
// Checks that hold nothing: a refusal caught and dropped, an answer thrown away.
export const lax = internalMutation({
  args: { by: v.id("users"), postId: v.id("posts") },
  handler: async (ctx, { by, postId }) => {
    await guard.requireRoleFor(ctx, by, "admin").catch(() => null);
    await guard.readableFor(ctx, by, "posts", postId);
    await ctx.db.patch(postId, { title: "lax" });
  },
});
export const none = internalMutation({ args: {}, handler: async () => null });

// The recipe: the caller's own id.
export const promoteLater = guard.mutation(mutation, {
  args: { postId: v.id("posts") },
  role: "admin",
  rateLimit: { name: "write" },
  handler: async (ctx, { postId }) => {
    await ctx.scheduler.runAfter(0, internal.jobs.promote, { by: ctx.user._id, postId });
    await ctx.scheduler.runAfter(0, internal.jobs.purge, { by: ctx.user._id, postId });
  },
});
// Someone else's id: the job checks their role, not the caller's.
export const promoteAs = guard.mutation(mutation, {
  args: { postId: v.id("posts"), who: v.string() },
  access: { table: "posts", arg: "postId", level: "viewer" },
  rateLimit: { name: "write" },
  handler: async (ctx, { postId, who }) => {
    await ctx.scheduler.runAfter(0, internal.jobs.promote, { by: who as any, postId }); // FINDING relayed-user-id
  },
});
export const purgeAsOwner = guard.mutation(mutation, {
  args: { postId: v.id("posts") },
  access: { table: "posts", arg: "postId", level: "viewer" },
  rateLimit: { name: "write" },
  handler: async (ctx, { postId }) => {
    await ctx.scheduler.runAfter(0, internal.jobs.purge, { by: ctx.doc.ownerId, postId }); // FINDING relayed-user-id
  },
});
`;

test("the authorization column shows an internal function's *For checks (its own or a helper's), not '-'; a dropped or unused one is not shown", () => {
  const dir = scratchApp("rolefor", "column", { ...API, ...WIRING, "jobs.ts": JOBS });
  const r = auditReport(cli, dir);
  const named = Object.fromEntries(r.functions.filter((f) => f.file === "convex/jobs.ts").map((f) => [f.function, f.namedUser ?? null]));
  assert.deepEqual(named, {
    "jobs:promote": ['guard.requireRoleFor("admin")'],
    "jobs:purge": ['guard.requirePermissionFor("delete:posts")'],
    "jobs:edit": ['guard.requireAccessFor("posts")'],
    "jobs:peek": ['guard.readableFor("posts")'],
    "jobs:lax": null,
    "jobs:none": null,
    "jobs:promoteLater": null, // public: its checks are the caller's (the column's auth)
    "jobs:promoteAs": null,
    "jobs:purgeAsOwner": null,
  });
  // None is a check of the caller: the function's own authorization stays none.
  for (const f of ["jobs:promote", "jobs:purge", "jobs:edit", "jobs:peek"]) assert.equal(r.functions.find((x) => x.function === f).auth, "none", f);
  // The text report's column.
  const text = spawnSync(process.execPath, [cli, "audit", "convex"], { cwd: dir, encoding: "utf8" }).stdout;
  const row = (fn) => text.split("\n").find((l) => l.startsWith(`${fn} `));
  assert.match(row("jobs:promote"), /internal mutation .* for a named user: guard\.requireRoleFor\("admin"\)/);
  assert.match(row("jobs:purge"), /for a named user: guard\.requirePermissionFor\("delete:posts"\)/);
  assert.match(row("jobs:edit"), /for a named user: guard\.requireAccessFor\("posts"\)/);
  assert.doesNotMatch(row("jobs:lax"), /named user/);
  assert.doesNotMatch(row("jobs:none"), /named user/);
});

test("relayed-user-id knows requireRoleFor and requirePermissionFor: a job given a user id that is not the caller's own checks that user's role", () => {
  const dir = scratchApp("rolefor", "relayed", { ...API, ...WIRING, "jobs.ts": JOBS });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "relayed-user-id"), markers(`${dir}/convex`).filter((m) => m.endsWith("relayed-user-id")));
  assert.equal(found(r, "relayed-user-id").length, 2);
  assert.match(r.findings.find((f) => f.function === "jobs:promoteAs").message, /with by: argument 'who' \(the client's choice\), not the caller's own id: jobs:promote checks the role for that user \(guard\.requireRoleFor, convex\/jobs\.ts:9\)/);
  assert.match(r.findings.find((f) => f.function === "jobs:purgeAsOwner").message, /with by: ctx\.doc\.ownerId, not the caller's own id: jobs:purge checks the permission for that user \(guard\.requirePermissionFor, convex\/jobs\.ts:16\)/);
});

test("requireRoleFor / requirePermissionFor are no check of the caller: a public function is still public-no-auth; a scheduled internal one making them is not scheduled-needs-caller", () => {
  const dir = scratchApp("rolefor", "caller", {
    ...API,
    ...WIRING,
    "posts.ts": `import { v } from "convex/values";
import { internalMutation, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

export const purgeFor = mutation({ // FINDING public-no-auth
  args: { userId: v.id("users"), postId: v.id("posts") }, // FINDING user-id-arg
  handler: async (ctx, { userId, postId }) => {
    await guard.rateLimit(ctx, "write", { key: "global" });
    await guard.requirePermissionFor(ctx, userId, "delete:posts");
    await guard.requireRoleFor(ctx, userId, "admin");
    await ctx.db.delete(postId); // FINDING unchecked-id-delete
  },
});
export const sweep = internalMutation({
  args: { by: v.id("users") },
  handler: async (ctx, { by }) => {
    await guard.requireRoleFor(ctx, by, "admin");
  },
});
export const sweepAsCaller = internalMutation({
  args: {},
  handler: async (ctx) => {
    await guard.requireRole(ctx, "admin");
  },
});
export const later = guard.mutation(mutation, {
  args: {},
  role: "admin",
  rateLimit: { name: "write" },
  handler: async (ctx) => {
    await ctx.scheduler.runAfter(0, internal.posts.sweep, { by: ctx.user._id });
    await ctx.scheduler.runAfter(0, internal.posts.sweepAsCaller, {}); // FINDING scheduled-needs-caller
  },
});
`,
  });
  const r = auditReport(cli, dir);
  const rules = ["public-no-auth", "user-id-arg", "unchecked-id-delete", "scheduled-needs-caller"];
  assert.deepEqual(found(r, ...rules), markers(`${dir}/convex`));
  // scheduled-needs-caller's fix names the named-user role checks.
  assert.match(r.findings.find((f) => f.rule === "scheduled-needs-caller").fix, /guard\.requireRoleFor\(ctx, userId, role\) or guard\.requirePermissionFor\(ctx, userId, permission\)/);
});
