// A browser pre-check that asks only role and permission questions, through the roles entry.
import { defineClientGuard } from "convex-guard/client/roles";
import { FIRST_CHECK, GUARD_CONFIG } from "../rbac.mjs";

const guard = defineClientGuard(GUARD_CONFIG);
export const result = guard.can(FIRST_CHECK.user, FIRST_CHECK.permission) && guard.roleAtLeast(FIRST_CHECK.user, "moderator");
