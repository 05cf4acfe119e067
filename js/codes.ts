/**
 * One-time confirmation codes without storage: the engine's compiled code settings, and the
 * keyed hash. `guard.issueConfirmation` / `guard.consumeConfirmation` are built on this; apps
 * that keep codes elsewhere (an HTTP action, another store) can use it directly.
 *
 * Every decision (alphabet and length validation, unbiased generation, the canonical form of
 * a typed code, the bytes that are signed, expiry, attempts, single use, failure budgets and
 * their defaults) is the engine's. This file only signs bytes with `crypto.subtle` and maps
 * the engine's flat answers to objects.
 */
import { BINDING_KEYS, checkKeys, checkOptionKeys, CODE_OPTION_KEYS, LOCKOUT_BUDGET_KEYS, LOCKOUT_KEYS, TTL_KEYS, TYPED_KEYS } from "./config-keys.js";
import { CodeEngine, engine, naming, num, perInstance } from "./engine.js";
import { deny, engineCall, GuardConfigError } from "./errors.js";
import { own, type Bare } from "./fields.js";
import {
  CODE_ANSWER as A,
  CODE_DEFAULT_ALPHABET,
  CODE_DEFAULT_LENGTH,
  CODE_DEFAULT_MAX_ATTEMPTS,
  CODE_DEFAULT_TTL_MS,
  CODE_GENERATE,
  CODE_MESSAGE,
  CODE_OUTCOMES,
  CODE_TYPED,
  CODE_USED_MALFORMED,
  CODE_USED_NO,
  CODE_USED_YES,
  CODE_WITH_ACTOR,
  CODE_WITH_RECORD,
  CLIENT_MESSAGE,
  confirmationNotString,
  confirmationSurrogate,
  type Same,
} from "./generated/wire.js";

/**
 * A failure budget: at most `maxFailures` wrong (or malformed) codes in any `window` ms. The
 * count starts again once `window` ms pass without a failure; while it is full, every code is
 * refused without being compared (the right one too), and refusals do not count.
 */
export type LockoutBudget = {
  /** Failures allowed, a whole number from 1 to 100. */
  maxFailures?: number;
  /** The window in whole ms, 1 minute to 30 days. */
  window?: number;
};

/**
 * Failure budgets that bound guessing whatever the app does about issuing. Defaults: 10
 * failures per binding in 15 minutes (surviving re-issue) and 100 per actor in 24 hours
 * (NIST SP 800-63B 5.2.2's limit), decided by the engine.
 */
export type LockoutOptions = {
  /** Per (actor, action, target), across re-issues. Default 10 per 15 minutes. */
  binding?: LockoutBudget;
  /** Per actor, across every action and target. Default 100 per 24 hours. */
  actor?: LockoutBudget;
};

/**
 * Code settings. Every field is optional; the defaults are 8 digits, 5 minutes, 5 attempts,
 * and the {@link LockoutOptions} defaults.
 */
export type CodeOptions = {
  /**
   * `"digits"` (default), `"crockford"` (base32 without I, L, O, U; typed I/L read as 1 and O
   * as 0), or the symbols of a custom alphabet: 2 to 64 distinct printable ASCII characters.
   */
  alphabet?: "digits" | "crockford" | (string & {});
  /** Symbols per code, 4 to 32, with at least 10^6 possible codes. Default 8. */
  length?: number;
  /** Lifetime of a code in whole ms, 1 second to 1 day. Default 5 minutes. */
  ttl?: number;
  /** Wrong attempts after which a code is void, 1 to 10. Default 5. */
  maxAttempts?: number;
  /** Failure budgets per binding and per actor. */
  lockout?: LockoutOptions;
};

/** What binds a code: who confirms (`actor`), what (`action`) and on what (`target`). */
export type CodeBinding = {
  /** The confirming user's key, 1 to 256 UTF-8 bytes: their row id (not a `tokenIdentifier`, new per Convex Auth sign-in). */
  actor: string;
  /** The action confirmed, e.g. `"delete:account"`, 1 to 128 bytes. */
  action: string;
  /** What the action applies to (a document id), 0 to 256 bytes. Default `""`. */
  target?: string;
};

/**
 * A failure count against a {@link LockoutBudget}: a binding's (in its {@link CodeRecord}) or
 * an actor's (stored by the caller, one per actor).
 */
export type CodeFailures = {
  /** Failures counted, 0 to 100. */
  failures: number;
  /** When the last one happened, ms since the epoch (0: none). */
  lastFailure: number;
};

/**
 * The stored state of one pending code. Holds no code: only its keyed hash. The failure count
 * belongs to the binding and outlives the code (a re-issue carries it over); records stored
 * without one read as no failures.
 */
