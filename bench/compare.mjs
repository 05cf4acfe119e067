// Fresh-context cost of two builds of the package, measured in ONE run (this machine is shared
// and noisy: numbers from separate runs do not compare):
//
//   node bench/compare.mjs BEFORE_PKG_DIR [AFTER_PKG_DIR=pkg] [--runs=N] [--entry=guard-full]
//
// e.g. copy pkg/ to target/pkg-before before a change, rebuild, then compare. Keep both builds
// inside this checkout: a pkg/ elsewhere (another worktree) resolves convex from its own
// node_modules, so its bundle holds a second copy of convex and measures about 0.5x more. For each build:
// the guard with every capability making one permission check (bench/entries/guard-full.mjs),
// against the baseline and CASL entries of `make bench`, steady and after a full GC (see
// lib/fresh.mjs), round-robin in one process; medians in ms, and each build's request split
// into parts (eval, decode, compile, instantiate, first call) from probed runs; then the mean
// per request under sustained load (lib/fresh.mjs measureSustained), collections included.
import { resolve } from "node:path";
import { bareContext, bundleForContext, linkedPackage, measureFresh, measureSustained, probeWasm } from "./lib/fresh.mjs";
import { summarize } from "./lib/stats.mjs";
import { FIRST_CHECK } from "./rbac.mjs";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const runs = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 30);
// Another bench entry: guard-compiled (its tables, target/bench/full-policy.mjs, are written by `make bench`).
const entry = process.argv.find((a) => a.startsWith("--entry="))?.slice(8) ?? "guard-full";
if (args.length < 1) throw new Error("usage: node bench/compare.mjs BEFORE_PKG_DIR [AFTER_PKG_DIR]");
const builds = { before: resolve(args[0]), after: resolve(args[1] ?? `${root}/pkg`) };
const outDir = `${root}/target/bench/compare`;
const PARTS = ["eval", "decode", "compile", "instantiate", "first_call"];

const context = () => bareContext({ fromBase64: true });
const cases = [];
const parts = { steady: {}, after_gc: {} };
let mode = "steady";
for (const [build, dir] of Object.entries(builds)) {
  const plugins = [linkedPackage("convex-guard", dir, `${outDir}/${build}`)];
  const code = await bundleForContext(`${root}/bench/entries/${entry}.mjs`, { root, plugins, saveAs: `${outDir}/${build}/${entry}.js` });
  cases.push({ name: build, code, context, expected: FIRST_CHECK.expected });
  parts.steady[build] = [];
  parts.after_gc[build] = [];
  cases.push({
    name: `${build} (probed)`,
    code,
    context,
    expected: FIRST_CHECK.expected,
    probe: probeWasm,
    onRun: (m, { start, end }) =>
      parts[mode][build].push({
        eval: m.decodeStart - start,
        decode: m.compileStart - m.decodeStart,
        compile: m.compile,
        instantiate: m.instantiate,
        first_call: end - m.instantiateEnd,
      }),
  });
}
const plugins = [linkedPackage("convex-guard", builds.after, `${outDir}/after`)];
for (const [entry, expected] of [["baseline", true], ["casl", FIRST_CHECK.expected]]) {
  const code = await bundleForContext(`${root}/bench/entries/${entry}.mjs`, { root, plugins });
  cases.push({ name: entry, code, context, expected });
}

const steady = await measureFresh(cases, { runs, warmup: 3 });
mode = "after_gc";
const afterGc = await measureFresh(cases, { runs: Math.ceil(runs / 2), warmup: 1, afterGc: true });
const baseline = steady.get("baseline").median;
const caslExtra = steady.get("casl").median - baseline;
const caslGc = afterGc.get("casl").median;
console.log(`${"case".padEnd(18)} ${"steady".padStart(8)} ${"extra/CASL".padStart(10)} ${"after GC".padStart(9)} ${"/CASL".padStart(6)}`);
for (const c of cases) {
  const s = steady.get(c.name).median;
  const g = afterGc.get(c.name).median;
  console.log(
    `${c.name.padEnd(18)} ${s.toFixed(3).padStart(8)} ${((s - baseline) / caslExtra).toFixed(2).padStart(10)} ${g.toFixed(3).padStart(9)} ${(g / caslGc).toFixed(2).padStart(6)}`,
  );
}
for (const m of ["steady", "after_gc"]) {
  for (const build of Object.keys(builds)) {
    const row = PARTS.map((k) => `${k} ${summarize(parts[m][build].map((s) => s[k])).median.toFixed(3)}`);
    console.log(`parts ${m.padEnd(8)} ${build.padEnd(6)} ${row.join("  ")}`);
  }
}

// Under sustained load (lib/fresh.mjs measureSustained): the mean per request, collections
// included, of the plain cases.
const plain = cases.filter((c) => c.probe === undefined);
const sustained = await measureSustained(plain, { rounds: Math.max(4, Math.ceil(runs / 10)), block: 20 });
const sBase = sustained.get("baseline");
const sCasl = sustained.get("casl") - sBase;
for (const c of plain) {
  const m = sustained.get(c.name);
  console.log(`sustained ${c.name.padEnd(9)} mean ${m.toFixed(3)}  extra/CASL ${((m - sBase) / sCasl).toFixed(2)}`);
}
