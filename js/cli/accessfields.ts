// Writes of the fields that carry access, for `access-field-write`: the owner field and the
// parent field of a table configured under `access.tables` (docs/access.md: "The owner and parent
// fields carry access"). Writing the owner field transfers the document; writing the parent
// field files it under another parent, whose owner then holds the owner level on it:
//
//   await ctx.db.patch(doc._id, { folderId: args.folderId });    // a move around guard.moveDocument
//   await ctx.db.patch(doc._id, { ownerId: user._id });          // a transfer around guard.transferOwnership
//   await ctx.db.insert("documents", { ownerId: args.ownerId });  // a document made for someone else
//   await ctx.db.insert("documents", { ownerId: user._id, folderId: args.folderId }); // filed with no check
//
// A patch or replace that writes either field is reported, whatever the value (`undefined`
// removes the field: a write too). An insert is reported when the owner field comes from an
// argument (the caller's own id is how documents are made) or the parent field comes from an
// argument, or from a field of a checked document (`folderId: doc.folderId`: a check on a
// document says nothing of the parent it names), that no document check at the level filing takes or above covered (what
// guard.insertDocument asks of a parent: the table's `fileLevel`, else the share level, as
// the engine compiles the guard's configuration: levels.ts `atFileLevel`); `doc._id` of a document check on an argument
// (`ctx.doc._id` of a builder's `access`) is that argument, and a check below the share level
// covers it no more than it covers the argument; so does the parent's owner, a comparison of
// the parent's field with the caller's id deciding (`if (folder.ownerId !== user._id) throw`,
// callerid.ts), as it is everywhere else. A key is read through consts and their
// concatenations (`{ [FIELD]: x }`, `"owner" + "Id"`), an object through the assignments made
// to it before the write (`update.folderId = x`) (fieldvalue.ts, as unchecked-role-write reads
// the role), and a value of unknown shape (`v.any()`, an open record, a computed key read no
// further) patched or replaced into a configured table may hold either field: reported one
// step lower (rules.ts).
//
// The fields are read from every guard of the app (a table is configured by some guard: each
// guard's own owner and parent fields count). The table of the written id is the one writes.ts
// knows, else `doc._id` of a guard document check (`requireAccess`, `readable`: its table
// argument), else the id's type (`Id<"documents">`). When it is still unknown, a field that is
// some configured table's owner or parent field is reported one severity lower (rules.ts).
import ts from "typescript";
import { comparesReadOf, readBy, readId } from "./argflow.js";
import { accessTableFields } from "./config.js";
import { fieldValue, openShape, writtenArg, type WriteScope } from "./fieldvalue.js";
import { GUARD, type AuthCheck } from "./facts.js";
import type { Write } from "./facts-syntax.js";
import { appGuards } from "./guards.js";
import { atFileLevel } from "./levels.js";
import { arrayElement } from "./subject.js";
import { checkedDocArg, ownedDocuments, sameValue } from "./ownerquery.js";
import { skipOuter, within, type App, type Loc } from "./program.js";

/** The fields of one configured table that carry access. */
export interface TableFields {
  owner?: string;
  parent?: string;
  parentTable?: string;
  visibility?: string;
}

/** One write of a field that carries access. */
export interface AccessWrite extends Loc {
  method: Write["method"];
  field: string;
  which: "owner" | "parent";
  /** The configured table written; undefined when the id's table is not known (the field is some configured table's). */
  table?: string;
  /** The argument the value comes from, when it does. */
  arg?: string;
  /** The value is `doc._id` of a document check on `arg`, made at this level (`minLevel` as written, else undefined). */
  checkedAt?: { level?: string };
  /** Why the written value's shape is not known (`v.any()`, an open record): it may hold the table's fields, listed here. */
  open?: { why: string; fields: string[] };
}

const configs = new WeakMap<ts.Node, Map<string, TableFields> | null>();

/** What the audit does without them: said in the report's configuration warning. */
const FIELDS_IGNORED = "the tables' owner and parent fields (access.tables: access-field-write judges no write of that guard's tables, unchecked-id-read no query by a parent field)";

