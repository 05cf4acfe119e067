// HTTP routes: `http.route({ path, method, handler })` on convex/server's `HttpRouter`. Each is
// an endpoint anyone on the internet can call, so each is listed ("http POST /webhook") and its
// handler judged, whether it is written in the route (`handler: httpAction(async (ctx, req) =>
// ...)`), held in a local `const`, or an exported HTTP action (then listed once, as its export,
// with the routes that serve it).
import ts from "typescript";
import { resolveValue } from "./argflow.js";
import type { ConfigWarning } from "./config.js";
import { CONVEX, type FactsFinder } from "./facts.js";
import { literalText, propertyValue, schedules } from "./facts-syntax.js";
import { describe, type ConvexFunction } from "./functions.js";
import { finding, looseCall, type Finding } from "./rules.js";
import { skipOuter, type App, type Loc } from "./program.js";
import { voidedCheck } from "./signatures.js";
import { unsignedRun } from "./unsigned.js";

/** How a route's name starts: `http POST /webhook`, `http GET /files/*` (a `pathPrefix`, named as Convex names it). */
export const ROUTE_PREFIX = "http ";

/** One `route(...)` call: `POST /webhook`, its call, and the handler it gives (undefined: not written literally). */
interface Route {
  name: string;
  call: ts.CallExpression;
  handler: ts.Expression | undefined;
}

/** Every route of a Convex `HttpRouter` in the app's code: http.ts's, or a helper's given the router (`(http: HttpRouter) => ...`). */
function findRoutes(app: App): Route[] {
  const out: Route[] = [];
  const files = app.program.getSourceFiles().filter((f) => app.isAppCode(f) && !app.relative(f.fileName).startsWith(".."));
  for (const file of files) {
    const visit = (n: ts.Node): void => {
      // The checker is asked only of calls named `route` (`http.route(...)`).
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(skipOuter(n.expression)) && (skipOuter(n.expression) as ts.PropertyAccessExpression).name.text === "route") {
        const callee = app.calleeFrom(n, CONVEX);
        if (callee?.name === "route" && callee.owner === "HttpRouter") out.push(route(app, n));
      }
      ts.forEachChild(n, visit);
    };
    visit(file);
  }
  return out;
}

function route(app: App, call: ts.CallExpression): Route {
  const spec = call.arguments[0] === undefined ? undefined : resolveValue(app, call.arguments[0]);
  if (spec === undefined || !ts.isObjectLiteralExpression(spec)) return { name: `? (${call.arguments.map((a) => a.getText()).join(", ")})`, call, handler: undefined };
  const text = (e: ts.Expression | undefined) => (e === undefined ? undefined : (literalText(resolveValue(app, e)) ?? e.getText()));
  const prefix = text(propertyValue(spec, "pathPrefix"));
  const path = prefix !== undefined ? `${prefix}*` : (text(propertyValue(spec, "path")) ?? "?");
  return { name: `${text(propertyValue(spec, "method")) ?? "?"} ${path}`, call, handler: propertyValue(spec, "handler") };
}

/**
 * The app's HTTP routes as functions: a route whose handler is an exported HTTP action (by its
 * declaration, through imports and local `const`s) adds its name to that export's `routes`;
 * any other is a function of its own, `http POST /webhook`, reported at its `route` call. A
 * handler the audit cannot read is a warning, never a route judged clean in silence.
 */
