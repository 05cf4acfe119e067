// A billing provider without an SDK is verified by the platform's Web Crypto HMAC:
// `crypto.subtle.verify("HMAC", key, signature, body)`, which answers false on a bad signature.
// It is the route's check of its caller, as svix's or Stripe's is, when its key is imported from
// the app's secret, its signature comes from the request's header (decoded there or by a function
// of the app), its data is the request's body, and its false leaves the handler before anything
// runs; in a helper, when the helper answers the boolean (and the handler leaves on it) or throws
// on it. A result ignored, a key from the request or a literal, a signature the app computes
// itself and compares by hand, other data, a test after a mutation, or an app's object named
// `crypto` are no check: the route stays `public-no-auth` (newuser27 F4: such routes had to be
// allowlisted whole, after which a broken check passed). Run the way a user runs the audit
// (AUDIT_CLI names another build, to show a test fails on an older one).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { test } from "node:test";
import { auditReport } from "./apps.mjs";
import { checkedRoute as route, webhookApp, webhookRoute } from "./webhooks.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const KEY = `await crypto.subtle.importKey("raw", new TextEncoder().encode(process.env.BILLING_SECRET!), { name: "HMAC", hash: "SHA-256" }, false, ["verify"])`;
const SIG = `hexToBytes(request.headers.get("x-signature") ?? "")`;
const LEAVE = `    if (!ok) return new Response("bad signature", { status: 401 });`;

/** Checks of the request's body against its signature header with the app's secret. */
const RECOGNIZED = {
  // AUDIT.md's example, as written there.
  "/inline": `    const body = await request.text();
    const key = ${KEY};
    const ok = await crypto.subtle.verify("HMAC", key, ${SIG},
      new TextEncoder().encode(body));
${LEAVE}`,
  // The module's encoder and secret, \`{ name: "HMAC" }\`, a header decoded by Buffer, the body's
  // bytes, and a throw on \`=== false\`.
  "/consts": `    const key = await crypto.subtle.importKey("raw", enc.encode(SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    const signature = request.headers.get("x-signature")!;
    const ok = await crypto.subtle.verify({ name: "HMAC" }, key, Buffer.from(signature, "hex"), await request.arrayBuffer());
    if (ok === false) throw new Error("bad signature");`,
  // \`globalThis.crypto\`, a base64 secret's bytes.
  "/global-this": `    const body = await request.text();
    const key = await globalThis.crypto.subtle.importKey("raw", Buffer.from(process.env.BILLING_SECRET!, "base64"), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    const ok = await globalThis.crypto.subtle.verify("HMAC", key, ${SIG}, enc.encode(body));
${LEAVE}`,
  // A helper answering the boolean (held in a const), the handler leaving on it.
  "/helper-answers": `    const ok = await verified(request);
${LEAVE}`,
  // A helper returning verify's promise, awaited by the handler.
  "/helper-returns": `    const ok = await verifiedDirect(request);
    if (!ok) throw new Error("bad signature");`,
  // A helper that throws on false.
  "/helper-throws": `    const body = await verifiedBody(request);`,
  // GitHub's \`sha256=<hex>\` header, its prefix stripped before the decoder (attack36's false positives).
  "/github-replace": `    const body = await request.text();
    const sig = (request.headers.get("x-hub-signature-256") ?? "").replace(/^sha256=/, "");
    const ok = await crypto.subtle.verify("HMAC", ${KEY}, hexToBytes(sig), enc.encode(body));
${LEAVE}`,
  "/github-slice": `    const ok = await crypto.subtle.verify("HMAC", ${KEY}, hexToBytes((request.headers.get("x-hub-signature-256") ?? "").slice(7)), enc.encode(await request.text()));
${LEAVE}`,
  "/github-literal": `    const ok = await crypto.subtle.verify("HMAC", ${KEY}, hexToBytes(request.headers.get("x-hub-signature-256")!.replace("sha256=", "")), enc.encode(await request.text()));
${LEAVE}`,
  // A signature decoded inline from the header alone (newuser30 F3, newuser36 F2; webcrypto-inline.test.mjs).
  "/inline-hex": `    const body = await request.text();
    const key = ${KEY};
    const sig = new Uint8Array((request.headers.get("x-signature")!.match(/../g) ?? []).map((h) => parseInt(h, 16)));
    const ok = await crypto.subtle.verify("HMAC", key, sig, enc.encode(body));
${LEAVE}`,
  "/github-split": `    const ok = await crypto.subtle.verify("HMAC", ${KEY}, hexToBytes(request.headers.get("x-hub-signature-256")!.split("=")[1]!), enc.encode(await request.text()));
${LEAVE}`,
  // A base64 secret decoded with atob, inline or by an app function given it.
  "/atob-secret": `    const body = await request.text();
    const key = await crypto.subtle.importKey("raw", Uint8Array.from(atob(process.env.BILLING_SECRET!), (c) => c.charCodeAt(0)), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    const ok = await crypto.subtle.verify("HMAC", key, ${SIG}, enc.encode(body));
${LEAVE}`,
  "/atob-helper": `    const body = await request.text();
    const key = await crypto.subtle.importKey("raw", b64ToBytes(process.env.BILLING_SECRET!), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    const ok = await crypto.subtle.verify("HMAC", key, ${SIG}, enc.encode(body));
${LEAVE}`,
  // The same function declaring TypeScript's this parameter: not an argument (finalread30 F4).
  "/atob-this-helper": `    const body = await request.text();
    const key = await crypto.subtle.importKey("raw", b64ThisBytes(process.env.BILLING_SECRET!), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    const ok = await crypto.subtle.verify("HMAC", key, ${SIG}, enc.encode(body));
${LEAVE}`,
  // Slack's timestamped base: a header, literals and the body.
  "/slack": `    const body = await request.text();
    const ts = request.headers.get("x-slack-request-timestamp") ?? "";
    if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return new Response("stale", { status: 401 });
    const ok = await crypto.subtle.verify("HMAC", ${KEY}, hexToBytes((request.headers.get("x-slack-signature") ?? "").slice(3)), enc.encode(\`v0:\${ts}:\${body}\`));
${LEAVE}`,
  // A decoder using a module const literal and its own locals.
  "/table-decoder": `    const body = await request.text();
    const ok = await crypto.subtle.verify("HMAC", ${KEY}, tableHex(request.headers.get("x-signature") ?? ""), enc.encode(body));
${LEAVE}`,
};

