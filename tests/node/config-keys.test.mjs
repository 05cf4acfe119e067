// Configuration mistakes below the top level, from the side of the user who makes them (a plain
// JS or `as any` configuration: TypeScript refuses them as literals) and of the attacker who
// profits when a security setting is quietly left at its default. Each is a GuardConfigError
// naming its path, at validate() and at the first use of the part that reads it, never a
// silent default. (The top level: client-entries.test.mjs.)
import { transformSync } from "esbuild";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { defineCodes, defineGuard, GuardConfigError, MINUTE } from "convex-guard";
import { defineClientGuard } from "convex-guard/client";
import { SHIPPED_DOCS } from "../../scripts/npm-readme.mjs";

process.env.CONVEX_GUARD_SECRET = "s".repeat(40);
process.env.EXTERNAL_API_KEY = "sk-live-0123456789abcdef";

const roles = ["user", "admin"];
const ADMIN = { _id: "users:1", tokenIdentifier: "issuer|admin", role: "admin" };

/** A ctx whose caller is `ADMIN`, and whose every other read or write fails the test. */
function adminCtx() {
  const untouched = () => assert.fail("a refused configuration touched the database");
  return {
    auth: { getUserIdentity: async () => ({ tokenIdentifier: ADMIN.tokenIdentifier, subject: "admin", issuer: "issuer" }) },
    db: {
      query: (table) =>
        table === "users"
          ? { withIndex: () => ({ take: async () => [ADMIN] }) }
          : { withIndex: () => ({ order: () => ({ paginate: async () => ({ page: [], isDone: true, continueCursor: "" }) }) }) },
      insert: untouched,
      patch: untouched,
      replace: untouched,
    },
  };
}

const isConfigError = (message) => (e) => {
  assert.ok(e instanceof GuardConfigError, `not a GuardConfigError: ${e?.constructor?.name} ${JSON.stringify(e?.data ?? e?.message)}`);
  assert.equal(e.message, message);
  return true;
};

const limits = (spec) => ({ roles, rateLimits: { a: spec } });
const access = (a) => ({ roles, access: a });
const confirmations = (c) => ({ roles, confirmations: c });
const bucket = { kind: "token bucket", rate: 3, period: MINUTE };