export function routeFunctions(app: App, finder: FactsFinder, functions: ConvexFunction[]): { routes: ConvexFunction[]; warnings: ConfigWarning[] } {
  const exported = new Map<ts.Node, ConvexFunction>();
  for (const fn of functions) exported.set(fn.declaration, fn);
  const routes: ConvexFunction[] = [];
  for (const r of findRoutes(app)) {
    const export_ = r.handler === undefined ? undefined : exportedHandler(app, r.handler, exported);
    if (export_ !== undefined) {
      export_.routes = [...(export_.routes ?? []), r.name];
      continue;
    }
    const handler = r.handler === undefined ? undefined : resolveValue(app, r.handler);
    routes.push({ ...describe(app, finder, `${ROUTE_PREFIX}${r.name}`, r.call, { kind: "httpAction", visibility: "public" }, handler), routes: [r.name] });
  }
  const warnings = [...functions, ...routes]
    .filter((fn) => fn.kind === "httpAction" && fn.handler === undefined)
    .map((fn) => ({ ...fn.at, message: `the handler of ${httpName(fn)} could not be read (what a call answers, or a value the audit does not follow to an httpAction(...) of the app): it is listed, not judged` }));
  return { routes, warnings };
}

/** The exported function a handler names (`handler: stripeWebhook`, `hooks.stripe`, or a local `const` holding one). */
function exportedHandler(app: App, handler: ts.Expression, exported: Map<ts.Node, ConvexFunction>): ConvexFunction | undefined {
  let e = skipOuter(handler);
  for (let depth = 0; depth < 4; depth++) {
    const name = ts.isPropertyAccessExpression(e) ? e.name : ts.isIdentifier(e) ? e : undefined;
    const decl = name === undefined ? undefined : app.symbol(name)?.valueDeclaration;
    if (decl === undefined) return undefined;
    const fn = exported.get(decl);
    if (fn !== undefined) return fn;
    if (!ts.isVariableDeclaration(decl) || decl.initializer === undefined || !(ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const)) return undefined;
    e = skipOuter(decl.initializer);
  }
  return undefined;
}

/** `HTTP route POST /webhook`, `HTTP action hooks:stripe (POST /stripe)`, in findings and warnings. */
function httpName(fn: ConvexFunction): string {
  if (fn.id.startsWith(ROUTE_PREFIX)) return `HTTP route ${fn.id.slice(ROUTE_PREFIX.length)}`;
  return `HTTP action ${fn.id}${fn.routes === undefined ? "" : ` (${fn.routes.join(", ")})`}`;
}

/** The fix of an HTTP action that runs a function for any caller. */
const HTTP_AUTH_FIX =
  "Check the caller before it runs anything: guard.requireUser(ctx) (a Convex auth token sent as Authorization: Bearer), requireRole or requirePermission, or ctx.auth.getUserIdentity() and leave on null; a webhook verifies its sender's signature first, and these checks count when their throw leaves the handler and they take the app's secret (process.env.NAME) and the request's own body and signature headers: new Webhook(process.env.NAME).verify(await request.text(), headers from request.headers) of svix or standardwebhooks, stripe.webhooks.constructEvent(await request.text(), request.headers.get('stripe-signature'), process.env.NAME) (or await constructEventAsync) on a new Stripe(...), await verifyWebhook(request) of @clerk/backend/webhooks, or the platform's HMAC, const ok = await crypto.subtle.verify('HMAC', key imported from process.env.NAME, the signature header, await request.text()) and if (!ok) return, never a signature computed with crypto.subtle.sign and compared by hand; a sender that proves itself any other way is allowlisted with that reason: // convex-guard-allow: public-no-auth <reason>, above the route.";

/** The fix of a signed route acting on what its signature does not cover (unsigned.ts). */
const UNSIGNED_FIX = "Act only on what the signature covers, the verified body (the event the check answers, or JSON.parse of the body it checked); a header or the URL and its query are anyone's to set; or allowlist it with its reason: // convex-guard-allow: public-no-auth <reason>.";

/** The fix of an HTTP action that changes data with no rate limit. */
const HTTP_LIMIT_FIX =
  "Call guard.rateLimit(ctx, name, { key }) before it runs or schedules anything (it works in an HTTP action as in any action, through the wired rateLimit mutation), keyed by the checked user's _id, or by a constant key for a webhook's sender, with throws: false and a 429 on its denial (a thrown one answers 500): if (!limit.ok) return new Response(\"Too many requests\", { status: 429, headers: { \"Retry-After\": String(Math.ceil(limit.retryAfter / 1000)) } }); or allowlist it with its reason: // convex-guard-allow: public-no-rate-limit <reason>.";

