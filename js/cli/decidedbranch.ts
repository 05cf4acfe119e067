// A branch only a decision lets the caller into (attack47 FP3, FP4): the guarded side of an `if`,
// a `?:`, `&&` or `||`, or code after an `if` whose denied branch leaves, is off the path of a
// caller the decision denies:
//
//   if (guard.roleAtLeast(me, "admin")) return await ctx.db.query("documents").take(50); // the admin's listing
//   return guard.can(me, "delete:docs") ? <every row> : <the caller's own rows>;          // the `?:`'s true side
//   if (!guard.roleAtLeast(me, "admin")) return <the caller's own rows>; return <every row>;
//   if (doc.ownerId === me._id || guard.roleAtLeast(me, "admin")) return doc;             // the owner's or an admin's
//   if (doc && (doc.ownerId === me._id || guard.roleAtLeast(me, "admin"))) await ctx.db.patch(doc._id, ...);
//
// Read so: walking up from the node to its function, a test the denial decides (flow.ts
// `valueWhenDenied`, with `atom` naming the denied values: the decision's call written in the test,
// or a `const` holding it, never a `let`; for a row's read or change, the caller not its owner too)
// that sends the denied caller the other way; or, in a block around the node, an `if` before it
// whose branch the denied caller takes always returns or throws (flow.ts `alwaysLeaves`, any answer:
// in a `try` too, or by an app helper that always throws) with nothing changed on the way out
// (flow.ts `changesIn`: a return after a write keeps the write, attack45 F1; its return may answer
// data: the node after it is not reached).
import ts from "typescript";
import { accessFields, accessTables } from "./accessfields.js";
import { appGuards } from "./guards.js";
import { literalThrough } from "./config.js";
import { throwingIn, type Write } from "./facts-syntax.js";
import { alwaysLeaves, ANY_RETURN, changesIn, outer, truthy, valueWhenDenied, type Denial, type Value } from "./flow.js";
import { isFunctionLike, propertyInit, skipOuter, type App, type Loc } from "./program.js";
import { RESHAPING } from "./argflow.js";
import { isCallerId } from "./callerid.js";
import { subjectOf } from "./subject.js";
import { guardTables, usersTables } from "./writes.js";

type Atom = (e: ts.Expression) => Value | "unknown";

/**
 * `atom`, also naming a `const` whose value is one of `calls` (`const isAdmin = guard.roleAtLeast(me, "admin")`) as that call's denial,
 * or one the denial decides (`const plain = !guard.roleAtLeast(me, "admin")`: true when denied, attack48 L1).
 */
export function heldToo(app: App, calls: readonly ts.Node[], denial: Value, atom: Atom = () => "unknown"): Atom {
  const held: Atom = (e) => {
    const x = skipOuter(e);
    if (calls.includes(x)) return denial;
    const init = ts.isIdentifier(x) ? app.constInitializer(x) : undefined;
    if (init !== undefined && calls.includes(skipOuter(init))) return denial;
    const value = init !== undefined && init.pos < x.pos && !ts.isIdentifier(init) ? valueWhenDenied(init, held) : "unknown";
    return value !== "unknown" ? value : atom(e);
  };
  return held;
}

/** Whether `node` is off the path of a caller `atom` denies (see above). */
export function offPath(app: App, node: ts.Node, atom: Atom): boolean {
  const value = (e: ts.Expression) => valueWhenDenied(e, atom);
  const changes = changesIn(app);
  // Returns (any answer) or throws on every path, a `try` and a helper that always throws too; nothing changed on the way.
  const throwing = throwingIn(app);
  const ends = (s: ts.Statement) => alwaysLeaves(s, throwing, ANY_RETURN);
  for (let n: ts.Node = node; !isFunctionLike(n) && n.parent !== undefined; n = n.parent) {
    const p = n.parent;
    if (ts.isIfStatement(p) && p.expression !== n) {
      const t = value(p.expression);
      if (t !== "unknown" && truthy(t) !== (p.thenStatement === n)) return true;
    } else if (ts.isConditionalExpression(p) && p.condition !== n) {
      const t = value(p.condition);
      if (t !== "unknown" && truthy(t) !== (p.whenTrue === n)) return true;
    } else if (ts.isBinaryExpression(p) && p.right === n) {
      const t = value(p.left);
      const op = p.operatorToken.kind;
      if (t !== "unknown" && ((op === ts.SyntaxKind.AmpersandAmpersandToken && !truthy(t)) || (op === ts.SyntaxKind.BarBarToken && truthy(t)))) return true;
    } else if (ts.isBlock(p)) {
      for (const s of p.statements) {
        if (s === n) break;
        if (!ts.isIfStatement(s)) continue;
        const t = value(s.expression);
        const taken = t === "unknown" ? undefined : truthy(t) ? s.thenStatement : s.elseStatement;
        if (taken !== undefined && ends(taken) && changes !== undefined && !changes(taken)) return true;
      }
    }
  }
  return false;
}

/**
 * A write a denial may make before it returns (attack47 FP5): an insert into a table no guard
 * protects (not under access.tables, not a users table, not the guard's own), its name written, of
 * nothing read from a row (`unread`): a log of the refusal (`await ctx.db.insert("notes", { text:
 * "refused", authorId: me._id })`), as `guard.audit.log` is. A patch, replace or delete of any row,
 * an insert into a protected table (the denied caller's copy of a row, attack45 F1), an insert of a
 * value read from a row (`body: doc.title`: the copy one table over, finalread32 H1), a guard
 * write, a run or a schedule is kept by the return: no exit.
 */
