import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import type { GrantTarget } from "convex-guard";
import type { Id } from "./_generated/dataModel";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";

// Ids arrive as plain strings on purpose: a malformed id, or an id from another table, must get
// exactly the answer a missing or forbidden document gets (`v.id("documents")` would reject
// them with a different error, telling the caller something). User ids too: the guard types
// them `Id<"users">` and checks at run time that they are (a malformed or other-table id is
// refused after the caller's right, as a missing user is), so the casts below only name that.
// The level validators are written out rather than built by `guard.levelValidator()` and
// `guard.grantLevelValidator()`, which would compile the guard when this module is imported (a
// request pays that at its first check anyway; this app keeps imports free of it, and
// tests/node/convex-bundle.test.mjs holds it to that). `satisfies` keeps them the guard's.
/** An access level as a function argument (the guard refuses the owner level where it must). */
export const accessLevel = v.union(v.literal("viewer"), v.literal("commenter"), v.literal("editor"), v.literal("owner")) satisfies ReturnType<
  typeof guard.levelValidator
>;
/** A level a grant can give: every level but the owner's (`guard.share`'s type refuses it). */
export const grantLevel = v.union(v.literal("viewer"), v.literal("commenter"), v.literal("editor")) satisfies ReturnType<
  typeof guard.grantLevelValidator
>;
const target = { userId: v.optional(v.string()), groupId: v.optional(v.string()) };
// The guard itself refuses anything but exactly one of the two.
const grantTarget = (t: { userId?: string; groupId?: string }) => t as GrantTarget<Id<"users">>;

/** "getMyData": the documents the caller owns or was given, a page at a time. */
export const listMine = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => {
    await guard.requireUser(ctx);
    const { page, isDone, continueCursor } = await guard.listAccessible(ctx, "documents", { paginationOpts });
    return { page: page.map((r) => ({ title: r.doc.title, accessLevel: r.accessLevel })), isDone, continueCursor };
  },
});

/** "getSensitiveItem": the owner's eyes only; `null` for everyone else, whether or not it exists. */
export const getSensitiveItem = query({
  args: { id: v.string() },
  handler: async (ctx, { id }) => {
    const r = await guard.readable(ctx, "documents", id, "owner");
    return r && { title: r.doc.title, body: r.doc.body };
  },
});

/** "getSharedDocument": public documents, the owner, and anyone with a live grant. */
export const getSharedDocument = query({
  args: { id: v.string() },
  handler: async (ctx, { id }) => {
    const r = await guard.readable(ctx, "documents", id);
    return r && { title: r.doc.title, body: r.doc.body, accessLevel: r.accessLevel };
  },
});

/**
 * Create a document, in a folder (`folderId`) or in none. The folder field carries access (the
 * folder's owner holds the owner level on what is in it), so the document is inserted through
 * the guard: owned by the caller, into a folder they may share (one they only view is
 * FORBIDDEN, one they cannot see NOT_FOUND), and the schema keeps `ownerId` required.
 */
export const createDocument = mutation({
  args: { title: v.string(), body: v.string(), folderId: v.optional(v.string()) },
  handler: async (ctx, { title, body, folderId }) => {
    const user = await guard.requireUser(ctx);
    const doc = { title, body, ownerId: user._id, visibility: "private" as const, folderId: folderId as Id<"folders"> | undefined };
    return { id: await guard.insertDocument(ctx, "documents", doc) };
  },
});

/** Editors and above: change the body. */
export const updateDocument = mutation({
  args: { id: v.string(), body: v.string() },
  handler: async (ctx, { id, body }) => {
    await guard.requireUser(ctx);
    const { doc } = await guard.requireAccess(ctx, "documents", id, "editor");
    await ctx.db.patch(doc._id, { body });
    return { updated: doc.title };
  },
});

/** Share with a user or a group (re-sharing replaces the previous grant). */
export const shareDocument = mutation({
  args: { id: v.string(), ...target, level: grantLevel, expiresAt: v.optional(v.number()) },
  handler: async (ctx, { id, level, expiresAt, ...t }) => {
    await guard.share(ctx, "documents", id, { ...grantTarget(t), level, expiresAt });
    return { shared: level };
  },
});

