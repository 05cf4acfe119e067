// The audit as a CI gate (attack29): CommonJS modules as Convex bundles them, a crash of the
// audit (exit 2, never 1), a flag given twice, and the default functions directory.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { test } from "node:test";
import { CLI, auditReport, scratchApp } from "./apps.mjs";

const SCRATCH = "cligate";

/** A checked public query: the app has a function whatever the test adds. */
const OK = {
  "posts.ts": `import { query } from "./_generated/server";
import { guard } from "./guard";
export const ok = query({ args: {}, handler: async (ctx) => { await guard.requireUser(ctx); return 1; } });
`,
};

const run = (cwd, args) => spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8" });
const listed = (report, file) => report.functions.filter((f) => f.file === `convex/${file}`).map((f) => `${f.function} ${f.visibility} ${f.kind}`);
const unresolved = (report, file) => report.findings.filter((f) => f.rule === "unresolved-function" && f.file === `convex/${file}`).map((f) => `${f.function} ${f.line}`);

test("a CommonJS module's `module.exports = query(...)` is its default export, judged as `export default` is (attack29)", () => {
  const dir = scratchApp(SCRATCH, "cjs-default", {
    ...OK,
    "legacy.cjs": `const { query } = require("./_generated/server");
module.exports = query({ args: {}, handler: async (ctx) => ctx.db.query("posts").collect() });
`,
    "wipe.cjs": `const server = require("./_generated/server");
exports = module.exports = server.mutation({ args: {}, handler: async (ctx) => { for (const p of await ctx.db.query("posts").collect()) await ctx.db.delete(p._id); } });
`,
  });
  const r = auditReport(CLI, dir);
  assert.deepEqual(listed(r, "legacy.cjs"), ["legacy:default public query"]);
  assert.deepEqual(listed(r, "wipe.cjs"), ["wipe:default public mutation"]);
  assert.ok(r.findings.some((f) => f.function === "legacy:default" && f.severity === "high"), JSON.stringify(r.findings));
  assert.ok(r.findings.some((f) => f.function === "wipe:default" && f.severity === "high"), JSON.stringify(r.findings));
  assert.equal(r.failed, true);
});

test("CommonJS exports Convex does not register as written are reported unresolved-function, never listed as functions nor left out (attack29)", () => {
  const dir = scratchApp(SCRATCH, "cjs-other", {
    ...OK,
    "named.cjs": `const { query } = require("./_generated/server");
exports.leak = query({ args: {}, handler: async (ctx) => ctx.db.query("posts").collect() });
`,
    "object.js": `const { query, mutation } = require("./_generated/server");
const a = query({ args: {}, handler: async (ctx) => ctx.db.query("posts").collect() });
const b = mutation({ args: {}, handler: async (ctx) => null });
module.exports = { a, b };
`,
    "assigned.cjs": `const { query } = require("./_generated/server");
Object.assign(module.exports, { c: query({ args: {}, handler: async (ctx) => ctx.db.query("posts").collect() }) });
`,
    "alias.cjs": `const { query } = require("./_generated/server");
const out = module.exports;
out.d = query({ args: {}, handler: async (ctx) => ctx.db.query("posts").collect() });
`,
    // A CommonJS helper module: it exports no Convex function, so nothing is reported.
    "helpers.cjs": `exports.add = (a, b) => a + b;
module.exports.version = "1";
`,
  });
  const r = auditReport(CLI, dir);
  for (const file of ["named.cjs", "object.js", "assigned.cjs", "alias.cjs"]) {
    assert.deepEqual(listed(r, file).map((f) => f.split(" ")[0]).filter((f) => !f.endsWith(":default")), [], `${file}: ${listed(r, file)}`);
  }
  assert.deepEqual(unresolved(r, "named.cjs"), ["named:default 2"]);
  assert.deepEqual(unresolved(r, "object.js"), ["object:default 4"]);
  assert.deepEqual(unresolved(r, "assigned.cjs"), ["assigned:default 2"]);
  assert.deepEqual(unresolved(r, "alias.cjs"), ["alias:default 2"]);
  assert.deepEqual(listed(r, "helpers.cjs"), []);
  assert.deepEqual(r.findings.filter((f) => f.file === "convex/helpers.cjs"), []);
  assert.equal(r.failed, true);
});

