// What a guard's configuration refuses or breaks at run time, read from the source: two guards
// with a rate limit of the same name (they reset each other's rows: `rate-limit-name-shared`,
// attack25), a declaration the guard refuses at every call with a GuardConfigError (a query's
// rate limit, attack26; a misspelt rate-limit name, role or permission, newuser17:
// `declaration-refused`), and a convex-helpers builder's plain-function form, customized as its
// object form is (attack26). Small apps written at test time, run the way a user runs the audit:
// the bin of the packed tarball (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, scratchApp, WIRING } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const app = (name, files, guard) => scratchApp("declarations", name, files, guard);
const found = (r, rule) => r.findings.filter((f) => f.rule === rule).map((f) => `${f.file}:${f.line} ${f.function}`).sort();

const GUARD = `import { defineGuard, MINUTE } from "convex-guard";

export const guard = defineGuard({
  roles: ["user", "admin", "superadmin"],
  permissions: { admin: ["delete:posts"], superadmin: ["admin:*"] },
  access: { tables: { posts: { owner: "ownerId", visibility: "visibility" } } },
  rateLimits: {
    write: { kind: "token bucket", rate: 10, period: MINUTE },
    login: { kind: "fixed window", rate: 5, period: MINUTE },
  },
});
`;

const BILLING = (limits) => `import { defineGuard, MINUTE } from "convex-guard";

export const billing = defineGuard({
  roles: ["customer"],
  actions: { module: "billingFunctions" },
  rateLimits: ${limits},
});
`;

test("two guards configuring a rate limit of the same name are reported at the later one's key (attack25)", () => {
  const r = auditReport(cli, app("shared", { ...WIRING, "billing.ts": BILLING(`{\n    login: { kind: "fixed window", rate: 3, period: MINUTE },\n    billingWrite: { kind: "token bucket", rate: 1, period: MINUTE },\n  }`), "posts.ts": POSTS }, GUARD));
  assert.deepEqual(found(r, "rate-limit-name-shared"), ["convex/guard.ts:9 convex/guard.ts"]);
  const f = r.findings.find((x) => x.rule === "rate-limit-name-shared");
  assert.equal(f.severity, "medium");
  assert.match(f.message, /rate limit 'login' of the guard defined at convex\/guard\.ts:3 is also configured by the guard defined at convex\/billing\.ts:3 \(convex\/billing\.ts:7\)/);
  assert.match(f.fix, /Two guards in one app/);
  // Names no other guard uses: nothing to report.
  const apart = auditReport(cli, app("apart", { ...WIRING, "billing.ts": BILLING(`{ billingLogin: { kind: "fixed window", rate: 3, period: MINUTE } }`), "posts.ts": POSTS }, GUARD));
  assert.deepEqual(found(apart, "rate-limit-name-shared"), []);
  // A configuration the audit cannot read is a warning naming the rule, never a silent pass.
  const unread = auditReport(cli, app("unread", { ...WIRING, "billing.ts": BILLING("makeLimits()").replace("export const", "declare function makeLimits(): any;\nexport const"), "posts.ts": POSTS }, GUARD));
  assert.deepEqual(found(unread, "rate-limit-name-shared"), []);
  assert.ok(unread.warnings.some((w) => w.file === "convex/billing.ts" && w.message.includes("rate-limit-name-shared")), JSON.stringify(unread.warnings));
});

const POSTS = `import { v } from "convex/values";
import { action, mutation } from "./_generated/server";
import { guard } from "./guard";

export const ok = guard.mutation(mutation, { args: { body: v.string() }, rateLimit: { name: "write" }, handler: async (_ctx, { body }) => body });
`;

const CUSTOM = `import { customMutation, customQuery } from "convex-helpers/server/customFunctions";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";

const adminMutation = customMutation(mutation, guard.customCtx({ role: "admin", rateLimit: { name: "write" } }));
const limitedQuery = customQuery(query, guard.customCtx({ rateLimit: { name: "write" } }));

export const fnForm = adminMutation(async (ctx) => {
  await ctx.db.insert("posts", { title: "x", ownerId: ctx.user._id, visibility: "private" });
  return ctx.user._id;
});
export const objectForm = adminMutation({ args: {}, handler: async (ctx) => ctx.user._id });
export const limitedRead = limitedQuery({ args: {}, handler: async (ctx) => ctx.user._id });
`;

