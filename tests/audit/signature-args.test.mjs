// A signature check proves the caller only when it checks the request's own body against the
// request's own signature with the app's secret. An attacker's review found checks that check
// nothing: a secret the request brings or names, a constant sample verified in place of the body,
// a signature the app made itself. Those stay `public-no-auth`; the shapes apps write (the secret
// from process.env through consts, the body as text or bytes, the headers as an object, the
// Headers or their entries, the request passed to a helper or cloned) stay recognized. Run the
// way a user runs the audit (AUDIT_CLI names another build, to show a test fails on an older one).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport } from "./apps.mjs";
import { webhookApp, webhookRoute } from "./webhooks.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

/** A route whose handler makes the check in `body`, then records its `payload`. */
const route = (path, body) =>
  webhookRoute(path, `${body}
    await ctx.runMutation(anyApi.webhooks.record, { body: String(payload) });
    return new Response(null, { status: 204 });`);

const HEADERS = `{ "svix-id": request.headers.get("svix-id")!, "svix-timestamp": request.headers.get("svix-timestamp")!, "svix-signature": request.headers.get("svix-signature")! }`;

/** Checks of the request's body and signature with the app's secret. */
const RECOGNIZED = {
  // A module const holding the secret, `?? ""`, the body's bytes, and the Headers' entries.
  "/svix/bytes": `    const payload = Buffer.from(await request.arrayBuffer());
    new Webhook(SECRET).verify(payload, Object.fromEntries(request.headers.entries()));`,
  // `process.env["NAME"]`, `as string`, and an object of header values through a const.
  "/svix/element": `    const payload = await request.text();
    const headers = ${HEADERS};
    new Webhook(process.env["SVIX_SECRET"] as string).verify(payload, headers);`,
  // `|| ""`, the Headers themselves, and the Headers' entries as an object.
  "/svix/headers": `    const payload = await request.text();
    new Webhook(process.env.SVIX_SECRET || "").verify(payload, request.headers);
    new Webhook(process.env.SVIX_SECRET || "").verify(payload, Object.fromEntries(request.headers));`,
  // Stripe: the signature header with a fallback, the secret through a const of the handler.
  "/stripe/fallback": `    const payload = await request.text();
    const secret = process.env.STRIPE_WEBHOOK_SECRET!;
    const event = stripe.webhooks.constructEvent(payload, request.headers.get("stripe-signature") ?? "", secret);`,
  // Clerk with its secret given from the environment, on a clone of the request.
  "/clerk/options": `    const event = await verifyWebhook(request.clone(), { signingSecret: process.env.CLERK_WEBHOOK_SIGNING_SECRET! });
    const payload = event.type;`,
  // The environment through a const, and Stripe's static twin.
  "/stripe/env-const": `    const payload = await request.text();
    const event = await Stripe.webhooks.constructEventAsync(payload, request.headers.get("stripe-signature")!, env.STRIPE_WEBHOOK_SECRET!);`,
  // A helper handed a clone of the request.
  "/helper/clone": `    const payload = JSON.stringify(await checked(request.clone()));`,
};

