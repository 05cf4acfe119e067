/**
 * A compiled policy: the engine's role and permission decisions written ahead of time into a
 * data file (`npx convex-guard compile`), so that a request whose checks are all on configured
 * names never starts the engine. This file holds the file's format, computes it by asking the
 * engine through the public checks, and reads it back: it decides nothing, it only tells
 * whether the tables were computed from exactly these entries by this engine version. The
 * server guard only (js/guard.ts): the browser entries ignore `compiledPolicy`.
 */
import { collect } from "./authz-policy.js";
import { createAuthz } from "./authz.js";
import type { AuthzConfig } from "./authz-types.js";
import { checkConfigKeys, checkOwn, keysOf } from "./config-keys.js";
import { POLICY_FIELDS } from "./defaults.js";
import { GuardConfigError } from "./errors.js";
import { ENGINE_VERSION } from "./generated/wire.js";
import type { UserFinder } from "./users.js";

/**
 * What `npx convex-guard compile` writes and `compiledPolicy` takes: the engine's decisions for
 * a configuration's roles and permissions. Generated data: never write or edit it by hand.
 */
export type PolicyTables = {
  /** The convex-guard version whose engine computed the tables: no other version uses them. */
  readonly engine: string;
  /** The role names as the engine got them, lowest first. */
  readonly roles: readonly string[];
  /** The grants as the engine got them: `role, permission` pairs, flat, in order. */
  readonly grants: readonly string[];
  /** "Role at least role": `1` at `role * roles.length + min` (else `0`), a row per role, then "no role". */
  readonly atLeast: readonly number[];
  /** Each granted permission name with its holders: `1` at each role id (else `0`), then "no role". */
  readonly holders: readonly (readonly [permission: string, holders: readonly number[]])[];
};

/** The key of the guard's method that computes its {@link PolicyTables} (the CLI calls it). @internal */
export const POLICY_TABLES = Symbol.for("convex-guard.policyTables");

/**
 * The tables, read back: the "at least" answers and each permission's holders, as the engine's
 * bytes are read (exactly `1` holds; anything else, even `"1"` or `true`, does not). Copies of
 * the file's arrays, not views of the engine's memory: a fresh context's first typed array
 * costs about 15 µs, and walking the rows element by element (to check or convert them) about
 * as much again, where a native `slice` of each row costs about 2 µs.
 * @internal
 */
export type ReadTables = {
  atLeast: readonly unknown[];
  holders: [string, readonly unknown[]][];
  /** The entries they were read for: the engine gets these if it starts later (as it keeps the ones it first read). */
  entries: { names: string[]; grants: string[] };
};

/**
 * Given the defined roles, the tables' decisions when they match the configuration, else
 * `undefined` (js/authz.ts); `tables`: the file as the guard was given it, which `validate()`
 * checks (not the configuration's key read again, which may be gone by then). @internal
 */
export type Preset = { (roles: readonly string[] | undefined): ReadTables | undefined; tables: PolicyTables };

type Config = AuthzConfig<string, string, string, string, unknown>;

/**
 * The server guard's {@link Preset}: `config.compiledPolicy` read back, once, for the entries
 * the engine would get, with a warning when they do not match; later calls answer that same
 * copy (`validate()` checks the copy the checks use, not a second read of the file).
 * `undefined` without tables. A configuration the engine would refuse is not read here: the
 * engine then names its mistake.
 * @internal
 */
export function tablesPreset(config: Config, users: UserFinder): Preset | undefined {
  const compiled = config?.compiledPolicy;
  if (compiled === undefined) return undefined;
  let done = false;
  let read: ReadTables | undefined;
  const preset: Preset = (roles) => {
    if (done) return read;
    done = true;
    const entries = { names: [] as string[], grants: [] as string[] };
    try {
      checkConfigKeys(config);
      users.validate();
      collect(roles!, config.permissions, entries.names, entries.grants);
    } catch {
      return undefined;
    }
    // Every role read, each once: the tables' rows are numbered by the roles' places, and a
    // list cut short (past the engine's bound) or naming a role twice would shift or share them
    // (attack19). The engine then names the configuration's mistake.
    if (!distinct(entries.names, roles!.length)) return undefined;
    read = readTables(compiled, entries);
    if (read === undefined) console.warn(staleWarning(compiled, entries));
    return read;
  };
  preset.tables = compiled;
  return preset;
}

