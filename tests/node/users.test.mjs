// The users configuration, the schema helpers and the role diagnosis, through the built
// package: configuration mistakes name the entry, and every setup denies by default.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defineSchema, defineTable, getFunctionAddress } from "convex/server";
import { v } from "convex/values";
import { defineGuard, GuardConfigError } from "convex-guard";
import { defineClientGuard } from "convex-guard/client";
import { defineClientGuard as defineRolesGuard } from "convex-guard/client/roles";
import { readFileSync } from "node:fs";

const roles = ["user", "moderator", "admin"];
const configError = (users, pattern) => {
  const guard = defineGuard({ roles, users });
  assert.throws(() => guard.validate(), (e) => e instanceof GuardConfigError && pattern.test(e.message), JSON.stringify(users));
};

test("users configuration mistakes are GuardConfigErrors naming the entry", () => {
  configError({ convexAuth: true, resolve: async () => null }, /'convexAuth' and 'resolve' are different setups/);
  configError({ roleClaim: "role", convexAuth: true, index: "byExternalId" }, /'convexAuth' and 'index' are different setups/);
  configError({ convexAuth: "yes" }, /users\.convexAuth must be true/);
  configError({ resolve: "users" }, /users\.resolve must be a function/);
  configError({ roleClaim: "" }, /users\.roleClaim must be a non-empty string/);
  configError({ roleClaim: "", claim: "subject", field: "clerkId", index: "by_clerkId" }, /users\.roleClaim must be a non-empty string/);
  configError({ roleClaim: ["role"], table: "users" }, /users\.roleClaim must be a non-empty string/);
  // The role is the row's field or the token's claim: never both (which would win?).
  const both = /^users\.roleField and users\.roleClaim: the role is the row's field or the token's claim, not both; set one of them$/;
  configError({ roleClaim: "role", roleField: "role" }, both);
  configError({ roleClaim: "role", roleField: "role", table: "users" }, both);
  configError({ roleClaim: "role", roleField: "level", convexAuth: true }, both);
  configError({ claim: "subject", field: "externalId" }, /users\.index is required with users\.field/);
  configError({ identityField: "email", claim: "email" }, /identityField is shorthand/);
  configError({ claim: 7 }, /users\.claim must be a non-empty string/);
  configError({ table: "" }, /users\.table must be a non-empty string/);
  configError("users", /users must be an object/);
  // The first use fails the same way, before anything is read.
  const guard = defineGuard({ roles, users: { convexAuth: true, resolve: async () => null } });
  const ctx = { auth: { getUserIdentity: async () => assert.fail("read before validating") }, db: {} };
  return assert.rejects(guard.getUser(ctx), GuardConfigError);
});

test("valid setups validate", () => {
  for (const users of [
    undefined,
    {},
    { identityField: "tokenIdentifier" },
    { claim: "subject", field: "externalId", index: "byExternalId" },
    { claim: "email", index: "by_email" },
    { convexAuth: true },
    { resolve: async () => null, table: "members" },
    { roleClaim: "https://app.example.com/role" },
    { roleClaim: "role", table: "users" },
    { roleClaim: "role", claim: "subject", field: "clerkId", index: "by_clerkId" },
    { roleClaim: "org_role", identityField: "tokenIdentifier" },
    { roleClaim: "role", convexAuth: true },
    { roleClaim: "role", resolve: async () => null, table: "members" },
  ]) {
    defineGuard({ roles, users }).validate();
  }
});

/** A ctx over an in-memory table: ids are "<table>:<n>", as normalizeId sees them. */
function fakeCtx(identity, rows) {
  return {
    auth: { getUserIdentity: async () => identity },
    db: {
      normalizeId: (table, id) => (typeof id === "string" && id.startsWith(`${table}:`) ? id : null),
      get: async (id) => rows.find((r) => r._id === id) ?? null,
      query: () => assert.fail("no index read expected"),
    },
  };
}

test("Convex Auth reads the id before the | and checks its table and row", async () => {
  const guard = defineGuard({ roles, users: { convexAuth: true } });
  const rows = [{ _id: "users:1", role: "admin" }, { _id: "posts:1", role: "admin" }];
  const as = (subject) => guard.getUser(fakeCtx({ subject, issuer: "i", tokenIdentifier: `i|${subject}` }, rows));
  assert.deepEqual(await as("users:1|sessions:9"), rows[0]);
  for (const subject of ["users:1|", "|users:1", "users:1|a|b", "posts:1|s", "users:2|s", "", 7]) {
    assert.equal(await as(subject), null, String(subject));
  }
});

