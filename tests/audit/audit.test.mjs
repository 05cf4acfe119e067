// Issue 10: `convex-guard audit`, run the way a user runs it — the bin of the packed tarball,
// installed into the repository root and into the example app by `make build`.
//
//   tests/audit/fixtures/pitfalls   one app holding every pitfall (each marked `// FINDING rule`
//                                   on its line) next to the correct version of each
//   tests/audit/fixtures/evasions   the evasion review's cases: code written to fool the audit (each
//                                   marked the same way), next to checks in unusual shapes that
//                                   must not be reported (clean.ts, and the clean half of each file)
//   examples/convex-app             must come out clean but for its deliberate allowlist
// Small apps written at test time (target/audit-tests/) pin the error paths.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname } from "node:path";
import { test } from "node:test";
import { markers, WIRING } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = `${root}node_modules/convex-guard/cli.cjs`;
const pitfalls = `${root}tests/audit/fixtures/pitfalls/convex`;
const evasions = `${root}tests/audit/fixtures/evasions/convex`;
const example = `${root}examples/convex-app`;

/**
 * Runs the installed CLI; returns its status, stdout and stderr. It runs where CI runs it, in
 * the audited app's root (the convex directory's parent), so the report's paths, relative to
 * the current directory, read `convex/posts.ts`; "paths are relative to the current directory"
 * runs it elsewhere on purpose.
 */
