// `convex-guard compile [guardFile] [--check]`: the engine's role and permission decisions of
// the app's guard, computed ahead of time into `<guard>.policy.ts`, data that guard.ts imports
// and passes to `defineGuard` as `compiledPolicy` (README: "Compiled policy").
//
// The guard file is the app's own code, so it is run, not read: bundled with the app's esbuild
// (a dependency of `convex`), its packages left to the app's own installed copies, imported,
// and asked for its tables by the method every guard has. Exit status: 0 written (or, with
// --check, up to date), 1 with --check when the file is missing or stale, 2 on an error.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type * as esbuild from "esbuild";
import { AuditError } from "./program.js";

/** The method every guard has, answering its `PolicyTables` (js/index.ts). */
const POLICY_TABLES = Symbol.for("convex-guard.policyTables");
/** `instanceof GuardConfigError` of any copy of the package (js/errors.ts brands its errors). */
const CONFIG_ERROR = Symbol.for("convex-guard.GuardConfigError");
const STUB_NAMESPACE = "convex-guard-compiled-policy";
const TS_EXTENSIONS = [".ts", ".tsx", ".mts"];
const JS_EXTENSIONS = [".js", ".jsx", ".mjs"];

/** The command cannot do its work: exit 2 with this message. */
export class CompileError extends Error {
  override name = "CompileError";
}

/**
 * Runs `convex-guard compile` with its arguments (after the command's name); `defaultDir` is
 * the app's functions directory (convex.json's, else `convex`). Resolves to the exit status.
 */
export async function compileCommand(args: string[], usage: string, defaultDir: () => string): Promise<number> {
  let check = false;
  let file: string | undefined;
  for (const arg of args) {
    if (arg === "--check") check = true;
    else if (arg === "--help" || arg === "-h") return (console.log(usage), 0);
    else if (arg.startsWith("-")) {
      console.error(`unknown option '${arg}'\n${usage}`);
      return 2;
    } else if (file === undefined) file = arg;
    else {
      console.error(`one guard file only ('${file}', then '${arg}')`);
      return 2;
    }
  }
  try {
    return await compile(file ?? join(defaultDir(), "guard.ts"), check);
  } catch (e) {
    // AuditError: convex.json is not JSON (`defaultDir`)
    if (!(e instanceof CompileError) && !(e instanceof AuditError)) throw e;
    console.error(`convex-guard compile: ${e.message}`);
    return 2;
  }
}

/** Writes (or, with `check`, compares) the compiled policy of the guard `guardFile` exports. */
async function compile(guardFile: string, check: boolean): Promise<number> {
  const ext = extname(guardFile);
  const typescript = TS_EXTENSIONS.includes(ext);
  if (ext === ".cjs" || ext === ".cts") throw new CompileError(`${guardFile} is a CommonJS module: Convex functions and their guard are ES modules (.ts, .js)`);
  if (!typescript && !JS_EXTENSIONS.includes(ext)) throw new CompileError(`${guardFile} is not a TypeScript or JavaScript file`);
  if (!existsSync(guardFile)) throw new CompileError(`no guard file at ${guardFile} (give its path: convex-guard compile path/to/guard.ts)`);
  const output = join(dirname(guardFile), `${basename(guardFile, ext)}.policy.${typescript ? "ts" : "js"}`);
  const tables = await policyTables(guardFile, output);
  const text = render(tables, basename(guardFile), typescript);
  const { roles, permissions } = counts(tables);
  if (check) {
    const current = existsSync(output) ? readFileSync(output, "utf8") : undefined;
    if (current === text) {
      console.log(`${output} is up to date (roles: ${roles}, permissions: ${permissions})`);
      return 0;
    }
    const why = current === undefined ? "does not exist" : "is stale: it is not what the guard's configuration compiles to";
    console.error(`convex-guard compile --check: ${output} ${why}; run \`npx convex-guard compile\` and commit it`);
    return 1;
  }
  writeFileSync(output, text);
  console.log(`wrote ${output} (roles: ${roles}, permissions: ${permissions})`);
  return 0;
}

