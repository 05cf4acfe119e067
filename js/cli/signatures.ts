// A webhook's signature check: the sender proves itself with a secret it shares with the app,
// not with a Convex auth token, so an HTTP action that verifies the request's signature first
// has checked its caller (routes.ts, `public-no-auth` only; a rate limit is still asked for).
//
//   const wh = new Webhook(process.env.CLERK_WEBHOOK_SECRET!);      // svix or standardwebhooks
//   const event = wh.verify(await request.text(), headers);         // throws on a bad signature
//   const event = stripe.webhooks.constructEvent(body, sig, secret); // `stripe = new Stripe(key)`
//   const event = await verifyWebhook(request);                     // @clerk/backend/webhooks
//
// Recognized by where the class or function is declared (its npm package, whose types must
// resolve, as convex's and the guard's must), followed through `new`, the app's `const`s,
// imports and aliases; never by a name: the app's own `verify` is not a signature check. Its
// arguments must be the app's secret and the request's body and headers (sigargs.ts). A
// check counts when it throws out of the handler (not caught, or caught by a `catch` that
// leaves running nothing), on every path, before the handler runs or schedules anything; also
// in a helper of the app the handler calls (one level), when its throw leaves both, or when the
// helper answers the check's result or a falsy value (Convex's Clerk guide: `catch { return
// null }`) and the handler leaves on a falsy answer before it runs anything.
import ts from "typescript";
import { isUnreadable, readValue } from "./config.js";
import { RUNS, type FactsFinder, type Use } from "./facts.js";
import { schedules, throwingIn } from "./facts-syntax.js";
import { alwaysLeaves, THROWS } from "./flow.js";
import type { ConvexFunction } from "./functions.js";
import { fork } from "./paths.js";
import { isFunctionLike, skipOuter, type App, type Loc } from "./program.js";
import { handlerRequests, passedRequests, type Recognized } from "./sigargs.js";
import { cryptoPatch } from "./cryptopatch.js";
import { hmacRefused, recognizeHmac, verifies, WEB_CRYPTO_HMAC } from "./webcrypto.js";

/** The packages whose `new Webhook(secret).verify(payload, headers)` throws on a bad signature. */
const VERIFYING_WEBHOOKS = new Set(["svix", "standardwebhooks"]);
/** Stripe's `webhooks` methods that verify (`constructEventWithoutVerification` does not). */
const STRIPE_VERIFYING = new Set(["constructEvent", "constructEventAsync"]);
const CLERK = "@clerk/backend";

/** The signature checks that hold in each HTTP action's handler, set as its `signatures`. */
export function markSignatures(app: App, finder: FactsFinder, functions: ConvexFunction[]): void {
  const patch = cryptoPatch(app);
  for (const fn of functions) {
    if (fn.kind !== "httpAction" || fn.handler === undefined) continue;
    const checks = signatureChecks(app, finder, fn.handler);
    // The app replaces the global Web Crypto (cryptopatch.ts): no Web Crypto check holds.
    fn.signatures = patch === null ? checks : checks.filter((c) => !c.via.endsWith(WEB_CRYPTO_HMAC));
    if (patch !== null && fn.signatures.length < checks.length) voided.set(fn, `its Web Crypto check is not counted: the app changes the global Web Crypto or a built-in the check runs (\`${patch.text}\`, ${patch.at.file}:${patch.at.line}), and such a change anywhere in the app voids every Web Crypto check`);
    const seen = refused.get(fn.handler);
    if (checks.length === 0 && seen !== undefined) voided.set(fn, `its Web Crypto check${seen.helper === undefined ? "" : ` in ${seen.helper}`}, crypto.subtle.verify at ${seen.at.file}:${seen.at.line}, is not counted: ${seen.why}`);
  }
}

const voided = new WeakMap<ConvexFunction, string>();
/** The first `crypto.subtle.verify` written in a handler that was not counted, and why. */
const refused = new WeakMap<ts.SignatureDeclaration, { at: Loc; why: string; helper?: string }>();

