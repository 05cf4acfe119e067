// Regression tests from a security review of the access layer, written from the attacker's
// side. Each one failed before its fix.
import { defineGuard } from "convex-guard";
import { afterEach, expect, test, vi } from "vitest";
import { guard } from "./guard";
import { newTest, outcome } from "./test-helpers";

const ISSUER = "https://issuer.example";

// A guard whose share level sits below the level just under the owner's, so a sharer can see
// grants above their own level (the example's guard shares from "editor" only).
const lowShare = defineGuard({
  roles: ["user"],
  access: {
    levels: ["viewer", "commenter", "editor", "owner"],
    shareLevel: "commenter",
    tables: {
      folders: { owner: "ownerId", visibility: "visibility", parent: "parentId" },
      documents: { owner: "ownerId", visibility: "visibility", parent: "folderId", parentTable: "folders" },
    },
  },
});

async function setUp() {
  const t = newTest();
  const u: Record<string, string> = {};
  for (const p of ["olive", "carl", "eddie", "mallory"]) {
    u[p] = await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${p}`, name: p }));
  }
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  const doc = await t.run((ctx) =>
    ctx.db.insert("documents", { title: "d", body: "", ownerId: u.olive as never, visibility: "private" }),
  );
  return { t, u, as, doc: doc as string };
}

afterEach(() => {
  vi.useRealTimers();
});

test("re-sharing cannot downgrade or expire a grant above the sharer's own level", async () => {
  const { u, as, doc } = await setUp();
  await as("olive").run((ctx) => lowShare.share(ctx, "documents", doc, { userId: u.carl!, level: "commenter" }));
  await as("olive").run((ctx) => lowShare.share(ctx, "documents", doc, { userId: u.eddie!, level: "editor" }));
  const denied = { code: "FORBIDDEN", message: "You cannot grant a level above your own" };
  // revoke refuses, and so must a share that would replace the grant
  expect(await outcome(as("carl").run((ctx) => lowShare.revoke(ctx, "documents", doc, { userId: u.eddie! })))).toEqual(denied);
  expect(
    await outcome(
      as("carl").run((ctx) =>
        lowShare.share(ctx, "documents", doc, { userId: u.eddie!, level: "viewer", expiresAt: 1 }),
      ),
    ),
  ).toEqual(denied);
  const eddie = await as("eddie").run((ctx) => lowShare.readable(ctx, "documents", doc));
  expect(eddie?.accessLevel).toBe("editor");
});

test("an expiring grant cannot be made permanent by re-sharing to oneself", async () => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.UTC(2026, 0, 1));
  const { u, as, doc } = await setUp();
  await as("olive").run((ctx) =>
    guard.share(ctx, "documents", doc, { userId: u.eddie!, level: "editor", expiresAt: Date.now() + 3_600_000 }),
  );
  expect(
    await outcome(as("eddie").run((ctx) => guard.share(ctx, "documents", doc, { userId: u.eddie!, level: "editor" }))),
  ).toEqual({ code: "FORBIDDEN", message: "You cannot share a document with yourself" });
  vi.setSystemTime(Date.UTC(2026, 0, 2));
  expect(await as("eddie").run((ctx) => guard.readable(ctx, "documents", doc))).toBeNull();
});

test("readableMany answers the same whether a hidden document exists or not (no batch-size oracle)", async () => {
  const { t, u, as } = await setUp();
  // 1000 documents of her own fill the engine's batch if batches are sized by what was found.
  const mine = await t.run(async (ctx) => {
    const ids: string[] = [];
    for (let i = 0; i < 1000; i++) {
      ids.push(await ctx.db.insert("documents", { title: "m", body: "", ownerId: u.mallory as never, visibility: "private" }));
    }
    return ids;
  });
  const hidden = await t.run((ctx) =>
    ctx.db.insert("documents", { title: "s", body: "", ownerId: u.olive as never, visibility: "private" }),
  );
  const gone = await t.run(async (ctx) => {
    const id = await ctx.db.insert("documents", { title: "g", body: "", ownerId: u.olive as never, visibility: "private" });
    await ctx.db.delete(id);
    return id;
  });
  const ask = (last: string) =>
    outcome(
      as("mallory").run(async (ctx) =>
        (await guard.readableMany(ctx, "documents", [...mine, last])).map((r) => r?.accessLevel ?? null),
      ),
    );
  const [withHidden, withGone] = [await ask(hidden), await ask(gone)];
  expect(withHidden).toEqual(withGone);
  expect(withHidden).toEqual({ ok: [...mine.map(() => "owner"), null] });
});
