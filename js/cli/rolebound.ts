// The roles an argument's value may hold where a middle role's check lets it be written to a users
// role (rolecheck.ts), as the function bounds it (newuser28 F2):
//
//   args: { userId: v.id("users"), role: v.union(v.literal("user"), v.literal("support")) }  // the validator
//   if (role !== "user" && role !== "support") throw new ConvexError(...);                 // a test that leaves
//   if (guard.roleAtLeast(role, me.role)) throw new ConvexError(...);                       // below the caller's own
//   if (!guard.can(me, "roles:assignAny")) { ...a test that leaves... }                     // or the top role's permission
//
// Read for the weakest caller the check lets through (holding the checked role): on each path to
// the write, a test of the written value itself that leaves (throws, or returns no data) before
// it, or a branch only a caller holding a permission of the top role alone takes. A test that does
// not leave, of another value, or after the write bounds nothing; nor does a value assigned again.
import ts from "typescript";
import { ArgFlow, resolveValue } from "./argflow.js";
import { CONVEX, GUARD } from "./facts.js";
import { alwaysLeaves } from "./flow.js";
import { appGuards } from "./guards.js";
import { weakestHolding } from "./permissions.js";
import { isFunctionLike, skipOuter, type App } from "./program.js";
import { roleName, rolesOf } from "./roles.js";
import { decisionSubject, subjectOf } from "./subject.js";

type Roles = ReadonlySet<string>;

/**
 * The roles a caller holding `checked` may write through the role write at `at` from argument `arg`
 * (`validator`: its validator), lowest first; undefined when every role may be, or the app's roles
 * are not read (every guard's, all read, the same).
 */
