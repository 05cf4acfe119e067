// An outside review (newuser32 F1): a function a builder made (`guard.mutation(internalMutation,
// {...})`) requires a signed-in caller, and a scheduled function or a cron job has none, so every
// run fails UNAUTHENTICATED and the user's action silently never happens: `scheduled-needs-caller`,
// at the scheduling call or the cron line. So is an internal function run only that way whose
// handler calls requireUser (requireRole, share, ...) on every path. A function ctx.runMutation
// runs from an action keeps the action's caller: not reported. And `requireAccessFor`, a named
// user's check, is no check of the caller. Run the way a user runs it: the bin of the packed
// tarball (AUDIT_CLI names another).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, scratchApp, ANY_API as API, foundRules, markers } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const app = (name, files) => scratchApp("scheduled", name, files);
const RULE = "scheduled-needs-caller";

test("a builder's function run by ctx.scheduler.runAfter, runAt or a cron job is reported there; a plain internal one, or one an action runs, is not (newuser32 F1)", () => {
  const dir = app("builders", {
    ...API,
    "jobs.ts": `import { v } from "convex/values";
import { action, internalAction, internalMutation, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { customMutation } from "convex-helpers/server/customFunctions";
import { guard } from "./guard";

const userMutation = customMutation(internalMutation, guard.customCtx({}));
export const remindCustom = userMutation({ args: {}, handler: async () => null });
// Made by the guard's builders: each requires a signed-in caller.
export const closeBuilt = guard.mutation(internalMutation, {
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    await guard.requireAccess(ctx, "posts", postId, "editor");
    await ctx.db.patch(postId, { title: "closed" });
  },
});
export const mailBuilt = guard.action(internalAction, { args: {}, handler: async () => null });
export const sweepBuilt = guard.mutation(internalMutation, { args: {}, handler: async () => null });
// A plain internal function: it re-checks the user it is given.
export const closePlain = internalMutation({
  args: { postId: v.id("posts"), userId: v.id("users") },
  handler: async (ctx, { postId, userId }) => {
    const user = await ctx.db.get(userId);
    if (user === null || !guard.can(user, "delete:posts")) return;
    await ctx.db.patch(postId, { title: "closed" });
  },
});

export const later = guard.mutation(mutation, {
  args: { postId: v.id("posts") },
  rateLimit: { name: "write" },
  handler: async (ctx, { postId }) => {
    await guard.requireAccess(ctx, "posts", postId, "editor");
    await ctx.scheduler.runAfter(1000, internal.jobs.closeBuilt, { postId }); // FINDING ${RULE}
    await ctx.scheduler.runAt(Date.now() + 60000, internal.jobs.mailBuilt, {}); // FINDING ${RULE}
    await ctx.scheduler.runAfter(0, internal.jobs.closePlain, { postId, userId: ctx.user._id });
    await ctx.scheduler.runAfter(0, internal.jobs.remindCustom, {}); // FINDING ${RULE}
  },
});
// An action's ctx.runMutation passes its caller's identity on.
export const now = action({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    const identity = await ctx.auth.getUserIdentity();
    if (identity === null) throw new Error("sign in");
    await ctx.runMutation(internal.jobs.closeBuilt, { postId });
  },
});
`,
    "crons.ts": `import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();
crons.daily("sweep", { hourUTC: 3, minuteUTC: 0 }, internal.jobs.sweepBuilt); // FINDING ${RULE}
crons.interval("close", { hours: 1 }, internal.jobs.closePlain, { postId: "p", userId: "u" });
export default crons;
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(foundRules(r, RULE), markers(`${dir}/convex`).filter((m) => m.endsWith(RULE)));
  const at = (file, line) => r.findings.find((f) => f.rule === RULE && f.file === file && f.line === line);
  const runAfter = at("convex/jobs.ts", 34);
  assert.equal(runAfter.severity, "medium");
  assert.equal(runAfter.function, "jobs:later");
  assert.match(runAfter.message, /ctx\.scheduler\.runAfter runs internal\.jobs\.closeBuilt, made by guard\.mutation, which requires a signed-in caller/);
  assert.match(runAfter.fix, /guard\.requireAccessFor\(ctx, userId, table, id, level\)/);
  assert.match(at("convex/jobs.ts", 37).message, /internal\.jobs\.remindCustom, made by guard\.customCtx/);
  assert.match(at("convex/crons.ts", 5).message, /cron job crons\.daily \("sweep"\) runs internal\.jobs\.sweepBuilt, made by guard\.mutation/);
  assert.equal(at("convex/crons.ts", 5).function, "convex/crons.ts");
});

test("an internal function run only by the scheduler or a cron job that calls requireUser, requireRole or share on every path is reported; one also run from an action, or checking on some paths, is not", () => {
  const dir = app("direct", {
    ...API,
    "sweep.ts": `import { v } from "convex/values";
import { action, internalMutation, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

export const adminSweep = internalMutation({ args: {}, handler: async (ctx) => { await guard.requireRole(ctx, "admin"); } });
export const shareLater = internalMutation({
  args: { postId: v.id("posts"), userId: v.id("users") },
  handler: async (ctx, { postId, userId }) => { await guard.share(ctx, "posts", postId, { userId, level: "viewer" }); },
});
export const alsoRun = internalMutation({ args: {}, handler: async (ctx) => { await guard.requireUser(ctx); } });
export const sometimes = internalMutation({
  args: { strict: v.boolean() },
  handler: async (ctx, { strict }) => { if (strict) await guard.requireUser(ctx); },
});

export const plan = mutation({
  args: { postId: v.id("posts"), userId: v.id("users") },
  handler: async (ctx, { postId, userId }) => {
    await guard.requireRole(ctx, "admin");
    await guard.rateLimit(ctx, "write", { key: "admin" });
    await ctx.scheduler.runAfter(0, internal.sweep.shareLater, { postId, userId }); // FINDING ${RULE}
    await ctx.scheduler.runAfter(0, internal.sweep.alsoRun, {});
    await ctx.scheduler.runAfter(0, internal.sweep.sometimes, { strict: true });
  },
});
export const runNow = action({
  args: {},
  handler: async (ctx) => {
    const identity = await ctx.auth.getUserIdentity();
    if (identity === null) throw new Error("sign in");
    await ctx.runMutation(internal.sweep.alsoRun, {});
  },
});
`,
    "crons.ts": `import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();
crons.cron("admin sweep", "0 * * * *", internal.sweep.adminSweep, {}); // FINDING ${RULE}
export default crons;
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(foundRules(r, RULE), markers(`${dir}/convex`).filter((m) => m.endsWith(RULE)));
  const cron = r.findings.find((f) => f.rule === RULE && f.file === "convex/crons.ts");
  assert.match(cron.message, /runs internal\.sweep\.adminSweep, which calls guard\.requireRole\("admin"\) \(convex\/sweep\.ts:6\) on every path and is run only by the scheduler or cron jobs/);
});

test("requireAccessFor is no check of the caller: a public mutation that patches after requireAccessFor(ctx, args.userId, ...) is still reported", () => {
  const dir = app("accessfor", {
    "posts.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";

export const renameFor = mutation({
  args: { userId: v.id("users"), postId: v.id("posts"), title: v.string() },
  handler: async (ctx, { userId, postId, title }) => {
    await guard.rateLimit(ctx, "write", { key: "global" });
    const { doc } = await guard.requireAccessFor(ctx, userId, "posts", postId, "editor");
    await ctx.db.patch(doc._id, { title });
    await ctx.db.patch(postId, { title });
  },
});
`,
  });
  const r = auditReport(cli, dir);
  const rules = r.findings.filter((f) => f.function === "posts:renameFor").map((f) => `${f.rule} ${f.line}`).sort();
  assert.ok(rules.includes("public-no-auth 5"), String(rules));
  assert.ok(rules.includes("unchecked-id-write 11"), String(rules));
});
