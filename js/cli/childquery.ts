// Reads of a document's children by an id from the arguments, for `unchecked-id-read`: the
// rows of a table under `access.tables` whose parent field equals that id, returned:
//
//   args: { pageId: v.id("pages") },
//   handler: async (ctx, { pageId }) =>
//     ctx.db.query("comments").withIndex("by_page", (q) => q.eq("pageId", pageId)).collect(),
//
// A stranger reads the comments of a page they cannot see. The children inherit the levels held
// on their parent (docs/access.md: "The owner and parent fields carry access"), but not its public
// visibility: a document check on that argument (`requireAccess`, a tested `readable`, the
// builder's `access`) covers the read at any level when the parent's table has no `visibility`,
// and otherwise only above the levels public visibility gives (levels.ts: the weak ones; a
// check at those is medium, rules.ts), and so does a comparison of the parent's fields with the caller's id (`const page =
// await ctx.db.get(pageId); if (page.ownerId !== user._id) throw`). Only the configured parent
// field (any guard's, accessfields.ts) of the queried table counts, in an index range
// (`q.eq("pageId", x)`) or a filter (`q.eq(q.field("pageId"), x)`); the rows are followed to
// the answer as a document read by `_id` is (argflow.ts `returned`). The `_id` of the document a
// check on an argument answered is that argument's id, judged as it is (`q.eq("pageId",
// ctx.doc._id)` under the builder's `access` on `pageId`, `r.doc._id` of a `readable`, also
// through a `const`: ownerquery.ts `checkedDocArg`). Children also selected by a field equal to
// the caller's own id, or handed on only through a JS `filter`/`find` to the caller's own
// (callerid.ts `keepsOwnRows`), are the caller's own rows: not reported. A query made in an app
// helper whose answer the handler returns (`return await tasksOf(ctx, projectId)`) is read as one
// made in the handler, reported at the query "through tasksOf" (helperreads.ts).
//
// A table no guard configures has no parent field, but its rows may still belong to a document
// under access (the offers on a listing):
//
//   args: { listingId: v.id("listings") },          // "listings" is under access.tables, "offers" is not
//   handler: (ctx, { listingId }) =>
//     ctx.db.query("offers").withIndex("by_listing", (q) => q.eq("listingId", listingId)).collect(),
//
// Its rows (not the guard's own tables': guard-table-read) selected by any field equal to an
// argument validated `v.id(T)`, T under some guard's `access.tables` (userargs.ts `idTables`;
// not a `v.string()`: too uncertain), are read the same way, but at `medium` (the audit cannot
// know those rows are private), and any document check on that argument covers them (nothing
// says a public listing's offers are private). Such rows read whole and selected in JavaScript
// (`(await q.collect()).filter((t) => t.orgId === orgId)`, jsselect.ts: attack34 F9) are too.
import ts from "typescript";
import { chainEnd, comparesReadOf, readComparisons, returned, type ArgFlow } from "./argflow.js";
import { accessTables, mayBePublic, parentFields } from "./accessfields.js";
import { checkedDocArg, queryEqualities } from "./ownerquery.js";
import type { AuthCheck } from "./facts.js";
import { checkArgOf } from "./helperget.js";
import { reachedQueries, type Exit } from "./helperreads.js";
import { within, type App, type Loc } from "./program.js";
import { isCallerId } from "./callerid.js";
import { idTables } from "./userargs.js";
import { guardTables } from "./writes.js";
import { checkKind, checkText, GROUPS_TABLE, idOfText } from "./groupids.js";
import { jsSelection, type Selection } from "./jsselect.js";
import { enclosingFunction } from "./facts-syntax.js";
import { readLevel } from "./levels.js";

/** What a read of children selects by: the queried table, its parent field, and the table the parent is in. */
export interface ParentSelect {
  table: string;
  field: string;
  parentTable: string;
  /** The parent may be public: a check at a level public visibility gives says nothing of its children. */
  publicParent: boolean;
  /** `table` is under no guard's `access.tables`: `field` is no parent field but equals an argument validated as an id of `parentTable`, a table under access. */
  unconfigured?: true;
  /** The app helper the handler calls that makes the query (helperreads.ts), named in the finding. */
  through?: string;
  /** The guard's lowest level (levels.ts `readLevel`), named in the fix's check. */
  readLevel: string;
}

/**
 * The returned queries of `handler` that select a configured table's rows by its parent field
 * equal to an argument's id, or an unconfigured table's by a field equal to an argument of
 * `args` validated as an id of a table under access.
 */
