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
//   orgId, level)`, `requireAccess`, the builder's `access`; or `ctx.doc._id`, that argument's id), or
//   to the value such a check is made on (`requireGroupLevel(ctx, doc.orgId, level)`, ownerquery.ts `sameValue`),
//   as unchecked: but such rows have their own access (the table is under access.tables), so a field
//   that is not the table's parent or owner field is reported medium (listselection.ts `byCheck`:
//   the workspace's projects after a membership check, a private one included: newuser36 F3);
// - by `_id` (unchecked-id-read's), or by a `.filter` it does not read that names the owner,
//   parent or visibility field (`q.neq`: unsure), a `q.or` only when each branch ties the rows;
// - in a function whose role or permission check decides (roles.ts `decidesAccess`);
// - rows handed on only to `guard.readable`/`readableMany` (`rows.map((r) => guard.readable(ctx,
//   t, r._id))`), whose answer is what leaves (or the rows kept by its index, keptbyindex.ts),
//   or only through a JS `filter`/`find` to the caller's own (callerid.ts `keepsOwnRows`) or to
//   public ones (`l.visibility === "public"`: `publicValue`, as in the query; or either, as a
//   `q.or` of both: `l.ownerId === user._id || l.visibility === "public"`), of the read itself
//   or of a `const` holding it, or pushed in a loop only for such a row
//   (`pushesOwnRows`: `if (r.ownerId !== user._id) continue; out.push(r)`), when what leaves holds
//   those rows alone (`onlyChecked`: a callback that only reads, the kept array not changed after,
//   the loop's own row pushed, the visibility or owner field written nowhere: attack40).
// Also a query made in an app helper whose answer the handler returns (`return await listAll(ctx)`),
// reported at the query, as a delete or write made in a helper is (`listings`), and a relay made there (`helperRelays`). Internal functions
// and actions (no `ctx.db`) are not judged but through a public function returning what they return.
import ts from "typescript";
import { aliases, pageMetaOnly, pushedInto, returns, rowHolders } from "./aliases.js";
import { arrayChanged, changedInPlace, fieldWritten, writeTarget } from "./changed.js";
import { ArgFlow, chainEnd, returned } from "./argflow.js";
import { accessTables, tableFields } from "./accessfields.js";
import { publicValue, selection } from "./listselection.js";
import { narrowedQuery } from "./childquery.js";
import { isCallerId, keepsOwnRows, keepsRowsBy, pushesOwnRows, rowOf } from "./callerid.js";
import { keptByAnswer } from "./keptbyindex.js";
import { literalThrough } from "./config.js";
import { enclosingFunction, mentionsName } from "./facts-syntax.js";
import { RUNS, type AuthCheck, type FactsFinder } from "./facts.js";
import { deniedOffPath, roleCoversListing } from "./eitheror.js";
import { deniedNote } from "./decidedbranch.js";
import { reachedCalls, reachedQueries, type Exit } from "./helperreads.js";
import { reference } from "./follow.js";
import { outer } from "./flow.js";
import type { ConvexFunction } from "./functions.js";
import { answersNoDocument } from "./nodocument.js";
import { queryEqualities } from "./ownerquery.js";
import { GUARD, isFunctionLike, skipOuter, within, type App, type Loc } from "./program.js";

export { publicValue, selection };
import { anyCaller, decidesAccess } from "./roles.js";
import { covers, finding, type Finding } from "./rules.js";

/** The guard calls that check each document they are given and answer only what the caller may read. */
const CHECKS_EACH = new Set(["readable", "readableMany"]);

/** A listing a function returns: where the query is, its table, how it selects its rows (`render`: with each argument named as a caller of the function passes it), the arguments it selects by, and the app helper it is made in. */
interface Listing {
  at: Loc;
  table: string;
  how: string;
  params: string[];
  render: (name: (arg: string) => string) => string;
  through?: string;
  /** Selected only by a field equal to an argument a document or group check covers (listselection.ts): rows that have their own access. */
  byCheck?: true;
}

