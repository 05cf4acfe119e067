// attack34 F8, F11, F12: a reset of the caller's own limit (`guard.resetRateLimit` keyed by the
// caller's id, or `guard.forgetUser` of it) that a public function makes on every call through an
// app helper given the caller's id (one level; a `ctx.runMutation` of such a reset included), or
// in a `for...of` over a literal list of the caller's ids: `public-no-rate-limit`, as the call
// written in the handler is (selfcalls.ts). Run the way a user runs it: the bin of the packed
// tarball (AUDIT_CLI names another, to show the test fails on an older build).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { auditReport, markers, pitfalls, scratchApp, ANY_API, WIRING } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const MINE = `import { v } from "convex/values";
import { action, internalMutation, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

async function clearLimit(ctx: any, key: any) { await guard.resetRateLimit(ctx, "write", { key }); }
async function forget(ctx: any, id: any) { await guard.forgetUser(ctx, id); }
async function clearIf(ctx: any, key: any, ok: boolean) { if (ok) await guard.resetRateLimit(ctx, "write", { key }); }
async function relayReset(ctx: any, key: any) { await ctx.runMutation(internal.mine.resetFor, { key }); }
export const resetFor = internalMutation({ args: { key: v.string() }, handler: async (ctx, { key }) => { await guard.resetRateLimit(ctx, "write", { key }); } });

export const resetHelper = mutation({ args: {}, handler: async (ctx) => {
  const user = await guard.requireUser(ctx);
  await guard.rateLimit(ctx, "write", { key: user._id });
  await clearLimit(ctx, user._id); // FINDING public-no-rate-limit
} });
export const forgetHelper = mutation({ args: {}, handler: async (ctx) => {
  const user = await guard.requireUser(ctx);
  await guard.rateLimit(ctx, "write", { key: user._id });
  await forget(ctx, user._id); // FINDING public-no-rate-limit
} });
export const forgetLoop = mutation({ args: {}, handler: async (ctx) => {
  const user = await guard.requireUser(ctx);
  await guard.rateLimit(ctx, "write", { key: user._id });
  for (const id of [user._id]) await guard.forgetUser(ctx, id); // FINDING public-no-rate-limit
} });
export const resetLoop = mutation({ args: {}, handler: async (ctx) => {
  const user = await guard.requireUser(ctx);
  await guard.rateLimit(ctx, "write", { key: user._id });
  for (const key of [user._id] as const) await guard.resetRateLimit(ctx, "write", { key }); // FINDING public-no-rate-limit
} });
export const resetAction = action({ args: {}, handler: async (ctx) => {
  const user = await guard.requireUser(ctx);
  await guard.rateLimit(ctx, "write", { key: user._id });
  await relayReset(ctx, user._id); // FINDING public-no-rate-limit
} });

// Not the caller's own limit, or not on every call, or an admin's.
export const helperOthers = mutation({ args: { userId: v.id("users") }, handler: async (ctx, { userId }) => {
  const user = await guard.requireUser(ctx);
  await guard.rateLimit(ctx, "write", { key: user._id });
  await clearLimit(ctx, userId);
  await forget(ctx, userId);
  await relayReset(ctx, "global");
} });
export const helperBranch = mutation({ args: { ok: v.boolean() }, handler: async (ctx, { ok }) => {
  const user = await guard.requireUser(ctx);
  await guard.rateLimit(ctx, "write", { key: user._id });
  await clearIf(ctx, user._id, ok);
  if (ok) await forget(ctx, user._id);
} });
export const loopMixed = mutation({ args: { userId: v.id("users") }, handler: async (ctx, { userId }) => {
  const user = await guard.requireUser(ctx);
  await guard.rateLimit(ctx, "write", { key: user._id });
  for (const id of [user._id, userId]) await guard.forgetUser(ctx, id);
} });
export const helperAdmin = mutation({ args: {}, handler: async (ctx) => {
  const user = await guard.requireRole(ctx, "admin");
  await guard.rateLimit(ctx, "write", { key: user._id });
  await clearLimit(ctx, user._id);
  await forget(ctx, user._id);
} });
export const actionAfterPin = action({ args: { pin: v.string() }, handler: async (ctx, { pin }) => {
  const user = await guard.requireUser(ctx);
  await guard.rateLimit(ctx, "write", { key: user._id });
  if (pin !== "2468") throw new Error("wrong pin");
  await relayReset(ctx, user._id);
} });
`;

test("a reset of the caller's own limit, or forgetUser of its id, made on every call through an app helper given the caller's id, a helper's ctx.runMutation, or a loop over [user._id]: public-no-rate-limit (attack34 F8, F11, F12); another id, a branch, an admin's, after a PIN's throw in an action: not", () => {
  const dir = scratchApp("selfcalls", "mine", { "mine.ts": MINE, ...ANY_API, ...WIRING });
  const r = auditReport(cli, dir);
  const found = r.findings.filter((f) => f.rule === "public-no-rate-limit" && /resetRateLimit|forgetUser/.test(f.message));
  assert.deepEqual(found.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), markers(`${dir}/convex`));
  assert.deepEqual([...new Set(found.map((f) => f.severity))], ["medium"]);
  assert.match(found.find((f) => f.function === "mine:resetHelper").message, /^public mutation mine:resetHelper resets, through clearLimit, rate limit/);
  assert.match(found.find((f) => f.function === "mine:forgetHelper").message, /calls guard\.forgetUser \(through forget\) on the caller's own id/);
});

test("a reset of the caller's own limit in a loop's body after a `continue` or `break` of that loop is made on some iterations only (final read); one after a loop that breaks, or after a branch that only logs, on every call", () => {
  const dir = scratchApp("selfcalls", "loops", {
    ...ANY_API,
    ...WIRING,
    "loops.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";

export const unlockEach = mutation({ args: { pins: v.array(v.string()) }, handler: async (ctx, { pins }) => {
  const user = await guard.requireUser(ctx);
  await guard.rateLimit(ctx, "write", { key: user._id });
  for (const pin of pins) {
    if (pin !== "1234") continue;
    await guard.resetRateLimit(ctx, "write", { key: user._id });
  }
} });
export const unlockFirst = mutation({ args: { pins: v.array(v.string()) }, handler: async (ctx, { pins }) => {
  const user = await guard.requireUser(ctx);
  await guard.rateLimit(ctx, "write", { key: user._id });
  outer: for (const pin of pins) {
    for (const c of pin) if (c === "0") continue outer;
    await guard.resetRateLimit(ctx, "write", { key: user._id });
  }
} });
export const resetEach = mutation({ args: { pins: v.array(v.string()) }, handler: async (ctx, { pins }) => {
  const user = await guard.requireUser(ctx);
  await guard.rateLimit(ctx, "write", { key: user._id });
  for (const pin of pins) {
    for (const c of pin) if (c === "0") break;
    if (pin === "") console.log("empty");
    await guard.resetRateLimit(ctx, "write", { key: user._id }); // FINDING public-no-rate-limit
  }
} });
export const resetAfter = mutation({ args: { pins: v.array(v.string()) }, handler: async (ctx, { pins }) => {
  const user = await guard.requireUser(ctx);
  await guard.rateLimit(ctx, "write", { key: user._id });
  for (const pin of pins) if (pin === "") break;
  await guard.resetRateLimit(ctx, "write", { key: user._id }); // FINDING public-no-rate-limit
} });
`,
  });
  const r = auditReport(cli, dir);
  const found = r.findings.filter((f) => f.rule === "public-no-rate-limit" && /resetRateLimit/.test(f.message));
  assert.deepEqual(found.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), markers(`${dir}/convex`));
});

