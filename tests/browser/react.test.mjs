// convex-guard/react in Chromium (Debian's package, driven by playwright-core; never a
// downloaded browser), with a real React render: the page (react/page.jsx) is bundled by
// esbuild from the installed package and React, served locally, and what it renders asserted.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { build } from "esbuild";
import { serveAndLaunch } from "./serve.mjs";

const root = new URL("../../", import.meta.url).pathname;
const out = `${root}target/browser-react/`;
let close;
let browser;
let base;

before(async () => {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [`${root}tests/browser/react/page.jsx`],
    absWorkingDir: root,
    bundle: true,
    format: "esm",
    platform: "browser",
    jsx: "automatic",
    define: { "process.env.NODE_ENV": '"development"' },
    outfile: `${out}page.js`,
    logLevel: "silent",
  });
  writeFileSync(
    `${out}index.html`,
    '<!doctype html><html><head><meta charset="utf-8"><title>convex-guard/react</title></head>' +
      '<body><div id="root"></div><script type="module" src="./page.js"></script></body></html>',
  );
  ({ base, browser, close } = await serveAndLaunch(out, ["index.html", "page.js"]));
});

after(async () => {
  await close?.();
});

async function open() {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(base);
  await page.waitForSelector("body[data-ready=true]", { timeout: 15000 });
  return { page, errors };
}

test("useCan and useRoleAtLeast hide the controls a user may not use, and ask once per user", async () => {
  const { page, errors } = await open();
  const shown = async () => ({
    who: await page.locator("#who").textContent(),
    delete: await page.locator("#delete").count(),
    moderate: await page.locator("#moderate").count(),
  });
  // Loading (no user yet): nothing shown.
  assert.deepEqual(await shown(), { who: "loading", delete: 0, moderate: 0 });
  await page.evaluate(() => window.__setUser("uma"));
  assert.deepEqual(await shown(), { who: "Uma", delete: 0, moderate: 0 });
  await page.evaluate(() => window.__setUser("mo"));
  assert.deepEqual(await shown(), { who: "Mo", delete: 0, moderate: 1 });
  await page.evaluate(() => window.__setUser("ada"));
  assert.deepEqual(await shown(), { who: "Ada", delete: 1, moderate: 1 });
  await page.evaluate(() => window.__setUser("eve")); // a role that is not a string
  assert.deepEqual(await shown(), { who: "Eve", delete: 0, moderate: 0 });
  // Memoized: re-rendering with the same user asks the guard nothing.
  const before = await page.evaluate(() => window.__decisions());
  await page.evaluate(() => window.__rerender());
  await page.evaluate(() => window.__rerender());
  assert.equal(await page.evaluate(() => window.__decisions()), before);
  assert.deepEqual(errors, []);
  await page.close();
});

test("useRateLimitStatus counts down on the server's clock to 0 and re-enables (fake clock)", async () => {
  const { page, errors } = await open();
  const send = page.locator("#fake");
  const seen = async () => [await send.textContent(), await send.isDisabled()];
  // The server's time has not arrived: no decision, the button stays disabled.
  assert.deepEqual(await seen(), ["Loading", true]);
  // It arrives: the page's clock is an hour ahead, the offset puts it right; 3 s to wait.
  await page.evaluate(() => window.__serverAnswers());
  assert.deepEqual(await seen(), ["Send (in 3 s)", true]);
  await page.evaluate(() => window.__advance(999));
  assert.deepEqual(await seen(), ["Send (in 3 s)", true]);
  await page.evaluate(() => window.__advance(1));
  assert.deepEqual(await seen(), ["Send (in 2 s)", true]);
  await page.evaluate(() => window.__advance(1000));
  assert.deepEqual(await seen(), ["Send (in 1 s)", true]);
  await page.evaluate(() => window.__advance(999));
  assert.deepEqual(await seen(), ["Send (in 1 s)", true]);
  await page.evaluate(() => window.__advance(1));
  assert.deepEqual(await seen(), ["Send", false]);
  // Done counting: no timer left behind.
  assert.equal(await page.evaluate(() => window.__pendingTimers()), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test("useRateLimitStatus re-enables on the page's own clock once the wait is over", async () => {
  const { page, errors } = await open();
  const send = page.locator("#real");
  // About 1.5 s to wait when the page rendered; no duration is asserted, only the order.
  assert.match(await send.textContent(), /^Send \(in [12] s\)$|^Send$/);
  await page.waitForFunction(() => document.getElementById("real")?.textContent === "Send", null, { timeout: 15000 });
  assert.equal(await send.isDisabled(), false);
  assert.deepEqual(errors, []);
  await page.close();
});

test("convex-guard/react alone brings neither convex nor the engine into a browser bundle", async () => {
  const result = await build({
    stdin: { contents: 'export * from "convex-guard/react";', resolveDir: root, loader: "js" },
    bundle: true,
    format: "esm",
    platform: "browser",
    external: ["react"],
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs).filter((i) => i !== "<stdin>");
  assert.deepEqual(inputs, ["node_modules/convex-guard/react.js"]);
  assert.equal(/WASM_BASE64|convex\/server/.test(result.outputFiles[0].text), false);
});