export function childReads(app: App, handler: ts.SignatureDeclaration, flow: ArgFlow, args: { name: string; validator?: ts.Node }[], checks: AuthCheck[]): (Loc & { arg: string; compared: string[]; parent: ParentSelect })[] {
  const out: (Loc & { arg: string; compared: string[]; parent: ParentSelect })[] = [];
  const children = childSelector(app, handler, flow, args, checks);
  // Also made in an app helper whose answer the handler returns, a parameter standing for what the call passes (helperreads.ts).
  reachedQueries(app, handler, (n, { body, map, through, exits }) => {
    const end = chainEnd(n);
    const hit = children(narrowedQuery(n), map, end, exits);
    // The rows returned, or what a JS selection of them by the argument kept (`const hit = rows.find((t) => t.orgId === orgId); return hit`).
    const kept = (s: ts.CallExpression) => returned(app, enclosingFunction(s) ?? body, s, s, "document", true);
    if (hit !== undefined && !comparesReadOf(app, handler, flow, hit.by) && (returned(app, body, end, end, "document", true) || (hit.kept ?? []).some(kept))) {
      out.push({ ...app.loc(end), arg: hit.by, compared: readComparisons(app, handler, flow, hit.by).args, parent: through === undefined ? hit.parent : { ...hit.parent, through } });
    }
  });
  return out;
}

/**
 * What a query of `handler` (its narrowed part, `top`; `map`: a helper's parameter to what the
 * call passes) selects children by, as childReads reads it: the argument and the selection; not
 * rows also selected by the caller's own id. Also read for the deletes and writes of such rows (querywrites.ts).
 */
export function childSelector(app: App, handler: ts.SignatureDeclaration, flow: ArgFlow, args: { name: string; validator?: ts.Node }[], checks: AuthCheck[]): (top: ts.Expression, map?: (x: ts.Expression) => ts.Expression, end?: ts.Expression, exits?: Exit[]) => { by: string; parent: ParentSelect; kept?: ts.CallExpression[] } | undefined {
  let idArgs: Map<string, string> | undefined;
  // The checked document's `_id` (`ctx.doc._id`, `r.doc._id` of a readable) is its argument's id.
  const checkArg = checkArgOf(app, flow);
  const idOf = (x: ts.Expression) => (within(x, handler) ? (flow.idRoot(x) ?? checkedDocArg(app, handler, checks, checkArg, x)?.arg) : undefined);
  return (top, map = (x) => x, end, exits = []) => {
    const query = queryEqualities(app, top, (x) => idOf(map(x)));
    const ids = () => (idArgs ??= accessIdArgs(app, args, handler, flow));
    // A table no guard configures also selected in JavaScript from the rows read at `end`
    // (`(await q.collect()).filter((t) => t.orgId === orgId)`, jsselect.ts); a configured table's
    // rows read whole are unchecked-list's.
    let js: Selection[] = [];
    const inJs = () => {
      js = query === undefined || end === undefined ? [] : jsSelection(app, end, (x) => idOf(map(x)), exits);
      return js.length === 0 || accessTables(app).has(query!.table) ? [] : js;
    };
    const inQuery = query === undefined ? undefined : select(app, query.table, query.found, ids);
    const chosen = query === undefined ? undefined : (inQuery ?? select(app, query.table, inJs(), ids));
    const selected = chosen === undefined || inQuery !== undefined ? chosen : { ...chosen, kept: js.flatMap((f) => (f.by === chosen.by && f.call !== undefined ? [f.call] : [])) };
    // Rows also selected by a field equal to the caller's own id (the index range or filter:
    // "my offer on this listing", "my comments on this page"), or handed on only through a JS
    // `filter`/`find` to such rows (callerid.ts `keepsOwnRows`, as a batch read's and
    // unchecked-list's), are the caller's own (attack24), of a configured table or not.
    const mine = (x: ts.Expression) => (isCallerId(app, map(x)) ? "caller" : undefined);
    return selected !== undefined && ((queryEqualities(app, top, mine)?.found.length ?? 0) > 0 || (inQuery === undefined && end !== undefined && jsSelection(app, end, mine, exits).length > 0)) ? undefined : selected;
  };
}

/** The equality of a query of `table` that selects children: by a configured parent field, else (an unconfigured table) by an id of a table under access. */
function select(app: App, table: string, found: { field: string; by: string }[], idArgs: () => Map<string, string>): { by: string; parent: ParentSelect } | undefined {
  if (found.length === 0) return undefined;
  const parents = parentFields(app, table);
  const hit = found.find((f) => parents.has(f.field));
  if (hit !== undefined) {
    const parentTable = parents.get(hit.field)!;
    return { by: hit.by, parent: { table, field: hit.field, parentTable, publicParent: mayBePublic(app, parentTable), readLevel: readLevel(app) } };
  }
  // The guard's own tables are guard-table-read's (writes.ts).
  if (accessTables(app).has(table) || guardTables(app).has(table)) return undefined;
  const open = found.find((f) => idArgs().has(f.by));
  return open === undefined ? undefined : { by: open.by, parent: { table, field: open.field, parentTable: idArgs().get(open.by)!, publicParent: false, unconfigured: true, readLevel: readLevel(app) } };
}

/**
 * The arguments validated as an id of a table under some guard's `access.tables` (`v.id("listings")`,
 * or of the guard's groups, `v.id("accessGroups")`: an organization, groupids.ts;
 * under `v.optional` too), with that table; or made one by the handler's `ctx.db.normalizeId("listings", s)`
 * (a `v.string()` the app itself takes for that table's id).
 */
