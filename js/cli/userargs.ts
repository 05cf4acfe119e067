// Arguments that carry a user's id, for `user-id-arg`: by their name (rules.ts `namesUser`:
// `userId`, `ownerId`, ...) or by their validator, an id of the users table, whatever the name:
//
//   args: { memberId: v.id("users"), from: v.optional(v.id("users")), to: v.array(v.id("users")) }
//
// The users table is the guard's configured `users.table` when the audit can read it (writes.ts),
// "users" otherwise. A nested `v.object` is not looked into here: its fields are arguments of
// their own (functions.ts), each judged by its own name and validator. The tables a validator's
// ids are of (`idTables`) also tell childquery.ts which arguments are ids of documents under access.
import ts from "typescript";
import { isUnreadable, readValue } from "./config.js";
import { CONVEX } from "./facts.js";
import type { App } from "./program.js";

/** Validators whose values hold the values of the validators they are given. */
const WRAPPERS = new Set(["optional", "nullable", "union", "array", "record"]);

/** Whether a validator admits an id of `usersTable` (`idTables`). */
export const validatesUserId = (app: App, validator: ts.Node, usersTable: string): boolean => idTables(app, validator).includes(usersTable);

/**
 * The tables whose ids a validator admits: `v.id("users")`, also inside `v.optional`,
 * `v.nullable`, `v.union`, `v.array` and `v.record` (its keys or its values), through the app's
 * `const`s (`const UserId = v.id("users")`, the table name too).
 */
export function idTables(app: App, validator: ts.Node, depth = 0): string[] {
  const e = readValue(app, validator);
  if (depth > 8 || isUnreadable(e) || !ts.isCallExpression(e)) return [];
  const name = app.calleeFrom(e, CONVEX)?.name;
  if (name === "id") {
    const table = e.arguments[0] === undefined ? undefined : readValue(app, e.arguments[0]);
    return table !== undefined && !isUnreadable(table) && ts.isStringLiteralLike(table) ? [table.text] : [];
  }
  return name !== undefined && WRAPPERS.has(name) ? e.arguments.flatMap((a) => idTables(app, a, depth + 1)) : [];
}
