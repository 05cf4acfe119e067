// A rate limit skipped on an early return that writes (attack43 F3): the update branch of an
// upsert (`if (existing) { await ctx.db.patch(...); return existing._id; }`) or `if (args.draft)
// return await ctx.db.insert(...)` before `guard.rateLimit` leaves those writes unlimited, so
// `public-no-rate-limit` names the limit "made on some paths only", as for a limit in an `if`.
// A return that changes nothing (a validation, a row found and returned) or one after a limit
// leaves the limit whole. Run the way a user runs it: the bin of the packed tarball (AUDIT_CLI
// names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const HEAD = `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
`;

/** A public mutation `name` taking a body and a flag, signed in, then `body`. */
const fn = (name, body) => `
export const ${name} = mutation({
  args: { body: v.string(), draft: v.boolean() },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    const existing = await ctx.db.query("drafts").withIndex("by_user", (q) => q.eq("userId", user._id)).first();
${body}
    return await ctx.db.insert("drafts", { userId: user._id, authorName: "a", body: args.body });
  },
});
`;
const LIMIT = '    await guard.rateLimit(ctx, "write", { key: user._id });';

/** `function message` of a report's public-no-rate-limit findings. */
const limits = (r) => r.findings.filter((f) => f.rule === "public-no-rate-limit").map((f) => `${f.function} ${f.severity}`).sort();

test("a write on an early return before the rate limit: public-no-rate-limit, the limit made on some paths only", () => {
  const r = auditReport(
    cli,
    scratchApp("earlylimit", "reported", {
      "d.ts":
        HEAD +
        fn("upsert", `    if (existing) {\n      await ctx.db.patch(existing._id, { body: args.body });\n      return existing._id;\n    }\n${LIMIT}`) +
        fn("draftFirst", `    if (args.draft) return await ctx.db.insert("drafts", { userId: user._id, authorName: "a", body: args.body });\n${LIMIT}`) +
        fn("inBranch", `    if (!args.draft) {\n${LIMIT}\n    }`),
    }),
  );
  assert.deepEqual(limits(r), ["d:draftFirst medium", "d:inBranch medium", "d:upsert medium"]);
  const f = r.findings.find((x) => x.rule === "public-no-rate-limit" && x.function === "d:upsert");
  assert.match(f.message, /has no rate limit that limits: it calls rate limit 'write' \(convex\/d\.ts:\d+\), made on some paths only$/);
});

test("an early return that changes nothing, or one after the limit: the limit holds", () => {
  const r = auditReport(
    cli,
    scratchApp("earlylimit", "accepted", {
      "d.ts":
        HEAD +
        fn("validated", `    if (args.body.length === 0) return null;\n    if (existing) return existing._id;\n${LIMIT}`) +
        fn("limitedFirst", `${LIMIT}\n    if (existing) {\n      await ctx.db.patch(existing._id, { body: args.body });\n      return existing._id;\n    }`) +
        fn("limitedInBranch", `    if (existing) {\n${LIMIT}\n      await ctx.db.patch(existing._id, { body: args.body });\n      return existing._id;\n    }\n${LIMIT}`),
    }),
  );
  assert.deepEqual(limits(r), []);
});

// finalread31 F3: the write before such a return in a switch case, or in the test of the if that returns.
test("a write in a switch case before its return, or in the if's test: the limit made on some paths only", () => {
  const r = auditReport(
    cli,
    scratchApp("earlylimit", "caseandtest", {
      "d.ts":
        HEAD +
        fn("inCase", `    switch (args.body) {\n      case "draft":\n        await ctx.db.insert("drafts", { userId: user._id, authorName: "a", body: args.body });\n        return null;\n    }\n${LIMIT}`) +
        fn("inTest", `    if (args.draft && (await ctx.db.insert("drafts", { userId: user._id, authorName: "a", body: args.body }))) return null;\n${LIMIT}`) +
        fn("inSwitchValue", `    switch (await ctx.db.insert("drafts", { userId: user._id, authorName: "a", body: args.body })) {\n      default:\n        if (args.draft) return null;\n    }\n${LIMIT}`) +
        fn("caseValidated", `    switch (args.body) {\n      case "":\n        console.log("empty");\n        return null;\n    }\n${LIMIT}`),
    }),
  );
  assert.deepEqual(limits(r), ["d:inCase medium", "d:inSwitchValue medium", "d:inTest medium"]);
});
