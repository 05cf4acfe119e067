// The pure rate-limit decision of two builds of the package, measured in ONE run (the machine
// is shared and noisy: numbers from separate runs do not compare), beside the competitor:
//
//   node bench/rate-compare.mjs BEFORE_PKG_DIR [AFTER_PKG_DIR=pkg] [--rounds=N]
//
// Each round times, in turn, each build's `guard.decideRateLimits` and @convex-dev/rate-limiter's
// `calculateRateLimit` the way bench/ratelimit.mjs `decisions()` does (the same `nsPerOp` and
// steps: a token bucket that admits every request, 1 ms apart); it prints each one's median ns
// per decision over the rounds, its spread (min and max) and its ratio to the competitor's
// median. Compare the builds with each other: the ratios are not `make bench`'s, whose
// `nsPerOp` sees two steps, one after the other, where this one sees three, in turn.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { calculateRateLimit } from "@convex-dev/rate-limiter";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const dirs = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const rounds = Number(process.argv.find((a) => a.startsWith("--rounds="))?.slice(9) ?? 15);
if (dirs.length < 1) throw new Error("usage: node bench/rate-compare.mjs BEFORE_PKG_DIR [AFTER_PKG_DIR]");
const builds = { before: resolve(dirs[0]), after: resolve(dirs[1] ?? `${root}/pkg`) };
const N = 200_000;
const RATE = 1_000_000;
const PERIOD = 60_000;
const t0 = Date.UTC(2026, 0, 1);

/** As bench/ratelimit.mjs. */
function nsPerOp(step) {
  for (let i = 0; i < N / 10; i++) step(i); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) step(N / 10 + i);
  return Number(process.hrtime.bigint() - start) / N;
}

let denied = 0;
const cases = [];
for (const [name, dir] of Object.entries(builds)) {
  const { defineGuard } = await import(pathToFileURL(`${dir}/index.js`).href);
  const guard = defineGuard({
    roles: ["user"],
    rateLimits: { api: { kind: "token bucket", rate: RATE, period: PERIOD, capacity: RATE } },
  });
  let state = null;
  let base = 0; // each round goes on in time from where the last one ended
  const step = (i) => {
    const [o] = guard.decideRateLimits([{ name: "api", state, count: 1 }], t0 + base + i).outcomes;
    if (o.ok) state = o.state;
    else denied++;
  };
  cases.push({ name, step, next: () => (base += N + N / 10), ns: [] });
}
{
  const config = { kind: "token bucket", rate: RATE, period: PERIOD, capacity: RATE };
  let theirs = null;
  let base = 0;
  const step = (i) => {
    const r = calculateRateLimit(theirs, config, t0 + base + i, 1);
    if (r.value >= 0) theirs = { value: r.value, ts: r.ts };
    else denied++;
  };
  cases.push({ name: "calculateRateLimit", step, next: () => (base += N + N / 10), ns: [] });
}

for (let r = 0; r < rounds; r++) {
  for (const c of cases) {
    c.ns.push(nsPerOp(c.step));
    c.next();
  }
}
if (denied > 0) throw new Error("the decision bench must admit every request");
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const theirs = median(cases.at(-1).ns);
for (const c of cases) {
  const m = median(c.ns);
  console.log(
    `${c.name.padEnd(18)} median ${m.toFixed(1).padStart(6)} ns  min ${Math.min(...c.ns).toFixed(1).padStart(6)}  max ${Math.max(...c.ns).toFixed(1).padStart(6)}  x${(m / theirs).toFixed(2)}`,
  );
}
