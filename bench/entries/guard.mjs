// One request with convex-guard: import, define the guard, first decision.
// Every Convex function module imports convex/server (its query/mutation builders come from
// _generated/server), so each entry includes it: the comparison measures the library's own cost.
import { queryGeneric } from "convex/server";
import { defineGuard } from "convex-guard";
import { FIRST_CHECK, GUARD_CONFIG } from "../rbac.mjs";

export const guard = defineGuard(GUARD_CONFIG);
export const result = guard.can(FIRST_CHECK.user, FIRST_CHECK.permission);
export { queryGeneric };
