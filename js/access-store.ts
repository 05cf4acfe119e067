/**
 * Data access boundaries: the reads and writes of documents and grants, always through an
 * index, in the caller's transaction. What the rows mean is the engine's (access-codec.ts);
 * groups are access-groups.ts.
 */
import type { ReaderCtx } from "./ctx.js";
import { deny, pageSize, unauthenticated } from "./errors.js";
import { levelName, tableInfo, type Compiled, type TableInfo } from "./access-config.js";
import { atLeast, CLIENT_MESSAGE, levelRequired, NO_LEVEL, type ClientMessage } from "./generated/wire.js";
import { resolveFacts, sourceName, type Caller, type Fact, type Row } from "./access-codec.js";
import { field, own } from "./fields.js";
import { checkOptionKeys, PAGE_KEYS } from "./config-keys.js";
import { GRANTS, GROUPS, MEMBERS } from "./access-tables.js";
import type { AccessPageOptions, GrantTarget, Readable } from "./access-types.js";
import { knownUser } from "./users.js";

/**
 * The database, untyped: Convex validates table and index names at run time, and here they
 * come from the configuration. @internal
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDb = any;
/** An index range under construction. @internal */
export type Eq = { eq(field: string, value: unknown): Eq };
/** Any ctx, its data model erased (the public methods keep theirs). @internal */
export type AnyCtx = { auth: ReaderCtx["auth"]; db: unknown };
type Gathered = { facts: Fact[]; rows: Map<string, Row>; wanted: (string | null)[] };

/** The id `raw` names in `table`, or `null` when it is not a string or not of that table. @internal */
export function normalized(db: AnyDb, table: string, raw: unknown): string | null {
  return typeof raw === "string" ? (db.normalizeId(table, raw) as string | null) : null;
}

/** The document `raw` names in `table`, when it exists; else `INVALID_ARGUMENT` `message`. @internal */
export async function existingRow(db: AnyDb, table: string, raw: unknown, message: ClientMessage): Promise<Row> {
  const id = normalized(db, table, raw);
  const row = id === null ? null : ((await db.get(id)) as Row | null);
  if (row === null) deny("INVALID_ARGUMENT", message);
  return row;
}

/** The id `raw` names in `table`, when that document exists; else `INVALID_ARGUMENT` `message`. @internal */
export async function existing(db: AnyDb, table: string, raw: unknown, message: ClientMessage): Promise<string> {
  return (await existingRow(db, table, raw, message))._id;
}

/** Deletes all but the first of `rows` (duplicates written around the guard); the first. @internal */
export async function keepFirst(db: AnyDb, rows: readonly Row[]): Promise<Row | undefined> {
  const [first, ...duplicates] = rows;
  for (const d of duplicates) await db.delete(d._id);
  return first;
}

/** Deletes `rows`; whether there were any. @internal */
export async function deleteAll(db: AnyDb, rows: readonly Row[]): Promise<boolean> {
  for (const row of rows) await db.delete(row._id);
  return rows.length > 0;
}

/**
 * Up to `limit` of the user's accepted group memberships (an invitation gives nothing), by
 * index. @internal
 */
export async function acceptedMemberships(db: AnyDb, userId: string, limit: number): Promise<Row[]> {
  return await db
    .query(MEMBERS)
    .withIndex("by_user_and_invited", (q: Eq) => q.eq("userId", userId).eq("invited", undefined))
    .take(limit);
}

/** Whose access a users row gives: its id, and the groups it belongs to (none: no one). */
async function callerFrom(db: AnyDb, c: Compiled, user: Row | null): Promise<Caller> {
  if (user === null) return { id: null, groups: [] };
  // Accepted memberships only. Accepting refuses past the bound, so only rows written around
  // the guard can reach it; one past the bound: the engine refuses the batch, loudly.
  const rows = await acceptedMemberships(db, user._id, c.maxGroups + 1);
  return { id: user._id, groups: rows.map((r) => String(r.groupId)), user };
}

/** The caller: their user row and id, and the groups they belong to. @internal */
export async function callerOf(ctx: AnyCtx, c: Compiled): Promise<Caller> {
  return await callerFrom(ctx.db, c, (knownUser(ctx) ?? (await c.authz.getUser(ctx as ReaderCtx))) as Row | null);
}

/**
 * `compile` for the checks for a named user: with `noRows` (a guard without users rows,
 * `users.roleClaim` alone, whom no id names) its error, before anything is read. @internal
 */
export function forNamed(compile: () => Compiled, noRows: (() => Error) | undefined): () => Compiled {
  return noRows === undefined
    ? compile
    : () => {
        throw noRows();
      };
}