/** Checks that check nothing: the finding stays. */
const UNRECOGNIZED = {
  // The answer ignored, or never tested.
  "/ignored": `    const key = ${KEY};
    await crypto.subtle.verify("HMAC", key, ${SIG}, enc.encode(await request.text()));`,
  "/untested": `    const key = ${KEY};
    const ok = await crypto.subtle.verify("HMAC", key, ${SIG}, enc.encode(await request.text()));
    console.log(ok);`,
  // A test that does not leave; a check in a branch.
  "/stays": `    const key = ${KEY};
    const ok = await crypto.subtle.verify("HMAC", key, ${SIG}, enc.encode(await request.text()));
    if (!ok) console.error("bad signature");`,
  "/branch": `    const key = ${KEY};
    if (request.headers.get("x-signature") !== null) {
      const ok = await crypto.subtle.verify("HMAC", key, ${SIG}, enc.encode(await request.text()));
  ${LEAVE}
    }`,
  // A key from a header, or a literal.
  "/header-key": `    const key = await crypto.subtle.importKey("raw", enc.encode(request.headers.get("x-key")!), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    const ok = await crypto.subtle.verify("HMAC", key, ${SIG}, enc.encode(await request.text()));
${LEAVE}`,
  "/literal-key": `    const key = await crypto.subtle.importKey("raw", enc.encode("whsec_test"), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    const ok = await crypto.subtle.verify("HMAC", key, ${SIG}, enc.encode(await request.text()));
${LEAVE}`,
  // The signature computed with \`sign\` and compared by hand (newuser27's form).
  "/sign-compare": `    const body = await request.text();
    const key = ${KEY.replace('["verify"]', '["sign"]')};
    const expected = toHex(await crypto.subtle.sign("HMAC", key, enc.encode(body)));
    if (expected !== request.headers.get("x-signature")) return new Response("bad signature", { status: 401 });`,
  // A signature the app makes itself and verifies; one a "decoder" makes from the secret.
  "/self-signed": `    const body = await request.text();
    const key = ${KEY};
    const mine = await crypto.subtle.sign("HMAC", key, enc.encode(body));
    const ok = await crypto.subtle.verify("HMAC", key, mine, enc.encode(body));
${LEAVE}`,
  "/secret-decoder": `    const key = ${KEY};
    const ok = await crypto.subtle.verify("HMAC", key, salted(request.headers.get("x-signature")!), enc.encode(await request.text()));
${LEAVE}`,
  // Data other than the body: a constant, the URL.
  "/not-body": `    const key = ${KEY};
    const ok = await crypto.subtle.verify("HMAC", key, ${SIG}, enc.encode(request.url));
${LEAVE}`,
  // A signature decoded inline with the secret mixed in: not the header alone (newuser30 F3).
  "/inline-salted": `    const body = await request.text();
    const key = ${KEY};
    const sig = new Uint8Array((request.headers.get("x-signature")!.match(/../g) ?? []).map((h) => parseInt(h, 16) ^ SECRET.length));
    const ok = await crypto.subtle.verify("HMAC", key, sig, enc.encode(body));
${LEAVE}`,
  // Another algorithm's verify.
  "/not-hmac": `    const key = ${KEY};
    const ok = await crypto.subtle.verify("ECDSA", key, ${SIG}, enc.encode(await request.text()));
${LEAVE}`,
  // The test after a mutation ran.
  "/late": `    const key = ${KEY};
    const ok = await crypto.subtle.verify("HMAC", key, ${SIG}, enc.encode(await request.text()));
    await ctx.runMutation(anyApi.billing.record, { path: "early" });
${LEAVE}`,
  // An object of the app named crypto (also a helper's parameter, below).
  "/app-crypto": `    const crypto = fakeCrypto;
    const key = ${KEY};
    const ok = await crypto.subtle.verify("HMAC", key, ${SIG}, enc.encode(await request.text()));
${LEAVE}`,
  // A helper verifying with the \`crypto\` it is given.
  "/given-crypto": `    const ok = await verifiedWith(fakeCrypto, request);
${LEAVE}`,
  // A helper's boolean the handler never tests, or tests for something else; a helper whose test returns rather than throws.
  "/helper-untested": `    const ok = await verified(request);`,
  "/helper-other-test": `    const ok = await verified(request);
    if (request.method !== "POST") return new Response(null, { status: 405 });`,
  "/helper-returns-body": `    const body = await bodyOrNothing(request);`,
  // A secret with a non-empty fallback: the check holds with a key the code shows (attack36 F3).
  "/fallback-secret": `    const key = await crypto.subtle.importKey("raw", enc.encode(process.env.BILLING_SECRET ?? "dev-secret"), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    const ok = await crypto.subtle.verify("HMAC", key, ${SIG}, enc.encode(await request.text()));
${LEAVE}`,
  "/or-secret": `    const secret = process.env.BILLING_SECRET || "changeme";
    const key = await crypto.subtle.importKey("raw", Buffer.from(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    const ok = await crypto.subtle.verify("HMAC", key, ${SIG}, enc.encode(await request.text()));
${LEAVE}`,
  // A decoder answering module state the handler filled with \`sign\` (attack36 F4), or a closure over a \`let\`.
  "/cached-decoder": `    const body = await request.text();
    const key = await crypto.subtle.importKey("raw", enc.encode(SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    expected = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(body)));
    const ok = await crypto.subtle.verify("HMAC", key, cachedHex(request.headers.get("x-signature") ?? ""), enc.encode(body));
${LEAVE}`,
  "/closure-decoder": `    const body = await request.text();
    const key = ${KEY};
    let mine = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(body)));
    const decode = (hex: string) => (hex.length > 0 ? mine : mine);
    const ok = await crypto.subtle.verify("HMAC", key, decode(request.headers.get("x-signature") ?? ""), enc.encode(body));
${LEAVE}`,
  "/object-decoder": `    const body = await request.text();
    const key = ${KEY};
    box.sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(body)));
    const ok = await crypto.subtle.verify("HMAC", key, boxed(request.headers.get("x-signature") ?? ""), enc.encode(body));
${LEAVE}`,
  // A decoder whose casts make the checker call a built function a string (the final read).
  "/cast-decoder": `    const ok = await crypto.subtle.verify("HMAC", ${KEY}, castHex(request.headers.get("x-signature") ?? ""), enc.encode(await request.text()));
${LEAVE}`,
  "/constructor-decoder": `    const ok = await crypto.subtle.verify("HMAC", ${KEY}, reached(request.headers.get("x-signature") ?? ""), enc.encode(await request.text()));
${LEAVE}`,
  // A decoder held in a \`let\`, replaced before the check.
  "/let-decoder": `    decodeLet = (_hex: string) => new Uint8Array(32);
    const ok = await crypto.subtle.verify("HMAC", ${KEY}, decodeLet(request.headers.get("x-signature") ?? ""), enc.encode(await request.text()));
${LEAVE}`,
  // A prefix cut by something other than a literal; a base with the URL, or without the body.
  "/strip-other": `    const ok = await crypto.subtle.verify("HMAC", ${KEY}, hexToBytes(request.headers.get("x-sig")!.replace("sha256=", SECRET)), enc.encode(await request.text()));
${LEAVE}`,
  "/base-url": `    const body = await request.text();
    const ok = await crypto.subtle.verify("HMAC", ${KEY}, ${SIG}, enc.encode(\`v0:\${request.url}:\${body}\`));
${LEAVE}`,
  "/base-no-body": `    const ts = request.headers.get("x-slack-request-timestamp") ?? "";
    const ok = await crypto.subtle.verify("HMAC", ${KEY}, ${SIG}, enc.encode(\`v0:\${ts}:\`));
${LEAVE}`,
  // Key bytes that are not the secret's: a callback answering zero, a helper ignoring its parameter.
  "/atob-zero": `    const key = await crypto.subtle.importKey("raw", Uint8Array.from(atob(process.env.BILLING_SECRET!), () => 0), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    const ok = await crypto.subtle.verify("HMAC", key, ${SIG}, enc.encode(await request.text()));
${LEAVE}`,
  "/key-helper-ignores": `    const key = await crypto.subtle.importKey("raw", zeroKey(process.env.BILLING_SECRET!), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    const ok = await crypto.subtle.verify("HMAC", key, ${SIG}, enc.encode(await request.text()));
${LEAVE}`,
};

