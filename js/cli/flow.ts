// Control and data flow inside one function, as much as the rules need: which way an `if`
// goes when a check denies, whether a branch always leaves, whether a check's throw is
// swallowed on its way out, and what a value was bound from.
import ts from "typescript";
import { isWrapper } from "./paramflow.js";
import { isFunctionLike, skipOuter } from "./program.js";

/**
 * What a denied check evaluates to: `null` (no identity, no user), `false` (`can`,
 * `roleAtLeast`), or a decision object (`{ ok: false }`, from a call with `throws: false`).
 */
export type Denial = null | false | "decision";

/** A value under denial: null, undefined, a boolean, or some object (truthy). */
export type Value = null | undefined | boolean | "object";

/** The operators of an equality test, either way round and either strictness. */
export const EQUALITY = new Set([ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken]);

/**
 * What a function answers: its expression body, or each `return`'s value (undefined for a bare
 * `return`), not those of the functions inside it; none without a body.
 */
export function answersOf(fn: ts.SignatureDeclaration): (ts.Expression | undefined)[] {
  const body = "body" in fn ? fn.body : undefined;
  if (body === undefined) return [];
  if (!ts.isBlock(body)) return [body as ts.Expression];
  const out: (ts.Expression | undefined)[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isReturnStatement(n)) out.push(n.expression);
    else if (!isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(body);
  return out;
}

export const truthy = (v: Value) => v === true || v === "object";

/**
 * Whether `test` is true, false or unknown (undefined) when the subject is denied. `atom`
 * names the subject: it answers the subject's value for the expressions that denote it (the
 * call itself, the variable it initialized) and undefined for anything else.
 */
export function truthWhenDenied(test: ts.Expression, atom: (e: ts.Expression) => Value | "unknown"): boolean | undefined {
  const value = valueWhenDenied(test, atom);
  return value === "unknown" ? undefined : truthy(value);
}

/** What `test` evaluates to when the subject is denied ("unknown" when the denial does not decide it). */
export function valueWhenDenied(e: ts.Expression, atom: (e: ts.Expression) => Value | "unknown"): Value | "unknown" {
  while (ts.isParenthesizedExpression(e) || ts.isAwaitExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  const known = atom(e);
  if (known !== "unknown") return known;
  if (e.kind === ts.SyntaxKind.NullKeyword) return null;
  if (e.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (e.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (ts.isIdentifier(e) && e.text === "undefined") return undefined;
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken) {
    const inner = valueWhenDenied(e.operand, atom);
    return inner === "unknown" ? "unknown" : !truthy(inner);
  }
  if (!ts.isBinaryExpression(e)) return "unknown";
  const op = e.operatorToken.kind;
  const left = valueWhenDenied(e.left, atom);
  const right = valueWhenDenied(e.right, atom);
  if (op === ts.SyntaxKind.AmpersandAmpersandToken) {
    if (left !== "unknown" && !truthy(left)) return left;
    return left === "unknown" ? (right !== "unknown" && !truthy(right) ? false : "unknown") : right;
  }
  if (op === ts.SyntaxKind.BarBarToken) {
    if (left !== "unknown" && truthy(left)) return left;
    return left === "unknown" ? (right !== "unknown" && truthy(right) ? true : "unknown") : right;
  }
  if (left === "unknown" || right === "unknown" || left === "object" || right === "object") return "unknown";
  const loose = (a: Value, b: Value) => a === b || (a == null && b == null);
  switch (op) {
    case ts.SyntaxKind.EqualsEqualsEqualsToken:
      return left === right;
    case ts.SyntaxKind.ExclamationEqualsEqualsToken:
      return left !== right;
    case ts.SyntaxKind.EqualsEqualsToken:
      return loose(left, right);
    case ts.SyntaxKind.ExclamationEqualsToken:
      return !loose(left, right);
    default:
      return "unknown";
  }
}

/**
 * The subject's value for the expressions that denote it: `name` (the variable a check's
 * answer is in, or a parameter) and, for a decision, `name.ok` (false); `name?.field` is
 * undefined when the subject is null.
 */
export function variableAtom(name: string, denial: Denial): (e: ts.Expression) => Value | "unknown" {
  return (e) => {
    if (ts.isIdentifier(e)) return e.text === name ? (denial === "decision" ? "object" : denial) : "unknown";
    if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(skipOuter(e.expression)) && (skipOuter(e.expression) as ts.Identifier).text === name) {
      if (denial === "decision") return e.name.text === "ok" ? false : "unknown";
      if (denial === null && e.questionDotToken !== undefined) return undefined;
    }
    return "unknown";
  };
}

/**
 * As `answer` of {@link alwaysLeaves}: only a throw leaves (a helper's `return` leaves the helper,
 * not its caller, which goes on).
 */
export const THROWS = "\u0000a throw only";
/** As `answer` of {@link alwaysLeaves}: any return leaves, data or not (decidedbranch.ts: the code after it is not reached). */
export const ANY_RETURN = "\u0000any return";

/**
 * Whether a statement leaves the function on every path (a throw, or a return of no data, in a
 * block, in both branches of an `if`), without entering nested functions. Code after it never
 * runs. A `return` of a computed value is not an exit on denial: it answers with data.
 */
export function alwaysLeaves(s: ts.Statement | undefined, throwing?: Throwing, answer?: string): boolean {
  if (s === undefined) return false;
  if (ts.isThrowStatement(s)) return true;
  if (ts.isReturnStatement(s)) return answer === ANY_RETURN || (answer !== THROWS && (s.expression === undefined || carriesNoData(s.expression, answer)));
  if (ts.isBlock(s)) return s.statements.some((t) => alwaysLeaves(t, throwing, answer));
  if (ts.isIfStatement(s)) return alwaysLeaves(s.thenStatement, throwing, answer) && alwaysLeaves(s.elseStatement, throwing, answer);
  if (ts.isTryStatement(s)) {
    if (s.finallyBlock !== undefined && alwaysLeaves(s.finallyBlock, throwing, answer)) return true;
    return alwaysLeaves(s.tryBlock, throwing, answer) && (s.catchClause === undefined || alwaysLeaves(s.catchClause.block, throwing, answer));
  }
  // `unauthorized(); ` where that function always throws.
  if (ts.isExpressionStatement(s) && throwing !== undefined) {
    const call = skipOuter(s.expression);
    return ts.isCallExpression(call) && throwing(call);
  }
  return false;
}

/**
 * Whether a call always throws (an app function whose body throws on every path); `changes`, where
 * known, whether code changes data that a `return` after it keeps (facts.ts `changes`: {@link leavesUnchanged}).
 */
export type Throwing = ((call: ts.CallExpression) => boolean) & { changes?: (code: ts.Node) => boolean };

/** Each app's `changes` (facts.ts, given by its finder: {@link keepChanges}). */
const changers = new WeakMap<object, (code: ts.Node) => boolean>();
/** Keeps an app's `changes` for its `Throwing` (facts-syntax.ts `throwingIn`), read once per code; reached again while it is read, code changes (fail closed). */
export function keepChanges(app: object, changes: (code: ts.Node) => boolean): void {
  const known = new Map<ts.Node, boolean>();
  changers.set(app, (code) => known.get(code) ?? (known.set(code, true), known.set(code, changes(code)).get(code)!));
}
export const changesIn = (app: object) => changers.get(app);

/**
 * Whether `s` leaves on every path ({@link alwaysLeaves}) with nothing kept: no `return` in it comes
 * after a change on its own path (`throwing.changes`: a `ctx.db` write, a schedule, a run, a guard
 * write), in its own value, a statement before it in a block around it (`ran`: statements run before
 * `s`), the test of an `if` or `switch` around it, a `try` before its `catch`, a `finally` after it, or
 * a loop around it (an earlier iteration). Such a return commits the change for the caller denied:
 * `if (doc.ownerId !== user._id) { await ctx.db.patch(doc._id, { body }); return null }` is no exit
 * (attack45 F1). A throw after one is: a mutation rolls it back (facts.ts `changes` names what a throw keeps).
 */
export function leavesUnchanged(s: ts.Statement | undefined, throwing?: Throwing, answer?: string, ran: readonly ts.Node[] = []): boolean {
  const changes = throwing?.changes;
  if (!alwaysLeaves(s, throwing, answer)) return false;
  if (changes === undefined) return true;
  const visit = (n: ts.Node): boolean => {
    if (isFunctionLike(n)) return false;
    if (!ts.isReturnStatement(n)) return ts.forEachChild(n, visit) ?? false;
    if (ran.some((c) => changes(c)) || changes(n)) return true;
    for (let a: ts.Node = n, p = n.parent; a !== s && p !== undefined; a = p, p = p.parent) {
      const kids: ts.Node[] = [];
      ts.forEachChild(p, (c) => void kids.push(c));
      const before = ts.isIterationStatement(p, false) ? [p] : ts.isIfStatement(p) ? [p.expression] : ts.isCaseBlock(p) ? [] : kids.filter((c) => c.end <= a.pos || (ts.isTryStatement(p) && c === p.finallyBlock && c !== a));
      if (before.some((c) => changes(c))) return true;
    }
    return false;
  };
  return !visit(s!);
}

/** A function body that throws on every path and never returns (`throwing`: a call that always throws, as {@link alwaysLeaves}). */
export function onlyThrows(body: ts.Node, throwing?: Throwing): boolean {
  if (!ts.isBlock(body)) return false;
  let returns = false;
  const visit = (n: ts.Node): void => {
    if (ts.isReturnStatement(n)) returns = true;
    else if (!isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(body);
  return !returns && alwaysLeaves(body, throwing);
}

/** Calls that compute from their arguments only, reading nothing else: conversions and arithmetics, and a JSON response. */
const PURE_CALLS = new Set(["String", "Number", "Boolean", "JSON.stringify", "Response.json", ...["ceil", "floor", "round", "trunc", "abs", "min", "max"].map((m) => `Math.${m}`)]);
/** Objects built of their arguments only: an HTTP action's response and its headers. */
const PURE_NEW = new Set(["Response", "Headers"]);
/** Operators that compute from their operands only (no assignment, no comma). */
const PURE_OPERATORS = new Set([ts.SyntaxKind.PlusToken, ts.SyntaxKind.MinusToken, ts.SyntaxKind.AsteriskToken, ts.SyntaxKind.SlashToken, ts.SyntaxKind.PercentToken, ts.SyntaxKind.AsteriskAsteriskToken, ts.SyntaxKind.QuestionQuestionToken]);

/**
 * `null`, `false`, `"denied"`, `[]`, `{ ok: false, error: "..." }`: an answer built of literals
 * only; and an HTTP action's response made of them (`new Response("Unauthorized", { status: 401 })`,
 * `Response.json({ error: "..." }, { status: 403 })`). With `answer`, a guard's answer handed back
 * (`r` of `const r = await guard.rateLimit(ctx, n, { throws: false })`) and its fields count as
 * literals: the denial returned, no data (`return r`, `{ ok: false, retryAfter: r.retryAfter }`,
 * `{ ...r }`). Either is read through templates, `String(...)`, `Number(...)`, `Math.ceil(...)` and
 * their kin, `JSON.stringify(...)`, `.toString()`, arithmetic and `?:` (`new Response("slow down",
 * { status: 429, headers: { "retry-after": String(Math.ceil(r.retryAfter / 1000)) } })`): what they
 * compute reads nothing else. Any other name (a document read before, a `ctx.db` answer) is data.
 */
/** `null` or the name `undefined` (parentheses, `as` and `!` skipped). */
export function isNullish(e: ts.Expression): boolean {
  const x = skipOuter(e);
  return x.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(x) && x.text === "undefined");
}

export function carriesNoData(e: ts.Expression, answer?: string): boolean {
  const no = (x: ts.Expression): boolean => carriesNoData(ts.isSpreadElement(x) ? x.expression : x, answer);
  e = skipOuter(e);
  if (ts.isIdentifier(e)) return e.text === "undefined" || e.text === answer;
  if (ts.isLiteralExpression(e) || e.kind === ts.SyntaxKind.NullKeyword || e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword) return true;
  if (ts.isPropertyAccessExpression(e)) return no(e.expression);
  if (ts.isTemplateExpression(e)) return e.templateSpans.every((span) => no(span.expression));
  if (ts.isNewExpression(e)) return PURE_NEW.has(e.expression.getText()) && (e.arguments ?? []).every(no);
  if (ts.isCallExpression(e)) {
    const callee = skipOuter(e.expression);
    const converts = PURE_CALLS.has(callee.getText()) || (ts.isPropertyAccessExpression(callee) && callee.name.text === "toString" && no(callee.expression));
    return converts && e.arguments.every(no);
  }
  if (ts.isPrefixUnaryExpression(e)) return no(e.operand);
  if (ts.isBinaryExpression(e)) return PURE_OPERATORS.has(e.operatorToken.kind) && no(e.left) && no(e.right);
  if (ts.isConditionalExpression(e)) return no(e.condition) && no(e.whenTrue) && no(e.whenFalse);
  if (ts.isArrayLiteralExpression(e)) return e.elements.every(no);
  if (ts.isObjectLiteralExpression(e)) {
    return e.properties.every((p) => {
      if (ts.isPropertyAssignment(p)) return (!ts.isComputedPropertyName(p.name) || no(p.name.expression)) && no(p.initializer);
      return ts.isSpreadAssignment(p) ? no(p.expression) : ts.isShorthandPropertyAssignment(p) && p.name.text === answer;
    });
  }
  return false;
}

/**
 * Whether an `if` statement leaves the function when the subject is denied: its test is
 * decided by the denial and the branch it takes always leaves (`if (!identity) throw`, `if
 * (identity) { ... } else throw`), or, with no `else` taken, the statement after it does (`if
 * (identity) { ... return } throw ...`, `if (d.ok) await ctx.db.insert(...); return d;`), with
 * no change before a `return` of it ({@link leavesUnchanged}: what that return keeps, the denied caller gets).
 */
export function ifLeavesOnDenial(stmt: ts.IfStatement, atom: (e: ts.Expression) => Value | "unknown", throwing?: Throwing, answer?: string): boolean {
  const truth = truthWhenDenied(stmt.expression, atom);
  if (truth === true) return leavesUnchanged(stmt.thenStatement, throwing, answer);
  if (truth === false) {
    if (stmt.elseStatement !== undefined) return leavesUnchanged(stmt.elseStatement, throwing, answer);
    // What follows runs when denied (`if (identity) { ...; return data } throw ...`), and its
    // first statement leaves; also when allowed, if the branch goes on to it (`if (d.ok) await
    // ctx.db.insert(...); return d;`): the denied path still does nothing before it leaves.
    const block = stmt.parent;
    if (!ts.isBlock(block) && !ts.isSourceFile(block)) return false;
    const next = block.statements[block.statements.indexOf(stmt) + 1];
    return leavesUnchanged(next, throwing, answer);
  }
  return false;
}

/**
 * Whether a rejection of `call` is swallowed before it can leave `fn`: the call is not awaited
 * or returned (a floating promise: the function goes on before the check ends), it is in a
 * `try` whose `catch` does not always leave (or whose `finally` returns), or a `.catch(...)`,
 * a `.then(_, onRejected)` or `Promise.allSettled` takes its rejection.
 */
export function swallowed(call: ts.Expression, fn: ts.Node, isAsync: boolean): boolean {
  let node: ts.Node = call;
  let awaited = false;
  for (let parent = node.parent; parent !== undefined && parent !== fn; node = parent, parent = parent.parent) {
    if (ts.isAwaitExpression(parent) || ts.isReturnStatement(parent) || (ts.isArrowFunction(parent) && parent.body === node)) awaited = true;
    if (isAsync && !awaited && (ts.isExpressionStatement(parent) || ts.isVoidExpression(parent))) return true;
    // A promise kept in a variable counts only when that variable is awaited or returned later.
    if (isAsync && !awaited && ts.isVariableDeclaration(parent) && parent.initializer === node) return !settledLater(parent, fn);
    if (ts.isTryStatement(parent) && node === parent.tryBlock) {
      if (parent.catchClause !== undefined && !alwaysLeaves(parent.catchClause.block)) return true;
      if (parent.finallyBlock !== undefined && containsReturn(parent.finallyBlock)) return true;
    }
    if (ts.isPropertyAccessExpression(parent) && parent.expression === node && ts.isCallExpression(parent.parent) && parent.parent.expression === parent) {
      const handlers = parent.parent.arguments;
      const onRejected = parent.name.text === "catch" ? handlers[0] : parent.name.text === "then" ? handlers[1] : undefined;
      if (onRejected !== undefined && !handlerRethrows(onRejected)) return true;
    }
    if (ts.isCallExpression(parent) && parent.expression !== node) {
      const callee = skipOuter(parent.expression);
      // `Promise.allSettled` keeps no rejection; `race` and `any` drop it when another promise settles (or fulfils) first.
      if (ts.isPropertyAccessExpression(callee) && ["allSettled", "race", "any"].includes(callee.name.text)) return true;
    }
    if (isFunctionLike(parent)) return false;
  }
  return false;
}

/**
 * Whether the promise a variable holds is awaited or returned after its declaration, in the
 * function that declares it: `await p`, `await Promise.all([p, ...])`, `return p`.
 */
function settledLater(decl: ts.VariableDeclaration, fn: ts.Node): boolean {
  if (!ts.isIdentifier(decl.name)) return false;
  const name = decl.name.text;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(n) && n.text === name && n.pos >= decl.end) {
      let m: ts.Node = n;
      for (;;) {
        const p = m.parent;
        const inAll = ts.isCallExpression(p) && p.expression !== m && ts.isPropertyAccessExpression(skipOuter(p.expression)) && (skipOuter(p.expression) as ts.PropertyAccessExpression).name.text === "all";
        if (ts.isParenthesizedExpression(p) || ts.isAsExpression(p) || ts.isNonNullExpression(p) || ts.isArrayLiteralExpression(p) || ts.isSpreadElement(p) || inAll) m = p;
        else break;
      }
      if (ts.isAwaitExpression(m.parent) || ts.isReturnStatement(m.parent)) found = true;
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(fn);
  return found;
}

/** `(e) => { throw e }`: a rejection handler that always throws again. */
function handlerRethrows(handler: ts.Expression): boolean {
  const fn = skipOuter(handler);
  return (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && onlyThrows(fn.body);
}

function containsReturn(block: ts.Block): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || isFunctionLike(n)) return;
    if (ts.isReturnStatement(n)) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(block);
  return found;
}

/**
 * The variable a call's answer goes into: `const x = await call`, `const { ok } = await call`
 * (the name `ok` bound to the answer's field), or undefined.
 */
export function boundTo(call: ts.Expression): { name: string; field?: string } | undefined {
  const name = receiver(call);
  if (name !== undefined && ts.isIdentifier(name)) return { name: name.text };
  if (name !== undefined && ts.isObjectBindingPattern(name)) {
    for (const e of name.elements) {
      const field = e.propertyName !== undefined && ts.isIdentifier(e.propertyName) ? e.propertyName.text : ts.isIdentifier(e.name) ? e.name.text : undefined;
      if (field === "ok" && ts.isIdentifier(e.name)) return { name: e.name.text, field };
    }
  }
  return undefined;
}

/**
 * Where a call's answer goes (through `await` and the wrappers: `outer`): the name or pattern
 * of the variable it initializes, or the variable it is assigned to.
 */
export function receiver(call: ts.Expression): ts.BindingName | undefined {
  const node = outer(call);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) && parent.initializer === node) return parent.name;
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && parent.right === node && ts.isIdentifier(parent.left)) {
    return parent.left;
  }
  return undefined;
}

/** The outermost expression of a call: through `await` and parentheses. */
export function outer(call: ts.Expression): ts.Expression {
  let node: ts.Expression = call;
  const p = (n: ts.Node) => n.parent;
  // Through what keeps the value: `await` and the wrappers (paramflow.ts `isWrapper`: parentheses, `x!`, `x as T`, `x satisfies T`, `<T>x`).
  while (ts.isAwaitExpression(p(node)) || isWrapper(p(node))) node = p(node) as ts.Expression;
  return node;
}
