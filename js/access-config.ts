/**
 * Data access boundaries: the configuration, validated once and compiled into the engine's
 * levels (src/access.rs), with the engine's bounds read back. `GuardConfigError` names the
 * fix for every mistake.
 */
import type { Authz } from "./authz.js";
import { AccessEngine, AccessLevelsBuilder, engine } from "./engine.js";
import { deny, engineCall, GuardConfigError } from "./errors.js";
import { ACCESS_TABLE_NAMES } from "./access-tables.js";
import { ACCESS_GROUPS_KEYS, ACCESS_KEYS, ACCESS_TABLE_KEYS, checkKeys, checkName, checkPermissionName, roleOrPermission } from "./config-keys.js";
import type { AccessConfig, AccessTableConfig } from "./access-types.js";
import {
  ACCESS_STALE_LEVEL,
  ACCESS_STANDARD_LEVELS,
  FIRST_LEVEL,
  MAX_BATCH_DOCUMENTS,
  MAX_CALLER_GROUPS,
  MAX_GROUP_NAME_LEN,
  MAX_PAGE_ITEMS,
  MAX_PARENT_DEPTH,
  quoted,
  unconfiguredTable,
  unknownLevel,
  type Same,
} from "./generated/wire.js";
import type { DefaultLevel } from "./access-types.js";
import type { DEFAULT_ACCESS_LEVELS } from "./defaults.js";

// The public default levels (DefaultLevel), and the audit's copy of the list (defaults.ts, in
// order), are exactly the engine's: tsc fails here otherwise.
const levelsMatch: Same<DefaultLevel, (typeof ACCESS_STANDARD_LEVELS)[number]> = true;
const listMatch: Same<typeof DEFAULT_ACCESS_LEVELS, typeof ACCESS_STANDARD_LEVELS> = true;
void levelsMatch;
void listMatch;

/** One protected table, its defaults filled in. @internal */
export type TableInfo = Required<Omit<AccessTableConfig, "visibility" | "parent" | "fileLevel">> & {
  visibility?: string;
  parent?: string;
  /** `fileLevel`, as written: checked against the compiled levels by `compileAccess`. */
  fileLevel?: string;
  /** The level filing under a parent takes (`fileLevel`'s number), when one is configured. */
  fileLevelId?: number;
};

/** The compiled access configuration of one engine instance. @internal */
export type Compiled = {
  engine: AccessEngine;
  /** Frozen: `accessLevels()` hands it out, and level ids become names through it (attack19). */
  names: readonly string[];
  levelIds: Map<string, number>;
  publicLevel: number;
  shareLevel: number;
  maxDepth: number;
  idsPerBatch: number;
  maxGroups: number;
  maxGroupName: number;
  maxPageItems: number;
  tables: Map<string, TableInfo>;
  managers?: { role: string } | { permission: string };
  /** The guard's roles and users, for callers and group managers. */
  authz: Authz<string, string, string>;
  /** The users table, where user ids given as targets must exist. */
  usersTable: string;
};

/**
 * Validates `config` and compiles its levels into the engine. Given `first` (what the first
 * instance compiled), only the engine's levels are made again, from the names it compiled: a
 * later instance (after a trap) has the same levels, tables and managers, whatever the app's
 * configuration answers by then. @internal
 */
export function compileAccess(
  config: AccessConfig<string> | undefined,
  authz: Authz<string, string, string>,
  usersTable: string,
  first?: Compiled,
): Compiled {
  if (first !== undefined) {
    return { ...first, engine: levelsEngine(first.names, levelName(first, first.publicLevel), levelName(first, first.shareLevel)) };
  }
  const c = config ?? {};
  if (typeof c !== "object") throw new GuardConfigError("access must be an object");
  checkKeys(c, ACCESS_KEYS, "access");
  if (c.levels !== undefined && !Array.isArray(c.levels)) {
    throw new GuardConfigError("access.levels must be an array of level names, lowest first");
  }
  for (const key of ["publicLevel", "shareLevel"] as const) {
    if (c[key] !== undefined && typeof c[key] !== "string") {
      throw new GuardConfigError(`access.${key} must be a level name`);
    }
  }
  const tables = compileTables(c.tables);
  // Its documents are the callers themselves: `insertDocument` writes every field it is given
  // but the owner, so a caller could write a row for another identity (a second users row
  // locks them out; for one with none yet, it becomes theirs, owned by the caller).
  if (tables.has(usersTable)) {
    throw new GuardConfigError(`access.tables.${usersTable}: the users table cannot be a protected table (insertDocument would let a caller write another identity's users row); protect a profile table of its own instead`);
  }
  engine();
  const eng = levelsEngine(c.levels ?? [], c.publicLevel, c.shareLevel);
  const names = Object.freeze(eng.levels().split(" "));
  // `info()` starts with the compiled public and share levels; the bounds are the wire's.
  const [publicLevel, shareLevel] = eng.info();
  const levelIds = new Map(names.map((n, i) => [n, FIRST_LEVEL + i]));
  for (const [name, t] of tables) {
    if (t.fileLevel === undefined) continue;
    if (t.parent === undefined) throw new GuardConfigError(`access.tables.${name}.fileLevel needs access.tables.${name}.parent: nothing is filed under a parent in a table without one`);
    t.fileLevelId = levelIds.get(t.fileLevel);
    if (t.fileLevelId === undefined) throw new GuardConfigError(`access.tables.${name}.fileLevel: '${t.fileLevel}' is not a configured level (${names.join(", ")})`);
  }
  return {
    engine: eng,
    names,
    levelIds,
    publicLevel: publicLevel!,
    shareLevel: shareLevel!,
    maxDepth: MAX_PARENT_DEPTH,
    maxGroups: MAX_CALLER_GROUPS,
    maxGroupName: MAX_GROUP_NAME_LEN,
    maxPageItems: MAX_PAGE_ITEMS,
    // Ids resolved per engine call: even if every one exists and has maxDepth ancestors, the
    // batch stays within the engine's bound, so no error can depend on what exists.
    idsPerBatch: Math.floor(MAX_BATCH_DOCUMENTS / (1 + MAX_PARENT_DEPTH)),
    tables,
    managers: compileManagers(c.groups, authz),
    authz,
    usersTable,
  };
}

