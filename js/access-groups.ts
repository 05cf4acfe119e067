/**
 * Data access boundaries: groups. A caller's level on a group is decided by the engine as for
 * a document (its owner holds the owner level, a member their membership's level); this file
 * reads and writes the group and membership rows, and implements the group methods of
 * {@link Access}.
 */
import type { Access } from "./access.js";
import { deny } from "./errors.js";
import { serially } from "./serial.js";
import { givenLevel, isManager, levelId, levelName, ownerLevel, type Compiled } from "./access-config.js";
import { atLeast, callerGroupsFull, CLIENT_MESSAGE, FIRST_LEVEL, levelRequired, NO_LEVEL, userGroupsFull } from "./generated/wire.js";
import { requireGroupName } from "./access-group-names.js";
import {
  invitationLive,
  inviteExpiry,
  requireMayRemove,
  resolveFacts,
  shareDecision,
  takenToGive,
  type Caller,
  type Fact,
  type Row,
} from "./access-codec.js";
import { field, own as ownField } from "./fields.js";
import {
  acceptedMemberships,
  deleteAll,
  existing,
  keepFirst,
  normalized,
  pageOf,
  listOptions,
  pageRequest,
  plainCursor,
  callerOf,
  namedCaller,
  forNamed,
  signedIn,
  type AnyCtx,
  type AnyDb,
  type Eq,
} from "./access-store.js";
import { GROUPS, MEMBERS, type GroupId } from "./access-tables.js";
import type { AccessPageOptions } from "./access-types.js";
import { checkOptionKeys, MEMBER_OPTION_KEYS, PAGED_KEYS } from "./config-keys.js";

/** The membership rows of one user in one group. */
async function memberRows(db: AnyDb, group: string, userId: unknown): Promise<Row[]> {
  if (typeof userId !== "string") return [];
  return await db
    .query(MEMBERS)
    .withIndex("by_group_and_user", (q: Eq) => q.eq("groupId", group).eq("userId", userId))
    .collect();
}

/**
 * A membership row's level, as a grant on the group carries it: the lowest when missing (the
 * schema's default); any other value as it is, so a level no longer configured, or the
 * owner's (never written: only a group's owner holds it), gives nothing on the group, as such
 * a grant's does on a document (storedLevel). The membership itself still counts for grants
 * to the group.
 */
function memberLevel(c: Compiled, row: Row): string {
  const level = field(row, "level");
  return (level === undefined ? c.names[0]! : level) as string;
}

/** Whether a membership row is an invitation (which gives nothing until accepted). @internal */
export function isInvitation(row: Row): boolean {
  return field(row, "invited") === true;
}

/**
 * The caller's level on a group, decided by the engine as for a document: the group's owner
 * holds the owner level, a member their membership's level (a grant on the group). Managers
 * hold the owner level on every group. `NOT_FOUND` when the caller holds nothing on it, alike
 * for a missing or malformed id.
 */
async function groupAccess(ctx: AnyCtx, c: Compiled, who: Caller, groupId: unknown) {
  const { group, own, mine } = await groupLevelOf(ctx, c, who, groupId);
  if (own === NO_LEVEL) deny("NOT_FOUND", CLIENT_MESSAGE.GROUP_NOT_FOUND);
  return { group: group!, own, mine };
}

/** {@link groupAccess}, and `FORBIDDEN` below level `min` (the engine's comparison). */
async function requireLevel(ctx: AnyCtx, c: Compiled, who: Caller, groupId: unknown, min: number) {
  const access = await groupAccess(ctx, c, who, groupId);
  if (!atLeast(access.own, min)) deny("FORBIDDEN", levelRequired(levelName(c, min)!));
  return access;
}

/** {@link groupAccess} without the denial: the group's id (`null`: malformed), the caller's level (0: none) and membership rows. */
async function groupLevelOf(ctx: AnyCtx, c: Compiled, who: Caller, groupId: unknown) {
  const db = ctx.db as AnyDb;
  const group = normalized(db, GROUPS, groupId);
  const row = group === null ? null : ((await db.get(group)) as Row | null);
  return { group, ...(await levelOn(db, c, who, group, row)) };
}

