// The role hierarchy the audit reads from the source: the lowest role (the first of `roles`) is
// held by every user with a role, so a check of it proves the caller signed in with a role, not
// that they may read or delete any particular document.
//
// The roles are read from the configuration of the guard that makes the check (guards.ts;
// config.ts: an object literal, or `const`s holding it, spread or not), the list written there
// or a `const` holding it; when they cannot be read, no role check is judged the lowest (and the
// report warns). A check whose guard cannot be followed is of the lowest role when its role is
// the lowest of any of the app's guards (the stricter reading, and a warning). A role a tenant
// scopes (`securityAudit.scopedRoles`: scopedroles.ts) counts as the lowest: it covers no document.
import ts from "typescript";
import { assigned } from "./changed.js";
import { callConfig, isUnreadable, member, readStrings, readValue, unreadable, warnUnreadable } from "./config.js";
import type { AuthCheck } from "./facts.js";
import { appGuards, consult } from "./guards.js";
import { outermost } from "./paramflow.js";
import { lowestHolding, rolesHolding, weakestHolding } from "./permissions.js";
import { skipOuter, type App } from "./program.js";
import { anyScoped, firstScoped, scopedRolesOf } from "./scopedroles.js";
import { choices, unreadRole } from "./unreadrole.js";

/** One guard's roles as the audit reads them: the lowest, and those above it. */
export interface Roles {
  /** The first of `roles`; null when not readable (after a warning). */
  lowest: string | null;
  /** The rest of `roles`, every one a string; undefined when not all of them can be read. */
  above: string[] | undefined;
}

const rolesRead = new WeakMap<ts.Node, Roles>();

/** The roles of one `defineGuard` call's configuration, read once. */
export function rolesOf(app: App, guard: ts.CallExpression): Roles {
  let known = rolesRead.get(guard);
  if (known === undefined) {
    known = readRoles(app, guard);
    rolesRead.set(guard, known);
  }
  return known;
}

/** The first of the roles of one `defineGuard` call's configuration; null when not readable. */
export const lowestRole = (app: App, guard: ts.CallExpression): string | null => rolesOf(app, guard).lowest;

/** What the audit does without the roles: said in the report's configuration warning. */
export const ROLES_IGNORED = "the roles (a check of the lowest role is taken as any role check: it covers documents read or deleted by an argument's id)";

/** What the audit does with a check whose guard it cannot follow: said in the report's warning (and of the scoped roles, when a guard names some). */
const ROLES_JUDGED = "the roles (a role check is of the lowest role when it is the lowest of any of them)";
const ROLES_SCOPED_JUDGED = "the roles (a role check is of the lowest role when it is the lowest of any of them, or it or a role above it is scoped by any of them)";

/** What the audit does with a permission check whose guard it cannot follow: said in the report's warning. */
const PERMISSIONS_JUDGED = "the permissions (a permission check is of the lowest role when the lowest role of any of them holds it)";
const PERMISSIONS_SCOPED_JUDGED = "the permissions (a permission check is of the lowest role when the lowest role of any of them holds it, or a role any of them scopes)";

function readRoles(app: App, guard: ts.CallExpression): Roles {
  const config = callConfig(app, guard);
  if (config === undefined) return { lowest: null, above: undefined };
  const roles = isUnreadable(config) ? config : member(app, config, "roles");
  if (roles === undefined) return { lowest: null, above: undefined };
  const all = isUnreadable(roles) ? undefined : readStrings(app, roles);
  const above = all === undefined || isUnreadable(all) ? undefined : all.slice(1);
  const first = isUnreadable(roles) || !ts.isArrayLiteralExpression(roles) ? roles : roles.elements[0];
  const name = first === undefined || isUnreadable(first) ? first : readValue(app, first);
  if (name === undefined) return { lowest: null, above };
  if (!isUnreadable(name) && ts.isStringLiteralLike(name)) return { lowest: name.text, above };
  warnUnreadable(app, isUnreadable(name) ? name : unreadable(name), ROLES_IGNORED);
  return { lowest: null, above };
}

