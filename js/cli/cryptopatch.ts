// The Web Crypto check (webcrypto.ts) trusts the global `crypto.subtle.verify`. One line in any
// module the deployment loads replaces it for every route (`(crypto.subtle as any).verify =
// async () => true`, attack36 F8). So any assignment to the global `crypto` or what hangs from
// it (`crypto.subtle`, `crypto.subtle.verify`, `globalThis.crypto`, `SubtleCrypto.prototype`),
// through the app's `const`s, or an `Object.defineProperty`/`defineProperties`/`assign`/
// `setPrototypeOf` or `Reflect.set`/`defineProperty` on one (or on `globalThis`), anywhere in the
// app's code, voids the recognition for the whole app: the routes go back to `public-no-auth`,
// their message naming the first such change. Reached also through destructuring (`const {
// subtle } = crypto`), `Object.getPrototypeOf(crypto.subtle)`, a parameter an app function is
// given the global in (or typed `SubtleCrypto`/`Crypto`), and the built-ins the check itself
// runs: `TextEncoder.prototype.encode` and `Promise.prototype.then` (the check awaits a promise).
import ts from "typescript";
import { skipOuter, type App, type Loc } from "./program.js";
import { follow } from "./sigargs.js";
import { isGlobalName } from "./webcrypto.js";

const ROOTS = new Set(["crypto", "SubtleCrypto", "Crypto"]);
/** Built-ins the check runs: a change to their prototype (or the global itself) voids it too. */
const RUN_BY_CHECK = new Set(["TextEncoder", "Promise"]);
const PROTOTYPE_OF = new Set(["getPrototypeOf"]);
/** Members of `SubtleCrypto`/`Crypto` the check uses (`s.verify = ...` on a parameter `s`). */
const ASKED = new Set(["verify", "importKey", "subtle", "?"]);
const DEFINES = new Set(["defineProperty", "defineProperties", "assign", "setPrototypeOf", "set"]);
const found = new WeakMap<App, { text: string; at: Loc } | null>();

/** The first change the app makes to the global Web Crypto (see above), or null. */
export function cryptoPatch(app: App): { text: string; at: Loc } | null {
  if (found.has(app)) return found.get(app)!;
  let first: { text: string; at: Loc } | null = null;
  const visit = (n: ts.Node): void => {
    if (first !== null) return;
    const target = changed(app, n);
    if ((target !== undefined && reachesCrypto(app, target, ts.isCallExpression(n))) || givesCrypto(app, n)) first = { text: n.getText().replace(/\s+/g, " ").slice(0, 80), at: app.loc(n) };
    else ts.forEachChild(n, visit);
  };
  for (const file of app.program.getSourceFiles()) if (app.isAppCode(file)) visit(file);
  found.set(app, first);
  return first;
}

/** What `n` changes: the left of an assignment, the object of `Object.defineProperty(o, ...)` and its kin. */
function changed(app: App, n: ts.Node): ts.Expression | undefined {
  if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) return n.left;
  if (!ts.isCallExpression(n) || n.arguments.length === 0) return undefined;
  const callee = skipOuter(n.expression);
  if (!ts.isPropertyAccessExpression(callee) || !DEFINES.has(callee.name.text)) return undefined;
  const owner = skipOuter(callee.expression);
  const global = ts.isIdentifier(owner) && (owner.text === "Object" || owner.text === "Reflect") && isGlobalName(app, owner);
  return global && (callee.name.text !== "set" || owner.text === "Reflect") ? n.arguments[0] : undefined;
}

/**
 * Whether `e` is the global `crypto`, `SubtleCrypto`, `Crypto` or a member of one (through
 * destructuring and `Object.getPrototypeOf` too), `TextEncoder`/`Promise` or under their
 * `prototype`, `globalThis.crypto` (any member of `globalThis` by a computed key); `globalThis`
 * itself when `whole` (`Object.defineProperty(globalThis, ...)`); a parameter typed
 * `SubtleCrypto` or `Crypto`.
 */
