// The hand-written baseline: how a Convex app typically writes authorization without a library
// (a numeric role hierarchy read as `roleHierarchy[user.role] ?? 0`, and a role → permissions
// table), with the same semantics as the policy in rbac.mjs: permissions inherited up the
// hierarchy, `resource:*` wildcards, unknown roles denied. It is written to be fast (effective
// permission sets are computed once, at import) so that it is an honest bar for "within 2x".
import { ConvexError } from "convex/values";

export type Role = "user" | "moderator" | "admin" | "superadmin";
export type User = { _id: string; role?: string };

const roleHierarchy: Record<string, number> = { user: 1, moderator: 2, admin: 3, superadmin: 4 };

const rolePermissions: Record<Role, readonly string[]> = {
  user: ["read:users"],
  moderator: ["write:users"],
  admin: ["delete:users"],
  superadmin: ["admin:*"],
};

/** Each role's permissions, its own plus those of every lower role. */
const effectivePermissions = new Map<string, ReadonlySet<string>>();
for (const role of Object.keys(rolePermissions) as Role[]) {
  const level = roleHierarchy[role];
  const granted = new Set<string>();
  for (const other of Object.keys(rolePermissions) as Role[]) {
    if (roleHierarchy[other] <= level) for (const p of rolePermissions[other]) granted.add(p);
  }
  effectivePermissions.set(role, granted);
}

export function hasRole(user: User, minRole: Role): boolean {
  return (roleHierarchy[user.role ?? ""] ?? 0) >= roleHierarchy[minRole];
}

export function hasPermission(user: User, permission: string): boolean {
  const granted = effectivePermissions.get(user.role ?? "");
  if (granted === undefined) return false;
  if (granted.has(permission)) return true;
  const colon = permission.indexOf(":");
  return colon > 0 && granted.has(`${permission.slice(0, colon)}:*`);
}

export function requireRole(user: User | null, minRole: Role): User {
  if (user === null) throw new ConvexError({ code: "UNAUTHENTICATED", message: "Authentication required" });
  if (!hasRole(user, minRole)) {
    throw new ConvexError({ code: "FORBIDDEN", message: `Role '${minRole}' or higher required` });
  }
  return user;
}

export function requirePermission(user: User | null, permission: string): User {
  if (user === null) throw new ConvexError({ code: "UNAUTHENTICATED", message: "Authentication required" });
  if (!hasPermission(user, permission)) {
    throw new ConvexError({ code: "FORBIDDEN", message: `Permission '${permission}' required` });
  }
  return user;
}
