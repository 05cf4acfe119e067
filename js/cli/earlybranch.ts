// A change a public mutation makes on a branch that returns before its check (gapsb, `mutBranch`):
//
//   if (args.dry) { await ctx.db.delete(args.id); return; } // no check on this path
//   await guard.requireRole(ctx, "admin");                  // holds for what follows it only
//   await ctx.db.delete(args.id);
//
// A check thrown later rolls back what the mutation did before it, but never runs on a path that
// has left past it: what that path changed is committed with no check. A change (facts.ts
// `changes`: a `ctx.db` write, a guard write, a `ctx.runMutation`/`runAction` or a schedule) from
// which a path reaches a jump (paths.ts `jumpPast`: a `return`; a `break` or `continue` out of a
// labelled block, loop or `switch` around the check; a `throw` a `catch` of the handler swallows,
// the check's own denial to a `catch` that returns) that skips a check of the handler, with no
// check of its own on the way (a `require...` in the branch), is judged as the function would be without the checks skipped: `public-no-auth` naming
// the change and the jump, and the change's own `unchecked-id-delete`/`-write`/`-read` findings
// (also through a relay, follow.ts), as the unchecked form is. The path is read from the code: the
// change before the jump, not in the other branch of an `if` or `?:` nor in a `switch` case that
// does not fall through to the jump's (paths.ts `exclusive`), unless a loop holds both (one
// iteration changes, a later one jumps), nor followed by a `break` out of that loop (`breaksFirst`); the change may be in the `if`'s condition (attack36 F2),
// in a callback called there (`ids.map((id) => ctx.db.delete(id))`, a Promise's executor, an IIFE, also
// through `.call`/`.apply`/`.bind(...)()`) or in a `finally`
// the jump leaves through. What runs after the check is judged with it, as before.
// A branch that returns data it read is already a path with no check (paths.ts `returnsDataBefore`).
import ts from "typescript";
import { RUNS, type FactsFinder } from "./facts.js";
import { schedules, throwingIn } from "./facts-syntax.js";
import { followFindings } from "./follow.js";
import type { ConvexFunction } from "./functions.js";
import { checksAroundRelays, key } from "./latechecks.js";
import { exclusive, forked, jumpPast, mayReturn } from "./paths.js";
import { isFunctionLike, type App } from "./program.js";
import { functionFindings, type Finding } from "./rules.js";

const DB_VERBS: Record<string, string> = { delete: "deletes", patch: "patches", replace: "replaces", insert: "inserts" };

