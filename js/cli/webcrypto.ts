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
//              the bytes `new TextEncoder().encode(secret)` or `Buffer.from(secret[, "<encoding>"])`;
//   signature  a header of the request, or one decoded by `Buffer.from(header, "<encoding>")` or
//              by a function of the app given only that header, reading no secret, calling no
//              function of the app and no `crypto.subtle` (a signature made with the secret
//              always matches);
//   data       the request's body, or `new TextEncoder().encode(body)`.
//
// `crypto` is the global Web Crypto (`crypto`, `globalThis.crypto`), never an app's object or an
// import of that name. A signature computed with `crypto.subtle.sign` and compared by hand is no
// check: written with `verify`, the platform compares in constant time.
import ts from "typescript";
import { readsEnv } from "./envreads.js";
import { skipOuter, type App } from "./program.js";
import { follow, isBody, isHeaderValue, isSecret, methodOf, propertyName, valueOf, verifiesRequest, type Recognized } from "./sigargs.js";

export const WEB_CRYPTO_HMAC = "Web Crypto HMAC verify";

/** `crypto.subtle.verify(...)` of the global Web Crypto, as a recognized check (its answer, a promise of a boolean). */
export function recognizeHmac(app: App, call: ts.CallExpression): Recognized | undefined {
  return subtleCall(app, call, "verify") ? { via: WEB_CRYPTO_HMAC, async: true, kind: "webcrypto" } : undefined;
}

/** Whether a recognized check checks the request held as `requests` with the app's secret (sigargs.ts for the SDKs'). */
export function verifies(app: App, call: ts.CallExpression, made: Recognized, requests: Set<ts.Symbol>): boolean {
  if (made.kind !== "webcrypto") return verifiesRequest(app, call, made, requests);
  const [algorithm, key, signature, data] = call.arguments;
  if (requests.size === 0 || call.arguments.length !== 4 || call.arguments.some(ts.isSpreadElement)) return false;
  return isHmac(app, algorithm!, false) && isSecretKey(app, key!) && isSignature(app, signature!, requests) && (isBody(app, data, requests) || isBody(app, encoded(app, data!), requests));
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
function isGlobalName(app: App, id: ts.Identifier): boolean {
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
  return bytes !== undefined && (isSecret(app, encoded(app, bytes)) || isSecret(app, bufferFrom(app, bytes)));
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
  const owner = skipOuter((skipOuter(e.expression) as ts.PropertyAccessExpression).expression);
  const encoding = e.arguments[1] === undefined ? undefined : follow(app, e.arguments[1]);
  if (encoding !== undefined && !ts.isStringLiteralLike(encoding)) return undefined;
  return ts.isIdentifier(owner) && owner.text === "Buffer" && isGlobalName(app, owner) ? e.arguments[0] : undefined;
}

/** The signature the request brings: a header, decoded by `Buffer.from(header, "hex")` or by a converter of the app given that header alone. */
function isSignature(app: App, e: ts.Expression, requests: Set<ts.Symbol>): boolean {
  if (isHeaderValue(app, e, requests) || isHeaderValue(app, bufferFrom(app, e), requests)) return true;
  const call = follow(app, e);
  if (!ts.isCallExpression(call) || call.arguments.length !== 1 || !isHeaderValue(app, call.arguments[0], requests)) return false;
  const converter = app.appFunction(call);
  return converter !== undefined && "body" in converter && converter.body !== undefined && converter.asteriskToken === undefined && !knowsSecret(app, converter.body);
}

/** Whether code may make a signature of its own: it reads the environment, uses `crypto.subtle` or calls a function of the app. */
function knowsSecret(app: App, code: ts.Node): boolean {
  const seen = new Set<ts.Node>();
  const visit = (n: ts.Node): boolean => {
    if (readsEnv(app, n) || (ts.isPropertyAccessExpression(n) && n.name.text === "subtle")) return true;
    const held = ts.isIdentifier(n) ? app.constInitializer(n) : undefined; // a `const` it reads, of the module too
    if (held !== undefined && !seen.has(held) && (seen.add(held), visit(held))) return true;
    if (ts.isCallExpression(n) && app.appFunction(n) !== undefined) return true;
    return ts.forEachChild(n, (c) => visit(c) || undefined) === true;
  };
  return visit(code);
}
