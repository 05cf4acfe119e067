// Every message a Convex client can be sent with a `ConvexError` is authored in src/wire.rs
// (`wire::client`) and generated into js/generated/wire.ts: no source under js/ types one.
//
// The compiler enforces it: a message is a `ClientMessage` (a brand only the generated wire
// gives: `CLIENT_MESSAGE`'s members, its templates' results), and `deny`, `existing` and the
// other helpers that hand one to a client take nothing else, so a string literal, a template
// literal or a plain `string` does not compile, however it gets there. This test compiles
// js/*.ts with js/tsconfig.json (the `typescript` package's API) and adds what types cannot
// see: `ConvexError` data (`{ code, message }`) whose message is no `ClientMessage`; an error
// given a client's code for `rethrow` to send its message; a cast to `ClientMessage` (or to
// `any` or `never` where one is expected). client-messages.fixture.ts holds the ways of typing
// a message that a line-by-line scan missed: the same check must refuse each of them.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import ts from "typescript";

const root = new URL("../../", import.meta.url).pathname;
const fixture = `${root}tests/node/client-messages.fixture.ts`;
const config = ts.getParsedCommandLineOfConfigFile(`${root}js/tsconfig.json`, {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, "\n")),
});
const program = ts.createProgram({ rootNames: [...config.fileNames, fixture], options: { ...config.options, noEmit: true } });
const checker = program.getTypeChecker();
/** js/*.ts, the package's own sources (not the generated ones, which author the messages). */
const sources = program.getSourceFiles().filter((f) => /\/js\/[^/]+\.ts$/.test(f.fileName) && !f.isDeclarationFile);
const wire = program.getSourceFile(`${root}js/generated/wire.ts`);

/** A declaration of the generated wire by name. */
function declared(name) {
  const found = wire.statements.find((s) =>
    ts.isVariableStatement(s) ? s.declarationList.declarations.some((d) => d.name.getText() === name) : s.name?.text === name,
  );
  assert.ok(found, `js/generated/wire.ts declares ${name}`);
  return found;
}
const clientMessage = checker.getDeclaredTypeOfSymbol(checker.getSymbolAtLocation(declared("ClientMessage").name));
const codes = new Set(
  declared("GUARD_ERROR_CODES").declarationList.declarations[0].initializer.expression.elements.map((e) => e.text),
);

/** The members of a union, or `t` alone. */
const union = (t) => (t.isUnion() ? t.types : [t]);
/** A value of type `t` may be one of a client's codes (a `ConvexError`'s `data.code`). */
const clientCode = (t) => union(t).some((u) => u.isStringLiteral() && codes.has(u.value));
/** A value of type `t` is a `ClientMessage` (not `any` or `never`, which pass for anything). */
function isMessage(t) {
  return !(t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Never)) && checker.isTypeAssignableTo(t, clientMessage);
}
const typeOf = (node) => checker.getTypeAtLocation(node);
/** The type of a property's value (`{ code }`, `{ code: x }`, `code = x`). */
const valueType = (p) => typeOf(ts.isShorthandPropertyAssignment(p) ? p.name : p.initializer);
/** `node` is inside the function declared as `name`. */
const within = (node, name) => !!ts.findAncestor(node, (n) => ts.isFunctionDeclaration(n) && n.name?.text === name);
const named = (node, name) => node !== undefined && (ts.isIdentifier(node) || ts.isStringLiteral(node)) && node.text === name;

/** What the compiler and this check refuse in `file`, as `file:line: why`. */
function refused(file) {
  const at = (node, why) => {
    const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
    return `${file.fileName.slice(root.length)}:${line + 1}: ${why}`;
  };
  const found = program
    .getSemanticDiagnostics(file)
    .concat(program.getSyntacticDiagnostics(file))
    .map((d) => {
      const { line } = file.getLineAndCharacterOfPosition(d.start ?? 0);
      const text = ts.flattenDiagnosticMessageText(d.messageText, " ");
      return `${file.fileName.slice(root.length)}:${line + 1}: TS${d.code} ${text}`;
    });
  const visit = (node) => {
    // `{ code, message }` with a client's code: ConvexError data, its message a ClientMessage.
    if (ts.isObjectLiteralExpression(node)) {
      const prop = (name) => node.properties.find((p) => named(p.name, name));
      const code = prop("code");
      if (code !== undefined && clientCode(valueType(code))) {
        const message = prop("message");
        if (message === undefined) found.push(at(code, "a client's code without a ClientMessage (an error for `rethrow`?)"));
        else if (!isMessage(valueType(message))) found.push(at(message, "a message sent with a client's code that is no ClientMessage"));
      }
    }
    // `e.code = "INVALID_ARGUMENT"`, `code = "FORBIDDEN"` in a class: an error `rethrow` would
    // send with its message. Only the engine's errors get one (engine-io.ts `check`), their
    // message filled by the generated `fillEngineMessage`.
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      (ts.isPropertyAccessExpression(node.left)
        ? node.left.name.text === "code"
        : ts.isElementAccessExpression(node.left) && named(node.left.argumentExpression, "code")) &&
      clientCode(typeOf(node.right)) &&
      !file.fileName.endsWith("/js/engine-io.ts")
    ) {
      found.push(at(node, "an error given a client's code: its message would reach the client"));
    }
    if (ts.isPropertyDeclaration(node) && named(node.name, "code") && node.initializer && clientCode(valueType(node))) {
      found.push(at(node, "an error given a client's code: its message would reach the client"));
    }
    // Casts: to a ClientMessage, or to `any` or `never` (which pass for one) where a
    // ClientMessage is expected. The one allowed is `rethrow`'s, of the engine's message.
    if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) {
      const to = typeOf(node.type);
      const wanted = checker.getContextualType(node);
      const escape = to.flags & (ts.TypeFlags.Any | ts.TypeFlags.Never) && wanted !== undefined && union(wanted).some(isMessage);
      const rethrown = file.fileName.endsWith("/js/errors.ts") && within(node, "rethrow") && node.expression.getText(file) === "message";
      if ((isMessage(to) || escape) && !rethrown) found.push(at(node, "a cast to a client message"));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

test("the check reads the files that send messages", () => {
  const names = sources.map((f) => f.fileName.slice(root.length));
  for (const file of ["errors.ts", "authz.ts", "access-store.ts", "ratelimit-store.ts", "audit.ts", "engine-io.ts"]) {
    assert.ok(names.includes(`js/${file}`), file);
  }
  let denials = 0;
  const count = (node) => {
    if (ts.isCallExpression(node) && named(node.expression, "deny")) denials++;
    ts.forEachChild(node, count);
  };
  for (const file of sources) count(file);
  assert.ok(denials > 40, `deny's calls are found (${denials})`);
  assert.ok(codes.has("INVALID_ARGUMENT") && codes.has("FORBIDDEN"), "the client's codes are read from the wire");
});

test("no message a client can be sent is typed in js/: each comes from the generated wire", () => {
  assert.deepEqual(
    sources.flatMap(refused),
    [],
    "author these in src/wire.rs (wire::client), run `make wire` and import them from ./generated/wire.js",
  );
});

test("each way of typing a message is refused, and only those", () => {
  const file = program.getSourceFile(fixture);
  const marked = readFileSync(fixture, "utf8")
    .split("\n")
    .flatMap((line, i) => (line.endsWith("// refused") ? [i + 1] : []));
  assert.equal(marked.length, 11);
  const found = refused(file);
  const lines = [...new Set(found.map((f) => Number(f.split(":")[1])))].sort((a, b) => a - b);
  assert.deepEqual(lines, marked, found.join("\n"));
});
