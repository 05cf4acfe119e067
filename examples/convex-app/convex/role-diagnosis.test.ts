// Rows whose role is not a configured role name: denied (they hold no role), and reported to
// the developer once per request, never to the caller. convex-test runs every request of a file
// in one module context, as Convex does for a module that opts into context reuse: the report
// must still come with each request (nothing of one request's users is kept for the next).
import { afterEach, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { convexAuthGuard } from "./authProviders";
import { newTest, outcome } from "./test.setup";

afterEach(() => vi.restoreAllMocks());

const ISSUER = "https://happy-otter-123.convex.site";

test("a bad role is denied and reported once, naming the row, the type and the closest role", async () => {
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  const t = newTest();
  const cases = [
    { role: "Admin", type: "a string", closest: "'admin'" },
    { role: ["moderator"], type: "an array", closest: "'moderator'" },
    { role: true, type: "a boolean", closest: null },
    { role: 3, type: "a number", closest: null },
    { role: "moderater", type: "a string", closest: "'moderator'" },
    { role: "root", type: "a string", closest: null },
  ];
  for (const c of cases) {
    const id = await t.run((ctx) => ctx.db.insert("authUsers", { name: "x", role: c.role }));
    const as = t.withIdentity({ issuer: ISSUER, subject: `${id}|session` });
    warn.mockClear();
    for (let i = 0; i < 2; i++) {
      const got = await outcome(as.query(api.authProviders.convexAuthMe, { minRole: "user" }));
      // The caller learns nothing about the row: the usual denial, word for word.
      expect(got, JSON.stringify(c.role)).toEqual({ code: "FORBIDDEN", message: "Role 'user' or higher required" });
    }
    expect(warn, JSON.stringify(c.role)).toHaveBeenCalledTimes(2); // once in each request
    const line = String(warn.mock.calls[0]![0]);
    expect(String(warn.mock.calls[1]![0])).toBe(line);
    expect(line).toContain(id);
    expect(line).toContain(`has ${c.type} in 'role'`);
    if (c.closest === null) expect(line).not.toContain("closest");
    else expect(line).toContain(`closest configured role: ${c.closest}`);
    // Within one request, once however often the user is looked up.
    warn.mockClear();
    await as.run(async (ctx) => {
      await convexAuthGuard.getUser(ctx);
      await convexAuthGuard.getUser(ctx);
    });
    expect(warn, JSON.stringify(c.role)).toHaveBeenCalledTimes(1);
  }
});

test("a good role, or none, is not reported", async () => {
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  const t = newTest();
  for (const row of [{ name: "a", role: "admin" }, { name: "b" }]) {
    const id = await t.run((ctx) => ctx.db.insert("authUsers", row));
    await t.withIdentity({ issuer: ISSUER, subject: `${id}|session` }).query(api.authProviders.convexAuthMe, {});
  }
  expect(warn).not.toHaveBeenCalled();
});

test("diagnoseUser answers the same, for tools and tests", () => {
  expect(convexAuthGuard.diagnoseUser({ _id: "k1", role: "Admin" })).toMatchObject({
    id: "k1",
    field: "role",
    valueType: "string",
    closest: "admin",
  });
  expect(convexAuthGuard.diagnoseUser({ _id: "k1", role: "admin" })).toBeNull();
  expect(convexAuthGuard.diagnoseUser({ _id: "k1" })).toBeNull();
});

test("the schema's role and level validators accept exactly the configured names", async () => {
  const t = newTest();
  await t.run((ctx) => ctx.db.insert("invitations", { email: "a@example.com", role: "admin", level: "editor" }));
  for (const bad of [
    { role: "Admin", level: "editor" },
    { role: "admin", level: "Editor" },
    { role: "__proto__", level: "viewer" },
    { role: "admin", level: "root" },
  ]) {
    await expect(
      t.run((ctx) => ctx.db.insert("invitations", { email: "b@example.com", ...bad } as never)),
      JSON.stringify(bad),
    ).rejects.toThrow(/Validator|validator|does not match/);
  }
});
