// `code-exposed`, one call on: docs/sensitive-operations.md's way to send a one-time code has an internal mutation
// issue it and return it to the action that sends it (not reported: codes.ts, rules.ts). That
// action is where the code most likely leaks, when it hands it on to its own caller:
//
//   export const requestDeletion = action(guard.safeAction({ name, args, handler: async (ctx, { id }) => {
//     const { code } = await ctx.runMutation(internal.workspaces.issueDeletionCode, { id });
//     return { code }; // reported: the client holds the code, no out-of-band channel
//   }}));
//
// The answer of `ctx.runMutation(ref, ...)`, where `ref` names (as follow.ts reads it: the app's
// own `_generated/api`) an internal mutation that returns its `guard.issueConfirmation` code, is
// followed in an action's handler as codes.ts follows the issuing call's answer (the answer
// whole, its `code` field, `const` copies, values made of it): returned (by a public action), or
// passed to `ctx.scheduler.runAfter`/`runAt`, it is reported. Passed to `fetch` or a provider's
// SDK, it is the documented way, unless a public action's `fetch` URL is its argument (the caller
// picks where the code goes: low, codes.ts).
//
// A code handed to another function of the app, in the arguments of `ctx.runMutation`,
// `runAction` or `runQuery` (an outbox: `ctx.runMutation(internal.outbox.send, { body: code })`),
// is followed into that function, whose parameters hold it where the caller put it: what it does
// there that leaves every function (stored, scheduled, thrown in an error's message) is reported
// at the caller's call, two calls deep. Its return hands the code back to the caller, a server
// function, and is not reported; an action that sends it by `fetch` is the documented way.
import ts from "typescript";
import { codeFlow, exposureMessage, exposureTerms, leavesEveryFunction, type CodeExposure, type CodeHandoff } from "./codes.js";
import { reference } from "./follow.js";
import type { ConvexFunction } from "./functions.js";
import type { App } from "./program.js";
import { finding, type Finding } from "./rules.js";

/** The actions that hand on a code an internal mutation issued and returned to them, and the functions that hand a code to a function that stores it. */
export function relayedCodeFindings(app: App, functions: ConvexFunction[]): Finding[] {
  const byId = new Map(functions.map((f) => [f.id, f]));
  const issuers = new Set(functions.filter((f) => f.visibility === "internal" && f.kind === "mutation" && f.codeExposures.some((c) => c.how === "returned")).map((f) => f.id));
  const out: Finding[] = [];
  // What the function a handoff calls does with the code, as `which ...` clauses, through the functions it hands it to in turn.
  const handedOn = (h: CodeHandoff, depth: number, seen: ReadonlySet<string>): { c: CodeExposure; chain: string }[] => {
    const ref = h.call.arguments[0] === undefined ? undefined : reference(app, h.call.arguments[0]);
    const callee = ref === undefined ? undefined : byId.get(ref.target);
    if (ref === undefined || callee?.handler === undefined || seen.has(callee.id)) return [];
    const chain = `${ref.text} (${app.memberPath(h.call.expression).join(".")})`;
    const flow = codeFlow(app, callee.handler, undefined, h.fields);
    const further = depth < 2 ? flow.handoffs.flatMap((next) => handedOn(next, depth + 1, new Set([...seen, callee.id]))) : [];
    return [...flow.exposures.filter(leavesEveryFunction).map((c) => ({ c, chain })), ...further.map((f) => ({ c: f.c, chain: `${chain}, which passes it to ${f.chain}` }))];
  };
  const report = (fn: ConvexFunction, who: string, what: string, handoffs: CodeHandoff[]): void => {
    for (const h of handoffs) {
      const messages = new Set(handedOn(h, 1, new Set([fn.id])).map(({ c, chain }) => exposureMessage(c, `${who} passes ${what} to ${chain}, which`, "it")));
      for (const message of messages) out.push(finding("code-exposed", fn.id, app.loc(h.call), message));
    }
  };
  for (const fn of functions) {
    if (fn.handler === undefined) continue;
    report(fn, fn.id, "the one-time code of guard.issueConfirmation", codeFlow(app, fn.handler).handoffs);
    if (fn.kind !== "action" || issuers.size === 0) continue;
    const relays = new Map<ts.Node, string>();
    const visit = (n: ts.Node): void => {
      ts.forEachChild(n, visit);
      if (!ts.isCallExpression(n) || n.arguments[0] === undefined) return;
      const path = app.memberPath(n.expression);
      if (path.length !== 2 || path[1] !== "runMutation") return;
      const ref = reference(app, n.arguments[0]);
      if (ref !== undefined && issuers.has(ref.target)) relays.set(n, ref.text);
    };
    visit(fn.handler);
    if (relays.size === 0) continue;
    const from = [...new Set(relays.values())].join(" or ");
    const what = `the one-time code that ${from} (an internal mutation, through ctx.runMutation) issued and returned to it`;
    const who = fn.visibility === "public" ? `public action ${fn.id}` : fn.visibility === "internal" ? `internal action ${fn.id}` : fn.id;
    const flow = codeFlow(app, fn.handler, new Set(relays.keys()));
    // An internal action's return hands the code to the server code that runs it: not reported there.
    for (const c of flow.exposures.filter((c) => fn.visibility === "public" || leavesEveryFunction(c))) out.push({ ...finding("code-exposed", fn.id, c, exposureMessage(c, who, what)), ...exposureTerms(c) });
    report(fn, who, what, flow.handoffs);
  }
  return out;
}
