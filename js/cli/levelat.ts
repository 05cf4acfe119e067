// `guard.levelAtLeast(r.accessLevel, "editor")` is a document check at that level when its
// denial leaves, as strong as `readable(ctx, t, id, "editor")`: `r` is a `readable` or
// `requireAccess` answer of the same function, and its `accessLevel` is the caller's level on
// that one document. The shape of refusing an edit as a value, with an audit row:
//
//   const r = await guard.readable(ctx, "posts", args.id);
//   if (r === null) throw new ConvexError("not found");
//   if (!guard.levelAtLeast(r.accessLevel, "editor")) { await guard.audit.log(ctx, ...); return { ok: false }; }
//   await ctx.db.patch(r.doc._id, { title: args.title });   // checked at "editor"
//
// The level is the answer's by symbol (`r.accessLevel` of `const r = await guard.readable(...)`,
// or `const { accessLevel } = await guard.requireAccess(...)`), never by name: a level written
// literally, another function's answer or a `let` decides about no document. Tested equal to one
// literal level (`if (r.accessLevel !== "editor") throw`), the answer is checked at that level too.
//
// In an app helper given the answer (or its level), a comparison that throws on a denial is judged
// where the helper is called, by what the call passes: the `readable` or `requireAccess` answer of
// the calling function, a check of its document; a parameter of the calling function, judged at
// its own call in turn; anything else, no check. Only a throw leaves the caller: a helper that
// returns on a denial (`return false`) hands its caller a value the caller may ignore.
//
//   function assertEditor(r: { accessLevel: string } | null) {
//     if (r === null || !guard.levelAtLeast(r.accessLevel, "editor")) throw new ConvexError("editors only");
//   }
//   const r = await guard.readable(ctx, "posts", args.id);
//   assertEditor(r);                                          // checked at "editor", as inline
import ts from "typescript";
import { changedInPlace } from "./changed.js";
import { argumentFor, enclosingFunction, exitsOnDenial, throwingIn, valueSymbol } from "./facts-syntax.js";
import { ifLeavesOnDenial } from "./flow.js";
import type { AuthCheck } from "./facts.js";
import { literalThrough } from "./config.js";
import { GUARD, isFunctionLike, skipOuter, type App, type Loc } from "./program.js";

/** The guard calls whose answer carries the caller's `accessLevel` on the document they name. */
const LEVEL_ANSWERS = new Set(["readable", "requireAccess"]);

/**
 * The level (as written) a level `isLevel` stands for (a `groupLevel` answer, a `readable`'s
 * `accessLevel`) is tested equal to by an `if` of `body` that leaves when the test fails
 * (`if (lvl !== "owner") throw`, `if (lvl === "owner") { ...; return } throw`): only that level
 * passes, so it is a check at that level (newuser36 F4). One literal level (or a `const` holding
 * one) for the whole `if`; a comparison with anything else (an argument) is none.
 */