test("a reset of the caller's own limit after a check of a middle role only is reported, naming that role (attack34 F10); after the highest role's, or a permission's, it is not", () => {
  const guardText = readFileSync(`${pitfalls}/guard.ts`, "utf8").replace('roles: ["user", "admin"]', 'roles: ["user", "editor", "admin"]').replace('permissions: { admin: ["delete:posts"] }', 'permissions: { editor: ["edit:posts"], admin: ["delete:posts"] }');
  const dir = scratchApp(
    "selfcalls",
    "middle",
    {
      ...ANY_API,
      ...WIRING,
      "ranks.ts": `import { mutation } from "./_generated/server";
import { guard } from "./guard";

export const editorReset = mutation({ args: {}, handler: async (ctx) => {
  const user = await guard.requireRole(ctx, "editor");
  await guard.rateLimit(ctx, "write", { key: user._id });
  await guard.resetRateLimit(ctx, "write", { key: user._id }); // FINDING public-no-rate-limit
} });
export const adminReset = mutation({ args: {}, handler: async (ctx) => {
  const user = await guard.requireRole(ctx, "admin");
  await guard.rateLimit(ctx, "write", { key: user._id });
  await guard.resetRateLimit(ctx, "write", { key: user._id });
} });
export const bothReset = mutation({ args: {}, handler: async (ctx) => {
  const user = await guard.requireRole(ctx, "editor");
  await guard.requireRole(ctx, "admin");
  await guard.rateLimit(ctx, "write", { key: user._id });
  await guard.resetRateLimit(ctx, "write", { key: user._id });
} });
export const permittedReset = mutation({ args: {}, handler: async (ctx) => {
  const user = await guard.requirePermission(ctx, "delete:posts");
  await guard.rateLimit(ctx, "write", { key: user._id });
  await guard.resetRateLimit(ctx, "write", { key: user._id });
} });
`,
    },
    guardText,
  );
  const r = auditReport(cli, dir);
  const found = r.findings.filter((f) => f.rule === "public-no-rate-limit" && /resetRateLimit/.test(f.message));
  assert.deepEqual(found.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), markers(`${dir}/convex`));
  assert.equal(found[0].severity, "medium");
  assert.match(found[0].message, /: any user with role 'editor' \(below 'admin'\) clears their own limit/);
});

