/**
 * The loader: the only module that touches the WebAssembly engine's instantiation, and its
 * calling convention (src/wire.rs `abi`, rendered into generated/wire.ts).
 *
 * Import does nothing but define functions. The first call to {@link engine} decodes the
 * inlined bytes, compiles and instantiates them synchronously, once per JavaScript context
 * (in Convex, once per request). No `fetch`, no `import.meta.url`, no top-level await, no
 * `.wasm` import, no `eval`, and no randomness is drawn here: the module's one import,
 * `env.random`, is called by the engine inside the call that needs random bytes.
 *
 * Recovery: a call that stops half-way inside the engine (a trap, running out of memory, the
 * JavaScript stack exhausted) can leave the instance's state half-done: an object borrowed,
 * the stack pointer moved, the allocator mid-update. Every exception escaping an engine call
 * goes through {@link discardUnlessOwn}: unless the engine (or this layer) raised it on
 * purpose, the instance is discarded. The next call instantiates the compiled module afresh,
 * and every capability rebuilds its compiled objects there ({@link perInstance}); an object of
 * the discarded instance throws if it is ever used again (engine-objects.ts checks its
 * generation).
 * @internal
 */
import { ConvexError } from "convex/values";
import { wasmBytes } from "./generated/wasm-base64.js";
import { ENGINE_MESSAGES } from "./generated/messages.js";
import {
  ABI_ERROR,
  ABI_ERROR_CODE,
  ABI_ERROR_HEAD,
  ABI_ERROR_NUMS,
  ABI_ERROR_TEXTS,
  ENGINE_ERROR_CODES,
  abiAlign,
  fillEngineMessage,
  type EngineExports,
} from "./generated/wire.js";

export {
  PolicyBuilder,
  CompiledPolicy,
  AccessLevelsBuilder,
  AccessEngine,
  RateLimiter,
  CodeEngine,
} from "./engine-objects.js";

/**
 * The live instance: its generation (1, 2, ... in the order instances were made; 0 while there
 * is none, before the first use or after one was discarded), its exports and memory, and a
 * byte view over that memory (made again when the memory grows: a grown memory detaches the
 * old buffer, whose views then read a length of 0). @internal
 */
export const live: {
  generation: number;
  memory: WebAssembly.Memory | undefined;
  exports: EngineExports;
  bytes: Uint8Array;
} = {
  generation: 0,
  memory: undefined,
  exports: undefined as unknown as EngineExports,
  bytes: new Uint8Array(0),
};

/** Instances made so far in this context. */
let instances = 0;
/** The compiled module, kept for the instances made after one was discarded. */
let compiled: WebAssembly.Module | undefined;

/** Instantiates the engine on first use, and again after an instance was discarded. @internal */
export function engine(): void {
  if (live.generation !== 0) return;
  compiled ??= new WebAssembly.Module(wasmBytes(decodeBase64) as Uint8Array<ArrayBuffer>);
  // If this throws (out of memory, stack exhausted), the generation stays 0 and the next call
  // tries again.
  const instance = new WebAssembly.Instance(compiled, { env: { random } });
  live.exports = instance.exports as unknown as EngineExports;
  live.memory = live.exports.memory;
  live.bytes = new Uint8Array(0);
  live.generation = ++instances;
}

/**
 * The engine's one import: fills `len` bytes at `at` with `crypto.getRandomValues` (the engine
 * asks for at most 65,536 at a time), drawn now, inside the call that needs them. 0, or 1 when
 * the platform has none (the engine then refuses with UNAVAILABLE).
 */
function random(at: number, len: number): number {
  const generation = live.generation;
  let filled = 0;
  try {
    crypto.getRandomValues(new Uint8Array(live.memory!.buffer, at >>> 0, len >>> 0));
  } catch {
    filled = 1;
  }
  // An engine call made from inside getRandomValues (a patched global) found this instance
  // busy, was refused and discarded it: the call under way must not go on to read its answer
  // from another instance. Throwing here abandons it (the instance is already discarded).
  if (live.generation !== generation) throw new Error("convex-guard: an engine call was made from inside crypto.getRandomValues");
  return filled;
}

/**
 * The engine's memory (instantiating the engine if needed), for views over buffers the engine
 * owns. Its `buffer` changes when the memory grows: re-create views whose `byteLength` is 0.
 * After the instance is discarded it is another memory: {@link perInstance} caches hold it.
 * @internal
 */
export function engineMemory(): WebAssembly.Memory {
  engine();
  return live.memory!;
}

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

