import { defineGuard } from "convex-guard";

/**
 * The app's one guard. Defining it costs nothing at import: the configuration is compiled
 * into the engine at the first check of a request.
 */
export const guard = defineGuard({
  roles: ["user", "moderator", "admin", "superadmin"], // lowest first
  permissions: {
    user: ["read:users"],
    moderator: ["write:users"], // plus everything below
    admin: ["delete:users"],
    superadmin: ["admin:*"], // every "admin:..." permission
  },
  // Codes: 8 digits, 5 minutes, 5 attempts (the defaults); the HMAC secret comes from
  // CONVEX_GUARD_SECRET, read inside each call. EXTERNAL_API_KEY never reaches an audit row,
  // a result or an error of a safe action. Only "admin:audit" holders read the trail.
  confirmations: {
    redactEnv: ["EXTERNAL_API_KEY"],
    audit: { readers: { permission: "admin:audit" } },
  },
});
