// An organization (a workspace) that is a guard group: an argument validated
// `v.id("accessGroups")` scopes the rows of an app table as an id of a document under
// `access.tables` does (childquery.ts `accessIdArgs`), and the group check on it,
// `guard.requireGroupLevel(ctx, orgId, level)` (or `groupLevel` whose null leaves, facts.ts), is
// its document check:
//
//   args: { orgId: v.id("accessGroups") },
//   handler: async (ctx, { orgId }) => {
//     await guard.requireUser(ctx);                  // any signed-in caller, of any organization
//     return await ctx.db.query("tasks").withIndex("by_org", (q) => q.eq("orgId", orgId)).collect();
//   },
//
// README: "Organizations and workspaces". The texts of the findings on such rows name the group
// check, not `requireAccess` (which takes no group).
import { GUARD_TABLES } from "../defaults.js";
import { comparesReadOf, type ArgFlow } from "./argflow.js";
import type { ConvexFunction } from "./functions.js";
import { levelNamed, lowestGroupCheck } from "./levels.js";
import { within, type App } from "./program.js";

/** The guard's groups table, whose ids scope an organization's rows. */
export const GROUPS_TABLE: string = GUARD_TABLES.groups;

/** What an id of `table` is, in a finding: a group id, or an id of a document under access. */
export const idOfText = (table: string): string => (table === GROUPS_TABLE ? `an id of a group ('${table}': an organization or workspace)` : `an id of a '${table}' document under access`);

/** The check of the id `arg` of `table` at `level`: the group check, or the document check. */
export const checkText = (table: string, arg: string, level: string): string =>
  table === GROUPS_TABLE ? `guard.requireGroupLevel(ctx, ${arg}, "${level}")` : `guard.requireAccess(ctx, "${table}", ${arg}, "${level}")`;

/** "group check" or "document check", for the id of `table`. */
export const checkKind = (table: string): string => (table === GROUPS_TABLE ? "group check" : "document check");

/**
 * Why the changes of the rows of a table no guard configures selected by group argument `arg`
 * are open though checked (querywrites.ts): every group check on it holds for any member (the
 * lowest level, any level: levels.ts `lowestGroupCheck`), so any member changes all the
 * organization's rows (README "Deleting a group": a change of the group is the owner's). Undefined
 * when a check above the lowest covers it, or none is a group check on it.
 */
export function lowestGroupOnly(app: App, fn: ConvexFunction, flow: ArgFlow, arg: string, table: string): string | undefined {
  const checks = fn.facts.auth.filter((a) => a.level === "document" && a.target !== undefined && within(a.target, fn.handler!) && flow.rootOf(a.target) === arg);
  if (checks.length === 0 || !checks.every((a) => lowestGroupCheck(app, a)) || comparesReadOf(app, fn.handler!, flow, arg)) return undefined;
  return `${lowestText(checks[0]!.minLevel)}: any member changes all of the group's '${table}' rows`;
}

/** A group check that holds for any member, in a finding: at any level, or at the group's lowest level, which every member holds; `on`: what it was made on. */
export const lowestText = (level: string | undefined, on = ""): string => `checked only ${level === undefined ? "at any level" : `at the group's lowest level '${level}'`}${on}, which every member holds`;

/** The fix of a change of a group's rows (`rows`) that a group check on `arg` at most at its lowest level left open: the owner level, or a level above the lowest. */
export const groupRowsFix = (app: App, arg: string, rows: string): string =>
  `Check the caller's level on the group first: ${checkText(GROUPS_TABLE, arg, levelNamed(app, "owner").level)} (or a level above the lowest that your app gives to who may change them), so a member at the lowest level does not change ${rows}.`;