/** Checks that check nothing: the finding stays. */
const UNRECOGNIZED = {
  // The attacker's four: a secret the request brings,
  "/svix-selfkeyed": `    const payload = await request.text();
    const wh = new Webhook(request.headers.get("x-webhook-secret")!);
    wh.verify(payload, Object.fromEntries(request.headers.entries()));`,
  // a secret the request picks among the environment's,
  "/svix-pick": `    const payload = await request.text();
    new Webhook(process.env[request.headers.get("x-tenant") ?? "SVIX_SECRET"]!).verify(payload, Object.fromEntries(request.headers.entries()));`,
  // a constant sample verified, then the body acted on,
  "/svix-sample": `    const wh = new Webhook(process.env.SVIX_SECRET!);
    wh.verify(SAMPLE, { "svix-id": "msg_1", "svix-timestamp": "1700000000", "svix-signature": process.env.SAMPLE_SIG! });
    const payload = await request.text();`,
  // a signature the app made itself.
  "/stripe-selfsigned": `    const payload = await request.text();
    const secret = process.env.STRIPE_WEBHOOK_SECRET!;
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret });
    stripe.webhooks.constructEvent(payload, header, secret);`,
  // The body parsed and written again (not the bytes signed); a name the request gives.
  "/svix/json": `    const payload = JSON.stringify(await request.json());
    new Webhook(process.env[NAME]!).verify(payload, ${HEADERS});
    new Webhook(process.env.SVIX_SECRET!).verify(payload, ${HEADERS});`,
  // Headers of the app's own making, in part.
  "/svix/made-headers": `    const payload = await request.text();
    new Webhook(process.env.SVIX_SECRET!).verify(payload, { "svix-id": request.headers.get("svix-id")!, "svix-timestamp": String(Date.now()), "svix-signature": request.headers.get("svix-signature")! });`,
  // A secret from a parameter of a helper, which the handler takes from the request.
  "/helper/param-secret": `    const payload = JSON.stringify(await keyed(request, request.headers.get("x-secret")!));`,
  // A helper handed another request, made by the app.
  "/helper/other-request": `    const payload = JSON.stringify(await checked(new Request("https://example.com", { method: "POST", body: SAMPLE })));`,
  // The Request parameter replaced with one the app made.
  "/svix/replaced": `    request = new Request("https://example.com", { method: "POST", body: SAMPLE, headers: { "svix-id": "msg_1" } });
    const payload = await request.text();
    new Webhook(process.env.SVIX_SECRET!).verify(payload, ${HEADERS});`,
  // Stripe: a literal signature; a secret from the body's query.
  "/stripe/literal-sig": `    const payload = await request.text();
    stripe.webhooks.constructEvent(payload, "t=1,v1=00", process.env.STRIPE_WEBHOOK_SECRET!);
    stripe.webhooks.constructEvent(payload, request.headers.get("stripe-signature")!, new URL(request.url).searchParams.get("secret")!);`,
  // Clerk: the secret from the request; a request the app made.
  "/clerk/request-secret": `    const event = await verifyWebhook(request, { signingSecret: request.headers.get("x-secret")! });
    const payload = event.type;`,
  "/clerk/made-request": `    const event = await verifyWebhook(new Request("https://example.com", { method: "POST", body: SAMPLE }));
    const payload = event.type;`,
  // A secret with a non-empty fallback: with the variable unset, a key the code shows (attack36 F3).
  "/svix/fallback-secret": `    const payload = await request.text();
    new Webhook(process.env.SVIX_SECRET ?? "whsec_dev").verify(payload, request.headers);`,
  "/stripe/fallback-secret": `    const payload = await request.text();
    stripe.webhooks.constructEvent(payload, request.headers.get("stripe-signature")!, process.env.STRIPE_WEBHOOK_SECRET || "whsec_test");`,
  // Stripe's secret with an empty fallback: its constructEvent signs with an empty key as with any other.
  "/stripe/empty-secret": `    const payload = await request.text();
    const secret = process.env.STRIPE_WEBHOOK_SECRET ?? "";
    stripe.webhooks.constructEvent(payload, request.headers.get("stripe-signature")!, secret);`,
  "/stripe/or-empty-secret": `    const payload = await request.text();
    await stripe.webhooks.constructEventAsync(payload, request.headers.get("stripe-signature")!, process.env.STRIPE_WEBHOOK_SECRET || "");`,
  "/clerk/fallback-secret": `    const event = await verifyWebhook(request, { signingSecret: process.env.CLERK_WEBHOOK_SIGNING_SECRET ?? "changeme" });
    const payload = event.type;`,
};

