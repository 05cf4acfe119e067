// What a confirmation's failed answer makes of the expressions of the function that holds it,
// for confirmation-rollback (rollback.ts): the answer and its copies, its `ok` (false), its
// `error` (present exactly on a failure), and the `const`s a failure decides.
import ts from "typescript";
import { isNullish, receiver, truthWhenDenied, valueWhenDenied, type boundTo, type Value } from "./flow.js";
import { propertyValue } from "./facts-syntax.js";
import { isFunctionLike, skipOuter } from "./program.js";

/** What a failed answer evaluates to: the subject itself (an object), its `ok` false. */
export type Atom = Parameters<typeof truthWhenDenied>[1];
/** The answer itself: the call, the variable it went into, or a `const` copy of either. */
export type Subject = (e: ts.Expression) => boolean;

/**
 * What denotes the answer of `call` in `body`, and what it evaluates to on a failure: the call
 * (or the variable it went into) is an object, its `ok` false; `const { ok } = await call` is
 * false. So are the `const`s declared after it that copy the answer or hold a value it decides,
 * in source order: `const copy = r` (the answer), `const ok = r.ok` and `const { ok: passed } =
 * r` (false), `const failed = !r.ok` (true), `const s = { ok: r.ok }` (`s.ok` false),
 * `const { error } = r` and `const e = r.error` (an object: present exactly on a failure). A
 * copy made in place is the answer too (`assertConfirmed({ ...r })`, `Object.assign({}, r)`:
 * see `subject`). A `let` may change later: not followed. `bare`: the answer is the `ok` itself
 * (an app helper's `return r.ok`, confirmgate.ts `okHelper`): the call, or the `const` it went into, is false.
 */
export function failure(body: ts.Node, bound: ReturnType<typeof boundTo>, from: number, call?: ts.Expression, bare = false): { atom: Atom; subject: Subject } {
  const copies = new Set(bound !== undefined && bound.field === undefined && !bare ? [bound.name] : []);
  // `name` or `name.field` -> its value on a failure.
  const values = new Map<string, Value>(bound !== undefined && (bound.field === "ok" || (bare && bound.field === undefined)) ? [[bound.name, false]] : []);
  // `const { ok, error } = await call`: `error` is present (an object) exactly on a failure.
  const pattern = call === undefined ? undefined : receiver(call);
  if (pattern !== undefined && ts.isObjectBindingPattern(pattern)) bindFields(pattern, values);
  // The answer, a `const` copy of it, or a copy made in place whose `ok` is the answer's:
  // `{ ...r }`, `{ ok: r.ok }`, `JSON.parse(JSON.stringify(r))`, `structuredClone(r)`.
  const subject: Subject = (e) => {
    const inner = skipOuter(e);
    if (inner === call || (ts.isIdentifier(inner) && copies.has(inner.text))) return true;
    // The last writer of `ok` decides, as at run time; a spread of anything else is taken to carry none.
    const lastOk = (parts: readonly ts.Node[]): boolean => {
      let failsWith = false;
      for (const p of parts) {
        if ((ts.isSpreadAssignment(p) && subject(p.expression)) || (ts.isExpression(p) && subject(p))) failsWith = true;
        else if (ts.isExpression(p) && ts.isObjectLiteralExpression(skipOuter(p))) failsWith = lastOk((skipOuter(p) as ts.ObjectLiteralExpression).properties) || (failsWith && !propertyValue(skipOuter(p) as ts.ObjectLiteralExpression, "ok"));
        else if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === "ok") failsWith = valueWhenDenied(p.initializer, atom) === false;
        else if (ts.isShorthandPropertyAssignment(p) && p.name.text === "ok") failsWith = atom(p.name) === false;
      }
      return failsWith;
    };
    if (ts.isObjectLiteralExpression(inner)) return lastOk(inner.properties);
    if (!ts.isCallExpression(inner) || inner.arguments[0] === undefined) return false;
    const callee = skipOuter(inner.expression);
    const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) ? `${callee.expression.text}.${callee.name.text}` : "";
    if (name === "structuredClone") return subject(inner.arguments[0]);
    // `Object.assign({}, r)`: as `{ ...r }`, the sources in order.
    if (name === "Object.assign") return lastOk(inner.arguments);
    const text = skipOuter(inner.arguments[0]);
    if (name !== "JSON.parse" || !ts.isCallExpression(text) || text.arguments[0] === undefined) return false;
    const stringify = skipOuter(text.expression);
    return ts.isPropertyAccessExpression(stringify) && stringify.name.text === "stringify" && ts.isIdentifier(stringify.expression) && stringify.expression.text === "JSON" && subject(text.arguments[0]);
  };
  const known = (key: string): Value | "unknown" => (values.has(key) ? values.get(key)! : "unknown");
  const atom: Atom = (e) => {
    if (bare && skipOuter(e) === call) return false;
    if (subject(e)) return "object";
    if (ts.isIdentifier(e)) return known(e.text);
    if (ts.isBinaryExpression(e)) return compared(e, atom);
    // `r.error` (and `r.error.code`, `r["error"]`): present exactly on a failure.
    const owner0 = ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) ? skipOuter(e.expression) : undefined;
    if (owner0 !== undefined && fieldName(e) === "error" && subject(owner0)) return "object";
    if (owner0 !== undefined && (ts.isPropertyAccessExpression(owner0) || ts.isElementAccessExpression(owner0)) && fieldName(owner0) === "error" && atom(owner0) === "object") return "object";
    if (ts.isElementAccessExpression(e) && fieldName(e) === "ok" && subject(skipOuter(e.expression))) return false;
    if (!ts.isPropertyAccessExpression(e)) return "unknown";
    if (subject(e.expression) && e.name.text === "ok") return false;
    const owner = skipOuter(e.expression);
    return ts.isIdentifier(owner) ? known(`${owner.text}.${e.name.text}`) : "unknown";
  };
  const decided = (key: string, e: ts.Expression) => {
    const value = valueWhenDenied(e, atom);
    // A copy of the answer itself is followed as `copies`; an object the failure decides (`const e = r.error`) is kept.
    if (value !== "unknown" && (value !== "object" || !subject(e))) values.set(key, value);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && n.initializer !== undefined && n.pos >= from && (ts.getCombinedNodeFlags(n) & ts.NodeFlags.Const) !== 0) {
      const init = skipOuter(n.initializer);
      if (ts.isIdentifier(n.name) && subject(init)) copies.add(n.name.text);
      if (ts.isIdentifier(n.name) && ts.isObjectLiteralExpression(init)) {
        for (const p of init.properties) {
          const field = p.name !== undefined && ts.isIdentifier(p.name) ? p.name.text : undefined;
          const value = field === undefined ? undefined : propertyValue(init, field);
          if (value !== undefined) decided(`${n.name.text}.${field}`, value);
        }
      } else if (ts.isIdentifier(n.name)) decided(n.name.text, init);
      else if (ts.isObjectBindingPattern(n.name) && subject(init)) bindFields(n.name, values);
    }
    if (n === body || !isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(body);
  return { atom, subject };
}

