// Which files of the app Convex registers as function modules: the rules of Convex 1.48's
// bundler (`entryPoints` in convex/dist/esm/bundler/index.js), followed exactly, so that no file
// Convex deploys is left unread (a `.hidden/` directory, a `.cts` file, `convex/node_modules/`).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

/** The extensions esbuild's js, ts and jsx loaders take: Convex's `ENTRY_POINT_EXTENSIONS`. */
const ENTRY_EXTENSIONS = [".js", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".jsx"];

/**
 * The files Convex deploys from `convexDir`, by its own rules. Every directory is walked (dot
 * directories and `node_modules` too: Convex skips neither) but a nested component's (a
 * directory holding a `convex.config.ts`); symbolic links are neither files nor directories to
 * its walk, so they are skipped. A file is a module when its path ends in one of the entry
 * extensions, and it is not under the top-level `_generated/`, its name starts with neither `.`
 * nor `#`, is not `schema.ts`/`schema.js` (at any depth), has at most one dot (`x.test.ts`,
 * `x.d.ts` are not modules), its path holds no space, and a `.ts`/`.tsx` file has a line
 * starting (after at most 100 spaces) with `import` or `export`.
 */
export function functionModules(convexDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!existsSync(join(path, "convex.config.ts"))) walk(path);
        continue;
      }
      if (!entry.isFile()) continue;
      const rel = relative(convexDir, path);
      const base = entry.name;
      if (!ENTRY_EXTENSIONS.some((ext) => rel.endsWith(ext))) continue;
      if (rel.startsWith(`_generated${sep}`) || base.startsWith(".") || base.startsWith("#")) continue;
      if (base === "schema.ts" || base === "schema.js") continue;
      if ((base.match(/\./g) ?? []).length > 1 || rel.includes(" ")) continue;
      if ((path.endsWith(".ts") || path.endsWith(".tsx")) && !/^\s{0,100}(import|export)/m.test(readFileSync(path, "utf8"))) continue;
      out.push(path);
    }
  };
  walk(convexDir);
  return out;
}
