// `scheduled-needs-caller`: a function that needs a signed-in caller, run where there is none. A
// scheduled function (`ctx.scheduler.runAfter`/`runAt`) and a cron job (`crons.interval`, `hourly`,
// `daily`, `weekly`, `monthly`, `cron` of convex/server's `cronJobs()`) run with no identity, so
//
//   export const autoClose = guard.mutation(internalMutation, { ... });            // requires a user
//   await ctx.scheduler.runAfter(1000, internal.tasks.autoClose, { taskId });        // reported here
//   crons.daily("digest", { hourUTC: 8, minuteUTC: 0 }, internal.mail.digest);       // and here, if a builder made it
//
// fails UNAUTHENTICATED at every run: the user's action silently never happens. Reported at the
// scheduling call or the cron line: a target a builder made (`guard.query`/`mutation`/`action`,
// a convex-helpers builder of `guard.customCtx`, `guard.safeAction` with no `check`); and an
// internal target whose handler (or a helper it calls) makes, on every path, a guard call that
// needs a caller (`requireUser`, `requireRole`, `requirePermission`, `share`, ...: NEEDS_CALLER),
// when the app's code names that function nowhere but as what the scheduler or a cron job runs (a
// reference through a `const`, a module's part of the API, `internal` handed on whole: anything
// else, and it is not judged). A function `ctx.runMutation` (or `runQuery`, `runAction`) runs from
// an action or HTTP action keeps that caller's identity: not reported. `requireAccess` and
// `readable` are not listed: with no caller they may still pass on a public document.
import ts from "typescript";
import { relayOf, reference } from "./follow.js";
import { exportedFunction } from "./failopen.js";
import type { ConvexFunction } from "./functions.js";
import { CONVEX } from "./facts.js";
import { GUARD_WRITES } from "./facts-syntax.js";
import { GUARD, skipOuter, type App } from "./program.js";
import { finding, type Finding } from "./rules.js";

/** `crons.<method>(name, schedule, ref, args?)`: the function reference is the third argument. */
const CRON_METHODS = new Set(["interval", "hourly", "daily", "weekly", "monthly", "cron"]);
/** The guard's builders: each requires a signed-in user before the handler. */
const BUILDERS = new Set(["query", "mutation", "action", "customCtx"]);
/** Guard methods that refuse a call with no caller (`UNAUTHENTICATED`) whatever the document: the caller's checks, listing grants, and every guard write. */
const NEEDS_CALLER = new Set(["requireUser", "requireRole", "requirePermission", "listGrants", ...GUARD_WRITES]);

interface Run {
  node: ts.CallExpression;
  file: ts.SourceFile;
  ref: string;
  target: string;
  /** `ctx.scheduler.runAfter`, `crons.daily ("digest")`. */
  how: string;
}

/** Every schedule and cron job of the app's code whose target needs a caller. */
export function scheduledFindings(app: App, functions: readonly ConvexFunction[]): Finding[] {
  const byId = new Map(functions.map((f) => [f.id, f]));
  const ids = new Set(byId.keys());
  const { runs, named, opaque } = runsOf(app);
  const out: Finding[] = [];
  for (const run of runs) {
    const callee = byId.get(run.target);
    if (callee === undefined) continue;
    const where = exportedFunction(app, run.file, run.node, ids) ?? app.relative(run.file.fileName);
    const ran = `${where}: ${run.how} runs ${run.ref}`;
    const builder = builtBy(app, callee);
    if (builder !== undefined) {
      out.push(finding("scheduled-needs-caller", where, app.loc(run.node), `${ran}, made by ${builder}, which requires a signed-in caller: a scheduled function or cron job runs with none, so every run fails UNAUTHENTICATED`));
      continue;
    }
    if (callee.visibility !== "internal" || opaque || named.has(run.target)) continue;
    const check = callee.facts.auth.find((a) => a.conditional !== true && a.guardCall !== undefined && NEEDS_CALLER.has(app.calleeFrom(a.guardCall, GUARD)?.name ?? ""));
    if (check === undefined) continue;
    const at = `${check.at.file}:${check.at.line}`;
    out.push(finding("scheduled-needs-caller", where, app.loc(run.node), `${ran}, which calls ${check.via} (${at}) on every path and is run only by the scheduler or cron jobs, which have no caller: every run fails UNAUTHENTICATED`));
  }
  return out;
}

