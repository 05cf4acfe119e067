// The database queries a handler's answer may hold: made in the handler, or in an app helper whose
// answer it returns (`return await listAll(ctx)`, `const ts = await tasksOf(ctx, projectId)`, up to
// three calls deep), for `unchecked-list` (uncheckedlist.ts) and `unchecked-id-read`'s children
// (childquery.ts), reported at the query in the helper as a delete or write made in one is
// (`listings`); and for the single document a helper reads and answers (`loadTask`, helperget.ts).
// A helper's parameter stands for what the call passes (facts-syntax.ts `argumentFor`).
import ts from "typescript";
import { returned } from "./argflow.js";
import { argumentFor, isDatabase } from "./facts-syntax.js";
import { CONVEX } from "./facts.js";
import { skipOuter, within, type App } from "./program.js";

/** A helper call a query's rows leave through: the function the call is made in, and the call. */
export interface Exit {
  body: ts.SignatureDeclaration;
  call: ts.CallExpression;
}

/** Where a query was found: the function it is made in, what a value there stands for in the handler, the helper calls its rows leave through (innermost first), and the name of the helper the handler calls. */
export interface Reached {
  body: ts.SignatureDeclaration;
  map: (e: ts.Expression) => ts.Expression;
  exits: Exit[];
  through?: string;
}

/** Calls `judge` on each `ctx.db.query(t)` of `handler` and of the app helpers whose answer it returns (a JS filter to the caller's own rows of that answer aside: callerid.ts `keepsOwnRows`). */
export function reachedQueries(app: App, handler: ts.SignatureDeclaration, judge: (query: ts.CallExpression, at: Reached) => void): void {
  reachedCalls(app, handler, (n, at) => {
    const convex = app.calleeFrom(n, CONVEX);
    if (convex?.name === "query" && isDatabase(convex.owner)) judge(n, at);
  });
}

/** Calls `judge` on each call of `handler` and of the app helpers whose answer it returns (`reachedQueries`): a helper's `ctx.runQuery` relay too (uncheckedlist.ts). */
export function reachedCalls(app: App, handler: ts.SignatureDeclaration, judge: (call: ts.CallExpression, at: Reached) => void): void {
  scan(app, handler, handler, (e) => e, [], undefined, judge);
}

/**
 * Calls `judge` on each call of the app helper that `call` (made in `handler`) calls, and of the
 * helpers whose answer it returns, as `reachedCalls` reads a handler's: what `const t = await
 * loadTask(ctx, args.id)` holds (helperget.ts). Nothing when `call` calls no app helper.
 */
export function helperCalls(app: App, handler: ts.SignatureDeclaration, call: ts.CallExpression, judge: (call: ts.CallExpression, at: Reached) => void): void {
  const helper = entered(app, handler, handler, call, []);
  if (helper !== undefined) scan(app, handler, helper, (e) => argumentFor(app, e, helper, call), [{ body: handler, call }], helperName(helper, call), judge);
}

/** The app helper a call of `body` enters (up to three deep, not one it is already in), or undefined. */
function entered(app: App, handler: ts.SignatureDeclaration, body: ts.SignatureDeclaration, n: ts.CallExpression, exits: Exit[]): ts.SignatureDeclaration | undefined {
  const helper = app.calleeFrom(n, CONVEX) === undefined && exits.length < 3 ? app.appFunction(n) : undefined;
  return helper !== undefined && !within(helper, handler) && helper !== body && !exits.some((x) => x.body === helper) ? helper : undefined;
}

const helperName = (helper: ts.SignatureDeclaration, n: ts.CallExpression) => (helper.name !== undefined && ts.isIdentifier(helper.name) ? helper.name.text : skipOuter(n.expression).getText());

function scan(app: App, handler: ts.SignatureDeclaration, body: ts.SignatureDeclaration, map: (e: ts.Expression) => ts.Expression, exits: Exit[], through: string | undefined, judge: (call: ts.CallExpression, at: Reached) => void): void {
  const at = { body, map, exits, ...(through === undefined ? {} : { through }) };
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) {
      judge(n, at);
      const helper = entered(app, handler, body, n, exits);
      if (helper !== undefined && returned(app, body, n, n, "document", true)) {
        scan(app, handler, helper, (e) => map(argumentFor(app, e, helper, n)), [{ body, call: n }, ...exits], through ?? helperName(helper, n), judge);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
}
