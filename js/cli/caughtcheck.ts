// A guard check an app helper makes in a `try` whose `catch` returns (attack33 A5): the helper
// turns the check's throw into an answer, and its caller goes on unless it leaves on that answer.
//
//   async function canSee(ctx, id) {
//     try { await guard.requireAccess(ctx, "documents", id, "viewer"); return true; } catch { return false; }
//   }
//   await canSee(ctx, docId); return await ctx.db.get(docId);            // checks nothing
//   if (!(await canSee(ctx, docId))) throw new ConvexError("forbidden");  // the check
//
// In a handler such a `catch` is a denial (the client gets its answer); in a helper it is a value.
import ts from "typescript";
import type { Facts } from "./facts.js";
import { exitsOnDenial } from "./facts-syntax.js";
import { isNullish, type Denial } from "./flow.js";
import { isFunctionLike, skipOuter, type App } from "./program.js";

/** The helper's facts as its call `call` makes them: its checks caught into a returned value dropped unless the caller leaves on that value. */
export function caughtHelper<F extends Pick<Facts, "auth" | "loose">>(app: App, call: ts.CallExpression, helper: ts.SignatureDeclaration, found: F): F {
  const caught = new Map(found.auth.map((a) => [a, a.guardCall === undefined ? undefined : catchReturn(a.guardCall, helper)]));
  const answers = [...caught.values()].filter((r) => r !== undefined);
  if (answers.length === 0) return found;
  // The value the helper answers on a denial: `false`, `null` (or nothing); anything else the caller cannot be read to leave on.
  const denial = answers.every((r) => r === false) ? false : answers.every((r) => r === null) ? null : undefined;
  if (denial !== undefined && exitsOnDenial(app, call, denial)) return found;
  const lost = found.auth.filter((a) => caught.get(a) !== undefined);
  const why = "whose throw the helper's catch turns into an answer the caller does not leave on";
  return { ...found, auth: found.auth.filter((a) => caught.get(a) === undefined), loose: [...found.loose, ...lost.map((a) => ({ kind: "auth" as const, via: a.via, at: a.at, why }))] };
}

/**
 * What a `catch` of a `try` around `node` in `helper` (itself, not a function inside it) returns:
 * `false`, `null` (`undefined` or a bare `return` too), "other"; undefined when no such `catch` returns.
 */
function catchReturn(node: ts.Node, helper: ts.Node): Denial | "other" | undefined {
  for (let n = node; n !== helper && n.parent !== undefined; n = n.parent) {
    const p = n.parent;
    if (p !== helper && isFunctionLike(p)) return undefined;
    if (!ts.isTryStatement(p) || p.tryBlock !== n || p.catchClause === undefined) continue;
    const values: (Denial | "other")[] = [];
    const visit = (x: ts.Node): void => {
      if (ts.isReturnStatement(x)) values.push(valueOf(x.expression));
      else if (!isFunctionLike(x)) ts.forEachChild(x, visit);
    };
    visit(p.catchClause.block);
    if (values.length > 0) return values.every((v) => v === values[0]) ? values[0] : "other";
  }
  return undefined;
}

function valueOf(e: ts.Expression | undefined): Denial | "other" {
  const x = e === undefined ? undefined : skipOuter(e);
  if (x === undefined || isNullish(x)) return null;
  return x.kind === ts.SyntaxKind.FalseKeyword ? false : "other";
}
