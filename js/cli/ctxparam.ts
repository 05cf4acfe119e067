// Which expressions are the Convex `ctx` by position: a function's first parameter (a handler's
// `ctx`), whatever its declared type. `ctx: any` or `const db: any = ctx.db` leave the checker no
// member to resolve (and a type of the app's own resolves to the app), so a handler annotated to
// quiet a type error would hide its database calls from every rule (program.ts `calleeFrom`).
//   handler: async (ctx: any, { id }) => ctx.db.delete(id)           // ctx.db.delete
//   const db: any = ctx.db; await db.get(id)                          // ctx.db.get
//   handler: async (ctx: unknown, { id }) => (ctx as any).db.get(id)  // ctx.db.get
import ts from "typescript";
import { isFunctionLike, skipOuter, type App } from "./program.js";

/**
 * Whether `expr` (`ctx.db.get`, `db.delete` after `const db: any = ctx.db`, `({ db }) => db.get`)
 * is a member of a function's first parameter, through the app's constants, destructurings,
 * casts and `.bind(...)`/`.table(...)` (the walk of `App.memberPath`).
 */
export function onFirstParameter(app: App, expr: ts.Expression, depth = 0): boolean {
  const e = skipOuter(expr);
  if (depth > 8) return false;
  if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) return onFirstParameter(app, e.expression, depth + 1);
  if (ts.isCallExpression(e)) {
    const callee = skipOuter(e.expression);
    return ts.isPropertyAccessExpression(callee) && (callee.name.text === "bind" || callee.name.text === "table") && onFirstParameter(app, callee.expression, depth + 1);
  }
  if (!ts.isIdentifier(e)) return false;
  const init = app.constInitializer(e);
  if (init !== undefined) return !isFunctionLike(init) && onFirstParameter(app, init, depth + 1);
  let decl: ts.Node | undefined = app.checker.getSymbolAtLocation(e)?.valueDeclaration;
  if (decl !== undefined && ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent)) {
    const holder = decl.parent.parent;
    if (ts.isVariableDeclaration(holder)) return holder.initializer !== undefined && onFirstParameter(app, holder.initializer, depth + 1);
    decl = holder;
  }
  return decl !== undefined && ts.isParameter(decl) && isFunctionLike(decl.parent) && decl.parent.parameters[0] === decl;
}
