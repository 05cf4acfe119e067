/**
 * The engine's I/O area, as the loader (engine.ts) uses it: a call's input written into the
 * engine's memory (strings, bytes, numbers, from the area's start), the export's status checked,
 * and its answer or error read back. Every export is called between `enter()` and `leave()`
 * (engine.ts), `buffer` included.
 * @internal
 */
import {
  ABI_ERROR,
  ABI_ERROR_CODE,
  ABI_ERROR_HEAD,
  ABI_ERROR_NUMS,
  ABI_ERROR_TEXTS,
  ABI_MAX_IO_BYTES,
  ENGINE_ERROR_CODES,
  abiAlign,
  opBuffer,
} from "./generated/wire.js";
import { enter, leave, live } from "./engine.js";
import { engineOutOfMemory } from "./errors.js";

/** A byte view over the whole memory, made again after it grew. @internal */
export function memoryBytes(): Uint8Array {
  if (live.bytes.length === 0) live.bytes = new Uint8Array(live.memory!.buffer);
  return live.bytes;
}

/** Where the next input goes in the engine's I/O area (bytes from its start). */
let cursor = 0;

/** Starts writing a call's input at the I/O area's start; the token is for {@link checked}. @internal */
export function input(): number {
  cursor = 0;
  return ++inputs;
}

/** How many calls have started writing their input (see {@link checked}). */
let inputs = 0;

/**
 * {@link check} for a call that wrote its input after `input()` gave it `t`: if another call
 * started writing its own since (code of the caller's that ran in between and called the
 * engine), the area held something else when the engine read it, so nothing it answered is
 * used: a plain Error, which discards the instance.
 * @internal
 */
export function checked(t: number, status: number): number {
  if (t !== inputs) throw new Error("convex-guard: an engine call was made while another was writing its input");
  return check(status);
}

/**
 * Makes room for `n` more bytes of input; returns the address where they go. Throws when the
 * engine cannot: out of memory for an input within its bound, else a malformed call.
 * @internal
 */
export function reserve(n: number): number {
  const len = cursor + n;
  const g = enter();
  const at = leave(g, opBuffer(live.exports, len));
  // `buffer` refuses (0) an input past its bound, a call made while another runs (generation
  // 0 here), and, from a live instance within the bound, only a memory that cannot grow.
  if (at === 0 && g !== 0 && len <= ABI_MAX_IO_BYTES) throw engineOutOfMemory(len);
  return address(at) + cursor;
}

/** Moves the cursor to the next multiple of 8 bytes, where an array of `f64`s starts. @internal */
export function align(): void {
  cursor = abiAlign(cursor);
}

/** Records that `n` bytes were written at the cursor (see {@link reserve}). @internal */
export function advance(n: number): void {
  cursor += n;
}

let encoder: TextEncoder | undefined;
let decoder: TextDecoder | undefined;

/**
 * Writes `s` as UTF-8 at the cursor and returns its length in bytes: ASCII byte by byte, the
 * rest with `TextEncoder.encode` (lone surrogates become U+FFFD, as they always did).
 * @internal
 */
export function text(s: string): number {
  // Only a primitive string: no caller's getter or `toString` may run while the I/O area's
  // address is held (it would be free to make engine calls that move the area).
  if (typeof s !== "string") throw invalid();
  const n = s.length;
  let at = reserve(n);
  const mem = memoryBytes();
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) break;
    mem[at + i] = c;
  }
  if (i !== n) {
    // Encoded apart, so that room is asked for its exact length, not for the worst case (3
    // bytes a unit), which for a client's string of some MB was past the engine's bound.
    const rest = (encoder ??= new TextEncoder()).encode(s.slice(i));
    at = reserve(i + rest.length);
    memoryBytes().set(rest, at + i);
    i += rest.length;
  }
  advance(i);
  return i;
}

/**
 * Writes the lengths (`u32`) of the strings of `a` then `b`, then the strings themselves, at
 * the cursor, when they are all ASCII (names, in practice): the whole input in one
 * reservation, where writing each string with {@link text} makes one (an engine call) per
 * string, which a fresh context's first policy paid a dozen times. Returns `false`, having
 * written some of it, when a string is not ASCII (or not a string): the caller then writes
 * the input again from a new {@link input}, string by string. Called once per engine
 * instance, so in a fresh context's cold code, where V8 runs a store into a typed array
 * without type feedback (about 0.5 µs each): two native writes (the lengths, then every
 * string at once through `encodeInto`) instead of one store per byte, about 25 µs less of a
 * fresh request. The strings and lengths are read first, from this layer's own arrays:
 * nothing of the caller's runs while the I/O area's address is held.
 * @internal
 */
