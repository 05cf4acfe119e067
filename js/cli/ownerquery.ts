// Deletes of rows the caller owns: every row was selected by an equality with the caller's own
// id, and the delete names that row's `_id`:
//
//   const mine = await ctx.db.query("documents").withIndex("by_owner", (q) => q.eq("ownerId", (await guard.requireUser(ctx))._id)).collect();
//   for (const d of mine) await ctx.db.delete(d._id);
//
// In a table under `access.tables` the equality must be on the table's configured owner field,
// read from the configuration (config.ts: an object literal or `const`s holding one, spread or
// not) of the guard whose call answered the caller's row (guards.ts); when it cannot be read, no
// delete is counted as an owner's (and the report warns). When that guard cannot be followed, a
// field counts only when every guard of the app names it. In any other table of the app's own
// (a user's drafts, sessions, preferences: no access model decides who holds them), an equality
// on any field but `_id` holds only the caller's rows; not in a users table, nor in the guard's
// own tables, nor when some guard's `access.tables` cannot be read (the table may be one).
import ts from "typescript";
import { isCallerId } from "./callerid.js";
import { accessTableFields, literalThrough } from "./config.js";
import { isDatabase, scopedTable } from "./facts-syntax.js";
import { callParameters } from "./paramflow.js";
import { answersOf } from "./flow.js";
import { levelArgument } from "./levelat.js";
import { constValue, queriedRows } from "./queriedrows.js";
import { CALLER, CONVEX, GUARD, type AuthCheck } from "./facts.js";
import { appGuards, consult } from "./guards.js";
import { isFunctionLike, skipOuter, within, type App } from "./program.js";
import { guardTables, usersTables } from "./writes.js";

/** Query methods that only order or narrow the rows of the query below them. */
const NARROWING = new Set(["withIndex", "withSearchIndex", "filter", "order"]);

/** The caller's own rows a delete names: the table, the field equal to the caller's id, whether it is the table's configured owner field, and whether a JS `.filter` (not the query) kept them. */
export interface OwnRows {
  table: string;
  field: string;
  owner: boolean;
  kept?: boolean;
  /** A spent invitation: the field of the row `guard.acceptGroupInvite` was given before its delete (spentinvite.ts). */
  accepted?: string;
}

/** What a delete of the caller's own rows deletes, in its finding: `rows`, or the row an argument (`compared`) names whose owner comparison decides. */
export function ownRowsText(owned: { rows?: OwnRows; compared?: string }): string {
  if (owned.rows === undefined) return `row (read by the id argument '${owned.compared}' names, left unless its field compared with the caller's id matches)`;
  const { table, field, owner, kept, accepted } = owned.rows;
  if (accepted !== undefined) return `spent invitation (the row of table '${table}' selected by its field '${field}', after guard.acceptGroupInvite on its field '${accepted}': the caller is a member of the group it names; access.tables does not list the table)`;
  const how = kept === true ? "kept by a JavaScript filter of" : "selected by";
  return owner ? `documents (${how} their owner field '${field}' equal to the caller's id)` : `rows of table '${table}' (${how} their field '${field}' equal to the caller's id; access.tables does not list the table)`;
}

/** One guard's `access.tables`: each table's owner field (when it has one), and every table named. */
interface AccessTables {
  owners: Map<string, string>;
  tables: Set<string>;
}

const configs = new WeakMap<ts.Node, AccessTables | null>();

function accessTables(app: App, guard: ts.CallExpression): AccessTables | null {
  let known = configs.get(guard);
  if (known !== undefined) return known;
  known = readAccessTables(app, guard);
  configs.set(guard, known);
  return known;
}

/** `access.tables.<table>.owner` of one `defineGuard` call's configuration; null when not readable. */
export function ownerFields(app: App, guard: ts.CallExpression): Map<string, string> | null {
  return accessTables(app, guard)?.owners ?? null;
}

