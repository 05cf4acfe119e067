// A group's members page and its rename (a new user's review: a SaaS "Members" page and
// "Rename organization" had no guard call, so apps read accessGroupMembers and patched
// accessGroups by hand). Who may call each is the engine's decision on the caller's level on
// the group, as for every group call. Authorised callers, then the attacker's side.
import { expect, test } from "vitest";
import { api } from "./_generated/api";
import { guard } from "./guard";
import { newTest, outcome, type Outcome } from "./test.setup";

const ISSUER = "https://issuer.example";
const NOT_FOUND: Outcome = { code: "NOT_FOUND", message: "Group not found" };
const OWNER_ONLY: Outcome = { code: "FORBIDDEN", message: "Access level 'owner' or higher required" };
const page = (numItems: number, cursor: string | null = null) => ({ numItems, cursor });
type Listed = { page: { userId: string; level: string | null; invited: boolean; expiresAt?: number }[]; isDone: boolean; continueCursor: string };

/**
 * Olive owns `team` (not a member): Lea is a member at editor (she may manage members), Vic at
 * viewer; Nate is invited (not accepted, with an expiry), Mallory a stranger, Ada an admin.
 */
async function world() {
  const t = newTest();
  const u: Record<string, string> = {};
  for (const p of ["olive", "lea", "vic", "nate", "mallory", "ada"]) {
    u[p] = await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p, ...(p === "ada" ? { role: "admin" } : {}) }));
  }
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  const { groupId: team } = await as("olive").mutation(api.groups.createGroup, { name: "team" });
  await as("olive").mutation(api.groups.addMember, { groupId: team, userId: u.lea!, level: "editor" });
  await as("olive").mutation(api.groups.addMember, { groupId: team, userId: u.vic! });
  for (const p of ["lea", "vic"]) await as(p).mutation(api.groups.acceptInvite, { groupId: team });
  const expiresAt = Date.now() + 86_400_000;
  await as("lea").mutation(api.groups.addMember, { groupId: team, userId: u.nate!, expiresAt });
  const name = (id: string) => Object.entries(u).find(([, x]) => x === id)![0];
  /** `name:level`, `?` after an invitation, as `who` lists them (or the refusal). */
  const members = async (who: string | null, groupId: string = team, paginationOpts = page(100)) => {
    const caller = who === null ? t : as(who);
    const r = await outcome(caller.query(api.groups.listMembers, { groupId, paginationOpts }));
    if (!("ok" in r)) return r;
    return (r.ok as Listed).page.map((m) => `${name(m.userId)}:${m.level}${m.invited ? "?" : ""}`).sort();
  };
  const rename = (who: string | null, name: string, groupId: string = team) =>
    outcome((who === null ? t : as(who)).mutation(api.groups.renameGroup, { groupId, name }));
  const groupName = () => t.run(async (ctx) => (await ctx.db.get(team as never) as { name: string } | null)?.name);
  return { t, u, as, team, expiresAt, members, rename, groupName };
}

test("a group's members are listed to its owner, managers and members; invitations only to who may manage members", async () => {
  const w = await world();
  const all = ["lea:editor", "nate:viewer?", "vic:viewer"];
  expect(await w.members("olive")).toEqual(all); // the owner (not a member)
  expect(await w.members("lea")).toEqual(all); // a member who may invite and withdraw
  expect(await w.members("ada")).toEqual(all); // an admin (access.groups.managers)
  // A viewer sees the members, not who was invited (that user has not agreed to join).
  expect(await w.members("vic")).toEqual(["lea:editor", "vic:viewer"]);
  // The invitation carries its expiry; a membership has none.
  const r = (await w.as("lea").query(api.groups.listMembers, { groupId: w.team, paginationOpts: page(100) })) as Listed;
  expect(r.page.find((m) => m.userId === w.u.nate)).toEqual({ userId: w.u.nate, level: "viewer", invited: true, expiresAt: w.expiresAt });
  expect(r.page.find((m) => m.userId === w.u.vic)).toEqual({ userId: w.u.vic, level: "viewer", invited: false });
  expect(r.isDone).toBe(true);
  // Once Nate accepts, everyone sees him; once Olive joins, she is listed too.
  await w.as("nate").mutation(api.groups.acceptInvite, { groupId: w.team });
  await w.as("olive").mutation(api.groups.addMember, { groupId: w.team, userId: w.u.olive!, level: "editor" });
  expect(await w.members("vic")).toEqual(["lea:editor", "nate:viewer", "olive:editor", "vic:viewer"]);
});

