// Two outside reviews of the audit (their ninth): a parent field inserted from `doc._id` of a
// check below the level a move needs, not taken for the argument it was checked for (an
// `access-field-write` not seen); a rate limit's options spread from the client, whose `throws:
// false` leaves the limit quiet (a `public-no-rate-limit` not seen); a computed key built by a
// concatenation (`"owner" + "Id"`), not read (an `access-field-write` not seen). Run the way a user
// runs it: the bin of the packed tarball (AUDIT_CLI names another, to show a test fails on an
// older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, foundRules as found, FOLDERS_GUARD, FOLDERS_SCHEMA } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const report = (appRoot, flags) => auditReport(cli, appRoot, flags);

/** An app with docs/access.md's folders and documents (apps.mjs). */
const app = (name, files) => scratchApp("fieldlimits", name, { "schema.ts": FOLDERS_SCHEMA, ...files }, FOLDERS_GUARD);

const HEAD = `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
`;

test("a parent inserted from doc._id of a check below the share level is the argument checked: reported as the argument is; at 'owner', or inserted without it then moved, it is not", () => {
  const dir = app("parent-from-doc", {
    "files.ts": `${HEAD}
export const fileIntoViewed = mutation({
  args: { folderId: v.string(), title: v.string() },
  handler: async (ctx, { folderId, title }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const { doc } = await guard.requireAccess(ctx, "folders", folderId, "viewer");
    return await ctx.db.insert("documents", { title, ownerId: user._id, visibility: "private", folderId: doc._id }); // FINDING access-field-write
  },
});

export const fileIntoReadable = mutation({
  args: { folderId: v.string(), title: v.string() },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const r = await guard.readable(ctx, "folders", args.folderId, "commenter");
    if (r === null) throw new Error("not found");
    return await ctx.db.insert("documents", { title: args.title, ownerId: user._id, visibility: "private", folderId: r.doc._id }); // FINDING access-field-write
  },
});

export const fileByBuilder = guard.mutation(mutation, {
  args: { folderId: v.string(), title: v.string() },
  access: { table: "folders", arg: "folderId", level: "commenter" },
  rateLimit: { name: "write" },
  handler: async (ctx, { title }) =>
    ctx.db.insert("documents", { title, ownerId: ctx.user._id, visibility: "private", folderId: ctx.doc._id }), // FINDING access-field-write
});

export const fileIntoOwned = mutation({
  args: { folderId: v.string(), title: v.string() },
  handler: async (ctx, { folderId, title }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const { doc } = await guard.requireAccess(ctx, "folders", folderId, "owner");
    return await ctx.db.insert("documents", { title, ownerId: user._id, visibility: "private", folderId: doc._id });
  },
});

export const fileByOwnerBuilder = guard.mutation(mutation, {
  args: { folderId: v.string(), title: v.string() },
  access: { table: "folders", arg: "folderId", level: "owner" },
  rateLimit: { name: "write" },
  handler: async (ctx, { title }) =>
    ctx.db.insert("documents", { title, ownerId: ctx.user._id, visibility: "private", folderId: ctx.doc._id }),
});

export const viewedThenOwned = mutation({
  args: { folderId: v.string(), title: v.string() },
  handler: async (ctx, { folderId, title }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const { doc } = await guard.requireAccess(ctx, "folders", folderId, "viewer");
    await guard.requireAccess(ctx, "folders", folderId, "owner");
    return await ctx.db.insert("documents", { title, ownerId: user._id, visibility: "private", folderId: doc._id });
  },
});

// docs/access.md's way: inserted without a parent, then moved.
export const createInFolder = mutation({
  args: { title: v.string(), folderId: v.string() },
  handler: async (ctx, { title, folderId }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const id = await ctx.db.insert("documents", { title, ownerId: user._id, visibility: "private" });
    await guard.moveDocument(ctx, "documents", id, folderId);
    return id;
  },
});
`,
  });
  const r = report(dir);
  assert.deepEqual(found(r, "access-field-write"), markers(`${dir}/convex`));
  const messages = r.findings.filter((f) => f.rule === "access-field-write").map((f) => `${f.severity} ${f.message}`);
  assert.match(messages[0], /^high files:fileIntoViewed inserts the parent field 'folderId' of table 'documents' from argument 'folderId' \(the _id of the document its check at 'viewer' answered\), around guard\.insertDocument/);
  assert.match(messages.join("\n"), /files:fileByBuilder inserts the parent field 'folderId' of table 'documents' from argument 'folderId' \(the _id of the document its check at 'commenter' answered\)/);
});

