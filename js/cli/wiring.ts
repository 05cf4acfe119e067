// `wiring-missing`: what the guard runs in an action needs functions the app exports itself, and
// without them every call fails closed with a GuardConfigError, found at the first call only:
//
//   getUser, rateLimit   `export const { getUser, rateLimit } = guard.internalFunctions(internalQuery,
//                        internalMutation);` in the module `actions.module` names (default
//                        convex/guardFunctions.ts): asked by guard.requireUser, requireRole,
//                        requirePermission and getUser (getUser), rateLimit, checkRateLimit and
//                        rateLimitAll (rateLimit) given an action's ctx, by `guard.action(...)` and
//                        `guard.customCtx(...)` in an action, and by `guard.safeAction(...)` (its
//                        own check unless it has `check`, its `rateLimit`)
//   log                  `export const log = guard.audit.logMutation(internalMutation);` where
//                        `confirmations.audit.logFunction` says (default convex/audit.ts): every
//                        safeAction's audit rows, and guard.audit.log given an action's ctx
//
// An action's ctx is the ctx of the app's exported actions and HTTP actions, and of its HTTP
// routes' handlers (routes.ts): their definitions are read, with every function of the app they
// reach. Reported at the use, naming the line to
// add and the file, when the audit can see the export is missing or is not the guard's; quiet
// when it cannot tell (a configuration it cannot read is a warning, a module it could not load
// or an export made by the app's own function is left alone).
import { join } from "node:path";
import ts from "typescript";
import { DEFAULT_ACTIONS_MODULE, DEFAULT_LOG_FUNCTION, isReference } from "../defaults.js";
import { initializer } from "./argflow.js";
import { callConfig, isUnreadable, member, objectAt, readObject, readValue, unreadable, warnUnreadable, type Unreadable } from "./config.js";
import { classifyType, UNTOLD } from "./exports.js";
import { exportedFunction } from "./failopen.js";
import type { ConvexFunction } from "./functions.js";
import { consult } from "./guards.js";
import { GUARD, isFunctionLike, skipOuter, within, type App } from "./program.js";
import { finding, type Finding } from "./rules.js";

type Need = "getUser" | "rateLimit" | "log";
/** A call that needs exports of the app: where, what it is, and which. */
interface Use {
  call: ts.CallExpression;
  what: string;
  needs: Set<Need>;
}
/** Where one guard's wired functions are: a module path and its export names; undefined when its configuration cannot be read. */
interface Place {
  module: string;
  /** What each need is exported as. */
  exports: { need: Need; name: string }[];
  /** The guard method that makes them, and the line that exports them. */
  maker: "internalFunctions" | "logMutation";
  line: (guard: string) => string;
}

const CHECKS = new Set(["requireUser", "requireRole", "requirePermission", "getUser"]);
const LIMITS = new Set(["rateLimit", "checkRateLimit", "rateLimitAll"]);
const IGNORED = "wiring-missing (whether the guard's internal functions and audit log mutation are exported is not judged)";
const JUDGED = "wiring-missing (reported only when no guard's module exports what the call needs)";

/** Every use of a wired function in the app's actions whose export is missing or not the guard's. */
export function wiringFindings(app: App, functions: ConvexFunction[]): Finding[] {
  const ids = new Set(functions.map((f) => f.id));
  const out: Finding[] = [];
  for (const use of actionUses(app, functions)) {
    // Judged by every guard it may be (one, mostly): reported only when each lacks the same.
    const judged = consult(app, use.call, JUDGED).map((g) => problemsOf(app, g, use.needs));
    const found = judged[0];
    if (found === undefined || judged.some((p) => p === undefined || p.why.length === 0)) continue;
    const file = use.call.getSourceFile();
    // The export it is in, or the HTTP route (`http POST /hook`), else its module.
    const route = functions.find((f) => ts.isCallExpression(f.declaration) && within(use.call, f.declaration));
    const where = exportedFunction(app, file, use.call, ids) ?? route?.id ?? app.relative(file.fileName);
    const message = `${where}: ${use.what} runs through functions the app exports for the guard (${found.needs.join("; ")}), and ${found.why.join("; ")}: every call fails closed with a GuardConfigError`;
    const fix = found.fix.map((f, i) => (i === 0 ? f : `${f.charAt(0).toLowerCase()}${f.slice(1)}`)).join("; ");
    out.push(finding("wiring-missing", where, app.loc(use.call), message, `${fix} (README: "Wiring the guard checks").`));
  }
  return out;
}

