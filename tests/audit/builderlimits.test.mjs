// A builder's or a safe action's `rateLimit` as a list (`[{ name }, { name, key: "global" }]`,
// taken all or nothing): each entry is a rate limit the audit counts, as one `{ name }` is; an
// empty list is none (it is refused at every call, and limits nothing). Small apps written at test time, run
// the way a user runs the audit: the bin of the packed tarball (AUDIT_CLI names another, to
// show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, scratchApp, WIRING } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const POSTS = `import { v } from "convex/values";
import { customMutation } from "convex-helpers/server/customFunctions";
import { action, mutation } from "./_generated/server";
import { guard } from "./guard";

const both = [{ name: "write" }, { name: "write", key: "global" }] as const;

export const listed = guard.mutation(mutation, {
  args: { body: v.string() },
  rateLimit: [{ name: "write" }, { name: "write", key: "global" }],
  handler: async (_ctx, { body }) => body,
});

export const listedConst = guard.action(action, {
  args: {},
  rateLimit: both,
  handler: async () => null,
});

export const one = guard.mutation(mutation, {
  args: {},
  rateLimit: { name: "write" },
  handler: async () => null,
});

export const empty = guard.mutation(mutation, {
  args: {},
  rateLimit: [] as never,
  handler: async () => null,
});

export const safeListed = action(guard.safeAction({ name: "safeListed", args: {}, rateLimit: both, handler: async () => null }));

export const safeEmpty = action(guard.safeAction({ name: "safeEmpty", args: {}, rateLimit: [] as never, handler: async () => null }));

const limited = customMutation(mutation, guard.customCtx({ rateLimit: [{ name: "write" }, { name: "write", key: "global" }] }));
export const custom = limited({ args: {}, handler: async () => null });
`;

test("a builder's list of rate limits counts each entry; an empty list counts none", () => {
  const app = scratchApp("builderlimits", "lists", { ...WIRING, "posts.ts": POSTS });
  const r = auditReport(cli, app);
  const fns = Object.fromEntries(r.functions.map((f) => [f.function, f]));
  assert.deepEqual(fns["posts:listed"].rateLimits, ["guard.mutation rateLimit[0]", "guard.mutation rateLimit[1]"]);
  assert.deepEqual(fns["posts:listedConst"].rateLimits, ["guard.action rateLimit[0]", "guard.action rateLimit[1]"]);
  assert.deepEqual(fns["posts:one"].rateLimits, ["guard.mutation rateLimit"]);
  assert.deepEqual(fns["posts:custom"].rateLimits, ["guard.customCtx rateLimit[0]", "guard.customCtx rateLimit[1]"]);
  assert.deepEqual(fns["posts:empty"].rateLimits, []);
  assert.deepEqual(fns["posts:safeListed"].rateLimits, ["guard.safeAction rateLimit[0]", "guard.safeAction rateLimit[1]"]);
  assert.deepEqual(fns["posts:safeEmpty"].rateLimits, []);
  const noLimit = r.findings.filter((f) => f.rule === "public-no-rate-limit").map((f) => f.function);
  assert.deepEqual(noLimit, ["posts:empty", "posts:safeEmpty"]);
});

const KEYS = `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";

const byOrg = { arg: "orgId" } as const;

export const builderArg = guard.mutation(mutation, {
  args: { orgId: v.id("accessGroups") },
  rateLimit: { name: "write", key: { arg: "orgId" } },
  handler: async (_ctx, { orgId }) => orgId,
});

export const builderArgList = guard.mutation(mutation, {
  args: { orgId: v.id("accessGroups") },
  rateLimit: [{ name: "write", key: byOrg }, { name: "write", key: { arg: "orgId" } }],
  handler: async (_ctx, { orgId }) => orgId,
});

export const builderArgAndUser = guard.mutation(mutation, {
  args: { orgId: v.id("accessGroups") },
  rateLimit: [{ name: "write", key: { arg: "orgId" } }, { name: "write" }],
  handler: async (_ctx, { orgId }) => orgId,
});

export const builderArgAndGlobal = guard.mutation(mutation, {
  args: { orgId: v.id("accessGroups") },
  rateLimit: [{ name: "write", key: byOrg }, { name: "write", key: "global" }],
  handler: async (_ctx, { orgId }) => orgId,
});

export const handArg = mutation({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: orgId });
  },
});

