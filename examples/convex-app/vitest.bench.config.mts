import { defineConfig } from "vitest/config";

// `make bench` (bench/ratelimit.mjs): convex-test measurements, written to $BENCH_OUT.
export default defineConfig({
  test: {
    environment: "edge-runtime",
    include: ["bench/**/*.test.ts"],
    server: { deps: { inline: ["convex-test"] } },
    testTimeout: 120_000,
  },
});
