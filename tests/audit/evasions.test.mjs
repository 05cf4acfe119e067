// `unchecked-id-read` evasions attack24 found (false negatives): each shape here read another
// caller's rows and passed the audit clean. A `let` set from the checked document and then
// assigned an unchecked argument; an argument rebound through a spread object; a `v.string()`
// argument made an id of a table under access by `normalizeId`; a query held in a variable and
// awaited into another; `rows.sort(...)[0]`; and rows reaching the answer through `for await`.
// Run the way a user runs it: the bin of the packed tarball, on apps written here.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { ANY_API, CLI, QUERY_HEAD as HEAD, SCHEMA_HEAD, SIGNED_IN_QUERY as QUERY, scratchApp } from "./apps.mjs";

const cli = CLI;

const SCHEMA = `${SCHEMA_HEAD}  listings: defineTable({ title: v.string(), ownerId: v.id("users") }),
  offers: defineTable({ listingId: v.id("listings"), buyerId: v.id("users"), amount: v.number() }).index("by_listing", ["listingId"]),
  pages: defineTable({ title: v.string(), ownerId: v.id("users") }),
  comments: defineTable({ pageId: v.id("pages"), ownerId: v.id("users"), body: v.string() }).index("by_page", ["pageId"]),
});
`;

// listings and pages under access, comments filed under a page; offers not configured.
const GUARD = `import { defineGuard } from "convex-guard";

export const guard = defineGuard({
  roles: ["user", "admin"],
  access: {
    tables: {
      listings: { owner: "ownerId" },
      pages: { owner: "ownerId" },
      comments: { owner: "ownerId", parent: "pageId", parentTable: "pages" },
    },
  },
});
`;

/** The unchecked-id-read findings of `audit convex` on an app of `text`, as `severity function arg`. */
function reads(name, text) {
  const appRoot = scratchApp("evasions", name, { "schema.ts": SCHEMA, "f.ts": text, ...ANY_API }, GUARD);
  const r = spawnSync(process.execPath, [cli, "audit", "convex", "--json"], { cwd: appRoot, encoding: "utf8" });
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout)
    .findings.filter((f) => f.rule === "unchecked-id-read")
    .map((f) => `${f.severity} ${f.function} ${/argument '([^']+)'/.exec(f.message)?.[1]}`);
}

const PAGES = '{ pageId: v.id("pages"), other: v.id("pages") }';
const CHECKED = '    const r = await guard.readable(ctx, "pages", args.pageId, "owner");\n    if (!r) return null;\n';
const COMMENTS = (id) => `    return await ctx.db.query("comments").withIndex("by_page", (q) => q.eq("pageId", ${id})).collect();`;

test("a let assigned another argument loses what its first value was: the read is judged by the value it holds there", () => {
  const found = reads(
    "lets",
    HEAD +
      // The checked page's own id, then the unchecked one (attack24 v9).
      QUERY("fromChecked", PAGES, `${CHECKED}    let pid = r.doc._id;\n    pid = args.other;\n${COMMENTS("pid")}`) +
      // The checked argument, then another one.
      QUERY("fromArg", PAGES, `    let pid = args.pageId;\n    await guard.requireAccess(ctx, "pages", pid, "owner");\n    pid = args.other;\n${COMMENTS("pid")}`) +
      // Controls: the same let never assigned again, and assigned again before its check, are clean.
      QUERY("kept", PAGES, `    let pid = args.pageId;\n    await guard.requireAccess(ctx, "pages", pid, "owner");\n${COMMENTS("pid")}`) +
      QUERY("checkedAfter", PAGES, `    let pid = args.pageId;\n    pid = args.other;\n    await guard.requireAccess(ctx, "pages", pid, "owner");\n${COMMENTS("pid")}`),
  );
  assert.deepEqual(found, ["high f:fromChecked other", "high f:fromArg other"]);
});

const LISTING = '{ listingId: v.id("listings") }';
const OFFERS = (id) => `ctx.db.query("offers").withIndex("by_listing", (q) => q.eq("listingId", ${id}))`;

test("an argument rebound through a spread object, and a v.string() argument made a listing's id by normalizeId, select the offers of that listing", () => {
  const found = reads(
    "rebound",
    HEAD +
      QUERY("spreadBound", LISTING, `    const { listingId: lid } = { ...args };\n    return await ${OFFERS("lid")}.collect();`) +
      QUERY("spreadCopy", LISTING, `    const a = { ...args };\n    return await ${OFFERS("a.listingId")}.collect();`) +
      QUERY("normalized", "{ listingId: v.string() }", `    const lid = ctx.db.normalizeId("listings", args.listingId);\n    if (lid === null) return [];\n    return await ${OFFERS("lid")}.collect();`) +
      // Controls: a field written over the spread is that field's value; a string no normalizeId names stays too uncertain.
      QUERY("overridden", LISTING, `    const { listingId: lid } = { ...args, listingId: undefined };\n    return await ${OFFERS("lid")}.collect();`) +
      QUERY("plainString", "{ listingId: v.string() }", `    return await ${OFFERS("args.listingId")}.collect();`),
  );
  assert.deepEqual(found, ["medium f:spreadBound listingId", "medium f:spreadCopy listingId", "medium f:normalized listingId"]);
});

