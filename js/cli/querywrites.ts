// Deletes and writes of rows a query selected by an argument no check covers, for
// `unchecked-id-delete` / `unchecked-id-write`: reading those rows is `unchecked-id-read`'s or
// `unchecked-list`'s, changing them is as open.
//
//   const docs = await ctx.db.query("documents").withIndex("by_folder", (q) => q.eq("folderId", args.folderId)).collect();
//   for (const d of docs) await ctx.db.patch(d._id, { title: "[archived]" });   // any folder's documents
//   const grants = await ctx.db.query("accessGrants").withIndex("by_doc_and_user", (q) => q.eq("doc", args.docId)).collect();
//   for (const g of grants) await ctx.db.delete(g._id);                          // any document's shares
//
// The change names a row's `_id` (ownerquery.ts `queriedRows`: a `for...of` variable, a
// `.first()`/`.unique()` answer, a `const`, `.map`/`forEach`, so `Promise.all(rows.map(...))`),
// and the query selects as the read rules read it:
// - children of a configured parent by its parent field equal to an argument's id, or the rows of
//   a table no guard configures by a field equal to a `v.id(T)` argument, T under access
//   (childquery.ts `childSelector`): high, medium when only a check at a weak level covers the
//   argument (levels.ts) and the parent's table has no visibility (a public parent's children do
//   not inherit its public visibility: high then, as for one child by its id, parentcover.ts),
//   none above nor once the document it names is compared with the caller (argflow.ts
//   `readComparisons`, as for a change by that id); the unconfigured table's: medium, none once
//   checked;
// - the guard's own tables (grants by `doc`, members by `groupId`) by a field equal to an
//   argument: as children (guard-table-write leaves these deletes to this rule);
// - a configured table's rows by a plain field equal to an argument (`.filter((q) =>
//   q.eq(q.field("title"), args.title))`): unchecked-list's selection (uncheckedlist.ts
//   `selection`, which knows the ties it accepts), high.
// Not judged: rows also selected by the caller's id, or kept by a JS `.filter`/`.slice` (unsure),
// guard.deleteDocument (it checks), a row checked itself (`requireAccess(ctx, t, d._id, ...)`),
// a function whose role or permission check decides (roles.ts `decidesAccess`).
//
// A change by an id taken from a field of a checked document (`const { doc } = await
// guard.requireAccess(ctx, "documents", args.id, "viewer"); await ctx.db.delete(doc.folderId)`)
// is one by an id no check covers: the check says nothing of the document a field of it names.
// High when that document's table (the parent table for the configured parent field, else the
// field's `Id<"t">` type) is under access.tables and no document check is made on that very value,
// nor is the document it names read by it and compared with the caller (`readComparisons`).
// (An insert filing a document under such a parent is access-field-write's: accessfields.ts.)
//
// An insert into a table no guard configures of a row whose field is an argument validated as an
// id of a table under access (`comments { docId: args.docId }`), or a patch or replace of such a
// row setting that field (a row moved into that parent), no check on that argument:
// unchecked-id-write medium, as reading such rows is (`attachedRow`); high when an internal
// function later deletes or writes the document by that stored field (laterchanges.ts).
import ts from "typescript";
import { ArgFlow, comparesReadOf, readComparisons, readId } from "./argflow.js";
import { accessTables, parentFields, typeTable } from "./accessfields.js";
import { isCallerId } from "./callerid.js";
import { accessIdArgs, childSelector, publicOnly } from "./childquery.js";
import type { AuthCheck } from "./facts.js";
import type { Write } from "./facts-syntax.js";
import type { ConvexFunction } from "./functions.js";
import { ownedDocuments, queryEqualities, sameValue } from "./ownerquery.js";
import { queriedRows } from "./queriedrows.js";
import { propertyInit, skipOuter, within, type App } from "./program.js";
import { anyCaller, decidesAccess } from "./roles.js";
import { CHANGES, covers, finding, onlyWeaklyChecked, type Finding, type Severity } from "./rules.js";
import { laterChanges, type LaterChange } from "./laterchanges.js";
import { changeLevelText, levelNamed, readLevel } from "./levels.js";
import { helperRowTable } from "./parentcover.js";
import { selection } from "./uncheckedlist.js";
import { guardTables, usersTables } from "./writes.js";
import { checkKind, checkText, groupRowsFix, GROUPS_TABLE, idOfText, lowestGroupOnly } from "./groupids.js";

type Judged = { message: string; fix: string; severity: Severity } | undefined;

