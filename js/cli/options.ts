// The options of a guard rate-limit call (`rateLimit`, `rateLimitAll`, `checkRateLimit`), read
// for one key (`throws`, `key`) as they are at run time: the last writer wins.
//
//   await guard.rateLimit(ctx, "writes", { key: user._id, throws: false });  // throws: false
//   await guard.rateLimit(ctx, "writes", { key: user._id, ...opts });        // throws: whatever `opts` holds
//   const base = { key: user._id }; await guard.rateLimit(ctx, "writes", { ...base }); // read: no throws
//
// A spread of an object literal (or a `const` holding one) is read in turn; a spread of anything
// else (a client argument, a parameter) whose type may hold the key (typed any, an open record,
// a type with that property) may set it to anything: its expression is the key's value, one the
// audit cannot read (a `throws` not `true` leaves the limit quiet; a `key` from an argument is the
// caller's bucket). Options that are not an object literal are judged the same way, by type.
import ts from "typescript";
import { outermost } from "./paramflow.js";
import { skipOuter, type App } from "./program.js";

/**
 * The value a call's options give `name`: the expression last written for it, or the spread (or
 * the options themselves) that may hold it when the audit cannot read what it holds; undefined
 * when nothing sets it.
 *
 * @example optionValue(app, call.arguments[2], "throws") // `opts` for `{ key: user._id, ...opts }`, opts: { throws?: boolean }
 */
export function optionValue(app: App, options: ts.Expression, name: string, depth = 0): ts.Expression | undefined {
  let value = skipOuter(options);
  if (ts.isIdentifier(value)) value = app.constInitializer(value) ?? value;
  if (!ts.isObjectLiteralExpression(value)) return depth > 4 || mayHold(app, value, name) ? value : undefined;
  let found: ts.Expression | undefined;
  for (const p of value.properties) {
    if (ts.isSpreadAssignment(p)) found = optionValue(app, p.expression, name, depth + 1) ?? found;
    else if (p.name !== undefined && ts.isComputedPropertyName(p.name)) {
      // A computed key names what its type says; any key when that is not string literals.
      if (ts.isPropertyAssignment(p) && mayHold(app, p.name.expression, name, true)) found = skipOuter(p.initializer);
    } else if (p.name !== undefined && (ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name)) && p.name.text === name) {
      if (ts.isPropertyAssignment(p)) found = skipOuter(p.initializer);
      else if (ts.isShorthandPropertyAssignment(p)) found = p.name;
    }
  }
  return found;
}

/** Whether a value of `e`'s type may hold `name` (`key`: whether a key of its type may be `name`). */
function mayHold(app: App, e: ts.Expression, name: string, key = false): boolean {
  const type = app.checker.getTypeAtLocation(e);
  const parts = type.isUnion() ? type.types : [type];
  return parts.some((t) => {
    if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return true;
    if (key) return !t.isStringLiteral() || t.value === name;
    return app.checker.getIndexInfoOfType(t, ts.IndexKind.String) !== undefined || app.checker.getPropertyOfType(app.checker.getApparentType(t), name) !== undefined;
  });
}

/**
 * How a `throws` that is not `true` is named in a finding: `throws: false`, `throws: strict` (a
 * value of the code), `throws from ...opts` (a spread, or options, that may hold it), `throws
 * from [key]: false` (a computed key that may be it).
 */
export function throwsShown(value: ts.Expression): string {
  const shown = (e: ts.Node) => (e.getText().length <= 40 ? e.getText() : "a value the audit cannot read");
  const p = outermost(value).parent;
  if (ts.isShorthandPropertyAssignment(p)) return `throws: ${shown(value)}`;
  if (!ts.isPropertyAssignment(p)) return `throws from ${ts.isSpreadAssignment(p) ? "..." : "options "}${shown(value)}, which may hold it`;
  if (ts.isComputedPropertyName(p.name)) return `throws from [${shown(p.name.expression)}]: ${shown(value)}`;
  return value.kind === ts.SyntaxKind.FalseKeyword ? "throws: false" : `throws: ${shown(value)}`;
}