// [what the reviewer wrote, the configuration, the message, the first use of the part that reads it]
const firstUse = {
  rateLimits: (g) => g.rateLimitStatus("a", null, 0),
  access: (g) => g.accessLevels(),
  users: (g) => g.getUser(adminCtx()),
  confirmations: (g) => g.issueConfirmation(adminCtx(), { actor: "users:1", action: "delete", target: "t" }),
};
const refused = [
  [
    "rateLimits.a.capcity: 50 (the capacity stayed the default)",
    limits({ ...bucket, capcity: 50 }),
    "rateLimits.a: unknown key 'capcity' (did you mean 'capacity'?)",
    firstUse.rateLimits,
  ],
  [
    "rateLimits.a.shard: 2",
    limits({ rate: 3, period: MINUTE, shard: 2 }),
    "rateLimits.a: unknown key 'shard' (did you mean 'shards'?)",
    firstUse.rateLimits,
  ],
  [
    "rateLimits.a.perod (was: 'period must be a whole number')",
    limits({ rate: 3, perod: MINUTE }),
    "rateLimits.a: unknown key 'perod' (did you mean 'period'?)",
    firstUse.rateLimits,
  ],
  [
    "access.tables.documents.visiblity (every document private)",
    access({ tables: { documents: { owner: "ownerId", visiblity: "visibility" } } }),
    "access.tables.documents: unknown key 'visiblity' (did you mean 'visibility'?)",
    firstUse.access,
  ],
  [
    "access.tabels",
    access({ tabels: {} }),
    "access: unknown key 'tabels' (did you mean 'tables'?)",
    firstUse.access,
  ],
  [
    "access.groups.manager (no group managers)",
    access({ tables: {}, groups: { manager: { role: "user" } } }),
    "access.groups: unknown key 'manager' (did you mean 'managers'?)",
    firstUse.access,
  ],
  [
    "access.groups.managers.rol",
    access({ groups: { managers: { rol: "admin" } } }),
    "access.groups.managers: unknown key 'rol' (did you mean 'role'?)",
    firstUse.access,
  ],
  [
    "users.tabel (a swap of two letters is one edit)",
    { roles, users: { convexAuth: true, tabel: "people" } },
    "users: unknown key 'tabel' (did you mean 'table'?)",
    firstUse.users,
  ],
  [
    "confirmations.ttll",
    confirmations({ ttll: 1000 }),
    "confirmations: unknown key 'ttll' (did you mean 'ttl'?)",
    firstUse.confirmations,
  ],
  [
    "confirmations.lockout.binding.maxFailure: 2 (the default budget of 10 applied)",
    confirmations({ lockout: { binding: { maxFailure: 2, window: MINUTE } } }),
    "confirmations.lockout.binding: unknown key 'maxFailure' (did you mean 'maxFailures'?)",
    firstUse.confirmations,
  ],
  [
    "confirmations.lockout.actr",
    confirmations({ lockout: { actr: { maxFailures: 3 } } }),
    "confirmations.lockout: unknown key 'actr' (did you mean 'actor'?)",
    firstUse.confirmations,
  ],
  [
    "confirmations.audit.tabel",
    confirmations({ audit: { tabel: "trail" } }),
    "confirmations.audit: unknown key 'tabel' (did you mean 'table'?)",
    firstUse.confirmations,
  ],
  [
    "confirmations.redactEnv as a string (the secret reached the client)",
    confirmations({ redactEnv: "EXTERNAL_API_KEY" }),
    'confirmations.redactEnv must be an array of environment variable names, such as redactEnv: ["EXTERNAL_API_KEY"] (a string is one name: put it in an array)',
    firstUse.confirmations,
  ],
  [
    "confirmations.redactEnv holding a non-name",
    confirmations({ redactEnv: ["EXTERNAL_API_KEY", 7] }),
    "confirmations.redactEnv[1] must be a non-empty environment variable name",
    firstUse.confirmations,
  ],
  [
    "confirmations.audit.readers.role: 'admn' (was INVALID_ARGUMENT to the client at audit.list)",
    confirmations({ audit: { readers: { role: "admn" } } }),
    "confirmations.audit.readers.role: 'admn' is not a configured role (did you mean 'admin'?)",
    firstUse.confirmations,
  ],
  [
    "confirmations.audit.readers: a role name instead of { role }",
    confirmations({ audit: { readers: "admin" } }),
    'confirmations.audit.readers must be { role: "admin" } or { permission: "audit:read" }',
    firstUse.confirmations,
  ],
  [
    "confirmations.audit.readers: a permission the policy cannot decide",
    confirmations({ audit: { readers: { permission: "audit::read" } } }),
    "confirmations.audit.readers.permission: permission name 'audit::read' must be non-empty segments of letters, digits, '_', '-' or '.' joined by ':'",
    firstUse.confirmations,
  ],
  [
    "confirmations: not an object (every default applied)",
    confirmations(5),
    "confirmations must be an object",
    firstUse.confirmations,
  ],
  [
    "confirmations.audit: not an object",
    confirmations({ audit: true }),
    "confirmations.audit must be an object",
    firstUse.confirmations,
  ],
  [
    "confirmations.table named wrongly while audit.table is right (was named as the other)",
    confirmations({ table: 5, audit: { table: "guardAudit" } }),
    "confirmations.table must be a non-empty string",
    firstUse.confirmations,
  ],
  [
    "actions.modul",
    { roles, actions: { modul: "guardFunctions" } },
    "actions: unknown key 'modul' (did you mean 'module'?)",
    (g) =>
      g.internalFunctions(() => ({ isQuery: true, isInternal: true }), () => ({ isMutation: true, isInternal: true })) &&
      g.requireUser({ auth: {}, runQuery: async () => assert.fail("wired") }),
  ],
  [
    "securityAudit.alow (the CLI's allowlist ignored)",
    { roles, securityAudit: { alow: {} } },
    "securityAudit: unknown key 'alow' (did you mean 'allow'?)",
    (g) => g.can("admin", "x:y"),
  ],
  [
    "securityAudit.scopedRole (the CLI's scoped roles ignored)",
    { roles, securityAudit: { scopedRole: ["admin"] } },
    "securityAudit: unknown key 'scopedRole' (did you mean 'scopedRoles'?)",
    (g) => g.can("admin", "x:y"),
  ],
  [
    "securityAudit.scopedRoles naming a role not configured (the audit would take the misspelt role as global)",
    { roles, securityAudit: { scopedRoles: ["admn"] } },
    "securityAudit.scopedRoles: role 'admn' is not configured (did you mean 'admin'?)",
    (g) => g.can("admin", "x:y"),
  ],
  [
    "securityAudit.scopedRoles holding a value that is not a string (String() of it would name a role)",
    { roles, securityAudit: { scopedRoles: [{ toString: () => "admin" }] } },
    "securityAudit.scopedRoles must be an array of role names",
    (g) => g.can("admin", "x:y"),
  ],
  [
    "securityAudit.scopedRoles as a string",
    { roles, securityAudit: { scopedRoles: "admin" } },
    "securityAudit.scopedRoles must be an array of role names",
    (g) => g.can("admin", "x:y"),
  ],
];

