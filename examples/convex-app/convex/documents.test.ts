import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { HOUR, type GroupId } from "convex-guard";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { guard } from "./guard";
import { newTest, outcome, type Outcome } from "./test.setup";

const ISSUER = "https://issuer.example";
const T0 = Date.UTC(2026, 0, 1);
const NOT_FOUND: Outcome = { code: "NOT_FOUND", message: "Document not found" };
const UNAUTH: Outcome = { code: "UNAUTHENTICATED", message: "Authentication required" };
const NEEDS_EDITOR: Outcome = { code: "FORBIDDEN", message: "Access level 'editor' or higher required" };

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

type World = Awaited<ReturnType<typeof world>>;

/**
 * Olive owns everything. `priv` is private with grants to Vic (viewer), Eddie (editor), Exp
 * (editor, expiring after an hour), Rev (viewer, then revoked) and the group eng (commenter,
 * Gina is a member). `pub` is public. `inFolder` sits in a private folder Fred holds editor on.
 * `inCycle` sits in folder c1, whose parent is c2, whose parent is c1.
 */
async function world() {
  const t = newTest();
  const people = ["olive", "vic", "eddie", "exp", "rev", "gina", "nate", "fred"] as const;
  const user: Record<string, Id<"users">> = {};
  for (const p of people) {
    user[p] = await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p }));
  }
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  const ids = await t.run(async (ctx) => {
    const ownerId = user.olive!;
    const doc = (title: string, visibility: "public" | "private", folderId?: string) =>
      ctx.db.insert("documents", { title, body: "", ownerId, visibility, folderId: folderId as never });
    const folder = await ctx.db.insert("folders", { name: "f", ownerId, visibility: "private" });
    const c1 = await ctx.db.insert("folders", { name: "c1", ownerId, visibility: "public" });
    const c2 = await ctx.db.insert("folders", { name: "c2", ownerId, visibility: "public", parentId: c1 });
    await ctx.db.patch(c1, { parentId: c2 });
    const gone = await doc("gone", "public");
    await ctx.db.delete(gone);
    return {
      priv: await doc("priv", "private"),
      pub: await doc("pub", "public"),
      inFolder: await doc("inFolder", "private", folder),
      inCycle: await doc("inCycle", "public", c1),
      folder,
      missing: gone,
      otherTable: user.nate!,
      malformed: "not-an-id",
    } as Record<string, string>;
  });
  const olive = as("olive");
  const { groupId: eng } = await olive.mutation(api.groups.createGroup, { name: "eng" });
  await olive.mutation(api.groups.addMember, { groupId: eng, userId: user.gina! });
  await olive.mutation(api.groups.addMember, { groupId: eng, userId: user.gina! }); // idempotent
  await as("gina").mutation(api.groups.acceptInvite, { groupId: eng }); // membership takes consent
  ids.eng = eng;
  const share = (id: string, to: { userId: string } | { groupId: string }, level: "viewer" | "commenter" | "editor", expiresAt?: number) =>
    olive.mutation(api.documents.shareDocument, { id, ...to, level, expiresAt });
  await share(ids.priv!, { userId: user.vic! }, "viewer");
  await share(ids.priv!, { userId: user.eddie! }, "editor");
  await share(ids.priv!, { userId: user.exp! }, "editor", T0 + HOUR);
  await share(ids.priv!, { userId: user.rev! }, "viewer");
  await share(ids.priv!, { groupId: ids.eng! }, "commenter");
  // Folders are shared the same way, through the guard (the example exposes documents only).
  await t.run(async (ctx) => {
    await ctx.db.insert("accessGrants", { table: "folders", doc: ids.folder!, userId: user.fred!, level: "editor" });
  });
  expect(await olive.mutation(api.documents.revokeDocument, { id: ids.priv!, userId: user.rev! })).toEqual({ revoked: true });
  vi.advanceTimersByTime(2 * HOUR); // Exp's grant has expired
  return { t, as, user, ids };
}

