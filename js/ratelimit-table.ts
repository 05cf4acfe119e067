/**
 * The rate-limit table users spread into their schema. Kept apart from ratelimit.ts so that
 * code which never defines a schema (the browser) does not pull `convex/server` in.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { GUARD_TABLES } from "./defaults.js";

/** The table's name in the schema. @internal */
export const RATE_LIMIT_TABLE = GUARD_TABLES.rateLimits;
/** Its index: the exact lookup of one row, and the range of one key's shards. @internal */
export const RATE_LIMIT_INDEX = "by_name_key_shard";
/** Its index by key alone: every row of one key (`forgetUser`), never a scan. @internal */
export const RATE_LIMIT_KEY_INDEX = "by_key";

/** @internal */
export function defineRateLimitTables() {
  return {
    [RATE_LIMIT_TABLE]: defineTable({
      /** The limit's name in `rateLimits`. */
      name: v.string(),
      /** Whose budget (a user id, an identity, "global"). */
      key: v.string(),
      /** 0 unless the limit is sharded. */
      shard: v.number(),
      /** The limit's configuration when the row was written; another one reads as absent. */
      config: v.string(),
      t: v.number(),
      a: v.number(),
      b: v.number(),
      log: v.array(v.number()),
    })
      .index(RATE_LIMIT_INDEX, ["name", "key", "shard"])
      .index(RATE_LIMIT_KEY_INDEX, ["key"]),
  } as const;
}

/**
 * The table convex-guard's rate limits keep their state in: one row per limit, key (and
 * shard), a few numbers each, whatever the traffic. Spread it into your schema.
 *
 * @example
 * ```ts
 * import { rateLimitTables } from "convex-guard";
 * export default defineSchema({ ...rateLimitTables, users: defineTable({ ... }) });
 * ```
 */
export const rateLimitTables = /* @__PURE__ */ defineRateLimitTables();
