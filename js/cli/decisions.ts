// `decision-tested-as-boolean`: a guard decision that answers an object (`{ ok: true }` or
// `{ ok: false, reason }`), tested as a whole. The object is always truthy, whatever the decision,
// so the test passes for a denial too (it fails open):
//
//   if (guard.canShare(r.accessLevel, "editor")) await ctx.db.patch(...);   // reported
//   if (guard.canShare(r.accessLevel, "editor").ok) await ctx.db.patch(...); // its `ok`: fine
//
// Anywhere in the app's code, as `fail-open-role` (failopen.ts); the answer is followed through
// `const` copies by symbol. `consumeConfirmation`'s answer tested so counts for no confirmation
// either (facts-syntax.ts `tested`, rule `destructive-unconfirmed`); this rule shows the test.
import ts from "typescript";
import { enclosingFunction, guardShown } from "./facts-syntax.js";
import { exportedFunction } from "./failopen.js";
import { EQUALITY, outer } from "./flow.js";
import { optionValue } from "./options.js";
import type { ConvexFunction } from "./functions.js";
import { GUARD, skipOuter, type App } from "./program.js";
import { finding, type Finding } from "./rules.js";
import { shownText } from "./config.js";

/** The guard's methods whose answer is a decision object, always truthy. */
const DECISIONS = new Set(["canShare", "canTransfer", "resolveShare", "rateLimitStatus", "decideRateLimit", "decideRateLimits", "consumeConfirmation", "rateLimit", "rateLimitAll", "checkRateLimit"]);
/** The rate limits whose answer is a decision only with `throws: false` (they throw a denial by default: their answer is always `ok`). */
const QUIET_ONLY = new Set(["rateLimit", "rateLimitAll", "checkRateLimit"]);
/** Array methods that test what their callback returns. */
const PREDICATES = new Set(["filter", "find", "findIndex", "findLast", "findLastIndex", "some", "every"]);
const K = ts.SyntaxKind;
/** Callee names that may stand for another (`.call`, `.apply`): asked of the checker, as are plain names (a `const` alias). */
const FORWARDING = new Set(["call", "apply"]);

