// What a guard listing covers. `listAccessible` and `listMyGroups` decide about no document and
// deny no one (a signed-out caller gets an empty page), and `readableMany` answers `null` for each
// id the caller may not read: they filter. A listing is a function's check only for what comes
// from its answer:
//
//   const { page } = await guard.listAccessible(ctx, "posts", { paginationOpts });
//   return page.map((r) => r.doc.title);                                    // the page: checked
//   return await Promise.all(page.map((r) => ctx.db.get(r.doc.ownerId)));   // ids from it: checked
//   console.log(page); return await ctx.db.query("posts").take(50);        // other rows: no check
//
// Read in the function that makes the listing and in each app function on the way to it from the
// handler (a helper returning the listing, and its caller): every use of `ctx` there (a `ctx.db`
// read or write, `ctx.storage`, `ctx.runQuery`/`runMutation`/`runAction`, an app function given
// `ctx`) must be made of the listing's answer, that is mention a name bound from it (a `const` or
// `let`, a loop's variable, a callback's parameter over it) or the call itself. A query whose rows
// only choose the ids `readableMany` checks is made for the listing, not beside it:
//
//   const rows = await ctx.db.query("documents").withIndex("by_folder", ...).collect();
//   const rs = await guard.readableMany(ctx, "documents", rows.map((r) => r._id));
//   return rs.filter((r) => r !== null).map((r) => r.doc);                 // checked
//   return { checked: rs, total: rows.length };                           // the rows: no check
import ts from "typescript";
import { rowHolders, pageMetaOnly } from "./aliases.js";
import { chainEnd } from "./argflow.js";
import { CONVEX, RUNS, type FactsFinder } from "./facts.js";
import { bindingNames, isDatabase, mentionsName } from "./facts-syntax.js";
import { callParameters } from "./paramflow.js";
import { outer } from "./flow.js";
import { GUARD, isFunctionLike, skipOuter, within, type App } from "./program.js";

/** Convex calls that run another function with what they are given. */

/**
 * Whether the listing `listing` (a guard listing call) is the check of what `fn` (the handler)
 * does through `ctx`: every use of `ctx` made of its answer, in `fn` and in the app functions
 * between `fn` and the listing. False when `fn` does not reach it (a wrapper's listing: not seen).
 */
export function listingCovers(app: App, finder: FactsFinder, fn: ts.SignatureDeclaration, listing: ts.CallExpression, depth = 0): boolean {
  if (depth > 4 || !("body" in fn) || fn.body === undefined) return false;
  const calls: ts.CallExpression[] = [];
  const collect = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) calls.push(n);
    ts.forEachChild(n, collect);
  };
  collect(fn.body);
  // The calls whose answer is the listing's: the listing itself, or an app function that makes it.
  const carries = (call: ts.CallExpression) => {
    if (call === listing) return true;
    const helper = app.appFunction(call);
    return helper !== undefined && helper !== fn && finder.of(helper).auth.some((a) => a.guardCall === listing);
  };
  const roots = calls.filter(carries);
  if (roots.length === 0) return false;
  const fromPage = pageValues(fn, roots);
  const ctx = callParameters(fn)[0]?.name;
  const ctxNames = new Set(ctx === undefined ? [] : bindingNames(ctx));
  for (const call of calls) {
    if (roots.includes(call) || !usesCtx(app, call, ctxNames) || fromPage(chainEnd(call)) || choosesIds(app, fn, chainEnd(call), listing)) continue;
    return false;
  }
  return roots.every((root) => {
    const helper = root === listing ? undefined : app.appFunction(root);
    return helper === undefined || listingCovers(app, finder, helper, listing, depth + 1);
  });
}

/**
 * Whether the value read at `end` (a `ctx.db` call's chain) only chooses the ids the
 * `readableMany` listing checks: it is in the listing's own arguments, or held in a variable
 * (`const rows`; a `paginate` answer's `page`, rowHolders) every mention of which is there, or is
 * that answer's metadata (`{ ...res, page: checked }`). What leaves is then the listing's answer.
 */