/** What the audit does with a caller's row whose guard it cannot follow: said in the report's warning. */
const OWNERS_JUDGED = "the tables' owner fields (a delete counts as one of the caller's own rows only when every guard names that owner field)";

/** The owner field of `table` for the caller's row `by` answered (null: a guard call not known, so every guard): the same in every guard it may be, else none. */
function ownerOf(app: App, by: ts.CallExpression | null, table: string): string | undefined {
  const owners = consult(app, by ?? undefined, OWNERS_JUDGED).map((g) => ownerFields(app, g)?.get(table));
  return owners.length > 0 && owners.every((o) => o === owners[0]) ? owners[0] : undefined;
}

/**
 * Whether `table` is one of the app's own that no guard's access model covers: under no guard's
 * `access.tables` (every one read), neither a users table nor one of the guard's own tables.
 */
export function unmodelledTable(app: App, table: string): boolean {
  const guards = appGuards(app);
  if (guards.length === 0 || usersTables(app).includes(table) || guardTables(app).has(table)) return false;
  return guards.every((g) => {
    const read = accessTables(app, g);
    return read !== null && !read.tables.has(table);
  });
}

/** What the audit does without the owner fields: said in the report's configuration warning. */
const OWNERS_IGNORED = "the tables' owner fields (access.tables: no delete counts as one of the caller's own rows, so each stays high)";

function readAccessTables(app: App, guard: ts.CallExpression): AccessTables | null {
  const tables = accessTableFields(app, guard, ["owner"] as const, OWNERS_IGNORED);
  if (tables === null) return null;
  const owners = new Map<string, string>();
  for (const [table, { owner }] of tables) if (owner !== undefined) owners.set(table, owner);
  return { owners, tables: new Set(tables.keys()) };
}

/**
 * The fields a query (`ctx.db.query(t)` narrowed by `withIndex`, `withSearchIndex`, `filter` and
 * `order` only, as `e`) holds equal to a value `value` recognizes (answering what it is), with the
 * table `t`: `(q) => q.eq("ownerId", x)` index ranges (each part of `q.eq("a", y).eq("ownerId",
 * x).gt(...)`), a search index's filter fields read the same (`(q) => q.search("title",
 * s).eq("ownerId", x)`), and `(q) => q.eq(q.field("ownerId"), x)` filters. Undefined for anything else.
 */
export function queryEqualities<T>(app: App, e: ts.Expression, value: (e: ts.Expression) => T | undefined): { table: string; found: { field: string; by: T }[] } | undefined {
  const equalities = (callback: ts.Expression | undefined, index: boolean): { field: string; by: T }[] => {
    const fnValue = callback === undefined ? undefined : skipOuter(callback);
    if (fnValue === undefined || !ts.isArrowFunction(fnValue) || ts.isBlock(fnValue.body) || fnValue.parameters.length !== 1) return [];
    const q = fnValue.parameters[0]!.name;
    if (!ts.isIdentifier(q)) return [];
    const isQ = (n: ts.Expression) => ts.isIdentifier(n) && n.text === q.text;
    const out: { field: string; by: T }[] = [];
    let node = skipOuter(fnValue.body);
    if (!index) {
      if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression) || node.expression.name.text !== "eq" || !isQ(skipOuter(node.expression.expression))) return [];
      const [a, b] = node.arguments.map((x) => skipOuter(x));
      for (const [field, x] of [[a, b], [b, a]] as const) {
        if (field === undefined || x === undefined || !ts.isCallExpression(field) || !ts.isPropertyAccessExpression(field.expression)) continue;
        const name = field.arguments[0];
        const by = field.expression.name.text === "field" && isQ(skipOuter(field.expression.expression)) && name !== undefined && ts.isStringLiteralLike(name) ? value(x) : undefined;
        if (by !== undefined) out.push({ field: (name as ts.StringLiteralLike).text, by });
      }
      return out;
    }
    while (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const [field, x] = node.arguments;
      const by = node.expression.name.text === "eq" && field !== undefined && x !== undefined && ts.isStringLiteralLike(field) ? value(x) : undefined;
      if (by !== undefined) out.push({ field: (field as ts.StringLiteralLike).text, by });
      node = skipOuter(node.expression.expression);
    }
    return isQ(node) ? out : [];
  };
  const found: { field: string; by: T }[] = [];
  let node = skipOuter(e);
  while (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
    const method = node.expression.name.text;
    if (method === "query") {
      const convex = app.calleeFrom(node, CONVEX);
      const table = node.arguments[0] ?? scopedTable(app, node);
      if (convex?.name !== "query" || !isDatabase(convex.owner) || table === undefined || !ts.isStringLiteralLike(table)) return undefined;
      return { table: table.text, found };
    }
    if (!NARROWING.has(method)) return undefined;
    if (method !== "order") found.push(...equalities(method.startsWith("with") ? node.arguments[1] : node.arguments[0], method.startsWith("with")));
    node = skipOuter(node.expression.expression);
  }
  return undefined;
}

