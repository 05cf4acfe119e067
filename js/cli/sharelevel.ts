// The levels at which a document check covers filing under a parent, as the engine compiles a
// guard's access configuration: the audit reads `access.levels`, `publicLevel`, `shareLevel`
// and a table's `fileLevel` from the source (levels.ts) and asks the package's own engine,
// through the browser entry's pure `accessLevels()` and `levelAtLeast`, which levels reach the
// one filing takes: the table's `fileLevel`, else the share level (its default, "the one below
// the owner's" with its exceptions, is the engine's rule: src/access.rs
// `AccessLevelsBuilder::build`, never written again here).
//
// `guard.insertDocument` and `guard.moveDocument` file a document under a parent the caller holds
// that level on; a hand-written insert whose parent argument was checked at that level or above
// files no further than they would (accessfields.ts).
//
// The entry is `client.cjs` beside this bundle (pkg/cli.cjs, the package's `cli.cjs`), loaded
// only when an insert needs it. When it cannot be loaded, or refuses the levels, nothing is
// known: the caller keeps to the guard's owner level (the last of its levels as written,
// levels.ts), which is at or above every such level.
/** The part of the browser entry's public `defineClientGuard` read here (its types are the runtime's, which this bundle's compilation leaves out). */
type Define = (config: { roles: string[]; access: Record<string, unknown> }) => {
  accessLevels(): { levels: readonly string[]; shareLevel: string };
  levelAtLeast(level: string, min: string): boolean;
};

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
 * The levels at or above the one filing takes (`fileLevel` when given, else the share level), as
 * the engine compiles these (each `undefined` when the configuration leaves it out), lowest
 * first; null when the engine refuses them or cannot be loaded.
 */
export function filingLevels(levels: readonly string[] | undefined, publicLevel: string | undefined, shareLevel: string | undefined, fileLevel: string | undefined): readonly string[] | null {
  const key = JSON.stringify([levels ?? null, publicLevel ?? null, shareLevel ?? null, fileLevel ?? null]);
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
        const guard = make({ roles: ["user"], access });
        const { levels: names, shareLevel: share } = guard.accessLevels();
        const min = fileLevel ?? share;
        known = names.filter((level) => guard.levelAtLeast(level, min));
      } catch {
        known = null;
      }
    }
    compiled.set(key, known);
  }
  return known;
}
