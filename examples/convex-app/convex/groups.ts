import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import type { Id } from "./_generated/dataModel";
import { mutation, query } from "./_generated/server";
import { accessLevel, grantLevel } from "./documents";
import { guard } from "./guard";

// Group management, checked by the guard: the creator owns the group; adding or removing a
// member at a level takes what sharing that level takes, on the caller's own level on the
// group; anyone may leave; admins (access.groups.managers) manage every group. Membership
// needs consent: adding someone else invites them (no access until they accept), except for
// admins, who add directly. Ids arrive as plain strings, so a malformed id gets the answer a
// missing or forbidden group gets; the guard types group and user ids `Id<"accessGroups">` and
// `Id<"users">` and checks at run time that they are (after the caller's right), so the casts
// below only name that.

/** A new group, owned by the caller (a name of 1 to 200 characters). */
export const createGroup = mutation({
  args: { name: v.string() },
  handler: async (ctx, { name }) => ({ groupId: await guard.createGroup(ctx, name) }),
});

/**
 * Invite a member (default: the lowest level), or change their level; admins add directly.
 * With `expiresAt` (ms since the epoch), the invitation can be accepted only before then.
 */
export const addMember = mutation({
  args: { groupId: v.string(), userId: v.string(), level: v.optional(grantLevel), expiresAt: v.optional(v.number()) },
  handler: async (ctx, { groupId, userId, level, expiresAt }) => ({
    added: await guard.addGroupMember(ctx, groupId as Id<"accessGroups">, userId as Id<"users">, { level, expiresAt }),
  }),
});

/** Accept an invitation: the group's grants reach the caller from now on. */
export const acceptInvite = mutation({
  args: { groupId: v.string() },
  handler: async (ctx, { groupId }) => ({ accepted: await guard.acceptGroupInvite(ctx, groupId as Id<"accessGroups">) }),
});

/** Leave a group, or decline an invitation to it. */
export const leaveGroup = mutation({
  args: { groupId: v.string() },
  handler: async (ctx, { groupId }) => ({ left: await guard.leaveGroup(ctx, groupId as Id<"accessGroups">) }),
});

/** Remove a member or withdraw an invitation (or leave: userId one's own). */
export const removeMember = mutation({
  args: { groupId: v.string(), userId: v.string() },
  handler: async (ctx, { groupId, userId }) => ({ removed: await guard.removeGroupMember(ctx, groupId as Id<"accessGroups">, userId as Id<"users">) }),
});

/** The caller's groups and invitations, a page at a time. */
export const listMyGroups = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => {
    await guard.requireUser(ctx);
    return await guard.listMyGroups(ctx, { paginationOpts });
  },
});

/**
 * A group's members, a page at a time, for anyone holding a level on it (`NOT_FOUND` else);
 * pending invitations only to those who may manage its members.
 */
export const listMembers = query({
  args: { groupId: v.string(), paginationOpts: paginationOptsValidator },
  handler: async (ctx, { groupId, paginationOpts }) =>
    await guard.listGroupMembers(ctx, groupId as Id<"accessGroups">, { paginationOpts }),
});

/** Rename a group: its owner and admins only (a name of 1 to 200 characters). */
export const renameGroup = mutation({
  args: { groupId: v.string(), name: v.string() },
  handler: async (ctx, { groupId, name }) => {
    await guard.renameGroup(ctx, groupId as Id<"accessGroups">, name);
    return { renamed: true };
  },
});

/**
 * The caller's level on a group (`"owner"` for its owner and for admins, a member's level), or
 * `null`: not a member, only invited, signed out, or no such group, all alike.
 */
export const myLevel = query({
  args: { groupId: v.string() },
  handler: async (ctx, { groupId }) => ({ level: await guard.groupLevel(ctx, groupId as Id<"accessGroups">) }),
});

/** The same, required: `NOT_FOUND` where `myLevel` answers `null`, `FORBIDDEN` below `level`. */
export const requireLevel = query({
  args: { groupId: v.string(), level: accessLevel },
  handler: async (ctx, { groupId, level }) => ({ level: await guard.requireGroupLevel(ctx, groupId as Id<"accessGroups">, level) }),
});