/**
 * A test on a delete's id, in `handler`: the `_id` of a row every row of which has the owner
 * field equal to the caller's id (or, in a table outside the access model, any field but `_id`),
 * answered with that table and field. `builderGuard`: the builder's
 * call (the guard's builders and `guard.customCtx`) when the handler's `ctx.user` is the caller's row.
 */
export function ownerRows(app: App, handler: ts.SignatureDeclaration, builderGuard: ts.CallExpression | undefined): (target: ts.Expression) => OwnRows | undefined {
  const ctxParam = handler.parameters[0]?.name;
  const ctxSymbol = builderGuard !== undefined && ctxParam !== undefined && ts.isIdentifier(ctxParam) ? app.symbol(ctxParam) : undefined;

  // `user._id` of `const user = await guard.requireUser(ctx)`, `ctx.user._id` in a builder's
  // handler, or a `const` copy of either: answered with the guard's call that gave the row; any
  // other caller's id (callerid.ts: an app helper answering the caller's row), with null.
  const callerId = (e: ts.Expression, depth = 0): ts.CallExpression | null | undefined => {
    e = skipOuter(e);
    if (ts.isIdentifier(e)) {
      const value = depth < 3 ? constValue(app, e, handler) : undefined;
      return value === undefined ? undefined : callerId(value, depth + 1);
    }
    if (!ts.isPropertyAccessExpression(e) || e.questionDotToken !== undefined || e.name.text !== "_id") return undefined;
    const user = skipOuter(e.expression);
    if (ctxSymbol !== undefined && ts.isPropertyAccessExpression(user) && user.questionDotToken === undefined && user.name.text === "user") {
      const ctx = skipOuter(user.expression);
      if (ts.isIdentifier(ctx) && app.symbol(ctx) === ctxSymbol) return builderGuard;
    }
    const made = constValue(app, user, handler);
    const call = made === undefined ? undefined : skipOuter(made);
    if (call !== undefined && ts.isCallExpression(call) && CALLER.has(app.calleeFrom(call, GUARD)?.name ?? "")) return call;
    return ts.isIdentifier(user) && isCallerId(app, e) ? null : undefined;
  };

  // A query (`ctx.db.query(t)...`) whose rows all hold the caller's id in `t`'s owner field (any
  // field but `_id` of a table outside the access model).
  const ownedQuery = (e: ts.Expression): OwnRows | undefined => {
    const query = queryEqualities(app, e, callerId);
    if (query === undefined) return undefined;
    const { table, found } = query;
    const owned = found.find((f) => f.field === ownerOf(app, f.by, table));
    if (owned !== undefined) return { table, field: owned.field, owner: true };
    const mine = found.find((f) => f.field !== "_id");
    return mine !== undefined && unmodelledTable(app, table) ? { table, field: mine.field, owner: false } : undefined;
  };

  const rows = queriedRows(app, handler);
  // A `.filter`/`.slice` of the caller's own rows keeps only rows of theirs; a JS filter to the
  // caller's own (callerid.ts `keepsOwnRows`) keeps theirs of any rows, by the same fields.
  return (target) => {
    const query = rows(target);
    const table = query?.kept === undefined ? undefined : queryEqualities(app, query.query, () => undefined)?.table;
    const field = query?.kept;
    if (query === undefined || table === undefined || field === undefined) return query === undefined ? undefined : ownedQuery(query.query);
    if (field === ownerOf(app, null, table)) return { table, field, owner: true, kept: true };
    return ownedQuery(query.query) ?? (unmodelledTable(app, table) ? { table, field, owner: false, kept: true } : undefined);
  };
}

