// `destructive-unconfirmed` on deletes of the caller's own rows (newuser24): rows selected by the
// `_id` of the caller's row an app helper answers (callerid.ts, as `unchecked-id-read` reads it),
// one row read by an argument's id whose owner comparison with the caller's id decides, and rows
// kept by a JavaScript filter to the caller's own are `low`; someone else's stay `high`. Run the
// way a user runs it: the bin of the packed tarball (AUDIT_CLI names another, to show a test
// fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const HEAD = `import { v } from "convex/values";
import { mutation, type MutationCtx } from "./_generated/server";
import { guard } from "./guard";

async function currentUser(ctx: MutationCtx) {
  return await guard.requireUser(ctx);
}

async function someUser(ctx: MutationCtx) {
  const u = await ctx.db.query("users").first();
  if (u === null) return await guard.requireUser(ctx);
  return u;
}
`;

/** A public mutation `name` with `args` whose handler starts with `const user = <who>` and a rate limit. */
const fn = (name, args, who, body) => `
export const ${name} = mutation({
  args: ${args},
  handler: async (ctx, args) => {
    const user = ${who};
    await guard.rateLimit(ctx, "write", { key: user._id });
${body}
    return null;
  },
});
`;
const ME = "await guard.requireUser(ctx)";
const ID = '{ id: v.id("drafts") }';
const POST = '{ id: v.id("posts") }';

/** `function severity` of a report's destructive-unconfirmed findings. */
const destructive = (r) => r.findings.filter((f) => f.rule === "destructive-unconfirmed").map((f) => `${f.function} ${f.severity}`).sort();

test("rows selected by the _id of the caller's row an app helper answers are the caller's own: low; a helper answering another user on some path: high", () => {
  const r = auditReport(
    cli,
    scratchApp("owndeletes", "helper", {
      "d.ts":
        HEAD +
        fn("helperDrafts", "{}", "await currentUser(ctx)", '    const rows = await ctx.db.query("drafts").withIndex("by_user", (q) => q.eq("userId", user._id)).collect();\n    for (const d of rows) await ctx.db.delete(d._id);') +
        fn("helperPosts", "{}", "await currentUser(ctx)", '    const rows = await ctx.db.query("posts").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).collect();\n    for (const p of rows) await ctx.db.delete(p._id);') +
        fn("someDrafts", "{}", "await someUser(ctx)", '    const rows = await ctx.db.query("drafts").withIndex("by_user", (q) => q.eq("userId", user._id)).collect();\n    for (const d of rows) await ctx.db.delete(d._id);') +
        fn("helperEdited", "{}", "await currentUser(ctx)", '    const rows = await ctx.db.query("posts").withIndex("by_editor", (q) => q.eq("editorId", user._id)).collect();\n    for (const p of rows) await ctx.db.delete(p._id);'),
    }),
  );
  assert.deepEqual(destructive(r), ["d:helperDrafts low", "d:helperEdited high", "d:helperPosts low", "d:someDrafts high"]);
  const f = r.findings.find((x) => x.rule === "destructive-unconfirmed" && x.function === "d:helperPosts");
  assert.match(f.message, /deletes in a loop the caller's own documents \(selected by their owner field 'ownerId' equal to the caller's id\), with no audit row$/);
});

test("one row read by an argument's id, deleted after an owner comparison with the caller's id that decides: low; with an argument, user?._id, a users row looked up, or a comparison that decides nothing: high", () => {
  const READ = "    const d = await ctx.db.get(args.id);\n";
  const r = auditReport(
    cli,
    scratchApp("owndeletes", "byid", {
      "d.ts":
        HEAD +
        fn("mine", ID, ME, `${READ}    if (d === null || d.userId !== user._id) return null;\n    await ctx.db.delete(d._id);`) +
        fn("minePost", POST, ME, "    const p = await ctx.db.get(args.id);\n    if (p === null || p.ownerId !== user._id) throw new Error(\"not yours\");\n    await ctx.db.delete(args.id);") +
        fn("mineByHelper", ID, "await currentUser(ctx)", `${READ}    if (d === null || d.userId !== user._id) return null;\n    await ctx.db.delete(d._id);`) +
        fn("theirs", '{ id: v.id("drafts"), owner: v.id("users") }', ME, `${READ}    if (d === null || d.userId !== args.owner) return null;\n    await ctx.db.delete(d._id);`) +
        fn("maybeMine", ID, "await guard.getUser(ctx)", `${READ}    if (d === null || d.userId !== user?._id) return null;\n    await ctx.db.delete(d._id);`) +
        fn("lookedUp", ID, '(await ctx.db.query("users").first())!', `${READ}    if (d === null || d.userId !== user._id) return null;\n    await ctx.db.delete(d._id);`) +
        fn("notDeciding", ID, ME, `${READ}    const isMine = d !== null && d.userId === user._id;\n    console.log(isMine);\n    if (d !== null) await ctx.db.delete(d._id);`),
    }),
  );
  assert.deepEqual(destructive(r), ["d:lookedUp high", "d:maybeMine high", "d:mine low", "d:mineByHelper low", "d:minePost low", "d:notDeciding high", "d:theirs high"]);
  const f = r.findings.find((x) => x.rule === "destructive-unconfirmed" && x.function === "d:mine");
  assert.match(f.message, /deletes the caller's own row \(read by the id argument 'id' names, left unless its field compared with the caller's id matches\), with no audit row$/);
});

test("rows kept by a JavaScript filter to the caller's own before the delete: low; a filter with ||, on the client's id, or on another field than a configured table's owner field: high", () => {
  const ALL = (t) => `    const rows = await ctx.db.query("${t}").collect();\n`;
  const r = auditReport(
    cli,
    scratchApp("owndeletes", "kept", {
      "d.ts":
        HEAD +
        fn("keptDrafts", "{}", ME, `${ALL("drafts")}    const mine = rows.filter((d) => d.userId === user._id);\n    for (const d of mine) await ctx.db.delete(d._id);`) +
        fn("keptPosts", "{}", ME, `${ALL("posts")}    await Promise.all(rows.filter((p) => p.ownerId === user._id).map((p) => ctx.db.delete(p._id)));`) +
        fn("keptOr", "{}", ME, `${ALL("drafts")}    for (const d of rows.filter((d) => d.userId === user._id || d.stale === true)) await ctx.db.delete(d._id);`) +
        fn("keptChosen", '{ owner: v.id("users") }', ME, `${ALL("drafts")}    for (const d of rows.filter((d) => d.userId === args.owner)) await ctx.db.delete(d._id);`) +
        fn("keptEdited", "{}", ME, `${ALL("posts")}    for (const p of rows.filter((p) => p.editorId === user._id)) await ctx.db.delete(p._id);`) +
        fn("keptOthers", "{}", ME, `${ALL("drafts")}    for (const d of rows.filter((d) => d.userId !== user._id)) await ctx.db.delete(d._id);`),
    }),
  );
  assert.deepEqual(destructive(r), ["d:keptChosen high", "d:keptDrafts low", "d:keptEdited high", "d:keptOr high", "d:keptOthers high", "d:keptPosts low"]);
  const f = r.findings.find((x) => x.rule === "destructive-unconfirmed" && x.function === "d:keptDrafts");
  assert.match(f.message, /the caller's own rows of table 'drafts' \(kept by a JavaScript filter of their field 'userId' equal to the caller's id; access\.tables does not list the table\), with no audit row$/);
});
