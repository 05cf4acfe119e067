// What a function does, security-wise: the checks it makes, its rate limits, audit rows, confirmations,
// environment reads and deletes, found in its body and in every app function it calls (resolved by the
// type checker, across files), so a `lib/auth.ts` helper that calls `guard.requireUser` counts as that check.
import ts from "typescript";
import { alwaysLeaves, keepChanges, outer, swallowed, type Denial } from "./flow.js";
import { GUARD, isFunctionLike, skipOuter, type App, type Loc } from "./program.js";
import { answersConfirmation, confirmsAnswer, rollbacksOf } from "./rollback.js";
import { assertedLate, auditGate, confirmationGate, okHelper, type Gate } from "./confirmgate.js";
import { caughtHelper } from "./caughtcheck.js";
import { argumentFor, guardShown, databaseWrite, GUARD_WRITES, enclosingFunction, envNames, exitsOnDenial, firstLiteral, inLoop, isDatabase, lastArgument, schedules, scopedTable, tested, throwingIn, unused, type Write } from "./facts-syntax.js";
import { moduleEnvRead, readsEnv } from "./envreads.js";
import { optionValue, throwsShown } from "./options.js";
import { lostAt, lostThrough } from "./lostrows.js";
import { changesBefore, checkedAfter, checkKey, fork, mayReturn, returnsDataBefore, skippedToCatch, strength } from "./paths.js";
import { givenLevel, leveledAnswer, passLevel, passLevels, type GivenLevel } from "./levelat.js";
import { answerExit, comparedGroupLevel, readableExit } from "./readable.js";
import { literalThrough } from "./config.js";
import { decisionSubject, passSubjects } from "./subject.js";
import { deniedWrite, refusalLog } from "./decidedbranch.js";

export type AuthLevel = "authenticated" | "role" | "permission" | "document";
/** One authorization check, and how it was made. */
export interface AuthCheck {
  level: AuthLevel;
  /** `guard.requireRole("admin")`, `ctx.auth.getUserIdentity() + throw`, ... */
  via: string;
  handWritten: boolean;
  at: Loc;
  /** A document check's id argument (`guard.requireAccess(ctx, "posts", id, "owner")`). */
  target?: ts.Expression;
  /** A document check's level when read (`"owner"`, also passed so to a helper's parameter); `levelArg`: its level argument as the calls up to here pass it (levelat.ts `passLevel`). */
  minLevel?: string; levelArg?: ts.Expression;
  /** The argument a builder's `access: { arg }` checks. */
  targetArg?: string;
  /** A role check's role, or a permission check's permission, as written (`"user"` of `requireRole(ctx, "user")`, a builder's `role` or `permission`). */
  role?: ts.Node;
  /** Set by roles.ts: the role checked is the lowest configured one, or holds the permission checked (`heldPermission`): every user with a role passes; or (`scoped`: the check, as findings name it) a role a tenant scopes passes it; `chosen`: why a role not read is taken as the lowest (unreadrole.ts). */
  everyRole?: string; heldPermission?: string; scoped?: string; chosen?: string;
  /** Set by roles.ts for a role check above the lowest (or a permission check, at the lowest role holding it) whose guard's roles are read: its role and the roles ranked above it (rolecheck.ts). */
  ranked?: { role: string; above: string[]; permission?: string };
  /** Made on some paths only (`if (args.strict) await guard.requireUser(ctx)`): no check. */
  conditional?: boolean;
  /** The guard's call that made it (`guard.requireRole(...)`, a builder's): its guard's configuration judges it (guards.ts). */
  guardCall?: ts.CallExpression;
  /** A decision (`can`, `roleAtLeast`) about a parameter of the function making it: the caller's check only if its call passes the caller's row (subject.ts). */
  subject?: ts.Identifier;
  /** A `readable` whose null leaves only as the function's answer: the caller of that function must leave on it in turn (readable.ts). */
  handedOn?: boolean;
}
export interface Use {
  via: string;
  at: Loc;
  /** A rate limit's keys, as written (judged against the handler's arguments by functions.ts). */
  keys?: ts.Expression[];
  /** A builder's `key: { arg: "orgId" }`, on every limit of its list: the argument named (functions.ts). */
  argKey?: string;
  /** Taken on some paths only: no limit. */
  conditional?: boolean;
}
export interface Facts {
  auth: AuthCheck[];
  rateLimits: Use[];
  /** `lostAt`: a throw on every path after the row is written, which rolls it back in a mutation (lostrows.ts). */
  audited: (Use & { lostAt?: Loc; gate?: Gate })[]; // `gate`: whether it covers a delete (confirmgate.ts)
  confirmed: (Use & { gate?: Gate; late?: true })[]; // `late`: an assert after another change (confirmgate.ts assertedLate)
  /**
   * Throws reached when a `guard.consumeConfirmation` answer is not ok: in a mutation, they roll
   * back the spent attempt. `answers`, when present, says whether the call (a helper's, or
   * `ctx.runMutation`) answers a confirmation at all: asked by the rule, in mutations only.
   */
  rollbacks: (Use & { answers?: () => boolean })[];
  /** `name`: the variable read, when written literally (`process.env.API_KEY`, `const { API_KEY } = process.env`). */
  envReads: (Loc & { names?: string[] })[];
  /** `table`: the table argument, when given (`ctx.db.delete("posts", id)`); `byGuard`: guard.deleteDocument's (its grants go with it: grantsleft.ts). */
  deletes: (Loc & { inLoop: boolean; target?: ts.Expression; table?: ts.Expression; byGuard?: true; call?: ts.CallExpression })[];
  writes: Write[];
  /** `ctx.runQuery`, `runMutation`, `runAction`: the audit does not follow them into the function they call. */
  runs: (Loc & { method: string })[];
  /** Returns a value or throws (what lets a secret out of an action). */
  exits: boolean;
  /** `levelAtLeast` on a level the function was given, judged where it is called (levelat.ts). */
  givenLevels: GivenLevel[];
  /** A check or a limit made whose denial is not seen to leave (`why`: "whose denial (null) it does not leave on"): named when none holds. */
  loose: (Use & { kind: "auth" | "limit"; why: string; late?: true })[]; // `late`: a limit an action takes after its work (latechecks.ts)
}

