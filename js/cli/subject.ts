// Whose decision a `guard.can(subject, ...)` or `guard.roleAtLeast(subject, ...)` is. Left on a
// denial it is a check of the caller only when its subject is the caller's own row:
//
//   const user = await guard.requireUser(ctx);             // or getUser, requireRole, requirePermission
//   if (!guard.can(user, "delete:posts")) throw ...;        // the caller: a check
//   if (!guard.can(user.role, "delete:posts")) throw ...;   // the caller's role field: a check
//   if (!guard.can(ctx.user, "delete:posts")) throw ...;    // a builder's (customCtx's) ctx.user: a check
//   if (!guard.can("admin", "delete:posts")) throw ...;     // a role name: always true, no check
//   if (!guard.roleAtLeast(owner, "admin")) throw ...;      // another row (an argument's, a read's): no check
//
// The caller's row is a guard call answering it (`requireUser`, `getUser`, `requireRole`,
// `requirePermission`), `ctx.user` (the first parameter's `user`, as the guard's builders and
// `customCtx` give it), an app function every answer of which is one of those (or null), a
// `const` holding one (also destructured from an array or `Promise.all([...])`), or its role field
// (`users.roleField` of any guard, or the claim of `users.roleClaim` alone, also destructured; with
// `roleClaim` beside a row setup no field of the row is its role). A parameter of the function
// making the decision is judged where that function is called, by what the call passes (a helper
// `assertCan(user, permission)`); anything else (a string, a row read by an id, a `let`, a
// handler's argument, a row the app looks up from the identity itself) is not the caller's, and
// neither is a row written over (before the decision, or after it in a way that may set the role)
// or a parameter assigned another value (changed.ts).
import ts from "typescript";
import { CALLER, type AuthCheck } from "./facts.js";
import { changedInPlace } from "./changed.js";
import { isNullish } from "./flow.js";
import { appGuards } from "./guards.js";
import { callParameters } from "./paramflow.js";
import { GUARD, skipOuter, type App } from "./program.js";
import { tableNames } from "./writes.js";
import { element } from "./values.js";

/** A decision's subject: the caller's row, another value, or a parameter judged where its function is called. */
export type Subject = "caller" | "other" | ts.Identifier;

/** The subject of a decision call (its first argument, through `.call(this, ...)` and `.apply(this, [...])`). */
export function decisionSubject(app: App, call: ts.CallExpression): Subject {
  const callee = skipOuter(call.expression);
  const method = ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
  const list = method === "apply" && call.arguments[1] !== undefined ? skipOuter(call.arguments[1]) : undefined;
  const first = method === "call" ? call.arguments[1] : method === "apply" ? (list !== undefined && ts.isArrayLiteralExpression(list) ? list.elements[0] : undefined) : call.arguments[0];
  return subjectOf(app, first, 0);
}

/**
 * What `e` is: the caller's row (or its role), a parameter to judge at the call, or something else.
 * `site`: where the decision takes it (`e` itself, before the `const`s it is read through): a
 * change of the row after it counts only when it may set the role (changed.ts).
 */
export function subjectOf(app: App, e: ts.Expression | undefined, depth: number, site: ts.Node | undefined = e): Subject {
  if (e === undefined || site === undefined || depth > 4 || ts.isSpreadElement(e)) return "other";
  const x = skipOuter(e);
  const since = { decision: site, roles: roleFields(app) };
  if (ts.isCallExpression(x)) {
    if (CALLER.has(app.calleeFrom(x, GUARD)?.name ?? "")) return "caller";
    return answersCaller(app, x, depth) ? "caller" : "other";
  }
  if (ts.isIdentifier(x)) {
    // The caller's row written over (`user.role = args.role`), a parameter assigned another row: not the caller's (changed.ts).
    if (changedInPlace(app, x, undefined, 0, true, since)) return "other";
    const init = app.constInitializer(x);
    if (init !== undefined) return subjectOf(app, init, depth + 1, site);
    const decl = app.symbol(x)?.valueDeclaration;
    if (decl !== undefined && ts.isParameter(decl) && ts.isIdentifier(decl.name)) return x;
    if (decl !== undefined && ts.isBindingElement(decl) && decl.dotDotDotToken === undefined && ts.isVariableDeclaration(decl.parent.parent)) {
      const from = decl.parent.parent.initializer;
      const isConst = (ts.getCombinedNodeFlags(decl.parent.parent) & ts.NodeFlags.Const) !== 0;
      // A default (`const { role = args.role } = ...`) stands in for a missing field: not the caller's.
      if (!isConst || from === undefined || decl.initializer !== undefined) return "other";
      if (ts.isObjectBindingPattern(decl.parent)) {
        const key = decl.propertyName ?? decl.name;
        if (!ts.isIdentifier(key)) return "other";
        // `const { user } = ctx` in a builder's handler, unless that `ctx.user` is written over.
        if (key.text === "user" && firstParameter(app, from)) return changedInPlace(app, rootName(app, from), "user", 0, true, since) ? "other" : "caller";
        // `const { role } = await guard.requireUser(ctx)`: the caller's role field.
        return roleFields(app).has(key.text) ? subjectOf(app, from, depth + 1, site) : "other";
      }
      // `const [user, post] = await Promise.all([guard.requireUser(ctx), ...])`.
      return subjectOf(app, element(app, from, decl.parent.elements.indexOf(decl)), depth + 1, site);
    }
    return "other";
  }
  if (ts.isPropertyAccessExpression(x) && x.questionDotToken === undefined) {
    if (x.name.text === "user" && firstParameter(app, x.expression)) return changedInPlace(app, rootName(app, x.expression), "user", 0, true, since) ? "other" : "caller";
    if (roleFields(app).has(x.name.text)) return subjectOf(app, x.expression, depth + 1, site);
  }
  return "other";
}

