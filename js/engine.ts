/**
 * The loader: the only module that touches the WebAssembly engine's instantiation, and its
 * calling convention (src/wire.rs `abi`, rendered into generated/wire.ts; the I/O area is
 * engine-io.ts).
 *
 * Import does nothing but define functions. The first call to {@link engine} decodes the
 * inlined bytes, compiles and instantiates them synchronously, once per JavaScript context
 * (in Convex, once per request). No `fetch`, no `import.meta.url`, no top-level await, no
 * `.wasm` import, no `eval`, and no randomness is drawn here: `env.random`, the engine's one
 * way out, is called by the engine inside the call that needs random bytes. The module imports
 * nothing: it calls `env.random` through slot 0 of its `random` table, which
 * {@link randomReady} fills before a call that draws (a JavaScript import costs every request
 * a wrapper compiled after a GC, see scripts/build-pkg.mjs `randomThroughTable`).
 *
 * Recovery: a call that stops half-way inside the engine (a trap, running out of memory, the
 * JavaScript stack exhausted) can leave the instance's state half-done: an object borrowed,
 * the stack pointer moved, the allocator mid-update. Every export is called between
 * {@link enter} and {@link leave}: while it runs, the live generation reads 0 (discarded), and
 * only an export that returned makes the instance live again. A call that never comes back
 * thus leaves its instance discarded without any code having to run after it (a catch at the
 * edge of an exhausted stack may itself run out of stack before it gets to discard anything).
 * Other exceptions escaping a call go through {@link discardUnlessOwn}: unless the engine (or
 * this layer) raised it on purpose, the instance is discarded too. The next call instantiates
 * the compiled module afresh, and every capability rebuilds its compiled objects there
 * ({@link perInstance}); an object of the discarded instance throws if it is ever used again
 * (engine-objects.ts checks its generation).
 * @internal
 */
import { ConvexError } from "convex/values";
import { wasmBytes } from "./generated/wasm-base64.js";
import { randomBridge } from "./generated/random-bridge.js";
import { ENGINE_MESSAGES } from "./generated/messages.js";
import { ENGINE_ERROR_CODES, fillEngineMessage, opIsSecretKey, type EngineExports } from "./generated/wire.js";
import { checked, input, text } from "./engine-io.js";

// For the tests that reach below the TypeScript layer (tests/node/engine-ts.mjs).
export { checked, input, text };
export {
  PolicyBuilder,
  CompiledPolicy,
  policyOf,
  policyFull,
  checkPolicy,
  AccessLevelsBuilder,
  AccessEngine,
  RateLimiter,
  CodeEngine,
} from "./engine-objects.js";

/**
 * The live instance: its generation (1, 2, ... in the order instances were made; 0 while there
 * is none: before the first use, after one was discarded, and while an export runs, see
 * {@link enter}), its exports and memory, and a byte view over that memory (made again when
 * the memory grows: a grown memory detaches the old buffer, whose views then read a length of
 * 0). @internal
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
  // Called from inside `env.random` (a patched crypto.getRandomValues): an export is running,
  // which is why the generation reads 0. Refused before anything is touched, and the call
  // under way is abandoned too (see `random`).
  if (drawing) {
    nested = true;
    throw new Error(NESTED);
  }
  compiled ??= new WebAssembly.Module(wasmBytes(decodeBase64) as Uint8Array<ArrayBuffer>);
  // If this throws (out of memory, stack exhausted), the generation stays 0 and the next call
  // tries again.
  const instance = new WebAssembly.Instance(compiled);
  live.exports = instance.exports as unknown as EngineExports;
  live.memory = live.exports.memory;
  live.bytes = new Uint8Array(live.memory.buffer);
  live.generation = ++instances;
}

/**
 * Starts an export call: until {@link leave}, the live instance reads as discarded (generation
 * 0), so a call that never returns (a trap, memory or the JavaScript stack exhausted inside the
 * engine) leaves it discarded, whatever the code after it can or cannot still run. Call it
 * right before the export, its arguments already computed (nothing of the caller's may run
 * while the generation reads 0), and pass the generation it returns to {@link leave}.
 * @internal
 */
export function enter(): number {
  const generation = live.generation;
  live.generation = 0;
  return generation;
}

/**
 * Ends an export call that returned `status`: its instance, of generation `generation` (from
 * {@link enter}), is live again. Returns `status`; or, if an instance was made while the export
 * ran (code that ran inside it made a call: the answer would be read from another instance),
 * it throws, and that instance is discarded in turn.
 * @internal
 */
export function leave(generation: number, status: number): number {
  if (live.generation !== 0) throw new Error("convex-guard: an engine call was made while another was under way");
  live.generation = generation;
  return status;
}

/** Whether `env.random` is drawing bytes (an export is running, and called it). */
let drawing = false;
/** Whether an engine call was made (and refused) from inside `env.random`'s draw. */
let nested = false;
const NESTED = "convex-guard: an engine call was made from inside crypto.getRandomValues";

/**
 * `env.random`, the engine's one way out (through slot 0 of its `random` table, see
 * {@link randomReady}): fills `len` bytes at `at` with `crypto.getRandomValues` (the engine
 * asks for at most 65,536 at a time), drawn now, inside the call that needs them. 0, or 1 when
 * the platform has none (the engine then refuses with UNAVAILABLE).
 */
