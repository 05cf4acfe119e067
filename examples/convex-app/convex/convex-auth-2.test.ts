/// <reference types="vite/client" />
// @convex-dev/auth 2.0 (the real package, pinned in package.json) under `users: { convexAuth:
// true }`: its core component registered from node_modules, sessions minted by the component
// itself (the path every sign-in method ends on), the identity Convex derives from the access
// token it signed, and the guard's queries, mutations and actions called as that session.
// Then attacked from the caller's side.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, components } from "./_generated/api";
import { newTest, outcome, type Outcome } from "./test.setup";

// The component as 2.0 ships it (dist/component: its schema, public.ts, _generated, ...).
const authModules = import.meta.glob("../node_modules/@convex-dev/auth/dist/component/**/*.js");
const SCHEMA = "../node_modules/@convex-dev/auth/dist/component/schema.js";

// What Convex sets in every deployment: 2.0 signs iss = `${CONVEX_CLOUD_URL}/components/auth`,
// 0.0.x signed iss = CONVEX_SITE_URL.
const CLOUD = "https://happy-otter-123.convex.cloud";
const SITE = "https://happy-otter-123.convex.site";
const ISSUER = `${CLOUD}/components/auth`;

const UNAUTH: Outcome = { code: "UNAUTHENTICATED", message: "Authentication required" };
const forbidden = (role: string): Outcome => ({ code: "FORBIDDEN", message: `Role '${role}' or higher required` });
const ttl = { accessTokenTtlSeconds: 60, refreshInactivityTimeoutSeconds: 3600, sessionMaxLifetimeSeconds: 86_400 };

beforeEach(() => {
  vi.stubEnv("CONVEX_CLOUD_URL", CLOUD);
  vi.stubEnv("CONVEX_SITE_URL", SITE);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** The claims of a JWT (its signature is convex-test's; Convex would have verified it). */
function claims(jwt: string): { sub: string; iss: string; aud: string } {
  const payload = jwt.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, "=")));
}

async function world(register = true) {
  const t = newTest();
  if (register) {
    const schema = ((await authModules[SCHEMA]!()) as { default: Parameters<typeof t.registerComponent>[1] }).default;
    t.registerComponent("auth", schema, authModules);
  }
  const ada = await t.run((ctx) => ctx.db.insert("authUsers", { name: "Ada", role: "admin" }));
  const uma = await t.run((ctx) => ctx.db.insert("authUsers", { name: "Uma", role: "user" }));
  /** A session of `userId`, minted by 2.0's core as a sign-in method's `completeSignIn` does. */
  const signIn = async (userId: string) => {
    const tokens = await t.mutation(components.auth.public._internal_dangerous_signIn, {
      claims: { method: "usernamePassword", profile: {} },
      componentPath: "authPassword",
      userId,
      ...ttl,
    });
    const { sub, iss, aud } = claims(tokens.accessToken);
    return { tokens, sessionId: sub, identity: { subject: sub, issuer: iss, aud } };
  };
  return { t, ada, uma, signIn };
}

type World = Awaited<ReturnType<typeof world>>;
type Identity = { subject: string; issuer?: string };

/** The caller's row and role through a query, a mutation and an action of convexAuthGuard. */
async function everywhere(t: World["t"], identity: Identity, minRole?: "user" | "moderator" | "admin") {
  const as = t.withIdentity(identity);
  return {
    query: await outcome(as.query(api.authProviders.convexAuthMe, minRole === undefined ? {} : { minRole })),
    action: await outcome(as.action(api.convexAuthActions.meFromAction, minRole === undefined ? {} : { minRole })),
    getUserFromAction: await outcome(as.action(api.convexAuthActions.whoFromAction, {})),
  };
}
const nobody = { query: UNAUTH, action: UNAUTH, getUserFromAction: { ok: null } };

