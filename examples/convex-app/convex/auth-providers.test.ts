// Each auth setup of convex/authProviders.ts, called with the identity its provider really
// produces (what Convex turns the provider's JWT into), and attacked from the caller's side.
import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { newTest, outcome, type Outcome } from "./test.setup";

const UNAUTH: Outcome = { code: "UNAUTHENTICATED", message: "Authentication required" };
const forbidden = (role: string): Outcome => ({ code: "FORBIDDEN", message: `Role '${role}' or higher required` });
const fn = api.authProviders;

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe("Convex Auth: subject `userId|sessionId`, issuer the deployment's site URL", () => {
  // @convex-dev/auth signs sub = userId + "|" + sessionId, iss = CONVEX_SITE_URL, aud "convex";
  // Convex makes tokenIdentifier = iss + "|" + sub, so it changes with every session.
  const ISSUER = "https://happy-otter-123.convex.site";
  const session = (userId: string, sessionId = "k97bx9jd3ffzj7f1xf1rjmya4n7c8v3q") => ({
    issuer: ISSUER,
    subject: `${userId}|${sessionId}`,
  });

  async function world() {
    const t = newTest();
    const ada = await t.run((ctx) => ctx.db.insert("authUsers", { name: "Ada", role: "admin" }));
    const uma = await t.run((ctx) => ctx.db.insert("authUsers", { name: "Uma", role: "user" }));
    return { t, ada, uma };
  }

  test("the row is the _id before the |, whatever the session", async () => {
    const { t, ada, uma } = await world();
    for (const sessionId of ["k97bx9jd3ffzj7f1xf1rjmya4n7c8v3q", "k972hsq1x0f6mbz0zg4mj2r0ed7c9kdn"]) {
      const as = t.withIdentity(session(ada, sessionId));
      expect(await as.query(fn.convexAuthMe, { minRole: "admin" })).toEqual({ id: ada, role: "admin" });
    }
    expect(await outcome(t.withIdentity(session(uma)).query(fn.convexAuthMe, { minRole: "admin" }))).toEqual(
      forbidden("admin"),
    );
    expect(await outcome(t.query(fn.convexAuthMe, {}))).toEqual(UNAUTH);
  });

  test("a subject naming a row of another table is no user", async () => {
    const { t } = await world();
    const other = await t.run((ctx) =>
      ctx.db.insert("externalUsers", { externalId: "user_x", name: "Other", role: "admin" }),
    );
    expect(await outcome(t.withIdentity(session(other)).query(fn.convexAuthMe, {}))).toEqual(UNAUTH);
  });

  test("malformed subjects are no user", async () => {
    const { t, ada } = await world();
    for (const subject of [ada, `${ada}|`, `|${ada}`, `${ada}|s1|s2`, "not-an-id|session", "|", "", "__proto__|x"]) {
      const as = t.withIdentity({ issuer: ISSUER, subject });
      expect(await outcome(as.query(fn.convexAuthMe, {})), JSON.stringify(subject)).toEqual(UNAUTH);
    }
  });

  test("the subject of a deleted user is no user", async () => {
    const { t, ada } = await world();
    await t.run((ctx) => ctx.db.delete(ada));
    expect(await outcome(t.withIdentity(session(ada)).query(fn.convexAuthMe, {}))).toEqual(UNAUTH);
  });

  test("attacker: a `<usersId>|x` subject from another issuer of auth.config.ts is no user", async () => {
    // An attacker's review: the issuer was ignored, so a second provider whose subjects a user
    // can influence named any Convex Auth row. Convex sets CONVEX_SITE_URL in every deployment.
    vi.stubEnv("CONVEX_SITE_URL", ISSUER);
    const { t, ada } = await world();
    expect(await t.withIdentity(session(ada)).query(fn.convexAuthMe, { minRole: "admin" })).toEqual({ id: ada, role: "admin" });
    for (const issuer of ["https://other-provider.example", `${ISSUER}/`, ISSUER.toUpperCase(), "", "https://happy-otter-123.convex.cloud"]) {
      const as = t.withIdentity({ issuer, subject: `${ada}|whatever` });
      expect(await outcome(as.query(fn.convexAuthMe, {})), issuer).toEqual(UNAUTH);
    }
  });

  test("where CONVEX_SITE_URL is not set (a test that does not set it), the issuer is not checked", async () => {
    // convex-test sets no CONVEX_SITE_URL: a test's identity may have any issuer (documented).
    vi.stubEnv("CONVEX_SITE_URL", undefined);
    const { t, ada } = await world();
    const as = t.withIdentity({ issuer: "https://convex.test", subject: `${ada}|s1` });
    expect(await as.query(fn.convexAuthMe, {})).toEqual({ id: ada, role: "admin" });
  });
});

