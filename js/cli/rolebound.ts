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
import { writeTarget } from "./changed.js";
import { alwaysLeaves } from "./flow.js";
import { appGuards } from "./guards.js";
import { landing, outermost } from "./paramflow.js";
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
  if (assigned(app, handler, at)) return undefined;
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
    // `["user", "support"].includes(role)`: a literal list of roles, each read.
    const list = call !== undefined && ts.isPropertyAccessExpression(call.expression) && call.expression.name.text === "includes" ? skipOuter(call.expression.expression) : undefined;
    if (list !== undefined && ts.isArrayLiteralExpression(list) && call!.arguments.length === 1 && isArg(call!.arguments[0]!)) {
      const names = list.elements.map((el) => (ts.isSpreadElement(el) ? undefined : roleName(app, el)));
      return names.includes(undefined) ? undefined : names.includes(r);
    }
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

  // The roles reaching the end of `s` (none when it always leaves, or at a `break` or `continue`:
  // of a loop or switch around the write, as `through` enters no other; a switch's own: `cases`).
  const through = (s: ts.Statement, roles: Roles): Roles => {
    if (alwaysLeaves(s) || ts.isBreakOrContinueStatement(s)) return new Set();
    if (ts.isBlock(s)) return s.statements.reduce((rs, t) => through(t, rs), roles);
    if (ts.isTryStatement(s)) {
      // A `catch` may be entered by any role; one that always leaves lets none through.
      const caught = s.catchClause === undefined ? new Set<string>() : through(s.catchClause.block, roles);
      const out = union(through(s.tryBlock, roles), caught);
      return s.finallyBlock === undefined ? out : through(s.finallyBlock, out);
    }
    if (ts.isSwitchStatement(s)) return cases(s, roles)?.out ?? roles;
    if (!ts.isIfStatement(s)) return roles;
    const onTop = topWhen(s.expression);
    const then = onTop === true ? new Set<string>() : through(s.thenStatement, keep(roles, s.expression, false));
    const otherwise = onTop === false ? new Set<string>() : keep(roles, s.expression, true);
    return union(then, s.elseStatement === undefined ? otherwise : through(s.elseStatement, otherwise));
  };
  // A `switch` on the argument whose cases are roles read: the roles entering each clause (its
  // case's, and those falling into it from the one before) and those leaving the switch (at a
  // clause's last `break`, past the last clause, or matching no case with no `default`).
  // Undefined (nothing bounded) for another switch, or a `break` of it elsewhere in a clause.
  const cases = (s: ts.SwitchStatement, roles: Roles): { entering: Map<ts.CaseOrDefaultClause, Roles>; out: Roles } | undefined => {
    const clauses = s.caseBlock.clauses;
    const labels = clauses.flatMap((c) => (ts.isCaseClause(c) ? [roleName(app, c.expression)] : []));
    if (!isArg(s.expression) || labels.includes(undefined) || clauses.some((c) => c.statements.some((t, i) => breaksOut(t, i === c.statements.length - 1)))) return undefined;
    const entering = new Map<ts.CaseOrDefaultClause, Roles>();
    let falling: Roles = new Set(), out: Roles = new Set();
    for (const c of clauses) {
      const matched = [...roles].filter((r) => (ts.isCaseClause(c) ? roleName(app, c.expression) === r : !labels.includes(r)));
      const enter = union(falling, new Set(matched));
      entering.set(c, enter);
      const last = c.statements[c.statements.length - 1];
      const broken = last !== undefined && ts.isBreakStatement(last) && last.label === undefined;
      const end = c.statements.slice(0, broken ? -1 : undefined).reduce((rs, t) => through(t, rs), enter);
      if (broken) out = union(out, end);
      falling = broken ? new Set() : end;
    }
    const unmatched = clauses.some(ts.isDefaultClause) ? [] : [...roles].filter((r) => !labels.includes(r));
    return { entering, out: union(union(out, falling), new Set(unmatched)) };
  };

  let roles: Roles = new Set(validatorRoles(app, validator)?.filter((r) => rank(r) >= 0) ?? order);
  for (let node: ts.Node = at, p = at.parent; p !== undefined && node !== handler; node = p, p = p.parent) {
    if (ts.isIfStatement(p) && node !== p.expression) {
      const inThen = node === p.thenStatement;
      if (topWhen(p.expression) === inThen) return [];
      roles = keep(roles, p.expression, !inThen);
    }
    if (ts.isCaseClause(p) || ts.isDefaultClause(p)) {
      const entering = cases(p.parent.parent, new Set(order))?.entering.get(p);
      if (entering !== undefined) roles = new Set([...roles].filter((r) => entering.has(r)));
    }
    if (ts.isBlock(p) || ts.isCaseClause(p) || ts.isDefaultClause(p)) for (const s of p.statements.slice(0, p.statements.indexOf(node as ts.Statement))) roles = through(s, roles);
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

/** Whether a statement of a clause has a `break` of its switch (outside inner loops and switches), its own last plain `break` aside. */
function breaksOut(s: ts.Node, last: boolean): boolean {
  if (last && ts.isBreakStatement(s) && s.label === undefined) return false;
  if (ts.isBreakStatement(s)) return s.label === undefined;
  if (isFunctionLike(s) || ts.isIterationStatement(s, false) || ts.isSwitchStatement(s)) return false;
  return ts.forEachChild(s, (c) => breaksOut(c, false) || undefined) === true;
}

/**
 * Whether the variable (or argument's field: `args.role`) the written value `at` names is changed
 * in the handler: assigned (`role = x`, `args["role"] = x`, a destructuring target: `({ role } =
 * other)`, `[role] = list`), the object holding it assigned or given to `Object.assign` as its
 * target, or let out where it may be written (`escapes`).
 */
function assigned(app: App, handler: ts.Node, at: ts.Node): boolean {
  const name = pathOf(at);
  return name !== undefined && changedIn(app, handler, name, 0);
}

/** The dotted path an expression names (`args.role`, `args["role"]`), undefined for any other. */
function pathOf(e: ts.Node): string | undefined {
  const x = ts.isExpression(e) ? skipOuter(e) : e;
  if (ts.isIdentifier(x)) return x.text;
  const of = ts.isPropertyAccessExpression(x) || ts.isElementAccessExpression(x) ? pathOf(x.expression) : undefined;
  const key = ts.isPropertyAccessExpression(x) ? x.name.text : ts.isElementAccessExpression(x) && ts.isStringLiteralLike(x.argumentExpression) ? x.argumentExpression.text : undefined;
  return of === undefined || key === undefined ? undefined : `${of}.${key}`;
}

/** Whether the path `name` (`args.role`) is changed or let out (`escapes`) in `body`; `depth`: helpers entered. */
function changedIn(app: App, body: ts.Node, name: string, depth: number): boolean {
  const path = pathOf;
  // The written path itself, an object holding it, or a computed key of it (`args[key] = x`).
  const changes = (target: ts.Node): boolean => {
    const x = ts.isExpression(target) ? skipOuter(target) : target;
    if (ts.isObjectLiteralExpression(x)) return x.properties.some((p) => (ts.isShorthandPropertyAssignment(p) ? changes(p.name) : ts.isPropertyAssignment(p) ? changes(p.initializer) : ts.isSpreadAssignment(p) && changes(p.expression)));
    if (ts.isArrayLiteralExpression(x)) return x.elements.some((el) => changes(ts.isSpreadElement(el) ? el.expression : el));
    if (ts.isBinaryExpression(x) && x.operatorToken.kind === ts.SyntaxKind.EqualsToken) return changes(x.left); // a default: `{ role = "user" }`
    const p = path(x) ?? (ts.isElementAccessExpression(x) ? path(x.expression) : undefined);
    return p !== undefined && (name === p || name.startsWith(`${p}.`));
  };
  const visit = (n: ts.Node): boolean => {
    const written = writeTarget(n);
    if (written !== undefined && changes(written)) return true;
    const callee = ts.isCallExpression(n) ? skipOuter(n.expression) : undefined;
    if (callee !== undefined && callee.getText() === "Object.assign" && (n as ts.CallExpression).arguments[0] !== undefined && changes((n as ts.CallExpression).arguments[0]!)) return true;
    if ((ts.isForOfStatement(n) || ts.isForInStatement(n)) && !ts.isVariableDeclarationList(n.initializer) && changes(n.initializer)) return true;
    const p = ts.isIdentifier(n) || ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n) ? path(n) : undefined;
    if (p !== undefined && name.startsWith(`${p}.`) && escapes(app, n, name.slice(p.length), depth)) return true;
    return ts.forEachChild(n, visit) === true;
  };
  return visit(body);
}

