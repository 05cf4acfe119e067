// `unchecked-id-delete` / `unchecked-id-write` in a function a role or permission decides
// (roles.ts `decidesAccess`) that also checks a document an argument names, and then changes a
// row of a table no guard configures whose field names a document of that table, neither
// checking the row's own parent nor comparing its field with the argument (newuser29 F1):
//
//   guard.mutation(mutation, { permission: "messages:delete", args: { messageId, channelId },
//     handler: async (ctx, { messageId, channelId }) => {
//       await guard.requireAccess(ctx, "channels", channelId, "reader");   // the argument's channel
//       const msg = await ctx.db.get(messageId);
//       await ctx.db.delete(msg!._id);                                      // any channel's message: medium
//
// The permission lets its holder change any row, so the function's rules leave the delete alone;
// but its own check shows the change is meant for that document's rows: a moderator of one
// channel deletes the messages of any other. Not reported: the row's parent checked
// (`requireAccess(ctx, "channels", msg.channelId, ...)`, at any level: the permission decides the
// change, the check its scope), its field compared with the argument
// (`if (msg.channelId !== channelId) throw ...`), a function with no document check (the
// permission alone: the app's rule), a change by the argument itself with no row read (its
// fields are not known: AUDIT.md "Known gaps"). The checker is asked only for the row's type,
// of a change left open here after such a check.
import ts from "typescript";
import { idTypeTable } from "./accessfields.js";
import type { ConvexFunction } from "./functions.js";
import { throughText } from "./helperget.js";
import { parentArgCheck, parentTable } from "./parentcover.js";
import { skipOuter, type App, type Loc } from "./program.js";
import { decidesAccess } from "./roles.js";
import { CHANGES, finding, type Finding } from "./rules.js";
import { idTables } from "./userargs.js";

/** The findings: a change scoped by a check of an argument's document but not of the row's own. */
export function argScopeFindings(app: App, functions: readonly ConvexFunction[]): Finding[] {
  const out: Finding[] = [];
  for (const fn of functions) {
    if (fn.visibility !== "public" || fn.kind !== "mutation" || !decidesAccess(fn.facts.auth)) continue;
    const by = fn.facts.auth.some((a) => a.level === "permission" && a.everyRole === undefined) ? "permission" : "role";
    const judge = (c: Loc & { arg: string; through?: string }, rule: "unchecked-id-delete" | "unchecked-id-write", does: string) => {
      const scope = parentArgCheck(c);
      if (scope === undefined) return;
      const validator = fn.argNames.find((a) => a.name === scope.arg)?.validator;
      const tables = validator !== undefined ? idTables(app, validator) : [parentTable(app, scope.check)].filter((t) => t !== undefined);
      const parent = rowParent(app, scope.target, tables);
      if (parent === undefined) return;
      const [row, parentOne] = [one(scope.table), one(parent.table)];
      const message = `${fn.id}${throughText(c.through)} ${does} the '${scope.table}' row that argument '${c.arg}' names and checks ${parentOne} '${scope.arg}', not the ${row}'s own ${parentOne}: its field '${parent.field}' is never compared with '${scope.arg}', so a caller its ${by} check lets through changes a ${row} of any ${parentOne}`;
      const level = scope.check.minLevel === undefined ? "level" : `"${scope.check.minLevel}"`;
      const fix = `Check the document the row's own field names, after reading the row: guard.requireAccess(ctx, "${parent.table}", ${parent.row}.${parent.field}, ${level}); or compare that field with the argument checked: if (${parent.row}.${parent.field} !== ${scope.arg}) throw ... before the change.`;
      out.push({ ...finding(rule, fn.id, c, message, fix), severity: "medium" });
    };
    for (const d of fn.idDeletes) judge(d, "unchecked-id-delete", CHANGES.delete);
    for (const w of fn.writes.idWrites) judge(w, "unchecked-id-write", CHANGES[w.method]);
  }
  return out;
}

/** The row a change's target is the `_id` of (`msg._id`) and its field naming a document of one of `tables` (`channelId: Id<"channels">`), by the checker's type of the row; undefined when it has none or the target is not a row's `_id`. */
export function rowParent(app: App, target: ts.Expression, tables: string[]): { row: string; field: string; table: string } | undefined {
  const x = skipOuter(target);
  if (tables.length === 0 || !ts.isPropertyAccessExpression(x) || x.name.text !== "_id") return undefined;
  const row = skipOuter(x.expression);
  const type = app.checker.getNonNullableType(app.checker.getTypeAtLocation(row));
  for (const p of type.getProperties()) {
    if (p.name === "_id") continue;
    const table = idTypeTable(app, app.checker.getNonNullableType(app.checker.getTypeOfSymbolAtLocation(p, row)), row);
    if (table !== undefined && tables.includes(table)) return { row: ts.isIdentifier(row) ? row.text : "row", field: p.name, table };
  }
  return undefined;
}

/** One row of a table, as a message names it: "message" of "messages", "category" of "categories". */
const one = (table: string): string => (table.endsWith("ies") ? `${table.slice(0, -3)}y` : table.endsWith("s") && !table.endsWith("ss") ? table.slice(0, -1) : table);
