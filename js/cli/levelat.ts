// `guard.levelAtLeast(r.accessLevel, "editor")` is a document check at that level when its
// denial leaves, as strong as `readable(ctx, t, id, "editor")`: `r` is a `readable` or
// `requireAccess` answer of the same function, and its `accessLevel` is the caller's level on
// that one document. The shape of refusing an edit as a value, with an audit row:
//
//   const r = await guard.readable(ctx, "posts", args.id);
//   if (r === null) throw new ConvexError("not found");
//   if (!guard.levelAtLeast(r.accessLevel, "editor")) { await guard.audit.log(ctx, ...); return { ok: false }; }
//   await ctx.db.patch(r.doc._id, { title: args.title });   // checked at "editor"
//
// The level is the answer's by symbol (`r.accessLevel` of `const r = await guard.readable(...)`,
// or `const { accessLevel } = await guard.requireAccess(...)`), never by name: a level written
// literally, another function's answer or a `let` decides about no document.
import ts from "typescript";
import { enclosingFunction, exitsOnDenial } from "./facts-syntax.js";
import { GUARD, skipOuter, type App } from "./program.js";

/** The guard calls whose answer carries the caller's `accessLevel` on the document they name. */
const LEVEL_ANSWERS = new Set(["readable", "requireAccess"]);

/**
 * The `readable` or `requireAccess` call (in the same function) whose answer's `accessLevel` the
 * `levelAtLeast` call `call` compares, when a denial (`false`) leaves the function (an `if` that
 * throws or returns no data, as `can`'s exits: facts-syntax.ts `exitsOnDenial`); else undefined.
 */
export function leveledAnswer(app: App, call: ts.CallExpression): ts.CallExpression | undefined {
  const level = call.arguments[0] === undefined ? undefined : skipOuter(call.arguments[0]);
  const answer = level === undefined ? undefined : answerOf(app, level);
  if (answer === undefined || enclosingFunction(answer) !== enclosingFunction(call)) return undefined;
  return exitsOnDenial(app, call, false) ? answer : undefined;
}

/** The guard call whose answer a level is the `accessLevel` of: `r.accessLevel` (`r?.accessLevel`) of a `const r`, or a destructured `const { accessLevel }`. */
function answerOf(app: App, level: ts.Expression): ts.CallExpression | undefined {
  let holder: ts.Node | undefined;
  if (ts.isPropertyAccessExpression(level) && level.name.text === "accessLevel") {
    const r = skipOuter(level.expression);
    const decl = ts.isIdentifier(r) ? app.symbol(r)?.valueDeclaration : undefined;
    if (decl !== undefined && ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name)) holder = decl;
  } else if (ts.isIdentifier(level)) {
    const decl = app.symbol(level)?.valueDeclaration;
    const element = decl !== undefined && ts.isBindingElement(decl) && decl.dotDotDotToken === undefined ? decl : undefined;
    const key = element === undefined ? undefined : (element.propertyName ?? element.name);
    if (key !== undefined && ts.isIdentifier(key) && key.text === "accessLevel" && ts.isObjectBindingPattern(element!.parent)) holder = element!.parent.parent;
  }
  if (holder === undefined || !ts.isVariableDeclaration(holder) || holder.initializer === undefined || (ts.getCombinedNodeFlags(holder) & ts.NodeFlags.Const) === 0) return undefined;
  const made = skipOuter(holder.initializer);
  return ts.isCallExpression(made) && LEVEL_ANSWERS.has(app.calleeFrom(made, GUARD)?.name ?? "") ? made : undefined;
}
