// An outside review (attack44 F1, F2): guard.readableFor and guard.requireAccessFor decide about
// the user they are given, not the caller. In a public function their answer's document is checked
// only when that user is the caller's own id (ctx.user._id, requireUser's user._id); for any other
// user (a client argument, a row's field) a write, delete or return of it is reported as one of
// ctx.db.get(args.id) is. An internal function's user comes from its callers: a public function
// that runs or schedules one with a user id that is not its caller's own is relayed-user-id. Run
// the way a user runs it: the bin of the packed tarball (AUDIT_CLI names another).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, ANY_API as API, WIRING, foundRules as found } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

test("the document of requireAccessFor / readableFor for a user not the caller is unchecked in a public function; for the caller's own id, or in an internal function, it is checked", () => {
  const dir = scratchApp("actingfor", "answers", {
    "posts.ts": `import { v } from "convex/values";
import { internalMutation, mutation, query } from "./_generated/server";
import { guard } from "./guard";

// The client names the user, by an argument of any name.
export const editAs = guard.mutation(mutation, {
  args: { actingFor: v.string(), id: v.string(), title: v.string() },
  rateLimit: { name: "write" },
  handler: async (ctx, { actingFor, id, title }) => {
    const { doc } = await guard.requireAccessFor(ctx, actingFor as any, "posts", id, "editor");
    await ctx.db.patch(doc._id, { title }); // FINDING unchecked-id-write
  },
});
// The user read from a row the client names.
export const editAsEditor = guard.mutation(mutation, {
  args: { postId: v.id("posts"), title: v.string() },
  rateLimit: { name: "write" },
  handler: async (ctx, { postId, title }) => {
    const post = await ctx.db.get(postId);
    if (post === null || post.editorId === undefined) return;
    const r = await guard.requireAccessFor(ctx, post.editorId, "posts", postId, "editor");
    await ctx.db.replace(r.doc._id, { ...r.doc, title }); // FINDING unchecked-id-write
  },
});
export const readAsOwner = guard.query(query, {
  args: { id: v.id("posts"), target: v.string() },
  handler: async (ctx, { id, target }) => {
    const p = await ctx.db.get(id);
    if (p === null) return null;
    const r = await guard.readableFor(ctx, p.ownerId, "posts", target); // FINDING unchecked-id-read
    return r?.doc ?? null;
  },
});
// The caller's own id: checked, as readable's and requireAccess's answers are.
export const mine = guard.query(query, {
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const r = await guard.readableFor(ctx, ctx.user._id, "posts", id);
    return r?.doc ?? null;
  },
});
export const mineToo = mutation({
  args: { id: v.id("posts"), title: v.string() },
  handler: async (ctx, { id, title }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const { doc } = await guard.requireAccessFor(ctx, user._id, "posts", id, "editor");
    await ctx.db.patch(doc._id, { title });
  },
});
// An internal function: the user is its callers' word.
export const apply = internalMutation({
  args: { userId: v.id("users"), id: v.id("posts"), title: v.string() },
  handler: async (ctx, { userId, id, title }) => {
    const { doc } = await guard.requireAccessFor(ctx, userId, "posts", id, "editor");
    await ctx.db.patch(doc._id, { title });
  },
});
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, ...new Set(r.findings.map((f) => f.rule))), markers(`${dir}/convex`));
  assert.ok(r.findings.every((f) => f.severity === "high"));
  assert.equal(r.findings.find((f) => f.function === "posts:editAs").message, "posts:editAs (through guard.requireAccessFor for a user not the caller) patches the document that argument 'id' names, for any signed-in caller");
  assert.match(r.findings.find((f) => f.function === "posts:readAsOwner").message, /\(through guard\.readableFor for a user not the caller\) returns data read from the document that argument 'target' names/);
});

test("a public function that schedules or runs an internal one with a user id that is not the caller's own, for that function's requireAccessFor: relayed-user-id", () => {
  const dir = scratchApp("actingfor", "relayed", {
    ...API,
    ...WIRING,
    "jobs.ts": `import { v } from "convex/values";
import { action, internalMutation, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

export const apply = internalMutation({
  args: { userId: v.id("users"), id: v.id("posts"), title: v.string() },
  handler: async (ctx, { userId, id, title }) => {
    const { doc } = await guard.requireAccessFor(ctx, userId, "posts", id, "editor");
    await ctx.db.patch(doc._id, { title });
  },
});
// The recipe: the caller's own id.
export const later = guard.mutation(mutation, {
  args: { id: v.id("posts"), title: v.string() },
  access: { table: "posts", arg: "id", level: "editor" },
  rateLimit: { name: "write" },
  handler: async (ctx, { title }) => {
    await ctx.scheduler.runAfter(0, internal.jobs.apply, { userId: ctx.user._id, id: ctx.doc._id, title });
  },
});
export const now = action({
  args: { id: v.id("posts"), title: v.string() },
  handler: async (ctx, { id, title }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.runMutation(internal.jobs.apply, { userId: user._id, id, title });
  },
});
// A viewer schedules the edit as the post's owner.
export const laterAsOwner = guard.mutation(mutation, {
  args: { id: v.id("posts"), title: v.string() },
  access: { table: "posts", arg: "id", level: "viewer" },
  rateLimit: { name: "write" },
  handler: async (ctx, { title }) => {
    await ctx.scheduler.runAfter(0, internal.jobs.apply, { userId: ctx.doc.ownerId, id: ctx.doc._id, title }); // FINDING relayed-user-id
  },
});
// The owner's id, and none of the caller's arguments in the payload: still a relay (newuser35 F2).
export const laterAsOwnerNoArgs = guard.mutation(mutation, {
  args: { id: v.id("posts") },
  access: { table: "posts", arg: "id", level: "viewer" },
  rateLimit: { name: "write" },
  handler: async (ctx) => {
    await ctx.scheduler.runAfter(0, internal.jobs.apply, { userId: ctx.doc.ownerId, id: ctx.doc._id, title: "x" }); // FINDING relayed-user-id
  },
});
// The client names the job's user.
export const laterAs = guard.mutation(mutation, {
  args: { id: v.id("posts"), who: v.string(), title: v.string() },
  access: { table: "posts", arg: "id", level: "editor" },
  rateLimit: { name: "write" },
  handler: async (ctx, { who, title }) => {
    await ctx.scheduler.runAfter(0, internal.jobs.apply, { userId: who as any, id: ctx.doc._id, title }); // FINDING relayed-user-id
  },
});
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, ...new Set(r.findings.map((f) => f.rule))), markers(`${dir}/convex`));
  const owner = r.findings.find((f) => f.function === "jobs:laterAsOwner");
  assert.equal(owner.severity, "medium");
  assert.equal(owner.message, "jobs:laterAsOwner schedules internal.jobs.apply with userId: ctx.doc.ownerId, not the caller's own id: jobs:apply checks access for that user (guard.requireAccessFor, convex/jobs.ts:9), so the call acts as someone else");
  assert.match(r.findings.find((f) => f.function === "jobs:laterAs").message, /with userId: argument 'who' \(the client's choice\)/);
});

test("a job taking its user as an element of a list argument (args.users[0]): each element not the caller's own id is relayed-user-id (attack45 F5)", () => {
  const dir = scratchApp("actingfor", "relayedlist", {
    ...API,
    ...WIRING,
    "lists.ts": `import { v } from "convex/values";
import { internalMutation, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

export const applyFirst = internalMutation({
  args: { users: v.array(v.id("users")), id: v.id("posts"), title: v.string() },
  handler: async (ctx, args) => {
    const { doc } = await guard.requireAccessFor(ctx, args.users[0], "posts", args.id, "editor");
    await ctx.db.patch(doc._id, { title: args.title });
  },
});
// The caller alone: the recipe.
export const mine = guard.mutation(mutation, {
  args: { id: v.id("posts"), title: v.string() },
  access: { table: "posts", arg: "id", level: "editor" },
  rateLimit: { name: "write" },
  handler: async (ctx, { title }) => {
    await ctx.scheduler.runAfter(0, internal.lists.applyFirst, { users: [ctx.user._id], id: ctx.doc._id, title });
  },
});
// A cc list the client sends, ahead of the caller.
export const withCc = guard.mutation(mutation, {
  args: { id: v.id("posts"), title: v.string(), cc: v.array(v.string()) },
  access: { table: "posts", arg: "id", level: "editor" },
  rateLimit: { name: "write" },
  handler: async (ctx, { title, cc }) => {
    await ctx.scheduler.runAfter(0, internal.lists.applyFirst, { users: [...(cc as any[]), ctx.user._id], id: ctx.doc._id, title }); // FINDING relayed-user-id
  },
});
// The post's owner first.
export const ownerFirst = guard.mutation(mutation, {
  args: { id: v.id("posts"), title: v.string() },
  access: { table: "posts", arg: "id", level: "viewer" },
  rateLimit: { name: "write" },
  handler: async (ctx, { title }) => {
    await ctx.scheduler.runAfter(0, internal.lists.applyFirst, { users: [ctx.doc.ownerId, ctx.user._id], id: ctx.doc._id, title }); // FINDING relayed-user-id
  },
});
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, ...new Set(r.findings.map((f) => f.rule))), markers(`${dir}/convex`));
  assert.match(r.findings.find((f) => f.function === "lists:ownerFirst").message, /with users: ctx\.doc\.ownerId among them, not the caller's own id: lists:applyFirst checks access for that user/);
});
