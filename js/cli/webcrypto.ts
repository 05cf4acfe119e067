// A webhook's signature checked without an SDK, by the platform's Web Crypto HMAC (signatures.ts
// recognizes it beside svix, Stripe and Clerk):
//
//   const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(process.env.BILLING_SECRET!),
//     { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
//   const ok = await crypto.subtle.verify("HMAC", key, hexToBytes(request.headers.get("x-signature") ?? ""),
//     new TextEncoder().encode(body));       // body = await request.text()
//   if (!ok) return new Response("bad signature", { status: 401 });
//
// `verify` answers false on a bad signature rather than throwing, so signatures.ts counts it only
// when that false leaves (`leavesOnFalsy`). Its arguments are read with sigargs.ts's readers:
//
//   algorithm  "HMAC" or `{ name: "HMAC" }`;
//   key        `crypto.subtle.importKey("raw", <bytes of the secret>, { name: "HMAC", ... }, ...)`,
//              the bytes `new TextEncoder().encode(secret)`, `Buffer.from(secret[, "<encoding>"])`
//              or `Uint8Array.from(atob(secret), (c) => c.charCodeAt(0))`, or an app function
//              given the secret alone returning one of these of its parameter;
//   signature  a header of the request (its literal prefix cut: `.slice(7)`, `.replace("sha256=",
//              "")`, `.split("=")[1]`), or one decoded by `Buffer.from(header, "<encoding>")` or
//              by a function of the app given only that header, reading nothing but its
//              parameter, literals and pure built-ins (converter.ts: a signature made with the
//              secret, or kept in module state, always matches), or inline by such a transform
//              of the header alone (inlinedecode.ts: `Uint8Array.from(sig.match(/../g)!, ...)`);
//   data       the request's body, `new TextEncoder().encode(body)`, or of a base holding the
//              body among the request's headers and literals (Slack's `v0:${ts}:${body}`).
//
// Any change the app makes to the global Web Crypto voids every such check (cryptopatch.ts).
//
// `crypto` is the global Web Crypto (`crypto`, `globalThis.crypto`), never an app's object or an
// import of that name. A signature computed with `crypto.subtle.sign` and compared by hand is no
// check: written with `verify`, the platform compares in constant time.
import ts from "typescript";
import { skipOuter, type App } from "./program.js";
import { isPureConverter } from "./converter.js";
import { isInlineDecode } from "./inlinedecode.js";
import { callParameters } from "./paramflow.js";
import { follow, isBody, isHeaderValue, isSecret, methodOf, propertyName, valueOf, verifiesRequest, type Recognized, type Requests } from "./sigargs.js";

export const WEB_CRYPTO_HMAC = "Web Crypto HMAC verify";

/** `crypto.subtle.verify(...)` of the global Web Crypto, as a recognized check (its answer, a promise of a boolean). */
export function recognizeHmac(app: App, call: ts.CallExpression): Recognized | undefined {
  return subtleCall(app, call, "verify") ? { via: WEB_CRYPTO_HMAC, async: true, kind: "webcrypto" } : undefined;
}

/** Whether a recognized check checks the request held as `requests` with the app's secret (sigargs.ts for the SDKs'). */
export function verifies(app: App, call: ts.CallExpression, made: Recognized, requests: Requests): boolean {
  return made.kind !== "webcrypto" ? verifiesRequest(app, call, made, requests) : hmacRefused(app, call, requests) === undefined;
}

/** Why a `crypto.subtle.verify(...)` proves nothing of the request held as `requests` (a `public-no-auth` message names it, signatures.ts); undefined when it does. */
export function hmacRefused(app: App, call: ts.CallExpression, requests: Requests): string | undefined {
  const [algorithm, key, signature, data] = call.arguments;
  if (requests.size === 0) return "the handler's request is not read";
  if (call.arguments.length !== 4 || call.arguments.some(ts.isSpreadElement)) return "its four arguments are not written out";
  const bytes = encoded(app, data!);
  if (!isHmac(app, algorithm!, false)) return 'its algorithm is not "HMAC"';
  if (!isSecretKey(app, key!)) return 'its key is not crypto.subtle.importKey("raw", ...) of the bytes of a secret of the environment alone (a fallback value or a literal is none)';
  if (!isSignature(app, signature!, requests)) return 'its signature is not a header of the request, nor one decoded from it alone (by Buffer.from(header, "hex"), an app function given the header, or inline) reading nothing else';
  return isBody(app, data, requests) || isBody(app, bytes, requests) || isSignedBase(app, bytes, requests) ? undefined : "its data is not the request's body, nor a base of the body and headers";
}

