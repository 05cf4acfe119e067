// Rows kept by a `readableMany` answer's index, for `unchecked-list`: `readableMany` answers one
// entry per id, in order, null where the caller may not read the document, so
//
//   const rs = await guard.readableMany(ctx, "projects", rows.map((r) => r._id));
//   return rows.filter((_, i) => rs[i] !== null);        // also rs[i], !!rs[i], Boolean(rs[i]), rs[i]?.doc, rs[i] != null, rs.at(i)
//
// keeps only the rows the caller may read, the ids also held in a `const` (`const ids = rows.map((r) => r._id)`).
// Not: another array's index, `rs[0]`, an `||` that keeps a row the answer refused (`rs[i] !== null ||
// r.public`), `rs[i]?.doc !== null` (true for a null answer), an answer for another table's ids or
// another array's, or the rows, the ids or the answer changed in place (`rs.sort(...)`, `rs[0] = x`).
import ts from "typescript";
import { literalThrough } from "./config.js";
import { truthWhenDenied, type Value } from "./flow.js";
import { GUARD, skipOuter, type App } from "./program.js";

/** Methods that change an array in place: its indexes no longer match an answer made for it before. */
const IN_PLACE = new Set(["sort", "reverse", "splice", "push", "unshift", "shift", "pop", "fill", "copyWithin"]);

/**
 * Whether `n` is `rows.filter(cb)` whose callback answers false for every element whose index in
 * the answer of `guard.readableMany(ctx, table, rows.map((r) => r._id))` (a `const`, of the same
 * array, never changed in `fn`) is null: its answer (an expression body, or a block of one `return`)
 * read as flow.ts reads a denied check's test, with `rs[i]` null and `rs[i]?.field` undefined.
 */
export function keptByAnswer(app: App, fn: ts.Node, n: ts.Node, table: string): boolean {
  if (!ts.isCallExpression(n) || !ts.isPropertyAccessExpression(n.expression) || n.expression.name.text !== "filter") return false;
  const rows = stableText(app, skipOuter(n.expression.expression));
  const cb = n.arguments[0] === undefined ? undefined : skipOuter(n.arguments[0]);
  if (rows === undefined || mutated(fn, rows) || cb === undefined || !(ts.isArrowFunction(cb) || ts.isFunctionExpression(cb))) return false;
  const index = cb.parameters[1]?.name;
  const only = ts.isBlock(cb.body) && cb.body.statements.length === 1 ? cb.body.statements[0] : undefined;
  const answer = !ts.isBlock(cb.body) ? cb.body : only !== undefined && ts.isReturnStatement(only) ? only.expression : undefined;
  if (index === undefined || !ts.isIdentifier(index) || answer === undefined) return false;
  const atom = (e: ts.Expression): Value | "unknown" => {
    // `Boolean(x)`: x's truth.
    if (ts.isCallExpression(e) && isName(e.expression, "Boolean") && e.arguments.length === 1) return truthWhenDenied(e.arguments[0]!, atom) ?? "unknown";
    const at = ts.isPropertyAccessExpression(e) && e.questionDotToken !== undefined ? skipOuter(e.expression) : e;
    const answers = entryAt(at, index.text);
    if (answers === undefined || !ts.isIdentifier(answers) || !answerFor(app, fn, answers, rows, table)) return "unknown";
    return at === e ? null : undefined;
  };
  return truthWhenDenied(answer, atom) === false;
}

const isName = (e: ts.Expression, name: string) => ts.isIdentifier(skipOuter(e)) && (skipOuter(e) as ts.Identifier).text === name;

/** The array of `rs[i]` or `rs.at(i)`, `i` the index named `index`; undefined for anything else. */
function entryAt(e: ts.Expression, index: string): ts.Expression | undefined {
  if (ts.isElementAccessExpression(e)) return isName(e.argumentExpression, index) ? skipOuter(e.expression) : undefined;
  if (!ts.isCallExpression(e) || e.questionDotToken !== undefined || e.arguments.length !== 1 || !isName(e.arguments[0]!, index)) return undefined;
  const at = e.expression;
  return ts.isPropertyAccessExpression(at) && at.questionDotToken === undefined && at.name.text === "at" ? skipOuter(at.expression) : undefined;
}

