// Which guard judges a check: an app may call `defineGuard` several times (one guard per module,
// one per auth provider), each with its own configuration (owner fields, roles, table names,
// redactEnv). A guard call (`guard.requireRole(ctx, "user")`, a builder `guard.mutation(...)`,
// `guard.customCtx(...)`, `guard.safeAction(...)`) is judged by the configuration of the
// `defineGuard` call its receiver comes from, followed as JavaScript would evaluate it: a
// `const` holding the call, in the same file or imported (through re-exports, or a namespace
// import's member), `const { requireUser } = guard`, `guard.audit`. A receiver that leads
// anywhere else (a parameter, a `let`, a call's answer) is judged by every guard of the app, the
// strictest reading for each feature, and the report warns naming it: never a silent pass.
//
// With one `defineGuard` call (or none) there is nothing to choose: every guard call is its.
import ts from "typescript";
import { defineGuardCalls, isUnreadable, readValue, warnUnresolved } from "./config.js";
import { GUARD } from "./facts.js";
import { skipOuter, type App } from "./program.js";

/** The guards a guard call may use: its own defineGuard call, or every one when it cannot be followed. */
export interface Guards {
  calls: readonly ts.CallExpression[];
  /** The receiver that could not be followed (for the warning), when there are several guards. */
  unresolved?: ts.Node;
}

const all = new WeakMap<App, ts.CallExpression[]>();

/** Every `defineGuard(...)` call of the app, found once. */
export function appGuards(app: App): ts.CallExpression[] {
  let known = all.get(app);
  if (known === undefined) all.set(app, (known = defineGuardCalls(app)));
  return known;
}

const resolved = new WeakMap<ts.Node, Guards>();

/** The guards `call` (a call of a guard's method) is judged by. */
function guardsOf(app: App, call: ts.CallExpression): Guards {
  const calls = appGuards(app);
  if (calls.length <= 1) return { calls };
  let known = resolved.get(call);
  if (known === undefined) {
    const receiver = receiverOf(app, call);
    const made = receiver === undefined ? undefined : defineGuardOf(app, receiver, 0);
    known = made !== undefined ? { calls: [made] } : { calls, unresolved: receiver ?? call };
    resolved.set(call, known);
  }
  return known;
}

/**
 * The defineGuard calls whose configuration judges a guard call (every guard of the app when
 * `call` is undefined). The caller reads the strictest answer over them; a receiver that could
 * not be followed is recorded as a warning saying that `judged` (the feature read, and that
 * strictest reading) was used.
 */
export function consult(app: App, call: ts.CallExpression | undefined, judged: string): readonly ts.CallExpression[] {
  if (call === undefined) return appGuards(app);
  const guards = guardsOf(app, call);
  if (guards.unresolved !== undefined) warnUnresolved(app, guards.unresolved, guards.calls, judged);
  return guards.calls;
}

/** What a guard method is called on: `guard` of `guard.requireUser(ctx)`, or of `const { requireUser } = guard`. */
function receiverOf(app: App, call: ts.CallExpression): ts.Expression | undefined {
  const target = app.calleeTarget(call.expression);
  if (ts.isPropertyAccessExpression(target) || ts.isElementAccessExpression(target)) return skipOuter(target.expression);
  const decl = ts.isIdentifier(target) ? app.symbol(target)?.valueDeclaration : undefined;
  if (decl !== undefined && ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent)) {
    const holder = decl.parent.parent;
    if (ts.isVariableDeclaration(holder) && holder.initializer !== undefined) return skipOuter(holder.initializer);
  }
  return undefined;
}

/** The defineGuard call a receiver's value is: through `const`s, imports, a namespace's member, `.audit`. */
function defineGuardOf(app: App, e: ts.Expression, depth: number): ts.CallExpression | undefined {
  const value = readValue(app, e);
  if (isUnreadable(value) || depth > 4) return undefined;
  if (ts.isCallExpression(value)) return app.calleeFrom(value, GUARD)?.name === "defineGuard" ? value : undefined;
  if (!ts.isPropertyAccessExpression(value)) return undefined;
  // `guard.audit.log(...)`: the audit trail of `guard`.
  if (value.name.text === "audit") return defineGuardOf(app, value.expression, depth + 1);
  // `guards.staff` of `import * as guards from "./guards"`: the module's exported const.
  const member = app.checker.getSymbolAtLocation(value.name);
  const symbol = member !== undefined && member.flags & ts.SymbolFlags.Alias ? app.checker.getAliasedSymbol(member) : member;
  const decl = symbol?.valueDeclaration;
  if (decl === undefined || !ts.isVariableDeclaration(decl) || !(ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const) || !app.isAppCode(decl.getSourceFile())) return undefined;
  return decl.initializer === undefined ? undefined : defineGuardOf(app, decl.initializer, depth + 1);
}
