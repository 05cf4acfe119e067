// `code-exposed`: where the one-time code of `guard.issueConfirmation` goes, in the handler that
// issues it. The code exists in clear only in that call's answer; it must reach the user out of
// band (README, "Confirmation codes"):
//
//   return await guard.issueConfirmation(ctx, b);                   // to the client: returned
//   const { code } = await guard.issueConfirmation(ctx, b);
//   await ctx.scheduler.runAfter(0, internal.mail.send, { code });  // stored in _scheduled_functions: scheduled
//   await ctx.db.insert("outbox", { text: `Your code: ${code}` });  // stored in clear: stored
//
// The answer is followed through the handler's `const`s: the answer itself (`const r = ...`,
// `const copy = r`), its code (`r.code`, `const { code } = r`, `const { code: c } = ...`, a rest
// `...rest` of it), and any value made of the code (`const text = \`Your code: ${code}\``). A
// field of the answer other than `code` (`r.expiresAt`) is not the code. Whether a return counts
// is the rule's (rules.ts): an internal mutation returning the code to the action that sends it
// is the documented pattern.
import ts from "typescript";
import { CONVEX, GUARD } from "./facts.js";
import { enclosingFunction, isDatabase, schedules, throwsConvexError } from "./facts-syntax.js";
import { outer } from "./flow.js";
import { skipOuter, type App, type Loc } from "./program.js";

export interface CodeExposure extends Loc {
  /**
   * `returned`: in the function's answer; `thrown`: in a thrown `ConvexError`, whose data
   * reaches the caller as an answer does; `logged`: in another thrown error, whose message the
   * deployment's logs keep in clear; `scheduled`: an argument of ctx.scheduler.runAfter/runAt;
   * `stored`: a value of ctx.db.insert/patch/replace.
   */
  how: "returned" | "thrown" | "logged" | "scheduled" | "stored";
  /** The call that takes the code (`ctx.scheduler.runAfter`, `ctx.db.insert`), or `return`. */
  via: string;
}

const WRITING = new Set(["insert", "patch", "replace"]);

/**
 * The places a handler's issued code leaves it: its returns, the scheduler's arguments, the
 * database's writes. `given`: the calls whose answer is the code's (coderelays.ts: a public
 * action's `ctx.runMutation` of an internal mutation that returns it), instead of the handler's
 * own `guard.issueConfirmation` calls.
 */
