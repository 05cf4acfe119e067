// Type tests for the user ids of the access API (checked by `tsc -p tests/types`): ids of the
// guard's users table (`users.table`, default "users") where it gives or takes one, so
// `ctx.db.get(grant.userId!)` needs no cast and another table's id does not compile.
import { defineGuard, type DocumentGrant, type GrantTarget, type GroupId } from "convex-guard";
import type { GenericMutationCtx } from "convex/server";
import type { GenericId } from "convex/values";
import type { Table } from "./table";

type DM = {
  users: Table<{ _id: GenericId<"users">; _creationTime: number; name: string }, "_id" | "_creationTime" | "name">;
  members: Table<{ _id: GenericId<"members">; _creationTime: number; handle: string }, "_id" | "_creationTime" | "handle">;
  posts: Table<{ _id: GenericId<"posts">; _creationTime: number; ownerId: string }, "_id" | "_creationTime" | "ownerId">;
  notes: Table<
    { _id: GenericId<"notes">; _creationTime: number; ownerId: string; postId: GenericId<"posts">; text?: string },
    "_id" | "_creationTime" | "ownerId" | "postId" | "text"
  >;
};
declare const ctx: GenericMutationCtx<DM>;
declare const user: GenericId<"users">;
declare const member: GenericId<"members">;
declare const post: GenericId<"posts">;
declare const raw: string;
declare const group: GroupId;
const page = { paginationOpts: { numItems: 10, cursor: null } };
const access = { tables: { posts: { owner: "ownerId" } } };