const TARGETS = ["priv", "pub", "inFolder", "inCycle", "missing", "otherTable", "malformed"] as const;
type Level = "viewer" | "commenter" | "editor" | "owner" | null;

/** The exact level every caller has on every target. */
const LEVELS: Record<string, Record<(typeof TARGETS)[number], Level>> = {
  anonymous: { priv: null, pub: "viewer", inFolder: null, inCycle: null, missing: null, otherTable: null, malformed: null },
  // A parent cycle denies even the owner: the hierarchy is corrupt, the guard will not guess.
  olive: { priv: "owner", pub: "owner", inFolder: "owner", inCycle: null, missing: null, otherTable: null, malformed: null },
  vic: { priv: "viewer", pub: "viewer", inFolder: null, inCycle: null, missing: null, otherTable: null, malformed: null },
  eddie: { priv: "editor", pub: "viewer", inFolder: null, inCycle: null, missing: null, otherTable: null, malformed: null },
  exp: { priv: null, pub: "viewer", inFolder: null, inCycle: null, missing: null, otherTable: null, malformed: null },
  rev: { priv: null, pub: "viewer", inFolder: null, inCycle: null, missing: null, otherTable: null, malformed: null },
  gina: { priv: "commenter", pub: "viewer", inFolder: null, inCycle: null, missing: null, otherTable: null, malformed: null },
  nate: { priv: null, pub: "viewer", inFolder: null, inCycle: null, missing: null, otherTable: null, malformed: null },
  fred: { priv: null, pub: "viewer", inFolder: "editor", inCycle: null, missing: null, otherTable: null, malformed: null },
};
const RANK = { viewer: 1, commenter: 2, editor: 3, owner: 4 } as const;

/** What each function must answer, written out from the level. */
function expected(caller: string, target: string, level: Level) {
  return {
    getSharedDocument: { ok: level && { title: target, body: "", accessLevel: level } },
    getSensitiveItem: { ok: level === "owner" ? { title: target, body: "" } : null },
    updateDocument:
      caller === "anonymous"
        ? UNAUTH
        : level === null
          ? NOT_FOUND
          : RANK[level] < RANK.editor
            ? NEEDS_EDITOR
            : { ok: { updated: target } },
  };
}

async function call(w: World, caller: string, target: string) {
  const who = caller === "anonymous" ? w.t : w.as(caller);
  const id = w.ids[target]!;
  return {
    getSharedDocument: await outcome(who.query(api.documents.getSharedDocument, { id })),
    getSensitiveItem: await outcome(who.query(api.documents.getSensitiveItem, { id })),
    updateDocument: await outcome(who.mutation(api.documents.updateDocument, { id, body: "" })),
  };
}

describe("every caller against every document", () => {
  for (const caller of Object.keys(LEVELS)) {
    test(caller, async () => {
      const w = await world();
      for (const target of TARGETS) {
        const got = await call(w, caller, target);
        expect(got, `${caller} -> ${target}`).toEqual(expected(caller, target, LEVELS[caller]![target]));
      }
    });
  }
});

describe("existence never leaks", () => {
  test("forbidden, missing, other-table and malformed ids get the same null and the same error data", async () => {
    const w = await world();
    const nate = w.as("nate");
    const errorData = async (id: string) => {
      try {
        await nate.mutation(api.documents.updateDocument, { id, body: "x" });
      } catch (e) {
        return (e as { data?: unknown }).data;
      }
      throw new Error("expected a denial");
    };
    const answers = [];
    for (const target of ["priv", "inFolder", "inCycle", "missing", "otherTable", "malformed"]) {
      const id = w.ids[target]!;
      answers.push({
        shared: await nate.query(api.documents.getSharedDocument, { id }),
        sensitive: await nate.query(api.documents.getSensitiveItem, { id }),
        update: await errorData(id),
        share: (await outcome(nate.mutation(api.documents.shareDocument, { id, userId: w.user.vic!, level: "viewer" }))),
        transfer: await outcome(nate.mutation(api.documents.transferDocument, { id, newOwnerId: w.user.nate! })),
      });
    }
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]).toEqual({ shared: null, sensitive: null, update: NOT_FOUND, share: NOT_FOUND, transfer: NOT_FOUND });
  });

  test("the rule that gave access is never in a client-facing error", async () => {
    const w = await world();
    const denied = await outcome(w.as("gina").mutation(api.documents.updateDocument, { id: w.ids.priv!, body: "x" }));
    expect(denied).toEqual(NEEDS_EDITOR);
    expect(JSON.stringify(denied)).not.toMatch(/group|direct|inherited|public|owner/);
  });
});

