// A public mutation that resets the caller's own rate limit on demand (attack32 FN8):
//
//   await guard.rateLimit(ctx, "writes", { key: user._id });
//   await guard.resetRateLimit(ctx, "writes", { key: user._id });  // any caller clears their own limit
//
// reported as `public-no-rate-limit` at the reset: a limit its caller can clear limits nothing.
// Not reported: a reset after a role above the lowest or a permission it does not hold (an
// admin resetting a limit), one keyed by anything but the caller's own id, and one that a
// statement before it may skip (`if (pin !== expected) return ...`: the example app's unlock
// clears the attempts after the right PIN), or that runs in a branch only. The same reset in a
// function a public one runs or schedules (follow.ts `relays`), keyed by the parameter that call
// gives the caller's own id (`ctx.runMutation(internal.limits.reset, { key: ctx.user._id })`),
// is reported at that call, when the call too is made on every call.
import ts from "typescript";
import { ArgFlow } from "./argflow.js";
import { isCallerId } from "./callerid.js";
import { relays } from "./follow.js";
import { literalText } from "./facts-syntax.js";
import { SHORT_CIRCUIT } from "./facts.js";
import type { ConvexFunction } from "./functions.js";
import { optionValue } from "./options.js";
import { GUARD, isFunctionLike, type App } from "./program.js";
import { decidesAccess, anyCaller } from "./roles.js";
import { finding, type Finding } from "./rules.js";

const FIX = "Reset a caller's limit only once what it guards has succeeded (the right PIN, a confirmed code: `if (pin !== expected) return { unlocked: false }` before guard.resetRateLimit), or from a function only an admin may call (guard.requireRole above the lowest role), never on the caller's demand.";

/** Every reset of the caller's own limit that a public mutation makes on each call, with no role or permission check, itself or through a function it runs or schedules. */
export function selfResetFindings(app: App, functions: ConvexFunction[]): Finding[] {
  const out: Finding[] = [];
  const limit = (name: string | undefined) => `rate limit ${name === undefined ? "(a name not written literally)" : `'${name}'`} keyed by the caller's own id on every call (guard.resetRateLimit)`;
  for (const fn of functions) {
    const handler = fn.handler;
    if (fn.visibility !== "public" || fn.kind !== "mutation" || handler === undefined || decidesAccess(fn.facts.auth)) continue;
    for (const n of resets(app, handler, (key) => isCallerId(app, key))) {
      out.push(finding("public-no-rate-limit", fn.id, app.loc(n), `public mutation ${fn.id} resets ${limit(literalText(n.arguments[1]))}: ${anyCaller(fn.facts.auth)} clears their own limit, so it limits nothing`, FIX));
    }
  }
  for (const { fn, who, call, callee } of relays(functions)) {
    const handler = callee.handler;
    if (callee.kind !== "mutation" || handler === undefined || fn.handler === undefined || call.callerIds.length === 0 || !everyCall(call.node, fn.handler)) continue;
    const flow = new ArgFlow(app, handler);
    for (const n of resets(app, handler, (key) => call.callerIds.includes(flow.idRoot(key) ?? ""))) {
      out.push(finding("public-no-rate-limit", fn.id, call, `public ${fn.kind} ${fn.id} resets, through ${call.ref} (${call.how}), ${limit(literalText(n.arguments[1]))}: ${who} clears their own limit, so it limits nothing`, FIX));
    }
  }
  return out;
}

/** The `guard.resetRateLimit` calls of `handler` made on each of its calls whose key `keyed` accepts. */
function resets(app: App, handler: ts.Node, keyed: (key: ts.Expression) => boolean): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && app.calleeFrom(n, GUARD)?.name === "resetRateLimit") {
      const key = n.arguments[2] === undefined ? undefined : optionValue(app, n.arguments[2], "key");
      if (key !== undefined && keyed(key) && everyCall(n, handler)) out.push(n);
    }
    if (n === handler || !isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(handler);
  return out;
}

/** Whether `call` runs on every call of `fn`: in no branch, and after no statement that may leave (a `return`, or a `throw` of its own). */
export function everyCall(call: ts.Node, fn: ts.Node): boolean {
  // A `break` or `continue` leaves its own loop or `switch`, not the function (paths.ts `mayReturn` counts them).
  const leaves = (s: ts.Node): boolean => ts.isReturnStatement(s) || ts.isThrowStatement(s) || (!isFunctionLike(s) && ts.forEachChild(s, (c) => leaves(c) || undefined) === true);
  for (let node: ts.Node = call, p = call.parent; p !== undefined && node !== fn; node = p, p = p.parent) {
    if ((ts.isIfStatement(p) && node !== p.expression) || (ts.isConditionalExpression(p) && node !== p.condition) || ts.isCaseClause(p) || ts.isDefaultClause(p) || ts.isCatchClause(p)) return false;
    if (ts.isBinaryExpression(p) && node === p.right && SHORT_CIRCUIT.has(p.operatorToken.kind)) return false;
    if ((ts.isBlock(p) || ts.isSourceFile(p)) && p.statements.slice(0, p.statements.indexOf(node as ts.Statement)).some(leaves)) return false;
  }
  return true;
}
