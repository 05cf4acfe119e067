// The policy's configuration crosses into the engine in one call (js/engine-objects.ts
// `PolicyBuilder`, src/bindings/policy.rs `policy_compile`), while some entries are refused by
// the TypeScript layer itself (a name that is not a string, a list that is not an array).
// Whichever refusal comes first in the configuration's order (the roles, then each role's
// grants) is the one reported, with its message, as when each entry crossed on its own.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defineGuard, GuardConfigError } from "convex-guard";

/** The message `config` is refused with (at first use), or null when it is accepted. */
function refusal(config) {
  try {
    defineGuard(config).validate();
    return null;
  } catch (e) {
    assert.ok(e instanceof GuardConfigError, `a GuardConfigError, got ${e}`);
    return e.message;
  }
}

const many = (n, prefix) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

test("the first refused entry is reported, whether the engine or this layer refuses it", () => {
  const cases = [
    // The engine refuses an earlier entry than this layer.
    [{ roles: ["user", "bad name", 5] }, /^role name 'bad name'/],
    [{ roles: ["user", "user", 5] }, /^duplicate role 'user'/],
    [{ roles: ["user"], permissions: { user: ["bad*x"], admin: 5 } }, /^role 'user': malformed wildcard 'bad\*x'/],
    [{ roles: ["user"], permissions: { nobody: ["a:b"], user: [7] } }, /'nobody'/],
    // This layer refuses an earlier entry than the engine.
    [{ roles: ["user", 5, "bad name"] }, /^role names must be strings, got number$/],
    [{ roles: ["user"], permissions: { user: [7, "bad*x"] } }, /^permission names must be strings, got number$/],
    [{ roles: ["user"], permissions: { user: 5, nobody: ["a:b"] } }, /^permissions of role 'user' must be an array of names$/],
    // Past the engine's limits: its refusal, not a later entry's.
    [{ roles: [...many(65, "r"), 5] }, /^too many roles: at most 64 are allowed$/],
    [{ roles: ["user"], permissions: { user: [...many(1025, "p:"), 7] } }, /^too many permissions: at most 1024 grants are allowed$/],
    // Nothing refused before the build's own check.
    [{ roles: [] }, /^a policy needs at least one role$/],
  ];
  for (const [config, expected] of cases) {
    const message = refusal(config);
    assert.match(message ?? "(accepted)", expected, JSON.stringify(config).slice(0, 80));
  }
  assert.equal(refusal({ roles: many(64, "r"), permissions: { r0: many(1024, "p:") } }), null, "at the limits");
});

test("a guard refused once is refused again, and an accepted one decides", () => {
  const guard = defineGuard({ roles: ["user", "bad name"] });
  const first = refusal({ roles: ["user", "bad name"] });
  assert.throws(() => guard.can({ role: "user" }, "a:b"), (e) => e instanceof GuardConfigError && e.message === first);
  assert.throws(() => guard.can({ role: "user" }, "a:b"), (e) => e instanceof GuardConfigError && e.message === first);
  const ok = defineGuard({ roles: ["user", "admin"], permissions: { user: ["a:b"], admin: ["a:*"] } });
  assert.deepEqual(
    [ok.can({ role: "user" }, "a:b"), ok.can({ role: "user" }, "a:c"), ok.can({ role: "admin" }, "a:c"), ok.roleAtLeast({ role: "admin" }, "user")],
    [true, false, true, true],
  );
});

test("names beyond ASCII cross as UTF-8 wherever they are in the configuration", () => {
  // All-ASCII configurations cross in one go (js/engine-io.ts `asciiNames`); the first name
  // that is not ASCII, wherever it is, sends the whole input again string by string: the
  // engine reads every name whole, and refuses the first it refuses, naming it.
  const cases = [
    [{ roles: ["usér", "admin"], permissions: { admin: ["a:b"] } }, "role name 'usér' may only contain letters, digits, '_', '-', '.' and ':'"],
    [
      { roles: ["user", "admin"], permissions: { user: ["a:b"], admin: ["ä:*"] } },
      "role 'admin': permission name 'ä:*' must be non-empty segments of letters, digits, '_', '-' or '.' joined by ':'",
    ],
    [{ roles: ["user", "admin", "x😀y"] }, "role name 'x😀y' may only contain letters, digits, '_', '-', '.' and ':'"],
  ];
  for (const [config, expected] of cases) assert.equal(refusal(config), expected);
  const ascii = defineGuard({ roles: ["user", "admin"], permissions: { user: ["read:x"], admin: ["write:*"] } });
  assert.deepEqual(
    [ascii.can({ role: "user" }, "read:x"), ascii.can({ role: "user" }, "write:y"), ascii.can({ role: "admin" }, "write:y"), ascii.can({ role: "admin" }, "read:x")],
    [true, false, true, true],
  );
});
