// Benchmark module: shared-access resolution (the `access` slice of convex-guard).
//
//   access_batch_ns_per_doc            100 documents (10 folders, 90 documents in them, direct,
//                                      group and expired grants) resolved by `guard.resolveAccess`
//                                      in one engine call, facts already gathered, per document
//   access_batch_ns_per_doc_plain_ts   the same facts through a plain TypeScript resolver with
//                                      the same rules (bench/access-plain.ts)
//
// Both answers are compared first, document by document: a wrong answer fails the benchmark.
// The cost of reading the facts from Convex (one get and 1 + groups index ranges per document)
// is not measured here; it dominates in a real request (see docs/access.md: "What it costs").
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { summarize } from "./lib/stats.mjs";

export const name = "access";

const DOCS = 100;

/** The batch: caller "me" in groups g0..g2; folders f0..f9, each holding nine documents. */
export function batchFacts() {
  const documents = [];
  for (let f = 0; f < 10; f++) {
    const grants = f % 3 === 0 ? [{ to: "g1", kind: "group", level: "editor" }] : [];
    documents.push({ id: `f${f}`, owner: f === 0 ? "me" : "other", visibility: "private", parent: null, grants });
  }
  for (let i = 0; documents.length < DOCS; i++) {
    const grants = [];
    if (i % 4 === 0) grants.push({ to: "me", kind: "direct", level: "commenter" });
    if (i % 5 === 0) grants.push({ to: "me", kind: "direct", level: "editor", expiresAt: 1_000 });
    if (i % 7 === 0) grants.push({ to: "g2", kind: "group", level: "viewer", expiresAt: 9e12 });
    if (i % 11 === 0) grants.push({ to: "someone", kind: "direct", level: "editor" });
    documents.push({
      id: `d${i}`,
      owner: i % 13 === 0 ? "me" : "other",
      visibility: i % 6 === 0 ? "public" : "private",
      parent: `f${i % 10}`,
      grants,
    });
  }
  return { now: 1_767_225_600_000, caller: "me", groups: ["g0", "g1", "g2"], documents };
}

export async function run({ root, outDir, quick }) {
  const { defineGuard } = await import(pathToFileURL(`${root}/pkg/index.js`).href);
  const guard = defineGuard({ roles: ["user"] });
  const outfile = `${outDir}/access-plain.mjs`;
  await build({ entryPoints: [`${root}/bench/access-plain.ts`], outfile, bundle: true, format: "esm", platform: "node", logLevel: "error" });
  const { makeResolver } = await import(pathToFileURL(outfile).href);
  const plain = makeResolver(["viewer", "commenter", "editor", "owner"], "viewer");

  const facts = batchFacts();
  assert.deepEqual(plain(facts), guard.resolveAccess(facts), "the plain resolver and the engine disagree");

  const cases = [
    { name: "guard", f: () => guard.resolveAccess(facts) },
    { name: "plain", f: () => plain(facts) },
  ];
  const batches = quick ? 5 : 15;
  const batchMs = quick ? 15 : 40;
  for (const c of cases) {
    c.samples = [];
    c.n = 1;
    // Warm up and calibrate: enough calls for a batch of about batchMs.
    for (let spent = 0; ; ) {
      const t0 = performance.now();
      for (let i = 0; i < c.n; i++) c.f();
      const ms = performance.now() - t0;
      spent += ms;
      if (ms >= batchMs / 4 && spent >= 100) {
        c.n = Math.max(1, Math.round((c.n * batchMs) / ms));
        break;
      }
      if (ms < batchMs / 4) c.n *= 2;
    }
  }
  let sink = 0;
  for (let b = 0; b < batches; b++) {
    for (const c of cases) {
      const t0 = performance.now();
      for (let i = 0; i < c.n; i++) sink += c.f().length;
      c.samples.push(((performance.now() - t0) * 1e6) / c.n / DOCS);
    }
  }
  assert.ok(sink > 0);
  const row = (key, c, extra = {}) => {
    const s = summarize(c.samples);
    return { key, value: s.median, unit: "ns", spread: s, ...extra };
  };
  return {
    rows: [
      row("access_batch_ns_per_doc", cases[0]),
      row("access_batch_ns_per_doc_plain_ts", cases[1], { ours: "access_batch_ns_per_doc" }),
    ],
    notes: [],
  };
}
