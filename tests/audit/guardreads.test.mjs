// A new user's review of the audit (its gaps, each a hole it did not report): the guard's own
// tables read around its API (`guard-table-read`), the one-time code returned, scheduled or
// stored (`code-exposed`), a parameter's default taken for a role falling back (a false
// `fail-open-role`), and docs/sensitive-operations.md's own deletion example failing `--fail-on medium`. The
// evasions fixture (convex/guardreads.ts) pins the shapes; these small apps pin the
// configuration and the guide. Run the way a user runs it: the bin of the packed tarball
// (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { auditReport, pitfalls, scratchApp, WIRING } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const app = (name, files, guard) => scratchApp("guardreads", name, files, guard);
const report = (appRoot, flags) => auditReport(cli, appRoot, flags);

const found = (r) => r.findings.map((f) => `${f.file}:${f.line} ${f.rule} ${f.severity}`).sort();

const HEAD = `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";
`;

test("the configured codes and audit tables are the guard's, read directly: reported; a table of the app's own is not", () => {
  const pitfallsGuard = readFileSync(`${pitfalls}/guard.ts`, "utf8");
  const confirmations = 'confirmations: { redactEnv: ["PAYMENT_KEY"] },';
  assert.ok(pitfallsGuard.includes(confirmations));
  const guard = pitfallsGuard.replace(confirmations, 'confirmations: { redactEnv: ["PAYMENT_KEY"], table: "codes", audit: { table: "trail" } },');
  const r = report(
    app(
      "configured",
      {
        "r.ts": `${HEAD}
export const trail = query({
  args: {},
  handler: async (ctx) => {
    await guard.requireUser(ctx);
    const rows = await ctx.db.query("trail").take(50);
    return rows;
  },
});
export const pending = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const mine = await ctx.db.query("codes").filter((q) => q.eq(q.field("actor"), user._id)).first();
    return mine !== null;
  },
});
export const posts = query({
  args: {},
  handler: async (ctx) => {
    await guard.requireUser(ctx);
    return await ctx.db.query("posts").take(50);
  },
});
`,
      },
      guard,
    ),
  );
  // posts is no guard table (no guard-table-read), but every post to any signed-in caller is unchecked-list's.
  assert.deepEqual(found(r), ["convex/r.ts:9 guard-table-read high", "convex/r.ts:18 guard-table-read medium", "convex/r.ts:26 unchecked-list high"].sort());
  assert.match(r.findings.find((f) => f.line === 9).message, /^r:trail returns rows of the guard's table 'trail' \(the audit trail/);
  assert.match(r.findings.find((f) => f.line === 18).message, /^r:pending reads the guard's table 'codes' \(the codes' keyed hashes/);
});

test("docs/sensitive-operations.md's recommended flow for a code is quiet; the code returned from a public mutation is not", () => {
  const r = report(
    app("codes", {
      ...WIRING,
      "send.ts": `import { v } from "convex/values";
import { makeFunctionReference } from "convex/server";
import { action, internalMutation, mutation } from "./_generated/server";
import { guard } from "./guard";

const issueRef = makeFunctionReference<"mutation", { actor: string }, { code: string }>("send:issue");

export const issue = internalMutation({
  args: { actor: v.string() },
  handler: async (ctx, { actor }) => {
    const { code } = await guard.issueConfirmation(ctx, { actor, action: "account.delete", target: actor });
    return { code };
  },
});

export const requestCode = action(
  guard.safeAction({
    name: "codes.request",
    rateLimit: { name: "write" },
    args: {},
    handler: async (ctx, _args, { actor }) => {
      const { code } = await ctx.runMutation(issueRef, { actor: String(actor) });
      await fetch("https://mail.example/send", { method: "POST", body: code });
      return { sent: true };
    },
  }),
);

export const requestInline = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const { code, expiresAt } = await guard.issueConfirmation(ctx, { actor: user._id, action: "account.delete", target: user._id });
    return { code, expiresAt };
  },
});
`,
    }),
  );
  assert.deepEqual(found(r), ["convex/send.ts:35 code-exposed high"]);
});

test("a parameter's default is what the caller asks for, not a role falling back; a destructured role's default still is", () => {
  const r = report(
    app("param-default", {
      "rows.ts": `${HEAD}
export async function insertRow(ctx: any, name: string, role: "user" | "admin" = "user") {
  return await ctx.db.insert("users", { tokenIdentifier: name, name, role });
}
export function rankOf(user: { role?: string }) {
  const { role = "admin" } = user;
  return role;
}
export const me = query({
  args: {},
  handler: async (ctx) => (await guard.requireUser(ctx)).name,
});
`,
    }),
  );
  assert.deepEqual(found(r), ["convex/rows.ts:9 fail-open-role high"]);
});

test("docs/sensitive-operations.md's deletion example (confirmDeletion) audits clean at --fail-on medium, as written", () => {
  const readme = readFileSync(`${root}docs/sensitive-operations.md`, "utf8");
  const start = readme.indexOf("```ts\n// A superadmin names the user to delete");
  assert.ok(start !== -1, "docs/sensitive-operations.md's confirmDeletion example");
  const block = readme.slice(start + "```ts\n".length, readme.indexOf("```", start + 6));
  assert.match(block, /export const confirmDeletion = action\(/);
  const pitfallsGuard = readFileSync(`${pitfalls}/guard.ts`, "utf8");
  const roles = 'roles: ["user", "admin"],';
  assert.ok(pitfallsGuard.includes(roles));
  // Its safe action takes the limit 'confirmations': a guard running it must configure one (declaration-refused).
  const limits = "rateLimits: { write:";
  assert.ok(pitfallsGuard.includes(limits));
  const guard = pitfallsGuard.replace(roles, 'roles: ["user", "admin", "superadmin"],').replace(limits, 'rateLimits: { confirmations: { kind: "sliding window", rate: 5, period: MINUTE }, write:');
  const dir = app(
    "readme-deletion",
    {
      ...WIRING,
      "deletion.ts": `import { v } from "convex/values";
import { anyApi } from "convex/server";
import { action, internalMutation } from "./_generated/server";
import { guard } from "./guard";
const internal = anyApi;
${block}`,
    },
    guard,
  );
  const r = report(dir, ["--fail-on", "medium"]);
  assert.deepEqual(found(r), []);
  assert.equal(r.failed, false);
  assert.deepEqual(r.allowed.map((a) => `${a.function} ${a.rule}`), ["deletion:confirmDeletion user-id-arg"]);
});

test("listMyGroups answers the caller's own groups (none when anonymous): a check, as listAccessible, when its answer is read", () => {
  const r = report(
    app("mygroups", {
      "g.ts": `${HEAD}import { paginationOptsValidator } from "convex/server";
export const mine = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => guard.listMyGroups(ctx, { paginationOpts }),
});
export const ignored = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => {
    await guard.listMyGroups(ctx, { paginationOpts });
    return await ctx.db.query("posts").take(10);
  },
});
`,
    }),
  );
  const mine = r.findings.filter((f) => f.function === "g:mine");
  assert.deepEqual(mine.map((f) => f.rule), []);
  assert.ok(r.findings.some((f) => f.function === "g:ignored" && f.rule === "public-no-auth"), found(r).join("\n"));
});
