// The rules: each has a stable id, a severity and one sentence on the fix. A finding is a rule
// broken at a place, in a function (or, for code outside any function, in a module).
import { keyedBy } from "./argflow.js";
import type { AuthCheck } from "./facts.js";
import type { ConvexFunction } from "./functions.js";
import { exposureMessage, exposureTerms, leavesEveryFunction } from "./codes.js";
import { childRead } from "./childquery.js";
import { throughText } from "./helperget.js";
import { groupFieldRead } from "./groupfield.js";
import { parentFix, parentGroup, parentWeak, readsPublicElse } from "./parentcover.js";
import { DEFAULT_NAMES, groupChangeFix, LEVELLED_FIXES, LIST_MEMBERS, ONE_GROUP, PRIVATE_TABLES, READ_FIX, READ_WHAT, TABLE_FIX } from "./tabletexts.js";
import type { Loc } from "./program.js";
import { UNREAD_LEVEL } from "./config.js";
import { anyCaller, decidesAccess } from "./roles.js";
import { deniedNote } from "./decidedbranch.js";
import { unconfirmedFix, uncovered } from "./confirmgate.js";
import { ownRowsText } from "./ownerquery.js";
import { lateLimitFix } from "./latechecks.js";

export const SEVERITIES = ["low", "medium", "high"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Rule {
  severity: Severity;
  /** What is wrong, in a few words. */
  title: string;
  /** One sentence on the fix. */
  fix: string;
}

/** The rule list. Ids are stable: allowlists and CI configurations name them. */
export const RULES = {
  "public-no-auth": {
    severity: "high",
    title: "public function with no authorization check",
    fix: "Call guard.requireUser, requireRole, requirePermission, readable or requireAccess before anything else, or make the function internal.",
  },
  "public-no-rate-limit": {
    severity: "medium",
    title: "public mutation or action with no rate limit",
    fix: "Give its builder a limit (guard.mutation({ rateLimit: { name }, ... }), keyed by the caller), or call guard.rateLimit(ctx, name, { key: user._id }) (or rateLimitAll) with a key taken from the server (docs/rate-limits.md: \"Keys come from the server\") and let its denial throw. Functions sharing one limit share one budget per key.",
  },
  "rate-limits-split": {
    severity: "low",
    title: "two rate limits taken one by one, where a later one's refusal has already spent an earlier one's budget",
    fix: "Take the limits together, all or nothing: one guard.rateLimitAll(ctx, [{ name, key }, ...]) call (README: \"Checks in actions\"); a builder's or safe action's declared rateLimit is a take of its own, so take every limit in that one call, or declare them all in the one rateLimit where it takes a list.",
  },
  "action-env-unsafe": {
    severity: "high",
    title: "public action reads process.env and returns or throws without guard.safeAction",
    fix: "Wrap it as action(guard.safeAction({ name, args, handler })) and list the variable in the guard's confirmations.redactEnv, so its errors and results cannot carry the secret to the caller. From guard.action, role, permission and rateLimit carry over as they are; ctx.user becomes the handler's third argument, handler(ctx, args, { actor }).",
  },
  "safe-action-env-unredacted": {
    severity: "medium",
    title: "guard.safeAction handler reads an environment variable its redaction does not know",
    fix: "List the variable in the guard's confirmations.redactEnv, so safeAction scans its answers and errors for that value (or move the read out of the action if it is not a secret).",
  },
  "internal-name-public": {
    severity: "high",
    title: "function named as internal is exported as public",
    fix: "Define it with internalQuery, internalMutation or internalAction and call it through `internal.*`.",
  },
  "user-id-arg": {
    severity: "medium",
    title: "public function takes a user's id as an argument",
    fix: "Take the caller from guard.requireUser(ctx), never from an argument; a target user chosen on purpose (by an admin) is allowlisted with its reason: // convex-guard-allow: user-id-arg <reason>, on the argument's line or above the function's export (or securityAudit.allow in the guard's configuration).",
  },
  "unchecked-id-read": {
    severity: "high",
    title: "document read by an id from the arguments and returned without an ownership or access check",
    fix: "Read it with guard.readable or guard.requireAccess (or compare its owner with the caller) before returning it.",
  },
  "unchecked-list": {
    severity: "high",
    title: "rows of a table under access.tables returned by a query that ties them neither to the caller nor to a checked argument",
    fix: "List what the caller may read with guard.listAccessible(ctx, table, { paginationOpts }), select the caller's own rows by the owner field's index, or pass the rows' ids to guard.readableMany and return only what it answers.",
  },
  "unchecked-id-delete": {
    severity: "high",
    title: "document deleted by an id from the arguments without an ownership or access check",
    fix: LEVELLED_FIXES["unchecked-id-delete"]!(DEFAULT_NAMES),
  },
  "unchecked-id-write": {
    severity: "high",
    title: "document patched or replaced by an id from the arguments without an ownership or access check",
    fix: LEVELLED_FIXES["unchecked-id-write"]!(DEFAULT_NAMES),
  },
  "unchecked-role-write": {
    severity: "high",
    title: "users' role field written from an argument without a role or permission check",
    fix: "Take a role from the server, never from the caller: only a caller checked by guard.requireRole (above the lowest role) or guard.requirePermission may set a role, and no one their own.",
  },
  "access-field-write": {
    severity: "high",
    title: "app code writes a document's owner or parent field, which carry access, around the guard",
    fix: "Change the owner field only through guard.transferOwnership and the parent field only through guard.moveDocument, which check that the caller owns the document and may share the destination; create a document with guard.insertDocument, which makes the caller its owner and checks its parent as a move's destination; a write made on purpose (a migration, an admin flow, a transfer of your own after guard.canTransfer) is allowlisted with its reason: // convex-guard-allow: access-field-write <reason>, on the write's line or above the function's export (or securityAudit.allow in the guard's configuration).",
  },
  "grants-left": {
    severity: "low",
    title: "document of a table under access.tables deleted with ctx.db.delete, leaving its grants behind",
    fix: "Delete it with guard.deleteDocument(ctx, table, id), which removes its grants in the same mutation, where the caller is its own owner. A moderator holding the owner level through a parent (a post's owner deleting a comment) may not use deleteDocument: revoke the document's grants first (guard.listGrants, then guard.revoke each), then ctx.db.delete, as docs/access.md: \"Deleting a folder with what is filed in it\" shows. An operator who holds no level on it (an admin deleting other users' documents, after their own check: listGrants, revoke and deleteDocument answer NOT_FOUND there) deletes its grant rows in the same mutation, read through the grants table's index (ctx.db.query(\"accessGrants\").withIndex(\"by_doc_and_user\", (q) => q.eq(\"doc\", id)), then ctx.db.delete of each row's _id), then the document.",
  },
  "guard-table-write": {
    severity: "medium",
    title: "app code writes a table the guard keeps, around the guard's API",
    fix: "Go through the guard's API, which checks the caller: share, revoke, transferOwnership and the group calls for access rows, resetRateLimit for a limit, forgetUser for a user's rows, audit.log for the trail.",
  },
  "guard-table-read": {
    severity: "high",
    title: "app code reads a table the guard keeps, around the guard's API, for callers no role or permission check decides",
    fix: "Read through the guard's API, which checks the reader: audit.list for the trail, checkRateLimit for the caller's own budget, listGrants for a document's grants; or check a role above the lowest or a permission first (guard.requirePermission), as an admin's view does.",
  },
  "code-exposed": {
    severity: "high",
    title: "the one-time code of guard.issueConfirmation is returned to the client, scheduled or stored",
    fix: "Send the code from an action: the action runs an internal mutation that issues it and returns it (const { code } = await ctx.runMutation(internal.x.issue, args)), then calls the e-mail or SMS provider itself; never return it from a public function (nor throw it: a ConvexError's data reaches the caller, an error's message the logs), pass it to ctx.scheduler (its arguments are stored in clear), write it with ctx.db, in an audit row's value or a rate-limit key, or hand it to a function that does (an outbox mutation) (docs/sensitive-operations.md: \"Confirmation codes\").",
  },
  "fail-open-role": {
    severity: "high",
    title: "role lookup that fails open",
    fix: "Use guard.roleAtLeast or guard.requireRole: an unknown, missing or '__proto__' role must deny, not rank as a default.",
  },
  "decision-tested-as-boolean": {
    severity: "high",
    title: "a guard decision answering an object ({ ok, ... }) is tested as a whole, which passes for a denial too",
    fix: LEVELLED_FIXES["decision-tested-as-boolean"]!(DEFAULT_NAMES),
  },
  "any-args": {
    severity: "medium",
    title: "public function accepts arguments without a precise validator",
    fix: "Give every argument a precise validator (v.string(), v.id(\"table\"), v.object({ ... })) instead of v.any() or no `args`.",
  },
  "destructive-unconfirmed": {
    severity: "high",
    title: "delete with neither a confirmation nor an audit row",
    fix: "Require a confirmation code (guard.consumeConfirmation) or write guard.audit.log in the same mutation.",
  },
  "confirmation-rollback": {
    severity: "high",
    title: "mutation throws when a confirmation code fails, rolling back the spent attempt",
    fix: "Return the result (or { error: result.error }) from the mutation, act on ok there, and throw in the calling action once the mutation committed: guard.assertConfirmed(await ctx.runMutation(...)).",
  },
  "audit-rollback": {
    severity: "medium",
    title: "mutation throws after writing an audit row, rolling the row back",
    fix: "Return the denial as a value after guard.audit.log ({ ok: false, error: { code: \"FORBIDDEN\" } }) instead of throwing, or make the check and write the row in an action (guard.safeAction audits its denials).",
  },
  "wiring-missing": {
    severity: "medium",
    title: "the guard's checks in an action, or a safe action, need functions the app does not export for the guard",
    fix: "Export the guard's own internal functions where its configuration says: `export const { getUser, rateLimit } = guard.internalFunctions(internalQuery, internalMutation);` in convex/guardFunctions.ts (actions.module) and `export const log = guard.audit.logMutation(internalMutation);` in convex/audit.ts (confirmations.audit.logFunction).",
  },
  "rate-limit-name-shared": { severity: "medium", title: "two guards configure a rate limit of the same name, kept in the one guardRateLimits table", fix: "Give each guard's limits names no other guard uses (billingLogin, not login): README \"Two guards in one app\"." },
  "declaration-refused": { severity: "medium", title: "a builder's, customCtx's or safe action's declaration the guard refuses at every call (GuardConfigError)", fix: "Name a role, permission or rate limit the guard's configuration defines (a permission some role holds), and take rate limits in mutations and actions only (guard.checkRateLimit in a query)." },
  "scheduled-needs-caller": { severity: "medium", title: "a function that requires a signed-in caller, run by the scheduler or a cron job (which have none: UNAUTHENTICATED at every run)", fix: "Schedule a plain internalMutation (internalAction) and pass it the user's id; re-check that user there: guard.requireAccessFor(ctx, userId, table, id, level) for a document, guard.requireRoleFor(ctx, userId, role) or guard.requirePermissionFor(ctx, userId, permission) for a role or a permission, guard.requireGroupLevelFor(ctx, userId, groupId, level) for a group (docs/access.md: \"Checks for a named user: scheduled functions and webhooks\"). A function ctx.runMutation runs from an action or HTTP action keeps its caller: only scheduled functions and cron jobs have none." },
  "relayed-user-id": { severity: "medium", title: "a public function runs or schedules an internal one with a user id that is not the caller's, and that function checks that user (guard.requireAccessFor / readableFor / requireRoleFor / requirePermissionFor / requireGroupLevelFor / groupLevelFor, guard.can / roleAtLeast on the row its id reads): it acts as someone else", fix: "Pass the caller's own id (ctx.user._id of a guard builder, user._id of guard.requireUser(ctx)) as the user the called function checks; a function that acts for another user on purpose (an admin's) is allowlisted with its reason: // convex-guard-allow: relayed-user-id <reason>." },
  "unresolved-function": { severity: "high", title: "export whose Convex kind could not be determined", fix: "Make its builder's type resolve (install the app's dependencies, fix the import), or export the function as its builder made it (export const f = mutation(...)), so the audit can tell whether it is public." },
} as const satisfies Record<string, Rule>;

export type RuleId = keyof typeof RULES;
export const isRuleId = (s: string): s is RuleId => Object.hasOwn(RULES, s);

export interface Finding {
  rule: RuleId;
  severity: Severity;
  file: string;
  line: number;
  /** `users:flagUser`, or the module path for code outside an exported function. */
  function: string;
  message: string;
  fix: string;
}

export function finding(rule: RuleId, fn: string, at: Loc, message: string, fix: string = RULES[rule].fix): Finding {
  return { rule, severity: RULES[rule].severity, file: at.file, line: at.line, function: fn, message, fix };
}

/** The fix of a rate limit keyed by an argument: the recipe for a key the server chooses. */
const ARG_KEY_FIX =
  "Key it by something the server verified (the user's _id, the identity's tokenIdentifier) or, before there is an identity, by what the server finds for the normalized argument (the account's id) plus a second limit on a constant key: docs/rate-limits.md, \"Keys come from the server\". A builder's key: { arg } limits with the caller's own limit in the same list: rateLimit: [{ name, key: { arg } }, { name }]; a safe action's key function reads the actor too (({ args, actor }) => `${actor._id}:${args.room}`) or goes in a list beside { name }.";

/** The fix of a function whose only check may be in a function it runs. */
const RUN_FIX =
  "Check the caller in this function too (guard.requireUser(ctx), or action(guard.safeAction({ ... })), before ctx.runQuery/runMutation: a check in the called function does not stop what this one does before or around the call), or, if the called function's check is the one you rely on, allowlist it: // convex-guard-allow: public-no-auth <reason>.";

/** `guard.rateLimit("login")` -> `'login'`; a limit named otherwise keeps its `via`. */
function limitName(via: string): string {
  const open = via.lastIndexOf('("');
  return open !== -1 && via.endsWith('")') ? `'${via.slice(open + 2, -2)}'` : via;
}

/** A check or a limit called that holds nothing, as a finding names it: `rate limit 'login' (convex/a.ts:3), whose denial (throws: false) it does not leave on`. */
export function looseCall(fn: ConvexFunction, kind: "auth" | "limit"): string | undefined {
  const l = fn.facts.loose.find((x) => x.kind === kind);
  return l && `${kind === "limit" && limitName(l.via).startsWith("'") ? `rate limit ${limitName(l.via)}` : l.via} (${l.at.file}:${l.at.line}), ${l.why}`;
}

/** A name that says "not for clients": `_processPayment`, `internalCharge`, `internal_sync`. */
function internalName(name: string): boolean {
  if (name.startsWith("_")) return true;
  if (!name.startsWith("internal")) return false;
  const next = name.charAt("internal".length);
  return next === "" || next === "_" || (next >= "A" && next <= "Z");
}

/** Argument names that name a user: `userId`, `userID`, `user_id`, `ownerId`, `targetUserId`. */
const USER_NAMES = ["userid", "ownerid", "authorid", "creatorid", "actorid", "uid"];

export function namesUser(name: string): boolean {
  const folded = [...name.toLowerCase()].filter((c) => (c >= "a" && c <= "z") || (c >= "0" && c <= "9")).join("");
  return USER_NAMES.includes(folded) || folded.endsWith("userid");
}

/** Whether checked arguments (`"any"`: a check tied to no argument) cover argument `arg`. */
export function covers(checked: Set<string> | "any", arg: string): boolean {
  return checked === "any" || checked.has(arg);
}

/** What a change made after a document check at the lowest (or public) level only is told (levels.ts). */
export function onlyWeaklyChecked(level: string | undefined, group = false, on = ""): string {
  if (group) {
    const at = level === "any level" ? "at any level (guard.listGroupMembers, guard.groupLevel, guard.acceptGroupInvite)" : level === UNREAD_LEVEL ? "at a group level the audit cannot read (an argument, a ?:), taken as the lowest" : `at group level '${level}'`;
    return `checked only ${at}${on}, below the owner level (the group's owner, accessGroups.ownerId, and access.groups.managers): any member at that level may change it`;
  }
  const how = level === undefined || level === "any level" ? "by a readable with no level (any level)" : level === UNREAD_LEVEL ? "at a level the audit cannot read (an argument, a ?:), taken as the lowest" : `at level '${level}' (the lowest, or at most access.publicLevel)`;
  return `checked only ${how}: whoever may see it (a share at any level; anyone, when it is public) may change it`;
}

/** A delete's or write's verb in findings. */
export const CHANGES = { delete: "deletes", patch: "patches", replace: "replaces" } as const;

/** The findings of one function. */
/** The audit rows a function writes and then throws away: a mutation's throw rolls back the rows written before it (an action's does not). */
export const lostRows = (fn: ConvexFunction) => (fn.kind === "mutation" ? fn.facts.audited.filter((a) => a.lostAt !== undefined) : []);

export function functionFindings(fn: ConvexFunction): Finding[] {
  const out: Finding[] = [];
  const name = fn.id.slice(fn.id.lastIndexOf(":") + 1);
  const f = fn.facts;
  if (fn.kind === "unknown" || fn.visibility === "unknown") {
    out.push(finding("unresolved-function", fn.id, fn.at, `${fn.id}: its type does not tell whether it is a registered Convex function, or which`));
    return out;
  }
  const publicFn = fn.visibility === "public" && fn.kind !== "httpAction";
  // A library's own endpoint (Convex Auth's signIn must answer signed-out callers, and limits
  // failed sign-ins itself): the app cannot add a check or a limit to it.
  const appsOwn = fn.library === null;
  if (publicFn) {
    if (f.auth.length === 0 && appsOwn && !readsPublicElse(fn)) {
      const run = f.runs[0];
      const loose = looseCall(fn, "auth");
      if (run === undefined) out.push(finding("public-no-auth", fn.id, fn.at, `public ${fn.kind} ${fn.id} checks no identity, role, permission or document access${loose === undefined ? "" : ` that holds: it calls ${loose}`}`));
      else {
        // A documented gap: the check may be in the function it runs, which the audit does not read.
        const message = `public ${fn.kind} ${fn.id} checks no identity, role, permission or document access itself${loose === undefined ? "" : ` (it calls ${loose})`}; it calls ctx.${run.method} (${run.file}:${run.line}), and the audit does not follow ctx.runQuery/runMutation/runAction into the function called, so a check made there is not seen`;
        out.push(finding("public-no-auth", fn.id, fn.at, message, RUN_FIX));
      }
    }
    if (fn.kind !== "query" && f.rateLimits.length === 0 && appsOwn) {
      const keyed = fn.argKeyedLimits[0];
      const loose = looseCall(fn, "limit");
      if (keyed === undefined) out.push(finding("public-no-rate-limit", fn.id, fn.at, `public ${fn.kind} ${fn.id} has no rate limit${loose === undefined ? "" : ` that limits${lateLimitFix(f.loose) === undefined ? "" : " all its work"}: it calls ${loose}`}`, lateLimitFix(f.loose)));
      else {
        out.push(finding("public-no-rate-limit", fn.id, fn.at, `rate limit ${limitName(keyed.via)} of ${fn.id} is ${keyedBy(keyed.arg)}: a caller picks its own bucket`, ARG_KEY_FIX));
      }
    }
    if (fn.kind === "action" && !fn.safeAction && f.envReads.length > 0 && f.exits) {
      const env = f.envReads[0]!;
      out.push(finding("action-env-unsafe", fn.id, fn.at, `public action ${fn.id} reads process.env (${env.file}:${env.line}) and answers without guard.safeAction`));
    }
    if (internalName(name)) out.push(finding("internal-name-public", fn.id, fn.at, `${fn.id} is named as internal but exported as a public ${fn.kind}`));
    for (const arg of fn.argNames) {
      const named = namesUser(arg.name);
      if (!(named || arg.usersId) || fn.targetArgs.has(arg.name)) continue;
      const what = named ? "a user" : "validated as an id of the users table";
      out.push(finding("user-id-arg", fn.id, arg.at, `public ${fn.kind} ${fn.id} takes ${arg.name} (${what}) from the caller`));
    }
    // A role or a permission decides who may read anything (`decidesAccess`).
    if (!decidesAccess(f.auth)) {
      const who = anyCaller(f.auth);
      const denied = deniedNote(f.loose); // a decision a write on its denied path undid (attack47 FP5)
      for (const read of fn.idReads) {
        const checked = covers(fn.checkedArgs, read.arg);
        const group = read.groupOnly !== undefined && !checked ? groupFieldRead(fn.id, read, read.groupOnly) : undefined;
        if (group !== undefined) out.push({ ...finding("unchecked-id-read", fn.id, read, group.message, group.fix), severity: group.severity });
        else if (read.parent !== undefined) {
          const child = childRead(fn.id, read.arg, read.parent, who, checked, covers(fn.changeChecked.args, read.arg), fn.changeChecked.lowLevels.get(read.arg));
          if (child !== undefined) out.push({ ...finding("unchecked-id-read", fn.id, read, child.message, child.fix), severity: child.severity });
        } else if (!checked) out.push(finding("unchecked-id-read", fn.id, read, `${fn.id}${throughText(read.through)} returns data read from the document that argument '${read.arg}' names, to ${who}${denied}`, parentFix(read)));
      }
      // A document check at the lowest (or public) level shows the caller may see it, not change
      // it (levels.ts): one step lower, as the caller holds some access to that document.
      const changes = (arg: string, rule: "unchecked-id-delete" | "unchecked-id-write", at: Loc & { through?: string }, does: string) => {
        if (covers(fn.changeChecked.args, arg)) return;
        does = `${throughText(at.through)} ${does}`; // " (through loadTask) patches": a helper's document (helperget.ts)
        if (!covers(fn.checkedArgs, arg) && parentWeak(at) === undefined) return void out.push({ ...finding(rule, fn.id, at, `${fn.id}${does} the document that argument '${arg}' names, ${parentGroup(at) ?? `for ${who}${denied}`}`, parentFix(at)), ...(parentGroup(at) === undefined ? {} : { severity: "medium" as const }) }); // the row's group checked at its lowest level only: medium
        const group = fn.changeChecked.groups.get(arg);
        const message = `${fn.id}${does} the document that argument '${arg}' names, ${onlyWeaklyChecked(fn.changeChecked.lowLevels.get(arg) ?? parentWeak(at), group !== undefined)}`;
        out.push({ ...finding(rule, fn.id, at, message, group !== undefined ? groupChangeFix(group) : parentFix(at)), severity: "medium" });
      };
      for (const del of fn.idDeletes) changes(del.arg, "unchecked-id-delete", del, CHANGES.delete);
      for (const w of fn.writes.idWrites) changes(w.arg, "unchecked-id-write", w, CHANGES[w.method]);
      for (const c of fn.changeChecked.ofCheckedDoc) changes(c.arg, c.method === "delete" ? "unchecked-id-delete" : "unchecked-id-write", c, CHANGES[c.method]);
      // A role or permission check above the lowest decides who may set roles; a document check does not.
      for (const w of fn.writes.roleWrites) {
        const whose = w.own ? "the caller's own users row" : "a users row";
        const promote = `a caller can promote ${w.own ? "themselves" : "anyone"}`;
        if (w.open === undefined) out.push(finding("unchecked-role-write", fn.id, w, `${fn.id} writes the role field '${w.field}' of ${whose} from argument '${w.arg}', for ${who}: ${promote}`));
        else {
          // As access-field-write: a value whose shape is not known may hold the field, one step lower.
          const from = w.arg !== undefined ? ` from argument '${w.arg}'` : "";
          out.push({ ...finding("unchecked-role-write", fn.id, w, `${fn.id} ${w.method === "patch" ? "patches" : "replaces"} ${whose} with a value of unknown shape${from} (${w.open}), for ${who}: it may hold the role field '${w.field}', so ${promote}`), severity: "medium" });
        }
      }
      // The guard's tables read around its API: high when the rows reach the answer; a read of
      // a private table (codes, audit, rate limits) kept inside is medium; the access tables'
      // rows the app reads for its own decisions (deleting a group) are not reported.
      for (const r of fn.writes.tableReads) {
        if (r.kind === "groups" && r.arg !== undefined && covers(fn.checkedArgs, r.arg)) continue; // the caller's level on it was checked
        // One group's members, to callers checked on that group: what guard.listGroupMembers
        // answers, but with pending invitations (listed there only to who may manage members).
        const oneGroup = r.group === true && r.kind === "members";
        const checkedGroup = oneGroup && r.arg !== undefined && covers(fn.checkedArgs, r.arg);
        if (checkedGroup && r.returned) out.push({ ...finding("guard-table-read", fn.id, r, `${fn.id} returns rows of the guard's table '${r.table}' (${ONE_GROUP}), read directly, to callers checked on the group argument '${r.arg}' names`, LIST_MEMBERS), severity: "low" });
        if (checkedGroup) continue;
        const what = `the guard's table '${r.table}' (${oneGroup ? ONE_GROUP : READ_WHAT[r.kind]})`;
        if (r.returned) out.push(finding("guard-table-read", fn.id, r, `${fn.id} returns rows of ${what}, read directly, to ${who}`, oneGroup ? LIST_MEMBERS : READ_FIX[r.kind]));
        else if (PRIVATE_TABLES.has(r.kind)) out.push({ ...finding("guard-table-read", fn.id, r, `${fn.id} reads ${what} directly, for ${who}, around the checks of its API`, READ_FIX[r.kind]), severity: "medium" });
      }
    }
    if (fn.args === "missing") out.push(finding("any-args", fn.id, fn.at, `public ${fn.kind} ${fn.id} has no argument validator`));
    for (const at of fn.anyArgs) out.push(finding("any-args", fn.id, at, `public ${fn.kind} ${fn.id} accepts v.any()`));
  }
  // The code leaves the call that issued it: to a client (a public function's answer; an
  // internal mutation answers the action that sends it, the documented way), or into storage.
  for (const c of fn.codeExposures) {
    if (!leavesEveryFunction(c) && !publicFn) continue;
    const who = leavesEveryFunction(c) ? fn.id : `public ${fn.kind} ${fn.id}`;
    out.push({ ...finding("code-exposed", fn.id, c, exposureMessage(c, who, "the one-time code of guard.issueConfirmation")), ...exposureTerms(c) });
  }
  for (const w of fn.writes.tableWrites.filter((t) => t.groupOwner === undefined)) { // a group's ownerId: groupowner.ts
    const what = w.method === "delete" ? "deletes from" : w.method === "insert" ? "inserts into" : `${w.method === "patch" ? "patches" : "replaces"} a row of`;
    out.push(finding("guard-table-write", fn.id, w, `${fn.id} ${what} the guard's table '${w.table}' directly, around the checks of its API`, TABLE_FIX[w.kind]));
  }
  // The owner and parent fields carry access (accessfields.ts): medium in an internal mutation
  // (the app's own server code), and one step lower when the id's table is not known.
  for (const w of fn.kind === "mutation" ? fn.writes.accessWrites : []) {
    const severity = SEVERITIES[Math.max(0, 2 - (fn.visibility === "internal" ? 1 : 0) - (w.table === undefined || w.open !== undefined ? 1 : 0))]!;
    const verb = w.method === "insert" ? "inserts" : w.method === "patch" ? "patches" : "replaces";
    if (w.open !== undefined) {
      const from = w.arg !== undefined ? ` from argument '${w.arg}'` : "";
      const fields = w.open.fields.map((x) => `'${x}'`).join(" or ");
      out.push({ ...finding("access-field-write", fn.id, w, `${fn.id} ${verb} a row of table '${w.table}' with a value of unknown shape${from} (${w.open.why}): it may hold ${fields}, the fields that carry access, around guard.transferOwnership and guard.moveDocument`), severity });
      continue;
    }
    const what = w.table !== undefined ? `the ${w.which} field '${w.field}' of table '${w.table}'` : `'${w.field}' (the ${w.which} field of a table under access.tables) of a document whose table the audit cannot tell`;
    const via = w.checkedAt === undefined ? "" : ` (the _id of the document its check at ${w.checkedAt.level === undefined ? "a level not written literally" : `'${w.checkedAt.level}'`} answered)`;
    const from = w.arg !== undefined ? ` from argument '${w.arg}'${via}` : "";
    const does = w.which === "owner" ? "writing it transfers the document" : "writing it files the document under another parent, whose owners then hold their level on it (the owner level for its owner)";
    const checked = w.method === "insert" ? "insertDocument" : w.which === "owner" ? "transferOwnership" : "moveDocument";
    out.push({ ...finding("access-field-write", fn.id, w, `${fn.id} ${verb} ${what}${from}, around guard.${checked}: ${does}`), severity });
  }
  for (const d of fn.writes.grantsLeft) out.push(finding("grants-left", fn.id, d, `${fn.id} deletes a document of table '${d.table}' (under access.tables) with ctx.db.delete: its grants stay, and guard.listAccessible keeps reading them (short or empty pages with isDone: false)`));
  const lost = lostRows(fn);
  for (const a of lost) out.push(finding("audit-rollback", fn.id, a.lostAt!, `${fn.id} throws after writing an audit row (${a.via}, ${a.at.file === a.lostAt!.file ? "line " : a.at.file + ":"}${a.at.line}): the throw rolls the row back, so the trail never holds it`));
  if (fn.kind === "mutation") {
    for (const d of f.deletes) {
      const why = uncovered([...f.confirmed, ...f.audited.filter((a) => a.lostAt === undefined)], d); // "": neither made; else none covers it (confirmgate.ts)
      if (why === undefined) continue;
      if (fn.visibility === "internal" && fn.writes.accessRowDeletes.some((a) => a.file === d.file && a.line === d.line)) continue; // a grant or membership the app's server code removes (docs/access.md: "Deleting a group") takes access away: not judged
      // A caller checked at the owner level deleting that one document (its owner, or the owner
      // of a folder above it: the level is inherited) is the app's ordinary
      // business, not an operator's destructive act: still shown, below the default --fail-on.
      // So is an owner deleting rows selected by their owner field holding the caller's own id,
      // or, in a table outside the access model, by any field holding it (ownerquery.ts).
      const owned = fn.ownedDeletes.find((o) => o.file === d.file && o.line === d.line);
      if (owned?.rows !== undefined || owned?.compared !== undefined) {
        out.push({ ...finding("destructive-unconfirmed", fn.id, d, `${fn.id} deletes${d.inLoop ? " in a loop" : ""} the caller's own ${ownRowsText(owned)}, ${why || "with no audit row"}`, unconfirmedFix(why)), severity: "low" });
      } else if (owned !== undefined) {
        out.push({ ...finding("destructive-unconfirmed", fn.id, d, `${fn.id} deletes a document the caller was checked at the owner level on (its owner, or a parent's owner), ${why || "with no audit row"}`, unconfirmedFix(why)), severity: "low" });
      } else if (fn.visibility === "internal") {
        // No client calls an internal mutation: the app's own code does (a cron's retention
        // job, the scheduler), below the default --fail-on. Medium, not low: a public action's
        // ctx.runMutation (not followed) may still hand it a client's arguments.
        out.push({ ...finding("destructive-unconfirmed", fn.id, d, `internal mutation ${fn.id} deletes${d.inLoop ? " in a loop" : ""} ${why || "with no confirmation and no audit row"} (no client calls it directly)`, unconfirmedFix(why)), severity: "medium" });
      } else {
        out.push(finding("destructive-unconfirmed", fn.id, d, `${fn.id} deletes${d.inLoop ? " in a loop" : ""} ${why || "with no confirmation and no audit row"}`, unconfirmedFix(why)));
      }
    }
  }
  // A throw on a failed code rolls back the attempt it spent, the failure counts and the audit
  // row: the attacker guesses again for free. Read in mutations only (an action's throw undoes
  // nothing it committed through ctx.runMutation).
  if (fn.kind === "mutation") {
    for (const r of f.rollbacks.filter((r) => r.answers === undefined || r.answers())) {
      out.push(finding("confirmation-rollback", fn.id, r.at, `${fn.id} throws when a confirmation code fails: the throw rolls back the spent attempt, the failure counts and the audit row, so wrong guesses cost nothing`));
    }
  }
  return out;
}
