// Two outside reviews of the `unchecked-id-*` rules (their seventh round): a comparison of any
// field with anything counted as the ownership check (`doc.ownerId !== args.owner`, `doc?.title
// === "locked"`); a delete of `doc._id` of the document read by the argument was not followed;
// a field of the awaited read returned directly (`return (await ctx.db.get(id))?.title`) was not
// seen; `requireGroupLevel` on the group a document names was not a check of that document (a
// false positive); the finding said "returns the document" when only a field of it was. Run the
// way a user runs it: the bin of the packed tarball (AUDIT_CLI names another, to show a test
// fails on an older build).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { auditReport, markers, pitfalls, scratchApp, ANY_API as API, foundRules as found, ID_RULES } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const app = (name, files) => scratchApp("idchecks", name, files);
const report = (appRoot) => auditReport(cli, appRoot);
const RULES = ID_RULES;

const HEAD = `import { v } from "convex/values";
import { internalMutation, mutation, query } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";
`;

test("only a comparison with the caller's own identity is an ownership check; a client's value or a literal is none", () => {
  const dir = app("comparisons", {
    ...API,
    "owned.ts": `${HEAD}
export const readClaimed = query({
  args: { id: v.id("posts"), owner: v.string() },
  handler: async (ctx, { id, owner }) => {
    await guard.requireUser(ctx);
    const post = await ctx.db.get(id); // FINDING unchecked-id-read
    if (post === null || post.ownerId !== owner) throw new Error("not yours");
    return post;
  },
});

export const readUnlocked = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requireUser(ctx);
    const post = await ctx.db.get(id); // FINDING unchecked-id-read
    if (post?.title === "locked") throw new Error("locked");
    return post;
  },
});

export const deleteClaimed = mutation({
  args: { id: v.id("posts"), owner: v.string() },
  handler: async (ctx, { id, owner }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const post = await ctx.db.get(id);
    if (post === null || owner !== post.ownerId) throw new Error("not yours");
    await ctx.db.delete(id); // FINDING unchecked-id-delete
    await guard.audit.log(ctx, { action: "post.delete", outcome: "success", actor: user._id, resourceId: id });
  },
});

export const patchUnlocked = mutation({
  args: { id: v.id("posts"), title: v.string() },
  handler: async (ctx, { id, title }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const post = await ctx.db.get(id);
    if (post?.title === "locked") throw new Error("locked");
    await ctx.db.patch(id, { title }); // FINDING unchecked-id-write
  },
});

export const readMaybeUser = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.getUser(ctx);
    if (user === null) return null;
    const post = await ctx.db.get(id); // FINDING unchecked-id-read
    if (post?.ownerId !== user?._id) return null; // a missing user would equal a missing field
    return post;
  },
});

// The caller's own id, however it is held: each is an ownership check.
export const readOwn = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    const post = await ctx.db.get(id);
    if (post === null || post.ownerId !== user._id) throw new Error("not found");
    return post;
  },
});

export const readOwnCopy = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const { _id: me } = await guard.requireUser(ctx);
    const userId = me;
    const post = await ctx.db.get(id);
    if (post === null || userId !== post.ownerId) throw new Error("not found");
    return { title: post.title };
  },
});

export const readOwnBuilder = guard.query(query, {
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const post = await ctx.db.get(id);
    if (!post || post.ownerId !== ctx.user._id) return null;
    return post;
  },
});

export const readBySubject = query({
  args: { id: v.id("drafts") },
  handler: async (ctx, { id }) => {
    const identity = await ctx.auth.getUserIdentity();
    if (identity === null) throw new Error("sign in");
    const draft = await ctx.db.get(id);
    if (draft === null || draft.authorName !== identity.subject) throw new Error("not found");
    return draft;
  },
});

export const readByToken = query({
  args: { id: v.id("drafts") },
  handler: async (ctx, { id }) => {
    const { tokenIdentifier } = (await ctx.auth.getUserIdentity())!;
    const draft = await ctx.db.get(id);
    return draft?.authorName === tokenIdentifier ? draft : null;
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

// An internal mutation compares with the user its caller passes: a check only where that is the caller's own id.
export const doDelete = internalMutation({
  args: { id: v.id("posts"), userId: v.string() },
  handler: async (ctx, { id, userId }) => {
    const post = await ctx.db.get(id);
    if (post === null || post.ownerId !== userId) throw new Error("not found");
    await ctx.db.delete(id);
    await guard.audit.log(ctx, { action: "post.delete", outcome: "success", actor: userId, resourceId: id });
  },
});

export const requestOwnDelete = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.scheduler.runAfter(0, internal.owned.doDelete, { id, userId: user._id });
  },
});

export const requestClaimedDelete = mutation({
  args: { id: v.id("posts"), owner: v.string() },
  handler: async (ctx, { id, owner }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.scheduler.runAfter(0, internal.owned.doDelete, { id, userId: owner }); // FINDING unchecked-id-delete
  },
});
`,
  });
  const r = report(dir);
  assert.deepEqual(found(r, ...RULES), markers(`${dir}/convex`));
  assert.equal(found(r, ...RULES).length, 6);
});

