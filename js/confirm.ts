/**
 * Sensitive operations (issue #5) on the guard: one-time confirmation codes stored in a
 * Convex table, the audit trail (audit.ts), and actions that leak nothing (safe-action.ts).
 *
 * The code decisions are the engine's (see codes.ts); this file reads the secret from the
 * environment inside each call, signs with `crypto.subtle`, reads and writes the one row per
 * (actor, action, target), writes the audit row, and shapes errors.
 */
import { type GenericActionCtx, type GenericDataModel } from "convex/server";
import type { PropertyValidators } from "convex/values";
import type { Authz, PermissionName } from "./authz.js";
import { createAudit, type Audit, type AuditSettings } from "./audit.js";
import { codesTableFix } from "./confirm-table.js";
import {
  defineCodes,
  signCode,
  type CodeBinding,
  type CodeFailures,
  type CodeOptions,
  type CodeRecord,
} from "./codes.js";
import type { WriterCtx } from "./ctx.js";
import { deny, GuardConfigError, type GuardErrorData } from "./errors.js";
import { CODE_CLIENT_ERROR, CODE_CLIENT_MESSAGE } from "./generated/wire.js";
import { checkOptionKeys, checkPermissionName, CONSUME_KEYS, ISSUE_KEYS } from "./config-keys.js";
import { own } from "./fields.js";
import { checkConfirmations } from "./confirm-config.js";
import { DEFAULT_LOG_FUNCTION, DEFAULT_SECRET_ENV, GUARD_TABLES } from "./defaults.js";
import { checkReference, withTable } from "./wiring.js";
import { onlyRow, serially } from "./serial.js";
import {
  createSafeAction,
  type DefaultActor,
  type ActorChecked,
  type SafeAction,
  type SafeActionDefinition,
  type SafeActionGuard,
} from "./safe-action.js";
import type { DEFAULT_USERS_TABLE } from "./users.js";

/** Shortest server secret accepted, in UTF-8 bytes. */
export const MIN_SECRET_BYTES = 32;

/** Codes, audit trail and safe actions: the `confirmations` part of a guard's configuration. */
export type ConfirmationsConfig<R extends string = string, P extends string = string> = CodeOptions & {
  /** The environment variable holding the server secret (32+ bytes). Default `"CONVEX_GUARD_SECRET"`. */
  secretEnv?: string;
  /**
   * More environment variables whose values must never be stored in the audit trail nor
   * returned by a {@link Confirmations.safeAction} (API keys). The secret is always included.
   */
  redactEnv?: readonly string[];
  /** The codes table, spread from `confirmationsTable`. Default `"guardConfirmations"`. */
  table?: string;
  /** The audit trail. */
  audit?: {
    /** The audit table, spread from `auditTable`. Default `"guardAudit"`. */
    table?: string;
    /** Where the internal log mutation is exported, `"module:name"`. Default `"audit:log"`. */
    logFunction?: string;
    /** Who may read the trail. Default: the highest configured role. */
    readers?: { role: NoInfer<R> } | { permission: NoInfer<PermissionName<P>> };
  };
};

/** What {@link Confirmations.consumeConfirmation} found. */
export type ConfirmationResult =
  | { ok: true }
  | { ok: false; error: GuardErrorData & { code: "INVALID_CONFIRMATION" } };

/** Confirmation codes, the audit trail and safe actions. */
export interface Confirmations {
  /**
   * Issues a code bound to (actor, action, target) and returns it: the only time it exists
   * in clear. Replaces any pending code for the same binding, but not the binding's failure
   * count: issuing works while the binding's failure budget is spent, and the new code is
   * refused until it opens again (re-issuing never buys guesses). Writes an audit row.
   * `ttl` gives this code a lifetime of its own (whole ms, 1 second to 1 day, as the `ttl`
   * setting) instead of the configured one.
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` for an empty or overlong binding field, or a `ttl`
   * out of its range or fractional (checked before anything is written).
   * @throws {GuardConfigError} when the secret environment variable is missing or shorter
   * than 32 bytes (a server error: the client sees nothing of it).
   * @throws `Error` `UNAVAILABLE` when no secure random bytes are available.
   * @example
   * ```ts
   * const { code } = await guard.issueConfirmation(ctx, { actor: admin._id, action: "delete:user", target: userId });
   * ```
   */
  issueConfirmation(
    ctx: WriterCtx<GenericDataModel>,
    binding: CodeBinding & { ttl?: number },
  ): Promise<{ code: string; expiresAt: number }>;

