// convexAuthGuard's checks outside queries: the internal functions its checks in actions run
// through (its `actions.module`), an action and a mutation that check the caller.
import { v } from "convex/values";
import { action, internalMutation, internalQuery, mutation } from "./_generated/server";
import { convexAuthGuard } from "./authProviders";

export const { getUser, rateLimit } = convexAuthGuard.internalFunctions(internalQuery, internalMutation);

/** The caller's row and role, checked from an action (no `ctx.db`): through `getUser` above. */
// convex-guard-allow: public-no-rate-limit: reads the caller's own row only; rate limits are shown in ratelimit.ts
export const meFromAction = action({
  args: { minRole: v.optional(v.union(v.literal("user"), v.literal("moderator"), v.literal("admin"))) },
  handler: async (ctx, { minRole }) => {
    const user = minRole === undefined ? await convexAuthGuard.requireUser(ctx) : await convexAuthGuard.requireRole(ctx, minRole);
    return { id: user._id, role: typeof user.role === "string" ? user.role : null };
  },
});

/** Whoever the action's caller is, or null (`getUser` asks for nobody in particular). */
// convex-guard-allow: public-no-auth, public-no-rate-limit: anyone, on purpose: the caller's own id, or null when signed out
export const whoFromAction = action({
  args: {},
  handler: async (ctx) => (await convexAuthGuard.getUser(ctx))?._id ?? null,
});

/** A moderator renames themselves: the write lands on the caller's own row. */
// convex-guard-allow: public-no-rate-limit: moderators rename their own row only; rate limits are shown in ratelimit.ts
export const renameMe = mutation({
  args: { name: v.string() },
  handler: async (ctx, { name }) => {
    const user = await convexAuthGuard.requireRole(ctx, "moderator");
    await ctx.db.patch(user._id, { name });
    return user._id;
  },
});