export function roleBound(app: App, handler: ts.SignatureDeclaration, at: ts.Node, arg: string, validator: ts.Node | undefined, checked: string): string[] | undefined {
  const guards = appGuards(app);
  const orders = guards.map((g) => rolesOf(app, g)).map((r) => (r.lowest === null || r.above === undefined ? undefined : [r.lowest, ...r.above]));
  const order = orders[0];
  if (order === undefined || orders.some((o) => o?.join("\n") !== order.join("\n"))) return undefined;
  const rank = (r: string) => order.indexOf(r);
  const flow = new ArgFlow(app, handler);
  // The written value's variable assigned anywhere in the handler: what it holds is not read.
  if (assigned(handler, at)) return undefined;
  const isArg = (e: ts.Expression) => {
    const x = skipOuter(e);
    return (ts.isIdentifier(x) || ts.isPropertyAccessExpression(x) || ts.isElementAccessExpression(x)) && flow.rootOf(x) === arg;
  };
  const top = order[order.length - 1]!;
  const callerRole = (e: ts.Expression) => !ts.isStringLiteralLike(skipOuter(e)) && subjectOf(app, e, 0) === "caller";

  // The test's value for the argument holding `r` (the caller holding `checked`): undefined when not known.
  const test = (e: ts.Expression, r: string): boolean | undefined => {
    const x = skipOuter(e);
    if (ts.isPrefixUnaryExpression(x) && x.operator === ts.SyntaxKind.ExclamationToken) {
      const v = test(x.operand, r);
      return v === undefined ? undefined : !v;
    }
    if (ts.isBinaryExpression(x)) {
      const op = x.operatorToken.kind;
      if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) {
        const [a, b] = [test(x.left, r), test(x.right, r)];
        const and = op === ts.SyntaxKind.AmpersandAmpersandToken;
        if (a === !and || b === !and) return !and;
        return a === undefined || b === undefined ? undefined : and;
      }
      const equal = op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.EqualsEqualsToken;
      if (!equal && op !== ts.SyntaxKind.ExclamationEqualsEqualsToken && op !== ts.SyntaxKind.ExclamationEqualsToken) return undefined;
      const literal = isArg(x.left) ? roleName(app, x.right) : isArg(x.right) ? roleName(app, x.left) : undefined;
      return literal === undefined ? undefined : (literal === r) === equal;
    }
    const call = ts.isCallExpression(x) ? x : undefined;
    if (call === undefined || app.calleeFrom(call, GUARD)?.name !== "roleAtLeast" || call.arguments.length < 2 || !isArg(call.arguments[0]!)) return undefined;
    const min = call.arguments[1]!;
    const name = roleName(app, min);
    if (name !== undefined && rank(name) >= 0) return rank(r) >= rank(name);
    return callerRole(min) ? rank(r) >= rank(checked) : undefined;
  };
  // Whether a test is true (or false) only for a caller holding a permission of the top role alone.
  const topWhen = (e: ts.Expression): boolean | undefined => {
    const x = skipOuter(e);
    if (ts.isPrefixUnaryExpression(x) && x.operator === ts.SyntaxKind.ExclamationToken) {
      const v = topWhen(x.operand);
      return v === undefined ? undefined : !v;
    }
    if (!ts.isCallExpression(x) || x.arguments.length < 2 || decisionSubject(app, x) !== "caller") return undefined;
    const method = app.calleeFrom(x, GUARD)?.name;
    const name = roleName(app, x.arguments[1]);
    if (name === undefined) return undefined;
    const ofTop = method === "can" ? guards.every((g) => weakestHolding(app, g, name) === top) : method === "roleAtLeast" && name === top;
    return ofTop ? true : undefined;
  };
  const keep = (roles: Roles, e: ts.Expression, unless: boolean): Roles => new Set([...roles].filter((r) => test(e, r) !== unless));
  const union = (a: Roles, b: Roles): Roles => new Set([...a, ...b]);

  // The roles reaching the end of `s` (none when it always leaves).
  const through = (s: ts.Statement, roles: Roles): Roles => {
    if (alwaysLeaves(s)) return new Set();
    if (ts.isBlock(s)) return s.statements.reduce((rs, t) => through(t, rs), roles);
    if (!ts.isIfStatement(s)) return roles;
    const onTop = topWhen(s.expression);
    const then = onTop === true ? new Set<string>() : through(s.thenStatement, keep(roles, s.expression, false));
    const otherwise = onTop === false ? new Set<string>() : keep(roles, s.expression, true);
    return union(then, s.elseStatement === undefined ? otherwise : through(s.elseStatement, otherwise));
  };

  let roles: Roles = new Set(validatorRoles(app, validator)?.filter((r) => rank(r) >= 0) ?? order);
  for (let node: ts.Node = at, p = at.parent; p !== undefined && node !== handler; node = p, p = p.parent) {
    if (ts.isIfStatement(p) && node !== p.expression) {
      const inThen = node === p.thenStatement;
      if (topWhen(p.expression) === inThen) return [];
      roles = keep(roles, p.expression, !inThen);
    }
    if (ts.isBlock(p)) for (const s of p.statements.slice(0, p.statements.indexOf(node as ts.Statement))) roles = through(s, roles);
    if (isFunctionLike(p) && p !== handler) break;
  }
  return roles.size === order.length ? undefined : order.filter((r) => roles.has(r));
}

/** The roles a validator admits: `v.literal(...)`, a `v.union` of them, through `const`s; undefined for any other. */
function validatorRoles(app: App, validator: ts.Node | undefined): string[] | undefined {
  const v = validator !== undefined && ts.isExpression(validator) ? resolveValue(app, validator) : undefined;
  const method = v !== undefined && ts.isCallExpression(v) ? app.calleeFrom(v, CONVEX)?.name : undefined;
  if (method === "literal") {
    const name = roleName(app, (v as ts.CallExpression).arguments[0]);
    return name === undefined ? undefined : [name];
  }
  if (method !== "union") return undefined;
  const each = (v as ts.CallExpression).arguments.map((a) => validatorRoles(app, a));
  return each.some((e) => e === undefined) ? undefined : each.flat() as string[];
}

/** Whether the variable (or argument's field: `args.role`) the written value `at` names is assigned in the handler. */
function assigned(handler: ts.Node, at: ts.Node): boolean {
  const x = ts.isExpression(at) ? skipOuter(at) : at;
  const name = ts.isIdentifier(x) || ts.isPropertyAccessExpression(x) ? x.getText() : undefined;
  if (name === undefined) return false;
  const visit = (n: ts.Node): boolean => {
    const left = ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment ? skipOuter(n.left) : undefined;
    if (left !== undefined && left.getText() === name) return true;
    return ts.forEachChild(n, visit) === true;
  };
  return visit(handler);
}
