// Writes through `ctx.db` (insert, patch, replace, and the deletes of the guard's own tables), and
// reads of the guard's own tables: which table a write or a read reaches, when the source tells,
// and what the rules ask of it:
//
//   await ctx.db.patch(args.id, { ownerId: user._id });        // an argument's id: unchecked-id-write
//   await ctx.db.patch(user._id, { role: args.role });         // the users' role, from the caller: unchecked-role-write
//   await ctx.db.insert("accessGrants", { ... });              // around guard.share: guard-table-write
//   await ctx.db.patch(doc._id, { folderId: args.folderId });  // a parent field: access-field-write (accessfields.ts)
//   return await ctx.db.query("guardAudit").take(100);         // around guard.audit.list: guard-table-read
//
// A table is known from a table argument (`insert("t", ...)`, `patch("t", id, ...)`), an
// argument validated `v.id("t")`, `ctx.db.normalizeId("t", raw)`, a cast of an id to the users table's
// (`args.userId as Id<"users">`, `GenericId<"users">`, a `const` holding one), the `_id` of a row read from
// `ctx.db.query("t")` or `ctx.db.get` of such an id, or the caller's own row (`user._id` of the
// guard's `requireUser`, `getUser`, `requireRole`, `requirePermission`; `ctx.user._id` in a
// builder's handler). Otherwise it is not known, and no table rule judges the write. The role
// field's value is read as access-field-write reads its fields (fieldvalue.ts): through const
// keys (`{ [ROLE]: x }`), assignments before the write (`update.role = x`) and spreads.
import ts from "typescript";
import { callConfig, isUnreadable, member, objectAt, warnUnreadable, type ObjectRead } from "./config.js";
import { appGuards, consult } from "./guards.js";
import { accessFieldWrites, checkedTable, idCast, typeTable, type AccessWrite } from "./accessfields.js";
import { grantsLeft, type GrantsLeft } from "./grantsleft.js";
import { promotionFacts, type PromotionFacts } from "./promotions.js";
import { fieldValue, letValues, openShape, writtenArg } from "./fieldvalue.js";
import { ArgFlow, chainEnd, readArg, readBy, readComparisons, resolveValue, returned } from "./argflow.js";
import { CALLER, CONVEX, GUARD, type Facts } from "./facts.js";
import { isDatabase, scopedTable, type Write } from "./facts-syntax.js";
import { outer } from "./flow.js";
import { skipOuter, within, type App, type Loc } from "./program.js";
import { DEFAULT_ROLE_FIELD, DEFAULT_USERS_TABLE, GUARD_TABLES } from "../defaults.js";

/** Which of the guard's tables: the key of GUARD_TABLES. */
export type GuardTable = keyof typeof GUARD_TABLES;

export interface WriteFacts {
  /** `patch`/`replace` of the document an argument names, written in the handler, with no comparison of its fields with the caller's id; `compared`: the arguments one was with (follow.ts). */
  idWrites: (Loc & { arg: string; method: "patch" | "replace"; compared: string[]; through?: string })[];
  /** A write of the users table's role field from an argument (`arg`), or (`open`: why) of a value of unknown shape that may hold it; `own`: the caller's own row; `target`: the argument its id comes from (a relay's parameter, promotions.ts). */
  roleWrites: (Loc & { field: string; arg?: string; own: boolean; method: Write["method"]; open?: string; target?: string; value?: ts.Expression })[];
  /** A literal role above the lowest to a row the caller picks, a role stored in or read from an app table's row (promotions.ts). */
  promotions?: PromotionFacts;
  /** Writes of the guard's tables around its API (deletes only of the rate-limit and codes tables: see below). */
  tableWrites: (Loc & { table: string; kind: GuardTable; method: string; groupOwner?: { target?: ts.Expression } })[]; // `groupOwner`: a patch or replace of a group's `ownerId` (groupowner.ts)
  /** Writes of a configured table's owner or parent field (accessfields.ts). */
  accessWrites: AccessWrite[];
  /** Reads of the guard's tables in the handler (`ctx.db.query(t)`, `ctx.db.get` of an id of one); `returned`: its rows reach the answer. */
  /** `arg`: the argument whose id a `get` reads by (a group whose level `requireGroupLevel` checked on it is the caller's to read), or a query's group (`group`: its range is one group's, `withIndex(i, (q) => q.eq("groupId", id))`). */
  tableReads: (Loc & { table: string; kind: GuardTable; returned: boolean; arg?: string; group?: true })[];
  /** Deletes of a grant or a membership row (`accessGrants`, `accessGroupMembers`): access taken away, as "Deleting a group" pages through them. */
  accessRowDeletes: Loc[];
  /** `ctx.db.delete`s of a document of a table under `access.tables` whose grants stay (grantsleft.ts). */
  grantsLeft: GrantsLeft[];
}