/** The unchecked-id-delete / unchecked-id-write findings of changes of queried rows, and of ids a checked document's field holds. */
export function queryChangeFindings(app: App, functions: readonly ConvexFunction[]): Finding[] {
  const out: Finding[] = [];
  for (const fn of functions) {
    const handler = fn.handler;
    if (handler === undefined || fn.visibility !== "public" || fn.kind !== "mutation" || fn.library !== null || decidesAccess(fn.facts.auth)) continue;
    const flow = new ArgFlow(app, handler);
    const rows = queriedRows(app, handler);
    const children = childSelector(app, handler, flow, fn.argNames, fn.facts.auth);
    const documentChecks = fn.facts.auth.filter((a) => a.level === "document");
    const who = anyCaller(fn.facts.auth);
    const changes = [...fn.facts.deletes.filter((d) => d.byGuard !== true).map((d) => ({ ...d, method: "delete" as const })), ...fn.facts.writes.filter((w) => w.method !== "insert")];
    for (const w of fn.facts.writes) {
      const judged = attachedRow(app, fn, handler, flow, w, who, laterChanges(app, functions));
      if (judged !== undefined) out.push({ ...finding("unchecked-id-write", fn.id, w, judged.message, judged.fix), severity: judged.severity });
    }
    for (const c of changes) {
      const target = c.target;
      if (target === undefined || !within(target, handler) || documentChecks.some((a) => a.target !== undefined && sameValue(app, a.target, target))) continue;
      const does = CHANGES[c.method as keyof typeof CHANGES];
      const query = rows(target);
      const judged = query === undefined ? fieldChange(app, fn, handler, flow, documentChecks, target, does, who) : query.filtered ? undefined : rowsChange(app, fn, handler, flow, children, query.query, does, who);
      if (judged !== undefined) out.push({ ...finding(c.method === "delete" ? "unchecked-id-delete" : "unchecked-id-write", fn.id, c, judged.message, judged.fix), severity: judged.severity });
    }
  }
  return out;
}

/** A change of the rows of the query `top`, judged by how it selects them (the file's comment). */
function rowsChange(app: App, fn: ConvexFunction, handler: ts.SignatureDeclaration, flow: ArgFlow, children: ReturnType<typeof childSelector>, top: ts.Expression, does: string, who: string): Judged {
  // Graded as a change by that argument's id (rules.ts): a check above the weak levels covers it, one at a weak level leaves it medium.
  // A public parent's children (`publicParent`) do not inherit its public visibility: a check at a weak level covers nothing, as for one child by its id (parentcover.ts).
  const graded = (arg: string, rows: string, fix: string, publicParent?: string): Judged => {
    if (covers(fn.changeChecked.args, arg) || comparesReadOf(app, handler, flow, arg)) return undefined;
    if (!covers(fn.checkedArgs, arg)) return { message: `${fn.id} ${does} ${rows}, for ${who}, with no check that the caller may change what argument '${arg}' names`, fix, severity: "high" };
    const low = fn.changeChecked.lowLevels.get(arg);
    if (publicParent !== undefined && low !== undefined && !fn.changeChecked.groups.has(arg)) return { message: `${fn.id} ${does} ${rows}, for ${who}, argument '${arg}' ${publicOnly(low, publicParent, "changes")}`, fix, severity: "high" };
    return { message: `${fn.id} ${does} ${rows}, argument '${arg}' ${onlyWeaklyChecked(fn.changeChecked.lowLevels.get(arg), fn.changeChecked.groups.has(arg))}`, fix, severity: "medium" };
  };
  const child = children(top);
  if (child !== undefined) {
    const { table, field, parentTable } = child.parent;
    const group = parentTable === GROUPS_TABLE;
    const rows = `the rows of '${table}' whose ${child.parent.unconfigured === true ? `field '${field}' equals argument '${child.by}', ${idOfText(parentTable)}` : `parent field '${field}' equals argument '${child.by}' (the children of a '${parentTable}' document)`}`;
    const fix = group
      ? groupRowsFix(app, child.by, `every '${table}' row of the group`)
      : `Check the parent first: guard.requireAccess(ctx, "${parentTable}", ${child.by}, level) at the level a change takes (${changeLevelText(app)}; or the builder's access on '${child.by}'), so only a caller who may change it changes its '${table}' rows.`;
    if (child.parent.unconfigured !== true) return graded(child.by, rows, fix, child.parent.publicParent ? parentTable : undefined);
    const lowest = group ? lowestGroupOnly(app, fn, flow, child.by, table) : undefined; // groupids.ts
    if (lowest !== undefined) return { message: `${fn.id} ${does} ${rows}, ${lowest}`, fix, severity: "medium" };
    if (covers(fn.checkedArgs, child.by) || comparesReadOf(app, handler, flow, child.by)) return undefined;
    return { message: `${fn.id} ${does} ${rows}, with no ${checkKind(parentTable)} on it, for ${who}: '${table}' is under no guard's access.tables, so the audit cannot know whether its rows are private; if they belong to that ${group ? "group, a caller who is not a member" : "document, a caller who may not see it"} changes them`, fix, severity: "medium" };
  }
  const mine = (queryEqualities(app, top, (x) => (isCallerId(app, x) ? true : undefined))?.found.length ?? 0) > 0;
  const byArg = queryEqualities(app, top, (x) => (within(x, handler) ? flow.rootOf(x) : undefined));
  if (byArg === undefined || mine) return undefined;
  const [hit] = byArg.found;
  if (guardTables(app).has(byArg.table)) {
    if (hit === undefined) return undefined;
    const fix = `Go through the guard's API, which checks the caller (guard.revoke for a grant, guard.removeGroupMember for a member), or check the caller's access to what '${hit.by}' names first (at the owner level).`;
    return graded(hit.by, `rows of the guard's table '${byArg.table}' selected by its field '${hit.field}' equal to argument '${hit.by}'`, fix);
  }
  // unchecked-list's selection: by a plain field, not tied to the caller nor to a checked argument.
  const found = queryEqualities(app, top, (x) => (within(x, handler) ? x : undefined));
  if (hit === undefined || found === undefined || !accessTables(app).has(found.table)) return undefined;
  const how = selection(app, fn, handler, flow, top, found.table, found.found, (e) => (within(e, handler) ? e : undefined));
  if (how === undefined) return undefined;
  const message = `${fn.id} ${does} rows of '${found.table}' (under access.tables) ${how.render((a) => a)}, for ${who}: no row is checked against the caller's access, so a caller changes documents they hold no level on`;
  return { message, fix: `Check each row first: guard.requireAccess(ctx, "${found.table}", row._id, level) at the level a change takes, or select the caller's own rows by the owner field's index.`, severity: "high" };
}

