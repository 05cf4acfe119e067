// attack48 F6, F10, F11, L1: correct owner-only and owner-or-admin code the audit refused.
// F6: a `for ... of` over argument ids that skips what is not the caller's (`continue`, or an
// owner-only branch ending the loop's body) ends that element's document, read in the loop's own
// body, as a callback's `return` does; its twins (the document read outside the loop, a
// `continue` of another loop, a write or push before the test, an `else` that writes) stay
// reported. F10: the owner-or-admin read after `Promise.all([guard.requireUser(ctx),
// ctx.db.get(id)])` destructured. F11: the admin branch's listing made through an app helper. L1:
// `const plain = !guard.roleAtLeast(me, "admin"); if (!plain) return <all>`. Run the way a user
// runs it: the bin of the packed tarball (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, idFindings, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const HEAD = `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import type { QueryCtx } from "./_generated/server";
import { guard } from "./guard";
`;
/** A public mutation `name` over `ids`, signed in and rate limited, then `body`. */
const bulk = (name, body, args = '{ ids: v.array(v.id("posts")), tags: v.array(v.string()) }') => `
export const ${name} = mutation({
  args: ${args},
  handler: async (ctx, args) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
${body}
    return null;
  },
});
`;
/** A public query `name` taking `args`, signed in, then `body`. */
const read = (name, body, args = '{ ids: v.array(v.id("posts")) }') => `
export const ${name} = query({
  args: ${args},
  handler: async (ctx, args) => {
${body}
  },
});
`;
const LOOP = "    for (const id of args.ids) {\n      const doc = await ctx.db.get(id);\n";
const PATCH = "      await ctx.db.patch(doc._id, { title: \"archived\" });\n";

test("a for...of loop that skips what is not the caller's (continue, owner-only branch, owner or admin) covers its write and its read; the twins stay reported (attack48 F6)", () => {
  const r = auditReport(
    cli,
    scratchApp("loopskips", "loops", {
      "l.ts":
        HEAD +
        // Accepted: the document is the loop body's own, and the not-owner skips to the next element before anything is written or handed on.
        bulk("skipContinue", `${LOOP}      if (doc === null || doc.ownerId !== me._id) continue;\n${PATCH}    }`) +
        bulk("ownerBranch", `${LOOP}      if (doc === null) continue;\n      if (doc.ownerId === me._id) { await ctx.db.patch(doc._id, { title: "archived" }); }\n    }`) +
        bulk("ownerOrAdminBranch", `${LOOP}      if (doc === null) continue;\n      if (doc.ownerId === me._id || guard.roleAtLeast(me, "admin")) await ctx.db.patch(doc._id, { title: "archived" });\n    }`) +
        bulk("ownerOrAdminContinue", `${LOOP}      if (doc === null) continue;\n      if (doc.ownerId !== me._id && !guard.roleAtLeast(me, "admin")) continue;\n${PATCH}    }`) +
        read("pushMine", `    const me = await guard.requireUser(ctx);\n    const out = [];\n${LOOP}      if (doc !== null && doc.ownerId === me._id) out.push(doc);\n    }\n    return out;`) +
        read("pushMineOrAdmin", `    const me = await guard.requireUser(ctx);\n    const out = [];\n${LOOP}      if (doc && (doc.ownerId === me._id || guard.roleAtLeast(me, "admin"))) out.push(doc);\n    }\n    return out;`) +
        // Reported: the twins.
        bulk("docOutside", `    const doc = await ctx.db.get(args.id);\n    if (doc === null) return null;\n    for (const t of args.tags) {\n      if (doc.ownerId !== me._id) continue;\n      void t;\n    }\n    await ctx.db.patch(doc._id, { title: "archived" });`, '{ id: v.id("posts"), tags: v.array(v.string()) }') +
        bulk("innerLoopContinue", `${LOOP}      if (doc === null) continue;\n      inner: for (const t of args.tags) {\n        if (doc.ownerId !== me._id) continue inner;\n        void t;\n      }\n${PATCH}    }`) +
        bulk("outerLabelContinue", `    outer: for (const t of args.tags) {\n      void t;\n${LOOP}      if (doc === null) continue;\n      for (const k of args.tags) { void k; if (doc.ownerId !== me._id) continue outer; }\n${PATCH}    }\n    }`) +
        bulk("writeBeforeTest", `${LOOP}      if (doc === null) continue;\n${PATCH}      if (doc.ownerId !== me._id) continue;\n    }`) +
        bulk("writeBeforeAdminTest", `${LOOP}      if (doc === null) continue;\n${PATCH}      if (doc.ownerId !== me._id && !guard.roleAtLeast(me, "admin")) continue;\n    }`) +
        bulk("elseWrites", `${LOOP}      if (doc === null) continue;\n      if (doc.ownerId === me._id) await ctx.db.patch(doc._id, { title: "mine" });\n      else await ctx.db.patch(doc._id, { title: "theirs" });\n    }`) +
        read("pushBeforeTest", `    const me = await guard.requireUser(ctx);\n    const out = [];\n${LOOP}      if (doc === null) continue;\n      out.push(doc);\n      if (doc.ownerId !== me._id) continue;\n    }\n    return out;`) +
        read("pushOrArg", `    const me = await guard.requireUser(ctx);\n    const out = [];\n${LOOP}      if (doc && (doc.ownerId === me._id || guard.roleAtLeast(me, "admin") || args.all)) out.push(doc);\n    }\n    return out;`, '{ ids: v.array(v.id("posts")), all: v.boolean() }') +
        read("varDocument", `    const me = await guard.requireUser(ctx);\n    for (const id of args.ids) {\n      var doc = await ctx.db.get(id);\n      if (doc === null || doc.ownerId !== me._id) continue;\n    }\n    return doc;`),
    }),
  );
  assert.deepEqual(idFindings(r), [
    "unchecked-id-read l:pushBeforeTest",
    "unchecked-id-read l:pushOrArg",
    "unchecked-id-read l:varDocument",
    "unchecked-id-write l:docOutside",
    "unchecked-id-write l:elseWrites",
    "unchecked-id-write l:elseWrites",
    "unchecked-id-write l:innerLoopContinue",
    "unchecked-id-write l:outerLabelContinue",
    "unchecked-id-write l:writeBeforeAdminTest",
    "unchecked-id-write l:writeBeforeTest",
  ]);
});

test("owner or admin after Promise.all([requireUser, ctx.db.get]) destructured is read as after sequential awaits; swapped, it stays reported (attack48 F10)", () => {
  const pair = "    const [me, doc] = await Promise.all([guard.requireUser(ctx), ctx.db.get(args.id)]);\n    if (doc === null) return null;\n";
  const swapped = "    const [doc, me] = await Promise.all([guard.requireUser(ctx), ctx.db.get(args.id)]);\n    if (me === null) return null;\n";
  const ID = '{ id: v.id("posts") }';
  const r = auditReport(
    cli,
    scratchApp("loopskips", "promiseall", {
      "p.ts":
        HEAD +
        read("positive", `${pair}    if (doc.ownerId === me._id || guard.roleAtLeast(me, "admin")) return doc;\n    return null;`, ID) +
        read("negated", `${pair}    if (doc.ownerId !== me._id && !guard.roleAtLeast(me, "admin")) return null;\n    return doc;`, ID) +
        bulk("ownerThrow", `${pair.replace("return null", "throw new Error(\"gone\")")}    if (doc.ownerId !== me._id) throw new Error("not yours");\n    await ctx.db.patch(doc._id, { title: "x" });`, ID).replace("const me = await guard.requireUser(ctx);\n", "").replace("await guard.rateLimit", "const me0 = await guard.requireUser(ctx);\n    await guard.rateLimit").replace("key: me._id", "key: me0._id") +
        read("swappedRead", `${swapped}    if (doc.ownerId === me._id || guard.roleAtLeast(me, "admin")) return me;\n    return null;`, ID) +
        bulk("swappedWrite", `${swapped}    if (doc.ownerId === me._id || guard.roleAtLeast(me, "admin")) await ctx.db.patch(me._id, { title: "x" });`, ID).replace("key: me._id", "key: doc._id").replace("const me = await guard.requireUser(ctx);\n", ""),
    }),
  );
  assert.deepEqual(idFindings(r), ["unchecked-id-read p:swappedRead", "unchecked-id-write p:swappedWrite"]);
});

test("the admin branch's listing made through an app helper, or decided in a helper given the caller's row, is covered; swapped or given a forged row it is reported (attack48 F11, L1)", () => {
  const OWN = 'await ctx.db.query("posts").withIndex("by_owner", (q) => q.eq("ownerId", me._id)).take(50)';
  const ALL = 'await ctx.db.query("posts").take(50)';
  const ME = "    const me = await guard.requireUser(ctx);\n";
  const r = auditReport(
    cli,
    scratchApp("loopskips", "helpers", {
      "h.ts":
        HEAD +
        `async function listAll(ctx: QueryCtx) { return ${ALL}; }\n` +
        `async function listFor(ctx: QueryCtx, me: { _id: any; role?: string }) {\n  if (guard.roleAtLeast(me as any, "admin")) return ${ALL};\n  return ${OWN};\n}\n` +
        read("helperAll", `${ME}    if (guard.roleAtLeast(me, "admin")) return await listAll(ctx);\n    return ${OWN};`, "{}") +
        read("helperDecides", `${ME}    return await listFor(ctx, me);`, "{}") +
        read("notPlain", `${ME}    const plain = !guard.roleAtLeast(me, "admin");\n    if (!plain) return ${ALL};\n    return ${OWN};`, "{}") +
        read("helperSwapped", `${ME}    if (guard.roleAtLeast(me, "admin")) return ${OWN};\n    return await listAll(ctx);`, "{}") +
        read("helperForged", `${ME}    return await listFor(ctx, { _id: me._id, role: "admin" });`, "{}") +
        read("plainSwapped", `${ME}    const plain = !guard.roleAtLeast(me, "admin");\n    if (plain) return ${ALL};\n    return ${OWN};`, "{}"),
    }),
  );
  const lists = r.findings.filter((f) => f.rule === "unchecked-list").map((f) => f.function).sort();
  assert.deepEqual(lists, ["h:helperForged", "h:helperSwapped", "h:plainSwapped"]);
});
