// Whether a decision's subject may have been changed before the decision: the caller's row held
// by a `const` is the caller's only while no code writes over it.
//
//   const user = await guard.requireUser(ctx);
//   user.role = args.asRole;                        // a field assigned (also `+=`, `++`, a destructuring target)
//   Object.assign(user, { role: owner.role });      // Object.assign / defineProperty / Reflect.set ... with it first
//   delete user.role;                               // a field deleted
//   withPreviewRole(user, args.role);               // an app function that does one of these to its parameter (3 levels)
//   const same = user; same.role = "admin";         // a `const` or `let` initialized with it, changed
//   subject = owner;                                // a parameter (or binding) assigned another value
//   ctx.user.role = "admin"; ctx.user = owner;      // a builder's `ctx.user`, changed or replaced (through helpers given ctx too)
//
// Anywhere in the scope that declares the name (its function, callbacks included) before the
// decision; after it, only a change that may set the role (`user.lastSeen = Date.now()` after
// `guard.can(user, ...)` changes nothing the decision read): a field of the role's name, a field
// named by a value, `Object.assign` of anything but an object literal without it, an app function
// doing so. "After" is in the order the code runs: later in the source, in no loop (nor function
// called again) around both, not in a function declaration (hoisted), and the decision not in a
// function of its own (a closure may run later). Not followed: the row stored in an object, an
// array or a variable assigned later (`box.user = user; box.user.role = ...`), a dependency's
// function other than those listed, a method called on it.
import ts from "typescript";
import { valueSymbol } from "./facts-syntax.js";
import { callParameters, outermost } from "./paramflow.js";
import { isFunctionLike, skipOuter, within, type App } from "./program.js";
import { literalThrough } from "./config.js";

/** The decision a change is judged against: changes that run after it count only when they may set a role field (`roles`). */
export interface Since {
  decision: ts.Node;
  roles: ReadonlySet<string>;
  /** The scope of the decision's subject, where "after" is read (set by changedInPlace). */
  scope?: ts.Node;
}

const MUTATORS: Record<string, Set<string>> = {
  Object: new Set(["assign", "defineProperty", "defineProperties", "setPrototypeOf"]),
  Reflect: new Set(["set", "deleteProperty", "defineProperty", "setPrototypeOf"]),
};

/** The method of `call` when it is one of the global `Object`/`Reflect` methods that change their first argument (`MUTATORS`: `Object.assign`), else undefined. */
function globalMutator(app: App, call: ts.CallExpression): string | undefined {
  const callee = call.expression;
  return ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && MUTATORS[callee.expression.text]?.has(callee.name.text) === true && app.isGlobal(callee.expression) ? callee.name.text : undefined;
}

/**
 * Whether the value `name` holds (or its `field`: `ctx.user` for the parameter `ctx`) is changed in
 * place, or the name assigned again, in the scope declaring it (`since`: before that decision, or
 * after it in a way that may set the role; `roles`: only such changes count, at every use).
 */
export function changedInPlace(app: App, name: ts.Identifier, field?: string, depth = 0, own = true, since?: Since, roles?: ReadonlySet<string>): boolean {
  const symbol = app.symbol(name);
  const decl = symbol?.valueDeclaration;
  if (symbol === undefined || decl === undefined || depth > 3) return false;
  if (!ts.isParameter(decl) && !ts.isVariableDeclaration(decl) && !ts.isBindingElement(decl)) return false;
  if (!app.isAppCode(decl.getSourceFile())) return false;
  let scope: ts.Node = decl.parent;
  while (!ts.isParameter(decl) && !ts.isSourceFile(scope) && !isFunctionLike(scope)) scope = scope.parent;
  const judged = since === undefined ? undefined : { ...since, scope: since.scope ?? scope };
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(n) && n.text === name.text && n !== decl.name && valueSymbol(app, n) === symbol) {
      found = changes(app, n, field, depth, own, judged, roles ?? (judged !== undefined && runsAfter(n, judged.decision, judged.scope) ? judged.roles : undefined));
    } else ts.forEachChild(n, visit);
  };
  visit(scope);
  return found;
}