export function exposedCodes(app: App, handler: ts.SignatureDeclaration, given?: ReadonlySet<ts.Node>): CodeExposure[] {
  const issues = new Set<ts.Node>(given);
  const findIssues = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && app.calleeFrom(n, GUARD)?.name === "issueConfirmation") issues.add(n);
    ts.forEachChild(n, findIssues);
  };
  if (given === undefined) findIssues(handler);
  if (issues.size === 0) return [];
  const answers = new Set<string>();
  const codes = new Set<string>();

  // Whether a node is the answer (`r`, the call itself) read whole or for its code: not `r.expiresAt`.
  const wholeOrCode = (n: ts.Node): boolean => {
    const o = ts.isExpression(n) ? outer(n) : n;
    const p = o.parent;
    return !((ts.isPropertyAccessExpression(p) && p.expression === o && p.name.text !== "code") || (ts.isElementAccessExpression(p) && p.expression === o && !(ts.isStringLiteralLike(p.argumentExpression) && p.argumentExpression.text === "code")));
  };
  const isName = (n: ts.Identifier) => !((ts.isPropertyAccessExpression(n.parent) && n.parent.name === n) || (ts.isPropertyAssignment(n.parent) && n.parent.name === n));
  // Whether an expression carries the code: the answer (inline or by name) or a name holding the code.
  const carries = (e: ts.Node): boolean => {
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if (issues.has(n) || (ts.isIdentifier(n) && isName(n) && answers.has(n.text))) found = wholeOrCode(n);
      else if (ts.isIdentifier(n) && isName(n) && codes.has(n.text)) found = true;
      if (!found) ts.forEachChild(n, visit);
    };
    visit(e);
    return found;
  };
  // `{ code, ...rest }` of the answer: `code` (or `code: c`) holds the code, a rest the answer.
  const bindAnswer = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) {
      answers.add(name.text);
      return;
    }
    for (const e of name.elements) {
      if (ts.isOmittedExpression(e)) continue;
      const key = e.propertyName ?? e.name;
      if (e.dotDotDotToken !== undefined) bindAnswer(e.name);
      else if ((ts.isIdentifier(key) || ts.isStringLiteral(key)) && key.text === "code" && ts.isIdentifier(e.name)) codes.add(e.name.text);
    }
  };
  // The handler's consts, to a fixed point (a copy of a copy).
  for (let pass = 0; pass < 4; pass++) {
    const before = answers.size + codes.size;
    const visit = (n: ts.Node): void => {
      if (ts.isVariableDeclaration(n) && n.initializer !== undefined && carries(n.initializer)) {
        const init = skipOuter(n.initializer);
        const whole = issues.has(ts.isAwaitExpression(init) ? skipOuter(init.expression) : init) || (ts.isIdentifier(init) && answers.has(init.text));
        if (whole) bindAnswer(n.name);
        else if (ts.isIdentifier(n.name)) codes.add(n.name.text);
      }
      ts.forEachChild(n, visit);
    };
    visit(handler);
    if (answers.size + codes.size === before) break;
  }

  const out: CodeExposure[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isReturnStatement(n) && n.expression !== undefined && enclosingFunction(n) === handler && carries(n.expression)) out.push({ ...app.loc(n), how: "returned", via: "return" });
    if (ts.isThrowStatement(n) && enclosingFunction(n) === handler && carries(n.expression)) {
      out.push(throwsConvexError(n) ? { ...app.loc(n), how: "thrown", via: "throw new ConvexError" } : { ...app.loc(n), how: "logged", via: "throw" });
    }
    if (n === handler && ts.isArrowFunction(n) && !ts.isBlock(n.body) && carries(n.body)) out.push({ ...app.loc(n.body), how: "returned", via: "return" });
    if (ts.isCallExpression(n)) {
      const path = app.memberPath(n.expression);
      const method = path[path.length - 1] ?? "";
      const convex = app.calleeFrom(n, CONVEX);
      const how = schedules(path) ? "scheduled" : convex !== undefined && isDatabase(convex.owner) && WRITING.has(convex.name) ? "stored" : undefined;
      if (how !== undefined && n.arguments.some(carries)) out.push({ ...app.loc(n), how, via: `ctx.${how === "scheduled" ? "scheduler" : "db"}.${how === "scheduled" ? method : convex!.name}` });
    }
    ts.forEachChild(n, visit);
  };
  visit(handler);
  return out;
}

/** Whether code exposure `c` is found in an internal function too (not only in the public one whose caller gets it). */
export const leavesEveryFunction = (c: CodeExposure): boolean => c.how !== "returned" && c.how !== "thrown";

/** A `code-exposed` finding's message: `who` (`public action x`, or the function's id) does `c` with `what` (the code). */
export function exposureMessage(c: CodeExposure, who: string, what: string): string {
  const alone = "a session alone confirms, with no out-of-band channel";
  switch (c.how) {
    case "returned":
      return `${who} returns ${what} to its caller: ${alone}`;
    case "thrown":
      return `${who} throws ${what} in a ConvexError, whose data reaches its caller: ${alone}`;
    case "logged":
      return `${who} throws ${what} in an error's message: the deployment's logs keep it in clear, and a development deployment shows it to the caller`;
    case "scheduled":
      return `${who} passes ${what} to ${c.via}: a scheduled function's arguments are stored in clear (_scheduled_functions, shown in the dashboard)`;
    case "stored":
      return `${who} writes ${what} with ${c.via}: only its keyed hash may be stored`;
  }
}
