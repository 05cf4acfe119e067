import { defineConfig } from "vitest/config";

// `make demo`: runs demo/scenario.test.ts and lets it print each call and its decision.
export default defineConfig({
  test: {
    environment: "edge-runtime",
    include: ["demo/**/*.test.ts"],
    server: { deps: { inline: ["convex-test"] } },
    disableConsoleIntercept: true,
    reporters: ["dot"],
  },
});
