/**
 * One read-modify-write of the guard's rows at a time in a transaction.
 *
 * A Convex mutation may run several guard calls at once (`Promise.all` over a list, as Convex
 * allows). Each such call reads a row, decides and writes it back, awaiting the database in
 * between, so two of them interleave: both read the same row, both decide on it, and the
 * second write is based on a state the first already changed (ten takes of a bucket of three
 * all admitted; fifty wrong codes compared against one code's five attempts; two rows
 * inserted for one key). Convex's transactions are serializable against each other, not the
 * calls inside one of them: each call's critical section runs here, after the one before it
 * on the same database (the `ctx.db` of one transaction), whatever that one's outcome.
 *
 * Only the sections that read and then write the guard's own rows queue, and none of them
 * calls another one or awaits the app's code (which could wait for the queue in turn): plain
 * reads, the caller's identity and the audit row are outside.
 */
import { GuardConfigError } from "./errors.js";

/** The last section queued per transaction's database; held weakly, so nothing outlives it. */
let tails: WeakMap<object, Promise<unknown>> | undefined;

const settled = () => undefined;

/**
 * Runs `section` once every section queued before it on `db` has settled, and answers what it
 * answers. `db` not an object: run at once (the section fails on it with its own error).
 * @internal
 */
export function serially<T>(db: unknown, section: () => Promise<T>): Promise<T> {
  if (db === null || (typeof db !== "object" && typeof db !== "function")) return section();
  const queues = (tails ??= new WeakMap());
  const before = queues.get(db);
  const mine = before === undefined ? section() : before.then(section, section);
  queues.set(db, mine.then(settled, settled));
  return mine;
}

/**
 * The one row an exact index look-up found, `null` for none. More than one (written by calls
 * that ran concurrently in one transaction before this package serialized them, or by the
 * app's own code) is refused, naming the rows and how to remove them, rather than deciding on
 * one of them. `take(2)`, not `unique()`: the same refusal in Convex and convex-test, with the
 * guard's words instead of the database's. @internal
 */
export async function onlyRow<R>(query: { take(n: number): Promise<unknown[]> }, what: () => string, fix: string): Promise<R | null> {
  const rows = (await query.take(2)) as R[];
  if (rows.length > 1) {
    throw new GuardConfigError(`${what()} has more than one row (the guard keeps one): ${fix}`);
  }
  return rows[0] ?? null;
}
