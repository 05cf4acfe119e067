// Defence in depth, from an attacker's review: a polluted Object.prototype (some other bug of
// the app, e.g. a naive deep merge) must not fill in an optional field a row leaves out. Before,
// Object.prototype.folderId made an attacker owner of every top-level document of this app
// (inherited from their folder), and a missing visibility read as "public".
import { defineGuard } from "convex-guard";
import { api } from "./_generated/api";
import { afterEach, expect, test } from "vitest";
import { guard } from "./guard";
import { newTest } from "./test.setup";

const ISSUER = "https://auth.example";
// The same tables, but with field names the rows do not have (an optional field left unset).
const g2 = defineGuard({
  roles: ["user", "admin"],
  access: {
    tables: {
      folders: { owner: "ownerId", visibility: "visibility", parent: "parentId" },
      documents: { owner: "ownerId", visibility: "vis", parent: "par", parentTable: "folders" },
    },
  },
});

const polluted: string[] = [];
function pollute(k: string, v: unknown) {
  Object.defineProperty(Object.prototype, k, { value: v, configurable: true, writable: true, enumerable: false });
  polluted.push(k);
}
afterEach(() => {
  for (const k of polluted.splice(0)) delete (Object.prototype as any)[k];
});

test("a missing visibility or parent field is not read from Object.prototype", async () => {
  const t = newTest();
  const u: Record<string, string> = {};
  for (const p of ["olive", "mallory"]) u[p] = await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p }));
  const doc = await t.run((ctx) => ctx.db.insert("documents", { title: "secret", body: "", ownerId: u.olive as never, visibility: "private" }));
  const folderM = await t.run((ctx) => ctx.db.insert("folders", { name: "mine", ownerId: u.mallory as never, visibility: "private" } as never));
  const M = t.withIdentity({ subject: "mallory", issuer: ISSUER });
  const before = await M.run((ctx) => g2.readable(ctx, "documents", doc));
  pollute("vis", "public");
  const withVis = await M.run((ctx) => g2.readable(ctx, "documents", doc)).catch((e: any) => e.data ?? e.message);
  delete (Object.prototype as any).vis;
  pollute("par", folderM);
  const withPar = await M.run((ctx) => g2.readable(ctx, "documents", doc)).catch((e: any) => e.data ?? e.message);
  delete (Object.prototype as any).par;
  // The example app's own guard: documents.folderId is optional in its schema.
  pollute("folderId", folderM);
  const appGuard = await M.run((ctx) => guard.readable(ctx, "documents", doc)).catch((e: any) => e.data ?? e.message);
  delete (Object.prototype as any).folderId;
  pollute("role", "admin");
  const role = await M.run((ctx) => guard.getUser(ctx).then((x: any) => x && { name: x.name, can: guard.can(x, "delete:users") }));
  expect(before).toBeNull();
  expect(role).toEqual({ name: "mallory", can: false });
  expect(appGuard).toBeNull();
  expect(withVis).toBeNull();
  expect(withPar).toBeNull();
});

// An identity claim that is absent (the provider sent no email) read through Object.prototype.
const byEmail = defineGuard({ roles: ["user", "admin"], users: { table: "authUsers", claim: "email", field: "email", index: "by_email" } });
test("an identity with no email claim is not the user whose email sits on Object.prototype", async () => {
  const t = newTest();
  await t.run((ctx) => ctx.db.insert("authUsers", { name: "victim-admin", email: "admin@example.com", role: "admin" }));
  const M = t.withIdentity({ subject: "mallory", issuer: ISSUER }); // no email claim
  const before = await M.run((ctx) => byEmail.getUser(ctx).then((u: any) => u && u.name));
  pollute("email", "admin@example.com");
  const after = await M.run((ctx) => byEmail.getUser(ctx).then((u: any) => u && u.name)).catch((e: any) => `${e.name}: ${e.message}`);
  delete (Object.prototype as any).email;
  expect(before).toBeNull();
  expect(after).toBeNull();
});

test("a membership without a level is not read as the polluted level (a viewer adding members)", async () => {
  const t = newTest();
  const u: Record<string, string> = {};
  for (const p of ["olive", "mallory", "sam"]) u[p] = await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p }));
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  const { groupId } = await as("olive").mutation(api.groups.createGroup, { name: "g" });
  await as("olive").mutation(api.groups.addMember, { groupId, userId: u.mallory! }); // default level: the lowest
  await as("mallory").mutation(api.groups.acceptInvite, { groupId });
  // A viewer adds nobody, before and after the pollution.
  const before = await as("mallory").mutation(api.groups.addMember, { groupId, userId: u.sam!, level: "viewer" }).then((x) => x, (e: any) => e.data?.code);
  expect(before).toBe("FORBIDDEN");
  pollute("level", "editor");
  const after = await as("mallory").mutation(api.groups.addMember, { groupId, userId: u.sam!, level: "editor" }).then((x) => x, (e: any) => e.data?.code ?? e.message);
  delete (Object.prototype as any).level;
  expect(after).toBe("FORBIDDEN");
});

