// `make wasm-size`: what makes the engine big. Reads a module built with its function names
// (scripts/build-pkg.mjs --optimize-only ... --names) and prints its largest functions by body
// size, then its sections, in bytes:
//
//   node scripts/wasm-top.mjs MODULE.wasm [N=40]
//
// The module's own parse, not a tool's: a function body's size is its entry in the code
// section, its name the name section's, demangled (the code section is the shipped module's:
// only the names differ).
import { readFileSync } from "node:fs";

const [file, top = "40"] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: node scripts/wasm-top.mjs MODULE.wasm [N]");
const bytes = readFileSync(file);
// Fails on anything V8 would refuse. Functions are numbered imports first: V8 counts those.
const imported = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).filter((i) => i.kind === "function").length;

let at = 8;
/** The unsigned LEB128 number at `at`, moving past it. */
function uleb() {
  let n = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    n += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return n;
    shift += 7;
  }
}
/** The name (length-prefixed UTF-8) at `at`, moving past it. */
function name() {
  const length = uleb();
  const text = bytes.toString("utf8", at, at + length);
  at += length;
  return text;
}

const SECTIONS = ["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "data count"];
const sections = [];
const bodies = []; // [size, index of the function among those defined here]
const names = new Map(); // function index (imports first) -> name
while (at < bytes.length) {
  const id = bytes[at++];
  const size = uleb();
  const end = at + size;
  let label = SECTIONS[id] ?? `section ${id}`;
  if (id === 0) label = `custom "${name()}"`;
  sections.push([label, size]);
  if (id === 10) {
    for (let i = 0, n = uleb(); i < n; i++) {
      const body = uleb();
      bodies.push([body, i]);
      at += body;
    }
  } else if (label === 'custom "name"') {
    while (at < end) {
      const kind = bytes[at++];
      const length = uleb();
      const next = at + length;
      if (kind === 1) for (let i = uleb(); i > 0; i--) names.set(uleb(), name());
      at = next;
    }
  }
  at = end;
}
if (names.size === 0) console.warn(`${file} has no function names: build it with --names`);

/** A Rust legacy symbol (`_ZN` length-prefixed segments `17h<hash>E`) as a path; others as they are. */
function demangle(symbol) {
  const m = /^_ZN(.*)E$/.exec(symbol);
  if (m === null) return symbol;
  const parts = [];
  for (let rest = m[1]; rest.length > 0; ) {
    const digits = /^\d+/.exec(rest)?.[0];
    if (digits === undefined) return symbol;
    parts.push(rest.slice(digits.length, digits.length + Number(digits)));
    rest = rest.slice(digits.length + Number(digits));
  }
  if (/^h[0-9a-f]{16}$/.test(parts.at(-1) ?? "")) parts.pop();
  const escapes = { $LT$: "<", $GT$: ">", $RF$: "&", $C$: ",", $u20$: " ", $u27$: "'", $u5b$: "[", $u5d$: "]", $u7b$: "{", $u7d$: "}", $BP$: "*", $SP$: "@", $LP$: "(", $RP$: ")" };
  return parts.join("::").replace(/\$[A-Za-z0-9]+\$/g, (e) => escapes[e] ?? e).replaceAll("..", "::");
}

const total = bytes.length;
const pct = (n) => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
console.log(`${file}: ${total} bytes, ${bodies.length} functions`);
console.log("\nlargest functions (body bytes):");
for (const [size, i] of bodies.sort((a, b) => b[0] - a[0]).slice(0, Number(top))) {
  console.log(`${String(size).padStart(7)} ${pct(size)}  ${demangle(names.get(imported + i) ?? `function ${imported + i}`)}`);
}
console.log("\nsections:");
for (const [label, size] of sections) console.log(`${String(size).padStart(7)} ${pct(size)}  ${label}`);