/** `unchecked-list` findings of every public query and mutation of the app, and of a public function returning what one it runs returns. */
export function uncheckedListFindings(app: App, functions: readonly ConvexFunction[], finder: FactsFinder): Finding[] {
  const tables = accessTables(app);
  if (tables.size === 0) return [];
  const byId = new Map(functions.map((f) => [f.id, f]));
  const memo = new Map<ConvexFunction, Listing[]>();
  const listingsOf = (f: ConvexFunction) => memo.get(f) ?? memo.set(f, listings(app, f, tables, finder)).get(f)!;
  const out: Finding[] = [];
  for (const fn of functions) {
    const handler = fn.handler;
    if (handler === undefined || fn.visibility !== "public" || fn.library !== null || decidesAccess(fn.facts.auth)) continue;
    const report = (who: string, at: Loc, l: Listing) => {
      // The decision a write on its denied path undid, named (attack47 FP5).
      const message = l.byCheck
        ? `${who} lists '${l.table}' rows ${l.how}: each row has its own access (its owner and grants under access.tables), yet every row selected is returned to whoever passes that check, a row they hold no level on included; filter them through guard.readableMany(ctx, "${l.table}", ids)${deniedNote(fn.facts.loose)}`
        : `${who} returns the rows of '${l.table}' (under access.tables) ${l.how}, to ${anyCaller(fn.facts.auth)}: no row is checked against the caller's access, so a caller reads documents they hold no level on${deniedNote(fn.facts.loose)}`;
      const f = finding("unchecked-list", fn.id, at, message, listFix(l.table, tableFields(app, l.table, "owner")[0]));
      if (!out.some((f) => f.function === fn.id && f.file === at.file && f.line === at.line)) out.push(l.byCheck ? { ...f, severity: "medium" } : f);
    };
    for (const l of listingsOf(fn)) report(l.through === undefined ? fn.id : `${fn.id} (through ${l.through})`, l.at, l);
    // The answer of a function it runs (follow.ts), an action's too (not an HTTP action's Response, as follow.ts), when that one lists rows by no argument of its own,
    // or by ones (no check of its own covers) each given one of the caller's arguments that no document or group check of the caller covers, nor a comparison of its document's field:
    // named as the caller's ("equal to argument 'org'"); any other value (a literal, the caller's id, a value not an argument) or a relay made in a helper: unsure, not reported.
    // Also a relay made in an app helper whose answer the handler returns (helperreads.ts), reported at the call: "f:list (through listAll, internal.lists.all, ctx.runQuery)".
    const calls = fn.kind === "query" || fn.kind === "mutation" || fn.kind === "action" ? [...fn.calls.filter((c) => c.returned).map((c) => ({ ...c, exits: [] as Exit[], body: handler, through: undefined })), ...helperRelays(app, handler)] : [];
    for (const call of calls) {
      const callee = byId.get(call.target);
      if (callee === undefined || callee === fn || callee.library !== null) continue;
      const leaves = (table: string) => [{ body: call.body, call: call.node }, ...call.exits].every((x) => !onlyChecked(app, x.body, x.call, table));
      // `checked`: also one a document or group check of the caller covers (its rows have their own access: reported medium, as a listing by it made in the caller).
      const given = (param: string, checked = false) => {
        const ps = "passes" in call ? call.passes.filter((p) => p.param === param) : [];
        return ps.length === 1 && !ps[0]!.compared && (checked || !covers(fn.checkedArgs, ps[0]!.arg)) ? ps[0]!.arg : undefined;
      };
      for (const l of listingsOf(callee)) {
        const byCheck = !l.byCheck && l.params.some((p) => given(p) === undefined) && l.params.every((p) => given(p, true) !== undefined);
        if (!(byCheck || l.params.every((p) => given(p) !== undefined)) || !leaves(l.table)) continue;
        const how = byCheck ? `by what argument${l.params.length > 1 ? "s" : ""} ${l.params.map((p) => `'${given(p, true)}'`).join(" and ")} select${l.params.length > 1 ? "" : "s"} there, which a document or group check covers` : l.render((p) => given(p)!);
        report(`${fn.id} (through ${call.through === undefined ? "" : `${call.through}, `}${call.ref}, ${call.how})`, call, { ...l, how, ...(byCheck ? { byCheck } : {}) });
      }
    }
  }
  return out;
}

