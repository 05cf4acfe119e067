// How a query of a table under `access.tables` selects its rows, for `unchecked-list` (uncheckedlist.ts)
// and the deletes and writes of such rows (querywrites.ts): tied to no one (reported), tied to the
// caller, to public rows, to a parent or by `_id` (not), or tied only by a field equal to an
// argument a document or group check covers (`requireGroupLevel(ctx, args.ws, ...)` then
// `q.eq("workspaceId", args.ws)`), which hands every row of that value to whoever passes the
// check, whatever each row's own access says (`byCheck`: unchecked-list reports it medium).
import ts from "typescript";
import { ArgFlow } from "./argflow.js";
import { parentFields, tableFields } from "./accessfields.js";
import { isCallerId } from "./callerid.js";
import { literalThrough } from "./config.js";
import type { ConvexFunction } from "./functions.js";
import { checkArgOf } from "./helperget.js";
import { checkedDocArg, queryEqualities, sameValue } from "./ownerquery.js";
import { skipOuter, within, type App } from "./program.js";
import { covers } from "./rules.js";

/** How a query selects its rows: the arguments it selects by, and the selection said with each argument named as a caller passes it. */
export interface Selection {
  params: string[];
  render: (name: (arg: string) => string) => string;
}

/**
 * How a query of the protected `table` selects its rows, when that ties them to no one; undefined when it does (or the audit is unsure). Also read for the deletes and writes of such rows (querywrites.ts).
 * With `byCheck` (unchecked-list): also when the rows are tied only by a field that is neither the table's parent nor owner field, equal to an
 * argument a document or group check covers (`byCheck` set in the answer): rows with their own access, handed to whoever passes another check (newuser36 F3, newuser34 F2).
 */
export function selection(app: App, fn: ConvexFunction, handler: ts.SignatureDeclaration, flow: ArgFlow, top: ts.Expression, table: string, found: { field: string; by: ts.Expression }[], value: (e: ts.Expression) => ts.Expression | undefined, byCheck = false): (Selection & { byCheck?: true }) | undefined {
  const parents = parentFields(app, table);
  const visibility = tableFields(app, table, "visibility");
  const owners = tableFields(app, table, "owner");
  // An argument, or the `_id` of the document a check on one answered (`ctx.doc._id` of the builder's `access`), as childquery.ts reads it.
  const checkArg = checkArgOf(app, flow);
  const argOf = (by: ts.Expression) => (within(by, handler) ? (flow.rootOf(by) ?? checkedDocArg(app, handler, fn.facts.auth, checkArg, by)?.arg) : undefined);
  // Covered: an argument a document or group check covers, or the very value such a check is made on (`requireGroupLevel(ctx, doc.orgId, level)` of a checked document's field, also through a `const`).
  const targets = fn.facts.auth.flatMap((a) => (a.level === "document" && a.target !== undefined && within(a.target, handler) ? [a.target] : []));
  const covered = (by: ts.Expression) => (argOf(by) !== undefined && covers(fn.checkedArgs, argOf(by)!)) || targets.some((t) => sameValue(app, t, by));
  // The parent field ties the rows to a parent only when it names one the children rule judges
  // (an argument's id, or the checked document's): `undefined` or a literal is every parent's.
  // The caller's id, the public value of the visibility field, or an argument a check covers.
  const tiedBy = (field: string, by: ts.Expression) => isCallerId(app, by) || publicValue(app, visibility, field, by) || covered(by);
  const ties = found.some((f) => f.field === "_id" || (parents.has(f.field) && argOf(f.by) !== undefined) || tiedBy(f.field, f.by));
  // A branch of a `q.or` ties its rows only to the caller, to public ones, or to an argument a check covers (a parent's children by an unchecked one: no rule reads them there).
  const branchTies = (field: string, e: ts.Expression) => {
    const by = value(e);
    return by === undefined ? undefined : tiedBy(field, by);
  };
  const unread = unreadFilter(app, top, [...owners, ...parents.keys(), ...visibility], branchTies);
  // Tied only by a covered argument (or the value a check is made on) in a field that is neither the parent (children inherit the parent's access: childquery.ts) nor the owner.
  const tiedElse = found.some((f) => f.field === "_id" || parents.has(f.field) || owners.includes(f.field) || isCallerId(app, f.by) || publicValue(app, visibility, f.field, f.by));
  const checked = byCheck && !tiedElse && unread !== true ? found.filter((f) => covered(f.by)) : [];
  if (checked.length > 0) {
    const said = (name: (arg: string) => string) => checked.map((f) => `'${f.field}'${argOf(f.by) === undefined ? " (equal to the value a check is made on)" : ` (equal to argument '${name(argOf(f.by)!) ?? argOf(f.by)}')`}`).join(" and ");
    return { params: [], byCheck: true, render: (name) => `by ${said(name)}, which a document or group check covers` };
  }
  if (ties || unread === true) return undefined;
  if (found.length === 0 && unread === "or") return { params: [], render: () => "selected by a filter's q.or, a branch of which ties the rows neither to the caller nor to public visibility (every row that branch matches)" };
  if (found.length === 0) return { params: [], render: () => "with no selection (every document, or a filter on other fields)" };
  // The owner field equal to something else than the caller's id as the audit knows it (subject.ts: a users row the app looks up itself is not).
  const notCaller = "a value that is not the caller's id as the audit knows it (the _id of guard.requireUser's answer or the builder's ctx.user; not a users row the app looks up itself)";
  const by = (name: (arg: string) => string) =>
    found.map((f) => {
      const arg = argOf(f.by) === undefined ? undefined : `argument '${name(argOf(f.by)!)}'`;
      if (owners.includes(f.field)) return `its owner field '${f.field}' equal to ${arg === undefined ? notCaller : `${arg}, not the caller's id`}`;
      return `field '${f.field}'${arg === undefined ? "" : ` (equal to ${arg}, which no document or group check covers)`}`;
    });
  const not = owners.length > 0 && !found.some((f) => owners.includes(f.field)) ? `, not by its owner field '${owners[0]}' equal to the caller's id` : "";
  return { params: [...new Set(found.flatMap((f) => argOf(f.by) ?? []))], render: (name) => `selected by ${by(name).join(" and ")}${not}` };
}