/** The initializer of the app's `const` a symbol names (`const MEMBER = "user"`), imported or not. */
function constValue(app: App, symbol: ts.Symbol | undefined): ts.Expression | undefined {
  const target = symbol !== undefined && symbol.flags & ts.SymbolFlags.Alias ? app.checker.getAliasedSymbol(symbol) : symbol;
  const decl = target?.valueDeclaration;
  if (decl === undefined || !ts.isVariableDeclaration(decl) || decl.initializer === undefined || !app.isAppCode(decl.getSourceFile())) return undefined;
  return ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const ? skipOuter(decl.initializer) : undefined;
}

/** A role written literally, or through `const`s of the app (`const MEMBER = "user"`, `R.top` of `const R = { top: "admin" }` never changed: attack36 F5). */
export function roleName(app: App, node: ts.Node | undefined): string | undefined {
  let e = node !== undefined && ts.isExpression(node) ? skipOuter(node) : undefined;
  for (let depth = 0; depth < 4 && e !== undefined && !ts.isStringLiteralLike(e); depth++) {
    // A string enum's member (`Role.Admin` of `enum Role { Admin = "admin" }`), as TypeScript folds it (finalread33 M2).
    const member = ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) ? app.checker.getSymbolAtLocation(ts.isPropertyAccessExpression(e) ? e.name : e.argumentExpression)?.valueDeclaration : undefined;
    const folded = member !== undefined && ts.isEnumMember(member) ? app.checker.getConstantValue(member) : undefined;
    if (typeof folded === "string") return folded;
    e = ts.isIdentifier(e) ? constValue(app, app.checker.getSymbolAtLocation(e)) : ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) ? constMember(app, e) : undefined;
  }
  return e !== undefined && ts.isStringLiteralLike(e) ? e.text : undefined;
}

/** `R.top` (`R["top"]`): the value of the last `top` of the object literal a `const` R holds, `as const` or not, when R is never changed (`unchanged`). */
function constMember(app: App, e: ts.PropertyAccessExpression | ts.ElementAccessExpression): ts.Expression | undefined {
  const owner = skipOuter(e.expression);
  const keyNode = ts.isPropertyAccessExpression(e) ? e.name : skipOuter(e.argumentExpression);
  const key = ts.isIdentifier(keyNode) || ts.isStringLiteralLike(keyNode) ? keyNode.text : undefined;
  const symbol = ts.isIdentifier(owner) ? app.symbol(owner) : undefined;
  const object = constValue(app, symbol);
  if (key === undefined || symbol === undefined || object === undefined || !ts.isObjectLiteralExpression(object) || !unchanged(app, symbol)) return undefined;
  // A spread or a computed key after the last `top` may replace it.
  for (const p of [...object.properties].reverse()) {
    if (p.name === undefined || !(ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name))) return undefined;
    if (p.name.text === key) return ts.isPropertyAssignment(p) ? skipOuter(p.initializer) : undefined;
  }
  return undefined;
}

const unchangedRead = new WeakMap<ts.Symbol, boolean>();

/**
 * Whether every use of a `const` object in the app's code reads it: a member read (`R.top`, not
 * assigned, `++`'d or deleted), a spread, `typeof R`, an import or export of it. Any other use
 * (`Object.assign(R, ...)`, a call given R, `const S = R`, `export default R`) may change it.
 */
