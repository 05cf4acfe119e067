// Assembles the npm package in pkg/ from the wasm-pack output, js/ and pkg-template/.
//
//   node scripts/build-pkg.mjs
//
// 1. wasm-bindgen the module cargo built (through wasm-pack) again, with the reset-state
//    function the loader needs (see glue() below), into target/wasm-bindgen/;
// 2. wasm-opt -Oz (npm `binaryen`) it and inline it as base64 in js/generated/ next to the glue;
// 3. bundle js/index.ts with esbuild to pkg/index.js (ESM) and pkg/index.cjs (CommonJS),
//    `convex` left external; esbuild drops the glue's unused fetch/import.meta.url loader;
// 4. bundle the audit CLI (js/cli/main.ts) to pkg/cli.cjs; emit the public .d.ts with tsc; 5. fill pkg-template/ and write the npm README from
//    README.md (scripts/npm-readme.mjs); 6. refuse forbidden constructs.
// The browser entries: pkg/client.js (js/client.ts, the pure decisions, over a module built
// without codes) and pkg/client-roles.js (js/client-roles.ts, roles and permissions over the
// roles-only module); the Makefile's cargo builds make both modules before this script runs.
// Neither entry may pull in convex/server.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { deflateRawSync, gzipSync } from "node:zlib";
import { build } from "esbuild";
import { deflateAsync as zopfli } from "@gfx/zopfli";
import { npmReadme } from "./npm-readme.mjs";

const root = new URL("..", import.meta.url).pathname;
const at = (p) => root + p;
const bin = (name) => at(`node_modules/.bin/${name}`);
const run = (cmd, args) => execFileSync(cmd, args, { stdio: "inherit", cwd: root });

// The features rustc 1.95 emits for wasm32-unknown-unknown; wasm-opt must accept them all.
const FEATURES = [
  "bulk-memory",
  "nontrapping-float-to-int",
  "sign-ext",
  "mutable-globals",
  "reference-types",
  "multivalue",
].map((f) => `--enable-${f}`);

/** wasm-opt -Oz (to a fixed point) with the features rustc emits; fails on a module V8 would refuse. */
function optimize(input, output) {
  // --converge repeats the passes while they still shrink the module; the target-features
  // section is read by no engine. Between two -Oz, --flatten --rereloop rebuilds each
  // function's control flow from scratch, which the second -Oz then shrinks further than -Oz
  // alone reaches. Measured on the full module: -Oz 52,345 B, -Oz --converge 52,304 B, this
  // 51,884 B (roles-only 16,453 -> 16,344 B). Tried and not kept: --gufa, --type-ssa,
  // -O4 (+117 B), -Os, one more --flatten --rereloop round (-67 B for twice the time).
  // --low-memory-unused lets wasm-opt fold `p + c` (c < 1 KB) into a load's or store's offset:
  // the two differ only when `p + c` wraps past 2^32 onto the lowest 1 KB, which no pointer
  // of the engine does (Rust never forms an address by wrapping; the stack's lowest KB is
  // reached only through in-range addresses), and there the folded form traps instead of
  // reading memory: fail closed. Measured: full -359 B, roles-only -140 B, client -375 B.
  run(bin("wasm-opt"), ["--low-memory-unused", "-Oz", "--flatten", "--rereloop", "-Oz", "--converge", ...FEATURES, "--strip-debug", "--strip-producers", "--strip-target-features", input, "-o", output]);
  const bytes = readFileSync(output);
  new WebAssembly.Module(bytes);
  return bytes;
}

mkdirSync(at("target/wasm"), { recursive: true });
// `node scripts/build-pkg.mjs --optimize-only IN OUT`: only step 1, for other builds of the
// module (make bench's roles-only build), with exactly the same optimizer settings.
const only = process.argv.indexOf("--optimize-only");
if (only !== -1) {
  const [input, output] = process.argv.slice(only + 1, only + 3);
  const bytes = optimize(at(input), at(output));
  console.log(`${output}: ${bytes.length} bytes`);
  process.exit(0);
}

/**
 * The glue, generated again from the module cargo built, with `--experimental-reset-state-
 * function` (wasm-pack cannot pass that flag). js/engine.ts discards an instance whose call was
 * interrupted (a trap, out of memory, stack exhaustion) and calls `__wbg_reset_state` to
 * instantiate the compiled module afresh; the flag also makes every object of the discarded
 * instance throw when used, and its finalizers free nothing in the new one. The build fails
 * if the glue lacks any of that, so a wasm-bindgen upgrade cannot silently drop it.
 */
