/**
 * What a builder's definition may hold, read once where the function is defined: its metadata
 * (the `__guard` property) and the refusals every call makes first (a key it does not read, a
 * declaration that cannot hold). Split from builders.ts, which holds the public types and the
 * checks run in order.
 * @internal
 */
import type { PropertyValidators } from "convex/values";
import type { GenericDataModel } from "convex/server";
import type { BuilderAccess, BuilderRateLimit, CustomRequirements, GuardedAction, GuardedMutation, GuardedQuery, GuardMetadata } from "./builders.js";
import { kind, members } from "./access-schema.js";
import { checkArgs, checkConfigured, checkKeys, checkPermissionHeld, keysOf } from "./config-keys.js";
import { GuardConfigError } from "./errors.js";
import { argFields, field } from "./fields.js";
import { checkLimitCount } from "./safe-action-limits.js";

/** A definition as the builders read it, whatever its kind. @internal */
export type AnyDefinition = {
  args: PropertyValidators;
  role?: string;
  permission?: string;
  rateLimit?: OneLimit | readonly OneLimit[];
  access?: { table: string; arg: string; level: string };
  returns?: unknown;
  handler: (ctx: never, args: never) => unknown;
};

/** One declared rate limit, as read. */
type OneLimit = { name: string; key?: "user" | "global" | { arg: string } };

/** The metadata of a definition: only what it declares, copied (later edits change nothing). */
export function metadata(kind: GuardMetadata["kind"], d: AnyDefinition): GuardMetadata {
  // `null` reads as absent here only: {@link validate} refuses it, so no call runs with it.
  const given = d.rateLimit ?? undefined;
  const access = d.access ?? undefined;
  // One limit or each of a list (a hole or a non-object is refused by `validate`, read as `{}` here).
  const rateLimits = Object.freeze((Array.isArray(given) ? [...given] : given === undefined ? [] : [given]).map(limitMeta));
  return Object.freeze({
    version: 1,
    kind,
    user: true,
    role: d.role ?? null,
    permission: d.permission ?? null,
    rateLimit: rateLimits[0] ?? null,
    rateLimits,
    access: access === undefined ? null : Object.freeze({ table: access.table, arg: access.arg, level: access.level }),
  });
}

function limitMeta(given: unknown): NonNullable<GuardMetadata["rateLimit"]> {
  const limit: Partial<OneLimit> = typeof given === "object" && given !== null ? given : {};
  const key = limit.key ?? "user";
  return Object.freeze({ name: limit.name as string, key: typeof key === "object" ? Object.freeze({ arg: key.arg }) : key });
}

/** Whether `name` is one of the declared arguments (never an inherited name such as "constructor"). */
const hasOwnKey = (args: object, name: unknown): boolean => typeof name === "string" && Object.prototype.hasOwnProperty.call(args, name);

type AnyGuarded = GuardedQuery<GenericDataModel, string, string, string, string, PropertyValidators, unknown, string> | GuardedMutation<GenericDataModel, string, string, string, string, string, PropertyValidators, unknown, string> | GuardedAction<GenericDataModel, string, string, string, string, PropertyValidators, unknown>;
/** The keys of a definition, of any kind (a key of another kind is refused by {@link validate} with its own fix). */
const DEFINITION_KEYS = keysOf<AnyGuarded>()(["args", "returns", "role", "permission", "access", "rateLimit", "handler"]);
const ACCESS_KEYS = keysOf<BuilderAccess<string, PropertyValidators, string>>()(["table", "arg", "level"]);
/** What each key of a builder's `access` names, for the refusal of one that is not a string. */
const ACCESS_NAMES = [
  ["table", "a table of access.tables"],
  ["arg", "the name of the argument holding the document's id"],
  ["level", "the level the caller needs, one of access.levels"],
] as const;
const RATE_LIMIT_KEYS = keysOf<BuilderRateLimit<string, PropertyValidators>>()(["name", "key"]);
const CUSTOM_KEYS = keysOf<CustomRequirements<string, string, string>>()(["role", "permission", "rateLimit"]);

/**
 * Throws unless every key of the declaration `d` (made by `where`) is one it reads, at every
 * depth: a misspelt `permision` would otherwise be no requirement at all, and the function
 * would run for any signed-in user.
 */