test("a delete of doc._id of the document read by an argument is that argument's delete", () => {
  const dir = app("doc-id-delete", {
    ...API,
    "removal.ts": `${HEAD}
export const removeIfThere = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const post = await ctx.db.get(id);
    if (post) await ctx.db.delete(post._id); // FINDING unchecked-id-delete
    await guard.audit.log(ctx, { action: "post.delete", outcome: "success", actor: user._id });
  },
});

export const removeAsserted = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const post = (await ctx.db.get(id))!;
    await ctx.db.delete(post._id); // FINDING unchecked-id-delete
    await guard.audit.log(ctx, { action: "post.delete", outcome: "success", actor: user._id });
  },
});

export const removeOwn = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const post = await ctx.db.get(id);
    if (post === null || post.ownerId !== user._id) throw new Error("not found");
    await ctx.db.delete(post._id);
    await guard.audit.log(ctx, { action: "post.delete", outcome: "success", actor: user._id });
  },
});

export const removeChecked = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireAccess(ctx, "posts", id, "owner");
    const post = (await ctx.db.get(id))!;
    await ctx.db.delete(post._id);
    await guard.audit.log(ctx, { action: "post.delete", outcome: "success", actor: user._id });
  },
});
`,
  });
  const r = report(dir);
  assert.deepEqual(found(r, ...RULES), markers(`${dir}/convex`));
  assert.equal(found(r, ...RULES).length, 2);
});

test("a field of the awaited read returned directly is data read from the document; the finding says so", () => {
  const dir = app("field-returned", {
    ...API,
    "fields.ts": `${HEAD}
export const titleOptional = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requireUser(ctx);
    return (await ctx.db.get(id))?.title; // FINDING unchecked-id-read
  },
});

export const titleAsserted = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requireUser(ctx);
    return (await ctx.db.get(id))!.title; // FINDING unchecked-id-read
  },
});

export const titleByKey = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requireUser(ctx);
    return { title: (await ctx.db.get(id))!["title"] }; // FINDING unchecked-id-read
  },
});

export const titleChecked = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requireAccess(ctx, "posts", id, "viewer");
    return (await ctx.db.get(id))?.title;
  },
});

export const onlyTested = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requireUser(ctx);
    return (await ctx.db.get(id)) !== null;
  },
});
`,
  });
  const r = report(dir);
  assert.deepEqual(found(r, ...RULES), markers(`${dir}/convex`));
  assert.equal(found(r, ...RULES).length, 3);
  const message = r.findings.find((f) => f.rule === "unchecked-id-read").message;
  assert.match(message, /^fields:titleOptional returns data read from the document that argument 'id' names, to any signed-in caller$/);
});

