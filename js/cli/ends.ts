// Whether leaving a function nested in the one audited (a callback's `return` or `throw`) ends a
// document for it, for callerid.ts `decides`: a comparison decides only where its exit does.
import ts from "typescript";
import { outer, swallowed, truthWhenDenied, type Throwing, type Value } from "./flow.js";
import { isFunctionLike, skipOuter } from "./program.js";
import { bindingNames } from "./facts-syntax.js";
import { skipBranch } from "./skipbranch.js";

/**
 * Whether a `return` at `at` ends the document `name` for `fn`: it leaves `fn`, or the function
 * nested in it that has the document as its own variable (`ids.map(async (id) => { const d = await
 * ctx.db.get(id); if (d.ownerId !== user._id) return null; ... })`). A callback's `return` with the
 * document a parameter or a loop's variable (`rows.forEach((l) => { if (l.ownerId !== user._id)
 * return; n++ })`, whose `l` is the rows') leaves the callback only: `fn` goes on with them.
 */
export function returnEnds(at: ts.Node, fn: ts.Node, name: string): boolean {
  let inner: ts.Node | undefined = at.parent;
  while (inner !== undefined && !isFunctionLike(inner)) inner = inner.parent;
  return inner === undefined || inner === fn || declares(inner, name);
}

/**
 * Whether a `throw` at `at` ends the document `name` for `fn`. A throw goes on out of a function
 * nested in `fn`, unless that function is async: then it rejects the function's promise, which
 * reaches `fn` only when `fn` awaits it ({@link promiseReaches}: `await Promise.all(rows.map(async
 * (l) => ...))`). Where it stops short of `fn` (`rows.forEach(async (l) => { if (l.ownerId !==
 * user._id) throw ... })`: forEach drops the promises), it ends only a document one of the
 * functions it left has as its own variable, as a callback's `return` does ({@link returnEnds}).
 */
export function throwEnds(at: ts.Node, fn: ts.Node, name: string): boolean {
  const left: ts.Node[] = [];
  let stop: ts.Node | undefined;
  for (let n = at.parent; n !== fn; n = n.parent) {
    if (n === undefined) return true; // not inside fn: nothing it leaves
    if (!isFunctionLike(n)) continue;
    left.push(n);
    if (stop === undefined && (ts.getCombinedModifierFlags(n) & ts.ModifierFlags.Async) !== 0 && !promiseReaches(n, fn)) stop = n;
  }
  return stop === undefined || left.slice(0, left.indexOf(stop) + 1).some((f) => declares(f, name));
}

/** Whether function `f` has the variable `name` as its own (not a parameter, nor a loop's variable, nor a nested function's). */
function declares(f: ts.Node, name: string): boolean {
  let own = false;
  const visit = (n: ts.Node): void => {
    if (own || (n !== f && isFunctionLike(n))) return;
    if (ts.isVariableDeclaration(n) && !ts.isForOfStatement(n.parent.parent) && !ts.isForInStatement(n.parent.parent) && bindingNames(n.name).includes(name)) own = true;
    else ts.forEachChild(n, visit);
  };
  visit(f);
  return own;
}

/** Array methods that call a callback and drop what it answers (a promise is only truthy to them). */
const DROPS = new Set(["forEach", "filter", "find", "findIndex", "findLast", "findLastIndex", "some", "every", "sort", "toSorted", "reduce", "reduceRight"]);

/**
 * Whether the promise of the async function `f` nested in `fn` reaches `fn` rejected (flow.ts
 * `swallowed`: awaited or returned, no `catch` or `allSettled` taking it): called in place and
 * awaited, each of a `map`'s (or `Array.from`'s) promises in an awaited `Promise.all` (or held in a
 * `const` awaited so), given to another function whose answer is awaited (an app helper is taken to
 * await what it is given), or a named function (a `const`, a declaration) whose every mention is
 * such a call. A `forEach` (and the other {@link DROPS}) drops it, and so does anything else.
 */
