/**
 * What the audit trail stores, and how a secret is recognized in text: the forms a secret
 * takes once encoded ({@link secretForms}), and the walk that turns any value into a storable,
 * redacted Convex value ({@link redact}). Which field NAMES are secret is the engine's rule
 * (`isSecretKey`, src/audit.rs), asked here and nowhere else.
 *
 * # Security
 * A secret is recognized as written, JSON-escaped once and twice, URL-encoded
 * (`encodeURIComponent`), in hex (both cases), in base64 and base64url (at any byte offset of
 * the encoded data), and as the UTF-8 bytes of each of those forms. It is NOT recognized when it
 * is split (across strings, fields or chunks), encoded another way (other escapes, mixed-case
 * hex, UTF-16 bytes, HTML entities, encryption), compressed, or transformed in any other way.
 */
import type { Value } from "convex/values";
import { engine, isSecretKey } from "./engine.js";

/** What replaces a secret value. */
export const REDACTED = "[redacted]";
/** What replaces a value beyond a bound (depth, size) or one that cannot be read. */
export const TRUNCATED = "[truncated]";

/** Deepest nesting of `details` stored; deeper values become `"[truncated]"`. */
export const MAX_AUDIT_DEPTH = 8;
/** Longest string stored, in UTF-16 units; longer ones are cut at a code point. */
export const MAX_AUDIT_STRING = 2000;
/** Longest field name stored (Convex allows 1,024 characters). */
const MAX_FIELD_NAME = 256;
/** Most array elements, and most fields of one object, stored (Convex allows 8,192 and 1,024). */
export const MAX_AUDIT_ITEMS = 100;
/**
 * The size budget of one event: each byte of text in UTF-8 (strings and field names) costs 1,
 * each value {@link VALUE_COST} more (9 bytes a value in Convex). So a row stays near 100 KB,
 * whatever script its text is in, and a page of 100 rows (`audit.list`'s largest) within the
 * 16 MiB a Convex function may read; walking it stays cheap.
 */
export const MAX_AUDIT_SIZE = 100_000;
/** What each value costs of {@link MAX_AUDIT_SIZE}, whatever it holds. */
const VALUE_COST = 8;

/**
 * Every form in which `secrets` are looked for, longest first: each as written, JSON-escaped
 * once and twice, URL-encoded, hex (lower and upper case), base64 and base64url (the part of
 * each of the three byte alignments that the secret alone determines).
 */
export function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    const once = JSON.stringify(secret).slice(1, -1);
    const twice = JSON.stringify(once).slice(1, -1);
    const bytes = new TextEncoder().encode(secret);
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    for (const form of [secret, once, twice, encodeURIComponent(wellFormed(secret)), hex, hex.toUpperCase()]) {
      forms.add(form);
    }
    for (let offset = 0; offset < 3; offset++) {
      const b64 = base64(new Uint8Array([...new Uint8Array(offset), ...bytes]));
      // Character i holds bits [6i, 6i + 6): keep those made of the secret's bits only.
      const fixed = b64.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
      forms.add(fixed);
      forms.add(fixed.replace(/\+/g, "-").replace(/\//g, "_"));
    }
  }
  forms.delete("");
  return [...forms].sort((a, b) => b.length - a.length);
}

/** `forms` as byte strings (one character per UTF-8 byte), to look for inside bytes. */
export function byteForms(forms: readonly string[]): string[] {
  return forms.map((f) => latin1(new TextEncoder().encode(f)));
}

/** `bytes` as a string of one character (U+0000 to U+00FF) per byte. */
export function latin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return out;
}

function base64(bytes: Uint8Array): string {
  return btoa(latin1(bytes)).replace(/=+$/, "");
}

/** `s` with every lone surrogate replaced by U+FFFD (Convex stores UTF-8 text only). */
export function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

