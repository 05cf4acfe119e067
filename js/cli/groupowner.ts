// A patch (or replace) of a group's owner, `accessGroups.ownerId` (attack33 P1, P2). The guard has
// no call that moves a group, and the README's recipe for a user already gone is this very write
// ("patch the owner field (`access.tables.<t>.owner`, or `accessGroups.ownerId`) in your own
// internal mutation after your own check"). Judged by who may make it:
//
//   export const transferOrg = internalMutation({ ..., handler: async (ctx, { orgId, to, by }) => {
//     const org = await ctx.db.get(orgId); if (org === null || org.ownerId !== by) throw ...; // its own owner check
//     await ctx.db.patch(orgId, { ownerId: to }); await guard.audit.log(ctx, { ... });         // low: the recipe
//   }});
//   await guard.requireGroupLevel(ctx, orgId, "viewer"); await ctx.db.patch(orgId, { ownerId: user._id }); // access-field-write high
//
// - `low` `guard-table-write`: in an internal mutation, after a comparison of the group's
//   `ownerId` (of the row read by the id patched) or a check of the caller at the owner level on
//   it, with an audit row: the recipe, shown below `--fail-on medium`;
// - `medium` `guard-table-write` as any write of the guard's tables: after a check at the group's
//   owner level, a role above the lowest or a permission (an owner or an admin moving it), or
//   the internal recipe with no audit row;
// - else `access-field-write`, as a document's owner field written around `transferOwnership`:
//   `high` in a public mutation (a member below the owner level, or anyone, takes the group over:
//   its new owner renames, deletes and manages it), `medium` in an internal one.
import ts from "typescript";
import { ArgFlow, readBy } from "./argflow.js";
import type { ConvexFunction } from "./functions.js";
import { skipOuter, within, type App } from "./program.js";
import { weakLevel } from "./levels.js";
import { decidesAccess } from "./roles.js";
import { covers, finding, type Finding } from "./rules.js";
import { TABLE_FIX } from "./tabletexts.js";

const TAKEOVER_FIX = "Check the caller at the owner level on that group first (guard.requireGroupLevel(ctx, groupId, \"owner\"): its owner and access.groups.managers, never a member), or move a group in your own internal mutation after your own check of its current owner, with an audit row (docs/sensitive-operations.md: \"Deleting a user: forgetUser\"); a write made on purpose (a migration) is allowlisted with its reason: // convex-guard-allow: access-field-write <reason>.";
const RECIPE_FIX = "Nothing to change when this is where the app moves a group whose owner is gone (make it only where you would let an admin move it); allowlist it with that reason to keep the report quiet: // convex-guard-allow: guard-table-write <reason>.";
const EQUALITY = new Set([ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken]);

/** The findings of each write of a group's `ownerId` (writes.ts `groupOwner`), which rules.ts leaves out of `guard-table-write`. */
export function groupOwnerFindings(app: App, functions: ConvexFunction[]): Finding[] {
  const out: Finding[] = [];
  for (const fn of functions) {
    const handler = fn.handler;
    for (const w of fn.writes.tableWrites) {
      if (w.groupOwner === undefined || handler === undefined) continue;
      const flow = new ArgFlow(app, handler);
      const target = w.groupOwner.target !== undefined && within(w.groupOwner.target, handler) ? w.groupOwner.target : undefined;
      const arg = target === undefined ? undefined : (flow.idRoot(target) ?? readBy(app, flow, target));
      const c = fn.changeChecked;
      // A group id read from a row's field (`task.orgId`, attack34 F1): the checks made on that same expression.
      const onField = arg === undefined && target !== undefined ? fn.facts.auth.filter((a) => a.level === "document" && a.conditional !== true && a.target !== undefined && within(a.target, handler) && sameId(app, a.target, target)) : [];
      const fieldLow = onField.some((a) => weakLevel(app, a) !== undefined);
      const ownerLevel = arg !== undefined ? covers(c.args, arg) && !c.groups.has(arg) && !c.lowLevels.has(arg) : onField.length > 0 && !fieldLow;
      const by = arg !== undefined ? ` by argument '${arg}'` : target !== undefined && ts.isPropertyAccessExpression(skipOuter(target)) ? ` by '${skipOuter(target).getText()}'` : "";
      const internal = fn.visibility === "internal";
      const verb = w.method === "patch" ? "patches" : "replaces";
      if (internal && (ownerLevel || (arg !== undefined && comparesOwner(app, handler, flow, arg))) && fn.facts.audited.length > 0) {
        out.push({ ...finding("guard-table-write", fn.id, w, `internal mutation ${fn.id} moves a group (${verb} 'ownerId' of the guard's table '${w.table}') after its own check of the group's owner, with an audit row: the recipe of docs/sensitive-operations.md for a group whose owner is gone ("Deleting a user: forgetUser")`, RECIPE_FIX), severity: "low" });
      } else if (ownerLevel || decidesAccess(fn.facts.auth) || internal) {
        const why = internal && !ownerLevel ? (arg !== undefined && comparesOwner(app, handler, flow, arg) ? " (with no audit row)" : " (with no check of the group's current owner)") : "";
        out.push(finding("guard-table-write", fn.id, w, `${fn.id} ${verb} a row of the guard's table '${w.table}' directly, around the checks of its API${why}`, TABLE_FIX.groups));
        if (internal && why.includes("no check")) out.push({ ...finding("access-field-write", fn.id, w, `${fn.id} ${verb} the owner field 'ownerId' of the guard's table '${w.table}'${by} with no check of the group's current owner: writing it hands the group over (its new owner holds the owner level: renames, deletes and manages it)`, TAKEOVER_FIX), severity: "medium" });
      } else {
        const checked = fieldLow || (arg !== undefined && (c.groups.has(arg) || c.lowLevels.has(arg))) ? "checked only below the group's owner level" : "with no check of the caller at the group's owner level";
        out.push(finding("access-field-write", fn.id, w, `${fn.id} ${verb} the owner field 'ownerId' of the guard's table '${w.table}'${by}, ${checked}: writing it hands the group over (its new owner holds the owner level: renames, deletes and manages it)`, TAKEOVER_FIX));
      }
    }
  }
  return out;
}

/** Whether the handler compares the `ownerId` of the row read by argument `arg` (`org.ownerId !== by`): the app's own check of the group's current owner. */
function comparesOwner(app: App, handler: ts.Node, flow: ArgFlow, arg: string): boolean {
  let found = false;
  const side = (e: ts.Expression) => {
    const x = skipOuter(e);
    return ts.isPropertyAccessExpression(x) && x.name.text === "ownerId" && readBy(app, flow, x, true) === arg;
  };
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isBinaryExpression(n) && EQUALITY.has(n.operatorToken.kind) && (side(n.left) || side(n.right))) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(handler);
  return found;
}

/** Whether two id expressions name the same value: the same names, each resolving to the same symbol (`task.orgId` twice). */
function sameId(app: App, a: ts.Expression, b: ts.Expression): boolean {
  const x = skipOuter(a), y = skipOuter(b);
  if (ts.isIdentifier(x) && ts.isIdentifier(y)) return x.text === y.text && app.checker.getSymbolAtLocation(x) === app.checker.getSymbolAtLocation(y);
  return ts.isPropertyAccessExpression(x) && ts.isPropertyAccessExpression(y) && x.name.text === y.name.text && sameId(app, x.expression, y.expression);
}