/**
 * The document checks `ownerChecks` returned, as a test on a delete's id: `ctx.doc._id` (the
 * builder's `access`), `doc._id` of `const { doc } = await guard.requireAccess(..., "owner")` (or
 * `r.doc._id` of `const r = ...`), the same of `guard.readable(...)`, whose answer has that shape
 * too (`{ doc, accessLevel, source }`, or null), and of an app helper handing on a
 * `requireAccess` answer at the check's level. The caller judges the level: functions.ts passes
 * the checks at the guard's owner level (levels.ts `atOwnerLevel`: the last of its
 * `access.levels`, "owner" when they cannot be read, as before). Only `const` bindings in the
 * handler itself: a `let` may be given another document.
 */
export function ownedDocuments(app: App, handler: ts.SignatureDeclaration, ownerChecks: AuthCheck[], field = "_id"): (target: ts.Expression) => boolean {
  const docs = new Set<string>();
  const results = new Set<string>();
  const ctxParam = handler.parameters[0]?.name;
  // The builder checked `ctx.doc` before the handler runs.
  if (ownerChecks.some((a) => a.targetArg !== undefined) && ctxParam !== undefined && ts.isIdentifier(ctxParam)) results.add(ctxParam.text);
  for (const check of ownerChecks) {
    const call = check.target?.parent;
    if (call === undefined || !ts.isCallExpression(call) || !within(call, handler)) continue;
    // The guard's own call, or an app helper that returns its `requireAccess` answer as is.
    const method = skipOuter(call.expression);
    const name = ts.isPropertyAccessExpression(method) ? method.name.text : "";
    const direct = !check.via.includes(" -> ") && ((call.arguments[2] === check.target && (name === "requireAccess" || name === "readable")) || (call.arguments[3] === check.target && (name === "requireAccessFor" || name === "readableFor"))); // a named user's (namedusers.ts)
    const handed = direct ? "answer" : check.via.includes(" -> ") ? handsOnAccess(app, call, check.target!, check.minLevel) : undefined;
    if (handed === undefined) continue;
    let node: ts.Node = call;
    while (ts.isAwaitExpression(node.parent) || ts.isParenthesizedExpression(node.parent)) node = node.parent;
    const decl = node.parent;
    if (!ts.isVariableDeclaration(decl) || decl.initializer !== node || (ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const) === 0) continue;
    if (ts.isIdentifier(decl.name)) (handed === "doc" ? docs : results).add(decl.name.text);
    else if (handed === "doc") continue;
    else if (ts.isObjectBindingPattern(decl.name)) {
      for (const e of decl.name.elements) {
        const key = e.propertyName ?? e.name;
        if (ts.isIdentifier(key) && key.text === "doc" && ts.isIdentifier(e.name) && e.dotDotDotToken === undefined) docs.add(e.name.text);
      }
    }
  }
  const isName = (e: ts.Expression, names: Set<string>) => ts.isIdentifier(e) && names.has(e.text);
  // The document, also through a `const`: `const { doc } = r`, `const d = r.doc`.
  const isDoc = (e: ts.Expression, depth: number): boolean => {
    const doc = skipOuter(e);
    if (isName(doc, docs) || (ts.isPropertyAccessExpression(doc) && doc.name.text === "doc" && isName(skipOuter(doc.expression), results))) return true;
    const from = ts.isIdentifier(doc) && depth < 3 ? constSource(app, doc) : undefined;
    return from !== undefined && (from.key === undefined ? isDoc(from.value, depth + 1) : from.key === "doc" && isName(skipOuter(from.value), results));
  };
  // Its `_id` (or another `field`: `doc.folderId`), also through a `const`: `const id = doc._id`, `const { _id } = doc`.
  const isId = (e: ts.Expression, depth: number): boolean => {
    const t = skipOuter(e);
    if (ts.isPropertyAccessExpression(t)) return t.name.text === field && isDoc(t.expression, 0);
    const from = ts.isIdentifier(t) && depth < 3 ? constSource(app, t) : undefined;
    return from !== undefined && (from.key === undefined ? isId(from.value, depth + 1) : from.key === field && isDoc(from.value, 0));
  };
  return (target) => isId(target, 0);
}

