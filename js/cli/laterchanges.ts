// `unchecked-id-write`, one function on: an id a public mutation stores unchecked (querywrites.ts
// `attachedRow`: `ctx.db.insert("deletionRequests", { docId: args.docId })` after only a sign-in
// check) is medium while the audit cannot know what the row means. When an internal function of
// the app (a cron's job, a scheduled one) later deletes or writes the document by that stored field,
// the row is a request the app carries out, and any caller has any such document deleted or changed:
//
//   export const processDeletions = internalMutation({ handler: async (ctx) => {
//     for (const req of await ctx.db.query("deletionRequests").take(20)) await ctx.db.delete(req.docId);
//   } });
//
// The change's id is read as `row.field`, `row` typed as a document of the table (its `_id`'s
// `Id<"t">`), or a `const` holding it (`const id = r.docId`); the internal function's own checks on the stored id (comparing the document's owner
// with a stored requester) are not read (AUDIT.md, Known gaps).
import ts from "typescript";
import { idTypeTable } from "./accessfields.js";
import type { ConvexFunction } from "./functions.js";
import { skipOuter, type App } from "./program.js";

/** An internal function that deletes or writes by the id a stored row's field holds. */
export interface LaterChange {
  fn: string;
  kind: string;
  does: "deletes" | "writes";
}

const found = new WeakMap<readonly ConvexFunction[], Map<string, LaterChange>>();

/** `table.field` → the first internal function that deletes or writes the document whose id a row of `table` holds in `field`. */
export function laterChanges(app: App, functions: readonly ConvexFunction[]): Map<string, LaterChange> {
  const known = found.get(functions);
  if (known !== undefined) return known;
  const out = new Map<string, LaterChange>();
  for (const fn of functions) {
    if (fn.visibility !== "internal" || fn.handler === undefined) continue;
    const changes = [...fn.facts.deletes.filter((d) => d.byGuard !== true).map((d) => ({ target: d.target, does: "deletes" as const })), ...fn.facts.writes.filter((w) => w.method !== "insert").map((w) => ({ target: w.target, does: "writes" as const }))];
    for (const c of changes) {
      const held = c.target === undefined ? undefined : skipOuter(c.target);
      const t = held !== undefined && ts.isIdentifier(held) ? skipOuter(app.constInitializer(held) ?? held) : held; // `const id = r.docId` (attack34 F5)
      if (t === undefined || !ts.isPropertyAccessExpression(t) || t.name.text === "_id") continue;
      const table = rowTable(app, t.expression);
      const key = `${table}.${t.name.text}`;
      if (table !== undefined && !out.has(key)) out.set(key, { fn: fn.id, kind: fn.kind, does: c.does });
    }
  }
  found.set(functions, out);
  return out;
}

/**
 * The table of a row: by its type (its `_id`'s `Id<"t">`), else, the type unknown (a `for...of`
 * the audit's libraries leave untyped), by the query it comes from: `for (const r of await
 * ctx.db.query("t").take(20))`, `const r = await ctx.db.query("t").first()`, or a `const` holding the rows.
 */
function rowTable(app: App, row: ts.Expression): string | undefined {
  const id = app.checker.getPropertyOfType(app.checker.getApparentType(app.checker.getTypeAtLocation(row)), "_id");
  const typed = id === undefined ? undefined : idTypeTable(app, app.checker.getTypeOfSymbolAtLocation(id, row), row);
  if (typed !== undefined || !ts.isIdentifier(skipOuter(row))) return typed;
  const decl = app.symbol(skipOuter(row))?.valueDeclaration;
  if (decl === undefined || !ts.isVariableDeclaration(decl)) return undefined;
  let from = ts.isForOfStatement(decl.parent.parent) ? decl.parent.parent.expression : decl.initializer;
  if (from !== undefined && ts.isIdentifier(skipOuter(from))) from = app.constInitializer(skipOuter(from) as ts.Identifier);
  let table: string | undefined;
  const visit = (n: ts.Node): void => {
    if (table !== undefined) return;
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === "query" && n.arguments[0] !== undefined && ts.isStringLiteralLike(n.arguments[0])) table = n.arguments[0].text;
    else ts.forEachChild(n, visit);
  };
  if (from !== undefined) visit(from);
  return table;
}
