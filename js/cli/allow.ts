// Allowlists, read statically (nothing of the app runs):
//
// 1. In the guard's configuration, read from the source (config.ts: literally, or through
//    `const`s and spreads of them):
//      defineGuard({ ..., securityAudit: { allow: {
//        "users:flagUser": { "user-id-arg": "the moderator's target, not the caller" },
//        "documents:getShared": "public documents answer anonymous callers on purpose",
//      } } })
//    A string allows every rule for that function; an object allows the rules it names.
// 2. In a comment on the finding's line, or in the comment lines right above it or above the
//    function's export (no blank line or code between):
//      // convex-guard-allow: public-no-auth a public health check
//      // convex-guard-allow: public-no-auth, public-no-rate-limit: the public sign-up form
// A reason is required; an unknown rule id is an error, never a silent allow, wherever the
// comment is; an entry (config or comment) that matches no finding is reported as stale, and one
// whose findings another entry allowed first as a duplicate.
import ts from "typescript";
import { DEFAULT_SECRET_ENV } from "../defaults.js";
import { closestName } from "../diagnose.js";
import { callConfig, isUnreadable, member, objectAt, propertyValue, readObject, readValue, unreadable, warnUnreadable, type ObjectRead, type Unreadable } from "./config.js";
import { appGuards, consult } from "./guards.js";
import type { ConvexFunction } from "./functions.js";
import { AuditError, type App } from "./program.js";
import { ROUTE_PREFIX } from "./routes.js";
import { SCOPED_KEY } from "./scopedroles.js";
import { isRuleId, RULES, type Finding } from "./rules.js";

export const CONFIG_KEY = "securityAudit";
const COMMENT_TAG = "convex-guard-allow:";

export interface Allow {
  /** `users:flagUser`, or a file for findings outside functions. */
  target: string;
  /** Undefined: every rule. */
  rule: string | undefined;
  reason: string;
  /** `convex/guard.ts:52` */
  source: string;
  used: boolean;
  /** Unused, but it matched a finding another entry (this place) had allowed first: a duplicate. */
  redundantWith?: string;
  /** A comment's place: it applies to findings on this line or right below its block. */
  comment?: { file: string; line: number };
}

export interface Allowed extends Finding {
  reason: string;
  allowedBy: string;
}

/** What the audit does without the allowlist: said in the report's configuration warning. */
const ALLOW_IGNORED = "the allowlist (securityAudit.allow: every finding it would allow stays reported, none is listed as allowed or stale)";
const REDACT_IGNORED = "the variables safeAction redacts (confirmations.redactEnv and secretEnv: safe-action-env-unredacted is not judged)";

/** The `securityAudit.allow` entries of every `defineGuard(...)` call in the app. */
export function configAllows(app: App): Allow[] {
  const out: Allow[] = [];
  for (const call of appGuards(app)) readConfig(app, call, out);
  return out;
}

const REDACT_JUDGED = "the variables safeAction redacts (only those every guard redacts count as redacted)";

/**
 * The environment variables the `guard.safeAction(...)` call `safeAction` scans its answers for,
 * by its guard's configuration (guards.ts); when that guard cannot be followed, those every guard
 * of the app redacts. Undefined when no configuration says them.
 */
export function redactedEnvOf(app: App, safeAction: ts.CallExpression | undefined): Set<string> | undefined {
  const sets = consult(app, safeAction, REDACT_JUDGED).map((g) => redactedEnv(app, g)).filter((s) => s !== undefined);
  if (sets.length === 0) return undefined;
  return new Set([...sets[0]!].filter((name) => sets.every((s) => s.has(name))));
}

const redacted = new WeakMap<ts.Node, Set<string> | null>();

/**
 * The environment variables `guard.safeAction` scans its answers for: `confirmations.redactEnv`
 * and `confirmations.secretEnv` (default `CONVEX_GUARD_SECRET`), as one `defineGuard` call's
 * configuration says them (config.ts); undefined when that cannot be read from the source.
 */
export function redactedEnv(app: App, guard: ts.CallExpression): Set<string> | undefined {
  let known = redacted.get(guard);
  if (known === undefined) redacted.set(guard, (known = readRedactedEnv(app, guard) ?? null));
  return known ?? undefined;
}