/** `s` with each of `forms` replaced by {@link REDACTED}. */
export function cutSecrets(s: string, forms: readonly string[]): string {
  let out = s;
  for (const form of forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
  return out;
}

/**
 * `s` cut to at most `max` UTF-16 units, `...` included, never inside a surrogate pair (so
 * cutting again changes nothing).
 */
export function cut(s: string, max = MAX_AUDIT_STRING): string {
  if (s.length <= max) return s;
  let end = max - 3;
  const code = s.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${s.slice(0, end)}...`;
}

/** A string as stored: secrets cut out, well formed, bounded. */
export function cleanString(s: string, forms: readonly string[]): string {
  return cut(cutSecrets(wellFormed(s), forms));
}

/**
 * `key` as a field name Convex stores (non-control ASCII, not starting with `$`, at most 1,024
 * characters; a leading `_` and the empty name are avoided too): secrets cut out, then every
 * other character written as `%XX` UTF-8 escapes, a leading `$` or `_` as `%24` or `%5F`, the
 * empty name as `%`, and the result cut. Applying it twice changes nothing (an action's event is
 * cleaned before it is sent to the log mutation, which cleans it again).
 */
export function fieldName(key: string, forms: readonly string[]): string {
  const clear = cutSecrets(wellFormed(key), forms);
  if (clear.length === 0) return "%";
  const escaped = clear
    .replace(/[^\x20-\x7e]/gu, (c) => encodeURIComponent(c))
    .replace(/^[$_]/, (c) => (c === "$" ? "%24" : "%5F"));
  return cut(escaped, MAX_FIELD_NAME);
}

type Budget = { left: number };

/**
 * `value` as a storable Convex value: every value under a secret field name (the engine's
 * `isSecretKey`) and every form of a secret (see {@link secretForms}) in strings and field names
 * replaced by {@link REDACTED}; `ConvexError`s kept as `{ name, data }` with their data as a
 * structured value (their message is that data as JSON text), other errors as `{ name,
 * message, ...their own enumerable properties, cause }` (never the stack); bytes
 * redacted; field names escaped as {@link fieldName} says; strings cut at a code point; depth,
 * items per array or object and total size bounded ({@link TRUNCATED} beyond the bounds). Never
 * throws: a value whose reading throws (a getter, a proxy) becomes {@link TRUNCATED}.
 */
export function redact(value: unknown, forms: readonly string[]): Value {
  return walk(value, forms, 0, { left: MAX_AUDIT_SIZE });
}

// Every value costs VALUE_COST and every string its length, the marks and redactions too, so
// that cleaning a cleaned event costs no more than the first cleaning: it changes nothing.
function walk(value: unknown, forms: readonly string[], depth: number, budget: Budget): Value {
  if (budget.left <= 0) return TRUNCATED;
  budget.left -= VALUE_COST;
  const text = (s: string) => {
    budget.left -= utf8Length(s);
    return s;
  };
  if (typeof value === "string") return text(cleanString(value, forms));
  // A number whose digits hold a secret (an all-digit key as `Number(key)`) goes as a string would.
  if ((typeof value === "number" || typeof value === "bigint") && forms.some((f) => String(value).includes(f))) return text(REDACTED);
  if (typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "bigint") {
    // Convex stores 64-bit integers only.
    return value >= -(2n ** 63n) && value < 2n ** 63n ? value : text(String(value));
  }
  if (value === null || value === undefined) return null;
  if (typeof value !== "object") return text(typeof value);
  if (depth >= MAX_AUDIT_DEPTH) return text(TRUNCATED);
  try {
    if (Array.isArray(value)) {
      // At most MAX_AUDIT_ITEMS, the mark included (so cleaning again changes nothing).
      const keep = value.length > MAX_AUDIT_ITEMS ? MAX_AUDIT_ITEMS - 1 : value.length;
      const out = Array.from(value.slice(0, keep), (x) => walk(x, forms, depth + 1, budget));
      if (keep < value.length) out.push(walk(TRUNCATED, forms, depth + 1, budget));
      return out;
    }
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return text(REDACTED);
    // What JSON would keep of them is nothing ({}): a date as its ISO text, a Map as an object
    // (its keys as text, so a secret name is redacted), a Set as an array.
    if (value instanceof Date) return walk(Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString(), forms, depth, budget);
    if (value instanceof Map) return walk(Object.fromEntries(Array.from(value, ([k, v]) => [String(k), v])), forms, depth, budget);
    if (value instanceof Set) return walk(Array.from(value), forms, depth, budget);
    if (isConvexError(value)) {
      return walk({ name: "ConvexError", data: (value as { data?: unknown }).data }, forms, depth, budget);
    }
    if (value instanceof Error || Object.prototype.toString.call(value) === "[object Error]") {
      // Name, message, what an SDK attaches (status, body, ...) and the cause; never the stack.
      const e = value as Error;
      const own: Record<string, unknown> = { ...e };
      const cause = e.cause === undefined ? {} : { cause: e.cause };
      return walk({ name: e.name, message: e.message, ...own, ...cause, stack: undefined }, forms, depth, budget);
    }
    return walkObject(value as Record<string, unknown>, forms, depth, budget);
  } catch {
    return text(TRUNCATED);
  }
}

/**
 * A value's place when an object is cleaned: strings by length, other scalars first, objects
 * last, and with them the mark of what a cleaning cut (which the budget ran out on, so was
 * walked last): cleaning again walks the values in the same order.
 */
function costOf(v: unknown): number {
  if (v === TRUNCATED || (v !== null && typeof v === "object")) return Number.MAX_SAFE_INTEGER;
  return typeof v === "string" ? utf8Length(v) : 0;
}

/** `s`'s length in UTF-8 bytes (a lone surrogate as the 3 bytes of its replacement). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    // A surrogate pair: 4 bytes for its 2 units. Else 2 bytes from U+0080, 3 from U+0800.
    if ((c & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) (n += 2), i++;
    else n += c < 0x800 ? 1 : 2;
  }
  return n;
}

function walkObject(value: Record<string, unknown>, forms: readonly string[], depth: number, budget: Budget) {
  engine();
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  const kept = entries.slice(0, entries.length > MAX_AUDIT_ITEMS ? MAX_AUDIT_ITEMS - 1 : entries.length);
  // The names in the object's order: escaping, cutting and redaction can make two names one,
  // and the later ones are numbered.
  const names: string[] = [];
  const taken = new Set<string>();
  for (const [key] of kept) {
    const base = fieldName(key, forms);
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}~${n}`;
    taken.add(name);
    names.push(name);
    budget.left -= utf8Length(name);
  }
  // The values small first, whatever the order of the keys (the database may sort them between
  // two cleanings): one large value must not crowd the small ones out of the size budget (a
  // safe action's `details.started` and `denial` beside an error echoing a caller's input).
  // Ordered as they are walked, a redacted one as REDACTED: cleaning again, under a name that
  // escaping made no longer secret (non-ASCII), finds the same order.
  const input = kept.map(([key, v]) => (isSecretKey(key) ? REDACTED : v));
  const order = kept.map((_, i) => i).sort((i, j) => costOf(input[i]) - costOf(input[j]));
  const values: Value[] = new Array(kept.length);
  for (const i of order) values[i] = walk(input[i], forms, depth + 1, budget);
  const out: Record<string, Value> = {};
  for (let i = 0; i < kept.length; i++) out[names[i]!] = values[i]!;
  if (kept.length < entries.length) {
    budget.left -= TRUNCATED.length;
    out[TRUNCATED] = walk(TRUNCATED, forms, depth + 1, budget);
  }
  return out;
}

/** Whether `e` is a `ConvexError` (recognized by its symbol, so duplicate copies of `convex` agree). */
export function isConvexError(e: unknown): boolean {
  return (
    typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[Symbol.for("ConvexError")] === true
  );
}
