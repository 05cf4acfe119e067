/// <reference types="vite/client" />
// Shared by the convex-test suites. Its name has two dots, so Convex does not deploy it as a
// function module (it imports convex-test and uses Vite's import.meta.glob, neither of which a
// Convex deployment has).
import { convexTest } from "convex-test";
import { afterEach, beforeEach, vi } from "vitest";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import schema from "./schema";

// Every module Convex deploys from convex/: no name with more than one dot (tests, `.d.ts`
// files, this file). Vite 8's glob has no extglob, so the exclusion is a negative pattern.
export const modules = import.meta.glob(["./**/*.*s", "!./**/*.*.*"]);

export function newTest() {
  return convexTest(schema, modules);
}

/**
 * The errors of the scheduled functions that failed in each test of the file (convex-test reports
 * a failed one on console.error, with its error), under fake timers: emptied before each test.
 */
export function jobFailures(): unknown[] {
  const failures: unknown[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
    failures.length = 0;
    vi.spyOn(console, "error").mockImplementation((_what: unknown, error: unknown) => void failures.push(error));
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });
  return failures;
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

/** The error a call threw (it must throw): for errors that are no `ConvexError` too. */
export async function thrown(call: Promise<unknown>): Promise<Error & { data?: unknown }> {
  try {
    await call;
  } catch (e) {
    return e as Error & { data?: unknown };
  }
  throw new Error("expected the call to throw");
}

const ISSUER = "https://auth.example";

/** Inserts one user row per `[name, role]`, signed in as `${ISSUER}|name`; their ids by name. */
export async function addUsers(
  t: ReturnType<typeof newTest>,
  users: readonly (readonly [string, string])[],
): Promise<Record<string, Id<"users">>> {
  const ids: Record<string, Id<"users">> = {};
  for (const [name, role] of users) {
    ids[name] = await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${name}`, name, role }));
  }
  return ids;
}

/**
 * The deletion flow's world (convex/deletion.ts): users sam (superadmin), ada (admin), uma and
 * zed (users); `request` and `confirm` call the app's functions as `who`, and the audit and
 * code rows can be read back.
 */
export async function setupDeletion() {
  const t = newTest();
  const ids: Record<string, string> = {};
  for (const [subject, role] of [
    ["sam", "superadmin"],
    ["ada", "admin"],
    ["uma", "user"],
    ["zed", "user"],
  ] as const) {
    ids[subject] = await t.run((ctx) =>
      ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${subject}`, name: subject, role }),
    );
  }
  const as = (subject: string) => t.withIdentity({ subject, issuer: ISSUER });
  const request = (who: string, userId: string) =>
    as(who).mutation(api.deletion.requestDeletionCode, { userId: userId as never });
  const confirm = (who: string, userId: string, code: string) =>
    outcome(as(who).action(api.deletion.confirmDeletion, { userId: userId as never, code }));
  const auditRows = () => t.run((ctx) => ctx.db.query("guardAudit").collect());
  const reasons = async () =>
    (await auditRows()).filter((r) => r.action === "confirmation.consume").map((r) => r.outcome);
  const userExists = (id: string) => t.run(async (ctx) => (await ctx.db.get(id as never)) !== null);
  /** The one code row (the table also holds the actor's failure count, under action ""). */
  const codeRow = () =>
    t.run((ctx) => ctx.db.query("guardConfirmations").filter((q) => q.neq(q.field("action"), "")).unique());
  return { t, ids, as, request, confirm, auditRows, reasons, userExists, codeRow };
}
