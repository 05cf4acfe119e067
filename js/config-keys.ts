/**
 * The keys a guard's configuration may have, for every entry (a browser entry takes the same
 * object as the server's guard and ignores the parts it does not decide). A misspelt key
 * (`premissions`) would otherwise leave its part unconfigured: every permission denied, quietly.
 * @internal
 */
import { closestName } from "./diagnose.js";
import { GuardConfigError } from "./errors.js";
import type { GuardConfig } from "./guard.js";

/** `keys`, which the compiler checks are exactly the keys of `T`, each once. @internal */
export const keysOf =
  <T>() =>
  <const Keys extends readonly (keyof T & string)[]>(
    keys: Keys & ([Exclude<keyof T, Keys[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, Keys[number]> }),
  ): Keys =>
    keys;

/** Every key of {@link GuardConfig}. */
const CONFIG_KEYS: readonly string[] = keysOf<GuardConfig<string, string, string, string, string, string>>()([
  "roles",
  "permissions",
  "users",
  "access",
  "rateLimits",
  "confirmations",
  "actions",
  "securityAudit",
]);

/**
 * Throws a {@link GuardConfigError} naming the first key of `config` that is not a
 * configuration key, and the key it most likely meant.
 * @internal
 */
export function checkConfigKeys(config: object): void {
  for (const key of Object.keys(config)) {
    if (CONFIG_KEYS.includes(key)) continue;
    const near = closestName(key, CONFIG_KEYS);
    const shown = key.length > 64 ? `${key.slice(0, 64)}...` : key;
    throw new GuardConfigError(
      `unknown configuration key '${shown}'${near === null ? "" : ` (did you mean '${near}'?)`}: ` +
        `a guard's configuration has ${CONFIG_KEYS.map((k) => `'${k}'`).join(", ")}`,
    );
  }
}