/** Whether `call` is `crypto.subtle.<method>(...)` (or `globalThis.crypto.subtle`, through the app's `const`s). */
function subtleCall(app: App, call: ts.CallExpression, method: string): boolean {
  const callee = skipOuter(call.expression);
  if (call.flags & ts.NodeFlags.OptionalChain || !ts.isPropertyAccessExpression(callee) || callee.name.text !== method) return false;
  const subtle = follow(app, callee.expression);
  if (!ts.isPropertyAccessExpression(subtle) || subtle.name.text !== "subtle") return false;
  const crypto = follow(app, subtle.expression);
  if (ts.isIdentifier(crypto)) return crypto.text === "crypto" && isGlobalName(app, crypto);
  const root = ts.isPropertyAccessExpression(crypto) && crypto.name.text === "crypto" ? skipOuter(crypto.expression) : undefined;
  return root !== undefined && ts.isIdentifier(root) && root.text === "globalThis" && isGlobalName(app, root);
}

/** A global's name: declared nowhere in the app, nor imported (`import crypto from "node:crypto"` is a module). */
export function isGlobalName(app: App, id: ts.Identifier): boolean {
  const own = app.checker.getSymbolAtLocation(id);
  return app.isGlobal(id) && (own === undefined || !(own.flags & ts.SymbolFlags.Alias));
}

/** `"HMAC"` or `{ name: "HMAC" }` (with `hash` and `length` too, for `importKey`). */
function isHmac(app: App, e: ts.Expression, forKey: boolean): boolean {
  e = follow(app, e);
  if (ts.isStringLiteralLike(e)) return e.text === "HMAC";
  if (!ts.isObjectLiteralExpression(e)) return false;
  const named = e.properties.filter((p) => p.name !== undefined && propertyName(p.name) === "name");
  const value = named.length === 1 ? valueOf(app, named[0]!) : undefined;
  const others = e.properties.every((p) => p.name !== undefined && ["name", ...(forKey ? ["hash", "length"] : [])].includes(propertyName(p.name) ?? ""));
  return others && value !== undefined && ts.isStringLiteralLike(follow(app, value)) && (follow(app, value) as ts.StringLiteral).text === "HMAC";
}

/** A key `crypto.subtle.importKey("raw", <bytes of the app's secret>, { name: "HMAC", ... }, ...)` made (a `const` holding it, awaited). */
function isSecretKey(app: App, e: ts.Expression): boolean {
  const made = follow(app, e);
  if (!ts.isCallExpression(made) || !subtleCall(app, made, "importKey") || made.arguments.some(ts.isSpreadElement)) return false;
  const [format, bytes, algorithm] = made.arguments;
  const raw = format === undefined ? undefined : follow(app, format);
  if (raw === undefined || !ts.isStringLiteralLike(raw) || raw.text !== "raw" || algorithm === undefined || !isHmac(app, algorithm, true)) return false;
  return bytes !== undefined && isSecretBytes(app, bytes);
}