for (const [what, config, message, use] of refused) {
  test(`refused: ${what}`, async () => {
    assert.throws(() => defineGuard(config).validate(), isConfigError(message));
    // The part's first use refuses it too (and again at the next call: nothing is cached).
    const guard = defineGuard(config);
    for (let i = 0; i < 2; i++) await assert.rejects(async () => use(guard), isConfigError(message));
  });
}

test("redactEnv as a string: no safe action can even be defined, so its handler never runs and no secret reaches a caller", async () => {
  const guard = defineGuard(confirmations({ redactEnv: "EXTERNAL_API_KEY" }));
  let ran = false;
  const leak = () =>
    guard.safeAction({
      name: "typo.leak",
      args: {},
      check: async () => "users:1",
      handler: async () => {
        ran = true;
        return { echoed: `key=${process.env.EXTERNAL_API_KEY}` };
      },
    });
  assert.throws(leak, (e) => e instanceof GuardConfigError && /redactEnv must be an array/.test(e.message));
  assert.throws(() => guard.audit, GuardConfigError);
  assert.equal(ran, false);
  // The same action with the array the fix names: the secret is refused, the caller sees nothing of it.
  const fixed = defineGuard(confirmations({ redactEnv: ["EXTERNAL_API_KEY"] }));
  const action = fixed.safeAction({
    name: "typo.leak",
    args: {},
    check: async () => "users:1",
    handler: async () => ({ echoed: `key=${process.env.EXTERNAL_API_KEY}` }),
  });
  const audited = [];
  const ctx = { runMutation: async (_fn, { table, ...row }) => (audited.push(row), `${table}:1`) };
  await assert.rejects(action.handler(ctx, {}), (e) => e?.data?.code === "UPSTREAM_UNAVAILABLE" && !JSON.stringify(e.data).includes("sk-live"));
  assert.deepEqual(audited.map((row) => row.outcome), ["started", "error"]);
});

test("a misspelt lockout budget issues no code: the default budget is never what guards it", async () => {
  const guard = defineGuard(confirmations({ lockout: { binding: { maxFailure: 2, window: MINUTE } } }));
  const binding = { actor: "users:1", action: "delete", target: "t" };
  for (const use of [
    () => guard.issueConfirmation(adminCtx(), binding),
    () => guard.consumeConfirmation(adminCtx(), { ...binding, code: "00000000" }),
  ]) {
    await assert.rejects(async () => use(), (e) => e instanceof GuardConfigError && /'maxFailure' \(did you mean 'maxFailures'\?\)/.test(e.message));
  }
});

