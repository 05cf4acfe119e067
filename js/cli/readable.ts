// When `guard.readable` is a check. It answers `null` to a caller who may not read the document
// instead of throwing, so it refuses no one by itself: it is a check only when that `null` leaves
// the function with no data.
//
//   const r = await guard.readable(ctx, "posts", id);
//   if (r === null) throw new ConvexError("not found");   // a denial leaves: a check
//   return r && { title: r.doc.title };                    // a denial answers null: a check
//   console.log(r); return await ctx.db.get(id);           // read, but nothing leaves: no check
//
// The answer handed back (`return await guard.readable(...)`, or a value that is no data when it
// is null) leaves the function it is made in, not the caller of that function: a helper's
// answer is judged again at its call (facts.ts). `guard.groupLevel` (null to a non-member) is a
// check of its group the same way, by an exit on its null, or on a `levelAtLeast` of it
// (`answerExit`, `comparedGroupLevel`).
import ts from "typescript";
import { enclosingFunction, exitsOnDenial } from "./facts-syntax.js";
import { boundTo, carriesNoData, outer, truthWhenDenied, valueWhenDenied, type Value } from "./flow.js";
import { equalLevel } from "./levelat.js";
import { GUARD, isFunctionLike, skipOuter, type App } from "./program.js";

/**
 * How a denial of guard call `name` leaves: `readable` as below; `groupLevel`, which answers the
 * caller's level on a group or null, only through an exit on its null (`if (level === null)
 * throw`) or on a `levelAtLeast` of it (comparedGroupLevel): its level handed back checks
 * nothing; a check that throws leaves by its throw.
 */
export function answerExit(app: App, name: string, call: ts.CallExpression): "leaves" | "returned" | undefined {
  if (name === "groupLevel") return exitsOnDenial(app, call, null) || comparedGroupLevel(app, call) !== undefined ? "leaves" : undefined;
  return name === "readable" ? readableExit(app, call) : "leaves";
}

/**
 * The level (as written) a `groupLevel` answer held in a `const` is compared with by a
 * `guard.levelAtLeast` of the same function whose `false` leaves it (an `if` that throws or
 * returns no data: facts-syntax.ts `exitsOnDenial`); `levelAtLeast(null, min)` is false, so a
 * non-member leaves too. The group check is made at that level:
 *
 *   const level = await guard.groupLevel(ctx, orgId);
 *   if (!guard.levelAtLeast(level, "editor")) throw new ConvexError("editors only");
 *
 * or tested equal to one literal level, the same way (`if (level !== "owner") throw`: only the owner passes).
 */
