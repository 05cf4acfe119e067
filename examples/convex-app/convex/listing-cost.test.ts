// What others share with a caller must not decide whether the caller's listing fits in one
// Convex function. An attacker's review: sharing needs no consent, so Mallory shared 100
// documents, each at the bottom of a chain of 8 folders, with Alice, who is in 3 groups; each
// listed document cost a read and 1 + 3 grant ranges per ancestor, and every listAccessible page
// of 100 failed on Convex's 4,096 index ranges per function ("Too many index ranges read").
import { convexTest } from "convex-test";
import { expect, test } from "vitest";
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
