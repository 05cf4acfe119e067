// listAccessible pages through the caller's groups by id: an attacker's review found that the
// cursor named a group by its place among the caller's memberships, so leaving (or being
// removed from) an earlier group between pages skipped a whole group's documents.
import { convexTest } from "convex-test";
import { expect, test } from "vitest";
import type { Id } from "./_generated/dataModel";
import { guard } from "./guard";
import schema from "./schema";
import { modules } from "./test.setup";

const ISSUER = "https://issuer.example";

async function aliceInThreeGroups() {
  const t = convexTest(schema, modules);
  const [alice, bob] = await t.run(async (ctx) => [
    await ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|alice`, name: "alice" }),
    await ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|bob`, name: "bob" }),
  ]);
  const as = (p: string) => t.withIdentity({ subject: p, issuer: ISSUER });
  // Bob's three groups, each with three documents shared with it; Alice joins all three.
  const byGroup = new Map<string, string[]>();
  for (const name of ["a", "b", "c"]) {
    const [group, docs] = await as("bob").run(async (ctx) => {
      const g = await guard.createGroup(ctx, name);
      const made: string[] = [];
      for (let i = 0; i < 3; i++) {
        const d = await ctx.db.insert("documents", { title: `${name}${i}`, body: "", ownerId: bob, visibility: "private" });
        await guard.share(ctx, "documents", d, { groupId: g, level: "viewer" });
        made.push(d);
      }
      await guard.addGroupMember(ctx, g, alice);
      return [g, made] as const;
    });
    await as("alice").run((ctx) => guard.acceptGroupInvite(ctx, group));
    byGroup.set(group, docs);
  }
  const groups = [...byGroup.keys()].sort(); // the order groups are paged in
  return { as, bob, alice, groups, byGroup };
}

/** Alice's listing, two a page; `between` runs before each page after the first. */
async function pageAll(as: Awaited<ReturnType<typeof aliceInThreeGroups>>["as"], between: (cursor: string) => Promise<void>) {
  const listed: string[] = [];
  let cursor: string | null = null;
  for (let calls = 0; calls < 30; calls++) {
    if (cursor !== null) await between(cursor);
    const r: { page: { doc: { _id: string } }[]; isDone: boolean; continueCursor: string } = await as("alice").run((ctx) =>
      guard.listAccessible(ctx, "documents", { paginationOpts: { numItems: 2, cursor } }),
    );
    listed.push(...r.page.map((x) => x.doc._id));
    if (r.isDone) return listed;
    cursor = r.continueCursor;
  }
  throw new Error("the listing did not end");
}

for (const how of ["leaves", "is removed by the group's owner"] as const) {
  test(`a caller who ${how} an earlier group between pages still gets every document of the later groups, once`, async () => {
    const { as, alice, groups, byGroup } = await aliceInThreeGroups();
    let done = false;
    const listed = await pageAll(as, async (cursor) => {
      // Once the listing is in the second group's phase, Alice loses the first group.
      if (done || !cursor.includes(groups[1]!)) return;
      done = true;
      if (how === "leaves") await as("alice").run((ctx) => guard.leaveGroup(ctx, groups[0] as Id<"accessGroups">));
      else await as("bob").run((ctx) => guard.removeGroupMember(ctx, groups[0] as Id<"accessGroups">, alice));
    });
    expect(done).toBe(true);
    const later = [...byGroup.get(groups[1]!)!, ...byGroup.get(groups[2]!)!];
    expect(later.filter((d) => !listed.includes(d))).toEqual([]);
    expect(listed.filter((d, i) => listed.indexOf(d) !== i)).toEqual([]);
  });
}
