// "Its author, or whoever may moderate it", for `unchecked-id-delete` and `unchecked-id-write`: a
// document check made only where the caller is not the changed row's owner covers the change as
// one made on every path would, the owner comparison covering the others (newuser24):
//
//   const comment = await getOrThrow(ctx, args.commentId);
//   if (comment.authorId !== user._id) {
//     await requireTaskAccess(ctx, comment.taskId, "owner");    // the check, on the not-author's path
//     await guard.audit.log(ctx, { ... });
//   }
//   await ctx.db.delete(comment._id);                            // covered
//
// Read only in that shape: an `if` with no `else`, its test the comparison `!==` (or `!=`) of a
// field of the row the change's argument read (argflow.ts `readBy`) with the caller's own id
// (callerid.ts), the check a statement of its branch itself (`await check(...)`, or a `const`
// holding its answer), not in a further condition; the change after the `if`, in the block
// holding it. Which checks cover the row is the caller's to say (parentcover.ts).
import ts from "typescript";
import { readBy, type ArgFlow } from "./argflow.js";
import { isCallerId } from "./callerid.js";
import type { AuthCheck } from "./facts.js";
import { skipOuter, within, type App } from "./program.js";

/** Whether check `a`, made on some paths only, is made on every path to `change` (of the row argument `arg` read) on which the caller is not that row's owner. */
export function checkedUnlessOwner(app: App, flow: ArgFlow, a: AuthCheck, arg: string, change: ts.Node): boolean {
  const branch = branchStatement(a.target);
  const test = branch === undefined ? undefined : ifOf(branch);
  if (test === undefined || !ts.isBlock(test.parent) || change.pos < test.end || !within(change, test.parent)) return false;
  const cond = skipOuter(test.expression);
  if (!ts.isBinaryExpression(cond) || (cond.operatorToken.kind !== ts.SyntaxKind.ExclamationEqualsEqualsToken && cond.operatorToken.kind !== ts.SyntaxKind.ExclamationEqualsToken)) return false;
  const owned = (field: ts.Expression, id: ts.Expression) => {
    const f = skipOuter(field);
    return ts.isPropertyAccessExpression(f) && f.name.text !== "_id" && isCallerId(app, id) && readBy(app, flow, f, true) === arg;
  };
  return owned(cond.left, cond.right) || owned(cond.right, cond.left);
}

/** The statement a check's call makes (`await requireTaskAccess(ctx, c.taskId, "owner")`, `const r = await guard.readable(...)`), when nothing but `await` and parentheses stand between. */
function branchStatement(target: ts.Expression | undefined): ts.Statement | undefined {
  let n: ts.Node | undefined = target?.parent;
  if (n === undefined || !ts.isCallExpression(n)) return undefined;
  while (ts.isAwaitExpression(n.parent) || ts.isParenthesizedExpression(n.parent)) n = n.parent;
  if (ts.isExpressionStatement(n.parent)) return n.parent;
  const decl = n.parent;
  return ts.isVariableDeclaration(decl) && decl.initializer === n && ts.isVariableStatement(decl.parent.parent) ? decl.parent.parent : undefined;
}

/** The `if` (with no `else`) whose branch `statement` is, or a statement of. */
function ifOf(statement: ts.Statement): ts.IfStatement | undefined {
  const up = ts.isBlock(statement.parent) ? statement.parent.parent : statement.parent;
  const branch = ts.isBlock(statement.parent) ? statement.parent : statement;
  return ts.isIfStatement(up) && up.thenStatement === branch && up.elseStatement === undefined ? up : undefined;
}
