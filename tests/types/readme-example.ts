// The README's opening example, type-checked against the installed package so the first thing
// a reader sees cannot drift from the API.
import { defineGuard, MINUTE } from "convex-guard";
import {
  defineSchema,
  defineTable,
  mutationGeneric,
  type DataModelFromSchemaDefinition,
  type MutationBuilder,
} from "convex/server";
import { ConvexError, v } from "convex/values";
import type { GuardErrorData } from "convex-guard";

export const guard = defineGuard({
  roles: ["user", "moderator", "admin", "superadmin"], // lowest first
  permissions: {
    user: ["read:users"],
    moderator: ["write:users"], // plus everything below
    admin: ["delete:users"],
    superadmin: ["admin:*"], // every "admin:..." permission
  },
  access: { tables: { documents: { owner: "ownerId", visibility: "visibility" } } },
  rateLimits: { writes: { kind: "sliding window", rate: 10, period: MINUTE } },
});

// The quick start's schema (convex/schema.ts imports the guard: no cycle, convex/guard.ts imports
// nothing of the app), and what convex/_generated/server gives the app: builders typed by it.
const schema = defineSchema({
  users: defineTable({ tokenIdentifier: v.string(), role: v.optional(guard.roleValidator()) }).index(
    "by_tokenIdentifier",
    ["tokenIdentifier"],
  ),
  documents: defineTable({
    title: v.string(),
    ownerId: v.id("users"),
    visibility: v.union(v.literal("public"), v.literal("private")),
  }).index("by_owner", ["ownerId"]),
});
type DataModel = DataModelFromSchemaDefinition<typeof schema>;
const mutation = mutationGeneric as MutationBuilder<DataModel, "public">;

// What a function requires is declared (and readable by tooling); the checked user is ctx.user.
export const removeUser = guard.mutation(mutation, {
  args: { userId: v.id("users") },
  permission: "delete:users", // a typo is a compile error
  rateLimit: { name: "writes" }, // keyed by the caller's user id; one row per key
  handler: async (ctx, { userId }) => {
    await ctx.db.delete(userId);
  },
});

// The hand-called checks the README's quick start still shows.
export const removeUserByHand = mutation({
  args: { userId: v.id("users") },
  handler: async (ctx, { userId }) => {
    const admin = await guard.requirePermission(ctx, "delete:users");
    await guard.rateLimit(ctx, "writes", { key: admin._id });
    await ctx.db.delete(userId);
  },
});

// The quick start's builder with an access level: ctx.doc is the document, typed.
export const renameDocument = guard.mutation(mutation, {
  args: { id: v.string(), title: v.string() },
  access: { table: "documents", arg: "id", level: "editor" },
  rateLimit: { name: "writes" },
  handler: async (ctx, { title }) => ctx.db.patch(ctx.doc._id, { title }),
});

// The same guard in the browser, and the typos it refuses.
export function preCheck(user: { role?: string } | null): boolean {
  // @ts-expect-error: no such permission
  guard.can(user, "delete:user");
  // @ts-expect-error: no such limit
  void guard.rateLimitStatus("wrtes", null, Date.now());
  return guard.can(user, "write:users");
}

// In a mutation too, access calls return the table's document type and check the table name.
export const rename = mutation({
  args: { id: v.string(), title: v.string() },
  handler: async (ctx, { id, title }) => {
    const { doc, accessLevel } = await guard.requireAccess(ctx, "documents", id, "editor");
    const old: string = doc.title;
    // @ts-expect-error: no such field on a document
    void doc.body;
    // @ts-expect-error: no such table
    await guard.requireAccess(ctx, "documnets", id, "editor");
    // @ts-expect-error: no such access level
    await guard.requireAccess(ctx, "documents", id, "editr");
    await ctx.db.patch(doc._id, { title });
    return { old, accessLevel };
  },
});


// The Errors section's type guard: the client's ConvexError data, typed by the package.
export function guardError(e: unknown): GuardErrorData | null {
  return e instanceof ConvexError && typeof e.data?.code === "string" && typeof e.data.message === "string"
    ? (e.data as GuardErrorData)
    : null;
}
export function onError(e: unknown): number | null {
  const data = guardError(e);
  // @ts-expect-error: no such code
  if (data?.code === "FORBIDEN") return null;
  if (data?.code === "RATE_LIMITED") return data.retryAfter satisfies number;
  // @ts-expect-error: only RATE_LIMITED carries a wait
  if (data?.code === "FORBIDDEN") return data.retryAfter;
  if (e instanceof ConvexError && (e.data as GuardErrorData).code === "FORBIDDEN") return 0;
  return null;
}
