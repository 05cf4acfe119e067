// Throws that undo a failed confirmation. `guard.consumeConfirmation` answers `{ ok: false }`
// instead of throwing because a Convex mutation that throws rolls back all its writes: the
// spent attempt, the failure counts and the audit row. A throw reached in the consuming
// function when that answer is not ok (`if (!r.ok) throw ...`, `guard.assertConfirmed(r)`)
// rolls them back the same way, and the attacker guesses again for free.
import ts from "typescript";
import { boundTo, switchOnDenial, truthWhenDenied, valueWhenDenied, type Value } from "./flow.js";
import { callParameters, enclosingFunction, propertyValue, runsInPlace, throwingIn } from "./facts-syntax.js";
import type { Use } from "./facts.js";
import { isFunctionLike, skipOuter, type App } from "./program.js";

/** What a failed answer evaluates to: the subject itself (an object), its `ok` false. */
type Atom = Parameters<typeof truthWhenDenied>[1];
/** The answer itself: the call, the variable it went into, or a `const` copy of either. */
type Subject = (e: ts.Expression) => boolean;

/** How deep a helper given the answer (`failUnless(r)`) is read. */
const MAX_DEPTH = 3;

/**
 * The places in the function around `call` (a `guard.consumeConfirmation`, or a call that
 * hands on its answer: see answersConfirmation) that throw when its answer is not ok: throw
 * statements, calls of app functions that always throw, and `guard.assertConfirmed`, in the
 * branch an `if` (or `&&`, `||`, `?:`, a `switch`) takes on a failure, after an `if (r.ok) {
 * ... return }`, in a callback run in place there (`ids.map(...)`), or in a helper given the
 * answer; the answer is followed through its `const` copies (see failure). A throw caught by a
 * `try` whose `catch` never throws again is left out: it rolls nothing back.
 */
function rollbackThrows(app: App, call: ts.CallExpression): ts.Node[] {
  const body = enclosingFunction(call);
  if (body === undefined) return [];
  const { atom, subject } = failure(body, boundTo(call), call.end, call);
  return throwsOnFailure(app, body, atom, subject, 0).filter((n) => !caught(app, n, body));
}

/**
 * Adds to `into` the throws reached when the confirmation answered by `call` failed (see
 * rollbackThrows). `answers` (whether the call answers a confirmation at all) is left for the
 * rule to ask, of mutations only: typing `internal.x.y` types the whole API, every module's
 * functions, and an action asserting its `ctx.runMutation`'s answer (the right pattern) would
 * pay for it.
 */
export function rollbacksOf(app: App, call: ts.CallExpression, into: (Use & { answers?: () => boolean })[], via: string, answers?: () => boolean): void {
  const throws = rollbackThrows(app, call);
  if (throws.length === 0) return;
  let known: boolean | undefined;
  const once = answers === undefined ? undefined : () => (known ??= answers());
  for (const t of throws) into.push({ via, at: app.loc(t), ...(once === undefined ? {} : { answers: once }) });
}

/**
 * What denotes the answer of `call` in `body`, and what it evaluates to on a failure: the call
 * (or the variable it went into) is an object, its `ok` false; `const { ok } = await call` is
 * false. So are the `const`s declared after it that copy the answer or hold a value it decides,
 * in source order: `const copy = r` (the answer), `const ok = r.ok` and `const { ok: passed } =
 * r` (false), `const failed = !r.ok` (true), `const s = { ok: r.ok }` (`s.ok` false). A copy
 * made in place is the answer too (`assertConfirmed({ ...r })`: see `subject`). A `let` may
 * change later: not followed.
 */
