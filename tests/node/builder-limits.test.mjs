// A builder's `rateLimit` as a list (a new user's review: the README takes a per-user and a
// global limit together, and the builders took one, so the list went to guard.rateLimitAll in
// the handler). Each listed limit is declared as one is; the list is taken all or nothing, and
// read into `__guard` as `rateLimits` (with `rateLimit` its first entry, for version 1's readers).
import assert from "node:assert/strict";
import { test } from "node:test";
import { defineGuard, guardRequirements } from "convex-guard";
import { v } from "convex/values";
import { ada, builder, code, ctx, uma } from "./builder-ctx.mjs";

/** 2 a minute per user, 3 a minute for everyone (fixed windows: `a` is what was taken). */
const guard = defineGuard({
  roles: ["user", "admin"],
  permissions: { admin: ["notes:*"] },
  rateLimits: {
    mine: { kind: "fixed window", rate: 2, period: 60_000 },
    everyone: { kind: "fixed window", rate: 3, period: 60_000 },
  },
});
const handler = async () => "ran";
const BOTH = [{ name: "mine" }, { name: "everyone", key: "global" }];

test("__guard: rateLimits lists every limit, frozen; rateLimit is the first; one limit reads as it always did", () => {
  const listed = guard.mutation(builder, { args: { room: v.string() }, rateLimit: [...BOTH, { name: "mine", key: { arg: "room" } }], handler });
  assert.deepEqual(guardRequirements(listed), {
    version: 1,
    kind: "mutation",
    user: true,
    role: null,
    permission: null,
    rateLimit: { name: "mine", key: "user" },
    rateLimits: [
      { name: "mine", key: "user" },
      { name: "everyone", key: "global" },
      { name: "mine", key: { arg: "room" } },
    ],
    access: null,
  });
  const meta = guardRequirements(listed);
  assert.ok(Object.isFrozen(meta.rateLimits) && meta.rateLimits.every(Object.isFrozen) && Object.isFrozen(meta.rateLimits[2].key));
  assert.equal(meta.rateLimit, meta.rateLimits[0]);
  // One limit: `rateLimit` as before, and `rateLimits` its one entry; none: null and [].
  const one = guardRequirements(guard.action(builder, { args: {}, rateLimit: { name: "everyone", key: "global" }, handler }));
  assert.deepEqual([one.rateLimit, one.rateLimits], [{ name: "everyone", key: "global" }, [{ name: "everyone", key: "global" }]]);
  const none = guardRequirements(guard.query(builder, { args: {}, handler }));
  assert.deepEqual([none.rateLimit, none.rateLimits], [null, []]);
  assert.ok(Object.isFrozen(none.rateLimits));
  // A customization's too.
  const custom = guard.customCtx({ rateLimit: BOTH }).__guard;
  assert.deepEqual([custom.kind, custom.rateLimit, custom.rateLimits], ["custom", { name: "mine", key: "user" }, [{ name: "mine", key: "user" }, { name: "everyone", key: "global" }]]);
});

test("a per-user and a global limit: all or nothing, so neither refusal spends the other's budget", async () => {
  const rows = [];
  const fn = guard.mutation(builder, { args: {}, rateLimit: BOTH, handler });
  /** What each limit has taken for a key (fixed window: the row's `a`). */
  const taken = (name, key) => rows.filter((r) => r.name === name && r.key === key).reduce((n, r) => n + r.a, 0);
  // Both have room: admitted, each takes one.
  for (let i = 0; i < 2; i++) assert.equal(await code(fn._handler(ctx(uma, rows), {})), "ok");
  // Uma over her own limit: refused, and everyone's budget is untouched (2 of 3, not 5).
  for (let i = 0; i < 3; i++) assert.equal(await code(fn._handler(ctx(uma, rows), {})), "RATE_LIMITED");
  assert.deepEqual([taken("mine", "u1"), taken("everyone", "global")], [2, 2]);
  assert.equal(await code(fn._handler(ctx(ada, rows), {})), "ok");
  // Everyone's budget spent: Ada is refused by it, and keeps her own (1 of 2 taken, not 3).
  for (let i = 0; i < 2; i++) assert.equal(await code(fn._handler(ctx(ada, rows), {})), "RATE_LIMITED");
  assert.deepEqual([taken("mine", "u2"), taken("everyone", "global")], [1, 3]);
  // The same through a customization.
  const custom = guard.customCtx({ rateLimit: BOTH });
  await assert.rejects(custom.input(ctx(ada, rows), {}), (e) => e.data?.code === "RATE_LIMITED");
  await guard.resetRateLimit(ctx(null, rows), "everyone", { key: "global" });
  assert.deepEqual((await custom.input(ctx(ada, rows), {})).ctx.user, ada);
  assert.deepEqual([taken("mine", "u2"), taken("everyone", "global")], [2, 1]);
});

