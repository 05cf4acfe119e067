// What a recognized signature check verifies (signatures.ts): a check proves the caller only
// when it checks the request's own body against the request's own signature with the app's
// secret. So a check counts only when its arguments are, through the app's `const`s:
//
//   secret     `process.env.NAME` or `process.env["NAME"]` (with `!`, `as string`, `?? ""`,
//              `|| ""`; Stripe's with no fallback), never with a non-empty fallback (`?? "dev-secret"`: a key anyone who
//              reads the code knows), a value of the request, a parameter or a computed key;
//   payload    `await request.text()`, `await request.arrayBuffer()` or `Buffer.from(...)` of one;
//   headers    an object of `request.headers.get("...")` values, `request.headers` or
//              `Object.fromEntries(request.headers)` (svix, standardwebhooks);
//   signature  `request.headers.get("...")` (Stripe);
//   request    the handler's Request parameter or its `clone()`: Clerk's `verifyWebhook(request,
//              { signingSecret })`, whose secret, when not given, is CLERK_WEBHOOK_SIGNING_SECRET.
//
// `request` is the handler's Request parameter, or a helper's parameter the handler passes it to;
// in a helper, a parameter the handler gives the body it read (a `const` of `await request.text()`)
// is that body, and one it gives `request.headers.get("...")` is that header's value (`verify(body,
// request.headers.get("x-signature"))`: the helper need not read the body a second time).
// Anything else (a constant sample payload, a signature the app made itself, a secret the
// request names) is no check: the finding stays.
import ts from "typescript";
import { readsEnv } from "./envreads.js";
import { callParameters } from "./paramflow.js";
import { skipOuter, type App } from "./program.js";

/** A recognized check: shown as `via`, awaited to count when `async`; `secret`, `new Webhook(secret)`'s argument. */
export interface Recognized {
  via: string;
  async: boolean;
  kind: "webhook" | "stripe" | "clerk" | "webcrypto";
  secret?: ts.Expression | undefined;
}

/** The names holding the handler's Request, or in a helper its body or one of its header's values (`request`, `body`, `header`). */
export type Requests = Map<ts.Symbol, "request" | "body" | "header">;

/** The names holding the handler's Request: its second parameter. */
export function handlerRequests(app: App, handler: ts.SignatureDeclaration): Requests {
  return paramSymbols(app, handler, [[handler.parameters[1], "request"]]);
}

/**
 * The parameters of `helper` that `call` (in code holding the Request as `requests`) passes the
 * Request to (`verify(request)`, `verify(request.clone())`), the body read from it (`verify(body,
 * ...)`, `body` a `const` of `await request.text()`) or one of its header's values.
 */
export function passedRequests(app: App, call: ts.CallExpression, helper: ts.SignatureDeclaration, requests: Requests): Requests {
  if (call.arguments.some(ts.isSpreadElement)) return new Map();
  const given = callParameters(helper).map((p, i): [ts.ParameterDeclaration, "request" | "body" | "header" | undefined] => {
    const arg = p.dotDotDotToken === undefined ? call.arguments[i] : undefined;
    return [p, arg === undefined ? undefined : isRequest(app, arg, requests) ? "request" : isBody(app, arg, requests) ? "body" : isHeaderValue(app, arg, requests) ? "header" : undefined];
  });
  return paramSymbols(app, helper, given);
}

/** The symbols of `params` of `fn`, but one `fn` assigns anew (`request = new Request(...)`): it may hold another request. */
function paramSymbols(app: App, fn: ts.SignatureDeclaration, params: [ts.ParameterDeclaration | undefined, "request" | "body" | "header" | undefined][]): Requests {
  const out: Requests = new Map();
  for (const [p, held] of params) {
    const symbol = p !== undefined && held !== undefined && ts.isIdentifier(p.name) ? app.symbol(p.name) : undefined;
    if (symbol !== undefined) out.set(symbol, held!);
  }
  const visit = (n: ts.Node): void => {
    const op = ts.isBinaryExpression(n) ? n.operatorToken.kind : undefined;
    const assigned = op !== undefined && op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment ? skipOuter((n as ts.BinaryExpression).left) : undefined;
    const symbol = assigned !== undefined && ts.isIdentifier(assigned) ? app.symbol(assigned) : undefined;
    if (symbol !== undefined) out.delete(symbol);
    ts.forEachChild(n, visit);
  };
  visit(fn);
  return out;
}