function readRedactedEnv(app: App, guard: ts.CallExpression): Set<string> | undefined {
  const config = callConfig(app, guard);
  if (config === undefined) return undefined;
  const missed = (why: Unreadable | ts.Node) => (warnUnreadable(app, isUnreadable(why) ? why : unreadable(why), REDACT_IGNORED), undefined);
  if (isUnreadable(config)) return missed(config);
  const confirmations = objectAt(app, config, "confirmations");
  if (isUnreadable(confirmations)) return missed(confirmations);
  const redact = confirmations === undefined ? undefined : member(app, confirmations, "redactEnv");
  const secret = confirmations === undefined ? undefined : member(app, confirmations, "secretEnv");
  if (isUnreadable(redact) || (redact !== undefined && !ts.isArrayLiteralExpression(redact))) return missed(redact!);
  if (isUnreadable(secret) || (secret !== undefined && !ts.isStringLiteralLike(secret))) return missed(secret!);
  const names = new Set([secret?.text ?? DEFAULT_SECRET_ENV]);
  for (const e of redact?.elements ?? []) {
    const name = readValue(app, e);
    if (isUnreadable(name) || !ts.isStringLiteralLike(name)) return missed(name);
    names.add(name.text);
  }
  return names;
}

function readConfig(app: App, call: ts.CallExpression, out: Allow[]): void {
  const config = callConfig(app, call);
  if (config === undefined) return;
  // The configuration, or a spread that may hold the section, cannot be read: a warning (the
  // allowlist may not exist). A section written there but not readable is an error below.
  if (isUnreadable(config)) return warnUnreadable(app, config, ALLOW_IGNORED);
  const p = config.property(CONFIG_KEY);
  if (p === undefined) return;
  if (isUnreadable(p)) return warnUnreadable(app, p, ALLOW_IGNORED);
  const section = readObject(app, propertyValue(p));
  if (isUnreadable(section)) throw notLiteral(app, section.unreadable);
  checkSectionKeys(app, section);
  const allow = objectAt(app, section, "allow");
  if (allow === undefined) return;
  if (isUnreadable(allow)) throw notLiteral(app, allow.unreadable);
  if (allow.open !== undefined) throw notLiteral(app, allow.open.unreadable);
  for (const [target, entry] of allow.props) {
    const source = `${app.loc(entry).file}:${app.loc(entry).line}`;
    const value = readValue(app, propertyValue(entry));
    if (isUnreadable(value)) throw notLiteral(app, value.unreadable);
    if (ts.isStringLiteralLike(value)) {
      // A blanket allow is for one function ("module:function", or an HTTP route: "http POST /webhook");
      // a file key must name its rules, or it would silence every rule for every function of the file, later ones included.
      if (!target.includes(":") && !target.startsWith(ROUTE_PREFIX)) {
        throw new AuditError(`${source}: the file entry '${target}' must name its rules: { "rule-id": "reason" }`);
      }
      out.push({ target, rule: undefined, reason: reasonOf(value.text, source), source, used: false });
    } else if (ts.isObjectLiteralExpression(value)) {
      const rules = readObject(app, value);
      if (isUnreadable(rules) || rules.open !== undefined) throw notLiteral(app, isUnreadable(rules) ? rules.unreadable : rules.open!.unreadable);
      if (rules.props.size === 0) throw new AuditError(`${source}: the entry '${target}' names no rules: { "rule-id": "reason" }`);
      for (const [rule, prop] of rules.props) {
        const reason = readValue(app, propertyValue(prop));
        if (isUnreadable(reason) || !ts.isStringLiteralLike(reason)) throw notLiteral(app, prop);
        const at = `${app.loc(prop).file}:${app.loc(prop).line}`;
        out.push({ target, rule: ruleOf(rule, at), reason: reasonOf(reason.text, at), source: at, used: false });
      }
    } else {
      throw notLiteral(app, value);
    }
  }
}

/**
 * Throws unless the section's keys are `allow` and `scopedRoles`: `alow: {...}` would otherwise be
 * an allowlist the audit never reads, silently (the guard refuses it too, but only once it runs).
 */
function checkSectionKeys(app: App, section: ObjectRead): void {
  if (section.open !== undefined) throw notLiteral(app, section.open.unreadable);
  for (const [name, p] of section.props) {
    if (name === "allow" || name === SCOPED_KEY) continue; // scopedRoles: scopedroles.ts
    const at = app.loc(p);
    const near = closestName(name, ["allow", SCOPED_KEY]);
    throw new AuditError(`${at.file}:${at.line}: ${CONFIG_KEY}: unknown key '${name}'${near === null ? "" : ` (did you mean '${near}'?)`}`);
  }
}