function failure(body: ts.Node, bound: ReturnType<typeof boundTo>, from: number, call?: ts.Expression): { atom: Atom; subject: Subject } {
  const copies = new Set(bound !== undefined && bound.field === undefined ? [bound.name] : []);
  // `name` or `name.field` -> its value on a failure.
  const values = new Map<string, Value>(bound?.field === "ok" ? [[bound.name, false]] : []);
  // The answer, a `const` copy of it, or a copy made in place whose `ok` is the answer's:
  // `{ ...r }`, `{ ok: r.ok }`, `JSON.parse(JSON.stringify(r))`, `structuredClone(r)`.
  const subject: Subject = (e) => {
    const inner = skipOuter(e);
    if (inner === call || (ts.isIdentifier(inner) && copies.has(inner.text))) return true;
    if (ts.isObjectLiteralExpression(inner)) {
      // The last writer of `ok` decides, as at run time; a spread of anything else is taken to carry none.
      let failsWith = false;
      for (const p of inner.properties) {
        if (ts.isSpreadAssignment(p) && subject(p.expression)) failsWith = true;
        else if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === "ok") failsWith = valueWhenDenied(p.initializer, atom) === false;
        else if (ts.isShorthandPropertyAssignment(p) && p.name.text === "ok") failsWith = atom(p.name) === false;
      }
      return failsWith;
    }
    if (!ts.isCallExpression(inner) || inner.arguments[0] === undefined) return false;
    const callee = skipOuter(inner.expression);
    const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) ? `${callee.expression.text}.${callee.name.text}` : "";
    if (name === "structuredClone") return subject(inner.arguments[0]);
    const text = skipOuter(inner.arguments[0]);
    if (name !== "JSON.parse" || !ts.isCallExpression(text) || text.arguments[0] === undefined) return false;
    const stringify = skipOuter(text.expression);
    return ts.isPropertyAccessExpression(stringify) && stringify.name.text === "stringify" && ts.isIdentifier(stringify.expression) && stringify.expression.text === "JSON" && subject(text.arguments[0]);
  };
  const known = (key: string): Value | "unknown" => (values.has(key) ? values.get(key)! : "unknown");
  const atom: Atom = (e) => {
    if (subject(e)) return "object";
    if (ts.isIdentifier(e)) return known(e.text);
    if (!ts.isPropertyAccessExpression(e)) return "unknown";
    if (subject(e.expression) && e.name.text === "ok") return false;
    const owner = skipOuter(e.expression);
    return ts.isIdentifier(owner) ? known(`${owner.text}.${e.name.text}`) : "unknown";
  };
  const decided = (key: string, e: ts.Expression) => {
    const value = valueWhenDenied(e, atom);
    if (value !== "unknown" && value !== "object") values.set(key, value);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && n.initializer !== undefined && n.pos >= from && (ts.getCombinedNodeFlags(n) & ts.NodeFlags.Const) !== 0) {
      const init = skipOuter(n.initializer);
      if (ts.isIdentifier(n.name) && subject(init)) copies.add(n.name.text);
      if (ts.isIdentifier(n.name) && ts.isObjectLiteralExpression(init)) {
        for (const p of init.properties) {
          const field = p.name !== undefined && ts.isIdentifier(p.name) ? p.name.text : undefined;
          const value = field === undefined ? undefined : propertyValue(init, field);
          if (value !== undefined) decided(`${n.name.text}.${field}`, value);
        }
      } else if (ts.isIdentifier(n.name)) decided(n.name.text, init);
      else if (ts.isObjectBindingPattern(n.name) && subject(init)) {
        for (const e of n.name.elements) {
          const field = e.propertyName ?? e.name;
          if (ts.isIdentifier(e.name) && ts.isIdentifier(field) && field.text === "ok" && e.dotDotDotToken === undefined) values.set(e.name.text, false);
        }
      }
    }
    if (n === body || !isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(body);
  return { atom, subject };
}

/**
 * The throws of `body` reached when the subject (recognised by `atom`, and as an argument by
 * `subject`) is a failed answer.
 */
