// Paths out of a check's way, for facts.ts `conditional`: the returns of data before a check
// (and whether each came after the same check), the code after an `if` with no `else`, and the
// key that tells two guard calls make the same check.
import ts from "typescript";
import type { AuthCheck } from "./facts.js";
import { alwaysLeaves, carriesNoData, type Throwing } from "./flow.js";
import { GUARD, isFunctionLike, skipOuter, type App } from "./program.js";
import { markLowestRole } from "./roles.js";

/**
 * How much of the caller the strongest of `checks` decides, to weigh the two branches of an
 * `if ... else` or a `?:` (a check counts for the whole only when the other branch makes one as
 * strong, or leaves): -1 nothing (a listing: `listAccessible`, `listMyGroups`, `readableMany`, and
 * no check at all), 0 that they signed in (`requireUser`, the lowest role, whatever the first of `roles` is),
 * 1 their access to a document, 2 their access to every document (a role above the lowest, a
 * permission). So `if (admin) await guard.requireRole(ctx, "admin"); else await
 * guard.requireUser(ctx)` is judged as `requireUser`: the weaker branch.
 */
export function strength(app: App, checks: readonly Pick<AuthCheck, "level" | "role" | "guardCall">[]): number {
  const rank = (a: AuthCheck) => (listing(app, a) ? -1 : a.level === "authenticated" || a.everyRole !== undefined ? 0 : a.level === "document" ? 1 : 2);
  const full = checks.map((c) => ({ via: "", handWritten: false, at: { file: "", line: 0 }, ...c }) as AuthCheck);
  return Math.max(-1, ...markLowestRole(app, full).map(rank));
}

/**
 * Guard listings: the caller's own documents or groups, or (`readableMany`) the ones among the ids
 * given that the caller may read, `null` for the others. They refuse no one (a signed-out caller
 * gets an empty page, or nulls): filters, checks only of what comes from their answer (listings.ts).
 */
const LISTINGS = new Set(["listAccessible", "listMyGroups", "readableMany"]);

/** Whether a check is a guard listing ({@link LISTINGS}): the function's check only for what comes from its answer, of no argument's id, and weaker than `requireUser` in a branch. */
export function listing(app: App, a: Pick<AuthCheck, "guardCall">): boolean {
  return a.guardCall !== undefined && LISTINGS.has(app.calleeFrom(a.guardCall, GUARD)?.name ?? "");
}

/**
 * Whether `fn` can return data (not only literals) before reaching `call`, in source order. A
 * return made after a check on its own path does not count (see {@link checkedFirst}; `makes`:
 * whether code makes the check on every path of it).
 */
export function returnsDataBefore(call: ts.Node, fn: ts.Node, makes: (code: ts.Node) => boolean): boolean {
  for (const r of returnsOf(fn)) {
    if (r.end > call.pos) break;
    if (!carriesNoData(r.expression!) && !checkedFirst(r, fn, makes)) return true;
  }
  return false;
}

/**
 * Whether `fn` can return before reaching `call`, in source order, after changing data on that
 * return's own path (`changes`, in its expression, before it in a block or `case` around it that
 * does not hold `call`, or in the test of an `if` or `switch` around it): `if (existing) { await
 * ctx.db.patch(...); return existing._id; }`, `if (args.draft) return await ctx.db.insert(...)`
 * before a rate limit (attack43 F3, finalread31 F3). A return after such a call
 * (`makes`: a limit) does not count, nor one that changes nothing (`if (!args.title) return null`).
 */
export function changesBefore(call: ts.Node, fn: ts.Node, makes: (code: ts.Node) => boolean, changes: (code: ts.Statement) => boolean): boolean {
  const onPath = (ret: ts.ReturnStatement): boolean => {
    if (changes(ret)) return true;
    for (let a: ts.Node = ret, p = ret.parent; p !== undefined && p !== fn && !(call.pos >= p.pos && call.end <= p.end); a = p, p = p.parent) {
      if ((ts.isBlock(p) || ts.isCaseOrDefaultClause(p)) && p.statements.some((s) => s.end <= a.pos && changes(s))) return true;
      // The test that sends the return's path there (`if (args.draft && (await ctx.db.insert(...))) return;`, a `switch`'s value): finalread31 F3.
      if ((ts.isIfStatement(p) || ts.isSwitchStatement(p)) && p.expression !== a && changes(p.expression as unknown as ts.Statement)) return true;
    }
    return false;
  };
  const visit = (n: ts.Node): boolean => {
    if (n.pos >= call.pos || isFunctionLike(n)) return false;
    if (ts.isReturnStatement(n)) return n.end <= call.pos && !checkedFirst(n, fn, makes) && onPath(n);
    return ts.forEachChild(n, visit) ?? false;
  };
  return ts.forEachChild(fn, visit) ?? false;
}

