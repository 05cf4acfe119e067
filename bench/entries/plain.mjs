// One request with the plain TypeScript checks: import (the tables are built), first decision.
import { hasPermission, requirePermission, requireRole } from "../plain.ts";
import { FIRST_CHECK } from "../rbac.mjs";

export { requirePermission, requireRole };
export const result = hasPermission(FIRST_CHECK.user, FIRST_CHECK.permission);
