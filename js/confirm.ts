/**
 * One-time confirmation codes, audit trail and safe actions (issue #5). Stub: replaced when
 * the feature lands.
 */
import type { Authz } from "./authz.js";

/** Confirmation-code configuration. */
export type ConfirmationsConfig = Record<string, unknown>;

/** Confirmation, audit and action operations. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Confirmations {}

/** @internal */
export function createConfirmations(
  _config: ConfirmationsConfig | undefined,
  _authz: Authz<string, string, string>,
): Confirmations {
  return {};
}
