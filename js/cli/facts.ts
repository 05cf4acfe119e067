// What a function does, security-wise: the checks it makes, its rate limits, audit rows,
// confirmations, environment reads and deletes, found in its body and in every app function
// it calls (resolved by the type checker, across files), so a `lib/auth.ts` helper that calls
// `guard.requireUser` counts as that check.
import ts from "typescript";
import { isFunctionLike, skipOuter, type App, type Loc } from "./program.js";

export type AuthLevel = "authenticated" | "role" | "permission" | "document";

/** One authorization check, and how it was made. */
export interface AuthCheck {
  level: AuthLevel;
  /** `guard.requireRole("admin")`, `ctx.auth.getUserIdentity() + throw`, ... */
  via: string;
  handWritten: boolean;
  at: Loc;
}

export interface Use {
  via: string;
  at: Loc;
}

export interface Facts {
  auth: AuthCheck[];
  rateLimits: Use[];
  audited: Use[];
  confirmed: Use[];
  envReads: Loc[];
  deletes: (Loc & { inLoop: boolean })[];
  /** Returns a value or throws (what lets a secret out of an action). */
  exits: boolean;
}

export const emptyFacts = (): Facts => ({ auth: [], rateLimits: [], audited: [], confirmed: [], envReads: [], deletes: [], exits: false });

export function mergeFacts(into: Facts, from: Facts): void {
  into.auth.push(...from.auth);
  into.rateLimits.push(...from.rateLimits);
  into.audited.push(...from.audited);
  into.confirmed.push(...from.confirmed);
  into.envReads.push(...from.envReads);
  into.deletes.push(...from.deletes);
  into.exits ||= from.exits;
}

/** Guard methods that check authorization themselves, and the level they establish. */
const GUARD_AUTH: Record<string, AuthLevel> = {
  requireUser: "authenticated",
  requireRole: "role",
  requirePermission: "permission",
  readable: "document",
  readableMany: "document",
  requireAccess: "document",
  listAccessible: "document",
  share: "document",
  revoke: "document",
  listGrants: "document", // the share decision, as revoke
  transferOwnership: "document",
  createGroup: "authenticated", // the caller becomes the group's owner
  addGroupMember: "document", // the caller's level on the group
  removeGroupMember: "document",
  acceptGroupInvite: "authenticated", // a signed-in caller accepts their own invitation
  leaveGroup: "authenticated", // a signed-in caller leaves (or declines) for themselves
  list: "permission", // guard.audit.list: the configured readers only
};
/** Guard decisions that are a check only when a denial leaves the function (`if (!can) throw`). */
const GUARD_DECISIONS: Record<string, AuthLevel> = { can: "permission", roleAtLeast: "role", getUser: "authenticated" };
const GUARD_RATE_LIMITS = new Set(["rateLimit", "checkRateLimit", "rateLimitAll"]);
const GUARD_CONFIRMS = new Set(["consumeConfirmation", "assertConfirmed"]);
/** Array methods whose function argument runs once per element: a delete inside is a loop. */
const ITERATING = new Set(["forEach", "map", "flatMap", "filter", "reduce", "some", "every"]);

export const GUARD = "convex-guard";
export const CONVEX = "convex";

/** Facts of functions, computed once each (a helper called by 50 functions is walked once). */
export class FactsFinder {
  private readonly memo = new Map<ts.Node, Facts>();

  constructor(private readonly app: App) {}

