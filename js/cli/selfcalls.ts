// The guard calls a public function makes on the caller's own id on each of its calls, for
// selfreset.ts (`guard.resetRateLimit`) and selfforget.ts (`guard.forgetUser`), in the forms an
// app writes them (attack34 F8, F11):
//
//   await guard.forgetUser(ctx, user._id);                        // in the handler
//   for (const id of [user._id]) await guard.forgetUser(ctx, id); // a loop over a literal list of the caller's ids
//   await clearMine(ctx, user._id);                               // an app helper, one level, that makes it on
//   async function clearMine(ctx, key) { await guard.resetRateLimit(ctx, "writes", { key }); } // the parameter given the id
//
// Made on every call: on every path of the handler (paths.ts `everyPath`; a loop's body is taken
// as run, up to a `continue` or `break` of that loop), and in the helper on every path of the
// helper too. A helper's helper is not followed.
import ts from "typescript";
import { isCallerId } from "./callerid.js";
import { callParameters } from "./paramflow.js";
import { everyPath } from "./paths.js";
import { isFunctionLike, skipOuter, type App } from "./program.js";

/** Whether `e` is the caller's own id: itself (callerid.ts), a parameter among `params`, or the `const` of a `for...of` over a non-empty literal list of such ids. */
export function isCallerKey(app: App, e: ts.Expression, params: ReadonlySet<ts.Symbol> = new Set(), depth = 0): boolean {
  if (isCallerId(app, e)) return true;
  const x = skipOuter(e);
  // `{ key }`: the value's symbol, not the property's.
  const shorthand = ts.isIdentifier(x) && ts.isShorthandPropertyAssignment(x.parent) && x.parent.name === x;
  const symbol = !ts.isIdentifier(x) ? undefined : shorthand ? app.checker.getShorthandAssignmentValueSymbol(x.parent) : app.symbol(x);
  if (symbol === undefined || depth > 3) return false;
  if (params.has(symbol)) return true;
  const decl = symbol.valueDeclaration;
  if (decl === undefined || !ts.isVariableDeclaration(decl) || !ts.isVariableDeclarationList(decl.parent) || !ts.isForOfStatement(decl.parent.parent)) return false;
  if (!ts.isIdentifier(decl.name) || (decl.parent.flags & ts.NodeFlags.Const) === 0) return false;
  const list = skipOuter(decl.parent.parent.expression);
  return ts.isArrayLiteralExpression(list) && list.elements.length > 0 && list.elements.every((el) => !ts.isSpreadElement(el) && isCallerKey(app, el, params, depth + 1));
}

/**
 * The calls of `handler`, on its every path (`gate`: paths.ts `everyPath`'s `leaves`), that make
 * what `makes` looks for keyed by the caller's own id (`keyed`, given the helper parameters that
 * stand for it): such a call itself, or an app helper's call given the caller's id, whose helper
 * makes one on its every path keyed by that parameter (reported at the helper's call).
 */
export function callerCalls(app: App, handler: ts.SignatureDeclaration, makes: (n: ts.CallExpression, keyed: (e: ts.Expression) => boolean) => boolean, gate?: (s: ts.Statement) => boolean): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  const inHelper = (helper: ts.SignatureDeclaration, params: ReadonlySet<ts.Symbol>): boolean => {
    let found = false;
    const visit = (n: ts.Node): void => {
      found ||= ts.isCallExpression(n) && makes(n, (e) => isCallerKey(app, e, params)) && everyPath(n, helper);
      if (!found && (n === helper || !isFunctionLike(n))) ts.forEachChild(n, visit);
    };
    visit(helper);
    return found;
  };
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && everyPath(n, handler, gate)) {
      const helper = makes(n, (e) => isCallerKey(app, e)) ? undefined : app.appFunction(n);
      const params = new Set<ts.Symbol>();
      if (helper !== undefined && helper !== handler) {
        callParameters(helper).forEach((p, i) => {
          const symbol = ts.isIdentifier(p.name) ? app.symbol(p.name) : undefined;
          const given = n.arguments[i];
          if (symbol !== undefined && given !== undefined && !ts.isSpreadElement(given) && isCallerKey(app, given)) params.add(symbol);
        });
      }
      if (helper === undefined ? makes(n, (e) => isCallerKey(app, e)) : params.size > 0 && inHelper(helper, params)) out.push(n);
    }
    if (n === handler || !isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(handler);
  return out;
}
