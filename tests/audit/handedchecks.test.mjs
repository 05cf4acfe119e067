// The sixteenth round's final read: (1) a "get or throw" helper that hands its owner check to
// another app function (`assertAuthor(ctx, c)`, which throws unless `c.authorId` is the caller)
// checks the document as if the comparison were written in it, but only when that function
// decides (throws, or answers a comparison the helper leaves on) on every path; (2) a `throw`
// before a public mutation's reset of the caller's own limit (the sign-in test `if (identity ===
// null) throw`) skips it on no call that keeps anything: still public-no-rate-limit; only a
// `return` or a branch does; (3) a change by a checked document's field (`ctx.db.delete(doc.pageId)`)
// after the document it names, read by that field, is compared with the caller is covered. Run
// the way a user runs it: the bin of the packed tarball (AUDIT_CLI names another, to show a test
// fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, CLI, foundRules, ID_RULES, markers, scratchApp } from "./apps.mjs";

const cli = process.env.AUDIT_CLI ?? CLI;

const GUARD = `import { defineGuard, MINUTE } from "convex-guard";
export const guard = defineGuard({
  roles: ["user", "admin"],
  access: { tables: { pages: { owner: "ownerId" }, comments: { owner: "authorId", parent: "pageId", parentTable: "pages" } } },
  rateLimits: { write: { kind: "token bucket", rate: 10, period: MINUTE } },
});
`;

const SCHEMA = `import { accessTables, rateLimitTables } from "convex-guard";
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({
  ...accessTables,
  ...rateLimitTables,
  users: defineTable({ tokenIdentifier: v.string(), name: v.string() }).index("by_tokenIdentifier", ["tokenIdentifier"]),
  pages: defineTable({ title: v.string(), ownerId: v.id("users") }),
  comments: defineTable({ text: v.string(), authorId: v.id("users"), pageId: v.id("pages") }).index("by_page", ["pageId"]),
});
`;

const HELPERS = `import { v, ConvexError } from "convex/values";
import { mutation, query, type QueryCtx } from "./_generated/server";
import type { Id, Doc } from "./_generated/dataModel";
import { guard } from "./guard";

async function assertAuthor(ctx: QueryCtx, c: Doc<"comments">) {
  const user = await guard.requireUser(ctx);
  if (c.authorId !== user._id) throw new ConvexError("not yours");
}
async function isAuthor(ctx: QueryCtx, c: Doc<"comments">) {
  const user = await guard.requireUser(ctx);
  return c.authorId === user._id;
}
async function assertEditor(ctx: QueryCtx, c: Doc<"comments">) {
  await guard.requireAccess(ctx, "comments", c._id, "editor");
}
async function noteAuthor(ctx: QueryCtx, c: Doc<"comments">) {
  const user = await guard.requireUser(ctx);
  if (c.authorId !== user._id) return;
  console.log("the author reads", c._id);
}

// Checked: the owner check handed to a function that throws, or answers it to a test that throws, or requires access.
async function loadOwn(ctx: QueryCtx, id: Id<"comments">) {
  const c = await ctx.db.get(id);
  if (c === null) throw new ConvexError("not found");
  await assertAuthor(ctx, c);
  return c;
}
async function loadTested(ctx: QueryCtx, id: Id<"comments">) {
  const c = await ctx.db.get(id);
  if (c === null || !(await isAuthor(ctx, c))) throw new ConvexError("not yours");
  return c;
}
async function loadEditable(ctx: QueryCtx, id: Id<"comments">) {
  const c = await ctx.db.get(id);
  if (c === null) throw new ConvexError("not found");
  await assertEditor(ctx, c);
  return c;
}
// Not checked: no call, a call in a branch only, a decision answered and not read, a function that returns on a stranger.
async function loadAny(ctx: QueryCtx, id: Id<"comments">) {
  const c = await ctx.db.get(id);
  if (c === null) throw new ConvexError("not found");
  return c;
}
async function loadMaybe(ctx: QueryCtx, id: Id<"comments">, strict: boolean) {
  const c = await ctx.db.get(id);
  if (c === null) throw new ConvexError("not found");
  if (strict) await assertAuthor(ctx, c);
  return c;
}
async function loadUnread(ctx: QueryCtx, id: Id<"comments">) {
  const c = await ctx.db.get(id);
  if (c === null) throw new ConvexError("not found");
  await isAuthor(ctx, c);
  return c;
}
async function loadNoted(ctx: QueryCtx, id: Id<"comments">) {
  const c = await ctx.db.get(id);
  if (c === null) throw new ConvexError("not found");
  await noteAuthor(ctx, c);
  return c;
}

const A = { id: v.id("comments") };
export const getOwn = query({ args: A, handler: async (ctx, args) => { await guard.requireUser(ctx); return await loadOwn(ctx, args.id); } });
export const getTested = query({ args: A, handler: async (ctx, args) => { await guard.requireUser(ctx); return await loadTested(ctx, args.id); } });
export const getEditable = query({ args: A, handler: async (ctx, args) => { await guard.requireUser(ctx); return await loadEditable(ctx, args.id); } });
export const dropOwn = mutation({ args: A, handler: async (ctx, args) => { await guard.requireUser(ctx); const c = await loadOwn(ctx, args.id); await ctx.db.delete(c._id); } });
export const editOwn = mutation({ args: { ...A, text: v.string() }, handler: async (ctx, args) => { await guard.requireUser(ctx); const c = await loadOwn(ctx, args.id); await ctx.db.patch(c._id, { text: args.text }); } });

export const getAny = query({ args: A, handler: async (ctx, args) => { await guard.requireUser(ctx); return await loadAny(ctx, args.id); } });
export const getMaybe = query({ args: { ...A, strict: v.boolean() }, handler: async (ctx, args) => { await guard.requireUser(ctx); return await loadMaybe(ctx, args.id, args.strict); } });
export const getUnread = query({ args: A, handler: async (ctx, args) => { await guard.requireUser(ctx); return await loadUnread(ctx, args.id); } });
export const getNoted = query({ args: A, handler: async (ctx, args) => { await guard.requireUser(ctx); return await loadNoted(ctx, args.id); } });
export const dropNoted = mutation({ args: A, handler: async (ctx, args) => { await guard.requireUser(ctx); const c = await loadNoted(ctx, args.id); await ctx.db.delete(c._id); } });
`;