/** Whether `call`, a recognized check, checks the request held as `requests` with the app's secret. */
export function verifiesRequest(app: App, call: ts.CallExpression, made: Recognized, requests: Requests): boolean {
  const args = call.arguments;
  if (requests.size === 0 || args.some(ts.isSpreadElement)) return false;
  if (made.kind === "webhook") return made.secret !== undefined && isSecret(app, made.secret) && isBody(app, args[0], requests) && isHeaders(app, args[1], requests);
  if (made.kind === "stripe") return isBody(app, args[0], requests) && isHeaderValue(app, args[1], requests) && isSecret(app, args[2], false);
  if (made.kind !== "clerk" || args[0] === undefined || !isRequest(app, args[0], requests)) return false;
  if (args[1] === undefined) return true; // Clerk reads CLERK_WEBHOOK_SIGNING_SECRET itself
  const options = follow(app, args[1]);
  return ts.isObjectLiteralExpression(options) && options.properties.every((p) => p.name !== undefined && propertyName(p.name) === "signingSecret" && isSecret(app, valueOf(app, p)));
}

/** An expression through parentheses, casts, `!`, `await` and the app's `const`s (imported too). */
export function follow(app: App, e: ts.Expression, depth = 0): ts.Expression {
  e = skipOuter(e);
  if (!ts.isIdentifier(e) || depth >= 8) return e;
  const decl = app.symbol(e)?.valueDeclaration;
  if (decl === undefined || !ts.isVariableDeclaration(decl) || !ts.isIdentifier(decl.name) || decl.initializer === undefined) return e;
  if (!(ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const) || !app.isAppCode(decl.getSourceFile())) return e;
  return follow(app, decl.initializer, depth + 1);
}

/** The value of a property written `key: value` or `key` (a `const` of that name); undefined otherwise. */
export function valueOf(app: App, p: ts.ObjectLiteralElementLike): ts.Expression | undefined {
  if (ts.isPropertyAssignment(p)) return p.initializer;
  if (!ts.isShorthandPropertyAssignment(p)) return undefined;
  const decl = app.checker.getShorthandAssignmentValueSymbol(p)?.valueDeclaration;
  return decl !== undefined && ts.isVariableDeclaration(decl) && ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const && app.isAppCode(decl.getSourceFile()) ? decl.initializer : undefined;
}

export function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteralLike(name) ? name.text : undefined;
}

/**
 * `e ?? "..."`, `e || "..."`: `e`; anything else as it is. With `empty`, only an empty fallback
 * (`?? ""`): a secret's non-empty fallback (`?? "dev-secret"`) is a key anyone reading the code
 * knows, while an empty one fails closed (an empty HMAC key is refused; an SDK refuses it too).
 */
function withoutFallback(app: App, e: ts.Expression, empty = false): ts.Expression {
  e = follow(app, e);
  const op = ts.isBinaryExpression(e) ? e.operatorToken.kind : undefined;
  const fallback = ts.isBinaryExpression(e) ? follow(app, e.right) : undefined;
  if (ts.isBinaryExpression(e) && (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) && fallback !== undefined && ts.isStringLiteralLike(fallback) && (!empty || fallback.text === "")) {
    return follow(app, e.left);
  }
  return e;
}

/**
 * The app's secret: `process.env.NAME`, `process.env["NAME"]`, with a `?? ""` or `|| ""` fallback
 * (none other) when `empty` (the check refuses an empty key); Stripe's takes none: its
 * `constructEvent` signs with an empty key as with any other, so a forged signature passes.
 */
export function isSecret(app: App, e: ts.Expression | undefined, empty = true): boolean {
  if (e === undefined) return false;
  e = empty ? withoutFallback(app, e, true) : follow(app, e);
  if (ts.isPropertyAccessExpression(e)) return ts.isIdentifier(e.name) && readsEnv(app, follow(app, e.expression));
  return ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression) && readsEnv(app, follow(app, e.expression));
}

