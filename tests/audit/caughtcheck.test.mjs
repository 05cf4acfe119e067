// A guard check an app helper makes in a `try` whose `catch` returns a value (attack33 A5): the
// helper answers `false` on a denial, and a caller that ignores that answer goes on with any
// document. It counts only when the caller leaves on the answer. Run the way a user runs it
// (AUDIT_CLI names another build, to show the test fails there).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, foundRules as found } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const APP = `import { v, ConvexError } from "convex/values";
import { query } from "./_generated/server";
import { guard } from "./guard";

async function canSee(ctx: any, postId: any) {
  try {
    await guard.requireAccess(ctx, "posts", postId, "viewer");
    return true;
  } catch {
    return false;
  }
}

async function canSeeOrNull(ctx: any, postId: any) {
  try {
    const { doc } = await guard.requireAccess(ctx, "posts", postId, "viewer");
    return doc;
  } catch {
    return null;
  }
}

export const peek = query({ // FINDING public-no-auth
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    await canSee(ctx, postId);
    return await ctx.db.get(postId); // FINDING unchecked-id-read
  },
});

export const peekKept = query({ // FINDING public-no-auth
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    const ok = await canSee(ctx, postId);
    console.log(ok);
    return await ctx.db.get(postId); // FINDING unchecked-id-read
  },
});

export const look = query({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    if (!(await canSee(ctx, postId))) throw new ConvexError("forbidden");
    return await ctx.db.get(postId);
  },
});

export const lookHeld = query({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    const ok = await canSee(ctx, postId);
    if (!ok) return null;
    return await ctx.db.get(postId);
  },
});

export const lookNull = query({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    const doc = await canSeeOrNull(ctx, postId);
    if (doc === null) throw new ConvexError("forbidden");
    return await ctx.db.get(postId);
  },
});

export const handlerCatch = query({
  args: { postId: v.id("posts") },
  handler: async (ctx, { postId }) => {
    try {
      await guard.requireAccess(ctx, "posts", postId, "viewer");
    } catch {
      return null;
    }
    return await ctx.db.get(postId);
  },
});
`;

test("a helper whose check's throw its catch turns into an answer checks nothing for a caller that ignores the answer; a caller leaving on it, or a catch in the handler itself, keeps the check", () => {
  const dir = scratchApp("caughtcheck", "helper", { "peek.ts": APP });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-id-read", "public-no-auth"), markers(`${dir}/convex`));
  const noAuth = r.findings.find((f) => f.rule === "public-no-auth" && f.function === "peek:peek");
  assert.match(noAuth.message, /canSee -> guard\.requireAccess.*whose throw the helper's catch turns into an answer the caller does not leave on/);
});
