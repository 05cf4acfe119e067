// The Web Crypto check (webcrypto.ts) trusts the global `crypto.subtle.verify`. One line in any
// module the deployment loads replaces it for every route (`(crypto.subtle as any).verify =
// async () => true`, attack36 F8). So any assignment to the global `crypto` or what hangs from
// it (`crypto.subtle`, `crypto.subtle.verify`, `globalThis.crypto`, `SubtleCrypto.prototype`),
// through the app's `const`s, or an `Object.defineProperty`/`defineProperties`/`assign`/
// `setPrototypeOf` or `Reflect.set`/`defineProperty` on one (or on `globalThis`), anywhere in the
// app's code, voids the recognition for the whole app: the routes go back to `public-no-auth`,
// their message naming the first such change.
import ts from "typescript";
import { skipOuter, type App, type Loc } from "./program.js";
import { follow } from "./sigargs.js";
import { isGlobalName } from "./webcrypto.js";

const ROOTS = new Set(["crypto", "SubtleCrypto", "Crypto"]);
const DEFINES = new Set(["defineProperty", "defineProperties", "assign", "setPrototypeOf", "set"]);
const found = new WeakMap<App, { text: string; at: Loc } | null>();

/** The first change the app makes to the global Web Crypto (see above), or null. */
export function cryptoPatch(app: App): { text: string; at: Loc } | null {
  if (found.has(app)) return found.get(app)!;
  let first: { text: string; at: Loc } | null = null;
  const visit = (n: ts.Node): void => {
    if (first !== null) return;
    const target = changed(app, n);
    if (target !== undefined && reachesCrypto(app, target, ts.isCallExpression(n))) first = { text: n.getText().replace(/\s+/g, " ").slice(0, 80), at: app.loc(n) };
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

/** Whether `e` is the global `crypto`, `SubtleCrypto`, `Crypto` or a member of one, or `globalThis.crypto` (any member of `globalThis` by a computed key); `globalThis` itself when `whole` (`Object.defineProperty(globalThis, ...)`). */
function reachesCrypto(app: App, e: ts.Expression, whole: boolean): boolean {
  const path: string[] = [];
  let at = skipOuter(e);
  for (let depth = 0; depth < 8; depth++) {
    if (ts.isPropertyAccessExpression(at)) path.unshift(at.name.text);
    else if (ts.isElementAccessExpression(at)) path.unshift(ts.isStringLiteralLike(at.argumentExpression) ? at.argumentExpression.text : "?");
    else break;
    at = follow(app, at.expression);
  }
  if (!ts.isIdentifier(at) || !isGlobalName(app, at)) return false;
  if (ROOTS.has(at.text)) return true;
  return at.text === "globalThis" && (whole || path[0] === "crypto" || path[0] === "?" || ROOTS.has(path[0] ?? ""));
}
