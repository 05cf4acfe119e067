// "Its author, or whoever may moderate it", for `unchecked-id-delete` and `unchecked-id-write`: a
// document check made only where the caller is not the changed row's owner covers the change as
// one made on every path would, the owner comparison covering the others (newuser24):
//
//   const comment = await getOrThrow(ctx, args.commentId);
//   if (comment.authorId !== user._id) {
//     await requireTaskAccess(ctx, comment.taskId, "owner");    // the check, on the not-author's path
//     await guard.audit.log(ctx, { ... });
//   }
//   await ctx.db.delete(comment._id);                            // covered
//
// Read so: an `if` whose test is made only of owner comparisons, of a field of the row the
// change's argument read (argflow.ts `readBy`) with the caller's own id (callerid.ts), in place
// or in a `const`, under `!`, `&&`, `||` (newuser26 F3: `if (!mine)`, `if (mine) {} else {...}`);
// the check a statement of the branch that test sends the not-owner to (`await check(...)`, or a
// `const` holding its answer), not in a further condition; the change after the check in that
// branch, or after the `if` in the block holding it. A change in a branch the test never sends
// the not-owner to is the owner's (`if (mine) { patch } else { check; patch }`). Which checks
// cover the row is the caller's to say (parentcover.ts: a role above the lowest covers any).

// And as an either/or, a `guard.readable` at a level whose null the not-owner's path leaves on:
//
//   const isAuthor = comment.authorId === user._id;
//   const ok = isAuthor ? true : (await guard.readable(ctx, "tasks", comment.taskId, "owner")) !== null;
//   if (!ok) throw new ConvexError("forbidden");                 // or `isAuthor || ...`, `if (!isAuthor && r === null)`
//   await ctx.db.delete(comment._id);                            // covered
//
// The `?:`, `||` and `&&` around the check are read with the owner comparisons (written in
// place, or a `const` holding one) taken as false for the not-owner: the check must be reached
// on that path, and its null must make the `if` testing the value (the value itself, or a
// `const` holding it, in the block of the change, before it) leave. A branch that is `true` for
// anything else (`args.force ? true : ...`) is not read as the owner's: it covers nothing.
//
// So is a decision about the caller's own row whose `false` the not-owner's path leaves on
// (attack43 FP1), read as `if (doc.ownerId !== user._id) await guard.requireRole(ctx, "admin")` is:
//
//   if (doc.ownerId !== user._id && !guard.roleAtLeast(user, "admin")) throw ...;   // or `!guard.can(user, "delete:posts")`
//   await ctx.db.delete(doc._id);                                                    // covered, by a role above the lowest
//
// For a read, a public document (its table's configured visibility field equal to "public", as
// the listing rules read it) is as the owner's: `if (doc.visibility !== "public") await
// guard.requireAccess(ctx, "posts", doc._id, "viewer"); return doc;` (attack43 FP2).
import ts from "typescript";
import { readBy, type ArgFlow } from "./argflow.js";
import { assigned } from "./changed.js";
import { tableFields } from "./accessfields.js";
import { documentTable } from "./groupfield.js";
import { publicValue } from "./uncheckedlist.js";
import { isCallerId } from "./callerid.js";
import { literalThrough } from "./config.js";
import { GUARD, type AuthCheck } from "./facts.js";
import { lastArgument, throwingIn } from "./facts-syntax.js";
import { EQUALITY, ifLeavesOnDenial, outer, truthy, valueWhenDenied, type Value } from "./flow.js";
import { sameValue } from "./ownerquery.js";
import { markLowestRole, roleName } from "./roles.js";
import { isFunctionLike, skipOuter, within, type App } from "./program.js";
import { decisionSubject, subjectOf } from "./subject.js";
import type { Reached } from "./helperreads.js";
import { heldToo, offPath } from "./decidedbranch.js";
import { skipsElement } from "./ends.js";

/**
 * Whether check `a`, made on some paths only, is made on every path to `change` (of the row argument `arg` read) on which the caller is not that row's owner, or `change` is on the owner's paths only;
 * `publicToo` (a read): the row public (its table's visibility field equal to "public", as uncheckedlist.ts `publicValue` reads it) is as the owner's (attack43 FP2).
 */
