/**
 * Rate limits from an action (split from actions.ts, which holds the public types and the
 * user checks): both sides of the wired `rateLimit` internal mutation. The asking side (in the
 * action) reads its requests as a mutation reads them and sends them with each limit's
 * configuration; the answering side (the wired mutation) takes from the limits with the
 * guard's own `rateLimit`, `checkRateLimit` or `rateLimitAll` in its transaction, only when
 * its guard configures every limit asked for the same. Each answer's shape is checked where
 * it is read: whatever is exported at the wired path is not trusted to be the guard's.
 */
import type { MutationBuilder, GenericDataModel, RegisteredMutation } from "convex/server";
import { v } from "convex/values";
import type { WriterCtx } from "./ctx.js";
import { own } from "./fields.js";
import { num } from "./engine.js";
import { ALL_OPTION_KEYS, checkOptionKeys, OPTION_KEYS } from "./config-keys.js";
import { GuardConfigError } from "./errors.js";
import {
  knownLimitConfig,
  limitConfig,
  tooMany,
  type RateLimitBatchDecision,
  type RateLimitDecision,
  type RateLimitOptions,
  type RateLimitRequest,
  type RateLimits,
} from "./ratelimit.js";
import { checkRequests, requestOf } from "./ratelimit-store.js";
import { RATE_LIMIT_TABLE } from "./ratelimit-table.js";
import { answeredFor, withTable } from "./wiring.js";

/** @internal */
export const RATE_LIMIT_FIX =
  "spread rateLimitTables into your schema: `defineSchema({ ...rateLimitTables, ...yourTables })`";

/** One entry of the wired `rateLimit`'s list form: `config` is the asking guard's configuration of the limit. */
type WiredRequest = { name: string; key: string; count?: number; config: string };

/**
 * What the wired `rateLimit` is asked: one limit (`name`, `key`, `count`, `consume`), or with
 * `requests` alone several, all or nothing (`guard.rateLimitAll`, which always consumes).
 * `config`: the asking guard's configuration of the limit (of each listed limit); given, the
 * decision carries it back (`configs`), and a guard that configures a limit otherwise answers
 * `{ config }` (`{ configs }`) alone, taking nothing.
 */
export type WiredRateLimit = RegisteredMutation<
  "internal",
  { name?: string; key?: string; count?: number; consume?: boolean; config?: string; requests?: WiredRequest[] },
  Promise<(RateLimitDecision & { config?: string }) | (Partial<RateLimitBatchDecision> & { configs: string[] })>
>;

/**
 * Whether `d` is a decision as the guard's own `rateLimit` function answers it: `ok` a
 * boolean, `remaining` and `retryAfter` finite and not negative (0 when admitted).
 */
function isDecision(d: unknown): d is RateLimitDecision {
  const r = d as Partial<Record<keyof RateLimitDecision, unknown>> | null;
  return (
    typeof r === "object" &&
    r !== null &&
    typeof r.ok === "boolean" &&
    typeof r.remaining === "number" &&
    r.remaining >= 0 &&
    r.remaining < Infinity &&
    typeof r.retryAfter === "number" &&
    (r.ok ? r.retryAfter === 0 : r.retryAfter >= 0 && r.retryAfter < Infinity)
  );
}

/** The decision alone, as a mutation answers it: whatever else the wired function sent is dropped. */
const decisionOnly = (d: RateLimitDecision): RateLimitDecision => ({ ok: d.ok, remaining: d.remaining, retryAfter: d.retryAfter }) as RateLimitDecision;

/** How the asking side reaches the wired `rateLimit` (actions.ts owns the module path and the fix). @internal */
export type RateLimitWire = {
  /** Runs the wired `rateLimit` with `args`; `expect` names the argument only the guard's own function takes. */
  run(ctx: unknown, args: Record<string, unknown>, expect: string): Promise<unknown>;
  /** The error for an answer that is not the guard's: `what` it would have answered; `another` when another guard's function answered. */
  foreign(what: string, another?: boolean): GuardConfigError;
};

/** A call of the wired `rateLimit` in neither form: not the guard's own (which sends one or the other). */
const malformed = () =>
  new GuardConfigError(
    "the guard's rateLimit function takes { name, key, count?, consume, config? } or { requests } alone: call guard.rateLimit or guard.rateLimitAll instead",
  );