/** {@link groupAccess}'s level (0: none) and the caller's membership rows, without the denial. */
async function levelOn(db: AnyDb, c: Compiled, who: Caller, group: string | null, row: Row | null) {
  const mine = row === null ? [] : await memberRows(db, group!, who.id);
  let own = 0;
  if (row !== null && isManager(c, who.user)) own = ownerLevel(c);
  else if (row !== null) {
    // An invitation gives no level on the group: only accepted memberships count.
    const grants = mine
      .filter((m) => !isInvitation(m))
      .map((m) => ({ to: who.id, kind: "direct" as const, level: memberLevel(c, m) }));
    const ownerId = field(row, "ownerId");
    const owner = typeof ownerId === "string" ? ownerId : null;
    const fact: Fact = { id: group!, owner, visibility: "private", parent: null, grants };
    // Only the membership rows matter here: not the caller's other groups (which could
    // exceed the engine's bound on a caller's groups and refuse the batch).
    own = resolveFacts(c, 0, { id: who.id, groups: [] }, [fact])[0]!.level;
  }
  return { own, mine };
}

/**
 * Whether whoever sent `invitation` may still invite at its level: the engine's share decision
 * on their level on the group now, as when they sent it. An inviter whose user row is gone
 * holds nothing; an invitation without `invitedBy` (written before the sender was recorded,
 * or around the guard) is taken as it was.
 */
async function inviterStillMay(db: AnyDb, c: Compiled, group: string, row: Row, invitation: Row): Promise<boolean> {
  const by = field(invitation, "invitedBy");
  if (by === undefined) return true;
  const id = normalized(db, c.usersTable, by);
  const user = id === null ? null : ((await db.get(id)) as Row | null);
  if (user === null) return false;
  const { own } = await levelOn(db, c, { id, groups: [], user }, group, row);
  return shareDecision(c, own, takenToGive(c, memberLevel(c, invitation))) === null;
}

/**
 * Refuses a new membership for `userId` when they are already in the engine's most groups
 * per caller: the one who joins (or the manager who adds them) gets the error, never the
 * member in every later read.
 */
async function requireRoom(db: AnyDb, c: Compiled, userId: string, self: boolean) {
  const accepted = await acceptedMemberships(db, userId, c.maxGroups);
  if (accepted.length >= c.maxGroups) {
    deny("INVALID_ARGUMENT", (self ? callerGroupsFull : userGroupsFull)(c.maxGroups));
  }
}

/** The caller's own rows in a group, after a `NOT_FOUND` when they hold nothing on it. */
async function ownRows(ctx: AnyCtx, c: Compiled, who: Caller, groupId: unknown) {
  const db = ctx.db as AnyDb;
  const group = normalized(db, GROUPS, groupId);
  const rows = group === null ? [] : await memberRows(db, group, who.id);
  // Without a row, only the group's owner or a manager learns that it exists.
  if (rows.length === 0) await groupAccess(ctx, c, who, groupId);
  return rows;
}

/**
 * One page of membership rows (`numItems` and the cursor checked first, as every listing's),
 * each listed as its level, whether it is an invitation and the invitation's expiry, with what
 * `add` tells of it (its group, or its user).
 */
async function membershipPage<T extends object>(
  c: Compiled,
  options: { paginationOpts: AccessPageOptions } | undefined,
  name: string,
  range: () => Promise<(() => AnyDb) | null>,
  add: (rows: Row[]) => Promise<T[]>,
) {
  const { size, cursor } = pageRequest(listOptions(options, PAGED_KEYS, name));
  const from = plainCursor(cursor);
  const query = await range();
  if (query === null) return { page: [], isDone: true, continueCursor: "" };
  const result = await pageOf(query, size, from);
  const rows = result.page as Row[];
  const added = await add(rows);
  const page = rows.map((r, i) => {
    const invited = isInvitation(r);
    const expiresAt = field(r, "expiresAt");
    return {
      ...added[i]!,
      level: givenLevel(c, memberLevel(c, r)),
      invited,
      // An invitation's expiry, expired or not: listed until declined, withdrawn or sent again.
      ...(invited && typeof expiresAt === "number" ? { expiresAt } : {}),
    };
  });
  return { page, isDone: result.isDone as boolean, continueCursor: result.continueCursor as string };
}

type GroupMethods<L extends string> = Pick<
  Access<L>,
  | "createGroup"
  | "addGroupMember"
  | "acceptGroupInvite"
  | "leaveGroup"
  | "listMyGroups"
  | "listGroupMembers"
  | "renameGroup"
  | "removeGroupMember"
  | "groupLevel"
  | "requireGroupLevel"
  | "groupLevelFor"
  | "requireGroupLevelFor"
>;

/**
 * The group methods of {@link Access}, over the compiled configuration; `noRows`, the error of a
 * guard without users rows, whom no id names (the `*For` methods, as access-documents.ts). @internal
 */
