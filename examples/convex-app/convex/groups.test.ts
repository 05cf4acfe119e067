// Group management: the sharing rules on the caller's own level on the group. Authorised
// callers, then the attacker's side (strangers, low members, anonymous, forged ids).
import { defineGuard } from "convex-guard";
import { expect, test } from "vitest";
import { api } from "./_generated/api";
import { newTest, outcome, type Outcome } from "./test.setup";
import type { Id } from "./_generated/dataModel";
import { guard } from "./guard";

const ISSUER = "https://issuer.example";
const NOT_FOUND: Outcome = { code: "NOT_FOUND", message: "Group not found" };
// Group management applies the sharing rules, with messages of its own.
const MAY_NOT_SHARE: Outcome = { code: "FORBIDDEN", message: "Your level on this group does not allow managing its members" };
const OWNER_LEVEL: Outcome = { code: "FORBIDDEN", message: "The owner level is not given to a group's members" };

/**
 * Olive owns group `team`: Lea is a member at editor, Vic at the default (viewer), each
 * invited by Olive and having accepted.
 */
async function world() {
  const t = newTest();
  const u: Record<string, string> = {};
  for (const p of ["olive", "lea", "vic", "nate", "mallory", "ada"]) {
    u[p] = await t.run((ctx) =>
      ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p, ...(p === "ada" ? { role: "admin" } : {}) }),
    );
  }
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  const { groupId: team } = await as("olive").mutation(api.groups.createGroup, { name: "team" });
  await as("olive").mutation(api.groups.addMember, { groupId: team, userId: u.lea!, level: "editor" });
  await as("olive").mutation(api.groups.addMember, { groupId: team, userId: u.vic! });
  for (const p of ["lea", "vic"]) await as(p).mutation(api.groups.acceptInvite, { groupId: team });
  // The owner level past addMember's validator and addGroupMember's type: the guard's own refusal.
  const add = (who: string, userId: string, level?: "viewer" | "commenter" | "editor" | "owner", groupId: string = team) =>
    level === "owner"
      ? outcome(as(who).run((ctx) => guard.addGroupMember(ctx, groupId as Id<"accessGroups">, userId as Id<"users">, level as never)))
      : outcome(as(who).mutation(api.groups.addMember, { groupId, userId, level }));
  const remove = (who: string, userId: string, groupId: string = team) =>
    outcome(as(who).mutation(api.groups.removeMember, { groupId, userId }));
  const accept = (who: string, groupId: string = team) => outcome(as(who).mutation(api.groups.acceptInvite, { groupId }));
  const leave = (who: string, groupId: string = team) => outcome(as(who).mutation(api.groups.leaveGroup, { groupId }));
  /** `name:level`, `?` after an invitation. */
  const members = (groupId: string = team) =>
    t.run(async (ctx) =>
      (await ctx.db.query("accessGroupMembers").collect())
        .filter((m) => m.groupId === groupId)
        .map((m) => `${Object.entries(u).find(([, id]) => id === m.userId)![0]}:${m.level ?? "-"}${m.invited ? "?" : ""}`)
        .sort(),
    );
  return { t, u, as, team, add, remove, accept, leave, members };
}

test("the creator owns the group; members are added at a level, once", async () => {
  const w = await world();
  expect(await w.members()).toEqual(["lea:editor", "vic:viewer"]);
  const row = await w.t.run((ctx) => ctx.db.get(w.team as never));
  expect(row).toMatchObject({ name: "team", ownerId: w.u.olive });
  expect(await w.add("olive", w.u.vic!)).toEqual({ ok: { added: "member" } }); // idempotent
  expect(await w.members()).toEqual(["lea:editor", "vic:viewer"]);
});

