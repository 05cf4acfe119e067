// A group check on a field of a document read by an argument's id, for `unchecked-id-read`:
//
//   const p = await ctx.db.get(args.projectId);
//   await guard.requireGroupLevel(ctx, p.orgId, "viewer");   // or listGroupMembers, renameGroup
//   return p;
//
// The caller is a member of the group the document names. For a table no guard configures (a
// household linked to a group) that is the app's own rule of access: a check of the document's
// reads, its rows' included. For a table under some guard's `access.tables`, the guard decides
// access by the document's owner, grants and parents; a field of the app's naming a group decides
// nothing (docs/access.md: "Organizations and workspaces"), so the document, and its children, read
// after only that check are reported, at medium (the app may mean to scope by the group). The
// document's table is its `_id`'s (`Id<"projects">`); an unknown one counts as unconfigured.
import ts from "typescript";
import { readBy, type ArgFlow } from "./argflow.js";
import { accessTables, idTypeTable } from "./accessfields.js";
import type { ParentSelect } from "./childquery.js";
import { GROUP_CHECKS, GUARD, type AuthCheck } from "./facts.js";
import { skipOuter, within, type App, type Loc } from "./program.js";
import { readLevel } from "./levels.js";
import { DEFAULT_ACCESS_LEVELS } from "../defaults.js";

/** A read by an argument's id (argflow.ts, childquery.ts; `through`: an app helper's, helperget.ts); `groupOnly`: the configured table of the document, checked only by a group check on a field of it. */
export type IdRead = Loc & { arg: string; compared: string[]; parent?: ParentSelect; groupOnly?: string; groupLevel?: string /* the lowest level, named in groupOnly's fix */; through?: string; parents?: ts.CallExpression[] }; // `parents`: a helper's checks of its row's parent (helperget.ts)

/**
 * `reads` after the handler's group checks on a field of a document read by an argument: those
 * of a document of a table no guard configures (or of unknown table) are checked and dropped,
 * and so are the rows of an unconfigured table selected by its id (childquery.ts); those of a
 * configured table's document, and its children, are kept, marked `groupOnly`.
 */
export function groupCheckedReads(app: App, handler: ts.SignatureDeclaration, flow: ArgFlow, checks: AuthCheck[], reads: IdRead[]): IdRead[] {
  const groups = new Map<string, string | undefined>();
  for (const a of checks) {
    if (a.target === undefined || !within(a.target, handler) || a.guardCall === undefined || !GROUP_CHECKS.has(app.calleeFrom(a.guardCall, GUARD)?.name ?? "")) continue;
    const arg = readBy(app, flow, a.target, true);
    const table = arg === undefined ? undefined : documentTable(app, a.target, 0);
    // The tables read only here, with a group check to judge: a configuration warning lists what each reader ignores in the order it always has.
    if (arg !== undefined) groups.set(arg, groups.get(arg) ?? (table !== undefined && accessTables(app).has(table) ? table : undefined));
  }
  return reads.flatMap((r) => {
    if (!groups.has(r.arg)) return [r];
    const table = groups.get(r.arg);
    return table === undefined || r.parent?.unconfigured === true ? [] : [{ ...r, groupOnly: table, groupLevel: readLevel(app) }];
  });
}

/** The table of the document whose field the group argument is: `p.orgId`, `p!.orgId`, `p?.orgId`, a `const` holding one, `const { orgId } = p`. */
export function documentTable(app: App, group: ts.Expression, depth: number): string | undefined {
  const e = skipOuter(group);
  if (ts.isPropertyAccessExpression(e)) return docTable(app, e.expression);
  if (!ts.isIdentifier(e) || depth > 3) return undefined;
  const init = app.constInitializer(e);
  if (init !== undefined) return documentTable(app, init, depth + 1);
  const decl = app.symbol(e)?.valueDeclaration;
  const holder = decl !== undefined && ts.isBindingElement(decl) ? decl.parent.parent : undefined;
  return holder !== undefined && ts.isVariableDeclaration(holder) && holder.initializer !== undefined ? docTable(app, holder.initializer) : undefined;
}

/** The table of a document by the type of its `_id`. */
function docTable(app: App, doc: ts.Expression): string | undefined {
  const id = app.checker.getNonNullableType(app.checker.getTypeAtLocation(doc)).getProperty("_id");
  return id === undefined ? undefined : idTypeTable(app, app.checker.getTypeOfSymbolAtLocation(id, doc), doc);
}

/** The finding on a read checked only by a group check on a field of its configured document (of table `table`). */
export function groupFieldRead(fn: string, { arg, parent: p, groupLevel = DEFAULT_ACCESS_LEVELS[0]! }: IdRead, table: string): { message: string; fix: string; severity: "medium" } {
  const what = p === undefined ? `data read from the '${table}' document that argument '${arg}' names` : `the rows of '${p.table}' whose parent field '${p.field}' equals argument '${arg}' (the children of a '${table}' document)`;
  const message = `${fn} returns ${what} to any member of the group a field of that document names, with no check of the document itself: '${table}' is under access.tables, so that group is not its access (its grants and owner are); a member who was never given the document reads it`;
  const fix = `Check the document itself: guard.requireAccess(ctx, "${table}", ${arg}, "${groupLevel}") (or the builder's access: { table: "${table}", arg: "${arg}" }). If the group's members should see it, share it with the group, guard.share(ctx, "${table}", ${arg}, { groupId, level }), so membership gives access through the guard.`;
  return { message, fix, severity: "medium" };
}
