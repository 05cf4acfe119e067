// An outside review of the `unchecked-id-*` rules (attack10, their seventh round): a comparison
// of a read document's field with the caller's own id counted as the ownership check wherever
// it stood, deciding nothing (`return { ...doc, isMine: doc.ownerId === user._id }`, the honest
// UI pattern, leaked any document), and even `doc._id === user._id`; `let me = user._id` was not
// the caller's id (a false positive); a read handed on through a call or a template in the
// `return` itself was not followed, while the same through a `const` was. Run the way a user runs
// it: the bin of the packed tarball (AUDIT_CLI names another, to show a test fails on an older
// build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, ANY_API as API, foundRules as found, ID_RULES } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const app = (name, files) => scratchApp("deciding", name, files);
const RULES = ID_RULES;

const HEAD = `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";
`;

test("a comparison with the caller's id is an ownership check only where it decides whether the function goes on with the document", () => {
  const dir = app("decides", {
    ...API,
    "owned.ts": `${HEAD}
function notFound(): never {
  throw new Error("not found");
}

// Comparisons that decide nothing: the document goes on whoever owns it.
export const readFlagged = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    const post = await ctx.db.get(id); // FINDING unchecked-id-read
    if (post === null) return null;
    return { ...post, isMine: post.ownerId === user._id };
  },
});

export const readUnused = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    const post = await ctx.db.get(id); // FINDING unchecked-id-read
    const mine = post?.ownerId === user._id;
    console.log(mine);
    return post;
  },
});

export const readWarned = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    const post = await ctx.db.get(id); // FINDING unchecked-id-read
    if (post && post.ownerId !== user._id) console.warn("not the owner");
    return post;
  },
});

export const readDead = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    const post = await ctx.db.get(id); // FINDING unchecked-id-read
    if (false && post!.ownerId !== user._id) throw new Error("not yours");
    return post;
  },
});

export const readAlwaysAllowed = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    const post = await ctx.db.get(id); // FINDING unchecked-id-read
    const allowed = post !== null && (post.ownerId === user._id || true);
    if (!allowed) throw new Error("not yours");
    return post;
  },
});

export const readNever = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    const post = await ctx.db.get(id); // FINDING unchecked-id-read
    if (post && post.ownerId !== user._id && post.ownerId === user._id) throw new Error("never");
    return post;
  },
});

// The document's own id compared with a user's: no owner in it.
export const readOwnId = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    const post = await ctx.db.get(id); // FINDING unchecked-id-read
    if (post === null || (post._id as string) !== (user._id as string)) throw new Error("not yours");
    return post;
  },
});

export const patchLogged = mutation({
  args: { id: v.id("posts"), title: v.string() },
  handler: async (ctx, { id, title }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const post = await ctx.db.get(id);
    console.log("owner edit", post?.ownerId === user._id);
    await ctx.db.patch(id, { title }); // FINDING unchecked-id-write
  },
});

export const deleteOwnId = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const post = await ctx.db.get(id);
    if (post === null || (post._id as string) !== (user._id as string)) throw new Error("not yours");
    await ctx.db.delete(id); // FINDING unchecked-id-delete
    await guard.audit.log(ctx, { action: "post.delete", outcome: "success", actor: user._id, resourceId: id });
  },
});

// Comparisons that decide: the not-owner's path leaves, or gets no data.
export const readOptional = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    const post = await ctx.db.get(id);
    if (post?.ownerId !== user._id) return null;
    return post;
  },
});

export const readHeld = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    const post = await ctx.db.get(id);
    const mine = post !== null && post.ownerId === user._id;
    if (!mine) throw new Error("not found");
    return post;
  },
});

export const readTernary = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    const post = await ctx.db.get(id);
    return post?.ownerId === user._id ? { ...post, isMine: true } : null;
  },
});

export const readAnd = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    const post = await ctx.db.get(id);
    return post !== null && post.ownerId === user._id && post;
  },
});

export const readThenThrow = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    const post = await ctx.db.get(id);
    if (post && post.ownerId === user._id) {
      return post;
    }
    throw new Error("not found");
  },
});

export const readHelperThrows = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    const post = await ctx.db.get(id);
    if (!post || post.ownerId !== user._id) notFound();
    return post;
  },
});

export const patchOwn = mutation({
  args: { id: v.id("posts"), title: v.string() },
  handler: async (ctx, { id, title }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const post = await ctx.db.get(id);
    if (post?.ownerId !== user._id) throw new Error("not found");
    await ctx.db.patch(id, { title });
  },
});

export const deleteOwn = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const post = await ctx.db.get(id);
    if (post === null || post.ownerId !== user._id) throw new Error("not found");
    await ctx.db.delete(id);
    await guard.audit.log(ctx, { action: "post.delete", outcome: "success", actor: user._id, resourceId: id });
  },
});
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, ...RULES), markers(`${dir}/convex`));
  assert.equal(found(r, ...RULES).length, 9);
});

test("a let the caller's id is put in and never assigned again is the caller's id; one assigned again is not", () => {
  const dir = app("let-me", {
    ...API,
    "owned.ts": `${HEAD}
export const readLetMe = query({
  args: { id: v.id("posts"), other: v.id("users") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    let me = user._id;
    const post = await ctx.db.get(id);
    if (!post || post.ownerId !== me) throw new Error("not found");
    return post;
  },
});

export const readLetReassigned = query({
  args: { id: v.id("posts"), other: v.id("users") },
  handler: async (ctx, { id, other }) => {
    const user = await guard.requireUser(ctx);
    let me = user._id;
    me = other;
    const post = await ctx.db.get(id); // FINDING unchecked-id-read
    if (!post || post.ownerId !== me) throw new Error("not found");
    return post;
  },
});
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, ...RULES), markers(`${dir}/convex`));
});

test("a read handed on through a call or a template in the return itself is returned, as through a const", () => {
  const dir = app("direct", {
    ...API,
    "direct.ts": `${HEAD}
export const json = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requireUser(ctx);
    return JSON.stringify(await ctx.db.get(id)); // FINDING unchecked-id-read
  },
});

export const string = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requireUser(ctx);
    return String((await ctx.db.get(id))?.title); // FINDING unchecked-id-read
  },
});

export const method = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requireUser(ctx);
    return (await ctx.db.get(id))?.title.toUpperCase(); // FINDING unchecked-id-read
  },
});

export const values = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requireUser(ctx);
    return Object.values((await ctx.db.get(id))!); // FINDING unchecked-id-read
  },
});

export const template = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requireUser(ctx);
    return \`\${(await ctx.db.get(id))?.title}\`; // FINDING unchecked-id-read
  },
});

export const concatenated = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requireUser(ctx);
    return "title: " + (await ctx.db.get(id))?.title; // FINDING unchecked-id-read
  },
});

// The same through a const, reported already.
export const jsonConst = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requireUser(ctx);
    const post = await ctx.db.get(id); // FINDING unchecked-id-read
    return JSON.stringify(post);
  },
});

// A test of the read, or a guard call answering no document, hands nothing on.
export const exists = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requireUser(ctx);
    return String((await ctx.db.get(id)) !== null);
  },
});

export const level = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requireUser(ctx);
    return await guard.groupLevel(ctx, ((await ctx.db.get(id)) as any).groupId);
  },
});

export const owned = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    const post = await ctx.db.get(id);
    if (post?.ownerId !== user._id) return null;
    return JSON.stringify(post);
  },
});
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, ...RULES), markers(`${dir}/convex`));
  assert.equal(found(r, ...RULES).length, 7);
});
