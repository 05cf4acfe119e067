import { serverTime } from "convex-guard";
import { ConvexError, v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";

// Every key below comes from the server: the caller's user row id, found through their
// verified identity. A key taken from the arguments would let a caller pick a fresh budget
// per request (or spend someone else's).

/** Signed in: post a message, at most 10 a minute per user. */
export const sendMessage = mutation({
  args: { body: v.string() },
  handler: async (ctx, { body }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "sendMessage", { key: user._id });
    // Throwing after the limit rolls the whole mutation back, the consumption included:
    // an empty message costs nothing.
    if (body.trim().length === 0) {
      throw new ConvexError({ code: "INVALID_ARGUMENT", message: "A message cannot be empty" });
    }
    await ctx.db.insert("messages", { author: user._id, body });
    return { sent: true };
  },
});

/** Signed in: an upload, limited per user (token bucket) and for everyone (sharded), together. */
export const upload = mutation({
  args: { size: v.number() },
  handler: async (ctx, { size }) => {
    const user = await guard.requireUser(ctx);
    // All or nothing: a user over their own limit does not spend the global budget, and a
    // full global budget does not spend the user's.
    await guard.rateLimitAll(ctx, [
      { name: "upload", key: user._id },
      { name: "uploadGlobal", key: "global" },
    ]);
    return { accepted: size };
  },
});

/** The demo's PIN. A real app compares a keyed hash of a secret, never a constant. */
const DEMO_PIN = "2468";

/**
 * Signed in: unlock with a PIN, 3 attempts in any 10 minutes (an exact sliding log). A wrong
 * PIN returns normally, so its attempt stays counted; the right one clears the attempts.
 */
export const unlock = mutation({
  args: { pin: v.string() },
  handler: async (ctx, { pin }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "login", { key: user._id });
    if (pin !== DEMO_PIN) return { unlocked: false };
    await guard.resetRateLimit(ctx, "login", { key: user._id });
    return { unlocked: true };
  },
});

/** Signed in: may I send a message now? Reads only. */
export const canSendMessage = query({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    return await guard.checkRateLimit(ctx, "sendMessage", { key: user._id, throws: false });
  },
});

/**
 * Signed in: the stored state of the caller's message limit, for a countdown in the browser
 * (`guard.rateLimitStatus("sendMessage", state, now)`), so the page need not ask again as
 * time passes.
 */
export const messageLimitState = query({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    return await guard.getRateLimitState(ctx, "sendMessage", { key: user._id });
  },
});

/**
 * Anyone: the server's clock, so a page's countdown (`useRateLimitStatus` from
 * `convex-guard/react`) runs on the server's time, not the browser's.
 */
export const serverNow = query(serverTime);
