// Rate-limit rows of `make bench`.
//
// 1. ratelimit_decision_ns: one pure token-bucket decision that consumes and returns the next
//    state, through the installed package's public API for one limit (guard.decideRateLimit:
//    numbers written into the engine's own buffer, one wasm call taking numbers, read back),
//    beside ratelimit_decision_ns_convex_rate_limiter: the pure
//    `calculateRateLimit(state, config, now, count)` exported by @convex-dev/rate-limiter 0.4.0
//    with the same settings, which also decides one limit. Both admit every request (a large
//    bucket, 1 ms apart). ratelimit_batch_decision_ns: the same decision as a batch of one
//    (guard.decideRateLimits, the all-or-nothing call over several limits), reported beside it.
// 2. In convex-test (examples/convex-app/bench/ratelimit.test.ts, run by vitest from the
//    example's directory): documents read and written, and time, per check with 1000 earlier
//    requests in the window, for our one row per key against one row per request.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { calculateRateLimit } from "@convex-dev/rate-limiter";
import { defineGuard } from "convex-guard";

const root = new URL("..", import.meta.url).pathname;
const N = 200_000;
const RATE = 1_000_000;
const PERIOD = 60_000;
/** Issue #8: a pure decision within 3x of `calculateRateLimit`. */
const DECISION_BUDGET_RATIO = 3;

function nsPerOp(step) {
  for (let i = 0; i < N / 10; i++) step(i); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) step(N / 10 + i);
  return Number(process.hrtime.bigint() - start) / N;
}

function decisions() {
  const guard = defineGuard({
    roles: ["user"],
    rateLimits: { api: { kind: "token bucket", rate: RATE, period: PERIOD, capacity: RATE } },
  });
  const t0 = Date.UTC(2026, 0, 1);
  let state = null;
  let denied = 0;
  const ours = nsPerOp((i) => {
    const o = guard.decideRateLimit("api", state, t0 + i, { count: 1 });
    if (o.ok) state = o.state;
    else denied++;
  });
  let batchState = null;
  const batch = nsPerOp((i) => {
    const [o] = guard.decideRateLimits([{ name: "api", state: batchState, count: 1 }], t0 + i).outcomes;
    if (o.ok) batchState = o.state;
    else denied++;
  });
  const config = { kind: "token bucket", rate: RATE, period: PERIOD, capacity: RATE };
  let theirs = null;
  const competitor = nsPerOp((i) => {
    const r = calculateRateLimit(theirs, config, t0 + i, 1);
    if (r.value >= 0) theirs = { value: r.value, ts: r.ts };
    else denied++;
  });
  if (denied > 0) throw new Error("the decision bench must admit every request");
  return { ratelimit_decision_ns: ours, ratelimit_batch_decision_ns: batch, ratelimit_decision_ns_convex_rate_limiter: competitor };
}

function convexTest() {
  mkdirSync(`${root}target/bench`, { recursive: true });
  const out = `${root}target/bench/ratelimit-convex.json`;
  execFileSync("npx", ["vitest", "run", "--config", "vitest.bench.config.mts"], {
    cwd: `${root}examples/convex-app`,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, BENCH_OUT: out },
  });
  return JSON.parse(readFileSync(out, "utf8"));
}

export const name = "rate limits";

/** Rows for bench/run.mjs: each competitor row names our metric, so the runner prints ratios. */
export async function run() {
  const d = decisions();
  const c = convexTest();
  const rows = [
    {
      key: "ratelimit_decision_ns",
      value: d.ratelimit_decision_ns,
      unit: "ns",
      target: {
        text: `<= ${DECISION_BUDGET_RATIO}x ratelimit_decision_ns_convex_rate_limiter`,
        pass: d.ratelimit_decision_ns <= DECISION_BUDGET_RATIO * d.ratelimit_decision_ns_convex_rate_limiter,
      },
    },
    { key: "ratelimit_batch_decision_ns", value: d.ratelimit_batch_decision_ns, unit: "ns" },
    {
      key: "ratelimit_decision_ns_convex_rate_limiter",
      value: d.ratelimit_decision_ns_convex_rate_limiter,
      unit: "ns",
      ours: "ratelimit_decision_ns",
    },
  ];
  for (const what of ["docs_read_per_check", "docs_written_per_check", "check_ms"]) {
    const unit = what === "check_ms" ? "ms" : "docs";
    rows.push({ key: `ratelimit_${what}`, value: c[`ratelimit_${what}`], unit });
    rows.push({
      key: `ratelimit_${what}_row_per_request`,
      value: c[`ratelimit_${what}_row_per_request`],
      unit,
      ours: `ratelimit_${what}`,
    });
  }
  const notes = [
    "ratelimit_decision_ns goes through the public API for one limit, decideRateLimit (write into " +
      "the engine's buffer, one wasm call with numbers, read back, build the outcome); " +
      "ratelimit_batch_decision_ns is the same decision through decideRateLimits (a batch of one); " +
      "calculateRateLimit is a plain JS function on a plain object",
    "documents read are counted by a proxy around ctx.db in the convex-test bench functions",
  ];
  return { rows, notes };
}
