// Type tests, checked by `tsc -p tests/types` against the installed package's .d.ts. Every
// `@ts-expect-error` line must be an error: if a type loosened, tsc reports the unused directive.
import { defineGuard, type Guard, type GroupId, type PolicyTables, type RateLimitState } from "convex-guard";
import type { GenericDataModel, GenericDocument, GenericMutationCtx, GenericQueryCtx, PaginationOptions, paginationOptsValidator } from "convex/server";
import type { GenericId, Infer } from "convex/values";

const guard = defineGuard({
  roles: ["user", "moderator", "admin", "superadmin"],
  permissions: {
    user: ["read:users"],
    moderator: ["write:users"],
    admin: ["delete:users"],
    superadmin: ["admin:*"],
  },
});

// Correct names compile.
guard.can("user", "read:users");
guard.can({ role: "admin" }, "delete:users");
guard.can(null, "write:users");
guard.can("superadmin", "admin:system"); // through the wildcard
guard.roleAtLeast("user", "moderator");

// @ts-expect-error: misspelt permission
guard.can("user", "read:user");
// @ts-expect-error: a permission nobody was granted
guard.can("user", "fly:plane");
// @ts-expect-error: the wildcard covers "admin:..." only
guard.can("user", "administrator:x");
// @ts-expect-error: misspelt role
guard.roleAtLeast("user", "moderater");

defineGuard({
  roles: ["user", "admin"],
  // @ts-expect-error: permissions listed for a role that is not declared
  permissions: { admn: ["delete:users"] },
});

// The user document type comes from the ctx's data model and the configured table.
type DM = {
  users: {
    document: { _id: GenericId<"users">; _creationTime: number; name: string; role?: string };
    fieldPaths: "_id" | "_creationTime" | "name" | "role";
    indexes: {};
    searchIndexes: {};
    vectorIndexes: {};
  };
};
declare const ctx: GenericQueryCtx<DM>;
async function typedUser() {
  const me = await guard.requireUser(ctx);
  const name: string = me.name;
  // @ts-expect-error: no such field on the users document
  me.email;
  const maybe = await guard.getUser(ctx);
  // @ts-expect-error: getUser may return null
  maybe.name;
  await guard.requireRole(ctx, "admin");
  // @ts-expect-error: misspelt role in requireRole
  await guard.requireRole(ctx, "admn");
  await guard.requirePermission(ctx, "admin:anything");
  // @ts-expect-error: misspelt permission in requirePermission
  await guard.requirePermission(ctx, "delete:user");
  // The checks for a named user: the users table's id, the same names, the user's document.
  const them: string = (await guard.requireRoleFor(ctx, themId, "moderator")).name;
  const holder: GenericId<"users"> = (await guard.requirePermissionFor(ctx, themId, "admin:anything"))._id;
  // @ts-expect-error: misspelt role in requireRoleFor
  await guard.requireRoleFor(ctx, themId, "admn");
  // @ts-expect-error: misspelt permission in requirePermissionFor
  await guard.requirePermissionFor(ctx, themId, "delete:user");
  // @ts-expect-error: a permission nobody was granted
  await guard.requirePermissionFor(ctx, themId, "fly:plane");
  // @ts-expect-error: a plain string is no users id
  await guard.requireRoleFor(ctx, "u1", "user");
  // @ts-expect-error: nor is another table's id
  await guard.requirePermissionFor(ctx, otherId, "read:users");
  // @ts-expect-error: no such field on the users document
  (await guard.requireRoleFor(ctx, themId, "user")).email;
  return [name, them, holder];
}
declare const themId: GenericId<"users">;
declare const otherId: GenericId<"documents">;

// A configured users table changes the document type.
const custom = defineGuard({ roles: ["member"], users: { table: "members" } });
async function customTable(c: GenericQueryCtx<GenericDataModel>) {
  const m: GenericDocument = await custom.requireUser(c);
  return m;
}

// The Guard type is usable in signatures.
const g: Guard<"user" | "moderator" | "admin" | "superadmin", "read:users" | "write:users" | "delete:users" | "admin:*", "users"> = guard;
void [typedUser, customTable, g];