describe("sharing", () => {
  const grantsOn = (w: World, doc: string) =>
    w.t.run((ctx) => ctx.db.query("accessGrants").withIndex("by_doc_and_user", (q) => q.eq("doc", doc)).collect());

  test("an editor shares at or below their level; re-sharing replaces the grant", async () => {
    const w = await world();
    const { priv } = w.ids;
    const eddie = w.as("eddie");
    const nate = w.user.nate!;
    expect(await outcome(w.as("nate").query(api.documents.getSharedDocument, { id: priv! }))).toEqual({ ok: null });
    expect(await outcome(eddie.mutation(api.documents.shareDocument, { id: priv!, userId: nate, level: "viewer" }))).toEqual({ ok: { shared: "viewer" } });
    expect((await w.as("nate").query(api.documents.getSharedDocument, { id: priv! }))?.accessLevel).toBe("viewer");
    await eddie.mutation(api.documents.shareDocument, { id: priv!, userId: nate, level: "editor" });
    expect((await w.as("nate").query(api.documents.getSharedDocument, { id: priv! }))?.accessLevel).toBe("editor");
    const rows = (await grantsOn(w, priv!)).filter((g) => g.userId === nate);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ level: "editor", grantedBy: w.user.eddie, table: "documents" });
  });

  test("the sharing rules, decided by the engine", async () => {
    const w = await world();
    const id = w.ids.priv!;
    const to = w.user.nate!;
    const share = (who: string, level: "viewer" | "commenter" | "editor" | "owner") =>
      level === "owner"
        ? // share's type (and shareDocument's validator) leave the owner level out: past both, it is refused at run time
          outcome(w.as(who).run((ctx) => guard.share(ctx, "documents", id, { userId: to, level: level as never })))
        : outcome(w.as(who).mutation(api.documents.shareDocument, { id, userId: to, level }));
    const denied = (message: string): Outcome => ({ code: "FORBIDDEN", message });
    expect(await share("vic", "viewer")).toEqual(denied("Your access level does not allow sharing"));
    expect(await share("gina", "viewer")).toEqual(denied("Your access level does not allow sharing"));
    expect(await share("olive", "owner")).toEqual(denied("The owner level is given only by transferring ownership"));
    expect(await share("eddie", "owner")).toEqual(denied("The owner level is given only by transferring ownership"));
    expect(await outcome(w.t.mutation(api.documents.shareDocument, { id, userId: to, level: "viewer" }))).toEqual(UNAUTH);
    // Bad input is an argument error, never a grant.
    const bad = (args: object) => outcome(w.as("olive").mutation(api.documents.shareDocument, { id, level: "viewer", ...args }));
    expect(await bad({ userId: w.ids.pub })).toEqual({ code: "INVALID_ARGUMENT", message: "unknown user" });
    expect(await bad({ groupId: w.user.vic })).toEqual({ code: "INVALID_ARGUMENT", message: "unknown group" });
    expect(await bad({})).toEqual({ code: "INVALID_ARGUMENT", message: "give exactly one of userId and groupId" });
    expect((await bad({ userId: to, expiresAt: -1 })) as { code: string }).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect((await bad({ userId: to, expiresAt: NaN })) as { code: string }).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect((await grantsOn(w, id)).some((g) => g.userId === to)).toBe(false);
  });

  test("an editor cannot grant above their level under a lower share level", () => {
    expect(guard.canShare("commenter", "editor")).toEqual({ ok: false, reason: "below_share_level" });
    expect(guard.canShare("editor", "editor")).toEqual({ ok: true });
  });

  test("revoke: takes what granting took; the grant is gone", async () => {
    const w = await world();
    const id = w.ids.priv!;
    expect(await outcome(w.as("vic").mutation(api.documents.revokeDocument, { id, userId: w.user.eddie! }))).toEqual({
      code: "FORBIDDEN",
      message: "Your access level does not allow sharing",
    });
    expect(await w.as("eddie").mutation(api.documents.revokeDocument, { id, userId: w.user.vic! })).toEqual({ revoked: true });
    expect(await w.as("vic").query(api.documents.getSharedDocument, { id })).toBeNull();
    expect(await w.as("eddie").mutation(api.documents.revokeDocument, { id, userId: w.user.vic! })).toEqual({ revoked: false });
    expect(await w.as("olive").mutation(api.documents.revokeDocument, { id, groupId: w.ids.eng! })).toEqual({ revoked: true });
    expect(await w.as("gina").query(api.documents.getSharedDocument, { id })).toBeNull();
  });

  test("removeFromDocument: a sharer's grant and every grant they made go, the others stay", async () => {
    // newuser29: grants are not chained, so removing someone leaves whom they invited (docs/access.md).
    const w = await world();
    const id = w.ids.priv!;
    const eddie = w.as("eddie");
    const { groupId: ops } = await eddie.mutation(api.groups.createGroup, { name: "ops" });
    await eddie.mutation(api.documents.shareDocument, { id, userId: w.user.nate!, level: "viewer" });
    await eddie.mutation(api.documents.shareDocument, { id, userId: w.user.fred!, level: "commenter" });
    await eddie.mutation(api.documents.shareDocument, { id, groupId: ops, level: "viewer" });
    const holders = async () => (await grantsOn(w, id)).map((g) => g.userId ?? g.groupId).sort();
    const before = await holders();
    // The attacker's side: a viewer may not share, so may not remove; an anonymous caller neither. Nothing goes.
    expect(await outcome(w.as("vic").mutation(api.documents.removeFromDocument, { id, userId: w.user.eddie! }))).toEqual({ code: "FORBIDDEN", message: "Your access level does not allow sharing" });
    expect(await outcome(w.t.mutation(api.documents.removeFromDocument, { id, userId: w.user.eddie! }))).toEqual(UNAUTH);
    expect(await holders()).toEqual(before);
    expect(await w.as("olive").mutation(api.documents.removeFromDocument, { id, userId: w.user.eddie! })).toEqual({ revoked: 4 });
    const gone = [w.user.eddie!, w.user.nate!, w.user.fred!, ops];
    expect(await holders()).toEqual(before.filter((h) => !gone.includes(h as never)));
    for (const p of ["eddie", "nate", "fred"]) expect(await w.as(p).query(api.documents.getSharedDocument, { id })).toBeNull();
    // Olive's own grants stay: vic's and the eng group's (gina reads through it).
    expect(await w.as("vic").query(api.documents.getSharedDocument, { id })).toMatchObject({ accessLevel: "viewer" });
    expect(await w.as("gina").query(api.documents.getSharedDocument, { id })).toMatchObject({ accessLevel: "commenter" });
    // Again: nothing left to take.
    expect(await w.as("olive").mutation(api.documents.removeFromDocument, { id, userId: w.user.eddie! })).toEqual({ revoked: 0 });
  });

  test("removeFromDocument: the caller's own grant stays, though the removed user made it", async () => {
    // attack37 F1: the recipe revoked the caller's own grant too (and with it their right to revoke
    // the rest: NOT_FOUND, nothing removed; or, revoked last, the caller silently lost access).
    const w = await world();
    const id = w.ids.priv!;
    const eddie = w.as("eddie");
    await eddie.mutation(api.documents.shareDocument, { id, userId: w.user.nate!, level: "viewer" });
    await eddie.mutation(api.documents.shareDocument, { id, userId: w.user.fred!, level: "editor" });
    await eddie.mutation(api.documents.shareDocument, { id, userId: w.user.rev!, level: "viewer" });
    expect(await w.as("fred").mutation(api.documents.removeFromDocument, { id, userId: w.user.eddie! })).toEqual({ revoked: 3 });
    expect(await w.as("fred").query(api.documents.getSharedDocument, { id })).toMatchObject({ accessLevel: "editor" });
    for (const p of ["eddie", "nate", "rev"]) expect(await w.as(p).query(api.documents.getSharedDocument, { id }), p).toBeNull();
  });

  test("leave: a grantee gives up their own grant at any level, and only their own", async () => {
    // A new user's review: a viewer could not leave a document shared with them.
    const w = await world();
    const id = w.ids.priv!;
    // Not someone else's, nor their group's: that still takes the share level.
    const mayNotShare = { code: "FORBIDDEN", message: "Your access level does not allow sharing" };
    expect(await outcome(w.as("gina").mutation(api.documents.revokeDocument, { id, groupId: w.ids.eng! }))).toEqual(mayNotShare);
    expect(await outcome(w.as("vic").mutation(api.documents.revokeDocument, { id, userId: w.user.vic!, groupId: w.ids.eng! }))).toMatchObject({ code: "FORBIDDEN" });
    // Their own: gone, and with it their access.
    expect(await w.as("vic").mutation(api.documents.revokeDocument, { id, userId: w.user.vic! })).toEqual({ revoked: true });
    expect(await w.as("vic").query(api.documents.getSharedDocument, { id })).toBeNull();
    // Now they cannot see it: the same NOT_FOUND as any stranger's.
    expect(await outcome(w.as("vic").mutation(api.documents.revokeDocument, { id, userId: w.user.vic! }))).toEqual({ code: "NOT_FOUND", message: "Document not found" });
    // A member through a group holds no grant of their own to give up; the group's stays.
    expect(await w.as("gina").mutation(api.documents.revokeDocument, { id, userId: w.user.gina! })).toEqual({ revoked: false });
    expect(await w.as("gina").query(api.documents.getSharedDocument, { id })).not.toBeNull();
    // Nobody else's grant moved.
    expect(await w.as("eddie").query(api.documents.getSharedDocument, { id })).not.toBeNull();
  });

  test("leave: a target read twice cannot pass as the caller's own, then name another's grant", async () => {
    // An attacker's review: a `userId` getter answering the caller's id, then an editor's, had
    // a viewer remove the editor's grant.
    const w = await world();
    const id = w.ids.priv!;
    let reads = 0;
    const shifty = {
      get userId() {
        return (reads++ === 0 ? w.user.vic! : w.user.eddie!) as Id<"users">;
      },
    };
    expect(await w.as("vic").run((ctx) => guard.revoke(ctx, "documents", id, shifty))).toBe(true);
    expect(reads).toBe(1);
    // Vic's own grant went; Eddie's editor grant stayed.
    expect(await w.as("vic").query(api.documents.getSharedDocument, { id })).toBeNull();
    expect(await w.as("eddie").query(api.documents.getSharedDocument, { id })).not.toBeNull();
  });

  test("a misspelt key of share, revoke or addGroupMember is the developer's GuardConfigError, never a grant that quietly never expires", async () => {
    const w = await world();
    const id = w.ids.priv!;
    const olive = w.as("olive");
    const refused = async (f: () => Promise<unknown>, message: string) => {
      const e = (await f().then(() => undefined, (x: unknown) => x)) as Error | undefined;
      expect(e?.name).toBe("GuardConfigError");
      expect(e?.message).toBe(message);
    };
    await refused(
      () => olive.run((ctx) => guard.share(ctx, "documents", id, { userId: w.user.nate!, level: "viewer", expiresAT: Date.now() + HOUR } as never)),
      "share: unknown key 'expiresAT' (did you mean 'expiresAt'?)",
    );
    await refused(() => olive.run((ctx) => guard.revoke(ctx, "documents", id, { userId: w.user.vic!, level: "viewer" } as never)), "revoke: unknown key 'level' (it reads 'userId', 'groupId')");
    await refused(
      () => olive.run((ctx) => guard.addGroupMember(ctx, w.ids.eng! as GroupId, w.user.nate!, { level: "viewer", expires: 1 } as never)),
      "addGroupMember options: unknown key 'expires' (did you mean 'expiresAt'?)",
    );
    // An array is neither a level nor options: refused, never an invitation at the lowest level.
    await refused(() => olive.run((ctx) => guard.addGroupMember(ctx, w.ids.eng! as GroupId, w.user.nate!, [] as never)), "addGroupMember options must be an object, not an array");
    // Nothing was granted or removed.
    expect(await w.as("nate").query(api.documents.getSharedDocument, { id })).toBeNull();
    expect(await w.as("vic").query(api.documents.getSharedDocument, { id })).not.toBeNull();
  });

  test("transfer: only the document's own owner", async () => {
    const w = await world();
    const transfer = (who: string, id: string, to: string) =>
      outcome(w.as(who).mutation(api.documents.transferDocument, { id, newOwnerId: to }));
    const notOwner: Outcome = { code: "FORBIDDEN", message: "Only the owner can transfer ownership" };
    expect(await transfer("eddie", w.ids.priv!, w.user.eddie!)).toEqual(notOwner);
    expect(await transfer("fred", w.ids.inFolder!, w.user.fred!)).toEqual(notOwner); // inherited editor
    // The folder's owner owns its contents by inheritance only: not enough to transfer.
    const inherited = await w.t.run(async (ctx) => {
      const d = await ctx.db.insert("documents", { title: "x", body: "", ownerId: w.user.nate!, visibility: "private", folderId: (await ctx.db.query("folders").withIndex("by_owner", (q) => q.eq("ownerId", w.user.olive!)).first())!._id });
      return d;
    });
    expect((await w.as("olive").query(api.documents.getSharedDocument, { id: inherited }))?.accessLevel).toBe("owner");
    expect(await transfer("olive", inherited, w.user.olive!)).toEqual(notOwner);
    expect(await transfer("olive", w.ids.priv!, w.ids.pub!)).toEqual({ code: "INVALID_ARGUMENT", message: "unknown user" });
    expect(await transfer("olive", w.ids.priv!, w.user.nate!)).toEqual({ ok: { transferred: true } });
    expect((await w.as("nate").query(api.documents.getSensitiveItem, { id: w.ids.priv! }))?.title).toBe("priv");
    expect(await w.as("olive").query(api.documents.getSharedDocument, { id: w.ids.priv! })).toBeNull();
  });
});

