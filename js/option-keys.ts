/**
 * Refusing a key an object should not have, with the key it most likely meant: the part of
 * js/config-keys.ts that `convex-guard/react` takes too, so it imports neither `convex` nor the
 * engine (js/config-keys.ts re-exports it).
 * @internal
 */
import { GuardConfigError } from "./config-error.js";
import { closestName } from "./diagnose.js";
import type { RateLimitStatusOptions } from "./react.js";

/** Every key of `T`, whichever member of a union has it (`{ role } | { permission }`). */
type AnyKey<T> = T extends unknown ? keyof T & string : never;

/** `keys`, which the compiler checks are exactly the keys of `T` (of any member of a union), each once. @internal */
export const keysOf =
  <T>() =>
  <const Keys extends readonly AnyKey<T>[]>(
    keys: Keys & ([Exclude<AnyKey<T>, Keys[number]>] extends [never] ? unknown : { missing: Exclude<AnyKey<T>, Keys[number]> }),
  ): Keys =>
    keys;

/** `useRateLimitStatus`'s options (a misspelt `servernow` would leave the status `undefined`, as if loading, for ever). @internal */
export const HOOK_STATUS_KEYS = /* @__PURE__ */ keysOf<RateLimitStatusOptions>()(["serverNow", "count", "shard", "clock"]);

/** `'name'` (cut when long) and, when one of `names` is near, ` (did you mean '...'?)`. */
export function named(name: string, names: readonly string[]): [shown: string, guess: string] {
  const near = closestName(name, names);
  return [`'${name.length > 64 ? `${name.slice(0, 64)}...` : name}'`, near === null ? "" : ` (did you mean '${near}'?)`];
}

/** The keys, quoted and listed: `'a', 'b'`. */
export const listed = (keys: readonly string[]) => keys.map((k) => `'${k}'`).join(", ");

/** The message part naming an unknown `key` of `keys`: the one it most likely meant, or else all of them. */
function unknown(key: string, keys: readonly string[]): string {
  const [shown, guess] = named(key, keys);
  return shown + (guess === "" ? ` (it reads ${listed(keys)})` : guess);
}

/**
 * Throws a {@link GuardConfigError} naming the first own key of `value` that is not among
 * `keys` (as {@link checkKeys}), when `value` is an object: a call's options (`cout: 5` is never
 * quietly a count of 1). A key inherited from a prototype is not read, so not refused. An
 * array is refused whole: `[]` has no key to refuse, and is never quietly no options.
 * @internal
 */
export function checkOptionKeys(value: unknown, keys: readonly string[], path: string): void {
  if (Array.isArray(value)) throw new GuardConfigError(`${path} must be an object, not an array`);
  ownKeysAmong(value, keys, path);
}

/** {@link checkOptionKeys} but for arrays, which `checkKeys` refuses before it. @internal */
export function ownKeysAmong(value: unknown, keys: readonly string[], path: string): void {
  if (typeof value !== "object" || value === null) return;
  // `for...in` and a plain loop, not `Object.keys` and `includes`: no array is made, and a pure
  // rate-limit decision checks its options and entries on every call (measured in make
  // bench's loop: about 150 ns a decision against 300 with `Object.keys`). The keys it walks
  // past an object's own (its prototype's enumerable ones) are not refused: only own ones are.
  for (const key in value) {
    let i = 0;
    while (i < keys.length && keys[i] !== key) i++;
    if (i === keys.length && Object.hasOwn(value, key)) unknownKey(key, keys, path);
  }
}

/** {@link checkOptionKeys}'s refusal, out of its loop. */
function unknownKey(key: string, keys: readonly string[], path: string): never {
  throw new GuardConfigError(`${path}: unknown key ${unknown(key, keys)}`);
}
