import { defineGuard, MINUTE } from "convex-guard";

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
  access: {
    levels: ["viewer", "commenter", "editor", "owner"], // lowest first; the last is the owner's
    tables: {
      folders: { owner: "ownerId", visibility: "visibility", parent: "parentId" },
      documents: { owner: "ownerId", visibility: "visibility", parent: "folderId", parentTable: "folders" },
    },
    // Each group's owner and its members (by their level) manage it; admins manage every group.
    groups: { managers: { role: "admin" } },
  },
  rateLimits: {
    // Per user: 10 messages a minute, approximately (two counters per user).
    sendMessage: { kind: "sliding window", rate: 10, period: MINUTE },
    // Per user: bursts of 3 uploads, then one every 20 seconds.
    upload: { kind: "token bucket", rate: 3, period: MINUTE, capacity: 3 },
    // Everyone together: 100 uploads a minute, spread over 4 rows so concurrent uploads by
    // different users rarely touch the same row.
    uploadGlobal: { kind: "fixed window", rate: 100, period: MINUTE, shards: 4 },
    // Per user: 3 PIN attempts in any 10 minutes, exactly (one timestamp per attempt).
    login: { kind: "sliding log", rate: 3, period: 10 * MINUTE },
    // Per caller: 10 calls of the external lookup (a paid API) in any 10 minutes.
    externalLookup: { kind: "sliding log", rate: 10, period: 10 * MINUTE },
  },
  // Codes: 8 digits, 5 minutes, 5 attempts, and at most 10 failures per binding in 15 minutes
  // and 100 per actor in 24 hours, across re-issues (the defaults); the HMAC secret comes from
  // CONVEX_GUARD_SECRET, read inside each call. EXTERNAL_API_KEY never reaches an audit row,
  // a result or an error of a safe action. Only "admin:audit" holders read the trail.
  confirmations: {
    redactEnv: ["EXTERNAL_API_KEY"],
    audit: { readers: { permission: "admin:audit" } },
  },
});
