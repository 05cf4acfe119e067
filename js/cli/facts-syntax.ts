// The syntax questions the facts finder asks of a call: where an environment read points, what a
// literal says, whether a check's answer is used, tested or swallowed, whether a denial leaves
// the function, whether a call sits in a loop. Split from facts.ts (none over 400 lines).
import ts from "typescript";
import { boundTo, changesIn, ifLeavesOnDenial, onlyThrows, outer, receiver, swallowed, THROWS, variableAtom, type Denial, type Throwing } from "./flow.js";
import { callParameters, fieldOf } from "./paramflow.js";
import { isFunctionLike, propertyInit, skipOuter, type App, type Loc } from "./program.js";

export const ITERATING = new Set(["forEach", "map", "flatMap", "filter", "reduce", "some", "every"]);

/**
 * A callback that `forEach`, `map` and their kin run in place: its throw reaches the function
 * that passed it (an async one's through the `Promise.all` awaiting a `map`'s promises; one
 * nothing awaits is counted too, fail closed).
 */
export function runsInPlace(n: ts.Node): boolean {
  if (!(ts.isArrowFunction(n) || ts.isFunctionExpression(n)) || !ts.isCallExpression(n.parent) || !n.parent.arguments.includes(n)) return false;
  const callee = skipOuter(n.parent.expression);
  return ts.isPropertyAccessExpression(callee) && ITERATING.has(callee.name.text);
}

/** The variables an environment read names: `process.env.KEY`, `process.env["KEY"]`, `const { KEY } = process.env`; undefined when computed. */
export function envNames(read: ts.Node): string[] | undefined {
  const p = read.parent;
  if (ts.isPropertyAccessExpression(p) && p.expression === read) return [p.name.text];
  if (ts.isElementAccessExpression(p) && p.expression === read) return ts.isStringLiteralLike(p.argumentExpression) ? [p.argumentExpression.text] : undefined;
  if (ts.isVariableDeclaration(p) && p.initializer === read && ts.isObjectBindingPattern(p.name)) {
    const names = p.name.elements.map((e) => e.propertyName ?? e.name);
    return names.every((n) => ts.isIdentifier(n) || ts.isStringLiteral(n)) ? names.map((n) => (n as ts.Identifier | ts.StringLiteral).text) : undefined;
  }
  return undefined;
}

export function propertyValue(object: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const p of object.properties) {
    if (p.name === undefined || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) || p.name.text !== name) continue;
    if (ts.isPropertyAssignment(p)) return skipOuter(p.initializer);
    if (ts.isShorthandPropertyAssignment(p)) return p.name;
  }
  return undefined;
}

export function literalText(e: ts.Expression | undefined): string | undefined {
  return e !== undefined && ts.isStringLiteralLike(e) ? e.text : undefined;
}

export const GUARD_WRITES = new Set(["share", "revoke", "transferOwnership", "moveDocument", "insertDocument", "deleteDocument", "createGroup", "addGroupMember", "acceptGroupInvite", "leaveGroup", "removeGroupMember", "renameGroup"]); // the guard's writes: a change, as a `ctx.db` write (facts.ts `changes`)

/** Whether a call's member path (`app.memberPath`) is `ctx.scheduler.runAfter(...)` or `runAt(...)`: a function run later. */
export function schedules(path: readonly string[]): boolean {
  return path.at(-2) === "scheduler" && (path.at(-1) === "runAfter" || path.at(-1) === "runAt");
}

/** `GenericDatabaseWriter`, `BaseTableWriter`: the database, not file storage. */
export function isDatabase(owner: string): boolean {
  return owner.includes("Database") || owner.startsWith("BaseTable");
}

/** A write through the database: `insert(table, value)`, `patch([table,] id, value)`, `replace([table,] id, value)`. */
export interface Write extends Loc {
  method: "insert" | "patch" | "replace";
  table?: ts.Expression;
  target?: ts.Expression;
  value?: ts.Expression;
}

/**
 * The table a table-scoped database names (Convex 1.48): `"posts"` of `ctx.db.table("posts").delete(id)`,
 * also through a `const` holding the scoped database (`const posts = ctx.db.table("posts")`).
 */
export function scopedTable(app: App, call: ts.CallExpression): ts.Expression | undefined {
  const callee = skipOuter(call.expression);
  let receiver = ts.isPropertyAccessExpression(callee) ? skipOuter(callee.expression) : undefined;
  if (receiver !== undefined && ts.isIdentifier(receiver)) receiver = app.constInitializer(receiver);
  const table = receiver !== undefined && ts.isCallExpression(receiver) ? skipOuter(receiver.expression) : undefined;
  return table !== undefined && ts.isPropertyAccessExpression(table) && table.name.text === "table" && receiver !== undefined && ts.isCallExpression(receiver) ? receiver.arguments[0] : undefined;
}

