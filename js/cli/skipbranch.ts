// The branch a loop's not-owner takes to the next element (attack50 FP1): `continue` alone, or a
// block ending in it whose earlier statements change nothing and hand the document on to nothing:
//
//   if (doc === null || doc.ownerId !== me._id) { skipped++; continue; }
//   if (doc === null || doc.ownerId !== me._id) { console.warn("skipping", id); continue; }
//   if (doc === null || doc.ownerId !== me._id) { reasons.push("not yours"); continue; }
//
// Fail closed, by the statement's form: a local counter (`n++`, `n += 1`, `n = 0`), a `console.*`
// call (its arguments may name the document: a log is no answer; no call, `await` or assignment in
// them), or a push into a local array of a constant (a literal, an object of those). Not a name:
// `failed.push(id)` then `for (const id of failed) await ctx.db.patch(id, ...)` writes exactly the
// ids the test refused (attack51 F1). Anything else (a write, a schedule, an `await`, a helper's
// call, a push of the id, the document or its data, an `if`) keeps the branch from being a skip.
import ts from "typescript";
import { isFunctionLike, skipOuter } from "./program.js";

/** Whether `s` is `jump` (`continue` of the loop) alone, or a block of harmless statements ending in one. */
export function skipBranch(s: ts.Statement | undefined, jump: (s: ts.Statement) => boolean, name: string, changes?: (n: ts.Node) => boolean): boolean {
  if (s === undefined) return false;
  if (!ts.isBlock(s)) return jump(s);
  const last = s.statements[s.statements.length - 1];
  return last !== undefined && jump(last) && s.statements.slice(0, -1).every((x) => harmless(x, name) && changes?.(x) !== true);
}

/** A statement that changes no data and hands document `name` on to nothing (the forms above). */
function harmless(s: ts.Statement, name: string): boolean {
  if (!ts.isExpressionStatement(s)) return false;
  const e = skipOuter(s.expression);
  if (stepped(e)) return counter(e.operand, name);
  if (assigns(e)) return counter(e.left, name) && constant(e.right, (skipOuter(e.left) as ts.Identifier).text);
  if (!ts.isCallExpression(e) || e.questionDotToken !== undefined) return false;
  const callee = skipOuter(e.expression);
  if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression)) return false;
  if (callee.expression.text === "console") return e.arguments.every((a) => !busy(a));
  return callee.name.text === "push" && counter(callee.expression, name) && e.arguments.every((a) => constant(a));
}

/** `n++`, `--n`. */
const stepped = (n: ts.Node): n is ts.PrefixUnaryExpression | ts.PostfixUnaryExpression => (ts.isPostfixUnaryExpression(n) || ts.isPrefixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken);
/** `x = ...`, `x += ...` and their kin. */
const assigns = (n: ts.Node): n is ts.AssignmentExpression<ts.AssignmentOperatorToken> => ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment;

/** A plain local name that is not the document's. */
const counter = (e: ts.Expression, name: string): boolean => ts.isIdentifier(skipOuter(e)) && (skipOuter(e) as ts.Identifier).text !== name;

/** A value that names nothing but `self` (a counter's own name): literals, arithmetic, arrays and objects of those. */
function constant(e: ts.Node, self?: string): boolean {
  const x = ts.isExpression(e) ? skipOuter(e) : e;
  if (ts.isIdentifier(x)) return x.text === self;
  if (ts.isStringLiteralLike(x) || ts.isNumericLiteral(x) || x.kind === ts.SyntaxKind.TrueKeyword || x.kind === ts.SyntaxKind.FalseKeyword || x.kind === ts.SyntaxKind.NullKeyword) return true;
  if (ts.isBinaryExpression(x)) return !assigns(x) && constant(x.left, self) && constant(x.right, self);
  if (ts.isArrayLiteralExpression(x)) return x.elements.every((a) => !ts.isSpreadElement(a) && constant(a, self));
  if (ts.isObjectLiteralExpression(x)) return x.properties.every((p) => ts.isPropertyAssignment(p) && !ts.isComputedPropertyName(p.name) && constant(p.initializer, self));
  return false;
}

/** Whether a log's argument does more than read: a call, an `await`, an assignment, a function. */
function busy(n: ts.Node): boolean {
  if (ts.isCallExpression(n) || ts.isNewExpression(n) || ts.isAwaitExpression(n) || ts.isTaggedTemplateExpression(n) || ts.isYieldExpression(n) || isFunctionLike(n) || ts.isDeleteExpression(n)) return true;
  if (stepped(n) || assigns(n)) return true;
  return ts.forEachChild(n, (c) => busy(c) || undefined) === true;
}