/** The secret's bytes: `new TextEncoder().encode(secret)`, `Buffer.from(secret[, enc])`, `Uint8Array.from(atob(secret), (c) => c.charCodeAt(0))`, or an app function answering one of its parameter. */
function isSecretBytes(app: App, e: ts.Expression): boolean {
  if (isSecret(app, encoded(app, e)) || isSecret(app, bufferFrom(app, e)) || isSecret(app, fromBase64(app, e))) return true;
  const call = follow(app, e);
  const fn = ts.isCallExpression(call) && call.arguments.length === 1 ? fixedFunction(app, call) : undefined;
  const filled = fn === undefined ? [] : callParameters(fn); // without TypeScript's `this` parameter
  const param = filled.length === 1 ? filled[0]!.name : undefined;
  if (fn === undefined || param === undefined || !ts.isIdentifier(param) || !("body" in fn) || fn.body === undefined || fn.asteriskToken !== undefined) return false;
  const body = fn.body as ts.Node;
  const only = ts.isBlock(body) ? (body.statements.length === 1 && ts.isReturnStatement(body.statements[0]!) ? body.statements[0].expression : undefined) : (body as ts.Expression);
  const given = only === undefined ? undefined : (encoded(app, only) ?? bufferFrom(app, only) ?? fromBase64(app, only));
  const held = given === undefined ? undefined : skipOuter(given);
  return held !== undefined && ts.isIdentifier(held) && app.symbol(held) === app.symbol(param) && isSecret(app, (call as ts.CallExpression).arguments[0]);
}

/** The app function a call reaches, but one held in a `let` or `var` (assigned anew, it may be another). */
function fixedFunction(app: App, call: ts.CallExpression): ts.SignatureDeclaration | undefined {
  const fn = app.appFunction(call);
  const holder = fn?.parent;
  return holder !== undefined && ts.isVariableDeclaration(holder) && !(ts.getCombinedNodeFlags(holder) & ts.NodeFlags.Const) ? undefined : fn;
}

/** `x` of `Uint8Array.from(atob(x), (c) => c.charCodeAt(0))` (a base64 secret's bytes); undefined otherwise. */
function fromBase64(app: App, e: ts.Expression): ts.Expression | undefined {
  e = follow(app, e);
  if (!ts.isCallExpression(e) || methodOf(e) !== "from" || e.arguments.length !== 2 || !isGlobalCall(app, e, "Uint8Array")) return undefined;
  const [decoded, each] = e.arguments.map((a) => skipOuter(a));
  if (!ts.isArrowFunction(each!) || each.parameters.length !== 1 || !ts.isIdentifier(each.parameters[0]!.name) || !ts.isCallExpression(each.body)) return undefined;
  const code = each.body;
  const of = ts.isPropertyAccessExpression(code.expression) ? skipOuter(code.expression.expression) : undefined;
  const zero = code.arguments.length === 0 || (code.arguments.length === 1 && ts.isNumericLiteral(code.arguments[0]!) && code.arguments[0].text === "0");
  if (methodOf(code) !== "charCodeAt" || !zero || of === undefined || !ts.isIdentifier(of) || of.text !== each.parameters[0]!.name.text) return undefined;
  const atob = ts.isCallExpression(decoded!) && decoded.arguments.length === 1 ? skipOuter(decoded.expression) : undefined;
  return atob !== undefined && ts.isIdentifier(atob) && atob.text === "atob" && isGlobalName(app, atob) ? (decoded as ts.CallExpression).arguments[0] : undefined;
}

/** Whether `call` is `<Global>.<method>(...)` of the global `name` (`Uint8Array.from`). */
function isGlobalCall(app: App, call: ts.CallExpression, name: string): boolean {
  const owner = skipOuter((skipOuter(call.expression) as ts.PropertyAccessExpression).expression);
  return ts.isIdentifier(owner) && owner.text === name && isGlobalName(app, owner);
}

/** `x` of `new TextEncoder().encode(x)` (the encoder made there or held in a `const`); undefined otherwise. */
function encoded(app: App, e: ts.Expression): ts.Expression | undefined {
  e = follow(app, e);
  if (!ts.isCallExpression(e) || methodOf(e) !== "encode" || e.arguments.length !== 1) return undefined;
  const encoder = follow(app, (skipOuter(e.expression) as ts.PropertyAccessExpression).expression);
  const made = ts.isNewExpression(encoder) ? skipOuter(encoder.expression) : undefined;
  return made !== undefined && ts.isIdentifier(made) && made.text === "TextEncoder" && isGlobalName(app, made) ? e.arguments[0] : undefined;
}

