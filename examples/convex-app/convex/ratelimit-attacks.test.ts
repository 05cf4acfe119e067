// Rate limits from the attacker's side.
//
// A count of 0 is a look-up: a consuming call must refuse it, or an app that forwards a
// client-chosen count would let every request through for free.
import { expect, test } from "vitest";
import { api } from "./_generated/api";
import type { MutationCtx } from "./_generated/server";
import { convexAuthGuard } from "./authProviders";
import { guard } from "./guard";
import { addUsers, newTest, outcome } from "./test.setup";

test("consuming calls refuse a count of 0; checks accept it as a look-up", async () => {
  const t = newTest();
  const refused = {
    code: "INVALID_ARGUMENT",
    message: "rate limit 'upload': count must be a whole number from 1 to 3, the most this limit can ever admit at once",
  };
  expect(await outcome(t.run((ctx) => guard.rateLimit(ctx, "upload", { key: "u1", count: 0 })))).toEqual(refused);
  expect(
    await outcome(t.run((ctx) => guard.rateLimitAll(ctx, [{ name: "upload", key: "u1", count: 0 }]))),
  ).toEqual(refused);
  expect(await outcome(t.run((ctx) => guard.checkRateLimit(ctx, "upload", { key: "u1", count: 0 })))).toEqual({
    ok: { ok: true, remaining: 3, retryAfter: 0 },
  });
  // Nothing was written by any of them.
  expect(await t.run((ctx) => ctx.db.query("guardRateLimits").collect())).toEqual([]);
});

/** Mo (a moderator: may call guarded.importInto) and Uma (a user), signed in by name. */
async function moderatorAndUser() {
  const t = newTest();
  const ids = await addUsers(t, [
    ["mo", "moderator"],
    ["uma", "user"],
  ]);
  return { t, ids, as: (name: string) => t.withIdentity({ subject: name, issuer: "https://auth.example" }) };
}

// A builder's `key: { arg }` is the caller's to pick. guarded.importInto keys the "upload" limit
// by its `bucket` argument, and ratelimit.upload keys the same limit by the user's id: a caller
// naming a victim's id (or "global") as the bucket must spend only that bucket.
test("a builder's argument key cannot spend a user's own budget or the global one", async () => {
  const { t, ids, as } = await moderatorAndUser();
  for (const bucket of [ids.uma!, "global"]) {
    for (let i = 0; i < 3; i++) await as("mo").mutation(api.guarded.importInto, { bucket });
    expect(await outcome(as("mo").mutation(api.guarded.importInto, { bucket }))).toMatchObject({ code: "RATE_LIMITED" });
  }
  // Uma's uploads (3 on "upload" keyed by her id) are all hers, and "global" on the same
  // limit was never touched.
  for (let i = 0; i < 3; i++) expect(await as("uma").mutation(api.ratelimit.upload, { size: 1 })).toEqual({ accepted: 1 });
  expect(await t.run((ctx) => guard.getRateLimitState(ctx, "upload", { key: "global" }))).toBeNull();
  const keys = await t.run(async (ctx) =>
    (await ctx.db.query("guardRateLimits").collect()).filter((r) => r.name === "upload").map((r) => r.key),
  );
  expect(keys.sort()).toEqual([`arg:bucket:${ids.uma}`, "arg:bucket:global", ids.uma!].sort());
});

test("the user key stays the user's id: forgetUser finds a builder's row, not a bucket named after the user", async () => {
  const { t, ids, as } = await moderatorAndUser();
  await as("uma").mutation(api.guarded.postMessage, { body: "hi" }); // "sendMessage", key "user"
  await as("mo").mutation(api.guarded.importInto, { bucket: ids.uma! }); // "upload", bucket named after uma
  expect(await t.run((ctx) => guard.forgetUser(ctx, ids.uma!))).toMatchObject({ done: true, rateLimits: 1 });
  const left = await t.run(async (ctx) => (await ctx.db.query("guardRateLimits").collect()).map((r) => [r.name, r.key]));
  expect(left).toEqual([["upload", `arg:bucket:${ids.uma}`]]);
});

