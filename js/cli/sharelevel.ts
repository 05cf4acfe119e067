// The share level of a guard's access configuration, as the engine compiles it: the audit reads
// `access.levels`, `publicLevel` and `shareLevel` from the source (levels.ts) and asks the
// package's own engine, through the browser entry's pure `accessLevels()`, which level they make
// the share level (its default, "the one below the owner's" with its exceptions, is the engine's
// rule: src/access.rs `AccessLevelsBuilder::build`, never written again here).
//
// `guard.insertDocument` and `guard.moveDocument` file a document under a parent the caller holds
// the share level on; a hand-written insert whose parent argument was checked at that level or
// above files no further than they would (accessfields.ts).
//
// The entry is `client.cjs` beside this bundle (pkg/cli.cjs, the package's `cli.cjs`), loaded
// only when an insert needs it. When it cannot be loaded, or refuses the levels, nothing is
// known: the caller keeps to "owner", which is at or above every share level.

/** The part of the browser entry's public `defineClientGuard` read here (its types are the runtime's, which this bundle's compilation leaves out). */
type Define = (config: { roles: string[]; access: Record<string, unknown> }) => { accessLevels(): { levels: readonly string[]; shareLevel: string } };

let define: Define | null | undefined;

/** The browser entry's `defineClientGuard`, or null when it cannot be loaded. */
function engine(): Define | null {
  if (define === undefined) {
    try {
      define = (require("./client.cjs") as { defineClientGuard: Define }).defineClientGuard;
    } catch {
      define = null;
    }
  }
  return define;
}

const compiled = new Map<string, readonly string[] | null>();

/**
 * The levels at or above the share level the engine compiles from these (each `undefined` when
 * the configuration leaves it out), lowest first; null when the engine refuses them or cannot
 * be loaded.
 */
export function levelsThatMayShare(levels: readonly string[] | undefined, publicLevel: string | undefined, shareLevel: string | undefined): readonly string[] | null {
  const key = JSON.stringify([levels ?? null, publicLevel ?? null, shareLevel ?? null]);
  let known = compiled.get(key);
  if (known === undefined) {
    known = null;
    const make = engine();
    if (make !== null) {
      try {
        const access: Record<string, unknown> = {};
        if (levels !== undefined) access.levels = levels;
        if (publicLevel !== undefined) access.publicLevel = publicLevel;
        if (shareLevel !== undefined) access.shareLevel = shareLevel;
        const info = make({ roles: ["user"], access }).accessLevels();
        known = info.levels.slice(info.levels.indexOf(info.shareLevel));
      } catch {
        known = null;
      }
    }
    compiled.set(key, known);
  }
  return known;
}
