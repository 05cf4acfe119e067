// What a function does, security-wise: the checks it makes, its rate limits, audit rows,
// confirmations, environment reads and deletes, found in its body and in every app function
// it calls (resolved by the type checker, across files), so a `lib/auth.ts` helper that calls
// `guard.requireUser` counts as that check.
import ts from "typescript";
import { alwaysLeaves, boundTo, carriesNoData, ifLeavesOnDenial, onlyThrows, outer, swallowed, variableAtom, type Denial, type Throwing } from "./flow.js";
import { isFunctionLike, skipOuter, type App, type Loc } from "./program.js";

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
  /** A document check's level argument, when written literally (`"owner"`). */
  minLevel?: string;
  /** The argument a builder's `access: { arg }` checks. */
  targetArg?: string;
  /** Made on some paths only (`if (args.strict) await guard.requireUser(ctx)`): no check. */
  conditional?: boolean;
}

export interface Use {
  via: string;
  at: Loc;
  /** A rate limit's keys, as written (judged against the handler's arguments by functions.ts). */
  keys?: ts.Expression[];
  /** Taken on some paths only: no limit. */
  conditional?: boolean;
}

export interface Facts {
  auth: AuthCheck[];
  rateLimits: Use[];
  audited: Use[];
  confirmed: Use[];
  /** `name`: the variable read, when written literally (`process.env.API_KEY`, `const { API_KEY } = process.env`). */
  envReads: (Loc & { names?: string[] })[];
  deletes: (Loc & { inLoop: boolean; target?: ts.Expression })[];
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
const GUARD_DECISIONS: Record<string, { level: AuthLevel; denial: Denial }> = {
  can: { level: "permission", denial: false },
  roleAtLeast: { level: "role", denial: false },
  getUser: { level: "authenticated", denial: null },
};
/** Operators whose right side runs on some paths only. */
const SHORT_CIRCUIT = new Set([
  ts.SyntaxKind.AmpersandAmpersandToken,
  ts.SyntaxKind.BarBarToken,
  ts.SyntaxKind.QuestionQuestionToken,
  ts.SyntaxKind.AmpersandAmpersandEqualsToken,
  ts.SyntaxKind.BarBarEqualsToken,
  ts.SyntaxKind.QuestionQuestionEqualsToken,
]);
/** Guard checks that answer a denial (null, fewer rows) instead of throwing it. */
const ANSWERING = new Set(["readable", "readableMany", "listAccessible"]);
/** Calls that take from a limit. `checkRateLimit` only looks (it takes nothing): never a limit. */
const GUARD_RATE_LIMITS = new Set(["rateLimit", "rateLimitAll"]);
/** Calls whose value is random or the clock: a rate-limit key made of one is a new budget each call. */
const RANDOM = new Set(["Math.random", "crypto.randomUUID", "crypto.getRandomValues", "Date.now", "performance.now"]);
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
      else if (this.readsEnv(node)) facts.envReads.push({ ...this.app.loc(node), names: envNames(node) });
      else if (ts.isIdentifier(node)) {
        const moduleRead = this.moduleEnvRead(node);
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
      const via = `guard.${trail ? "audit." : ""}${guard.name}${firstLiteral(call)}`;
      // A check whose throw is caught and dropped (or never awaited) lets the caller through.
      const lost = swallowed(call, fn, guard.sync !== true);
      const level = GUARD_AUTH[guard.name];
      // `readable` and its kin answer null (or leave out) instead of throwing: an answer
      // thrown away checked nothing.
      const discarded = ANSWERING.has(guard.name) && unused(call);
      if (level !== undefined && !lost && !discarded) {
        const document = level === "document" ? { target: call.arguments[2], minLevel: literalText(call.arguments[3]) } : {};
        facts.auth.push({ level, via, handWritten: false, at, ...document, conditional: this.conditional(call, fn, "auth") });
      }
      const decision = GUARD_DECISIONS[guard.name];
      if (decision !== undefined && exitsOnDenial(app, call, decision.denial)) {
        facts.auth.push({ level: decision.level, via: `${via} + exit`, handWritten: true, at, conditional: this.conditional(call, fn, "auth") });
      }
      if (GUARD_RATE_LIMITS.has(guard.name) && !lost) {
        const limit = this.rateLimit(call);
        if (limit !== undefined) facts.rateLimits.push({ via, at, keys: limit.keys, conditional: this.conditional(call, fn, "limit") });
      }
      // A confirmation counts when its answer decides something (`if (result.ok) ...`).
      if ((guard.name === "consumeConfirmation" && tested(call)) || (guard.name === "assertConfirmed" && !lost)) facts.confirmed.push({ via, at });
      if (guard.name === "log" && !lost) facts.audited.push({ via: "guard.audit.log", at });
      // It deletes a user's security state: as destructive as a db.delete.
      if (guard.name === "forgetUser") facts.deletes.push({ ...at, inLoop: inLoop(call, fn) });
      return;
    }
    const convex = app.calleeFrom(call, CONVEX);
    if (convex !== undefined) {
      if (convex.name === "getUserIdentity" && exitsOnDenial(app, call, null)) {
        facts.auth.push({ level: "authenticated", via: "ctx.auth.getUserIdentity() + exit", handWritten: true, at: app.loc(call), conditional: this.conditional(call, fn, "auth") });
      }
      if (convex.name === "delete" && isDatabase(convex.owner)) {
        facts.deletes.push({ ...app.loc(call), inLoop: inLoop(call, fn), target: call.arguments[call.arguments.length - 1] });
      }
      return;
    }
    const helper = app.appFunction(call);
    if (helper !== undefined && helper !== fn) {
      // Shown as `currentUser -> guard.requireUser`: which helper made the check.
      // A helper whose throw is caught (or not awaited) checks and limits nothing for the caller.
      const lost = swallowed(call, fn, (ts.getCombinedModifierFlags(helper as ts.Declaration) & ts.ModifierFlags.Async) !== 0);
      const all = this.of(helper);
      const found = lost ? { ...all, auth: [], rateLimits: [], confirmed: [] } : all;
      const name = helper.name !== undefined && ts.isIdentifier(helper.name) ? helper.name.text : skipOuter(call.expression).getText();
      const authSometimes = found.auth.length > 0 && this.conditional(call, fn, "auth");
      const limitSometimes = found.rateLimits.length > 0 && this.conditional(call, fn, "limit");
      // A key or a document id the helper takes as a parameter is what this call passes.
      const passed = (e: ts.Expression | undefined) => (e === undefined ? undefined : argumentFor(e, helper, call));
      mergeFacts(facts, {
        ...found,
        auth: found.auth.map((a) => ({
          ...a,
          via: a.via.startsWith(`${name} -> `) ? a.via : `${name} -> ${a.via}`,
          conditional: a.conditional === true || authSometimes,
          target: passed(a.target),
        })),
        rateLimits: found.rateLimits.map((r) => ({ ...r, via: `${name} -> ${r.via}`, conditional: r.conditional === true || limitSometimes, keys: r.keys?.map((k) => passed(k)!) })),
        deletes: found.deletes.map((d) => ({ ...d, target: passed(d.target) })),
      });
    }
  }

  /**
   * Whether a call runs on some paths of `fn` only: in one branch of an `if` or a `?:` whose
   * other branch neither makes the same kind of check nor leaves, on the right of `&&`, `||` or
   * `??`, in a `switch` case, or in a `catch`. Loops and nested functions are neutral (a check per
   * element is still made for every element).
   */
  private conditional(call: ts.Node, fn: ts.Node, kind: "auth" | "limit"): boolean {
    // `if (args.preview) return await ctx.db.query(...)` before the check: that path has none.
    if (kind === "auth" && returnsDataBefore(call, fn)) return true;
    let node: ts.Node = call;
    // On the right of `&&`/`||`: conditional, unless that test is an `if`'s (the decision's own
    // `if (user === null || !guard.can(user, p)) throw`, which leaves on every denial).
    let shortCircuited = false;
    for (let p = node.parent; p !== undefined && p !== fn; node = p, p = p.parent) {
      if (ts.isIfStatement(p) && node === p.expression) shortCircuited = false;
      else if (shortCircuited && ts.isStatement(p)) return true;
      if (ts.isIfStatement(p) && node !== p.expression) {
        const other = node === p.thenStatement ? p.elseStatement : p.thenStatement;
        if (other === undefined || !(alwaysLeaves(other, throwingIn(this.app)) || this.makes(other, kind))) return true;
      } else if (ts.isConditionalExpression(p) && node !== p.condition) {
        if (!this.makes(node === p.whenTrue ? p.whenFalse : p.whenTrue, kind)) return true;
      } else if (ts.isBinaryExpression(p) && node === p.right && SHORT_CIRCUIT.has(p.operatorToken.kind)) {
        shortCircuited = true;
      } else if (ts.isCaseClause(p) || ts.isDefaultClause(p) || ts.isCatchClause(p)) {
        return true;
      }
    }
    return shortCircuited;
  }

  /** Whether code makes a check (or takes a limit) of its own, on every path of it. */
  private makes(code: ts.Node, kind: "auth" | "limit"): boolean {
    const scratch = emptyFacts();
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n)) this.call(n, code, scratch);
      if (!isFunctionLike(n)) ts.forEachChild(n, visit);
    };
    visit(code);
    return (kind === "auth" ? scratch.auth : scratch.rateLimits).some((a) => !a.conditional);
  }

  /**
   * A rate limit that limits: its denial throws, or (with `throws: false`) its answer is tested
   * by an exit or returned; and no key is random or the clock. Undefined when it limits nothing.
   */
  private rateLimit(call: ts.CallExpression): { keys: ts.Expression[] } | undefined {
    const options = call.arguments[2] === undefined ? undefined : this.objectValue(call.arguments[2]);
    const throwsValue = options === undefined ? undefined : propertyValue(options, "throws");
    const quiet = throwsValue !== undefined && throwsValue.kind !== ts.SyntaxKind.TrueKeyword;
    if (quiet && !exitsOnDenial(this.app, call, "decision") && !ts.isReturnStatement(outer(call).parent)) return undefined;
    const keys: ts.Expression[] = [];
    const requests = call.arguments[1] === undefined ? undefined : skipOuter(call.arguments[1]);
    if (requests !== undefined && ts.isArrayLiteralExpression(requests)) {
      for (const r of requests.elements) {
        const o = this.objectValue(r);
        const key = o === undefined ? undefined : propertyValue(o, "key");
        if (key !== undefined) keys.push(key);
      }
    } else if (options !== undefined) {
      const key = propertyValue(options, "key");
      if (key !== undefined) keys.push(key);
    }
    return keys.some((k) => this.random(k)) ? undefined : { keys };
  }

  private objectValue(e: ts.Expression): ts.ObjectLiteralExpression | undefined {
    let value = skipOuter(e);
    if (ts.isIdentifier(value)) value = this.app.constInitializer(value) ?? value;
    return ts.isObjectLiteralExpression(value) ? value : undefined;
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

  /**
   * A read of the environment: `process.env`, `process["env"]`, `globalThis.process.env`, an
   * alias of the global `process`, or `const { env } = process`.
   */
  private readsEnv(node: ts.Node): boolean {
    if (ts.isPropertyAccessExpression(node) && node.name.text === "env") return this.isGlobalProcess(node.expression);
    if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression) && node.argumentExpression.text === "env") {
      return this.isGlobalProcess(node.expression);
    }
    if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && node.initializer !== undefined && this.isGlobalProcess(node.initializer)) {
      return node.name.elements.some((e) => (e.propertyName ?? e.name).getText() === "env");
    }
    return false;
  }

  /** `process` (the global, not a local of that name), `globalThis.process`, or a constant holding it. */
  private isGlobalProcess(e: ts.Expression, depth = 0): boolean {
    e = skipOuter(e);
    const global = (id: ts.Identifier) => {
      const decl = this.app.symbol(id)?.declarations?.[0];
      return decl === undefined || decl.getSourceFile().isDeclarationFile;
    };
    if (ts.isIdentifier(e)) {
      const init = depth < 4 ? this.app.constInitializer(e) : undefined;
      if (init !== undefined) return this.isGlobalProcess(init, depth + 1);
      return e.text === "process" && global(e);
    }
    const member = ts.isPropertyAccessExpression(e) ? e.name.text : ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression) ? e.argumentExpression.text : undefined;
    const root = ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) ? skipOuter(e.expression) : undefined;
    return member === "process" && root !== undefined && ts.isIdentifier(root) && (root.text === "globalThis" || root.text === "global") && global(root);
  }

  private readonly moduleReads = new Map<ts.Node, Loc | null>();

  /** A name of a module-level constant whose value read the environment (`const KEY = process.env.KEY`). */
  private moduleEnvRead(id: ts.Identifier): Loc | undefined {
    const parent = id.parent;
    if ((ts.isPropertyAccessExpression(parent) && parent.name === id) || (ts.isVariableDeclaration(parent) && parent.name === id) || ts.isPropertyAssignment(parent)) return undefined;
    const symbol = ts.isShorthandPropertyAssignment(parent) ? this.app.checker.getShorthandAssignmentValueSymbol(parent) : this.app.checker.getSymbolAtLocation(id);
    const decl = symbol?.valueDeclaration;
    if (decl === undefined || !(ts.isVariableDeclaration(decl) || ts.isBindingElement(decl))) return undefined;
    const statement = ts.isVariableDeclaration(decl) ? decl.parent.parent : ts.findAncestor(decl, ts.isVariableStatement);
    if (statement === undefined || !ts.isVariableStatement(statement) || !ts.isSourceFile(statement.parent) || !this.app.isAppCode(statement.getSourceFile())) return undefined;
    let known = this.moduleReads.get(statement);
    if (known === undefined) {
      known = null;
      const visit = (n: ts.Node): void => {
        if (known !== null) return;
        if (this.readsEnv(n)) known = this.app.loc(n);
        else if (!isFunctionLike(n)) ts.forEachChild(n, visit);
      };
      visit(statement);
      this.moduleReads.set(statement, known);
    }
    return known ?? undefined;
  }
}