/**
 * Whether a `try` around `call` (up to `fn`) has a `catch` that can return data with no check
 * first (`makes`, read as for a `return` before the check): whatever the `catch` tests, fail
 * closed. The guard's denials are `ConvexError`s, and so are its other errors; code around the
 * check may throw what the caller chooses (a `throw` in the check's `else`, `new URL(args.link)`,
 * a tagged template, an `await`), and the audit does not tell which errors a `catch` answers:
 *
 *   try { await guard.requireAccess(ctx, "posts", args.id, "viewer") }
 *   catch (e) { if (e instanceof ConvexError) return await ctx.db.get(args.id); throw e }
 *
 * A `catch` that throws again on every path, or returns literals only, keeps the check, unless
 * it changes what its leaving keeps (`changes`: a `ctx.db` write a mutation commits, a
 * `ctx.runMutation` or a schedule, as in an `else` that leaves: attack33 A2):
 *
 *   try { await guard.requireAccess(ctx, "posts", args.id, "owner") }
 *   catch { await ctx.scheduler.runAfter(0, internal.posts.purge, { id: args.id }); return null }
 *
 * Such a `catch` before the check (in source order) that can leave is a path without it too:
 * a `guard.deleteDocument(ctx, "posts", args.id)` after that `try` checks nothing for the purge.
 */
export function skippedToCatch(call: ts.Node, fn: ts.Node, makes: (code: ts.Node) => boolean, changes: (code: ts.Statement) => boolean): boolean {
  for (let n: ts.Node = call, t = call.parent; t !== undefined && t !== fn && !isFunctionLike(t); n = t, t = t.parent) {
    if (ts.isTryStatement(t) && n === t.tryBlock && t.catchClause !== undefined && (catchReturnsData(t.catchClause, makes) || changes(t.catchClause.block))) return true;
  }
  let left = false;
  const visit = (c: ts.Node): void => {
    if (left || c.pos >= call.pos || isFunctionLike(c)) return;
    if (ts.isCatchClause(c) && c.end <= call.pos && mayReturn(c.block) && changes(c.block)) left = true;
    else ts.forEachChild(c, visit);
  };
  ts.forEachChild(fn, visit);
  return left;
}

/**
 * What of a caught error says what went wrong and carries nothing else: the error itself (a
 * class instance is no Convex value), its `message`, `name` or `code`, and a `ConvexError`'s
 * `data.code` or `data.message` (the guard's denials carry `{ code, message }`). Any other field
 * (`e.post`, `e.data`) holds what the code that threw put there: a document, fail closed.
 */
const ERROR_TEXT = ["", "message", "name", "code", "data.code", "data.message"];

/** Whether a `catch` returns data (not literals, nor the error it caught or its text, {@link ERROR_TEXT}) before any check of its own. */
function catchReturnsData(clause: ts.CatchClause, makes: (code: ts.Node) => boolean): boolean {
  const caught = clause.variableDeclaration !== undefined && ts.isIdentifier(clause.variableDeclaration.name) ? clause.variableDeclaration.name.text : undefined;
  const ofError = (e: ts.Expression): boolean => {
    let x = skipOuter(e);
    if (ts.isObjectLiteralExpression(x)) return x.properties.every((p) => (ts.isPropertyAssignment(p) ? ofError(p.initializer) : ts.isShorthandPropertyAssignment(p) && p.name.text === caught));
    const path: string[] = [];
    for (; ts.isPropertyAccessExpression(x); x = skipOuter(x.expression)) path.unshift(x.name.text);
    if (ts.isIdentifier(x) && x.text === caught) return ERROR_TEXT.includes(path.join("."));
    return carriesNoData(x);
  };
  return returnsOf(clause.block).some((r) => !ofError(r.expression!) && !checkedFirst(r, clause.block, makes));
}

