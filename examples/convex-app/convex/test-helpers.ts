/// <reference types="vite/client" />
// Shared by the convex-test suites (not a Convex function module: it defines no functions).
import { convexTest } from "convex-test";
import schema from "./schema";

// Every module under convex/ (Vite 8's glob has no extglob, so exclusions are negative patterns).
export const modules = import.meta.glob(["./**/*.*s", "!./**/*.test.ts", "!./**/*.d.ts"]);

export function newTest() {
  return convexTest(schema, modules);
}

/** What a call decided: its value, or the `ConvexError` data it threw. */
export type Outcome = { ok: unknown } | { code: string; message: string };

export async function outcome(call: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: await call };
  } catch (e) {
    const data = (e as { data?: unknown }).data;
    if (data && typeof data === "object" && "code" in data) {
      const { code, message } = data as { code: string; message: string };
      return { code, message };
    }
    throw e; // not a ConvexError: a bug, let the test fail loudly
  }
}