/** Whether `n` runs after `decision` whenever both run, in `scope` (one run of the subject's binding); see the file's comment. */
function runsAfter(n: ts.Node, decision: ts.Node, scope: ts.Node): boolean {
  if (n.getSourceFile() !== decision.getSourceFile() || n.getStart() < decision.end) return false;
  for (let a = decision.parent; a !== scope && a !== undefined; a = a.parent) if (isFunctionLike(a)) return false;
  for (let a = n.parent; a !== scope && a !== undefined; a = a.parent) {
    if (ts.isFunctionDeclaration(a) || ((ts.isIterationStatement(a, false) || isFunctionLike(a)) && within(decision, a))) return false;
  }
  return true;
}

/** Whether a write of `p` (`row.field`, `row[key]`) may set one of the role fields: the field by its name, a key computed. */
function setsRole(p: ts.PropertyAccessExpression | ts.ElementAccessExpression, roles: ReadonlySet<string>): boolean {
  if (ts.isPropertyAccessExpression(p)) return roles.has(p.name.text);
  return !ts.isStringLiteralLike(p.argumentExpression) || roles.has(p.argumentExpression.text);
}

/** Whether `Object.assign(row, ...)` and its kin may set a role field: anything but literal keys without one. */
function mutatorSetsRole(call: ts.CallExpression, method: string, roles: ReadonlySet<string>): boolean {
  const named = (e: ts.Expression | undefined) => e !== undefined && ts.isStringLiteralLike(e) && !roles.has(e.text);
  const literal = (e: ts.Expression) => ts.isObjectLiteralExpression(e) && e.properties.every((q) => !ts.isSpreadAssignment(q) && q.name !== undefined && (ts.isIdentifier(q.name) || ts.isStringLiteralLike(q.name)) && !roles.has(q.name.text));
  if (method === "assign") return !call.arguments.slice(1).every(literal);
  if (method === "defineProperties") return call.arguments[1] === undefined || !literal(call.arguments[1]);
  return method === "setPrototypeOf" || !named(call.arguments[1]);
}

/**
 * Whether the use `n` of the name changes the value it holds (`field`: the value of its field), or
 * (`own`: the subject's own name, not a helper's parameter or an alias given it) assigns the name;
 * with `roles`, only in a way that may set a role field (the use runs after the decision).
 */
function changes(app: App, n: ts.Identifier, field: string | undefined, depth: number, own: boolean, since: Since | undefined, roles: ReadonlySet<string> | undefined): boolean {
  if (own && assigned(n)) return roles === undefined;
  let ref: ts.Node = n;
  let rest = field; // `ctx` given on (to a helper, a `const`): its field is still to follow
  if (field !== undefined) {
    const p = outermost(n).parent;
    if ((ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p)) && p.expression === outermost(n)) {
      if (!ts.isPropertyAccessExpression(p) || p.name.text !== field) return false;
      // `ctx.user = other`: the object every holder of `ctx` sees, changed (after the decision, not the row decided on).
      if (assigned(p) || ts.isDeleteExpression(outermost(p).parent)) return roles === undefined;
      ref = p;
      rest = undefined;
    }
  }
  const at = outermost(ref);
  const p = at.parent;
  // `user.role = ...`, `user["role"] ??= ...`, `delete user.role`, `[user.role] = [...]`, `user.n++`.
  if ((ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p)) && p.expression === at) return rest === undefined && (assigned(p) || ts.isDeleteExpression(outermost(p).parent)) && (roles === undefined || setsRole(p, roles));
  if (ts.isCallExpression(p) && p.arguments.includes(at as ts.Expression)) {
    const index = p.arguments.indexOf(at as ts.Expression);
    const method = index === 0 ? globalMutator(app, p) : undefined;
    if (method !== undefined) return roles === undefined || mutatorSetsRole(p, method, roles);
    const fn = app.appFunction(p);
    if (fn === undefined) return false;
    // After a spread argument, which parameter takes it is not known.
    if (p.arguments.slice(0, index).some(ts.isSpreadElement)) return true;
    const param = callParameters(fn)[index];
    if (param === undefined) return false;
    // A rest or destructured parameter: what it does with the value is not read.
    if (!ts.isIdentifier(param.name) || param.dotDotDotToken !== undefined) return true;
    return changedInPlace(app, param.name, rest, depth + 1, false, undefined, roles);
  }
  // `const same = user` (or `let`): a change through it is a change of the row.
  if (ts.isVariableDeclaration(p) && p.initializer === at && ts.isIdentifier(p.name)) return changedInPlace(app, p.name, rest, depth + 1, false, since, roles);
  return false;
}

