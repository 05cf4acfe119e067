// A Clerk marketplace on ONE guard (convex/marketplace.ts): roles from the token's `role` claim,
// listings owned by and shared between `externalUsers` rows, through the guard's own builders
// with `access`. From the seller's side, and from the attacker's: a token claiming admin with no
// row, a row whose stored role says admin under a buyer's token, claims that are no role.
import type { JSONValue } from "convex/values";
import { afterEach, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { market } from "./marketplace";
import schema from "./schema";
import { newTest, outcome, type Outcome } from "./test.setup";

const ISSUER = "https://verb-noun-42.clerk.accounts.dev";
const UNAUTH: Outcome = { code: "UNAUTHENTICATED", message: "Authentication required" };
const NOT_FOUND: Outcome = { code: "NOT_FOUND", message: "Document not found" };
const lacks = (permission: string): Outcome => ({ code: "FORBIDDEN", message: `Permission '${permission}' required` });
const fn = api.marketplace;

afterEach(() => {
  vi.restoreAllMocks();
});

/** Clerk's identity as Convex makes it from the JWT: `sub` the Clerk user id, `role` the template's claim. */
const clerk = (userId: string, role?: JSONValue) => ({ issuer: ISSUER, subject: userId, ...(role === undefined ? {} : { role }) });

/** Sam sells, Cole co-sells, Bea buys; each has a row (Bea's stored role says admin: never read). */
async function world() {
  const t = newTest();
  const row = (externalId: string, name: string, role?: string) =>
    t.run((ctx) => ctx.db.insert("externalUsers", { externalId, name, ...(role === undefined ? {} : { role }) }));
  const u: Record<string, Id<"externalUsers">> = {
    sam: await row("user_sam", "Sam"),
    cole: await row("user_cole", "Cole"),
    bea: await row("user_bea", "Bea", "admin"),
  };
  const sam = t.withIdentity(clerk("user_sam", "seller"));
  const cole = t.withIdentity(clerk("user_cole", "seller"));
  const bea = t.withIdentity(clerk("user_bea", "buyer"));
  return { t, u, sam, cole, bea };
}

test("one guard: a seller owns a listing by their row and shares it; roles come from the token", async () => {
  const { t, u, sam, cole, bea } = await world();
  const id = await sam.mutation(fn.createListing, { title: "bike" });
  expect(await t.run((ctx) => ctx.db.get(id))).toMatchObject({ sellerId: u.sam, visibility: "private" });
  expect(await sam.query(fn.getListing, { id })).toEqual({ title: "bike", seller: u.sam });
  // Private: nobody else sees it, not even a seller.
  expect(await outcome(cole.query(fn.getListing, { id }))).toEqual(NOT_FOUND);
  expect(await outcome(bea.query(fn.getListing, { id }))).toEqual(NOT_FOUND);
  // Shared by row id: Cole edits, Bea views.
  await sam.mutation(fn.shareListing, { id, userId: u.cole!, level: "editor" });
  await sam.mutation(fn.shareListing, { id, userId: u.bea!, level: "viewer" });
  expect(await cole.mutation(fn.renameListing, { id, title: "red bike" })).toBe(u.cole);
  expect(await bea.query(fn.getListing, { id })).toEqual({ title: "red bike", seller: u.sam });
  // Bea is a buyer by her token, whatever her row's `role` field says: she may not edit, and
  // her viewer grant gives no edit either.
  expect(await outcome(bea.mutation(fn.renameListing, { id, title: "mine" }))).toEqual(lacks("listings:edit"));
  // Cole, an editor, may not share (the owner's level: only the seller shares).
  expect(await outcome(cole.mutation(fn.shareListing, { id, userId: u.bea!, level: "editor" }))).toEqual({
    code: "FORBIDDEN",
    message: "Access level 'owner' or higher required",
  });
  // The grants name rows.
  const grants = await t.run(async (ctx) => (await ctx.db.query("accessGrants").collect()).map((g) => [g.userId, g.level, g.grantedBy]));
  expect(grants).toEqual(expect.arrayContaining([[u.cole, "editor", u.sam], [u.bea, "viewer", u.sam]]));
  expect(grants).toHaveLength(2);
});

test("the same token role in a new session: the same row, the same listings (one actor id space)", async () => {
  const { t, u, sam } = await world();
  const id = await sam.mutation(fn.createListing, { title: "lamp" });
  // Clerk signs a new token (another session, a role refreshed to admin): the row is the same.
  const again = t.withIdentity({ ...clerk("user_sam", "admin"), sessionId: "sess_2" });
  expect(await again.query(fn.getListing, { id })).toEqual({ title: "lamp", seller: u.sam });
  expect(await again.mutation(fn.renameListing, { id, title: "desk lamp" })).toBe(u.sam);
});

test("attacker: a token claiming admin with no row is no user (UNAUTHENTICATED), and creates nothing", async () => {
  const { t, sam } = await world();
  const id = await sam.mutation(fn.createListing, { title: "bike" });
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  const mallory = t.withIdentity(clerk("user_mallory", "admin"));
  expect(await outcome(mallory.mutation(fn.createListing, { title: "x" }))).toEqual(UNAUTH);
  expect(await outcome(mallory.query(fn.getListing, { id }))).toEqual(UNAUTH);
  expect(await outcome(mallory.mutation(fn.renameListing, { id, title: "x" }))).toEqual(UNAUTH);
  expect(await outcome(mallory.action(fn.requestPayout, {}))).toEqual(UNAUTH);
  expect(await t.run((ctx) => ctx.db.query("listings").collect())).toHaveLength(1);
  // The developer is told why (never the caller): the row this setup looks for is missing.
  expect(warn).toHaveBeenCalledWith(
    'convex-guard: a signed-in caller has no users row (table externalUsers, field externalId = claim subject, index byExternalId, role claim role): every check denies them UNAUTHENTICATED until the row exists; create it when they sign in, unless it was deleted (then the session stays refused) (docs/auth.md: "Your auth provider")',
  );
});

test("attacker: a row whose stored role says admin, under a buyer's token: the claim wins", async () => {
  const { t, sam, bea } = await world();
  const id = await sam.mutation(fn.createListing, { title: "bike" });
  expect(await outcome(bea.mutation(fn.createListing, { title: "x" }))).toEqual(lacks("listings:create"));
  expect(await outcome(bea.mutation(fn.renameListing, { id, title: "x" }))).toEqual(lacks("listings:edit"));
  expect(await outcome(bea.action(fn.requestPayout, {}))).toEqual(lacks("payouts:request"));
  // The same row under an admin token holds admin: the role is the token's, not the row's.
  const beaAdmin = t.withIdentity(clerk("user_bea", "admin"));
  expect(await outcome(beaAdmin.mutation(fn.createListing, { title: "y" }))).toHaveProperty("ok");
});

test("a claim that is not a configured role holds no role: the row is still the user", async () => {
  const { t, u, sam } = await world();
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  for (const role of ["Seller", "seller ", ["seller"], true, 3, "__proto__", "org:admin", null, undefined]) {
    const as = t.withIdentity(clerk("user_sam", role));
    expect(await outcome(as.mutation(fn.createListing, { title: "x" })), JSON.stringify(role)).toEqual(lacks("listings:create"));
  }
  // Logged as the claim it is, with the row's id and never the value.
  expect(warn).toHaveBeenCalledWith(
    `convex-guard: user ${u.sam} has a string in the token's claim 'role', not a configured role name (closest configured role: 'seller'); it holds no role. Put one of the configured role names exactly in the claim (your auth provider's token template or the user's metadata).`,
  );
  expect(warn.mock.calls.flat().join("\n")).not.toMatch(/Seller|__proto__|org:admin/);
  // Without a role Sam is still his row: his own listing, made while he was a seller, is his.
  const id = await sam.mutation(fn.createListing, { title: "bike" });
  expect(await t.withIdentity(clerk("user_sam")).query(fn.getListing, { id })).toEqual({ title: "bike", seller: u.sam });
});

test("rate-limit keys and audit actors are the caller's row id, never the token's identifier", async () => {
  const { t, u, sam } = await world();
  expect(await sam.action(fn.requestPayout, {})).toEqual({ status: "queued" });
  for (const title of ["a", "b"]) await sam.mutation(fn.createListing, { title });
  // The limit is 3 a minute for the seller, across the builder and the safe action.
  expect(await outcome(sam.mutation(fn.createListing, { title: "c" }))).toMatchObject({ code: "RATE_LIMITED" });
  const keys = await t.run(async (ctx) => (await ctx.db.query("guardRateLimits").collect()).map((r) => [r.name, r.key]));
  expect(keys).toEqual([["listingWrites", u.sam]]);
  const trail = await t.run((ctx) => ctx.db.query("guardAudit").collect());
  expect(trail.map((r) => [r.action, r.actor, r.outcome])).toEqual([
    ["marketplace.requestPayout", u.sam, "started"],
    ["marketplace.requestPayout", u.sam, "success"],
  ]);
  expect(JSON.stringify([keys, trail])).not.toContain(ISSUER);
});

test("the guard's wiring: validate({ schema }) asks no role field of the users rows", () => {
  market.validate({ schema });
});
