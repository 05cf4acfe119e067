// A webhook's signature check counts as the caller's check of an HTTP route (`public-no-auth`),
// so a Clerk (svix), Stripe or Standard Webhooks endpoint needs no allowlist, and deleting its
// check brings the finding back. Recognized by the package that declares the class or function
// (stubs of svix, standardwebhooks, stripe and @clerk/backend written into the app's
// node_modules, declared as the real packages declare them), never by a method's name. Small
// apps written at test time, run the way a user runs the audit: the bin of the packed tarball
// (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { auditReport } from "./apps.mjs";
import { webhookApp, webhookRoute } from "./webhooks.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

/** An app under target/audit-tests/signatures/<name>: `files` under convex/, the packages' stubs in its node_modules. */
const app = (name, files) => webhookApp("signatures", name, files);

/** A route whose handler is `body`, at `path`. */
const route = webhookRoute;

const RECORD = `    await ctx.runMutation(anyApi.webhooks.record, { body: payload });
    return new Response(null, { status: 204 });`;
const READ = `    const payload = await request.text();
    const headers = { "svix-id": request.headers.get("svix-id")!, "svix-timestamp": request.headers.get("svix-timestamp")!, "svix-signature": request.headers.get("svix-signature")! };`;
const SIG = `    const payload = await request.text();
    const sig = request.headers.get("stripe-signature")!;`;

/** Each route's signature check, marked `// VERIFY` so it can be deleted; the recognized ones first. */
const RECOGNIZED = {
  // Convex's Clerk example, with svix: caught, and left with a 400 naming the error.
  "/clerk": `${READ}
    const wh = new Webhook(process.env.CLERK_WEBHOOK_SECRET!);
    try {
      wh.verify(payload, headers); // VERIFY
    } catch (err) {
      return new Response(\`bad signature: \${(err as Error).message}\`, { status: 400 });
    }
${RECORD}`,
  // Not caught: its throw leaves the handler.
  "/svix/plain": `${READ}
    new Webhook(process.env.SVIX_SECRET!).verify(payload, headers); // VERIFY
${RECORD}`,
  // standardwebhooks through a namespace import and a const alias of the class.
  "/standard": `${READ}
    const Verifier = standard.Webhook;
    const hook = new Verifier(process.env.POLAR_SECRET!);
    hook.verify(payload, headers); // VERIFY
${RECORD}`,
  // stripe: an instance made in another module, imported.
  "/stripe": `${SIG}
    let event: Stripe.Event;
    try {
      event = stripe.webhooks.constructEvent(payload, sig, process.env.STRIPE_WEBHOOK_SECRET!); // VERIFY
    } catch {
      return new Response("Webhook Error", { status: 400 });
    }
    await ctx.runMutation(anyApi.webhooks.record, { body: event.type });
    return new Response(null, { status: 204 });`,
  "/stripe/async": `${SIG}
    const event = await stripe.webhooks.constructEventAsync(payload, sig, process.env.STRIPE_WEBHOOK_SECRET!); // VERIFY
    await ctx.runMutation(anyApi.webhooks.record, { body: event.type });
    return new Response(null, { status: 204 });`,
  "/clerk/backend": `    let evt;
    try {
      evt = await verifyWebhook(request); // VERIFY
    } catch (err) {
      console.error("Webhook verification failed:", err);
      return new Response("Webhook verification failed", { status: 400 });
    }
    const payload = evt.type;
${RECORD}`,
  // In a helper of the app whose throw leaves it, awaited.
  "/helper": `    const payload = JSON.stringify(await verified(request)); // VERIFY
${RECORD}`,
};

const UNRECOGNIZED = {
  // The catch swallows the bad signature and goes on.
  "/swallowed": `${READ}
    try {
      new Webhook(process.env.SVIX_SECRET!).verify(payload, headers);
    } catch (err) {
      console.error(err);
    }
${RECORD}`,
  // Verified after it ran the mutation.
  "/late": `${READ}
    await ctx.runMutation(anyApi.webhooks.record, { body: payload });
    new Webhook(process.env.SVIX_SECRET!).verify(payload, headers);
    return new Response(null, { status: 204 });`,
  // A class of the app named Webhook.
  "/impostor": `${READ}
    new FakeWebhook(process.env.SVIX_SECRET!).verify(payload, headers);
${RECORD}`,
  // A function of the app named verify, and a method of an object of the app.
  "/local": `${READ}
    verify(payload, headers);
    checker.verify(payload, headers);
${RECORD}`,
  // A promise nothing awaits: the handler goes on before it rejects.
  "/unawaited": `    verifyWebhook(request);
    const payload = await request.text();
${RECORD}`,
  // On some paths only.
  "/sometimes": `${READ}
    if (request.headers.get("svix-id") !== null) new Webhook(process.env.SVIX_SECRET!).verify(payload, headers);
${RECORD}`,
  // Stripe's parse that verifies nothing.
  "/stripe/unverified": `${SIG}
    const event = stripe.webhooks.constructEventWithoutVerification(payload);
    await ctx.runMutation(anyApi.webhooks.record, { body: event.type + sig });
    return new Response(null, { status: 204 });`,
  // The catch runs a mutation for the sender it could not verify.
  "/catch/runs": `${READ}
    try {
      new Webhook(process.env.SVIX_SECRET!).verify(payload, headers);
    } catch {
      await ctx.runMutation(anyApi.webhooks.record, { body: "rejected" });
      return new Response(null, { status: 400 });
    }
${RECORD}`,
  // A run in the check's arguments: it runs first.
  "/args/runs": `${READ}
    new Webhook(process.env.SVIX_SECRET!).verify(await ctx.runMutation(anyApi.webhooks.record, { body: payload }), headers);
    return new Response(null, { status: 204 });`,
  // A generator helper: its body, and the check in it, runs on its first next(), not when called.
  "/generator": `    const payload = JSON.stringify(await verifiedLater(request));
${RECORD}`,
};

