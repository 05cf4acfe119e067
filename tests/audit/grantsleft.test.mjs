// A new user's review of the audit: a document of a table under access.tables deleted with
// ctx.db.delete (after the builder's owner-level access, or requireAccess at "owner") keeps its
// grants, which listAccessible keeps reading (empty pages with isDone: false); the audit said
// nothing, the same output as for guard.deleteDocument, which removes them. Run the way a user
// runs it: the bin of the packed tarball (AUDIT_CLI names another, to show a test fails on an
// older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, NOTES_GUARD } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const GUARD = NOTES_GUARD;

const found = (r, ...rules) => r.findings.filter((f) => rules.includes(f.rule)).map((f) => `${f.file}:${f.line} ${f.rule}`).sort();

const SCHEMA = `import { accessTables, auditTable, confirmationsTable, rateLimitTables } from "convex-guard";
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  ...accessTables,
  ...rateLimitTables,
  guardAudit: auditTable,
  guardConfirmations: confirmationsTable,
  users: defineTable({ tokenIdentifier: v.string(), name: v.string(), role: v.optional(v.string()) }).index("by_tokenIdentifier", ["tokenIdentifier"]),
  notes: defineTable({ ownerId: v.id("users"), body: v.string() }).index("by_owner", ["ownerId"]),
  drafts: defineTable({ userId: v.id("users"), body: v.string() }),
});
`;

test("a delete of an access table's document with ctx.db.delete is grants-left, in any function; guard.deleteDocument, another table, a revoke first, an unknown table are not", () => {
  const dir = scratchApp("grantsleft", "notes", {
    "schema.ts": SCHEMA,
    "notes.ts": `import { v } from "convex/values";
import { internalMutation, mutation } from "./_generated/server";
import { guard } from "./guard";

export const removeByBuilder = guard.mutation(mutation, {
  args: { id: v.string() },
  access: { table: "notes", arg: "id", level: "owner" },
  handler: async (ctx) => {
    await guard.audit.log(ctx, { action: "notes.remove", actorId: ctx.user._id });
    await ctx.db.delete(ctx.doc._id); // FINDING grants-left
  },
});

export const removeChecked = mutation({
  args: { id: v.id("notes") },
  handler: async (ctx, { id }) => {
    await guard.requireAccess(ctx, "notes", id, "owner");
    await ctx.db.delete(id); // FINDING grants-left
  },
});

export const removeCheckedDoc = mutation({
  args: { id: v.string() },
  handler: async (ctx, { id }) => {
    const { doc } = await guard.requireAccess(ctx, "notes", id, "owner");
    await ctx.db.delete(doc._id); // FINDING grants-left
  },
});

export const purgeNote = internalMutation({
  args: { id: v.id("notes") },
  handler: async (ctx, { id }) => {
    await ctx.db.delete(id); // FINDING grants-left
  },
});

export const purgeOld = internalMutation({
  args: {},
  handler: async (ctx) => {
    for (const n of await ctx.db.query("notes").take(100)) await ctx.db.delete(n._id); // FINDING grants-left
  },
});

export const removeWithGuard = mutation({
  args: { id: v.id("notes") },
  handler: async (ctx, { id }) => {
    await guard.deleteDocument(ctx, "notes", id);
  },
});

export const removeDraft = mutation({
  args: { id: v.id("drafts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    const draft = await ctx.db.get(id);
    if (draft === null || draft.userId !== user._id) throw new Error("not yours");
    await ctx.db.delete(id);
  },
});

const NOTES = "notes";

export const removeRevoked = mutation({
  args: { id: v.id("notes"), paginationOpts: v.object({ numItems: v.number(), cursor: v.union(v.string(), v.null()) }) },
  handler: async (ctx, { id, paginationOpts }) => {
    await guard.requireAccess(ctx, NOTES, id, "owner");
    const { page } = await guard.listGrants(ctx, NOTES, id, { paginationOpts });
    for (const g of page) await guard.revoke(ctx, NOTES, id, g.userId !== undefined ? { userId: g.userId } : { groupId: g.groupId! });
    await ctx.db.delete(id);
  },
});

export const removeUnknown = internalMutation({
  args: { id: v.string() },
  handler: async (ctx, { id }) => {
    await ctx.db.delete(id as never);
  },
});
`,
  }, GUARD);
  const r = auditReport(cli, dir, ["--fail-on", "low"]);
  assert.deepEqual(found(r, "grants-left"), markers(`${dir}/convex`));
  const one = r.findings.find((f) => f.rule === "grants-left");
  assert.equal(one?.severity, "low");
  assert.match(one.message, /deletes a document of table 'notes' \(under access\.tables\) with ctx\.db\.delete: its grants stay/);
  // deleteDocument where the caller owns the document; a parent's owner (a moderator) revokes first (newuser12).
  assert.match(one.fix, /^Delete it with guard\.deleteDocument\(ctx, table, id\), which removes its grants in the same mutation, where the caller is its own owner\./);
  assert.match(one.fix, /revoke the document's grants first \(guard\.listGrants, then guard\.revoke each\), then ctx\.db\.delete/);
});

test("a delete in a helper is reported at the delete, in the function calling it (an internal one)", () => {
  const dir = scratchApp("grantsleft", "helper", {
    "schema.ts": SCHEMA,
    "lib.ts": `import type { Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
export async function dropNote(ctx: MutationCtx, id: Id<"notes">) {
  await ctx.db.delete(id); // FINDING grants-left
}
`,
    "notes.ts": `import { v } from "convex/values";
import { internalMutation } from "./_generated/server";
import { dropNote } from "./lib";

export const cleanup = internalMutation({
  args: { id: v.id("notes") },
  handler: async (ctx, { id }) => {
    await dropNote(ctx, id);
  },
});
`,
  }, GUARD);
  const r = auditReport(cli, dir, ["--fail-on", "low"]);
  assert.deepEqual(found(r, "grants-left"), markers(`${dir}/convex`));
  assert.equal(r.findings.find((f) => f.rule === "grants-left")?.function, "notes:cleanup");
});

test("an operator's delete of other users' documents after deleting their grant rows by hand (newuser16 M1) is no grants-left; grant rows of no read, or rows of another table, are", () => {
  const dir = scratchApp("grantsleft", "byhand", {
    "schema.ts": SCHEMA,
    "team.ts": `import { v } from "convex/values";
import type { Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { internalMutation } from "./_generated/server";

export const deleteTeamNotes = internalMutation({
  args: { owners: v.array(v.id("users")) },
  handler: async (ctx, { owners }) => {
    for (const owner of owners) {
      for (const note of await ctx.db.query("notes").withIndex("by_owner", (q) => q.eq("ownerId", owner)).take(100)) {
        const grants = await ctx.db.query("accessGrants").withIndex("by_doc_and_user", (q) => q.eq("doc", note._id)).collect();
        for (const g of grants) await ctx.db.delete(g._id);
        await ctx.db.delete(note._id);
      }
    }
  },
});

async function dropGrants(ctx: MutationCtx, doc: string) {
  for await (const g of ctx.db.query("accessGrants").withIndex("by_doc_and_user", (q) => q.eq("doc", doc))) await ctx.db.delete(g._id);
}

export const deleteNoteByHelper = internalMutation({
  args: { id: v.id("notes") },
  handler: async (ctx, { id }) => {
    await dropGrants(ctx, id);
    await ctx.db.delete(id);
  },
});

export const deleteNoteKeepsGrants = internalMutation({
  args: { id: v.id("notes") },
  handler: async (ctx, { id }) => {
    const grants = await ctx.db.query("accessGrants").withIndex("by_doc_and_user", (q) => q.eq("doc", id)).collect();
    console.log(grants.length);
    await ctx.db.delete(id); // FINDING grants-left
  },
});

export const deleteNoteAndDrafts = internalMutation({
  args: { id: v.id("notes"), owner: v.id("users") },
  handler: async (ctx, { id, owner }) => {
    for (const d of await ctx.db.query("drafts").filter((q) => q.eq(q.field("userId"), owner)).collect()) await ctx.db.delete(d._id);
    await ctx.db.delete(id); // FINDING grants-left
  },
});

export const deleteNoteAndOneGrant = internalMutation({
  args: { id: v.id("notes"), grant: v.id("accessGrants") },
  handler: async (ctx, { id, grant }) => {
    await ctx.db.delete(grant);
    await ctx.db.delete(id as Id<"notes">); // FINDING grants-left
  },
});
`,
  }, GUARD);
  const r = auditReport(cli, dir, ["--fail-on", "low"]);
  assert.deepEqual(found(r, "grants-left"), markers(`${dir}/convex`));
  // The fix names the way for an operator who holds no level on the document.
  const one = r.findings.find((f) => f.rule === "grants-left");
  assert.match(one.fix, /An operator who holds no level on it .* deletes its grant rows in the same mutation, read through the grants table's index \(ctx\.db\.query\("accessGrants"\)\.withIndex\("by_doc_and_user", \(q\) => q\.eq\("doc", id\)\), then ctx\.db\.delete of each row's _id\), then the document\./);
});