describe("Clerk and Auth0: the provider's user id kept in `externalId`", () => {
  // Clerk's Convex JWT template: sub = the Clerk user id, iss = the Clerk frontend API URL.
  const clerk = {
    issuer: "https://verb-noun-42.clerk.accounts.dev",
    subject: "user_2NNEqL2nrIRdJ194ndJqAHwEfxC",
    name: "Ada Lovelace",
    email: "ada@example.com",
    emailVerified: true,
    pictureUrl: "https://img.clerk.com/abc",
  };
  // Auth0's ID token: sub = connection|id, iss = the tenant URL with its trailing slash.
  const auth0 = {
    issuer: "https://dev-abc123.us.auth0.com/",
    subject: "google-oauth2|104857204934957375562",
    nickname: "uma",
    email: "uma@example.com",
    emailVerified: true,
  };

  async function world() {
    const t = newTest();
    await t.run(async (ctx) => {
      await ctx.db.insert("externalUsers", { externalId: clerk.subject, name: "Ada", role: "admin" });
      await ctx.db.insert("externalUsers", { externalId: auth0.subject, name: "Uma", role: "user" });
    });
    return t;
  }

  test("each provider's subject finds its row through the index", async () => {
    const t = await world();
    expect(await t.withIdentity(clerk).query(fn.externalIdMe, { minRole: "admin" })).toMatchObject({ role: "admin" });
    expect(await t.withIdentity(auth0).query(fn.externalIdMe, { minRole: "user" })).toMatchObject({ role: "user" });
    expect(await outcome(t.withIdentity(auth0).query(fn.externalIdMe, { minRole: "moderator" }))).toEqual(
      forbidden("moderator"),
    );
  });

  test("an identity whose subject has no row is no user", async () => {
    const t = await world();
    for (const subject of ["user_someoneElse", "auth0|104857204934957375562", clerk.subject.toLowerCase()]) {
      expect(await outcome(t.withIdentity({ ...clerk, subject }).query(fn.externalIdMe, {}))).toEqual(UNAUTH);
    }
  });
});

describe("roles in a token claim, no database read", () => {
  test("Clerk: a `role` claim from public metadata", async () => {
    const t = newTest();
    const as = t.withIdentity({
      issuer: "https://verb-noun-42.clerk.accounts.dev",
      subject: "user_2NNEqL2nrIRdJ194ndJqAHwEfxC",
      role: "moderator",
    });
    expect(await as.query(fn.clerkClaimMe, { minRole: "moderator" })).toEqual({
      id: "https://verb-noun-42.clerk.accounts.dev|user_2NNEqL2nrIRdJ194ndJqAHwEfxC",
      role: "moderator",
    });
    expect(await outcome(as.query(fn.clerkClaimMe, { minRole: "admin" }))).toEqual(forbidden("admin"));
    // Nothing was read: there is no users row at all.
    expect(await t.run((ctx) => ctx.db.query("users").collect())).toEqual([]);
  });

  test("Auth0: a namespaced claim from an Action", async () => {
    const t = newTest();
    const as = t.withIdentity({
      issuer: "https://dev-abc123.us.auth0.com/",
      subject: "auth0|64f1c2d3e4f5a6b7c8d9e0f1",
      "https://app.example.com/role": "admin",
      role: "user", // a claim of the same short name elsewhere in the token is not read
    });
    expect(await as.query(fn.auth0ClaimMe, { minRole: "admin" })).toMatchObject({ id: expect.stringContaining("auth0|") });
  });

  test("the rate-limit key is the identity's tokenIdentifier, never a custom `_id` claim", async () => {
    const t = newTest();
    const issuer = "https://verb-noun-42.clerk.accounts.dev";
    // One caller whose token carries an `_id` claim of their choosing, changed at every call.
    const as = (n: number) => t.withIdentity({ issuer, subject: "user_mallory", role: "user", _id: `victim-${n}` } as never);
    const answers = [];
    for (let n = 0; n < 4; n++) answers.push(await outcome(as(n).mutation(fn.clerkClaimWrite, {})));
    expect(answers.map((a) => ("ok" in a ? "ok" : a.code))).toEqual(["ok", "ok", "RATE_LIMITED", "RATE_LIMITED"]);
    const rows = await t.run((ctx) => ctx.db.query("guardRateLimits").collect());
    expect(rows.map((r) => r.key)).toEqual([`${issuer}|user_mallory`]);
    // Another identity has its own budget.
    const other = t.withIdentity({ issuer, subject: "user_olive", role: "user" });
    expect(await other.mutation(fn.clerkClaimWrite, {})).toBe(`${issuer}|user_olive`);
  });

  test("a missing, non-string or object-key role claim holds no role", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const t = newTest();
    for (const role of [undefined, ["admin"], true, 3, { admin: true }, null, "Admin", "admin ", "__proto__", "constructor", "toString", ""]) {
      const as = t.withIdentity({ issuer: "https://issuer.example", subject: "s", role } as never);
      expect(await outcome(as.query(fn.clerkClaimMe, {})), JSON.stringify(role)).toHaveProperty("ok"); // signed in
      expect(await outcome(as.query(fn.clerkClaimMe, { minRole: "user" })), JSON.stringify(role)).toEqual(
        forbidden("user"),
      );
    }
    expect(await outcome(t.query(fn.clerkClaimMe, {}))).toEqual(UNAUTH);
  });
});

