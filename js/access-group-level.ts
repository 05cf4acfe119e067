/**
 * Data access boundaries: the public interface of reading the caller's own level on a group,
 * part of {@link Access} (access.ts, split out for length). The methods are access-groups.ts's;
 * the level is the engine's decision, the one every group call takes.
 */
import type { AnyReaderCtx } from "./ctx.js";
import type { GroupId } from "./access-tables.js";

/** The caller's level on a group, for the app's own rules. See {@link Access}. */
export interface AccessGroupLevel<L extends string> {
  /**
   * The caller's level on a group, or `null` when they hold nothing on it: the level every
   * group call decides on (its owner: the owner level; a member: their membership's level;
   * `access.groups.managers`: the owner level on every group). `null` alike for a signed-out
   * caller (as `readable` answers one), someone neither a member nor its owner, one only
   * invited (an invitation gives nothing until accepted, expired or not), and a missing or
   * malformed id: the answer does not tell whether the group exists. For a rule of the app's
   * such as "only members may create a document in this workspace"; compare levels with
   * {@link AccessDecisions.levelAtLeast}, or let {@link AccessGroupLevel.requireGroupLevel} throw.
   *
   * @example
   * ```ts
   * const level = await guard.groupLevel(ctx, workspaceId); // "editor", "owner", ... or null
   * if (level === null) throw new ConvexError("not a member of this workspace");
   * ```
   */
  groupLevel<C extends AnyReaderCtx>(ctx: C, groupId: GroupId): Promise<L | null>;

  /**
   * The caller's level on a group ({@link AccessGroupLevel.groupLevel}), when it is `minLevel`
   * or higher in the configured order (the engine's comparison, as `requireAccess` makes it).
   *
   * @throws `ConvexError` `NOT_FOUND` "Group not found" where `groupLevel` answers `null` (a
   * signed-out caller too, as `requireAccess` answers one: the same data whether or not the
   * group exists); `FORBIDDEN` "Access level 'editor' or higher required" below `minLevel`;
   * `INVALID_ARGUMENT` for an unknown level name (checked first).
   * @example
   * ```ts
   * await guard.requireGroupLevel(ctx, workspaceId, "viewer"); // any member, its owner or a manager
   * ```
   */
  requireGroupLevel<C extends AnyReaderCtx>(ctx: C, groupId: GroupId, minLevel: L): Promise<L>;
}
