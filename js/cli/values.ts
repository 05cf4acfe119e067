// What a value written in the app is: a declaration's initializer, a name's constant value, the
// function a name stands for (moved out of argflow.ts, which re-exports them).
import ts from "typescript";
import { isFunctionLike, skipOuter, type App } from "./program.js";

/** The value a declaration gives: a variable's initializer, an `export default`'s expression. */
export function initializer(decl: ts.Node): ts.Expression | undefined {
  if (ts.isVariableDeclaration(decl) && decl.initializer !== undefined) return skipOuter(decl.initializer);
  if (ts.isExportAssignment(decl)) return skipOuter(decl.expression);
  return undefined;
}

/** An identifier's value when it is a constant of the app (`const def = {...}`), else itself. */
export function resolveValue(app: App, expr: ts.Expression): ts.Expression {
  expr = skipOuter(expr);
  for (let depth = 0; depth < 4 && ts.isIdentifier(expr); depth++) {
    const decl = app.symbol(expr)?.valueDeclaration;
    if (decl === undefined || !ts.isVariableDeclaration(decl) || decl.initializer === undefined || !app.isAppCode(decl.getSourceFile())) break;
    expr = skipOuter(decl.initializer);
  }
  return expr;
}

/** The function a value is: written there, or declared elsewhere and named (`handler: handleStripe`). */
export function functionValue(app: App, node: ts.Node | undefined): ts.SignatureDeclaration | undefined {
  if (node === undefined) return undefined;
  if (isFunctionLike(node)) return node;
  if (ts.isIdentifier(node)) {
    const symbol = app.symbol(node);
    return symbol === undefined ? undefined : app.functionOf(symbol);
  }
  return undefined;
}

/** The initializer of a `let` a name refers to that is never assigned again (`let me = user._id`): as good as a `const`. */
export function unassignedLet(app: App, x: ts.Identifier): ts.Expression | undefined {
  const decl = app.symbol(x)?.valueDeclaration;
  if (decl === undefined || !ts.isVariableDeclaration(decl) || !ts.isIdentifier(decl.name) || decl.initializer === undefined || !ts.isVariableDeclarationList(decl.parent)) return undefined;
  if (ts.isForStatement(decl.parent.parent) || ts.isForInStatement(decl.parent.parent) || ts.isForOfStatement(decl.parent.parent)) return undefined;
  const symbol = app.symbol(decl.name);
  const target = (e: ts.Expression): boolean => {
    const t = skipOuter(e);
    if (ts.isIdentifier(t)) return app.symbol(t) === symbol;
    // `[me] = ...`, `({ me } = ...)`: any mention in a destructuring target.
    return (ts.isArrayLiteralExpression(t) || ts.isObjectLiteralExpression(t)) && mentions(t);
  };
  const mentions = (n: ts.Node): boolean => (ts.isIdentifier(n) && app.symbol(n) === symbol) || ts.forEachChild(n, (c) => mentions(c) || undefined) === true;
  let assigned = false;
  const visit = (n: ts.Node): void => {
    if (assigned) return;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment && target(n.left)) assigned = true;
    else if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken) && target(n.operand)) assigned = true;
    else ts.forEachChild(n, visit);
  };
  visit(decl.getSourceFile());
  // A `var` declared again (`var me = user._id; if (x) { var me = other }`) is the same variable assigned again (attack48 F5).
  assigned ||= (symbol?.declarations?.length ?? 1) > 1;
  return assigned || !app.isAppCode(decl.getSourceFile()) ? undefined : skipOuter(decl.initializer);
}

/**
 * Assignments that may give a variable their right side: `=`, and the logical ones (`doc ??=
 * await ctx.db.get(args.fallback)`, `rows ||= <every row>`: attack50 F4), read as giving it (the
 * value checked before is then no longer the one it holds).
 */
export const GIVES = new Set([ts.SyntaxKind.EqualsToken, ts.SyntaxKind.QuestionQuestionEqualsToken, ts.SyntaxKind.BarBarEqualsToken, ts.SyntaxKind.AmpersandAmpersandEqualsToken]);

/**
 * What a `let` or `var` of the app's code is given, in source order: its declarations' values
 * (a `var` declared again is assigned again) and its plain assignments (`doc = value`), each
 * with where it is made; `value` undefined for any other change of it (`+=`, `++`, a
 * destructuring target) or a declaration without one. Undefined for anything but such a variable.
 */
export function letWrites(app: App, name: ts.Identifier): { at: ts.Node; value: ts.Expression | undefined }[] | undefined {
  const symbol = app.symbol(name);
  const decl = symbol?.valueDeclaration;
  if (decl === undefined || !ts.isVariableDeclaration(decl) || !ts.isIdentifier(decl.name) || ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const || !app.isAppCode(decl.getSourceFile())) return undefined;
  const out: { at: ts.Node; value: ts.Expression | undefined }[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && app.symbol(n.name) === symbol) out.push({ at: n, value: n.initializer });
    else if (ts.isIdentifier(n) && n.text === name.text && app.symbol(n) === symbol && !ts.isVariableDeclaration(n.parent)) {
      let u: ts.Node = n;
      while (ts.isParenthesizedExpression(u.parent) || ts.isNonNullExpression(u.parent)) u = u.parent;
      const at = u.parent;
      const plain = ts.isBinaryExpression(at) && at.left === u && GIVES.has(at.operatorToken.kind);
      // `[doc] = await Promise.all([ctx.db.get(args.other)])`: the element it is given (attack50 F4); any other destructuring an unknown value.
      const spread = ts.isArrayLiteralExpression(at) && ts.isBinaryExpression(at.parent) && at.parent.left === at && at.parent.operatorToken.kind === ts.SyntaxKind.EqualsToken ? at.parent : undefined;
      const value = plain ? (at as ts.BinaryExpression).right : spread !== undefined ? element(app, spread.right, (at as ts.ArrayLiteralExpression).elements.indexOf(u as ts.Expression)) : undefined;
      if (plain || writtenAt(u)) out.push({ at, value });
    }
    ts.forEachChild(n, visit);
  };
  visit(decl.getSourceFile());
  return out;
}

