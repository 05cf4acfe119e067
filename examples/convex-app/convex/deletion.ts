// The deletion flow: a superadmin asks for a code, confirms it, and the deletion runs through
// the scheduler. Every step writes an audit row; a client never learns why a code failed.
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { action, internalMutation, mutation } from "./_generated/server";
import { guard } from "./guard";

const ACTION = "delete:user-data";

/**
 * Superadmins only: a code confirming the deletion of `userId`'s data. A real app sends it from
 * an action (sendDeletionCode, below); this one returns it to the tests and the demo (once: only
 * its keyed hash is stored).
 */
export const requestDeletionCode = mutation({
  args: { userId: v.id("users") },
  handler: async (ctx, { userId }) => {
    const admin = await guard.requireRole(ctx, "superadmin");
    const { code, expiresAt } = await guard.issueConfirmation(ctx, {
      actor: admin._id,
      action: ACTION,
      target: userId,
    });
    return { code, expiresAt };
  },
});

/** How a real app issues the code: in an internal mutation, whose answer only an action reads. */
export const issueDeletionCode = internalMutation({
  args: { userId: v.id("users") },
  handler: async (ctx, { userId }) => {
    const admin = await guard.requireRole(ctx, "superadmin");
    const { code } = await guard.issueConfirmation(ctx, { actor: admin._id, action: ACTION, target: userId });
    return { code };
  },
});

/**
 * ... and sends it by SMS from an action, never returning it (the tests fake `fetch`: see
 * sms.test.ts). The provider's address and body are made up.
 */
// convex-guard-allow: user-id-arg, public-no-rate-limit: the user whose data a superadmin deletes, bound into the code; superadmins only
export const sendDeletionCode = action(
  guard.safeAction({
    name: "deletion.sendCode",
    args: { userId: v.id("users") },
    handler: async (ctx, { userId }): Promise<{ sent: true }> => {
      const { code } = await ctx.runMutation(internal.deletion.issueDeletionCode, { userId });
      const response = await fetch("https://sms.example/v1/messages", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ to: "+15550100", text: `Your confirmation code: ${code}` }),
      });
      if (!response.ok) throw new Error(`sms provider ${response.status}`);
      return { sent: true };
    },
  }),
);

/**
 * Checks the code and, when accepted, schedules the deletion, in one transaction. Returns the
 * result instead of throwing so that a spent attempt is committed.
 */
export const consumeDeletionCode = internalMutation({
  args: { userId: v.id("users"), code: v.string() },
  handler: async (ctx, { userId, code }) => {
    const admin = await guard.requireRole(ctx, "superadmin");
    const result = await guard.consumeConfirmation(ctx, {
      actor: admin._id,
      action: ACTION,
      target: userId,
      code,
    });
    if (result.ok) {
      await ctx.scheduler.runAfter(0, internal.deletion.deleteAllUserData, {
        userId,
        by: admin._id,
      });
    }
    return result;
  },
});

/** Superadmins confirm with the code; any failure is the same INVALID_CONFIRMATION. */
export const confirmDeletion = action(
  guard.safeAction({
    name: "deletion.confirm",
    args: { userId: v.id("users"), code: v.string() },
    handler: async (ctx, { userId, code }): Promise<{ scheduled: true }> => {
      const result = await ctx.runMutation(internal.deletion.consumeDeletionCode, { userId, code });
      guard.assertConfirmed(result);
      return { scheduled: true };
    },
  }),
);

/**
 * The deletion itself, run by the scheduler; audited. The user row goes, then everything the
 * guard keeps about them (grants to them, group memberships and invitations, rate-limit rows,
 * pending codes and their failure count) through `guard.forgetUser`, which is bounded: while
 * rows remain it returns `done: false` and this mutation schedules itself again. The
 * documents and groups they own are this app's data: a real app transfers or deletes them
 * here too; grants they made to others stay valid (grants are not chained).
 */
export const deleteAllUserData = internalMutation({
  args: { userId: v.id("users"), by: v.id("users") },
  handler: async (ctx, { userId, by }) => {
    const user = await ctx.db.get(userId);
    if (user !== null) await ctx.db.delete(userId);
    const forgotten = await guard.forgetUser(ctx, userId);
    if (!forgotten.done) {
      await ctx.scheduler.runAfter(0, internal.deletion.deleteAllUserData, { userId, by });
    }
    await guard.audit.log(ctx, {
      action: "users.deleteAllData",
      outcome: user === null ? "continued" : "success",
      actor: by,
      resourceType: "users",
      resourceId: userId,
    });
    return forgotten;
  },
});