/** Why an HTTP action's Web Crypto check was not counted, for its `public-no-auth` message. */
export function voidedCheck(fn: ConvexFunction): string | undefined {
  return voided.get(fn);
}

/**
 * The signature checks of a handler that prove its caller: made in it, or in a helper of the
 * app it calls (`verifyClerk(request)`, shown `verifyClerk -> svix Webhook.verify`).
 */
export function signatureChecks(app: App, finder: FactsFinder, handler: ts.SignatureDeclaration): Use[] {
  const out: Use[] = [];
  const requests = handlerRequests(app, handler);
  for (const call of callsIn(handler)) {
    const made = recognize(app, call);
    if (made !== undefined) {
      const hmac = made.kind === "webcrypto";
      const leaves = !hmac || leavesOnFalsy(app, finder, call, handler, FALSE) !== undefined; // Web Crypto's `false`
      const held = holds(app, finder, call, handler, made.async);
      if (held && verifies(app, call, made, requests) && leaves) out.push({ via: made.via, at: app.loc(call) });
      else if (hmac && !refused.has(handler)) {
        const why = hmacRefused(app, call, requests) ?? (!held ? "it is not awaited, made on every path and left uncaught" : "its false does not leave the handler");
        refused.set(handler, { at: app.loc(call), why });
      }
      continue;
    }
    const helper = app.appFunction(call);
    // A generator's body runs on its first `next()`, not when it is called.
    if (helper === undefined || helper === handler || !("body" in helper) || helper.body === undefined || helper.asteriskToken !== undefined) continue;
    const async = (ts.getCombinedModifierFlags(helper as ts.Declaration) & ts.ModifierFlags.Async) !== 0;
    const passed = passedRequests(app, call, helper, requests);
    const name = helper.name !== undefined && ts.isIdentifier(helper.name) ? helper.name.text : skipOuter(call.expression).getText();
    // Why a Web Crypto check written in the helper is not counted, for the route's message.
    const hmacs = callsIn(helper).filter((c) => recognizeHmac(app, c) !== undefined);
    let why: string | undefined;
    if (passed.size === 0) why = `the handler gives ${name} neither its request nor the body it read and the signature header's value`;
    else if (!holds(app, finder, call, handler, async)) why = `the call of ${name} is not awaited, made on every path and left uncaught`;
    // Its throw leaves the helper (a `catch` around it throws), before any `return`; or the
    // helper answers its result or a falsy value, which the handler leaves on.
    const inner =
      why !== undefined
        ? undefined
        : callsIn(helper)
            .map((c) => ({ c, made: recognize(app, c) }))
            .find(({ c, made }) => {
              if (made === undefined) return false;
              // Web Crypto's answer, false on a bad signature: a `const` the helper throws on, or its answer.
              const hmac = made.kind === "webcrypto";
              if (!verifies(app, c, made, passed)) {
                if (hmac) why ??= hmacRefused(app, c, passed);
                return false;
              }
              const thrown = hmac ? leavesOnFalsy(app, finder, c, helper, FALSE, THROWS) : c;
              const awaited = made.async && !(async && hmac && returned(c)); // `return crypto.subtle.verify(...)` in an async helper
              if (thrown !== undefined && !returnsBefore(helper, thrown) && holds(app, finder, c, helper, awaited, THROWS)) return true;
              const held = holds(app, finder, c, helper, awaited);
              const falsy = held ? falsyAnswers(app, helper, c) : undefined;
              if (hmac) falsy?.add("false");
              if (falsy !== undefined && leavesOnFalsy(app, finder, call, handler, falsy) !== undefined) return true;
              if (hmac) why ??= !held ? "it is not awaited, made on every path and left uncaught" : falsy === undefined ? `${name} may answer something other than its result or a falsy value` : `the handler does not leave on ${name}'s falsy answer (held in a const and tested, or tested where it is made, before anything runs)`;
              return false;
            });
    if (inner === undefined && hmacs.length > 0 && !refused.has(handler)) refused.set(handler, { at: app.loc(hmacs[0]!), why: why ?? "it is not counted", helper: name });
    if (inner !== undefined) {
      out.push({ via: `${name} -> ${inner.made!.via}`, at: app.loc(inner.c) });
    }
  }
  return out;
}