function run(args, { cwd } = {}) {
  const audited = args[0] === "audit" ? args.slice(1).find((a) => a.startsWith("/")) : undefined;
  const where = cwd ?? (audited === undefined ? root : dirname(audited));
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: where, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(args, opts) {
  const r = run([...args, "--json"], opts);
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  return { status: r.status, report: JSON.parse(r.stdout) };
}

const pitfallsRun = json(["audit", pitfalls]);

test("the pitfalls app: exactly each pitfall, at its line, and nothing else", () => {
  const found = pitfallsRun.report.findings.map((f) => `${f.file}:${f.line} ${f.rule} ${f.function}`).sort();
  assert.deepEqual(found, [
    "convex/allowed.ts:13 unchecked-list allowed:publicFeed",
    "convex/lib/auth.ts:14 fail-open-role convex/lib/auth.ts",
    "convex/payments.ts:15 internal-name-public payments:internalRefund",
    "convex/payments.ts:25 action-env-unsafe payments:charge",
    "convex/payments.ts:25 public-no-rate-limit payments:charge",
    "convex/payments.ts:45 public-no-rate-limit payments:chargeSafely",
    "convex/payments.ts:46 wiring-missing payments:chargeSafely",
    "convex/payments.ts:6 internal-name-public payments:_processPayment",
    "convex/posts.ts:109 grants-left posts:removeAudited",
    "convex/posts.ts:12 public-no-rate-limit posts:createPost",
    "convex/posts.ts:122 grants-left posts:removeConfirmed",
    "convex/posts.ts:140 destructive-unconfirmed posts:forgetAuthor",
    "convex/posts.ts:159 confirmation-rollback posts:removeConfirmedThrows",
    "convex/posts.ts:160 grants-left posts:removeConfirmedThrows",
    "convex/posts.ts:26 unchecked-id-read posts:getPost",
    "convex/posts.ts:47 unchecked-id-read posts:peek",
    "convex/posts.ts:52 user-id-arg posts:postsFor",
    "convex/posts.ts:55 unchecked-list posts:postsFor",
    "convex/posts.ts:6 public-no-auth posts:listAll",
    "convex/posts.ts:63 any-args posts:importBlob",
    "convex/posts.ts:72 any-args posts:noValidator",
    "convex/posts.ts:8 unchecked-list posts:listAll",
    "convex/posts.ts:83 destructive-unconfirmed posts:removePost",
    "convex/posts.ts:83 grants-left posts:removePost",
    "convex/posts.ts:97 destructive-unconfirmed posts:purgePosts",
    "convex/posts.ts:97 grants-left posts:purgePosts",
  ]);
  // Every finding names its severity and a fix.
  for (const f of pitfallsRun.report.findings) {
    assert.ok(["high", "medium", "low"].includes(f.severity), f.rule);
    assert.ok(f.fix.length > 20 && f.message.length > 10, f.rule);
  }
});

test("the fixture's FINDING markers and the expected list agree (the fixture documents itself)", () => {
  const found = pitfallsRun.report.findings.map((f) => `${f.file}:${f.line} ${f.rule}`);
  assert.deepEqual(found.sort(), markers(pitfalls));
});

const evasionsRun = json(["audit", evasions]);

test("the evasions app: each evasion reported at its marked line, no check in an unusual shape reported", () => {
  // The evasions read every post as a stand-in for data after the check they evade: unchecked-list's listings are tested in uncheckedlist.test.mjs.
  const found = evasionsRun.report.findings.filter((f) => f.rule !== "unchecked-list").map((f) => `${f.file}:${f.line} ${f.rule}`).sort();
  const expected = markers(evasions);
  assert.equal(expected.length, 595, "the fixture's markers");
  assert.deepEqual(found, expected);
});

test("evasions: a denial answered by guarding the effects (`if (d.ok) insert; return d;`) leaves at once; an effect before the exit does not", () => {
  const fns = Object.fromEntries(evasionsRun.report.functions.map((f) => [f.function, f]));
  // The denied path skips the branch and leaves by the statement after it: a limit, a check.
  for (const f of ["limitGuardsInsert", "limitGuardsBlock", "limitOkGuardsInsert", "identityGuardsInsert", "permissionGuardsPatch"]) {
    assert.deepEqual([f, fns[`guardedeffects:${f}`].rateLimits], [f, ['guard.rateLimit("write")']]);
  }
  assert.deepEqual(fns["guardedeffects:identityGuardsRead"].authVia, ["ctx.auth.getUserIdentity() + exit"]);
  assert.equal(fns["guardedeffects:permissionGuardsPatch"].auth, "permission");
  // An effect between the `if` and the exit, or the test the wrong way round: the denied path makes it.
  const reported = evasionsRun.report.findings.filter((f) => f.file === "convex/guardedeffects.ts").map((f) => `${f.function} ${f.rule}`);
  assert.deepEqual(reported.sort(), [
    "guardedeffects:identityThenInserts public-no-auth",
    "guardedeffects:identityThenReads public-no-auth",
    "guardedeffects:identityThenReads unchecked-list",
    "guardedeffects:limitDeniedInserts public-no-rate-limit",
    "guardedeffects:limitOkThenInserts public-no-rate-limit",
    "guardedeffects:limitReturnsData public-no-rate-limit",
    "guardedeffects:limitThenInserts public-no-rate-limit",
    "guardedeffects:permissionThenPatches unchecked-id-write",
  ]);
});

test("evasions: swallowed checks, exits the wrong way round, rate limits that never limit", () => {
  const fns = Object.fromEntries(evasionsRun.report.functions.map((f) => [f.function, f]));
  // Checks in unusual shapes are the guard's check, by symbol.
  for (const f of ["clean:destructured", "clean:element", "clean:called", "clean:bound"]) assert.deepEqual([f, fns[f].authVia], [f, ["guard.requireUser"]]);
  assert.deepEqual(fns["clean:wrapped"].authVia, ["withUser -> guard.requireUser"]);
  // A denial caught and left (a return of no data) or thrown again is still a check.
  for (const f of ["swallowed:rethrown", "swallowed:deniedReturnsNull", "swallowed:catchRethrows"]) assert.equal(fns[f].auth, "authenticated", f);
  // readable counts when its null leaves: an exit, or the answer returned as no data (also by a
  // helper's caller); read and logged, it refuses no one.
  for (const f of ["readableAnswered", "readableThrows", "readableAnd", "helperReadableReturned", "helperReadableTested"]) assert.equal(fns[`swallowed:${f}`].auth, "document", f);
  for (const f of ["readableLogged", "helperReadableLogged"]) assert.equal(fns[`swallowed:${f}`].auth, "none", f);
  // Hand-written exits count only on the denied branch; an assertion function by its body.
  for (const f of ["exits:elseThrows", "exits:presentReturnsThenThrow", "exits:eitherMissing", "exits:optionalChain", "exits:directOptionalChain", "exits:assertion", "exits:throwingHelper"]) {
    assert.deepEqual([f, fns[f].auth, fns[f].handWritten], [f, "authenticated", true]);
  }
  assert.equal(fns["exits:permissionDenied"].auth, "permission");
  for (const f of ["exits:throwsWhenSignedIn", "exits:returnsDataWhenMissing", "exits:looseAssertion", "exits:warnsOnly"]) assert.equal(fns[f].auth, "none", f);
  // A check on each branch, or per element of a loop, is made on every path; with a role on one
  // branch and requireUser on the other, each path has its own: the whole is the weaker.
  assert.deepEqual([fns["branches:eachBranch"].auth, fns["branches:otherLeaves"].auth, fns["branches:eachDocument"].auth], ["authenticated", "authenticated", "document"]);
  // Past an `if` chain with no `else`, a statement that leaves at once (a throw, a return of literals) is a path with nothing to check;
  // code that runs first is a path without the check.
  for (const f of ["revokeEitherThrows", "revokeEitherFalse"]) assert.deepEqual([f, fns[`branches:${f}`].auth, fns[`branches:${f}`].authVia], [f, "document", ["guard.requireUser", 'guard.revoke("posts")']]);
  assert.deepEqual(fns["branches:revokeEitherThenWrites"].authVia, ["guard.requireUser"]);
  // An `else` that leaves counts only when it keeps no change on its way out: a throw rolls a
  // mutation's writes back, an audit row is no change; a delete or a scheduled function then a return is a path without the check.
  for (const f of ["elseWritesThenThrows", "elseAuditsThenRefuses"]) assert.deepEqual([f, fns[`branches:${f}`].auth], [f, "role"]);
  assert.deepEqual([fns["branches:elseDeletesThenLeaves"].auth, fns["branches:elseSchedulesThenLeaves"].auth], ["authenticated", "none"]);
  // safeAction's own check answering the identity or the user (null when signed out: refused).
  for (const f of ["identity", "user", "identityInBlock", "tokenOf", "throwsWhenSignedOut"]) assert.equal(fns[`checks:${f}`].auth, "authenticated", f);
  for (const f of ["orAnonymous", "anyone", "orGuest", "orGuestObject", "orGuestTemplate"]) assert.equal(fns[`checks:${f}`].auth, "none", f);
  // A synchronous guard method (assertConfirmed) needs no await to count.
  assert.equal(fns["clean:confirmedInAction"].confirmed, true);
  // A throw on a failed code is reported (confirmation-rollback), but the code still guards
  // what follows it: the function stays confirmed, and its delete is not reported as well.
  assert.equal(fns["rollbacks:throwsConvexError"].confirmed, true);
  assert.equal(fns["rollbacks:throwsConvexError"].deletes, true);
  // A row a mutation throws away on every path is no audit row; kept on some path, or written
  // by an action (whose throw undoes nothing committed), it is.
  for (const f of ["helperLogsCallerThrows", "throwingHelperAfter", "catchLogsAndRethrows", "loggedAfterTheIf", "returnsRefusal", "loggedInMap", "finallyThrows", "loggedInTheThrow", "nestedHelperThrows"]) assert.equal(fns[`auditrows:${f}`].audited, false, f);
  for (const f of ["deniedThenThrows", "deniedReturnsValue", "throwsOnSomePaths", "throwCaught", "returnsBeforeTheThrow", "actionLogsThenThrows", "helperThrowCaught", "wrapperRethrowCaught", "nestedHelperSomePaths"]) assert.equal(fns[`auditrows:${f}`].audited, true, f);
  const lostRows = evasionsRun.report.findings.filter((f) => f.rule === "audit-rollback");
  assert.equal(lostRows.length, 13);
  assert.ok(lostRows.every((f) => f.severity === "medium" && /rolls the row back/.test(f.message)));
  const rollbacks = evasionsRun.report.findings.filter((f) => f.rule === "confirmation-rollback");
  assert.ok(rollbacks.length > 0 && rollbacks.every((f) => f.severity === "high" && /rolls back the spent attempt/.test(f.message)));
  // An answer tested through a `const` copy of its `ok`, a `switch`, a destructured `ok`, another
  // field or a `let` it was assigned to confirms; a copy never tested does not.
  for (const f of ["aliasTested", "renamedTested", "switchTested", "switchTrueTested", "errorTested", "destructuredTested", "letTested"]) assert.equal(fns[`confirmed:${f}`].confirmed, true, f);
  for (const f of ["aliasNeverTested", "switchOnOther"]) assert.equal(fns[`confirmed:${f}`].confirmed, false, f);
  // The same shapes where a failure throws: reported, and still confirmed.
  for (const f of ["aliasOk", "renamedOk", "negatedOk", "fieldOfObject", "switchTrue", "aliasReturns", "switchReturns"]) assert.equal(fns[`reshaped:${f}`].confirmed, true, f);
  // A home-made custom builder that drops guard.customCtx declares nothing.
  assert.equal(fns["custom:adminOnly"].auth, "none");
  // A spread after a builder's `role` may replace it (with `undefined`: no role): not reported
  // as a role check; one before it changes nothing.
  assert.equal(fns["custom:spreadAfterRole"].auth, "authenticated");
  assert.equal(fns["custom:spreadBeforeRole"].auth, "role");
  // checkRateLimit takes nothing; a quiet limit counts once its answer is tested and left on.
  assert.deepEqual(fns["limits:onlyLooks"].rateLimits, []);
  assert.deepEqual(fns["limits:quietTested"].rateLimits, ['guard.rateLimit("write")']);
  assert.deepEqual(fns["limits:serverKey"].rateLimits, ['guard.rateLimit("write")']);
  assert.deepEqual(fns["limits:serverKeyThroughHelper"].rateLimits, ['limitWrites -> guard.rateLimit("write")']);
  // A quiet limit's denial answered with its fields converted (Math.ceil, String, a template) leaves; with a document read before, it does not.
  assert.deepEqual([fns["limits:quietConverted"].rateLimits, fns["limits:quietConvertsData"].rateLimits], [['guard.rateLimit("write")'], []]);
  // A limit or a check made, whose denial is not left on, is named in the finding: not "no rate limit", "no check".
  const message = (name, rule) => evasionsRun.report.findings.find((f) => f.function === name && f.rule === rule)?.message;
  assert.equal(message("limits:quietLogged", "public-no-rate-limit"), "public mutation limits:quietLogged has no rate limit that limits: it calls rate limit 'write' (convex/limits.ts:32), whose denial (throws: false) it does not leave on by a throw or a return of no data");
  assert.equal(message("exits:warnsOnly", "public-no-auth"), "public query exits:warnsOnly checks no identity, role, permission or document access that holds: it calls ctx.auth.getUserIdentity() (convex/exits.ts:78), whose denial (null) it does not leave on by a throw or a return of no data");
  assert.equal(message("limits:onlyLooks", "public-no-rate-limit"), "public mutation limits:onlyLooks has no rate limit");
  // A decision is a check of the caller only when it is about the caller's row or its role
  // (subjects.ts): a role name, a row an argument names or the owner's row checks no one.
  for (const f of ["roleNameDecides", "roleConstDecides", "actingAsAnother", "ownerDecides", "helperGivenRoleName"]) assert.equal(fns[`subjects:${f}`].auth, "authenticated", f);
  assert.equal(fns["subjects:actingAsOnly"].auth, "none");
  for (const f of ["callerDecides", "callerRoleDecides", "helperGivenCaller", "builderUserDecides"]) assert.equal(fns[`subjects:${f}`].auth, "permission", f);
  for (const f of ["signedInCallerDecides", "helperCallerDecides"]) assert.equal(fns[`subjects:${f}`].auth, "role", f);
  // The caller's row written over, a callback's parameter of the helper's name, a `this`
  // parameter, a parameter assigned another row: no check of the caller (callerrows.ts).
  for (const f of ["roleOverwritten", "assignedOver", "changedThroughAlias", "helperChangesRow", "shadowedParameter", "thisShiftsSubject", "reassignedParameter", "otherFromPromiseAll", "roleDefaultFromArgument", "roleSetInLoop", "nameSetBefore"]) {
    assert.deepEqual([f, fns[`callerrows:${f}`].authVia], [f, ["guard.requireUser"]]);
  }
  for (const f of ["builderUserChanged", "builderUserChangedByHelper", "builderUserChangedDestructured"]) assert.deepEqual([f, fns[`callerrows:${f}`].authVia], [f, ["guard.mutation (user)"]]);
  // The lowest role through a helper with `this`: read as "user" (its read is reported), not as a role the audit cannot read.
  assert.ok(evasionsRun.report.findings.some((f) => f.function === "callerrows:thisShiftsRole" && f.rule === "unchecked-id-read"));
  // Changed after the decision in a field it does not read (not the role, in no loop around both): still the caller's.
  for (const f of ["copyChanged", "shadowElsewhere", "thisReadRight", "fromPromiseAll", "destructuredRole", "touchedAfter", "builderUserTouchedAfter"]) assert.equal(fns[`callerrows:${f}`].auth, "permission", f);
  assert.equal(fns["callerrows:helperReadsRow"].auth, "role");
  assert.equal(fns["callerrows:thisTargetRight"].auth, "document");
  // Two branches with checks of different strength are judged by the weaker (weakerbranch.ts).
  for (const f of ["roleOrUser", "permissionOrUserTernary", "documentOrUser", "helpersChain"]) assert.deepEqual([f, fns[`weakerbranch:${f}`].auth], [f, "authenticated"]);
  assert.deepEqual(fns["weakerbranch:roleOrLowestRole"].authVia, ['guard.requireRole("user")']);
  assert.deepEqual(fns["weakerbranch:roleOrOwner"].authVia, ['guard.requireAccess("posts")']);
  for (const f of ["sameInBoth", "roleOrPermission", "roleOrRefused"]) assert.deepEqual([f, fns[`weakerbranch:${f}`].auth], [f, "role"]);
  // A check in a `try` whose `catch` may return data is made on some paths only, whatever the
  // `catch` tests and whatever throws there (catchskip.ts, catchdenial.ts), a field of the caught
  // error included (`e.post`, `e.data`); a `catch` answering no data or the error's text
  // (`e.message`, `e.name`, `e.code`, `e.data.code`), throwing again, or making the same check first keeps it.
  for (const f of ["throwSkipsCheck", "parseSkipsCheck", "rethrownSkipsCheck", "errorFieldSkipsCheck"]) assert.deepEqual([f, fns[`catchskip:${f}`].authVia], [f, ["guard.requireUser"]]);
  for (const f of ["helperSkipsCheck", "throwAfterCheck", "guardCallBefore", "innerTryKeepsIt", "errorDataSkipsCheck"]) assert.equal(fns[`catchskip:${f}`].auth, "none", f);
  for (const f of ["catchAnswersNull", "catchAnswersError", "catchAnswersCode"]) assert.deepEqual([f, fns[`catchskip:${f}`].auth], [f, "document"]);
  for (const f of ["denialAnswered", "roleDenialAnswered", "decisionDenialAnswered", "helperDenialAnswered", "throwInElse", "newThrows", "destructureThrows"]) assert.deepEqual([f, fns[`catchdenial:${f}`].authVia], [f, ["guard.requireUser"]]);
  for (const f of ["denialAnsweredOnly", "newSkipsOnly", "taggedSkips", "awaitedEarlier"]) assert.equal(fns[`catchdenial:${f}`].auth, "none", f);
  for (const f of ["denialAnsweredNull", "denialAnsweredLiterals", "catchLogsAndRethrows", "catchChecksFirst"]) assert.deepEqual([f, fns[`catchdenial:${f}`].auth], [f, "document"]);
  // A listing (and readableMany, a filter too) decides about no document and denies no one: no check of an id, weaker than
  // requireUser in a branch, and the function's check only for what comes from its page: beside
  // any other use of ctx (a read by an argument's id, another table, a write), none (listings.ts).
  for (const f of ["ownerOrGroups", "userOrGroups", "viewerOrListed", "groupsThenAnyPost", "groupsLoggedPostsReturned", "helperGroupsThenPosts", "manyLoggedThenRead"]) assert.deepEqual([f, fns[`listings:${f}`].authVia], [f, []]);
  for (const f of ["listed", "listedEitherWay", "listedWithOwners", "helperGroups", "manyAnswered"]) assert.equal(fns[`listings:${f}`].auth, "document", f);
  assert.deepEqual(fns["listings:listedAndChecked"].authVia, ['guard.requireAccess("posts")']);
});

test("evasions: a delete of a document checked at the owner level is low, an internal one medium, every other delete high", () => {
  const deletes = evasionsRun.report.findings.filter((f) => f.rule === "destructive-unconfirmed").map((f) => `${f.function} ${f.severity}`);
  assert.deepEqual(deletes.sort(), [
    // Modules Convex deploys from a dot directory and a `.cts` file.
    ".hidden/ops:wipePost high",
    "legacy:wipePost high",
    // A copy of a confirmation's answer never tested, a `switch` on something else, the answer
    // itself tested (an object: always truthy) directly, through a copy or a call. These are
    // internal mutations (the deletion flow's shape: an action runs them with the caller's
    // code): medium, below the default --fail-on but failing --fail-on medium.
    "confirmed:aliasNeverTested medium",
    "confirmed:answerGivenAway medium",
    "confirmed:bareAnd medium",
    "confirmed:bareConditional medium",
    "confirmed:bareDirect medium",
    "confirmed:bareSwitch medium",
    "confirmed:bareTested medium",
    "confirmed:copyBareTested medium",
    "confirmed:switchOnOther medium",
    // Public mutations stay high.
    "deletes:aliasDelete high",
    "deletes:boundDelete high",
    "deletes:confirmationIgnored high",
    "deletes:destructuredDelete high",
    "deletes:elementDelete high",
    "deletes:ownerDeletes low",
    // The internal halves a public function schedules or runs: internal for themselves (the
    // public callers are reported unchecked-id-delete at their calls).
    "follows:doDelete medium",
    "follows:doDeleteOwned medium",
    "follows:wipeUser medium",
    // The checked document itself (`ctx.doc._id`, requireAccess's `doc._id`) is the owned one;
    // an editor's, or a `let` that may hold another document, is not.
    "owners:builderDeletesDoc low",
    "owners:builderDeletesDocById low",
    "owners:builderEditorDeletesDoc high",
    "owners:editorDeletesDoc high",
    // An app helper returning the guard's owner-level answer as is hands on its `doc`; one at
    // the editor level, or answering another document on some path, does not.
    "owners:helperEditorDoc high",
    "owners:helperOtherDoc high",
    "owners:helperOwnerDoc low",
    "owners:reboundDoc high",
    // readable answers { doc, accessLevel, source }, as requireAccess does: its doc._id is the owned document.
    "owners:readableOwnerDoc low",
    "owners:requireAccessDoc low",
    "owners:requireAccessResult low",
    // Rows selected by the owner field equal to the caller's id, and their own `_id` deleted;
    // an id the caller chose, another field, another row or a rebound `let` stay high.
    // levelAtLeast(r.accessLevel, "owner") left on a denial checks r's document at "owner" (levelat.ts).
    "levelat:levelOwnerDeletes low",
    // The same in an app helper given the answer's level, which throws on a denial.
    "levelat:helperGivenLevel low",
    "ownrows:builderDeletesMine low",
    "ownrows:deleteArgAfterOwnRows high",
    "ownrows:deleteEdited high",
    "ownrows:deleteFirstMine low",
    "ownrows:deleteMine low",
    "ownrows:deleteMineStreamed low",
    "ownrows:deleteOtherRow high",
    "ownrows:deleteOwnersChosen high",
    "ownrows:deleteRebound high",
    "ownrows:deleteRebound high",
    // A table outside access.tables (drafts): rows selected by an equality of a field with the
    // caller's id, their own `_id` deleted, are the caller's; an id the caller chose, another
    // field of the caller's row, a range, `neq`, an `or`, `user?._id`, another id deleted, the
    // users table and the guard's own tables stay high.
    "ownrows:builderClearsDraft low",
    "ownrows:clearChosenDrafts high",
    "ownrows:clearDraftsByName high",
    "ownrows:clearDraftsCompared high",
    "ownrows:clearDraftsCompared high",
    "ownrows:clearDraftsCompared high",
    "ownrows:clearDraftsCompared high",
    "ownrows:clearFirstDraft low",
    "ownrows:clearInvitedAndGroups high",
    "ownrows:clearInvitedAndGroups high",
    "ownrows:clearMyDrafts low",
    "ownrows:clearRepliedTo high",
    "ownrows:clearRepliedTo high",
  ].sort());
  // An audit row records a delete; it does not make one of an unchecked id any caller's right.
  const unchecked = evasionsRun.report.findings.filter((f) => f.rule === "unchecked-id-delete").map((f) => f.function);
  assert.deepEqual(unchecked.sort(), [
    ".hidden/ops:wipePost",
    // A role in one branch; the other deletes on its way out, unchecked (branches.ts).
    "branches:elseDeletesThenLeaves",
    "branches:elseDeletesThenLeaves",
    // A decision about a row no longer the caller's, or a helper's parameter misread (callerrows.ts).
    "callerrows:assignedOver",
    "callerrows:builderUserChanged",
    "callerrows:builderUserChangedByHelper",
    "callerrows:builderUserChangedDestructured",
    "callerrows:changedThroughAlias",
    "callerrows:nameSetBefore",
    "callerrows:otherFromPromiseAll",
    "callerrows:reassignedParameter",
    "callerrows:roleDefaultFromArgument",
    "callerrows:roleOverwritten",
    "callerrows:roleSetInLoop",
    "callerrows:shadowedParameter",
    "callerrows:thisShiftsSubject",
    "callerrows:thisShiftsTarget",
    // At the call that schedules an internal delete of the id it was given (a safeAction's
    // default check and its lowest role decide nothing about the post; its `role: "admin"` does).
    "follows:anyUserDeletesSafely",
    "follows:lowestRoleDeletesSafely",
    "follows:requestDelete",
    "follows:requestDeleteAt",
    "follows:requestDeleteViewer",
    "iddeletes:auditedAnyPost",
    "iddeletes:auditedEach",
    "iddeletes:auditedThroughAlias",
    "iddeletes:otherChecked",
    "legacy:wipePost",
    // requireUser on one branch, a listing (no one refused) on the other (listings.ts).
    "listings:userOrGroups",
    "lowlevel:viewerBuilder",
    "lowlevel:viewerDeletes",
    "lowlevel:viewerDocDeleted",
    "lowrole:lowestRoleBuilder",
    "lowrole:lowestRoleDelete",
    "ownrows:clearRepliedTo",
    "ownrows:deleteArgAfterOwnRows",
    // Anyone's posts, selected by an owner id the caller chose (querywrites.ts).
    "ownrows:deleteOwnersChosen",
    // A check on some paths only, not made again on the path past it (samecheck.ts).
    "samecheck:adminWhenForced",
    "samecheck:checkedInCallersLoop",
    "samecheck:continuedPast",
    "scoped:scopedDelete",
    // A decision about a role name or another row than the caller's (subjects.ts).
    "subjects:helperGivenRoleName",
    "subjects:ownerDecides",
    "subjects:roleConstDecides",
    "subjects:roleNameDecides",
    // A role or a permission on one branch, requireUser on the other: the weaker (weakerbranch.ts).
    "weakerbranch:helpersChain",
    "weakerbranch:roleOrUser",
  ]);
  // A check at the lowest access level covers a read, not a delete: one step lower.
  const viewer = evasionsRun.report.findings.filter((f) => f.rule === "unchecked-id-delete" && f.function.startsWith("lowlevel:"));
  assert.deepEqual([...new Set(viewer.map((f) => f.severity))], ["medium"]);
  assert.equal(evasionsRun.report.functions.find((f) => f.function === "iddeletes:auditedAnyPost").audited, true);
  // Owner level is inherited from a folder: the message says what was checked, not "own".
  const low = evasionsRun.report.findings.filter((f) => f.rule === "destructive-unconfirmed" && f.severity === "low" && !f.function.startsWith("ownrows:"));
  for (const f of low) assert.match(f.message, /deletes a document the caller was checked at the owner level on \(its owner, or a parent's owner\), with no audit row$/);
  const ownRows = evasionsRun.report.findings.filter((f) => f.rule === "destructive-unconfirmed" && f.severity === "low" && f.function.startsWith("ownrows:"));
  assert.equal(ownRows.length, 7);
  for (const f of ownRows.filter((f) => !/Draft/.test(f.function))) assert.match(f.message, /the caller's own documents \(selected by their owner field 'ownerId' equal to the caller's id\), with no audit row$/);
  for (const f of ownRows.filter((f) => /Draft/.test(f.function))) assert.match(f.message, /the caller's own rows of table 'drafts' \(selected by their field 'userId' equal to the caller's id; access\.tables does not list the table\), with no audit row$/);
  // Patched instead of deleted, the caller's own drafts are no finding at all.
  assert.ok(!evasionsRun.report.findings.some((f) => f.function === "ownrows:staleMyDrafts"));
});

test("evasions: an id a public function passes to an app function it runs or schedules is judged with that function's delete, write or read", () => {
  const followed = evasionsRun.report.findings.filter((f) => f.file.endsWith("follows.ts") && f.rule.startsWith("unchecked-id-"));
  assert.deepEqual(followed.map((f) => `${f.function} ${f.rule} ${f.severity}`), [
    "follows:requestDelete unchecked-id-delete high",
    "follows:requestDeleteAt unchecked-id-delete high",
    "follows:renameFromAction unchecked-id-write high",
    "follows:peek unchecked-id-read high",
    "follows:requestDeleteViewer unchecked-id-delete medium",
    "follows:renameSpread unchecked-id-write high",
    "follows:anyUserDeletesSafely unchecked-id-delete high",
    "follows:lowestRoleDeletesSafely unchecked-id-delete high",
  ]);
  // A safeAction's role: or permission: is the guard's requireRole / requirePermission: it
  // decides who may delete, as a builder's; the lowest role does not.
  const fns = Object.fromEntries(evasionsRun.report.functions.map((f) => [f.function, f]));
  assert.deepEqual(
    ["adminDeletesSafely", "permittedDeletesSafely", "anyUserDeletesSafely"].map((f) => [fns[`follows:${f}`].auth, fns[`follows:${f}`].authVia]),
    [
      ["role", ["guard.safeAction (user)", 'guard.safeAction role("admin")']],
      ["permission", ["guard.safeAction (user)", 'guard.safeAction permission("delete:posts")']],
      ["authenticated", ["guard.safeAction (default check: requireUser)"]],
    ],
  );
  assert.equal(followed[0].message, "follows:requestDelete deletes, through internal.follows.doDelete (scheduled: ctx.scheduler.runAfter), the document that argument 'id' names, for any signed-in caller");
  assert.match(followed[2].message, /patches, through internal\.follows\.doRename \(ctx\.runMutation\)/);
  assert.match(followed[3].message, /returns, through internal\.follows\.readDoc \(ctx\.runQuery\), data read from the document that argument 'id' names, to any signed-in caller/);
  assert.match(followed[4].message, /checked only at level 'viewer'/);
});

test("evasions: writes by an argument's id, the users' role from an argument, the guard's tables written around its API", () => {
  const of = (rule) => evasionsRun.report.findings.filter((f) => f.rule === rule);
  // A document patched or replaced by an argument's id, under requireUser, the lowest role or nothing.
  assert.deepEqual(of("unchecked-id-write").map((f) => `${f.function} ${f.severity}`).sort(), [
    "branches:revokeEitherThenWrites high",
    "idwrites:bulkTakeOver high",
    "idwrites:bulkTakeOver high",
    "idwrites:lowestRole high",
    "idwrites:normalized high",
    "idwrites:patchWhatWasRead high",
    "idwrites:replaceThroughAliases high",
    "idwrites:retitleAny high",
    "idwrites:takeOver high",
    "rolewrites:setRoleLowest high",
    // A permission tested, then the patch made whatever it answered.
    "guardedeffects:permissionThenPatches high",
    // A check at the lowest access level covers a read, not a write: one step lower.
    "lowlevel:viewerBuilder medium",
    "lowlevel:viewerDeletes medium",
    "lowlevel:viewerDocDeleted medium",
    "lowlevel:readableDocPatched medium",
    // levelAtLeast on another answer, a literal, logged, tested without leaving, a shadowing `r`,
    // a `let`, or at the lowest level: no check above the readable's any level (levelat.ts).
    "levelat:levelLogged medium",
    "levelat:levelLowest medium",
    "levelat:levelOfLet medium",
    "levelat:levelTestedNotLeaving medium",
    "levelat:literalLevel medium",
    "levelat:otherDocumentsLevel medium",
    "levelat:shadowedAnswer medium",
    // In an app helper: one that returns on a denial (the caller goes on), given another answer,
    // a literal, a `let`, the lowest level, a parameter it replaces, caught, on some paths only.
    "levelat:helperCaught medium",
    "levelat:helperGivenLet medium",
    "levelat:helperGivenLiteral medium",
    "levelat:helperGivenLowest medium",
    "levelat:helperGivenOtherAnswer medium",
    "levelat:helperParameterReplaced medium",
    "levelat:helperReturnsOnDenial medium",
    "levelat:helperSometimes medium",
    // Scheduled by the branch that leaves without the other's check (branches.ts).
    "branches:elseSchedulesThenLeaves high",
    // Convex 1.48's table-scoped database: ctx.db.table("posts").patch(id, ...).
    "scoped:scopedDelete high",
    // Through an internal mutation the public function runs (an action) or schedules.
    "follows:renameFromAction high",
    "follows:renameSpread high",
    // Shared on one path; on the other, made public after a weaker check (samecheck.ts).
    "samecheck:shareOrPublish high",
    // A check whose denial a `catch` answers (catchdenial.ts), or beside a listing (listings.ts).
    "catchdenial:decisionDenialAnswered high",
    "listings:ownerOrGroups high",
  ].sort());
  assert.match(of("unchecked-id-write").find((f) => f.function === "lowlevel:viewerBuilder").message, /patches the document that argument 'id' names, checked only at level 'viewer' \(the lowest, or at most access\.publicLevel\): whoever may see it/);
  assert.match(of("unchecked-id-write").find((f) => f.function === "lowlevel:viewerDocDeleted").message, /argument 'other' names, checked only by a readable with no level \(any level\)/);
  assert.match(of("unchecked-id-write").find((f) => f.function === "levelat:levelLowest").message, /checked only at level 'viewer' \(the lowest/);
  // The level compared, of that same answer, left on a denial: a document check at that level.
  const fns = Object.fromEntries(evasionsRun.report.functions.map((f) => [f.function, f]));
  for (const [f, level] of [["levelRefused", "editor"], ["levelDestructured", "editor"], ["levelOwnerDeletes", "owner"]]) assert.ok(fns[`levelat:${f}`].authVia.includes(`guard.levelAtLeast("${level}") + exit`), f);
  for (const f of ["literalLevel", "levelLogged", "levelTestedNotLeaving", "shadowedAnswer", "levelOfLet"]) assert.ok(!fns[`levelat:${f}`].authVia.some((v) => v.startsWith("guard.levelAtLeast")), f);
  // In an app helper that throws on a denial, given the answer (or its level), through a second helper too.
  assert.ok(fns["levelat:helperChecksEditor"].authVia.includes('assertEditor -> guard.levelAtLeast("editor") + throw'));
  assert.ok(fns["levelat:helperThroughHelper"].authVia.includes('assertMayEdit -> assertEditor -> guard.levelAtLeast("editor") + throw'));
  assert.ok(fns["levelat:helperGivenLevel"].authVia.includes("requireLevel -> guard.levelAtLeast + throw"));
  for (const f of ["helperChecksEditor", "helperThroughHelper"]) assert.ok(!evasionsRun.report.findings.some((x) => x.function === `levelat:${f}`), f);
  const takeOver = of("unchecked-id-write").find((f) => f.function === "idwrites:takeOver");
  assert.equal(takeOver.message, "idwrites:takeOver patches the document that argument 'id' names, for any signed-in caller");
  assert.match(takeOver.fix, /guard\.requireAccess\(ctx, table, id, level\) at the level a write takes, "editor" of the default levels, then write doc\._id/);
  assert.match(of("unchecked-id-write").find((f) => f.function === "idwrites:replaceThroughAliases").message, /replaces the document/);
  // Self-promotion: the role field from an argument, on the caller's own row or anyone's.
  const roles = of("unchecked-role-write");
  assert.deepEqual([...new Set(roles.map((f) => `${f.function} ${f.severity}`))].sort(), [
    "rolewrites:promoteByAssignment high",
    "rolewrites:promoteByKey high",
    "rolewrites:promoteBySpread high",
    "rolewrites:promoteMe high",
    "rolewrites:promoteMeBuilder high",
    "rolewrites:setRoleLowest high",
    "rolewrites:signUp high",
    "rolewrites:updateProfile high",
    "rolewrites:updateRest high",
    "rolewrites:updateProfileFields medium",
    "scoped:scopedDelete high",
  ].sort());
  assert.match(roles.find((f) => f.function === "rolewrites:updateProfileFields").message, /patches the caller's own users row with a value of unknown shape from argument 'fields' \(an open record\), for any signed-in caller: it may hold the role field 'role', so a caller can promote themselves$/);
  assert.equal(roles.find((f) => f.function === "rolewrites:promoteMe").message, "rolewrites:promoteMe writes the role field 'role' of the caller's own users row from argument 'role', for any signed-in caller: a caller can promote themselves");
  assert.match(roles.find((f) => f.function === "rolewrites:setRoleLowest").message, /of a users row from argument 'role', for any signed-in caller \(role 'user' is the lowest: every user with a role holds it\): a caller can promote anyone$/);
  // The owner field written around transferOwnership: high in a public mutation, medium in an
  // internal one; one step lower where the id's table is not known (each id of a list argument).
  assert.deepEqual(of("access-field-write").map((f) => `${f.function} ${f.severity}`).sort(), [
    "idwrites:bulkTakeOver medium",
    "idwrites:reassign medium",
    "idwrites:replaceThroughAliases high",
    "idwrites:takeOver high",
  ]);
  // The guard's own tables: medium, with the guard call to use instead; the documented deletes stay quiet.
  const tables = of("guard-table-write");
  assert.deepEqual(tables.map((f) => `${f.function} ${f.severity}`).sort(), [
    "guardtables:clearLockout medium",
    "guardtables:forgeGrant medium",
    "guardtables:forgeGrantNamed medium",
    "guardtables:forgeTrail medium",
    "guardtables:joinAnyGroup medium",
    "guardtables:raiseMyGrant medium",
    "guardtables:refill medium",
    "guardtables:resetMyLimits medium",
  ]);
  const fix = (fn) => tables.find((f) => f.function === `guardtables:${fn}`);
  assert.equal(fix("forgeGrant").message, "guardtables:forgeGrant inserts into the guard's table 'accessGrants' directly, around the checks of its API");
  assert.match(fix("forgeGrant").fix, /^Share and revoke through guard\.share, guard\.revoke/);
  assert.match(fix("joinAnyGroup").fix, /guard\.addGroupMember, acceptGroupInvite/);
  assert.match(fix("resetMyLimits").message, /deletes from the guard's table 'guardRateLimits'/);
  assert.match(fix("resetMyLimits").fix, /guard\.resetRateLimit\(ctx, name, \{ key \}\)/);
  assert.match(fix("refill").message, /patches a row of the guard's table 'guardRateLimits'/);
  assert.match(fix("clearLockout").fix, /guard\.forgetUser/);
  assert.match(fix("forgeTrail").fix, /guard\.audit\.log/);
  assert.equal(fix("forgeTrail").file, "convex/guardtables.ts", "a helper's write, at its own line");
});

test("evasions: the guard's tables read around its API, and the issued code returned, scheduled or stored", () => {
  const of = (rule) => evasionsRun.report.findings.filter((f) => f.rule === rule);
  // High when the rows reach the answer; a private table read for the app's own decision is
  // medium; a check above the lowest role, a permission, an internal function, audit.list and
  // the access tables read and kept inside stay quiet.
  assert.deepEqual(of("guard-table-read").map((f) => `${f.function} ${f.severity}`).sort(), [
    "guardreads:auditRow high",
    "guardreads:grantsOf high",
    "guardreads:limitKeys high",
    "guardreads:readCodes high",
    "guardreads:readTrail high",
    "guardreads:tooManyFailures medium",
    "guardtables:resetMyLimits medium",
    "scoped:scopedTrail high",
  ]);
  const read = (fn) => of("guard-table-read").find((f) => f.function === `guardreads:${fn}`);
  assert.equal(read("readTrail").message, "guardreads:readTrail returns rows of the guard's table 'guardAudit' (the audit trail: every user's actions, outcomes and details), read directly, to any signed-in caller");
  assert.match(read("readTrail").fix, /guard\.audit\.list/);
  assert.match(read("limitKeys").message, /to any signed-in caller \(role 'user' is the lowest: every user with a role holds it\)$/);
  assert.match(read("grantsOf").fix, /guard\.listGrants/);
  assert.match(read("tooManyFailures").message, /reads the guard's table 'guardAudit' .* directly, for any signed-in caller, around the checks of its API$/);
  // The code: to a public function's caller, to the scheduler (an internal mutation too), into a table.
  assert.deepEqual(of("code-exposed").map((f) => `${f.function}:${f.line} ${f.severity}`).sort(), [
    "guardreads:issueAndReturn:76 high",
    "guardreads:issueAndSchedule:97 high",
    "guardreads:issueAndStore:111 high",
    "guardreads:issueAndStore:112 high",
    "guardreads:issueCopy:88 high",
  ]);
  const code = (fn, line) => of("code-exposed").find((f) => f.function === `guardreads:${fn}` && (line === undefined || f.line === line));
  assert.match(code("issueAndReturn").message, /^public mutation guardreads:issueAndReturn returns the one-time code of guard\.issueConfirmation to its caller/);
  assert.match(code("issueAndSchedule").message, /to ctx\.scheduler\.runAfter: a scheduled function's arguments are stored in clear/);
  assert.match(code("issueAndStore", 112).message, /with ctx\.db\.insert: only its keyed hash may be stored$/);
  assert.match(code("issueAndReturn").fix, /internal mutation that issues it and returns it/);
  // The helper's parameter default (guardreads.ts insertRow) is no fail-open role.
  assert.ok(!evasionsRun.report.findings.some((f) => f.rule === "fail-open-role" && f.file === "convex/guardreads.ts"));
});

test("evasions: a decision answering an object ({ ok, ... }) tested as a whole is reported at the test, also through a copy; tested by its ok, never", () => {
  const found = evasionsRun.report.findings.filter((f) => f.rule === "decision-tested-as-boolean");
  assert.deepEqual(found.map((f) => f.function).sort(), [
    // consumeConfirmation's answer tested whole also confirms nothing (destructive-unconfirmed).
    "confirmed:bareAnd",
    "confirmed:bareConditional",
    "confirmed:bareDirect",
    "confirmed:bareTested",
    "confirmed:copyBareTested",
    "decisions:canShareAnd",
    "decisions:canShareIf",
    "decisions:canShareNot",
    "decisions:canShareOrRight",
    "decisions:canTransferBoolean",
    "decisions:canTransferTernary",
    "decisions:checkedLimitTested",
    "decisions:confirmedThenPatched",
    "decisions:copiedDecision",
    "decisions:decidedTested",
    "decisions:filteredLevels",
    "decisions:oneDecisionTested",
    "decisions:quietLimitTested",
    "decisions:resolveShareTested",
    "decisions:statusNotNull",
  ]);
  assert.ok(found.every((f) => f.severity === "high" && /^Test its ok field/.test(f.fix)));
  const of = (fn) => found.find((f) => f.function === `decisions:${fn}`);
  assert.equal(of("canShareIf").message, 'decisions:canShareIf: the answer of guard.canShare is tested as a whole (guard.canShare(r.accessLevel, "editor")): it is an object, { ok: false, ... } on a denial, always truthy and never null, so the test answers the same for a denial');
  assert.match(of("copiedDecision").message, /the answer of guard\.canTransfer is tested as a whole \(!copy\)/);
  assert.match(of("statusNotNull").message, /\(status !== null\)/);
  // Tested by `ok` (a field, a destructured `ok`), a throwing limit (its answer is always ok), the app's own `canShare`, an answer returned untested: quiet.
  for (const f of ["canShareOk", "limitsByOk", "throwingLimitTested", "filteredByOk", "decisionReturned"]) assert.ok(!evasionsRun.report.findings.some((x) => x.function === `decisions:${f}`), f);
});

test("evasions: an action whose only check is in the function it runs says the audit does not follow ctx.runQuery", () => {
  const [finding] = evasionsRun.report.findings.filter((f) => f.function === "runs:exportTitles");
  assert.equal(finding.rule, "public-no-auth");
  assert.equal(finding.severity, "high");
  assert.match(finding.message, /checks no identity, role, permission or document access itself; it calls ctx\.runQuery \(convex\/runs\.ts:23\), and the audit does not follow ctx\.runQuery\/runMutation\/runAction into the function called/);
  assert.match(finding.fix, /Check the caller in this function too/);
  assert.match(finding.fix, /\/\/ convex-guard-allow: public-no-auth <reason>/);
  // Without a run, the message stays the plain one.
  const plain = evasionsRun.report.findings.find((f) => f.function === "idwrites:retitleAny" && f.rule === "public-no-auth");
  assert.equal(plain.message, "public mutation idwrites:retitleAny checks no identity, role, permission or document access");
});

test("evasions: a user id whose only use is the target of share, revoke, the group calls or transferOwnership is not user-id-arg", () => {
  const reported = evasionsRun.report.findings.filter((f) => f.rule === "user-id-arg" && f.file === "convex/targets.ts").map((f) => f.function);
  assert.deepEqual(reported.sort(), ["targets:forget", "targets:restReadToo", "targets:shareAndLog", "targets:shareAndRead", "targets:shareUnlessNamed", "targets:userAsDocument"]);
});

test("exit status: 1 while a finding at or above --fail-on remains, 0 below it, 2 on bad input", () => {
  assert.equal(pitfallsRun.status, 1, "high findings fail by default");
  assert.equal(pitfallsRun.report.failOn, "high");
  assert.equal(run(["audit", pitfalls, "--fail-on", "none"]).status, 0);
  assert.equal(run(["audit", pitfalls, "--fail-on=medium"]).status, 1);
  const bad = run(["audit", pitfalls, "--fail-on", "severe"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--fail-on takes one of low, medium, high, none/);
  const missing = run(["audit", `${root}no-such-dir`]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /is not a directory/);
});

test("what each function does: kind, visibility, checks found through helpers and by hand", () => {
  const fns = Object.fromEntries(pitfallsRun.report.functions.map((f) => [f.function, f]));
  assert.equal(pitfallsRun.report.functions.length, 23);
  assert.deepEqual([fns["posts:purgePosts"].kind, fns["posts:purgePosts"].visibility], ["mutation", "internal"]);
  assert.deepEqual([fns["http:webhook"].kind, fns["http:webhook"].visibility], ["httpAction", "public"]);
  // lib/auth.ts's currentUser wraps guard.requireUser: followed across files by symbol.
  assert.equal(fns["posts:createPost"].auth, "authenticated");
  assert.deepEqual(fns["posts:createPost"].authVia, ["currentUser -> guard.requireUser"]);
  // ctx.auth.getUserIdentity() and a throw: authenticated, hand-written.
  assert.equal(fns["posts:whoAmI"].auth, "authenticated");
  assert.equal(fns["posts:whoAmI"].handWritten, true);
  assert.equal(fns["posts:removePost"].auth, "permission");
  assert.equal(fns["payments:chargeSafely"].safeAction, true);
  assert.equal(fns["payments:charge"].safeAction, false);
  assert.equal(fns["posts:removeAudited"].audited, true);
  assert.equal(fns["posts:removeConfirmed"].confirmed, true);
  assert.equal(fns["posts:noValidator"].args, "missing");
  assert.equal(fns["posts:listAll"].auth, "none");
  // listGrants takes revoke's share decision: a document check.
  assert.equal(fns["posts:grantsOn"].auth, "document");
  assert.equal(fns["posts:forgetAuthor"].deletes, true);
});

test("allowlists: the guard configuration's and a comment's, each with its reason", () => {
  const allowed = pitfallsRun.report.allowed.map((a) => [a.function, a.rule, a.reason, a.allowedBy]);
  assert.deepEqual(allowed, [
    ["allowed:healthCheck", "public-no-auth", "a status probe for the uptime monitor; it returns a constant", "convex/guard.ts:11"],
    ["allowed:publicFeed", "public-no-auth", "the landing page shows the newest titles to everyone", "convex/allowed.ts:10"],
  ]);
  assert.deepEqual(pitfallsRun.report.unusedAllows, []);
});

test("the readable report: a table, every finding with its fix, the allowlist's reasons", () => {
  const r = run(["audit", pitfalls]);
  assert.equal(r.status, 1);
  assert.ok(!r.stdout.includes("\u001b["), "no colours when stdout is not a terminal");
  assert.match(r.stdout, /^function +kind +args +returns +authorization +rate limit +safety$/m);
  assert.match(r.stdout, /HIGH {2}unchecked-id-read {2}convex\/posts\.ts:26 {2}posts:getPost/);
  assert.match(r.stdout, /reason: the landing page shows the newest titles to everyone/);
  assert.match(r.stdout, /26 findings \(12 high, 9 medium, 5 low\), 2 allowed; --fail-on high: FAIL/);
  // An internal mutation's delete (no client calls it) is medium; a public one's stays high.
  assert.match(r.stdout, /MEDIUM {2}destructive-unconfirmed {2}convex\/posts\.ts:97 {2}posts:purgePosts\n {6}internal mutation posts:purgePosts deletes in a loop with no confirmation and no audit row \(no client calls it directly\)/);
  assert.match(r.stdout, /HIGH {2}destructive-unconfirmed {2}convex\/posts\.ts:83 {2}posts:removePost/);
});

test("the example app: clean, but for its deliberate allowlist (npx convex-guard audit, as a user runs it)", () => {
  const r = spawnSync("npx", ["--no-install", "convex-guard", "audit", "convex", "--json"], { cwd: example, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.findings, []);
  assert.deepEqual(report.unusedAllows, []);
  assert.ok(report.functions.length >= 23, `${report.functions.length} functions`);
  // A guard per auth provider beside the main one: each function is judged by the guard it
  // calls, every one of which the audit follows, so no warning.
  assert.deepEqual(report.warnings, []);
  const allowed = report.allowed.map((a) => `${a.function} ${a.rule}`).sort();
  assert.deepEqual(allowed, [
    ...["auth0ClaimMe", "clerkClaimMe", "convexAuthMe", "emailMe", "externalIdMe", "forgedMe", "otherTableMe", "resolverMe", "throwingMe"].map(
      (f) => `authProviders:${f} public-no-auth`,
    ),
    "convexAuthActions:meFromAction public-no-rate-limit",
    "convexAuthActions:renameMe public-no-rate-limit",
    "convexAuthActions:whoFromAction public-no-auth",
    "convexAuthActions:whoFromAction public-no-rate-limit",
    "custom:deleterName public-no-rate-limit",
    "deletion:confirmDeletion public-no-rate-limit",
    "deletion:confirmDeletion user-id-arg",
    "deletion:requestDeletionCode code-exposed",
    "deletion:requestDeletionCode public-no-rate-limit",
    "deletion:requestDeletionCode user-id-arg",
    "deletion:sendDeletionCode public-no-rate-limit",
    "deletion:sendDeletionCode user-id-arg",
    "documents:createDocument public-no-rate-limit",
    "documents:deleteDocument public-no-rate-limit",
    "documents:moveDocument public-no-rate-limit",
    "documents:moveFolder public-no-rate-limit",
    "documents:removeFromDocument public-no-rate-limit",
    "documents:removeFromDocument user-id-arg",
    "documents:revokeDocument public-no-rate-limit",
    "documents:shareDocument public-no-rate-limit",
    "documents:transferDocument public-no-rate-limit",
    "documents:updateDocument public-no-rate-limit",
    "groups:acceptInvite public-no-rate-limit",
    "groups:addMember public-no-rate-limit",
    "groups:createGroup public-no-rate-limit",
    "groups:leaveGroup public-no-rate-limit",
    "groups:myLevel public-no-auth",
    "groups:removeMember public-no-rate-limit",
    "groups:renameGroup public-no-rate-limit",
    "guarded:importInto public-no-rate-limit",
    "guarded:renameDocument public-no-rate-limit",
    "jobs:flagLater user-id-arg",
    "jobs:unflagLater user-id-arg",
    "ratelimit:serverNow public-no-auth",
    "reports:canSend public-no-rate-limit",
    "reports:purgePreview public-no-rate-limit",
    "reports:whoAmI public-no-auth",
    "reports:whoAmI public-no-rate-limit",
    "system:setMaintenance public-no-rate-limit",
    "users:flagUser public-no-rate-limit",
    "users:flagUser user-id-arg",
  ]);
  for (const a of report.allowed) assert.ok(a.reason.length > 10, `${a.function}: a reason`);
  // What the function builders declare counts: guard.query/mutation/action and guard.customCtx.
  const fns = Object.fromEntries(report.functions.map((f) => [f.function, f]));
  assert.deepEqual(
    ["guarded:myProfile", "guarded:countUsers", "guarded:readTitle", "guarded:importInto", "custom:flaggedUsers", "custom:post"].map((f) => fns[f].auth),
    ["authenticated", "role", "document", "permission", "role", "authenticated"],
  );
  assert.deepEqual(fns["guarded:postMessage"].rateLimits, ["guard.mutation rateLimit"]);
  assert.deepEqual(fns["custom:post"].rateLimits, ["guard.customCtx rateLimit"]);
  // The real @convex-dev/auth 2.0.0 (the example's devDependency): its session functions are
  // the library's own, as its convex/auth.ts exports them.
  for (const f of ["auth:signOut", "auth:refreshSession", "auth:isAuthenticated"]) {
    assert.deepEqual([f, fns[f].visibility, fns[f].library], [f, "public", "@convex-dev/auth"]);
  }
});

// ------------------------------------------------------------------ small apps, written here

const scratch = `${root}target/audit-tests`;

/** An app with the fixture's _generated, schema and guard, plus `files`; returns its convex dir. */
function app(name, files, { guard } = {}) {
  const dir = `${scratch}/${name}/convex`;
  rmSync(`${scratch}/${name}`, { recursive: true, force: true });
  rmSync(`${scratch}/${name}-package`, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(`${pitfalls}/_generated`, `${dir}/_generated`, { recursive: true });
  cpSync(`${pitfalls}/schema.ts`, `${dir}/schema.ts`);
  writeFileSync(`${dir}/guard.ts`, guard ?? readFileSync(`${pitfalls}/guard.ts`, "utf8"));
  for (const [file, text] of Object.entries(files)) writeFileSync(`${dir}/${file}`, text);
  return dir;
}

const PUBLIC_QUERY = (name, body, comment = "") => `import { query } from "./_generated/server";
${comment}
export const ${name} = query({
  args: {},
  handler: async (ctx) => {
    ${body}
    return null;
  },
});
`;

test("the readable report counts in the singular and the plural: 1 function, 1 finding; --json unchanged", () => {
  const one = app("one-finding", { "q.ts": PUBLIC_QUERY("open", "") });
  const r = run(["audit", one, "--fail-on", "none"]);
  assert.match(r.stdout, /^convex-guard audit: .*convex \(1 function\)$/m);
  assert.match(r.stdout, /^findings \(1\):$/m);
  assert.match(r.stdout, /^1 finding \(1 high, 0 medium, 0 low\), 0 allowed; --fail-on none: PASS$/m);
  assert.equal(json(["audit", one, "--fail-on", "none"]).report.findings.length, 1);
  const two = app("two-findings", { "q.ts": PUBLIC_QUERY("open", "") + PUBLIC_QUERY("wide", "").replace(/^import .*\n/, "") });
  assert.match(run(["audit", two, "--fail-on", "none"]).stdout, /\(2 functions\)[\s\S]*^2 findings \(2 high/m);
});

test("allow comments are validated wherever they are; a stale one is reported; a config entry naming no rules is an error", () => {
  // A misspelt rule id above a function with no finding at all, after a template literal (which
  // a raw scanner misreads): an error, not an allow in waiting.
  const typo = app("comment-typo", {
    "q.ts": `import { internalQuery } from "./_generated/server";
export const greet = internalQuery({ args: {}, handler: async () => \`hi \${"there"}\` });
// convex-guard-allow: user-id-ard typo in the rule id
export const quiet = internalQuery({ args: {}, handler: async () => null });
`,
  });
  const a = run(["audit", typo]);
  assert.equal(a.status, 2, a.stdout);
  assert.match(a.stderr, /convex\/q\.ts:3: unknown rule 'user-id-ard'/);
  // After a template literal, a doc-comment allow above the export still applies.
  const after = app("comment-after-template", {
    "q.ts": `import { query } from "./_generated/server";
export const greet = query({ args: {}, handler: async () => \`hi \${"there"}\` }); // convex-guard-allow: public-no-auth a constant greeting
/**
 * The landing page's title.
 * convex-guard-allow: public-no-auth the title is public
 */
export const title = query({ args: {}, handler: async () => "title" });
`,
  });
  const allowed = json(["audit", after]).report.allowed.map((x) => `${x.function} ${x.allowedBy}`);
  assert.deepEqual(allowed, ["q:greet convex/q.ts:2", "q:title convex/q.ts:5"]);

  // An allow comment on a function that checks: stale, like a config entry.
  const stale = app("comment-stale", {
    "q.ts": PUBLIC_QUERY("me", "await guard.requireUser(ctx);", "// convex-guard-allow: public-no-auth stale, directly above").replace(
      'from "./_generated/server";',
      'from "./_generated/server";\nimport { guard } from "./guard";',
    ),
  });
  const { report, status } = json(["audit", stale]);
  assert.equal(status, 0);
  assert.deepEqual(report.unusedAllows.filter((u) => u.target === ""), [{ target: "", rule: "public-no-auth", source: "convex/q.ts:3" }]);
  assert.match(run(["audit", stale]).stdout, /warning: the allowlist entry at convex\/q\.ts:3 \(comment public-no-auth\) matches no finding/);

  // `"convex/q.ts": {}` names no rules: an error, as a blanket string for a file is.
  const guard = readFileSync(`${pitfalls}/guard.ts`, "utf8").replace(
    '"allowed:healthCheck": { "public-no-auth": "a status probe for the uptime monitor; it returns a constant" },',
    '"convex/q.ts": {},',
  );
  const empty = app("emptyentry", { "q.ts": PUBLIC_QUERY("open", "") }, { guard });
  const c = run(["audit", empty]);
  assert.equal(c.status, 2, c.stdout);
  assert.match(c.stderr, /convex\/guard\.ts:11: the entry 'convex\/q\.ts' names no rules/);

  // `alow` is an allowlist the audit would never read: an error naming it, not a silent pass
  // with every finding it meant to allow still reported (or, worse, none it meant to keep).
  const misspelt = readFileSync(`${pitfalls}/guard.ts`, "utf8").replace("    allow: {", "    alow: {");
  assert.notEqual(misspelt, readFileSync(`${pitfalls}/guard.ts`, "utf8"));
  const m = run(["audit", app("alow", { "q.ts": PUBLIC_QUERY("open", "") }, { guard: misspelt })]);
  assert.equal(m.status, 2, m.stdout);
  assert.match(m.stderr, /convex\/guard\.ts:10: securityAudit: unknown key 'alow' \(did you mean 'allow'\?\)/);

  // The same finding allowed twice (a comment and the configuration): the second entry is not
  // stale (its finding exists), it repeats the first: said so, not "matches no finding".
  const twice = readFileSync(`${pitfalls}/guard.ts`, "utf8").replace(
    '"allowed:healthCheck": { "public-no-auth": "a status probe for the uptime monitor; it returns a constant" },',
    '"allowed:healthCheck": { "public-no-auth": "a status probe for the uptime monitor; it returns a constant" },\n      "q:open": { "public-no-auth": "the landing page, in the configuration too" },',
  );
  const dup = app("twice", { "q.ts": PUBLIC_QUERY("open", "", "// convex-guard-allow: public-no-auth the landing page") }, { guard: twice });
  const d = json(["audit", dup]);
  assert.deepEqual(d.report.allowed.map((x) => `${x.function} ${x.allowedBy}`), ["q:open convex/q.ts:2"]);
  assert.deepEqual(
    d.report.unusedAllows.filter((u) => u.target === "q:open"),
    [{ target: "q:open", rule: "public-no-auth", source: "convex/guard.ts:12", redundantWith: "convex/q.ts:2" }],
  );
  const dupText = run(["audit", dup]).stdout;
  assert.match(dupText, /warning: the allowlist entry at convex\/guard\.ts:12 \(q:open public-no-auth\) repeats the one at convex\/q\.ts:2, which allows the same finding: keep one/);
  assert.doesNotMatch(dupText, /q:open public-no-auth\) matches no finding/);
});

test("a module under convex/node_modules is deployed by Convex, so audited; a symbolic link is not", () => {
  // Convex's bundler walks every directory of convex/ but a nested component's, node_modules
  // included (the fixture cannot hold one: git ignores node_modules), and its walk skips links.
  const wipe = (server) => `import { v } from "convex/values";
import { mutation } from "${server}";
export const wipePost = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await ctx.db.delete(id);
  },
});
`;
  const dir = app("node-modules-module", {});
  mkdirSync(`${dir}/node_modules/x`, { recursive: true });
  writeFileSync(`${dir}/node_modules/x/atk_nm.ts`, wipe("../../_generated/server"));
  writeFileSync(`${scratch}/node-modules-module/linked.ts`, wipe("./_generated/server"));
  symlinkSync(`${scratch}/node-modules-module/linked.ts`, `${dir}/linked.ts`);
  const { report } = json(["audit", dir]);
  assert.deepEqual(report.functions.map((f) => `${f.function} ${f.visibility}`), ["node_modules/x/atk_nm:wipePost public"]);
  assert.deepEqual(
    report.findings.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(),
    ["destructive-unconfirmed", "grants-left", "unchecked-id-delete"].map((r) => `convex/node_modules/x/atk_nm.ts:6 ${r}`).concat(
      ["public-no-auth", "public-no-rate-limit"].map((r) => `convex/node_modules/x/atk_nm.ts:3 ${r}`),
    ).sort(),
  );
});

test("a rate limit keyed by an argument, reshaped or not, is named as such and points to the server-key recipe", () => {
  const mutationWith = (name, key, prelude = "") => `export const ${name} = mutation({
  args: { email: v.string() },
  handler: async (ctx, { email }) => {
    await guard.requireUser(ctx);
    ${prelude}
    await guard.rateLimit(ctx, "write", { key: ${key} });
    return null;
  },
});
`;
  const dir = app("argkeys", {
    "m.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
${mutationWith("plain", "email")}
${mutationWith("reshaped", "key", "const key = email.trim().toLowerCase();")}
${mutationWith("templated", "`login:${email.toLowerCase()}`")}
${mutationWith("concatenated", '"login:".concat(email.trim())')}
${mutationWith("server", "user", 'const user = "global";')}
`,
  });
  const { report } = json(["audit", dir]);
  const limits = report.findings.filter((f) => f.rule === "public-no-rate-limit");
  assert.deepEqual(limits.map((f) => f.function).sort(), ["m:concatenated", "m:plain", "m:reshaped", "m:templated"]);
  for (const f of limits) {
    assert.match(f.message, /rate limit 'write' of m:\w+ is keyed by argument 'email': a caller picks its own bucket/);
    assert.match(f.fix, /Keys come from the server/);
  }
  const fns = Object.fromEntries(report.functions.map((f) => [f.function, f]));
  assert.deepEqual([fns["m:reshaped"].rateLimits, fns["m:reshaped"].argKeyedRateLimits], [[], [`guard.rateLimit("write") keyed by argument 'email'`]]);
  assert.deepEqual([fns["m:server"].rateLimits, fns["m:server"].argKeyedRateLimits], [['guard.rateLimit("write")'], []]);
  // The table shows the limit, marked, instead of `-`.
  assert.match(run(["audit", dir]).stdout, /^m:reshaped +mutation .*guard\.rateLimit\("write"\) keyed by argument 'email' \(limits nothing\)/m);
});

test("messages and fixes say what a user needs: redactEnv for safeAction, who may read, --version", () => {
  const charge = pitfallsRun.report.findings.find((f) => f.rule === "action-env-unsafe");
  assert.match(charge.fix, /guard\.safeAction.*confirmations\.redactEnv/);
  // What moving a guard.action's handler over changes (a new user had to find it out).
  assert.match(charge.fix, /role, permission and rateLimit carry over.*handler\(ctx, args, \{ actor \}\)/);
  const getPost = pitfallsRun.report.findings.find((f) => f.function === "posts:getPost");
  assert.match(getPost.message, /to any signed-in caller$/);
  const dir = app("anyone", { "q.ts": `import { v } from "convex/values";
import { query } from "./_generated/server";
export const open = query({ args: { id: v.id("posts") }, handler: async (ctx, { id }) => await ctx.db.get(id) });
` });
  const open = json(["audit", dir]).report.findings.find((f) => f.rule === "unchecked-id-read");
  assert.match(open.message, /to any caller$/);
  const pkg = JSON.parse(readFileSync(`${root}node_modules/convex-guard/package.json`, "utf8"));
  for (const flag of [["--version"], ["audit", "--version"]]) {
    const r = run(flag);
    assert.deepEqual([r.status, r.stdout.trim()], [0, pkg.version], flag.join(" "));
  }
});

test("a safeAction reading a variable confirmations.redactEnv does not list is reported (its value is not scanned)", () => {
  // The fixture's guard lists PAYMENT_KEY.
  const dir = app("unredacted", {
    ...WIRING,
    "a.ts": `import { v } from "convex/values";
import { action } from "./_generated/server";
import { guard } from "./guard";
export const weather = action(
  guard.safeAction({
    name: "weather",
    args: { city: v.string() },
    rateLimit: { name: "write" },
    handler: async (_ctx, { city }) => {
      const paid = process.env.PAYMENT_KEY;
      const res = await fetch(\`https://api.example/w?q=\${city}\`, { headers: { a: \`\${paid}\`, b: \`\${process.env.API_KEY}\` } });
      return await res.text();
    },
  }),
);
`,
  });
  const found = json(["audit", dir]).report.findings.map((f) => `${f.rule} ${f.file}:${f.line} ${f.severity} ${f.message}`);
  assert.deepEqual(found, [
    "safe-action-env-unredacted convex/a.ts:11 medium a:weather reads process.env.API_KEY, which confirmations.redactEnv does not list: safeAction does not scan for its value",
  ]);
});

test("a check is recognized by what it resolves to, not by its name", () => {
  // An app function that happens to be called requireUser checks nothing.
  const dir = app("lookalike", {
    "q.ts": `import { query } from "./_generated/server";
async function requireUser(_ctx: unknown) { return null; }
export const open = query({ args: {}, handler: async (ctx) => { await requireUser(ctx); return 1; } });
`,
  });
  const { report } = json(["audit", dir]);
  assert.deepEqual(report.findings.map((f) => `${f.rule} ${f.function}`), ["public-no-auth q:open"]);
  // Nor is the app's own code under a package.json that borrows the package's name.
  const borrowed = app("borrowed-name", {
    "q.ts": `import { query } from "./_generated/server";
import { guard } from "./lib/fake/index";
export const open = query({ args: {}, handler: async (ctx) => { await guard.requireUser(ctx); return 1; } });
`,
  });
  mkdirSync(`${borrowed}/lib/fake`, { recursive: true });
  writeFileSync(`${borrowed}/lib/fake/package.json`, JSON.stringify({ name: "convex-guard" }));
  writeFileSync(`${borrowed}/lib/fake/index.ts`, "export const guard = { async requireUser(_ctx: unknown) { return null; } };\n");
  assert.deepEqual(json(["audit", borrowed]).report.findings.map((f) => `${f.rule} ${f.function}`), ["public-no-auth q:open"]);
});

test("Convex Auth's own endpoints are not reported; a convexAuth of the app's own is", () => {
  // `export const { auth, signIn, signOut, store, isAuthenticated } = convexAuth({ ... })`, with
  // `convexAuth` declared by @convex-dev/auth (a stand-in of its declaration, installed here);
  // and 2.0's `const auth = setupConvexAuth(...); export const { signOut, ... } = auth` with a
  // sign-in method's `setupX(auth, ...).attachUserCallbacks(...)`. A core the module writes to
  // or hands to the app's own code (tamperedV2.ts) is no longer the library's as it made it.
  const fixture = `${root}tests/audit/fixtures/convex-auth`;
  const files = Object.fromEntries(
    ["auth.ts", "imposter.ts", "authV2.ts", "imposterV2.ts", "tamperedV2.ts"].map((f) => [f, readFileSync(`${fixture}/convex/${f}`, "utf8")]),
  );
  const dir = app("convex-auth", files);
  cpSync(`${fixture}/package`, `${scratch}/convex-auth/node_modules/@convex-dev/auth`, { recursive: true });
  // The app's own code under a package.json that borrows the library's name is still the app's.
  mkdirSync(`${dir}/lib/fakeauth`, { recursive: true });
  writeFileSync(`${dir}/lib/fakeauth/package.json`, JSON.stringify({ name: "@convex-dev/auth" }));
  writeFileSync(`${dir}/lib/fakeauth/server.ts`, files["imposter.ts"].replace("function convexAuth", "export function convexAuth").replace(/^export const .*$/m, "").replaceAll('"./_generated/server"', '"../../_generated/server"'));
  writeFileSync(`${dir}/borrowed.ts`, 'import { convexAuth } from "./lib/fakeauth/server";\nexport const { signIn } = convexAuth({ providers: [] });\n');
  const { report } = json(["audit", dir, "--fail-on", "low"]);
  assert.deepEqual(report.findings.map((f) => `${f.rule} ${f.function}`).sort(), [
    "public-no-auth borrowed:signIn",
    "public-no-auth imposter:isAuthenticated",
    "public-no-auth imposter:signIn",
    "public-no-auth imposterV2:isAuthenticated",
    "public-no-auth imposterV2:signOut",
    "public-no-rate-limit borrowed:signIn",
    "public-no-rate-limit imposter:signIn",
    "public-no-rate-limit imposterV2:signOut",
    "public-no-auth tamperedV2:isAuthenticated",
    "public-no-auth tamperedV2:refreshSession",
    "public-no-auth tamperedV2:signOut",
    "public-no-rate-limit tamperedV2:refreshSession",
    "public-no-rate-limit tamperedV2:signOut",
  ].sort());
  const fns = Object.fromEntries(report.functions.map((f) => [f.function, f]));
  const v2 = ["signOut", "refreshSession", "isAuthenticated", "signUpWithUsernamePassword", "signInWithUsernamePassword", "changePassword"];
  for (const f of ["auth:signIn", "auth:signOut", "auth:isAuthenticated", ...v2.map((n) => `authV2:${n}`)]) {
    assert.deepEqual([f, fns[f].visibility, fns[f].library], [f, "public", "@convex-dev/auth"]);
  }
  assert.equal(fns["imposter:signIn"].library, null);
  assert.equal(fns["imposterV2:signOut"].library, null);
  for (const f of ["signOut", "refreshSession", "isAuthenticated"]) assert.equal(fns[`tamperedV2:${f}`].library, null, f);
  assert.equal(fns["tamperedV2:keptSignOut"].library, "@convex-dev/auth");
  assert.match(run(["audit", dir, "--fail-on", "none"]).stdout, /^auth:signIn +action +\? +\? +@convex-dev\/auth's own endpoint/m);
  assert.match(run(["audit", dir, "--fail-on", "none"]).stdout, /^authV2:signOut +mutation +\? +\? +@convex-dev\/auth's own endpoint/m);
});

test("a fail-open role lookup names the function it is in; outside any function, its module", () => {
  const dir = app("failopen-function", {
    "flawed.ts": `import { query } from "./_generated/server";
const RANK: Record<string, number> = { user: 1, admin: 2 };
export const rankOf = (role: string) => RANK[role] ?? 1;
export const myRank = query({
  args: {},
  handler: async (ctx) => {
    const identity = await ctx.auth.getUserIdentity();
    if (identity === null) return null;
    return RANK[identity.role as string] ?? 1;
  },
});
`,
  });
  const { report } = json(["audit", dir]);
  assert.deepEqual(report.findings.map((f) => `${f.rule} ${f.file}:${f.line} ${f.function}`), [
    "fail-open-role convex/flawed.ts:3 convex/flawed.ts",
    "fail-open-role convex/flawed.ts:9 flawed:myRank",
  ]);
  assert.match(report.findings[1].message, /^flawed:myRank: a missing role falls back to 1$/);
});

test("an export whose builder does not resolve is reported, never skipped as not-a-function", () => {
  const dir = app("unresolved", {
    "q.ts": `// @ts-nocheck: the import is missing on purpose
import { customQuery } from "./missing-builders";
export const mystery = customQuery({ args: {}, handler: async () => 1 });
`,
  });
  const { report } = json(["audit", dir]);
  assert.deepEqual(report.findings.map((f) => `${f.rule} ${f.function} ${f.file}:${f.line}`), ["unresolved-function q:mystery convex/q.ts:3"]);
});

test("an export destructured from a value of any shape is audited by its type, or reported; never dropped", () => {
  // The security review's case: a public mutation destructured from `Object.assign`'s answer
  // (Convex registers it as any other) was listed nowhere. It is audited as what it is; one
  // taken from `Object.fromEntries`, which the audit does not type (`any`), is reported.
  const dir = app("destructured-any", {
    "x.ts": `import { mutation } from "./_generated/server";
import { v } from "convex/values";
const plain = Object.assign({ a: 1 }, {
  wipePlain: mutation({ args: { id: v.id("users") }, handler: async (ctx, { id }) => { await ctx.db.delete(id); } }),
});
export const { wipePlain } = plain;
export const NOT_A_FUNCTION = 1;
export const { wipeLoose } = Object.fromEntries([["wipeLoose", mutation({ args: {}, handler: async () => null })]]);
`,
  });
  const { report } = json(["audit", dir]);
  assert.deepEqual(report.findings.map((f) => `${f.rule} ${f.function} ${f.file}:${f.line}`), [
    "public-no-auth x:wipePlain convex/x.ts:6",
    "public-no-rate-limit x:wipePlain convex/x.ts:6",
    "unresolved-function x:wipeLoose convex/x.ts:8",
  ]);
  const kinds = report.functions.filter((f) => f.function.startsWith("x:")).map((f) => `${f.function} ${f.kind} ${f.visibility}`);
  assert.deepEqual(kinds.sort(), ["x:wipeLoose unknown unknown", "x:wipePlain mutation public"]);
  // The evasions fixture's exports.ts: typed shapes (an intersection, a union with undefined) are
  // the functions their types say; values and types are not functions.
  const fns = Object.fromEntries(evasionsRun.report.functions.map((f) => [f.function, f]));
  for (const f of ["wipePlain", "fromMember", "wipeMerged", "maybe"]) assert.deepEqual([f, fns[`exports:${f}`].kind, fns[`exports:${f}`].visibility], [f, "mutation", "public"]);
  // Typed as no function, holding one (a cast, a generic helper's answer): kind unknown.
  for (const f of ["fromArray", "wipeLoose", "castConst", "castProperty", "castHeld", "hidden"]) assert.equal(fns[`exports:${f}`].kind, "unknown", f);
  const listed = Object.keys(fns).filter((f) => f.startsWith("exports:")).sort();
  assert.deepEqual(listed, ["exports:castConst", "exports:castHeld", "exports:castProperty", "exports:fromArray", "exports:fromMember", "exports:hidden", "exports:maybe", "exports:wipeLoose", "exports:wipeMerged", "exports:wipePlain"]);
});

test("--rules lists every rule id with its severity", () => {
  const r = run(["audit", "--rules"]);
  assert.equal(r.status, 0);
  const listed = [["public-no-auth", "high"], ["public-no-rate-limit", "medium"], ["destructive-unconfirmed", "high"], ["any-args", "medium"], ["confirmation-rollback", "high"], ["unchecked-id-delete", "high"]];
  listed.push(["unchecked-id-write", "high"], ["unchecked-role-write", "high"], ["guard-table-write", "medium"], ["guard-table-read", "high"], ["code-exposed", "high"], ["audit-rollback", "medium"], ["decision-tested-as-boolean", "high"], ["rate-limits-split", "low"]);
  for (const [rule, severity] of listed) {
    assert.match(r.stdout, new RegExp(`^${rule} +${severity} `, "m"));
  }
});

/** The rows of the markdown table under a heading of a document: `[rule, severity cell, ...]` each. */
function ruleRows(doc, heading) {
  const text = readFileSync(`${root}${doc}`, "utf8");
  const start = text.indexOf(`\n${heading}\n`);
  assert.ok(start !== -1, `${doc}: ${heading}`);
  const section = text.slice(start + heading.length + 2).split(/\n#{1,3} /)[0];
  return section
    .split("\n")
    .filter((l) => /^\| `[a-z-]+` \|/.test(l))
    .map((l) => l.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
}

test("every rule --rules lists has its row, in order, in AUDIT.md's full table and the README's short one", () => {
  const rules = [...run(["audit", "--rules"]).stdout.matchAll(/^([a-z][a-z-]+) +(high|medium|low) /gm)].map((m) => [m[1], m[2]]);
  assert.ok(rules.length >= 21, `${rules.length} rules`);
  for (const [doc, heading, columns] of [["AUDIT.md", "## Rules", 4], ["README.md", "### The rules", 3]]) {
    const rows = ruleRows(doc, heading);
    assert.deepEqual(rows.map((r) => r[0]), rules.map(([rule]) => `\`${rule}\``), `${doc}: one row per rule, in --rules' order`);
    for (const [i, row] of rows.entries()) {
      assert.equal(row.length, columns, `${doc}: ${row[0]}'s columns`);
      // The severity cell starts with the rule's own severity (variants follow in parentheses).
      assert.ok(row[1].startsWith(rules[i][1]), `${doc}: ${row[0]} is ${rules[i][1]}, not ${row[1]}`);
      assert.ok(row[2].length > 20, `${doc}: ${row[0]} says what it reports`);
    }
  }
  // The README's row is one short line; the reference holds the rule in full.
  for (const row of ruleRows("README.md", "### The rules")) assert.ok(row.join(" | ").length < 200, row[0]);
});

test("a linked convex-guard (npm link, workspaces: a real path outside node_modules) is still the guard", () => {
  const dir = app("linked", { "q.ts": PUBLIC_QUERY("me", "await guard.requireUser(ctx);").replace('from "./_generated/server";', 'from "./_generated/server";\nimport { guard } from "./guard";') });
  cpSync(`${root}node_modules/convex-guard`, `${scratch}/linked-package`, { recursive: true });
  mkdirSync(`${scratch}/linked/node_modules`, { recursive: true });
  symlinkSync(`${scratch}/linked-package`, `${scratch}/linked/node_modules/convex-guard`);
  const { report } = json(["audit", dir]);
  assert.deepEqual(report.findings, []);
  assert.deepEqual(report.functions.map((f) => [f.function, f.auth]), [["q:me", "authenticated"]]);
});

test("getUserIdentity without an exit on null is no check", () => {
  const dir = app("identity", {
    "q.ts": PUBLIC_QUERY("peek", "const identity = await ctx.auth.getUserIdentity(); console.log(identity);"),
  });
  const { report } = json(["audit", dir]);
  assert.deepEqual(report.findings.map((f) => f.rule), ["public-no-auth"]);
});

test("an allow comment needs a known rule and a reason; a stale allowlist entry is reported", () => {
  const unknown = app("unknown-rule", { "q.ts": PUBLIC_QUERY("open", "", "// convex-guard-allow: public-no-authz typo in the rule") });
  const a = run(["audit", unknown]);
  assert.equal(a.status, 2);
  assert.match(a.stderr, /convex\/q\.ts:2: unknown rule 'public-no-authz'/);

  const noReason = app("no-reason", { "q.ts": PUBLIC_QUERY("open", "", "// convex-guard-allow: public-no-auth") });
  const b = run(["audit", noReason]);
  assert.equal(b.status, 2);
  assert.match(b.stderr, /needs a reason/);

  const guard = readFileSync(`${pitfalls}/guard.ts`, "utf8").replace('"allowed:healthCheck"', '"gone:function"');
  const stale = app("stale", { "q.ts": PUBLIC_QUERY("open", "await ctx.auth.getUserIdentity();") }, { guard });
  const { report } = json(["audit", stale]);
  assert.deepEqual(report.unusedAllows, [{ target: "gone:function", rule: "public-no-auth", source: "convex/guard.ts:11" }]);
});

test("an allow comment names several rules with commas and/or spaces, then an optional ':' or '-', then the reason", () => {
  const open = (comment) => `import { mutation } from "./_generated/server";
${comment}
export const signUp = mutation({ args: {}, handler: async () => null });
`;
  const shapes = [
    "public-no-auth public-no-rate-limit the public sign-up form",
    "public-no-auth, public-no-rate-limit: the public sign-up form",
    "public-no-auth,public-no-rate-limit the public sign-up form",
    "public-no-auth , public-no-rate-limit - the public sign-up form",
    "public-no-auth public-no-rate-limit: the public sign-up form",
  ];
  shapes.forEach((shape, i) => {
    const { report, status } = json(["audit", app(`allow-shape-${i}`, { "q.ts": open(`// convex-guard-allow: ${shape}`) }), "--fail-on", "low"]);
    assert.equal(status, 0, shape);
    assert.deepEqual(
      report.allowed.map((a) => `${a.rule}: ${a.reason}`),
      ["public-no-auth: the public sign-up form", "public-no-rate-limit: the public sign-up form"],
      shape,
    );
  });
  // A rule's name misspelt after another, or a reason where a comma promised a rule: refused,
  // naming the rules there are; never one rule allowed and the typo read as the reason.
  const refused = [
    ["public-no-auth public-no-rate-limt the public sign-up form", /convex\/q\.ts:2: unknown rule 'public-no-rate-limt' \(did you mean 'public-no-rate-limit'\?\); the rules: public-no-auth, public-no-rate-limit, /],
    ["public-no-auth, the public sign-up form", /convex\/q\.ts:2: unknown rule 'the'.*; the rules: public-no-auth, /],
    ["public-no-auth, public-no-rate-limit:", /convex\/q\.ts:2: an allowlist entry needs a reason/],
    ["", /convex\/q\.ts:2: an allow comment names no rule.*the rules: public-no-auth, /],
  ];
  refused.forEach(([shape, message], i) => {
    const r = run(["audit", app(`allow-refused-${i}`, { "q.ts": open(`// convex-guard-allow: ${shape}`) })]);
    assert.equal(r.status, 2, shape);
    assert.match(r.stderr, message, shape);
  });
});

test("an allowlist the audit cannot read without running code is an error, never an allow", () => {
  const guard = readFileSync(`${pitfalls}/guard.ts`, "utf8").replace(
    '"allowed:healthCheck": { "public-no-auth": "a status probe for the uptime monitor; it returns a constant" },',
    "...computedAllows(),",
  );
  const dir = app("computed", { "q.ts": PUBLIC_QUERY("open", "") }, { guard: `const computedAllows = () => ({});\n${guard}` });
  const r = run(["audit", dir]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /convex\/guard\.ts:12: securityAudit\.allow must be written literally/);
  // A `let` entry: the same.
  const entry = '"a status probe for the uptime monitor; it returns a constant"';
  const letEntry = readFileSync(`${pitfalls}/guard.ts`, "utf8").replace(entry, "REASON").replace("export const guard", `let REASON = ${entry};\nexport const guard`);
  const l = run(["audit", app("let-entry", { "q.ts": PUBLIC_QUERY("open", "") }, { guard: letEntry })]);
  assert.equal(l.status, 2, l.stdout);
  assert.match(l.stderr, /securityAudit\.allow must be written literally/);
});

test("a directory with no Convex functions fails (exit 2), never passes as clean", () => {
  const dir = app("nofunctions", { "lib.ts": "export const x = 1;\n" });
  const r = run(["audit", dir]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /found no Convex functions/);
});

test("a file allowlist entry must name its rules: a blanket string for a file is an error, never an allow", () => {
  const guard = readFileSync(`${pitfalls}/guard.ts`, "utf8").replace(
    '"allowed:healthCheck": { "public-no-auth": "a status probe for the uptime monitor; it returns a constant" },',
    '"convex/q.ts": "the whole file",',
  );
  const dir = app("blanketfile", { "q.ts": PUBLIC_QUERY("open", "") }, { guard });
  const r = run(["audit", dir]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /the file entry 'convex\/q\.ts' must name its rules/);
});

test("an app whose dependencies do not resolve fails (exit 2), never reports clean", () => {
  const dir = mkdtempSync(`${tmpdir()}/cg-audit-`);
  try {
    mkdirSync(`${dir}/convex`);
    writeFileSync(`${dir}/convex/q.ts`, PUBLIC_QUERY("open", ""));
    const r = run(["audit", `${dir}/convex`]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /cannot resolve "convex\/server"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("importing convex-guard never loads the TypeScript compiler (the audit is its own entry)", () => {
  const out = spawnSync(
    process.execPath,
    ["-e", `require("convex-guard"); console.log(JSON.stringify(Object.keys(require.cache)))`],
    { cwd: root, encoding: "utf8" },
  );
  assert.equal(out.status, 0, out.stderr);
  const loaded = JSON.parse(out.stdout);
  assert.ok(loaded.some((p) => p.includes("convex-guard")), "the package itself loaded");
  assert.ok(!loaded.some((p) => p.includes("/typescript/")), loaded.join("\n"));
  // The ES module: its only imports are convex's.
  const ts = createRequire(import.meta.url)("typescript");
  for (const file of ["index.js", "index.cjs"]) {
    const text = readFileSync(`${root}node_modules/convex-guard/${file}`, "utf8");
    const imports = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
    assert.ok(imports.length > 0 && imports.every((m) => m === "convex" || m.startsWith("convex/")), `${file}: ${imports}`);
  }
});

test("an owner's delete of rows selected by owner is judged by the owner field the guard's configuration says, read literally", () => {
  const files = {
    "m.ts": `import { mutation } from "./_generated/server";
import { guard } from "./guard";
export const deleteMine = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const mine = await ctx.db.query("posts").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).collect();
    for (const d of mine) await ctx.db.delete(d._id);
    return null;
  },
});
`,
  };
  const pitfallsGuard = readFileSync(`${pitfalls}/guard.ts`, "utf8");
  const severity = (name, guard) => json(["audit", app(name, files, { guard })]).report.findings.map((f) => `${f.rule} ${f.severity}`);
  assert.deepEqual(severity("owner-field-literal", pitfallsGuard), ["destructive-unconfirmed low", "grants-left low"]);
  // The table's owner is another field: "ownerId" is then just a field.
  const otherOwner = pitfallsGuard.replace('owner: "ownerId"', 'owner: "editorId"');
  assert.notEqual(otherOwner, pitfallsGuard);
  assert.deepEqual(severity("owner-field-other", otherOwner), ["destructive-unconfirmed high", "grants-left low"]);
  // Tables given by a `const`, or spread into from one: read as JavaScript builds the object,
  // a later key replacing an earlier one.
  const access = 'access: { tables: { posts: { owner: "ownerId", visibility: "visibility" } } },';
  assert.ok(pitfallsGuard.includes(access));
  const withConst = (decl, tables) => pitfallsGuard.replace(access, `access: { tables: ${tables} },`).replace("export const guard", `${decl}\nexport const guard`);
  assert.deepEqual(severity("owner-field-variable", withConst('const TABLES = { posts: { owner: "ownerId" } };', "TABLES")), ["destructive-unconfirmed low", "grants-left low"]);
  const spread = (name, shared, after = "") => pitfallsGuard.replace('posts: { owner: "ownerId",', `posts: { owner: "ownerId", ...SHARED,${after}`).replace("export const guard", `const SHARED = ${shared};\nexport const guard`);
  assert.deepEqual(severity("owner-field-spread", spread("owner-field-spread", "{}")), ["destructive-unconfirmed low", "grants-left low"]);
  assert.deepEqual(severity("owner-field-spread-replaces", spread("owner-field-spread-replaces", '{ owner: "editorId" }')), ["destructive-unconfirmed high", "grants-left low"]);
  assert.deepEqual(severity("owner-field-spread-replaced", spread("owner-field-spread-replaced", '{ owner: "editorId" }', ' owner: "ownerId",')), ["destructive-unconfirmed low", "grants-left low"]);
  // What cannot be read without running the app (a call, a `let`, a spread of a call before the
  // owner): no delete is an owner's, and the report says so, naming what it ignores. The tables
  // themselves are still read past a spread of a call into one table's fields (grants-left).
  const grantsIgnored = "the tables under access\\.tables \\(grants-left judges no delete of that guard's tables\\); ";
  const unreadable = [
    ["owner-field-call", withConst('const tables = () => ({ posts: { owner: "ownerId" } });', "tables()"), /`tables\(\)` is a function call/, grantsIgnored],
    ["owner-field-let", withConst('let TABLES = { posts: { owner: "ownerId" } };', "TABLES"), /`TABLES` is a name that is not a const of the app/, grantsIgnored],
    ["owner-field-spread-call", spread("x", "() => ({})").replace("...SHARED,", "...SHARED(),"), /`SHARED\(\)` is a function call, spread into it/, ""],
  ];
  for (const [name, guard, what, ignored] of unreadable) {
    const { report } = json(["audit", app(name, files, { guard })]);
    assert.deepEqual(report.findings.map((f) => `${f.rule} ${f.severity}`), ["destructive-unconfirmed high", ...(ignored === "" ? ["grants-left low"] : [])], name);
    assert.equal(report.warnings.length, 1, name);
    assert.equal(report.warnings[0].file, "convex/guard.ts", name);
    assert.match(report.warnings[0].message, what, name);
    assert.match(report.warnings[0].message, new RegExp(`ignored because of it: ${ignored}the tables' owner fields`), name);
    assert.match(report.warnings[0].message, /the tables' owner fields \(access\.tables: no delete counts as one of the caller's own rows, so each stays high\); the tables' owner and parent fields \(access\.tables: access-field-write judges no write of that guard's tables, unchecked-id-read no query by a parent field\)\. Write it as an object literal/, name);
  }
});

test("a delete of the caller's own rows of a table outside access.tables is low only while every guard's access.tables is read and none lists the table", () => {
  const files = {
    "m.ts": `import { mutation } from "./_generated/server";
import { guard } from "./guard";
export const clearDrafts = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const rows = await ctx.db.query("drafts").withIndex("by_user", (q) => q.eq("userId", user._id)).collect();
    for (const r of rows) await ctx.db.delete(r._id);
    return null;
  },
});
`,
  };
  const pitfallsGuard = readFileSync(`${pitfalls}/guard.ts`, "utf8");
  const severity = (name, guard, extra = {}) => json(["audit", app(name, { ...files, ...extra }, { guard })]).report.findings.map((f) => `${f.rule} ${f.severity}`);
  assert.deepEqual(severity("own-drafts", pitfallsGuard), ["destructive-unconfirmed low"]);
  // Listed under access.tables with another owner field: "userId" is then just a field.
  const listed = pitfallsGuard.replace('posts: { owner: "ownerId",', 'drafts: { owner: "authorName" }, posts: { owner: "ownerId",');
  assert.notEqual(listed, pitfallsGuard);
  assert.deepEqual(severity("own-drafts-listed", listed), ["destructive-unconfirmed high", "grants-left low"]);
  // access.tables unreadable: the table may be listed there, so the delete stays high.
  const unread = pitfallsGuard.replace("access: { tables: {", "access: { tables: tables() ?? {").replace("export const guard", 'const tables = () => undefined;\nexport const guard');
  assert.notEqual(unread, pitfallsGuard);
  assert.deepEqual(severity("own-drafts-unread", unread), ["destructive-unconfirmed high"]);
  // A second guard listing the table: not outside every guard's access model.
  const second = 'import { defineGuard } from "convex-guard";\nexport const staff = defineGuard({ roles: ["staff"], access: { tables: { drafts: { owner: "authorName" } } } });\n';
  assert.deepEqual(severity("own-drafts-second-guard", pitfallsGuard, { "staffGuard.ts": second }), ["destructive-unconfirmed high", "grants-left low"]);
});

test("the lowest role is the first of the guard's roles, read literally; a check of it covers no document, and an unreadable list keeps the old verdict", () => {
  const files = {
    "q.ts": `import { v } from "convex/values";
import { query } from "./_generated/server";
import { guard } from "./guard";
export const peek = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requireRole(ctx, "user");
    return await ctx.db.get(id);
  },
});
`,
  };
  const pitfallsGuard = readFileSync(`${pitfalls}/guard.ts`, "utf8");
  const rules = (name, guard, extra = {}) => json(["audit", app(name, { ...files, ...extra }, { guard })]).report.findings.map((f) => f.rule);
  const roles = 'roles: ["user", "admin"],';
  assert.ok(pitfallsGuard.includes(roles));
  assert.deepEqual(rules("lowest-role-literal", pitfallsGuard), ["unchecked-id-read"]);
  const [literal] = json(["audit", `${scratch}/lowest-role-literal/convex`]).report.findings;
  assert.match(literal.message, /^q:peek returns data read from the document that argument 'id' names, to any signed-in caller \(role 'user' is the lowest: every user with a role holds it\)$/);
  // Listed the other way round, "user" is the higher role: it decides, as before.
  assert.deepEqual(rules("lowest-role-reordered", pitfallsGuard.replace(roles, 'roles: ["admin", "user"],')), []);
  // A `const` list, by name, by shorthand, or imported from another module of the app.
  const named = pitfallsGuard.replace(roles, "roles: ROLES,").replace("export const guard", 'const ROLES = ["user", "admin"] as const;\nexport const guard');
  assert.deepEqual(rules("lowest-role-const", named), ["unchecked-id-read"]);
  const shorthand = pitfallsGuard.replace(roles, "roles,").replace("export const guard", 'const roles = ["user", "admin"] as const;\nexport const guard');
  assert.deepEqual(rules("lowest-role-shorthand", shorthand), ["unchecked-id-read"]);
  const imported = pitfallsGuard.replace(roles, "roles: ROLES,").replace("export const guard", 'import { ROLES } from "./roles";\nexport const guard');
  assert.deepEqual(rules("lowest-role-imported", imported, { "roles.ts": 'export const ROLES = ["user", "admin"] as const;\n' }), ["unchecked-id-read"]);
  // A spread of a `const` object, or the whole configuration in a `const`: read as JavaScript
  // builds it.
  const spread = pitfallsGuard.replace(roles, `${roles}\n  ...EXTRA,`).replace("export const guard", "const EXTRA = {};\nexport const guard");
  assert.deepEqual(rules("lowest-role-spread", spread), ["unchecked-id-read"]);
  const variable = `${pitfallsGuard.replace("export const guard = defineGuard({", "const CONFIG = {").replace(/\}\);\s*$/, "};")}\nexport const guard = defineGuard(CONFIG);\n`;
  assert.notEqual(variable, pitfallsGuard);
  assert.deepEqual(rules("lowest-role-variable", variable), ["unchecked-id-read"]);
  // A spread of a call after the roles may replace them: the lowest role is not known, so a role
  // check covers the read, as before, and the report warns about the roles alone (every other
  // key is written after the spread).
  const called = pitfallsGuard.replace(roles, `${roles}\n  ...extra(),`).replace("export const guard", "const extra = () => ({});\nexport const guard");
  assert.deepEqual(rules("lowest-role-spread-call", called), []);
  const { report } = json(["audit", `${scratch}/lowest-role-spread-call/convex`]);
  assert.deepEqual(report.warnings.map((w) => `${w.file}:${w.line}`), ["convex/guard.ts:6"]);
  assert.match(report.warnings[0].message, /^the guard's configuration cannot be read from the source: `extra\(\)` is a function call, spread into it; ignored because of it: the roles \(a check of the lowest role is taken as any role check: it covers documents read or deleted by an argument's id\); wiring-missing \(whether the guard's internal functions and audit log mutation are exported is not judged\)\. Write it/);
});

test("the users table, its role field and the codes and audit tables are the ones the guard's configuration names, read literally", () => {
  const pitfallsGuard = readFileSync(`${pitfalls}/guard.ts`, "utf8");
  const confirmations = 'confirmations: { redactEnv: ["PAYMENT_KEY"] },';
  assert.ok(pitfallsGuard.includes(confirmations));
  const guard = pitfallsGuard.replace(
    confirmations,
    'users: { table: "members", roleField: "rank" },\n  confirmations: { redactEnv: ["PAYMENT_KEY"], table: "codes", audit: { table: "trail" } },',
  );
  const files = {
    "m.ts": `import { v } from "convex/values";
import { internalMutation } from "./_generated/server";
import { guard } from "./guard";
// Internal: only the table rules speak (no caller to check).
export const promote = internalMutation({
  args: { rank: v.string() },
  handler: async (ctx, { rank }) => {
    const me = await guard.requireUser(ctx);
    await ctx.db.patch(me._id, { rank });
    await ctx.db.insert("trail", { action: "x", outcome: "success", actor: me._id });
    await ctx.db.insert("guardAudit", { action: "x", outcome: "success", actor: me._id });
    await ctx.db.insert("codes", { actor: me._id });
    await ctx.db.insert("users", { role: rank });
  },
});
`,
    "p.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
export const promote = mutation({
  args: { rank: v.string(), role: v.string() },
  handler: async (ctx, { rank, role }) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    await ctx.db.patch(me._id, { rank });
    await ctx.db.insert("members", { rank: role });
    await ctx.db.insert("users", { role });
    return null;
  },
});
`,
  };
  const report = json(["audit", app("configured-tables", files, { guard })]).report;
  const found = report.findings.map((f) => `${f.file}:${f.line} ${f.rule}`).sort();
  assert.deepEqual(found, [
    // The configured audit and codes tables, and the default audit table (the guard's too).
    "convex/m.ts:10 guard-table-write",
    "convex/m.ts:11 guard-table-write",
    "convex/m.ts:12 guard-table-write",
    // The configured role field of the configured users table (the caller's row, and an insert);
    // "role" of another table is nobody's role.
    "convex/p.ts:10 unchecked-role-write",
    "convex/p.ts:9 unchecked-role-write",
  ]);
  assert.match(report.findings.find((f) => f.file === "convex/p.ts" && f.line === 9).message, /writes the role field 'rank' of the caller's own users row from argument 'rank'/);
});

test("with users.roleClaim the role is the token's: a row's role field is no role, to write or to decide on", () => {
  // One guard for Clerk apps: roleClaim beside a row setup. The row's `role` field (left from
  // before, or written by a tool) is never read, so writing it sets no role; and deciding on it
  // (`guard.can(me.role, ...)`) decides on a field that is not the caller's role: no check. The
  // row itself (`guard.can(me, ...)`) holds the claim. Alone, roleClaim makes the identity the
  // caller, and its claim the caller's role field.
  const pitfallsGuard = readFileSync(`${pitfalls}/guard.ts`, "utf8");
  const confirmations = 'confirmations: { redactEnv: ["PAYMENT_KEY"] },';
  assert.ok(pitfallsGuard.includes(confirmations));
  const withUsers = (users) => pitfallsGuard.replace(confirmations, `users: ${users},\n  ${confirmations}`);
  const files = {
    "p.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
export const promote = mutation({
  args: { role: v.string() },
  handler: async (ctx, { role }) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    await ctx.db.patch(me._id, { role });
    return null;
  },
});
export const byField = mutation({
  args: {},
  handler: async (ctx) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    if (!guard.can(me.role, "delete:posts")) throw new Error("no");
    return null;
  },
});
export const byClaim = mutation({
  args: {},
  handler: async (ctx) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    if (!guard.can(me.org_role, "delete:posts")) throw new Error("no");
    return null;
  },
});
export const byRow = mutation({
  args: {},
  handler: async (ctx) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    if (!guard.can(me, "delete:posts")) throw new Error("no");
    return null;
  },
});
`,
  };
  const judged = (name, guard) => {
    const { report } = json(["audit", app(name, files, { guard })]);
    const auth = Object.fromEntries(report.functions.map((f) => [f.function.replace("p:", ""), f.auth]));
    return { roleWrites: report.findings.filter((f) => f.rule === "unchecked-role-write").map((f) => f.function), auth: [auth.byField, auth.byClaim, auth.byRow] };
  };
  // The role in the row: its write is a role write, and `me.role` the caller's role.
  assert.deepEqual(judged("role-in-row", pitfallsGuard), { roleWrites: ["p:promote"], auth: ["permission", "authenticated", "permission"] });
  // roleClaim beside a row setup: no role field at all.
  assert.deepEqual(judged("role-claim-rows", withUsers('{ roleClaim: "org_role", claim: "subject", field: "clerkId", index: "by_clerkId" }')), {
    roleWrites: [],
    auth: ["authenticated", "authenticated", "permission"],
  });
  // roleClaim alone: the caller is the identity, whose claim is their role.
  assert.deepEqual(judged("role-claim-alone", withUsers('{ roleClaim: "org_role" }')), { roleWrites: [], auth: ["authenticated", "permission", "permission"] });
});

test("an action's guard.rateLimitAll and a safeAction's list of limits are rate limits, decided all or nothing", () => {
  // A new user's review: the all-or-nothing workaround (an internal mutation calling
  // rateLimitAll, run from the action) was public-no-rate-limit. Both forms the package now
  // offers in actions count; one whose denial is dropped, or keyed by what the caller sends,
  // still limits nothing (a list limits when one of its keys is the server's).
  const dir = app("action-limits", {
    "a.ts": `import { v } from "convex/values";
import { action } from "./_generated/server";
import { guard } from "./guard";
export const both = action({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimitAll(ctx, [{ name: "write", key: user._id }, { name: "write", key: "global" }]);
    return null;
  },
});
export const listed = action(
  guard.safeAction({ name: "listed", args: {}, rateLimit: [{ name: "write" }, { name: "write", key: () => "global" }], handler: async () => null }),
);
export const dropped = action({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimitAll(ctx, [{ name: "write", key: user._id }], { throws: false });
    return null;
  },
});
export const byArg = action({
  args: { room: v.string() },
  handler: async (ctx, { room }) => {
    await guard.requireUser(ctx);
    await guard.rateLimitAll(ctx, [{ name: "write", key: room }, { name: "write", key: \`\${room}:2\` }]);
    return null;
  },
});
export const byArgAndGlobal = action({
  args: { room: v.string() },
  handler: async (ctx, { room }) => {
    await guard.requireUser(ctx);
    await guard.rateLimitAll(ctx, [{ name: "write", key: room }, { name: "write", key: "global" }]);
    return null;
  },
});
`,
  });
  const { report } = json(["audit", dir]);
  assert.deepEqual(report.findings.filter((f) => f.rule === "public-no-rate-limit").map((f) => `${f.function} ${f.message}`).sort(), [
    "a:byArg rate limit guard.rateLimitAll of a:byArg is keyed by argument 'room': a caller picks its own bucket",
    "a:dropped public action a:dropped has no rate limit that limits: it calls guard.rateLimitAll (convex/a.ts:19), whose denial (throws: false) it does not leave on by a throw or a return of no data",
  ]);
  const fns = Object.fromEntries(report.functions.map((f) => [f.function, f]));
  assert.deepEqual(fns["a:both"].rateLimits, ["guard.rateLimitAll"]);
  // Taken all or nothing, a list with a key of the server's ("global") limits as that key alone would.
  assert.deepEqual([fns["a:byArgAndGlobal"].rateLimits, fns["a:byArgAndGlobal"].argKeyedRateLimits], [["guard.rateLimitAll"], []]);
  assert.deepEqual(fns["a:listed"].rateLimits, ["guard.safeAction rateLimit[0]", "guard.safeAction rateLimit[1]"]);
});

test("guard.insertDocument is a signed-in check (the caller becomes the owner), held as one only where its throw leaves", () => {
  const mutation = (name, body) => `export const ${name} = mutation({
  args: { title: v.string() },
  handler: async (ctx, args) => {
    await guard.rateLimit(ctx, "write", { key: "global" });
    ${body}
  },
});
`;
  const files = {
    "i.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
${mutation("create", 'return await guard.insertDocument(ctx, "posts", { title: args.title, visibility: "private" });')}
${mutation("createSwallowed", 'try {\n      await guard.insertDocument(ctx, "posts", { title: args.title, visibility: "private" });\n    } catch {}\n    return null;')}
`,
  };
  const { report } = json(["audit", app("insert-document", files)]);
  const found = report.findings.map((f) => `${f.function} ${f.rule}`).sort();
  // A check whose throw is dropped checks nothing: a public mutation anyone may call.
  assert.deepEqual(found, ["i:createSwallowed public-no-auth"]);
  const fns = Object.fromEntries(report.functions.map((f) => [f.function, f]));
  assert.equal(fns["i:create"].auth, "authenticated");
  assert.deepEqual(fns["i:create"].authVia, ['guard.insertDocument("posts")']);
});

test("guard.deleteDocument is an owner-checked delete: low without an audit row, never an unchecked one", () => {
  const mutation = (name, body) => `export const ${name} = mutation({
  args: { id: v.string(), ids: v.array(v.string()) },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    ${body}
    return null;
  },
});
`;
  const files = {
    "d.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
${mutation("remove", 'await guard.deleteDocument(ctx, "posts", args.id);')}
${mutation("removeAudited", 'await guard.deleteDocument(ctx, "posts", args.id);\n    await guard.audit.log(ctx, { action: "posts.delete", outcome: "success" });')}
${mutation("removeSwallowed", 'try {\n      await guard.deleteDocument(ctx, "posts", args.id);\n    } catch {}')}
${mutation("removeMany", 'for (const id of args.ids) await guard.deleteDocument(ctx, "posts", id);')}
${mutation("removeSometimes", 'if (args.ids.length === 0) await guard.deleteDocument(ctx, "posts", args.id);')}
${mutation("removeSometimesAudited", 'if (args.ids.length === 0) await guard.deleteDocument(ctx, "posts", args.id);\n    await guard.audit.log(ctx, { action: "posts.delete", outcome: "success" });')}
`,
  };
  const { report } = json(["audit", app("delete-document", files)]);
  const found = report.findings.map((f) => `${f.function} ${f.rule} ${f.severity}`).sort();
  assert.deepEqual(found, [
    // Its owner check made, the one document it names: the app's ordinary business.
    "d:remove destructive-unconfirmed low",
    // Its check and its delete are one call: a dropped throw deletes nothing it did not check,
    // and a call made on some paths only checks what it deletes on those paths.
    "d:removeSwallowed destructive-unconfirmed low",
    "d:removeSometimes destructive-unconfirmed low",
    // Many documents, each checked: a bulk delete, as a db.delete in a loop is.
    "d:removeMany destructive-unconfirmed high",
  ].sort());
  assert.match(report.findings.find((f) => f.function === "d:remove").message, /deletes a document the caller was checked at the owner level on/);
  const fns = Object.fromEntries(report.functions.map((f) => [f.function, f]));
  assert.equal(fns["d:remove"].auth, "document");
  assert.deepEqual(fns["d:remove"].authVia, ["guard.requireUser", 'guard.deleteDocument("posts")']);
});
