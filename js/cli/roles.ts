// The role hierarchy the audit reads from the source: the lowest role (the first of `roles`) is
// held by every user with a role, so a check of it proves the caller signed in with a role, not
// that they may read or delete any particular document.
//
// The roles are read from the app's one `defineGuard({ roles: [...] })`, written literally (the
// list, or a `const` holding it); when they cannot be read, no role check is judged the lowest.
import ts from "typescript";
import { defineGuardCalls } from "./allow.js";
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

function readLowestRole(app: App): string | null {
  const calls = defineGuardCalls(app);
  const config = calls.length === 1 && calls[0]!.arguments[0] !== undefined ? skipOuter(calls[0]!.arguments[0]) : undefined;
  if (config === undefined || !ts.isObjectLiteralExpression(config)) return null;
  let roles: ts.Expression | undefined;
  for (const p of config.properties) {
    // A spread, a computed name or an accessor may hold (or replace) the roles: not readable.
    if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) {
      if (p.name.text === "roles") roles = skipOuter(p.initializer);
    } else if (ts.isShorthandPropertyAssignment(p)) {
      if (p.name.text === "roles") roles = constValue(app, app.checker.getShorthandAssignmentValueSymbol(p));
    } else return null;
  }
  if (roles !== undefined && ts.isIdentifier(roles)) roles = constValue(app, app.checker.getSymbolAtLocation(roles));
  const first = roles !== undefined && ts.isArrayLiteralExpression(roles) ? roles.elements[0] : undefined;
  return first !== undefined && ts.isStringLiteralLike(first) ? first.text : null;
}

/** The initializer of the app's `const` a symbol names (`roles` of `defineGuard({ roles })`), imported or not. */
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
