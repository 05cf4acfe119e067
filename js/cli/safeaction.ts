// What `action(guard.safeAction({ check?, role?, permission?, rateLimit?, handler, ... }))`
// declares, as facts: its check (the default `requireUser`, the guard's `requireRole` or
// `requirePermission` for `role` or `permission`, or the definition's own), its audit row and
// its rate limit.
import ts from "typescript";
import { CONVEX, GUARD, emptyFacts, mergeFacts, type FactsFinder, type Facts, type Use } from "./facts.js";
import { answersOf, carriesNoData, isNullish } from "./flow.js";
import type { ConvexFunction } from "./functions.js";
import { isFunctionLike, skipOuter, type App, type Loc } from "./program.js";
import { optionValue } from "./options.js";
import { finding, type Finding } from "./rules.js";

/**
 * The facts of a safeAction definition. `property` and `functionValue` read the definition as
 * functions.ts reads every definition (the last writer wins; names resolved to the app's values).
 */
export function safeActionFacts(
  app: App,
  finder: FactsFinder,
  definition: ts.ObjectLiteralExpression,
  at: Loc,
  property: (name: string) => ts.Node | undefined,
  functionValue: (node: ts.Node | undefined) => ts.SignatureDeclaration | undefined,
  /** The `guard.safeAction(...)` call: its guard's configuration judges a `role` (roles.ts). */
  made?: ts.CallExpression,
): Facts {
  const facts = emptyFacts();
  const check = functionValue(property("check"));
  // `role` / `permission` (beside no `check`: the wrapper refuses both at every call): the
  // guard's requireRole / requirePermission, which find the user first, as the builders'.
  const role = property("role");
  const permission = property("permission");
  const literal = (value: ts.Node | undefined) => (value !== undefined && ts.isStringLiteralLike(value) ? `("${value.text}")` : "");
  const guardCall = made === undefined ? {} : { guardCall: made };
  if (property("check") === undefined && (role !== undefined || permission !== undefined)) {
    facts.auth.push({ level: "authenticated", via: "guard.safeAction (user)", handWritten: false, at, ...guardCall });
    if (role !== undefined) facts.auth.push({ level: "role", via: `guard.safeAction role${literal(role)}`, handWritten: false, at, role, ...guardCall });
    if (permission !== undefined) facts.auth.push({ level: "permission", via: `guard.safeAction permission${literal(permission)}`, handWritten: false, at, role: permission, ...guardCall });
  } else if (check !== undefined) {
    const found = finder.of(check);
    // A hand-written exit's `return "guest"` leaves a handler with no data, but a check's string
    // is an actor: that path lets the caller in.
    mergeFacts(facts, returnsActorLiteral(check) ? { ...found, auth: found.auth.filter((a) => !a.handWritten) } : found);
    // safeAction refuses a check's null or undefined as UNAUTHENTICATED, before the handler.
    if (answersNobodyWhenSignedOut(app, check)) {
      facts.auth.push({ level: "authenticated", via: "guard.safeAction check (null when signed out: UNAUTHENTICATED)", handWritten: false, at: app.loc(check) });
    }
  } else facts.auth.push({ level: "authenticated", via: "guard.safeAction (default check: requireUser)", handWritten: false, at });
  facts.audited.push({ via: "guard.safeAction", at });
  // Named limits taken after the check, before the handler.
  facts.rateLimits.push(...declaredLimits(app, property("rateLimit"), "guard.safeAction", at));
  return facts;
}

/**
 * The limits a definition's `rateLimit` declares, as a builder's or a safe action's: one, or
 * one for each of a list (taken all or nothing through guard.rateLimitAll). `rateLimit: []`
 * declares none (the runtime refuses it when the function is defined). A builder's `key: { arg }`
 * on every entry is the caller's own bucket (`argKey`), as a hand-written key from an argument
 * is: a list with an entry keyed otherwise (the caller's, the default, or `"global"`) limits.
 */
export function declaredLimits(app: App, limits: ts.Node | undefined, via: string, at: Loc): Use[] {
  if (limits === undefined) return [];
  const entries = ts.isArrayLiteralExpression(limits) ? [...limits.elements] : [limits];
  const args = entries.map((e) => (ts.isExpression(e) ? argKey(app, e) : undefined));
  const byArgs = args.every((a) => a !== undefined);
  const shown = (i: number) => (ts.isArrayLiteralExpression(limits) ? `${via} rateLimit[${i}]` : `${via} rateLimit`);
  return entries.map((_, i) => ({ via: shown(i), at, ...(byArgs ? { argKey: args[i]! } : {}) }));
}

/**
 * The argument a declared limit's key is made of, through `const`s: a builder's `key: { arg:
 * "orgId" }` (`orgId`), or a safe action's key function that reads the arguments and not the
 * actor (`({ args }) => args.who`, `who`); undefined for any other key.
 */
function argKey(app: App, entry: ts.Expression): string | undefined {
  let key = optionValue(app, entry, "key");
  if (key !== undefined && ts.isIdentifier(key)) key = app.constInitializer(key) ?? key;
  if (key !== undefined && isFunctionLike(skipOuter(key as ts.Expression))) return keyFunctionArg(skipOuter(key as ts.Expression) as ts.SignatureDeclaration);
  if (key === undefined || !ts.isObjectLiteralExpression(skipOuter(key))) return undefined;
  const arg = optionValue(app, key, "arg");
  return arg === undefined ? undefined : ts.isStringLiteralLike(arg) ? arg.text : arg.getText();
}

