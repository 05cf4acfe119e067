// Assembles the npm package in pkg/ from the engines cargo built, js/ and pkg-template/.
//
//   node scripts/build-pkg.mjs
//
// 1. drop the exports no caller uses from each module cargo built (the Makefile's three
//    `cargo build --release --target wasm32-unknown-unknown` runs), then wasm-opt -Oz (npm
//    `binaryen`) it; inline the full engine as base64 in js/generated/wasm-base64.js;
// 2. bundle js/index.ts with esbuild to pkg/index.js (ESM) and pkg/index.cjs (CommonJS),
//    `convex` left external;
// 3. bundle the audit CLI (js/cli/main.ts) to pkg/cli.cjs; emit the public .d.ts with tsc; 4. fill pkg-template/ and write the npm README from
//    README.md, AUDIT.md from AUDIT.md and the guides from docs/ (scripts/npm-readme.mjs); 5. refuse forbidden constructs.
// The browser entries: pkg/client.js (js/client.ts, the pure decisions, over a module built
// without codes) and pkg/client-roles.js (js/client-roles.ts, roles and permissions over the
// roles-only module), each inlining its own module deflated. Neither may pull in convex/server.
// There is no generated glue: js/engine.ts, js/engine-io.ts and js/engine-objects.ts call the engine's exports
// (src/wire.rs `abi`, rendered into js/generated/wire.ts) directly.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { deflateRawSync, gzipSync } from "node:zlib";
import { build } from "esbuild";
import { deflateAsync as zopfli } from "@gfx/zopfli";
import { npmReadme, SHIPPED_DOCS } from "./npm-readme.mjs";

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

/**
 * Functions wasm-opt must not inline into their one caller: the cold paths of a function every
 * call runs. V8 compiles each wasm function whole at its first call (lazy compilation), so a
 * cold path inlined into `finish` (every export's last step) is compiled by the first call of
 * every context, although only an engine error runs it. Likewise talc's `allocate`, the slow path
 * of the allocator (src/bindings/mod.rs `FirstPage`), which a fresh request's first
 * allocations, served from the first page, never reach.
 */
const NO_INLINE = ["*write_error*", "*utf8_slow*", "*write_floats*", "*4talc*8allocate*"].map((pattern) => `--no-inline=${pattern}`);
/**
 * The engine's operations (`wire::abi::OPS`, each called by the one export `run`): kept out of
 * `run` as out of each other, so that `run` stays a small dispatch and a request compiles only
 * the operations it calls (each has one caller, `run`, which wasm-opt would inline it into).
 */
const OPERATIONS = [...readFileSync(at("js/generated/wire.ts"), "utf8").matchAll(/^\/\*\* Operation `(\w+)`/gm)].map((m) => m[1]);
if (OPERATIONS.length === 0) throw new Error("js/generated/wire.ts lists no operation");
// Their names are rustc's (legacy mangling): `_ZN12convex_guard8bindings...6buffer17h...E`.
NO_INLINE.push(...OPERATIONS.map((name) => `--no-inline=*8bindings*${name.length}${name}17h*`));

/**
 * wasm-opt -Oz (to a fixed point) with the features rustc emits; fails on a module V8 would refuse.
 * With `names`, the function names are kept (`-g`) instead of stripped, for `make wasm-size`:
 * the same code section, byte for byte (scripts/wasm-top.mjs reads it).
 */
function optimize(input, output, names = false) {
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
  // A second -Oz after the rebuilt control flow: --converge stops at the first round that
  // does not shrink the module, which one -Oz there reaches too early. Measured: full
  // 40,465 -> 40,380 B, roles-only 13,315 -> 13,272 B, client 30,369 -> 30,301 B.
  // --const-hoisting last (an -Oz after it puts the constants back): a constant used several
  // times in a function (an f64 is 9 bytes, a data address 4 or 5) is set once into a local
  // and read with a 2-byte local.get; the same values, so the same behaviour. Measured: full
  // 40,380 -> 39,865 B, roles-only 13,272 -> 13,218 B, client 30,301 -> 29,930 B.
  run(bin("wasm-opt"), ["--low-memory-unused", ...NO_INLINE, "-Oz", "--flatten", "--rereloop", "-Oz", "-Oz", "--converge", "--const-hoisting", ...FEATURES, names ? "-g" : "--strip-debug", "--strip-producers", "--strip-target-features", input, "-o", output]);
  const bytes = readFileSync(output);
  new WebAssembly.Module(bytes);
  return bytes;
}

