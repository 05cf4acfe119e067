// Invitations that expire: `addGroupMember(ctx, group, user, { level, expiresAt })`. The
// expiry is the engine's (checked when sent as a share's is, compared when accepted as a
// grant's is), on the mutation's Date.now() (faked here, never the wall clock). From the
// invitee's side first (what they can no longer do), then the attacker's (rows written around
// the guard, inputs that are no time, a caller who may not invite), then re-sending.
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { guard } from "./guard";
import { newTest, outcome, type Outcome } from "./test.setup";

const ISSUER = "https://issuer.example";
const START = Date.parse("2026-03-01T00:00:00Z");
const HOUR = 3_600_000;
const MAX_TIME_MS = 8.64e15;
const page = { numItems: 50, cursor: null };
const EXPIRED: Outcome = { code: "FORBIDDEN", message: "This invitation has expired: ask whoever sent it for a new one" };
const NOT_A_TIME: Outcome = {
  code: "INVALID_ARGUMENT",
  message: "expiresAt must be a finite number of milliseconds from 0 to 8640000000000000",
};
const PAST: Outcome = {
  code: "INVALID_ARGUMENT",
  message: "expiresAt must be later than now: a grant or invitation that expires at or before now gives nothing",
};
const MEMBER_EXPIRY: Outcome = {
  code: "INVALID_ARGUMENT",
  message:
    "expiresAt is for invitations: this call adds a member directly (oneself, a manager, or one already a member), and a membership does not expire",
};
const NOT_FOUND: Outcome = { code: "NOT_FOUND", message: "Group not found" };
const MAY_NOT_MANAGE: Outcome = { code: "FORBIDDEN", message: "Your level on this group does not allow managing its members" };

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(START);
});
afterEach(() => vi.useRealTimers());

/**
 * Olive owns group `team`, which holds an editor grant on her private document `doc`; Lea is
 * a member at editor, Vic at viewer (both accepted). Ada is an admin (a group manager).
 */
async function world() {
  const t = newTest();
  const u: Record<string, string> = {};
  for (const p of ["olive", "lea", "vic", "nate", "sam", "ada"]) {
    u[p] = await t.run((ctx) =>
      ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p, ...(p === "ada" ? { role: "admin" } : {}) }),
    );
  }
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  const { groupId: team } = await as("olive").mutation(api.groups.createGroup, { name: "team" });
  await as("olive").mutation(api.groups.addMember, { groupId: team, userId: u.lea!, level: "editor" });
  await as("olive").mutation(api.groups.addMember, { groupId: team, userId: u.vic! });
  for (const p of ["lea", "vic"]) await as(p).mutation(api.groups.acceptInvite, { groupId: team });
  const doc = await t.run((ctx) =>
    ctx.db.insert("documents", { title: "plan", body: "secret", ownerId: u.olive as never, visibility: "private" }),
  );
  await as("olive").mutation(api.documents.shareDocument, { id: doc, groupId: team, level: "editor" });
  const invite = (who: string, userId: string, expiresAt?: number, level?: "viewer" | "commenter" | "editor") =>
    outcome(as(who).mutation(api.groups.addMember, { groupId: team, userId, level, expiresAt }));
  const accept = (who: string) => outcome(as(who).mutation(api.groups.acceptInvite, { groupId: team }));
  /** The membership rows of `who` in the team. */
  const rows = (who: string) =>
    t.run(async (ctx) => (await ctx.db.query("accessGroupMembers").collect()).filter((m) => m.groupId === team && m.userId === u[who]));
  const mine = async (who: string) => (await as(who).query(api.groups.listMyGroups, { paginationOpts: page })).page;
  const read = (who: string) => outcome(as(who).query(api.documents.getSharedDocument, { id: doc }));
  /** Every document `who` lists, page after page (a page may be empty before the last). */
  const listed = async (who: string) => {
    const all: unknown[] = [];
    for (let cursor: string | null = null, done = false; !done; ) {
      const r: { page: unknown[]; isDone: boolean; continueCursor: string } = await as(who).query(api.documents.listMine, {
        paginationOpts: { numItems: 50, cursor },
      });
      all.push(...r.page);
      [cursor, done] = [r.continueCursor, r.isDone];
    }
    return all;
  };
  return { t, u, as, team, doc, invite, accept, rows, mine, read, listed };
}

