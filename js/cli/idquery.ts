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
import { isCallerId } from "./callerid.js";
import { isDatabase } from "./facts-syntax.js";
import { skipOuter, type App } from "./program.js";

/** Query steps that select nothing (`.order("desc")`). */
const NEUTRAL = new Set(["order"]);

/**
 * The argument `ctx.db.query(t).filter((q) => q.eq(q.field("_id"), id)).unique()` (or `.first()`,
 * `withIndex("by_id", (q) => q.eq("_id", id))`) reads one row by, when nothing else of its
 * selection ties the row to anyone: each other condition compares a field with a literal only
 * (`q.and(q.eq(q.field("_id"), id), q.eq(q.field("archived"), false))`, an index range on
 * `"status"` equal to `"open"`), never with the caller's id, an argument or any other value (which
 * may name the caller or a checked parent); so does `rows.find((r) => r._id === id && !r.archived)`
 * (or `rows.filter(...)[0]`) of a table's rows so selected (`const rows = await
 * ctx.db.query(t).collect()`, attack45 F4); `idOf`: the argument an id value comes from (argflow.ts `idRoot`).
 */
export function queriedById(app: App, read: ts.Expression, idOf: (e: ts.Expression) => string | undefined): string | undefined {
  let end = skipOuter(read);
  // `rows.filter((r) => r._id === id)[0]`: the first row kept, as `find` answers it.
  const first = ts.isElementAccessExpression(end) && ts.isNumericLiteral(end.argumentExpression) && end.argumentExpression.text === "0" ? skipOuter(end.expression) : undefined;
  if (first !== undefined) end = first;
  if (!ts.isCallExpression(end) || !ts.isPropertyAccessExpression(end.expression)) return undefined;
  const method = end.expression.name.text;
  if (method === "find" || (method === "filter" && first !== undefined)) {
    let rows = skipOuter(end.expression.expression);
    rows = ts.isIdentifier(rows) ? skipOuter(app.constInitializer(rows) ?? rows) : rows;
    const all = ts.isCallExpression(rows) && ts.isPropertyAccessExpression(rows.expression) && rows.expression.name.text === "collect" ? selection(app, rows.expression.expression, idOf) : undefined;
    return all !== undefined && all.arg === undefined ? foundById(app, end.arguments[0], idOf) : undefined;
  }
  return ["unique", "first"].includes(method) && first === undefined ? selection(app, end.expression.expression, idOf)?.arg : undefined;
}

/** What a query (`ctx.db.query(t)` and its steps) selects by: `arg`, one `_id` equality of an argument's id; none, every row its literal conditions keep; undefined, anything else (a value that may tie the rows to someone). An index with no range selects every row. */
function selection(app: App, query: ts.Expression, idOf: (e: ts.Expression) => string | undefined): { arg?: string } | undefined {
  let arg: string | undefined;
  for (let node = skipOuter(query), depth = 0; depth < 8 && ts.isCallExpression(node); depth++) {
    const convex = app.calleeFrom(node, CONVEX);
    if (convex?.name === "query" && isDatabase(convex.owner)) return { arg };
    if (!ts.isPropertyAccessExpression(node.expression)) return undefined;
    const step = node.expression.name.text;
    if (!NEUTRAL.has(step) && !(step === "withIndex" && node.arguments.length === 1)) {
      const found = step === "filter" || step === "withIndex" ? idConditions(app, node.arguments[node.arguments.length - 1], step === "withIndex", idOf) : undefined;
      if (found === undefined || (found.arg !== undefined && arg !== undefined)) return undefined;
      arg ??= found.arg;
    }
    node = skipOuter(node.expression.expression);
  }
  return undefined;
}

/** Whether `e` names no one: a literal (`false`, `"open"`, `-1`, `undefined`), or a `const` holding one. */
function literal(app: App, e: ts.Expression, depth = 0): boolean {
  const x = skipOuter(e);
  if (ts.isStringLiteralLike(x) || ts.isNumericLiteral(x) || ts.isBigIntLiteral(x) || [ts.SyntaxKind.TrueKeyword, ts.SyntaxKind.FalseKeyword, ts.SyntaxKind.NullKeyword].includes(x.kind)) return true;
  if (ts.isPrefixUnaryExpression(x) && x.operator === ts.SyntaxKind.MinusToken) return literal(app, x.operand, depth);
  if (!ts.isIdentifier(x)) return false;
  const init = depth < 4 ? app.constInitializer(x) : undefined;
  return init !== undefined ? literal(app, init, depth + 1) : x.text === "undefined";
}

