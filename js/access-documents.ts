/**
 * Data access boundaries: the document methods of {@link Access}, which read and write the
 * caller's documents and their grants (access-store.ts) and ask the engine through the codec
 * (access-codec.ts). Spread into the access object by access-create.ts; the browser entries,
 * which read nothing, build it as `{}` (scripts/build-pkg.mjs).
 */
import type { Access } from "./access.js";
import { deny } from "./errors.js";
import { serially } from "./serial.js";
import type { DocumentGrant } from "./access-grants.js";
import { givenLevel, levelId, levelName, tableInfo, type Compiled } from "./access-config.js";
import { own } from "./fields.js";
import { atLeast, CLIENT_MESSAGE, deleteGrants, FIRST_LEVEL, insertLevelRequired, listingPageItems, MAX_DELETE_GRANTS, moveLevelRequired, NO_LEVEL, noParentField, type ClientMessage } from "./generated/wire.js";
import {
  refuse,
  requireMayRemove,
  resolveFacts,
  shareDecision,
  shareExpiry,
  SOURCES,
  transferDenial,
  type Caller,
  type Fact,
  type Row,
} from "./access-codec.js";
import {
  accessibleCursor,
  callerOf,
  deleteAll,
  encodeCursor,
  END_CURSOR,
  existing,
  grantRows,
  keepFirst,
  pageOf,
  listOptions,
  namedCaller,
  forNamed,
  pageRequest,
  plainCursor,
  readMany,
  readOne,
  requireLevel,
  signedIn,
  type AnyCtx,
  type AnyDb,
  type Eq,
} from "./access-store.js";
import { GRANTS, type GrantId, type GroupId } from "./access-tables.js";
import type { GrantTarget, Readable } from "./access-types.js";
import { checkOptionKeys, LIST_KEYS, PAGED_KEYS, SHARE_KEYS, TARGET_KEYS } from "./config-keys.js";

const CYCLE = SOURCES.indexOf("cycle");

/**
 * Only the document's own owner may move or delete it: the engine's transfer decision on how
 * the caller holds it (`source`), else `FORBIDDEN` with `message`, naming what they may not do.
 */
function onlyItsOwner(c: Compiled, source: Readable<Row, string>["source"], message: ClientMessage): void {
  if (transferDenial(c, SOURCES.indexOf(source)) !== undefined) deny("FORBIDDEN", message);
}

type DocumentMethods<L extends string> = Pick<
  Access<L>,
  | "readable"
  | "readableMany"
  | "requireAccess"
  | "readableFor"
  | "requireAccessFor"
  | "share"
  | "revoke"
  | "listGrants"
  | "transferOwnership"
  | "moveDocument"
  | "insertDocument"
  | "deleteDocument"
  | "listAccessible"
>;

/**
 * The parent a move or an insert (`creating`) files a document of `table` under: `parentId` in
 * its `parentTable`, read as `readable` reads it (`NOT_FOUND` for one the caller cannot see, or
 * none), when the caller holds the table's `fileLevel` on it (the engine's order, `atLeast`),
 * else, for a table without one, when the engine's share decision on it lets the caller share
 * there (what listing its grants takes); `FORBIDDEN` naming the level otherwise. With the facts
 * it was resolved from.
 */
async function destination<L extends string>(ctx: AnyCtx, c: Compiled, table: string, parentId: unknown, who: Caller, now: number, creating: boolean) {
  const { parentTable, fileLevelId } = tableInfo(c, table);
  const dest = await readOne<L>(ctx, c, parentTable, parentId, who, now);
  const held = c.levelIds.get(dest.r.accessLevel)!;
  const files = fileLevelId === undefined ? shareDecision(c, held, FIRST_LEVEL) === null : atLeast(held, fileLevelId);
  if (!files) deny("FORBIDDEN", (creating ? insertLevelRequired : moveLevelRequired)(levelName(c, fileLevelId ?? c.shareLevel)!));
  return dest;
}

