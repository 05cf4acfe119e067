// A webhook's signature covers the request's body only (svix's also its id and timestamp headers;
// Slack's base the timestamp header it holds). After a valid check, what else the request carries
// (another header, the URL and its query) is anyone's to set: replaying a captured, validly signed
// request with an added `x-event` header or `?amount=` passes the check (attack36 F7). So an HTTP
// action whose signature check counts, and that passes `ctx.runMutation`/`runAction` or the
// scheduler data read from `request.headers` or `request.url` (through the handler's variables:
// `const { headers, url } = request`, `request.clone()`, a header loop, a `let` assigned again, an
// app helper given the request: `eventOf(request)` returning `r.headers.get("x-event")`),
// is reported `public-no-auth` at medium: its check does not vouch for what it acts on.
import ts from "typescript";
import { schedules } from "./facts-syntax.js";
import type { ConvexFunction } from "./functions.js";
import { skipOuter, within, type App, type Loc } from "./program.js";
import { paramsGiven } from "./paramflow.js";
import { handlerRequests } from "./sigargs.js";
import { recognizeHmac } from "./webcrypto.js";

/** The headers an SDK's signature covers besides the body: svix's and standardwebhooks' id and timestamp (and the signature itself). */
const SVIX = ["svix-id", "svix-timestamp", "svix-signature", "webhook-id", "webhook-timestamp", "webhook-signature"];
const RUNS = new Set(["runMutation", "runAction"]);

/** The first run or schedule of a signed route given data the signature does not cover, and the read it comes from. */
export function unsignedRun(app: App, fn: ConvexFunction): { run: string; at: Loc; read: string; readAt: Loc } | undefined {
  const handler = fn.handler;
  const vias = (fn.signatures ?? []).map((s) => s.via);
  if (handler === undefined || vias.length === 0) return undefined;
  const requests = handlerRequests(app, handler);
  const covered = new Set<string>(vias.some((v) => /svix|standardwebhooks|clerk/.test(v)) ? SVIX : vias.some((v) => v.includes("stripe")) ? ["stripe-signature"] : []);
  // The parameters of app helpers given the request (`eventOf(request)`), read as it is (finalread28 FN3).
  const given = new Set<ts.Symbol>();
  const isRequest = (e: ts.Expression, depth = 0): boolean => {
    e = skipOuter(e);
    if (ts.isCallExpression(e) && e.arguments.length === 0 && ts.isPropertyAccessExpression(skipOuter(e.expression))) return isRequest((skipOuter(e.expression) as ts.PropertyAccessExpression).expression, depth); // `request.clone()`
    const symbol = ts.isIdentifier(e) ? app.symbol(e) : undefined;
    if (symbol !== undefined && (requests.has(symbol) || given.has(symbol))) return true;
    const init = ts.isIdentifier(e) && depth < 4 ? app.constInitializer(e) : undefined; // `const r2 = request.clone()`
    return init !== undefined && within(init, handler) && isRequest(init, depth + 1);
  };
  // A read of the request's headers or URL in `e`, through the handler's variables.
  const readIn = (e: ts.Node, depth: number): ts.Node | undefined => {
    if (ts.isPropertyAccessExpression(e) && (e.name.text === "headers" || e.name.text === "url") && isRequest(e.expression)) {
      const get = e.parent;
      const name = ts.isPropertyAccessExpression(get) && get.name.text === "get" && ts.isCallExpression(get.parent) && get.parent.arguments[0] !== undefined && ts.isStringLiteralLike(get.parent.arguments[0]) ? get.parent.arguments[0].text.toLowerCase() : undefined;
      if (e.name.text === "url" || name === undefined || !covered.has(name)) return e.name.text === "headers" && name !== undefined ? get.parent : e;
      return undefined;
    }
    if (ts.isIdentifier(e) && depth < 4) {
      const symbol = ts.isShorthandPropertyAssignment(e.parent) ? app.checker.getShorthandAssignmentValueSymbol(e.parent) : app.symbol(e);
      const own = symbol?.valueDeclaration;
      let decl: ts.Node | undefined = own;
      while (decl !== undefined && (ts.isBindingElement(decl) || ts.isObjectBindingPattern(decl) || ts.isArrayBindingPattern(decl))) decl = decl.parent;
      if (decl === undefined || !ts.isVariableDeclaration(decl) || !within(decl, handler)) return undefined;
      // `for (const [k, v] of request.headers)`: the loop's iterable.
      const list = decl.parent;
      const init = ts.isVariableDeclarationList(list) && ts.isForOfStatement(list.parent) && list.parent.initializer === list ? list.parent.expression : decl.initializer;
      // `const { headers, url } = request`: the request's headers or URL themselves.
      const member = own !== undefined && ts.isBindingElement(own) && ts.isObjectBindingPattern(own.parent) ? (own.propertyName ?? own.name) : undefined;
      if (member !== undefined && ts.isIdentifier(member) && (member.text === "headers" || member.text === "url") && init !== undefined && isRequest(init)) return e;
      const read = init === undefined ? undefined : readIn(init, depth + 1);
      // A `let` assigned again in the handler (`user = v` in a loop): each value it is given.
      if (read !== undefined || ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const || symbol === undefined) return read;
      const assigned = (n: ts.Node): ts.Node | undefined =>
        ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment && ts.isIdentifier(skipOuter(n.left)) && app.symbol(skipOuter(n.left)) === symbol ? readIn(n.right, depth + 1) : ts.forEachChild(n, assigned);
      return assigned(handler);
    }
    // An app helper given the request that answers a header or its URL (`eventOf(request)` returning `r.headers.get("x-event")`).
    const helper = ts.isCallExpression(e) && depth < 4 ? paramsGiven(app, e, (a) => isRequest(a)) : undefined;
    if (helper !== undefined) {
      for (const p of helper.params) given.add(p);
      const read = helper.params.size === 0 ? undefined : answers(helper.body).map((r) => [r, readIn(r, depth + 1)] as const).find(([r, x]) => x !== undefined && answered(x, r));
      if (read !== undefined) return read[1];
    }
    return ts.forEachChild(e, (c) => readIn(c, depth));
  };
  // Web Crypto: the headers its `verify` reads (the signature, Slack's timestamp in the signed base).
  const visitHmac = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && recognizeHmac(app, n) !== undefined) for (const a of n.arguments) headerNames(app, a, handler, covered, 0);
    ts.forEachChild(n, visitHmac);
  };
  if (vias.some((v) => v.includes("Web Crypto"))) visitHmac(handler);
  let out: ReturnType<typeof unsignedRun>;
  const visit = (n: ts.Node): void => {
    if (out !== undefined) return;
    if (ts.isCallExpression(n)) {
      const path = app.memberPath(n.expression);
      const method = path[path.length - 1] ?? "";
      const read = RUNS.has(method) || schedules(path) ? n.arguments.map((a) => readIn(a, 0)).find((r) => r !== undefined) : undefined;
      if (read !== undefined) out = { run: `ctx.${schedules(path) ? "scheduler." : ""}${method}`, at: app.loc(n), read: read.getText().replace(/\s+/g, " ").slice(0, 60), readAt: app.loc(read) };
    }
    ts.forEachChild(n, visit);
  };
  visit(handler);
  return out;
}

