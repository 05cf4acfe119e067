// A Clerk marketplace on ONE guard: the roles come from the token's claim (Clerk's JWT template
// `"role": "{{user.public_metadata.role}}"`), the user is their `externalUsers` row (Clerk's user
// id, the identity's `subject`, kept in `externalId`), and listings are owned by those rows and
// shared between them. Exercised by marketplace.test.ts.
import { defineGuard, MINUTE } from "convex-guard";
import { v } from "convex/values";
import { action, internalMutation, internalQuery, mutation, query } from "./_generated/server";

export const market = defineGuard({
  roles: ["buyer", "seller", "admin"], // lowest first
  permissions: {
    buyer: ["listings:read"],
    seller: ["listings:create", "listings:edit", "payouts:request"],
    admin: ["listings:*"],
  },
  // The role from the claim, the user the row: no role field is read (externalUsers.role, which
  // other tools write in this example app, is ignored by this guard).
  users: { roleClaim: "role", table: "externalUsers", claim: "subject", field: "externalId", index: "byExternalId" },
  access: {
    levels: ["viewer", "editor", "owner"],
    shareLevel: "owner", // only a listing's seller shares it
    tables: { listings: { owner: "sellerId", visibility: "visibility" } },
  },
  rateLimits: { listingWrites: { kind: "fixed window", rate: 3, period: MINUTE } },
  confirmations: { audit: { logFunction: "marketplace:log" } },
  actions: { module: "marketplace" },
});

// The checks in actions and the audit trail's writes go through these (internal: no client calls them).
export const { getUser, rateLimit } = market.internalFunctions(internalQuery, internalMutation);
export const log = market.audit.logMutation(internalMutation);

/** A seller lists something, private until published; at most 3 writes a minute per seller (keyed by their row's id). */
export const createListing = market.mutation(mutation, {
  args: { title: v.string() },
  permission: "listings:create",
  rateLimit: { name: "listingWrites" },
  handler: async (ctx, { title }) =>
    await ctx.db.insert("listings", { title, sellerId: ctx.user._id, visibility: "private" }),
});

/** A listing the caller may see (its seller, someone it is shared with, anyone once public), with their level. */
export const getListing = market.query(query, {
  args: { id: v.string() },
  access: { table: "listings", arg: "id", level: "viewer" },
  handler: async (ctx) => ({ title: ctx.doc.title, seller: ctx.doc.sellerId }),
});

/** Sellers (and admins) with edit access to the listing rename it. */
export const renameListing = market.mutation(mutation, {
  args: { id: v.string(), title: v.string() },
  permission: "listings:edit",
  access: { table: "listings", arg: "id", level: "editor" },
  rateLimit: { name: "listingWrites" },
  handler: async (ctx, { title }) => {
    await ctx.db.patch(ctx.doc._id, { title });
    return ctx.user._id;
  },
});

/**
 * A level a grant can give, written out: `market.grantLevelValidator()` here would load the engine
 * at import, in every request of this module (the compiler checks it is the same union).
 */
const grantLevel = v.union(v.literal("viewer"), v.literal("editor")) satisfies ReturnType<typeof market.grantLevelValidator>;

/** The listing's seller shares it with another user's row (a co-seller edits, a buyer views). */
export const shareListing = market.mutation(mutation, {
  args: { id: v.string(), userId: v.id("externalUsers"), level: grantLevel },
  permission: "listings:edit",
  access: { table: "listings", arg: "id", level: "owner" },
  rateLimit: { name: "listingWrites" },
  handler: async (ctx, { userId, level }) => await market.share(ctx, "listings", ctx.doc._id, { userId, level }),
});

/** A payout: sellers only (from the token's claim), audited with the seller's row id as the actor. */
export const requestPayout = action(
  market.safeAction({
    name: "marketplace.requestPayout",
    args: {},
    permission: "payouts:request", // market.requirePermission, the actor the seller's row
    rateLimit: { name: "listingWrites" },
    handler: async () => ({ status: "queued" }),
  }),
);
