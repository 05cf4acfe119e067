/**
 * How a safe action's call ends (split from safe-action.ts): what the caller may receive (a
 * plain, secret-free value or `ConvexError` data, else the generic `UPSTREAM_UNAVAILABLE`) and
 * what its final audit row records. No I/O here: the wrapper writes the rows.
 */
import { convexToJson, jsonToConvex, type Value } from "convex/values";
import { GUARD_ERROR_CODES, GuardConfigError, type GuardErrorData } from "./errors.js";
import { CLIENT_MESSAGE } from "./generated/wire.js";
import { isConvexError, latin1 } from "./redact.js";

/** What the caller receives for anything that may not reach it. @internal */
export const UPSTREAM: GuardErrorData = { code: "UPSTREAM_UNAVAILABLE", message: CLIENT_MESSAGE.UPSTREAM_MESSAGE };

/** Marks a value that is not a plain Convex value. @internal */
export const REFUSED = Symbol("refused");

/** Whether a value (a copy made by {@link plainValue}) may reach the caller: plain, present and secret-free. @internal */
export type Clean = (x: Value | undefined | typeof REFUSED) => x is Value;

/**
 * A deep copy of `x` made of plain Convex values only, exactly as Convex's own `convexToJson`
 * accepts them (so no `Map`, `Set`, `Date`, typed array, class instance, function, symbol,
 * `undefined` inside an array, out-of-range bigint or invalid field name), or {@link REFUSED}.
 * The copy is what is scanned and what is returned: a getter cannot answer the scan one way
 * and Convex another. `undefined` at the top is kept (an action may return nothing).
 */
export function plainValue(x: unknown): Value | undefined | typeof REFUSED {
  if (x === undefined) return undefined;
  try {
    return jsonToConvex(convexToJson(x as Value));
  } catch {
    return REFUSED;
  }
}

/**
 * Whether a plain value holds any of `forms` in a string, a field name, bytes, or the digits of
 * a number or a bigint (an all-digit key returned as `Number(key)`).
 */
export function carries(x: Value | undefined, forms: readonly string[], bytes: readonly string[]): boolean {
  if (typeof x === "string") return forms.some((f) => x.includes(f));
  if (typeof x === "number" || typeof x === "bigint") return carries(String(x), forms, bytes);
  if (x instanceof ArrayBuffer) {
    const text = latin1(new Uint8Array(x));
    return bytes.some((f) => text.includes(f));
  }
  if (Array.isArray(x)) return x.some((v) => carries(v, forms, bytes));
  if (typeof x === "object" && x !== null) {
    return Object.entries(x).some(([k, v]) => carries(k, forms, bytes) || carries(v, forms, bytes));
  }
  return false;
}

/** The outcomes of a safe action's audit rows: `"started"` before its handler runs, then one of the others. */
export type Outcome = "started" | "success" | "denied" | "error";

/**
 * How a call ends: its final row's outcome and details, what the caller receives, and the
 * configuration mistake thrown as itself after the row is written.
 */
export type Ending = {
  outcome: Exclude<Outcome, "started">;
  details?: Record<string, Value>;
  answer: { value: unknown } | { error: unknown };
  configError?: GuardConfigError;
};

/** The ending of a handler that returned `value` (copied by `plainValue`); `clean` says what may reach the caller. */
export function result(value: Value | undefined | typeof REFUSED, clean: Clean): Ending {
  const refusal =
    value === REFUSED
      ? "the result is not a plain Convex value"
      : value !== undefined && !clean(value)
        ? "the result carried a secret"
        : undefined;
  return refusal === undefined
    ? { outcome: "success", answer: { value } }
    : { outcome: "error", details: { error: refusal }, answer: { error: UPSTREAM } };
}

/** The ending of a call whose definition, check, rate limits or handler threw `e`. */
export function ending(e: unknown, clean: Clean): Ending {
  // A configuration mistake (missing wiring) is the developer's: audited, then thrown as
  // itself, never shown as a denial.
  // Reading the error can throw too (a getter, a Proxy, even `instanceof` on a revoked
  // Proxy): then it is not clean.
  let configError: GuardConfigError | undefined;
  let data: Value | undefined | typeof REFUSED = REFUSED;
  try {
    if (e instanceof GuardConfigError) configError = e;
    if (isConvexError(e)) data = plainValue((e as { data?: unknown }).data);
  } catch {
    data = REFUSED;
  }
  const shown = clean(data);
  // Stored redacted (ConvexError data as a structured value): see redact.ts. Its `code` is a
  // secret field name there (no exceptions), so a denial with one of the guard's own codes
  // also names it as `denial`: FORBIDDEN, RATE_LIMITED and UNAUTHENTICATED rows stay told
  // apart. Only those fixed names: an app's code could be anything.
  const code = shown ? (data as { code?: unknown } | null)?.code : undefined;
  const denial = GUARD_ERROR_CODES.find((c) => c === code);
  return {
    outcome: shown ? "denied" : "error",
    // An error as large as the row's budget never cuts `denial`: redact.ts cleans small values first.
    details: denial === undefined ? { error: e as Value } : { error: e as Value, denial },
    answer: { error: shown ? data : UPSTREAM },
    ...(configError === undefined ? {} : { configError }),
  };
}