/** Take a user's or a group's grant away. */
export const revokeDocument = mutation({
  args: { id: v.string(), ...target },
  handler: async (ctx, { id, ...t }) => ({ revoked: await guard.revoke(ctx, "documents", id, grantTarget(t)) }),
});

/**
 * Remove someone from a document: their own grant and every grant they made on it, to users and
 * groups (grants are not chained: revoking theirs alone leaves what they shared). One step: what
 * their grantees shared in turn stays. Takes what `revoke` takes (the share level), all or
 * nothing: one grant above the caller's level refuses the call and nothing goes. The caller's own
 * grant stays even when the removed user made it; grants to groups go after those to users, and
 * the removed user's own grant last, so a caller who holds their access through one of those
 * loses it only with the last revokes. Answers how many grants went. docs/access.md, "No grant
 * outlives its sharer's right to share", shows it.
 */
export const removeFromDocument = mutation({
  args: { id: v.string(), userId: v.string() },
  handler: async (ctx, { id, userId }) => {
    const me = await guard.requireUser(ctx);
    const user = userId as Id<"users">;
    const users: GrantTarget<Id<"users">>[] = [];
    const groups: GrantTarget<Id<"users">>[] = [];
    const paginationOpts = { numItems: 100, cursor: null as string | null };
    for (;;) {
      const page = await guard.listGrants(ctx, "documents", id, { paginationOpts });
      for (const g of page.page) {
        if (g.grantedBy !== user || g.userId === me._id || g.userId === user) continue; // the caller's own stays
        if (g.userId !== undefined) users.push({ userId: g.userId });
        else groups.push({ groupId: g.groupId! });
      }
      if (page.isDone) break;
      paginationOpts.cursor = page.continueCursor;
    }
    let revoked = 0;
    for (const t of [...users, ...groups, { userId: user }]) if (await guard.revoke(ctx, "documents", id, t)) revoked++;
    return { revoked };
  },
});

/** Who holds what on a document: for those who may share it (and so revoke) only. */
export const listDocumentGrants = query({
  args: { id: v.string(), paginationOpts: paginationOptsValidator },
  handler: async (ctx, { id, paginationOpts }) => await guard.listGrants(ctx, "documents", id, { paginationOpts }),
});

/** Only the owner hands the document to someone else. */
export const transferDocument = mutation({
  args: { id: v.string(), newOwnerId: v.string() },
  handler: async (ctx, { id, newOwnerId }) => {
    await guard.transferOwnership(ctx, "documents", id, newOwnerId as Id<"users">);
    return { transferred: true };
  },
});

/**
 * Only the owner deletes a document, and its grants go with it (to users and groups alike), so
 * no former grantee's listing reads them again. The documents in it (a folder's) stay. The
 * deletion is recorded in the audit trail, in the same transaction.
 */
export const deleteDocument = mutation({
  args: { id: v.string() },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    const grantsRemoved = await guard.deleteDocument(ctx, "documents", id);
    await guard.audit.log(ctx, {
      action: "documents.delete",
      outcome: "success",
      actor: user._id,
      resourceType: "documents",
      resourceId: id,
      details: { grantsRemoved },
    });
    return { grantsRemoved };
  },
});

/**
 * File a document into a folder (`folderId`), or take it out of every folder (`null`). The
 * folder field carries access (the folder's owner holds the owner level on what is in it), so
 * it is written only through the guard: the document's owner only, into a folder they may
 * share, never into itself.
 */
export const moveDocument = mutation({
  args: { id: v.string(), folderId: v.union(v.string(), v.null()) },
  handler: async (ctx, { id, folderId }) => {
    await guard.requireUser(ctx);
    await guard.moveDocument(ctx, "documents", id, folderId);
    return { moved: true };
  },
});

/** The same for a folder: under another folder (`parentId`), or to the top (`null`). */
export const moveFolder = mutation({
  args: { id: v.string(), parentId: v.union(v.string(), v.null()) },
  handler: async (ctx, { id, parentId }) => {
    await guard.requireUser(ctx);
    await guard.moveDocument(ctx, "folders", id, parentId);
    return { moved: true };
  },
});