interface Names {
  users: string;
  /** The users row's field holding the role; none when the role is a token's claim (`users.roleClaim`). */
  roleField: string | undefined;
  /**
   * The caller's field holding their role, as the guard answers the caller: the row's role field,
   * the identity's claim with `users.roleClaim` alone, none with `roleClaim` beside a row setup
   * (the row's fields are no role) or a claim whose name is not read.
   */
  callerRole: string | undefined;
  guard: Map<string, GuardTable>;
}

/** The keys that make `users.roleClaim` a row setup's role (js/users.ts `ROW_KEYS`). */
const ROW_KEYS = ["table", "claim", "field", "index", "identityField", "convexAuth", "resolve"];

const names = new WeakMap<ts.Node, Names>();

/**
 * The users table, its role field and the guard's table names, from one `defineGuard` call's
 * configuration, read as config.ts reads it (`users.table`, `users.roleField`, `users.roleClaim`,
 * `confirmations.table`, `confirmations.audit.table`); the defaults otherwise (and for no call:
 * a guard defined outside the app). The default names of the codes and audit tables stay the
 * guard's too.
 */
export function tableNames(app: App, call: ts.CallExpression | undefined): Names {
  let known = call === undefined ? undefined : names.get(call);
  if (known !== undefined) return known;
  const guard = new Map<string, GuardTable>(Object.entries(GUARD_TABLES).map(([kind, name]) => [name, kind as GuardTable]));
  known = { users: DEFAULT_USERS_TABLE, roleField: DEFAULT_ROLE_FIELD, callerRole: DEFAULT_ROLE_FIELD, guard };
  const read = call === undefined ? undefined : callConfig(app, call);
  if (isUnreadable(read)) warnUnreadable(app, read, NAMES_IGNORED);
  const config = isUnreadable(read) ? undefined : read;
  const users = objectIn(app, config, "users");
  const table = textAt(app, users, "table");
  const roleField = textAt(app, users, "roleField");
  if (table !== undefined) known.users = table;
  if (roleField !== undefined) known.roleField = known.callerRole = roleField;
  if (users !== undefined && member(app, users, "roleClaim") !== undefined) {
    // The role is the token's: no row holds it (a write of a row's `role` sets nothing the guard
    // reads), and the caller holds it only when the caller is the identity (roleClaim alone).
    known.roleField = undefined;
    known.callerRole = ROW_KEYS.some((k) => member(app, users, k) !== undefined) ? undefined : textAt(app, users, "roleClaim");
  }
  const confirmations = objectIn(app, config, "confirmations");
  const codes = textAt(app, confirmations, "table");
  const audit = textAt(app, objectIn(app, confirmations, "audit"), "table");
  if (codes !== undefined) guard.set(codes, "codes");
  if (audit !== undefined) guard.set(audit, "audit");
  if (call !== undefined) names.set(call, known);
  return known;
}

/** The names of every guard of the app: a write is judged against each (a users table is some guard's). */
function allNames(app: App): Names[] {
  const calls = appGuards(app);
  return calls.length === 0 ? [tableNames(app, undefined)] : calls.map((c) => tableNames(app, c));
}

