/**
 * Rate limiting's storage: reads and writes one row per limit and key (and shard) in the
 * caller's transaction, through the table's index; the decision is the codec's
 * (ratelimit-codec.ts), one engine call per batch. The methods of {@link RateLimits} that use
 * rows are here too (`rowMethods`), so that the browser entries, which read nothing, leave them
 * out with the rest of this file (scripts/build-pkg.mjs).
 */
import { num } from "./engine.js";
import { field, own } from "./fields.js";
import { ALL_OPTION_KEYS, checkOptionKeys, OPTION_KEYS, REQUEST_KEYS } from "./config-keys.js";
import { deny } from "./errors.js";
import {
  CLIENT_MESSAGE,
  MAX_RATE_LIMIT_KEY_LENGTH,
  rateLimitKey,
  rateLimitTwice,
  RL_CHECK,
  RL_TAKE,
} from "./generated/wire.js";
import { decide, item, limitOf, type Compiled, type Engine, type Item } from "./ratelimit-codec.js";
import { RATE_LIMIT_INDEX, RATE_LIMIT_TABLE } from "./ratelimit-table.js";
import { onlyRow, serially } from "./serial.js";
import {
  tooMany,
  type RateLimitAdmitted,
  type RateLimitBatchAdmitted,
  type RateLimitOptions,
  type RateLimits,
  type RateLimitState,
} from "./ratelimit.js";

/** A stored row, as the table definition declares it. */
type Row = RateLimitState & {
  _id: string;
  name: string;
  key: string;
  shard: number;
  config: string;
};

// The table and index names are ours, but the caller's data model does not have to declare
// the table in its types, so the database is used untyped here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = any;

/**
 * `key` when it is a string of 1 to 1,024 characters of whole characters, else
 * `INVALID_ARGUMENT`: half of a surrogate pair is no text Convex stores (keys from arguments,
 * `key: { arg }`, are the client's). @internal
 */
export function checkKey(key: unknown): string {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_RATE_LIMIT_KEY_LENGTH) {
    deny("INVALID_ARGUMENT", rateLimitKey(MAX_RATE_LIMIT_KEY_LENGTH));
  }
  // With the `u` flag, a surrogate pair is one code point: `\p{Cs}` matches half a pair only.
  if (/\p{Cs}/u.test(key)) deny("INVALID_ARGUMENT", CLIENT_MESSAGE.RATE_LIMIT_KEY_SURROGATE);
  return key;
}

/**
 * `r` when it is an object whose key is a string of 1 to 1,024 characters, else
 * `INVALID_ARGUMENT`: how every entry of an all-or-nothing request is read first, in a
 * mutation and (before it crosses to the wired function) in an action. @internal
 */
export function requestOf(r: unknown): { name: string; key: string; count?: unknown } {
  if (r === null || typeof r !== "object") deny("INVALID_ARGUMENT", CLIENT_MESSAGE.RATE_LIMIT_REQUEST);
  checkOptionKeys(r, REQUEST_KEYS, "rateLimitAll entry");
  // Own fields only, each read once (a prototype's `count` is no count).
  const request = { name: field(r, "name") as string, key: field(r, "key") as string, count: field(r, "count") };
  checkKey(request.key);
  return request;
}

/** `requests` when it is an array, else `INVALID_ARGUMENT`: `rateLimitAll`'s first check, in a mutation and in an action. @internal */
export function checkRequests<T>(requests: readonly T[]): readonly T[] {
  if (!Array.isArray(requests)) deny("INVALID_ARGUMENT", CLIENT_MESSAGE.RATE_LIMIT_ALL_ARRAY);
  return requests;
}

/** A random shard of a sharded limit (Convex seeds `Math.random` per execution). */
function pickShard(limit: Compiled): number {
  return limit.shards > 1 ? Math.floor(Math.random() * limit.shards) : 0;
}

/** The row of one limit, key and shard, found by the exact index look-up. @internal */
export function readRow(db: Db, name: string, key: string, shard: number): Promise<Row | null> {
  return onlyRow<Row>(
    db.query(RATE_LIMIT_TABLE).withIndex(RATE_LIMIT_INDEX, (q: Db) => q.eq("name", name).eq("key", key).eq("shard", shard)),
    () => `${RATE_LIMIT_TABLE}, for rate limit ${JSON.stringify(name)}, key ${JSON.stringify(key)} and shard ${shard},`,
    "resetRateLimit(ctx, name, { key }) deletes them (the key starts afresh)",
  );
}

/**
 * The row's state, or `null` when there is no row or it belongs to another configuration.
 * @internal
 */
export function stateOf(row: Row | null, limit: Compiled): RateLimitState | null {
  if (row === null || row.config !== limit.fingerprint) return null;
  return { t: row.t, a: row.a, b: row.b, log: row.log };
}

function write(db: Db, row: Row | null, it: Item, key: string, state: RateLimitState): Promise<unknown> {
  const fields = { config: it.limit.fingerprint, t: state.t, a: state.a, b: state.b, log: state.log };
  return row === null
    ? db.insert(RATE_LIMIT_TABLE, { name: it.name, key, shard: it.shard, ...fields })
    : db.patch(row._id, fields);
}

