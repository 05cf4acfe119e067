// Type tests for the function builders and the checks in actions (issue 9, points 3 and 4):
// a misspelt role, permission, limit, level or argument is a compile error, and the handler
// sees the typed user and document. Every `@ts-expect-error` line must be an error.
import { customMutation } from "convex-helpers/server/customFunctions";
import { defineGuard, guardRequirements, type BuilderAccess, type GuardMetadata } from "convex-guard";
import type {
  ActionBuilder,
  ApiFromModules,
  FunctionArgs,
  FunctionReturnType,
  GenericActionCtx,
  MutationBuilder,
  QueryBuilder,
} from "convex/server";
import { v, type GenericId } from "convex/values";
import type { Table } from "./table";

type DM = {
  users: Table<{ _id: GenericId<"users">; _creationTime: number; name: string; role?: string }, "_id" | "_creationTime" | "name" | "role">;
  notes: Table<{ _id: GenericId<"notes">; _creationTime: number; title: string; ownerId: GenericId<"users"> }, "_id" | "_creationTime" | "title" | "ownerId">;
};
declare const query: QueryBuilder<DM, "public">;
declare const mutation: MutationBuilder<DM, "public">;
declare const action: ActionBuilder<DM, "public">;
declare const actx: GenericActionCtx<DM>;

const guard = defineGuard({
  roles: ["user", "admin"],
  permissions: { user: ["notes:read"], admin: ["notes:*"] },
  access: { tables: { notes: { owner: "ownerId" } } },
  rateLimits: { post: { rate: 5, period: 60_000 } },
});

// Correct declarations compile; the user and the document are typed.
export const ok = guard.mutation(mutation, {
  args: { id: v.string(), org: v.string() },
  role: "admin",
  permission: "notes:delete",
  access: { table: "notes", arg: "id", level: "editor" },
  rateLimit: { name: "post", key: { arg: "org" } },
  handler: async (ctx, { org }) => {
    const name: string = ctx.user.name;
    const title: string = ctx.doc.title;
    // The caller's level, one of the configured levels.
    const level: "viewer" | "commenter" | "editor" | "owner" = ctx.accessLevel;
    // @ts-expect-error: not a configured level
    const wrong: "admin" = ctx.accessLevel;
    void [level, wrong];
    // @ts-expect-error: no such field on the users document
    void ctx.user.email;
    return `${name}:${title}:${org}`;
  },
});
const meta: GuardMetadata | undefined = guardRequirements(ok);
void meta;

// A `returns` validator types the result, and the handler may be synchronous (as Convex's own).
export const named = guard.query(query, {
  args: {},
  returns: v.object({ name: v.string() }),
  handler: (ctx) => ({ name: ctx.user.name }),
});
type NamedRef = ApiFromModules<{ notes: { named: typeof named } }>["notes"]["named"];
const namedResult: { name: string } = null as unknown as FunctionReturnType<NamedRef>;
void namedResult;
export const syncMutation = guard.mutation(mutation, { args: {}, handler: (ctx) => ctx.user._id });
guard.query(query, {
  args: {},
  returns: v.number(),
  // @ts-expect-error: the handler's answer is not what `returns` validates
  handler: async (ctx) => ctx.user.name,
});

// Clients keep the argument and return types: Convex's `api` reads them from the registered
// function's type, which must stay exactly `RegisteredMutation<...>` (an intersection with the
// metadata turned them into `DefaultFunctionArgs` and `unknown`).
type ClientRef = ApiFromModules<{ notes: { ok: typeof ok } }>["notes"]["ok"];
const okArgs: FunctionArgs<ClientRef> = { id: "n1", org: "o" };
const okResult: string = null as unknown as FunctionReturnType<ClientRef>;
// @ts-expect-error: the arguments are typed, so a missing one is an error
const badArgs: FunctionArgs<ClientRef> = { id: "n1" };
// @ts-expect-error: the result is a string, not unknown
const badResult: number = null as unknown as FunctionReturnType<ClientRef>;
void [okArgs, okResult, badArgs, badResult];

guard.query(query, {
  args: {},
  handler: async (ctx) => {
    // Without `access` there is no document.
    const none: undefined = ctx.doc;
    const noLevel: undefined = ctx.accessLevel;
    return [ctx.user._id, none, noLevel];
  },
});

