// A selection of a query's rows written in JavaScript, for `unchecked-id-read`'s reads of
// children and of an organization's rows (childquery.ts), read as the same selection in the
// query is (attack34 F9, attack36 F9):
//
//   await guard.requireUser(ctx);
//   return (await ctx.db.query("tasks").collect()).filter((t) => t.orgId === orgId);
//   const rows = await ctx.db.query("tasks").collect(); return rows.filter(({ orgId: o }) => o === orgId);
//   for (const t of rows) if (t.orgId === orgId) out.push(t);
//   return rows.flatMap((t) => (t.orgId === orgId ? [t] : []));
//   for (let i = 0; i < rows.length; i++) if (rows[i].orgId === orgId) out.push(rows[i]);
//
// select the rows of organization `orgId` as `.withIndex("by_org", (q) => q.eq("orgId", orgId))`
// does. One reading for every form: the rows (the read, a `const` holding them, a copy: `[...rows]`,
// `rows.slice()`, `const r2 = rows`) and a row of them (an array method's callback's element
// parameter, a `for ... of` variable, plainly named or destructured, or `rows[i]`), then a
// `.filter`/`.find` callback answering false, or a condition (`if`, `c ? x : y`) whose side that
// keeps the row is the only one that names it, when the row's field is not that value (callerid.ts
// `ownerTest`, as `keepsRowsBy` and `pushesOwnRows` read a filter to the caller's own rows). The
// rows are also an app helper's call answering the read whole (`await all(ctx)`), a row the pair's
// second of `rows.entries()`, a field also read through a `const` copy; and a lookup by the value
// in the rows keyed by a field (`new Map(rows.map((t) => [t.orgId, t])).get(orgId)`,
// `Object.groupBy(rows, (t) => t.orgId)[orgId]`) selects by that field (attack38 F6). Also
// (attack40 F3): `findIndex`/`findLastIndex`, `for ... in`, `Object.is`, `localeCompare(...) === 0`,
// `new Set([orgId]).has(...)`, a callback's early `return false`, a predicate named by a `const`,
// the copies `structuredClone`, `Object.values`, `flat()`; and a `filter`/`find`'s call is handed
// back (`Selection.call`), so that what it keeps is followed to the answer (childquery.ts).
import ts from "typescript";
import { asText, loopRow, ownerTest } from "./callerid.js";
import { enclosingFunction } from "./facts-syntax.js";
import { outer, truthWhenDenied } from "./flow.js";
import { skipOuter } from "./program.js";
import type { App } from "./program.js";

/** The array methods whose callback is handed each row, with the index of the row's parameter. */
const ELEMENT_PARAM: Record<string, number> = { filter: 0, find: 0, findLast: 0, findIndex: 0, findLastIndex: 0, flatMap: 0, map: 0, forEach: 0, reduce: 1, reduceRight: 1 };
/** The methods whose callback's answer alone says whether the row is kept. */
const KEEPS = new Set(["filter", "find", "findLast", "findIndex", "findLastIndex"]);
/** The methods answering a copy of the same rows (`values()`: an iterator of them). */
const COPIES = new Set(["slice", "sort", "toSorted", "reverse", "toReversed", "concat", "values", "flat"]);
/** The calls answering a copy of the rows given (`structuredClone(rows)`, `Object.values(rows)`). */
const COPIED_BY = new Set(["Array.from", "structuredClone", "Object.values"]);

/** A field and the argument the rows are selected by; of a `.filter`/`.find`, its call, whose answer holds the rows kept (followed to the answer as the rows are: `const hit = rows.find(...); return hit`). */
export interface Selection {
  field: string;
  by: string;
  call?: ts.CallExpression;
}

/** A row of the read: the field a node reads of it (`t.orgId`, destructured `orgId`, `rows[i].orgId`), and whether a node names the row. */
interface Row {
  fieldOf: (e: ts.Expression) => string | undefined;
  names: (n: ts.Node) => boolean;
}

/**
 * The fields and the arguments (`idOf` of the value compared) by which the rows a query read at
 * `end` (its `collect()`) are selected in JavaScript, in the function that reads them.
 */