test("a rate limit's options spread from what the client sends may hold throws: false, and count as no limit unless its answer is left on; a local object spread is read", () => {
  const dir = app("options-spread", {
    "limits.ts": `${HEAD}
export const spreadArg = mutation({ // FINDING public-no-rate-limit
  args: { title: v.string(), opts: v.object({ throws: v.optional(v.boolean()) }) },
  handler: async (ctx, { title, opts }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id, ...opts });
    return await ctx.db.insert("folders", { name: title, ownerId: user._id, visibility: "private" });
  },
});

export const optionsArg = mutation({ // FINDING public-no-rate-limit
  args: { title: v.string(), opts: v.object({ key: v.literal("k"), throws: v.optional(v.boolean()) }) },
  handler: async (ctx, { title, opts }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", opts);
    return await ctx.db.insert("folders", { name: title, ownerId: user._id, visibility: "private" });
  },
});

export const spreadAll = mutation({ // FINDING public-no-rate-limit
  args: { title: v.string(), opts: v.object({ throws: v.optional(v.boolean()) }) },
  handler: async (ctx, { title, opts }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimitAll(ctx, [{ name: "write", key: user._id }], { ...opts });
    return await ctx.db.insert("folders", { name: title, ownerId: user._id, visibility: "private" });
  },
});

export const spreadLocalQuiet = mutation({ // FINDING public-no-rate-limit
  args: { title: v.string() },
  handler: async (ctx, { title }) => {
    const user = await guard.requireUser(ctx);
    const quiet = { throws: false as const };
    await guard.rateLimit(ctx, "write", { key: user._id, ...quiet });
    return await ctx.db.insert("folders", { name: title, ownerId: user._id, visibility: "private" });
  },
});

export const spreadKey = mutation({ // FINDING public-no-rate-limit
  args: { title: v.string(), opts: v.object({ key: v.optional(v.string()) }) },
  handler: async (ctx, { title, opts }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id, ...opts });
    return await ctx.db.insert("folders", { name: title, ownerId: user._id, visibility: "private" });
  },
});

// Controls: a spread read (a local object), one whose type holds neither key, one \`throws: true\` replaces, one whose answer is left on.
export const spreadLocal = mutation({
  args: { title: v.string() },
  handler: async (ctx, { title }) => {
    const user = await guard.requireUser(ctx);
    const base = { key: user._id };
    if (!(await guard.rateLimit(ctx, "write", { ...base }))) throw new Error("unreachable: it throws");
    return await ctx.db.insert("folders", { name: title, ownerId: user._id, visibility: "private" });
  },
});

export const spreadOther = mutation({
  args: { title: v.string(), opts: v.object({ count: v.optional(v.number()) }) },
  handler: async (ctx, { title, opts }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id, ...opts });
    return await ctx.db.insert("folders", { name: title, ownerId: user._id, visibility: "private" });
  },
});

export const spreadThenThrows = mutation({
  args: { title: v.string(), opts: v.object({ throws: v.optional(v.boolean()) }) },
  handler: async (ctx, { title, opts }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id, ...opts, throws: true });
    return await ctx.db.insert("folders", { name: title, ownerId: user._id, visibility: "private" });
  },
});

export const spreadLeftOn = mutation({
  args: { title: v.string(), opts: v.object({ throws: v.optional(v.boolean()) }) },
  handler: async (ctx, { title, opts }) => {
    const user = await guard.requireUser(ctx);
    const r = await guard.rateLimit(ctx, "write", { key: user._id, ...opts });
    if (!r.ok) throw new Error("slow down");
    return await ctx.db.insert("folders", { name: title, ownerId: user._id, visibility: "private" });
  },
});
`,
  });
  const r = report(dir);
  assert.deepEqual(found(r, "public-no-rate-limit", "decision-tested-as-boolean"), markers(`${dir}/convex`));
  const message = (fn) => r.findings.find((f) => f.function === `limits:${fn}`).message;
  assert.match(message("spreadArg"), /rate limit 'write' \(convex\/limits\.ts:\d+\), whose denial \(throws from \.\.\.opts, which may hold it\) it does not leave on/);
  assert.match(message("optionsArg"), /whose denial \(throws from options opts, which may hold it\)/);
  assert.match(message("spreadLocalQuiet"), /whose denial \(throws: false\)/);
  assert.match(message("spreadKey"), /keyed by argument 'opts'/);
});

