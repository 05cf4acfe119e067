// The function builders' declarations, without Convex: the `__guard` shape tooling reads
// (`convex-guard audit`), and the checks run in order against a fake ctx before the handler.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defineGuard, guardRequirements } from "convex-guard";
import { v } from "convex/values";
import { ada, builder, code, ctx, uma } from "./builder-ctx.mjs";

const guard = defineGuard({
  roles: ["user", "admin"],
  permissions: { admin: ["notes:*"] },
  rateLimits: { post: { rate: 2, period: 60_000 } },
});

test("__guard is the documented shape, frozen and not enumerable", () => {
  const fn = guard.mutation(builder, {
    args: { org: v.string() },
    role: "admin",
    permission: "notes:write",
    rateLimit: { name: "post", key: { arg: "org" } },
    handler: async () => null,
  });
  assert.deepEqual(guardRequirements(fn), {
    version: 1,
    kind: "mutation",
    user: true,
    role: "admin",
    permission: "notes:write",
    rateLimit: { name: "post", key: { arg: "org" } },
    rateLimits: [{ name: "post", key: { arg: "org" } }],
    access: null,
  });
  assert.ok(!Object.keys(fn).includes("__guard"));
  assert.ok(Object.isFrozen(fn.__guard) && Object.isFrozen(fn.__guard.rateLimit.key));
  assert.equal(guardRequirements(builder({ handler: () => null })), undefined);
  assert.equal(guardRequirements(null), undefined);
});

test("the checks run before the handler, which sees ctx.user; keys from a declared argument only", async () => {
  const seen = [];
  const fn = guard.mutation(builder, {
    args: { org: v.string() },
    permission: "notes:write",
    rateLimit: { name: "post", key: { arg: "org" } },
    handler: async (c, args) => (seen.push([c.user._id, args.org]), "done"),
  });
  assert.equal(await code(fn._handler(ctx(null), { org: "o" })), "UNAUTHENTICATED");
  assert.equal(await code(fn._handler(ctx(uma), { org: "o" })), "FORBIDDEN");
  const c = ctx(ada);
  assert.equal(await code(fn._handler(c, { org: "o" })), "ok");
  assert.equal(await code(fn._handler(c, { org: "o" })), "ok");
  assert.equal(await code(fn._handler(c, { org: "o" })), "RATE_LIMITED");
  assert.equal(await code(fn._handler(c, { org: "p" })), "ok"); // another key
  // A key argument that is not a string is refused, never stringified.
  assert.equal(await code(fn._handler(c, { org: 7 })), "INVALID_ARGUMENT");
  assert.deepEqual(seen, [["u2", "o"], ["u2", "o"], ["u2", "p"]]);
});

test("a role and a permission: the caller is found once, and both are decided on that one row", async () => {
  // A review: requireRole then requirePermission found the caller twice; in an action, two
  // wired reads in two transactions, so the two decisions could be made on two rows.
  const guarded = defineGuard({ roles: ["user", "editor", "admin"], permissions: { editor: ["notes:read"], admin: ["notes:*"] } });
  const def = { args: {}, role: "editor", permission: "notes:write", handler: async (c) => c.user._id };
  const edd = { _id: "u3", tokenIdentifier: "i|edd", role: "editor" };
  const fn = guarded.mutation(builder, def);
  for (const [who, want] of [[null, "UNAUTHENTICATED"], [uma, "FORBIDDEN"], [edd, "FORBIDDEN"], [ada, "ok"]]) {
    const c = ctx(who);
    let reads = 0;
    const query = c.db.query;
    c.db.query = (table) => ((reads += table === "users" ? 1 : 0), query(table));
    const outcome = await fn._handler(c, {}).then(() => "ok", (e) => e.data);
    if (want === "ok") assert.equal(outcome, "ok");
    else assert.equal(outcome.code, want, JSON.stringify(who));
    if (who === edd) assert.equal(outcome.message, "Permission 'notes:write' required");
    if (who === uma) assert.equal(outcome.message, "Role 'editor' or higher required");
    assert.equal(reads, who === null ? 0 : 1, `${who?._id}: users read once`);
  }
  // In an action: one wired getUser, asked for the role, whatever it answers.
  const action = guarded.action(builder, def);
  for (const [who, want] of [[edd, "FORBIDDEN"], [ada, "ok"]]) {
    const asked = [];
    const c = {
      auth: { getUserIdentity: async () => ({ tokenIdentifier: who.tokenIdentifier, subject: "s", issuer: "i" }) },
      runQuery: async (_fn, q) => (asked.push(q), { users: q.users, user: who }),
      runMutation: async () => assert.fail("no mutation"),
    };
    assert.equal(await action._handler(c, {}).then(() => "ok", (e) => e.data.code), want);
    assert.deepEqual(asked.map((q) => q.role ?? q.permission), ["editor"]);
  }
});

test("a builder with access finds the caller once: its access check decides on the row the user check found", async () => {
  // The access check read the identity and the users row again, in the same transaction.
  const docs = defineGuard({ roles: ["user"], access: { tables: { notes: { owner: "ownerId" } } } });
  const fn = docs.query(builder, {
    args: { id: v.string() },
    access: { table: "notes", arg: "id", level: "owner" },
    handler: async (c) => [c.user._id, c.doc.title, c.accessLevel],
  });
  const notes = [{ _id: "notes:1", ownerId: "u1", title: "mine" }, { _id: "notes:2", ownerId: "u2", title: "ada's" }];
  for (const [id, want] of [["notes:1", "ok"], ["notes:2", "NOT_FOUND"], ["notes:9", "NOT_FOUND"]]) {
    const c = ctx(uma);
    let identities = 0;
    let users = 0;
    const { getUserIdentity } = c.auth;
    c.auth.getUserIdentity = () => (identities++, getUserIdentity());
    const query = c.db.query;
    c.db.query = (table) => ((users += table === "users" ? 1 : 0), query(table));
    c.db.normalizeId = (table, raw) => (raw.startsWith(`${table}:`) ? raw : null);
    c.db.get = async (raw) => notes.find((n) => n._id === raw) ?? null;
    const outcome = await fn._handler(c, { id }).then((r) => r, (e) => e.data.code);
    assert.deepEqual(outcome, want === "ok" ? ["u1", "mine", "owner"] : want, id);
    assert.deepEqual([identities, users], [1, 1], `${id}: the identity and the users row read once`);
  }
});