describe("listing", () => {
  async function listAll(w: World, who: string, numItems: number) {
    const titles: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const r: { page: { title: string; accessLevel: string }[]; isDone: boolean; continueCursor: string } = await w
        .as(who)
        .query(api.documents.listMine, { paginationOpts: { numItems, cursor } });
      titles.push(...r.page.map((p) => `${p.title}:${p.accessLevel}`));
      if (r.isDone) return titles.sort();
      cursor = r.continueCursor;
    }
    throw new Error("listing did not end");
  }

  test("owned plus granted, each once, across pages, expired and revoked grants left out", async () => {
    const w = await world();
    // Gina also gets a direct grant: listed once, at her best level.
    await w.as("olive").mutation(api.documents.shareDocument, { id: w.ids.priv!, userId: w.user.gina!, level: "viewer" });
    expect(await listAll(w, "olive", 2)).toEqual(["inFolder:owner", "priv:owner", "pub:owner"]);
    expect(await listAll(w, "olive", 100)).toEqual(["inFolder:owner", "priv:owner", "pub:owner"]);
    expect(await listAll(w, "eddie", 1)).toEqual(["priv:editor"]);
    expect(await listAll(w, "gina", 1)).toEqual(["priv:commenter"]);
    expect(await listAll(w, "exp", 1)).toEqual([]);
    expect(await listAll(w, "rev", 1)).toEqual([]);
    expect(await listAll(w, "nate", 1)).toEqual([]);
  });

  test("a forged cursor is an argument error; anonymous callers must sign in", async () => {
    const w = await world();
    const list = (cursor: string) => outcome(w.as("olive").query(api.documents.listMine, { paginationOpts: { numItems: 5, cursor } }));
    expect(await list("{not json")).toEqual({ code: "INVALID_ARGUMENT", message: "malformed cursor" });
    expect(await list(JSON.stringify([-1, null]))).toEqual({ code: "INVALID_ARGUMENT", message: "malformed cursor" });
    // A group phase names its group: one after every group of the caller's ends the listing; a
    // phase number past the direct grants is not of the form it gives.
    expect(await list(JSON.stringify(["~", null]))).toEqual({ ok: { page: [], isDone: true, continueCursor: "" } });
    expect(await list(JSON.stringify([2, null]))).toEqual({ code: "INVALID_ARGUMENT", message: "malformed cursor" });
    expect(await outcome(w.t.query(api.documents.listMine, { paginationOpts: { numItems: 5, cursor: null } }))).toEqual(UNAUTH);
  });

  test("the last page's cursor, given back, is an empty page, done, as listGrants' and listMyGroups' are; a forged one is still refused", async () => {
    // An attacker's review: listAccessible's last cursor ("") was "malformed cursor" given back,
    // while the other listings' end cursors answered an empty, done page.
    const w = await world();
    for (const [who, numItems] of [["olive", 2], ["eddie", 1], ["gina", 1], ["nate", 1]] as const) {
      let r: { isDone: boolean; continueCursor: string } = { isDone: false, continueCursor: "" };
      let cursor: string | null = null;
      for (let pages = 0; pages < 20 && !r.isDone; pages++, cursor = r.continueCursor) {
        r = await w.as(who).query(api.documents.listMine, { paginationOpts: { numItems, cursor } });
      }
      expect(r.isDone).toBe(true);
      const again = await outcome(w.as(who).query(api.documents.listMine, { paginationOpts: { numItems, cursor: r.continueCursor } }));
      expect(again).toEqual({ ok: { page: [], isDone: true, continueCursor: r.continueCursor } });
    }
    // The same with the other listings' end cursors.
    const grants = await w.as("olive").query(api.documents.listDocumentGrants, { id: w.ids.priv!, paginationOpts: { numItems: 100, cursor: null } });
    expect(grants.isDone).toBe(true);
    const grantsAgain = await w.as("olive").query(api.documents.listDocumentGrants, { id: w.ids.priv!, paginationOpts: { numItems: 100, cursor: grants.continueCursor } });
    expect([grantsAgain.page, grantsAgain.isDone]).toEqual([[], true]);
    // Any other cursor not of the form it gives is still refused.
    const list = (cursor: string) => outcome(w.as("olive").query(api.documents.listMine, { paginationOpts: { numItems: 5, cursor } }));
    for (const forged of [" ", '""', "null", "[]", "[0]", '["", null]', JSON.stringify([1.5, null]), "_end_cursor"]) {
      expect(await list(forged), forged).toEqual({ code: "INVALID_ARGUMENT", message: "malformed cursor" });
    }
  });
});

test("the access configuration is valid", () => {
  guard.validate();
  expect(guard.accessLevels()).toEqual({
    levels: ["viewer", "commenter", "editor", "owner"],
    publicLevel: "viewer",
    shareLevel: "editor",
  });
});
