/**
 * Data access boundaries: the codec, the only code that packs facts into the engine's batch
 * layout (see AccessEngine.resolve) and unpacks its answers (levels, sources, denials).
 * Storage is access-store.ts and access-groups.ts; the configuration access-config.ts.
 */
import { field } from "./fields.js";
import { num } from "./engine.js";
import { deny, engineCall } from "./errors.js";
import { checkOptionKeys, SHARE_REQUEST_KEYS } from "./config-keys.js";
import { levelId, levelName, ownerLevel, storedLevel, type Compiled } from "./access-config.js";
import type { AccessDenial, AccessFacts, AccessSource, ResolvedAccess, ShareDecision } from "./access-types.js";
import {
  ACCESS_COLUMNS,
  ACCESS_COLUMNS_END,
  ACCESS_DENIAL_MESSAGES,
  ACCESS_GROUP_DENIAL_MESSAGES,
  ACCESS_DENIALS,
  ACCESS_EXPIRY_ASKED,
  ACCESS_EXPIRY_NONE,
  ACCESS_FIELD_MASK,
  ACCESS_HEAD,
  ACCESS_NOT_A_CODE,
  ACCESS_REQUEST,
  ACCESS_SOURCE_SHIFT,
  ACCESS_SOURCES,
  ACCESS_STALE_LEVEL,
  ACCESS_TIMES,
  ACCESS_VIA_SHIFT,
  CLIENT_MESSAGE,
  FIRST_LEVEL,
  GRANT_DIRECT,
  GRANT_GROUP,
  NO_LEVEL,
  NO_PARENT,
  NO_SUBJECT,
  NO_VIA,
  PRIVATE,
  PUBLIC,
  type AccessColumnCounts,
  type Same,
} from "./generated/wire.js";

/** The engine's sources, by number (src/access.rs, through the generated wire). @internal */
export const SOURCES = ACCESS_SOURCES;
/** The values of a visibility field the engine reads, in code order (PUBLIC, PRIVATE); a missing field is private. @internal */
export const VISIBILITIES = ["public", "private"] as const;
// The public unions name exactly the engine's sources and denials: tsc fails here otherwise.
const sourcesMatch: Same<AccessSource | "none" | "cycle", (typeof ACCESS_SOURCES)[number]> = true;
const denialsMatch: Same<AccessDenial | null, (typeof ACCESS_DENIALS)[number]> = true;
// pack fills the per-document columns in its loop over documents and the per-grant ones in
// its loop over grants: tsc fails here if the engine's table gives a column the other count.
const perDocument: Same<AccessColumnCounts["owner" | "parent" | "public"], "document"> = true;
const perGrant: Same<AccessColumnCounts["doc" | "subject" | "kind" | "level"], "grant"> = true;
void sourcesMatch, denialsMatch, perDocument, perGrant;

/** The denial with engine code `code` (0: none, an unknown code: none). */
function denial(code: number): AccessDenial | null {
  return (ACCESS_DENIALS as readonly (AccessDenial | null)[])[code] ?? null;
}

/** A stored document (a row of any table). @internal */
export type Row = Record<string, unknown> & { _id: string };
/**
 * Who asks: their user id (`null`: anonymous), their groups (from membership rows), their
 * user row, and which of their groups were found to still exist. @internal
 */
export type Caller = { id: string | null; groups: string[]; user?: Row | null; live?: Map<string, boolean> };
/** One document, as the engine is told about it. @internal */
export type Fact = AccessFacts<string>["documents"][number];
/** One answer of the engine: level (0: none), source and via, as numbers. @internal */
export type Resolved = { level: number; source: number; via: number };

/** Facts in, one engine call, one answer per document. @internal */
export function resolveFacts(c: Compiled, now: number, caller: Caller, docs: readonly Fact[]): Resolved[] {
  const { ints, times } = pack(c, now, caller, docs);
  const out = engineCall(() => c.engine.resolve(ints, times));
  return Array.from(out, (x) => ({
    level: x & ACCESS_FIELD_MASK,
    source: (x >>> ACCESS_SOURCE_SHIFT) & ACCESS_FIELD_MASK,
    via: x >>> ACCESS_VIA_SHIFT,
  }));
}