/** The request: a name in `requests`, or its `clone()`. */
function isRequest(app: App, e: ts.Expression, requests: Requests, depth = 0): boolean {
  e = follow(app, e);
  if (ts.isIdentifier(e)) {
    const symbol = app.symbol(e);
    return symbol !== undefined && requests.get(symbol) === "request";
  }
  return depth < 4 && ts.isCallExpression(e) && e.arguments.length === 0 && methodOf(e) === "clone" && isRequest(app, (skipOuter(e.expression) as ts.PropertyAccessExpression).expression, requests, depth + 1);
}

/** What a name holds of the request (a helper's parameter given its body or a header's value). */
function held(app: App, e: ts.Identifier, requests: Requests): string | undefined {
  const symbol = app.symbol(e);
  return symbol === undefined ? undefined : requests.get(symbol);
}

/** `text` of `x.text()`. */
export function methodOf(call: ts.CallExpression): string | undefined {
  const callee = skipOuter(call.expression);
  return ts.isPropertyAccessExpression(callee) && !(call.flags & ts.NodeFlags.OptionalChain) ? callee.name.text : undefined;
}

/** `request.headers` (or a `const` holding it). */
function isRequestHeaders(app: App, e: ts.Expression, requests: Requests): boolean {
  e = follow(app, e);
  return ts.isPropertyAccessExpression(e) && e.name.text === "headers" && isRequest(app, e.expression, requests);
}

/** The request's body: `await request.text()`, `await request.arrayBuffer()`, `Buffer.from(...)` of one; a helper's parameter given it. */
export function isBody(app: App, e: ts.Expression | undefined, requests: Requests, depth = 0): boolean {
  if (e === undefined) return false;
  e = follow(app, e);
  if (ts.isIdentifier(e)) return held(app, e, requests) === "body";
  if (!ts.isCallExpression(e)) return false;
  const method = methodOf(e);
  const callee = skipOuter(e.expression) as ts.PropertyAccessExpression;
  if ((method === "text" || method === "arrayBuffer") && e.arguments.length === 0) return isRequest(app, callee.expression, requests);
  const owner = method === "from" ? skipOuter(callee.expression) : undefined;
  return owner !== undefined && ts.isIdentifier(owner) && owner.text === "Buffer" && app.isGlobal(owner) && e.arguments.length === 1 && depth < 4 && isBody(app, e.arguments[0], requests, depth + 1);
}

/** One header of the request: `request.headers.get("name")` (a literal name), with `!` or a `?? ""` fallback; a helper's parameter given one. */
export function isHeaderValue(app: App, e: ts.Expression | undefined, requests: Requests): boolean {
  if (e === undefined) return false;
  e = withoutFallback(app, e);
  if (ts.isIdentifier(e)) return held(app, e, requests) === "header";
  if (!ts.isCallExpression(e) || methodOf(e) !== "get" || e.arguments.length !== 1 || !ts.isStringLiteralLike(follow(app, e.arguments[0]!))) return false;
  return isRequestHeaders(app, (skipOuter(e.expression) as ts.PropertyAccessExpression).expression, requests);
}

/** The request's headers: `request.headers`, `Object.fromEntries(request.headers[.entries()])`, or an object of its header values. */
function isHeaders(app: App, e: ts.Expression | undefined, requests: Requests): boolean {
  if (e === undefined) return false;
  e = follow(app, e);
  if (ts.isObjectLiteralExpression(e)) return e.properties.length > 0 && e.properties.every((p) => ts.isPropertyAssignment(p) && isHeaderValue(app, p.initializer, requests));
  if (isRequestHeaders(app, e, requests)) return true;
  if (!ts.isCallExpression(e) || methodOf(e) !== "fromEntries" || e.arguments.length !== 1) return false;
  const owner = skipOuter((skipOuter(e.expression) as ts.PropertyAccessExpression).expression);
  if (!ts.isIdentifier(owner) || owner.text !== "Object" || !app.isGlobal(owner)) return false;
  let entries = follow(app, e.arguments[0]!);
  if (ts.isCallExpression(entries) && methodOf(entries) === "entries" && entries.arguments.length === 0) entries = (skipOuter(entries.expression) as ts.PropertyAccessExpression).expression;
  return isRequestHeaders(app, entries, requests);
}
