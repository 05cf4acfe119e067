/** The confirmation codes table's definition (its rows are read and written by confirm.ts). */
import { defineTable } from "convex/server";
import { v } from "convex/values";

/**
 * The confirmation codes table: one row per (actor, action, target), holding only the keyed
 * hash of the pending code and the binding's failure count, plus one row per actor that has
 * failed (its failure count, under the reserved binding with an empty action, which no code
 * can have). Spread it into your schema under the configured name (default
 * `"guardConfirmations"`).
 *
 * @example
 * ```ts
 * export default defineSchema({ ...yourTables, guardConfirmations: confirmationsTable, guardAudit: auditTable });
 * ```
 */
export const confirmationsTable = /* @__PURE__ */ defineConfirmationsTable();

/** The line that adds the codes table named `table` to the schema (a `GuardConfigError`'s fix). @internal */
export function codesTableFix(table: string): string {
  return `add the codes table to your schema: \`defineSchema({ ...yourTables, ${table}: confirmationsTable })\``;
}

// A function, so bundlers drop the definition from bundles that do not use it (see access-tables.ts).
/** @internal */
export function defineConfirmationsTable() {
  return defineTable({
    actor: v.string(),
    action: v.string(),
    target: v.string(),
    hash: v.bytes(),
    expiresAt: v.number(),
    attemptsLeft: v.number(),
    used: v.boolean(),
    /** Failures counted against the binding (or, in the actor's row, the actor); optional
     * so that rows written before the failure budgets still validate (and read as 0). */
    failures: v.optional(v.number()),
    /** When the last counted failure happened, ms since the epoch. */
    lastFailure: v.optional(v.number()),
  }).index("by_binding", ["actor", "action", "target"]);
}
