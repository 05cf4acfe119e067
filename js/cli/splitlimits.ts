// `rate-limits-split`: two rate limits taken one by one instead of together (README, "Checks in
// actions": "never as two `rateLimit` calls"). In an action each `guard.rateLimit` takes in its own
// mutation, committed at once: a call the second limit refuses has already spent the first (a
// user's budget spent on calls the global limit refused, or everyone's global budget drained by
// one user over their own limit). `guard.rateLimitAll(ctx, [...])` takes them all or none.
//
//   export const summarize = guard.action(action, {
//     rateLimit: { name: "summarize" },                                  // the first take
//     handler: async (ctx) => {
//       await guard.rateLimit(ctx, "summarizeGlobal", { key: "global" }); // reported: the second
//
// The takes of a function, in order: its builder's (or safe action's, or customCtx's) declared
// `rateLimit`, taken before the handler runs (one take, a list included), then each
// `guard.rateLimit` and `guard.rateLimitAll` call of the handler and of the app functions it
// calls, in the order they are written (`throws: false` included: an admitted call takes, tested
// or not). `checkRateLimit` takes nothing. Two takes on exclusive paths are one: the branches of
// an `if`/`else` or a `?:`, two `case`s of a `switch` (the first one leaving its clause), or a
// take whose own block returns or throws after it, before the other. In a mutation a denial that
// throws rolls the earlier take back with everything else: there only a later take that answers
// its denial (`throws: false`, or options the audit cannot read) is reported.
import ts from "typescript";
import { throwsOnDenial } from "./decisions.js";
import { firstLiteral, guardShown } from "./facts-syntax.js";
import type { ConvexFunction } from "./functions.js";
import { GUARD, type App, type Loc } from "./program.js";
import { finding, type Finding } from "./rules.js";

const TAKES = new Set(["rateLimit", "rateLimitAll"]);

interface Take {
  /** The calls that lead to it, from the handler's (a helper's call) to the guard's; none for a declared limit. */
  chain: ts.Node[];
  via: string;
  at: Loc;
  /** Whether its denial may be answered instead of thrown (`throws: false`). */
  quiet: boolean;
}

/** The functions that take two rate limits one after the other. */
export function splitLimitFindings(app: App, functions: ConvexFunction[]): Finding[] {
  const out: Finding[] = [];
  for (const fn of functions) {
    if (fn.library !== null || fn.handler === undefined || !(fn.kind === "action" || fn.kind === "httpAction" || fn.kind === "mutation")) continue;
    const declared = fn.facts.rateLimits.find((r) => / rateLimit$/.test(r.via) && !r.via.includes(" -> "));
    const takes = [...(declared === undefined ? [] : [{ chain: [], via: declared.via, at: declared.at, quiet: false }]), ...handTakes(app, fn.handler, new Set())];
    for (const [i, take] of takes.entries()) {
      const first = takes.slice(0, i).find((t) => !exclusive(t.chain, take.chain));
      if (first === undefined || (fn.kind === "mutation" && !take.quiet)) continue;
      const spent = fn.kind === "mutation" ? "its denial is answered (throws: false), so the mutation may commit the earlier take for a call this one refused" : "each commits on its own, so a call this one refuses has already spent the earlier one's budget";
      out.push(finding("rate-limits-split", fn.id, app.loc(divergence(first.chain, take.chain) ?? take.chain[0]!), `${fn.id} takes ${take.via} after ${first.via} (${first.at.file}:${first.at.line}), one by one: ${spent}`));
      break;
    }
  }
  return out;
}

/** The takes of a function's body and of the app functions it calls (each once), in the order they are written. */
function handTakes(app: App, body: ts.Node, seen: Set<ts.Node>): Take[] {
  const out: Take[] = [];
  seen.add(body);
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) {
      const name = app.calleeFrom(n, GUARD)?.name;
      if (name !== undefined && TAKES.has(name)) out.push({ chain: [n], via: `${guardShown(n, false)}.${name}${firstLiteral(n)}`, at: app.loc(n), quiet: !throwsOnDenial(app, n) });
      const helper = name === undefined ? app.appFunction(n) : undefined;
      if (helper !== undefined && !seen.has(helper)) {
        const shown = helper.name !== undefined && ts.isIdentifier(helper.name) ? helper.name.text : n.expression.getText();
        out.push(...handTakes(app, helper, seen).map((t) => ({ ...t, chain: [n, ...t.chain], via: `${shown} -> ${t.via}` })));
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return out;
}

/** Where two chains of calls part: the later take's call in the function where they do. */
function divergence(a: ts.Node[], b: ts.Node[]): ts.Node | undefined {
  const k = b.findIndex((n, i) => a[i] !== n);
  return k === -1 ? undefined : b[k];
}

/** Whether two takes never both run in one call: where their chains part, on exclusive paths. */
function exclusive(a: ts.Node[], b: ts.Node[]): boolean {
  const k = b.findIndex((n, i) => a[i] !== n);
  const x = a[k];
  const y = b[k];
  if (k === -1 || x === undefined || y === undefined) return false;
  const above = new Set<ts.Node>();
  for (let n: ts.Node | undefined = y; n !== undefined; n = n.parent) above.add(n);
  for (let n: ts.Node = x; n.parent !== undefined && !above.has(n); n = n.parent) {
    const p = n.parent;
    if (!above.has(p)) {
      // The earlier take's own block (not the later one's) leaves after it: a `return` or `throw` of that block.
      if (ts.isBlock(p) && p.statements.slice(p.statements.indexOf(n as ts.Statement) + 1).some((s) => ts.isReturnStatement(s) || ts.isThrowStatement(s))) return true;
      continue;
    }
    // `p` holds both: the branch `x` is in and the one `y` is in.
    const other = [...above].find((m) => m.parent === p);
    if (ts.isIfStatement(p)) return n !== p.expression && other !== p.expression;
    if (ts.isConditionalExpression(p)) return n !== p.condition && other !== p.condition;
    if (ts.isCaseBlock(p)) return ends((n as ts.CaseOrDefaultClause).statements);
    return false;
  }
  return false;
}

/** Whether a `case`'s statements leave the clause (a `break`, `return`, `throw` or `continue` last): no fall-through. */
function ends(statements: ts.NodeArray<ts.Statement>): boolean {
  const last = statements[statements.length - 1];
  if (last !== undefined && ts.isBlock(last)) return ends(last.statements);
  return last !== undefined && (ts.isBreakStatement(last) || ts.isReturnStatement(last) || ts.isThrowStatement(last) || ts.isContinueStatement(last));
}