/**
 * The conditions of a filter (`(q) => q.and(q.eq(q.field("_id"), id), q.eq(q.field("archived"),
 * false))`, `q.and` nested, the `_id` equality at any place) or of an index range (`(q) =>
 * q.eq("status", "open")`, `q.eq("_id", id)`): `arg`, the argument of its one `_id` equality, if
 * any; undefined when a condition compares with anything but a literal (the caller's id, an
 * argument: it may tie the row to someone) or is not read.
 */
function idConditions(app: App, callback: ts.Expression | undefined, index: boolean, idOf: (e: ts.Expression) => string | undefined): { arg?: string } | undefined {
  const fn = callback === undefined ? undefined : skipOuter(callback);
  if (fn === undefined || !ts.isArrowFunction(fn) || ts.isBlock(fn.body) || fn.parameters.length !== 1 || !ts.isIdentifier(fn.parameters[0]!.name)) return undefined;
  const q = fn.parameters[0]!.name.text;
  const onQ = (e: ts.Expression) => ts.isIdentifier(skipOuter(e)) && (skipOuter(e) as ts.Identifier).text === q;
  /** `q.<method>(...)` (or, `index`, a step of a range chained on `q`): its method and arguments. */
  const call = (e: ts.Expression) => {
    const c = skipOuter(e);
    return ts.isCallExpression(c) && ts.isPropertyAccessExpression(c.expression) ? { method: c.expression.name.text, on: c.expression.expression, args: c.arguments.map((a) => skipOuter(a)) } : undefined;
  };
  const isField = (e: ts.Expression, name?: string) => {
    const f = call(e);
    return index ? ts.isStringLiteralLike(e) && (name === undefined || e.text === name) : f?.method === "field" && onQ(f.on) && f.args.length === 1 && ts.isStringLiteralLike(f.args[0]!) && (name === undefined || f.args[0].text === name);
  };
  let arg: string | undefined;
  let ids = 0;
  // Each condition: `_id` equal to an argument's id (counted), else a field compared with a literal, else a combination of such (`q.not`, `q.or`).
  const condition = (e: ts.Expression): boolean => {
    const c = call(e);
    if (c === undefined || (index ? false : !onQ(c.on))) return false;
    if (!index && ["and", "or", "not"].includes(c.method)) return c.args.length > 0 && c.args.every((a) => !ts.isSpreadElement(a) && (c.method === "and" ? condition(a) : plain(a)));
    const [a, b] = c.args;
    if (a === undefined || b === undefined || c.args.length !== 2) return false;
    if (c.method === "eq" && (isField(a, "_id") || isField(b, "_id"))) {
      const found = idOf(isField(a, "_id") ? b : a);
      ids++;
      arg = found;
      return found !== undefined;
    }
    return (isField(a) && literal(app, b)) || (!index && isField(b) && literal(app, a));
  };
  // A combination inside `q.or`/`q.not`: only fields compared with literals (an `_id` equality there narrows nothing for sure).
  const plain = (e: ts.Expression): boolean => {
    const c = call(e);
    if (c === undefined || !onQ(c.on)) return false;
    if (["and", "or", "not"].includes(c.method)) return c.args.length > 0 && c.args.every((a) => !ts.isSpreadElement(a) && plain(a));
    const [a, b] = c.args;
    return c.args.length === 2 && ((isField(a!) && !isField(a!, "_id") && literal(app, b!)) || (isField(b!) && !isField(b!, "_id") && literal(app, a!)));
  };
  if (index) {
    // `q.eq("a", x).gt("b", y)`: each step of the range, down to `q`.
    for (let node: ts.Expression = skipOuter(fn.body); !onQ(node); ) {
      const c = call(node);
      if (c === undefined || !condition(node)) return undefined;
      node = skipOuter(c.on);
    }
  } else if (!condition(fn.body)) return undefined;
  return ids > 1 ? undefined : arg === undefined ? {} : { arg };
}