const HEAD = `import { anyApi, httpRouter } from "convex/server";
import { httpAction } from "./_generated/server";
import { Webhook } from "svix";
import Stripe from "stripe";
import { verifyWebhook } from "@clerk/backend/webhooks";

const stripe = new Stripe(process.env.STRIPE_KEY!);
const SECRET = process.env.SVIX_SECRET ?? "";
const SAMPLE = '{"type":"ping"}';
const NAME = "SVIX_" + "SECRET".toLowerCase();
const env = process.env;

async function checked(req: Request): Promise<unknown> {
  return new Webhook(process.env.SVIX_SECRET!).verify(await req.text(), Object.fromEntries(req.headers));
}

async function keyed(req: Request, secret: string): Promise<unknown> {
  return new Webhook(secret).verify(await req.text(), Object.fromEntries(req.headers));
}

const http = httpRouter();
`;

const httpTs = (routes) => HEAD + Object.entries(routes).map(([path, body]) => route(path, body)).join("") + "\nexport default http;\n";
const report = auditReport(cli, webhookApp("signature-args", "checks", { "http.ts": httpTs({ ...RECOGNIZED, ...UNRECOGNIZED }) }));
const rulesOf = (path) => report.findings.filter((f) => f.function === `http POST ${path}`).map((f) => f.rule).sort();
const fnOf = (path) => report.functions.find((f) => f.function === `http POST ${path}`);

test("the app's secret from process.env, the request's body and headers: a signature check", () => {
  for (const path of Object.keys(RECOGNIZED)) {
    assert.deepEqual(rulesOf(path), ["public-no-rate-limit"], path);
    assert.notDeepEqual(fnOf(path).signatures, [], path);
  }
  assert.deepEqual(fnOf("/helper/clone").signatures, ["checked -> svix Webhook.verify"]);
});

test("a secret the request brings or names, a sample payload, made headers or a self-made signature are no check", () => {
  for (const path of Object.keys(UNRECOGNIZED)) {
    assert.deepEqual(rulesOf(path), ["public-no-auth", "public-no-rate-limit"], path);
    assert.deepEqual(fnOf(path).signatures, [], path);
  }
});

