/**
 * What `guard.validate({ schema })` checks in the tables it reads, beyond their presence: the
 * fields and index of each table `access.tables` protects, and the users table's role field and
 * index. A
 * mistake here does not fail loudly at run time: a misspelt owner field makes every document
 * ownerless, a visibility field declared `v.string()` lets a stored `"Public"` refuse every
 * batch read that reaches the document (README, "The rules"). Fields are read in a table
 * declared with an object validator, or in each object of a union of objects; a table of
 * `v.any()`, or whose indexes are not held as `defineTable` holds them, is not assumed about.
 */
import { field } from "./fields.js";
import type { TableInfo } from "./access-config.js";
import { VISIBILITIES } from "./access-codec.js";
import { closestName } from "./diagnose.js";
import type { Settings } from "./users.js";

/** A Convex validator, as `convex/values` builds it (the few fields read here). */
type Validator = { kind?: unknown; fields?: unknown; members?: unknown; value?: unknown; tableName?: unknown };

/** A validator's `kind` (`"string"`, `"id"`, `"union"`, ...), if it is an object. @internal */
export const kind = (v: unknown): unknown => (v !== null && typeof v === "object" ? field(v, "kind") : undefined);

/** The object `o` holds in its own field `name`, if any (a declared table, a validator). @internal */
export function objectAt(o: object, name: string): object | undefined {
  const v = field(o, name);
  return v !== null && typeof v === "object" ? v : undefined;
}

/** The members of a validator, unions flattened (`v.union(v.union(a, b), c)` is a, b, c). @internal */
export function members(v: unknown): unknown[] {
  if (kind(v) !== "union") return [v];
  const list = field(v as object, "members");
  return Array.isArray(list) ? list.flatMap(members) : [v];
}

/** Whether `v` admits only the visibilities the engine reads (optional or not). */
function onlyVisibilities(v: unknown): boolean {
  return members(v).every((m) => kind(m) === "literal" && VISIBILITIES.includes(field(m as object, "value") as never));
}

/** Whether `v` can hold an id of table `table`: `v.id(table)` or `v.string()`, optional or in a union. */
function holdsIdOf(v: unknown, table: string): boolean {
  return members(v).some((m) => kind(m) === "string" || (kind(m) === "id" && field(m as object, "tableName") === table));
}

/** The object validators of a table's documents: its own, or each object of its union; none for `v.any()`. */
function shapes(table: object): object[] {
  return members(field(table, "validator")).filter((m): m is object => kind(m) === "object");
}

/**
 * The fields of each index of a table, by index name; `undefined` when the table does not hold
 * its indexes as `convex/server` 1.x's `defineTable` does (nothing is assumed). @internal
 */
export function indexes(table: object): Map<string, unknown> | undefined {
  const list = field(table, "indexes");
  const out = new Map<string, unknown>();
  if (!Array.isArray(list)) return undefined;
  for (const index of list) {
    if (index !== null && typeof index === "object") out.set(String(field(index, "indexDescriptor")), field(index, "fields"));
  }
  return out;
}

/** The problem of an index `name` of `table` that must exist and start with `first`, or null. */
function indexProblem(table: object, tableName: string, name: string, first: string, setting: string, reader: string): string | null {
  const found = indexes(table);
  if (found === undefined) return null;
  const fix = `\`.index("${name}", ["${first}"])\``;
  if (!found.has(name)) return `table '${tableName}' has no index '${name}' (${setting}), which ${reader} reads: add ${fix}`;
  const fields = found.get(name);
  if ((Array.isArray(fields) ? fields[0] : undefined) !== first) return `index '${name}' of table '${tableName}' must start with the field '${first}' (${setting}): ${fix}`;
  return null;
}

