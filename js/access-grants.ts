/**
 * What owners see of a document's grants ({@link Access.listGrants}), and the one call that
 * removes everything the guard keeps about a deleted user ({@link ForgetUser.forgetUser}).
 * The grant listing's decision (who may list) is the engine's share decision, taken in
 * access-documents.ts; this file holds the shapes and the deletion.
 */
import type { GenericDataModel } from "convex/server";
import type { WriterCtx } from "./ctx.js";
import { ARG_KEY_PREFIX, GLOBAL_KEY } from "./defaults.js";
import { deny } from "./errors.js";
import { CLIENT_MESSAGE } from "./generated/wire.js";
import { serially } from "./serial.js";
import { RATE_LIMIT_TABLE, RATE_LIMIT_KEY_INDEX } from "./ratelimit-table.js";
import type { Row } from "./access-codec.js";
import { isInvitation } from "./access-groups.js";
import type { AnyDb, Eq } from "./access-store.js";
import { ACCESS_TABLES_FIX, GRANTS, MEMBERS, type GrantId, type GroupId } from "./access-tables.js";
import { RATE_LIMIT_FIX } from "./actions-ratelimit.js";
import { codesTableFix } from "./confirm-table.js";
import { withTable } from "./wiring.js";

/**
 * One grant on a document, as {@link Access.listGrants} lists it. `U` is the user id type: a
 * guard's `listGrants` gives `DocumentGrant<L, Id<"users">>` (its users table's ids). Exactly
 * one of `userId` and `groupId` is set, who holds the grant, and the type says so: testing one
 * narrows the other, so a listed grant goes back to {@link Access.revoke} without a cast.
 *
 * @example
 * ```ts
 * for (const g of page) await guard.revoke(ctx, "documents", id, g.userId !== undefined ? { userId: g.userId } : { groupId: g.groupId });
 * ```
 */
export type DocumentGrant<L extends string, U extends string = string> = GrantHolder<U> & {
  /** The grant row's id. */
  grantId: GrantId;
  /**
   * The level granted; `null` for a grant that gives nothing: a stale one, whose level name is
   * no longer configured (a level renamed or removed since it was written), or one stored at
   * the owner's level (written around the guard, or made the top one by a change of levels),
   * which only ownership gives. Either can be revoked.
   */
  level: L | null;
  /** Ms since the epoch; missing: never expires. An expired grant is listed until removed. */
  expiresAt?: number;
  /** Who shared it (a users id); missing on rows written without it. */
  grantedBy?: U;
};

/** Who holds a {@link DocumentGrant}: a user or a group, never both. */
export type GrantHolder<U extends string = string> = { userId: U; groupId?: undefined } | { groupId: GroupId; userId?: undefined };

/** What {@link ForgetUser.forgetUser} deleted in one call, per kind of row. */
export type ForgetUserResult = {
  /** `false`: the call stopped at its bound and more rows remain; call again (see the example). */
  done: boolean;
  /** Grants given to the user (on any document of any table). */
  grants: number;
  /** Their accepted group memberships. */
  memberships: number;
  /** Their pending group invitations. */
  invitations: number;
  /** Rate-limit rows whose key is the user's id (every limit, every shard). */
  rateLimits: number;
  /** Their pending confirmation codes (bindings where they are the actor). */
  confirmations: number;
  /** Their actor failure-count row (0 or 1). */
  failureCounts: number;
};

/**
 * Removing a deleted user's security state. `U` is the user id type: a guard's is its users
 * table's ids (`Id<"users">`), or `string` with `users.roleClaim` alone (identity keys).
 */
