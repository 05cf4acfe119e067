/**
 * The caller's users row (or identity), by the validated users configuration: the reads behind
 * `find` of users.ts, and the methods of {@link Authz} that use it (`userMethods`). The browser
 * entries' builds replace this module with a stub.
 * @internal
 */
import type { UserIdentity } from "convex/server";
import type { Authz, PermissionName, Subject, UserOf } from "./authz.js";
import type { AnyReaderCtx } from "./ctx.js";
import { deny, unauthenticated } from "./errors.js";
import { permissionRequired, roleRequired } from "./generated/wire.js";
import { field, type Bare } from "./fields.js";
import { onlyRow } from "./serial.js";
import type { Found, ResolvedUsers, Settings, UserFinder } from "./users.js";
import { convexAuthSubject, convexAuthUserId } from "./users-convex-auth.js";

/**
 * The caller's row (or identity with `roleClaim` alone), or `null`. With `roleClaim` beside a
 * row setup, the row found is recorded in `claimedRoles` with the identity's claim: its role.
 * @internal
 */
export async function findUser(s: Settings, ctx: AnyReaderCtx, claimedRoles?: WeakMap<object, unknown>): Promise<Found | null> {
  const identity = (await ctx.auth.getUserIdentity()) as UserIdentity | null;
  // Anything but an object is no identity (a broken auth provider must not throw here).
  if (identity === null || typeof identity !== "object") return null;
  if (s.kind === "claims") return identity;
  const row = await findRow(s, ctx, identity);
  if (row !== null && s.roleClaim !== undefined) claimedRoles?.set(row, field(identity, s.roleClaim));
  return row;
}

/** The caller's row by a row setup. */
async function findRow(s: Exclude<Settings, { kind: "claims" }>, ctx: AnyReaderCtx, identity: UserIdentity): Promise<Found | null> {
  switch (s.kind) {
    case "index": {
      const key = claimKey(identity, s.claim);
      if (key === undefined) return null;
      // The names come from the configuration, so they are only known to be strings here;
      // Convex validates them at run time.
      // Two rows for one identity (an app's sign-up that ran twice) decide for no one: refused
      // in the guard's words, naming the look-up, not Convex's `unique()` error, which lists
      // the rows' ids to a development deployment's client.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const query = (ctx.db as any).query(s.table).withIndex(s.index, (q: { eq(field: string, value: string): unknown }) => q.eq(s.field, key));
      return onlyRow<Found>(query, () => `${s.table}, for the caller's ${s.claim} claim (index ${s.index}),`, "keep one users row per identity: create it only when the look-up finds none");
    }
    case "convexAuth": {
      const named = convexAuthSubject(identity);
      const id = named === null ? null : await convexAuthUserId(ctx, named);
      return id === null ? null : rowOf(ctx, s.table, id);
    }
    case "resolve":
      return resolved(ctx, s.table, s.resolve);
  }
}

/**
 * Whether `found`, a user that a function answered (the wired `getUser`, asked from an action
 * `ctx`), is the caller `identity`'s by the rule {@link findUser} reads it with: the row's
 * `field` holds the identity's claim, the row is the one a Convex Auth token names (for 2.0,
 * its session read again through the component), or (with `roleClaim` alone, where the user is
 * the identity) it carries the caller's `tokenIdentifier` and role claim. `null` when the identity
 * names no user now (a Convex Auth token whose session is gone: signed out meanwhile).
 * `undefined` with `users.resolve`: that rule is the app's own, and needs the database.
 * @internal
 */
