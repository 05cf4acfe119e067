// Prototype pollution from the attacker's side, through call arguments: a key planted on
// Object.prototype (by a vulnerable merge elsewhere in the app) must never fill in what a
// call left out. (Configuration keys: tests/node/pollution.test.mjs; rate-limit options:
// ratelimit-attacks.test.ts.)
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { Id } from "./_generated/dataModel";
import { guard } from "./guard";
import { newTest, outcome } from "./test.setup";

beforeEach(() => vi.stubEnv("CONVEX_GUARD_SECRET", "test-secret-0123456789abcdef0123456789abcdef"));
afterEach(() => {
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

/** Plants `keys` on Object.prototype; returns the function that removes them. */
function plant(keys: Record<string, unknown>): () => void {
  for (const [k, value] of Object.entries(keys)) {
    Object.defineProperty(Object.prototype, k, { value, configurable: true, writable: true, enumerable: false });
  }
  return () => {
    for (const k of Object.keys(keys)) delete (Object.prototype as Record<string, unknown>)[k];
  };
}

test("a planted ttl does not make a confirmation code outlive the configured 5 minutes", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
  const t = newTest();
  await t.run((ctx) => guard.issueConfirmation(ctx, { actor: "sam", action: "warm-up" })); // configuration compiled
  const first = { actor: "sam", action: "delete:user", target: "u1" };
  const second = { actor: "sam", action: "delete:user", target: "u2" };
  const unplant = plant({ ttl: 24 * 60 * 60_000 });
  let codes: string[];
  try {
    codes = [(await t.run((ctx) => guard.issueConfirmation(ctx, first))).code, (await t.run((ctx) => guard.issueConfirmation(ctx, second))).code];
  } finally {
    unplant();
  }
  // Within the configured 5 minutes a code is accepted; after them, refused.
  vi.setSystemTime(new Date("2030-01-01T00:04:00Z"));
  expect(await t.run((ctx) => guard.consumeConfirmation(ctx, { ...second, code: codes[1]! }))).toMatchObject({ ok: true });
  vi.setSystemTime(new Date("2030-01-01T00:06:00Z"));
  expect(await t.run((ctx) => guard.consumeConfirmation(ctx, { ...first, code: codes[0]! }))).toMatchObject({ ok: false });
});

test("an omitted target is the empty target, never a planted one", async () => {
  const t = newTest();
  const unplant = plant({ target: "victim-user-id" });
  let code: string;
  try {
    ({ code } = await t.run((ctx) => guard.issueConfirmation(ctx, { actor: "sam", action: "delete:account" })));
  } finally {
    unplant();
  }
  // Issued for (sam, delete:account, ""): not accepted for the planted target.
  const planted = await t.run((ctx) =>
    guard.consumeConfirmation(ctx, { actor: "sam", action: "delete:account", target: "victim-user-id", code }),
  );
  expect(planted.ok).toBe(false);
  expect(await t.run((ctx) => guard.consumeConfirmation(ctx, { actor: "sam", action: "delete:account", code }))).toMatchObject({ ok: true });
});

test("an audit event's omitted fields stay omitted, never planted ones", async () => {
  const t = newTest();
  const unplant = plant({ actor: "innocent-admin", resourceType: "users", resourceId: "victim", details: { note: "planted" } });
  try {
    await t.run((ctx) => guard.audit.log(ctx, { action: "x.y", outcome: "success" }));
  } finally {
    unplant();
  }
  const row = (await t.run((ctx) => ctx.db.query("guardAudit").first())) as Record<string, unknown> | null;
  expect(row).toMatchObject({ action: "x.y", outcome: "success" });
  expect([row!.actor, row!.resourceType, row!.resourceId, row!.details]).toEqual([undefined, undefined, undefined, undefined]);
});

test("an audit event's omitted outcome is 'unknown', never a planted one", async () => {
  const t = newTest();
  const unplant = plant({ outcome: "success" });
  try {
    await t.run((ctx) => guard.audit.log(ctx, { action: "x.z" } as never));
  } finally {
    unplant();
  }
  expect(await t.run((ctx) => ctx.db.query("guardAudit").first())).toMatchObject({ action: "x.z", outcome: "unknown" });
});

/** Olive owns a private document; carl and eddie are users, "team" is olive's group. */
async function sharing() {
  const ISSUER = "https://issuer.example";
  const t = newTest();
  const u: Record<string, Id<"users">> = {};
  for (const p of ["olive", "carl", "eddie"]) {
    u[p] = await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p }));
  }
  const olive = t.withIdentity({ subject: "olive", issuer: ISSUER });
  const doc = await t.run((ctx) => ctx.db.insert("documents", { title: "d", body: "", ownerId: u.olive!, visibility: "private" }));
  const team = await olive.run((ctx) => guard.createGroup(ctx, "team"));
  return { t, u, olive, doc: doc as string, team: team as string };
}

