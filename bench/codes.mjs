// Benchmark module: confirmation codes (issue #5).
//
//   code_issue_ns          one 8-digit code from the engine (`defineCodes().generate()`: random
//                          bytes drawn in the call, rejection sampling in wasm, string back)
//   code_issue_ns_nanoid   nanoid 5.1.6's customAlphabet("0123456789", 8)() doing the same
//   code_issue_full_us     a whole issue without storage: generate, binding message, HMAC-SHA-256
//                          with crypto.subtle (key import included), record
//   code_verify_us         a whole check: canonical form, message, HMAC, constant-time verify
//
// Like the other bench modules it exports `name` and `run(env)` returning { rows, notes }.
// Run alone: `node bench/codes.mjs` (after `make build`).
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { customAlphabet } from "nanoid";

export const name = "codes";


/** Median ns per call of `f` over `batches` batches of `n` calls, after a warm-up. */
function timeSync(f, { n = 20_000, batches = 15 } = {}) {
  for (let i = 0; i < n; i++) f();
  const samples = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    samples.push(((performance.now() - t0) * 1e6) / n);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[samples.length >> 1], p10: samples[Math.floor(batches * 0.1)], p90: samples[Math.floor(batches * 0.9)], n: batches };
}

async function timeAsync(f, { n = 500, batches = 9 } = {}) {
  for (let i = 0; i < n; i++) await f();
  const samples = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await f();
    samples.push(((performance.now() - t0) * 1e3) / n);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[samples.length >> 1], p10: samples[Math.floor(batches * 0.1)], p90: samples[Math.floor(batches * 0.9)], n: batches };
}

export async function run({ root, quick }) {
  const { defineCodes, signCode } = await import(pathToFileURL(`${root}/pkg/index.js`).href);
  const notes = [];
  const codes = defineCodes(); // 8 digits
  const nanoid = customAlphabet("0123456789", 8);
  // Correctness first: both give 8 digits.
  for (const f of [() => codes.generate(), nanoid]) {
    if (!/^\d{8}$/.test(f())) throw new Error("a generator did not give 8 digits");
  }
  const sizes = quick ? { n: 5_000, batches: 7 } : {};
  const ours = timeSync(() => codes.generate(), sizes);
  const theirs = timeSync(nanoid, sizes);

  const secret = "bench-secret-0123456789abcdef0123456789abcdef";
  const binding = { actor: "https://auth.example|user_42", action: "delete:account", target: "accounts:7" };
  const asyncSizes = quick ? { n: 100, batches: 5 } : {};
  let last;
  const full = await timeAsync(async () => {
    const code = codes.generate();
    const hash = await signCode(secret, codes.message(binding, code));
    last = { code, record: codes.issue(hash, Date.now()) };
  }, asyncSizes);
  const verify = await timeAsync(async () => {
    const typed = codes.message(binding, last.code, { typed: true });
    const v = codes.verify(last.record, await signCode(secret, typed), Date.now());
    if (v.outcome !== "accepted") throw new Error(`verify gave ${v.outcome}`);
  }, asyncSizes);

  if (ours.median > 2 * theirs.median) {
    notes.push("code_issue_ns is more than 2x nanoid: one wasm call with a string return vs. a JS loop");
  }
  const ns = (key, s, extra = {}) => ({ key, value: s.median, unit: "ns", spread: s, ...extra });
  const us = (key, s) => ({ key, value: s.median, unit: "us", spread: s });
  return {
    rows: [
      ns("code_issue_ns", ours),
      ns("code_issue_ns_nanoid", theirs, { ours: "code_issue_ns" }),
      us("code_issue_full_us", full),
      us("code_verify_us", verify),
    ],
    notes,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const { rows, notes } = await run({ root, quick: process.argv.includes("--quick") });
  for (const r of rows) {
    const spread = r.spread ? ` (p10 ${r.spread.p10.toFixed(1)}, p90 ${r.spread.p90.toFixed(1)})` : "";
    const target = r.target ? `  target ${r.target.text}: ${r.target.pass ? "pass" : "FAIL"}` : "";
    console.log(`${r.key.padEnd(24)} ${(typeof r.value === "number" && !Number.isInteger(r.value) ? r.value.toFixed(1) : r.value).toString().padStart(10)} ${r.unit}${spread}${target}`);
  }
  for (const n of notes) console.log(`note: ${n}`);
}
