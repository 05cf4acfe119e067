// defineGuard builds roles and permissions at once and every other capability (access, rate
// limits and the action-aware checks, confirmations, the builders) at the first call of one of
// its methods: a request that checks one permission pays for nothing else. What users see
// must not change: the same keys in the same order, plain data properties, and writes that
// stick. And the guard stays an object V8 reads fast (a dictionary-mode guard cost every
// method call, `can` included, 10 to 15 ns).
import assert from "node:assert/strict";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { defineGuard } from "convex-guard";

// V8's own answer to "are this object's properties in fast mode", read through its natives
// syntax (set before the function is parsed).
setFlagsFromString("--allow-natives-syntax");
const hasFastProperties = new Function("o", "return %HasFastProperties(o)");

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
  const values = Object.fromEntries(keys.map((k) => [k, guard[k]])); // reading builds nothing
  const audit = { ...guard.audit };
  guard.validate(); // builds every capability
  assert.deepEqual(Object.keys(guard), keys);
  for (const key of keys.filter((k) => k !== "audit")) {
    const d = Object.getOwnPropertyDescriptor(guard, key);
    assert.equal(d.get, undefined, `${key} is a data property`);
    assert.equal(d.value, values[key], `${key} kept its value`);
    assert.ok(d.writable && d.enumerable && d.configurable, key);
    assert.ok(["function", "object"].includes(typeof d.value), `${key}: ${typeof d.value}`);
  }
  // The audit trail is the confirmations' own object (what safe actions write with), the same
  // one at every read, behind the guard's one accessor.
  const d = Object.getOwnPropertyDescriptor(guard, "audit");
  assert.ok(typeof d.get === "function" && d.enumerable && d.configurable);
  assert.equal(guard.audit, values.audit);
  assert.deepEqual(Object.keys(audit), ["log", "logMutation", "list"]);
  assert.deepEqual({ ...guard.audit }, audit);
  // Every guard shares that accessor (one made per guard would put the guard in V8's
  // dictionary mode), and each answers its own trail.
  const other = defineGuard(CONFIG);
  assert.equal(Object.getOwnPropertyDescriptor(other, "audit").get, d.get);
  assert.notEqual(other.audit, guard.audit);
  // The action-aware checks (not authz's own) answer getUser and requirePermission.
  assert.ok(keys.includes("internalFunctions") && keys.includes("query") && keys.includes("forgetUser"));
  // A spread copy has every capability, and its methods build what they need.
  const copy = { ...defineGuard(CONFIG) };
  assert.deepEqual(Object.keys(copy), keys);
  assert.equal(copy.canShare("owner", "viewer").ok, true);
  assert.equal(copy.rateLimitStatus("send", null, 0).ok, true);
});

test("the guard is an object V8 reads fast, before and after every capability is built", () => {
  const guard = defineGuard(CONFIG);
  assert.equal(hasFastProperties(guard), true);
  assert.equal(guard.can("admin", "x:y"), true);
  assert.equal(guard.rateLimitStatus("send", null, 0).ok, true);
  guard.validate();
  assert.equal(hasFastProperties(guard), true);
  // A second guard (same shape, its own functions) too: V8 shares no accessor here to lose.
  assert.equal(hasFastProperties(defineGuard(CONFIG)), true);
});

test("writing a method of a capability sticks, whether the capability is built or not", () => {
  const guard = defineGuard(CONFIG);
  const replaced = () => "replaced";
  guard.resolveAccess = replaced;
  assert.equal(guard.resolveAccess, replaced);
  assert.equal(guard.canShare("owner", "viewer").ok, true); // builds access
  assert.equal(guard.resolveAccess, replaced, "building access kept the write");
  guard.rateLimitStatus = replaced;
  assert.equal(guard.rateLimitStatus("send", null, 0), "replaced");
  const trail = { log: replaced };
  guard.audit = trail;
  assert.equal(guard.audit, trail);
  assert.equal(Object.create(guard).audit, trail, "read through the prototype chain too");
});

test("configuration mistakes still surface at first use or validate(), as before", () => {
  const guard = defineGuard({ roles: ["a"], rateLimits: 5 });
  assert.throws(() => guard.validate(), /rateLimits must be an object/);
  assert.throws(() => defineGuard({ roles: ["a"], access: "x" }).validate(), /access must be an object/);
  // At the first call of a method of the capability: reading it builds nothing yet.
  const unchecked = defineGuard({ roles: ["a"], rateLimits: 5 });
  const status = unchecked.rateLimitStatus;
  assert.throws(() => status("x", null, 0), /rateLimits must be an object/);
  assert.equal(typeof unchecked.audit.list, "function");
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
  assert.throws(() => {
    frozen.audit = {};
  }, TypeError);
  assert.equal(typeof frozen.audit.log, "function");

  const sealed = Object.seal(defineGuard(CONFIG));
  const replaced = () => "replaced";
  sealed.resolveAccess = replaced;
  assert.equal(sealed.resolveAccess, replaced);
  assert.equal(sealed.canShare("owner", "viewer").ok, true);
  assert.deepEqual(Object.keys(sealed), Object.keys(defineGuard(CONFIG)));
});