test("adding again without a level keeps the member's or invitation's level (no silent demotion)", async () => {
  const w = await world();
  expect(await w.add("olive", w.u.lea!)).toEqual({ ok: { added: "member" } }); // an "invite" button pressed again
  // An invitation sent again without a level is at the lowest: never the level someone else
  // invited at (whose sender may since have lost the right to give it).
  expect(await w.add("lea", w.u.nate!, "editor")).toEqual({ ok: { added: "invited" } });
  expect(await w.add("olive", w.u.nate!)).toEqual({ ok: { added: "invited" } });
  expect(await w.members()).toEqual(["lea:editor", "nate:viewer?", "vic:viewer"]);
  expect(await w.add("olive", w.u.nate!, "commenter")).toEqual({ ok: { added: "invited" } });
  // Lea still manages at editor: she may invite at her own level.
  expect(await w.add("lea", w.u.mallory!, "editor")).toEqual({ ok: { added: "invited" } });
  // Attacker: a viewer cannot use the omitted level to touch a higher member (what removing
  // them takes is still checked), nor a commenter invitation.
  expect(await w.add("vic", w.u.lea!)).toEqual(MAY_NOT_SHARE);
  expect(await w.add("vic", w.u.nate!)).toEqual(MAY_NOT_SHARE);
  // An explicit level still changes it, and a new member still starts at the lowest.
  expect(await w.add("olive", w.u.lea!, "viewer")).toEqual({ ok: { added: "member" } });
  expect(await w.add("olive", w.u.ada!)).toEqual({ ok: { added: "invited" } });
  expect(await w.members()).toEqual(["ada:viewer?", "lea:viewer", "mallory:editor?", "nate:commenter?", "vic:viewer"]);
});

test("a member at the share level adds and removes members up to their own level", async () => {
  const w = await world();
  expect(await w.add("lea", w.u.nate!, "editor")).toEqual({ ok: { added: "invited" } });
  expect(await w.add("lea", w.u.nate!, "commenter")).toEqual({ ok: { added: "invited" } }); // level changed
  expect(await w.members()).toEqual(["lea:editor", "nate:commenter?", "vic:viewer"]);
  expect(await w.remove("lea", w.u.nate!)).toEqual({ ok: { removed: true } });
  expect(await w.remove("lea", w.u.nate!)).toEqual({ ok: { removed: false } });
  // The group's grants reach whoever a member adds: that is what managing a group means.
  const doc = await w.t.run((ctx) =>
    ctx.db.insert("documents", { title: "d", body: "", ownerId: w.u.olive as never, visibility: "private" }),
  );
  await w.as("olive").mutation(api.documents.shareDocument, { id: doc, groupId: w.team, level: "editor" });
  await w.add("lea", w.u.nate!);
  expect(await w.as("nate").query(api.documents.getSharedDocument, { id: doc })).toBeNull(); // invited only
  expect(await w.accept("nate")).toEqual({ ok: { accepted: true } });
  expect((await w.as("nate").query(api.documents.getSharedDocument, { id: doc }))?.accessLevel).toBe("editor");
});

test("anyone leaves; the owner and admins manage every level below the owner's", async () => {
  const w = await world();
  expect(await w.remove("vic", w.u.vic!)).toEqual({ ok: { removed: true } });
  expect(await w.remove("olive", w.u.lea!)).toEqual({ ok: { removed: true } });
  expect(await w.add("ada", w.u.nate!, "editor")).toEqual({ ok: { added: "member" } }); // admin: a manager, adds directly
  expect(await w.remove("ada", w.u.nate!)).toEqual({ ok: { removed: true } });
  expect(await w.add("olive", w.u.nate!, "owner")).toEqual(OWNER_LEVEL);
  expect(await w.members()).toEqual([]);
});

test("attacker: a stranger learns nothing about a group, real, missing or forged", async () => {
  const w = await world();
  const gone = await w.t.run(async (ctx) => {
    const id = await ctx.db.insert("accessGroups", { name: "gone", ownerId: w.u.mallory });
    await ctx.db.delete(id);
    return id as string;
  });
  for (const groupId of [w.team, gone, "not-a-group", w.u.olive!]) {
    expect(await w.add("mallory", w.u.mallory!, undefined, groupId), groupId).toEqual(NOT_FOUND);
    expect(await w.add("mallory", "not-a-user", undefined, groupId), groupId).toEqual(NOT_FOUND);
    expect(await w.remove("mallory", w.u.lea!, groupId), groupId).toEqual(NOT_FOUND);
    expect(await w.remove("mallory", w.u.mallory!, groupId), groupId).toEqual(NOT_FOUND);
  }
  expect(await w.members()).toEqual(["lea:editor", "vic:viewer"]);
});

