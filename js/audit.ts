/**
 * The audit trail: a table users spread into their schema, `guard.audit.log` for mutations
 * and (through a one-line internal mutation) actions, and an admin-only, index-backed,
 * paginated reader. Before anything is stored, values under secret field names (the engine's
 * `isSecretKey`, the one place that rule lives) and the values of configured secret
 * environment variables, in strings and field names, are replaced with `"[redacted]"`, and the
 * event is made a row Convex accepts whatever it holds (redact.ts).
 */
import {
  defineTable,
  type GenericDataModel,
  type MutationBuilder,
  type PaginationOptions,
  type PaginationResult,
  type RegisteredMutation,
} from "convex/server";
import { v, type Value } from "convex/values";
import { deny, GuardConfigError } from "./errors.js";
import type { ReaderCtx, WriterCtx } from "./ctx.js";
import { cleanString, redact, secretForms } from "./redact.js";
import { runWired, withTable } from "./wiring.js";

export { REDACTED } from "./redact.js";

/** One audit event, as given to {@link Audit.log}. */
export type AuditEvent = {
  /** What happened, e.g. `"users.delete"` or `"external.weather"`. */
  action: string;
  /** How it ended, e.g. `"success"`, `"error"`, `"denied"`, or a confirmation reason. */
  outcome: string;
  /** Who did it: a user id or `tokenIdentifier`. */
  actor?: string;
  /** The kind of resource acted on, e.g. `"users"`. */
  resourceType?: string;
  /** Which resource. */
  resourceId?: string;
  /** Anything else worth keeping. Secret fields are redacted before storage. */
  details?: Value;
};

/** A stored audit row. */
export type AuditRow = AuditEvent & { _id: string; _creationTime: number };

/** The filters of {@link Audit.list}: at most one, each served by an index. */
export type AuditFilter =
  | { actor: string; action?: never; resourceType?: never }
  | { action: string; actor?: never; resourceType?: never }
  | { resourceType: string; actor?: never; action?: never }
  | { actor?: never; action?: never; resourceType?: never };

/** Most rows one page of {@link Audit.list} returns. */
export const MAX_AUDIT_PAGE = 100;

/**
 * The audit table. Spread it into your schema under the configured name (default
 * `"guardAudit"`):
 *
 * @example
 * ```ts
 * export default defineSchema({ ...yourTables, guardAudit: auditTable });
 * ```
 */
export const auditTable = /* @__PURE__ */ defineAuditTable();

// Functions, so bundlers drop these definitions from bundles that do not use them.
function defineAuditTable() {
  return defineTable(auditEventValidatorFields())
    .index("by_actor", ["actor"])
    .index("by_action", ["action"])
    .index("by_resourceType", ["resourceType"]);
}

/** The validator of an audit event, for functions that take one as an argument. */
export const auditEventValidator = /* @__PURE__ */ auditEventValidatorFields();

/** The fields of an audit row: one definition for the table and the log mutation's args. */
function auditEventValidatorFields() {
  return {
    action: v.string(),
    outcome: v.string(),
    actor: v.optional(v.string()),
    resourceType: v.optional(v.string()),
    resourceId: v.optional(v.string()),
    details: v.optional(v.any()),
  };
}

/** A context that can run a mutation: an action's (or a mutation's). */
export type RunMutationCtx = {
  runMutation: (reference: never, args: never) => Promise<unknown>;
};

/** The audit trail. */
export interface Audit {
  /**
   * Records an event, secrets redacted. In a mutation it inserts the row; in an action
   * (no `ctx.db`) it runs the internal mutation made by {@link Audit.logMutation}. Any event
   * becomes a storable row: strings cut at a code point, field names Convex refuses escaped
   * (`"détail"` -> `"d%C3%A9tail"`), depth, items and text bounded, errors kept structured
   * (`ConvexError` data as a value). The insert's own failures (a missing table, a database
   * error) are thrown, never hidden.
   *
   * @throws {GuardConfigError} when the context can neither insert nor run a mutation, or in an
   * action when the internal mutation is not exported.
   * @example
   * ```ts
   * await guard.audit.log(ctx, { action: "users.delete", outcome: "success", actor: admin._id, resourceType: "users", resourceId: id });
   * ```
   */
  log(ctx: WriterCtx<GenericDataModel> | RunMutationCtx, event: AuditEvent): Promise<void>;

  /**
   * The internal mutation actions log through: export it as `log` from `convex/audit.ts` (or
   * where `audit.logFunction` says).
   *
   * @example
   * ```ts
   * // convex/audit.ts
   * export const log = guard.audit.logMutation(internalMutation);
   * ```
   */
  logMutation<DM extends GenericDataModel>(
    internalMutation: MutationBuilder<DM, "internal">,
  ): RegisteredMutation<"internal", AuditEvent, Promise<null>>;

  /**
   * One page of audit rows, newest first, for callers holding the configured reader role or
   * permission; filtered by at most one of actor, action or resource type (each an index).
   *
   * @throws `ConvexError` `UNAUTHENTICATED`, `FORBIDDEN`, or `INVALID_ARGUMENT` for two
   * filters at once.
   * @example
   * ```ts
   * export const auditLog = query({
   *   args: { resourceType: v.optional(v.string()), paginationOpts: paginationOptsValidator },
   *   handler: (ctx, { paginationOpts, ...filter }) => guard.audit.list(ctx, filter, paginationOpts),
   * });
   * ```
   */
  list<DM extends GenericDataModel>(
    ctx: ReaderCtx<DM>,
    filter: AuditFilter,
    paginationOpts: PaginationOptions,
  ): Promise<PaginationResult<AuditRow>>;
}

