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
