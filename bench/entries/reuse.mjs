// One Convex request with every capability configured (roles, access, rate limits,
// confirmations) making one permission check: evaluating the bundle is the first request, and
// `request` is what each later request runs when Convex reuses the context
// (`experimental_reuseContext`). Like every entry it imports convex/server.
import { queryGeneric } from "convex/server";
import { defineGuard, MINUTE } from "convex-guard";
import { FIRST_CHECK, GUARD_CONFIG } from "../rbac.mjs";

export const guard = defineGuard({
  ...GUARD_CONFIG,
  access: { tables: { documents: { owner: "ownerId" } } },
  rateLimits: { send: { rate: 10, period: MINUTE } },
  confirmations: {},
});
export const request = (user, permission) => guard.can(user, permission);
export const result = request(FIRST_CHECK.user, FIRST_CHECK.permission);
export { queryGeneric };
