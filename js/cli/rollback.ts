// Throws that undo a failed confirmation. `guard.consumeConfirmation` answers `{ ok: false }`
// instead of throwing because a Convex mutation that throws rolls back all its writes: the
// spent attempt, the failure counts and the audit row. A throw reached in the consuming
// function when that answer is not ok (`if (!r.ok) throw ...`, `guard.assertConfirmed(r)`)
// rolls them back the same way, and the attacker guesses again for free.
import ts from "typescript";
import { boundTo, onlyThrows, truthWhenDenied } from "./flow.js";
import { enclosingFunction, throwingIn } from "./facts-syntax.js";
import { isFunctionLike, skipOuter, type App } from "./program.js";

/** What a failed answer evaluates to: the subject itself (an object), its `ok` false. */
type Atom = Parameters<typeof truthWhenDenied>[1];

/** How deep a helper given the answer (`failUnless(r)`) is read. */
const MAX_DEPTH = 3;

/**
 * The places in the function around `call` (a `guard.consumeConfirmation`, or a call that
 * hands on its answer: see answersConfirmation) that throw when its answer is not ok: throw statements, calls of app functions that always throw, and
 * `guard.assertConfirmed`, in the branch an `if` (or `&&`, `||`, `?:`) takes on a failure,
 * after an `if (r.ok) { ... return }`, or in a helper given the answer. A throw caught by a
 * `try` whose `catch` does not throw again is left out: it rolls nothing back.
 */
export function rollbackThrows(app: App, call: ts.CallExpression): ts.Node[] {
  const body = enclosingFunction(call);
  if (body === undefined) return [];
  const bound = boundTo(call);
  // `const r = await guard.consumeConfirmation(...)`, or the call itself (`guard.assertConfirmed(await ...)`).
  const subject = (e: ts.Expression) => {
    const inner = skipOuter(e);
    return inner === call || (bound !== undefined && bound.field === undefined && ts.isIdentifier(inner) && inner.text === bound.name);
  };
  // `const { ok } = await guard.consumeConfirmation(...)`: `ok` is false on a failure.
  const ok = bound?.field === "ok" ? bound.name : undefined;
  const atom = failureAtom(subject, ok);
  return throwsOnFailure(app, body, atom, subject, 0).filter((n) => !caught(n, body));
}

/**
 * The value of the expressions that denote a failed answer: the answer itself (an object), its
 * `ok` (false), and a variable `ok` bound to that field.
 */
function failureAtom(subject: (e: ts.Expression) => boolean, ok?: string): Atom {
  return (e) => {
    if (subject(e)) return "object";
    if (ok !== undefined && ts.isIdentifier(e) && e.text === ok) return false;
    if (ts.isPropertyAccessExpression(e) && subject(e.expression)) return e.name.text === "ok" ? false : "unknown";
    return "unknown";
  };
}

/**
 * The throws of `body` reached when the subject (recognised by `atom`, and as an argument by
 * `subject`) is a failed answer.
 */