/** The name a chain of `const` copies starts from (`ctx` of `const c = ctx`): its uses include every copy's. */
function rootName(app: App, e: ts.Expression, depth = 0): ts.Identifier {
  const x = skipOuter(e) as ts.Identifier;
  const init = depth < 8 ? app.constInitializer(x) : undefined;
  return init !== undefined && ts.isIdentifier(init) ? rootName(app, init, depth + 1) : x;
}

/** The value a name destructured from an array holds (`doc` of `const [me, doc] = await Promise.all([guard.requireUser(ctx), ctx.db.get(args.id)])`: attack48 F10), as {@link element} reads it; not a rest, a default or a `let`. */
export function arrayElement(app: App, x: ts.Identifier): ts.Expression | undefined {
  const decl = app.symbol(x)?.valueDeclaration;
  if (decl === undefined || !ts.isBindingElement(decl) || !ts.isArrayBindingPattern(decl.parent) || decl.dotDotDotToken !== undefined || decl.initializer !== undefined) return undefined;
  const list = decl.parent.parent;
  if (!ts.isVariableDeclaration(list) || list.initializer === undefined || (ts.getCombinedNodeFlags(list) & ts.NodeFlags.Const) === 0) return undefined;
  const at = element(app, list.initializer, decl.parent.elements.indexOf(decl));
  return at === undefined ? undefined : skipOuter(at);
}

/** Whether `e` is a function's `ctx` (its first parameter, typed with `db` or `auth`), or a `const` holding it. */
function firstParameter(app: App, e: ts.Expression, depth = 0): boolean {
  const x = skipOuter(e);
  if (!ts.isIdentifier(x) || depth > 8) return false; // `const a = b; const b = a`: no end
  const init = app.constInitializer(x);
  if (init !== undefined) return firstParameter(app, init, depth + 1);
  const decl = app.symbol(x)?.valueDeclaration;
  if (decl === undefined || !ts.isParameter(decl) || !ts.isIdentifier(decl.name) || callParameters(decl.parent)[0] !== decl) return false;
  const type = app.checker.getTypeAtLocation(decl);
  return type.getProperty("db") !== undefined || type.getProperty("auth") !== undefined;
}

/** Whether `call` is of an app function every answer of which is the caller's row, `null` or `undefined`. */
function answersCaller(app: App, call: ts.CallExpression, depth: number): boolean {
  const fn = app.appFunction(call);
  const body = fn !== undefined && "body" in fn ? fn.body : undefined;
  if (body === undefined) return false;
  const answers: (ts.Expression | undefined)[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isReturnStatement(n)) answers.push(n.expression);
    else if (!ts.isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  if (ts.isBlock(body)) visit(body);
  else answers.push(body as ts.Expression);
  return answers.length > 0 && answers.every((a) => a !== undefined && (isNullish(a) || subjectOf(app, a, depth + 1) === "caller"));
}

/** The caller's role fields of the app's guards (`role` by default; none for `roleClaim` beside rows). */
function roleFields(app: App): Set<string> {
  let known = fields.get(app);
  if (known === undefined) {
    const guards = appGuards(app);
    const named = (guards.length === 0 ? [undefined] : guards).map((g) => tableNames(app, g).callerRole);
    fields.set(app, (known = new Set(named.filter((f): f is string => f !== undefined))));
  }
  return known;
}
const fields = new WeakMap<App, Set<string>>();

/**
 * A helper's decisions seen from its call: a subject that was the helper's parameter is judged
 * by the argument `passed` gives for it (the caller's row: a check; a parameter of this function:
 * judged at its own call; anything else: no check of the caller, dropped).
 */
export function passSubjects(app: App, auth: AuthCheck[], passed: (e: ts.Expression) => ts.Expression): AuthCheck[] {
  const out: AuthCheck[] = [];
  for (const a of auth) {
    if (a.subject === undefined) out.push(a);
    else {
      const given = passed(a.subject);
      const now = given === a.subject ? "other" : subjectOf(app, given, 0);
      if (now !== "other") out.push({ ...a, subject: now === "caller" ? undefined : now });
    }
  }
  return out;
}
