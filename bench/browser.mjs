// Benchmark module: what a browser page downloads. Each entry of bench/entries/browser-*.mjs is
// bundled as an app's bundler would (esbuild, ESM, browser platform, minified, `convex` and the
// package resolved from node_modules / pkg/ through package.json `exports`), and
//   browser_*_bytes / _gzip_bytes   the bundle, raw and gzip -9, with the budgets of issue 8;
//   browser_*_convex_server_modules how many convex/server modules put code into the bundle
//                                   (esbuild's metafile), which must be 0 for the client entries;
//   browser_*_engine_gzip_bytes     of which the inlined engine (the string alone, gzip -9: the
//                                   browser entries' is the deflated module, base64);
//   browser_*_engine_module_bytes   the module it inlines, raw;
//   browser_*_without_convex_gzip_bytes  the client entries' bundle with convex/values left to
//                                   the page (a Convex page's client already bundles it);
// Each bundle is also run in a bare context (web globals only) and must decide correctly.
// The main entry's bundle is reported for comparison (no budget).
import { constants, gzipSync } from "node:zlib";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import vm from "node:vm";
import { build } from "esbuild";
import { bareContext, bundleForContext, linkedPackage } from "./lib/fresh.mjs";

export const name = "browser";

const ENTRIES = [
  // key, entry, gzip budget (bytes) or undefined, what, the engine it inlines
  ["browser_roles", "browser-roles", 15 * 1024, "role and permission decisions (convex-guard/client/roles)", "roles_only"],
  ["browser_client", "browser-client", 30 * 1024, "every pure decision (convex-guard/client)", "client"],
  ["browser_main", "browser-main", undefined, "role and permission decisions through the main entry", "convex_guard"],
];

/** Bundles `entry` for the browser: `{ text, meta }`. */
export async function browserBundle(root, outDir, entry, { external = [] } = {}) {
  const out = await build({
    external,
    entryPoints: [`${root}/bench/entries/${entry}.mjs`],
    absWorkingDir: root,
    plugins: [linkedPackage("convex-guard", `${root}/pkg`, outDir)],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    minify: true,
    treeShaking: true,
    legalComments: "none",
    metafile: true,
    logLevel: "error",
  });
  return { text: out.outputFiles[0].text, meta: out.metafile };
}

/** The inputs under convex's server directory that put bytes into the output. */
export function convexServerInputs(meta) {
  const [output] = Object.values(meta.outputs);
  return Object.entries(output.inputs)
    .filter(([path, i]) => /node_modules\/convex\/dist\/[^/]+\/server\//.test(path) && i.bytesInOutput > 0)
    .map(([path]) => path);
}

export async function run({ root, outDir }) {
  const rows = [];
  const notes = [];
  mkdirSync(`${outDir}/browser`, { recursive: true });
  for (const [key, entry, budget, what, engine] of ENTRIES) {
    const { text, meta } = await browserBundle(root, outDir, entry);
    writeFileSync(`${outDir}/browser/${entry}.js`, text);
    writeFileSync(`${outDir}/browser/${entry}.meta.json`, JSON.stringify(meta));
    const gzip = gzipSync(text, { level: constants.Z_BEST_COMPRESSION }).length;
    const server = convexServerInputs(meta);
    // The bundle must decide, not only be small: run it in a bare context without fromBase64.
    const script = await bundleForContext(`${root}/bench/entries/${entry}.mjs`, { root, plugins: [linkedPackage("convex-guard", `${root}/pkg`, outDir)] });
    if (vm.runInContext(script, bareContext({ fromBase64: false })) !== true) {
      throw new Error(`${entry}: the bundle did not decide as expected`);
    }
    rows.push({ key: `${key}_bytes`, value: Buffer.byteLength(text), unit: "B" });
    rows.push({
      key: `${key}_gzip_bytes`,
      value: gzip,
      unit: "B",
      ...(budget === undefined ? {} : { target: { text: `<= ${budget} B gzip (${budget / 1024} KiB, ${what})`, pass: gzip <= budget } }),
    });
    rows.push({
      key: `${key}_convex_server_modules`,
      value: server.length,
      unit: "modules",
      ...(budget === undefined ? {} : { target: { text: "0: no convex/server code", pass: server.length === 0 } }),
    });
    // How much of it is the engine: the inlined string as the bundle holds it (the browser
    // entries deflate the module before base64), alone, gzip -9.
    const inlined = /"([A-Za-z0-9+/=]{1000,})"/.exec(text)?.[1];
    if (inlined === undefined) throw new Error(`${entry}: no inlined engine found in the bundle`);
    rows.push({ key: `${key}_engine_gzip_bytes`, value: gzipSync(inlined, { level: constants.Z_BEST_COMPRESSION }).length, unit: "B" });
    rows.push({ key: `${key}_engine_module_bytes`, value: readFileSync(`${root}/target/wasm/${engine}.wasm`).length, unit: "B" });
    // What the entry adds to a page that already loads the Convex client (which bundles
    // convex/values, the ConvexError the entries throw): the same bundle with convex left out.
    if (budget !== undefined) {
      const alone = await browserBundle(root, outDir, entry, { external: ["convex", "convex/*"] });
      rows.push({ key: `${key}_without_convex_gzip_bytes`, value: gzipSync(alone.text, { level: constants.Z_BEST_COMPRESSION }).length, unit: "B" });
    }
    if (budget !== undefined && server.length > 0) notes.push(`${entry} bundles convex/server: ${server.join(", ")}`);
  }
  return { rows, notes };
}