/** `access.tables.<table>.owner`, `.parent`, `.parentTable` and `.visibility` of one `defineGuard` call; null when not readable. */
export function accessFields(app: App, guard: ts.CallExpression): Map<string, TableFields> | null {
  let known = configs.get(guard);
  if (known !== undefined) return known;
  known = readFields(app, guard);
  configs.set(guard, known);
  return known;
}

function readFields(app: App, guard: ts.CallExpression): Map<string, TableFields> | null {
  return accessTableFields(app, guard, ["owner", "parent", "parentTable", "visibility"] as const, FIELDS_IGNORED);
}

type Configured = Map<string, { owner: Set<string>; parent: Set<string> }>;
const merged = new WeakMap<App, Configured>();

/**
 * Every guard's configured tables, merged: a table's fields are each guard's. A write goes
 * through no guard, so no guard is the one that judges it: a field any guard configures carries
 * access on that table.
 */
function configured(app: App): Configured {
  const known = merged.get(app);
  if (known !== undefined) return known;
  const out: Configured = new Map();
  merged.set(app, out);
  for (const guard of appGuards(app)) {
    for (const [table, fields] of accessFields(app, guard) ?? []) {
      const entry = out.get(table) ?? { owner: new Set<string>(), parent: new Set<string>() };
      if (fields.owner !== undefined) entry.owner.add(fields.owner);
      if (fields.parent !== undefined) entry.parent.add(fields.parent);
      out.set(table, entry);
    }
  }
  return out;
}

/** The tables some guard configures under `access.tables` (those of a guard whose tables can be read). */
export const accessTables = (app: App): Set<string> => new Set(configured(app).keys());

/** `table`'s configuration under each guard that configures it (of the guards whose tables can be read). */
const tableConfigs = (app: App, table: string): TableFields[] => appGuards(app).flatMap((guard) => accessFields(app, guard)?.get(table) ?? []);

/** `table`'s parent fields (any guard's), each with the table its parent is in (`parentTable`, else `table`): a query of its rows by one selects a parent's children (childquery.ts). */
export function parentFields(app: App, table: string): Map<string, string> {
  return new Map(tableConfigs(app, table).flatMap((f) => (f.parent === undefined ? [] : [[f.parent, f.parentTable ?? table] as const])));
}

/** `table`'s configured owner or visibility fields (any guard's), each once. */
export function tableFields(app: App, table: string, which: "owner" | "visibility"): string[] {
  return [...new Set(tableConfigs(app, table).flatMap((f) => f[which] ?? []))];
}

/** The configured owner fields (`tableFields`) of the table whose row `row` holds (`Doc<"documents">`, read by its `_id`'s type); none when that table is not known. */
export function rowOwnerFields(app: App, row: ts.Node): string[] {
  const id = app.checker.getPropertyOfType(app.checker.getNonNullableType(app.checker.getTypeAtLocation(row)), "_id");
  const table = id === undefined ? undefined : idTypeTable(app, app.checker.getTypeOfSymbolAtLocation(id, row), row);
  return table === undefined ? [] : tableFields(app, table, "owner");
}

/**
 * Whether documents of `table` may be public (some guard configures its `visibility`, or a
 * guard's tables cannot be read): a public one's level is given to anyone, and its children do
 * not inherit it (docs/access.md: "A folder's public visibility is not inherited").
 */
export function mayBePublic(app: App, table: string): boolean {
  return appGuards(app).some((guard) => {
    const fields = accessFields(app, guard);
    return fields === null || fields.get(table)?.visibility !== undefined;
  });
}

/** What the handler's writes are judged with. */
export interface AccessContext extends WriteScope {
  /** Whether an expression is the caller's own id (`user._id` of the guard's caller calls, `ctx.user._id` in a builder). */
  callerId: (e: ts.Expression) => boolean;
  /** A table name written literally or through a `const` (writes.ts). */
  tableName: (e: ts.Expression | undefined) => string | undefined;
  /** The handler's checks (a document check at the share level on an insert's destination covers it). */
  auth: AuthCheck[];
}