/** Makes room for `n` more bytes of input; returns the address where they go. @internal */
export function reserve(n: number): number {
  return address(live.exports.buffer(cursor + n)) + cursor;
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
 * rest with `TextEncoder.encodeInto` (lone surrogates become U+FFFD, as they always did).
 * @internal
 */
export function text(s: string): number {
  // Only a primitive string: no caller's getter or `toString` may run while the I/O area's
  // address is held (it would be free to make engine calls that move the area).
  if (typeof s !== "string") throw invalid();
  const n = s.length;
  let at = reserve(n);
  let mem = memoryBytes();
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) break;
    mem[at + i] = c;
  }
  if (i !== n) {
    const rest = (n - i) * 3;
    at = reserve(i + rest);
    mem = memoryBytes();
    i += (encoder ??= new TextEncoder()).encodeInto(s.slice(i), mem.subarray(at + i, at + i + rest)).written;
  }
  advance(i);
  return i;
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
  return address(live.exports.buffer(0));
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
 * the I/O area (its code and parts; {@link discardUnlessOwn} fills its message), or an
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

/**
 * Called with every exception that escapes an engine call, before anything else. The engine's
 * own errors (a `code` of ENGINE_ERROR_CODES: INVALID_CONFIG, INVALID_ARGUMENT, UNAVAILABLE)
 * get their message here, filled from the generated templates (the engine sends template ids
 * and values, never text), and leave the instance as it is, as do the guard's `ConvexError`s.
 * Anything else (a `WebAssembly.RuntimeError`, a `RangeError`, this layer's "malformed call"
 * or "discarded instance" error, an exception from a caller's getter) means a call may have
 * stopped half-way inside the engine: the instance is discarded. On that path it makes no
 * call of its own (property reads, a loop and one store; only an engine error, which the engine
 * returned cleanly, is filled by a call), and callers call it before anything else in their
 * `catch`: it needs less stack than the call that failed inside the engine did, so it runs even
 * at the edge of an exhausted stack.
 * @internal
 */
export function discardUnlessOwn(e: unknown): void {
  const own = e as { code?: unknown; parts?: unknown; message?: unknown } | null | undefined;
  let engineError = false;
  for (let i = 0; i < ENGINE_ERROR_CODES.length; i++) engineError ||= own?.code === ENGINE_ERROR_CODES[i];
  if (engineError) {
    // The engine's errors carry their message as template ids and values: fill it once.
    if (Array.isArray(own!.parts)) {
      own!.message = fillEngineMessage(ENGINE_MESSAGES, own!.parts);
      own!.parts = undefined;
    }
    return;
  }
  if (e instanceof ConvexError) return;
  live.generation = 0;
}

/**
 * A cache of what `build` makes from engine objects (a compiled policy, limits, levels): built
 * at first use, and built again in the new instance after the one it was built in was
 * discarded, so no object of a discarded instance is used again. `build` runs with the engine
 * instantiated; an exception escaping it goes through {@link discardUnlessOwn} and nothing is
 * cached (a configuration error throws again at the next call).
 *
 * @example
 * ```ts
 * const compile = perInstance(() => new PolicyBuilder().build());
 * compile().can(0, 0);
 * ```
 * @internal
 */
export function perInstance<T>(build: () => T): () => T {
  let value: T | undefined;
  let builtIn = -1;
  return () => {
    if (builtIn === live.generation) return value!;
    try {
      engine();
      const generation = live.generation;
      value = build();
      builtIn = generation;
      return value;
    } catch (e) {
      discardUnlessOwn(e);
      throw e;
    }
  };
}

/**
 * Whether `key` names a secret field (the engine's rule), instantiating the engine if needed.
 * @internal
 */
export function isSecretKey(key: string): boolean {
  engine();
  try {
    const t = input();
    return checked(t, live.exports.is_secret_key(text(key))) === 1;
  } catch (e) {
    discardUnlessOwn(e);
    throw e;
  }
}

/** A number for the engine: anything else (a string, a BigInt, an object) becomes NaN, which
 * the engine refuses, and no caller's `valueOf` runs. @internal */
export const num = (x: unknown): number => (typeof x === "number" ? x : NaN);

type Base64Decoder = { fromBase64?: (s: string) => Uint8Array };
type BufferLike = { from(s: string, encoding: "base64"): Uint8Array };

/**
 * Base64 to bytes with the fastest decoder the platform has: `Uint8Array.fromBase64`
 * (Convex's V8, recent browsers), else Node's `Buffer`, else `atob`.
 * @internal
 */
export function decodeBase64(b64: string): Uint8Array {
  const fromBase64 = (Uint8Array as unknown as Base64Decoder).fromBase64;
  if (typeof fromBase64 === "function") return fromBase64(b64);
  const buffer = (globalThis as { Buffer?: BufferLike }).Buffer;
  if (buffer !== undefined) return buffer.from(b64, "base64");
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
