// A new user's review of the audit (its eighth): a team page that checks the caller's level on
// the team's group (`guard.requireGroupLevel(ctx, teamId, "viewer")`), then reads that group by
// the same id to show its name, got two false highs (`guard-table-read`, `unchecked-id-read`);
// and the same page with no check at all, its name copied into a const first
// (`const name = team?.name ?? ""`), got none. Run the way a user runs it: the bin of the packed
// tarball (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, foundRules as found, NOTES_GUARD } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const GUARD = NOTES_GUARD;

test("a group read by the id requireGroupLevel checked is the caller's to read; unchecked, a value copied from it into a const is still returned", () => {
  const dir = scratchApp("derived", "teams", {
    "teams.ts": `import { v } from "convex/values";
import { query } from "./_generated/server";
import { guard } from "./guard";

export const teamPage = query({
  args: { teamId: v.id("accessGroups") },
  handler: async (ctx, { teamId }) => {
    const myLevel = await guard.requireGroupLevel(ctx, teamId, "viewer");
    const team = await ctx.db.get(teamId);
    return { name: team?.name, myLevel };
  },
});

export const teamPageNamed = query({
  args: { teamId: v.id("accessGroups") },
  handler: async (ctx, { teamId }) => {
    await guard.requireGroupLevel(ctx, teamId, "viewer");
    const team = await ctx.db.get(teamId);
    const name = team?.name ?? "";
    return { name };
  },
});

export const teamPageCopied = query({
  args: { teamId: v.id("accessGroups") },
  handler: async (ctx, { teamId }) => {
    await guard.requireUser(ctx);
    const team = await ctx.db.get(teamId); // FINDING guard-table-read, unchecked-id-read
    const name = team?.name ?? "";
    return { name };
  },
});

export const otherGroupRead = query({
  args: { teamId: v.id("accessGroups"), otherId: v.id("accessGroups") },
  handler: async (ctx, { teamId, otherId }) => {
    await guard.requireGroupLevel(ctx, teamId, "viewer");
    const other = await ctx.db.get(otherId); // FINDING guard-table-read, unchecked-id-read
    return other?.name;
  },
});
`,
  }, GUARD);
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "guard-table-read", "unchecked-id-read"), markers(`${dir}/convex`));
});

test("a document's field copied into a const and returned is the document returned; a test of it, or after an ownership check, is not", () => {
  const dir = scratchApp("derived", "notes", {
    "notes.ts": `import { v } from "convex/values";
import { query } from "./_generated/server";
import { guard } from "./guard";

export const titleOf = query({
  args: { id: v.id("notes") },
  handler: async (ctx, args) => {
    await guard.requireUser(ctx);
    const note = await ctx.db.get(args.id); // FINDING unchecked-id-read
    const { title } = note!;
    return title;
  },
});

export const summaryOf = query({
  args: { id: v.id("notes") },
  handler: async (ctx, args) => {
    await guard.requireUser(ctx);
    const note = await ctx.db.get(args.id); // FINDING unchecked-id-read
    const summary = note && \`\${note.title}: \${note.body}\`;
    return { summary };
  },
});

export const exists = query({
  args: { id: v.id("notes") },
  handler: async (ctx, args) => {
    await guard.requireUser(ctx);
    const note = await ctx.db.get(args.id);
    const found = note !== null;
    return found;
  },
});

export const ownTitle = query({
  args: { id: v.id("notes") },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    const note = await ctx.db.get(args.id);
    if (note === null || note.ownerId !== user._id) return null;
    const title = note.title;
    return title;
  },
});
`,
  }, GUARD);
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-id-read"), markers(`${dir}/convex`));
});
