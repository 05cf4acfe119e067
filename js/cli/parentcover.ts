// A row of a table no guard configures, authorized through the document under access a field of
// it names (a comment on a document), for `unchecked-id-delete` and `unchecked-id-write`:
//
//   await guard.requireAccess(ctx, "documents", args.docId, "editor");
//   const c = await ctx.db.get(args.commentId);
//   if (c === null || c.docId !== args.docId) throw ...;     // the row belongs to the checked document
//   await ctx.db.patch(c._id, { text });                      // covered
//
//   const c = await ctx.db.get(args.commentId);
//   await guard.requireAccess(ctx, "documents", c.docId, "editor");   // the document its field names
//   await ctx.db.delete(c._id);                                        // covered
//
//   await taskAt(ctx, args.taskId, "editor");        // an app helper that reads the row and checks its parent (helperget.ts)
//   await ctx.db.delete(args.taskId);                // covered, as a change of the answer's `_id` is
//
//   const d = await ctx.db.get(c.docId);
//   if (d === null || d.ownerId !== user._id) throw ...;      // that document's owner
//   await ctx.db.patch(c._id, { text });                      // covered
//
// The guard decides nothing about such a row (guard.requireAccess on its table fails at run
// time): its parent's check is the app's rule of access, and the idiomatic one. It counts as
// the row's check only for a table no guard configures (nor the users table, nor the guard's
// own: a users row is nobody's child), and only a document check above the levels public
// visibility gives (levels.ts `weakLevel`): a public document's viewer may change none of its
// rows. A comparison of the row's field counts with an argument only such a check covers. A
// write or delete of such a row left open is told to check the parent, not the row. A group is
// such a parent too (an organization's row, its field a `v.id("accessGroups")`): a group check on
// the row's field, or on an argument the field is compared with (`requireGroupLevel(ctx,
// args.orgId, "editor")`, then `if (note.orgId !== args.orgId) throw ...`), covers a read at any
// level and a change above the group's lowest (as a change of all its rows does, groupids.ts);
// one at the lowest is reported medium with the check it had, its fix naming requireGroupLevel.
//
// A row of a table a guard does configure inherits the levels held on the parent its configured
// `parent` field names (docs/access.md: "The access model"), not that parent's public visibility:
//
//   const task = await getOrThrow(ctx, args.taskId);                           // or ctx.db.get
//   await guard.requireAccess(ctx, "projects", task.projectId, "editor");      // or an app helper around it
//   await ctx.db.patch(task._id, { done: true });                              // covered
//
// A document check on that very value (the row's configured parent field, also through a
// `const` copy; not another field, nor another row's) covers the change as the same check on
// the row would: above the weak levels, covered; at one of them (levels.ts), one step lower
// (rules.ts), but only when the parent's table has no visibility (a public parent's viewer holds
// no level on its children).
import ts from "typescript";
import { readArg, readBy, readComparisons, readId, type ArgFlow } from "./argflow.js";
import { accessTables, loopIdTable, mayBePublic, parentFields, typeTable } from "./accessfields.js";
import { GROUP_CHECKS, GUARD, type AuthCheck, type Facts } from "./facts.js";
import { checkedUnlessOwner, eitherOrDecisions, eitherOrRead, eitherOrReadables } from "./eitheror.js";
import { alwaysLeaves, swallowed } from "./flow.js";
import { fork } from "./paths.js";
import { documentTable, type IdRead } from "./groupfield.js";
import { groupRowsFix, GROUPS_TABLE, lowestText } from "./groupids.js";
import { rowParent } from "./argscope.js";
import { argParents, checkArgOf, checkedRowTable, checkedTable } from "./helperget.js";
import { changeLevelText, lowestGroupCheck, weakLevel } from "./levels.js";
import { markLowestRole, roleName } from "./roles.js";
import { isFunctionLike, skipOuter, within, type App, type Loc } from "./program.js";
import { covers } from "./rules.js";
import { guardTables, usersTables, type WriteFacts } from "./writes.js";

type Change = Loc & { arg: string; compared: string[] };