test("attacker: a low member cannot add, promote or remove anyone, whatever the target", async () => {
  const w = await world();
  for (const target of [w.u.nate!, w.u.lea!, "not-a-user", w.team]) {
    expect(await w.add("vic", target), target).toEqual(MAY_NOT_SHARE);
    expect(await w.remove("vic", target), target).toEqual(MAY_NOT_SHARE);
  }
  expect(await w.add("vic", w.u.vic!, "editor")).toEqual(MAY_NOT_SHARE); // no self-promotion
  // An editor member cannot rise above their level, nor touch the owner's level.
  expect(await w.add("lea", w.u.lea!, "owner")).toEqual(OWNER_LEVEL);
  expect(await w.add("lea", w.u.nate!, "owner")).toEqual(OWNER_LEVEL);
  expect(await w.members()).toEqual(["lea:editor", "vic:viewer"]);
  // Unknown users are an argument error, only for a caller with the right.
  expect(await w.add("lea", "not-a-user")).toEqual({ code: "INVALID_ARGUMENT", message: "unknown user" });
});

test("changing one's own level takes the sharing rules too: below the share level, only leaving", async () => {
  const w = await world();
  await w.add("olive", w.u.nate!, "commenter");
  await w.accept("nate");
  // Nate, a commenter (below the example's share level, editor), may not lower his own level.
  expect(await w.add("nate", w.u.nate!, "viewer")).toEqual(MAY_NOT_SHARE);
  expect(await w.members()).toEqual(["lea:editor", "nate:commenter", "vic:viewer"]);
  // Lea, at the share level, may: a membership still, no invitation.
  expect(await w.add("lea", w.u.lea!, "viewer")).toEqual({ ok: { added: "member" } });
  expect(await w.members()).toEqual(["lea:viewer", "nate:commenter", "vic:viewer"]);
  // Nate's way out is leaving.
  expect(await w.leave("nate")).toEqual({ ok: { left: true } });
  expect(await w.members()).toEqual(["lea:viewer", "vic:viewer"]);
});

test("attacker: a commenter cannot demote or remove an editor; an editor member can", async () => {
  const w = await world();
  const { groupId: g } = await w.as("olive").mutation(api.groups.createGroup, { name: "g" });
  for (const [who, level] of [["lea", "editor"], ["nate", "editor"], ["vic", "commenter"]] as const) {
    await w.as("olive").mutation(api.groups.addMember, { groupId: g, userId: w.u[who]!, level });
    await w.accept(who, g);
  }
  expect(await w.remove("vic", w.u.nate!, g)).toEqual(MAY_NOT_SHARE);
  expect(await w.add("vic", w.u.nate!, "viewer", g)).toEqual(MAY_NOT_SHARE);
  expect(await w.add("lea", w.u.nate!, "viewer", g)).toEqual({ ok: { added: "member" } }); // stays a member
  expect(await w.add("lea", w.u.vic!, "editor", g)).toEqual({ ok: { added: "member" } });
  expect(await w.remove("vic", w.u.lea!, g)).toEqual({ ok: { removed: true } }); // now an editor
});

test("attacker: anonymous callers must sign in; groups from before owners exist are managers' only", async () => {
  const w = await world();
  expect(await outcome(w.t.mutation(api.groups.createGroup, { name: "x" }))).toEqual({
    code: "UNAUTHENTICATED",
    message: "Authentication required",
  });
  expect(await outcome(w.t.mutation(api.groups.addMember, { groupId: w.team, userId: w.u.nate! }))).toMatchObject({
    code: "UNAUTHENTICATED",
  });
  // A row written before groups had owners (no ownerId, membership without a level).
  const legacy = await w.t.run(async (ctx) => {
    const g = await ctx.db.insert("accessGroups", { name: "legacy" });
    await ctx.db.insert("accessGroupMembers", { groupId: g, userId: w.u.vic! });
    return g as string;
  });
  expect(await w.add("vic", w.u.nate!, undefined, legacy)).toEqual(MAY_NOT_SHARE);
  expect(await w.add("olive", w.u.nate!, undefined, legacy)).toEqual(NOT_FOUND);
  expect(await w.add("ada", w.u.nate!, undefined, legacy)).toEqual({ ok: { added: "member" } });
  expect(await w.remove("vic", w.u.vic!, legacy)).toEqual({ ok: { removed: true } });
});