/** @internal */
export function createActionLimits(limits: RateLimits<string>, wire: RateLimitWire) {
  /** The error for a wired `rateLimit` that answered for limit `name` configured otherwise (`got`). */
  function otherLimit(name: string, config: string, got: unknown) {
    const said = got === "" ? "; its guard has no limit of that name" : answeredFor(got);
    // An answer for another configuration is another guard's function (a hand-written one echoes none).
    return wire.foreign(`a decision of limit '${name}' configured ${config}${said}`, typeof got === "string");
  }

  /**
   * One request as it crosses to the wired function, read first as a mutation reads it (an
   * object, a key of 1 to 1,024 characters, a limit this guard has: `INVALID_ARGUMENT`
   * otherwise, by the same checks), with the limit as this guard configures it (as its rows
   * record it): the wired function's guard takes from the limit only when it configures it
   * the same, so a laxer limit of the same name in another guard never decides for this one.
   * A count that is no number crosses as NaN, which the engine refuses there as in a mutation.
   */
  function wiredRequest(r: unknown): WiredRequest {
    const { name, key, count } = requestOf(r);
    return { name, key, config: knownLimitConfig(limits, name), ...(count === undefined ? {} : { count: num(count) }) };
  }

  /** `rateLimit` (`consume`) or `checkRateLimit` from an action: its one request read as `rateLimitAll`'s are. */
  async function one(ctx: unknown, name: string, options: RateLimitOptions, consume: boolean) {
    checkOptionKeys(options, OPTION_KEYS, "rate limit options");
    const request = wiredRequest({ name, key: own(options, "key"), count: own(options, "count") });
    const { config } = request;
    const answer = (await wire.run(ctx, { ...request, consume }, "config")) as { config?: unknown } | null;
    if (typeof answer !== "object" || answer === null || answer.config !== config) throw otherLimit(name, config, answer?.config);
    if (!isDecision(answer)) throw wire.foreign("a decision { ok, remaining, retryAfter }");
    const decision = decisionOnly(answer);
    if (!decision.ok && own(options, "throws") !== false) tooMany(decision.retryAfter);
    return decision;
  }

  /**
   * `rateLimitAll` from an action: each entry read as a mutation reads it ({@link wiredRequest}),
   * then the whole list in one call of the wired `rateLimit`, whose guard decides it with its
   * own `rateLimitAll` in one transaction (an empty list, too many entries, a bad count or the
   * same limit and key twice are refused there, as in a mutation). Each entry carries its
   * limit's configuration, echoed back as for one limit.
   */
  async function all(ctx: unknown, requests: readonly RateLimitRequest<string>[], options?: { throws?: boolean }) {
    checkOptionKeys(options, ALL_OPTION_KEYS, "rateLimitAll options");
    const n = checkRequests(requests).length;
    const sent = new Array<WiredRequest>(n);
    // An index loop: a hole in a sparse array is an entry too (refused, not skipped).
    for (let i = 0; i < n; i++) sent[i] = wiredRequest(requests[i]);
    const answer = (await wire.run(ctx, { requests: sent }, "requests")) as {
      configs?: unknown;
      ok?: unknown;
      retryAfter?: unknown;
      decisions?: unknown;
    } | null;
    const configs = answer?.configs;
    const differs = sent.findIndex((r, i) => !Array.isArray(configs) || configs.length !== n || configs[i] !== r.config);
    if (typeof answer !== "object" || answer === null || !Array.isArray(configs) || differs >= 0) {
      const at = Math.max(differs, 0);
      throw otherLimit(sent[at]?.name ?? "", sent[at]?.config ?? "", Array.isArray(configs) ? configs[at] : undefined);
    }
    const { decisions, ok, retryAfter } = answer;
    // The guard's own answer: one decision per entry, `ok` exactly when each admits, and a
    // `retryAfter` that is a decision's (0 when ok).
    if (
      !Array.isArray(decisions) ||
      decisions.length !== n ||
      !decisions.every(isDecision) ||
      ok !== decisions.every((d) => d.ok) ||
      !isDecision({ ok, remaining: 0, retryAfter })
    ) {
      throw wire.foreign("a decision { ok, retryAfter, decisions } with one decision per limit");
    }
    // The decisions alone, as in a mutation.
    const batch = {
      ok,
      retryAfter,
      decisions: decisions.map(decisionOnly),
    } as RateLimitBatchDecision;
    if (!batch.ok && own(options, "throws") !== false) tooMany(batch.retryAfter);
    return batch;
  }

  const table = <T>(f: () => Promise<T>) => withTable(RATE_LIMIT_TABLE, RATE_LIMIT_FIX, f);

  /**
   * The wired `rateLimit`. Its validator takes both forms (Convex takes an object of fields,
   * not a union); its handler refuses a call that is neither exactly, before anything is read.
   */
  function wired<DM extends GenericDataModel>(internalMutation: MutationBuilder<DM, "internal">): WiredRateLimit {
    return internalMutation({
      args: {
        name: v.optional(v.string()),
        key: v.optional(v.string()),
        count: v.optional(v.number()),
        consume: v.optional(v.boolean()),
        config: v.optional(v.string()),
        requests: v.optional(v.array(v.object({ name: v.string(), key: v.string(), count: v.optional(v.number()), config: v.string() }))),
      },
      handler: async (ctx, a) => {
        const c = ctx as unknown as WriterCtx;
        const { requests, ...single } = a;
        if (requests !== undefined) {
          if (Object.values(single).some((x) => x !== undefined)) throw malformed();
          return answerAll(c, requests);
        }
        if (a.name === undefined || a.consume === undefined) throw malformed();
        // Asked for a limit this guard configures otherwise: nothing taken, nothing decided.
        const own = a.config === undefined ? undefined : (limitConfig(limits, a.name) ?? "");
        if (own !== a.config) return { config: own };
        // A key left out is refused by the check itself (INVALID_ARGUMENT), as in a mutation.
        const options = { key: a.key as string, count: a.count, throws: false };
        // Decided here, thrown in the action: the row is written even when the action fails later.
        const name = a.name;
        const decision = await table(() => (a.consume ? limits.rateLimit(c, name, options) : limits.checkRateLimit(c, name, options)));
        return own === undefined ? decision : { ...decision, config: own };
      },
    }) as unknown as WiredRateLimit;
  }

  /**
   * The list form of the wired `rateLimit`: nothing taken unless this guard configures every
   * listed limit as the asking guard does; then its own `rateLimitAll`, never throwing here
   * (a denial is thrown in the action).
   */
  async function answerAll(c: WriterCtx, requests: readonly WiredRequest[]) {
    const configs = requests.map((r) => limitConfig(limits, r.name) ?? "");
    if (configs.some((config, i) => config !== requests[i]!.config)) return { configs };
    const list = requests.map(({ name, key, count }) => (count === undefined ? { name, key } : { name, key, count }));
    const { ok, retryAfter, decisions } = await table(() => limits.rateLimitAll(c, list, { throws: false }));
    return { ok, retryAfter, decisions, configs };
  }

  return { one, all, table, wired };
}
