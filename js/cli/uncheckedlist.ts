// Listings of a protected table that bypass per-document access, for `unchecked-list`: the rows
// of `ctx.db.query(t)`, `t` under some guard's `access.tables`, returned by a public query or
// mutation when nothing ties them to the caller:
//
//   return await ctx.db.query("projects").collect();                                            // every project
//   return await ctx.db.query("projects").filter((q) => q.eq(q.field("name"), name)).collect(); // by any field
//   return await ctx.db.query("projects").withIndex("by_org", (q) => q.eq("orgId", orgId)).take(50); // any org's
//
// The rows reach the answer as childquery.ts's do (argflow.ts `returned`; not a `paginate`
// answer's metadata, aliases.ts `pageMetaOnly`), selected as it reads them (ownerquery.ts
// `queryEqualities` on childquery.ts `narrowedQuery`, a search index's filter fields too). Not reported:
// - rows selected by an equality with the caller's own id (callerid.ts `isCallerId`): by the
//   table's owner field, the caller's own; by another field, rows the app files under the caller;
// - by the table's parent field (any value: childquery.ts judges an argument's children), or by
//   its visibility field equal to "public" (a literal or a `const`);
// - by a field equal to an argument a document or group check covers (`guard.requireGroupLevel(ctx,
//   orgId, level)`, `requireAccess`, the builder's `access`; or `ctx.doc._id`, that argument's id): an
//   org's own rows after a membership check (the audit cannot know which rows the app scopes by it);
// - by `_id` (unchecked-id-read's), or by a `.filter` it does not read that names the owner,
//   parent or visibility field (`q.or(...)`: unsure);
// - in a function whose role or permission check decides (roles.ts `decidesAccess`);
// - rows handed on only to `guard.readable`/`readableMany` (`rows.map((r) => guard.readable(ctx,
//   t, r._id))`), whose answer is what leaves (or the rows kept by its index, keptbyindex.ts),
//   or only through a JS `filter`/`find` to the caller's own (callerid.ts `keepsOwnRows`), or
//   pushed in a loop only for the caller's own
//   (`pushesOwnRows`: `if (r.ownerId !== user._id) continue; out.push(r)`).
// Internal functions and actions (no `ctx.db`) are not judged; a query made in a helper is not read.
import ts from "typescript";
import { aliases, pageMetaOnly, returns, rowHolders } from "./aliases.js";
import { ArgFlow, chainEnd, returned } from "./argflow.js";
import { accessTables, parentFields, tableFields } from "./accessfields.js";
import { narrowedQuery } from "./childquery.js";
import { isCallerId, keepsOwnRows, pushesOwnRows } from "./callerid.js";
import { keptByAnswer } from "./keptbyindex.js";
import { literalThrough } from "./config.js";
import { enclosingFunction, isDatabase, mentionsName } from "./facts-syntax.js";
import { CONVEX, type AuthCheck } from "./facts.js";
import { outer } from "./flow.js";
import type { ConvexFunction } from "./functions.js";
import { answersNoDocument } from "./nodocument.js";
import { checkedDocArg, queryEqualities } from "./ownerquery.js";
import { GUARD, isFunctionLike, skipOuter, within, type App } from "./program.js";
import { anyCaller, decidesAccess } from "./roles.js";
import { covers, finding, type Finding } from "./rules.js";

/** The guard calls that check each document they are given and answer only what the caller may read. */
const CHECKS_EACH = new Set(["readable", "readableMany"]);