/** The problems of one protected table `name` as the schema declares it. */
function tableProblems(name: string, t: TableInfo, table: object, usersTable: string | undefined): string[] {
  const problems: string[] = [];
  const objects = shapes(table);
  const where = objects.length > 1 ? `one object of table '${name}'s union` : `table '${name}'`;
  const undeclared = new Set<string>();
  const named: [string, string | undefined, string | undefined][] = [
    ["owner", t.owner, usersTable],
    ["visibility", t.visibility, undefined],
    ["parent", t.parent, t.parentTable],
  ];
  for (const [option, fieldName, idOf] of named) {
    if (fieldName === undefined) continue;
    for (const shape of objects) {
      const fields = (field(shape, "fields") ?? {}) as object;
      const declared = field(fields, fieldName);
      if (declared === undefined) {
        if (undeclared.has(fieldName)) continue;
        undeclared.add(fieldName);
        const near = closestName(fieldName, Object.keys(fields));
        problems.push(
          `access.tables.${name}.${option} names the field '${fieldName}', which ${where} does not declare: ` +
            (near === null ? "fix the name or declare the field" : `did you mean '${near}'?`),
        );
      } else if (idOf !== undefined && !holdsIdOf(declared, idOf)) {
        // A parent field holding ids of another table, under a `parentTable` left at its default
        // (the same table): the setting is what is missing, more likely than the field's type.
        const other = option === "parent" && idOf === name ? members(declared).find((m) => kind(m) === "id") : undefined;
        const elsewhere = other === undefined ? "" : ` (or, if its parent is a '${String(field(other as object, "tableName"))}' document, set access.tables.${name}.parentTable to it)`;
        problems.push(
          `'${name}.${fieldName}' (access.tables.${name}.${option}) must hold the id of a '${idOf}' row: declare it \`v.id("${idOf}")\`${elsewhere}`,
        );
        break;
      } else if (option === "visibility" && !onlyVisibilities(declared)) {
        problems.push(
          `'${name}.${fieldName}' (access.tables.${name}.visibility) admits values other than "public" and "private": ` +
            `a document holding one fails every listAccessible and readableMany that reaches it, so declare it ` +
            `\`v.union(v.literal("public"), v.literal("private"))\` (or v.optional of it)`,
        );
        break;
      }
    }
  }
  // An index on a misspelt owner field would not help: the field's problem above says it.
  if (!undeclared.has(t.owner)) {
    const index = indexProblem(table, name, t.ownerIndex, t.owner, `access.tables.${name}.ownerIndex`, "listAccessible");
    if (index !== null) problems.push(index);
  }
  return problems;
}

/**
 * The problems of the users table's role field `roleField` (`users.roleField`), which must be
 * declared in each object of the table and able to hold the role names `roles`: a users table
 * without it (or with `role: v.number()`) passes Convex's checks and leaves every caller
 * without a role, so every role and permission check refuses them.
 */
function roleProblems(table: string, rows: object, roleField: string, roles: readonly string[]): string[] {
  // The guard does not know the name the app binds it to (`records`, `staffGuard`): the fix says
  // which guard's validator, never a name that may be another guard's, with other roles.
  const fix = `declare it \`${roleField}: v.optional(<guard>.roleValidator())\`, <guard> being the guard whose validate this is (by the name the app binds it to)`;
  for (const shape of shapes(rows)) {
    const fields = (field(shape, "fields") ?? {}) as object;
    const declared = field(fields, roleField);
    if (declared === undefined) {
      const near = closestName(roleField, Object.keys(fields));
      const hint = near === null ? fix : `did you mean '${near}' (set users.roleField), or ${fix}`;
      return [`the users table '${table}' does not declare the role field '${roleField}' (users.roleField): ${hint}`];
    }
    const literals = members(declared).filter((m) => kind(m) === "literal").map((m) => field(m as object, "value"));
    const strings = members(declared).some((m) => kind(m) === "string") || literals.some((x) => typeof x === "string");
    const strangers = literals.filter((x) => typeof x === "string" && !roles.includes(x));
    if (members(declared).some((m) => kind(m) === "any")) {
      return [`'${table}.${roleField}' (users.roleField) is v.any(): it admits values that are no role name (a number, an array), which hold no role: ${fix}`];
    }
    if (!strings) return [`'${table}.${roleField}' (users.roleField) cannot hold a role name: ${fix}`];
    if (strangers.length > 0) {
      const list = strangers.map((x) => JSON.stringify(x)).join(", ");
      return [`'${table}.${roleField}' (users.roleField) admits ${list}, which no configured role is: ${fix}`];
    }
  }
  return [];
}

/**
 * The problems of the tables the guard reads that the schema declares (`declared`: the
 * schema's `tables`), each a sentence naming the table, the field or index and the fix: the
 * protected `tables`, and the users table (its role field `roleField`, which must hold one of
 * `roles`, unless the role is a claim; its index when found by one). Missing tables are reported apart (wiring.ts
 * `checkSchema`). @internal
 */
export function schemaProblems(
  tables: ReadonlyMap<string, TableInfo>,
  users: Settings,
  roleField: string,
  roles: readonly string[],
  declared: object,
): string[] {
  // With `roleClaim` alone there are no users rows (and no access tables: validate refuses them
  // first); beside a row setup, rows but no role field (the role is the claim).
  const usersTable = users.kind === "claims" ? undefined : users.table;
  const problems: string[] = [];
  const usersRows = usersTable === undefined ? undefined : objectAt(declared, usersTable);
  if (usersTable !== undefined && usersRows !== undefined && users.kind !== "claims" && users.roleClaim === undefined) {
    problems.push(...roleProblems(usersTable, usersRows, roleField, roles));
  }
  if (users.kind === "index" && usersRows !== undefined) {
    const index = indexProblem(usersRows, users.table, users.index, users.field, "users.index", "getUser");
    if (index !== null) problems.push(index);
  }
  for (const [name, t] of tables) {
    const table = objectAt(declared, name);
    if (table !== undefined) problems.push(...tableProblems(name, t, table, usersTable));
  }
  return problems;
}
