// The same checks with convex-helpers' custom builders: `guard.customCtx(...)` is a
// customization, so every function made with the custom builder requires what it declares and
// gets `ctx.user`. (An access check on an argument needs guard.query/guard.mutation, which see
// each function's arguments: see guarded.ts.)
import { customAction, customMutation, customQuery } from "convex-helpers/server/customFunctions";
import { v } from "convex/values";
import type { DataModel } from "./_generated/dataModel";
import { action, mutation, query } from "./_generated/server";
import { guard } from "./guard";

const moderatorQuery = customQuery(query, guard.customCtx<DataModel>({ role: "moderator" }));
const limitedMutation = customMutation(mutation, guard.customCtx<DataModel>({ rateLimit: { name: "sendMessage" } }));
const deleterAction = customAction(action, guard.customCtx<DataModel>({ permission: "delete:users" }));

/** Moderators and above: the flagged users' names. */
export const flaggedUsers = moderatorQuery({
  args: {},
  handler: async (ctx) => {
    const users = await ctx.db.query("users").take(100);
    return { by: ctx.user.name, flagged: users.filter((u) => u.flagged === true).map((u) => u.name) };
  },
});

/** Signed in: post, 10 a minute per user (the key is the user's id). */
export const post = limitedMutation({
  args: { body: v.string() },
  handler: async (ctx, { body }) => {
    await ctx.db.insert("messages", { author: ctx.user._id, body });
    return { sent: true };
  },
});

/** Holders of "delete:users", from an action (through convex/guardFunctions.ts). */
export const deleterName = deleterAction({
  args: {},
  handler: async (ctx) => ctx.user.name,
});