export async function isCallers(
  s: Settings,
  ctx: object,
  identity: unknown,
  found: Found,
  roleKey: string,
): Promise<boolean | null | undefined> {
  if (identity === null || typeof identity !== "object") return false;
  switch (s.kind) {
    case "claims": {
      const token = field(identity, "tokenIdentifier");
      // A role is a string (anything else is no role): compared as such, so an array claim
      // that crossed as JSON still matches itself, and no answer can raise it.
      const role = (o: object) => {
        const r = field(o, roleKey);
        return typeof r === "string" ? r : undefined;
      };
      return typeof token === "string" && field(found, "tokenIdentifier") === token && role(found) === role(identity);
    }
    case "index": {
      const key = claimKey(identity, s.claim);
      return key !== undefined && field(found, s.field) === key;
    }
    case "convexAuth": {
      const named = convexAuthSubject(identity);
      if (named === null) return false;
      // A 2.0 session is read again: `null` when it is gone now (signed out meanwhile).
      const id = await convexAuthUserId(ctx, named);
      return id === null ? null : field(found, "_id") === id;
    }
    case "resolve":
      return undefined;
  }
}

/**
 * How the caller is found, in words: what a check in an action sends the wired `getUser` (with
 * the roles) so that the function of a guard that finds users otherwise (another table, field,
 * claim or setup) refuses to answer for this one. A resolver is named, not compared: its code
 * cannot cross. @internal
 */
export function usersSetup(s: Settings, roleKey: string): string {
  const role = s.kind !== "claims" && s.roleClaim !== undefined ? `role claim ${roleKey}` : `role field ${roleKey}`;
  switch (s.kind) {
    case "claims":
      return `the identity, role claim ${roleKey}`;
    case "index":
      return `table ${s.table}, field ${s.field} = claim ${s.claim}, index ${s.index}, ${role}`;
    case "convexAuth":
      return `table ${s.table} by Convex Auth, ${role}`;
    case "resolve":
      return `table ${s.table} by users.resolve, ${role}`;
  }
}

/**
 * The identity's claim `claim` as the index setup looks rows up by it: a non-empty string, else
 * `undefined` (no user). The `email` claim counts only when the identity says it is verified
 * (`emailVerified === true`): any issuer of auth.config.ts may put an address its user typed
 * and never proved in a token, and that address would name another user's row. Fail closed:
 * an unverified, missing or malformed claim is no user, never another one.
 */
function claimKey(identity: object, claim: string): string | undefined {
  const key = field(identity, claim);
  if (typeof key !== "string" || key.length === 0) return undefined;
  if (claim === "email" && field(identity, "emailVerified") !== true) return undefined;
  return key;
}

/** The row `id` names, when it is an id of `table` and the row exists; else `null`. */
async function rowOf(ctx: AnyReaderCtx, table: string, id: string): Promise<Found | null> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const db = ctx.db as any;
  const normalized = db.normalizeId(table, id) as string | null;
  if (normalized === null) return null;
  return ((await db.get(normalized)) ?? null) as Found | null;
}

/** What a resolver answered, checked: a real row of `table`, read back from the database. */
async function resolved(ctx: AnyReaderCtx, table: string, resolve: ResolvedUsers["resolve"]): Promise<Found | null> {
  let answer: unknown;
  try {
    answer = await resolve(ctx);
  } catch (e) {
    // The developer sees that it threw and what kind of error; the message may carry data,
    // and Convex clients can print a function's log lines in the caller's console, so it is
    // not repeated.
    console.warn(
      `convex-guard: users.resolve threw (${e instanceof Error ? e.name : typeof e}); the caller has no user. ` +
        "A misspelt table or index name is the usual cause: type the resolver's ctx as your QueryCtx (from ./_generated/server) and tsc checks them",
    );
    return null;
  }
  if (answer === null || answer === undefined) return null;
  const id = typeof answer === "object" ? (answer as { _id?: unknown })._id : undefined;
  const row = typeof id === "string" ? await rowOf(ctx, table, id) : null;
  if (row === null) {
    console.warn(`convex-guard: users.resolve answered something that is not a row of '${table}'; the caller has no user`);
  }
  return row;
}

type UserMethods<R extends string, P extends string, T extends string, RC extends string> = Pick<
  Authz<R, P, T, RC>,
  "getUser" | "requireUser" | "requireRole" | "requirePermission"
>;