function choosesIds(app: App, fn: ts.SignatureDeclaration, end: ts.Expression, listing: ts.CallExpression): boolean {
  if (app.calleeFrom(listing, GUARD)?.name !== "readableMany") return false;
  const o = outer(end);
  if (listing.arguments.some((a) => within(o, a))) return true;
  const held = o.parent;
  if (!ts.isVariableDeclaration(held) || held.initializer !== o) return false;
  const names = rowHolders(end, held.name);
  const meta = pageMetaOnly(end, held.name);
  return names.length > 0 && !names.some((name) => mentionsName(fn, name, (n) => n === held.name || n === listing || meta(n)));
}

/** Whether a call uses `ctx` (whose names are `ctxNames`): a database, storage or run call, or an app function given it (`helper(ctx)`, `helper(ctx.db)`). */
function usesCtx(app: App, call: ts.CallExpression, ctxNames: ReadonlySet<string>): boolean {
  if (app.calleeFrom(call, GUARD) !== undefined) return false;
  const convex = app.calleeFrom(call, CONVEX);
  if (convex !== undefined) return (isDatabase(convex.owner) && convex.name !== "normalizeId") || convex.owner.includes("Storage") || RUNS.has(convex.name);
  return app.appFunction(call) !== undefined && call.arguments.some((a) => ctxNames.has(rootName(a) ?? ""));
}

/** `ctx` of `ctx`, `ctx.db`, `ctx.db.system`. */
function rootName(e: ts.Expression): string | undefined {
  let x = skipOuter(e);
  while (ts.isPropertyAccessExpression(x)) x = skipOuter(x.expression);
  return ts.isIdentifier(x) ? x.text : undefined;
}

/**
 * Whether an expression is made of the answer of one of `roots`: it holds one of those calls
 * (`(await guard.listAccessible(...)).page`), or mentions a name bound from one (through `const`s and `let`s, assignments, `for ... of` and the
 * parameters of a callback given one, to a fixed point).
 */
function pageValues(fn: ts.SignatureDeclaration, roots: readonly ts.CallExpression[]): (e: ts.Node) => boolean {
  const names = new Set<string>();
  const holds = (e: ts.Node): boolean => {
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if (roots.includes(n as ts.CallExpression)) found = true;
      else if (ts.isIdentifier(n) && names.has(n.text) && !isMemberName(n)) found = true;
      else ts.forEachChild(n, visit);
    };
    visit(e);
    return found;
  };
  const take = (n: ts.BindingName | ts.Expression): void => {
    if (ts.isIdentifier(n)) names.add(n.text);
    else if (ts.isObjectBindingPattern(n) || ts.isArrayBindingPattern(n)) for (const b of bindingNames(n)) names.add(b);
  };
  for (let pass = 0; pass < 4; pass++) {
    const before = names.size;
    const visit = (n: ts.Node): void => {
      if (ts.isVariableDeclaration(n) && n.initializer !== undefined && holds(n.initializer)) take(n.name);
      else if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && holds(n.right)) take(skipOuter(n.left));
      else if (ts.isForOfStatement(n) && holds(n.expression) && ts.isVariableDeclarationList(n.initializer)) for (const d of n.initializer.declarations) take(d.name);
      else if (ts.isCallExpression(n) && (holds(n.expression) || n.arguments.some((a) => !isFunctionLike(a) && holds(a)))) {
        for (const a of n.arguments) if (isFunctionLike(a)) for (const p of a.parameters) take(p.name);
      }
      ts.forEachChild(n, visit);
    };
    visit(fn);
    if (names.size === before) break;
  }
  return holds;
}

/** `page` of `x.page` or `{ page: ... }`: a member's name, not the variable. */
function isMemberName(n: ts.Identifier): boolean {
  const p = n.parent;
  return (ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isPropertyAssignment(p) && p.name === n) || (ts.isBindingElement(p) && p.propertyName === n);
}