test("Convex Auth 2.0: a subject without | is a session, whose userId is read through components.auth", async () => {
  const guard = defineGuard({ roles, users: { convexAuth: true } });
  const rows = [{ _id: "users:1", role: "admin" }, { _id: "posts:1", role: "admin" }];
  const sessions = { "sessions:1": "users:1", "sessions:2": "posts:1", "sessions:3": "users:2" };
  const asked = [];
  const ctxOf = (subject, runQuery) => ({
    ...fakeCtx({ subject, issuer: "i", tokenIdentifier: `i|${subject}` }, rows),
    runQuery: runQuery ?? (async (ref, args) => {
      asked.push([ref, args]);
      return sessions[args.sessionId] === undefined ? null : { userId: sessions[args.sessionId] };
    }),
  });
  assert.deepEqual(await guard.getUser(ctxOf("sessions:1")), rows[0]);
  // The reference 2.0's getAuthUserId uses: components.auth.public.getSession.
  assert.deepEqual(getFunctionAddress(asked[0][0]), { reference: "_reference/childComponent/auth/public/getSession" });
  assert.deepEqual(asked[0][1], { sessionId: "sessions:1" });
  // A session of another table's row, of a deleted row, no session; never the subject itself.
  for (const subject of ["sessions:2", "sessions:3", "sessions:4", "users:1"]) {
    assert.equal(await guard.getUser(ctxOf(subject)), null, subject);
  }
  const warn = console.warn;
  const warned = [];
  console.warn = (m) => warned.push(m);
  try {
    // A look-up that throws, answers something else, or cannot be made: no user, and a log line.
    for (const runQuery of [async () => { throw new Error("secret"); }, async () => ({ userId: 7 }), async () => "users:1", "none"]) {
      const ctx = ctxOf("sessions:1", runQuery === "none" ? undefined : runQuery);
      if (runQuery === "none") delete ctx.runQuery;
      assert.equal(await guard.getUser(ctx), null);
    }
  } finally {
    console.warn = warn;
  }
  assert.equal(warned.length, 4);
  assert.ok(warned.every((m) => m.startsWith("convex-guard: users.convexAuth:") && !m.includes("secret")), warned.join("\n"));
});

test("a resolver's answer counts only as a real row, read back from the table", async () => {
  const rows = [{ _id: "users:1", role: "user" }, { _id: "posts:1", role: "admin" }];
  const warn = console.warn;
  console.warn = () => {};
  try {
    for (const [answer, expected] of [
      [{ _id: "users:1", role: "admin" }, rows[0]], // the stored role, not the forged one
      [{ _id: "posts:1" }, null],
      [{ _id: "users:2" }, null],
      [{ role: "admin" }, null],
      ["users:1", null],
      [null, null],
      [undefined, null],
    ]) {
      const guard = defineGuard({ roles, users: { resolve: async () => answer } });
      assert.deepEqual(await guard.getUser(fakeCtx({ subject: "s" }, rows)), expected, JSON.stringify(answer));
    }
    const throwing = defineGuard({ roles, users: { resolve: () => { throw new Error("secret"); } } });
    assert.equal(await throwing.getUser(fakeCtx({ subject: "s" }, rows)), null);
  } finally {
    console.warn = warn;
  }
});

test("roleClaim: the identity is the user and its claim its role", async () => {
  const guard = defineGuard({ roles, permissions: { admin: ["delete:users"] }, users: { roleClaim: "role" } });
  const identity = { subject: "user_1", issuer: "i", tokenIdentifier: "i|user_1", role: "admin" };
  assert.equal(await guard.getUser(fakeCtx(identity, [])), identity);
  assert.equal(guard.can(identity, "delete:users"), true);
  assert.equal(guard.roleAtLeast({ ...identity, role: "moderator" }, "admin"), false);
  for (const role of [["admin"], true, 2, "Admin", "__proto__", null]) {
    assert.equal(guard.can({ ...identity, role }, "delete:users"), false, JSON.stringify(role));
  }
  // The role is the token's: an app's own users row (a job's `ctx.db.get(userId)`) with a stale
  // `role` holds none, as access.md says (attack49 F2), in the server guard and the client's.
  const row = { _id: "users|1", _creationTime: 1, tokenIdentifier: "i|user_1", role: "admin" };
  const config = { roles, permissions: { admin: ["delete:users"] }, users: { roleClaim: "role" } };
  for (const g of [guard, defineClientGuard(config), defineRolesGuard(config)]) {
    // Nor a projection of it (finalread33 L2); a token's raw claims (a browser's) still hold theirs.
    assert.equal(g.can({ iss: "i", sub: "user_1", role: "admin" }, "delete:users"), true);
    for (const doc of [row, { _id: "users|1", role: "admin" }, { _creationTime: 1, role: "admin" }, { role: "admin" }, { clerkId: "user_1", role: "admin" }]) {
      assert.equal(g.can(doc, "delete:users"), false, JSON.stringify(doc));
      assert.equal(g.roleAtLeast(doc, "admin"), false, JSON.stringify(doc));
    }
  }
});

