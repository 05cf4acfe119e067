// The thirty-second review's FN5: a delete counted as confirmed (or audited) because
// `guard.consumeConfirmation` or `guard.audit.log` merely appeared in the mutation. Counted now
// only when it covers the delete: the answer decides whether the delete runs, the call is made
// on every path to it, and the confirmation names the id deleted. Run the way a user runs it:
// the bin of the packed tarball (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, ANY_API, foundRules as found } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const HEAD = `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import type { MutationCtx } from "./_generated/server";
import { guard } from "./guard";

const A = { id: v.id("drafts"), code: v.string() };
async function confirmOrError(ctx: MutationCtx, admin: { _id: string }, target: string, code: string) {
  const r = await guard.consumeConfirmation(ctx, { actor: admin._id, action: "deleteDraft", target, code });
  return r.ok ? null : r.error;
}
`;

// Each FINDING line is a delete its confirmation or audit row does not cover.
const UNCOVERED = `${HEAD}
// The audit row on the author's own path only: another's draft is deleted with none.
export const auditedForAuthorOnly = mutation({
  args: { id: v.id("drafts") },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    const d = await ctx.db.get(args.id);
    if (d === null) return null;
    if (d.authorId === user._id) {
      await guard.audit.log(ctx, { action: "drafts.delete", outcome: "success", actor: user._id, resourceType: "drafts", resourceId: args.id });
    }
    await ctx.db.delete(d._id); // FINDING destructive-unconfirmed
    return null;
  },
});
export const warnOnly = mutation({
  args: A,
  handler: async (ctx, args) => {
    const admin = await guard.requireRole(ctx, "admin");
    const r = await guard.consumeConfirmation(ctx, { actor: admin._id, action: "deleteDraft", target: args.id, code: args.code });
    if (!r.ok) console.warn("bad confirmation", r.error);
    await ctx.db.delete(args.id); // FINDING destructive-unconfirmed
    return { ok: r.ok };
  },
});

export const otherTarget = mutation({
  args: { ...A, confirmedId: v.string() },
  handler: async (ctx, args) => {
    const admin = await guard.requireRole(ctx, "admin");
    const r = await guard.consumeConfirmation(ctx, { actor: admin._id, action: "deleteDraft", target: args.confirmedId, code: args.code });
    if (!r.ok) return { error: r.error };
    await ctx.db.delete(args.id); // FINDING destructive-unconfirmed
    return { deleted: true };
  },
});

export const maybeConfirmed = mutation({
  args: { id: v.id("drafts"), code: v.optional(v.string()) },
  handler: async (ctx, args) => {
    const admin = await guard.requireRole(ctx, "admin");
    if (args.code !== undefined) {
      const r = await guard.consumeConfirmation(ctx, { actor: admin._id, action: "deleteDraft", target: args.id, code: args.code });
      if (!r.ok) return { error: r.error };
    }
    await ctx.db.delete(args.id); // FINDING destructive-unconfirmed
    return { deleted: true };
  },
});

export const maybeAudited = mutation({
  args: { id: v.id("drafts"), note: v.optional(v.string()) },
  handler: async (ctx, args) => {
    const admin = await guard.requireRole(ctx, "admin");
    if (args.note) await guard.audit.log(ctx, { action: "deleteDraft", actor: admin._id, resourceId: args.id, outcome: "success" });
    await ctx.db.delete(args.id); // FINDING destructive-unconfirmed
    return null;
  },
});

export const deletedFirst = mutation({
  args: A,
  handler: async (ctx, { id, code }) => {
    const admin = await guard.requireRole(ctx, "admin");
    await ctx.db.delete(id); // FINDING destructive-unconfirmed
    const r = await guard.consumeConfirmation(ctx, { actor: admin._id, action: "deleteDraft", target: id, code });
    if (!r.ok) return { error: r.error };
    return { deleted: true };
  },
});

export const failedThenDeleted = mutation({
  args: A,
  handler: async (ctx, args) => {
    const admin = await guard.requireRole(ctx, "admin");
    const r = await guard.consumeConfirmation(ctx, { actor: admin._id, action: "deleteDraft", target: args.id, code: args.code });
    if (!r.ok) {
      await ctx.db.delete(args.id); // FINDING destructive-unconfirmed
      return { error: r.error };
    }
    return { deleted: false };
  },
});
`;

// None of these deletes is reported: each is covered, or the audit cannot tell.
const COVERED = `${HEAD}
// "Its author, or an admin": the audit row on every path on which the caller is not the author.
export const authorOrAdmin = mutation({
  args: { id: v.id("drafts") },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    const d = await ctx.db.get(args.id);
    if (d === null) return null;
    if (d.authorId !== user._id) {
      await guard.requireRole(ctx, "admin");
      await guard.audit.log(ctx, { action: "drafts.delete", outcome: "success", actor: user._id, resourceType: "drafts", resourceId: args.id });
    }
    await ctx.db.delete(d._id);
    return null;
  },
});
// docs/sensitive-operations.md's flow (Confirmation codes): a failure answered before the delete.
export const deleteNote = mutation({
  args: A,
  handler: async (ctx, { id, code }) => {
    const admin = await guard.requireRole(ctx, "admin");
    const result = await guard.consumeConfirmation(ctx, { actor: admin._id, action: "deleteNote", target: id, code });
    if (!result.ok) return { error: result.error };
    await ctx.db.delete(id);
    return { deleted: true };
  },
});