/** Whether two expressions are the same value: the same variable (through `const` copies, `const orgId = doc.orgId`) or the same field of one (`doc.orgId`). */
export function sameValue(app: App, a: ts.Expression, b: ts.Expression, depth = 0): boolean {
  const through = (e: ts.Expression) => {
    let x = skipOuter(e);
    for (let i = 0; i < 4 && ts.isIdentifier(x); i++) x = app.constInitializer(x) ?? x;
    return x;
  };
  const [x, y] = [through(a), through(b)];
  if (ts.isIdentifier(x) && ts.isIdentifier(y)) return app.symbol(x) !== undefined && app.symbol(x) === app.symbol(y);
  return depth < 4 && ts.isPropertyAccessExpression(x) && ts.isPropertyAccessExpression(y) && x.name.text === y.name.text && sameValue(app, x.expression, y.expression, depth + 1);
}

/** What a `const` name holds: its initializer (`const d = x`), or the key it takes from one (`const { doc } = x`: key `doc` of `x`). */
export function constSource(app: App, name: ts.Identifier): { value: ts.Expression; key?: string } | undefined {
  const init = app.constInitializer(name);
  if (init !== undefined) return { value: init };
  const decl = app.symbol(name)?.valueDeclaration; // a shorthand's (`{ id }`) variable's too
  if (decl === undefined || !ts.isBindingElement(decl) || decl.dotDotDotToken !== undefined || !ts.isObjectBindingPattern(decl.parent)) return undefined;
  const holder = decl.parent.parent;
  const key = decl.propertyName ?? decl.name;
  if (!ts.isVariableDeclaration(holder) || holder.initializer === undefined || !(ts.getCombinedNodeFlags(holder) & ts.NodeFlags.Const) || !ts.isIdentifier(key)) return undefined;
  return { value: holder.initializer, key: key.text };
}

/**
 * The argument whose id `value` is as the `_id` of the document a check of `checks` on that
 * argument answered (`ctx.doc._id`, `doc._id`, `r.doc._id`: `ownedDocuments`), with that check:
 * the same id, covered as the argument is. `argOf` names the argument a check was made on.
 */
export function checkedDocArg(app: App, handler: ts.SignatureDeclaration, checks: AuthCheck[], argOf: (a: AuthCheck) => string | undefined, value: ts.Expression): { arg: string; check: AuthCheck } | undefined {
  if (!within(value, handler)) return undefined;
  for (const check of checks) {
    const arg = check.level === "document" ? argOf(check) : undefined;
    if (arg !== undefined && ownedDocuments(app, handler, [check])(value)) return { arg, check };
  }
  return undefined;
}

