// newuser24's qH: a public function that runs or schedules a function of the app resetting the
// rate limit keyed by the parameter it gives the caller's own id (`{ key: ctx.user._id }`) clears
// the caller's own limit on demand, as a public mutation resetting it itself does
// (`public-no-rate-limit`, confirmgate.test.mjs): reported at the call, read through follow.ts's
// relays. Run the way a user runs it: the bin of the packed tarball (AUDIT_CLI names another, to
// show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, ANY_API, WIRING } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const RELAYS = `import { v } from "convex/values";
import { action, internalMutation, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

export const reset = internalMutation({
  args: { key: v.string() },
  handler: (ctx, { key }) => guard.resetRateLimit(ctx, "write", { key }),
});

export const resetIf = internalMutation({
  args: { key: v.string(), ok: v.boolean() },
  handler: async (ctx, { key, ok }) => {
    if (ok) await guard.resetRateLimit(ctx, "write", { key });
  },
});

export const resetGlobal = internalMutation({
  args: { key: v.string() },
  handler: (ctx) => guard.resetRateLimit(ctx, "write", { key: "global" }),
});

export const fromAction = guard.action(action, {
  args: {},
  rateLimit: { name: "write" },
  handler: async (ctx): Promise<null> => {
    await ctx.runMutation(internal.limits.reset, { key: ctx.user._id }); // FINDING public-no-rate-limit
    return null;
  },
});

export const scheduled = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.scheduler.runAfter(0, internal.limits.reset, { key: user._id }); // FINDING public-no-rate-limit
  },
});

// An admin's action; another user's key; after a statement that may leave; a reset in a branch
// of the called function, or keyed by something else there.
export const byAdmin = guard.action(action, {
  args: {},
  permission: "delete:posts",
  rateLimit: { name: "write" },
  handler: async (ctx): Promise<null> => {
    await ctx.runMutation(internal.limits.reset, { key: ctx.user._id });
    return null;
  },
});

export const othersKey = mutation({
  args: { userId: v.id("users") },
  handler: async (ctx, { userId }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.scheduler.runAfter(0, internal.limits.reset, { key: userId });
  },
});

export const afterPin = guard.action(action, {
  args: { pin: v.string() },
  rateLimit: { name: "write" },
  handler: async (ctx, { pin }): Promise<null> => {
    if (pin !== "2468") return null;
    await ctx.runMutation(internal.limits.reset, { key: ctx.user._id });
    return null;
  },
});

// An action keeps the limit it took before a throw: a wrong PIN's throw skips the reset, as a
// return does. A sign-in or lookup test gates nothing: every signed-in caller passes it.
export const afterPinThrow = action({
  args: { pin: v.string() },
  handler: async (ctx, { pin }): Promise<null> => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    if (pin !== "2468") throw new Error("wrong pin");
    await ctx.runMutation(internal.limits.reset, { key: user._id });
    return null;
  },
});

// A boolean test is a gate too; a row test (!user) is a null test, as below (final read).
export const afterBooleanThrow = action({
  args: { pin: v.string() },
  handler: async (ctx, { pin }): Promise<null> => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const ok: boolean = pin.length === 4 && pin === "2468";
    if (!ok) throw new Error("wrong pin");
    await ctx.runMutation(internal.limits.reset, { key: user._id });
    return null;
  },
});

export const afterSignInThrow = action({
  args: {},
  handler: async (ctx): Promise<null> => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    if (user === null || !user._id) throw new Error("sign in");
    await ctx.runMutation(internal.limits.reset, { key: user._id }); // FINDING public-no-rate-limit
    return null;
  },
});

export const inBranch = guard.action(action, {
  args: {},
  rateLimit: { name: "write" },
  handler: async (ctx): Promise<null> => {
    await ctx.runMutation(internal.limits.resetIf, { key: ctx.user._id, ok: true });
    await ctx.runMutation(internal.limits.resetGlobal, { key: ctx.user._id });
    return null;
  },
});
`;

test("a public action or mutation running or scheduling a reset of the limit keyed by the caller's own id it passes: public-no-rate-limit at the call; an admin's, another key, after a statement that may leave (an action's throw on a test other than a null test included), in a branch: not", () => {
  const dir = scratchApp("relayresets", "relays", { "limits.ts": RELAYS, ...ANY_API, ...WIRING });
  const r = auditReport(cli, dir);
  const resets = r.findings.filter((f) => f.rule === "public-no-rate-limit" && f.message.includes("resetRateLimit"));
  assert.deepEqual(resets.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), markers(`${dir}/convex`));
  assert.deepEqual([...new Set(resets.map((f) => f.severity))], ["medium"]);
  assert.match(resets.find((f) => f.function === "limits:fromAction").message, /^public action limits:fromAction resets, through internal\.limits\.reset \(ctx\.runMutation\), rate limit 'write' keyed by the caller's own id on every call \(guard\.resetRateLimit\): any signed-in caller clears their own limit/);
});

test("in an action, an `if` calling an app function that always throws gates the reset after it as a written throw does (final read); on a null test, or a helper that may return, it does not", () => {
  const dir = scratchApp("relayresets", "denied", {
    ...ANY_API,
    ...WIRING,
    "gate.ts": `import { v } from "convex/values";
import { action, internalMutation, internalQuery } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

function deny(message: string): never { throw new Error(message); }
function warn(message: string): void { if (message === "") throw new Error("empty"); }
export const pinOk = internalQuery({ args: { pin: v.string() }, handler: async (ctx, { pin }) => pin === "1234" });
export const resetFor = internalMutation({ args: { key: v.string() }, handler: async (ctx, { key }) => { await guard.resetRateLimit(ctx, "write", { key }); } });
export const unlock = action({ args: { pin: v.string() }, handler: async (ctx, { pin }) => {
  const identity = await ctx.auth.getUserIdentity();
  if (identity === null) throw new Error("sign in");
  await guard.rateLimit(ctx, "write", { key: identity.subject });
  const ok: boolean = await ctx.runQuery(internal.gate.pinOk, { pin });
  if (!ok) deny("wrong pin");
  await ctx.runMutation(internal.gate.resetFor, { key: identity.subject });
} });
export const warned = action({ args: { pin: v.string() }, handler: async (ctx, { pin }) => {
  const identity = await ctx.auth.getUserIdentity();
  if (identity === null) throw new Error("sign in");
  await guard.rateLimit(ctx, "write", { key: identity.subject });
  const ok: boolean = await ctx.runQuery(internal.gate.pinOk, { pin });
  if (!ok) warn("wrong pin");
  await ctx.runMutation(internal.gate.resetFor, { key: identity.subject }); // FINDING public-no-rate-limit
} });
export const signedIn = action({ args: {}, handler: async (ctx) => {
  const identity = await ctx.auth.getUserIdentity();
  if (identity === null) deny("sign in");
  await guard.rateLimit(ctx, "write", { key: identity.subject });
  await ctx.runMutation(internal.gate.resetFor, { key: identity.subject }); // FINDING public-no-rate-limit
} });
`,
  });
  const r = auditReport(cli, dir);
  const resets = r.findings.filter((f) => f.rule === "public-no-rate-limit" && f.message.includes("resetRateLimit"));
  assert.deepEqual(resets.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), markers(`${dir}/convex`));
});