// Access levels are literal types: from the configuration, or the defaults.
const docs = defineGuard({
  roles: ["user"],
  access: { levels: ["reader", "writer", "owner"], publicLevel: "reader", tables: { notes: { owner: "ownerId" } } },
});
async function accessLevels(c: GenericQueryCtx<DM>) {
  await docs.requireAccess(c, "users", "id", "writer");
  // @ts-expect-error: misspelt level in requireAccess
  await docs.requireAccess(c, "users", "id", "writr");
  // @ts-expect-error: a default level this configuration does not have
  await docs.readable(c, "users", "id", "editor");
  const r = await guard.readable(c, "users", "id");
  if (r !== null) {
    const level: "viewer" | "commenter" | "editor" | "owner" = r.accessLevel;
    const name: string = r.doc.name; // the document type comes from the data model
    void [level, name];
  }
  // @ts-expect-error: a table not in the data model
  await guard.readable(c, "userz", "id");
  guard.canShare("editor", "viewer");
  // @ts-expect-error: misspelt level in canShare
  guard.canShare("editor", "veiwer");
  const editable: boolean = guard.levelAtLeast("viewer", "editor");
  // @ts-expect-error: misspelt level in levelAtLeast
  guard.levelAtLeast(editable ? "editor" : null, "veiwer");
}
defineGuard({
  roles: ["user"],
  // @ts-expect-error: the public level must be a declared level
  access: { levels: ["reader", "owner"], publicLevel: "guest" },
});
// A table's fileLevel is a declared level (the default ones without `levels`).
defineGuard({
  roles: ["user"],
  access: { tables: { folders: { owner: "ownerId" }, notes: { owner: "ownerId", parent: "folderId", parentTable: "folders", fileLevel: "commenter" } } },
});
defineGuard({
  roles: ["user"],
  // @ts-expect-error: misspelt fileLevel
  access: { tables: { folders: { owner: "ownerId" }, notes: { owner: "ownerId", parent: "folderId", parentTable: "folders", fileLevel: "comenter" } } },
});
defineGuard({
  roles: ["user"],
  // @ts-expect-error: not one of this guard's levels
  access: { levels: ["reader", "writer", "owner"], tables: { notes: { owner: "ownerId", parent: "p", fileLevel: "editor" } } },
});
void accessLevels;
// Group managers name a configured role, or a permission some role holds.
defineGuard({ roles: ["user", "admin"], access: { groups: { managers: { role: "admin" } } } });
defineGuard({
  roles: ["user", "admin"],
  permissions: { admin: ["groups:*"] },
  access: { groups: { managers: { permission: "groups:manage" } } },
});
defineGuard({
  roles: ["user", "admin"],
  // @ts-expect-error: misspelt manager role
  access: { groups: { managers: { role: "admn" } } },
});
defineGuard({
  roles: ["user", "admin"],
  permissions: { admin: ["groups:*"] },
  // @ts-expect-error: a permission nobody holds
  access: { groups: { managers: { permission: "users:delete" } } },
});
// A users id (the access API takes ids of the guard's users table: see access-ids-types.ts).
declare const uid: GenericId<"users">;
declare const gid: GroupId;
async function grantIds(c: GenericMutationCtx<DM>) {
  // share answers the grant row's id, typed by its table.
  const id: GenericId<"accessGrants"> = await docs.share(c, "users", "id", { userId: uid, level: "writer" });
  // @ts-expect-error: a grant's id is not another table's
  const wrong: GenericId<"users"> = await docs.share(c, "users", "id", { userId: uid, level: "writer" });
  // @ts-expect-error: the owner level (the last) is given only by transferring ownership
  await docs.share(c, "users", "id", { userId: uid, level: "owner" });
  // @ts-expect-error: with the default levels too
  await guard.share(c, "users", "id", { groupId: gid, level: "owner" });
  await guard.share(c, "users", "id", { groupId: gid, level: "editor" });
  // Levels built at run time: no name can be told apart by its type, so none is refused.
  const built: readonly string[] = ["a", "b"];
  await defineGuard({ roles: ["user"], access: { levels: built } }).share(c, "users", "id", { userId: uid, level: "b" });
  // Declared apart as a constant, the last is still known.
  const LEVELS = ["low", "high", "top"] as const;
  const held = defineGuard({ roles: ["user"], access: { levels: LEVELS, publicLevel: "low" } });
  await held.share(c, "users", "id", { userId: uid, level: "high" });
  // @ts-expect-error: "top" is this configuration's owner level
  await held.share(c, "users", "id", { userId: uid, level: "top" });
  // The other level-taking calls still name every level (the owner's included).
  await held.requireAccess(c, "users", "id", "top");
  // The checks for a named user: the users table's id, the levels and answers of readable / requireAccess.
  const named: "low" | "high" | "top" = (await held.requireAccessFor(c, uid, "users", "id", "top")).accessLevel;
  const namedDoc: string | undefined = (await held.readableFor(c, uid, "users", "id"))?.doc.name;
  // @ts-expect-error: misspelt level in requireAccessFor
  await held.requireAccessFor(c, uid, "users", "id", "tpo");
  // @ts-expect-error: a group's id is no user's
  await held.readableFor(c, gid, "users", "id");
  // @ts-expect-error: nor is a plain string
  await held.requireAccessFor(c, "u1", "users", "id", "low");
  // A group's level for a named user: the levels typed, the user the users table's id, the group a group's.
  const namedLevel: "low" | "high" | "top" | null = await held.groupLevelFor(c, uid, gid);
  const namedRequired: "low" | "high" | "top" = await held.requireGroupLevelFor(c, uid, gid, "high");
  // @ts-expect-error: an answer that may be null
  const namedSure: "low" | "high" | "top" = await held.groupLevelFor(c, uid, gid);
  // @ts-expect-error: misspelt level in requireGroupLevelFor
  await held.requireGroupLevelFor(c, uid, gid, "hgih");
  // @ts-expect-error: a group's id is no user's
  await held.groupLevelFor(c, gid, gid);
  // @ts-expect-error: nor is a plain string
  await held.requireGroupLevelFor(c, "u1", gid, "low");
  // @ts-expect-error: a user's id is no group's
  await held.groupLevelFor(c, uid, uid);
  void [named, namedDoc, namedLevel, namedRequired, namedSure];
  // A level argument validated with grantLevelValidator is one share takes; levelValidator's is not.
  const granted = "high" as typeof held.grantLevelValidator extends () => { type: infer G } ? G : never;
  await held.share(c, "users", "id", { userId: uid, level: granted });
  // @ts-expect-error: the owner's level is not a grant level
  const ownerGrant: typeof held.grantLevelValidator extends () => { type: infer G } ? G : never = "top";
  const anyLevel = "high" as typeof held.levelValidator extends () => { type: infer G } ? G : never;
  // @ts-expect-error: levelValidator's value may be the owner's level, which share refuses
  await held.share(c, "users", "id", { userId: uid, level: anyLevel });
  void ownerGrant;
  const { page } = await docs.listGrants(c, "users", "id", { paginationOpts: { numItems: 10, cursor: null } });
  void ([id, wrong, page[0]!.grantId] satisfies GenericId<"accessGrants" | "users">[]);
  // Group ids are typed by their table too, where the guard answers them.
  const group: GenericId<"accessGroups"> = await docs.createGroup(c, "eng");
  const listed: GenericId<"accessGroups"> | undefined = page[0]!.groupId;
  const mine = await docs.listMyGroups(c, { paginationOpts: { numItems: 1, cursor: null } });
  // A key a listing's options or their paginationOpts do not have (a GuardConfigError at run time too).
  const paginationOpts = { numItems: 1, cursor: null };
  await docs.listAccessible(c, "users", { paginationOpts, minLevel: "writer" });
  // @ts-expect-error: minLevel, misspelt
  await docs.listAccessible(c, "users", { paginationOpts, minlevel: "writer" });
  // @ts-expect-error: listGrants takes paginationOpts alone
  await docs.listGrants(c, "users", "id", { paginationOpts, userId: uid });
  // @ts-expect-error: numItems, misspelt
  await docs.listMyGroups(c, { paginationOpts: { numItems: 1, cursor: null, numitems: 2 } });
  // @ts-expect-error: a key Convex's paginationOptsValidator does not have
  await docs.listGroupMembers(c, gid, { paginationOpts: { numItems: 1, cursor: null, curser: "x" } });
  // Every key of Convex's paginationOptsValidator (a query's own args.paginationOpts, as usePaginatedQuery sends them).
  await docs.listMyGroups(c, { paginationOpts: { numItems: 1, cursor: null, endCursor: null, maximumRowsRead: 5, maximumBytesRead: 9, id: 1 } });
  const convexOpts: Infer<typeof paginationOptsValidator> = { numItems: 1, cursor: null };
  await docs.listAccessible(c, "users", { paginationOpts: convexOpts, minLevel: "writer" });
  const convexOwn: PaginationOptions = { numItems: 1, cursor: null, endCursor: "c" };
  await docs.listGrants(c, "users", "id", { paginationOpts: convexOwn });
  // @ts-expect-error: maximumRowsRead, misspelt
  await guard.audit.list(c, {}, { numItems: 1, cursor: null, maximumRowRead: 5 });
  // @ts-expect-error: a group's id is not a grant's
  const notGrant: GenericId<"accessGrants"> = mine.page[0]!.groupId;
  void [group, listed, notGrant];
  // Moving: a parent's id or null (detach), answered with nothing; the table is the schema's.
  const moved: void = await docs.moveDocument(c, "users", "id", null);
  await docs.moveDocument(c, "users", "id", "folder");
  // @ts-expect-error: a table the schema does not have
  await docs.moveDocument(c, "nope", "id", null);
  // @ts-expect-error: detaching is an explicit null
  await docs.moveDocument(c, "users", "id");
  void moved;
}
void grantIds;
async function groupLevels(c: GenericMutationCtx<DM>) {
  const held: "member" | "invited" = await docs.addGroupMember(c, gid, uid, "writer");
  void held;
  const { page } = await docs.listMyGroups(c, { paginationOpts: { numItems: 10, cursor: null } });
  // A listed group's level is one of this configuration's levels.
  // (null: a level no longer configured, which gives nothing.)
  const level: "reader" | "writer" | "owner" | null = page[0]!.level;
  void level;
  // @ts-expect-error: a level name of another configuration
  const other: "editor" = page[0]!.level;
  void other;
  // @ts-expect-error: a membership level this configuration does not have
  await docs.addGroupMember(c, "g", uid, "editor");
  // An invitation that expires: the level (optional) and the expiry as options.
  await docs.addGroupMember(c, gid, uid, { level: "writer", expiresAt: 1 });
  await docs.addGroupMember(c, gid, uid, { expiresAt: 1 });
  // @ts-expect-error: the options' level is one of this configuration's too
  await docs.addGroupMember(c, gid, uid, { level: "editor", expiresAt: 1 });
  // @ts-expect-error: an expiry is ms since the epoch, as share's
  await docs.addGroupMember(c, gid, uid, { expiresAt: "tomorrow" });
  // The owner level is not given to members (FORBIDDEN at run time), as share refuses it.
  // @ts-expect-error: the owner level (the last of this configuration's levels)
  await docs.addGroupMember(c, gid, uid, "owner");
  // @ts-expect-error: the owner level, in the options too
  await docs.addGroupMember(c, gid, uid, { level: "owner", expiresAt: 1 });
  const expiry: number | undefined = page[0]!.expiresAt;
  void expiry;
  docs.resolveShare({ now: 0, caller: null, groups: [], documents: [] }, { id: "d", level: "reader" });
}
void groupLevels;
// Rate limits: names are literal types, and only a token bucket takes a capacity.
const limited = defineGuard({
  roles: ["user"],
  rateLimits: {
    sendMessage: { rate: 10, period: 60_000 },
    burst: { kind: "token bucket", rate: 1, period: 1000, capacity: 5 },
    login: { kind: "sliding log", rate: 3, period: 600_000 },
  },
});
declare const mctx: GenericMutationCtx<GenericDataModel>;
async function rateLimited() {
  await limited.rateLimit(mctx, "sendMessage", { key: "user-id" });
  const d = await limited.checkRateLimit(mctx, "login", { key: "k", throws: false });
  if (!d.ok) void (d.retryAfter satisfies number);
  await limited.rateLimitAll(mctx, [{ name: "burst", key: "k" }, { name: "sendMessage", key: "global" }]);
  limited.rateLimitStatus("login", null, Date.now());
  // The single-limit pure decision: an outcome with the state to store.
  const one = limited.decideRateLimit("burst", null, Date.now(), { count: 2, consume: false });
  void (one.state satisfies RateLimitState | null);
  if (!one.ok) void (one.retryAfter satisfies number);
  // @ts-expect-error: an outcome may be a denial
  void (one.ok satisfies true);
  void (limited.rateLimitConfig("burst") satisfies string);
  // @ts-expect-error: misspelt limit name in a configuration's string
  limited.rateLimitConfig("brust");
  // @ts-expect-error: misspelt limit name in the single-limit decision
  limited.decideRateLimit("brust", null, 0);
  // @ts-expect-error: a misspelt option is not silently ignored
  limited.decideRateLimit("burst", null, 0, { consumes: false });
  // A call that throws on a denial returns only admitted decisions: no narrowing needed.
  const taken = await limited.rateLimit(mctx, "sendMessage", { key: "k" });
  void (taken.ok satisfies true);
  void (taken.retryAfter satisfies 0);
  void ((await limited.rateLimit(mctx, "sendMessage", { key: "k", throws: true })).ok satisfies true);
  void ((await limited.checkRateLimit(mctx, "login", { key: "k" })).ok satisfies true);
  const all = await limited.rateLimitAll(mctx, [{ name: "burst", key: "k" }]);
  void (all.ok satisfies true);
  void (all.decisions[0]!.ok satisfies true);
  // With `throws: false`, or options whose `throws` may be false, a denial can come back.
  // @ts-expect-error: a returned decision may be a denial
  void (d.ok satisfies true);
  const flexible: { key: string; throws?: boolean } = { key: "k" };
  const maybe = await limited.rateLimit(mctx, "sendMessage", flexible);
  // @ts-expect-error: `throws` may be false at run time
  void (maybe.ok satisfies true);
  const some = await limited.rateLimitAll(mctx, [{ name: "burst", key: "k" }], { throws: false });
  // @ts-expect-error: an all-or-nothing request with throws: false may be refused
  void (some.ok satisfies true);
  // @ts-expect-error: a misspelt option is not silently ignored
  await limited.rateLimit(mctx, "sendMessage", { key: "k", throw: false });
  // @ts-expect-error: misspelt limit name
  await limited.rateLimit(mctx, "sendMesage", { key: "k" });
  // @ts-expect-error: a key is required
  await limited.rateLimit(mctx, "sendMessage", {});
  // @ts-expect-error: misspelt name in an all-or-nothing request
  await limited.rateLimitAll(mctx, [{ name: "brust", key: "k" }]);
  // @ts-expect-error: misspelt name in the browser countdown
  limited.rateLimitStatus("logn", null, 0);
  // @ts-expect-error: a guard without rateLimits has no limit names
  await guard.rateLimit(mctx, "sendMessage", { key: "k" });
}
defineGuard({
  roles: ["user"],
  // @ts-expect-error: capacity applies only to a token bucket
  rateLimits: { fixed: { kind: "fixed window", rate: 5, period: 1000, capacity: 10 } },
});
defineGuard({
  roles: ["user"],
  // @ts-expect-error: unknown kind
  rateLimits: { leaky: { kind: "leaky bucket", rate: 5, period: 1000 } },
});
void rateLimited;
// Sensitive operations: the audit reader is a configured role or a granted permission.
defineGuard({
  roles: ["user", "admin"],
  permissions: { admin: ["audit:read"] },
  confirmations: { audit: { readers: { role: "admin" } } },
});
defineGuard({
  roles: ["user", "admin"],
  permissions: { admin: ["audit:read"] },
  confirmations: { audit: { readers: { permission: "audit:read" } } },
});
defineGuard({
  roles: ["user", "admin"],
  // @ts-expect-error "root" is not a configured role
  confirmations: { audit: { readers: { role: "root" } } },
});
defineGuard({
  roles: ["user", "admin"],
  permissions: { admin: ["audit:read"] },
  // @ts-expect-error "audit:write" is not a granted permission
  confirmations: { audit: { readers: { permission: "audit:write" } } },
});

