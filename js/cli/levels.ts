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
import { callConfig, isUnreadable, UNREAD_LEVEL, member, objectAt, readStrings, unreadable, warnUnreadable, type ObjectRead, type Unreadable } from "./config.js";
import { GROUP_CHECKS, GUARD, OWNER_CHECKS, type AuthCheck } from "./facts.js";
import { appGuards, consult } from "./guards.js";
import { ownedDocuments } from "./ownerquery.js";
import { within, type App, type Loc } from "./program.js";
import { DEFAULT_ACCESS_LEVELS } from "../defaults.js";
import { filingLevels } from "./sharelevel.js";
import { DEFAULT_NAMES, LEVELLED_FIXES } from "./levelfixes.js";

/** The guard's default levels (README: "access"), lowest first: the engine's (defaults.ts). */
const DEFAULT_LEVELS: readonly string[] = DEFAULT_ACCESS_LEVELS;

/** What the audit does without the levels: said in the report's configuration warning. */
const LEVELS_IGNORED = "the access levels (a document check at the lowest level, or the public one, is taken as any document check: it covers deletes and writes by an argument's id)";

/** What the audit does without the level filing under a parent takes (levels, shareLevel, a table's fileLevel). */
const FILING_IGNORED = "the level filing under a parent takes (access.levels, shareLevel, the table's fileLevel: an insert's parent argument is taken as checked only by a check at the owner level)";

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

/**
 * A guard's `access` configuration as written and its `access.levels` (the default when
 * absent); null, with a warning saying `ignored`, when either cannot be read.
 */
function configured(app: App, guard: ts.CallExpression, ignored: string): { access: ObjectRead | undefined; levels: readonly string[] } | null {
  const config = callConfig(app, guard);
  const access = config === undefined || isUnreadable(config) ? config : objectAt(app, config, "access");
  if (isUnreadable(access)) return (warnUnreadable(app, access, ignored), null);
  const levels = access === undefined ? DEFAULT_LEVELS : stringList(app, access, "levels");
  if (isUnreadable(levels)) return (warnUnreadable(app, levels, ignored), null);
  return { access, levels };
}

/** A guard's `access.levels` as written (the default when absent); null, with a warning saying `ignored`, when not readable (refused.ts). */
export const configuredLevels = (app: App, guard: ts.CallExpression, ignored: string): readonly string[] | null => configured(app, guard, ignored)?.levels ?? null;

function readWeakLevels(app: App, guard: ts.CallExpression): Set<string> | null {
  const read = configured(app, guard, LEVELS_IGNORED);
  if (read === null) return null;
  const { access, levels } = read;
  const publicLevel = access === undefined ? undefined : member(app, access, "publicLevel");
  if (publicLevel !== undefined && (isUnreadable(publicLevel) || !ts.isStringLiteralLike(publicLevel))) {
    return (warnUnreadable(app, isUnreadable(publicLevel) ? publicLevel : unreadable(publicLevel), LEVELS_IGNORED), null);
  }
  const upTo = publicLevel === undefined ? 0 : Math.max(0, levels.indexOf(publicLevel.text));
  return new Set(levels.slice(0, upTo + 1));
}

/**
 * A level a fix names, of the app's first guard whose levels are read: `read` its lowest (what a
 * read takes), `change` the first above the weak levels, `owner` the last (a delete's); `write`
 * what a write takes, `change` but "editor" of the default levels (as rules.ts has always named
 * it); `of`: "of the guard's levels viewer, editor, owner", or "of the default levels" when it
 * configures none, or none is read.
 */
export function levelNamed(app: App, which: "read" | "change" | "write" | "owner"): { level: string; of: string } {
  if (which === "write") {
    const change = levelNamed(app, "change");
    return change.of === DEFAULT_OF ? { level: DEFAULT_LEVELS[2]!, of: DEFAULT_OF } : change;
  }
  for (const guard of appGuards(app)) {
    const read = configured(app, guard, LEVELS_IGNORED);
    const weakSet = read === null || which === "read" ? null : weakLevels(app, guard);
    const level = read === null ? undefined : which === "read" ? read.levels[0] : weakSet === null ? undefined : which === "owner" ? read.levels.at(-1) : read.levels[weakSet.size];
    if (read !== null && level !== undefined) return { level, of: read.levels === DEFAULT_LEVELS ? DEFAULT_OF : `of the guard's levels ${read.levels.join(", ")}` };
  }
  return { level: which === "read" ? DEFAULT_LEVELS[0]! : which === "owner" ? DEFAULT_LEVELS.at(-1)! : DEFAULT_LEVELS[1]!, of: DEFAULT_OF };
}
const DEFAULT_OF = "of the default levels";

