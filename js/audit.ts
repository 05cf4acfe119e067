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
import { field, own } from "./fields.js";
import { checkOptionKeys, keysOf, PAGE_KEYS } from "./config-keys.js";
import { deny, GuardConfigError, pageSize } from "./errors.js";
import { auditFilterString, auditFilterTime, CLIENT_MESSAGE, MAX_PAGE_ITEMS, unknownAuditFilter } from "./generated/wire.js";
import type { ReaderCtx, WriterCtx } from "./ctx.js";
import { cleanString, redact, secretForms } from "./redact.js";
import { pageOf, plainCursor } from "./access-store.js";
import { requireInternal } from "./registered.js";
import { notTheGuards, runWired, withTable } from "./wiring.js";

export { REDACTED } from "./redact.js";

/** One audit event, as given to {@link Audit.log}. */
export type AuditEvent = {
  /** What happened, e.g. `"users.delete"` or `"external.weather"`. */
  action: string;
  /**
   * How it ended, e.g. `"success"`, `"error"`, `"denied"`, or a confirmation reason; a safe
   * action also writes `"started"` before its handler runs.
   */
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

const AUDIT_EVENT_KEYS = keysOf<AuditEvent>()(["action", "outcome", "actor", "resourceType", "resourceId", "details"]);

/** A stored audit row. */
export type AuditRow = AuditEvent & { _id: string; _creationTime: number };

/**
 * The filters of {@link Audit.list}: any combination (none included). Each combination of
 * `actor`, `action` and `resourceType` has an index of exactly those fields, which Convex ends
 * with `_creationTime`, so every combination, with or without a time range, is one index
 * range, newest first, with nothing filtered after reading.
 */
export type AuditFilter = {
  /** Rows whose `actor` is exactly this. */
  actor?: string;
  /** Rows whose `action` is exactly this. */
  action?: string;
  /** Rows whose `resourceType` is exactly this. */
  resourceType?: string;
  /** Rows written at or after this time (ms since the epoch, `_creationTime`). */
  from?: number;
  /** Rows written before this time (ms since the epoch, exclusive). */
  to?: number;
};

/** The filter fields with an equality index, in the order every index lists them. */
const AUDIT_FIELDS = ["actor", "action", "resourceType"] as const;
/** Every key of a filter: the fields, then the time range. */
const FILTER_KEYS = [...AUDIT_FIELDS, "from", "to"] as const;

/** Most rows one page of {@link Audit.list} returns (the engine's page bound). */
export const MAX_AUDIT_PAGE = MAX_PAGE_ITEMS;

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
// One index per non-empty subset of AUDIT_FIELDS (the empty one is Convex's
// `by_creation_time`), fields in AUDIT_FIELDS order, named by `auditIndex`: seven index
// entries per row, the price of serving every combination without reading rows it drops.
/** @internal */
export function defineAuditTable() {
  return defineTable(auditEventValidatorFields())
    .index("by_actor", ["actor"])
    .index("by_action", ["action"])
    .index("by_resourceType", ["resourceType"])
    .index("by_actor_and_action", ["actor", "action"])
    .index("by_actor_and_resourceType", ["actor", "resourceType"])
    .index("by_action_and_resourceType", ["action", "resourceType"])
    .index("by_actor_and_action_and_resourceType", ["actor", "action", "resourceType"]);
}

/** The index whose fields are exactly `fields` (in AUDIT_FIELDS order). */
function auditIndex(fields: readonly string[]): string {
  return fields.length === 0 ? "by_creation_time" : `by_${fields.join("_and_")}`;
}

/** Range bounds of the query builder, as much of it as `list` uses. */
type IndexRange = {
  eq(field: string, value: unknown): IndexRange;
  gte(field: string, value: number): IndexRange;
  lt(field: string, value: number): IndexRange;
};

/** The filter checked: known keys only, strings and finite times. */
function checkFilter(filter: unknown): { fields: [string, string][]; from: number | undefined; to: number | undefined } {
  if (filter === undefined) return { fields: [], from: undefined, to: undefined };
  if (typeof filter !== "object" || filter === null || Array.isArray(filter)) {
    deny("INVALID_ARGUMENT", CLIENT_MESSAGE.AUDIT_FILTER_OBJECT);
  }
  const f = filter as Record<string, unknown>;
  for (const key of Object.keys(f)) {
    if (f[key] !== undefined && !(FILTER_KEYS as readonly string[]).includes(key)) {
      deny("INVALID_ARGUMENT", unknownAuditFilter(key, FILTER_KEYS.join(", ")));
    }
  }
  const fields: [string, string][] = [];
  for (const key of AUDIT_FIELDS) {
    const value = field(f, key); // own fields: a planted actor narrows nothing
    if (value === undefined) continue;
    if (typeof value !== "string") deny("INVALID_ARGUMENT", auditFilterString(key));
    fields.push([key, value]);
  }
  const time = (key: "from" | "to") => {
    const value = field(f, key);
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      deny("INVALID_ARGUMENT", auditFilterTime(key));
    }
    return value;
  };
  const from = time("from");
  const to = time("to");
  // Both always set: a time left out must not be read back from Object.prototype.
  return { fields, from, to };
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
   * Records an event, secrets redacted, and answers the new row's id. In a mutation it inserts
   * the row; in an action (no `ctx.db`) it runs the internal mutation made by
   * {@link Audit.logMutation}, whose answer (that id) is its proof the row exists. Any event
   * becomes a storable row: strings cut at a code point, field names Convex refuses escaped
   * (`"détail"` -> `"d%C3%A9tail"`), depth, items and text bounded, errors kept structured
   * (`ConvexError` data as a value). The insert's own failures (a missing table, a database
   * error) are thrown, never hidden.
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` for a text field given as anything but a string
   * (`null` included: never stringified or dropped), or an empty `action` or `outcome`.
   * @throws {GuardConfigError} when the context can neither insert nor run a mutation, or in an
   * action when the internal mutation is not exported.
   * @example
   * ```ts
   * await guard.audit.log(ctx, { action: "users.delete", outcome: "success", actor: admin._id, resourceType: "users", resourceId: id });
   * ```
   */
  log(ctx: WriterCtx<GenericDataModel> | RunMutationCtx, event: AuditEvent): Promise<string>;

  /**
   * The internal mutation actions log through: export it as `log` from `convex/audit.ts` (or
   * where `audit.logFunction` says). Asked by {@link Audit.log} with the audit table it expects
   * (`table`), it answers the id of the row it inserted, and inserts nothing (answering `null`)
   * for another table: an action takes only that id as proof that its event was recorded.
   *
   * @throws {GuardConfigError} where it is defined, unless given `internalMutation` (a public
   * mutation would let any client write rows into the trail).
   * @example
   * ```ts
   * // convex/audit.ts
   * export const log = guard.audit.logMutation(internalMutation);
   * ```
   */
  logMutation<DM extends GenericDataModel>(
    internalMutation: MutationBuilder<DM, "internal">,
  ): RegisteredMutation<"internal", AuditEvent & { table?: string }, Promise<string | null>>;

  /**
   * One page of audit rows, newest first, for callers holding the configured reader role or
   * permission; filtered by any combination of actor, action, resource type and a time range
   * (`from` inclusive, `to` exclusive), each combination one index range. A page holds
   * `numItems` rows unless it is the last: a whole number from 1 to {@link MAX_AUDIT_PAGE}.
   *
   * @throws `ConvexError` `UNAUTHENTICATED`, `FORBIDDEN`, or `INVALID_ARGUMENT` for an
   * unknown filter, a filter value that is not a string, a time that is not a number, a
   * `numItems` out of range, or a malformed cursor ("malformed cursor").
   * @example
   * ```ts
   * export const auditLog = query({
   *   args: {
   *     actor: v.optional(v.string()), action: v.optional(v.string()),
   *     resourceType: v.optional(v.string()), from: v.optional(v.number()), to: v.optional(v.number()),
   *     paginationOpts: paginationOptsValidator,
   *   },
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
    deny("INVALID_ARGUMENT", CLIENT_MESSAGE.AUDIT_EVENT_OBJECT);
  }
  const str = (x: unknown) => {
    if (x === undefined) return undefined;
    // Only a string: `actor: 5` stored as "5", or `actor: null` dropped, would file the row
    // under another actor or none, where a search by actor never finds it.
    if (typeof x !== "string") deny("INVALID_ARGUMENT", CLIENT_MESSAGE.AUDIT_EVENT_FIELDS);
    return cleanString(x, forms);
  };
  /** `action` and `outcome`: required, so never `""` (omitted, past the types, they are "unknown"). */
  const required = (key: "action" | "outcome") => {
    const x = str(own(event, key));
    if (x === "") deny("INVALID_ARGUMENT", CLIENT_MESSAGE.AUDIT_EVENT_EMPTY);
    return x ?? "unknown";
  };
  // A misspelt key (`acter`) is refused, never a row written without the field it meant.
  checkOptionKeys(event, AUDIT_EVENT_KEYS, "audit event");
  // Own fields only: a field planted on Object.prototype never fills in an event's.
  const clean: AuditEvent = {
    action: required("action"),
    outcome: required("outcome"),
  };
  const actor = str(own(event, "actor"));
  const resourceType = str(own(event, "resourceType"));
  const resourceId = str(own(event, "resourceId"));
  if (actor !== undefined) clean.actor = actor;
  if (resourceType !== undefined) clean.resourceType = resourceType;
  if (resourceId !== undefined) clean.resourceId = resourceId;
  const details = own(event, "details");
  if (details !== undefined) clean.details = redact(details, forms);
  return clean;
}