/** Whether a mention of a variable changes it: an assignment's target (a destructuring's too), `++`/`--`, a `for...in`/`of` target. */
function writtenAt(u: ts.Node): boolean {
  const p = u.parent;
  if (ts.isBinaryExpression(p) && p.left === u) return p.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && p.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
  if ((ts.isPrefixUnaryExpression(p) || ts.isPostfixUnaryExpression(p)) && (p.operator === ts.SyntaxKind.PlusPlusToken || p.operator === ts.SyntaxKind.MinusMinusToken)) return true;
  if ((ts.isForInStatement(p) || ts.isForOfStatement(p)) && p.initializer === u) return true;
  // `[doc] = ...`, `({ doc } = ...)`, `({ x: doc } = ...)`: inside a destructuring assignment's target.
  let t: ts.Node = u;
  while (ts.isArrayLiteralExpression(t.parent) || ts.isObjectLiteralExpression(t.parent) || ts.isShorthandPropertyAssignment(t.parent) || ts.isPropertyAssignment(t.parent) || ts.isSpreadElement(t.parent) || ts.isSpreadAssignment(t.parent)) t = t.parent;
  return t !== u && ts.isBinaryExpression(t.parent) && t.parent.left === t && t.parent.operatorToken.kind === ts.SyntaxKind.EqualsToken;
}

/**
 * The value a `let` or `var` holds where it is used: its last write above the use in the source
 * (attack48 F9: `let doc = await ctx.db.get(args.id); ...; doc = await ctx.db.get(args.other)`
 * holds `args.other`'s document after the second); undefined when that write gives no readable
 * value, or for anything but such a variable.
 */
export function heldValue(app: App, use: ts.Identifier): ts.Expression | undefined {
  const writes = letWrites(app, use);
  const decl = app.symbol(use)?.valueDeclaration;
  if (writes === undefined || decl === undefined) return undefined;
  // Fail closed (attack50 F4): a write in a callback created above the use (`[id].map(async (o) => { doc = await ctx.db.get(o) })`),
  // or one later in a loop round the use but not round the declaration (carried to the use by the next round), is what it may hold.
  const home = functionOf(decl);
  const late = writes.filter((w) => {
    const fn = functionOf(w.at);
    if (fn !== home && fn !== undefined && fn.pos < use.pos && !within(use, fn)) return true;
    return w.at.pos >= use.end && loops(use).some((l) => within(w.at, l) && !within(decl, l));
  });
  const last = late.pop() ?? writes.filter((w) => w.at.end <= use.pos).pop();
  return last?.value === undefined ? undefined : skipOuter(last.value);
}

/** The innermost function around a node. */
function functionOf(n: ts.Node): ts.Node | undefined {
  for (let p = n.parent; p !== undefined; p = p.parent) if (isFunctionLike(p)) return p;
  return undefined;
}

const within = (n: ts.Node, around: ts.Node): boolean => n.pos >= around.pos && n.end <= around.end;

/** The loops around a node, within its function. */
function loops(n: ts.Node): ts.Node[] {
  const out: ts.Node[] = [];
  for (let p = n.parent; p !== undefined && !isFunctionLike(p); p = p.parent) if (ts.isIterationStatement(p, false)) out.push(p);
  return out;
}

/** Of a declaration with a value, or a plain assignment of a variable (`doc = value`): the name given the value, and the value. */
export function givenValue(n: ts.Node): { name: ts.BindingName; value: ts.Expression } | undefined {
  if (ts.isVariableDeclaration(n)) return n.initializer === undefined ? undefined : { name: n.name, value: n.initializer };
  const left = ts.isBinaryExpression(n) && GIVES.has(n.operatorToken.kind) ? skipOuter(n.left) : undefined;
  return left !== undefined && ts.isIdentifier(left) ? { name: left, value: (n as ts.BinaryExpression).right } : undefined;
}

/**
 * Where the value a write `at` (a declaration or `x = value`) gives `name` is held: for a `let`
 * or `var`, from the write to its next write in the source; anywhere for a `const`, a destructuring or
 * a loop's variable.
 */
export function heldSpan(app: App, name: ts.BindingName, at: ts.Node): (n: ts.Node) => boolean {
  const writes = ts.isIdentifier(name) && (ts.isVariableDeclaration(at) || ts.isBinaryExpression(at)) ? letWrites(app, name) : undefined;
  if (writes === undefined) return () => true; // a loop's variable too: held through the loop's body
  const until = writes.find((w) => w.at.pos >= at.end)?.at.pos ?? Infinity;
  return (n) => n.pos >= at.end && n.end <= until;
}

/** The element `index` of an array literal, or of `Promise.all([...])` awaited (none after a spread). */
export function element(app: App, e: ts.Expression, index: number): ts.Expression | undefined {
  let x = skipOuter(e);
  if (ts.isCallExpression(x) && x.arguments.length === 1 && ts.isPropertyAccessExpression(x.expression) && x.expression.name.text === "all" && ts.isIdentifier(x.expression.expression) && x.expression.expression.text === "Promise" && app.isGlobal(x.expression.expression)) {
    x = skipOuter(x.arguments[0]!);
  }
  if (!ts.isArrayLiteralExpression(x) || index < 0 || x.elements.slice(0, index + 1).some(ts.isSpreadElement)) return undefined;
  return x.elements[index];
}
