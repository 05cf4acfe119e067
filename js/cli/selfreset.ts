// A public mutation that resets the caller's own rate limit on demand (attack32 FN8):
//
//   await guard.rateLimit(ctx, "writes", { key: user._id });
//   await guard.resetRateLimit(ctx, "writes", { key: user._id });  // any caller clears their own limit
//
// reported as `public-no-rate-limit` at the reset: a limit its caller can clear limits nothing.
// Not reported: a reset after the highest role's check or a permission the lowest role does not
// hold (an admin resetting a limit; a middle role's only, `middleRole`, is reported), one keyed
// by anything but the caller's own id, and one that a `return` before it may skip (`if (pin !==
// expected) return ...`: the example app's unlock clears the attempts after the right PIN), or
// that runs in a branch only (paths.ts `everyPath`).
// A `throw` before it skips it on no call that keeps anything (the sign-in test `if (identity ===
// null) throw ...` included): the mutation rolls back, the limit taken with it. The same reset in a
// function a public one runs or schedules (follow.ts `relays`), keyed by the parameter that call
// gives the caller's own id (`ctx.runMutation(internal.limits.reset, { key: ctx.user._id })`),
// is reported at that call, when the call too is made on every call; in an action, a throw on a
// test other than a null test skips the call (`actionGate`): the action keeps its limit.
// Either made by an app helper given the caller's id, or in a loop over `[user._id]`: selfcalls.ts.
// After a middle role's check only, a reset (or a `guard.forgetUser`, low) of an argument's user too.
import ts from "typescript";
import { ArgFlow, readBy, resolveValue } from "./argflow.js";
import { givenCallerId, relayOf, relays, undecided } from "./follow.js";
import { callerCalls } from "./selfcalls.js";
import { enclosingFunction, literalText, throwingIn } from "./facts-syntax.js";
import { CONVEX, type AuthCheck } from "./facts.js";
import type { ConvexFunction } from "./functions.js";
import { optionValue } from "./options.js";
import { refusesOwn } from "./ownrefused.js";
import { alwaysLeaves, isNullish } from "./flow.js";
import { everyPath } from "./paths.js";
import { GUARD, isFunctionLike, skipOuter, type App } from "./program.js";
import { decidesAccess, anyCaller } from "./roles.js";
import { finding, namesUser, type Finding } from "./rules.js";

const OWN_FIX = "Refuse the caller's own id before the reset (`if (args.userId === staff._id) throw new ConvexError(...)`), or reset another user's limit from a function only an admin may call (guard.requireRole of the highest role).";
const FIX = "Reset a caller's limit only once what it guards has succeeded (the right PIN, a confirmed code: `if (pin !== expected) return { unlocked: false }` before guard.resetRateLimit), or from a function only an admin may call (guard.requireRole of the highest role), never on the caller's demand.";