test("a computed key made by a concatenation or a template of constants is read; one the audit cannot read, into a table under access or a users row, may be any field (one step lower)", () => {
  const EDITOR = `    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const r = await guard.requireAccess(ctx, "documents", args.id, "editor");`;
  const dir = app("computed-keys", {
    "keys.ts": `${HEAD}
const PREFIX = "folder";

export const concatenated = mutation({
  args: { id: v.id("documents") },
  handler: async (ctx, args) => {
${EDITOR}
    const field = "owner" + "Id";
    await ctx.db.patch(r.doc._id, { [field]: user._id }); // FINDING access-field-write
  },
});

export const templated = mutation({
  args: { id: v.id("documents"), folderId: v.id("folders") },
  handler: async (ctx, args) => {
${EDITOR}
    await ctx.db.patch(r.doc._id, { [\`\${PREFIX}Id\`]: args.folderId }); // FINDING access-field-write
  },
});

export const clientKey = mutation({
  args: { id: v.id("documents"), field: v.string(), value: v.string() },
  handler: async (ctx, args) => {
${EDITOR}
    await ctx.db.patch(r.doc._id, { [args.field]: args.value }); // FINDING access-field-write
  },
});

export const profileField = mutation({
  args: { field: v.string(), value: v.string() },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.db.patch(user._id, { [args.field]: args.value }); // FINDING unchecked-role-write
  },
});

// Controls: keys that name other fields (a concatenation, a union of literals).
export const profileName = mutation({
  args: { field: v.literal("name"), value: v.string() },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.db.patch(user._id, { [args.field]: args.value });
  },
});

export const otherConcatenated = mutation({
  args: { id: v.id("documents"), title: v.string() },
  handler: async (ctx, args) => {
${EDITOR}
    await ctx.db.patch(r.doc._id, { ["ti" + "tle"]: args.title });
  },
});

export const literalKeys = mutation({
  args: { id: v.id("documents"), field: v.union(v.literal("title"), v.literal("visibility")), value: v.string() },
  handler: async (ctx, args) => {
${EDITOR}
    await ctx.db.patch(r.doc._id, { [args.field]: args.value });
  },
});
`,
  });
  const r = report(dir);
  assert.deepEqual(found(r, "access-field-write", "unchecked-role-write"), markers(`${dir}/convex`));
  assert.match(r.findings.find((f) => f.rule === "unchecked-role-write").message, /a computed key the audit cannot read, \[args\.field\]/);
  const messages = r.findings.filter((f) => f.rule === "access-field-write").map((f) => `${f.severity} ${f.message}`);
  assert.deepEqual(messages, [
    "high keys:concatenated patches the owner field 'ownerId' of table 'documents', around guard.transferOwnership: writing it transfers the document",
    "high keys:templated patches the parent field 'folderId' of table 'documents' from argument 'folderId', around guard.moveDocument: writing it files the document under another parent, whose owners then hold their level on it (the owner level for its owner)",
    "medium keys:clientKey patches a row of table 'documents' with a value of unknown shape from argument 'field' (a computed key the audit cannot read, [args.field]): it may hold 'ownerId' or 'folderId', the fields that carry access, around guard.transferOwnership and guard.moveDocument",
  ]);
});