/** What is wrong where one guard's functions that `needs` names are exported: undefined when it cannot be told. */
function problemsOf(app: App, guard: ts.CallExpression, needs: Set<Need>): { needs: string[]; why: string[]; fix: string[] } | undefined {
  const out = { needs: [] as string[], why: [] as string[], fix: [] as string[] };
  const name = guardName(guard);
  const server = app.shown(join(app.convexDir, "_generated", "server"));
  for (const place of placesOf(app, guard)) {
    // A place the configuration does not say (a warning names it) is not judged.
    const wanted = place === undefined ? [] : place.exports.filter((e) => needs.has(e.need));
    if (place === undefined || wanted.length === 0) continue;
    const file = app.modules.find((f) => app.modulePath(f) === place.module);
    // A module Convex deploys that the program could not load: the audit cannot see into it.
    if (file === undefined && app.unloaded.some((u) => app.modulePath({ fileName: u } as ts.SourceFile) === place.module)) return undefined;
    const shown = app.shown(file?.fileName ?? join(app.convexDir, `${place.module}.ts`));
    const needed = `${wanted.map((e) => e.name).join(" and ")} of ${shown}`;
    const builders = place.maker === "logMutation" ? "internalMutation" : "internalQuery and internalMutation";
    const add = `${place.line(name)} in ${shown} (${builders} from ${server}, ${name} from ${app.shown(guard.getSourceFile().fileName)})`;
    if (file === undefined) {
      out.needs.push(needed);
      out.why.push(`${shown} does not exist`);
      out.fix.push(`Add ${add}`);
      continue;
    }
    const verdicts = wanted.map(({ need, name }) => [name, exportOf(app, file, name, need, place.maker, guard)] as const);
    if (verdicts.some(([, v]) => v === "unknown")) return undefined;
    const missing = verdicts.filter(([, v]) => v === "missing").map(([n]) => n);
    const foreign = verdicts.filter(([, v]) => v !== "missing" && v !== "guard").map(([n, v]) => `${n} (${v})`);
    if (missing.length > 0) out.why.push(`${shown} exports no ${missing.join(" or ")}`);
    if (foreign.length > 0) out.why.push(`${shown} exports ${foreign.join(" and ")}, not the guard's own, which alone answers the guard`);
    if (missing.length + foreign.length === 0) continue;
    out.needs.push(needed);
    out.fix.push(`${foreign.length > 0 ? `Replace ${foreign.length === 1 ? "that export" : "those exports"} with` : "Add"} ${add}`);
  }
  return out;
}

/**
 * The calls that need wired functions, in the definitions of the app's exported actions, HTTP
 * actions and HTTP routes (Convex Auth's own endpoints aside) and every function of the app they reach: a
 * handler, a `check`, a helper, a definition or a custom builder held in a `const`.
 */
function actionUses(app: App, functions: ConvexFunction[]): Use[] {
  const uses: Use[] = [];
  const seen = new Set<ts.Node>();
  const visit = (node: ts.Node): void => {
    if (seen.has(node)) return;
    seen.add(node);
    if (ts.isCallExpression(node)) {
      const method = app.calleeFrom(node, GUARD);
      // A query's or a mutation's builder runs with its own ctx, which has a database.
      if (method !== undefined && (method.name === "query" || method.name === "mutation" || method.name === "defineGuard")) return;
      const use = method === undefined ? undefined : useOf(app, node, method);
      if (use !== undefined) uses.push(use);
      const helper = method === undefined ? app.appFunction(node) : undefined;
      if (helper !== undefined) visit(helper);
    } else if (ts.isIdentifier(node)) {
      followed(app, node).forEach(visit);
    }
    ts.forEachChild(node, visit);
  };
  for (const fn of functions.filter((f) => (f.kind === "action" || f.kind === "httpAction") && f.library === null)) {
    // An export's initializer (of the whole `export const { a, b } = ...`), or an HTTP route's `http.route({ ... })`.
    const decl = fn.declaration;
    const start = ts.isCallExpression(decl) ? decl : initializer(ts.isBindingElement(decl) ? decl.parent.parent : decl);
    if (start !== undefined) visit(start);
  }
  return uses;
}

