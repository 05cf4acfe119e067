// Prototype pollution from the attacker's side: a key planted on Object.prototype (by a
// vulnerable merge elsewhere in the app) must never configure the guard nor fill in a call's
// options. The guard reads only a configuration's own keys, refuses an inherited one with a
// GuardConfigError naming it (never uses it), and refuses a pure rate-limit decision while
// Object.prototype carries one of its request fields. And subjects whose role cannot be read.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { defineGuard, GuardConfigError } from "convex-guard";

/** Runs `f` with `values` planted on Object.prototype, then removes them. */
function polluted(values, f) {
  for (const [key, value] of Object.entries(values)) {
    Object.defineProperty(Object.prototype, key, { value, writable: true, configurable: true, enumerable: false });
  }
  try {
    return f();
  } finally {
    for (const key of Object.keys(values)) delete Object.prototype[key];
  }
}

const refusedFor = (what) => (e) => e instanceof GuardConfigError && e.message.startsWith(`${what} is inherited from a prototype`);

test("a top-level configuration key planted on Object.prototype is refused when the guard is defined", () => {
  const planted = {
    permissions: { user: ["admin:*"] },
    users: { roleClaim: "role" },
    access: { levels: ["viewer", "owner"], publicLevel: "owner" },
    rateLimits: { free: { rate: 1e6, period: 1000 } },
    confirmations: {},
    actions: {},
    securityAudit: { allow: {} },
  };
  for (const [key, value] of Object.entries(planted)) {
    polluted({ [key]: value }, () => {
      assert.throws(() => defineGuard({ roles: ["user", "admin"] }), refusedFor(key), key);
    });
  }
  // The roles themselves, when the configuration has none of its own.
  polluted({ roles: ["user", "admin"] }, () => {
    assert.throws(() => defineGuard({}), refusedFor("roles"));
  });
  // A configuration made from another object (its prototype, or further up the chain): the
  // check asks the prototype first, and an own key of the same name is still the one read.
  const granting = { permissions: { user: ["a:b"] } };
  assert.throws(() => defineGuard(Object.assign(Object.create(granting), { roles: ["user"] })), refusedFor("permissions"));
  assert.throws(() => defineGuard(Object.assign(Object.create(Object.create(granting)), { roles: ["user"] })), refusedFor("permissions"));
  const shadowed = defineGuard(Object.assign(Object.create(granting), { roles: ["user"], permissions: {} }));
  assert.equal(shadowed.can({ role: "user" }, "a:b"), false);
  const bare = defineGuard(Object.assign(Object.create(null), { roles: ["user"], permissions: { user: ["a:b"] } }));
  assert.equal(bare.can({ role: "user" }, "a:b"), true);
  // Its own keys are what it reads: an own `permissions` is not the planted one's business.
  polluted({ kind: "token bucket" }, () => {
    const guard = defineGuard({ roles: ["user", "admin"], permissions: { admin: ["a:b"] } });
    assert.equal(guard.can({ role: "user" }, "a:b"), false);
    assert.equal(guard.can({ role: "admin" }, "a:b"), true);
  });
});

test("a nested configuration key planted on Object.prototype is refused at the first use of its capability", () => {
  polluted({ kind: "token bucket", capacity: 1000 }, () => {
    const guard = defineGuard({ roles: ["user"], rateLimits: { writes: { rate: 2, period: 60_000 } } });
    assert.throws(() => guard.rateLimitStatus("writes", null, 0), refusedFor("rateLimits.writes.kind"));
  });
  for (const [key, value] of [["publicLevel", "commenter"], ["shareLevel", "commenter"]]) {
    polluted({ [key]: value }, () => {
      const guard = defineGuard({
        roles: ["user"],
        access: { levels: ["viewer", "commenter", "owner"], tables: { docs: { owner: "ownerId", visibility: "visibility" } } },
      });
      assert.throws(() => guard.canShare("commenter", "viewer"), refusedFor(`access.${key}`), key);
    });
  }
  // users: the server guard reads its keys when it is defined, and checks them then.
  polluted({ roleField: "title" }, () => {
    assert.throws(() => defineGuard({ roles: ["user", "admin"], users: { table: "users" } }), refusedFor("users.roleField"));
  });
  polluted({ maxAttempts: 1000 }, () => {
    const guard = defineGuard({ roles: ["user"], confirmations: { codes: {} } });
    assert.throws(() => guard.validate(), (e) => e instanceof GuardConfigError && /maxAttempts is inherited/.test(e.message));
  });
});

test("with no users configuration, a planted users key is ignored: the defaults hold", () => {
  polluted({ roleField: "title", roleClaim: "role", table: "admins" }, () => {
    const guard = defineGuard({ roles: ["user", "admin"], permissions: { admin: ["a:b"] } });
    assert.equal(guard.can({ role: "user", title: "admin" }, "a:b"), false);
    assert.equal(guard.can({ role: "admin" }, "a:b"), true);
  });
});

