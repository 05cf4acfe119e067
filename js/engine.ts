/**
 * The loader: the only module that touches the WebAssembly engine's instantiation.
 *
 * Import does nothing but define functions. The first call to {@link engine} decodes the
 * inlined bytes, compiles and instantiates them synchronously, once per JavaScript context
 * (in Convex, once per request). No `fetch`, no `import.meta.url`, no top-level await, no
 * `.wasm` import, no `eval`, and no randomness is drawn here.
 * @internal
 */
import { initSync } from "./generated/glue.js";
import { WASM_BASE64 } from "./generated/wasm-base64.js";

export {
  PolicyBuilder,
  CompiledPolicy,
  AccessLevelsBuilder,
  AccessEngine,
  RateLimiter,
  CodeEngine,
  isSecretKey,
} from "./generated/glue.js";

let memory: WebAssembly.Memory | undefined;

/** Instantiates the engine on first use; later calls return at once. @internal */
export function engine(): void {
  if (memory !== undefined) return;
  memory = initSync({ module: decodeBase64(WASM_BASE64) }).memory;
}

/**
 * The engine's memory (instantiating the engine if needed), for views over buffers the engine
 * owns. Its `buffer` changes when the memory grows: re-create views whose `byteLength` is 0.
 * @internal
 */
export function engineMemory(): WebAssembly.Memory {
  engine();
  return memory!;
}

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