/** Every reset of the caller's own limit that a public mutation makes on each call, with no role or permission check, itself or through a function it runs or schedules. */
export function selfResetFindings(app: App, functions: ConvexFunction[]): Finding[] {
  const out: Finding[] = [];
  // null: a reset an app helper makes, its name read there.
  const limit = (name: string | undefined | null) => `rate limit ${name === null ? "(the helper's)" : name === undefined ? "(a name not written literally)" : `'${name}'`} keyed by the caller's own id on every call (guard.resetRateLimit)`;
  for (const fn of functions) {
    const handler = fn.handler;
    const middle = middleRole(fn.facts.auth);
    if (fn.visibility !== "public" || fn.kind !== "mutation" || handler === undefined || (decidesAccess(fn.facts.auth) && middle === undefined)) continue;
    for (const n of callerCalls(app, handler, (c, keyed) => resetKey(app, c, keyed))) {
      const direct = app.calleeFrom(n, GUARD)?.name === "resetRateLimit";
      const how = direct ? "" : `, through ${n.expression.getText()},`;
      out.push(finding("public-no-rate-limit", fn.id, app.loc(n), `public mutation ${fn.id} resets${how} ${limit(direct ? literalText(n.arguments[1]) : null)}: ${middle ?? anyCaller(fn.facts.auth)} clears their own limit, so it limits nothing`, FIX));
    }
  }
  // A middle role's reset of an argument's user (newuser28 G: support lifting a user's limit): the
  // staff member may give their own id, unless the code refuses it before the reset (ownrefused.ts).
  for (const fn of functions) {
    const middle = middleRole(fn.facts.auth);
    const handler = fn.handler;
    if (fn.visibility !== "public" || fn.kind !== "mutation" || handler === undefined || middle === undefined) continue;
    const flow = new ArgFlow(app, handler);
    const userArg = (key: ts.Expression) => {
      const arg = flow.idRoot(key) ?? readBy(app, flow, key);
      // A users id, or a string the name says is one (`userId: v.string()`, attack38 F7).
      return fn.argNames.find((a) => a.name === arg && (a.usersId || (namesUser(a.name) && isString(app, a.validator))))?.name;
    };
    // Also `guard.forgetUser(ctx, args.userId)` (attack38 F7 z7): every limit of that user cleared, the
    // caller's own when they give their own id; low, as forgetting another user is what it is for.
    for (const n of resets(app, handler, (key) => userArg(key) !== undefined, (key) => nullReturn(idOf(app, key)), true)) {
      const key = keyOf(app, n, true)!;
      if (refusesOwn(app, handler, n, key)) continue;
      if (app.calleeFrom(n, GUARD)?.name === "forgetUser") {
        const message = `public mutation ${fn.id} calls guard.forgetUser on the user id argument '${userArg(key)}' gives: ${middle} may give their own id and delete their own rate-limit rows and confirmation failure counts, so no limit holds them`;
        out.push({ ...finding("public-no-rate-limit", fn.id, app.loc(n), message, OWN_FIX), severity: "low" });
        continue;
      }
      const name = literalText(n.arguments[1]);
      out.push(finding("public-no-rate-limit", fn.id, app.loc(n), `public mutation ${fn.id} resets rate limit ${name === undefined ? "(a name not written literally)" : `'${name}'`} keyed by the user id argument '${userArg(key)}' gives (guard.resetRateLimit): ${middle} may give their own id and clear their own limit, so it limits nothing for them`, OWN_FIX));
    }
  }
  for (const { fn, who, call, callee } of relays(functions)) {
    const handler = callee.handler;
    if (callee.kind !== "mutation" || handler === undefined || fn.handler === undefined || call.callerIds.length === 0) continue;
    if (!everyPath(call.node, fn.handler, fn.kind === "action" ? (st: ts.Statement) => actionGate(app, st) : undefined)) continue;
    const flow = new ArgFlow(app, handler);
    for (const n of resets(app, handler, (key) => call.callerIds.includes(flow.idRoot(key) ?? ""))) {
      out.push(finding("public-no-rate-limit", fn.id, call, `public ${fn.kind} ${fn.id} resets, through ${call.ref} (${call.how}), ${limit(literalText(n.arguments[1]))}: ${who} clears their own limit, so it limits nothing`, FIX));
    }
  }
  // The same call made by an app helper the public function gives the caller's id (attack34 F12:
  // `await relayReset(ctx, user._id)`, whose `ctx.runMutation(internal.limits.reset, { key })`).
  const byId = new Map(functions.map((f) => [f.id, f]));
  for (const fn of functions.filter(undecided)) {
    if (fn.handler === undefined) continue;
    const relayed = (c: ts.CallExpression, keyed: (e: ts.Expression) => boolean): boolean => {
      const relay = relayOf(app, c);
      const callee = relay === undefined ? undefined : byId.get(relay.ref.target);
      const handler = callee?.kind === "mutation" && !decidesAccess(callee.facts.auth) ? callee.handler : undefined;
      const helper = enclosingFunction(c);
      const params = relay?.payload === undefined || handler === undefined || helper === undefined ? [] : givenCallerId(app, helper, relay.payload, keyed);
      const flow = params.length === 0 ? undefined : new ArgFlow(app, handler!);
      return flow !== undefined && resets(app, handler!, (key) => params.includes(flow.idRoot(key) ?? "")).length > 0;
    };
    for (const n of callerCalls(app, fn.handler, relayed, fn.kind === "action" ? (st: ts.Statement) => actionGate(app, st) : undefined)) {
      if (app.appFunction(n) === undefined) continue; // made in the handler: judged above
      out.push(finding("public-no-rate-limit", fn.id, app.loc(n), `public ${fn.kind} ${fn.id} resets, through ${n.expression.getText()} (an app helper running or scheduling a function that resets it), ${limit(null)}: ${anyCaller(fn.facts.auth)} clears their own limit, so it limits nothing`, FIX));
    }
  }
  return out;
}

/**
 * Who passes a function's checks when its only checks above the lowest role are of a middle role
 * (`guard.requireRole(ctx, "editor")` with `roles: ["member", "editor", "admin"]`, attack34 F10):
 * the docs' recipe is an admin resetting a limit, so a middle role's reset of its own is its own
 * limit voided. Undefined when a check of the highest role, or of a permission, is made, or none.
 */
function middleRole(auth: readonly AuthCheck[]): string | undefined {
  const deciding = auth.filter((a) => (a.level === "role" || a.level === "permission") && a.everyRole === undefined);
  const middle = deciding.every((a) => a.ranked !== undefined && a.ranked.above.length > 0) ? deciding[0]?.ranked : undefined;
  return middle === undefined ? undefined : `any user with role '${middle.role}' (below '${middle.above.join("', '")}')`;
}

/**
 * In an action, an `if` that throws on a test other than a null test (`if (pin !== expected)
 * throw ...`, or calls an app function that always throws: `if (!ok) deny("wrong pin")`): the
 * action keeps what it ran before the throw, the limit it took included, so the throw skips what
 * follows as a `return` would. A null test (the sign-in test `identity ===
 * null`, `!user`) passes every signed-in caller: it gates nothing.
 */