/** The table of the caller's row when its guard's users table is not one table (guards.ts): any guard's. */
const ANY_USERS = "\u0000the users table of any guard";
const USERS_JUDGED = "the users table (the caller's row is taken for a row of every guard's users table, each with its role field)";

/** The users table of the guard whose call (`guard.requireUser(ctx)`, a builder's) answered the caller's row. */
function callerTable(app: App, by: ts.CallExpression): string {
  const calls = consult(app, by, USERS_JUDGED);
  const tables = new Set((calls.length === 0 ? [undefined] : calls).map((c) => tableNames(app, c).users));
  return tables.size === 1 ? [...tables][0]! : ANY_USERS;
}

const NAMES_IGNORED =
  "the users table, its role field and the codes and audit tables' names (unchecked-role-write, guard-table-write and user-id-arg use the defaults)";

/** Every guard's users table (`users.table`, "users" when not read): an argument validated as an id of any is a user's (user-id-arg). */
export const usersTables = (app: App): string[] => [...new Set(allNames(app).map((n) => n.users))];

/** Every guard's own tables (the access, rate-limit, codes and audit tables, by their configured names). */
export const guardTables = (app: App): Set<string> => new Set(allNames(app).flatMap((n) => [...n.guard.keys()]));

/** The object at `key` of a configuration object read; undefined when absent or unreadable. */
function objectIn(app: App, object: ObjectRead | undefined, key: string): ObjectRead | undefined {
  const read = object === undefined ? undefined : objectAt(app, object, key);
  return isUnreadable(read) ? undefined : read;
}

/** The string at `key` of a configuration object read, when it is one. */
function textAt(app: App, object: ObjectRead | undefined, key: string): string | undefined {
  const value = object === undefined ? undefined : member(app, object, key);
  return value !== undefined && !isUnreadable(value) && ts.isStringLiteralLike(value) ? value.text : undefined;
}

/** Query methods that narrow, order or answer the rows of the query below them. */
const QUERY_STEPS = new Set(["withIndex", "filter", "order", "collect", "take", "first", "unique", "paginate"]);

/**
 * The write facts of a function whose handler is `handler`. `argsObject`: its `args` validator
 * object, to read `v.id("t")`; `builderUser`: `ctx.user` is the caller's row.
 */
