import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";

/** Signed-in only: the caller's own profile. */
export const me = query({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    return { name: user.name, role: user.role ?? null };
  },
});

/** Moderators and above: flag another user for review. */
export const flagUser = mutation({
  args: { userId: v.id("users") },
  handler: async (ctx, { userId }) => {
    await guard.requireRole(ctx, "moderator");
    const target = await ctx.db.get(userId);
    if (target === null) return null;
    await ctx.db.patch(userId, { flagged: true });
    return { flagged: target.name };
  },
});

/** Admins and above: list users. */
export const listUsers = query({
  args: {},
  handler: async (ctx) => {
    await guard.requireRole(ctx, "admin");
    const users = await ctx.db.query("users").take(100);
    return users.map((u) => ({ name: u.name, role: u.role ?? null }));
  },
});
