import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { internalMutation, query } from "./_generated/server";
import { guard } from "./guard";

/** What actions log through (`guard.audit.log` from an action runs this). One line. */
export const log = guard.audit.logMutation(internalMutation);

/**
 * Holders of "admin:audit" only: the trail, newest first, by any combination of actor,
 * action, resource type and time range (`from` inclusive, `to` exclusive), each one index range.
 */
export const list = query({
  args: {
    actor: v.optional(v.string()),
    action: v.optional(v.string()),
    resourceType: v.optional(v.string()),
    from: v.optional(v.number()),
    to: v.optional(v.number()),
    paginationOpts: paginationOptsValidator,
  },
  handler: async (ctx, { paginationOpts, ...filter }) => guard.audit.list(ctx, filter, paginationOpts),
});