test("an expiring invitation is accepted before its expiresAt, refused at it and after; either way it can be declined", async () => {
  const w = await world();
  for (const p of ["nate", "sam"]) expect(await w.invite("olive", w.u[p]!, START + HOUR, "editor")).toEqual({ ok: { added: "invited" } });
  expect(await w.rows("nate")).toMatchObject([{ invited: true, invitedBy: w.u.olive, level: "editor", expiresAt: START + HOUR }]);
  // One ms before: accepted, and the membership does not expire (its expiry goes with it).
  vi.setSystemTime(START + HOUR - 1);
  expect(await w.accept("nate")).toEqual({ ok: { accepted: true } });
  expect((await w.rows("nate"))[0]).not.toHaveProperty("expiresAt");
  // At the expiry (convex-test may run it a ms later: the exact boundary is the next test's).
  vi.setSystemTime(START + HOUR);
  expect(await w.accept("sam")).toEqual(EXPIRED);
  vi.setSystemTime(START + 100 * HOUR);
  expect(await w.accept("sam")).toEqual(EXPIRED);
  expect(await w.rows("sam")).toMatchObject([{ invited: true, expiresAt: START + HOUR }]); // nothing written
  // Nate stays a member with the group's grant long after the invitation's expiry.
  expect(await w.read("nate")).toMatchObject({ ok: { accessLevel: "editor" } });
  expect(await w.accept("nate")).toEqual({ ok: { accepted: false } });
  // Declining an expired invitation works as for any.
  expect(await outcome(w.as("sam").mutation(api.groups.leaveGroup, { groupId: w.team }))).toEqual({ ok: { left: true } });
  expect(await w.rows("sam")).toEqual([]);
  expect(await w.accept("sam")).toEqual(NOT_FOUND);
});

test("attacker: accepting exactly at expiresAt is refused (live while now < expiresAt); a ms before is accepted", async () => {
  const w = await world();
  await w.invite("olive", w.u.nate!, START + HOUR);
  /** Accepts as Nate in one transaction whose own Date.now() the invitation's expiry is set from. */
  const acceptAt = (offset: number) =>
    outcome(
      w.as("nate").run(async (ctx) => {
        const row = (await ctx.db.query("accessGroupMembers").collect()).find((m) => m.userId === w.u.nate)!;
        await ctx.db.patch(row._id, { expiresAt: Date.now() + offset });
        return await guard.acceptGroupInvite(ctx, w.team as never);
      }),
    );
  expect(await acceptAt(0)).toEqual(EXPIRED);
  expect(await acceptAt(-1)).toEqual(EXPIRED);
  expect(await w.rows("nate")).toMatchObject([{ invited: true, expiresAt: START + HOUR }]); // rolled back
  expect(await acceptAt(1)).toEqual({ ok: true });
  expect((await w.rows("nate"))[0]).not.toHaveProperty("invited");
});

test("attacker: an expired invitation gives nothing: no read, no listing, no say in the group", async () => {
  const w = await world();
  await w.invite("olive", w.u.nate!, START + HOUR, "editor");
  vi.setSystemTime(START + 2 * HOUR);
  expect(await w.accept("nate")).toEqual(EXPIRED);
  expect(await w.read("nate")).toEqual({ ok: null });
  expect(await w.listed("nate")).toEqual([]);
  expect(await outcome(w.as("nate").mutation(api.documents.updateDocument, { id: w.doc, body: "pwned" }))).toMatchObject({ code: "NOT_FOUND" });
  // Not a member: managing the group (or "re-inviting" oneself to refresh it) answers as to a stranger.
  expect(await w.invite("nate", w.u.nate!, START + 10 * HOUR)).toEqual(NOT_FOUND);
  expect(await w.invite("nate", w.u.nate!)).toEqual(NOT_FOUND);
  expect(await w.invite("nate", w.u.sam!)).toEqual(NOT_FOUND);
  // The members' access is unchanged.
  expect(await w.read("vic")).toMatchObject({ ok: { accessLevel: "editor" } });
  expect(await w.listed("lea")).toEqual([{ title: "plan", accessLevel: "editor" }]);
});