const HELPER_KEY = KEY.replace("request", "req");
const HEAD = `import { anyApi, httpRouter } from "convex/server";
import { httpAction } from "./_generated/server";

const enc = new TextEncoder();
const SECRET = process.env.BILLING_SECRET!;
const fakeCrypto = { subtle: { importKey: async (..._a: unknown[]) => ({}), verify: async (..._a: unknown[]) => true } };

// AUDIT.md's decoder, as written there.
function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(hex.length >> 1));
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function toHex(buf: ArrayBuffer): string {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function b64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function b64ThisBytes(this: void, b64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function zeroKey(_b64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob("AAAA"), (c) => c.charCodeAt(0));
}

const DIGITS = "0123456789abcdef";
function tableHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = DIGITS.indexOf(hex[2 * i]!) * 16 + DIGITS.indexOf(hex[2 * i + 1]!);
  return out;
}

let decodeLet = (hex: string): Uint8Array => Uint8Array.from(hex, (c) => c.charCodeAt(0));
let expected = new Uint8Array();
function cachedHex(hex: string): Uint8Array {
  if (expected.length) return expected;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const box = { sig: new Uint8Array() };
function boxed(_hex: string): Uint8Array {
  return box.sig;
}

function reached(hex: string): Uint8Array {
  const k = "constr" + "uctor";
  const make = (hex as any)[k][k];
  return make("return globalThis.__sig")();
}

function castHex(hex: string): Uint8Array {
  const k = "constr" + "uctor";
  const s = ("" as unknown as Record<string, string>)[k] as unknown as Record<string, string>;
  const make = s[k] as unknown as (code: string) => () => Uint8Array;
  return hex.length > 0 ? make("return globalThis.sig")() : new Uint8Array();
}

/** Not a decoder: it mixes the secret in. */
function salted(sig: string): Uint8Array {
  return enc.encode(sig + SECRET);
}

async function verified(req: Request): Promise<boolean> {
  const key = ${HELPER_KEY};
  const ok = await crypto.subtle.verify("HMAC", key, hexToBytes(req.headers.get("x-signature") ?? ""), enc.encode(await req.text()));
  return ok;
}

async function verifiedDirect(req: Request): Promise<boolean> {
  const signature = req.headers.get("x-signature");
  if (signature === null) return false;
  const key = ${HELPER_KEY};
  return crypto.subtle.verify("HMAC", key, hexToBytes(signature), enc.encode(await req.clone().text()));
}

async function verifiedBody(req: Request): Promise<string> {
  const body = await req.text();
  const key = ${HELPER_KEY};
  const ok = await crypto.subtle.verify("HMAC", key, hexToBytes(req.headers.get("x-signature") ?? ""), enc.encode(body));
  if (!ok) throw new Error("bad signature");
  return body;
}

async function verifiedWith(crypto: typeof fakeCrypto, req: Request): Promise<boolean> {
  const key = ${HELPER_KEY};
  return await crypto.subtle.verify("HMAC", key, hexToBytes(req.headers.get("x-signature") ?? ""), enc.encode(await req.text()));
}

async function bodyOrNothing(req: Request): Promise<string> {
  const body = await req.text();
  const key = ${HELPER_KEY};
  const ok = await crypto.subtle.verify("HMAC", key, hexToBytes(req.headers.get("x-signature") ?? ""), enc.encode(body));
  if (!ok) return "";
  return body;
}

const http = httpRouter();
`;

