// Following a value into the app's helpers: the parameter a call's argument lands in, the uses of
// a name in a body, and the wrappers a value passes through unchanged. Written once for the rules
// that ask whether a value escapes or is written (cryptopatch.ts, rolebound.ts, unsigned.ts):
// each keeps only its own question about a use.
import ts from "typescript";
import type { App } from "./program.js";

/** How many app helpers deep a value is followed into their parameters. */
export const HELPER_DEPTH = 3;

/** `(x)`, `x as T`, `x!`, `x satisfies T`, `<T>x`: a wrapper handing on its operand's value as it is. */
export function isWrapper(n: ts.Node): n is ts.ParenthesizedExpression | ts.AsExpression | ts.NonNullExpression | ts.SatisfiesExpression | ts.TypeAssertion {
  return ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || ts.isNonNullExpression(n) || ts.isSatisfiesExpression(n) || ts.isTypeAssertionExpression(n);
}

/** `e` with the wrappers around it (`isWrapper`) climbed: the node whose parent uses its value. */
export function outermost(e: ts.Node): ts.Node {
  while (isWrapper(e.parent)) e = e.parent;
  return e;
}

/** A function's parameters as a call's arguments fill them: without TypeScript's `this` parameter (`function f(this: void, user)`). */
export function callParameters(fn: ts.SignatureDeclaration): ts.ParameterDeclaration[] {
  const first = fn.parameters[0];
  return first !== undefined && ts.isIdentifier(first.name) && first.name.text === "this" ? fn.parameters.slice(1) : [...fn.parameters];
}

/**
 * The app function `call` reaches, its body and the parameter its argument `i` lands in, while
 * fewer than `HELPER_DEPTH` helpers are entered (`depth`); undefined when not followed: no app
 * function with a body, no parameter there (TypeScript's `this` one is not counted), or a rest one (`...xs`: its elements are not the argument).
 */
export function landing(app: App, call: ts.CallExpression, i: number, depth: number): { fn: ts.SignatureDeclaration; body: ts.Node; param: ts.ParameterDeclaration } | undefined {
  const fn = app.appFunction(call);
  const param = fn === undefined ? undefined : callParameters(fn)[i];
  const body = (fn as { body?: ts.Node } | undefined)?.body;
  if (fn === undefined || body === undefined || param === undefined || param.dotDotDotToken !== undefined || depth >= HELPER_DEPTH) return undefined;
  return { fn, body, param };
}

/** The app function `call` reaches (with a body) and the symbols of its parameters (those named by an identifier) given an argument `given` holds for. */
export function paramsGiven(app: App, call: ts.CallExpression, given: (argument: ts.Expression) => boolean): { body: ts.Node; params: Set<ts.Symbol> } | undefined {
  const fn = app.appFunction(call);
  const body = (fn as { body?: ts.Node } | undefined)?.body;
  if (fn === undefined || body === undefined) return undefined;
  const params = new Set<ts.Symbol>();
  const filled = callParameters(fn);
  call.arguments.forEach((a, i) => {
    const name = filled[i]?.name;
    const symbol = name !== undefined && ts.isIdentifier(name) && !ts.isSpreadElement(a) && given(a) ? app.symbol(name) : undefined;
    if (symbol !== undefined) params.add(symbol);
  });
  return { body, params };
}

/** The uses of the name `name` declares within `scopes` (import and export lists aside); undefined when its symbol is unknown. */
export function usesOf(app: App, name: ts.Identifier, scopes: Iterable<ts.Node>): ts.Identifier[] | undefined {
  const symbol = app.symbol(name);
  if (symbol === undefined) return undefined;
  const out: ts.Identifier[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n) && n !== name && n.text === name.text && !ts.isImportSpecifier(n.parent) && !ts.isExportSpecifier(n.parent) && !ts.isImportClause(n.parent) && app.symbol(n) === symbol) out.push(n);
    ts.forEachChild(n, visit);
  };
  for (const scope of scopes) visit(scope);
  return out;
}

const madeFields = new WeakMap<ts.Expression, Map<string, ts.PropertyAccessExpression>>();

/**
 * The field `name` of a value `o` written at a call (`args` of `loadFromArgs(ctx, args)`), as an
 * expression standing where `o` stands (its text range and parent, so `within` and
 * `getSourceFile` answer for it; made once for each pair): what a helper's `args.id` is in the
 * caller (facts-syntax.ts `argumentFor`), read there as `args.id` would be (argflow.ts `idRoot`).
 */
export function fieldOf(o: ts.Expression, name: string): ts.PropertyAccessExpression {
  const made = madeFields.get(o) ?? madeFields.set(o, new Map()).get(o)!;
  if (!made.has(name)) made.set(name, Object.assign(ts.setTextRange(ts.factory.createPropertyAccessExpression(o, name), o), { parent: o.parent }));
  return made.get(name)!;
}
