// One request with convex-guard configured with every capability (roles, access, rate limits,
// confirmations): import, define the guard, one permission check. What the targets measure.
// Every Convex function module imports convex/server (its query/mutation builders come from
// _generated/server), so each entry includes it: the comparison measures the library's own cost.
import { queryGeneric } from "convex/server";
import { defineGuard } from "convex-guard";
import { FIRST_CHECK, FULL_GUARD_CONFIG } from "../rbac.mjs";

export const guard = defineGuard(FULL_GUARD_CONFIG);
export const result = guard.can(FIRST_CHECK.user, FIRST_CHECK.permission);
export { queryGeneric };