/**
 * Whether `answers` is a `const` never changed in `fn` holding `await guard.readableMany(ctx, table,
 * <rows>.map((r) => r._id))`, the ids also through a `const` never changed (`const ids = rows.map(...)`).
 */
function answerFor(app: App, fn: ts.Node, answers: ts.Identifier, rows: string, table: string): boolean {
  const unchanged = (e: ts.Identifier) => {
    const decl = app.symbol(e)?.valueDeclaration;
    return decl !== undefined && ts.isVariableDeclaration(decl) && isConst(decl) && decl.initializer !== undefined && !mutated(fn, e.text) ? skipOuter(decl.initializer) : undefined;
  };
  let call = unchanged(answers);
  if (call !== undefined && ts.isAwaitExpression(call)) call = skipOuter(call.expression);
  if (call === undefined || !ts.isCallExpression(call) || app.calleeFrom(call, GUARD)?.name !== "readableMany" || literalThrough(app, call.arguments[1]) !== table) return false;
  const passed = call.arguments[2] === undefined ? undefined : skipOuter(call.arguments[2]);
  const ids = passed !== undefined && ts.isIdentifier(passed) ? unchanged(passed) : passed;
  if (ids === undefined || !ts.isCallExpression(ids) || !ts.isPropertyAccessExpression(ids.expression) || ids.expression.name.text !== "map") return false;
  const of = skipOuter(ids.expression.expression);
  const cb = ids.arguments[0] === undefined ? undefined : skipOuter(ids.arguments[0]);
  if (of.getText() !== rows || cb === undefined || !ts.isArrowFunction(cb) || ts.isBlock(cb.body)) return false;
  const param = cb.parameters[0]?.name;
  const body = skipOuter(cb.body);
  return param !== undefined && ts.isIdentifier(param) && ts.isPropertyAccessExpression(body) && body.name.text === "_id" && isName(body.expression, param.text);
}

function isConst(decl: ts.VariableDeclaration): boolean {
  return (ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const) !== 0;
}

/** The text of an array named by a `const` or a field of one (`rows`, `res.page`), the same array wherever it is written; undefined for anything else. */
function stableText(app: App, e: ts.Expression): string | undefined {
  let root = e;
  while (ts.isPropertyAccessExpression(root) && root.questionDotToken === undefined) root = skipOuter(root.expression);
  if (!ts.isIdentifier(root)) return undefined;
  const decl = app.symbol(root)?.valueDeclaration;
  let binding: ts.Node | undefined = decl;
  while (binding !== undefined && ts.isBindingElement(binding)) binding = binding.parent.parent;
  return binding !== undefined && ts.isVariableDeclaration(binding) && isConst(binding) ? e.getText() : undefined;
}

/**
 * Whether `fn` (its callbacks too) changes the array `rows` names in place (`rows.sort()`, `rows.push(x)`),
 * assigns to it, an element or its length (`res.page = ...`, `rows[0] = ...`, `rows.length = 0`) or
 * deletes an element: the array an answer's index or the ids, as the rows'.
 */
function mutated(fn: ts.Node, rows: string): boolean {
  let found = false;
  const changes = (e: ts.Expression) => {
    const left = skipOuter(e);
    const target = ts.isElementAccessExpression(left) || (ts.isPropertyAccessExpression(left) && left.name.text === "length") ? skipOuter(left.expression) : left;
    return target.getText() === rows;
  };
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && IN_PLACE.has(n.expression.name.text) && skipOuter(n.expression.expression).getText() === rows) found = true;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment && changes(n.left)) found = true;
    if (ts.isDeleteExpression(n) && changes(n.expression)) found = true;
    ts.forEachChild(n, visit);
  };
  visit(fn);
  return found;
}
