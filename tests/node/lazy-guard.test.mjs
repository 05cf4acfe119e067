// defineGuard builds roles and permissions at once and every other capability (access, rate
// limits and the action-aware checks, confirmations, the builders) at the first call of one of
// its methods: a request that checks one permission pays for nothing else. What users see
// must not change: the same keys in the same order, plain data properties, and writes that
// stick.
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

/** The guard's keys, in their order: the API the README documents, `Guard` in js/guard.ts. */
const GUARD_KEYS = [
  ...["validate", "roles", "roleAtLeast", "can", "getUser", "requireUser", "requireRole", "requirePermission"],
  ...["isRole", "roleValidator", "diagnoseUser", "levelValidator", "grantLevelValidator", "accessLevels"],
  ...["resolveAccess", "canShare", "resolveShare", "canTransfer", "levelAtLeast", "readable", "readableMany"],
  ...["requireAccess", "readableFor", "requireAccessFor", "requireRoleFor", "requirePermissionFor"],
  ...["share", "revoke", "listGrants", "transferOwnership", "moveDocument", "insertDocument"],
  ...["deleteDocument", "listAccessible", "createGroup"],
  ...["addGroupMember", "acceptGroupInvite", "leaveGroup", "listMyGroups", "listGroupMembers", "renameGroup"],
  ...["groupLevel", "requireGroupLevel", "groupLevelFor", "requireGroupLevelFor"],
  ...["removeGroupMember", "forgetUser"],
  ...["rateLimit", "rateLimitAll", "checkRateLimit", "resetRateLimit", "getRateLimitState", "rateLimitStatus"],
  ...["decideRateLimit", "rateLimitConfig", "decideRateLimits", "issueConfirmation", "consumeConfirmation", "assertConfirmed", "audit", "safeAction"],
  ...["internalFunctions", "query", "mutation", "action", "customCtx"],
];

test("the guard has every method of its API, in order, as an ordinary object", () => {
  const guard = defineGuard(CONFIG);
  assert.deepEqual(Object.keys(guard), GUARD_KEYS);
  assert.equal(Object.getPrototypeOf(guard), Object.prototype);
  assert.equal(typeof guard.hasOwnProperty, "function");
  assert.equal(String(guard), "[object Object]");
  for (const key of GUARD_KEYS) assert.ok(Object.hasOwn(guard, key), key);
  // Every guard its own methods: nothing is shared between two guards but the audit accessor.
  const other = defineGuard(CONFIG);
  for (const key of GUARD_KEYS.filter((k) => k !== "roles" && k !== "audit")) {
    assert.notEqual(other[key], guard[key], key);
  }
});

test("the guard is held as V8's dictionary, its methods found by name: no shape built per fresh request", () => {
  // An object literal with these keys (51 when measured) made V8 build a shape per key in every fresh context
  // (0.05 ms of each Convex request; see methodsObject in js/guard.ts). A regression to it is
  // what this catches; the cost itself is `make bench`'s per-request figure.
  const guard = defineGuard(CONFIG);
  assert.equal(hasFastProperties(guard), false);
  assert.equal(guard.can("admin", "x:y"), true);
  guard.validate();
  assert.equal(hasFastProperties(guard), false);
  assert.deepEqual(Object.keys(guard), GUARD_KEYS);
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

test("a setter planted on Object.prototype takes none of the guard's methods", () => {
  // Prototype pollution: a setter for a method's name on Object.prototype would take a plain
  // write of that name (`guard.can = ...`) on an ordinary object, leaving the guard to read
  // the polluted getter. The guard's methods are written before it has a prototype.
  const planted = () => true;
  const taken = [];
  for (const key of ["can", "roleAtLeast", "requirePermission", "validate", "safeAction"]) {
    Object.defineProperty(Object.prototype, key, { get: () => planted, set: () => taken.push(key), configurable: true });
  }
  try {
    const guard = defineGuard(CONFIG);
    assert.deepEqual(taken, []);
    assert.deepEqual(Object.keys(guard), GUARD_KEYS);
    assert.equal(Object.getPrototypeOf(guard), Object.prototype);
    assert.notEqual(guard.can, planted);
    assert.equal(guard.can({ _id: "u", role: "user" }, "x:y"), false);
    assert.equal(guard.roleAtLeast("user", "admin"), false);
  } finally {
    for (const key of ["can", "roleAtLeast", "requirePermission", "validate", "safeAction"]) delete Object.prototype[key];
  }
});