/** The `return`s with a value of `fn` itself (or of a fragment), in source order; read once each (a chain of `else if`s asks for every call of it). */
function returnsOf(fn: ts.Node): ts.ReturnStatement[] {
  let out = returns.get(fn);
  if (out !== undefined) return out;
  returns.set(fn, (out = []));
  const visit = (n: ts.Node): void => {
    if (ts.isReturnStatement(n) && n.expression !== undefined) out.push(n);
    else if (n === fn || !isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(fn);
  return out;
}
const returns = new WeakMap<ts.Node, ts.ReturnStatement[]>();

/**
 * Whether a return runs only after a check: its own expression makes one
 * (`return await guard.share(...)`), or a statement before it does, in a block around it up to `fn`.
 */
function checkedFirst(ret: ts.ReturnStatement, fn: ts.Node, makes: (code: ts.Node) => boolean): boolean {
  if (ret.expression !== undefined && makes(ret.expression)) return true;
  for (let n: ts.Node = ret; n !== fn && n.parent !== undefined; n = n.parent) {
    if (!ts.isBlock(n.parent)) continue;
    for (const s of n.parent.statements) {
      if (s === n) break;
      if (makes(s)) return true;
    }
  }
  return false;
}

/**
 * Whether the code after the `if` statement `p` (one with no `else`) makes a check before it
 * can return: `if (userId) return await guard.share(...); return await guard.share(...)`, where
 * the path that skips the branch is checked too; or leaves at once (`leaves`: its first statement
 * throws or returns no data, as an `else` that leaves): `if (userId) return await guard.revoke(...);
 * throw new Error("give a user")`, where the path that skips the branch does nothing.
 */
export function checkedAfter(p: ts.IfStatement, makes: (code: ts.Node) => boolean, leaves: (s: ts.Statement) => boolean): boolean {
  // The code after the whole `if ... else if ...` chain; up to the first statement that makes the
  // check, none of those before may leave (return, break, continue).
  let top: ts.Statement = p;
  while (ts.isIfStatement(top.parent) && top.parent.elseStatement === top) top = top.parent;
  const block = top.parent;
  if (!ts.isBlock(block)) return false;
  const after = block.statements.slice(block.statements.indexOf(top) + 1);
  if (after[0] !== undefined && leaves(after[0])) return true;
  for (const s of after) {
    if (makes(s)) return true;
    if (mayReturn(s)) return false;
  }
  return false;
}

/** Whether a statement may leave the code after it unrun: a `return`, `break` or `continue` in it (`loops` false: a `return` only, a `break` or `continue` leaving its own loop or `switch`, not the function). */
export function mayReturn(s: ts.Node, loops = true): boolean {
  return ts.isReturnStatement(s) || (loops && ts.isBreakOrContinueStatement(s)) || (!isFunctionLike(s) && ts.forEachChild(s, (c) => mayReturn(c, loops) || undefined) === true);
}

/** Operators whose right side runs on some paths only. */
const K = ts.SyntaxKind;
const SHORT_CIRCUIT = new Set([K.AmpersandAmpersandToken, K.BarBarToken, K.QuestionQuestionToken, K.AmpersandAmpersandEqualsToken, K.BarBarEqualsToken, K.QuestionQuestionEqualsToken]);

/**
 * How `p` runs its child `node` on some paths only: as a branch of an `if` or a `?:` (`other`: the
 * other branch, none of an `if` with no `else`), on the right of `&&`/`||`/`??` ("short"), in a
 * `switch` case or a `catch` ("clause"); undefined when it runs whenever `p` does. The one reading
 * of a branch for facts.ts `conditional`, {@link everyPath} and signatures.ts `holds`.
 */
export function fork(p: ts.Node, node: ts.Node): { other: ts.Node | undefined } | "short" | "clause" | undefined {
  if (ts.isIfStatement(p) && node !== p.expression) return { other: node === p.thenStatement ? p.elseStatement : p.thenStatement };
  if (ts.isConditionalExpression(p) && node !== p.condition) return { other: node === p.whenTrue ? p.whenFalse : p.whenTrue };
  if (ts.isBinaryExpression(p) && node === p.right && SHORT_CIRCUIT.has(p.operatorToken.kind)) return "short";
  return ts.isCaseClause(p) || ts.isDefaultClause(p) || ts.isCatchClause(p) ? "clause" : undefined;
}

/**
 * Whether `call` runs on every path of `fn` that ends in no throw: in no branch ({@link fork}), and
 * after no statement that may `return`, nor `break` or `continue` a loop or `switch` around `call`
 * (one inside that statement leaves its own: a loop's body is taken as run).
 * A `throw` before it leaves no such path (the sign-in test, `if (identity === null) throw ...`):
 * in a mutation it rolls back all that was done, a limit taken included (selfreset.ts); in a helper
 * its caller goes no further either (helperget.ts). `leaves` names other statements that leave
 * (selfreset.ts `actionGate`: an action keeps what it ran before a throw); `passes` statements that
 * skip it for no caller it judges (selfreset.ts: `if (target === null) return` of the row reset).
 */
export function everyPath(call: ts.Node, fn: ts.Node, leaves: (s: ts.Statement) => boolean = () => false, passes: (s: ts.Statement) => boolean = () => false): boolean {
  for (let node: ts.Node = call, p = call.parent; p !== undefined && node !== fn; node = p, p = p.parent) {
    if (fork(p, node) !== undefined) return false;
    if ((ts.isBlock(p) || ts.isSourceFile(p)) && p.statements.slice(0, p.statements.indexOf(node as ts.Statement)).some((s) => !passes(s) && (mayReturn(s, false) || leavesAround(s) || leaves(s)))) return false;
  }
  return true;
}

/** Whether a statement has a `break` or `continue` that leaves it for a loop, `switch` or label around it: in a loop's body, `if (pin !== expected) continue` skips the rest of the body. */
function leavesAround(s: ts.Node): boolean {
  const out = (n: ts.Node, loops: number, switches: number, labels: readonly string[]): boolean => {
    if (ts.isBreakOrContinueStatement(n)) return n.label !== undefined ? !labels.includes(n.label.text) : ts.isContinueStatement(n) ? loops === 0 : loops + switches === 0;
    if (isFunctionLike(n)) return false;
    const loop = ts.isIterationStatement(n, false) ? 1 : 0, sw = ts.isSwitchStatement(n) ? 1 : 0;
    const named = ts.isLabeledStatement(n) ? [...labels, n.label.text] : labels;
    return ts.forEachChild(n, (c) => out(c, loops + loop, switches + sw, named) || undefined) === true;
  };
  return out(s, 0, 0, []);
}

/** Whether `later` runs only after `first` has: `first` is on no branch ({@link fork}) of the block around it, in `fn`, and `later` in a statement after it there. */
export function before(first: ts.Node, later: ts.Node, fn: ts.Node): boolean {
  for (let node: ts.Node = first, p = first.parent; p !== undefined && p !== fn && !isFunctionLike(p); node = p, p = p.parent) {
    if (fork(p, node) !== undefined) return false;
    if (ts.isBlock(p)) return p.statements.some((s) => s.pos >= node.end && s.pos <= later.pos && later.end <= s.end);
  }
  return false;
}

/**
 * What check the guard call `c` makes, as a key two calls share when they make the same check:
 * the guard it is called on (`guard.` or `staff.`: another guard's method of the same name is
 * another check), the method, and every argument, `ctx` included (a variable by its declaration,
 * anything else as written), an object literal after `ctx` aside (`share`'s options: their
 * `userId` or `groupId` names the target, not the check). `undefined` when it is no guard call or
 * names a variable or receiver it cannot resolve.
 */
export function checkKey(app: App, c: ts.Node): string | undefined {
  if (checkKeys.has(c)) return checkKeys.get(c);
  const name = ts.isCallExpression(c) ? app.calleeFrom(c, GUARD)?.name : undefined;
  const callee = name === undefined ? undefined : app.calleeTarget((c as ts.CallExpression).expression);
  const receiver = callee === undefined ? undefined : skipOuter(ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee) ? callee.expression : callee);
  const args = receiver === undefined ? [] : [receiver, ...(c as ts.CallExpression).arguments.map(skipOuter).filter((x, i) => i === 0 || !ts.isObjectLiteralExpression(x))];
  const keys = args.map((x) => (ts.isIdentifier(x) ? symbolKey(app.symbol(x)) : x.getText()));
  const key = name === undefined || keys.includes(undefined) ? undefined : `${keys[0]}.${name}(${keys.slice(1).join(", ")})`;
  checkKeys.set(c, key);
  return key;
}
const checkKeys = new WeakMap<ts.Node, string | undefined>();

/** A name per variable, for {@link checkKey}. */
const symbols = new WeakMap<ts.Symbol, string>();
let symbolCount = 0;
function symbolKey(s: ts.Symbol | undefined): string | undefined {
  if (s === undefined) return undefined;
  let key = symbols.get(s);
  if (key === undefined) symbols.set(s, (key = `#${++symbolCount}`));
  return key;
}

/**
 * Where the jump `x` of `fn`'s own code (a `return`, `break`, `continue` or `throw`) goes on past
 * code it skips: the end of what it skips (`fn` for a `return`; the labelled statement, loop or
 * `switch` a `break` leaves; the loop a `continue` goes on with; the `try` block a `throw` leaves for
 * a `catch` that goes on after it, or `fn` when that `catch` may return), with how it is said
 * (`to`: where a throw goes).
 * Undefined for a `throw` nothing of `fn` swallows (a `catch` that throws again on every path
 * included): that path throws, and a mutation's changes roll back with it. `denial`: `x` is a
 * check's call, whose denial throws as a `throw` does.
 */
export function jumpPast(x: ts.Node, fn: ts.Node, throwing?: Throwing, denial = false): { end: number; how: string; to?: string } | undefined {
  if (ts.isReturnStatement(x)) return { end: fn.end, how: "returns" };
  const label = ts.isBreakOrContinueStatement(x) ? x.label?.text : undefined;
  for (let n: ts.Node = x, p = x.parent; p !== undefined && n !== fn && !isFunctionLike(n); n = p, p = p.parent) {
    if (ts.isBreakOrContinueStatement(x)) {
      const target = label !== undefined ? ts.isLabeledStatement(p) && p.label.text === label : ts.isIterationStatement(p, false) || (ts.isBreakStatement(x) && ts.isSwitchStatement(p));
      if (target) return { end: p.end, how: ts.isContinueStatement(x) ? "continues its loop" : `breaks out of ${label !== undefined ? `"${label}"` : "its loop or switch"}` };
    } else if ((denial || ts.isThrowStatement(x)) && ts.isTryStatement(p)) {
      const c = n === p.tryBlock ? p.catchClause : undefined;
      if (c !== undefined) return mayReturn(c.block) ? { end: fn.end, how: "throws", to: " to a catch that returns" } : alwaysLeaves(c.block, throwing) ? undefined : { end: p.tryBlock.end, how: "throws", to: " to a catch that goes on" };
      if (p.finallyBlock !== undefined && n !== p.finallyBlock && mayReturn(p.finallyBlock)) return { end: fn.end, how: "throws", to: " to a finally that returns" };
    }
  }
  return undefined;
}

/**
 * Whether `a` (before `b` in `fn`) and `b` never run on one path: in the two branches of one `if`
 * or `?:`, or in two cases of one `switch` with no fallthrough from `a`'s to `b`'s (a case falls
 * through when its last statement does not leave; {@link forked}). In one loop, both run, over two
 * iterations: the branches of an `if` or `switch` in it, and `b` before `a`, which runs after it too.
 */
export function exclusive(a: ts.Node, b: ts.Node, fn: ts.Node): boolean {
  const p = around(a, b, fn);
  if (p === undefined) return true;
  if (!branches(p, a, b) && a.end <= b.pos) return false;
  for (let q: ts.Node | undefined = p; q !== undefined && q !== fn; q = q.parent) if (ts.isIterationStatement(q, false)) return false;
  return true;
}

/** Whether `a` and `b` are in two branches of one `if`, `?:` or `switch` of `fn` (so in one loop, they run in two iterations). */
export function forked(a: ts.Node, b: ts.Node, fn: ts.Node): boolean {
  const p = around(a, b, fn);
  return p !== undefined && branches(p, a, b);
}

/** The innermost node around `a` that holds `b` too, up to `fn`. */
function around(a: ts.Node, b: ts.Node, fn: ts.Node): ts.Node | undefined {
  let p = a.parent;
  while (p !== undefined && p !== fn && !(p.pos <= b.pos && b.end <= p.end)) p = p.parent;
  return p;
}

/** Whether `p`, the innermost node around `a` and `b`, runs them in two branches ({@link exclusive}). */
function branches(p: ts.Node, a: ts.Node, b: ts.Node): boolean {
  const side = (x: ts.Node) => p.getChildren().find((c) => c.pos <= x.pos && x.end <= c.end);
  if (ts.isIfStatement(p) || ts.isConditionalExpression(p)) {
    const [sa, sb] = [side(a), side(b)];
    const cond = ts.isIfStatement(p) ? p.expression : p.condition;
    return sa !== cond && sb !== cond && sa !== sb;
  }
  if (!ts.isCaseBlock(p)) return false;
  const ia = p.clauses.findIndex((c) => c.pos <= a.pos && a.end <= c.end), ib = p.clauses.findIndex((c) => c.pos <= b.pos && b.end <= c.end);
  return ib < ia || p.clauses.slice(ia, ib).some((c) => ends(c.statements.at(-1)));
}

/** Whether a case's last statement leaves it on every path: a `break` or `continue` (also in a block, or both branches of an `if`), a `return`, a `throw`. */
function ends(s: ts.Statement | undefined): boolean {
  if (s === undefined) return false;
  if (ts.isBreakOrContinueStatement(s) || alwaysLeaves(s)) return true;
  if (ts.isBlock(s)) return s.statements.some(ends);
  return ts.isIfStatement(s) && ends(s.thenStatement) && ends(s.elseStatement);
}
