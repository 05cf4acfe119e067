/**
 * The `confirmations` part of a guard's configuration, checked before any code, safe action or
 * audit call runs: every key at every depth and every name's type. `GuardConfigError` names
 * the entry and the fix. (The engine checks the code settings' values; confirm.ts, a reader
 * permission's form.)
 */
import { checkLockoutKeys } from "./codes.js";
import { AUDIT_KEYS, checkKeys, checkName, CONFIRMATIONS_KEYS, roleOrPermission } from "./config-keys.js";
import type { ConfirmationsConfig } from "./confirm.js";
import { GuardConfigError } from "./errors.js";

/**
 * Throws a {@link GuardConfigError} naming the first entry of `c` (the `confirmations` part)
 * that is not what its type says: an unknown key at any depth, a name that is not a
 * non-empty string, `redactEnv` that is not an array of names (a string would redact nothing),
 * `audit.readers` that is not `{ role }` of `roles` or `{ permission }`. Returns the readers.
 * Pure JavaScript: the engine's own checks (code settings, a permission's form) come later.
 * @internal
 */
export function checkConfirmations(c: ConfirmationsConfig, roles: readonly string[]) {
  checkKeys(c, CONFIRMATIONS_KEYS, "confirmations");
  checkLockoutKeys(c.lockout, "confirmations.lockout");
  checkKeys(c.audit, AUDIT_KEYS, "confirmations.audit");
  // Read as they are used (`??` a default): `null` is absent.
  const names = { secretEnv: c.secretEnv, table: c.table, "audit.table": c.audit?.table };
  for (const [key, value] of Object.entries(names)) {
    if (value != null) checkName(`confirmations.${key}`, value);
  }
  // A string here would be spread into one-letter names: the secret it names never redacted.
  const redact: unknown = c.redactEnv;
  if (redact !== undefined) {
    if (!Array.isArray(redact)) {
      throw new GuardConfigError(
        "confirmations.redactEnv must be an array of environment variable names, such as " +
          `redactEnv: ["EXTERNAL_API_KEY"]${typeof redact === "string" ? " (a string is one name: put it in an array)" : ""}`,
      );
    }
    for (let i = 0; i < redact.length; i++) {
      const name: unknown = redact[i];
      if (typeof name !== "string" || name.length === 0) {
        throw new GuardConfigError(`confirmations.redactEnv[${i}] must be a non-empty environment variable name`);
      }
    }
  }
  return roleOrPermission(c.audit?.readers, "confirmations.audit.readers", roles, "audit:read");
}