/**
 * The module cargo built, without the exports no caller uses: rustc exports every
 * `#[no_mangle]` function, getrandom's hook included, and the linker's `__data_end` and
 * `__heap_base`; once they are gone, wasm-opt inlines or drops what they named. Every other
 * export must be one of js/generated/wire.ts `EngineExports` (the memory, the `random` table and
 * `run`, which runs every operation of `wire::abi::OPS`), or the build fails. Its one import goes through a table (`randomThroughTable`). Answers the path it
 * wrote (`output`) and the bytes of the random bridge (`bridge`, null without the import).
 */
const binaryen = (await import("binaryen")).default;
const ENGINE_EXPORTS = new Set(
  [.../export type EngineExports = \{([^}]*)\}/.exec(readFileSync(at("js/generated/wire.ts"), "utf8"))[1].matchAll(/^ {2}(\w+)[(:]/gm)].map((m) => m[1]),
);
function lean(input, output) {
  if (!existsSync(input)) throw new Error(`${input} is missing: run make build`);
  // With the function names (so that optimize can name functions to keep out of line); the
  // optimized module is stripped of them.
  binaryen.setDebugInfo(true);
  const module = binaryen.readBinary(readFileSync(input));
  for (let i = module.getNumExports() - 1; i >= 0; i--) {
    const name = binaryen.getExportInfo(module.getExportByIndex(i)).name;
    if (["__getrandom_v03_custom", "__data_end", "__heap_base"].includes(name)) module.removeExport(name);
    else if (!ENGINE_EXPORTS.has(name)) throw new Error(`${input} exports ${name}, which EngineExports does not list`);
  }
  const bridge = randomThroughTable(module);
  writeFileSync(output, module.emitBinary());
  module.dispose();
  return { output, bridge };
}

/**
 * The engine's one import, `env.random` (src/bindings/mod.rs, getrandom's backend), becomes a
 * call through slot 0 of a one-slot table the module exports as `random`; answers the bytes of
 * the bridge, a module that imports the same function and exports it, with the same signature
 * (null for a module without the import: built without codes). The loader fills the slot with
 * the bridge's export before a call that draws (js/engine.ts `randomReady`), so the engine
 * still calls `crypto.getRandomValues` inside that call, with the same arguments; a call that
 * finds the slot empty traps (the instance is discarded: fail closed).
 *
 * Why: Node 20's V8 compiles a JavaScript import's wrapper with the module and again for the
 * instance, and after a full GC (cold caches) that is paid by every request. Measured, new
 * Module + new Instance of the full module after a GC: 1.84 ms with the import, 1.18 without
 * it and 1.18 with the table; a module with nothing but one such import costs 0.85 ms against
 * 0.31 for one with a function and no import. Only a request that generates a code now makes
 * the bridge (44 bytes).
 */
function randomThroughTable(module) {
  let imported;
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const f = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
    if (f.module !== "") {
      if (f.module !== "env" || f.base !== "random" || imported) throw new Error(`unexpected import ${f.module}.${f.base}`);
      imported = f;
    }
  }
  if (!imported) return null;
  const { name, params, results } = imported;
  module.removeFunction(name);
  module.addTable("random", 1, 1, binaryen.funcref);
  module.addTableExport("random", "random");
  const args = binaryen.expandType(params).map((type, i) => module.local.get(i, type));
  module.addFunction(name, params, results, [], module.call_indirect("random", module.i32.const(0), args, params, results));
  const bridge = new binaryen.Module();
  bridge.addFunctionImport("random", "env", "random", params, results);
  bridge.addFunctionExport("random", "random");
  if (!bridge.validate()) throw new Error("the random bridge does not validate");
  binaryen.setDebugInfo(false); // no name section
  const bytes = bridge.emitBinary();
  binaryen.setDebugInfo(true);
  bridge.dispose();
  return bytes;
}

mkdirSync(at("target/wasm"), { recursive: true });
// `node scripts/build-pkg.mjs --optimize-only IN OUT [--names]`: only step 1, for other
// builds of the module, with exactly the same export list and optimizer settings (`--names`:
// function names kept, see `optimize`).
const only = process.argv.indexOf("--optimize-only");
if (only !== -1) {
  const [input, output] = process.argv.slice(only + 1, only + 3);
  const bytes = optimize(lean(at(input), at(`${output}.lean`)).output, at(output), process.argv.includes("--names"));
  console.log(`${output}: ${bytes.length} bytes`);
  process.exit(0);
}


