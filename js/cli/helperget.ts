// A single document read in an app helper, for the `unchecked-id-*` rules: the common "get or
// throw" helper, judged as the read written in the handler, its parameter standing for what the
// call passes (helperreads.ts, as for listings and children; up to three helpers deep):
//
//   async function loadTask(ctx: QueryCtx, taskId: Id<"tasks">) {
//     const t = await ctx.db.get(taskId);
//     if (t === null) throw new ConvexError("not found");
//     return t;
//   }
//   return await loadTask(ctx, args.taskId);                   // unchecked-id-read, at the get
//   const task = await loadTask(ctx, args.taskId);
//   await ctx.db.patch(task._id, { title: args.title });        // unchecked-id-write (delete: -delete)
//
// What covers a read in the handler covers it (a document check on that argument, a role above
// the lowest, a comparison of the answer's fields with the caller's own id in the handler). A
// helper on the way that checks anything itself (any guard call: `requireAccess` on its
// parameter; or any comparison of a field, `t.ownerId !== user._id`; or a value handed to a
// function that decides on it on every path, `await assertAuthor(ctx, t)`: `handsCheck`) is
// taken as checking the document: the audit does not read whose id a helper's comparison is with, so it stays silent
// (unsure). An id that is not the caller's argument (a literal, the caller's own id, a value
// the audit does not know) names no document the client chose: silent too.
import ts from "typescript";
import { readBy, readComparisons, returned, type ArgFlow } from "./argflow.js";
import { CONVEX, GUARD, type AuthCheck } from "./facts.js";
import { enclosingFunction, exitsOnDenial, isDatabase, mentionsName } from "./facts-syntax.js";
import { fieldComparisons } from "./callerid.js";
import { EQUALITY, swallowed } from "./flow.js";
import { callParameters } from "./paramflow.js";
import { everyPath } from "./paths.js";
import { helperCalls, reachedCalls, type Reached } from "./helperreads.js";
import { skipOuter, within, type App, type Loc } from "./program.js";
import { accessTables, typeTable } from "./accessfields.js";
import { literalThrough } from "./config.js";
import { guardTables, usersTables } from "./writes.js";

/** The document a helper read: the argument of the handler its id is, and the name of the helper the handler calls. */
export interface HelperDocument {
  arg: string;
  through: string;
  read: ts.CallExpression;
  /** The helper's only checks: guard document checks on a field of that document, its parent's (parentcover.ts), judged at the level each call passes. */
  parents?: ts.CallExpression[];
}

/**
 * The argument a document check of `flow`'s handler is on: the builder's `access.arg`, the
 * argument its id comes from, or the one the document whose `_id` it is was read by, in the
 * handler or by a "get or throw" helper (`task._id` of `const task = await getOrThrow(ctx,
 * taskId)`: argflow.ts `readBy`), as a change of `task._id` is that argument's; `other` when it is none.
 */
export const checkArgOf =
  (app: App, flow: ArgFlow, other?: string) =>
  (a: AuthCheck): string | undefined =>
    a.targetArg ?? (a.target !== undefined && (within(a.target, flow.handler) || parentCheck(app, a.guardCall)) ? (flow.idRoot(a.target) ?? readBy(app, flow, a.target) ?? other) : undefined);

/** Whether a guard call is a helper's check of the parent of the row it reads (`parentChecks`): a check of no argument's document, judged by parentcover.ts. */
const parentCheck = (app: App, call: ts.CallExpression | undefined): boolean => {
  const body = call === undefined ? undefined : enclosingFunction(call);
  return body !== undefined && parentChecks(app, body)?.includes(call!) === true;
};

/** The parent checks (`parentChecks`) of the helpers the handler calls that read the row argument `arg` names and answer it (`await taskAt(ctx, taskId, "editor")`); undefined when none. */
export function argParents(app: App, flow: ArgFlow, arg: string): ts.CallExpression[] | undefined {
  const found: ts.CallExpression[] = [];
  const visit = (n: ts.Node): void => {
    const doc = ts.isCallExpression(n) && app.calleeFrom(n, CONVEX) === undefined ? helperDocument(app, flow, n) : undefined;
    if (doc?.arg === arg && doc.parents !== undefined) found.push(...doc.parents);
    ts.forEachChild(n, visit);
  };
  visit(flow.handler);
  return found.length > 0 ? found : undefined;
}

/** " (through loadTask)" of a read or change made by a helper's document, "" of one made in the handler. */
export const throughText = (through: string | undefined) => (through === undefined ? "" : ` (through ${through})`);

/** Whether the handler's value `read` (`await loadTask(ctx, args.taskId)`) is a document an app helper read by an argument's id and answers, with no check of its own on the way. */
export function helperDocument(app: App, flow: ArgFlow, read: ts.Expression): HelperDocument | undefined {
  const call = skipOuter(read);
  if (!ts.isCallExpression(call) || !within(call, flow.handler)) return undefined;
  const known = cache.get(flow) ?? cache.set(flow, new WeakMap()).get(flow)!;
  if (!known.has(call)) {
    let found: HelperDocument | undefined;
    let unsure = false;
    helperCalls(app, flow.handler, call, (n, at) => {
      const doc = documentRead(app, flow, n, at);
      if (doc === "unsure") unsure = true;
      else found ??= doc;
    });
    known.set(call, unsure ? undefined : found);
  }
  return known.get(call);
}

