// What an object written to the database gives one field, and the argument that value comes
// from: the one reading shared by the rules that ask which fields a write sets
// (`access-field-write`'s owner and parent fields, accessfields.ts; `unchecked-role-write`'s
// role field, writes.ts):
//
//   await ctx.db.patch(id, { role: args.role });              // a field written literally
//   await ctx.db.patch(id, { [ROLE]: args.role });            // a computed key: a const holding "role" (or "ro" + "le")
//   const update: any = {}; update[ROLE] = args.role;         // an assignment before the write
//   await ctx.db.patch(id, update);
//   await ctx.db.patch(id, { ...changes });                   // a spread of a const holding such an object
//   await ctx.db.patch(id, args);                             // the arguments, when they have the field
//   let given = args.role; if (up) given = "admin";          // a `let`: each value it is given (letValues)
//
// The last writer of the field decides, as at run time.
import ts from "typescript";
import { assigned as writtenTo } from "./changed.js";
import { readValue } from "./config.js";
import type { ArgFlow } from "./argflow.js";
import { skipOuter, within, type App } from "./program.js";

/** The handler whose writes are read: its arguments' flow and their top-level names. */
export interface WriteScope {
  handler: ts.SignatureDeclaration;
  flow: ArgFlow;
  argNames: Set<string>;
}

/** What a written object gives a field: an expression, or "args" when the arguments (or a part of them) may carry it. */
export type Written = ts.Expression | "args";

/**
 * The value a written object gives `field`: the expression, or "args" when the arguments (or a
 * part of them: `patch(id, args)`, `{ ...args }`, `{ ...rest }`) may carry it, through `const`s
 * and spreads of object literals and the assignments made to an object before the write;
 * undefined when it is not written (a spread of anything else is not looked into).
 *
 * @example fieldValue(app, scope, write.value, "role") // `args.role` of `{ [ROLE]: args.role }`
 */
export function fieldValue(app: App, c: WriteScope, value: ts.Expression | undefined, field: string, depth = 0): Written | undefined {
  if (value === undefined || depth > 3) return undefined;
  const v = skipOuter(value);
  const argsParam = c.handler.parameters[1]?.name;
  const fromArgs = (e: ts.Expression) => within(e, c.handler) && ((argsParam !== undefined && ts.isIdentifier(argsParam) && ts.isIdentifier(skipOuter(e)) && (skipOuter(e) as ts.Identifier).text === argsParam.text) || c.flow.argIn(e) !== undefined);
  if (isObjectAssign(v)) {
    // `Object.assign(target, ...sources)`: as an object literal spreading each in turn (the last writer decides).
    let source: Written | undefined;
    for (const a of v.arguments) source = (!ts.isObjectLiteralExpression(skipOuter(a)) && fromArgs(a) ? (c.argNames.has(field) ? "args" : undefined) : fieldValue(app, c, a, field, depth + 1)) ?? source;
    return source;
  }
  if (!ts.isObjectLiteralExpression(v)) {
    if (fromArgs(v)) return c.argNames.has(field) ? "args" : undefined;
    const init = ts.isIdentifier(v) ? app.constInitializer(v) : undefined;
    const later = ts.isIdentifier(v) ? assigned(app, v, field, v.pos) : undefined;
    return later ?? (init === undefined ? undefined : fieldValue(app, c, init, field, depth + 1));
  }
  let source: Written | undefined;
  for (const p of v.properties) {
    if (ts.isSpreadAssignment(p)) {
      if (fromArgs(p.expression) && c.argNames.has(field)) source = "args";
      else {
        const inner = ts.isObjectLiteralExpression(skipOuter(p.expression)) || ts.isIdentifier(skipOuter(p.expression)) ? fieldValue(app, c, p.expression, field, depth + 1) : undefined;
        if (inner !== undefined) source = inner;
      }
    } else if (ts.isPropertyAssignment(p) && nameOf(app, p.name) === field) source = p.initializer;
    else if (ts.isShorthandPropertyAssignment(p) && p.name.text === field) source = p.name;
  }
  return source;
}

/**
 * The argument a written value comes from: `field` itself for "args" (the arguments have that
 * field), the argument an expression of the handler is made of, undefined for the server's value.
 *
 * @example writtenArg(scope, fieldValue(app, scope, write.value, "role")!, "role") // "role" for `args.role`
 */
