/**
 * Data access boundaries (issue #3). Stub: replaced when the feature lands.
 */
import type { Authz } from "./authz.js";

/** The default ordered access levels, lowest first. */
export type DefaultLevel = "viewer" | "commenter" | "editor" | "owner";

/** Access configuration. */
export type AccessConfig<L extends string> = {
  /** Ordered access levels, lowest first; the last is the owner's. */
  levels?: readonly L[];
};

/** Access checks. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Access<L extends string> {
  /** @internal phantom, keeps L in the type */
  readonly __levels?: L;
}

/** @internal */
export function createAccess<L extends string>(
  _config: AccessConfig<L> | undefined,
  _authz: Authz<string, string, string>,
): Access<L> {
  return {};
}
