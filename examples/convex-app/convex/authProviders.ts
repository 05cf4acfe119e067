import { defineGuard } from "convex-guard";
import { v } from "convex/values";
import { mutation, query, type QueryCtx } from "./_generated/server";

/**
 * One guard per auth setup, each finding the caller its own way (the app's main guard, in
 * guard.ts, uses the default: `tokenIdentifier` through `by_tokenIdentifier`). Exercised by
 * auth-providers.test.ts with each provider's real identity shape.
 */
const roles = ["user", "moderator", "admin"] as const;

/**
 * Convex Auth, either version: 2.0's subject is a session id, whose row (read through the
 * `auth` component) names the user; 0.0.x's is `userId|sessionId`, the row the `_id` before
 * the `|`. Its checks in actions go through convexAuthActions.ts.
 */
export const convexAuthGuard = defineGuard({
  roles,
  users: { convexAuth: true, table: "authUsers" },
  actions: { module: "convexAuthActions" },
});

/** Clerk and Auth0: the provider's user id (the identity's `subject`) kept in `externalId`. */
export const externalIdGuard = defineGuard({
  roles,
  users: { table: "externalUsers", claim: "subject", field: "externalId", index: "byExternalId" },
});

/**
 * Roles in the token, no database read: Clerk's `{ "role": "{{user.public_metadata.role}}" }`.
 * Its rate limit is keyed by the identity (`tokenIdentifier`).
 */
export const clerkClaimGuard = defineGuard({
  roles,
  users: { roleClaim: "role" },
  rateLimits: { claimWrites: { kind: "fixed window", rate: 2, period: 60_000 } },
});

/** The same with an Auth0 Action's namespaced custom claim. */
export const auth0ClaimGuard = defineGuard({ roles, users: { roleClaim: "https://app.example.com/role" } });

/**
 * By e-mail: the row whose `email` is the identity's `email` claim, which counts only when the
 * identity says it is verified (`emailVerified: true`).
 */
export const emailGuard = defineGuard({
  roles,
  users: { table: "authUsers", claim: "email", field: "email", index: "by_email" },
});

/** A custom lookup: the row whose email is the identity's verified email. */
export const resolverGuard = defineGuard({
  roles,
  users: {
    table: "authUsers",
    // Typed as the app's QueryCtx (the README's advice): tsc checks "authUsers" and "by_email".
    resolve: async (ctx: QueryCtx) => {
      const identity = await ctx.auth.getUserIdentity();
      if (identity?.email === undefined || identity.emailVerified !== true) return null;
      return await ctx.db
        .query("authUsers")
        .withIndex("by_email", (q) => q.eq("email", identity.email))
        .unique();
    },
  },
});

// Resolvers with bugs, each of which must leave the caller without a user.
const SECRET = "postgres://admin:hunter2@db.internal";
export const throwingGuard = defineGuard({
  roles,
  users: {
    table: "authUsers",
    resolve: async () => {
      throw new Error(`lookup failed for ${SECRET}`);
    },
  },
});
export const otherTableGuard = defineGuard({
  roles,
  users: {
    table: "authUsers",
    // Returns a row, but of externalUsers.
    resolve: async (ctx) => await ctx.db.query("externalUsers").first(),
  },
});
export const forgedGuard = defineGuard({
  roles,
  users: {
    table: "authUsers",
    // Builds an object instead of reading one: its `_id` is the subject, its role made up.
    resolve: async (ctx) => {
      const identity = await ctx.auth.getUserIdentity();
      return identity && { _id: identity.subject, role: "admin" };
    },
  },
});

type Role = (typeof roles)[number];
type Check = (ctx: QueryCtx, minRole: Role | undefined) => Promise<{ readonly [field: string]: unknown }>;

/** A query that requires a user (and `minRole` when given) and says who the caller is. */
function whoAmI(check: Check) {
  return query({
    args: { minRole: v.optional(v.string()) },
    handler: async (ctx, { minRole }) => {
      if (minRole !== undefined && !convexAuthGuard.isRole(minRole)) throw new Error("not a role");
      const user = await check(ctx, minRole);
      const id = user._id ?? user.tokenIdentifier;
      return { id: typeof id === "string" ? id : null, role: typeof user.role === "string" ? user.role : null };
    },
  });
}

type Requires = {
  requireUser(ctx: QueryCtx): Promise<object>;
  requireRole(ctx: QueryCtx, role: Role): Promise<object>;
};
const via = (guard: Requires): Check => async (ctx, minRole) =>
  (minRole === undefined ? await guard.requireUser(ctx) : await guard.requireRole(ctx, minRole)) as {
    readonly [field: string]: unknown;
  };

export const convexAuthMe = whoAmI(via(convexAuthGuard));
export const externalIdMe = whoAmI(via(externalIdGuard));
export const clerkClaimMe = whoAmI(via(clerkClaimGuard));
export const auth0ClaimMe = whoAmI(via(auth0ClaimGuard));
export const emailMe = whoAmI(via(emailGuard));
export const resolverMe = whoAmI(via(resolverGuard));
export const throwingMe = whoAmI(via(throwingGuard));
export const otherTableMe = whoAmI(via(otherTableGuard));
export const forgedMe = whoAmI(via(forgedGuard));

/** Two writes a minute per signed-in identity (roles in the token): who was charged. */
export const clerkClaimWrite = clerkClaimGuard.mutation(mutation, {
  args: {},
  rateLimit: { name: "claimWrites" },
  handler: async (ctx) => ctx.user.tokenIdentifier,
});