export function accessIdArgs(app: App, args: { name: string; validator?: ts.Node }[], handler: ts.SignatureDeclaration, flow: ArgFlow): Map<string, string> {
  const tables = new Set([...accessTables(app), GROUPS_TABLE]); // an organization's id scopes its rows too (groupids.ts)
  const out = new Map<string, string>();
  for (const a of args) {
    const table = a.validator === undefined ? undefined : idTables(app, a.validator).find((t) => tables.has(t));
    if (table !== undefined) out.set(a.name, table);
  }
  const visit = (n: ts.Node): void => {
    const [table, raw] = ts.isCallExpression(n) && app.memberPath(n.expression).slice(-2).join(".") === "db.normalizeId" ? n.arguments : [];
    const arg = raw === undefined ? undefined : flow.rootOf(raw);
    if (table !== undefined && ts.isStringLiteralLike(table) && tables.has(table.text) && arg !== undefined && !out.has(arg)) out.set(arg, table.text);
    ts.forEachChild(n, visit);
  };
  visit(handler);
  return out;
}

/**
 * The finding on a read of children by argument `arg`, for `who`, given whether a document check
 * covers `arg` (`checked`) and one above the levels public visibility gives does (`strong`, at
 * `low` otherwise): high unchecked; medium when only a check at such a level covers it and the
 * parent may be public (its children do not inherit public visibility); none else. The rows of
 * an unconfigured table: medium unchecked, none checked.
 */
export function childRead(caller: string, arg: string, p: ParentSelect, who: string, checked: boolean, strong: boolean, low: string | undefined): { message: string; fix: string; severity: "high" | "medium" } | undefined {
  const fn = p.through === undefined ? caller : `${caller} (through ${p.through})`;
  if (p.unconfigured === true) {
    if (checked) return undefined;
    const group = p.parentTable === GROUPS_TABLE, of = group ? "group" : "document";
    const message = `${fn} returns the rows of '${p.table}' whose field '${p.field}' equals argument '${arg}', ${idOfText(p.parentTable)}, with no ${checkKind(p.parentTable)} on it, to ${who}: '${p.table}' is under no guard's access.tables, so the audit cannot know whether its rows are private; if they belong to that ${of}, a caller who ${group ? "is not a member" : "may not see it"} reads them`;
    const fix = group
      ? `Check the caller's level on the group first: ${checkText(p.parentTable, arg, p.readLevel)} (at your lowest level), so only its members read its '${p.table}' rows.`
      : `Check the document first: ${checkText(p.parentTable, arg, p.readLevel)} (or the builder's access: { table: "${p.parentTable}", arg: "${arg}" }), so only a caller who may see it reads its '${p.table}' rows.`;
    return { message, fix, severity: "medium" };
  }
  const check = p.publicParent
    ? `guard.requireAccess(ctx, "${p.parentTable}", ${arg}, level) at a level above access.publicLevel (its '${p.table}' rows inherit the levels its grants and owner give, not its public visibility: a public parent's private children stay private)`
    : `guard.requireAccess(ctx, "${p.parentTable}", ${arg}, "${p.readLevel}") (or the builder's access on '${arg}'): its '${p.table}' rows inherit the levels held on it`;
  const fix = `Check the parent first: ${check}. Or read the rows through guard.readableMany(ctx, "${p.table}", ids) and return only those it answers.`;
  const rows = `${fn} returns the rows of '${p.table}' whose parent field '${p.field}' equals argument '${arg}'`;
  if (!checked) return { message: `${rows} (the children of a '${p.parentTable}' document), to ${who}, with no check that the caller may see that parent`, fix, severity: "high" };
  if (!p.publicParent || strong) return undefined;
  return { message: `${rows}, ${publicOnly(low, p.parentTable, "reads")}`, fix, severity: "medium" };
}

/** Why a check only at a weak level (`low`) of a public parent covers nothing of its children: anyone passes it. */
export function publicOnly(low: string | undefined, parentTable: string, does: "reads" | "changes"): string {
  const at = low === undefined || low === "any level" ? "by a readable with no level" : `at level '${low}'`;
  return `checked only ${at}, which a public '${parentTable}' document gives to anyone: its children do not inherit public visibility, so a stranger ${does} a public parent's private children`;
}

/** The narrowed part of a query (`withIndex`, `withSearchIndex`, `filter`, `order` above `ctx.db.query(t)`, the call given), whose parent reads it. */
export function narrowedQuery(query: ts.CallExpression): ts.Expression {
  let top: ts.Expression = query;
  for (;;) {
    const p = top.parent;
    if (!ts.isPropertyAccessExpression(p) || p.expression !== top || !ts.isCallExpression(p.parent) || !["withIndex", "withSearchIndex", "filter", "order"].includes(p.name.text)) break;
    top = p.parent;
  }
  return top;
}