/** Whether `field` is one of the table's `visibility` fields and `by` the value "public" (a literal or a `const`): rows anyone may read, selected in the query or in JavaScript (`onlyChecked`). */
export function publicValue(app: App, visibility: readonly string[], field: string, by: ts.Expression): boolean {
  return visibility.includes(field) && literalThrough(app, by) === "public";
}

/**
 * Whether a `.filter` of the query that the audit does not read as equalities leaves it unsure (true): one
 * naming one of `fields` (`q.neq`, `q.and`), but a `q.or` only when each branch ties the rows
 * (`ties` of its `q.eq(q.field(f), x)`; undefined: unsure): `q.or(q.eq(q.field("ownerId"), me),
 * q.eq(q.field("visibility"), "public"))` does, a branch by any other field (`orgId` equal to an
 * argument no check covers) selects rows of anyone's ("or", when no other filter leaves it unsure).
 */
function unreadFilter(app: App, top: ts.Expression, fields: string[], ties: (field: string, by: ts.Expression) => boolean | undefined): boolean | "or" {
  let open = false;
  const count = (e: ts.Expression) => queryEqualities(app, e, (x) => x)?.found.length ?? 0;
  for (let x = skipOuter(top); ts.isCallExpression(x) && ts.isPropertyAccessExpression(x.expression); x = skipOuter(x.expression.expression)) {
    if (x.expression.name.text !== "filter" || count(x) > count(x.expression.expression)) continue;
    const cb = x.arguments[0] === undefined ? undefined : skipOuter(x.arguments[0]);
    const q = cb !== undefined && ts.isArrowFunction(cb) && !ts.isBlock(cb.body) && cb.parameters.length === 1 && ts.isIdentifier(cb.parameters[0]!.name) ? cb.parameters[0]!.name.text : undefined;
    const or = q === undefined ? undefined : branches(skipOuter((cb as ts.ArrowFunction).body as ts.Expression), q, "or");
    if (or !== undefined) {
      if (orTies(or, q!, ties) !== false) return true;
      open = true;
      continue;
    }
    const names = (n: ts.Node): boolean => (ts.isStringLiteralLike(n) && fields.includes(n.text)) || ts.forEachChild(n, names) === true;
    if (x.arguments.some(names)) return true;
  }
  return open ? "or" : false;
}

/** The arguments of `q.<op>(...)`, or undefined when `e` is not that call. */
function branches(e: ts.Expression, q: string, op: string): readonly ts.Expression[] | undefined {
  const c = skipOuter(e);
  if (!ts.isCallExpression(c) || !ts.isPropertyAccessExpression(c.expression) || c.expression.name.text !== op) return undefined;
  const on = skipOuter(c.expression.expression);
  return ts.isIdentifier(on) && on.text === q ? c.arguments : undefined;
}

/** Whether each branch of a `q.or` ties its rows (a `q.eq` of a field, a nested `q.or`, a `q.and` with one such branch); undefined: unsure (a spread, a field not named by a literal). */
function orTies(or: readonly ts.Expression[], q: string, ties: (field: string, by: ts.Expression) => boolean | undefined): boolean | undefined {
  const one = (e: ts.Expression): boolean | undefined => {
    if (ts.isSpreadElement(e)) return undefined;
    const inner = branches(e, q, "or");
    if (inner !== undefined) return orTies(inner, q, ties);
    const and = branches(e, q, "and");
    if (and !== undefined) return and.some((b) => one(b) === true) ? true : and.some((b) => one(b) === undefined) ? undefined : false;
    const [a, b] = branches(e, q, "eq") ?? [];
    for (const [field, by] of [[a, b], [b, a]] as const) {
      const name = field === undefined || by === undefined ? undefined : branches(field, q, "field")?.[0];
      if (name !== undefined) return ts.isStringLiteralLike(name) ? ties(name.text, by!) : undefined;
    }
    return false;
  };
  const each = or.map(one);
  return each.every((t) => t === true) ? true : each.some((t) => t === false) ? false : undefined;
}