/**
 * The argument a safe action's key function makes every key of, with nothing of the actor's:
 * `({ args }) => args.who`, `` ({ args: { ws } }) => `ws:${ws}` ``, `(k) => k.args.who`. Such a
 * key is the caller's to pick (a fresh budget per value), as a builder's `key: { arg }` is;
 * undefined when a returned key reads the actor, or no argument (`() => "global"`).
 */
function keyFunctionArg(fn: ts.SignatureDeclaration): string | undefined {
  const param = fn.parameters[0]?.name;
  // Each name the key function reads its input through: `args`/`actor` themselves, or an argument.
  const bound = new Map<string, { from: "args" | "actor"; arg?: string }>();
  if (param !== undefined && ts.isObjectBindingPattern(param)) {
    for (const el of param.elements) {
      const from = (el.propertyName ?? el.name).getText();
      if (from !== "args" && from !== "actor") continue;
      if (ts.isIdentifier(el.name)) bound.set(el.name.text, { from });
      else if (ts.isObjectBindingPattern(el.name) && from === "args") for (const a of el.name.elements) bound.set(a.name.getText(), { from, arg: (a.propertyName ?? a.name).getText() });
    }
  }
  const input = param !== undefined && ts.isIdentifier(param) ? param.text : undefined;
  let arg: string | undefined;
  let actor = false;
  const visit = (n: ts.Node): void => {
    // `k.args` / `k.actor` of an input read whole, then a bound name (`args`, `who`).
    const read = ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === input ? { from: n.name.text, at: n } : ts.isIdentifier(n) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n) ? { ...bound.get(n.text), at: n } : undefined;
    if (read?.from === "actor") actor = true;
    if (read?.from === "args") {
      const field = ts.isPropertyAccessExpression(read.at.parent) && read.at.parent.expression === read.at ? read.at.parent.name.text : undefined;
      arg ??= ("arg" in read && read.arg !== undefined ? read.arg : field) ?? "(a value of the arguments)";
      return;
    }
    ts.forEachChild(n, visit);
  };
  for (const e of returnedValues(fn)) visit(e);
  return actor ? undefined : arg;
}

/**
 * Whether every answer of a check is null or undefined when no one is signed in: each value it
 * returns is the answer of `ctx.auth.getUserIdentity()` or `guard.getUser(ctx)` (directly, through
 * a `const`, or a field of it read with `?.`), `null` or `undefined`. `?? "anonymous"`, a
 * constant actor, or a path that returns anything else is no check.
 */
function answersNobodyWhenSignedOut(app: App, check: ts.SignatureDeclaration): boolean {
  const answers = returnedValues(check);
  return answers.length > 0 && answers.every((e) => nobodyWhenSignedOut(app, e));
}

/**
 * Whether a check returns an actor written literally, a value made of no data that may be a
 * non-empty string or an object (`return "guest"`, `` `guest-${1}` ``, `{ name: "guest" }`): an
 * actor for anyone. Not null, undefined, `""`, a number, a boolean or an array (refused).
 */
function returnsActorLiteral(check: ts.SignatureDeclaration): boolean {
  return returnedValues(check).some((e) => {
    const v = skipOuter(e);
    const refused = (ts.isStringLiteralLike(v) && v.text === "") || ts.isNumericLiteral(v) || ts.isArrayLiteralExpression(v) || ts.isPrefixUnaryExpression(v) || [ts.SyntaxKind.NullKeyword, ts.SyntaxKind.TrueKeyword, ts.SyntaxKind.FalseKeyword].includes(v.kind);
    return !refused && !(ts.isIdentifier(v) && v.text === "undefined") && carriesNoData(v);
  });
}

/** What a function returns, bare `return`s left out (flow.ts `answersOf`). */
const returnedValues = (fn: ts.SignatureDeclaration): ts.Expression[] => answersOf(fn).filter((e) => e !== undefined);

function nobodyWhenSignedOut(app: App, e: ts.Expression, depth = 0): boolean {
  e = skipOuter(e);
  if (isNullish(e)) return true;
  if (ts.isPropertyAccessExpression(e) && e.questionDotToken !== undefined) return nobodyWhenSignedOut(app, e.expression, depth);
  if (ts.isCallExpression(e)) return app.calleeFrom(e, CONVEX)?.name === "getUserIdentity" || app.calleeFrom(e, GUARD)?.name === "getUser";
  const init = ts.isIdentifier(e) && depth < 4 ? app.constInitializer(e) : undefined;
  return init !== undefined && nobodyWhenSignedOut(app, init, depth + 1);
}

/**
 * `guard.safeAction` handlers that read a variable (by name) missing from the guard's
 * `confirmations.redactEnv` (and `secretEnv`): its value is not scanned out of what the caller
 * sees. `redactedBy`: what a function's guard redacts (allow.ts); nothing is reported when that
 * cannot be read (undefined).
 */
export function unredactedEnvFindings(functions: ConvexFunction[], redactedBy: (fn: ConvexFunction) => Set<string> | undefined): Finding[] {
  const out: Finding[] = [];
  for (const fn of functions.filter((f) => f.safeAction && f.visibility === "public")) {
    // Asked only of a function that reads a variable by name: an unfollowed guard warns only where it matters.
    const redacted = fn.facts.envReads.some((r) => (r.names ?? []).length > 0) ? redactedBy(fn) : undefined;
    if (redacted === undefined) continue;
    for (const read of fn.facts.envReads) {
      for (const name of (read.names ?? []).filter((n) => !redacted.has(n))) {
        out.push(finding("safe-action-env-unredacted", fn.id, read, `${fn.id} reads process.env.${name}, which confirmations.redactEnv does not list: safeAction does not scan for its value`));
      }
    }
  }
  return out;
}
