// `user-id-arg`: every argument that takes a user from the caller, each its own finding at its
// own line: by its name (`userId`, `fromUserId`, `ownerId`, ...) or by its validator, an id of the
// users table (`v.id("users")`, or the guard's configured `users.table`) under any name, also
// inside v.optional, v.nullable, v.union, v.array, v.record, a nested v.object, or a const. Not
// reported: an id only used as the target user of a guard call that checks the caller, an id of
// another table. Run the way a user runs it: the bin of the packed tarball.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { auditReport, pitfalls, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = `${root}node_modules/convex-guard/cli.cjs`;

/** An app (its root) with the pitfalls fixture's _generated, schema and guard, plus `files` under convex/. */
const app = (name, files, guard) => scratchApp("userargs", name, files, guard);

/** The JSON report of `audit convex` run in an app's root. */
const report = (appRoot) => auditReport(cli, appRoot);

/** `line rule function: message` of a report's findings of `rule`, in the report's order. */
const found = (r, rule = "user-id-arg") => r.findings.filter((f) => f.rule === rule).map((f) => `${f.line} ${f.function}: ${f.message}`);

const HEAD = `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";
`;

/** A signed-in query taking `args` (the source of its validator object), which it does not use. */
const QUERY = (name, args) => `export const ${name} = query({
  args: ${args},
  handler: async (ctx) => (await guard.requireUser(ctx)).name,
});
`;

test("two user ids of one function are two findings, on one line or on two", () => {
  const r = report(
    app("two-ids", {
      "u.ts":
        HEAD +
        QUERY("oneLine", '{ fromUserId: v.id("users"), toUserId: v.id("users"), amount: v.number() }') +
        QUERY("twoLines", '{\n    fromUserId: v.string(),\n    toUserId: v.string(),\n  }'),
    }),
  );
  assert.deepEqual(found(r), [
    "5 u:oneLine: public query u:oneLine takes fromUserId (a user) from the caller",
    "5 u:oneLine: public query u:oneLine takes toUserId (a user) from the caller",
    "10 u:twoLines: public query u:twoLines takes fromUserId (a user) from the caller",
    "11 u:twoLines: public query u:twoLines takes toUserId (a user) from the caller",
  ]);
});

test("an argument validated as an id of the users table is a user from the caller, whatever its name", () => {
  const ids = `const UserId = v.id("users");
const USERS = "users";
const picked = { picked: v.optional(v.id("users")) };
` +
    QUERY("memberId", '{ memberId: v.id("users") }') +
    QUERY("newOwner", '{ newOwner: v.optional(v.id("users")) }') +
    QUERY("from", '{ from: v.union(v.id("users"), v.null()) }') +
    QUERY("to", '{ to: v.array(v.id("users")) }') +
    QUERY("scores", '{ scores: v.record(v.id("users"), v.number()) }') +
    QUERY("nested", '{ filter: v.object({ author: v.nullable(v.id("users")), title: v.string() }) }') +
    QUERY("viaConst", '{ viewer: UserId, other: v.id(USERS) }') +
    QUERY("viaSpread", '{ ...picked, title: v.string() }') +
    // Not a user: ids of other tables, and strings.
    QUERY("posts", '{ postId: v.id("posts"), postIds: v.array(v.id("posts")), from: v.optional(v.string()) }');
  const r = report(app("by-validator", { "u.ts": HEAD + ids }));
  const v = (line, fn, arg) => `${line} u:${fn}: public query u:${fn} takes ${arg} (validated as an id of the users table) from the caller`;
  assert.deepEqual(found(r), [
    v(6, "viaSpread", "picked"),
    v(8, "memberId", "memberId"),
    v(12, "newOwner", "newOwner"),
    v(16, "from", "from"),
    v(20, "to", "to"),
    v(24, "scores", "scores"),
    v(28, "nested", "author"),
    v(32, "viaConst", "viewer"),
    v(32, "viaConst", "other"),
  ]);
  // Its fix says how to allow an admin's target on purpose.
  for (const f of r.findings) assert.match(f.fix, /\/\/ convex-guard-allow: user-id-arg <reason>/);
});

test("a v.id(\"users\") argument only used as the target user of a guard call that checks the caller is not reported; used elsewhere too, it is", () => {
  const limit = 'await guard.rateLimit(ctx, "write", { key: "targets" });';
  const files = {
    "t.ts":
      HEAD +
      `export const share = mutation({
  args: { id: v.string(), member: v.id("users") },
  handler: async (ctx, { id, member }) => {
    ${limit}
    await guard.share(ctx, "posts", id, { userId: member, level: "viewer" });
    return null;
  },
});
export const addMember = mutation({
  args: { groupId: v.string(), invitee: v.id("users") },
  handler: async (ctx, { groupId, invitee }) => {
    ${limit}
    return await guard.addGroupMember(ctx, groupId, invitee);
  },
});
export const transfer = mutation({
  args: { id: v.string(), newOwner: v.id("users") },
  handler: async (ctx, args) => {
    ${limit}
    await guard.transferOwnership(ctx, "posts", args.id, args.newOwner);
    return null;
  },
});
export const shareUntil = mutation({
  args: { id: v.string(), member: v.id("users"), until: v.optional(v.number()) },
  handler: async (ctx, { id, member, until }) => {
    ${limit}
    await guard.share(ctx, "posts", id, until === undefined ? { userId: member, level: "viewer" } : { userId: member, level: "viewer", expiresAt: until });
    return null;
  },
});
export const shareAndRead = mutation({
  args: { id: v.string(), member: v.id("users") },
  handler: async (ctx, { id, member }) => {
    ${limit}
    await guard.share(ctx, "posts", id, { userId: member, level: "viewer" });
    return (await ctx.db.get(member))?.name ?? null;
  },
});
`,
  };
  const r = report(app("targets", files));
  assert.deepEqual(found(r), ["36 t:shareAndRead: public mutation t:shareAndRead takes member (validated as an id of the users table) from the caller"]);
});

test("the users table is the guard's users.table when the audit can read it", () => {
  const guard = readFileSync(`${pitfalls}/guard.ts`, "utf8");
  const confirmations = 'confirmations: { redactEnv: ["PAYMENT_KEY"] },';
  assert.ok(guard.includes(confirmations));
  const configured = guard.replace(confirmations, `users: { table: "members" },\n  ${confirmations}`);
  const files = { "u.ts": HEAD + QUERY("pick", '{ member: v.id("members"), user: v.id("users") }') };
  assert.deepEqual(found(report(app("configured", files, configured))), [
    "5 u:pick: public query u:pick takes member (validated as an id of the users table) from the caller",
  ]);
  // The same function with the default table: the other way round.
  assert.deepEqual(found(report(app("default", files))), ["5 u:pick: public query u:pick takes user (validated as an id of the users table) from the caller"]);
});

test("the fix's allow comment, written as it says, allows the finding with its reason", () => {
  const files = {
    "u.ts":
      HEAD +
      `// convex-guard-allow: user-id-arg the member a moderator mutes, not the caller
${QUERY("mute", '{ memberId: v.id("users") }')}`,
  };
  const r = report(app("allowed", files));
  assert.deepEqual(found(r), []);
  assert.deepEqual(
    r.allowed.map((a) => `${a.function} ${a.rule}: ${a.reason}`),
    ["u:mute user-id-arg: the member a moderator mutes, not the caller"],
  );
  assert.deepEqual(r.unusedAllows.filter((a) => a.target.startsWith("u:")), []);
});
