// A Convex function module that opts into context reuse, for reuse-context.test.mjs: each
// function depends on what is request-specific (the identity, the frozen Date.now, the per-
// execution random seed, the rows) so that any state one request leaves in module scope shows
// up in another request's answer or log.
import { mutationGeneric, queryGeneric } from "convex/server";
import { v } from "convex/values";
import { defineCodes, defineGuard, MINUTE } from "convex-guard";

export const experimental_reuseContext = true;

const guard = defineGuard({
  roles: ["user", "moderator", "admin"],
  permissions: { user: ["read:users"], moderator: ["write:users"], admin: ["users:*"] },
  access: { levels: ["viewer", "editor", "owner"] },
  rateLimits: {
    send: { rate: 2, period: MINUTE },
    bucket: { kind: "token bucket", rate: 1, period: MINUTE, capacity: 2 },
    global: { kind: "fixed window", rate: 100, period: MINUTE, shards: 4 },
  },
});
const codes = defineCodes();

/** Who the caller is and what they may do. */
export const me = queryGeneric({
  args: {},
  handler: async (ctx) => {
    const user = await guard.getUser(ctx);
    return { name: user?.name ?? null, write: guard.can(user, "write:users"), admin: guard.roleAtLeast(user, "admin") };
  },
});

export const adminOnly = queryGeneric({
  args: {},
  handler: async (ctx) => (await guard.requirePermission(ctx, "users:delete")).name,
});

/** Consumes the caller's "send" budget and a token of "bucket"; one of four "global" shards. */
export const send = mutationGeneric({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "global", { key: "global" });
    const bucket = await guard.rateLimit(ctx, "bucket", { key: user._id, throws: false });
    const sent = await guard.rateLimit(ctx, "send", { key: user._id });
    return { sent, bucket };
  },
});

/** The countdown at this request's time, from a state passed in. */
export const status = queryGeneric({
  args: { state: v.any() },
  handler: async (_ctx, { state }) => guard.rateLimitStatus("send", state, Date.now()),
});

/** Sharing decisions over facts at this request's time. */
export const share = queryGeneric({
  args: { expiresAt: v.number() },
  handler: async (ctx, { expiresAt }) => {
    const user = await guard.requireUser(ctx);
    const doc = { id: "d", owner: "someone", visibility: "private" as const, parent: null, grants: [{ to: user._id, kind: "direct" as const, level: "editor" as const, expiresAt }] };
    return guard.resolveShare({ now: Date.now(), caller: user._id, groups: [], documents: [doc] }, { id: "d", level: "viewer" });
  },
});

/** A code from this execution's random bytes. */
export const code = mutationGeneric({ args: {}, handler: async () => codes.generate() });

/** Exhausts the stack with an engine call in every frame: the overflow can strike inside one. */
export const exhaust = queryGeneric({
  args: {},
  handler: async (ctx) => {
    const user = await guard.getUser(ctx);
    const deep = (n: number): number => (guard.can(user, "read:users") ? deep(n + 1) : deep(n + 1));
    try {
      deep(0);
    } catch {
      return "exhausted";
    }
    return "no overflow";
  },
});
