// Deletes of the guard's grant and membership rows (`accessGrants`, `accessGroupMembers`) take
// access away. docs/access.md: "Deleting a group" has the app page through a deleted group's rows in an
// internal mutation, scheduling the next page: that clean-up is not `destructive-unconfirmed`.
// The same deletes in a public mutation still are (a caller could strip a group's access), and
// a delete by an unchecked argument's id, or of the rows an unchecked argument selects (any
// group's grants), is `unchecked-id-delete`; the group's own row and the
// other guard tables' rows are judged as before. Small apps written at test time, run the way a
// user runs the audit: the bin of the packed tarball (AUDIT_CLI names another, to show a test
// fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ANY_API, auditReport, foundRules, markers, scratchApp, WIRING } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const ORGS = `import { v } from "convex/values";
import { internalMutation, mutation, type MutationCtx } from "./_generated/server";
import type { Id } from "./_generated/dataModel";
import { internal } from "./_generated/api";
import { guard } from "./guard";

// docs/access.md: "Deleting a group": a bounded page per run, scheduling the next.
export const cleanup = internalMutation({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    const grants = await ctx.db.query("accessGrants").withIndex("by_group", (q) => q.eq("groupId", orgId)).take(50);
    for (const g of grants) await ctx.db.delete(g._id);
    const members = await ctx.db
      .query("accessGroupMembers")
      .withIndex("by_group_and_user", (q) => q.eq("groupId", orgId))
      .take(50);
    for (const m of members) await ctx.db.delete(m._id);
    if (grants.length === 50 || members.length === 50) await ctx.scheduler.runAfter(0, internal.orgs.cleanup, { orgId });
  },
});

async function dropMembers(ctx: MutationCtx, orgId: Id<"accessGroups">) {
  for (const m of await ctx.db.query("accessGroupMembers").withIndex("by_group_and_user", (q) => q.eq("groupId", orgId)).take(50)) {
    await ctx.db.delete(m._id);
  }
}

export const cleanupByHelper = internalMutation({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => dropMembers(ctx, orgId),
});

export const dropGroupRow = internalMutation({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    await ctx.db.delete(orgId); // FINDING destructive-unconfirmed
  },
});

export const dropLimits = internalMutation({
  args: {},
  handler: async (ctx) => {
    for (const r of await ctx.db.query("guardRateLimits").take(50)) await ctx.db.delete(r._id); // FINDING destructive-unconfirmed, guard-table-write
  },
});

export const publicCleanup = mutation({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: "global" });
    const grants = await ctx.db.query("accessGrants").withIndex("by_group", (q) => q.eq("groupId", orgId)).take(50);
    for (const g of grants) await ctx.db.delete(g._id); // FINDING destructive-unconfirmed, unchecked-id-delete
  },
});

export const publicGrantDelete = mutation({
  args: { grantId: v.id("accessGrants") },
  handler: async (ctx, { grantId }) => {
    await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: "global" });
    await ctx.db.delete(grantId); // FINDING destructive-unconfirmed, unchecked-id-delete
  },
});
`;

test("an internal mutation removing a deleted group's grants and memberships (docs/access.md: Deleting a group) is no destructive-unconfirmed; a public one still is", () => {
  const app = scratchApp("accessrows", "cleanup", { ...WIRING, ...ANY_API, "orgs.ts": ORGS });
  const r = auditReport(cli, app);
  assert.deepEqual(foundRules(r, "destructive-unconfirmed", "guard-table-write", "unchecked-id-delete"), markers(`${app}/convex`));
  const fns = Object.fromEntries(r.functions.map((f) => [f.function, f]));
  assert.deepEqual([fns["orgs:cleanup"].visibility, fns["orgs:cleanupByHelper"].visibility], ["internal", "internal"]);
});
