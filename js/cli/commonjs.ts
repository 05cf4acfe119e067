// CommonJS in a function module, as Convex deploys it: its bundler (esbuild, `format: "esm"`)
// makes every module an ES module, and a module with no import or export statement that uses
// `module.exports` or `exports` is CommonJS, whose one export is then `default`: the value
// `module.exports` holds once the module has run (attack29).
//
//   module.exports = query({ ... });                 // legacy:default, a public query
//   exports = module.exports = mutation({ ... });    // the same
//   exports.leak = query({ ... });                   // no `leak` export: what `default` holds, not read
//   module.exports = { a, b };  Object.assign(module.exports, { c });  const out = module.exports;
//
// `module.exports = <a function>` is judged as `export default` is. Every other form that may
// hold a registered function (or that the audit cannot follow: `module.exports` given away) is
// reported `unresolved-function` at its line, never left out; one holding no function
// (`exports.add = (a, b) => a + b`) is a helper. What TypeScript reads as a CommonJS module's
// named exports (`exports.leak`, `module.exports = { a, b }`) are no exports Convex registers.
import ts from "typescript";
import type { ConfigWarning } from "./config.js";
import { classifyType, holdsFunction, UNTOLD } from "./exports.js";
import type { FactsFinder } from "./facts.js";
import { describe, type ConvexFunction } from "./functions.js";
import { skipOuter, type App } from "./program.js";

/** A use of `module.exports` (or `exports`) in a module: what is written there, or that it is given away. */
interface Use {
  at: ts.Node;
  /** `module.exports = value`: the module's default export. */
  whole?: ts.Expression;
  /** What is written into it (`exports.x = value`, `Object.assign(module.exports, value)`): unread; undefined when given away. */
  values?: ts.Expression[];
}

const OBJECT_WRITERS = new Set(["assign", "defineProperty", "defineProperties"]);

/**
 * The app's functions with its CommonJS modules read as Convex bundles them: what TypeScript
 * lists for a CommonJS module dropped, its `module.exports = <function>` added as `default`,
 * and every other CommonJS export that may hold a function added as unresolved, with a warning.
 */
export function withCommonJs(app: App, finder: FactsFinder, exported: ConvexFunction[]): { functions: ConvexFunction[]; warnings: ConfigWarning[] } {
  const dropped = new Set<ts.SourceFile>();
  const added: ConvexFunction[] = [];
  const warnings: ConfigWarning[] = [];
  for (const file of app.modules) {
    const uses = usesOf(app, file);
    if (uses.length === 0) continue;
    const esm = file.statements.some(isModuleSyntax);
    if (!esm) dropped.add(file);
    const id = `${app.modulePath(file)}:default`;
    const wholes = uses.filter((u) => u.whole !== undefined);
    for (const use of uses) {
      // The one `module.exports =` of a CommonJS module is its default export, when its type says a function.
      const shape = use.whole === undefined ? undefined : classifyType(app.checker.getTypeAtLocation(use.whole));
      if (!esm && wholes.length === 1 && shape !== undefined && shape !== UNTOLD) {
        added.push(describe(app, finder, id, use.at, shape, skipOuter(use.whole!)));
        continue;
      }
      const values = use.whole !== undefined ? [use.whole] : use.values;
      const told = values?.every((v) => classifyType(app.checker.getTypeAtLocation(v)) === undefined && !holdsFunction(app, v));
      if (told === true) continue;
      added.push(describe(app, finder, id, use.at, UNTOLD));
      const how = values === undefined ? "gives `module.exports` away" : esm ? "writes CommonJS exports in an ES module (Convex's bundle has no `module` or `exports`)" : "writes a CommonJS export";
      warnings.push({
        ...app.loc(use.at),
        message: `this module ${how}: Convex bundles it as an ES module whose only export is \`default\`, the value of \`module.exports\`, which the audit cannot read here: reported unresolved-function`,
      });
    }
  }
  const kept = exported.filter((fn) => !dropped.has(fn.declaration.getSourceFile()));
  return { functions: [...kept, ...added], warnings };
}

