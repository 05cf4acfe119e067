/**
 * Errors. Everything a Convex client may see is a `ConvexError` whose `data` is
 * `{ code, message, ...details }` with a stable `code` (Convex keeps `data` in production and
 * replaces every other error message with "Server Error"). Configuration mistakes are the
 * developer's, not the client's: they throw {@link GuardConfigError} at first use.
 */
import { ConvexError } from "convex/values";
import { discardUnlessOwn } from "./engine.js";
import { GuardConfigError } from "./config-error.js";
import { CLIENT_MESSAGE, GUARD_ERROR_CODES as CODES, MAX_PAGE_ITEMS, pageItems, type ClientMessage } from "./generated/wire.js";

/**
 * Every `code` convex-guard puts in `ConvexError` data, as a list (not exported by the
 * package): the wire's, authored once in src/wire.rs (`client::CODES`).
 */
export const GUARD_ERROR_CODES = CODES;

/** Every `code` convex-guard puts in `ConvexError` data. */
export type GuardErrorCode = (typeof GUARD_ERROR_CODES)[number];

/**
 * The `data` of every `ConvexError` convex-guard throws, keyed on `code`: narrowing to
 * `"RATE_LIMITED"` types `retryAfter` (the wait in ms) as a number.
 *
 * @example
 * ```ts
 * if (data.code === "RATE_LIMITED") setTimeout(retry, data.retryAfter);
 * ```
 */
export type GuardErrorData =
  | { code: "RATE_LIMITED"; message: string; retryAfter: number }
  | { code: Exclude<GuardErrorCode, "RATE_LIMITED">; message: string };

export { GuardConfigError };

/**
 * Throws `ConvexError({ code, message, ...details })`. `message` is a `ClientMessage`: a
 * member of `CLIENT_MESSAGE` or a generated template's text, never one typed here. @internal
 */
export function deny(code: Exclude<GuardErrorCode, "RATE_LIMITED">, message: ClientMessage): never;
/** `RATE_LIMITED`, with the wait in ms. @internal */
export function deny(code: "RATE_LIMITED", message: ClientMessage, details: { retryAfter: number }): never;
/** @internal */
export function deny(code: GuardErrorCode, message: ClientMessage, details?: { retryAfter: number }): never {
  throw new ConvexError({ ...details, code, message } as GuardErrorData);
}

/** Throws the `UNAUTHENTICATED` denial: no signed-in caller where one is needed. @internal */
export function unauthenticated(): never {
  deny("UNAUTHENTICATED", CLIENT_MESSAGE.AUTHENTICATION_REQUIRED);
}

/**
 * Re-throws an error that escaped an engine call: `INVALID_CONFIG` as a
 * {@link GuardConfigError}, `INVALID_ARGUMENT` as a `ConvexError`; anything else unchanged,
 * after discarding the engine instance the call may have left half-done (see engine.ts).
 * @internal
 */
export function rethrow(e: unknown): never {
  discardUnlessOwn(e);
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : CLIENT_MESSAGE.INVALID_INPUT;
  if (code === "INVALID_CONFIG") throw new GuardConfigError(message);
  // The one cast to a client message outside the generated wire: an error reaching here with
  // the code INVALID_ARGUMENT is the engine's (nothing in js/ but engine-io.ts `check` gives an
  // error a client's code: tests/node/client-messages.test.mjs), its message written by the
  // generated `fillEngineMessage` (engine.ts `discardUnlessOwn`), perhaps by `rateLimitNamed`.
  if (code === "INVALID_ARGUMENT") deny("INVALID_ARGUMENT", message as ClientMessage);
  throw e;
}

/**
 * The error of a call whose input of `bytes` bytes the engine could not make room for: its
 * memory cannot grow to hold it (`buffer` answered 0 for a length within `ABI_MAX_IO_BYTES`,
 * src/bindings/mod.rs). A plain `Error`, as every failure that is not the engine's own: the
 * call fails closed and its instance is discarded (engine.ts `discardUnlessOwn`), so the next
 * call starts in a fresh memory. Not "a malformed call": nothing about the call was wrong.
 *
 * @example
 * ```ts
 * throw engineOutOfMemory(16_777_216);
 * // Error: convex-guard: the engine could not get memory for a call of 16777216 bytes
 * ```
 * @internal
 */
export function engineOutOfMemory(bytes: number): Error {
  return new Error(`convex-guard: the engine could not get memory for a call of ${bytes} bytes`);
}

/** Runs `f`, translating engine errors with {@link rethrow}. @internal */
export function engineCall<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    rethrow(e);
  }
}

/**
 * `numItems` of a page as the caller gave it, when a whole number from 1 to the engine's page
 * bound (`MAX_PAGE_ITEMS`); anything else is `INVALID_ARGUMENT`, never clamped. Every listing
 * of the package (documents, grants, groups, the audit trail) checks its page this way.
 * @internal
 */
export function pageSize(numItems: unknown): number {
  if (!Number.isSafeInteger(numItems) || (numItems as number) < 1 || (numItems as number) > MAX_PAGE_ITEMS) {
    deny("INVALID_ARGUMENT", pageItems(MAX_PAGE_ITEMS));
  }
  return numItems as number;
}