export function checkedUnlessOwner(app: App, flow: ArgFlow, a: AuthCheck, arg: string, change: ts.Node, publicToo = false): boolean {
  // A `readable`, `can` or `roleAtLeast` facts.ts left unread (`+ either/or`) denies nothing by being made: it counts only where its null or `false` leaves (finalread31 F1).
  const decides = !a.via?.endsWith("+ either/or");
  return (decides && inOwnerBranch(app, flow, a, arg, change, publicToo)) || ownersOnly(app, flow, arg, change, publicToo) || eitherOr(app, flow, a, arg, change, publicToo);
}

/** The value for the not-owner of an owner comparison of the row `arg` read with the caller's id (false of `===`, through `const`s); `consulted` set when one decided. */
function ownerValue(app: App, flow: ArgFlow, arg: string, consulted: { is: boolean; names?: string[] } = { is: false }, publicToo = false) {
  const owner = (x: ts.Expression, depth = 0): Value | "unknown" => {
    if (ts.isIdentifier(x)) {
      const init = depth < 4 ? app.constInitializer(x) : undefined;
      return init === undefined ? "unknown" : owner(skipOuter(init), depth + 1);
    }
    if (!ts.isBinaryExpression(x)) return "unknown";
    const op = x.operatorToken.kind;
    const negated = op === ts.SyntaxKind.ExclamationEqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsToken;
    if (!negated && op !== ts.SyntaxKind.EqualsEqualsEqualsToken && op !== ts.SyntaxKind.EqualsEqualsToken) return "unknown";
    const owned = (field: ts.Expression, id: ts.Expression) => {
      const f = skipOuter(field);
      if (!ts.isPropertyAccessExpression(f) || f.name.text === "_id") return false;
      const caller = isCallerId(app, id);
      if (!caller && !(publicToo && literalThrough(app, id) === "public")) return false;
      const table = caller ? undefined : documentTable(app, f, 0);
      return readBy(app, flow, f, true) === arg && (caller || (table !== undefined && publicValue(app, tableFields(app, table, "visibility"), f.name.text, id)));
    };
    const field = owned(x.left, x.right) ? x.left : owned(x.right, x.left) ? x.right : undefined;
    if (field === undefined) return "unknown";
    consulted.is = true;
    const row = skipOuter((skipOuter(field) as ts.PropertyAccessExpression).expression);
    if (ts.isIdentifier(row)) consulted.names?.push(row.text); // the document's name: a loop's element it ends (ends.ts `skipsElement`)
    return negated;
  };
  return owner;
}

/** Whether the not-owner takes branch `branch` of `stmt` (its then or else): its test, of owner comparisons only, known for the not-owner. */
function notOwnerTakes(app: App, flow: ArgFlow, arg: string, stmt: ts.IfStatement, branch: ts.Statement, publicToo: boolean): boolean | undefined {
  const truth = valueWhenDenied(stmt.expression, ownerValue(app, flow, arg, undefined, publicToo));
  return truth === "unknown" ? undefined : truthy(truth) === (branch === stmt.thenStatement);
}

/** The check's statement a statement of the branch the not-owner takes (`if (!isAuthor) await check(...)`, `if (mine) {...} else { await check(...); ... }`); the change after it in that branch, or after the `if` in the block holding it. */
function inOwnerBranch(app: App, flow: ArgFlow, a: AuthCheck, arg: string, change: ts.Node, publicToo: boolean): boolean {
  const statement = branchStatement(a.target?.parent ?? a.guardCall);
  const block = statement?.parent;
  const branch = block !== undefined && ts.isBlock(block) ? block : statement;
  const test = branch?.parent;
  if (statement === undefined || branch === undefined || test === undefined || !ts.isIfStatement(test) || notOwnerTakes(app, flow, arg, test, branch, publicToo) !== true) return false;
  if (branch === block && within(change, branch) && change.pos >= statement.end) return true;
  return ts.isBlock(test.parent) && within(change, test.parent) && change.pos >= test.end;
}

/** Whether `change` is in a branch of an `if` that the not-owner never takes (`if (doc.authorId === user._id) { patch }`). */
function ownersOnly(app: App, flow: ArgFlow, arg: string, change: ts.Node, publicToo: boolean): boolean {
  for (let n: ts.Node = change; !isFunctionLike(n) && !ts.isSourceFile(n); n = n.parent) {
    const p = n.parent;
    if (ts.isIfStatement(p) && p.expression !== n && notOwnerTakes(app, flow, arg, p, n as ts.Statement, publicToo) === false) return true;
  }
  return false;
}

