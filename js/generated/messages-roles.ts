// Generated from src/wire.rs by `make wire` (cargo test --test wire fails when this file is stale).
// Do not edit: change the Rust definition and run `make wire`.
// The engine errors of wire.ts for the roles-only module (convex-guard/client/roles): the browser entry's build reads this file instead.
/* eslint-disable */

// engine errors

/** The `code` of every error the engine throws on purpose. */
export const ENGINE_ERROR_CODES = ["INVALID_CONFIG", "INVALID_ARGUMENT", "UNAVAILABLE"] as const;
/** The engine's message templates, by id: `{s}` takes a text, `{n}` a number. */
export const ENGINE_MESSAGES = ["role", "access level", " names must not be empty", " name '{s}...' is longer than {n} bytes", " name '{s}' may only contain letters, digits, '_', '-' and '.'", "permission names must not be empty", "permission name '{s}...' is longer than {n} bytes", "malformed wildcard '{s}': a wildcard is written 'resource:*', with '*' only as the last segment", "permission name '{s}' must be non-empty segments of letters, digits, '_', '-' or '.' joined by ':'", "duplicate role '{s}'", "too many roles: at most {n} are allowed", "permissions are listed for unknown role '{s}'", "role '{s}': ", "too many permissions: at most {n} grants are allowed", "a policy needs at least one role", "too many distinct permission names checked: at most {n}"] as const;
/**
 * The message of an engine error from its `parts`, `[count, ...template ids, ...numbers,
 * ...texts]`: the templates one after the other, each `{s}` filled with the next text and
 * each `{n}` with the next number (a placeholder with nothing left becomes nothing), as
 * the engine's `Error::message` does natively.
 */
export function fillEngineMessage(parts: readonly unknown[]): string {
  const count = typeof parts[0] === "number" ? parts[0] : 0;
  const rest = parts.slice(1 + count);
  const values = { s: rest.filter((p) => typeof p === "string"), n: rest.filter((p) => typeof p === "number") };
  const next = { s: 0, n: 0 };
  let out = "";
  for (const id of parts.slice(1, 1 + count)) {
    const template = (ENGINE_MESSAGES as readonly string[])[id as number] ?? "";
    out += template.replace(/\{([sn])\}/g, (_, k: "s" | "n") => String(values[k][next[k]++] ?? ""));
  }
  return out;
}