test("an expiresAt on Object.prototype neither expires an invitation nor is sent with one", async () => {
  const t = newTest();
  const u: Record<string, string> = {};
  for (const p of ["olive", "nate", "sam"]) u[p] = await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p }));
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  const { groupId } = await as("olive").mutation(api.groups.createGroup, { name: "g" });
  await as("olive").mutation(api.groups.addMember, { groupId, userId: u.nate! }); // never expires
  pollute("expiresAt", 1); // long past
  // Options without an expiry of their own: an invitation that never expires, not one refused as past.
  const sent = await as("olive").run((ctx) => guard.addGroupMember(ctx, groupId as never, u.sam as never, { level: "viewer" }));
  expect(sent).toBe("invited");
  const accepted = await Promise.all(
    ["nate", "sam"].map((p) => as(p).mutation(api.groups.acceptInvite, { groupId }).then((x) => x, (e: any) => e.data ?? e.message)),
  );
  delete (Object.prototype as any).expiresAt;
  expect(accepted).toEqual([{ accepted: true }, { accepted: true }]);
  const rows = await t.run((ctx) => ctx.db.query("accessGroupMembers").collect());
  expect(rows.filter((r) => "expiresAt" in r)).toEqual([]);
});

test("a table named '__proto__', 'constructor' or 'toString' is INVALID_ARGUMENT 'not configured' in every access call", async () => {
  // An attacker's review: '__proto__' passed the configured-table check of readable and
  // reached ctx.db.normalizeId, whose plain Error ("System tables can only be accessed from
  // db.system.normalizeId()") a client sees as a server error; the check answers first now.
  const t = newTest();
  const uma = await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|uma`, name: "uma" }));
  const doc = await t.run((ctx) => ctx.db.insert("documents", { title: "d", body: "", ownerId: uma, visibility: "private" }));
  const as = t.withIdentity({ subject: "uma", issuer: ISSUER });
  const page = { paginationOpts: { numItems: 5, cursor: null } };
  for (const table of ["__proto__", "constructor", "toString", "hasOwnProperty", "users"]) {
    const tb = table as "documents";
    const calls: [string, (ctx: never) => Promise<unknown>][] = [
      ["readable", (ctx) => guard.readable(ctx, tb, doc)],
      ["readableMany", (ctx) => guard.readableMany(ctx, tb, [doc])],
      ["requireAccess", (ctx) => guard.requireAccess(ctx, tb, doc, "viewer")],
      ["share", (ctx) => guard.share(ctx, tb, doc, { userId: uma, level: "viewer" })],
      ["revoke", (ctx) => guard.revoke(ctx, tb, doc, { userId: uma })],
      ["listGrants", (ctx) => guard.listGrants(ctx, tb, doc, page)],
      ["transferOwnership", (ctx) => guard.transferOwnership(ctx, tb, doc, uma)],
      ["listAccessible", (ctx) => guard.listAccessible(ctx, tb, page)],
    ];
    for (const [name, call] of calls) {
      let answer: unknown;
      try {
        answer = { ok: await as.run((ctx) => call(ctx as never)) };
      } catch (e) {
        answer = (e as { data?: unknown }).data ?? String(e);
      }
      expect(answer, `${name} on '${table}'`).toEqual({
        code: "INVALID_ARGUMENT",
        message: `table '${table}' is not configured under access.tables`,
      });
    }
  }
});

// An attacker's review (attack20): keys planted only around the guard call that first reads a
// capability's settings, then removed. Every setting is read when the capability is built.
const plantedAround = <T>(keys: Record<string, unknown>, f: () => T): T => {
  for (const [k, v] of Object.entries(keys)) pollute(k, v);
  try {
    return f();
  } finally {
    for (const k of polluted.splice(0)) delete (Object.prototype as Record<string, unknown>)[k];
  }
};

test("a lockout budget planted before the first code is not the default budget", async () => {
  process.env.CONVEX_GUARD_SECRET = "test-secret-of-at-least-32-bytes-0123";
  try {
    const g = defineGuard({ roles: ["user", "admin"], confirmations: {} });
    const t = newTest();
    const binding = { actor: "alice", action: "pay", target: "t1" };
    // The default binding budget is 10 failures in 15 minutes (two codes of 5 attempts): a
    // planted 100 would lift it.
    for (let round = 0; round < 2; round++) {
      const plant = round === 0 ? { maxFailures: 100, window: 60_000 } : {};
      const { code: issued } = await t.run((ctx) => plantedAround(plant, () => g.issueConfirmation(ctx, binding)));
      const wrong = issued === "00000000" ? "11111111" : "00000000";
      for (let i = 0; i < 5; i++) await t.run((ctx) => g.consumeConfirmation(ctx, { ...binding, code: wrong }));
    }
    const { code } = await t.run((ctx) => g.issueConfirmation(ctx, binding));
    expect(await t.run((ctx) => g.consumeConfirmation(ctx, { ...binding, code }))).toMatchObject({ ok: false });
  } finally {
    delete process.env.CONVEX_GUARD_SECRET;
  }
});

test("an audit table planted before the trail's first row does not take the rows", async () => {
  process.env.CONVEX_GUARD_SECRET = "test-secret-of-at-least-32-bytes-0123";
  try {
    const g = defineGuard({ roles: ["user", "admin"], confirmations: {} });
    void g.audit; // the confirmations part built, its keys checked, before anything is planted
    const t = newTest();
    await t.run((ctx) => plantedAround({ audit: { table: "documents" } }, () => g.issueConfirmation(ctx, { actor: "alice", action: "pay", target: "t1" })));
    await t.run((ctx) => g.issueConfirmation(ctx, { actor: "bob", action: "pay", target: "t1" }));
    const rows = await t.run((ctx) => ctx.db.query("guardAudit").collect());
    expect(rows.map((r) => r.actor)).toEqual(["alice", "bob"]);
  } finally {
    delete process.env.CONVEX_GUARD_SECRET;
  }
});
