// `convex-guard audit`: one pass over a Convex app, as data. The CLI (main.ts) prints it.
import { applyAllows, commentAllows, configAllows, redactedEnv, redactedEnvOf, type Allowed } from "./allow.js";
import { accessFields } from "./accessfields.js";
import { withCommonJs } from "./commonjs.js";
import { configWarnings, type ConfigWarning } from "./config.js";
import { FactsFinder, type AuthLevel } from "./facts.js";
import { keyedBy } from "./argflow.js";
import { findFunctions, type ConvexFunction } from "./functions.js";
import { appGuards } from "./guards.js";
import { ownerFields } from "./ownerquery.js";
import { App, AuditError } from "./program.js";
import { lowestRole } from "./roles.js";
import { scopedRolesOf } from "./scopedroles.js";
import { httpFindings, routeFunctions } from "./routes.js";
import { markSignatures } from "./signatures.js";
import { tableNames } from "./writes.js";
import { decisionTestFindings } from "./decisions.js";
import { failOpenFindings } from "./failopen.js";
import { followFindings } from "./follow.js";
import { namedChecks, relayedUserFindings } from "./actingfor.js";
import { promotionFindings } from "./promotions.js";
import { rankedRoleFindings } from "./rolecheck.js";
import { relayedCodeFindings } from "./coderelays.js";
import { markLateChecks } from "./latechecks.js";
import { roleWarnings } from "./unreadrole.js";
import { earlyBranchFindings } from "./earlybranch.js";
import { selfForgetFindings } from "./selfforget.js";
import { groupOwnerFindings } from "./groupowner.js";
import { markSpentInvites } from "./spentinvite.js";
import { splitLimitFindings } from "./splitlimits.js";
import { uncheckedListFindings } from "./uncheckedlist.js";
import { queryChangeFindings } from "./querywrites.js";
import { argScopeFindings } from "./argscope.js";
import { levelledFix } from "./levels.js";
import { storedIdFindings } from "./storedids.js";
import { RULES, SEVERITIES, functionFindings, lostRows, type Finding, type Severity } from "./rules.js";
import { unredactedEnvFindings } from "./safeaction.js";
import { sharedLimitFindings } from "./sharedlimits.js";
import { refusedFindings } from "./refused.js";
import { judgeRoles } from "./permissions.js";
import { scheduledFindings } from "./scheduled.js";
import { selfResetFindings } from "./selfreset.js";
import { placesOf, wiringFindings } from "./wiring.js";

/** One function, as the report shows it. */
export interface FunctionSummary {
  function: string;
  kind: ConvexFunction["kind"];
  visibility: ConvexFunction["visibility"];
  file: string;
  line: number;
  args: ConvexFunction["args"];
  returns: ConvexFunction["returns"];
  /** The strongest check: none < authenticated < role, permission, document. */
  auth: AuthLevel | "none";
  authVia: string[];
  handWritten: boolean;
  rateLimits: string[];
  /** Rate limits keyed by an argument, which limit nothing: `guard.rateLimit("login") keyed by argument 'email'`. */
  argKeyedRateLimits: string[];
  safeAction: boolean;
  audited: boolean;
  confirmed: boolean;
  deletes: boolean;
  /** The library whose own endpoint it is (`@convex-dev/auth`), else null: not reported for its authorization or rate limit. */
  library: string | null;
  /** An HTTP action's routes in the app's code (`POST /webhook`, `GET /files/*`); HTTP actions only. */
  routes?: string[];
  /** An HTTP action's webhook signature checks that prove its caller (`svix Webhook.verify`); HTTP actions only. */
  signatures?: string[];
  /** An internal function's checks for a named user (`guard.requireRoleFor("moderator")`, actingfor.ts); only when it makes some. */
  namedUser?: string[];
}

export interface AuditResult {
  convexDir: string;
  functions: FunctionSummary[];
  findings: Finding[];
  allowed: Allowed[];
  /** Allowlist entries that allowed nothing: stale, or (`redundantWith`) duplicates of the entry there, which allowed their findings first. */
  unusedAllows: { target: string; rule: string | null; source: string; redundantWith?: string }[];
  /** What of a guard's configuration could not be read from the source (and what is ignored because of it), and which guard calls could not be followed to their defineGuard call (and how they were judged). */
  warnings: ConfigWarning[];
  failOn: Severity | "none";
  /** Whether a finding at or above `failOn` remains: the exit status is 1. */
  failed: boolean;
}

const RANK: Record<AuthLevel | "none", number> = { none: 0, authenticated: 1, role: 2, permission: 2, document: 2 };

/**
 * Audits the Convex app whose functions live in `convexDir`.
 *
 * @throws {AuditError} when the directory, its dependencies or its allowlist are unusable.
 * @example
 * ```ts
 * const result = audit("convex", { failOn: "high" });
 * if (result.failed) process.exitCode = 1;
 * ```
 */
