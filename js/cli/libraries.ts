// Functions an app exports that another library wrote: its endpoints are that library's to
// review, not the app's. Recognized by where the maker is declared (its npm package, in a
// dependency's files), never by its name: an app function called `convexAuth` makes the app's
// own functions.
import ts from "typescript";
import { skipOuter, type App } from "./program.js";

/** Convex Auth: `export const { auth, signIn, signOut, store, isAuthenticated } = convexAuth({ ... })`. */
export const CONVEX_AUTH = "@convex-dev/auth";

/**
 * The library whose maker made an export, or null: a name bound by destructuring a call of
 * `convexAuth` that @convex-dev/auth declares (imported from `@convex-dev/auth/server`, or
 * through a re-export of it).
 */
export function libraryOf(app: App, decl: ts.Declaration): string | null {
  if (!ts.isBindingElement(decl) || decl.dotDotDotToken !== undefined || !ts.isObjectBindingPattern(decl.parent)) return null;
  const holder = decl.parent.parent;
  if (!ts.isVariableDeclaration(holder) || holder.initializer === undefined) return null;
  const call = skipOuter(holder.initializer);
  if (!ts.isCallExpression(call)) return null;
  const callee = skipOuter(call.expression);
  // (`packageOf` never answers a package for the app's own code, whatever package.json is above it.)
  return ts.isIdentifier(callee) && app.calleeFrom(call, CONVEX_AUTH)?.name === "convexAuth" ? CONVEX_AUTH : null;
}