/**
 * The `guard.readable` calls of `handler` at a level (a fourth argument) that facts.ts left
 * unread as checks (their null leaves only through an either/or), as checks made on some paths
 * only: `checkedUnlessOwner` says which of them count.
 */
export function eitherOrReadables(app: App, handler: ts.Node, recorded: readonly AuthCheck[]): AuthCheck[] {
  const out: AuthCheck[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && n.arguments.length >= 4 && app.calleeFrom(n, GUARD)?.name === "readable" && !recorded.some((a) => a.guardCall === n)) {
      out.push({ level: "document", via: "guard.readable + either/or", handWritten: true, at: app.loc(n), target: n.arguments[2], minLevel: literalThrough(app, n.arguments[3]), levelArg: n.arguments[3], conditional: true, guardCall: n });
    }
    ts.forEachChild(n, visit);
  };
  visit(handler);
  return out;
}

/**
 * The `guard.can` and `guard.roleAtLeast` decisions about the caller's own row in `handler` that
 * facts.ts left unread as checks (their `false` leaves only through an either/or), as role or
 * permission checks made on some paths only: `checkedUnlessOwner` says which of them count.
 */
export function eitherOrDecisions(app: App, handler: ts.Node, recorded: readonly AuthCheck[]): AuthCheck[] {
  const out: AuthCheck[] = [];
  const visit = (n: ts.Node): void => {
    const name = ts.isCallExpression(n) ? app.calleeFrom(n, GUARD)?.name : undefined;
    if ((name === "can" || name === "roleAtLeast") && !recorded.some((a) => a.guardCall === n) && decisionSubject(app, n as ts.CallExpression) === "caller") {
      out.push({ level: name === "can" ? "permission" : "role", via: `guard.${name} + either/or`, handWritten: true, at: app.loc(n), role: lastArgument(n as ts.CallExpression), conditional: true, guardCall: n as ts.CallExpression });
    }
    ts.forEachChild(n, visit);
  };
  visit(handler);
  return out;
}

/** The either/or above: `a`'s `guard.readable` (its null), `can` or `roleAtLeast` (its false) reached, and left on, on every path to `change` where the caller is not the owner of the row `arg` read. */
function eitherOr(app: App, flow: ArgFlow, a: AuthCheck, arg: string, change: ts.Node, publicToo: boolean): boolean {
  const call = a.guardCall;
  const method = call === undefined ? undefined : app.calleeFrom(call, GUARD)?.name;
  // The readable itself (not a check made on its answer, `levelAtLeast(r.accessLevel, ...)`), or the decision itself.
  const denial = method === "readable" && a.target?.parent === call ? null : (method === "can" || method === "roleAtLeast") && a.target === undefined ? false : undefined;
  if (call === undefined || denial === undefined) return false;
  // The owner comparison's value for the not-owner (`false` of `===`), through `const`s, and the check's answer denied; `consulted`: some owner comparison decided (no either/or without one).
  const consulted = { is: false, names: [] as string[] };
  const owner = ownerValue(app, flow, arg, consulted, publicToo);
  const atom = (e: ts.Expression): Value | "unknown" => {
    const x = skipOuter(e);
    if (x === call) return denial;
    if (!ts.isConditionalExpression(x)) return owner(x);
    const truth = value(x.condition);
    if (truth === "unknown") return "unknown";
    return value(truthy(truth) ? x.whenTrue : x.whenFalse);
  };
  const value = (e: ts.Expression) => valueWhenDenied(e, atom);
  // The positive test: the change on a side the not-owner, denied, never takes (`if (mine || guard.roleAtLeast(me, "admin")) return doc`: decidedbranch.ts, attack47 FP4).
  if (offPath(app, change, heldToo(app, [call], denial, atom))) return true;
  // Reached: each `?:`, `&&` or `||` on the way up sends the not-owner to it.
  let node: ts.Expression = outer(call);
  for (; ts.isExpression(node.parent) && !ts.isCallExpression(node.parent) && !isFunctionLike(node.parent); node = node.parent) {
    const p = node.parent;
    if (ts.isConditionalExpression(p) && p.condition !== node && value(p.condition) !== (p.whenTrue === node ? true : false)) return false;
    if (ts.isBinaryExpression(p) && p.right === node) {
      const op = p.operatorToken.kind;
      const left = value(p.left);
      if (op === ts.SyntaxKind.AmpersandAmpersandToken && (left === "unknown" || !truthy(left))) return false;
      if ((op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken) && (left === "unknown" || truthy(left))) return false;
    }
  }
  // Left on: the `if` testing the value, or a `const` holding it, before the change in its block.
  const before = (s: ts.Statement) => ts.isBlock(s.parent) && within(change, s.parent) && change.pos >= s.end;
  const throwing = throwingIn(app);
  // Or skips to the loop's next element, the document read in the loop's own body (attack48 F6: `if (doc.ownerId !== me._id && !guard.roleAtLeast(me, "admin")) continue;`).
  const skips = (s: ts.IfStatement) => consulted.names.some((name) => skipsElement(s, name, atom, throwing));
  if (ts.isIfStatement(node.parent) && node.parent.expression === node) return before(node.parent) && (ifLeavesOnDenial(node.parent, atom, throwing) || skips(node.parent)) && consulted.is;
  const decl = node.parent;
  if (!ts.isVariableDeclaration(decl) || decl.initializer !== node || !ts.isIdentifier(decl.name) || !(ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const)) return false;
  const held = value(node);
  if (held === "unknown") return false;
  const name = decl.name.text;
  const statement = decl.parent.parent;
  if (!ts.isVariableStatement(statement) || !ts.isBlock(statement.parent)) return false;
  const named = (e: ts.Expression): Value | "unknown" => (ts.isIdentifier(skipOuter(e)) && (skipOuter(e) as ts.Identifier).text === name ? held : atom(e));
  return statement.parent.statements.some((s) => s.pos >= statement.end && ts.isIfStatement(s) && before(s) && ifLeavesOnDenial(s, named, throwing)) && consulted.is;
}

