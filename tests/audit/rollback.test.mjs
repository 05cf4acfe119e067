// The seventh review's attacks on the confirmation rules: a throw on a failed code reached
// through a test of the answer's `error` field (present exactly on a failure: `if (!r.ok &&
// r.error) throw ...`, the honest way to throw "the client-facing error"), `"error" in r`, a
// destructured `error`, `Promise.reject`, or an answer copied by `Object.assign`; the answer of
// a consuming mutation run as a sub-transaction (`ctx.runMutation`) asserted in the outer
// mutation; and a client-supplied `{ ok: true }` given to `guard.assertConfirmed`, which
// confirmed an admin's delete with no code. Run the way a user runs it: the bin of the packed
// tarball (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, WIRING, ANY_API, foundRules as found } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const app = (name, files) => scratchApp("rollback", name, files);

const HEAD = `import { v, ConvexError } from "convex/values";
import { mutation, internalMutation, action } from "./_generated/server";
import { internal } from "./_generated/api";
import type { MutationCtx } from "./_generated/server";
import { guard } from "./guard";

async function consume(ctx: MutationCtx, code: string) {
  const user = await guard.requireUser(ctx);
  await guard.rateLimit(ctx, "write", { key: user._id });
  return await guard.consumeConfirmation(ctx, { actor: user._id, action: "wipe", target: "all", code });
}
const A = { code: v.string() };
`;

const ERROR_TESTS = `${HEAD}
export const andError = mutation({
  args: A,
  handler: async (ctx, { code }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const r = await guard.consumeConfirmation(ctx, { actor: user._id, action: "wipe", target: "all", code });
    if (!r.ok && r.error) throw new ConvexError(r.error); // FINDING confirmation-rollback
    await ctx.db.insert("drafts", { userId: user._id, authorName: "x", body: "done" });
  },
});

export const okFalseAndCode = mutation({
  args: A,
  handler: async (ctx, { code }) => {
    const r = await consume(ctx, code);
    if (r.ok === false && r.error.code) throw new ConvexError(r.error); // FINDING confirmation-rollback
  },
});

export const errorOnly = mutation({
  args: A,
  handler: async (ctx, { code }) => {
    const r: any = await consume(ctx, code);
    if (r.error) throw new ConvexError(r.error); // FINDING confirmation-rollback
  },
});

export const errorDefined = mutation({
  args: A,
  handler: async (ctx, { code }) => {
    const r: any = await consume(ctx, code);
    if (r.error !== undefined) throw new ConvexError("bad"); // FINDING confirmation-rollback
  },
});

export const errorIn = mutation({
  args: A,
  handler: async (ctx, { code }) => {
    const r = await consume(ctx, code);
    if ("error" in r) throw new ConvexError("bad"); // FINDING confirmation-rollback
  },
});

export const errorInAnd = mutation({
  args: A,
  handler: async (ctx, { code }) => {
    const r = await consume(ctx, code);
    if ("error" in r && r.error) throw new ConvexError(r.error); // FINDING confirmation-rollback
  },
});

export const destructuredError = mutation({
  args: A,
  handler: async (ctx, { code }) => {
    const r: any = await consume(ctx, code);
    const { ok, error } = r;
    if (error) throw new ConvexError(error); // FINDING confirmation-rollback
    return ok;
  },
});

export const errorCopy = mutation({
  args: A,
  handler: async (ctx, { code }) => {
    const r: any = await consume(ctx, code);
    const failure = r.error;
    if (failure) throw new ConvexError(failure); // FINDING confirmation-rollback
  },
});

export const rejected = mutation({
  args: A,
  handler: async (ctx, { code }) => {
    const r = await consume(ctx, code);
    return r.ok ? null : Promise.reject(new ConvexError("bad")); // FINDING confirmation-rollback
  },
});

export const rejectedInIf = mutation({
  args: A,
  handler: async (ctx, { code }) => {
    const r = await consume(ctx, code);
    if (!r.ok) return Promise.reject(new ConvexError(r.error)); // FINDING confirmation-rollback
    return null;
  },
});

export const assigned = mutation({
  args: A,
  handler: async (ctx, { code }) => {
    const r = await consume(ctx, code);
    guard.assertConfirmed(Object.assign({}, r)); // FINDING confirmation-rollback
  },
});

// The right shapes: the answer's error returned, the mutation commits.
export const returnsError = mutation({
  args: A,
  handler: async (ctx, { code }) => {
    const r = await consume(ctx, code);
    if (!r.ok && r.error) return { error: r.error };
    if ("error" in r) return { error: r.error };
    return { ok: true };
  },
});

export const rejectsOnSuccessOnly = mutation({
  args: A,
  handler: async (ctx, { code }) => {
    const r = await consume(ctx, code);
    return r.error === undefined ? Promise.reject(new ConvexError("never")) : { error: r.error };
  },
});
`;