const httpTs = (routes) => HEAD + Object.entries(routes).map(([path, body]) => route(path, body)).join("") + "\nexport default http;\n";
const app = webhookApp("webcrypto", "checks", { "http.ts": httpTs({ ...RECOGNIZED, ...UNRECOGNIZED }) });
const report = auditReport(cli, app);
const rulesOf = (r, path) => r.findings.filter((f) => f.function === `http POST ${path}`).map((f) => f.rule).sort();
const fnOf = (r, path) => r.functions.find((f) => f.function === `http POST ${path}`);

test("crypto.subtle.verify with the app's secret, the signature header and the body, left on false: a signature check", () => {
  for (const path of Object.keys(RECOGNIZED)) {
    assert.deepEqual(rulesOf(report, path), ["public-no-rate-limit"], path);
    const helper = { "/helper-answers": "verified -> ", "/helper-returns": "verifiedDirect -> ", "/helper-throws": "verifiedBody -> " }[path] ?? "";
    assert.deepEqual(fnOf(report, path).signatures, [`${helper}Web Crypto HMAC verify`], path);
  }
  const r = spawnSync(process.execPath, [cli, "audit", "convex"], { cwd: app, encoding: "utf8" });
  assert.match(r.stdout, /^http POST \/inline +httpAction +- +- +signature: Web Crypto HMAC verify +- /m);
});