/**
 * The engine's share decision on document `docId` of the facts: the expiry the new grant
 * gets (`requested` capped to the caller's own access at the level sharing takes; `undefined`
 * for none), or `FORBIDDEN` when the sharing rules refuse. @internal
 */
export function shareExpiry(...share: Parameters<typeof shareAnswer>): number | undefined {
  const x = shareAnswer(...share);
  if (x < 0) refuse(denial(-x)!);
  // Not read back from a decision object: an expiry it leaves out would be read from
  // Object.prototype if one were planted there.
  return x === Infinity ? undefined : x;
}

/**
 * The engine's share decision on inviting to `group` at `level` with the expiry `requested`
 * (`undefined`: none), for a caller whose level on the group is `own` (the owner level told
 * to the engine as owning the group, any other as a grant to them that never expires): the
 * invitation's expiry (`undefined` for none). `FORBIDDEN`, in the group's wording, when the
 * sharing rules refuse; then `INVALID_ARGUMENT` for an expiry that is not a time or not later
 * than `now`, as `share`'s (src/access.rs `share_grant`). @internal
 */
export function inviteExpiry(c: Compiled, now: number, who: Caller, group: string, own: number, level: number, requested: unknown): number | undefined {
  const owns = own === ownerLevel(c);
  const grants = owns ? [] : [{ to: who.id, kind: "direct" as const, level: levelName(c, own)! }];
  const fact: Fact = { id: group, owner: owns ? who.id : null, visibility: "private", parent: null, grants };
  const x = shareAnswer(c, now, { id: who.id, groups: [] }, [fact], group, level, requested);
  if (x < 0) refuse(denial(-x)!, true);
  return x === Infinity ? undefined : x;
}

/**
 * Whether an invitation row is live at `now`, by the engine's rule for a grant's expiry (live
 * while `now < expiresAt`, so not at `expiresAt` itself; none: never expires): the invitation
 * is told to the engine as a grant to `userId` on a document of its own. A stored `expiresAt`
 * that is not a time (a row written around the guard) refuses the call with
 * `INVALID_ARGUMENT`, as a malformed grant refuses a read. @internal
 */
export function invitationLive(c: Compiled, now: number, userId: string, invitation: Row): boolean {
  const grant = { to: userId, kind: "direct" as const, level: c.names[0]!, expiresAt: field(invitation, "expiresAt") as number | undefined };
  const fact: Fact = { id: "", owner: null, visibility: "private", parent: null, grants: [grant] };
  return resolveFacts(c, now, { id: userId, groups: [] }, [fact])[0]!.level !== NO_LEVEL;
}

/** The engine's share decision on document `docId` of the facts, as a value. @internal */
export function decideShare(...share: Parameters<typeof shareAnswer>): ShareDecision {
  const x = shareAnswer(...share);
  // Refused: minus the denial's code (src/bindings/access.rs).
  if (x < 0) return { ok: false, reason: denial(-x)! };
  return x === Infinity ? { ok: true } : { ok: true, expiresAt: x };
}

/** The engine's answer to a share: minus a denial's code, the expiry, or Infinity for none. */
function shareAnswer(
  c: Compiled,
  now: number,
  caller: Caller,
  docs: readonly Fact[],
  docId: unknown,
  level: number,
  requested: unknown,
): number {
  const doc = docs.findIndex((d) => d.id === docId);
  // No expiry asked for is said as such; an asked-for non-number is passed as NaN, a missing
  // document as -1: the engine refuses both (and an asked-for Infinity, which is no time).
  const expiresAt = requested === undefined ? undefined : typeof requested === "number" ? requested : NaN;
  const request = { doc, level, expiresAt };
  const { ints, times } = pack(c, now, caller, docs, request);
  return (engineCall(() => c.engine.resolve(ints, times)) as Float64Array)[0]!;
}

/**
 * The engine's batch layout (see AccessEngine.resolve) for facts; a share `request`
 * (document index, level, requested expiry) follows the expiry times. Every field goes where
 * the engine's wire puts it (`ACCESS_HEAD`, `ACCESS_COLUMNS`, `ACCESS_TIMES`, `ACCESS_REQUEST`,
 * generated from src/wire.rs).
 */