const HEAD = `import { anyApi, httpRouter } from "convex/server";
import { httpAction } from "./_generated/server";
import { Webhook } from "svix";
import * as standard from "standardwebhooks";
import Stripe from "stripe";
import { verifyWebhook } from "@clerk/backend/webhooks";
import { stripe } from "./lib/stripe";
import { Webhook as FakeWebhook } from "./lib/fakehook";

/** A local function and a method named verify: not a signature check. */
function verify(payload: string, headers: Record<string, string>): void {
  if (payload.length === 0 || headers["svix-id"] === undefined) throw new Error("bad");
}
const checker = { verify };

async function verified(request: Request): Promise<unknown> {
  const wh = new Webhook(process.env.CLERK_WEBHOOK_SECRET!);
  const headers = { "svix-id": request.headers.get("svix-id")!, "svix-timestamp": request.headers.get("svix-timestamp")!, "svix-signature": request.headers.get("svix-signature")! };
  return wh.verify(await request.text(), headers);
}

async function* verifiedLater(request: Request): AsyncGenerator<unknown> {
  yield new Webhook(process.env.CLERK_WEBHOOK_SECRET!).verify(await request.text(), { "svix-id": request.headers.get("svix-id")! });
}

const http = httpRouter();
`;

const LIB = {
  "lib/stripe.ts": `import Stripe from "stripe";\nexport const stripe = new Stripe(process.env.STRIPE_KEY!);\n`,
  "lib/fakehook.ts": `export class Webhook {\n  constructor(readonly secret: string) {}\n  verify(_payload: string, _headers: Record<string, string>): void {}\n}\n`,
};

/** The app's http.ts with `routes`, each check line kept or (`drop`) deleted. */
function httpTs(routes, drop = false) {
  const text = HEAD + Object.entries(routes).map(([path, body]) => route(path, body)).join("") + "\nexport default http;\n";
  return drop ? text.replace(/^.*\/\/ VERIFY\n/gm, "") : text;
}

const report = auditReport(cli, app("checks", { "http.ts": httpTs({ ...RECOGNIZED, ...UNRECOGNIZED }), ...LIB }));
const rulesOf = (r, path) => r.findings.filter((f) => f.function === `http POST ${path}`).map((f) => f.rule).sort();
const fnOf = (r, path) => r.functions.find((f) => f.function === `http POST ${path}`);

test("a recognized signature check is the caller's check: no public-no-auth, a rate limit still asked for", () => {
  for (const path of Object.keys(RECOGNIZED)) assert.deepEqual(rulesOf(report, path), ["public-no-rate-limit"], path);
});

test("the listing shows the signature check recognized, by its package", () => {
  const shown = Object.fromEntries(Object.keys(RECOGNIZED).map((path) => [path, fnOf(report, path).signatures]));
  assert.deepEqual(shown, {
    "/clerk": ["svix Webhook.verify"],
    "/svix/plain": ["svix Webhook.verify"],
    "/standard": ["standardwebhooks Webhook.verify"],
    "/stripe": ["stripe webhooks.constructEvent"],
    "/stripe/async": ["stripe webhooks.constructEventAsync"],
    "/clerk/backend": ["@clerk/backend verifyWebhook"],
    "/helper": ["verified -> svix Webhook.verify"],
  });
  // It proves a sender, not a user: the authorization level stays none.
  assert.equal(fnOf(report, "/clerk").auth, "none");
  const r = spawnSync(process.execPath, [cli, "audit", "convex"], { cwd: `${root}target/audit-tests/signatures/checks`, encoding: "utf8" });
  assert.match(r.stdout, /^http POST \/clerk +httpAction +- +- +signature: svix Webhook\.verify +- /m);
  assert.match(r.stdout, /^http POST \/late +httpAction +- +- +NONE /m);
});

test("a swallowing catch, a check after a run or with one in its arguments, an impostor class, a local verify, an unawaited or conditional check, a generator's are no check", () => {
  for (const path of Object.keys(UNRECOGNIZED)) {
    assert.deepEqual(rulesOf(report, path), ["public-no-auth", "public-no-rate-limit"], path);
    assert.deepEqual(fnOf(report, path).signatures, [], path);
  }
  // The fix says which signature checks count.
  const fix = report.findings.find((f) => f.function === "http POST /late" && f.rule === "public-no-auth").fix;
  assert.match(fix, /new Webhook\(process\.env\.NAME\)\.verify\(await request\.text\(\), headers from request\.headers\) of svix or standardwebhooks, stripe\.webhooks\.constructEvent\(await request\.text\(\), request\.headers\.get\('stripe-signature'\), process\.env\.NAME\)/);
});

test("deleting the signature check brings public-no-auth back", () => {
  const without = auditReport(cli, app("deleted", { "http.ts": httpTs(RECOGNIZED, true), ...LIB }));
  for (const path of Object.keys(RECOGNIZED)) assert.deepEqual(rulesOf(without, path), ["public-no-auth", "public-no-rate-limit"], path);
});
