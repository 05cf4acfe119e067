// Functions an app exports that another library wrote: its endpoints are that library's to
// review, not the app's. Recognized by where the maker is declared (its npm package, in a
// dependency's files), never by its name: an app function called `convexAuth` makes the app's
// own functions.
import ts from "typescript";
import { skipOuter, type App } from "./program.js";

/**
 * Convex Auth, either version. 0.0.x: `export const { auth, signIn, signOut, store,
 * isAuthenticated } = convexAuth({ ... })`. 2.0: `const auth = setupConvexAuth({ component:
 * components.auth }); export const { signOut, refreshSession, isAuthenticated } = auth;` and each
 * sign-in method's `export const { signInWithX, ... } = setupX(auth, { ... }).attachUserCallbacks({ ... })`.
 */
export const CONVEX_AUTH = "@convex-dev/auth";

/** What @convex-dev/auth declares that makes endpoints: 0.0.x's maker, 2.0's core and its methods'. */
const CONVEX_AUTH_MAKERS = new Set(["convexAuth", "setupConvexAuth", "attachUserCallbacks"]);

/**
 * The library whose maker made an export, or null: a name bound by destructuring a call of one
 * of {@link CONVEX_AUTH_MAKERS} that @convex-dev/auth declares (imported from
 * `@convex-dev/auth/server` or a method's module, or through a re-export of it), or a
 * module-level `const` holding such a call (2.0's `auth`).
 */
export function libraryOf(app: App, decl: ts.Node): string | null {
  if (!ts.isBindingElement(decl) || decl.dotDotDotToken !== undefined || !ts.isObjectBindingPattern(decl.parent)) return null;
  const holder = decl.parent.parent;
  if (!ts.isVariableDeclaration(holder) || holder.initializer === undefined) return null;
  const call = madeBy(app, skipOuter(holder.initializer));
  if (call === undefined) return null;
  // (`packageOf` never answers a package for the app's own code, whatever package.json is above it.)
  const maker = app.calleeFrom(call, CONVEX_AUTH)?.name;
  return maker !== undefined && CONVEX_AUTH_MAKERS.has(maker) ? CONVEX_AUTH : null;
}

/**
 * The call an initializer is: itself, or the initializer of the module-level `const` it names
 * (one step: `export const { signOut } = auth`, where `const auth = setupConvexAuth(...)`), when
 * its module leaves that object as the library made it (see {@link untouched}).
 */
function madeBy(app: App, value: ts.Expression): ts.CallExpression | undefined {
  if (ts.isCallExpression(value)) return value;
  if (!ts.isIdentifier(value)) return undefined;
  const decl = app.checker.getSymbolAtLocation(value)?.valueDeclaration;
  if (decl === undefined || !ts.isVariableDeclaration(decl) || decl.initializer === undefined) return undefined;
  const list = decl.parent;
  const moduleConst = ts.isVariableDeclarationList(list) && (list.flags & ts.NodeFlags.Const) !== 0 && ts.isSourceFile(list.parent.parent);
  if (!moduleConst || !ts.isIdentifier(decl.name)) return undefined;
  const init = skipOuter(decl.initializer);
  return ts.isCallExpression(init) && untouched(app, decl.name) ? init : undefined;
}

/**
 * Whether a module uses the library's object (2.0's `auth`) only as the library's endpoints
 * are made of it: destructured (`export const { signOut } = auth`), passed to a function
 * @convex-dev/auth declares (`setupPassword(auth, ...)`), a member called or destructured
 * (`auth.getUserId(ctx)`), exported by name, or named in a type. Any other use may swap an
 * endpoint before it is exported — a write to a member (`(auth as any).refreshSession =
 * mutation(...)`, `delete auth.x`), an alias (`const a = auth`), a call of anything else
 * (`Object.assign(auth, ...)`, the app's own `patch(auth)`) — so what the module exports of it
 * is then audited as the app's own. Read in the declaring module only: another module runs
 * after it has exported.
 */
function untouched(app: App, name: ts.Identifier): boolean {
  const symbol = app.checker.getSymbolAtLocation(name);
  let clean = true;
  const visit = (n: ts.Node): void => {
    if (!clean) return;
    if (ts.isIdentifier(n) && n !== name && n.text === name.text) {
      // `{ auth }` in an object literal names the property; its value is the object, handed on.
      const shorthand = ts.isShorthandPropertyAssignment(n.parent) && n.parent.name === n;
      const named = shorthand ? app.checker.getShorthandAssignmentValueSymbol(n.parent) : app.checker.getSymbolAtLocation(n);
      if (named === symbol && (shorthand || !harmless(app, n))) clean = false;
    }
    ts.forEachChild(n, visit);
  };
  visit(name.getSourceFile());
  return clean;
}

/** A use of the library's object that cannot change what it holds (see {@link untouched}). */
function harmless(app: App, use: ts.Identifier): boolean {
  const at = wrapped(use);
  const parent = at.parent;
  if (ts.isTypeQueryNode(parent) || ts.isExportSpecifier(parent)) return true;
  if (ts.isVariableDeclaration(parent) && parent.initializer === at) return ts.isObjectBindingPattern(parent.name);
  if (ts.isCallExpression(parent) && parent.arguments.includes(at as ts.Expression)) return app.calleeFrom(parent, CONVEX_AUTH) !== undefined;
  if (!(ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) || parent.expression !== at) return false;
  // A member (`auth.getUserId`, `auth.a.b`): called, destructured, or handed to the library.
  // Anything else may write it (`auth.x = `, `delete auth.x`, `[auth.x] = [...]`).
  const top = skipParents(parent);
  const holder = top.parent;
  if (ts.isCallExpression(holder)) return holder.expression === top || (holder.arguments.includes(top as ts.Expression) && app.calleeFrom(holder, CONVEX_AUTH) !== undefined);
  return ts.isVariableDeclaration(holder) && holder.initializer === top && ts.isObjectBindingPattern(holder.name);
}

/** The outermost member access (and wrapper) a member access is part of: `auth.a.b` for `auth.a`. */
function skipParents(node: ts.Node): ts.Node {
  let at = node;
  for (;;) {
    const p = at.parent;
    if (!isWrapper(p) && !((ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p)) && p.expression === at)) return at;
    at = p;
  }
}

/** Whether `node` only wraps its expression (parentheses, `as`, `!`, `satisfies`, `<T>`): its value is the expression's. */
function isWrapper(node: ts.Node): boolean {
  return ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node) || ts.isNonNullExpression(node) || ts.isTypeAssertionExpression(node);
}

/** `node` with the wrappers written around it ({@link isWrapper}): the outermost node whose value is `node`'s. */
function wrapped(node: ts.Node): ts.Node {
  while (isWrapper(node.parent)) node = node.parent;
  return node;
}