export const handArgAndUser = mutation({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimitAll(ctx, [{ name: "write", key: orgId }, { name: "write", key: user._id }]);
  },
});
`;

test("a builder's key: { arg } alone limits nothing, as a hand-written key from an argument; a list with a key of the server's limits", () => {
  // A new user's review: `rateLimit: { name: "invitesPerOrg", key: { arg: "orgId" } }` counted
  // as a limit while `guard.rateLimit(ctx, "invitesPerOrg", { key: orgId })` did not. The
  // namespace `arg:orgId:<value>` keeps a caller off other users' buckets, but a caller still
  // picks a fresh bucket per call: with no per-user (or global) limit beside it, nothing limits.
  const app = scratchApp("builderlimits", "argkeys", { ...WIRING, "invites.ts": KEYS });
  const r = auditReport(cli, app);
  const noLimit = r.findings.filter((f) => f.rule === "public-no-rate-limit").map((f) => `${f.function}: ${f.message}`);
  assert.deepEqual(noLimit, [
    "invites:builderArg: rate limit guard.mutation rateLimit of invites:builderArg is keyed by argument 'orgId': a caller picks its own bucket",
    "invites:builderArgList: rate limit guard.mutation rateLimit[0] of invites:builderArgList is keyed by argument 'orgId': a caller picks its own bucket",
    "invites:handArg: rate limit 'write' of invites:handArg is keyed by argument 'orgId': a caller picks its own bucket",
  ]);
  const fix = r.findings.find((f) => f.function === "invites:builderArg").fix;
  assert.match(fix, /rateLimit: \[\{ name, key: \{ arg \} \}, \{ name \}\]/);
  const fns = Object.fromEntries(r.functions.map((f) => [f.function, f]));
  assert.deepEqual(fns["invites:builderArg"].argKeyedRateLimits, ["guard.mutation rateLimit keyed by argument 'orgId'"]);
  assert.deepEqual(fns["invites:builderArgAndUser"].rateLimits, ["guard.mutation rateLimit[0]", "guard.mutation rateLimit[1]"]);
  assert.deepEqual(fns["invites:builderArgAndGlobal"].rateLimits, ["guard.mutation rateLimit[0]", "guard.mutation rateLimit[1]"]);
  assert.deepEqual([fns["invites:handArgAndUser"].rateLimits, fns["invites:handArgAndUser"].argKeyedRateLimits], [["guard.rateLimitAll"], []]);
});

const SAFE_KEYS = `import { v } from "convex/values";
import { action } from "./_generated/server";
import { guard } from "./guard";

const byWho = ({ args }: { args: { who: string } }) => \`who:\${args.who}\`;

export const keyArg = action(guard.safeAction({ name: "a", args: { who: v.string() }, rateLimit: { name: "write", key: ({ args }) => args.who }, handler: async () => null }));
export const keyWhole = action(guard.safeAction({ name: "b", args: { who: v.string() }, rateLimit: { name: "write", key: (k) => \`ws:\${k.args.who}\` }, handler: async () => null }));
export const keyNested = action(guard.safeAction({ name: "c", args: { ws: v.string() }, rateLimit: { name: "write", key: ({ args: { ws } }) => ws }, handler: async () => null }));
export const keyConst = action(guard.safeAction({ name: "d", args: { who: v.string() }, rateLimit: { name: "write", key: byWho }, handler: async () => null }));
export const keyActor = action(guard.safeAction({ name: "e", args: { ws: v.string() }, rateLimit: { name: "write", key: ({ args, actor }) => \`\${actor._id}:\${args.ws}\` }, handler: async () => null }));
export const keyGlobal = action(guard.safeAction({ name: "f", args: {}, rateLimit: { name: "write", key: () => "global" }, handler: async () => null }));
export const keyArgAndActor = action(guard.safeAction({ name: "g", args: { who: v.string() }, rateLimit: [{ name: "write", key: ({ args }) => \`who:\${args.who}\` }, { name: "write" }], handler: async () => null }));
`;

test("a safe action's key function made of an argument alone limits nothing, as a builder's key: { arg }", () => {
  // newuser21: `key: ({ args }) => args.who` counted as a limit. The caller names a fresh bucket
  // per call (and, unprefixed, a victim's user id: the victim's own per-user bucket).
  const app = scratchApp("builderlimits", "safekeys", { ...WIRING, "ai.ts": SAFE_KEYS });
  const r = auditReport(cli, app);
  const noLimit = r.findings.filter((f) => f.rule === "public-no-rate-limit").map((f) => `${f.function}: ${f.message}`);
  assert.deepEqual(noLimit, [
    "ai:keyArg: rate limit guard.safeAction rateLimit of ai:keyArg is keyed by argument 'who': a caller picks its own bucket",
    "ai:keyWhole: rate limit guard.safeAction rateLimit of ai:keyWhole is keyed by argument 'who': a caller picks its own bucket",
    "ai:keyNested: rate limit guard.safeAction rateLimit of ai:keyNested is keyed by argument 'ws': a caller picks its own bucket",
    "ai:keyConst: rate limit guard.safeAction rateLimit of ai:keyConst is keyed by argument 'who': a caller picks its own bucket",
  ]);
  const fns = Object.fromEntries(r.functions.map((f) => [f.function, f]));
  for (const name of ["keyActor", "keyGlobal"]) assert.deepEqual(fns[`ai:${name}`].rateLimits, ["guard.safeAction rateLimit"], name);
  assert.deepEqual(fns["ai:keyArgAndActor"].rateLimits, ["guard.safeAction rateLimit[0]", "guard.safeAction rateLimit[1]"]);
});
