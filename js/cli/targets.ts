// Arguments that only name the target of a guard call which checks the caller itself:
//
//   handler: (ctx, { id, userId, level }) => guard.share(ctx, "documents", id, { userId, level })
//
// `share` and `revoke` (the `userId` of their options), `addGroupMember` and `removeGroupMember`
// (the member), `transferOwnership` (the new owner) decide whether the caller may act on that
// user; the caller is never taken from the argument. Such an argument is not `user-id-arg`'s
// pitfall. An argument used anywhere else (a read, a write, a key, `forgetUser`, which checks no
// one) stays reported.
import ts from "typescript";
import { callParameters, outermost } from "./paramflow.js";
import { GUARD } from "./facts.js";
import { EQUALITY } from "./flow.js";
import { skipOuter, within, type App } from "./program.js";

/** Guard calls that check the caller and take a target user: the argument position of that user. */
const TARGET_POSITION: Record<string, number> = { addGroupMember: 2, removeGroupMember: 2, transferOwnership: 3 };
/** Guard calls whose options object (the 4th argument) names the target user as `userId`. */
const TARGET_OPTION = new Set(["share", "revoke"]);

/**
 * The handler's arguments each of whose uses is a guard call's target user (at least one use).
 * `argNames`: the function's arguments, for a rest binding (`{ id, ...t }`) whose object is the
 * options of `share` or `revoke` (through a spread, or an app function answering its parameter
 * as is: `(t) => t as GrantTarget`): every argument it holds is a target.
 */
export function targetOnlyArgs(app: App, handler: ts.SignatureDeclaration, argNames: Set<string>): Set<string> {
  const out = new Set<string>();
  const param = handler.parameters[1]?.name;
  if (param === undefined) return out;
  // Argument -> the expressions that hold its value.
  const uses = new Map<string, ts.Expression[]>();
  const add = (arg: string, e: ts.Expression) => uses.set(arg, [...(uses.get(arg) ?? []), e]);
  const escaped = new Set<string>();
  const bindPattern = (pattern: ts.ObjectBindingPattern) => {
    const named = new Set<string>();
    for (const e of pattern.elements) {
      const key = e.propertyName ?? e.name;
      if (e.dotDotDotToken !== undefined && ts.isIdentifier(e.name)) {
        const rest = references(app, handler, e.name);
        const asOptions = rest.length > 0 && rest.every((r) => onlyTarget(app, handler, r, "options", 0));
        for (const arg of argNames) if (!named.has(arg)) (asOptions ? add(arg, e.name) : escaped.add(arg));
        continue;
      }
      if (!(ts.isIdentifier(key) || ts.isStringLiteral(key))) return false;
      named.add(key.text);
      if (ts.isIdentifier(e.name)) for (const r of references(app, handler, e.name)) add(key.text, r);
      else escaped.add(key.text);
    }
    return true;
  };
  if (ts.isObjectBindingPattern(param)) {
    if (!bindPattern(param)) return out;
  } else if (ts.isIdentifier(param)) {
    for (const r of references(app, handler, param)) {
      const parent = r.parent;
      if (ts.isPropertyAccessExpression(parent) && parent.expression === r) add(parent.name.text, parent);
      else if (ts.isVariableDeclaration(parent) && parent.initializer === r && ts.isObjectBindingPattern(parent.name)) {
        if (!bindPattern(parent.name)) return out;
      } else return out; // the arguments given away whole: any of them may go anywhere
    }
  } else return out;
  for (const [arg, exprs] of uses) {
    // A rest's own name stands for the arguments it holds, already judged as options.
    const judged = (e: ts.Expression) => (ts.isIdentifier(e) && ts.isBindingElement(e.parent) && e.parent.name === e) || onlyTarget(app, handler, e, "user", 0);
    // `if (userId !== undefined) return guard.share(...)`: testing whether it was given is no use.
    const targets = exprs.filter((e) => !presenceTest(app, e));
    if (!escaped.has(arg) && targets.length > 0 && targets.every(judged)) out.add(arg);
  }
  return out;
}

/**
 * Whether a value goes only where a guard call takes its target user: `kind` "user", the id
 * itself (a target argument, or `userId` of the options); "options", an object holding it (the
 * options argument, or spread into it). Through `const` copies whose every use does, and app
 * functions that answer their parameter as is.
 */