export function writeFacts(app: App, handler: ts.SignatureDeclaration, flow: ArgFlow, facts: Facts, argsObject: ts.Node | undefined, argNames: Set<string>, builderGuard: ts.CallExpression | undefined): WriteFacts {
  const all = allNames(app);
  const guard = new Map(all.flatMap((n) => [...n.guard]));
  // The role fields of a users table: of each guard whose users table it is.
  const roleFields = (table: string) => [
    ...new Set(all.flatMap((n) => ((table === ANY_USERS || n.users === table) && n.roleField !== undefined ? [n.roleField] : []))),
  ];
  const argTables = validatedIds(app, argsObject);
  const ctxParam = handler.parameters[0]?.name;
  const ctxName = ctxParam !== undefined && ts.isIdentifier(ctxParam) ? ctxParam.text : undefined;

  // A table written literally, or a `const` of the app holding one (imported or not).
  const tableName = (e: ts.Expression | undefined): string | undefined => {
    let value = e === undefined ? undefined : skipOuter(e);
    for (let depth = 0; depth < 3 && value !== undefined && ts.isIdentifier(value); depth++) {
      const decl = app.symbol(value)?.valueDeclaration;
      const isConst = decl !== undefined && ts.isVariableDeclaration(decl) && (ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const) !== 0 && app.isAppCode(decl.getSourceFile());
      value = isConst && decl.initializer !== undefined ? skipOuter(decl.initializer) : undefined;
    }
    return value !== undefined && ts.isStringLiteralLike(value) ? value.text : undefined;
  };

  // The table of the rows a query answers: `ctx.db.query("t").withIndex(...).collect()`.
  const queryTable = (e: ts.Expression): string | undefined => {
    let node = skipOuter(e);
    for (let depth = 0; depth < 12 && ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression); depth++) {
      const method = node.expression.name.text;
      if (method === "query") {
        const convex = app.calleeFrom(node, CONVEX);
        return convex?.name === "query" && isDatabase(convex.owner) ? tableName(node.arguments[0] ?? scopedTable(app, node)) : undefined;
      }
      if (!QUERY_STEPS.has(method)) return undefined;
      node = skipOuter(node.expression.expression);
    }
    return undefined;
  };

  // An array or stream of rows: a query, a `const` holding one, a `.filter`/`.slice` of one, `.page` of a paginate.
  const rowsTable = (e: ts.Expression, depth: number): string | undefined => {
    const value = skipOuter(e);
    if (ts.isIdentifier(value)) {
      const init = depth < 4 ? app.constInitializer(value) : undefined;
      return init === undefined ? undefined : rowsTable(init, depth + 1);
    }
    if (ts.isPropertyAccessExpression(value) && value.name.text === "page") return queryTable(value.expression);
    if (ts.isCallExpression(value) && ts.isPropertyAccessExpression(value.expression) && ["filter", "slice"].includes(value.expression.name.text)) {
      const inner = rowsTable(value.expression.expression, depth + 1);
      if (inner !== undefined) return inner;
    }
    return queryTable(value);
  };

  // The table a row comes from, by how its variable was bound.
  const rowTable = (row: ts.Expression, depth: number): string | undefined => {
    const name = skipOuter(row);
    if (!ts.isIdentifier(name)) return undefined;
    const decl = app.symbol(name)?.valueDeclaration;
    if (decl === undefined) return undefined;
    if (ts.isVariableDeclaration(decl) && ts.isForOfStatement(decl.parent.parent)) {
      const loop = decl.parent.parent;
      return loop.awaitModifier !== undefined ? queryTable(loop.expression) : rowsTable(loop.expression, depth + 1);
    }
    if (ts.isParameter(decl) && (ts.isArrowFunction(decl.parent) || ts.isFunctionExpression(decl.parent)) && decl.parent.parameters[0] === decl) {
      const call = decl.parent.parent;
      if (ts.isCallExpression(call) && call.arguments[0] === decl.parent && ts.isPropertyAccessExpression(call.expression) && ["map", "forEach"].includes(call.expression.name.text)) {
        return rowsTable(call.expression.expression, depth + 1);
      }
      return undefined;
    }
    const init = depth < 4 ? app.constInitializer(name) : undefined;
    if (init === undefined || !ts.isCallExpression(init)) return undefined;
    if (CALLER.has(app.calleeFrom(init, GUARD)?.name ?? "")) return callerTable(app, init);
    const convex = app.calleeFrom(init, CONVEX);
    if (convex?.name === "get" && isDatabase(convex.owner)) {
      return init.arguments.length > 1 ? tableName(init.arguments[0]) : (tableName(scopedTable(app, init)) ?? idTable(init.arguments[0], depth + 1));
    }
    return queryTable(init);
  };

  // The table an id names.
  const idTable = (e: ts.Expression | undefined, depth = 0): string | undefined => {
    if (e === undefined || depth > 4) return undefined;
    // `args.userId as Id<"users">`: a users table its cast names, as Convex's patch takes it (attack36 F5).
    const cast = idCast(app, e);
    if (cast !== undefined && all.some((n) => n.users === cast)) return cast;
    const id = skipOuter(e);
    if (ts.isCallExpression(id) && app.memberPath(id.expression).slice(-2).join(".") === "db.normalizeId") return tableName(id.arguments[0]);
    const arg = within(id, handler) ? flow.rootOf(id) : undefined;
    if (arg !== undefined && (argTables.has(arg) || !ts.isIdentifier(id))) return argTables.get(arg);
    if (ts.isIdentifier(id)) {
      const init = app.constInitializer(id);
      return init === undefined ? undefined : idTable(init, depth + 1);
    }
    if (!ts.isPropertyAccessExpression(id) || id.name.text !== "_id") return undefined;
    const row = skipOuter(id.expression);
    // `ctx.user._id` in a builder's (or customCtx's) handler: the caller's row.
    if (builderGuard !== undefined && ts.isPropertyAccessExpression(row) && row.name.text === "user" && ts.isIdentifier(skipOuter(row.expression)) && (skipOuter(row.expression) as ts.Identifier).text === ctxName) return callerTable(app, builderGuard);
    return rowTable(row, depth);
  };

  // The caller's own row: `user._id` of the guard's caller calls, `ctx.user._id`.
  const ownRow = (target: ts.Expression | undefined): boolean => {
    const id = target === undefined ? undefined : skipOuter(target);
    if (id === undefined || !ts.isPropertyAccessExpression(id) || id.name.text !== "_id") return false;
    const row = skipOuter(id.expression);
    if (ts.isPropertyAccessExpression(row)) return builderGuard !== undefined && row.name.text === "user";
    const init = ts.isIdentifier(row) ? app.constInitializer(row) : undefined;
    return init !== undefined && ts.isCallExpression(init) && CALLER.has(app.calleeFrom(init, GUARD)?.name ?? "");
  };

  const writeTable = (w: { table?: ts.Expression; target?: ts.Expression }) => (w.table !== undefined ? tableName(w.table) : idTable(w.target));
  const out: WriteFacts = { idWrites: [], roleWrites: [], tableWrites: [], accessWrites: [], tableReads: [], grantsLeft: [], accessRowDeletes: [] };
  const access = { handler, flow, argNames, callerId: ownRow, tableName, auth: facts.auth };
  const span = { file: app.loc(handler).file, start: app.loc(handler).line, end: handler.getSourceFile().getLineAndCharacterOfPosition(handler.end).line + 1 };
  const written = (at: Loc) => at.file === span.file && at.line >= span.start && at.line <= span.end;

  for (const w of facts.writes) {
    // A group's id from a row's field (`task.orgId`, `Id<"accessGroups">` by its type): its `ownerId` written is judged as by an argument's (attack34 F1).
    // The checker's types only when nothing else names the table: they cost milliseconds a write.
    const named = writeTable(w);
    const typed = named === undefined && w.target !== undefined && w.method !== "insert" ? (checkedTable(app, access, w.target) ?? typeTable(app, w.target)) : undefined;
    const table = named ?? (typed !== undefined && guard.get(typed) === "groups" ? typed : undefined);
    const kind = table === undefined ? undefined : guard.get(table);
    if (kind !== undefined && table !== undefined) out.tableWrites.push({ file: w.file, line: w.line, table, kind, method: w.method, ...(kind === "groups" && w.method !== "insert" && fieldValue(app, access, w.value, "ownerId") !== undefined ? { groupOwner: { target: w.target } } : {}) });
    out.accessWrites.push(...accessFieldWrites(app, access, w, table));
    // The document an argument names (or a `const` read by it), patched or replaced in the handler.
    if (w.method !== "insert" && w.target !== undefined && within(w.target, handler) && written(w)) {
      const via: { through?: string; change?: true } = { change: true }; // the document of an app helper (helperget.ts): its name; a row tied to a check only if it covers a write (idquery.ts)
      const arg = flow.idRoot(w.target) ?? readBy(app, flow, w.target, false, 0, via);
      const compared = arg === undefined ? undefined : readComparisons(app, handler, flow, arg, (r) => readArg(app, flow, r, { change: true }));
      delete via.change;
      if (arg !== undefined && compared?.caller === false) out.idWrites.push({ file: w.file, line: w.line, arg, method: w.method, compared: compared.args, ...via });
    }
    const fields = table === undefined ? [] : roleFields(table);
    let fromArg = false;
    const target = w.target !== undefined && within(w.target, handler) ? flow.idRoot(w.target) : undefined;
    for (const roleField of fields) {
      // Read as access-field-write reads its fields: computed keys, assignments, spreads (fieldvalue.ts).
      // A `let` given an argument's value (`let given = args.role; ... given = "admin"`): that value (letValues).
      const found = fieldValue(app, access, w.value, roleField);
      const value = found === undefined ? undefined : (letValues(app, access, found) ?? [found]).find((v) => writtenArg(access, v, roleField) !== undefined);
      const arg = value === undefined ? undefined : writtenArg(access, value, roleField);
      if (arg !== undefined) {
        out.roleWrites.push({ file: w.file, line: w.line, field: roleField, arg, own: ownRow(w.target), method: w.method, target, value: value === "args" ? w.value : value });
        fromArg = true;
        break;
      }
    }
    // A value of unknown shape (`v.any()`, an open record, a spread of one after the role) patched
    // or replaced into a users row may hold the role field, as access-field-write reads it (one
    // step lower, rules.ts).
    const open = fromArg || w.method === "insert" || fields.length === 0 ? undefined : openShape(app, w.value, fields);
    if (open !== undefined) {
      const arg = w.value !== undefined && within(w.value, handler) ? flow.argIn(w.value) : undefined;
      out.roleWrites.push({ file: w.file, line: w.line, field: fields.join("' or '"), arg, own: ownRow(w.target), method: w.method, open, target });
    }
  }
  const roleNames = { users: new Set(all.map((n) => n.users)), allRoleFields: [...new Set(all.flatMap((n) => (n.roleField === undefined ? [] : [n.roleField])))] };
  out.promotions = promotionFacts(app, { ...access, ...roleNames, tableOf: writeTable, rowTable, ownRow, roleFields, guardTables: new Set(guard.keys()), usersOf: (g) => tableNames(app, g).users }, facts.writes);
  // Reads of the guard's tables in the handler itself (guard-table-read): the table known as for a
  // write; a query followed from the end of its chain, through what keeps its rows (answerOf).
  const visit = (n: ts.Node): void => {
    const convex = ts.isCallExpression(n) ? app.calleeFrom(n, CONVEX) : undefined;
    if (ts.isCallExpression(n) && convex !== undefined && isDatabase(convex.owner) && (convex.name === "query" || convex.name === "get")) {
      const table = tableName(scopedTable(app, n)) ?? (convex.name === "query" || n.arguments.length > 1 ? tableName(n.arguments[0]) : idTable(n.arguments[0]));
      const kind = table === undefined ? undefined : guard.get(table);
      const rows = answerOf(convex.name === "query" ? chainEnd(n) : n);
      const group = convex.name === "query" ? groupPrefix(n) : undefined;
      const arg = convex.name === "get" && n.arguments.length > 0 ? flow.rootOf(n.arguments[n.arguments.length - 1]!) : group && flow.rootOf(group);
      if (kind !== undefined && table !== undefined) out.tableReads.push({ ...app.loc(n), table, kind, returned: returned(app, handler, n, rows, "rows"), arg, ...(group ? { group: true } : {}) });
    }
    ts.forEachChild(n, visit);
  };
  visit(handler);
  // Deletes: docs/access.md documents deleting a group's rows ("Deleting a group"), the README
  // old audit rows (a retention job); a deleted rate-limit or code row resets a budget or a lockout.
  let grantRows = false;
  for (const d of facts.deletes) {
    const table = d.target === undefined && d.table === undefined ? undefined : writeTable(d);
    const kind = table === undefined ? undefined : guard.get(table);
    if ((kind === "rateLimits" || kind === "codes") && table !== undefined) out.tableWrites.push({ file: d.file, line: d.line, table, kind, method: "delete" });
    if ((kind === "grants" || kind === "members") && d.byGuard !== true) out.accessRowDeletes.push({ file: d.file, line: d.line });
    // A grant row read and deleted by its `_id` (`for (const g of grants) await ctx.db.delete(g._id)`): the app removes a document's grants itself.
    const id = d.target === undefined ? undefined : skipOuter(d.target);
    if (kind === "grants" && d.byGuard !== true && id !== undefined && ts.isPropertyAccessExpression(id) && id.name.text === "_id") grantRows = true;
  }
  out.grantsLeft = grantRows ? [] : grantsLeft(app, facts, access, (d) => tableName(d.table) ?? idTable(d.target), builderGuard);
  return out;
}

