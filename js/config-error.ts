/**
 * {@link GuardConfigError}, in a module of its own: it imports nothing, so `convex-guard/react`
 * (which must bring neither `convex` nor the engine) throws the same error as the other entries.
 * @internal
 */

/** The brand every copy of {@link GuardConfigError} sets and recognises. */
const CONFIG_ERROR: unique symbol = Symbol.for("convex-guard.GuardConfigError");

/**
 * A configuration given to `defineGuard` is invalid. The message names the offending entry,
 * for example `duplicate role 'admin'`.
 *
 * @example
 * ```ts
 * try { defineGuard({ roles: ["a", "a"] }).validate(); }
 * catch (e) { e instanceof GuardConfigError; e.code === "INVALID_CONFIG"; }
 * ```
 */
export class GuardConfigError extends Error {
  /** Always `"INVALID_CONFIG"`. */
  readonly code = "INVALID_CONFIG";
  constructor(message: string) {
    super(message);
    this.name = "GuardConfigError";
    Object.defineProperty(this, CONFIG_ERROR, { value: true });
  }

  /**
   * `instanceof` by brand (a registered symbol, as `ConvexError` does), so the error of any
   * entry point (`convex-guard`, `convex-guard/client`, `convex-guard/client/roles`, each with
   * its own copy of this class) or of a duplicate install is recognised by every copy.
   */
  static override [Symbol.hasInstance](x: unknown): boolean {
    try {
      return typeof x === "object" && x !== null && (x as Record<symbol, unknown>)[CONFIG_ERROR] === true;
    } catch {
      return false; // a revoked Proxy, a throwing getter: not ours
    }
  }
}
