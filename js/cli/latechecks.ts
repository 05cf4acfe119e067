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
import { GUARD, isFunctionLike, skipOuter, type App, type Loc } from "./program.js";
import { literalThrough } from "./config.js";
import type { ConvexFunction } from "./functions.js";

/** Drops, from each action's and HTTP action's checks and rate limits, those made only after (or alongside) a relay of its handler. */
export function markLateChecks(app: App, finder: FactsFinder, functions: readonly ConvexFunction[]): void {
  for (const fn of functions) {
    if ((fn.kind !== "action" && fn.kind !== "httpAction") || fn.handler === undefined) continue;
    const { early, late, sites, settles } = checksAroundRelays(app, finder, fn.handler);
    if (late.size === 0) continue;
    const isLate = (k: ts.Node | string) => late.has(k) && !early.has(k);
    // A rate limit taken after, or alongside, what the action ran limits none of it (attack47 F2).
    const spent = fn.facts.rateLimits.filter((r) => isLate(limitKey(r)));
    fn.facts.rateLimits = fn.facts.rateLimits.filter((r) => !spent.includes(r));
    fn.facts.loose.unshift(...spent.map((r) => ({ kind: "limit" as const, via: r.via, at: r.at, why: `taken ${late.get(limitKey(r))}, which runs whether or not the limit refuses`, late: true as const })));
    const dropped = fn.facts.auth.filter((a) => isLate(key(a)));
    if (dropped.length === 0) continue;
    fn.facts.auth = fn.facts.auth.filter((a) => !dropped.includes(a));
    for (const call of fn.calls) {
      const held = dropped.filter((a) => sites.has(key(a)) && before(settles.get(key(a)) ?? sites.get(key(a))!, call.node, fn.handler!));
      if (held.length > 0) helds.set(call.node, held);
    }
    fn.facts.loose.unshift(...dropped.map((a) => ({ kind: "auth" as const, via: a.via, at: a.at, why: `made ${late.get(key(a))}, whose work an action does not undo when the check throws` })));
  }
}

/** The global `fetch`: `fetch`, `globalThis.fetch` (`self`, `window`), or a `const` holding one (`const send = fetch`: attack48 F12). */
function isFetch(app: App, e: ts.Expression, depth = 0): boolean {
  const x = skipOuter(e);
  if (ts.isIdentifier(x)) {
    if (x.text === "fetch" && app.isGlobal(x)) return true;
    const init = depth < 3 ? app.constInitializer(x) : undefined;
    return init !== undefined && isFetch(app, init, depth + 1);
  }
  const root = ts.isPropertyAccessExpression(x) ? skipOuter(x.expression) : undefined;
  return root !== undefined && ts.isIdentifier(root) && ["globalThis", "self", "window"].includes(root.text) && app.isGlobal(root) && (x as ts.PropertyAccessExpression).name.text === "fetch";
}

/** The fix of a rate limit an action takes after, or alongside, the work it limits, when one of a function's loose uses is such a limit; else undefined. */
export const lateLimitFix = (loose: readonly { kind: string; late?: true }[]): string | undefined => (loose.some((x) => x.kind === "limit" && x.late === true) ? LATE_LIMIT_FIX : undefined);
const LATE_LIMIT_FIX =
  "Take the limit first: await guard.rateLimit(ctx, name, { key: user._id }) (or rateLimitAll) on its own, before the action's ctx.runMutation, runAction, schedule or fetch, not after them nor beside them in a Promise.all: an action keeps what it ran when the limit refuses afterwards (or a builder's or guard.safeAction's rateLimit, which is taken before the handler runs).";

