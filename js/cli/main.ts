#!/usr/bin/env node
// `npx convex-guard audit [convexDir] [--json] [--fail-on high|medium|low|none]`, `--version`,
// `npx convex-guard compile [guardFile] [--check]` (js/cli/compile.ts).
//
// Exit status: 0 when no finding at or above --fail-on remains, 1 when one does, 2 when the
// app cannot be audited (no such directory, dependencies not installed, a malformed allowlist).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { audit, RULES, type AuditResult } from "./audit.js";
import { compileCommand, given2 } from "./compile.js";
import { AuditError } from "./program.js";
import { ROUTE_PREFIX } from "./routes.js";
import { SEVERITIES, type Severity } from "./rules.js";

const USAGE = `usage: convex-guard audit [convexDir] [--json] [--fail-on high|medium|low|none]
       convex-guard audit --rules
       convex-guard compile [guardFile] [--check]
       convex-guard --version

Reviews every function a Convex app exports, and every HTTP route (default directory:
convex.json's "functions", else src/convex in a Create React App, else ./convex), and reports the security pitfalls it finds. Needs no deployment and no network.
  --json       the report as JSON
  --fail-on    exit 1 when a finding at or above this severity remains (default: high;
               none: report only, never exit 1)
  --rules      list the rules with their ids and severities
  --version    the installed convex-guard's version

compile: runs the guard file (default: <functions directory>/guard.ts) and writes the engine's
role and permission decisions of the guard it exports next to it (guard.ts -> guard.policy.ts),
for defineGuard's compiledPolicy. Run it again after changing roles or permissions.
  --check      write nothing; exit 1 when the file is missing or stale (for CI)`;

/** The version of the package this CLI ships in (`cli.cjs` sits next to its package.json). */
function version(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(join(__dirname, "package.json"), "utf8"));
    if (pkg !== null && typeof pkg === "object" && "version" in pkg && typeof pkg.version === "string") return pkg.version;
  } catch {
    // reported below
  }
  throw new AuditError(`cannot read the package's version from ${join(__dirname, "package.json")}`);
}

function main(argv: string[]): number | Promise<number> {
  const [command, ...rest] = argv;
  if (command === "compile") return compileCommand(rest, USAGE, defaultDir);
  if (command === "--version" || command === "-v" || (command === "audit" && rest[0] === "--version")) {
    try {
      console.log(version());
      return 0;
    } catch (e) {
      if (!(e instanceof AuditError)) throw e;
      console.error(`convex-guard: ${e.message}`);
      return 2;
    }
  }
  if (command === "--help" || command === "-h" || command === undefined) {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== "audit") {
    console.error(`unknown command '${command}'\n${USAGE}`);
    return 2;
  }
  let json = false;
  let failOn: Severity | "none" | undefined;
  let dir: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    // An option given twice is refused, as a second directory is: an appended `--fail-on none`
    // never turns the gate off in silence (attack29).
    if (arg === "--json" || arg === "--fail-on" || arg.startsWith("--fail-on=")) {
      const name = arg.startsWith("--fail-on") ? "--fail-on" : arg;
      if (name === "--json" ? json : failOn !== undefined) return given2(name, USAGE);
    }
    if (arg === "--json") json = true;
    else if (arg === "--rules") return printRules();
    else if (arg === "--help" || arg === "-h") return (console.log(USAGE), 0);
    else if (arg === "--fail-on" || arg.startsWith("--fail-on=")) {
      const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : rest[++i];
      if (value !== "none" && !SEVERITIES.includes(value as Severity)) {
        console.error(`--fail-on takes one of ${[...SEVERITIES, "none"].join(", ")}, not '${value ?? ""}'`);
        return 2;
      }
      failOn = value as Severity | "none";
    } else if (arg.startsWith("-")) {
      console.error(`unknown option '${arg}'\n${USAGE}`);
      return 2;
    } else if (dir === undefined) dir = arg;
    else {
      console.error(`one directory only ('${dir}', then '${arg}')`);
      return 2;
    }
  }
  let result: AuditResult;
  try {
    result = audit(dir ?? defaultDir(), { failOn: failOn ?? "high" });
  } catch (e) {
    // A bad input, or a crash of the audit itself (a stack overflow in TypeScript's parser):
    // either way the app was not audited, which is 2, never 1 ("a finding"), and --json still
    // answers JSON (attack29).
    const message = e instanceof AuditError ? e.message : `the audit failed (${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}): the app was not audited`;
    console.error(`convex-guard audit: ${message}`);
    if (!(e instanceof AuditError) && e instanceof Error && e.stack !== undefined) console.error(e.stack);
    if (json) console.log(JSON.stringify({ version: 1, error: message }, null, 2));
    return 2;
  }
  console.log(json ? JSON.stringify({ version: 1, ...result }, null, 2) : render(result, process.stdout.isTTY === true));
  return result.failed ? 1 : 0;
}

/**
 * The functions directory, as Convex 1.48's CLI finds it (`readProjectConfig`): convex.json's
 * `functions` (`convex` when it has none); with no convex.json, `src/convex` in a Create React
 * App (react-scripts among package.json's dependencies or devDependencies), else `convex`.
 */
