// The owner comparisons made of the documents an argument's id reads: a hand-written ownership
// check (callerid.ts `fieldComparisons`) of each read, while the variable still holds that read
// (values.ts), in the table's owner field where one is configured. Split out of argflow.ts.
import ts from "typescript";
import { bindingNames } from "./facts-syntax.js";
import { fieldComparisons } from "./callerid.js";
import type { App } from "./program.js";
import { aliases } from "./aliases.js";
import { rowOwnerFields } from "./accessfields.js";
import { arrayElement } from "./subject.js";
import { givenValue, heldSpan } from "./values.js";
import { readArg, type ArgFlow } from "./argflow.js";

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
  const visit = (n: ts.Node): void => {
    if (out.caller) return;
    // Also an element destructured from `Promise.all([...])` or an array (`const [me, doc] = ...`: attack48 F10).
    const elements = (p: ts.ArrayBindingPattern) => p.elements.flatMap((e) => (ts.isBindingElement(e) && ts.isIdentifier(e.name) && by(arrayElement(app, e.name) ?? e.name) === arg ? [e.name] : []));
    const given = givenValue(n); // a declaration, or `doc = await ctx.db.get(id)` of a `let`: its comparisons count only while it holds that value (values.ts, attack48 F9)
    const rows: readonly ts.BindingName[] = given === undefined ? [] : by(given.value) === arg ? [given.name] : ts.isArrayBindingPattern(given.name) ? elements(given.name) : [];
    for (const row of rows) {
      const held = heldSpan(app, row, n);
      for (const name of aliases(handler, bindingNames(row))) {
        const compared = fieldComparisons(app, handler, name, flow, false, (cmp) => (held(cmp) ? (counts?.(cmp) ?? true) : false), rowOwnerFields(app, row)); // the owner field only, where configured (attack48 L2)
        out.caller ||= compared.caller;
        out.args.push(...compared.args);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(handler);
  return out;
}