function reachesCrypto(app: App, e: ts.Expression, whole: boolean, depth = 0): boolean {
  const path: string[] = [];
  let at = skipOuter(e);
  for (let step = 0; step < 8; step++) {
    if (ts.isPropertyAccessExpression(at)) path.unshift(at.name.text);
    else if (ts.isElementAccessExpression(at)) path.unshift(ts.isStringLiteralLike(at.argumentExpression) ? at.argumentExpression.text : "?");
    else if (ts.isCallExpression(at) && at.arguments.length === 1 && PROTOTYPE_OF.has(methodName(at))) {
      path.unshift("prototype");
      at = follow(app, at.arguments[0]!);
      continue;
    } else break;
    at = follow(app, at.expression);
  }
  if (!ts.isIdentifier(at)) return false;
  // A parameter's type is asked only when a member the check uses is written (or defined on it).
  if (!isGlobalName(app, at)) return depth < 4 && bound(app, at, depth, whole || ASKED.has(path[0] ?? ""));
  if (ROOTS.has(at.text)) return true;
  if (RUN_BY_CHECK.has(at.text)) return path.length === 0 || path[0] === "prototype" || path[0] === "?";
  if (at.text !== "globalThis") return false;
  return whole || path[0] === "crypto" || path[0] === "?" || ROOTS.has(path[0] ?? "") || (RUN_BY_CHECK.has(path[0] ?? "") && (path.length === 1 || path[1] === "prototype"));
}

/** `getPrototypeOf` of `Object.getPrototypeOf(x)` or `Reflect.getPrototypeOf(x)`. */
function methodName(call: ts.CallExpression): string {
  const callee = skipOuter(call.expression);
  return ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && ["Object", "Reflect"].includes(callee.expression.text) ? callee.name.text : "";
}

/** A name bound by destructuring what reaches the global (`const { subtle } = crypto`), or a parameter typed `SubtleCrypto`/`Crypto` (or `typeof crypto...`). */
function bound(app: App, id: ts.Identifier, depth: number, typed: boolean): boolean {
  const decl = app.symbol(id)?.valueDeclaration;
  if (decl !== undefined && ts.isBindingElement(decl)) {
    let top: ts.Node = decl;
    while (ts.isBindingElement(top) || ts.isObjectBindingPattern(top) || ts.isArrayBindingPattern(top)) top = top.parent;
    return ts.isVariableDeclaration(top) && top.initializer !== undefined && reachesCrypto(app, top.initializer, false, depth + 1);
  }
  // A parameter declared to hold it: `s: SubtleCrypto`, `c: Crypto`, `s: typeof crypto.subtle`.
  if (!typed || decl === undefined || !ts.isParameter(decl) || decl.type === undefined) return false;
  const t = decl.type;
  if (ts.isTypeReferenceNode(t)) return ts.isIdentifier(t.typeName) && ROOTS.has(t.typeName.text);
  let name: ts.EntityName | undefined = ts.isTypeQueryNode(t) ? t.exprName : undefined;
  while (name !== undefined && ts.isQualifiedName(name)) name = name.left;
  return name !== undefined && (name.text === "crypto" || name.text === "globalThis");
}

/** A call handing the global Web Crypto (`crypto`, `crypto.subtle`) to an app function that changes the parameter it lands in. */
function givesCrypto(app: App, n: ts.Node): boolean {
  if (!ts.isCallExpression(n) || !n.arguments.some((a) => !ts.isSpreadElement(a) && reachesCrypto(app, a, false))) return false;
  const fn = app.appFunction(n);
  if (fn === undefined || !("body" in fn) || fn.body === undefined) return false;
  const params = new Set<ts.Symbol>();
  fn.parameters.forEach((p, i) => {
    const a = n.arguments[i];
    const symbol = ts.isIdentifier(p.name) ? app.symbol(p.name) : undefined;
    if (a !== undefined && symbol !== undefined && !ts.isSpreadElement(a) && reachesCrypto(app, a, false)) params.add(symbol);
  });
  // `s.verify = ...` (a member of it), `Object.defineProperty(s, ...)` (it or a member).
  const writes = (x: ts.Node): boolean => {
    const target = changed(app, x);
    let root = target === undefined ? undefined : skipOuter(target);
    while (root !== undefined && (ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root))) root = skipOuter(root.expression);
    const symbol = root !== undefined && ts.isIdentifier(root) && (ts.isCallExpression(x) || root !== skipOuter(target!)) ? app.symbol(root) : undefined;
    return (symbol !== undefined && params.has(symbol)) || ts.forEachChild(x, (c) => writes(c) || undefined) === true;
  };
  return params.size > 0 && writes(fn.body);
}