/** The calls written in a function, nested functions included (in source order). */
function callsIn(fn: ts.Node): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(fn);
  return out;
}

/** `svix Webhook.verify`, `stripe webhooks.constructEvent`, `@clerk/backend verifyWebhook`, `crypto.subtle.verify` (webcrypto.ts), when `call` is one, by provenance. */
function recognize(app: App, call: ts.CallExpression): Recognized | undefined {
  const hmac = recognizeHmac(app, call);
  if (hmac !== undefined) return hmac;
  const target = app.calleeTarget(call.expression);
  if (ts.isIdentifier(target)) {
    const symbol = app.symbol(target);
    return symbol?.getName() === "verifyWebhook" && app.packageOf(symbol) === CLERK ? { via: `${CLERK} verifyWebhook`, async: true, kind: "clerk" } : undefined;
  }
  const method = memberName(target);
  if (method === undefined || !(ts.isPropertyAccessExpression(target) || ts.isElementAccessExpression(target))) return undefined;
  const receiver = skipOuter(target.expression);
  if (method === "verify") {
    const made = instanceOf(app, receiver);
    const secret = made?.made.arguments?.[0];
    return made !== undefined && VERIFYING_WEBHOOKS.has(made.pkg) && made.name === "Webhook" ? { via: `${made.pkg} Webhook.verify`, async: false, kind: "webhook", secret } : undefined;
  }
  if (STRIPE_VERIFYING.has(method) && memberName(receiver) === "webhooks" && (ts.isPropertyAccessExpression(receiver) || ts.isElementAccessExpression(receiver))) {
    // `stripe.webhooks` of an instance, or `Stripe.webhooks` of the class (its static twin).
    const owner = skipOuter(receiver.expression);
    const made = instanceOf(app, owner) ?? classOf(app, owner);
    return made?.pkg === "stripe" && made.name === "Stripe" ? { via: `stripe webhooks.${method}`, async: method === "constructEventAsync", kind: "stripe" } : undefined;
  }
  return undefined;
}

/** `verify` of `wh.verify`, `wh["verify"]`. */
function memberName(e: ts.Expression): string | undefined {
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression) ? e.argumentExpression.text : undefined;
}

/** The class an expression is an instance of, and the `new X(...)` that made it: written there or held in a `const` (imported too). */
function instanceOf(app: App, e: ts.Expression): { pkg: string; name: string; made: ts.NewExpression } | undefined {
  const value = readValue(app, e);
  const made = !isUnreadable(value) && ts.isNewExpression(value) ? value : undefined;
  const cls = made === undefined ? undefined : classOf(app, made.expression);
  return cls === undefined ? undefined : { ...cls, made: made! };
}

/** The package and name of a class a dependency declares: `Webhook` of `import { Webhook } from "svix"`, `svix.Webhook`, or a `const` alias of the app. */
function classOf(app: App, e: ts.Expression, depth = 0): { pkg: string; name: string } | undefined {
  e = skipOuter(e);
  const name = ts.isPropertyAccessExpression(e) ? e.name : ts.isIdentifier(e) ? e : undefined;
  const symbol = name === undefined ? undefined : app.symbol(name);
  if (symbol === undefined) return undefined;
  const pkg = app.packageOf(symbol);
  if (pkg !== null) return { pkg, name: symbol.getName() };
  const decl = symbol.valueDeclaration;
  const alias = decl !== undefined && ts.isVariableDeclaration(decl) && ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const && app.isAppCode(decl.getSourceFile()) ? decl.initializer : undefined;
  return alias !== undefined && depth < 4 ? classOf(app, alias, depth + 1) : undefined;
}

