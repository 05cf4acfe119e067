// Shared by the package tests: what Convex refuses to store, checked the way Convex checks it
// (its own convexToJson for field names and types) plus the limits the backend enforces.
import assert from "node:assert/strict";
import { convexToJson, getConvexSize } from "convex/values";

/** Throws unless `row` is a document Convex stores: the audit trail must never lose a row. */
export function assertStorable(row) {
  convexToJson(row); // field names (ASCII, no "$", <= 1024), no undefined in arrays, int64 range
  assert.ok(getConvexSize(row) < 1 << 20, "a document is at most 1 MiB");
  check(row, 1, "row");
}

function check(x, depth, path) {
  assert.ok(depth <= 16, `${path}: nesting deeper than 16`);
  if (typeof x === "string") {
    assert.ok(x.isWellFormed(), `${path}: a lone surrogate is not UTF-8 text`);
  } else if (Array.isArray(x)) {
    assert.ok(x.length <= 8192, `${path}: more than 8192 elements`);
    x.forEach((v, i) => check(v, depth + 1, `${path}[${i}]`));
  } else if (typeof x === "object" && x !== null && !(x instanceof ArrayBuffer)) {
    const entries = Object.entries(x);
    assert.ok(entries.length <= 1024, `${path}: more than 1024 fields`);
    for (const [k, v] of entries) {
      assert.ok(k.length > 0 && !/^[$_]/.test(k), `${path}: field name ${JSON.stringify(k)}`);
      check(v, depth + 1, `${path}.${k}`);
    }
  }
}

/** A database query that finds nothing (the audit trail checks its table is declared). */
export const emptyQuery = () => ({ withIndex: () => ({ first: async () => null, take: async () => [] }) });

/** A mutation ctx whose `db.insert` refuses what Convex refuses, and keeps the rows. */
export function mutationCtx(rows = []) {
  return {
    rows,
    db: {
      query: emptyQuery,
      insert: async (_table, row) => {
        assertStorable(row);
        rows.push(row);
        return "id";
      },
    },
  };
}