function throwsOnFailure(app: App, body: ts.Node, atom: Atom, subject: (e: ts.Expression) => boolean, depth: number): ts.Node[] {
  const found = new Set<ts.Node>();
  const add = (nodes: ts.Node[]) => nodes.forEach((n) => found.add(n));
  const throwing = throwingIn(app);
  const visit = (n: ts.Node): void => {
    if (ts.isIfStatement(n)) {
      const truth = truthWhenDenied(n.expression, atom);
      if (truth === true) add(throwsIn(app, n.thenStatement));
      else if (truth === false) {
        if (n.elseStatement !== undefined) add(throwsIn(app, n.elseStatement));
        // `if (r.ok) { ...; return } throw ...`: what follows runs on a failure only.
        else if (leaves(n.thenStatement) && (ts.isBlock(n.parent) || ts.isSourceFile(n.parent))) {
          const rest = n.parent.statements.slice(n.parent.statements.indexOf(n) + 1);
          for (const s of rest) add(throwsIn(app, s));
        }
      }
    } else if (ts.isBinaryExpression(n) && (n.operatorToken.kind === ts.SyntaxKind.BarBarToken || n.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken)) {
      // `r.ok || fail()`, `!r.ok && fail()`: the right side runs on a failure.
      const truth = truthWhenDenied(n.left, atom);
      const runs = n.operatorToken.kind === ts.SyntaxKind.BarBarToken ? truth === false : truth === true;
      if (runs) add(throwingCalls(app, n.right));
    } else if (ts.isConditionalExpression(n)) {
      const truth = truthWhenDenied(n.condition, atom);
      if (truth !== undefined) add(throwingCalls(app, truth ? n.whenTrue : n.whenFalse));
    } else if (ts.isCallExpression(n) && n.arguments.some(subject)) {
      if (isAssertConfirmed(app, n)) found.add(n);
      else if (depth < MAX_DEPTH && !throwing(n)) {
        // A helper given the answer: `failUnless(r)` throws when its parameter is not ok.
        const helper = app.appFunction(n);
        const index = n.arguments.findIndex(subject);
        const param = helper?.parameters[index]?.name;
        if (helper !== undefined && param !== undefined && ts.isIdentifier(param) && "body" in helper && helper.body !== undefined) {
          const isParam = (e: ts.Expression) => {
            const inner = skipOuter(e);
            return ts.isIdentifier(inner) && inner.text === param.text;
          };
          if (throwsOnFailure(app, helper, failureAtom(isParam), isParam, depth + 1).some((t) => !caught(t, helper))) found.add(n);
        }
      }
    }
    if (n === body || !isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(body);
  return [...found];
}

/** The throws of a statement (not of the functions it defines). */
function throwsIn(app: App, s: ts.Node): ts.Node[] {
  const out: ts.Node[] = [];
  const throwing = throwingIn(app);
  const visit = (n: ts.Node): void => {
    if (ts.isThrowStatement(n)) out.push(n);
    else if (ts.isCallExpression(n) && (isAssertConfirmed(app, n) || throwing(n))) out.push(n);
    if (!isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(s);
  return out;
}

/** The calls of an expression that always throw: an app function whose body only throws, or `guard.assertConfirmed`. */
function throwingCalls(app: App, e: ts.Node): ts.Node[] {
  return throwsIn(app, e).filter((n) => ts.isCallExpression(n));
}

function isAssertConfirmed(app: App, call: ts.CallExpression): boolean {
  return app.calleeFrom(call, "convex-guard")?.name === "assertConfirmed";
}

/** Whether a branch always throws or returns (on the path where the answer is ok). */
function leaves(s: ts.Statement): boolean {
  if (ts.isReturnStatement(s) || ts.isThrowStatement(s)) return true;
  if (ts.isBlock(s)) return s.statements.some(leaves);
  if (ts.isIfStatement(s)) return s.elseStatement !== undefined && leaves(s.thenStatement) && leaves(s.elseStatement);
  return false;
}

/** Whether a throw in `fn` is caught there by a `try` whose `catch` does not always throw again. */
function caught(n: ts.Node, fn: ts.Node): boolean {
  for (let node = n, parent = n.parent; parent !== undefined && node !== fn; node = parent, parent = parent.parent) {
    if (ts.isTryStatement(parent) && node === parent.tryBlock && parent.catchClause !== undefined && !onlyThrows(parent.catchClause.block)) return true;
  }
  return false;
}

/**
 * Whether a call answers a confirmation result, asked of types that cost no inference of a
 * handler's `ctx`: an app function whose declared or inferred return type is the guard's
 * `ConfirmationResult`, or `ctx.runMutation(ref, ...)` whose reference's `_returnType` has its
 * shape (convex rebuilds the type: a union whose failure has `error.code` "INVALID_CONFIRMATION").
 */
export function answersConfirmation(app: App, call: ts.CallExpression, helper: ts.SignatureDeclaration | undefined, pkg: string): boolean {
  const checker = app.checker;
  let type: ts.Type | undefined;
  if (helper !== undefined) {
    const signature = checker.getSignatureFromDeclaration(helper);
    type = signature === undefined ? undefined : checker.getReturnTypeOfSignature(signature);
  } else {
    const callee = skipOuter(call.expression);
    const ref = call.arguments[0];
    if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== "runMutation" || ref === undefined) return false;
    const returns = checker.getTypeAtLocation(ref).getProperty("_returnType");
    type = returns === undefined ? undefined : checker.getTypeOfSymbol(returns);
  }
  type = type === undefined ? undefined : checker.getAwaitedType(type);
  if (type === undefined) return false;
  if (type.aliasSymbol?.getName() === "ConfirmationResult" && app.packageOf(type.aliasSymbol) === pkg) return true;
  if (!type.isUnion()) return false;
  return type.types.some((member) => {
    const error = member.getProperty("error");
    const code = error === undefined ? undefined : checker.getTypeOfSymbol(error).getProperty("code");
    const literal = code === undefined ? undefined : checker.getTypeOfSymbol(code);
    return member.getProperty("ok") !== undefined && literal !== undefined && literal.isStringLiteral() && literal.value === "INVALID_CONFIRMATION";
  });
}