/** `const { ok, error: e } = r`: `ok` is false on a failure, `error` an object (present exactly then). */
function bindFields(pattern: ts.ObjectBindingPattern, values: Map<string, Value>): void {
  for (const e of pattern.elements) {
    const field = e.propertyName ?? e.name;
    if (!ts.isIdentifier(e.name) || !ts.isIdentifier(field) || e.dotDotDotToken !== undefined) continue;
    if (field.text === "ok") values.set(e.name.text, false);
    else if (field.text === "error") values.set(e.name.text, "object");
  }
}

/** The field an access reads, when written literally: `ok` of `r.ok`, `r?.ok` or `r["ok"]`. */
function fieldName(e: ts.Expression): string | undefined {
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression) ? e.argumentExpression.text : undefined;
}

/**
 * What a failure makes of `"error" in r` (true) and of an object it decides compared with
 * `null` or `undefined` (`r.error !== undefined`: true); "unknown" for anything else (left to
 * valueWhenDenied).
 */
function compared(e: ts.BinaryExpression, atom: Atom): Value | "unknown" {
  const op = e.operatorToken.kind;
  const K = ts.SyntaxKind;
  if (op === K.InKeyword) return ts.isStringLiteralLike(e.left) && e.left.text === "error" && atom(skipOuter(e.right)) === "object" ? true : "unknown";
  const equal = op === K.EqualsEqualsEqualsToken || op === K.EqualsEqualsToken;
  if (!equal && op !== K.ExclamationEqualsEqualsToken && op !== K.ExclamationEqualsToken) return "unknown";
  const [l, r] = [skipOuter(e.left), skipOuter(e.right)];
  const object = isNullish(r) ? valueWhenDenied(l, atom) : isNullish(l) ? valueWhenDenied(r, atom) : "unknown";
  return object === "object" ? !equal : "unknown";
}
