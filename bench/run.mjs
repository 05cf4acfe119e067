// `make bench`: sizes and speeds of convex-guard against the named competitors.
//
//   node bench/run.mjs [--quick] [--only=policy,rate]
//     --quick or BENCH_QUICK=1: fewer runs, for development; --only: the modules whose name
//     starts with one of the given words, reported to target/bench/report-only.json instead
//
// Prints a table and writes target/bench/report.json, a flat JSON object: the machine
// (node_version, cpu, ...), then every metric under its key, plus for some keys
//   <key>_ratio    our metric ÷ this competitor's (below 1: we are smaller / faster)
//   <key>_target   "PASS" or "FAIL" against the budget shown in the table.
// A missed target is reported, never an exit code; a benchmark that cannot run or gets a wrong
// answer from any library fails loudly.
//
// A bench module exports `name` and `async run({ root, outDir, quick })` returning
// `{ rows, notes }`. A row is
//   { key, value, unit: "B" | "ms" | "ns" | "docs" | "modules",
//     spread?: { p10, p90, n },          the sample's spread, shown next to the median
//     ours?: "<key of our metric>",      marks a competitor's row: prints and reports the ratio
//     target?: { text, pass } }          a budget: shown as PASS/FAIL
// and notes are strings worth a reader's attention (printed after the table, and reported).
// To add a slice (access, rate limits, codes): write bench/<slice>.mjs and list it in MODULES.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import * as access from "./access.mjs";
import * as audit from "./audit.mjs";
import * as browser from "./browser.mjs";
import * as codes from "./codes.mjs";
import * as policy from "./policy.mjs";
import * as ratelimit from "./ratelimit.mjs";
import * as reuse from "./reuse.mjs";

const ALL_MODULES = [policy, ratelimit, codes, access, audit, browser, reuse];
const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",");
const MODULES = only === undefined ? ALL_MODULES : ALL_MODULES.filter((m) => only.some((w) => m.name.startsWith(w)));
const reportFile = only === undefined ? "report.json" : "report-only.json";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const outDir = `${root}/target/bench`;
const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";

const started = performance.now();
mkdirSync(outDir, { recursive: true });

const report = {
  node_version: process.version,
  cpu: os.cpus()[0]?.model ?? "unknown",
  cpu_count: os.cpus().length,
  platform: `${os.platform()} ${os.arch()}`,
  commit: gitCommit(),
  date: new Date().toISOString(),
  quick,
};
const sections = [];
const notes = [];

for (const module of MODULES) {
  const result = await module.run({ root, outDir, quick });
  sections.push({ name: module.name, rows: result.rows });
  notes.push(...result.notes.map((n) => `${module.name}: ${n}`));
  const values = Object.fromEntries(result.rows.map((r) => [r.key, r.value]));
  for (const row of result.rows) {
    for (const key of [row.key, `${row.key}_ratio`, `${row.key}_target`]) {
      if (key in report) throw new Error(`${module.name}: the report already has a '${key}'`);
    }
    report[row.key] = round(row.value, row.unit);
    if (row.ours !== undefined) row.ratio = report[`${row.key}_ratio`] = round(values[row.ours] / row.value, "ratio");
    if (row.target !== undefined) report[`${row.key}_target`] = row.target.pass ? "PASS" : "FAIL";
  }
}
if (notes.length > 0) report.notes = notes.join(" | ");

writeFileSync(`${outDir}/${reportFile}`, `${JSON.stringify(report, null, 2)}\n`);
printTable();
console.log(`\nwrote target/bench/${reportFile} in ${((performance.now() - started) / 1000).toFixed(1)} s`);

// -----------------------------------------------------------------------------------------

function round(value, unit) {
  const digits = { B: 0, modules: 0, ms: 3, ns: 1, ratio: 3 }[unit] ?? 3;
  return Number(value.toFixed(digits));
}

function show(value, unit) {
  if (unit === "B") return `${value} B`;
  if (unit === "modules") return `${value} modules`;
  if (unit === "docs") return `${Number.isInteger(value) ? value : value.toFixed(1)} docs`;
  const digits = unit === "ms" ? (value < 1 ? 3 : value < 10 ? 2 : 1) : value < 100 ? 1 : 0;
  return `${value.toFixed(digits)} ${unit}`;
}

function printTable() {
  const header = ["metric", "median", "p10 .. p90", "ours ÷ this", "target"];
  const lines = [];
  for (const section of sections) {
    lines.push({ section: section.name });
    for (const r of section.rows) {
      const spread =
        r.spread === undefined
          ? ""
          : r.spread.n === 1
            ? "(1 sample)"
            : `${show(r.spread.p10, r.unit)} .. ${show(r.spread.p90, r.unit)}`;
      lines.push([
        r.key,
        show(r.value, r.unit),
        spread,
        r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}x`,
        r.target === undefined ? "" : `${r.target.pass ? "PASS" : "FAIL"}  ${r.target.text}`,
      ]);
    }
  }
  const cells = [header, ...lines.filter(Array.isArray)];
  const widths = header.map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  const format = (c) => c.map((cell, i) => (i === 1 || i === 3 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ");
  const rule = "-".repeat(widths.reduce((a, b) => a + b + 2, -2));

  console.log(`convex-guard bench  node ${report.node_version}  ${report.cpu} x${report.cpu_count}  ${report.platform}` +
    `  commit ${report.commit}${quick ? "  (quick)" : ""}`);
  console.log(format(header));
  for (const line of lines) {
    if (Array.isArray(line)) console.log(format(line).trimEnd());
    else console.log(`${rule}\n[${line.section}]`);
  }
  if (notes.length > 0) {
    console.log("\nnotes:");
    for (const n of notes) console.log(`  - ${n}`);
  }
}

function gitCommit() {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}
