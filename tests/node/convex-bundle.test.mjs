// Issue #2, loader (a): the example app's function files, bundled the way Convex bundles them
// (esbuild: format esm, platform browser, conditions ["convex", "module"], minified), each
// evaluated in a fresh node:vm context that has only web-standard globals — no process, Buffer
// or require — where a real decision is made.
//
// Needs `node --experimental-vm-modules` (vm.SourceTextModule); the Makefile passes it.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import vm from "node:vm";
import { build } from "esbuild";

const appDir = new URL("../../examples/convex-app/", import.meta.url).pathname;
const functionFiles = readdirSync(`${appDir}convex`).filter(
  (f) =>
    f.endsWith(".ts") &&
    // Convex's rule: a name with more than one dot (tests, test.setup.ts) is no module.
    f.split(".").length === 2 &&
    // guardFunctions.ts exports internal functions only (unreachable from a client);
    // auth.ts exports @convex-dev/auth 2.0's own session
    // functions (public by design, the library's code, not the guard's).
    !["schema.ts", "guard.ts", "guardFunctions.ts", "auth.ts"].includes(f),
);

/** Bundles a function file with Convex's settings (unminified on request, to read names). */
async function bundle(file, { minify = true } = {}) {
  const result = await build({
    entryPoints: [`${appDir}convex/${file}`],
    absWorkingDir: appDir,
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    conditions: ["convex", "module"],
    minify,
    treeShaking: true,
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

/** A context with only the globals a Convex isolate (and a browser) offers. */
function bareContext({ fromBase64 }) {
  const used = { fromBase64: 0, atob: 0 };
  const ctx = vm.createContext({
    atob: (s) => (used.atob++, atob(s)),
    btoa,
    TextEncoder,
    TextDecoder,
    crypto: { getRandomValues: (b) => crypto.getRandomValues(b), subtle: crypto.subtle },
    WebAssembly,
    URL,
    console,
  });
  if (fromBase64) {
    // Convex's V8 runs with --js-base-64; Node 20 does not, so provide it inside the context.
    const U8 = vm.runInContext("Uint8Array", ctx);
    U8.fromBase64 = (s) => (used.fromBase64++, new U8(Buffer.from(s, "base64")));
  }
  return { ctx, used };
}

async function evaluate(code, ctx) {
  const mod = new vm.SourceTextModule(code, { context: ctx });
  await mod.link(() => {
    throw new Error("a Convex bundle imports nothing");
  });
  await mod.evaluate();
  return mod.namespace;
}

/** A minimal Convex ctx: an identity and a users table behind `by_tokenIdentifier`. */
function fakeCtx(user) {
  const identity = user && { tokenIdentifier: user.tokenIdentifier, subject: "s", issuer: "i" };
  const rows = user ? [user] : [];
  const query = (table) => ({
    withIndex: (_index, range) => {
      let want;
      const bounds = { eq: (_field, value) => ((want ??= value), bounds) }; // chainable
      range(bounds);
      const found = table === "users" ? rows.filter((r) => r.tokenIdentifier === want) : [];
      return { unique: async () => found[0] ?? null, first: async () => found[0] ?? null, take: async (n) => found.slice(0, n) }; // unique: the app's own reads
    },
    take: async () => rows,
  });
  return {
    auth: { getUserIdentity: async () => identity },
    db: { query, patch: async () => {}, insert: async () => "id", get: async () => null, normalizeId: (_t, id) => id },
  };
}

// Functions that answer anonymous callers on purpose (public documents), with what they answer
// when the document does not exist.
const ANONYMOUS_ANSWERS = {
  "documents.ts": { getSharedDocument: { ok: null }, getSensitiveItem: { ok: null } },
  // Public by design: the server's clock, for countdowns (a number, nothing about anyone).
  "ratelimit.ts": { serverNow: (anon) => typeof anon.ok === "number" && Object.keys(anon).length === 1 },
  "reports.ts": { whoAmI: { ok: null } },
  // The caller's own level on a group: none for a signed-out caller, as readable answers. The
  // required form throws what requireAccess throws (NOT_FOUND), after its level argument, which
  // these calls leave out (checked first: INVALID_ARGUMENT, for every caller alike).
  // The members page checks its page first, as every listing (these calls give none); with one,
  // a signed-out caller gets NOT_FOUND, as requireGroupLevel answers (group-members.test.ts).
  "groups.ts": {
    myLevel: { ok: { level: null } },
    requireLevel: (anon) => anon.code === "INVALID_ARGUMENT" && /^unknown access level/.test(anon.message),
    listMembers: (anon) => anon.code === "INVALID_ARGUMENT" && /^numItems must be/.test(anon.message),
  },
  "convexAuthActions.ts": { whoFromAction: { ok: null } },
};

// Files whose calls here decide only roles and permissions the guard configures: the example's
// compiledPolicy (convex/guard.policy.ts, bundled with guard.ts) answers them, and the engine is
// never decoded (the others' calls need it: access, rate limits, codes, a wildcard's name).
const ROLES_ONLY = ["reports.ts", "users.ts"];

const admin = { _id: "u1", tokenIdentifier: "i|admin", name: "Ada", role: "admin" };
const user = { _id: "u2", tokenIdentifier: "i|user", name: "Uma", role: "user" };

/** What a handler decided, as plain host-realm data (objects from the vm realm have other
 * prototypes, so they are compared through JSON). */
async function outcome(p) {
  try {
    return JSON.parse(JSON.stringify({ ok: await p }));
  } catch (e) {
    return { code: e?.data?.code, message: e?.data?.message };
  }
}

test("function files exist to bundle", () => {
  assert.ok(functionFiles.includes("users.ts") && functionFiles.includes("system.ts"), functionFiles.join());
});

test("a function that only checks roles makes no table definition at import", async () => {
  // The package's tables are made by factory calls marked pure, so a bundle that does not use
  // the exported tables drops them and never runs a factory at import. `guard.validate({ schema })`
  // calls the factories itself, when it runs (guard-schema.ts): unminified, each factory's calls
  // are visible by name, and every one is inside `requiredTables`.
  const code = await bundle("users.ts", { minify: false });
  assert.match(code, /function defineGuard\(/, "the guard itself is bundled");
  const start = code.indexOf("function requiredTables(");
  assert.ok(start >= 0, "validate's table list is bundled");
  const body = code.slice(start, code.indexOf("\n}\n", start));
  for (const factory of ["defineAccessTables", "defineConfirmationsTable", "defineAuditTable", "defineRateLimitTables"]) {
    const calls = [...code.matchAll(new RegExp(`(?<!function )\\b${factory}\\(`, "g"))].length;
    assert.equal(calls, [...body.matchAll(new RegExp(`\\b${factory}\\(`, "g"))].length, `users.ts bundle calls ${factory} outside validate`);
    assert.equal(calls, 1, factory);
  }
  for (const made of ["accessTables", "confirmationsTable", "auditTable", "rateLimitTables"]) {
    assert.ok(!new RegExp(`\\b${made} = `).test(code), `users.ts bundle makes ${made} at import`);
  }
});

for (const fromBase64 of [true, false]) {
  const how = fromBase64 ? "Uint8Array.fromBase64" : "the atob fallback";
  test(`each bundle decides in a bare context (decoded with ${how})`, async () => {
    const decoded = {};
    for (const file of functionFiles) {
      const code = await bundle(file);
      const { ctx, used } = bareContext({ fromBase64 });
      for (const global of ["process", "Buffer", "require", "module", "window"]) {
        assert.equal(vm.runInContext(`typeof ${global}`, ctx), "undefined", global);
      }
      const ns = await evaluate(code, ctx);
      assert.deepEqual(used, { fromBase64: 0, atob: 0 }, `${file}: nothing decoded at import`);
      // Public functions only: internal ones are unreachable from a client (no identity check).
      const fns = Object.entries(ns).filter(([, f]) => typeof f?._handler === "function" && !f.isInternal);
      assert.ok(fns.length > 0, `${file} exports Convex functions`);
      for (const [name, fn] of fns) {
        const anon = await outcome(fn._handler(fakeCtx(null), { id: "d1" }));
        const answer = ANONYMOUS_ANSWERS[file]?.[name];
        if (typeof answer === "function") assert.ok(answer(anon), `${file}:${name} anonymous: ${JSON.stringify(anon)}`);
        else if (answer) assert.deepEqual(anon, answer, `${file}:${name} anonymous`);
        else assert.equal(anon.code, "UNAUTHENTICATED", `${file}:${name} anonymous`);
      }
      if (file === "users.ts") {
        assert.deepEqual(await outcome(ns.listUsers._handler(fakeCtx(user), {})), {
          code: "FORBIDDEN",
          message: "Role 'admin' or higher required",
        });
        const listed = await outcome(ns.listUsers._handler(fakeCtx(admin), {}));
        assert.deepEqual(listed, { ok: [{ name: "Ada", role: "admin" }] });
      }
      if (file === "authProviders.ts") {
        // Roles from a token claim: the identity is the user; one without the claim holds none.
        assert.deepEqual(await outcome(ns.clerkClaimMe._handler(fakeCtx(admin), { minRole: "user" })), {
          code: "FORBIDDEN",
          message: "Role 'user' or higher required",
        });
      }
      if (file === "system.ts") {
        assert.deepEqual(await outcome(ns.setMaintenance._handler(fakeCtx(admin), { on: true })), {
          code: "FORBIDDEN",
          message: "Permission 'admin:system' required",
        });
        const superadmin = { ...admin, role: "superadmin" };
        const r = await outcome(ns.setMaintenance._handler(fakeCtx(superadmin), { on: true }));
        assert.deepEqual(r, { ok: { maintenance: true } });
      }
      if (file === "ratelimit.ts") {
        // A new key: the full rate (10 a minute) less this request's cost.
        assert.deepEqual(await outcome(ns.canSendMessage._handler(fakeCtx(user), {})), {
          ok: { ok: true, remaining: 9, retryAfter: 0 },
        });
        assert.deepEqual(await outcome(ns.sendMessage._handler(fakeCtx(user), { body: "hi" })), {
          ok: { sent: true },
        });
      }
      if (file === "audit.ts") {
        const page = { paginationOpts: { numItems: 10, cursor: null } };
        assert.deepEqual(await outcome(ns.list._handler(fakeCtx(admin), page)), {
          code: "FORBIDDEN",
          message: "Permission 'admin:audit' required",
        });
      }
      if (file === "deletion.ts") {
        assert.deepEqual(await outcome(ns.requestDeletionCode._handler(fakeCtx(admin), { userId: "u2" })), {
          code: "FORBIDDEN",
          message: "Role 'superadmin' or higher required",
        });
      }
      if (file === "external.ts") {
        // No `fetch` in the bare context: the handler fails, the caller sees only the generic code.
        assert.deepEqual(await outcome(ns.lookupCompany._handler(fakeCtx(user), { domain: "a.example" })), {
          code: "UPSTREAM_UNAVAILABLE",
          message: "External service unavailable",
        });
      }
      if (file === "guarded.ts") {
        // The builders decide with the engine, from the bundle, as the hand-called checks do.
        assert.deepEqual(await outcome(ns.countUsers._handler(fakeCtx(user), {})), {
          code: "FORBIDDEN",
          message: "Role 'admin' or higher required",
        });
        assert.deepEqual(await outcome(ns.myProfile._handler(fakeCtx(user), {})), { ok: { name: "Uma", role: "user" } });
      }
      if (file === "custom.ts") {
        // convex-helpers' customQuery with guard.customCtx, bundled: the same decision.
        assert.deepEqual(await outcome(ns.flaggedUsers._handler(fakeCtx(user), {})), {
          code: "FORBIDDEN",
          message: "Role 'moderator' or higher required",
        });
      }
      if (file === "reports.ts") {
        assert.deepEqual(await outcome(ns.buildReport._handler(fakeCtx(user), { topic: "t" })), {
          code: "FORBIDDEN",
          message: "Role 'moderator' or higher required",
        });
      }
      if (file === "convexAuthActions.ts") {
        // Convex Auth 2.0, bundled: the subject "s" is a session, whose user the auth component
        // answers (here a stand-in for ctx.runQuery); the engine decides on that row.
        const ctx = fakeCtx(user);
        ctx.runQuery = async (_ref, { sessionId }) => (sessionId === "s" ? { userId: user._id } : null);
        ctx.db.get = async (id) => (id === user._id ? user : null);
        assert.deepEqual(await outcome(ns.renameMe._handler(ctx, { name: "x" })), {
          code: "FORBIDDEN",
          message: "Role 'moderator' or higher required",
        });
      }
      decoded[file] = fromBase64 ? used.fromBase64 : used.atob;
      assert.equal(fromBase64 ? used.atob : used.fromBase64, 0);
    }
    const files = (times) => Object.keys(decoded).filter((f) => decoded[f] === times);
    assert.deepEqual(files(0), ROLES_ONLY, "the compiled policy answered these, no engine decoded");
    assert.deepEqual(files(1), functionFiles.filter((f) => !ROLES_ONLY.includes(f)), `the engine was decoded exactly once, with ${how}`);
  });
}
