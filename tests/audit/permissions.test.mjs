// A new user's review: a permission check whose permission the lowest role holds (`permission:
// "offers:create"` of a builder, `guard.requirePermission`, `guard.can` + throw, a safeAction's
// `permission`, with `permissions: { buyer: ["offers:create"] }` and "buyer" the first of
// `roles`) was taken as a check of every document, while `role: "buyer"` was reported: every
// user with a role holds it, so it decides nothing about the document an argument's id names.
// Whether the lowest role holds it is the engine's answer (wildcards included), asked through
// `convex-guard/client/roles` with the roles and permissions read from the source. Run the way a
// user runs it: the bin of the packed tarball (AUDIT_CLI names another, to show a test fails on
// an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, scratchApp, ANY_API, ID_RULES } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const report = (appRoot) => auditReport(cli, appRoot);

/** A marketplace's guard: buyer < seller < admin, `posts` under access.tables; `PERMISSIONS` its permissions. */
const guardOf = (permissions, before = "") => `import { defineGuard, MINUTE } from "convex-guard";
${before}
export const guard = defineGuard({
  roles: ["buyer", "seller", "admin"],
  permissions: ${permissions},
  access: { tables: { posts: { owner: "ownerId", visibility: "visibility" } } },
  rateLimits: { write: { kind: "token bucket", rate: 10, period: MINUTE } },
});
`;
const HELD = '{ buyer: ["offers:create"], seller: ["posts:moderate"], admin: ["users:delete"] }';

const HEAD = `import { v } from "convex/values";
import { action, internalQuery, mutation, query } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";
`;

/** Each shape of a permission check, on `permission`, and the lowest role's check beside them. */
const checks = (permission) => ({
  ...ANY_API,
  "offers.ts": `${HEAD}
export const editByRole = guard.mutation(mutation, {
  args: { id: v.id("posts") },
  role: "buyer",
  handler: (ctx, { id }) => ctx.db.patch(id, { title: "sold" }),
});

export const editByPermission = guard.mutation(mutation, {
  args: { id: v.id("posts") },
  permission: "${permission}",
  handler: (ctx, { id }) => ctx.db.patch(id, { title: "sold" }),
});

export const peek = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requirePermission(ctx, "${permission}");
    return await ctx.db.get(id);
  },
});

export const canPeek = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    if (!guard.can(user, "${permission}")) throw new Error("forbidden");
    return await ctx.db.get(id);
  },
});

export const read = internalQuery({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => await ctx.db.get(id),
});

export const fetchPost = action(
  guard.safeAction({
    args: { id: v.id("posts") },
    permission: "${permission}",
    handler: async (ctx, { id }) => await ctx.runQuery(internal.offers.read, { id }),
  }),
);
`,
});

/** The id findings of an app, as `function rule severity`. */
const idFindings = (r) =>
  r.findings
    .filter((f) => ID_RULES.includes(f.rule))
    .map((f) => `${f.function} ${f.rule} ${f.severity}`)
    .sort();

const LOWEST = ["offers:canPeek unchecked-id-read high", "offers:editByPermission unchecked-id-write high", "offers:editByRole unchecked-id-write high", "offers:fetchPost unchecked-id-read high", "offers:peek unchecked-id-read high"];

test("a permission the lowest role holds decides nothing about a document: the builder's, requirePermission's, can's and safeAction's, as the lowest role's check", () => {
  const r = report(scratchApp("permissions", "held", checks("offers:create"), guardOf(HELD)));
  assert.deepEqual(idFindings(r), LOWEST);
  assert.deepEqual(r.warnings, []);
  const message = (fn) => r.findings.find((f) => f.function === fn && ID_RULES.includes(f.rule)).message;
  assert.match(message("offers:editByRole"), /for any signed-in caller \(role 'buyer' is the lowest: every user with a role holds it\)/);
  for (const fn of ["offers:editByPermission", "offers:peek", "offers:canPeek", "offers:fetchPost"]) {
    assert.match(message(fn), /any signed-in caller \(permission 'offers:create' is held by the lowest role, 'buyer': every user with a role holds it\)/, fn);
  }
});

