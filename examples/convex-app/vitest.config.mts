import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "edge-runtime",
    // A hang guard, not a speed test: the 1000-request storage tests take seconds on a shared,
    // loaded machine and must not fail for that (times are measured by make bench only).
    testTimeout: 60_000,
    include: ["convex/**/*.test.ts"],
    server: { deps: { inline: ["convex-test"] } },
  },
});
