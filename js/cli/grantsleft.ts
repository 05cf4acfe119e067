// Deletes that leave a document's grants behind, for `grants-left`: a document of a table under
// some guard's `access.tables` deleted with `ctx.db.delete` keeps its `accessGrants` rows, which
// nothing removes afterwards (guard.listAccessible keeps reading them: pages with fewer rows, or
// none, and `isDone: false`). guard.deleteDocument deletes them with the document:
//
//   const { doc } = await guard.requireAccess(ctx, "documents", id, "owner");
//   await ctx.db.delete(doc._id);                          // grants-left: its grants stay
//   await guard.deleteDocument(ctx, "documents", id);      // the document and its grants: not reported
//
// Judged in every function (an internal one too: a cleanup job leaves grants as well), for each
// `ctx.db.delete` it makes or an app function it calls makes (facts.ts `deletes`). The deleted
// table is the one writes.ts knows (a table argument, `v.id("t")`, a row read from
// `ctx.db.query("t")`, ...), else `doc._id` of a guard document check (accessfields.ts), else
// `ctx.doc._id` in a builder's handler: the table of the `access: { table }` written in its
// definition object, else the id's type (`Id<"documents">`); a delete whose table
// is still unknown is not reported, nor one of a table no guard lists under `access.tables`
// (every guard's is read: a table any guard lists is an access table). Not reported either when
// the function (or an app function it calls) calls guard.revoke or guard.listGrants on that same
// table, its table argument a string literal or a `const` holding one, as the audit counts a
// check (not made on some paths only, its throw not caught), or in the handler on every path to
// the delete (confirmgate.ts `somePathsOnly`: after `if (!r.ok) return { error: r.error }` too,
// in the loop that deletes): the app removes the grants itself.
// Neither the id revoked nor the order of the calls is compared. Nor when the function deletes a
// row of the grants table read by the app (`ctx.db.delete(g._id)` of a row of
// `ctx.db.query("accessGrants")`, writes.ts): an operator who holds no level on the document (an
// admin emptying a team) removes its grants by hand, as listGrants and revoke answer NOT_FOUND to
// them; neither the document nor the table the rows were read for is compared.
import ts from "typescript";
import { accessTableFields } from "./config.js";
import { somePathsOnly } from "./confirmgate.js";
import { leaves } from "./rollback.js";
import { checkedTable, typeTable, type AccessContext } from "./accessfields.js";
import { GUARD, type Facts } from "./facts.js";
import { appGuards } from "./guards.js";
import { skipOuter, type App, type Loc } from "./program.js";

/** A delete of a document of an access table, with no revoke of that table's grants seen. */
export interface GrantsLeft extends Loc {
  table: string;
}

/** What the audit does without a guard's `access.tables`: said in the report's configuration warning. */
const TABLES_IGNORED = "the tables under access.tables (grants-left judges no delete of that guard's tables)";

const read = new WeakMap<ts.Node, Set<string> | null>();

/** The tables under one guard's `access.tables`; null when they cannot be read (and the report warns). */
function accessTables(app: App, guard: ts.CallExpression): Set<string> | null {
  let known = read.get(guard);
  if (known === undefined) {
    const tables = accessTableFields(app, guard, [] as const, TABLES_IGNORED);
    read.set(guard, (known = tables === null ? null : new Set(tables.keys())));
  }
  return known;
}

/** `ctx.doc._id` in a builder's handler: the table its `access: { table }` names, written in the builder's definition object. */
function builderTable(c: AccessContext, builder: ts.CallExpression | undefined, target: ts.Expression): string | undefined {
  const id = skipOuter(target);
  const definition = builder?.arguments[builder.arguments.length - 1];
  const ctx = c.handler.parameters[0]?.name;
  if (definition === undefined || !ts.isObjectLiteralExpression(definition) || ctx === undefined || !ts.isIdentifier(ctx)) return undefined;
  if (!ts.isPropertyAccessExpression(id) || id.name.text !== "_id") return undefined;
  const doc = skipOuter(id.expression);
  if (!ts.isPropertyAccessExpression(doc) || doc.name.text !== "doc" || !ts.isIdentifier(skipOuter(doc.expression)) || (skipOuter(doc.expression) as ts.Identifier).text !== ctx.text) return undefined;
  const access = named(definition, "access");
  return access !== undefined && ts.isObjectLiteralExpression(access) ? c.tableName(named(access, "table")) : undefined;
}

/** The value of property `name` of an object literal, written `name: value` (the last one; none after a spread). */
function named(object: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  let found: ts.Expression | undefined;
  for (const p of object.properties) {
    if (ts.isSpreadAssignment(p)) found = undefined;
    else if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === name) found = skipOuter(p.initializer);
  }
  return found;
}

/** Guard calls that show the app removing a document's grants itself. */
const REVOKES = new Set(["revoke", "listGrants"]);

/**
 * The deletes of `facts` that leave grants: `known` answers a delete's table as writes.ts knows
 * it (undefined when it does not), `c` the handler's scope for a guard check's `doc._id`.
 */
export function grantsLeft(app: App, facts: Facts, c: AccessContext, known: (d: Facts["deletes"][number]) => string | undefined, builder: ts.CallExpression | undefined): GrantsLeft[] {
  const deletes = facts.deletes.filter((d) => d.byGuard !== true && d.target !== undefined);
  if (deletes.length === 0) return [];
  const tables = new Set(appGuards(app).flatMap((g) => [...(accessTables(app, g) ?? [])]));
  if (tables.size === 0) return [];
  const revoked = new Set<string>();
  for (const a of facts.auth) {
    if (a.guardCall === undefined || !REVOKES.has(app.calleeFrom(a.guardCall, GUARD)?.name ?? "")) continue;
    const table = c.tableName(a.guardCall.arguments[1]);
    if (table !== undefined) revoked.add(table);
  }
  // The handler's own revokes, each with its table: counted for a delete they are made on every path to.
  const own: { call: ts.CallExpression; table: string }[] = [];
  const visit = (n: ts.Node): void => {
    const table = ts.isCallExpression(n) && REVOKES.has(app.calleeFrom(n, GUARD)?.name ?? "") ? c.tableName(n.arguments[1]) : undefined;
    if (table !== undefined) own.push({ call: n as ts.CallExpression, table });
    ts.forEachChild(n, visit);
  };
  visit(c.handler);
  const out: GrantsLeft[] = [];
  for (const d of deletes) {
    const table = known(d) ?? checkedTable(app, c, d.target!) ?? builderTable(c, builder, d.target!) ?? typeTable(app, d.target!);
    const onPath = (r: (typeof own)[number]) => r.table === table && d.call !== undefined && !somePathsOnly(r.call, d.call, leaves);
    if (table !== undefined && tables.has(table) && !revoked.has(table) && !own.some(onPath)) out.push({ file: d.file, line: d.line, table });
  }
  return out;
}
