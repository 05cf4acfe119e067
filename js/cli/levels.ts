// The access levels the audit reads from the source: a document check at the lowest level (the
// first of `access.levels`, "viewer" by default) passes for anyone the document was shared with at
// all, and one at or below `access.publicLevel` (the lowest by default) for anyone at all on a
// public document. Such a check shows the caller may see the document, not that they may delete or
// rewrite it: as a check of the lowest role (roles.ts), it covers reads by an argument's id but no
// delete or write (`unchecked-id-delete`, `unchecked-id-write`, reported one step lower: rules.ts).
//
// The levels are read from the configuration of the guard that makes the check (guards.ts;
// config.ts); when they cannot be read, no check is judged at the lowest level (and the report
// warns). A check whose guard cannot be followed is at the lowest level when its level is one of
// any of the app's guards (the stricter reading, and a warning).
import ts from "typescript";
import { callConfig, isUnreadable, member, objectAt, readValue, unreadable, warnUnreadable, type ObjectRead, type Unreadable } from "./config.js";
import { GROUP_CHECKS, GUARD, type AuthCheck } from "./facts.js";
import { consult } from "./guards.js";
import { ownedDocuments } from "./ownerquery.js";
import { within, type App, type Loc } from "./program.js";
import { DEFAULT_ACCESS_LEVELS } from "../defaults.js";
import { levelsThatMayShare } from "./sharelevel.js";

/** The guard's default levels (README: "access"), lowest first: the engine's (defaults.ts). */
const DEFAULT_LEVELS: readonly string[] = DEFAULT_ACCESS_LEVELS;

/** What the audit does without the levels: said in the report's configuration warning. */
const LEVELS_IGNORED = "the access levels (a document check at the lowest level, or the public one, is taken as any document check: it covers deletes and writes by an argument's id)";

/** What the audit does with a check whose guard it cannot follow. */
const LEVELS_JUDGED = "the access levels (a document check is at the lowest level when its level is the lowest, or at most the public one, of any of them)";

const weak = new WeakMap<ts.Node, Set<string> | null>();

/** The levels a check at which decides nothing about a delete or write: the lowest, up to `publicLevel`; null when not readable. */
function weakLevels(app: App, guard: ts.CallExpression): Set<string> | null {
  let known = weak.get(guard);
  if (known === undefined) {
    known = readWeakLevels(app, guard);
    weak.set(guard, known);
  }
  return known;
}

function readWeakLevels(app: App, guard: ts.CallExpression): Set<string> | null {
  const config = callConfig(app, guard);
  const access = config === undefined || isUnreadable(config) ? config : objectAt(app, config, "access");
  if (isUnreadable(access)) return (warnUnreadable(app, access, LEVELS_IGNORED), null);
  const levels = access === undefined ? DEFAULT_LEVELS : stringList(app, access, "levels");
  if (isUnreadable(levels)) return (warnUnreadable(app, levels, LEVELS_IGNORED), null);
  const publicLevel = access === undefined ? undefined : member(app, access, "publicLevel");
  if (publicLevel !== undefined && (isUnreadable(publicLevel) || !ts.isStringLiteralLike(publicLevel))) {
    return (warnUnreadable(app, isUnreadable(publicLevel) ? publicLevel : unreadable(publicLevel), LEVELS_IGNORED), null);
  }
  const upTo = publicLevel === undefined ? 0 : Math.max(0, levels.indexOf(publicLevel.text));
  return new Set(levels.slice(0, upTo + 1));
}

const sharing = new WeakMap<ts.Node, readonly string[] | null>();

/**
 * The levels of `guard` at or above its share level (what `insertDocument` and `moveDocument`
 * ask of a parent), as the engine compiles its `access.levels`, `publicLevel` and `shareLevel`
 * (sharelevel.ts); null when they cannot be read from the source or compiled.
 */
function shareLevels(app: App, guard: ts.CallExpression): readonly string[] | null {
  let known = sharing.get(guard);
  if (known === undefined) {
    known = readShareLevels(app, guard);
    sharing.set(guard, known);
  }
  return known;
}

