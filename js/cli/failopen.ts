// `fail-open-role`: role lookups that fail open, anywhere in the app's code (split from rules.ts).
import ts from "typescript";
import type { ConvexFunction } from "./functions.js";
import { finding, type Finding } from "./rules.js";
import { skipOuter, type App } from "./program.js";

/** Operators that put a fallback in place of a missing value. */
const FALLBACKS = new Set([ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionEqualsToken, ts.SyntaxKind.BarBarEqualsToken]);

/**
 * Role lookups that fail open, anywhere in the app's code: a role, or a lookup by a role,
 * that falls back to a literal when it is missing — `table[user.role] ?? 0`,
 * `ranks.get(role) ?? 1`, `user.role ?? "admin"`, `user.role || "user"`, `role ??= "admin"`,
 * `user.role ? user.role : "admin"`, `const { role = "admin" } = user`. A missing, misspelt or
 * `__proto__` role silently becomes a default rank or role instead of a denial.
 */
export function failOpenFindings(app: App, functions: ConvexFunction[]): Finding[] {
  const out: Finding[] = [];
  const ids = new Set(functions.map((f) => f.id));
  const files = app.program.getSourceFiles().filter((f) => app.isAppCode(f) && !app.relative(f.fileName).startsWith(".."));
  for (const file of files) {
    const module = app.relative(file.fileName);
    const report = (at: ts.Node, fallback: ts.Node) => {
      const where = exportedFunction(app, file, at, ids) ?? module;
      out.push(finding("fail-open-role", where, app.loc(at), `${where}: a missing role falls back to ${fallback.getText(file)}`));
    };
    const visit = (n: ts.Node): void => {
      if (ts.isBinaryExpression(n) && FALLBACKS.has(n.operatorToken.kind) && isFallback(n.right) && isRoleValue(n.left)) report(n, n.right);
      else if (ts.isConditionalExpression(n)) {
        if (isRoleValue(n.whenTrue) && isFallback(n.whenFalse)) report(n, n.whenFalse);
        else if (isFallback(n.whenTrue) && isRoleValue(n.whenFalse)) report(n, n.whenTrue);
      } else if (ts.isBindingElement(n) && n.initializer !== undefined && isFallback(n.initializer)) {
        // A destructured value's role (`const { role = "admin" } = user`). A parameter's default
        // (`function insertRow(ctx, name, role = "member")`) is what a caller asks for when it
        // passes none, not a stored role read: not reported.
        const key = n.propertyName ?? n.name;
        if ((ts.isIdentifier(key) || ts.isStringLiteral(key)) && key.text.toLowerCase().includes("role")) report(n, n.initializer);
      }
      ts.forEachChild(n, visit);
    };
    visit(file);
  }
  return out;
}

/** The Convex function whose export holds a node (`flawed:myRank`), if it is one's. */
export function exportedFunction(app: App, file: ts.SourceFile, node: ts.Node, ids: Set<string>): string | undefined {
  let n = node;
  while (n.parent !== undefined && n.parent !== file) n = n.parent;
  const names = ts.isVariableStatement(n) ? n.declarationList.declarations.filter((d) => d.pos <= node.pos && node.end <= d.end).map((d) => d.name) : [];
  const name = names[0] !== undefined && ts.isIdentifier(names[0]) ? names[0].text : ts.isExportAssignment(n) ? "default" : undefined;
  const id = name === undefined ? undefined : `${app.modulePath(file)}:${name}`;
  return id !== undefined && ids.has(id) ? id : undefined;
}

/** A literal a missing role could become: a number or a non-empty string (`""` and `null` deny). */
function isFallback(e: ts.Expression): boolean {
  e = skipOuter(e);
  if (ts.isPrefixUnaryExpression(e)) e = e.operand;
  return ts.isNumericLiteral(e) || (ts.isStringLiteralLike(e) && e.text !== "");
}

/**
 * A role or a lookup by one: `user.role`, `role`, `levels[user.role]`, `ranks.get(role)`, and
 * the same with the role wrapped in a call (`RANK[String(user.role)]`, `ranks[user.role.trim()]`).
 */
function isRoleValue(e: ts.Expression): boolean {
  e = skipOuter(e);
  if (ts.isElementAccessExpression(e)) return namesRole(e.argumentExpression) || namesRole(e.expression) || claimKey(e.argumentExpression);
  if (ts.isCallExpression(e)) {
    const callee = skipOuter(e.expression);
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === "get" && (namesRole(callee.expression) || e.arguments.some(isRoleValue))) return true;
  }
  return namesRole(e);
}

/** A literal key naming a role claim or field: its last segment is a role (`"https://app.example.com/role"`, `"roles"`), not text that mentions one (`"role.title"`). */
function claimKey(e: ts.Expression): boolean {
  e = skipOuter(e);
  return ts.isStringLiteralLike(e) && /(^|[/.:#])roles?$/i.test(e.text);
}

/**
 * Whether an expression's last name mentions a role (`user.role`, `roleLevels`, `ROLE_RANK`),
 * also when a call wraps it, one call deep, whatever the callee: an argument
 * (`String(user.role)`, `toLower(role)`) or the receiver of a method (`user.role.toLowerCase()`).
 */
function namesRole(e: ts.Expression, wrapped = false): boolean {
  e = skipOuter(e);
  if (ts.isBinaryExpression(e)) return FALLBACKS.has(e.operatorToken.kind) && namesRole(e.left, wrapped);
  if (ts.isCallExpression(e)) {
    if (wrapped) return false;
    const callee = skipOuter(e.expression);
    return e.arguments.some((a) => namesRole(a, true)) || (ts.isPropertyAccessExpression(callee) && namesRole(callee.expression, true));
  }
  const name = ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : "";
  return name.toLowerCase().includes("role");
}
