// A denial that changes data before it returns is no exit (attack45 F1): in a mutation, the
// `return` commits what the branch wrote, so the caller denied gets it. The owner comparison,
// `roleAtLeast`, `readable` and `levelAtLeast` written by hand, and a `switch` on the owner field,
// whose denied path patches, deletes, inserts, schedules or calls a guard write before it returns,
// check nothing; a throw after the change still leaves (the mutation rolls it back), and so does a
// return with nothing changed before it, or only an audit row. And an admin-branch listing whose
// `let` target is assigned again after the check reads the new value (attack45 F2). Run the way a
// user runs it: the bin of the packed tarball (AUDIT_CLI names another, to show a test fails on an
// older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ANY_API, auditReport, idFindings, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const HEAD = `import { v } from "convex/values";
import { ConvexError } from "convex/values";
import { internalMutation, mutation, query } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

export const purge = internalMutation({
  args: { id: v.id("posts") },
  handler: async (ctx, args) => {
    await guard.audit.log(ctx, { action: "purge", outcome: "success" });
    await ctx.db.delete(args.id);
  },
});
`;

/** A public mutation `name` taking a post's id and a title, signed in and rate limited, then `body`. */
const fn = (name, body) => `
export const ${name} = mutation({
  args: { id: v.id("posts"), title: v.string() },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
${body}
  },
});
`;
/** `fn`, the post read first (a missing one refused). */
const owned = (name, body) => fn(name, `    const doc = await ctx.db.get(args.id);\n    if (doc === null) throw new ConvexError("not found");\n${body}`);
const PATCH = "      await ctx.db.patch(doc._id, { title: args.title });";
const LOG = '    await guard.audit.log(ctx, { action: "posts.delete", outcome: "success" });';

/** The report of an app of `HEAD` and `functions`, under `name`. */
const report = (name, functions) => auditReport(cli, scratchApp("deniedwrites", name, { ...ANY_API, "d.ts": HEAD + functions }));

test("a denied branch that writes, deletes, inserts, schedules or calls a guard write, then returns: no check", () => {
  const r = report(
    "reported",
    // k1: the not-owner's branch patches, then returns.
    owned("patchThenReturn", `    if (doc.ownerId !== user._id) {\n${PATCH}\n      return null;\n    }\n${PATCH}`) +
    // k6: "kept as a suggestion", answered with literals.
    owned("suggest", `    if (doc.ownerId !== user._id) {\n      await ctx.db.patch(doc._id, { visibility: "suggested", title: args.title });\n      return { applied: false };\n    }\n${PATCH}\n    return { applied: true };`) +
    // k2, a14: a delete before the role test of the not-owner's branch, then the owner's delete (by hand, by the guard).
    owned("deleteFirst", `${LOG}\n    if (doc.ownerId !== user._id) {\n      await ctx.db.delete(doc._id);\n      if (!guard.roleAtLeast(user, "admin")) return null;\n      return null;\n    }\n    await ctx.db.delete(doc._id);`) +
    owned("deleteFirstGuard", `${LOG}\n    if (doc.ownerId !== user._id) {\n      await ctx.db.delete(doc._id);\n      if (!guard.roleAtLeast(user, "admin")) return null;\n      return null;\n    }\n    await guard.deleteDocument(ctx, "posts", doc._id);`) +
    // a9: the patch before the role test.
    owned("patchFirst", `    if (doc.ownerId !== user._id) {\n${PATCH}\n      if (!guard.roleAtLeast(user, "admin")) return null;\n      return null;\n    }\n${PATCH}`) +
    // k5: the not-owner's branch schedules a purge of the post (its `_id`), the owner's path deletes it through the guard.
    owned("schedulePurge", `    if (doc.ownerId !== user._id) {\n      await ctx.scheduler.runAfter(0, internal.d.purge, { id: doc._id });\n      return null;\n    }\n${LOG}\n    await guard.deleteDocument(ctx, "posts", doc._id);`) +
    // k8: the not-owner gets a copy, by ctx.db.insert or guard.insertDocument.
    owned("forkOnDeny", `    if (doc.ownerId !== user._id) {\n      await ctx.db.insert("posts", { title: doc.title, ownerId: user._id, visibility: "private" });\n      return null;\n    }\n    return doc;`) +
    owned("forkByGuard", `    if (doc.ownerId !== user._id) {\n      await guard.insertDocument(ctx, "posts", { title: doc.title, visibility: "private" });\n      return null;\n    }\n    return doc;`) +
    // The owner's `if` with an `else` that writes and returns.
    owned("elseWrites", `    if (doc.ownerId === user._id) {\n${PATCH}\n    } else {\n      await ctx.db.patch(doc._id, { visibility: "private" });\n      return null;\n    }`) +
    // A switch on the owner field whose other case writes and returns.
    owned("switchWrites", `    switch (doc.ownerId) {\n      case user._id:\n        break;\n      default:\n  ${PATCH}\n        return null;\n    }\n${PATCH}`) +
    // m1: roleAtLeast's denial patches, then returns.
    fn("roleDeny", `    if (!guard.roleAtLeast(user, "admin")) {\n      await ctx.db.patch(args.id, { title: "" });\n      return { ok: false };\n    }\n${LOG}\n    await ctx.db.delete(args.id);\n    return { ok: true };`) +
    // m2, m4: readable's null (and a level below editor) patches, then returns.
    fn("readableDeny", `    const r = await guard.readable(ctx, "posts", args.id, "editor");\n    if (r === null) {\n      await ctx.db.patch(args.id, { title: args.title });\n      return null;\n    }\n    await ctx.db.patch(r.doc._id, { title: args.title });`) +
    fn("levelDeny", `    const r = await guard.readable(ctx, "posts", args.id, "viewer");\n    if (r === null || !guard.levelAtLeast(r.accessLevel, "editor")) {\n      await ctx.db.patch(args.id, { title: args.title });\n      return null;\n    }\n    await ctx.db.patch(r.doc._id, { title: args.title });`),
  );
  const found = new Set(idFindings(r));
  const expected = [
    "unchecked-id-write d:patchThenReturn",
    "unchecked-id-write d:suggest",
    "unchecked-id-delete d:deleteFirst",
    "unchecked-id-delete d:deleteFirstGuard",
    "unchecked-id-write d:patchFirst",
    "unchecked-id-delete d:schedulePurge",
    "unchecked-id-read d:forkOnDeny",
    "unchecked-id-read d:forkByGuard",
    "unchecked-id-write d:elseWrites",
    "unchecked-id-write d:switchWrites",
    "unchecked-id-write d:roleDeny",
    "unchecked-id-delete d:roleDeny",
    "unchecked-id-write d:readableDeny",
    "unchecked-id-write d:levelDeny",
  ];
  assert.deepEqual(expected.filter((e) => !found.has(e)), []);
});

test("a denial that returns with nothing changed, or only an audit row, or that throws after its change: still a check", () => {
  const r = report(
    "accepted",
    owned("returnFirst", `    if (doc.ownerId !== user._id) return null;\n${PATCH}`) +
    owned("writeThenThrow", `    if (doc.ownerId !== user._id) {\n      await ctx.db.patch(doc._id, { visibility: "reported" });\n      throw new ConvexError("not yours");\n    }\n${PATCH}`) +
    owned("deniedLogged", `    if (doc.ownerId !== user._id) {\n      await guard.audit.log(ctx, { action: "posts.denied", outcome: "failure" });\n      return null;\n    }\n${PATCH}`) +
    owned("switchReturns", `    switch (doc.ownerId) {\n      case user._id:\n        break;\n      default:\n        return null;\n    }\n${PATCH}`) +
    owned("switchThrows", `    switch (doc.ownerId) {\n      case user._id:\n        break;\n      default:\n  ${PATCH}\n        throw new ConvexError("not yours");\n    }\n${PATCH}`) +
    fn("roleThrows", `    if (!guard.roleAtLeast(user, "admin")) {\n      await ctx.db.patch(args.id, { visibility: "reported" });\n      throw new ConvexError("admins only");\n    }\n${LOG}\n    await ctx.db.delete(args.id);`) +
    fn("readableReturns", `    const r = await guard.readable(ctx, "posts", args.id, "editor");\n    if (r === null) return null;\n    await ctx.db.patch(r.doc._id, { title: args.title });`),
  );
  assert.deepEqual(idFindings(r), []);
});

/** A public query listing the posts of `target`, an admin's choice of another user's (attack45 F2). */
const listing = (name, after) => `
export const ${name} = query({
  args: { userId: v.optional(v.id("users")), teamLead: v.optional(v.id("users")), mine: v.optional(v.boolean()) },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    let target = args.userId ?? user._id;
    if (target !== user._id) await guard.requireRole(ctx, "admin");
${after}
    return await ctx.db.query("posts").withIndex("by_owner", (q) => q.eq("ownerId", target)).collect();
  },
});
`;

test("a let target assigned again after the admin branch's check is read at the listing as its last assignment", () => {
  const r = report("target", listing("reassigned", "    if (args.teamLead) target = args.teamLead;") + listing("ownAgain", "    if (args.mine) target = user._id;") + listing("untouched", ""));
  const lists = r.findings.filter((f) => f.rule === "unchecked-list").map((f) => f.function).sort();
  assert.deepEqual(lists, ["d:reassigned"]);
});
