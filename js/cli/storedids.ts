// An id stored on the caller's own row with no check on it, and the reads that trust it later
// (`unchecked-id-write`, `unchecked-list`): the "active organization" of a workspace switcher.
//
//   export const setActiveOrg = mutation({ args: { orgId: v.id("accessGroups") }, handler: async (ctx, { orgId }) => {
//     const user = await guard.requireUser(ctx);
//     await ctx.db.patch(user._id, { activeOrgId: orgId });            // no group check: any organization
//   } });
//   export const activeOrgTasks = query({ args: {}, handler: async (ctx) => {
//     const user = await guard.requireUser(ctx);
//     return await ctx.db.query("tasks").withIndex("by_org", (q) => q.eq("orgId", user.activeOrgId!)).collect();
//   } });
//
// The write: a patch (or replace) of the caller's own row (callerid.ts `isCallerId` of its target)
// whose field (of the object written as access-field-write reads it, fieldvalue.ts: a literal, a
// `const` holding one, `Object.assign({}, { activeOrgId })`; attack34 F7) is an argument validated as an id of a table under access or of a group
// (childquery.ts `accessIdArgs`), with no document or group check on that argument nor a
// comparison of its document with the caller: medium, as an insert attaching a row to such an id
// is (querywrites.ts `attachedRow`). The read: once some public mutation stores a field so, a
// query of a table no guard configures (nor the guard's own) selected by that field of the
// caller's row (`user.activeOrgId`), whose rows are returned, with no check on that value in the
// function and not also selected by the caller's id: medium, the rows of whatever the caller stored.
import ts from "typescript";
import { chainEnd, comparesReadOf, returned, ArgFlow } from "./argflow.js";
import { accessTables, typeTable } from "./accessfields.js";
import { isCallerId } from "./callerid.js";
import { accessIdArgs, narrowedQuery } from "./childquery.js";
import type { ConvexFunction } from "./functions.js";
import { checkKind, checkText, GROUPS_TABLE, idOfText } from "./groupids.js";
import { reachedQueries } from "./helperreads.js";
import { queryEqualities } from "./ownerquery.js";
import { skipOuter, within, type App } from "./program.js";
import { anyCaller, decidesAccess } from "./roles.js";
import { CHANGES, covers, finding, type Finding } from "./rules.js";
import { subjectOf } from "./subject.js";
import { guardTables } from "./writes.js";
import { fieldValue } from "./fieldvalue.js";
import { readLevel } from "./levels.js";

/** A field of the caller's row stored unchecked: by which function, from an id of which table. */
type Stored = Map<string, { by: string; table: string }>;

/** The findings on ids stored unchecked on the caller's row, and on the reads by them. */
export function storedIdFindings(app: App, functions: readonly ConvexFunction[]): Finding[] {
  const out: Finding[] = [];
  const stored: Stored = new Map();
  const judged = functions.filter((fn) => fn.handler !== undefined && fn.visibility === "public" && fn.library === null && !decidesAccess(fn.facts.auth));
  for (const fn of judged) {
    if (fn.kind !== "mutation") continue;
    const handler = fn.handler!;
    const flow = new ArgFlow(app, handler);
    const scope = { handler, flow, argNames: new Set(fn.argNames.map((a) => a.name)) };
    let ids: Map<string, string> | undefined;
    for (const w of fn.facts.writes) {
      const target = w.target === undefined ? undefined : skipOuter(w.target);
      if ((w.method !== "patch" && w.method !== "replace") || target === undefined || w.value === undefined || !within(w.value, handler) || !isCallerId(app, target)) continue;
      // The object written, read as for access-field-write (fieldvalue.ts): a literal, a `const` holding one, `Object.assign`, a spread.
      for (const field of namedFields(handler, scope.argNames)) {
        const written = fieldValue(app, scope, w.value, field);
        const arg = written === undefined ? undefined : written === "args" ? field : flow.rootOf(written);
        const table = arg === undefined ? undefined : (ids ??= accessIdArgs(app, fn.argNames, handler, flow)).get(arg);
        if (table === undefined || covers(fn.checkedArgs, arg!) || comparesReadOf(app, handler, flow, arg!)) continue;
        if (!stored.has(field)) stored.set(field, { by: fn.id, table });
        const what = table === GROUPS_TABLE ? "organization" : `'${table}' document`;
        const message = `${fn.id} ${CHANGES[w.method]} the caller's own row, its field '${field}' set to argument '${arg}', ${idOfText(table)}, with no ${checkKind(table)} on it, for ${anyCaller(fn.facts.auth)}: the caller stores any ${what} as theirs, and a read that selects by that field later trusts it`;
        const fix = `Check it before storing it: ${checkText(table, arg!, readLevel(app))} (the caller's level on it at the least), and select by the stored field only after checking it again where it is read (a membership may end after it was stored).`;
        out.push({ ...finding("unchecked-id-write", fn.id, w, message, fix), severity: "medium" });
      }
    }
  }
  if (stored.size > 0) for (const fn of judged) out.push(...trustingReads(app, fn, stored));
  return out;
}

