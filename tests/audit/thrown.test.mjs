// An attacker's review of the audit (its eighth): a one-time code, or a document read by an
// argument's id, thrown in a `ConvexError` reaches the caller as a returned one does (Convex
// sends a ConvexError's data to the client), but only a `return` was seen. A code in another
// error's message is kept in clear by the deployment's logs (and shown by a development
// deployment), as a scheduled function's arguments are. Run the way a user runs it: the bin of
// the packed tarball (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, WIRING, ANY_API as API, foundRules as found } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const app = (name, files, guard) => scratchApp("thrown", name, files, guard);

const GUARD = `import { defineGuard, MINUTE } from "convex-guard";
export const guard = defineGuard({
  roles: ["user", "admin"],
  rateLimits: { write: { kind: "token bucket", rate: 10, period: MINUTE } },
});
`;

test("a one-time code thrown in a ConvexError is code-exposed, in an error's message too (even internal); a denial without it is not", () => {
  const dir = app("codes", {
    ...API,
    ...WIRING,
    "codes.ts": `import { v, ConvexError } from "convex/values";
import { action, internalMutation, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

export const issueCode = internalMutation({
  args: { actor: v.string() },
  handler: async (ctx, { actor }) => {
    const { code, expiresAt } = await guard.issueConfirmation(ctx, { actor, action: "account.delete", target: actor });
    return { code, expiresAt };
  },
});

export const startDeleteThrow = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const { code } = await guard.issueConfirmation(ctx, { actor: user._id, action: "account.delete", target: user._id });
    throw new ConvexError({ message: \`code \${code}\` }); // FINDING code-exposed
  },
});

export const startDeleteActionThrow = action({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const r = await ctx.runMutation(internal.codes.issueCode, { actor: user._id });
    throw new ConvexError(r.code); // FINDING code-exposed
  },
});

export const issueAndLog = internalMutation({
  args: { actor: v.string() },
  handler: async (ctx, { actor }) => {
    const { code } = await guard.issueConfirmation(ctx, { actor, action: "account.delete", target: actor });
    if (code.length > 0) throw new Error(\`issued \${code}\`); // FINDING code-exposed
    return null;
  },
});

export const deniedPlainly = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const { expiresAt } = await guard.issueConfirmation(ctx, { actor: user._id, action: "account.delete", target: user._id });
    throw new ConvexError({ message: "Check your e-mail", expiresAt });
  },
});
`,
  }, GUARD);
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "code-exposed"), markers(`${dir}/convex`));
  const message = (fn) => r.findings.find((f) => f.rule === "code-exposed" && f.function === fn).message;
  assert.match(message("codes:startDeleteThrow"), /^public mutation codes:startDeleteThrow throws the one-time code of guard\.issueConfirmation in a ConvexError, whose data reaches its caller/);
  assert.match(message("codes:startDeleteActionThrow"), /^public action codes:startDeleteActionThrow throws the one-time code that internal\.codes\.issueCode .* in a ConvexError/);
  assert.match(message("codes:issueAndLog"), /^codes:issueAndLog throws the one-time code of guard\.issueConfirmation in an error's message: the deployment's logs keep it in clear/);
});

test("a document read by an argument's id and thrown in a ConvexError is an unchecked-id-read; a ConvexError without it, or after an ownership check, is not", () => {
  const dir = app("documents", {
    ...API,
    "docs.ts": `import { v, ConvexError } from "convex/values";
import { query } from "./_generated/server";
import { guard } from "./guard";

export const peekThrow = query({
  args: { id: v.id("notes") },
  handler: async (ctx, args) => {
    await guard.requireUser(ctx);
    const doc = await ctx.db.get(args.id); // FINDING unchecked-id-read
    throw new ConvexError({ message: "locked", current: doc });
  },
});

export const peekInline = query({
  args: { id: v.id("notes") },
  handler: async (ctx, args) => {
    await guard.requireUser(ctx);
    throw new ConvexError({ current: await ctx.db.get(args.id) }); // FINDING unchecked-id-read
  },
});

export const missingPlainly = query({
  args: { id: v.id("notes") },
  handler: async (ctx, args) => {
    await guard.requireUser(ctx);
    const doc = await ctx.db.get(args.id);
    if (doc === null) throw new ConvexError("Note not found");
    return null;
  },
});

export const ownerChecked = query({
  args: { id: v.id("notes") },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    const doc = await ctx.db.get(args.id);
    if (doc === null || doc.ownerId !== user._id) throw new ConvexError("Note not found");
    throw new ConvexError({ current: doc });
  },
});
`,
  }, GUARD);
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-id-read"), markers(`${dir}/convex`));
});