function promiseReaches(f: ts.SignatureDeclaration, fn: ts.Node): boolean {
  const name = ts.isFunctionDeclaration(f) ? f.name : ts.isVariableDeclaration(outer(f as ts.Expression).parent) ? (outer(f as ts.Expression).parent as ts.VariableDeclaration).name : undefined;
  if (name !== undefined) return ts.isIdentifier(name) && calledAwaited(name, fn);
  if (!ts.isFunctionExpression(f) && !ts.isArrowFunction(f)) return false;
  const e = outer(f);
  const call = e.parent;
  if (!ts.isCallExpression(call)) return false;
  if (call.expression === e) return !swallowed(call, fn, true);
  const callee = skipOuter(call.expression);
  const method = ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
  if (method !== undefined && DROPS.has(method)) return false;
  if (method !== "map" && method !== "from") return !swallowed(call, fn, true);
  const list = outer(call);
  const all = list.parent;
  if (ts.isVariableDeclaration(all)) return !swallowed(call, fn, true); // held: flow.ts settledLater
  return ts.isCallExpression(all) && all.arguments[0] === list && ts.isPropertyAccessExpression(skipOuter(all.expression)) && (skipOuter(all.expression) as ts.PropertyAccessExpression).name.text === "all" && !swallowed(all, fn, true);
}

/** Whether every mention of the function `name` in `fn` (one at least) is a call whose promise reaches `fn`. */
function calledAwaited(name: ts.Identifier, fn: ts.Node): boolean {
  let calls = 0;
  let other = false;
  const visit = (n: ts.Node): void => {
    if (other) return;
    if (ts.isIdentifier(n) && n !== name && n.text === name.text) {
      const e = outer(n);
      if (ts.isCallExpression(e.parent) && e.parent.expression === e && !swallowed(e.parent, fn, true)) calls++;
      else other = true;
    } else ts.forEachChild(n, visit);
  };
  visit(fn);
  return calls > 0 && !other;
}

/**
 * Whether the `if` statement `stmt` (an owner comparison of the document `name` in its test, `atom`
 * its value for the not-owner) skips to the next element of the loop that reads that document
 * (attack48 F6): a `const` or `let` of the loop's own body, before `stmt`, a statement of that
 * body too. The branch the not-owner takes is `continue` (of that loop: no label, or its own), or,
 * `stmt` the body's last statement, no branch at all (`if (doc.ownerId === me._id) out.push(doc)`):
 * either ends the element, and the document with it, as a callback's `return` does (returnEnds).
 * Fail closed: nothing before `stmt` in the body (its test included) changes data
 * (`throwing.changes`: a patch before the test is kept for the not-owner), and the document is
 * named there only in the test of an `if` whose only branch is such a `continue` (`if (doc ===
 * null) continue;`), never handed on (`out.push(doc)` before the test). A loop variable (rows read
 * outside the loop), a `var`, a document of an enclosing block, or a `continue` of another loop
 * (an inner loop's, an outer labelled one's) ends nothing.
 */
export function skipsElement(stmt: ts.IfStatement, name: string, atom: (e: ts.Expression) => Value | "unknown", throwing: Throwing): boolean {
  const body = stmt.parent;
  const loop = body.parent;
  const changes = throwing.changes;
  if (changes === undefined || !ts.isBlock(body) || !ts.isIterationStatement(loop, false) || loop.statement !== body) return false;
  const label = ts.isLabeledStatement(loop.parent) ? loop.parent.label.text : undefined;
  // `continue` of this loop, alone or after statements that change nothing and hand the document on to nothing (skipbranch.ts: attack50 FP1).
  const skips = (s: ts.Statement | undefined): boolean => skipBranch(s, (only) => ts.isContinueStatement(only) && (only.label === undefined || only.label.text === label), name, changes);
  const before = body.statements.slice(0, body.statements.indexOf(stmt));
  const at = before.findIndex((s) => ts.isVariableStatement(s) && (s.declarationList.flags & ts.NodeFlags.BlockScoped) !== 0 && s.declarationList.declarations.some((d) => bindingNames(d.name).includes(name)));
  const mentions = (n: ts.Node): boolean => (ts.isIdentifier(n) && n.text === name) || (ts.forEachChild(n, mentions) ?? false);
  const plain = (s: ts.Statement, i: number) => i === at || (!changes(s) && (!mentions(s) || (ts.isIfStatement(s) && s.elseStatement === undefined && skips(s.thenStatement) && !mentions(s.thenStatement))));
  if (at === -1 || !before.every(plain) || changes(stmt.expression)) return false;
  const truth = truthWhenDenied(stmt.expression, atom);
  if (truth === undefined) return false;
  const taken = truth ? stmt.thenStatement : stmt.elseStatement;
  return taken === undefined ? body.statements[body.statements.length - 1] === stmt : skips(taken);
}