export function refusalLog(app: App, w: Write): boolean {
  const table = w.method === "insert" && w.table !== undefined ? literalThrough(app, w.table) : undefined;
  // Every guard's access.tables read: an unread one may protect this table (attack48 F8).
  const tablesRead = appGuards(app).every((g) => accessFields(app, g) !== null);
  return table !== undefined && tablesRead && w.value !== undefined && unread(app, w.value) && !accessTables(app).has(table) && !guardTables(app).has(table) && !usersTables(app).includes(table);
}

/**
 * Whether a value is made only of what neither a row read nor the client gives: literals, the
 * caller's id or own row (`me._id`), `Date.now()`, and objects, arrays, templates, pure operators
 * and string reshaping of those, through `const`s. Anything else may be a row's copy (a row read,
 * a helper's answer, a parameter of a helper) or the app's own grant (`{ docId: args.id, userId:
 * me._id }` into a table the app reads as its sharing: attack48 F1, so no argument either).
 */
function unread(app: App, e: ts.Expression, depth = 0): boolean {
  const no = (x: ts.Expression): boolean => unread(app, ts.isSpreadElement(x) ? x.expression : x, depth + 1);
  const x = skipOuter(e);
  if (depth > 8) return false;
  if (ts.isLiteralExpression(x) || ts.isNoSubstitutionTemplateLiteral(x) || [ts.SyntaxKind.NullKeyword, ts.SyntaxKind.TrueKeyword, ts.SyntaxKind.FalseKeyword].includes(x.kind)) return true;
  if (isCallerId(app, x) || subjectOf(app, rootOf(x), 0) === "caller") return true;
  if (ts.isIdentifier(x)) {
    const init = app.constInitializer(x);
    return x.text === "undefined" ? app.isGlobal(x) : init !== undefined && no(init);
  }
  if (ts.isPropertyAccessExpression(x)) return no(x.expression);
  if (ts.isTemplateExpression(x)) return x.templateSpans.every((s) => no(s.expression));
  if (ts.isCallExpression(x)) {
    const callee = skipOuter(x.expression);
    const date = rootOf(callee);
    if (callee.getText() === "Date.now" && ts.isIdentifier(date) && app.isGlobal(date)) return true;
    return ts.isPropertyAccessExpression(callee) && RESHAPING.has(callee.name.text) && no(callee.expression) && x.arguments.every(no);
  }
  if (ts.isPrefixUnaryExpression(x)) return no(x.operand);
  if (ts.isBinaryExpression(x)) return x.operatorToken.kind < ts.SyntaxKind.FirstAssignment && no(x.left) && no(x.right);
  if (ts.isConditionalExpression(x)) return no(x.condition) && no(x.whenTrue) && no(x.whenFalse);
  if (ts.isArrayLiteralExpression(x)) return x.elements.every(no);
  if (ts.isObjectLiteralExpression(x)) {
    return x.properties.every((p) => !(ts.isMethodDeclaration(p) || ts.isAccessor(p)) && (p.name === undefined || !ts.isComputedPropertyName(p.name) || no(p.name.expression)) && no(ts.isSpreadAssignment(p) ? p.expression : propertyInit(p)!));
  }
  return false;
}

/** The name a property chain starts from (`args` of `args.a.b`). */
function rootOf(e: ts.Expression): ts.Expression {
  const x = skipOuter(e);
  return ts.isPropertyAccessExpression(x) || ts.isElementAccessExpression(x) ? rootOf(x.expression) : x;
}

/** What the report says of a decision whose denied branch leaves only after a write its return keeps (`if (!guard.roleAtLeast(me, "admin")) { await ctx.db.patch(...); return null }`), else "". */
export const DENIED_WRITE = "; its denied branch writes before it returns, and the return keeps the write (only guard.audit.log, or an insert into a table no guard protects, may log a refusal there)";
export function deniedWrite(app: App, call: ts.Node, denial: Denial): string {
  if (denial === "decision") return "";
  let node: ts.Node = outer(call as ts.Expression);
  while (ts.isPrefixUnaryExpression(node.parent) || ts.isBinaryExpression(node.parent) || ts.isParenthesizedExpression(node.parent)) node = node.parent;
  const p = node.parent;
  const t = ts.isIfStatement(p) && p.expression === node ? valueWhenDenied(p.expression, heldToo(app, [call], denial)) : "unknown";
  const taken = t === "unknown" || !ts.isIfStatement(p) ? undefined : truthy(t) ? p.thenStatement : p.elseStatement;
  return taken !== undefined && alwaysLeaves(taken) && changesIn(app)?.(taken) === true ? DENIED_WRITE : "";
}

/** What a finding adds when a decision of the function counts for nothing because its denied branch writes before it returns (`deniedWrite`): "; guard.roleAtLeast("admin") (convex/a.ts:9) checks nothing; its denied branch writes ...", else "". */
export function deniedNote(loose: readonly { kind: string; via: string; at: Loc; why: string }[]): string {
  const l = loose.find((x) => x.kind === "auth" && x.why.endsWith(DENIED_WRITE));
  return l === undefined ? "" : `; ${l.via} (${l.at.file}:${l.at.line}) checks nothing${DENIED_WRITE}`;
}
