// Where a fresh request's first call goes, export by export (a diagnostic, not part of
// `make bench`):
//
//   node bench/first-call.mjs [PKG_DIR=pkg ...] [--steady] [--runs=N]
//
// Runs bench/entries/guard-full.mjs (every capability configured, one permission check) in
// fresh contexts as lib/fresh.mjs does, after a full GC unless --steady, with every engine
// export wrapped in a timer. Prints, per build, the median time from the end of instantiation
// to the end of the request, the part of it spent inside engine exports, and each export call's
// median in order. After a GC the wasm code cache is gone and V8 compiles each engine function
// at its first call (lazy compilation, on in Convex too): the time inside the exports is then
// mostly that compilation, and the rest is JavaScript (compiled lazily too, then run).
import { resolve } from "node:path";
import vm from "node:vm";
import { bareContext, bundleForContext, linkedPackage, measureFresh } from "./lib/fresh.mjs";
import { summarize } from "./lib/stats.mjs";
import { FIRST_CHECK } from "./rbac.mjs";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const dirs = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const runs = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 40);
const afterGc = !process.argv.includes("--steady");
const builds = (dirs.length > 0 ? dirs : [`${root}/pkg`]).map((d) => resolve(d));

/** Replaces the context's `WebAssembly.Instance` with one whose exports time each call. */
function timedExports(context) {
  const marks = { calls: [], instantiated: NaN };
  const wa = vm.runInContext("WebAssembly", context);
  const { Instance } = wa;
  function TimedInstance(module, imports) {
    const exports = {};
    for (const [name, value] of Object.entries(new Instance(module, imports).exports)) {
      exports[name] =
        typeof value !== "function"
          ? value
          : (...args) => {
              const t0 = performance.now();
              try {
                return value(...args);
              } finally {
                marks.calls.push([name, performance.now() - t0]);
              }
            };
    }
    marks.instantiated = performance.now();
    return { exports };
  }
  TimedInstance.prototype = Instance.prototype;
  wa.Instance = TimedInstance;
  return marks;
}

const samples = new Map();
const cases = [];
for (const [i, dir] of builds.entries()) {
  const plugins = [linkedPackage("convex-guard", dir, `${root}/target/bench/first-call/${i}`)];
  const code = await bundleForContext(`${root}/bench/entries/guard-full.mjs`, { root, plugins });
  samples.set(dir, []);
  cases.push({
    name: dir,
    code,
    expected: FIRST_CHECK.expected,
    context: () => bareContext({ fromBase64: true }),
    probe: timedExports,
    onRun: (marks, { end }) => samples.get(dir).push({ after: end - marks.instantiated, calls: marks.calls }),
  });
}
await measureFresh(cases, { runs, warmup: 2, afterGc });

const median = (values) => summarize(values).median.toFixed(3);
console.log(afterGc ? "after a full GC (cold caches)" : "steady (warm caches)");
for (const [dir, runs] of samples) {
  const inside = runs.map((r) => r.calls.reduce((sum, [, ms]) => sum + ms, 0));
  console.log(`${dir}: after instantiation ${median(runs.map((r) => r.after))} ms, inside exports ${median(inside)} ms`);
  // Every run makes the same calls in the same order (the same request): list them by place.
  runs[0].calls.forEach(([name], i) => {
    const ms = median(runs.map((r) => r.calls[i]?.[1] ?? 0));
    if (Number(ms) >= (process.argv.includes("--all") ? 0 : 0.005)) console.log(`  #${i} ${name.padEnd(16)} ${ms} ms`);
  });
}