function throwsOnFailure(app: App, body: ts.Node, atom: Atom, subject: Subject, depth: number): ts.Node[] {
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
    } else if (ts.isSwitchStatement(n)) {
      // `switch (r.ok) { case false: throw ... }`, `switch (true) { case !r.ok: throw ... }`.
      for (const s of switchOnDenial(n, atom)) add(throwsIn(app, s));
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
        const param = helper === undefined ? undefined : callParameters(helper)[index]?.name;
        if (helper !== undefined && param !== undefined && ts.isIdentifier(param) && "body" in helper && helper.body !== undefined) {
          const { atom: paramAtom, subject: isParam } = failure(helper, { name: param.text }, helper.pos);
          if (throwsOnFailure(app, helper, paramAtom, isParam, depth + 1).some((t) => !caught(app, t, helper))) found.add(n);
        }
      }
    }
    // A callback run in place, unless its parameter takes the answer's name for something else.
    const rebinds = isFunctionLike(n) && n.parameters.some((p) => ts.isIdentifier(p.name) && atom(p.name) !== "unknown");
    if (n === body || !isFunctionLike(n) || (runsInPlace(n) && !rebinds)) ts.forEachChild(n, visit);
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
    if (!isFunctionLike(n) || runsInPlace(n)) ts.forEachChild(n, visit);
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

/**
 * Whether a throw in `fn` is caught there by a `try` whose `catch` never throws again: one that
 * throws on some paths (`if (e instanceof ConvexError) throw e`) may pass the failure's on.
 */
function caught(app: App, n: ts.Node, fn: ts.Node): boolean {
  for (let node = n, parent = n.parent; parent !== undefined && node !== fn; node = parent, parent = parent.parent) {
    if (ts.isTryStatement(parent) && node === parent.tryBlock && parent.catchClause !== undefined && throwsIn(app, parent.catchClause.block).length === 0) return true;
  }
  return false;
}

/**
 * `return { ok: r.ok, ... }` on every path of a helper that consumes a code (`r`, or a `const`
 * copy of its `ok`): the `ok` of its answer is false whenever the guard's was.
 */
function handsOnOk(app: App, helper: ts.SignatureDeclaration, pkg: string): boolean {
  if (!("body" in helper) || helper.body === undefined) return false;
  const body = helper.body;
  let consume: ts.CallExpression | undefined;
  const returns: (ts.Expression | undefined)[] = ts.isBlock(body) ? [] : [body];
  const visit = (n: ts.Node): void => {
    if (ts.isReturnStatement(n)) returns.push(n.expression);
    if (consume === undefined && ts.isCallExpression(n) && app.calleeFrom(n, pkg)?.name === "consumeConfirmation") consume = n;
    if (n === body || !isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(body);
  if (consume === undefined) return false;
  const { atom } = failure(body, boundTo(consume), consume.end, consume);
  return returns.every((e) => {
    const object = e === undefined ? undefined : skipOuter(e);
    const ok = object !== undefined && ts.isObjectLiteralExpression(object) ? propertyValue(object, "ok") : undefined;
    return ok !== undefined && valueWhenDenied(ok, atom) === false;
  });
}

/**
 * Whether a call answers a confirmation result, asked of types that cost no inference of a
 * handler's `ctx`: an app function whose declared or inferred return type is the guard's
 * `ConfirmationResult`, or `ctx.runMutation(ref, ...)` whose reference's `_returnType` has its
 * shape (convex rebuilds the type: a union whose failure has `error.code` "INVALID_CONFIRMATION");
 * or an app function that consumes a code and returns `{ ok: r.ok, ... }` (see handsOnOk).
 */
export function answersConfirmation(app: App, call: ts.CallExpression, helper: ts.SignatureDeclaration | undefined, pkg: string): boolean {
  return typedAsAnswer(app, call, helper, pkg) || (helper !== undefined && handsOnOk(app, helper, pkg));
}

function typedAsAnswer(app: App, call: ts.CallExpression, helper: ts.SignatureDeclaration | undefined, pkg: string): boolean {
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
