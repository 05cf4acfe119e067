// The guard's methods whose answer carries no document: a mention of a document inside one of
// their calls hands the document to nobody. `unchecked-id-read` (argflow.ts `returned`) asks
// whether a read document reaches a `return`; in
//
//   const ws = await ctx.db.get(workspaceId);
//   return await guard.acceptGroupInvite(ctx, ws.groupId); // a boolean
//
// the `return` mentions `ws`, but only as an argument of a call that answers a boolean, as
// `const accepted = await guard.acceptGroupInvite(ctx, ws.groupId); return accepted` does.
//
// Listed by what each answers (js/access.ts, access-insert.ts, access-move.ts, access-delete.ts,
// access-grants.ts, access-group-level.ts, access-group-admin.ts, authz.ts, ratelimit.ts, confirm.ts, audit.ts): an id
// of a new row, a boolean, nothing, a decision, a count, a level, a code. Any other guard method (`readable`,
// `readableFor`, `requireAccessFor` (no check of the caller: absent from facts.ts GUARD_AUTH), `readableMany`, `requireAccess`, `listAccessible`, `listGrants`, `listMyGroups`, `listGroupMembers`, `getUser` and
// the other `require*` checks, `diagnoseUser`, `audit.list`, `resolveAccess`) and any other call
// keep the mention: their answer may hold the document, or rows about it.
import ts from "typescript";
import { GUARD_WRITES } from "./facts-syntax.js";
import { GUARD, type App } from "./program.js";

export const NO_DOCUMENT = new Set([
  // access: a grant's, a document's or a group's id, a boolean, nothing, a membership's state, a count, a level
  ...GUARD_WRITES,
  ...["groupLevel", "requireGroupLevel", "groupLevelFor", "requireGroupLevelFor"],
  // decisions: a boolean, or `{ ok, reason }`
  ...["can", "roleAtLeast", "isRole", "levelAtLeast", "canShare", "canTransfer"],
  // rate limits: a decision, a budget's state, nothing
  ...["rateLimit", "rateLimitAll", "checkRateLimit", "resetRateLimit"],
  // confirmations, a user forgotten, the audit trail's row written: a code, an outcome, counts, an id
  ...["issueConfirmation", "consumeConfirmation", "assertConfirmed", "forgetUser", "log"],
]);

/** Whether a node is a call of the guard whose answer carries no document. */
export function answersNoDocument(app: App, n: ts.Node): boolean {
  return ts.isCallExpression(n) && NO_DOCUMENT.has(app.calleeFrom(n, GUARD)?.name ?? "");
}