function pack(
  c: Compiled,
  now: number,
  caller: Caller,
  docs: readonly Fact[],
  request?: { doc: number; level: number; expiresAt: number | undefined },
) {
  const subjects = new Map<string, number>();
  const intern = (s: unknown): number => {
    // `""` is no id (a browser's `user?._id ?? ""`): no one, never the owner of a "" owner (attack46).
    if (typeof s !== "string" || s === "") return NO_SUBJECT;
    let n = subjects.get(s);
    if (n === undefined) subjects.set(s, (n = subjects.size));
    return n;
  };
  const index = new Map(docs.map((d, i) => [d.id, i]));
  let m = 0;
  for (const d of docs) m += d.grants.length;
  const g = caller.groups.length;
  const n = docs.length;
  // The head: its fixed fields and the group ids, then the columns.
  const head = g + ACCESS_HEAD.length;
  const at = (column: keyof typeof ACCESS_COLUMNS) => head + ACCESS_COLUMNS[column][0] * n + ACCESS_COLUMNS[column][1] * m;
  const ints = new Uint32Array(head + ACCESS_COLUMNS_END[0] * n + ACCESS_COLUMNS_END[1] * m);
  const asked = ACCESS_TIMES.expiries + m;
  const times = new Float64Array(asked + (request === undefined ? 0 : ACCESS_REQUEST.length));
  if (request !== undefined) {
    times[asked + ACCESS_REQUEST.doc] = request.doc;
    times[asked + ACCESS_REQUEST.level] = request.level;
    times[asked + ACCESS_REQUEST.expiresAt] = request.expiresAt ?? 0;
    times[asked + ACCESS_REQUEST.expiry] = request.expiresAt === undefined ? ACCESS_EXPIRY_NONE : ACCESS_EXPIRY_ASKED;
  }
  // Subjects are interned in the order they always were: the caller, its groups, then owners
  // and grantees.
  ints[ACCESS_HEAD.caller] = intern(caller.id);
  ints[ACCESS_HEAD.groupCount] = g;
  caller.groups.forEach((group, i) => (ints[ACCESS_HEAD.groups + i] = intern(group)));
  ints[g + ACCESS_HEAD.documentCount] = n;
  ints[g + ACCESS_HEAD.grantCount] = m;
  const owner = at("owner"), parent = at("parent"), visibility = at("public");
  docs.forEach((d, i) => {
    ints[owner + i] = intern(field(d, "owner"));
    const up = field(d, "parent");
    ints[parent + i] = typeof up !== "string" ? NO_PARENT : (index.get(up) ?? NO_PARENT);
    // Anything but the two visibilities is a code the engine refuses.
    const seen = field(d, "visibility");
    ints[visibility + i] = seen === VISIBILITIES[0] ? PUBLIC : seen === VISIBILITIES[1] ? PRIVATE : ACCESS_NOT_A_CODE;
  });
  const doc = at("doc"), subject = at("subject"), kind = at("kind"), level = at("level");
  times[ACCESS_TIMES.now] = num(now);
  let j = 0;
  docs.forEach((d, i) => {
    for (const gr of d.grants) {
      ints[doc + j] = i;
      ints[subject + j] = intern(field(gr, "to"));
      const k = field(gr, "kind");
      ints[kind + j] = k === "direct" ? GRANT_DIRECT : k === "group" ? GRANT_GROUP : ACCESS_NOT_A_CODE;
      ints[level + j] = storedLevel(c, field(gr, "level"));
      const expiresAt = field(gr, "expiresAt");
      times[ACCESS_TIMES.expiries + j] = expiresAt === undefined ? Infinity : num(expiresAt);
      j++;
    }
  });
  return { ints, times };
}

/** `FORBIDDEN` with the message of a sharing rule's denial. @internal */
export function refuse(reason: AccessDenial, group = false): never {
  deny("FORBIDDEN", (group ? ACCESS_GROUP_DENIAL_MESSAGES : ACCESS_DENIAL_MESSAGES)[ACCESS_DENIALS.indexOf(reason)]!);
}

/** Whether a caller at level `callerLevel` (0: none) may grant `grantLevel`. @internal */
export function shareDecision(c: Compiled, callerLevel: number, grantLevel: number): AccessDenial | null {
  const code = engineCall(() => c.engine.canShare(callerLevel, grantLevel));
  if (code === ACCESS_NOT_A_CODE) deny("INVALID_ARGUMENT", CLIENT_MESSAGE.NOT_A_LEVEL);
  return denial(code);
}

