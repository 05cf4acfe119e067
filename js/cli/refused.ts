// `declaration-refused`: a declaration of `guard.query`, `guard.mutation`, `guard.action`,
// `guard.customCtx` or `guard.safeAction` that the guard refuses with a GuardConfigError at every
// call of the functions it makes, found only at the first call (the audit would otherwise list
// the check or the limit as working):
//
//   customQuery(query, guard.customCtx({ rateLimit: { name: "writes" } }))  // a query takes from no rate limit
//   guard.mutation(mutation, { rateLimit: { name: "wirtes" }, ... })       // no limit of that name is configured
//   action(guard.safeAction({ permission: "admin:wipe", ... }))            // no configured role holds it
//   guard.mutation(mutation, { access: { table: "posts", arg: "id", level: "editor" }, ... }) // levels viewer, manager, owner
//   guard.query(query, { args: { id: v.id("posts") }, access: { table: "posts", arg: "postId", level: "viewer" }, ... }) // no such argument
//
// A role, a permission, each rate limit's name, and `access`'s table and level are read when
// written literally (or through `const`s), and judged against the configuration of the guard
// called (guards.ts): the names of its `rateLimits`, its `roles`, the permissions its roles hold
// as the package's own engine decides (permissions.ts: wildcards and inheritance included), its
// `access.tables` and its `access.levels` (the default levels when it sets none: levels.ts). A name not written literally, or
// a configuration the audit cannot read (a warning says so), is not judged. Whatever the guard, an
// `access.arg` written literally that is not among the builder's `args` (read whole, `v.object`'s
// fields), and an `access` with no `level` (JavaScript), are refused too.
import ts from "typescript";
import { callConfig, defineGuardCalls, isUnreadable, member, rateLimitNames, readObject, readStrings, warnUnreadable, type ObjectRead } from "./config.js";
import { accessFields } from "./accessfields.js";
import { exportedFunction } from "./failopen.js";
import type { ConvexFunction } from "./functions.js";
import { consult } from "./guards.js";
import { configuredLevels } from "./levels.js";
import { someRoleHolds } from "./permissions.js";
import { GUARD, type App } from "./program.js";
import { CONVEX } from "./facts.js";
import { finding, type Finding } from "./rules.js";

const DECLARES = new Set(["query", "mutation", "action", "customCtx", "safeAction"]);
const IGNORED = "declaration-refused (whether the role, rate-limit and access level names builders declare are configured is not judged)";
const JUDGED = "declaration-refused (reported only when every guard refuses the name)";

/** Every declaration the guard refuses at each call, at its first refused key. */
export function refusedFindings(app: App, functions: ConvexFunction[]): Finding[] {
  const ids = new Set(functions.map((f) => f.id));
  const out: Finding[] = [];
  const files = new Set(defineGuardCalls(app).length === 0 ? [] : app.program.getSourceFiles().filter((f) => app.isAppCode(f)));
  for (const file of files) {
    const visit = (n: ts.Node): void => {
      ts.forEachChild(n, visit);
      const method = ts.isCallExpression(n) ? app.calleeFrom(n, GUARD)?.name : undefined;
      if (method === undefined || !DECLARES.has(method)) return;
      const call = n as ts.CallExpression;
      const given = call.arguments[method === "query" || method === "mutation" || method === "action" ? 1 : 0];
      const declared = given === undefined ? undefined : readObject(app, given);
      if (declared === undefined || isUnreadable(declared)) return;
      const where = exportedFunction(app, file, call, ids) ?? app.relative(file.fileName);
      // One finding per declaration, at its first refused key, naming every refusal.
      const refused = refusals(app, call, method, declared);
      if (refused.length === 0) return;
      const what = `guard.${method}${method === "customCtx" ? ` (${helperName(app, call) ?? "a custom builder"})` : ""}`;
      out.push(finding("declaration-refused", where, app.loc(refused[0]!.at), `${what}: ${refused.map((r) => r.why).join("; ")}: every call of the functions it makes is a GuardConfigError`));
    };
    visit(file);
  }
  return out;
}

