// A Web Crypto HMAC verify in a helper the handler gives the body it read and the signature
// header's value (newuser36 F2): `const body = await request.text()`, then `verify(body,
// request.headers.get("x-signature"))`. A helper counted only when given the request had to read
// the body a second time, which fails at run time ("Body has already been read"). Such a helper is
// the route's check when its verify meets the inline form's conditions (webcrypto.test.mjs) on
// those parameters; a body the client did not sign, a header that is not the request's, a helper
// that answers true without verifying, or a result ignored is no check, and the route's message
// names the helper and the first condition unmet. Run the way a user runs the audit (AUDIT_CLI
// names another build, to show a test fails on an older one).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport } from "./apps.mjs";
import { checkedRoute as route, webhookApp } from "./webhooks.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const BODY = "    const body = await request.text();";
const SIG = `request.headers.get("x-signature")`;
const LEAVE = `    if (!ok) return new Response("bad signature", { status: 401 });`;

/** The helper given the body and the header, its verify as the inline form must be written. */
const RECOGNIZED = {
  // newuser36's handler, with the header decoded by a function of the app.
  "/body-and-header": `${BODY}
    const ok = await verify(body, ${SIG});
${LEAVE}`,
  // The header held in a `const` first, the body read after it.
  "/header-const": `    const sig = ${SIG} ?? "";
${BODY}
    const ok = await verify(body, sig);
${LEAVE}`,
  // The body's bytes, and a helper that throws on false.
  "/bytes-throws": `    const bytes = await request.arrayBuffer();
    await verifyOrThrow(bytes, ${SIG}!);`,
  // The request for its header and the body the handler read (newuser36's variants/v1-helper-request).
  "/request-and-body": `${BODY}
    const ok = await verifyRequestBody(request, body);
${LEAVE}`,
  // newuser36's helper as written: the header decoded inline (webcrypto-inline.test.mjs).
  "/inline-decode": `${BODY}
    const ok = await verifyInline(body, ${SIG});
${LEAVE}`,
  // Stripe's constructEvent in a helper given the same two: its arguments are read the same way.
  "/stripe-helper": `${BODY}
    const event = eventOf(body, ${SIG}!);`,
};

/** Twins that check nothing of what the client signed: the finding stays. */
const UNRECOGNIZED = {
  // A body the client did not sign: another string, one read from the URL, the body changed.
  "/other-string": `${BODY}
    const ok = await verify("{}", ${SIG});
${LEAVE}`,
  "/query-body": `    const ok = await verify(new URL(request.url).searchParams.get("payload") ?? "", ${SIG});
${LEAVE}`,
  "/trimmed-body": `${BODY}
    const ok = await verify(body.trim(), ${SIG});
${LEAVE}`,
  // A header of another request, a literal, the two swapped.
  "/not-request-header": `${BODY}
    const other = new Request("https://example.com", { headers: { "x-signature": "00" } });
    const ok = await verify(body, other.headers.get("x-signature"));
${LEAVE}`,
  "/literal-header": `${BODY}
    const ok = await verify(body, "00");
${LEAVE}`,
  "/nothing-given": `${BODY}
    const ok = await verify("{}", "00");
${LEAVE}`,
  "/swapped": `${BODY}
    const ok = await verify(${SIG} ?? "", body);
${LEAVE}`,
  // A helper that answers true on a path without verifying; one that writes its parameter.
  "/answers-true": `${BODY}
    const ok = await verifyLoose(body, ${SIG});
${LEAVE}`,
  "/reassigned": `${BODY}
    const ok = await verifyRewritten(body, ${SIG});
${LEAVE}`,
  // The answer ignored.
  "/ignored": `${BODY}
    await verify(body, ${SIG});`,
  // newuser36's helper with the secret mixed into its inline decode: not the header alone.
  "/inline-salted": `${BODY}
    const ok = await verifySalted(body, ${SIG});
${LEAVE}`,
};

