/**
 * The tables `guard.validate({ schema })` asks of the schema: those a configuration needs, each
 * with the fix that adds it, and, for the tables the guard defines itself (rate limits, access
 * grants and groups, codes, the audit trail), that the schema declares them as the guard does.
 * A guard table declared otherwise fails only at its first write or read, in a request: a
 * field the guard writes missing or of another type, a required field it never writes, an index
 * it reads missing or over other fields. Fields added as optional, and indexes added, are the
 * app's own and accepted. The guard's definitions are made here, by the factories the exported
 * tables are made by, only when `validate` runs: a function's bundle holds no table made at import.
 */
import { RATE_LIMIT_FIX } from "./actions-ratelimit.js";
import { auditTableFix, defineAuditTable } from "./audit.js";
import { indexes, kind, objectAt } from "./access-schema.js";
import { ACCESS_TABLE_NAMES, ACCESS_TABLES_FIX, defineAccessTables } from "./access-tables.js";
import { codesTableFix, defineConfirmationsTable } from "./confirm-table.js";
import { DEFAULT_AUDIT_TABLE, DEFAULT_CODES_TABLE } from "./confirm.js";
import { field } from "./fields.js";
import type { GuardConfig } from "./guard.js";
import { defineRateLimitTables, RATE_LIMIT_TABLE } from "./ratelimit-table.js";
import type { Settings } from "./users.js";

/** A table the schema must declare: its name, the fix that adds it, and the guard's definition of it when it is the guard's. */
export type RequiredTable = readonly [name: string, fix: string, ours?: object];

/** The tables a configuration needs in the schema, each with the fix that adds it. @internal */
export function requiredTables(config: GuardConfig<string, string, string, string, string, string, readonly string[], unknown>, users: Settings): RequiredTable[] {
  const tables: RequiredTable[] = [];
  // The users rows the guard reads (a `resolve` function reads what it likes).
  if (users.kind === "index" || users.kind === "convexAuth") {
    tables.push([users.table, `declare the users table${users.kind === "index" ? ` (with its index '${users.index}' on '${users.field}')` : ""}`]);
  }
  if (config?.rateLimits !== undefined && Object.keys(config.rateLimits).length > 0) {
    tables.push([RATE_LIMIT_TABLE, RATE_LIMIT_FIX, defineRateLimitTables()[RATE_LIMIT_TABLE]]);
  }
  // With access configured, its tables: grants and groups need them, and `forgetUser` reads
  // them (without access it reads none).
  if (config?.access != null) {
    const ours = defineAccessTables();
    for (const name of ACCESS_TABLE_NAMES) tables.push([name, ACCESS_TABLES_FIX, ours[name]]);
  }
  for (const name of Object.keys(config?.access?.tables ?? {})) {
    tables.push([name, `declare the table that access.tables.${name} protects (with its owner index)`]);
  }
  const c = config?.confirmations;
  if (c !== undefined && c !== null) {
    const codes = c.table ?? DEFAULT_CODES_TABLE;
    tables.push([codes, codesTableFix(codes), defineConfirmationsTable()]);
    const audit = c.audit?.table ?? DEFAULT_AUDIT_TABLE;
    tables.push([audit, auditTableFix(audit), defineAuditTable()]);
  }
  return tables;
}

/**
 * The problems of the guard's own tables that `declared` (the schema's `tables`) declares
 * otherwise than the guard defines them, each naming the table, what differs and the fix.
 * @internal
 */
export function guardTableProblems(tables: readonly RequiredTable[], declared: object): string[] {
  const problems: string[] = [];
  for (const [name, fix, ours] of tables) {
    const theirs = ours === undefined ? undefined : objectAt(declared, name);
    if (ours === undefined || theirs === undefined) continue;
    const found = differences(ours, theirs);
    if (found.length > 0) problems.push(`table '${name}' is not declared as the guard defines it (${found.join(", ")}): ${fix}`);
  }
  return problems;
}

/** A validator as `convex/values` builds it: its JSON, and whether it is optional. */
type FieldValidator = { json?: unknown; isOptional?: unknown };

/** What differs between the guard's table `ours` and the declared `theirs` (at most three, in words). */
function differences(ours: object, theirs: object): string[] {
  const found: string[] = [];
  const mine = fieldsOf(field(ours, "validator"))!;
  const declared = fieldsOf(field(theirs, "validator"));
  if (declared === undefined) return ["its documents are not objects"];
  for (const [name, v] of Object.entries(mine)) {
    const d = field(declared, name) as FieldValidator | undefined;
    if (d === undefined) found.push(`no field '${name}'`);
    else if (JSON.stringify(d.json) !== JSON.stringify(v.json)) found.push(`field '${name}' is ${JSON.stringify(d.json)}, not ${JSON.stringify(v.json)}`);
    // A validator's JSON does not say whether it is optional: a field the guard leaves out of
    // some rows (a group grant's `userId`), declared required, refuses those writes.
    else if (d.isOptional !== v.isOptional) found.push(`field '${name}' is ${d.isOptional}, not ${v.isOptional}`);
  }
  for (const [name, d] of Object.entries(declared)) {
    if (!Object.hasOwn(mine, name) && d.isOptional !== "optional") found.push(`a required field '${name}' the guard never writes`);
  }
  // Indexes not held as `defineTable` holds them are not assumed about.
  const declaredIndexes = indexes(theirs);
  for (const [name, fields] of declaredIndexes === undefined ? [] : (indexes(ours) ?? [])) {
    const over = JSON.stringify(declaredIndexes!.get(name));
    if (!declaredIndexes!.has(name)) found.push(`no index '${name}'`);
    else if (over !== JSON.stringify(fields)) found.push(`index '${name}' is over ${over}, not ${JSON.stringify(fields)}`);
  }
  return found.slice(0, 3);
}

/** The fields of an object validator, by name; `undefined` for any other validator. */
function fieldsOf(v: unknown): Record<string, FieldValidator> | undefined {
  const fields = kind(v) === "object" ? field(v as object, "fields") : undefined;
  return fields !== null && typeof fields === "object" ? (fields as Record<string, FieldValidator>) : undefined;
}