/** What a name in an action's definition leads to: a function of the app, a `const` holding an object, or (called) a custom builder's call. */
function followed(app: App, name: ts.Identifier): ts.Node[] {
  const parent = name.parent;
  // A member's or a property's name is no value of its own (and asking would type its object).
  if ((ts.isPropertyAccessExpression(parent) && parent.name === name) || (ts.isPropertyAssignment(parent) && parent.name === name)) return [];
  if (ts.isBindingElement(parent) || ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isFunctionDeclaration(parent)) return [];
  const symbol = ts.isShorthandPropertyAssignment(parent) ? app.checker.getShorthandAssignmentValueSymbol(parent) : app.symbol(name);
  if (symbol === undefined) return [];
  const fn = app.functionOf(symbol);
  if (fn !== undefined) return [fn];
  const decl = symbol.valueDeclaration;
  if (decl === undefined || !ts.isVariableDeclaration(decl) || !(ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const) || decl.initializer === undefined) return [];
  if (!app.isAppCode(decl.getSourceFile())) return [];
  const value = skipOuter(decl.initializer);
  const called = ts.isCallExpression(parent) && parent.expression === name;
  return ts.isObjectLiteralExpression(value) || (called && ts.isCallExpression(value)) ? [value] : [];
}

/** What a guard call in an action needs exported, if anything. */
function useOf(app: App, call: ts.CallExpression, method: { name: string; owner: string }): Use | undefined {
  const name = method.name;
  const shown = `${skipOuter(call.expression).getText().replace(/\s+/g, "")}(...)`;
  if (CHECKS.has(name)) return { call, what: `${shown} in an action`, needs: new Set(["getUser"]) };
  if (LIMITS.has(name)) return { call, what: `${shown} in an action`, needs: new Set(["rateLimit"]) };
  if (name === "log" && method.owner === "Audit") return { call, what: `${shown} in an action`, needs: new Set(["log"]) };
  const definition = name === "safeAction" || name === "customCtx" ? call.arguments[0] : name === "action" ? call.arguments[1] : undefined;
  if (definition === undefined) return undefined;
  // A key a spread may hold is not known to be there (nor known absent: a `check` may be).
  const read = readObject(app, definition);
  const has = (key: string) => (isUnreadable(read) ? undefined : read.property(key) === undefined ? false : isUnreadable(read.property(key)) ? undefined : true);
  const needs = new Set<Need>();
  if (name === "safeAction") needs.add("log");
  if (name !== "safeAction" || has("check") === false) needs.add("getUser");
  if (has("rateLimit") === true) needs.add("rateLimit");
  return { call, what: shown, needs };
}

/**
 * Whether a module's export `name` is the guard's own (`maker`'s, and of what `maker` makes the
 * function `key`), missing, unknown, or else what it is.
 */
function exportOf(app: App, file: ts.SourceFile, name: string, key: Need, maker: Place["maker"], guard: ts.CallExpression): "guard" | "missing" | "unknown" | string {
  const moduleSymbol = app.checker.getSymbolAtLocation(file);
  const exported = moduleSymbol === undefined ? undefined : app.checker.getExportsOfModule(moduleSymbol).find((s) => s.getName() === name);
  if (exported === undefined) return moduleSymbol === undefined ? "unknown" : "missing";
  const symbol = exported.flags & ts.SymbolFlags.Alias ? app.checker.getAliasedSymbol(exported) : exported;
  const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
  if (decl === undefined) return "unknown";
  // `export const { getUser, rateLimit } = guard.internalFunctions(...)`, `const fns = ...; export const { getUser } = fns`.
  if (ts.isBindingElement(decl)) {
    const holder = decl.parent.parent;
    const taken = decl.propertyName ?? decl.name;
    const made = ts.isVariableDeclaration(holder) && holder.initializer !== undefined ? madeBy(app, holder.initializer, maker) : undefined;
    if (made === undefined || !ts.isObjectBindingPattern(decl.parent) || !ts.isIdentifier(taken)) return "unknown";
    return taken.text === key ? ofGuard(app, made, guard) : `the guard's '${taken.text}' under the name '${name}'`;
  }
  const value = ts.isFunctionDeclaration(decl) ? decl : initializer(decl) === undefined ? undefined : readValue(app, initializer(decl)!);
  if (value === undefined || isUnreadable(value)) return "unknown";
  if (isFunctionLike(value)) return "a plain function, not a registered one";
  // `export const getUser = fns.getUser`, `export const log = guard.audit.logMutation(internalMutation)`.
  if (maker === "internalFunctions" && ts.isPropertyAccessExpression(value)) {
    const made = madeBy(app, value.expression, maker);
    if (made !== undefined) return value.name.text === key ? ofGuard(app, made, guard) : `the guard's '${value.name.text}' under the name '${name}'`;
    return "unknown";
  }
  if (!ts.isCallExpression(value)) return "unknown";
  const made = maker === "logMutation" ? madeBy(app, value, maker) : undefined;
  if (made !== undefined) return ofGuard(app, made, guard);
  // A Convex builder's call (`internalQuery({ ... })`): hand-written. An app function's answer may be the guard's.
  if (app.appFunction(value) !== undefined) return "unknown";
  const shape = classifyType(app.checker.getTypeAtLocation(value));
  return shape === undefined || shape === UNTOLD ? "unknown" : `a hand-written ${shape.visibility === "unknown" ? "" : `${shape.visibility} `}${shape.kind}`;
}