export const onSuccess = mutation({
  args: A,
  handler: async (ctx, args) => {
    const admin = await guard.requireRole(ctx, "admin");
    const r = await guard.consumeConfirmation(ctx, { actor: admin._id, action: "deleteDraft", target: args.id, code: args.code });
    if (r.ok) {
      await ctx.db.delete(args.id);
    }
    return r;
  },
});

export const elseLeaves = mutation({
  args: A,
  handler: async (ctx, args) => {
    const admin = await guard.requireRole(ctx, "admin");
    const { ok } = await guard.consumeConfirmation(ctx, { actor: admin._id, action: "deleteDraft", target: args.id, code: args.code });
    if (ok) console.log("confirmed");
    else return { deleted: false };
    await ctx.db.delete(args.id);
    return { deleted: true };
  },
});

export const codeOrLeave = mutation({
  args: { id: v.id("drafts"), code: v.optional(v.string()) },
  handler: async (ctx, args) => {
    const admin = await guard.requireRole(ctx, "admin");
    if (args.code !== undefined) {
      const r = await guard.consumeConfirmation(ctx, { actor: admin._id, action: "deleteDraft", target: args.id, code: args.code });
      if (!r.ok) return { error: r.error };
    } else return { error: "a code is needed" };
    await ctx.db.delete(args.id);
    return { deleted: true };
  },
});