function unchanged(app: App, symbol: ts.Symbol): boolean {
  const known = unchangedRead.get(symbol);
  if (known !== undefined) return known;
  const files = app.program.getSourceFiles().filter((f) => app.isAppCode(f));
  // The names it is imported or exported as (`import { R as Roles }`).
  const names = new Set([symbol.name]);
  const renames = (n: ts.Node): void => {
    if ((ts.isImportSpecifier(n) || ts.isExportSpecifier(n)) && names.has((n.propertyName ?? n.name).text)) names.add(n.name.text);
    ts.forEachChild(n, renames);
  };
  for (let size = 0; size !== names.size; ) {
    size = names.size;
    files.forEach(renames);
  }
  let ok = true;
  const visit = (n: ts.Node): void => {
    if (ok && ts.isIdentifier(n) && names.has(n.text) && app.symbol(n) === symbol) ok = readOnly(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n ? n.parent : n);
    if (ok) ts.forEachChild(n, visit);
  };
  files.forEach(visit);
  unchangedRead.set(symbol, ok);
  return ok;
}

/** Whether a use of a `const` object (`u`) only reads it. */
function readOnly(u: ts.Node): boolean {
  const p = u.parent;
  if (ts.isVariableDeclaration(p) && p.name === u) return true;
  if (ts.isImportSpecifier(p) || ts.isExportSpecifier(p) || ts.isImportClause(p) || ts.isTypeQueryNode(p) || ts.isSpreadAssignment(p) || ts.isSpreadElement(p)) return true;
  if (!((ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p)) && p.expression === u)) return false;
  return !assigned(p) && !ts.isDeleteExpression(outermost(p).parent);
}

/**
 * The role checks of the lowest role configured by their guard, marked `everyRole` (its name), and
 * the permission checks of a permission that role holds (the engine decides: permissions.ts),
 * marked `everyRole` and `heldPermission`: every user with a role passes them, so they decide
 * nothing about a document. So are the checks a role the guard's `securityAudit.scopedRoles`
 * names passes (a check of it or of a role below it, or of a permission it holds), marked
 * `everyRole` (that role) and `scoped` (scopedroles.ts): every teacher passes them, whatever
 * their class. A role or permission not written literally is not judged (it may be a higher one's),
 * but in a function's own checks (`handler` given): a `?:` of roles read is the weakest of them, any
 * other is the lowest role (unreadrole.ts: attack48 F3).
 */
export function markLowestRole(app: App, auth: AuthCheck[], handler?: ts.SignatureDeclaration): AuthCheck[] {
  if (!auth.some((a) => a.level === "role" || a.level === "permission")) return auth;
  const scopes = anyScoped(app, appGuards(app));
  return auth.map((a) => {
    // A name not written literally is not judged (its guard's roles are not asked), but in a function's own checks (`handler`): unreadrole.ts.
    const name = a.level === "role" || a.level === "permission" ? roleName(app, a.role) : undefined;
    if (name !== undefined) return judged(app, a, name, scopes);
    if (handler === undefined || (a.level !== "role" && a.level !== "permission") || a.role === undefined) return a;
    // A `?:` of roles read: the weakest of them (attack48 F3).
    const options = choices(a.role, (n) => roleName(app, n))?.map((r) => judged(app, a, r, scopes));
    if (options !== undefined) return options.reduce((w, o) => (weaker(o, w) ? o : w));
    // Any other: the lowest role of its guard, and why.
    const lowest = consult(app, a.guardCall, a.level === "permission" ? (scopes ? PERMISSIONS_SCOPED_JUDGED : PERMISSIONS_JUDGED) : scopes ? ROLES_SCOPED_JUDGED : ROLES_JUDGED).map((g) => lowestRole(app, g)).find((r) => r !== null);
    return lowest === undefined || lowest === null ? a : { ...a, everyRole: lowest, chosen: unreadRole(app, handler, a.role, a.level, lowest) };
  });
}

/** Whether check `a`, as judged, lets more callers through than `b`: every role passes it, or it ranks lower. */
const weaker = (a: AuthCheck, b: AuthCheck): boolean => b.everyRole === undefined && (a.everyRole !== undefined || (a.ranked !== undefined && (b.ranked === undefined || a.ranked.above.length > b.ranked.above.length)));