/**
 * The user `userId` names, as a caller (the checks for a named user: a scheduled job's, a
 * webhook's); `INVALID_ARGUMENT` "unknown user" for a malformed id, another table's, or a
 * missing row: a job for a deleted user fails, never passes as no one. @internal
 */
export async function namedCaller(ctx: AnyCtx, c: Compiled, userId: unknown): Promise<Caller> {
  return await callerFrom(ctx.db, c, await existingRow(ctx.db, c.usersTable, userId, CLIENT_MESSAGE.UNKNOWN_USER));
}

/** The caller, or `UNAUTHENTICATED`. @internal */
export async function signedIn(ctx: AnyCtx, c: Compiled): Promise<Caller> {
  const who = await callerOf(ctx, c);
  if (who.id === null) unauthenticated();
  return who;
}

/** Reads the wanted documents, their ancestors and the caller's grants on all of them. */
async function gather(
  ctx: AnyCtx,
  c: Compiled,
  table: string,
  ids: readonly unknown[],
  caller: Caller,
): Promise<Gathered> {
  const db = ctx.db as AnyDb;
  const rows = new Map<string, Row>();
  const tableOf = new Map<string, TableInfo>();
  // The table is checked before any id is read against it: `normalizeId` of a name that is
  // not configured ('__proto__') throws Convex's own error, not INVALID_ARGUMENT.
  const info = tableInfo(c, table);
  const wanted = ids.map((id) => normalized(db, table, id));
  let frontier: [string, TableInfo][] = [];
  for (const id of new Set(wanted)) if (id !== null) frontier.push([id, info]);
  // Level 0 is the documents asked about; then up to maxDepth ancestors, each read once.
  for (let depth = 0; depth <= c.maxDepth && frontier.length > 0; depth++) {
    const fetched = await Promise.all(frontier.map(([id]) => db.get(id) as Promise<Row | null>));
    const next: [string, TableInfo][] = [];
    const queued = new Set<string>();
    fetched.forEach((row, i) => {
      const [id, t] = frontier[i]!;
      if (row === null || rows.has(id)) return;
      rows.set(id, row);
      tableOf.set(id, t);
      const parentId = parentOf(db, t, row);
      if (parentId !== null && !rows.has(parentId) && !queued.has(parentId)) {
        queued.add(parentId);
        next.push([parentId, c.tables.get(t.parentTable)!]);
      }
    });
    frontier = next;
  }
  const facts: Fact[] = [];
  const grantReads: Promise<Row[][]>[] = [];
  for (const [id, row] of rows) {
    const t = tableOf.get(id)!;
    // Own fields only, here and below: an optional field a row leaves out must not be read
    // from a polluted Object.prototype (a `folderId` there made every top-level document a
    // child of an attacker's folder, a `visibility` made it public).
    const owner = field(row, t.owner);
    const visibility = t.visibility === undefined ? undefined : field(row, t.visibility);
    facts.push({
      id,
      owner: typeof owner === "string" ? owner : null,
      visibility: (visibility ?? "private") as Fact["visibility"],
      parent: parentOf(db, t, row),
      grants: [],
    });
    if (caller.id === null) continue; // anonymous: no grant can apply
    const lookups = [
      db.query(GRANTS).withIndex("by_doc_and_user", (q: Eq) => q.eq("doc", id).eq("userId", caller.id)).collect(),
      ...caller.groups.map((gid) =>
        db.query(GRANTS).withIndex("by_doc_and_group", (q: Eq) => q.eq("doc", id).eq("groupId", gid)).collect(),
      ),
    ];
    grantReads.push(Promise.all(lookups));
  }
  const lists = await Promise.all(grantReads);
  if (caller.id !== null) {
    // A group whose row is gone is no group (as a missing parent is no parent): its grants
    // give nothing. Only groups that hold a grant here are looked up, once per request.
    const found = new Set<string>();
    for (const l of lists) l.forEach((rows, k) => k > 0 && rows.length > 0 && found.add(caller.groups[k - 1]!));
    const live = await liveGroups(db, caller, found);
    facts.forEach((f, i) => {
      const rows = lists[i]!.flatMap((l, k) => (k === 0 || live.has(caller.groups[k - 1]!) ? l : []));
      (f as { grants: Fact["grants"] }).grants = rows.map((r) => ({
        to: (field(r, "userId") ?? field(r, "groupId") ?? null) as string | null,
        kind: field(r, "userId") !== undefined ? "direct" : "group",
        level: field(r, "level") as string,
        expiresAt: field(r, "expiresAt") as number | undefined,
      }));
    });
  }
  return { facts, rows, wanted };
}

/**
 * Which of `ids` (groups of the caller) still have their group row, each read at most once
 * per caller object (a request's batches share it).
 */