/** The variables an environment read names: `process.env.KEY`, `process.env["KEY"]`, `const { KEY } = process.env`; undefined when computed. */
function envNames(read: ts.Node): string[] | undefined {
  const p = read.parent;
  if (ts.isPropertyAccessExpression(p) && p.expression === read) return [p.name.text];
  if (ts.isElementAccessExpression(p) && p.expression === read) return ts.isStringLiteralLike(p.argumentExpression) ? [p.argumentExpression.text] : undefined;
  if (ts.isVariableDeclaration(p) && p.initializer === read && ts.isObjectBindingPattern(p.name)) {
    const names = p.name.elements.map((e) => e.propertyName ?? e.name);
    return names.every((n) => ts.isIdentifier(n) || ts.isStringLiteral(n)) ? names.map((n) => (n as ts.Identifier | ts.StringLiteral).text) : undefined;
  }
  return undefined;
}

function propertyValue(object: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const p of object.properties) {
    if (p.name === undefined || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) || p.name.text !== name) continue;
    if (ts.isPropertyAssignment(p)) return skipOuter(p.initializer);
    if (ts.isShorthandPropertyAssignment(p)) return p.name;
  }
  return undefined;
}

function literalText(e: ts.Expression | undefined): string | undefined {
  return e !== undefined && ts.isStringLiteralLike(e) ? e.text : undefined;
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
 * Whether a denial from this call leaves the function: the branch an `if` takes when the call
 * denies (`null` identity, `false`, a decision with `ok: false`) always throws or returns —
 * on the call directly (`if (!(await ctx.auth.getUserIdentity())) throw ...`), through the
 * variable it initializes (`const identity = ...; if (identity === null) throw`), or through an
 * assertion function it is passed to (`assertSignedIn(identity)`, whose body is read the same
 * way). `if (identity) throw` (the wrong way round) is no check.
 */
export function exitsOnDenial(app: App, call: ts.CallExpression, denial: Denial): boolean {
  const atom = (e: ts.Expression) => {
    if (skipOuter(e) === call) return denial === "decision" ? ("object" as const) : denial;
    if (ts.isPropertyAccessExpression(e) && skipOuter(e.expression) === call) {
      // `(await call).ok` of a decision is false; `(await call)?.email` of a missing identity undefined.
      if (denial === "decision") return e.name.text === "ok" ? false : ("unknown" as const);
      if (denial === null && e.questionDotToken !== undefined) return undefined;
    }
    return "unknown" as const;
  };
  let node: ts.Node = outer(call);
  while (
    ts.isPrefixUnaryExpression(node.parent) ||
    ts.isBinaryExpression(node.parent) ||
    ts.isParenthesizedExpression(node.parent) ||
    (ts.isPropertyAccessExpression(node.parent) && node.parent.expression === node)
  ) {
    node = node.parent;
  }
  if (ts.isIfStatement(node.parent) && node.parent.expression === node) return ifLeavesOnDenial(node.parent, atom, throwingIn(app));
  const bound = boundTo(call);
  const body = enclosingFunction(call);
  if (bound === undefined || body === undefined) return false;
  return leavesOnDenialOf(app, body, bound.name, bound.field === "ok" ? false : denial, 0);
}

/** A parameter of `helper` used as is (`key`, `id`) stands for the argument `call` passes it. */
function argumentFor(e: ts.Expression, helper: ts.SignatureDeclaration, call: ts.CallExpression): ts.Expression {
  const inner = skipOuter(e);
  if (!ts.isIdentifier(inner)) return e;
  const index = helper.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === inner.text);
  return index >= 0 && call.arguments[index] !== undefined && inner.pos >= helper.pos && inner.end <= helper.end ? call.arguments[index] : e;
}