/** Whether a call is what a `return` answers (`return crypto.subtle.verify(...)`, cast). */
function returned(call: ts.CallExpression): boolean {
  let up: ts.Node = call.parent;
  while (ts.isParenthesizedExpression(up) || ts.isAsExpression(up) || ts.isSatisfiesExpression(up)) up = up.parent;
  return ts.isReturnStatement(up);
}

/** Promise combinators that keep a rejection from leaving (or drop it when another settles first). */
const SETTLING = new Set(["allSettled", "race", "any"]);

/**
 * Whether `call`'s throw (its rejection, awaited, when `async`) leaves `fn` on every path that
 * goes past it, and it runs before `fn` runs or schedules anything: not in a branch, a loop, a
 * `catch`, a callback or on the right of `&&`/`||`/`??`; every `try` around it has a `catch`
 * that leaves (a throw, or a return: a `Response` naming the error is no data; a throw only when
 * `answer` is THROWS, in a helper whose return its caller goes on from) running nothing, and no
 * `finally` that returns or runs anything.
 */
function holds(app: App, finder: FactsFinder, call: ts.CallExpression, fn: ts.SignatureDeclaration, async: boolean, answer?: string): boolean {
  if (call.flags & ts.NodeFlags.OptionalChain) return false; // `wh?.verify(...)`
  let up: ts.Node = call.parent;
  while (ts.isParenthesizedExpression(up) || ts.isAsExpression(up) || ts.isNonNullExpression(up) || ts.isSatisfiesExpression(up)) up = up.parent;
  if (async && !ts.isAwaitExpression(up)) return false;
  for (let node: ts.Node = call, p = call.parent; node !== fn; node = p, p = p.parent) {
    if (p === undefined || (isFunctionLike(p) && p !== fn) || ts.isIterationStatement(p, false) || fork(p, node) !== undefined) return false;
    // `.catch(...)`, `.then(ok, failed)` or `.finally(...)` on the promise: its rejection handled there.
    if (ts.isPropertyAccessExpression(p) && p.expression === node && ["catch", "then", "finally"].includes(p.name.text)) return false;
    if (ts.isCallExpression(p) && p.expression !== node && SETTLING.has(memberName(skipOuter(p.expression)) ?? "")) return false;
    if (ts.isTryStatement(p) && node === p.tryBlock) {
      const clause = p.catchClause;
      const caught = clause?.variableDeclaration !== undefined && ts.isIdentifier(clause.variableDeclaration.name) ? clause.variableDeclaration.name.text : undefined;
      if (clause !== undefined && (!alwaysLeaves(clause.block, throwingIn(app), answer ?? caught) || runsIn(app, finder, clause.block, fn).length > 0)) return false;
      if (p.finallyBlock !== undefined && (returnsBefore(p.finallyBlock, undefined) || runsIn(app, finder, p.finallyBlock, fn).length > 0)) return false;
    }
  }
  // Nothing run before it (a call whose arguments it is in runs after it; one in its arguments, before).
  return !runsIn(app, finder, fn, fn).some((r) => r !== call && (r.getStart() < call.getStart() ? !(r.pos <= call.pos && call.end <= r.end) : r.end <= call.end));
}

/** Calls in `code` that run or schedule a Convex function: `ctx.runMutation` and its kin, `ctx.scheduler.runAfter`/`runAt`, or a helper of the app that runs one. */
function runsIn(app: App, finder: FactsFinder, code: ts.Node, fn: ts.Node): ts.CallExpression[] {
  return callsIn(code).filter((c) => {
    const callee = skipOuter(c.expression);
    if (ts.isPropertyAccessExpression(callee) && RUNS.has(callee.name.text)) return true;
    if (schedules(app.memberPath(c.expression))) return true;
    const helper = app.appFunction(c);
    return helper !== undefined && helper !== fn && finder.of(helper).runs.length > 0;
  });
}

