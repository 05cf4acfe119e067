// Audit rows a mutation throws away. A Convex mutation that throws rolls back every write it
// made, the row `guard.audit.log` inserted included: `if (!allowed) { await guard.audit.log(ctx,
// { outcome: "denied", ... }); throw new ConvexError(...) }` leaves no trace of the denial.
import ts from "typescript";
import { throwingIn } from "./facts-syntax.js";
import { isFunctionLike, type App, type Loc } from "./program.js";

/**
 * The throw that every path from `call` (a call that writes an audit row) reaches, with nothing
 * in between that can leave another way: a `throw` statement, or a call of an app function that
 * always throws, after it in its block or in a block around it, up to the function that makes
 * the call. Conservative: a statement in between that may return, `break` or `continue`, a
 * loop, a `switch` or a `try` with a `catch` around the call ends the search (the row may be
 * kept on some path), and so does the end of the function.
 */
export function throwAfter(app: App, call: ts.Node): ts.Node | undefined {
  const throwing = throwingIn(app);
  for (let n: ts.Node = call; n.parent !== undefined; n = n.parent) {
    const parent = n.parent;
    if (isFunctionLike(parent) || ts.isIterationStatement(parent, false) || ts.isCaseClause(parent) || ts.isDefaultClause(parent)) return undefined;
    if (ts.isTryStatement(parent) && n === parent.tryBlock && parent.catchClause !== undefined) return undefined;
    if (!ts.isBlock(parent)) continue;
    for (const s of parent.statements.slice(parent.statements.indexOf(n as ts.Statement) + 1)) {
      if (ts.isThrowStatement(s)) return s;
      if (ts.isExpressionStatement(s) && throws(s.expression, throwing)) return s;
      if (mayLeave(s)) return undefined;
    }
  }
  return undefined;
}

/** `fail(...)`, `await fail(...)`: a call of an app function that always throws. */
function throws(e: ts.Expression, throwing: ReturnType<typeof throwingIn>): boolean {
  const inner = ts.isAwaitExpression(e) ? e.expression : e;
  return ts.isCallExpression(inner) && throwing(inner);
}

/** Whether a statement has a `return`, `break` or `continue` of its own (not of a function it defines). */
function mayLeave(s: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (ts.isReturnStatement(n) || ts.isBreakOrContinueStatement(n)) found = true;
    else if (!found && !isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(s);
  return found;
}

/** Where the row written by `call` is thrown away (see throwAfter), if it is. */
export function lostAt(app: App, call: ts.Node): { lostAt?: Loc } {
  const t = throwAfter(app, call);
  return t === undefined ? {} : { lostAt: app.loc(t) };
}
