// Access vectors, answered by the built package (installed from the tarball) through its public
// API; tests/vectors_access.rs answers the same file with the Rust core. Plus the attacker's
// side of the JS surface.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { accessTables, defineGuard, GuardConfigError } from "convex-guard";

const { cases } = JSON.parse(readFileSync(new URL("../vectors/access.json", import.meta.url), "utf8"));

const codeOf = (e) => e?.data?.code ?? e?.code;

/** Runs `f`; an error becomes `{ error: code }`, as the vectors write it. */
function answer(f) {
  try {
    return f();
  } catch (e) {
    const code = codeOf(e);
    if (code === undefined) throw e;
    return { error: code };
  }
}

function run(c) {
  const guard = defineGuard({ roles: ["user"], access: c.config });
  switch (c.op) {
    case "levels":
      return answer(() => guard.accessLevels());
    case "resolve":
      return answer(() => ({
        results: guard.resolveAccess({
          now: c.now,
          caller: c.caller,
          groups: c.groups,
          documents: c.documents,
        }),
      }));
    case "share":
      return answer(() => guard.canShare(c.callerLevel, c.grantLevel));
    case "shareGrant":
      return answer(() =>
        guard.resolveShare({ now: c.now, caller: c.caller, groups: c.groups, documents: c.documents }, c.request),
      );
    case "transfer":
      return answer(() => guard.canTransfer(c.callerSource));
    case "atLeast":
      return answer(() => ({ atLeast: guard.levelAtLeast(c.level, c.min) }));
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

test("access vectors: identical answers to the Rust core, case by case", () => {
  assert.ok(cases.length >= 40, `only ${cases.length} cases`);
  for (const c of cases) assert.deepEqual(run(c), c.expected, c.description);
});

test("configuration errors are GuardConfigErrors naming the entry, raised lazily", () => {
  const bad = [
    [{ levels: ["viewer", "viewer", "owner"] }, "duplicate access level 'viewer'"],
    [{ levels: "viewer" }, "access.levels must be an array of level names, lowest first"],
    [{ tables: { documents: {} } }, "access.tables.documents.owner must be a non-empty string"],
    [{ tables: { documents: { owner: "ownerId", parentTable: "folders" } } }, "access.tables.documents.parentTable needs access.tables.documents.parent, the field holding the parent's id"],
    [{ tables: { documents: { owner: "o", parent: "folderId", parentTable: "foldrs" } } }, "access.tables.documents.parentTable: 'foldrs' is not a configured table"],
    [{ tables: { accessGrants: { owner: "o" } } }, "access.tables.accessGrants: 'accessGrants' is convex-guard's own table"],
    // attack23: insertDocument writes every field but the owner, so a caller could write a users
    // row for another identity (two rows lock them out; their first becomes the caller's).
    [
      { tables: { users: { owner: "ownerId" } } },
      "access.tables.users: the users table cannot be a protected table (insertDocument would let a caller write another identity's users row); protect a profile table of its own instead",
    ],
  ];
  for (const [access, message] of bad) {
    const guard = defineGuard({ roles: ["user"], access }); // defining never throws
    assert.throws(() => guard.validate(), (e) => e instanceof GuardConfigError && e.message === message, message);
    assert.throws(() => guard.canShare("editor", "viewer"), GuardConfigError);
  }
});

test("attacker: malformed facts are refused for the whole batch, never half-answered; a malformed stored row gives nothing", () => {
  const guard = defineGuard({ roles: ["user"] });
  const doc = (over) => ({ id: "d", owner: "bob", visibility: "private", parent: null, grants: [], ...over });
  const grant = (over) => ({ to: "alice", kind: "direct", level: "editor", ...over });
  const refused = [
    { now: NaN, documents: [doc()] },
    { now: Infinity, documents: [doc()] },
    { now: 1, documents: [doc({ visibility: "PUBLIC" })] },
    { now: 1, documents: Array.from({ length: 1001 }, (_, i) => doc({ id: `d${i}` })) },
  ];
  for (const facts of refused) {
    const r = answer(() => guard.resolveAccess({ caller: "alice", groups: [], ...facts }));
    assert.deepEqual(r, { error: "INVALID_ARGUMENT" }, JSON.stringify(facts).slice(0, 120));
  }
  // The message names the field the caller wrote, not the engine's column.
  assert.throws(
    () => guard.resolveAccess({ now: 1, caller: "alice", groups: [], documents: [doc({ visibility: "secret" })] }),
    (e) => codeOf(e) === "INVALID_ARGUMENT" && /visibility must be 'public' or 'private'/.test(e.data?.message ?? e.message),
  );
  const tooManyGroups = Array.from({ length: 257 }, (_, i) => `g${i}`);
  assert.deepEqual(
    answer(() => guard.resolveAccess({ now: 1, caller: "alice", groups: tooManyGroups, documents: [doc()] })),
    { error: "INVALID_ARGUMENT" },
  );
  // A grant whose expiry is no time (a row written around the guard) gives nothing, that grant
  // only: it refused the whole batch, so one bad row broke every grantee's reads. Only a
  // missing expiresAt (or Infinity, what it is stored as) never expires; 1e300 is no "never".
  for (const expiresAt of [NaN, "tomorrow", -1, 1e300, -Infinity]) {
    const dated = [doc({ grants: [grant({ expiresAt })] }), doc({ id: "e", grants: [grant({ level: "viewer" })] })];
    assert.deepEqual(
      guard.resolveAccess({ now: 1, caller: "alice", groups: [], documents: dated }).map((r) => r.level),
      [null, "viewer"],
      String(expiresAt),
    );
  }
  // Names that look like object keys are not levels, sources or anything else: on a grant, a
  // level no longer configured, which gives nothing (that grant only, never an error). So does
  // the owner's level, which no grant carries (one such row refused the whole batch before).
  for (const name of ["__proto__", "constructor", "toString", "", 3, null, "owner"]) {
    const stale = doc({ grants: [grant({ level: name })] });
    assert.deepEqual(
      guard.resolveAccess({ now: 1, caller: "alice", groups: [], documents: [stale] }).map((r) => r.level),
      [null],
    );
  }
  for (const name of ["__proto__", "constructor", "toString", ""]) {
    assert.deepEqual(answer(() => guard.canShare(name, "viewer")), { error: "INVALID_ARGUMENT" });
    assert.deepEqual(answer(() => guard.canShare("owner", name)), { error: "INVALID_ARGUMENT" });
    assert.deepEqual(answer(() => guard.canTransfer(name)), { error: "INVALID_ARGUMENT" });
  }
});

test("attacker: ids that are not strings, and ids shaped like the engine's sentinels, match nobody", () => {
  const guard = defineGuard({ roles: ["user"] });
  const facts = (caller, owner) => ({
    now: 1,
    caller,
    groups: [],
    documents: [{ id: "d", owner, visibility: "private", parent: null, grants: [] }],
  });
  // Two anonymous callers are not the same user, and an ownerless document has no owner.
  assert.equal(guard.resolveAccess(facts(null, null))[0].level, null);
  // The interner numbers strings from 0: a string never becomes the "nobody" number.
  assert.equal(guard.resolveAccess(facts("4294967295", null))[0].level, null);
  assert.equal(guard.resolveAccess(facts("4294967295", "4294967295"))[0].level, "owner");
});

test("batch: 1000 documents resolve in one call, results in input order", () => {
  const guard = defineGuard({ roles: ["user"], access: { levels: ["read", "write", "own"] } });
  const documents = Array.from({ length: 1000 }, (_, i) => ({
    id: `d${i}`,
    owner: i % 3 === 0 ? "me" : "other",
    visibility: i % 3 === 1 ? "public" : "private",
    parent: i > 0 && i % 10 !== 0 ? `d${i - (i % 10)}` : null,
    grants: [],
  }));
  const out = guard.resolveAccess({ now: 1, caller: "me", groups: [], documents });
  assert.equal(out.length, 1000);
  out.forEach((r, i) => assert.equal(r.id, `d${i}`));
  assert.deepEqual(out[0], { id: "d0", level: "own", source: "owner", via: "d0" });
  assert.deepEqual(out[1], { id: "d1", level: "own", source: "inherited", via: "d0" });
});

test("accessTables: the grant indexes every lookup uses", () => {
  const indexes = (t) => t.export().indexes.map((i) => `${i.indexDescriptor}:${i.fields.join(",")}`);
  assert.deepEqual(indexes(accessTables.accessGrants), [
    "by_doc_and_user:doc,userId",
    "by_doc_and_group:doc,groupId",
    "by_user:userId,table",
    "by_group:groupId,table",
  ]);
  assert.deepEqual(indexes(accessTables.accessGroupMembers), [
    "by_user:userId",
    "by_group_and_user:groupId,userId",
    "by_user_and_invited:userId,invited",
  ]);
});

test("accessTables: a membership row may hold an invitation's expiresAt, optional (rows written before have none)", () => {
  const fields = accessTables.accessGroupMembers.validator.fields;
  assert.deepEqual(Object.keys(fields), ["groupId", "userId", "level", "invited", "invitedBy", "expiresAt"]);
  assert.equal(fields.expiresAt.kind, "float64");
  assert.equal(fields.expiresAt.isOptional, "optional");
  // The grants' expiry is declared the same way.
  assert.deepEqual(fields.expiresAt.json, accessTables.accessGrants.validator.fields.expiresAt.json);
});

test("listAccessible: a cursor the database refuses is 'malformed cursor'; any other database error is rethrown as it was", async () => {
  const guard = defineGuard({ roles: ["user"], access: { tables: { docs: { owner: "ownerId" } } } });
  /** A ctx whose documents index fails its page, and (when `rangeFails`) any read of the range. */
  const ctx = (rangeFails) => {
    const boom = new Error("database error");
    const range = {
      paginate: async () => {
        throw boom;
      },
      first: async () => {
        if (rangeFails) throw boom;
        return null;
      },
      take: async () => [],
    };
    return {
      boom,
      ctx: {
        auth: { getUserIdentity: async () => ({ tokenIdentifier: "t1" }) },
        db: { query: (table) => ({ withIndex: () => (table === "users" ? { take: async () => [{ _id: "u1", role: "user" }] } : range) }), normalizeId: () => null, get: async () => null },
      },
    };
  };
  const page = (c, cursor) => guard.listAccessible(c, "docs", { paginationOpts: { numItems: 5, cursor } });
  const cursor = JSON.stringify([0, "opaque"]);
  // The range reads without the cursor: the cursor was at fault.
  await assert.rejects(page(ctx(false).ctx, cursor), (e) => e.data?.code === "INVALID_ARGUMENT" && e.data.message === "malformed cursor");
  // The range itself fails: the database's own error, the same object.
  const failing = ctx(true);
  await assert.rejects(page(failing.ctx, cursor), (e) => e === failing.boom);
  // No cursor to blame: rethrown as it was.
  const first = ctx(false);
  await assert.rejects(page(first.ctx, null), (e) => e === first.boom);
  // numItems out of 1..100: refused before anything is read.
  for (const numItems of [0, -1, 101, 2.5, Number.NaN, "5", null]) {
    await assert.rejects(
      guard.listAccessible(first.ctx, "docs", { paginationOpts: { numItems, cursor: null } }),
      (e) => e.data?.code === "INVALID_ARGUMENT" && e.data.message === "numItems must be a whole number from 1 to 100",
    );
  }
});

test("listAccessible: a forged cursor is refused before anything is read, from a signed-out caller too", async () => {
  // A review: the cursor was parsed after the caller's user row and groups were read, and a
  // signed-out caller's forged cursor was answered with an empty page.
  const guard = defineGuard({ roles: ["user"], access: { tables: { docs: { owner: "ownerId" } } } });
  for (const identity of [null, { tokenIdentifier: "t1" }]) {
    const reads = [];
    const ctx = {
      auth: { getUserIdentity: async () => identity },
      db: {
        query: (table) => {
          reads.push(table);
          throw new Error("no read expected");
        },
        get: async (id) => {
          reads.push(id);
          return null;
        },
        normalizeId: () => null,
      },
    };
    for (const cursor of ["{not json", JSON.stringify([-1, null]), '[0,"garbage",1]']) {
      await assert.rejects(
        guard.listAccessible(ctx, "docs", { paginationOpts: { numItems: 5, cursor } }),
        (e) => e.data?.code === "INVALID_ARGUMENT" && e.data.message === "malformed cursor",
        `${identity === null ? "signed out" : "signed in"}: ${cursor}`,
      );
    }
    assert.deepEqual(reads, []);
  }
});

test("resolveAccess reads each fact's own fields: a polluted Object.prototype fills in nothing", () => {
  // An attacker's review: facts without their own `grants` took polluted ones (editor).
  const guard = defineGuard({ roles: ["user"] });
  guard.validate(); // compiled before the pollution: it is the facts' reads under test
  const pollution = { owner: "u1", visibility: "public", parent: "d0", grants: [{ to: "u1", kind: "direct", level: "editor" }], groups: ["g1"], documents: [] };
  const facts = () => ({ now: 1000, caller: "u1", groups: [], documents: [{ id: "d0", owner: "u1", visibility: "private", parent: null, grants: [] }, { id: "d1" }] });
  const saved = Object.keys(pollution).map((k) => [k, Object.getOwnPropertyDescriptor(Object.prototype, k)]);
  for (const [k, value] of Object.entries(pollution)) Object.defineProperty(Object.prototype, k, { value, configurable: true, writable: true });
  let r;
  try {
    r = answer(() => guard.resolveAccess(facts()));
  } finally {
    for (const [k, d] of saved) if (d === undefined) delete Object.prototype[k]; else Object.defineProperty(Object.prototype, k, d);
  }
  // d1 has no grants of its own: refused as malformed, as it is without the pollution.
  assert.deepEqual(r, answer(() => guard.resolveAccess(facts())));
  assert.equal(r.error, "INVALID_ARGUMENT");
  // With its own (empty) grants and nothing else, d1 gives the caller nothing (no owner, no parent, private).
  const own = { now: 1000, caller: "u1", groups: [], documents: [{ id: "d0", owner: "u1", visibility: "private", parent: null, grants: [] }, { id: "d1", grants: [] }] };
  for (const [k, value] of Object.entries(pollution)) Object.defineProperty(Object.prototype, k, { value, configurable: true, writable: true });
  try {
    r = answer(() => guard.resolveAccess(own));
  } finally {
    for (const [k, d] of saved) if (d === undefined) delete Object.prototype[k]; else Object.defineProperty(Object.prototype, k, d);
  }
  assert.deepEqual(r, answer(() => guard.resolveAccess(own)));
});

test("attacker: the levels accessLevels() hands out are frozen, so reordering them changes no decision", async () => {
  // An attacker's review (attack19): `accessLevels().levels.reverse()` (a page listing the levels
  // highest first) reversed the guard's own array, through which level ids become names: a
  // viewer then passed an editor check as "owner", and a viewer share was stored as "owner".
  const { defineClientGuard } = await import("convex-guard/client");
  const config = { roles: ["user"], access: { levels: ["viewer", "editor", "owner"] } };
  const viewerOf = { now: 1, caller: "bob", groups: [], documents: [{ id: "d", owner: "alice", visibility: "private", parent: null, grants: [{ to: "bob", kind: "direct", level: "viewer" }] }] };
  for (const guard of [defineGuard(config), defineClientGuard(config)]) {
    const { levels } = guard.accessLevels();
    assert.ok(Object.isFrozen(levels));
    assert.throws(() => levels.reverse(), TypeError);
    assert.throws(() => Array.prototype.sort.call(guard.accessLevels().levels), TypeError);
    assert.deepEqual(guard.accessLevels().levels, ["viewer", "editor", "owner"]);
    assert.equal(guard.resolveAccess(viewerOf)[0].level, "viewer");
    assert.equal(guard.levelAtLeast("viewer", "editor"), false);
  }
});

test("resolveShare: a misspelt key of its request is a GuardConfigError naming it, never a decision without it, in both entries", async () => {
  // A pre-check with `expiresAT` decided a grant that never expires, where `share` refuses the key.
  const { defineClientGuard } = await import("convex-guard/client");
  const config = { roles: ["user"], access: { levels: ["viewer", "editor", "owner"] } };
  const facts = { now: 1000, caller: "u1", groups: [], documents: [{ id: "d", owner: "u1", visibility: "private", parent: null, grants: [] }] };
  for (const guard of [defineGuard(config), defineClientGuard(config)]) {
    assert.throws(
      () => guard.resolveShare(facts, { id: "d", level: "viewer", expiresAT: 5000 }),
      (e) => e instanceof GuardConfigError && e.message === "resolveShare request: unknown key 'expiresAT' (did you mean 'expiresAt'?)",
    );
    assert.deepEqual(guard.resolveShare(facts, { id: "d", level: "viewer", expiresAt: 5000 }), { ok: true, expiresAt: 5000 });
  }
});