/** What a database write names: its table (`insert`, the table-first forms, a table-scoped database's `scoped` table), the id and the value it writes. */
export function databaseWrite(callee: { name: string; owner: string }, call: ts.CallExpression, scoped?: ts.Expression): Omit<Write, "file" | "line"> | undefined {
  if (!isDatabase(callee.owner) || !(callee.name === "insert" || callee.name === "patch" || callee.name === "replace")) return undefined;
  const [a, b, c] = call.arguments;
  if (scoped !== undefined) return callee.name === "insert" ? { method: callee.name, table: scoped, value: a } : { method: callee.name, table: scoped, target: a, value: b };
  if (callee.name === "insert") return { method: callee.name, table: a, value: b };
  return c !== undefined ? { method: callee.name, table: a, target: b, value: c } : { method: callee.name, target: a, value: b };
}

/** ` "admin"` for `requireRole(ctx, "admin")`: the first string literal argument, for the report. */
export function firstLiteral(call: ts.CallExpression): string {
  const literal = call.arguments.find((a) => ts.isStringLiteral(a));
  return literal !== undefined && ts.isStringLiteral(literal) ? `("${literal.text}")` : "";
}

/**
 * A call's last argument, through `.call(this, ...)` and `.apply(this, [...])`: the role of
 * `requireRole(ctx, role)` and `roleAtLeast(user, role)` in every shape the guard's methods are
 * recognized in; a spread, or `.apply`'s computed list, when it cannot be read (judged as the lowest role).
 */
export function lastArgument(call: ts.CallExpression): ts.Expression | undefined {
  const callee = skipOuter(call.expression);
  let args: readonly ts.Expression[] = call.arguments;
  if (ts.isPropertyAccessExpression(callee) && callee.name.text === "apply") {
    const list = call.arguments[1] === undefined ? undefined : skipOuter(call.arguments[1]);
    if (list === undefined) return undefined;
    if (!ts.isArrayLiteralExpression(list)) return list;
    args = list.elements;
  }
  // A spread anywhere may fill the role's place: the spread, unreadable (taken as the lowest role: unreadrole.ts).
  return args.find((a) => ts.isSpreadElement(a)) ?? args[args.length - 1];
}

/**
 * Whether a denial from this call leaves the function: the branch an `if` takes when the call
 * denies (`null` identity, `false`, a decision with `ok: false`) always throws or returns —
 * on the call directly (`if (!(await ctx.auth.getUserIdentity())) throw ...`), through the
 * variable it initializes (`const identity = ...; if (identity === null) throw`), or through an
 * assertion function it is passed to (`assertSignedIn(identity)`, whose body is read the same
 * way). `if (identity) throw` (the wrong way round) is no check.
 */
export function exitsOnDenial(app: App, call: ts.CallExpression, denial: Denial, returnsAnswer = false, throwsOnly = false): boolean {
  const atom = (e: ts.Expression) => {
    if (skipOuter(e) === call) return denial === "decision" ? ("object" as const) : denial;
    if (ts.isPropertyAccessExpression(e) && skipOuter(e.expression) === call) {
      // `(await call).ok` of a decision is false; `(await call)?.email` of a missing identity undefined.
      if (denial === "decision") return e.name.text === "ok" ? false : ("unknown" as const);
      if (denial === null && e.questionDotToken !== undefined) return undefined;
    }
    return "unknown" as const;
  };
  let node: ts.Node = outer(call);
  while (
    ts.isPrefixUnaryExpression(node.parent) ||
    ts.isBinaryExpression(node.parent) ||
    ts.isParenthesizedExpression(node.parent) ||
    (ts.isPropertyAccessExpression(node.parent) && node.parent.expression === node)
  ) {
    node = node.parent;
  }
  // `throwsOnly`: only a throw leaves (a check in a helper, whose `return` the caller goes on from).
  if (ts.isIfStatement(node.parent) && node.parent.expression === node) return ifLeavesOnDenial(node.parent, atom, throwingIn(app), throwsOnly ? THROWS : undefined);
  const bound = boundTo(call);
  const body = enclosingFunction(call);
  if (bound === undefined || body === undefined) return false;
  // `returnsAnswer`: the answer (or a value made of it) returned on the denied branch is an exit too.
  return leavesOnDenialOf(app, body, bound.name, bound.field === "ok" ? false : denial, 0, throwsOnly ? THROWS : returnsAnswer && bound.field === undefined ? bound.name : undefined);
}

