// Checks of a named user, not the caller: what a job (an internal function the scheduler or
// `ctx.runMutation` runs, with no caller of its own) checks for the user it is given.
//
//   const r = await guard.readableFor(ctx, userId, "documents", id);      // access, any level
//   await guard.requireAccessFor(ctx, userId, "documents", id, "editor"); // access at "editor"
//   await guard.requirePermissionFor(ctx, userId, "delete:docs");         // as requirePermission
//   await guard.requireGroupLevelFor(ctx, userId, groupId, "billing");    // as requireGroupLevel
//   if (!guard.can(await ctx.db.get(userId), "delete:docs")) throw ...;   // the row of that user
//
// A public function that relays its caller's own id for that user (`{ userId: me._id }`) gets
// the check it would make itself (follow.ts: a document check weighed by its level, levels.ts; a
// role above the lowest or a permission the lowest does not hold decides, roles.ts); any other
// user is `relayed-user-id` (actingfor.ts). In a public function, a `*For` access check of the
// caller's own id is its document check (functions.ts). The checks are read once per handler,
// when functions.ts describes it, and kept for the rules that judge the calls (`namedOf`).
import ts from "typescript";
import { isCallerId } from "./callerid.js";
import { literalThrough } from "./config.js";
import type { AuthCheck } from "./facts.js";
import { exitsOnDenial, enclosingFunction, guardShown, firstLiteral, unused } from "./facts-syntax.js";
import { swallowed } from "./flow.js";
import { GUARD, skipOuter, within, type App } from "./program.js";
import { answerExit, comparedGroupLevel, readableExit } from "./readable.js";
import { markLowestRole } from "./roles.js";
import { ArgFlow, readId } from "./argflow.js";

/** `{ [key]: value }` when there is a value (the optional fields stay absent). */
const opt = <K extends string>(key: K, value: string | undefined): { [k in K]?: string } => (value === undefined ? {} : ({ [key]: value } as { [k in K]?: string }));

/** Guard methods that check a user an id names: the level of their check (a group's level: a document check of the group, as requireGroupLevel's, facts.ts GROUP_CHECKS). */
const NAMED = new Map<string, AuthCheck["level"]>([
  ...(["readableFor", "requireAccessFor", "groupLevelFor", "requireGroupLevelFor"] as const).map((n) => [n, "document"] as const),
  ["requireRoleFor", "role"],
  ["requirePermissionFor", "permission"],
]);
/** Decisions about a row: a check of the user whose row `ctx.db.get(userId)` reads when their `false` leaves. */
const DECISIONS = new Map<string, AuthCheck["level"]>([["can", "permission"], ["roleAtLeast", "role"]]);

/** The user a guard call checks by name, and its method: `*For`'s second argument, or `userId` of `guard.can(await ctx.db.get(userId), ...)` (also through a `const` holding the row). */
export function namedUser(app: App, n: ts.Node): { name: string; user: ts.Expression } | undefined {
  if (!ts.isCallExpression(n)) return undefined;
  const name = app.calleeFrom(n, GUARD)?.name ?? "";
  if (NAMED.has(name)) return n.arguments[1] === undefined ? undefined : { name, user: n.arguments[1] };
  const row = DECISIONS.has(name) ? rowOf(app, n.arguments[0], 0) : undefined;
  return row === undefined ? undefined : { name, user: row };
}

/** The id `ctx.db.get` reads a row by: of the read (`await ctx.db.get(userId)`) or of a `const` holding it. */
function rowOf(app: App, e: ts.Expression | undefined, depth: number): ts.Expression | undefined {
  const x = e === undefined ? undefined : skipOuter(e);
  if (x === undefined || depth > 3) return undefined;
  const init = ts.isIdentifier(x) ? app.constInitializer(x) : undefined;
  return init !== undefined ? rowOf(app, init, depth + 1) : ts.isCallExpression(x) ? readId(app, x) : undefined;
}

/** A named check that holds, with the expression of the user it checks. */
export interface NamedCheck {
  check: AuthCheck;
  user: ts.Expression;
  /** The handler's parameter the user is (`userId` of `{ userId }`), and the one a document check's id is (`id`), when they are one. */
  userParam?: string;
  param?: string;
}

const known = new WeakMap<ts.Node, NamedCheck[]>();

