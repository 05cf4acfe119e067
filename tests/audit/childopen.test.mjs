// `unchecked-id-read` of the rows of a table no guard configures, selected by an id of a document
// under access: the classic marketplace leak. "listings" is under access.tables, "offers" is not;
// a query of the offers on a listing by an argument validated `v.id("listings")`, returned, with no
// document check on that argument, hands any signed-in caller the offers (amounts, buyer ids) on
// another seller's private listing. Reported medium (the audit cannot know the rows are private);
// a document check on the argument (requireAccess, the builder's access, a tested readable), an
// owner comparison, or a role above the lowest covers it; a `v.string()` argument, the caller's
// own id, and a configured table (its parent field: the children rule, unchanged) are not this.
// Run the way a user runs it: the bin of the packed tarball, on apps written here.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { ANY_API, LISTINGS_GUARD as GUARD, LISTINGS_SCHEMA as SCHEMA, QUERY_HEAD as HEAD, SIGNED_IN_QUERY as QUERY, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = `${root}node_modules/convex-guard/cli.cjs`;

const LISTING = '{ listingId: v.id("listings") }';
const BY_INDEX = '    return await ctx.db.query("offers").withIndex("by_listing", (q) => q.eq("listingId", args.listingId)).collect();';

/** The unchecked-id-read findings of `audit convex` on an app of `text`. */
function reads(name, text) {
  const appRoot = scratchApp("childopen", name, { "schema.ts": SCHEMA, "f.ts": text, ...ANY_API }, GUARD);
  const r = spawnSync(process.execPath, [cli, "audit", "convex", "--json"], { cwd: appRoot, encoding: "utf8" });
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout).findings.filter((f) => f.rule === "unchecked-id-read");
}

test("the offers on a listing, read by its id from the arguments with no check on it: medium, by index or filter", () => {
  const found = reads(
    "leaks",
    HEAD +
      `export const offersOf = guard.query(query, {
  args: { listingId: v.id("listings") },
  handler: (ctx, { listingId }) =>
    ctx.db.query("offers").withIndex("by_listing", (q) => q.eq("listingId", listingId)).collect(),
});
` +
      QUERY("byFilter", LISTING, '    const offers = await ctx.db.query("offers").filter((q) => q.eq(q.field("listingId"), args.listingId)).take(10);\n    return offers.map((o) => o.amount);') +
      QUERY("best", '{ listingId: v.optional(v.id("listings")) }', '    return await ctx.db.query("offers").withIndex("by_listing", (q) => q.eq("listingId", args.listingId)).first();') +
      QUERY("paged", LISTING, '    return await ctx.db.query("offers").filter((q) => q.eq(q.field("listingId"), args.listingId)).paginate({ numItems: 10, cursor: null });') +
      QUERY("one", LISTING, '    const offer = await ctx.db.query("offers").withIndex("by_listing", (q) => q.eq("listingId", args.listingId)).unique();\n    return offer?.amount;'),
  );
  assert.deepEqual(
    found.map((f) => `${f.line} ${f.severity} ${f.function}`),
    ["7 medium f:offersOf", "14 medium f:byFilter", "23 medium f:best", "31 medium f:paged", "39 medium f:one"],
  );
  assert.equal(
    found[0].message,
    "f:offersOf returns the rows of 'offers' whose field 'listingId' equals argument 'listingId', an id of a 'listings' document under access, with no document check on it, to any signed-in caller: 'offers' is under no guard's access.tables, so the audit cannot know whether its rows are private; if they belong to that document, a caller who may not see it reads them",
  );
  assert.equal(
    found[0].fix,
    `Check the document first: guard.requireAccess(ctx, "listings", listingId, "viewer") (or the builder's access: { table: "listings", arg: "listingId" }), so only a caller who may see it reads its 'offers' rows.`,
  );
});