/** What `n` writes when it is an assignment (`=`, `+=`, `??=`, ...), a `++`/`--` or a `delete`: its target; undefined for any other node. */
export function writeTarget(n: ts.Node): ts.Expression | undefined {
  if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) return n.left;
  if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) return n.operand;
  return ts.isDeleteExpression(n) ? n.expression : undefined;
}

/** Whether `n` is written to: the left of an assignment (`=`, `+=`, `??=`, ...), `++`/`--`, a destructuring assignment's target, a `for ... of/in` variable. */
export function assigned(n: ts.Node): boolean {
  let at = outermost(n);
  // `[a, b.role] = ...`, `({ x: b.role, ...rest } = ...)`: climb to the assignment.
  while (ts.isArrayLiteralExpression(at.parent) || ts.isSpreadElement(at.parent) || ts.isSpreadAssignment(at.parent) || ts.isShorthandPropertyAssignment(at.parent) || (ts.isPropertyAssignment(at.parent) && at.parent.initializer === at) || ts.isObjectLiteralExpression(at.parent)) {
    at = outermost(at.parent);
  }
  const p = at.parent;
  if (ts.isBinaryExpression(p)) return p.left === at && p.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && p.operatorToken.kind <= ts.SyntaxKind.LastAssignment && (at === outermost(n) || p.operatorToken.kind === ts.SyntaxKind.EqualsToken);
  if (ts.isPrefixUnaryExpression(p) || ts.isPostfixUnaryExpression(p)) return (p.operator === ts.SyntaxKind.PlusPlusToken || p.operator === ts.SyntaxKind.MinusMinusToken) && at === outermost(n);
  if (ts.isForOfStatement(p) || ts.isForInStatement(p)) return p.initializer === at;
  return false;
}

/** Array methods that add to an array in place (or overwrite its elements): `sort`/`reverse` only reorder it, `pop`/`shift` only take from it. */
const ADDS = new Set(["push", "unshift", "splice", "fill", "copyWithin"]);

/**
 * Whether the array a name holds (rows kept by a JS filter, an array a loop pushes them into) is
 * changed in place in its scope but by the calls `allowed` accepts (a loop's own pushes): an
 * element or field assigned (`a[0] = x`, `a[a.length] = x`, `(a as any).extra = x`), a method
 * adding to it (`push`, `unshift`, `splice`, `fill`, `copyWithin`), handed to `Object.assign` and
 * its kin or to a call through `apply`/`call` (`Array.prototype.push.apply(a, rows)`), to an app
 * function that does one of these to its parameter, or a `const b = a` changed so; or one of its
 * rows changed (`changedInPlace`: a loop's variable over it, a method callback's element,
 * `a[0].x = ...`, `const r = a[0]`): attack40 F1.
 */