export type CodeRecord = {
  /** HMAC-SHA-256 of the bound code under the server secret, 32 bytes. */
  hash: ArrayBuffer;
  /** When the code expires, ms since the epoch (expired at this instant). */
  expiresAt: number;
  /** Wrong attempts left; at 0 the code is void. */
  attemptsLeft: number;
  /** Whether the code was accepted already. */
  used: boolean;
} & Partial<CodeFailures>;

/**
 * Why a verification ended as it did. Only `"accepted"` lets the action proceed; every other
 * reason is for the audit log, never for the client (which sees `INVALID_CONFIRMATION`).
 */
export type CodeOutcome =
  | "accepted"
  | "wrong"
  | "malformed"
  | "expired"
  | "used"
  | "exhausted"
  | "missing"
  | "locked";

// The engine answers a verification with the index of its reason in `CODE_OUTCOMES`
// (generated from src/codes.rs). The public union above must name exactly those reasons:
// tsc fails here when one side gains or loses one.
const OUTCOMES: readonly CodeOutcome[] = CODE_OUTCOMES;
const outcomesMatch: Same<CodeOutcome, (typeof CODE_OUTCOMES)[number]> = true;
void outcomesMatch;

/** Storage-free confirmation codes, compiled from {@link CodeOptions}. */
export interface Codes {
  /**
   * A new code from the platform's secure generator, drawn inside this call.
   *
   * @throws `Error` with `code` `"UNAVAILABLE"` when `crypto.getRandomValues` fails.
   * @example
   * ```ts
   * defineCodes().generate(); // "40194417"
   * ```
   */
  generate(): string;

  /**
   * The exact bytes to sign (HMAC-SHA-256 under the server secret) for `code` bound to
   * `binding`. With `typed: true` the code is what a person typed: spaces and hyphens are
   * dropped and case folded first, and an empty array means it cannot be a code (malformed).
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` naming a binding field that is empty or too long.
   * @example
   * ```ts
   * const bytes = codes.message({ actor: me._id, action: "delete:account" }, " 1234-5678", { typed: true });
   * ```
   */
  message(binding: CodeBinding, code: string, options?: { typed?: boolean }): Uint8Array;

  /**
   * The record of a freshly issued code whose keyed hash is `hash`: expires at `now + ttl`,
   * every attempt left, unused. Pass the record it replaces (`replaced`), if any: the
   * binding's failure count carries over, so re-issuing never buys more guesses. Issuing
   * works while that budget is spent; the new code is refused until it opens again.
   *
   * `options.ttl` gives this code a lifetime of its own (whole ms, in the range of the `ttl`
   * setting: 1 second to 1 day) instead of the configured one.
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` for a hash that is not 32 bytes, a bad count in
   * `replaced`, a bad `now` or an `options.ttl` out of its range or fractional.
   * @example
   * ```ts
   * const record = codes.issue(await signCode(secret, bytes), Date.now(), pendingRecord, { ttl: 10 * MINUTE });
   * ```
   */
  issue(hash: ArrayBuffer | Uint8Array, now: number, replaced?: CodeRecord | null, options?: { ttl?: number }): CodeRecord;

  /**
   * Checks the keyed hash of a presented code (`null`: malformed) against the stored record
   * (`null`: none) at `now`, comparing in constant time, under both failure budgets: the
   * binding's count is in `record`, the actor's is `actor` (`null` or omitted: no failures;
   * keep one per actor). While either budget is spent the outcome is `"locked"` and nothing is
   * compared. Store `record` back whatever the outcome, and `actor` when it is not `null`: a
   * wrong attempt is spent and counted only if it is stored.
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` for a malformed record or count, or a bad `now`.
   * @example
   * ```ts
   * const { outcome, record, actor } = codes.verify(stored, presentedHash, Date.now(), actorCount);
   * ```
   */
  verify(
    record: CodeRecord | null,
    presented: ArrayBuffer | Uint8Array | null,
    now: number,
    actor?: CodeFailures | null,
  ): { outcome: CodeOutcome; record: CodeRecord | null; actor: CodeFailures | null };
}

/** No bytes; made at first use, so that importing the package allocates nothing. */
let noBytes: Uint8Array | undefined;
const none = (): Uint8Array => (noBytes ??= new Uint8Array(0));

/** The engine's code settings, in `CodeEngine`'s order. */
type CodeSettings = readonly [string, number, number, number, ...(number | undefined)[]];

