// `make fuzz`: builds the fuzz targets (fuzz/, cargo-fuzz, nightly), writes the seed corpus
// from tests/vectors, runs each target for FUZZ_RUNS executions one after the other, and
// writes target/fuzz/report.json: per target the runs asked, the executions, libFuzzer's final coverage
// (`cov:` edges, `ft:` features), the corpus size, the seconds taken and the crashes (any
// crash, timeout or OOM stops that target and fails the command). Arguments narrow the targets.
//
// Sanitizer: none. The decision modules have no unsafe code (the only unsafe is the wasm
// boundary's, src/bindings, which is not compiled natively), so AddressSanitizer would find
// nothing and halve the speed;
// debug assertions and overflow checks stay on (cargo-fuzz's default).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";

const toolchain = process.env.FUZZ_TOOLCHAIN ?? "nightly";
const runs = Number(process.env.FUZZ_RUNS ?? 10_000_000);
const all = readdirSync("fuzz/fuzz_targets")
  .filter((f) => f.endsWith(".rs"))
  .map((f) => f.slice(0, -3))
  .sort();
const targets = process.argv.length > 2 ? process.argv.slice(2) : all;
const cargo = (args) =>
  execFileSync("cargo", [`+${toolchain}`, ...args], { stdio: "inherit" });

cargo(["fuzz", "build", "-s", "none"]);
cargo(["run", "--quiet", "--manifest-path", "fuzz/Cargo.toml", "--example", "seeds", "--",
  "tests/vectors", "target/fuzz/seeds"]);

const last = (text, re) => [...text.matchAll(re)].pop();
// A narrowed run replaces only its own targets' entries of an existing report.
const path = "target/fuzz/report.json";
const old = existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : {};
const report = { toolchain, sanitizer: "none", targets: old.targets ?? {} };
let failed = [];
for (const t of targets) {
  const corpus = `target/fuzz/corpus/${t}`;
  const artifacts = `target/fuzz/artifacts/${t}/`;
  mkdirSync(corpus, { recursive: true });
  mkdirSync(artifacts, { recursive: true });
  mkdirSync(`target/fuzz/seeds/${t}`, { recursive: true });
  const started = process.hrtime.bigint();
  const r = spawnSync("cargo", [`+${toolchain}`, "fuzz", "run", "-s", "none", t, corpus,
    `target/fuzz/seeds/${t}`, "--", `-runs=${runs}`, "-max_len=4096", "-timeout=10",
    "-rss_limit_mb=2048", "-print_final_stats=1", `-artifact_prefix=${artifacts}`],
  { encoding: "utf8", maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const log = `${r.stdout}\n${r.stderr}`;
  writeFileSync(`target/fuzz/${t}.log`, log);
  const done = last(log, /^#(\d+)\s+DONE\s+cov: (\d+) ft: (\d+) corp: (\d+)\//gm);
  const executed = last(log, /stat::number_of_executed_units: (\d+)/g);
  const crashes = (log.match(/^==\d+== ERROR: libFuzzer|deadly signal|Test unit written to/gm) ?? []).length;
  const entry = {
    runs,
    executions: Number(executed?.[1] ?? done?.[1] ?? 0),
    coverage: Number(done?.[2] ?? 0),
    features: Number(done?.[3] ?? 0),
    corpus: readdirSync(corpus).length,
    seconds: Math.round(seconds),
    crashes: r.status === 0 ? crashes : Math.max(crashes, 1),
  };
  report.targets[t] = entry;
  const ok = r.status === 0 && entry.crashes === 0 && entry.executions >= runs;
  if (!ok) failed.push(t);
  console.log(`${ok ? "ok  " : "FAIL"} ${t}: ${JSON.stringify(entry)}`);
}
mkdirSync("target/fuzz", { recursive: true });
// Re-read before writing: another narrowed run may have finished meanwhile, and its entries
// must survive (only this run's targets are replaced).
const latest = existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : {};
report.targets = { ...(latest.targets ?? {}), ...Object.fromEntries(targets.map((t) => [t, report.targets[t]])) };
writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
console.log("wrote target/fuzz/report.json");
if (failed.length) {
  console.error(`fuzz: failed: ${failed.join(", ")} (logs in target/fuzz/<target>.log)`);
  process.exit(1);
}