// assertConfirmed answers its argument as the accepted case: what the consuming mutation
// returned beside `ok: true` is read without a check of the app's own.
declare const consumed:
  | { ok: true; payoutId: GenericId<"payouts"> }
  | { ok: false; error: { code: "INVALID_CONFIRMATION"; message: string } };
const accepted = guard.assertConfirmed(consumed);
export const payoutId: GenericId<"payouts"> = accepted.payoutId;
// @ts-expect-error the accepted case has no error
export const noError = accepted.error;
// @ts-expect-error a result that is no ConfirmationResult is refused
guard.assertConfirmed({ ok: "yes" });

// compiledPolicy: the generated file's type; anything else is refused.
const compiledPolicy: PolicyTables = { engine: "0.1.0", roles: ["user"], grants: [], atLeast: [1, 0], holders: [["read:users", [1, 0]]] };
defineGuard({ roles: ["user"], permissions: { user: ["read:users"] }, compiledPolicy }).can("user", "read:users");
defineGuard({ roles: ["user"], compiledPolicy: undefined });
// @ts-expect-error: the tables, not their text
defineGuard({ roles: ["user"], compiledPolicy: "{}" });
// @ts-expect-error: answers are arrays of numbers, not strings of 0 and 1
const asText: PolicyTables = { engine: "0.1.0", roles: ["user"], grants: [], atLeast: "10", holders: [] };
void asText;

// securityAudit.scopedRoles names the guard's own roles: a misspelt one fails here, not only in the audit.
defineGuard({ roles: ["student", "teacher", "admin"], securityAudit: { scopedRoles: ["teacher"] } });
// @ts-expect-error: misspelt scoped role
defineGuard({ roles: ["student", "teacher", "admin"], securityAudit: { scopedRoles: ["teachr"] } });
