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
 * reads, the caller's identity and a code's hash are outside. A code's audit row is inside:
 * written before the state of a code issued or accepted, so that a failed audit write the app
 * catches stores or burns no code, and after the spent attempt and failure counts of any
 * other outcome, which are kept whatever the audit write does. So a call queues when it reaches its section, not when it starts: calls started at
 * once run each as a whole, in some order. The app's code does run in a section when the app
 * wraps `ctx.db` (a write hook) or replaces `guard.audit.log`: such code that awaits a guard
 * call on the same transaction waits for itself (README).
 */
import { GuardConfigError } from "./errors.js";

/**
 * The last section queued per transaction, held weakly (nothing outlives the transaction's
 * objects), in one map for every copy of the package (its ES module and CommonJS builds, two
 * installed versions): registered on `globalThis` under a shared symbol.
 */
const QUEUES: unique symbol = Symbol.for("convex-guard.serial");
function queues(): WeakMap<object, Promise<unknown>> {
  const g = globalThis as { [QUEUES]?: WeakMap<object, Promise<unknown>> };
  return (g[QUEUES] ??= new WeakMap());
}

const settled = () => undefined;

/**
 * What identifies a transaction's database: its `system` reader when it has one, which a
 * database wrapped per call (convex-helpers' row-level security and triggers, a Proxy) passes
 * through from the one it wraps, else the database object itself.
 */
function transaction(db: object): object {
  const system = (db as { system?: unknown }).system;
  return system !== null && typeof system === "object" ? system : db;
}

/**
 * Runs `section` once every section queued before it on `db`'s transaction has settled, and
 * answers what it answers. `db` not an object: run at once (the section fails on it with its
 * own error). @internal
 */
export function serially<T>(db: unknown, section: () => Promise<T>): Promise<T> {
  if (db === null || (typeof db !== "object" && typeof db !== "function")) return section();
  const map = queues();
  const key = transaction(db);
  const before = map.get(key);
  const mine = before === undefined ? section() : before.then(section, section);
  map.set(key, mine.then(settled, settled));
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
    throw new GuardConfigError(`${what()} has more than one row (one is expected): ${fix}`);
  }
  return rows[0] ?? null;
}
