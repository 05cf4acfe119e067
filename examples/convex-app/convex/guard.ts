import { defineGuard, MINUTE } from "convex-guard";
// The roles' and permissions' decisions, computed ahead of time by `npx convex-guard compile`
// (run it again after changing roles or permissions; `make test` runs it with --check).
import { compiledPolicy } from "./guard.policy";

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
  // Checks of the configured roles and permissions answered from the tables: no engine start.
  compiledPolicy,
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
    // Everyone together: the paid API's own quota, 100 calls in any 10 minutes, taken with
    // each caller's own limit all or nothing (external.ts).
    externalLookupGlobal: { kind: "fixed window", rate: 100, period: 10 * MINUTE },
  },
  // Codes: 8 digits, 5 minutes, 5 attempts, and at most 10 failures per binding in 15 minutes
  // and 100 per actor in 24 hours, across re-issues (the defaults); the HMAC secret comes from
  // CONVEX_GUARD_SECRET, read inside each call. EXTERNAL_API_KEY never reaches an audit row,
  // a result or an error of a safe action. Only "admin:audit" holders read the trail.
  confirmations: {
    redactEnv: ["EXTERNAL_API_KEY"],
    audit: { readers: { permission: "admin:audit" } },
  },
  // What `npx convex-guard audit` reports and this app does on purpose, with the reason the
  // report shows. Read from this source by the audit; nothing at run time reads it.
  securityAudit: {
    allow: {
      "users:flagUser": {
        "user-id-arg": "the user a moderator flags, not the caller (who comes from requireRole)",
        "public-no-rate-limit": "moderators and above only",
      },
      "jobs:flagLater": { "user-id-arg": "the user a moderator flags, not the caller (the job acts for ctx.user._id)" },
      "jobs:unflagLater": { "user-id-arg": "the user whose flag is cleared, not the caller (the job acts for ctx.user._id)" },
      "system:setMaintenance": { "public-no-rate-limit": "holders of admin:system only" },
      "reports:canSend": { "public-no-rate-limit": "checkRateLimit only looks at the caller's budget (it takes nothing and writes nothing)" },
      "documents:updateDocument": { "public-no-rate-limit": "editors of the document only; rate limits are shown in ratelimit.ts" },
      "documents:transferDocument": { "public-no-rate-limit": "the document's owner only; rate limits are shown in ratelimit.ts" },
      "documents:createDocument": { "public-no-rate-limit": "signed-in users, into folders they may share only; rate limits are shown in ratelimit.ts" },
      "documents:moveDocument": { "public-no-rate-limit": "the document's owner only; rate limits are shown in ratelimit.ts" },
      "documents:moveFolder": { "public-no-rate-limit": "the folder's owner only; rate limits are shown in ratelimit.ts" },
      "documents:shareDocument": { "public-no-rate-limit": "holders of the share level only; rate limits are shown in ratelimit.ts" },
      "documents:revokeDocument": { "public-no-rate-limit": "holders of the share level only; rate limits are shown in ratelimit.ts" },
      "documents:removeFromDocument": {
        "public-no-rate-limit": "holders of the share level only; rate limits are shown in ratelimit.ts",
        "user-id-arg": "the user removed from the document, not the caller: what revoke takes, the share level",
      },
      "deletion:requestDeletionCode": {
        "user-id-arg": "the user whose data a superadmin deletes, bound into the code",
        "code-exposed": "the example returns the code to its tests and demo; a real app issues it in an internal mutation and sends it from an action (docs/sensitive-operations.md: Confirmation codes)",
        "public-no-rate-limit": "superadmins only; a real app also limits issuing codes (each issue grants fresh attempts)",
      },
      "deletion:confirmDeletion": {
        "user-id-arg": "the user whose data is deleted, bound into the code",
        "public-no-rate-limit": "each code allows 5 attempts and the failure budgets bound guessing across re-issues; rate limits are shown in ratelimit.ts",
      },
      "groups:createGroup": { "public-no-rate-limit": "signed-in users only; rate limits are shown in ratelimit.ts" },
      "groups:addMember": { "public-no-rate-limit": "group managers only; rate limits are shown in ratelimit.ts" },
      "groups:acceptInvite": { "public-no-rate-limit": "the caller's own invitations only; rate limits are shown in ratelimit.ts" },
      "groups:leaveGroup": { "public-no-rate-limit": "the caller's own memberships only; rate limits are shown in ratelimit.ts" },
      "groups:renameGroup": { "public-no-rate-limit": "the group's owner and admins only; rate limits are shown in ratelimit.ts" },
      "groups:removeMember": { "public-no-rate-limit": "group managers (or the member leaving) only; rate limits are shown in ratelimit.ts" },
      "groups:myLevel": { "public-no-auth": "anyone, on purpose: the caller's own level on a group, or null (signed out too), the same whether or not it exists" },
      "documents:deleteDocument": { "public-no-rate-limit": "the document's owner only; rate limits are shown in ratelimit.ts" },
      "guarded:renameDocument": { "public-no-rate-limit": "editors of the document only; rate limits are shown in ratelimit.ts" },
      "guarded:importInto": { "public-no-rate-limit": "holders of write:users only; keyed by its bucket argument on purpose, as ratelimit-attacks.test.ts shows" },
      "custom:deleterName": { "public-no-rate-limit": "holders of delete:users only" },
      "reports:purgePreview": { "public-no-rate-limit": "holders of delete:users only" },
      "reports:whoAmI": "anyone, on purpose: the caller's own name, or null when signed out",
      "ratelimit:serverNow": { "public-no-auth": "anyone, on purpose: the server's clock for a countdown, nothing else" },
      // A file: every finding of that rule in it.
      "convex/authProviders.ts": {
        "public-no-auth": "one test query per auth setup, each checked through via(guard), a structural wrapper the audit does not follow (auth-providers.test.ts pins each)",
      },
    },
  },
});