/**
 * The named checks of a handler that hold: made in the handler itself on every path (not in a
 * branch, a loop or a callback), their throw not caught, `readableFor`'s null and a decision's
 * `false` left on; a role or permission marked as roles.ts marks the caller's. Kept for `namedOf`.
 */
export function readNamedChecks(app: App, handler: ts.SignatureDeclaration): NamedCheck[] {
  const out: NamedCheck[] = [];
  const flow = new ArgFlow(app, handler);
  const visit = (n: ts.Node): void => {
    ts.forEachChild(n, visit);
    const named = namedUser(app, n);
    if (named === undefined || !everyPath(n, handler)) return;
    const call = n as ts.CallExpression, level = NAMED.get(named.name) ?? DECISIONS.get(named.name)!;
    const decision = DECISIONS.has(named.name);
    if (decision ? !exitsOnDenial(app, call, false) : swallowed(call, handler, true)) return;
    if (named.name === "readableFor" && (unused(call) || readableExit(app, call) !== "leaves")) return;
    if (named.name === "groupLevelFor" && answerExit(app, "groupLevel", call) === undefined) return; // its null leaves, or a levelAtLeast of it (readable.ts)
    const via = `${guardShown(call, false)}.${named.name}${firstLiteral(call)}`;
    const at = app.loc(call);
    // A group's (groupLevelFor, requireGroupLevelFor): the group one argument earlier, the level compared with groupLevelFor's answer.
    const g = /group/i.test(named.name) ? 2 : 3, levelArg = named.name === "groupLevelFor" ? comparedGroupLevel(app, call) : call.arguments[g + 1];
    const check: AuthCheck =
      level === "document"
        ? { level, via, handWritten: false, at, target: call.arguments[g], minLevel: literalThrough(app, levelArg), levelArg, guardCall: call }
        : { level, via, handWritten: decision, at, role: call.arguments[decision ? 1 : 2], guardCall: call };
    const param = check.target === undefined ? undefined : flow.idRoot(check.target);
    out.push({ check, user: named.user, ...opt("userParam", flow.rootOf(named.user)), ...opt("param", param) });
  };
  visit(handler);
  const marked = markLowestRole(app, out.map((c) => c.check));
  const checks = out.map((c, i) => ({ ...c, check: marked[i]! }));
  known.set(handler, checks);
  return checks;
}

/** The named checks read for a handler (`readNamedChecks`, when functions.ts described it). */
export const namedOf = (handler: ts.Node | undefined): NamedCheck[] => (handler === undefined ? [] : (known.get(handler) ?? []));

/** The document checks of a handler's `*For` calls that are its own: in a public function, those of the caller's own id (callerid.ts); in an internal one, all (its callers' relays are judged at the call: follow.ts). */
export function namedDocumentChecks(app: App, handler: ts.SignatureDeclaration, exposed: boolean): AuthCheck[] {
  return readNamedChecks(app, handler)
    .filter((c) => c.check.level === "document" && (!exposed || isCallerId(app, c.user)))
    .map((c) => c.check);
}

/** Whether `call` is made on every path of `handler`: not in a branch, a loop body, a `case` or a callback; on the right of `&&`/`||`/`??` only inside an `if` test (`if (!row || !guard.can(row, p)) throw`). */
function everyPath(call: ts.Node, handler: ts.Node): boolean {
  if (!within(call, handler) || enclosingFunction(call) !== handler) return false;
  let test = false;
  for (let node: ts.Node = call, p = call.parent; p !== undefined && node !== handler; node = p, p = p.parent) {
    if (ts.isIfStatement(p)) {
      if (node !== p.expression) return false;
      test = true;
    } else if (ts.isConditionalExpression(p) && node !== p.condition) return false;
    else if (ts.isBinaryExpression(p) && node === p.right && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(p.operatorToken.kind)) {
      if (!test && !withinIfTest(p)) return false;
    } else if (ts.isIterationStatement(p, false) || ts.isCaseOrDefaultClause(p) || ts.isCatchClause(p)) return false;
  }
  return true;
}

/** Whether an expression is (part of) an `if` statement's test. */
function withinIfTest(e: ts.Node): boolean {
  let node = e;
  while (ts.isExpression(node.parent) || ts.isParenthesizedExpression(node.parent)) node = node.parent;
  return ts.isIfStatement(node.parent) && node.parent.expression === node;
}