async function liveGroups(db: AnyDb, caller: Caller, ids: Set<string>): Promise<Set<string>> {
  const known = (caller.live ??= new Map<string, boolean>());
  const unknown = [...ids].filter((id) => !known.has(id));
  const rows = await Promise.all(
    unknown.map((id) => {
      const group = normalized(db, GROUPS, id); // a row written around the guard may hold anything
      return group === null ? null : (db.get(group) as Promise<Row | null>);
    }),
  );
  unknown.forEach((id, i) => known.set(id, rows[i] !== null));
  return new Set([...ids].filter((id) => known.get(id)));
}

/**
 * Gathers and resolves; one `Readable` (or null) per wanted id. Resolves in batches of at
 * most `idsPerBatch` requested ids, so the engine's batch bound is sized by the request alone:
 * found rows and their ancestors can never exceed it, and no answer (or error) depends on
 * whether a document the caller cannot see exists. @internal
 */
export async function readMany<L extends string>(
  ctx: AnyCtx,
  c: Compiled,
  table: string,
  ids: readonly unknown[],
  caller?: Caller,
  now: number = Date.now(),
): Promise<{ results: (Readable<Row, L> | null)[]; facts: Fact[] }> {
  const who = caller ?? (await callerOf(ctx, c));
  if (ids.length > c.idsPerBatch) {
    const results: (Readable<Row, L> | null)[] = [];
    const facts: Fact[] = [];
    for (let i = 0; i < ids.length; i += c.idsPerBatch) {
      const part = await readMany<L>(ctx, c, table, ids.slice(i, i + c.idsPerBatch), who, now);
      results.push(...part.results);
      facts.push(...part.facts);
    }
    return { results, facts };
  }
  const { facts, rows, wanted } = await gather(ctx, c, table, ids, who);
  const resolved = resolveFacts(c, now, who, facts);
  const byId = new Map(facts.map((f, i) => [f.id, resolved[i]!]));
  const results = wanted.map((id) => {
    const r = id === null ? undefined : byId.get(id);
    if (r === undefined || r.level === NO_LEVEL) return null;
    return {
      doc: rows.get(id!)!,
      accessLevel: levelName(c, r.level) as L,
      source: sourceName(r.source),
    };
  });
  return { results, facts };
}

/**
 * One document with the caller's level on it, and the facts it was resolved from; `NOT_FOUND`
 * when the caller cannot see it (the same for a missing one). @internal
 */
export async function readOne<L extends string>(
  ctx: AnyCtx,
  c: Compiled,
  table: string,
  id: unknown,
  caller?: Caller,
  now?: number,
): Promise<{ r: Readable<Row, L>; facts: Fact[] }> {
  const {
    results: [r],
    facts,
  } = await readMany<L>(ctx, c, table, [id], caller, now);
  if (r === null || r === undefined) deny("NOT_FOUND", CLIENT_MESSAGE.DOCUMENT_NOT_FOUND);
  return { r, facts };
}

/** The document, when the caller (or `caller`) holds level `minLevel` or higher on it. @internal */
export async function requireLevel(ctx: AnyCtx, c: Compiled, table: string, id: string, minLevel: number, caller?: Caller) {
  const { r } = await readOne(ctx, c, table, id, caller);
  if (!atLeast(c.levelIds.get(r.accessLevel)!, minLevel)) {
    deny("FORBIDDEN", levelRequired(levelName(c, minLevel)!));
  }
  return r;
}

/**
 * The grant rows of one user or group on one document, and the target's checked id:
 * `INVALID_ARGUMENT` "unknown user" ("unknown group") for a malformed id, and for an id whose
 * row is missing, unless (`revoking`) it still holds grants here: a grant to a deleted user or
 * group can always be removed. @internal
 */
export async function grantRows(ctx: AnyCtx, c: Compiled, docId: string, target: GrantTarget, revoking = false) {
  const db = ctx.db as AnyDb;
  // Own fields: an id planted on Object.prototype neither picks the target nor blocks a revoke.
  const userId = own(target as { userId?: unknown }, "userId");
  const groupId = own(target as { groupId?: unknown }, "groupId");
  if ((userId === undefined) === (groupId === undefined)) {
    deny("INVALID_ARGUMENT", CLIENT_MESSAGE.ONE_TARGET);
  }
  const isUser = userId !== undefined;
  const raw = isUser ? userId : groupId;
  const table = isUser ? c.usersTable : GROUPS;
  const unknown = isUser ? CLIENT_MESSAGE.UNKNOWN_USER : CLIENT_MESSAGE.UNKNOWN_GROUP;
  const id = normalized(db, table, raw);
  if (id === null) deny("INVALID_ARGUMENT", unknown);
  const field = isUser ? "userId" : "groupId";
  const rows: Row[] = await db
    .query(GRANTS)
    .withIndex(isUser ? "by_doc_and_user" : "by_doc_and_group", (q: Eq) => q.eq("doc", docId).eq(field, id))
    .collect();
  if (!(revoking && rows.length > 0)) await existing(db, table, id, unknown);
  return { field, id, rows };
}

