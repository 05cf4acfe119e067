// What outlives what: a group deleted by the app, a grant whose holder is gone, an invitation
// whose sender lost the right to send it, a share that would expire before it is made. Each
// from the attacker's side first (the access that must end), then what the owner can still do.
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { newTest, outcome, type Outcome } from "./test.setup";

const ISSUER = "https://issuer.example";
const START = Date.parse("2026-03-01T00:00:00Z");
const HOUR = 3_600_000;
const page = { numItems: 50, cursor: null };
const DOC_NOT_FOUND: Outcome = { code: "NOT_FOUND", message: "Document not found" };
const UNKNOWN_GROUP: Outcome = { code: "INVALID_ARGUMENT", message: "unknown group" };
const VOID_INVITATION: Outcome = {
  code: "FORBIDDEN",
  message: "This invitation is no longer valid: whoever sent it may no longer add members at its level",
};

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(START);
});
afterEach(() => vi.useRealTimers());

/** Olive owns the private document `doc`; Carl owns group `team`, where Mallory is a member. */
async function world() {
  const t = newTest();
  const u: Record<string, string> = {};
  for (const p of ["olive", "mallory", "carl", "eve", "sam", "vic"]) {
    u[p] = await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p }));
  }
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  const doc = await t.run((ctx) =>
    ctx.db.insert("documents", { title: "priv", body: "secret", ownerId: u.olive as never, visibility: "private" }),
  );
  const { groupId: team } = await as("carl").mutation(api.groups.createGroup, { name: "team" });
  await as("carl").mutation(api.groups.addMember, { groupId: team, userId: u.mallory! });
  await as("mallory").mutation(api.groups.acceptInvite, { groupId: team });
  const read = (p: string) => outcome(as(p).query(api.documents.getSharedDocument, { id: doc }));
  const grants = async () => (await as("olive").query(api.documents.listDocumentGrants, { id: doc, paginationOpts: page })).page;
  const listed = async (p: string) => (await as(p).query(api.documents.listMine, { paginationOpts: page })).page;
  return { t, u, as, doc, team, read, grants, listed };
}

test("a group deleted with ctx.db gives its members nothing: no read, no edit, no listing", async () => {
  const { t, as, doc, team, read, listed } = await world();
  await as("olive").mutation(api.documents.shareDocument, { id: doc, groupId: team, level: "editor" });
  expect(await read("mallory")).toMatchObject({ ok: { accessLevel: "editor" } });
  await t.run((ctx) => ctx.db.delete(team as never));
  // A missing group is no group, as a missing parent is no parent.
  expect(await read("mallory")).toEqual({ ok: null });
  expect(await outcome(as("mallory").mutation(api.documents.updateDocument, { id: doc, body: "pwned" }))).toEqual(DOC_NOT_FOUND);
  expect(await listed("mallory")).toEqual([]);
  expect(await t.run((ctx) => ctx.db.get(doc))).toMatchObject({ body: "secret" });
});

test("a deleted group's grant stays listed and the document's owner can revoke it (not re-share to it)", async () => {
  const { t, as, doc, team, grants } = await world();
  await as("olive").mutation(api.documents.shareDocument, { id: doc, groupId: team, level: "editor" });
  await t.run((ctx) => ctx.db.delete(team as never));
  expect(await grants()).toMatchObject([{ groupId: team, level: "editor" }]);
  // Sharing to a group that no longer exists is still refused.
  expect(await outcome(as("olive").mutation(api.documents.shareDocument, { id: doc, groupId: team, level: "viewer" }))).toEqual(
    UNKNOWN_GROUP,
  );
  expect(await outcome(as("olive").mutation(api.documents.revokeDocument, { id: doc, groupId: team }))).toEqual({
    ok: { revoked: true },
  });
  expect(await grants()).toEqual([]);
  // Nothing left to revoke: the unknown group is unknown again.
  expect(await outcome(as("olive").mutation(api.documents.revokeDocument, { id: doc, groupId: team }))).toEqual(UNKNOWN_GROUP);
});

test("a grant to a deleted user can be revoked; revoking still takes the share level first", async () => {
  const { t, u, as, doc, grants } = await world();
  await as("olive").mutation(api.documents.shareDocument, { id: doc, userId: u.vic!, level: "viewer" });
  await t.run((ctx) => ctx.db.delete(u.vic as never));
  // A viewer of the document (Sam) may not revoke, whatever the target.
  await as("olive").mutation(api.documents.shareDocument, { id: doc, userId: u.sam!, level: "viewer" });
  expect(await outcome(as("sam").mutation(api.documents.revokeDocument, { id: doc, userId: u.vic! }))).toEqual({
    code: "FORBIDDEN",
    message: "Your access level does not allow sharing",
  });
  expect(await outcome(as("olive").mutation(api.documents.revokeDocument, { id: doc, userId: u.vic! }))).toEqual({
    ok: { revoked: true },
  });
  expect((await grants()).map((g) => g.userId)).toEqual([u.sam]);
});

