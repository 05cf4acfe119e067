// What a value written in the app is: a declaration's initializer, a name's constant value, the
// function a name stands for (moved out of argflow.ts, which re-exports them).
import ts from "typescript";
import { isFunctionLike, skipOuter, type App } from "./program.js";

/** The value a declaration gives: a variable's initializer, an `export default`'s expression. */
export function initializer(decl: ts.Node): ts.Expression | undefined {
  if (ts.isVariableDeclaration(decl) && decl.initializer !== undefined) return skipOuter(decl.initializer);
  if (ts.isExportAssignment(decl)) return skipOuter(decl.expression);
  return undefined;
}

/** An identifier's value when it is a constant of the app (`const def = {...}`), else itself. */
export function resolveValue(app: App, expr: ts.Expression): ts.Expression {
  expr = skipOuter(expr);
  for (let depth = 0; depth < 4 && ts.isIdentifier(expr); depth++) {
    const decl = app.symbol(expr)?.valueDeclaration;
    if (decl === undefined || !ts.isVariableDeclaration(decl) || decl.initializer === undefined || !app.isAppCode(decl.getSourceFile())) break;
    expr = skipOuter(decl.initializer);
  }
  return expr;
}

/** The function a value is: written there, or declared elsewhere and named (`handler: handleStripe`). */
export function functionValue(app: App, node: ts.Node | undefined): ts.SignatureDeclaration | undefined {
  if (node === undefined) return undefined;
  if (isFunctionLike(node)) return node;
  if (ts.isIdentifier(node)) {
    const symbol = app.symbol(node);
    return symbol === undefined ? undefined : app.functionOf(symbol);
  }
  return undefined;
}
