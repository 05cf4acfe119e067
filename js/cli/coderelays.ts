// `code-exposed`, one call on: the README's way to send a one-time code has an internal mutation
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
// followed in a public action's handler as codes.ts follows the issuing call's answer (the
// answer whole, its `code` field, `const` copies, values made of it): returned, or passed to
// `ctx.scheduler.runAfter`/`runAt`, it is reported. Passed to `fetch` or a provider's SDK, it is
// the documented way.
import ts from "typescript";
import { exposedCodes, exposureMessage } from "./codes.js";
import { reference } from "./follow.js";
import type { ConvexFunction } from "./functions.js";
import type { App } from "./program.js";
import { finding, type Finding } from "./rules.js";

/** The public actions that hand on a code an internal mutation issued and returned to them. */
export function relayedCodeFindings(app: App, functions: ConvexFunction[]): Finding[] {
  const issuers = new Set(functions.filter((f) => f.visibility === "internal" && f.kind === "mutation" && f.codeExposures.some((c) => c.how === "returned")).map((f) => f.id));
  if (issuers.size === 0) return [];
  const out: Finding[] = [];
  for (const fn of functions) {
    if (fn.visibility !== "public" || fn.kind !== "action" || fn.handler === undefined) continue;
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
    for (const c of exposedCodes(app, fn.handler, new Set(relays.keys()))) {
      const what = `the one-time code that ${from} (an internal mutation, through ctx.runMutation) issued and returned to it`;
      out.push(finding("code-exposed", fn.id, c, exposureMessage(c, `public action ${fn.id}`, what)));
    }
  }
  return out;
}
