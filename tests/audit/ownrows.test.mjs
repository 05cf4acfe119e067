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
import { ANY_API, LISTINGS_GUARD as GUARD, LISTINGS_SCHEMA as SCHEMA, QUERY_HEAD as HEAD, SIGNED_IN_QUERY as QUERY, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = `${root}node_modules/convex-guard/cli.cjs`;

const LISTING = '{ listingId: v.id("listings") }';
const OFFERS = '    const offers = await ctx.db.query("offers").withIndex("by_listing", (q) => q.eq("listingId", args.listingId)).collect();';
const FIRST = '    const first = await ctx.db.query("offers").withIndex("by_listing", (q) => q.eq("listingId", args.listingId)).first();';
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

test("the offers on a listing handed on only through a JS filter or find to the caller's own: not reported (the same offers unfiltered, filtered by the client's word or with an ||, are)", () => {
  const found = reads(
    "own",
    // The same read returned whole: the control.
    QUERY("all", LISTING, `${OFFERS}\n    return offers;`) +
      QUERY("myOffers", LISTING, `${OFFERS}\n    return offers.filter((o) => o.buyerId === user._id);`) +
      QUERY("myOffer", LISTING, `${OFFERS}\n    return offers.find((o) => { return o.buyerId === user._id; }) ?? null;`) +
      QUERY("myTotal", LISTING, `${OFFERS}\n    return offers.filter((o) => o.buyerId === user._id).length;`) +
      QUERY("theirs", '{ listingId: v.id("listings"), buyer: v.id("users") }', `${OFFERS}\n    return offers.filter((o) => o.buyerId === args.buyer);`) +
      QUERY("mineOrBig", LISTING, `${OFFERS}\n    return offers.filter((o) => o.buyerId === user._id || o.amount > 100);`) +
      QUERY("mineAndCount", LISTING, `${OFFERS}\n    return { mine: offers.filter((o) => o.buyerId === user._id), count: offers.length };`) +
      // A configured table's children (the children rule) kept to the caller's own are theirs too (childquery.test.mjs); all of them are high.
      QUERY("myPhotos", LISTING, `${PHOTOS}\n    return photos.filter((p) => p.ownerId === user._id);`) +
      QUERY("allPhotos", LISTING, `${PHOTOS}\n    return photos;`),
  );
  assert.deepEqual(found, ["medium f:all", "medium f:theirs", "medium f:mineOrBig", "medium f:mineAndCount", "high f:allPhotos"]);
});

test("a test of the rows, or of a document read by an argument's id, hands none on: first !== null, !first, rows.length > 0, doc !== null (the rows or document returned are reported)", () => {
  const found = reads(
    "tests",
    QUERY("firstOffer", LISTING, `${FIRST}\n    return first;`) +
      QUERY("hasOffers", LISTING, `${FIRST}\n    return first !== null;`) +
      QUERY("noOffers", LISTING, `${FIRST}\n    return !first;`) +
      QUERY("anyOffers", LISTING, `${OFFERS}\n    return offers.length > 0;`) +
      QUERY("hasPhotos", LISTING, `${PHOTOS}\n    return photos.length !== 0;`) +
      QUERY("listingExists", LISTING, "    const listing = await ctx.db.get(args.listingId);\n    return listing !== null;") +
      QUERY("listing", LISTING, "    const listing = await ctx.db.get(args.listingId);\n    if (listing !== null) return listing;\n    return null;"),
  );
  assert.deepEqual(found, ["medium f:firstOffer", "high f:listing"]);
});

test("a count or an aggregate of the rows is data: rows.length and a reduce returned are reported as the rows are", () => {
  const found = reads(
    "counts",
    QUERY("offerCount", LISTING, `${OFFERS}\n    return offers.length;`) +
      QUERY("offerTotal", LISTING, `${OFFERS}\n    return offers.reduce((sum, o) => sum + o.amount, 0);`) +
      QUERY("summary", LISTING, `${OFFERS}\n    return { count: offers.length };`) +
      QUERY("photoCount", LISTING, `${PHOTOS}\n    return photos.length;`) +
      QUERY("titleLength", LISTING, "    const listing = await ctx.db.get(args.listingId);\n    return listing?.title.length ?? 0;"),
  );
  assert.deepEqual(found, ["medium f:offerCount", "medium f:offerTotal", "medium f:summary", "high f:photoCount", "high f:titleLength"]);
});
