// Checks in actions: the same calls as in queries and mutations, through the internal
// functions of convex/guardFunctions.ts.
import { v } from "convex/values";
import { action } from "./_generated/server";
import { guard } from "./guard";

/** Moderators and above: build a report, at most 10 a minute per user (RATE_LIMITED after). */
export const buildReport = action({
  args: { topic: v.string() },
  handler: async (ctx, { topic }) => {
    const user = await guard.requireRole(ctx, "moderator");
    await guard.rateLimit(ctx, "sendMessage", { key: user._id });
    return { topic, by: user.name };
  },
});

/** Holders of "delete:users" only. */
export const purgePreview = action({
  args: {},
  handler: async (ctx) => {
    const admin = await guard.requirePermission(ctx, "delete:users");
    return { admin: admin.name };
  },
});

/** Signed in: may I send a message now? Looks without taking. */
export const canSend = action({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    return await guard.checkRateLimit(ctx, "sendMessage", { key: user._id, throws: false });
  },
});

/** Anyone: who am I (null when signed out)? */
export const whoAmI = action({
  args: {},
  handler: async (ctx) => (await guard.getUser(ctx))?.name ?? null,
});

/**
 * Signed in: export a report file, limited per user and for everyone together (the same
 * upload limits as ratelimit.ts's mutation), all or nothing: a user over their own limit does
 * not spend the global budget, and a full global budget does not spend the user's.
 */
export const exportReport = action({
  args: { topic: v.string() },
  handler: async (ctx, { topic }) => {
    const user = await guard.requireUser(ctx);
    // One internal mutation (convex/guardFunctions.ts's rateLimit) takes both, or neither.
    await guard.rateLimitAll(ctx, [
      { name: "upload", key: user._id },
      { name: "uploadGlobal", key: "global" },
    ]);
    return { topic, by: user.name };
  },
});
