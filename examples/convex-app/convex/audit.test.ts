// The audit reader (convex/audit.ts `list`, guard.audit.list): every combination of actor,
// action, resource type and time range gives exactly the rows a reference filter gives, newest
// first, in pages that are never short before the last; only "admin:audit" holders read.
import { describe, expect, test } from "vitest";
import { api } from "./_generated/api";
import type { Doc } from "./_generated/dataModel";
import { guard } from "./guard";
import { newTest, outcome } from "./test.setup";

const ISSUER = "https://auth.example";
type Filter = { actor?: string; action?: string; resourceType?: string; from?: number; to?: number };

async function setup() {
  const t = newTest();
  for (const [subject, role] of [
    ["sam", "superadmin"],
    ["ada", "admin"],
  ] as const) {
    await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${subject}`, name: subject, role }));
  }
  // 30 rows, one per transaction so their times differ: every combination of field values
  // (absent fields included) appears, several times for most.
  const actors = ["u1", "u2", undefined];
  const actions = ["doc.edit", "doc.delete"];
  const types = ["documents", "folders", undefined, "documents", "users"];
  for (let i = 0; i < 30; i++) {
    const row = { action: actions[i % 2]!, outcome: "success", resourceId: `r${i}` } as Doc<"guardAudit">;
    const actor = actors[i % 3];
    const resourceType = types[i % 5];
    if (actor !== undefined) row.actor = actor;
    if (resourceType !== undefined) row.resourceType = resourceType;
    await t.run((ctx) => ctx.db.insert("guardAudit", row));
  }
  const rows = await t.run((ctx) => ctx.db.query("guardAudit").collect());
  const as = (subject: string) => t.withIdentity({ subject, issuer: ISSUER });
  /** Every page of `list` for `filter`, `numItems` at a time. */
  async function pages(who: string, filter: Filter, numItems: number) {
    const out: Doc<"guardAudit">[][] = [];
    let cursor: string | null = null;
    for (;;) {
      const r: { page: unknown[]; isDone: boolean; continueCursor: string } = await as(who).query(
        api.audit.list,
        { ...filter, paginationOpts: { numItems, cursor } },
      );
      out.push(r.page as Doc<"guardAudit">[]);
      if (r.isDone) return out;
      cursor = r.continueCursor;
      expect(out.length).toBeLessThan(100);
    }
  }
  return { t, rows, as, pages };
}

/** The reference: a plain filter over every row, newest first. */
function expected(rows: Doc<"guardAudit">[], f: Filter) {
  return rows
    .filter(
      (r) =>
        (f.actor === undefined || r.actor === f.actor) &&
        (f.action === undefined || r.action === f.action) &&
        (f.resourceType === undefined || r.resourceType === f.resourceType) &&
        (f.from === undefined || r._creationTime >= f.from) &&
        (f.to === undefined || r._creationTime < f.to),
    )
    .sort((a, b) => b._creationTime - a._creationTime)
    .map((r) => r.resourceId);
}

describe("the audit reader", () => {
  test("every combination of actor, action, resource type and time range, in full pages", async () => {
    const { rows, pages } = await setup();
    const sorted = [...rows].sort((a, b) => a._creationTime - b._creationTime);
    const from = sorted[7]!._creationTime; // row 7 is included
    const to = sorted[23]!._creationTime; // row 23 is not
    const ranges: Filter[] = [{}, { from }, { to }, { from, to }];
    let combinations = 0;
    let nonEmpty = 0;
    for (const actor of [undefined, "u1"]) {
      for (const action of [undefined, "doc.edit"]) {
        for (const resourceType of [undefined, "documents"]) {
          for (const range of ranges) {
            const filter: Filter = { ...range };
            if (actor !== undefined) filter.actor = actor;
            if (action !== undefined) filter.action = action;
            if (resourceType !== undefined) filter.resourceType = resourceType;
            const want = expected(rows, filter);
            const got = await pages("sam", filter, 2);
            // No short pages: every page but the last holds exactly numItems rows.
            for (const page of got.slice(0, -1)) expect(page, JSON.stringify(filter)).toHaveLength(2);
            expect(got.flat().map((r) => r.resourceId), JSON.stringify(filter)).toEqual(want);
            combinations++;
            if (want.length > 0) nonEmpty++;
          }
        }
      }
    }
    expect(combinations).toBe(32);
    expect(nonEmpty).toBe(32); // the data exercises every combination
  });

  test("a value that matches nothing, and a range that is empty, give an empty last page", async () => {
    const { rows, pages } = await setup();
    expect(await pages("sam", { actor: "nobody" }, 5)).toEqual([[]]);
    const t = rows[10]!._creationTime;
    expect(await pages("sam", { from: t, to: t }, 5)).toEqual([[]]);
    expect(await pages("sam", { from: t + 1, to: t }, 5)).toEqual([[]]);
  });

  test("numItems is a whole number from 1 to 100, as in every listing: refused otherwise, never clamped", async () => {
    const { t, as } = await setup();
    await t.run(async (ctx) => {
      for (let i = 0; i < 120; i++) await ctx.db.insert("guardAudit", { action: "bulk", outcome: "success" });
    });
    const first = await as("sam").query(api.audit.list, { action: "bulk", paginationOpts: { numItems: 100, cursor: null } });
    expect(first.page).toHaveLength(100);
    expect(first.isDone).toBe(false);
    for (const numItems of [101, 1000, 0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const asked = as("sam").query(api.audit.list, { action: "bulk", paginationOpts: { numItems, cursor: null } });
      expect(await outcome(asked), String(numItems)).toEqual({
        code: "INVALID_ARGUMENT",
        message: "numItems must be a whole number from 1 to 100",
      });
    }
  });

  test("only readers: an admin without admin:audit and an anonymous caller read nothing", async () => {
    const { t, as } = await setup();
    const page = { numItems: 10, cursor: null };
    for (const filter of [{}, { actor: "u1" }, { action: "doc.edit", resourceType: "documents" }, { from: 0, to: 1e15 }]) {
      expect(await outcome(as("ada").query(api.audit.list, { ...filter, paginationOpts: page }))).toEqual({
        code: "FORBIDDEN",
        message: "Permission 'admin:audit' required",
      });
      expect(await outcome(t.query(api.audit.list, { ...filter, paginationOpts: page }))).toMatchObject({
        code: "UNAUTHENTICATED",
      });
    }
  });

  test("a filter the reader does not know, or of the wrong type, is refused, never ignored", async () => {
    const { as } = await setup();
    const page = { numItems: 10, cursor: null };
    const list = (filter: unknown) =>
      outcome(as("sam").run((ctx) => guard.audit.list(ctx, filter as never, page)));
    // The message names the filters the trail reads, from the list that decides (not retyped).
    expect(await list({ resource: "documents" })).toMatchObject({
      code: "INVALID_ARGUMENT",
      message: "unknown audit filter 'resource' (actor, action, resourceType, from, to)",
    });
    expect(await list({ actor: 42 })).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(await list({ from: "yesterday" })).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(await list({ to: Number.NaN })).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(await list({ actor: "u1", from: 0 })).toMatchObject({ ok: expect.anything() });
  });

  test("attacker: a forged cursor is INVALID_ARGUMENT 'malformed cursor', as in every listing, never the parser's text", async () => {
    // An attacker's review: a plain Error quoting the parser ("Unexpected token 'g', \"garbage\"
    // is not valid JSON"), where listGrants and listMyGroups answer "malformed cursor".
    const { as, pages } = await setup();
    const malformed = { code: "INVALID_ARGUMENT", message: "malformed cursor" };
    for (const cursor of ["garbage", "{", "\\u0000"]) {
      const asked = as("sam").query(api.audit.list, { actor: "u1", paginationOpts: { numItems: 5, cursor } });
      expect(await outcome(asked), cursor).toEqual(malformed);
    }
    // Past the validator (a direct call): a cursor that is not a string.
    for (const cursor of [42, {}, ["x"]]) {
      const asked = as("sam").run((ctx) => guard.audit.list(ctx, {}, { numItems: 5, cursor } as never));
      expect(await outcome(asked), JSON.stringify(cursor)).toEqual(malformed);
    }
    // endCursor is a cursor too: it was the parser's raw error (attack41 L6).
    for (const endCursor of ["x", "garbage", 42]) {
      const asked = as("sam").run((ctx) => guard.audit.list(ctx, {}, { numItems: 2, cursor: null, endCursor } as never));
      expect(await outcome(asked), String(endCursor)).toEqual(malformed);
    }
    // A refused reader is refused first; real cursors still page through every row.
    expect(await outcome(as("ada").query(api.audit.list, { paginationOpts: { numItems: 5, cursor: "garbage" } }))).toMatchObject({
      code: "FORBIDDEN",
    });
    expect((await pages("sam", {}, 7)).flat()).toHaveLength(30);
  });
});

// attack28: `acter`, `resourceID` and `detail` were dropped and the row written without them
// (an audit row with no actor). A misspelt key is refused, naming it, and nothing is written.
test("audit.log refuses a misspelt key and writes no row", async () => {
  const t = newTest();
  await expect(t.run((ctx) => guard.audit.log(ctx, { action: "x", outcome: "success", acter: "u" } as never))).rejects.toThrow(
    "audit event: unknown key 'acter' (did you mean 'actor'?)",
  );
  await expect(t.run((ctx) => guard.audit.log(ctx, { action: "x", outcome: "success", resourceID: "d" } as never))).rejects.toThrow(
    "audit event: unknown key 'resourceID' (did you mean 'resourceId'?)",
  );
  expect(await t.run((ctx) => ctx.db.query("guardAudit").collect())).toEqual([]);
  await t.run((ctx) => guard.audit.log(ctx, { action: "x", outcome: "success", actor: "u", resourceId: "d", details: { a: 1 } }));
  expect((await t.run((ctx) => ctx.db.query("guardAudit").collect())).map((r) => r.actor)).toEqual(["u"]);
});