test("audit readers: an unknown role is the developer's error before any request, never INVALID_ARGUMENT to the client", async () => {
  const guard = defineGuard(confirmations({ audit: { readers: { role: "admn" } } }));
  await assert.rejects(async () => guard.audit.list(adminCtx(), {}, { numItems: 5, cursor: null }), GuardConfigError);
  // The role it meant reads the trail.
  const fixed = defineGuard(confirmations({ audit: { readers: { role: "admin" } } }));
  fixed.validate();
  assert.deepEqual((await fixed.audit.list(adminCtx(), {}, { numItems: 5, cursor: null })).page, []);
  // A null filter is a filter of the wrong type, never "no filter" (attack39); undefined is none.
  await assert.rejects(fixed.audit.list(adminCtx(), null, { numItems: 5, cursor: null }), (e) => e?.data?.code === "INVALID_ARGUMENT" && e.data.message === "an audit filter must be an object");
  assert.deepEqual((await fixed.audit.list(adminCtx(), undefined, { numItems: 5, cursor: null })).page, []);
});

test("audit readers: a permission no role holds is accepted, and nobody reads the trail (FORBIDDEN) (a choice, unlike a builder's permission)", async () => {
  const guard = defineGuard(confirmations({ audit: { readers: { permission: "admin:audit" } } }));
  guard.validate();
  await assert.rejects(guard.audit.list(adminCtx(), {}, { numItems: 5, cursor: null }), (e) => e?.data?.code === "FORBIDDEN");
  // Once a role holds it, that role reads.
  const held = defineGuard({ roles, permissions: { admin: ["admin:*"] }, confirmations: { audit: { readers: { permission: "admin:audit" } } } });
  assert.deepEqual((await held.audit.list(adminCtx(), {}, { numItems: 5, cursor: null })).page, []);
});

test("defineCodes names its own misspelt options (no guard around it)", () => {
  assert.throws(
    () => defineCodes({ lenght: 10 }).generate(),
    isConfigError("code options: unknown key 'lenght' (did you mean 'length'?)"),
  );
  assert.throws(
    () => defineCodes({ lockout: { binding: { maxFailure: 2 } } }).generate(),
    isConfigError("lockout.binding: unknown key 'maxFailure' (did you mean 'maxFailures'?)"),
  );
  assert.throws(() => defineCodes({ lockout: { actor: [] } }).generate(), isConfigError("lockout.actor must be an object"));
  assert.equal(defineCodes({ length: 10, lockout: { binding: { maxFailures: 3, window: MINUTE } } }).generate().length, 10);
});

test("a browser entry checks the parts it decides (rate limits, access, users) and ignores the rest", () => {
  for (const [, config, message] of refused.filter(([, c]) => c.rateLimits || c.access || c.users)) {
    assert.throws(() => defineClientGuard(config).validate(), isConfigError(message));
  }
  defineClientGuard(confirmations({ ttll: 1000 })).validate();
});

