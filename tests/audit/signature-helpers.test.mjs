// A helper that answers a falsy value on a bad signature, as in Convex's Clerk guide ("Storing
// users in the Convex database"): `validateRequest` catches the throw of svix's verify and answers
// `null`, and the handler leaves on `if (!event)` before it runs anything. That is the route's
// check of its caller only when the helper answers nothing but the verified event or a falsy
// value and the handler tests for each falsy value before it runs or schedules anything; a helper
// whose catch answers `{}`, a handler that never tests the answer, or tests it too late, is no
// check. Run the way a user runs the audit (AUDIT_CLI names another build, to show a test fails on
// an older one).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { auditReport } from "./apps.mjs";
import { webhookApp } from "./webhooks.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

/** convex/http.ts of Convex's Clerk guide, as written there. */
const GUIDE = `import { httpRouter } from "convex/server";
import { httpAction } from "./_generated/server";
import { internal } from "./_generated/api";
import type { WebhookEvent } from "@clerk/backend";
import { Webhook } from "svix";

const http = httpRouter();

http.route({
  path: "/clerk-users-webhook",
  method: "POST",
  handler: httpAction(async (ctx, request) => {
    const event = await validateRequest(request);
    if (!event) {
      return new Response("Error occured", { status: 400 });
    }
    switch (event.type) {
      case "user.created": // intentional fallthrough
      case "user.updated":
        await ctx.runMutation(internal.users.upsertFromClerk, {
          data: event.data,
        });
        break;

      case "user.deleted": {
        const clerkUserId = event.data.id!;
        await ctx.runMutation(internal.users.deleteFromClerk, { clerkUserId });
        break;
      }
      default:
        console.log("Ignored Clerk webhook event", event.type);
    }

    return new Response(null, { status: 200 });
  }),
});

async function validateRequest(req: Request): Promise<WebhookEvent | null> {
  const payloadString = await req.text();
  const svixHeaders = {
    "svix-id": req.headers.get("svix-id")!,
    "svix-timestamp": req.headers.get("svix-timestamp")!,
    "svix-signature": req.headers.get("svix-signature")!,
  };
  const wh = new Webhook(process.env.CLERK_WEBHOOK_SECRET!);
  try {
    return wh.verify(payloadString, svixHeaders) as unknown as WebhookEvent;
  } catch (error) {
    console.error("Error verifying webhook event", error);
    return null;
  }
}

export default http;
`;

/** The app's users module and the api of its codegen, which the guide's routes run. */
const USERS = {
  "users.ts": `import { v } from "convex/values";
import { internalMutation } from "./_generated/server";

export const upsertFromClerk = internalMutation({ args: { data: v.any() }, handler: async () => {} });
export const deleteFromClerk = internalMutation({ args: { clerkUserId: v.string() }, handler: async () => {} });
`,
  "_generated/api.d.ts": `import type { ApiFromModules, FilterApi, FunctionReference } from "convex/server";
import type * as users from "../users.js";
declare const fullApi: ApiFromModules<{ users: typeof users }>;
export declare const api: FilterApi<typeof fullApi, FunctionReference<any, "public">>;
export declare const internal: FilterApi<typeof fullApi, FunctionReference<any, "internal">>;
`,
  "_generated/api.js": `import { anyApi } from "convex/server";\nexport const api = anyApi;\nexport const internal = anyApi;\n`,
};

/** A route whose handler reads the helper `helper`'s answer as `head` says, then runs a mutation. */
const route = (path, helper, head) => `
http.route({
  path: "${path}",
  method: "POST",
  handler: httpAction(async (ctx, request) => {
${head.replaceAll("HELPER", helper)}
    await ctx.runMutation(internal.users.upsertFromClerk, { data: event });
    return new Response(null, { status: 200 });
  }),
});
`;

/** A helper named `name` that reads svix's headers, then `tail` (which checks the signature with `wh.verify`). */
const helper = (name, tail, returns = "Promise<WebhookEvent | null | undefined | false>") => `
async function ${name}(req: Request): ${returns} {
  const payloadString = await req.text();
  const svixHeaders = { "svix-id": req.headers.get("svix-id")!, "svix-timestamp": req.headers.get("svix-timestamp")!, "svix-signature": req.headers.get("svix-signature")! };
  const wh = new Webhook(process.env.CLERK_WEBHOOK_SECRET!);
${tail}
}
`;

