/**
 * Data access boundaries: the pure decisions, which read nothing (the guard's and the browser
 * client's, `convex-guard/client`). Each is the engine's, over the compiled levels.
 */
import type { AccessDenial, AccessFacts, ResolvedAccess, ShareDecision } from "./access-types.js";

/** The access decisions that need no database: tests, browser pre-checks, your own reads. */
export interface AccessDecisions<L extends string> {
  /**
   * The compiled levels, lowest first, and the public and share levels.
   *
   * @throws {GuardConfigError} when the access configuration is invalid.
   * @example
   * ```ts
   * guard.accessLevels().shareLevel; // "editor" by default
   * ```
   */
  accessLevels(): { levels: readonly L[]; publicLevel: L; shareLevel: L };

  /**
   * Resolves gathered facts in one engine call: what the Convex methods do after reading.
   * Pure; works anywhere (tests, browser pre-checks).
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` for a malformed batch (an unknown level name, a
   * NaN time, over 1,000 documents, ...), for the whole batch.
   * @example
   * ```ts
   * guard.resolveAccess({ now: Date.now(), caller: "u1", groups: [], documents: [
   *   { id: "d1", owner: "u2", visibility: "public", parent: null, grants: [] },
   * ] }); // [{ id: "d1", level: "viewer", source: "public", via: "d1" }]
   * ```
   */
  resolveAccess(facts: AccessFacts<L>): ResolvedAccess<L>[];

  /**
   * Whether a caller at `callerLevel` (`null`: none) may grant `grantLevel`, as an object, not
   * a boolean: `{ ok: true }` or `{ ok: false, reason }`. Test `.ok`: the object is always
   * truthy, so `if (guard.canShare(level, "editor"))` passes even for a denial (fails open).
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` for an unknown level name.
   * @example
   * ```ts
   * guard.canShare("editor", "owner"); // { ok: false, reason: "owner_level" }
   * shareButton.disabled = !guard.canShare(myLevel, "editor").ok;
   * ```
   */
  canShare(callerLevel: L | null, grantLevel: L): { ok: true } | { ok: false; reason: AccessDenial };

  /**
   * The engine's decision on a share request over gathered facts, as `share`
   * makes it: whether the caller may grant `level` on document `id`, and the expiry the grant
   * would get (`expiresAt` capped to the caller's own access; missing: never expires). Pure;
   * works anywhere (a browser can show the expiry a share will really get).
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` as {@link AccessDecisions.resolveAccess}, for an `id`
   * that is not among the documents, an unknown level, or (when allowed) a malformed
   * `expiresAt`.
   * @example
   * ```ts
   * guard.resolveShare(facts, { id: "d1", level: "editor" }); // { ok: true, expiresAt: 1767229200000 }
   * ```
   */
  resolveShare(facts: AccessFacts<L>, request: { id: string; level: L; expiresAt?: number }): ShareDecision;

  /**
   * Whether a caller whose access came from `source` may transfer ownership (only `owner`), as
   * an object, not a boolean: `{ ok: true }` or `{ ok: false, reason }`. Test `.ok`: the object
   * is always truthy, so `if (guard.canTransfer(source))` passes even for a denial (fails open).
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` for an unknown source name.
   * @example
   * ```ts
   * guard.canTransfer("inherited"); // { ok: false, reason: "not_owner" }
   * transferButton.hidden = !guard.canTransfer(readable.source).ok;
   * ```
   */
  canTransfer(source: string): { ok: true } | { ok: false; reason: AccessDenial };

  /**
   * Whether `level` (`null`: none) is `min` or higher, by the order of the configured levels:
   * the comparison the engine makes for `readable`'s and `requireAccess`'s `minLevel`. For a
   * decision taken from one `readable` answer, such as refusing an edit as a value, with an
   * audit row, to a caller who may only see the document.
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` for an unknown level name.
   * @example
   * ```ts
   * const r = await guard.readable(ctx, "documents", args.id);
   * if (r === null) throw new ConvexError("not found");
   * if (!guard.levelAtLeast(r.accessLevel, "editor")) return { ok: false }; // after an audit row
   * ```
   */
  levelAtLeast(level: L | null, min: L): boolean;
}