const { output: leanWasm, bridge } = lean(at("target/wasm32-unknown-unknown/release/convex_guard.wasm"), at("target/wasm/convex_guard.lean.wasm"));
const wasm = optimize(leanWasm, at("target/wasm/convex_guard.wasm"));
if (!bridge) throw new Error("the full engine imports no env.random");
new WebAssembly.Instance(new WebAssembly.Module(bridge), { env: { random: () => 0 } });

mkdirSync(at("js/generated"), { recursive: true });
writeFileSync(
  at("js/generated/wasm-base64.js"),
  `// Generated by scripts/build-pkg.mjs from target/wasm/convex_guard.wasm. Do not edit.\n` +
    `export const WASM_BASE64 = "${wasm.toString("base64")}";\n` +
    `export function wasmBytes(decode) {\n  return decode(WASM_BASE64);\n}\n`,
);
writeFileSync(
  at("js/generated/wasm-base64.d.ts"),
  `/** The optimized engine, base64. */\nexport declare const WASM_BASE64: string;\n` +
    `/** The engine's bytes, from WASM_BASE64 decoded with \`decode\`. */\nexport declare function wasmBytes(decode: (b64: string) => Uint8Array): Uint8Array;\n`,
);
writeFileSync(
  at("js/generated/random-bridge.js"),
  `// Generated by scripts/build-pkg.mjs (randomThroughTable). Do not edit.\n` +
    `export function randomBridge() {\n  return new Uint8Array([${Array.from(bridge).join(",")}]);\n}\n`,
);
writeFileSync(
  at("js/generated/random-bridge.d.ts"),
  `/** The bytes of a module that imports \`env.random\` and exports it as \`random\`. */\nexport declare function randomBridge(): Uint8Array<ArrayBuffer>;\n`,
);
for (const stale of ["glue.js", "glue.d.ts", "client", "roles"]) rmSync(at(`js/generated/${stale}`), { recursive: true, force: true });