/** The field names a write of `handler` may set: the names its object literals and assignments give, and the arguments' (`patch(id, args)`). */
function namedFields(handler: ts.Node, argNames: Set<string>): Set<string> {
  const out = new Set(argNames);
  const visit = (n: ts.Node): void => {
    if ((ts.isPropertyAssignment(n) || ts.isShorthandPropertyAssignment(n)) && (ts.isIdentifier(n.name) || ts.isStringLiteralLike(n.name))) out.add(n.name.text);
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(n.left)) out.add(n.left.name.text);
    ts.forEachChild(n, visit);
  };
  visit(handler);
  return out;
}

/** The returned queries of `fn` selected by a stored field of the caller's row, with no check on that value. */
function trustingReads(app: App, fn: ConvexFunction, stored: Stored): Finding[] {
  const out: Finding[] = [];
  const handler = fn.handler!;
  const access = accessTables(app), guard = guardTables(app);
  const fieldOf = (x: ts.Expression): string | undefined => {
    const e = skipOuter(x);
    return ts.isPropertyAccessExpression(e) && stored.has(e.name.text) && subjectOf(app, e.expression, 0) === "caller" ? e.name.text : undefined;
  };
  reachedQueries(app, handler, (n, { body, map, through }) => {
    const top = narrowedQuery(n);
    const query = queryEqualities(app, top, (x) => (fieldOf(map(x)) === undefined ? undefined : map(x)));
    const hit = query?.found[0];
    if (query === undefined || hit === undefined || access.has(query.table) || guard.has(query.table)) return;
    if ((queryEqualities(app, top, (x) => (isCallerId(app, map(x)) ? true : undefined))?.found.length ?? 0) > 0) return; // the caller's own rows too
    const field = fieldOf(hit.by)!, { by, table } = stored.get(field)!;
    // A check on that field of the caller's row (`requireGroupLevel(ctx, user.activeOrgId, level)`) gates the read.
    if (fn.facts.auth.some((a) => a.level === "document" && a.target !== undefined && within(a.target, handler) && fieldOf(a.target) === field)) return;
    const end = chainEnd(n);
    if (!returned(app, body, end, end, "rows", true)) return;
    const fnText = through === undefined ? fn.id : `${fn.id} (through ${through})`;
    const message = `${fnText} returns the rows of '${query.table}' whose field '${hit.field}' equals the caller's stored field '${field}', which ${by} sets from an argument with no ${checkKind(table)} on it, to ${anyCaller(fn.facts.auth)}: a caller who stored another ${table === GROUPS_TABLE ? "organization's" : "document's"} id reads its rows`;
    const fix = `Check the stored value where it is read: ${checkText(table, `user.${field}`, readLevel(app))} before the query (and check it in ${by} before storing it).`;
    out.push({ ...finding("unchecked-list", fn.id, app.loc(end), message, fix), severity: "medium" });
  });
  return out;
}
