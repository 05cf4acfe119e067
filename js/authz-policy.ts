/**
 * The policy's configuration walked in order for the engine (js/authz.ts `build`): the roles,
 * then each role's grants, with this layer's own refusals (a name that is not a string, a list
 * that is not an array) at their place in that order.
 * @internal
 */
import type { PolicyBuilder } from "./engine.js";
import { GuardConfigError } from "./errors.js";

/**
 * Gives `builder` the roles, then the grants, in order; stops early once the engine refuses
 * the entries whatever comes next (past its limits), as the first refusal ended it before.
 */
export function collect(builder: PolicyBuilder, config: { roles: readonly unknown[]; permissions?: unknown }): void {
  const roles = config.roles;
  for (let i = 0; i < roles.length; i++) {
    if (builder.full()) return;
    builder.role(asName(roles[i], "role"));
  }
  const permissions = config.permissions ?? {};
  for (const role of Object.keys(permissions)) {
    const list = (permissions as Record<string, unknown>)[role];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      throw new GuardConfigError(`permissions of role '${role}' must be an array of names`);
    }
    for (const permission of list) {
      if (builder.full()) return;
      builder.grant(role, asName(permission, "permission"));
    }
  }
}

function asName(value: unknown, what: "role" | "permission"): string {
  if (typeof value !== "string") {
    throw new GuardConfigError(`${what} names must be strings, got ${typeof value}`);
  }
  return value;
}
