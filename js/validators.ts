/**
 * Convex validators for the names a guard is configured with, for schemas and arguments.
 * Built on request (never at import) from names the engine has already accepted.
 */
import { v, type VLiteral, type VUnion } from "convex/values";

/** `v.union` of one `v.literal` per name: the validator type of a role or level field. */
export type NameValidator<N extends string> = VUnion<N, VLiteral<N, "required">[], "required", never>;

/** @internal */
export function nameValidator<N extends string>(names: readonly N[]): NameValidator<N> {
  return v.union(...names.map((name) => v.literal(name))) as NameValidator<N>;
}
