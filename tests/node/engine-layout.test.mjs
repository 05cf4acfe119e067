// The engines' memory layout (.cargo/config.toml sets the stack size): the stack comes first,
// below every data segment, so a stack that overflows runs below address 0 and traps (the
// instance is discarded: fail closed) instead of writing over the engine's data; and the
// memory a fresh instance starts with stays small, since every Convex request instantiates
// the engine again and holds that memory until a garbage collection frees it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { wire } from "./wire-ts.mjs";

const root = new URL("../..", import.meta.url).pathname;
const ENGINES = ["convex_guard.wasm", "roles_only.wasm", "client.wasm"];
const PAGE = 65536;

/** The module's initial memory pages, the stack pointer's start and its data segments' offsets. */
function layout(bytes) {
  let at = 8;
  const byte = () => bytes[at++];
  const leb = () => {
    let n = 0;
    let shift = 0;
    for (;;) {
      const b = byte();
      n += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) return n;
    }
  };
  /** An `i32.const N; end` constant expression (signed LEB, non-negative here). */
  const i32Const = () => {
    assert.equal(byte(), 0x41, "an i32.const initializer");
    const n = leb();
    assert.equal(byte(), 0x0b, "end of the initializer");
    return n;
  };
  const out = { pages: undefined, stackPointer: undefined, data: [] };
  while (at < bytes.length) {
    const id = byte();
    const size = leb();
    const end = at + size;
    if (id === 5) {
      assert.equal(leb(), 1, "one memory");
      const flags = byte();
      out.pages = leb();
      if (flags & 1) leb(); // maximum
    } else if (id === 6) {
      // The first global is LLVM's __stack_pointer: a mutable i32.
      assert.ok(leb() >= 1, "a global");
      assert.deepEqual([byte(), byte()], [0x7f, 0x01], "the stack pointer is a mutable i32");
      out.stackPointer = i32Const();
    } else if (id === 11) {
      for (let n = leb(); n > 0; n--) {
        const kind = leb(); // 0: active in memory 0, 1: passive (no address), 2: active in memory N
        if (kind === 2) assert.equal(leb(), 0, "memory 0");
        if (kind !== 1) out.data.push(i32Const());
        const length = leb();
        at += length; // the segment's bytes
      }
    }
    at = end;
  }
  return out;
}

for (const name of ENGINES) {
  test(`${name}: the stack is below every data segment, and a fresh instance's memory is small`, () => {
    const { pages, stackPointer, data } = layout(readFileSync(`${root}target/wasm/${name}`));
    assert.ok(data.length > 0, "the engine has data segments");
    // The stack grows down from its start to address 0: nothing of the engine's lies below it.
    assert.ok(stackPointer <= Math.min(...data), `stack start ${stackPointer}, first data at ${Math.min(...data)}`);
    // 32 KiB of stack (the deepest call of the test suites uses under 1 KiB), then the data: one
    // page to start with, not the 17 of the linker's 1 MiB stack.
    assert.equal(stackPointer, PAGE / 2);
    assert.equal(pages, 1);
  });
}

for (const name of ENGINES) {
  test(`${name}: the heap starts in the initial page, and grows past it keeping what it holds`, () => {
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(`${root}target/wasm/${name}`)));
    // The I/O area's first block (what a fresh request's first call makes) comes from the free
    // end of the initial page: no memory.grow (src/bindings/mod.rs `FirstPage`).
    const small = wire.opBuffer(exports, 4096);
    assert.ok(small > PAGE / 2 && small + 4096 <= PAGE, `the area at ${small}`);
    assert.equal(exports.memory.buffer.byteLength, PAGE);
    new Uint8Array(exports.memory.buffer, small, 4096).fill(7);
    // An area larger than what is left grows the memory; the area keeps its bytes.
    const large = wire.opBuffer(exports, 200_000);
    assert.ok(large !== 0 && large % 8 === 0 && large + 200_000 <= exports.memory.buffer.byteLength, `the area at ${large}`);
    assert.ok(new Uint8Array(exports.memory.buffer, large, 4096).every((b) => b === 7));
    const larger = wire.opBuffer(exports, 1_000_000);
    assert.ok(larger !== 0 && larger + 1_000_000 <= exports.memory.buffer.byteLength);
    assert.ok(new Uint8Array(exports.memory.buffer, larger, 4096).every((b) => b === 7));
  });
}