/** Whether a call's answer is thrown away: a statement of its own, or a variable never read. */
function unused(call: ts.CallExpression): boolean {
  if (ts.isExpressionStatement(outer(call).parent)) return true;
  const bound = boundTo(call);
  const body = enclosingFunction(call);
  if (bound === undefined || body === undefined) return false;
  let read = false;
  const visit = (n: ts.Node): void => {
    if (read) return;
    if (ts.isIdentifier(n) && n.text === bound.name && n.pos > call.end && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) read = true;
    else ts.forEachChild(n, visit);
  };
  visit(body);
  return !read;
}

/** Whether `fn` can return data (not only literals) before reaching `call`, in source order. */
function returnsDataBefore(call: ts.Node, fn: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || n.pos >= call.pos) return;
    if (ts.isReturnStatement(n) && n.end <= call.pos && n.expression !== undefined && !carriesNoData(n.expression)) found = true;
    else if (n === fn || !isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(fn);
  return found;
}

/** `unauthorized()`: a call of an app function that throws on every path (`(): never`). */
function throwingIn(app: App): Throwing {
  return (call) => {
    const fn = app.appFunction(call);
    return fn !== undefined && "body" in fn && fn.body !== undefined && onlyThrows(fn.body);
  };
}

/** Whether `body` leaves when the variable or parameter `name` holds a denial. */
function leavesOnDenialOf(app: App, body: ts.Node, name: string, denial: Denial, depth: number): boolean {
  const atom = variableAtom(name, denial);
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isIfStatement(n) && ifLeavesOnDenial(n, atom, throwingIn(app))) found = true;
    else if (ts.isCallExpression(n) && depth < 3 && assertsOnDenial(app, n, name, denial, depth)) found = true;
    else if (!isFunctionLike(n) || n === body) ts.forEachChild(n, visit);
  };
  visit(body);
  return found;
}