const HEAD = `import { anyApi, httpRouter } from "convex/server";
import { httpAction } from "./_generated/server";
import Stripe from "stripe";

const stripe = new Stripe(process.env.STRIPE_KEY!);

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(hex.length >> 1));
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

async function verify(body: string, sig: string | null): Promise<boolean> {
  const secret = process.env.PAYMENTS_WEBHOOK_SECRET;
  if (!secret || !sig) return false;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  return crypto.subtle.verify("HMAC", key, hexToBytes(sig), new TextEncoder().encode(body));
}

async function verifyOrThrow(bytes: ArrayBuffer, sig: string): Promise<void> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(process.env.PAYMENTS_WEBHOOK_SECRET!), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const ok = await crypto.subtle.verify("HMAC", key, hexToBytes(sig), bytes);
  if (!ok) throw new Error("bad signature");
}

async function verifyRequestBody(req: Request, body: string): Promise<boolean> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(process.env.PAYMENTS_WEBHOOK_SECRET!), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const ok = await crypto.subtle.verify("HMAC", key, hexToBytes(req.headers.get("x-signature") ?? ""), new TextEncoder().encode(body));
  return ok;
}

function eventOf(body: string, sig: string) {
  return stripe.webhooks.constructEvent(body, sig, process.env.STRIPE_WEBHOOK_SECRET!);
}

async function verifyLoose(body: string, sig: string | null): Promise<boolean> {
  if (!sig) return true;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(process.env.PAYMENTS_WEBHOOK_SECRET!), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  return crypto.subtle.verify("HMAC", key, hexToBytes(sig), new TextEncoder().encode(body));
}

async function verifyRewritten(body: string, sig: string | null): Promise<boolean> {
  body = "{}";
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(process.env.PAYMENTS_WEBHOOK_SECRET!), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  return crypto.subtle.verify("HMAC", key, hexToBytes(sig ?? ""), new TextEncoder().encode(body));
}

async function verifyInline(body: string, sig: string | null): Promise<boolean> {
  const secret = process.env.PAYMENTS_WEBHOOK_SECRET;
  if (!secret || !sig) return false;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const bytes = Uint8Array.from(sig.match(/../g) ?? [], (h) => parseInt(h, 16));
  return crypto.subtle.verify("HMAC", key, bytes, new TextEncoder().encode(body));
}

async function verifySalted(body: string, sig: string | null): Promise<boolean> {
  const secret = process.env.PAYMENTS_WEBHOOK_SECRET;
  if (!secret || !sig) return false;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const bytes = Uint8Array.from(sig.match(/../g) ?? [], (h) => parseInt(h, 16) ^ secret.length);
  return crypto.subtle.verify("HMAC", key, bytes, new TextEncoder().encode(body));
}

const http = httpRouter();
`;

const httpTs = (routes) => HEAD + Object.entries(routes).map(([path, body]) => route(path, body)).join("") + "\nexport default http;\n";
const app = webhookApp("webcrypto-helper", "checks", { "http.ts": httpTs({ ...RECOGNIZED, ...UNRECOGNIZED }) });
const report = auditReport(cli, app);
const rulesOf = (path) => report.findings.filter((f) => f.function === `http POST ${path}`).map((f) => f.rule).sort();
const fnOf = (path) => report.functions.find((f) => f.function === `http POST ${path}`);
const message = (path) => report.findings.find((f) => f.function === `http POST ${path}` && f.rule === "public-no-auth")?.message ?? "";

test("a helper given the body the handler read and the signature header's value, verifying them: a signature check (newuser36 F2)", () => {
  const via = { "/body-and-header": "verify -> Web Crypto HMAC verify", "/header-const": "verify -> Web Crypto HMAC verify", "/bytes-throws": "verifyOrThrow -> Web Crypto HMAC verify", "/request-and-body": "verifyRequestBody -> Web Crypto HMAC verify", "/stripe-helper": "eventOf -> stripe webhooks.constructEvent", "/inline-decode": "verifyInline -> Web Crypto HMAC verify" };
  for (const path of Object.keys(RECOGNIZED)) {
    assert.deepEqual(rulesOf(path), ["public-no-rate-limit"], path);
    assert.deepEqual(fnOf(path).signatures, [via[path]], path);
  }
});

test("a body or header the client did not sign, a helper answering true, a parameter written, a result ignored: no check", () => {
  for (const path of Object.keys(UNRECOGNIZED)) {
    assert.deepEqual(rulesOf(path), ["public-no-auth", "public-no-rate-limit"], path);
    assert.deepEqual(fnOf(path).signatures, [], path);
  }
});

test("the route's message names the helper and the first condition its verify does not meet", () => {
  const why = {
    "/inline-salted": ["verifySalted", /its signature is not a header of the request, nor one decoded from it alone .*reading nothing else/],
    "/other-string": ["verify", /its data is not the request's body/],
    "/trimmed-body": ["verify", /its data is not the request's body/],
    "/not-request-header": ["verify", /its signature is not a header of the request/],
    "/swapped": ["verify", /its signature is not a header of the request/],
    "/reassigned": ["verifyRewritten", /its data is not the request's body/],
    "/answers-true": ["verifyLoose", /verifyLoose may answer something other than its result or a falsy value/],
    "/ignored": ["verify", /the handler does not leave on verify's falsy answer/],
    "/query-body": ["verify", /its data is not the request's body/],
    "/literal-header": ["verify", /its signature is not a header of the request/],
    "/nothing-given": ["verify", /the handler gives verify neither its request nor the body it read and the signature header's value/],
  };
  for (const [path, [helper, reason]] of Object.entries(why)) {
    const text = message(path);
    assert.match(text, new RegExp(`^HTTP route POST \\S+ checks no identity, role, permission or document access \\(its Web Crypto check in ${helper}, crypto\\.subtle\\.verify at convex/http\\.ts:\\d+, is not counted: `), path);
    assert.match(text, reason, path);
  }
});
