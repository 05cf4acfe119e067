// guard.groupLevelFor / requireGroupLevelFor (newuser36 F1): a named user's level on a group, as
// requireRoleFor is their role and requireAccessFor their access. The report's authorization
// column shows an internal function's group check for a named user (it showed "-");
// relayed-user-id knows the new calls; a job's group check of the caller's own id relayed covers
// that group as the caller's requireGroupLevel would, weighed by its level; none of them is a
// check of the caller (a public function stays public-no-auth). Run the way a user runs it: the
// bin of the packed tarball (AUDIT_CLI names another).
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

export const upgrade = internalMutation({
  args: { userId: v.id("users"), groupId: v.id("accessGroups"), plan: v.string() },
  handler: async (ctx, { userId, groupId, plan }) => {
    await guard.requireGroupLevelFor(ctx, userId, groupId, "editor");
    await ctx.db.insert("posts", { title: plan, ownerId: userId, visibility: "private" });
  },
});
export const rename = internalMutation({
  args: { userId: v.id("users"), groupId: v.id("accessGroups"), name: v.string() },
  handler: async (ctx, { userId, groupId, name }) => {
    await guard.requireGroupLevelFor(ctx, userId, groupId, "owner");
    await ctx.db.patch(groupId, { name });
  },
});
// Through a helper of the app's (the column only: a helper's check covers no relayed write, as for requireAccessFor).
async function mayManage(ctx: any, userId: any, groupId: any) {
  return await guard.requireGroupLevelFor(ctx, userId, groupId, "owner");
}
export const archive = internalMutation({
  args: { userId: v.id("users"), groupId: v.id("accessGroups") },
  handler: async (ctx, { userId, groupId }) => {
    await mayManage(ctx, userId, groupId);
  },
});
export const peek = internalQuery({
  args: { userId: v.id("users"), groupId: v.id("accessGroups") },
  handler: async (ctx, { userId, groupId }) => {
    const level = await guard.groupLevelFor(ctx, userId, groupId);
    if (level === null) throw new Error("not a member");
    return level;
  },
});
export const atLeast = internalQuery({
  args: { userId: v.id("users"), groupId: v.id("accessGroups") },
  handler: async (ctx, { userId, groupId }) => {
    const level = await guard.groupLevelFor(ctx, userId, groupId);
    if (!guard.levelAtLeast(level, "editor")) return null;
    return level;
  },
});
// Checks that hold nothing: a refusal caught and dropped, an answer thrown away, a null not left on.
export const lax = internalMutation({
  args: { userId: v.id("users"), groupId: v.id("accessGroups") },
  handler: async (ctx, { userId, groupId }) => {
    await guard.requireGroupLevelFor(ctx, userId, groupId, "editor").catch(() => null);
    await guard.groupLevelFor(ctx, userId, groupId);
    const level = await guard.groupLevelFor(ctx, userId, groupId);
    console.log(level);
    await ctx.db.patch(groupId, { name: "lax" });
  },
});