// @ts-expect-error: misspelt role
guard.query(query, { args: {}, role: "admn", handler: async () => null });
// @ts-expect-error: misspelt permission
guard.query(query, { args: {}, permission: "note:read", handler: async () => null });
// @ts-expect-error: misspelt rate limit
guard.mutation(mutation, { args: {}, rateLimit: { name: "pots" }, handler: async () => null });
// @ts-expect-error: a query cannot take from a rate limit
guard.query(query, { args: {}, rateLimit: { name: "post" }, handler: async () => null });
// @ts-expect-error: a key from an argument the function does not have
guard.mutation(mutation, { args: { org: v.string() }, rateLimit: { name: "post", key: { arg: "team" } }, handler: async () => null });
// @ts-expect-error: a key from a non-string argument
guard.mutation(mutation, { args: { n: v.number() }, rateLimit: { name: "post", key: { arg: "n" } }, handler: async () => null });
// @ts-expect-error: a free string is not a key
guard.mutation(mutation, { args: {}, rateLimit: { name: "post", key: "anything" }, handler: async () => null });
// A list of limits, taken all or nothing: each name and `{ arg }` checked as one limit's.
export const listed = guard.mutation(mutation, {
  args: { org: v.string() },
  rateLimit: [{ name: "post" }, { name: "post", key: "global" }, { name: "post", key: { arg: "org" } }],
  handler: async (ctx, { org }) => `${ctx.user.name}:${org}`,
});
guard.action(action, { args: {}, rateLimit: [{ name: "post", key: "global" }], handler: async (ctx) => ctx.user.name });
const declared = [{ name: "post" }, { name: "post", key: "global" }] as const;
guard.mutation(mutation, { args: {}, rateLimit: declared, handler: async () => null });
void ((meta?.rateLimits satisfies readonly { name: string; key: "user" | "global" | { arg: string } }[] | undefined));
// @ts-expect-error: misspelt rate limit in a list
guard.mutation(mutation, { args: {}, rateLimit: [{ name: "post" }, { name: "pots", key: "global" }], handler: async () => null });
// @ts-expect-error: misspelt rate limit in an action's list
guard.action(action, { args: {}, rateLimit: [{ name: "post" }, { name: "pots" }], handler: async () => null });
// @ts-expect-error: an empty list is no limit
guard.mutation(mutation, { args: {}, rateLimit: [], handler: async () => null });
// @ts-expect-error: a key in a list from an argument the function does not have
guard.mutation(mutation, { args: { org: v.string() }, rateLimit: [{ name: "post" }, { name: "post", key: { arg: "team" } }], handler: async () => null });
// @ts-expect-error: a key in a list from a non-string argument
guard.mutation(mutation, { args: { n: v.number() }, rateLimit: [{ name: "post" }, { name: "post", key: { arg: "n" } }], handler: async () => null });
// @ts-expect-error: a free string is not a key, in a list either
guard.mutation(mutation, { args: {}, rateLimit: [{ name: "post" }, { name: "post", key: "anything" }], handler: async () => null });
// @ts-expect-error: a query cannot take from a list of limits
guard.query(query, { args: {}, rateLimit: [{ name: "post" }], handler: async () => null });
// A customization takes a list too, with no `{ arg }` key.
guard.customCtx<DM>({ rateLimit: [{ name: "post" }, { name: "post", key: "global" }] });
// @ts-expect-error: a customization sees no arguments
guard.customCtx<DM>({ rateLimit: [{ name: "post" }, { name: "post", key: { arg: "org" } }] });
// @ts-expect-error: misspelt rate limit in a customization's list
guard.customCtx<DM>({ rateLimit: [{ name: "post" }, { name: "pots" }] });
// A function of a custom builder declaring its own requirement: refused in a literal (and at
// run time, a GuardConfigError), never run without it.
const customMade = customMutation(mutation, guard.customCtx<DM>({}));
// @ts-expect-error: the customization's requirements are guard.customCtx's own
customMade({ args: {}, role: "admin", handler: async () => null });
customMade({ args: {}, handler: async () => null });
// @ts-expect-error: misspelt access level
guard.query(query, { args: { id: v.string() }, access: { table: "notes", arg: "id", level: "edtor" }, handler: async () => null });
// @ts-expect-error: a table not in the data model
guard.query(query, { args: { id: v.string() }, access: { table: "notez", arg: "id", level: "viewer" }, handler: async () => null });
// The document id as the access table's id, or a string (normalized by the guard), compiles.
guard.query(query, { args: { id: v.id("notes") }, access: { table: "notes", arg: "id", level: "viewer" }, handler: async (ctx) => ctx.doc.title });
guard.query(query, { args: { id: v.union(v.id("notes"), v.id("users")) }, access: { table: "notes", arg: "id", level: "viewer" }, handler: async () => null });
// @ts-expect-error: an id of another table: every call would answer NOT_FOUND
guard.query(query, { args: { id: v.id("users") }, access: { table: "notes", arg: "id", level: "viewer" }, handler: async () => null });
// With no argument that can hold the table's id, the compile error says so (not "not assignable to never").
const usersOnly = { id: v.id("users") };
const noIdArg: BuilderAccess<"viewer", typeof usersOnly, "notes">["arg"] = `no argument holds an id of table 'notes': declare it v.id("notes") or v.string()`;
void noIdArg;
// @ts-expect-error: an action has no database, so no access check
guard.action(action, { args: { id: v.string() }, access: { table: "notes", arg: "id", level: "viewer" }, handler: async () => null });