function readShareLevels(app: App, guard: ts.CallExpression): readonly string[] | null {
  const config = callConfig(app, guard);
  const access = config === undefined || isUnreadable(config) ? config : objectAt(app, config, "access");
  if (isUnreadable(access)) return null;
  const levels = access === undefined ? DEFAULT_LEVELS : stringList(app, access, "levels");
  if (isUnreadable(levels)) return null;
  const named: (string | undefined)[] = [];
  for (const key of ["publicLevel", "shareLevel"]) {
    const value = access === undefined ? undefined : member(app, access, key);
    if (value !== undefined && (isUnreadable(value) || !ts.isStringLiteralLike(value))) return null;
    named.push(value?.text);
  }
  return levelsThatMayShare(levels, named[0], named[1]);
}

/**
 * Whether document check `a` was made at a level written literally that is at or above the
 * share level of every guard it may be made with (a guard defined outside the app: the default
 * levels): the level `insertDocument` asks of a parent. "owner" always is.
 */
export function atShareLevel(app: App, a: AuthCheck): boolean {
  if (a.level !== "document" || a.minLevel === undefined) return false;
  if (a.minLevel === "owner") return true;
  const guards = consult(app, a.guardCall, LEVELS_JUDGED);
  const sets = guards.length === 0 ? [levelsThatMayShare(undefined, undefined, undefined)] : guards.map((g) => shareLevels(app, g));
  return sets.every((s) => s !== null && s.includes(a.minLevel!));
}

/** `access.levels` as written (a list of string literals, through consts), the default when absent. */
function stringList(app: App, access: ObjectRead, key: string): readonly string[] | Unreadable {
  const list = member(app, access, key);
  if (list === undefined) return DEFAULT_LEVELS;
  if (isUnreadable(list)) return list;
  if (!ts.isArrayLiteralExpression(list)) return unreadable(list);
  const out: string[] = [];
  for (const element of list.elements) {
    const value = readValue(app, element);
    if (isUnreadable(value)) return value;
    if (!ts.isStringLiteralLike(value)) return unreadable(value);
    out.push(value.text);
  }
  return out.length === 0 ? DEFAULT_LEVELS : out;
}

/** Guard calls that check one document at a level: `readable` and `readableMany` without one check at the lowest; `levelAtLeast` compares a readable's level (levelat.ts). */
const LEVEL_CHECKS = new Set(["requireAccess", "readable", "readableMany", "levelAtLeast"]);

/**
 * The level a document check is made at when it is a weak one (the lowest, or at most the public
 * level, of its guard): `requireAccess(ctx, t, id, "viewer")`, `readable(ctx, t, id)` (no level:
 * any), a builder's `access: { level: "viewer" }`, `levelAtLeast(r.accessLevel, "viewer")` left on
 * a denial (levelat.ts). Undefined for any other check, and for a level
 * not written literally (it may be a higher one).
 */
function weakLevel(app: App, a: AuthCheck): string | undefined {
  if (a.level !== "document") return undefined;
  const call = a.guardCall;
  const builder = a.via.endsWith(" access");
  const name = builder || call === undefined ? undefined : app.calleeFrom(call, GUARD)?.name;
  if (GROUP_CHECKS.has(name ?? "")) return weakGroupLevel(app, a, name!);
  if (!builder && !LEVEL_CHECKS.has(name ?? "")) return undefined;
  const anyLevel = !builder && (name === "readable" || name === "readableMany") && call !== undefined && call.arguments.length < 4;
  // A guard defined outside the app: its defaults. A guard whose levels cannot be read judges nothing.
  const guards = consult(app, call, LEVELS_JUDGED);
  const sets = guards.length === 0 ? [new Set([DEFAULT_LEVELS[0]!])] : guards.map((g) => weakLevels(app, g));
  const judged = sets.filter((s): s is Set<string> => s !== null);
  if (anyLevel) return judged.length > 0 ? "any level" : undefined;
  return a.minLevel !== undefined && judged.some((s) => s.has(a.minLevel!)) ? a.minLevel : undefined;
}