/** Whether `code` has a `return` (outside nested functions) before `call`, not around it (`return wh.verify(...)` throws first); any `return`, with no call. */
function returnsBefore(code: ts.Node, call: ts.Node | undefined): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || (isFunctionLike(n) && n !== code)) return;
    if (ts.isReturnStatement(n) && (call === undefined || (n.getStart() < call.getStart() && !(n.pos <= call.pos && call.end <= n.end)))) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(code);
  return found;
}

/**
 * What a helper answers besides `check`'s result (returned, cast, or held in a `const`, on either
 * side of a `?:`): the falsy values it may return (`null`, `undefined` and a `return;` or its end,
 * `false`); undefined when it may return anything else (`{}`, `req.json()`, the caught error).
 */
function falsyAnswers(app: App, helper: ts.SignatureDeclaration, check: ts.CallExpression): Set<string> | undefined {
  const body = "body" in helper ? helper.body : undefined;
  if (body === undefined || !ts.isBlock(body)) return undefined;
  const falsy = new Set<string>();
  let other = false;
  const answer = (e: ts.Expression | undefined): void => {
    e = e === undefined ? undefined : skipOuter(e);
    if (e === undefined || (ts.isIdentifier(e) && e.text === "undefined") || ts.isVoidExpression(e)) falsy.add("undefined");
    else if (e.kind === ts.SyntaxKind.NullKeyword || e.kind === ts.SyntaxKind.FalseKeyword) falsy.add(e.getText());
    else if (ts.isConditionalExpression(e)) [e.whenTrue, e.whenFalse].forEach(answer);
    else if (e !== check && !holdsResult(app, e, check)) other = true;
  };
  const visit = (n: ts.Node): void => {
    if (ts.isReturnStatement(n)) answer(n.expression);
    else if (!isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  body.statements.forEach(visit);
  if (mayEnd(body)) falsy.add("undefined");
  return other ? undefined : falsy;
}

/** `event` of `const event = wh.verify(...)` (cast or awaited): a `const` holding the check's result. */
function holdsResult(app: App, e: ts.Expression, check: ts.CallExpression): boolean {
  const decl = ts.isIdentifier(e) ? app.symbol(e)?.valueDeclaration : undefined;
  return decl !== undefined && ts.isVariableDeclaration(decl) && decl.initializer !== undefined && skipOuter(decl.initializer) === check && (ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const) !== 0;
}

/** Whether a statement may end without a `return` or a throw (at the end of a helper: answers `undefined`); in doubt, it may. */
function mayEnd(s: ts.Statement): boolean {
  if (ts.isReturnStatement(s) || ts.isThrowStatement(s)) return false;
  if (ts.isBlock(s)) return s.statements.every(mayEnd);
  if (ts.isIfStatement(s)) return s.elseStatement === undefined || mayEnd(s.thenStatement) || mayEnd(s.elseStatement);
  if (!ts.isTryStatement(s)) return true;
  return (s.finallyBlock === undefined || mayEnd(s.finallyBlock)) && (mayEnd(s.tryBlock) || (s.catchClause !== undefined && mayEnd(s.catchClause.block)));
}

const FALSE = new Set(["false"]);

/**
 * The test by which the handler, holding the helper's answer in a `const` (`const event = await
 * validateRequest(request)`), leaves before it runs or schedules anything when it is one of the
 * helper's `falsy` answers (`if (!event) return new Response("Error occured", { status: 400 })`),
 * or testing it where it is made (`if (!(await verify(body, sig))) return ...`, nothing else in
 * the condition); undefined when there is none. Also a helper's test on Web Crypto's answer, which must throw
 * (`answer` THROWS).
 */
function leavesOnFalsy(app: App, finder: FactsFinder, call: ts.CallExpression, handler: ts.SignatureDeclaration, falsy: Set<string>, answer?: string): ts.IfStatement | undefined {
  let decl: ts.Node = call.parent;
  while (ts.isParenthesizedExpression(decl) || ts.isAwaitExpression(decl) || ts.isAsExpression(decl) || ts.isNonNullExpression(decl) || ts.isSatisfiesExpression(decl)) decl = decl.parent;
  const runs = (n: ts.Node): boolean => runsIn(app, finder, n, handler).some((r) => r !== call);
  // Tested where it is made: `if (!(await verify(body, sig))) return ...` (`!` is true on every falsy answer).
  let test = ts.isPrefixUnaryExpression(decl) && decl.operator === ts.SyntaxKind.ExclamationToken ? decl.parent : undefined;
  while (test !== undefined && ts.isParenthesizedExpression(test)) test = test.parent;
  if (test !== undefined && ts.isIfStatement(test) && skipOuter(test.expression) === skipOuter(decl as ts.Expression)) {
    return !runs(test.expression) && !runs(test.thenStatement) && alwaysLeaves(test.thenStatement, throwingIn(app), answer) ? test : undefined;
  }
  if (!ts.isVariableDeclaration(decl) || !ts.isIdentifier(decl.name) || !(ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const)) return undefined;
  const statement = decl.parent.parent;
  if (!ts.isVariableStatement(statement) || !ts.isBlock(statement.parent)) return undefined;
  if (runs(statement)) return undefined;
  const held = app.symbol(decl.name);
  const rest = statement.parent.statements;
  for (let i = rest.indexOf(statement) + 1; i < rest.length; i++) {
    const s = rest[i]!;
    if (ts.isIfStatement(s) && [...falsy].every((value) => trueWhen(app, s.expression, held, value))) {
      return !runs(s.expression) && !runs(s.thenStatement) && alwaysLeaves(s.thenStatement, throwingIn(app), answer) ? s : undefined;
    }
    if (runs(s) || jumps(s)) return undefined; // between the call and its test: nothing run, no `break` past the test
  }
  return undefined;
}

/** Whether a condition is true when the `const` `held` holds `value` (`null`, `undefined`, `false`): `!event`, `event === null`, `event == null`, `... || ...`. */
function trueWhen(app: App, e: ts.Expression, held: ts.Symbol | undefined, value: string): boolean {
  e = skipOuter(e);
  const isHeld = (x: ts.Expression): boolean => held !== undefined && ts.isIdentifier(skipOuter(x)) && app.symbol(skipOuter(x)) === held;
  if (ts.isPrefixUnaryExpression(e)) return e.operator === ts.SyntaxKind.ExclamationToken && isHeld(e.operand);
  if (!ts.isBinaryExpression(e)) return false;
  const op = e.operatorToken.kind;
  if (op === ts.SyntaxKind.BarBarToken) return trueWhen(app, e.left, held, value) || trueWhen(app, e.right, held, value);
  const other = isHeld(e.left) ? skipOuter(e.right) : isHeld(e.right) ? skipOuter(e.left) : undefined;
  const text = other === undefined ? undefined : ts.isIdentifier(other) && other.text === "undefined" ? "undefined" : other.kind === ts.SyntaxKind.NullKeyword || other.kind === ts.SyntaxKind.FalseKeyword ? other.getText() : undefined;
  if (op === ts.SyntaxKind.EqualsEqualsEqualsToken) return text === value;
  return op === ts.SyntaxKind.EqualsEqualsToken && (text === "null" || text === "undefined") && value !== "false";
}

/** Whether a statement has a `break` or `continue` (outside nested functions): it may jump past the test. */
function jumps(s: ts.Node): boolean {
  return ts.isBreakOrContinueStatement(s) || (!isFunctionLike(s) && ts.forEachChild(s, (c) => jumps(c) || undefined) === true);
}