test("an ignored answer, a key from the request or a literal, a self-made signature, other data or a late test: no check", () => {
  for (const path of Object.keys(UNRECOGNIZED)) {
    assert.deepEqual(rulesOf(report, path), ["public-no-auth", "public-no-rate-limit"], path);
    assert.deepEqual(fnOf(report, path).signatures, [], path);
  }
});

test("a crypto.subtle.verify seen but not counted is named in the route's message, with why (newuser30 F3)", () => {
  const why = {
    "/inline-salted": /its signature is not a header of the request, nor one decoded from it alone \(by Buffer\.from\(header, "hex"\), an app function given the header, or inline\) reading nothing else/,
    "/literal-key": /its key is not crypto\.subtle\.importKey\("raw", \.\.\.\) of the bytes of a secret of the environment alone/,
    "/header-key": /its key is not crypto\.subtle\.importKey/,
    "/not-body": /its data is not the request's body/,
    "/not-hmac": /its algorithm is not "HMAC"/,
    "/stays": /its false does not leave the handler/,
    "/branch": /it is not awaited, made on every path and left uncaught/,
  };
  const message = (path) => report.findings.find((f) => f.function === `http POST ${path}` && f.rule === "public-no-auth").message;
  for (const [path, reason] of Object.entries(why)) {
    assert.match(message(path), /^HTTP route POST \S+ checks no identity, role, permission or document access \(its Web Crypto check, crypto\.subtle\.verify at convex\/http\.ts:\d+, is not counted: /, path);
    assert.match(message(path), reason, path);
  }
  // No verify written: nothing to name.
  assert.doesNotMatch(message("/sign-compare"), /Web Crypto/);
});

/** Each patch in a module `setup.ts` that http.ts imports: both recognized routes are `public-no-auth` again, the message naming the change. */
const assertVoids = (prefix, patches) => {
  for (const [name, patch] of Object.entries(patches)) {
    const patched = withSetup(`${prefix}-${name}`, patch);
    for (const path of ["/inline", "/helper-answers"]) {
      assert.deepEqual(rulesOf(patched, path), ["public-no-auth", "public-no-rate-limit"], `${name} ${path}`);
      assert.deepEqual(fnOf(patched, path).signatures, [], `${name} ${path}`);
      const message = patched.findings.find((f) => f.function === `http POST ${path}` && f.rule === "public-no-auth").message;
      assert.match(message, /its Web Crypto check is not counted: the app changes the global Web Crypto or a built-in the check runs \(`.+`, convex\/setup\.ts:\d\), and such a change anywhere in the app voids every Web Crypto check/, `${name} ${path}`);
    }
  }
};

/** A module `setup.ts` holding `code` (with `packages` in node_modules) leaves both recognized routes counted. */
const assertUntouched = (name, code, packages = {}) => {
  const untouched = withSetup(name, code, packages);
  for (const path of ["/inline", "/helper-answers"]) assert.deepEqual(rulesOf(untouched, path), ["public-no-rate-limit"], `${name} ${path}`);
};

/** The recognized routes with a module `setup.ts` holding `code`, imported by http.ts. */
const withSetup = (name, code, packages = {}) => {
  const text = httpTs({ "/inline": RECOGNIZED["/inline"], "/helper-answers": RECOGNIZED["/helper-answers"] }).replace("const http = httpRouter();", 'import "./setup";\nconst http = httpRouter();');
  const dir = webhookApp("webcrypto", name, { "http.ts": text, "setup.ts": `${code}\nexport const ready = true;\n` });
  for (const [file, content] of Object.entries(packages)) {
    mkdirSync(`${dir}/node_modules/${file.replace(/\/[^/]*$/, "")}`, { recursive: true });
    writeFileSync(`${dir}/node_modules/${file}`, content);
  }
  return auditReport(cli, dir);
};

test("a change to the global Web Crypto anywhere in the app voids every Web Crypto check, named in the message", () => {
  assertVoids("patched", {
    assigned: "(crypto.subtle as any).verify = async () => true;",
    aliased: "const subtle = globalThis.crypto.subtle;\n(subtle as any)[\"verify\"] = async () => true;",
    defined: "Object.defineProperty(globalThis, \"crypto\", { value: { subtle: {} } });",
    prototype: "(SubtleCrypto.prototype as any).verify = async () => true;",
  });
});

test("a change through destructuring, a prototype, a parameter, or to a built-in the check runs voids every Web Crypto check (the final read)", () => {
  assertVoids("patched2", {
    destructured: "const { subtle } = crypto;\n(subtle as any).verify = async () => true;",
    prototypeOf: "Object.getPrototypeOf(crypto.subtle).verify = async () => true;",
    definedOn: 'const { subtle: s } = globalThis.crypto;\nObject.defineProperty(s, "verify", { value: async () => true });',
    given: "function patch(s: any) { s.verify = async () => true; }\npatch(crypto.subtle);",
    typed: "export function patchTyped(s: SubtleCrypto) { (s as any).verify = async () => true; }",
    encoder: "TextEncoder.prototype.encode = () => new Uint8Array(1);",
    then: "(Promise.prototype as any).then = function () {};",
  });
  // Writes that change neither: a parameter given a plain object, the app's own global, a use of the built-ins.
  assertUntouched("untouched", 'function tweak(o: { verify?: unknown }) { o.verify = 1; }\ntweak({});\n(globalThis as any).appVersion = 1;\nconst { randomUUID } = crypto;\nexport const id = randomUUID() + new TextEncoder().encode("x").length;\nvoid Promise.resolve(1).then(() => 2);');
});

/** A route checked as AUDIT.md shows, then acting on `acted` (a mutation's arguments). */
const signedRoute = (path, before, acted) =>
  webhookRoute(path, `    const body = await request.text();
${before}
    const ok = await crypto.subtle.verify("HMAC", ${KEY}, ${SIG}, enc.encode(\`v0:\${stamp}:\${body}\`));
${LEAVE}
    await ctx.runMutation(anyApi.billing.credit, ${acted});
    return new Response(null, { status: 204 });`);

/** The audit of an app whose routes, by path, are `signedRoute`s of `[before, acted]`. */
const signedReport = (name, routes) =>
  auditReport(cli, webhookApp("webcrypto", name, { "http.ts": HEAD + Object.entries(routes).map(([path, [before, acted]]) => signedRoute(path, before, acted)).join("") + "\nexport default http;\n" }));

test("after a valid HMAC, data the signature does not cover (a header, the URL) passed to a mutation: public-no-auth, medium (attack36 F7)", () => {
  const STAMP = `    const stamp = request.headers.get("x-slack-request-timestamp") ?? "";`;
  const unsigned = {
    "/event-header": [STAMP, `{ amount: JSON.parse(request.headers.get("x-event") ?? body).amount }`],
    "/event-const": [`${STAMP}\n    const ev = JSON.parse(request.headers.get("X-Event") ?? body);`, "{ amount: ev.amount }"],
    "/query": [`${STAMP}\n    const { searchParams } = new URL(request.url);\n    const amount = Number(searchParams.get("amount"));`, "{ amount }"],
  };
  const signed = {
    "/body": [STAMP, "{ amount: JSON.parse(body).amount }"],
    "/stamp": [STAMP, "{ at: stamp, body }"],
    "/signature": [STAMP, `{ signature: request.headers.get("x-signature"), body }`],
  };
  const r = signedReport("unsigned", { ...unsigned, ...signed });
  for (const path of Object.keys(unsigned)) {
    assert.deepEqual(rulesOf(r, path), ["public-no-auth", "public-no-rate-limit"], path);
    assert.deepEqual(fnOf(r, path).signatures, ["Web Crypto HMAC verify"], path);
    const f = r.findings.find((x) => x.function === `http POST ${path}` && x.rule === "public-no-auth");
    assert.equal(f.severity, "medium", path);
    assert.match(f.message, /checks its sender's signature \(Web Crypto HMAC verify\), which covers the request's body only, yet it passes ctx\.runMutation \(convex\/http\.ts:\d+\) data read from `request\.(headers\.get\("x-event"\)|headers\.get\("X-Event"\)|url)`/, path);
  }
  for (const path of Object.keys(signed)) assert.deepEqual(rulesOf(r, path), ["public-no-rate-limit"], path);
});

test("without the verify, the recognized routes are reported again", () => {
  const text = httpTs(RECOGNIZED).replaceAll(/(globalThis\.)?crypto\.subtle\.verify\(/g, "fakeCrypto.subtle.verify(");
  const without = auditReport(cli, webhookApp("webcrypto", "unverified", { "http.ts": text }));
  for (const path of Object.keys(RECOGNIZED)) assert.deepEqual(rulesOf(without, path), ["public-no-auth", "public-no-rate-limit"], path);
});

test("the global Web Crypto held where the audit no longer follows it, a prototype reached from an instance, or the secret's variable written: voided (attack38 F1)", () => {
  assertVoids("escaped", {
    let: "let s: any;\ns = crypto.subtle;\ns.verify = async () => true;",
    returned: "const sc = () => crypto.subtle;\n(sc() as any).verify = async () => true;",
    array: "const [s] = [crypto.subtle] as any[];\ns.verify = async () => true;",
    object: "const o: any = { s: crypto.subtle };\no.s.verify = async () => true;",
    self: "(self as any).crypto.subtle.verify = async () => true;",
    apply: 'Reflect.apply(Object.defineProperty, null, [crypto.subtle, "verify", { value: async () => true }]);',
    computed: '(Object as any)["define" + "Property"](crypto.subtle, "verify", { value: async () => true });',
    passedOn: "function keep(x: any) { let y = x; y.verify = async () => true; }\nkeep(crypto.subtle);",
    instance: 'const proto = Object.getPrototypeOf(new TextEncoder());\nObject.defineProperty(proto, "encode", { value: () => new Uint8Array([1]) });',
    env: 'process.env.BILLING_SECRET = "known";',
    envAssign: 'Object.assign(process.env, { BILLING_SECRET: "known" });',
  });
  // Writes that change none of it: named keys of the global object (FP2), a read of the environment, uses of the built-ins.
  assertUntouched("escaped-none", 'Object.assign(globalThis, { __APP_VERSION__: "1.2.3" });\nObject.defineProperty(globalThis, "appName", { value: "x" });\nexport const env = { ...process.env };\nexport const ok = typeof crypto.subtle === "object" && !!globalThis.crypto;\nfunction use(s: SubtleCrypto) { return s.digest("SHA-256", new Uint8Array(1)); }\nvoid use(crypto.subtle);');
});

test("after a valid HMAC, a header or the URL reached through a destructured request, a clone or a header loop: public-no-auth, medium (attack38 F2)", () => {
  const STAMP = `    const stamp = request.headers.get("x-slack-request-timestamp") ?? "";`;
  const unsigned = {
    "/destructured": [`${STAMP}\n    const { headers, url } = request;`, `{ user: headers.get("x-user"), amount: Number(new URL(url).searchParams.get("amount")) }`],
    "/clone": [`${STAMP}\n    const r2 = request.clone();`, `{ user: r2.headers.get("x-user") }`],
    "/loop": [`${STAMP}\n    let user = "";\n    for (const [k, v] of request.headers) if (k === "x-user") user = v;`, "{ user }"],
  };
  const signed = { "/let-body": [`${STAMP}\n    let user = "";\n    user = JSON.parse(body).user;`, "{ user }"] };
  const r = signedReport("unsigned2", { ...unsigned, ...signed });
  for (const path of Object.keys(unsigned)) {
    assert.deepEqual(rulesOf(r, path), ["public-no-auth", "public-no-rate-limit"], path);
    assert.equal(r.findings.find((x) => x.function === `http POST ${path}` && x.rule === "public-no-auth").severity, "medium", path);
  }
  for (const path of Object.keys(signed)) assert.deepEqual(rulesOf(r, path), ["public-no-rate-limit"], path);
});

/** A library's assert, in the shape tiny-invariant ships it. */
const INVARIANT = {
  "tiny-invariant/package.json": '{ "name": "tiny-invariant", "version": "1.3.3", "types": "./dist/tiny-invariant.d.ts" }',
  "tiny-invariant/dist/tiny-invariant.d.ts": "export default function invariant(condition: any, message?: string | (() => string)): asserts condition;\n",
};

test("the global handed to a built-in or library that only reads it, a default parameter, a function or getter whose callers only call its members: still counted (finalread28 FP1, FP2)", () => {
  const forms = {
    bind: "export const doFetch = fetch.bind(globalThis);",
    keys: "export const n = Object.keys(globalThis).length + Object.values(globalThis).length + Object.entries(crypto).length;",
    descriptor: 'export const d = Object.getOwnPropertyDescriptor(SubtleCrypto.prototype, "verify");\nexport const has = Reflect.has(globalThis, "crypto");',
    logged: 'console.log(crypto.subtle, JSON.stringify(globalThis.crypto));\nimport invariant from "tiny-invariant";\ninvariant(globalThis.crypto, "no Web Crypto");\ninvariant(crypto.subtle);',
    defaulted: 'export async function sign(data: string, subtle: SubtleCrypto = crypto.subtle) { return subtle.digest("SHA-256", new TextEncoder().encode(data)); }',
    returned: 'function getSubtle(): SubtleCrypto { return crypto.subtle; }\nconst subtleOf = () => crypto.subtle;\nconst held = subtleOf();\nexport const digest = async (d: Uint8Array) => [await getSubtle().digest("SHA-256", d), await held.digest("SHA-256", d)];',
    getter: 'class Box { get subtle(): SubtleCrypto { return crypto.subtle; } }\nexport const digest = (d: Uint8Array) => new Box().subtle.digest("SHA-256", d);',
  };
  for (const [name, code] of Object.entries(forms)) assertUntouched(`fr28-${name}`, code, INVARIANT);
});

test("a destructuring assignment or a for-of writing verify, a write through a default parameter, a returned value or a getter, an app function given the global as this: voided (finalread28 FN1)", () => {
  assertVoids("fr28", {
    array: "[(crypto.subtle as any).verify] = [async () => true];",
    object: "({ verify: (crypto.subtle as any).verify } = { verify: async () => true });",
    nested: "[{ verify: (globalThis.crypto.subtle as any).verify }] = [{ verify: async () => true }];",
    forOf: "for ((crypto.subtle as any).verify of [async () => true]);",
    defaulted: "export function patchDefault(s: any = crypto.subtle) { s.verify = async () => true; }",
    returned: "function getSubtle(): any { return crypto.subtle; }\nconst s = getSubtle();\ns.verify = async () => true;",
    getter: "class Box { get subtle(): any { return crypto.subtle; } }\nnew Box().subtle.verify = async () => true;",
    bound: "function patchThis(this: any) { this.crypto.subtle.verify = async () => true; }\npatchThis.call(globalThis);",
    values: "export const all = Object.values(globalThis);",
    descriptor: 'export const d = Object.getOwnPropertyDescriptor(globalThis, "crypto");',
  });
});

// left19: an app function declared with TypeScript's this parameter (function f(this: void, s)) is
// given its first argument in its second parameter: the global lands in s there, not in this.
test("the global handed to an app function declared with a this parameter lands past it: a write or escape there voids, a write to another parameter does not (left19)", () => {
  assertVoids("thisparam", {
    written: "function patch(this: void, s: any) { s.verify = async () => true; }\npatch(crypto.subtle);",
    escaped: "const kept: any[] = [];\nfunction keep(this: void, s: unknown) { kept.push(s); }\nkeep(crypto.subtle);\nkept[0].verify = async () => true;",
  });
  assertUntouched("thisparam-none", 'function tweak(this: void, o: { verify?: unknown }, s: SubtleCrypto) { o.verify = 1; return s.digest("SHA-256", new Uint8Array(1)); }\nvoid tweak({}, crypto.subtle);');
});