export function groupMethods<L extends string>(compile: () => Compiled, noRows?: () => Error): GroupMethods<L> {
  const compiled = forNamed(compile, noRows);
  const methods: GroupMethods<L> = {
    async createGroup(ctx, name) {
      const c = compile();
      const who = await signedIn(ctx, c);
      requireGroupName(name, c.maxGroupName);
      return (await (ctx.db as AnyDb).insert(GROUPS, { name, ownerId: who.id! })) as GroupId;
    },

    async addGroupMember(ctx, groupId, userId, levelOrOptions) {
      const c = compile();
      const who = await signedIn(ctx, c);
      // A level, or options holding one and an expiry: own fields only (nothing planted on
      // Object.prototype fills in a level or an expiry).
      const options = typeof levelOrOptions === "object" && levelOrOptions !== null ? levelOrOptions : { level: levelOrOptions };
      checkOptionKeys(options, MEMBER_OPTION_KEYS, "addGroupMember options");
      const level = ownField(options, "level");
      const requested = ownField(options, "expiresAt");
      return serially(ctx.db, async () => {
        let wanted = level === undefined ? FIRST_LEVEL : levelId(c, level);
        const { group, own } = await groupAccess(ctx, c, who, groupId);
        // The sharing rules first (a refused caller learns nothing about the user), then the
        // expiry: both the engine's, as for a share.
        const expiresAt = inviteExpiry(c, Date.now(), who, group, own, wanted, requested);
        const db = ctx.db as AnyDb;
        const user = await existing(db, c.usersTable, userId, CLIENT_MESSAGE.UNKNOWN_USER);
        // A membership first, so the duplicates dropped are invitations.
        const rows = (await memberRows(db, group, user)).sort((a, b) => Number(isInvitation(a)) - Number(isInvitation(b)));
        // Changing a member's level takes what removing them takes.
        requireMayRemove(c, own, rows.map((r) => memberLevel(c, r)), true);
        const self = user === who.id;
        const member = rows.length > 0 && !isInvitation(rows[0]!);
        // No level given: the lowest, but a member keeps their own (an "invite" button pressed
        // again must not demote a member). Not an invitation's: that level is worth what its
        // sender may still give, and taking it over would revive one its sender may no longer.
        // One whose membership gives nothing (stale, or at the owner level) gets the lowest.
        const kept = member ? givenLevel(c, memberLevel(c, rows[0]!)) : null;
        if (level === undefined && kept !== null) wanted = levelId(c, kept);
        // Consent: only oneself and an app-wide manager make a membership; anyone else invites.
        const invited = !member && !self && !isManager(c, who.user);
        // A membership never expires: asking for an expiry where none would be kept is refused.
        if (requested !== undefined && !invited) deny("INVALID_ARGUMENT", CLIENT_MESSAGE.MEMBER_EXPIRY);
        if (!member && !invited) await requireRoom(db, c, user, self);
        const first = await keepFirst(db, rows);
        const fields = {
          level: levelName(c, wanted),
          invited: invited ? (true as const) : undefined,
          // Who stands behind the invitation: accepting re-checks that they still may.
          invitedBy: invited ? who.id! : undefined,
          // Sent again, an invitation gets this call's expiry (none: never), not its old one.
          expiresAt: invited ? expiresAt : undefined,
        };
        if (first !== undefined) await db.patch(first._id, fields);
        else await db.insert(MEMBERS, { groupId: group, userId: user, ...fields });
        return invited ? "invited" : "member";
      });
    },

    async acceptGroupInvite(ctx, groupId) {
      const c = compile();
      const who = await signedIn(ctx, c);
      return serially(ctx.db, async () => {
        const db = ctx.db as AnyDb;
        const group = normalized(db, GROUPS, groupId);
        const rows = group === null ? [] : await memberRows(db, group, who.id);
        const row = rows.length === 0 ? null : ((await db.get(group)) as Row | null);
        if (row === null) deny("NOT_FOUND", CLIENT_MESSAGE.GROUP_NOT_FOUND);
        if (rows.some((r) => !isInvitation(r))) return false;
        const first = await keepFirst(db, rows);
        // Expired (at its expiresAt or later, by the engine's rule for a grant's expiry): it
        // can still be declined, or sent again.
        if (!invitationLive(c, Date.now(), who.id!, first!)) deny("FORBIDDEN", CLIENT_MESSAGE.EXPIRED_INVITATION);
        // An invitation is worth what its sender may still do: one who was removed or demoted
        // since cannot have it accepted (it can still be declined with leaveGroup).
        if (!(await inviterStillMay(db, c, group!, row, first!))) deny("FORBIDDEN", CLIENT_MESSAGE.VOID_INVITATION);
        await requireRoom(db, c, who.id!, true);
        // A membership does not expire: the invitation's expiry goes with it.
        await db.patch(first!._id, { invited: undefined, invitedBy: undefined, expiresAt: undefined });
        return true;
      });
    },

    async leaveGroup(ctx, groupId) {
      const c = compile();
      const who = await signedIn(ctx, c);
      return serially(ctx.db, async () => {
        return await deleteAll(ctx.db, await ownRows(ctx, c, who, groupId));
      });
    },

    async listMyGroups(ctx, options) {
      const c = compile();
      const db = ctx.db as AnyDb;
      const range = async () => {
        const who = await callerOf(ctx, c);
        return who.id === null ? null : () => db.query(MEMBERS).withIndex("by_user", (q: Eq) => q.eq("userId", who.id));
      };
      return (await membershipPage(c, options, "listMyGroups", range, async (rows) => {
        const groups = (await Promise.all(rows.map((r) => db.get(r.groupId)))) as (Row | null)[];
        return rows.map((r, i) => ({
          groupId: String(r.groupId) as GroupId,
          name: typeof groups[i]?.name === "string" ? (groups[i]!.name as string) : null,
        }));
      })) as Awaited<ReturnType<GroupMethods<L>["listMyGroups"]>>;
    },

    async listGroupMembers(ctx, groupId, options) {
      const c = compile();
      const db = ctx.db as AnyDb;
      const range = async () => {
        // Anyone the engine gives a level on the group (NOT_FOUND else, as requireGroupLevel).
        const { group, own } = await groupAccess(ctx, c, await callerOf(ctx, c), groupId);
        const members = () => db.query(MEMBERS).withIndex("by_group_and_user", (q: Eq) => q.eq("groupId", group));
        // Invitations only to those who may withdraw one: what removeGroupMember asks first
        // (the engine's share decision at the lowest level). Filtered in the query, so pages stay full.
        if (shareDecision(c, own, FIRST_LEVEL) === null) return members;
        return () => members().filter((q: AnyDb) => q.neq(q.field("invited"), true));
      };
      const add = async (rows: Row[]) => rows.map((r) => ({ userId: String(r.userId) }));
      return (await membershipPage(c, options, "listGroupMembers", range, add)) as Awaited<ReturnType<GroupMethods<L>["listGroupMembers"]>>;
    },

    async renameGroup(ctx, groupId, name) {
      const c = compile();
      const who = await signedIn(ctx, c);
      requireGroupName(name, c.maxGroupName);
      await serially(ctx.db, async () => {
        // The owner level: the group's owner and managers (never a member: no membership carries it).
        const { group } = await requireLevel(ctx, c, who, groupId, ownerLevel(c));
        await (ctx.db as AnyDb).patch(group, { name });
      });
    },

    async groupLevel(ctx, groupId) {
      const c = compile();
      // Signed out: no membership and no group of theirs, so the engine gives nothing (null),
      // as `readable` answers an anonymous caller.
      const { own } = await groupLevelOf(ctx, c, await callerOf(ctx, c), groupId);
      return own === NO_LEVEL ? null : (levelName(c, own) as L);
    },

    async requireGroupLevel(ctx, groupId, minLevel) {
      const c = compile();
      const min = levelId(c, minLevel); // an unknown level: INVALID_ARGUMENT, before anything is read
      const { own } = await requireLevel(ctx, c, await callerOf(ctx, c), groupId, min);
      return levelName(c, own) as L;
    },

    // The caller's two for the user `userId` names (access-store.ts `namedCaller`): "unknown user" first.
    async groupLevelFor(ctx, userId, groupId) {
      const c = compiled();
      const { own } = await groupLevelOf(ctx, c, await namedCaller(ctx, c, userId), groupId);
      return own === NO_LEVEL ? null : (levelName(c, own) as L);
    },

    async requireGroupLevelFor(ctx, userId, groupId, minLevel) {
      const c = compiled();
      const min = levelId(c, minLevel);
      const { own } = await requireLevel(ctx, c, await namedCaller(ctx, c, userId), groupId, min);
      return levelName(c, own) as L;
    },

    async removeGroupMember(ctx, groupId, userId) {
      const c = compile();
      const who = await signedIn(ctx, c);
      if (userId === who.id) return await methods.leaveGroup(ctx, groupId); // takes nothing
      return serially(ctx.db, async () => {
        const { group, own } = await groupAccess(ctx, c, who, groupId);
        const db = ctx.db as AnyDb;
        // Removing someone else (or withdrawing their invitation): the caller's right first
        // (before the target is looked at), then what adding them at their level took.
        requireMayRemove(c, own, [c.names[0]], true);
        const rows = await memberRows(db, group, userId);
        requireMayRemove(c, own, rows.map((r) => memberLevel(c, r)), true);
        return await deleteAll(db, rows);
      });
    },
  };
  return methods;
}
