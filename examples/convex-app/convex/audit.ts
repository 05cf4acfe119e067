import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { internalMutation, query } from "./_generated/server";
import { guard } from "./guard";

/** What actions log through (`guard.audit.log` from an action runs this). One line. */
export const log = guard.audit.logMutation(internalMutation);

/** Holders of "admin:audit" only: the trail, newest first, by at most one filter. */
export const list = query({
  args: {
    actor: v.optional(v.string()),
    action: v.optional(v.string()),
    resourceType: v.optional(v.string()),
    paginationOpts: paginationOptsValidator,
  },
  handler: async (ctx, { paginationOpts, ...filter }) =>
    guard.audit.list(ctx, filter as never, paginationOpts),
});
