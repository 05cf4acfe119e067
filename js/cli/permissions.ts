// Whether the lowest role of a guard holds a permission: then a check of it, as one of the lowest
// role (roles.ts), proves only that the caller signed in with a role, not that they may read or
// change any particular document.
//
// The audit does not decide this itself: it reads the guard's `roles` and `permissions` from the
// source as config.ts reads any key (literals, or `const`s holding them), builds a guard of them
// with the package's own `convex-guard/client` (the file beside the CLI's), and asks the
// engine, wildcards (`"offers:*"`, `"*"`) and inheritance included. When either cannot be read,
// or the engine refuses them, no permission is judged held by the lowest role (the report warns).
import { createRequire } from "node:module";
import ts from "typescript";
import { callConfig, isUnreadable, member, objectAt, propertyValue, readStrings, warnUnreadable as warnIgnored, type Unreadable } from "./config.js";
import type { App } from "./program.js";

/** What the audit does without the roles or permissions: said in the report's configuration warning. */
export const PERMISSIONS_IGNORED =
  "the permissions (a check of a permission the lowest role holds is taken as one of a higher role: it covers documents read, written or deleted by an argument's id)";

/** A guard's lowest role, and the engine's answer to whether it holds a permission. */
interface LowestHolds {
  lowest: string;
  holds: (permission: string) => boolean;
  /** Whether any role holds it (a builder's permission no role holds is refused at every call). */
  anyHolds: (permission: string) => boolean;
  /** The lowest role (in `roles`' order) that holds it. */
  weakest: (permission: string) => string | undefined;
  /** Every role that holds it, lowest first. */
  holders: (permission: string) => string[];
}

const asked = new WeakMap<ts.Node, LowestHolds | null>();

/**
 * The lowest role of one `defineGuard` call when it holds `permission`, as the engine decides
 * it; undefined when it does not, or when the guard's roles and permissions cannot be read (a
 * warning) or the permission is malformed (the engine refuses it at every call).
 */
export function lowestHolding(app: App, guard: ts.CallExpression, permission: string): string | undefined {
  return ask(app, guard, (known) => (known.holds(permission) ? known.lowest : undefined), undefined);
}

/** The lowest role of one guard (in its `roles`' order) holding `permission`: the weakest caller a check of it lets through (rolecheck.ts); undefined when none does or they cannot be read. */
export function weakestHolding(app: App, guard: ts.CallExpression, permission: string): string | undefined {
  return ask(app, guard, (known) => known.weakest(permission), undefined);
}

/** The roles of one guard holding `permission`, lowest first (none when malformed): each passes a check of it (scopedroles.ts); undefined when they cannot be read. */
export function rolesHolding(app: App, guard: ts.CallExpression, permission: string): string[] | undefined {
  return ask(app, guard, (known) => known.holders(permission), []);
}

/** Whether some role of one guard holds `permission` (false when malformed); undefined when its roles and permissions cannot be read. */
export function someRoleHolds(app: App, guard: ts.CallExpression, permission: string): boolean | undefined {
  return ask(app, guard, (known) => known.anyHolds(permission), false);
}

/** The engine's answer `question` for one guard: `malformed` when it refuses the permission, undefined when the guard's roles and permissions cannot be read. */
function ask<T>(app: App, guard: ts.CallExpression, question: (known: LowestHolds) => T, malformed: T): T | undefined {
  const known = engine(app, guard);
  if (known === null) return undefined;
  try {
    return question(known);
  } catch {
    return malformed;
  }
}

function engine(app: App, guard: ts.CallExpression): LowestHolds | null {
  let known = asked.get(guard);
  if (known === undefined) asked.set(guard, (known = engineOf(app, guard)));
  return known;
}

/** Asks the engine about a guard no permission check asked about, so roles it refuses (written highest first) are warned of too; an unreadable configuration is not (nothing was ignored). */
export function judgeRoles(app: App, guard: ts.CallExpression): void {
  if (!asked.has(guard)) asked.set(guard, engineOf(app, guard, true));
}

function engineOf(app: App, guard: ts.CallExpression, quiet = false): LowestHolds | null {
  const warnUnreadable = (a: App, why: Unreadable, ignored: string) => quiet || warnIgnored(a, why, ignored);
  const config = callConfig(app, guard);
  if (config === undefined) return null;
  if (isUnreadable(config)) return (warnUnreadable(app, config, PERMISSIONS_IGNORED), null);
  const written = member(app, config, "roles");
  if (written === undefined) return null;
  const roles = isUnreadable(written) ? written : readStrings(app, written);
  if (isUnreadable(roles)) return (warnUnreadable(app, roles, PERMISSIONS_IGNORED), null);
  const permissions: Record<string, string[]> = {};
  const granted = objectAt(app, config, "permissions");
  const open = granted === undefined || isUnreadable(granted) ? granted : granted.open;
  if (open !== undefined) return (warnUnreadable(app, open, PERMISSIONS_IGNORED), null);
  for (const [role, p] of granted === undefined || isUnreadable(granted) ? [] : granted.props) {
    const names = readStrings(app, propertyValue(p));
    if (isUnreadable(names)) return (warnUnreadable(app, names, PERMISSIONS_IGNORED), null);
    permissions[role] = names;
  }
  const lowest = roles[0];
  if (lowest === undefined) return null;
  const define = clientRoles(); // not caught: a package installed without it cannot be audited as it should be
  try {
    const client = define({ roles, permissions });
    client.validate();
    return { lowest, holds: (permission) => client.can(lowest, permission), anyHolds: (permission) => roles.some((r) => client.can(r, permission)), weakest: (permission) => roles.find((r) => client.can(r, permission)), holders: (permission) => roles.filter((r) => client.can(r, permission)) };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const refused: Unreadable = { unreadable: guard.arguments[0] ?? guard, what: `its roles and permissions are refused by the engine (${why})`, fix: "Fix them: guard.validate() names the mistake" };
    return (warnIgnored(app, refused, PERMISSIONS_IGNORED), null);
  }
}

/** What the audit uses of `defineClientGuard` (js/client.ts, whose engine types the CLI's compilation leaves out). */
type DefineClientGuard = (config: { roles: string[]; permissions: Record<string, string[]> }) => { validate(): void; can(subject: string, permission: string): boolean };

/** The package's `convex-guard/client`, beside the CLI (`cli.cjs`) in the installed package: its engine, not the roles-only one, refuses roles written highest first (src/ladder.rs), as the server does (finalread32 L2). */
function clientRoles(): DefineClientGuard {
  return (createRequire(__filename)("./client.cjs") as { defineClientGuard: DefineClientGuard }).defineClientGuard;
}
