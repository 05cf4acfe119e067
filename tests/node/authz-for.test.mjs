// requireRoleFor / requirePermissionFor: requireRole and requirePermission for the user an id
// names (a scheduled job, a webhook), through the built package. The signed-in caller here is
// always an admin, so a check that read the caller instead of the named user would pass where
// these must refuse.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defineGuard, GuardConfigError } from "convex-guard";

const roles = ["user", "editor", "admin"];
const permissions = { editor: ["documents:write"], admin: ["users:*"] };

/** A database of `rows` (ids `table|n`), whose reads are counted; the caller is `users|admin`. */
function ctxOf(rows, caller = "users|admin") {
  const db = {
    reads: 0,
    normalizeId: (table, id) => (typeof id === "string" && id.startsWith(`${table}|`) ? id : null),
    get: async (id) => (db.reads++, rows[id] ?? null),
    query: () => assert.fail("the *For role checks read no index"),
  };
  return { auth: { getUserIdentity: async () => (caller === null ? null : { tokenIdentifier: caller, issuer: "i", subject: caller }) }, db };
}
const ROWS = {
  "users|admin": { _id: "users|admin", _creationTime: 1, role: "admin" },
  "users|ed": { _id: "users|ed", _creationTime: 1, role: "editor" },
  "users|demoted": { _id: "users|demoted", _creationTime: 1, role: "user" },
  "users|stale": { _id: "users|stale", _creationTime: 1, role: "Admin" },
  // Another table's row, with a role field that holds the top role: never a user.
  "documents|1": { _id: "documents|1", _creationTime: 1, role: "admin" },
};
// The caller is found by `resolve`: the admin, whoever the *For checks name.
const guard = defineGuard({ roles, permissions, users: { resolve: async (ctx) => ctx.db.get(ctx.callerId ?? "users|admin") }, access: { tables: { documents: { owner: "ownerId" } } } });
const denied = (code, message) => (e) => e?.data?.code === code && e.data.message === message && Object.keys(e.data).length === 2;

test("the named user's row, when their role holds it: the row requireRole answers them signed in", async () => {
  const ctx = ctxOf(ROWS);
  assert.equal(await guard.requireRoleFor(ctx, "users|ed", "editor"), ROWS["users|ed"]);
  assert.equal(await guard.requireRoleFor(ctx, "users|admin", "user"), ROWS["users|admin"]);
  assert.equal(await guard.requirePermissionFor(ctx, "users|ed", "documents:write"), ROWS["users|ed"]);
  assert.equal(await guard.requirePermissionFor(ctx, "users|admin", "users:delete"), ROWS["users|admin"]);
  // What requireRole / requirePermission answer that user signed in: the same row.
  const signedIn = { ...ctxOf(ROWS), callerId: "users|ed" };
  assert.equal(await guard.requireRole(signedIn, "editor"), await guard.requireRoleFor(ctx, "users|ed", "editor"));
});

test("a demoted user is refused with requireRole's and requirePermission's own errors, though the caller is an admin", async () => {
  const ctx = ctxOf(ROWS);
  assert.equal(await guard.requireRole(ctx, "admin"), ROWS["users|admin"]); // the caller would pass
  await assert.rejects(guard.requireRoleFor(ctx, "users|demoted", "editor"), denied("FORBIDDEN", "Role 'editor' or higher required"));
  await assert.rejects(guard.requirePermissionFor(ctx, "users|demoted", "documents:write"), denied("FORBIDDEN", "Permission 'documents:write' required"));
  await assert.rejects(guard.requireRoleFor(ctx, "users|ed", "admin"), denied("FORBIDDEN", "Role 'admin' or higher required"));
  await assert.rejects(guard.requirePermissionFor(ctx, "users|ed", "users:delete"), denied("FORBIDDEN", "Permission 'users:delete' required"));
  // A role field that holds no configured role is no role, as for the caller.
  await assert.rejects(guard.requireRoleFor(ctx, "users|stale", "user"), denied("FORBIDDEN", "Role 'user' or higher required"));
  // The same data as the caller's own denial, for that user signed in.
  const asDemoted = { ...ctxOf(ROWS), callerId: "users|demoted" };
  const own = await guard.requireRole(asDemoted, "editor").catch((e) => e.data);
  const named = await guard.requireRoleFor(ctx, "users|demoted", "editor").catch((e) => e.data);
  assert.deepEqual(named, own);
  const ownP = await guard.requirePermission(asDemoted, "documents:write").catch((e) => e.data);
  assert.deepEqual(await guard.requirePermissionFor(ctx, "users|demoted", "documents:write").catch((e) => e.data), ownP);
  // The row is read when the check runs: demoted since, refused now.
  const rows = { ...ROWS, "users|ed": { ...ROWS["users|ed"] } };
  const later = ctxOf(rows);
  await guard.requireRoleFor(later, "users|ed", "editor");
  rows["users|ed"].role = "user";
  await assert.rejects(guard.requireRoleFor(later, "users|ed", "editor"), denied("FORBIDDEN", "Role 'editor' or higher required"));
});