export function comparedGroupLevel(app: App, call: ts.CallExpression): ts.Expression | undefined {
  const holder = outer(call).parent;
  const body = enclosingFunction(call);
  if (body === undefined || !ts.isVariableDeclaration(holder) || !ts.isIdentifier(holder.name) || (ts.getCombinedNodeFlags(holder) & ts.NodeFlags.Const) === 0) return undefined;
  const held = app.symbol(holder.name);
  let found: ts.Expression | undefined;
  const visit = (n: ts.Node): void => {
    if (found !== undefined) return;
    const level = ts.isCallExpression(n) && n.arguments.length === 2 ? skipOuter(n.arguments[0]!) : undefined;
    if (level !== undefined && ts.isIdentifier(level) && app.symbol(level) === held && app.calleeFrom(n as ts.CallExpression, GUARD)?.name === "levelAtLeast" && exitsOnDenial(app, n as ts.CallExpression, false)) found = (n as ts.CallExpression).arguments[1];
    else if (n === body || !isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(body);
  // Or tested equal to one literal level, leaving when it is not (`if (level !== "owner") throw`): levelat.ts `equalLevel`.
  return found ?? equalLevel(app, body, (e) => ts.isIdentifier(e) && app.symbol(e) === held);
}

/**
 * How a denial of `call` (a `readable`, or a call of an app function handing its answer on)
 * leaves the function: `"leaves"` through an `if` that throws or returns no data (as `can`'s
 * exits, facts-syntax.ts `exitsOnDenial`), `"returned"` when the answer is returned so that a
 * denial answers no data (`return r`, `return r && { ... }`, `return r === null ? null : r.doc`),
 * undefined when it does not leave at all (read, logged, or thrown away).
 */
export function readableExit(app: App, call: ts.CallExpression): "leaves" | "returned" | undefined {
  if (exitsOnDenial(app, call, null)) return "leaves";
  const body = enclosingFunction(call);
  const bound = boundTo(call);
  const name = bound !== undefined && bound.field === undefined ? bound.name : undefined;
  const isAnswer = (e: ts.Expression) => {
    const x = skipOuter(e);
    return x === call || (name !== undefined && ts.isIdentifier(x) && x.text === name);
  };
  // The call returned where it is made (`return await guard.readable(...)`, an arrow's body).
  let top: ts.Node = outer(call);
  while (ts.isExpression(top.parent) && !isFunctionLike(top.parent)) top = top.parent;
  const inPlace = ts.isReturnStatement(top.parent) || (ts.isArrowFunction(top.parent) && top.parent.body === top);
  if (inPlace) return deniedNoData(top as ts.Expression, isAnswer) ? "returned" : undefined;
  if (name === undefined || body === undefined) return undefined;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isReturnStatement(n) && n.expression !== undefined && mentionsAnswer(n.expression, isAnswer)) found = deniedNoData(n.expression, isAnswer);
    else if (n === body || !isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(body);
  return found ? "returned" : undefined;
}

/**
 * Whether `e` carries no data when the answer is null: the answer itself, a field read of it
 * (`r?.doc` is undefined, `r.doc` throws), literals, a `?:`, `&&`, `||` or `??` that the denial
 * sends to such a value, or an object or array made only of those.
 */
function deniedNoData(e: ts.Expression, isAnswer: (e: ts.Expression) => boolean): boolean {
  const atom = (x: ts.Expression): Value | "unknown" => (isAnswer(x) ? null : fieldOfAnswer(x, isAnswer) ? undefined : "unknown");
  const x = skipOuter(e);
  if (atom(x) !== "unknown" || carriesNoData(x)) return true;
  const no = (y: ts.Expression) => deniedNoData(y, isAnswer);
  if (ts.isConditionalExpression(x)) {
    const truth = truthWhenDenied(x.condition, atom);
    return truth === true ? no(x.whenTrue) : truth === false ? no(x.whenFalse) : no(x.whenTrue) && no(x.whenFalse);
  }
  const op = ts.isBinaryExpression(x) ? x.operatorToken.kind : undefined;
  if (ts.isBinaryExpression(x) && (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken)) {
    // The left's value when denied: the right runs after a truthy left (`&&`), a falsy (`||`) or a nullish one (`??`); else the left is the value.
    const left = valueWhenDenied(x.left, atom);
    if (left === "unknown") return no(x.left) && no(x.right);
    const truthy = left === true || left === "object";
    const right = op === ts.SyntaxKind.AmpersandAmpersandToken ? truthy : op === ts.SyntaxKind.BarBarToken ? !truthy : left === null || left === undefined;
    return right ? no(x.right) : left !== "object" || no(x.left);
  }
  if (ts.isObjectLiteralExpression(x)) {
    return x.properties.every((p) => (ts.isPropertyAssignment(p) ? no(p.initializer) : ts.isShorthandPropertyAssignment(p) ? isAnswer(p.name) : ts.isSpreadAssignment(p) && no(p.expression)));
  }
  if (ts.isArrayLiteralExpression(x)) return x.elements.every((el) => no(ts.isSpreadElement(el) ? el.expression : el));
  return false;
}

/** `r.doc.title`, `r?.doc`, `r.doc.title.trim()`: a value read from the answer (undefined, or a throw, when it is null); not `f(r)`. */
function fieldOfAnswer(e: ts.Expression, isAnswer: (e: ts.Expression) => boolean): boolean {
  let x = skipOuter(e);
  while (ts.isPropertyAccessExpression(x) || ts.isElementAccessExpression(x) || ts.isCallExpression(x)) {
    if (isAnswer(x.expression)) return !ts.isCallExpression(x);
    x = skipOuter(x.expression);
  }
  return false;
}

function mentionsAnswer(e: ts.Node, isAnswer: (e: ts.Expression) => boolean): boolean {
  return (ts.isExpression(e) && isAnswer(e)) || ts.forEachChild(e, (c) => mentionsAnswer(c, isAnswer) || undefined) === true;
}
