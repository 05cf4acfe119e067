// attack48 F4: an action's app helper that runs, schedules or sends first and checks after
// (`async function purgeAsAdmin(ctx, id) { await ctx.runMutation(internal.ops.del, { id }); await
// guard.requireRole(ctx, "admin"); }`) was credited with its check, as if it checked first. Its
// order is read as the handler's is: the check counts for nothing against the work before it, and
// so does a rate limit the helper takes after the work, one helper deeper too. A helper that
// checks, then runs, still counts. Run the way a user runs it: the bin of the packed tarball
// (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, scratchApp, ANY_API as API, WIRING } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const HEAD = `import { v } from "convex/values";
import { action, internalMutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

export const removePost = internalMutation({ args: { postId: v.id("posts") }, handler: async (ctx, { postId }) => { await ctx.db.delete(postId); } });
`;

test("a check an action's helper makes after its own ctx.runMutation, schedule or sending fetch counts for nothing, one helper deeper too; checking first still counts (attack48 F4)", () => {
  const dir = scratchApp("helperorder", "order", {
    ...API,
    ...WIRING,
    "purge.ts": `${HEAD}
async function purgeAsAdmin(ctx: any, postId: any) {
  await ctx.runMutation(internal.purge.removePost, { postId });
  await guard.requireRole(ctx, "admin");
}
async function scheduleThenCheck(ctx: any, postId: any) {
  await ctx.scheduler.runAfter(0, internal.purge.removePost, { postId });
  await guard.requirePermission(ctx, "delete:posts");
}
async function sendThenCheck(ctx: any, body: string) {
  await fetch("https://example.invalid/hook", { method: "POST", body });
  await guard.requireRole(ctx, "admin");
}
async function run(ctx: any, postId: any) { await ctx.runMutation(internal.purge.removePost, { postId }); }
async function runDeeperThenCheck(ctx: any, postId: any) {
  await run(ctx, postId);
  await guard.requireRole(ctx, "admin");
}
async function outer(ctx: any, postId: any) { await purgeAsAdmin(ctx, postId); }
async function checkThenPurge(ctx: any, postId: any) {
  await guard.requireRole(ctx, "admin");
  await ctx.runMutation(internal.purge.removePost, { postId });
}
async function checkDeeperThenPurge(ctx: any, postId: any) { await checkThenPurge(ctx, postId); }
export const purge = action({ args: { postId: v.id("posts") }, handler: async (ctx, { postId }) => {
  await guard.rateLimit(ctx, "write", { key: "global" });
  await purgeAsAdmin(ctx, postId);
}});
export const purgeScheduled = action({ args: { postId: v.id("posts") }, handler: async (ctx, { postId }) => {
  await guard.rateLimit(ctx, "write", { key: "global" });
  await scheduleThenCheck(ctx, postId);
}});
export const purgeSent = action({ args: { body: v.string() }, handler: async (ctx, { body }) => {
  await guard.rateLimit(ctx, "write", { key: "global" });
  await sendThenCheck(ctx, body);
}});
export const purgeDeeper = action({ args: { postId: v.id("posts") }, handler: async (ctx, { postId }) => {
  await guard.rateLimit(ctx, "write", { key: "global" });
  await runDeeperThenCheck(ctx, postId);
}});
export const purgeOuter = action({ args: { postId: v.id("posts") }, handler: async (ctx, { postId }) => {
  await guard.rateLimit(ctx, "write", { key: "global" });
  await outer(ctx, postId);
}});
export const purgeOk = action({ args: { postId: v.id("posts") }, handler: async (ctx, { postId }) => {
  await guard.rateLimit(ctx, "write", { key: "global" });
  await checkThenPurge(ctx, postId);
}});
export const purgeOkDeeper = action({ args: { postId: v.id("posts") }, handler: async (ctx, { postId }) => {
  await guard.rateLimit(ctx, "write", { key: "global" });
  await checkDeeperThenPurge(ctx, postId);
}});
`,
  });
  const r = auditReport(cli, dir);
  const auth = (id) => r.findings.filter((f) => f.function === `purge:${id}` && f.rule === "public-no-auth").map((f) => f.message);
  for (const id of ["purge", "purgeScheduled", "purgeSent", "purgeDeeper", "purgeOuter"]) assert.equal(auth(id).length, 1, `${id}: ${JSON.stringify(r.findings.filter((f) => f.function === `purge:${id}`))}`);
  assert.match(auth("purge")[0], /purgeAsAdmin -> guard\.requireRole\("admin"\) \(convex\/purge\.ts:10\), made after ctx\.runMutation \(convex\/purge\.ts:9\) in purgeAsAdmin/);
  assert.match(auth("purgeScheduled")[0], /made after ctx\.scheduler\.runAfter \(convex\/purge\.ts:13\) in scheduleThenCheck/);
  assert.match(auth("purgeSent")[0], /made after fetch \(convex\/purge\.ts:17\) in sendThenCheck/);
  assert.match(auth("purgeDeeper")[0], /made after ctx\.runMutation in run \(convex\/purge\.ts:20\) in runDeeperThenCheck/);
  assert.match(auth("purgeOuter")[0], /made after ctx\.runMutation \(convex\/purge\.ts:9\) in purgeAsAdmin/);
  assert.deepEqual(auth("purgeOk"), []);
  assert.deepEqual(auth("purgeOkDeeper"), []);
  assert.deepEqual(r.findings.filter((f) => /^purge:purgeOk/.test(f.function) && f.severity !== "low").map((f) => f.rule), []);
});

test("a rate limit an action's helper takes after its own ctx.runMutation limits none of it; taken first, it limits (attack48 F4)", () => {
  const dir = scratchApp("helperorder", "limit", {
    ...API,
    ...WIRING,
    "limits.ts": `${HEAD}
async function runThenLimit(ctx: any, postId: any, userId: any) {
  await ctx.runMutation(internal.limits.removePost, { postId });
  await guard.rateLimit(ctx, "write", { key: userId });
}
async function limitThenRun(ctx: any, postId: any, userId: any) {
  await guard.rateLimit(ctx, "write", { key: userId });
  await ctx.runMutation(internal.limits.removePost, { postId });
}
export const late = action({ args: { postId: v.id("posts") }, handler: async (ctx, { postId }) => {
  const me = await guard.requireRole(ctx, "admin");
  await runThenLimit(ctx, postId, me._id);
}});
export const early = action({ args: { postId: v.id("posts") }, handler: async (ctx, { postId }) => {
  const me = await guard.requireRole(ctx, "admin");
  await limitThenRun(ctx, postId, me._id);
}});
`,
  });
  const r = auditReport(cli, dir);
  const limits = (id) => r.findings.filter((f) => f.function === `limits:${id}` && f.rule === "public-no-rate-limit");
  assert.equal(limits("late").length, 1, JSON.stringify(r.findings.filter((f) => f.function === "limits:late")));
  assert.match(limits("late")[0].message, /rate limit 'write' \(convex\/limits\.ts:10\), taken after ctx\.runMutation \(convex\/limits\.ts:9\) in runThenLimit, which runs whether or not the limit refuses/);
  assert.match(limits("late")[0].fix, /^Take the limit first/);
  assert.deepEqual(limits("early"), []);
});
