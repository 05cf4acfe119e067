// js/engine.ts (the loader, and the engine objects it re-exports), bundled as it is written
// over the built engine (js/generated/wasm-base64.js), for tests that reach below the
// TypeScript layer: the raw objects, their errors (code and parts, message unfilled).
import { mkdirSync, rmSync } from "node:fs";
import { build } from "esbuild";

const root = new URL("../../", import.meta.url).pathname;
mkdirSync(`${root}target/tests`, { recursive: true });
// One file per process: test files run in parallel, and each imports this module.
const outfile = `${root}target/tests/engine-${process.pid}.mjs`;
await build({
  entryPoints: [`${root}js/engine.ts`],
  bundle: true,
  format: "esm",
  platform: "neutral",
  external: ["convex", "convex/*"],
  outfile,
  logLevel: "warning",
});
const engineTs = await import(outfile);
rmSync(outfile);
export const { AccessEngine, AccessLevelsBuilder, CodeEngine, CompiledPolicy, PolicyBuilder, RateLimiter, engine, enter, leave, live, discardUnlessOwn, input, text, checked } =
  engineTs;