test("a document check on the listing argument, an owner comparison or a role above the lowest covers its offers (the same read unchecked is reported)", () => {
  const found = reads(
    "covered",
    HEAD +
      // The same read with no check: the control.
      QUERY("unchecked", LISTING, BY_INDEX) +
      QUERY("checked", LISTING, `    await guard.requireAccess(ctx, "listings", args.listingId, "viewer");\n${BY_INDEX}`) +
      QUERY("readableTested", LISTING, `    const listing = await guard.readable(ctx, "listings", args.listingId);\n    if (listing === null) throw new Error("not found");\n${BY_INDEX}`) +
      QUERY("ownerCompared", LISTING, `    const listing = await ctx.db.get(args.listingId);\n    if (listing === null || listing.ownerId !== user._id) throw new Error("not found");\n${BY_INDEX}`) +
      `export const builderAccess = guard.query(query, {
  access: { table: "listings", arg: "listingId" },
  args: { listingId: v.id("listings") },
  handler: async (ctx, { listingId }) => ctx.db.query("offers").withIndex("by_listing", (q) => q.eq("listingId", listingId)).collect(),
});
export const admins = query({
  args: { listingId: v.id("listings") },
  handler: async (ctx, args) => {
    await guard.requireRole(ctx, "admin");
${BY_INDEX}
  },
});
`,
  );
  assert.deepEqual(found.map((f) => `${f.severity} ${f.function}`), ["medium f:unchecked"]);
});

test("a v.string() argument, the caller's own id (alone or beside the listing's), a row count, or a configured table's parent field (the children rule) is not this read (a v.id argument, the control, is)", () => {
  const found = reads(
    "others",
    HEAD +
      // The same filter by a v.id("listings") argument: the control.
      QUERY("byId", LISTING, '    return await ctx.db.query("offers").filter((q) => q.eq(q.field("listingId"), args.listingId)).collect();') +
      QUERY("byString", "{ listingId: v.string() }", '    return await ctx.db.query("offers").filter((q) => q.eq(q.field("listingId"), args.listingId)).collect();') +
      QUERY("mine", "{}", '    return await ctx.db.query("offers").withIndex("by_buyer", (q) => q.eq("buyerId", user._id)).collect();') +
      // The caller's own offer on the listing (attack24): by a compound index, or a filter.
      QUERY("myOffer", LISTING, '    return await ctx.db.query("offers").withIndex("by_listing_and_buyer", (q) => q.eq("listingId", args.listingId).eq("buyerId", user._id)).unique();') +
      QUERY("myOffers", LISTING, '    return await ctx.db.query("offers").withIndex("by_listing", (q) => q.eq("listingId", args.listingId)).filter((q) => q.eq(q.field("buyerId"), user._id)).collect();') +
      QUERY("counted", LISTING, `    const offers = await ctx.db.query("offers").withIndex("by_listing", (q) => q.eq("listingId", args.listingId)).collect();\n    if (offers.length > 100) throw new Error("full");\n    return null;`) +
      QUERY("photos", LISTING, '    return await ctx.db.query("photos").withIndex("by_listing", (q) => q.eq("listingId", args.listingId)).collect();'),
  );
  // The photos are configured children: high, in the children rule's words, as before.
  assert.deepEqual(
    found.map((f) => `${f.severity} ${f.function}: ${f.message}`),
    [
      "medium f:byId: f:byId returns the rows of 'offers' whose field 'listingId' equals argument 'listingId', an id of a 'listings' document under access, with no document check on it, to any signed-in caller: 'offers' is under no guard's access.tables, so the audit cannot know whether its rows are private; if they belong to that document, a caller who may not see it reads them",
      "high f:photos: f:photos returns the rows of 'photos' whose parent field 'listingId' equals argument 'listingId' (the children of a 'listings' document), to any signed-in caller, with no check that the caller may see that parent",
    ],
  );
});

test("through the internal query it runs: medium at the call, in this rule's words; a check on the listing covers it", () => {
  const INNER = `import { internalQuery } from "./_generated/server";
import { internal } from "./_generated/api";
export const offersInner = internalQuery({
  args: { listingId: v.id("listings") },
  handler: async (ctx, { listingId }) => ctx.db.query("offers").withIndex("by_listing", (q) => q.eq("listingId", listingId)).collect(),
});
`;
  const found = reads(
    "through",
    HEAD +
      INNER +
      QUERY("relayed", LISTING, "    return await ctx.runQuery(internal.f.offersInner, { listingId: args.listingId });") +
      QUERY("relayedChecked", LISTING, '    await guard.requireAccess(ctx, "listings", args.listingId, "viewer");\n    return await ctx.runQuery(internal.f.offersInner, { listingId: args.listingId });'),
  );
  assert.deepEqual(found.map((f) => `${f.severity} ${f.function}`), ["medium f:relayed"]);
  assert.match(found[0].message, /^f:relayed \(through internal\.f\.offersInner, ctx\.runQuery\) returns the rows of 'offers' whose field 'listingId' equals argument 'listingId', an id of a 'listings' document under access/);
});
