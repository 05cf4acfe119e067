// One request with CASL: import, define the user's ability, first decision.
// Every Convex function module imports convex/server (its query/mutation builders come from
// _generated/server), so each entry includes it: the comparison measures the library's own cost.
import { queryGeneric } from "convex/server";
import { defineAbilityFor, requirePermission, toCasl } from "../casl.mjs";
import { FIRST_CHECK } from "../rbac.mjs";

export { requirePermission };
const ability = defineAbilityFor(FIRST_CHECK.user);
export const result = ability.can(...toCasl(FIRST_CHECK.permission));
export { queryGeneric };
