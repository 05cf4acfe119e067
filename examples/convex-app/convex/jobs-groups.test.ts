// A group level for a named user (jobs.ts announceLater / applyAnnouncement; newuser36 F1): a
// job or a webhook acting for a user has no caller, so it asks the guard for that user's level
// on the group (groupLevelFor / requireGroupLevelFor), the engine's answer as they would get it
// signed in: no membership rule of the app's to keep in step. Each test would fail were the
// check the caller's (groupLevel / requireGroupLevel): the job has no caller, so every check
// would be NOT_FOUND, the admitted ones too; and were invitations counted as memberships.
import { expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { guard } from "./guard";
import { jobFailures, newTest, outcome, type Outcome } from "./test.setup";

const ISSUER = "https://issuer.example";
const GROUP_NOT_FOUND: Outcome = { code: "NOT_FOUND", message: "Group not found" };
const NOT_EDITOR: Outcome = { code: "FORBIDDEN", message: "Access level 'editor' or higher required" };
const UNKNOWN_USER: Outcome = { code: "INVALID_ARGUMENT", message: "unknown user" };

const failures = jobFailures();

/**
 * Olive owns the group "team"; Eddie is an editor of it and Vic a viewer (invitations they
 * accepted); Gina is invited as an editor and has not accepted; Rex was an editor and was
 * removed; Walt is an admin (access.groups.managers); Mallory holds nothing.
 */
async function team() {
  const t = newTest();
  const u: Record<string, Id<"users">> = {};
  for (const p of ["olive", "eddie", "vic", "gina", "rex", "walt", "mallory"]) {
    u[p] = await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p, role: p === "walt" ? "admin" : "user" }));
  }
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  const { groupId } = await as("olive").mutation(api.groups.createGroup, { name: "team" });
  const invite = (p: string, level: "viewer" | "editor") => as("olive").mutation(api.groups.addMember, { groupId, userId: u[p]!, level });
  for (const [p, level] of [["eddie", "editor"], ["vic", "viewer"], ["rex", "editor"]] as const) {
    await invite(p, level);
    await as(p).mutation(api.groups.acceptInvite, { groupId });
  }
  await invite("gina", "editor");
  await as("olive").mutation(api.groups.removeMember, { groupId, userId: u.rex! });
  const levelFor = (userId: Id<"users">, group: Id<"accessGroups"> = groupId) => t.run((ctx) => outcome(guard.groupLevelFor(ctx, userId, group)));
  const requireFor = (userId: Id<"users">, min: "viewer" | "editor" | "owner" = "editor") =>
    t.run((ctx) => outcome(guard.requireGroupLevelFor(ctx, userId, groupId, min)));
  const announceLater = (p: string, body: string, delayMs = 1000) => as(p).mutation(api.jobs.announceLater, { groupId, body, delayMs });
  const runJobs = async () => {
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    return failures.map((e) => (e as { data?: Outcome }).data);
  };
  const posted = () => t.run(async (ctx) => (await ctx.db.query("messages").collect()).map((m) => m.body));
  return { t, u, as, groupId, levelFor, requireFor, announceLater, runJobs, posted };
}

test("groupLevelFor answers what groupLevel answers that user signed in: owner, members, a manager; null for an invitation, a removed member, no one", async () => {
  const { u, as, groupId, levelFor } = await team();
  const expected = { olive: "owner", eddie: "editor", vic: "viewer", gina: null, rex: null, walt: "owner", mallory: null };
  for (const [p, level] of Object.entries(expected)) {
    expect(await levelFor(u[p]!), p).toEqual({ ok: level });
    // The caller's own answer, signed in: the same.
    expect(await as(p).run((ctx) => guard.groupLevel(ctx, groupId)), p).toBe(level);
  }
});