/** The findings of the public mutations' and queries' changes that a jump takes past a check (see above). */
export function earlyBranchFindings(app: App, finder: FactsFinder, functions: readonly ConvexFunction[]): Finding[] {
  const out: Finding[] = [], seen = new Set<string>(), throwing = throwingIn(app);
  for (const fn of functions) {
    const handler = fn.handler;
    if ((fn.kind !== "mutation" && fn.kind !== "query") || fn.visibility !== "public" || handler === undefined || fn.facts.auth.length === 0) continue;
    const { sites } = checksAroundRelays(app, finder, handler); // the call that makes each check (a helper's, a guard require... or deleteDocument)
    const checked = fn.facts.auth.filter((a) => sites.has(key(a)));
    if (checked.length === 0) continue;
    const jumps: ts.Node[] = [], changes: ts.Node[] = [];
    // A callback's return leaves the callback; what a callback called there changes (`ids.map((id) => ctx.db.delete(id))`, an IIFE) is changed there.
    const visit = (n: ts.Node, inCallback: boolean): void => {
      if (isFunctionLike(n)) return void (called(n) && ts.forEachChild(n, (c) => visit(c, true)));
      if (!inCallback && (ts.isReturnStatement(n) || ts.isBreakOrContinueStatement(n) || ts.isThrowStatement(n))) jumps.push(n);
      if (ts.isCallExpression(n) && finder.changes(n as unknown as ts.Statement)) changes.push(n);
      ts.forEachChild(n, (c) => visit(c, inCallback));
    };
    ts.forEachChild(handler, (c) => visit(c, false));
    // A check on every path of a block around `n`, up to `stop`, made before it (`after` false) or after it.
    const checkedBeside = (n: ts.Node, after: boolean, stop: (p: ts.Node) => boolean): boolean => {
      for (let a = n, p = n.parent; p !== undefined && p !== handler && !stop(p); a = p, p = p.parent) {
        const list = ts.isBlock(p) || ts.isCaseClause(p) || ts.isDefaultClause(p) ? p.statements : undefined;
        if (list?.some((s) => (after ? s.pos >= a.end : s.end <= a.pos) && finder.makes(s, "auth"))) return true;
      }
      return false;
    };
    // Before `n` in a block nested in the handler (a branch's own `require...`): `n` runs only after it, however weak.
    const checkedFirst = (n: ts.Node) => checkedBeside(n, false, (p) => p === (handler as ts.FunctionLikeDeclaration).body);
    // A change after the jump, reached by going round a loop: a check after it in the same iteration, on every path, is passed before the jump.
    // So is one in another branch than the jump's of an `if` or `switch` in the loop (paths.ts `forked`): made in an earlier iteration.
    const checkedAfter = (n: ts.Node, jump: ts.Node) => (n.pos >= jump.end || forked(n, jump, handler)) && checkedBeside(n, true, (p) => ts.isIterationStatement(p, false));
    // A change in a `finally` the jump leaves through runs on its path (`try { if (dry) return } finally { await ctx.db.delete(id) }`), unless checked before it there.
    const inFinally = (n: ts.Node, jump: ts.Node, end: number) => {
      const t = finallyAround(n, jump, end);
      return t !== undefined && !checkedFirst(n) && !checkedBeside(n, true, (p) => p === t);
    };
    // A check's own denial thrown to a `catch` that returns (`try { await guard.requireRole(...) } catch { return null }`) is such a jump too.
    const denials = new Set(checked.map((a) => sites.get(key(a))!));
    for (const x of [...jumps, ...denials]) {
      const denial = denials.has(x as ts.CallExpression), past = jumpPast(x, handler, throwing, denial);
      if (past === undefined || checkedFirst(x) || (denial && past.end !== handler.end)) continue;
      const lost = checked.filter((a) => sites.get(key(a))!.pos >= (denial ? x.pos : x.end) && sites.get(key(a))!.end <= past.end);
      const made = changes.filter((c) => (c.pos >= x.pos && c.end <= x.end) || inFinally(c, x, past.end) || (!exclusive(c, x, handler) && !checkedFirst(c) && !checkedAfter(c, x) && !breaksFirst(c, x, handler)));
      if (lost.length === 0 || made.length === 0) continue;
      const c = app.loc(made[0]!), site = sites.get(key(lost[0]!))!;
      const why = `but ${doing(app, made[0]!)} at line ${c.line}, then ${denial ? `the check at line ${app.loc(x).line} throws${past.to}` : `${past.how} at line ${app.loc(x).line}${past.to ?? ""}, before the check at line ${app.loc(site).line}`}`;
      const document = lost.some((a) => a.level === "document"); // a document check past the jump covers nothing on its path
      const shadow: ConvexFunction = {
        ...fn,
        facts: { ...fn.facts, auth: fn.facts.auth.filter((a) => !lost.includes(a)), loose: [{ kind: "auth", via: lost[0]!.via, at: lost[0]!.at, why }, ...fn.facts.loose] },
        ...(document ? { checkedArgs: new Set<string>(), changeChecked: { args: new Set<string>(), lowLevels: new Map(), groups: new Map(), ofCheckedDoc: [] } } : {}),
      };
      const lines = made.map((m) => [app.loc(m).line, m.getSourceFile().getLineAndCharacterOfPosition(m.end).line + 1] as const);
      const onPath = (f: Finding) => f.rule.startsWith("unchecked-") && f.file === c.file && lines.some(([from, to]) => f.line >= from && f.line <= to);
      for (const f of [...functionFindings(shadow), ...followFindings(functions, [shadow])]) {
        const id = `${fn.id}:${f.rule}:${f.line}`;
        if ((onPath(f) || (f.rule === "public-no-auth" && f.line === fn.at.line)) && !seen.has(id)) out.push(f), seen.add(id);
      }
    }
  }
  return out;
}