export function writtenArg(c: WriteScope, written: Written, field: string): string | undefined {
  if (written === "args") return field;
  return within(written, c.handler) ? c.flow.argIn(written) : undefined;
}

/**
 * Why a written value's shape is not known, so that it may hold one of `fields`: typed `any`
 * (`v.any()`) or an open record (`Record<string, unknown>`, `v.record(...)`), or an object literal
 * spreading such a value after its last property naming one of them (`{ ...fields }`,
 * `{ role: "user", ...fields }`), or one with a computed key the audit cannot read after them
 * (`{ [key]: x }`, `key` a parameter: whatever its type allows). Undefined when the shape is
 * known: an object literal (or a name bound to one) whose fields fieldValue reads.
 *
 * @example openShape(app, write.value, ["role"]) // "an open record" for `patch(id, fields)`, `fields: v.record(v.string(), v.string())`
 */
export function openShape(app: App, value: ts.Expression | undefined, fields: readonly string[], depth = 0): string | undefined {
  if (value === undefined || depth > 3) return undefined;
  const v = skipOuter(value);
  if (ts.isObjectLiteralExpression(v)) {
    // Each field the last spread of unknown shape may set, unless a property after it names it.
    const exposed = new Map<string, string>();
    for (const p of v.properties) {
      if (ts.isSpreadAssignment(p)) {
        const why = openShape(app, p.expression, fields, depth + 1);
        if (why !== undefined) for (const f of fields) exposed.set(f, why);
      } else if (p.name !== undefined) {
        const name = ts.isShorthandPropertyAssignment(p) ? p.name.text : nameOf(app, p.name);
        if (name !== undefined) exposed.delete(name);
        else if (ts.isComputedPropertyName(p.name)) for (const f of mayName(app, p.name.expression, fields)) exposed.set(f, `a computed key the audit cannot read, [${p.name.expression.getText()}]`);
      }
    }
    return exposed.values().next().value;
  }
  if (ts.isIdentifier(v)) {
    const decl = app.symbol(v)?.valueDeclaration;
    if (decl !== undefined && ts.isVariableDeclaration(decl) && decl.initializer !== undefined) {
      const init = skipOuter(decl.initializer);
      if (ts.isObjectLiteralExpression(init) && !(ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const)) return undefined;
      if (ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const && (ts.isIdentifier(init) || ts.isObjectLiteralExpression(init))) return openShape(app, init, fields, depth + 1);
    }
  }
  const type = app.checker.getTypeAtLocation(v);
  if (type.flags & ts.TypeFlags.Any) return "typed any, as v.any() validates";
  if (app.checker.getIndexInfoOfType(type, ts.IndexKind.String) !== undefined) return "an open record";
  return undefined;
}

/**
 * The value the last assignment before `before` gives `field` of the object a variable holds
 * (`update.folderId = x`, `update["ownerId"] = x`, `update[FIELD] = x`, `Object.assign(doc, {
 * folderId: x })`), in the function that declares it (or destructures it, or takes it as a
 * parameter); undefined when none does.
 */