/** Check `a` judged as one of role (or permission) `name`. */
function judged(app: App, a: AuthCheck, name: string, scopes: boolean): AuthCheck {
  if (a.level === "permission") {
    const judged = consult(app, a.guardCall, scopes ? PERMISSIONS_SCOPED_JUDGED : PERMISSIONS_JUDGED);
    const holding = judged.map((g) => lowestHolding(app, g, name)).find((r) => r !== undefined);
    if (holding !== undefined) return { ...a, everyRole: holding, heldPermission: name };
    // Held by a role a tenant scopes (scopedroles.ts): every holder of it passes, whatever their tenant.
    const scoped = judged.map((g) => firstScoped(rolesHolding(app, g, name) ?? [], scopedRolesOf(app, g))).find((r) => r !== undefined);
    if (scoped !== undefined) return { ...a, everyRole: scoped, heldPermission: name, scoped: `permission '${name}'` };
    // Ranked at the lowest role holding it (a middle role's permission: rolecheck.ts), with one guard.
    const weakest = judged.length === 1 ? weakestHolding(app, judged[0]!, name) : undefined;
    const above = weakest === undefined ? undefined : rankedAbove(rolesOf(app, judged[0]!), weakest);
    return above === undefined ? a : { ...a, ranked: { role: weakest!, above, permission: name } };
  }
  const guards = consult(app, a.guardCall, scopes ? ROLES_SCOPED_JUDGED : ROLES_JUDGED);
  if (guards.some((g) => lowestRole(app, g) === name)) return { ...a, everyRole: name };
  // It, or a role above it (which passes it too), is scoped.
  const scoped = guards.map((g) => firstScoped([name, ...(rankedAbove(rolesOf(app, g), name) ?? [])], scopedRolesOf(app, g))).find((r) => r !== undefined);
  if (scoped !== undefined) return { ...a, everyRole: scoped, scoped: `role '${name}'` };
  const above = guards.length === 1 ? rankedAbove(rolesOf(app, guards[0]!), name) : undefined;
  return above === undefined ? a : { ...a, ranked: { role: name, above } };
}

/** The roles ranked above `name` in one guard's roles (`roles` lists them lowest first); undefined when they are not all read or it is not one of them. */
function rankedAbove(roles: Roles, name: string): string[] | undefined {
  const all = roles.lowest === null || roles.above === undefined ? [] : [roles.lowest, ...roles.above];
  const at = all.indexOf(name);
  return at < 0 ? undefined : all.slice(at + 1);
}

/**
 * Whether a function's checks decide who may touch any document: a role above the lowest or a
 * permission the lowest role does not hold, that no scoped role passes. A document check decides
 * only the document it was made on; "signed in" alone decides nothing, nor does the lowest role,
 * which every user with a role holds, or a permission it holds, nor a scoped role.
 */
export function decidesAccess(auth: readonly AuthCheck[]): boolean {
  return auth.some((a) => (a.level === "role" || a.level === "permission") && a.everyRole === undefined);
}

/** Who a function that decides nothing (`decidesAccess`) lets through, as findings say it. */
export function anyCaller(auth: readonly AuthCheck[]): string {
  const lowest = auth.find((a) => a.everyRole !== undefined);
  if (lowest === undefined) return auth.length > 0 ? "any signed-in caller" : "any caller";
  const role = lowest.everyRole!;
  if (lowest.chosen !== undefined) return `any signed-in caller (${lowest.chosen}: taken as the lowest role, '${role}', which every user with a role holds)`;
  if (lowest.scoped !== undefined) {
    const passed = lowest.scoped === `role '${role}'` ? `role '${role}' is scoped (securityAudit.scopedRoles)` : `${lowest.scoped} is passed by role '${role}', scoped (securityAudit.scopedRoles)`;
    return `any caller with role '${role}' (${passed}: every ${role} passes it, whatever their tenant)`;
  }
  const checked = lowest.heldPermission === undefined ? `role '${role}' is the lowest` : `permission '${lowest.heldPermission}' is held by the lowest role, '${role}'`;
  return `any signed-in caller (${checked}: every user with a role holds it)`;
}