/** What of one declaration every guard it may be refuses: where, and why. */
function refusals(app: App, call: ts.CallExpression, method: string, declared: ObjectRead): { at: ts.Node; why: string }[] {
  const out: { at: ts.Node; why: string }[] = [];
  const limits = declared.property("rateLimit");
  if (limits !== undefined && !isUnreadable(limits) && (method === "query" || helperName(app, call) === "customQuery")) {
    out.push({ at: limits, why: "it declares a rateLimit for a query, which cannot take from a rate limit (take it in a mutation, or call guard.checkRateLimit in the handler)" });
  }
  const role = literalAt(app, declared, "role");
  const permission = literalAt(app, declared, "permission");
  const value = member(app, declared, "rateLimit");
  const entries = value === undefined || isUnreadable(value) ? [] : ts.isArrayLiteralExpression(value) ? [...value.elements] : [value];
  const names = entries.map((e) => readObject(app, e)).flatMap((read) => (isUnreadable(read) ? [] : (literalAt(app, read, "name") ?? [])));
  // `access: { table, arg, level }`: its table and level (newuser31 F3).
  const access = member(app, declared, "access");
  // Only a query's or mutation's access names are judged: an action, a customCtx and a safe action refuse the key itself (finalread29 F4).
  const checksAccess = method === "query" || method === "mutation";
  const accessKey = declared.property("access");
  if (!checksAccess && accessKey !== undefined && !isUnreadable(accessKey)) out.push({ at: accessKey, why: method === "action" ? "an action cannot check access: it has no database (check it in a query or mutation)" : "it takes no access key (check the document in the handler: guard.requireAccess)" });
  const accessRead = !checksAccess || access === undefined || isUnreadable(access) ? undefined : readObject(app, access);
  const scope = accessRead === undefined || isUnreadable(accessRead) ? undefined : accessRead;
  const table = scope === undefined ? undefined : literalAt(app, scope, "table");
  const level = scope === undefined ? undefined : literalAt(app, scope, "level");
  // Refused whatever the guard (attack40 F4): an access.arg not among its args, an access with no level (JavaScript).
  if (scope !== undefined) {
    const arg = literalAt(app, scope, "arg"), args = argsOf(app, declared);
    if (arg !== undefined && args !== undefined && args.open === undefined && !args.props.has(arg.text)) out.push({ at: arg.node, why: `access.arg '${arg.text}' is not one of its arguments` });
    if (scope.property("level") === undefined) out.push({ at: declared.property("access") as ts.Node, why: "its access has no level (access: { table, arg, level }: the level the caller needs, one of access.levels)" });
  }
  // The guard is asked (a warning when it cannot be followed) only when a name is to be judged.
  if (role === undefined && permission === undefined && names.length === 0 && table === undefined && level === undefined) return out;
  const guards = consult(app, call, JUDGED);
  const refusedBy = (judge: (guard: ts.CallExpression) => boolean | undefined) => guards.length > 0 && guards.every((g) => judge(g) === true);
  if (role !== undefined && refusedBy((g) => namesOf(app, g, "roles")?.includes(role.text) === false)) out.push({ at: role.node, why: `role '${role.text}' is not a configured role` });
  if (permission !== undefined && refusedBy((g) => negate(someRoleHolds(app, g, permission.text)))) out.push({ at: permission.node, why: `permission '${permission.text}' is not held by any configured role` });
  for (const name of names) {
    if (refusedBy((g) => namesOf(app, g, "rateLimits")?.includes(name.text) === false)) out.push({ at: name.node, why: `rate limit '${name.text}' is not configured in the guard's rateLimits` });
  }
  // A table or level no guard configures, named with those they do (as the builder's GuardConfigError).
  const configured = (named: { text: string; node: ts.Node } | undefined, what: string, all: (g: ts.CallExpression) => readonly string[] | null) => {
    if (named === undefined || !refusedBy((g) => negate(all(g)?.includes(named.text)))) return;
    const names = [...new Set(guards.flatMap((g) => all(g) ?? []))].map((n) => `'${n}'`).join(", ");
    out.push({ at: named.node, why: `${what} '${named.text}' is not configured (configured: ${names || "none"})` });
  };
  configured(table, "access table", (g) => { const t = accessFields(app, g); return t === null ? null : [...t.keys()]; });
  configured(level, "access level", (g) => configuredLevels(app, g, IGNORED));
  return out;
}

/** The builder's `args` read (of `v.object({...})`, its fields), or undefined. */
function argsOf(app: App, declared: ObjectRead): ObjectRead | undefined {
  let args = member(app, declared, "args");
  if (args !== undefined && !isUnreadable(args) && ts.isCallExpression(args) && app.calleeFrom(args, CONVEX)?.name === "object") args = args.arguments[0];
  const read = args === undefined || isUnreadable(args) ? undefined : readObject(app, args);
  return read === undefined || isUnreadable(read) ? undefined : read;
}

const negate = (b: boolean | undefined) => (b === undefined ? undefined : !b);

/** A key's value when a string written literally (or through `const`s), with the node that gives it. */
function literalAt(app: App, object: ObjectRead, key: string): { text: string; node: ts.Node } | undefined {
  const p = object.property(key);
  const value = member(app, object, key);
  return p === undefined || isUnreadable(p) || value === undefined || isUnreadable(value) || !ts.isStringLiteralLike(value) ? undefined : { text: value.text, node: p };
}

/** The convex-helpers builder a customCtx call is given to (`customQuery`), if it is one's. */
function helperName(app: App, call: ts.CallExpression): string | undefined {
  let parent = call.parent;
  while (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent) || ts.isSatisfiesExpression(parent)) parent = parent.parent;
  return ts.isCallExpression(parent) ? app.calleeFrom(parent, "convex-helpers")?.name : undefined;
}

/**
 * The names one guard's configuration gives: its `rateLimits` keys (none when absent), or its
 * `roles` (undefined when absent: not judged); undefined, after a warning, when not readable.
 */
function namesOf(app: App, guard: ts.CallExpression, key: "rateLimits" | "roles"): string[] | undefined {
  if (key === "rateLimits") {
    const limits = rateLimitNames(app, guard, IGNORED);
    return limits.open ? undefined : [...limits.props.keys()];
  }
  const config = callConfig(app, guard);
  if (config === undefined) return undefined;
  if (isUnreadable(config)) return void warnUnreadable(app, config, IGNORED);
  const roles = member(app, config, "roles");
  const names = roles === undefined || isUnreadable(roles) ? roles : readStrings(app, roles);
  return names !== undefined && isUnreadable(names) ? void warnUnreadable(app, names, IGNORED) : names;
}