// Checks in actions: the same names, the same errors.
async function inAction() {
  const me = await guard.requireRole(actx, "admin");
  const name: string = me.name;
  await guard.requirePermission(actx, "notes:write");
  await guard.rateLimit(actx, "post", { key: me._id });
  // In an action too, a throwing call returns an admitted decision, `throws: false` any.
  void ((await guard.rateLimit(actx, "post", { key: me._id })).ok satisfies true);
  const checked = await guard.checkRateLimit(actx, "post", { key: me._id, throws: false });
  // @ts-expect-error: with throws: false the decision may be a denial
  void (checked.ok satisfies true);
  await guard.checkRateLimit(actx, "post", { key: me._id, throws: false });
  // @ts-expect-error: misspelt role in an action
  await guard.requireRole(actx, "admn");
  // @ts-expect-error: misspelt limit in an action
  await guard.rateLimit(actx, "pots", { key: "k" });
  // All or nothing in an action: the mutation's entries and answers.
  void ((await guard.rateLimitAll(actx, [{ name: "post", key: me._id }, { name: "post", key: "global" }])).decisions[0]!.ok satisfies true);
  const all = await guard.rateLimitAll(actx, [{ name: "post", key: me._id, count: 2 }], { throws: false });
  // @ts-expect-error: with throws: false the batch may be a denial
  void (all.ok satisfies true);
  // @ts-expect-error: misspelt limit in rateLimitAll in an action
  await guard.rateLimitAll(actx, [{ name: "post", key: me._id }, { name: "pots", key: "global" }]);
  // @ts-expect-error: an entry needs its key
  await guard.rateLimitAll(actx, [{ name: "post" }]);
  return name;
}
void inAction;

// safeAction: a misspelt limit, or a resource id that is not an argument, does not compile.
guard.safeAction({ name: "x", args: { d: v.string() }, resourceId: "d", rateLimit: { name: "post" }, handler: async () => null });
// @ts-expect-error: misspelt limit in safeAction
guard.safeAction({ name: "x", args: {}, rateLimit: { name: "pots" }, handler: async () => null });
// A list of limits, taken all or nothing; each name typed, each key a function of the arguments and actor.
guard.safeAction({
  name: "x",
  args: { room: v.string() },
  rateLimit: [{ name: "post" }, { name: "post", key: ({ args }) => `room:${args.room}` }],
  handler: async () => null,
});
// @ts-expect-error: misspelt limit in safeAction's list
guard.safeAction({ name: "x", args: {}, rateLimit: [{ name: "post" }, { name: "pots", key: () => "global" }], handler: async () => null });
// @ts-expect-error: a key in the list is a function, not a string
guard.safeAction({ name: "x", args: {}, rateLimit: [{ name: "post", key: "global" }], handler: async () => null });
// @ts-expect-error: a key function returns a string
guard.safeAction({ name: "x", args: {}, rateLimit: [{ name: "post", key: () => 42 }], handler: async () => null });
// @ts-expect-error: resourceId must name an argument
guard.safeAction({ name: "x", args: { d: v.string() }, resourceId: "e", handler: async () => null });
// ... a string argument: an id, an optional string, a union of literals; never an object,
// an array or a number (stored as "[object Object]", items joined, a number's text).
guard.safeAction({ name: "x", args: { d: v.id("users") }, resourceId: "d", handler: async () => null });
guard.safeAction({ name: "x", args: { d: v.optional(v.string()) }, resourceId: "d", handler: async () => null });
guard.safeAction({ name: "x", args: { d: v.union(v.literal("a"), v.literal("b")) }, resourceId: "d", handler: async () => null });
// @ts-expect-error: resourceId names an object argument
guard.safeAction({ name: "x", args: { d: v.object({ id: v.string() }) }, resourceId: "d", handler: async () => null });
// @ts-expect-error: resourceId names an array argument
guard.safeAction({ name: "x", args: { d: v.array(v.string()) }, resourceId: "d", handler: async () => null });
// @ts-expect-error: resourceId names a number argument
guard.safeAction({ name: "x", args: { d: v.number() }, resourceId: "d", handler: async () => null });
// The handler receives what the check returned.
guard.safeAction({
  name: "x",
  args: {},
  check: (ctx) => guard.requireRole(ctx, "admin"),
  handler: async (_ctx, _args, { actor }) => actor.name,
});

