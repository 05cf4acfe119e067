// Shared by the demo sections: print one call and what the guard decided.
import type { Outcome } from "../convex/test.setup";

export const ISSUER = "https://auth.example";

export function show(who: string, call: string, result: Outcome): Outcome {
  const decided =
    "ok" in result ? `allowed -> ${JSON.stringify(result.ok)}` : `${result.code}: ${result.message}`;
  console.log(`  ${who.padEnd(22)} ${call.padEnd(34)} ${decided}`);
  return result;
}