/** @internal */
export type AuditSettings = {
  table: string;
  logFunction: string;
  /** Names of environment variables whose values never reach a row, a result or an error. */
  secretEnv: readonly string[];
  /** Throws unless the caller may read the trail. */
  requireReader: (ctx: ReaderCtx<GenericDataModel>) => Promise<unknown>;
};

/** The values of the configured secret environment variables, read now. @internal */
export function secretValues(names: readonly string[]): string[] {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const out: string[] = [];
  for (const name of names) {
    const value = env?.[name];
    // Very short values would redact ordinary text; a secret that short is no secret anyway.
    if (typeof value === "string" && value.length >= 8) out.push(value);
  }
  return out;
}

/**
 * The event as stored: known fields kept as strings, everything redacted and made storable
 * (see `redact`: any value a caller or an upstream gives becomes a row Convex accepts).
 * `forms` are the secrets' forms ({@link secretForms}). @internal
 */
export function cleanEvent(event: AuditEvent, forms: readonly string[]): AuditEvent {
  if (event === null || typeof event !== "object") {
    deny("INVALID_ARGUMENT", "an audit event must be an object");
  }
  const str = (x: unknown) => (x === undefined || x === null ? undefined : cleanString(String(x), forms));
  const clean: AuditEvent = {
    action: str(event.action) ?? "unknown",
    outcome: str(event.outcome) ?? "unknown",
  };
  const actor = str(event.actor);
  const resourceType = str(event.resourceType);
  const resourceId = str(event.resourceId);
  if (actor !== undefined) clean.actor = actor;
  if (resourceType !== undefined) clean.resourceType = resourceType;
  if (resourceId !== undefined) clean.resourceId = resourceId;
  if (event.details !== undefined) clean.details = redact(event.details, forms);
  return clean;
}

/** The fix for a missing audit table, named in the `GuardConfigError`. @internal */
export const AUDIT_TABLE_FIX =
  "spread the audit table into your schema: `defineSchema({ ...yourTables, guardAudit: auditTable })` " +
  "(under confirmations.audit.table when renamed)";

/** @internal */
export function createAudit(settings: () => AuditSettings): Audit {
  const audit: Audit = {
    async log(ctx, event) {
      const s = settings();
      const clean = cleanEvent(event, secretForms(secretValues(s.secretEnv)));
      const db = (ctx as { db?: { insert?: unknown } }).db;
      if (db !== undefined && typeof db.insert === "function") {
        // The table name comes from the configuration: only known to be a string here.
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const w = (ctx as WriterCtx<any>).db;
        await withTable(s.table, AUDIT_TABLE_FIX, async () => {
          // One bounded index read proves the table (and its reader's index) is declared: a
          // store that accepts rows for undeclared tables would otherwise keep a trail no one
          // can read, and a schema without it would fail every write much later.
          await w.query(s.table).withIndex("by_actor", (q) => q.eq("actor", "")).first();
          await w.insert(s.table, clean);
        });
        return;
      }
      if (typeof (ctx as Partial<RunMutationCtx>).runMutation !== "function") {
        throw new GuardConfigError("guard.audit.log needs a mutation or action context");
      }
      await runWired(
        ctx,
        "mutation",
        s.logFunction,
        clean as Record<string, unknown>,
        "export `export const log = guard.audit.logMutation(internalMutation);` from convex/" +
          `${s.logFunction.split(":")[0]}.ts (or set confirmations.audit.logFunction)`,
      );
    },

    logMutation(internalMutation) {
      return internalMutation({
        args: auditEventValidatorFields(),
        handler: async (ctx, event) => {
          await audit.log(ctx as unknown as WriterCtx<GenericDataModel>, event as AuditEvent);
          return null;
        },
      }) as unknown as RegisteredMutation<"internal", AuditEvent, Promise<null>>;
    },

    async list(ctx, filter, paginationOpts) {
      const s = settings();
      await s.requireReader(ctx as unknown as ReaderCtx<GenericDataModel>);
      const given = (["actor", "action", "resourceType"] as const).filter(
        (k) => (filter as Record<string, unknown> | undefined)?.[k] !== undefined,
      );
      if (given.length > 1) {
        deny("INVALID_ARGUMENT", "filter the audit log by one of actor, action or resourceType");
      }
      const numItems = Math.min(Math.max(1, Math.floor(Number(paginationOpts?.numItems) || 1)), MAX_AUDIT_PAGE);
      const opts = { ...paginationOpts, numItems };
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const q = (ctx.db as any).query(s.table);
      const key = given[0];
      const ordered =
        key === undefined
          ? q.order("desc")
          : q
              .withIndex(`by_${key}`, (r: { eq(f: string, x: unknown): unknown }) =>
                r.eq(key, String((filter as Record<string, unknown>)[key])),
              )
              .order("desc");
      return (await ordered.paginate(opts)) as PaginationResult<AuditRow>;
    },
  };
  return audit;
}
