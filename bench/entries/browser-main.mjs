// For comparison: the same role and permission pre-check through the main entry (the server's
// defineGuard), as a page importing the app's convex/guard.ts does.
import { defineGuard } from "convex-guard";
import { FIRST_CHECK, GUARD_CONFIG } from "../rbac.mjs";

const guard = defineGuard(GUARD_CONFIG);
export const result = guard.can(FIRST_CHECK.user, FIRST_CHECK.permission) && guard.roleAtLeast(FIRST_CHECK.user, "moderator");
