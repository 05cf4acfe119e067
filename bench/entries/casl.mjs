// One request with CASL: import, define the user's ability, first decision.
import { defineAbilityFor, requirePermission, toCasl } from "../casl.mjs";
import { FIRST_CHECK } from "../rbac.mjs";

export { requirePermission };
const ability = defineAbilityFor(FIRST_CHECK.user);
export const result = ability.can(...toCasl(FIRST_CHECK.permission));
