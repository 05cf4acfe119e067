// Which comparisons of a read document's field are an ownership check: only those with the
// caller's own identity, that decide whether the function goes on with the document.
//
//   const user = await guard.requireUser(ctx);
//   const doc = await ctx.db.get(args.id);
//   if (doc === null || doc.ownerId !== user._id) throw ...;   // the caller's id: a check
//   if (doc === null || doc.ownerId !== args.owner) throw ...; // the client's word: no check
//   if (doc?.title === "locked") throw ...;                    // no one's identity: no check
//   return { ...doc, isMine: doc.ownerId === user._id };      // decides nothing: no check
//
// The caller's id is the `_id` of the caller's row (subject.ts: `guard.requireUser`, `getUser`,
// `requireRole`, `requirePermission`, an app helper answering one of those, a builder's
// `ctx.user`), the `subject` or `tokenIdentifier` of `ctx.auth.getUserIdentity()`'s answer, or a
// `const` (or a `let` never assigned again) holding one (also destructured: `const { _id } =
// user`), and the `_id` of the caller's row read again (`const me = await ctx.db.get(user._id)`).
// Not `user?._id` (a missing user compares equal to a missing field). A comparison
// with one of the handler's arguments is kept apart: in a function another one runs or
// schedules, it is a check only where that call passes the caller's own id for it (follow.ts).
import ts from "typescript";
import { CONVEX } from "./facts.js";
import type { ArgFlow } from "./argflow.js";
import { subjectOf } from "./subject.js";
import { unassignedLet } from "./values.js";
import { skipOuter, type App } from "./program.js";
import { enclosingFunction, throwingIn } from "./facts-syntax.js";
import { constSource } from "./ownerquery.js";
import { mayReturn } from "./paths.js";
import { returnEnds, skipsElement, throwEnds } from "./ends.js";
import { skipBranch } from "./skipbranch.js";
import { carriesNoData, changesIn, EQUALITY, ifLeavesOnDenial, leavesUnchanged, outer, THROWS, truthWhenDenied, valueWhenDenied, type Value } from "./flow.js";

/** The identity's fields that name the caller. */
const IDENTITY_IDS = new Set(["subject", "tokenIdentifier"]);

/** Whether `e` is the caller's own id (see above). */
export function isCallerId(app: App, e: ts.Expression, depth = 0): boolean {
  const x = skipOuter(e);
  if (depth > 4) return false;
  if (ts.isIdentifier(x)) {
    const init = app.constInitializer(x) ?? unassignedLet(app, x);
    if (init !== undefined) return isCallerId(app, init, depth + 1);
    // `const { _id: userId } = await guard.requireUser(ctx)`, `const { subject } = identity`.
    const decl = app.symbol(x)?.valueDeclaration;
    if (decl === undefined || !ts.isBindingElement(decl) || !ts.isObjectBindingPattern(decl.parent) || decl.dotDotDotToken !== undefined || decl.initializer !== undefined) return false;
    const list = decl.parent.parent;
    const key = decl.propertyName ?? decl.name;
    if (!ts.isVariableDeclaration(list) || list.initializer === undefined || (ts.getCombinedNodeFlags(list) & ts.NodeFlags.Const) === 0 || !(ts.isIdentifier(key) || ts.isStringLiteral(key))) return false;
    return idOf(app, key.text, list.initializer, depth);
  }
  return ts.isPropertyAccessExpression(x) && x.questionDotToken === undefined && idOf(app, x.name.text, x.expression, depth);
}

/** Whether the field `field` of `owner` is the caller's id: `_id` of the caller's row (or of a `const` re-reading it, `const me = await ctx.db.get(user._id)`: attack36 F12), `subject` or `tokenIdentifier` of the identity. */
function idOf(app: App, field: string, owner: ts.Expression, depth: number): boolean {
  if (field === "_id") return subjectOf(app, owner, 0) === "caller" || rereadsCaller(app, owner, depth);
  return IDENTITY_IDS.has(field) && isIdentity(app, owner, depth + 1);
}

/** Whether `e` is a `const` holding `ctx.db.get` of the caller's own id: the caller's row read again, whose `_id` is that id. */
function rereadsCaller(app: App, e: ts.Expression, depth: number): boolean {
  const x = skipOuter(e);
  const init = ts.isIdentifier(x) ? app.constInitializer(x) : undefined;
  const read = init === undefined ? undefined : skipOuter(init);
  const id = read !== undefined && ts.isCallExpression(read) && app.calleeFrom(read, CONVEX)?.name === "get" ? read.arguments[read.arguments.length - 1] : undefined;
  return id !== undefined && isCallerId(app, id, depth + 1);
}