function notLiteral(app: App, node: ts.Node): AuditError {
  const at = app.loc(node);
  return new AuditError(`${at.file}:${at.line}: ${CONFIG_KEY}.allow must be written literally: { "module:function": "reason" } or { "module:function": { "rule-id": "reason" } }`);
}

function ruleOf(rule: string, at: string): string {
  if (!isRuleId(rule)) throw unknownRule(rule, at);
  return rule;
}

function unknownRule(rule: string, at: string): AuditError {
  const near = closestName(rule, Object.keys(RULES));
  return new AuditError(`${at}: unknown rule '${rule}'${near === null ? "" : ` (did you mean '${near}'?)`}; the rules: ${Object.keys(RULES).join(", ")}`);
}

/**
 * An allow comment's text after the tag: rule ids separated by commas and/or spaces, then an
 * optional `:` or `-`, then the reason (`public-no-auth, public-no-rate-limit: the sign-up
 * form`). Ids are read while they are known; the first word must be one, and so must a word
 * after a comma, or one spelt like a known id (`public-no-rate-limt`): a typo is an error,
 * never the start of the reason with one rule fewer allowed.
 */
function parseComment(text: string, at: string): { rules: string[]; reason: string } {
  const rules: string[] = [];
  let rest = text.trim();
  let ruleDue = true; // at the start, and after a comma
  for (;;) {
    const word = /^[^\s,:]*/.exec(rest)?.[0] ?? "";
    if (!isRuleId(word)) {
      if (ruleDue || (/^[a-z]+(-[a-z]+)+$/.test(word) && closestName(word, Object.keys(RULES)) !== null)) {
        if (word === "") throw new AuditError(`${at}: an allow comment names no rule${rules.length > 0 ? " after its ','" : ""}: // ${COMMENT_TAG} rule-id[, rule-id] reason; the rules: ${Object.keys(RULES).join(", ")}`);
        throw unknownRule(word, at);
      }
      break;
    }
    rules.push(word);
    rest = rest.slice(word.length).trimStart();
    ruleDue = rest.startsWith(",");
    if (ruleDue) rest = rest.slice(1).trimStart();
    else if (rest.startsWith(":")) {
      rest = rest.slice(1);
      break;
    }
  }
  if (/^-(\s|$)/.test(rest)) rest = rest.slice(1);
  return { rules, reason: reasonOf(rest, at) };
}

function reasonOf(reason: string, at: string): string {
  if (reason.trim() === "") throw new AuditError(`${at}: an allowlist entry needs a reason`);
  return reason.trim();
}

/** Comments of a file by line (their text, without `//`, `/*`, `*`), and which lines hold nothing but comments. */
interface Comments {
  byLine: Map<number, string[]>;
  commentOnly: Set<number>;
}

const commentCache = new Map<ts.SourceFile, Comments>();

/**
 * The comments are the trivia between the parsed tokens: a raw scanner would not know where a
 * template literal's `${...}` ends, and would read the rest of the file wrongly after one.
 */
function comments(file: ts.SourceFile): Comments {
  const known = commentCache.get(file);
  if (known !== undefined) return known;
  const byLine = new Map<number, string[]>();
  const codeLines = new Set<number>();
  const seen = new Set<number>();
  const lineOf = (pos: number) => file.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (node: ts.Node): void => {
    // A doc comment is a comment here: its text is read as one, from the trivia.
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) return;
    const children = node.getChildren(file);
    if (children.length > 0 || node.kind === ts.SyntaxKind.SyntaxList) {
      children.forEach(visit);
      return;
    }
    // A token: the comments before it, and the lines its text spans.
    const ranges = [...(ts.getTrailingCommentRanges(file.text, node.pos) ?? []), ...(ts.getLeadingCommentRanges(file.text, node.pos) ?? [])];
    for (const r of ranges) {
      if (seen.has(r.pos)) continue;
      seen.add(r.pos);
      // Each line of a block comment is a comment line of its own (`/**`, ` * text`, ` */`).
      const text = file.text.slice(r.pos, r.end);
      const lines = r.kind === ts.SyntaxKind.SingleLineCommentTrivia ? [text.slice(2)] : text.slice(2, -2).split("\n");
      lines.forEach((body, i) => {
        let trimmed = body.trim();
        if (trimmed.startsWith("*")) trimmed = trimmed.slice(1).trim();
        const line = lineOf(r.pos) + i;
        byLine.set(line, [...(byLine.get(line) ?? []), trimmed]);
      });
    }
    if (node.kind !== ts.SyntaxKind.EndOfFileToken) for (let l = lineOf(node.getStart(file)); l <= lineOf(node.end); l++) codeLines.add(l);
  };
  visit(file);
  const commentOnly = new Set([...byLine.keys()].filter((l) => !codeLines.has(l)));
  const found = { byLine, commentOnly };
  commentCache.set(file, found);
  return found;
}