/** The literal header names `e` reads (`request.headers.get("x-signature")`), through the handler's `const`s. */
function headerNames(app: App, e: ts.Node, handler: ts.Node, into: Set<string>, depth: number): void {
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(skipOuter(e.expression)) && (skipOuter(e.expression) as ts.PropertyAccessExpression).name.text === "get" && e.arguments[0] !== undefined && ts.isStringLiteralLike(e.arguments[0])) into.add(e.arguments[0].text.toLowerCase());
  const init = ts.isIdentifier(e) && depth < 4 ? app.constInitializer(e) : undefined;
  if (init !== undefined && within(init, handler)) headerNames(app, init, handler, into, depth + 1);
  ts.forEachChild(e, (c) => headerNames(app, c, handler, into, depth));
}

/** What a function's body answers: its arrow's expression, or its own `return`s' (not those of functions in it). */
function answers(body: ts.Node): ts.Expression[] {
  if (ts.isExpression(body)) return [body];
  const out: ts.Expression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isReturnStatement(n) && n.expression !== undefined) out.push(n.expression);
    if (!ts.isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(body);
  return out;
}

/** Whether the read `x` (a header's `get`, the URL) is what `answer` gives back, not handed to a call that makes something else of it (a signature check given the headers). */
function answered(x: ts.Node, answer: ts.Expression): boolean {
  if (ts.isPropertyAccessExpression(x) && x.name.text === "headers") return false;
  for (let n: ts.Node = x, p = x.parent; n !== answer && p !== undefined; n = p, p = p.parent) {
    if ((ts.isCallExpression(p) || ts.isNewExpression(p)) && p.arguments?.includes(n as ts.Expression) === true && !/^(URL|String|Number|decodeURIComponent|JSON\.parse)$/.test(skipOuter(p.expression).getText())) return false;
  }
  return true;
}
