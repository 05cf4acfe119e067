// Audit rows a mutation throws away. A Convex mutation that throws rolls back every write it
// made, the row `guard.audit.log` inserted included: `if (!allowed) { await guard.audit.log(ctx,
// { outcome: "denied", ... }); throw new ConvexError(...) }` leaves no trace of the denial.
import ts from "typescript";
import { runsInPlace, throwingIn } from "./facts-syntax.js";
import type { Throwing } from "./flow.js";
import { mayReturn } from "./paths.js";
import { isFunctionLike, skipOuter, type App, type Loc } from "./program.js";

/**
 * The throw that every path from `call` (a call that writes an audit row) reaches, with nothing
 * in between that can leave another way: a statement that always throws (see alwaysThrows)
 * after it in its block or in a block around it, the `throw` whose expression makes the call,
 * or a `finally` that always throws, up to the function that makes the call (out of a callback
 * `map`, `forEach` and their kin run in place). Conservative: a statement in between that may
 * return, `break` or `continue`, a loop, a `switch` or a `try` with a `catch` that may keep the
 * row around the call ends the search (the row may be kept on some path), and so does the end of
 * the function.
 */
export function throwAfter(app: App, call: ts.Node): ts.Node | undefined {
  const throwing = throwingIn(app);
  for (let n: ts.Node = call; n.parent !== undefined; n = n.parent) {
    const parent = n.parent;
    if (isFunctionLike(parent)) {
      if (runsInPlace(parent)) continue;
      return undefined;
    }
    if (ts.isThrowStatement(parent)) return parent;
    if (ts.isIterationStatement(parent, false) || ts.isCaseClause(parent) || ts.isDefaultClause(parent)) return undefined;
    if (ts.isTryStatement(parent) && n !== parent.finallyBlock) {
      if (parent.finallyBlock !== undefined && alwaysThrows(parent.finallyBlock, throwing)) return parent.finallyBlock;
      if (n === parent.tryBlock && parent.catchClause !== undefined && !alwaysThrows(parent.catchClause.block, throwing)) return undefined;
    }
    if (!ts.isBlock(parent)) continue;
    for (const s of parent.statements.slice(parent.statements.indexOf(n as ts.Statement) + 1)) {
      if (alwaysThrows(s, throwing)) return s;
      if (mayReturn(s)) return undefined;
    }
  }
  return undefined;
}

/**
 * Whether a statement throws on every path, leaving no other way: a `throw`; a call of an app
 * function that always throws, as a statement or returned (`return refuse(...)`); a block that
 * reaches such a statement before anything that may leave; an `if` both branches of which
 * throw; a `switch` with a `default` each clause of which throws; a `try` whose `finally`
 * throws, or whose block and `catch` both do.
 */
function alwaysThrows(s: ts.Statement, throwing: Throwing): boolean {
  if (ts.isThrowStatement(s)) return true;
  if (ts.isExpressionStatement(s) || ts.isReturnStatement(s)) return s.expression !== undefined && throws(s.expression, throwing);
  if (ts.isBlock(s)) return sequenceThrows(s.statements, throwing);
  if (ts.isLabeledStatement(s)) return alwaysThrows(s.statement, throwing);
  if (ts.isIfStatement(s)) return s.elseStatement !== undefined && alwaysThrows(s.thenStatement, throwing) && alwaysThrows(s.elseStatement, throwing);
  if (ts.isSwitchStatement(s)) {
    const clauses = s.caseBlock.clauses;
    // A clause with no statements falls through to the next one.
    return clauses.some(ts.isDefaultClause) && clauses.every((c, i) => (c.statements.length === 0 ? i < clauses.length - 1 : sequenceThrows(c.statements, throwing)));
  }
  if (ts.isTryStatement(s)) {
    if (s.finallyBlock !== undefined && alwaysThrows(s.finallyBlock, throwing)) return true;
    return alwaysThrows(s.tryBlock, throwing) && (s.catchClause === undefined || alwaysThrows(s.catchClause.block, throwing));
  }
  return false;
}

/** Statements run in order: one that always throws is reached before one that may leave another way. */
function sequenceThrows(statements: readonly ts.Statement[], throwing: Throwing): boolean {
  for (const s of statements) {
    if (alwaysThrows(s, throwing)) return true;
    if (mayReturn(s)) return false;
  }
  return false;
}

/** `fail(...)`, `await fail(...)`: a call of an app function that always throws. */
function throws(e: ts.Expression, throwing: Throwing): boolean {
  const x = skipOuter(e);
  const inner = ts.isAwaitExpression(x) ? skipOuter(x.expression) : x;
  return ts.isCallExpression(inner) && throwing(inner);
}

/** Where the row written by `call` is thrown away (see throwAfter), if it is. */
export function lostAt(app: App, call: ts.Node): { lostAt?: Loc } {
  const t = throwAfter(app, call);
  return t === undefined ? {} : { lostAt: app.loc(t) };
}

/**
 * The rows a helper writes, seen from its call: one the helper throws away is kept when the
 * call is in a `try` whose `catch` may keep it; one the helper keeps is lost when the caller
 * throws after the call.
 */
export function lostThrough<T extends { lostAt?: Loc }>(app: App, call: ts.Node, rows: readonly T[]): T[] {
  if (rows.length === 0) return [];
  const throwing = throwingIn(app);
  let caught = false;
  for (let n: ts.Node = call; n.parent !== undefined && !isFunctionLike(n.parent); n = n.parent) {
    const p = n.parent;
    if (ts.isTryStatement(p) && n === p.tryBlock && p.catchClause !== undefined && !alwaysThrows(p.catchClause.block, throwing)) caught = true;
  }
  const after = lostAt(app, call);
  return rows.map((a) => (a.lostAt === undefined ? { ...a, ...after } : caught ? { ...a, lostAt: undefined } : a));
}