function glue(input = at("target/wasm32-unknown-unknown/release/convex_guard.wasm"), out = at("target/wasm-bindgen")) {
  if (!existsSync(input)) throw new Error(`${input} is missing: run make build`);
  rmSync(out, { recursive: true, force: true });
  const tool = [at("target/tools/bin/wasm-bindgen"), "wasm-bindgen"].find((t) => t === "wasm-bindgen" || existsSync(t));
  run(tool, ["--target", "web", "--experimental-reset-state-function", "--out-dir", out, "--out-name", "convex_guard", input]);
  const js = readFileSync(`${out}/convex_guard.js`, "utf8");
  const REQUIRED = [
    /^export function __wbg_reset_state\b/m,
    /Invalid stale object from previous Wasm instance/,
    /if \(instance === __wbg_instance_id\) wasm\.__wbg_\w+_free/,
    /^export \{ initSync, __wbg_init as default \};$/m,
  ];
  for (const pattern of REQUIRED) {
    if (!pattern.test(js)) throw new Error(`the wasm-bindgen glue lacks ${pattern}: the loader's recovery depends on it`);
  }
  writeFileSync(`${out}/convex_guard.js`, lazyTextDecoder(js));
  // The same module wasm-pack made (the flag changes only the glue): else cargo's output is
  // from another build (another feature set) than the one wasm-pack just processed.
  if (out === at("target/wasm-bindgen") && !readFileSync(`${out}/convex_guard_bg.wasm`).equals(readFileSync(at("target/wasm-pack/convex_guard_bg.wasm")))) {
    throw new Error(`${input} is not the module target/wasm-pack was made from: run make build again`);
  }
  return out;
}

/**
 * The glue makes its TextDecoder when it is evaluated (and decodes once, to warm it); Convex
 * evaluates the bundle in a fresh context on every request, and a request that checks a
 * permission never decodes a string from the engine (only errors and a few answers do). Made
 * at the first decode instead: the glue's own re-creation branch, taken also while there is
 * none. Measured ~5 us a request. Fails the build if the glue's text moved.
 */
function lazyTextDecoder(js) {
  const made = "let cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });\ncachedTextDecoder.decode();\n";
  const renew = "    if (numBytesDecoded >= MAX_SAFARI_DECODE_BYTES) {\n";
  if (js.split(made).length !== 2 || js.split(renew).length !== 2) {
    throw new Error("the wasm-bindgen glue's TextDecoder set-up changed: update lazyTextDecoder in scripts/build-pkg.mjs");
  }
  return js
    .replace(made, "let cachedTextDecoder;\n")
    .replace(renew, "    if (cachedTextDecoder === undefined || numBytesDecoded >= MAX_SAFARI_DECODE_BYTES) {\n");
}

const bindgen = glue();
const wasm = optimize(`${bindgen}/convex_guard_bg.wasm`, at("target/wasm/convex_guard.wasm"));

mkdirSync(at("js/generated"), { recursive: true });
copyFileSync(`${bindgen}/convex_guard.js`, at("js/generated/glue.js"));
copyFileSync(`${bindgen}/convex_guard.d.ts`, at("js/generated/glue.d.ts"));
writeFileSync(
  at("js/generated/wasm-base64.js"),
  `// Generated by scripts/build-pkg.mjs from target/wasm/convex_guard.wasm. Do not edit.\n` +
    `export const WASM_BASE64 = "${wasm.toString("base64")}";\n`,
);
writeFileSync(
  at("js/generated/wasm-base64.d.ts"),
  `/** The optimized engine, base64. */\nexport declare const WASM_BASE64: string;\n`,
);