/** The level a change takes (`owner`: a delete of a document under access), named for a fix text (`levelNamed`): `"editor" of the guard's levels viewer, editor, owner`. */
export function changeLevelText(app: App, owner = false): string {
  const { level, of } = levelNamed(app, owner ? "owner" : "change");
  return `"${level}" ${of}`;
}

/** A finding's fix as rules.ts `RULES` holds it (the default levels' names), with the app's own levels (levelfixes.ts); any other fix as it is. */
export function levelledFix(app: App, rule: string, fix: string): string {
  const made = LEVELLED_FIXES[rule];
  if (made === undefined || fix !== made(DEFAULT_NAMES)) return fix;
  const owner = levelNamed(app, "owner"), write = levelNamed(app, "write");
  return made({ owner: `"${owner.level}" ${owner.of === DEFAULT_OF ? "by default" : owner.of}`, change: `"${write.level}" ${write.of}`, changeName: write.level });
}

/** The lowest level, a read's, as a fix's check names it (`"viewer"` by default, `"reader"` of levels reader, poster, ...). */
export const readLevel = (app: App): string => levelNamed(app, "read").level;

const filing = new WeakMap<ts.Node, Map<string, readonly string[] | null>>();

/**
 * The levels of `guard` at or above the one filing a document of `table` under a parent takes
 * (what `insertDocument` and `moveDocument` ask of it: the table's `fileLevel`, else the share
 * level), as the engine compiles `access.levels`, `publicLevel`, `shareLevel` and the table's
 * `fileLevel` as written (sharelevel.ts); null when they cannot be read from the source or
 * compiled.
 */
function fileLevels(app: App, guard: ts.CallExpression, table: string): readonly string[] | null {
  let byTable = filing.get(guard);
  if (byTable === undefined) filing.set(guard, (byTable = new Map()));
  let known = byTable.get(table);
  if (known === undefined) {
    known = readFileLevels(app, guard, table);
    byTable.set(table, known);
  }
  return known;
}

function readFileLevels(app: App, guard: ts.CallExpression, table: string): readonly string[] | null {
  const read = configured(app, guard, FILING_IGNORED);
  if (read === null) return null;
  const { access, levels } = read;
  const tables = access === undefined ? undefined : objectAt(app, access, "tables");
  const entry = tables === undefined || isUnreadable(tables) ? tables : objectAt(app, tables, table);
  if (isUnreadable(entry)) return (warnUnreadable(app, entry, FILING_IGNORED), null);
  const named: (string | undefined)[] = [];
  for (const [object, key] of [[access, "publicLevel"], [access, "shareLevel"], [entry, "fileLevel"]] as const) {
    const value = object === undefined ? undefined : member(app, object, key);
    if (value !== undefined && (isUnreadable(value) || !ts.isStringLiteralLike(value))) {
      return (warnUnreadable(app, isUnreadable(value) ? value : unreadable(value), FILING_IGNORED), null);
    }
    named.push(value?.text);
  }
  return filingLevels(levels, named[0], named[1], named[2]);
}

/**
 * Whether document check `a` was made at a level written literally that is at or above the
 * level filing a document of `table` takes, for every guard it may be made with (a guard
 * defined outside the app: the default levels): what `insertDocument` asks of a parent. Where
 * a guard's levels cannot be read or compiled, only its owner level is (atOwnerLevel).
 */
export function atFileLevel(app: App, a: AuthCheck, table: string | undefined): boolean {
  if (a.level !== "document" || a.minLevel === undefined) return false;
  const guards = consult(app, a.guardCall, LEVELS_JUDGED);
  if (guards.length === 0) return table !== undefined && (filingLevels(undefined, undefined, undefined, undefined)?.includes(a.minLevel) ?? a.minLevel === DEFAULT_OWNER);
  return guards.every((g) => {
    const levels = table === undefined ? null : fileLevels(app, g, table);
    return levels !== null ? levels.includes(a.minLevel!) : a.minLevel === ownerLevelOf(app, g);
  });
}

