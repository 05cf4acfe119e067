// The app function that decodes a Web Crypto signature header (webcrypto.ts: `hexToBytes(header)`)
// must answer what the header says and nothing else: a "signature" it makes from the secret, or
// one it keeps in module state (a `let` the handler filled with `crypto.subtle.sign`, attack36
// F4), always matches. So it may read only its parameters and its own locals, literals, a module
// `const` holding a primitive literal, and pure built-ins (`parseInt`, `Uint8Array`, `Math`...);
// no `this`, no module `let` or object, no closure over a `let`, no function of the app, no
// environment, no `crypto`, and no reach into an object's `constructor` or prototype or a
// computed member that is not a plain value (`""[k][k]("return x")` builds a function). The
// types it writes (casts, annotations) must be plain ones too: a cast such as `as unknown as
// Record<string, string>` or `as any` makes the checker call that `""[k]` a string.
import ts from "typescript";
import { isFunctionLike, skipOuter, type App } from "./program.js";

/** The built-ins a converter may use: pure, and no way to app state. */
const PURE = new Set(["Uint8Array", "ArrayBuffer", "DataView", "Array", "Number", "String", "Math", "parseInt", "atob", "Buffer", "TextEncoder", "TextDecoder", "undefined", "NaN", "Infinity", "Error", "RangeError", "TypeError", "isNaN"]);
/** The types a converter may name: its parameters', locals' and answer's (`string`, `Uint8Array<ArrayBuffer>`, `number[]`). */
const PLAIN_TYPES = new Set(["Uint8Array", "ArrayBuffer", "ArrayBufferLike", "BufferSource", "Buffer", "Array", "ReadonlyArray", "const"]);
const PLAIN_KEYWORDS = new Set([ts.SyntaxKind.StringKeyword, ts.SyntaxKind.NumberKeyword, ts.SyntaxKind.BooleanKeyword, ts.SyntaxKind.BigIntKeyword, ts.SyntaxKind.UndefinedKeyword, ts.SyntaxKind.VoidKeyword]);
/** Members that reach a constructor or prototype (`"".constructor.constructor` is `Function`). */
const REACHING = new Set(["constructor", "__proto__", "prototype", "__defineGetter__", "__defineSetter__", "__lookupGetter__"]);

/** Whether a function answers from its parameters alone (see above). */
export function isPureConverter(app: App, fn: ts.SignatureDeclaration): boolean {
  return isPureOver(app, fn, () => false);
}

/**
 * Whether `code` reads, as a converter may, only what it declares itself, literals, pure
 * built-ins and the expressions `given` accepts (not read further: inlinedecode.ts's header).
 */
export function isPureOver(app: App, code: ts.Node, given: (e: ts.Expression) => boolean): boolean {
  const file = code.getSourceFile();
  const inside = (d: ts.Node): boolean => d.getSourceFile() === file && d.pos >= code.pos && d.end <= code.end;
  const visit = (n: ts.Node): boolean => {
    if (ts.isExpression(n) && given(n)) return true;
    if (ts.isTypeNode(n) && !ts.isExpressionWithTypeArguments(n)) return plainType(n); // types run nothing, but may lie to the checker
    if (n.kind === ts.SyntaxKind.ThisKeyword || n.kind === ts.SyntaxKind.SuperKeyword) return false;
    if (ts.isPropertyAccessExpression(n) && REACHING.has(n.name.text)) return false;
    if (ts.isElementAccessExpression(n) && !ts.isStringLiteralLike(n.argumentExpression) && !plainValue(app, n)) return false;
    if (ts.isElementAccessExpression(n) && ts.isStringLiteralLike(n.argumentExpression) && REACHING.has(n.argumentExpression.text)) return false;
    if (ts.isIdentifier(n) && !readable(app, n, inside)) return false;
    return ts.forEachChild(n, (c) => (visit(c) ? undefined : true)) !== true;
  };
  return visit(code);
}

/** A type naming primitives, byte arrays and arrays of them only (no `any`, `unknown`, `Function`, object or `Record` type a cast can give a string). */
function plainType(t: ts.TypeNode): boolean {
  if (PLAIN_KEYWORDS.has(t.kind) || ts.isLiteralTypeNode(t)) return true;
  if (ts.isUnionTypeNode(t)) return t.types.every(plainType);
  if (ts.isArrayTypeNode(t)) return plainType(t.elementType);
  if (ts.isParenthesizedTypeNode(t)) return plainType(t.type);
  if (ts.isTypeOperatorNode(t)) return t.operator === ts.SyntaxKind.ReadonlyKeyword && plainType(t.type);
  return ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName) && PLAIN_TYPES.has(t.typeName.text) && (t.typeArguments ?? []).every(plainType);
}

/** An element read that is a number, string, boolean or bigint (`out[i]`, `hex[i]`), not a function or `any`. */
function plainValue(app: App, e: ts.ElementAccessExpression): boolean {
  const type = app.checker.getTypeAtLocation(e);
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return false;
  const plain = ts.TypeFlags.NumberLike | ts.TypeFlags.StringLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.BigIntLike | ts.TypeFlags.Undefined;
  return (type.isUnion() ? type.types : [type]).every((t) => (t.flags & plain) !== 0);
}

/** Whether a name the converter writes is its own, a literal `const` of the module, or a pure built-in (names of members and of its declarations are its own). */
function readable(app: App, id: ts.Identifier, inside: (d: ts.Node) => boolean): boolean {
  const parent = id.parent;
  if ((ts.isPropertyAccessExpression(parent) && parent.name === id) || (ts.isPropertyAssignment(parent) && parent.name === id)) return true;
  if (ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent)) return true;
  const symbol = ts.isShorthandPropertyAssignment(parent) ? app.checker.getShorthandAssignmentValueSymbol(parent) : app.checker.getSymbolAtLocation(id);
  const decls = symbol?.declarations ?? [];
  if (decls.length > 0 && decls.every(inside)) return true;
  if (app.isGlobal(id)) return PURE.has(id.text) && !(symbol !== undefined && symbol.flags & ts.SymbolFlags.Alias);
  const decl = decls.length === 1 ? decls[0]! : undefined;
  if (decl === undefined || !ts.isVariableDeclaration(decl) || !(ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const) || decl.initializer === undefined) return false;
  const value = skipOuter(decl.initializer);
  return !isFunctionLike(value) && (ts.isStringLiteralLike(value) || ts.isNumericLiteral(value) || ts.isBigIntLiteral(value));
}
