// Allowlists, read statically (nothing of the app runs):
//
// 1. In the guard's configuration, written literally:
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
// comment is; an entry (config or comment) that matches no finding is reported as stale.
import ts from "typescript";
import { DEFAULT_SECRET_ENV } from "../defaults.js";
import { closestName } from "../diagnose.js";
import { GUARD } from "./facts.js";
import type { ConvexFunction } from "./functions.js";
import { AuditError, skipOuter, type App } from "./program.js";
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
  /** A comment's place: it applies to findings on this line or right below its block. */
  comment?: { file: string; line: number };
}

export interface Allowed extends Finding {
  reason: string;
  allowedBy: string;
}

/** Every `defineGuard({...})` call in the app. */
export function defineGuardCalls(app: App): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  // Only files that import the package can call its defineGuard.
  const importsGuard = (f: ts.SourceFile) =>
    f.statements.some((s) => ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text === GUARD);
  for (const file of app.program.getSourceFiles().filter((f) => app.isAppCode(f) && importsGuard(f))) {
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && app.calleeFrom(n, GUARD)?.name === "defineGuard") out.push(n);
      ts.forEachChild(n, visit);
    };
    visit(file);
  }
  return out;
}

/** The `securityAudit.allow` entries of every `defineGuard({...})` call in the app. */
export function configAllows(app: App): Allow[] {
  const out: Allow[] = [];
  for (const call of defineGuardCalls(app)) readConfig(app, call, out);
  return out;
}

/**
 * The environment variables `guard.safeAction` scans its answers for: `confirmations.redactEnv`
 * and `confirmations.secretEnv` (default `CONVEX_GUARD_SECRET`), when the app has one guard whose
 * configuration says them literally; undefined when that cannot be read from the source.
 */
export function redactedEnv(app: App): Set<string> | undefined {
  const calls = defineGuardCalls(app);
  const config = calls.length === 1 && calls[0]!.arguments[0] !== undefined ? skipOuter(calls[0]!.arguments[0]) : undefined;
  if (config === undefined || !ts.isObjectLiteralExpression(config)) return undefined;
  const confirmations = literalProperty(config, "confirmations");
  if (confirmations !== undefined && !ts.isObjectLiteralExpression(confirmations)) return undefined;
  const redact = confirmations === undefined ? undefined : literalProperty(confirmations, "redactEnv");
  const secret = confirmations === undefined ? undefined : literalProperty(confirmations, "secretEnv");
  if ((redact !== undefined && !ts.isArrayLiteralExpression(redact)) || (secret !== undefined && !ts.isStringLiteralLike(secret))) return undefined;
  const names = new Set([secret?.text ?? DEFAULT_SECRET_ENV]);
  for (const e of redact?.elements ?? []) {
    const name = skipOuter(e as ts.Expression);
    if (!ts.isStringLiteralLike(name)) return undefined;
    names.add(name.text);
  }
  return names;
}

function readConfig(app: App, call: ts.CallExpression, out: Allow[]): void {
  const config = call.arguments[0] === undefined ? undefined : skipOuter(call.arguments[0]);
  if (config === undefined || !ts.isObjectLiteralExpression(config)) return;
  const section = literalProperty(config, CONFIG_KEY);
  if (section === undefined) return;
  if (ts.isObjectLiteralExpression(section)) checkSectionKeys(app, section);
  const allow = ts.isObjectLiteralExpression(section) ? literalProperty(section, "allow") : section;
  if (allow === undefined) return;
  if (!ts.isObjectLiteralExpression(allow)) throw notLiteral(app, allow);
  for (const entry of allow.properties) {
    if (!ts.isPropertyAssignment(entry) || !(ts.isStringLiteral(entry.name) || ts.isIdentifier(entry.name))) throw notLiteral(app, entry);
    const target = entry.name.text;
    const value = skipOuter(entry.initializer);
    const source = `${app.loc(entry).file}:${app.loc(entry).line}`;
    if (ts.isStringLiteralLike(value)) {
      // A blanket allow is for one function ("module:function"); a file key must name its rules,
      // or it would silence every rule for every function of the file, later ones included.
      if (!target.includes(":")) {
        throw new AuditError(`${source}: the file entry '${target}' must name its rules: { "rule-id": "reason" }`);
      }
      out.push({ target, rule: undefined, reason: reasonOf(value.text, source), source, used: false });
    } else if (ts.isObjectLiteralExpression(value)) {
      if (value.properties.length === 0) throw new AuditError(`${source}: the entry '${target}' names no rules: { "rule-id": "reason" }`);
      for (const rule of value.properties) {
        if (!ts.isPropertyAssignment(rule) || !(ts.isStringLiteral(rule.name) || ts.isIdentifier(rule.name)) || !ts.isStringLiteralLike(skipOuter(rule.initializer))) {
          throw notLiteral(app, rule);
        }
        const at = `${app.loc(rule).file}:${app.loc(rule).line}`;
        out.push({ target, rule: ruleOf(rule.name.text, at), reason: reasonOf((skipOuter(rule.initializer) as ts.StringLiteral).text, at), source: at, used: false });
      }
    } else {
      throw notLiteral(app, value);
    }
  }
}

/**
 * Throws unless `allow` is the section's only key: `alow: {...}` would otherwise be an
 * allowlist the audit never reads, silently (the guard refuses it too, but only once it runs).
 */
function checkSectionKeys(app: App, section: ts.ObjectLiteralExpression): void {
  for (const p of section.properties) {
    const name = p.name !== undefined && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
    if (name === "allow") continue;
    if (name === undefined) throw notLiteral(app, p);
    const at = app.loc(p);
    const near = closestName(name, ["allow"]);
    throw new AuditError(`${at.file}:${at.line}: ${CONFIG_KEY}: unknown key '${name}'${near === null ? "" : ` (did you mean '${near}'?)`}`);
  }
}

function literalProperty(object: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const p of object.properties) {
    if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === name) return skipOuter(p.initializer);
  }
  return undefined;
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
    const rel = app.relative(file.fileName);
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
  const files = new Map(app.program.getSourceFiles().filter((f) => app.isAppCode(f)).map((f) => [app.relative(f.fileName), f]));
  const fileOf = (rel: string) => files.get(rel);
  for (const finding of findings) {
    const candidates: Allow[] = [];
    const file = fileOf(finding.file);
    if (file !== undefined) candidates.push(...commentAllowsAt(file, finding.file, finding.line, allows));
    const at = exportLine.get(finding.function);
    const exportFile = at === undefined ? undefined : fileOf(at.file);
    if (at !== undefined && exportFile !== undefined && (at.file !== finding.file || at.line !== finding.line)) {
      candidates.push(...commentAllowsAt(exportFile, at.file, at.line, allows));
    }
    candidates.push(...config.filter((a) => a.target === finding.function || a.target === finding.file));
    const match = candidates.find((a) => a.rule === undefined || a.rule === finding.rule);
    if (match === undefined) {
      remaining.push(finding);
    } else {
      match.used = true;
      allowed.push({ ...finding, reason: match.reason, allowedBy: match.source });
    }
  }
  return { remaining, allowed };
}
