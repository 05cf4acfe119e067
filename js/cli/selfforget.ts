// A public mutation that forgets its own caller (attack33 A6):
//
//   const user = await guard.requireUser(ctx);
//   await guard.forgetUser(ctx, user._id); // every limit of the caller, and its failure counts, gone
//
// `forgetUser` deletes what the guard keeps about a user: its rate-limit rows and a confirmation's
// failure counts among them. README: "call it only from an internal mutation ...; never from a
// public function as is". Made on every call, keyed by the caller's own id, it is a reset of every
// limit of the caller on demand, judged as `guard.resetRateLimit` keyed so is (selfreset.ts):
// `public-no-rate-limit` at the call, whether or not an audit row records it (also through an app
// helper given the caller's id, or in a loop over `[user._id]`: selfcalls.ts). Not reported, as for
// that reset: after a role above the lowest or a permission it does not hold, on some paths only
// (after a confirmation that returns on a failure: a confirmed account deletion; a throw there rolls
// the mutation back, the attempt included, and skips it on no call that keeps anything: paths.ts
// `everyPath`), or of another id (an argument's: `destructive-unconfirmed` and the id rules judge it;
// after a middle role's check only, one of an argument's user is reported low: selfreset.ts).
import { callerCalls } from "./selfcalls.js";
import type { ConvexFunction } from "./functions.js";
import { GUARD, type App } from "./program.js";
import { anyCaller, decidesAccess } from "./roles.js";
import { finding, type Finding } from "./rules.js";

const FIX = "Call guard.forgetUser only from an internal mutation, after the app's own checks (an operator's deletion of a user, or the user's own account deletion once a confirmation succeeded: guard.consumeConfirmation tested before it), never on the caller's demand from a public function (docs/sensitive-operations.md: \"Deleting a user: forgetUser\").";

/** Every `guard.forgetUser` of the caller's own id that a public mutation makes on each call, with no role or permission check. */
export function selfForgetFindings(app: App, functions: ConvexFunction[]): Finding[] {
  const out: Finding[] = [];
  for (const fn of functions) {
    const handler = fn.handler;
    if (fn.visibility !== "public" || fn.kind !== "mutation" || handler === undefined || decidesAccess(fn.facts.auth)) continue;
    for (const n of callerCalls(app, handler, (c, keyed) => app.calleeFrom(c, GUARD)?.name === "forgetUser" && c.arguments[1] !== undefined && keyed(c.arguments[1]))) {
      const how = app.calleeFrom(n, GUARD) === undefined ? ` (through ${n.expression.getText()})` : "";
      out.push(finding("public-no-rate-limit", fn.id, app.loc(n), `public mutation ${fn.id} calls guard.forgetUser${how} on the caller's own id on every call: it deletes the caller's rate-limit rows and confirmation failure counts, so ${anyCaller(fn.facts.auth)} clears every limit of their own, and it limits nothing`, FIX));
    }
  }
  return out;
}