/** `options` validated and read, each field once, as the engine takes them. */
function codeSettings(options: CodeOptions): CodeSettings {
  if (options === null || typeof options !== "object") throw new GuardConfigError("code options must be an object");
  checkKeys(options, CODE_OPTION_KEYS, "code options");
  checkLockoutKeys(options.lockout, "lockout");
  const { alphabet = CODE_DEFAULT_ALPHABET, length = CODE_DEFAULT_LENGTH, ttl = CODE_DEFAULT_TTL_MS, maxAttempts = CODE_DEFAULT_MAX_ATTEMPTS, lockout } = options;
  if (typeof alphabet !== "string") throw new GuardConfigError("code alphabet must be a string");
  // The format's defaults above are the engine's (generated from src/codes.rs); omitted budgets
  // and their fields stay `undefined`, for the engine's. Anything not an object or a number is
  // NaN, which the engine refuses naming the entry.
  // The stand-ins for what is omitted have no prototype: an `Object.prototype.maxFailures`
  // planted before the first code would be read through `{}` as a budget (attack20).
  const refused: Bare<LockoutBudget> = { __proto__: null, maxFailures: NaN };
  const budget = (b: unknown): Bare<LockoutBudget> => (b === undefined ? { __proto__: null } : isObject(b) ? (b as LockoutBudget) : refused);
  const top: Bare<LockoutOptions> = lockout === undefined ? { __proto__: null } : isObject(lockout) ? lockout : { __proto__: null, binding: refused };
  const [bound, actor] = [budget(top.binding), budget(top.actor)];
  const budgets = [setting(bound.maxFailures), setting(bound.window), setting(actor.maxFailures), setting(actor.window)];
  return [alphabet, num(length), num(ttl), num(maxAttempts), ...budgets] as const;
}

/**
 * Compiles code settings. Nothing is validated until the first call (or
 * {@link Codes.generate}); a bad setting then throws a {@link GuardConfigError} naming it.
 *
 * @example
 * ```ts
 * const codes = defineCodes({ alphabet: "crockford", length: 10 });
 * const code = codes.generate();
 * ```
 */
export function defineCodes(options: CodeOptions = {}): Codes & { validate(): void } {
  // The settings read by the first build only (see `perInstance`).
  const compile = perInstance((kept?: CodeSettings) => {
    const settings = kept ?? codeSettings(options);
    engine();
    return [engineCall(() => new CodeEngine(...settings)), settings] as const;
  });
  const bytes = (b: ArrayBuffer | Uint8Array | null): Uint8Array => {
    if (b === null) return none();
    // A copy of our own, made here, before the engine is called: whatever the caller's object
    // does (a Proxy, a prototype that is one, a getter) runs now, never while the engine's
    // input is being written. A Proxy (`isView` is false) and a detached buffer are refused.
    try {
      if (b instanceof Uint8Array && ArrayBuffer.isView(b)) return new Uint8Array(b);
      if (b instanceof ArrayBuffer) return new Uint8Array(b.slice(0));
    } catch {
      // A detached buffer: nothing to copy.
    }
    deny("INVALID_ARGUMENT", CLIENT_MESSAGE.CONFIRMATION_HASH_BYTES);
  };
  /** A string for the engine (no `toString` runs). A binding's lone surrogate, signed as U+FFFD
   * ("u\ud800" and "u\ufffd" would share codes), is refused (`\p{Cs}/u` matches no half pair). */
  const text = (x: unknown, what: string, binding = true): string => {
    if (typeof x !== "string") deny("INVALID_ARGUMENT", confirmationNotString(what));
    if (binding && /\p{Cs}/u.test(x)) deny("INVALID_ARGUMENT", confirmationSurrogate(what));
    return x;
  };
  return {
    validate() {
      compile();
    },
    generate() {
      const e = compile();
      return String.fromCharCode(...engineCall(() => e.message("", "", "", "", CODE_GENERATE)));
    },
    message(b, code, opts) {
      checkOptionKeys(b, BINDING_KEYS, "codes.message binding");
      checkOptionKeys(opts, TYPED_KEYS, "codes.message options");
      const e = compile();
      return engineCall(() =>
        e.message(
          text(b?.actor, "actor"),
          text(b?.action, "action"),
          text(b?.target === undefined ? "" : b.target, "target"), // null is no omitted target
          text(code, "code", false),
          opts?.typed === true ? CODE_TYPED : CODE_MESSAGE,
        ),
      );
    },
    issue(hash, now, replaced, options) {
      checkOptionKeys(options, TTL_KEYS, "codes.issue options");
      const e = compile();
      const h = bytes(hash);
      const ttl = setting(own(options, "ttl")); // own: a planted Object.prototype.ttl is no lifetime
      const r = engineCall(() => e.issue(h, count(replaced?.failures), time(replaced?.lastFailure), num(now), ttl));
      return { ...stored(h, r), used: false };
    },
    verify(record, presented, now, actor) {
      const e = compile();
      const hash = record == null ? none() : bytes(record.hash);
      if (record != null && hash.length === 0) deny("INVALID_ARGUMENT", CLIENT_MESSAGE.EMPTY_STORED_HASH);
      const left: unknown = record?.attemptsLeft ?? 0; // named as given in the engine's refusal
      const r = engineCall(() =>
        naming(left, U32_NONE, () => e.verify(
          hash,
          num(record?.expiresAt ?? 0),
          u32(left),
          // Anything but a boolean (1 from a SQL column, "true", missing) the engine refuses.
          record == null || record.used === false ? CODE_USED_NO : record.used === true ? CODE_USED_YES : CODE_USED_MALFORMED,
          count(record?.failures),
          time(record?.lastFailure),
          count(actor?.failures),
          time(actor?.lastFailure),
          bytes(presented),
          num(now),
        )),
      );
      // The outcome, then the record to store back, then the actor's count (each only when
      // there is one; src/wire.rs `codes`).
      const outcome = OUTCOMES[r[A.outcome]!]!;
      const counted =
        r.length >= CODE_WITH_ACTOR ? { failures: r[A.actorFailures]!, lastFailure: r[A.actorLast]! } : null;
      if (r.length < CODE_WITH_RECORD || record == null) return { outcome, record: null, actor: counted };
      return { outcome, record: stored(hash, r), actor: counted };
    },
  };
}

