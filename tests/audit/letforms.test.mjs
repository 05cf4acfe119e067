// A `let` given another document or listing by a form other than `x = value` fails closed
// (attack50 F3, F4): a spread reassignment (`rows = [...rows, ...<rows>]`) hands its rows on as
// `concat` and `push` do; a logical assignment (`doc ??= ...`, `rows ||= ...`) gives the
// variable its right side; `[doc] = await Promise.all([...])` its element; a write in a callback
// created above the use, or one later in a loop round the use (carried to it by the next round),
// is what the variable may hold there. Each function marks its finding with `// FINDING rule`;
// correct code carries none. Run the way a user runs it: the bin of the packed tarball
// (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, foundRules as found, markers, scratchApp, FOLDERS_GUARD, FOLDERS_SCHEMA, RATED_FN as fn, RATED_HEAD as HEAD } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
// The documents of a folder are read through an index on their parent field.
const SCHEMA = FOLDERS_SCHEMA.replace('folderId: v.optional(v.id("folders")) }).index("by_owner", ["ownerId"])', '$&.index("by_folder", ["folderId"])');
const app = (name, text) => scratchApp("letforms", name, { "schema.ts": SCHEMA, "f.ts": text }, FOLDERS_GUARD);

const TWO = '{ id: v.id("documents"), other: v.id("documents") }';
const READ = "    let doc = await ctx.db.get(args.id);\n";
const CHECK = '    if (doc === null || doc.ownerId !== me._id) throw new Error("no");\n';
const PATCH = '    await ctx.db.patch(doc!._id, { title: "" });';

test("a checked document's `let` given another by `??=`, destructuring, a callback or a loop's next round: that one is written unchecked (attack50 F4)", () => {
  const dir = app(
    "docs",
    HEAD +
      fn("mutation", "nullish", TWO, `${READ}    if (doc !== null && doc.ownerId !== me._id) throw new Error("no");\n    doc ??= await ctx.db.get(args.other);\n${PATCH} // FINDING unchecked-id-write`) +
      fn("mutation", "destructured", TWO, `${READ}${CHECK}    [doc] = await Promise.all([ctx.db.get(args.other)]);\n${PATCH} // FINDING unchecked-id-write`) +
      fn("mutation", "callback", TWO, `${READ}${CHECK}    await Promise.all([args.other].map(async (o) => {\n      doc = await ctx.db.get(o);\n    }));\n${PATCH} // FINDING unchecked-id-write`) +
      fn("mutation", "loopCarried", '{ id: v.id("documents"), next: v.array(v.id("documents")) }', `${READ}${CHECK}    for (const n of args.next) {\n  ${PATCH} // FINDING unchecked-id-write\n      doc = await ctx.db.get(n);\n    }`) +
      // Correct: each document checked where the `let` holds it.
      fn("mutation", "nullishChecked", TWO, `${READ}    doc ??= await ctx.db.get(args.other);\n${CHECK}${PATCH}`) +
      fn("mutation", "loopChecked", '{ id: v.id("documents"), next: v.array(v.id("documents")) }', `${READ}${CHECK}    for (const n of args.next) {\n      doc = await ctx.db.get(n);\n  ${CHECK}  ${PATCH}\n    }`) +
      fn("mutation", "destructuredChecked", TWO, `${READ}${CHECK}    [doc] = await Promise.all([ctx.db.get(args.other)]);
${CHECK}${PATCH}`) +
      fn("mutation", "checked", TWO, `${READ}${CHECK}${PATCH}`),
  );
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-id-write"), markers(`${dir}/convex`));
  assert.match(r.findings.find((f) => f.function === "f:nullish").message, /argument 'other'/);
});

const OWN = 'ctx.db.query("documents").withIndex("by_owner", (q) => q.eq("ownerId", me._id))';
const ALL = 'ctx.db.query("documents")';
const CHILDREN = (id) => `ctx.db.query("documents").withIndex("by_folder", (q) => q.eq("folderId", ${id}))`;

test("rows given to a `let` by a spread reassignment or `||=` reach its `return` (attack50 F3, F4)", () => {
  const dir = app(
    "lists",
    HEAD +
      fn("query", "spreadChildren", '{ folderId: v.id("folders") }', `    let rows = await ${OWN}.collect();\n    rows = [...rows, ...(await ${CHILDREN("args.folderId")}.collect())]; // FINDING unchecked-id-read\n    return rows;`) +
      fn("query", "spreadLoop", '{ folders: v.array(v.id("folders")) }', `    let rows = await ${OWN}.collect();\n    for (const f of args.folders) rows = [...rows, ...(await ${CHILDREN("f")}.collect())]; // FINDING unchecked-id-read\n    return rows;`) +
      fn("query", "spreadAll", "{}", `    let rows = await ${OWN}.collect();\n    rows = [...rows, ...(await ${ALL}.take(5))]; // FINDING unchecked-list\n    return rows;`) +
      fn("query", "orAssign", "{}", `    let rows: any[] | null = null;\n    if (guard.roleAtLeast(me, "admin")) rows = await ${ALL}.collect();\n    rows ||= await ${ALL}.collect(); // FINDING unchecked-list\n    return rows;`) +
      // Correct: the caller's own rows, spread or given by `||=`; the admin's every row.
      fn("query", "spreadOwn", "{}", `    let rows = await ${OWN}.take(5);\n    rows = [...rows, ...(await ${OWN}.order("desc").take(5))];\n    return rows;`) +
      fn("query", "orAssignOwn", "{}", `    let rows: any[] | null = null;\n    if (guard.roleAtLeast(me, "admin")) rows = await ${ALL}.collect();\n    rows ||= await ${OWN}.collect();\n    return rows;`),
  );
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-id-read", "unchecked-list"), markers(`${dir}/convex`));
});