test("a member of many groups still manages one; a forged owner-level membership gives no level on the group", async () => {
  const w = await world();
  await w.t.run(async (ctx) => {
    for (let i = 0; i < 300; i++) {
      const g = await ctx.db.insert("accessGroups", { name: `g${i}` });
      await ctx.db.insert("accessGroupMembers", { groupId: g, userId: w.u.lea! });
    }
  });
  expect(await w.add("lea", w.u.nate!)).toEqual({ ok: { added: "invited" } });
  const forged = await w.t.run(async (ctx) => {
    const g = await ctx.db.insert("accessGroups", { name: "forged" });
    await ctx.db.insert("accessGroupMembers", { groupId: g, userId: w.u.vic!, level: "owner" });
    return g as string;
  });
  // As a grant stored at the owner level on a document: nothing (it gave the lowest before).
  expect(await w.add("vic", w.u.nate!, undefined, forged)).toEqual(NOT_FOUND);
});

// ------------------------------------------------------------------- consent: invitations

test("attacker: an invitation gives nothing (no access, no say in the group) until accepted", async () => {
  const w = await world();
  const doc = await w.t.run((ctx) =>
    ctx.db.insert("documents", { title: "d", body: "", ownerId: w.u.olive as never, visibility: "private" }),
  );
  await w.as("olive").mutation(api.documents.shareDocument, { id: doc, groupId: w.team, level: "editor" });
  expect(await w.add("olive", w.u.nate!, "editor")).toEqual({ ok: { added: "invited" } });
  expect(await w.as("nate").query(api.documents.getSharedDocument, { id: doc })).toBeNull();
  expect(await w.as("nate").query(api.documents.listMine, { paginationOpts: { numItems: 10, cursor: null } })).toMatchObject({ page: [] });
  // An invitation is not membership: managing the group answers as to a stranger.
  expect(await w.add("nate", w.u.mallory!, "viewer")).toEqual(NOT_FOUND);
  expect(await w.remove("nate", w.u.vic!)).toEqual(NOT_FOUND);
  expect(await w.add("nate", w.u.nate!, "editor")).toEqual(NOT_FOUND); // no self-accepting at another level
  expect(await w.accept("nate")).toEqual({ ok: { accepted: true } });
  expect(await w.accept("nate")).toEqual({ ok: { accepted: false } }); // already a member
  expect((await w.as("nate").query(api.documents.getSharedDocument, { id: doc }))?.accessLevel).toBe("editor");
  expect(await w.members()).toEqual(["lea:editor", "nate:editor", "vic:viewer"]);
});

test("declining and withdrawing: the invitee leaves, a manager removes; strangers learn nothing", async () => {
  const w = await world();
  await w.add("olive", w.u.nate!);
  expect(await w.leave("nate")).toEqual({ ok: { left: true } }); // declined
  expect(await w.accept("nate")).toEqual(NOT_FOUND);
  await w.add("olive", w.u.nate!);
  expect(await w.remove("lea", w.u.nate!)).toEqual({ ok: { removed: true } }); // withdrawn
  expect(await w.members()).toEqual(["lea:editor", "vic:viewer"]);
  for (const groupId of [w.team, "not-a-group", w.u.olive!, ""]) {
    expect(await w.accept("mallory", groupId), groupId).toEqual(NOT_FOUND);
    expect(await w.leave("mallory", groupId), groupId).toEqual(NOT_FOUND);
  }
  expect(await w.leave("olive")).toEqual({ ok: { left: false } }); // the owner, not a member
  expect(await w.leave("vic")).toEqual({ ok: { left: true } });
  expect(await outcome(w.t.mutation(api.groups.acceptInvite, { groupId: w.team }))).toMatchObject({ code: "UNAUTHENTICATED" });
});

