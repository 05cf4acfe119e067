// "Its owner, or an admin" written by hand with a decision about the caller's own row
// (attack43 FP1): `if (doc.ownerId !== user._id && !guard.roleAtLeast(user, "admin")) throw`, or
// `!guard.can(user, "delete:posts")`, or through a `const isOwner`, covers the delete, the patch
// and the read as `if (doc.ownerId !== user._id) await guard.requireRole(ctx, "admin")` does.
// A decision the not-owner's path does not leave on, of the lowest role, of another row, or
// reached on another condition than the owner comparison covers nothing. Run the way a user runs
// it: the bin of the packed tarball (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const HEAD = `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";
`;

/** A public mutation `name` taking a post's id, signed in and rate limited, reading the post, then `body`. */
const fn = (name, body, args = '{ id: v.id("posts") }') => `
export const ${name} = mutation({
  args: ${args},
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const doc = await ctx.db.get(args.id);
    if (doc === null) return null;
${body}
    await guard.audit.log(ctx, { action: "${name}", outcome: "success", actor: user._id });
    return null;
  },
});
`;
/** A public query `name` taking a post's id, signed in, reading the post, then `body`, returning it. */
const readDoc = (name, body) => `
export const ${name} = query({
  args: { id: v.id("posts") },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    const doc = await ctx.db.get(args.id);
    if (doc === null) return null;
${body}
    return doc;
  },
});
`;
const read = (name, test) => readDoc(name, `    const isOwner = doc.ownerId === user._id;\n    if (${test}) return null;`);
const DEL = "    await ctx.db.delete(doc._id);";

/** `rule function` of a report's id findings. */
const idFindings = (r) => r.findings.filter((f) => /^unchecked-id-(read|write|delete)$/.test(f.rule)).map((f) => `${f.rule} ${f.function}`).sort();

test("owner or admin by roleAtLeast or can of the caller's row, left on in the not-owner's path: the delete, patch and read are covered", () => {
  const r = auditReport(
    cli,
    scratchApp("ownoradmin", "accepted", {
      "d.ts":
        HEAD +
        fn("byRole", `    if (doc.ownerId !== user._id && !guard.roleAtLeast(user, "admin")) throw new Error("forbidden");\n${DEL}`) +
        fn("byPermission", `    if (doc.ownerId !== user._id && !guard.can(user, "delete:posts")) throw new Error("forbidden");\n${DEL}`) +
        fn("patchByRole", '    if (user._id !== doc.ownerId && !guard.roleAtLeast(user, "admin")) return null;\n    await ctx.db.patch(doc._id, { title: "x" });') +
        fn("byRequireRole", `    if (doc.ownerId !== user._id) await guard.requireRole(ctx, "admin");\n${DEL}`) +
        read("readByRole", '!isOwner && !guard.roleAtLeast(user, "admin")'),
    }),
  );
  assert.deepEqual(idFindings(r), []);
});

test("a decision on another condition, of the lowest role, of another row, or not left on: still reported", () => {
  const r = auditReport(
    cli,
    scratchApp("ownoradmin", "reported", {
      "d.ts":
        HEAD +
        fn("onFlag", `    if (args.asAdmin && !guard.roleAtLeast(user, "admin")) throw new Error("forbidden");\n${DEL}`, '{ id: v.id("posts"), asAdmin: v.boolean() }') +
        fn("lowestRole", `    if (doc.ownerId !== user._id && !guard.roleAtLeast(user, "user")) throw new Error("forbidden");\n${DEL}`) +
        fn("ownersRole", `    const owner = await ctx.db.get(doc.ownerId);\n    if (doc.ownerId !== user._id && !guard.roleAtLeast(owner!, "admin")) throw new Error("forbidden");\n${DEL}`) +
        fn("notLeft", `    if (doc.ownerId !== user._id && !guard.roleAtLeast(user, "admin")) console.log("not the owner");\n${DEL}`) +
        fn("ownerOnlyAsks", `    if (doc.ownerId === user._id && !guard.roleAtLeast(user, "admin")) throw new Error("forbidden");\n${DEL}`) +
        read("readOnFlag", 'isOwner && !guard.roleAtLeast(user, "admin")'),
    }),
  );
  assert.deepEqual(idFindings(r), [
    "unchecked-id-delete d:lowestRole",
    "unchecked-id-delete d:notLeft",
    "unchecked-id-delete d:onFlag",
    "unchecked-id-delete d:ownerOnlyAsks",
    "unchecked-id-delete d:ownersRole",
    "unchecked-id-read d:readOnFlag",
  ]);
});

// finalread31 F1: a decision or readable made in the not-owner's branch whose answer nothing
// leaves on denies nothing; one whose null leaves there (facts.ts reads it as a check) still covers.
const readUnused = (name, branch) => readDoc(name, `    if (doc.ownerId !== user._id) {\n${branch}\n    }`);

test("a decision or readable in the not-owner's branch whose answer is not left on: the delete, patch and read stay reported", () => {
  const r = auditReport(
    cli,
    scratchApp("ownoradmin", "unused", {
      "d.ts":
        HEAD +
        fn("unusedRole", `    if (doc.ownerId !== user._id) {\n      const isAdmin = guard.roleAtLeast(user, "admin");\n      console.log(isAdmin);\n    }\n${DEL}`) +
        fn("bareCan", `    if (doc.ownerId !== user._id) guard.can(user, "delete:posts");\n${DEL}`) +
        fn("unusedPatch", `    if (doc.ownerId !== user._id) {\n      const isAdmin = guard.roleAtLeast(user, "admin");\n      console.log(isAdmin);\n    }\n    await ctx.db.patch(doc._id, { title: "x" });`) +
        fn("unusedReadable", `    if (doc.ownerId !== user._id) {\n      const r = await guard.readable(ctx, "posts", doc._id, "editor");\n      console.log(r);\n    }\n${DEL}`) +
        fn("leftReadable", `    if (doc.ownerId !== user._id) {\n      const r = await guard.readable(ctx, "posts", doc._id, "editor");\n      if (r === null) throw new Error("forbidden");\n    }\n${DEL}`) +
        readUnused("readUnusedRole", '      const a = guard.roleAtLeast(user, "admin");\n      console.log(a);'),
    }),
  );
  assert.deepEqual(idFindings(r), [
    "unchecked-id-delete d:bareCan",
    "unchecked-id-delete d:unusedReadable",
    "unchecked-id-delete d:unusedRole",
    "unchecked-id-read d:readUnusedRole",
    "unchecked-id-write d:unusedPatch",
  ]);
});
