// A check an action or an HTTP action makes after it ran or scheduled another function (attack33 A3):
//
//   export const adminDeleteTask = action({ args: { taskId: v.id("tasks") }, handler: async (ctx, { taskId }) => {
//     await ctx.runMutation(internal.tasks.remove, { taskId }); // committed: public-no-auth, unchecked-id-delete here
//     await guard.requireRole(ctx, "admin");                    // too late: it counts for nothing
//   }});
//
// An action's `ctx.runMutation`, `runAction` and `ctx.scheduler.runAfter`/`runAt` are committed as
// they run: a check thrown after them undoes nothing, so it holds nothing for them. Such a check
// (made in the handler, or in an app helper the handler calls after the relay) is dropped from the
// function's checks, as one made on some paths only is, and named as the check that does not hold
// ("made after ctx.runMutation (convex/a.ts:4) ..."); the function is then judged as if it made no
// such check (save for the relays after it, below). A mutation's writes, runs and schedules roll back when its
// check throws: a check after them holds, and mutations and queries are left as they are (but for
// a branch that changes data and returns before the check: earlybranch.ts).
// A relay is a call written in the handler, or an app helper's `ctx.runMutation`/`runAction` (a
// helper's schedule is not seen); checks declared by a builder, `guard.safeAction` or a wrapper run
// before the handler and always hold. A dropped check still holds for the relays that run only after
// it (`heldChecks`: in the block it is made in, after it, on no branch of its own), as for the later
// relay of `if (args.dry) { await ctx.scheduler.runAfter(...); return } await guard.requireRole(ctx,
// "admin"); await ctx.runMutation(...)` (the branch's relay is judged with no check: final read).
import ts from "typescript";
import { ANSWERING, GUARD_AUTH, RUNS, type AuthCheck, type FactsFinder } from "./facts.js";
import { schedules } from "./facts-syntax.js";
import { before } from "./paths.js";
import { GUARD, isFunctionLike, type App, type Loc } from "./program.js";
import type { ConvexFunction } from "./functions.js";

/** Drops, from each action's and HTTP action's checks, those made only after a relay of its handler. */
export function markLateChecks(app: App, finder: FactsFinder, functions: readonly ConvexFunction[]): void {
  for (const fn of functions) {
    if ((fn.kind !== "action" && fn.kind !== "httpAction") || fn.handler === undefined) continue;
    const { early, late, sites } = checksAroundRelays(app, finder, fn.handler);
    if (late.size === 0) continue;
    const dropped = fn.facts.auth.filter((a) => late.has(key(a)) && !early.has(key(a)));
    if (dropped.length === 0) continue;
    fn.facts.auth = fn.facts.auth.filter((a) => !dropped.includes(a));
    for (const call of fn.calls) {
      const held = dropped.filter((a) => sites.has(key(a)) && before(sites.get(key(a))!, call.node, fn.handler!));
      if (held.length > 0) helds.set(call.node, held);
    }
    fn.facts.loose.unshift(...dropped.map((a) => ({ kind: "auth" as const, via: a.via, at: a.at, why: `made ${late.get(key(a))}, whose work an action does not undo when the check throws` })));
  }
}

const helds = new WeakMap<ts.Node, AuthCheck[]>();

/** The checks dropped from an action's (late checks) that still hold for its relay `call`: it runs only after them. */
export const heldChecks = (call: ts.Node): readonly AuthCheck[] => helds.get(call) ?? [];

/** A check's identity: the guard's call that made it, or where a hand-written one was made. */
export const key = (a: Pick<AuthCheck, "guardCall" | "at">): ts.Node | string => a.guardCall ?? `${a.at.file}:${a.at.line}`;

/**
 * The checks the handler's calls make before any relay (`early`), and those made after one, with
 * the first relay before them (`late`); `sites`: the call that makes each, once it returns (a
 * helper's call, a guard `require...` or another guard check whose denial throws). Calls are read in the order they run: arguments first.
 * `leaving`: what stands for a relay instead, asked of every node once its children are read
 * (earlybranch.ts: a mutation's branch that changes data and returns).
 */