  /** The facts of a function and of every app function it reaches. */
  of(fn: ts.Node): Facts {
    const known = this.memo.get(fn);
    if (known !== undefined) return known;
    const facts = emptyFacts();
    this.memo.set(fn, facts); // a recursive helper sees what is known so far
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) this.call(node, fn, facts);
      else if (ts.isPropertyAccessExpression(node) && this.isProcessEnv(node)) facts.envReads.push(this.app.loc(node));
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
      const via = `guard.${trail ? "audit." : ""}${guard.name}${firstLiteral(call)}`;
      const level = GUARD_AUTH[guard.name];
      if (level !== undefined) facts.auth.push({ level, via, handWritten: false, at });
      const decision = GUARD_DECISIONS[guard.name];
      if (decision !== undefined && exitsOnDenial(call)) {
        facts.auth.push({ level: decision, via: `${via} + exit`, handWritten: true, at });
      }
      if (GUARD_RATE_LIMITS.has(guard.name)) facts.rateLimits.push({ via, at });
      if (GUARD_CONFIRMS.has(guard.name)) facts.confirmed.push({ via, at });
      if (guard.name === "log") facts.audited.push({ via: "guard.audit.log", at });
      // It deletes a user's security state: as destructive as a db.delete.
      if (guard.name === "forgetUser") facts.deletes.push({ ...at, inLoop: inLoop(call, fn) });
      return;
    }
    const convex = app.calleeFrom(call, CONVEX);
    if (convex !== undefined) {
      if (convex.name === "getUserIdentity" && exitsOnDenial(call)) {
        facts.auth.push({ level: "authenticated", via: "ctx.auth.getUserIdentity() + exit", handWritten: true, at: app.loc(call) });
      }
      if (convex.name === "delete" && isDatabase(convex.owner)) {
        facts.deletes.push({ ...app.loc(call), inLoop: inLoop(call, fn) });
      }
      return;
    }
    const helper = app.appFunction(call);
    if (helper !== undefined && helper !== fn) {
      // Shown as `currentUser -> guard.requireUser`: which helper made the check.
      const found = this.of(helper);
      const name = helper.name !== undefined && ts.isIdentifier(helper.name) ? helper.name.text : skipOuter(call.expression).getText();
      mergeFacts(facts, {
        ...found,
        auth: found.auth.map((a) => ({ ...a, via: a.via.startsWith(`${name} -> `) ? a.via : `${name} -> ${a.via}` })),
        rateLimits: found.rateLimits.map((r) => ({ ...r, via: `${name} -> ${r.via}` })),
      });
    }
  }

  /** `process.env`, where `process` is the global (not a local of that name). */
  private isProcessEnv(node: ts.PropertyAccessExpression): boolean {
    if (node.name.text !== "env" || !ts.isIdentifier(node.expression) || node.expression.text !== "process") return false;
    const decl = this.app.symbol(node.expression)?.declarations?.[0];
    return decl === undefined || decl.getSourceFile().isDeclarationFile;
  }
}

/** `GenericDatabaseWriter`, `BaseTableWriter`: the database, not file storage. */
export function isDatabase(owner: string): boolean {
  return owner.includes("Database") || owner.startsWith("BaseTable");
}

/** ` "admin"` for `requireRole(ctx, "admin")`: the first string literal argument, for the report. */
function firstLiteral(call: ts.CallExpression): string {
  const literal = call.arguments.find((a) => ts.isStringLiteral(a));
  return literal !== undefined && ts.isStringLiteral(literal) ? `("${literal.text}")` : "";
}

/**
 * Whether a denial from this call leaves the function: the call is tested by an `if` whose
 * branch throws or returns, directly (`if (!(await ctx.auth.getUserIdentity())) throw ...`) or
 * through the variable it initializes (`const identity = ...; if (identity === null) throw`).
 */
export function exitsOnDenial(call: ts.CallExpression): boolean {
  let node: ts.Node = call;
  while (ts.isAwaitExpression(node.parent) || ts.isParenthesizedExpression(node.parent) || ts.isPrefixUnaryExpression(node.parent) || ts.isBinaryExpression(node.parent)) {
    node = node.parent;
  }
  if (ts.isIfStatement(node.parent) && node.parent.expression === node) return leaves(node.parent.thenStatement);
  if (!ts.isVariableDeclaration(node.parent) || !ts.isIdentifier(node.parent.name)) return false;
  const name = node.parent.name;
  const body = enclosingFunction(call);
  if (body === undefined) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isIfStatement(n) && mentions(n.expression, name) && leaves(n.thenStatement)) found = true;
    else if (!isFunctionLike(n) || n === body) ts.forEachChild(n, visit);
  };
  visit(body);
  return found;
}

/** Whether a branch throws or returns (without entering nested functions). */
function leaves(branch: ts.Statement): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || isFunctionLike(n)) return;
    if (ts.isThrowStatement(n) || ts.isReturnStatement(n)) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(branch);
  return found;
}

/** Whether an expression refers to the same variable as `name` (by text within one function). */
export function mentions(expr: ts.Node, name: ts.Identifier): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(n) && n.text === name.text && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(expr);
  return found;
}

export function enclosingFunction(node: ts.Node): ts.SignatureDeclaration | undefined {
  for (let n = node.parent; n !== undefined; n = n.parent) if (isFunctionLike(n)) return n;
  return undefined;
}

/** Whether a call runs in a loop of `fn`: a loop statement, or a callback of `forEach`/`map`. */
function inLoop(call: ts.Node, fn: ts.Node): boolean {
  for (let n = call.parent; n !== undefined && n !== fn; n = n.parent) {
    if (ts.isForStatement(n) || ts.isForOfStatement(n) || ts.isForInStatement(n) || ts.isWhileStatement(n) || ts.isDoStatement(n)) return true;
    if (isFunctionLike(n) && ts.isCallExpression(n.parent)) {
      const callee = skipOuter(n.parent.expression);
      if (ts.isPropertyAccessExpression(callee) && ITERATING.has(callee.name.text)) return true;
    }
  }
  return false;
}