describe("by e-mail: users: { claim: \"email\" }", () => {
  // An attacker's review: the claim was read and nothing else, so an unverified e-mail (a
  // provider that lets anyone type one, or another issuer of auth.config.ts) named the row.
  async function world() {
    const t = newTest();
    const ada = await t.run((ctx) => ctx.db.insert("authUsers", { name: "Ada", email: "ada@corp.example", role: "admin" }));
    await t.run((ctx) => ctx.db.insert("authUsers", { name: "Phone-only", role: "admin" }));
    return { t, ada };
  }

  test("a verified e-mail finds its row", async () => {
    const { t, ada } = await world();
    const as = t.withIdentity({ issuer: "https://issuer.example", subject: "x", email: "ada@corp.example", emailVerified: true });
    expect(await as.query(fn.emailMe, { minRole: "admin" })).toEqual({ id: ada, role: "admin" });
  });

  test("attacker: an unverified, unstated or non-boolean emailVerified is no user, never the row", async () => {
    const { t } = await world();
    for (const emailVerified of [false, undefined, "true", 1]) {
      const identity = { issuer: "https://other-provider.example", subject: "mallory", email: "ada@corp.example", emailVerified };
      const as = t.withIdentity(identity as never);
      expect(await outcome(as.query(fn.emailMe, {})), JSON.stringify(emailVerified)).toEqual(UNAUTH);
    }
  });

  test("attacker: no e-mail claim is no user, never the row without an e-mail", async () => {
    const { t } = await world();
    for (const identity of [{ subject: "mallory" }, { subject: "mallory", emailVerified: true }, { subject: "m", email: "", emailVerified: true }]) {
      const as = t.withIdentity({ issuer: "https://issuer.example", ...identity });
      expect(await outcome(as.query(fn.emailMe, {})), JSON.stringify(identity)).toEqual(UNAUTH);
    }
  });
});

describe("a custom resolver", () => {
  test("finds the row it answers", async () => {
    const t = newTest();
    const ada = await t.run((ctx) => ctx.db.insert("authUsers", { name: "Ada", email: "ada@example.com", role: "admin" }));
    const as = t.withIdentity({ issuer: "https://issuer.example", subject: "x", email: "ada@example.com", emailVerified: true });
    expect(await as.query(fn.resolverMe, { minRole: "admin" })).toEqual({ id: ada, role: "admin" });
    const unverified = t.withIdentity({ issuer: "https://issuer.example", subject: "x", email: "ada@example.com" });
    expect(await outcome(unverified.query(fn.resolverMe, {}))).toEqual(UNAUTH);
  });

  test("the README's recipe: a caller without an e-mail claim is no user, never the row without an e-mail", async () => {
    // An attacker's review: the recipe queried q.eq("email", identity.email) after a null check
    // only, and with no email claim that range selects the rows without an email.
    const t = newTest();
    await t.run((ctx) => ctx.db.insert("authUsers", { name: "Phone-only", role: "admin" }));
    const noEmail = t.withIdentity({ issuer: "https://issuer.example", subject: "mallory" });
    expect(await outcome(noEmail.query(fn.resolverMe, {}))).toEqual(UNAUTH);
  });

  test("a resolver that throws means no user, and its error text reaches neither caller nor log", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const t = newTest();
    const as = t.withIdentity({ issuer: "https://issuer.example", subject: "x" });
    let thrown: unknown;
    try {
      await as.query(fn.throwingMe, {});
    } catch (e) {
      thrown = e;
    }
    expect((thrown as { data?: unknown }).data).toEqual(UNAUTH);
    expect(String((thrown as Error).message)).not.toContain("hunter2");
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain("users.resolve threw (Error)");
    // The usual cause, and how tsc catches it, named without repeating the error's text.
    expect(String(warn.mock.calls[0]![0])).toContain("type the resolver's ctx as your QueryCtx");
    expect(String(warn.mock.calls[0]![0])).not.toContain("hunter2");
  });

  test("a row of another table is no user", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const t = newTest();
    await t.run((ctx) => ctx.db.insert("externalUsers", { externalId: "x", name: "Mallory", role: "admin" }));
    const as = t.withIdentity({ issuer: "https://issuer.example", subject: "x" });
    expect(await outcome(as.query(fn.otherTableMe, {}))).toEqual(UNAUTH);
  });

  test("a forged object is no user; a forged role on a real id is the row's real role", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const t = newTest();
    const uma = await t.run((ctx) => ctx.db.insert("authUsers", { name: "Uma", role: "user" }));
    const fake = t.withIdentity({ issuer: "https://issuer.example", subject: "k57fake0000000000000000000000000" });
    expect(await outcome(fake.query(fn.forgedMe, { minRole: "user" }))).toEqual(UNAUTH);
    const real = t.withIdentity({ issuer: "https://issuer.example", subject: uma });
    expect(await real.query(fn.forgedMe, {})).toEqual({ id: uma, role: "user" });
    expect(await outcome(real.query(fn.forgedMe, { minRole: "admin" }))).toEqual(forbidden("admin"));
  });
});
