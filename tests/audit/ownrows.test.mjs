// `unchecked-id-read` of rows selected by an id of a document under access, and what the answer
// makes of them (attack24): a JavaScript `filter`/`find` to the caller's own rows of a table no
// guard configures hands on only the caller's own; a test of the rows (`first !== null`, `!row`,
// `rows.length > 0`) hands none on, also of a document read with `ctx.db.get` into a variable;
// a count or any other value computed from them (`rows.length`, `reduce`) is data: it tells how
// many offers a listing the caller may not see has. Run the way a user runs it: the bin of the
// packed tarball, on apps written here.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { ANY_API, QUERY_HEAD as HEAD, SIGNED_IN_QUERY as QUERY, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = `${root}node_modules/convex-guard/cli.cjs`;

// listings and their photos (filed under a listing) under access; bids not.
const SCHEMA = `import { accessTables } from "convex-guard";
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  ...accessTables,
  users: defineTable({ tokenIdentifier: v.string(), name: v.string(), role: v.optional(v.string()) }).index("by_tokenIdentifier", ["tokenIdentifier"]),
  listings: defineTable({ title: v.string(), ownerId: v.id("users") }),
  bids: defineTable({ listingId: v.id("listings"), bidderId: v.id("users"), amount: v.number() }).index("by_listing", ["listingId"]),
  photos: defineTable({ listingId: v.id("listings"), ownerId: v.id("users"), url: v.string() }).index("by_listing", ["listingId"]),
});
`;

const GUARD = `import { defineGuard } from "convex-guard";

export const guard = defineGuard({
  roles: ["user", "admin"],
  access: {
    tables: {
      listings: { owner: "ownerId" },
      photos: { owner: "ownerId", parent: "listingId", parentTable: "listings" },
    },
  },
});
`;

const LISTING = '{ listingId: v.id("listings") }';
const BIDS = '    const bids = await ctx.db.query("bids").withIndex("by_listing", (q) => q.eq("listingId", args.listingId)).collect();';
const FIRST = '    const first = await ctx.db.query("bids").withIndex("by_listing", (q) => q.eq("listingId", args.listingId)).first();';
const PHOTOS = '    const photos = await ctx.db.query("photos").withIndex("by_listing", (q) => q.eq("listingId", args.listingId)).collect();';

/** The unchecked-id-read findings of `audit convex` on an app of `text`, as `severity function`. */
function reads(name, text) {
  const appRoot = scratchApp("ownrows", name, { "schema.ts": SCHEMA, "f.ts": HEAD + text, ...ANY_API }, GUARD);
  const r = spawnSync(process.execPath, [cli, "audit", "convex", "--json"], { cwd: appRoot, encoding: "utf8" });
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout)
    .findings.filter((f) => f.rule === "unchecked-id-read")
    .map((f) => `${f.severity} ${f.function}`);
}

test("the bids on a listing handed on only through a JS filter or find to the caller's own: not reported (the same bids unfiltered, filtered by the client's word or with an ||, are)", () => {
  const found = reads(
    "own",
    // The same read returned whole: the control.
    QUERY("all", LISTING, `${BIDS}\n    return bids;`) +
      QUERY("myBids", LISTING, `${BIDS}\n    return bids.filter((b) => b.bidderId === user._id);`) +
      QUERY("myBid", LISTING, `${BIDS}\n    return bids.find((b) => { return b.bidderId === user._id; }) ?? null;`) +
      QUERY("myTotal", LISTING, `${BIDS}\n    return bids.filter((b) => b.bidderId === user._id).length;`) +
      QUERY("theirs", '{ listingId: v.id("listings"), bidder: v.id("users") }', `${BIDS}\n    return bids.filter((b) => b.bidderId === args.bidder);`) +
      QUERY("mineOrBig", LISTING, `${BIDS}\n    return bids.filter((b) => b.bidderId === user._id || b.amount > 100);`) +
      QUERY("mineAndCount", LISTING, `${BIDS}\n    return { mine: bids.filter((b) => b.bidderId === user._id), count: bids.length };`) +
      // A configured table's children: the children rule, whose parent check this does not replace.
      QUERY("myPhotos", LISTING, `${PHOTOS}\n    return photos.filter((p) => p.ownerId === user._id);`),
  );
  assert.deepEqual(found, ["medium f:all", "medium f:theirs", "medium f:mineOrBig", "medium f:mineAndCount", "high f:myPhotos"]);
});

test("a test of the rows, or of a document read by an argument's id, hands none on: first !== null, !first, rows.length > 0, doc !== null (the rows or document returned are reported)", () => {
  const found = reads(
    "tests",
    QUERY("firstBid", LISTING, `${FIRST}\n    return first;`) +
      QUERY("hasBids", LISTING, `${FIRST}\n    return first !== null;`) +
      QUERY("noBids", LISTING, `${FIRST}\n    return !first;`) +
      QUERY("anyBids", LISTING, `${BIDS}\n    return bids.length > 0;`) +
      QUERY("hasPhotos", LISTING, `${PHOTOS}\n    return photos.length !== 0;`) +
      QUERY("listingExists", LISTING, "    const listing = await ctx.db.get(args.listingId);\n    return listing !== null;") +
      QUERY("listing", LISTING, "    const listing = await ctx.db.get(args.listingId);\n    if (listing !== null) return listing;\n    return null;"),
  );
  assert.deepEqual(found, ["medium f:firstBid", "high f:listing"]);
});

test("a count or an aggregate of the rows is data: rows.length and a reduce returned are reported as the rows are", () => {
  const found = reads(
    "counts",
    QUERY("bidCount", LISTING, `${BIDS}\n    return bids.length;`) +
      QUERY("bidTotal", LISTING, `${BIDS}\n    return bids.reduce((sum, b) => sum + b.amount, 0);`) +
      QUERY("summary", LISTING, `${BIDS}\n    return { count: bids.length };`) +
      QUERY("photoCount", LISTING, `${PHOTOS}\n    return photos.length;`) +
      QUERY("titleLength", LISTING, "    const listing = await ctx.db.get(args.listingId);\n    return listing?.title.length ?? 0;"),
  );
  assert.deepEqual(found, ["medium f:bidCount", "medium f:bidTotal", "medium f:summary", "high f:photoCount", "high f:titleLength"]);
});