/** The builder that made a function, when it requires a signed-in user (`guard.mutation`). */
function builtBy(app: App, fn: ConvexFunction): string | undefined {
  for (const a of fn.facts.auth) {
    if (a.handWritten || a.level !== "authenticated") continue;
    const name = a.guardCall === undefined ? undefined : app.calleeFrom(a.guardCall, GUARD)?.name;
    if (name !== undefined && BUILDERS.has(name) && a.via.endsWith(" (user)")) return a.via.slice(0, -" (user)".length);
    if (fn.safeAction && (a.via === "guard.safeAction (user)" || a.via === "guard.safeAction (default check: requireUser)")) return "guard.safeAction";
  }
  return undefined;
}

/**
 * The app's schedules and cron jobs; the functions its code names otherwise (`named`); and
 * whether it names the API in a way not followed (`opaque`: `internal` handed on, a module's part).
 * Test files (`*.test.ts`) are no production caller.
 */
function runsOf(app: App): { runs: Run[]; named: Set<string>; opaque: boolean } {
  const runs: Run[] = [];
  const named = new Set<string>();
  let opaque = false;
  for (const file of app.program.getSourceFiles()) {
    if (!app.isAppCode(file) || /\.(test|spec)\.[cm]?[jt]sx?$/.test(file.fileName)) continue;
    const roots = apiImports(file);
    if (roots.size === 0) continue;
    const ran = new Set<ts.Node>();
    const visit = (n: ts.Node): void => {
      if (ts.isImportDeclaration(n)) return;
      if (ts.isCallExpression(n)) {
        const run = runOf(app, n);
        if (run !== undefined) {
          runs.push({ ...run, node: n, file });
          ran.add(run.arg);
        }
      }
      // `makeFunctionReference("jobs:run")`, `"jobs:run"`: a function named by its path.
      if (ts.isStringLiteralLike(n) && /^[\w/.-]+:\w+$/.test(n.text)) named.add(n.text);
      if (ts.isIdentifier(n) && roots.has(n.text)) {
        // The outermost `internal.a.b` this name starts.
        let chain: ts.Expression = n;
        while (ts.isPropertyAccessExpression(chain.parent) && chain.parent.expression === chain) chain = chain.parent;
        const ref = chain === n ? undefined : reference(app, chain);
        if (ref !== undefined && !ran.has(chain)) named.add(ref.target);
        else if (ref === undefined && isValueUse(n)) opaque = true;
      }
      ts.forEachChild(n, visit);
    };
    visit(file);
  }
  return { runs, named, opaque };
}

/** A schedule (`ctx.scheduler.runAfter(0, ref, args)`) or a cron job (`crons.daily(name, at, ref)`): its reference, named. */
function runOf(app: App, n: ts.CallExpression): { ref: string; target: string; how: string; arg: ts.Node } | undefined {
  const relay = relayOf(app, n);
  if (relay !== undefined) return relay.scheduled ? { ref: relay.ref.text, target: relay.ref.target, how: `ctx.scheduler.${relay.method}`, arg: skipOuter(n.arguments[1]!) } : undefined;
  const callee = skipOuter(n.expression);
  if (!ts.isPropertyAccessExpression(callee) || !CRON_METHODS.has(callee.name.text) || n.arguments[2] === undefined) return undefined;
  const receiver = skipOuter(callee.expression);
  const crons = ts.isIdentifier(receiver) ? receiver : undefined;
  const made = crons === undefined ? undefined : app.constInitializer(crons);
  if (crons === undefined || made === undefined || !ts.isCallExpression(made) || app.calleeFrom(made, CONVEX)?.name !== "cronJobs") return undefined;
  const ref = reference(app, n.arguments[2]);
  const first = n.arguments[0];
  const name = first !== undefined && ts.isStringLiteralLike(first) ? ` ("${first.text}")` : "";
  return ref === undefined ? undefined : { ref: ref.text, target: ref.target, how: `cron job ${crons.text}.${callee.name.text}${name}`, arg: skipOuter(n.arguments[2]) };
}

/** The names a file imports `api` and `internal` under from a `_generated/api` module. */
function apiImports(file: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  for (const s of file.statements) {
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier) || !/_generated\/api(\.js)?$/.test(s.moduleSpecifier.text)) continue;
    const bindings = s.importClause?.namedBindings;
    if (bindings === undefined) continue;
    if (ts.isNamespaceImport(bindings)) out.add(bindings.name.text); // `api.internal.x.f`: named through a chain too long to follow
    else for (const e of bindings.elements) out.add(e.name.text);
  }
  return out;
}

/** Whether a name of the API is used as a value (not a property's or a declaration's name). */
function isValueUse(n: ts.Identifier): boolean {
  const p = n.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === n) return false;
  if ((ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isPropertySignature(p) || ts.isBindingElement(p) || ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isFunctionDeclaration(p)) && p.name === n) return false;
  return !ts.isTypeReferenceNode(p) && !ts.isQualifiedName(p) && !ts.isTypeQueryNode(p);
}