/** The lines of HELPERS' reads and changes reported (their reads are in the helpers). */
const line = (text, needle, from = 0) => text.split("\n").findIndex((l, i) => i >= from && l.includes(needle)) + 1;

test("a helper handing its owner check to a function that decides on every path checks the document; one that hands it in a branch, unread, or to a function that returns on a stranger does not", () => {
  const dir = scratchApp("handedchecks", "helpers", { "schema.ts": SCHEMA, "comments.ts": HELPERS }, GUARD);
  const r = auditReport(cli, dir);
  const read = (helper) => `convex/comments.ts:${line(HELPERS, "await ctx.db.get(id)", line(HELPERS, `async function ${helper}(`))}`;
  const dropNoted = line(HELPERS, "export const dropNoted");
  assert.deepEqual(foundRules(r, ...ID_RULES), [
    `${read("loadAny")} unchecked-id-read`,
    `${read("loadMaybe")} unchecked-id-read`,
    `${read("loadNoted")} unchecked-id-read`,
    `${read("loadUnread")} unchecked-id-read`,
    `convex/comments.ts:${dropNoted} unchecked-id-delete`,
  ].sort());
  assert.match(r.findings.find((f) => f.function === "comments:getMaybe").message, /^comments:getMaybe \(through loadMaybe\) returns data read from the document that argument 'id' names/);
});

const RESETS = `import { v, ConvexError } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";

export const afterSignIn = mutation({
  args: {},
  handler: async (ctx) => {
    const identity = await ctx.auth.getUserIdentity();
    if (identity === null) throw new ConvexError("sign in");
    await guard.rateLimit(ctx, "write", { key: identity.subject });
    await guard.resetRateLimit(ctx, "write", { key: identity.subject }); // FINDING public-no-rate-limit
  },
});

// A throw rolls the mutation back, the limit taken with it: every call that keeps anything resets.
export const afterThrow = mutation({
  args: { pin: v.string() },
  handler: async (ctx, { pin }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    if (pin !== "2468") throw new ConvexError("wrong pin");
    await guard.resetRateLimit(ctx, "write", { key: user._id }); // FINDING public-no-rate-limit
  },
});

// Skipped by a return (the attempt kept), or in a branch: not on every call.
export const afterReturn = mutation({
  args: { pin: v.string() },
  handler: async (ctx, { pin }) => {
    const identity = await ctx.auth.getUserIdentity();
    if (identity === null) throw new ConvexError("sign in");
    await guard.rateLimit(ctx, "write", { key: identity.subject });
    if (pin !== "2468") return { unlocked: false };
    await guard.resetRateLimit(ctx, "write", { key: identity.subject });
    return { unlocked: true };
  },
});
export const inBranch = mutation({
  args: { pin: v.string() },
  handler: async (ctx, { pin }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    if (pin === "2468") await guard.resetRateLimit(ctx, "write", { key: user._id });
  },
});
`;

test("a throw before a public mutation's reset of the caller's own limit (the sign-in test included) leaves it public-no-rate-limit; a return or a branch skips it", () => {
  const dir = scratchApp("handedchecks", "resets", { "schema.ts": SCHEMA, "limits.ts": RESETS }, GUARD);
  const r = auditReport(cli, dir);
  const resets = r.findings.filter((f) => f.rule === "public-no-rate-limit" && f.message.includes("resetRateLimit"));
  assert.deepEqual(resets.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), markers(`${dir}/convex`));
  assert.match(resets.find((f) => f.function === "limits:afterSignIn").message, /resets rate limit 'write' keyed by the caller's own id on every call \(guard\.resetRateLimit\): any signed-in caller clears their own limit/);
});

const FIELD = `import { v, ConvexError } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";

// The page a checked comment names, read by that field and compared with the caller: covered.
export const dropPage = mutation({
  args: { id: v.id("comments") },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    const { doc } = await guard.requireAccess(ctx, "comments", args.id, "editor");
    const page = await ctx.db.get(doc.pageId);
    if (page === null || page.ownerId !== user._id) throw new ConvexError("not yours");
    await ctx.db.delete(doc.pageId);
  },
});
export const renamePage = mutation({
  args: { id: v.id("comments"), title: v.string() },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    const { doc } = await guard.requireAccess(ctx, "comments", args.id, "editor");
    const pageId = doc.pageId;
    const page = await ctx.db.get(pageId);
    if (page?.ownerId !== user._id) throw new ConvexError("not yours");
    await ctx.db.patch(doc.pageId, { title: args.title });
  },
});

// Not covered: no comparison, one with an argument, one not deciding, one of another page.
export const dropOpen = mutation({
  args: { id: v.id("comments") },
  handler: async (ctx, args) => {
    await guard.requireUser(ctx);
    const { doc } = await guard.requireAccess(ctx, "comments", args.id, "editor");
    await ctx.db.delete(doc.pageId); // FINDING unchecked-id-delete
  },
});
export const dropClaimed = mutation({
  args: { id: v.id("comments"), owner: v.id("users") },
  handler: async (ctx, args) => {
    await guard.requireUser(ctx);
    const { doc } = await guard.requireAccess(ctx, "comments", args.id, "editor");
    const page = await ctx.db.get(doc.pageId);
    if (page === null || page.ownerId !== args.owner) throw new ConvexError("not yours");
    await ctx.db.delete(doc.pageId); // FINDING unchecked-id-delete
  },
});
export const dropLogged = mutation({
  args: { id: v.id("comments") },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    const { doc } = await guard.requireAccess(ctx, "comments", args.id, "editor");
    const page = await ctx.db.get(doc.pageId);
    console.log(page?.ownerId === user._id);
    await ctx.db.delete(doc.pageId); // FINDING unchecked-id-delete
  },
});
export const dropOther = mutation({
  args: { id: v.id("comments"), pageId: v.id("pages") },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    const { doc } = await guard.requireAccess(ctx, "comments", args.id, "editor");
    await guard.requireAccess(ctx, "pages", args.pageId, "viewer");
    const page = await ctx.db.get(args.pageId);
    if (page === null || page.ownerId !== user._id) throw new ConvexError("not yours");
    await ctx.db.delete(doc.pageId); // FINDING unchecked-id-delete
  },
});
`;

test("a change by a checked document's field is covered once the document it names, read by that field, is compared with the caller deciding; not by a comparison with an argument, a logged one, or another page's", () => {
  const dir = scratchApp("handedchecks", "field", { "schema.ts": SCHEMA, "pages.ts": FIELD }, GUARD);
  const r = auditReport(cli, dir);
  assert.deepEqual(foundRules(r, ...ID_RULES), markers(`${dir}/convex`));
  assert.match(r.findings.find((f) => f.function === "pages:dropOpen" && f.rule === "unchecked-id-delete").message, /deletes the 'pages' document whose id is the field 'pageId' of a document checked by guard\.requireAccess\("comments"\)/);
});