test("a crash inside the audit exits 2 with a message (and a JSON error with --json), never 1 (attack29)", () => {
  const deep = `${"(".repeat(900)}rows${")".repeat(900)}`;
  const dir = scratchApp(SCRATCH, "crash", {
    ...OK,
    "deep.ts": `import { query } from "./_generated/server";
import { guard } from "./guard";
export const deep = query({ args: {}, handler: async (ctx) => { await guard.requireUser(ctx); const rows = 1; return ${deep}; } });
`,
  });
  const text = run(dir, ["audit", "convex", "--fail-on", "none"]);
  assert.equal(text.status, 2, text.stderr);
  assert.match(text.stderr, /^convex-guard audit: the audit failed \(RangeError: Maximum call stack size exceeded\): the app was not audited/m);
  const json = run(dir, ["audit", "convex", "--json"]);
  assert.equal(json.status, 2, json.stderr);
  const out = JSON.parse(json.stdout);
  assert.equal(out.version, 1);
  assert.match(out.error, /the audit failed \(RangeError: Maximum call stack size exceeded\)/);
  // An error of the input, with --json, is a JSON error too.
  const missing = run(dir, ["audit", "nowhere", "--json"]);
  assert.equal(missing.status, 2);
  assert.match(JSON.parse(missing.stdout).error, /nowhere is not a directory/);
});

test("an option given twice is refused (exit 2), never the last one winning (attack29)", () => {
  const dir = scratchApp(SCRATCH, "twice", OK);
  for (const args of [["--fail-on", "medium", "--fail-on", "none"], ["--fail-on=high", "--fail-on", "high"], ["--json", "--json"]]) {
    const r = run(dir, ["audit", "convex", ...args]);
    assert.equal(r.status, 2, args.join(" "));
    assert.match(r.stderr, new RegExp(`${args.at(-1) === "--json" ? "--json" : "--fail-on"} is given twice`), args.join(" "));
  }
  const c = run(dir, ["compile", "--check", "--check"]);
  assert.equal(c.status, 2);
  assert.match(c.stderr, /--check is given twice/);
});

test("the default directory is convex.json's functions, else src/convex in a Create React App, else convex; a convex.json Convex refuses is an error (attack29)", () => {
  const unchecked = {
    "open.ts": `import { query } from "./_generated/server";
export const open = query({ args: {}, handler: async (ctx) => ctx.db.query("posts").collect() });
`,
  };
  // The deployed functions are under src/convex; ./convex is a clean decoy.
  const dir = scratchApp(SCRATCH, "default-dir", OK);
  const src = scratchApp(SCRATCH, "default-dir-src", { ...OK, ...unchecked });
  rmSync(`${dir}/src`, { recursive: true, force: true });
  mkdirSync(`${dir}/src`, { recursive: true });
  spawnSync("cp", ["-r", `${src}/convex`, `${dir}/src/convex`]);
  const audited = () => {
    const r = run(dir, ["audit", "--json"]);
    return { status: r.status, dir: r.status === 2 ? r.stderr : JSON.parse(r.stdout).convexDir };
  };
  writeFileSync(`${dir}/package.json`, JSON.stringify({ dependencies: { "react-scripts": "5.0.1" } }));
  assert.deepEqual(audited(), { status: 1, dir: "src/convex" });
  writeFileSync(`${dir}/package.json`, JSON.stringify({ devDependencies: { "react-scripts": "5.0.1" } }));
  assert.deepEqual(audited(), { status: 1, dir: "src/convex" });
  writeFileSync(`${dir}/package.json`, JSON.stringify({ dependencies: { react: "19" } }));
  assert.deepEqual(audited(), { status: 0, dir: "convex" });
  // convex.json's functions wins over the Create React App default.
  writeFileSync(`${dir}/package.json`, JSON.stringify({ dependencies: { "react-scripts": "5.0.1" } }));
  writeFileSync(`${dir}/convex.json`, JSON.stringify({ functions: "convex/" }));
  assert.deepEqual(audited(), { status: 0, dir: "convex/" });
  writeFileSync(`${dir}/convex.json`, JSON.stringify({}));
  assert.deepEqual(audited(), { status: 0, dir: "convex" });
  for (const bad of ['{ "functions": ["src/convex"] }', '{ "functions": null }', "{ functions: 1 "]) {
    writeFileSync(`${dir}/convex.json`, bad);
    const r = run(dir, ["audit"]);
    assert.equal(r.status, 2, bad);
    assert.match(r.stderr, /^convex-guard audit: convex\.json/m, bad);
  }
});

test("a file whose name holds a non-ASCII space (U+00A0) is a module; one with an ASCII space is not (attack29)", () => {
  const open = `import { query } from "./_generated/server";
export const open = query({ args: {}, handler: async (ctx) => ctx.db.query("posts").collect() });
`;
  const dir = scratchApp(SCRATCH, "nbsp", { ...OK, "hid\u00a0den.ts": open, "sp ace.ts": open });
  const r = auditReport(CLI, dir);
  assert.deepEqual(r.functions.map((f) => f.function).sort(), ["hid\u00a0den:open", "posts:ok"]);
});
