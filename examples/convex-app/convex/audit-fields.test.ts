// An audit event's fields are strings, never stringified or dropped (an attacker's review):
// `guard.audit.log` stored `actor: 5` as "5" and `actor: true` as "true" (an app's
// `actor: user !== null`), dropped `actor: null` (an app's `actor: user?._id ?? null`), and
// took an empty action or outcome, where an object was refused: each row filed under another
// actor, or none, where a search by actor never finds it. From a mutation and from an action.
import { convexTest } from "convex-test";
import { makeFunctionReference } from "convex/server";
import { v } from "convex/values";
import { expect, test } from "vitest";
import { action } from "./_generated/server";
import { guard } from "./guard";
import schema from "./schema";
import { modules, thrown } from "./test.setup";

const extra = { log: action({ args: { event: v.any() }, handler: (ctx, { event }) => guard.audit.log(ctx, event) }) };
const log = makeFunctionReference<"action", { event: unknown }>("extra:log");

function world() {
  const t = convexTest(schema, { ...modules, "./extra.ts": async () => extra });
  const rows = () => t.run((ctx) => ctx.db.query("guardAudit").collect());
  /** The event logged from a mutation and from an action: what each threw, or `undefined`. */
  const logged = async (event: unknown) => [
    await t.run((ctx) => guard.audit.log(ctx, event as never)).then(() => undefined, (e: { data?: unknown }) => e.data),
    await t.action(log, { event }).then(() => undefined, (e: { data?: unknown }) => e.data),
  ];
  return { t, rows, logged };
}

const base = { action: "users.delete", outcome: "success" };
const notText = { code: "INVALID_ARGUMENT", message: "audit event fields are strings" };

test("a number, a boolean, null or an object in any text field is refused, and no row is written", async () => {
  const s = world();
  for (const field of ["actor", "action", "outcome", "resourceType", "resourceId"]) {
    for (const value of [5, true, false, 0, null, { _id: "u" }, ["u"]]) {
      expect(await s.logged({ ...base, [field]: value }), `${field}: ${JSON.stringify(value)}`).toEqual([notText, notText]);
    }
  }
  expect(await s.rows()).toEqual([]);
});

test("an empty action or outcome is refused (both are required); an empty resource id is kept", async () => {
  const s = world();
  const empty = { code: "INVALID_ARGUMENT", message: "an audit event's action and outcome are not empty" };
  expect(await s.logged({ ...base, action: "" })).toEqual([empty, empty]);
  expect(await s.logged({ ...base, outcome: "" })).toEqual([empty, empty]);
  expect(await s.rows()).toEqual([]);
  expect(await s.logged({ ...base, actor: "users:1", resourceType: "users", resourceId: "" })).toEqual([undefined, undefined]);
  const rows = await s.rows();
  expect(rows.map((r) => [r.action, r.outcome, r.actor, r.resourceType, r.resourceId])).toEqual([
    ["users.delete", "success", "users:1", "users", ""],
    ["users.delete", "success", "users:1", "users", ""],
  ]);
});

test("an optional field left out (or undefined) is absent from the row", async () => {
  const s = world();
  await s.t.run((ctx) => guard.audit.log(ctx, { ...base, actor: undefined, resourceType: undefined }));
  const [row] = await s.rows();
  expect(row).toMatchObject(base);
  expect([row!.actor, row!.resourceType, row!.resourceId]).toEqual([undefined, undefined, undefined]);
});
