/**
 * The caller's users row (or identity), by the validated users configuration: the reads behind
 * `find` of users.ts. The browser entries' builds replace this module with a stub.
 * @internal
 */
import type { UserIdentity } from "convex/server";
import type { AnyReaderCtx } from "./ctx.js";
import type { Found, ResolvedUsers, Settings } from "./users.js";

/** The caller's row (or identity with `roleClaim`), or `null`. @internal */
export async function findUser(s: Settings, ctx: AnyReaderCtx): Promise<Found | null> {
  const identity = (await ctx.auth.getUserIdentity()) as UserIdentity | null;
  // Anything but an object is no identity (a broken auth provider must not throw here).
  if (identity === null || typeof identity !== "object") return null;
  switch (s.kind) {
    case "claims":
      return identity;
    case "index": {
      const key = ownClaim(identity, s.claim);
      if (typeof key !== "string" || key.length === 0) return null;
      // The names come from the configuration, so they are only known to be strings here;
      // Convex validates them at run time.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const row = await (ctx.db as any)
        .query(s.table)
        .withIndex(s.index, (q: { eq(field: string, value: string): unknown }) => q.eq(s.field, key))
        .unique();
      return (row ?? null) as Found | null;
    }
    case "convexAuth": {
      const id = convexAuthUserId(identity.subject);
      return id === null ? null : rowOf(ctx, s.table, id);
    }
    case "resolve":
      return resolved(ctx, s.table, s.resolve);
  }
}

/** A claim the identity itself carries (never one inherited from a prototype). */
function ownClaim(identity: UserIdentity, claim: string): unknown {
  return Object.prototype.hasOwnProperty.call(identity, claim)
    ? (identity as unknown as Record<string, unknown>)[claim]
    : undefined;
}

/**
 * The users id in a Convex Auth subject: Convex Auth signs `sub` as `userId|sessionId`
 * (`getAuthUserId` reads the part before the `|`). Any other shape is not its token: `null`.
 */
function convexAuthUserId(subject: unknown): string | null {
  if (typeof subject !== "string") return null;
  const bar = subject.indexOf("|");
  if (bar <= 0 || bar === subject.length - 1 || subject.indexOf("|", bar + 1) !== -1) return null;
  return subject.slice(0, bar);
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
    console.warn(`convex-guard: users.resolve threw (${e instanceof Error ? e.name : typeof e}); the caller has no user`);
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