test("the expiry is checked whoever sent it: one with no sender recorded, or whose sender still may, expires alike", async () => {
  const w = await world();
  await w.invite("lea", w.u.nate!, START + HOUR);
  await w.invite("olive", w.u.sam!, START + HOUR);
  const [row] = await w.rows("sam");
  await w.t.run((ctx) => ctx.db.patch(row!._id, { invitedBy: undefined }));
  vi.setSystemTime(START + HOUR);
  expect(await w.accept("nate")).toEqual(EXPIRED);
  expect(await w.accept("sam")).toEqual(EXPIRED);
});

test("listMyGroups shows an invitation's expiresAt, expired or not; memberships and invitations without one have none", async () => {
  const w = await world();
  const { groupId: other } = await w.as("lea").mutation(api.groups.createGroup, { name: "other" });
  await w.as("lea").mutation(api.groups.addMember, { groupId: other, userId: w.u.nate! }); // never expires
  await w.invite("olive", w.u.nate!, START + HOUR);
  const expected = [
    { groupId: w.team, name: "team", level: "viewer", invited: true, expiresAt: START + HOUR },
    { groupId: other, name: "other", level: "viewer", invited: true },
  ];
  expect(await w.mine("nate")).toEqual(expect.arrayContaining(expected));
  vi.setSystemTime(START + 2 * HOUR);
  // Still listed after it expired, so it can be declined (or the sender asked for a new one).
  const listed = await w.mine("nate");
  expect(listed).toHaveLength(2);
  expect(listed).toEqual(expect.arrayContaining(expected));
  expect((await w.mine("nate")).find((g) => g.groupId === other)).not.toHaveProperty("expiresAt");
  expect(await w.mine("vic")).toEqual([{ groupId: w.team, name: "team", level: "viewer", invited: false }]);
});

test("sending an expired invitation again makes a fresh one: this call's expiry (none: never), sender and level", async () => {
  const w = await world();
  await w.invite("olive", w.u.nate!, START + HOUR, "editor");
  vi.setSystemTime(START + 2 * HOUR);
  expect(await w.accept("nate")).toEqual(EXPIRED);
  // Lea (an editor) sends it again at viewer, for a day: one row, hers, with the new expiry.
  expect(await w.invite("lea", w.u.nate!, START + 26 * HOUR)).toEqual({ ok: { added: "invited" } });
  const rows = await w.rows("nate");
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ invited: true, invitedBy: w.u.lea, level: "viewer", expiresAt: START + 26 * HOUR });
  // Sent again without an expiry: it never expires.
  await w.invite("olive", w.u.nate!);
  expect((await w.rows("nate"))[0]).not.toHaveProperty("expiresAt");
  vi.setSystemTime(START + 10_000 * HOUR);
  expect(await w.accept("nate")).toEqual({ ok: { accepted: true } });
  expect(await w.read("nate")).toMatchObject({ ok: { accessLevel: "editor" } });
});

test("a pending invitation sent again with an expiry gets it; rows from before expiries (none) never expire", async () => {
  const w = await world();
  await w.invite("olive", w.u.nate!);
  await w.invite("olive", w.u.sam!);
  await w.invite("olive", w.u.nate!, START + HOUR);
  expect(await w.rows("nate")).toMatchObject([{ invited: true, expiresAt: START + HOUR }]);
  vi.setSystemTime(START + HOUR);
  expect(await w.accept("nate")).toEqual(EXPIRED);
  vi.setSystemTime(START + 100_000 * HOUR);
  expect(await w.accept("sam")).toEqual({ ok: { accepted: true } });
});