test("roleClaim alone with access tables is a configuration error naming the fix: say where the rows are", async () => {
  const guard = defineGuard({ roles, users: { roleClaim: "org_role" }, access: { tables: { docs: { owner: "ownerId" } } } });
  assert.throws(
    () => guard.validate(),
    (e) =>
      e.name === "GuardConfigError" &&
      e.message ===
        "access needs users rows: with users.roleClaim alone the caller is the token's identity, with no users id to own or " +
          'share with. Keep the role claim and say where the rows are, e.g. users: { roleClaim: "org_role", claim: "subject", ' +
          'field: "clerkId", index: "by_clerkId" } (docs/auth.md: "Roles in the token, documents owned by rows")',
  );
  // The checks for a named user: no id names a user there. The same error, before anything is read.
  const nothingRead = { auth: { getUserIdentity: async () => null }, db: new Proxy({}, { get: () => assert.fail("read the database") }) };
  const named = [
    () => guard.readableFor(nothingRead, "users:1", "docs", "d1"),
    () => guard.requireAccessFor(nothingRead, "users:1", "docs", "d1", "viewer"),
    () => guard.groupLevelFor(nothingRead, "users:1", "g1"),
    () => guard.requireGroupLevelFor(nothingRead, "users:1", "g1", "viewer"),
  ];
  for (const check of named) {
    await assert.rejects(check, (e) => e.name === "GuardConfigError" && e.message.startsWith("access needs users rows: with users.roleClaim alone"));
  }
  // The fix it names validates, access tables and all.
  const fixed = { roleClaim: "org_role", claim: "subject", field: "clerkId", index: "by_clerkId" };
  defineGuard({ roles, users: fixed, access: { tables: { docs: { owner: "ownerId" } } } }).validate();
});

/** A ctx whose identity is `identity` and whose users table (read through any index) holds `rows`, matched by `clerkId`. */
function clerkCtx(identity, rows) {
  return {
    auth: { getUserIdentity: async () => identity },
    db: {
      query: (table) => ({
        withIndex: (_index, range) => {
          let wanted;
          range({ eq: (_field, value) => (wanted = value) });
          // A fresh object per read, as Convex gives.
          return { take: async (n) => (table === "users" ? rows.filter((r) => r.clerkId === wanted).slice(0, n).map((r) => ({ ...r })) : []) };
        },
      }),
      normalizeId: (table, id) => (typeof id === "string" && id.startsWith(`${table}:`) ? id : null),
      get: async (id) => {
        const row = rows.find((r) => r._id === id);
        return row === undefined ? null : { ...row };
      },
    },
  };
}

const clerk = (subject, claims = {}) => ({ subject, issuer: "https://clerk.example", tokenIdentifier: `https://clerk.example|${subject}`, ...claims });

test("roleClaim beside a row setup: the user is the row, its role the token's claim (the row's role field is never read)", async () => {
  const guard = defineGuard({
    roles,
    permissions: { user: ["posts:read"], admin: ["posts:*"] },
    users: { roleClaim: "role", claim: "subject", field: "clerkId", index: "by_clerkId" },
  });
  guard.validate();
  // Alice's row says admin (written by an old tool, or before the move to claims); her token says user.
  const rows = [{ _id: "users:1", _creationTime: 1, clerkId: "user_alice", role: "admin" }, { _id: "users:2", _creationTime: 2, clerkId: "user_bob" }];
  const alice = await guard.requireUser(clerkCtx(clerk("user_alice", { role: "user" }), rows));
  assert.deepEqual(alice, rows[0], "the row itself, as read");
  assert.equal(guard.can(alice, "posts:read"), true);
  assert.equal(guard.can(alice, "posts:delete"), false, "the claim wins: the row's role field is ignored");
  assert.equal(guard.roleAtLeast(alice, "admin"), false);
  await assert.rejects(guard.requireRole(clerkCtx(clerk("user_alice", { role: "user" }), rows), "admin"), (e) => e.data?.code === "FORBIDDEN");
  await assert.rejects(guard.requirePermission(clerkCtx(clerk("user_alice", { role: "user" }), rows), "posts:delete"), (e) => e.data?.code === "FORBIDDEN");
  // Bob's row has no role; his token says admin: he is an admin, and the answer is his row.
  const bob = await guard.requireRole(clerkCtx(clerk("user_bob", { role: "admin" }), rows), "admin");
  assert.equal(bob._id, "users:2");
  assert.equal(guard.can(bob, "posts:delete"), true);
  // A token that says admin, with no row: no user, whatever the claim (UNAUTHENTICATED).
  const mallory = clerkCtx(clerk("user_mallory", { role: "admin" }), rows);
  assert.equal(await guard.getUser(mallory), null);
  for (const check of [(c) => guard.requireUser(c), (c) => guard.requireRole(c, "user"), (c) => guard.requirePermission(c, "posts:read")]) {
    await assert.rejects(check(mallory), (e) => e.data?.code === "UNAUTHENTICATED");
  }
  // No identity at all: no user, even with rows.
  assert.equal(await guard.getUser(clerkCtx(null, rows)), null);
});

