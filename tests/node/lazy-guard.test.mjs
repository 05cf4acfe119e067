// defineGuard builds roles and permissions at once and every other capability (access, rate
// limits and the action-aware checks, confirmations, the builders) at the first read of one of
// its properties: a request that checks one permission pays for nothing else. What users see
// must not change: the same keys in the same order, plain data properties once built, and
// writes that stick.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defineGuard } from "convex-guard";

const CONFIG = {
  roles: ["user", "admin"],
  permissions: { admin: ["x:y"] },
  access: { levels: ["viewer", "owner"], tables: { docs: { owner: "ownerId" } } },
  rateLimits: { send: { kind: "token bucket", rate: 3, period: 1000 } },
  confirmations: {},
};

/** The configuration's top-level fields read so far, by a Proxy around it. */
function recording(config) {
  const read = new Set();
  const proxy = new Proxy(config, {
    get(target, key, receiver) {
      if (typeof key === "string") read.add(key);
      return Reflect.get(target, key, receiver);
    },
  });
  return { proxy, read };
}

test("defining a guard and checking a permission reads no other capability's configuration", () => {
  const { proxy, read } = recording(CONFIG);
  const guard = defineGuard(proxy);
  assert.equal(guard.can({ _id: "u", role: "admin" }, "x:y"), true);
  assert.equal(guard.roleAtLeast("user", "admin"), false);
  for (const other of ["access", "rateLimits", "confirmations", "actions"]) {
    assert.equal(read.has(other), false, `read '${other}' (read: ${[...read].join(", ")})`);
  }
  // The first read of one of its properties builds the capability from the configuration.
  assert.equal(guard.rateLimitStatus("send", null, 0).ok, true);
  assert.equal(read.has("rateLimits"), true);
  assert.equal(read.has("access"), false);
});

test("the guard's keys, their order and their values are the same before and after building", () => {
  const guard = defineGuard(CONFIG);
  const keys = Object.keys(guard);
  const values = Object.fromEntries(keys.map((k) => [k, guard[k]])); // builds every capability
  assert.deepEqual(Object.keys(guard), keys);
  for (const key of keys) {
    const d = Object.getOwnPropertyDescriptor(guard, key);
    assert.equal(d.get, undefined, `${key} is a data property once built`);
    assert.equal(d.value, values[key], `${key} kept its value`);
    assert.ok(d.writable && d.enumerable && d.configurable, key);
    assert.ok(["function", "object"].includes(typeof d.value), `${key}: ${typeof d.value}`);
  }
  // The action-aware checks (not authz's own) answer getUser and requirePermission.
  assert.ok(keys.includes("internalFunctions") && keys.includes("query") && keys.includes("forgetUser"));
  // A spread copy has every capability, built.
  const copy = { ...defineGuard(CONFIG) };
  assert.deepEqual(Object.keys(copy), keys);
  assert.equal(copy.canShare("owner", "viewer").ok, true);
});

test("writing a property of a capability not built yet builds it, then the write sticks", () => {
  const guard = defineGuard(CONFIG);
  const replaced = () => "replaced";
  guard.resolveAccess = replaced;
  assert.equal(guard.resolveAccess, replaced);
  assert.equal(typeof guard.canShare, "function");
  assert.equal(guard.resolveAccess, replaced, "building the rest of access kept the write");
});

test("configuration mistakes still surface at first use or validate(), as before", () => {
  const guard = defineGuard({ roles: ["a"], rateLimits: 5 });
  assert.throws(() => guard.validate(), /rateLimits must be an object/);
  assert.throws(() => defineGuard({ roles: ["a"], access: "x" }).validate(), /access must be an object/);
});

test("a guard frozen or sealed before its first use still answers, and writes behave as before", () => {
  const frozen = Object.freeze(defineGuard(CONFIG));
  assert.equal(frozen.can("admin", "x:y"), true);
  assert.equal(frozen.canShare("owner", "viewer").ok, true);
  assert.equal(frozen.rateLimitStatus("send", null, 0).ok, true);
  assert.equal(typeof frozen.query, "function");
  assert.throws(() => {
    frozen.resolveAccess = () => null;
  }, TypeError);
  assert.equal(typeof frozen.resolveAccess, "function");
  // A frozen data property refuses the write the same way (ES modules are strict code).
  assert.throws(() => {
    frozen.can = () => true;
  }, TypeError);

  const sealed = Object.seal(defineGuard(CONFIG));
  const replaced = () => "replaced";
  sealed.resolveAccess = replaced;
  assert.equal(sealed.resolveAccess, replaced);
  assert.equal(sealed.canShare("owner", "viewer").ok, true);
  assert.deepEqual(Object.keys(sealed), Object.keys(defineGuard(CONFIG)));
});