test("members are paged with full pages, invitations left out of a viewer's pages in the query itself", async () => {
  const w = await world();
  // Two more invitations, so a viewer's pages would come short (or empty) if filtered afterwards.
  for (const p of ["mallory", "ada"]) await w.as("olive").mutation(api.groups.addMember, { groupId: w.team, userId: w.u[p]! });
  for (const [who, expected] of [["vic", 2], ["olive", 5]] as const) {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let calls = 0; calls < 10; calls++) {
      const r: Listed = await w.as(who).query(api.groups.listMembers, { groupId: w.team, paginationOpts: page(1, cursor) });
      seen.push(...r.page.map((m) => m.userId));
      if (r.isDone) break;
      expect(r.page).toHaveLength(1);
      cursor = r.continueCursor;
    }
    expect(new Set(seen).size).toBe(expected);
    expect(seen).toHaveLength(expected);
  }
});

test("attacker: strangers, invitees, the signed-out and forged ids get NOT_FOUND; forged pages INVALID_ARGUMENT", async () => {
  const w = await world();
  expect(await w.members("mallory")).toEqual(NOT_FOUND);
  expect(await w.members("nate")).toEqual(NOT_FOUND); // invited, not accepted: nothing yet
  expect(await w.members(null)).toEqual(NOT_FOUND);
  // A malformed id, another table's id, and a deleted group: the same answer, nothing told.
  for (const groupId of ["nope", w.u.lea!, ""]) expect(await w.members("lea", groupId)).toEqual(NOT_FOUND);
  await w.t.run((ctx) => ctx.db.delete(w.team as never));
  expect(await w.members("olive")).toEqual(NOT_FOUND);
  const v = await world();
  // A page size out of 1..100 or a forged cursor: checked first, as in every listing.
  for (const numItems of [0, 101, 1.5]) {
    expect(await v.members("lea", v.team, page(numItems))).toEqual({ code: "INVALID_ARGUMENT", message: "numItems must be a whole number from 1 to 100" });
  }
  for (const cursor of ['[0,"garbage"]', "{not json", "x".repeat(200)]) {
    expect(await v.members("lea", v.team, page(5, cursor))).toEqual({ code: "INVALID_ARGUMENT", message: "malformed cursor" });
  }
  // A cursor that is no string is refused before anything is read; one that is, by the
  // database, after the access decision: a stranger's forged cursor gets NOT_FOUND.
  const direct = v.as("mallory").run((ctx) => guard.listGroupMembers(ctx, v.team as never, { paginationOpts: page(5, 7 as never) }));
  expect(await outcome(direct)).toEqual({ code: "INVALID_ARGUMENT", message: "malformed cursor" });
  expect(await v.members("mallory", v.team, page(5, "{not json"))).toEqual(NOT_FOUND);
});

test("a group is renamed by its owner and admins, under createGroup's name rule", async () => {
  const w = await world();
  expect(await w.rename("olive", "Platform team")).toEqual({ ok: { renamed: true } });
  expect(await w.groupName()).toBe("Platform team");
  expect(await w.rename("ada", "Ops")).toEqual({ ok: { renamed: true } });
  expect(await w.groupName()).toBe("Ops");
  // Members see the new name in their own list.
  const mine = (await w.as("vic").query(api.groups.listMyGroups, { paginationOpts: page(10) })) as { page: { name: string | null }[] };
  expect(mine.page.map((g) => g.name)).toEqual(["Ops"]);
  // 200 UTF-16 units is the most, as for createGroup.
  expect(await w.rename("olive", "a".repeat(200))).toEqual({ ok: { renamed: true } });
});

test("attacker: members, strangers, invitees and the signed-out cannot rename; bad names are refused before anything is read", async () => {
  const w = await world();
  expect(await w.rename("lea", "Lea's team")).toEqual(OWNER_ONLY); // an editor who manages members: not the owner
  expect(await w.rename("vic", "Vic's team")).toEqual(OWNER_ONLY);
  expect(await w.rename("mallory", "pwned")).toEqual(NOT_FOUND);
  expect(await w.rename("nate", "pwned")).toEqual(NOT_FOUND); // invited, not accepted
  expect(await w.rename(null, "pwned")).toMatchObject({ code: "UNAUTHENTICATED" });
  for (const groupId of ["nope", w.u.olive!]) expect(await w.rename("olive", "x", groupId)).toEqual(NOT_FOUND);
  // The name rule of createGroup, for the owner too.
  const refused = {
    "": "a group needs a name",
    "   ": "a group needs a name",
    ["a".repeat(201)]: "a group name is at most 200 characters",
    "Admins\u202Egnp.exe": "a group name may not hold control, invisible or bidirectional formatting characters",
    "\u0301accent": "a group name may not start with a combining mark or a joiner, which would attach to the text before it: start it with a letter, digit or symbol",
  };
  for (const [name, message] of Object.entries(refused)) {
    expect(await w.rename("olive", name)).toEqual({ code: "INVALID_ARGUMENT", message });
  }
  expect(await w.groupName()).toBe("team");
});