/** The value of a query's first index range part on `groupId` (`.withIndex(i, (q) => q.eq("groupId", id))`): the range is that one group's rows. */
function groupPrefix(query: ts.CallExpression): ts.Expression | undefined {
  const p = query.parent;
  const call = ts.isPropertyAccessExpression(p) && p.name.text === "withIndex" && ts.isCallExpression(p.parent) ? p.parent : undefined;
  const range = call?.arguments[1];
  if (range === undefined || !ts.isArrowFunction(range) || !ts.isExpression(range.body)) return undefined;
  let part = skipOuter(range.body);
  while (ts.isCallExpression(part) && ts.isPropertyAccessExpression(part.expression) && ts.isCallExpression(skipOuter(part.expression.expression))) part = skipOuter(part.expression.expression);
  const [field, value] = ts.isCallExpression(part) ? part.arguments : [];
  return ts.isCallExpression(part) && ts.isPropertyAccessExpression(part.expression) && part.expression.name.text === "eq" && field !== undefined && ts.isStringLiteralLike(field) && field.text === "groupId" ? value : undefined;
}

/** Array methods whose answer still holds the rows they are called on (or values made of them). */
const ROW_STEPS = new Set(["map", "filter", "slice", "flatMap", "concat", "reverse", "sort", "toSorted", "toReversed", "at", "find"]);

