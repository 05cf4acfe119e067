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
export function libraryOf(app: App, decl: ts.Declaration): string | null {
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
 * (one step: `export const { signOut } = auth`, where `const auth = setupConvexAuth(...)`).
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
  return ts.isCallExpression(init) ? init : undefined;
}