const cache = new WeakMap<ArgFlow, WeakMap<ts.CallExpression, HelperDocument | undefined>>();

/** The single documents read in an app helper whose answer the handler returns, by an argument's id (`return await loadTask(ctx, args.taskId)`), as argflow.ts `returnedIdReads` reads the handler's own. */
export function helperIdReads(app: App, handler: ts.SignatureDeclaration, flow: ArgFlow): (Loc & { arg: string; compared: string[]; through: string; parents?: ts.CallExpression[] })[] {
  const out: (Loc & { arg: string; compared: string[]; through: string; parents?: ts.CallExpression[] })[] = [];
  const unsure = new Set<ts.SignatureDeclaration>();
  const found: { doc: HelperDocument; at: Reached }[] = [];
  reachedCalls(app, handler, (n, at) => {
    if (at.through === undefined) return;
    const doc = documentRead(app, flow, n, at);
    if (doc === "unsure") unsure.add(at.body);
    else if (doc !== undefined) found.push({ doc, at });
  });
  // A helper on the way that checks anything, or reads another document it answers too, makes the read unsure.
  for (const { doc, at } of found) {
    if (unsure.has(at.body) || at.exits.some((x) => unsure.has(x.body))) continue;
    out.push({ ...app.loc(doc.read), arg: doc.arg, compared: readComparisons(app, handler, flow, doc.arg).args, through: doc.through, ...(doc.parents === undefined ? {} : { parents: doc.parents }) });
  }
  return out;
}

/**
 * A call `n` of a helper's body `at` (never the handler's): the document it reads by the
 * handler's argument and the helper answers; "unsure" when the helper checks something
 * (`checks`) or answers a document read by an id that is no argument; else undefined.
 */
function documentRead(app: App, flow: ArgFlow, n: ts.CallExpression, at: Reached): HelperDocument | "unsure" | undefined {
  if (at.through === undefined) return undefined;
  const parents = parentChecks(app, at.body);
  if (parents === undefined && checks(app, at.body)) return "unsure";
  const convex = app.calleeFrom(n, CONVEX);
  const last = n.arguments[n.arguments.length - 1];
  if (convex?.name !== "get" || !isDatabase(convex.owner) || last === undefined || !returned(app, at.body, n, n, "document")) return undefined;
  if (parents !== undefined && !parents.every((p) => parentRow(app, p.arguments[2]!) === n)) return "unsure";
  const id = at.map(last);
  const arg = within(id, flow.handler) ? flow.idRoot(id) : undefined;
  // The parent's check covers the row only when the helper answers that row (not `latest ?? task`): else its answer is judged unchecked.
  return arg === undefined ? "unsure" : { arg, through: at.through, read: n, ...(parents === undefined || !answersOnly(app, at.body, n) ? {} : { parents }) };
}

/**
 * A helper's checks when they are only guard document checks on a field of a row it reads, of a
 * table no guard configures (`await guard.requireAccess(ctx, "projects", task.projectId, level)`
 * of a `const task = await ctx.db.get(taskId)`): the row's parent's check (parentcover.ts), which
 * the handler judges at the level its call passes (levelat.ts `passLevel`; the table the check names
 * when the id is untyped, `ctx: any`); undefined when it checks anything else.
 */
function parentChecks(app: App, body: ts.SignatureDeclaration): ts.CallExpression[] | undefined {
  if (parentsOf.has(body)) return parentsOf.get(body);
  const found: ts.CallExpression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && LEVEL_CALLS.has(app.calleeFrom(n, GUARD)?.name ?? "") && n.arguments[2] !== undefined && parentRow(app, n.arguments[2]) !== undefined) {
      const table = checkedTable(app, n);
      const row = typeTable(app, parentRow(app, n.arguments[2])!.arguments.at(-1)!);
      if (table !== undefined && row !== undefined && !accessTables(app).has(row) && !guardTables(app).has(row) && !usersTables(app).includes(row)) found.push(n);
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  const parents = found.length > 0 && !checks(app, body, new Set(found)) ? found : undefined;
  parentsOf.set(body, parents);
  return parents;
}

/** The table a document check (`requireAccess`, `readable`) is on: its id's type, else the table it names (`"documents"`: the id may be untyped, a field of a row read through `ctx: any`). */
export const checkedTable = (app: App, call: ts.CallExpression): string | undefined =>
  (call.arguments[2] === undefined ? undefined : typeTable(app, call.arguments[2])) ?? (LEVEL_CALLS.has(app.calleeFrom(call, GUARD)?.name ?? "") ? literalThrough(app, call.arguments[1]) : undefined);

/** The table of the row whose parent a helper's check (`parentChecks`) is of: its read id's type (`Id<"notes">`). */
export function checkedRowTable(app: App, call: ts.CallExpression): string | undefined {
  const get = call.arguments[2] === undefined ? undefined : parentRow(app, call.arguments[2]);
  return get === undefined ? undefined : typeTable(app, get.arguments.at(-1)!);
}