export function checkDefinition(where: string, d: object, keys: readonly string[]): void {
  checkKeys(d, keys, where);
  const { access, rateLimit, role, permission } = d as AnyDefinition;
  // `role: null` would be no requirement at all, quietly (the types take a name or nothing).
  for (const [name, value] of [["role", role], ["permission", permission]] as const) {
    if (value !== undefined && (typeof value !== "string" || value === "")) throw new GuardConfigError(`${where}: ${name} must be a ${name} name (leave it out for none)`);
  }
  // `null` would be no requirement at all, quietly, as for `role` (the types take an object or nothing).
  for (const [name, value] of [["access", access], ["rateLimit", rateLimit]] as const) {
    if (value === null) throw new GuardConfigError(`${where}: ${name} must be an object (leave it out for none)`);
  }
  checkKeys(access, ACCESS_KEYS, `${where}'s access`);
  if (!Array.isArray(rateLimit)) return checkLimitKeys(where, rateLimit, "rateLimit");
  // A list: 1 to 16 (an empty one would be no limit at all, quietly), each an object.
  checkLimitCount(where, rateLimit);
  const seen = new Set<string>();
  // An index loop: a hole in a sparse list is an entry too (refused, not skipped).
  for (let i = 0; i < rateLimit.length; i++) {
    const entry: unknown = rateLimit[i];
    const at = `rateLimit[${i}]`;
    if (typeof entry !== "object" || entry === null) throw new GuardConfigError(`${where}'s ${at} must be an object { name, key? }`);
    checkLimitKeys(where, entry, at);
    // The same limit and key twice: the engine refuses such a batch at every call, as the caller's INVALID_ARGUMENT.
    const { name, key = "user" } = entry as OneLimit;
    const pair = JSON.stringify([name, key]);
    if (seen.has(pair)) throw new GuardConfigError(`${where}: ${at} takes from '${String(name)}' with the key of an earlier entry (${JSON.stringify(key)})`);
    seen.add(pair);
  }
}

/** {@link checkDefinition} for one declared limit, `at` (`rateLimit`, `rateLimit[1]`). */
function checkLimitKeys(where: string, limit: unknown, at: string): void {
  checkKeys(limit, RATE_LIMIT_KEYS, `${where}'s ${at}`);
  const key = (limit as OneLimit | undefined)?.key;
  // `key: null` would read as the default, "user", which the developer did not write.
  if (key === null) throw new GuardConfigError(`${where}'s ${at}.key must be "user", "global" or { arg } (leave it out for "user")`);
  if (typeof key === "object") checkKeys(key, ["arg"], `${where}'s ${at}.key`);
}

/**
 * {@link checkDefinition} for `guard.customCtx(requirements)`, and each limit's key: a
 * customization sees no arguments, so `{ arg }` is refused.
 */
export function checkCustom(requirements: object, meta: GuardMetadata): void {
  checkDefinition("guard.customCtx", requirements, CUSTOM_KEYS);
  const listed = Array.isArray((requirements as AnyDefinition).rateLimit);
  meta.rateLimits.forEach((r, i) => {
    if (typeof r.key !== "object") return;
    throw new GuardConfigError(
      `guard.customCtx: rateLimit${listed ? `[${i}]` : ""}.key cannot be { arg }: a customization sees no arguments ("user" or "global", or a guard.mutation)`,
    );
  });
}

/**
 * What a function made by a `guard.customCtx` builder declares beside its handler (convex-helpers
 * hands those keys to the customization as `extra`): a requirement there is no one's, since
 * the customization's are `guard.customCtx`'s own, so it is refused rather than dropped.
 */
export function checkCustomExtra(extra: unknown): void {
  if (typeof extra !== "object" || extra === null) return;
  const declared = [...CUSTOM_KEYS, "access"].filter((k) => field(extra, k) !== undefined);
  if (declared.length === 0) return;
  throw new GuardConfigError(
    `guard.customCtx: a function made with it declares ${declared.join(", ")}, which it would run without: a customization's requirements are guard.customCtx's own (customMutation(mutation, guard.customCtx({ role: "admin" }))); for one function's own, use guard.query, guard.mutation or guard.action`,
  );
}

/**
 * The names a guard configures, read at a builder function's first call (they need the
 * configuration compiled, which defining a function never does). @internal
 */
export type ConfiguredNames = {
  roles(): readonly string[];
  /** The policy's decision for a role name (or none), which throws for a malformed permission name. */
  can(subject: string | null, permission: string): boolean;
  limits(): readonly string[];
  tables(): readonly string[];
  /** `access.tables`' names as written, read without building access (`undefined`: not an object, for the first call to refuse). */
  written(): readonly string[] | undefined;
  levels(): readonly string[];
  /** Whether the user the checks answer is the identity (`users.roleClaim` alone), not a row. */
  identities: boolean;
};

/**
 * Throws a `GuardConfigError` unless every name `meta` declares is one the guard configures:
 * past the types (JavaScript, `as any`, a table of the schema left out of `access.tables`), a
 * misspelt role, limit, table or level would otherwise be refused at each call as the caller's
 * `INVALID_ARGUMENT`, its message naming the configuration to the client, and a permission no
 * role holds as the caller's `FORBIDDEN`.
 */
export function checkNames(where: string, meta: Pick<GuardMetadata, "role" | "permission" | "rateLimits"> & { access: GuardMetadata["access"] | null }, names: ConfiguredNames): void {
  const known = (what: string, name: string, all: readonly string[]) => checkConfigured(where, what, name, all);
  if (meta.role !== null) known("role", meta.role, names.roles());
  if (meta.permission !== null) checkPermissionHeld(where, meta.permission, names.roles(), names.can);
  for (const r of meta.rateLimits) known("rate limit", r.name, names.limits());
  if (meta.access !== null) {
    known("access table", meta.access.table, names.tables());
    known("access level", meta.access.level, names.levels());
  }
}

