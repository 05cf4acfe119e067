/**
 * A safe action's `rateLimit` (split from safe-action.ts): one named limit, or a list of them
 * taken all or nothing through `guard.rateLimitAll` (so a call refused by one limit spends
 * none of the others). Read and checked once where the action is defined; each key is made
 * and checked at each call, after the check and before the handler.
 */
import type { ObjectType, PropertyValidators } from "convex/values";
import { checkKeys, keysOf } from "./config-keys.js";
import { GuardConfigError } from "./errors.js";
import { RL_MAX_BATCH } from "./generated/wire.js";

/**
 * One named limit of a safe action. `key` defaults to the actor (a string, a row's `_id`, an
 * identity's `tokenIdentifier`; an actor with none of them needs `key`); a key from the
 * arguments must be written here explicitly. `key` must return a string of 1 to 1,024
 * characters (anything else is refused, never stringified), used as it is: give a key built
 * from the arguments a prefix of its own (`` ({ args }) => `room:${args.room}` ``), so that a
 * caller cannot make it a user's id or `"global"`.
 */
export type SafeActionRateLimit<Args extends PropertyValidators, Actor, K extends string> = {
  name: K;
  key?: (input: { args: ObjectType<Args>; actor: NoInfer<Actor> }) => string;
};

/** The keys of one limit: the public type's (the compiler checks the list). */
const LIMIT_KEYS = keysOf<SafeActionRateLimit<PropertyValidators, unknown, string>>()(["name", "key"]);

/** One limit as read from the definition; `at` is how messages name it (`rateLimit`, `rateLimit[1]`). @internal */
export type ReadLimit = { name: string; key: ((input: { args: unknown; actor: unknown }) => unknown) | undefined; at: string };

/**
 * Throws unless `rateLimit` (present) is one limit `{ name, key? }` or a list of 1 to 16 of
 * them, every key one it reads and every `key` a function: a misspelt `kye` would otherwise be
 * the per-actor key instead of the one written. Messages name the entry (`rateLimit[1].key`).
 * @internal
 */
export function checkLimits(where: string, rateLimit: unknown): void {
  if (rateLimit === undefined) return;
  if (!Array.isArray(rateLimit)) return checkLimit(where, rateLimit, "rateLimit");
  checkLimitCount(where, rateLimit);
  const actors = new Set<unknown>();
  // An index loop: a hole in a sparse list is an entry too (refused, not skipped).
  for (let i = 0; i < rateLimit.length; i++) {
    const entry = rateLimit[i] as { name?: unknown; key?: unknown } | undefined;
    checkLimit(where, entry, `rateLimit[${i}]`);
    // The same limit twice for the actor: refused at every call (the same limit and key twice).
    if (entry!.key === undefined) {
      if (actors.has(entry!.name)) throw new GuardConfigError(`${where}: rateLimit lists '${String(entry!.name)}' twice for the actor's key`);
      actors.add(entry!.name);
    }
  }
}

/**
 * Throws unless a listed `rateLimit` holds 1 to 16 limits: an empty list would be no limit at
 * all, quietly; more than the engine decides at once (its bound, authored in src/ratelimit.rs)
 * would refuse every call as the caller's. A safe action's and a builder's. @internal
 */
export function checkLimitCount(where: string, rateLimit: readonly unknown[]): void {
  if (rateLimit.length === 0) throw new GuardConfigError(`${where}: rateLimit lists no limit (leave it out for none)`);
  if (rateLimit.length > RL_MAX_BATCH) {
    throw new GuardConfigError(`${where}: rateLimit lists ${rateLimit.length} limits; at most ${RL_MAX_BATCH} are taken all or nothing`);
  }
}

function checkLimit(where: string, limit: unknown, at: string): void {
  // `null` is refused too, never read as "no rate limit".
  if (typeof limit !== "object" || limit === null || Array.isArray(limit)) throw new GuardConfigError(`${where}: ${at} must be an object`);
  checkKeys(limit, LIMIT_KEYS, `${where}: ${at}`);
  const key = (limit as { key?: unknown }).key;
  if (key !== undefined && typeof key !== "function") throw new GuardConfigError(`${where}: ${at}.key must be a function ({ args, actor }) => string`);
}

/**
 * The limits of a definition, copied (a later edit of the definition changes nothing): none,
 * one, or a list. Never throws: a definition that {@link checkLimits} refuses never gets to use them.
 * @internal
 */
export function readLimits(rateLimit: unknown): { limits: ReadLimit[]; listed: boolean } {
  const listed = Array.isArray(rateLimit);
  const entries: unknown[] = listed ? [...(rateLimit as unknown[])] : rateLimit ? [rateLimit] : [];
  const limits = entries.map((e, i) => {
    const entry = (typeof e === "object" && e !== null ? e : {}) as { name?: unknown; key?: unknown };
    const key = typeof entry.key === "function" ? (entry.key as ReadLimit["key"]) : undefined;
    return { name: String(entry.name), key, at: listed ? `rateLimit[${i}]` : "rateLimit" };
  });
  return { limits, listed };
}

/**
 * Each limit's key for this call: its `key` function's answer, or the actor's. Throws a
 * `GuardConfigError` (the developer's) for a key that is no string, that holds `[object` (an
 * object written into a template: one key for every caller), or that carries a secret (it
 * would be stored in the rate-limit table, which no redaction covers).
 * @internal
 */
export function limitKeys(
  where: string,
  limits: readonly ReadLimit[],
  input: { args: unknown; actor: unknown },
  /** The actor's key (its string, `_id` or `tokenIdentifier`), if any. */
  actorKey: string | undefined,
  /** Whether the wiring can take from a limit at all. */
  wired: boolean,
  carriesSecret: (key: string) => boolean,
): { name: string; key: string }[] {
  const seen = new Set<string>();
  return limits.map(({ name, key: keyOf, at }) => {
    const key: unknown = keyOf === undefined ? actorKey : keyOf(input);
    // Never stringified: a row would be "[object Object]", one key for every caller.
    if (keyOf !== undefined && typeof key !== "string") {
      throw new GuardConfigError(`${where}: ${at}.key must return a string (it returned ${key === null ? "null" : typeof key})`);
    }
    if (!wired || typeof key !== "string") {
      throw new GuardConfigError(
        `${where}: the rate limit needs a key (its check's actor has no string _id or tokenIdentifier: give ${at}.key)`,
      );
    }
    if (key.includes("[object ")) {
      throw new GuardConfigError(`${where}: ${at}.key returned a key holding '[object ...]', one key for every caller: write a string field (actor._id)`);
    }
    if (carriesSecret(key)) {
      throw new GuardConfigError(`${where}: the rate-limit key${at === "rateLimit" ? "" : ` of ${at}`} carries a secret (it would be stored): key by something else`);
    }
    // The same limit and key twice (two key functions, or one answering the actor's key): the
    // engine refuses such a batch, which the caller would see as their INVALID_ARGUMENT.
    const pair = JSON.stringify([name, key]);
    if (seen.has(pair)) throw new GuardConfigError(`${where}: ${at} takes from '${name}' with a key another entry already uses`);
    seen.add(pair);
    return { name, key };
  });
}
