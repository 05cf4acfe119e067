// The browser entries (convex-guard/client and convex-guard/client/roles, from the installed
// package) in Chromium: bundled for the browser (esbuild, minified) with no convex/server in
// the bundle, they answer the shared vectors (tests/vectors) exactly as the server entry does
// in Node, and refuse or deny malformed input exactly as it does.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { build } from "esbuild";
import { defineGuard } from "convex-guard";
import { malformedAnswers, vectorAnswers } from "./client/answers.mjs";
import { serveAndLaunch } from "./serve.mjs";

const root = new URL("../../", import.meta.url).pathname;
const out = `${root}target/browser-client/`;
const vectors = Object.fromEntries(
  ["policy", "access", "ratelimit"].map((n) => [n, JSON.parse(readFileSync(`${root}tests/vectors/${n}.json`, "utf8"))]),
);
let close;
let browser;
let base;
let meta;

before(async () => {
  mkdirSync(out, { recursive: true });
  const result = await build({
    entryPoints: [`${root}tests/browser/client/page.mjs`],
    absWorkingDir: root,
    bundle: true,
    format: "esm",
    platform: "browser",
    minify: true,
    metafile: true,
    outfile: `${out}page.js`,
    logLevel: "silent",
  });
  meta = result.metafile;
  writeFileSync(`${out}index.html`, '<!doctype html><meta charset="utf-8"><script type="module" src="page.js"></script><body></body>');
  ({ base, browser, close } = await serveAndLaunch(out, ["index.html", "page.js"]));
});

after(async () => {
  await close?.();
});

test("the page bundles the browser entries and no convex/server", () => {
  const inputs = Object.keys(meta.inputs);
  assert.ok(inputs.some((p) => p.endsWith("convex-guard/client.js")), inputs.join());
  assert.ok(inputs.some((p) => p.endsWith("convex-guard/client-roles.js")), inputs.join());
  const [output] = Object.values(meta.outputs);
  const server = Object.entries(output.inputs).filter(([p, i]) => /convex\/dist\/[^/]+\/server\//.test(p) && i.bytesInOutput > 0);
  assert.deepEqual(server, []);
});

test("in Chromium the browser entries answer every vector and every malformed input as the server entry does", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(base);
  await page.waitForSelector("body[data-ready=true]", { state: "attached", timeout: 15000 });
  const inBrowser = await page.evaluate((v) => JSON.stringify(window.__answers(v)), vectors);
  await page.close();
  assert.deepEqual(errors, []);
  const got = JSON.parse(inBrowser);

  const server = vectorAnswers(defineGuard, vectors);
  const serverMalformed = malformedAnswers(defineGuard);
  assert.deepEqual(got.client, server);
  // The roles-only entry leaves out the check of roles written highest first (its budget;
  // docs/browser.md): it accepts those configurations, which the server refuses at first use.
  // Every other answer is the server's.
  const ladder = (c) => c.error?.message?.includes("is listed before") === true;
  assert.ok(vectors.policy.cases.some(ladder));
  assert.deepEqual(got.roles, { policy: server.policy.map((a, i) => (ladder(vectors.policy.cases[i]) ? { accepted: true } : a)) });
  assert.deepEqual(got.clientMalformed, serverMalformed);
  const { facts, staleLevel, share, transfer, status, counts, ...rolesPart } = serverMalformed;
  assert.deepEqual(got.rolesMalformed, rolesPart);

  // Not vacuous: the answers are the vectors' own expectations, both ways.
  const policyCases = vectors.policy.cases.filter((c) => !c.error);
  const expected = policyCases.map((c) => c.checks.map((k) => (k.error ? k.error : k.expected)));
  const answered = got.roles.policy.filter((_, i) => !vectors.policy.cases[i].error).map((c) => c.map((a) => a?.error ?? a));
  assert.deepEqual(answered, expected);
  assert.ok(expected.flat().includes(true) && expected.flat().includes(false));
  const codeOnly = (a) => (a?.error ? { error: a.error } : a);
  assert.deepEqual(
    got.client.access.map((a, i) => (vectors.access.cases[i].op === "resolve" && !a?.error ? { results: a } : codeOnly(a))),
    vectors.access.cases.map((c) => c.expected),
  );
});

test("malformed input is denied or refused, never allowed", () => {
  const m = malformedAnswers(defineGuard);
  for (const [can, atLeast] of m.subjects) assert.deepEqual([can, atLeast], [false, false]);
  for (const a of [...m.permissions, ...m.minRoles, ...m.facts, ...m.status]) assert.equal(a?.error, "INVALID_ARGUMENT", JSON.stringify(a));
  for (const a of m.badConfigs) assert.equal(a?.error, "INVALID_CONFIG", JSON.stringify(a));
  assert.deepEqual(m.staleLevel.map((r) => [r.level, r.source]), [[null, "none"]]);
  for (const a of [...m.share, ...m.transfer]) assert.ok(a?.ok !== true, JSON.stringify(a));
});
