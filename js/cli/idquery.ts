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
import { CONVEX, type AuthCheck } from "./facts.js";
import { readBy, type ArgFlow } from "./argflow.js";
import { checkedDocArg } from "./ownerquery.js";
import { weakLevel } from "./levels.js";
import { isCallerId } from "./callerid.js";
import { isDatabase, scopedTable } from "./facts-syntax.js";
import { tableFields } from "./accessfields.js";
import { skipOuter, type App } from "./program.js";

/** Query steps that select nothing (`.order("desc")`). */
const NEUTRAL = new Set(["order"]);

/**
 * The argument `ctx.db.query(t).filter((q) => q.eq(q.field("_id"), id)).unique()` (or `.first()`,
 * `withIndex("by_id", (q) => q.eq("_id", id))`) reads one row by, when nothing else of its
 * selection ties the row to the caller (`callerTied`: a field equal to the caller's id, or to a
 * value `tying` accepts, a checked argument's or parent's): any other condition (a literal, an
 * argument no check covers, `Date.now()`, a `q.neq` or `q.not` of the caller's id, a comparison of
 * no field) leaves it the argument's document or none (attack48 F2); so does `rows.find((r) =>
 * r._id === id && !r.archived)` (or `rows.filter(...)[0]`) of a table's rows so selected (`const
 * rows = await ctx.db.query(t).collect()`, attack45 F4), its own tests comparing fields with
 * literals only; `idOf`: the argument an id value comes from (argflow.ts `idRoot`).
 */
export function queriedById(app: App, read: ts.Expression, idOf: (e: ts.Expression) => string | undefined, tying?: (e: ts.Expression) => boolean): string | undefined {
  let end = skipOuter(read);
  // `rows.filter((r) => r._id === id)[0]`: the first row kept, as `find` answers it.
  const first = ts.isElementAccessExpression(end) && ts.isNumericLiteral(end.argumentExpression) && end.argumentExpression.text === "0" ? skipOuter(end.expression) : undefined;
  if (first !== undefined) end = first;
  if (!ts.isCallExpression(end) || !ts.isPropertyAccessExpression(end.expression)) return undefined;
  const method = end.expression.name.text;
  if (method === "find" || (method === "filter" && first !== undefined)) {
    let rows = skipOuter(end.expression.expression);
    rows = ts.isIdentifier(rows) ? skipOuter(app.constInitializer(rows) ?? rows) : rows;
    const query = ts.isCallExpression(rows) && ts.isPropertyAccessExpression(rows.expression) && rows.expression.name.text === "collect" ? rows.expression.expression : undefined;
    const all = query === undefined || callerTied(app, query, tying) ? undefined : selection(app, query, idOf);
    return all !== undefined && all.arg === undefined ? foundById(app, end.arguments[0], idOf) : undefined;
  }
  const query = end.expression.expression;
  return ["unique", "first"].includes(method) && first === undefined && !callerTied(app, query, tying) ? selection(app, query, idOf)?.arg : undefined;
}

