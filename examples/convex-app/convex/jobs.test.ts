// Checks for a named user (convex/jobs.ts): a checked mutation schedules a plain internal
// mutation with the caller's own id; the job, which has no caller, re-checks that user's access
// with guard.requireAccessFor when it runs. Then the attacker's side: access revoked, lowered or
// expired before the job runs, the user deleted, an invitation not accepted, forged user ids.
// Each test would fail were the check the caller's (`readable` / `requireAccess`): the job has
// no caller, so every one of its checks would be NOT_FOUND, the admitted ones too.
import { expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { guard } from "./guard";
import { jobFailures, newTest, outcome, type Outcome } from "./test.setup";

const ISSUER = "https://issuer.example";
const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const NOT_FOUND: Outcome = { code: "NOT_FOUND", message: "Document not found" };
const UNKNOWN_USER: Outcome = { code: "INVALID_ARGUMENT", message: "unknown user" };
const NOT_EDITOR: Outcome = { code: "FORBIDDEN", message: "Access level 'editor' or higher required" };

const failures = jobFailures();

/**
 * Olive owns the private document `doc` and the public `open`; Eddie and Lea edit `doc` (direct
 * grants), Vic views it; Gina and Mallory hold nothing.
 */
async function world() {
  const t = newTest();
  const u: Record<string, Id<"users">> = {};
  for (const p of ["olive", "eddie", "lea", "vic", "gina", "mallory"]) {
    u[p] = await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p, role: "user" }));
  }
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  const insert = (title: string, visibility: "public" | "private") =>
    as("olive").run((ctx) => guard.insertDocument(ctx, "documents", { title, body: "original", ownerId: u.olive!, visibility }));
  const doc = await insert("doc", "private");
  const open = await insert("open", "public");
  const share = (userId: Id<"users">, level: "viewer" | "editor", expiresAt?: number) =>
    as("olive").mutation(api.documents.shareDocument, { id: doc, userId, level, expiresAt });
  await share(u.eddie!, "editor");
  await share(u.lea!, "editor");
  await share(u.vic!, "viewer");
  /** `who` schedules the edit `body` in `delayMs` (the checked mutation: they must be an editor now). */
  const editLater = (who: string, body: string, delayMs = 0) => as(who).mutation(api.jobs.editLater, { id: doc, body, delayMs });
  /** Runs every scheduled job; the ConvexError data of those that failed, in order. */
  const runJobs = async () => {
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    return failures.map((e) => (e as { data?: Outcome }).data);
  };
  const body = () => t.run(async (ctx) => (await ctx.db.get(doc))!.body);
  const states = () => t.run(async (ctx) => (await ctx.db.system.query("_scheduled_functions").collect()).map((j) => j.state.kind));
  return { t, u, as, doc, open, share, editLater, runJobs, body, states };
}

test("the job acts for the editor who scheduled it, though it has no caller", async () => {
  const { editLater, runJobs, body, states } = await world();
  await editLater("eddie", "by eddie, later", 1000);
  expect(await body()).toBe("original"); // scheduled, not done yet
  expect(await runJobs()).toEqual([]);
  expect(await body()).toBe("by eddie, later");
  expect(await states()).toEqual(["success"]);
});

test("access revoked before the job runs: that job is refused, nothing written; another editor's still acts", async () => {
  const { as, u, doc, editLater, runJobs, body, states } = await world();
  await editLater("lea", "by lea", 1000);
  await editLater("eddie", "by eddie", 2000);
  await as("olive").mutation(api.documents.revokeDocument, { id: doc, userId: u.eddie! });
  expect(await runJobs()).toEqual([NOT_FOUND]);
  expect(await body()).toBe("by lea");
  expect(await states()).toEqual(["success", "failed"]);
});

test("access lowered below the job's level before it runs: FORBIDDEN", async () => {
  const { u, share, editLater, runJobs, body } = await world();
  await editLater("eddie", "by eddie", 1000);
  await share(u.eddie!, "viewer"); // replaces the editor grant
  expect(await runJobs()).toEqual([NOT_EDITOR]);
  expect(await body()).toBe("original");
});

test("the user deleted before the job runs: INVALID_ARGUMENT 'unknown user', never a quiet pass", async () => {
  const { t, u, editLater, runJobs, body } = await world();
  await editLater("lea", "by lea", 1000);
  await editLater("eddie", "by eddie", 2000);
  await t.run((ctx) => ctx.db.delete(u.eddie!)); // the row only: eddie's grant is still there
  expect(await runJobs()).toEqual([UNKNOWN_USER]);
  expect(await body()).toBe("by lea");
});

test("an expired grant: a job that runs before the expiry acts, one after it is refused", async () => {
  const { t, u, share, editLater, body, states } = await world();
  await share(u.vic!, "editor", Date.now() + HOUR);
  await editLater("vic", "in half an hour", HOUR / 2);
  await editLater("vic", "in two hours", 2 * HOUR);
  // The clock moved past one job at a time (finishAllScheduledFunctions runs every timer first).
  await vi.advanceTimersByTimeAsync(HOUR / 2 + MINUTE);
  await t.finishInProgressScheduledFunctions();
  expect(await body()).toBe("in half an hour");
  await vi.advanceTimersByTimeAsync(HOUR * 1.5);
  await t.finishInProgressScheduledFunctions();
  expect(failures.map((e) => (e as { data?: Outcome }).data)).toEqual([NOT_FOUND]);
  expect(await body()).toBe("in half an hour");
  expect(await states()).toEqual(["success", "failed"]);
});

