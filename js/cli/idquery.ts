// One row found by an argument's id through a query rather than `ctx.db.get` (attack43 F4):
//
//   const p = await ctx.db.query("projects").filter((q) => q.eq(q.field("_id"), args.projectId)).unique();
//   await ctx.db.delete(p._id);   // the document argument 'projectId' names, as after ctx.db.get(args.projectId)
//
// The read rules already read an `_id` filter as a read by the argument's id (argflow.ts
// `returnedIdReads`); the write and delete rules read the row the same way (argflow.ts `readArg`).
// Only a query whose whole selection is that one `_id` equality counts: one narrowed by anything
// else too (a checked parent's index, `q.eq(q.field("ownerId"), user._id)`) selects by that as well.
import ts from "typescript";
import { CONVEX } from "./facts.js";
import { isDatabase } from "./facts-syntax.js";
import { skipOuter, type App } from "./program.js";

/** Query steps that select nothing (`.order("desc")`). */
const NEUTRAL = new Set(["order"]);

/**
 * The argument `ctx.db.query(t).filter((q) => q.eq(q.field("_id"), id)).unique()` (or `.first()`,
 * `withIndex("by_id", (q) => q.eq("_id", id))`) reads one row by, when that equality is its whole
 * selection; `idOf`: the argument an id value comes from (argflow.ts `idRoot`).
 */
export function queriedById(app: App, read: ts.Expression, idOf: (e: ts.Expression) => string | undefined): string | undefined {
  const end = skipOuter(read);
  if (!ts.isCallExpression(end) || !ts.isPropertyAccessExpression(end.expression) || !["unique", "first"].includes(end.expression.name.text)) return undefined;
  let arg: string | undefined;
  for (let node = skipOuter(end.expression.expression), depth = 0; depth < 8 && ts.isCallExpression(node); depth++) {
    const convex = app.calleeFrom(node, CONVEX);
    if (convex?.name === "query" && isDatabase(convex.owner)) return arg;
    if (!ts.isPropertyAccessExpression(node.expression)) return undefined;
    const step = node.expression.name.text;
    if (!NEUTRAL.has(step)) {
      const found = step === "filter" || step === "withIndex" ? idEquality(node.arguments[node.arguments.length - 1], idOf) : undefined;
      if (found === undefined || arg !== undefined) return undefined;
      arg = found;
    }
    node = skipOuter(node.expression.expression);
  }
  return undefined;
}

/** `(q) => q.eq(q.field("_id"), id)` (or `q.eq("_id", id)`, either side): the argument `id` comes from. */
function idEquality(callback: ts.Expression | undefined, idOf: (e: ts.Expression) => string | undefined): string | undefined {
  const fn = callback === undefined ? undefined : skipOuter(callback);
  if (fn === undefined || !ts.isArrowFunction(fn) || ts.isBlock(fn.body)) return undefined;
  const body = skipOuter(fn.body);
  if (!ts.isCallExpression(body) || !ts.isPropertyAccessExpression(body.expression) || body.expression.name.text !== "eq" || body.arguments.length !== 2) return undefined;
  const [a, b] = body.arguments.map((x) => skipOuter(x));
  const isId = (e: ts.Expression) => (ts.isStringLiteralLike(e) && e.text === "_id") || (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === "field" && e.arguments.length === 1 && ts.isStringLiteralLike(e.arguments[0]!) && e.arguments[0].text === "_id");
  return isId(a!) ? idOf(b!) : isId(b!) ? idOf(a!) : undefined;
}
