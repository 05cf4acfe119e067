// Reads of the environment, for the facts of a function (`envReads`): `process.env` in its
// shapes, and a module-level constant whose value read it (`const KEY = process.env.KEY`).
import ts from "typescript";
import { isFunctionLike, skipOuter, type App, type Loc } from "./program.js";

/**
 * A read of the environment: `process.env`, `process["env"]`, `globalThis.process.env`, an
 * alias of the global `process`, or `const { env } = process`.
 */
export function readsEnv(app: App, node: ts.Node): boolean {
  if (ts.isPropertyAccessExpression(node) && node.name.text === "env") return isGlobalProcess(app, node.expression);
  if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression) && node.argumentExpression.text === "env") {
    return isGlobalProcess(app, node.expression);
  }
  if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && node.initializer !== undefined && isGlobalProcess(app, node.initializer)) {
    return node.name.elements.some((e) => (e.propertyName ?? e.name).getText() === "env");
  }
  return false;
}

/** `process` (the global, not a local of that name), `globalThis.process`, or a constant holding it. */
function isGlobalProcess(app: App, e: ts.Expression, depth = 0): boolean {
  e = skipOuter(e);
  const global = (id: ts.Identifier) => app.isGlobal(id);
  if (ts.isIdentifier(e)) {
    const init = depth < 4 ? app.constInitializer(e) : undefined;
    if (init !== undefined) return isGlobalProcess(app, init, depth + 1);
    return e.text === "process" && global(e);
  }
  const member = ts.isPropertyAccessExpression(e) ? e.name.text : ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression) ? e.argumentExpression.text : undefined;
  const root = ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) ? skipOuter(e.expression) : undefined;
  return member === "process" && root !== undefined && ts.isIdentifier(root) && (root.text === "globalThis" || root.text === "global") && global(root);
}

const moduleReads = new WeakMap<ts.Node, Loc | null>();

/** A name of a module-level constant whose value read the environment (`const KEY = process.env.KEY`). */
export function moduleEnvRead(app: App, id: ts.Identifier): Loc | undefined {
  const parent = id.parent;
  if ((ts.isPropertyAccessExpression(parent) && parent.name === id) || (ts.isVariableDeclaration(parent) && parent.name === id) || ts.isPropertyAssignment(parent)) return undefined;
  const symbol = ts.isShorthandPropertyAssignment(parent) ? app.checker.getShorthandAssignmentValueSymbol(parent) : app.checker.getSymbolAtLocation(id);
  const decl = symbol?.valueDeclaration;
  if (decl === undefined || !(ts.isVariableDeclaration(decl) || ts.isBindingElement(decl))) return undefined;
  const statement = ts.isVariableDeclaration(decl) ? decl.parent.parent : ts.findAncestor(decl, ts.isVariableStatement);
  if (statement === undefined || !ts.isVariableStatement(statement) || !ts.isSourceFile(statement.parent) || !app.isAppCode(statement.getSourceFile())) return undefined;
  let known = moduleReads.get(statement);
  if (known === undefined) {
    known = null;
    const visit = (n: ts.Node): void => {
      if (known !== null) return;
      if (readsEnv(app, n)) known = app.loc(n);
      else if (!isFunctionLike(n)) ts.forEachChild(n, visit);
    };
    visit(statement);
    moduleReads.set(statement, known);
  }
  return known ?? undefined;
}