/** Whether `names` are `count` names, none twice. */
function distinct(names: readonly string[], count: number): boolean {
  if (names.length !== count) return false;
  for (let i = 1; i < names.length; i++) for (let j = 0; j < i; j++) if (names[i] === names[j]) return false;
  return true;
}

/**
 * The {@link PolicyTables} of `config`, asked of the engine through the public checks of a
 * guard without tables (each role and "no role" against each role, then against each granted
 * name), laid out as js/authz.ts reads its tables. Throws the configuration's mistake.
 * @internal
 */
export function computeTables(config: Config, users: UserFinder): PolicyTables {
  const authz = createAuthz({ ...config, compiledPolicy: undefined }, users);
  authz.validate();
  const roles = authz.roles;
  const names: string[] = [];
  const grants: string[] = [];
  collect(roles, config.permissions, names, grants);
  const row = (holds: (subject: string | null) => boolean) => [...roles, null].map((s) => (holds(s) ? 1 : 0));
  const holders: [string, number[]][] = [];
  for (let i = 1; i < grants.length; i += 2) {
    const name = grants[i]!;
    if (!holders.some(([n]) => n === name)) holders.push([name, row((s) => authz.can(s, name))]);
  }
  const atLeast = [...roles, null].flatMap((s) => roles.map((min) => (authz.roleAtLeast(s, min) ? 1 : 0)));
  return { engine: ENGINE_VERSION, roles: names, grants, atLeast, holders };
}

/**
 * For the guard's `validate()`: with `compiledPolicy` set, throws unless it is what the engine
 * computes now.
 * @internal
 */
export function checkCompiled(config: Config, users: UserFinder, preset: Preset | undefined): void {
  if (preset === undefined) return;
  const given = preset.tables;
  const computed = computeTables(config, users);
  // The copy the checks read (not the file's JSON text, which a `toJSON` could dress up, nor a
  // second read of it, which a getter could answer otherwise); undefined: they use none.
  const read = preset(computed.roles);
  let differs: string | undefined;
  if (read === undefined) differs = staleStamp(given, { names: computed.roles, grants: computed.grants }) ?? "atLeast' or 'holders";
  else if (!same(read.entries.names, computed.roles) || !same(read.entries.grants, computed.grants)) differs = "roles' or 'grants";
  // Compared as the checks read them (`=== 1`): a `new Number(1)` is no `1`, though JSON prints it so.
  else if (!same(read.atLeast, computed.atLeast)) differs = "atLeast";
  else if (read.holders.length !== computed.holders.length || read.holders.some(([name, row], i) => name !== computed.holders[i]![0] || !same(row, computed.holders[i]![1]))) differs = "holders";
  if (differs !== undefined) {
    throw new GuardConfigError(
      `compiledPolicy is not what the engine computes for this configuration (its '${differs}' differs): it is stale or was edited; run \`npx convex-guard compile\` again`,
    );
  }
}

/**
 * `tables` read back when they were computed by this engine version from exactly `roles` and
 * `grants`; else `undefined` (stale, from another version, or not such tables at all).
 */
function readTables(tables: PolicyTables, entries: ReadTables["entries"]): ReadTables | undefined {
  try {
    return readFields(tables as Partial<PolicyTables> | null, entries);
  } catch {
    return undefined; // a getter or a Proxy of the file's that throws: no tables
  }
}

/** {@link POLICY_FIELDS}, which the compiler checks are exactly the file's fields. */
const FIELDS = /* @__PURE__ */ keysOf<PolicyTables>()(POLICY_FIELDS);