/** The writes of access-carrying fields by one database write whose table writes.ts found (`known`) or not. */
export function accessFieldWrites(app: App, c: AccessContext, w: Write, known: string | undefined): AccessWrite[] {
  const tables = configured(app);
  if (tables.size === 0) return [];
  const table = known ?? (w.target === undefined ? undefined : (checkedTable(app, c, w.target) ?? typeTable(app, w.target)));
  // The fields to look for: the table's; for an unknown table, every configured table's.
  const candidates: { field: string; which: "owner" | "parent"; table?: string }[] = [];
  if (table !== undefined) {
    const entry = tables.get(table);
    for (const field of entry?.owner ?? []) candidates.push({ field, which: "owner", table });
    for (const field of entry?.parent ?? []) candidates.push({ field, which: "parent", table });
  } else if (w.method !== "insert") {
    for (const entry of tables.values()) {
      for (const field of entry.owner) candidates.push({ field, which: "owner" });
      for (const field of entry.parent) candidates.push({ field, which: "parent" });
    }
  }
  const out: AccessWrite[] = [];
  const seen = new Set<string>();
  for (const cand of candidates) {
    if (seen.has(cand.field)) continue;
    const written = fieldValue(app, c, w.value, cand.field);
    if (written === undefined || kept(w.target, written, cand.field)) continue;
    // A parent inserted from `doc._id` of a check on an argument is that argument, at that check's level.
    const checked = w.method === "insert" && cand.which === "parent" && written !== "args" ? checkedArg(app, c, written, cand.table) : undefined;
    // `folder._id` of `const folder = await ctx.db.get(args.folderId)` (or of the read itself) is that argument (argflow.ts `readBy`).
    const arg = writtenArg(c, written, cand.field) ?? checked?.arg ?? (written === "args" ? undefined : readBy(app, c.flow, written));
    if (w.method === "insert") {
      // The caller's own id as the owner is how a document is made; a server's value is the server's.
      // A parent taken from a field of a checked document (`folderId: doc.folderId`): that check says nothing of the parent it names (querywrites.ts).
      const borrowed = arg === undefined && cand.which === "parent" && written !== "args" && borrowedParent(app, c, written, cand.table);
      if ((arg === undefined && !borrowed) || (written !== "args" && isCaller(app, c, written, 0))) continue;
      // The parent's own owner (`if (folder.ownerId !== user._id) throw`, callerid.ts) may file into it, as the owner level files anywhere.
      if (cand.which === "parent" && arg !== undefined && (checked?.files === true || fileChecked(app, c, arg, cand.table) || comparesReadOf(app, c.handler, c.flow, arg))) continue;
    }
    seen.add(cand.field);
    const checkedAt = checked !== undefined && checked.arg === arg ? { level: checked.level } : undefined;
    out.push({ file: w.file, line: w.line, method: w.method, field: cand.field, which: cand.which, table: cand.table, arg, checkedAt });
  }
  // A value of unknown shape patched or replaced into a configured table may hold its fields.
  const first = candidates[0];
  if (out.length === 0 && table !== undefined && first !== undefined && w.method !== "insert") {
    const why = openShape(app, w.value, candidates.map((x) => x.field));
    if (why !== undefined) {
      const arg = within(w.value!, c.handler) ? c.flow.argIn(w.value!) : undefined;
      out.push({ file: w.file, line: w.line, method: w.method, field: first.field, which: first.which, table, arg, open: { why, fields: candidates.map((x) => x.field) } });
    }
  }
  return out;
}

/**
 * Whether a document check at the level filing a document of `table` takes or above (the
 * table's `fileLevel`, else the share level; not made on some paths only; levels.ts
 * `atFileLevel`) covers argument `arg`: the parent an insert files under is one the caller may
 * file under, as `guard.insertDocument` asks.
 */