test("a user lists their groups and invitations, a page at a time, and sees nobody else's", async () => {
  const w = await world();
  const { groupId: other } = await w.as("mallory").mutation(api.groups.createGroup, { name: "spam" });
  await w.add("mallory", w.u.vic!, "commenter", other);
  const list = (who: string, numItems = 10, cursor: string | null = null) =>
    outcome(w.as(who).query(api.groups.listMyGroups, { paginationOpts: { numItems, cursor } }));
  const all = (await list("vic")) as { ok: { page: unknown[]; isDone: boolean } };
  expect(all.ok.isDone).toBe(true);
  expect(all.ok.page).toEqual(
    expect.arrayContaining([
      { groupId: w.team, name: "team", level: "viewer", invited: false },
      { groupId: other, name: "spam", level: "commenter", invited: true },
    ]),
  );
  expect(all.ok.page).toHaveLength(2);
  const first = (await list("vic", 1)) as { ok: { page: unknown[]; isDone: boolean; continueCursor: string } };
  expect(first.ok.page).toHaveLength(1);
  const second = (await list("vic", 1, first.ok.continueCursor)) as { ok: { page: unknown[] } };
  expect([...first.ok.page, ...second.ok.page]).toEqual(expect.arrayContaining(all.ok.page));
  expect(await list("nate")).toMatchObject({ ok: { page: [], isDone: true } });
  expect(await outcome(w.t.query(api.groups.listMyGroups, { paginationOpts: { numItems: 1, cursor: null } }))).toEqual({
    code: "UNAUTHENTICATED",
    message: "Authentication required",
  });
  const outOfRange = { code: "INVALID_ARGUMENT", message: "numItems must be a whole number from 1 to 100" };
  for (const n of [0, -1, 101, 1.5, Number.NaN]) expect(await list("vic", n), String(n)).toEqual(outOfRange);
  expect(await list("vic", 5, '[0,"garbage"]')).toEqual({ code: "INVALID_ARGUMENT", message: "malformed cursor" });
});

test("joining past 256 groups is refused to the one who joins (or the admin who adds), never in later reads", async () => {
  const w = await world();
  const limit = { code: "INVALID_ARGUMENT", message: "You are already in 256 groups, the most one user may be in: leave one first" };
  // Nate is in 255 groups (rows written directly, as accepted memberships), plus the team.
  await w.t.run(async (ctx) => {
    for (let i = 0; i < 255; i++) {
      const g = await ctx.db.insert("accessGroups", { name: `g${i}` });
      await ctx.db.insert("accessGroupMembers", { groupId: g, userId: w.u.nate! });
    }
  });
  await w.add("olive", w.u.nate!);
  expect(await w.accept("nate")).toEqual({ ok: { accepted: true } }); // the 256th
  const { groupId: more } = await w.as("olive").mutation(api.groups.createGroup, { name: "more" });
  expect(await w.add("olive", w.u.nate!, undefined, more)).toEqual({ ok: { added: "invited" } }); // inviting is free
  expect(await w.accept("nate", more)).toEqual(limit);
  expect(await w.add("ada", w.u.nate!, undefined, more)).toEqual({
    code: "INVALID_ARGUMENT",
    message: "That user is already in 256 groups, the most one user may be in: leave one first",
  });
  expect(await w.add("olive", w.u.olive!, undefined, more)).toEqual({ ok: { added: "member" } }); // Olive has room
  // Nate still reads: the invitation he could not accept is not counted.
  const doc = await w.t.run((ctx) => ctx.db.insert("documents", { title: "p", body: "", ownerId: w.u.olive as never, visibility: "public" }));
  expect((await w.as("nate").query(api.documents.getSharedDocument, { id: doc }))?.accessLevel).toBe("viewer");
  expect(await w.leave("nate")).toEqual({ ok: { left: true } });
  expect(await w.accept("nate", more)).toEqual({ ok: { accepted: true } });
});