/** Every decision answer of the app's code tested as a whole. */
export function decisionTestFindings(app: App, functions: ConvexFunction[]): Finding[] {
  const out: Finding[] = [];
  const ids = new Set(functions.map((f) => f.id));
  const files = app.program.getSourceFiles().filter((f) => app.isAppCode(f) && !app.relative(f.fileName).startsWith(".."));
  for (const file of files) {
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && mayBeDecision(n)) {
        const name = app.calleeFrom(n, GUARD)?.name;
        if (name !== undefined && DECISIONS.has(name) && !(QUIET_ONLY.has(name) && throwsOnDenial(app, n))) {
          const where = exportedFunction(app, file, n, ids) ?? app.relative(file.fileName);
          const via = `${guardShown(n, false)}.${name}`;
          const promise = name === "consumeConfirmation" || QUIET_ONLY.has(name) ? (awaited(n) ? "" : " (a promise: not even awaited)") : "";
          for (const test of wholeTests(app, n)) {
            out.push(finding("decision-tested-as-boolean", where, app.loc(test), `${where}: the answer of ${via}${promise} is tested as a whole (${shown(test)}): it is an object, { ok: false, ... } on a denial, always truthy and never null, so the test answers the same for a denial`));
          }
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(file);
  }
  return out;
}

/** A call that may be a guard decision, by its callee's name (the checker is asked only then): `guard.canShare(...)`, `canShare(...)`, `check.call(...)`. */
function mayBeDecision(call: ts.CallExpression): boolean {
  const callee = skipOuter(call.expression);
  if (ts.isIdentifier(callee) || ts.isCallExpression(callee)) return true; // a name, a `.bind(...)`
  const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isElementAccessExpression(callee) && ts.isStringLiteralLike(callee.argumentExpression) ? callee.argumentExpression.text : undefined;
  return name !== undefined && (DECISIONS.has(name) || FORWARDING.has(name));
}

/** Whether a call's answer is awaited where it is made (`await call`, `(await call) as T`). */
function awaited(call: ts.CallExpression): boolean {
  const top = outer(call);
  for (let n: ts.Node = call; n !== top; n = n.parent) if (ts.isAwaitExpression(n.parent)) return true;
  return false;
}

/** Whether a rate limit's options leave it throwing its denials: none, or options whose `throws` is absent or `true` (a spread that may hold it: not; options.ts). */
export function throwsOnDenial(app: App, call: ts.CallExpression): boolean {
  const given = call.arguments[2];
  const throws = given === undefined ? undefined : optionValue(app, given, "throws");
  return throws === undefined || throws.kind === K.TrueKeyword;
}

/** The places the answer of `call` is tested as a whole: directly, through the value of a `?:`, `&&`, `||` or `??` it may be, and through `const` copies. */
function wholeTests(app: App, call: ts.CallExpression): ts.Node[] {
  const tests: ts.Node[] = [];
  const copies = new Set<ts.Symbol>();
  const follow = (value: ts.Expression, depth: number): void => {
    const v = outer(value);
    const p = v.parent;
    const test = testOf(app, v);
    if (test !== undefined) tests.push(test);
    else if ((ts.isConditionalExpression(p) && p.condition !== v) || (ts.isBinaryExpression(p) && (p.operatorToken.kind === K.BarBarToken || p.operatorToken.kind === K.QuestionQuestionToken || (p.operatorToken.kind === K.AmpersandAmpersandToken && p.right === v)))) {
      follow(p, depth);
    } else if (ts.isVariableDeclaration(p) && p.initializer === v && ts.isIdentifier(p.name) && (ts.getCombinedNodeFlags(p) & ts.NodeFlags.Const) !== 0 && depth < 4) {
      const symbol = app.symbol(p.name);
      if (symbol === undefined || copies.has(symbol)) return;
      copies.add(symbol);
      for (const ref of references(app, p.name, symbol)) follow(ref, depth + 1);
    }
  };
  follow(call, 0);
  // `if (!r || !r.ok)`, `r && r.ok`: a condition that also reads a field of the answer decides on its outcome.
  const isAnswer = (e: ts.Expression) => {
    const x = skipOuter(e);
    const symbol = ts.isIdentifier(x) ? app.symbol(x) : undefined;
    return x === call || (symbol !== undefined && copies.has(symbol));
  };
  return tests.filter((t) => !readsField(condition(t), isAnswer));
}

/** The whole condition a test is part of: up through `!`, `&&`, `||` and parentheses. */
function condition(test: ts.Node): ts.Node {
  let n = test;
  while (ts.isParenthesizedExpression(n.parent) || (ts.isPrefixUnaryExpression(n.parent) && n.parent.operator === K.ExclamationToken) || (ts.isBinaryExpression(n.parent) && (n.parent.operatorToken.kind === K.AmpersandAmpersandToken || n.parent.operatorToken.kind === K.BarBarToken))) n = n.parent;
  return n;
}

/** Whether code reads a field of the answer (`r.ok`, `r?.["ok"]`). */
function readsField(code: ts.Node, isAnswer: (e: ts.Expression) => boolean): boolean {
  if ((ts.isPropertyAccessExpression(code) || ts.isElementAccessExpression(code)) && isAnswer(code.expression)) return true;
  return ts.forEachChild(code, (c) => readsField(c, isAnswer) || undefined) === true;
}

/** The node testing `v` (an expression whose value is the answer) for its truth, or undefined. */
function testOf(app: App, v: ts.Expression): ts.Node | undefined {
  const p = v.parent;
  if ((ts.isIfStatement(p) || ts.isWhileStatement(p) || ts.isDoStatement(p)) && p.expression === v) return v;
  if ((ts.isForStatement(p) && p.condition === v) || (ts.isConditionalExpression(p) && p.condition === v)) return v;
  if (ts.isPrefixUnaryExpression(p) && p.operator === K.ExclamationToken) return p;
  if (ts.isBinaryExpression(p) && p.left === v && (p.operatorToken.kind === K.AmpersandAmpersandToken || p.operatorToken.kind === K.BarBarToken)) return v;
  if (ts.isBinaryExpression(p) && EQUALITY.has(p.operatorToken.kind) && constant(p.left === v ? p.right : p.left)) return p;
  const callee = ts.isCallExpression(p) ? skipOuter(p.expression) : undefined;
  if (callee !== undefined && ts.isIdentifier(callee) && callee.text === "Boolean" && app.isGlobal(callee)) return p;
  // What a callback of `filter`, `some`, `find` and their kin returns is tested by them.
  const returnedBy = ts.isArrowFunction(p) && p.body === v ? p : ts.isReturnStatement(p) ? enclosingFunction(p) : undefined;
  return returnedBy !== undefined && predicate(returnedBy) ? v : undefined;
}

/** `null`, `undefined`, `true`, `false`: what an object is never equal to. */
function constant(e: ts.Expression): boolean {
  const x = skipOuter(e);
  return x.kind === K.NullKeyword || x.kind === K.TrueKeyword || x.kind === K.FalseKeyword || (ts.isIdentifier(x) && x.text === "undefined");
}

/** Whether a function is the callback of an array method that tests its answer (`ids.filter((id) => ...)`). */
function predicate(fn: ts.Node): boolean {
  if (!(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) || !ts.isCallExpression(fn.parent) || fn.parent.arguments[0] !== fn) return false;
  const callee = skipOuter(fn.parent.expression);
  return ts.isPropertyAccessExpression(callee) && PREDICATES.has(callee.name.text);
}

/** The reads of a `const` (by symbol) in the function (or module) declaring it. */
function references(app: App, name: ts.Identifier, symbol: ts.Symbol): ts.Identifier[] {
  const scope = enclosingFunction(name) ?? name.getSourceFile();
  const out: ts.Identifier[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n) && n !== name && n.text === name.text && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n) && app.symbol(n) === symbol) out.push(n);
    else ts.forEachChild(n, visit);
  };
  visit(scope);
  return out;
}

/** The test as written, shortened for a message. */
const shown = (test: ts.Node): string => shownText(test, 80);
