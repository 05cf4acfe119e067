// Whether a function refuses the caller's own id for the user row it acts on, before it acts
// (newuser28): a manager setting another user's role, support lifting another user's limit.
//
//   if (userId === me._id) throw new ConvexError({ code: "FORBIDDEN", message: "not your own" });
//   if (target._id === staff._id || target === null) return null;   // `target` read by `userId`
//   if (userId !== me._id) { ...the write... }
//
// The row's id and the tested one are the same argument's (flow's `idRoot`, or a row read by it:
// argflow.ts `readBy`), the other side the caller's own id (callerid.ts). On each path to the
// write: a test before it whose branch taken for the caller's own id leaves (throws, or returns no
// data), one after it that throws (the mutation rolls back the write) with nothing between that may
// skip it (a `return`, `break` or `continue`; nor in a loop, `switch` or `try` around the write),
// or the write in the branch the caller's own id never takes. Not a `return` after it, a test that
// does not leave, or one of another argument.
import ts from "typescript";
import { ArgFlow, readBy } from "./argflow.js";
import { isCallerId } from "./callerid.js";
import { EQUALITY, THROWS, alwaysLeaves } from "./flow.js";
import { isFunctionLike, skipOuter, type App } from "./program.js";

/** Whether `handler` refuses, on every path to `at`, a caller giving their own id for the row `row` names. */
export function refusesOwn(app: App, handler: ts.SignatureDeclaration, at: ts.Node, row: ts.Expression | undefined): boolean {
  const flow = new ArgFlow(app, handler);
  const argOf = (e: ts.Expression) => flow.idRoot(e) ?? readBy(app, flow, e);
  const arg = row === undefined ? undefined : argOf(row);
  if (arg === undefined) return false;
  // The test's value when the row's argument holds the caller's own id; undefined when not known.
  const own = (e: ts.Expression): boolean | undefined => {
    const x = skipOuter(e);
    if (ts.isPrefixUnaryExpression(x) && x.operator === ts.SyntaxKind.ExclamationToken) {
      const v = own(x.operand);
      return v === undefined ? undefined : !v;
    }
    if (!ts.isBinaryExpression(x)) return undefined;
    const op = x.operatorToken.kind;
    if (op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.AmpersandAmpersandToken) {
      const or = op === ts.SyntaxKind.BarBarToken;
      const [a, b] = [own(x.left), own(x.right)];
      if (a === or || b === or) return or;
      return a === !or && b === !or ? !or : undefined;
    }
    if (!EQUALITY.has(op)) return undefined;
    const same = (p: ts.Expression, q: ts.Expression) => isCallerId(app, p) && argOf(q) === arg;
    if (!same(x.left, x.right) && !same(x.right, x.left)) return undefined;
    return op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.EqualsEqualsToken;
  };
  // `throws`: by a throw only (after the write: the mutation rolls back what it did, the write included).
  const refuses = (s: ts.Statement, throws?: string) => ts.isIfStatement(s) && ((own(s.expression) === true && alwaysLeaves(s.thenStatement, undefined, throws)) || (own(s.expression) === false && alwaysLeaves(s.elseStatement, undefined, throws)));
  let after = true; // no statement from the write on so far may skip the rest (a `return`, `break`, `continue`)
  for (let node: ts.Node = at, p = at.parent; p !== undefined && node !== handler; node = p, p = p.parent) {
    if (ts.isIfStatement(p) && node !== p.expression && own(p.expression) === (node !== p.thenStatement)) return true;
    if (ts.isBlock(p) || ts.isCaseClause(p) || ts.isDefaultClause(p)) {
      const i = p.statements.indexOf(node as ts.Statement);
      if (p.statements.slice(0, i).some((s) => refuses(s))) return true;
      after &&= !skips(node);
      for (const s of p.statements.slice(i + 1)) {
        if (!after) break;
        if (refuses(s, THROWS)) return true;
        after = !skips(s);
      }
    } else if (ts.isIterationStatement(p, false) || ts.isSwitchStatement(p) || ts.isTryStatement(p)) after = false;
    if (isFunctionLike(p) && p !== handler) break;
  }
  return false;
}

/** Whom a role write of `value` in `handler` promotes when the code refuses the caller's own id for its row first ({@link refusesOwn}), as a finding says it; undefined when it does not. */
export function refusedOwnText(app: App, handler: ts.SignatureDeclaration | undefined, value: ts.Expression | undefined): string | undefined {
  const refused = value !== undefined && handler !== undefined && refusesOwn(app, handler, value, writtenRow(app, value));
  return refused ? "any other user (their own id is refused before the write)" : undefined;
}

/** Whether code may skip what follows it: a `return`, `break` or `continue` in it (nested functions aside). */
function skips(n: ts.Node): boolean {
  if (ts.isReturnStatement(n) || ts.isBreakOrContinueStatement(n)) return true;
  return !isFunctionLike(n) && ts.forEachChild(n, (c) => skips(c) || undefined) === true;
}

/** The row a `ctx.db.patch` or `replace` whose value holds `value` writes: the argument before the value's (`patch(id, {...})`, `patch("users", id, {...})`). */
export function writtenRow(app: App, value: ts.Node): ts.Expression | undefined {
  for (let n: ts.Node = value, p = value.parent; p !== undefined && !isFunctionLike(p); n = p, p = p.parent) {
    if (!ts.isCallExpression(p) || !["patch", "replace"].includes(app.memberPath(p.expression).slice(-1)[0] ?? "")) continue;
    const i = p.arguments.indexOf(n as ts.Expression);
    return i >= 1 ? p.arguments[i - 1] : undefined;
  }
  return undefined;
}
