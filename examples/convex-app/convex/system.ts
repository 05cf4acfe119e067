import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";

/** Permission-gated: only roles holding "admin:system" (superadmin, through "admin:*"). */
export const setMaintenance = mutation({
  args: { on: v.boolean() },
  handler: async (ctx, { on }) => {
    await guard.requirePermission(ctx, "admin:system");
    const current = await ctx.db
      .query("settings")
      .withIndex("by_key", (q) => q.eq("key", "maintenance"))
      .unique();
    if (current) await ctx.db.patch(current._id, { value: on });
    else await ctx.db.insert("settings", { key: "maintenance", value: on });
    return { maintenance: on };
  },
});