/** `ctx.auth.getUserIdentity()`'s answer, or a `const` holding it. */
function isIdentity(app: App, e: ts.Expression, depth: number): boolean {
  const x = skipOuter(e);
  if (ts.isIdentifier(x)) {
    const init = depth < 5 ? app.constInitializer(x) : undefined;
    return init !== undefined && isIdentity(app, init, depth + 1);
  }
  return ts.isCallExpression(x) && app.calleeFrom(x, CONVEX)?.name === "getUserIdentity";
}

/**
 * The comparisons (`===`, `!==`, `==`, `!=`) of a field of the variable `name` in `fn` that
 * decide whether the function goes on with the document ({@link decides}): whether one is with
 * the caller's own id (an ownership check), and the handler's arguments one is with
 * (`doc.ownerId !== args.userId`). The document's own `_id` is no owner's: `doc._id ===
 * user._id` compares the document with a user row. A field destructured from it (`const {
 * ownerId } = doc`) is one of its fields. A `switch` on the field whose case with the other is
 * the only one that goes on ({@link onlyGoesOn}) compares them too. `throwsOnly`: only a throw decides (a function the
 * document is handed to, whose `return` its caller goes on from: helperget.ts); `counts`: which
 * comparisons count at all, or only when a throw decides (parentcover.ts: one after the change); `owners`: the fields the caller's id counts in, when not empty (argflow.ts: a table's configured owner field, attack48 L2).
 */