test("requireGroupLevelFor: the level at minLevel or above; FORBIDDEN below it; NOT_FOUND for an invitation not accepted, a removed member, no one", async () => {
  const { u, requireFor } = await team();
  expect(await requireFor(u.eddie!)).toEqual({ ok: "editor" });
  expect(await requireFor(u.olive!, "owner")).toEqual({ ok: "owner" });
  expect(await requireFor(u.walt!, "owner")).toEqual({ ok: "owner" }); // a manager: the owner level on every group
  expect(await requireFor(u.vic!, "viewer")).toEqual({ ok: "viewer" });
  expect(await requireFor(u.vic!)).toEqual(NOT_EDITOR);
  expect(await requireFor(u.eddie!, "owner")).toEqual({ code: "FORBIDDEN", message: "Access level 'owner' or higher required" });
  // Invited at "editor", not accepted: nothing, as the caller's own check answers her.
  expect(await requireFor(u.gina!, "viewer")).toEqual(GROUP_NOT_FOUND);
  expect(await requireFor(u.rex!, "viewer")).toEqual(GROUP_NOT_FOUND);
  expect(await requireFor(u.mallory!, "viewer")).toEqual(GROUP_NOT_FOUND);
});

test("a deleted user, a malformed id and another table's id (the group's own too) are INVALID_ARGUMENT 'unknown user', never a quiet null", async () => {
  const { t, u, groupId, levelFor, requireFor } = await team();
  const doc = await t.run((ctx) => ctx.db.insert("messages", { author: u.olive!, body: "x" }));
  await t.run((ctx) => ctx.db.delete(u.eddie!)); // the row only: his membership is still there
  for (const forged of [u.eddie!, "not-an-id", "", doc, groupId, 42, null, undefined]) {
    const userId = forged as unknown as Id<"users">;
    expect(await levelFor(userId), String(forged)).toEqual(UNKNOWN_USER);
    expect(await requireFor(userId, "viewer"), String(forged)).toEqual(UNKNOWN_USER);
  }
  // A malformed or missing group for a real user: null and NOT_FOUND, as the caller's own.
  expect(await levelFor(u.olive!, "not-a-group" as Id<"accessGroups">)).toEqual({ ok: null });
  expect(await t.run((ctx) => outcome(guard.requireGroupLevelFor(ctx, u.olive!, "not-a-group" as Id<"accessGroups">, "viewer")))).toEqual(GROUP_NOT_FOUND);
  // An unknown level: INVALID_ARGUMENT before the user is looked at.
  expect(await t.run((ctx) => outcome(guard.requireGroupLevelFor(ctx, "not-an-id" as Id<"users">, groupId, "editr" as "editor")))).toMatchObject({ code: "INVALID_ARGUMENT" });
});

test("the job posts for the editor who scheduled it, though it has no caller; removed, lowered or deleted before it runs, it fails and posts nothing", async () => {
  const { t, u, as, groupId, announceLater, runJobs, posted } = await team();
  await announceLater("eddie", "by eddie");
  await announceLater("walt", "by walt"); // a manager
  expect(await posted()).toEqual([]); // scheduled, not run yet
  expect(await runJobs()).toEqual([]);
  expect(await posted()).toEqual(["by eddie", "by walt"]);
  // Lowered to viewer, then removed, then deleted, each before its job runs.
  await announceLater("eddie", "lowered");
  await as("olive").mutation(api.groups.addMember, { groupId, userId: u.eddie!, level: "viewer" });
  expect(await runJobs()).toEqual([NOT_EDITOR]);
  await as("olive").mutation(api.groups.addMember, { groupId, userId: u.eddie!, level: "editor" });
  await announceLater("eddie", "removed");
  await as("olive").mutation(api.groups.removeMember, { groupId, userId: u.eddie! });
  expect(await runJobs()).toEqual([NOT_EDITOR, GROUP_NOT_FOUND]);
  await announceLater("olive", "deleted");
  await t.run((ctx) => ctx.db.delete(u.olive!));
  expect(await runJobs()).toEqual([NOT_EDITOR, GROUP_NOT_FOUND, UNKNOWN_USER]);
  expect(await posted()).toEqual(["by eddie", "by walt"]);
});

test("the checked mutation refuses one only invited, and one below editor, before anything is scheduled", async () => {
  const { announceLater, posted, runJobs } = await team();
  await expect(announceLater("gina", "invited")).rejects.toThrow(/Group not found/);
  await expect(announceLater("vic", "viewer")).rejects.toThrow(/Access level 'editor' or higher required/);
  expect(await runJobs()).toEqual([]);
  expect(await posted()).toEqual([]);
});
