/// <reference types="vite/client" />
// `make bench`: documents read and written, and time, per rate-limit check in convex-test with
// 1000 earlier requests in the window: convex-guard's one row per key against the pattern it
// replaces (one row per request, every row of the window read on each check).
//
// Documents are counted by a proxy around `ctx.db` inside each check: every document a query
// returns (`collect`, `unique`, `first`, `take`) or `get` finds counts as read; every insert,
// patch, replace or delete as written. Both patterns read through index ranges without
// post-filtering, so documents returned are the documents the range scanned. Times are wall
// clock per check (a `t.run` transaction each), printed, never asserted.
import { writeFileSync } from "node:fs";
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { convexTest } from "convex-test";
import { defineGuard, HOUR } from "convex-guard";
import { test, vi } from "vitest";
import schema from "../convex/schema";

const modules = import.meta.glob(["../convex/**/*.*s", "!../convex/**/*.test.ts", "!../convex/**/*.d.ts"]);
const benchSchema = defineSchema({
  ...schema.tables,
  // The one-row-per-request pattern: a row per request, indexed by key and time.
  requestLog: defineTable({ key: v.string(), ts: v.number() }).index("by_key_ts", ["key", "ts"]),
});

const RATE = 100_000; // per hour: never reached, so every check admits
const EARLIER = 1000;
const CHECKS = 200;
const guard = defineGuard({ roles: ["user"], rateLimits: { api: { rate: RATE, period: HOUR } } });

type Counts = { read: number; written: number };

/** `db` with every document read and written counted into `c`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function counting(db: any, c: Counts): any {
  const wrap = (q: object): object =>
    new Proxy(q, {
      get(target, prop) {
        const value = Reflect.get(target, prop);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const r = value.apply(target, args);
          if (prop === "collect" || prop === "take") {
            return r.then((docs: unknown[]) => ((c.read += docs.length), docs));
          }
          if (prop === "unique" || prop === "first") {
            return r.then((d: unknown) => ((c.read += d === null ? 0 : 1), d));
          }
          return r !== null && typeof r === "object" && typeof r.then !== "function" ? wrap(r) : r;
        };
      },
    });
  return {
    get: async (id: string) => {
      const d = await db.get(id);
      c.read += d === null ? 0 : 1;
      return d;
    },
    query: (table: string) => wrap(db.query(table)),
    insert: (...a: unknown[]) => ((c.written += 1), db.insert(...a)),
    patch: (...a: unknown[]) => ((c.written += 1), db.patch(...a)),
    replace: (...a: unknown[]) => ((c.written += 1), db.replace(...a)),
    delete: (...a: unknown[]) => ((c.written += 1), db.delete(...a)),
  };
}

/** The pattern convex-guard replaces: read every request row of the window, then add one. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function rowPerRequest(db: any, key: string, now: number) {
  const recent = await db
    .query("requestLog")
    .withIndex("by_key_ts", (q: any) => q.eq("key", key).gt("ts", now - HOUR))
    .collect();
  if (recent.length >= RATE) throw new Error("rate limited");
  await db.insert("requestLog", { key, ts: now });
}

async function measure(
  check: (db: unknown, now: number) => Promise<unknown>,
): Promise<{ read: number; written: number; ms: number }> {
  const t = convexTest(benchSchema, modules);
  const t0 = Date.UTC(2026, 0, 1);
  let now = t0;
  vi.setSystemTime(now);
  for (let i = 0; i < EARLIER; i++) {
    vi.setSystemTime(++now);
    await t.run((ctx) => check(ctx.db, now) as Promise<void>);
  }
  const c: Counts = { read: 0, written: 0 };
  let ms = 0;
  for (let i = 0; i < CHECKS; i++) {
    vi.setSystemTime(++now);
    const start = performance.now();
    await t.run((ctx) => check(counting(ctx.db, c), now) as Promise<void>);
    ms += performance.now() - start;
  }
  return { read: c.read / CHECKS, written: c.written / CHECKS, ms: ms / CHECKS };
}

test("rate-limit storage cost per check, 1000 earlier requests in the window", async () => {
  // Only Date is faked: performance.now() stays the real clock for the timings.
  vi.useFakeTimers({ toFake: ["Date"] });
  try {
    const ours = await measure((db, now) =>
      guard.rateLimit({ db, auth: null } as never, "api", { key: "user" }).then(() => now),
    );
    const theirs = await measure((db, now) => rowPerRequest(db, "user", now));
    const metrics = {
      ratelimit_docs_read_per_check: ours.read,
      ratelimit_docs_written_per_check: ours.written,
      ratelimit_check_ms: ours.ms,
      ratelimit_docs_read_per_check_row_per_request: theirs.read,
      ratelimit_docs_written_per_check_row_per_request: theirs.written,
      ratelimit_check_ms_row_per_request: theirs.ms,
    };
    console.log(metrics);
    if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, JSON.stringify(metrics));
  } finally {
    vi.useRealTimers();
  }
});
