// The policy of rbac.mjs in CASL (@casl/ability), written the way CASL's RBAC guide does it: an
// ability is defined per user from the user's role, here with the roles below it inherited.
// A permission name "action:subject" maps to CASL's (action, subject type); the wildcard
// "admin:*" becomes CASL's `all` subject type, so "admin:system" is allowed as it is by
// convex-guard.
import { AbilityBuilder, createMongoAbility } from "@casl/ability";
import { ConvexError } from "convex/values";
import { PERMISSIONS, ROLES } from "./rbac.mjs";

/** "write:users" → ["write", "users"]; "admin:*" → ["admin", "all"]. */
export function toCasl(permission) {
  const colon = permission.indexOf(":");
  const subject = permission.slice(colon + 1);
  return [permission.slice(0, colon), subject === "*" ? "all" : subject];
}

export function defineAbilityFor(user) {
  const { can, build } = new AbilityBuilder(createMongoAbility);
  const level = ROLES.indexOf(user?.role);
  for (let i = 0; i <= level; i++) {
    for (const permission of PERMISSIONS[ROLES[i]]) can(...toCasl(permission));
  }
  return build();
}

/** The app's `requirePermission` on top of CASL, failing with a ConvexError like the others. */
export function requirePermission(ability, permission) {
  if (!ability.can(...toCasl(permission))) {
    throw new ConvexError({ code: "FORBIDDEN", message: `Permission '${permission}' required` });
  }
}
