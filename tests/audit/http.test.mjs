// HTTP routes (`http.route({ path, method, handler })` of convex/server's HttpRouter): each is an
// endpoint of the whole internet, listed by its method and path ("http POST /webhook") at its
// route call and judged as an HTTP action: `public-no-auth` when it runs or schedules a function
// with no check of the caller, `public-no-rate-limit` when it runs a mutation or action or
// schedules with no rate limit. An exported HTTP action a route serves is listed once, as its
// export, with its routes. Run the way a user runs it: the bin of the packed tarball.
//
//   tests/audit/fixtures/http   routes inline, through a local const, a function declared apart,
//                               a pathPrefix, a helper given the router, exported HTTP actions,
//                               allowlisted routes and a handler the audit cannot read; each
//                               finding marked `// FINDING rule` on its line
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { auditReport, markers, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = `${root}node_modules/convex-guard/cli.cjs`;
const fixture = `${root}tests/audit/fixtures/http`;

const report = auditReport(cli, fixture, ["--fail-on", "none"]);
const fns = Object.fromEntries(report.functions.map((f) => [f.function, f]));

test("http fixture: each finding at its marked line, and nothing else", () => {
  const found = report.findings.map((f) => `${f.file}:${f.line} ${f.rule}`).sort();
  const expected = markers(`${fixture}/convex`);
  assert.equal(expected.length, 15, "the fixture's markers");
  assert.deepEqual(found, expected);
});

test("every inline route is listed by method and path, at its route call, as a public HTTP action", () => {
  const routes = report.functions.filter((f) => f.function.startsWith("http ")).map((f) => `${f.function} ${f.file}:${f.line} ${f.kind} ${f.visibility} ${f.routes.join(",")}`);
  assert.deepEqual(routes.sort(), [
    "http GET /cors convex/http.ts:113 httpAction public GET /cors",
    "http GET /export convex/lib/routes.ts:7 httpAction public GET /export",
    "http GET /health convex/http.ts:68 httpAction public GET /health",
    "http GET /latest convex/http.ts:23 httpAction public GET /latest",
    "http GET /peek convex/http.ts:43 httpAction public GET /peek",
    "http POST /admin/notify convex/http.ts:55 httpAction public POST /admin/notify",
    "http POST /inbound convex/http.ts:102 httpAction public POST /inbound",
    "http POST /notes convex/http.ts:30 httpAction public POST /notes",
    "http POST /paid convex/lib/limited.ts:12 httpAction public POST /paid",
    "http POST /paid/anyone convex/lib/limited.ts:74 httpAction public POST /paid/anyone",
    "http POST /paid/leak convex/lib/limited.ts:44 httpAction public POST /paid/leak",
    "http POST /paid/leak/v2 convex/lib/limited.ts:59 httpAction public POST /paid/leak/v2",
    "http POST /paid/v2 convex/lib/limited.ts:26 httpAction public POST /paid/v2",
    "http POST /slack convex/http.ts:82 httpAction public POST /slack",
    "http POST /svix convex/http.ts:91 httpAction public POST /svix",
    "http POST /webhook convex/http.ts:13 httpAction public POST /webhook",
    "http PUT /files/* convex/http.ts:75 httpAction public PUT /files/*",
  ]);
});

test("an exported HTTP action a route serves is listed once, as its export, with its routes", () => {
  assert.deepEqual(fns["hooks:stripe"].routes, ["POST /stripe", "POST /stripe/v2"]);
  assert.deepEqual(fns["hooks:me"].routes, ["GET /me"]);
  assert.deepEqual(fns["hooks:unrouted"].routes, []);
  for (const name of ["http POST /stripe", "http POST /stripe/v2", "http GET /me"]) assert.equal(fns[name], undefined, name);
  assert.equal(report.functions.length, 26); // with the wiring's guardFunctions:getUser, rateLimit and audit:log, and lib/limited.ts's 5 routes
  // Only HTTP actions carry `routes`.
  assert.equal("routes" in fns["webhooks:record"], false);
  const stripe = report.findings.find((f) => f.function === "hooks:stripe" && f.rule === "public-no-auth");
  assert.match(stripe.message, /^HTTP action hooks:stripe \(POST \/stripe, POST \/stripe\/v2\) checks no identity.*calls ctx\.runMutation \(convex\/hooks\.ts:9\)/);
});

test("a route's checks and limits are read as a function's: by the guard, or by hand with a Response on denial", () => {
  assert.deepEqual([fns["http POST /notes"].auth, fns["http POST /notes"].handWritten, fns["http POST /notes"].rateLimits], ["authenticated", true, ['guard.rateLimit("hook")']]);
  assert.equal(fns["http POST /admin/notify"].auth, "permission");
  assert.equal(fns["hooks:me"].auth, "authenticated");
  // A denial that answers the data it read first is no check.
  assert.equal(fns["http GET /peek"].auth, "none");
  const message = (name, rule) => report.findings.find((f) => f.function === name && f.rule === rule)?.message;
  assert.match(message("http POST /webhook", "public-no-auth"), /^HTTP route POST \/webhook checks no identity, role, permission or document access, yet it calls ctx\.runMutation \(convex\/http\.ts:17\): an HTTP endpoint answers anyone on the internet/);
  assert.equal(message("http PUT /files/*", "public-no-rate-limit"), "HTTP route PUT /files/* calls ctx.scheduler.runAfter (convex/http.ts:72) with no rate limit");
  // A route that only reads is not asked for a rate limit, as a public query is not; one that runs nothing is listed only.
  assert.equal(message("http GET /latest", "public-no-rate-limit"), undefined);
  assert.equal(report.findings.some((f) => f.function === "http GET /health"), false);
});

test("a throws: false limit leaves on a 429 made of literals and the decision's fields, converted; not with data read before", () => {
  const limit = ['guard.rateLimit("hook")'];
  assert.deepEqual([fns["http POST /paid"].rateLimits, fns["http POST /paid/v2"].rateLimits], [limit, limit]);
  assert.deepEqual([fns["http POST /paid/leak"].rateLimits, fns["http POST /paid/leak/v2"].rateLimits], [[], []]);
  // The finding names the limit made, whose denial is not left on; and the check whose null is not.
  const message = (name, rule) => report.findings.find((f) => f.function === name && f.rule === rule)?.message;
  assert.equal(
    message("http POST /paid/leak", "public-no-rate-limit"),
    "HTTP route POST /paid/leak calls ctx.runMutation (convex/lib/limited.ts:53) after rate limit 'hook' (convex/lib/limited.ts:51), whose denial (throws: false) it does not leave on by a throw or a return of no data",
  );
  assert.match(
    message("http POST /paid/anyone", "public-no-auth"),
    /^HTTP route POST \/paid\/anyone checks no identity, role, permission or document access that holds \(it calls ctx\.auth\.getUserIdentity\(\) \(convex\/lib\/limited\.ts:78\), whose denial \(null\) it does not leave on by a throw or a return of no data\), yet it calls ctx\.runMutation/,
  );
  // The fix says how an HTTP action leaves on a denial: a 429, not a thrown error (a 500).
  assert.match(report.findings.find((f) => f.function === "http POST /paid/leak").fix, /throws: false and a 429 on its denial \(a thrown one answers 500\)/);
});

test("a route is allowlisted by a comment above it, or by its name in securityAudit.allow", () => {
  const allowed = report.allowed.map((a) => `${a.function} ${a.rule} ${a.allowedBy}`).sort();
  assert.deepEqual(allowed, [
    "http POST /inbound public-no-auth convex/guard.ts:11",
    "http POST /inbound public-no-rate-limit convex/guard.ts:11",
    "http POST /svix public-no-auth convex/http.ts:90",
    "http POST /svix public-no-rate-limit convex/http.ts:90",
  ]);
  assert.deepEqual(report.unusedAllows, []);
});

test("a route whose handler the audit cannot read is listed with a warning, never judged clean in silence", () => {
  assert.deepEqual(report.warnings.map((w) => `${w.file}:${w.line}`), ["convex/http.ts:113"]);
  assert.match(report.warnings[0].message, /^the handler of HTTP route GET \/cors could not be read .*: it is listed, not judged$/);
});

test("the table names each route and the routes an exported HTTP action serves; --fail-on counts route findings", () => {
  const r = spawnSync(process.execPath, [cli, "audit", "convex"], { cwd: fixture, encoding: "utf8" });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^http POST \/webhook +httpAction +- +- +NONE /m);
  assert.match(r.stdout, /^hooks:stripe +httpAction \(POST \/stripe, POST \/stripe\/v2\) /m);
  assert.match(r.stdout, /^http PUT \/files\/\* +httpAction /m);
});

test("an app whose only functions are its routes is audited, not refused as empty", () => {
  const app = scratchApp("http", "routes-only", {
    "http.ts": `import { httpRouter } from "convex/server";
import { httpAction } from "./_generated/server";
import { anyApi } from "convex/server";

const http = httpRouter();
http.route({
  path: "/ping",
  method: "POST",
  handler: httpAction(async (ctx) => {
    await ctx.runMutation(anyApi.pings.record, {});
    return new Response(null);
  }),
});
export default http;
`,
  });
  const r = auditReport(cli, app);
  assert.deepEqual(r.functions.map((f) => f.function), ["http POST /ping"]);
  assert.deepEqual(r.findings.map((f) => `${f.rule} ${f.file}:${f.line}`), ["public-no-auth convex/http.ts:6", "public-no-rate-limit convex/http.ts:6"]);
});