// A target the audit cannot compare (a template, a helper's parameter): not judged.
export const boundTarget = mutation({
  args: A,
  handler: async (ctx, args) => {
    const admin = await guard.requireRole(ctx, "admin");
    const r = await guard.consumeConfirmation(ctx, { actor: admin._id, action: "deleteDraft", target: \`draft:\${args.id}\`, code: args.code });
    if (!r.ok) return { error: r.error };
    await ctx.db.delete(args.id);
    return { deleted: true };
  },
});

export const throughHelper = mutation({
  args: A,
  handler: async (ctx, args) => {
    const admin = await guard.requireRole(ctx, "admin");
    const error = await confirmOrError(ctx, admin, args.id, args.code);
    if (error !== null) return { error };
    await ctx.db.delete(args.id);
    return { deleted: true };
  },
});

// An audit row after the delete, on every path (the example app's deleteAllUserData), or in both branches.
export const auditedAfter = mutation({
  args: { id: v.id("drafts") },
  handler: async (ctx, { id }) => {
    const admin = await guard.requireRole(ctx, "admin");
    const row = await ctx.db.get(id);
    if (row !== null) await ctx.db.delete(id);
    await guard.audit.log(ctx, { action: "deleteDraft", actor: admin._id, resourceId: id, outcome: row === null ? "missing" : "success" });
    return null;
  },
});

export const auditedEitherWay = mutation({
  args: { id: v.id("drafts"), note: v.optional(v.string()) },
  handler: async (ctx, args) => {
    const admin = await guard.requireRole(ctx, "admin");
    if (args.note) await guard.audit.log(ctx, { action: "deleteDraft", actor: admin._id, resourceId: args.id, outcome: args.note });
    else await guard.audit.log(ctx, { action: "deleteDraft", actor: admin._id, resourceId: args.id, outcome: "success" });
    await ctx.db.delete(args.id);
    return null;
  },
});
`;

test("a confirmation that does not decide the delete, is made on some paths only or confirms another target, and an audit row on some paths only, cover no delete", () => {
  const dir = scratchApp("confirmgate", "uncovered", { "drafts.ts": UNCOVERED });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "destructive-unconfirmed"), markers(`${dir}/convex`));
  const said = (fn) => r.findings.find((f) => f.rule === "destructive-unconfirmed" && f.function === `drafts:${fn}`);
  assert.equal(said("warnOnly").severity, "high");
  assert.match(said("warnOnly").message, /its confirmation \(guard\.consumeConfirmation\) does not decide whether the delete runs/);
  assert.match(said("otherTarget").message, /confirms another target \(argument 'confirmedId', while the delete takes argument 'id'\)/);
  // The fix of a code bound to another target asks to bind it to the document deleted (newuser27 F5); the others keep the rule's.
  assert.match(said("otherTarget").fix, /^Bind the code's target to the document deleted: .*argument 'id', not 'confirmedId'/);
  assert.equal(said("warnOnly").fix, said("maybeConfirmed").fix);
  assert.match(said("warnOnly").fix, /^Require a confirmation code \(guard\.consumeConfirmation\)/);
  assert.match(said("maybeConfirmed").message, /its confirmation \(guard\.consumeConfirmation\) is made on some paths only/);
  assert.match(said("maybeAudited").message, /its audit row \(guard\.audit\.log\) is written on some paths only/);
  assert.match(said("deletedFirst").message, /does not decide whether the delete runs/);
});

test("a failure answered before the delete, the delete on a success only, and an audit row on every path still cover it", () => {
  const dir = scratchApp("confirmgate", "covered", { "drafts.ts": COVERED });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "destructive-unconfirmed"), []);
});

// The review's FN8: a public mutation that resets the caller's own limit on each call.
const RESETS = `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";

export const dismissCooldown = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.resetRateLimit(ctx, "write", { key: user._id }); // FINDING public-no-rate-limit
    return null;
  },
});

export const dismissOwn = mutation({
  args: {},
  handler: async (ctx) => {
    const { _id: me } = await guard.requireRole(ctx, "user");
    await guard.rateLimit(ctx, "write", { key: me });
    await guard.resetRateLimit(ctx, "write", { key: me }); // FINDING public-no-rate-limit
  },
});

// A switch's break or a loop's continue before the reset leaves no path without it.
export const dismissAfterSwitch = mutation({
  args: { kind: v.string() },
  handler: async (ctx, { kind }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    switch (kind) {
      case "a":
        break;
      default:
        break;
    }
    for (const k of [kind]) if (k === "") continue;
    await guard.resetRateLimit(ctx, "write", { key: user._id }); // FINDING public-no-rate-limit
  },
});

// The example app's unlock: the attempts cleared once the right PIN passed.
export const unlock = mutation({
  args: { pin: v.string() },
  handler: async (ctx, { pin }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    if (pin !== "2468") return { unlocked: false };
    await guard.resetRateLimit(ctx, "write", { key: user._id });
    return { unlocked: true };
  },
});

export const unlockInBranch = mutation({
  args: { pin: v.string() },
  handler: async (ctx, { pin }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    if (pin === "2468") await guard.resetRateLimit(ctx, "write", { key: user._id });
  },
});

// An admin clearing a user's limit, or their own.
export const adminReset = mutation({
  args: { userId: v.id("users") },
  handler: async (ctx, { userId }) => {
    const admin = await guard.requireRole(ctx, "admin");
    await guard.rateLimit(ctx, "write", { key: admin._id });
    await guard.resetRateLimit(ctx, "write", { key: userId });
    await guard.resetRateLimit(ctx, "write", { key: admin._id });
  },
});
`;

test("a public mutation resetting the caller's own limit on every call, with no role above the lowest, is public-no-rate-limit at the reset", () => {
  const dir = scratchApp("confirmgate", "resets", { "limits.ts": RESETS });
  const r = auditReport(cli, dir);
  const resets = r.findings.filter((f) => f.rule === "public-no-rate-limit" && f.message.includes("resetRateLimit"));
  assert.deepEqual(resets.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), markers(`${dir}/convex`));
  assert.equal(resets[0].severity, "medium");
  assert.match(resets[0].message, /resets rate limit 'write' keyed by the caller's own id on every call \(guard\.resetRateLimit\): any signed-in caller clears their own limit/);
});

// The review's FN9: an action that runs the delete before it asserts the confirmation.
const ASSERTS = `import { v } from "convex/values";
import { action, internalMutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

const A = { id: v.id("drafts"), code: v.string() };
export const consume = internalMutation({
  args: A,
  handler: async (ctx, { id, code }) => {
    const admin = await guard.requireRole(ctx, "admin");
    return await guard.consumeConfirmation(ctx, { actor: admin._id, action: "deleteDraft", target: id, code });
  },
});
export const doDelete = internalMutation({
  args: { id: v.id("drafts") },
  handler: async (ctx, { id }) => {
    await ctx.db.delete(id);
  },
});

export const deleteThenAssert = action({
  args: A,
  handler: async (ctx, args): Promise<null> => {
    const result = await ctx.runMutation(internal.acts.consume, args);
    await ctx.runMutation(internal.acts.doDelete, { id: args.id });
    guard.assertConfirmed(result);
    return null;
  },
});

export const assertThenDelete = action({
  args: A,
  handler: async (ctx, args): Promise<null> => {
    const result = await ctx.runMutation(internal.acts.consume, args);
    guard.assertConfirmed(result);
    await ctx.runMutation(internal.acts.doDelete, { id: args.id });
    return null;
  },
});
`;

test("an action that runs another mutation between the consuming run and guard.assertConfirmed is not shown as confirmed", () => {
  const dir = scratchApp("confirmgate", "asserts", { ...ANY_API, "acts.ts": ASSERTS });
  const fns = Object.fromEntries(auditReport(cli, dir).functions.map((f) => [f.function, f]));
  assert.equal(fns["acts:deleteThenAssert"].confirmed, false);
  assert.equal(fns["acts:assertThenDelete"].confirmed, true);
});

// newuser24 item 8: a code checked through an app helper whose boolean answer is the consume's `ok`.
const OK_HELPERS = `${HEAD}
async function confirmed(ctx: MutationCtx, code: string, target: string) {
  const r = await guard.consumeConfirmation(ctx, { actor: "admin", action: "deleteDraft", target, code });
  return r.ok;
}
const confirmedArrow = async (ctx: MutationCtx, code: string, target: string) => (await guard.consumeConfirmation(ctx, { actor: "admin", action: "deleteDraft", target, code })).ok;
async function ignoresOk(ctx: MutationCtx, code: string, target: string) {
  await guard.consumeConfirmation(ctx, { actor: "admin", action: "deleteDraft", target, code });
  return true;
}
async function okOrSkipped(ctx: MutationCtx, code: string, target: string, skip: boolean) {
  const r = await guard.consumeConfirmation(ctx, { actor: "admin", action: "deleteDraft", target, code });
  return skip || r.ok;
}
const B = { id: v.id("drafts"), code: v.string(), skip: v.boolean() };
`;
const OK_CALLER = (name, body) => `export const ${name} = mutation({
  args: B,
  handler: async (ctx, args) => {
    await guard.requireRole(ctx, "admin");
${body}
  },
});
`;

test("a code checked through an app helper returning the consume's ok, the caller leaving on false before the delete, confirms it (a throw there is confirmation-rollback); not when the helper's answer is not the ok, nor when the caller does not leave on it before the delete", () => {
  const DELETE = "    await ctx.db.delete(args.id);";
  const covered = scratchApp(
    "confirmgate",
    "okHelper",
    {
      "drafts.ts":
        OK_HELPERS +
        OK_CALLER("returns", `    if (!(await confirmed(ctx, args.code, args.id))) return { deleted: false };\n${DELETE}\n    return { deleted: true };`) +
        OK_CALLER("heldInConst", `    const ok = await confirmedArrow(ctx, args.code, args.id);\n    if (!ok) return null;\n${DELETE}\n    return null;`) +
        OK_CALLER("throws", `    if (!(await confirmed(ctx, args.code, args.id))) throw new Error("bad code"); // FINDING confirmation-rollback\n${DELETE}`),
    },
  );
  const c = auditReport(cli, covered);
  assert.deepEqual(found(c, "destructive-unconfirmed", "confirmation-rollback"), markers(`${covered}/convex`));
  const open = scratchApp(
    "confirmgate",
    "okHelperOpen",
    {
      "drafts.ts":
        OK_HELPERS +
        OK_CALLER("helperIgnoresOk", `    if (!(await ignoresOk(ctx, args.code, args.id))) return null;\n${DELETE} // FINDING destructive-unconfirmed`) +
        OK_CALLER("helperSkips", `    if (!(await okOrSkipped(ctx, args.code, args.id, args.skip))) return null;\n${DELETE} // FINDING destructive-unconfirmed`) +
        OK_CALLER("callerIgnores", `    await confirmed(ctx, args.code, args.id);\n${DELETE} // FINDING destructive-unconfirmed`) +
        OK_CALLER("callerLogs", `    const ok = await confirmed(ctx, args.code, args.id);\n    console.log(ok);\n${DELETE} // FINDING destructive-unconfirmed`) +
        OK_CALLER("deletedFirst", `    const ok = await confirmed(ctx, args.code, args.id);\n${DELETE} // FINDING destructive-unconfirmed\n    if (!ok) return null;`),
    },
  );
  const o = auditReport(cli, open);
  assert.deepEqual(found(o, "destructive-unconfirmed", "confirmation-rollback"), markers(`${open}/convex`));
  assert.match(o.findings.find((f) => f.rule === "destructive-unconfirmed" && f.function === "drafts:deletedFirst").message, /its confirmation \(confirmed -> guard\.consumeConfirmation\) does not decide whether the delete runs/);
});
