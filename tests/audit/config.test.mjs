// `convex-guard audit` and the guard's configuration as apps write it (docs/browser.md's
// pattern: the configuration in a module of its own), the report's paths in a monorepo, and the
// README's retention job. Run the way a user runs it: the bin of the packed tarball.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { test } from "node:test";
import { WIRING } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = `${root}node_modules/convex-guard/cli.cjs`;
const pitfalls = `${root}tests/audit/fixtures/pitfalls/convex`;
const retention = `${root}tests/audit/fixtures/retention`;
const scratch = `${root}target/audit-tests/config`;

/** Runs the installed CLI in `cwd`; returns its status, stdout and stderr. */
function run(args, cwd) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The JSON report of `audit convex` run in an app's root. */
function report(appRoot, ...args) {
  const r = run(["audit", "convex", "--json", ...args], appRoot);
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** An app (its root) with the pitfalls fixture's _generated and schema, plus `files` under convex/. */
function app(name, files) {
  const dir = `${scratch}/${name}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(`${dir}/convex`, { recursive: true });
  cpSync(`${pitfalls}/_generated`, `${dir}/convex/_generated`, { recursive: true });
  cpSync(`${pitfalls}/schema.ts`, `${dir}/convex/schema.ts`);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(`${dir}/convex/${file}`), { recursive: true });
    writeFileSync(`${dir}/convex/${file}`, text);
  }
  return dir;
}

/**
 * Functions whose verdicts depend on the configuration: a public query the allowlist allows,
 * an owner deleting rows selected by the table's owner field, a document read after a check of
 * the lowest role, and a safeAction reading a variable redactEnv may list (its wiring exported).
 */
const FUNCTIONS = {
  ...WIRING,
  "fns.ts": `import { v } from "convex/values";
import { action, mutation, query } from "./_generated/server";
import { guard } from "./guard";
export const health = query({ args: {}, handler: async () => "ok" });
export const deleteMine = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const mine = await ctx.db.query("posts").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).collect();
    for (const d of mine) await ctx.db.delete(d._id);
    return null;
  },
});
export const peek = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guard.requireRole(ctx, "user");
    return await ctx.db.get(id);
  },
});
export const charge = action(
  guard.safeAction({
    name: "charge",
    args: {},
    rateLimit: { name: "write" },
    handler: async () => (await fetch("https://pay.example", { headers: { a: \`\${process.env.PAYMENT_KEY}\` } })).status,
  }),
);
`,
};

/** The configuration the verdicts need, as an object literal's text. */
const CONFIG = `{
  roles: ["user", "admin"],
  permissions: { admin: ["delete:posts"] },
  access: { tables: { posts: { owner: "ownerId", visibility: "visibility" } } },
  rateLimits: { write: { kind: "token bucket", rate: 10, period: 60_000 } },
  confirmations: { redactEnv: ["PAYMENT_KEY"] },
  securityAudit: { allow: { "fns:health": { "public-no-auth": "a status probe; it returns a constant" } } },
}`;

/** What the audit says of FUNCTIONS when it reads CONFIG: the allowlist, the owner, the lowest role, redactEnv. */
const READ = {
  findings: ["destructive-unconfirmed low fns:deleteMine", "grants-left low fns:deleteMine", "unchecked-id-read high fns:peek"],
  allowed: ["public-no-auth fns:health"],
};

const verdicts = (r) => ({
  findings: r.findings.map((f) => `${f.rule} ${f.severity} ${f.function}`).sort(),
  allowed: r.allowed.map((a) => `${a.rule} ${a.function}`),
});

test("the configuration in a module of its own, as docs/browser.md's pattern writes it, is read", () => {
  const guardConfig = `export const guardConfig = ${CONFIG} as const;\n`;
  const shapes = {
    // docs/browser.md's: defineGuard(guardConfig), imported.
    imported: { "guardConfig.ts": guardConfig, "guard.ts": 'import { defineGuard } from "convex-guard";\nimport { guardConfig } from "./guardConfig";\nexport const guard = defineGuard(guardConfig);\n' },
    // Spread into a literal that adds a key.
    spread: {
      "guardConfig.ts": guardConfig,
      "guard.ts": 'import { defineGuard } from "convex-guard";\nimport { guardConfig } from "./guardConfig";\nexport const guard = defineGuard({ ...guardConfig, users: { table: "users" } });\n',
    },
    // Through a re-export (one hop), with `satisfies`.
    reexported: {
      "config/base.ts": `export const guardConfig = ${CONFIG} satisfies object;\n`,
      "config/index.ts": 'export { guardConfig } from "./base";\n',
      "guard.ts": 'import { defineGuard } from "convex-guard";\nimport { guardConfig } from "./config/index";\nexport const guard = defineGuard(guardConfig);\n',
    },
    // Each key a member of the imported `const` (a new user's `roles: guardConfig.roles` was "a computed value").
    members: {
      "guardConfig.ts": guardConfig,
      "guard.ts":
        'import { defineGuard } from "convex-guard";\nimport { guardConfig } from "./guardConfig";\n' +
        "export const guard = defineGuard({ roles: guardConfig.roles, permissions: guardConfig.permissions, access: guardConfig.access, rateLimits: guardConfig.rateLimits, confirmations: guardConfig.confirmations, securityAudit: guardConfig.securityAudit });\n",
    },
    // A `const` in the same file.
    local: { "guard.ts": `import { defineGuard } from "convex-guard";\nconst config = ${CONFIG};\nexport const guard = defineGuard(config);\n` },
  };
  for (const [name, files] of Object.entries(shapes)) {
    const r = report(app(`shape-${name}`, { ...FUNCTIONS, ...files }));
    assert.deepEqual(verdicts(r), READ, name);
    assert.deepEqual([r.warnings, r.unusedAllows], [[], []], name);
  }
});

test("a later key replaces an earlier one, as in JavaScript: a spread after a key, a key after a spread", () => {
  const base = `import { defineGuard } from "convex-guard";\nconst base = ${CONFIG};\n`;
  const guard = (literal) => ({ ...FUNCTIONS, "guard.ts": `${base}export const guard = defineGuard(${literal});\n` });
  // The owner field replaced after the spread: another field, so the delete is not an owner's.
  const replaced = report(app("later-key", guard('{ ...base, access: { tables: { posts: { owner: "editorId" } } } }')));
  assert.deepEqual(verdicts(replaced).findings, ["destructive-unconfirmed high fns:deleteMine", "grants-left low fns:deleteMine", "unchecked-id-read high fns:peek"]);
  // A key before the spread is replaced by the spread's: the spread's owner field holds.
  const before = report(app("earlier-key", guard('{ access: { tables: { posts: { owner: "editorId" } } }, ...base }')));
  assert.deepEqual(verdicts(before), READ);
  // The roles reordered after the spread: "user" is the higher role, so its check decides.
  const roles = report(app("later-roles", guard('{ ...base, roles: ["admin", "user"] }')));
  assert.deepEqual(verdicts(roles).findings, ["destructive-unconfirmed low fns:deleteMine", "grants-left low fns:deleteMine"]);
});

const ALL_IGNORED = [
  /the allowlist \(securityAudit\.allow: every finding it would allow stays reported, none is listed as allowed or stale\)/,
  /the tables' owner fields \(access\.tables: no delete counts as one of the caller's own rows, so each stays high\)/,
  /the tables' owner and parent fields \(access\.tables: access-field-write judges no write of that guard's tables, unchecked-id-read no query by a parent field\)/,
  /the roles \(a check of the lowest role is taken as any role check: it covers documents read or deleted by an argument's id\)/,
  /the variables safeAction redacts \(confirmations\.redactEnv and secretEnv: safe-action-env-unredacted is not judged\)/,
  /wiring-missing \(whether the guard's internal functions and audit log mutation are exported is not judged\)/,
];

test("a configuration that cannot be read is one warning, in the text and the JSON, naming what is ignored", () => {
  const dir = app("called", {
    ...FUNCTIONS,
    "guard.ts": `import { defineGuard } from "convex-guard";\nconst makeConfig = () => (${CONFIG});\nexport const guard = defineGuard(makeConfig());\n`,
  });
  const r = report(dir);
  // The allowlist's finding stays reported; the owner's delete is high; a role check covers the read.
  assert.deepEqual(verdicts(r), { findings: ["destructive-unconfirmed high fns:deleteMine", "public-no-auth high fns:health"], allowed: [] });
  assert.equal(r.warnings.length, 1);
  const [w] = r.warnings;
  assert.deepEqual([w.file, w.line], ["convex/guard.ts", 10]);
  assert.match(w.message, /^the guard's configuration cannot be read from the source: `makeConfig\(\)` is a function call; ignored because of it: /);
  for (const ignored of ALL_IGNORED) assert.match(w.message, ignored);
  assert.match(w.message, /Write it as an object literal, or a const holding one \(in the same file or imported\), for the audit to read it$/);
  const text = run(["audit", "convex"], dir);
  assert.equal(text.status, 1);
  assert.equal(text.stdout.split("\n").filter((l) => l.startsWith("warning: ")).length, 1);
  assert.ok(text.stdout.includes(`warning: convex/guard.ts:10: ${w.message}`), text.stdout);
});

/**
 * A second guard with another configuration, in a module of its own, re-exported: its owner
 * field is `editorId`, its roles `staff` < `manager`, its users' role field `staff.rank`, and it
 * redacts no PAYMENT_KEY.
 */
const STAFF = {
  "guard.ts": `import { defineGuard } from "convex-guard";\nexport const guard = defineGuard(${CONFIG});\n`,
  "staffGuard.ts": `import { defineGuard } from "convex-guard";
export const staffGuard = defineGuard({
  roles: ["staff", "manager"],
  access: { tables: { posts: { owner: "editorId" } } },
  users: { table: "staff", roleField: "rank" },
  rateLimits: { write: { kind: "token bucket", rate: 10, period: 60_000 } },
});
`,
  "guards.ts": 'export { staffGuard } from "./staffGuard";\n',
  "staff.ts": `import { v } from "convex/values";
import { action, mutation, query } from "./_generated/server";
import * as guards from "./guards";
import { staffGuard } from "./guards";
const { requireUser } = staffGuard;
export const deleteByOwnerId = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await staffGuard.requireUser(ctx);
    await staffGuard.rateLimit(ctx, "write", { key: user._id });
    const mine = await ctx.db.query("posts").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).collect();
    for (const d of mine) await ctx.db.delete(d._id);
    return null;
  },
});
export const deleteByEditorId = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await requireUser(ctx);
    await staffGuard.rateLimit(ctx, "write", { key: user._id });
    const mine = await ctx.db.query("posts").filter((q) => q.eq(q.field("editorId"), user._id)).collect();
    for (const d of mine) await ctx.db.delete(d._id);
    return null;
  },
});
export const staffPeek = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await guards.staffGuard.requireRole(ctx, "staff");
    return await ctx.db.get(id);
  },
});
export const managerPeek = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await staffGuard.requireRole(ctx, "manager");
    return await ctx.db.get(id);
  },
});
export const promote = mutation({
  args: { id: v.id("staff"), rank: v.string() },
  handler: async (ctx, { id, rank }) => {
    const user = await staffGuard.requireUser(ctx);
    await staffGuard.rateLimit(ctx, "write", { key: user._id });
    await ctx.db.patch(id, { rank });
    return null;
  },
});
export const builderPeek = staffGuard.query(query, { args: { id: v.id("posts") }, role: "staff", handler: async (ctx, { id }) => await ctx.db.get(id) });
export const staffCharge = action(
  staffGuard.safeAction({
    name: "staffCharge",
    args: {},
    rateLimit: { name: "write" },
    handler: async () => (await fetch("https://pay.example", { headers: { a: \`\${process.env.PAYMENT_KEY}\` } })).status,
  }),
);
`,
};

test("several guards: each check is judged by the configuration of the guard it calls, imported or re-exported", () => {
  const r = report(app("several", { ...FUNCTIONS, ...STAFF }));
  assert.deepEqual(verdicts(r), {
    findings: [
      // fns.ts, by `guard`: as with that guard alone (READ).
      "destructive-unconfirmed low fns:deleteMine",
      "grants-left low fns:deleteMine",
      "unchecked-id-read high fns:peek",
      // staff.ts, by `staffGuard`: `ownerId` is not its owner field, `staff` is its lowest role
      // (through a namespace import, and its builder), PAYMENT_KEY is not redacted by it.
      "destructive-unconfirmed high staff:deleteByOwnerId",
      // `editorId` is its owner field (through `const { requireUser } = staffGuard`): low, not high.
      "destructive-unconfirmed low staff:deleteByEditorId",
      // Both delete posts, which the staff guard lists under access.tables: their grants stay.
      "grants-left low staff:deleteByEditorId",
      "grants-left low staff:deleteByOwnerId",
      // Both guards configure a rate limit 'write': they share its rows in guardRateLimits.
      "rate-limit-name-shared medium convex/staffGuard.ts",
      "safe-action-env-unredacted medium staff:staffCharge",
      "unchecked-id-read high staff:builderPeek",
      "unchecked-id-read high staff:staffPeek",
      // `staff.rank` is its users' role field.
      "unchecked-id-write high staff:promote",
      "unchecked-role-write high staff:promote",
      // `v.id("staff")`: an id of that guard's users table, taken from the caller.
      "user-id-arg medium staff:promote",
      // Its safe action asks convex/guardFunctions.ts too (the default actions.module), which
      // exports the other guard's functions: they answer for that guard only.
      "wiring-missing medium staff:staffCharge",
    ].sort(),
    // The allowlist of each guard is read; `manager` is above `staff`: no finding for managerPeek.
    allowed: ["public-no-auth fns:health"],
  });
  assert.deepEqual([r.warnings, r.unusedAllows], [[], []]);
  // Each check is named by the guard it was called on, so a reader can tell the two apart.
  const via = Object.fromEntries(r.functions.map((f) => [f.function, f.authVia]));
  assert.deepEqual([via["staff:managerPeek"], via["staff:builderPeek"]], [['staffGuard.requireRole("manager")'], ["staffGuard.query (user)", 'staffGuard.query role("staff")']]);
  assert.ok(via["fns:deleteMine"].every((v) => v.startsWith("guard.")), via["fns:deleteMine"].join());
});

test("a cycle of consts (const a = b; const b = a) ends the audit's reading instead of its process (a review)", () => {
  const files = {
    "guard.ts": `import { defineGuard } from "convex-guard";\nexport const guard = defineGuard(${CONFIG});\n`,
    "cycle.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
export const cyclic = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    // @ts-ignore used before its declaration
    const a = b;
    // @ts-ignore
    const b = a;
    if (!guard.can(a.user, "delete:posts")) throw new Error("forbidden");
    await ctx.db.delete(id);
    return null;
  },
});
`,
  };
  const r = run(["audit", "convex", "--json"], app("const-cycle", files));
  assert.equal(r.status, 1, r.stderr);
  const findings = JSON.parse(r.stdout).findings.map((f) => `${f.rule} ${f.function}`);
  assert.ok(findings.includes("unchecked-id-delete cycle:cyclic"), findings.join());
});

test("several guards: another guard's method of the same name, on the same arguments, is not the same check (an attacker's review)", () => {
  const files = {
    "guard.ts": `import { defineGuard } from "convex-guard";\nexport const guard = defineGuard(${CONFIG});\n`,
    // A second guard whose lowest role is "admin": its requireRole(ctx, "admin") lets every staff user through.
    "staffGuard.ts": 'import { defineGuard } from "convex-guard";\nexport const staff = defineGuard({ roles: ["admin", "owner"], access: { tables: { posts: { owner: "ownerId", visibility: "visibility" } } } });\n',
    "mixed.ts": `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";
import { staff } from "./staffGuard";
export const deleteWhenSso = mutation({
  args: { id: v.id("posts"), sso: v.boolean() },
  handler: async (ctx, args) => {
    if (args.sso) await guard.requireRole(ctx, "admin");
    const user = await staff.requireRole(ctx, "admin");
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.audit.log(ctx, { action: "posts.delete", outcome: "success", actor: user._id, resourceType: "posts", resourceId: args.id });
    await ctx.db.delete(args.id);
    return null;
  },
});
export const previewByStaff = query({
  args: { id: v.id("posts"), preview: v.boolean() },
  handler: async (ctx, args) => {
    await staff.requireRole(ctx, "admin");
    if (args.preview) return await ctx.db.get(args.id);
    await guard.requireRole(ctx, "admin");
    return await ctx.db.get(args.id);
  },
});
`,
  };
  const r = report(app("samename", files));
  assert.deepEqual(
    verdicts(r).findings.filter((f) => f.includes(" mixed:")),
    ["grants-left low mixed:deleteWhenSso", "unchecked-id-delete high mixed:deleteWhenSso", "unchecked-id-read high mixed:previewByStaff", "unchecked-id-read high mixed:previewByStaff"],
  );
});

test("several guards: a receiver the audit cannot follow is judged by the strictest guard, and a warning names it", () => {
  const files = {
    ...FUNCTIONS,
    ...STAFF,
    "lib.ts": `import type { QueryCtx } from "./_generated/server";
import type { staffGuard } from "./staffGuard";
export async function requireStaff(g: typeof staffGuard, ctx: QueryCtx) {
  await g.requireRole(ctx, "staff");
}
`,
    "any.ts": `import { v } from "convex/values";
import { action, mutation, query } from "./_generated/server";
import { requireStaff } from "./lib";
import { staffGuard } from "./staffGuard";
export const anyPeek = query({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await requireStaff(staffGuard, ctx);
    return await ctx.db.get(id);
  },
});
function pick(): typeof staffGuard {
  return staffGuard;
}
const either: typeof staffGuard = pick();
export const anyDeleteMine = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await either.requireUser(ctx);
    await either.rateLimit(ctx, "write", { key: user._id });
    const mine = await ctx.db.query("posts").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).collect();
    for (const d of mine) await ctx.db.delete(d._id);
    return null;
  },
});
export const anyCharge = action(
  either.safeAction({
    name: "anyCharge",
    args: {},
    rateLimit: { name: "write" },
    handler: async () => (await fetch("https://pay.example", { headers: { a: \`\${process.env.PAYMENT_KEY}\` } })).status,
  }),
);
`,
  };
  const dir = app("unresolved", files);
  const r = report(dir);
  const any = verdicts(r).findings.filter((f) => f.endsWith(" any:anyPeek") || f.endsWith(" any:anyDeleteMine") || f.endsWith(" any:anyCharge"));
  assert.deepEqual(any, [
    // The guards disagree on the posts' owner field (ownerId, editorId): no owner's delete.
    "destructive-unconfirmed high any:anyDeleteMine",
    "grants-left low any:anyDeleteMine",
    // Only the main guard redacts PAYMENT_KEY: not every guard does.
    "safe-action-env-unredacted medium any:anyCharge",
    // `staff` is the lowest role of one of the app's guards: the check covers no document.
    "unchecked-id-read high any:anyPeek",
  ]);
  // `either` (a function's answer) at each call the configuration judged, `g` (a parameter).
  assert.deepEqual(r.warnings.map((x) => `${x.file}:${x.line} ${x.message.slice(0, x.message.indexOf(" is cannot"))}`), [
    "convex/any.ts:19 which guard `either`",
    "convex/any.ts:27 which guard `either`",
    "convex/lib.ts:4 which guard `g`",
  ]);
  assert.match(r.warnings[0].message, /judged with the strictest of their configurations: the tables' owner fields \(a delete counts as one of the caller's own rows only when every guard names that owner field\)\./);
  assert.match(r.warnings[1].message, /judged with the strictest of their configurations: the variables safeAction redacts \(only those every guard redacts count as redacted\); wiring-missing \(reported only when no guard's module exports what the call needs\); declaration-refused \(reported only when every guard refuses the name\)\./);
  const w = r.warnings[2];
  assert.deepEqual([w.file, w.line], ["convex/lib.ts", 4]);
  assert.equal(
    w.message,
    "which guard `g` is cannot be read from the source (the app has 2 defineGuard calls: convex/guard.ts:2, convex/staffGuard.ts:2); " +
      "judged with the strictest of their configurations: the roles (a role check is of the lowest role when it is the lowest of any of them). " +
      "Call the guard by a const holding its defineGuard call (in the same file or imported), for the audit to know which one it is",
  );
  const text = run(["audit", "convex"], dir);
  assert.ok(text.stdout.includes(`warning: convex/lib.ts:4: ${w.message}`), text.stdout);
  // The same helper given a guard the audit follows (a const): no warning, the same finding.
  writeFileSync(`${dir}/convex/lib.ts`, files["lib.ts"].replace("(g: typeof staffGuard, ctx: QueryCtx)", "(_g: typeof staffGuard, ctx: QueryCtx)").replace("import type { staffGuard }", "import { staffGuard }").replace("await g.", "await staffGuard."));
  const followed = report(dir);
  assert.deepEqual(followed.warnings.map((x) => x.file), ["convex/any.ts", "convex/any.ts"]);
  assert.ok(verdicts(followed).findings.includes("unchecked-id-read high any:anyPeek"));
});

test("a configuration read whole is no warning; one without the keys the audit reads is none either", () => {
  const literal = report(app("literal", { ...FUNCTIONS, "guard.ts": `import { defineGuard } from "convex-guard";\nexport const guard = defineGuard(${CONFIG});\n` }));
  assert.deepEqual([verdicts(literal), literal.warnings], [READ, []]);
  const bare = report(app("bare", { ...FUNCTIONS, "guard.ts": 'import { defineGuard } from "convex-guard";\nexport const guard = defineGuard({ roles: ["user"], rateLimits: { write: { rate: 1, period: 1000 } } });\n' }));
  assert.deepEqual(bare.warnings, []);
});

test("paths are relative to the current directory, as CI annotations want them in a monorepo", () => {
  const files = {
    ...FUNCTIONS,
    "guard.ts": `import { defineGuard } from "convex-guard";\nexport const guard = defineGuard(${CONFIG.replace('"fns:health"', '"convex/fns.ts"').replace('"public-no-auth"', '"unchecked-id-read"')});\n`,
    "lib/ranks.ts": "// convex-guard-allow: fail-open-role a display of the old ranks\nexport const rank = (user: { role?: string }) => ({ user: 1 } as Record<string, number>)[user.role ?? \"\"] ?? 0;\n",
  };
  const monorepo = `${scratch}/monorepo`;
  rmSync(monorepo, { recursive: true, force: true });
  cpSync(app("monorepo-probe", files), `${monorepo}/probe`, { recursive: true });
  const probe = `${monorepo}/probe`;
  const from = (cwd, dir) => {
    const r = run(["audit", dir, "--json", "--fail-on", "none"], cwd);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const places = (r) => ({
    findings: r.findings.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(),
    allowed: r.allowed.map((a) => `${a.file}:${a.line} ${a.rule} by ${a.allowedBy}`).sort(),
    functions: [...new Set(r.functions.map((f) => f.file))].sort(),
  });
  const expected = (prefix) => ({
    findings: [`${prefix}fns.ts:11 destructive-unconfirmed`, `${prefix}fns.ts:11 grants-left`, `${prefix}fns.ts:4 public-no-auth`],
    allowed: [`${prefix}fns.ts:19 unchecked-id-read by ${prefix}guard.ts:8`, `${prefix}lib/ranks.ts:2 fail-open-role by ${prefix}lib/ranks.ts:1`],
    functions: [`${prefix}audit.ts`, `${prefix}fns.ts`, `${prefix}guardFunctions.ts`],
  });
  // From the monorepo's root, from the app's root, from the convex dir, from a sibling.
  assert.deepEqual(places(from(monorepo, "probe/convex")), expected("probe/convex/"));
  assert.deepEqual(places(from(probe, "convex")), expected("convex/"));
  assert.deepEqual(places(from(`${probe}/convex`, ".")), expected(""));
  mkdirSync(`${monorepo}/web`, { recursive: true });
  assert.deepEqual(places(from(`${monorepo}/web`, "../probe/convex")), expected("../probe/convex/"));
  // The text report prints the same paths; `convexDir` stays as given.
  const text = run(["audit", "probe/convex", "--fail-on", "none"], monorepo);
  assert.match(text.stdout, /^convex-guard audit: probe\/convex \(7 functions\)$/m);
  assert.match(text.stdout, /HIGH {2}public-no-auth {2}probe\/convex\/fns\.ts:4 {2}fns:health/);
  assert.equal(from(monorepo, "probe/convex").convexDir, "probe/convex");
  // A stale entry's source and an error's place, too.
  const stale = run(["audit", "probe/convex", "--fail-on", "none"], monorepo);
  assert.doesNotMatch(stale.stdout, /warning/);
  writeFileSync(`${probe}/convex/typo.ts`, '// convex-guard-allow: public-no-authz a typo\nexport const x = 1;\n');
  const typo = run(["audit", "probe/convex"], monorepo);
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /probe\/convex\/typo\.ts:1: unknown rule 'public-no-authz'/);
});

test("the README's retention job: clean at the default --fail-on, medium without its allow comment", () => {
  // The README shows the fixture's two files, as they are.
  const readme = readFileSync(`${root}README.md`, "utf8");
  for (const file of ["retention.ts", "crons.ts"]) {
    const text = readFileSync(`${retention}/convex/${file}`, "utf8");
    const indented = text.split("\n").map((l) => (l === "" ? "" : `  ${l}`)).join("\n");
    assert.ok(readme.includes(`  // convex/${file}\n${indented}`), `README shows convex/${file} as the fixture has it`);
  }
  const withComment = report(retention, "--fail-on", "low");
  assert.deepEqual([withComment.failed, withComment.findings], [false, []]);
  assert.deepEqual(verdicts(withComment).allowed, ["destructive-unconfirmed retention:pruneAuditTrail"]);
  // Without the comment: an internal mutation's delete is medium, below the default.
  const dir = `${scratch}/retention-bare`;
  rmSync(dir, { recursive: true, force: true });
  cpSync(retention, dir, { recursive: true });
  const source = readFileSync(`${dir}/convex/retention.ts`, "utf8");
  writeFileSync(`${dir}/convex/retention.ts`, source.replace(/^\/\/ convex-guard-allow:.*\n/m, ""));
  const bare = report(dir);
  assert.deepEqual([bare.failed, verdicts(bare).findings], [false, ["destructive-unconfirmed medium retention:pruneAuditTrail"]]);
  assert.match(bare.findings[0].message, /^internal mutation retention:pruneAuditTrail deletes in a loop with no confirmation and no audit row \(no client calls it directly\)$/);
  assert.equal(run(["audit", "convex", "--fail-on", "medium"], dir).status, 1);
});