test("rows reach the answer through a query held in a variable, a sorted copy's element, and for await", () => {
  const found = reads(
    "rows",
    HEAD +
      QUERY("heldQuery", LISTING, `    const base = ${OFFERS("args.listingId")};\n    const rows = await base.order("desc").take(5);\n    return rows;`) +
      QUERY("sortedFirst", LISTING, `    const rows = await ${OFFERS("args.listingId")}.collect();\n    const top = rows.sort((a, b) => b.amount - a.amount)[0];\n    return top;`) +
      QUERY("forAwait", LISTING, `    const out = [];\n    for await (const o of ${OFFERS("args.listingId")}) out.push(o);\n    return out;`) +
      QUERY("forAwaitReturn", LISTING, `    for await (const o of ${OFFERS("args.listingId")}) {\n      if (o.amount > 100) return o;\n    }\n    return null;`) +
      // Controls: only a count of the rows, and a loop that only tests them, hand none on.
      QUERY("counted", LISTING, `    const base = ${OFFERS("args.listingId")};\n    const rows = await base.collect();\n    if (rows.length > 100) throw new Error("full");\n    return null;`) +
      QUERY("tested", LISTING, `    for await (const o of ${OFFERS("args.listingId")}) {\n      if (o.amount > 100) throw new Error("too high");\n    }\n    return null;`),
  );
  assert.deepEqual(found, ["medium f:heldQuery listingId", "medium f:sortedFirst listingId", "medium f:forAwait listingId", "medium f:forAwaitReturn listingId"]);
});

test("a check on a let does not cover a write, or an insert's parent, after the let is assigned another argument (attack14's and attack13's gaps)", () => {
  const appRoot = scratchApp("evasions", "letDelete", {
    "schema.ts": SCHEMA,
    ...ANY_API,
    "f.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
export const moved = mutation({
  args: { a: v.id("pages"), b: v.id("pages") },
  handler: async (ctx, args) => {
    let id = args.a;
    await guard.requireAccess(ctx, "pages", id, "owner");
    id = args.b;
    await ctx.db.patch(id, { title: "x" });
    return null;
  },
});
export const filed = mutation({
  args: { a: v.id("pages"), b: v.id("pages") },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    let page = args.a;
    await guard.requireAccess(ctx, "pages", page, "editor");
    page = args.b;
    await ctx.db.insert("comments", { pageId: page, ownerId: user._id, body: "" });
    return null;
  },
});
`,
  }, GUARD);
  const r = spawnSync(process.execPath, [cli, "audit", "convex", "--json"], { cwd: appRoot, encoding: "utf8" });
  const found = JSON.parse(r.stdout).findings.filter((f) => f.rule === "unchecked-id-write" || f.rule === "access-field-write").map((f) => `${f.rule} ${f.severity} ${f.function} ${/argument '([^']+)'/.exec(f.message)?.[1]}`);
  // The insert's parent is the page assigned last (attack13's documented gap), not the checked one.
  assert.deepEqual(found, ["unchecked-id-write high f:moved b", "access-field-write high f:filed b"]);
});

test("a guard.safeAction(...) exported without action(...) around it is listed as unresolved-function, not dropped", () => {
  const body = '{ name: "sa", args: { listingId: v.id("listings") }, handler: async (_ctx, args) => args.listingId }';
  const appRoot = scratchApp("evasions", "safeAction", {
    "schema.ts": SCHEMA,
    ...ANY_API,
    "f.ts": `import { v } from "convex/values";
import { action } from "./_generated/server";
import { guard } from "./guard";
// @ts-expect-error safeAction takes the definition only
export const misplaced = guard.safeAction(action, ${body});
export const unwrapped = guard.safeAction(${body});
// The control: registered as an action.
export const wrapped = action(guard.safeAction(${body}));
`,
  }, GUARD);
  const r = spawnSync(process.execPath, [cli, "audit", "convex", "--json"], { cwd: appRoot, encoding: "utf8" });
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.functions.map((f) => `${f.function} ${f.kind} ${f.visibility}`).sort(), ["f:misplaced unknown unknown", "f:unwrapped unknown unknown", "f:wrapped action public"]);
  assert.deepEqual(report.findings.filter((f) => f.rule === "unresolved-function").map((f) => `${f.function} ${f.line}`).sort(), ["f:misplaced 5", "f:unwrapped 6"]);
});