/** The default levels' owner level, the last. */
const DEFAULT_OWNER = DEFAULT_LEVELS[DEFAULT_LEVELS.length - 1]!;

const owners = new WeakMap<ts.Node, string>();

/** The owner level of `guard`: the last of its `access.levels` as written (`"owner"` when they cannot be read). */
function ownerLevelOf(app: App, guard: ts.CallExpression): string {
  let known = owners.get(guard);
  if (known === undefined) {
    const levels = levelList(app, guard);
    known = levels === null ? DEFAULT_OWNER : levels[levels.length - 1]!;
    owners.set(guard, known);
  }
  return known;
}

/**
 * Whether document check `a` was made at its guard's owner level (the last of its levels, for
 * every guard it may be made with), or is `guard.deleteDocument`'s own (which only the owner
 * passes): a level named "owner" that is not the last is no owner level.
 */
export function atOwnerLevel(app: App, a: AuthCheck): boolean {
  if (a.level !== "document" || a.minLevel === undefined) return false;
  if (a.guardCall !== undefined && app.calleeFrom(a.guardCall, GUARD)?.name === "deleteDocument") return true;
  const guards = consult(app, a.guardCall, LEVELS_JUDGED);
  return guards.length === 0 ? a.minLevel === DEFAULT_OWNER : guards.every((g) => a.minLevel === ownerLevelOf(app, g));
}

/** `access.levels` as written (a list of string literals, through consts), the default when absent. */
function stringList(app: App, access: ObjectRead, key: string): readonly string[] | Unreadable {
  const list = member(app, access, key);
  if (list === undefined) return DEFAULT_LEVELS;
  const out = isUnreadable(list) ? list : readStrings(app, list);
  return isUnreadable(out) || out.length > 0 ? out : DEFAULT_LEVELS;
}

/** Guard calls that check one document at a level: `readable` and `readableMany` without one check at the lowest; `levelAtLeast` compares a readable's level (levelat.ts); the `*For` ones, a named user's (namedusers.ts). */
const LEVEL_CHECKS = new Set(["requireAccess", "readable", "readableMany", "levelAtLeast", "requireAccessFor", "readableFor"]);

/**
 * The level a document check is made at when it is a weak one (the lowest, or at most the public
 * level, of its guard): `requireAccess(ctx, t, id, "viewer")`, `readable(ctx, t, id)` (no level:
 * any), a builder's `access: { level: "viewer" }`, `levelAtLeast(r.accessLevel, "viewer")` left on
 * a denial (levelat.ts); a level the audit cannot read (not a literal, nor a `const` holding
 * one: an argument the client picks, a `?:`) is taken as the lowest, UNREAD_LEVEL. Undefined
 * for any other check.
 */
export function weakLevel(app: App, a: AuthCheck): string | undefined {
  if (a.level !== "document") return undefined;
  const call = a.guardCall;
  const builder = a.via.endsWith(" access");
  const name = builder || call === undefined ? undefined : app.calleeFrom(call, GUARD)?.name;
  if (GROUP_CHECKS.has(name ?? "")) return weakGroupLevel(app, a, name!);
  if (!builder && !LEVEL_CHECKS.has(name ?? "")) return undefined;
  const anyLevel = !builder && call !== undefined && (((name === "readable" || name === "readableMany") && call.arguments.length < 4 && a.levelArg === undefined) || (name === "readableFor" && call.arguments.length < 5)); // readableFor's user first; a readable's accessLevel tested equal to a level is at that level (levelat.ts)
  // A guard defined outside the app: its defaults. A guard whose levels cannot be read judges nothing.
  const guards = consult(app, call, LEVELS_JUDGED);
  const sets = guards.length === 0 ? [new Set([DEFAULT_LEVELS[0]!])] : guards.map((g) => weakLevels(app, g));
  const judged = sets.filter((s): s is Set<string> => s !== null);
  if (anyLevel) return judged.length > 0 ? "any level" : undefined;
  // A level the audit cannot read (an argument, a `?:`, a call) may be the lowest: the client may pick it.
  if (a.minLevel === undefined) return judged.length > 0 ? UNREAD_LEVEL : undefined;
  return judged.some((s) => s.has(a.minLevel!)) ? a.minLevel : undefined;
}

