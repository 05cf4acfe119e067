// A builder's access argument read by its own field: an optional id left out of the call (past
// the types) is no id, never one planted on Object.prototype by a vulnerable merge elsewhere.
// (From an attacker's review; rate-limit key arguments must be required strings, see
// tests/node/builders.test.mjs.)
import { convexTest } from "convex-test";
import { defineSchema, makeFunctionReference } from "convex/server";
import { v } from "convex/values";
import { afterEach, expect, test } from "vitest";
import { query } from "./_generated/server";
import { guard } from "./guard";
import schema from "./schema";
import { addUsers, modules, outcome } from "./test.setup";

const extra = {
  optionalAccess: guard.query(query, {
    args: { id: v.optional(v.string()) } as never,
    access: { table: "documents", arg: "id" as never, level: "viewer" },
    handler: async (ctx) => ctx.doc.title,
  }),
};

afterEach(() => {
  delete (Object.prototype as Record<string, unknown>).id;
});

test("an omitted optional access argument is no id: NOT_FOUND, never the document planted on Object.prototype", async () => {
  const t = convexTest(defineSchema(schema.tables), { ...modules, "./extra.ts": async () => extra });
  const ids = await addUsers(t, [["zed", "user"]]);
  const doc = await t.run((ctx) => ctx.db.insert("documents", { title: "public notes", body: "b", ownerId: ids.zed as never, visibility: "public" }));
  const zed = t.withIdentity({ subject: "zed", issuer: "https://auth.example" });
  const fn = makeFunctionReference<"query", { id?: string }, string>("extra:optionalAccess");
  expect(await outcome(zed.query(fn, { id: doc }))).toEqual({ ok: "public notes" });
  Object.defineProperty(Object.prototype, "id", { value: doc, configurable: true, writable: true, enumerable: false });
  expect(await outcome(zed.query(fn, {}))).toEqual({ code: "NOT_FOUND", message: "Document not found" });
});