/**
 * HMAC-SHA-256 of `message` under `secret` (its UTF-8 bytes when a string), with the
 * platform's `crypto.subtle`. The key is imported non-extractable and used for signing only.
 *
 * @example
 * ```ts
 * const hash = await signCode(process.env.CONVEX_GUARD_SECRET!, codes.message(binding, code));
 * ```
 */
export async function signCode(secret: string | Uint8Array, message: Uint8Array): Promise<ArrayBuffer> {
  if (!(typeof secret === "string" || secret instanceof Uint8Array) || secret.length === 0) {
    throw new GuardConfigError("signCode needs the server secret: a non-empty string or Uint8Array");
  }
  if (!(message instanceof Uint8Array)) deny("INVALID_ARGUMENT", CLIENT_MESSAGE.SIGN_CODE_BYTES);
  const raw = typeof secret === "string" ? new TextEncoder().encode(secret) : secret.slice();
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", key, message.slice());
}

/** The record an engine answer `r` carries (src/wire.rs `codes`), its hash a copy of `hash`. */
function stored(hash: Uint8Array, r: ArrayLike<number>): Required<CodeRecord> {
  return {
    hash: copy(hash),
    expiresAt: r[A.expiresAt]!,
    attemptsLeft: r[A.attemptsLeft]!,
    used: r[A.used] === 1,
    failures: r[A.failures]!,
    lastFailure: r[A.lastFailure]!,
  };
}

/** A fresh ArrayBuffer holding `b` (what Convex stores for `v.bytes()`). */
const copy = (b: Uint8Array): ArrayBuffer => b.slice().buffer;

/** A stored count field: absent (an older row, no actor row) is 0; anything but a number is
 * NaN, which the engine refuses. */
function count(n: unknown): number {
  return n === undefined || n === null ? 0 : typeof n === "number" ? n : NaN;
}
/** A stored time, missing as NaN (which the engine takes only beside no failures). */
const time = (n: unknown): number => (typeof n === "number" ? n : NaN);

/** A configuration number: `undefined` (the engine's default) or a number (NaN if not one). */
function setting(n: unknown): number | undefined {
  return n === undefined ? undefined : typeof n === "number" ? n : NaN;
}

/**
 * Throws a {@link GuardConfigError} naming a key of `lockout` (at `path`), or of one of its
 * budgets, that they do not have: a misspelt `maxFailures` would leave the default budget.
 * Other mistakes (a value of the wrong type) are the engine's to name. @internal
 */
export function checkLockoutKeys(lockout: unknown, path: string): void {
  if (!isObject(lockout)) return;
  checkKeys(lockout, LOCKOUT_KEYS, path);
  for (const key of LOCKOUT_KEYS) {
    const budget = (lockout as LockoutOptions)[key];
    if (isObject(budget)) checkKeys(budget, LOCKOUT_BUDGET_KEYS, `${path}.${key}`);
  }
}

const isObject = (x: unknown): boolean => typeof x === "object" && x !== null;

/**
 * A JavaScript number as the engine's u32: WebAssembly's conversion would wrap -1 to 4294967295
 * and truncate 5.5 to 5, so anything but a whole number below U32_NONE becomes U32_NONE, which
 * every bound refuses (the engine still decides; `naming` puts the value given in its message).
 */
function u32(n: unknown): number {
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n < U32_NONE ? n : U32_NONE;
}
const U32_NONE = 0xffffffff;
