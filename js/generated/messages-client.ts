// Generated from src/wire.rs by `make wire` (cargo test --test wire fails when this file is stale).
// Do not edit: change the Rust definition and run `make wire`.
// The engine errors of wire.ts for the client module (convex-guard/client): the browser entry's build reads this file instead.
/* eslint-disable */

// engine errors

/** The `code` of every error the engine throws on purpose. */
export const ENGINE_ERROR_CODES = ["INVALID_CONFIG", "INVALID_ARGUMENT", "UNAVAILABLE"] as const;
/** The engine's message templates, by id: `{s}` takes a text, `{n}` a number. */
export const ENGINE_MESSAGES = ["role", "access level", " names must not be empty", " name '{s}...' is longer than {n} bytes", " name '{s}' may only contain letters, digits, '_', '-' and '.'", "permission names must not be empty", "permission name '{s}...' is longer than {n} bytes", "malformed wildcard '{s}': a wildcard is written 'resource:*', with '*' only as the last segment", "permission name '{s}' must be non-empty segments of letters, digits, '_', '-' or '.' joined by ':'", "duplicate role '{s}'", "too many roles: at most {n} are allowed", "permissions are listed for unknown role '{s}'", "role '{s}': ", "too many permissions: at most {n} grants are allowed", "a policy needs at least one role", "too many distinct permission names checked: at most {n}", "duplicate access level '{s}'", "too many access levels: at most {n} are allowed", "at least {n} access levels are needed: the owner's and one below it", "public", "share", " level '{s}' is not a declared access level", "public level '{s}' must be below the owner level, or every visitor would own public documents", "public level '{s}' must be below the share level '{s}', or strangers could share public documents", "unknown access level '{s}'", "caller level {n} is not an access level", "granted level {n} is not an access level", "granted level is not an access level", "doc is not a document of the batch", "document {n}: public must be 0 or 1", "document {n}: parent {n} is not a document of the batch", "grant {n}: doc is not a document of the batch", "grant {n}: kind must be direct (3) or group (4)", "grant {n}: level must be an access level below the owner's (only ownership gives it)", "grant {n}: ", "documents: owner, public and parent must have the same length", "grants: doc, subject, kind, level and expiresAt must have the same length", "too many documents in one batch: at most {n}", "too many grants in one batch: at most {n}", "too many groups for one caller: at most {n}", "truncated access batch", "now", "expiresAt", "lastFailure", " must be a finite number of milliseconds from 0 to {n}", "unknown rate limit kind '{s}': expected 'sliding window', 'sliding log', 'token bucket' or 'fixed window'", "rate", "period", "capacity", "shards", " must be a whole number from 1 to {n}", "a 'sliding log' keeps one timestamp per unit in its row: rate must be at most {n} (use a 'sliding window' for larger limits)", "capacity applies only to 'token bucket' limits, not to '{s}'", "shards ({n}) must not exceed rate or capacity: every shard needs room for at least 1", "a 'token bucket' must refill from empty within {n} ms: capacity * period / rate is too large", "shard {n} does not exist: this limit has {n} shards", "count must be a whole number from 0 to {n}, the most this limit can ever admit at once", "stored rate limit state does not fit this limit: ", "only a 'sliding log' keeps a log", "window start", "current count", "previous count", "a 'sliding log' keeps no counters", "log time", "log is longer than the rate", "log entries must be times up to the log time", "log entries must be oldest first", "refill time", "token count", "token fraction", "more tokens than the capacity", "a sharded limit is decided one shard at a time: pick a shard index below {n}", "no such request", "an all-or-nothing rate limit takes 1 to {n} limits", "malformed rate limit request"] as const;
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
