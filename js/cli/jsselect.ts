// A selection of a query's rows written in JavaScript, for `unchecked-id-read`'s reads of
// children and of an organization's rows (childquery.ts), read as the same selection in the
// query is (attack34 F9):
//
//   await guard.requireUser(ctx);
//   return (await ctx.db.query("tasks").collect()).filter((t) => t.orgId === orgId);
//   const rows = await ctx.db.query("tasks").collect(); return rows.filter((t) => t.orgId === orgId);
//   for (const t of rows) if (t.orgId === orgId) out.push(t);
//
// select the rows of organization `orgId` as `.withIndex("by_org", (q) => q.eq("orgId", orgId))`
// does: the callback (or the loop's `if`) keeps no row whose field is not that value, as
// callerid.ts `keepsRowsBy` and `pushesOwnRows` read a filter to the caller's own rows.
import ts from "typescript";
import { keepsRowsBy, pushesOwnRows } from "./callerid.js";
import { enclosingFunction } from "./facts-syntax.js";
import { outer } from "./flow.js";
import { skipOuter } from "./program.js";
import type { App } from "./program.js";

/**
 * The fields and the arguments (`idOf` of the value compared) by which the rows a query read at
 * `end` (its `collect()`) are filtered in JavaScript: `.filter`/`.find` of the read itself or of
 * the `const` holding it, or a `for ... of` loop over that `const` pushing only such rows.
 */
export function jsSelection(app: App, end: ts.Expression, idOf: (x: ts.Expression) => string | undefined): { field: string; by: string }[] {
  const found: { field: string; by: string }[] = [];
  const keep = (test: (other: (x: ts.Expression) => boolean, fields: string[]) => boolean): void => {
    let by: string | undefined;
    const fields: string[] = [];
    const other = (x: ts.Expression) => (by ??= idOf(x)) !== undefined;
    if (test(other, fields) && by !== undefined && fields[0] !== undefined) found.push({ field: fields[0], by });
  };
  const o = outer(end);
  const p = o.parent;
  if (ts.isPropertyAccessExpression(p) && p.expression === o) keep((other, fields) => keepsRowsBy(app, p.parent, other, fields));
  const held = ts.isVariableDeclaration(p) && p.initializer === o && ts.isIdentifier(p.name) ? app.symbol(p.name) : undefined;
  const scope = held === undefined ? undefined : enclosingFunction(p);
  if (held === undefined || scope === undefined) return found;
  const isHeld = (e: ts.Expression) => ts.isIdentifier(skipOuter(e)) && app.symbol(skipOuter(e)) === held;
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && isHeld(n.expression.expression)) keep((other, fields) => keepsRowsBy(app, n, other, fields));
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === "push" && loopOver(n, isHeld)) keep((other, fields) => pushesOwnRows(app, n, other, fields));
    ts.forEachChild(n, visit);
  };
  visit(scope);
  return found;
}

/** Whether `push` is in the body of a `for ... of` loop over a value `isHeld` accepts. */
function loopOver(push: ts.Node, isHeld: (e: ts.Expression) => boolean): boolean {
  let n: ts.Node = push;
  while (!ts.isSourceFile(n) && !ts.isFunctionLike(n)) {
    if (ts.isForOfStatement(n)) return isHeld(n.expression);
    n = n.parent;
  }
  return false;
}