/** Rows followed up to what holds them: `.map(...)`, `.page`, `[0]`, `{ rows: ... }`, a spread, `?:`, `??`. */
function answerOf(node: ts.Expression): ts.Expression {
  for (let depth = 0; depth < 8; depth++) {
    const o = outer(node);
    const p = o.parent;
    if (ts.isPropertyAccessExpression(p) && p.expression === o && ts.isCallExpression(p.parent) && p.parent.expression === p && ROW_STEPS.has(p.name.text)) node = p.parent;
    else if ((ts.isPropertyAccessExpression(p) && p.expression === o && p.name.text === "page") || (ts.isElementAccessExpression(p) && p.expression === o)) node = p;
    else if ((ts.isPropertyAssignment(p) && p.initializer === o) || ts.isSpreadAssignment(p)) node = p.parent;
    else if (ts.isSpreadElement(p) && ts.isArrayLiteralExpression(p.parent)) node = p.parent;
    else if (ts.isConditionalExpression(p) && p.condition !== o) node = p;
    else if (ts.isBinaryExpression(p) && (p.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || p.operatorToken.kind === ts.SyntaxKind.BarBarToken)) node = p;
    else break;
  }
  return node;
}

/** `{ id: v.id("t") }` (also under `v.optional`, or in a `const` object spread in) of an `args` validator object: argument -> table. */
function validatedIds(app: App, args: ts.Node | undefined, out = new Map<string, string>(), depth = 0): Map<string, string> {
  if (args === undefined || !ts.isObjectLiteralExpression(args) || depth > 3) return out;
  for (const p of args.properties) {
    if (ts.isSpreadAssignment(p)) validatedIds(app, resolveValue(app, p.expression), out, depth + 1); // `{ ...shared, force: v.boolean() }` (attack38 F4)
    if (!ts.isPropertyAssignment(p) || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) continue;
    let validator = skipOuter(p.initializer);
    for (let depth = 0; depth < 3 && ts.isCallExpression(validator); depth++) {
      const name = app.calleeFrom(validator, CONVEX)?.name;
      const first = validator.arguments[0];
      if (name === "optional" && first !== undefined) validator = skipOuter(first);
      else {
        if (name === "id" && first !== undefined && ts.isStringLiteralLike(first)) out.set(p.name.text, first.text);
        break;
      }
    }
  }
  return out;
}
