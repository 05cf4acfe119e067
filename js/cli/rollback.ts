// Throws that undo a failed confirmation. `guard.consumeConfirmation` answers `{ ok: false }`
// instead of throwing because a Convex mutation that throws rolls back all its writes: the
// spent attempt, the failure counts and the audit row. A throw reached in the consuming
// function when that answer is not ok (`if (!r.ok) throw ...`, `guard.assertConfirmed(r)`)
// rolls them back the same way, and the attacker guesses again for free.
import ts from "typescript";
import { failure, type Atom, type Subject } from "./answerflow.js";
import { boundTo, truthWhenDenied, valueWhenDenied, type Value } from "./flow.js";
import { enclosingFunction, propertyValue, runsInPlace, throwingIn } from "./facts-syntax.js";
import { callParameters } from "./paramflow.js";
import type { Use } from "./facts.js";
import { functionValue, initializer, resolveValue } from "./argflow.js";
import { reference } from "./follow.js";
import { GUARD, isFunctionLike, skipOuter, type App } from "./program.js";

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
export function rollbackThrows(app: App, call: ts.CallExpression, bare = false): ts.Node[] {
  const body = enclosingFunction(call);
  if (body === undefined) return [];
  const { atom, subject } = failure(body, boundTo(call), call.end, call, bare);
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
    else if (ts.isCallExpression(n) && (isAssertConfirmed(app, n) || throwing(n) || rejects(n))) out.push(n);
    if (!isFunctionLike(n) || runsInPlace(n)) ts.forEachChild(n, visit);
  };
  visit(s);
  return out;
}

/** The calls of an expression that always throw: an app function whose body only throws, or `guard.assertConfirmed`. */
function throwingCalls(app: App, e: ts.Node): ts.Node[] {
  return throwsIn(app, e).filter((n) => ts.isCallExpression(n));
}

/** `return Promise.reject(e)` (or awaited, or the answer of an arrow): the function's promise rejects, as a throw. */
function rejects(call: ts.CallExpression): boolean {
  const callee = skipOuter(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== "reject" || !ts.isIdentifier(callee.expression) || callee.expression.text !== "Promise") return false;
  let n: ts.Node = call;
  while (ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent) || (ts.isConditionalExpression(n.parent) && n.parent.condition !== n) || (ts.isBinaryExpression(n.parent) && n.parent.right === n)) n = n.parent;
  return ts.isReturnStatement(n.parent) || ts.isAwaitExpression(n.parent) || (ts.isArrowFunction(n.parent) && n.parent.body === n);
}

function isAssertConfirmed(app: App, call: ts.CallExpression): boolean {
  return app.calleeFrom(call, "convex-guard")?.name === "assertConfirmed";
}

