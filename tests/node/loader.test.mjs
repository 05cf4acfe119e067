// What the loader promises, checked on the installed package: import only defines functions;
// the engine is instantiated once, at first use; nothing random is drawn; nothing fetched.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import { fresh } from "./fresh-process.mjs";

const require = createRequire(import.meta.url);
const entry = require.resolve("convex-guard");
const pkgDir = entry.slice(0, entry.lastIndexOf("/"));

test("import instantiates nothing and draws no randomness; first use instantiates once", () => {
  const r = fresh(`
    let modules = 0, instances = 0, random = 0;
    const { Module, Instance } = WebAssembly;
    WebAssembly.Module = function (...a) { modules++; return new Module(...a); };
    WebAssembly.Instance = function (...a) { instances++; return new Instance(...a); };
    const grv = crypto.getRandomValues.bind(crypto);
    crypto.getRandomValues = (b) => { random++; return grv(b); };
    const mod = await import("convex-guard");
    const g = mod.defineGuard({ roles: ["user", "admin"], permissions: { admin: ["x:y"] } });
    const afterDefine = { modules, instances, random };
    const first = g.can("admin", "x:y");
    const again = [g.can("user", "x:y"), g.roleAtLeast("admin", "user")];
    const g2 = mod.defineGuard({ roles: ["a"] });
    g2.validate();
    console.log(JSON.stringify({ afterDefine, first, again, modules, instances, random }));
  `);
  assert.deepEqual(r.afterDefine, { modules: 0, instances: 0, random: 0 });
  assert.equal(r.first, true);
  assert.deepEqual(r.again, [false, true]);
  assert.equal(r.modules, 1, "compiled exactly once per context, shared by every guard");
  assert.equal(r.instances, 1);
  assert.equal(r.random, 0);
});

test("the package text has no fetch, import.meta, eval, Function, .wasm import or top-level await", () => {
  for (const file of ["index.js", "index.cjs"]) {
    const text = readFileSync(`${pkgDir}/${file}`, "utf8");
    assert.doesNotMatch(text, /import\.meta/, file);
    assert.doesNotMatch(text, /\bfetch\s*\(/, file);
    assert.doesNotMatch(text, /\beval\s*\(/, file);
    assert.doesNotMatch(text, /new\s+Function\s*\(/, file);
    assert.doesNotMatch(text, /\.wasm["']/, file);
    // Top-level await only: esbuild writes top-level statements at column 0.
    assert.doesNotMatch(text, /^await\b/m, file);
    assert.doesNotMatch(text, /\bprocess\.|\bBuffer\.from\(/, `${file}: Buffer only through globalThis`);
  }
});

test("CommonJS require works and answers like the ES module", async () => {
  const cjs = require("convex-guard");
  const esm = await import("convex-guard");
  const config = { roles: ["user", "admin"], permissions: { user: ["a:b"], admin: ["c:*"] } };
  const [a, b] = [cjs.defineGuard(config), esm.defineGuard(config)];
  for (const [s, p] of [["user", "a:b"], ["user", "c:d"], ["admin", "c:d"], ["nobody", "a:b"]]) {
    assert.equal(a.can(s, p), b.can(s, p));
  }
  assert.equal(a.can("admin", "c:d"), true);
});

test("package.json: ESM first, types first in exports, explicit files, no side effects", () => {
  const manifest = JSON.parse(readFileSync(`${pkgDir}/package.json`, "utf8"));
  assert.equal(manifest.name, "convex-guard");
  assert.equal(manifest.type, "module");
  assert.equal(manifest.sideEffects, false);
  assert.deepEqual(Object.keys(manifest.exports["."]), ["types", "import", "require"]);
  assert.ok(manifest.files.includes("index.js") && manifest.files.includes("types/"));
  assert.ok(manifest.peerDependencies.convex);
  // `typescript` is for the audit command (cli.cjs) alone: tests/audit checks that importing
  // convex-guard never loads it.
  assert.deepEqual(Object.keys(manifest.dependencies ?? {}), ["typescript"], "no runtime dependencies besides convex");
  assert.equal(manifest.bin["convex-guard"], "./cli.cjs");
});

test("errors carry stable codes: config errors are plain, argument errors are ConvexErrors", async () => {
  const { defineGuard, GuardConfigError } = await import("convex-guard");
  const bad = defineGuard({ roles: ["user", "user"] });
  assert.throws(() => bad.validate(), (e) => e instanceof GuardConfigError && e.code === "INVALID_CONFIG");
  // ...and the failure is remembered as a failure: a second check throws again, never allows.
  assert.throws(() => bad.can("user", "a:b"), GuardConfigError);
  const g = defineGuard({ roles: ["user"] });
  assert.throws(
    () => g.roleAtLeast("user", "admin"),
    (e) => e.data?.code === "INVALID_ARGUMENT" && e.data.message === "unknown role 'admin'",
  );
  assert.throws(() => defineGuard(null).validate(), GuardConfigError);
  assert.throws(() => defineGuard({ roles: [1] }).validate(), /role names must be strings/);
  assert.throws(() => defineGuard({ roles: ["a"], permissions: { a: "x:y" } }).validate(), /must be an array/);
  assert.throws(() => defineGuard({ roles: ["a"], users: { table: "" } }).validate(), /users.table must be/);
});
