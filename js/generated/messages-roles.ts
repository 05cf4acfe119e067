// Generated from src/wire.rs by `make wire` (cargo test --test wire fails when this file is stale).
// Do not edit: change the Rust definition and run `make wire`.
// The engine's message templates for the roles-only module (convex-guard/client/roles), by id; `fillEngineMessage` of wire.ts fills them.
/* eslint-disable */
/** The engine's message templates, by id: `{s}` takes a text, `{n}` a number. */
export const ENGINE_MESSAGES = ["role", " names must not be empty", " name '{s}...' is longer than {n} bytes", " name '{s}' may only contain letters, digits, '_', '-', '.' and ':'", "permission names must not be empty", "permission name '{s}...' is longer than {n} bytes", "malformed wildcard '{s}': a wildcard is written 'resource:*', with '*' only as the last segment", "permission name '{s}' must be non-empty segments of letters, digits, '_', '-' or '.' joined by ':'", "duplicate role '{s}'", "too many roles: at most {n} are allowed", "permissions are listed for unknown role '{s}'", "role '{s}': ", "too many permissions: at most {n} grants are allowed", "a policy needs at least one role", "too many distinct permission names checked: at most {n}"] as const;