const GUIDE_TAIL = `  try {
    return wh.verify(payloadString, svixHeaders) as unknown as WebhookEvent;
  } catch (error) {
    console.error("Error verifying webhook event", error);
    return null;
  }`;
/** Answers `undefined` (it ends without a return) when the event is no object. */
const FALLS_OFF = `  try {
    const evt = wh.verify(payloadString, svixHeaders);
    if (typeof evt === "object") return evt as WebhookEvent;
  } catch {
    return null;
  }`;
const TESTED = `    const event = await HELPER(request);
    if (!event) return new Response("Error occured", { status: 400 });`;

/** Each route: its helper's body and how the handler reads its answer. The recognized ones. */
const RECOGNIZED = {
  // `=== null` when the helper answers no other falsy value; a throw leaves.
  "/null-test": [GUIDE_TAIL, `    const event = await HELPER(request);\n    if (event === null) throw new Error("bad signature");`],
  // An early `null` for missing headers, the verified event held in a const and tested, `undefined` from the catch.
  "/early": [
    `  if (req.headers.get("svix-id") === null) return null;
  try {
    const evt = wh.verify(payloadString, svixHeaders);
    return typeof evt === "object" ? (evt as WebhookEvent) : null;
  } catch {
    return undefined;
  }`,
    `    const event = await HELPER(request);
    const svixId = request.headers.get("svix-id");
    if (!event || !svixId) {
      return new Response("Invalid payload", { status: 400 });
    }`,
  ],
  // Falls off its end (`undefined`) when the event is no object: `== null` covers both.
  "/loose": [
    FALLS_OFF,
    `    const event = await HELPER(request);
    if (event == null) return new Response(null, { status: 401 });`,
  ],
  // `false` too, each tested.
  "/false": [
    `  try {
    return wh.verify(payloadString, svixHeaders) as WebhookEvent;
  } catch {
    if (payloadString.length === 0) return false;
    return null;
  }`,
    `    const event = await HELPER(request);
    if (event === false || event === null) return new Response(null, { status: 401 });`,
  ],
};

/** The ones that stay public-no-auth. */
const UNRECOGNIZED = {
  // The catch answers data the handler cannot tell from an event.
  "/catch-object": [GUIDE_TAIL.replace("return null;", "return {} as WebhookEvent;"), TESTED],
  "/catch-body": [GUIDE_TAIL.replace("return null;", "return (await req.clone().json()) as WebhookEvent;"), TESTED],
  // An early answer that is not falsy: a Response is an object.
  "/early-response": [`  if (req.headers.get("svix-id") === null) return new Response("missing", { status: 400 }) as unknown as WebhookEvent;\n${GUIDE_TAIL}`, TESTED],
  // The handler never tests the answer.
  "/untested": [GUIDE_TAIL, `    const event = await HELPER(request);`],
  // Tested after it ran a mutation.
  "/late-test": [GUIDE_TAIL, `    const event = await HELPER(request);\n    await ctx.runMutation(internal.users.deleteFromClerk, { clerkUserId: "x" });\n    if (!event) return new Response(null, { status: 400 });`],
  // A fallback for the null: never falsy.
  "/fallback": [GUIDE_TAIL, `    const event = (await HELPER(request)) ?? { type: "unknown", data: {} };\n    if (!event) return new Response(null, { status: 400 });`],
  // Tests for null when the helper may answer undefined too.
  "/null-miss": [GUIDE_TAIL.replace("return null;", "return undefined;"), `    const event = await HELPER(request);\n    if (event === null) return new Response(null, { status: 400 });`],
  // Tests for null when the helper may end without a return.
  "/end-miss": [
    FALLS_OFF,
    `    const event = await HELPER(request);\n    if (event === null) return new Response(null, { status: 400 });`,
  ],
  // The test does not leave.
  "/stays": [GUIDE_TAIL, `    const event = await HELPER(request);\n    if (!event) console.error("bad signature");`],
  // Not awaited: a promise is never falsy.
  "/unawaited": [GUIDE_TAIL, `    const event = HELPER(request);\n    if (!event) return new Response(null, { status: 400 });`],
};

