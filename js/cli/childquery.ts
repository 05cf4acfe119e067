// Reads of a document's children by an id from the arguments, for `unchecked-id-read`: the
// rows of a table under `access.tables` whose parent field equals that id, returned:
//
//   args: { pageId: v.id("pages") },
//   handler: async (ctx, { pageId }) =>
//     ctx.db.query("comments").withIndex("by_page", (q) => q.eq("pageId", pageId)).collect(),
//
// A stranger reads the comments of a page they cannot see. The children inherit the levels held
// on their parent (README: "The owner and parent fields carry access"), so whoever may see the
// parent may see them: a document check on that argument at any level (`requireAccess`, a
// tested `readable`, the builder's `access`) covers the read, as it covers `ctx.db.get` of it
// (rules.ts), and so does a comparison of the parent's fields with the caller's id (`const page =
// await ctx.db.get(pageId); if (page.ownerId !== user._id) throw`). Only the configured parent
// field (any guard's, accessfields.ts) of the queried table counts, in an index range
// (`q.eq("pageId", x)`) or a filter (`q.eq(q.field("pageId"), x)`); the rows are followed to
// the answer as a document read by `_id` is (argflow.ts `returned`).
import ts from "typescript";
import { chainEnd, comparesReadOf, readComparisons, returned, type ArgFlow } from "./argflow.js";
import { parentFields } from "./accessfields.js";
import { queryEqualities } from "./ownerquery.js";
import { isDatabase } from "./facts-syntax.js";
import { CONVEX } from "./facts.js";
import type { App, Loc } from "./program.js";

/** What a read of children selects by: the queried table, its parent field, and the table the parent is in. */
export interface ParentSelect {
  table: string;
  field: string;
  parentTable: string;
}

/** The returned queries of `handler` that select a configured table's rows by its parent field equal to an argument's id. */
export function childReads(app: App, handler: ts.SignatureDeclaration, flow: ArgFlow): (Loc & { arg: string; compared: string[]; parent: ParentSelect })[] {
  const out: (Loc & { arg: string; compared: string[]; parent: ParentSelect })[] = [];
  const visit = (n: ts.Node): void => {
    const convex = ts.isCallExpression(n) ? app.calleeFrom(n, CONVEX) : undefined;
    if (convex?.name === "query" && isDatabase(convex.owner)) {
      // The query's narrowed part (`withIndex`, `filter`, `order` above `ctx.db.query(t)`), then what reads it.
      let top: ts.Expression = n as ts.CallExpression;
      for (;;) {
        const p = top.parent;
        if (!ts.isPropertyAccessExpression(p) || p.expression !== top || !ts.isCallExpression(p.parent) || !["withIndex", "filter", "order"].includes(p.name.text)) break;
        top = p.parent;
      }
      const query = queryEqualities(app, top, (x) => flow.idRoot(x));
      const parents = query === undefined || query.found.length === 0 ? undefined : parentFields(app, query.table);
      const hit = query?.found.find((f) => parents!.has(f.field));
      const end = chainEnd(n as ts.CallExpression);
      if (hit !== undefined && !comparesReadOf(app, handler, flow, hit.by) && returned(app, handler, end, end, "document")) {
        const parent = { table: query!.table, field: hit.field, parentTable: parents!.get(hit.field)! };
        out.push({ ...app.loc(end), arg: hit.by, compared: readComparisons(app, handler, flow, hit.by).args, parent });
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(handler);
  return out;
}

/** The finding's message: what rows reach whom. */
export function childReadMessage(fn: string, arg: string, p: ParentSelect, who: string): string {
  return `${fn} returns the rows of '${p.table}' whose parent field '${p.field}' equals argument '${arg}' (the children of a '${p.parentTable}' document), to ${who}, with no check that the caller may see that parent`;
}

/** The finding's fix: check the parent (its children inherit its levels), or read each row through the guard. */
export function childReadFix(arg: string, p: ParentSelect): string {
  return `Check the parent first: guard.requireAccess(ctx, "${p.parentTable}", ${arg}, "viewer") (or the builder's access on '${arg}'); its '${p.table}' rows inherit the levels held on it. Or read the rows through guard.readableMany(ctx, "${p.table}", ids) and return only those it answers.`;
}
