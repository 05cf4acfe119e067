// The browser entries as the packed tarball ships them: reachable through package.json
// `exports` from ESM and CommonJS, with types, free of convex/server, each with its own smaller
// engine, answering as the main entry does. (Chromium: tests/browser/client.test.mjs.)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { test } from "node:test";
import { defineGuard } from "convex-guard";
import { defineClientGuard, GuardConfigError } from "convex-guard/client";
import { defineClientGuard as defineRolesGuard } from "convex-guard/client/roles";

const root = new URL("../../", import.meta.url).pathname;
const tarball = `${root}target/pack/convex-guard.tgz`;
const read = (file) => execFileSync("tar", ["xzf", tarball, "-O", `package/${file}`], { encoding: "utf8" });
const config = {
  roles: ["user", "moderator", "admin"],
  permissions: { user: ["read:users"], moderator: ["write:users"], admin: ["users:*"] },
  rateLimits: { send: { rate: 3, period: 1000 } },
};

test("the manifest exports both entries with their types, and the files are packed", () => {
  const manifest = JSON.parse(read("package.json"));
  assert.deepEqual(manifest.exports["./client"], { types: "./types/client.d.ts", import: "./client.js", require: "./client.cjs" });
  assert.deepEqual(manifest.exports["./client/roles"], {
    types: "./types/client-roles.d.ts",
    import: "./client-roles.js",
    require: "./client-roles.cjs",
  });
  for (const file of ["client.js", "client.cjs", "client-roles.js", "client-roles.cjs", "types/client.d.ts", "types/client-roles.d.ts"]) {
    assert.ok(read(file).length > 0, file);
  }
});

test("no convex/server, and each entry inlines a smaller engine than the main entry", () => {
  const engine = (file) => /WASM_BASE64 = "([A-Za-z0-9+/=]+)"/.exec(read(file))?.[1].length;
  const main = engine("index.js");
  for (const file of ["client.js", "client.cjs", "client-roles.js", "client-roles.cjs"]) {
    assert.doesNotMatch(read(file), /["']convex\/server["']/, file);
    assert.ok(engine(file) < main, `${file}: ${engine(file)} >= ${main}`);
  }
  assert.ok(engine("client-roles.js") < engine("client.js") / 2);
});

test("ESM and CommonJS entries answer as the main entry does", () => {
  const require = createRequire(import.meta.url);
  const cjs = require("convex-guard/client");
  const cjsRoles = require("convex-guard/client/roles");
  const server = defineGuard(config);
  const guards = [defineClientGuard(config), defineRolesGuard(config), cjs.defineClientGuard(config), cjsRoles.defineClientGuard(config)];
  for (const subject of ["user", "moderator", "admin", "root", null, { role: "admin" }, { role: ["admin"] }]) {
    for (const permission of ["read:users", "write:users", "users:delete", "admin:x"]) {
      for (const guard of guards) assert.equal(guard.can(subject, permission), server.can(subject, permission));
    }
    for (const guard of guards) assert.equal(guard.roleAtLeast(subject, "moderator"), server.roleAtLeast(subject, "moderator"));
  }
  const state = { t: 0, a: 3, b: 0, log: [] };
  assert.deepEqual(guards[0].rateLimitStatus("send", state, 500), server.rateLimitStatus("send", state, 500));
  assert.deepEqual(guards[2].rateLimitStatus("send", state, 500), server.rateLimitStatus("send", state, 500));
  assert.equal(guards[0].rateLimitStatus("send", state, 500).ok, false);
});

test("a GuardConfigError of any entry is instanceof every entry's class", async () => {
  const main = await import("convex-guard");
  const roles = await import("convex-guard/client/roles");
  const fromMain = (() => { try { main.defineGuard({ roles: ["a", "a"] }).validate(); } catch (e) { return e; } })();
  const fromClient = (() => { try { defineClientGuard({ roles: ["a", "a"] }).validate(); } catch (e) { return e; } })();
  for (const e of [fromMain, fromClient]) {
    assert.ok(e instanceof main.GuardConfigError && e instanceof GuardConfigError && e instanceof roles.GuardConfigError);
    assert.equal(e.code, "INVALID_CONFIG");
  }
  // Recognised by its brand, not by its name or code: a look-alike is not one.
  const lookalike = Object.assign(new Error("x"), { name: "GuardConfigError", code: "INVALID_CONFIG" });
  assert.equal(lookalike instanceof GuardConfigError, false);
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  assert.equal(revoked.proxy instanceof main.GuardConfigError, false);
});

test("a configuration mistake is the entry's own GuardConfigError, raised at first use", () => {
  const guard = defineClientGuard({ roles: ["a", "a"] }); // defining never throws
  assert.throws(() => guard.can("a", "x"), (e) => e instanceof GuardConfigError && e.message === "duplicate role 'a'");
  assert.throws(() => defineRolesGuard({ roles: ["a", "a"] }).validate(), (e) => e.code === "INVALID_CONFIG");
});

test("a misspelt configuration key is a GuardConfigError in every entry, never a quietly unconfigured part", () => {
  const misspelt = { roles: ["user", "admin"], premissions: { admin: ["delete:users"] } };
  for (const define of [defineGuard, defineClientGuard, defineRolesGuard]) {
    const guard = define(misspelt);
    // Every decision refuses to run on it (fail closed, with the fix named), as validate() does.
    for (const ask of [() => guard.validate(), () => guard.can("admin", "delete:users"), () => guard.roleAtLeast("admin", "user")]) {
      assert.throws(ask, (e) => e instanceof GuardConfigError && /unknown configuration key 'premissions' \(did you mean 'permissions'\?\)/.test(e.message));
    }
  }
  // Every documented key, including the ones a browser entry ignores, is accepted by each.
  const full = {
    ...config,
    users: { table: "users" },
    access: {},
    confirmations: {},
    actions: {},
    securityAudit: { allow: {} },
  };
  for (const define of [defineClientGuard, defineRolesGuard]) define(full).validate();
  // A key far from any is named without a guess, and a huge one is cut.
  assert.throws(() => defineRolesGuard({ roles: ["a"], zzzzzzzzzzzz: 1 }).validate(), (e) => /key 'zzzzzzzzzzzz': a guard's/.test(e.message));
  assert.throws(() => defineRolesGuard({ roles: ["a"], ["k".repeat(500)]: 1 }).validate(), (e) => e.message.length < 400);
});
