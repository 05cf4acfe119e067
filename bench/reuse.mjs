// Benchmark module: what Convex's `experimental_reuseContext` saves per request. The entry
// (bench/entries/reuse.mjs: every capability configured, one permission check) is bundled as
// Convex bundles a function file (lib/fresh.mjs), then
//   reuse_fresh_request_ms    a request in a fresh context (Convex's default): evaluate the
//                             bundle, define the guard, instantiate the engine, first check;
//   reuse_reused_request_ns   the same check as a later request in a context kept from earlier
//                             requests: only the handler runs;
//   reuse_saving_ms           their difference, per request.
// Requests alternate users and permissions so no answer is simply repeated.
import { performance } from "node:perf_hooks";
import vm from "node:vm";
import { bareContext, bundleForContext, linkedPackage, measureFresh } from "./lib/fresh.mjs";
import { summarize } from "./lib/stats.mjs";
import { CAN_PROBES, FIRST_CHECK } from "./rbac.mjs";

export const name = "reuse";

export async function run({ root, outDir, quick }) {
  const code = await bundleForContext(`${root}/bench/entries/reuse.mjs`, {
    root,
    plugins: [linkedPackage("convex-guard", `${root}/pkg`, outDir)],
    saveAs: `${outDir}/bundles/reuse.js`,
  });
  const context = () => bareContext({ fromBase64: true });
  const fresh = (
    await measureFresh([{ name: "fresh", code, context, expected: FIRST_CHECK.expected }], quick ? { runs: 10, warmup: 2 } : { runs: 60, warmup: 5 })
  ).get("fresh");

  // One context, evaluated once (the first request), then request after request in it.
  const kept = context();
  if (vm.runInContext(code, kept) !== FIRST_CHECK.expected) throw new Error("reuse: the first request decided wrongly");
  const request = vm.runInContext("__benchEntry.request", kept);
  const runs = quick ? 200 : 2000;
  const samples = [];
  for (let i = -50; i < runs; i++) {
    const probe = CAN_PROBES[(i + 50) % CAN_PROBES.length];
    const t0 = performance.now();
    const answer = request(probe.subject, probe.arg);
    const t1 = performance.now();
    if (answer !== probe.expected) throw new Error(`reuse: ${JSON.stringify(probe)} answered ${answer}`);
    if (i >= 0) samples.push(t1 - t0);
  }
  const reused = summarize(samples);
  const ns = (s) => ({ median: s.median * 1e6, p10: s.p10 * 1e6, p90: s.p90 * 1e6, n: s.n });
  return {
    rows: [
      { key: "reuse_fresh_request_ms", value: fresh.median, unit: "ms", spread: fresh },
      { key: "reuse_reused_request_ns", value: reused.median * 1e6, unit: "ns", spread: ns(reused) },
      { key: "reuse_saving_ms", value: fresh.median - reused.median, unit: "ms" },
    ],
    notes: [],
  };
}