test("an argument key over 1,024 characters with its prefix is refused, not cut", async () => {
  const t = newTest();
  await addUsers(t, [["mo", "moderator"]]);
  const as = t.withIdentity({ subject: "mo", issuer: "https://auth.example" });
  const fits = "b".repeat(1024 - "arg:bucket:".length);
  expect(await as.mutation(api.guarded.importInto, { bucket: fits })).toEqual({ bucket: fits });
  for (const bucket of [`${fits}b`, ""]) {
    expect(await outcome(as.mutation(api.guarded.importInto, { bucket }))).toEqual({
      code: "INVALID_ARGUMENT",
      message: "a rate limit key must be a string of 1 to 1024 characters",
    });
  }
});

test("a key holding half of a surrogate pair is refused, never stored (Convex keeps UTF-8 text only); whole characters pass", async () => {
  // An attacker's review: "\ud800" was accepted as a key, where every other string the guard
  // stores refuses it.
  const t = newTest();
  await addUsers(t, [["mo", "moderator"]]);
  const as = t.withIdentity({ subject: "mo", issuer: "https://auth.example" });
  for (const bucket of ["\ud800", "a\udc00", "\ud83d"]) {
    expect(await outcome(as.mutation(api.guarded.importInto, { bucket }))).toEqual({
      code: "INVALID_ARGUMENT",
      message: "a rate limit key may not hold a lone surrogate (half of a character): send whole characters",
    });
    expect(await outcome(t.run((ctx) => guard.rateLimit(ctx, "login", { key: bucket, throws: false })))).toMatchObject({ code: "INVALID_ARGUMENT" });
  }
  expect(await t.run((ctx) => ctx.db.query("guardRateLimits").collect())).toEqual([]);
  expect(await as.mutation(api.guarded.importInto, { bucket: "\ud83d\ude00 a\u0000b" })).toEqual({ bucket: "\ud83d\ude00 a\u0000b" });
});

test("under Convex Auth a tokenIdentifier key is a fresh budget per sign-in; the row's _id (the README's advice) is not", async () => {
  // An attacker's review: the README recommended the identity's tokenIdentifier as a key, and
  // Convex Auth's is issuer|userId|sessionId: 12 PIN attempts passed a limit of 3 in four
  // sign-ins. Keyed by the users row's _id (what `convexAuthGuard.requireUser` answers), the
  // fourth attempt is refused whatever the session.
  const t = newTest();
  const mal = await t.run((ctx) => ctx.db.insert("authUsers", { name: "mal", role: "user" }));
  const session = (s: number) => t.withIdentity({ issuer: "https://my-app.convex.site", subject: `${mal}|session${s}` });
  const attempts = async (key: (ctx: MutationCtx) => Promise<string>) => {
    const admitted: boolean[] = [];
    for (let s = 0; s < 4; s++) {
      for (let i = 0; i < 3; i++) {
        admitted.push(await session(s).run(async (ctx) => (await guard.rateLimit(ctx, "login", { key: await key(ctx), throws: false })).ok));
      }
    }
    return admitted.filter(Boolean).length;
  };
  expect(await attempts(async (ctx) => (await ctx.auth.getUserIdentity())!.tokenIdentifier)).toBe(12);
  expect(await attempts(async (ctx) => (await convexAuthGuard.requireUser(ctx))._id)).toBe(3);
});

test("a polluted Object.prototype takes no part in a rate limit: a denial still throws, an omitted count is 1", async () => {
  // `throws: false` or `count: 0` planted on Object.prototype would, read through the
  // prototype, turn the fourth upload's denial into a return value, or let every upload
  // through for free. The guard reads only the options' own fields.
  const t = newTest();
  const proto = Object.prototype as Record<string, unknown>;
  proto.throws = false;
  proto.count = 0;
  try {
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await outcome(t.run((ctx) => guard.rateLimit(ctx, "upload", { key: "polluted" }))));
    expect(results.slice(0, 3).map((r) => (r as { ok: { remaining: number } }).ok.remaining)).toEqual([2, 1, 0]);
    expect(results[3]).toMatchObject({ code: "RATE_LIMITED" });
    expect(await outcome(t.run((ctx) => guard.rateLimitAll(ctx, [{ name: "upload", key: "polluted" }])))).toMatchObject({
      code: "RATE_LIMITED",
    });
  } finally {
    delete proto.throws;
    delete proto.count;
  }
});