test("the checks run in order, the rate limits last: a refused caller spends no budget", async () => {
  const rows = [];
  const fn = guard.mutation(builder, { args: {}, permission: "notes:write", rateLimit: BOTH, handler });
  assert.equal(await code(fn._handler(ctx(null, rows), {})), "UNAUTHENTICATED");
  assert.equal(await code(fn._handler(ctx(uma, rows), {})), "FORBIDDEN");
  assert.deepEqual(rows, []);
  assert.equal(await fn._handler(ctx(ada, rows), {}), "ran");
  assert.deepEqual(rows.map((r) => [r.name, r.key]), [["mine", "u2"], ["everyone", "global"]]);
});

test("a list that cannot hold is a GuardConfigError at every call, naming the entry; the handler never runs", async () => {
  let ran = 0;
  const counted = async () => (ran++, "ran");
  const sparse = [{ name: "mine" }];
  sparse[2] = { name: "everyone", key: "global" }; // a hole at 1
  const many = Array.from({ length: 17 }, (_, i) => ({ name: "mine", key: { arg: `a${i}` } }));
  const manyArgs = Object.fromEntries(many.map((_, i) => [`a${i}`, v.string()]));
  for (const [make, message] of [
    [() => guard.mutation(builder, { args: {}, rateLimit: [], handler: counted }), /^guard\.mutation: rateLimit lists no limit \(leave it out for none\)$/],
    [() => guard.mutation(builder, { args: manyArgs, rateLimit: many, handler: counted }), /^guard\.mutation: rateLimit lists 17 limits; at most 16 are taken all or nothing$/],
    [() => guard.mutation(builder, { args: {}, rateLimit: [{ name: "mine" }, null], handler: counted }), /^guard\.mutation's rateLimit\[1\] must be an object \{ name, key\? \}$/],
    [() => guard.action(builder, { args: {}, rateLimit: [{ name: "mine" }, "everyone"], handler: counted }), /^guard\.action's rateLimit\[1\] must be an object \{ name, key\? \}$/],
    [() => guard.mutation(builder, { args: {}, rateLimit: sparse, handler: counted }), /^guard\.mutation's rateLimit\[1\] must be an object/],
    [() => guard.mutation(builder, { args: {}, rateLimit: [{ name: "mine" }, [{ name: "everyone" }]], handler: counted }), /^guard\.mutation's rateLimit\[1\] must be an object$/],
    [() => guard.mutation(builder, { args: {}, rateLimit: [{ name: "mine" }, { name: "everyone", kye: "global" }], handler: counted }), /^guard\.mutation's rateLimit\[1\]: unknown key 'kye' \(did you mean 'key'\?\)$/],
    [() => guard.mutation(builder, { args: {}, rateLimit: [{ name: "mine", key: null }], handler: counted }), /^guard\.mutation's rateLimit\[0\]\.key must be "user", "global" or \{ arg \}/],
    [() => guard.mutation(builder, { args: { room: v.string() }, rateLimit: [{ name: "mine", key: { arg: "room", prefix: "x" } }], handler: counted }), /^guard\.mutation's rateLimit\[0\]\.key: unknown key 'prefix'/],
    // The same limit and key twice (a key left out is "user"): the engine would refuse every call.
    [() => guard.mutation(builder, { args: {}, rateLimit: [{ name: "mine" }, { name: "everyone", key: "global" }, { name: "mine", key: "user" }], handler: counted }), /^guard\.mutation: rateLimit\[2\] takes from 'mine' with the key of an earlier entry \("user"\)$/],
    [() => guard.mutation(builder, { args: { room: v.string() }, rateLimit: [{ name: "mine", key: { arg: "room" } }, { name: "mine", key: { arg: "room" } }], handler: counted }), /rateLimit\[1\] takes from 'mine' with the key of an earlier entry \(\{"arg":"room"\}\)/],
    // Every check of one limit, for each entry.
    [() => guard.mutation(builder, { args: {}, rateLimit: [{ name: "mine" }, { name: "everyon", key: "global" }], handler: counted }), /^guard\.mutation: rate limit 'everyon' is not configured \(did you mean 'everyone'\?\)$/],
    [() => guard.query(builder, { args: {}, rateLimit: BOTH, handler: counted }), /^guard\.query cannot take from a rate limit: use guard\.mutation/],
    [() => guard.mutation(builder, { args: {}, rateLimit: [{ name: "mine" }, { name: "everyone", key: "anyone" }], handler: counted }), /^guard\.mutation: rateLimit\[1\]\.key must be "user", "global" or \{ arg \} naming one of its arguments$/],
    [() => guard.mutation(builder, { args: {}, rateLimit: [{ name: "mine" }, { name: "everyone", key: { arg: "constructor" } }], handler: counted }), /^guard\.mutation: rateLimit\[1\]\.key must be/],
    [() => guard.action(builder, { args: { n: v.number() }, rateLimit: [{ name: "mine" }, { name: "everyone", key: { arg: "n" } }], handler: counted }), /^guard\.action: rateLimit\[1\]\.key\.arg 'n' must be a required string argument/],
    [() => guard.mutation(builder, { args: { "a:b": v.string() }, rateLimit: [{ name: "mine" }, { name: "everyone", key: { arg: "a:b" } }], handler: counted }), /^guard\.mutation: rateLimit\[1\]\.key\.arg 'a:b' cannot hold a ':'/],
  ]) {
    const fn = make();
    for (let i = 0; i < 2; i++) {
      await assert.rejects(fn._handler(ctx(ada, []), { room: "r", n: 1, "a:b": "x" }), (e) => e.name === "GuardConfigError" && message.test(e.message), String(message));
    }
  }
  // A customization's list: the same checks, and no `{ arg }` (it sees no arguments).
  for (const [requirements, message] of [
    [{ rateLimit: [] }, /^GuardConfigError: guard\.customCtx: rateLimit lists no limit/],
    [{ rateLimit: [{ name: "mine" }, { name: "everyone", key: { arg: "room" } }] }, /^GuardConfigError: guard\.customCtx: rateLimit\[1\]\.key cannot be \{ arg \}: a customization sees no arguments/],
    [{ rateLimit: [{ name: "mine" }, { name: "mine" }] }, /^GuardConfigError: guard\.customCtx: rateLimit\[1\] takes from 'mine' with the key of an earlier entry/],
    [{ rateLimit: [{ name: "mine" }, { nam: "everyone" }] }, /^GuardConfigError: guard\.customCtx's rateLimit\[1\]: unknown key 'nam' \(did you mean 'name'\?\)$/],
    [{ rateLimit: [{ name: "mine" }, { name: "every" }] }, /^GuardConfigError: guard\.customCtx: rate limit 'every' is not configured/],
  ]) {
    await assert.rejects(guard.customCtx(requirements).input(ctx(ada, []), {}), message);
  }
  // In a query (a db with no insert), a customization's list is refused as one limit is.
  const reader = { ...ctx(ada, []), db: { query: ctx(ada, []).db.query } };
  await assert.rejects(guard.customCtx({ rateLimit: BOTH }).input(reader, {}), /a query cannot take from a rate limit/);
  assert.equal(ran, 0);
  // The same limit under two keys, and a list of one, are sound.
  const rows = [];
  assert.equal(await guard.mutation(builder, { args: {}, rateLimit: [{ name: "mine" }, { name: "mine", key: "global" }], handler })._handler(ctx(ada, rows), {}), "ran");
  assert.equal(await guard.mutation(builder, { args: {}, rateLimit: [{ name: "everyone" }], handler })._handler(ctx(ada, rows), {}), "ran");
  assert.deepEqual(rows.map((r) => [r.name, r.key]), [["mine", "u2"], ["mine", "global"], ["everyone", "u2"]]);
});
