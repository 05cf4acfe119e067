// guard.query / guard.mutation / guard.action (issue 9, point 4): each declared requirement
// allows and denies, ctx.user and ctx.doc are injected, NOT_FOUND and FORBIDDEN stay apart,
// a rate-limit key comes from the arguments only when declared, and the declarations are
// readable from the registered functions.
import { GuardConfigError, guardRequirements } from "convex-guard";
import { customMutation } from "convex-helpers/server/customFunctions";
import type { DataModel } from "./_generated/dataModel";
import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";
import * as guarded from "./guarded";
import { addUsers, newTest, outcome } from "./test.setup";

const ISSUER = "https://auth.example";

async function world() {
  const t = newTest();
  const ids = await addUsers(t, [
    ["uma", "user"],
    ["zed", "user"],
    ["mo", "moderator"],
    ["ada", "admin"],
  ]);
  const doc = (title: string, visibility: "public" | "private") =>
    t.run((ctx) => ctx.db.insert("documents", { title, body: "b", ownerId: ids.uma as never, visibility }));
  const as = (name: string) => t.withIdentity({ subject: name, issuer: ISSUER });
  return { t, ids, as, doc };
}

afterEach(() => vi.unstubAllEnvs());

describe("builders allow and deny what they declare", () => {
  test("a user is required; the typed user is injected", async () => {
    const s = await world();
    expect(await s.as("uma").query(api.guarded.myProfile, {})).toEqual({ name: "uma", role: "user" });
    expect(await outcome(s.t.query(api.guarded.myProfile, {}))).toEqual({
      code: "UNAUTHENTICATED",
      message: "Authentication required",
    });
    expect(await outcome(s.as("nobody").query(api.guarded.myProfile, {}))).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  test("a minimum role", async () => {
    const s = await world();
    expect(await s.as("ada").query(api.guarded.countUsers, {})).toBe(4);
    expect(await outcome(s.as("mo").query(api.guarded.countUsers, {}))).toEqual({
      code: "FORBIDDEN",
      message: "Role 'admin' or higher required",
    });
  });

  test("access on a document-id argument: the document is injected; NOT_FOUND vs FORBIDDEN", async () => {
    const s = await world();
    const open = await s.doc("open", "public");
    const secret = await s.doc("secret", "private");
    // The owner reads and renames; ctx.doc is the document as it was.
    expect(await s.as("uma").query(api.guarded.readTitle, { id: secret })).toEqual({ title: "secret", reader: "uma", level: "owner" });
    expect(await s.as("uma").mutation(api.guarded.renameDocument, { id: secret, title: "s2" })).toEqual({ was: "secret" });
    // Someone else: a private document is NOT_FOUND, exactly like a missing or malformed id.
    const notFound = { code: "NOT_FOUND", message: "Document not found" };
    expect(await outcome(s.as("zed").query(api.guarded.readTitle, { id: secret }))).toEqual(notFound);
    expect(await outcome(s.as("zed").mutation(api.guarded.renameDocument, { id: secret, title: "x" }))).toEqual(notFound);
    await s.t.run((ctx) => ctx.db.delete(open as never));
    expect(await outcome(s.as("zed").query(api.guarded.readTitle, { id: open }))).toEqual(notFound);
    expect(await outcome(s.as("zed").query(api.guarded.readTitle, { id: "not-an-id" }))).toEqual(notFound);
    // A public document: visible (viewer), but renaming needs editor: FORBIDDEN.
    const pub = await s.doc("pub", "public");
    expect(await s.as("zed").query(api.guarded.readTitle, { id: pub })).toEqual({ title: "pub", reader: "zed", level: "viewer" });
    expect(await outcome(s.as("zed").mutation(api.guarded.renameDocument, { id: pub, title: "x" }))).toEqual({
      code: "FORBIDDEN",
      message: "Access level 'editor' or higher required",
    });
    const titles = await s.t.run(async (ctx) => (await ctx.db.query("documents").collect()).map((d) => d.title));
    expect(titles.sort()).toEqual(["pub", "s2"]);
  });

  test("a rate limit keyed by the user: 10 a minute, then RATE_LIMITED, others unaffected", async () => {
    const s = await world();
    for (let i = 0; i < 10; i++) await s.as("uma").mutation(api.guarded.postMessage, { body: `m${i}` });
    expect(await outcome(s.as("uma").mutation(api.guarded.postMessage, { body: "late" }))).toMatchObject({
      code: "RATE_LIMITED",
    });
    expect(await s.as("zed").mutation(api.guarded.postMessage, { body: "hi" })).toEqual({ sent: true });
    const rows = await s.t.run((ctx) => ctx.db.query("guardRateLimits").collect());
    expect(rows.map((r) => r.key).sort()).toEqual([s.ids.uma, s.ids.zed].sort());
  });

  test("a permission, and a key from an argument because it is declared", async () => {
    const s = await world();
    expect(await outcome(s.as("uma").mutation(api.guarded.importInto, { bucket: "b1" }))).toEqual({
      code: "FORBIDDEN",
      message: "Permission 'write:users' required",
    });
    // Token bucket of 3 per bucket, whoever calls.
    for (let i = 0; i < 3; i++) await s.as(i % 2 ? "mo" : "ada").mutation(api.guarded.importInto, { bucket: "b1" });
    expect(await outcome(s.as("mo").mutation(api.guarded.importInto, { bucket: "b1" }))).toMatchObject({ code: "RATE_LIMITED" });
    expect(await s.as("mo").mutation(api.guarded.importInto, { bucket: "b2" })).toEqual({ bucket: "b2" });
  });

  test("an action: role and rate limit through the wired internal functions", async () => {
    const s = await world();
    expect(await s.as("mo").action(api.guarded.summarize, { topic: "t" })).toBe("t for mo");
    expect(await outcome(s.as("uma").action(api.guarded.summarize, { topic: "t" }))).toEqual({
      code: "FORBIDDEN",
      message: "Role 'moderator' or higher required",
    });
    expect(await outcome(s.t.action(api.guarded.summarize, { topic: "t" }))).toMatchObject({ code: "UNAUTHENTICATED" });
    for (let i = 0; i < 9; i++) await s.as("mo").action(api.guarded.summarize, { topic: "t" });
    expect(await outcome(s.as("mo").action(api.guarded.summarize, { topic: "t" }))).toMatchObject({ code: "RATE_LIMITED" });
  });
});

describe("the same checks as convex-helpers customizations", () => {
  test("customQuery: a minimum role, ctx.user injected", async () => {
    const s = await world();
    await s.t.run((ctx) => ctx.db.patch(s.ids.zed as never, { flagged: true }));
    expect(await s.as("mo").query(api.custom.flaggedUsers, {})).toEqual({ by: "mo", flagged: ["zed"] });
    expect(await outcome(s.as("uma").query(api.custom.flaggedUsers, {}))).toEqual({
      code: "FORBIDDEN",
      message: "Role 'moderator' or higher required",
    });
    expect(await outcome(s.t.query(api.custom.flaggedUsers, {}))).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  test("customMutation: a rate limit keyed by the user, shared with the other functions on it", async () => {
    const s = await world();
    for (let i = 0; i < 5; i++) await s.as("uma").mutation(api.custom.post, { body: "a" });
    for (let i = 0; i < 5; i++) await s.as("uma").mutation(api.guarded.postMessage, { body: "b" });
    expect(await outcome(s.as("uma").mutation(api.custom.post, { body: "c" }))).toMatchObject({ code: "RATE_LIMITED" });
    expect(await outcome(s.t.mutation(api.custom.post, { body: "c" }))).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(await s.t.run(async (ctx) => (await ctx.db.query("messages").collect()).length)).toBe(10);
  });

  test("customAction: a permission, through the wired internal functions", async () => {
    const s = await world();
    expect(await s.as("ada").action(api.custom.deleterName, {})).toBe("ada");
    expect(await outcome(s.as("mo").action(api.custom.deleterName, {}))).toEqual({
      code: "FORBIDDEN",
      message: "Permission 'delete:users' required",
    });
  });

  test("attacker's way in: a requirement a custom function declares itself is refused, never run without", async () => {
    const s = await world();
    // convex-helpers hands a definition's other keys to the customization; held in a variable,
    // TypeScript lets them through. The handler must never run for them.
    let ran = 0;
    const custom = customMutation(mutation, guard.customCtx<DataModel>({}));
    for (const extra of [{ role: "admin" }, { permission: "delete:users" }, { rateLimit: { name: "upload" } }, { access: { table: "documents", arg: "id" } }]) {
      const definition = { args: {}, ...extra, handler: async () => ++ran };
      const made = custom(definition as never) as unknown as { _handler: (ctx: unknown, args: object) => Promise<unknown> };
      const error = await s.as("uma").run((ctx) => made._handler(ctx, {})).catch((e: unknown) => e);
      expect(error, JSON.stringify(extra)).toBeInstanceOf(GuardConfigError);
      expect(String((error as Error).message)).toContain(`declares ${Object.keys(extra)[0]}`);
    }
    expect(ran).toBe(0);
    // Without one, the same builder runs its handler.
    const plain = custom({ args: {}, handler: async () => ++ran }) as unknown as { _handler: (ctx: unknown, args: object) => Promise<unknown> };
    expect(await s.as("uma").run((ctx) => plain._handler(ctx, {}))).toBe(1);
  });

  test("the customization carries its declaration for tooling", () => {
    expect(guard.customCtx({ role: "admin", rateLimit: { name: "upload", key: "global" } }).__guard).toEqual({
      version: 1,
      kind: "custom",
      user: true,
      role: "admin",
      permission: null,
      rateLimit: { name: "upload", key: "global" },
      rateLimits: [{ name: "upload", key: "global" }],
      access: null,
    });
  });
});

describe("declarations are readable and checked", () => {
  test("__guard holds exactly what each function declares, frozen and non-enumerable", () => {
    expect(guardRequirements(guarded.renameDocument)).toEqual({
      version: 1,
      kind: "mutation",
      user: true,
      role: null,
      permission: null,
      rateLimit: null,
      rateLimits: [],
      access: { table: "documents", arg: "id", level: "editor" },
    });
    expect(guardRequirements(guarded.importInto)).toMatchObject({
      permission: "write:users",
      rateLimit: { name: "upload", key: { arg: "bucket" } },
    });
    expect(guardRequirements(guarded.summarize)).toMatchObject({
      kind: "action",
      role: "moderator",
      rateLimit: { name: "sendMessage", key: "user" },
    });
    expect(Object.keys(guarded.myProfile)).not.toContain("__guard");
    expect(Object.isFrozen(guardRequirements(guarded.countUsers))).toBe(true);
    expect(guardRequirements(guard)).toBeUndefined();
  });

  test("a declaration that cannot hold fails closed at first use, naming the fix", async () => {
    const s = await world();
    // A rate limit in a query, a key naming an argument the function lacks (only reachable
    // past the types), both refused before the handler runs.
    const handler = vi.fn(async () => "ran");
    const bad = {
      limitedQuery: guard.query(query, { args: {}, rateLimit: { name: "sendMessage" }, handler } as never),
      wrongKey: guard.mutation(mutation, { args: {}, rateLimit: { name: "sendMessage", key: { arg: "org" } }, handler } as never),
      // An inherited name is no argument: the key would be the text of Object's constructor.
      protoKey: guard.mutation(mutation, { args: {}, rateLimit: { name: "sendMessage", key: { arg: "constructor" } }, handler } as never),
      protoAccess: guard.query(query, { args: {}, access: { table: "documents", arg: "toString", level: "viewer" }, handler } as never),
    };
    const t = (await import("convex-test")).convexTest((await import("./schema")).default, {
      ...(await import("./test.setup")).modules,
      "./bad.ts": async () => bad,
    });
    await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|uma`, name: "uma", role: "user" }));
    const as = t.withIdentity({ subject: "uma", issuer: ISSUER });
    const { makeFunctionReference } = await import("convex/server");
    await expect(as.query(makeFunctionReference<"query">("bad:limitedQuery"), {})).rejects.toThrow(/guard\.query cannot take from a rate limit/);
    await expect(as.mutation(makeFunctionReference<"mutation">("bad:wrongKey"), {})).rejects.toThrow(/rateLimit\.key must be/);
    await expect(as.mutation(makeFunctionReference<"mutation">("bad:protoKey"), {})).rejects.toThrow(/rateLimit\.key must be/);
    await expect(as.query(makeFunctionReference<"query">("bad:protoAccess"), {})).rejects.toThrow(/access\.arg 'toString' is not one of its arguments/);
    expect(handler).not.toHaveBeenCalled();
    void s;
  });
});