/** A rate limit's identity, as the calls of checksAroundRelays make it: where it is taken. */
const limitKey = (r: { at: Loc }) => `limit ${r.at.file}:${r.at.line}`;

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
export function checksAroundRelays(app: App, finder: FactsFinder, handler: ts.SignatureDeclaration, leaving?: (n: ts.Node) => string | undefined): Around {
  const early = new Set<ts.Node | string>(), late = new Map<ts.Node | string, string>(), sites = new Map<ts.Node | string, ts.CallExpression>(), settles = new Map<ts.Node | string, ts.Node>();
  let relay: string | undefined;
  // Checks and limits started but not yet settled (in a `Promise.all`, a promise awaited later): a relay started meanwhile runs alongside them.
  const pending: { call: ts.Node; keys: (ts.Node | string)[]; settle: ts.Node; alongside?: string }[] = [];
  const settle = (p: (typeof pending)[number]) => {
    for (const k of p.keys) if (p.alongside === undefined) early.add(k); else if (!late.has(k)) late.set(k, p.alongside), settles.set(k, p.settle);
  };
  const shown = (call: ts.CallExpression, what: string, at: Loc = app.loc(call)) => `${what} (${at.file}:${at.line})`;
  // The relay a call makes (a handler's call, or an app helper's first `ctx.runMutation`/`runAction`), as shown.
  const relayOf = (n: ts.CallExpression, helper: ts.SignatureDeclaration | undefined): string | undefined => {
    const path = app.memberPath(n.expression);
    const method = path.at(-1) ?? "";
    if (schedules(path)) return shown(n, `ctx.scheduler.${method}`);
    if (path.length === 2 && RUNS.has(method) && method !== "runQuery") return shown(n, `ctx.${method}`);
    const callee = skipOuter(n.expression);
    if (helper === undefined && isFetch(app, callee) && !onlyGets(app, n)) return shown(n, "fetch"); // a request sent is sent (attack47 F2)
    const run = helper !== undefined && helper !== handler ? finder.of(helper).runs.find((r) => r.method !== "runQuery") : undefined;
    return run === undefined ? undefined : shown(n, `${run.method === "runAction" ? "ctx.runAction" : "ctx.runMutation"} in ${helperName(helper!)}`, run);
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
      const name = app.calleeFrom(n, GUARD)?.name ?? "";
      const made = helper !== undefined && helper !== handler ? [...finder.of(helper).auth.map(key), ...finder.of(helper).rateLimits.map(limitKey)] : [n, `${app.loc(n).file}:${app.loc(n).line}`, ...(/^rateLimit(All)?$/.test(name) ? [limitKey({ at: app.loc(n) })] : [])];
      // A helper's own check or limit made after its own relay (`await ctx.runMutation(...); await guard.requireRole(ctx, "admin")` in it): late wherever it is called (attack48 F4).
      const inside = helper !== undefined && helper !== handler && leaving === undefined ? lateInside(app, finder, helper) : undefined;
      const lateThere = (k: ts.Node | string) => inside !== undefined && inside.late.has(k) && !inside.early.has(k);
      for (const k of made) if (lateThere(k) && !late.has(k)) late.set(k, `${inside!.late.get(k)} in ${helperName(helper!)}`);
      const throws = helper !== undefined || /^require/.test(name) || (Object.hasOwn(GUARD_AUTH, name) && !ANSWERING.has(name) && name !== "groupLevel"); // `deleteDocument`, `share`: their denials throw too (attack45 F1)
      const at = relay === undefined && leaving === undefined ? settlesAt(app, n) : undefined;
      for (const k of made) if (throws && !sites.has(k)) sites.set(k, n);
      const timed = made.filter((k) => !lateThere(k));
      if (at !== undefined) pending.push({ call: n, keys: timed, settle: at });
      else for (const k of timed) if (relay === undefined) early.add(k); else if (!late.has(k)) late.set(k, relay);
    }
    const now = leaving !== undefined ? leaving(n) : relay === undefined && ts.isCallExpression(n) ? relayOf(n, helper) : undefined;
    if (now !== undefined) {
      relay ??= `after ${now}`;
      for (const p of pending) if (p.call !== n) p.alongside ??= `alongside ${now}`; // not the relay's own call (a helper that checks, then runs)
    }
    for (let i = pending.length - 1; i >= 0; i--) if (pending[i]!.settle === n) settle(pending.splice(i, 1)[0]!);
  };
  visit(handler);
  pending.forEach(settle);
  return { early, late, sites, settles };
}

const helperName = (helper: ts.SignatureDeclaration) => (helper.name !== undefined && ts.isIdentifier(helper.name) ? helper.name.text : "a helper");

const insides = new WeakMap<ts.Node, Around | null>(); // null: being read (a helper that calls itself, through others)

/** checksAroundRelays of an app helper, read as a handler's (its helpers' in turn), once. */
function lateInside(app: App, finder: FactsFinder, helper: ts.SignatureDeclaration): Around | undefined {
  const known = insides.get(helper);
  if (known !== undefined) return known ?? undefined;
  insides.set(helper, null);
  const around = checksAroundRelays(app, finder, helper);
  insides.set(helper, around);
  return around;
}