test("a group's grant counts for the job only while the user's invitation is accepted", async () => {
  const { t, u, as, doc, editLater, runJobs, body } = await world();
  const { groupId } = await as("olive").mutation(api.groups.createGroup, { name: "team" });
  await as("olive").mutation(api.documents.shareDocument, { id: doc, groupId, level: "editor" });
  await as("olive").mutation(api.groups.addMember, { groupId, userId: u.gina! });
  const ginaReads = () => t.run(async (ctx) => (await guard.readableFor(ctx, u.gina!, "documents", doc, "editor"))?.accessLevel ?? null);
  expect(await ginaReads()).toBe(null); // invited only
  await as("gina").mutation(api.groups.acceptInvite, { groupId });
  expect(await ginaReads()).toBe("editor");
  await editLater("gina", "by gina", 1000);
  // She leaves and is invited again: an invitation, not yet accepted, when the job runs.
  await as("gina").mutation(api.groups.leaveGroup, { groupId });
  await as("olive").mutation(api.groups.addMember, { groupId, userId: u.gina! });
  expect(await runJobs()).toEqual([NOT_FOUND]);
  expect(await body()).toBe("original");
  await as("gina").mutation(api.groups.acceptInvite, { groupId });
  await editLater("gina", "by gina, a member again", 1000);
  expect(await runJobs()).toEqual([NOT_FOUND]); // the earlier failure only
  expect(await body()).toBe("by gina, a member again");
});

test("readableFor answers what readable answers that user, null where it gives null", async () => {
  const { t, u, as, doc, open } = await world();
  for (const p of ["olive", "eddie", "vic", "gina", "mallory"]) {
    for (const [id, min] of [[doc, undefined], [doc, "editor"], [open, undefined], [open, "commenter"]] as const) {
      const mine = await as(p).run(async (ctx) => (await guard.readable(ctx, "documents", id, min))?.accessLevel ?? null);
      const theirs = await t.run(async (ctx) => (await guard.readableFor(ctx, u[p]!, "documents", id, min))?.accessLevel ?? null);
      expect(theirs, `${p} ${id} ${min}`).toBe(mine);
    }
  }
  // What those answers are: not all null (no caller would give that).
  const level = (p: string, id: string) => t.run(async (ctx) => (await guard.readableFor(ctx, u[p]!, "documents", id))?.accessLevel ?? null);
  expect([await level("olive", doc), await level("eddie", doc), await level("vic", doc), await level("mallory", doc), await level("mallory", open)]).toEqual([
    "owner",
    "editor",
    "viewer",
    null,
    "viewer",
  ]);
  // requireAccessFor: the same refusals requireAccess gives that user.
  const required = (p: string, min: "viewer" | "editor") =>
    t.run((ctx) => outcome(guard.requireAccessFor(ctx, u[p]!, "documents", doc, min).then((r) => r.accessLevel)));
  expect(await required("vic", "viewer")).toEqual({ ok: "viewer" });
  expect(await required("vic", "editor")).toEqual(NOT_EDITOR);
  expect(await required("mallory", "viewer")).toEqual(NOT_FOUND);
});

test("a malformed user id, or another table's, is INVALID_ARGUMENT 'unknown user' for both checks", async () => {
  const { t, u, as, doc, open } = await world();
  const { groupId } = await as("olive").mutation(api.groups.createGroup, { name: "team" });
  for (const forged of ["not-an-id", "", doc, open, groupId, 42, null, undefined]) {
    const userId = forged as unknown as Id<"users">;
    expect(await t.run((ctx) => outcome(guard.readableFor(ctx, userId, "documents", open))), String(forged)).toEqual(UNKNOWN_USER);
    expect(await t.run((ctx) => outcome(guard.requireAccessFor(ctx, userId, "documents", open, "viewer"))), String(forged)).toEqual(UNKNOWN_USER);
  }
  // A real user's id passes (the public document: anyone's viewer).
  expect(await t.run((ctx) => outcome(guard.requireAccessFor(ctx, u.mallory!, "documents", open, "viewer").then((r) => r.accessLevel)))).toEqual({ ok: "viewer" });
});

// Roles and permissions for a named user (jobs.ts flagLater / unflagLater): the job re-checks
// the moderator's role (requireRoleFor) or permission (requirePermissionFor) when it runs. Were
// the check the caller's (requireRole), every job would fail UNAUTHENTICATED, the admitted too.
const NOT_MODERATOR: Outcome = { code: "FORBIDDEN", message: "Role 'moderator' or higher required" };
const NO_WRITE_USERS: Outcome = { code: "FORBIDDEN", message: "Permission 'write:users' required" };

