import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { accessLevel } from "./documents";
import { guard } from "./guard";

// Group management, checked by the guard: the creator owns the group; adding or removing a
// member at a level takes what sharing that level takes, on the caller's own level on the
// group; anyone may leave; admins (access.groups.managers) manage every group. Ids arrive as
// plain strings, so a malformed id gets the answer a missing or forbidden group gets.

/** A new group, owned by the caller. */
export const createGroup = mutation({
  args: { name: v.string() },
  handler: async (ctx, { name }) => ({ groupId: await guard.createGroup(ctx, name) }),
});

/** Add a member (default: the lowest level), or change their level. */
export const addMember = mutation({
  args: { groupId: v.string(), userId: v.string(), level: v.optional(accessLevel) },
  handler: async (ctx, { groupId, userId, level }) => {
    await guard.addGroupMember(ctx, groupId, userId, level);
    return { added: true };
  },
});

/** Remove a member, or leave (userId: one's own). */
export const removeMember = mutation({
  args: { groupId: v.string(), userId: v.string() },
  handler: async (ctx, { groupId, userId }) => ({ removed: await guard.removeGroupMember(ctx, groupId, userId) }),
});