// The recipe: the caller's own id.
export const upgradeMine = mutation({
  args: { groupId: v.id("accessGroups"), plan: v.string() },
  handler: async (ctx, { groupId, plan }) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    await ctx.scheduler.runAfter(0, internal.jobs.upgrade, { userId: me._id, groupId, plan });
  },
});
// Someone else's id: the job checks their level on the group, not the caller's.
export const upgradeAs = mutation({
  args: { groupId: v.id("accessGroups"), plan: v.string(), who: v.string() },
  handler: async (ctx, { groupId, plan, who }) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    await ctx.scheduler.runAfter(0, internal.jobs.upgrade, { userId: who as any, groupId, plan }); // FINDING relayed-user-id
  },
});
// The caller's own id, to a job whose group check at the owner level covers its write of the group.
export const renameLater = mutation({
  args: { groupId: v.id("accessGroups"), name: v.string() },
  handler: async (ctx, { groupId, name }) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    await ctx.scheduler.runAfter(0, internal.jobs.rename, { userId: me._id, groupId, name });
  },
});
// The same write, where the job's checks hold nothing.
export const laxLater = mutation({
  args: { groupId: v.id("accessGroups") },
  handler: async (ctx, { groupId }) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    await ctx.scheduler.runAfter(0, internal.jobs.lax, { userId: me._id, groupId }); // FINDING unchecked-id-write
  },
});
`;

test("the authorization column shows an internal function's group check for a named user (its own or a helper's); a dropped one, or a null not left on, is not shown", () => {
  const dir = scratchApp("groupfor", "column", { ...API, ...WIRING, "jobs.ts": JOBS });
  const r = auditReport(cli, dir);
  const named = Object.fromEntries(r.functions.filter((f) => f.file === "convex/jobs.ts" && f.visibility === "internal").map((f) => [f.function, f.namedUser ?? null]));
  assert.deepEqual(named, {
    "jobs:upgrade": ['guard.requireGroupLevelFor("editor")'],
    "jobs:rename": ['guard.requireGroupLevelFor("owner")'],
    "jobs:archive": ['guard.requireGroupLevelFor("owner")'],
    "jobs:peek": ["guard.groupLevelFor"],
    "jobs:atLeast": ["guard.groupLevelFor"],
    "jobs:lax": null,
  });
  for (const f of ["jobs:upgrade", "jobs:rename", "jobs:archive", "jobs:peek"]) assert.equal(r.functions.find((x) => x.function === f).auth, "none", f);
  const text = spawnSync(process.execPath, [cli, "audit", "convex"], { cwd: dir, encoding: "utf8" }).stdout;
  const row = (fn) => text.split("\n").find((l) => l.startsWith(`${fn} `));
  assert.match(row("jobs:upgrade"), /internal mutation .* for a named user: guard\.requireGroupLevelFor\("editor"\)/);
  assert.doesNotMatch(row("jobs:lax"), /named user/);
});

test("relayed-user-id knows requireGroupLevelFor; the caller's own id relayed to a job checking the group at the owner level covers its write, a job whose checks hold nothing does not", () => {
  const dir = scratchApp("groupfor", "relayed", { ...API, ...WIRING, "jobs.ts": JOBS });
  const r = auditReport(cli, dir);
  const rules = ["relayed-user-id", "unchecked-id-write", "unchecked-id-read", "public-no-auth"];
  assert.deepEqual(found(r, ...rules), markers(`${dir}/convex`));
  assert.match(
    r.findings.find((f) => f.function === "jobs:upgradeAs").message,
    /with userId: argument 'who' \(the client's choice\), not the caller's own id: jobs:upgrade checks the group level for that user \(guard\.requireGroupLevelFor, convex\/jobs\.ts:9\)/,
  );
});

test("a job's group check below the owner level covers no write of the group: medium, as the caller's requireGroupLevel at that level", () => {
  const dir = scratchApp("groupfor", "weak", {
    ...API,
    ...WIRING,
    "jobs.ts": `import { v } from "convex/values";
import { internalMutation, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

export const rename = internalMutation({
  args: { userId: v.id("users"), groupId: v.id("accessGroups"), name: v.string() },
  handler: async (ctx, { userId, groupId, name }) => {
    await guard.requireGroupLevelFor(ctx, userId, groupId, "viewer");
    await ctx.db.patch(groupId, { name });
  },
});
export const renameLater = mutation({
  args: { groupId: v.id("accessGroups"), name: v.string() },
  handler: async (ctx, { groupId, name }) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    await ctx.scheduler.runAfter(0, internal.jobs.rename, { userId: me._id, groupId, name }); // FINDING unchecked-id-write
  },
});
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-id-write", "relayed-user-id"), markers(`${dir}/convex`));
  assert.equal(r.findings.find((f) => f.rule === "unchecked-id-write").severity, "medium");
});

test("requireGroupLevelFor is no check of the caller: a public function making it for an argument's user is still public-no-auth", () => {
  const dir = scratchApp("groupfor", "caller", {
    ...API,
    ...WIRING,
    "billing.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";

export const upgradeFor = mutation({ // FINDING public-no-auth
  args: { userId: v.id("users"), groupId: v.id("accessGroups") }, // FINDING user-id-arg
  handler: async (ctx, { userId, groupId }) => {
    await guard.rateLimit(ctx, "write", { key: "global" });
    await guard.requireGroupLevelFor(ctx, userId, groupId, "owner");
    await ctx.db.patch(groupId, { name: "upgraded" }); // FINDING unchecked-id-write
  },
});
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "public-no-auth", "user-id-arg", "unchecked-id-write"), markers(`${dir}/convex`));
});