/** `x` of `Buffer.from(x)` or `Buffer.from(x, "<encoding>")`; undefined otherwise. */
function bufferFrom(app: App, e: ts.Expression): ts.Expression | undefined {
  e = follow(app, e);
  if (!ts.isCallExpression(e) || methodOf(e) !== "from" || e.arguments.length < 1 || e.arguments.length > 2) return undefined;
  const encoding = e.arguments[1] === undefined ? undefined : follow(app, e.arguments[1]);
  if (encoding !== undefined && !ts.isStringLiteralLike(encoding)) return undefined;
  return isGlobalCall(app, e, "Buffer") ? e.arguments[0] : undefined;
}

/**
 * The signature the request brings: a header, its literal prefix stripped (`.slice(7)`,
 * `.replace("sha256=", "")`, `.split("=")[1]`), decoded by `Buffer.from(header, "hex")`, by a
 * converter of the app given that header alone that reads nothing else (converter.ts), or inline
 * by a pure transform of that header alone (inlinedecode.ts).
 */
function isSignature(app: App, e: ts.Expression, requests: Requests): boolean {
  const header = (x: ts.Expression | undefined): boolean => x !== undefined && isHeaderValue(app, stripped(app, x), requests);
  if (header(e) || header(bufferFrom(app, e))) return true;
  if (isInlineDecode(app, e, header)) return true;
  const call = follow(app, e);
  if (!ts.isCallExpression(call) || call.arguments.length !== 1 || !header(call.arguments[0])) return false;
  const converter = fixedFunction(app, call);
  return converter !== undefined && "body" in converter && converter.body !== undefined && converter.asteriskToken === undefined && isPureConverter(app, converter);
}

/** `h` of `h.slice(7)`, `h.substring(7)`, `h.replace("sha256=", "")` (or a regex), `h.split("=")[1]`; `e` otherwise. */
function stripped(app: App, e: ts.Expression): ts.Expression {
  const f = follow(app, e);
  const call = ts.isElementAccessExpression(f) && ts.isNumericLiteral(f.argumentExpression) ? skipOuter(f.expression) : f;
  if (!ts.isCallExpression(call) || call.arguments.some(ts.isSpreadElement)) return e;
  const method = methodOf(call);
  const [a, b] = call.arguments.map((x) => follow(app, x));
  const literal = (x: ts.Expression | undefined): boolean => x !== undefined && (ts.isStringLiteralLike(x) || x.kind === ts.SyntaxKind.RegularExpressionLiteral);
  const strips =
    call !== f
      ? method === "split" && call.arguments.length === 1 && literal(a)
      : ((method === "slice" || method === "substring") && call.arguments.length === 1 && ts.isNumericLiteral(a!)) ||
        ((method === "replace" || method === "replaceAll") && call.arguments.length === 2 && literal(a) && ts.isStringLiteralLike(b!) && b.text === "");
  return strips ? (skipOuter(call.expression) as ts.PropertyAccessExpression).expression : e;
}

/**
 * Slack's signed base, `` `v0:${timestamp}:${body}` `` (or joined by `+`): the body with the
 * request's headers and literals only. The timestamp's freshness is the app's to check.
 */
function isSignedBase(app: App, e: ts.Expression | undefined, requests: Requests): boolean {
  if (e === undefined) return false;
  const parts: ts.Expression[] = [];
  const split = (x: ts.Expression): boolean => {
    x = follow(app, x);
    if (ts.isTemplateExpression(x)) return x.templateSpans.every((span) => split(span.expression));
    if (ts.isBinaryExpression(x) && x.operatorToken.kind === ts.SyntaxKind.PlusToken) return split(x.left) && split(x.right);
    if (!ts.isStringLiteralLike(x)) parts.push(x);
    return true;
  };
  const base = follow(app, e);
  if (!(ts.isTemplateExpression(base) || ts.isBinaryExpression(base)) || !split(base)) return false;
  return parts.some((p) => isBody(app, p, requests)) && parts.every((p) => isBody(app, p, requests) || isHeaderValue(app, p, requests));
}
