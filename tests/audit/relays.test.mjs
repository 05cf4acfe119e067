// A new user's review of the audit (its seventh): a document's field handed to a guard call
// whose answer is a boolean, taken for the document returned (a false `unchecked-id-read`); the
// one-time code an internal mutation returns to a public action, handed on by that action to its
// own caller (a `code-exposed` not seen); two rate limits taken one by one, where the README says
// "never as two" (`rate-limits-split`, not reported). Run the way a user runs it: the bin of the
// packed tarball (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, ISSUE_CODE, WIRING, ANY_API as API, foundRules as found } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const app = (name, files, guard) => scratchApp("relays", name, files, guard);
const report = (appRoot, flags) => auditReport(cli, appRoot, flags);

/** A guard with groups (a `posts` table under access), a `summarize` and a global limit. */
const GUARD = `import { defineGuard, MINUTE } from "convex-guard";
export const guard = defineGuard({
  roles: ["user", "admin"],
  access: { tables: { posts: { owner: "ownerId", visibility: "visibility" } } },
  rateLimits: {
    write: { kind: "token bucket", rate: 10, period: MINUTE },
    summarize: { kind: "fixed window", rate: 5, period: MINUTE },
    summarizeGlobal: { kind: "token bucket", rate: 100, period: MINUTE },
  },
});
`;

test("a document's field given to a guard call that answers no document is not the document returned; the document itself still is", () => {
  const dir = app("no-document", {
      ...API,
      "groups.ts": `import { v } from "convex/values";
import { internalQuery, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

export const acceptReturnsResult = guard.mutation(mutation, {
  args: { postId: v.id("posts"), groupId: v.string() },
  rateLimit: { name: "write" },
  handler: async (ctx, { postId, groupId }) => {
    const post = await ctx.db.get(postId);
    if (post === null) return false;
    return await guard.acceptGroupInvite(ctx, post.title as any); // a boolean
  },
});

export const levelOfItsGroup = guard.mutation(mutation, {
  args: { postId: v.id("posts") },
  rateLimit: { name: "write" },
  handler: async (ctx, { postId }) => {
    const post = await ctx.db.get(postId);
    if (post === null) return null;
    return await guard.groupLevel(ctx, post.title as any); // a level or null
  },
});

export const requireLevelOfItsGroup = guard.mutation(mutation, {
  args: { postId: v.id("posts") },
  rateLimit: { name: "write" },
  handler: async (ctx, { postId }) => {
    const post = await ctx.db.get(postId);
    return { level: await guard.requireGroupLevel(ctx, post!.title as any, "viewer") }; // a level
  },
});

export const deleteItsCopy = guard.mutation(mutation, {
  args: { postId: v.id("posts") },
  rateLimit: { name: "write" },
  handler: async (ctx, { postId }) => {
    const post = await ctx.db.get(postId);
    return await guard.deleteDocument(ctx, "posts", post!.title as any); // a count
  },
});

export const insertItsCopy = guard.mutation(mutation, {
  args: { postId: v.id("posts") },
  rateLimit: { name: "write" },
  handler: async (ctx, { postId }) => {
    const post = await ctx.db.get(postId);
    return await guard.insertDocument(ctx, "posts", { title: post!.title, visibility: "private" } as any); // an id
  },
});

export const shareReturnsGrant = guard.mutation(mutation, {
  args: { postId: v.id("posts"), userId: v.id("users") },
  rateLimit: { name: "write" },
  handler: async (ctx, { postId, userId }) => {
    const post = await ctx.db.get(postId);
    return { grant: await guard.share(ctx, "posts", post!._id, { userId, level: "viewer" }), allowed: guard.can(post as any, "x") };
  },
});

export const returnsPost = guard.mutation(mutation, {
  args: { postId: v.id("posts") },
  rateLimit: { name: "write" },
  handler: async (ctx, { postId }) => {
    const post = await ctx.db.get(postId); // FINDING unchecked-id-read
    await guard.acceptGroupInvite(ctx, post!.title as any);
    return { accepted: true, post };
  },
});

export const readPost = internalQuery({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => await ctx.db.get(postId),
});

export const acceptThroughQuery = guard.mutation(mutation, {
  args: { postId: v.id("posts") },
  rateLimit: { name: "write" },
  handler: async (ctx, { postId }) => {
    const post = await ctx.runQuery(internal.groups.readPost, { postId });
    return await guard.acceptGroupInvite(ctx, post!.title as any);
  },
});

export const returnsThroughQuery = guard.mutation(mutation, {
  args: { postId: v.id("posts") },
  rateLimit: { name: "write" },
  handler: async (ctx, { postId }) => {
    const post = await ctx.runQuery(internal.groups.readPost, { postId }); // FINDING unchecked-id-read
    return guard.roleAtLeast("user", "user") ? post : null;
  },
});
`,
  }, GUARD);
  const r = report(dir);
  assert.deepEqual(found(r, "unchecked-id-read"), markers(`${dir}/convex`));
  assert.equal(found(r, "unchecked-id-read").length, 2);
});