test("group names: 1 to 200 characters", async () => {
  const w = await world();
  const create = (name: string) => outcome(w.as("mallory").mutation(api.groups.createGroup, { name }));
  expect(await create("x".repeat(200))).toMatchObject({ ok: { groupId: expect.any(String) } });
  const tooLong = { code: "INVALID_ARGUMENT", message: "a group name is at most 200 characters" };
  expect(await create("x".repeat(201))).toEqual(tooLong);
  expect(await create("x".repeat(500_000))).toEqual(tooLong);
  expect(await create("")).toEqual({ code: "INVALID_ARGUMENT", message: "a group needs a name" });
  // Blank: nothing that shows of its own. An attacker's review got the braille blank, joiners
  // alone and a variation selector alone accepted; a Hangul filler and a mark alone too.
  const blanks = ["   ", "\u3000", "\u00A0\t ", "\u2800", "\u200D\u200D\u200D", "\uFE0F", "\u3164", "\u0301", " \u20DD "];
  for (const blank of blanks) {
    expect(await create(blank)).toEqual({ code: "INVALID_ARGUMENT", message: "a group needs a name" });
  }
});

test("group names: no control, invisible or bidirectional formatting characters (an invitation shows the name)", async () => {
  const w = await world();
  const create = (name: string) => outcome(w.as("mallory").mutation(api.groups.createGroup, { name }));
  const refused = {
    code: "INVALID_ARGUMENT",
    message: "a group name may not hold control, invisible or bidirectional formatting characters",
  };
  // "Admins" with a right-to-left override reads as another name; each kind refused alone too.
  for (const sneaky of [
    "Ad\u202Enimda", "team\u0000", "team\nAdmins", "a\u0085b", "\u200Bteam", "x\u2028y", "\u2066x\u2069", "\uFEFFteam", "a\u007Fb", "\u202Ax",
    // An attacker's review: the bidi marks, the soft hyphen, the word joiner, a Hangul filler, variation selectors, tags.
    "Admins\u200E", "\u200FAdmins", "Ad\u00ADmins", "Ad\u2060mins", "x\u3164", "Admins\uFE00", "Admins\u{E0001}", "Admins\u{E0100}",
    // Another: tags outside a subdivision flag are hidden text ("Admins" and tags spelling ADMIN
    // reads "Admins"), as are a flag's tags without the flag or with capitals.
    "Admins\u{E0041}\u{E0044}\u{E004D}\u{E0049}\u{E004E}", "Admins\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
    "\u{1F3F4}\u{E0041}\u{E0044}\u{E004D}\u{E007F}",
  ]) {
    expect(await create(sneaky)).toEqual(refused);
  }
  // Joiners stay (emoji sequences, Persian), as do accents, CJK and the marks of ordinary text.
  const scotland = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}";
  for (const fine of ["\u{1F468}\u200D\u{1F469}\u200D\u{1F467} family", "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645", "Équipe 東京", "R&D: \"core\" (2026)", "\u2764\uFE0F team", `${scotland} rugby`, scotland, "\u05E6\u05B6\u05D5\u05B6\u05EA", "\u0928\u092E\u0938\u094D\u0924\u0947"]) {
    expect(await create(fine)).toMatchObject({ ok: { groupId: expect.any(String) } });
  }
});

test("the group configuration is checked", () => {
  const message = 'access.groups.managers must be { role: "admin" } or { permission: "groups:manage" }';
  const bad = [
    [{ managers: { role: "root" } }, "access.groups.managers.role: 'root' is not a configured role"],
    [{ managers: { role: "admin", permission: "x" } }, message],
    [{ managers: "admin" }, message],
    [{ managers: { permission: "" } }, message],
  ] as const;
  for (const [groups, error] of bad) {
    const broken = defineGuard({ roles: ["user", "admin"], access: { groups: groups as never } });
    expect(() => broken.validate()).toThrow(error);
  }
  defineGuard({ roles: ["user", "admin"], permissions: { admin: ["groups:manage"] }, access: { groups: { managers: { permission: "groups:manage" } } } }).validate();
});
