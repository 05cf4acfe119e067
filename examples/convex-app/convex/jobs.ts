// Checks for a named user: a scheduled function has no signed-in caller (nor has an HTTP action
// acting for a user without their token), so a check of "the caller" is UNAUTHENTICATED there,
// and a builder-made function, which requires one, can never be its target. The checked
// mutation passes the caller's own id into the job's arguments (never one the client names);
// the job, a plain internal mutation, re-checks that user's access when it runs, because it
// may have changed since (docs/access.md: "Checks for a named user").
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { internalMutation, mutation } from "./_generated/server";
import { guard } from "./guard";

/** Editors and the owner: replace the document's body after `delayMs`, if still an editor then. */
export const editLater = guard.mutation(mutation, {
  args: { id: v.id("documents"), body: v.string(), delayMs: v.number() },
  access: { table: "documents", arg: "id", level: "editor" },
  rateLimit: { name: "sendMessage" },
  // Annotated: the handler returns an id pointing into `internal`, which infers from this module
  // (TypeScript's TS7022 otherwise).
  handler: async (ctx, { body, delayMs }): Promise<Id<"_scheduled_functions">> =>
    await ctx.scheduler.runAfter(delayMs, internal.jobs.applyEdit, { userId: ctx.user._id, id: ctx.doc._id, body }),
});

/** The job: the user it acts for must still be an editor of the document when it runs. */
export const applyEdit = internalMutation({
  args: { userId: v.id("users"), id: v.id("documents"), body: v.string() },
  handler: async (ctx, { userId, id, body }) => {
    // NOT_FOUND, FORBIDDEN or INVALID_ARGUMENT (a deleted user): the job fails, nothing written.
    const { doc } = await guard.requireAccessFor(ctx, userId, "documents", id, "editor");
    await ctx.db.patch(doc._id, { body });
  },
});

/**
 * Moderators: flag a user after `delayMs` (time to take it back), if the moderator who asked is
 * still one then. The user flagged is the moderator's choice; the user the job acts for is the
 * caller, by their own id.
 */
export const flagLater = guard.mutation(mutation, {
  args: { userId: v.id("users"), delayMs: v.number() },
  role: "moderator",
  rateLimit: { name: "sendMessage" },
  handler: async (ctx, { userId, delayMs }): Promise<Id<"_scheduled_functions">> =>
    await ctx.scheduler.runAfter(delayMs, internal.jobs.applyFlag, { by: ctx.user._id, userId }),
});

/** The job: `by` must still be a moderator when it runs (demoted or deleted since: it fails, nothing written). */
export const applyFlag = internalMutation({
  args: { by: v.id("users"), userId: v.id("users") },
  handler: async (ctx, { by, userId }) => {
    // FORBIDDEN "Role 'moderator' or higher required", or INVALID_ARGUMENT "unknown user".
    await guard.requireRoleFor(ctx, by, "moderator");
    if ((await ctx.db.get(userId)) !== null) await ctx.db.patch(userId, { flagged: true });
  },
});

/** Holders of `write:users`: clear a user's flag after `delayMs`, if they still hold it then. */
export const unflagLater = guard.mutation(mutation, {
  args: { userId: v.id("users"), delayMs: v.number() },
  permission: "write:users",
  rateLimit: { name: "sendMessage" },
  handler: async (ctx, { userId, delayMs }): Promise<Id<"_scheduled_functions">> =>
    await ctx.scheduler.runAfter(delayMs, internal.jobs.applyUnflag, { by: ctx.user._id, userId }),
});

/** The job: `by` must still hold `write:users` when it runs. */
export const applyUnflag = internalMutation({
  args: { by: v.id("users"), userId: v.id("users") },
  handler: async (ctx, { by, userId }) => {
    // FORBIDDEN "Permission 'write:users' required", or INVALID_ARGUMENT "unknown user".
    await guard.requirePermissionFor(ctx, by, "write:users");
    if ((await ctx.db.get(userId)) !== null) await ctx.db.patch(userId, { flagged: false });
  },
});

/**
 * A group's editors (its owner, admins): post an announcement after `delayMs`, if the one who
 * asked is still an editor of the group then. The caller's own level now, by the guard.
 */
export const announceLater = guard.mutation(mutation, {
  args: { groupId: v.id("accessGroups"), body: v.string(), delayMs: v.number() },
  rateLimit: { name: "sendMessage" },
  handler: async (ctx, { groupId, body, delayMs }): Promise<Id<"_scheduled_functions">> => {
    await guard.requireGroupLevel(ctx, groupId, "editor");
    return await ctx.scheduler.runAfter(delayMs, internal.jobs.applyAnnouncement, { by: ctx.user._id, groupId, body });
  },
});

/**
 * The job: `by` must still hold "editor" or higher on the group when it runs (the engine's
 * answer: an invitation not accepted, a membership removed or lowered, a deleted user all fail).
 */
export const applyAnnouncement = internalMutation({
  args: { by: v.id("users"), groupId: v.id("accessGroups"), body: v.string() },
  handler: async (ctx, { by, groupId, body }) => {
    // NOT_FOUND "Group not found", FORBIDDEN "Access level 'editor' or higher required", or INVALID_ARGUMENT "unknown user".
    await guard.requireGroupLevelFor(ctx, by, groupId, "editor");
    await ctx.db.insert("messages", { author: by, body });
  },
});