test("a public action handing on the code an internal mutation issued and returned to it: code-exposed; sending it is the documented way", () => {
  const dir = app("relayed-code", {
      ...API,
      ...WIRING,
      "codes.ts": `${ISSUE_CODE}
export const destructured = action(
  guard.safeAction({
    name: "codes.destructured",
    rateLimit: { name: "write" },
    args: {},
    handler: async (ctx, _args, { actor }): Promise<{ code: string }> => {
      const { code } = await ctx.runMutation(internal.codes.issueCode, { actor: String(actor) });
      return { code }; // FINDING code-exposed
    },
  }),
);

export const whole = action({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const issued = await ctx.runMutation(internal.codes.issueCode, { actor: user._id });
    const copy = issued;
    return copy; // FINDING code-exposed
  },
});

export const templated = action({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const r = await ctx.runMutation(internal.codes.issueCode, { actor: user._id });
    const text = \`Your code: \${r.code}\`;
    return { message: text }; // FINDING code-exposed
  },
});

export const scheduled = action({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const { code } = await ctx.runMutation(internal.codes.issueCode, { actor: user._id });
    await ctx.scheduler.runAfter(0, internal.codes.issueCode, { actor: code }); // FINDING code-exposed
    return null;
  },
});

export const sent = action({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const { code, expiresAt } = await ctx.runMutation(internal.codes.issueCode, { actor: user._id });
    await fetch("https://mail.example/send", { method: "POST", body: code });
    return { sent: true, expiresAt };
  },
});

export const expiryOnly = action({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const r = await ctx.runMutation(internal.codes.issueCode, { actor: user._id });
    await fetch("https://mail.example/send", { method: "POST", body: r.code });
    return { expiresAt: r.expiresAt };
  },
});
`,
  }, GUARD);
  const r = report(dir);
  assert.deepEqual(found(r, ...new Set(r.findings.map((f) => f.rule))), markers(`${dir}/convex`));
  assert.equal(r.findings.length, 4);
  assert.ok(r.findings.every((f) => f.severity === "high"));
  const destructured = r.findings.find((f) => f.function === "codes:destructured");
  assert.equal(destructured.message, "public action codes:destructured returns the one-time code that internal.codes.issueCode (an internal mutation, through ctx.runMutation) issued and returned to it to its caller: a session alone confirms, with no out-of-band channel");
  assert.match(r.findings.find((f) => f.function === "codes:scheduled").message, /passes the one-time code that internal\.codes\.issueCode .* to ctx\.scheduler\.runAfter: a scheduled function's arguments are stored in clear/);
});

test("two rate limits taken one by one: rate-limits-split, at the second take; together, on exclusive paths, or a look first: quiet", () => {
  const dir = app("split", {
      ...WIRING,
      "limits.ts": `import { v } from "convex/values";
import { action, mutation } from "./_generated/server";
import { guard } from "./guard";

export const twoCalls = action({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "summarize", { key: user._id });
    await guard.rateLimit(ctx, "summarizeGlobal", { key: "global" }); // FINDING rate-limits-split
    return null;
  },
});

export const builderAndCall = guard.action(action, {
  args: { id: v.string() },
  rateLimit: { name: "summarize" },
  handler: async (ctx) => {
    const r = await guard.rateLimit(ctx, "summarizeGlobal", { key: "global", throws: false }); // FINDING rate-limits-split
    if (!r.ok) return null;
    return "x";
  },
});

export const safeActionAndAll = action(
  guard.safeAction({
    name: "limits.safe",
    rateLimit: { name: "summarize" },
    args: {},
    handler: async (ctx, _args, { actor }) => {
      await globalLimit(ctx); // FINDING rate-limits-split
      return String(actor);
    },
  }),
);
async function globalLimit(ctx: any) {
  await guard.rateLimitAll(ctx, [{ name: "summarizeGlobal", key: "global" }]);
}

export const together = action({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.checkRateLimit(ctx, "summarizeGlobal", { key: "global" });
    await guard.rateLimitAll(ctx, [{ name: "summarize", key: user._id }, { name: "summarizeGlobal", key: "global" }]);
    return null;
  },
});

export const eitherOr = action({
  args: { pro: v.boolean() },
  handler: async (ctx, { pro }) => {
    const user = await guard.requireUser(ctx);
    if (pro) await guard.rateLimit(ctx, "summarize", { key: user._id });
    else await guard.rateLimit(ctx, "summarizeGlobal", { key: user._id });
    return pro ? await guard.rateLimit(ctx, "write", { key: user._id }) : null; // FINDING rate-limits-split
  },
});

export const byTier = action({
  args: { tier: v.string() },
  handler: async (ctx, { tier }) => {
    const user = await guard.requireUser(ctx);
    switch (tier) {
      case "a":
        await guard.rateLimit(ctx, "summarize", { key: user._id });
        break;
      default:
        await guard.rateLimit(ctx, "summarizeGlobal", { key: user._id });
    }
    return null;
  },
});

export const earlyReturn = action({
  args: { quick: v.boolean() },
  handler: async (ctx, { quick }) => {
    const user = await guard.requireUser(ctx);
    if (quick) {
      await guard.rateLimit(ctx, "summarize", { key: user._id });
      return "quick";
    }
    await guard.rateLimit(ctx, "summarizeGlobal", { key: user._id });
    return "slow";
  },
});

export const inMutation = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "summarize", { key: user._id });
    await guard.rateLimit(ctx, "summarizeGlobal", { key: "global" }); // a throw rolls the first take back
    const quiet = await guard.rateLimit(ctx, "write", { key: user._id, throws: false }); // FINDING rate-limits-split
    if (!quiet.ok) return { ok: false };
    return { ok: true };
  },
});
`,
  }, GUARD);
  const r = report(dir);
  assert.deepEqual(found(r, "rate-limits-split"), markers(`${dir}/convex`));
  const split = r.findings.filter((f) => f.rule === "rate-limits-split");
  assert.equal(split.length, 5);
  assert.ok(split.every((f) => f.severity === "low"));
  const two = split.find((f) => f.function === "limits:twoCalls");
  assert.equal(two.message, "limits:twoCalls takes guard.rateLimit(\"summarizeGlobal\") after guard.rateLimit(\"summarize\") (convex/limits.ts:9), one by one: each commits on its own, so a call this one refuses has already spent the earlier one's budget");
  assert.match(two.fix, /guard\.rateLimitAll\(ctx, \[/);
  assert.match(split.find((f) => f.function === "limits:builderAndCall").message, /takes guard\.rateLimit\("summarizeGlobal"\) after guard\.action rateLimit \(convex\/limits\.ts:15\)/);
  assert.match(split.find((f) => f.function === "limits:safeActionAndAll").message, /takes globalLimit -> guard\.rateLimitAll after guard\.safeAction rateLimit \(convex\/limits\.ts:\d+\)/);
  assert.match(split.find((f) => f.function === "limits:inMutation").message, /its denial is answered \(throws: false\), so the mutation may commit the earlier take/);
});