export function audit(convexDir: string, options: { failOn?: Severity | "none" } = {}): AuditResult {
  const app = new App(convexDir);
  const finder = new FactsFinder(app);
  // A CommonJS module's exports as Convex bundles them: its `default` alone (commonjs.ts).
  const commonJs = withCommonJs(app, finder, findFunctions(app, finder));
  const exported = commonJs.functions;
  // Each HTTP route is an endpoint of its own, unless an exported HTTP action (listed already) serves it.
  const routed = routeFunctions(app, finder, exported);
  const functions = [...exported, ...routed.routes];
  markSignatures(app, finder, functions);
  markLateChecks(app, finder, functions); // a check after an action's relay holds nothing for it (latechecks.ts)
  markSpentInvites(app, functions); // a spent invitation row deleted after acceptGroupInvite: the caller's own (spentinvite.ts)
  // Nothing to audit is a mistake (a wrong directory, `convex/_generated`), never a clean pass.
  if (functions.length === 0) {
    throw new AuditError(`found no Convex functions in ${convexDir}: point the audit at the app's convex/ directory`);
  }
  const findings = [...functions.flatMap(functionFindings), ...followFindings(functions), ...promotionFindings(app, functions), ...rankedRoleFindings(app, functions), ...relayedCodeFindings(app, functions), ...splitLimitFindings(app, functions), ...httpFindings(app, functions), ...failOpenFindings(app, functions), ...decisionTestFindings(app, functions), ...unredactedEnvFindings(functions, (fn) => redactedEnvOf(app, fn.safeActionCall)), ...wiringFindings(app, functions), ...uncheckedListFindings(app, functions, finder), ...queryChangeFindings(app, functions), ...storedIdFindings(app, functions), ...sharedLimitFindings(app), ...refusedFindings(app, functions), ...scheduledFindings(app, functions), ...relayedUserFindings(app, functions), ...selfResetFindings(app, functions), ...selfForgetFindings(app, functions), ...groupOwnerFindings(app, functions), ...earlyBranchFindings(app, finder, functions)];
  findings.push(...argScopeFindings(app, functions)); // a permission's change checked on an argument's document, not the row's own (argscope.ts)
  for (const f of findings) f.fix = levelledFix(app, f.rule, f.fix); // a rule's own fix naming a level: the app's levels (levels.ts)
  // The same finding reached twice is one. A user-id-arg finding names its argument, an
  // access-field-write its field: two on one line (`{ fromUserId: ..., toUserId: ... }`,
  // `{ ownerId, folderId }`) are two.
  const key = (f: Finding) => `${f.rule} ${f.function} ${f.file}:${f.line}${f.rule === "user-id-arg" || f.rule === "access-field-write" ? ` ${f.message}` : ""}`;
  const unique = [...new Map(findings.map((f) => [key(f), f])).values()];
  unique.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule));
  const allows = [...configAllows(app), ...commentAllows(app)];
  const { remaining, allowed } = applyAllows(app, unique, functions, allows);
  // Every reader of every guard's configuration has run (they answer from a cache when they
  // did), so the warnings name everything an unreadable configuration makes the audit ignore,
  // whatever the app.
  for (const guard of appGuards(app)) {
    lowestRole(app, guard);
    scopedRolesOf(app, guard); // a misspelt scoped role is an error even where no check names it
    judgeRoles(app, guard); // roles the engine refuses (highest first) are warned of even where no permission is judged
    ownerFields(app, guard);
    accessFields(app, guard);
    redactedEnv(app, guard);
    tableNames(app, guard);
    placesOf(app, guard);
  }
  const failOn = options.failOn ?? "high";
  const threshold = failOn === "none" ? Infinity : SEVERITIES.indexOf(failOn);
  return {
    convexDir,
    functions: functions.map((fn) => summarize(app, fn)),
    findings: remaining,
    allowed,
    unusedAllows: allows
      .filter((a) => !a.used)
      .map((a) => ({ target: a.target, rule: a.rule ?? null, source: a.source, ...(a.redundantWith === undefined ? {} : { redundantWith: a.redundantWith }) })),
    warnings: [...unloadedWarnings(app), ...commonJs.warnings, ...routed.warnings, ...configWarnings(app), ...roleWarnings(app)],
    failOn,
    failed: remaining.some((f) => SEVERITIES.indexOf(f.severity) >= threshold),
  };
}

/** A function module Convex deploys that the program could not load: never left out in silence. */
function unloadedWarnings(app: App): ConfigWarning[] {
  return app.unloaded.map((file) => ({
    file: app.shown(file),
    line: 1,
    message: "Convex deploys this file as a function module, but the audit could not load it: its functions are not audited",
  }));
}

function summarize(app: App, fn: ConvexFunction): FunctionSummary {
  const named = fn.visibility === "internal" && fn.handler !== undefined ? namedChecks(app, fn.handler) : [];
  const strongest = fn.facts.auth.reduce<AuthLevel | "none">((best, a) => (RANK[a.level] > RANK[best] ? a.level : best), "none");
  return {
    function: fn.id,
    kind: fn.kind,
    visibility: fn.visibility,
    file: fn.at.file,
    line: fn.at.line,
    args: fn.args,
    returns: fn.returns,
    auth: strongest,
    authVia: [...new Set(fn.facts.auth.map((a) => a.via))],
    handWritten: fn.facts.auth.length > 0 && fn.facts.auth.every((a) => a.handWritten),
    rateLimits: [...new Set(fn.facts.rateLimits.map((r) => r.via))],
    argKeyedRateLimits: [...new Set(fn.argKeyedLimits.map((r) => `${r.via} ${keyedBy(r.arg)}`))],
    safeAction: fn.safeAction,
    // A row a mutation always throws away is no audit row (rule audit-rollback).
    audited: fn.facts.audited.length > lostRows(fn).length,
    confirmed: fn.facts.confirmed.some((c) => c.late !== true), // an assert after another change confirms none of it
    deletes: fn.facts.deletes.length > 0,
    library: fn.library,
    ...(fn.kind === "httpAction" ? { routes: fn.routes ?? [], signatures: [...new Set((fn.signatures ?? []).map((s) => s.via))] } : {}),
    ...(named.length > 0 ? { namedUser: named } : {}),
  };
}

export { RULES };
