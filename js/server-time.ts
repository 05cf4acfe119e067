/**
 * The server's clock, for countdowns that agree with the server (`useRateLimitStatus` in
 * `convex-guard/react`).
 */

/**
 * A query definition that returns the server's `Date.now()`. Register it in your app and pass
 * its result to `useRateLimitStatus` (or `useServerOffset`). It reads no table and takes no
 * arguments. Convex may answer a query from its cache: a time read earlier only makes the
 * countdown longer, never shorter; register it with `mutation(serverTime)` and call it once
 * instead when that matters.
 *
 * @example
 * ```ts
 * // convex/clock.ts
 * import { query } from "./_generated/server";
 * import { serverTime } from "convex-guard";
 * export const now = query(serverTime);
 * ```
 */
export const serverTime = {
  args: {},
  handler: async (): Promise<number> => Date.now(),
};