/** The fix of a finding on a change of an unconfigured table's row (rules.ts), by the change's entry. */
const fixes = new WeakMap<object, () => string | undefined>();
export const parentFix = (change: object): string | undefined => fixes.get(change)?.();
/** The weak level of the only parent check covering a change of a configured table's row (rules.ts: one step lower). */
const weakParents = new WeakMap<object, string>();
export const parentWeak = (change: object): string | undefined => weakParents.get(change);
/** A change left open by a check of the row's group at its lowest level only (`coversRow`), what rules.ts names (medium). */
const groupChecked = new WeakMap<object, string>();
export const parentGroup = (change: object): string | undefined => groupChecked.get(change);

/** Queries whose one row is read in an either/or, "public, else check" (attack45 FP1): checked, for rules.ts `public-no-auth`. */
const publicElse = new WeakSet<object>();
export const readsPublicElse = (fn: object): boolean => publicElse.has(fn);

/** The argument whose row (`const doc = await ctx.db.get(args.id)`) is all `handler` returns, in each `return` of its own: that row, nothing, `null` or `undefined`. */
function onlyReturned(app: App, flow: ArgFlow, handler: ts.SignatureDeclaration): string | undefined {
  const rows = new Set<string | undefined>();
  const visit = (n: ts.Node): void => {
    if (ts.isReturnStatement(n) && n.expression !== undefined) {
      const e = skipOuter(n.expression);
      const init = ts.isIdentifier(e) ? app.constInitializer(e) : undefined;
      if (e.kind !== ts.SyntaxKind.NullKeyword && !(ts.isIdentifier(e) && e.text === "undefined")) rows.add(init === undefined ? undefined : readArg(app, flow, init));
    }
    if (!isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  ts.forEachChild(handler, visit);
  return rows.size === 1 ? [...rows][0] : undefined;
}

/** A change of an unconfigured table's row left open after a document check on another argument (argscope.ts): that argument, its check, the row's table and the change's target. */
const argChecked = new WeakMap<object, { arg: string; check: AuthCheck; table: string; target: ts.Expression }>();
export const parentArgCheck = (change: object) => argChecked.get(change);

/**
 * Drops from `fn`'s deletes and writes by an argument's id those of a row its parent's check
 * covers (see above), also when made only where the caller is not the row's owner (eitheror.ts,
 * of `handlerChecks`, the handler's own), and gives the others of an unconfigured table their fix.
 */
export function parentCovered(app: App, handler: ts.SignatureDeclaration, flow: ArgFlow, fn: { kind: string; facts: Facts; idDeletes: Change[]; idReads: IdRead[]; writes: WriteFacts; changeChecked: { args: Set<string> | "any" } }, checks: AuthCheck[], handlerChecks: AuthCheck[]): void {
  const targets = [...fn.facts.deletes, ...fn.facts.writes].filter((c) => c.target !== undefined && within(c.target, handler));
  // Checks made only where the caller is not the row's owner (eitheror.ts).
  const sometimes = [...handlerChecks, ...eitherOrReadables(app, handler, handlerChecks)].filter((a) => a.conditional === true && a.level === "document" && a.subject === undefined && a.target !== undefined && within(a.target, handler) && weakLevel(app, a) === undefined);
  // A role above the lowest (roles.ts) decides every row: made only where the caller is not the row's owner, it covers the change as a document check there does.
  const roles = markLowestRole(app, [...handlerChecks, ...eitherOrDecisions(app, handler, handlerChecks)].filter((a) => a.conditional === true && (a.level === "role" || a.level === "permission") && a.guardCall !== undefined && within(a.guardCall, handler) && roleName(app, a.role) !== undefined));
  const anyRow = roles.filter((a) => a.everyRole === undefined);
  const checkArg = checkArgOf(app, flow);
  // A check of the row's parent: on the document its field names (`onParent`), or a group check on an argument the field is compared with (the change's `compared`, as argscope.ts reads it).
  const onRow = (a: AuthCheck, arg: string, parents: ts.CallExpression[] | undefined, compared: string[]): boolean =>
    onParent(app, flow, a, arg, parents) || (isGroupCheck(app, a) && a.target !== undefined && within(a.target, handler) && compared.includes(checkArg(a) ?? ""));
  const open = (c: Change): boolean => {
    // Covered already (rules.ts reports nothing of it): its table is not read (which type-checks its file).
    if (covers(fn.changeChecked.args, c.arg)) return true;
    const target = targets.find((t) => t.file === c.file && t.line === c.line)?.target;
    // A row a helper read and checked the parent of, its own type unknown (`ctx: any`): the table its id names.
    const tableOf = () => (target === undefined ? undefined : (typeTable(app, target) ?? loopIdTable(app, target) ?? helperRowTable(app, flow, target, c.arg)));
    // Nothing that may cover it (no check, no comparison): its table is read for the fix, if it is reported.
    if (checks.length === 0 && sometimes.length === 0 && anyRow.length === 0 && c.compared.length === 0 && !readComparisons(app, handler, flow, c.arg, (read) => parentRead(app, flow, read)).caller) {
      fixes.set(c, () => {
        const t = tableOf();
        return t === undefined || !unconfigured(app, t) ? undefined : rowFix(app, t, false);
      });
      return true;
    }
    const table = tableOf();
    const unlessOwner = (covering: (a: AuthCheck) => boolean) => target !== undefined && [...sometimes, ...anyRow].some((a) => (anyRow.includes(a) || covering(a)) && checkedUnlessOwner(app, flow, a, c.arg, target));
    if (table !== undefined && accessTables(app).has(table) && !guardTables(app).has(table)) {
      return !inherits(app, flow, handler, c, table, checks) && !unlessOwner((a) => checkArg(a) === c.arg || inherits(app, flow, handler, c, table, [a]));
    }
    if (table === undefined || !unconfigured(app, table)) return true;
    // The row's field compared with a checked argument; a check on the document its field names (in the handler, or by the helper that read the row: helperget.ts); that document's owner compared with the caller.
    const via: { parents?: ts.CallExpression[] } = {};
    if (target !== undefined) readBy(app, flow, target, false, 0, via);
    // A change by the argument itself (`ctx.db.patch(taskId, ...)`) after a helper read and checked its row (`await taskAt(ctx, taskId, "editor")`) is of that row, as one of `task._id` is.
    if (target !== undefined && via.parents === undefined && flow.idRoot(target) === c.arg) via.parents = argParents(app, flow, c.arg);
    const parentCheck = (a: AuthCheck) => onParent(app, flow, a, c.arg, via.parents);
    // Of the comparisons, those that keep the change from being made (`keeps`): read again only when there are some.
    const compared = target === undefined || c.compared.length === 0 ? c.compared : readComparisons(app, handler, flow, c.arg, undefined, (cmp) => keeps(app, cmp, target, handler)).args;
    const covered =
      compared.some((a) => covers(fn.changeChecked.args, a)) ||
      checks.some((a) => onRow(a, c.arg, via.parents, compared) && coversRow(app, a, false)) ||
      unlessOwner(parentCheck) ||
      readComparisons(app, handler, flow, c.arg, (read) => parentRead(app, flow, read)).caller;
    // A check of the row's group at its lowest level only: its texts name that check.
    const group = covered ? undefined : checks.find((a) => isGroupCheck(app, a) && onRow(a, c.arg, via.parents, compared));
    const on = group === undefined ? "" : parentCheck(group) ? fieldText(fieldOf(app, flow, group.target!)) : ` on argument '${checkArg(group)}', which its field is compared with`;
    if (group !== undefined) groupChecked.set(c, lowestText(group.minLevel, on));
    if (!covered) fixes.set(c, () => (group === undefined ? (groupRowFix(app, table, target) ?? rowFix(app, table, false, checks.find(parentCheck))) : `${groupRowsFix(app, group.target!.getText(), `the group's '${table}' rows`)} A change every member may make is allowlisted with its reason.`));
    // A check of another document an argument names, the row's field never compared with it nor its own parent checked (argscope.ts, where a permission decides).
    const other = covered || group !== undefined || target === undefined || checks.some((a) => parentCheck(a) || compared.includes(checkArg(a) ?? "")) ? undefined : checks.find((a) => !isGroupCheck(app, a) && ![undefined, c.arg, ...compared].includes(checkArg(a)));
    if (other !== undefined) argChecked.set(c, { arg: checkArg(other)!, check: other, table, target: target! });
    return !covered;
  };
  // A document read and returned after the same either/or (any level: a read's check), read in the handler itself.
  const readChecks = [...handlerChecks, ...eitherOrReadables(app, handler, handlerChecks)].filter((a) => a.conditional === true && a.level === "document" && a.subject === undefined && a.target !== undefined && within(a.target, handler));
  const read = (r: IdRead) => [...readChecks.filter((a) => checkArg(a) === r.arg), ...anyRow];
  fn.idReads = fn.idReads.filter((r) => r.parent !== undefined || r.groupOnly !== undefined || r.through !== undefined || covers(fn.changeChecked.args, r.arg) || !eitherOrRead(app, flow, handler, read(r), r.arg));
  // A query answering only the row an argument names, checked unless it is public (attack45 FP1): that check is its caller's, for public-no-auth.
  const rowOnly = onlyReturned(app, flow, handler);
  if (fn.kind === "query" && fn.facts.auth.length === 0 && rowOnly !== undefined && eitherOrRead(app, flow, handler, read({ arg: rowOnly } as IdRead), rowOnly)) publicElse.add(fn);
  // A row of a table no guard configures, read after a check of its parent (one rule with its changes: `coversRow`); one left open is told to check the parent.
  const rowTable = (r: IdRead, a: AuthCheck | undefined) => (r.parents !== undefined ? documentTable(app, r.parents[0]!.arguments[2]!, 0) : a?.target !== undefined ? documentTable(app, a.target, 0) : readTable(app, handler, r));
  fn.idReads = fn.idReads.filter((r) => {
    if (r.parent !== undefined || r.groupOnly !== undefined || covers(fn.changeChecked.args, r.arg)) return true;
    const onIt = checks.filter((a) => onRow(a, r.arg, r.parents, r.compared));
    if (onIt.some((a) => coversRow(app, a, true) && (r.parents !== undefined || unconfigured(app, documentTable(app, a.target!, 0) ?? readTable(app, handler, r))))) return false;
    fixes.set(r, () => {
      const t = rowTable(r, onIt[0]);
      return t === undefined || !unconfigured(app, t) ? undefined : rowFix(app, t, true, onIt[0]);
    });
    return true;
  });
  fn.idDeletes = fn.idDeletes.filter(open);
  fn.writes.idWrites = fn.writes.idWrites.filter(open);
}

/**
 * Whether the comparison `cmp` of a row's field keeps the change at `target` from being made: on
 * every path to it (`onEveryPath`: finalread28 FN2), not in a `try` whose `catch` goes on to the
 * change (flow.ts `swallowed`: attack38 F5); made after the change, only by a throw ("throws": a
 * mutation's changes roll back with it, not with a `return`).
 */
function keeps(app: App, cmp: ts.Expression, target: ts.Expression, handler: ts.Node): boolean | "throws" {
  const at = onEveryPath(app, cmp, target, handler, 0);
  if (at === undefined) return false;
  let around: ts.Node = at.parent;
  while (around.parent !== undefined && !(around.pos <= target.pos && target.end <= around.end)) around = around.parent;
  if (swallowed(at, around, false)) return false;
  return at.end <= target.pos ? true : "throws";
}

/**
 * Where `from` runs on every path that reaches `target` in `handler`: itself, when no branch
 * (paths.ts `fork`: an `if`'s or `?:`'s whose other branch may go on, a `case`, a `catch`; a
 * `&&`/`||` side is read by the comparison's own test) lies between it and the code around both; in a function there (`const
 * check = () => { ... }`), one of its calls in the handler that does (up to 3 deep). Undefined
 * when none does: `if (!force) { if (cmp) throw ... }`, a function never called.
 */
function onEveryPath(app: App, from: ts.Expression, target: ts.Node, handler: ts.Node, depth: number): ts.Expression | undefined {
  for (let node: ts.Node = from, p = from.parent; p !== undefined && !(p.pos <= target.pos && target.end <= p.end); node = p, p = p.parent) {
    const f = fork(p, node);
    if (f !== undefined && f !== "short" && !(typeof f === "object" && f.other !== undefined && ts.isStatement(f.other) && alwaysLeaves(f.other))) return undefined;
    if (!isFunctionLike(p)) continue;
    const name = ts.isFunctionDeclaration(p) ? p.name : ts.isVariableDeclaration(p.parent) && ts.isIdentifier(p.parent.name) ? p.parent.name : undefined;
    const symbol = name === undefined || depth >= 3 ? undefined : app.symbol(name);
    if (symbol === undefined) return undefined;
    const calls: ts.CallExpression[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === symbol.name && app.symbol(n.expression) === symbol) calls.push(n);
      ts.forEachChild(n, visit);
    };
    visit(handler);
    return calls.map((c) => onEveryPath(app, c, target, handler, depth + 1)).find((c) => c !== undefined);
  }
  return from;
}

/** Whether a document check on the configured parent field of the row `c` changes (`task.projectId` of a `task` read by its argument) covers the change (see above); a weak one that counts is kept for rules.ts. */
function inherits(app: App, flow: ArgFlow, handler: ts.SignatureDeclaration, c: Change, table: string, checks: AuthCheck[]): boolean {
  const parents = parentFields(app, table);
  let weak: string | undefined;
  for (const a of checks) {
    const via: { field?: string } = {};
    if (a.target === undefined || !within(a.target, handler) || isGroupCheck(app, a)) continue;
    if (readBy(app, flow, a.target, true, 0, via) !== c.arg || via.field === undefined || !parents.has(via.field)) continue;
    const level = weakLevel(app, a);
    if (level === undefined) return true;
    if (!mayBePublic(app, parents.get(via.field)!)) weak ??= level;
  }
  if (weak !== undefined) weakParents.set(c, weak);
  return false;
}

/** Whether document check `a` is on the document a field of the row argument `arg` names: in the handler (`task.projectId` of a `const task = await ctx.db.get(taskId)`), or one of `parents`, the checks the helper that read the row made (helperget.ts). */
function onParent(app: App, flow: ArgFlow, a: AuthCheck, arg: string, parents: ts.CallExpression[] | undefined): boolean {
  if (a.guardCall !== undefined && parents?.includes(a.guardCall) === true) return true;
  return a.target !== undefined && within(a.target, flow.handler) && ownField(a.target) && readBy(app, flow, a.target, true) === arg;
}

/**
 * Whether check `a` of the parent of a row of a table no guard configures (`onRow`) covers a
 * read (`read`) or a change of the row, one rule for reads, writes and deletes: above the levels
 * public visibility gives (levels.ts `weakLevel`), both; at any level, a read when the parent's
 * table has no visibility (its every level is a grant). A group (no visibility) is the row's
 * parent as a document is: any level covers a read, a level above the lowest a change (as a
 * change of its rows in bulk, groupids.ts); one at the lowest (or any level) is reported medium,
 * with its level (`parentGroup`). The group's own row takes its owner level (levels.ts).
 */
function coversRow(app: App, a: AuthCheck, read: boolean): boolean {
  if (isGroupCheck(app, a)) return read || !lowestGroupCheck(app, a);
  return weakLevel(app, a) === undefined || (read && !mayBePublic(app, parentTable(app, a) ?? ""));
}

/** The table of the row a change's target is of when an app helper read it and checked its parent (helperget.ts). */
export function helperRowTable(app: App, flow: ArgFlow, target: ts.Expression, arg: string): string | undefined {
  const via: { parents?: ts.CallExpression[] } = {};
  readBy(app, flow, target, false, 0, via);
  const parents = via.parents ?? (flow.idRoot(target) === arg ? argParents(app, flow, arg) : undefined);
  return parents === undefined ? undefined : checkedRowTable(app, parents[0]!);
}

/** The table of the document a check is on (by its id's type); undefined when not known. */
export const parentTable = (app: App, a: AuthCheck): string | undefined => (a.target === undefined ? undefined : (typeTable(app, a.target) ?? (a.guardCall === undefined ? undefined : checkedTable(app, a.guardCall))));

/** A table outside the access model: under no guard's access.tables, not the guard's own, nor a users table. */
const unconfigured = (app: App, t: string | undefined): boolean => t !== undefined && !accessTables(app).has(t) && !guardTables(app).has(t) && !usersTables(app).includes(t);

/** The table of a handler's own `ctx.db.get` at a read's line (by its id's type). */
function readTable(app: App, handler: ts.SignatureDeclaration, r: Loc): string | undefined {
  let found: string | undefined;
  const visit = (n: ts.Node): void => {
    const id = found === undefined && ts.isCallExpression(n) ? readId(app, n) : undefined;
    if (id !== undefined && app.loc(n).line === r.line && app.loc(n).file === r.file) found = typeTable(app, id);
    if (found === undefined) ts.forEachChild(n, visit);
  };
  visit(handler);
  return found;
}

/** A check of the caller's level on a group (facts.ts GROUP_CHECKS). */
const isGroupCheck = (app: App, a: AuthCheck): boolean => a.guardCall !== undefined && GROUP_CHECKS.has(app.calleeFrom(a.guardCall, GUARD)?.name ?? "");

/** " on its field 'orgId'", or " on a field of it" when its name is not known. */
const fieldText = (field: string | undefined): string => (field === undefined ? " on a field of it" : ` on its field '${field}'`);

/** The field of the row a check's target is read from (`task.orgId`, a `const` copy of it). */
function fieldOf(app: App, flow: ArgFlow, target: ts.Expression): string | undefined {
  const via: { field?: string } = {};
  readBy(app, flow, target, true, 0, via);
  return via.field;
}

/** A field of a document other than its `_id`: `c.docId`. */
const ownField = (e: ts.Expression): boolean => {
  const x = skipOuter(e);
  return !ts.isPropertyAccessExpression(x) || x.name.text !== "_id";
};

/** The argument naming the row whose field a read is by: `ctx.db.get(c.docId)` of a `const c = await ctx.db.get(args.commentId)`. */
function parentRead(app: App, flow: ArgFlow, read: ts.Expression): string | undefined {
  const id = readId(app, read);
  return id !== undefined && ownField(id) && ts.isPropertyAccessExpression(skipOuter(id)) ? readBy(app, flow, id, true) : undefined;
}

/** The fix of a change of a row of `table` (`row._id`) whose field names a group (by the checker's type of the row, asked only for the finding): check the caller's level on that group; undefined for any other row. */
function groupRowFix(app: App, table: string, target: ts.Expression | undefined): string | undefined {
  const p = target === undefined ? undefined : rowParent(app, target, [GROUPS_TABLE]);
  if (p === undefined) return undefined;
  const field = `${p.row}.${p.field}`;
  return `'${table}' is under no guard's access.tables; its field '${p.field}' names a group: check the caller's level on it above the lowest (${changeLevelText(app)}): guard.requireGroupLevel(ctx, ${field}, level), or on a group argument the field is then compared with (if (${field} !== args.orgId) throw ...).`;
}

/**
 * The fix of a read (`read`) or change of a row of `table`, a table no guard configures: check
 * its parent, at the levels `coversRow` takes, named from the guard's configuration; the
 * public-visibility clause only when the parent (`check`'s document, else any table under
 * access) may be public.
 */
function rowFix(app: App, table: string, read: boolean, check?: AuthCheck): string {
  const parent = check === undefined ? undefined : parentTable(app, check);
  const maybePublic = parent !== undefined ? mayBePublic(app, parent) : [...accessTables(app)].some((t) => mayBePublic(app, t));
  const level = changeLevelText(app);
  const at = read
    ? maybePublic
      ? `at any level when its table has no visibility, else at a level above the one public visibility gives (${level}): guard.requireAccess(ctx, parentTable, row.parentId, level), or guard.readable(ctx, parentTable, row.parentId, level) left on its null`
      : `at any level: guard.requireAccess(ctx, parentTable, row.parentId, level), or guard.readable(ctx, parentTable, row.parentId) left on its null`
    : `at a level ${maybePublic ? "above the one public visibility gives" : "above the lowest"} (${level}): guard.requireAccess(ctx, parentTable, row.parentId, level)`;
  // A parent check made at a weak level is named as this function's (guard.requireAccess on the row was never called).
  const weak = check === undefined ? undefined : weakLevel(app, check);
  const lead =
    weak === undefined
      ? ", so guard.requireAccess on its rows fails at run time: check the document under access that a field of the row names,"
      : `: its rows are checked through the document under access that a field of the row names, as this function does${parent === undefined ? "" : ` ('${parent}')`}, but at '${weak}': check it`;
  return `'${table}' is under no guard's access.tables${lead} ${at}, or on an argument the row's field is then compared with (if (row.parentId !== args.parentId) throw ...); or compare the row's owner field, or that document's, with the caller.`;
}