/**
 * Whether a `fetch` only reads, as `ctx.runQuery` does (finalread32 M1): a URL (a string or a `URL`,
 * never a `Request`, which may carry any method) with no init, or an init written as an object literal
 * whose `method` is absent or a literal GET or HEAD (any case) and that has no `body`. Anything else
 * (another method, an init or method not written literally, a spread) may send: work.
 */
function onlyGets(app: App, call: ts.CallExpression): boolean {
  const [url, init, ...more] = call.arguments;
  if (url === undefined || more.length > 0 || ts.isSpreadElement(url)) return false;
  const made = skipOuter(url);
  const isUrl = ts.isNewExpression(made) && ts.isIdentifier(made.expression) && made.expression.text === "URL" && app.isGlobal(made.expression);
  const type = app.checker.getTypeAtLocation(url);
  if (!isUrl && (type.flags & ts.TypeFlags.StringLike) === 0 && type.getSymbol()?.getName() !== "URL") return false;
  if (init === undefined) return true;
  const object = skipOuter(init);
  if (!ts.isObjectLiteralExpression(object)) return false;
  const name = (p: ts.ObjectLiteralElementLike) => (p.name !== undefined && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined);
  if (object.properties.some((p) => ts.isSpreadAssignment(p) || name(p) === undefined || name(p) === "body")) return false;
  const method = object.properties.find((p) => name(p) === "method");
  if (method === undefined) return true;
  const value = ts.isPropertyAssignment(method) ? literalThrough(app, method.initializer) : undefined;
  return value !== undefined && /^(get|head)$/i.test(value);
}

/** What checksAroundRelays reads; `settles`: where a check or limit made alongside a relay settles (the `await` of its `Promise.all`). */
interface Around { early: Set<ts.Node | string>; late: Map<ts.Node | string, string>; sites: Map<ts.Node | string, ts.CallExpression>; settles: Map<ts.Node | string, ts.Node> }

/**
 * Where a call started and not awaited at once settles, when a relay may start meanwhile: the
 * `await` (or `return`) of the `Promise.all` it is an element of (`await Promise.all([guard.requireUser(ctx),
 * ctx.runAction(...)])`), or of the `const` holding it or that `Promise.all`, at its first use
 * (`const p = guard.requireUser(ctx); await ctx.runMutation(...); await p`). Undefined when it is
 * awaited at once, or settles where the audit does not read (`.then`, an argument): as before.
 */
function settlesAt(app: App, call: ts.CallExpression): ts.Node | undefined {
  let m = outward(call);
  const decl = m.parent;
  if (ts.isVariableDeclaration(decl) && decl.initializer === m && ts.isIdentifier(decl.name)) {
    const declared = app.symbol(decl.name);
    const use = firstUse(decl.parent.parent.parent, decl.end, (id) => id.text === (decl.name as ts.Identifier).text && app.symbol(id) === declared);
    if (use === undefined) return undefined;
    m = outward(use);
  } else if (m === call) return undefined;
  return ts.isAwaitExpression(m.parent) || ts.isReturnStatement(m.parent) ? m.parent : undefined;
}

/** Out of what hands a promise on unsettled: parentheses, `as`, `!`, an array and its spread, `Promise.all`'s argument. */
function outward(n: ts.Node): ts.Node {
  for (;;) {
    const p = n.parent;
    const all = ts.isCallExpression(p) && p.expression !== n && ts.isPropertyAccessExpression(skipOuter(p.expression)) && (skipOuter(p.expression) as ts.PropertyAccessExpression).name.text === "all";
    if (ts.isParenthesizedExpression(p) || ts.isAsExpression(p) || ts.isSatisfiesExpression(p) || ts.isNonNullExpression(p) || ts.isArrayLiteralExpression(p) || ts.isSpreadElement(p) || all) n = p;
    else return n;
  }
}

/** The first name after `from` in `scope` that `is` accepts. */
function firstUse(scope: ts.Node, from: number, is: (id: ts.Identifier) => boolean): ts.Identifier | undefined {
  let found: ts.Identifier | undefined;
  const visit = (n: ts.Node): void => {
    if (found !== undefined || n.end <= from) return;
    if (ts.isIdentifier(n) && n.pos >= from && is(n)) found = n;
    else ts.forEachChild(n, visit);
  };
  visit(scope);
  return found;
}
