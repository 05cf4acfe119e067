// The role hierarchy the audit reads from the source: the lowest role (the first of `roles`) is
// held by every user with a role, so a check of it proves the caller signed in with a role, not
// that they may read or delete any particular document.
//
// The roles are read from the app's one guard configuration (config.ts: an object literal, or
// `const`s holding it, spread or not), the list written there or a `const` holding it; when they
// cannot be read, no role check is judged the lowest (and the report warns).
import ts from "typescript";
import { isUnreadable, member, readValue, theConfig, unreadable, warnUnreadable } from "./config.js";
import type { AuthCheck } from "./facts.js";
import { skipOuter, type App } from "./program.js";

const lowest = new WeakMap<App, string | null>();

/** The first of the roles of the app's one literal guard configuration; null when not readable. */
export function lowestRole(app: App): string | null {
  let known = lowest.get(app);
  if (known === undefined) {
    known = readLowestRole(app);
    lowest.set(app, known);
  }
  return known;
}

/** What the audit does without the roles: said in the report's configuration warning. */
export const ROLES_IGNORED = "the roles (a check of the lowest role is taken as any role check: it covers documents read or deleted by an argument's id)";

function readLowestRole(app: App): string | null {
  const config = theConfig(app);
  if (config === undefined) return null;
  const roles = isUnreadable(config) ? config : member(app, config, "roles");
  if (roles === undefined) return null;
  const first = isUnreadable(roles) || !ts.isArrayLiteralExpression(roles) ? roles : roles.elements[0];
  const name = first === undefined || isUnreadable(first) ? first : readValue(app, first);
  if (name === undefined) return null;
  if (!isUnreadable(name) && ts.isStringLiteralLike(name)) return name.text;
  warnUnreadable(app, isUnreadable(name) ? name : unreadable(name), ROLES_IGNORED);
  return null;
}

/** The initializer of the app's `const` a symbol names (`const MEMBER = "user"`), imported or not. */
function constValue(app: App, symbol: ts.Symbol | undefined): ts.Expression | undefined {
  const target = symbol !== undefined && symbol.flags & ts.SymbolFlags.Alias ? app.checker.getAliasedSymbol(symbol) : symbol;
  const decl = target?.valueDeclaration;
  if (decl === undefined || !ts.isVariableDeclaration(decl) || decl.initializer === undefined || !app.isAppCode(decl.getSourceFile())) return undefined;
  return ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const ? skipOuter(decl.initializer) : undefined;
}

/** A role written literally, or through `const`s of the app (`const MEMBER = "user"`). */
function roleName(app: App, node: ts.Node | undefined): string | undefined {
  let e = node !== undefined && ts.isExpression(node) ? skipOuter(node) : undefined;
  for (let depth = 0; depth < 4 && e !== undefined && ts.isIdentifier(e); depth++) e = constValue(app, app.checker.getSymbolAtLocation(e));
  return e !== undefined && ts.isStringLiteralLike(e) ? e.text : undefined;
}

/**
 * The role checks of the lowest configured role, marked `everyRole` (its name): every user with a
 * role passes them, so they decide nothing about a document. A role not written literally is
 * not judged (it may be a higher one).
 */
export function markLowestRole(app: App, auth: AuthCheck[]): AuthCheck[] {
  if (!auth.some((a) => a.level === "role")) return auth;
  const role = lowestRole(app);
  if (role === null) return auth;
  return auth.map((a) => (a.level === "role" && roleName(app, a.role) === role ? { ...a, everyRole: role } : a));
}
