// The owner comparisons made of the documents an argument's id reads: a hand-written ownership
// check (callerid.ts `fieldComparisons`) of each read, while the variable still holds that read
// (values.ts), in the table's owner field where one is configured. Split out of argflow.ts.
import ts from "typescript";
import { bindingNames } from "./facts-syntax.js";
import { fieldComparisons } from "./callerid.js";
import { skipOuter, type App } from "./program.js";
import { aliases } from "./aliases.js";
import { rowOwnerFields } from "./accessfields.js";
import { arrayElement } from "./subject.js";
import { element, givenValue, heldSpan } from "./values.js";
import { readArg, readBy, type ArgFlow } from "./argflow.js";
import { changesIn } from "./flow.js";

/**
 * Whether the handler reads the document an argument names (`const doc = await ctx.db.get(id)`)
 * and compares one of its fields with the caller's own id (`doc.ownerId !== user._id`): a
 * hand-written ownership check (callerid.ts).
 */
export function comparesReadOf(app: App, handler: ts.SignatureDeclaration, flow: ArgFlow, arg: string): boolean {
  return readComparisons(app, handler, flow, arg).caller;
}

/** The comparisons of the fields of the documents read by an argument's id (callerid.ts `fieldComparisons`, `counts` of it), of every read of it; `by`: what a read is by (parentcover.ts: a field of the row the argument names). */
export function readComparisons(app: App, handler: ts.SignatureDeclaration, flow: ArgFlow, arg: string, by = (read: ts.Expression) => readArg(app, flow, read), counts?: Parameters<typeof fieldComparisons>[5]): { caller: boolean; args: string[] } {
  const out = { caller: false, args: [] as string[] };
  const early = changesBeforeTest(app, handler, flow, arg);
  const visit = (n: ts.Node): void => {
    if (out.caller) return;
    // Also an element destructured from `Promise.all([...])` or an array (`const [me, doc] = ...`: attack48 F10).
    const elements = (p: ts.ArrayBindingPattern) => p.elements.flatMap((e) => (ts.isBindingElement(e) && ts.isIdentifier(e.name) && by(arrayElement(app, e.name) ?? e.name) === arg ? [e.name] : []));
    const given = givenValue(n); // a declaration, or `doc = await ctx.db.get(id)` of a `let`: its comparisons count only while it holds that value (values.ts, attack48 F9)
    // `[doc] = await Promise.all([ctx.db.get(id)])` of a `let`: the element it is given (values.ts `element`, attack50 F4).
    const assigned = ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isArrayLiteralExpression(n.left) ? n : undefined;
    const targets = assigned === undefined ? [] : (assigned.left as ts.ArrayLiteralExpression).elements.flatMap((e, i) => {
      const value = element(app, assigned.right, i);
      return ts.isIdentifier(e) && value !== undefined && by(skipOuter(value)) === arg ? [e] : [];
    });
    const rows: readonly ts.BindingName[] = given === undefined ? targets : by(given.value) === arg ? [given.name] : ts.isArrayBindingPattern(given.name) ? elements(given.name) : [];
    for (const row of rows) {
      const held = heldSpan(app, row, n);
      for (const name of aliases(handler, bindingNames(row))) {
        const compared = fieldComparisons(app, handler, name, flow, false, (cmp) => (held(cmp) ? early(cmp, name, counts?.(cmp) ?? true) : false), rowOwnerFields(app, row)); // the owner field only, where configured (attack48 L2)
        out.caller ||= compared.caller;
        out.args.push(...compared.args);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(handler);
  return out;
}

/**
 * What a change made before a comparison leaves of it (`counted`: what it counts for otherwise). A
 * change of the argument's document (a `ctx.db` write or delete, a run, a schedule, an app helper
 * that makes one: facts.ts `changes`, given the document, its id or the argument) that runs before
 * the comparison (in source order) is kept by a `return` after it: `await ctx.db.patch(doc._id,
 * ...); if (doc.ownerId !== me._id) return null;` wrote for anyone. A mutation's throw rolls it
 * back (the comparison then counts only when a throw decides); an action's undoes nothing (as
 * latechecks.ts reads a check made after a relay), nor does one where the handler's `ctx` has no
 * `db` (fail closed): it counts for nothing. Reads before it are not changes: their data is
 * returned, if at all, after the test.
 */
function changesBeforeTest(app: App, handler: ts.SignatureDeclaration, flow: ArgFlow, arg: string): (cmp: ts.Expression, name: string, counted: boolean | "throws") => boolean | "throws" {
  const changes = changesIn(app);
  const calls: ts.CallExpression[] = [];
  const collect = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) calls.push(n);
    ts.forEachChild(n, collect);
  };
  ts.forEachChild(handler, collect);
  const ctx = handler.parameters[0];
  const rollsBack = ctx !== undefined && app.checker.getTypeAtLocation(ctx).getProperty("db") !== undefined; // a mutation's (or query's): an action's ctx has none
  const known = new Map<string, ts.CallExpression[]>();
  // The calls that change data and are given the document `name`, its id, or the argument's.
  const changing = (name: string): ts.CallExpression[] => {
    const found = known.get(name);
    if (found !== undefined) return found;
    const mentions = (n: ts.Node): boolean => {
      if (ts.isIdentifier(n) && n.text === name) return true;
      if (arg !== "" && (ts.isIdentifier(n) || ts.isPropertyAccessExpression(n)) && (flow.idRoot(n) ?? readBy(app, flow, n)) === arg) return true;
      return ts.forEachChild(n, mentions) ?? false;
    };
    const out = calls.filter((c) => c.arguments.some(mentions) && changes?.(c) === true);
    known.set(name, out);
    return out;
  };
  return (cmp, name, counted) => {
    if (counted === false) return false;
    const before = changing(name).filter((c) => c.end <= cmp.pos);
    if (before.length === 0) return counted;
    return rollsBack ? "throws" : false;
  };
}

