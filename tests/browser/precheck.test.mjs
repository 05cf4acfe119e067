// Chromium (Debian's package, driven by playwright-core; never a downloaded browser) loads the
// example's pre-check page, which imports the installed package through the app's own guard
// and decides in the browser.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { build } from "esbuild";
import { serveAndLaunch } from "./serve.mjs";

const root = new URL("../../", import.meta.url).pathname;
const app = `${root}examples/convex-app/`;
const out = `${root}target/browser/`;
let close;
let browser;
let base;

before(async () => {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [`${app}src/precheck.ts`],
    absWorkingDir: app,
    bundle: true,
    format: "esm",
    platform: "browser",
    outfile: `${out}precheck.js`,
    logLevel: "silent",
  });
  writeFileSync(`${out}index.html`, readFileSync(`${app}index.html`));
  ({ base, browser, close } = await serveAndLaunch(out, ["index.html", "precheck.js"]));
});

after(async () => {
  await close?.();
});

test("the page's guard decides in Chromium exactly as on the server", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(base);
  await page.waitForSelector("body[data-ready=true]", { timeout: 15000 });
  const results = await page.evaluate(() => window.__precheck);
  assert.deepEqual(errors, []);
  const row = (edit, del, maint, moderate) => ({
    "Edit users": edit,
    "Delete users": del,
    Maintenance: maint,
    Moderate: moderate,
  });
  assert.deepEqual(results, {
    user: row(false, false, false, false),
    moderator: row(true, false, false, true),
    admin: row(true, true, false, true),
    superadmin: row(true, true, true, true),
    root: row(false, false, false, false),
  });
  // The buttons follow the decisions.
  assert.equal(await page.locator("#matrix button:not([disabled])").count(), 2 + 3 + 4);
  // The rate-limit countdown: 10 messages 30 s into the window; the 11th fits 36 s later.
  assert.deepEqual(await page.evaluate(() => window.__countdown), { ok: false, remaining: 0, retryAfter: 36000 });
  assert.equal(await page.locator("#send").textContent(), "Send (in 36 s)");
  assert.equal(await page.locator("#send").isDisabled(), true);
  await page.screenshot({ path: `${out}precheck.png` });
  await page.close();
});