/** An import or export statement: the module is an ES module to esbuild (`import x = require(...)` is not one). */
function isModuleSyntax(s: ts.Statement): boolean {
  if (ts.isImportDeclaration(s) || ts.isExportDeclaration(s) || ts.isExportAssignment(s)) return true;
  return ts.canHaveModifiers(s) && (ts.getModifiers(s) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** Every use of the module's own `module.exports` and `exports` in a file. */
function usesOf(app: App, file: ts.SourceFile): Use[] {
  const uses: Use[] = [];
  const visit = (node: ts.Node): void => {
    const target = ts.isIdentifier(node) ? exportsAt(app, node) : undefined;
    if (target !== undefined) {
      const use = useOf(target);
      if (use !== undefined) uses.push(use);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return uses;
}

/** `module.exports` (or `module["exports"]`) for a free `module`, or a free `exports`, at a name; else undefined. */
function exportsAt(app: App, name: ts.Identifier): ts.Expression | undefined {
  const parent = name.parent;
  if (name.text === "module") {
    const member = ts.isPropertyAccessExpression(parent) && parent.expression === name && parent.name.text === "exports";
    const element = ts.isElementAccessExpression(parent) && parent.expression === name && ts.isStringLiteralLike(parent.argumentExpression) && parent.argumentExpression.text === "exports";
    return (member || element) && free(app, name) ? parent : undefined;
  }
  if (name.text !== "exports") return undefined;
  // A property's or a member's name, or a declaration's, is no use of the variable.
  if ((ts.isPropertyAccessExpression(parent) && parent.name === name) || (ts.isPropertyAssignment(parent) && parent.name === name)) return undefined;
  if (LOCAL.some((is) => is(parent)) && (parent as ts.NamedDeclaration).name === name) return undefined;
  if (ts.isShorthandPropertyAssignment(parent) || ts.isExpression(parent) || ts.isExpressionStatement(parent) || ts.isVariableDeclaration(parent) || ts.isSpreadAssignment(parent)) {
    return free(app, name) ? name : undefined;
  }
  return undefined;
}

/** Whether a name is CommonJS's own: no variable, parameter, function, class or import of the app's code declares it. */
function free(app: App, name: ts.Identifier): boolean {
  const declarations = app.checker.getSymbolAtLocation(name)?.declarations ?? [];
  return !declarations.some((d) => LOCAL.some((is) => is(d)) && !d.getSourceFile().isDeclarationFile);
}

const LOCAL: ((n: ts.Node) => boolean)[] = [ts.isVariableDeclaration, ts.isParameter, ts.isBindingElement, ts.isFunctionDeclaration, ts.isClassDeclaration, ts.isImportClause, ts.isImportSpecifier, ts.isNamespaceImport, ts.isImportEqualsDeclaration];

/** What a use of `target` (`module.exports`, `exports`) does. */
function useOf(target: ts.Expression): Use | undefined {
  let at: ts.Node = target;
  while (ts.isParenthesizedExpression(at.parent)) at = at.parent;
  const parent = at.parent;
  const assigned = (n: ts.Node) => ts.isBinaryExpression(n.parent) && n.parent.left === n && n.parent.operatorToken.kind === ts.SyntaxKind.EqualsToken;
  if (assigned(at)) {
    // `exports = ...` rebinds a local name: it writes no export.
    if (ts.isIdentifier(target)) return undefined;
    return { at: parent, whole: (parent as ts.BinaryExpression).right };
  }
  // `exports.x = value`, `module.exports[k] = value`; a read of a member (`exports.helper()`) writes nothing.
  if ((ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) && parent.expression === at) {
    if (!(ts.isBinaryExpression(parent.parent) && parent.parent.left === parent && parent.parent.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && parent.parent.operatorToken.kind <= ts.SyntaxKind.LastAssignment)) {
      return undefined;
    }
    return { at: parent.parent, values: [parent.parent.right] };
  }
  // `Object.assign(module.exports, value)`, `Object.defineProperty(exports, "x", { value })`.
  if (ts.isCallExpression(parent) && parent.arguments[0] === at) {
    const callee = skipOuter(parent.expression);
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === "Object" && OBJECT_WRITERS.has(callee.name.text)) {
      return { at: parent, values: parent.arguments.slice(1) };
    }
  }
  // Anything else gives it away (`const out = module.exports`, `register(exports)`): what is written through it is not read.
  return { at: ts.isExpressionStatement(parent) ? at : parent };
}