test("an invitation whose sender was removed from the group cannot be accepted", async () => {
  const { u, as, team } = await world();
  await as("carl").mutation(api.groups.addMember, { groupId: team, userId: u.eve!, level: "editor" });
  await as("eve").mutation(api.groups.acceptInvite, { groupId: team });
  await as("eve").mutation(api.groups.addMember, { groupId: team, userId: u.sam!, level: "editor" });
  await as("carl").mutation(api.groups.removeMember, { groupId: team, userId: u.eve! });
  expect(await outcome(as("sam").mutation(api.groups.acceptInvite, { groupId: team }))).toEqual(VOID_INVITATION);
  // Sam is no member: he cannot manage the group, and can still decline.
  expect(await outcome(as("sam").mutation(api.groups.addMember, { groupId: team, userId: u.vic! }))).toEqual({
    code: "NOT_FOUND",
    message: "Group not found",
  });
  expect(await outcome(as("sam").mutation(api.groups.leaveGroup, { groupId: team }))).toEqual({ ok: { left: true } });
});

test("an invitation above what its demoted sender may now give cannot be accepted; one within it can", async () => {
  const { u, as, team } = await world();
  await as("carl").mutation(api.groups.addMember, { groupId: team, userId: u.eve!, level: "editor" });
  await as("eve").mutation(api.groups.acceptInvite, { groupId: team });
  await as("eve").mutation(api.groups.addMember, { groupId: team, userId: u.sam!, level: "editor" });
  await as("eve").mutation(api.groups.addMember, { groupId: team, userId: u.vic!, level: "viewer" });
  // Carl demotes Eve to viewer: below the share level, she may add nobody.
  await as("carl").mutation(api.groups.addMember, { groupId: team, userId: u.eve!, level: "viewer" });
  expect(await outcome(as("sam").mutation(api.groups.acceptInvite, { groupId: team }))).toEqual(VOID_INVITATION);
  expect(await outcome(as("vic").mutation(api.groups.acceptInvite, { groupId: team }))).toEqual(VOID_INVITATION);
  // Re-invited by someone who may (Carl, the owner), Sam accepts.
  await as("carl").mutation(api.groups.addMember, { groupId: team, userId: u.sam!, level: "editor" });
  expect(await outcome(as("sam").mutation(api.groups.acceptInvite, { groupId: team }))).toEqual({ ok: { accepted: true } });
  // Eve promoted back to editor: her invitation to Vic stands behind her again.
  await as("carl").mutation(api.groups.addMember, { groupId: team, userId: u.eve!, level: "editor" });
  expect(await outcome(as("vic").mutation(api.groups.acceptInvite, { groupId: team }))).toEqual({ ok: { accepted: true } });
});

test("an invitation whose sender's user row is gone cannot be accepted; one with no sender recorded can", async () => {
  const { t, u, as, team } = await world();
  await as("carl").mutation(api.groups.addMember, { groupId: team, userId: u.eve!, level: "editor" });
  await as("eve").mutation(api.groups.acceptInvite, { groupId: team });
  await as("eve").mutation(api.groups.addMember, { groupId: team, userId: u.sam! });
  const row = await t.run(async (ctx) =>
    (await ctx.db.query("accessGroupMembers").collect()).find((m) => m.userId === u.sam),
  );
  expect(row).toMatchObject({ invited: true, invitedBy: u.eve });
  await t.run((ctx) => ctx.db.delete(u.eve as never));
  expect(await outcome(as("sam").mutation(api.groups.acceptInvite, { groupId: team }))).toEqual(VOID_INVITATION);
  // Written before the sender was recorded: taken as it was.
  await t.run((ctx) => ctx.db.patch(row!._id, { invitedBy: undefined }));
  expect(await outcome(as("sam").mutation(api.groups.acceptInvite, { groupId: team }))).toEqual({ ok: { accepted: true } });
  const accepted = await t.run((ctx) => ctx.db.get(row!._id));
  expect(accepted).not.toHaveProperty("invitedBy");
  expect(accepted).not.toHaveProperty("invited");
});

test("share refuses an expiry at or before now, and writes nothing", async () => {
  const { t, u, as, doc, read } = await world();
  const past = { code: "INVALID_ARGUMENT", message: "expiresAt must be later than now: a grant or invitation that expires at or before now gives nothing" };
  for (const expiresAt of [1, START - HOUR, START]) {
    expect(await outcome(as("olive").mutation(api.documents.shareDocument, { id: doc, userId: u.vic!, level: "viewer", expiresAt }))).toEqual(past);
  }
  expect(await t.run((ctx) => ctx.db.query("accessGrants").collect())).toEqual([]);
  // A caller who may not share gets the refusal, not the argument error.
  expect(await outcome(as("vic").mutation(api.documents.shareDocument, { id: doc, userId: u.sam!, level: "viewer", expiresAt: 1 }))).toEqual(
    DOC_NOT_FOUND,
  );
  // A time ahead is an expiry (the boundary itself, now + 1 ms, is pinned by the engine's vectors).
  await as("olive").mutation(api.documents.shareDocument, { id: doc, userId: u.vic!, level: "viewer", expiresAt: START + HOUR });
  expect(await read("vic")).toMatchObject({ ok: { accessLevel: "viewer" } });
  vi.setSystemTime(START + HOUR);
  expect(await read("vic")).toEqual({ ok: null });
});
