// A change a public mutation makes on a branch that returns before its check (gapsb, `mutBranch`):
//
//   if (args.dry) { await ctx.db.delete(args.id); return; } // no check on this path
//   await guard.requireRole(ctx, "admin");                  // holds for what follows it only
//   await ctx.db.delete(args.id);
//
// A check thrown later rolls back what the mutation did before it, but never runs on a path that
// has returned: what that path changed is committed with no check. A branch (of an `if`, or a
// `switch` case) that changes data its leaving keeps (facts.ts `changes`: a `ctx.db` write, a
// guard write, a `ctx.runMutation`/`runAction` or a schedule) and returns, before a check of the
// handler (in the order calls run, as latechecks.ts reads an action's relays), is judged as the
// function would be without the checks made after it: `public-no-auth` naming the branch, and
// the branch's own `unchecked-id-delete`/`-write`/`-read` findings (also through a relay,
// follow.ts), as the unchecked form is. What runs after the check is judged with it, as before.
// A branch that returns data it read is already a path with no check (paths.ts `returnsDataBefore`).
import ts from "typescript";
import { RUNS, type FactsFinder } from "./facts.js";
import { schedules } from "./facts-syntax.js";
import { followFindings } from "./follow.js";
import type { ConvexFunction } from "./functions.js";
import { checksAroundRelays, key } from "./latechecks.js";
import { fork, mayReturn } from "./paths.js";
import { isFunctionLike, type App } from "./program.js";
import { functionFindings, type Finding } from "./rules.js";

const DB_VERBS: Record<string, string> = { delete: "deletes", patch: "patches", replace: "replaces", insert: "inserts" };

/** The findings of the public mutations' and queries' branches that change data and return before a check (see above). */
export function earlyBranchFindings(app: App, finder: FactsFinder, functions: readonly ConvexFunction[]): Finding[] {
  const out: Finding[] = [];
  for (const fn of functions) {
    const handler = fn.handler;
    if ((fn.kind !== "mutation" && fn.kind !== "query") || fn.visibility !== "public" || handler === undefined || fn.facts.auth.length === 0) continue;
    const branches: ts.Node[] = [];
    // A branch that checks the caller on every path of its own (`guard.deleteDocument`, a `require...`) is checked: its changes made before that check roll back.
    const leavesChanged = (b: ts.Node) => ownCode(b) === handler && mayReturn(b, false) && finder.changes(b as ts.Statement) && !finder.makes(b, "auth");
    checksAroundRelays(app, finder, handler, (n) => void (branch(n) && leavesChanged(n) && branches.push(n)));
    for (const b of branches) {
      // Read again with this branch as the relay: the checks first made after it hold nothing on it.
      const { early, late, sites } = checksAroundRelays(app, finder, handler, (n) => (n === b ? "" : undefined));
      const lost = fn.facts.auth.filter((a) => late.has(key(a)) && !early.has(key(a)));
      if (lost.length === 0) continue;
      const at = app.loc(b), end = b.getSourceFile().getLineAndCharacterOfPosition(b.end).line + 1;
      const site = sites.get(key(lost[0]!)); // the handler's call that makes it (a helper's, a guard require...)
      const why = `but ${doing(app, b)} on the branch at line ${at.line}, which returns before the check at line ${site !== undefined ? app.loc(site).line : lost[0]!.at.line}`;
      const document = lost.some((a) => a.level === "document"); // a document check after the branch covers nothing on it
      const shadow: ConvexFunction = {
        ...fn,
        facts: { ...fn.facts, auth: fn.facts.auth.filter((a) => !lost.includes(a)), loose: [{ kind: "auth", via: lost[0]!.via, at: lost[0]!.at, why }, ...fn.facts.loose] },
        ...(document ? { checkedArgs: new Set<string>(), changeChecked: { args: new Set<string>(), lowLevels: new Map(), groups: new Map(), ofCheckedDoc: [] } } : {}),
      };
      const onBranch = (f: Finding) => f.rule.startsWith("unchecked-") && f.file === at.file && f.line >= at.line && f.line <= end;
      out.push(...[...functionFindings(shadow), ...followFindings(functions, [shadow])].filter((f) => onBranch(f) || (f.rule === "public-no-auth" && f.line === fn.at.line)));
    }
  }
  return out;
}

/** A branch: an `if`'s `then` or `else` (an `else if` is read as its own `if`), or a `switch` case. */
const branch = (n: ts.Node): boolean => (ts.isCaseClause(n) || ts.isDefaultClause(n) ? true : n.parent !== undefined && ts.isIfStatement(n.parent) && !ts.isIfStatement(n) && fork(n.parent, n) !== undefined);

/** The function whose own code `n` is (a `return` there leaves it). */
function ownCode(n: ts.Node): ts.Node | undefined {
  let p = n.parent;
  while (p !== undefined && !isFunctionLike(p)) p = p.parent;
  return p;
}

/** What a branch does that is kept, as a finding says it: "deletes" (its first `ctx.db` change), "schedules a function", "runs ctx.runMutation", else "changes data" (a guard's write, a helper's). */
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