test("a builder with access works on a ctx whose getters read private fields, and leaves no mark on it", async () => {
  // An attacker's review: the access check ran on Object.create(ctx), on which such a getter
  // throws ("Cannot read private member"), and a getter could read the mark it carried.
  const docs = defineGuard({ roles: ["user"], access: { tables: { notes: { owner: "ownerId" } } } });
  const fn = docs.query(builder, { args: { id: v.string() }, access: { table: "notes", arg: "id", level: "owner" }, handler: async (c) => c.doc.title });
  const inner = ctx(uma);
  inner.db.normalizeId = (table, raw) => (raw.startsWith(`${table}:`) ? raw : null);
  inner.db.get = async (raw) => (raw === "notes:1" ? { _id: "notes:1", ownerId: "u1", title: "mine" } : null);
  const seen = [];
  class Ctx {
    #ctx = inner;
    get db() {
      seen.push(Object.getOwnPropertySymbols(this).length);
      return this.#ctx.db;
    }
    get auth() {
      return this.#ctx.auth;
    }
  }
  const c = new Ctx();
  assert.equal(await fn._handler(c, { id: "notes:1" }), "mine");
  assert.ok(seen.length > 0 && seen.every((n) => n === 0), "no symbol on the ctx the getters see");
});

test("an argument key cannot spend a user's or the global budget: it is its own namespace", async () => {
  const handler = async () => "done";
  const mine = guard.mutation(builder, { args: {}, rateLimit: { name: "post" }, handler });
  const everyone = guard.mutation(builder, { args: {}, rateLimit: { name: "post", key: "global" }, handler });
  const room = guard.mutation(builder, { args: { room: v.string() }, rateLimit: { name: "post", key: { arg: "room" } }, handler });
  const rows = [];
  // The attacker names the victim's id, then "global", as the room, until the room is spent.
  for (const target of [uma._id, "global"]) {
    for (let i = 0; i < 2; i++) assert.equal(await code(room._handler(ctx(ada, rows), { room: target })), "ok");
    assert.equal(await code(room._handler(ctx(ada, rows), { room: target })), "RATE_LIMITED");
  }
  // The victim's own budget and everyone's are untouched.
  assert.equal(await code(mine._handler(ctx(uma, rows), {})), "ok");
  assert.equal(await code(everyone._handler(ctx(uma, rows), {})), "ok");
  assert.deepEqual(
    rows.map((r) => r.key),
    [`arg:room:${uma._id}`, "arg:room:global", uma._id, "global"],
  );
});

test("an argument key: empty, not a string, or over 1,024 characters with its prefix is refused, never cut", async () => {
  const room = guard.mutation(builder, { args: { room: v.string() }, rateLimit: { name: "post", key: { arg: "room" } }, handler: async () => "done" });
  const rows = [];
  const room1024 = "r".repeat(1024 - "arg:room:".length);
  assert.equal(await code(room._handler(ctx(ada, rows), { room: room1024 })), "ok");
  for (const value of [room1024 + "r", "", 7, undefined, { toString: () => "global" }]) {
    assert.equal(await code(room._handler(ctx(ada, rows), { room: value })), "INVALID_ARGUMENT", String(value));
  }
  assert.deepEqual(rows.map((r) => r.key), [`arg:room:${room1024}`]);
});

test("with users.roleClaim the user key is the identity's tokenIdentifier: one budget per caller, not one for all", async () => {
  const claims = defineGuard({ roles: ["user"], users: { roleClaim: "role" }, rateLimits: { post: { rate: 1, period: 60_000 } } });
  const fn = claims.mutation(builder, { args: {}, rateLimit: { name: "post" }, handler: async () => "done" });
  const rows = [];
  const as = (sub) => ({ ...ctx(null, rows), auth: { getUserIdentity: async () => ({ tokenIdentifier: `i|${sub}`, subject: sub, issuer: "i", role: "user" }) } });
  assert.equal(await code(fn._handler(as("a"), {})), "ok");
  assert.equal(await code(fn._handler(as("a"), {})), "RATE_LIMITED");
  assert.equal(await code(fn._handler(as("b"), {})), "ok");
  assert.deepEqual(rows.map((r) => r.key), ["i|a", "i|b"]);
});

test("declarations that cannot hold are configuration errors at first use", async () => {
  const handler = async () => "ran";
  for (const [make, message] of [
    [() => guard.query(builder, { args: {}, rateLimit: { name: "post" }, handler }), /cannot take from a rate limit/],
    [() => guard.mutation(builder, { args: {}, rateLimit: { name: "post", key: { arg: "constructor" } }, handler }), /rateLimit\.key/],
    [() => guard.mutation(builder, { args: {}, rateLimit: { name: "post", key: "anyone" }, handler }), /rateLimit\.key/],
    [() => guard.action(builder, { args: { id: v.string() }, access: { table: "t", arg: "id", level: "viewer" }, handler }), /an action has no database/],
    // A key argument that is not a required string is no key: every call would be refused as
    // the caller's INVALID_ARGUMENT (a left-out optional one, or a planted one, worse).
    ...[v.number(), v.optional(v.string()), v.union(v.string(), v.number()), v.any()].map((validator) => [
      () => guard.mutation(builder, { args: { room: validator }, rateLimit: { name: "post", key: { arg: "room" } }, handler }),
      /^guard\.mutation: rateLimit\.key\.arg 'room' must be a required string argument \(v\.string\(\), v\.id\(\.\.\.\)\): any other value is no key$/,
    ]),
    // No validator at all is refused as args, before the key is read.
    ...[null, "v"].map((validator) => [
      () => guard.mutation(builder, { args: { room: validator }, rateLimit: { name: "post", key: { arg: "room" } }, handler }),
      /^guard\.mutation: args\.room must be a validator/,
    ]),
  ]) {
    const fn = make();
    await assert.rejects(fn._handler(ctx(ada), {}), (e) => e.name === "GuardConfigError" && message.test(e.message));
  }
  assert.throws(() => guard.query("not a builder", { args: {}, handler }), { name: "GuardConfigError" });
  // Strings of any shape are keys: v.string(), v.id(...), string literals and unions of them.
  for (const validator of [v.string(), v.id("rooms"), v.union(v.literal("a"), v.id("rooms"))]) {
    const fn = guard.mutation(builder, { args: { room: validator }, rateLimit: { name: "post", key: { arg: "room" } }, handler });
    assert.equal(await code(fn._handler(ctx(ada), { room: "r1" })), "ok");
  }
  // A customization sees no arguments: a key from one is refused at every call, never the
  // caller's INVALID_ARGUMENT.
  const custom = guard.customCtx({ rateLimit: { name: "post", key: { arg: "room" } } });
  for (let i = 0; i < 2; i++) {
    await assert.rejects(custom.input(ctx(ada), { room: "r1" }), /^GuardConfigError: guard\.customCtx: rateLimit\.key cannot be \{ arg \}: a customization sees no arguments/);
  }
});

test("returns goes to the app's builder as declared (Convex validates the answer), and a handler need not be async", async () => {
  // A new user's review: builders refused `returns`, and the types wanted a Promise.
  const given = [];
  const keeping = (def) => (given.push(def), Object.assign(() => {}, { _handler: def.handler, exportArgs: () => "{}" }));
  const returns = v.string();
  const fn = guard.query(keeping, { args: {}, returns, handler: (c) => c.user._id });
  assert.equal(given[0].returns, returns);
  assert.equal(await fn._handler(ctx(uma), {}), "u1");
  assert.equal(await code(fn._handler(ctx(null), {})), "UNAUTHENTICATED");
  // None declared: none passed (not `returns: undefined`); an inherited one is no declaration.
  guard.mutation(keeping, { args: {}, handler: async () => null });
  guard.mutation(keeping, Object.assign(Object.create({ returns: v.number() }), { args: {}, handler: async () => null }));
  assert.ok(!("returns" in given[1]) && !("returns" in given[2]));
});