/** Whether a branch always throws or returns (on the path where the answer is ok). */
export function leaves(s: ts.Statement): boolean {
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
 * copy of its `ok`): the `ok` of its answer is false whenever the guard's was; `bare`: `return
 * r.ok`, its answer itself false then (a boolean helper, confirmgate.ts `okHelper`).
 */
export function handsOnOk(app: App, helper: ts.SignatureDeclaration, pkg: string, bare = false): boolean {
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
  return (returns.length > 0 || !bare) && returns.every((e) => {
    const object = e === undefined ? undefined : skipOuter(e);
    const ok = bare ? e : object !== undefined && ts.isObjectLiteralExpression(object) ? propertyValue(object, "ok") : undefined;
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
  if (typedAsAnswer(app, call, helper, pkg) || (helper !== undefined && handsOnOk(app, helper, pkg))) return true;
  // `ctx.runMutation(internal.kc.inner, ...)` of an app function whose handler answers one (an
  // API typed `any`, or a type lost to a circular inference): read from the handler itself.
  const handler = helper === undefined ? runHandler(app, call) : undefined;
  return handler !== undefined && answersConfirmation(app, call, handler, pkg);
}

/** The handler of the app function `ctx.runMutation(ref, ...)` runs, `ref` read as follow.ts reads it. */
function runHandler(app: App, call: ts.CallExpression): ts.SignatureDeclaration | undefined {
  const callee = skipOuter(call.expression);
  const ref = call.arguments[0] === undefined || !ts.isPropertyAccessExpression(callee) || callee.name.text !== "runMutation" ? undefined : reference(app, call.arguments[0]);
  if (ref === undefined) return undefined;
  const [mod, name] = [ref.target.slice(0, ref.target.lastIndexOf(":")), ref.target.slice(ref.target.lastIndexOf(":") + 1)];
  const file = app.modules.find((f) => app.modulePath(f) === mod);
  const moduleSymbol = file === undefined ? undefined : app.checker.getSymbolAtLocation(file);
  let symbol = moduleSymbol === undefined ? undefined : app.checker.getExportsOfModule(moduleSymbol).find((s) => s.name === name);
  if (symbol !== undefined && (symbol.flags & ts.SymbolFlags.Alias) !== 0) symbol = app.checker.getAliasedSymbol(symbol);
  const init = symbol?.valueDeclaration === undefined ? undefined : initializer(symbol.valueDeclaration);
  if (init === undefined || !ts.isCallExpression(init)) return undefined;
  // `internalMutation({ args, handler })`, `guard.mutation(internalMutation, { ..., handler })`.
  for (const a of [...init.arguments].reverse()) {
    const definition = resolveValue(app, a);
    const value = ts.isObjectLiteralExpression(definition) ? propertyValue(definition, "handler") : undefined;
    if (value !== undefined) return functionValue(app, resolveValue(app, value));
  }
  return undefined;
}

/**
 * Whether the value `guard.assertConfirmed(call)` is given comes from a confirmation's answer:
 * a `guard.consumeConfirmation`, a helper or `ctx.runMutation` that answers one
 * (answersConfirmation), or a copy of either that confirmation-rollback follows (`failure`), in
 * a function around the call; or a parameter of a function that is no Convex handler (a helper
 * given the answer: `check(r)`). A handler's arguments come from the client, and an `{ ok: true
 * }` written in the code is no answer: neither confirms anything.
 */
export function confirmsAnswer(app: App, call: ts.CallExpression): boolean {
  const arg = call.arguments[0];
  if (arg === undefined) return false;
  for (let fn = enclosingFunction(call); fn !== undefined; fn = enclosingFunction(fn)) {
    const body = fn;
    const sources: ts.CallExpression[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && n !== call && answers(app, n)) sources.push(n);
      if (n === body || !isFunctionLike(n) || runsInPlace(n)) ts.forEachChild(n, visit);
    };
    visit(body);
    if (sources.some((s) => failure(body, boundTo(s), s.end, s).subject(arg))) return true;
    if (isHandler(app, fn)) return false;
    for (const p of fn.parameters) if (ts.isIdentifier(p.name) && failure(body, { name: p.name.text }, body.pos).subject(arg)) return true;
  }
  return false;
}

/** A call whose answer is a confirmation's: the guard's `consumeConfirmation`, a call typed `ConfirmationResult`, or an app helper or `ctx.runMutation` handing one on. */
function answers(app: App, call: ts.CallExpression): boolean {
  if (app.calleeFrom(call, GUARD)?.name === "consumeConfirmation") return true;
  // Typed as the guard's answer (a declared function, a wrapper of the app's).
  const type = app.checker.getAwaitedType(app.checker.getTypeAtLocation(call));
  if (type?.aliasSymbol?.getName() === "ConfirmationResult" && app.packageOf(type.aliasSymbol) === GUARD) return true;
  const callee = skipOuter(call.expression);
  if (ts.isPropertyAccessExpression(callee) && callee.name.text === "runMutation") return answersConfirmation(app, call, undefined, GUARD);
  const helper = app.appFunction(call);
  return helper !== undefined && answersConfirmation(app, call, helper, GUARD);
}

/**
 * A Convex function's handler, whose parameters are the client's: `handler: async (ctx, args) =>
 * ...`, `handler(ctx, args) { ... }`, or a function of the same file named there (`handler: h`,
 * `{ handler }`).
 */
export function isHandler(app: App, fn: ts.SignatureDeclaration): boolean {
  const named = (n: ts.PropertyName | undefined) => n !== undefined && (ts.isIdentifier(n) || ts.isStringLiteral(n)) && n.text === "handler";
  if ((ts.isMethodDeclaration(fn) && named(fn.name)) || (ts.isPropertyAssignment(fn.parent) && named(fn.parent.name))) return true;
  const name = ts.isFunctionDeclaration(fn) ? fn.name : ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name) ? fn.parent.name : undefined;
  const symbol = name === undefined ? undefined : app.checker.getSymbolAtLocation(name);
  if (symbol === undefined) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isPropertyAssignment(n) && named(n.name) && ts.isIdentifier(skipOuter(n.initializer))) found = app.checker.getSymbolAtLocation(skipOuter(n.initializer)) === symbol;
    else if (ts.isShorthandPropertyAssignment(n) && named(n.name)) found = app.checker.getShorthandAssignmentValueSymbol(n) === symbol;
    else ts.forEachChild(n, visit);
  };
  visit(fn.getSourceFile());
  return found;
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

/**
 * The statements a `switch` runs when the subject is denied: from the clause it enters there (the
 * first `case` whose value the denial makes equal to the switched one, `case`s the denial does
 * not decide passed over as `else if`s are; else `default`) on through the clauses it falls
 * into, up to a `break` or a `return`. None when the denial does not decide the switched value.
 */
export function switchOnDenial(stmt: ts.SwitchStatement, atom: (e: ts.Expression) => Value | "unknown"): ts.Statement[] {
  const known = (v: Value | "unknown") => v !== "unknown" && v !== "object";
  const value = valueWhenDenied(stmt.expression, atom);
  if (!known(value)) return [];
  const clauses = stmt.caseBlock.clauses;
  let entered = clauses.findIndex((c) => ts.isCaseClause(c) && valueWhenDenied(c.expression, atom) === value);
  if (entered < 0) entered = clauses.findIndex((c) => ts.isDefaultClause(c));
  const run: ts.Statement[] = [];
  // Whether the statements end the clause: a `break` (not run), a `return`, `throw` or `continue`.
  const ends = (statements: readonly ts.Statement[]): boolean => {
    for (const s of statements) {
      if (ts.isBreakStatement(s)) return true;
      if (ts.isBlock(s)) {
        if (ends(s.statements)) return true;
        continue;
      }
      run.push(s);
      if (ts.isReturnStatement(s) || ts.isThrowStatement(s) || ts.isContinueStatement(s)) return true;
    }
    return false;
  };
  for (const clause of entered < 0 ? [] : clauses.slice(entered)) if (ends(clause.statements)) break;
  return run;
}