/**
 * The level a group check is made at when it is below the owner level (README "Deleting a
 * group": its owner, `accessGroups.ownerId`, and managers hold that level; no membership does):
 * `requireGroupLevel(ctx, id, "editor")`, `listGroupMembers` (any level). Undefined at the owner
 * level, for a level not written literally, and when no guard's levels can be read.
 */
function weakGroupLevel(app: App, a: AuthCheck, name: string): string | undefined {
  const guards = consult(app, a.guardCall, LEVELS_JUDGED);
  const lists = guards.length === 0 ? [DEFAULT_LEVELS] : guards.map((g) => levelList(app, g));
  const owners = lists.filter((l): l is readonly string[] => l !== null).map((l) => l[l.length - 1]);
  if (owners.length === 0) return undefined;
  if (name === "listGroupMembers") return "any level";
  return a.minLevel !== undefined && owners.some((o) => o !== a.minLevel) ? a.minLevel : undefined;
}

/** `access.levels` of one guard (the default when absent); null when not readable. */
function levelList(app: App, guard: ts.CallExpression): readonly string[] | null {
  const config = callConfig(app, guard);
  const access = config === undefined || isUnreadable(config) ? config : objectAt(app, config, "access");
  if (isUnreadable(access)) return (warnUnreadable(app, access, LEVELS_IGNORED), null);
  const levels = access === undefined ? DEFAULT_LEVELS : stringList(app, access, "levels");
  return isUnreadable(levels) ? (warnUnreadable(app, levels, LEVELS_IGNORED), null) : levels;
}

/** What a function's deletes and writes by an id are judged with (functions.ts, rules.ts). */
export interface ChangeChecks {
  /** The arguments the document checks above the weak levels were made on ("any": one on a document not tied to an argument). */
  args: Set<string> | "any";
  /** The weak level each other checked argument was checked at. */
  lowLevels: Map<string, string>;
  /** The arguments of those that name a group (checked below the owner level). */
  groups: Set<string>;
  /** Deletes and writes, in the handler, of the `_id` of a document a weak check answered (`doc._id`, `ctx.doc._id`), with that check's argument. */
  ofCheckedDoc: (Loc & { arg: string; method: "delete" | "patch" | "replace" })[];
}

/**
 * The document checks of a function read for its deletes and writes: which arguments a check
 * above the weak levels covers, and which deletes and writes change a document only a weak check
 * answered (`const { doc } = await guard.requireAccess(ctx, t, id, "viewer"); await ctx.db.delete(doc._id)`).
 */
export function changeChecks(app: App, handler: ts.SignatureDeclaration, checks: AuthCheck[], checkArg: (a: AuthCheck) => string | undefined, changes: (Loc & { method: string; target?: ts.Expression })[]): ChangeChecks {
  const lowLevels = new Map<string, string>();
  const groups = new Set<string>();
  const strong: AuthCheck[] = [];
  const ofCheckedDoc: ChangeChecks["ofCheckedDoc"] = [];
  for (const a of checks) {
    const level = weakLevel(app, a);
    const arg = checkArg(a);
    if (level === undefined) {
      strong.push(a);
      continue;
    }
    if (arg === undefined) continue;
    lowLevels.set(arg, level);
    if (a.guardCall !== undefined && GROUP_CHECKS.has(app.calleeFrom(a.guardCall, GUARD)?.name ?? "")) groups.add(arg);
    const checked = ownedDocuments(app, handler, [a]);
    for (const c of changes) {
      if (c.target !== undefined && within(c.target, handler) && checked(c.target) && (c.method === "delete" || c.method === "patch" || c.method === "replace")) ofCheckedDoc.push({ file: c.file, line: c.line, arg, method: c.method });
    }
  }
  const args = strong.some((a) => checkArg(a) === undefined) ? "any" : new Set(strong.map((a) => checkArg(a)!));
  return { args, lowLevels, groups, ofCheckedDoc };
}
