// The functions a scheduled or run reference may name (attack47 F3): the relay rules judge each
// as if it were written there.
//
//   await ctx.scheduler.runAfter(0, purge ? internal.bulk.purge : internal.bulk.archive, { id });
//   const JOBS = { archive: internal.bulk.archive, purge: internal.bulk.purge } as const;
//   await ctx.scheduler.runAfter(0, JOBS[kind], { id });          // each value of the map
//   await ctx.scheduler.runAfter(0, internal.bulk[kind], { id }); // each function of bulk.ts
//
// `?:`, `??`, `||` and `&&`: each side that may be the value; a `const` object literal indexed by
// a key not written literally: each of its values (by a literal key, that property's); the app's
// `internal.mod[key]` by a key not written literally: every function module `mod` exports (target
// `mod:*`, expanded against the app's functions by `everyNamed`), and by a literal key, that one.
import ts from "typescript";
import { apiChain, reference, type FollowedCall } from "./follow.js";
import type { ConvexFunction } from "./functions.js";
import { propertyInit, skipOuter, type App } from "./program.js";

type Ref = { text: string; target: string };

/** Each function of the app `expr` may name, as `reference` names one; the first is the one written directly when there is one. */
export function candidateRefs(app: App, expr: ts.Expression, depth = 0): Ref[] {
  const direct = reference(app, expr);
  if (direct !== undefined || depth > 4) return direct === undefined ? [] : [direct];
  let e = skipOuter(expr);
  const init = ts.isIdentifier(e) ? app.constInitializer(e) : undefined;
  if (init !== undefined) return candidateRefs(app, init, depth + 1);
  if (ts.isConditionalExpression(e)) return unique([...candidateRefs(app, e.whenTrue, depth + 1), ...candidateRefs(app, e.whenFalse, depth + 1)]);
  if (ts.isBinaryExpression(e) && [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.AmpersandAmpersandToken].includes(e.operatorToken.kind)) {
    const right = candidateRefs(app, e.right, depth + 1);
    return e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken ? right : unique([...candidateRefs(app, e.left, depth + 1), ...right]);
  }
  if (!ts.isElementAccessExpression(e)) return [];
  const key = skipOuter(e.argumentExpression);
  const literal = ts.isStringLiteralLike(key) || ts.isNumericLiteral(key) ? key.text : undefined;
  const written = e.getText();
  // `internal.bulk[kind]`: a module of the app's API.
  const chain = apiChain(app, e.expression);
  if (chain !== undefined && chain.names.length > 0) {
    const names = chain.names;
    if (literal !== undefined) return [{ text: [chain.root, ...names, literal].join("."), target: `${names.join("/")}:${literal}` }];
    return [{ text: written, target: `${names.join("/")}:*` }];
  }
  // A map of handlers: a `const` object literal (through `as const`).
  let map = skipOuter(e.expression);
  for (let d = 0; d < 4 && ts.isIdentifier(map); d++) map = skipOuter(app.constInitializer(map) ?? map);
  if (!ts.isObjectLiteralExpression(map)) return [];
  const out: Ref[] = [];
  for (const p of map.properties) {
    const name = p.name !== undefined && (ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name)) ? p.name.text : undefined;
    const value = propertyInit(p);
    if (value === undefined || (literal !== undefined && name !== literal)) continue;
    out.push(...candidateRefs(app, value, depth + 1).map((r) => ({ ...r, text: `${r.text}, which ${written} may name` })));
  }
  return unique(out);
}

const unique = (refs: Ref[]): Ref[] => refs.filter((r, i) => refs.findIndex((x) => x.target === r.target) === i);

/** A call whose target is every function of a module (`mod:*`, of `internal.mod[kind]`): one call for each function the app's module exports; any other call as it is. */
export function everyNamed(call: FollowedCall, functions: readonly ConvexFunction[]): FollowedCall[] {
  if (!call.target.endsWith(":*")) return [call];
  const module = call.target.slice(0, -1);
  const root = call.ref.slice(0, call.ref.indexOf("["));
  const visibility = root.startsWith("internal") ? "internal" : "public"; // `internal.mod` holds its internal functions, `api.mod` its public ones
  return functions.filter((f) => f.id.startsWith(module) && f.visibility === visibility).map((f) => ({ ...call, target: f.id, ref: `${root}.${f.id.slice(module.length)}, which ${call.ref} may name` }));
}