function actionGate(app: App, s: ts.Statement): boolean {
  let throws = false;
  const throwing = throwingIn(app);
  const visit = (n: ts.Node): void => {
    throws ||= ts.isThrowStatement(n) || (ts.isExpressionStatement(n) && alwaysLeaves(n, throwing)); // `deny("wrong pin")` of a helper that always throws
    if (!isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  if (ts.isIfStatement(s)) visit(s.thenStatement);
  return throws && !nullTest(app, (s as ts.IfStatement).expression);
}

/** `!x`, `x === null`, `x == undefined` (either side), or such tests joined by `||`. */
function nullTest(app: App, e: ts.Expression): boolean {
  const x = skipOuter(e);
  // `!ok` of a boolean (a PIN's answer) is a gate; `!user` of a row a null test.
  if (ts.isPrefixUnaryExpression(x)) return x.operator === ts.SyntaxKind.ExclamationToken && !(app.checker.getTypeAtLocation(x.operand).flags & ts.TypeFlags.BooleanLike);
  if (!ts.isBinaryExpression(x)) return false;
  const op = x.operatorToken.kind;
  if (op === ts.SyntaxKind.BarBarToken) return nullTest(app, x.left) && nullTest(app, x.right);
  const K = ts.SyntaxKind;
  return [K.EqualsEqualsEqualsToken, K.EqualsEqualsToken].includes(op) && (isNullish(x.left) || isNullish(x.right));
}

/** `if (row === null) return ...` (`!row`) of `row`, the row whose `_id` is the key (idOf): it skips no caller who gives their own id, whose row exists. */
function nullReturn(row: ts.Expression | undefined): (s: ts.Statement) => boolean {
  return (s) => {
    if (!ts.isIfStatement(s) || s.elseStatement !== undefined || row === undefined) return false;
    const x = skipOuter(s.expression);
    const not = ts.isPrefixUnaryExpression(x) && x.operator === ts.SyntaxKind.ExclamationToken;
    const equal = ts.isBinaryExpression(x) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken].includes(x.operatorToken.kind);
    const tested = not ? x.operand : equal && isNullish(x.left) ? x.right : equal && isNullish(x.right) ? x.left : undefined;
    return tested !== undefined && skipOuter(tested).getText() === skipOuter(row).getText();
  };
}

/** The row whose `_id` a reset's key is: `row` of `row._id`, or of `_id` destructured from it (`const { _id } = row`, attack38 F7; the checker asked for a name's declaration only). */
function idOf(app: App, key: ts.Expression): ts.Expression | undefined {
  const k = skipOuter(key);
  if (ts.isPropertyAccessExpression(k)) return k.name.text === "_id" ? k.expression : undefined;
  const decl = ts.isIdentifier(k) ? app.symbol(k)?.valueDeclaration : undefined;
  if (decl === undefined || !ts.isBindingElement(decl) || decl.dotDotDotToken !== undefined || (decl.propertyName ?? decl.name).getText() !== "_id") return undefined;
  const holder = decl.parent.parent;
  return ts.isVariableDeclaration(holder) ? holder.initializer : undefined;
}

/** Whether a validator is `v.string()` (through `const`s). */
function isString(app: App, validator: ts.Node | undefined): boolean {
  const v = validator !== undefined && ts.isExpression(validator) ? resolveValue(app, validator) : undefined;
  return v !== undefined && ts.isCallExpression(v) && app.calleeFrom(v, CONVEX)?.name === "string";
}

/** The `guard.resetRateLimit` calls (and `guard.forgetUser`, `forget`) of `handler` made on each of its calls whose key `keyed` accepts (`passes`: statements before it that skip it for no caller judged, given its key). */
function resets(app: App, handler: ts.Node, keyed: (key: ts.Expression) => boolean, passes?: (key: ts.Expression) => (s: ts.Statement) => boolean, forget = false): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  const visit = (n: ts.Node): void => {
    const key = ts.isCallExpression(n) ? keyOf(app, n, forget) : undefined;
    if (key !== undefined && keyed(key) && everyPath(n, handler, undefined, passes?.(key))) out.push(n as ts.CallExpression);
    if (n === handler || !isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(handler);
  return out;
}

/** Whether `n` is a `guard.resetRateLimit` whose key `keyed` accepts. */
function resetKey(app: App, n: ts.CallExpression, keyed: (key: ts.Expression) => boolean): boolean {
  const key = keyOf(app, n);
  return key !== undefined && keyed(key);
}

/** The key of a `guard.resetRateLimit` call (its options' `key`), or the user id of a `guard.forgetUser` (`forget`). */
function keyOf(app: App, n: ts.CallExpression, forget = false): ts.Expression | undefined {
  const name = app.calleeFrom(n, GUARD)?.name;
  if (forget && name === "forgetUser") return n.arguments[1];
  return name !== "resetRateLimit" || n.arguments[2] === undefined ? undefined : optionValue(app, n.arguments[2], "key");
}