/**
 * The listings a query or mutation returns: made in its handler, or in an app helper whose answer
 * it returns (helperreads.ts), reported at the query. A helper's parameter stands for what the call
 * passes; any other value the helper selects by that is not a literal, `undefined` or the caller's id: unsure.
 */
function listings(app: App, fn: ConvexFunction, tables: ReadonlySet<string>, finder: FactsFinder): Listing[] {
  const handler = fn.handler;
  if (handler === undefined || (fn.kind !== "query" && fn.kind !== "mutation") || decidesAccess(fn.facts.auth)) return [];
  const flow = new ArgFlow(app, handler);
  const out: Listing[] = [];
  reachedQueries(app, handler, (n, reached) => {
    const { body, map, exits, through } = reached;
    const top = narrowedQuery(n);
    const query = queryEqualities(app, top, (x) => x);
    const settled = (by: ts.Expression) => within(by, handler) || literalThrough(app, by) !== undefined || (ts.isIdentifier(skipOuter(by)) && skipOuter(by).getText() === "undefined") || isCallerId(app, by);
    const value = (e: ts.Expression) => (settled(map(e)) ? map(e) : undefined);
    const found = (query?.found ?? []).map((f) => ({ field: f.field, by: value(f.by) }));
    const how = query !== undefined && tables.has(query.table) && found.every((f) => f.by !== undefined) ? selection(app, fn, handler, flow, top, query.table, found as { field: string; by: ts.Expression }[], value, true) : undefined;
    const end = chainEnd(n);
    // Returned, or a JS filter of the rows held in a variable is (`const pub = rows.filter(...); return pub`): onlyChecked judges it.
    const kept = (rows: { names: string[]; body: ts.Node } | undefined) => (rows === undefined ? [] : keptIn(rows.body, rows.names));
    const leaves = how !== undefined && (returned(app, body, end, end, "document") || kept(holders(app, body, end)).some((k) => returned(app, body, k, k, "document"))) && [{ body, call: end }, ...exits].every((x) => !onlyChecked(app, x.body, x.call, query!.table));
    // A role above the lowest on the listing's path, or where its owner field's value is not the caller's id (eitheror.ts): every row is the caller's to read.
    const owners = leaves ? tableFields(app, query!.table, "owner") : [];
    if (leaves && !roleCoversListing(app, handler, finder.of(handler).auth, n, found.flatMap((f) => (owners.includes(f.field) && f.by !== undefined ? [f.by] : [])), reached)) out.push({ at: app.loc(end), table: query!.table, how: how.render((a) => a), params: how.params, render: how.render, ...(how.byCheck ? { byCheck: true } : {}), ...(through === undefined ? {} : { through }) });
  });
  return out;
}

/** The `ctx.runQuery(ref, ...)` (`runMutation`, `runAction`) calls of the app helpers whose answer `handler` returns (helperreads.ts), whose answer the helper returns. */
function helperRelays(app: App, handler: ts.SignatureDeclaration): (Loc & { ref: string; target: string; how: string; node: ts.CallExpression; body: ts.SignatureDeclaration; exits: Exit[]; through: string })[] {
  const out: ReturnType<typeof helperRelays> = [];
  reachedCalls(app, handler, (n, { body, exits, through }) => {
    const path = app.memberPath(n.expression);
    const ref = through !== undefined && path.length === 2 && RUNS.has(path[1]!) && n.arguments[0] !== undefined ? reference(app, n.arguments[0]) : undefined;
    if (ref !== undefined && returned(app, body, n, n, "document")) out.push({ ...app.loc(n), ref: ref.text, target: ref.target, how: `ctx.${path[1]}`, node: n, body, exits, through: through! });
  });
  return out;
}


