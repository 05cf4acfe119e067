/**
 * Defaults read both by the runtime and by the audit CLI, which is bundled on its own and
 * must not pull the runtime in: so this file imports nothing.
 * @internal
 */

/** The environment variable holding the server secret of confirmation codes, unless `confirmations.secretEnv` names another. */
export const DEFAULT_SECRET_ENV = "CONVEX_GUARD_SECRET";