/**
 * A parameter of `helper` used as is (`key`, `id`) stands for the argument `call` passes it (by symbol: a
 * callback's parameter of the same name is not it); a property of one (`o.level`), the literal's (`{ level: "viewer" }`),
 * or that field of any other value passed (`args.id` of `loadFromArgs(ctx, args)`: paramflow.ts `fieldOf`).
 */
export function argumentFor(app: App, e: ts.Expression, helper: ts.SignatureDeclaration, call: ts.CallExpression): ts.Expression {
  const inner = skipOuter(e), o = ts.isPropertyAccessExpression(inner) ? skipOuter(argumentFor(app, inner.expression, helper, call)) : undefined;
  const p = o !== undefined && ts.isObjectLiteralExpression(o) && !o.properties.some(ts.isSpreadAssignment) ? o.properties.filter((q) => q.name !== undefined && ts.isIdentifier(q.name) && q.name.text === (inner as ts.PropertyAccessExpression).name.text).at(-1) : undefined;
  if (p !== undefined) return propertyInit(p) ?? e;
  if (o !== undefined && o !== skipOuter((inner as ts.PropertyAccessExpression).expression)) return fieldOf(o, (inner as ts.PropertyAccessExpression).name.text); // `args.id` of a helper given the handler's `args`
  if (!ts.isIdentifier(inner)) return e;
  const decl = valueSymbol(app, inner)?.valueDeclaration;
  const index = decl !== undefined && ts.isParameter(decl) && decl.parent === helper ? callParameters(helper).indexOf(decl) : -1;
  return index >= 0 && call.arguments[index] !== undefined ? call.arguments[index] : e;
}

/**
 * The symbol of the value a name stands for, through imports: in `{ key }` the variable's (or
 * parameter's), not the object literal's property's, which is what the checker answers there.
 */
export function valueSymbol(app: App, n: ts.Identifier): ts.Symbol | undefined {
  if (!(ts.isShorthandPropertyAssignment(n.parent) && n.parent.name === n)) return app.symbol(n);
  const s = app.checker.getShorthandAssignmentValueSymbol(n.parent);
  return s !== undefined && s.flags & ts.SymbolFlags.Alias ? app.checker.getAliasedSymbol(s) : s;
}

/** Whether a call's answer is thrown away: a statement of its own, or a variable never read. */
export function unused(call: ts.CallExpression): boolean {
  if (ts.isExpressionStatement(outer(call).parent)) return true;
  const bound = boundTo(call);
  const body = enclosingFunction(call);
  if (bound === undefined || body === undefined) return false;
  let read = false;
  const visit = (n: ts.Node): void => {
    if (read) return;
    if (ts.isIdentifier(n) && n.text === bound.name && n.pos > call.end && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) read = true;
    else ts.forEachChild(n, visit);
  };
  visit(body);
  return !read;
}

/**
 * `unauthorized()`: a call of an app function that throws on every path (`(): never`), also only
 * by calling another that does (`function deny() { refuse() }`), however deep; read once each.
 */
export function throwingIn(app: App): Throwing {
  const throwing: Throwing = (call) => {
    const fn = app.appFunction(call);
    if (fn === undefined || !("body" in fn) || fn.body === undefined) return false;
    let known = alwaysThrowing.get(fn);
    if (known === undefined) {
      alwaysThrowing.set(fn, false); // reached again while it is read (recursion): no throw of its own
      alwaysThrowing.set(fn, (known = onlyThrows(fn.body, throwing)));
    }
    return known;
  };
  return Object.assign(throwing, { changes: changesIn(app) }); // and what code changes: a denial's `return` after a change is no exit (flow.ts `leavesUnchanged`)
}
const alwaysThrowing = new WeakMap<ts.Node, boolean>();

/** Whether `body` leaves when the variable or parameter `name` holds a denial. */
export function leavesOnDenialOf(app: App, body: ts.Node, name: string, denial: Denial, depth: number, answer?: string): boolean {
  const atom = variableAtom(name, denial);
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isIfStatement(n) && ifLeavesOnDenial(n, atom, throwingIn(app), answer)) found = true;
    else if (ts.isCallExpression(n) && depth < 3 && assertsOnDenial(app, n, name, denial, depth, answer === THROWS)) found = true;
    else if (!isFunctionLike(n) || n === body) ts.forEachChild(n, visit);
  };
  visit(body);
  return found;
}

