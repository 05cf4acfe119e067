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
// (`if (msg.channelId !== channelId) throw ...`, also destructured: `const { channelId } = msg`)
// before the change, or after it by a throw (which rolls it back), and not in a `try` whose
// `catch` goes on (parentcover.ts `keeps`), a function with no document check (the
// permission alone: the app's rule), a change by the argument itself with no row read (its
// fields are not known: AUDIT.md "Known gaps"). The checker is asked only for the row's type,
// of a change left open here after such a check. The row is the one whose `_id` the change
// names, also through a `const id = msg._id` or a `const { _id } = msg` (attack38 F5). A patch or
// replace setting the row's field to another argument, an id of a table the function checks a
// document of, never checked itself (`ctx.db.patch(msg._id, { channelId: args.to })`), moves the
// row into a document the caller may not see: querywrites.ts's rule of a moved row, medium.
import ts from "typescript";
import { idTypeTable } from "./accessfields.js";
import type { ConvexFunction } from "./functions.js";
import { throughText } from "./helperget.js";
import { ArgFlow } from "./argflow.js";
import { laterChanges } from "./laterchanges.js";
import { constSource } from "./ownerquery.js";
import { parentArgCheck, parentTable } from "./parentcover.js";
import { skipOuter, within, type App, type Loc } from "./program.js";
import { attachedRow } from "./querywrites.js";
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
    // A row moved into another document of a table the function checks one of, that one never checked (attack38 F5): querywrites.ts's rule of a moved row.
    const handler = fn.handler;
    const scoped = handler === undefined ? [] : fn.facts.auth.filter((a) => a.level === "document" && a.target !== undefined && within(a.target, handler));
    if (handler === undefined || scoped.length === 0) continue;
    const flow = new ArgFlow(app, handler);
    for (const w of fn.facts.writes.filter((w) => w.method !== "insert")) {
      const judged = attachedRow(app, fn, handler, flow, w, `a caller its ${by} check lets through`, laterChanges(app, functions), (t) => scoped.some((a) => parentTable(app, a) === t));
      if (judged !== undefined) out.push({ ...finding("unchecked-id-write", fn.id, w, judged.message, judged.fix), severity: judged.severity });
    }
  }
  return out;
}

/** The row whose `_id` a change's target is, by name (`msg` of `msg._id`, of a `const id = msg._id` or of a `const { _id } = msg`: attack38 F5). */
function idRow(app: App, target: ts.Expression, depth = 0): ts.Expression | undefined {
  const x = skipOuter(target);
  if (ts.isPropertyAccessExpression(x)) return x.name.text === "_id" ? skipOuter(x.expression) : undefined;
  const from = ts.isIdentifier(x) && depth < 3 ? constSource(app, x) : undefined;
  if (from === undefined) return undefined;
  return from.key === undefined ? idRow(app, from.value, depth + 1) : from.key === "_id" ? skipOuter(from.value) : undefined;
}

/** The row a change's target is the `_id` of (`idRow`) and its field naming a document of one of `tables` (`channelId: Id<"channels">`), by the checker's type of the row; undefined when it has none or the target is not a row's `_id`. */
export function rowParent(app: App, target: ts.Expression, tables: string[]): { row: string; field: string; table: string } | undefined {
  const row = tables.length === 0 ? undefined : idRow(app, target);
  if (row === undefined) return undefined;
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
