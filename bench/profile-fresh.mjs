// Where a fresh request's time goes, function by function (a diagnostic, not part of
// `make bench`):
//
//   node bench/profile-fresh.mjs [PKG_DIR=pkg] [--entry=guard-full] [--runs=N] [--interval=US] [--after-gc] [--top=N]
//
// Runs bench/entries/guard-full.mjs (every capability configured, one permission check) in
// fresh contexts as lib/fresh.mjs does (same bundle options, minified, with a source map kept
// aside to name the code), under V8's sampling CPU profiler (the inspector's Profiler, every
// `interval` µs), and splits each request at the end of `new WebAssembly.Instance`: the
// samples before it (the bundle's evaluation, `defineGuard`, decoding, compiling,
// instantiating) and after it (the rest of the first `can`). Prints, for each part, the
// sampled time per request and the functions with the most self time, each named by its
// original source file and line (V8's own work shows as "(program)", "(garbage collector)",
// or a native function's name).
import { Session } from "node:inspector/promises";
import { resolve } from "node:path";
import vm from "node:vm";
import { build } from "esbuild";
import sourceMap from "source-map-js";
import { bareContext, CONTEXT_BUNDLE, GLOBAL_NAME, linkedPackage } from "./lib/fresh.mjs";
import { summarize } from "./lib/stats.mjs";
import { FIRST_CHECK } from "./rbac.mjs";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const dir = resolve(process.argv.slice(2).find((a) => !a.startsWith("--")) ?? `${root}/pkg`);
const runs = Number(arg("runs", 2000));
const interval = Number(arg("interval", 10));
const top = Number(arg("top", 40));
const afterGc = process.argv.includes("--after-gc");
const ENTRY = arg("entry", "guard-full");
const FILE = `${ENTRY}.bundle.js`;

// The bundle exactly as lib/fresh.mjs bundleForContext makes it, plus a source map on the side.
const out = await build({
  entryPoints: [`${root}/bench/entries/${ENTRY}.mjs`],
  absWorkingDir: root,
  plugins: [linkedPackage("convex-guard", dir, `${root}/target/bench/profile-fresh`)],
  ...CONTEXT_BUNDLE,
  outfile: `${root}/target/bench/profile-fresh/out.js`,
  sourcemap: "external",
});
const js = out.outputFiles.find((f) => f.path.endsWith(".js")).text.replace(/\/\/# sourceMappingURL=.*\n?$/, "");
const map = new sourceMap.SourceMapConsumer(JSON.parse(out.outputFiles.find((f) => f.path.endsWith(".map")).text));
const code = `${js}\n${GLOBAL_NAME}.result;\n`;

const gc = vm.runInNewContext("gc"); // lib/fresh.mjs exposes it
const hr = () => Number(process.hrtime.bigint()) / 1000; // µs, the profiler's clock

/** A fresh context whose `WebAssembly.Instance` notes when instantiation ended. */
function probed(marks) {
  const context = bareContext({ fromBase64: true });
  const wa = vm.runInContext("WebAssembly", context);
  const { Instance } = wa;
  function TimedInstance(module, imports) {
    const instance = new Instance(module, imports);
    marks.instantiated = hr();
    return instance;
  }
  TimedInstance.prototype = Instance.prototype;
  wa.Instance = TimedInstance;
  return context;
}

function request() {
  const marks = { start: 0, instantiated: NaN, end: 0 };
  const context = probed(marks);
  if (afterGc) gc();
  marks.start = hr();
  const result = vm.runInContext(code, context, { filename: FILE });
  marks.end = hr();
  if (result !== FIRST_CHECK.expected) throw new Error(`the first decision was ${result}`);
  return marks;
}

for (let i = 0; i < 50; i++) {
  await new Promise(setImmediate);
  request();
}
const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval });
await session.post("Profiler.start");
const windows = [];
for (let i = 0; i < runs; i++) {
  await new Promise(setImmediate);
  windows.push(request());
}
const { profile } = await session.post("Profiler.stop");
session.disconnect();

// Name each profile node: function, original file:line (through the source map) or V8's name.
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parents = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parents.set(c, n.id);
function label(node) {
  const f = node.callFrame;
  if (f.url !== FILE || f.lineNumber < 0) return `${f.functionName || "(anonymous)"} ${f.url ? f.url.replace(/^.*\//, "") : ""}`.trim();
  const o = map.originalPositionFor({ line: f.lineNumber + 1, column: f.columnNumber });
  const where = o.source ? `${o.source.replace(/^(\.\.\/)+/, "").replace(/^node_modules\//, "")}:${o.line}` : `bundle:${f.lineNumber + 1}:${f.columnNumber} ${JSON.stringify(code.split("\n")[f.lineNumber].slice(f.columnNumber, f.columnNumber + 80))}`;
  return `${o.name ?? (f.functionName || "(anonymous)")} ${where}`;
}

// Each sample's time, charged to the part of its request it fell in.
const parts = { before: new Map(), after: new Map(), outside: new Map() };
const inclusive = { before: new Map(), after: new Map() };
const totals = { before: 0, after: 0, outside: 0 };
let t = profile.startTime;
let w = 0;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i];
  // The sample's time span: until the next sample (the last one: the interval).
  const span = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1] : interval;
  while (w < windows.length && windows[w].end < t) w++;
  const win = windows[w];
  const part = win === undefined || t < win.start ? "outside" : t < win.instantiated ? "before" : "after";
  const node = nodes.get(profile.samples[i]);
  const name = label(node);
  parts[part].set(name, (parts[part].get(name) ?? 0) + span);
  totals[part] += span;
  if (part === "outside") continue;
  const seen = new Set();
  for (let id = node.id; id !== undefined; id = parents.get(id)) {
    const l = label(nodes.get(id));
    if (seen.has(l)) continue;
    seen.add(l);
    inclusive[part].set(l, (inclusive[part].get(l) ?? 0) + span);
  }
}

const ms = (us) => (us / 1000 / runs).toFixed(4);
console.log(`${runs} requests (${afterGc ? "after a full GC" : "steady"}), sampling every ${interval} µs, ${dir}`);
console.log(`measured median per request: whole ${(summarize(windows.map((w) => w.end - w.start)).median / 1000).toFixed(3)} ms, ` +
  `after instantiation ${(summarize(windows.map((w) => w.end - w.instantiated)).median / 1000).toFixed(3)} ms`);
for (const part of ["before", "after"]) {
  console.log(`\n== ${part} instantiation: ${ms(totals[part])} ms per request sampled; self time (ms per request)`);
  for (const [name, us] of [...parts[part]].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${ms(us)}  ${name}`);
  console.log(`-- inclusive (ms per request)`);
  for (const [name, us] of [...inclusive[part]].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${ms(us)}  ${name}`);
}
console.log(`\noutside requests: ${ms(totals.outside)} ms per request`);