/** The statement a check's call makes (`await requireTaskAccess(ctx, c.taskId, "owner")`, `const r = await guard.readable(...)`), when nothing but `await` and parentheses stand between. */
function branchStatement(call: ts.Node | undefined): ts.Statement | undefined {
  let n: ts.Node | undefined = call;
  if (n === undefined || !ts.isCallExpression(n)) return undefined;
  while (ts.isAwaitExpression(n.parent) || ts.isParenthesizedExpression(n.parent)) n = n.parent;
  if (ts.isExpressionStatement(n.parent)) return n.parent;
  const decl = n.parent;
  return ts.isVariableDeclaration(decl) && decl.initializer === n && ts.isVariableStatement(decl.parent.parent) ? decl.parent.parent : undefined;
}

/** Whether a `return` or `throw` hands on nothing read: none, a literal, `null`, `undefined`, or `new ConvexError(...)` of literals and objects of them. */
function handsOnNothing(e: ts.Expression | undefined): boolean {
  if (e === undefined) return true;
  const x = skipOuter(e);
  if (ts.isLiteralExpression(x) || x.kind === ts.SyntaxKind.NullKeyword || x.kind === ts.SyntaxKind.TrueKeyword || x.kind === ts.SyntaxKind.FalseKeyword || (ts.isIdentifier(x) && x.text === "undefined")) return true;
  if (ts.isNewExpression(x)) return (x.arguments ?? []).every(handsOnNothing);
  return ts.isObjectLiteralExpression(x) && x.properties.every((p) => ts.isPropertyAssignment(p) && handsOnNothing(p.initializer));
}

/**
 * Whether the document argument `arg` names, read and returned by `handler`, is read in an
 * either/or (newuser26 F4): every `return` or `throw` of `handler` (not of the functions in it)
 * that may hand on data is made only after one of `checks` on the not-owner's path, or on the
 * owner's paths only, as for a change above (`if (post.authorId !== user._id) await
 * guard.requireAccess(ctx, "posts", postId, "viewer"); return post;`).
 */
