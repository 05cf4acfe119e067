/**
 * Rate limiting's configuration: validates the configured limits and compiles them into the
 * engine's limiter (src/ratelimit.rs `Limit::new` decides what is valid and the defaults), the
 * codec's `Engine` (ratelimit-codec.ts) that every decision then uses.
 */
import { checkKeys, RATE_LIMIT_KEYS } from "./config-keys.js";
import { RateLimiter, engineMemory, num } from "./engine.js";
import { GuardConfigError } from "./errors.js";
import type { RateLimitSpec } from "./ratelimit.js";
import { renamed, type Compiled, type Engine } from "./ratelimit-codec.js";
import { DEFAULT_RATE_LIMIT_KIND, DEFAULT_SHARDS } from "./generated/wire.js";

/**
 * A limit as the configuration gave it, each field read once (`kind`, `rate`, `period`,
 * `capacity`, `shards`, after its name). @internal
 */
export type LimitEntry = readonly [name: string, kind: unknown, rate: unknown, period: unknown, capacity: unknown, shards: unknown];

/**
 * Validates and compiles the configured limits into a fresh engine limiter, and answers the
 * entries it compiled: given `known` (what the first compilation kept, see `perInstance`), it
 * compiles those, not the app's objects read again. @internal
 */
export function compileLimits(config: object | undefined, known: readonly LimitEntry[] | undefined): readonly [Engine, readonly LimitEntry[]] {
  const specs = (config ?? {}) as Record<string, RateLimitSpec>;
  if (typeof specs !== "object" || specs === null || Array.isArray(specs)) {
    throw new GuardConfigError("rateLimits must be an object of named limits");
  }
  const memory = engineMemory();
  const engineLimits = new RateLimiter();
  const map = new Map<string, Compiled>();
  const names = known === undefined ? Object.keys(specs) : undefined;
  const entries: LimitEntry[] = [];
  for (let i = 0, n = known?.length ?? names!.length; i < n; i++) {
    const entry = known?.[i] ?? entryOf(specs, names![i]!);
    entries.push(entry);
    const [name, given, rate, period, givenCapacity, givenShards] = entry;
    const kind = given === undefined ? DEFAULT_RATE_LIMIT_KIND : String(given);
    const capacity = givenCapacity === undefined ? undefined : num(givenCapacity);
    const shards = givenShards === undefined ? undefined : num(givenShards);
    let id: number;
    try {
      id = engineLimits.add(kind, num(rate), num(period), capacity, shards);
    } catch (e) {
      renamed(e, [{ name }]);
    }
    // Validated: rate, period and shards are whole numbers (so naming them runs no code); the
    // capacity is the one the engine compiled (an omitted one is the rate: the engine's rule,
    // `Limit::new`). A row written under another configuration is read as absent (the limit
    // starts afresh for that key).
    const fingerprint = `${kind}/${rate}/${period}/${engineLimits.capacity(id)}/${shards ?? DEFAULT_SHARDS}`;
    map.set(name, { id, shards: shards ?? DEFAULT_SHARDS, fingerprint });
  }
  const e = { limits: map, limiter: engineLimits, memory, at: engineLimits.io(), view: new Float64Array(0), lastName: "", lastLimit: undefined };
  return [e, entries];
}

/** Limit `name` of the configuration `specs`, its keys checked and each field read once. */
function entryOf(specs: Record<string, RateLimitSpec>, name: string): LimitEntry {
  const spec = specs[name] as Partial<RateLimitSpec> | null;
  if (spec === null || typeof spec !== "object") {
    throw new GuardConfigError(`rate limit '${name}' must be an object { kind?, rate, period }`);
  }
  checkKeys(spec, RATE_LIMIT_KEYS, `rateLimits.${name}`);
  // Each field read once: what the engine compiles is what the fingerprint names, whatever a
  // getter would answer on a second read.
  const { kind, rate, period, capacity, shards } = spec as Record<string, unknown>;
  // An object's toString could throw or recurse; a number or symbol is named as it is.
  if (typeof kind === "function" || (typeof kind === "object" && kind !== null)) {
    throw new GuardConfigError(`rate limit '${name}': kind must be a string such as "token bucket"`);
  }
  return [name, kind, rate, period, capacity, shards];
}