// The browser entries' engines, each a cargo build with fewer features (made by the Makefile):
// its own glue, and a shim giving js/engine.ts every name it imports from the full glue (what
// the smaller module lacks throws if called; its entry never reaches it). The entry builds
// below resolve engine.ts's two generated imports to these files.
//   client: access and rate limits, no codes (a browser holds no code secret);
//   roles:  roles and permissions alone (also make bench's roles-only budget).
const VARIANTS = {
  client: { cargo: "target/client-wasm", wasm: "target/wasm/client.wasm", entry: "convex-guard/client" },
  roles: { cargo: "target/roles-only", wasm: "target/wasm/roles_only.wasm", entry: "convex-guard/client/roles" },
};
// A browser entry inlines its module deflated (raw DEFLATE, then base64) and inflates it at
// first use with js/inflate.ts (its glue-shim's initSync): base64 of the deflated bytes gzips
// to about the deflated size, base64 of the module itself does not. Measured (gzip -9 of the
// base64): roles-only 9,119 -> 7,056 B, client 19,926 -> 15,668 B; the inflater costs about
// 0.7 KB gzip in a page (the tiny-inflate package: 1.2 KB). The main entry keeps plain base64
// (decoded natively, nothing more to evaluate). The deflated bytes are Zopfli's (npm
// `@gfx/zopfli`, its default 15 iterations; the smaller of it and zlib -9, which it has always
// been): the same format, found by a slower search. Measured (browser_roles_gzip_bytes):
// 15,827 -> 15,382 B (engine 6,845 -> 6,430 B), about 1 s of build per module; 100
// iterations gain 5 B more for half a second more.
// The bytes are inflated here with the same code the page runs, and must be the module.
const { inflate: inflateWith } = await import(
  "data:text/javascript," +
    encodeURIComponent((await build({ entryPoints: [at("js/inflate.ts")], bundle: true, write: false, format: "esm", logLevel: "warning" })).outputFiles[0].text)
);
async function deflated(bytes) {
  const zlib = deflateRawSync(bytes, { level: 9 });
  const found = Buffer.from(await zopfli(bytes, { numiterations: 15 }));
  const packed = found.length < zlib.length ? found : zlib;
  const back = inflateWith(packed, new Uint8Array(bytes.length));
  if (!Buffer.from(back).equals(bytes)) throw new Error("js/inflate.ts does not give the module back");
  return packed;
}
// A browser entry's glue, without two things its page would download for nothing: the
// `Symbol.dispose` methods (the engine's objects never leave js/, and nothing there disposes
// them with `using`) and `initSync`'s warning for a bare module argument (engine.ts and the
// shim pass `{ module }` or nothing). Each edit must apply, or the build fails.
// Measured (browser_roles_gzip_bytes): 15,382 -> 15,263 B.
function pageGlue(text) {
  const edits = [
    [/^if \(Symbol\.dispose\) \w+\.prototype\[Symbol\.dispose\] = \w+\.prototype\.free;\n/gm, ""],
    [
      /(function initSync\(module\) \{[^]*?)if \(module !== undefined\) \{\n\s*if \(Object\.getPrototypeOf\(module\) === Object\.prototype\) \{\n\s*\(\{module\} = module\)\n\s*\} else \{\n\s*console\.warn\([^\n]*\n\s*\}\n\s*\}/,
      "$1if (module !== undefined) ({module} = module);",
    ],
  ];
  for (const [pattern, by] of edits) {
    const next = text.replace(pattern, by);
    if (next === text) throw new Error(`the glue no longer matches ${pattern}: update pageGlue`);
    text = next;
  }
  return text;
}
const exportsOf = (text) =>
  new Set([...text.matchAll(/^export (?:class|function) (\w+)/gm)].map((m) => m[1]).concat(["initSync"]));
const fullExports = exportsOf(readFileSync(at("js/generated/glue.js"), "utf8"));
for (const [name, v] of Object.entries(VARIANTS)) {
  const out = at(`js/generated/${name}`);
  const bindgen = glue(at(`${v.cargo}/wasm32-unknown-unknown/release/convex_guard.wasm`), at(`target/wasm-bindgen-${name}`));
  v.bytes = optimize(`${bindgen}/convex_guard_bg.wasm`, at(v.wasm));
  mkdirSync(out, { recursive: true });
  writeFileSync(`${out}/glue.js`, pageGlue(readFileSync(`${bindgen}/convex_guard.js`, "utf8")));
  v.inlined = await deflated(v.bytes);
  writeFileSync(
    `${out}/wasm-base64.js`,
    `// Generated by scripts/build-pkg.mjs from ${v.wasm}, deflated. Do not edit.\n` +
      `export const WASM_BASE64 = "${v.inlined.toString("base64")}";\n`,
  );
  const own = exportsOf(readFileSync(`${out}/glue.js`, "utf8"));
  writeFileSync(
    `${out}/glue-shim.js`,
    `// Generated by scripts/build-pkg.mjs: the ${name} glue under the full glue's names. Do not edit.\n` +
      `export * from "./glue.js";\n` +
      // The inlined module is deflated (see deflated() below): initSync inflates it first.
      `import { initSync as glueInitSync } from "./glue.js";\n` +
      `import { inflate } from "../../inflate.ts";\n` +
      `export function initSync(arg) {\n` +
      `  if (arg !== undefined && arg.module instanceof Uint8Array) arg = { module: inflate(arg.module, new Uint8Array(${v.bytes.length})) };\n` +
      `  return glueInitSync(arg);\n}\n` +
      `function absent() {\n  throw new Error("${v.entry} has no such engine: import convex-guard");\n}\n` +
      [...fullExports].filter((n) => !own.has(n)).map((n) => `export const ${n} = absent;\n`).join(""),
  );
}

rmSync(at("pkg"), { recursive: true, force: true });
mkdirSync(at("pkg"), { recursive: true });
const common = {
  entryPoints: [at("js/index.ts")],
  bundle: true,
  platform: "neutral",
  target: "es2022",
  external: ["convex", "convex/*"],
  legalComments: "none",
  logLevel: "warning",
  // The glue's default async loader (fetch + import.meta.url) is never imported and is
  // tree-shaken away; the FORBIDDEN check below proves it is gone from both outputs.
  logOverride: { "empty-import-meta": "silent" },
};
await build({ ...common, format: "esm", outfile: at("pkg/index.js") });
await build({ ...common, format: "cjs", outfile: at("pkg/index.cjs"), mainFields: ["module", "main"] });
// convex-guard/react: the hooks only; `react` is the app's (a peer), and nothing of `convex` or
// the engine may come along (checked below).
const react = { ...common, entryPoints: [at("js/react.ts")], external: ["react", "convex", "convex/*"] };
await build({ ...react, format: "esm", outfile: at("pkg/react.js") });
await build({ ...react, format: "cjs", outfile: at("pkg/react.cjs"), mainFields: ["module", "main"] });
for (const file of ["pkg/react.js", "pkg/react.cjs"]) {
  if (/convex|WASM_BASE64/.test(readFileSync(at(file), "utf8").replace(/convex-guard/g, ""))) {
    throw new Error(`${file} pulls in convex or the engine`);
  }
}

// The browser entries. The same sources as the main entry, bundled apart, each with its own
// engine (VARIANTS): what a page imports holds no convex/server (checked below) and no schema
// validators (the browser guards offer none: validators.ts becomes a stub that throws).
// `convex` declares itself free of side effects (its package.json); saying so here drops the
// imports of convex/server that only the tree-shaken schema helpers used.
const browserOnly = (variant) => ({
  name: `browser-${variant}`,
  setup(b) {
    b.onResolve({ filter: /^convex(\/|$)/ }, (args) => ({ path: args.path, external: true, sideEffects: false }));
    b.onResolve({ filter: /^\.\/generated\/(glue|wasm-base64)\.js$/ }, (args) => ({
      path: at(`js/generated/${variant}/${args.path === "./generated/glue.js" ? "glue-shim.js" : "wasm-base64.js"}`),
    }));
    // The engine's message templates: only those this variant's module can send (generated
    // from src/wire.rs with messages.ts: js/generated/messages-*.ts, the same ids).
    b.onResolve({ filter: /^\.\/generated\/messages\.js$/ }, (args) =>
      args.importer.endsWith("/js/engine.ts") ? { path: at(`js/generated/messages-${variant}.ts`) } : undefined,
    );
    b.onLoad({ filter: DATABASE_SIDE }, (args) => ({ contents: databaseStub(args.path), loader: "js" }));
    b.onLoad({ filter: /\/js\/validators\.ts$/ }, () => ({
      contents: 'export function nameValidator() { throw new Error("schema validators come from convex-guard, not its browser entries"); }',
      loader: "js",
    }));
  },
});
// The database side (the users lookup, access and rate-limit reads, writes, pagination,
// groups), which only the ctx methods reach, and the browser guards expose none: each exported
// function becomes one that throws, so its code stays out of the page (measured: client
// -2,985 B gzip, users-find.ts roles -455 B). Only
// `groupMethods` runs when a guard is made (its methods are spread into the access object):
// it gives none. String constants are kept; any other export fails the build.
const DATABASE_SIDE = /\/js\/(access-store|access-groups|ratelimit-store|users-find)\.ts$/;
function databaseStub(path) {
  const source = readFileSync(path, "utf8");
  const lines = ['function absent() {\n  throw new Error("convex-guard\'s browser entries have no database methods");\n}'];
  for (const m of source.matchAll(/^export (.*)$/gm)) {
    const fn = /^(?:async )?function (\w+)/.exec(m[1]);
    if (fn) lines.push(fn[1] === "groupMethods" ? "export function groupMethods() {\n  return {};\n}" : `export const ${fn[1]} = absent;`);
    else if (/^const \w+ = "[^"\\]*";$/.test(m[1])) lines.push(m[0]);
    else if (!/^type \w+/.test(m[1])) throw new Error(`${path}: cannot stub \`export ${m[1]}\` for the browser entries`);
  }
  return lines.join("\n") + "\n";
}
const browserEntries = [
  ["client", "js/client.ts", "client"],
  ["client-roles", "js/client-roles.ts", "roles"],
];
for (const [file, entry, variant] of browserEntries) {
  const options = { ...common, entryPoints: [at(entry)], plugins: [browserOnly(variant)] };
  await build({ ...options, format: "esm", outfile: at(`pkg/${file}.js`) });
  await build({ ...options, format: "cjs", outfile: at(`pkg/${file}.cjs`), mainFields: ["module", "main"] });
  for (const out of [`pkg/${file}.js`, `pkg/${file}.cjs`]) {
    const text = readFileSync(at(out), "utf8");
    if (/["']convex\/server["']/.test(text)) throw new Error(`${out} imports convex/server`);
    const inlined = /WASM_BASE64 = "([A-Za-z0-9+/=]+)"/.exec(text)?.[1];
    if (inlined !== VARIANTS[variant].inlined.toString("base64")) throw new Error(`${out} does not inline the ${variant} engine`);
  }
}

// The `convex-guard audit` command: its own entry, with `typescript` (a dependency of the
// package) left external, so importing "convex-guard" never loads the compiler. CommonJS, so
// `typescript` (9 MB of CommonJS) loads through `require`: an ES module importing it makes Node
// scan the whole file for its export names first, a second or more on this machine.
await build({
  entryPoints: [at("js/cli/main.ts")],
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  external: ["typescript"],
  outfile: at("pkg/cli.cjs"),
  legalComments: "none",
  logLevel: "warning",
});
chmodSync(at("pkg/cli.cjs"), 0o755);

rmSync(at("target/types"), { recursive: true, force: true });
run(bin("tsc"), ["-p", at("js/tsconfig.json"), "--emitDeclarationOnly", "--outDir", at("pkg/types")]);

// The loader's declarations would name the internal glue, and the wire constants
// (js/generated/wire.ts) are internal too; nothing public imports either (checked below).
rmSync(at("pkg/types/engine.d.ts"));
rmSync(at("pkg/types/generated"), { recursive: true, force: true });
for (const file of readdirSync(at("pkg/types"))) {
  if (/from "\.\/(engine|generated\/)/.test(readFileSync(at(`pkg/types/${file}`), "utf8"))) {
    throw new Error(`pkg/types/${file} exposes the internal engine`);
  }
}

const version = /^version\s*=\s*"([^"]+)"/m.exec(readFileSync(at("Cargo.toml"), "utf8"))[1];
const repository = /^repository\s*=\s*"([^"]+)"/m.exec(readFileSync(at("Cargo.toml"), "utf8"))[1];
const manifest = readFileSync(at("pkg-template/package.json"), "utf8")
  .replace("0.0.0-from-cargo", version)
  .replaceAll("from-cargo-repository", repository);
