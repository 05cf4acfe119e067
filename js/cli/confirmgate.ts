// Whether a confirmation or an audit row covers a delete (rule destructive-unconfirmed): made
// is not enough. A `guard.consumeConfirmation` covers a delete its answer decides (a failure
// leaves before it, or the delete runs only on a success), made on every path to it, and bound
// to the id it deletes; an audit row covers one it is written on every path to. Judged when
// the call and the delete are in one function; anything else (a helper's consume, a builder's
// audit row) the audit cannot place, and it stays covered.
import ts from "typescript";
import { failure } from "./answerflow.js";
import { ArgFlow, readBy, resolveValue } from "./argflow.js";
import { checkedUnlessOwner } from "./eitheror.js";
import type { AuthCheck, Facts } from "./facts.js";
import { boundTo, truthWhenDenied, valueWhenDenied } from "./flow.js";
import { enclosingFunction, exitsOnDenial, propertyValue } from "./facts-syntax.js";
import { handsOnOk, leaves, rollbacksOf, rollbackThrows, switchOnDenial } from "./rollback.js";
import { GUARD, isFunctionLike, skipOuter, type App } from "./program.js";

/** A delete as the facts hold it: its call (`ctx.db.delete`, `guard.forgetUser`) and the id it deletes. */
export interface Deleted {
  call?: ts.Node;
  target?: ts.Expression;
}
/** Why a confirmation or an audit row leaves a delete open, or undefined when it covers it (or the audit cannot tell). */
export type Gate = (d: Deleted) => string | undefined;

/** Whether `inner` is `outer` or inside it. */
const within = (inner: ts.Node, outer: ts.Node) => inner.getSourceFile() === outer.getSourceFile() && inner.pos >= outer.pos && inner.end <= outer.end;

/** How the `guard.consumeConfirmation` `call` covers a delete: see the top of this file. */
export function confirmationGate(app: App, call: ts.CallExpression): Gate {
  return (d) => {
    const body = enclosingFunction(call);
    if (body === undefined || d.call === undefined || !within(d.call, body)) return undefined;
    // A throw on a failure leaves before the delete or rolls it back (confirmation-rollback reports it).
    const throws: Parameters<typeof rollbacksOf>[2] = [];
    rollbacksOf(app, call, throws, "");
    if (throws.length > 0) return undefined;
    if (d.call.pos < call.pos || !decided(body, call, d.call)) {
      return somePathsOnly(call, d.call, madeOrLeft(app, "consumeConfirmation")) ? "but its confirmation (guard.consumeConfirmation) is made on some paths only" : "but its confirmation (guard.consumeConfirmation) does not decide whether the delete runs (no path on which it fails leaves before it)";
    }
    const flow = new ArgFlow(app, body);
    const args = call.arguments[1] === undefined ? undefined : resolveValue(app, call.arguments[1]);
    const target = args !== undefined && ts.isObjectLiteralExpression(args) ? propertyValue(args, "target") : undefined;
    const [confirmed, deleted] = [target, d.target].map((e) => (e !== undefined && plain(e) ? flow.rootOf(e) : undefined));
    if (confirmed === undefined || deleted === undefined || confirmed === deleted) return undefined;
    const why = `but its confirmation confirms another target (argument '${confirmed}', while the delete takes argument '${deleted}')`;
    targetFixes.set(why, `Bind the code's target to the document deleted: issue and consume the code with the id the delete takes as its target (argument '${deleted}', not '${confirmed}'), so a code confirms that document and no other; or write guard.audit.log in the same mutation.`);
    return why;
  };
}

/** The fix of a delete left open by a confirmation bound to another target, by its reason (`uncovered`): undefined for any other reason (the rule's fix). */
const targetFixes = new Map<string, string>();
export const unconfirmedFix = (why: string | undefined): string | undefined => (why === undefined ? undefined : targetFixes.get(why));

/**
 * The facts of an app helper its call `call` makes, with a confirmation of the caller's when the
 * helper's answer is its consume's `.ok` (`return r.ok`, rollback.ts `handsOnOk`) and the caller
 * leaves on false (`if (!(await confirmed(ctx, args.code, args.id))) throw ...`): it covers a
 * delete as the consume would there, the call's answer false on a failure.
 */