  /**
   * Checks a typed code for (actor, action, target), stores the spent attempt or the used
   * flag, counts a wrong code against the binding's and the actor's failure budgets
   * (`confirmations.lockout`), and writes the real reason to the audit log. While either
   * budget is spent the code is not even compared (the right one fails too; the audit reason
   * is `"locked"`). Never throws for a bad code: it returns `{ ok: false, error }` so that the
   * mutation commits the spent attempt and the counts (a throw would roll them back and allow
   * unlimited guesses). Act on `ok` in the same mutation, and surface failures with
   * {@link Confirmations.assertConfirmed} after it committed (in the calling action), or
   * return the result.
   *
   * @example
   * ```ts
   * const result = await guard.consumeConfirmation(ctx, { actor: admin._id, action: "delete:user", target: userId, code });
   * if (result.ok) await ctx.scheduler.runAfter(0, internal.admin.deleteUser, { userId });
   * return result;
   * ```
   */
  consumeConfirmation(
    ctx: WriterCtx<GenericDataModel>,
    attempt: CodeBinding & { code: string },
  ): Promise<ConfirmationResult>;

  /**
   * Throws the client's one confirmation error unless `result` is ok, and answers `result`,
   * typed as its accepted case: what the consuming mutation returned beside `ok: true` (an
   * id it recorded) is read from the answer without a check of your own. (It cannot be an
   * `asserts` function: TypeScript takes those only through an explicitly typed `guard`.)
   *
   * @throws `ConvexError` `{ code: "INVALID_CONFIRMATION", message: "Invalid or expired confirmation code" }`.
   * @example
   * ```ts
   * guard.assertConfirmed(await ctx.runMutation(internal.admin.consumeCode, { code }));
   * const { payoutId } = guard.assertConfirmed(await ctx.runMutation(internal.payouts.confirm, args));
   * ```
   */
  assertConfirmed<R extends ConfirmationResult>(result: R): Extract<R, { ok: true }>;

  /** The audit trail. */
  readonly audit: Audit;

  /**
   * Wraps an action so that nothing leaks and every call is audited: runs `check`
   * (default `guard.requireUser`: a caller with a user row, through the wired internal
   * functions; `role: "admin"` or `permission: "x:y"` instead is `guard.requireRole` or
   * `guard.requirePermission`; identity-only must be an explicit `check`),
   * takes from `rateLimit` when given, writes a `"started"` audit row (the handler never runs
   * without it: an action killed mid-handler still leaves a row), runs the handler (which
   * receives the actor the check returned), writes the final audit row (naming the started
   * row as `details.started`), then answers. Without a user row, or without the wiring,
   * nothing runs past the check (`UNAUTHENTICATED`; `GuardConfigError`), audited; nor when a
   * `check` returns `null` or `undefined` (`UNAUTHENTICATED`), nor for a definition with a
   * key it does not read (`rateLimt`, `rateLimit.kye`: a `GuardConfigError` at every call).
   *
   * The client receives the handler's result, or a `ConvexError` the check or handler threw,
   * only when it is a plain Convex value (null, boolean, number, bigint, string, `ArrayBuffer`,
   * plain arrays and objects with valid field names: no `Map`, `Set`, `Date`, typed array or
   * class instance) carrying no configured secret (the secret and every `redactEnv` value, as
   * written, JSON-escaped once or twice, URL-encoded, hex, base64 or base64url, also inside
   * bytes). Anything else, and every other error, becomes
   * `ConvexError { code: "UPSTREAM_UNAVAILABLE", message: "External service unavailable" }`,
   * recorded (redacted) in the final audit row.
   *
   * # Security
   * Not recognized: a secret split across values, encoded another way (other escapes,
   * mixed-case hex, UTF-16, HTML entities), compressed or encrypted; values shorter than 8
   * characters are not looked for. Never re-encode a secret into a result; return only the
   * fields the client needs.
   *
   * @throws `ConvexError` `UPSTREAM_UNAVAILABLE` when the audit row cannot be written (fail
   * closed: no call succeeds unaudited).
   * @throws {GuardConfigError} when the log mutation is not exported (see {@link Audit.logMutation}).
   * @example
   * ```ts
   * export const weather = action(guard.safeAction({
   *   name: "external.weather", args: { city: v.string() },
   *   resourceType: "cities", resourceId: "city",        // on every audit row
   *   // check defaults to guard.requireUser (works in actions once wired)
   *   rateLimit: { name: "weather" },                     // keyed by the actor (the user's _id)
   *   handler: async (ctx, { city }, { actor }) => { ... fetch with process.env.WEATHER_API_KEY ... },
   * }));
   * ```
   */
  safeAction<
    Args extends PropertyValidators,
    Result,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    DM extends GenericDataModel = any,
    Actor = DefaultActor<DM, typeof DEFAULT_USERS_TABLE>,
  >(
    definition: SafeActionDefinition<GenericActionCtx<DM>, Args, Result, Actor> & ActorChecked<Actor>,
  ): SafeAction<Args, Result, DM>;
}