function defaultDir(): string {
  if (!existsSync("convex.json")) return createReactApp() ? "src/convex" : "convex";
  let config: unknown;
  try {
    config = JSON.parse(readFileSync("convex.json", "utf8"));
  } catch {
    throw new AuditError("convex.json is not valid JSON");
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) throw new AuditError("convex.json is not a JSON object");
  if (!("functions" in config)) return "convex";
  // Convex refuses any other value: so does the audit, rather than read another directory.
  if (typeof config.functions !== "string") throw new AuditError(`convex.json's "functions" is not a string (${JSON.stringify(config.functions)})`);
  return config.functions;
}

/** Whether ./package.json names react-scripts among its dependencies or devDependencies. */
function createReactApp(): boolean {
  let pkg: unknown;
  try {
    pkg = JSON.parse(readFileSync("package.json", "utf8"));
  } catch {
    return false;
  }
  const has = (deps: unknown) => deps !== null && typeof deps === "object" && Object.hasOwn(deps, "react-scripts");
  return pkg !== null && typeof pkg === "object" && (("dependencies" in pkg && has(pkg.dependencies)) || ("devDependencies" in pkg && has(pkg.devDependencies)));
}

function printRules(): number {
  const rows = Object.entries(RULES).map(([id, r]) => [id, r.severity, r.title]);
  console.log(table(["rule", "severity", "what"], rows));
  return 0;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** `1 finding`, `2 findings`. */
const counted = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

function render(r: AuditResult, color: boolean): string {
  const paint = (code: number, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const sev = (s: Severity) => paint(s === "high" ? 31 : s === "medium" ? 33 : 36, s.toUpperCase());
  const out: string[] = [];
  out.push(`convex-guard audit: ${r.convexDir} (${counted(r.functions.length, "function")})`, "");
  const rows = r.functions.map((f) => [
    f.function,
    `${f.visibility === "internal" ? "internal " : ""}${f.kind}${f.routes !== undefined && f.routes.length > 0 && !f.function.startsWith(ROUTE_PREFIX) ? ` (${f.routes.join(", ")})` : ""}`,
    f.kind === "httpAction" ? "-" : f.args === "validated" ? "yes" : f.args === "missing" ? "NONE" : "?",
    f.kind === "httpAction" ? "-" : f.returns === true ? "yes" : f.returns === false ? "no" : "?",
    [
      f.auth === "none" ? (f.library !== null ? `${f.library}'s own endpoint` : f.visibility === "public" && (f.signatures ?? []).length === 0 ? "NONE" : "") : `${f.auth}${f.handWritten ? " (hand-written)" : ""}: ${f.authVia.join(", ")}`,
      (f.signatures ?? []).length > 0 ? `signature: ${f.signatures!.join(", ")}` : "",
      (f.namedUser ?? []).length > 0 ? `for a named user: ${f.namedUser!.join(", ")}` : "",
    ].filter(Boolean).join("; ") || "-",
    [...f.rateLimits, ...f.argKeyedRateLimits.map((r) => `${r} (limits nothing)`)].join(", ") || "-",
    [f.safeAction && "safeAction", f.audited && "audited", f.confirmed && "confirmed", f.deletes && "deletes"].filter(Boolean).join(", ") || "-",
  ]);
  out.push(table(["function", "kind", "args", "returns", "authorization", "rate limit", "safety"], rows), "");
  if (r.findings.length === 0) out.push("findings: none");
  else {
    out.push(`findings (${r.findings.length}):`);
    for (const f of r.findings) {
      out.push(`  ${sev(f.severity)}  ${f.rule}  ${f.file}:${f.line}  ${f.function}`, `      ${f.message}`, `      fix: ${f.fix}`);
    }
  }
  if (r.allowed.length > 0) {
    out.push("", `allowed (${r.allowed.length}):`);
    for (const a of r.allowed) out.push(`  ${a.rule}  ${a.file}:${a.line}  ${a.function}`, `      reason: ${a.reason} (${a.allowedBy})`);
  }
  if (r.warnings.length > 0) out.push("");
  for (const w of r.warnings) out.push(`warning: ${w.file}:${w.line}: ${w.message}`);
  for (const u of r.unusedAllows) {
    const entry = `the allowlist entry at ${u.source} (${u.target || "comment"}${u.rule ? ` ${u.rule}` : ""})`;
    out.push(`warning: ${entry} ${u.redundantWith === undefined ? "matches no finding: remove it" : `repeats the one at ${u.redundantWith}, which allows the same finding: keep one`}`);
  }
  const count = (s: Severity) => r.findings.filter((f) => f.severity === s).length;
  out.push(
    "",
    `${counted(r.findings.length, "finding")} (${SEVERITIES.map((s) => `${count(s)} ${s}`).reverse().join(", ")}), ${r.allowed.length} allowed; ` +
      `--fail-on ${r.failOn}: ${r.failed ? paint(31, "FAIL") : paint(32, "PASS")}`,
  );
  return out.join("\n");
}

// `compile` answers a promise: the exit status is set once it settles. A rejection (a bug) is
// exit 2, "could not check", never 1, which `compile --check` gives a stale file.
void Promise.resolve(main(process.argv.slice(2))).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`convex-guard: the command failed (${e instanceof Error ? (e.stack ?? e.message) : String(e)})`);
    process.exitCode = 2;
  },
);