export function arrayChanged(app: App, name: ts.Identifier, allowed: (call: ts.CallExpression) => boolean = () => false, depth = 0): boolean {
  const symbol = app.symbol(name);
  const decl = symbol?.valueDeclaration;
  if (symbol === undefined || decl === undefined || depth > 3) return false;
  let scope: ts.Node = decl.parent;
  while (!ts.isParameter(decl) && !ts.isSourceFile(scope) && !isFunctionLike(scope)) scope = scope.parent;
  const row = (e: ts.Node) => ts.isIdentifier(e) && changedInPlace(app, e);
  // A use of one of its rows (`a[0]`): changed through a field, a mutator, or a `const` holding it.
  const element = (e: ts.Node): boolean => {
    const at = outermost(e);
    const p = at.parent;
    if ((ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p)) && p.expression === at) return assigned(p) || ts.isDeleteExpression(outermost(p).parent);
    if (ts.isCallExpression(p) && p.arguments[0] === at && mutator(p)) return true;
    return ts.isVariableDeclaration(p) && p.initializer === at && row(p.name);
  };
  const mutator = (call: ts.CallExpression) => {
    const callee = call.expression;
    return ts.isPropertyAccessExpression(callee) && (["apply", "call"].includes(callee.name.text) || globalMutator(app, call) !== undefined);
  };
  const changes = (n: ts.Identifier): boolean => {
    const at = outermost(n);
    const p = at.parent;
    if (assigned(at)) return true;
    if ((ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p)) && p.expression === at) {
      const call = outermost(p).parent;
      if (ts.isPropertyAccessExpression(p) && ts.isCallExpression(call) && call.expression === outermost(p)) {
        if (allowed(call)) return false;
        if (ADDS.has(p.name.text)) return true;
        // A callback's element (`a.forEach((r) => Object.assign(r, other))`; of `reduce`, its second parameter).
        const at = p.name.text.startsWith("reduce") ? 1 : 0;
        return call.arguments.some((f) => (ts.isArrowFunction(f) || ts.isFunctionExpression(f)) && f.parameters[at] !== undefined && row(f.parameters[at]!.name));
      }
      return assigned(p) || ts.isDeleteExpression(outermost(p).parent) || (ts.isElementAccessExpression(p) && element(p));
    }
    if (ts.isCallExpression(p) && p.arguments.includes(at as ts.Expression)) {
      const index = p.arguments.indexOf(at as ts.Expression);
      if ((index === 0 && mutator(p)) || ["apply", "call"].includes(ts.isPropertyAccessExpression(p.expression) ? p.expression.name.text : "")) return true;
      const fn = app.appFunction(p);
      const param = fn === undefined ? undefined : callParameters(fn)[index];
      if (fn === undefined || param === undefined) return false;
      return p.arguments.slice(0, index).some(ts.isSpreadElement) || !ts.isIdentifier(param.name) || param.dotDotDotToken !== undefined || arrayChanged(app, param.name, () => false, depth + 1);
    }
    if (ts.isForOfStatement(p) && p.expression === at) return ts.isVariableDeclarationList(p.initializer) && p.initializer.declarations[0] !== undefined && row(p.initializer.declarations[0].name);
    return ts.isVariableDeclaration(p) && p.initializer === at && ts.isIdentifier(p.name) && arrayChanged(app, p.name, allowed, depth + 1);
  };
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(n) && n.text === name.text && n !== (decl as ts.NamedDeclaration).name && valueSymbol(app, n) === symbol) found = changes(n);
    else ts.forEachChild(n, visit);
  };
  visit(scope);
  return found;
}

/**
 * Whether `fn` (its callbacks and the app functions it calls, 3 levels) may write one of `fields`
 * on any object: `x.visibility = ...` (`x["visibility"]`, a `const` key naming it, or a key it cannot read but a number's, `x[args.k]`; `delete`, `++`), or
 * `Object.assign` and its kin onto anything but a fresh literal with other than literal keys
 * without one (`Object.assign(row, { visibility: "public" })`): a filter by such a field then
 * keeps rows the function made match (attack40 F2).
 */
export function fieldWritten(app: App, fn: ts.Node, fields: ReadonlySet<string>, depth = 0, seen = new Set<ts.Node>()): boolean {
  if (seen.has(fn) || depth > 3) return false;
  seen.add(fn);
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    const element = ts.isElementAccessExpression(n) ? n.argumentExpression : undefined;
    const key = ts.isPropertyAccessExpression(n) ? n.name.text : element !== undefined ? literalThrough(app, element) : undefined;
    const written = (key !== undefined || element !== undefined) && (assigned(n) || ts.isDeleteExpression(outermost(n).parent));
    // A key it cannot read (`r[args.k] = "public"`) may name any field, as with `Reflect.set`; not an index (a number), nor on a `const` holding a fresh literal (`titles[p._id] = p.title`).
    if (written && (key !== undefined ? fields.has(key) : (app.checker.getTypeAtLocation(element!).flags & ts.TypeFlags.NumberLike) === 0 && !freshConst(app, (n as ts.ElementAccessExpression).expression))) found = true;
    else if (ts.isCallExpression(n)) {
      const target = n.arguments[0] === undefined ? undefined : skipOuter(n.arguments[0]);
      const fresh = target !== undefined && (ts.isObjectLiteralExpression(target) || ts.isArrayLiteralExpression(target));
      const method = globalMutator(app, n);
      const body = (app.appFunction(n) as { body?: ts.Node } | undefined)?.body;
      found = (method !== undefined && !fresh && mutatorSetsRole(n, method, fields)) || (body !== undefined && fieldWritten(app, body, fields, depth + 1, seen));
    }
    if (!found) ts.forEachChild(n, visit);
  };
  visit(fn);
  return found;
}

/** Whether `e` is a `const` holding an object or array literal: no row. */
function freshConst(app: App, e: ts.Expression): boolean {
  const x = skipOuter(e);
  const init = ts.isIdentifier(x) ? app.constInitializer(x) : undefined;
  return init !== undefined && (ts.isObjectLiteralExpression(skipOuter(init)) || ts.isArrayLiteralExpression(skipOuter(init)));
}