/**
 * Whether the rows read at `end` leave only through a guard call that checks each one
 * (`guard.readableMany(ctx, t, rows.map((r) => r._id))`, `rows.map((r) => guard.readable(ctx, t,
 * r._id))`) or a JS filter (or a loop's push) to the caller's own rows or to public ones (the
 * table's visibility field equal to "public", as `publicValue` accepts it in the query: newuser31
 * F1), or to either (callerid.ts `ownerTest`'s `any`: `l.ownerId === user._id || l.visibility === "public"`), directly (`(await q.take(50)).filter((l) => l.visibility === "public")`) or through the
 * `const` holding them. Such a filter or push keeps only those rows when what leaves holds them
 * alone (attack40 F1, F2): its callback only reads (`readsOnly`), the array it answers (or a loop
 * pushes into) is not changed after (changed.ts `arrayChanged`), a loop pushes its own variable,
 * unchanged, and no code of the function writes the visibility or owner field (`fieldWritten`).
 */
function onlyChecked(app: App, handler: ts.SignatureDeclaration, end: ts.Expression, table: string): boolean {
  const checksEach = (n: ts.Node) => ts.isCallExpression(n) && CHECKS_EACH.has(app.calleeFrom(n, GUARD)?.name ?? "");
  const visibility = tableFields(app, table, "visibility");
  // Whether the function writes the visibility or owner field: walked (with its helpers) only once a filter or push is judged.
  let written: boolean | undefined;
  const forced = () => (written ??= fieldWritten(app, handler, new Set([...visibility, ...tableFields(app, table, "owner")])));
  const isPublic = (x: ts.Expression, field: string) => !forced() && publicValue(app, visibility, field, x);
  const own = (x: ts.Expression, field: string) => !forced() && (isPublic(x, field) || isCallerId(app, x));
  const keeps = (n: ts.Node, x?: string) => ts.isCallExpression(n) && readsOnly(app, n) && !forced() && (x === undefined ? keepsRowsBy(app, n, own, undefined, true) : keepsOwnRows(app, n, x, undefined, isPublic, true));
  const access = outer(end).parent;
  if (ts.isPropertyAccessExpression(access) && ts.isCallExpression(access.parent) && access.parent.expression === access && keeps(access.parent)) return true;
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
  // Pushed into an array only when the caller's own or public (callerid.ts `pushesOwnRows`): the loop's own variable, unchanged, into an array nothing else changes.
  const ownShape = (push: ts.CallExpression) => !forced() && pushesOwnRows(app, push, own, undefined, true) && push.arguments.length === 1 && pushesRow(app, push, push.arguments[0]!);
  const ownPush = (push: ts.CallExpression) => {
    const into = ownShape(push) && ts.isPropertyAccessExpression(push.expression) ? app.symbol(skipOuter(push.expression.expression) as ts.Identifier)?.valueDeclaration : undefined;
    return into !== undefined && ts.isVariableDeclaration(into) && ts.isIdentifier(into.name) && !arrayChanged(app, into.name, ownShape);
  };
  const rows = holders(app, handler, end, ownPush);
  if (rows === undefined) return false;
  const { names, body } = rows;
  const meta = pageMetaOnly(end, rows.held.name);
  const skip = (x: string) => (n: ts.Node) => answersNoDocument(app, n) || meta(n) || checksEach(n) || mapsToCheck(n) || keeps(n, x) || keptByAnswer(app, body, n, table);
  // A filter's answer held in a variable: kept only to such rows and not changed after, or else not returned.
  for (const k of keptIn(body, names)) {
    const held = outer(k).parent as ts.VariableDeclaration;
    if (skip((skipOuter((k.expression as ts.PropertyAccessExpression).expression) as ts.Identifier).text)(k) ? ts.isIdentifier(held.name) && arrayChanged(app, held.name) : returned(app, body, k, k, "document")) return false;
  }
  // A return only a decision above the lowest role lets the caller reach (`if (guard.roleAtLeast(me, "admin")) return rows;`, the rest filtered to their own: attack50 FP2).
  const admitted = body === handler ? deniedOffPath(app, handler) : () => false;
  return !names.some((name) => returns(body, name, (e, x) => !admitted(e) && mentionsName(e, x, skip(x))));
}