const HEAD = `import { httpRouter } from "convex/server";
import { httpAction } from "./_generated/server";
import { internal } from "./_generated/api";
import type { WebhookEvent } from "@clerk/backend";
import { Webhook } from "svix";

const http = httpRouter();
`;

/** convex/http.ts with `routes`, each with a helper of its own; `unverified` replaces their `wh.verify` with a parse. */
function httpTs(routes, unverified = false) {
  const names = Object.keys(routes).map((path) => `validate${path.replace(/[^a-z]/gi, "")}`);
  const text =
    HEAD +
    Object.entries(routes)
      .map(([path, [tail, head]], i) => route(path, names[i], head) + helper(names[i], tail))
      .join("") +
    "\nexport default http;\n";
  return unverified ? text.replaceAll("wh.verify(payloadString, svixHeaders)", "JSON.parse(payloadString)") : text;
}

const rulesOf = (r, path) => r.findings.filter((f) => f.function === `http POST ${path}`).map((f) => f.rule).sort();
const fnOf = (r, path) => r.functions.find((f) => f.function === `http POST ${path}`);
const guideApp = webhookApp("signature-helpers", "guide", { "http.ts": GUIDE, ...USERS });
const variants = auditReport(cli, webhookApp("signature-helpers", "variants", { "http.ts": httpTs({ ...RECOGNIZED, ...UNRECOGNIZED }), ...USERS }));

test("Convex's Clerk guide, as written, is a signature check: its route needs no allowlist", () => {
  const report = auditReport(cli, guideApp);
  assert.deepEqual(rulesOf(report, "/clerk-users-webhook"), ["public-no-rate-limit"]);
  assert.deepEqual(fnOf(report, "/clerk-users-webhook").signatures, ["validateRequest -> svix Webhook.verify"]);
  const r = spawnSync(process.execPath, [cli, "audit", "convex"], { cwd: guideApp, encoding: "utf8" });
  assert.match(r.stdout, /^http POST \/clerk-users-webhook +httpAction +- +- +signature: validateRequest -> svix Webhook\.verify +- /m);
});

test("the guide's helper declaring TypeScript's this parameter (validateRequest(this: void, req)) is the same check (finalread30 F4)", () => {
  const text = GUIDE.replace("async function validateRequest(req: Request)", "async function validateRequest(this: void, req: Request)");
  assert.notEqual(text, GUIDE);
  const report = auditReport(cli, webhookApp("signature-helpers", "guide-this", { "http.ts": text, ...USERS }));
  assert.deepEqual(rulesOf(report, "/clerk-users-webhook"), ["public-no-rate-limit"]);
  assert.deepEqual(fnOf(report, "/clerk-users-webhook").signatures, ["validateRequest -> svix Webhook.verify"]);
});

test("a helper answering the verified event or a falsy value, tested before anything runs, is a check", () => {
  for (const path of Object.keys(RECOGNIZED)) {
    assert.deepEqual(rulesOf(variants, path), ["public-no-rate-limit"], path);
    assert.deepEqual(fnOf(variants, path).signatures, [`validate${path.replace(/[^a-z]/gi, "")} -> svix Webhook.verify`], path);
  }
});

test("a catch answering data, an answer untested, tested late, with a fallback, or for the wrong value, is no check", () => {
  for (const path of Object.keys(UNRECOGNIZED)) {
    assert.deepEqual(rulesOf(variants, path), ["public-no-auth", "public-no-rate-limit"], path);
    assert.deepEqual(fnOf(variants, path).signatures, [], path);
  }
});

test("without the verify, the guide's route and the recognized variants are reported again", () => {
  const guide = auditReport(cli, webhookApp("signature-helpers", "guide-unverified", { "http.ts": GUIDE.replace("wh.verify(payloadString, svixHeaders)", "JSON.parse(payloadString)"), ...USERS }));
  assert.deepEqual(rulesOf(guide, "/clerk-users-webhook"), ["public-no-auth", "public-no-rate-limit"]);
  const without = auditReport(cli, webhookApp("signature-helpers", "unverified", { "http.ts": httpTs(RECOGNIZED, true), ...USERS }));
  for (const path of Object.keys(RECOGNIZED)) assert.deepEqual(rulesOf(without, path), ["public-no-auth", "public-no-rate-limit"], path);
});
