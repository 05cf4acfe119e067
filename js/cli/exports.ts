// What an export of a function module is, by its TypeScript type alone, whatever the shape of
// what made it (a call, a destructuring, `Object.assign`, a conditional): Convex registers
// every export whose value is a registered function, so the audit reads the value's type, never
// the syntax around it. An export whose type cannot be told is reported, never dropped
// (README: "Fail closed, never silently").
import ts from "typescript";
import type { ConvexFunction, Kind } from "./functions.js";
import { initializer } from "./argflow.js";
import { GUARD, isFunctionLike, type App } from "./program.js";

export type Shape = Pick<ConvexFunction, "kind" | "visibility">;

/** A value the audit cannot classify: it may be a public function, so it is reported (`unresolved-function`). */
export const UNTOLD: Shape = { kind: "unknown", visibility: "unknown" };

/**
 * Whether an exported `let` (or `var`) is assigned to in its module (`export let f = internalMutation(...)`,
 * then `f = mutation(...)`): Convex registers the value it holds once the module has run, which
 * the declaration's type does not tell. Only its own module can assign to it (an import is read-only).
 */
export function reassigned(app: App, decl: ts.Declaration, symbol: ts.Symbol): boolean {
  if (!ts.isVariableDeclaration(decl) || ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const || !ts.isIdentifier(decl.name)) return false;
  const name = decl.name.text;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
      const left = n.left;
      if (ts.isIdentifier(left) && left.text === name && app.symbol(left) === symbol) found = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(decl.getSourceFile());
  return found;
}

/**
 * Whether a declaration whose type says it is no function holds a registered function all the
 * same, its type cast away: `mutation(...) as unknown as number`, `m as unknown as string` of a
 * `const m = mutation(...)`, a generic helper's answer (`hide<number>(mutation(...))`). Read in
 * the declaration's own initializer (for a name destructured from an object literal, the
 * property it takes), never inside a function written there (its body runs later, if ever).
 */
export function hidesFunction(app: App, decl: ts.Declaration): boolean {
  const init = ownInitializer(decl);
  return init !== undefined && holdsFunction(app, init);
}

/**
 * Whether a value holds a registered function, by its type or inside it: itself, a property of
 * an object literal written there, a `const` it names (never inside a function written there).
 */
export function holdsFunction(app: App, value: ts.Expression): boolean {
  const seen = new Set<ts.Node>();
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found || seen.has(node) || isFunctionLike(node) || ts.isClassLike(node)) return;
    seen.add(node);
    if (ts.isExpression(node) && !ts.isLiteralExpression(node)) {
      const shape = classifyType(app.checker.getTypeAtLocation(node));
      if (shape !== undefined && shape !== UNTOLD) {
        found = true;
        return;
      }
    }
    // A `const` it names (`const fns = { wipe: mutation(...) as unknown as number }`): its value too.
    const named = ts.isIdentifier(node) ? app.symbol(node)?.valueDeclaration : undefined;
    if (named !== undefined && ts.isVariableDeclaration(named) && ts.getCombinedNodeFlags(named) & ts.NodeFlags.Const && named.initializer !== undefined) {
      visit(named.initializer);
    }
    ts.forEachChild(node, visit);
  };
  visit(value);
  return found;
}

/**
 * Whether an export is the answer of the guard's `safeAction` itself, not given to `action(...)`
 * (`export const sa = guard.safeAction(action, {...})`, a call that does not compile, or
 * `guard.safeAction({...})`): a definition Convex does not register, which its type says, but the
 * export was meant as an action, so it is reported (`unresolved-function`), never dropped (attack24).
 */
export function unregisteredSafeAction(app: App, decl: ts.Declaration): boolean {
  const init = initializer(decl);
  return init !== undefined && ts.isCallExpression(init) && app.calleeFrom(init, GUARD)?.name === "safeAction";
}

/** The expression a declaration's value comes from (`initializer`): a destructured name's property, when written. */
function ownInitializer(decl: ts.Node): ts.Expression | undefined {
  if (!ts.isBindingElement(decl)) return initializer(decl);
  const whole = ownInitializer(decl.parent.parent);
  const key = decl.propertyName ?? decl.name;
  if (whole === undefined || !ts.isObjectLiteralExpression(whole) || !ts.isObjectBindingPattern(decl.parent) || !ts.isIdentifier(key)) return whole;
  const property = whole.properties.find((p) => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === key.text);
  return property !== undefined && ts.isPropertyAssignment(property) ? property.initializer : whole;
}

/**
 * Whether an export is a runtime value at all: a type, an interface or a type-only re-export is
 * erased, so Convex never sees it (and the checker types it as an error, `any`).
 */
export function isValueExport(exported: ts.Symbol, symbol: ts.Symbol): boolean {
  if ((symbol.flags & ts.SymbolFlags.Value) === 0) return false;
  return !(exported.declarations ?? []).some((d) => ts.isTypeOnlyImportOrExportDeclaration(d));
}

/**
 * Kind and visibility from an export's type: a registered function (`RegisteredMutation<"public">`,
 * alone or within an intersection, `{ a: number } & RegisteredMutation<...>`); a union holding
 * one (`mutation(...) | undefined`: registered whenever it is defined), with the kind and
 * visibility its members agree on, else unknown; `unknown` for a type that does not resolve
 * (`any`, as any call of a library whose types the audit does not load: `Object.fromEntries`
 * beside the ES5 and ES2015 core libraries) or says nothing (`unknown`, or `never`: a value
 * its type says cannot exist, such as an element of `Object.assign([], [f])`), whatever the
 * declaration's shape. Undefined: not a
 * Convex function (a number, a helper, a plain object).
 */
export function classifyType(type: ts.Type): Shape | undefined {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never)) return UNTOLD;
  if (type.isUnion()) {
    const members = type.types.map(classifyType).filter((s): s is Shape => s !== undefined);
    const first = members[0];
    if (first === undefined) return undefined;
    return {
      kind: members.every((s) => s.kind === first.kind) ? first.kind : "unknown",
      visibility: members.every((s) => s.visibility === first.visibility) ? first.visibility : "unknown",
    };
  }
  const has = (name: string) => type.getProperty(name) !== undefined;
  if (has("isHttp")) return { kind: "httpAction", visibility: "public" };
  if (!has("isConvexFunction")) return undefined;
  const kind: Kind | "unknown" = has("isQuery") ? "query" : has("isMutation") ? "mutation" : has("isAction") ? "action" : "unknown";
  return { kind, visibility: has("isPublic") ? "public" : has("isInternal") ? "internal" : "unknown" };
}