export function jsSelection(app: App, end: ts.Expression, idOf: (x: ts.Expression) => string | undefined, exits: readonly { call: ts.CallExpression }[] = []): Selection[] {
  const found: Selection[] = [];
  // The read, and each app helper call answering it whole (`const all = (ctx) => ctx.db.query("t").collect()`: `await all(ctx)`).
  const reads = [skipOuter(outer(end))];
  for (const x of exits) {
    const p = outer(reads[reads.length - 1]!).parent;
    if (!ts.isReturnStatement(p) && !(ts.isArrowFunction(p) && p.body === outer(reads[reads.length - 1]!))) break;
    reads.push(skipOuter(outer(x.call)));
  }
  const held = new Set<ts.Symbol>();
  const isRows = (x: ts.Expression): boolean => {
    const e = skipOuter(x);
    if (reads.includes(e)) return true;
    if (ts.isIdentifier(e)) return held.has(app.symbol(e)!);
    if (ts.isArrayLiteralExpression(e)) return e.elements.length === 1 && ts.isSpreadElement(e.elements[0]!) && isRows(e.elements[0].expression);
    if (!ts.isCallExpression(e)) return false;
    if (COPIED_BY.has(app.memberPath(e.expression).join("."))) return e.arguments.length === 1 && isRows(e.arguments[0]!);
    return ts.isPropertyAccessExpression(e.expression) && COPIES.has(e.expression.name.text) && (e.expression.name.text !== "concat" || e.arguments.length === 0) && isRows(e.expression.expression);
  };
  const keep = (row: Row, test: ts.Expression, when: boolean, at: ts.Node, call?: ts.CallExpression): boolean => {
    let by: string | undefined;
    const fields: string[] = [];
    const other = (x: ts.Expression) => (by ??= idOf(asText(x))) !== undefined;
    if (!ownerTest(app, row.fieldOf, test, when, at, fields, other) || by === undefined || fields[0] === undefined) return listed(row, test, when, call);
    found.push({ field: fields[0], by, call });
    return true;
  };
  // `[args.a, args.b].includes(t.orgId)`: a list of arguments' ids only, holding the row's field, as `===` each.
  const listed = (row: Row, test: ts.Expression, when: boolean, call?: ts.CallExpression): boolean => {
    let hit: { call: ts.Expression; field: string; by: string[] } | undefined;
    const visit = (e: ts.Node): void => {
      if (hit !== undefined || (e !== test && ts.isFunctionLike(e))) return;
      const pair = sameOf(app, e);
      const field = pair === undefined ? undefined : (row.fieldOf(pair.a) ?? row.fieldOf(pair.b));
      const by = field === undefined ? undefined : idOf(asText(row.fieldOf(pair!.a) === undefined ? pair!.a : pair!.b));
      if (by !== undefined) hit = { call: e as ts.Expression, field: field!, by: [by] };
      // `[orgId].includes(t.orgId)`, `new Set([orgId]).has(t.orgId)`.
      const callee = ts.isCallExpression(e) && e.arguments.length === 1 && ts.isPropertyAccessExpression(e.expression) ? e.expression : undefined;
      const of = callee === undefined ? undefined : skipOuter(callee.expression);
      const set = of !== undefined && callee!.name.text === "has" && ts.isNewExpression(of) && app.memberPath(of.expression).join(".") === "Set" && of.arguments?.length === 1 ? of.arguments[0] : undefined;
      if (hit === undefined && ts.isCallExpression(e) && callee !== undefined && (callee.name.text === "includes" || set !== undefined)) {
        const list = skipOuter(set ?? callee.expression), field = row.fieldOf(skipOuter(e.arguments[0]!));
        // Or an argument holding ids, `args.ids.includes(t.orgId)` (`v.array(v.id(T))`: its table read from the validator; not a string's `includes`, the checker asked).
        const many = () => (app.checker.getTypeAtLocation(list).flags & ts.TypeFlags.StringLike) === 0;
        const by = ts.isArrayLiteralExpression(list) ? list.elements.map((x) => (ts.isSpreadElement(x) ? undefined : idOf(asText(x)))) : field === undefined || idOf(list) === undefined || !many() ? [] : [idOf(list)];
        if (field !== undefined && by.length > 0 && by.every((b) => b !== undefined)) hit = { call: e, field, by: by as string[] };
      }
      ts.forEachChild(e, visit);
    };
    visit(test);
    if (hit === undefined || truthWhenDenied(test, (x) => (x === hit!.call ? false : "unknown")) !== when) return false;
    for (const by of hit.by) found.push({ field: hit.field, by, call });
    return true;
  };
  // Each condition of `body` that keeps `row` only when its field is the value.
  const conditions = (row: Row, body: ts.Node): void => {
    const visit = (n: ts.Node): void => {
      if (ts.isConditionalExpression(n)) keepsSide(row, n.condition, n.whenTrue, n.whenFalse);
      if (ts.isIfStatement(n)) {
        if (!keepsSide(row, n.expression, n.thenStatement, n.elseStatement) && n.elseStatement === undefined && leaves(n.thenStatement) && !row.names(n.thenStatement) && ts.isBlock(n.parent)) {
          // `if (t.orgId !== orgId) continue;` then the row named after it.
          const after = n.parent.statements.slice(n.parent.statements.indexOf(n) + 1);
          if (after.some(row.names)) keep(row, n.expression, true, n.expression);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(body);
  };
  const keepsSide = (row: Row, test: ts.Expression, yes: ts.Node, no: ts.Node | undefined): boolean => {
    const named = (n: ts.Node | undefined) => n !== undefined && row.names(n);
    if (named(yes) && !named(no)) return keep(row, test, false, test);
    return named(no) && !named(yes) && keep(row, test, true, test);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer !== undefined && isRows(n.initializer)) held.add(app.symbol(n.name)!);
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text in ELEMENT_PARAM && isRows(n.expression.expression)) {
      const method = n.expression.name.text;
      const cb = n.arguments[0] === undefined ? undefined : callbackOf(app, n.arguments[0]);
      const param = cb?.parameters[ELEMENT_PARAM[method]!]?.name;
      const row = param === undefined ? undefined : bound(app, param);
      if (cb?.body !== undefined && row !== undefined) {
        const answer = answerOf(cb), dropped = answer === undefined ? droppedBy(cb) : undefined;
        // The call's answer holds the rows kept (not an index's: `findIndex`).
        const call = method.endsWith("Index") ? undefined : n;
        if (KEEPS.has(method)) {
          if (answer !== undefined) keep(row, answer, false, cb, call);
          else if (dropped !== undefined) keep(row, dropped, true, dropped, call);
        } else conditions(row, cb.body);
      }
    }
    if (ts.isForOfStatement(n)) {
      // `for (const t of rows)`, `for (const [i, t] of rows.entries())`: the row is the pair's second.
      const loop = loopRow(n);
      const row = loop !== undefined && isRows(loop.over) ? bound(app, loop.row) : undefined;
      if (row !== undefined) conditions(row, n.statement);
    }
    if (ts.isForStatement(n) || ts.isForInStatement(n) || ts.isWhileStatement(n) || ts.isDoStatement(n)) conditions(indexed(app, isRows), n.statement);
    // A lookup by the value in the rows keyed by a field: `new Map(rows.map((t) => [t.orgId, t])).get(orgId)`, `Object.groupBy(rows, (t) => t.orgId)[orgId]`.
    const lookup = ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === "get" && n.arguments.length === 1 ? { of: n.expression.expression, key: n.arguments[0]! } : ts.isElementAccessExpression(n) ? { of: n.expression, key: n.argumentExpression } : undefined;
    const field = lookup === undefined ? undefined : keyedBy(app, lookup.of, isRows);
    const by = field === undefined ? undefined : idOf(asText(lookup!.key));
    if (field !== undefined && by !== undefined) found.push({ field, by });
    ts.forEachChild(n, visit);
  };
  for (const scope of new Set(reads.map((r) => enclosingFunction(r)))) if (scope !== undefined) visit(scope);
  return found;
}

type Callback = ts.ArrowFunction | ts.FunctionExpression | ts.FunctionDeclaration;

/** The two sides `e` says are the same value: `Object.is(a, b)`, `a.localeCompare(b) === 0`. */
function sameOf(app: App, e: ts.Node): { a: ts.Expression; b: ts.Expression } | undefined {
  if (ts.isCallExpression(e) && app.memberPath(e.expression).join(".") === "Object.is" && e.arguments.length === 2) return { a: skipOuter(e.arguments[0]!), b: skipOuter(e.arguments[1]!) };
  if (!ts.isBinaryExpression(e) || ![ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken].includes(e.operatorToken.kind)) return undefined;
  const zero = (x: ts.Expression) => ts.isNumericLiteral(skipOuter(x)) && (skipOuter(x) as ts.NumericLiteral).text === "0";
  const call = skipOuter(zero(e.right) ? e.left : zero(e.left) ? e.right : e);
  return ts.isCallExpression(call) && ts.isPropertyAccessExpression(call.expression) && call.expression.name.text === "localeCompare" && call.arguments.length >= 1 ? { a: skipOuter(call.expression.expression), b: skipOuter(call.arguments[0]!) } : undefined;
}

/** A callback given in place, or a `const` or function declaration it names (`const pick = (t) => t.orgId === orgId; rows.filter(pick)`). */
function callbackOf(app: App, x: ts.Expression): Callback | undefined {
  const e = skipOuter(x);
  const decl = ts.isIdentifier(e) ? app.symbol(e)?.valueDeclaration : undefined;
  const init = decl !== undefined && ts.isVariableDeclaration(decl) && decl.initializer !== undefined && ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const ? skipOuter(decl.initializer) : decl;
  const f = ts.isIdentifier(e) ? init : e;
  return f !== undefined && (ts.isArrowFunction(f) || ts.isFunctionExpression(f) || ts.isFunctionDeclaration(f)) ? f : undefined;
}

/** The test of a block callback's first `if` after its `const`s that answers no row (`{ if (t.orgId !== orgId) return false; return true; }`). */
function droppedBy(cb: Callback): ts.Expression | undefined {
  const first = cb.body === undefined || !ts.isBlock(cb.body) ? undefined : cb.body.statements.find((s) => !ts.isVariableStatement(s));
  if (first === undefined || !ts.isIfStatement(first) || first.elseStatement !== undefined || !leaves(first.thenStatement)) return undefined;
  const one = ts.isBlock(first.thenStatement) ? first.thenStatement.statements[0]! : first.thenStatement;
  const value = ts.isReturnStatement(one) ? one.expression : undefined;
  const none = value === undefined || [ts.SyntaxKind.FalseKeyword, ts.SyntaxKind.NullKeyword].includes(value.kind) || (ts.isIdentifier(value) && value.text === "undefined");
  return ts.isReturnStatement(one) && none ? first.expression : undefined;
}

/** What a callback answers: its expression body, or the `return` of a block of `const`s then it (`{ const c = t.orgId; return c === orgId; }`). */
function answerOf(cb: Callback): ts.Expression | undefined {
  if (cb.body === undefined) return undefined;
  if (!ts.isBlock(cb.body)) return cb.body;
  const last = cb.body.statements[cb.body.statements.length - 1];
  return last !== undefined && ts.isReturnStatement(last) && cb.body.statements.slice(0, -1).every(ts.isVariableStatement) ? last.expression : undefined;
}

/**
 * The field the rows `of` is keyed by (through a `const` holding it): `new Map(rows.map((t) =>
 * [t.orgId, t]))`, `Object.fromEntries(...)` of such pairs, `Object.groupBy(rows, (t) => t.orgId)`
 * or `Map.groupBy`.
 */
function keyedBy(app: App, of: ts.Expression, isRows: (e: ts.Expression) => boolean): string | undefined {
  let e = skipOuter(of);
  if (ts.isIdentifier(e)) e = app.constInitializer(e) ?? e;
  if (!ts.isCallExpression(e) && !ts.isNewExpression(e)) return undefined;
  const callee = app.memberPath(e.expression).join(".");
  const [list, key] = e.arguments ?? [];
  const cbOf = (x: ts.Expression | undefined) => (x !== undefined && (ts.isArrowFunction(skipOuter(x)) || ts.isFunctionExpression(skipOuter(x))) ? (skipOuter(x) as ts.ArrowFunction) : undefined);
  const rowOf = (cb: ts.ArrowFunction | undefined) => (cb?.parameters[0] === undefined ? undefined : bound(app, cb.parameters[0].name));
  if (callee === "Object.groupBy" || callee === "Map.groupBy") {
    const cb = cbOf(key), row = rowOf(cb), answer = cb === undefined ? undefined : answerOf(cb);
    return list !== undefined && isRows(list) && row !== undefined && answer !== undefined ? row.fieldOf(answer) : undefined;
  }
  if ((ts.isNewExpression(e) && callee === "Map") || callee === "Object.fromEntries") {
    const pairs = list === undefined ? undefined : skipOuter(list);
    if (pairs === undefined || !ts.isCallExpression(pairs) || !ts.isPropertyAccessExpression(pairs.expression) || pairs.expression.name.text !== "map" || !isRows(pairs.expression.expression)) return undefined;
    const cb = cbOf(pairs.arguments[0]), row = rowOf(cb), answer = cb === undefined ? undefined : answerOf(cb);
    const pair = answer === undefined ? undefined : skipOuter(answer);
    return row !== undefined && pair !== undefined && ts.isArrayLiteralExpression(pair) && pair.elements.length === 2 && row.names(pair.elements[1]!) ? row.fieldOf(pair.elements[0] as ts.Expression) : undefined;
  }
  return undefined;
}

/** A row bound to a name (`t`: `t.orgId`) or destructured (`{ orgId }`, `{ orgId: o }`: the name is the field). */
function bound(app: App, name: ts.BindingName): Row | undefined {
  if (ts.isIdentifier(name)) {
    const symbol = app.symbol(name);
    const isRow = (e: ts.Node) => ts.isIdentifier(e) && app.symbol(e) === symbol;
    return { fieldOf: copied(app, (f) => fieldRead(f, isRow)), names: (n) => mentions(n, isRow) };
  }
  if (!ts.isObjectBindingPattern(name)) return undefined;
  const fields = new Map<ts.Symbol, string>();
  for (const el of name.elements) {
    const key = el.propertyName ?? el.name;
    if (el.dotDotDotToken === undefined && ts.isIdentifier(el.name) && (ts.isIdentifier(key) || ts.isStringLiteral(key)) && key.text !== "_id") fields.set(app.symbol(el.name)!, key.text);
  }
  const fieldOf = (e: ts.Expression) => {
    const x = asText(e);
    return ts.isIdentifier(x) ? fields.get(app.symbol(x)!) : undefined;
  };
  return { fieldOf: copied(app, fieldOf), names: (n) => mentions(n, (e) => ts.isIdentifier(e) && fields.has(app.symbol(e)!)) };
}

/** A row read by index of the rows (`rows[i]`: `rows[i].orgId`). */
function indexed(app: App, isRows: (e: ts.Expression) => boolean): Row {
  const isRow = (e: ts.Node) => ts.isElementAccessExpression(e) && isRows(e.expression);
  return { fieldOf: copied(app, (f) => fieldRead(f, isRow)), names: (n) => mentions(n, isRow) };
}

/** A row's field read as `fieldOf` reads it, or through a `const` copy of it (`const c = t.orgId; c === orgId`). */
function copied(app: App, fieldOf: (e: ts.Expression) => string | undefined): (e: ts.Expression) => string | undefined {
  return (f) => {
    const x = asText(f);
    const copy = ts.isIdentifier(x) ? app.constInitializer(x) : undefined;
    return fieldOf(f) ?? (copy === undefined ? undefined : fieldOf(copy));
  };
}

/** The field of a row `f` reads (`t.orgId`, `t["orgId"]`, as text: `String(t.orgId)`, `` `${t.orgId}` ``), not `_id`. */
function fieldRead(f: ts.Expression, isRow: (e: ts.Node) => boolean): string | undefined {
  const e = asText(f);
  const name = ts.isPropertyAccessExpression(e) ? e.name.text : ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression) ? e.argumentExpression.text : undefined;
  return name !== undefined && name !== "_id" && isRow(skipOuter((e as ts.AccessExpression).expression)) ? name : undefined;
}

/** Whether `n` or a node in it is one `is` accepts. */
function mentions(n: ts.Node, is: (e: ts.Node) => boolean): boolean {
  return is(n) || ts.forEachChild(n, (c) => mentions(c, is) || undefined) === true;
}

/** Whether a statement leaves the loop's iteration or the callback: `continue`, `return`, alone or as a block's one statement. */
function leaves(s: ts.Statement): boolean {
  const one = ts.isBlock(s) && s.statements.length === 1 ? s.statements[0]! : s;
  return (ts.isContinueStatement(one) && one.label === undefined) || ts.isReturnStatement(one);
}