export function checksAroundRelays(app: App, finder: FactsFinder, handler: ts.SignatureDeclaration, leaving?: (n: ts.Node) => string | undefined): { early: Set<ts.Node | string>; late: Map<ts.Node | string, string>; sites: Map<ts.Node | string, ts.CallExpression> } {
  const early = new Set<ts.Node | string>(), late = new Map<ts.Node | string, string>(), sites = new Map<ts.Node | string, ts.CallExpression>();
  let relay: string | undefined;
  const shown = (call: ts.CallExpression, what: string, at: Loc = app.loc(call)) => `${what} (${at.file}:${at.line})`;
  // The relay a call makes (a handler's call, or an app helper's first `ctx.runMutation`/`runAction`), as shown.
  const relayOf = (n: ts.CallExpression, helper: ts.SignatureDeclaration | undefined): string | undefined => {
    const path = app.memberPath(n.expression);
    const method = path.at(-1) ?? "";
    if (schedules(path)) return shown(n, `ctx.scheduler.${method}`);
    if (path.length === 2 && RUNS.has(method) && method !== "runQuery") return shown(n, `ctx.${method}`);
    const run = helper !== undefined && helper !== handler ? finder.of(helper).runs.find((r) => r.method !== "runQuery") : undefined;
    return run === undefined ? undefined : shown(n, `${run.method === "runAction" ? "ctx.runAction" : "ctx.runMutation"} in ${helper!.name !== undefined && ts.isIdentifier(helper!.name) ? helper!.name.text : "a helper"}`, run);
  };
  const helperOf = (n: ts.CallExpression) => (app.calleeFrom(n, GUARD) === undefined ? app.appFunction(n) : undefined);
  // The first relay of a `finally`: it runs when a check in its `try` (or `catch`) throws too (attack34 F4).
  const finallyRelay = (block: ts.Block): string | undefined => {
    let found: string | undefined;
    const seek = (n: ts.Node): void => {
      if (found !== undefined || isFunctionLike(n)) return;
      ts.forEachChild(n, seek);
      if (found === undefined && ts.isCallExpression(n)) found = relayOf(n, helperOf(n));
    };
    ts.forEachChild(block, seek);
    return found;
  };
  const visit = (n: ts.Node): void => {
    // A function kept for later (`const run = () => ctx.runMutation(...)`, a declaration) runs
    // nothing where it is written; a callback handed to a call (`.map`, `.then`) runs there.
    if (n !== handler && (ts.isFunctionDeclaration(n) || (isFunctionLike(n) && ts.isVariableDeclaration(n.parent)))) return;
    if (ts.isTryStatement(n) && n.finallyBlock !== undefined && relay === undefined && leaving === undefined) {
      const fin = finallyRelay(n.finallyBlock);
      if (fin !== undefined) {
        relay = `in a try whose finally runs ${fin}`;
        visit(n.tryBlock);
        if (n.catchClause !== undefined) visit(n.catchClause);
        relay = undefined;
        visit(n.finallyBlock);
        return;
      }
    }
    ts.forEachChild(n, visit);
    const helper = ts.isCallExpression(n) ? helperOf(n) : undefined;
    if (ts.isCallExpression(n)) {
      const made = helper !== undefined && helper !== handler ? finder.of(helper).auth.map(key) : [n, `${app.loc(n).file}:${app.loc(n).line}`];
      const name = app.calleeFrom(n, GUARD)?.name ?? "";
      const throws = helper !== undefined || /^require/.test(name) || (Object.hasOwn(GUARD_AUTH, name) && !ANSWERING.has(name) && name !== "groupLevel"); // `deleteDocument`, `share`: their denials throw too (attack45 F1)
      for (const k of made) {
        if (throws && !sites.has(k)) sites.set(k, n);
        if (relay === undefined) early.add(k);
        else if (!late.has(k)) late.set(k, relay);
      }
    }
    const now = leaving !== undefined ? leaving(n) : relay === undefined && ts.isCallExpression(n) ? relayOf(n, helper) : undefined;
    if (now !== undefined) relay ??= `after ${now}`;
  };
  visit(handler);
  return { early, late, sites };
}