/**
 * The methods of {@link Authz} that find the caller, over `users` (its `find` reads through
 * `findUser`); `authz` gives the finished object, whose decisions they ask. Spread into it by
 * authz.ts; the browser entries, which read nothing, build it as `{}` (scripts/build-pkg.mjs).
 * @internal
 */
export function userMethods<R extends string, P extends string, T extends string, RC extends string>(
  users: UserFinder,
  authz: () => Authz<R, P, T, RC>,
): UserMethods<R, P, T, RC> {
  /**
   * What was already logged, per request (the row ids `getUser` diagnosed, and "no row"): keyed
   * by the request's `ctx.db` (Convex, and convex-test, make a new one for every execution;
   * `ctx.auth` without a db), so each is logged once per request, and no request's users outlive
   * it in a context that Convex reuses (`experimental_reuseContext`).
   */
  let reported: WeakMap<object, Set<string>> | undefined; // made at the first report

  /** Whether `key` is reported for the first time in this request (at most 16 a request, whatever the traffic). */
  function once(ctx: AnyReaderCtx, key: string): boolean {
    const { db, auth } = ctx as { db?: unknown; auth?: unknown };
    const request = [db, auth, ctx].find((k): k is object => typeof k === "object" && k !== null)!;
    reported ??= new WeakMap();
    let seen = reported.get(request);
    if (seen === undefined) reported.set(request, (seen = new Set()));
    if (seen.size >= 16 || seen.has(key)) return false;
    seen.add(key);
    return true;
  }

  /** Logs, once per row and request, a found user whose role field holds no configured role. */
  function report(ctx: AnyReaderCtx, user: Found): void {
    const diagnosis = authz().diagnoseUser(user);
    if (diagnosis !== null && once(ctx, diagnosis.id ?? "")) console.warn(diagnosis.message);
  }

  const methods: Bare<UserMethods<R, P, T, RC>> = {
    __proto__: null,
    async getUser<C extends AnyReaderCtx>(ctx: C): Promise<UserOf<C, T, RC> | null> {
      const user = await users.find(ctx);
      if (user !== null) report(ctx, user);
      return user as UserOf<C, T, RC> | null;
    },

    async requireUser<C extends AnyReaderCtx>(ctx: C) {
      const user = await authz().getUser(ctx);
      if (user === null) {
        // Signed in, but no row answers for them: the developer's to fix, logged (never told the
        // caller). Only where rows are looked up by a claim: under Convex Auth an ended session is
        // no user by design, and `users.resolve`'s answer is the app's (its failures log already).
        const s = users.settings();
        if (s.kind === "index" && (await ctx.auth.getUserIdentity()) !== null && once(ctx, "no row")) {
          console.warn(`convex-guard: a signed-in caller has no users row (${usersSetup(s, users.roleKey)}): every check denies them UNAUTHENTICATED until the row exists; create it when they sign in, unless it was deleted (then the session stays refused) (docs/auth.md: "Your auth provider")`);
        }
        unauthenticated();
      }
      return user;
    },

    async requireRole<C extends AnyReaderCtx>(ctx: C, minRole: R) {
      const user = await authz().requireUser(ctx);
      if (!authz().roleAtLeast(user as Subject, minRole)) lacksRole(minRole);
      return user;
    },

    async requirePermission<C extends AnyReaderCtx>(ctx: C, permission: PermissionName<P>) {
      const user = await authz().requireUser(ctx);
      if (!authz().can(user as Subject, permission)) lacksPermission(permission);
      return user;
    },
  };
  return methods;
}

/** `requireRole`'s denial: `FORBIDDEN` "Role '...' or higher required". @internal */
export function lacksRole(minRole: string): never {
  deny("FORBIDDEN", roleRequired(minRole));
}

/** `requirePermission`'s denial: `FORBIDDEN` "Permission '...' required". @internal */
export function lacksPermission(permission: string): never {
  deny("FORBIDDEN", permissionRequired(permission));
}