/**
 * The level a group check is made at when it is below the owner level (docs/access.md: "Deleting a
 * group": its owner, `accessGroups.ownerId`, and managers hold that level; no membership does):
 * `requireGroupLevel(ctx, id, "editor")`, `listGroupMembers`, `acceptGroupInvite` (the level
 * invited at) and `groupLevel` left on its null (any level), `groupLevel` compared by
 * `levelAtLeast` (that level: readable.ts), a level the audit cannot read (UNREAD_LEVEL). Undefined at the owner level, and when no guard's levels can be
 * read.
 */
function weakGroupLevel(app: App, a: AuthCheck, name: string): string | undefined {
  const owners = groupOwners(app, a);
  // renameGroup checks the owner level itself, whatever that level is named (facts.ts writes "owner").
  if (owners.length === 0 || OWNER_CHECKS.has(name)) return undefined;
  if (name === "listGroupMembers" || name === "acceptGroupInvite" || ((name === "groupLevel" || name === "groupLevelFor") && a.levelArg === undefined)) return "any level";
  if (a.minLevel === undefined) return UNREAD_LEVEL;
  return owners.some((o) => o !== a.minLevel) ? a.minLevel : undefined;
}

/**
 * Whether group check `a` holds for any member: made at the lowest of its guard's levels (of any
 * guard it may be made with), at any level (`listGroupMembers`, `groupLevel`, `acceptGroupInvite`), or at a level the
 * audit cannot read. False at the owner level and when no guard's levels can be read.
 */
export function lowestGroupCheck(app: App, a: AuthCheck): boolean {
  const name = a.guardCall === undefined ? undefined : app.calleeFrom(a.guardCall, GUARD)?.name;
  const level = name === undefined || !GROUP_CHECKS.has(name) ? undefined : weakGroupLevel(app, a, name);
  if (level === undefined || level === "any level" || level === UNREAD_LEVEL) return level !== undefined;
  const guards = consult(app, a.guardCall, LEVELS_JUDGED);
  return (guards.length === 0 ? [DEFAULT_LEVELS] : guards.map((g) => levelList(app, g))).some((l) => l !== null && l[0] === level);
}

/** The owner levels (the last of `access.levels`) of the guards group check `a` may be made with, each once: none when no guard's levels can be read. */
export function groupOwners(app: App, a: AuthCheck): string[] {
  const guards = consult(app, a.guardCall, LEVELS_JUDGED);
  const lists = guards.length === 0 ? [DEFAULT_LEVELS] : guards.map((g) => levelList(app, g));
  return [...new Set(lists.filter((l): l is readonly string[] => l !== null).map((l) => l[l.length - 1]!))];
}

/** `access.levels` of one guard (the default when absent); null when not readable. */
function levelList(app: App, guard: ts.CallExpression): readonly string[] | null {
  return configured(app, guard, LEVELS_IGNORED)?.levels ?? null;
}

/** What a function's deletes and writes by an id are judged with (functions.ts, rules.ts). */
export interface ChangeChecks {
  /** The arguments the document checks above the weak levels were made on ("any": one on a document not tied to an argument). */
  args: Set<string> | "any";
  /** The weak level each other checked argument was checked at. */
  lowLevels: Map<string, string>;
  /** The arguments of those that name a group (checked below the owner level), with the owner levels of the guards that checked them (what the fix names). */
  groups: Map<string, readonly string[]>;
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
  const groups = new Map<string, readonly string[]>();
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
    if (a.guardCall !== undefined && GROUP_CHECKS.has(app.calleeFrom(a.guardCall, GUARD)?.name ?? "")) groups.set(arg, groupOwners(app, a));
    const checked = ownedDocuments(app, handler, [a]);
    for (const c of changes) {
      if (c.target !== undefined && within(c.target, handler) && checked(c.target) && (c.method === "delete" || c.method === "patch" || c.method === "replace")) ofCheckedDoc.push({ file: c.file, line: c.line, arg, method: c.method });
    }
  }
  const args = strong.some((a) => checkArg(a) === undefined) ? "any" : new Set(strong.map((a) => checkArg(a)!));
  return { args, lowLevels, groups, ofCheckedDoc };
}