function fileChecked(app: App, c: AccessContext, arg: string, table: string | undefined): boolean {
  return c.auth.some((a) => a.level === "document" && a.conditional !== true && atFileLevel(app, a, table) && (a.targetArg === arg || (a.target !== undefined && within(a.target, c.handler) && c.flow.rootOf(a.target) === arg)));
}

/**
 * The argument a document check was made on, when `value` is the `_id` of the document it
 * answered (`doc._id` of `const { doc } = await guard.requireAccess(ctx, t, id, "viewer")`,
 * `r.doc._id` of `readable`, `ctx.doc._id` of a builder's `access`), its level as written, and
 * whether that level is at or above what filing a document of `table` takes (the table's
 * `fileLevel`, else the share level): only such a check covers filing into it.
 */
function checkedArg(app: App, c: AccessContext, value: ts.Expression, table: string | undefined): { arg: string; level?: string; files: boolean } | undefined {
  const found = checkedDocArg(app, c.handler, c.auth, (a) => a.targetArg ?? (a.target !== undefined && within(a.target, c.handler) ? c.flow.rootOf(a.target) : undefined), value);
  return found === undefined ? undefined : { arg: found.arg, level: found.check.minLevel, files: atFileLevel(app, found.check, table) };
}

/** Whether `value` is a field of a document a check answered (`doc.folderId`), and no check at the level filing takes (`fileChecked`) is made on that very value. */
function borrowedParent(app: App, c: AccessContext, value: ts.Expression, table: string | undefined): boolean {
  const v = skipOuter(value);
  if (!ts.isPropertyAccessExpression(v) || v.name.text === "_id") return false;
  const checks = c.auth.filter((a) => a.level === "document");
  if (!checks.some((a) => ownedDocuments(app, c.handler, [a], v.name.text)(value))) return false;
  return !checks.some((a) => a.conditional !== true && atFileLevel(app, a, table) && a.target !== undefined && sameValue(app, a.target, value));
}

/** `ownerId: doc.ownerId` written to `doc._id` (a replace keeping the field): the same value, no write. */
function kept(target: ts.Expression | undefined, value: ts.Expression | "args", field: string): boolean {
  if (target === undefined || value === "args") return false;
  const id = skipOuter(target);
  const v = skipOuter(value);
  if (!ts.isPropertyAccessExpression(id) || id.name.text !== "_id" || !ts.isPropertyAccessExpression(v) || v.name.text !== field) return false;
  return skipOuter(id.expression).getText() === skipOuter(v.expression).getText();
}

/** The caller's own id, or a `const` holding it. */
function isCaller(app: App, c: AccessContext, e: ts.Expression, depth: number): boolean {
  if (c.callerId(e)) return true;
  const v = skipOuter(e);
  const init = depth < 3 && ts.isIdentifier(v) ? app.constInitializer(v) : undefined;
  return init !== undefined && isCaller(app, c, init, depth + 1);
}

/** Guard calls that check a document and answer it: their table is the second argument. */
const DOCUMENT_CHECKS = new Set(["requireAccess", "readable"]);

/**
 * The table of `doc._id` (or `r.doc._id`) where `doc` is bound from a guard document check:
 * `const { doc } = await guard.requireAccess(ctx, "documents", id, "editor")`,
 * `const r = await guard.readable(ctx, "documents", id)`.
 */
export function checkedTable(app: App, c: AccessContext, target: ts.Expression): string | undefined {
  const id = skipOuter(target);
  if (!ts.isPropertyAccessExpression(id) || id.name.text !== "_id") return undefined;
  let row = skipOuter(id.expression);
  if (ts.isPropertyAccessExpression(row) && row.name.text === "doc") row = skipOuter(row.expression);
  if (!ts.isIdentifier(row)) return undefined;
  const decl = app.symbol(row)?.valueDeclaration;
  let init: ts.Expression | undefined;
  if (decl !== undefined && ts.isVariableDeclaration(decl)) init = decl.initializer;
  else if (decl !== undefined && ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent) && ts.isVariableDeclaration(decl.parent.parent)) init = decl.parent.parent.initializer;
  const call = init === undefined ? undefined : skipOuter(init);
  if (call === undefined || !ts.isCallExpression(call) || !DOCUMENT_CHECKS.has(app.calleeFrom(call, GUARD)?.name ?? "")) return undefined;
  return c.tableName(call.arguments[1]);
}