for (const name of ENGINES) {
  test(`${name}: one function export runs every operation but a first check's and a rate limit's decision, and an operation the module lacks is refused`, () => {
    const module = new WebAssembly.Module(readFileSync(`${root}target/wasm/${name}`));
    const functions = WebAssembly.Module.exports(module).filter((e) => e.kind === "function");
    // A rate limit's decision is an export of its own in the modules with rate limits.
    const own = name === "roles_only.wasm" ? [] : ["limiter_decide"];
    assert.deepEqual(functions.map((e) => e.name).sort(), ["buffer", ...own, "policy_compile", "policy_holders", "run"]);
    const { exports } = new WebAssembly.Instance(module);
    // No operation has these ids, and `run` runs none of those exported on their own: refused
    // as a call that makes no sense (ABI_INVALID).
    const decide = 16; // limiter_decide's id, its index in wire::abi::OPS (tests/wire.rs)
    for (const op of [-1, 2 ** 31, 1e9, 20, 0, 4, 5, decide]) assert.equal(exports.run(op, 8, 8, 8), wire.ABI_INVALID, `op ${op}`);
    // The roles-only module has no rate limits: their operations are refused too.
    if (name === "roles_only.wasm") assert.equal(wire.opLimiterCapacity(exports, 0, 0), wire.ABI_INVALID);
    assert.ok(wire.opBuffer(exports, 8) > 0);
  });
}

for (const name of ENGINES) {
  test(`${name}: an I/O area longer than ABI_MAX_IO_BYTES is refused (0), never a trap or a memory kept for the instance's life`, () => {
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(`${root}target/wasm/${name}`)));
    const max = wire.ABI_MAX_IO_BYTES;
    assert.ok(max >= 1 << 20 && max < 2 ** 31, `a bound of ${max}`);
    // Past isize::MAX (2 GiB) a Vec's capacity overflows (a panic: unreachable), and just
    // below it the memory grew to 2 GiB, for good.
    for (const len of [max + 1, 2 ** 31 - 8, 2 ** 31, 2 ** 32 - 1]) {
      assert.equal(wire.opBuffer(exports, len), 0, `buffer(${len})`);
      assert.equal(exports.memory.buffer.byteLength, PAGE, `buffer(${len}) grew no memory`);
    }
    // The bound itself is granted, and the instance still works after the refusals.
    const at = wire.opBuffer(exports, max);
    assert.ok(at > 0 && at % 8 === 0 && at + max <= exports.memory.buffer.byteLength, `the area at ${at}`);
    assert.equal(wire.opBuffer(exports, max + 1), 0);
    assert.equal(wire.opBuffer(exports, 8), at);
  });
}

test("convex_guard.wasm: an I/O area the memory cannot grow to hold is refused (0), never a trap", () => {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(`${root}target/wasm/convex_guard.wasm`)));
  // The area's first block (4 KiB, from the memory the module starts with), then the memory
  // grown as far as it goes, so that no larger area fits anywhere.
  const at = wire.opBuffer(exports, 8);
  assert.ok(at > 0 && at % 8 === 0, `the area at ${at}`);
  for (let step = 32768; step >= 1; step >>= 1) {
    try {
      exports.memory.grow(step);
    } catch {
      // that step no longer fits; try half of it
    }
  }
  for (const len of [wire.ABI_MAX_IO_BYTES, 1 << 20]) {
    assert.equal(wire.opBuffer(exports, len), 0, `buffer(${len}) on a full memory`);
  }
  // Refused, not trapped: the instance still answers, with the area it had.
  assert.equal(wire.opBuffer(exports, 4096), at);
});