/** A change by an id a field of a checked document holds (`doc.folderId`): of the document it names, which no check covers. */
function fieldChange(app: App, fn: ConvexFunction, handler: ts.SignatureDeclaration, flow: ArgFlow, checks: AuthCheck[], target: ts.Expression, does: string, who: string): Judged {
  const t = skipOuter(target);
  if (!ts.isPropertyAccessExpression(t) || t.name.text === "_id") return undefined;
  const field = t.name.text;
  const check = checks.find((a) => ownedDocuments(app, handler, [a], field)(target));
  if (check === undefined) return undefined;
  const call = check.target?.parent;
  const checkedTable = call !== undefined && ts.isCallExpression(call) && call.arguments[1] !== undefined && ts.isStringLiteralLike(call.arguments[1]) ? call.arguments[1].text : undefined;
  const table = (checkedTable === undefined ? undefined : parentFields(app, checkedTable).get(field)) ?? typeTable(app, target);
  if (table === undefined || !accessTables(app).has(table)) return undefined;
  // That document read by that very value and compared with the caller, deciding (`const page = await ctx.db.get(doc.pageId); if (page?.ownerId !== user._id) throw ...`): checked.
  if (readComparisons(app, handler, flow, "", (read) => (readId(app, read) !== undefined && sameValue(app, readId(app, read)!, target) ? "" : undefined)).caller) return undefined;
  const message = `${fn.id} ${does} the '${table}' document whose id is the field '${field}' of a document checked by ${check.via}, for ${who}, with no check on that '${table}' document: a check on a document says nothing of the document a field of it names`;
  return { message, fix: `Check the document the field names first: guard.requireAccess(ctx, "${table}", ${t.getText()}, level) at the level a change takes (${changeLevelText(app)}), then change it.`, severity: "high" };
}

/**
 * An insert into a table no guard configures (not the guard's, nor a users table) of a row whose
 * field is an argument validated as an id of a table under access (`comments { docId: args.docId }`),
 * with no document check on that argument nor a comparison of the document with the caller: a row
 * attached to a document the caller may not see. Medium, as reading such rows is (childquery.ts).
 * A patch or replace of such a row (its table written, its id's `Id<"t">` type, or the row an app
 * helper read and checked the parent of: parentcover.ts `helperRowTable`) setting that field is
 * judged so too: it moves the row into that document (attack36 F6). `only`: the parent tables
 * judged (argscope.ts: where a permission decides, those of the function's own document checks).
 */