/**
 * `assertSignedIn(identity)`: an app function that leaves when its parameter holds a denial
 * (read from its body, whatever its `asserts` annotation claims), or a declared assertion
 * function (`asserts value`) of a dependency.
 */
function assertsOnDenial(app: App, call: ts.CallExpression, name: string, denial: Denial, depth: number): boolean {
  const index = call.arguments.findIndex((a) => {
    const e = skipOuter(a);
    return ts.isIdentifier(e) && e.text === name;
  });
  if (index < 0 || swallowed(call, enclosingFunction(call) ?? call, false)) return false;
  const fn = app.appFunction(call);
  if (fn !== undefined) {
    const param = fn.parameters[index]?.name;
    return param !== undefined && ts.isIdentifier(param) && leavesOnDenialOf(app, fn, param.text, denial, depth + 1);
  }
  const target = app.calleeTarget(call.expression);
  const symbol = app.symbol(ts.isPropertyAccessExpression(target) ? target.name : target);
  return (symbol?.declarations ?? []).some((d) => {
    if (!ts.isFunctionDeclaration(d) && !ts.isMethodSignature(d) && !ts.isFunctionTypeNode(d)) return false;
    const param = d.parameters[index]?.name;
    return d.type !== undefined && ts.isTypePredicateNode(d.type) && d.type.assertsModifier !== undefined && param !== undefined && ts.isIdentifier(param) && d.type.parameterName.getText() === param.text;
  });
}