test("a throw on a failed code reached through the answer's error field, 'in', a destructured error, Promise.reject or Object.assign is confirmation-rollback", () => {
  const dir = app("error-field", { ...ANY_API, ...WIRING, "kc.ts": ERROR_TESTS });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "confirmation-rollback"), markers(`${dir}/convex`));
});

const SUB_TX = `${HEAD}
export const inner = internalMutation({
  args: A,
  handler: async (ctx, { code }) => {
    const user = await guard.requireUser(ctx);
    return await guard.consumeConfirmation(ctx, { actor: user._id, action: "wipe", target: "all", code });
  },
});

export const innerHelper = internalMutation({ args: A, handler: async (ctx, { code }) => consume(ctx, code) });

export const innerKept = internalMutation({
  args: A,
  handler: async (ctx, { code }) => {
    const r = await consume(ctx, code);
    return r;
  },
});

export const asserted = mutation({
  args: A,
  handler: async (ctx, { code }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const r = await ctx.runMutation(internal.kc.inner, { code });
    guard.assertConfirmed(r); // FINDING confirmation-rollback
  },
});

export const ifThrow = mutation({
  args: A,
  handler: async (ctx, { code }) => {
    const r = await ctx.runMutation(internal.kc.inner, { code });
    if (!r.ok) throw new ConvexError("bad"); // FINDING confirmation-rollback
  },
});

export const throughHelper = mutation({
  args: A,
  handler: async (ctx, { code }) => {
    const r = await ctx.runMutation(internal.kc.innerHelper, { code });
    guard.assertConfirmed(r); // FINDING confirmation-rollback
  },
});

export const throughCopy = mutation({
  args: A,
  handler: async (ctx, { code }) => {
    guard.assertConfirmed(await ctx.runMutation(internal.kc.innerKept, { code })); // FINDING confirmation-rollback
  },
});

// An action's throw undoes nothing the mutation committed: the right pattern.
export const fromAction = action({
  args: A,
  handler: async (ctx, { code }) => {
    await guard.requireUser(ctx);
    guard.assertConfirmed(await ctx.runMutation(internal.kc.inner, { code }));
  },
});

// A mutation that answers something else is no confirmation.
export const other = internalMutation({ args: A, handler: async () => ({ ok: false, error: "x" }) });
export const notAnAnswer = mutation({
  args: A,
  handler: async (ctx, { code }) => {
    const r = await ctx.runMutation(internal.kc.other, { code });
    if (!r.ok) throw new ConvexError("bad");
  },
});
`;

test("a consuming mutation run by ctx.runMutation in a mutation, then asserted or thrown on, is confirmation-rollback (a sub-transaction rolls back with it)", () => {
  const dir = app("sub-tx", { ...ANY_API, ...WIRING, "kc.ts": SUB_TX });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "confirmation-rollback"), markers(`${dir}/convex`));
});