/** {@link shareDecision}, a refusal thrown as `FORBIDDEN`. @internal */
export function requireShare(c: Compiled, callerLevel: number, grantLevel: number, group = false): void {
  const reason = shareDecision(c, callerLevel, grantLevel);
  if (reason !== null) refuse(reason, group);
}

/**
 * What giving a stored row's level took, for the engine's share decision: that level, the
 * lowest for a level no longer configured (the engine reads the row as giving nothing, see
 * storedLevel), and the highest grantable one for the owner's level, which no grant may carry
 * (a row written around the guard, or made so by a change of levels): else no one could ever
 * remove it. @internal
 */
export function takenToGive(c: Compiled, level: unknown): number {
  const id = storedLevel(c, level);
  return id === ACCESS_STALE_LEVEL ? FIRST_LEVEL : Math.min(id, ownerLevel(c) - 1);
}

/**
 * Removing (or replacing) grants takes what giving them took: the engine's share decision for
 * each row's level ({@link takenToGive}). @internal
 */
export function requireMayRemove(c: Compiled, own: number, levels: readonly unknown[], group = false): void {
  for (const level of levels) requireShare(c, own, takenToGive(c, level), group);
}

/** Why a caller whose level came from source number `source` may not transfer, if not. @internal */
export function transferDenial(c: Compiled, source: number): AccessDenial | undefined {
  return denial(engineCall(() => c.engine.canTransfer(source))) ?? undefined;
}

/** `facts` resolved in one engine call, the answers named (`resolveAccess`). @internal */
export function resolveNamed<L extends string>(c: Compiled, facts: AccessFacts<L>): ResolvedAccess<L>[] {
  if (!isFacts(facts)) deny("INVALID_ARGUMENT", CLIENT_MESSAGE.MALFORMED_FACTS);
  const docs = facts.documents;
  const resolved = resolveFacts(c, facts.now, { id: facts.caller, groups: [...facts.groups] }, docs);
  return resolved.map((r, i) => ({
    id: docs[i]!.id,
    level: r.level === NO_LEVEL ? null : (c.names[r.level - FIRST_LEVEL] as L),
    source: SOURCES[r.source]!,
    via: r.via === NO_VIA ? null : docs[r.via]!.id,
  })) as ResolvedAccess<L>[];
}

/** The engine's share decision over gathered facts (`resolveShare`). @internal */
export function resolveShareNamed<L extends string>(
  c: Compiled,
  facts: AccessFacts<L>,
  request: { id: string; level: L; expiresAt?: number },
): ShareDecision {
  if (!isFacts(facts)) deny("INVALID_ARGUMENT", CLIENT_MESSAGE.MALFORMED_FACTS);
  if (typeof request !== "object" || request === null) deny("INVALID_ARGUMENT", CLIENT_MESSAGE.MALFORMED_SHARE_REQUEST);
  checkOptionKeys(request, SHARE_REQUEST_KEYS, "resolveShare request");
  const caller = { id: facts.caller, groups: [...facts.groups] };
  const level = levelId(c, request.level);
  return decideShare(c, facts.now, caller, facts.documents, request.id, level, request.expiresAt);
}

/** The source's name, as `Readable.source` gives it. @internal */
export function sourceName(source: number): AccessSource {
  return SOURCES[source] as AccessSource;
}

/** Whether `facts` has the shape `resolveAccess` reads (its values are the engine's to judge). */
function isFacts(facts: unknown): facts is AccessFacts<string> {
  const f = facts as AccessFacts<string> | null;
  if (typeof f !== "object" || f === null || !Array.isArray(field(f, "groups")) || !Array.isArray(field(f, "documents"))) return false;
  // Indexes, not `every`: a hole in a sparse array is an entry too.
  const isObject = (x: unknown) => typeof x === "object" && x !== null;
  for (let i = 0; i < f.documents.length; i++) {
    const d = f.documents[i] as { id?: unknown; grants?: unknown } | undefined;
    // A document without a string id could be taken for a parent whose id is missing too.
    if (!isObject(d) || typeof field(d!, "id") !== "string" || !Array.isArray(field(d!, "grants"))) return false;
    const grants = d!.grants as unknown[];
    for (let j = 0; j < grants.length; j++) if (!isObject(grants[j])) return false;
  }
  return true;
}
