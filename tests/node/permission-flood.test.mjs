// A denial of service under `experimental_reuseContext` (one context, so one guard, for every
// request of an isolate): permission names a client chose are checked one after another. The
// guard remembers decisions for a bounded number of names; past that bound, a check must still
// be answered (decided afresh), never refused, or one attacker's requests would make every
// later request of the isolate fail.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defineGuard } from "convex-guard";

const guard = defineGuard({
  roles: ["user", "moderator", "admin"],
  permissions: { user: ["read:posts"], moderator: ["posts:*"], admin: ["delete:users"] },
});
const user = { role: "user" };
const moderator = { role: "moderator" };
const admin = { role: "admin" };

function code(f) {
  try {
    f();
    return "no error";
  } catch (e) {
    return e?.data?.code ?? String(e);
  }
}

test("thousands of client-chosen permission names do not break later checks", () => {
  // More distinct names than the engine's interning bound (4096), each a valid name nobody holds.
  for (let i = 0; i < 5000; i++) {
    assert.equal(guard.can(admin, `attacker:name${i}`), false, `attacker:name${i}`);
  }
  // Names first seen after the flood: decided exactly as before it, allow and deny.
  assert.equal(guard.can(admin, "delete:users"), true);
  assert.equal(guard.can(moderator, "delete:users"), false);
  assert.equal(guard.can(moderator, "posts:edit"), true);
  assert.equal(guard.can(user, "posts:edit"), false);
  assert.equal(guard.can(user, "read:posts"), true);
  assert.equal(guard.can({ role: "nobody" }, "read:posts"), false);
  assert.equal(guard.can(null, "read:posts"), false);
  // Again (a second look, cached or not, answers the same).
  assert.equal(guard.can(admin, "delete:users"), true);
  assert.equal(guard.can(moderator, "delete:users"), false);
  // Malformed names are still refused, before and after the bound alike.
  assert.equal(code(() => guard.can(admin, "posts:*:x")), "INVALID_ARGUMENT");
  assert.equal(code(() => guard.can(admin, "")), "INVALID_ARGUMENT");
  assert.equal(code(() => guard.can(admin, 42)), "INVALID_ARGUMENT");
  assert.equal(guard.roleAtLeast(admin, "moderator"), true);
  assert.equal(guard.roleAtLeast(user, "moderator"), false);
});
