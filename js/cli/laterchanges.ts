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
// `Id<"t">`), or a `const` holding it (`const id = r.docId`), or a name destructured from the row
// (`for (const { docId } of reqs)`, `({ docId }) =>`, `const { docId } = r`, in a loop's body
// too), or an id mapped out of the rows and looped over (`for (const id of reqs.map((r) =>
// r.docId))`, through a `const`); the internal
// function's own checks on the stored id (comparing the document's owner with a stored requester)
// are not read (AUDIT.md, Known gaps).
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
      const stored = t === undefined ? undefined : ts.isPropertyAccessExpression(t) ? { row: t.expression as ts.Node, field: t.name.text } : ts.isIdentifier(t) ? (destructured(app, t, fn.handler) ?? mappedOut(app, t)) : undefined;
      if (stored === undefined || stored.field === "_id") continue;
      const table = rowTable(app, stored.row);
      const key = `${table}.${stored.field}`;
      if (table !== undefined && !out.has(key)) out.set(key, { fn: fn.id, kind: fn.kind, does: c.does });
    }
  }
  found.set(functions, out);
  return out;
}

/** A name bound by destructuring a row (`for (const { docId } of reqs)`, `({ docId: id }) =>`, `const { docId } = req`): the row's declaration and the field. */
function destructured(app: App, name: ts.Identifier, handler?: ts.SignatureDeclaration): { row: ts.Node; field: string } | undefined {
  const b = app.symbol(name)?.valueDeclaration;
  if (b === undefined || !ts.isBindingElement(b) || b.dotDotDotToken !== undefined || !ts.isObjectBindingPattern(b.parent)) return undefined;
  if (b.parent.parent.parent === handler) return undefined; // the handler's own arguments (`{ id }`), no stored row: and typing them costs milliseconds
  const key = b.propertyName ?? b.name;
  // `const { docId } = req` of a loop's `req`: the row is the name it destructures (attack36 F10).
  const decl = b.parent.parent;
  const from = ts.isVariableDeclaration(decl) && decl.initializer !== undefined && ts.isIdentifier(skipOuter(decl.initializer)) ? skipOuter(decl.initializer) : decl;
  return ts.isIdentifier(key) || ts.isStringLiteral(key) ? { row: from, field: key.text } : undefined;
}

/**
 * An id taken out of the rows first and then looped over (attack36 F10): `id` of `for (const id
 * of ids)` or of `ids.map((id) => ...)`, `ids` a `const` holding `reqs.map((r) => r.docId)`: the
 * mapping callback's row parameter and the field its answer reads.
 */
function mappedOut(app: App, name: ts.Identifier): { row: ts.Node; field: string } | undefined {
  const decl = app.symbol(name)?.valueDeclaration;
  const over =
    decl !== undefined && ts.isVariableDeclaration(decl) && ts.isForOfStatement(decl.parent.parent) ? decl.parent.parent.expression
    : decl !== undefined && ts.isParameter(decl) && decl.parent.parameters[0] === decl && ts.isCallExpression(decl.parent.parent) && ts.isPropertyAccessExpression(decl.parent.parent.expression) ? decl.parent.parent.expression.expression
    : undefined;
  const held = over === undefined ? undefined : skipOuter(over);
  const ids = held !== undefined && ts.isIdentifier(held) ? app.constInitializer(held) : held;
  const map = ids === undefined ? undefined : skipOuter(ids);
  if (map === undefined || !ts.isCallExpression(map) || !ts.isPropertyAccessExpression(map.expression) || map.expression.name.text !== "map") return undefined;
  const cb = map.arguments[0] === undefined ? undefined : skipOuter(map.arguments[0]);
  const param = cb !== undefined && ts.isArrowFunction(cb) && !ts.isBlock(cb.body) ? cb.parameters[0] : undefined;
  const answer = param === undefined ? undefined : skipOuter((cb as ts.ArrowFunction).body as ts.Expression);
  if (answer === undefined) return undefined;
  if (ts.isPropertyAccessExpression(answer) && ts.isIdentifier(skipOuter(answer.expression)) && app.symbol(skipOuter(answer.expression) as ts.Identifier) === app.symbol(param!.name as ts.Identifier)) return { row: param!, field: answer.name.text };
  return ts.isIdentifier(answer) ? destructured(app, answer) : undefined;
}

/**
 * The table of a row (an expression, or the declaration of a variable or callback parameter
 * holding it): by its type (its `_id`'s `Id<"t">`), else, the type unknown (a `for...of` the
 * audit's libraries leave untyped), by the query it comes from: `for (const r of await
 * ctx.db.query("t").take(20))`, `const r = await ctx.db.query("t").first()`, `rows.map((r) =>
 * ...)`, or a `const` holding the rows.
 */
function rowTable(app: App, row: ts.Node): string | undefined {
  const at = ts.isVariableDeclaration(row) || ts.isParameter(row) ? row.name : row;
  const id = app.checker.getPropertyOfType(app.checker.getApparentType(app.checker.getTypeAtLocation(at)), "_id");
  const typed = id === undefined ? undefined : idTypeTable(app, app.checker.getTypeOfSymbolAtLocation(id, at), at);
  if (typed !== undefined) return typed;
  if (ts.isVariableDeclaration(row)) return queried(ts.isForOfStatement(row.parent.parent) ? row.parent.parent.expression : row.initializer);
  // A callback's first parameter, the callback given to `rows.map` (`forEach`, `filter`...).
  const call = ts.isParameter(row) && row.parent.parameters[0] === row ? row.parent.parent : undefined;
  if (call !== undefined && ts.isCallExpression(call) && call.arguments[0] === row.parent && ts.isPropertyAccessExpression(call.expression)) return queried(call.expression.expression);
  const decl = ts.isIdentifier(skipOuter(row as ts.Expression)) ? app.symbol(skipOuter(row as ts.Expression))?.valueDeclaration : undefined;
  return decl !== undefined && (ts.isVariableDeclaration(decl) || ts.isParameter(decl)) ? rowTable(app, decl) : undefined;

  /** The table of the first `ctx.db.query("t")` in `from` (or in the `const` it names). */
  function queried(from: ts.Expression | undefined): string | undefined {
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
}