test("a pure rate-limit decision is refused while Object.prototype carries one of its request or state fields", () => {
  const guard = defineGuard({ roles: ["user"], rateLimits: { api: { kind: "token bucket", rate: 3, period: 60_000 } } });
  assert.equal(guard.rateLimitStatus("api", null, 0).ok, true); // built before the pollution
  const values = { count: 0, consume: false, log: [], t: 0, a: 0, b: 0 };
  for (const key of ["name", "count", "shard", "state", "consume", "t", "a", "b", "log"]) {
    polluted({ [key]: key in values ? values[key] : null }, () => {
      const refused = (e) => e instanceof GuardConfigError && e.message.startsWith(`Object.prototype has '${key}'`);
      assert.throws(() => guard.decideRateLimits([{ name: "api", state: null }], 0), refused, key);
      assert.throws(() => guard.rateLimitStatus("api", null, 0), refused, key);
      // With options and without: no options object is no shelter (a state's fields inherit too).
      assert.throws(() => guard.decideRateLimit("api", null, 0, {}), refused, key);
      assert.throws(() => guard.decideRateLimit("api", null, 0), refused, key);
    });
  }
  // Clean again: decisions as before.
  const [o] = guard.decideRateLimits([{ name: "api", state: null }], 0).outcomes;
  assert.deepEqual([o.ok, o.remaining], [true, 2]);
  assert.deepEqual([guard.decideRateLimit("api", o.state, 0).remaining], [1]);
});

test("the roles are read once, when the guard is defined: what it reports is what it decides", () => {
  const config = { roles: ["user", "admin"], permissions: { admin: ["a:*"] } };
  const guard = defineGuard(config);
  config.roles.push("root");
  config.roles.reverse();
  assert.deepEqual(guard.roles, ["user", "admin"]);
  assert.equal(guard.isRole("root"), false);
  assert.equal(guard.roleAtLeast({ role: "user" }, "admin"), false);
  assert.equal(guard.roleAtLeast({ role: "admin" }, "user"), true);
  assert.equal(guard.can({ role: "admin" }, "a:x"), true);
});

test("a subject whose role cannot be read gets no answer: the exception reaches the caller", () => {
  const guard = defineGuard({ roles: ["user", "admin"], permissions: { admin: ["a:b"] } });
  const boom = new Error("boom");
  const throwing = { get role() { throw boom; } };
  assert.throws(() => guard.can(throwing, "a:b"), (e) => e === boom);
  assert.throws(() => guard.roleAtLeast(throwing, "user"), (e) => e === boom);
  const { proxy, revoke } = Proxy.revocable({ role: "admin" }, {});
  assert.equal(guard.can(proxy, "a:b"), true); // a live Proxy's own role is its role
  revoke();
  assert.throws(() => guard.can(proxy, "a:b"), TypeError);
});

test("a role is the subject's own field, whatever its prototypes hold", () => {
  const guard = defineGuard({ roles: ["user", "admin"], permissions: { admin: ["a:b"] } });
  const can = (subject) => guard.can(subject, "a:b");
  assert.equal(can({ role: "admin" }), true);
  assert.equal(can(Object.assign(Object.create(null), { role: "admin" })), true);
  assert.equal(can({ __proto__: { role: "admin" } }), false);
  assert.equal(can({ __proto__: { __proto__: { role: "admin" } } }), false);
  // Its own field shadows a prototype's, either way.
  assert.equal(can({ __proto__: { role: "user" }, role: "admin" }), true);
  assert.equal(can({ __proto__: { role: "admin" }, role: "user" }), false);
  polluted({ role: "admin" }, () => {
    assert.equal(can({ _id: "u" }), false);
    assert.equal(can({ _id: "u", role: "user" }), false);
    assert.equal(can({ _id: "u", role: "admin" }), true);
    assert.equal(guard.roleAtLeast({ _id: "u" }, "user"), false);
  });
});

test("validate({ schema }) checks the roles as read when the guard was defined", () => {
  const config = { roles: ["user", "admin"] };
  const guard = defineGuard(config);
  config.roles.push("root"); // after the guard was defined: not one of its roles
  const schema = defineSchema({
    users: defineTable({ tokenIdentifier: v.string(), role: v.optional(v.union(v.literal("user"), v.literal("admin"), v.literal("root"))) }).index(
      "by_tokenIdentifier",
      ["tokenIdentifier"],
    ),
  });
  assert.throws(() => guard.validate({ schema }), (e) => e instanceof GuardConfigError && /admits "root", which no configured role is/.test(e.message));
  assert.equal(guard.isRole("root"), false);
});

test("attacker: users keys planted while the server guard is defined are refused then, not read as its setup", () => {
  // An attacker's review (attack20): a roleField planted only while defineGuard ran stayed the
  // guard's role field (a user with bio: "admin" passed requireRole), and validate() passed.
  polluted({ roleField: "bio" }, () => {
    assert.throws(() => defineGuard({ roles: ["user", "admin"], users: { table: "users" } }), refusedFor("users.roleField"));
  });
  const guard = defineGuard({ roles: ["user", "admin"], users: { table: "users" } });
  assert.equal(guard.roleAtLeast({ role: "user", bio: "admin" }, "admin"), false);
});

test("attacker: the validators the guard hands out are frozen, so no caller changes another's", () => {
  // attack20: pushing onto grantLevelValidator().members made every later caller's admit "owner".
  const guard = defineGuard({ roles: ["user", "admin"], access: { levels: ["viewer", "editor", "owner"] } });
  for (const validator of [guard.roleValidator(), guard.levelValidator(), guard.grantLevelValidator()]) {
    assert.ok(Object.isFrozen(validator) && Object.isFrozen(validator.members));
    assert.throws(() => validator.members.push(validator.members[0]), TypeError);
  }
  assert.deepEqual(guard.grantLevelValidator().members.map((m) => m.value), ["viewer", "editor"]);
});