/**
 * `assertSignedIn(identity)`: an app function that leaves when its parameter holds a denial
 * (read from its body, whatever its `asserts` annotation claims), or a declared assertion
 * function (`asserts value`) of a dependency.
 */
export function assertsOnDenial(app: App, call: ts.CallExpression, name: string, denial: Denial, depth: number, throwsOnly = false): boolean {
  const index = call.arguments.findIndex((a) => {
    const e = skipOuter(a);
    return ts.isIdentifier(e) && e.text === name;
  });
  if (index < 0 || swallowed(call, enclosingFunction(call) ?? call, false)) return false;
  const fn = app.appFunction(call);
  if (fn !== undefined) {
    const param = callParameters(fn)[index]?.name;
    return param !== undefined && ts.isIdentifier(param) && leavesOnDenialOf(app, fn, param.text, denial, depth + 1, throwsOnly ? THROWS : undefined);
  }
  const target = app.calleeTarget(call.expression);
  const symbol = app.symbol(ts.isPropertyAccessExpression(target) ? target.name : target);
  return (symbol?.declarations ?? []).some((d) => {
    if (!ts.isFunctionDeclaration(d) && !ts.isMethodSignature(d) && !ts.isFunctionTypeNode(d)) return false;
    const param = callParameters(d)[index]?.name;
    return d.type !== undefined && ts.isTypePredicateNode(d.type) && d.type.assertsModifier !== undefined && param !== undefined && ts.isIdentifier(param) && d.type.parameterName.getText() === param.text;
  });
}

/**
 * Whether a call's answer decides something: a test reads its outcome. The answer is an object,
 * always truthy, so only a read of one of its fields counts (`r.ok`, `r.error`, `r?.["ok"]`),
 * or a name bound from such a field (`const ok = r.ok`, `const { ok: passed } = r`,
 * `const { ok } = await ...`, `const failed = !r.ok`, and copies of those), in an `if`, a `?:`,
 * the left of an `&&`/`||`, or a `switch` (its value or a `case`); or the answer (or a `const`
 * copy of it) given to `guard.assertConfirmed`. `if (r)`, `r ? a : b`, `r && ...` or
 * `switch (r)`, also through `const copy = r`, decide nothing.
 */
export function tested(call: ts.CallExpression): boolean {
  const inTest = (n: ts.Node, expr: ts.Node): boolean =>
    (ts.isIfStatement(n) && n.expression === expr) ||
    (ts.isConditionalExpression(n) && n.condition === expr) ||
    (ts.isBinaryExpression(n) && n.left === expr && (n.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken || n.operatorToken.kind === ts.SyntaxKind.BarBarToken));
  // The call tested in place: only through one of its fields (`(await call).ok ? ...`).
  const answer = outer(call);
  let field = false;
  // Up to the statement, which is tested too (`if (!(await call).ok) return`).
  for (let n: ts.Node = answer; n.parent !== undefined; n = n.parent) {
    if (n === answer && fieldObject(n.parent) === n) field = true;
    if (inTest(n.parent, n)) return field;
    if (ts.isStatement(n.parent)) break;
  }
  const body = enclosingFunction(call);
  if (body === undefined) return false;
  // `answers`: names holding the answer itself; `outcomes`: names holding a value one of its fields decides.
  const answers = new Set<string>();
  const outcomes = new Set<string>();
  const received = receiver(call);
  if (received !== undefined) bindAnswer(received, answers, outcomes);
  if (answers.size === 0 && outcomes.size === 0) return false;
  const isAnswer = (e: ts.Node): boolean => {
    const inner = skipOuter(e as ts.Expression);
    return ts.isIdentifier(inner) && answers.has(inner.text);
  };
  /** Whether an expression reads the answer's outcome: a field of the answer, or a name holding one. */
  const readsOutcome = (e: ts.Node | undefined): boolean => {
    if (e === undefined) return false;
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found) return;
      const object = fieldObject(n);
      if ((object !== undefined && isAnswer(object)) || (ts.isIdentifier(n) && outcomes.has(n.text) && !((ts.isPropertyAccessExpression(n.parent) || ts.isPropertyAssignment(n.parent)) && n.parent.name === n))) found = true;
      else ts.forEachChild(n, visit);
    };
    visit(e);
    return found;
  };
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isVariableDeclaration(n) && n.pos > call.end && (ts.getCombinedNodeFlags(n) & ts.NodeFlags.Const) !== 0 && n.initializer !== undefined) {
      if (isAnswer(n.initializer)) bindAnswer(n.name, answers, outcomes);
      else if (readsOutcome(n.initializer)) for (const name of bindingNames(n.name)) outcomes.add(name);
    }
    const tests = ts.isIfStatement(n)
      ? [n.expression]
      : ts.isConditionalExpression(n)
        ? [n.condition]
        : ts.isBinaryExpression(n) && inTest(n, n.left)
          ? [n.left]
          : ts.isSwitchStatement(n)
            ? [n.expression, ...n.caseBlock.clauses.map((c) => (ts.isCaseClause(c) ? c.expression : undefined))]
            : [];
    if (tests.some(readsOutcome)) found = true;
    else if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(skipOuter(n.expression)) && (skipOuter(n.expression) as ts.PropertyAccessExpression).name.text === "assertConfirmed" && n.arguments.some(isAnswer)) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(body);
  return found;
}