/**
 * Reads, decides in `mode` (`RL_TAKE` or `RL_CHECK`) and (when taking) writes the rows of
 * `requests`, all or nothing, after every other such section of the transaction (serial.ts).
 * @internal
 */
export function apply(
  engine: () => Engine,
  db: Db,
  requests: readonly { name: string; key: unknown; count?: unknown }[],
  mode: number,
) {
  return serially(db, () => applyNow(engine, db, requests, mode));
}

async function applyNow(
  engine: () => Engine,
  db: Db,
  requests: readonly { name: string; key: unknown; count?: unknown }[],
  mode: number,
) {
  const seen = new Set<string>();
  const keys: string[] = [];
  const rows: (Row | null)[] = [];
  const items: Item[] = [];
  for (const request of requests) {
    const r = requestOf(request);
    const key = r.key;
    const limit = limitOf(engine(), r.name);
    const id = JSON.stringify([r.name, key]);
    if (seen.has(id)) {
      deny("INVALID_ARGUMENT", rateLimitTwice(r.name));
    }
    seen.add(id);
    const shard = pickShard(limit);
    const row = await readRow(db, r.name, key, shard);
    keys.push(key);
    rows.push(row);
    items.push(item(engine(), r.name, r.count, shard, stateOf(row, limit)));
  }
  const batch = decide(engine(), items, Date.now(), mode);
  for (let i = 0; i < items.length; i++) {
    const state = batch.outcomes[i]!.state;
    if (state !== null) await write(db, rows[i]!, items[i]!, keys[i]!, state);
  }
  return batch;
}

/** Deletes every row (every shard) of one limit and key, in turn with the decisions (serial.ts). @internal */
export function deleteRows(db: Db, name: string, key: string): Promise<void> {
  return serially(db, async () => {
    // At most 256 shards of one key, found by one index range (and any extra rows of a shard).
    const rows = (await db
      .query(RATE_LIMIT_TABLE)
      .withIndex(RATE_LIMIT_INDEX, (q: Db) => q.eq("name", name).eq("key", key))
      .collect()) as Row[];
    for (const row of rows) await db.delete(row._id);
  });
}

/** One limit and key: `rateLimit` (`RL_TAKE`) or `checkRateLimit` (`RL_CHECK`). */
async function single(compile: () => Engine, db: unknown, name: string, options: RateLimitOptions, mode: number) {
  checkOptionKeys(options, OPTION_KEYS, "rate limit options");
  const batch = await apply(compile, db, [{ name, key: own(options, "key"), count: own(options, "count") }], mode);
  const decision = batch.decisions[0]!;
  if (!decision.ok && own(options, "throws") !== false) tooMany(decision.retryAfter);
  return decision;
}

type RowMethods<K extends string> = Pick<RateLimits<K>, "rateLimit" | "rateLimitAll" | "checkRateLimit" | "resetRateLimit" | "getRateLimitState">;

/**
 * The methods of {@link RateLimits} that read and write rows, over the compiled limits. Spread
 * into the rate limits object by ratelimit.ts; the browser entries, which read nothing, build
 * it as `{}` (scripts/build-pkg.mjs). @internal
 */
export function rowMethods<K extends string>(compile: () => Engine): RowMethods<K> {
  const methods: RowMethods<K> = {
    // One implementation behind each pair of overloads. The casts state what the code does
    // and TypeScript cannot see: unless `throws` is false, a denial is thrown, never returned.
    rateLimit(ctx, name, options) {
      return single(compile, ctx.db, name, options, RL_TAKE) as Promise<RateLimitAdmitted>;
    },

    async rateLimitAll(ctx, requests, options) {
      checkOptionKeys(options, ALL_OPTION_KEYS, "rateLimitAll options");
      const { ok, retryAfter, decisions } = await apply(compile, ctx.db, checkRequests(requests), RL_TAKE);
      if (!ok && own(options, "throws") !== false) tooMany(retryAfter);
      return { ok, retryAfter, decisions } as RateLimitBatchAdmitted;
    },

    checkRateLimit(ctx, name, options) {
      return single(compile, ctx.db, name, options, RL_CHECK) as Promise<RateLimitAdmitted>;
    },

    async resetRateLimit(ctx, name, options) {
      checkOptionKeys(options, ["key"], "resetRateLimit options");
      const key = checkKey(own(options, "key"));
      limitOf(compile(), name);
      await deleteRows(ctx.db, name, key);
    },

    async getRateLimitState(ctx, name, options) {
      checkOptionKeys(options, ["key", "shard"], "getRateLimitState options");
      const key = checkKey(own(options, "key"));
      const e = compile();
      const limit = limitOf(e, name);
      const shard = own(options, "shard") ?? 0;
      // Which shards exist is the engine's rule: a look-up (cost 0, nothing stored) refuses a
      // shard the limit does not have, as every decision does.
      decide(e, [item(e, name, 0, num(shard), null)], 0, RL_CHECK);
      return stateOf(await readRow(ctx.db, name, key, shard), limit);
    },
  };
  return methods;
}