// safeAction without `check`: the actor is the user row guard.requireUser returns, typed from
// the data model of the `action` it is passed to; never a string (a key written as if it were
// one was "upload:[object Object]": one budget for every user).
export const rowActor = action(
  guard.safeAction({
    name: "x",
    args: { d: v.string() },
    rateLimit: { name: "post", key: ({ actor }) => `upload:${actor._id}` },
    handler: async (_ctx, _args, { actor }) => {
      const id: GenericId<"users"> = actor._id;
      const name: string = actor.name;
      // @ts-expect-error: the default check's actor is the row, not its id
      const s: string = actor;
      return { id, name, s };
    },
  }),
);
// Made apart from its `action(...)` the data model is unknown: still a document with a typed
// `_id`, never a string (nor `any`), and the definition is still accepted by `action`.
const detached = guard.safeAction({
  name: "x",
  args: {},
  handler: async (_ctx, _args, { actor }) => {
    const id: GenericId<"users"> = actor._id;
    // @ts-expect-error: the default check's actor is a document
    const s: string = actor;
    return { id, s };
  },
});
export const detachedAction = action(detached);
action(
  guard.safeAction({
    name: "x",
    args: {},
    // @ts-expect-error: the row is not a key
    rateLimit: { name: "post", key: ({ actor }) => actor },
    handler: async () => null,
  }),
);
action(
  guard.safeAction({
    name: "x",
    args: {},
    // @ts-expect-error: the actor cannot be declared a string where the check returns a row
    handler: async (_ctx, _args, { actor }: { actor: string }) => actor,
  }),
);
// With a check, the actor is what it returns: a row (typed in an action), or a string.
export const roleActor = action(
  guard.safeAction({
    name: "x",
    args: {},
    check: (ctx) => guard.requireRole(ctx, "admin"),
    handler: async (_ctx, _args, { actor }) => {
      const id: GenericId<"users"> = actor._id;
      // @ts-expect-error: requireRole's row is not a string either
      const s: string = actor;
      return { id, s };
    },
  }),
);
guard.safeAction({
  name: "x",
  args: {},
  check: async () => "service",
  rateLimit: { name: "post", key: ({ actor }) => `svc:${actor}` },
  handler: async (_ctx, _args, { actor }) => {
    const s: string = actor;
    return s;
  },
});
// A check answering the row or null (guard.getUser): the handler's actor is the row, never null
// (null is UNAUTHENTICATED before the handler runs).
export const getUserActor = action(
  guard.safeAction({
    name: "x",
    args: {},
    check: (ctx) => guard.getUser(ctx),
    handler: async (_ctx, _args, { actor }) => {
      const id: GenericId<"users"> = actor._id;
      return id;
    },
  }),
);
// A check answering a decision is no actor: `{ ok: false }` would let in every caller it refused.
guard.safeAction({
  name: "x",
  args: {},
  // @ts-expect-error: a rate-limit decision is not an actor
  check: async () => ({ ok: false as boolean, retryAfter: 1000 }),
  handler: async () => null,
});
guard.safeAction({
  name: "x",
  args: {},
  // @ts-expect-error: a boolean is not an actor
  check: async () => true,
  handler: async () => null,
});
guard.safeAction({
  name: "x",
  args: {},
  // @ts-expect-error: a list of rows is not an actor
  check: async () => [{ _id: "u" }],
  handler: async () => null,
});
// An identity is: its tokenIdentifier is the key.
guard.safeAction({
  name: "x",
  args: {},
  check: async (ctx) => ctx.auth.getUserIdentity(),
  handler: async (_ctx, _args, { actor }) => actor.tokenIdentifier,
});
// `role:` / `permission:`: the guard's requireRole / requirePermission, the actor the user row
// (as without a check), typed from the action's data model.
export const adminRole = action(
  guard.safeAction({
    name: "x",
    args: {},
    role: "admin",
    rateLimit: { name: "post", key: ({ actor }) => `admin:${actor._id}` },
    handler: async (_ctx, _args, { actor }) => {
      const id: GenericId<"users"> = actor._id;
      const name: string = actor.name;
      // @ts-expect-error: the row, not its id
      const s: string = actor;
      return { id, name, s };
    },
  }),
);
export const notesPermission = action(
  guard.safeAction({
    name: "x",
    args: {},
    permission: "notes:delete", // under the configured "notes:*"
    handler: async (_ctx, _args, { actor }) => {
      const id: GenericId<"users"> = actor._id;
      return id;
    },
  }),
);
// @ts-expect-error: a role the guard does not configure
guard.safeAction({ name: "x", args: {}, role: "owner", handler: async () => null });
// @ts-expect-error: a permission the guard does not configure
guard.safeAction({ name: "x", args: {}, permission: "users:delete", handler: async () => null });
// @ts-expect-error: role beside check: one of them would go unchecked
guard.safeAction({ name: "x", args: {}, role: "admin", check: async () => "svc", handler: async () => null });
// @ts-expect-error: role beside permission
guard.safeAction({ name: "x", args: {}, role: "admin", permission: "notes:read", handler: async () => null });
// @ts-expect-error: permission beside check
guard.safeAction({ name: "x", args: {}, permission: "notes:read", check: async () => "svc", handler: async () => null });
// @ts-expect-error: a role name, never null (no requirement at all)
guard.safeAction({ name: "x", args: {}, role: null, handler: async () => null });