const parentsOf = new WeakMap<ts.SignatureDeclaration, ts.CallExpression[] | undefined>();

const LEVEL_CALLS = new Set(["requireAccess", "readable"]);

/** Whether every value helper `body` returns is the row `get` read (`return task`, `return await ctx.db.get(id)`) or none (`return null`). */
function answersOnly(app: App, body: ts.SignatureDeclaration, get: ts.CallExpression): boolean {
  const row = (e: ts.Expression): boolean => {
    const x = skipOuter(e);
    const init = ts.isIdentifier(x) ? app.constInitializer(x) : undefined;
    return x === get || (init !== undefined && skipOuter(init) === get) || x.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(x) && x.text === "undefined");
  };
  let only = true;
  const visit = (n: ts.Node): void => {
    if (!only || ts.isFunctionLike(n)) return;
    if (ts.isReturnStatement(n) && n.expression !== undefined) only = row(n.expression);
    ts.forEachChild(n, visit);
  };
  const b = (body as ts.FunctionLikeDeclaration).body;
  if (b !== undefined && ts.isBlock(b)) ts.forEachChild(b, visit);
  else if (b !== undefined) only = row(b);
  return only;
}

/** The `ctx.db.get` a field is read from: `task.projectId` of a `const task = await ctx.db.get(taskId)` (not its `_id`). */
function parentRow(app: App, e: ts.Expression): ts.CallExpression | undefined {
  const x = skipOuter(e);
  if (!ts.isPropertyAccessExpression(x) || x.name.text === "_id") return undefined;
  const row = skipOuter(x.expression);
  const init = ts.isIdentifier(row) ? app.constInitializer(row) : undefined;
  const get = init === undefined ? undefined : skipOuter(init);
  return get !== undefined && ts.isCallExpression(get) && app.calleeFrom(get, CONVEX)?.name === "get" ? get : undefined;
}

const checked = new WeakMap<ts.SignatureDeclaration, boolean>();

/** Whether a helper makes any guard call, compares any field (`t.ownerId !== user._id`, `t?.orgId === orgId`), or hands a value to a function that decides on it (`handsCheck`). */
function checks(app: App, body: ts.SignatureDeclaration, except?: Set<ts.CallExpression>): boolean {
  const known = except === undefined ? checked.get(body) : undefined;
  if (known !== undefined) return known;
  const field = (e: ts.Expression) => ts.isPropertyAccessExpression(skipOuter(e)) || ts.isElementAccessExpression(skipOuter(e));
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (except?.has(n as ts.CallExpression) === true) ts.forEachChild(n, visit);
    else if (ts.isCallExpression(n) && (app.calleeFrom(n, GUARD) !== undefined || handsCheck(app, body, n))) found = true;
    else if (ts.isBinaryExpression(n) && EQUALITY.has(n.operatorToken.kind) && (field(n.left) || field(n.right))) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(body);
  if (except === undefined) checked.set(body, found);
  return found;
}

/**
 * Whether `call`, made by the helper `body` on its every path (paths.ts `everyPath`: in no branch,
 * after no `return`; its throw not caught), hands a value to an app function that decides on it:
 * throws when a field of it is not the caller's own id (`assertAuthor(ctx, c)` of `if (c.authorId
 * !== user._id) throw ...`: callerid.ts `fieldComparisons`, a throw only), or makes a `require...`
 * guard check on it (`guard.requireAccess(ctx, "comments", c._id, "editor")`); or answers such a
 * comparison, deciding, and the helper leaves on its answer (`if (!(await isAuthor(ctx, c))) throw
 * ...`). So a check the helper hands on counts as one it makes: a call of a function that only
 * reads, logs or returns what it decides, unread, checks nothing.
 */
function handsCheck(app: App, body: ts.SignatureDeclaration, call: ts.CallExpression): boolean {
  const callee = app.appFunction(call);
  const throwsOnly = callee === undefined || !exitsOnDenial(app, call, false);
  // An answer tested: the statement that tests it runs on every path (`if (c === null || !(await isAuthor(ctx, c))) throw ...`).
  let site: ts.Node = call;
  while (!throwsOnly && !ts.isStatement(site) && site.parent !== undefined) site = site.parent;
  if (callee === undefined || callee === body || !everyPath(site, body) || swallowed(call, body, (ts.getCombinedModifierFlags(callee as ts.Declaration) & ts.ModifierFlags.Async) !== 0)) return false;
  return callParameters(callee).some((p, i) => {
    if (!ts.isIdentifier(p.name) || call.arguments[i] === undefined) return false;
    const name = p.name.text;
    let required = false;
    const visit = (n: ts.Node): void => {
      required ||= ts.isCallExpression(n) && /^require/.test(app.calleeFrom(n, GUARD)?.name ?? "") && n.arguments.slice(1).some((a) => mentionsName(a, name)) && everyPath(n, callee);
      if (!required) ts.forEachChild(n, visit);
    };
    visit(callee);
    return required || fieldComparisons(app, callee, name, undefined, throwsOnly).caller;
  });
}