/**
 * Whether the object holding the written value (`args` of `args.role`), at `n`, is let out where
 * it may be changed after the test (attack38 F4; `rest`: the written value's path below it, `.role`):
 * given to a call (`norm(args)`, `Object.defineProperty(args, ...)`, `Reflect.set(args, ...)`),
 * aliased (`const p = args`), stored or returned. Not a field read, a destructuring or a spread
 * (copies), a test of it, nor a call that only reads it: Convex's and the guard's, `console`,
 * `JSON.stringify`, `Object.keys` (`values`, `entries`), `Object.assign`'s sources, or an app
 * function (up to 3 deep) whose parameter is only read in its body, followed there as here (FP3).
 * Wrapped in an object literal (`{ args }`, `{ data: args }`) it is followed as the literal's
 * field; a `new ConvexError(...)` thrown at once keeps it (the function ends there).
 */
function escapes(app: App, n: ts.Node, rest: string, depth: number): boolean {
  const e = outermost(n);
  const p = e.parent;
  if ((ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p)) && p.expression === e) return false;
  if ((p as ts.NamedDeclaration).name === e && !ts.isShorthandPropertyAssignment(p)) return false; // a declaration's (or a member's) name
  if (ts.isVariableDeclaration(p)) return !ts.isObjectBindingPattern(p.name) && !ts.isArrayBindingPattern(p.name);
  if (ts.isSpreadAssignment(p) || ts.isTypeOfExpression(p) || ts.isExpressionStatement(p) || ts.isIfStatement(p) || ts.isPrefixUnaryExpression(p)) return false;
  if (ts.isBinaryExpression(p)) return p.operatorToken.kind === ts.SyntaxKind.EqualsToken ? p.right === e : [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(p.operatorToken.kind);
  // `{ args }`, `{ data: args }`: the literal, holding it as that field.
  if ((ts.isShorthandPropertyAssignment(p) || (ts.isPropertyAssignment(p) && p.initializer === e)) && ts.isObjectLiteralExpression(p.parent)) {
    const key = ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name) ? p.name.text : undefined;
    const read = ts.isPropertyAccessExpression(p.parent.parent) || ts.isElementAccessExpression(p.parent.parent); // `{ args }.args`: itself
    return key === undefined || read || escapes(app, p.parent, `.${key}${rest}`, depth);
  }
  if (ts.isNewExpression(p) && ts.isThrowStatement(p.parent) && app.calleeFrom(p as unknown as ts.CallExpression, CONVEX)?.name === "ConvexError") return false;
  if (!ts.isCallExpression(p) || !p.arguments.includes(e as ts.Expression)) return true;
  const i = p.arguments.indexOf(e as ts.Expression);
  const callee = skipOuter(p.expression).getText();
  if (app.calleeFrom(p, CONVEX) !== undefined || app.calleeFrom(p, GUARD) !== undefined || /^(console\.\w+|JSON\.stringify|Object\.(keys|values|entries))$/.test(callee) || (callee === "Object.assign" && i > 0)) return false;
  return !readOnlyParam(app, p, i, rest, depth);
}

/**
 * Whether the app function `call` reaches only reads its parameter `i` at the path `rest` below it:
 * not written, assigned, nor let out in its body (`changedIn`), up to 3 helpers deep. A parameter
 * destructured (`{ userId, role }`) is followed through the name its first field is bound to.
 */
function readOnlyParam(app: App, call: ts.CallExpression, i: number, rest: string, depth: number): boolean {
  const at = landing(app, call, i, depth);
  if (at === undefined) return false;
  const param = at.param;
  let name: string | undefined;
  if (ts.isIdentifier(param.name)) name = param.name.text + rest;
  else if (ts.isObjectBindingPattern(param.name)) {
    const [, key, below] = /^\.([^.]+)(.*)$/.exec(rest) ?? [];
    const el = param.name.elements.find((b) => b.dotDotDotToken !== undefined || (b.propertyName ?? b.name).getText() === key);
    if (el === undefined) return true; // the field is not bound: the parameter holds no path to it
    if (!ts.isIdentifier(el.name)) return false;
    name = el.dotDotDotToken !== undefined ? el.name.text + rest : el.name.text + below;
  }
  return name !== undefined && !changedIn(app, at.body, name, depth + 1);
}