export function asciiNames(a: readonly string[], b: readonly string[]): boolean {
  const n = a.length + b.length;
  const lengths = new Array<number>(n);
  let all = "";
  for (let k = 0; k < n; k++) {
    const s = k < a.length ? a[k] : b[k - a.length];
    if (typeof s !== "string") return false;
    lengths[k] = s.length;
    all += s;
  }
  const total = 4 * n + all.length;
  const at = reserve(total);
  // The lengths as `u32`s in the platform's byte order, little-endian as wasm's on every
  // platform a browser or Convex runs on (the loader's other `Uint32Array`s assume it too).
  if ((at & 3) !== 0) return false;
  const mem = memoryBytes();
  new Uint32Array(mem.buffer, at, n).set(lengths);
  const to = at + 4 * n;
  // ASCII exactly when every character read is one byte written.
  const { read, written } = (encoder ??= new TextEncoder()).encodeInto(all, mem.subarray(to, to + all.length));
  if (read !== all.length || written !== all.length) return false;
  advance(total);
  return true;
}

/** Writes `b` at the cursor and returns its length. @internal */
export function bytes(b: Uint8Array): number {
  // Only a real Uint8Array, told by its internal name (%TypedArray%.prototype's toStringTag
  // getter reads a slot: no Proxy trap, prototype walk or getter of the caller's runs, as
  // `instanceof` would), and only its bytes, copied by the constructor by its internal length:
  // the length told to the engine is the length written.
  uint8Tag ??= Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag)!.get!;
  if (uint8Tag.call(b) !== "Uint8Array") throw invalid();
  const own = new Uint8Array(b);
  const n = own.length;
  const at = reserve(n);
  memoryBytes().set(own, at);
  advance(n);
  return n;
}

/** `%TypedArray%.prototype[Symbol.toStringTag]`'s getter, taken at first use. */
let uint8Tag: (() => unknown) | undefined;

/** The I/O area's address, where inputs, answers and errors are. @internal */
export function ioArea(): number {
  const g = enter();
  return address(leave(g, opBuffer(live.exports, 0)));
}

/** The answer's first `n` bytes, copied out of the I/O area. @internal */
export function answerBytes(n: number): Uint8Array {
  const at = ioArea();
  return memoryBytes().slice(at, at + n);
}

/** The answer's first `n` numbers, copied out of the I/O area. @internal */
export function answerNumbers(n: number): Float64Array {
  const at = ioArea();
  return new Float64Array(live.memory!.buffer, at, n).slice();
}

/** `n` bytes of UTF-8 at `at`, as a string. */
function utf8(at: number, n: number): string {
  return (decoder ??= new TextDecoder()).decode(memoryBytes().subarray(at, at + n));
}

/** The answer's first `n` bytes, as UTF-8. @internal */
export function answerText(n: number): string {
  return utf8(ioArea(), n);
}

/** An address an export returned (unsigned, a multiple of 8), or it throws. @internal */
export function address(at: number): number {
  if ((at & 7) !== 0 || at === 0) throw invalid();
  return at >>> 0;
}

/** The error a call that makes no sense gets (not the engine's own: it discards the instance). */
function invalid(): Error {
  return new Error("convex-guard: the engine refused a malformed call");
}

/**
 * An export's status as an answer: from 0 up, the answer; else the engine's error, read from
 * the I/O area (its code and parts; engine.ts `discardUnlessOwn` fills its message), or an
 * `Error` that discards the instance. @internal
 */
export function check(status: number): number {
  if (status >= 0) return status;
  if (status !== ABI_ERROR) throw invalid();
  const at = ioArea();
  const head = new Float64Array(live.memory!.buffer, at, ABI_ERROR_HEAD);
  const [kind, nums, texts] = [head[ABI_ERROR_CODE]!, head[ABI_ERROR_NUMS]!, head[ABI_ERROR_TEXTS]!];
  const words = new Float64Array(live.memory!.buffer, at, ABI_ERROR_HEAD + nums + texts);
  const parts: (number | string)[] = Array.from(words.subarray(ABI_ERROR_HEAD, ABI_ERROR_HEAD + nums));
  let from = at + 8 * (ABI_ERROR_HEAD + nums + texts);
  for (let i = 0; i < texts; i++) {
    const n = words[ABI_ERROR_HEAD + nums + i]!;
    parts.push(utf8(from, n));
    from += n;
  }
  const e = new Error("") as Error & { code?: string; parts?: unknown };
  e.code = ENGINE_ERROR_CODES[kind];
  e.parts = parts;
  throw e;
}