/** The names holding the rows read at `end` (a variable, the rows of `for await (const r of query)`, or an array they are pushed into in place: aliases.ts `pushedInto`), and the function they are in; pushed into an array only where `ownPush` says no (aliases.ts `aliases`). */
function holders(app: App, handler: ts.SignatureDeclaration, end: ts.Expression, ownPush?: (push: ts.CallExpression) => boolean): { names: string[]; body: ts.SignatureDeclaration; held: ts.VariableDeclaration } | undefined {
  const o = outer(end);
  const loop = ts.isForOfStatement(o.parent) && o.parent.expression === o && ts.isVariableDeclarationList(o.parent.initializer) ? o.parent.initializer.declarations[0] : undefined;
  const held = loop ?? pushedInto(app, o) ?? o.parent;
  if (!ts.isVariableDeclaration(held)) return undefined;
  return { names: aliases(handler, rowHolders(end, held.name), ownPush), body: enclosingFunction(held) ?? handler, held };
}

/** The `.filter`/`.find` calls of `body` on one of `names` whose answer a variable holds (`const pub = rows.filter(...)`, awaited or wrapped too). */
function keptIn(body: ts.Node, names: readonly string[]): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && ["filter", "find"].includes(n.expression.name.text) && ts.isVariableDeclaration(outer(n).parent)) {
      const on = skipOuter(n.expression.expression);
      if (ts.isIdentifier(on) && names.includes(on.text)) out.push(n);
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return out;
}

/**
 * Whether `value` (what `push` pushes) is the row of the `for ... of` loop (or `forEach` callback) around it, or made of it
 * alone (`{ name: r.name }`, `{ ...r }`: no other name, no call), its variable changed nowhere
 * (`for (let r of rows) { r = rows[0]; out.push(r) }`, `out.push({ ...r, secret: rows[0].secret })`: not).
 */
function pushesRow(app: App, push: ts.Node, value: ts.Expression): boolean {
  let loop: ts.Node = push;
  while (!ts.isForOfStatement(loop) && !isFunctionLike(loop) && !ts.isSourceFile(loop)) loop = loop.parent;
  const name = rowOf(loop); // a `for ... of` loop's row, or a `forEach` callback's
  if (name === undefined || name === null || !ts.isIdentifier(name)) return false;
  const row = app.symbol(name);
  const only = (n: ts.Node): boolean => {
    if (ts.isIdentifier(n)) return app.symbol(n) === row;
    if (ts.isCallExpression(n) || ts.isFunctionLike(n)) return false;
    if (ts.isPropertyAccessExpression(n)) return only(n.expression);
    if (ts.isPropertyAssignment(n)) return !ts.isComputedPropertyName(n.name) && only(n.initializer);
    if (ts.isShorthandPropertyAssignment(n)) return only(n.name);
    return ts.forEachChild(n, (c) => (only(c) ? undefined : true)) !== true;
  };
  return row !== undefined && only(value) && !changedInPlace(app, name);
}

/** Methods a filter's callback may call and still only read: a text's, a date's, a regular expression's, a set's or an array's reads. */
const READS = new Set(["includes", "startsWith", "endsWith", "toLowerCase", "toUpperCase", "trim", "indexOf", "lastIndexOf", "has", "get", "some", "every", "find", "localeCompare", "toString", "at", "test", "slice", "split", "substring", "charAt", "padStart", "padEnd", "valueOf", "getTime", "getFullYear", "getMonth", "getDate", "getDay", "getUTCFullYear", "getUTCMonth", "getUTCDate", "toISOString", "toFixed"]);
/** Globals a filter's callback may call (or `new`, for `Date` and `RegExp`) and `Global.member`s: none is given a row to keep. */
const PURE_CALLS = new Set(["String", "Number", "Boolean", "isNaN", "isFinite", "parseInt", "parseFloat", "Date.now", "Number.isFinite", "Number.isInteger", "Number.isNaN", "Number.isSafeInteger", "Number.parseFloat", "Number.parseInt", "Array.isArray"]);

