/**
 * `users: { convexAuth: true }`: the users id a Convex Auth token names, for both versions of
 * `@convex-dev/auth`, told apart by the token's subject (the I/O behind users-find.ts's
 * `convexAuth` cases; no decision of the engine's is made here).
 *
 * - 0.0.x signs `sub` = `userId|sessionId`, `iss` = the deployment's `CONVEX_SITE_URL`: the
 *   users id is the part before the `|` (what its `getAuthUserId` reads).
 * - 2.0 is a component mounted as `auth` (it refuses any other mount) and signs `sub` = the
 *   session id alone, `iss` = `${CONVEX_CLOUD_URL}/components/auth`: the users id is the
 *   session's `userId`, read through the component's `public.getSession` (what its
 *   `getAuthUserId` does), so a signed-out or revoked session names no one, even while the
 *   token is still valid. A session id never contains a `|`.
 *
 * Each shape counts only from its own issuer, where the deployment's URL is known. Anything
 * else (another shape, another issuer, no session, a look-up that fails or answers something
 * else) is no user; a look-up that cannot be made is logged with its fix.
 * @internal
 */
import { componentsGeneric, type FunctionReference } from "convex/server";
import type { AnyReaderCtx } from "./ctx.js";
import { field } from "./fields.js";

/** The path 2.0's core component must be mounted at (its `CORE_COMPONENT_PATH`). */
const MOUNT = "auth";

/** What a Convex Auth token names: a users id (0.0.x), a session id (2.0), or nothing (`null`). */
export type ConvexAuthSubject = { version: "0.0.x"; userId: string } | { version: "2.0"; sessionId: string } | null;

/**
 * What the identity's subject and issuer make of it, without I/O: the users id of a 0.0.x
 * token, the session id of a 2.0 token, or `null` (no Convex Auth token of this deployment).
 */
export function convexAuthSubject(identity: object): ConvexAuthSubject {
  const subject = field(identity, "subject");
  if (typeof subject !== "string" || subject.length === 0) return null;
  const issuer = field(identity, "issuer");
  const bar = subject.indexOf("|");
  if (bar === -1) {
    return issuerIs(issuer, "CONVEX_CLOUD_URL", `/components/${MOUNT}`) ? { version: "2.0", sessionId: subject } : null;
  }
  if (bar === 0 || bar === subject.length - 1 || subject.indexOf("|", bar + 1) !== -1) return null;
  return issuerIs(issuer, "CONVEX_SITE_URL", "") ? { version: "0.0.x", userId: subject.slice(0, bar) } : null;
}

/**
 * Whether `issuer` is the deployment's `variable` (trailing slashes dropped, as Convex does when
 * it signs) followed by `path`. Read at each call. Where the variable is not set (convex-test,
 * unless a test sets it; Node) there is nothing to compare with and the issuer is not checked;
 * Convex sets both in every deployment.
 */
function issuerIs(issuer: unknown, variable: "CONVEX_SITE_URL" | "CONVEX_CLOUD_URL", path: string): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const url = env?.[variable];
  if (url === undefined) return true;
  // 0.0.x signs with CONVEX_SITE_URL exactly as set; 2.0's issuer is made by the deployment.
  const expected = path === "" ? url : `${url.replace(/\/+$/, "")}${path}`;
  if (issuer === expected) return true;
  // Another provider's token, or a test calling without the issuer: say which one counts.
  console.warn(
    `convex-guard: users.convexAuth: a token of issuer ${typeof issuer === "string" ? JSON.stringify(issuer) : typeof issuer} ` +
      `is not Convex Auth ${path === "" ? "0.0.x" : "2.0"}'s (it signs as ${JSON.stringify(expected)}); the caller has no user`,
  );
  return false;
}

/**
 * The users id a Convex Auth token names, unchecked (the caller reads the row through
 * `normalizeId`): 0.0.x's is in its subject; 2.0's is its session's `userId`, read through the
 * `auth` component ({@link sessionUserId}), `null` when there is none.
 */
export async function convexAuthUserId(ctx: AnyReaderCtx | object, named: NonNullable<ConvexAuthSubject>): Promise<string | null> {
  return named.version === "0.0.x" ? named.userId : sessionUserId(ctx, named.sessionId);
}

type GetSession = FunctionReference<"query", "internal", { sessionId: string }, { userId: string } | null>;

/**
 * The users id (unchecked: the caller reads the row through `normalizeId`) whose live session
 * `sessionId` is, through the `auth` component; `null` when there is no such session, and when
 * the look-up fails or answers anything but `{ userId: string }` (logged, without the error's
 * text: a Convex client may print a function's log lines).
 */
async function sessionUserId(ctx: AnyReaderCtx | object, sessionId: string): Promise<string | null> {
  const runQuery = (ctx as { runQuery?: unknown }).runQuery;
  if (typeof runQuery !== "function") {
    console.warn(
      "convex-guard: users.convexAuth: a Convex Auth 2.0 token (its subject is a session id) is looked up through " +
        "the auth component with ctx.runQuery, and this context has none; the caller has no user",
    );
    return null;
  }
  // The reference of components.auth.public.getSession, made here as @convex-dev/auth's
  // getAuthUserId makes it (no codegen needed).
  const getSession = (componentsGeneric() as unknown as Record<string, { public: { getSession: GetSession } }>)[MOUNT]!.public
    .getSession;
  let answer: unknown;
  try {
    answer = await (runQuery as (f: GetSession, a: { sessionId: string }) => Promise<unknown>).call(ctx, getSession, { sessionId });
  } catch (e) {
    console.warn(
      `convex-guard: users.convexAuth: the Convex Auth 2.0 session look-up (components.${MOUNT}.public.getSession) threw ` +
        `(${e instanceof Error ? e.name : typeof e}); the caller has no user. Mount @convex-dev/auth 2.0 as ` +
        "`app.use(auth)` in convex/convex.config.ts (in convex-test: register its component as \"auth\"). " +
        "On Convex Auth 0.0.x, a subject is `userId|sessionId`: one without `|` is read as 2.0's session id " +
        "(in convex-test: t.withIdentity({ subject: `${userId}|session1` }))",
    );
    return null;
  }
  if (answer === null) return null;
  const userId = typeof answer === "object" ? field(answer, "userId") : undefined;
  if (typeof userId !== "string") {
    console.warn(
      `convex-guard: users.convexAuth: components.${MOUNT}.public.getSession answered something that is not a ` +
        "Convex Auth 2.0 session; the caller has no user",
    );
    return null;
  }
  return userId;
}
