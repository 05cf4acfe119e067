// `unchecked-role-write` beyond a role an argument gives the handler's own write (rules.ts):
//
//   // a role from the caller, written by an internal mutation a public function runs (follow.ts's calls):
//   await ctx.runMutation(internal.users.setRole, { userId: user._id, role: args.role });   // reported here
//   // a role above the lowest, written to a users row the caller picks, by any member:
//   const u = await ctx.db.query("users").filter((q) => q.eq(q.field("name"), args.name)).first();
//   if (u) await ctx.db.patch(u._id, { role: "admin" });                                 // reported here
//   // a role from the caller stored in an app table whose rows another function writes to a users role:
//   await ctx.db.insert("invites", { email: args.email, role: args.role });               // reported here
//   await ctx.db.patch(user._id, { role: invite.role });                                  // (acceptInvite)
//
// A check of a role above the lowest or of a permission the lowest role does not hold (of the
// caller, or of the function called) covers each, as it covers the direct write (a middle role's
// check, a role written above it: rolecheck.ts).
import ts from "typescript";
import { readBy, type ArgFlow } from "./argflow.js";
import { CONVEX } from "./facts.js";
import { isDatabase, type Write } from "./facts-syntax.js";
import { fieldValue, letValues, writtenArg, type WriteScope } from "./fieldvalue.js";
import type { ConvexFunction } from "./functions.js";
import { relays, undecided } from "./follow.js";
import { appGuards } from "./guards.js";
import { refusedOwnText } from "./ownrefused.js";
import { skipOuter, within, type App, type Loc } from "./program.js";
import { anyCaller, decidesAccess, roleName, rolesOf } from "./roles.js";
import { finding, type Finding } from "./rules.js";

/** What a function's writes do with roles beyond writes.ts's `roleWrites`. */
export interface PromotionFacts {
  /** A role above the lowest written literally (or through a `const`) to a users row an argument picks, not the caller's own. */
  set: (Loc & { table: string; field: string; role: string; picked: string; value?: ts.Expression })[];
  /** A users role written from a field of a row of an app table (`{ role: invite.role }`). */
  fromRows: { table: string; field: string; fn?: string }[];
  /** An insert into an app table of an argument's value in a field named as some users role field. */
  stores: (Loc & { table: string; field: string; arg: string })[];
  /** Any role written literally (or through a `const`) to a users row (one an argument picks, the caller's own, one the function looks up itself): judged against a middle role's check (rolecheck.ts). */
  literal: (Loc & { field: string; role: string; picked?: string; own: boolean; value?: ts.Expression })[];
}

/** What writes.ts knows of a handler's writes: the tables, the caller's own row, the role fields. */
export interface PromotionScope extends WriteScope {
  tableOf: (w: Write) => string | undefined;
  rowTable: (row: ts.Expression, depth: number) => string | undefined;
  ownRow: (target: ts.Expression | undefined) => boolean;
  roleFields: (table: string) => string[];
  /** Every guard's users table and role field; the guard's own tables. */
  users: Set<string>;
  allRoleFields: string[];
  guardTables: Set<string>;
  /** The users table of one guard. */
  usersOf: (guard: ts.CallExpression) => string;
}

/** The facts of one handler's writes (`writeFacts`, writes.ts). */
export function promotionFacts(app: App, c: PromotionScope, writes: readonly Write[]): PromotionFacts {
  const out: PromotionFacts = { set: [], fromRows: [], stores: [], literal: [] };
  for (const w of writes) {
    const table = c.tableOf(w);
    if (table === undefined) continue;
    if (w.method === "insert" && !c.users.has(table) && !c.guardTables.has(table)) {
      for (const field of c.allRoleFields) {
        const value = fieldValue(app, c, w.value, field);
        const arg = value === undefined ? undefined : writtenArg(c, value, field);
        if (arg !== undefined) out.stores.push({ file: w.file, line: w.line, table, field, arg });
      }
    }
    for (const field of c.roleFields(table)) {
      const value = fieldValue(app, c, w.value, field);
      if (value === undefined || value === "args") continue;
      const v = skipOuter(value);
      const rowTable = ts.isPropertyAccessExpression(v) ? c.rowTable(v.expression, 0) : undefined;
      if (rowTable !== undefined && ts.isPropertyAccessExpression(v) && !c.users.has(rowTable)) out.fromRows.push({ table: rowTable, field: v.name.text });
      const own = w.target !== undefined && within(w.target, c.handler) && c.ownRow(w.target);
      const target = w.target === undefined || !within(w.target, c.handler) || own ? undefined : w.target;
      // Each literal role a `let` may hold (letValues), or the value's own.
      for (const role of new Set((letValues(app, c, v) ?? [v]).map((e) => roleName(app, e)))) {
        const picked = role === undefined || target === undefined || w.method === "insert" ? undefined : (c.flow.idRoot(target) ?? readBy(app, c.flow, target) ?? queriedBy(app, c.flow, target));
        if (role !== undefined && w.method !== "insert" && (target !== undefined || own)) out.literal.push({ file: w.file, line: w.line, field, role, picked, own, value: w.value });
        if (picked !== undefined && role !== undefined && aboveLowest(app, table, c.usersOf).has(role)) out.set.push({ file: w.file, line: w.line, table, field, role, picked, value: w.value });
      }
    }
  }
  return out;
}

