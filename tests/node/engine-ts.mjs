// js/engine.ts (the loader, and the engine objects it re-exports), bundled as it is written
// over the built engine (js/generated/wasm-base64.js), for tests that reach below the
// TypeScript layer: the raw objects, their errors (code and parts, message unfilled).
import { mkdirSync } from "node:fs";
import { build } from "esbuild";

const root = new URL("../../", import.meta.url).pathname;
mkdirSync(`${root}target/tests`, { recursive: true });
const outfile = `${root}target/tests/engine.mjs`;
await build({
  entryPoints: [`${root}js/engine.ts`],
  bundle: true,
  format: "esm",
  platform: "neutral",
  external: ["convex", "convex/*"],
  outfile,
  logLevel: "warning",
});
export const { AccessEngine, AccessLevelsBuilder, CodeEngine, CompiledPolicy, PolicyBuilder, RateLimiter, engine, live, discardUnlessOwn } =
  await import(outfile);