// With users.roleClaim the default check's actor is the identity.
const claimGuard = defineGuard({ roles: ["user"], users: { roleClaim: "role" }, rateLimits: { post: { rate: 1, period: 1000 } } });
export const identityActor = action(
  claimGuard.safeAction({
    name: "x",
    args: {},
    handler: async (_ctx, _args, { actor }) => {
      const token: string = actor.tokenIdentifier;
      // @ts-expect-error: the identity, not a string
      const s: string = actor;
      return { token, s };
    },
  }),
);

// With users.roleClaim beside a row setup, ctx.user is the users row, and access is declared on
// the same guard (one guard: roles from the token, documents owned by rows).
const clerkGuard = defineGuard({
  roles: ["user", "admin"],
  permissions: { user: ["notes:read"], admin: ["notes:*"] },
  users: { roleClaim: "role", identityField: "tokenIdentifier", index: "by_token" },
  access: { tables: { notes: { owner: "ownerId" } } },
  rateLimits: { post: { rate: 1, period: 1000 } },
});
export const clerkEdit = clerkGuard.mutation(mutation, {
  args: { id: v.string() },
  permission: "notes:read",
  access: { table: "notes", arg: "id", level: "editor" },
  rateLimit: { name: "post" },
  handler: async (ctx) => {
    const id: GenericId<"users"> = ctx.user._id;
    const owner: GenericId<"users"> = ctx.doc.ownerId;
    // @ts-expect-error: a users row, not the identity
    const token: string = ctx.user.tokenIdentifier;
    return { id, owner, token };
  },
});
export const clerkActor = action(
  clerkGuard.safeAction({
    name: "x",
    args: {},
    handler: async (_ctx, _args, { actor }) => {
      const id: GenericId<"users"> = actor._id;
      return id;
    },
  }),
);

// With users.roleClaim the builders' ctx.user is the identity too, not a users row.
export const claimQuery = claimGuard.query(query, {
  args: {},
  handler: async (ctx) => {
    const token: string = ctx.user.tokenIdentifier;
    // @ts-expect-error: the identity has no users-row _id (a claim named _id would be JSON, not an id)
    const id: GenericId<"users"> = ctx.user._id;
    return { token, id };
  },
});
export const claimAction = claimGuard.action(action, {
  args: {},
  rateLimit: { name: "post" },
  handler: async (ctx) => ctx.user.subject,
});
export const claimCustom = claimGuard.customCtx<DM>({ role: "user" });
export const claimCustomUser: string = null! as Awaited<ReturnType<typeof claimCustom.input>>["ctx"]["user"]["tokenIdentifier"];
