// Ids parsed out of a string argument (attack47 F6): what `ctx.db.normalizeId` answers of a value
// derived from an argument is that argument's id (argflow.ts `rootOf`), as of `docId.trim()`:
//
//   const id = ctx.db.normalizeId("documents", link.split("/d/")[1] ?? "");   // a share link
//   const id = ctx.db.normalizeId("documents", new URL(link).pathname.slice(3));
//   const [table, raw] = ref.split(":"); const id = ctx.db.normalizeId("documents", raw);
//
// Derived: any method's answer on a derived value (`split`, `slice`, `at`), an element or a field
// of one (`[1]`, `.pathname`), `new URL(x)` of one, either side of `??` / `||` / `?:`, a `const`
// holding one, a name destructured from one (`const [, raw] = ...`, `const { pathname } = ...`).
// Only for `normalizeId`: elsewhere (a rate limit's key, a comparison) such a value is not the
// argument's.
import ts from "typescript";
import { skipOuter, type App } from "./program.js";

/** The argument a value `normalizeId` is given was derived from, `rootOf` answering for the values argflow.ts knows. */
export function parsedFrom(app: App, expr: ts.Expression, rootOf: (e: ts.Expression) => string | undefined, depth = 0): string | undefined {
  const root = rootOf(expr);
  if (root !== undefined || depth > 8) return root;
  const next = (x: ts.Expression | undefined) => (x === undefined ? undefined : parsedFrom(app, x, rootOf, depth + 1));
  const e = skipOuter(expr);
  if (ts.isIdentifier(e)) {
    const init = app.constInitializer(e);
    if (init !== undefined) return next(init);
    const decl = app.symbol(e)?.valueDeclaration;
    let holder: ts.Node | undefined = decl !== undefined && ts.isBindingElement(decl) ? decl.parent : undefined;
    while (holder !== undefined && (ts.isBindingElement(holder) || ts.isArrayBindingPattern(holder) || ts.isObjectBindingPattern(holder))) holder = holder.parent;
    const constant = holder !== undefined && ts.isVariableDeclaration(holder) && (ts.getCombinedNodeFlags(holder) & ts.NodeFlags.Const) !== 0;
    return constant ? next((holder as ts.VariableDeclaration).initializer) : undefined;
  }
  if (ts.isElementAccessExpression(e) || ts.isPropertyAccessExpression(e)) return next(e.expression);
  if (ts.isCallExpression(e)) {
    const callee = skipOuter(e.expression);
    return ts.isPropertyAccessExpression(callee) ? next(callee.expression) : undefined;
  }
  if (ts.isNewExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === "URL" && app.isGlobal(e.expression)) return next(e.arguments?.[0]);
  if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || e.operatorToken.kind === ts.SyntaxKind.BarBarToken)) return next(e.left) ?? next(e.right);
  if (ts.isConditionalExpression(e)) return next(e.whenTrue) ?? next(e.whenFalse);
  return undefined;
}