/** The engine's levels: `names` (none: the standard ones) with the public and share levels. */
function levelsEngine(names: readonly unknown[], publicLevel: string | undefined, shareLevel: string | undefined): AccessEngine {
  const builder = new AccessLevelsBuilder();
  for (const name of names) {
    if (typeof name !== "string") throw new GuardConfigError("access level names must be strings");
    builder.level(name);
  }
  return engineCall(() => builder.build(publicLevel, shareLevel));
}

/** The name of the level numbered `id` (`undefined`: none). @internal */
export function levelName(c: Compiled, id: number): string | undefined {
  return c.names[id - FIRST_LEVEL];
}

/** The level's number (FIRST_LEVEL the lowest), or `INVALID_ARGUMENT` for an unknown name. @internal */
export function levelId(c: Compiled, name: unknown): number {
  const id = typeof name === "string" ? c.levelIds.get(name) : undefined;
  if (id === undefined) deny("INVALID_ARGUMENT", unknownLevel(quoted(name)));
  return id;
}

/**
 * A stored row's level (a grant's, a membership's) as the engine reads it: its number, or
 * ACCESS_STALE_LEVEL for anything but a configured name (a level renamed or removed since the
 * row was written). The engine reads that, and the owner's level (which no row may carry),
 * as giving nothing (src/access.rs `STALE`). @internal
 */
export function storedLevel(c: Compiled, name: unknown): number {
  return (typeof name === "string" ? c.levelIds.get(name) : undefined) ?? ACCESS_STALE_LEVEL;
}

/** The owner's level: the top one (the last name), which only ownership gives. @internal */
export function ownerLevel(c: Compiled): number {
  return FIRST_LEVEL + c.names.length - 1;
}

/**
 * The level a stored row gives, by name, or `null` for one that gives nothing: a name no
 * longer configured (stale), or the owner's, which the engine reads as giving nothing too
 * (only ownership gives it; src/access.rs `STALE`). What `listGrants` and `listMyGroups` show.
 * @internal
 */
export function givenLevel(c: Compiled, name: unknown): string | null {
  const id = storedLevel(c, name);
  return id < ownerLevel(c) ? levelName(c, id)! : null;
}

/** The configured table, or `INVALID_ARGUMENT` when it is not under `access.tables`. @internal */
export function tableInfo(c: Compiled, table: string): TableInfo {
  const t = c.tables.get(table);
  if (t === undefined) deny("INVALID_ARGUMENT", unconfiguredTable(quoted(table)));
  return t;
}

/** Whether `user` is an app-wide group manager (`access.groups.managers`). @internal */
export function isManager(c: Compiled, user: Record<string, unknown> | null | undefined): boolean {
  const m = c.managers;
  if (m === undefined || user === null || user === undefined) return false;
  return "permission" in m ? c.authz.can(user, m.permission) : c.authz.roleAtLeast(user, m.role);
}

function compileTables(tables: AccessConfig<string>["tables"]): Map<string, TableInfo> {
  const out = new Map<string, TableInfo>();
  if (tables === undefined) return out;
  if (tables === null || typeof tables !== "object") {
    throw new GuardConfigError("access.tables must be an object: { tableName: { owner, ... } }");
  }
  for (const [name, t] of Object.entries(tables)) {
    const at = `access.tables.${name}`;
    if ((ACCESS_TABLE_NAMES as readonly string[]).includes(name)) throw new GuardConfigError(`${at}: '${name}' is convex-guard's own table`);
    if (t === null || typeof t !== "object") throw new GuardConfigError(`${at} must be an object`);
    checkKeys(t, ACCESS_TABLE_KEYS, at);
    for (const key of ACCESS_TABLE_KEYS) {
      const value = t[key];
      if (key === "owner" || value !== undefined) checkName(`${at}.${key}`, value);
    }
    if (t.parentTable !== undefined && t.parent === undefined) {
      throw new GuardConfigError(`${at}.parentTable needs ${at}.parent, the field holding the parent's id`);
    }
    out.set(name, {
      owner: t.owner,
      ownerIndex: t.ownerIndex ?? "by_owner",
      visibility: t.visibility,
      parent: t.parent,
      parentTable: t.parentTable ?? name,
      fileLevel: t.fileLevel,
    });
  }
  for (const [name, t] of out) {
    if (t.parent !== undefined && !out.has(t.parentTable)) {
      throw new GuardConfigError(`access.tables.${name}.parentTable: '${t.parentTable}' is not a configured table`);
    }
  }
  return out;
}

function compileManagers(groups: AccessConfig<string>["groups"], authz: Authz<string, string, string>): Compiled["managers"] {
  if (groups === undefined) return undefined;
  if (groups === null || typeof groups !== "object") throw new GuardConfigError("access.groups must be an object: { managers }");
  checkKeys(groups, ACCESS_GROUPS_KEYS, "access.groups");
  const managers = roleOrPermission(groups.managers, "access.groups.managers", authz.roles, "groups:manage");
  checkPermissionName(managers, "access.groups.managers", authz.can);
  return managers;
}