export function equalLevel(app: App, body: ts.Node, isLevel: (e: ts.Expression) => boolean): ts.Expression | undefined {
  let found: ts.Expression | undefined;
  const visit = (n: ts.Node): void => {
    if (found !== undefined) return;
    if (ts.isIfStatement(n)) {
      const levels: ts.Expression[] = [];
      const atom = (e: ts.Expression) => {
        const op = ts.isBinaryExpression(e) ? e.operatorToken.kind : undefined;
        const equal = op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.EqualsEqualsToken;
        if (!ts.isBinaryExpression(e) || !(equal || op === ts.SyntaxKind.ExclamationEqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsToken)) return "unknown" as const;
        const [, other] = isLevel(skipOuter(e.left)) ? [e.left, e.right] : isLevel(skipOuter(e.right)) ? [e.right, e.left] : [];
        if (other === undefined || literalThrough(app, other) === undefined) return "unknown" as const;
        levels.push(other);
        return !equal; // when the level is not that one
      };
      const leaves = ifLeavesOnDenial(n, atom, throwingIn(app));
      if (leaves && new Set(levels.map((l) => literalThrough(app, l))).size === 1) found = levels[0];
    }
    if (n === body || !isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(body);
  return found;
}

/** The `readable` or `requireAccess` answer held in a `const` of `call`'s function (the call itself) and the level its `accessLevel` is tested equal to (`equalLevel`), as `levelAtLeast` would check it. */
export function equalAccessLevel(app: App, call: ts.CallExpression): ts.Expression | undefined {
  const body = enclosingFunction(call);
  if (body === undefined || !LEVEL_ANSWERS.has(app.calleeFrom(call, GUARD)?.name ?? "")) return undefined;
  return equalLevel(app, body, (e) => answerOf(app, e) === call);
}

/**
 * The `readable` or `requireAccess` call (in the same function) whose answer's `accessLevel` the
 * `levelAtLeast` call `call` compares, when a denial (`false`) leaves the function (an `if` that
 * throws or returns no data, as `can`'s exits: facts-syntax.ts `exitsOnDenial`), and the level compared with; for a
 * `readable` or `requireAccess` call `name`, the call itself when its `accessLevel` is tested equal to a literal level (`equalAccessLevel`); else undefined.
 */
export function leveledAnswer(app: App, call: ts.CallExpression, name: string): { answer: ts.CallExpression; level: ts.Expression } | undefined {
  const equal = LEVEL_ANSWERS.has(name) ? equalAccessLevel(app, call) : undefined;
  if (equal !== undefined || name !== "levelAtLeast") return equal === undefined ? undefined : { answer: call, level: equal };
  const level = call.arguments[0] === undefined ? undefined : skipOuter(call.arguments[0]);
  const answer = level === undefined ? undefined : answerOf(app, level);
  if (answer === undefined || enclosingFunction(answer) !== enclosingFunction(call)) return undefined;
  return exitsOnDenial(app, call, false) ? { answer, level: call.arguments[1]! } : undefined;
}

/** The guard call whose answer a level is the `accessLevel` of: `r.accessLevel` (`r?.accessLevel`) of a `const r`, or a destructured `const { accessLevel }`. */
function answerOf(app: App, level: ts.Expression): ts.CallExpression | undefined {
  let holder: ts.Node | undefined;
  if (ts.isPropertyAccessExpression(level) && level.name.text === "accessLevel") return answerHeld(app, skipOuter(level.expression));
  if (ts.isIdentifier(level)) {
    const decl = app.symbol(level)?.valueDeclaration;
    const element = decl !== undefined && ts.isBindingElement(decl) && decl.dotDotDotToken === undefined ? decl : undefined;
    const key = element === undefined ? undefined : (element.propertyName ?? element.name);
    if (key !== undefined && ts.isIdentifier(key) && key.text === "accessLevel" && ts.isObjectBindingPattern(element!.parent)) holder = element!.parent.parent;
  }
  return madeBy(app, holder);
}

/** The guard call whose answer `r` holds: a `const r = await guard.readable(...)` (or `requireAccess`). */
function answerHeld(app: App, r: ts.Expression): ts.CallExpression | undefined {
  const decl = ts.isIdentifier(r) ? app.symbol(r)?.valueDeclaration : undefined;
  return decl !== undefined && ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name) ? madeBy(app, decl) : undefined;
}

function madeBy(app: App, holder: ts.Node | undefined): ts.CallExpression | undefined {
  if (holder === undefined || !ts.isVariableDeclaration(holder) || holder.initializer === undefined || (ts.getCombinedNodeFlags(holder) & ts.NodeFlags.Const) === 0) return undefined;
  const made = skipOuter(holder.initializer);
  return ts.isCallExpression(made) && LEVEL_ANSWERS.has(app.calleeFrom(made, GUARD)?.name ?? "") ? made : undefined;
}

/** A `levelAtLeast` on a level an app function was given, judged where that function is called. */
export interface GivenLevel {
  /** The function's parameter the level comes from: the answer (`r` of `r.accessLevel`), or the level itself. */
  given: ts.Expression;
  answer: boolean;
  /** The level compared with, as written (a parameter too: `assertLevel(r, "editor")`). */
  level: ts.Expression | undefined;
  via: string;
  at: Loc;
  guardCall: ts.CallExpression;
  conditional: boolean;
}

/** A parameter of `fn`, never assigned or changed in place there (`r = other`, `r.accessLevel = "owner"`). */
function untouchedParameter(app: App, e: ts.Expression, fn: ts.Node | undefined): e is ts.Identifier {
  const decl = ts.isIdentifier(e) ? app.symbol(e)?.valueDeclaration : undefined;
  return decl !== undefined && ts.isParameter(decl) && decl.parent === fn && ts.isIdentifier(decl.name) && !changedInPlace(app, e as ts.Identifier);
}

/** The parameter of its function a `levelAtLeast` call's level comes from, when a denial throws out of that function. */
export function givenLevel(app: App, call: ts.CallExpression): Pick<GivenLevel, "given" | "answer" | "level"> | undefined {
  const level = call.arguments[0] === undefined ? undefined : skipOuter(call.arguments[0]);
  const fn = enclosingFunction(call);
  if (level === undefined) return undefined;
  const r = ts.isPropertyAccessExpression(level) && level.name.text === "accessLevel" ? skipOuter(level.expression) : undefined;
  const found = r !== undefined && untouchedParameter(app, r, fn) ? { given: r, answer: true } : untouchedParameter(app, level, fn) ? { given: level, answer: false } : undefined;
  return found !== undefined && exitsOnDenial(app, call, false, false, true) ? { ...found, level: call.arguments[1] } : undefined;
}

/**
 * A helper's comparisons on given levels, seen from its `call`: `passed` gives what the call
 * passes for an expression of the helper. The answer of a `readable` or `requireAccess` of the
 * calling function makes a document check (of the id it was asked for, at the level passed); a
 * parameter of the calling function stays given, judged at its call; anything else is dropped.
 */
export function passLevels(app: App, levels: readonly GivenLevel[], passed: (e: ts.Expression) => ts.Expression, call: ts.CallExpression): { auth: AuthCheck[]; levels: GivenLevel[] } {
  const out = { auth: [] as AuthCheck[], levels: [] as GivenLevel[] };
  const caller = enclosingFunction(call);
  for (const l of levels) {
    const given = passed(l.given);
    if (given === l.given) continue;
    const x = skipOuter(given);
    const level = l.level === undefined ? undefined : passed(l.level);
    const answer = l.answer ? answerHeld(app, x) : answerOf(app, x);
    if (answer !== undefined && enclosingFunction(answer) === caller) {
      out.auth.push({ level: "document", via: l.via, handWritten: true, at: l.at, target: answer.arguments[2], minLevel: literalThrough(app, level), levelArg: level, conditional: l.conditional, guardCall: l.guardCall });
      continue;
    }
    const r = !l.answer && ts.isPropertyAccessExpression(x) && x.name.text === "accessLevel" ? skipOuter(x.expression) : undefined;
    if (r !== undefined && untouchedParameter(app, r, caller)) out.levels.push({ ...l, given: r, answer: true, level });
    else if (untouchedParameter(app, x, caller)) out.levels.push({ ...l, given: x, level });
  }
  return out;
}

/**
 * A document check's level as a helper's `call` passes it: a level not written literally in
 * `helper` that is one of its parameters is what the call passes (levelArgument), a literal (or
 * a `const` holding one) there, read at each call that reaches the check; anything else stays
 * unread (UNREAD_LEVEL: levels.ts).
 */
export function passLevel(app: App, a: AuthCheck, helper: ts.SignatureDeclaration, call: ts.CallExpression): Pick<AuthCheck, "levelArg" | "minLevel"> {
  if (a.levelArg === undefined || a.minLevel !== undefined) return {};
  const levelArg = levelArgument(app, a.levelArg, helper, call);
  return { levelArg, minLevel: literalThrough(app, levelArg) };
}

/**
 * What a level `e` of `helper` stands for at its `call`: the argument passed for the parameter
 * it names (facts-syntax.ts `argumentFor`), or the parameter's default when the call passes
 * none (and spreads nothing); `e` itself for anything else.
 */
export function levelArgument(app: App, e: ts.Expression, helper: ts.SignatureDeclaration, call: ts.CallExpression): ts.Expression {
  const passed = argumentFor(app, e, helper, call);
  const inner = skipOuter(e);
  const decl = passed === e && ts.isIdentifier(inner) && !call.arguments.some(ts.isSpreadElement) ? valueSymbol(app, inner)?.valueDeclaration : undefined;
  return decl !== undefined && ts.isParameter(decl) && decl.parent === helper && decl.initializer !== undefined ? decl.initializer : passed;
}
