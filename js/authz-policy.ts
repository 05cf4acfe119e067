/**
 * The policy's configuration walked in order for the engine (js/authz.ts `build`): the roles,
 * then each role's grants, with this layer's own refusals (a name that is not a string, a list
 * that is not an array) at their place in that order.
 * @internal
 */
import { policyFull } from "./engine.js";
import { GuardConfigError } from "./errors.js";

/**
 * Appends the roles to `names`, then the grants (`role, permission` pairs) to `grants`, in
 * order; stops early once the engine refuses the entries whatever comes next (`policyFull`),
 * as the first refusal ended it before. Throws at this
 * layer's first refusal, with the entries before it collected (the caller has the engine check
 * those first: its refusal of an earlier entry is the first error). Index loops over the
 * lists: nothing of the caller's (a patched Array iterator) runs, and a fresh context makes no
 * iterator objects.
 */
export function collect(roles: readonly unknown[], permissions: unknown, names: string[], grants: string[]): void {
  for (let i = 0; i < roles.length; i++) {
    if (policyFull(names, grants)) return;
    names.push(asName(roles[i], "role"));
  }
  const byRole = (permissions ?? {}) as Record<string, unknown>;
  // `{ "__proto__": [...] }` in an object literal sets the prototype, granting nothing.
  if (typeof byRole === "object" && Array.isArray(Object.getPrototypeOf(byRole))) {
    throw new GuardConfigError(`permissions: a quoted "__proto__" key sets the object's prototype; for a role named __proto__ write ["__proto__"]: [...]`);
  }
  const keys = Object.keys(byRole);
  for (let k = 0; k < keys.length; k++) {
    const role = keys[k]!;
    const list = byRole[role];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      throw new GuardConfigError(`permissions of role '${role}' must be an array of names`);
    }
    for (let i = 0; i < list.length; i++) {
      if (policyFull(names, grants)) return;
      grants.push(role, asName(list[i], "permission"));
    }
  }
}

function asName(value: unknown, what: "role" | "permission"): string {
  if (typeof value !== "string") {
    throw new GuardConfigError(`${what} names must be strings, got ${typeof value}`);
  }
  return value;
}