test("a custom builder's plain-function form carries its customization, as its object form does (attack26)", () => {
  const r = auditReport(cli, app("fnform", { ...WIRING, "custom.ts": CUSTOM }, GUARD));
  const fns = Object.fromEntries(r.functions.map((f) => [f.function, f]));
  assert.equal(fns["custom:fnForm"].auth, "role");
  assert.deepEqual(fns["custom:fnForm"].rateLimits, fns["custom:objectForm"].rateLimits);
  const fnForm = r.findings.filter((f) => f.function === "custom:fnForm").map((f) => f.rule);
  assert.deepEqual(fnForm, ["any-args"]); // no validator in that form: the only finding
});

test("a customQuery's customCtx rateLimit is reported: a query cannot take from a rate limit (attack26)", () => {
  const r = auditReport(cli, app("querylimit", { ...WIRING, "custom.ts": CUSTOM }, GUARD));
  assert.deepEqual(found(r, "declaration-refused"), ["convex/custom.ts:6 convex/custom.ts"]);
  const f = r.findings.find((x) => x.rule === "declaration-refused");
  assert.match(f.message, /guard\.customCtx \(customQuery\): it declares a rateLimit for a query/);
  assert.match(f.message, /GuardConfigError/);
});

const NAMES = `import { v } from "convex/values";
import { customMutation } from "convex-helpers/server/customFunctions";
import { action, mutation, query } from "./_generated/server";
import { guard } from "./guard";

const WRITE = "write";
const wipers = customMutation(mutation, guard.customCtx({ permission: "delete:post" }));
export const wipe = wipers({ args: {}, handler: async () => null });
export const misspelt = guard.mutation(mutation, { args: {}, rateLimit: { name: "wirte" }, handler: async () => null });
export const listed = guard.mutation(mutation, { args: {}, rateLimit: [{ name: WRITE }, { name: "logins", key: "global" }], handler: async () => null });
export const role = guard.mutation(mutation, { args: {}, role: "superadmn", rateLimit: { name: "write" }, handler: async () => null });
export const wildcard = guard.mutation(mutation, { args: {}, permission: "admin:wipe", rateLimit: { name: WRITE }, handler: async () => null });
export const inherited = guard.mutation(mutation, { args: {}, permission: "delete:posts", rateLimit: { name: "login" }, handler: async () => null });
export const queried = guard.query(query, { args: {}, permission: "adminx:wipe", handler: async () => null });
export const safe = action(guard.safeAction({ name: "safe", args: {}, role: "admin", rateLimit: { name: "write" }, handler: async () => null }));
export const unsafe = action(guard.safeAction({ name: "unsafe", args: {}, role: "Admin", rateLimit: { name: "Write" }, handler: async () => null }));
`;

test("a declared rate-limit name, role or permission the guard's configuration lacks is reported; wildcards and inheritance hold (newuser17)", () => {
  const r = auditReport(cli, app("names", { ...WIRING, "names.ts": NAMES }, GUARD));
  assert.deepEqual(found(r, "declaration-refused"), [
    "convex/names.ts:10 names:listed",
    "convex/names.ts:11 names:role",
    "convex/names.ts:14 names:queried",
    "convex/names.ts:16 names:unsafe",
    "convex/names.ts:7 convex/names.ts",
    "convex/names.ts:9 names:misspelt",
  ]);
  const messages = r.findings.filter((f) => f.rule === "declaration-refused").map((f) => f.message).join("\n");
  for (const part of ["permission 'delete:post' is not held", "rate limit 'wirte' is not configured", "rate limit 'logins' is not configured", "role 'superadmn' is not a configured role", "permission 'adminx:wipe'", "role 'Admin'", "rate limit 'Write'"]) {
    assert.ok(messages.includes(part), `${part} in:\n${messages}`);
  }
  // One finding per declaration, naming each of its refusals.
  assert.match(messages, /role 'Admin' is not a configured role; rate limit 'Write' is not configured/);
  // The limit keeps being listed: the function fails closed, it is not unlimited.
  assert.ok(!r.findings.some((f) => f.rule === "public-no-rate-limit" && f.function === "names:misspelt"));
});

test("an unreadable configuration is not judged for declared names: a warning names the rule", () => {
  const guard = GUARD.replace(/rateLimits: \{[\s\S]*?\n  \},\n/, "rateLimits: makeLimits(),\n").replace("export const", "declare function makeLimits(): any;\nexport const");
  const r = auditReport(cli, app("unreadnames", { ...WIRING, "names.ts": NAMES }, guard));
  const rules = found(r, "declaration-refused");
  assert.ok(!rules.some((f) => f.includes("misspelt")), rules.join("\n"));
  assert.ok(r.warnings.some((w) => w.message.includes("declaration-refused")), JSON.stringify(r.warnings));
});
