// The hand-written baseline for shared-access resolution: what an app writes without a library,
// with the same rules as the engine (src/access.rs) and the same facts shape as
// `guard.resolveAccess`: owner > direct > group > inherited (up to 8 ancestors) > public on
// ties, expired grants ignored, parent cycles denied. Written to be fast (Maps, no allocation
// per grant) so it is an honest bar. Unlike the engine it validates nothing (no NaN, bounds or
// unknown-name checks): that is how such code is usually written.

export type Grant = { to: string | null; kind: "direct" | "group"; level: string; expiresAt?: number };
export type Doc = { id: string; owner: string | null; visibility: string; parent: string | null; grants: Grant[] };
export type Facts = { now: number; caller: string | null; groups: string[]; documents: Doc[] };
export type Result = { id: string; level: string | null; source: string; via: string | null };

const RANK: Record<string, number> = { owner: 5, direct: 4, group: 3, inherited: 2, public: 1, none: 0 };
const MAX_DEPTH = 8;

export function makeResolver(levels: string[], publicLevel: string) {
  const levelOf = new Map(levels.map((l, i) => [l, i + 1]));
  const ownerLevel = levels.length;
  const pub = levelOf.get(publicLevel)!;

  return function resolve(f: Facts): Result[] {
    const docs = f.documents;
    const n = docs.length;
    const index = new Map<string, number>();
    for (let i = 0; i < n; i++) index.set(docs[i]!.id, i);
    const groups = new Set(f.groups);
    const level = new Int32Array(n);
    const source: string[] = new Array(n).fill("none");
    const parent = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const d = docs[i]!;
      parent[i] = d.parent === null ? -1 : (index.get(d.parent) ?? -1);
      if (f.caller === null) continue;
      if (d.owner === f.caller) {
        level[i] = ownerLevel;
        source[i] = "owner";
      }
      for (const g of d.grants) {
        if (g.to === null || !(f.now < (g.expiresAt ?? Infinity))) continue;
        const applies = g.kind === "direct" ? g.to === f.caller : groups.has(g.to);
        if (!applies) continue;
        const l = levelOf.get(g.level)!;
        if (l > level[i]! || (l === level[i] && RANK[g.kind]! > RANK[source[i]!]!)) {
          level[i] = l;
          source[i] = g.kind;
        }
      }
    }
    // Cycle detection: 0 unseen, 1 walking, 2 ends, 3 loops.
    const state = new Uint8Array(n);
    const path: number[] = [];
    for (let s = 0; s < n; s++) {
      if (state[s] !== 0) continue;
      path.length = 0;
      let cur = s;
      let verdict = 2;
      for (;;) {
        if (state[cur] === 0) {
          state[cur] = 1;
          path.push(cur);
          if (parent[cur] === -1) break;
          cur = parent[cur]!;
        } else {
          verdict = state[cur] === 1 ? 3 : state[cur]!;
          break;
        }
      }
      for (const p of path) state[p] = verdict;
    }
    const out: Result[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const d = docs[i]!;
      if (state[i] === 3) {
        out[i] = { id: d.id, level: null, source: "cycle", via: null };
        continue;
      }
      let best = level[i]!;
      let src = source[i]!;
      let via = best > 0 ? i : -1;
      let cur = parent[i]!;
      for (let step = 0; step < MAX_DEPTH && cur !== -1; step++) {
        if (level[cur]! > best) {
          best = level[cur]!;
          src = "inherited";
          via = cur;
        }
        cur = parent[cur]!;
      }
      if (d.visibility === "public" && (pub > best || (pub === best && RANK.public! > RANK[src]!))) {
        best = pub;
        src = "public";
        via = i;
      }
      out[i] = { id: d.id, level: best === 0 ? null : levels[best - 1]!, source: src, via: via === -1 ? null : docs[via]!.id };
    }
    return out;
  };
}