/** The codes table of a `confirmations` part that names none. @internal */
export const DEFAULT_CODES_TABLE = GUARD_TABLES.codes;
/** The audit table of a `confirmations` part that names none. @internal */
export const DEFAULT_AUDIT_TABLE = GUARD_TABLES.audit;

/** @internal */
export function createConfirmations(
  config: ConfirmationsConfig | undefined,
  authz: Authz<string, string, string>,
  /** What safe actions ask of the guard: its action-aware checks, rate limits and limit names. */
  guard: Omit<SafeActionGuard, "roles" | "can"> = {},
): Confirmations & { validate(): void } {
  const c: ConfirmationsConfig = config ?? {};
  // Every key and type is checked now, at the first use of any part (codes, the trail, safe
  // actions), before any of them can run on a setting quietly left at its default.
  const readers = checkConfirmations(c, authz.roles);
  const secretEnv = c.secretEnv ?? DEFAULT_SECRET_ENV;
  const table = c.table ?? DEFAULT_CODES_TABLE;
  const codes = defineCodes({ alphabet: c.alphabet, length: c.length, ttl: c.ttl, maxAttempts: c.maxAttempts, lockout: c.lockout } as CodeOptions);
  const secretEnvs = [secretEnv, ...(c.redactEnv ?? [])];
  // Read now, with the keys just checked: not at the trail's first use, when a key planted on
  // Object.prototype since (`audit`, `table`) would redirect every row (attack20).
  const auditTable = c.audit?.table ?? DEFAULT_AUDIT_TABLE;
  const logFunction = c.audit?.logFunction ?? DEFAULT_LOG_FUNCTION;

  // What needs the engine (a permission's form) or names a wired function is checked when the
  // first code, safe action or trail call runs (and by validate()), before it writes or runs
  // anything: defining a safe action compiles nothing.
  let trail: AuditSettings | undefined;
  const settings = (): AuditSettings => (trail ??= auditSettings());
  const auditSettings = (): AuditSettings => {
    checkPermissionName(readers, "confirmations.audit.readers", authz.can);
    return {
      table: auditTable,
      logFunction: checkReference(logFunction, "confirmations.audit.logFunction", "function"),
      secretEnv: secretEnvs,
      requireReader: async (ctx) => {
        if (readers !== undefined && "permission" in readers) {
          return authz.requirePermission(ctx, readers.permission);
        }
        const role = readers?.role ?? authz.roles[authz.roles.length - 1];
        if (role === undefined) throw new GuardConfigError("the audit trail needs a reader role");
        return authz.requireRole(ctx, role);
      },
    };
  };
  const audit = createAudit(settings);

  /** The secret, read from the environment now (never at import). */
  function secret(): string {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    const value = env?.[secretEnv];
    if (typeof value !== "string" || value.length === 0) {
      throw new GuardConfigError(
        `environment variable ${secretEnv} is not set: set it to ${MIN_SECRET_BYTES} or more random bytes ` +
          "(e.g. `npx convex env set " + secretEnv + " $(openssl rand -base64 32)`)",
      );
    }
    if (new TextEncoder().encode(value).length < MIN_SECRET_BYTES) {
      throw new GuardConfigError(
        `environment variable ${secretEnv} is shorter than ${MIN_SECRET_BYTES} bytes: use a longer random secret`,
      );
    }
    return value;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const db = (ctx: WriterCtx<GenericDataModel>) => ctx.db as any;
  // The first read of every issue and consume: a codes table missing from the schema is a
  // GuardConfigError naming the line to add, never Convex's index error.
  function pending(ctx: WriterCtx<GenericDataModel>, b: Required<CodeBinding>) {
    return withTable(table, codesTableFix(table), () =>
      onlyRow<CodeRecord & { _id: string }>(
        db(ctx)
          .query(table)
          .withIndex("by_binding", (q: { eq(f: string, x: string): { eq(f: string, x: string): unknown } }) =>
            (q.eq("actor", b.actor).eq("action", b.action) as { eq(f: string, x: string): unknown }).eq("target", b.target),
          ),
        () => `${table}, for actor ${JSON.stringify(b.actor)}, action ${JSON.stringify(b.action)} and target ${JSON.stringify(b.target)},`,
        "keep the one with the most failures and delete the others (in the dashboard or an internal mutation): deleting that one would lift a lockout",
      ),
    );
  }
  // Not converted: codes.message refuses anything but strings (INVALID_ARGUMENT).
  /** The actor's failure count lives under the reserved binding (actor, "", ""): the engine
   * refuses an empty action in every binding, so no code can ever be stored there. */
  const actorRow = (ctx: WriterCtx<GenericDataModel>, actor: string) =>
    pending(ctx, { actor, action: "", target: "" }) as Promise<(CodeFailures & { _id: string }) | null>;
  // Own fields only: an omitted target is "", never one planted on Object.prototype; `null` is no omission (codes.message refuses it).
  const bindingOf = (b: CodeBinding, keys: readonly string[], path: string): Required<CodeBinding> => {
    checkOptionKeys(b, keys, path);
    const field = (k: keyof CodeBinding): string => {
      const v = own(b, k); // read once: a getter's second answer is not the one checked
      return v === undefined ? "" : v;
    };
    return { actor: field("actor"), action: field("action"), target: field("target") };
  };

  /** A code's audit row: before the code's state when it issues or accepts a code, after it for every failure (README: Security model). */
  const logCode = (ctx: WriterCtx<GenericDataModel>, action: string, outcome: string, b: Required<CodeBinding>) =>
    audit.log(ctx, { action, outcome, actor: b.actor, resourceType: "confirmation", resourceId: b.target, details: { confirms: b.action } });

  const confirmations: Confirmations & { validate(): void } = {
    validate() {
      codes.validate();
      settings();
    },

    async issueConfirmation(ctx, args) {
      settings();
      const b = bindingOf(args, ISSUE_KEYS, "issueConfirmation");
      const key = secret();
      const ttl = own(args, "ttl");
      const code = codes.generate();
      const hash = await signCode(key, codes.message(b, code));
      // Read, decide, write: in turn with the transaction's other such sections (serial.ts).
      const record = await serially(ctx.db, async () => {
        const existing = await pending(ctx, b);
        // The binding's failure count carries over: a new code is no new budget.
        const record = codes.issue(hash, Date.now(), existing, { ttl });
        // The audit row first: a failed audit write (even one the app catches) stores no code.
        await logCode(ctx, "confirmation.issue", existing === null ? "issued" : "reissued", b);
        const row = { ...b, ...record };
        if (existing === null) await db(ctx).insert(table, row);
        else await db(ctx).replace(existing._id, row);
        return record;
      });
      return { code, expiresAt: record.expiresAt };
    },

    async consumeConfirmation(ctx, args) {
      settings();
      const b = bindingOf(args, CONSUME_KEYS, "consumeConfirmation");
      const key = secret();
      // First: this throws INVALID_ARGUMENT for a binding no code can have (so the actor's
      // reserved row is never read as a code).
      const typed = codes.message(b, own(args, "code") ?? "", { typed: true });
      const presented = typed.length === 0 ? null : await signCode(key, typed);
      // Read, decide, write: in turn with the transaction's other such sections (serial.ts),
      // so codes presented at once are compared one after the other, each against the
      // attempts and failure counts the ones before it left.
      const outcome = await serially(ctx.db, async () => {
        const row = await pending(ctx, b);
        const counted = await actorRow(ctx, b.actor);
        const { outcome, record, actor } = codes.verify(row, presented, Date.now(), counted);
        // An acceptance writes its audit row first: a failed audit write (even one the app
        // catches) leaves the code unused. Any other outcome writes its state first (the spent
        // attempt, the failure counts), whatever the audit write then does: an audit write that
        // fails for some outcomes only (a narrowed `outcome` validator) never makes guesses free.
        const accepted = outcome === "accepted";
        if (accepted) await logCode(ctx, "confirmation.consume", outcome, b);
        if (row !== null && record !== null) {
          await db(ctx).patch(row._id, {
            attemptsLeft: record.attemptsLeft,
            used: record.used,
            failures: record.failures,
            lastFailure: record.lastFailure,
          });
        }
        if (actor !== null && counted !== null) await db(ctx).patch(counted._id, actor);
        else if (actor !== null) {
          // Not a code: no hash, void in every way, in case anything ever reads it as one.
          const reserved = { hash: new ArrayBuffer(0), expiresAt: 0, attemptsLeft: 0, used: true };
          await db(ctx).insert(table, { actor: b.actor, action: "", target: "", ...reserved, ...actor });
        }
        if (!accepted) await logCode(ctx, "confirmation.consume", outcome, b);
        return outcome;
      });
      const result: ConfirmationResult =
        outcome === "accepted"
          ? { ok: true }
          : { ok: false, error: { code: CODE_CLIENT_ERROR, message: CODE_CLIENT_MESSAGE } };
      // Accepted ones too: if only failures were marked, the misuse below would be caught on
      // the path that throws (and rolls back the spent attempt, so guesses are free) and
      // never on the path a developer's happy-path test takes.
      uncommitted().add(result);
      return result;
    },

    assertConfirmed(result) {
      // Throwing in the mutation that consumed the code would roll back the attempt it spent
      // (unlimited guesses), and the used flag of an accepted code (a replay). A result that
      // came back through ctx.runMutation is a new object, so the one consumeConfirmation
      // returned in this very context means exactly that misuse, whatever it says.
      if (typeof result === "object" && result !== null && uncommitted().has(result)) {
        throw new GuardConfigError(
          "assertConfirmed was called in the mutation that consumed the code: throwing there " +
            "rolls back the spent attempt. Return the result and call assertConfirmed after the " +
            "mutation committed (in the action that ran it)",
        );
      }
      // Its own `ok` only: `Object.create({ ok: true })` is no accepted code.
      if (typeof result === "object" && result !== null && Object.hasOwn(result, "ok") && result.ok === true) {
        return result as Extract<typeof result, { ok: true }>;
      }
      deny(CODE_CLIENT_ERROR, CODE_CLIENT_MESSAGE);
    },

    audit,

    safeAction: createSafeAction(audit, () => settings().secretEnv, { ...guard, roles: () => authz.roles, can: (s, p) => authz.can(s, p) }),
  };
  return confirmations;
}

/** Results returned by consumeConfirmation in this context (see assertConfirmed);
 * created on first use, so importing the package does no work. */
let uncommittedSet: WeakSet<object> | undefined;
function uncommitted(): WeakSet<object> {
  return (uncommittedSet ??= new WeakSet<object>());
}