const FORGED = `${HEAD}
export const forgedAny = mutation({
  args: { id: v.id("posts"), confirmation: v.any() },
  handler: async (ctx, { id, confirmation }) => {
    await guard.requireRole(ctx, "admin");
    await guard.rateLimit(ctx, "write", { key: "global" });
    guard.assertConfirmed(confirmation);
    await ctx.db.delete(id); // FINDING destructive-unconfirmed
  },
});

export const forgedTyped = mutation({
  args: { id: v.id("posts"), confirmation: v.object({ ok: v.literal(true) }) },
  handler: async (ctx, args) => {
    await guard.requireRole(ctx, "admin");
    await guard.rateLimit(ctx, "write", { key: "global" });
    const c = args.confirmation;
    guard.assertConfirmed(c);
    await ctx.db.delete(args.id); // FINDING destructive-unconfirmed
  },
});

export const literal = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requireRole(ctx, "admin");
    await guard.rateLimit(ctx, "write", { key: "global" });
    guard.assertConfirmed({ ok: true as const });
    await ctx.db.delete(id); // FINDING destructive-unconfirmed
  },
});

// The arguments whole, \`{ ok: true, id }\`: a handler's parameter is the client's, named or written in place.
async function namedHandler(ctx: MutationCtx, args: { ok: true; id: any }) {
  await guard.requireRole(ctx, "admin");
  await guard.rateLimit(ctx, "write", { key: "global" });
  guard.assertConfirmed(args);
  await ctx.db.delete(args.id); // FINDING destructive-unconfirmed
}
export const forgedNamed = mutation({ args: { id: v.id("posts"), ok: v.literal(true) }, handler: namedHandler });

const arrowHandler = async (ctx: MutationCtx, args: { ok: true; id: any }) => {
  await guard.requireRole(ctx, "admin");
  await guard.rateLimit(ctx, "write", { key: "global" });
  const copy = args;
  guard.assertConfirmed(copy);
  await ctx.db.delete(args.id); // FINDING destructive-unconfirmed
};
export const forgedArrow = mutation({ args: { id: v.id("posts"), ok: v.literal(true) }, handler: arrowHandler });

export const forgedWhole = mutation({
  args: { id: v.id("posts"), ok: v.literal(true) },
  async handler(ctx, args) {
    await guard.requireRole(ctx, "admin");
    await guard.rateLimit(ctx, "write", { key: "global" });
    guard.assertConfirmed(args);
    await ctx.db.delete(args.id); // FINDING destructive-unconfirmed
  },
});

export const internalForged = internalMutation({
  args: { id: v.id("posts"), confirmation: v.any() },
  handler: async (ctx, { id, confirmation }) => {
    guard.assertConfirmed(confirmation);
    await ctx.db.delete(id); // FINDING destructive-unconfirmed
  },
});

// A confirmation the mutation consumed itself, tested or asserted: confirmed.
export const consumed = mutation({
  args: { id: v.id("posts"), code: v.string() },
  handler: async (ctx, { id, code }) => {
    const user = await guard.requireRole(ctx, "admin");
    const r = await guard.consumeConfirmation(ctx, { actor: user._id, action: "delete", target: id, code });
    if (!r.ok) return { error: r.error };
    await ctx.db.delete(id);
    return { ok: true };
  },
});

function check(r: { ok: boolean }) {
  return guard.assertConfirmed(r as any);
}
export const innerAnswer = internalMutation({
  args: A,
  handler: async (ctx, { code }) => {
    const user = await guard.requireUser(ctx);
    return await guard.consumeConfirmation(ctx, { actor: user._id, action: "wipe", target: "all", code });
  },
});
// Asserted after the commit of its own mutation would be the action's way; in a mutation it is
// confirmation-rollback, but it still confirms the delete.
export const assertedHelper = internalMutation({
  args: { id: v.id("posts"), code: v.string() },
  handler: async (ctx, { id, code }) => {
    const r = await consume(ctx, code);
    check(r); // FINDING confirmation-rollback
    await ctx.db.delete(id);
  },
});
export const assertedRun = internalMutation({
  args: { id: v.id("posts"), code: v.string() },
  handler: async (ctx, { id, code }) => {
    const { ok } = guard.assertConfirmed(await ctx.runMutation(internal.kc.innerAnswer, { code })); // FINDING confirmation-rollback
    if (ok) await ctx.db.delete(id);
  },
});
`;

test("a client-supplied or literal { ok: true } given to guard.assertConfirmed confirms no delete; a consumed answer still does", () => {
  const dir = app("forged", { ...ANY_API, ...WIRING, "kc.ts": FORGED });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "destructive-unconfirmed", "confirmation-rollback"), markers(`${dir}/convex`));
});