/**
 * A listing's `paginationOpts`, read once, after a `GuardConfigError` for a key its
 * options (`keys`) or its `paginationOpts` ({@link PAGE_KEYS}) do not have: checked before
 * anything is read, for every caller alike (`minlevel` would list every level, quietly). @internal
 */
export function listOptions(options: unknown, keys: readonly string[], name: string): AccessPageOptions | undefined {
  checkOptionKeys(options, keys, `${name} options`);
  const page = own(options as { paginationOpts?: AccessPageOptions } | undefined, "paginationOpts");
  checkOptionKeys(page, PAGE_KEYS, `${name} options.paginationOpts`);
  return page;
}

/**
 * The page size and raw cursor of a page request; `INVALID_ARGUMENT` for a `numItems` out
 * of range. @internal
 */
export function pageRequest(page: AccessPageOptions | undefined) {
  return { size: pageSize(own(page, "numItems")), cursor: own(page, "cursor") as unknown };
}

/** The cursor as given, `null` for none; `INVALID_ARGUMENT` when it is not a string. @internal */
export function plainCursor(cursor: unknown): string | null {
  if (cursor !== null && cursor !== undefined && typeof cursor !== "string") deny("INVALID_ARGUMENT", CLIENT_MESSAGE.MALFORMED_CURSOR);
  return (cursor ?? null) as string | null;
}

/** The cursor of `listAccessible`'s last page (`isDone: true`). @internal */
export const END_CURSOR = "";

/**
 * The phase and inner cursor of a `listAccessible` cursor; `INVALID_ARGUMENT` when malformed.
 * Its last page's cursor, given back, is past every phase: an empty page, done, as Convex's own
 * end cursor (and `listGrants`', `listMyGroups`') answers. @internal
 */
export function accessibleCursor(cursor: unknown): ListingCursor {
  if (cursor === END_CURSOR) return { phase: Number.MAX_SAFE_INTEGER, inner: null };
  try {
    return cursor === null || cursor === undefined ? { phase: 0, inner: null } : decodeCursor(cursor as string);
  } catch {
    deny("INVALID_ARGUMENT", CLIENT_MESSAGE.MALFORMED_CURSOR);
  }
}

/**
 * One page of `query()`. A database cursor the database cannot parse is `INVALID_ARGUMENT`
 * "malformed cursor" (never its own message, which quotes the cursor): when a page with a
 * cursor fails, the same range is read again without one, and only if that succeeds was the
 * cursor at fault; any other failure is the database's, rethrown as it was. @internal
 */
export async function pageOf(query: () => AnyDb, numItems: number, cursor: string | null) {
  try {
    return await query().paginate({ numItems, cursor });
  } catch (e) {
    if (cursor === null) throw e;
    try {
      await query().first();
    } catch {
      throw e;
    }
    deny("INVALID_ARGUMENT", CLIENT_MESSAGE.MALFORMED_CURSOR);
  }
}

function parentOf(db: AnyDb, t: TableInfo, row: Row): string | null {
  if (t.parent === undefined) return null;
  const raw = field(row, t.parent);
  return typeof raw === "string" ? (db.normalizeId(t.parentTable, raw) as string | null) : null;
}


/**
 * Where a listing is: phase 0 (owned) or 1 (direct grants), or the group phase of the group
 * `group` names (by id, not by position: the caller's groups may change between pages). @internal
 */
export type ListingCursor = { phase: number; group?: string; inner: string | null };

function decodeCursor(cursor: string): ListingCursor {
  const parsed: unknown = JSON.parse(cursor);
  if (!Array.isArray(parsed) || parsed.length !== 2) throw new Error("cursor");
  const [at, inner] = parsed as [unknown, unknown];
  if (inner !== null && typeof inner !== "string") throw new Error("cursor");
  if (typeof at === "string" && at.length > 0) return { phase: 2, group: at, inner };
  if (at !== 0 && at !== 1) throw new Error("cursor");
  return { phase: at, inner };
}

/** The cursor of phase `phase` (a group phase names `groups[phase - 2]`) at `inner`. @internal */
export function encodeCursor(phase: number, groups: readonly string[], inner: string | null): string {
  return JSON.stringify([phase < 2 ? phase : groups[phase - 2], inner]);
}

