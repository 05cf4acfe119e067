// Type tests for the users setups and the schema helpers (checked by `tsc -p tests/types`).
import { defineGuard } from "convex-guard";
import { defineTable, type GenericActionCtx, type GenericQueryCtx, type UserIdentity } from "convex/server";
import { v, type GenericId } from "convex/values";

type DM = {
  users: {
    document: { _id: GenericId<"users">; _creationTime: number; externalId: string; role?: string };
    fieldPaths: "_id" | "_creationTime" | "externalId" | "role";
    indexes: { byExternalId: ["externalId", "_creationTime"] };
    searchIndexes: {};
    vectorIndexes: {};
  };
};
declare const ctx: GenericQueryCtx<DM>;
const roles = ["user", "admin"] as const;

// Rows: every setup but roleClaim answers the users document.
const clerk = defineGuard({ roles, users: { claim: "subject", field: "externalId", index: "byExternalId" } });
const convexAuth = defineGuard({ roles, users: { convexAuth: true } });
const resolver = defineGuard({
  roles,
  users: { resolve: async (c) => (await c.auth.getUserIdentity()) && null },
});
async function rows() {
  const a: string = (await clerk.requireUser(ctx)).externalId;
  const b: GenericId<"users"> = (await convexAuth.requireRole(ctx, "admin"))._id;
  const c = await resolver.getUser(ctx);
  // @ts-expect-error: getUser may return null
  c._id;
  return [a, b];
}

// roleClaim: the user is the identity.
const claims = defineGuard({ roles, users: { roleClaim: "https://app.example.com/role" } });
async function identity() {
  const me: UserIdentity = await claims.requireRole(ctx, "admin");
  const key: string = me.tokenIdentifier;
  // @ts-expect-error: an identity is not a users row: it has no users id
  const id: GenericId<"users"> = me._id;
  return [key, id];
}
// In an action too (through the wired functions): the identity, never a users row.
declare const actx: GenericActionCtx<DM>;
async function identityInAction() {
  const me: UserIdentity = await claims.requireUser(actx);
  const keys: string[] = [me.tokenIdentifier, (await claims.requirePermission(actx, "anything:x" as never)).subject];
  const maybe = await claims.getUser(actx);
  const role: string | undefined = maybe?.tokenIdentifier;
  // @ts-expect-error: an identity is not a users row: it has no users id
  const id: GenericId<"users"> = (await claims.requireRole(actx, "admin"))._id;
  // Rows in an action: the users document.
  const ext: string = (await clerk.requireUser(actx)).externalId;
  return [keys, role, id, ext];
}

// roleClaim beside a row setup: the user is the row, the role the token's claim.
const clerkRows = defineGuard({ roles, users: { roleClaim: "role", claim: "subject", field: "externalId", index: "byExternalId" } });
const tableRows = defineGuard({ roles, users: { roleClaim: "https://app.example.com/role", table: "users" } });
const convexAuthRows = defineGuard({ roles, users: { convexAuth: true, roleClaim: "role" } });
const resolvedRows = defineGuard({
  roles,
  users: { roleClaim: "role", resolve: async (c) => (await c.auth.getUserIdentity()) && null },
});
async function rowsWithRoleClaim() {
  const a: string = (await clerkRows.requireRole(ctx, "admin")).externalId;
  const b: GenericId<"users"> = (await tableRows.requireUser(ctx))._id;
  const c: GenericId<"users"> = (await convexAuthRows.requirePermission(actx, "x:y" as never))._id;
  const d = await resolvedRows.getUser(actx);
  const e: GenericId<"users"> | undefined = d?._id;
  // @ts-expect-error: a users row, not the identity
  const token: string = (await clerkRows.requireUser(ctx)).tokenIdentifier;
  return [a, b, c, e, token];
}
// `table: undefined` is no row setup's key (as at run time): the identity.
const claimsStill = defineGuard({ roles, users: { roleClaim: "role", table: undefined } });
async function identityStill() {
  const me: UserIdentity = await claimsStill.requireUser(ctx);
  return me;
}

// Two setups at once do not compile.
// @ts-expect-error: convexAuth and resolve are different setups
defineGuard({ roles, users: { convexAuth: true, resolve: async () => null } });
// @ts-expect-error: the role is the row's field or the token's claim, not both
defineGuard({ roles, users: { roleClaim: "role", roleField: "role", table: "users" } });
// @ts-expect-error: not both with roleClaim alone either
defineGuard({ roles, users: { roleClaim: "role", roleField: "role" } });
// @ts-expect-error: an index beside roleClaim still names a string
defineGuard({ roles, users: { index: 3, roleClaim: "role" } });
// @ts-expect-error: convexAuth is `true` or absent
defineGuard({ roles, users: { convexAuth: false } });
// Convex Auth's version is the token's to tell, and 2.0 accepts no mount name but `auth`.
// @ts-expect-error: `true` for either version, not a version
defineGuard({ roles, users: { convexAuth: "2.0" } });
// @ts-expect-error: no mount option: 2.0's core refuses to sign tokens under another name
defineGuard({ roles, users: { convexAuth: true, component: "myAuth" } });
// In an action, through the wired functions: the users document, as in a query.
async function convexAuthInAction() {
  const id: GenericId<"users"> = (await convexAuth.requireUser(actx))._id;
  return id;
}
// @ts-expect-error: a resolver answers a row (with an _id) or null
defineGuard({ roles, users: { resolve: async () => "users:1" } });

// Schema helpers.
declare const input: unknown;
if (clerk.isRole(input)) {
  const r: "user" | "admin" = input;
  void r;
}
const table = defineTable({ role: v.optional(clerk.roleValidator()), level: clerk.levelValidator() });
type Role = typeof table.validator.type.role;
const role: Role = "admin";
// @ts-expect-error: not a configured role
const wrong: Role = "Admin";
const levels = defineGuard({ roles, access: { levels: ["reader", "owner"] } });
const level: typeof levels extends { levelValidator(): { type: infer L } } ? L : never = "reader";
// @ts-expect-error: not a configured level
const badLevel: typeof levels extends { levelValidator(): { type: infer L } } ? L : never = "editor";
void [rows, identity, role, wrong, level, badLevel, rowsWithRoleClaim, identityStill];
