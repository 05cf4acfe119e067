/**
 * What `guard.validate({ schema })` checks in the tables `access.tables` protects, beyond
 * their presence: the fields the configuration names and the owner index. A mistake here does
 * not fail loudly at run time: a misspelt owner field makes every document ownerless, a
 * visibility field declared `v.string()` lets a stored `"Public"` refuse every batch read that
 * reaches the document (README, "The rules"). Only tables declared with an object validator
 * are read (`v.any()` and unions of objects are left alone).
 */
import { field } from "./fields.js";
import type { TableInfo } from "./access-config.js";
import { VISIBILITIES } from "./access-codec.js";

/** A Convex validator, as `convex/values` builds it (the few fields read here). */
type Validator = { kind?: unknown; fields?: unknown; members?: unknown; value?: unknown };

/** Whether `v` admits only the visibilities the engine reads (optional or not). */
function onlyVisibilities(v: Validator): boolean {
  const literal = (m: unknown) =>
    m !== null && typeof m === "object" && field(m, "kind") === "literal" && VISIBILITIES.includes(field(m, "value") as never);
  if (field(v, "kind") === "union") {
    const members = field(v, "members");
    return Array.isArray(members) && members.length > 0 && members.every(literal);
  }
  return literal(v);
}

/**
 * The first field of each index of a declared table, by index name; `undefined` when the table
 * does not hold its indexes as `convex/server` 1.x's `defineTable` does (nothing is assumed).
 */
function indexes(table: object): Map<string, unknown> | undefined {
  const list = field(table, "indexes");
  const out = new Map<string, unknown>();
  if (!Array.isArray(list)) return undefined;
  for (const index of list) {
    if (index === null || typeof index !== "object") continue;
    const fields = field(index, "fields");
    out.set(String(field(index, "indexDescriptor")), Array.isArray(fields) ? fields[0] : undefined);
  }
  return out;
}

/**
 * The problems of the protected tables the schema declares (`declared`: the schema's
 * `tables`), each a sentence naming the table, the field or index and the fix. Missing tables
 * are reported apart (wiring.ts `checkSchema`). @internal
 */
export function accessSchemaProblems(tables: ReadonlyMap<string, TableInfo>, declared: object): string[] {
  const problems: string[] = [];
  for (const [name, t] of tables) {
    const table = field(declared, name);
    if (table === null || typeof table !== "object") continue;
    const validator = field(table, "validator") as Validator | undefined;
    if (validator !== undefined && validator !== null && field(validator, "kind") === "object") {
      const fields = (field(validator, "fields") ?? {}) as object;
      const named: [string, string | undefined][] = [["owner", t.owner], ["visibility", t.visibility], ["parent", t.parent]];
      for (const [option, fieldName] of named) {
        if (fieldName !== undefined && field(fields, fieldName) === undefined) {
          problems.push(
            `access.tables.${name}.${option} names the field '${fieldName}', which table '${name}' does not declare: ` +
              `fix the name or declare the field`,
          );
        }
      }
      const visibility = t.visibility === undefined ? undefined : (field(fields, t.visibility) as Validator | undefined);
      if (visibility !== undefined && !onlyVisibilities(visibility)) {
        problems.push(
          `'${name}.${t.visibility}' (access.tables.${name}.visibility) admits values other than "public" and "private": ` +
            `a document holding one fails every listAccessible and readableMany that reaches it, so declare it ` +
            `\`v.union(v.literal("public"), v.literal("private"))\` (or v.optional of it)`,
        );
      }
    }
    const owner = indexes(table);
    if (owner === undefined) continue;
    if (!owner.has(t.ownerIndex)) {
      problems.push(
        `table '${name}' has no index '${t.ownerIndex}' (access.tables.${name}.ownerIndex), which listAccessible reads: ` +
          `add \`.index("${t.ownerIndex}", ["${t.owner}"])\``,
      );
    } else if (owner.get(t.ownerIndex) !== t.owner) {
      problems.push(
        `index '${t.ownerIndex}' of table '${name}' must start with the owner field '${t.owner}' ` +
          `(access.tables.${name}.ownerIndex): \`.index("${t.ownerIndex}", ["${t.owner}"])\``,
      );
    }
  }
  return problems;
}