test("a deleted user, another table's id and a malformed id are INVALID_ARGUMENT 'unknown user', as readableFor", async () => {
  const ctx = ctxOf(ROWS);
  for (const id of ["users|gone", "documents|1", "", "admin", 42, null, undefined, { _id: "users|admin" }, ["users|admin"]]) {
    const label = JSON.stringify(id) ?? String(id);
    const access = await guard.readableFor(ctx, id, "documents", "documents|1").then(() => assert.fail(label), (e) => e.data);
    assert.deepEqual(access, { code: "INVALID_ARGUMENT", message: "unknown user" }, label);
    await assert.rejects(guard.requireRoleFor(ctx, id, "user"), denied("INVALID_ARGUMENT", "unknown user"), label);
    await assert.rejects(guard.requirePermissionFor(ctx, id, "documents:write"), denied("INVALID_ARGUMENT", "unknown user"), label);
  }
});

test("a misspelt role or a malformed permission is requireRole's INVALID_ARGUMENT, once the user is found", async () => {
  const ctx = ctxOf(ROWS);
  const ownRole = await guard.requireRole(ctx, "Admin").catch((e) => e.data);
  assert.equal(ownRole.code, "INVALID_ARGUMENT");
  assert.deepEqual(await guard.requireRoleFor(ctx, "users|admin", "Admin").catch((e) => e.data), ownRole);
  const ownPermission = await guard.requirePermission(ctx, 7).catch((e) => e.data);
  assert.equal(ownPermission.code, "INVALID_ARGUMENT");
  assert.deepEqual(await guard.requirePermissionFor(ctx, "users|admin", 7).catch((e) => e.data), ownPermission);
});

test("with users.roleClaim (alone or beside a row setup) the role is in a token a job has not: a GuardConfigError, nothing read", async () => {
  const nothingRead = { auth: { getUserIdentity: async () => assert.fail("read the identity") }, db: new Proxy({}, { get: () => assert.fail("read the database") }) };
  for (const users of [{ roleClaim: "org_role" }, { roleClaim: "org_role", claim: "subject", field: "clerkId", index: "by_clerkId" }, { roleClaim: "role", convexAuth: true }]) {
    const claimed = defineGuard({ roles, permissions, users });
    for (const [name, check] of [
      ["requireRoleFor", () => claimed.requireRoleFor(nothingRead, "users|ed", "user")],
      ["requirePermissionFor", () => claimed.requirePermissionFor(nothingRead, "users|ed", "documents:write")],
    ]) {
      await assert.rejects(
        check,
        (e) => e instanceof GuardConfigError && e.message.startsWith(`guard.${name} reads the role from the users row the id names, but with users.roleClaim`),
        JSON.stringify(users),
      );
    }
  }
});

test("a guard without access tables has them too: they read the users row only", async () => {
  const plain = defineGuard({ roles, permissions });
  const ctx = ctxOf(ROWS);
  assert.equal(await plain.requireRoleFor(ctx, "users|ed", "editor"), ROWS["users|ed"]);
  assert.equal(ctx.db.reads, 1);
  await assert.rejects(plain.requirePermissionFor(ctx, "users|demoted", "documents:write"), denied("FORBIDDEN", "Permission 'documents:write' required"));
});
