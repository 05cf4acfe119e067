// Fresh-context measurement: what one Convex request pays to load a library and make its first
// decision.
//
// Convex bundles every function file with esbuild (format esm, platform browser, conditions
// ["convex", "module"], minified) and evaluates the bundle in a brand-new V8 context on every
// request (see /work/shared/convex-runtime.md). We reproduce that in-process:
//
//   1. bundle a tiny entry module per library the same way, as an IIFE so that `vm` can run it
//      as a classic script (the entry does import + define + first decision at evaluation time
//      and exports the decision as `result`);
//   2. for each run, create a new `vm` context holding only web-standard globals (not timed),
//      then time `vm.runInContext(bundleText)` from the host;
//   3. check the returned decision, so a broken or optimised-away job cannot look fast.
//
// Caches. V8 keeps, per process (per isolate in Convex), a compilation cache for scripts (same
// source text) and a native-module cache for wasm (same bytes), and both hold their entries
// weakly: they hit while an earlier context using them is still alive, and are emptied by a full
// garbage collection once none is. So two modes are measured:
//   steady     no forced collection: a run finds what the previous requests left (the usual
//              case for a busy isolate, and the one the targets use);
//   after_gc   a full collection before each run: the previous request is gone and the caches
//              are cold (wasm compiled again, JS parsed and compiled again).
// Between runs the harness yields to the event loop, so that the tasks Convex would run between
// requests (FinalizationRegistry clean-ups among them) do run.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import vm from "node:vm";
import { build } from "esbuild";
import { summarize } from "./stats.mjs";

export const GLOBAL_NAME = "__benchEntry";

// A way to force a full collection (outside the timed region) without a node flag.
setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");

/**
 * An esbuild plugin resolving the bare package `name` to the folder `dir` as if `dir` were
 * installed (through its package.json `exports`, with the build's conditions), whatever else
 * node_modules holds. It links `dir` into `${work}/node_modules/` and resolves from there.
 */
