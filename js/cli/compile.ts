// `convex-guard compile [guardFile] [--check]`: the engine's role and permission decisions of
// the app's guard, computed ahead of time into `<guard>.policy.ts`, data that guard.ts imports
// and passes to `defineGuard` as `compiledPolicy` (docs/performance.md: "Compiled policy").
//
// The guard file is the app's own code, so it is run, not read: bundled with the app's esbuild
// (a dependency of `convex`), its packages left to the app's own installed copies, imported in
// a Node process of its own, and asked for its tables by the method every guard has. Exit status: 0 written (or, with
// --check, up to date), 1 with --check when the file is missing or stale, 2 on an error.
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { basename, dirname, extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type * as esbuild from "esbuild";
import ts from "typescript";
import { POLICY_FIELDS } from "../defaults.js";
import { AuditError } from "./program.js";

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
    if (arg === "--check" && check) return given2(arg, usage);
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

/** An option given twice: refused (exit 2), never the last one winning in silence (attack29). */
export function given2(name: string, usage: string): number {
  console.error(`${name} is given twice: give it once\n${usage}`);
  return 2;
}

/** Writes (or, with `check`, compares) the compiled policy of the guard `guardFile` exports. */
async function compile(guardFile: string, check: boolean): Promise<number> {
  const ext = extname(guardFile);
  const typescript = TS_EXTENSIONS.includes(ext);
  if (ext === ".cjs" || ext === ".cts") throw new CompileError(`${guardFile} is a CommonJS module: Convex functions and their guard are ES modules (.ts, .js)`);
  if (!typescript && !JS_EXTENSIONS.includes(ext)) throw new CompileError(`${guardFile} is not a TypeScript or JavaScript file`);
  if (!existsSync(guardFile)) throw new CompileError(`no guard file at ${guardFile} (give its path: convex-guard compile path/to/guard.ts)`);
  const output = join(dirname(guardFile), `${basename(guardFile, ext)}.policy.${typescript ? "ts" : "js"}`);
  // Another `guard.policy.*` beside it may be the one a bundler takes (esbuild, so Convex's,
  // tries .tsx before .ts), unseen by --check and by tests that resolve .ts first.
  const prefix = `${basename(guardFile, ext)}.policy.`;
  const others = readdirSync(dirname(guardFile)).filter((f) => f.startsWith(prefix) && join(dirname(guardFile), f) !== output);
  if (others.length > 0) {
    throw new CompileError(`${others.map((f) => join(dirname(guardFile), f)).join(", ")} beside ${output}: a bundler may import it instead (Convex's tries .tsx before .ts); delete it`);
  }
  const tables = await policyTables(guardFile, output);
  const text = render(tables, basename(guardFile), typescript);
  const { roles, permissions } = counts(tables);
  if (check) {
    // A checkout with CRLF line endings (git's autocrlf) holds the same file.
    const current = existsSync(output) ? readFileSync(output, "utf8").replace(/\r\n/g, "\n") : undefined;
    if (current === text) {
      console.log(`${output} is up to date (roles, lowest first: ${roles}; permissions: ${permissions})`);
      return 0;
    }
    const held = current === undefined ? undefined : heldPolicy(current, typescript);
    // The file as compile writes it, but laid out otherwise (a formatter's quotes, commas, line breaks).
    if (held?.alone === true && canonical(held.tables) === canonical(tables)) {
      console.error(
        `convex-guard compile --check: ${output} differs only in formatting from what compile writes (the tables are current): run \`npx convex-guard compile\` to rewrite it and commit it, or keep formatters off it (add it to .prettierignore)`,
      );
      return 1;
    }
    const want = tables as Record<string, unknown>;
    const field = held === undefined ? undefined : POLICY_FIELDS.find((k) => canonical(held.tables[k]) !== canonical(want[k]));
    const why =
      current === undefined
        ? "does not exist"
        : `is stale: ${field === undefined ? "it is not" : `its '${field}' is not`} what the guard's configuration compiles to`;
    console.error(`convex-guard compile --check: ${output} ${why}; run \`npx convex-guard compile\` and commit it`);
    return 1;
  }
  writeFileSync(output, text);
  console.log(`wrote ${output} (roles, lowest first: ${roles}; permissions: ${permissions})`);
  return 0;
}

/** The tables of the one guard `guardFile` exports, its import of `output` answered by a stub. */
async function policyTables(guardFile: string, output: string): Promise<unknown> {
  const build = loadEsbuild(process.cwd());
  const withoutExt = (path: string) => path.slice(0, path.length - extname(path).length);
  const stub = withoutExt(resolve(output));
  const stubs = new Set([stub, withoutExt(join(realpathSync(dirname(output)), basename(output)))]);
  let imported = false;
  const plugin: esbuild.Plugin = {
    name: "convex-guard-compiled-policy",
    setup(b) {
      // The file being written may not exist yet (its first run) and must not feed its own
      // input: whatever imports it gets `compiledPolicy = undefined`. Found by its path, else
      // as esbuild resolves the import (a tsconfig alias, a symlinked directory), once it exists.
      b.onResolve({ filter: /\.policy(\.[cm]?[jt]sx?)?$/ }, async (a) => {
        if (a.pluginData === STUB_NAMESPACE) return undefined;
        const direct = resolve(a.resolveDir, a.path);
        let hit = stubs.has(direct) || stubs.has(withoutExt(direct));
        if (!hit) {
          const found = await b.resolve(a.path, { kind: a.kind, resolveDir: a.resolveDir, importer: a.importer, pluginData: STUB_NAMESPACE });
          hit = found.errors.length === 0 && stubs.has(withoutExt(found.path));
        }
        if (!hit) return undefined;
        imported = true;
        return { path: stub, namespace: STUB_NAMESPACE };
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
  let answer: LoaderAnswer;
  // Interrupted (Ctrl-C, a CI timeout), no bundle of the app's code is left behind either.
  let stopLoader = () => {};
  const interrupted = (signal: NodeJS.Signals) => {
    stopLoader();
    rmSync(temporary, { force: true });
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", interrupted).once("SIGTERM", interrupted);
  try {
    mkdirSync(cache, { recursive: true });
    writeFileSync(temporary, code);
    answer = await load(temporary, guardFile, (kill) => (stopLoader = kill));
  } finally {
    process.off("SIGINT", interrupted).off("SIGTERM", interrupted);
    rmSync(temporary, { force: true });
  }
  if ("load" in answer) throw new CompileError(`${guardFile} failed to load: ${answer.load}`);
  if ("error" in answer) {
    throw new CompileError(answer.config ? `${guardFile}: ${answer.error}` : `${guardFile}: the guard's tables could not be computed: ${answer.error}`);
  }
  const { names, tables } = answer;
  if (names.length === 0) throw new CompileError(`${guardFile} exports no guard: export the value of convex-guard's \`defineGuard({...})\``);
  // One guard under several names (`export const guard`, `export default guard`, a spread copy
  // of it) is one guard: the same tables.
  if (new Set(tables).size > 1) {
    throw new CompileError(`${guardFile} exports ${names.length} guards (${names.join(", ")}); one guard file compiles one guard: move the others to their own files`);
  }
  // Tables the guard does not import would be checked while others are used (attack17: a guard
  // importing ./generated/guard.policy, edited, beside an up-to-date guard.policy.ts nothing read).
  if (!imported) {
    throw new CompileError(
      `${guardFile} does not import ${output}: import it and pass it to defineGuard (\`import { compiledPolicy } from "./${basename(stub)}"\`), then run this again`,
    );
  }
  return JSON.parse(tables[0]!) as unknown;
}

/** What the loader process answers: its exported guards' names and tables (as JSON), or why not. */
type LoaderAnswer = { names: string[]; tables: string[] } | { load: string } | { error: string; config: boolean };

/**
 * The loader: imports the bundled guard file in a process of its own and writes, on a pipe of
 * its own (file descriptor 3, which nothing of the app's writes to by accident: its output
 * goes to the command's own stdout and stderr), one line with every guard's tables (each
 * export with the method every guard has) or the error. The app's code runs there, so nothing
 * it does (`process.exit`, an exit listener, `process.exitCode`, timers, an await that never
 * settles, a process it starts) decides this command's exit status: only that line does.
 */
const LOADER = `
import { writeSync } from "node:fs";
const TABLES = Symbol.for("convex-guard.policyTables");
const CONFIG_ERROR = Symbol.for("convex-guard.GuardConfigError");
const send = (answer) => writeSync(3, JSON.stringify(answer) + "\\n");
const text = (e) => { try { return e instanceof Error ? e.message : String(e); } catch { return "(unprintable)"; } };
let m;
try { m = await import(process.env.CONVEX_GUARD_COMPILE_MODULE); } catch (e) { send({ load: text(e) }); }
if (m !== undefined) {
  const names = Object.keys(m).filter((n) => { try { const v = m[n]; return (typeof v === "object" || typeof v === "function") && v !== null && typeof v[TABLES] === "function"; } catch { return false; } });
  const tables = [];
  let failed = false;
  for (const n of names) {
    try { tables.push(JSON.stringify(m[n][TABLES]())); }
    catch (e) { let config = false; try { config = e?.[CONFIG_ERROR] === true; } catch {} send({ error: text(e), config }); failed = true; break; }
  }
  if (!failed) send({ names, tables });
}
`;

/** How long the guard file may take to load and answer, 60 s unless CONVEX_GUARD_COMPILE_TIMEOUT_MS says otherwise (1 ms to 1 hour). */
function loadTimeout(): number {
  const ms = Number(process.env.CONVEX_GUARD_COMPILE_TIMEOUT_MS ?? 60_000);
  return Number.isInteger(ms) && ms >= 1 && ms <= 3_600_000 ? ms : 60_000;
}

/** Runs {@link LOADER} on the bundle `file`; resolves to its answer, or throws a CompileError. `stop` receives what ends the loader early. */
function load(file: string, guardFile: string, stop: (kill: () => void) => void): Promise<LoaderAnswer> {
  const timeout = loadTimeout();
  return new Promise((resolveAnswer, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", LOADER], {
      cwd: process.cwd(),
      env: { ...process.env, CONVEX_GUARD_COMPILE_MODULE: pathToFileURL(file).href },
      stdio: ["ignore", "inherit", "inherit", "pipe"],
    });
    const kill = () => child.kill("SIGKILL");
    stop(kill);
    let out = "";
    let settled = false;
    const finish = (answer: LoaderAnswer | CompileError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      kill(); // done with it, whatever it still keeps open
      if (answer instanceof CompileError) reject(answer);
      else resolveAnswer(answer);
    };
    const timer = setTimeout(() => finish(new CompileError(`${guardFile} did not finish loading within ${timeout / 1000} s (an await that never settles, a connection kept open?)`)), timeout);
    const answers = child.stdio[3] as NodeJS.ReadableStream;
    answers.setEncoding("utf8");
    answers.on("data", (chunk: string) => {
      out += chunk;
      const end = out.indexOf("\n");
      if (end < 0) return;
      try {
        finish(JSON.parse(out.slice(0, end)) as LoaderAnswer);
      } catch {
        finish(new CompileError(`${guardFile}: the loader's answer could not be read (did the guard write to file descriptor 3?)`));
      }
    });
    child.on("error", (e) => finish(new CompileError(`cannot start node to load ${guardFile}: ${e.message}`)));
    child.on("close", (status, signal) => {
      finish(new CompileError(`${guardFile} never finished loading: its process ended (${signal ?? `exit status ${status}`}) before the guard was read (process.exit, or an await that never settles?)`));
    });
  });
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

/** The number of roles and of permissions the tables hold. */
function counts(tables: unknown): { roles: string; permissions: number } {
  const t = tables as { roles?: unknown; holders?: unknown };
  return {
    // In order, so that a role added at the wrong end shows (the last is the highest).
    roles: Array.isArray(t.roles) ? t.roles.join(" < ") : "",
    permissions: Array.isArray(t.holders) ? t.holders.length : 0,
  };
}

/** A value as JSON, object keys sorted: the same text for the same data, however its keys were ordered. */
const canonical = (value: unknown) =>
  JSON.stringify(value, (_, v: unknown) => (v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));

/**
 * The tables the file's text holds, read as data (`export const compiledPolicy = {...}`: literals
 * only, as a formatter may lay them out), and whether nothing else is in it but comments and, in
 * TypeScript, the type import compile writes (`alone`); undefined when the file cannot be read so
 * (a conflict, a syntax error, a value computed by code).
 */
function heldPolicy(current: string, typescript: boolean): { tables: Record<string, unknown>; alone: boolean } | undefined {
  const file = ts.createSourceFile(`policy.${typescript ? "ts" : "js"}`, current, ts.ScriptTarget.Latest, false, typescript ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  if ((file as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics?.length !== 0) return undefined;
  let tables: Record<string, unknown> | undefined;
  let alone = true;
  for (const s of file.statements) {
    if (typescript && typeImport(s)) continue;
    const decl = ts.isVariableStatement(s) && s.declarationList.declarations.length === 1 ? s.declarationList.declarations[0]! : undefined;
    const named = decl !== undefined && ts.isIdentifier(decl.name) && decl.name.text === "compiledPolicy" && tables === undefined;
    const value = named && decl.initializer !== undefined ? literal(decl.initializer) : undefined;
    if (!ts.isVariableStatement(s) || decl === undefined || value === undefined || value === null || typeof value !== "object" || Array.isArray(value)) {
      alone = false;
      continue;
    }
    tables = value as Record<string, unknown>;
    const exported = s.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) === true && (s.declarationList.flags & ts.NodeFlags.Const) !== 0;
    const type = decl.type;
    const typed = type === undefined ? !typescript : typescript && ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && type.typeName.text === "PolicyTables" && type.typeArguments === undefined;
    if (!exported || !typed) alone = false;
  }
  return tables === undefined ? undefined : { tables, alone };
}

/** `import type { PolicyTables } from "convex-guard"`, however quoted. */
function typeImport(s: ts.Statement): boolean {
  const clause = ts.isImportDeclaration(s) ? s.importClause : undefined;
  const bindings = clause?.namedBindings;
  const from = ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) ? s.moduleSpecifier.text : undefined;
  return from === "convex-guard" && clause?.isTypeOnly === true && clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length === 1 && bindings.elements[0]!.name.text === "PolicyTables" && bindings.elements[0]!.propertyName === undefined;
}

/** The value of an expression written with JSON's literals only (any quotes, trailing commas), else undefined. */
function literal(e: ts.Expression): unknown {
  if (ts.isParenthesizedExpression(e)) return literal(e.expression);
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(e.operand)) return -Number(e.operand.text);
  if (e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword) return e.kind === ts.SyntaxKind.TrueKeyword;
  if (e.kind === ts.SyntaxKind.NullKeyword) return null;
  if (ts.isArrayLiteralExpression(e)) {
    const items = e.elements.map((x) => (ts.isSpreadElement(x) || ts.isOmittedExpression(x) ? undefined : literal(x)));
    return items.includes(undefined) ? undefined : items;
  }
  if (!ts.isObjectLiteralExpression(e)) return undefined;
  const out = Object.create(null) as Record<string, unknown>; // a "__proto__" key is a key
  for (const p of e.properties) {
    const value = ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) || ts.isNumericLiteral(p.name)) ? literal(p.initializer) : undefined;
    if (value === undefined) return undefined;
    out[(p as ts.PropertyAssignment & { name: ts.Identifier | ts.StringLiteral | ts.NumericLiteral }).name.text] = value;
  }
  return out;
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
