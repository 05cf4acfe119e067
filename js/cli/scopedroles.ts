// The roles a tenant scopes, as the app says them: `securityAudit.scopedRoles` of the guard's
// configuration (read only by the audit, from the source like `allow`). A role above the lowest
// is a decision about any document only when it is global (an admin); in a classroom every
// teacher holds "submissions:grade", yet a teacher may grade only their own class's work. So a
// check that some holder of a scoped role passes (a check of that role or of one below it, or of
// a permission it holds: roles.ts) covers no document an argument names, as the lowest role's.
//
// Read like the allowlist (allow.ts): a configuration that cannot be read is a warning (no role
// is then taken as scoped); a list written there but not readable, or a name that is not one of
// the guard's roles, is an error (exit 2): a misspelt role must not silently keep the old reading.
// With the roles themselves not readable, the names are used as written and the report warns.
import ts from "typescript";
import { closestName } from "../diagnose.js";
import { callConfig, isUnreadable, member, propertyValue, readObject, readStrings, warnUnreadable } from "./config.js";
import { AuditError, type App } from "./program.js";

export const SCOPED_KEY = "scopedRoles";

/** What the audit does without the scoped roles: said in the report's configuration warning. */
const SCOPED_IGNORED = "the scoped roles (securityAudit.scopedRoles: no role is taken as scoped, so a check of a role above the lowest covers documents an argument names)";

/** What the audit does with scoped roles but not the roles: said in the report's configuration warning. */
const NAMES_UNCHECKED = "the names of securityAudit.scopedRoles (used as written, not checked against the roles: a misspelt one is not reported)";

const read = new WeakMap<ts.Node, ReadonlySet<string>>();

/** The roles one `defineGuard` call's `securityAudit.scopedRoles` names (none when it names none), read once. */
export function scopedRolesOf(app: App, guard: ts.CallExpression): ReadonlySet<string> {
  let known = read.get(guard);
  if (known === undefined) read.set(guard, (known = readScoped(app, guard)));
  return known;
}

/** Whether any guard of the app names a scoped role (the warning on a receiver not followed then says they were read). */
export const anyScoped = (app: App, guards: readonly ts.CallExpression[]): boolean => guards.some((g) => scopedRolesOf(app, g).size > 0);

function readScoped(app: App, guard: ts.CallExpression): ReadonlySet<string> {
  const none = new Set<string>();
  const config = callConfig(app, guard);
  if (config === undefined) return none;
  if (isUnreadable(config)) return (warnUnreadable(app, config, SCOPED_IGNORED), none);
  const at = config.property("securityAudit");
  if (at === undefined) return none;
  // A spread that may hold the section: a warning, as for the allowlist.
  if (isUnreadable(at)) return (warnUnreadable(app, at, SCOPED_IGNORED), none);
  // A section written there but not readable, or open to a spread, is the allowlist's error (allow.ts), for every guard.
  const section = readObject(app, propertyValue(at));
  if (isUnreadable(section) || section.open !== undefined) return none;
  const p = section.props.get(SCOPED_KEY);
  if (p === undefined) return none;
  const names = readStrings(app, propertyValue(p));
  if (isUnreadable(names)) throw notLiteral(app, p);
  const written = member(app, config, "roles");
  const roles = written === undefined ? [] : isUnreadable(written) ? written : readStrings(app, written);
  if (isUnreadable(roles)) {
    if (names.length > 0) warnUnreadable(app, roles, NAMES_UNCHECKED);
    return new Set(names);
  }
  for (const name of names) {
    if (roles.includes(name)) continue;
    const where = app.loc(p);
    const near = closestName(name, roles);
    throw new AuditError(`${where.file}:${where.line}: securityAudit.${SCOPED_KEY}: '${name}' is not one of the guard's roles${near === null ? "" : ` (did you mean '${near}'?)`}; its roles: ${roles.join(", ") || "none"}`);
  }
  return new Set(names);
}

function notLiteral(app: App, node: ts.Node): AuditError {
  const at = app.loc(node);
  return new AuditError(`${at.file}:${at.line}: securityAudit.${SCOPED_KEY} must be written literally: a list of the guard's role names (["teacher"]), or a const holding one`);
}

/** The first of `passing` (roles, lowest first) that `scoped` names. */
export const firstScoped = (passing: readonly string[], scoped: ReadonlySet<string>): string | undefined => passing.find((r) => scoped.has(r));