export function eitherOrRead(app: App, flow: ArgFlow, handler: ts.SignatureDeclaration, checks: readonly AuthCheck[], arg: string): boolean {
  const exits: ts.Node[] = [];
  const visit = (n: ts.Node): void => {
    // A `?:` returned is judged by its sides (`return mine || isAdmin ? doc : null`): each that may hand on data.
    const sides = (e: ts.Expression | undefined, whole: ts.Node): ts.Node[] => (e !== undefined && ts.isConditionalExpression(skipOuter(e)) ? [(skipOuter(e) as ts.ConditionalExpression).whenTrue, (skipOuter(e) as ts.ConditionalExpression).whenFalse].flatMap((x) => sides(x, x)) : handsOnNothing(e) ? [] : [whole]);
    if (ts.isReturnStatement(n) || ts.isThrowStatement(n)) exits.push(...(pushesOf(app, n, handler) ?? sides(n.expression, n)));
    if (!isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  ts.forEachChild(handler, visit);
  return checks.length > 0 && exits.length > 0 && exits.every((e) => checks.some((a) => checkedUnlessOwner(app, flow, a, arg, e, true)));
}

/**
 * Whether a role above the lowest (or a permission the lowest role does not hold), made on some
 * paths only, covers the listing at `query` of `handler` (attack43 FP3, FP4): made by a statement
 * before it in a block around it (`if (args.mine) return <own rows>; await guard.requireRole(ctx,
 * "admin"); return <all rows>`), or by one of the branch an `if` sends a caller to when one of
 * `values` (what the listing selects its owner field by) is not the caller's own id, before the
 * listing in the block holding that `if` (`const target = args.userId ?? user._id; if (target !==
 * user._id) await guard.requireRole(ctx, "admin"); ... q.eq("authorId", target)`), that value not
 * assigned again between the two (`keeps`).
 */
export function roleCoversListing(app: App, handler: ts.Node, auth: readonly AuthCheck[], made: ts.Node, values: readonly ts.Expression[], at?: Reached): boolean {
  // Made in an app helper whose answer the handler returns (helperreads.ts): judged at the handler's call of it (attack48 F11: `if (guard.roleAtLeast(me, "admin")) return await listAll(ctx)`),
  // or in the helper, by a decision there about the row the call gives it, the caller's own (`listFor(ctx, me)`; not `{ _id: me._id, role: "admin" }`).
  const query = at?.exits[at.exits.length - 1]?.call ?? made;
  if (at !== undefined && at.body !== handler && helperDecides(app, at, made)) return true;
  const roles = markLowestRole(app, auth.filter((a) => a.conditional === true && (a.level === "role" || a.level === "permission") && a.guardCall !== undefined && within(a.guardCall, handler) && roleName(app, a.role) !== undefined));
  const same = (a: ts.Expression, b: ts.Expression) => (ts.isIdentifier(skipOuter(a)) && ts.isIdentifier(skipOuter(b)) && app.symbol(skipOuter(a) as ts.Identifier) === app.symbol(skipOuter(b) as ts.Identifier)) || sameValue(app, a, b);
  // The value of a comparison of one of `values` with the caller's id for a caller not selecting their own rows (true of `!==`), through `const`s.
  const other = (x: ts.Expression, depth = 0): Value | "unknown" => {
    if (ts.isIdentifier(x) && depth < 4) {
      const init = app.constInitializer(x);
      return init === undefined ? "unknown" : other(skipOuter(init), depth + 1);
    }
    if (!ts.isBinaryExpression(x) || !EQUALITY.has(x.operatorToken.kind)) return "unknown";
    const negated = x.operatorToken.kind === ts.SyntaxKind.ExclamationEqualsEqualsToken || x.operatorToken.kind === ts.SyntaxKind.ExclamationEqualsToken;
    const compared = (v: ts.Expression, id: ts.Expression) => isCallerId(app, id) && values.some((w) => same(v, w) && keeps(v, w));
    return compared(x.left, x.right) || compared(x.right, x.left) ? negated : "unknown";
  };
  // The variable tested holds at the listing what it held there: the listing reads it as its last assignment above it (attack45 F2: `if (args.teamLead)
  // target = args.teamLead` after the check), so one assigned between them (the caller's own id aside: their own rows) is not the value compared.
  const keeps = (v: ts.Expression, w: ts.Expression): boolean => {
    let root = skipOuter(v);
    while (ts.isPropertyAccessExpression(root)) root = skipOuter(root.expression);
    const symbol = ts.isIdentifier(root) ? app.symbol(root) : undefined;
    let kept = true;
    const visit = (n: ts.Node): void => {
      if (!kept || n.end <= v.end || n.pos >= w.pos) return;
      const p = n.parent;
      if (ts.isIdentifier(n) && n.text === (root as ts.Identifier).text && app.symbol(n) === symbol && assigned(n)) kept = ts.isBinaryExpression(p) && p.left === n && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && isCallerId(app, p.right);
      else ts.forEachChild(n, visit);
    };
    if (symbol !== undefined) visit(handler);
    return kept;
  };
  const before = (s: ts.Statement) => ts.isBlock(s.parent) && within(query, s.parent) && query.pos >= s.end;
  // Or on a side only a decision about the caller's own row, above the lowest, lets the caller into (`if (guard.roleAtLeast(me, "admin")) return <every row>`: decidedbranch.ts, attack47 FP3).
  if (deniedOffPath(app, handler)(query)) return true;
  return roles.some((a) => {
    if (a.everyRole !== undefined) return false;
    const statement = branchStatement(a.guardCall);
    if (statement === undefined) return false;
    if (before(statement)) return true;
    const branch = ts.isBlock(statement.parent) ? statement.parent : statement;
    const test = branch.parent;
    if (!ts.isIfStatement(test) || !before(test)) return false;
    const truth = valueWhenDenied(test.expression, other);
    return truth !== "unknown" && truthy(truth) === (branch === test.thenStatement);
  });
}

/** Whether a node of `handler` is on a side only a decision about the caller's own row, above the lowest role, lets the caller into (decidedbranch.ts `offPath`). */
export function deniedOffPath(app: App, handler: ts.Node): (n: ts.Node) => boolean {
  const decided = markLowestRole(app, eitherOrDecisions(app, handler, []).filter((a) => roleName(app, a.role) !== undefined)).flatMap((a) => (a.everyRole === undefined ? [a.guardCall!] : []));
  return (n) => decided.length > 0 && offPath(app, n, heldToo(app, decided, false));
}

/** Whether a decision of the helper `at.body` (where the listing `made` is), above the lowest role, about the caller's own row as the call gives it (`at.map`), lets only an allowed caller into the listing (decidedbranch.ts `offPath`). */
function helperDecides(app: App, at: Reached, made: ts.Node): boolean {
  const calls: ts.CallExpression[] = [];
  const visit = (n: ts.Node): void => {
    const name = ts.isCallExpression(n) ? app.calleeFrom(n, GUARD)?.name : undefined;
    const row = name === "can" || name === "roleAtLeast" ? (n as ts.CallExpression).arguments[0] : undefined;
    if (row !== undefined && subjectOf(app, at.map(skipOuter(row)), 0) === "caller") calls.push(n as ts.CallExpression);
    if (!isFunctionLike(n) || n === at.body) ts.forEachChild(n, visit);
  };
  visit(at.body);
  const checks = markLowestRole(app, calls.map((call) => ({ level: "role", via: "helper", handWritten: true, at: app.loc(call), role: lastArgument(call), conditional: true, guardCall: call }) as AuthCheck)).filter((a) => roleName(app, a.role) !== undefined && a.everyRole === undefined);
  return checks.length > 0 && offPath(app, made, heldToo(app, checks.map((a) => a.guardCall!), false));
}

/**
 * The pushes into a `const out = []` that the exit `return out` hands on, when nothing else puts
 * anything in it (every other mention in `scope` a push or such a return): judged in its place, as
 * the read's exits (attack48 F6: `for (...) { const doc = await ctx.db.get(id); if (doc &&
 * (doc.ownerId === me._id || guard.roleAtLeast(me, "admin"))) out.push(doc); } return out;`).
 */
function pushesOf(app: App, exit: ts.Node, scope: ts.Node): ts.Node[] | undefined {
  const e = ts.isReturnStatement(exit) && exit.expression !== undefined ? skipOuter(exit.expression) : undefined;
  const init = e !== undefined && ts.isIdentifier(e) ? app.constInitializer(e) : undefined;
  if (e === undefined || init === undefined || !ts.isArrayLiteralExpression(init) || init.elements.length > 0) return undefined;
  const symbol = app.symbol(e as ts.Identifier);
  const pushes: ts.Node[] = [];
  let other = false;
  const visit = (n: ts.Node): void => {
    const p = n.parent;
    if (ts.isIdentifier(n) && app.symbol(n) === symbol && !(ts.isVariableDeclaration(p) && p.name === n) && !(ts.isReturnStatement(p) && p.expression === n)) {
      if (ts.isPropertyAccessExpression(p) && p.expression === n && p.name.text === "push" && ts.isCallExpression(p.parent) && p.parent.expression === p) pushes.push(p.parent);
      else other = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(scope);
  return other ? undefined : pushes;
}
