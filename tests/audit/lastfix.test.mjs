// The last review of the seventh round (attack11): a batch read filtered in the `return` to the
// caller's own rows (`notes.filter((n) => n !== null && n.ownerId === user._id)`) was a false
// `unchecked-id-read`, while a filter by the client's word or by nothing must stay reported; and
// a field set on a checked document by `Object.assign(doc, { folderId })` before
// `ctx.db.replace(doc._id, doc)` was not an `access-field-write`, while `doc.folderId = to` was.
// Run the way a user runs it: the bin of the packed tarball (AUDIT_CLI names another, to show a
// test fails on an older build).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { test } from "node:test";
import { auditReport, markers, scratchApp, ANY_API as API, FOLDERS_GUARD, FOLDERS_SCHEMA, foundRules as found, ID_RULES } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const RULES = ID_RULES;

const HEAD = `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";
`;

test("a filter or find keeping only the rows whose field is the caller's own id checks what it returns", () => {
  const dir = scratchApp("lastfix", "filter", {
    ...API,
    "batch.ts": `${HEAD}
export const mine = query({
  args: { ids: v.array(v.id("posts")) },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    const posts = await Promise.all(args.ids.map((id) => ctx.db.get(id)));
    return posts.filter((p) => p !== null && p.ownerId === user._id);
  },
});

export const mineBlock = query({
  args: { ids: v.array(v.id("posts")) },
  handler: async (ctx, args) => {
    const { _id: me } = await guard.requireUser(ctx);
    const posts = await Promise.all(args.ids.map((id) => ctx.db.get(id)));
    return posts.find((p) => {
      return p?.ownerId === me && p !== null;
    });
  },
});

export const anyone = query({
  args: { ids: v.array(v.id("posts")) },
  handler: async (ctx, args) => {
    await guard.requireUser(ctx);
    const posts = await Promise.all(args.ids.map((id) => ctx.db.get(id))); // FINDING unchecked-id-read
    return posts.filter((p) => p !== null);
  },
});

export const clientsWord = query({
  args: { ids: v.array(v.id("posts")), owner: v.id("users") },
  handler: async (ctx, args) => {
    await guard.requireUser(ctx);
    const posts = await Promise.all(args.ids.map((id) => ctx.db.get(id))); // FINDING unchecked-id-read
    return posts.filter((p) => p !== null && p.ownerId === args.owner);
  },
});

export const keepsOthers = query({
  args: { ids: v.array(v.id("posts")) },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    const posts = await Promise.all(args.ids.map((id) => ctx.db.get(id))); // FINDING unchecked-id-read
    return posts.filter((p) => p !== null && (p.ownerId === user._id || p.visibility !== "private"));
  },
});

export const notMine = query({
  args: { ids: v.array(v.id("posts")) },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    const posts = await Promise.all(args.ids.map((id) => ctx.db.get(id))); // FINDING unchecked-id-read
    return posts.filter((p) => p !== null && p.ownerId !== user._id);
  },
});

export const filteredElsewhere = query({
  args: { ids: v.array(v.id("posts")) },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    const posts = await Promise.all(args.ids.map((id) => ctx.db.get(id))); // FINDING unchecked-id-read
    const count = posts.filter((p) => p !== null && p.ownerId === user._id).length;
    return { count, posts };
  },
});
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, ...RULES), markers(`${dir}/convex`));
  assert.equal(found(r, ...RULES).length, 5);
});

test("Object.assign on a checked document before its replace writes the fields it assigns, as an assignment does", () => {
  const dir = scratchApp(
    "lastfix",
    "assign",
    {
      ...API,
      "move.ts": `${HEAD}
export const moveAssign = mutation({
  args: { id: v.id("documents"), to: v.id("folders") },
  handler: async (ctx, { id, to }) => {
    const { doc } = await guard.requireAccess(ctx, "documents", id, "editor");
    Object.assign(doc, { folderId: to });
    await ctx.db.replace(doc._id, doc); // FINDING access-field-write
  },
});

export const moveSet = mutation({
  args: { id: v.id("documents"), to: v.id("folders") },
  handler: async (ctx, { id, to }) => {
    const { doc } = await guard.requireAccess(ctx, "documents", id, "editor");
    doc.folderId = to;
    await ctx.db.replace(doc._id, doc); // FINDING access-field-write
  },
});

export const retitle = mutation({
  args: { id: v.id("documents"), title: v.string() },
  handler: async (ctx, { id, title }) => {
    const { doc } = await guard.requireAccess(ctx, "documents", id, "editor");
    Object.assign(doc, { title });
    await ctx.db.replace(doc._id, doc);
  },
});
`,
    },
    FOLDERS_GUARD,
  );
  writeFileSync(`${dir}/convex/schema.ts`, FOLDERS_SCHEMA);
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "access-field-write"), markers(`${dir}/convex`));
});
