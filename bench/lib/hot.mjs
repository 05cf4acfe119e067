// Hot-path measurement: the cost of one decision once everything is loaded and the JIT is warm.
//
// Each case is a `check(subject, arg)` function and a list of (subject, arg, expected) probes.
// The loop cycles through the probes (so neither the subject nor the argument is a constant the
// JIT could fold), counts the allowed decisions and compares the count with the expected one,
// so a wrong answer or a call optimised away fails the benchmark instead of looking fast.
//
// Every case gets its own copy of the loop, compiled from source with `new Function`: closures
// created from one function literal share V8's feedback, so a shared loop would see every
// library at its `check(...)` call site, turn polymorphic and slow them all down unevenly.
// With one copy per case each call site is monomorphic and the check can be inlined, as it
// would be in an application's own code.
import { performance } from "node:perf_hooks";
import { summarize } from "./stats.mjs";

const LOOP_SOURCE = `
  let allowed = 0;
  for (let i = 0; i < n; i++) {
    const k = i & mask;
    if (check(subjects[k], args[k])) allowed++;
  }
  return allowed;
`;

/**
 * The probes repeated and cut to a power-of-two length, so that the loop can index them with a
 * mask (every probe appears at least once, some twice).
 */
function cycle(probes) {
  let length = 1;
  while (length < probes.length) length *= 2;
  return Array.from({ length }, (_, i) => probes[i % probes.length]);
}

function prepare({ name, check, probes }) {
  const cycled = cycle(probes);
  const c = {
    name,
    check,
    loop: new Function("check", "subjects", "args", "mask", "n", LOOP_SOURCE),
    subjects: cycled.map((p) => p.subject),
    args: cycled.map((p) => p.arg),
    mask: cycled.length - 1,
    allowedPerCycle: cycled.filter((p) => p.expected).length,
    samples: [],
  };
  // Correctness first: every probe, one by one, then one full cycle through the loop.
  for (const p of probes) {
    const got = check(p.subject, p.arg);
    if (got !== p.expected) {
      throw new Error(`${name}: check(${describe(p.subject)}, ${describe(p.arg)}) = ${got}, expected ${p.expected}`);
    }
  }
  run(c, cycled.length);
  return c;
}

function describe(value) {
  try {
    return JSON.stringify(value).slice(0, 80);
  } catch {
    return value?.constructor?.name ?? String(value);
  }
}

/** Runs `n` calls (n a multiple of the cycle length) and returns the elapsed milliseconds. */
function run(c, n) {
  const t0 = performance.now();
  const allowed = c.loop(c.check, c.subjects, c.args, c.mask, n);
  const ms = performance.now() - t0;
  const expected = (n / (c.mask + 1)) * c.allowedPerCycle;
  if (allowed !== expected) throw new Error(`${c.name}: ${allowed} decisions allowed, expected ${expected}`);
  return ms;
}

/**
 * Measures every case in this process: warm-up and calibration per case (enough calls for a
 * batch of about `batchMs`), then `batches` batches taken round-robin across the cases.
 * Returns name → summary of ns per call over the batches.
 */
export function measureHot(cases, { batches = 9, batchMs = 30, warmupMs = 150 } = {}) {
  const prepared = cases.map(prepare);
  for (const c of prepared) {
    let n = c.mask + 1;
    let spent = 0;
    for (;;) {
      const ms = run(c, n);
      spent += ms;
      if (ms >= batchMs / 4 && spent >= warmupMs) {
        c.n = Math.max(c.mask + 1, Math.round((n * batchMs) / ms / (c.mask + 1)) * (c.mask + 1));
        break;
      }
      if (ms < batchMs / 4) n *= 2;
    }
  }
  for (let b = 0; b < batches; b++) {
    for (const c of prepared) c.samples.push((run(c, c.n) * 1e6) / c.n);
  }
  return new Map(prepared.map((c) => [c.name, summarize(c.samples)]));
}