test("after an SDK's check, a header or the URL its signature does not cover passed to a mutation: public-no-auth, medium (attack36 F7)", () => {
  const acting = (check, acted) => `    const payload = await request.text();
    ${check}
    await ctx.runMutation(anyApi.webhooks.record, ${acted});
    return new Response(null, { status: 204 });`;
  const SVIX = "new Webhook(process.env.SVIX_SECRET!).verify(payload, request.headers);";
  const STRIPE = 'stripe.webhooks.constructEvent(payload, request.headers.get("stripe-signature")!, process.env.STRIPE_WEBHOOK_SECRET!);';
  const unsigned = {
    "/svix/event-header": acting(SVIX, '{ body: payload, kind: request.headers.get("x-event") }'),
    "/stripe/url": acting(STRIPE, '{ body: payload, user: new URL(request.url).searchParams.get("user") }'),
  };
  // svix signs its id and timestamp headers with the body; a signature header, checked, is no unsigned data either.
  const covered = {
    "/svix/id": acting(SVIX, '{ body: payload, id: request.headers.get("svix-id"), at: request.headers.get("svix-timestamp") }'),
    "/stripe/sig": acting(STRIPE, '{ body: payload, sig: request.headers.get("stripe-signature") }'),
  };
  const text = HEAD + Object.entries({ ...unsigned, ...covered }).map(([path, body]) => webhookRoute(path, body)).join("") + "\nexport default http;\n";
  const r = auditReport(cli, webhookApp("signature-args", "unsigned", { "http.ts": text }));
  const rules = (path) => r.findings.filter((f) => f.function === `http POST ${path}`).map((f) => `${f.rule}:${f.severity}`).sort();
  for (const path of Object.keys(unsigned)) {
    assert.deepEqual(rules(path), ["public-no-auth:medium", "public-no-rate-limit:medium"], path);
    assert.match(r.findings.find((f) => f.function === `http POST ${path}` && f.rule === "public-no-auth").message, /which covers the request's body only, yet it passes ctx\.runMutation/, path);
  }
  for (const path of Object.keys(covered)) assert.deepEqual(rules(path), ["public-no-rate-limit:medium"], path);
});

/** A route body checked by svix's Webhook.verify, then running a mutation given `acted`. */
const acting = (acted) => `    const payload = await request.text();
    new Webhook(process.env.SVIX_SECRET!).verify(payload, request.headers);
    await ctx.runMutation(anyApi.webhooks.record, ${acted});
    return new Response(null, { status: 204 });`;

// finalread28 FN3: a header read through an app helper given the request is as unsigned as one read inline.
test("after an SDK's check, a header its signature does not cover read through an app helper given the request: public-no-auth, medium; a covered header or no header read that way is not (finalread28 FN3)", () => {
  const helpers = `function eventOf(r: Request) {
  return r.headers.get("x-event");
}
const urlOf = (r: Request) => new URL(r.url).searchParams.get("user");
function idOf(r: Request) {
  return r.headers.get("svix-id");
}
function sizeOf(r: Request, payload: string) {
  return r.method + payload.length;
}
`;
  const unsigned = { "/helper/header": acting("{ body: payload, kind: eventOf(request) }"), "/helper/url": acting("{ body: payload, user: urlOf(request) }") };
  const covered = { "/helper/id": acting("{ body: payload, id: idOf(request), size: sizeOf(request, payload) }") };
  const text = HEAD + helpers + Object.entries({ ...unsigned, ...covered }).map(([path, body]) => webhookRoute(path, body)).join("") + "\nexport default http;\n";
  const r = auditReport(cli, webhookApp("signature-args", "helperread", { "http.ts": text }));
  const rules = (path) => r.findings.filter((f) => f.function === `http POST ${path}`).map((f) => `${f.rule}:${f.severity}`).sort();
  for (const path of Object.keys(unsigned)) assert.deepEqual(rules(path), ["public-no-auth:medium", "public-no-rate-limit:medium"], path);
  assert.match(r.findings.find((f) => f.function === "http POST /helper/header" && f.rule === "public-no-auth").message, /data read from `r\.headers\.get\("x-event"\)`/);
  for (const path of Object.keys(covered)) assert.deepEqual(rules(path), ["public-no-rate-limit:medium"], path);
});

// left19: a helper declared with TypeScript's this parameter (function f(this: void, r)) is given the
// request in its second parameter: a header it answers is as unsigned as one read inline.
test("after an SDK's check, a header read through an app helper declared with a this parameter: public-no-auth, medium (left19)", () => {
  const helpers = `function eventOf(this: void, r: Request) {
  return r.headers.get("x-event");
}
function idOf(this: void, r: Request) {
  return r.headers.get("svix-id");
}
`;
  const unsigned = { "/this/header": acting("{ body: payload, kind: eventOf(request) }") };
  const covered = { "/this/id": acting("{ body: payload, id: idOf(request) }") };
  const text = HEAD + helpers + Object.entries({ ...unsigned, ...covered }).map(([path, body]) => webhookRoute(path, body)).join("") + "\nexport default http;\n";
  const r = auditReport(cli, webhookApp("signature-args", "thisparam", { "http.ts": text }));
  const rules = (path) => r.findings.filter((f) => f.function === `http POST ${path}`).map((f) => `${f.rule}:${f.severity}`).sort();
  for (const path of Object.keys(unsigned)) assert.deepEqual(rules(path), ["public-no-auth:medium", "public-no-rate-limit:medium"], path);
  assert.match(r.findings.find((f) => f.function === "http POST /this/header" && f.rule === "public-no-auth").message, /data read from `r\.headers\.get\("x-event"\)`/);
  for (const path of Object.keys(covered)) assert.deepEqual(rules(path), ["public-no-rate-limit:medium"], path);
});