/** `r` of `r.ok`, `r?.ok` or `r["ok"]`: the object a field is read from. */
function fieldObject(n: ts.Node): ts.Expression | undefined {
  return ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n) ? n.expression : undefined;
}

/** What a declaration of the answer binds: `r` (the answer), `{ ok, error: e }` (its fields), `{ ...rest }` (the answer again). */
function bindAnswer(name: ts.BindingName, answers: Set<string>, outcomes: Set<string>): void {
  if (ts.isIdentifier(name)) answers.add(name.text);
  else if (ts.isObjectBindingPattern(name)) {
    for (const e of name.elements) {
      if (e.dotDotDotToken !== undefined && ts.isIdentifier(e.name)) answers.add(e.name.text);
      else for (const bound of bindingNames(e.name)) outcomes.add(bound);
    }
  }
}

/** The names a declaration binds: `x`, `{ ok: passed, error }`, `[first]`. */
export function bindingNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : bindingNames(e.name)));
}

/** Whether an expression refers to the same variable as `name` (by text within one function). */
export function mentions(expr: ts.Node, name: ts.Identifier): boolean {
  return mentionsName(expr, name.text);
}

/** Whether an expression mentions the variable `name` (not a member so named), outside the nodes `skip` passes over. */
export function mentionsName(expr: ts.Node, name: string, skip: (n: ts.Node) => boolean = () => false): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || skip(n)) return;
    if (ts.isIdentifier(n) && n.text === name && !isKeyName(n)) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(expr);
  return found;
}

/** Whether an identifier only names a property (`x.name`, the key of `{ name: value }`), not a variable. */
export function isKeyName(n: ts.Identifier): boolean {
  return (ts.isPropertyAccessExpression(n.parent) || ts.isPropertyAssignment(n.parent)) && n.parent.name === n;
}

export function enclosingFunction(node: ts.Node): ts.SignatureDeclaration | undefined {
  for (let n = node.parent; n !== undefined; n = n.parent) if (isFunctionLike(n)) return n;
  return undefined;
}

/** Whether a call runs in a loop of `fn`: a loop statement, or a callback of `forEach`/`map`. */
export function inLoop(call: ts.Node, fn: ts.Node): boolean {
  for (let n = call.parent; n !== undefined && n !== fn; n = n.parent) {
    if (ts.isForStatement(n) || ts.isForOfStatement(n) || ts.isForInStatement(n) || ts.isWhileStatement(n) || ts.isDoStatement(n)) return true;
    if (isFunctionLike(n) && ts.isCallExpression(n.parent)) {
      const callee = skipOuter(n.parent.expression);
      if (ts.isPropertyAccessExpression(callee) && ITERATING.has(callee.name.text)) return true;
    }
  }
  return false;
}

/**
 * How a report names the guard a call was made on: the receiver as written when it is a name
 * (`records` of `records.requireUser(...)`, `records.audit` of `records.audit.log(...)`), else
 * `guard` (a destructured method, a receiver computed in place).
 */
export function guardShown(call: ts.CallExpression, trail: boolean): string {
  const callee = skipOuter(call.expression);
  const text = ts.isPropertyAccessExpression(callee) ? callee.expression.getText() : "";
  return /^[A-Za-z_$][\w$]*(\.audit)?$/.test(text) && text.endsWith(".audit") === trail ? text : trail ? "guard.audit" : "guard";
}

/**
 * `throw new ConvexError(...)`: a throw whose data reaches the caller, as a return does (a
 * plain `Error`'s message is redacted for the caller in production, but kept in the logs).
 */
export function throwsConvexError(n: ts.Node): n is ts.ThrowStatement {
  if (!ts.isThrowStatement(n)) return false;
  const e = skipOuter(n.expression);
  return ts.isNewExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === "ConvexError";
}
