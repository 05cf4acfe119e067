// The rules: each has a stable id, a severity and one sentence on the fix. A finding is a rule
// broken at a place, in a function (or, for code outside any function, in a module).
import ts from "typescript";
import type { ConvexFunction } from "./functions.js";
import { skipOuter, type App, type Loc } from "./program.js";

export const SEVERITIES = ["low", "medium", "high"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Rule {
  severity: Severity;
  /** What is wrong, in a few words. */
  title: string;
  /** One sentence on the fix. */
  fix: string;
}

/** The rule list. Ids are stable: allowlists and CI configurations name them. */
export const RULES = {
  "public-no-auth": {
    severity: "high",
    title: "public function with no authorization check",
    fix: "Call guard.requireUser, requireRole, requirePermission, readable or requireAccess before anything else, or make the function internal.",
  },
  "public-no-rate-limit": {
    severity: "medium",
    title: "public mutation or action with no rate limit",
    fix: "Call guard.rateLimit(ctx, name, { key: user._id }) (or checkRateLimit, rateLimitAll) with a key taken from the server, not from the arguments.",
  },
  "action-env-unsafe": {
    severity: "high",
    title: "public action reads process.env and returns or throws without guard.safeAction",
    fix: "Wrap it as action(guard.safeAction({ name, args, handler })) so its errors and results cannot carry the secret to the caller.",
  },
  "internal-name-public": {
    severity: "high",
    title: "function named as internal is exported as public",
    fix: "Define it with internalQuery, internalMutation or internalAction and call it through `internal.*`.",
  },
  "user-id-arg": {
    severity: "medium",
    title: "public function takes userId as an argument",
    fix: "Take the caller from guard.requireUser(ctx), never from an argument; a target user chosen by an admin is allowlisted with its reason.",
  },
  "unchecked-id-read": {
    severity: "high",
    title: "document read by an id from the arguments and returned without an ownership or access check",
    fix: "Read it with guard.readable or guard.requireAccess (or compare its owner with the caller) before returning it.",
  },
  "fail-open-role": {
    severity: "high",
    title: "role lookup that fails open",
    fix: "Use guard.roleAtLeast or guard.requireRole: an unknown, missing or '__proto__' role must deny, not rank as a default.",
  },
  "any-args": {
    severity: "medium",
    title: "public function accepts arguments without a precise validator",
    fix: "Give every argument a precise validator (v.string(), v.id(\"table\"), v.object({ ... })) instead of v.any() or no `args`.",
  },
  "destructive-unconfirmed": {
    severity: "high",
    title: "delete with neither a confirmation nor an audit row",
    fix: "Require a confirmation code (guard.consumeConfirmation) or write guard.audit.log in the same mutation.",
  },
  "unresolved-function": {
    severity: "high",
    title: "export whose Convex kind could not be determined",
    fix: "Make its builder's type resolve (install the app's dependencies, fix the import) so the audit can tell whether it is public.",
  },
} as const satisfies Record<string, Rule>;

export type RuleId = keyof typeof RULES;
export const isRuleId = (s: string): s is RuleId => Object.hasOwn(RULES, s);

export interface Finding {
  rule: RuleId;
  severity: Severity;
  file: string;
  line: number;
  /** `users:flagUser`, or the module path for code outside an exported function. */
  function: string;
  message: string;
  fix: string;
}

function finding(rule: RuleId, fn: string, at: Loc, message: string): Finding {
  return { rule, severity: RULES[rule].severity, file: at.file, line: at.line, function: fn, message, fix: RULES[rule].fix };
}

/** A name that says "not for clients": `_processPayment`, `internalCharge`, `internal_sync`. */
function internalName(name: string): boolean {
  if (name.startsWith("_")) return true;
  if (!name.startsWith("internal")) return false;
  const next = name.charAt("internal".length);
  return next === "" || next === "_" || (next >= "A" && next <= "Z");
}

/** The findings of one function. */
export function functionFindings(fn: ConvexFunction): Finding[] {
  const out: Finding[] = [];
  const name = fn.id.slice(fn.id.lastIndexOf(":") + 1);
  const f = fn.facts;
  if (fn.kind === "unknown" || fn.visibility === "unknown") {
    out.push(finding("unresolved-function", fn.id, fn.at, `${fn.id}: its type is not a registered Convex function`));
    return out;
  }
  const publicFn = fn.visibility === "public" && fn.kind !== "httpAction";
  if (publicFn) {
    if (f.auth.length === 0) out.push(finding("public-no-auth", fn.id, fn.at, `public ${fn.kind} ${fn.id} checks no identity, role, permission or document access`));
    if (fn.kind !== "query" && f.rateLimits.length === 0) out.push(finding("public-no-rate-limit", fn.id, fn.at, `public ${fn.kind} ${fn.id} has no rate limit`));
    if (fn.kind === "action" && !fn.safeAction && f.envReads.length > 0 && f.exits) {
      const env = f.envReads[0]!;
      out.push(finding("action-env-unsafe", fn.id, fn.at, `public action ${fn.id} reads process.env (${env.file}:${env.line}) and answers without guard.safeAction`));
    }
    if (internalName(name)) out.push(finding("internal-name-public", fn.id, fn.at, `${fn.id} is named as internal but exported as a public ${fn.kind}`));
    for (const arg of fn.argNames) {
      if (arg.name === "userId") out.push(finding("user-id-arg", fn.id, arg.at, `public ${fn.kind} ${fn.id} takes userId from the caller`));
    }
    // A role, a permission or a document check decides who may read what; "signed in" alone does not.
    const decides = f.auth.some((a) => a.level !== "authenticated");
    if (!decides) {
      for (const at of fn.idReads) out.push(finding("unchecked-id-read", fn.id, at, `${fn.id} returns the document an argument names, to any caller`));
    }
    if (fn.args === "missing") out.push(finding("any-args", fn.id, fn.at, `public ${fn.kind} ${fn.id} has no argument validator`));
    for (const at of fn.anyArgs) out.push(finding("any-args", fn.id, at, `public ${fn.kind} ${fn.id} accepts v.any()`));
  }
  if (fn.kind === "mutation" && f.audited.length === 0 && f.confirmed.length === 0) {
    for (const d of f.deletes) {
      out.push(finding("destructive-unconfirmed", fn.id, d, `${fn.id} deletes${d.inLoop ? " in a loop" : ""} with no confirmation and no audit row`));
    }
  }
  return out;
}

/**
 * Role lookups that fail open, anywhere in the app's code: `table[user.role] ?? 0`,
 * `levels[role] || 1`, `ranks[x.role] ?? "user"` — a missing, misspelt or `__proto__` role
 * silently becomes a default rank instead of a denial.
 */
export function failOpenFindings(app: App): Finding[] {
  const out: Finding[] = [];
  const files = app.program.getSourceFiles().filter((f) => app.isAppCode(f) && !app.relative(f.fileName).startsWith(".."));
  for (const file of files) {
    const visit = (n: ts.Node): void => {
      if (ts.isBinaryExpression(n) && (n.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || n.operatorToken.kind === ts.SyntaxKind.BarBarToken)) {
        const left = skipOuter(n.left);
        const right = skipOuter(n.right);
        const fallback = ts.isNumericLiteral(right) || ts.isStringLiteral(right) || (ts.isPrefixUnaryExpression(right) && ts.isNumericLiteral(right.operand));
        if (ts.isElementAccessExpression(left) && fallback && (namesRole(left.argumentExpression) || namesRole(left.expression))) {
          const module = app.relative(file.fileName);
          out.push(finding("fail-open-role", module, app.loc(n), `${module}: a role missing from the lookup falls back to ${right.getText(file)}`));
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(file);
  }
  return out;
}

/** Whether an expression's last name mentions a role (`user.role`, `roleLevels`, `ROLE_RANK`). */
function namesRole(e: ts.Expression): boolean {
  e = skipOuter(e);
  const name = ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : ts.isElementAccessExpression(e) ? "" : "";
  return name.toLowerCase().includes("role");
}