/**
 * What `call`, of an app helper, hands on when its every `return` hands on the guard's
 * `requireAccess(ctx, t, param, level)` on the parameter `target` is given for, at `level` as
 * written or as the call passes it (a literal or a const holding one, also to a parameter of the
 * helper, or its default: levelat.ts `levelArgument`; the caller judges whether that level is
 * the owner one): the answer as is ("answer": `async function requireOwner(ctx, id) { return
 * await guard.requireAccess(ctx, "documents", id, "owner"); }`), or its `doc` ("doc": `const {
 * doc } = await guard.requireAccess(...); return doc;`, `return r.doc`); or, up to three helpers
 * deep, what another such helper it returns the answer of hands on (`return await
 * requireTaskAt(ctx, taskId, level)`), its level read through both calls (`up`). Undefined for
 * anything else, or a mix of both.
 */
function handsOnAccess(app: App, call: ts.CallExpression, target: ts.Expression, level: string | undefined, up = (e: ts.Expression) => e, depth = 0): "answer" | "doc" | undefined {
  const helper = app.appFunction(call);
  const param = helper === undefined ? undefined : callParameters(helper)[call.arguments.indexOf(target)]?.name;
  const body = helper !== undefined && isFunctionLike(helper) ? (helper as ts.FunctionLikeDeclaration).body : undefined;
  if (body === undefined || param === undefined || !ts.isIdentifier(param) || level === undefined) return undefined;
  const returned = answersOf(helper!);
  // What a `const` of the helper's own holds (`const r = ...`, `const { doc } = ...`).
  const local = (x: ts.Expression, depth: number) => {
    const decl = ts.isIdentifier(x) && depth < 3 ? app.symbol(x)?.valueDeclaration : undefined;
    return decl !== undefined && within(decl, body) ? constSource(app, x as ts.Identifier) : undefined;
  };
  // The guard's `requireAccess` on the parameter at the level, in the helper: its call, or a `const` holding its answer.
  const isAnswer = (e: ts.Expression, depth: number): boolean => {
    const x = skipOuter(e);
    const held = local(x, depth);
    if (held !== undefined) return held.key === undefined && isAnswer(held.value, depth + 1);
    if (!ts.isCallExpression(x) || app.calleeFrom(x, GUARD)?.name !== "requireAccess" || x.arguments[3] === undefined) return false;
    const id = x.arguments[2] === undefined ? undefined : skipOuter(x.arguments[2]);
    return literalThrough(app, up(levelArgument(app, x.arguments[3], helper!, call))) === level && id !== undefined && ts.isIdentifier(id) && id.text === param.text;
  };
  // Its `doc`: `(await guard.requireAccess(...)).doc`, `r.doc`, `doc` of `const { doc } = ...`, also through a `const`.
  const isDoc = (e: ts.Expression, depth: number): boolean => {
    const x = skipOuter(e);
    if (ts.isPropertyAccessExpression(x)) return x.questionDotToken === undefined && x.name.text === "doc" && isAnswer(x.expression, 0);
    const from = local(x, depth);
    return from !== undefined && (from.key === undefined ? isDoc(from.value, depth + 1) : from.key === "doc" && isAnswer(from.value, 0));
  };
  // Another app helper's answer, given the parameter: what that helper hands on (its levels read through this call too).
  const inner = (e: ts.Expression) => {
    const x = skipOuter(e);
    const id = ts.isCallExpression(x) && depth < 2 && app.calleeFrom(x, GUARD) === undefined ? x.arguments.find((a) => ts.isIdentifier(skipOuter(a)) && (skipOuter(a) as ts.Identifier).text === param.text) : undefined;
    return id === undefined ? undefined : handsOnAccess(app, x as ts.CallExpression, id, level, (l) => up(levelArgument(app, l, helper!, call)), depth + 1);
  };
  const kinds = new Set(returned.map((r) => (r === undefined ? undefined : isAnswer(r, 0) ? "answer" : isDoc(r, 0) ? "doc" : inner(r))));
  const [kind] = kinds;
  return kinds.size === 1 ? kind : undefined;
}