test("roleClaim beside a row setup: a claim that is not a configured role is no role (the row is still the user)", async () => {
  const guard = defineGuard({ roles, permissions: { user: ["posts:read"] }, users: { roleClaim: "role", claim: "subject", field: "clerkId", index: "by_clerkId" } });
  const rows = [{ _id: "users:1", _creationTime: 1, clerkId: "user_alice", role: "admin" }];
  const warn = console.warn;
  const warned = [];
  console.warn = (m) => warned.push(m);
  try {
    for (const role of [undefined, "Admin", ["admin"], true, 2, "__proto__", "toString", null, { role: "admin" }]) {
      const ctx = clerkCtx(clerk("user_alice", role === undefined ? {} : { role }), rows);
      const me = await guard.requireUser(ctx);
      assert.equal(me._id, "users:1", JSON.stringify(role));
      assert.equal(guard.can(me, "posts:read"), false, JSON.stringify(role));
      assert.equal(guard.roleAtLeast(me, "user"), false, JSON.stringify(role));
      await assert.rejects(guard.requireRole(ctx, "user"), (e) => e.data?.code === "FORBIDDEN", JSON.stringify(role));
    }
  } finally {
    console.warn = warn;
  }
  // Logged as a claim, with the row's id (never the value); nothing for a missing claim.
  assert.equal(warned.length, 8, warned.join("\n"));
  assert.match(warned[0], /^convex-guard: user users:1 has a string in the token's claim 'role', not a configured role name \(closest configured role: 'admin'\); it holds no role\. Put one of the configured role names exactly in the claim/);
  assert.ok(warned.every((m) => !m.includes("Admin") && !m.includes("schema")), warned.join("\n"));
});

test("roleClaim beside a row setup: only the row found for the caller holds their claim; any other document holds no role", async () => {
  const guard = defineGuard({ roles, permissions: { admin: ["posts:delete"] }, users: { roleClaim: "role", claim: "subject", field: "clerkId", index: "by_clerkId" } });
  const other = defineGuard({ roles, permissions: { admin: ["posts:delete"] }, users: { roleClaim: "role", claim: "subject", field: "clerkId", index: "by_clerkId" } });
  const rows = [{ _id: "users:1", _creationTime: 1, clerkId: "user_alice", role: "admin" }];
  const me = await guard.requireUser(clerkCtx(clerk("user_alice", { role: "admin" }), rows));
  assert.equal(guard.can(me, "posts:delete"), true);
  // The attacker's angle: a copy of the row, the row read again by id, a row with a planted
  // role, another guard asked about this guard's row: no role, whatever their role field says.
  // Nor a projection of the row without its system fields (an attacker's review: it held the
  // row's stale role), nor a bare object that is no token.
  const { _id, _creationTime, ...profile } = me;
  for (const doc of [{ ...me }, rows[0], { _id: "users:1", role: "admin" }, { _creationTime: 1, role: "admin" }, profile, { role: "admin" }]) {
    assert.equal(guard.can(doc, "posts:delete"), false, JSON.stringify(doc));
    assert.equal(guard.roleAtLeast(doc, "user"), false, JSON.stringify(doc));
  }
  assert.equal(other.can(me, "posts:delete"), false, "another guard's row");
  // An identity, or a token's claims in the browser, holds its own claim; a role name is itself.
  assert.equal(guard.can(clerk("user_alice", { role: "admin" }), "posts:delete"), true);
  assert.equal(guard.can({ iss: "https://clerk.example", sub: "user_alice", role: "admin" }, "posts:delete"), true);
  assert.equal(guard.can({ iss: "https://clerk.example", sub: "user_alice", _id: "users:1", role: "admin" }, "posts:delete"), false);
  assert.equal(guard.can(Object.create({ role: "admin" }), "posts:delete"), false, "an inherited claim is none");
  assert.equal(guard.can("admin", "posts:delete"), true);
});

test("roleClaim beside Convex Auth and a resolver: their rows, with the claim's role", async () => {
  const rows = [{ _id: "users:1", _creationTime: 1, role: "admin" }];
  const convexAuth = defineGuard({ roles, permissions: { admin: ["x:y"] }, users: { roleClaim: "role", convexAuth: true } });
  const identity = (role) => ({ subject: "users:1|sessions:1", issuer: "i", tokenIdentifier: "i|users:1|sessions:1", role });
  const me = await convexAuth.requireUser(fakeCtx(identity("moderator"), rows));
  assert.equal(me._id, "users:1");
  assert.equal(convexAuth.can(me, "x:y"), false);
  assert.equal(convexAuth.can(await convexAuth.requireUser(fakeCtx(identity("admin"), rows)), "x:y"), true);
  const resolved = defineGuard({ roles, permissions: { admin: ["x:y"] }, users: { roleClaim: "role", resolve: async () => ({ _id: "users:1" }) } });
  const found = await resolved.requireRole(fakeCtx({ subject: "s", issuer: "i", tokenIdentifier: "i|s", role: "admin" }, rows), "admin");
  assert.deepEqual(found, rows[0]);
  await assert.rejects(resolved.requireRole(fakeCtx({ subject: "s", issuer: "i", tokenIdentifier: "i|s", role: "user" }, rows), "admin"), (e) => e.data?.code === "FORBIDDEN");
});

test("roleClaim beside a row setup in an action: the row through the wired getUser, the role from the action's own token", async () => {
  const guard = defineGuard({ roles, permissions: { admin: ["x:y"] }, users: { roleClaim: "role", claim: "subject", field: "clerkId", index: "by_clerkId" } });
  const fns = guard.internalFunctions(
    (def) => ({ ...def, isQuery: true, isInternal: true }),
    (def) => ({ ...def, isMutation: true, isInternal: true }),
  );
  const rows = [{ _id: "users:1", _creationTime: 1, clerkId: "user_alice", role: "admin" }];
  const actionCtx = (identity) => {
    const queryCtx = clerkCtx(identity, rows);
    return { auth: queryCtx.auth, runQuery: async (_ref, args) => JSON.parse(JSON.stringify(await fns.getUser.handler(queryCtx, args))) };
  };
  const admin = await guard.requirePermission(actionCtx(clerk("user_alice", { role: "admin" })), "x:y");
  assert.deepEqual(admin, rows[0], "the row, as it crossed");
  assert.equal(guard.can(admin, "x:y"), true, "the answered row holds the action's claim");
  const user = await guard.requireUser(actionCtx(clerk("user_alice", { role: "user" })));
  assert.equal(guard.can(user, "x:y"), false, "the claim wins over the row's role field");
  await assert.rejects(guard.requireRole(actionCtx(clerk("user_alice", { role: "user" })), "admin"), (e) => e.data?.code === "FORBIDDEN");
  await assert.rejects(guard.requireUser(actionCtx(clerk("user_mallory", { role: "admin" }))), (e) => e.data?.code === "UNAUTHENTICATED");
  // The wired function is asked for this setup, role claim and all: a guard reading the role from the row field is another's.
  assert.match(JSON.stringify(await fns.getUser.handler(clerkCtx(clerk("user_alice", { role: "admin" }), rows), { users: "x" })), /role claim role/);
});

test("roleClaim beside a row setup: validate({ schema }) wants the rows and their index, never a role field", () => {
  const access = { tables: { listings: { owner: "sellerId" } } };
  const users = { roleClaim: "role", claim: "subject", field: "clerkId", index: "by_clerkId" };
  const guard = defineGuard({ roles, users, access });
  const tables = (usersTable) => ({
    ...(usersTable === undefined ? {} : { users: usersTable }),
    listings: defineTable({ title: v.string(), sellerId: v.id("users") }).index("by_owner", ["sellerId"]),
    accessGrants: defineTable({}),
    accessGroups: defineTable({}),
    accessGroupMembers: defineTable({}),
  });
  const schemaOf = (t) => defineSchema(t, { schemaValidation: false });
  const problems = (usersTable) => {
    try {
      guard.validate({ schema: schemaOf(tables(usersTable)) });
      return "";
    } catch (e) {
      assert.ok(e instanceof GuardConfigError, String(e));
      return e.message;
    }
  };
  // No role field at all, or one that holds anything (it is never read): no role problem.
  for (const t of [
    defineTable({ clerkId: v.string() }).index("by_clerkId", ["clerkId"]),
    defineTable({ clerkId: v.string(), role: v.any() }).index("by_clerkId", ["clerkId"]),
  ]) {
    assert.doesNotMatch(problems(t), /role/);
  }
  // Still the rows and their index.
  assert.match(problems(defineTable({ clerkId: v.string() })), /by_clerkId/);
  assert.match(problems(undefined), /declare the users table/);
  // With the role in the row (the same setup without roleClaim), the role field is asked for.
  const rowRole = defineGuard({ roles, users: { claim: "subject", field: "clerkId", index: "by_clerkId" }, access });
  assert.throws(() => rowRole.validate({ schema: schemaOf(tables(defineTable({ clerkId: v.string() }).index("by_clerkId", ["clerkId"]))) }), /role field 'role'/);
});

test("the browser guard takes the same configuration (levels written once): a token's claims hold their role, a row none", () => {
  const config = {
    roles,
    permissions: { user: ["posts:read"], admin: ["posts:*"] },
    users: { roleClaim: "role", claim: "subject", field: "clerkId", index: "by_clerkId" },
    access: { levels: ["viewer", "editor", "owner"], shareLevel: "owner", tables: { posts: { owner: "ownerId" } } },
  };
  const client = defineClientGuard(config);
  client.validate();
  // A token's claims as a browser holds them (Clerk's session claims: iss, sub, and the claim).
  assert.equal(client.can({ iss: "https://clerk.example", sub: "user_1", role: "admin" }, "posts:delete"), true);
  assert.equal(client.can({ role: "admin" }, "posts:delete"), false, "no token: a projection of a row, perhaps");
  assert.equal(client.can("user", "posts:read"), true);
  assert.equal(client.can({ _id: "users:1", _creationTime: 1, role: "admin" }, "posts:read"), false, "a row's field is no role here");
  assert.deepEqual(client.accessLevels().levels, ["viewer", "editor", "owner"]);
  assert.equal(client.canShare("editor", "viewer").ok, false);
});

test("isRole is exact and safe against object keys", () => {
  const guard = defineGuard({ roles });
  for (const r of roles) assert.equal(guard.isRole(r), true);
  for (const x of ["Admin", " admin", "__proto__", "constructor", "toString", "", null, undefined, 1, ["admin"], {}]) {
    assert.equal(guard.isRole(x), false, String(x));
  }
});

test("roleValidator and levelValidator are unions of the configured names", () => {
  const guard = defineGuard({ roles, access: { levels: ["reader", "writer", "owner"], publicLevel: "reader" } });
  const names = (validator) => validator.members.map((m) => m.value);
  assert.equal(guard.roleValidator().kind, "union");
  assert.deepEqual(names(guard.roleValidator()), roles);
  assert.equal(guard.roleValidator(), guard.roleValidator()); // built once
  assert.deepEqual(names(guard.levelValidator()), ["reader", "writer", "owner"]);
  // The default levels come from the engine.
  assert.deepEqual(names(defineGuard({ roles }).levelValidator()), ["viewer", "commenter", "editor", "owner"]);
  // The levels a grant can hold: all but the owner's (share never grants it), built once.
  assert.deepEqual(names(guard.grantLevelValidator()), ["reader", "writer"]);
  assert.equal(guard.grantLevelValidator(), guard.grantLevelValidator());
  assert.deepEqual(names(defineGuard({ roles }).grantLevelValidator()), ["viewer", "commenter", "editor"]);
  // An invalid configuration never yields a validator.
  assert.throws(() => defineGuard({ roles: ["a", "a"] }).roleValidator(), GuardConfigError);
  assert.throws(() => defineGuard({ roles, access: { levels: ["a", "a"] } }).grantLevelValidator(), GuardConfigError);
});

test("diagnoseUser: the type and the closest role of a value that holds no role", () => {
  const guard = defineGuard({ roles: ["user", "moderator", "admin", "superadmin"] });
  const d = (role) => guard.diagnoseUser({ _id: "k1", role });
  assert.equal(d(undefined), null);
  assert.equal(d("admin"), null);
  assert.equal(guard.diagnoseUser(null), null);
  assert.equal(guard.diagnoseUser("admin"), null);
  for (const [role, valueType, closest] of [
    ["Admin", "string", "admin"],
    [" SuperAdmin ", "string", "superadmin"],
    ["moderater", "string", "moderator"],
    ["root", "string", null],
    ["__proto__", "string", null],
    [["admin"], "array", "admin"],
    [[], "array", null],
    [true, "boolean", null],
    [3, "number", null],
    [null, "null", null],
    [{ name: "admin" }, "object", null],
  ]) {
    const got = d(role);
    assert.deepEqual({ ...got, message: undefined }, { id: "k1", field: "role", valueType, closest, message: undefined }, JSON.stringify(role));
    assert.match(got.message, /^convex-guard: user k1 has an? \w+ in 'role', not a configured role name/);
    assert.doesNotMatch(got.message, /Admin|moderater|root/); // the type, never the value
  }
  const claims = defineGuard({ roles, users: { roleClaim: "https://app.example.com/role" } });
  assert.deepEqual(
    claims.diagnoseUser({ tokenIdentifier: "i|s", "https://app.example.com/role": "Admin" }),
    { id: null, field: "https://app.example.com/role", valueType: "string", closest: "admin", message: claims.diagnoseUser({ tokenIdentifier: "i|s", "https://app.example.com/role": "Admin" }).message },
  );
  // The identity is the user: its tokenIdentifier is never named in the log line (attack39).
  assert.match(claims.diagnoseUser({ tokenIdentifier: "i|s", "https://app.example.com/role": ["admin"] }).message, /^convex-guard: user \(no id\) has an array in the token's claim/);
  assert.doesNotMatch(claims.diagnoseUser({ tokenIdentifier: "i|s", "https://app.example.com/role": "Admin" }).message, /i\|s/);
  // The fix a log line names is where the role lives: a row's field (the schema), or a claim.
  assert.match(d("Admin").message, /Store one of the configured role names exactly \(this guard's roleValidator\(\) in the schema\)\.$/);
  const claimed = claims.diagnoseUser({ tokenIdentifier: "i|s", "https://app.example.com/role": "Admin" }).message;
  assert.match(claimed, /Put one of the configured role names exactly in the claim \(your auth provider's token template or the user's metadata\)\.$/);
  assert.doesNotMatch(claimed, /schema/);
  // An inherited role is no role: nothing to diagnose, as decisions read only the own field.
  assert.equal(d(undefined), null);
  const inherited = Object.create({ role: "Admin" });
  inherited._id = "k2";
  assert.equal(guard.diagnoseUser(inherited), null);
});

test("defining a guard validates nothing yet: mistakes surface at validate() or first use", () => {
  const guard = defineGuard({ roles, users: { convexAuth: "yes", resolve: 1 } });
  assert.throws(() => guard.validate(), GuardConfigError);
});

test("Convex Auth 2.0 in an action: a session gone between the wired function's read and the action's is no user", async () => {
  const guard = defineGuard({ roles, users: { convexAuth: true } });
  // Builders that keep the definition, marked as Convex marks an internal function.
  const fns = guard.internalFunctions(
    (def) => ({ ...def, isQuery: true, isInternal: true }),
    (def) => ({ ...def, isMutation: true, isInternal: true }),
  );
  const row = { _id: "users:1", role: "admin" };
  const identity = { subject: "sessions:1", issuer: "i", tokenIdentifier: "i|sessions:1" };
  /** An action ctx: the wired getUser runs over a query ctx; `signOutAfter` ends the session once it answered. */
  const actionCtx = (signOutAfter) => {
    let live = true;
    const getSession = async () => (live ? { userId: row._id } : null);
    const queryCtx = { ...fakeCtx(identity, [row]), runQuery: async (_ref, args) => getSession(args) };
    return {
      auth: queryCtx.auth,
      runQuery: async (_ref, args) => {
        if ("sessionId" in args) return getSession(args); // the component, asked by the action
        const answer = await fns.getUser.handler(queryCtx, args);
        if (signOutAfter) live = false;
        return answer;
      },
    };
  };
  assert.deepEqual(await guard.getUser(actionCtx(false)), row, "the same session on both reads: the caller");
  assert.deepEqual(await guard.requireRole(actionCtx(false), "admin"), row);
  assert.equal(await guard.getUser(actionCtx(true)), null, "signed out between the reads: nobody");
  for (const check of [(c) => guard.requireUser(c), (c) => guard.requireRole(c, "user")]) {
    await assert.rejects(check(actionCtx(true)), (e) => e.data?.code === "UNAUTHENTICATED");
  }
});

test("a signed-in caller with no users row: UNAUTHENTICATED, and the developer's log says why, once a request", async () => {
  // A new user's review: a test identity matching no row was denied exactly as a signed-out
  // caller, with no hint that the row was missing.
  const warn = console.warn;
  const warned = [];
  console.warn = (m) => warned.push(m);
  try {
    const request = (identity, row = null) => ({
      auth: { getUserIdentity: async () => identity },
      db: { query: () => ({ withIndex: () => ({ take: async () => (row ? [row] : []) }) }), get: async () => row, normalizeId: () => null },
    });
    const unauthenticated = (e) => e.data?.code === "UNAUTHENTICATED" && e.data.message === "Authentication required";
    const guard = defineGuard({ roles });
    const ctx = request({ tokenIdentifier: "i|alice", subject: "alice", issuer: "i" });
    await assert.rejects(guard.requireUser(ctx), unauthenticated);
    await assert.rejects(guard.requireRole(ctx, "admin"), unauthenticated);
    assert.deepEqual(warned, [
      "convex-guard: a signed-in caller has no users row (table users, field tokenIdentifier = claim tokenIdentifier, index by_tokenIdentifier, role field role): every check denies them UNAUTHENTICATED until the row exists; create it when they sign in, unless it was deleted (then the session stays refused) (docs/auth.md: \"Your auth provider\")",
    ]);
    // Not the client's: the error says nothing more. Not logged for getUser (asking is not
    // requiring), for a signed-out caller, or under Convex Auth (an ended session is no user).
    warned.length = 0;
    assert.equal(await guard.getUser(request({ tokenIdentifier: "i|alice" })), null);
    await assert.rejects(guard.requireUser(request(null)), unauthenticated);
    await assert.rejects(defineGuard({ roles, users: { convexAuth: true } }).requireUser(request({ tokenIdentifier: "i|x", subject: "x|y", issuer: "i" })), unauthenticated);
    assert.deepEqual(warned, []);
    // Another request logs it again.
    await assert.rejects(guard.requireUser(request({ tokenIdentifier: "i|bob" })), unauthenticated);
    assert.equal(warned.length, 1);
  } finally {
    console.warn = warn;
  }
});

test("validate's fix for the role field names no binding: a second guard (`records`) is not told to use `guard`'s validator", () => {
  // The app's main guard is `guard`; `records` has other roles and its own users table. Told
  // `guard.roleValidator()`, the app would declare the other guard's roles for records' users.
  const records = defineGuard({ roles: ["clerk", "registrar"], users: { table: "staff" } });
  const schema = defineSchema({ staff: defineTable({ tokenIdentifier: v.string(), name: v.string() }).index("by_tokenIdentifier", ["tokenIdentifier"]) });
  assert.throws(
    () => records.validate({ schema }),
    (e) =>
      e instanceof GuardConfigError &&
      /the users table 'staff' does not declare the role field 'role' \(users\.roleField\): declare it `role: v\.optional\(<guard>\.roleValidator\(\)\)`, <guard> being the guard whose validate this is/.test(e.message) &&
      !/guard\.roleValidator/.test(e.message),
  );
});

test("a browser guard checks the users keys and where the role is; where the rows are is the server guard's to check", () => {
  for (const define of [defineClientGuard, defineRolesGuard]) {
    const refuses = (users, pattern) =>
      assert.throws(() => define({ roles, users }).validate(), (e) => e instanceof GuardConfigError && pattern.test(e.message), JSON.stringify(users));
    refuses({ tabel: "users" }, /users: unknown key 'tabel' \(did you mean 'table'\?\)/);
    refuses({ roleClaim: "role", roleField: "role" }, /^users\.roleField and users\.roleClaim/);
    refuses({ roleClaim: "" }, /users\.roleClaim must be a non-empty string/);
    refuses({ roleField: 3 }, /users\.roleField must be a non-empty string/);
    refuses("users", /users must be an object/);
    // A browser finds no rows: a setup the server refuses (no index for `field`) is no concern
    // of the page's guard, which still reads the role where the configuration says.
    const page = define({ roles, permissions: { admin: ["x:y"] }, users: { claim: "subject", field: "externalId", roleField: "level" } });
    page.validate();
    assert.equal(page.can({ level: "admin" }, "x:y"), true);
  }
  assert.throws(() => defineGuard({ roles, users: { claim: "subject", field: "externalId" } }).validate(), /users\.index is required/);
  // And none of the row setup's checks is in the page's code (make bench: browser_roles_gzip_bytes).
  for (const entry of ["client.js", "client-roles.js"]) {
    const code = readFileSync(new URL(`../../pkg/${entry}`, import.meta.url), "utf8");
    assert.doesNotMatch(code, /users\.index is required|users\.resolve must be a function/, entry);
  }
});