/** `unchecked-list` findings of every public query and mutation of the app. */
export function uncheckedListFindings(app: App, functions: readonly ConvexFunction[]): Finding[] {
  const tables = accessTables(app);
  const out: Finding[] = [];
  for (const fn of functions) {
    const handler = fn.handler;
    if (tables.size === 0 || handler === undefined || fn.visibility !== "public" || (fn.kind !== "query" && fn.kind !== "mutation") || fn.library !== null || decidesAccess(fn.facts.auth)) continue;
    const flow = new ArgFlow(app, handler);
    const visit = (n: ts.Node): void => {
      const convex = ts.isCallExpression(n) ? app.calleeFrom(n, CONVEX) : undefined;
      if (convex?.name === "query" && isDatabase(convex.owner)) {
        const top = narrowedQuery(n as ts.CallExpression);
        const query = queryEqualities(app, top, (x) => x);
        const how = query !== undefined && tables.has(query.table) ? selection(app, fn, handler, flow, top, query.table, query.found) : undefined;
        const end = chainEnd(n as ts.CallExpression);
        if (how !== undefined && returned(app, handler, end, end, "document") && !onlyChecked(app, handler, end, query!.table)) {
          const owner = tableFields(app, query!.table, "owner")[0];
          const message = `${fn.id} returns the rows of '${query!.table}' (under access.tables) ${how}, to ${anyCaller(fn.facts.auth)}: no row is checked against the caller's access, so a caller reads documents they hold no level on`;
          out.push(finding("unchecked-list", fn.id, app.loc(end), message, listFix(query!.table, owner)));
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(handler);
  }
  return out;
}

/** How a query of the protected `table` selects its rows, when that ties them to no one; undefined when it does (or the audit is unsure). */
function selection(app: App, fn: ConvexFunction, handler: ts.SignatureDeclaration, flow: ArgFlow, top: ts.Expression, table: string, found: { field: string; by: ts.Expression }[]): string | undefined {
  const parents = parentFields(app, table);
  const visibility = tableFields(app, table, "visibility");
  const owners = tableFields(app, table, "owner");
  // An argument, or the `_id` of the document a check on one answered (`ctx.doc._id` of the builder's `access`), as childquery.ts reads it.
  const checkArg = (a: AuthCheck) => a.targetArg ?? (a.target !== undefined && within(a.target, handler) ? flow.idRoot(a.target) : undefined);
  const argOf = (by: ts.Expression) => flow.rootOf(by) ?? checkedDocArg(app, handler, fn.facts.auth, checkArg, by)?.arg;
  // The parent field ties the rows to a parent only when it names one the children rule judges
  // (an argument's id, or the checked document's): `undefined` or a literal is every parent's.
  const ties = found.some(
    (f) => f.field === "_id" || (parents.has(f.field) && argOf(f.by) !== undefined) || isCallerId(app, f.by) || (visibility.includes(f.field) && literalThrough(app, f.by) === "public") || (argOf(f.by) !== undefined && covers(fn.checkedArgs, argOf(f.by)!)),
  );
  if (ties || unreadFilter(app, top, [...owners, ...parents.keys(), ...visibility])) return undefined;
  if (found.length === 0) return "with no selection (every document, or a filter on other fields)";
  // The owner field equal to something else than the caller's id as the audit knows it (subject.ts: a users row the app looks up itself is not).
  const notCaller = "a value that is not the caller's id as the audit knows it (the _id of guard.requireUser's answer or the builder's ctx.user; not a users row the app looks up itself)";
  const by = found.map((f) => {
    const arg = argOf(f.by) === undefined ? undefined : `argument '${argOf(f.by)}'`;
    if (owners.includes(f.field)) return `its owner field '${f.field}' equal to ${arg === undefined ? notCaller : `${arg}, not the caller's id`}`;
    return `field '${f.field}'${arg === undefined ? "" : ` (equal to ${arg}, which no document or group check covers)`}`;
  });
  const not = owners.length > 0 && !found.some((f) => owners.includes(f.field)) ? `, not by its owner field '${owners[0]}' equal to the caller's id` : "";
  return `selected by ${by.join(" and ")}${not}`;
}

/** Whether a `.filter` of the query that the audit does not read as equalities names one of `fields` (an owner test in a `q.or`: unsure). */
function unreadFilter(app: App, top: ts.Expression, fields: string[]): boolean {
  const count = (e: ts.Expression) => queryEqualities(app, e, (x) => x)?.found.length ?? 0;
  for (let x = skipOuter(top); ts.isCallExpression(x) && ts.isPropertyAccessExpression(x.expression); x = skipOuter(x.expression.expression)) {
    if (x.expression.name.text !== "filter" || count(x) > count(x.expression.expression)) continue;
    const names = (n: ts.Node): boolean => (ts.isStringLiteralLike(n) && fields.includes(n.text)) || ts.forEachChild(n, names) === true;
    if (x.arguments.some(names)) return true;
  }
  return false;
}

/**
 * Whether the rows read at `end` leave only through a guard call that checks each one
 * (`guard.readableMany(ctx, t, rows.map((r) => r._id))`, `rows.map((r) => guard.readable(ctx, t,
 * r._id))`) or a JS filter to the caller's own rows, directly or through the `const` holding them.
 */
function onlyChecked(app: App, handler: ts.SignatureDeclaration, end: ts.Expression, table: string): boolean {
  const checksEach = (n: ts.Node) => ts.isCallExpression(n) && CHECKS_EACH.has(app.calleeFrom(n, GUARD)?.name ?? "");
  // `x.map((r) => guard.readable(ctx, t, r._id))`: each row only to a readable.
  const mapsToCheck = (n: ts.Node) => {
    if (!ts.isCallExpression(n) || !ts.isPropertyAccessExpression(n.expression) || n.expression.name.text !== "map") return false;
    const cb = n.arguments[0] === undefined ? undefined : skipOuter(n.arguments[0]);
    if (cb === undefined || !ts.isArrowFunction(cb) || ts.isBlock(cb.body)) return false;
    const body = skipOuter(cb.body);
    return checksEach(ts.isAwaitExpression(body) ? skipOuter(body.expression) : body);
  };
  for (let n: ts.Node = end; n.parent !== undefined && !isFunctionLike(n); n = n.parent) {
    const p = n.parent;
    if ((checksEach(p) && (p as ts.CallExpression).arguments.includes(n as ts.Expression)) || (ts.isPropertyAccessExpression(p) && p.expression === n && mapsToCheck(p.parent))) return true;
  }
  // Held in a variable, or the rows of `for await (const r of query)`; pushed into an array only when the caller's own (callerid.ts `pushesOwnRows`).
  const o = outer(end);
  const loop = ts.isForOfStatement(o.parent) && o.parent.expression === o && ts.isVariableDeclarationList(o.parent.initializer) ? o.parent.initializer.declarations[0] : undefined;
  const held = loop ?? o.parent;
  if (!ts.isVariableDeclaration(held)) return false;
  const body = enclosingFunction(held) ?? handler;
  const names = aliases(handler, rowHolders(end, held.name), (push) => pushesOwnRows(app, push));
  const meta = pageMetaOnly(end, held.name);
  const skip = (x: string) => (n: ts.Node) => answersNoDocument(app, n) || meta(n) || checksEach(n) || mapsToCheck(n) || keepsOwnRows(app, n, x) || keptByAnswer(app, body, n, table);
  return !names.some((name) => returns(body, name, (e, x) => mentionsName(e, x, skip(x))));
}

function listFix(table: string, owner: string | undefined): string {
  const own = owner === undefined ? "" : `, or select the caller's own by the owner field (.withIndex(<an index on '${owner}'>, (q) => q.eq("${owner}", user._id)))`;
  return `List what the caller may read with guard.listAccessible(ctx, "${table}", { paginationOpts })${own}, or pass the rows' ids to guard.readableMany(ctx, "${table}", ids) and return only what it answers (rs.filter((r) => r !== null).map((r) => r.doc), or the rows where the answer at their index is not null: rows.filter((_, i) => rs[i] !== null)); an org's rows selected by an argument only after a check on it (guard.requireGroupLevel(ctx, orgId, level), or guard.requireAccess on its document).`;
}