// The browser entries' engines, each a cargo build with fewer features (made by the Makefile);
// the same loader calls them (an export the smaller module lacks is never reached from its
// entry). The entry builds below resolve engine.ts's `./generated/wasm-base64.js` to the
// variant's file.
//   client: access and rate limits, no codes (a browser holds no code secret);
//   roles:  roles and permissions alone (also make bench's roles-only budget).
const VARIANTS = {
  client: { cargo: "target/client-wasm", wasm: "target/wasm/client.wasm", entry: "convex-guard/client" },
  roles: { cargo: "target/roles-only", wasm: "target/wasm/roles_only.wasm", entry: "convex-guard/client/roles" },
};
// A browser entry inlines its module deflated (raw DEFLATE, then base64) and inflates it at
// first use with js/inflate.ts (its `wasmBytes`): base64 of the deflated bytes gzips
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
for (const [name, v] of Object.entries(VARIANTS)) {
  const out = at(`js/generated/${name}`);
  v.bytes = optimize(lean(at(`${v.cargo}/wasm32-unknown-unknown/release/convex_guard.wasm`), at(`target/wasm/${name}.lean.wasm`)).output, at(v.wasm));
  mkdirSync(out, { recursive: true });
  v.inlined = await deflated(v.bytes);
  writeFileSync(
    `${out}/wasm-base64.js`,
    `// Generated by scripts/build-pkg.mjs from ${v.wasm}, deflated. Do not edit.\n` +
      `import { inflate } from "../../inflate.ts";\n` +
      `export const WASM_BASE64 = "${v.inlined.toString("base64")}";\n` +
      `export function wasmBytes(decode) {\n  return inflate(decode(WASM_BASE64), new Uint8Array(${v.bytes.length}));\n}\n`,
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
  // Whitespace and names stay as written; the syntax is minified, which among other things
  // writes each constant of js/generated/wire.ts (the engine's buffer offsets) where it is used.
  // Without it, esbuild makes every module's top-level `const` a `var` of the bundle, which V8
  // reads from the module's context at every use, with a type check: measured (callgrind, V8
  // TurboFan), a pure rate-limit decision ran 155 fewer instructions, and pkg/index.js is
  // 5% smaller (230,103 -> 219,243 B). A user's minifying bundler did the same already.
  minifySyntax: true,
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
    b.onResolve({ filter: /^\.\/generated\/wasm-base64\.js$/ }, () => ({ path: at(`js/generated/${variant}/wasm-base64.js`) }));
    // The engine's message templates: only those this variant's module can send (generated
    // from src/wire.rs with messages.ts: js/generated/messages-*.ts, the same ids).
    b.onResolve({ filter: /^\.\/generated\/messages\.js$/ }, (args) =>
      args.importer.endsWith("/js/engine.ts") ? { path: at(`js/generated/messages-${variant}.ts`) } : undefined,
    );
    b.onLoad({ filter: DATABASE_SIDE }, (args) => ({ contents: databaseStub(args.path), loader: "js" }));
    // Where the rows are (a users setup's table, index, resolver...): a browser guard finds
    // no rows, so it checks the role's key only (users.ts); the server's guard checks the rest.
    b.onLoad({ filter: /\/js\/users-setup\.ts$/ }, () => ({ contents: "export function rowSettings() { return undefined; }", loader: "js" }));
    b.onLoad({ filter: /\/js\/validators\.ts$/ }, () => ({
      contents: 'export function nameValidator() { throw new Error("schema validators come from convex-guard, not its browser entries"); }',
      loader: "js",
    }));
  },
});
// The database side (the users lookup, access and rate-limit reads, writes, pagination,
// groups), which only the ctx methods reach, and the browser guards expose none: each exported
// function becomes one that throws, so its code stays out of the page (measured: client
// -2,985 B gzip, users-find.ts roles -455 B). Only the `*Methods` functions
// (`documentMethods`, `groupMethods`, ratelimit-store.ts `rowMethods`, users-find.ts
// `userMethods`) run when a guard is made (their methods are spread into the access, rate
// limits or roles object): they give none. String constants are kept; any other export fails
// the build. The methods that read and write live in these files so that their code stays out
// too (measured, client gzip: access's document methods 30,877 -> 29,361 B, rate limits' row
// methods -> 29,055 B, getUser and the require* checks -> 28,801 B; roles 15,022 -> 14,763 B).
const DATABASE_SIDE = /\/js\/(access-store|access-documents|access-groups|ratelimit-store|users-find)\.ts$/;
function databaseStub(path) {
  const source = readFileSync(path, "utf8");
  const lines = ['function absent() {\n  throw new Error("convex-guard\'s browser entries have no database methods");\n}'];
  for (const m of source.matchAll(/^export (.*)$/gm)) {
    const fn = /^(?:async )?function (\w+)/.exec(m[1]);
    if (fn) lines.push(/Methods$/.test(fn[1]) ? `export function ${fn[1]}() {\n  return {};\n}` : `export const ${fn[1]} = absent;`);
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
  // Each of the CLI's modules imports `typescript`; bundled, every import site would copy the
  // compiler's thousands of exports onto its own namespace object (80 ms per run). One module
  // imports it once and the others share its default export.
  plugins: [
    {
      name: "typescript-once",
      setup(b) {
        b.onResolve({ filter: /^typescript$/ }, (a) =>
          a.namespace === "typescript-once" ? { path: "typescript", external: true } : { path: "typescript", namespace: "typescript-once" },
        );
        b.onLoad({ filter: /.*/, namespace: "typescript-once" }, () => ({ contents: 'export default require("typescript");', loader: "js" }));
      },
    },
  ],
  outfile: at("pkg/cli.cjs"),
  legalComments: "none",
  logLevel: "warning",
});
chmodSync(at("pkg/cli.cjs"), 0o755);

rmSync(at("target/types"), { recursive: true, force: true });
run(bin("tsc"), ["-p", at("js/tsconfig.json"), "--emitDeclarationOnly", "--outDir", at("pkg/types")]);

// The loader's declarations would name the internal engine objects, and the wire constants
// (js/generated/wire.ts) are internal too; nothing public imports either (checked below).
rmSync(at("pkg/types/engine.d.ts"));
rmSync(at("pkg/types/engine-io.d.ts"));
rmSync(at("pkg/types/engine-objects.d.ts"));
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
// The README npm shows, the audit's reference and the guides beside it: the repository's,
// without the contributors' sections, links into the repository (npm-readme.mjs).
for (const doc of SHIPPED_DOCS) {
  mkdirSync(dirname(at(`pkg/${doc}`)), { recursive: true });
  writeFileSync(at(`pkg/${doc}`), npmReadme(readFileSync(at(doc), "utf8"), repository, root, doc));
}
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
