// A listing covered by a role above the lowest made on some paths only (attack43 FP3, FP4): the
// caller's own rows returned early, then `requireRole(ctx, "admin")` before listing every row;
// another user's rows listed where `if (target !== user._id) await guard.requireRole(ctx,
// "admin")` is made for a target that is not the caller. A role check on another condition, of
// the lowest role, or taken the wrong way round covers nothing. Run the way a user runs it: the
// bin of the packed tarball (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const HEAD = `import { v } from "convex/values";
import { query } from "./_generated/server";
import { guard } from "./guard";
`;

/** A public query `name` with `args`, signed in, then `body`. */
const fn = (name, args, body) => `
export const ${name} = query({
  args: ${args},
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
${body}
  },
});
`;
const MINE = "{ mine: v.boolean(), flag: v.boolean() }";
const OWN = '    if (args.mine) return await ctx.db.query("posts").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).collect();\n';
const ALL = '    return await ctx.db.query("posts").collect();';
const USER = '{ userId: v.optional(v.id("users")), other: v.optional(v.id("users")) }';
const TARGET = "    const target = args.userId ?? user._id;\n";
const BY = '    return await ctx.db.query("posts").withIndex("by_owner", (q) => q.eq("ownerId", target)).collect();';

/** `function` of a report's unchecked-list findings. */
const lists = (r) => r.findings.filter((f) => f.rule === "unchecked-list").map((f) => f.function).sort();

test("own rows returned early then an admin-only listing, and another user's rows for an admin only: covered", () => {
  const r = auditReport(
    cli,
    scratchApp("adminlist", "accepted", {
      "d.ts":
        HEAD +
        fn("mineOrAll", MINE, `${OWN}    await guard.requireRole(ctx, "admin");\n${ALL}`) +
        fn("adminForOthers", USER, `${TARGET}    if (target !== user._id) await guard.requireRole(ctx, "admin");\n${BY}`) +
        fn("adminForOthersBlock", USER, `${TARGET}    if (user._id === target) {\n      console.log("own");\n    } else {\n      await guard.requireRole(ctx, "admin");\n    }\n${BY}`),
    }),
  );
  assert.deepEqual(lists(r), []);
});

test("a role check on another condition, of the lowest role, or the wrong way round: still reported", () => {
  const r = auditReport(
    cli,
    scratchApp("adminlist", "reported", {
      "d.ts":
        HEAD +
        fn("flagged", MINE, `${OWN}    if (args.flag) await guard.requireRole(ctx, "admin");\n${ALL}`) +
        fn("lowest", MINE, `${OWN}    await guard.requireRole(ctx, "user");\n${ALL}`) +
        fn("wrongWay", USER, `${TARGET}    if (target === user._id) await guard.requireRole(ctx, "admin");\n${BY}`) +
        fn("otherValue", USER, `${TARGET}    if (args.other !== user._id) await guard.requireRole(ctx, "admin");\n${BY}`) +
        fn("lowestForOthers", USER, `${TARGET}    if (target !== user._id) await guard.requireRole(ctx, "user");\n${BY}`),
    }),
  );
  assert.deepEqual(lists(r), ["d:flagged", "d:lowest", "d:lowestForOthers", "d:otherValue", "d:wrongWay"]);
});

// finalread31 F2: the role's test must compare what the listing selects its owner field by, not
// another field's value (`buyerId`-like `editorId`, or `title`).
const PAIR = '{ owner: v.id("users"), editor: v.optional(v.id("users")), title: v.string() }';
const BY_PAIR = (field, value, owner = "args.owner") =>
  `    return await ctx.db.query("posts").filter((q) => q.eq(q.field("ownerId"), ${owner})).filter((q) => q.eq(q.field("${field}"), ${value})).take(50);`;

test("a role asked where another field's value is not the caller's: the listing by a client's owner id is still reported", () => {
  const r = auditReport(
    cli,
    scratchApp("adminlist", "otherfield", {
      "d.ts":
        HEAD +
        fn("byEditor", PAIR, `    const target = args.editor ?? user._id;\n    if (target !== user._id) await guard.requireRole(ctx, "admin");\n${BY_PAIR("editorId", "target")}`) +
        fn("byTitle", PAIR, `    if (args.title !== user._id) await guard.requireRole(ctx, "admin");\n${BY_PAIR("title", "args.title")}`) +
        fn("byOwnerAndEditor", PAIR, `    const target = args.editor ?? user._id;\n    if (target !== user._id) await guard.requireRole(ctx, "admin");\n${BY_PAIR("editorId", "args.owner", "target")}`),
    }),
  );
  assert.deepEqual(lists(r), ["d:byEditor", "d:byTitle"]);
});
