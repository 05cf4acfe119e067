/**
 * Sensitive operations (issue #5) on the guard: one-time confirmation codes stored in a
 * Convex table, the audit trail, and actions that leak nothing.
 *
 * The code decisions are the engine's (see codes.ts); this file reads the secret from the
 * environment inside each call, signs with `crypto.subtle`, reads and writes the one row per
 * (actor, action, target), writes the audit row, and shapes errors.
 */
import { defineTable, type GenericActionCtx, type GenericDataModel } from "convex/server";
import { ConvexError, v, type ObjectType, type PropertyValidators } from "convex/values";
import type { Authz, PermissionName } from "./authz.js";
import {
  createAudit,
  redact,
  secretValues,
  type Audit,
  type AuditSettings,
} from "./audit.js";
import { defineCodes, signCode, type CodeBinding, type CodeOptions, type CodeRecord } from "./codes.js";
import type { WriterCtx } from "./ctx.js";
import { deny, GuardConfigError, type GuardErrorData } from "./errors.js";

/** Shortest server secret accepted, in UTF-8 bytes. */
export const MIN_SECRET_BYTES = 32;

/** The message every failed confirmation shows the client. */
export const INVALID_CONFIRMATION_MESSAGE = "Invalid or expired confirmation code";

/** Codes, audit trail and safe actions: the `confirmations` part of a guard's configuration. */
export type ConfirmationsConfig<R extends string = string, P extends string = string> = CodeOptions & {
  /** The environment variable holding the server secret (32+ bytes). Default `"CONVEX_GUARD_SECRET"`. */
  secretEnv?: string;
  /**
   * More environment variables whose values must never be stored in the audit trail nor
   * returned by a {@link Confirmations.safeAction} (API keys). The secret is always included.
   */
  redactEnv?: readonly string[];
  /** The codes table, spread from {@link confirmationsTable}. Default `"guardConfirmations"`. */
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

/**
 * The confirmation codes table: one row per (actor, action, target), holding only the keyed
 * hash of the pending code. Spread it into your schema under the configured name (default
 * `"guardConfirmations"`).
 *
 * @example
 * ```ts
 * export default defineSchema({ ...yourTables, guardConfirmations: confirmationsTable, guardAudit: auditTable });
 * ```
 */
export const confirmationsTable = /* @__PURE__ */ defineConfirmationsTable();

// A function, so bundlers drop the definition from bundles that do not use it (see access.ts).
function defineConfirmationsTable() {
  return defineTable({
    actor: v.string(),
    action: v.string(),
    target: v.string(),
    hash: v.bytes(),
    expiresAt: v.number(),
    attemptsLeft: v.number(),
    used: v.boolean(),
  }).index("by_binding", ["actor", "action", "target"]);
}

/** What {@link Confirmations.consumeConfirmation} found. */
export type ConfirmationResult =
  | { ok: true }
  | { ok: false; error: GuardErrorData & { code: "INVALID_CONFIRMATION" } };

/** Options of {@link Confirmations.safeAction}. */
export type SafeActionDefinition<Ctx, Args extends PropertyValidators, Result> = {
  /** Argument validators, as for `action`. */
  args: Args;
  /** The audit event's `action` name, e.g. `"external.weather"`. */
  name: string;
  /**
   * Who may call. Default: any authenticated caller (`UNAUTHENTICATED` otherwise). Return
   * the actor's key for the audit row, or throw a `ConvexError`.
   */
  check?: (ctx: Ctx) => Promise<string | undefined>;
  /** The work. Throw anything: only `ConvexError`s without secrets reach the caller. */
  handler: (ctx: Ctx, args: ObjectType<Args>) => Promise<Result>;
};

/** Confirmation codes, the audit trail and safe actions. */
export interface Confirmations {
  /**
   * Issues a code bound to (actor, action, target) and returns it: the only time it exists
   * in clear. Replaces any pending code for the same binding. Writes an audit row.
   *
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
   * flag, and writes the real reason to the audit log. Never throws for a bad code: it
   * returns `{ ok: false, error }` so that the mutation commits the spent attempt (a throw
   * would roll it back and allow unlimited guesses). Act on `ok` in the same mutation, and
   * surface failures with {@link Confirmations.assertConfirmed} after it committed (in the
   * calling action), or return the result.
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
   * Throws the client's one confirmation error unless `result` is ok.
   *
   * @throws `ConvexError` `{ code: "INVALID_CONFIRMATION", message: "Invalid or expired confirmation code" }`.
   * @example
   * ```ts
   * guard.assertConfirmed(await ctx.runMutation(internal.admin.consumeCode, { code }));
   * ```
   */
  assertConfirmed(result: ConfirmationResult): void;

  /** The audit trail. */
  readonly audit: Audit;

  /**
   * Wraps an action so that nothing leaks: runs `check` (authenticated by default), runs the
   * handler, records the call in the audit log, and turns any error that is not a clean
   * `ConvexError` (and any result or error carrying a configured secret) into
   * `ConvexError { code: "UPSTREAM_UNAVAILABLE", message: "External service unavailable" }`.
   *
   * @example
   * ```ts
   * export const weather = action(guard.safeAction({
   *   name: "external.weather", args: { city: v.string() },
   *   handler: async (ctx, { city }) => { ... fetch with process.env.WEATHER_API_KEY ... },
   * }));
   * ```
   */
  safeAction<Args extends PropertyValidators, Result>(
    definition: SafeActionDefinition<ActionCtx, Args, Result>,
  ): {
    args: Args;
    handler: (ctx: ActionCtx, args: ObjectType<Args>) => Promise<Result>;
  };
}

/** Any action context (its data model does not matter to the wrapper). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ActionCtx = GenericActionCtx<any>;

const UPSTREAM: GuardErrorData = { code: "UPSTREAM_UNAVAILABLE", message: "External service unavailable" };

/** @internal */
export function createConfirmations(
  config: ConfirmationsConfig | undefined,
  authz: Authz<string, string, string>,
): Confirmations & { validate(): void } {
  const c: ConfirmationsConfig = config ?? {};
  const secretEnv = c.secretEnv ?? "CONVEX_GUARD_SECRET";
  const table = c.table ?? "guardConfirmations";
  const codes = defineCodes({
    alphabet: c.alphabet,
    length: c.length,
    ttl: c.ttl,
    maxAttempts: c.maxAttempts,
  } as CodeOptions);
  const secretEnvs = [secretEnv, ...(c.redactEnv ?? [])];

  const settings = (): AuditSettings => {
    const readers = c.audit?.readers;
    for (const [key, value] of Object.entries({ secretEnv, table, ...c.audit })) {
      if (key !== "readers" && (typeof value !== "string" || value.length === 0)) {
        throw new GuardConfigError(`confirmations.${key === "table" ? "table" : `audit.${key}`} must be a non-empty string`);
      }
    }
    return {
      table: c.audit?.table ?? "guardAudit",
      logFunction: c.audit?.logFunction ?? "audit:log",
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
  async function pending(ctx: WriterCtx<GenericDataModel>, b: Required<CodeBinding>) {
    return db(ctx)
      .query(table)
      .withIndex("by_binding", (q: { eq(f: string, x: string): { eq(f: string, x: string): unknown } }) =>
        (q.eq("actor", b.actor).eq("action", b.action) as { eq(f: string, x: string): unknown }).eq("target", b.target),
      )
      .unique() as Promise<(CodeRecord & { _id: string }) | null>;
  }
  // Not converted: codes.message refuses anything but strings (INVALID_ARGUMENT).
  const bindingOf = (b: CodeBinding): Required<CodeBinding> => ({
    actor: b?.actor ?? "",
    action: b?.action ?? "",
    target: b?.target ?? "",
  });

  const confirmations: Confirmations & { validate(): void } = {
    validate() {
      codes.validate();
      settings();
    },

    async issueConfirmation(ctx, args) {
      const b = bindingOf(args);
      const key = secret();
      const issuer = args.ttl === undefined ? codes : defineCodes({ ...c, ttl: args.ttl } as CodeOptions);
      const code = issuer.generate();
      const hash = await signCode(key, issuer.message(b, code));
      const record = issuer.issue(hash, Date.now());
      const row = { ...b, ...record };
      const existing = await pending(ctx, b);
      if (existing === null) await db(ctx).insert(table, row);
      else await db(ctx).replace(existing._id, row);
      await audit.log(ctx, {
        action: "confirmation.issue",
        outcome: existing === null ? "issued" : "reissued",
        actor: b.actor,
        resourceType: "confirmation",
        resourceId: b.target,
        details: { confirms: b.action },
      });
      return { code, expiresAt: record.expiresAt };
    },

    async consumeConfirmation(ctx, args) {
      const b = bindingOf(args);
      const key = secret();
      const typed = codes.message(b, args?.code ?? "", { typed: true });
      const row = await pending(ctx, b);
      const presented = typed.length === 0 ? null : await signCode(key, typed);
      const { outcome, record } = codes.verify(row, presented, Date.now());
      if (row !== null && record !== null) {
        await db(ctx).patch(row._id, {
          attemptsLeft: record.attemptsLeft,
          used: record.used,
        });
      }
      await audit.log(ctx, {
        action: "confirmation.consume",
        outcome,
        actor: b.actor,
        resourceType: "confirmation",
        resourceId: b.target,
        details: { confirms: b.action },
      });
      if (outcome === "accepted") return { ok: true };
      const failed: ConfirmationResult = {
        ok: false,
        error: { code: "INVALID_CONFIRMATION", message: INVALID_CONFIRMATION_MESSAGE },
      };
      uncommitted().add(failed);
      return failed;
    },

    assertConfirmed(result) {
      if (result?.ok === true) return;
      // Throwing in the mutation that consumed the code would roll back the attempt it spent
      // (unlimited guesses). A result that came back through ctx.runMutation is a new object,
      // so the one consumeConfirmation returned in this very context means exactly that misuse.
      if (typeof result === "object" && result !== null && uncommitted().has(result)) {
        throw new GuardConfigError(
          "assertConfirmed was called in the mutation that consumed the code: throwing there " +
            "rolls back the spent attempt. Return the result and call assertConfirmed after the " +
            "mutation committed (in the action that ran it)",
        );
      }
      deny("INVALID_CONFIRMATION", INVALID_CONFIRMATION_MESSAGE);
    },

    audit,

    safeAction(definition) {
      const name = String(definition.name);
      const check =
        definition.check ??
        (async (ctx: ActionCtx) => {
          const identity = await ctx.auth.getUserIdentity();
          if (identity === null) deny("UNAUTHENTICATED", "Authentication required");
          return identity.tokenIdentifier;
        });
      const record = async (ctx: ActionCtx, event: Parameters<Audit["log"]>[1]) => {
        try {
          await audit.log(ctx as never, event);
        } catch {
          // An audit failure must not replace the caller's error with its own text.
        }
      };
      return {
        args: definition.args,
        handler: async (ctx: ActionCtx, args: ObjectType<typeof definition.args>) => {
          const secrets = secretValues(secretEnvs);
          // Each secret as written and as JSON escapes it (a quote or backslash in a secret
          // would otherwise hide it from a scan of JSON text).
          const forms = secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]);
          const leaks = (x: unknown) => {
            if (forms.length === 0) return false;
            const text = safeJson(x);
            return text === null || forms.some((s) => text.includes(s));
          };
          let actor: string | undefined;
          let result;
          try {
            // The check runs here too: a plain error it throws is audited and made generic
            // like the handler's, never shown to the client.
            actor = await check(ctx);
            result = await definition.handler(ctx, args);
          } catch (e) {
            // Reading the error can throw too (a getter, a Proxy): then it is not clean.
            let clean = false;
            let error: unknown = "an error that could not be read";
            try {
              const data = isConvexError(e) ? (e as { data?: unknown }).data : undefined;
              clean = data !== undefined && !leaks(data) && !leaks((e as Error).message);
              error = redact(e, secrets);
            } catch {
              clean = false;
            }
            await record(ctx, {
              action: name,
              outcome: clean ? "denied" : "error",
              ...(actor === undefined ? {} : { actor }),
              details: { error: error as never },
            });
            if (clean) throw e;
            throw new ConvexError(UPSTREAM);
          }
          if (leaks(result)) {
            await record(ctx, {
              action: name,
              outcome: "error",
              ...(actor === undefined ? {} : { actor }),
              details: { error: "the result carried a secret" },
            });
            throw new ConvexError(UPSTREAM);
          }
          await record(ctx, { action: name, outcome: "success", ...(actor === undefined ? {} : { actor }) });
          return result;
        },
      };
    },
  };
  return confirmations;
}

/** Failed results returned by consumeConfirmation in this context (see assertConfirmed);
 * created on first use, so importing the package does no work. */
let uncommittedSet: WeakSet<object> | undefined;
function uncommitted(): WeakSet<object> {
  return (uncommittedSet ??= new WeakSet<object>());
}

function isConvexError(e: unknown): boolean {
  return (
    e instanceof ConvexError ||
    (typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[Symbol.for("ConvexError")] === true)
  );
}

/**
 * JSON text of `x` for the secret scan, or null when it cannot be serialized (fail closed).
 * Bytes (`ArrayBuffer`, typed arrays: Convex values too) are scanned as the UTF-8 text they
 * hold; JSON would show them as `{}`. Encodings of a secret (base64, hex) are not recognized.
 */
function safeJson(x: unknown): string | null {
  const text = new TextDecoder();
  try {
    return (
      JSON.stringify(x, (_k, v) => {
        if (typeof v === "bigint") return v.toString();
        if (v instanceof ArrayBuffer) return text.decode(v);
        if (ArrayBuffer.isView(v)) return text.decode(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
        return v;
      }) ?? ""
    );
  } catch {
    return null;
  }
}