test("every key of every part, spelt right, is accepted, with every setup of users", () => {
  const full = {
    roles,
    permissions: { admin: ["groups:manage", "audit:read"] },
    access: {
      levels: ["viewer", "editor", "owner"],
      publicLevel: "viewer",
      shareLevel: "editor",
      tables: {
        folders: { owner: "ownerId" },
        documents: { owner: "ownerId", ownerIndex: "by_owner", visibility: "visibility", parent: "folderId", parentTable: "folders" },
      },
      groups: { managers: { permission: "groups:manage" } },
    },
    rateLimits: {
      a: { kind: "token bucket", rate: 10, period: MINUTE, capacity: 20, shards: 2 },
      b: { kind: "sliding log", rate: 5, period: MINUTE },
      c: { rate: 5, period: MINUTE, shards: 1 },
    },
    confirmations: {
      alphabet: "crockford",
      length: 10,
      ttl: MINUTE,
      maxAttempts: 3,
      lockout: { binding: { maxFailures: 5, window: 15 * MINUTE }, actor: { maxFailures: 50, window: 60 * MINUTE } },
      secretEnv: "CONVEX_GUARD_SECRET",
      redactEnv: ["EXTERNAL_API_KEY"],
      table: "guardConfirmations",
      audit: { table: "guardAudit", logFunction: "audit:log", readers: { role: "admin" } },
    },
    actions: { module: "guardFunctions" },
    securityAudit: { allow: { "users:flag": "on purpose" }, scopedRoles: ["admin"] },
  };
  defineGuard(full).validate();
  defineClientGuard(full).validate();
  for (const users of [
    { table: "users", roleField: "role", claim: "subject", field: "externalId", index: "by_externalId" },
    { identityField: "subject", index: "by_subject" },
    { convexAuth: true, table: "users", roleField: "role" },
    { resolve: async () => null, table: "users", roleField: "role" },
    { roleClaim: "role" },
  ]) {
    defineGuard({ ...full, access: undefined, users }).validate();
  }
  // roleClaim beside a row setup takes every key of that setup but roleField, access and all, in both entries.
  for (const users of [
    { roleClaim: "role", table: "users", claim: "subject", field: "externalId", index: "by_externalId" },
    { roleClaim: "role", identityField: "subject", index: "by_subject" },
    { roleClaim: "role", convexAuth: true, table: "users" },
    { roleClaim: "role", resolve: async () => null, table: "users" },
  ]) {
    defineGuard({ ...full, users }).validate();
    defineClientGuard({ ...full, users }).validate();
  }
  // `null` and `undefined` parts are absent parts, as every part reads them.
  defineGuard({ roles, users: null, access: null, rateLimits: undefined, confirmations: null, actions: null }).validate();
});

/**
 * The argument of each `defineGuard({ ... })` in the TypeScript blocks of the documents the
 * package ships (the README and its guides, and AUDIT.md: the audit's allowlist), as text, with
 * its document.
 */
function shippedConfigs() {
  const configs = [];
  for (const doc of SHIPPED_DOCS) {
    const text = readFileSync(new URL(`../../${doc}`, import.meta.url), "utf8");
    for (const config of documentConfigs(text)) configs.push({ doc, text: config });
  }
  return configs;
}

/** The argument of each `defineGuard({ ... })` in a markdown text's TypeScript blocks. */
function documentConfigs(readme) {
  const configs = [];
  for (const [, block] of readme.matchAll(/```tsx?\n([\s\S]*?)```/g)) {
    for (const call of block.matchAll(/defineGuard\(\{/g)) {
      let depth = 0;
      let end = call.index + "defineGuard(".length;
      for (; end < block.length; end++) {
        if (block[end] === "{") depth++;
        else if (block[end] === "}" && --depth === 0) break;
      }
      configs.push(block.slice(call.index + "defineGuard(".length, end + 1));
    }
  }
  return configs;
}

test("every configuration the README, its guides and AUDIT.md show is accepted", () => {
  const configs = shippedConfigs();
  // The README and its guides together (the configurations were the README's before the guides).
  assert.ok(configs.filter((c) => c.doc !== "AUDIT.md").length >= 8, `found ${configs.length}`);
  assert.ok(configs.some((c) => c.doc === "AUDIT.md" && c.text.includes("securityAudit")), "AUDIT.md's allowlist");
  for (const { doc, text } of configs) {
    // `roles: [...]` and `// ...` stand for the app's own: its roles, and nothing more.
    // Type annotations (`resolve: async (ctx: QueryCtx) => ...`) stripped as tsc would.
    const literal = transformSync(`(${text.replace("[...]", "roles")})`, { loader: "ts" }).code.replace(/;\s*$/, "");
    // ROLE_CLAIM: a constant a document declares before its call; compiledPolicy: the one
    // docs/performance.md imports from the file `npx convex-guard compile` writes (none yet: undefined).
    const config = new Function("roles", "ROLE_CLAIM", "compiledPolicy", "SECOND", "MINUTE", "HOUR", "DAY", `return { roles, ...(${literal}) };`)(
      ["user", "moderator", "admin", "superadmin"],
      "https://clinic.example/role",
      undefined,
      1000,
      MINUTE,
      60 * MINUTE,
      24 * 60 * MINUTE,
    );
    try {
      defineGuard(config).validate();
    } catch (e) {
      assert.fail(`${e.message}\nin ${doc}'s\n${text}`);
    }
  }
});
