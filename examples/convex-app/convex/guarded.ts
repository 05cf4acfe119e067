// The function builders: each function declares what it requires, and its handler receives
// the checked user (ctx.user) and, with `access`, the resolved document (ctx.doc). What each
// requires stays readable from the export (`guardRequirements(fn)`, the `__guard` property)
// for tooling such as `convex-guard audit`.
import { v } from "convex/values";
import { action, mutation, query } from "./_generated/server";
import { guard } from "./guard";

/** Signed in: the caller's own profile. */
export const myProfile = guard.query(query, {
  args: {},
  handler: async (ctx) => ({ name: ctx.user.name, role: ctx.user.role ?? null }),
});

/** Admins and above: how many users there are (at most 100 counted). */
export const countUsers = guard.query(query, {
  args: {},
  role: "admin",
  handler: async (ctx) => (await ctx.db.query("users").take(100)).length,
});

/**
 * Anyone who can see the document: its title. A document the caller cannot see is NOT_FOUND,
 * whether or not it exists (the id is a plain string on purpose, see documents.ts).
 */
export const readTitle = guard.query(query, {
  args: { id: v.string() },
  access: { table: "documents", arg: "id", level: "viewer" },
  // ctx.accessLevel: the caller's level on it, "viewer" or higher (the owner's "owner").
  handler: async (ctx) => ({ title: ctx.doc.title, reader: ctx.user.name, level: ctx.accessLevel }),
});

/** Editors and the owner: rename. A viewer of a public document is FORBIDDEN. */
export const renameDocument = guard.mutation(mutation, {
  args: { id: v.string(), title: v.string() },
  access: { table: "documents", arg: "id", level: "editor" },
  handler: async (ctx, { title }) => {
    await ctx.db.patch(ctx.doc._id, { title });
    return { was: ctx.doc.title };
  },
});

/** Signed in: post a message, 10 a minute per user (the key is the user's id by default). */
export const postMessage = guard.mutation(mutation, {
  args: { body: v.string() },
  rateLimit: { name: "sendMessage" },
  handler: async (ctx, { body }) => {
    await ctx.db.insert("messages", { author: ctx.user._id, body });
    return { sent: true };
  },
});

/**
 * Holders of "write:users": an import into a named bucket, limited per bucket. The key comes
 * from an argument only because it is declared here, `{ arg: "bucket" }`.
 */
export const importInto = guard.mutation(mutation, {
  args: { bucket: v.string() },
  permission: "write:users",
  rateLimit: { name: "upload", key: { arg: "bucket" } },
  handler: async (_ctx, { bucket }) => ({ bucket }),
});

/** Moderators and above, from an action: checked through convex/guardFunctions.ts. */
export const summarize = guard.action(action, {
  args: { topic: v.string() },
  role: "moderator",
  rateLimit: { name: "sendMessage" },
  handler: async (ctx, { topic }) => `${topic} for ${ctx.user.name}`,
});

/**
 * Signed in: an upload, limited per user and for everyone, all or nothing (the list is taken
 * through guard.rateLimitAll): a user over their own limit spends none of everyone's budget,
 * and a call everyone's budget refuses spends none of the user's.
 */
export const uploadFile = guard.mutation(mutation, {
  args: { size: v.number() },
  rateLimit: [{ name: "upload" }, { name: "uploadGlobal", key: "global" }],
  handler: async (_ctx, { size }) => ({ accepted: size }),
});