export interface ForgetUser<U extends string = string> {
  /**
   * Deletes everything the guard keeps about `userId`: the grants given to them, their group
   * memberships and invitations, the rate-limit rows keyed by their id, their pending
   * confirmation codes and their actor failure count. Returns how many rows of each kind it
   * deleted. Every row is found through an index, never a scan.
   *
   * **Bounded:** one call deletes at most 100 rows in all (the engine's page bound), so it
   * stays within a mutation's limits whatever the user holds. When it returns
   * `done: false`, more rows remain: schedule the same internal mutation again.
   *
   * **Not deleted:** the documents they own and the groups they own (their `ownerId`) are
   * the app's data: transfer or delete them in the app's own deletion flow. Grants the user
   * made to others stay valid (grants are not chained to their sharer), as do rate-limit
   * rows keyed by anything but their id (an IP, an identity subject: the app knows those).
   *
   * **Authorization:** none. It deletes security state (a lockout's failure count, a rate
   * limit), so call it only from an internal mutation, after the app has decided the user
   * is deleted (e.g. behind a confirmation code); never expose it to clients as is.
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` when `userId` is not an id of the users table
   * (with `users.roleClaim` alone: an empty string, `"global"` or a builder's `arg:` key), whatever
   * its type says: the check is made at run time.
   * @example
   * ```ts
   * export const forgetUser = internalMutation({
   *   args: { userId: v.id("users") },
   *   handler: async (ctx, { userId }) => {
   *     const result = await guard.forgetUser(ctx, userId);
   *     if (!result.done) await ctx.scheduler.runAfter(0, internal.deletion.forgetUser, { userId });
   *     return result;
   *   },
   * });
   * ```
   */
  forgetUser<DM extends GenericDataModel>(ctx: WriterCtx<DM>, userId: U): Promise<ForgetUserResult>;
}


/** @internal */
export function createForgetUser(options: {
  /** The engine's page bound: rows deleted per call. */
  limit: () => number;
  /** The codes table when confirmations are configured. */
  confirmations?: string;
  /** Whether rate limits are configured (else their table need not exist). */
  rateLimits: boolean;
  /** Whether access is configured (else its tables need not exist, and hold nothing of ours). */
  access: boolean;
  /** The users table, whose ids alone are users; `null` with `users.roleClaim` (no rows: a
   * user's keys are identities). */
  usersTable: string | null;
}): ForgetUser {
  return {
    async forgetUser(ctx, userId) {
      const db = ctx.db as AnyDb;
      const out: ForgetUserResult = {
        done: true,
        grants: 0,
        memberships: 0,
        invitations: 0,
        rateLimits: 0,
        confirmations: 0,
        failureCounts: 0,
      };
      let budget = options.limit();
      // Each step reads at most what is left of the budget; one that fills it leaves
      // `done: false` (the next call finds out whether anything remains).
      // A table missing from the schema is the developer's to fix: a GuardConfigError naming the
      // line to add, never Convex's index error (which a scheduled deletion would retry forever).
      const step = async (table: string, fix: string, query: () => AnyDb, count: (row: Row) => keyof Omit<ForgetUserResult, "done">) => {
        if (budget === 0) {
          out.done = false;
          return;
        }
        const rows = (await withTable(table, fix, () => query().take(budget))) as Row[];
        for (const row of rows) {
          await db.delete(row._id);
          out[count(row)]++;
        }
        budget -= rows.length;
        if (budget === 0) out.done = false;
      };
      // A missing id is the caller's bug: refused, never an empty success. So is a string that
      // is no user's: "global" (everyone's budget), a builder's `arg:` key, any other table's id.
      if (
        typeof userId !== "string" ||
        userId.length === 0 ||
        (options.usersTable === null ? userId === GLOBAL_KEY || userId.startsWith(ARG_KEY_PREFIX) : db.normalizeId(options.usersTable, userId) === null)
      ) {
        deny("INVALID_ARGUMENT", CLIENT_MESSAGE.FORGET_USER_ID);
      }
      // In turn with the transaction's other reads-then-writes of the guard's rows (serial.ts).
      await serially(db, async () => {
        if (options.access) {
          await step(
            GRANTS,
            ACCESS_TABLES_FIX,
            () => db.query(GRANTS).withIndex("by_user", (q: Eq) => q.eq("userId", userId)),
            () => "grants",
          );
          await step(
            MEMBERS,
            ACCESS_TABLES_FIX,
            () => db.query(MEMBERS).withIndex("by_user", (q: Eq) => q.eq("userId", userId)),
            (row) => (isInvitation(row) ? "invitations" : "memberships"),
          );
        }
        if (options.rateLimits) {
          await step(
            RATE_LIMIT_TABLE,
            RATE_LIMIT_FIX,
            () => db.query(RATE_LIMIT_TABLE).withIndex(RATE_LIMIT_KEY_INDEX, (q: Eq) => q.eq("key", userId)),
            () => "rateLimits",
          );
        }
        if (options.confirmations !== undefined) {
          const table = options.confirmations;
          await step(
            table,
            codesTableFix(table),
            () => db.query(table).withIndex("by_binding", (q: Eq) => q.eq("actor", userId)),
            // The actor's failure count is the reserved binding with an empty action.
            (row) => (row.action === "" ? "failureCounts" : "confirmations"),
          );
        }
      });
      return out;
    },
  };
}