// The default users table: ids are `Id<"users">`.
const guard = defineGuard({ roles: ["user"], access });
async function defaultTable() {
  const { page: grants } = await guard.listGrants(ctx, "posts", post, page);
  const grant = grants[0]!;
  // No cast: the users row, typed by the data model.
  const holder = await ctx.db.get(grant.userId!);
  const name: string | undefined = holder?.name;
  const sharer: GenericId<"users"> | undefined = grant.grantedBy;
  // @ts-expect-error: a users id is not a posts id
  const asPost: GenericId<"posts"> | undefined = grant.userId;
  // @ts-expect-error: nor does `grantedBy` name another table's row
  const asMember: GenericId<"members"> | undefined = grant.grantedBy;
  // Still a string, for code that keeps it as one.
  const text: string | undefined = grant.userId;
  void [name, sharer, asPost, asMember, text];

  await guard.share(ctx, "posts", post, { userId: user, level: "editor" });
  await guard.share(ctx, "posts", post, { groupId: group, level: "editor" });
  // @ts-expect-error: a group is an id of the guard's groups table, not any string
  await guard.share(ctx, "posts", post, { groupId: raw, level: "editor" });
  // @ts-expect-error: nor another table's id
  await guard.share(ctx, "posts", post, { groupId: post, level: "editor" });
  // @ts-expect-error: an id of another table is no share target
  await guard.share(ctx, "posts", post, { userId: post, level: "editor" });
  // @ts-expect-error: a raw string needs to be an `Id<"users">` (the run time requires one)
  await guard.share(ctx, "posts", post, { userId: raw, level: "editor" });
  await guard.revoke(ctx, "posts", post, { userId: user });
  // @ts-expect-error: revoke takes the same targets as share
  await guard.revoke(ctx, "posts", post, { userId: post });
  await guard.transferOwnership(ctx, "posts", post, user);
  // @ts-expect-error: the new owner is a user
  await guard.transferOwnership(ctx, "posts", post, post);
  await guard.addGroupMember(ctx, group, user, "viewer");
  // @ts-expect-error: a member is a user
  await guard.addGroupMember(ctx, group, post);
  // @ts-expect-error: the group is an id of the groups table
  await guard.addGroupMember(ctx, raw, user);
  await guard.removeGroupMember(ctx, group, user);
  // @ts-expect-error: a member is a user
  await guard.removeGroupMember(ctx, group, raw);
  // @ts-expect-error: the group is an id of the groups table
  await guard.removeGroupMember(ctx, post, user);
  await guard.acceptGroupInvite(ctx, group);
  // A group's members are users: their rows need no cast.
  const { page: members } = await guard.listGroupMembers(ctx, group, page);
  const memberRow = await ctx.db.get(members[0]!.userId);
  const memberName: string | undefined = memberRow?.name;
  const memberLevel: "viewer" | "commenter" | "editor" | "owner" | null = members[0]!.level;
  // @ts-expect-error: a member's id is not a posts id
  const memberAsPost: GenericId<"posts"> = members[0]!.userId;
  // @ts-expect-error: the group is an id of the groups table
  await guard.listGroupMembers(ctx, raw, page);
  await guard.renameGroup(ctx, group, "team");
  // @ts-expect-error: the group is an id of the groups table
  await guard.renameGroup(ctx, post, "team");
  void [memberName, memberLevel, memberAsPost];
  await guard.leaveGroup(ctx, group);
  // @ts-expect-error: the group is an id of the groups table
  await guard.leaveGroup(ctx, raw);
  await guard.forgetUser(ctx, user);
  // @ts-expect-error: forgetUser refuses another table's id at run time, and now at compile time
  await guard.forgetUser(ctx, post);

  // The exported types, parameterized by the user id type, hold what the guard gives and takes.
  const kept: DocumentGrant<"viewer" | "commenter" | "editor" | "owner", GenericId<"users">> = grant;
  const target: GrantTarget<GenericId<"users">> = { userId: user };
  await guard.share(ctx, "posts", post, { ...target, level: "viewer" });
  // Their default is `string`, as before: a listed grant still fits one named without the id type.
  const loose: DocumentGrant<"viewer" | "commenter" | "editor" | "owner"> = grant;
  // A stale grant (its level no longer configured) is listed with `level: null`.
  // @ts-expect-error: the level may be null
  const level: "viewer" | "commenter" | "editor" | "owner" = grant.level;
  const untyped: GrantTarget = { userId: raw };
  // @ts-expect-error: but a target of raw strings is not what a guard's share takes
  await guard.share(ctx, "posts", post, { ...untyped, level: "viewer" });
  void [kept, loose, level];

  // A listed grant goes back to revoke without a cast: testing one holder narrows the other.
  for (const g of grants) {
    await guard.revoke(ctx, "posts", post, g.userId !== undefined ? { userId: g.userId } : { groupId: g.groupId });
    if (g.groupId === undefined) {
      const held: GenericId<"users"> = g.userId;
      void held;
    }
  }
  // @ts-expect-error: without the test, either may be missing
  const either: GroupId = grants[0]!.groupId;
  // @ts-expect-error: a grant holds a user or a group, never both
  const both: DocumentGrant<"viewer"> = { grantId: null!, level: null, userId: "u", groupId: group };
  void [either, both];

  // The caller's level on a group: a configured level name, or null.
  const mine: "viewer" | "commenter" | "editor" | "owner" | null = await guard.groupLevel(ctx, group);
  // @ts-expect-error: it may be null
  const sure: "viewer" | "commenter" | "editor" | "owner" = await guard.groupLevel(ctx, group);
  const required: "viewer" | "commenter" | "editor" | "owner" = await guard.requireGroupLevel(ctx, group, "editor");
  // @ts-expect-error: an unknown level name
  await guard.requireGroupLevel(ctx, group, "admin");
  // @ts-expect-error: the group is an id of the groups table
  await guard.groupLevel(ctx, post);
  const removed: number = await guard.deleteDocument(ctx, "posts", post);
  // @ts-expect-error: a table of the data model
  await guard.deleteDocument(ctx, "nowhere", post);
  // insertDocument: the table's document without system fields, answered as its id.
  const note: GenericId<"notes"> = await guard.insertDocument(ctx, "notes", { ownerId: user, postId: post, text: "hi" });
  // @ts-expect-error: a parent field the schema requires stays required
  await guard.insertDocument(ctx, "notes", { ownerId: user, text: "hi" });
  // @ts-expect-error: the parent is an id of its table, not any string
  await guard.insertDocument(ctx, "notes", { ownerId: user, postId: raw });
  // @ts-expect-error: no field the table does not have
  await guard.insertDocument(ctx, "notes", { ownerId: user, postId: post, title: "x" });
  // @ts-expect-error: no system field
  await guard.insertDocument(ctx, "notes", { ownerId: user, postId: post, _id: note });
  // @ts-expect-error: the new id is this table's
  const asPostId: GenericId<"posts"> = await guard.insertDocument(ctx, "notes", { ownerId: user, postId: post });
  // @ts-expect-error: a table of the data model
  await guard.insertDocument(ctx, "nowhere", {});
  void [mine, sure, required, removed, note, asPostId];
}