export function attachedRow(app: App, fn: ConvexFunction, handler: ts.SignatureDeclaration, flow: ArgFlow, w: Write, who: string, later: Map<string, LaterChange>, only?: (parent: string) => boolean): Judged {
  const value = w.value === undefined ? undefined : skipOuter(w.value);
  if (value === undefined || !ts.isObjectLiteralExpression(value) || !within(value, handler)) return undefined;
  const ids = accessIdArgs(app, fn.argNames, handler, flow);
  const argOf = (p: ts.ObjectLiteralElementLike) => {
    const x = propertyInit(p);
    return x === undefined ? undefined : flow.rootOf(x);
  };
  if (!value.properties.some((p) => ids.has(argOf(p) ?? ""))) return undefined; // before the checker's types, which cost milliseconds a write
  const written = w.table === undefined ? undefined : skipOuter(w.table);
  // The row's table: written, else its id's `Id<"t">` type, else (an app helper's `ctx: any` answer) the row a helper read and checked the parent of (attack36 F6 `moveNote`).
  const named = written !== undefined && ts.isStringLiteralLike(written) ? written.text : w.target === undefined ? undefined : (typeTable(app, w.target) ?? helperRowTable(app, flow, w.target, flow.idRoot(w.target) ?? ""));
  if (named === undefined) return undefined;
  const table = { text: named };
  if (accessTables(app).has(table.text) || guardTables(app).has(table.text) || usersTables(app).includes(table.text)) return undefined;
  // A patch or replace setting the field moves the row under that parent (attack36 F6): judged as the insert is.
  const [does, is, adds] = w.method === "insert" ? ["inserts a row", "is", "adds to them"] : [`${w.method === "patch" ? "patches" : "replaces"} a row`, "becomes", "moves rows into them"];
  for (const p of value.properties) {
    const arg = argOf(p);
    const parent = arg === undefined ? undefined : ids.get(arg);
    if (parent === undefined || only?.(parent) === false || comparesReadOf(app, handler, flow, arg!)) continue;
    const field = p.name !== undefined && (ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name)) ? p.name.text : arg;
    const group = parent === GROUPS_TABLE;
    const acted = group ? undefined : later.get(`${table.text}.${field}`);
    // Checked only at a weak level (the lowest, or what a public document gives anyone): the later change takes more (attack34 F5).
    const weak = acted !== undefined && !covers(fn.changeChecked.args, arg!) ? fn.changeChecked.lowLevels.get(arg!) : undefined;
    if (covers(fn.checkedArgs, arg!) && weak === undefined) continue;
    const stored = `${fn.id} ${does} of '${table.text}' whose field '${field}' ${is} argument '${arg}', ${idOfText(parent)}, ${weak === undefined ? `with no ${checkKind(parent)} on it` : onlyWeaklyChecked(weak).replace(/: whoever.*/, "")}, for ${who}`;
    if (acted !== undefined) {
      const takes = levelNamed(app, acted.does === "deletes" ? "owner" : "write"); // the level the later change takes, named as the guard's levels do
      const message = `${stored}: internal ${acted.kind} ${acted.fn} later ${acted.does} the document that field names, ${weak === undefined ? "so a caller who may not see it" : `which takes the ${takes.level} level (${takes.of}), so a caller who may only see it`} has it ${acted.does === "deletes" ? "deleted" : "changed"}`;
      return { message, fix: `Check the document first: guard.requireAccess(ctx, "${parent}", ${arg}, level) at the level ${acted.does === "deletes" ? `deleting it takes (${changeLevelText(app, true)})` : `changing it takes (${changeLevelText(app)})`}, or check it again in ${acted.fn} against the requester.`, severity: "high" };
    }
    const message = `${stored}: '${table.text}' is under no guard's access.tables, so the audit cannot know whether its rows are private; if they belong to that ${group ? "group, a caller who is not a member" : "document, a caller who may not see it"} ${adds}`;
    return { message, fix: `Check the ${group ? "caller's level on the group" : "document"} first: ${checkText(parent, arg!, readLevel(app))} at the level adding to it takes${group ? "" : ` (or the builder's access on '${arg}')`}.`, severity: "medium" };
  }
  return undefined;
}