/** The pitfalls schema, with an app table whose rows each name an access group (docs/access.md: groups). */
const SCHEMA = readFileSync(`${pitfalls}/schema.ts`, "utf8").replace(
  "export default defineSchema({",
  `export default defineSchema({
  households: defineTable({ name: v.string(), groupId: v.id("accessGroups"), otherGroupId: v.id("accessGroups"), postId: v.id("posts") }),`,
);

test("requireGroupLevel on the group a read document names checks that document, when it holds on every path; requireAccess on a document it names does not", () => {
  const dir = app("group-of-row", {
    ...API,
    "schema.ts": SCHEMA,
    "households.ts": `${HEAD}
export const getHousehold = query({
  args: { householdId: v.id("households") },
  handler: async (ctx, { householdId }) => {
    const h = await ctx.db.get(householdId);
    if (h === null) throw new Error("Household not found");
    const level = await guard.requireGroupLevel(ctx, h.groupId, "viewer");
    return { name: h.name, level };
  },
});

export const getHouseholdBuilder = guard.query(query, {
  args: { householdId: v.id("households") },
  handler: async (ctx, { householdId }) => {
    const h = await ctx.db.get(householdId);
    if (h === null) return null;
    await guard.requireGroupLevel(ctx, h?.groupId, "viewer");
    return h;
  },
});

export const otherHousehold = query({
  args: { householdId: v.id("households"), otherId: v.id("households") },
  handler: async (ctx, { householdId, otherId }) => {
    const mine = await ctx.db.get(otherId);
    await guard.requireGroupLevel(ctx, mine!.groupId, "viewer");
    const h = await ctx.db.get(householdId); // FINDING unchecked-id-read
    return h;
  },
});

export const caught = query({
  args: { householdId: v.id("households") },
  handler: async (ctx, { householdId }) => {
    await guard.requireUser(ctx);
    const h = await ctx.db.get(householdId); // FINDING unchecked-id-read
    await guard.requireGroupLevel(ctx, h!.groupId, "viewer").catch(() => null);
    return h;
  },
});

export const sometimes = query({
  args: { householdId: v.id("households"), quick: v.boolean() },
  handler: async (ctx, { householdId, quick }) => {
    await guard.requireUser(ctx);
    const h = await ctx.db.get(householdId); // FINDING unchecked-id-read
    if (!quick) await guard.requireGroupLevel(ctx, h!.groupId, "viewer");
    return h;
  },
});

export const returnedFirst = query({
  args: { householdId: v.id("households"), quick: v.boolean() },
  handler: async (ctx, { householdId, quick }) => {
    await guard.requireUser(ctx);
    const h = await ctx.db.get(householdId); // FINDING unchecked-id-read
    if (quick) return h;
    await guard.requireGroupLevel(ctx, h!.groupId, "viewer");
    return h;
  },
});

export const throughItsPost = query({
  args: { householdId: v.id("households") },
  handler: async (ctx, { householdId }) => {
    await guard.requireUser(ctx);
    const h = await ctx.db.get(householdId); // FINDING unchecked-id-read
    await guard.requireAccess(ctx, "posts", h!.postId, "viewer"); // a post anyone may see (public) checks nothing of this row
    return h;
  },
});
`,
  });
  const r = report(dir);
  assert.deepEqual(found(r, ...RULES), markers(`${dir}/convex`));
  assert.equal(found(r, ...RULES).length, 5);
});