/** The table the outermost cast of an id names: `x as Id<"users">`, `<GenericId<"users">>x`, a `const` holding one. */
export function idCast(app: App, e: ts.Expression): string | undefined {
  for (let depth = 0; depth < 4; depth++) {
    if (ts.isIdentifier(e)) {
      const decl = app.constInitializer(e) === undefined ? undefined : app.checker.getSymbolAtLocation(e)?.valueDeclaration;
      if (decl === undefined || !ts.isVariableDeclaration(decl) || decl.initializer === undefined) return undefined;
      e = decl.initializer;
      continue;
    }
    if (ts.isAsExpression(e) || ts.isTypeAssertionExpression(e)) {
      const t = e.type;
      const name = ts.isTypeReferenceNode(t) ? (ts.isIdentifier(t.typeName) ? t.typeName : t.typeName.right).text : undefined;
      const arg = ts.isTypeReferenceNode(t) && t.typeArguments?.length === 1 ? t.typeArguments[0] : undefined;
      if ((name === "Id" || name === "GenericId") && arg !== undefined && ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) return arg.literal.text;
    } else if (!(ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e) || ts.isAwaitExpression(e))) return undefined;
    e = e.expression;
  }
  return undefined;
}

/** The table an id's type names: `Id<"documents">` (Convex's `GenericId`, whose `__tableName` is the table). */
export function typeTable(app: App, target: ts.Expression): string | undefined {
  return idTypeTable(app, app.checker.getTypeAtLocation(target), target);
}

/**
 * The table of an id that is a `for (const id of ids)` loop's variable, or the `_id` of a `const`
 * read by an id (`const doc = await ctx.db.get(id)`, `doc._id`; also destructured from
 * `Promise.all([...])`, subject.ts `arrayElement`): the audit's libraries have no iterators nor
 * `Promise.all` (program.ts), so the checker types such an element `any`; the array's element type,
 * or the id read by, names it (attack48 F6, F10). Read where a row checked unless its caller owns it
 * is judged (parentcover.ts); elsewhere such a table stays unknown.
 */
export function loopIdTable(app: App, target: ts.Expression): string | undefined {
  let x = skipOuter(target);
  if (ts.isPropertyAccessExpression(x) && x.name.text === "_id") {
    const doc = skipOuter(x.expression);
    const init = ts.isIdentifier(doc) ? (app.constInitializer(doc) ?? arrayElement(app, doc)) : undefined;
    const id = init === undefined ? undefined : readId(app, init);
    if (id === undefined) return undefined;
    x = skipOuter(id);
    const named = idTypeTable(app, app.checker.getTypeAtLocation(x), x);
    if (named !== undefined) return named;
  }
  const decl = ts.isIdentifier(x) ? app.symbol(x)?.valueDeclaration : undefined;
  const loop = decl !== undefined && ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name) ? decl.parent.parent : undefined;
  if (loop === undefined || !ts.isForOfStatement(loop) || loop.awaitModifier !== undefined) return undefined;
  const element = app.checker.getIndexTypeOfType(app.checker.getTypeAtLocation(loop.expression), ts.IndexKind.Number);
  return element === undefined ? undefined : idTypeTable(app, element, loop.expression);
}

/** The table an id type names (`Id<"documents">`), read at `at`. */
export function idTypeTable(app: App, idType: ts.Type, at: ts.Node): string | undefined {
  const type = app.checker.getApparentType(idType);
  const tag = app.checker.getPropertyOfType(type, "__tableName");
  if (tag === undefined) return undefined;
  const tagType = app.checker.getTypeOfSymbolAtLocation(tag, at);
  return tagType.isStringLiteral() ? tagType.value : undefined;
}
