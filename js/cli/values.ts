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
      const plain = ts.isBinaryExpression(at) && at.left === u && at.operatorToken.kind === ts.SyntaxKind.EqualsToken;
      if (plain || writtenAt(u)) out.push({ at, value: plain ? (at as ts.BinaryExpression).right : undefined });
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
  const last = letWrites(app, use)?.filter((w) => w.at.end <= use.pos).pop();
  return last?.value === undefined ? undefined : skipOuter(last.value);
}

/** Of a declaration with a value, or a plain assignment of a variable (`doc = value`): the name given the value, and the value. */
export function givenValue(n: ts.Node): { name: ts.BindingName; value: ts.Expression } | undefined {
  if (ts.isVariableDeclaration(n)) return n.initializer === undefined ? undefined : { name: n.name, value: n.initializer };
  const left = ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken ? skipOuter(n.left) : undefined;
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
