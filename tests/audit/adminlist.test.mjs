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
