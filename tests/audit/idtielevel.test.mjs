// A row found by an `_id` filter ANDed with a field equal to a checked value (`q.eq(q.field("postId"),
// args.postId)` after `guard.requireAccess(ctx, "posts", args.postId, ...)`) is tied to that check
// (twenty-second round). For a delete or a write the tie counts only when the check covers a
// change, as a change of the checked document itself is judged (levels.ts): one at the lowest (or
// public) level, a readable at any level, a group check below the owner level shows the caller may
// see the parent, not change its rows (attack50 F2). And a job's
// `groupLevelFor` of the relayed caller checks the group its third argument names, not every
// document the client sends (attack50 F6). Run the way a user runs it: the bin of the packed
// tarball (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { readFileSync } from "node:fs";
import { auditReport, pitfalls, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const HEAD = `import { v } from "convex/values";
import { internalMutation, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";
`;

const SCHEMA = readFileSync(`${pitfalls}/schema.ts`, "utf8").replace(
  /\}\);\s*$/,
  '  comments: defineTable({ postId: v.id("posts"), body: v.string() }).index("by_post", ["postId"]),\n  workspaces: defineTable({ groupId: v.string(), name: v.string() }),\n});\n',
);

/** A public mutation `name` with `args`, signed in and rate limited, then `body`. */
const fn = (name, args, body) => `
export const ${name} = mutation({
  args: ${args},
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
${body}
  },
});
`;
const COMMENT = '{ postId: v.id("posts"), id: v.id("comments") }';
const WORKSPACE = '{ groupId: v.string(), id: v.id("workspaces") }';
/** The comment `args.id` names, found by an `_id` filter ANDed with its post equal to `post`. */
const TIED = (post) => `    const c = await ctx.db.query("comments").filter((q) => q.and(q.eq(q.field("_id"), args.id), q.eq(q.field("postId"), ${post}))).unique();\n    if (c === null) throw new Error("not found");\n`;
const WS = '    const w = await ctx.db.query("workspaces").filter((q) => q.and(q.eq(q.field("_id"), args.id), q.eq(q.field("groupId"), args.groupId))).unique();\n    if (!w) throw new Error("not found");\n';

/** `rule function severity` of a report's id findings. */
const ids = (r) => r.findings.filter((f) => f.rule.startsWith("unchecked-id-")).map((f) => `${f.rule} ${f.function} ${f.severity}`).sort();

test("a row tied by an _id filter to a check at the lowest level (a viewer check, a readable at any level, a JS find over a viewer-checked parent's rows, a group check at viewer) is the argument's row for a delete or write (attack50 F2)", () => {
  const r = auditReport(
    cli,
    scratchApp("idtielevel", "weak", {
      "schema.ts": SCHEMA,
      "d.ts":
        HEAD +
        fn("viewerDelete", COMMENT, `    await guard.requireAccess(ctx, "posts", args.postId, "viewer");\n${TIED("args.postId")}    await ctx.db.delete(c._id);`) +
        fn("readablePatch", COMMENT, `    const r = await guard.readable(ctx, "posts", args.postId);\n    if (r === null) throw new Error("no");\n${TIED("r.doc._id")}    await ctx.db.patch(c._id, { body: "" });`) +
        fn("findPatch", COMMENT, '    await guard.requireAccess(ctx, "posts", args.postId, "viewer");\n    const rows = await ctx.db.query("comments").withIndex("by_post", (q) => q.eq("postId", args.postId)).collect();\n    const c = rows.find((x) => x._id === args.id);\n    if (!c) throw new Error("not found");\n    await ctx.db.patch(c._id, { body: "" });') +
        fn("groupViewer", WORKSPACE, `    await guard.requireGroupLevel(ctx, args.groupId as any, "viewer");\n${WS}    await ctx.db.patch(w._id, { name: "x" });`),
    }),
  );
  assert.deepEqual(ids(r), ["unchecked-id-delete d:viewerDelete high", "unchecked-id-write d:findPatch high", "unchecked-id-write d:groupViewer high", "unchecked-id-write d:readablePatch high"]);
  assert.match(r.findings.find((f) => f.rule === "unchecked-id-delete" && f.function === "d:viewerDelete").message, /deletes the document that argument 'id' names/);
});

test("a tie to a check that covers the change (editor, a group's owner level) still holds for a delete or write", () => {
  const r = auditReport(
    cli,
    scratchApp("idtielevel", "strong", {
      "schema.ts": SCHEMA,
      "d.ts":
        HEAD +
        fn("editorDelete", COMMENT, `    await guard.requireAccess(ctx, "posts", args.postId, "editor");\n${TIED("args.postId")}    await ctx.db.delete(c._id);`) +
        fn("editorDocPatch", COMMENT, `    const { doc } = await guard.requireAccess(ctx, "posts", args.postId, "editor");\n${TIED("doc._id")}    await ctx.db.patch(c._id, { body: "" });`) +
        fn("groupOwner", WORKSPACE, `    await guard.requireGroupLevel(ctx, args.groupId as any, "owner");\n${WS}    await ctx.db.patch(w._id, { name: "x" });`),
    }),
  );
  assert.deepEqual(ids(r), []);
});

test("a job's groupLevelFor of the relayed caller, its null left on, checks the group only: the client's document it deletes is unchecked, high (attack50 F6)", () => {
  const r = auditReport(
    cli,
    scratchApp("idtielevel", "job", {
      "schema.ts": SCHEMA,
      "d.ts":
        HEAD +
        `
export const purge = internalMutation({
  args: { userId: v.id("users"), groupId: v.string(), postId: v.id("posts") },
  handler: async (ctx, args) => {
    const level = await guard.groupLevelFor(ctx, args.userId, args.groupId as any);
    if (level === null) return;
    await ctx.db.delete(args.postId);
  },
});
` +
        fn("purgeIt", '{ groupId: v.string(), postId: v.id("posts") }', "    await ctx.runMutation(internal.d.purge, { userId: user._id, groupId: args.groupId, postId: args.postId });"),
    }),
  );
  const found = r.findings.filter((f) => f.rule === "unchecked-id-delete" && f.function === "d:purgeIt");
  assert.deepEqual(found.map((f) => f.severity), ["high"]);
  assert.doesNotMatch(found[0].message, /readable/);
});