function readFields(t: Partial<PolicyTables> | null, entries: ReadTables["entries"]): ReadTables | undefined {
  if (t === null || typeof t !== "object") return undefined;
  // Its own fields only: one found only on a prototype throws, and readTables answers no tables.
  checkOwn(t, FIELDS, "compiledPolicy.");
  // Each field read once, each pair and its name once: a getter answers one copy, the one used.
  const { engine, roles, grants, atLeast: answers, holders: pairs } = t;
  const n = entries.names.length;
  if (stamped(engine, roles, grants, entries) !== undefined) return undefined;
  const atLeast = rowOf(answers, (n + 1) * n);
  const list = Array.isArray(pairs) ? pairs.slice() : undefined;
  if (atLeast === undefined || list === undefined) return undefined;
  // "No role" (the last row, and each permission's last column) holds nothing, as the engine
  // computes it: a file that says otherwise was edited, and is not used (attack19).
  for (let min = 0; min < n; min++) if (atLeast[n * n + min] === 1) return undefined;
  const holders: [string, readonly unknown[]][] = [];
  for (let i = 0; i < list.length; i++) {
    const pair: unknown = list[i];
    const name: unknown = Array.isArray(pair) ? pair[0] : undefined;
    const row = typeof name === "string" ? rowOf((pair as unknown[])[1], n + 1) : undefined;
    // Each name once, and one the grants name: the engine writes a row for those only.
    if (row === undefined || row[n] === 1 || !granted(entries.grants, name as string) || holders.some(([h]) => h === name)) return undefined;
    holders.push([name as string, row]);
  }
  return { atLeast, holders, entries };
}

/** Whether `grants` (`role, permission` pairs) grant the name `name`. */
function granted(grants: readonly string[], name: string): boolean {
  for (let i = 1; i < grants.length; i += 2) if (grants[i] === name) return true;
  return false;
}

type Stamps = { readonly names: readonly string[]; readonly grants: readonly string[] };

/**
 * Which of the tables' stamps does not match the entries: their engine version, their roles or
 * their grants (in that order); `undefined` when all three do. The one rule for using tables.
 */
function stamped(engine: unknown, roles: unknown, grants: unknown, entries: Stamps): "engine" | "roles" | "grants" | undefined {
  if (engine !== ENGINE_VERSION) return "engine";
  if (!same(roles, entries.names)) return "roles";
  if (!same(grants, entries.grants)) return "grants";
  return undefined;
}

/** {@link stamped} for `tables` as given; `undefined` too when they cannot be read (a getter that throws). */
function staleStamp(tables: PolicyTables, entries: Stamps): "engine" | "roles" | "grants" | undefined {
  try {
    const t = tables as Partial<PolicyTables> | null;
    return stamped(t?.engine, t?.roles, t?.grants, entries);
  } catch {
    return undefined; // the caller's generic reason
  }
}

/** The warning of a guard whose tables do not match (once per guard), naming what differs. */
function staleWarning(tables: PolicyTables, entries: ReadTables["entries"]): string {
  const stamp = staleStamp(tables, entries);
  let why = "is not what `npx convex-guard compile` writes";
  if (stamp === "roles") why = "was compiled for other roles";
  else if (stamp === "grants") why = "was compiled for other permissions";
  else if (stamp === "engine") {
    try {
      why = `was compiled by convex-guard ${String((tables as Partial<PolicyTables> | null)?.engine)}, not ${ENGINE_VERSION}`;
    } catch {
      why = `was compiled by another convex-guard than ${ENGINE_VERSION}`;
    }
  }
  return `convex-guard: compiledPolicy ${why}: the engine decides instead. Run \`npx convex-guard compile\` again.`;
}

/** A copy of `row` when it is an array of `length` entries (which the checks compare with `1`). */
function rowOf(row: unknown, length: number): readonly unknown[] | undefined {
  return Array.isArray(row) && row.length === length ? row.slice() : undefined;
}

function same(a: unknown, b: readonly unknown[]): boolean {
  if (!Array.isArray(a) || a.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