writeFileSync(at("pkg/package.json"), manifest);
// The README npm shows: the repository's, without the contributors' sections (npm-readme.mjs).
writeFileSync(at("pkg/README.md"), npmReadme(readFileSync(at("README.md"), "utf8"), repository, root));
copyFileSync(at("LICENSE"), at("pkg/LICENSE"));

// What the loader promises: nothing that fetches, reads files, evaluates strings or needs a
// bundler plugin, in either entry point.
// `^await` is top-level await: esbuild writes top-level statements at column 0 and indents
// function bodies, so an `await` statement inside a function does not match.
const FORBIDDEN = [/import\.meta/, /\bfetch\s*\(/, /\beval\s*\(/, /new\s+Function\s*\(/, /\.wasm["']/, /^await\b/m, /\brequire\s*\(/];
for (const file of ["index", "react", "client", "client-roles"].flatMap((n) => [`pkg/${n}.js`, `pkg/${n}.cjs`])) {
  const text = readFileSync(at(file), "utf8");
  for (const pattern of FORBIDDEN) {
    if (file.endsWith(".cjs") && pattern.source.includes("require")) continue;
    if (pattern.test(text)) throw new Error(`${file} contains forbidden ${pattern}`);
  }
}

const raw = wasm.length;
const gz = gzipSync(wasm, { level: 9 }).length;
console.log(
  `pkg/ assembled: convex-guard ${version}; wasm ${raw} bytes (${gz} gzip), client ${VARIANTS.client.bytes.length}, ` +
    `roles-only ${VARIANTS.roles.bytes.length}; ` +
    `index.js ${statSync(at("pkg/index.js")).size} bytes`,
);
