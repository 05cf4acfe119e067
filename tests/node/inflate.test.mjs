// js/inflate.ts, the decoder of the browser entries' deflated engine (scripts/build-pkg.mjs also
// inflates each shipped module with it): every kind of DEFLATE block node's zlib writes comes
// back exact, and a malformed or mis-sized stream throws instead of yielding bytes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { constants, deflateRawSync } from "node:zlib";
import { transformSync } from "esbuild";

const source = readFileSync(new URL("../../js/inflate.ts", import.meta.url), "utf8");
const { code } = transformSync(source, { loader: "ts", format: "esm" });
const { inflate } = await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);

/** Bytes with runs, repeats at every distance and noise, so every code is exercised. */
function sample(n, seed) {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const r = x >>> 24;
    out[i] = r < 64 && i > 300 ? out[i - 1 - ((x >>> 8) % 300)] : r < 96 ? 0 : r;
  }
  return out;
}

test("stored, fixed and dynamic blocks inflate to the bytes deflated", () => {
  const cases = [
    ["empty", new Uint8Array(0), {}],
    ["stored", sample(70000, 1), { level: 0 }],
    ["fixed", sample(5000, 2), { level: 9, strategy: constants.Z_FIXED }],
    ["dynamic", sample(100000, 3), { level: 9 }],
    ["long runs", new Uint8Array(40000).fill(7), { level: 9 }],
    ["the roles-only engine", readFileSync(new URL("../../target/wasm/roles_only.wasm", import.meta.url)), { level: 9 }],
  ];
  for (const [what, bytes, options] of cases) {
    const packed = deflateRawSync(bytes, options);
    assert.deepEqual(Buffer.from(inflate(packed, new Uint8Array(bytes.length))), Buffer.from(bytes), what);
  }
});

test("a malformed, truncated or mis-sized stream throws", () => {
  const bytes = sample(20000, 4);
  const packed = deflateRawSync(bytes, { level: 9 });
  assert.throws(() => inflate(packed.subarray(0, packed.length >> 1), new Uint8Array(bytes.length)));
  assert.throws(() => inflate(packed, new Uint8Array(bytes.length - 1)), /wrong size/);
  assert.throws(() => inflate(packed, new Uint8Array(bytes.length + 1)), /wrong size/);
  assert.throws(() => inflate(Uint8Array.of(0x07), new Uint8Array(1)), /malformed/); // block type 3
});