export function okHelper<F extends Pick<Facts, "confirmed" | "rollbacks">>(app: App, call: ts.CallExpression, helper: ts.SignatureDeclaration, found: F): F {
  if (!handsOnOk(app, helper, GUARD, true) || !exitsOnDenial(app, call, false)) return found;
  const name = helper.name !== undefined && ts.isIdentifier(helper.name) ? helper.name.text : skipOuter(call.expression).getText();
  const gate: Gate = (d) => {
    const body = enclosingFunction(call);
    if (body === undefined || d.call === undefined || !within(d.call, body)) return undefined;
    if (d.call.pos > call.pos && decided(body, call, d.call, failure(body, boundTo(call), call.end, call, true).atom)) return undefined;
    return `but its confirmation (${name} -> guard.consumeConfirmation) ${somePathsOnly(call, d.call, leaves) ? "is made on some paths only" : "does not decide whether the delete runs (no path on which it fails leaves before it)"}`;
  };
  // A throw on its false rolls the spent attempt back, as on the consume's failure (confirmation-rollback).
  const rollbacks = rollbackThrows(app, call, true).map((t) => ({ via: `${name} -> guard.consumeConfirmation`, at: app.loc(t), answers: () => true }));
  return { ...found, confirmed: [...found.confirmed, { via: `${name} -> guard.consumeConfirmation`, at: app.loc(call), gate }], rollbacks: [...found.rollbacks, ...rollbacks] };
}

/** How the audit row `call` (`guard.audit.log`) covers a delete: written on every path to it. */
export function auditGate(app: App, call: ts.CallExpression): Gate {
  return (d) => {
    const body = enclosingFunction(call);
    if (body === undefined || d.call === undefined || !within(d.call, body)) return undefined;
    if (!somePathsOnly(call, d.call, madeOrLeft(app, "log"))) return undefined;
    // Written on every path on which the caller is not the deleted row's owner (eitheror.ts): the others delete the caller's own row.
    const flow = new ArgFlow(app, body);
    const arg = d.target === undefined ? undefined : (readBy(app, flow, d.target) ?? flow.rootOf(d.target));
    const unlessOwner = arg !== undefined && call.arguments[0] !== undefined && checkedUnlessOwner(app, flow, { target: call.arguments[0] } as AuthCheck, arg, d.call);
    return unlessOwner ? undefined : "but its audit row (guard.audit.log) is written on some paths only";
  };
}

/**
 * Whether `guard.assertConfirmed(r)` comes after another change than the run that answered `r`
 * (attack32 FN9): `const r = await ctx.runMutation(internal.x.consume, args); await
 * ctx.runMutation(internal.x.doDelete, ...); guard.assertConfirmed(r)` deletes before it
 * asserts, so the assert confirms nothing of it. A `ctx.runMutation` or `runAction`, or a
 * `ctx.scheduler` call, between the answer's `const` and the assert.
 */
