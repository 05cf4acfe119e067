// The rest of newuser36 F2: a correct HMAC webhook was still reported `public-no-auth` HIGH when
// its handler tested the verify's answer where it was made (`if (!(await verify(body, sig)))
// return ...`, the answer not held in a `const`) or when the signature header was hex- or
// base64-decoded inline (`Uint8Array.from(sig.match(/../g) ?? [], (h) => parseInt(h, 16))`, a
// loop filling a `Uint8Array`) rather than by a function of the app. Both now count, inline and
// in a helper; the twins that check nothing stay reported: a test not negated, an `if` that does
// not leave, a condition another operand can skip, a decode that reads something besides the
// header, bytes written after the decode. Run the way a user runs the audit (AUDIT_CLI names
// another build, to show a test fails on an older one).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport } from "./apps.mjs";
import { checkedRoute as route, webhookApp } from "./webhooks.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const BODY = "    const body = await request.text();";
const SIG = `request.headers.get("x-signature")`;
const KEY = `await crypto.subtle.importKey("raw", new TextEncoder().encode(process.env.BILLING_SECRET!), { name: "HMAC", hash: "SHA-256" }, false, ["verify"])`;
const DATA = "new TextEncoder().encode(body)";
const DENY = `return new Response("bad signature", { status: 401 })`;
const HEX = (s) => `Uint8Array.from(${s}.match(/../g) ?? [], (h) => parseInt(h, 16))`;

/** Checks written as users write them, which the audit must count. */
const RECOGNIZED = {
  // newuser36's handler and helper, as written.
  "/newuser36": `${BODY}
    if (!(await verify(body, ${SIG}))) ${DENY};`,
  // The same test of an inline verify, the header decoded by new Uint8Array(...map(...)).
  "/inline-direct": `${BODY}
    const sig = ${SIG} ?? "";
    if (!(await crypto.subtle.verify("HMAC", ${KEY}, new Uint8Array((sig.match(/../g) ?? []).map((h) => parseInt(h, 16))), ${DATA}))) ${DENY};`,
  // A base64 header decoded by atob; the answer held in a const, as before.
  "/atob": `${BODY}
    const sig = ${SIG} ?? "";
    const ok = await crypto.subtle.verify("HMAC", ${KEY}, Uint8Array.from(atob(sig), (c) => c.charCodeAt(0)), ${DATA});
    if (!ok) ${DENY};`,
  // A loop filling the bytes, a GitHub prefix cut inline; a throw on the direct test.
  "/loop": `${BODY}
    const sig = (${SIG} ?? "").slice(7);
    const bytes = new Uint8Array(sig.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(sig.slice(2 * i, 2 * i + 2), 16);
    if (!(await crypto.subtle.verify("HMAC", ${KEY}, bytes, ${DATA}))) throw new Error("bad signature");`,
  // A helper that throws on its own direct test.
  "/helper-throws": `${BODY}
    await verifyOrThrow(body, ${SIG} ?? "");`,
};

/** Twins that check nothing: the finding stays. */
const UNRECOGNIZED = {
  // The test not negated: it leaves when the signature is good.
  "/not-negated": `${BODY}
    if (await verify(body, ${SIG})) ${DENY};`,
  // An if that does not leave.
  "/stays": `${BODY}
    if (!(await verify(body, ${SIG}))) console.error("bad signature");`,
  // Another operand that can skip the verify, or make the test false.
  "/and-skip": `${BODY}
    if (request.method === "POST" && !(await verify(body, ${SIG}))) ${DENY};`,
  "/and-after": `${BODY}
    if (!(await verify(body, ${SIG})) && request.method === "POST") ${DENY};`,
  // Not awaited: a Promise, always truthy.
  "/not-awaited": `${BODY}
    if (!verify(body, ${SIG})) ${DENY};`,
  // A decode that mixes in something besides the header: the signature made with the key.
  "/decode-mixed": `${BODY}
    const key = ${KEY.replace('["verify"]', '["sign", "verify"]')};
    const mine = new Uint8Array(await crypto.subtle.sign("HMAC", key, ${DATA}));
    const sig = ${SIG} ?? "";
    const bytes = Uint8Array.from(sig.match(/../g) ?? [], (h, i) => (parseInt(h, 16) & 0) | mine[i]!);
    if (!(await crypto.subtle.verify("HMAC", key, bytes, ${DATA}))) ${DENY};`,
  // The decoded bytes overwritten before the verify, by a statement, through a function or an alias.
  "/decode-set": `${BODY}
    const key = ${KEY.replace('["verify"]', '["sign", "verify"]')};
    const sig = ${SIG} ?? "";
    const bytes = ${HEX("sig")};
    bytes.set(new Uint8Array(await crypto.subtle.sign("HMAC", key, ${DATA})));
    if (!(await crypto.subtle.verify("HMAC", key, bytes, ${DATA}))) ${DENY};`,
  "/decode-closure": `${BODY}
    const key = ${KEY.replace('["verify"]', '["sign", "verify"]')};
    const sig = ${SIG} ?? "";
    const bytes = ${HEX("sig")};
    const put = (m: Uint8Array) => bytes.set(m);
    put(new Uint8Array(await crypto.subtle.sign("HMAC", key, ${DATA})));
    if (!(await crypto.subtle.verify("HMAC", key, bytes, ${DATA}))) ${DENY};`,
  "/decode-alias": `${BODY}
    const key = ${KEY.replace('["verify"]', '["sign", "verify"]')};
    const sig = ${SIG} ?? "";
    const bytes = ${HEX("sig")};
    const alias = bytes;
    alias.set(new Uint8Array(await crypto.subtle.sign("HMAC", key, ${DATA})));
    if (!(await crypto.subtle.verify("HMAC", key, bytes, ${DATA}))) ${DENY};`,
  // A decode of no header at all, or of another request's.
  "/decode-constant": `${BODY}
    const bytes = ${HEX('"00"')};
    if (!(await crypto.subtle.verify("HMAC", ${KEY}, bytes, ${DATA}))) ${DENY};`,
  "/decode-other-request": `${BODY}
    const other = new Request("https://example.com", { headers: { "x-signature": "00" } });
    const bytes = ${HEX('(other.headers.get("x-signature") ?? "")')};
    if (!(await crypto.subtle.verify("HMAC", ${KEY}, bytes, ${DATA}))) ${DENY};`,
};