/** Throws unless the declaration `d` makes sense for `kind`, naming the fix. */
export function validate(meta: GuardMetadata, d: AnyDefinition): void {
  const where = `guard.${meta.kind}`;
  checkDefinition(where, d, DEFINITION_KEYS);
  if (typeof d.handler !== "function") throw new GuardConfigError(`${where}: handler must be a function (ctx, args) => ...`);
  // Convex takes `v.object({...})` as args too: its fields are the arguments (fields.ts).
  const args = argFields(d.args) as object;
  checkArgs(where, args);
  if (meta.rateLimits.length > 0 && meta.kind === "query") {
    throw new GuardConfigError(`${where} cannot take from a rate limit: use guard.mutation (or guard.checkRateLimit in the handler)`);
  }
  const listed = Array.isArray(d.rateLimit);
  meta.rateLimits.forEach((r, i) => {
    const at = listed ? `rateLimit[${i}]` : "rateLimit";
    if (typeof r.key === "object" ? !hasOwnKey(args, r.key.arg) : r.key !== "user" && r.key !== "global") {
      throw new GuardConfigError(`${where}: ${at}.key must be "user", "global" or { arg } naming one of its arguments`);
    }
    // `arg:<name>:<value>`: a name with a `:` would share keys with another argument's
    // (`{ "team:id": "42" }` and `{ team: "id:42" }`).
    if (typeof r.key === "object" && r.key.arg.includes(":")) {
      throw new GuardConfigError(`${where}: ${at}.key.arg '${r.key.arg}' cannot hold a ':' (its keys would meet another argument's)`);
    }
    // A number, or an optional string left out, is no key: every call would be refused.
    if (typeof r.key === "object" && !requiredString(field(args, r.key.arg))) {
      throw new GuardConfigError(`${where}: ${at}.key.arg '${r.key.arg}' must be a required string argument (v.string(), v.id(...)): any other value is no key`);
    }
  });
  if (meta.access !== null) {
    if (meta.kind === "action") throw new GuardConfigError(`${where} cannot check access: an action has no database (check it in a query or mutation)`);
    // Past the types (JavaScript): a missing name would fail each call with no fix named.
    for (const [key, what] of ACCESS_NAMES) if (typeof meta.access[key] !== "string") throw new GuardConfigError(`${where}: access.${key} must be ${what} (access: { table, arg, level })`);
    if (!hasOwnKey(args, meta.access.arg)) throw new GuardConfigError(`${where}: access.arg '${meta.access.arg}' is not one of its arguments`);
    const validator = field(args, meta.access.arg);
    // Past the types: a number, a boolean, an array or an object is never a document id.
    if (!members(validator).some(holdsString)) {
      const { arg, table } = meta.access;
      throw new GuardConfigError(
        `${where}: access.arg '${arg}' never holds a document id (its validator admits no string: ${members(validator).map((m) => String(kind(m))).join(" | ")}): ` +
          `every call would answer NOT_FOUND (declare it v.id("${table}"), or v.string())`,
      );
    }
    const other = otherTables(validator, meta.access.table);
    if (other !== undefined) {
      const { arg, table } = meta.access;
      throw new GuardConfigError(
        `${where}: access.arg '${arg}' is an id of ${other}, not of the access table '${table}': every call would answer NOT_FOUND ` +
          `(declare it v.id("${table}"), or v.string())`,
      );
    }
  }
}

/** Whether the validator member `m` admits some string (an id, `v.string()`, `v.any()`, a string literal). */
function holdsString(m: unknown): boolean {
  const k = kind(m);
  return k === "string" || k === "id" || k === "any" || (k === "literal" && typeof field(m as object, "value") === "string");
}

/** Whether validator `v` admits strings only, and is not optional. */
function requiredString(v: unknown): boolean {
  if (typeof v !== "object" || v === null || field(v, "isOptional") !== "required") return false;
  return members(v).every((m) => kind(m) !== "any" && holdsString(m));
}

/**
 * The tables named, when validator `v` holds ids of other tables than `table` only
 * (`v.id("projects")` for `"tasks"`, optional or in a union of such): no value it admits is
 * a document of `table`. `undefined` when it can hold one (`v.id(table)`, `v.string()`, ...).
 */
function otherTables(v: unknown, table: string): string | undefined {
  const all = members(v);
  if (all.length === 0) return undefined;
  const names = all.map((m) => (kind(m) === "id" ? field(m as object, "tableName") : undefined));
  if (names.some((n) => typeof n !== "string" || n === table)) return undefined;
  return [...new Set(names)].map((n) => `table '${n as string}'`).join(" or ");
}
