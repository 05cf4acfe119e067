import { accessTables, auditTable, confirmationsTable, rateLimitTables } from "convex-guard";
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { guard } from "./guard";

// Access-protected tables: an owner (a users id), a visibility, and a parent to inherit from.
const visibility = v.union(v.literal("public"), v.literal("private"));

export default defineSchema({
  // convex-guard's rate-limit state: one row per limit and key (and shard).
  ...rateLimitTables,

  // The caller's user row, found by `guard.getUser` through `by_tokenIdentifier`.
  // `role` is optional and a plain string on purpose: rows written before a migration, or by
  // a buggy admin tool, are exactly where a guard must fail closed, and the tests write such
  // rows ("root", "__proto__"). An app declares `v.optional(guard.roleValidator())` instead, so
  // Convex refuses such a write (as the README's quick start does); `guard.validate({ schema })`
  // accepts either.
  users: defineTable({
    tokenIdentifier: v.string(),
    name: v.string(),
    role: v.optional(v.string()),
    flagged: v.optional(v.boolean()),
  }).index("by_tokenIdentifier", ["tokenIdentifier"]),

  // The users of the other auth setups (convex/authProviders.ts). Convex Auth keys its rows by
  // `_id` (its subject is `userId|sessionId`); Clerk and Auth0 apps keep the provider's user id
  // in `externalId`. `role` is `v.any()` here on purpose: rows written by another tool may hold
  // "Admin", ["admin"] or true, and the guard must refuse them.
  authUsers: defineTable({
    name: v.string(),
    email: v.optional(v.string()),
    role: v.optional(v.any()),
  }).index("by_email", ["email"]),
  externalUsers: defineTable({
    externalId: v.string(),
    name: v.string(),
    role: v.optional(v.any()),
  }).index("byExternalId", ["externalId"]),
  // Where a role must be exactly a configured name, the schema says so with the guard's own
  // validators (built when the schema is evaluated, not when a function module is imported).
  invitations: defineTable({
    email: v.string(),
    role: guard.roleValidator(),
    level: guard.levelValidator(),
  }),

  // Grants, groups and group membership, with the indexes convex-guard reads through.
  ...accessTables,
  folders: defineTable({
    name: v.string(),
    ownerId: v.id("users"),
    visibility,
    parentId: v.optional(v.id("folders")),
  }).index("by_owner", ["ownerId"]),
  documents: defineTable({
    title: v.string(),
    body: v.string(),
    ownerId: v.id("users"),
    visibility,
    folderId: v.optional(v.id("folders")),
  }).index("by_owner", ["ownerId"]),

  // The marketplace's listings (convex/marketplace.ts): owned by an externalUsers row (Clerk's
  // user), whose role is the token's claim.
  listings: defineTable({
    title: v.string(),
    sellerId: v.id("externalUsers"),
    visibility,
  }).index("by_owner", ["sellerId"]),

  messages: defineTable({
    author: v.id("users"),
    body: v.string(),
  }),

  settings: defineTable({
    key: v.string(),
    value: v.boolean(),
  }).index("by_key", ["key"]),

  // Pending confirmation codes (keyed hashes only) with their failure counts, one failure count
  // per actor, and the audit trail, from convex-guard.
  guardConfirmations: confirmationsTable,
  guardAudit: auditTable,
});
