// The rows of a query a change names (ownerquery.ts, querywrites.ts): a row's `_id` of a
// `for ... of` variable, a `.first()`/`.unique()` answer, a `.map`/`forEach` callback's parameter.
import ts from "typescript";
import { keepsOwnRows } from "./callerid.js";
import { skipOuter, within, type App } from "./program.js";

/** What a query answers its rows by: an array (`collect`, `take`) or one row (`first`, `unique`). */
const ROWS = new Set(["collect", "take"]);
const ROW = new Set(["first", "unique"]);

/** A `const`'s initializer (App.constInitializer), for a name declared so in `scope`. */
export function constValue(app: App, name: ts.Expression, scope: ts.Node): ts.Expression | undefined {
  if (!ts.isIdentifier(name)) return undefined;
  const decl = app.symbol(name)?.valueDeclaration;
  return decl !== undefined && within(decl, scope) ? app.constInitializer(name) : undefined;
}

/**
 * A test on a change's id, in `handler`: the `_id` of a row of a query (`ctx.db.query(t)...`),
 * answered with that query (its narrowed part, above `collect`/`take`/`first`/`unique`) and
 * whether a JS `.filter`/`.slice` of the rows came between: `const d = await query.first()`
 * (`.unique()`), `for (const d of rows)` of `await query.collect()` (`.take(n)`, a `const`
 * holding one, a `.filter`/`.slice` of one), `for await (const d of query)`, `rows.map((d) =>
 * ctx.db.delete(d._id))` (`forEach`, an arrow's only parameter, its body an expression or a block
 * that never assigns it).
 */
export function queriedRows(app: App, handler: ts.SignatureDeclaration): (target: ts.Expression) => { query: ts.Expression; filtered: boolean; kept?: string } | undefined {
  // An array of a query's rows: `await query.collect()`, `.take(n)`, a `const` holding one, or a
  // `.filter(...)`/`.slice(...)` of one (`kept`: the field a filter to the caller's own compares).
  const arrayRows = (e: ts.Expression, depth = 0, filtered = false, kept?: string): { query: ts.Expression; filtered: boolean; kept?: string } | undefined => {
    e = skipOuter(e);
    if (ts.isIdentifier(e)) {
      const value = depth < 3 ? constValue(app, e, handler) : undefined;
      return value === undefined ? undefined : arrayRows(value, depth + 1, filtered, kept);
    }
    if (!ts.isCallExpression(e) || !ts.isPropertyAccessExpression(e.expression)) return undefined;
    const method = e.expression.name.text, from = skipOuter(e.expression.expression), fields: string[] = [];
    if (ROWS.has(method)) return { query: e.expression.expression, filtered, ...(kept === undefined ? {} : { kept }) };
    const own = method === "filter" && ts.isIdentifier(from) && keepsOwnRows(app, e, from.text, fields) ? fields[0] : undefined;
    if (method === "filter" || method === "slice") return arrayRows(from, depth, true, kept ?? own);
    return undefined;
  };

  return (target) => {
    const t = skipOuter(target);
    if (!ts.isPropertyAccessExpression(t) || t.questionDotToken !== undefined || t.name.text !== "_id") return undefined;
    const row = skipOuter(t.expression);
    if (!ts.isIdentifier(row)) return undefined;
    const decl = app.symbol(row)?.valueDeclaration;
    if (decl === undefined || !within(decl, handler)) return undefined;
    // `const doc = await query.first()` (or `.unique()`).
    if (ts.isVariableDeclaration(decl) && decl.initializer !== undefined && !ts.isForOfStatement(decl.parent.parent)) {
      const value = constValue(app, row, handler);
      const call = value === undefined ? undefined : skipOuter(value);
      if (call === undefined || !ts.isCallExpression(call) || !ts.isPropertyAccessExpression(call.expression) || !ROW.has(call.expression.name.text)) return undefined;
      return { query: call.expression.expression, filtered: false };
    }
    // `for (const d of rows)`, `for await (const d of query)`.
    if (ts.isVariableDeclaration(decl) && ts.isForOfStatement(decl.parent.parent) && ts.isIdentifier(decl.name)) {
      const loop = decl.parent.parent;
      if ((ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const) === 0) return undefined;
      return loop.awaitModifier !== undefined ? { query: loop.expression, filtered: false } : arrayRows(loop.expression);
    }
    // `rows.map((d) => ctx.db.delete(d._id))`, `rows.map(async (d) => { await ctx.db.delete(d._id); })`:
    // an arrow's only parameter, never assigned in its body.
    if (ts.isParameter(decl) && ts.isIdentifier(decl.name) && ts.isArrowFunction(decl.parent) && !assigned(app, decl.parent.body, decl)) {
      const arrow = decl.parent;
      const call = arrow.parent;
      if (arrow.parameters[0] !== decl || !ts.isCallExpression(call) || call.arguments[0] !== arrow || !ts.isPropertyAccessExpression(call.expression)) return undefined;
      if (!["map", "forEach"].includes(call.expression.name.text)) return undefined;
      return arrayRows(call.expression.expression);
    }
    return undefined;
  };
}

/** Whether `body` assigns the parameter `decl` (`d = other`, `d ??= x`): its `_id` is then not the row's. */
function assigned(app: App, body: ts.Node, decl: ts.ParameterDeclaration): boolean {
  const visit = (n: ts.Node): boolean => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
      const left = skipOuter(n.left);
      if (ts.isIdentifier(left) && app.symbol(left)?.valueDeclaration === decl) return true;
    }
    return ts.forEachChild(n, visit) === true;
  };
  return visit(body);
}