/** Mona moderates, Walt is an admin; Tess is the user they flag. */
async function moderation() {
  const w = await world();
  const { t, u } = w;
  for (const [p, role] of [["mona", "moderator"], ["walt", "admin"], ["tess", "user"]] as const) {
    u[p] = await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p, role }));
  }
  const flagLater = (who: string, delayMs = 1000) => w.as(who).mutation(api.jobs.flagLater, { userId: u.tess!, delayMs });
  const unflagLater = (who: string, delayMs = 1000) => w.as(who).mutation(api.jobs.unflagLater, { userId: u.tess!, delayMs });
  const demote = (p: string) => t.run((ctx) => ctx.db.patch(u[p]!, { role: "user" }));
  const flagged = () => t.run(async (ctx) => (await ctx.db.get(u.tess!))!.flagged ?? false);
  return { ...w, flagLater, unflagLater, demote, flagged };
}

test("a moderator's job flags the user though it has no caller; demoted before it runs, FORBIDDEN and nothing written", async () => {
  const { flagLater, unflagLater, runJobs, demote, flagged, states } = await moderation();
  await flagLater("mona");
  expect(await runJobs()).toEqual([]);
  expect(await flagged()).toBe(true);
  await unflagLater("mona");
  expect(await runJobs()).toEqual([]);
  expect(await flagged()).toBe(false);
  // Scheduled as a moderator, run as a user.
  await flagLater("mona");
  await demote("mona");
  expect(await runJobs()).toEqual([NOT_MODERATOR]);
  expect(await flagged()).toBe(false);
  expect(await states()).toEqual(["success", "success", "failed"]);
});

test("a permission lost before the job runs: requirePermissionFor's FORBIDDEN; another holder's job still acts", async () => {
  const { u, t, flagLater, unflagLater, runJobs, demote, flagged } = await moderation();
  await t.run((ctx) => ctx.db.patch(u.tess!, { flagged: true }));
  await unflagLater("mona", 1000);
  await unflagLater("walt", 2000);
  await demote("mona");
  expect(await runJobs()).toEqual([NO_WRITE_USERS]);
  expect(await flagged()).toBe(false); // walt's
  await expect(flagLater("mona")).rejects.toThrow(/Role 'moderator' or higher required/); // and she can no longer schedule one
});

test("the moderator deleted before the job runs: INVALID_ARGUMENT 'unknown user', never a quiet pass", async () => {
  const { t, u, flagLater, unflagLater, runJobs, flagged } = await moderation();
  await flagLater("mona");
  await unflagLater("mona", 2000);
  await t.run((ctx) => ctx.db.delete(u.mona!));
  expect(await runJobs()).toEqual([UNKNOWN_USER, UNKNOWN_USER]);
  expect(await flagged()).toBe(false);
});

test("requireRoleFor and requirePermissionFor answer what requireRole and requirePermission answer that user signed in", async () => {
  const { t, u, as } = await moderation();
  for (const p of ["mona", "walt", "tess", "olive"]) {
    for (const role of ["user", "moderator", "admin"] as const) {
      const mine = await as(p).run((ctx) => outcome(guard.requireRole(ctx, role).then((r) => r._id)));
      const theirs = await t.run((ctx) => outcome(guard.requireRoleFor(ctx, u[p]!, role).then((r) => r._id)));
      expect(theirs, `${p} ${role}`).toEqual(mine);
    }
    for (const permission of ["read:users", "write:users", "delete:users"] as const) {
      const mine = await as(p).run((ctx) => outcome(guard.requirePermission(ctx, permission).then((r) => r._id)));
      const theirs = await t.run((ctx) => outcome(guard.requirePermissionFor(ctx, u[p]!, permission).then((r) => r._id)));
      expect(theirs, `${p} ${permission}`).toEqual(mine);
    }
  }
  // What those answers are: some admitted, some refused (no caller would give that).
  const role = (p: string) => t.run((ctx) => outcome(guard.requireRoleFor(ctx, u[p]!, "moderator").then((r) => r.name)));
  expect([await role("mona"), await role("walt"), await role("tess")]).toEqual([{ ok: "mona" }, { ok: "walt" }, NOT_MODERATOR]);
});

test("a forged id (another table's, even a row with a role field) or a malformed one is 'unknown user' for the role checks too", async () => {
  const { t, as, doc, open } = await moderation();
  const { groupId } = await as("olive").mutation(api.groups.createGroup, { name: "team" });
  // A row of another users-like table whose `role` field holds the top role: never this guard's user.
  const forgedAdmin = await t.run((ctx) => ctx.db.insert("authUsers", { name: "root", role: "superadmin" }));
  for (const forged of [forgedAdmin, "not-an-id", "", doc, open, groupId, 42, null, undefined]) {
    const userId = forged as unknown as Id<"users">;
    expect(await t.run((ctx) => outcome(guard.requireRoleFor(ctx, userId, "user"))), String(forged)).toEqual(UNKNOWN_USER);
    expect(await t.run((ctx) => outcome(guard.requirePermissionFor(ctx, userId, "read:users"))), String(forged)).toEqual(UNKNOWN_USER);
  }
});
