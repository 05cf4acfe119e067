// One request with the plain TypeScript checks: import (the tables are built), first decision.
// Every Convex function module imports convex/server (its query/mutation builders come from
// _generated/server), so each entry includes it: the comparison measures the library's own cost.
import { queryGeneric } from "convex/server";
import { hasPermission, requirePermission, requireRole } from "../plain.ts";
import { FIRST_CHECK } from "../rbac.mjs";

export { requirePermission, requireRole };
export const result = hasPermission(FIRST_CHECK.user, FIRST_CHECK.permission);
export { queryGeneric };
