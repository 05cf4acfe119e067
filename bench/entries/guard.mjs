// One request with convex-guard: import, define the guard, first decision.
import { defineGuard } from "convex-guard";
import { FIRST_CHECK, GUARD_CONFIG } from "../rbac.mjs";

export const guard = defineGuard(GUARD_CONFIG);
export const result = guard.can(FIRST_CHECK.user, FIRST_CHECK.permission);