test("a misspelt requirement is refused at every call, never dropped: no signed-in user gets through", async () => {
  let ran = 0;
  const handler = async () => (ran++, "ran");
  for (const [make, message] of [
    [() => guard.mutation(builder, { args: {}, permision: "notes:delete", handler }), /^guard\.mutation: unknown key 'permision' \(did you mean 'permission'\?\)$/],
    [() => guard.query(builder, { args: {}, rol: "admin", handler }), /^guard\.query: unknown key 'rol' \(did you mean 'role'\?\)$/],
    [() => guard.query(builder, { args: {}, return: v.string(), handler }), /^guard\.query: unknown key 'return' \(did you mean 'returns'\?\)$/],
    [() => guard.query(builder, { args: { id: "v" }, access: { table: "notes", arg: "id", levl: "owner" }, handler }), /^guard\.query's access: unknown key 'levl' \(did you mean 'level'\?\)$/],
    [() => guard.mutation(builder, { args: {}, rateLimit: { name: "post", kye: "global" }, handler }), /^guard\.mutation's rateLimit: unknown key 'kye' \(did you mean 'key'\?\)$/],
    [() => guard.action(builder, { args: { room: "v" }, rateLimit: { name: "post", key: { arg: "room", prefix: "x" } }, handler }), /^guard\.action's rateLimit\.key: unknown key 'prefix' \(it reads 'arg'\)$/],
  ]) {
    const fn = make();
    // uma is signed in with the lowest role: the dropped requirement would have let her through.
    for (let i = 0; i < 2; i++) {
      await assert.rejects(fn._handler(ctx(uma), { id: "n1", room: "r" }), (e) => e.name === "GuardConfigError" && message.test(e.message));
    }
  }
  assert.equal(ran, 0);
  // A customization's requirements too (its `input` runs before every function of the builder).
  const custom = guard.customCtx({ premission: "notes:delete" });
  await assert.rejects(custom.input(ctx(uma), {}), /^GuardConfigError: guard\.customCtx: unknown key 'premission' \(did you mean 'permission'\?\)$/);
  // The same declarations spelt right still run for those they admit.
  const right = guard.mutation(builder, { args: {}, permission: "notes:delete", handler });
  assert.equal(await code(right._handler(ctx(uma), {})), "FORBIDDEN");
  assert.equal(await right._handler(ctx(ada), {}), "ran");
});

test("a definition the types refuse is refused at run time too: no requirement is quietly none", async () => {
  const { v } = await import("convex/values");
  let ran = 0;
  const handler = async () => (ran++, "ran");
  for (const [make, message] of [
    [() => guard.mutation(builder, { args: {}, role: null, handler }), /^guard\.mutation: role must be a role name/],
    [() => guard.query(builder, { args: {}, permission: ["notes:delete"], handler }), /^guard\.query: permission must be a permission name/],
    [() => guard.query(builder, { args: {}, role: "", handler }), /^guard\.query: role must be a role name/],
    [() => guard.query(builder, { handler }), /^guard\.query: args must be an object of validators/],
    // An entry that is no validator was Convex's "v.object() entries must be validators" (attack41 L4).
    [() => guard.query(builder, { args: { id: v.string(), x: 5 }, handler }), /^guard\.query: args\.x must be a validator \(v\.string\(\), v\.id\("documents"\), \.\.\.\)$/],
    [() => guard.mutation(builder, { args: { x: "v" }, handler }), /^guard\.mutation: args\.x must be a validator/],
    // An access table that is no string was a bare TypeError where the function is defined (attack41 L3).
    [() => guard.query(builder, { args: { id: v.string() }, access: { table: 5, arg: "id", level: "owner" }, handler }), /^guard\.query: access\.table must be a table of access\.tables \(access: \{ table, arg, level \}\)$/],
    // v.object's own fields (`kind`, `fields`) are not arguments: its fields are, never its own.
    [() => guard.query(builder, { args: v.object({ id: v.string() }), access: { table: "notes", arg: "fields", level: "owner" }, handler }), /access\.arg 'fields' is not one of its arguments/],
    // An access without a level (JavaScript): refused naming the fix, not a TypeError at each call (attack40 F4).
    [() => guard.query(builder, { args: { id: v.string() }, access: { table: "notes", arg: "id" }, handler }), /^guard\.query: access\.level must be the level the caller needs, one of access\.levels \(access: \{ table, arg, level \}\)$/],
    [() => guard.query(builder, { args: { id: v.string() }, access: { table: "notes", arg: "id", level: 1 }, handler }), /^guard\.query: access\.level must be the level/],
    [() => guard.query(builder, { args: { id: v.string() }, access: { arg: "id", level: "owner" }, handler }), /^guard\.query: access\.table must be a table of access\.tables/],
    // `arg:team:id:42` either way: a name with ':' is refused.
    [() => guard.mutation(builder, { args: { "team:id": v.string() }, rateLimit: { name: "post", key: { arg: "team:id" } }, handler }), /rateLimit\.key\.arg 'team:id' cannot hold a ':'/],
    // null is never "none": not for a limit, an access requirement or a key (which would read as "user").
    [() => guard.mutation(builder, { args: {}, rateLimit: null, handler }), /^guard\.mutation: rateLimit must be an object \(leave it out for none\)$/],
    [() => guard.query(builder, { args: { id: v.string() }, access: null, handler }), /^guard\.query: access must be an object \(leave it out for none\)$/],
    [() => guard.mutation(builder, { args: {}, rateLimit: { name: "post", key: null }, handler }), /^guard\.mutation's rateLimit\.key must be "user", "global" or \{ arg \}/],
    [() => guard.mutation(builder, { args: {} }), /^guard\.mutation: handler must be a function/],
    [() => guard.query(builder, { args: {}, handler: "ran" }), /^guard\.query: handler must be a function/],
  ]) {
    const fn = make();
    await assert.rejects(fn._handler(ctx(uma), { id: "n1", "team:id": "42" }), (e) => e.name === "GuardConfigError" && message.test(e.message));
  }
  await assert.rejects(guard.customCtx({ role: null }).input(ctx(uma), {}), /guard\.customCtx: role must be a role name/);
  assert.equal(ran, 0);
});

test("an access argument declared as another table's id, or as a validator that admits no string, is refused, naming the argument and both tables; a string, v.any() or the table's id is not", async () => {
  const { v } = await import("convex/values");
  let ran = 0;
  const handler = async () => (ran++, "ran");
  const tasks = (args) => ({ args, access: { table: "tasks", arg: "id", level: "viewer" }, handler });
  for (const [def, message] of [
    [tasks({ id: v.id("projects") }), /^guard\.query: access\.arg 'id' is an id of table 'projects', not of the access table 'tasks': every call would answer NOT_FOUND \(declare it v\.id\("tasks"\), or v\.string\(\)\)$/],
    [tasks({ id: v.optional(v.id("projects")) }), /access\.arg 'id' is an id of table 'projects', not of the access table 'tasks'/],
    [tasks({ id: v.union(v.id("projects"), v.id("users")) }), /access\.arg 'id' is an id of table 'projects' or table 'users', not of the access table 'tasks'/],
    // attack42 L1: past the types, a validator that admits no string at all.
    [tasks({ id: v.number() }), /^guard\.query: access\.arg 'id' never holds a document id \(its validator admits no string: float64\): every call would answer NOT_FOUND \(declare it v\.id\("tasks"\), or v\.string\(\)\)$/],
    [tasks({ id: v.boolean() }), /access\.arg 'id' never holds a document id \(its validator admits no string: boolean\)/],
    [tasks({ id: v.array(v.id("tasks")) }), /access\.arg 'id' never holds a document id \(its validator admits no string: array\)/],
    [tasks({ id: v.object({ x: v.string() }) }), /access\.arg 'id' never holds a document id \(its validator admits no string: object\)/],
    [tasks({ id: v.optional(v.union(v.number(), v.null())) }), /access\.arg 'id' never holds a document id \(its validator admits no string: float64 \| null\)/],
  ]) {
    const fn = guard.query(builder, def);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(fn._handler(ctx(ada), { id: "p1" }), (e) => e.name === "GuardConfigError" && message.test(e.message));
    }
  }
  // Accepted: the next check (this guard configures no access) is what refuses them, where
  // they are defined (a definition refused is refused at its calls, and never reaches it).
  for (const id of [v.id("tasks"), v.string(), v.optional(v.id("tasks")), v.union(v.id("tasks"), v.id("projects")), v.union(v.string(), v.id("projects")), v.any(), v.union(v.number(), v.string())]) {
    assert.throws(() => guard.query(builder, tasks({ id })), /^GuardConfigError: guard\.query: access table 'tasks' is not configured \(configured: none\)$/);
  }
  assert.equal(ran, 0);
});

test("a builder of another kind is refused where it is given: __guard never names the wrong kind", async () => {
  const { queryGeneric, mutationGeneric, actionGeneric } = await import("convex/server");
  const handler = async () => null;
  assert.throws(() => guard.query(mutationGeneric, { args: {}, handler }), /^GuardConfigError: guard\.query was given the app's mutation builder: use guard\.mutation/);
  assert.throws(() => guard.mutation(queryGeneric, { args: {}, handler }), /guard\.mutation was given the app's query builder/);
  assert.throws(() => guard.query(actionGeneric, { args: {}, handler }), /guard\.query was given the app's action builder/);
  assert.equal(guardRequirements(guard.mutation(mutationGeneric, { args: {}, handler })).kind, "mutation");
});

test("editing a definition after it is registered changes nothing it checks or refuses", async () => {
  const def = { args: {}, permission: "notes:delete", handler: async () => "ran" };
  const fn = guard.mutation(builder, def);
  def.permission = undefined;
  def.role = null;
  def.permision = "x";
  assert.equal(await code(fn._handler(ctx(uma), {})), "FORBIDDEN");
  assert.equal(await fn._handler(ctx(ada), {}), "ran");
  assert.equal(guardRequirements(fn).permission, "notes:delete");
  // At every depth: a key added to its rate limit later is not read, nor refused.
  const limited = { args: {}, rateLimit: { name: "post" }, handler: async () => "ran" };
  const post = guard.mutation(builder, limited);
  limited.rateLimit.kye = "global";
  assert.equal(await post._handler(ctx(ada, []), {}), "ran");
  // The handler too: the one registered is the one that runs.
  limited.handler = async () => "swapped";
  assert.equal(await post._handler(ctx(ada, []), {}), "ran");
});

test("guard.action takes only the guard's own answers from the wired functions: anything else fails closed, naming the function", async () => {
  // What the function exported at guardFunctions:getUser / :rateLimit answers, when it is not
  // the guard's (hand-written, or another guard's): before, a getUser answering null ran an
  // admin-only handler with ctx.user === null, and { ok: "false" } admitted.
  let ran = 0;
  const admin = guard.action(builder, { args: {}, role: "admin", handler: async (ctx) => (ran++, ctx.user) });
  const limited = guard.action(builder, { args: {}, rateLimit: { name: "post" }, handler: async () => (ran++, "ran") });
  // The caller is, by default, the one whose row (or identity) the wired getUser answers.
  const identityOf = (who) =>
    typeof who?.tokenIdentifier === "string" ? { tokenIdentifier: who.tokenIdentifier, subject: "s", issuer: "i", ...(who.role === undefined ? {} : { role: who.role }) } : null;
  // The answers come back as the guard's own functions give them: with the users setup, or
  // the limit's configuration, they were asked for (a function that echoes nothing is refused
  // before its answer is read: see the next test).
  const actionCtx = (user, decision, caller = user) => ({
    auth: { getUserIdentity: async () => identityOf(caller) },
    runQuery: async (_fn, { users }) => ({ users, user }),
    runMutation: async (_fn, { config }) => ({ ...decision, config }),
  });
  const admitted = { ok: true, remaining: 1, retryAfter: 0 };
  const refused = (message) => (e) => e.name === "GuardConfigError" && message.test(e.message);
  const notGetUser = /^'guardFunctions:getUser' answered something that is not the guard's answer \(a users row with an _id\): export `export const \{ getUser, rateLimit \} = guard\.internalFunctions\(internalQuery, internalMutation\);` from convex\/guardFunctions\.ts/;
  for (const user of [null, undefined, true, "u2", {}, { _id: 5 }, { ok: true }, [ada]]) {
    await assert.rejects(admin._handler(actionCtx(user, admitted), {}), refused(notGetUser), JSON.stringify(user));
    // The same checks called by hand in an action.
    await assert.rejects(guard.requireUser(actionCtx(user, admitted)), refused(notGetUser));
  }
  const notRateLimit = /^'guardFunctions:rateLimit' answered something that is not the guard's answer \(a decision \{ ok, remaining, retryAfter \}\): export /;
  for (const decision of [undefined, null, true, {}, { ok: "false" }, { ok: 0 }, { ok: false }, { ok: false, remaining: 0, retryAfter: NaN }, { ok: false, remaining: 0, retryAfter: -1 }, { ok: true, remaining: 0, retryAfter: 5 }, { ok: true, remaining: Infinity, retryAfter: 0 }]) {
    // Never a success, and never "Try again in NaN seconds".
    await assert.rejects(limited._handler(actionCtx(uma, decision), {}), refused(notRateLimit), JSON.stringify(decision));
    await assert.rejects(guard.checkRateLimit(actionCtx(uma, decision), "post", { key: "k" }), refused(notRateLimit));
  }
  assert.equal(ran, 0);
  // The guard's own answers still work: its row, its denial, and getUser's null for nobody.
  assert.equal(await admin._handler(actionCtx(ada, admitted), {}), ada);
  assert.equal(await limited._handler(actionCtx(uma, admitted), {}), "ran");
  const denied = await limited._handler(actionCtx(uma, { ok: false, remaining: 0, retryAfter: 1500 }), {}).catch((e) => e.data);
  assert.deepEqual(denied, { code: "RATE_LIMITED", message: "Too many requests. Try again in 2 seconds", retryAfter: 1500 });
  assert.equal(await guard.getUser(actionCtx(null, admitted)), null);
  await assert.rejects(guard.getUser(actionCtx({}, admitted)), refused(notGetUser));
  // With users.roleClaim the guard's getUser answers the identity (no _id).
  const claims = defineGuard({ roles: ["user", "admin"], users: { roleClaim: "role" } });
  const identity = { tokenIdentifier: "i|ada", subject: "ada", issuer: "i", role: "admin" };
  assert.equal(await claims.requireRole(actionCtx(identity, admitted), "admin"), identity);
  await assert.rejects(claims.requireUser(actionCtx({ _id: "u2" }, admitted)), refused(/answered something that is not the guard's answer \(an identity with a tokenIdentifier\)/));
  // A well-formed row the policy does not admit (a foreign getUser that checks nothing) is
  // not the guard's answer either: the role and the permission are decided again.
  await assert.rejects(admin._handler(actionCtx(uma, admitted), {}), refused(/getUser' answered something that is not the guard's answer \(a caller of role 'admin' or above\)/));
  await assert.rejects(guard.requirePermission(actionCtx(uma, admitted), "notes:delete"), refused(/\(a caller with 'notes:delete'\)/));
  assert.equal(await guard.requirePermission(actionCtx(ada, admitted), "notes:delete"), ada);
  await assert.rejects(claims.requireRole(actionCtx({ ...identity, role: "user" }, admitted), "admin"), refused(/a caller of role 'admin' or above/));
  // Another user's row, well-formed and of a role the policy admits (a getUser answering a
  // fixed admin, or the first row): not this caller's, so not the guard's answer.
  const notCallers = refused(/getUser' answered something that is not the guard's answer \(the caller's own users row\)/);
  await assert.rejects(admin._handler(actionCtx(ada, admitted, uma), {}), notCallers);
  await assert.rejects(guard.requireUser(actionCtx(ada, admitted, uma)), notCallers);
  await assert.rejects(guard.getUser(actionCtx(ada, admitted, null)), notCallers);
  // With roleClaim: the caller's tokenIdentifier and role claim, not a raised one.
  await assert.rejects(claims.requireRole(actionCtx(identity, admitted, { ...identity, role: "user" }), "admin"), refused(/\(the caller's own identity\)/));
  await assert.rejects(claims.requireUser(actionCtx(identity, admitted, { ...identity, tokenIdentifier: "i|uma" })), refused(/\(the caller's own identity\)/));
  // A role claim that is no role name (an array: no role) is still the caller's after crossing as JSON.
  const listed = { ...identity, role: ["admin"] };
  assert.deepEqual(await claims.requireUser(actionCtx(JSON.parse(JSON.stringify(listed)), admitted, listed)), listed);
  await assert.rejects(claims.requireRole(actionCtx(listed, admitted, listed), "admin"), refused(/a caller of role 'admin' or above/));
  // With Convex Auth: the row the subject's user id names.
  const convexAuth = defineGuard({ roles: ["user", "admin"], users: { convexAuth: true } });
  const auth = (subject) => ({ auth: { getUserIdentity: async () => ({ tokenIdentifier: `i|${subject}`, subject, issuer: "i" }) } });
  const answersAda = async (_fn, { users }) => ({ users, user: ada });
  assert.equal(await convexAuth.requireRole({ ...auth("u2|session"), runQuery: answersAda }, "admin"), ada);
  await assert.rejects(convexAuth.requireRole({ ...auth("u1|session"), runQuery: answersAda }, "admin"), notCallers);
  assert.equal(ran, 2); // the two calls the guard's own answers admitted above, no more
});

test("a method that reads the database, given an action's ctx, is a GuardConfigError naming the fix, never a TypeError", async () => {
  // An attacker's review: readable, consumeConfirmation, rateLimitAll... threw "Cannot read
  // properties of undefined (reading 'query')" from deep inside.
  const full = defineGuard({
    roles: ["user", "admin"],
    access: { tables: { notes: { owner: "ownerId" } } },
    rateLimits: { post: { rate: 1, period: 60_000 } },
    confirmations: {},
  });
  const action = { auth: { getUserIdentity: async () => null }, runQuery: async () => null, runMutation: async () => null, runAction: async () => null };
  const calls = {
    readable: (ctx) => full.readable(ctx, "notes", "n1"),
    readableMany: (ctx) => full.readableMany(ctx, "notes", ["n1"]),
    requireAccess: (ctx) => full.requireAccess(ctx, "notes", "n1", "viewer"),
    readableFor: (ctx) => full.readableFor(ctx, "u1", "notes", "n1"),
    requireAccessFor: (ctx) => full.requireAccessFor(ctx, "u1", "notes", "n1", "viewer"),
    requireRoleFor: (ctx) => full.requireRoleFor(ctx, "u1", "admin"),
    requirePermissionFor: (ctx) => full.requirePermissionFor(ctx, "u1", "notes:write"),
    share: (ctx) => full.share(ctx, "notes", "n1", { userId: "u1", level: "viewer" }),
    revoke: (ctx) => full.revoke(ctx, "notes", "n1", { userId: "u1" }),
    listGrants: (ctx) => full.listGrants(ctx, "notes", "n1", { numItems: 1, cursor: null }),
    transferOwnership: (ctx) => full.transferOwnership(ctx, "notes", "n1", "u1"),
    moveDocument: (ctx) => full.moveDocument(ctx, "notes", "n1", null),
    insertDocument: (ctx) => full.insertDocument(ctx, "notes", { title: "t" }),
    deleteDocument: (ctx) => full.deleteDocument(ctx, "notes", "n1"),
    listAccessible: (ctx) => full.listAccessible(ctx, "notes", { numItems: 1, cursor: null }),
    createGroup: (ctx) => full.createGroup(ctx, { name: "g" }),
    addGroupMember: (ctx) => full.addGroupMember(ctx, "g1", "u1"),
    acceptGroupInvite: (ctx) => full.acceptGroupInvite(ctx, "g1"),
    leaveGroup: (ctx) => full.leaveGroup(ctx, "g1"),
    listMyGroups: (ctx) => full.listMyGroups(ctx, { numItems: 1, cursor: null }),
    listGroupMembers: (ctx) => full.listGroupMembers(ctx, "g1", { paginationOpts: { numItems: 1, cursor: null } }),
    renameGroup: (ctx) => full.renameGroup(ctx, "g1", "g"),
    groupLevel: (ctx) => full.groupLevel(ctx, "g1"),
    requireGroupLevel: (ctx) => full.requireGroupLevel(ctx, "g1", "viewer"),
    groupLevelFor: (ctx) => full.groupLevelFor(ctx, "u1", "g1"),
    requireGroupLevelFor: (ctx) => full.requireGroupLevelFor(ctx, "u1", "g1", "viewer"),
    removeGroupMember: (ctx) => full.removeGroupMember(ctx, "g1", "u1"),
    forgetUser: (ctx) => full.forgetUser(ctx, "u1"),
    resetRateLimit: (ctx) => full.resetRateLimit(ctx, "post", { key: "k" }),
    getRateLimitState: (ctx) => full.getRateLimitState(ctx, "post", { key: "k" }),
    issueConfirmation: (ctx) => full.issueConfirmation(ctx, { actor: "a", action: "x", target: "t" }),
    consumeConfirmation: (ctx) => full.consumeConfirmation(ctx, { actor: "a", action: "x", target: "t", code: "00000000" }),
  };
  for (const [name, call] of Object.entries(calls)) {
    await assert.rejects(
      async () => call(action),
      (e) => e.name === "GuardConfigError" && e.message === `guard.${name} reads the database, which an action has not: call it in a query or mutation (through ctx.runQuery or ctx.runMutation)`,
      name,
    );
  }
  // The writing methods in a query: its db has no insert (before, a TypeError halfway through,
  // e.g. consumeConfirmation's "db(...).patch is not a function" after the code was compared).
  const reads = { query: () => ({ withIndex: () => ({ first: async () => null, take: async () => [] }) }), get: async () => null, normalizeId: () => null };
  const query = { auth: { getUserIdentity: async () => ({ subject: "s", issuer: "i", tokenIdentifier: "i|s" }) }, db: reads };
  const writers = ["share", "revoke", "transferOwnership", "moveDocument", "insertDocument", "deleteDocument", "createGroup", "addGroupMember", "acceptGroupInvite", "leaveGroup", "renameGroup", "removeGroupMember", "forgetUser", "resetRateLimit", "issueConfirmation", "consumeConfirmation"];
  for (const name of writers) {
    await assert.rejects(
      async () => calls[name](query),
      (e) => e.name === "GuardConfigError" && e.message === `guard.${name} writes to the database, which a query cannot: call it in a mutation (from an action, through ctx.runMutation)`,
      name,
    );
  }
  // A rate limit taken in a query (attack49 F6: `TypeError: db.insert is not a function`).
  for (const [name, call] of [
    ["rateLimit", () => full.rateLimit(query, "post", { key: "k" })],
    ["rateLimitAll", () => full.rateLimitAll(query, [{ name: "post", key: "k" }])],
  ]) {
    await assert.rejects(
      async () => call(),
      (e) => e.name === "GuardConfigError" && e.message === `guard.${name} writes to the database, which a query cannot: call it in a mutation or an action`,
      name,
    );
  }
  // The reading methods still read in a query (no refusal for a db without insert).
  await assert.doesNotReject(async () => full.getRateLimitState(query, "post", { key: "k" }));
  await assert.doesNotReject(async () => full.checkRateLimit(query, "post", { key: "k" }));
  // The action-aware checks still go through the wiring (here a stand-in that answers null,
  // which is not the guard's answer).
  await assert.rejects(full.getUser(action), (e) => e.name === "GuardConfigError" && e.message.startsWith("'guardFunctions:getUser' answered"));
  // rateLimitAll too (all or nothing through the wired rateLimit; before, it was refused as a database method).
  await assert.rejects(
    full.rateLimitAll(action, [{ name: "post", key: "k" }]),
    (e) => e.name === "GuardConfigError" && e.message.startsWith("'guardFunctions:rateLimit' answered something that is not the guard's answer (a decision of limit 'post' configured "),
  );
});

test("another guard's wired functions answer nothing for this one, and a function that does not echo the question is refused", async () => {
  // An attacker's review: `guard` (users in `users`) wired to another guard's functions (users
  // in `staff`, found by the same tokenIdentifier field; a laxer limit of the same name):
  // Mallory, a plain user in `users` and an admin in `staff`, passed requireRole("admin"), and
  // 5 of 5 posts passed a limit of 2 a minute.
  // Builders that keep the definition (`handler` is the function), marked as Convex marks an
  // internal function (the guard refuses any other).
  const internalQuery = (def) => ({ ...def, isQuery: true, isInternal: true });
  const internalMutation = (def) => ({ ...def, isMutation: true, isInternal: true });
  const other = defineGuard({
    roles: ["user", "admin"],
    permissions: { admin: ["notes:*"] },
    users: { table: "staff" },
    rateLimits: { post: { rate: 100, period: 60_000 } },
  });
  const mallory = { _id: "u9", tokenIdentifier: "i|mallory", role: "user" };
  const staffRow = { _id: "s1", tokenIdentifier: "i|mallory", role: "admin" };
  const rows = [staffRow];
  // Her `users` row, her `staff` row (found through the chain), and the rate-limit rows.
  const db = ctx(mallory, rows);
  /** An action ctx whose wired functions are `fns`' handlers over that database. */
  const wiredTo = (fns) => ({
    auth: db.auth,
    runQuery: (_fn, args) => fns.getUser.handler(db, args),
    runMutation: (_fn, args) => fns.rateLimit.handler(db, args),
  });
  const refused = (message) => (e) => e.name === "GuardConfigError" && message.test(e.message);
  const foreign = wiredTo(other.internalFunctions(internalQuery, internalMutation));
  const notItsUsers =
    /^'guardFunctions:getUser' answered something that is not the guard's answer \(a user found as this guard finds them: table users, field tokenIdentifier = claim tokenIdentifier, index by_tokenIdentifier, role field role; roles user < admin; it answers for table staff, field tokenIdentifier = claim tokenIdentifier, index by_tokenIdentifier, role field role; roles user < admin\): another guard's function answers there: give this guard a module of its own \(set its actions\.module, say "guard2Functions"\) exporting `export const \{ getUser, rateLimit \} = <this guard>\.internalFunctions\(internalQuery, internalMutation\);`$/;
  for (const check of [(c) => guard.requireRole(c, "admin"), (c) => guard.requirePermission(c, "notes:delete"), (c) => guard.requireUser(c), (c) => guard.getUser(c)]) {
    await assert.rejects(check(foreign), refused(notItsUsers));
  }
  const notItsLimit = /^'guardFunctions:rateLimit' answered something that is not the guard's answer \(a decision of limit 'post' configured ([^;]+); it answers for (?!\1\))[^)]+\): another guard's function answers there: give this guard a module of its own /;
  for (let i = 0; i < 5; i++) await assert.rejects(guard.rateLimit(foreign, "post", { key: "k" }), refused(notItsLimit));
  await assert.rejects(guard.checkRateLimit(foreign, "post", { key: "k" }), refused(notItsLimit));
  assert.deepEqual(rows, [staffRow], "the other guard took nothing from its own limit either");
  // A guard without a limit of that name says so (before: its INVALID_ARGUMENT reached the client as a denial).
  const without = wiredTo(defineGuard({ roles: ["user", "admin"] }).internalFunctions(internalQuery, internalMutation));
  await assert.rejects(guard.rateLimit(without, "post", { key: "k" }), refused(/\(a decision of limit 'post' configured [^;]+; its guard has no limit of that name\)/));
  // A name this guard does not know: INVALID_ARGUMENT, as in a mutation, before any function
  // is asked: one only the other guard knows is decided by nothing.
  await assert.rejects(guard.rateLimit(foreign, "nope", { key: "k" }), (e) => e.data?.code === "INVALID_ARGUMENT");
  const knowsMore = defineGuard({ roles: ["user", "admin"], rateLimits: { post: { rate: 2, period: 60_000 }, extra: { rate: 100, period: 60_000 } } });
  await assert.rejects(guard.rateLimit(wiredTo(knowsMore.internalFunctions(internalQuery, internalMutation)), "extra", { key: "k" }), (e) => e.data?.message === "unknown rate limit 'extra'");
  assert.deepEqual(rows, [staffRow]);

  // The guard's own functions over the same database: its own users and its own limit.
  const own = wiredTo(guard.internalFunctions(internalQuery, internalMutation));
  await assert.rejects(guard.requireRole(own, "admin"), (e) => e.data?.code === "FORBIDDEN");
  assert.deepEqual(await guard.requireUser(own), mallory);
  assert.deepEqual(await guard.rateLimit(own, "post", { key: "k" }), { ok: true, remaining: 1, retryAfter: 0 });
  assert.deepEqual(await guard.rateLimit(own, "post", { key: "k" }), { ok: true, remaining: 0, retryAfter: 0 });
  await assert.rejects(guard.rateLimit(own, "post", { key: "k" }), (e) => e.data?.code === "RATE_LIMITED");
  // Asked directly, without the guard's question (an app's own call), they answer as before.
  assert.deepEqual(await guard.internalFunctions(internalQuery, internalMutation).getUser.handler(db, { required: true }), mallory);

  // A hand-written function answering the caller's own row, or an admitting decision, but no
  // echo of the question: not the guard's.
  const bare = { auth: db.auth, runQuery: async () => mallory, runMutation: async () => ({ ok: true, remaining: 1, retryAfter: 0 }) };
  await assert.rejects(guard.requireUser(bare), refused(/getUser' answered something that is not the guard's answer \(a user found as this guard finds them: table users, [^;]+; roles user < admin\): export /));
  await assert.rejects(guard.rateLimit(bare, "post", { key: "k" }), refused(/rateLimit' answered something that is not the guard's answer \(a decision of limit 'post' configured [^;)]+\): export /));
  // One whose argument validator refuses the question (Convex's and convex-test's messages).
  for (const [message, field] of [["ArgumentValidationError: Object contains extra field `users` that is not in the validator.", "users"], ["Validator error: Unexpected field `config` in object", "config"]]) {
    const strict = { auth: db.auth, runQuery: async () => { throw new Error(message); }, runMutation: async () => { throw new Error(message); } };
    const call = field === "users" ? guard.requireUser(strict) : guard.rateLimit(strict, "post", { key: "k" });
    await assert.rejects(call, refused(new RegExp(`answered something that is not the guard's answer \\(it refused the argument '${field}' that the guard's own function takes\\): export `)));
  }
});

test("two guards, one module: another guard's answer names a module of this guard's own as the fix; a hand-written function keeps the one-guard fix", async () => {
  // A new user's review: `records` (users in `staff`) asked the default guardFunctions, which
  // exports `guard`'s functions, and the message's fix was to export exactly what the file
  // already exports.
  const internalQuery = (def) => ({ ...def, isQuery: true, isInternal: true });
  const internalMutation = (def) => ({ ...def, isMutation: true, isInternal: true });
  const mallory = { _id: "u9", tokenIdentifier: "i|mallory", role: "user" };
  const staffRow = { _id: "s1", tokenIdentifier: "i|mallory", role: "user" };
  const db = ctx(mallory, [staffRow]);
  const wiredTo = (fns) => ({ auth: db.auth, runQuery: (_fn, args) => fns.getUser.handler(db, args), runMutation: (_fn, args) => fns.rateLimit.handler(db, args) });
  const guards = wiredTo(guard.internalFunctions(internalQuery, internalMutation));
  const line = "`export const { getUser, rateLimit } = <this guard>.internalFunctions(internalQuery, internalMutation);`";
  const records = { roles: ["user", "admin"], users: { table: "staff" }, rateLimits: { post: { rate: 100, period: 60_000 } } };
  const refused = (start, end) => (e) => e.name === "GuardConfigError" && e.message.startsWith(start) && e.message.endsWith(end);
  const notGuards = (fn) => `'${fn}' answered something that is not the guard's answer (`;
  // Left at the default module: give it one of its own.
  const second = defineGuard(records);
  const ownModule = `: another guard's function answers there: give this guard a module of its own (set its actions.module, say "guard2Functions") exporting ${line}`;
  await assert.rejects(second.requireUser(guards), refused(`${notGuards("guardFunctions:getUser")}a user found as this guard finds them: table staff, `, ownModule));
  await assert.rejects(second.rateLimit(guards, "post", { key: "k" }), refused(`${notGuards("guardFunctions:rateLimit")}a decision of limit 'post' configured `, ownModule));
  await assert.rejects(second.rateLimitAll(guards, [{ name: "post", key: "k" }]), refused(notGuards("guardFunctions:rateLimit"), ownModule));
  // Its own module named, exporting the other guard's functions by mistake: export its own there.
  const moved = defineGuard({ ...records, actions: { module: "records" } });
  const there = `: another guard's function answers there: export ${line} from convex/records.ts, and each other guard's from a module of its own`;
  await assert.rejects(moved.requireUser(guards), refused(notGuards("records:getUser"), there));
  await assert.rejects(moved.rateLimit(guards, "post", { key: "k" }), refused(notGuards("records:rateLimit"), there));
  // Wired to its own functions, it answers.
  assert.deepEqual(await moved.requireUser(wiredTo(moved.internalFunctions(internalQuery, internalMutation))), staffRow);
  // One guard, a hand-written function (it echoes no setup): the message as it was.
  const bare = { auth: db.auth, runQuery: async () => mallory, runMutation: async () => ({ ok: true, remaining: 1, retryAfter: 0 }) };
  const fix = ": export `export const { getUser, rateLimit } = guard.internalFunctions(internalQuery, internalMutation);` from convex/guardFunctions.ts (or set actions.module)";
  await assert.rejects(
    guard.requireUser(bare),
    refused(`${notGuards("guardFunctions:getUser")}a user found as this guard finds them: table users, field tokenIdentifier = claim tokenIdentifier, index by_tokenIdentifier, role field role; roles user < admin)${fix}`, fix),
  );
  await assert.rejects(guard.rateLimit(bare, "post", { key: "k" }), refused(`${notGuards("guardFunctions:rateLimit")}a decision of limit 'post' configured `, `)${fix}`));
});

test("a name the guard does not configure (past the types) is the developer's GuardConfigError at every call, never the caller's INVALID_ARGUMENT", async () => {
  // A new user's review: a schema table left out of access.tables compiles, and every call
  // answered the client INVALID_ARGUMENT "table 'folders' is not configured under access.tables".
  const withAccess = defineGuard({ roles: ["user", "admin"], access: { tables: { notes: { owner: "ownerId" } } }, rateLimits: { post: { rate: 2, period: 60_000 } } });
  let ran = 0;
  const handler = async () => (ran++, "ran");
  for (const [make, message] of [
    [() => guard.query(builder, { args: {}, role: "admn", handler }), /^guard\.query: role 'admn' is not configured \(did you mean 'admin'\?\)$/],
    [() => guard.mutation(builder, { args: {}, rateLimit: { name: "pots" }, handler }), /^guard\.mutation: rate limit 'pots' is not configured \(did you mean 'post'\?\)$/],
    [() => guard.mutation(builder, { args: {}, permission: "notes::x", handler }), /^guard\.mutation\.permission: /],
    // A well-formed permission no role holds (a misspelt `note:write`) would refuse every caller
    // as FORBIDDEN, as a safe action's refuses at its call.
    [() => guard.mutation(builder, { args: {}, permission: "note:write", handler }), /^guard\.mutation: permission 'note:write' is not configured \(no role holds it\)$/],
    [() => guard.query(builder, { args: {}, role: "user", permission: "tasks:read", handler }), /^guard\.query: permission 'tasks:read' is not configured \(no role holds it\)$/],
    [() => withAccess.query(builder, { args: { id: v.string() }, access: { table: "notes", arg: "id", level: "ownr" }, handler }), /^guard\.query: access level 'ownr' is not configured \(did you mean 'owner'\?\)$/],
  ]) {
    const fn = make();
    for (let i = 0; i < 2; i++) {
      await assert.rejects(fn._handler(ctx(ada), { id: "n1" }), (e) => e.name === "GuardConfigError" && message.test(e.message), String(message));
    }
  }
  await assert.rejects(guard.customCtx({ role: "admn" }).input(ctx(ada), {}), /guard\.customCtx: role 'admn' is not configured/);
  // A table left out of access.tables fails where the function is defined (a deploy, a test's
  // import), not at its first call in production; access itself is not built for it.
  for (const [make, message] of [
    [() => withAccess.query(builder, { args: { id: v.string() }, access: { table: "folders", arg: "id", level: "owner" }, handler }), /^guard\.query: access table 'folders' is not configured \(configured: 'notes'\)$/],
    [() => withAccess.mutation(builder, { args: { id: v.string() }, access: { table: "note", arg: "id", level: "owner" }, handler }), /^guard\.mutation: access table 'note' is not configured \(did you mean 'notes'\?\)$/],
    [() => guard.query(builder, { args: { id: v.string() }, access: { table: "notes", arg: "id", level: "owner" }, handler }), /^guard\.query: access table 'notes' is not configured \(configured: none\)$/],
    [() => defineGuard({ roles: ["user"], access: { levels: ["viewer", "owner"] } }).query(builder, { args: { id: v.string() }, access: { table: "notes", arg: "id", level: "owner" }, handler }), /^guard\.query: access table 'notes' is not configured \(configured: none\)$/],
  ]) {
    assert.throws(make, (e) => e.name === "GuardConfigError" && message.test(e.message), String(message));
  }
  // Not built for it: a mistake elsewhere in access (a fileLevel without a parent) is still
  // refused at the first call, not while the app's functions are defined.
  const bad = defineGuard({ roles: ["user"], access: { tables: { notes: { owner: "ownerId", fileLevel: "owner" } } } });
  const defined = bad.query(builder, { args: { id: v.string() }, access: { table: "notes", arg: "id", level: "owner" }, handler });
  await assert.rejects(defined._handler(ctx(ada), { id: "n1" }), /fileLevel needs access\.tables\.notes\.parent/);
  await assert.rejects(guard.customCtx({ permission: "note:write" }).input(ctx(ada), {}), /guard\.customCtx: permission 'note:write' is not configured \(no role holds it\)/);
  assert.equal(ran, 0);
  // Configured names still run for those they admit.
  assert.equal(await guard.mutation(builder, { args: {}, role: "admin", rateLimit: { name: "post" }, handler })._handler(ctx(ada, []), {}), "ran");
});

test("the builder hands Convex its own copy of the args validators: a later edit of the app's object validates nothing", () => {
  let given;
  const capturing = (def) => ((given = def), Object.assign(() => {}, { _handler: def.handler, exportArgs: () => "{}" }));
  const args = { room: v.string() };
  guard.mutation(capturing, { args, rateLimit: { name: "post", key: { arg: "room" } }, handler: async () => null });
  args.room = v.optional(v.string());
  args.extra = v.any();
  assert.notEqual(given.args, args);
  assert.deepEqual(Object.keys(given.args), ["room"]);
  assert.equal(given.args.room.isOptional, "required");
});

test("args given as v.object({...}) are its fields, as Convex reads them; args that are no object of validators reach Convex as none, so every call throws the guard's refusal, not Convex's (attack39 F3)", async () => {
  let ran = 0;
  const handler = async (_ctx, args) => (ran++, args);
  const seen = [];
  const recording = (def) => (seen.push(def), builder(def));
  const fn = guard.mutation(recording, { args: v.object({ org: v.string() }), role: "admin", rateLimit: { name: "post", key: { arg: "org" } }, handler });
  assert.deepEqual(Object.keys(seen[0].args), ["org"]);
  assert.equal(seen[0].args.org.kind, "string");
  assert.deepEqual(await fn._handler(ctx(ada), { org: "acme" }), { org: "acme" });
  assert.equal(await code(fn._handler(ctx(uma), { org: "acme" })), "FORBIDDEN");
  assert.deepEqual(guardRequirements(fn).rateLimit, { name: "post", key: { arg: "org" } });
  // An optional v.object is no record of arguments.
  for (const args of [v.any(), v.string(), v.optional(v.object({ org: v.string() })), null, [v.string()]]) {
    seen.length = 0;
    const bad = guard.mutation(recording, { args, role: "admin", handler });
    assert.equal(Object.hasOwn(seen[0], "args"), false, "Convex validates nothing the guard refused: its error would come first");
    for (const who of [ada, uma, null]) {
      await assert.rejects(bad._handler(ctx(who), { 0: "x" }), (e) => e.name === "GuardConfigError" && /^guard\.mutation: args must be an object of validators/.test(e.message));
    }
  }
  assert.equal(ran, 1);
});