test("an expiresAt that is no time, or not later than now, is refused before anything is written", async () => {
  const w = await world();
  for (const expiresAt of [Number.NaN, -1, -Infinity, Infinity, MAX_TIME_MS + 1, 1e300]) {
    expect(await w.invite("olive", w.u.nate!, expiresAt), String(expiresAt)).toEqual(NOT_A_TIME);
  }
  for (const expiresAt of [0, 1, START - HOUR]) {
    expect(await w.invite("olive", w.u.nate!, expiresAt), String(expiresAt)).toEqual(PAST);
  }
  /** Invites Nate as Olive, `expiresAt` made from the transaction's own Date.now(). */
  const inviteAt = (expiresAt: (now: number) => unknown) =>
    outcome(w.as("olive").run((ctx) => guard.addGroupMember(ctx, w.team as never, w.u.nate as never, { expiresAt: expiresAt(Date.now()) as never })));
  // Now itself, or half a ms before it: dead on arrival.
  expect(await inviteAt((now) => now)).toEqual(PAST);
  expect(await inviteAt((now) => now - 0.5)).toEqual(PAST);
  // Not a number at all (past the app's validator): refused as NaN is.
  for (const expiresAt of ["tomorrow", String(START + HOUR), null, { valueOf: () => START + HOUR }]) {
    expect(await inviteAt(() => expiresAt), String(expiresAt)).toEqual(NOT_A_TIME);
  }
  expect(await w.rows("nate")).toEqual([]);
  // Whole or not, as a share's: any time after now, up to the largest, is an expiry.
  expect(await inviteAt((now) => now + 0.5)).toEqual({ ok: "invited" });
  expect((await w.rows("nate"))[0]!.expiresAt! % 1).toBe(0.5);
  expect(await w.invite("olive", w.u.sam!, MAX_TIME_MS)).toEqual({ ok: { added: "invited" } });
  expect(await w.rows("sam")).toMatchObject([{ expiresAt: MAX_TIME_MS }]);
});

test("attacker: a caller who may not invite gets the sharing refusal (or NOT_FOUND), never the expiry's error", async () => {
  const w = await world();
  for (const expiresAt of [Number.NaN, Infinity, 1, START + HOUR]) {
    expect(await w.invite("vic", w.u.nate!, expiresAt), `viewer ${expiresAt}`).toEqual(MAY_NOT_MANAGE);
    expect(await w.invite("nate", w.u.sam!, expiresAt), `stranger ${expiresAt}`).toEqual(NOT_FOUND);
  }
  expect(await w.rows("nate")).toEqual([]);
  expect(await w.rows("sam")).toEqual([]);
});

test("an expiry where the call makes no invitation is refused: a manager, oneself, a member already", async () => {
  const w = await world();
  const until = START + HOUR;
  // Ada (an admin, access.groups.managers) adds directly: a membership, which would not expire.
  expect(await w.invite("ada", w.u.nate!, until)).toEqual(MEMBER_EXPIRY);
  expect(await w.rows("nate")).toEqual([]);
  // Olive (the owner) adding herself; Lea changing her own level; Vic promoted by Olive.
  expect(await w.invite("olive", w.u.olive!, until)).toEqual(MEMBER_EXPIRY);
  expect(await w.invite("lea", w.u.lea!, until, "viewer")).toEqual(MEMBER_EXPIRY);
  expect(await w.invite("olive", w.u.vic!, until, "editor")).toEqual(MEMBER_EXPIRY);
  expect((await w.rows("lea"))[0]).toMatchObject({ level: "editor" });
  expect((await w.rows("vic"))[0]).toMatchObject({ level: "viewer" });
  expect(await w.rows("olive")).toEqual([]);
  // Without one, each works as before.
  expect(await w.invite("ada", w.u.nate!)).toEqual({ ok: { added: "member" } });
  expect(await w.invite("olive", w.u.vic!, undefined, "editor")).toEqual({ ok: { added: "member" } });
});

test("attacker: a forged invitation whose expiresAt is no time fails closed: never accepted", async () => {
  const w = await world();
  await w.invite("olive", w.u.nate!);
  const [row] = await w.rows("nate");
  // Written around the guard (v.number() admits these): an expiry that is no time gives
  // nothing, as on a grant, so the invitation is as good as expired (1e300 is no "never").
  for (const expiresAt of [Number.NaN, -1, -Infinity, 1e300]) {
    await w.t.run((ctx) => ctx.db.patch(row!._id, { expiresAt }));
    expect(await w.accept("nate"), String(expiresAt)).toEqual(EXPIRED);
  }
  expect(await w.rows("nate")).toMatchObject([{ invited: true }]);
  expect(await w.read("nate")).toEqual({ ok: null });
  // An Infinity stored is "never", as for a grant: accepted.
  await w.t.run((ctx) => ctx.db.patch(row!._id, { expiresAt: Infinity }));
  expect(await w.accept("nate")).toEqual({ ok: { accepted: true } });
});
