/**
 * The loader: the only module that touches the WebAssembly engine's instantiation.
 *
 * Import does nothing but define functions. The first call to {@link engine} decodes the
 * inlined bytes, compiles and instantiates them synchronously, once per JavaScript context
 * (in Convex, once per request). No `fetch`, no `import.meta.url`, no top-level await, no
 * `.wasm` import, no `eval`, and no randomness is drawn here.
 *
 * Recovery: a call that stops half-way inside the engine (a trap, running out of memory, the
 * JavaScript stack exhausted) can leave the instance's state half-done: a borrow flag set, the
 * stack pointer moved, the allocator mid-update. Every exception escaping an engine call goes
 * through {@link discardUnlessOwn}: unless the engine (or this layer) raised it on purpose, the
 * instance is discarded. The next call instantiates the compiled module afresh, and every
 * capability rebuilds its compiled objects there ({@link perInstance}); an object of the
 * discarded instance throws if it is ever used again (wasm-bindgen's reset-state glue).
 * @internal
 */
import { ConvexError } from "convex/values";
import { initSync, __wbg_reset_state as resetGlue, isSecretKey as secretKey } from "./generated/glue.js";
import { WASM_BASE64 } from "./generated/wasm-base64.js";
import { ENGINE_MESSAGES } from "./generated/messages.js";
import { ENGINE_ERROR_CODES, fillEngineMessage } from "./generated/wire.js";

export {
  PolicyBuilder,
  CompiledPolicy,
  AccessLevelsBuilder,
  AccessEngine,
  RateLimiter,
  CodeEngine,
} from "./generated/glue.js";

/**
 * The live instance: its generation (1, 2, ... in the order instances were made; 0 while there
 * is none, before the first use or after one was discarded) and its memory. @internal
 */
export const live: { generation: number; memory: WebAssembly.Memory | undefined } = {
  generation: 0,
  memory: undefined,
};

/** Instances made so far in this context. */
let instances = 0;
/** Whether the glue holds an instance (its `initSync` returned once): then it resets instead. */
let glueStarted = false;
/** Whether `initSync` was tried before (and so may have left a half-started instance). */
let glueTried = false;

/** Instantiates the engine on first use, and again after an instance was discarded. @internal */
export function engine(): void {
  if (live.generation !== 0) return;
  let fresh = false;
  if (!glueStarted) {
    fresh = !glueTried;
    glueTried = true;
    // Compiles the module and instantiates it; the glue keeps the compiled module.
    initSync({ module: decodeBase64(WASM_BASE64) });
    glueStarted = true;
  }
  // Anything but the very first, completed instantiation resets the glue: a new instance of
  // the compiled module, new memory, every old object stale. If this throws (out of memory,
  // stack exhausted), the generation stays 0 and the next call tries again.
  if (!fresh) resetGlue();
  // `initSync` returns the glue's current instance at once when it has one.
  live.memory = initSync(undefined as never).memory;
  live.generation = ++instances;
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
 * Anything else (a `WebAssembly.RuntimeError`, a `RangeError`, wasm-bindgen's "recursive use of
 * an object" or "stale object" error, an exception from a caller's getter) means a call may
 * have stopped half-way inside the engine: the instance is discarded. On that path it makes no
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
    return secretKey(key);
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
