// What the findings about the guard's own tables say (rules.ts `guard-table-write` and
// `guard-table-read`): what each table's rows hold, and what to call instead of writing or
// reading it around the guard's API.
import type { GuardTable } from "./writes.js";
export { DEFAULT_NAMES, LEVELLED_FIXES } from "./levelfixes.js"; // the fixes of RULES naming a level (levels.ts `levelledFix`)

/** What to call instead of writing one of the guard's tables. */
export const TABLE_FIX: Record<GuardTable, string> = {
  grants: "Share and revoke through guard.share, guard.revoke and guard.transferOwnership: they check the caller's level and cap the grant's expiry, where a row written by hand gives access with no check. An admin who reassigns a document shares and revokes too, holding the share level through a group of admins the document is shared with (docs/access.md: \"Documents with two parties\").",
  groups: "Manage groups through guard.createGroup, renameGroup, addGroupMember, acceptGroupInvite, removeGroupMember and leaveGroup: they check the caller and take the member's consent; deleting a group's rows (docs/access.md: \"Deleting a group\") and moving a group whose owner is gone (its ownerId, in your own internal mutation after your own check of its current owner, with an audit row: docs/sensitive-operations.md, \"Deleting a user: forgetUser\") are the direct writes the docs document.",
  members: "Manage memberships through guard.addGroupMember, acceptGroupInvite, removeGroupMember and leaveGroup: a member needs an invitation they accepted, and a row written by hand skips both (docs/access.md: \"Groups\").",
  rateLimits: "Reset a limit through guard.resetRateLimit(ctx, name, { key }) and a deleted user's rows through guard.forgetUser: a row written by hand can admit (docs/rate-limits.md: \"Rate limiting\").",
  codes: "Issue and consume codes through guard.issueConfirmation and guard.consumeConfirmation, and clear a user's through guard.forgetUser: a row written or deleted by hand resets the attempts and failure counts that bound guessing.",
  audit: "Write audit rows through guard.audit.log, which redacts secrets and checks its table; deleting old rows in a retention job is the one direct write the README documents.",
};

/** What the rows of each of the guard's tables hold, for the message of a read. */
export const READ_WHAT: Record<GuardTable, string> = {
  grants: "who has access to which document",
  groups: "every group and its owner",
  members: "every group's members and invitations",
  rateLimits: "every caller's rate-limit keys, ids, e-mails or IPs, and budgets",
  codes: "the codes' keyed hashes, attempts left and failure counts",
  audit: "the audit trail: every user's actions, outcomes and details",
};

/** What the rows of one group's range of `accessGroupMembers` hold (`withIndex(i, (q) => q.eq("groupId", id))`). */
export const ONE_GROUP = "one group's members and pending invitations";

/** What to call instead of reading one group's members. */
export const LIST_MEMBERS =
  "List a group's members through guard.listGroupMembers(ctx, groupId, { paginationOpts }): to anyone holding a level on the group, and its pending invitations only to who may manage members (docs/access.md: \"Groups\").";

/**
 * What a delete or write of a group's row checked below the owner level takes (unchecked-id-delete,
 * -write), naming the owner level of the guards that checked it (levels.ts `groupOwners`).
 */
export function groupChangeFix(owners: readonly string[], ofGroup = true): string {
  const quoted = owners.map((o) => JSON.stringify(o));
  const call = owners.length === 1 ? `guard.requireGroupLevel(ctx, groupId, ${quoted[0]})` : `guard.requireGroupLevel(ctx, groupId, level) with each guard's own, ${quoted.join(" or ")}`;
  const which = owners.length === 1 && owners[0] === "owner" ? "" : owners.length === 1 ? ", the last of your access.levels" : ", the last of its access.levels";
  return `Check the caller at the owner level on that group first (${call}${which}: its owner and access.groups.managers, never a member), as docs/access.md: "Deleting a group" says${ofGroup ? "; rename it with guard.renameGroup, which checks that itself" : ""}.`;
}

/** What to call instead of reading one of the guard's tables. */
export const READ_FIX: Record<GuardTable, string> = {
  grants: "Show a document's grants through guard.listGrants (to callers who may share it), or read accessGrants after your own guard.requirePermission, as an admin's who-has-access view does (docs/access.md: listGrants).",
  groups: "Read the access tables after your own guard.requirePermission (or a role above the lowest), as an admin's view does, or select the caller's own rows and allowlist the read with its reason.",
  members: "List one group's members through guard.listGroupMembers; read the access tables after your own guard.requirePermission (or a role above the lowest), as an admin's view does, or select the caller's own rows and allowlist the read with its reason.",
  rateLimits: "Ask guard.checkRateLimit(ctx, name, { key }) for the caller's own budget (it writes nothing); an admin's view reads the table after guard.requirePermission or a role above the lowest.",
  codes: "Leave the codes table to guard.issueConfirmation and guard.consumeConfirmation: no caller needs its rows; an admin's view reads it after guard.requirePermission or a role above the lowest.",
  audit: "Read the trail through guard.audit.list, which requires the readers of confirmations.audit.readers, or check a role above the lowest or a permission before the read; a user's own history (rows selected by their id) is allowlisted with its reason.",
};

/** The tables whose rows no caller needs: read at all (not only returned) around the API is reported. */
export const PRIVATE_TABLES: ReadonlySet<GuardTable> = new Set(["rateLimits", "codes", "audit"]);
