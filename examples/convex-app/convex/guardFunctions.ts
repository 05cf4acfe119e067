// The internal functions convex-guard's checks run through in actions (which have no ctx.db):
// `guard.requireUser/requireRole/requirePermission/getUser` ask `getUser`, `guard.rateLimit`,
// `guard.checkRateLimit` and `guard.rateLimitAll` ask `rateLimit`. Internal, so no client can call them; without
// this file, every check in an action fails closed with a GuardConfigError naming this line.
import { internalMutation, internalQuery } from "./_generated/server";
import { guard } from "./guard";

export const { getUser, rateLimit } = guard.internalFunctions(internalQuery, internalMutation);
