// Shared by the package tests: run code in a process of its own, so that what happens at
// import (instantiation, randomness) is observed from a clean start.
import { execFileSync } from "node:child_process";

/** Runs an ES module snippet in a fresh Node process and returns its JSON output. */
export function fresh(code) {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", code], {
    cwd: new URL(".", import.meta.url).pathname,
    encoding: "utf8",
  });
  return JSON.parse(out);
}