test("an id in a field of an object argument is followed as the argument's own id is", () => {
  const dir = app("nested-ids", {
    ...API,
    "nested.ts": `${HEAD}
const ref = v.object({ id: v.id("posts"), note: v.optional(v.string()) });

export const readNested = query({
  args: { ref },
  handler: async (ctx, { ref }) => {
    await guard.requireUser(ctx);
    return await ctx.db.get(ref.id); // FINDING unchecked-id-read
  },
});

export const readDeep = query({
  args: { outer: v.object({ inner: ref }) },
  handler: async (ctx, args) => {
    await guard.requireUser(ctx);
    const post = await ctx.db.get(args.outer.inner.id); // FINDING unchecked-id-read
    return post?.title;
  },
});

export const patchNested = mutation({
  args: { ref, title: v.string() },
  handler: async (ctx, { ref, title }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.db.patch(ref.id, { title }); // FINDING unchecked-id-write
  },
});

export const deleteNested = mutation({
  args: { ref },
  handler: async (ctx, { ref }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.db.delete(ref.id); // FINDING unchecked-id-delete
    await guard.audit.log(ctx, { action: "post.delete", outcome: "success", actor: user._id });
  },
});

export const readNestedChecked = query({
  args: { ref },
  handler: async (ctx, { ref }) => {
    await guard.requireAccess(ctx, "posts", ref.id, "viewer");
    return await ctx.db.get(ref.id);
  },
});

export const patchNestedChecked = mutation({
  args: { ref, title: v.string() },
  handler: async (ctx, { ref, title }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireAccess(ctx, "posts", ref.id, "editor");
    await ctx.db.patch(ref.id, { title });
  },
});
`,
  });
  const r = report(dir);
  assert.deepEqual(found(r, ...RULES), markers(`${dir}/convex`));
  assert.equal(found(r, ...RULES).length, 4);
  assert.match(r.findings.find((f) => f.rule === "unchecked-id-delete").message, /the document that argument 'ref\.id' names/);
});

// A throw in an async function nested in the handler rejects that function's promise: it leaves
// the handler only where the handler awaits the promise (Promise.all of a map's, a call in place,
// a named one every call of which is awaited). Dropped (a forEach's callback, a floating call, or
// Promise.allSettled), the handler goes on with the document. A document the async callback reads
// itself is ended by its own throw, awaited or not.
test("a throw in an async callback is an ownership check only where the handler awaits the callback's promise", () => {
  const Q = (name, body) => `
export const ${name} = query({
  args: { id: v.id("posts"), ids: v.array(v.id("posts")) },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
${body}
  },
});
`;
  const read = (marker = "") => `    const post = await ctx.db.get(args.id);${marker === "" ? "" : ` // FINDING ${marker}`}\n    if (post === null) return null;\n`;
  const deny = 'if (post.ownerId !== user._id) throw new Error("not yours");';
  const dir = app("asyncthrow", {
    ...API,
    "owned.ts": `${HEAD}${Q("eachDropped", `${read("unchecked-id-read")}    [1].forEach(async () => { ${deny} });\n    return post;`)}${Q("floating", `${read("unchecked-id-read")}    void (async () => { ${deny} })();\n    return post;`)}${Q("settled", `${read("unchecked-id-read")}    await Promise.allSettled([1].map(async () => { ${deny} }));\n    return post;`)}${Q("namedUnawaited", `${read("unchecked-id-read")}    const check = async () => { ${deny} };\n    void check();\n    return post;`)}${Q("allAwaited", `${read()}    await Promise.all([1].map(async () => { ${deny} }));\n    return post;`)}${Q("inPlace", `${read()}    await (async () => { ${deny} })();\n    return post;`)}${Q("namedAwaited", `${read()}    const check = async () => { ${deny} };\n    await check();\n    return post;`)}${Q("batch", `    const posts = await Promise.all(args.ids.map(async (id) => {\n      const d = await ctx.db.get(id);\n      if (d === null || d.ownerId !== user._id) throw new Error("not yours");\n      return d;\n    }));\n    return posts;`)}${Q("batchDropped", `    const out: unknown[] = [];\n    args.ids.forEach(async (id) => {\n      const d = await ctx.db.get(id);\n      if (d === null || d.ownerId !== user._id) throw new Error("not yours");\n      out.push(d.title);\n    });\n    return out;`)}`,
  });
  const r = report(dir);
  assert.deepEqual(found(r, ...RULES), markers(`${dir}/convex`));
  assert.equal(found(r, ...RULES).length, 4);
});