function assigned(app: App, name: ts.Identifier, field: string, before: number): ts.Expression | undefined {
  const symbol = app.symbol(name);
  const decl = symbol?.valueDeclaration;
  // `const update = {}`, `const { doc } = await guard.requireAccess(...)`, a parameter: the function holding it.
  if (decl === undefined || !(ts.isVariableDeclaration(decl) || ts.isBindingElement(decl) || ts.isParameter(decl))) return undefined;
  let scope: ts.Node = decl;
  while (!ts.isFunctionLike(scope) && !ts.isSourceFile(scope)) scope = scope.parent;
  let last: ts.Expression | undefined;
  const visit = (n: ts.Node): void => {
    if (n.pos >= before) return;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && n.end <= before) {
      const left = skipOuter(n.left);
      const object = ts.isPropertyAccessExpression(left) || ts.isElementAccessExpression(left) ? skipOuter(left.expression) : undefined;
      const key = ts.isPropertyAccessExpression(left) ? left.name.text : ts.isElementAccessExpression(left) ? keyText(app, left.argumentExpression) : undefined;
      if (object !== undefined && ts.isIdentifier(object) && key === field && app.symbol(object) === symbol) last = n.right;
    }
    // `Object.assign(update, { folderId: x })`: a source's property written literally (the last decides).
    if (isObjectAssign(n) && n.end <= before && n.arguments[0] !== undefined && ts.isIdentifier(skipOuter(n.arguments[0])) && app.symbol(skipOuter(n.arguments[0]) as ts.Identifier) === symbol) {
      for (const src of n.arguments.slice(1).map(skipOuter)) {
        for (const p of ts.isObjectLiteralExpression(src) ? src.properties : []) {
          if (ts.isPropertyAssignment(p) && nameOf(app, p.name) === field) last = p.initializer;
          else if (ts.isShorthandPropertyAssignment(p) && p.name.text === field) last = p.name;
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(scope);
  return last;
}

/** `Object.assign(...)`, written as such. */
function isObjectAssign(n: ts.Node): n is ts.CallExpression {
  const callee = ts.isCallExpression(n) ? skipOuter(n.expression) : undefined;
  return callee !== undefined && ts.isPropertyAccessExpression(callee) && callee.name.text === "assign" && ts.isIdentifier(callee.expression) && callee.expression.text === "Object";
}

/** `role`, `"role"`, `["role"]`, `[KEY]` (a `const` holding "role"): a property's name when written literally or through consts. */
function nameOf(app: App, name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteralLike(name)) return name.text;
  return ts.isComputedPropertyName(name) ? keyText(app, name.expression) : undefined;
}

/**
 * A key's text: a string literal, a template or a concatenation of such (`"owner" + "Id"`,
 * `` `${PREFIX}Id` ``), through the app's `const`s; undefined for anything else.
 */
function keyText(app: App, key: ts.Expression, depth = 0): string | undefined {
  const k = readValue(app, key);
  if ("unreadable" in k || depth > 8) return undefined;
  if (ts.isStringLiteralLike(k)) return k.text;
  const parts = ts.isTemplateExpression(k) ? [k.head, ...k.templateSpans.flatMap((t) => [t.expression, t.literal])] : ts.isBinaryExpression(k) && k.operatorToken.kind === ts.SyntaxKind.PlusToken ? [k.left, k.right] : [];
  const texts = parts.map((p) => (ts.isTemplateLiteralToken(p) ? p.text : keyText(app, p, depth + 1)));
  return parts.length === 0 || texts.includes(undefined) ? undefined : texts.join("");
}

/**
 * The fields of `fields` a computed key the audit cannot read may name (`{ [key]: x }`, `key` a
 * parameter or made by a call): all of them, unless its type is literals (or symbols), whose
 * strings name those only.
 */
function mayName(app: App, key: ts.Expression, fields: readonly string[]): string[] {
  const type = app.checker.getTypeAtLocation(key);
  const parts = type.isUnion() ? type.types : [type];
  if (!parts.every((t) => t.isLiteral() || t.flags & ts.TypeFlags.ESSymbolLike)) return [...fields];
  return fields.filter((f) => parts.some((t) => t.isStringLiteral() && t.value === f));
}

/**
 * Every value a `let` of the handler written to a field may hold (attack36 F5): its initializer
 * and each `given = value` in the handler, when these are all it is given (`given += x`, `++`, a
 * destructuring, or no initializer: undefined, as for a value the audit cannot read). Undefined
 * too for anything but such a `let`.
 *
 * @example letValues(app, scope, given) // [args.role, "admin"] for `let given = args.role; if (x) given = "admin"`
 */
export function letValues(app: App, c: WriteScope, written: Written): ts.Expression[] | undefined {
  const name = written === "args" ? undefined : skipOuter(written);
  const symbol = name !== undefined && ts.isIdentifier(name) ? app.symbol(name) : undefined;
  const decl = symbol?.valueDeclaration;
  if (decl === undefined || !ts.isVariableDeclaration(decl) || !ts.isIdentifier(decl.name) || decl.initializer === undefined || !within(decl, c.handler)) return undefined;
  if (!(ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Let)) return undefined;
  const id = decl.name;
  const values: ts.Expression[] = [decl.initializer];
  let known = true;
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n) && n !== id && n.text === id.text && app.symbol(n) === symbol && writtenTo(n)) {
      let u: ts.Node = n;
      while (ts.isParenthesizedExpression(u.parent)) u = u.parent;
      const at = u.parent;
      if (ts.isBinaryExpression(at) && at.left === u && at.operatorToken.kind === ts.SyntaxKind.EqualsToken) values.push(at.right);
      else known = false;
    }
    if (known) ts.forEachChild(n, visit);
  };
  ts.forEachChild(c.handler, visit);
  return known ? values : undefined;
}