const HEAD = `import { anyApi, httpRouter } from "convex/server";
import { httpAction } from "./_generated/server";

async function verify(body: string, sig: string | null): Promise<boolean> {
  const secret = process.env.PAYMENTS_WEBHOOK_SECRET;
  if (!secret || !sig) return false;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const bytes = Uint8Array.from(sig.match(/../g) ?? [], (h) => parseInt(h, 16));
  return crypto.subtle.verify("HMAC", key, bytes, new TextEncoder().encode(body));
}

async function verifyOrThrow(body: string, sig: string): Promise<void> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(process.env.PAYMENTS_WEBHOOK_SECRET!), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  if (!(await crypto.subtle.verify("HMAC", key, Uint8Array.from(atob(sig), (c) => c.charCodeAt(0)), new TextEncoder().encode(body)))) throw new Error("bad signature");
}

const http = httpRouter();
`;

const httpTs = (routes) => HEAD + Object.entries(routes).map(([path, body]) => route(path, body)).join("") + "\nexport default http;\n";
const app = webhookApp("webcrypto-inline", "checks", { "http.ts": httpTs({ ...RECOGNIZED, ...UNRECOGNIZED }) });
const report = auditReport(cli, app);
const rulesOf = (path) => report.findings.filter((f) => f.function === `http POST ${path}`).map((f) => f.rule).sort();
const fnOf = (path) => report.functions.find((f) => f.function === `http POST ${path}`);
const message = (path) => report.findings.find((f) => f.function === `http POST ${path}` && f.rule === "public-no-auth")?.message ?? "";

test("a verify's answer tested where it is made, a header decoded inline: a signature check (newuser36 F2)", () => {
  const via = { "/newuser36": "verify -> Web Crypto HMAC verify", "/helper-throws": "verifyOrThrow -> Web Crypto HMAC verify" };
  for (const path of Object.keys(RECOGNIZED)) {
    assert.deepEqual(rulesOf(path), ["public-no-rate-limit"], path);
    assert.deepEqual(fnOf(path).signatures, [via[path] ?? "Web Crypto HMAC verify"], path);
  }
});

test("a test not negated, not leaving or skippable, a decode reading more than the header, bytes written after it: no check", () => {
  for (const path of Object.keys(UNRECOGNIZED)) {
    assert.deepEqual(rulesOf(path), ["public-no-auth", "public-no-rate-limit"], path);
    assert.deepEqual(fnOf(path).signatures, [], path);
  }
  const why = {
    "/not-negated": /its Web Crypto check in verify, .*the handler does not leave on verify's falsy answer/,
    "/stays": /its Web Crypto check in verify, .*the handler does not leave on verify's falsy answer/,
    "/decode-mixed": /its Web Crypto check, .*its signature is not a header of the request, nor one decoded from it alone \(by Buffer\.from\(header, "hex"\), an app function given the header, or inline\) reading nothing else/,
    "/decode-set": /its Web Crypto check, .*its signature is not a header of the request/,
    "/decode-closure": /its Web Crypto check, .*its signature is not a header of the request/,
    "/decode-constant": /its Web Crypto check, .*its signature is not a header of the request/,
  };
  for (const [path, reason] of Object.entries(why)) assert.match(message(path), reason, path);
});