test("a planted userId or groupId neither blocks nor redirects a share or a revoke", async () => {
  const { t, u, olive, doc, team } = await sharing();
  const grants = () => t.run((ctx) => ctx.db.query("accessGrants").collect());
  let unplant = plant({ groupId: team });
  try {
    await olive.run((ctx) => guard.share(ctx, "documents", doc as never, { userId: u.carl!, level: "viewer" }));
  } finally {
    unplant();
  }
  expect((await grants()).map((g) => [g.userId, g.groupId])).toEqual([[u.carl, undefined]]);
  unplant = plant({ userId: u.eddie });
  try {
    await olive.run((ctx) => guard.share(ctx, "documents", doc as never, { groupId: team as never, level: "viewer" }));
    expect(await olive.run((ctx) => guard.revoke(ctx, "documents", doc as never, { userId: u.carl! }))).toBe(true);
  } finally {
    unplant();
  }
  expect((await grants()).map((g) => [g.userId, g.groupId])).toEqual([[undefined, team]]);
});

test("a planted expiresAt or level fills in nothing a share left out", async () => {
  const { t, u, olive, doc } = await sharing();
  const unplant = plant({ expiresAt: Date.now() + 1000 });
  try {
    await olive.run((ctx) => guard.share(ctx, "documents", doc as never, { userId: u.carl!, level: "viewer" }));
  } finally {
    unplant();
  }
  const [grant] = await t.run((ctx) => ctx.db.query("accessGrants").collect());
  expect(grant).toMatchObject({ level: "viewer" });
  expect(grant!.expiresAt).toBeUndefined();
  const noLevel = plant({ level: "editor" });
  let refused: unknown;
  try {
    refused = await outcome(olive.run((ctx) => guard.share(ctx, "documents", doc as never, { userId: u.eddie! } as never)));
  } finally {
    noLevel();
  }
  expect(refused).toMatchObject({ code: "INVALID_ARGUMENT" });
});

test("a planted minLevel or cursor does not shape a listing", async () => {
  const { t, u, olive, doc } = await sharing();
  await olive.run((ctx) => guard.share(ctx, "documents", doc as never, { userId: u.carl!, level: "viewer" }));
  const carl = t.withIdentity({ subject: "carl", issuer: "https://issuer.example" });
  const listed: [string, string][] = [];
  const unplant = plant({ minLevel: "editor" });
  try {
    // The first page asks for no cursor, later ones pass the one they were given.
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const opts = cursor === undefined ? { numItems: 10 } : { numItems: 10, cursor };
      const r = await carl.run((ctx) => guard.listAccessible(ctx, "documents", { paginationOpts: opts } as never));
      listed.push(...r.page.map((x) => [x.doc._id, x.accessLevel] as [string, string]));
      if (r.isDone) break;
      cursor = r.continueCursor;
    }
  } finally {
    unplant();
  }
  // Carl's viewer grant is listed: no minimum level was asked for.
  expect(listed).toEqual([[doc, "viewer"]]);
  // And a planted cursor does not skip the first page: the listing starts where it should.
  const unplantCursor = plant({ cursor: "[3,null]" });
  let first;
  try {
    first = await carl.run((ctx) => guard.listAccessible(ctx, "documents", { paginationOpts: { numItems: 10 } } as never));
  } finally {
    unplantCursor();
  }
  expect(first.continueCursor).toBe("[1,null]");
});

test("a planted actor or time does not narrow an audit reader's listing", async () => {
  const t = newTest();
  const ISSUER = "https://auth.example";
  await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|ada`, name: "ada", role: "superadmin" }));
  await t.run((ctx) => ctx.db.insert("guardAudit", { action: "doc.edit", outcome: "success", actor: "u1" }));
  const ada = t.withIdentity({ subject: "ada", issuer: ISSUER });
  const unplant = plant({ actor: "nobody", from: 2e12, to: 1 });
  let listed: { page: unknown[] };
  try {
    listed = await ada.run((ctx) => guard.audit.list(ctx, {}, { numItems: 10, cursor: null }));
  } finally {
    unplant();
  }
  expect(listed.page).toHaveLength(1);
});
