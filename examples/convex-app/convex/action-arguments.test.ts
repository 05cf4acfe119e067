// A name or key that is no string, given to a check in an action (an attacker's review):
// `guard.rateLimit`, `checkRateLimit`, `requireRole` and `requirePermission` failed there with
// Convex's own "Validator error" (naming the internal function's argument shapes) or a
// TypeError, where the same call in a mutation answers ConvexError INVALID_ARGUMENT; and
// `requireRole(ctx, undefined)` from an action answered the caller's row (anonymous: `null`)
// with no role checked. Now an action reads the request with the mutation's own checks, and a
// role or permission name that cannot cross to the wired query is refused by the mutation's
// own decision once the caller is found: the same ConvexError data, nothing taken.
import { convexTest } from "convex-test";
import { makeFunctionReference } from "convex/server";
import { v } from "convex/values";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { action } from "./_generated/server";
import { guard } from "./guard";
import schema from "./schema";
import { addUsers, modules, thrown } from "./test.setup";

const ISSUER = "https://auth.example";

type Method = "rateLimit" | "checkRateLimit" | "requireRole" | "requirePermission";

/** The guard's `method` given `a` and `b` as they are (past the types). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const call = (ctx: any, method: Method, a: unknown, b: unknown) => (guard[method] as (...args: unknown[]) => Promise<unknown>)(ctx, a, ...(method.startsWith("require") ? [] : [b]));

const extra = {
  // Omitted `a` or `b` reach the guard as `undefined`.
  call: action({
    args: { method: v.string(), a: v.optional(v.any()), b: v.optional(v.any()) },
    handler: (ctx, { method, a, b }) => call(ctx, method as Method, a, b),
  }),
};
const ref = makeFunctionReference<"action", { method: Method; a?: unknown; b?: unknown }>("extra:call");

async function world() {
  const t = convexTest(schema, { ...modules, "./extra.ts": async () => extra });
  await addUsers(t, [["ada", "superadmin"]]);
  const ada = t.withIdentity({ subject: "ada", issuer: ISSUER });
  const rows = () => t.run((ctx) => ctx.db.query("guardRateLimits").collect());
  return { t, ada, rows };
}

beforeEach(() => vi.stubEnv("CONVEX_GUARD_SECRET", "test-secret-0123456789abcdef0123456789abcdef"));
afterEach(() => vi.unstubAllEnvs());

/** Values that are no name or key; `undefined`: the argument left out. */
const hostile = (s: string): [string, unknown][] => [
  ["null", null],
  ["an object", { toString: s }],
  ["an array", [s]],
  ["a number", 5],
  ["undefined", undefined],
];
const args = (a: unknown, b: unknown) => ({ ...(a === undefined ? {} : { a }), ...(b === undefined ? {} : { b }) });

describe("from an action, the mutation's INVALID_ARGUMENT for a name or key that is no string", () => {
  const cases: [Method, string, unknown, unknown][] = [];
  for (const method of ["rateLimit", "checkRateLimit"] as const) {
    for (const [what, name] of hostile("upload")) cases.push([method, `name ${what}`, name, { key: "k" }]);
    for (const [what, key] of hostile("k")) cases.push([method, `key ${what}`, "upload", key === undefined ? {} : { key }]);
    cases.push([method, "count a string", "upload", { key: "k", count: "1" }]);
  }
  for (const [what, name] of hostile("superadmin")) cases.push(["requireRole", what, name, undefined]);
  for (const [what, name] of hostile("read:users")) cases.push(["requirePermission", what, name, undefined]);

  for (const [method, what, a, b] of cases) {
    test(`${method}: ${what}`, async () => {
      const s = await world();
      const inAction = await thrown(s.ada.action(ref, { method, ...args(a, b) }));
      const inMutation = await thrown(s.ada.run((ctx) => call(ctx, method, a, b)));
      expect(inMutation.data).toMatchObject({ code: "INVALID_ARGUMENT" });
      expect(inAction.data).toEqual(inMutation.data);
      expect(await s.rows()).toEqual([]);
    });
  }

  test("an anonymous caller: UNAUTHENTICATED first, as in a mutation", async () => {
    const s = await world();
    for (const method of ["requireRole", "requirePermission"] as const) {
      for (const [, name] of hostile("superadmin")) {
        const inAction = await thrown(s.t.action(ref, { method, ...args(name, undefined) }));
        const inMutation = await thrown(s.t.run((ctx) => call(ctx, method, name, undefined)));
        expect(inMutation.data).toMatchObject({ code: "UNAUTHENTICATED" });
        expect(inAction.data).toEqual(inMutation.data);
      }
    }
  });

  test("string names and keys still answer as before", async () => {
    const s = await world();
    expect(await s.ada.action(ref, { method: "rateLimit", a: "upload", b: { key: "k" } })).toEqual({ ok: true, remaining: 2, retryAfter: 0 });
    expect(await s.ada.action(ref, { method: "checkRateLimit", a: "upload", b: { key: "k", count: 2 } })).toEqual({ ok: true, remaining: 0, retryAfter: 0 });
    expect(await s.ada.action(ref, { method: "requireRole", a: "admin" })).toMatchObject({ name: "ada" });
    expect(await s.ada.action(ref, { method: "requirePermission", a: "admin:audit" })).toMatchObject({ name: "ada" });
    const unknown = await thrown(s.ada.action(ref, { method: "rateLimit", a: "uplaod", b: { key: "k" } }));
    expect(unknown.data).toEqual({ code: "INVALID_ARGUMENT", message: "unknown rate limit 'uplaod'" });
    expect((await s.rows()).map((r) => [r.name, r.key])).toEqual([["upload", "k"]]);
  });
});
