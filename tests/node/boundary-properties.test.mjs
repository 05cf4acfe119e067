// Property tests at the JavaScript boundary: every public method of the guard (every capability
// configured) and of defineCodes gets arbitrary JavaScript values — wrong types, `__proto__` and
// `constructor` keys, getters and Proxies that throw, huge strings, deep nesting, cycles, NaN,
// Infinity, -0, BigInt, symbols — and a Convex ctx whose auth and db answer anything. For each
// call: it returns or throws only a ConvexError (a known code, a message) or a GuardConfigError
// (or, unchanged, the very error a caller's own getter or ctx threw); a decision on garbage is a
// denial; and a fixed set of known answers is still right afterwards, in the same context.
//
// Deterministic: the seed is fixed (FC_SEED overrides it); fast-check prints the seed and the
// path of a failure to replay it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConvexError } from "convex/values";
import fc from "fast-check";
import { defineCodes, defineGuard, GuardConfigError, signCode } from "convex-guard";

const SEED = Number(process.env.FC_SEED ?? 20261202);
const RUNS = 300;
const run = (property) => fc.assert(property, { seed: SEED, numRuns: RUNS, includeErrorInReport: true });

process.env.CONVEX_GUARD_SECRET = "a-test-secret-of-more-than-32-bytes!!";

const ROLES = ["user", "admin"];
const LEVELS = ["viewer", "commenter", "editor", "owner"];
const LIMITS = ["send", "bucket"];
const guard = defineGuard({
  roles: ROLES,
  permissions: { user: ["read:x"], admin: ["write:*"] },
  access: { tables: { docs: { owner: "ownerId", visibility: "visibility", parent: "parentId" } } },
  rateLimits: { send: { rate: 2, period: 1000 }, bucket: { kind: "token bucket", rate: 5, period: 1000, capacity: 10 } },
  confirmations: {},
});
const codes = defineCodes();

// ------------------------------------------------------------------------- arbitrary values

/** What a caller's own getter, Proxy trap or ctx method throws: it may pass through unchanged. */
class Planted extends Error {}
const plant = () => {
  throw new Planted("planted");
};

/** Hostile objects: each read, key listing or conversion throws. */
const hostile = () => [
  Object.defineProperty({}, "role", { get: plant, enumerable: true }),
  new Proxy({}, { get: plant, has: plant, ownKeys: plant, getOwnPropertyDescriptor: plant, getPrototypeOf: plant }),
  new Proxy([], { get: plant }),
  (() => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  })(),
  { toString: plant, valueOf: plant, [Symbol.toPrimitive]: plant },
  { then: plant },
];
const cyclic = () => {
  const o = { role: "admin" };
  o.self = o;
  const a = [];
  a.push(a);
  return [o, a];
};
const deep = (n) => {
  let v = "leaf";
  for (let i = 0; i < n; i++) v = i % 2 ? [v] : { next: v, role: v };
  return v;
};
const deepArray = (n) => {
  let v = [];
  for (let i = 0; i < n; i++) v = [v];
  return v;
};
const SPECIAL = [
  NaN, Infinity, -Infinity, -0, 0, 1, -1, 0.5, 2 ** 32, 2 ** 53, Number.MAX_VALUE, 10n, -(2n ** 64n),
  Symbol("s"), Symbol.iterator, "", " ", "x".repeat(1 << 20), "é".repeat(5000), "\u0000", "\ud800",
  "__proto__", "constructor", "prototype", "toString", "hasOwnProperty",
  ...ROLES, ...LEVELS, ...LIMITS, "read:x", "write:x", "write:*", "admin:*", "docs", "owner", "public", "private",
  null, undefined, true, false, [], {}, Object.create(null), new Date(NaN), new Uint8Array(32), new ArrayBuffer(32),
  () => true, Promise.resolve(1), new Map([["role", "admin"]]),
  { __proto__: { role: "admin" } }, JSON.parse('{"__proto__": {"role": "admin"}, "role": "__proto__"}'),
  { constructor: { prototype: { role: "admin" } } },
  ...hostile(), ...cyclic(), deep(20), deep(20000), deepArray(20000),
];

/**
 * A special value stands in the generated inputs as a box: fast-check inspects what it
 * generates (to clone and print it), and a revoked or throwing Proxy would break fast-check
 * itself. `unbox` puts the values back just before the call.
 */