/** `readable`: for the caller, or for the user `named` answers (asked once the level is checked). */
async function readableAt<L extends string>(ctx: AnyCtx, c: Compiled, table: string, id: unknown, minLevel: unknown, named?: () => Promise<Caller>) {
  const min = minLevel === undefined ? FIRST_LEVEL : levelId(c, minLevel);
  const [r] = (await readMany<L>(ctx, c, table, [id], await named?.())).results;
  return (r && atLeast(c.levelIds.get(r.accessLevel)!, min) ? r : null) as never;
}

/**
 * The document methods of {@link Access}, over the compiled configuration; `noRows`, the
 * error of a guard without users rows (`users.roleClaim` alone), whom no id names. @internal
 */
export function documentMethods<L extends string>(compile: () => Compiled, noRows?: () => Error): DocumentMethods<L> {
  const compiled = forNamed(compile, noRows);
  const methods: DocumentMethods<L> = {
    async readable(ctx, table, id, minLevel) {
      return await readableAt<L>(ctx, compile(), table, id, minLevel);
    },

    async readableFor(ctx, userId, table, id, minLevel) {
      const c = compiled();
      return await readableAt<L>(ctx, c, table, id, minLevel, () => namedCaller(ctx, c, userId));
    },

    async requireAccessFor(ctx, userId, table, id, minLevel) {
      const c = compiled();
      const min = levelId(c, minLevel);
      return (await requireLevel(ctx, c, table, id, min, await namedCaller(ctx, c, userId))) as never;
    },

    async readableMany(ctx, table, ids) {
      if (!Array.isArray(ids)) deny("INVALID_ARGUMENT", CLIENT_MESSAGE.READABLE_MANY_ARRAY);
      return (await readMany<L>(ctx, compile(), table, ids)).results as never;
    },

    async requireAccess(ctx, table, id, minLevel) {
      const c = compile();
      return (await requireLevel(ctx, c, table, id, levelId(c, minLevel))) as never;
    },

    async share(ctx, table, id, grant) {
      // A misspelt key (`expiresAT`) would be a grant that never expires, quietly.
      checkOptionKeys(grant, SHARE_KEYS, "share");
      const c = compile();
      const who = await signedIn(ctx, c);
      return serially(ctx.db, async () => {
        // Own fields: nothing planted on Object.prototype fills in a level or an expiry.
        const level = levelId(c, own(grant, "level"));
        const now = Date.now();
        const { r, facts } = await readOne<L>(ctx, c, table, id, who, now);
        const mine = c.levelIds.get(r.accessLevel)!;
        const docId = r.doc._id;
        // The sharing rules first (a refused caller learns nothing about the target), then the
        // expiry: checked, and capped to the caller's own access, by the engine.
        const expiresAt = shareExpiry(c, now, who, facts, docId, level, own(grant, "expiresAt"));
        const { field, id: subject, rows } = await grantRows(ctx, c, docId, grant);
        // Re-sharing to oneself would replace one's own grant: with no expiry, an expiring grant
        // would become permanent.
        if (field === "userId" && subject === who.id) deny("FORBIDDEN", CLIENT_MESSAGE.SELF_SHARE);
        // Replacing a grant takes what removing it takes: else a sharer could downgrade or
        // expire (in effect revoke) a grant above their own level.
        requireMayRemove(c, mine, rows.map((row) => row.level));
        const db = ctx.db as AnyDb;
        const fields = { level: levelName(c, level), expiresAt, grantedBy: who.id! };
        const first = await keepFirst(db, rows);
        if (first !== undefined) {
          await db.patch(first._id, fields);
          return first._id as GrantId;
        }
        return (await db.insert(GRANTS, { table, doc: docId, [field]: subject, ...fields })) as GrantId;
      });
    },

    async revoke(ctx, table, id, given) {
      checkOptionKeys(given, TARGET_KEYS, "revoke");
      // Read once: a target whose `userId` answers the caller's id, then another's, must not
      // pass as the caller's own.
      const target: { userId?: unknown; groupId?: unknown } = { userId: own(given, "userId"), groupId: own(given, "groupId") };
      const c = compile();
      const who = await signedIn(ctx, c);
      return serially(ctx.db, async () => {
        const { r } = await readOne<L>(ctx, c, table, id, who);
        const mine = c.levelIds.get(r.accessLevel)!;
        // One's own grant is one's own to give up (leaving a document shared with you), at any
        // level: it takes nothing from anyone else. Only on a document the caller can see.
        const self = target.userId === who.id && target.groupId === undefined;
        // The caller's right first, before the target is even looked at: a caller who may not
        // share gets the same refusal for a real, an unknown and a malformed target.
        if (!self) requireMayRemove(c, mine, [c.names[0]]);
        const { rows } = await grantRows(ctx, c, r.doc._id, target as GrantTarget, true);
        if (!self) requireMayRemove(c, mine, rows.map((row) => row.level));
        return await deleteAll(ctx.db, rows);
      });
    },

    async listGrants(ctx, table, id, options) {
      const paging = listOptions(options, PAGED_KEYS, "listGrants");
      const c = compile();
      const who = await signedIn(ctx, c);
      const { r } = await readOne<L>(ctx, c, table, id, who);
      // What revoking takes, before anything else is looked at.
      requireMayRemove(c, c.levelIds.get(r.accessLevel)!, [c.names[0]]);
      const { size, cursor } = pageRequest(paging);
      const from = plainCursor(cursor);
      const db = ctx.db as AnyDb;
      // The document prefix of by_doc_and_user holds its user and group grants alike.
      const result = await pageOf(
        () => db.query(GRANTS).withIndex("by_doc_and_user", (q: Eq) => q.eq("doc", r.doc._id)),
        size,
        from,
      );
      const page = (result.page as Row[]).map((g) => {
        // Built field by field (a row written around the guard may lack any), then typed.
        const grant: Record<string, unknown> = { grantId: g._id as GrantId, level: givenLevel(c, g.level) as L | null };
        if (typeof g.userId === "string") grant.userId = g.userId;
        if (typeof g.groupId === "string") grant.groupId = g.groupId as GroupId;
        if (typeof g.expiresAt === "number") grant.expiresAt = g.expiresAt;
        if (typeof g.grantedBy === "string") grant.grantedBy = g.grantedBy;
        return grant as DocumentGrant<L>;
      });
      return { page, isDone: result.isDone as boolean, continueCursor: result.continueCursor as string };
    },

    async transferOwnership(ctx, table, id, newOwnerId) {
      const c = compile();
      const who = await signedIn(ctx, c);
      return serially(ctx.db, async () => {
        const { r } = await readOne<L>(ctx, c, table, id, who);
        const reason = transferDenial(c, SOURCES.indexOf(r.source));
        if (reason !== undefined) refuse(reason);
        const db = ctx.db as AnyDb;
        const to = await existing(db, c.usersTable, newOwnerId, CLIENT_MESSAGE.UNKNOWN_USER);
        await db.patch(r.doc._id, { [tableInfo(c, table).owner]: to });
      });
    },

    async moveDocument(ctx, table, id, parentId) {
      const c = compile();
      const { parent } = tableInfo(c, table);
      if (parent === undefined) deny("INVALID_ARGUMENT", noParentField(table));
      const who = await signedIn(ctx, c);
      return serially(ctx.db, async () => {
        const now = Date.now();
        const { r, facts } = await readOne<L>(ctx, c, table, id, who, now);
        // Moving changes who inherits the owner level on the document: what a transfer does,
        // so the engine's transfer decision, before the destination is looked at.
        onlyItsOwner(c, r.source, CLIENT_MESSAGE.NOT_OWNER_MOVE);
        const docId = r.doc._id;
        let to: string | undefined;
        if (parentId !== null) {
          const dest = await destination<L>(ctx, c, table, parentId, who, now, false);
          to = dest.r.doc._id;
          // The batch as it would be after the move, the document under the destination and its
          // ancestors: the engine's cycle rule says whether the move makes a loop.
          const moved = { ...facts.find((f) => f.id === docId)!, parent: to };
          const after = [moved, ...dest.facts.filter((f) => f.id !== docId)];
          if (resolveFacts(c, now, who, after)[0]!.source === CYCLE) deny("INVALID_ARGUMENT", CLIENT_MESSAGE.MOVE_LOOP);
        }
        await (ctx.db as AnyDb).patch(docId, { [parent]: to });
      });
    },

    async insertDocument(ctx, table, doc) {
      const c = compile();
      const { owner, parent } = tableInfo(c, table);
      if (doc === null || typeof doc !== "object" || Array.isArray(doc)) deny("INVALID_ARGUMENT", CLIENT_MESSAGE.INSERT_DOCUMENT_OBJECT);
      // One copy of its own fields, read once: a getter answering one parent to the check and
      // another to the insert checks nothing.
      const fields: Record<string, unknown> = { ...doc };
      const who = await signedIn(ctx, c);
      const ownerId = own(fields, owner);
      if (ownerId !== undefined && ownerId !== who.id) deny("FORBIDDEN", CLIENT_MESSAGE.NOT_OWNER_INSERT);
      fields[owner] = who.id;
      return serially(ctx.db, async () => {
        const parentId = parent === undefined ? undefined : own(fields, parent);
        // As a move's destination: `null` is no parent (a schema may say so), and a new
        // document, which nothing names yet, cannot make a loop.
        if (parentId !== undefined && parentId !== null) {
          fields[parent!] = (await destination<L>(ctx, c, table, parentId, who, Date.now(), true)).r.doc._id;
        }
        return (await (ctx.db as AnyDb).insert(table, fields)) as never;
      });
    },

    async deleteDocument(ctx, table, id) {
      const c = compile();
      const who = await signedIn(ctx, c);
      return serially(ctx.db, async () => {
        const { r } = await readOne<L>(ctx, c, table, id, who);
        // As drastic as a transfer, and never undone: the engine's transfer decision, before the
        // grants are looked at.
        onlyItsOwner(c, r.source, CLIENT_MESSAGE.NOT_OWNER_DELETE);
        const db = ctx.db as AnyDb;
        const docId = r.doc._id;
        // The document prefix of by_doc_and_user holds its user and group grants alike. One past
        // the bound tells a document with too many from one with exactly as many: refused
        // before anything is deleted, never half done.
        const grants: Row[] = await db
          .query(GRANTS)
          .withIndex("by_doc_and_user", (q: Eq) => q.eq("doc", docId))
          .take(MAX_DELETE_GRANTS + 1);
        if (grants.length > MAX_DELETE_GRANTS) deny("INVALID_ARGUMENT", deleteGrants(MAX_DELETE_GRANTS));
        await deleteAll(db, grants);
        await db.delete(docId);
        return grants.length;
      });
    },

    async listAccessible(ctx, table, options) {
      const paging = listOptions(options, LIST_KEYS, "listAccessible");
      const c = compile();
      const t = tableInfo(c, table);
      const minLevel = own(options, "minLevel");
      const min = minLevel === undefined ? FIRST_LEVEL : levelId(c, minLevel);
      const { size, cursor } = pageRequest(paging);
      // Both checked before anything is read (docs/access.md's promise), for every caller alike.
      const at = accessibleCursor(cursor);
      const who = await callerOf(ctx, c);
      const done = { page: [], isDone: true, continueCursor: END_CURSOR };
      if (who.id === null) return done; // anonymous: owns nothing, holds no grants
      // Phases: 0 owned (owner index), 1 direct grants, 2 + i grants to group i of the caller's
      // groups in id order. A group phase's cursor names its group: one joined or left between
      // pages shifts no other group's place (a group left goes on with the next one).
      const groups = [...who.groups].sort();
      let { phase, inner } = at;
      if (at.group !== undefined) {
        const i = groups.findIndex((g) => g >= at.group!);
        phase = i < 0 ? 2 + groups.length : 2 + i;
        if (groups[i] !== at.group) inner = null;
      }
      if (phase >= 2 + groups.length) return done;
      const db = ctx.db as AnyDb;
      // Fewer documents per page the more groups the caller is in: each listed document may
      // cost a read per ancestor and group, and others choose what they share with the caller.
      const items = Math.min(size, listingPageItems(groups.length));
      const result = await pageOf(
        () =>
          phase === 0
            ? db.query(table).withIndex(t.ownerIndex, (q: Eq) => q.eq(t.owner, who.id))
            : db
                .query(GRANTS)
                .withIndex(phase === 1 ? "by_user" : "by_group", (q: Eq) =>
                  phase === 1 ? q.eq("userId", who.id).eq("table", table) : q.eq("groupId", groups[phase - 2]).eq("table", table),
                ),
        items,
        inner,
      );
      const ids = (result.page as Row[]).map((row) => (phase === 0 ? row._id : String(row.doc)));
      const now = Date.now();
      const { results, facts } = await readMany<L>(ctx, c, table, ids, who, now);
      const listed = results.filter((r): r is Readable<Row, L> => r !== null);
      const factOf = new Map(facts.map((f) => [f.id, f]));
      const earlier = new Set(groups.slice(0, Math.max(0, phase - 2)));
      type Grant = Fact["grants"][number];
      const direct = (g: Grant) => g.kind === "direct" && g.to === who.id;
      // The grants this phase's rows are: the caller's own (phase 1), or its group's.
      const group = groups[phase - 2];
      const ofPhase = (g: Grant) => (phase === 1 ? direct(g) : g.kind !== "direct" && g.to === group);
      // Whether the `pick`ed grants alone give the caller a level on each listed document: the
      // engine's answer on it without its owner, parent and visibility, so an expired grant, or
      // one whose level gives nothing, reaches nothing (one call for the page).
      const alone = phase === 0 ? [] : listed.map((r) => ({ ...factOf.get(r.doc._id)!, owner: null, visibility: "private" as const, parent: null }));
      const gives = (pick: (g: Grant) => boolean) => {
        const answers = resolveFacts(c, now, who, alone.map((f) => ({ ...f, grants: f.grants.filter(pick) })));
        return new Set(alone.filter((_, i) => answers[i]!.level !== NO_LEVEL).map((f) => f.id));
      };
      const reaches = phase === 0 ? null : gives(ofPhase);
      const before = phase > 1 ? gives((g) => direct(g) || (g.to !== null && earlier.has(g.to))) : null;
      const seen = new Set<string>();
      const page: Readable<Row, L>[] = [];
      for (const r of listed) {
        if (seen.has(r.doc._id) || !atLeast(c.levelIds.get(r.accessLevel)!, min)) continue;
        seen.add(r.doc._id);
        // Each document is listed once, by the first phase whose live grants reach it. A grant
        // row this phase found reaches it only if the grant is among the facts (a grant to a
        // deleted group is not) and still gives a level: else a later phase lists it, or none
        // (a document reached then only through a parent or public visibility is not listed).
        const id = r.doc._id;
        const reached = reaches === null || reaches.has(id);
        const listedBefore = phase > 0 && (factOf.get(id)!.owner === who.id || before?.has(id) === true);
        if (reached && !listedBefore) page.push(r);
      }
      const next = result.isDone ? { phase: phase + 1, inner: null } : { phase, inner: result.continueCursor as string };
      const isDone = result.isDone && next.phase >= 2 + groups.length;
      return { page, isDone, continueCursor: isDone ? END_CURSOR : encodeCursor(next.phase, groups, next.inner) } as never;
    },
  };
  return methods;
}