// The README's example ("User ids are ids of your users table").
async function readmeExample(id: string, paginationOpts: { numItems: number; cursor: string | null }) {
  const { page } = await guard.listGrants(ctx, "posts", id, { paginationOpts });
  for (const grant of page) {
    if (grant.userId !== undefined) console.log((await ctx.db.get(grant.userId))?.name); // the users row: no cast
  }
  const doc = (await ctx.db.get(post))!;
  // @ts-expect-error: an Id<"posts">
  await guard.share(ctx, "posts", id, { userId: doc._id, level: "viewer" });
}
void readmeExample;

// A configured users table: ids of that table, and a "users" id is refused.
const members = defineGuard({ roles: ["user"], users: { table: "members", index: "by_token", field: "token" }, access });
async function customTable() {
  const { page: grants } = await members.listGrants(ctx, "posts", post, page);
  const holder = await ctx.db.get(grants[0]!.userId!);
  const handle: string | undefined = holder?.handle;
  // @ts-expect-error: a members id is not a users id
  const asUser: GenericId<"users"> | undefined = grants[0]!.userId;
  await members.share(ctx, "posts", post, { userId: member, level: "editor" });
  // @ts-expect-error: an id of the default "users" table is not one of this guard's users
  await members.share(ctx, "posts", post, { userId: user, level: "editor" });
  await members.forgetUser(ctx, member);
  // @ts-expect-error: nor for forgetUser
  await members.forgetUser(ctx, user);
  void [handle, asUser];
}

// Convex Auth's users table is "users" unless configured.
const convexAuth = defineGuard({ roles: ["user"], users: { convexAuth: true }, access });
async function convexAuthTable() {
  await convexAuth.share(ctx, "posts", post, { userId: user, level: "viewer" });
  // @ts-expect-error: an id of another table
  await convexAuth.share(ctx, "posts", post, { userId: member, level: "viewer" });
}

// roleClaim: there are no users rows (access refuses to run, a GuardConfigError), so user ids
// stay strings, as before; forgetUser takes an identity's key.
const claims = defineGuard({ roles: ["user"], users: { roleClaim: "role" } });
async function roleClaim(tokenIdentifier: string) {
  await claims.forgetUser(ctx, tokenIdentifier);
  await claims.share(ctx, "posts", post, { userId: raw, level: "viewer" });
  const { page: grants } = await claims.listGrants(ctx, "posts", post, page);
  const id: string | undefined = grants[0]!.userId;
  void id;
}
// roleClaim beside a row setup: the user is the row, so ids are the users table's again.
const claimRows = defineGuard({ roles: ["user"], users: { roleClaim: "role", table: "members" }, access });
async function roleClaimRows() {
  await claimRows.share(ctx, "posts", post, { userId: member, level: "viewer" });
  // @ts-expect-error: a users id of another table
  await claimRows.share(ctx, "posts", post, { userId: user, level: "viewer" });
  // @ts-expect-error: not a bare string either
  await claimRows.forgetUser(ctx, raw);
  const { page: grants } = await claimRows.listGrants(ctx, "posts", post, page);
  const id: GenericId<"members"> | undefined = grants[0]!.userId;
  void id;
}
void [defaultTable, customTable, convexAuthTable, roleClaim, roleClaimRows];
