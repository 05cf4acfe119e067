// A Web Crypto signature header decoded inline rather than by a function of the app (webcrypto.ts
// `isSignature`, newuser36 F2):
//
//   const bytes = Uint8Array.from(sig.match(/../g) ?? [], (h) => parseInt(h, 16));
//   const bytes = new Uint8Array((sig.match(/../g) ?? []).map((h) => parseInt(h, 16)));
//   const bytes = Uint8Array.from(atob(sig), (c) => c.charCodeAt(0));
//   const bytes = new Uint8Array(sig.length / 2);
//   for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(sig.slice(2 * i, 2 * i + 2), 16);
//
// It is the header's bytes when it is a pure transform of that header alone, read by the rule of
// a decoder function (converter.ts `isPureOver`): its own locals, literals and pure built-ins, the
// header and nothing else (a "signature" made with the secret or kept in state always matches).
// Held in a `const`, that `const` is read only by the verify and, before it, by statements of its
// block with no function in them that are pure transforms of the header and of its elements and
// length (the loop above; not of the bytes whole, which an alias could then write): anything else
// could write the expected signature into the bytes before the verify.
import ts from "typescript";
import { isPureOver } from "./converter.js";
import { usesOf } from "./paramflow.js";
import { isFunctionLike, skipOuter, type App } from "./program.js";

/** Whether `e`, a verify's signature, is a pure transform of the header values `header` accepts, written there or held in a `const` (see above). */
export function isInlineDecode(app: App, e: ts.Expression, header: (x: ts.Expression) => boolean): boolean {
  const written = skipOuter(e);
  let value: ts.Node = written;
  const fills: ts.Statement[] = [];
  let self: ts.Symbol | undefined;
  if (ts.isIdentifier(written)) {
    self = app.symbol(written);
    const decl = self?.valueDeclaration;
    if (decl === undefined || !ts.isVariableDeclaration(decl) || !ts.isIdentifier(decl.name) || decl.initializer === undefined || !(ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const)) return false;
    const statement = decl.parent.parent;
    if (!ts.isVariableStatement(statement) || !ts.isBlock(statement.parent)) return false;
    const block = statement.parent.statements;
    const from = block.indexOf(statement);
    const at = block.findIndex((s) => s.pos <= written.pos && written.end <= s.end);
    for (const use of usesOf(app, decl.name, [statement.parent]) ?? [undefined]) {
      if (use === written) continue;
      const i = use === undefined ? -1 : block.findIndex((s) => s.pos <= use.pos && use.end <= s.end);
      if (i <= from || at < 0 || i >= at || hasFunction(block[i]!)) return false;
      if (!fills.includes(block[i]!)) fills.push(block[i]!);
    }
    value = decl.initializer;
  }
  let read = false;
  const given = (x: ts.Expression): boolean => {
    if (header(x)) return (read = true);
    // The bytes themselves, as a loop reads and fills them (`bytes[i]`, `bytes.length`): never whole, which could alias them.
    const p = x.parent;
    const member = (ts.isElementAccessExpression(p) && p.expression === x) || (ts.isPropertyAccessExpression(p) && p.expression === x && p.name.text === "length");
    return self !== undefined && member && ts.isIdentifier(x) && app.symbol(x) === self;
  };
  return isPureOver(app, value, given) && fills.every((s) => isPureOver(app, s, given)) && read;
}

/** Whether a statement writes a function (one could run later, with other inputs). */
function hasFunction(n: ts.Node): boolean {
  return isFunctionLike(n) || ts.forEachChild(n, (c) => hasFunction(c) || undefined) === true;
}
