/**
 * Raw DEFLATE (RFC 1951) decoding, for the browser entries' inlined engine: their module is
 * shipped deflated and inflated once, at first use (scripts/build-pkg.mjs inflates every shipped
 * module with this function at build time and refuses one that does not come back exact).
 * The decoder of zlib's `puff`, kept small: a page downloads it.
 * @internal
 */

/** Counts of codes per length (index 0 unused) and the symbols in canonical order. */
type Huffman = [Uint16Array, Uint16Array];

function huffman(lengths: ArrayLike<number>): Huffman {
  const count = new Uint16Array(16);
  const offset = new Uint16Array(16);
  const symbols = new Uint16Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) count[lengths[s]!]!++;
  count[0] = 0;
  for (let len = 1; len < 16; len++) offset[len] = offset[len - 1]! + count[len - 1]!;
  for (let s = 0; s < lengths.length; s++) if (lengths[s]) symbols[offset[lengths[s]!]!++] = s;
  return [count, symbols];
}

/** Base and extra bits of each length (257..285) and distance (0..29) code. */
const LEN_BASE: number[] = [];
const LEN_EXTRA: number[] = [];
const DIST_BASE: number[] = [];
const DIST_EXTRA: number[] = [];
for (let i = 0, len = 3, dist = 1; i < 30; i++) {
  LEN_EXTRA.push(i < 8 || i > 27 ? 0 : (i >> 2) - 1);
  LEN_BASE.push(i === 28 ? 258 : len);
  len += 1 << LEN_EXTRA[i]!;
  DIST_EXTRA.push(i < 4 ? 0 : (i >> 1) - 1);
  DIST_BASE.push(dist);
  dist += 1 << DIST_EXTRA[i]!;
}
/** The order code length code lengths are sent in. */
const ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Inflates the raw DEFLATE stream `src` into `out` (exactly its size); throws on a malformed stream. */
export function inflate(src: Uint8Array, out: Uint8Array): Uint8Array {
  let at = 0;
  let buffer = 0;
  let held = 0;
  let o = 0;
  const bits = (n: number): number => {
    while (held < n) {
      if (at >= src.length) throw new Error("truncated deflate stream");
      buffer |= src[at++]! << held;
      held += 8;
    }
    const v = buffer & ((1 << n) - 1);
    buffer >>>= n;
    held -= n;
    return v;
  };
  const decode = ([count, symbols]: Huffman): number => {
    for (let len = 1, code = 0, first = 0, index = 0; len < 16; len++) {
      code |= bits(1);
      if (code - count[len]! < first) return symbols[index + code - first]!;
      index += count[len]!;
      first = (first + count[len]!) << 1;
      code <<= 1;
    }
    throw new Error("malformed deflate stream");
  };
  let last;
  do {
    last = bits(1);
    const type = bits(2);
    if (type === 0) {
      buffer = held = 0;
      let n = src[at]! | (src[at + 1]! << 8);
      at += 4;
      while (n--) out[o++] = src[at++]!;
      continue;
    }
    let lengths: number[] = [];
    let nlit = 288;
    if (type === 1) {
      for (let s = 0; s < 318; s++) lengths.push(s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : s < 288 ? 8 : 5);
    } else if (type === 2) {
      nlit = bits(5) + 257;
      const total = nlit + bits(5) + 1;
      const ncode = bits(4) + 4;
      const codeLengths = new Array<number>(19).fill(0);
      for (let i = 0; i < ncode; i++) codeLengths[ORDER[i]!] = bits(3);
      const lencode = huffman(codeLengths);
      while (lengths.length < total) {
        const sym = decode(lencode);
        if (sym < 16) lengths.push(sym);
        else {
          const [value, n] =
            sym === 16 ? [lengths[lengths.length - 1], 3 + bits(2)] : sym === 17 ? [0, 3 + bits(3)] : [0, 11 + bits(7)];
          if (value === undefined) throw new Error("malformed deflate stream");
          for (let i = 0; i < n; i++) lengths.push(value);
        }
      }
    } else throw new Error("malformed deflate stream");
    const lit = huffman(lengths.slice(0, nlit));
    const dist = huffman(lengths.slice(nlit));
    for (let sym = decode(lit); sym !== 256; sym = decode(lit)) {
      if (sym < 256) out[o++] = sym;
      else {
        sym -= 257;
        let n = LEN_BASE[sym]! + bits(LEN_EXTRA[sym]!);
        const d = decode(dist);
        const back = DIST_BASE[d]! + bits(DIST_EXTRA[d]!);
        if (back > o || sym > 28 || d > 29) throw new Error("malformed deflate stream");
        while (n--) out[o] = out[o++ - back]!;
      }
    }
  } while (!last);
  if (o !== out.length) throw new Error("deflate stream of the wrong size");
  return out;
}