test("a revoke made on every path to the delete counts, after an early return on a failed confirmation too (newuser24 item 7); one in a branch the delete does not take is none", () => {
  const REVOKE = `      const { page } = await guard.listGrants(ctx, "notes", n._id, { paginationOpts: { numItems: 100, cursor: null } });
      for (const g of page) await guard.revoke(ctx, "notes", n._id, g.userId !== undefined ? { userId: g.userId } : { groupId: g.groupId! });`;
  const dir = scratchApp("grantsleft", "paths", {
    "schema.ts": SCHEMA,
    "notes.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";

export const purge = mutation({
  args: { code: v.string() },
  handler: async (ctx, { code }) => {
    const user = await guard.requireUser(ctx);
    const result = await guard.consumeConfirmation(ctx, { actor: user._id, action: "purge", target: user._id, code });
    if (!result.ok) return { error: result.error };
    const rows = await ctx.db.query("notes").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).take(100);
    for (const n of rows) {
      if (n.body === "") continue;
${REVOKE}
      await ctx.db.delete(n._id);
    }
    return { purged: rows.length };
  },
});

export const purgeSome = mutation({
  args: { code: v.string(), revoke: v.boolean() },
  handler: async (ctx, { code, revoke }) => {
    const user = await guard.requireUser(ctx);
    const result = await guard.consumeConfirmation(ctx, { actor: user._id, action: "purge", target: user._id, code });
    if (!result.ok) return { error: result.error };
    const rows = await ctx.db.query("notes").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).take(100);
    for (const n of rows) {
      if (revoke) {
${REVOKE}
      }
      await ctx.db.delete(n._id); // FINDING grants-left
    }
    return { purged: rows.length };
  },
});
`,
  }, GUARD);
  const r = auditReport(cli, dir, ["--fail-on", "low"]);
  assert.deepEqual(found(r, "grants-left"), markers(`${dir}/convex`));
});