/** The tables of the one guard `guardFile` exports, its import of `output` answered by a stub. */
async function policyTables(guardFile: string, output: string): Promise<unknown> {
  const build = loadEsbuild(process.cwd());
  const stub = resolve(output).slice(0, -extname(output).length);
  const plugin: esbuild.Plugin = {
    name: "convex-guard-compiled-policy",
    setup(b) {
      // The file being written may not exist yet (its first run) and must not feed its own
      // input: whatever imports it gets `compiledPolicy = undefined`.
      b.onResolve({ filter: /\.policy(\.[cm]?[jt]sx?)?$/ }, (a) => {
        const at = resolve(a.resolveDir, a.path);
        return at === stub || at.slice(0, -extname(at).length) === stub ? { path: stub, namespace: STUB_NAMESPACE } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: STUB_NAMESPACE }, () => ({ contents: "export const compiledPolicy = undefined;\n", loader: "js" }));
    },
  };
  let code: string;
  try {
    const result = await build({
      entryPoints: [resolve(guardFile)],
      absWorkingDir: process.cwd(),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      write: false,
      logLevel: "silent",
      plugins: [plugin],
    });
    code = result.outputFiles[0]!.text;
  } catch (e) {
    throw new CompileError(`cannot bundle ${guardFile}: ${e instanceof Error ? e.message : String(e)}`);
  }
  // Under the app, so that its bare imports (convex-guard, convex) resolve to the app's copies.
  const cache = join(process.cwd(), "node_modules", ".cache", "convex-guard");
  const temporary = join(cache, `policy-${process.pid}-${Date.now()}.mjs`);
  let module: Record<string, unknown>;
  // While the app's code loads, the process may end under it: its top-level `await` never
  // settling (Node then exits with the exit code set), or a `process.exit` of its own. Neither
  // may end as success (`--check` passing), nor leave the bundle of the app's code behind.
  const removeTemporary = () => rmSync(temporary, { force: true });
  const endedLoading = () => {
    removeTemporary();
    console.error(`convex-guard compile: ${guardFile} never finished loading (a top-level await that never settles?)`);
  };
  const exit = process.exit;
  process.exitCode = 2;
  process.on("exit", endedLoading);
  process.exit = ((status?: number) => {
    throw new CompileError(`${guardFile} called process.exit(${status ?? ""}) while loading`);
  }) as typeof process.exit;
  try {
    mkdirSync(cache, { recursive: true });
    writeFileSync(temporary, code);
    module = (await import(pathToFileURL(temporary).href)) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof CompileError) throw e;
    throw new CompileError(`${guardFile} failed to load: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    process.exit = exit;
    process.exitCode = undefined;
    process.off("exit", endedLoading);
    removeTemporary();
  }
  // One guard exported under two names (`export const guard`, `export default guard`) is one guard.
  const guards = Object.keys(module).filter((name, i, names) => hasTables(module[name]) && names.findIndex((n) => module[n] === module[name]) === i);
  if (guards.length === 0) throw new CompileError(`${guardFile} exports no guard: export the value of convex-guard's \`defineGuard({...})\``);
  if (guards.length > 1) {
    throw new CompileError(`${guardFile} exports ${guards.length} guards (${guards.join(", ")}); one guard file compiles one guard: move the others to their own files`);
  }
  const guard = module[guards[0]!] as Record<symbol, () => unknown>;
  try {
    return guard[POLICY_TABLES]!();
  } catch (e) {
    if (isConfigError(e)) throw new CompileError(`${guardFile}: ${(e as Error).message}`);
    throw new CompileError(`${guardFile}: the guard's tables could not be computed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The esbuild the app installed with `convex`, loaded from the app (else next to `convex`). */
function loadEsbuild(appDir: string): typeof esbuild.build {
  const fromApp = createRequire(join(appDir, "package.json"));
  const attempts = [() => fromApp("esbuild"), () => createRequire(fromApp.resolve("convex/package.json"))("esbuild")];
  for (const attempt of attempts) {
    try {
      const loaded = attempt() as Partial<typeof esbuild>;
      if (typeof loaded.build === "function") return loaded.build;
    } catch {
      // the next place, then the error below
    }
  }
  throw new CompileError(
    `cannot load esbuild from ${appDir} (it is installed with the \`convex\` package): run this command in the app's root, after \`npm install\``,
  );
}

function hasTables(value: unknown): boolean {
  try {
    return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as Record<symbol, unknown>)[POLICY_TABLES] === "function";
  } catch {
    return false; // a revoked Proxy, a throwing getter: no guard
  }
}

function isConfigError(e: unknown): boolean {
  try {
    return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[CONFIG_ERROR] === true;
  } catch {
    return false;
  }
}

/** The number of roles and of permissions the tables hold. */
function counts(tables: unknown): { roles: number; permissions: number } {
  const t = tables as { roles?: unknown; holders?: unknown };
  return {
    roles: Array.isArray(t.roles) ? t.roles.length : 0,
    permissions: typeof t.holders === "object" && t.holders !== null ? Object.keys(t.holders).length : 0,
  };
}

/** The generated file: a header, the type's import (TypeScript only) and the tables as JSON. */
export function render(tables: unknown, guardName: string, typescript: boolean): string {
  return [
    `// Generated by \`npx convex-guard compile\` from ${guardName}: do not edit.`,
    "// Run it again after changing the guard's roles or permissions: while this file is stale,",
    "// the guard decides with the engine (and warns once) and `guard.validate()` fails. Its answers",
    "// take effect as written: review a change to it as a change to the roles. One line, so that",
    "// git never merges two compiles into one file: it reports a conflict (run the command again).",
    ...(typescript ? ['import type { PolicyTables } from "convex-guard";'] : []),
    "",
    `export const compiledPolicy${typescript ? ": PolicyTables" : ""} = ${JSON.stringify(tables)};`,
    "",
  ].join("\n");
}
