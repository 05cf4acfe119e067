// Stand-ins of the webhook packages whose signature checks the audit recognizes (svix,
// standardwebhooks, stripe, @clerk/backend), declared as the real packages declare them, and the
// small apps that use them, written at test time under target/audit-tests/.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { scratchApp } from "./apps.mjs";

const WEBHOOK_CLASS = `export interface WebhookRequiredHeaders { "svix-id": string; "svix-timestamp": string; "svix-signature": string }
export interface WebhookOptions { format?: "raw" }
export declare class Webhook {
  constructor(secret: string | Uint8Array, options?: WebhookOptions);
  verify(payload: string | Uint8Array, headers_: WebhookRequiredHeaders | Record<string, string>): unknown;
  sign(msgId: string, timestamp: Date, payload: string | Uint8Array): string;
}
`;

/** The dependencies' declarations, in the shape the real packages ship them (svix 1.x, standardwebhooks 1.x, stripe 23, @clerk/backend 3). */
export const PACKAGES = {
  "svix/package.json": `{ "name": "svix", "version": "1.99.1", "main": "./dist/index.js", "types": "./dist/index.d.ts" }`,
  "svix/dist/index.d.ts": `export * from "./webhook";\n`,
  "svix/dist/webhook.d.ts": WEBHOOK_CLASS,
  "standardwebhooks/package.json": `{ "name": "standardwebhooks", "version": "1.1.1", "main": "./dist/index.js", "types": "./dist/index.d.ts" }`,
  "standardwebhooks/dist/index.d.ts": WEBHOOK_CLASS,
  "stripe/package.json": `{ "name": "stripe", "version": "23.2.0", "exports": { ".": { "types": "./esm/stripe.esm.node.d.ts", "default": "./esm/stripe.esm.node.js" } }, "types": "./esm/stripe.esm.node.d.ts" }`,
  "stripe/esm/stripe.esm.node.d.ts": `import { Webhooks } from "./Webhooks.js";
export declare class Stripe {
  constructor(key: string, config?: { apiVersion?: string });
  static webhooks: Webhooks;
  webhooks: Webhooks;
}
export declare namespace Stripe {
  type Event = import("./Webhooks.js").Event;
}
export default Stripe;
`,
  "stripe/esm/Webhooks.d.ts": `export interface Event { id: string; type: string; data: { object: unknown } }
export type Webhooks = {
  constructEvent: (payload: string | Uint8Array, header: string | string[], secret: string) => Event;
  constructEventAsync: (payload: string | Uint8Array, header: string | string[], secret: string) => Promise<Event>;
  constructEventWithoutVerification: (payload: string) => Event;
  generateTestHeaderString: (opts: { payload: string; secret: string; timestamp?: number }) => string;
};
`,
  "@clerk/backend/package.json": `{ "name": "@clerk/backend", "version": "3.25.0", "exports": { ".": { "types": "./dist/index.d.ts", "default": "./dist/index.mjs" }, "./webhooks": { "types": "./dist/webhooks.d.ts", "default": "./dist/webhooks.mjs" } } }`,
  "@clerk/backend/dist/index.d.ts": `export type { WebhookEvent } from "./webhooks";\n`,
  "@clerk/backend/dist/webhooks.d.ts": `export type WebhookEvent = { type: string; data: Record<string, unknown> & { id?: string } };
export type VerifyWebhookOptions = { signingSecret?: string };
export declare function verifyWebhook(request: Request, options?: VerifyWebhookOptions): Promise<WebhookEvent>;
`,
};

/** An app under target/audit-tests/<scratch>/<name>: `files` under convex/, the packages' stubs in its node_modules. */
export function webhookApp(scratch, name, files) {
  const dir = scratchApp(scratch, name, files);
  for (const [file, text] of Object.entries(PACKAGES)) {
    mkdirSync(dirname(`${dir}/node_modules/${file}`), { recursive: true });
    writeFileSync(`${dir}/node_modules/${file}`, text);
  }
  return dir;
}

/** A route of an app's http.ts whose handler, `(ctx, request)`, is `body`, at `path`. */
export const webhookRoute = (path, body) => `
http.route({
  path: "${path}",
  method: "POST",
  handler: httpAction(async (ctx, request) => {
${body}
  }),
});
`;

/** A route whose handler checks the signature as `body` says, then runs a mutation (anyApi's `billing.record`). */
export const checkedRoute = (path, body) =>
  webhookRoute(path, `${body}
    await ctx.runMutation(anyApi.billing.record, { path: "${path}" });
    return new Response(null, { status: 204 });`);
