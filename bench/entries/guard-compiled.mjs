// bench/entries/guard-full.mjs with the policy compiled ahead of time (`compiledPolicy`, as
// `npx convex-guard compile` writes it): the same request, import, define the guard with every
// capability, one permission check, where the check reads the engine's tables and starts no
// engine. bench/policy.mjs writes the tables (target/bench/full-policy.mjs) with the package
// under test before bundling this entry.
import { queryGeneric } from "convex/server";
import { defineGuard } from "convex-guard";
import { FIRST_CHECK, FULL_GUARD_CONFIG } from "../rbac.mjs";
import { compiledPolicy } from "../../target/bench/full-policy.mjs";

export const guard = defineGuard({ ...FULL_GUARD_CONFIG, compiledPolicy });
export const result = guard.can(FIRST_CHECK.user, FIRST_CHECK.permission);
export { queryGeneric };
