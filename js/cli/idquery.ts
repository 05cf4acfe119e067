// One row found by an argument's id through a query rather than `ctx.db.get` (attack43 F4):
//
//   const p = await ctx.db.query("projects").filter((q) => q.eq(q.field("_id"), args.projectId)).unique();
//   await ctx.db.delete(p._id);   // the document argument 'projectId' names, as after ctx.db.get(args.projectId)
//
// The read rules already read an `_id` filter as a read by the argument's id (argflow.ts
// `returnedIdReads`); the write and delete rules read the row the same way (argflow.ts `readArg`).
// Only a query whose whole selection is that one `_id` equality counts: one narrowed by anything
// else too (a checked parent's index, `q.eq(q.field("ownerId"), user._id)`) selects by that as well.
// So does a JavaScript `find` by `_id` over every row of a table (attack45 F4): `const rows = await
// ctx.db.query("documents").collect(); const row = rows.find((r) => r._id === args.id);`. And the
// keys (and values) of a record argument are its ids: `for (const id of Object.keys(args.edits))`.
import ts from "typescript";
import { CONVEX } from "./facts.js";
import { isDatabase } from "./facts-syntax.js";
import { skipOuter, type App } from "./program.js";

/** Query steps that select nothing (`.order("desc")`). */
const NEUTRAL = new Set(["order"]);

/**
 * The argument `ctx.db.query(t).filter((q) => q.eq(q.field("_id"), id)).unique()` (or `.first()`,
 * `withIndex("by_id", (q) => q.eq("_id", id))`) reads one row by, when that equality is its whole
 * selection; so does `rows.find((r) => r._id === id)` of all a table's rows (`const rows = await
 * ctx.db.query(t).collect()`, attack45 F4); `idOf`: the argument an id value comes from (argflow.ts `idRoot`).
 */
export function queriedById(app: App, read: ts.Expression, idOf: (e: ts.Expression) => string | undefined): string | undefined {
  const end = skipOuter(read);
  if (!ts.isCallExpression(end) || !ts.isPropertyAccessExpression(end.expression)) return undefined;
  const method = end.expression.name.text;
  if (method === "find") {
    let rows = skipOuter(end.expression.expression);
    rows = ts.isIdentifier(rows) ? skipOuter(app.constInitializer(rows) ?? rows) : rows;
    const all = ts.isCallExpression(rows) && ts.isPropertyAccessExpression(rows.expression) && rows.expression.name.text === "collect" ? selection(app, rows.expression.expression, idOf) : undefined;
    return all !== undefined && all.arg === undefined ? foundById(end.arguments[0], idOf) : undefined;
  }
  return ["unique", "first"].includes(method) ? selection(app, end.expression.expression, idOf)?.arg : undefined;
}

/** What a query (`ctx.db.query(t)` and its steps) selects by: `arg`, one `_id` equality of an argument's id; none, every row; undefined, anything else. An index with no range selects every row. */
function selection(app: App, query: ts.Expression, idOf: (e: ts.Expression) => string | undefined): { arg?: string } | undefined {
  let arg: string | undefined;
  for (let node = skipOuter(query), depth = 0; depth < 8 && ts.isCallExpression(node); depth++) {
    const convex = app.calleeFrom(node, CONVEX);
    if (convex?.name === "query" && isDatabase(convex.owner)) return { arg };
    if (!ts.isPropertyAccessExpression(node.expression)) return undefined;
    const step = node.expression.name.text;
    if (!NEUTRAL.has(step) && !(step === "withIndex" && node.arguments.length === 1)) {
      const found = step === "filter" || step === "withIndex" ? idEquality(node.arguments[node.arguments.length - 1], idOf) : undefined;
      if (found === undefined || arg !== undefined) return undefined;
      arg = found;
    }
    node = skipOuter(node.expression.expression);
  }
  return undefined;
}

/** `(r) => r._id === id` (either side, `==` too), a JavaScript `find`'s test: the argument `id` comes from. */
function foundById(callback: ts.Expression | undefined, idOf: (e: ts.Expression) => string | undefined): string | undefined {
  const fn = callback === undefined ? undefined : skipOuter(callback);
  if (fn === undefined || !ts.isArrowFunction(fn) || ts.isBlock(fn.body) || fn.parameters.length !== 1 || !ts.isIdentifier(fn.parameters[0]!.name)) return undefined;
  const row = fn.parameters[0]!.name.text;
  const body = skipOuter(fn.body);
  if (!ts.isBinaryExpression(body) || ![ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken].includes(body.operatorToken.kind)) return undefined;
  const isId = (e: ts.Expression) => ts.isPropertyAccessExpression(e) && e.name.text === "_id" && ts.isIdentifier(skipOuter(e.expression)) && (skipOuter(e.expression) as ts.Identifier).text === row;
  const [a, b] = [skipOuter(body.left), skipOuter(body.right)];
  return isId(a) ? idOf(b) : isId(b) ? idOf(a) : undefined;
}

/** `(q) => q.eq(q.field("_id"), id)` (or `q.eq("_id", id)`, either side): the argument `id` comes from. */
function idEquality(callback: ts.Expression | undefined, idOf: (e: ts.Expression) => string | undefined): string | undefined {
  const fn = callback === undefined ? undefined : skipOuter(callback);
  if (fn === undefined || !ts.isArrowFunction(fn) || ts.isBlock(fn.body)) return undefined;
  const body = skipOuter(fn.body);
  if (!ts.isCallExpression(body) || !ts.isPropertyAccessExpression(body.expression) || body.expression.name.text !== "eq" || body.arguments.length !== 2) return undefined;
  const [a, b] = body.arguments.map((x) => skipOuter(x));
  const isId = (e: ts.Expression) => (ts.isStringLiteralLike(e) && e.text === "_id") || (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === "field" && e.arguments.length === 1 && ts.isStringLiteralLike(e.arguments[0]!) && e.arguments[0].text === "_id");
  return isId(a!) ? idOf(b!) : isId(b!) ? idOf(a!) : undefined;
}

/** `X` of `Object.keys(X)`, `Object.values(X)` or `Object.entries(X)`: its keys and values are those of `X` (a `v.record` argument's, attack45 F4). */
export function recordOf(list: ts.Expression): ts.Expression | undefined {
  const call = skipOuter(list);
  if (!ts.isCallExpression(call) || call.arguments.length !== 1 || !ts.isPropertyAccessExpression(call.expression)) return undefined;
  const { expression: owner, name } = call.expression;
  return ts.isIdentifier(owner) && owner.text === "Object" && ["keys", "values", "entries"].includes(name.text) ? call.arguments[0] : undefined;
}