class Special {
  constructor(i) {
    this.i = i;
    this.what = describe(SPECIAL[i]);
  }
}
function describe(v) {
  try {
    if (typeof v === "string") return v.length > 40 ? `string of ${v.length}` : JSON.stringify(v);
    if (typeof v === "symbol" || typeof v === "bigint" || typeof v === "number") return String(v);
    return `${Object.prototype.toString.call(v)} ${String(Object.keys(v)).slice(0, 40)}`;
  } catch {
    return "hostile";
  }
}
/** The generated value with its boxes replaced by the special values (keys such as
 * `__proto__` kept as own keys). */
function unbox(x) {
  if (x instanceof Special) return SPECIAL[x.i];
  if (Array.isArray(x)) return x.map(unbox);
  if (x !== null && typeof x === "object") {
    const proto = Object.getPrototypeOf(x);
    if (proto !== Object.prototype && proto !== null) return x;
    const out = Object.create(proto);
    for (const k of Reflect.ownKeys(x)) {
      Object.defineProperty(out, k, { value: unbox(x[k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return x;
}
/** fc.asyncProperty, with the special values unboxed before the body runs. */
const property = (...args) => {
  const body = args.pop();
  return fc.asyncProperty(...args, (...values) => body(...values.map(unbox)));
};
const special = fc.integer({ min: 0, max: SPECIAL.length - 1 }).map((i) => new Special(i));

const key = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom("__proto__", "constructor", "role", "toString", "valueOf", "then", "length", "t", "a", "b", "log", "name", "state", "hash", "action", "outcome", "actor", "resourceId", "details", "password"),
);
/** Anything a JavaScript caller could pass. */
const anything = fc.oneof(
  { weight: 3, arbitrary: special },
  {
    weight: 3,
    arbitrary: fc.anything({
      key,
      maxDepth: 3,
      values: [special, fc.string(), fc.double(), fc.integer()],
      withBigInt: true,
      withBoxedValues: true,
      withNullPrototype: true,
      withObjectString: true,
      withMap: true,
      withSet: true,
      withDate: true,
      withTypedArray: true,
      withSparseArray: true,
    }),
  },
);
/** Mostly well-formed, sometimes not: reaches past the first check. */
const nearly = (good) => fc.oneof({ weight: 2, arbitrary: good }, { weight: 1, arbitrary: anything });
const name = (names) => nearly(fc.constantFrom(...names));
const stateLike = nearly(
  fc.oneof(
    fc.constant(null),
    fc.record({ t: nearly(fc.double()), a: nearly(fc.integer()), b: nearly(fc.double()), log: nearly(fc.array(fc.double(), { maxLength: 4 })) }),
  ),
);
const factsLike = nearly(
  fc.record({
    now: nearly(fc.double()),
    caller: nearly(fc.constantFrom("u1", "u2", null)),
    groups: nearly(fc.array(nearly(fc.constantFrom("g1", "g2")), { maxLength: 3 })),
    documents: nearly(
      fc.array(
        nearly(
          fc.record({
            id: nearly(fc.constantFrom("d1", "d2", "d3")),
            owner: nearly(fc.constantFrom("u1", "u2", null)),
            visibility: nearly(fc.constantFrom("public", "private")),
            parent: nearly(fc.constantFrom("d1", "d2", null)),
            grants: nearly(
              fc.array(
                nearly(fc.record({ to: anything, kind: nearly(fc.constantFrom("direct", "group")), level: name(LEVELS), expiresAt: anything })),
                { maxLength: 3 },
              ),
            ),
          }),
        ),
        { maxLength: 4 },
      ),
    ),
  }),
);

// --------------------------------------------------------------------------------- judging

const CODES = new Set(["UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "RATE_LIMITED", "INVALID_CONFIRMATION", "UPSTREAM_UNAVAILABLE", "INVALID_ARGUMENT"]);

/** Throws unless `e` is an error the guard may throw (or the caller's own, passed through). */
function assertGuardError(e, label) {
  // The caller's own: what its getter, Proxy trap or ctx threw, or what touching a revoked
  // Proxy throws (the runtime's TypeError, as it would be for any code reading it).
  if (e instanceof Planted || (e instanceof TypeError && /proxy that has been revoked/.test(e.message))) return;
  if (e instanceof GuardConfigError) {
    assert.ok(typeof e.message === "string" && e.message.length > 0, `${label}: GuardConfigError without a message`);
    return;
  }
  if (e instanceof ConvexError) {
    assert.ok(CODES.has(e.data?.code), `${label}: unknown code ${String(e.data?.code)}`);
    assert.ok(typeof e.data.message === "string" && e.data.message.length > 0, `${label}: no message`);
    return;
  }
  assert.fail(`${label}: threw ${e?.constructor?.name}: ${String(e?.message ?? e).slice(0, 300)}`);
}

/** Calls `f`; returns `{ value }` or `{ error }` after checking the error's kind. */
async function call(label, f) {
  try {
    return { value: await f() };
  } catch (e) {
    assertGuardError(e, label);
    return { error: e };
  }
}

/** Reads `x` without running a caller's code: `undefined` for anything that would. */
function plain(x, field) {
  if (x === null || typeof x !== "object") return undefined;
  try {
    const d = Object.getOwnPropertyDescriptor(x, field);
    return d && "value" in d ? d.value : undefined;
  } catch {
    return undefined; // a Proxy
  }
}
const isObject = (x) => x !== null && typeof x === "object";
const roleOf = (s) => (typeof s === "string" ? s : plain(s, "role"));
const rank = (r) => (typeof r === "string" ? ROLES.indexOf(r) : -1);

// A record and hash for the known answers.
const HASH = new Uint8Array(32).fill(7);
const RECORD = codes.issue(HASH, 1000);
const FULL = { t: 0, a: 2, b: 0, log: [] };
const FACTS = {
  now: 5,
  caller: "u1",
  groups: ["g1"],
  documents: [
    { id: "d1", owner: "u1", visibility: "private", parent: null, grants: [] },
    { id: "d2", owner: "u2", visibility: "private", parent: null, grants: [{ to: "g1", kind: "group", level: "editor" }] },
    { id: "d3", owner: "u2", visibility: "public", parent: null, grants: [] },
    { id: "d4", owner: "u2", visibility: "private", parent: null, grants: [{ to: "u1", kind: "direct", level: "viewer", expiresAt: 5 }] },
  ],
};

/** Decisions with known answers, after every arbitrary call: the context is still sound. */
function assertKnownAnswers(label) {
  const at = `${label}: a known answer changed`;
  assert.deepEqual(
    [guard.can("admin", "write:y"), guard.can("user", "write:y"), guard.can({ role: "user" }, "read:x"), guard.can(null, "read:x")],
    [true, false, true, false],
    at,
  );
  assert.deepEqual([guard.roleAtLeast("admin", "user"), guard.roleAtLeast("user", "admin")], [true, false], at);
  assert.deepEqual(guard.resolveAccess(FACTS).map((r) => r.level), ["owner", "editor", "viewer", null], at);
  assert.deepEqual([guard.canShare("editor", "viewer").ok, guard.canShare("viewer", "viewer").ok, guard.canTransfer("owner").ok], [true, false, true], at);
  assert.deepEqual(
    [guard.rateLimitStatus("send", null, 5).ok, guard.rateLimitStatus("send", FULL, 5).ok, guard.rateLimitStatus("send", FULL, 5).retryAfter],
    [true, false, 1495],
    at,
  );
  assert.deepEqual(
    [codes.verify(RECORD, HASH, 2000).outcome, codes.verify(RECORD, new Uint8Array(32), 2000).outcome, codes.verify(null, HASH, 2000).outcome],
    ["accepted", "wrong", "missing"],
    at,
  );
}

test("the known answers hold before any arbitrary call", () => assertKnownAnswers("start"));

// ------------------------------------------------------------------------ the pure methods

test("can and roleAtLeast: arbitrary subjects and names never allow what the role does not hold", async () => {
  await run(
    property(anything, nearly(fc.constantFrom("read:x", "write:x", "write:a:b", "x:y", "bad name")), anything, name(ROLES), async (subject, permission, s2, minRole) => {
      const can = await call("can", () => guard.can(subject, permission));
      if (can.value === true) {
        const role = roleOf(subject);
        assert.ok(rank(role) >= 0 && typeof permission === "string", `can(${String(role)}, ${String(permission)}) allowed garbage`);
        assert.ok(permission === "read:x" || (role === "admin" && permission.startsWith("write:")), "allowed a permission the role lacks");
      } else if (!("error" in can)) assert.equal(can.value, false);
      const at = await call("roleAtLeast", () => guard.roleAtLeast(s2, minRole));
      if (at.value === true) assert.ok(rank(roleOf(s2)) >= rank(minRole) && rank(minRole) >= 0, "roleAtLeast allowed garbage");
      assertKnownAnswers("can/roleAtLeast");
    }),
  );
});

const shareRequest = nearly(
  fc.record({ id: nearly(fc.constantFrom("d1", "d2", "d3")), level: name(LEVELS), expiresAt: anything }, { requiredKeys: [] }),
);

test("resolveAccess, resolveShare, canShare, canTransfer, accessLevels: garbage gives no access", async () => {
  await run(
    property(factsLike, nearly(fc.constantFrom(...LEVELS, null)), name(LEVELS), name(["owner", "inherited", "public"]), shareRequest, async (facts, from, to, source, request) => {
      const r = await call("resolveAccess", () => guard.resolveAccess(facts));
      if ("value" in r) {
        assert.ok(Array.isArray(r.value));
        r.value.forEach((x, i) => {
          assert.ok(x.level === null || LEVELS.includes(x.level), "a level that is not configured");
          if (x.level !== null) {
            const doc = plain(plain(facts, "documents"), i);
            assert.ok(typeof plain(facts, "caller") === "string" || plain(doc, "visibility") === "public", "access without a caller or public visibility");
          }
        });
      }
      const decided = await call("resolveShare", () => guard.resolveShare(facts, request));
      const docs = plain(facts, "documents");
      if (decided.value?.ok === true && Array.isArray(docs)) {
        // Allowed only for a signed-in caller, on a listed document, at a configured level.
        const ids = Array.from(docs, (d) => plain(d, "id"));
        assert.ok(typeof plain(facts, "caller") === "string", "resolveShare allowed a share without a caller");
        assert.ok(ids.includes(plain(request, "id")) && LEVELS.includes(plain(request, "level")), "resolveShare allowed garbage");
      }
      const share = await call("canShare", () => guard.canShare(from, to));
      if (share.value?.ok === true) assert.ok(LEVELS.includes(from) && LEVELS.includes(to), "canShare allowed garbage");
      const transfer = await call("canTransfer", () => guard.canTransfer(source));
      if (transfer.value?.ok === true) assert.equal(source, "owner", "canTransfer allowed garbage");
      await call("accessLevels", () => guard.accessLevels());
      assertKnownAnswers("access");
    }),
  );
});

test("rateLimitStatus, decideRateLimit and decideRateLimits: a garbage state, time or name is never admitted", async () => {
  const wellFormed = (s) =>
    s === null || s === undefined ||
    (isObject(s) && ["t", "a", "b"].every((k) => Number.isFinite(plain(s, k))) && Array.isArray(plain(s, "log")));
  await run(
    property(name(LIMITS), stateLike, nearly(fc.double()), anything, nearly(fc.array(fc.record({ name: name(LIMITS), state: stateLike, count: anything, shard: anything }), { maxLength: 3 })), async (limit, state, now, options, requests) => {
      const status = await call("rateLimitStatus", () => guard.rateLimitStatus(limit, state, now, options));
      if (status.value?.ok === true) {
        assert.ok(LIMITS.includes(limit) && Number.isFinite(now) && wellFormed(state), "rateLimitStatus admitted garbage");
      }
      const one = await call("decideRateLimit", () => guard.decideRateLimit(limit, state, now, options));
      if (one.value?.ok === true) {
        assert.ok(LIMITS.includes(limit) && Number.isFinite(now) && wellFormed(state), "decideRateLimit admitted garbage");
      }
      const decided = await call("decideRateLimits", () => guard.decideRateLimits(requests, now, options));
      if (decided.value?.ok === true) {
        assert.ok(Array.isArray(requests) && Number.isFinite(now), "decideRateLimits admitted garbage");
        for (const r of requests) assert.ok(LIMITS.includes(plain(r, "name")) && wellFormed(plain(r, "state")), "decideRateLimits admitted a garbage entry");
      }
      assertKnownAnswers("rate limits");
    }),
  );
});

test("defineCodes and signCode: garbage options, bindings, records and hashes are never accepted", async () => {
  const bytes = nearly(fc.oneof(fc.constant(HASH), fc.uint8Array({ minLength: 0, maxLength: 40 })));
  const record = nearly(fc.record({ hash: bytes, expiresAt: nearly(fc.double()), attemptsLeft: anything, used: anything }));
  await run(
    property(anything, anything, anything, record, bytes, nearly(fc.double()), async (options, binding, code, rec, presented, now) => {
      const c = await call("defineCodes", () => defineCodes(options));
      if ("value" in c) {
        await call("validate", () => c.value.validate());
        await call("generate", () => c.value.generate());
        await call("message", () => c.value.message(binding, code, options));
        await call("issue", () => c.value.issue(presented, now));
        const v = await call("verify", () => c.value.verify(rec, presented, now));
        if (v.value?.outcome === "accepted") {
          const hash = plain(rec, "hash");
          assert.ok(hash instanceof Uint8Array && presented instanceof Uint8Array && Buffer.from(hash).equals(Buffer.from(presented)), "accepted a hash that is not the record's");
        }
      }
      await call("signCode", () => signCode(code, presented));
      await call("assertConfirmed", () => guard.assertConfirmed(binding));
      assertKnownAnswers("codes");
    }),
  );
});

test("defineGuard: an arbitrary configuration throws only a GuardConfigError", async () => {
  const config = fc.oneof(
    anything,
    fc.record({
      roles: nearly(fc.array(name(ROLES), { maxLength: 3 })),
      permissions: anything,
      users: anything,
      access: nearly(fc.record({ levels: nearly(fc.array(name(LEVELS), { maxLength: 5 })), publicLevel: anything, shareLevel: anything, tables: anything })),
      rateLimits: nearly(fc.dictionary(fc.string({ maxLength: 4 }), nearly(fc.record({ kind: anything, rate: anything, period: anything, capacity: anything, shards: anything })))),
      confirmations: anything,
    }),
  );
  await run(
    property(config, anything, async (cfg, subject) => {
      const g = await call("defineGuard", () => defineGuard(cfg));
      if ("value" in g) {
        await call("validate", () => g.value.validate());
        const can = await call("can", () => g.value.can(subject, "read:x"));
        if (can.value === true) assert.ok(typeof roleOf(subject) === "string", "allowed a garbage subject");
      }
      assertKnownAnswers("defineGuard");
    }),
  );
});

// ----------------------------------------------------------------- methods that take a ctx

/**
 * A Convex ctx whose every answer is arbitrary within what Convex's API returns: the identity
 * (anything), a row or null, a list of rows, a page, a normalized id or null; the rows' fields
 * are anything. Any call may throw instead (a Planted error: Convex's own errors pass through).
 */
function fakeCtx(answers) {
  let i = 0;
  const next = () => {
    const a = answers[i++ % answers.length];
    if (a instanceof Planted) throw a;
    return a;
  };
  const one = () => {
    const a = next();
    return isObject(a) && !Array.isArray(a) ? a : null;
  };
  const list = () => {
    const a = next();
    return Array.isArray(a) ? a.filter((x) => isObject(x)) : [];
  };
  const query = {
    withIndex: (_name, f) => {
      const eq = { eq: () => eq };
      if (typeof f === "function") f(eq);
      return query;
    },
    order: () => query,
    filter: (f) => {
      const q = { field: () => q, eq: () => q, neq: () => q };
      if (typeof f === "function") f(q);
      return query;
    },
    first: async () => one(),
    collect: async () => list(),
    take: async () => list(),
    paginate: async () => ({ page: list(), isDone: next() !== null, continueCursor: "c" }),
  };
  return {
    auth: { getUserIdentity: async () => next() },
    db: {
      query: () => query,
      get: async () => one(),
      normalizeId: () => {
        const a = next();
        return typeof a === "string" ? a : null;
      },
      insert: async () => "new-id",
      patch: async () => undefined,
      replace: async () => undefined,
      delete: async () => undefined,
    },
    runMutation: async () => next(),
  };
}
const identity = fc.oneof(
  fc.constant(null),
  fc.record({ tokenIdentifier: nearly(fc.constantFrom("t1", "t2")), subject: anything }),
);
const row = fc.oneof(
  fc.constant(null),
  fc.record({ _id: nearly(fc.constantFrom("u1", "d1", "g1")), role: name(ROLES), ownerId: nearly(fc.constantFrom("u1", "u2")), visibility: nearly(fc.constantFrom("public", "private")), parentId: anything, level: name(LEVELS), userId: anything, groupId: anything, expiresAt: anything, config: anything, t: anything, a: anything, b: anything, log: anything, hash: anything, attemptsLeft: anything, used: anything }),
);
const answer = fc.oneof(
  { weight: 3, arbitrary: identity },
  { weight: 3, arbitrary: row },
  { weight: 2, arbitrary: fc.array(row, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.record({ page: nearly(fc.array(row, { maxLength: 3 })), isDone: anything, continueCursor: anything }) },
  { weight: 1, arbitrary: nearly(fc.constantFrom("u1", "d1", "g1", null)) },
  { weight: 1, arbitrary: fc.constant(new Planted("ctx")) },
);

/** Every method that takes a ctx, with arbitrary (often nearly valid) arguments. */
const CTX_METHODS = {
  getUser: [],
  requireUser: [],
  requireRole: [name(ROLES)],
  requirePermission: [nearly(fc.constantFrom("read:x", "write:y"))],
  readable: [name(["docs", "users"]), anything, name(LEVELS)],
  readableMany: [name(["docs"]), nearly(fc.array(anything, { maxLength: 3 }))],
  requireAccess: [name(["docs"]), anything, name(LEVELS)],
  readableFor: [anything, name(["docs", "users"]), anything, name(LEVELS)],
  requireAccessFor: [anything, name(["docs"]), anything, name(LEVELS)],
  requireRoleFor: [anything, name(ROLES)],
  requirePermissionFor: [anything, nearly(fc.constantFrom("read:x", "write:y"))],
  share: [name(["docs"]), anything, nearly(fc.record({ userId: anything, groupId: anything, level: name(LEVELS), expiresAt: anything }, { requiredKeys: [] }))],
  revoke: [name(["docs"]), anything, nearly(fc.record({ userId: anything, groupId: anything }, { requiredKeys: [] }))],
  transferOwnership: [name(["docs"]), anything, anything],
  moveDocument: [name(["docs"]), anything, nearly(fc.constantFrom("d1", null))],
  insertDocument: [name(["docs"]), nearly(fc.record({ ownerId: anything, parentId: anything, title: anything }, { requiredKeys: [] }))],
  deleteDocument: [name(["docs"]), anything],
  listAccessible: [name(["docs"]), nearly(fc.record({ paginationOpts: nearly(fc.record({ numItems: anything, cursor: anything })), minLevel: name(LEVELS) }))],
  createGroup: [anything],
  addGroupMember: [anything, anything],
  removeGroupMember: [anything, anything],
  acceptGroupInvite: [anything],
  leaveGroup: [anything],
  listMyGroups: [nearly(fc.record({ paginationOpts: nearly(fc.record({ numItems: anything, cursor: anything })) }))],
  listGroupMembers: [anything, nearly(fc.record({ paginationOpts: nearly(fc.record({ numItems: anything, cursor: anything })) }))],
  renameGroup: [anything, anything],
  groupLevel: [anything],
  requireGroupLevel: [anything, name(LEVELS)],
  groupLevelFor: [anything, anything],
  requireGroupLevelFor: [anything, anything, name(LEVELS)],
  rateLimit: [name(LIMITS), nearly(fc.record({ key: nearly(fc.constantFrom("k1", "")), count: anything, throws: anything }, { requiredKeys: [] }))],
  rateLimitAll: [nearly(fc.array(fc.record({ name: name(LIMITS), key: anything, count: anything }), { maxLength: 3 })), anything],
  checkRateLimit: [name(LIMITS), nearly(fc.record({ key: nearly(fc.constant("k1")), count: anything, throws: anything }, { requiredKeys: [] }))],
  resetRateLimit: [name(LIMITS), anything],
  getRateLimitState: [name(LIMITS), nearly(fc.record({ key: nearly(fc.constant("k1")), shard: anything }, { requiredKeys: [] }))],
  issueConfirmation: [nearly(fc.record({ actor: anything, action: anything, target: anything, ttl: anything }, { requiredKeys: [] }))],
  consumeConfirmation: [nearly(fc.record({ actor: anything, action: anything, target: anything, code: anything }, { requiredKeys: [] }))],
};

test("every ctx method: an arbitrary ctx and arguments throw only guard errors, and signed-out callers get nothing", async () => {
  const method = fc.constantFrom(...Object.keys(CTX_METHODS));
  await run(
    property(
      method.chain((m) => fc.tuple(fc.constant(m), fc.tuple(...CTX_METHODS[m].map((a) => a)), fc.array(answer, { minLength: 1, maxLength: 6 }))),
      async ([m, args, answers]) => {
        const ctx = fakeCtx(answers);
        const r = await call(m, () => guard[m](ctx, ...args));
        // The first answer is the identity: without a usable one, the caller is signed out.
        const first = answers[0];
        const token = plain(first, "tokenIdentifier");
        const planted = (() => {
          try {
            return first instanceof Planted;
          } catch {
            return true; // a Proxy that throws: no identity to judge
          }
        })();
        const signedOut = !planted && (first === null || (isObject(first) && !(typeof token === "string" && token.length > 0)));
        if (signedOut && ["requireUser", "requireRole", "requirePermission", "share", "revoke", "transferOwnership", "moveDocument", "insertDocument", "deleteDocument", "createGroup", "addGroupMember", "removeGroupMember", "acceptGroupInvite", "leaveGroup", "requireGroupLevel", "listGroupMembers", "renameGroup"].includes(m)) {
          assert.ok("error" in r, `${m} went ahead for a signed-out caller`);
        }
        if (signedOut && m === "getUser") assert.equal(r.value, null);
        if (signedOut && m === "groupLevel" && "value" in r) assert.equal(r.value, null, "groupLevel gave a signed-out caller a level");
        // What went ahead is what the guard's own pure decisions allow for the row it found.
        if (m === "requireRole" && "value" in r) assert.ok(guard.roleAtLeast(r.value, args[0]), "requireRole let a lower role through");
        if (m === "requirePermission" && "value" in r) assert.ok(guard.can(r.value, args[0]), "requirePermission let a role without it through");
        // The *For checks: the row the id names, whoever is signed in.
        if (m === "requireRoleFor" && "value" in r) assert.ok(guard.roleAtLeast(r.value, args[1]), "requireRoleFor let a lower role through");
        if (m === "requirePermissionFor" && "value" in r) assert.ok(guard.can(r.value, args[1]), "requirePermissionFor let a role without it through");
        // A group level, the caller's or a named user's: a configured level, at least the one asked for.
        if (["groupLevel", "requireGroupLevel", "groupLevelFor", "requireGroupLevelFor"].includes(m) && r.value != null) assert.ok(LEVELS.includes(r.value), "a group level that is not configured");
        if ((m === "requireGroupLevel" || m === "requireGroupLevelFor") && "value" in r) assert.ok(guard.levelAtLeast(r.value, args.at(-1)), `${m} let a lower level through`);
        if (["readable", "requireAccess", "readableFor", "requireAccessFor"].includes(m) && r.value) {
          assert.ok(LEVELS.includes(r.value.accessLevel), "a level that is not configured");
          // The *For checks answer for the user they name, signed in or not.
          if (signedOut && !m.endsWith("For")) assert.equal(r.value.source, "public", "a signed-out caller got more than public access");
        }
        assertKnownAnswers(m);
      },
    ),
  );
});

test("the audit trail and safe actions: arbitrary events, filters and handlers", async () => {
  const event = nearly(fc.record({ action: anything, outcome: anything, actor: anything, resourceType: anything, resourceId: anything, details: anything }, { requiredKeys: [] }));
  const filter = nearly(fc.record({ actor: anything, action: anything, resourceType: anything }, { requiredKeys: [] }));
  await run(
    property(event, filter, fc.array(answer, { minLength: 1, maxLength: 4 }), anything, async (event, filter, answers, thrown) => {
      const ctx = fakeCtx(answers);
      await call("audit.log", () => guard.audit.log(ctx, event));
      await call("audit.list", () => guard.audit.list(ctx, filter, event));
      const action = await call("safeAction", () =>
        guard.safeAction({ name: "x", args: {}, check: async () => "actor", handler: async () => { throw thrown; } }),
      );
      if ("value" in action) {
        const r = await call("safeAction handler", () => action.value.handler(ctx, {}));
        // A handler's failure reaches the caller only as a clean ConvexError.
        assert.ok("error" in r);
        if (!(r.error instanceof ConvexError && r.error === thrown)) assert.equal(r.error.data?.code, "UPSTREAM_UNAVAILABLE");
      }
      assertKnownAnswers("audit");
    }),
  );
});

test("the known answers still hold after every property", () => assertKnownAnswers("end"));
