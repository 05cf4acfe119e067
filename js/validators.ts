/**
 * Convex validators for the names a guard is configured with, for schemas and arguments.
 * Built on request (never at import) from names the engine has already accepted.
 */
import { v, type VLiteral, type VUnion } from "convex/values";
import type { Access } from "./access.js";

/** `v.union` of one `v.literal` per name: the validator type of a role or level field. */
export type NameValidator<N extends string> = VUnion<N, VLiteral<N, "required">[], "required", never>;

/**
 * Frozen, with its members: the guard hands out one validator per kind, so a caller that
 * pushed onto `members` changed every other caller's (attack20: `grantLevelValidator()`
 * then admitted the owner's level). @internal
 */
export function nameValidator<N extends string>(names: readonly N[]): NameValidator<N> {
  const union = v.union(...names.map((name) => Object.freeze(v.literal(name))));
  Object.freeze(union.members);
  return Object.freeze(union) as NameValidator<N>;
}

/** Schema helpers for access levels (the role helpers are on `Authz`). */
export interface LevelValidators<L extends string, O extends string = never> {
  /**
   * A Convex validator accepting exactly the access level names (`v.union` of `v.literal`s),
   * for a table or argument that stores a level. Built when called, never at import. It
   * includes the owner's level, which `share` never grants: for a level to share, use
   * {@link LevelValidators.grantLevelValidator}.
   *
   * @example
   * ```ts
   * invites: defineTable({ docId: v.id("documents"), level: guard.levelValidator() })
   * ```
   */
  levelValidator(): NameValidator<L>;

  /**
   * A Convex validator of the levels a grant can hold: every level an owner may grant with
   * `share`, so every level but the owner's (the engine's `canShare` decides). Its value is
   * typed as `share` takes it. Built when called, never at import.
   *
   * @example
   * ```ts
   * export const shareDoc = mutation({
   *   args: { id: v.string(), userId: v.id("users"), level: guard.grantLevelValidator() },
   *   handler: (ctx, { id, userId, level }) => guard.share(ctx, "documents", id, { userId, level }),
   * });
   * ```
   */
  grantLevelValidator(): NameValidator<Exclude<L, O>>;
}

/** The levels a caller at the top level may grant, lowest first, as the engine decides. @internal */
export function grantable<L extends string>(access: Pick<Access<L>, "accessLevels" | "canShare">): L[] {
  const { levels } = access.accessLevels();
  const top = levels[levels.length - 1]!;
  return levels.filter((level) => access.canShare(top, level).ok);
}