export function linkedPackage(name, dir, work) {
  const link = `${work}/node_modules/${name}`;
  mkdirSync(`${work}/node_modules`, { recursive: true });
  rmSync(link, { recursive: true, force: true }); // removes a previous link, not its target
  symlinkSync(dir, link, "dir");
  const filter = new RegExp(`^${escapeRegExp(name)}(/|$)`);
  return {
    name: `link-${name}`,
    setup(build) {
      build.onResolve({ filter }, (args) =>
        args.pluginData === "linked"
          ? undefined
          : build.resolve(args.path, { kind: args.kind, resolveDir: work, pluginData: "linked" }),
      );
    },
  };
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Bundles `entry` the way Convex bundles a function file and returns script text whose
 * completion value is the entry's exported `result`.
 * @param {string} entry absolute path of the entry module
 * @param {{ root: string, plugins?: object[], saveAs?: string }} options
 *   root: resolution root; plugins: esbuild plugins (e.g. linkedPackage); saveAs: where to
 *   write the bundle, for inspection.
 */
/** How an entry is bundled for a context: as Convex bundles a function file, as an IIFE. */
export const CONTEXT_BUNDLE = {
  bundle: true,
  write: false,
  format: "iife", // Convex emits esm; an IIFE is the same code, runnable as a vm script.
  globalName: GLOBAL_NAME,
  platform: "browser",
  conditions: ["convex", "module"],
  minify: true,
  treeShaking: true,
  legalComments: "none",
  logLevel: "error",
};

export async function bundleForContext(entry, { root, plugins = [], saveAs }) {
  const out = await build({ ...CONTEXT_BUNDLE, entryPoints: [entry], absWorkingDir: root, plugins });
  const text = `${out.outputFiles[0].text}\n${GLOBAL_NAME}.result;\n`;
  if (saveAs) {
    mkdirSync(dirname(saveAs), { recursive: true });
    writeFileSync(saveAs, text);
  }
  return text;
}

/**
 * A new context with only the globals a Convex isolate (and a browser) offers: no process, no
 * Buffer, no require. The context keeps its own intrinsics, among them its own `WebAssembly`
 * and `Uint8Array`, as a fresh Convex context does.
 *
 * With `fromBase64`, the context's `Uint8Array.fromBase64` is provided: Convex's V8 runs with
 * --js-base-64, Node 20 lacks it. It is native there, so ours must be fast too: the host's
 * Buffer does the decoding (through a closure; `Buffer` itself stays invisible to the context).
 * Without it the package must fall back to `atob` and a byte loop.
 */
export function bareContext({ fromBase64 }) {
  const context = vm.createContext({
    atob,
    btoa,
    TextEncoder,
    TextDecoder,
    crypto: { getRandomValues: (b) => crypto.getRandomValues(b), subtle: crypto.subtle },
    URL,
    console,
  });
  if (fromBase64) {
    const U8 = vm.runInContext("Uint8Array", context);
    Object.defineProperty(U8, "fromBase64", {
      value: function fromBase64(text) {
        const b = Buffer.from(text, "base64");
        return new U8(b.buffer, b.byteOffset, b.byteLength);
      },
      writable: true,
      configurable: true,
    });
  }
  return context;
}

/**
 * Wraps the context's decoders and WebAssembly constructors with timers, to split the
 * package's first-use cost into decode, compile and instantiate. Adds a little overhead of its
 * own, so these runs are kept apart from the plain timed runs.
 *
 * decode is the time from the first call of the decoder (`Uint8Array.fromBase64` or `atob`) to
 * the start of `new WebAssembly.Module`: on the atob path it includes the package's own
 * string-to-bytes loop, which runs right after `atob` returns (`decoder` is atob alone).
 */
export function probeWasm(context) {
  const marks = {
    decoders: [], // which decoders were called, in order
    decodeStart: NaN,
    decoder: 0, // time inside the decoder calls themselves
    compileStart: NaN,
    compile: 0,
    instantiate: 0,
    instantiateEnd: NaN,
  };
  const timed = (name, decode) => (text) => {
    const t0 = performance.now();
    if (marks.decoders.push(name) === 1) marks.decodeStart = t0;
    const bytes = decode(text);
    marks.decoder += performance.now() - t0;
    return bytes;
  };
  const U8 = vm.runInContext("Uint8Array", context);
  if (typeof U8.fromBase64 === "function") U8.fromBase64 = timed("fromBase64", U8.fromBase64);
  context.atob = timed("atob", context.atob);

  const wa = vm.runInContext("WebAssembly", context);
  const { Module, Instance } = wa;
  function TimedModule(bytes) {
    const t0 = (marks.compileStart = performance.now());
    const module = new Module(bytes);
    marks.compile += performance.now() - t0;
    return module;
  }
  TimedModule.prototype = Module.prototype; // keeps `x instanceof WebAssembly.Module` true
  function TimedInstance(module, imports) {
    const t0 = performance.now();
    const instance = new Instance(module, imports);
    marks.instantiateEnd = performance.now();
    marks.instantiate += marks.instantiateEnd - t0;
    return instance;
  }
  TimedInstance.prototype = Instance.prototype;
  wa.Module = TimedModule;
  wa.Instance = TimedInstance;
  return marks;
}

/**
 * Runs every case `runs` times (after `warmup` untimed runs), round-robin so that drift in
 * machine speed and garbage-collection pressure spread evenly over the cases, and returns each
 * case's samples (milliseconds) summarized. With `afterGc`, a full collection precedes each run.
 *
 * A case: { name, code (from bundleForContext), expected (the first decision), context() → a
 * fresh vm context, probe?: probeWasm, onRun?: (marks, { start, end }) → void }.
 */
export async function measureFresh(cases, { runs, warmup, afterGc = false }) {
  const samples = new Map(cases.map((c) => [c.name, []]));
  for (let run = -warmup; run < runs; run++) {
    for (const c of cases) {
      await new Promise(setImmediate);
      const context = c.context();
      if (run === -warmup) assertBare(context, c.name);
      const marks = c.probe?.(context);
      if (afterGc) gc();
      const { start, end } = request(c, context);
      if (run < 0) continue;
      samples.get(c.name).push(end - start);
      c.onRun?.(marks, { start, end });
    }
  }
  return new Map([...samples].map(([name, values]) => [name, summarize(values)]));
}

/**
 * Runs the cases back to back as a busy isolate would serve them: `rounds` rounds, each running
 * every case `block` times in a row (a new context each, yielding to the event loop between
 * requests), and returns each case's MEAN time per request. The median of `measureFresh` leaves
 * out the runs a garbage collection lands in; under sustained load every request pays its share
 * of them, and what a request allocates (its objects, the wasm memory the engine's instance
 * holds outside the JS heap) decides how often they come. Blocks of one case keep each case's
 * collections mostly on its own runs; round-robin spreads machine drift over the cases.
 */
export async function measureSustained(cases, { rounds, block }) {
  const totals = new Map(cases.map((c) => [c.name, 0]));
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      let total = 0;
      for (let i = 0; i < block; i++) {
        await new Promise(setImmediate);
        const { start, end } = request(c, c.context());
        total += end - start;
      }
      totals.set(c.name, totals.get(c.name) + total);
    }
  }
  return new Map([...totals].map(([name, total]) => [name, total / (rounds * block)]));
}

/**
 * One request of case `c` in `context`, timed from the host: the bundle evaluated, its first
 * decision checked (a broken or optimised-away job cannot look fast).
 */
function request(c, context) {
  const start = performance.now();
  const result = vm.runInContext(c.code, context, { filename: `${c.name}.bundle.js` });
  const end = performance.now();
  if (result !== c.expected) {
    throw new Error(`${c.name}: the first decision was ${String(result)}, expected ${c.expected}`);
  }
  return { start, end };
}

/** Fails if a context offers what a Convex isolate does not (Node's globals). */
function assertBare(context, name) {
  for (const global of ["process", "Buffer", "require", "module", "global", "setImmediate"]) {
    if (vm.runInContext(`typeof ${global}`, context) !== "undefined") {
      throw new Error(`${name}: the context exposes Node's '${global}'`);
    }
  }
}
