/**
 * The keys a builder's declared rate limits take from at each call (split from builders.ts):
 * `"user"`, `"global"` or `{ arg }`, each made after the caller's checks, before the handler.
 * @internal
 */
import type { GuardMetadata } from "./builders.js";
import { ARG_KEY_PREFIX, GLOBAL_KEY } from "./defaults.js";
import { field } from "./fields.js";
import { userKey } from "./users.js";

/**
 * The key of `rateLimit: { key: { arg } }`: `arg:<name>:<value>`, a namespace of its own. The
 * caller picks the value, so it must never equal a key the server chose: a user's id (a Convex
 * id is lowercase letters and digits; convex-test's, digits and a table name), `"global"`, or
 * a key of the app's own without the `arg:` prefix. Any key with a `:` is none of the first two; a
 * `tokenIdentifier` (the user key with `users.roleClaim` alone) starts with its issuer's URL, never
 * `arg:`. Convex allows a `:` in an argument's name, so `{ arg: "a:b" }` and `{ arg: "a" }` on
 * one limit could meet: both are buckets any caller picks, so that spends no key the server
 * chose. A value that is not a non-empty string goes on as is, to be refused
 * (`INVALID_ARGUMENT`), never stringified; a prefixed key over the length limit is refused
 * there too, never cut.
 */
function argKey(name: string, value: unknown): unknown {
  return typeof value === "string" && value.length > 0 ? `${ARG_KEY_PREFIX}${name}:${value}` : value;
}

/**
 * Each declared limit with its key for this call. `"user"`: the row's id (with
 * `users.roleClaim` alone, the identity's `tokenIdentifier`); none is refused. A key that is
 * no string goes on as is, to be refused (`INVALID_ARGUMENT`). @internal
 */
export function limitRequests(
  limits: GuardMetadata["rateLimits"],
  user: { _id: string },
  identities: boolean,
  args: Record<string, unknown>,
): { name: string; key: string }[] {
  return limits.map(({ name, key: k }) => {
    const key = k === "global" ? GLOBAL_KEY : k === "user" ? userKey(user, identities) : argKey(k.arg, field(args, k.arg));
    return { name, key: key as string };
  });
}