/** The fix for a missing audit table, named in the `GuardConfigError`. @internal */
export function auditTableFix(table: string): string {
  return `add the audit table to your schema: \`defineSchema({ ...yourTables, ${table}: auditTable })\``;
}

/** @internal */
export function createAudit(settings: () => AuditSettings): Audit {
  /** Inserts the event, secrets redacted, with a mutation's `ctx.db`: the new row's id. */
  async function insert(w: WriterCtx<GenericDataModel>["db"], s: AuditSettings, event: AuditEvent): Promise<string> {
    const clean = cleanEvent(event, secretForms(secretValues(s.secretEnv)));
    return withTable(s.table, auditTableFix(s.table), async () => {
      // The table name comes from the configuration: only known to be a string here.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const db = w as any;
      // One bounded index read proves the table (and its reader's index) is declared: a
      // store that accepts rows for undeclared tables would otherwise keep a trail no one
      // can read, and a schema without it would fail every write much later.
      await db.query(s.table).withIndex("by_actor", (q: IndexRange) => q.eq("actor", "")).first();
      return (await db.insert(s.table, clean)) as string;
    });
  }

  const audit: Audit = {
    async log(ctx, event) {
      const s = settings();
      const db = (ctx as { db?: { insert?: unknown } }).db;
      if (db !== undefined && typeof db.insert === "function") {
        return insert((ctx as WriterCtx<GenericDataModel>).db, s, event);
      }
      const clean = cleanEvent(event, secretForms(secretValues(s.secretEnv)));
      if (typeof (ctx as Partial<RunMutationCtx>).runMutation !== "function") {
        throw new GuardConfigError("guard.audit.log needs a mutation or action context");
      }
      const fix =
        "export `export const log = guard.audit.logMutation(internalMutation);` from convex/" +
        `${s.logFunction.split(":")[0]}.ts (or set confirmations.audit.logFunction)`;
      // The guard's own log mutation answers the id of the row it inserted into the table this
      // guard reads: a hand-written one that stores nothing, or another guard's that writes to
      // another table, answers anything else, and the call is then not audited.
      const id = await runWired(ctx, "mutation", s.logFunction, { ...clean, table: s.table }, fix, "table");
      if (typeof id !== "string" || id.length === 0) {
        throw notTheGuards(s.logFunction, `the id of the row it inserted into the audit table '${s.table}'`, fix);
      }
      return id;
    },

    logMutation(internalMutation) {
      const log = internalMutation({
        args: { ...auditEventValidatorFields(), table: v.optional(v.string()) },
        handler: async (ctx, { table, ...event }) => {
          const s = settings();
          // Asked for another table (another guard's trail): nothing inserted, no receipt.
          if (table !== undefined && table !== s.table) return null;
          const id = await insert((ctx as unknown as WriterCtx<GenericDataModel>).db, s, event as AuditEvent);
          // Asked without `table` (a direct call), the answer is `null` as before.
          return table === undefined ? null : id;
        },
      });
      // A public one would let any client, with no identity, write rows into the trail.
      const fix = "pass internalMutation from ./_generated/server: a public function is callable by any client";
      return requireInternal(log, "mutation", "guard.audit.logMutation", fix) as unknown as RegisteredMutation<
        "internal",
        AuditEvent & { table?: string },
        Promise<string | null>
      >;
    },

    async list(ctx, filter, paginationOpts) {
      checkOptionKeys(paginationOpts, PAGE_KEYS, "audit.list's paginationOpts");
      const s = settings();
      await s.requireReader(ctx as unknown as ReaderCtx<GenericDataModel>);
      const { fields, from, to } = checkFilter(filter);
      const opts = { ...paginationOpts, numItems: pageSize(own(paginationOpts, "numItems")) };
      // One index range: equality on exactly the index's fields, then `_creationTime`.
      const range = (r: IndexRange) => {
        for (const [field, value] of fields) r = r.eq(field, value);
        if (from !== undefined) r = r.gte("_creationTime", from);
        if (to !== undefined) r = r.lt("_creationTime", to);
        return r;
      };
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const q = () => (ctx.db as any).query(s.table).withIndex(auditIndex(fields.map(([f]) => f)), range).order("desc");
      // A cursor the database cannot parse is INVALID_ARGUMENT "malformed cursor", as in every
      // listing (never the parser's own text), `endCursor` too; `pageOf` pages with the options
      // as given, and reads the failure as the cursor's when one of them was given.
      const cursor = plainCursor(own(paginationOpts, "cursor"));
      const end = plainCursor(own(paginationOpts, "endCursor"));
      const paged = () => ({ paginate: () => q().paginate(opts), first: () => q().first() });
      return (await pageOf(paged, opts.numItems, cursor ?? end)) as PaginationResult<AuditRow>;
    },
  };
  return audit;
}