/** `ctx.scheduler.runAfter(...)`, `runAt(...)` written in a handler: a function run later, for whoever called. */
function scheduled(app: App, handler: ts.SignatureDeclaration): { at: Loc; how: string }[] {
  const out: { at: Loc; how: string }[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) {
      const path = app.memberPath(n.expression);
      if (schedules(path)) out.push({ at: app.loc(n), how: `ctx.scheduler.${path.at(-1)}` });
    }
    ts.forEachChild(n, visit);
  };
  visit(handler);
  return out;
}

/**
 * HTTP actions, exported or routed: what the rules for public functions ask that makes sense
 * for an endpoint whose caller sends a request, not validated arguments. One that runs a
 * query, mutation or action (`ctx.runMutation`, through the app's helpers too) or schedules one
 * (`ctx.scheduler.runAfter`, in the handler) with no check of the caller is `public-no-auth`;
 * one that runs a mutation or action or schedules with no rate limit, `public-no-rate-limit`.
 * A handler that runs nothing (a probe, a redirect) is listed only.
 */
export function httpFindings(app: App, functions: ConvexFunction[]): Finding[] {
  const out: Finding[] = [];
  for (const fn of functions) {
    if (fn.kind !== "httpAction" || fn.handler === undefined || fn.library !== null) continue;
    const calls = [...fn.facts.runs.map((r) => ({ at: r, how: `ctx.${r.method}`, changes: r.method !== "runQuery" })), ...scheduled(app, fn.handler).map((s) => ({ ...s, changes: true }))];
    const first = calls[0];
    if (first === undefined) continue;
    const where = `${first.how} (${first.at.file}:${first.at.line})`;
    // A webhook's signature check proves who sent it (signatures.ts); it limits nothing.
    if (fn.facts.auth.length === 0 && (fn.signatures ?? []).length === 0) {
      const loose = looseCall(fn, "auth");
      const voided = voidedCheck(fn);
      const message = `${httpName(fn)} checks no identity, role, permission or document access${loose === undefined ? "" : ` that holds (it calls ${loose})`}${voided === undefined ? "" : ` (${voided})`}, yet it calls ${where}: an HTTP endpoint answers anyone on the internet, and the audit does not follow the call into the function it runs, so a check made there is not seen`;
      out.push(finding("public-no-auth", fn.id, fn.at, message, HTTP_AUTH_FIX));
    }
    const unsigned = fn.facts.auth.length === 0 ? unsignedRun(app, fn) : undefined;
    if (unsigned !== undefined) {
      const message = `${httpName(fn)} checks its sender's signature (${fn.signatures![0]!.via}), which covers the request's body only, yet it passes ${unsigned.run} (${unsigned.at.file}:${unsigned.at.line}) data read from \`${unsigned.read}\` (line ${unsigned.readAt.line}): anyone may add that to a captured, validly signed request`;
      out.push({ ...finding("public-no-auth", fn.id, fn.at, message, UNSIGNED_FIX), severity: "medium" });
    }
    const change = calls.find((c) => c.changes);
    if (change !== undefined && fn.facts.rateLimits.length === 0) {
      const loose = looseCall(fn, "limit");
      out.push(finding("public-no-rate-limit", fn.id, fn.at, `${httpName(fn)} calls ${change.how} (${change.at.file}:${change.at.line}) ${loose === undefined ? "with no rate limit" : fn.facts.loose.find((x) => x.kind === "limit")?.late === true ? `with no rate limit that holds (it calls ${loose})` : `after ${loose}`}`, HTTP_LIMIT_FIX));
    }
  }
  return out;
}
