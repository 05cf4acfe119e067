// Which comparisons of a read document's field are an ownership check: only those with the
// caller's own identity.
//
//   const user = await guard.requireUser(ctx);
//   const doc = await ctx.db.get(args.id);
//   if (doc === null || doc.ownerId !== user._id) throw ...;   // the caller's id: a check
//   if (doc === null || doc.ownerId !== args.owner) throw ...; // the client's word: no check
//   if (doc?.title === "locked") throw ...;                    // no one's identity: no check
//
// The caller's id is the `_id` of the caller's row (subject.ts: `guard.requireUser`, `getUser`,
// `requireRole`, `requirePermission`, an app helper answering one of those, a builder's
// `ctx.user`), the `subject` or `tokenIdentifier` of `ctx.auth.getUserIdentity()`'s answer, or a
// `const` holding one (also destructured: `const { _id } = user`). Not `user?._id` (a missing
// user compares equal to a missing field). A comparison with one of the handler's arguments is
// kept apart: in a function another one runs or schedules, it is a check only where that call
// passes the caller's own id for it (follow.ts).
import ts from "typescript";
import { CONVEX } from "./facts.js";
import type { ArgFlow } from "./argflow.js";
import { subjectOf } from "./subject.js";
import { skipOuter, type App } from "./program.js";

/** The identity's fields that name the caller. */
const IDENTITY_IDS = new Set(["subject", "tokenIdentifier"]);

const EQUALITY = new Set([ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken]);

/** Whether `e` is the caller's own id (see above). */
export function isCallerId(app: App, e: ts.Expression, depth = 0): boolean {
  const x = skipOuter(e);
  if (depth > 4) return false;
  if (ts.isIdentifier(x)) {
    const init = app.constInitializer(x);
    if (init !== undefined) return isCallerId(app, init, depth + 1);
    // `const { _id: userId } = await guard.requireUser(ctx)`, `const { subject } = identity`.
    const decl = app.symbol(x)?.valueDeclaration;
    if (decl === undefined || !ts.isBindingElement(decl) || !ts.isObjectBindingPattern(decl.parent) || decl.dotDotDotToken !== undefined || decl.initializer !== undefined) return false;
    const list = decl.parent.parent;
    const key = decl.propertyName ?? decl.name;
    if (!ts.isVariableDeclaration(list) || list.initializer === undefined || (ts.getCombinedNodeFlags(list) & ts.NodeFlags.Const) === 0 || !(ts.isIdentifier(key) || ts.isStringLiteral(key))) return false;
    return idOf(app, key.text, list.initializer, depth);
  }
  return ts.isPropertyAccessExpression(x) && x.questionDotToken === undefined && idOf(app, x.name.text, x.expression, depth);
}

/** Whether the field `field` of `owner` is the caller's id: `_id` of the caller's row, `subject` or `tokenIdentifier` of the identity. */
function idOf(app: App, field: string, owner: ts.Expression, depth: number): boolean {
  if (field === "_id") return subjectOf(app, owner, 0) === "caller";
  return IDENTITY_IDS.has(field) && isIdentity(app, owner, depth + 1);
}

/** `ctx.auth.getUserIdentity()`'s answer, or a `const` holding it. */
function isIdentity(app: App, e: ts.Expression, depth: number): boolean {
  const x = skipOuter(e);
  if (ts.isIdentifier(x)) {
    const init = depth < 5 ? app.constInitializer(x) : undefined;
    return init !== undefined && isIdentity(app, init, depth + 1);
  }
  return ts.isCallExpression(x) && app.calleeFrom(x, CONVEX)?.name === "getUserIdentity";
}

/**
 * The comparisons (`===`, `!==`, `==`, `!=`) of a field of the variable `name` anywhere in `fn`:
 * whether one is with the caller's own id (an ownership check), and the handler's arguments
 * one is with (`doc.ownerId !== args.userId`).
 */
export function fieldComparisons(app: App, fn: ts.Node, name: string, flow?: ArgFlow): { caller: boolean; args: string[] } {
  const isField = (e: ts.Expression) => {
    e = skipOuter(e);
    return ts.isPropertyAccessExpression(e) && ts.isIdentifier(skipOuter(e.expression)) && (skipOuter(e.expression) as ts.Identifier).text === name;
  };
  const out = { caller: false, args: [] as string[] };
  const visit = (n: ts.Node): void => {
    if (out.caller) return;
    if (ts.isBinaryExpression(n) && EQUALITY.has(n.operatorToken.kind)) {
      for (const [field, other] of [[n.left, n.right], [n.right, n.left]] as const) {
        if (!isField(field)) continue;
        if (isCallerId(app, other)) out.caller = true;
        const arg = flow?.rootOf(other);
        if (arg !== undefined) out.args.push(arg);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(fn);
  return out;
}