export function fieldComparisons(app: App, fn: ts.Node, name: string, flow?: ArgFlow, throwsOnly = false, counts?: (cmp: ts.Expression) => boolean | "throws", owners: string[] = []): { caller: boolean; args: string[] } {
  const isName = (e: ts.Expression) => ts.isIdentifier(skipOuter(e)) && (skipOuter(e) as ts.Identifier).text === name;
  // The field of it an expression is (undefined: none): `doc.ownerId`, or one destructured from it (`const { channelId } = msg`, `{ channelId: c }`), never its `_id`.
  const isField = (e: ts.Expression): string | undefined => {
    e = skipOuter(e);
    const from = ts.isIdentifier(e) ? constSource(app, e) : undefined;
    if (ts.isIdentifier(e)) return from?.key !== undefined && from.key !== "_id" && isName(from.value) ? from.key : undefined;
    return ts.isPropertyAccessExpression(e) && e.name.text !== "_id" && isName(e.expression) ? e.name.text : undefined;
  };
  const mine = (field: string | undefined, other: ts.Expression) => field !== undefined && isCallerId(app, other) && (owners.length === 0 || owners.includes(field));
  const out = { caller: false, args: [] as string[] };
  const visit = (n: ts.Node): void => {
    if (out.caller) return;
    if (ts.isBinaryExpression(n) && EQUALITY.has(n.operatorToken.kind)) {
      for (const [field, other] of [[asText(n.left), asText(n.right)], [asText(n.right), asText(n.left)]] as const) {
        if (isField(field) === undefined) continue;
        const caller = mine(isField(field), other);
        const arg = flow?.rootOf(other);
        const counted = counts?.(n) ?? true;
        if ((!caller && arg === undefined) || counted === false || !decides(app, fn, n, name, throwsOnly || counted === "throws")) continue;
        if (caller) out.caller = true;
        if (arg !== undefined) out.args.push(arg);
      }
    }
    // `switch (doc.projectId) { case args.projectId: break; default: throw ... }`: the case of the other the only one that goes on.
    if (ts.isSwitchStatement(n)) {
      const value = asText(n.expression);
      for (const clause of n.caseBlock.clauses) {
        if (!ts.isCaseClause(clause)) continue;
        const other = isField(value) ? asText(clause.expression) : isField(asText(clause.expression)) ? value : undefined;
        const caller = other !== undefined && mine(isField(value) ?? isField(asText(clause.expression)), other);
        const arg = other === undefined ? undefined : flow?.rootOf(other);
        const counted = counts?.(n.expression) ?? true;
        if ((!caller && arg === undefined) || counted === false || !onlyGoesOn(app, n, clause, throwsOnly || counted === "throws")) continue;
        if (caller) out.caller = true;
        if (arg !== undefined) out.args.push(arg);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(fn);
  return out;
}

/**
 * Whether the comparison `cmp` of a field of the document `name` decides whether the function
 * goes on with it: when the caller is not the owner (`cmp` false for `===`, true for `!==`; the
 * document itself there, a row), the comparison's test (through `!`, `&&`, `||`, and a `const`
 * holding it) takes an `if`'s branch that leaves (throws, or returns no data: flow.ts
 * `ifLeavesOnDenial`), a `?:`'s branch of no data (`doc.ownerId === user._id ? doc : null`), or
 * makes a returned `&&`/`||` no data (`return doc.ownerId === user._id && doc`). A comparison
 * used as a value (`{ ...doc, isMine: doc.ownerId === user._id }`), logged, or left unused
 * decides nothing. Where a `return` does not end the document (ends.ts `returnEnds`: a
 * callback's), only a throw decides; where a throw does not either (`throwEnds`), nothing.
 */
function decides(app: App, fn: ts.Node, cmp: ts.BinaryExpression, name: string, throwsOnly: boolean): boolean {
  const notOwner = cmp.operatorToken.kind === ts.SyntaxKind.ExclamationEqualsEqualsToken || cmp.operatorToken.kind === ts.SyntaxKind.ExclamationEqualsToken;
  const held = new Map<ts.Symbol, ts.Expression>();
  const atom = (e: ts.Expression): Value | "unknown" => {
    if (e === cmp) return notOwner;
    if (!ts.isIdentifier(e)) return "unknown";
    if (e.text === name) return "object";
    const symbol = app.symbol(e);
    const init = symbol === undefined ? undefined : held.get(symbol);
    return init === undefined ? "unknown" : heldValue(init);
  };
  const heldChoice = (e: ts.Node): boolean => {
    const symbol = ts.isIdentifier(e) ? app.symbol(e) : undefined;
    const init = symbol === undefined ? undefined : held.get(symbol);
    return init !== undefined && ts.isConditionalExpression(skipOuter(init));
  };
  // A `const` holding a `?:` (`const ok = isAuthor ? check : true`) holds the not-owner's branch.
  const heldValue = (init: ts.Expression): Value | "unknown" => {
    const c = skipOuter(init);
    if (!ts.isConditionalExpression(c)) return valueWhenDenied(init, atom);
    const truth = truthWhenDenied(c.condition, atom);
    return truth === undefined ? "unknown" : valueWhenDenied(truth ? c.whenTrue : c.whenFalse, atom);
  };
  const decidedAt = (from: ts.Expression, depth: number): boolean => {
    let top: ts.Node = from;
    for (;;) {
      const p = top.parent;
      if (ts.isParenthesizedExpression(p) || ts.isNonNullExpression(p) || ts.isAsExpression(p) || (ts.isPrefixUnaryExpression(p) && p.operator === ts.SyntaxKind.ExclamationToken)) top = p;
      else if (ts.isBinaryExpression(p) && LOGICAL.has(p.operatorToken.kind)) top = p;
      else if (ts.isBinaryExpression(p) && EQUALITY.has(p.operatorToken.kind) && top === from && heldChoice(from)) top = p; // `if (mine === null) throw`
      else break;
    }
    const p = top.parent;
    if (!throwEnds(p, fn, name)) return false;
    const only = throwsOnly || !returnEnds(p, fn, name);
    if (ts.isIfStatement(p) && p.expression === top) return ifLeavesOnDenial(p, atom, throwingIn(app), only ? THROWS : undefined) || (!only && skipsElement(p, name, atom, throwingIn(app)));
    if (only && !ts.isVariableDeclaration(p)) return false;
    if (ts.isConditionalExpression(p) && p.condition === top) {
      const truth = truthWhenDenied(p.condition, atom);
      if (truth === undefined || !carriesNoData(truth ? p.whenTrue : p.whenFalse)) return false;
      // Held in a `const`, it decides where that `const` does: `const ok = isAuthor ? check : true;
      // if (!ok) throw` lets anyone else through (the not-owner's `true` is no data, but no exit).
      return ts.isVariableDeclaration(outer(p).parent) ? decidedAt(p, depth) : true;
    }
    if ((ts.isBinaryExpression(top) || heldChoice(top)) && (ts.isReturnStatement(p) || (ts.isArrowFunction(p) && p.body === top))) {
      const value = valueWhenDenied(top as ts.Expression, atom);
      return value !== "unknown" && value !== "object";
    }
    // `const mine = doc.ownerId === user._id; if (!mine) throw ...`: where the `const` decides.
    if (depth > 1 || !ts.isVariableDeclaration(p) || p.initializer !== top || !ts.isIdentifier(p.name) || app.constInitializer(p.name) === undefined) return false;
    const symbol = app.symbol(p.name);
    const scope = enclosingFunction(p);
    if (symbol === undefined || scope === undefined) return false;
    held.set(symbol, top as ts.Expression);
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if (ts.isIdentifier(n) && n !== p.name && app.symbol(n) === symbol) found = decidedAt(n, depth + 1);
      else ts.forEachChild(n, visit);
    };
    visit(scope);
    return found;
  };
  return decidedAt(cmp, 0);
}

/**
 * Whether `clause` of the `switch` `sw` is the only way past it: `sw` has a `default`, and every
 * other clause (through the clauses it falls into) leaves the function (a throw, a return of no data
 * after no change: flow.ts `leavesUnchanged`; `throwsOnly`: a throw only) before a `break` or `continue`, or falls into `clause`.
 */
function onlyGoesOn(app: App, sw: ts.SwitchStatement, clause: ts.CaseClause, throwsOnly: boolean): boolean {
  const clauses = sw.caseBlock.clauses;
  const leaves = (i: number): boolean => {
    for (const ran: ts.Statement[] = []; i < clauses.length && clauses[i] !== clause; i++) {
      for (const s of clauses[i]!.statements) {
        if (leavesUnchanged(s, throwingIn(app), throwsOnly ? THROWS : undefined, ran)) return true;
        if (mayReturn(s)) return false;
        ran.push(s);
      }
    }
    return false;
  };
  return clauses.some((c) => ts.isDefaultClause(c)) && clauses.every((c, i) => c === clause || leaves(i));
}

const LOGICAL = new Set([ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken]);

// A batch read by the arguments' ids and handed on filtered to the caller's own rows:
//
//   const notes = await Promise.all(args.ids.map((id) => ctx.db.get(id)));
//   return notes.filter((n) => n !== null && n.ownerId === user._id);  // the caller's rows only: checked
//   return notes.filter((n) => n !== null);                             // anyone's: returned
//   return notes.filter((n) => n !== null && n.ownerId === args.owner); // the client's word: returned

/** The variable `ctx.db.get`'s answers are held in, each element one, when `read` is the whole answer of a `.map` callback (`const notes = await Promise.all(ids.map((id) => ctx.db.get(id)))`). */
export function mappedReads(app: App, read: ts.Expression): ts.VariableDeclaration | undefined {
  const o = outer(read);
  const fn = o.parent;
  if (!ts.isCallExpression(read) || app.calleeFrom(read, CONVEX)?.name !== "get" || !ts.isArrowFunction(fn) || fn.body !== o || !ts.isCallExpression(fn.parent) || fn.parent.arguments[0] !== fn) return undefined;
  const map = fn.parent.expression;
  if (!ts.isPropertyAccessExpression(map) || map.name.text !== "map") return undefined;
  let held = outer(fn.parent);
  if (ts.isCallExpression(held.parent) && held.parent.arguments.length === 1 && held.parent.arguments[0] === held && app.memberPath(held.parent.expression).join(".") === "Promise.all") held = outer(held.parent);
  return ts.isVariableDeclaration(held.parent) && held.parent.initializer === held && ts.isIdentifier(held.parent.name) ? held.parent : undefined;
}

/**
 * Whether `n` is `name.filter(cb)` (or `.find`) whose callback answers no element whose field is
 * not the caller's own id: its answer (an expression body, or a block of one `return`) is false,
 * null or undefined when such a comparison says the element is not the caller's (a returned
 * `&&`, as {@link decides} reads one). Not `n.ownerId === args.owner`, nor `... || n.public`.
 */
export function keepsOwnRows(app: App, n: ts.Node, name: string, fields?: string[], also?: (x: ts.Expression, field: string) => boolean, any = false): boolean {
  const receiver = ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) ? skipOuter(n.expression.expression) : undefined;
  return receiver !== undefined && ts.isIdentifier(receiver) && receiver.text === name && keepsRowsBy(app, n, (x, field) => also?.(x, field) === true || isCallerId(app, x), fields, any);
}

/**
 * Whether `n` is a `.filter(cb)` (or `.find`) of any receiver whose callback answers no element
 * but those whose field equals a value `other` accepts for that field (the caller's id for
 * keepsOwnRows, or what `also` accepts: "public" for a visibility field, uncheckedlist.ts; an
 * argument's id for a selection written in JavaScript, jsselect.ts), that field put in `fields`
 * (`any`: or for a row passing any one of those comparisons, see {@link ownerTest}).
 */
export function keepsRowsBy(app: App, n: ts.Node, other: (x: ts.Expression, field: string) => boolean, fields?: string[], any = false): boolean {
  if (!ts.isCallExpression(n) || !ts.isPropertyAccessExpression(n.expression) || !["filter", "find"].includes(n.expression.name.text)) return false;
  const cb = n.arguments[0] === undefined ? undefined : skipOuter(n.arguments[0]);
  if (cb === undefined || !(ts.isArrowFunction(cb) || ts.isFunctionExpression(cb))) return false;
  const param = cb.parameters[0]?.name;
  const only = ts.isBlock(cb.body) && cb.body.statements.length === 1 ? cb.body.statements[0] : undefined;
  const answer = !ts.isBlock(cb.body) ? cb.body : only !== undefined && ts.isReturnStatement(only) ? only.expression : undefined;
  return param !== undefined && ts.isIdentifier(param) && answer !== undefined && ownerTest(app, param.text, answer, false, cb, fields, other, any);
}

/**
 * Whether `test` compares a field of `row` (a name: `row.ownerId`; or what a reader answers the
 * field of: a destructured `ownerId`, `rows[i].ownerId`, jsselect.ts) with the caller's id (or a
 * value `other` accepts) so that it is `when` for a row that is not the caller's; that field put in `fields`.
 * `any`: the row is one that none of the comparisons `other` accepts holds for, each read so at
 * once (`l.visibility === "public" || l.ownerId === user._id`: public rows or the caller's own, as a
 * query's `q.or` of both is read, uncheckedlist.ts); each field put in `fields`.
 */
export function ownerTest(app: App, row: string | ((f: ts.Expression) => string | undefined), test: ts.Expression, when: boolean, scope: ts.Node, fields?: string[], other: (x: ts.Expression, field: string) => boolean = (x) => isCallerId(app, x), any = false): boolean {
  let own = false;
  const denied = new Map<ts.Expression, boolean>();
  const visit = (e: ts.Node): void => {
    if (own || (e !== scope && ts.isFunctionLike(e))) return;
    if (ts.isBinaryExpression(e) && EQUALITY.has(e.operatorToken.kind)) {
      const notOwner = e.operatorToken.kind === ts.SyntaxKind.ExclamationEqualsEqualsToken || e.operatorToken.kind === ts.SyntaxKind.ExclamationEqualsToken;
      const fieldOf = typeof row === "string" ? (f: ts.Expression) => (ts.isPropertyAccessExpression(f) && f.name.text !== "_id" && ts.isIdentifier(skipOuter(f.expression)) && (skipOuter(f.expression) as ts.Identifier).text === row ? f.name.text : undefined) : row;
      const left = fieldOf(skipOuter(e.left)), right = fieldOf(skipOuter(e.right));
      const field = left !== undefined && other(e.right, left) ? left : right !== undefined && other(e.left, right) ? right : undefined;
      if (field !== undefined && any) denied.set(e, notOwner);
      own = field !== undefined && truthWhenDenied(test, (x) => (any ? denied.get(x) : x === e ? notOwner : undefined) ?? "unknown") === when;
      if (field !== undefined && (own || any)) fields?.push(field);
    }
    ts.forEachChild(e, visit);
  };
  visit(test);
  return own;
}

/**
 * Whether `push` (`out.push(r)`) runs in a `for ... of` loop over rows (or a `rows.forEach((r) =>
 * ...)` callback, whose bare `return;` is a `continue`) only for the caller's own row `r`: after an
 * `if (r.ownerId !== user._id) continue;` of the loop's body, or in the branch of an
 * `if (r.ownerId === user._id)`, as {@link keepsOwnRows} reads a filter's callback.
 */
export function pushesOwnRows(app: App, push: ts.CallExpression, other: (x: ts.Expression, field: string) => boolean = (x) => isCallerId(app, x), fields?: string[], any = false): boolean {
  let n: ts.Node = push;
  while (!ts.isForOfStatement(n.parent) && !ts.isSourceFile(n.parent) && !ts.isFunctionLike(n.parent)) {
    const p = n.parent;
    // In the branch of an `if` that only the caller's own row reaches.
    const row = ts.isIfStatement(p) && p.thenStatement === n ? eachRow(loopOf(p)) : undefined;
    if (row !== undefined && ownerTest(app, row, (p as ts.IfStatement).expression, false, (p as ts.IfStatement).expression, fields, other, any)) return true;
    const name = ts.isBlock(p) ? eachRow(p.parent) : undefined;
    if (ts.isBlock(p) && name !== undefined) {
      // After an `if (...) continue;` (in a `forEach` callback, `return;`) of the loop's own body that every other row takes.
      const skips = (s: ts.Statement) => (ts.isForOfStatement(p.parent) ? ts.isContinueStatement(s) && s.label === undefined : ts.isReturnStatement(s) && s.expression === undefined);
      const before = p.statements.slice(0, p.statements.indexOf(n as ts.Statement));
      // The skip may count or log first, naming the row only in a log (skipbranch.ts: attack50 FP1).
      return before.some((s) => ts.isIfStatement(s) && s.elseStatement === undefined && (name !== "" ? skipBranch(s.thenStatement, skips, name, changesIn(app)) : skips(s.thenStatement) || (ts.isBlock(s.thenStatement) && s.thenStatement.statements.length === 1 && skips(s.thenStatement.statements[0]!))) && ownerTest(app, name, s.expression, true, s.expression, fields, other, any));
    }
    n = p;
  }
  return false;
}

/** The `for ... of` loop (or the function) a statement is in (through blocks and `if`s), or the node that ends the search. */
function loopOf(n: ts.Node): ts.Node {
  let p = n.parent;
  while (ts.isBlock(p) || ts.isIfStatement(p)) p = p.parent;
  return p;
}

/**
 * The name of the row of a loop over rows: a `for (const r of ...)` loop's variable ({@link loopRow}),
 * or the first parameter of a `forEach` callback; "" when it is destructured, undefined for neither.
 */
function eachRow(loop: ts.Node): string | undefined {
  const row = rowOf(loop);
  return row === null ? undefined : row !== undefined && ts.isIdentifier(row) ? row.text : "";
}

/** The binding of the row of a loop over rows (see {@link eachRow}): undefined when it has none, null when `loop` is neither (uncheckedlist.ts). */
export function rowOf(loop: ts.Node): ts.BindingName | undefined | null {
  const cb = ts.isArrowFunction(loop) || ts.isFunctionExpression(loop) ? loop : undefined;
  const call = cb === undefined ? undefined : outer(cb).parent;
  const each = call !== undefined && ts.isCallExpression(call) && ts.isPropertyAccessExpression(call.expression) && call.expression.name.text === "forEach" && call.arguments[0] === outer(cb!);
  return ts.isForOfStatement(loop) ? loopRow(loop)?.row : each ? cb!.parameters[0]?.name : null;
}

/** The rows a `for ... of` loop goes over and its row's binding: `for (const r of rows)`, or of `for (const [i, r] of rows.entries())` the pair's second (jsselect.ts, `pushesOwnRows`). */
export function loopRow(loop: ts.ForOfStatement): { over: ts.Expression; row: ts.BindingName } | undefined {
  const decl = ts.isVariableDeclarationList(loop.initializer) ? loop.initializer.declarations[0]?.name : undefined;
  const pairs = entriesOf(loop.expression);
  const row = pairs !== undefined && decl !== undefined && ts.isArrayBindingPattern(decl) ? decl.elements[1] : decl;
  return row === undefined || ts.isOmittedExpression(row) ? undefined : { over: pairs ?? loop.expression, row: ts.isBindingElement(row) ? row.name : row };
}

/** The rows an `entries()` call answers pairs of (`rows.entries()`), or undefined. */
function entriesOf(x: ts.Expression): ts.Expression | undefined {
  const e = skipOuter(x);
  return ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === "entries" && e.arguments.length === 0 ? e.expression.expression : undefined;
}

/** The value a text of it stands for: `String(x)`, `x.toString()` and `` `${x}` `` compare as `x` does (finalread28 FN4). */
export function asText(x: ts.Expression): ts.Expression {
  const e = skipOuter(x);
  if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === "String" && e.arguments.length === 1) return asText(e.arguments[0]!);
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === "toString" && e.arguments.length === 0) return asText(e.expression.expression);
  if (ts.isTemplateExpression(e) && e.head.text === "" && e.templateSpans.length === 1 && e.templateSpans[0]!.literal.text === "") return asText(e.templateSpans[0]!.expression);
  return e;
}