function random(at: number, len: number): number {
  let failure: unknown = null;
  let wasNested = false;
  drawing = true;
  try {
    crypto.getRandomValues(new Uint8Array(live.memory!.buffer, at >>> 0, len >>> 0));
  } catch (e) {
    failure = e;
  } finally {
    // Plain stores only, whatever ended the draw: a stack exhausted anywhere in it (even in
    // this function's own checks below) never leaves `drawing` set, which would refuse every
    // later engine call as made from inside a draw.
    drawing = false;
    wasNested = nested;
    nested = false;
  }
  // The JavaScript stack ran out inside the draw: not the platform's failure, so not
  // UNAVAILABLE's "no usable crypto.getRandomValues". The call is abandoned as on any stack
  // exhaustion inside the engine (its instance stays discarded), and the caller sees it.
  if (failure instanceof RangeError) throw failure;
  // An engine call made from inside getRandomValues (a patched global) was refused: the call
  // under way is abandoned too, and its instance stays discarded (it never returns to `leave`).
  if (wasNested) throw new Error(NESTED);
  return failure === null ? 0 : 1;
}

/** The bridge to {@link random} (a module importing it), made at the context's first draw. */
let bridge: WebAssembly.Instance | undefined;

/**
 * Makes the live instance able to draw random bytes: fills slot 0 of its `random` table with
 * {@link random}, through the bridge (a module that imports it and exports it back, for a
 * table holds WebAssembly functions only). Call it with the engine instantiated, before an
 * export that may draw (a code's generation), outside {@link enter} and {@link leave}. An
 * export that draws with the slot empty traps, which discards its instance.
 * @internal
 */
export function randomReady(): void {
  const slots = live.exports.random;
  if (slots.get(0) !== null) return;
  bridge ??= new WebAssembly.Instance(new WebAssembly.Module(randomBridge()), { env: { random } });
  slots.set(0, bridge.exports.random);
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

/**
 * Called with every exception that escapes an engine call, before anything else. The engine's
 * own errors (a `code` of ENGINE_ERROR_CODES: INVALID_CONFIG, INVALID_ARGUMENT, UNAVAILABLE)
 * get their message here, filled from the generated templates (the engine sends template ids
 * and values, never text), and leave the instance as it is, as do the guard's `ConvexError`s.
 * Anything else (a `WebAssembly.RuntimeError`, a `RangeError`, this layer's "malformed call",
 * "could not get memory" or "discarded instance" error, an exception from a caller's getter)
 * means the call went wrong: the instance is discarded. Nothing depends on this running,
 * though: a call that stopped half-way inside the engine already left its instance discarded
 * ({@link enter}), and at the edge of an exhausted stack the catch that would call this can
 * itself run out of stack (a JavaScript frame can need more than the engine's frames that ran
 * out did).
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
 * Runs the engine call `f`, given `value` as `sent` when it could carry no other (a u32 for
 * -1, 2.5 or NaN): an engine error naming `sent` names `value` instead (a number as given,
 * anything else as NaN), so a message never shows a stand-in the caller never wrote. @internal
 */
export function naming<T>(value: unknown, sent: number, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const parts = (e as { parts?: unknown } | null)?.parts;
    const at = Array.isArray(parts) ? parts.indexOf(sent, 1 + (parts[0] as number)) : -1;
    if (at >= 0) (parts as unknown[])[at] = typeof value === "number" ? value : NaN;
    throw e;
  }
}

/**
 * A cache of what `build` makes from engine objects (a compiled policy, limits, levels): built
 * at first use, and built again in the new instance after the one it was built in was
 * discarded, so no object of a discarded instance is used again. `build` runs with the engine
 * instantiated; an exception escaping it goes through {@link discardUnlessOwn} and nothing is
 * cached (a configuration error throws again at the next call).
 *
 * `build` answers its value and what to keep of the configuration it read, and every later
 * build gets what the first successful one kept (`undefined` until then): a later instance
 * (after a trap) compiles exactly what the first accepted, never the app's objects read again,
 * whose getters or later edits would change a policy, or restart every rate limit, mid-life.
 *
 * @example
 * ```ts
 * const compile = perInstance((kept?: string[]) => {
 *   const names = kept ?? readNames(config);
 *   return [new PolicyBuilder(names).build(), names] as const;
 * });
 * compile().can(0, 0);
 * ```
 * @internal
 */
export function perInstance<T, K>(build: (kept: K | undefined) => readonly [value: T, keep: K]): () => T {
  let value: T | undefined;
  let kept: K | undefined;
  let builtIn = -1;
  return () => {
    if (builtIn === live.generation) return value!;
    try {
      engine();
      const generation = live.generation;
      // By index, not a destructuring assignment: that runs the Array iterator (which a caller
      // may have patched), and in a fresh context costs its first request about 2 µs.
      const built = build(kept);
      value = built[0];
      kept = built[1];
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
    const k = text(key);
    const g = enter();
    return checked(t, leave(g, opIsSecretKey(live.exports, k))) === 1;
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