/** `guard.internalFunctions(...)` (or `logMutation`) a value is, through `const`s. */
function madeBy(app: App, e: ts.Expression, maker: Place["maker"]): ts.CallExpression | undefined {
  const value = readValue(app, e);
  return !isUnreadable(value) && ts.isCallExpression(value) && app.calleeFrom(value, GUARD)?.name === maker ? value : undefined;
}

/** "guard" when the guard's own call made it; another guard's otherwise (two guards in one app). */
function ofGuard(app: App, made: ts.CallExpression, guard: ts.CallExpression): string {
  const makers = consult(app, made, JUDGED);
  return makers.length !== 1 || makers[0] === guard ? "guard" : `another guard's, ${app.loc(makers[0]!).file}:${app.loc(makers[0]!).line}`;
}

/** The name the guard's `const` has (`export const billing = defineGuard(...)`), else `guard`. */
function guardName(guard: ts.CallExpression): string {
  const holder = skipOuter(guard).parent;
  return holder !== undefined && ts.isVariableDeclaration(holder) && ts.isIdentifier(holder.name) ? holder.name.text : "guard";
}

const places = new WeakMap<ts.CallExpression, (Place | undefined)[]>();

/** Where a guard's wired functions are, as its configuration says (`actions.module`, `confirmations.audit.logFunction`). */
export function placesOf(app: App, guard: ts.CallExpression): (Place | undefined)[] {
  let known = places.get(guard);
  if (known === undefined) places.set(guard, (known = readPlaces(app, guard)));
  return known;
}

function readPlaces(app: App, guard: ts.CallExpression): (Place | undefined)[] {
  const config = callConfig(app, guard);
  const missed = (why: Unreadable | ts.Node) => (warnUnreadable(app, isUnreadable(why) ? why : unreadable(why), IGNORED), undefined);
  // A key's string, as written; its default when absent; undefined (after a warning) when not readable.
  const read = (path: string[], fallback: string): string | undefined => {
    let object = config;
    for (const key of path.slice(0, -1)) {
      if (object === undefined) return fallback;
      if (isUnreadable(object)) return missed(object);
      object = objectAt(app, object, key);
    }
    if (object === undefined) return fallback;
    if (isUnreadable(object)) return missed(object);
    const value = member(app, object, path.at(-1)!);
    if (value === undefined) return fallback;
    return isUnreadable(value) || !ts.isStringLiteralLike(value) ? missed(value) : value.text;
  };
  const module = read(["actions", "module"], DEFAULT_ACTIONS_MODULE);
  const log = read(["confirmations", "audit", "logFunction"], DEFAULT_LOG_FUNCTION);
  // A malformed name is the guard's own GuardConfigError (guard.validate()), not this rule's.
  const actions = isReference(module, "module") ? module : undefined;
  const [logModule, logName] = isReference(log, "function") ? log.split(":") : [];
  return [
    actions === undefined
      ? undefined
      : {
          module: actions,
          exports: [
            { need: "getUser", name: "getUser" },
            { need: "rateLimit", name: "rateLimit" },
          ],
          maker: "internalFunctions",
          line: (g) => `\`export const { getUser, rateLimit } = ${g}.internalFunctions(internalQuery, internalMutation);\``,
        },
    logModule === undefined || logName === undefined
      ? undefined
      : { module: logModule, exports: [{ need: "log", name: logName }], maker: "logMutation", line: (g) => `\`export const ${logName} = ${g}.audit.logMutation(internalMutation);\`` },
  ];
}