describe("@convex-dev/auth 2.0: the subject is a session id, read through the auth component", () => {
  test("the access token 2.0 signs: subject the session id, issuer the component, audience convex-auth", async () => {
    const { ada, signIn } = await world();
    const { identity, tokens } = await signIn(ada);
    expect(identity).toEqual({ subject: expect.not.stringContaining("|"), issuer: ISSUER, aud: "convex-auth" });
    expect(tokens.userId).toBe(ada);
  });

  test("a live session finds its user in queries, mutations and actions", async () => {
    const { t, ada, uma, signIn } = await world();
    const adaIn = (await signIn(ada)).identity;
    const me = { ok: { id: ada, role: "admin" } };
    expect(await everywhere(t, adaIn, "admin")).toEqual({ query: me, action: me, getUserFromAction: { ok: ada } });
    expect(await t.withIdentity(adaIn).mutation(api.convexAuthActions.renameMe, { name: "Ada L." })).toBe(ada);
    expect(await t.run((ctx) => ctx.db.get(ada))).toMatchObject({ name: "Ada L." });
    // 2.0's own getAuthUserId (behind the app's isAuthenticated) agrees.
    expect(await t.withIdentity(adaIn).query(api.auth.isAuthenticated, {})).toBe(true);

    const umaIn = (await signIn(uma)).identity;
    expect(await everywhere(t, umaIn, "admin")).toEqual({
      query: forbidden("admin"),
      action: forbidden("admin"),
      getUserFromAction: { ok: uma },
    });
    expect(await outcome(t.withIdentity(umaIn).mutation(api.convexAuthActions.renameMe, { name: "x" }))).toEqual(
      forbidden("moderator"),
    );
  });

  test("attacker: a signed-out session is no user, though its token is still valid", async () => {
    const { t, ada, signIn } = await world();
    const { identity, tokens } = await signIn(ada);
    expect((await everywhere(t, identity)).query).toEqual({ ok: { id: ada, role: "admin" } });
    // Sign-out through the app's own 2.0 endpoint (setupConvexAuth's signOut) deletes the session.
    await t.mutation(api.auth.signOut, { refreshToken: tokens.refreshToken });
    expect(await everywhere(t, identity, "admin")).toEqual(nobody);
    expect(await outcome(t.withIdentity(identity).mutation(api.convexAuthActions.renameMe, { name: "x" }))).toEqual(UNAUTH);
    expect(await t.withIdentity(identity).query(api.auth.isAuthenticated, {})).toBe(false);
  });

  test("attacker: a session revoked by the app (revokeSessions) is no user", async () => {
    const { t, ada, signIn } = await world();
    const { identity, sessionId } = await signIn(ada);
    const other = await signIn(ada);
    expect((await everywhere(t, identity)).action).toEqual({ ok: { id: ada, role: "admin" } });
    await t.mutation(components.auth.public.revokeSessions, { sessionIds: [sessionId] });
    expect(await everywhere(t, identity)).toEqual(nobody);
    // Her other session is untouched.
    expect((await everywhere(t, other.identity)).query).toEqual({ ok: { id: ada, role: "admin" } });
  });

  test("attacker: a live session of a deleted user is no user", async () => {
    const { t, ada, signIn } = await world();
    const { identity } = await signIn(ada);
    expect((await everywhere(t, identity)).query).toEqual({ ok: { id: ada, role: "admin" } });
    await t.run((ctx) => ctx.db.delete(ada));
    expect(await everywhere(t, identity)).toEqual(nobody);
  });

  test("attacker: a session whose userId is a row of another table is no user", async () => {
    const { t, signIn } = await world();
    const other = await t.run((ctx) => ctx.db.insert("externalUsers", { externalId: "x", name: "Other", role: "admin" }));
    const { identity } = await signIn(other);
    expect(await everywhere(t, identity)).toEqual(nobody);
  });

  test("attacker: a session id presented by another issuer of auth.config.ts is no user", async () => {
    const { t, ada, signIn } = await world();
    const { sessionId, identity } = await signIn(ada);
    expect((await everywhere(t, identity)).query).toEqual({ ok: { id: ada, role: "admin" } });
    // Session ids are document ids, not secrets: a provider whose subjects someone can choose
    // must not name Ada's session. Only 2.0's own issuer counts.
    for (const issuer of [
      "https://other-provider.example",
      SITE, // 0.0.x's issuer
      CLOUD, // a token the deployment signed as the app
      `${CLOUD}/components/authPassword`, // a sign-in method's attestation
      `${ISSUER}/`,
      ISSUER.toUpperCase(),
    ]) {
      expect(await everywhere(t, { subject: sessionId, issuer }), issuer).toEqual(nobody);
    }
  });

  test("a token of another issuer is no user, and the log says which issuer counts", async () => {
    const { t, ada, signIn } = await world();
    const { sessionId } = await signIn(ada);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      // What a test gets from @convex-dev/auth/test's sessionIdentity: the subject alone.
      expect((await everywhere(t, { subject: sessionId })).query).toEqual(nobody.query);
      const lines = warn.mock.calls.map((c) => String(c[0]));
      expect(lines.some((l) => l.includes("is not Convex Auth 2.0's") && l.includes(JSON.stringify(ISSUER)))).toBe(true);
    } finally {
      warn.mockRestore();
    }
  });

  test("attacker: a 0.0.x-shaped subject naming someone else is no user under 2.0's issuer", async () => {
    const { t, ada, uma, signIn } = await world();
    const umaSession = (await signIn(uma)).sessionId;
    // userId|sessionId, as 0.0.x signed it: from 2.0's issuer it is not 0.0.x's token.
    for (const subject of [`${ada}|${umaSession}`, `${umaSession}|${ada}`, `${ada}|x`]) {
      expect(await everywhere(t, { subject, issuer: ISSUER }), subject).toEqual(nobody);
    }
  });

  test("attacker: made-up subjects are no user", async () => {
    const { t, ada, uma, signIn } = await world();
    const { sessionId } = await signIn(uma);
    // Ada's users id (not a session), ids of deleted sessions, non-ids, the prototype's names.
    const deleted = (await signIn(ada)).sessionId;
    await t.mutation(components.auth.public.revokeSessions, { sessionIds: [deleted] });
    for (const subject of [ada, deleted, `${sessionId}x`, sessionId.slice(1), "not-an-id", "__proto__", "constructor", " "]) {
      expect(await everywhere(t, { subject, issuer: ISSUER }), subject).toEqual(nobody);
    }
  });

  test("in tests, the identity needs 2.0's issuer: the subject alone (sessionIdentity) is no user", async () => {
    // 2.0 signs in only where CONVEX_CLOUD_URL is set (its core reads it), so a test sets it,
    // and the guard then checks the issuer: @convex-dev/auth/test's sessionIdentity(tokens)
    // gives the subject alone (convex-test's default issuer), which fails closed. The README's
    // recipe adds the issuer the deployment would have signed.
    const { t, ada, signIn } = await world();
    const { sessionId } = await signIn(ada);
    expect(await everywhere(t, { subject: sessionId } as Identity)).toEqual(nobody);
    const recipe = { subject: sessionId, issuer: `${process.env.CONVEX_CLOUD_URL}/components/auth` };
    expect((await everywhere(t, recipe)).query).toEqual({ ok: { id: ada, role: "admin" } });
    // Where it is not set (the guard's only), the issuer is not checked, as with 0.0.x.
    vi.stubEnv("CONVEX_CLOUD_URL", undefined);
    expect((await everywhere(t, { subject: sessionId } as Identity)).query).toEqual({ ok: { id: ada, role: "admin" } });
  });

  test("misconfigured: without the auth component, a session id is no user, and the log names the fix", async () => {
    const { t } = await world(false);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(await everywhere(t, { subject: "k97bx9jd3ffzj7f1xf1rjmya4n7c8v3q", issuer: ISSUER })).toEqual(nobody);
    expect(warn.mock.calls.flat().join("\n")).toMatch(/session look-up \(components\.auth\.public\.getSession\) threw.*app\.use\(auth\)/);
    // A new user's test on 0.0.x gave a subject without `|`: the log names that shape too.
    expect(warn.mock.calls.flat().join("\n")).toMatch(/On Convex Auth 0\.0\.x, a subject is `userId\|sessionId`/);
  });

  test("0.0.x tokens keep working beside 2.0: each shape counts from its own issuer only", async () => {
    const { t, ada, signIn } = await world();
    const { sessionId } = await signIn(ada);
    expect((await everywhere(t, { subject: `${ada}|${sessionId}`, issuer: SITE })).query).toEqual({ ok: { id: ada, role: "admin" } });
    expect(await everywhere(t, { subject: sessionId, issuer: SITE })).toEqual(nobody);
  });
});
