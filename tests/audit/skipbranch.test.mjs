// attack50 FP1, FP2, F8. FP1: a loop's skip that counts, logs or records the id before `continue`
// (`{ skipped++; continue; }`, `{ console.warn(...); continue; }`, `{ reasons.push("not yours"); continue; }`)
// is the same exit as a bare `continue`; a skip that writes, awaits a helper or pushes the id (attack51 F1) or the document
// (or its data) first stays reported. FP2: `if (guard.roleAtLeast(me, "admin")) return rows;` with
// the rest filtered to the caller's own rows covers the listing; the lowest role's branch, or an
// unfiltered return after it, does not. F8: a role given through a spread argument (or `.apply` of a
// computed list) is unreadable: the lowest role. Run the way a user runs it: the bin of the packed
// tarball (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, idFindings, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const HEAD = `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";
`;
/** A public mutation `name` over `ids`, signed in and rate limited, with a local `skipped` count and list, then `body`. */
const bulk = (name, body) => `
export const ${name} = mutation({
  args: { ids: v.array(v.id("posts")) },
  handler: async (ctx, args) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    let skipped = 0;
    const failed: unknown[] = [];
    for (const id of args.ids) {
      const doc = await ctx.db.get(id);
      if (doc === null || doc.ownerId !== me._id) { ${body} continue; }
      await ctx.db.patch(doc._id, { title: "archived" });
    }
    return { skipped, failed };
  },
});
`;
/** A public query `name` listing posts, signed in, then `body`. */
const list = (name, body) => `
export const ${name} = query({
  args: {},
  handler: async (ctx) => {
    const me = await guard.requireUser(ctx);
    const rows = await ctx.db.query("posts").take(50);
${body}
  },
});
`;

test("a loop's skip that counts, logs or records the id before continue covers the write; one that writes, awaits or hands the document on does not (attack50 FP1)", () => {
  const r = auditReport(
    cli,
    scratchApp("skipbranch", "loops", {
      "s.ts":
        HEAD +
        // Accepted: nothing written, nothing of the document handed on.
        bulk("counts", "skipped++;") +
        bulk("addsUp", "skipped += 1;") +
        bulk("logs", 'console.warn("skipping", id, doc?.title);') +
        bulk("recordsReason", 'failed.push({ reason: "not yours" }); skipped = skipped + 1;') +
        // Reported: the skip hands the document on, writes, or calls what may.
        bulk("pushesDoc", "failed.push(doc);") +
        // The id pushed: a later loop over the list could write exactly the refused ids (attack51 F1).
        bulk("recordsId", "failed.push(id);") +
        bulk("recordsIdReason", 'failed.push({ id, reason: "not yours" });') +
        bulk("keepsLast", "skipped = id as any;") +
        bulk("pushesTitle", "failed.push({ id, title: doc?.title });") +
        bulk("writesFirst", 'await ctx.db.patch(id, { title: "seen" });') +
        bulk("callsHelper", "await ctx.runMutation(args as any, {});") +
        bulk("logCalls", 'console.warn(failed.push(doc));') +
        bulk("countsIntoDoc", "skipped = doc === null ? 0 : doc.title.length;"),
    }),
  );
  assert.deepEqual(idFindings(r).filter((f) => f.startsWith("unchecked-id-write")), [
    "unchecked-id-write s:callsHelper",
    "unchecked-id-write s:countsIntoDoc",
    "unchecked-id-write s:keepsLast",
    "unchecked-id-write s:logCalls",
    "unchecked-id-write s:pushesDoc",
    "unchecked-id-write s:pushesTitle",
    "unchecked-id-write s:recordsId",
    "unchecked-id-write s:recordsIdReason",
    "unchecked-id-write s:writesFirst", // its own patch of the id, and the patch after the skip
    "unchecked-id-write s:writesFirst",
  ]);
});

test("rows read first, every row returned only on an admin's branch and the rest filtered to the caller's own, are covered; the lowest role's branch or an unfiltered return is not (attack50 FP2)", () => {
  const OWN = "    return rows.filter((r) => r.ownerId === me._id);";
  const r = auditReport(
    cli,
    scratchApp("skipbranch", "lists", {
      "l.ts":
        HEAD +
        list("adminFirst", `    if (guard.roleAtLeast(me, "admin")) return rows;\n${OWN}`) +
        list("adminNegated", `    if (!guard.roleAtLeast(me, "admin")) return rows.filter((r) => r.ownerId === me._id);\n    return rows;`) +
        list("lowestRole", `    if (guard.roleAtLeast(me, "user")) return rows;\n${OWN}`) +
        list("unfilteredToo", `    if (guard.roleAtLeast(me, "admin")) return rows;\n    return rows.length > 10 ? rows : rows.filter((r) => r.ownerId === me._id);`) +
        list("loopCounts", `    const out = [];\n    let skipped = 0;\n    for (const r of rows) {\n      if (r.ownerId !== me._id) { skipped++; continue; }\n      out.push(r);\n    }\n    return { out, skipped };`) +
        list("loopPushesRow", `    const out = [];\n    for (const r of rows) {\n      if (r.ownerId !== me._id) { out.push(r); continue; }\n      out.push(r);\n    }\n    return out;`) +
        list("adminSwapped", `    if (guard.roleAtLeast(me, "admin")) return rows.filter((r) => r.ownerId === me._id);\n    return rows;`),
    }),
  );
  const lists = r.findings.filter((f) => f.rule === "unchecked-list").map((f) => f.function).sort();
  assert.deepEqual(lists, ["l:adminSwapped", "l:loopPushesRow", "l:lowestRole", "l:unfilteredToo"]);
});

test("a role given through a spread argument or .apply of a computed list is the lowest role, with its warning (attack50 F8)", () => {
  const one = (name, check) => `
export const ${name} = mutation({
  args: { id: v.id("posts"), role: v.union(v.literal("user"), v.literal("admin")) },
  handler: async (ctx, args) => {
    const me = ${check};
    await guard.rateLimit(ctx, "write", { key: me._id });
    await ctx.db.patch(args.id, { title: "x" });
  },
});
`;
  const r = auditReport(
    cli,
    scratchApp("skipbranch", "spread", {
      "r.ts":
        HEAD +
        one("spread", "await guard.requireRole(...([ctx, args.role] as const))") +
        one("spreadTail", "await guard.requireRole(ctx, ...([args.role] as const))") +
        one("applyList", "await guard.requireRole.apply(guard, [ctx, args.role].slice() as any)") +
        one("literal", 'await guard.requireRole(ctx, "admin")'),
    }),
  );
  assert.deepEqual(idFindings(r), ["unchecked-id-write r:applyList", "unchecked-id-write r:spread", "unchecked-id-write r:spreadTail"]);
  const warned = r.warnings.filter((w) => /lowest role/.test(w.message)).map((w) => w.line);
  assert.equal(warned.length, 3);
});
