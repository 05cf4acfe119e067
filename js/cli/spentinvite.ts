// A delete of the app's own invitation row once the caller accepted the guard's invitation it
// stands for (attack33 P3):
//
//   const inv = await ctx.db.query("orgInvites").withIndex("by_token", (q) => q.eq("token", token)).unique();
//   if (inv === null) throw new ConvexError("bad token");
//   await guard.acceptGroupInvite(ctx, inv.orgId); // throws unless the caller is invited to (or in) that group
//   await ctx.db.delete(inv._id);                  // the spent row: low, as the caller's own rows are
//
// `acceptGroupInvite` throws (`NOT_FOUND`) for a caller with neither an invitation to that group
// nor a membership of it, so past it the caller is a member of the group the row names, and the
// row is the spent link they followed. Counted with the caller's own rows (`destructive-unconfirmed`
// `low`, ownerquery.ts `ownRowsText`) when: the mutation deletes, once and not in a loop, the
// `_id` of a row of one query (`.unique()`, `.first()`: queriedrows.ts) of a table of the app's own
// that no guard's `access.tables` lists (nor a users table, nor the guard's: ownerquery.ts
// `unmodelledTable`), selected by a field equal to some value; and `guard.acceptGroupInvite` was
// given a field of that very row (`inv.orgId`), made on every path (an unconditional check, not
// caught) and before the delete. A row of a table under access, a row in a loop, a delete before
// the accept, or an accept of another value stays as it was (high in a public mutation).
import ts from "typescript";
import { GUARD, skipOuter, within, type App } from "./program.js";
import type { ConvexFunction } from "./functions.js";
import { queryEqualities, unmodelledTable } from "./ownerquery.js";
import { queriedRows } from "./queriedrows.js";

/** Adds each such delete to its function's `ownedDeletes`. */
export function markSpentInvites(app: App, functions: readonly ConvexFunction[]): void {
  for (const fn of functions) {
    const handler = fn.handler;
    if (fn.kind !== "mutation" || handler === undefined) continue;
    const accepts = fn.facts.auth.flatMap((a) => (a.guardCall !== undefined && within(a.guardCall, handler) && app.calleeFrom(a.guardCall, GUARD)?.name === "acceptGroupInvite" ? [a.guardCall] : []));
    if (accepts.length === 0) continue;
    const rows = queriedRows(app, handler);
    for (const d of fn.facts.deletes) {
      const id = d.target === undefined ? undefined : skipOuter(d.target);
      if (d.inLoop || id === undefined || !within(id, handler) || !ts.isPropertyAccessExpression(id) || id.name.text !== "_id" || fn.ownedDeletes.some((o) => o.file === d.file && o.line === d.line)) continue;
      const row = skipOuter(id.expression);
      const query = rows(id);
      const selected = query === undefined || query.filtered || !ts.isIdentifier(row) ? undefined : queryEqualities(app, query.query, (x) => x);
      const field = selected?.found.find((f) => f.field !== "_id")?.field;
      if (selected === undefined || field === undefined || !unmodelledTable(app, selected.table)) continue;
      const accepted = accepts.find((a) => {
        const given = a.arguments[1] === undefined ? undefined : skipOuter(a.arguments[1]);
        const of = given !== undefined && ts.isPropertyAccessExpression(given) ? skipOuter(given.expression) : undefined;
        return a.end <= id.pos && of !== undefined && ts.isIdentifier(of) && app.symbol(of) !== undefined && app.symbol(of) === app.symbol(row);
      });
      const name = accepted === undefined ? undefined : (skipOuter(accepted.arguments[1]!) as ts.PropertyAccessExpression).name.text;
      if (name !== undefined) fn.ownedDeletes.push({ file: d.file, line: d.line, rows: { table: selected.table, field, owner: false, accepted: name } });
    }
  }
}