/**
 * Whether the callback of `call` (`rows.filter((l) => ...)`) only reads and compares: no assignment, `++`, `delete`, `await`,
 * tagged template, no `new` but the global `Date`/`RegExp`, nor a call but a pure global (`PURE_CALLS`, `Math.*`) or a reading
 * method (`READS`) that is not the app's own: `leak.push(l)` or `keep(l)` in it hands every row on (attack40 F1), `Date.now()`,
 * `new Date(l.at)`, `re.test(l.title)` do not (finalread30 F2). On a receiver of no type the checker knows (`any`), a reading
 * method's name is no promise: given the row or a value the callback declares (`anyObj.has(l)`), it may keep it.
 */
function readsOnly(app: App, call: ts.CallExpression): boolean {
  const cb = call.arguments[0] === undefined ? undefined : skipOuter(call.arguments[0]);
  if (cb === undefined || !(ts.isArrowFunction(cb) || ts.isFunctionExpression(cb))) return false;
  const global = (e: ts.Expression): string | undefined => {
    if (ts.isIdentifier(e)) return app.isGlobal(e) ? e.text : undefined;
    if (!ts.isPropertyAccessExpression(e) || !ts.isIdentifier(e.expression) || !app.isGlobal(e.expression)) return undefined;
    return e.expression.text === "Math" ? "Math" : `${e.expression.text}.${e.name.text}`;
  };
  // A value of the callback's own (its row, or one it declares): `anyObj.has(l)` may keep it.
  const own = (e: ts.Node): boolean => {
    const d = ts.isIdentifier(e) ? app.symbol(e)?.declarations?.[0] : undefined;
    return d !== undefined ? d.getSourceFile() === cb.getSourceFile() && d.pos >= cb.pos && d.end <= cb.end : ts.forEachChild(e, (c) => own(c) || undefined) === true;
  };
  const reads = (call: ts.CallExpression, callee: ts.Expression): boolean => {
    if (!ts.isPropertyAccessExpression(callee) || !READS.has(callee.name.text)) return false;
    const declared = app.symbol(callee.name)?.declarations ?? [];
    // A receiver the checker does not know (`any`): its method is anything, given the row (fr30b).
    if (declared.length === 0) return !call.arguments.some(own);
    return declared.every((d) => d.getSourceFile().isDeclarationFile); // not a method the app wrote
  };
  let writes = false;
  const visit = (n: ts.Node): void => {
    if (writes) return;
    if (writeTarget(n) !== undefined || ts.isAwaitExpression(n) || ts.isYieldExpression(n) || ts.isTaggedTemplateExpression(n)) writes = true;
    else if (ts.isNewExpression(n)) writes = !["Date", "RegExp"].includes(global(skipOuter(n.expression)) ?? "");
    else if (ts.isCallExpression(n)) {
      const callee = skipOuter(n.expression);
      const name = global(callee);
      writes = !(name === "Math" || PURE_CALLS.has(name ?? "") || reads(n, callee));
    }
    if (!writes) ts.forEachChild(n, visit);
  };
  visit(cb.body);
  return !writes;
}

function listFix(table: string, owner: string | undefined): string {
  const own = owner === undefined ? "" : `, or select the caller's own by the owner field (.withIndex(<an index on '${owner}'>, (q) => q.eq("${owner}", user._id)))`;
  return `List what the caller may read with guard.listAccessible(ctx, "${table}", { paginationOpts })${own}, or pass the rows' ids to guard.readableMany(ctx, "${table}", ids) and return only what it answers (rs.filter((r) => r !== null).map((r) => r.doc), or the rows where the answer at their index is not null: rows.filter((_, i) => rs[i] !== null)); an org's rows selected by an argument only after a check on it (guard.requireGroupLevel(ctx, orgId, level), or guard.requireAccess on its document), which gives every member every row the app files under that org, a private one included: where rows have owners and grants of their own, readableMany is the check.`;
}
