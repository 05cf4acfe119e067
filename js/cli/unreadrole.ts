// A role or permission check whose role the audit cannot read from the source (attack48 F3):
//
//   const me = await guard.requireRole(ctx, args.role);          // the caller sends "user"
//   await guard.requireRole(ctx, args.x ? "user" : "admin");     // the caller sends x: true
//   await guard.requireRole(ctx, guard.roles[1]);                // not read: the lowest, and a warning
//
// Fail closed: a `?:` of roles the audit reads (literals, `const`s, nested `?:`) is the lowest of them
// (roles.ts judges each and keeps the weakest); any other role (an argument of the function, which the
// client chooses, a computed value, a `let`, a concatenation, a helper's parameter given one) is taken as
// the lowest role of its guard: it decides nothing about a document or a listing, and a warning names it
// (the argument, when the role comes from one). A role or permission written literally, or as a
// `const` (also given to a helper's parameter), is judged as before.
import ts from "typescript";
import { shownText, type ConfigWarning } from "./config.js";
import { valueSymbol } from "./facts-syntax.js";
import { skipOuter, type App } from "./program.js";

/** The roles (or permissions) a `?:` may be, each read by `name`; undefined when one branch cannot be read. */
export function choices(e: ts.Node, name: (n: ts.Node) => string | undefined): string[] | undefined {
  const x = ts.isExpression(e) ? skipOuter(e) : e;
  if (ts.isConditionalExpression(x)) {
    const a = choices(x.whenTrue, name), b = choices(x.whenFalse, name);
    return a === undefined || b === undefined ? undefined : [...a, ...b];
  }
  const read = name(x);
  return read === undefined ? undefined : [read];
}

/** The argument of `handler` a role is made of (`args.role`, a destructured `role`, a `const` holding one), named; undefined when none. */
export function argumentOf(app: App, handler: ts.SignatureDeclaration, e: ts.Node, depth = 0): string | undefined {
  const params = handler.parameters.slice(1);
  let found: string | undefined;
  const visit = (n: ts.Node): void => {
    if (found !== undefined) return;
    if (ts.isIdentifier(n) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) {
      const decl = valueSymbol(app, n)?.valueDeclaration;
      if (decl !== undefined && params.some((p) => decl.pos >= p.pos && decl.end <= p.end)) {
        const member = ts.isPropertyAccessExpression(n.parent) && n.parent.expression === n ? n.parent.name.text : undefined;
        found = ts.isBindingElement(decl) ? ((decl.propertyName ?? decl.name) as ts.Identifier).getText() : (member ?? n.text);
        return;
      }
      // A name destructured from one in a `const` (`const { role } = args`): the key taken.
      const bound = decl !== undefined && ts.isBindingElement(decl) && depth < 3 ? destructured(decl) : undefined;
      if (bound !== undefined) {
        const from = madeByCall(bound) ? undefined : argumentOf(app, handler, bound, depth + 1);
        found = from !== undefined && ts.isIdentifier(skipOuter(bound)) ? ((decl as ts.BindingElement).propertyName ?? (decl as ts.BindingElement).name).getText() : from;
        return;
      }
      // A `const` holding one, as written (`const role = args.role`); not a value a call made of it (a document's field).
      const init = depth < 3 ? app.constInitializer(n) : undefined;
      if (init !== undefined && !madeByCall(init)) found = argumentOf(app, handler, init, depth + 1);
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(e);
  return found;
}

/** The initializer a `const`'s destructured name is taken from, when it is one level deep. */
function destructured(e: ts.BindingElement): ts.Expression | undefined {
  const d = e.parent.parent;
  return ts.isVariableDeclaration(d) && d.initializer !== undefined && ts.getCombinedNodeFlags(d) & ts.NodeFlags.Const ? d.initializer : undefined;
}

const madeByCall = (e: ts.Node): boolean => ts.isCallExpression(e) || ts.isAwaitExpression(e) || ts.isNewExpression(e) || ts.forEachChild(e, (c) => (madeByCall(c) ? true : undefined)) === true;

const warned = new WeakMap<App, Map<string, ConfigWarning>>();

/** Why a check's role is taken as the lowest, `lowest`, as the findings say it (and a warning of the report, once per place). */
export function unreadRole(app: App, handler: ts.SignatureDeclaration, role: ts.Node, level: "role" | "permission", lowest: string): string {
  const arg = argumentOf(app, handler, role);
  const shown = shownText(role);
  const why = arg !== undefined ? `the ${level} checked, \`${shown}\`, comes from argument '${arg}', which the caller chooses` : `the ${level} checked, \`${shown}\`, cannot be read from the source`;
  const at = app.loc(role);
  const known = warned.get(app) ?? warned.set(app, new Map()).get(app)!;
  const fix = arg !== undefined ? `Write the ${level} the function requires literally (or as a const of the app), not from an argument` : `Write the ${level} literally, as a const of the app, or as a ?: of those (judged as the lowest of them)`;
  known.set(`${at.file}:${at.line}:${role.pos}`, { ...at, message: `${why}: the check is judged as one of the lowest role, '${lowest}', which every user with a role passes (it covers no document an argument names, nor a listing). ${fix}` });
  return why;
}

/** The warnings unreadRole recorded, in the order of their places. */
export const roleWarnings = (app: App): ConfigWarning[] => [...(warned.get(app)?.values() ?? [])].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
