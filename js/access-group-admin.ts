/**
 * Data access boundaries: the public interface of listing a group's members and renaming it,
 * part of {@link Access} (access.ts, split out for length). The methods are access-groups.ts's;
 * who may call them is decided by the engine on the caller's level on the group, as for every
 * group call.
 */
import type { GenericDataModel } from "convex/server";
import type { AnyReaderCtx, WriterCtx } from "./ctx.js";
import type { GroupId } from "./access-tables.js";
import type { AccessPageOptions, GroupMember } from "./access-types.js";

/** A group's members, and its name. See {@link Access}. */
export interface AccessGroupAdmin<L extends string, U extends string = string> {
  /**
   * One page of a group's members (`{ userId, level, invited, expiresAt? }`, `numItems` 1 to
   * 100), for anyone who holds a level on it ({@link AccessGroupLevel.groupLevel} answers one:
   * its members, its owner, managers). Pending invitations (`invited: true`, with their
   * `expiresAt` if any, expired or not) are listed only to those who may withdraw them, that is
   * who may manage members (the sharing rules at the lowest level, as `removeGroupMember`
   * asks); other members see accepted memberships only. A group's owner is listed only when
   * they joined it (ownership is not a membership).
   *
   * @throws `ConvexError` `NOT_FOUND` "Group not found" where `groupLevel` answers `null` (a
   * signed-out caller, a non-member, one only invited, a missing or malformed id), as
   * {@link AccessGroupLevel.requireGroupLevel}; `INVALID_ARGUMENT` for a malformed cursor or a
   * `numItems` out of 1..100, as {@link Access.listMyGroups} (checked first).
   * @example
   * ```ts
   * const { page, isDone, continueCursor } = await guard.listGroupMembers(ctx, orgId, { paginationOpts });
   * ```
   */
  listGroupMembers<C extends AnyReaderCtx>(
    ctx: C,
    groupId: GroupId,
    options: { paginationOpts: AccessPageOptions },
  ): Promise<{ page: GroupMember<L, U>[]; isDone: boolean; continueCursor: string }>;

  /**
   * Renames a group: the name rule of {@link Access.createGroup} (1 to 200 characters, not
   * blank, no control, invisible or bidirectional formatting character), checked first. Only
   * callers at the owner level on it may: its owner (`accessGroups.ownerId`) and
   * `access.groups.managers`; a member never holds that level, whatever their membership's.
   *
   * @throws `ConvexError` `UNAUTHENTICATED`; `INVALID_ARGUMENT` for a name `createGroup`
   * refuses; `NOT_FOUND` "Group not found" when the caller holds nothing on it (a missing or
   * malformed id too); `FORBIDDEN` "Access level 'owner' or higher required" for a member.
   * @example
   * ```ts
   * await guard.renameGroup(ctx, orgId, "Platform team");
   * ```
   */
  renameGroup<DM extends GenericDataModel>(ctx: WriterCtx<DM>, groupId: GroupId, name: string): Promise<void>;
}