export const emptyFacts = (): Facts => ({ auth: [], rateLimits: [], audited: [], confirmed: [], rollbacks: [], envReads: [], deletes: [], writes: [], runs: [], exits: false, givenLevels: [], loose: [] });

export function mergeFacts(into: Facts, from: Facts): void {
  into.auth.push(...from.auth);
  into.rateLimits.push(...from.rateLimits);
  into.audited.push(...from.audited);
  into.confirmed.push(...from.confirmed);
  into.rollbacks.push(...from.rollbacks);
  into.envReads.push(...from.envReads);
  into.deletes.push(...from.deletes);
  into.writes.push(...from.writes);
  into.runs.push(...from.runs);
  into.exits ||= from.exits;
  into.givenLevels.push(...from.givenLevels);
  into.loose.push(...from.loose);
}

/** Guard methods that check authorization themselves, and the level they establish. */
export const GUARD_AUTH: Record<string, AuthLevel> = {
  requireUser: "authenticated",
  requireRole: "role",
  requirePermission: "permission",
  readable: "document",
  readableMany: "document",
  requireAccess: "document",
  listAccessible: "document",
  listMyGroups: "document", // the caller's own groups: none for an anonymous caller
  share: "document",
  revoke: "document",
  listGrants: "document", // the share decision, as revoke
  transferOwnership: "document",
  moveDocument: "document", deleteDocument: "document", // the owner only, as transferOwnership (deleteDocument: a delete too, below)
  createGroup: "authenticated", insertDocument: "authenticated", // the caller becomes the group's (the document's) owner
  addGroupMember: "document", // the caller's level on the group
  removeGroupMember: "document",
  acceptGroupInvite: "document", // a signed-in caller accepts their own invitation: then a member of that group (any level: levels.ts)
  leaveGroup: "authenticated", // a signed-in caller leaves (or declines) for themselves
  requireGroupLevel: "document", // the caller's level on the group its second argument names (its row then read by that id is no unchecked read)
  listGroupMembers: "document", renameGroup: "document", groupLevel: "document", // the same: any level (NOT_FOUND below), the owner level; groupLevel when its null leaves (readable.ts)
  list: "permission", // guard.audit.list: the configured readers only
};
/** Checks of the caller's level on the group their second argument names (acceptGroupInvite: a member after it; the *For ones, a named user's on their third: namedusers.ts); those made at the owner level. */
export const GROUP_CHECKS = new Set(["requireGroupLevel", "listGroupMembers", "renameGroup", "groupLevel", "acceptGroupInvite", "groupLevelFor", "requireGroupLevelFor"]), OWNER_CHECKS = new Set(["deleteDocument", "renameGroup"]);
/** Guard decisions that are a check only when a denial leaves the function (`if (!can) throw`). */
const GUARD_DECISIONS: Record<string, { level: AuthLevel; denial: Denial }> = {
  can: { level: "permission", denial: false },
  roleAtLeast: { level: "role", denial: false },
  getUser: { level: "authenticated", denial: null },
};
/** Why a check or a limit made holds nothing: `denial`, as it is answered, is not seen to leave. */
const leftOn = (denial: string) => `whose denial (${denial}) it does not leave on by a throw or a return of no data`;
/** Guard checks that answer a denial (null, fewer rows) instead of throwing it. */
export const ANSWERING = new Set(["readable", "readableMany", "listAccessible", "listMyGroups"]);
/** Calls that take from a limit. `checkRateLimit` only looks (it takes nothing): never a limit. */
const GUARD_RATE_LIMITS = new Set(["rateLimit", "rateLimitAll"]);
/** Calls whose value is random or the clock: a rate-limit key made of one is a new budget each call. */
const RANDOM = new Set(["Math.random", "crypto.randomUUID", "crypto.getRandomValues", "Date.now", "performance.now"]);
/** Calls of another Convex function, which the audit does not follow. */
export const RUNS = new Set(["runQuery", "runMutation", "runAction"]);
export { GUARD } from "./program.js";
export const CONVEX = "convex";
/** The guard calls that answer the caller's own user row (they throw, or answer null, otherwise). */
export const CALLER = new Set(["requireUser", "getUser", "requireRole", "requirePermission"]);