/** `(r) => r._id === id` (either side, `==` too), a JavaScript `find`'s test, also `&&`-ed with tests of the row's fields against literals only (`!r.archived`, `r.status !== "done"`): the argument `id` comes from. */
function foundById(app: App, callback: ts.Expression | undefined, idOf: (e: ts.Expression) => string | undefined): string | undefined {
  const fn = callback === undefined ? undefined : skipOuter(callback);
  if (fn === undefined || !ts.isArrowFunction(fn) || ts.isBlock(fn.body) || fn.parameters.length !== 1 || !ts.isIdentifier(fn.parameters[0]!.name)) return undefined;
  const row = fn.parameters[0]!.name.text;
  const isRow = (e: ts.Expression) => ts.isIdentifier(skipOuter(e)) && (skipOuter(e) as ts.Identifier).text === row;
  const isId = (e: ts.Expression) => ts.isPropertyAccessExpression(e) && e.name.text === "_id" && isRow(e.expression);
  const field = (e: ts.Expression) => ts.isPropertyAccessExpression(e) && !isId(e) && isRow(e.expression);
  const EQUALS = [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken];
  const COMPARES = [...EQUALS, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken, ts.SyntaxKind.LessThanToken, ts.SyntaxKind.GreaterThanToken, ts.SyntaxKind.LessThanEqualsToken, ts.SyntaxKind.GreaterThanEqualsToken];
  // A test of the row's own fields against literals only: it ties the row to no one.
  const plain = (e: ts.Expression): boolean => {
    const x = skipOuter(e);
    if (field(x)) return true;
    if (ts.isPrefixUnaryExpression(x) && x.operator === ts.SyntaxKind.ExclamationToken) return plain(x.operand);
    if (!ts.isBinaryExpression(x)) return false;
    const op = x.operatorToken.kind;
    if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) return plain(x.left) && plain(x.right);
    const [a, b] = [skipOuter(x.left), skipOuter(x.right)];
    return COMPARES.includes(op) && ((field(a) && literal(app, b)) || (field(b) && literal(app, a)));
  };
  const tests: ts.Expression[] = [];
  const and = (e: ts.Expression): void => {
    const x = skipOuter(e);
    if (ts.isBinaryExpression(x) && x.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken) [x.left, x.right].forEach(and);
    else tests.push(x);
  };
  and(fn.body);
  const byId = tests.filter((t) => ts.isBinaryExpression(t) && EQUALS.includes(t.operatorToken.kind) && (isId(skipOuter(t.left)) || isId(skipOuter(t.right)))) as ts.BinaryExpression[];
  if (byId.length !== 1 || !tests.every((t) => t === byId[0] || plain(t))) return undefined;
  const [a, b] = [skipOuter(byId[0]!.left), skipOuter(byId[0]!.right)];
  return isId(a) ? idOf(b) : idOf(a);
}

/** Whether a query (`ctx.db.query(t)` and its steps, to its end) keeps only rows with a field equal to the caller's id (callerid.ts), a condition of a filter (or of a `q.and` in it) or an index range: the caller's own rows, whatever else it selects by. */
export function callerTied(app: App, end: ts.Expression): boolean {
  const tied = (e: ts.Expression, index: boolean): boolean => {
    const c = skipOuter(e);
    if (!ts.isCallExpression(c) || !ts.isPropertyAccessExpression(c.expression)) return false;
    const method = c.expression.name.text;
    if (method === "and" && !index) return c.arguments.some((a) => tied(a, false));
    return (method === "eq" && c.arguments.some((a) => isCallerId(app, a))) || (index && tied(c.expression.expression, true));
  };
  for (let node = skipOuter(end), depth = 0; depth < 10 && ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression); depth++) {
    const step = node.expression.name.text, cb = node.arguments[node.arguments.length - 1];
    const fn = cb === undefined ? undefined : skipOuter(cb);
    if ((step === "filter" || step === "withIndex") && fn !== undefined && ts.isArrowFunction(fn) && !ts.isBlock(fn.body) && tied(fn.body, step === "withIndex")) return true;
    node = skipOuter(node.expression.expression);
  }
  return false;
}

/** `X` of `Object.keys(X)`, `Object.values(X)` or `Object.entries(X)`: its keys and values are those of `X` (a `v.record` argument's, attack45 F4). */
export function recordOf(list: ts.Expression): ts.Expression | undefined {
  const call = skipOuter(list);
  if (!ts.isCallExpression(call) || call.arguments.length !== 1 || !ts.isPropertyAccessExpression(call.expression)) return undefined;
  const { expression: owner, name } = call.expression;
  return ts.isIdentifier(owner) && owner.text === "Object" && ["keys", "values", "entries"].includes(name.text) ? call.arguments[0] : undefined;
}