export function assertedLate(app: App, call: ts.CallExpression): boolean {
  const arg = call.arguments[0] === undefined ? undefined : skipOuter(call.arguments[0]);
  const source = arg !== undefined && ts.isIdentifier(arg) ? app.constInitializer(arg) : undefined;
  const body = enclosingFunction(call);
  if (source === undefined || body === undefined) return false;
  let late = false;
  const visit = (n: ts.Node): void => {
    if (late || n.pos >= call.pos) return;
    const path = ts.isCallExpression(n) ? app.memberPath(n.expression) : [];
    if (n.pos > source.end && (/^run(Mutation|Action)$/.test(path.at(-1) ?? "") || path.at(-2) === "scheduler")) late = true;
    if (n === body || !isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(body);
  return late;
}

/**
 * Why none of `uses` covers the delete: "" when there are none, the first one's reason when
 * each leaves it open, undefined when one covers it.
 */
export function uncovered(uses: readonly { gate?: Gate }[], d: Deleted): string | undefined {
  const why = uses.map((u) => u.gate?.(d));
  return why.length === 0 ? "" : why.every((w) => w !== undefined) ? why[0] : undefined;
}

/** A branch that leaves, or makes the guard call `name` too. */
function madeOrLeft(app: App, name: string): (s: ts.Statement) => boolean {
  const makes = (s: ts.Node): boolean => (ts.isCallExpression(s) && app.calleeFrom(s, GUARD)?.name === name) || (!isFunctionLike(s) && ts.forEachChild(s, (c) => makes(c) || undefined) === true);
  return (s) => leaves(s) || makes(s);
}

/** `args.id`, `id`: a value named as is, whose argument two such can be compared by. */
function plain(e: ts.Expression): boolean {
  const x = skipOuter(e);
  return ts.isIdentifier(x) || (ts.isPropertyAccessExpression(x) && ts.isIdentifier(skipOuter(x.expression)));
}

/**
 * Whether the answer of `call` decides that `del` runs on a success only: `del` in the branch
 * an `if`, `?:`, `&&` or `||` takes on a success (`if (r.ok) { ... }`) or in a clause of a
 * `switch` the failure never runs; or after a statement that leaves on a failure (`if (!r.ok)
 * return { error: r.error }`, a `switch (r.ok)` whose failing clauses leave), made after the
 * call on every path from it to the delete (inside `if (args.code) { ... } else return` too).
 */
function decided(body: ts.Node, call: ts.CallExpression, del: ts.Node, atom = failure(body, boundTo(call), call.end, call).atom): boolean {
  const onSuccessOnly = (test: ts.Expression, onTrue: boolean) => truthWhenDenied(test, atom) === !onTrue;
  for (let node = del, p = del.parent; p !== undefined && node !== body; node = p, p = p.parent) {
    if (ts.isIfStatement(p) && node !== p.expression && onSuccessOnly(p.expression, node === p.thenStatement)) return true;
    if (ts.isConditionalExpression(p) && node !== p.condition && onSuccessOnly(p.condition, node === p.whenTrue)) return true;
    if (ts.isBinaryExpression(p) && node === p.right && (p.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken || p.operatorToken.kind === ts.SyntaxKind.BarBarToken)) {
      if (onSuccessOnly(p.left, p.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken)) return true;
    }
    // A clause of a `switch` the failure decides, which the failure never runs (`switch (r.ok) { case true: ... }`).
    if ((ts.isCaseClause(p) || ts.isDefaultClause(p)) && !["unknown", "object"].includes(String(valueWhenDenied(p.parent.parent.expression, atom)))) {
      if (!switchOnDenial(p.parent.parent, atom).some((s) => within(s, node) || within(node, s))) return true;
    }
  }
  // A statement after the call that leaves on a failure, on every path from it to the delete.
  let exits = false;
  const visit = (n: ts.Node): void => {
    if (exits || n.pos >= del.pos) return;
    const tests = ts.isIfStatement(n) || ts.isSwitchStatement(n); // after the call, or the call in its test (`if (!(await guard.consumeConfirmation(...)).ok) return`)
    if (tests && (n.pos > call.end || within(call, n.expression)) && n.end <= del.pos && leavesOnFailure(n, atom) && !somePathsOnly(n, del, leaves)) exits = true;
    if (n === body || !isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(body);
  return exits;
}

/** `if (!r.ok) return ...`, `if (r.ok) { ... } else throw ...`, a `switch (r.ok)` whose failing clauses leave. */
function leavesOnFailure(s: ts.IfStatement | ts.SwitchStatement, atom: ReturnType<typeof failure>["atom"]): boolean {
  if (ts.isSwitchStatement(s)) return switchOnDenial(s, atom).some((t) => ts.isReturnStatement(t) || ts.isThrowStatement(t));
  const truth = truthWhenDenied(s.expression, atom);
  return (truth === true && leaves(s.thenStatement)) || (truth === false && s.elseStatement !== undefined && leaves(s.elseStatement));
}

/**
 * Whether `call` runs on some of the paths that reach `del` only: on the way up to the first
 * statement holding both, a branch of an `if` (not its test) whose other branch does not
 * `cover` the paths through it (leaves, or makes such a call too), a branch of a `?:`, the right of
 * `&&`, `||` or `??`, or a `case` or `catch` clause. Loops are neutral (a call per element).
 */
export function somePathsOnly(call: ts.Node, del: ts.Node, covers: (other: ts.Statement) => boolean): boolean {
  for (let node: ts.Node = call, p = call.parent; p !== undefined && !within(del, p); node = p, p = p.parent) {
    if (ts.isIfStatement(p) && node !== p.expression) {
      const other = node === p.thenStatement ? p.elseStatement : p.thenStatement;
      if (other === undefined || !covers(other)) return true;
    } else if (ts.isConditionalExpression(p) && node !== p.condition) return true;
    else if (ts.isBinaryExpression(p) && node === p.right && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(p.operatorToken.kind)) return true;
    else if (ts.isCaseClause(p) || ts.isDefaultClause(p) || ts.isCatchClause(p)) return true;
  }
  return false;
}