test("the engine decides whether the lowest role holds it: a wildcard it holds counts, a permission only higher roles hold decides", () => {
  // "offers:*" granted to buyer: the engine's wildcard matching, not the audit's.
  const wildcard = report(scratchApp("permissions", "wildcard", checks("offers:create"), guardOf('{ buyer: ["offers:*"], admin: ["users:delete"] }')));
  assert.deepEqual(idFindings(wildcard), LOWEST);
  assert.match(wildcard.findings.find((f) => f.function === "offers:peek").message, /permission 'offers:create' is held by the lowest role, 'buyer'/);
  // Held by seller (and so admin) only: a buyer is refused, so the check decides, as before.
  const higher = report(scratchApp("permissions", "higher", checks("posts:moderate"), guardOf(HELD)));
  assert.deepEqual(idFindings(higher), ["offers:editByRole unchecked-id-write high"]);
  assert.deepEqual(higher.warnings, []);
  // The permission named through a `const` of the app is read; granted through one too.
  const named = checks("offers:create");
  named["offers.ts"] = named["offers.ts"].replace('requirePermission(ctx, "offers:create")', "requirePermission(ctx, CREATE)").replace("export const editByRole", 'const CREATE = "offers:create";\nexport const editByRole');
  const viaConst = report(scratchApp("permissions", "const", named, guardOf('{ buyer: BUYER, admin: ["users:delete"] }', 'const BUYER = ["offers:create"] as const;')));
  assert.deepEqual(idFindings(viaConst), LOWEST);
});

test("permissions that cannot be read from the source are not judged, and the report warns", () => {
  const guard = guardOf("grants()", 'const grants = () => ({ buyer: ["offers:create"] });');
  const r = report(scratchApp("permissions", "unreadable", checks("offers:create"), guard));
  // As before this change: only the lowest role's check is reported.
  assert.deepEqual(idFindings(r), ["offers:editByRole unchecked-id-write high"]);
  assert.equal(r.warnings.length, 1);
  assert.deepEqual([r.warnings[0].file, r.warnings[0].line], ["convex/guard.ts", 5]);
  assert.match(
    r.warnings[0].message,
    /^the guard's configuration cannot be read from the source: `grants\(\)` is a function call; ignored because of it: the permissions \(a check of a permission the lowest role holds is taken as one of a higher role: it covers documents read, written or deleted by an argument's id\)\. Write it/,
  );
  // A configuration the engine refuses (a role it does not know): not judged either, and said.
  const refused = report(scratchApp("permissions", "refused", checks("offers:create"), guardOf('{ buyer: ["offers:create"], owner: ["users:delete"] }')));
  assert.deepEqual(idFindings(refused), ["offers:editByRole unchecked-id-write high"]);
  assert.equal(refused.warnings.length, 1);
  assert.match(refused.warnings[0].message, /its roles and permissions are refused by the engine \(permissions are listed for unknown role 'owner'\); ignored because of it: the permissions/);
});

test("finalread32 L2: roles written highest first, which the server refuses at first use, are judged by the engine that refuses them, and the report warns", () => {
  const guard = guardOf('{ buyer: ["offers:create"] }').replace('roles: ["buyer", "seller", "admin"]', 'roles: ["admin", "buyer", "user"]');
  const r = report(scratchApp("permissions", "ladder", checks("offers:create"), guard));
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0].message, /its roles and permissions are refused by the engine \(role 'admin' is listed before 'user', but the list is lowest first .*; ignored because of it: the permissions/);
  // Also where no permission is checked (only roles), and never for a configuration merely unread there.
  const roleOnly = { ...ANY_API, "offers.ts": `${HEAD}\nexport const wipe = mutation({ args: {}, handler: async (ctx) => { await guard.requireRole(ctx, "user"); } });\n` };
  const bare = report(scratchApp("permissions", "ladderRoles", roleOnly, guard));
  assert.deepEqual(bare.warnings.map((w) => w.message.match(/refused by the engine \(role 'admin' is listed before 'user'/) !== null), [true]);
  const unread = report(scratchApp("permissions", "unreadRoles", roleOnly, guardOf("grants()", 'const grants = () => ({ buyer: ["offers:create"] });')));
  assert.deepEqual(unread.warnings, []);
});