/**
 * Whether a call's answer decides something: it (or the variable it initializes) is tested by
 * an `if`, a `?:`, an `&&`/`||`, or given to `guard.assertConfirmed`.
 */
function tested(call: ts.CallExpression): boolean {
  const inTest = (n: ts.Node, expr: ts.Node): boolean =>
    (ts.isIfStatement(n) && n.expression === expr) ||
    (ts.isConditionalExpression(n) && n.condition === expr) ||
    (ts.isBinaryExpression(n) && n.left === expr && (n.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken || n.operatorToken.kind === ts.SyntaxKind.BarBarToken));
  for (let n: ts.Node = outer(call); n.parent !== undefined && !ts.isStatement(n.parent); n = n.parent) if (inTest(n.parent, n)) return true;
  const bound = boundTo(call);
  const body = enclosingFunction(call);
  if (bound === undefined || body === undefined) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    const tests = ts.isIfStatement(n) ? n.expression : ts.isConditionalExpression(n) ? n.condition : ts.isBinaryExpression(n) && inTest(n, n.left) ? n.left : undefined;
    if (tests !== undefined && mentionsName(tests, bound.name)) found = true;
    else if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(skipOuter(n.expression)) && (skipOuter(n.expression) as ts.PropertyAccessExpression).name.text === "assertConfirmed" && n.arguments.some((a) => mentionsName(a, bound.name))) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(body);
  return found;
}

/** Whether an expression refers to the same variable as `name` (by text within one function). */
export function mentions(expr: ts.Node, name: ts.Identifier): boolean {
  return mentionsName(expr, name.text);
}

export function mentionsName(expr: ts.Node, name: string): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(n) && n.text === name && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) found = true;
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