/** `u._id` of a `const u = await ctx.db.query(t)...first()` whose query an argument takes part in: that argument. */
function queriedBy(app: App, flow: ArgFlow, target: ts.Expression): string | undefined {
  const id = skipOuter(target);
  const row = ts.isPropertyAccessExpression(id) && id.name.text === "_id" ? skipOuter(id.expression) : undefined;
  const init = row !== undefined && ts.isIdentifier(row) ? app.constInitializer(row) : undefined;
  for (let node = init, depth = 0; node !== undefined && depth < 12 && ts.isCallExpression(node); depth++) {
    const convex = app.calleeFrom(node, CONVEX);
    if (convex?.name === "query" && isDatabase(convex.owner)) return flow.argIn(init!);
    node = ts.isPropertyAccessExpression(node.expression) ? skipOuter(node.expression.expression) : undefined;
  }
  return undefined;
}

/** The roles above the lowest of each guard whose users table is `table` (none when its roles are not read). */
function aboveLowest(app: App, table: string, usersOf: (g: ts.CallExpression) => string): Set<string> {
  return new Set(appGuards(app).flatMap((g) => (usersOf(g) === table ? (rolesOf(app, g).above ?? []) : [])));
}

/** The findings: at the call of a relay, at a promotion's write, at a role's store. */
export function promotionFindings(app: App, functions: readonly ConvexFunction[]): Finding[] {
  const out: Finding[] = [];
  for (const { fn, who, call, callee } of relays(functions)) {
    const params = new Map(call.passes.map((p) => [p.param, p.arg])); // once each, `{ ...args, role: args.role }` too
    for (const [param, arg] of params) {
      for (const w of callee.writes.roleWrites.filter((r) => r.arg === param)) {
        const own = w.own || (w.target !== undefined && call.callerIds.includes(w.target));
        const message = `${fn.id} writes, through ${call.ref} (${call.how}), the role field '${w.field}' of ${own ? "the caller's own users row" : "a users row"} from argument '${arg}'${w.open === undefined ? "" : ` (a value of unknown shape, ${w.open}, that may hold it)`}, for ${who}: a caller can promote ${own ? "themselves" : "anyone"}`;
        out.push({ ...finding("unchecked-role-write", fn.id, call, message), severity: w.open === undefined ? "high" : "medium" });
      }
    }
  }
  // A row an admin's function writes to a role (an approved request) is the admin's decision.
  const readers = functions.flatMap((f) => (decidesAccess(f.facts.auth) ? [] : (f.writes.promotions?.fromRows ?? []).map((r) => ({ ...r, fn: f.id }))));
  for (const fn of functions.filter(undecided)) {
    const who = anyCaller(fn.facts.auth);
    const facts = fn.writes.promotions;
    for (const s of facts?.set ?? []) {
      out.push(finding("unchecked-role-write", fn.id, s, `${fn.id} sets the role field '${s.field}' of a users row that argument '${s.picked}' picks to '${s.role}', above the lowest role, for ${who}: a caller can promote ${refusedOwnText(app, fn.handler, s.value) ?? "anyone, themselves included"}`));
    }
    for (const s of facts?.stores ?? []) {
      const reader = readers.find((r) => r.table === s.table && r.field === s.field);
      if (reader === undefined) continue;
      out.push(finding("unchecked-role-write", fn.id, s, `${fn.id} stores argument '${s.arg}' in the field '${s.field}' of table '${s.table}', whose rows ${reader.fn} writes to a users row's role, for ${who}: a caller can choose the role a user gets, an admin's included`));
    }
  }
  return out;
}