/**
 * Whether the change `c` and the jump `x` are in one loop, in no loop around it, and the path from
 * `c` leaves that loop by a `break` of its own: `for (...) { if (a) { await ctx.db.delete(id); break; }
 * if (b) return; }`. The jump never follows the change, in its iteration or a later one. The
 * `break` is an unlabelled one after `c` in a block around it, with no `switch` around `c` in the loop,
 * with no statement between that may jump (paths.ts `mayReturn`).
 */
function breaksFirst(c: ts.Node, x: ts.Node, handler: ts.Node): boolean {
  let loop: ts.Node | undefined = c.parent;
  while (loop !== undefined && loop !== handler && !isFunctionLike(loop) && !ts.isIterationStatement(loop, false)) loop = loop.parent;
  if (loop === undefined || !ts.isIterationStatement(loop, false) || x.pos < loop.pos || x.end > loop.end) return false;
  for (let p = loop.parent; p !== handler; p = p.parent) if (p === undefined || isFunctionLike(p) || ts.isIterationStatement(p, false)) return false;
  for (let p = c.parent; p !== loop; p = p.parent) if (ts.isSwitchStatement(p)) return false; // its `break` leaves the switch only
  for (let a: ts.Node = c, p = c.parent; p !== loop; a = p, p = p.parent) {
    if (!ts.isBlock(p)) continue;
    for (const s of p.statements.slice(p.statements.indexOf(a as ts.Statement) + 1)) {
      if (ts.isBreakStatement(s) && s.label === undefined) return x.end <= c.pos || x.pos >= s.end; // not the break itself, nor a throw on the way
      if (mayReturn(s)) return false;
    }
  }
  return false;
}

/**
 * Whether the function-like `f` is called where it is written: an argument of a call or a `new`
 * (`ids.map((id) => ...)`, a Promise's executor), called at once (an IIFE), through `.call(...)` or
 * `.apply(...)`, or bound and so called or passed (`.bind(null)()`). Not one held and called later.
 */
function called(f: ts.Node): boolean {
  let n = f;
  while (ts.isParenthesizedExpression(n.parent)) n = n.parent;
  const p = n.parent;
  if ((ts.isCallExpression(p) || ts.isNewExpression(p)) && (p.expression === n || (p.arguments ?? []).some((a) => a === n))) return true;
  if (!ts.isPropertyAccessExpression(p) || p.expression !== n || !ts.isCallExpression(p.parent) || p.parent.expression !== p) return false;
  return p.name.text === "call" || p.name.text === "apply" || (p.name.text === "bind" && called(p.parent));
}

/** The `try` whose `finally` holds `n`, with the jump `x` in its `try` block or `catch`, when the jump goes past it (to `end`): the `finally` runs on the jump's path. */
function finallyAround(n: ts.Node, x: ts.Node, end: number): ts.TryStatement | undefined {
  for (let p = n.parent; p !== undefined && !isFunctionLike(p); p = p.parent) {
    if (ts.isTryStatement(p) && p.finallyBlock !== undefined && n.pos >= p.finallyBlock.pos && x.pos >= p.pos && x.end <= p.finallyBlock.pos) return end >= p.end ? p : undefined;
  }
  return undefined;
}

/** What a change does that is kept, as a finding says it: "deletes" (its first `ctx.db` change), "schedules a function", "runs ctx.runMutation", else "changes data" (a guard's write, a helper's). */
function doing(app: App, b: ts.Node): string {
  let verb: string | undefined;
  const visit = (n: ts.Node): void => {
    if (verb !== undefined) return;
    ts.forEachChild(n, visit);
    if (verb !== undefined || !ts.isCallExpression(n)) return;
    const path = app.memberPath(n.expression), method = path.at(-1) ?? "";
    if (path.at(-2) === "db" && DB_VERBS[method] !== undefined) verb = DB_VERBS[method];
    else if (schedules(path)) verb = "schedules a function";
    else if (path.length === 2 && RUNS.has(method) && method !== "runQuery") verb = `runs ctx.${method}`;
  };
  visit(b);
  return verb ?? "changes data";
}
