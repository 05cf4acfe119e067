// A page the guard reads must fit in one Convex function whatever others wrote. Listings: what
// others share with a caller must not decide whether the caller's listing fits. An attacker's review: sharing needs no consent, so Mallory shared 100
// documents, each at the bottom of a chain of 8 folders, with Alice, who is in 3 groups; each
// listed document cost a read and 1 + 3 grant ranges per ancestor, and every listAccessible page
// of 100 failed on Convex's 4,096 index ranges per function ("Too many index ranges read").
import { convexTest } from "convex-test";
import { afterEach, expect, test, vi } from "vitest";
import type { Id } from "./_generated/dataModel";
import { guard } from "./guard";
import schema from "./schema";
import { modules } from "./test.setup";

const ISSUER = "https://issuer.example";

test("a caller in 3 groups pages through 100 documents shared deep in folders, within Convex's limits", async () => {
  const t = convexTest({ schema, modules, transactionLimits: true });
  const [alice, mallory] = await t.run(async (ctx) => [
    await ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|alice`, name: "alice" }),
    await ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|mallory`, name: "mallory" }),
  ]);
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  // Alice's own three teams.
  await as("alice").run(async (ctx) => {
    for (const name of ["a", "b", "c"]) await guard.addGroupMember(ctx, await guard.createGroup(ctx, name), alice, "editor");
  });
  // Mallory's 100 chains of 8 folders, a document at the bottom of each, shared with Alice.
  const leaves: Id<"documents">[] = [];
  for (let chain = 0; chain < 100; chain += 10) {
    leaves.push(
      ...(await as("mallory").run(async (ctx) => {
        const made: Id<"documents">[] = [];
        for (let c = 0; c < 10; c++) {
          let parentId: Id<"folders"> | undefined = undefined;
          for (let d = 0; d < 8; d++) {
            parentId = await ctx.db.insert("folders", { name: "f", ownerId: mallory, visibility: "private", parentId });
          }
          const leaf = await ctx.db.insert("documents", { title: "t", body: "", ownerId: mallory, visibility: "private", folderId: parentId });
          await guard.share(ctx, "documents", leaf, { userId: alice, level: "viewer" });
          made.push(leaf);
        }
        return made;
      })),
    );
  }
  const listed: string[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  for (let calls = 0; calls < 20; calls++) {
    const r: { page: { doc: { _id: string } }[]; isDone: boolean; continueCursor: string } = await as("alice").run((ctx) =>
      guard.listAccessible(ctx, "documents", { paginationOpts: { numItems: 100, cursor } }),
    );
    listed.push(...r.page.map((x) => x.doc._id));
    sizes.push(r.page.length);
    if (r.isDone) break;
    cursor = r.continueCursor;
  }
  expect(listed.sort()).toEqual([...leaves].sort());
  // At most 45 a page for a caller in 3 groups (LISTING_PAGE_ITEMS, from the engine's budget).
  expect(Math.max(...sizes)).toBe(45);
});

afterEach(() => vi.unstubAllEnvs());

test("a page of 100 audit rows of the largest details, in any script, fits within Convex's limits", async () => {
  // The review: 100,000 UTF-16 units of CJK text a row are 300 KB, so 60 such rows (what an
  // upstream's error body or a caller's arguments can fill) made a page of 100 read past the
  // 16 MiB a function may read: the reader's view of that stretch of the trail failed.
  vi.stubEnv("CONVEX_GUARD_SECRET", "test-secret-0123456789abcdef0123456789abcdef");
  const t = convexTest({ schema, modules, transactionLimits: true });
  await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|ada`, name: "ada", role: "superadmin" }));
  const details = Object.fromEntries([...Array(60)].map((_, i) => [`f${i}`, "漢".repeat(2000)]));
  for (let i = 0; i < 100; i += 20) {
    await t.run(async (ctx) => {
      for (let j = 0; j < 20; j++) await guard.audit.log(ctx, { action: "ext.call", outcome: "denied", actor: "mallory", details });
    });
  }
  const rows = await t.run((ctx) => ctx.db.query("guardAudit").collect());
  // Each row's details hold about 100,000 bytes in UTF-8, not 100,000 characters.
  const bytes = Math.max(...rows.map((r) => new TextEncoder().encode(JSON.stringify(r.details)).length));
  expect(bytes).toBeGreaterThan(90_000);
  expect(bytes).toBeLessThan(110_000);
  const page = await t
    .withIdentity({ subject: "ada", issuer: ISSUER })
    .run((ctx) => guard.audit.list(ctx, {}, { numItems: 100, cursor: null }));
  expect(page.page).toHaveLength(100);
});