function onlyTarget(app: App, handler: ts.SignatureDeclaration, e: ts.Expression, kind: "user" | "options", depth: number): boolean {
  if (depth > 4) return false;
  const node = outermost(e);
  const parent = node.parent;
  if (ts.isCallExpression(parent) && parent.expression !== node) {
    const name = app.calleeFrom(parent, GUARD)?.name ?? "";
    if (kind === "user" && TARGET_POSITION[name] !== undefined) return parent.arguments[TARGET_POSITION[name]] === node;
    if (kind === "options" && TARGET_OPTION.has(name)) return parent.arguments[3] === node;
    return answersParameter(app, parent, node as ts.Expression) && onlyTarget(app, handler, parent, kind, depth + 1);
  }
  if (kind === "options" && ts.isSpreadAssignment(parent) && ts.isObjectLiteralExpression(parent.parent)) return onlyTarget(app, handler, parent.parent, "options", depth + 1);
  // Either branch of a conditional (`at ? { userId, level, expiresAt: at } : { userId, level }`).
  if (kind === "options" && ts.isConditionalExpression(parent) && parent.condition !== node) return onlyTarget(app, handler, parent, "options", depth + 1);
  const option = ts.isPropertyAssignment(parent) && parent.initializer === node ? parent : ts.isShorthandPropertyAssignment(parent) ? parent : undefined;
  if (kind === "user" && option !== undefined) {
    const named = (ts.isIdentifier(option.name) || ts.isStringLiteral(option.name)) && option.name.text === "userId";
    return named && onlyTarget(app, handler, option.parent, "options", depth + 1);
  }
  if (ts.isVariableDeclaration(parent) && parent.initializer === node && ts.isIdentifier(parent.name) && (ts.getCombinedNodeFlags(parent) & ts.NodeFlags.Const) !== 0) {
    const copies = references(app, handler, parent.name);
    return copies.length > 0 && copies.every((r) => onlyTarget(app, handler, r, kind, depth + 1));
  }
  return false;
}

/**
 * Whether `e` is only tested for being there, its value going nowhere: compared with
 * `undefined` or `null` (`x !== undefined`, `x == null`, `typeof x === "undefined"`), or read
 * as a condition (`if (x)`, `!x`, `x ? a : b`, `if (x && ...)`, `if (... || x)`).
 */
function presenceTest(app: App, e: ts.Expression): boolean {
  const node = outermost(e);
  const parent = node.parent;
  // The global `undefined`, not a local of that name (`const undefined = post.ownerId`).
  const nothing = (x: ts.Expression) => {
    const inner = skipOuter(x);
    return inner.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(inner) && inner.text === "undefined" && app.isGlobal(inner)) || ts.isVoidExpression(inner);
  };
  const equality = (b: ts.Node): b is ts.BinaryExpression => ts.isBinaryExpression(b) && EQUALITY.has(b.operatorToken.kind);
  if (ts.isTypeOfExpression(parent)) {
    const cmp = parent.parent;
    const other = equality(cmp) ? (cmp.left === parent ? cmp.right : cmp.left) : undefined;
    return other !== undefined && ts.isStringLiteral(skipOuter(other)) && (skipOuter(other) as ts.StringLiteral).text === "undefined";
  }
  if (equality(parent)) return nothing(parent.left === node ? parent.right : parent.left);
  return conditionOnly(node);
}

/** Whether an expression's value is only tested: an `if`'s test, a `?:`'s, negated, or an operand of `&&`/`||` that is. */
function conditionOnly(n: ts.Node): boolean {
  const node = outermost(n);
  const parent = node.parent;
  if (ts.isIfStatement(parent)) return parent.expression === node;
  if (ts.isConditionalExpression(parent)) return parent.condition === node;
  if (ts.isPrefixUnaryExpression(parent)) return parent.operator === ts.SyntaxKind.ExclamationToken;
  return logical(parent) && conditionOnly(parent);
}

const logical = (n: ts.Node): n is ts.BinaryExpression =>
  ts.isBinaryExpression(n) && (n.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken || n.operatorToken.kind === ts.SyntaxKind.BarBarToken);


/** Whether `call` is of an app function whose every answer is the parameter `arg` is given for, as is (`(t) => t as GrantTarget`). */
function answersParameter(app: App, call: ts.CallExpression, arg: ts.Expression): boolean {
  const fn = app.appFunction(call);
  const param = fn === undefined ? undefined : callParameters(fn)[call.arguments.indexOf(arg)]?.name;
  const body = fn !== undefined && "body" in fn ? fn.body : undefined;
  if (param === undefined || !ts.isIdentifier(param) || body === undefined) return false;
  const answers = ts.isBlock(body) ? body.statements.filter(ts.isReturnStatement).map((r) => r.expression) : [body as ts.Expression];
  const isParam = (e: ts.Expression | undefined) => e !== undefined && ts.isIdentifier(skipOuter(e)) && (skipOuter(e) as ts.Identifier).text === param.text;
  return answers.length > 0 && (!ts.isBlock(body) || body.statements.length === answers.length) && answers.every(isParam);
}
/** The identifiers in `scope` that refer to the variable `name` declares (not `name` itself). */
function references(app: App, scope: ts.Node, name: ts.Identifier): ts.Identifier[] {
  const symbol = app.checker.getSymbolAtLocation(name);
  const out: ts.Identifier[] = [];
  if (symbol === undefined) return out;
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n) && n !== name && within(n, scope)) {
      const parent = n.parent;
      const own = ts.isShorthandPropertyAssignment(parent) && parent.name === n ? app.checker.getShorthandAssignmentValueSymbol(parent) : ts.isPropertyAccessExpression(parent) && parent.name === n ? undefined : app.checker.getSymbolAtLocation(n);
      if (own === symbol) out.push(n);
    }
    ts.forEachChild(n, visit);
  };
  visit(scope);
  return out;
}