/** What a query (`ctx.db.query(t)` and its steps) selects by: `arg`, one `_id` equality of an argument's id; none, every row its other conditions keep; undefined, anything else. An index with no range selects every row. */
function selection(app: App, query: ts.Expression, idOf: (e: ts.Expression) => string | undefined): { arg?: string } | undefined {
  let arg: string | undefined;
  for (let node = skipOuter(query), depth = 0; depth < 8 && ts.isCallExpression(node); depth++) {
    const convex = app.calleeFrom(node, CONVEX);
    if (convex?.name === "query" && isDatabase(convex.owner)) return { arg };
    if (!ts.isPropertyAccessExpression(node.expression)) return undefined;
    const step = node.expression.name.text;
    if (!NEUTRAL.has(step) && !(step === "withIndex" && node.arguments.length === 1)) {
      const found = step === "filter" || step === "withIndex" ? idConditions(node.arguments[node.arguments.length - 1], step === "withIndex", idOf) : undefined;
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
 * any. Any other condition narrows the row to nothing but itself or to no row: whether one ties it
 * to the caller is `callerTied`'s to say. Undefined when `_id` is named anywhere else (a `q.or` or
 * `q.not` with an `_id` equality in it, a `q.neq` of `_id`), or the callback is not read.
 */
function idConditions(callback: ts.Expression | undefined, index: boolean, idOf: (e: ts.Expression) => string | undefined): { arg?: string } | undefined {
  const fn = callback === undefined ? undefined : skipOuter(callback);
  if (fn === undefined || !ts.isArrowFunction(fn) || ts.isBlock(fn.body) || fn.parameters.length !== 1 || !ts.isIdentifier(fn.parameters[0]!.name)) return undefined;
  const q = fn.parameters[0]!.name.text;
  const call = (e: ts.Expression) => {
    const c = skipOuter(e);
    return ts.isCallExpression(c) && ts.isPropertyAccessExpression(c.expression) ? { method: c.expression.name.text, on: c.expression.expression, args: c.arguments.map((a) => skipOuter(a)) } : undefined;
  };
  const namesId = (n: ts.Node): boolean => (ts.isStringLiteralLike(n) && n.text === "_id") || (ts.forEachChild(n, namesId) ?? false);
  let arg: string | undefined;
  let ids = 0;
  // Each condition: `_id` equal to an argument's id (counted), a `q.and` of conditions, else anything that names no `_id`.
  const condition = (e: ts.Expression): boolean => {
    const c = call(e);
    if (!index && c?.method === "and") return c.args.length > 0 && c.args.every((a) => !ts.isSpreadElement(a) && condition(a));
    const [a, b] = c?.args ?? [];
    const id = (x: ts.Expression | undefined) => x !== undefined && fieldName(x, q, index) === "_id";
    if (c?.method === "eq" && c.args.length === 2 && (id(a) || id(b))) {
      const found = idOf(id(a) ? b! : a!);
      ids++;
      arg = found;
      return found !== undefined;
    }
    return !(c === undefined ? namesId(e) : c.args.some(namesId));
  };
  if (index) {
    // `q.eq("a", x).gt("b", y)`: each step of the range, down to `q`.
    for (let node: ts.Expression = skipOuter(fn.body); !(ts.isIdentifier(node) && node.text === q); ) {
      const c = call(node);
      if (c === undefined || !condition(node)) return undefined;
      node = skipOuter(c.on);
    }
  } else if (!condition(fn.body)) return undefined;
  return ids > 1 ? undefined : arg === undefined ? {} : { arg };
}

/** The field a condition's operand names: `q.field("ownerId")` of a filter on `q`, or (`index`) the string of an index range's step. */
function fieldName(e: ts.Expression, q: string, index: boolean): string | undefined {
  const x = skipOuter(e);
  if (index) return ts.isStringLiteralLike(x) ? x.text : undefined;
  if (!ts.isCallExpression(x) || !ts.isPropertyAccessExpression(x.expression) || x.expression.name.text !== "field" || x.arguments.length !== 1) return undefined;
  const on = skipOuter(x.expression.expression), name = skipOuter(x.arguments[0]!);
  return ts.isIdentifier(on) && on.text === q && ts.isStringLiteralLike(name) ? name.text : undefined;
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

/**
 * Whether a query (`ctx.db.query(t)` and its steps, to its end) keeps only rows tied to the
 * caller: a condition of a filter (or of a `q.and` in it, or each branch of a `q.or`) or a step
 * of an index range that is a `q.eq` of a field with the caller's id (callerid.ts), or with a
 * value `tying` accepts (a checked argument's or checked parent's, idquery's `checkedValues`).
 * In a table under `access.tables` the caller's id ties only in its configured owner field, as
 * the listing rule reads it (accessfields.ts `tableFields`; attack48 L2: `lastEditorId` is not
 * the owner); in any other table, in any field but `_id`. A `q.neq`, a `q.not`, a comparison of
 * no field (`q.eq(me._id, me._id)`) or with any other value ties nothing (attack48 F2).
 */
export function callerTied(app: App, end: ts.Expression, tying?: (e: ts.Expression) => boolean): boolean {
  const steps: { body: ts.Expression; q: string; index: boolean }[] = [];
  let node = skipOuter(end), table: string | undefined;
  for (let depth = 0; depth < 10 && ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression); depth++) {
    const step = node.expression.name.text, cb = node.arguments[node.arguments.length - 1];
    const fn = cb === undefined ? undefined : skipOuter(cb);
    const q = fn !== undefined && ts.isArrowFunction(fn) && !ts.isBlock(fn.body) && fn.parameters.length === 1 ? fn.parameters[0]!.name : undefined;
    if ((step === "filter" || step === "withIndex") && q !== undefined && ts.isIdentifier(q)) steps.push({ body: (fn as ts.ArrowFunction).body as ts.Expression, q: q.text, index: step === "withIndex" });
    const convex = app.calleeFrom(node, CONVEX), named = node.arguments[0] ?? scopedTable(app, node);
    if (convex?.name === "query" && isDatabase(convex.owner)) table = named !== undefined && ts.isStringLiteralLike(named) ? named.text : undefined;
    node = skipOuter(node.expression.expression);
  }
  const owners = table === undefined ? [] : tableFields(app, table, "owner");
  const tied = (e: ts.Expression, q: string, index: boolean): boolean => {
    const c = skipOuter(e);
    if (!ts.isCallExpression(c) || !ts.isPropertyAccessExpression(c.expression)) return false;
    const method = c.expression.name.text, [a, b] = c.arguments;
    if (index && tied(c.expression.expression, q, true)) return true; // `q.eq("orgId", x).eq("ownerId", user._id)`
    if (!index && (method === "and" || method === "or")) return c.arguments.length > 0 && c.arguments[method === "and" ? "some" : "every"]((x) => tied(x, q, false));
    if (method !== "eq" || a === undefined || b === undefined || c.arguments.length !== 2) return false;
    const field = fieldName(a, q, index) ?? (index ? undefined : fieldName(b, q, false));
    const value = field === undefined ? undefined : fieldName(a, q, index) === field ? b : a;
    if (field === undefined || value === undefined || field === "_id") return false;
    return (isCallerId(app, value) && (owners.length === 0 || owners.includes(field))) || tying?.(value) === true;
  };
  return steps.some((s) => tied(s.body, s.q, s.index));
}

/** Per handler: the values that tie a row to what a document check covered (`checkedValues`), for a read and for a change. */
const checkedIn = new WeakMap<ts.Node, { read: (e: ts.Expression) => boolean; change: (e: ts.Expression) => boolean }>();

/**
 * The arguments the handler's document checks cover (`"any"` when a check's argument is not
 * known), kept too for `queriedById` of the handler's reads (`tyingIn`): a value from an argument
 * so covered (`args.postId`, `post.orgId` of a row it read) or the `_id` of a checked document
 * (`doc._id` of `requireAccess`'s answer) ties the rows a field equal to it selects to it. For a
 * delete or write (`tyingIn(h, true)`), only a check above the weak levels ties (levels.ts
 * `weakLevel`, as `changeChecks` reads a change of the checked document itself: attack50 F2): one
 * at the lowest or public level, `readable` at any level, a group check below the owner level
 * shows the caller may see the row's parent, not change its rows.
 */
export function checkedValues(app: App, flow: ArgFlow, checks: AuthCheck[], checkArg: (a: AuthCheck) => string | undefined): Set<string> | "any" {
  const covered = (among: AuthCheck[]) => (among.some((a) => checkArg(a) === undefined) ? "any" : new Set(among.map((a) => checkArg(a)!)));
  const tie = (among: AuthCheck[]) => {
    const checked = covered(among);
    return (e: ts.Expression) => {
      if (among.length === 0) return false;
      const arg = flow.idRoot(e) ?? readBy(app, flow, e, true) ?? checkedDocArg(app, flow.handler, among, checkArg, e)?.arg;
      return arg !== undefined && (checked === "any" || checked.has(arg));
    };
  };
  checkedIn.set(flow.handler, { read: tie(checks), change: tie(checks.filter((a) => weakLevel(app, a) === undefined)) });
  return covered(checks);
}

/** What `checkedValues` kept for a handler, for a read or (`change`) a delete or write (none before its checks are read: the caller's id alone ties). */
export const tyingIn = (handler: ts.Node, change = false): ((e: ts.Expression) => boolean) | undefined => checkedIn.get(handler)?.[change ? "change" : "read"];

/** `X` of `Object.keys(X)`, `Object.values(X)` or `Object.entries(X)`: its keys and values are those of `X` (a `v.record` argument's, attack45 F4). */
export function recordOf(list: ts.Expression): ts.Expression | undefined {
  const call = skipOuter(list);
  if (!ts.isCallExpression(call) || call.arguments.length !== 1 || !ts.isPropertyAccessExpression(call.expression)) return undefined;
  const { expression: owner, name } = call.expression;
  return ts.isIdentifier(owner) && owner.text === "Object" && ["keys", "values", "entries"].includes(name.text) ? call.arguments[0] : undefined;
}
