// "Public, else check" on a single read (attack43 FP2): `if (doc.visibility !== "public") await
// guard.requireAccess(ctx, "posts", doc._id, "viewer"); return doc;` returns a document anyone may
// read or one the caller was checked on, as the listing rules accept a filter on the configured
// visibility field equal to "public". Another field or value, and a change (public visibility
// gives no write), are still reported. Run the way a user runs it: the bin of the packed tarball
// (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const HEAD = `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";
`;

/** A public query `name` reading the post argument 'id' names, then `body`; `first`: what comes before the read. */
const read = (name, body, first = "    await guard.requireUser(ctx);\n") => `
export const ${name} = query({
  args: { id: v.id("posts") },
  handler: async (ctx, args) => {
${first}    const doc = await ctx.db.get(args.id);
    if (!doc) return null;
${body}
  },
});
`;
const CHECK = '    if (doc.visibility !== "public") await guard.requireAccess(ctx, "posts", doc._id, "viewer");\n    return doc;';

/** `rule function` of a report's id findings. */
const idFindings = (r) => r.findings.filter((f) => /^unchecked-id-(read|write|delete)$/.test(f.rule)).map((f) => `${f.rule} ${f.function}`).sort();

test("a single read returned public, else after a document check: covered", () => {
  const r = auditReport(
    cli,
    scratchApp("publicelse", "accepted", {
      "d.ts":
        HEAD +
        read("publicElse", CHECK) +
        read("publicElseBranch", '    if (doc.visibility === "public") return doc;\n    else await guard.requireAccess(ctx, "posts", args.id, "viewer");\n    return doc;') +
        read("publicConst", '    const isPublic = doc.visibility === "public";\n    if (!isPublic) await guard.requireAccess(ctx, "posts", doc._id, "viewer");\n    return doc;'),
    }),
  );
  assert.deepEqual(idFindings(r), []);
});

test("another value or field than the configured visibility equal to public, or a write: still reported", () => {
  const r = auditReport(
    cli,
    scratchApp("publicelse", "reported", {
      "d.ts":
        HEAD +
        read("otherValue", CHECK.replace('"public"', '"shared"')) +
        read("otherField", CHECK.replace("doc.visibility", "doc.title")) +
        read("publicOrFlag", '    if (doc.visibility === "public" || doc.title === "x") return doc;\n    await guard.requireAccess(ctx, "posts", args.id, "viewer");\n    return doc;') +
        `
export const publicWrite = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const doc = await ctx.db.get(args.id);
    if (!doc) return null;
    if (doc.visibility !== "public") await guard.requireAccess(ctx, "posts", doc._id, "editor");
    await ctx.db.patch(doc._id, { title: "x" });
    return null;
  },
});
`,
    }),
  );
  assert.deepEqual(idFindings(r), ["unchecked-id-read d:otherField", "unchecked-id-read d:otherValue", "unchecked-id-read d:publicOrFlag", "unchecked-id-write d:publicWrite"]);
});

/** `rule function` of a report's public-no-auth findings. */
const noAuth = (r) => r.findings.filter((f) => f.rule === "public-no-auth").map((f) => f.function).sort();

test("public, else check, with no requireUser: the check is the caller's (attack45 FP1), for the row alone", () => {
  const r = auditReport(
    cli,
    scratchApp("publicelse", "signedout", {
      "d.ts":
        HEAD +
        read("anonymous", CHECK, "") +
        read("anonymousConst", '    const isPublic = doc.visibility === "public";\n    if (!isPublic) await guard.requireAccess(ctx, "posts", doc._id, "viewer");\n    return doc;', "") +
        read("otherField", CHECK.replace("doc.visibility", "doc.title"), "") +
        read("moreThanRow", CHECK.replace("return doc;", "return { doc, all: await ctx.db.query(\"posts\").collect() };"), "") +
        read("noCheck", "    return doc;", "") +
        `
export const publicWrite = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, args) => {
    const doc = await ctx.db.get(args.id);
    if (!doc) return null;
    if (doc.visibility !== "public") await guard.requireAccess(ctx, "posts", doc._id, "editor");
    return doc;
  },
});
`,
    }),
  );
  assert.deepEqual(noAuth(r), ["d:moreThanRow", "d:noCheck", "d:otherField", "d:publicWrite"]);
  assert.deepEqual(idFindings(r), ["unchecked-id-read d:noCheck", "unchecked-id-read d:otherField"]);
});