// newuser28 G: support (a middle role) lifting the limit of the user an argument names may give
// their own id; reported as the own-limit reset is, unless the code refuses the caller's own id.
test("a middle role's reset keyed by an argument's user id (or the row it reads) is reported, a null test of that row before it included; refusing the caller's own id (before it, or by a throw after it), the top role's check, another table's id, a gate or a branch keep it quiet", () => {
  const guardText = readFileSync(`${pitfalls}/guard.ts`, "utf8").replace('roles: ["user", "admin"]', 'roles: ["user", "support", "admin"]');
  const lift = (name, { check = "support", args = "userId: v.id(\"users\")", body }) => `
export const ${name} = mutation({ args: { ${args}, reason: v.string() }, handler: async (ctx, args) => {
  const staff = await guard.requireRole(ctx, "${check}");
  await guard.rateLimit(ctx, "write", { key: staff._id });
${body}
} });
`;
  const READ = `  const target = await ctx.db.get(args.userId);\n  if (target === null) return { ok: false as const };\n`;
  const dir = scratchApp("selfcalls", "argreset", {
    ...ANY_API,
    ...WIRING,
    "lift.ts": `import { ConvexError, v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
${lift("liftRow", { body: `${READ}  await guard.resetRateLimit(ctx, "write", { key: target._id }); // FINDING public-no-rate-limit` })}
${lift("liftArg", { body: `  await guard.resetRateLimit(ctx, "write", { key: args.userId }); // FINDING public-no-rate-limit` })}
${lift("refusedArg", { body: `  if (args.userId === staff._id) throw new ConvexError({ code: "FORBIDDEN", message: "not your own" });\n  await guard.resetRateLimit(ctx, "write", { key: args.userId });` })}
${lift("refusedRow", { body: `${READ}  if (target._id === staff._id) return { ok: false as const };\n  await guard.resetRateLimit(ctx, "write", { key: target._id });` })}
${lift("byAdmin", { check: "admin", body: `${READ}  await guard.resetRateLimit(ctx, "write", { key: target._id });` })}
${lift("otherTable", { args: 'postId: v.id("posts")', body: `  await guard.resetRateLimit(ctx, "write", { key: args.postId });` })}
${lift("gated", { body: `  if (args.reason !== "appeal") return { ok: false as const };\n  await guard.resetRateLimit(ctx, "write", { key: args.userId });` })}
${lift("branch", { body: `  if (args.reason === "appeal") await guard.resetRateLimit(ctx, "write", { key: args.userId });` })}
${lift("refusedAfter", { body: `  await guard.resetRateLimit(ctx, "write", { key: args.userId });\n  if (args.userId === staff._id) throw new ConvexError({ code: "FORBIDDEN", message: "not your own" });` })}
${lift("returnedAfter", { body: `  await guard.resetRateLimit(ctx, "write", { key: args.userId }); // FINDING public-no-rate-limit\n  if (args.userId === staff._id) return { ok: false as const };` })}
`,
  }, guardText);
  const r = auditReport(cli, dir);
  const found = r.findings.filter((f) => f.rule === "public-no-rate-limit" && /resetRateLimit/.test(f.message));
  assert.deepEqual(found.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), markers(`${dir}/convex`));
  assert.ok(found.every((f) => f.severity === "medium"));
  const row = found.find((f) => f.function === "lift:liftRow");
  assert.match(row.message, /resets rate limit 'write' keyed by the user id argument 'userId' gives \(guard\.resetRateLimit\): any user with role 'support' \(below 'admin'\) may give their own id and clear their own limit/);
  assert.match(row.fix, /Refuse the caller's own id before the reset/);
});

// attack38 F7: the same reset keyed by a string argument the name says is a user id, or by the
// row's _id destructured from it (a null test of that row before it included), is reported too;
// a string argument naming no user, a destructured _id refused first, stay quiet.
test("a middle role's reset keyed by a string argument naming a user id, or by a destructured row's _id, is reported; a string naming no user, or the caller's own id refused, is not (attack38 F7)", () => {
  const guardText = readFileSync(`${pitfalls}/guard.ts`, "utf8").replace('roles: ["user", "admin"]', 'roles: ["user", "support", "admin"]');
  const lift = (name, args, body) => `
export const ${name} = mutation({ args: { ${args} }, handler: async (ctx, args) => {
  const staff = await guard.requireRole(ctx, "support");
  await guard.rateLimit(ctx, "write", { key: staff._id });
${body}
} });
`;
  const ROW = `  const target = await ctx.db.get(args.userId);
  if (!target) return null;
  const { _id } = target;
`;
  const dir = scratchApp("selfcalls", "stringreset", {
    ...ANY_API,
    ...WIRING,
    "lift.ts": `import { ConvexError, v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
${lift("byString", "userId: v.string()", `  await guard.resetRateLimit(ctx, "write", { key: args.userId }); // FINDING public-no-rate-limit`)}
${lift("byDestructured", 'userId: v.id("users")', `${ROW}  await guard.resetRateLimit(ctx, "write", { key: _id }); // FINDING public-no-rate-limit`)}
${lift("byRenamed", 'userId: v.id("users")', `  const target = await ctx.db.get(args.userId);
  if (target === null) return null;
  const { _id: id } = target;
  await guard.resetRateLimit(ctx, "write", { key: id }); // FINDING public-no-rate-limit`)}
${lift("namesNoUser", "bucket: v.string()", `  await guard.resetRateLimit(ctx, "write", { key: args.bucket });`)}
${lift("refusedDestructured", 'userId: v.id("users")', `${ROW}  if (_id === staff._id) throw new ConvexError({ code: "FORBIDDEN", message: "not your own" });
  await guard.resetRateLimit(ctx, "write", { key: _id });`)}
`,
  }, guardText);
  const r = auditReport(cli, dir);
  const found = r.findings.filter((f) => f.rule === "public-no-rate-limit" && /resetRateLimit/.test(f.message));
  assert.deepEqual(found.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), markers(`${dir}/convex`));
  for (const f of found) assert.match(f.message, /keyed by the user id argument 'userId' gives .*: any user with role 'support' \(below 'admin'\) may give their own id/);
});

// attack38 F7 z7: guard.forgetUser of the user an argument names after a middle role's check only:
// the staff member may give their own id and clear every limit of their own; low (forgetting
// another user is what it is for). After the top role's check, or the own id refused, it is not.
test("a middle role's guard.forgetUser of an argument's user id is reported low; the top role's check, the caller's own id refused, or another table's id keep it quiet (attack38 F7)", () => {
  const guardText = readFileSync(`${pitfalls}/guard.ts`, "utf8").replace('roles: ["user", "admin"]', 'roles: ["user", "support", "admin"]');
  const forget = (name, check, args, body) => `
export const ${name} = mutation({ args: { ${args} }, handler: async (ctx, args) => {
  const staff = await guard.requireRole(ctx, "${check}");
  await guard.rateLimit(ctx, "write", { key: staff._id });
${body}
} });
`;
  const dir = scratchApp("selfcalls", "forgetarg", {
    ...ANY_API,
    ...WIRING,
    "forget.ts": `import { ConvexError, v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
${forget("forgetArg", "support", 'userId: v.id("users")', "  await guard.forgetUser(ctx, args.userId); // FINDING public-no-rate-limit")}
${forget("forgetRow", "support", 'userId: v.id("users")', "  const target = await ctx.db.get(args.userId);\n  if (target === null) return null;\n  await guard.forgetUser(ctx, target._id); // FINDING public-no-rate-limit")}
${forget("byAdmin", "admin", 'userId: v.id("users")', "  await guard.forgetUser(ctx, args.userId);")}
${forget("refused", "support", 'userId: v.id("users")', '  if (args.userId === staff._id) throw new ConvexError({ code: "FORBIDDEN", message: "not your own" });\n  await guard.forgetUser(ctx, args.userId);')}
${forget("otherTable", "support", 'postId: v.id("posts")', "  await guard.forgetUser(ctx, args.postId as any);")}
`,
  }, guardText);
  const r = auditReport(cli, dir);
  const found = r.findings.filter((f) => f.rule === "public-no-rate-limit" && /forgetUser/.test(f.message));
  assert.deepEqual(found.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), markers(`${dir}/convex`));
  assert.ok(found.every((f) => f.severity === "low"));
  assert.match(found[0].message, /calls guard\.forgetUser on the user id argument 'userId' gives: any user with role 'support' \(below 'admin'\) may give their own id/);
});