/** Facts of functions, computed once each (a helper called by 50 functions is walked once). */
export class FactsFinder {
  private readonly memo = new Map<ts.Node, Facts>();
  private readonly made = new Map<ts.Node, Map<string, boolean>>(); // makes' answers per fragment and kind or checkKey: an else-if chain read once, not 2^n times
  constructor(private readonly app: App) { keepChanges(app, (code) => this.changes(code as ts.Statement, true)); } // what a denial's exits read (flow.ts `leavesUnchanged`), a log of the refusal allowed

  /** The facts of a function and of every app function it reaches. */
  of(fn: ts.Node): Facts {
    const known = this.memo.get(fn);
    if (known !== undefined) return known;
    const facts = emptyFacts();
    this.memo.set(fn, facts); // a recursive helper sees what is known so far
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) this.call(node, fn, facts);
      else if (readsEnv(this.app, node)) facts.envReads.push({ ...this.app.loc(node), names: envNames(node) });
      else if (ts.isIdentifier(node)) {
        const moduleRead = moduleEnvRead(this.app, node);
        if (moduleRead !== undefined) facts.envReads.push(moduleRead);
      }
      else if (ts.isThrowStatement(node)) facts.exits = true;
      else if (ts.isReturnStatement(node) && node.expression !== undefined) facts.exits = true;
      else if (ts.isArrowFunction(node) && node === fn && !ts.isBlock(node.body)) facts.exits = true;
      ts.forEachChild(node, visit);
    };
    visit(fn);
    return facts;
  }

  private call(call: ts.CallExpression, fn: ts.Node, facts: Facts): void {
    const app = this.app;
    const guard = app.calleeFrom(call, GUARD);
    if (guard !== undefined) {
      // `log` and `list` are generic names: only the audit trail's count.
      const trail = guard.owner === "Audit";
      if ((guard.name === "log" || guard.name === "list") && !trail) return;
      const at = app.loc(call);
      const via = `${guardShown(call, trail)}.${guard.name}${firstLiteral(call)}`;
      // A check whose throw is caught and dropped (or never awaited) lets the caller through.
      const lost = swallowed(call, isFunctionLike(fn) ? fn : (enclosingFunction(call) ?? fn), guard.sync !== true); // in the whole function, not a fragment makes reads
      const level = GUARD_AUTH[guard.name];
      // `readable` and its kin answer null (or leave out) instead of throwing: an answer
      // thrown away checked nothing, and `readable` counts only when its null leaves the
      // function (an exit, or the answer returned: readable.ts).
      const exit = answerExit(app, guard.name, call);
      const discarded = (ANSWERING.has(guard.name) && unused(call)) || exit === undefined;
      if (level !== undefined && !lost && !discarded) {
        const g = GROUP_CHECKS.has(guard.name) ? 1 : 2, levelArg = guard.name === "groupLevel" ? comparedGroupLevel(app, call) : call.arguments[g + 1];
        const document = level === "document" ? { target: call.arguments[g], minLevel: OWNER_CHECKS.has(guard.name) ? "owner" : literalThrough(app, levelArg), levelArg } : {};
        const role = level === "role" || guard.name === "requirePermission" ? { role: lastArgument(call) } : {};
        const handedOn = exit === "returned" ? { handedOn: true } : {};
        facts.auth.push({ level, via, handWritten: false, at, ...document, ...role, ...handedOn, conditional: this.conditional(call, fn, "auth", () => strength(app, [{ level, ...role, guardCall: call }])), guardCall: call });
      } else if (level !== undefined && !lost) facts.loose.push({ kind: "auth", via, at, why: exit === undefined ? leftOn("null") : "whose answer it does not use" });
      const decision = GUARD_DECISIONS[guard.name];
      // A decision about a role name or another row than the caller's is no check of the caller.
      const subject = decision === undefined || guard.name === "getUser" ? "caller" : decisionSubject(app, call);
      if (decision !== undefined && subject !== "other" && !exitsOnDenial(app, call, decision.denial)) facts.loose.push({ kind: "auth", via, at, why: leftOn(String(decision.denial)) + deniedWrite(app, call, decision.denial) });
      else if (decision !== undefined && subject !== "other") {
        const role = guard.name === "getUser" ? {} : { role: lastArgument(call) };
        const sometimes = this.conditional(call, fn, "auth", () => strength(app, [{ level: decision.level, ...role, guardCall: call }]));
        facts.auth.push({ level: decision.level, via: `${via} + exit`, handWritten: true, at, ...role, ...(subject === "caller" ? {} : { subject }), conditional: sometimes, guardCall: call });
      }
      // `levelAtLeast(r.accessLevel, "editor")` left on a denial: the document `r` answered for, checked at that level (levelat.ts).
      const leveled = leveledAnswer(app, call, guard.name); // or a readable's own `accessLevel` tested equal to a literal level
      if (leveled !== undefined) {
        const sometimes = this.conditional(call, fn, "auth", () => strength(app, [{ level: "document", guardCall: call }]));
        facts.auth.push({ level: "document", via: `${via} + exit`, handWritten: true, at, target: leveled.answer.arguments[2], minLevel: literalThrough(app, leveled.level), levelArg: leveled.level, conditional: sometimes, guardCall: call });
      }
      // In a helper, on an answer (or a level) it was given: judged at the helper's call.
      const given = guard.name === "levelAtLeast" && leveled === undefined ? givenLevel(app, call) : undefined;
      if (given !== undefined) {
        const sometimes = this.conditional(call, fn, "auth", () => strength(app, [{ level: "document", guardCall: call }]));
        facts.givenLevels.push({ ...given, via: `${via} + throw`, at, guardCall: call, conditional: sometimes });
      }
      if (GUARD_RATE_LIMITS.has(guard.name) && !lost) {
        const limit = this.rateLimit(call);
        if (typeof limit === "string") facts.loose.push({ kind: "limit", via, at, why: limit });
        else facts.rateLimits.push({ via, at, keys: limit.keys, conditional: this.conditional(call, fn, "limit") });
      }
      // A confirmation counts when its answer decides something (`if (result.ok) ...`).
      if ((guard.name === "consumeConfirmation" && tested(call)) || (guard.name === "assertConfirmed" && !lost && confirmsAnswer(app, call))) facts.confirmed.push({ via, at, ...(guard.name === "consumeConfirmation" ? { gate: confirmationGate(app, call) } : assertedLate(app, call) ? { late: true as const } : {}) });
      // A throw on its failure still counts as a confirmation (the code guards what follows);
      // it is reported by its own rule, confirmation-rollback.
      if (guard.name === "consumeConfirmation") rollbacksOf(app, call, facts.rollbacks, via);
      if (guard.name === "log" && !lost) facts.audited.push({ via: `${guardShown(call, true)}.log`, at, gate: auditGate(app, call), ...lostAt(app, call) });
      // forgetUser deletes a user's security state, deleteDocument a document at the owner level: each as destructive as a db.delete.
      if (guard.name === "forgetUser" || guard.name === "deleteDocument") facts.deletes.push({ ...at, call, inLoop: inLoop(call, fn), ...(guard.name === "deleteDocument" ? { target: call.arguments[2], table: call.arguments[1], byGuard: true as const } : {}) });
      return;
    }
    // A mutation's ctx.runMutation runs in its transaction: a throw after it rolls the consume back too.
    const callee = skipOuter(call.expression);
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === "runMutation") rollbacksOf(app, call, facts.rollbacks, "ctx.runMutation", () => answersConfirmation(app, call, undefined, GUARD));
    if (ts.isPropertyAccessExpression(callee) && RUNS.has(callee.name.text)) facts.runs.push({ ...app.loc(call), method: callee.name.text });
    const convex = app.calleeFrom(call, CONVEX);
    if (convex !== undefined) {
      if (convex.name === "getUserIdentity" && exitsOnDenial(app, call, null)) {
        facts.auth.push({ level: "authenticated", via: "ctx.auth.getUserIdentity() + exit", handWritten: true, at: app.loc(call), conditional: this.conditional(call, fn, "auth") });
      } else if (convex.name === "getUserIdentity") facts.loose.push({ kind: "auth", via: "ctx.auth.getUserIdentity()", at: app.loc(call), why: leftOn("null") });
      if (convex.name === "delete" && isDatabase(convex.owner)) {
        facts.deletes.push({ ...app.loc(call), call, inLoop: inLoop(call, fn), target: call.arguments[call.arguments.length - 1], table: call.arguments.length > 1 ? call.arguments[0] : scopedTable(app, call) });
      }
      const write = databaseWrite(convex, call, scopedTable(app, call));
      if (write !== undefined) facts.writes.push({ ...app.loc(call), ...write });
      return;
    }
    const helper = app.appFunction(call);
    if (helper !== undefined && helper !== fn) {
      // `const r = await consumeCode(ctx, ...)`: the helper hands on the guard's answer.
      rollbacksOf(app, call, facts.rollbacks, skipOuter(call.expression).getText(), () => answersConfirmation(app, call, helper, GUARD));
      // Shown as `currentUser -> guard.requireUser`: which helper made the check.
      // A helper whose throw is caught (or not awaited) checks and limits nothing for the caller.
      const lost = swallowed(call, fn, (ts.getCombinedModifierFlags(helper as ts.Declaration) & ts.ModifierFlags.Async) !== 0);
      const all = this.of(helper);
      const found = lost ? { ...all, auth: [], rateLimits: [], confirmed: [], rollbacks: [], givenLevels: [] } : caughtHelper(app, call, helper, okHelper(app, call, helper, all)); // `return r.ok` (confirmgate.ts); a check caught into an answer (caughtcheck.ts)
      const name = helper.name !== undefined && ts.isIdentifier(helper.name) ? helper.name.text : skipOuter(call.expression).getText();
      // A key or a document id the helper takes as a parameter is what this call passes.
      const passed = (e: ts.Expression | undefined) => (e === undefined ? undefined : argumentFor(app, e, helper, call));
      // A `readable` answer the helper hands back leaves this function only if it leaves on it too (readable.ts).
      const handedOn = found.auth.some((a) => a.handedOn === true) ? readableExit(app, call) : undefined;
      const kept = found.auth.filter((a) => a.handedOn !== true || handedOn !== undefined).map((a) => (a.handedOn === true && handedOn === "leaves" ? { ...a, handedOn: false } : a));
      // A comparison of a level the helper was given: a check when this call gives it a readable's answer (levelat.ts).
      const levels = passLevels(app, found.givenLevels, (e) => passed(e)!, call);
      const auth = [...passSubjects(app, kept, (e) => passed(e)!).map((a) => ({ ...a, target: passed(a.target), role: a.role !== undefined && ts.isExpression(a.role) ? passed(a.role) : a.role, ...passLevel(app, a, helper, call) })), ...levels.auth];
      const authSometimes = auth.length > 0 && this.conditional(call, fn, "auth", () => strength(app, auth.filter((a) => a.conditional !== true && a.subject === undefined)));
      const limitSometimes = found.rateLimits.length > 0 && this.conditional(call, fn, "limit");
      mergeFacts(facts, {
        ...found,
        auth: auth.map((a) => ({ ...a, via: a.via.startsWith(`${name} -> `) ? a.via : `${name} -> ${a.via}`, conditional: a.conditional === true || authSometimes })),
        audited: lostThrough(app, call, found.audited),
        rateLimits: found.rateLimits.map((r) => ({ ...r, via: `${name} -> ${r.via}`, conditional: r.conditional === true || limitSometimes, keys: r.keys?.map((k) => passed(k)!) })),
        deletes: found.deletes.map((d) => ({ ...d, target: passed(d.target), table: passed(d.table) })),
        writes: found.writes.map((w) => ({ ...w, table: passed(w.table), target: passed(w.target), value: passed(w.value) })),
        givenLevels: levels.levels.map((l) => ({ ...l, via: `${name} -> ${l.via}` })),
        loose: found.loose.map((l) => ({ ...l, via: `${name} -> ${l.via}` })),
      });
    }
  }

  /**
   * Whether a call runs on some paths of `fn` only: in a branch of an `if` or `?:` whose other branch neither makes a check as strong (`need`: the
   * call's, paths.ts `strength`; a limit: any) nor leaves (no `else`: unless the code after the `if` leaves at once, or makes the same check, checkKey,
   * before it can leave), right of `&&`/`||`/`??`, in a `switch` case or a `catch`, or after a return of data not made after that same check. Loops and nested
   * functions are neutral (a check per element). */
  private conditional(call: ts.Node, fn: ts.Node, kind: "auth" | "limit", need?: () => number): boolean {
    let least: number | undefined; // the strength the other branch must make, asked once
    const makes = (code: ts.Node) => this.makes(code, kind, undefined, kind === "auth" && need !== undefined ? (least ??= need()) : 0);
    const same = (code: ts.Node) => this.makes(code, kind, call);
    if (kind === "auth" ? returnsDataBefore(call, fn, same) || skippedToCatch(call, fn, same, (s) => this.changes(s)) : changesBefore(call, fn, makes, (s) => this.changes(s))) return true;
    // On the right of `&&`/`||`: conditional, unless a decision in an `if`'s test (`if (user === null || !guard.can(user, p)) throw` leaves on
    // every denial; a `require...` there is skipped). Up to the function, or to a fragment `makes` reads, that included (an `if` at its top).
    const throwing = kind === "auth" && ts.isCallExpression(call) && /^require/.test(this.app.calleeFrom(call, GUARD)?.name ?? "");
    let shortCircuited = false;
    for (let node: ts.Node = call, p = call.parent; p !== undefined && (p !== fn || !isFunctionLike(fn)); node = p, p = p.parent) {
      if (ts.isIfStatement(p) && node === p.expression && !throwing) shortCircuited = false;
      else if (shortCircuited && ts.isStatement(p)) return true;
      const branch = fork(p, node);
      if (branch === "clause") return true;
      else if (branch === "short") shortCircuited = true;
      else if (branch !== undefined && ts.isIfStatement(p)) {
        const other = branch.other as ts.Statement | undefined;
        // Leaving counts only when nothing is changed on the way out (`else { await ctx.db.delete(id); return null }` deletes unchecked).
        const leaves = (s: ts.Statement) => alwaysLeaves(s, throwingIn(this.app)) && !this.changes(s, true);
        if (other === undefined ? !checkedAfter(p, same, leaves) : !(leaves(other) || makes(other))) return true;
      } else if (branch !== undefined && !makes(branch.other!)) return true;
      if (p === fn) break;
    }
    return shortCircuited;
  }

  /**
   * Whether code changes data that its leaving keeps: a `ctx.db` insert, patch, replace or delete
   * (also through the app's helpers, `forgetUser` too) or a guard write (`share`, `insertDocument`:
   * GUARD_WRITES) unless every path of it throws (a mutation rolls them back), and always
   * `ctx.runMutation`/`runAction`, a schedule or a `ctx.storage` write (an action's are kept by its throw);
   * `logs`: a denial's, an insert that logs the refusal aside (decidedbranch.ts `refusalLog`).
   */
  changes(code: ts.Statement, logs = false): boolean {
    const scratch = emptyFacts();
    let kept = false, written = false;
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n)) {
        this.call(n, code, scratch);
        const path = this.app.memberPath(n.expression);
        kept ||= schedules(path) || (path.at(-2) === "storage" && /^(store|delete)$/.test(path.at(-1) ?? ""));
        written ||= GUARD_WRITES.has(this.app.calleeFrom(n, GUARD)?.name ?? "");
      }
      if (!isFunctionLike(n)) ts.forEachChild(n, visit);
    };
    visit(code);
    const rolledBack = !mayReturn(code) && alwaysLeaves(code, throwingIn(this.app)); // every path throws
    return kept || scratch.runs.some((r) => r.method !== "runQuery") || (!rolledBack && (written || scratch.deletes.length + scratch.writes.filter((w) => !(logs && refusalLog(this.app, w))).length > 0));
  }

  /** Whether code makes a check (or takes a limit) of its own, on every path of it (with `like`, that same check; `least`, one that strong: 0, a listing does not count; paths.ts `strength`). */
  makes(code: ts.Node, kind: "auth" | "limit", like?: ts.Node, least = 0): boolean {
    const key = like !== undefined ? (kind === "auth" ? checkKey(this.app, like) : undefined) : least !== 0 ? `${kind}>=${least}` : kind;
    const made = this.made.get(code) ?? this.made.set(code, new Map()).get(code)!;
    if (key === undefined || made.has(key)) return key !== undefined && made.get(key)!;
    made.set(key, false); // while it is read: a fragment reached again makes nothing
    const scratch = emptyFacts();
    const found = () => (like === undefined ? (kind === "auth" ? scratch.auth : scratch.rateLimits).some((a) => !a.conditional && (!("level" in a) || (a.subject === undefined && strength(this.app, [a]) >= least))) : scratch.auth.some((a) => !a.conditional && a.guardCall !== undefined && checkKey(this.app, a.guardCall) === key));
    let answer = false; // read up to the first such check only
    const visit = (n: ts.Node): void => {
      if (!answer && ts.isCallExpression(n)) answer = (this.call(n, code, scratch), found());
      if (!answer && !isFunctionLike(n)) ts.forEachChild(n, visit);
    };
    visit(code);
    made.set(key, answer);
    return answer;
  }

  /**
   * A rate limit that limits: its denial throws, or (with `throws: false`) its answer is tested
   * by an exit or returned; and no key is random or the clock. Else why it limits nothing.
   */
  private rateLimit(call: ts.CallExpression): { keys: ts.Expression[] } | string {
    const options = call.arguments[2];
    const throwsValue = options === undefined ? undefined : optionValue(this.app, options, "throws");
    const quiet = throwsValue !== undefined && throwsValue.kind !== ts.SyntaxKind.TrueKeyword;
    if (quiet && !exitsOnDenial(this.app, call, "decision", true) && !ts.isReturnStatement(outer(call).parent)) return leftOn(throwsShown(throwsValue));
    const keys: ts.Expression[] = [];
    const requests = call.arguments[1] === undefined ? undefined : skipOuter(call.arguments[1]);
    if (requests !== undefined && ts.isArrayLiteralExpression(requests)) {
      for (const r of requests.elements) {
        const key = optionValue(this.app, r, "key");
        if (key !== undefined) keys.push(key);
      }
    } else if (options !== undefined) {
      const key = optionValue(this.app, options, "key");
      if (key !== undefined) keys.push(key);
    }
    return keys.some((k) => this.random(k)) ? "keyed by a random value or the clock, a new budget per call" : { keys };
  }

  /** Whether an expression takes a random value or the time (`Math.random()`, `crypto.randomUUID()`). */
  private random(e: ts.Node): boolean {
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if (ts.isCallExpression(n) && RANDOM.has(this.app.memberPath(n.expression).join("."))) found = true;
      else if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === "Date") found = true;
      else if (ts.isIdentifier(n) && n !== e && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) {
        // (a member name is never a constant; asking for its symbol would type its object)
        const init = this.app.constInitializer(n);
        if (init !== undefined && !isFunctionLike(init)) visit(init);
      } else ts.forEachChild(n, visit);
    };
    visit(e);
    return found;
  }
}