/**
 * Every allow comment of the app's own files, each validated (a known rule, a reason) whether
 * or not a finding is near it: a misspelt rule id is an error, never an allow that waits.
 */
export function commentAllows(app: App): Allow[] {
  const out: Allow[] = [];
  for (const file of app.program.getSourceFiles()) {
    // Only a file that contains the tag is worth tokenizing (the scanner decides what a comment is).
    if (!app.isAppCode(file) || app.relative(file.fileName).startsWith("..") || !file.text.includes(COMMENT_TAG)) continue;
    const rel = app.shown(file.fileName);
    for (const [line, texts] of comments(file).byLine) {
      for (const body of texts) {
        if (!body.startsWith(COMMENT_TAG)) continue;
        const source = `${rel}:${line}`;
        const { rules, reason } = parseComment(body.slice(COMMENT_TAG.length), source);
        for (const rule of rules) out.push({ target: "", rule, reason, source, used: false, comment: { file: rel, line } });
      }
    }
  }
  return out;
}

/** The allow comments that apply at a line: on it, or in the comment block right above it. */
function commentAllowsAt(file: ts.SourceFile, rel: string, line: number, all: Allow[]): Allow[] {
  if (!all.some((a) => a.comment?.file === rel)) return [];
  const { commentOnly } = comments(file);
  const lines = new Set([line]);
  for (let l = line - 1; commentOnly.has(l); l--) lines.add(l);
  return all.filter((a) => a.comment !== undefined && a.comment.file === rel && lines.has(a.comment.line));
}

/** Splits findings into those that remain and those an allowlist entry covers. */
export function applyAllows(app: App, findings: Finding[], functions: ConvexFunction[], allows: Allow[]): { remaining: Finding[]; allowed: Allowed[] } {
  const config = allows.filter((a) => a.comment === undefined);
  const remaining: Finding[] = [];
  const allowed: Allowed[] = [];
  const exportLine = new Map(functions.map((f) => [f.id, f.at]));
  const appFiles = app.program.getSourceFiles().filter((f) => app.isAppCode(f));
  // Findings name files as printed (relative to the current directory); a file key of the
  // configuration's allowlist is relative to the app's root, wherever the audit runs.
  const files = new Map(appFiles.map((f) => [app.shown(f.fileName), f]));
  const fileOf = (shown: string) => files.get(shown);
  for (const finding of findings) {
    const candidates: Allow[] = [];
    const file = fileOf(finding.file);
    if (file !== undefined) candidates.push(...commentAllowsAt(file, finding.file, finding.line, allows));
    const at = exportLine.get(finding.function);
    const exportFile = at === undefined ? undefined : fileOf(at.file);
    if (at !== undefined && exportFile !== undefined && (at.file !== finding.file || at.line !== finding.line)) {
      candidates.push(...commentAllowsAt(exportFile, at.file, at.line, allows));
    }
    const rootRelative = file === undefined ? finding.file : app.relative(file.fileName);
    candidates.push(...config.filter((a) => a.target === finding.function || a.target === rootRelative));
    const match = candidates.find((a) => a.rule === undefined || a.rule === finding.rule);
    if (match === undefined) {
      remaining.push(finding);
    } else {
      match.used = true;
      allowed.push({ ...finding, reason: match.reason, allowedBy: match.source });
      for (const other of candidates) if (other !== match && (other.rule === undefined || other.rule === finding.rule)) other.redundantWith ??= match.source;
    }
  }
  return { remaining, allowed };
}
