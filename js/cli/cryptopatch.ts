// The Web Crypto check (webcrypto.ts) trusts the global `crypto.subtle.verify`. One line in any
// module the deployment loads replaces it for every route (`(crypto.subtle as any).verify =
// async () => true`, attack36 F8). So any assignment to the global `crypto` or what hangs from
// it (`crypto.subtle`, `crypto.subtle.verify`, `globalThis.crypto`, `SubtleCrypto.prototype`),
// through the app's `const`s, or an `Object.defineProperty`/`defineProperties`/`assign`/
// `setPrototypeOf` or `Reflect.set`/`defineProperty` on one (or on `globalThis`), anywhere in the
// app's code, voids the recognition for the whole app: the routes go back to `public-no-auth`,
// their message naming the first such change. Reached also through destructuring (`const {
// subtle } = crypto`), `Object.getPrototypeOf(crypto.subtle)`, a parameter an app function is
// given the global in (or typed `SubtleCrypto`/`Crypto`), and the built-ins the check itself
// runs: `TextEncoder.prototype.encode` and `Promise.prototype.then` (the check awaits a promise).
// Where the audit stops following the global (put in a `let`, an array or object, returned,
// passed to a call but an app function, attack38 F1), through any prototype reached from a value,
// and on a write into `process.env` (the key becomes known), it voids too; a change of the global
// object whose keys are named and none the check runs (`__APP_VERSION__`) does not (FP2). A call
// that only reads the global (`fetch.bind(globalThis)`, `Object.keys`, `console.*`, a library's
// assert), a parameter defaulting to it and a function returning it whose callers only use its
// members keep it in sight (finalread28 FP1, FP2); destructuring and for-of writes count (FN1).
import ts from "typescript";
import { skipOuter, type App, type Loc } from "./program.js";
import { bindingNames } from "./facts-syntax.js";
import { HELPER_DEPTH, isWrapper, landing, outermost, paramsGiven, usesOf } from "./paramflow.js";
import { follow } from "./sigargs.js";
import { isGlobalName } from "./webcrypto.js";

const ROOTS = new Set(["crypto", "SubtleCrypto", "Crypto"]);
/** Built-ins the check runs: a change to their prototype (or the global itself) voids it too. */
const RUN_BY_CHECK = new Set(["TextEncoder", "Promise"]);
const PROTOTYPE_OF = new Set(["getPrototypeOf"]);
/** Names of the global object itself (`self` in a worker-like runtime). */
const GLOBALS = new Set(["globalThis", "self", "window", "global"]);
/** Members of the global object the check runs or reads its key through (`?`: a computed one): writing another (`__APP_VERSION__`) changes nothing it runs. */
const SENSITIVE = new Set([...ROOTS, ...RUN_BY_CHECK, ...GLOBALS, "CryptoKey", "Buffer", "Uint8Array", "ArrayBuffer", "atob", "process", "Object", "Reflect", "Function", "Symbol", "Array", "?"]);
/** Members that still hold the global Web Crypto (or a built-in the check runs): `crypto.subtle`, `globalThis.crypto`, `TextEncoder.prototype`. */
const HOLDS = new Set([...SENSITIVE, "subtle", "prototype", "__proto__", "constructor"]);
const ESCAPE_ROOTS = new Set([...ROOTS, ...RUN_BY_CHECK, ...GLOBALS]);
/** Members of `SubtleCrypto`/`Crypto` the check uses (`s.verify = ...` on a parameter `s`). */
const ASKED = new Set(["verify", "importKey", "subtle", "?"]);
const DEFINES = new Set(["defineProperty", "defineProperties", "assign", "setPrototypeOf", "set"]);
const found = new WeakMap<App, { text: string; at: Loc } | null>();

/** The first change the app makes to the global Web Crypto (see above), or null. */
export function cryptoPatch(app: App): { text: string; at: Loc } | null {
  if (found.has(app)) return found.get(app)!;
  let first: { text: string; at: Loc } | null = null;
  const files = app.program.getSourceFiles().filter((f) => app.isAppCode(f));
  const aliases = aliasNames(app, files);
  const escapes = (n: ts.Node): boolean => ts.isIdentifier(n) && (ESCAPE_ROOTS.has(n.text) || aliases.has(n.text)) && holdsCrypto(app, n) && leaks(app, n, 0);
  const visit = (n: ts.Node): void => {
    if (first !== null) return;
    const patches = targets(app, n).some((target) => reachesCrypto(app, target, ts.isCallExpression(n)) && !namedKeys(app, n, target));
    if (patches || givesCrypto(app, n) || escapes(n) || writesEnv(app, n)) {
      let shown = n; // an escape is shown by its statement (`s = crypto.subtle;`)
      if (ts.isIdentifier(n)) while (shown.parent !== undefined && !ts.isBlock(shown.parent) && !ts.isSourceFile(shown.parent) && !ts.isCaseClause(shown.parent)) shown = shown.parent;
      first = { text: shown.getText().replace(/\s+/g, " ").slice(0, 80), at: app.loc(n) };
    }
    else ts.forEachChild(n, visit);
  };
  for (const file of files) visit(file);
  found.set(app, first);
  return first;
}

/** What `n` changes: the left of an assignment or a for-of/in, the object of `Object.defineProperty(o, ...)` and its kin. */
function changed(app: App, n: ts.Node): ts.Expression | undefined {
  if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) return n.left;
  if ((ts.isForOfStatement(n) || ts.isForInStatement(n)) && !ts.isVariableDeclarationList(n.initializer)) return n.initializer;
  if (!ts.isCallExpression(n) || n.arguments.length === 0) return undefined;
  const callee = skipOuter(n.expression);
  if (!ts.isPropertyAccessExpression(callee) || !DEFINES.has(callee.name.text)) return undefined;
  const owner = skipOuter(callee.expression);
  const global = ts.isIdentifier(owner) && (owner.text === "Object" || owner.text === "Reflect") && isGlobalName(app, owner);
  return global && (callee.name.text !== "set" || owner.text === "Reflect") ? n.arguments[0] : undefined;
}

/** Each place `n` writes: `changed`'s, and each target of a destructuring one (`[s.verify] = [f]`, `({ verify: s.verify } = o)`, FN1). */
function targets(app: App, n: ts.Node): ts.Expression[] {
  const target = changed(app, n);
  if (target === undefined) return [];
  if (!ts.isForOfStatement(n) && !ts.isForInStatement(n) && !(ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken)) return [target];
  const out: ts.Expression[] = [];
  const walk = (e: ts.Expression): void => {
    const x = skipOuter(e);
    if (ts.isArrayLiteralExpression(x)) x.elements.forEach((el) => walk(ts.isSpreadElement(el) ? el.expression : el));
    else if (ts.isObjectLiteralExpression(x)) x.properties.forEach((p) => ts.isPropertyAssignment(p) ? walk(p.initializer) : ts.isSpreadAssignment(p) ? walk(p.expression) : ts.isShorthandPropertyAssignment(p) ? walk(p.name) : undefined);
    else if (ts.isBinaryExpression(x) && x.operatorToken.kind === ts.SyntaxKind.EqualsToken) walk(x.left); // `[s.verify = f] = []`
    else if (!ts.isOmittedExpression(x)) out.push(e);
  };
  walk(target);
  return out;
}

/**
 * Whether `e` is the global `crypto`, `SubtleCrypto`, `Crypto` or a member of one (through
 * destructuring and `Object.getPrototypeOf` too), `TextEncoder`/`Promise` or under their
 * `prototype`, `globalThis.crypto` (any member of `globalThis` by a computed key); `globalThis`
 * itself when `whole` (`Object.defineProperty(globalThis, ...)`); a parameter typed
 * `SubtleCrypto` or `Crypto`.
 */
function reachesCrypto(app: App, e: ts.Expression, whole: boolean, depth = 0): boolean {
  const path: string[] = [];
  let at = follow(app, e);
  for (let step = 0; step < 8; step++) {
    if (ts.isPropertyAccessExpression(at)) path.unshift(at.name.text);
    else if (ts.isElementAccessExpression(at)) path.unshift(ts.isStringLiteralLike(at.argumentExpression) ? at.argumentExpression.text : "?");
    else if (ts.isCallExpression(at) && at.arguments.length === 1 && PROTOTYPE_OF.has(methodName(at))) return true; // any object's prototype: `Object.getPrototypeOf(new TextEncoder())`
    else break;
    if (path[0] === "__proto__" || path[0] === "constructor") return true; // `x.__proto__.encode`, `x.constructor.prototype.then`
    at = follow(app, at.expression);
  }
  if (!ts.isIdentifier(at)) return false;
  // A parameter's type is asked only when a member the check uses is written (or defined on it).
  if (!isGlobalName(app, at)) return depth < 4 && bound(app, at, depth, whole || ASKED.has(path[0] ?? ""));
  if (ROOTS.has(at.text)) return true;
  if (RUN_BY_CHECK.has(at.text)) return path.length === 0 || path[0] === "prototype" || path[0] === "?";
  if (!GLOBALS.has(at.text)) return false;
  return whole || SENSITIVE.has(path[0] ?? "?");
}

/** `getPrototypeOf` of `Object.getPrototypeOf(x)` or `Reflect.getPrototypeOf(x)`. */
function methodName(call: ts.CallExpression): string {
  const callee = skipOuter(call.expression);
  return ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && ["Object", "Reflect"].includes(callee.expression.text) ? callee.name.text : "";
}

/** A name bound by destructuring what reaches the global (`const { subtle } = crypto`), or a parameter typed `SubtleCrypto`/`Crypto` (or `typeof crypto...`). */
function bound(app: App, id: ts.Identifier, depth: number, typed: boolean): boolean {
  const decl = app.symbol(id)?.valueDeclaration;
  // A parameter whose default is the global: `subtle = crypto.subtle` (FP2).
  if (decl !== undefined && ts.isParameter(decl) && decl.initializer !== undefined && reachesCrypto(app, decl.initializer, false, depth + 1)) return true;
  if (decl !== undefined && ts.isBindingElement(decl)) {
    let top: ts.Node = decl;
    while (ts.isBindingElement(top) || ts.isObjectBindingPattern(top) || ts.isArrayBindingPattern(top)) top = top.parent;
    return ts.isVariableDeclaration(top) && top.initializer !== undefined && reachesCrypto(app, top.initializer, false, depth + 1);
  }
  // A parameter declared to hold it: `s: SubtleCrypto`, `c: Crypto`, `s: typeof crypto.subtle`.
  if (!typed || decl === undefined || !ts.isParameter(decl) || decl.type === undefined) return false;
  const t = decl.type;
  if (ts.isTypeReferenceNode(t)) return ts.isIdentifier(t.typeName) && ROOTS.has(t.typeName.text);
  let name: ts.EntityName | undefined = ts.isTypeQueryNode(t) ? t.exprName : undefined;
  while (name !== undefined && ts.isQualifiedName(name)) name = name.left;
  return name !== undefined && (name.text === "crypto" || name.text === "globalThis");
}

/** A call handing the global Web Crypto (`crypto`, `crypto.subtle`) to an app function that changes the parameter it lands in. */
function givesCrypto(app: App, n: ts.Node): boolean {
  if (!ts.isCallExpression(n) || !n.arguments.some((a) => !ts.isSpreadElement(a) && reachesCrypto(app, a, false))) return false;
  const given = paramsGiven(app, n, (a) => reachesCrypto(app, a, false));
  if (given === undefined) return false;
  const { body, params } = given;
  // `s.verify = ...` (a member of it), `Object.defineProperty(s, ...)` (it or a member).
  const writes = (x: ts.Node): boolean => {
    const hit = targets(app, x).some((target) => {
      let root = skipOuter(target);
      while (ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root)) root = skipOuter(root.expression);
      const symbol = ts.isIdentifier(root) && (ts.isCallExpression(x) || root !== skipOuter(target)) ? app.symbol(root) : undefined;
      return symbol !== undefined && params.has(symbol);
    });
    return hit || ts.forEachChild(x, (c) => writes(c) || undefined) === true;
  };
  return params.size > 0 && writes(body);
}

/**
 * Names of the app's `const`s (and destructured names) holding the global Web Crypto or the
 * global object (`const s = crypto.subtle`), found in two rounds so that a `const` of a `const`
 * counts too. Their initializers are asked only when their text names one.
 */
function aliasNames(app: App, files: readonly ts.SourceFile[]): Set<string> {
  const names = new Set<string>();
  for (let round = 0; round < 2; round++) {
    const word = new RegExp(`\\b(${[...ESCAPE_ROOTS, ...names].join("|")})\\b`);
    const visit = (n: ts.Node): void => {
      if (ts.isVariableDeclaration(n) && n.initializer !== undefined && ts.getCombinedNodeFlags(n) & ts.NodeFlags.Const && word.test(n.initializer.getText()) && reachesCrypto(app, n.initializer, false)) for (const b of bindingNames(n.name)) names.add(b);
      ts.forEachChild(n, visit);
    };
    files.forEach(visit);
  }
  return names;
}

/** Whether the name `id`, read as a value, is the global Web Crypto, the global object or a built-in the check runs (or a `const` holding one). */
function holdsCrypto(app: App, id: ts.Identifier): boolean {
  const p = id.parent;
  if (ts.isShorthandPropertyAssignment(p)) {
    const decls = app.checker.getShorthandAssignmentValueSymbol(p)?.declarations ?? [];
    return ESCAPE_ROOTS.has(id.text) && decls.every((d) => d.getSourceFile().isDeclarationFile);
  }
  if ((p as { name?: ts.Node }).name === id || (p as { propertyName?: ts.Node }).propertyName === id || ts.isQualifiedName(p) || ts.isTypeNode(p) || ts.isLabeledStatement(p)) return false;
  return ESCAPE_ROOTS.has(id.text) && isGlobalName(app, id) ? true : reachesCrypto(app, id, false);
}

/**
 * Whether the value at `v` (holding the global Web Crypto, see above) escapes where the audit
 * no longer follows it: into a `let`, an array or object, a return, an assignment's value, or a
 * call but an app function whose parameter does not escape in turn (`Object["define" +
 * "Property"](crypto.subtle, ...)`, `Reflect.apply(..., [crypto.subtle, ...])`). A member read,
 * a method call, a `const`, a test (`typeof`, `!`, a comparison) and `new` keep it in sight;
 * a write through it is judged by `changed`.
 */
function leaks(app: App, v: ts.Node, depth: number): boolean {
  let values = false; // `Object.values(globalThis)`: only its `length` is read
  for (;;) {
    const p: ts.Node = v.parent;
    if (isWrapper(p)) v = p;
    else if ((ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p)) && p.expression === v) {
      const name = ts.isPropertyAccessExpression(p) ? p.name.text : ts.isStringLiteralLike(p.argumentExpression) ? p.argumentExpression.text : "?";
      if (values) return name !== "length";
      if (!HOLDS.has(name)) return false;
      v = p;
    } else if (ts.isBinaryExpression(p) && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.CommaToken].includes(p.operatorToken.kind)) v = p;
    else if (ts.isConditionalExpression(p) && p.condition !== v) v = p;
    else if (ts.isCallExpression(p) && p.expression !== v) {
      if (!values && PROTOTYPE_OF.has(methodName(p))) v = p;
      else {
        const read = reads(app, p, v as ts.Expression);
        if (values || read === true) return read !== true;
        if (read === "values") (values = true), (v = p);
        else return p.arguments[0] === v && DEFINES.has(methodName(p)) ? false : givenAway(app, p, v as ts.Expression, depth);
      }
    } else if (ts.isVariableDeclaration(p)) return values || !(ts.getCombinedNodeFlags(p) & ts.NodeFlags.Const);
    // A parameter's default (`subtle = crypto.subtle`) is followed into the function (FP2), a returned one to its callers.
    else if (ts.isParameter(p) && p.initializer === v) return values || !ts.isIdentifier(p.name) || usedAway(app, p.name, (p.parent as { body?: ts.Node }).body, depth);
    else if (!values && (ts.isReturnStatement(p) || (ts.isArrowFunction(p) && p.body === v))) return !returnedRead(app, p, depth);
    else if (ts.isBinaryExpression(p)) return p.right === v && p.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && p.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
    else return !(ts.isExpressionStatement(p) || ts.isTypeOfExpression(p) || ts.isVoidExpression(p) || ts.isDeleteExpression(p) || ts.isPrefixUnaryExpression(p) || ts.isAwaitExpression(p) || ts.isIfStatement(p) || ts.isWhileStatement(p) || ts.isConditionalExpression(p) || ts.isNewExpression(p) || ts.isCallExpression(p));
  }
}

/** A call given the global Web Crypto at `v`: an escape, unless the callee is an app function whose parameter there does not escape (its writes are `givesCrypto`'s). */
function givenAway(app: App, call: ts.CallExpression, v: ts.Expression, depth: number): boolean {
  const callee = skipOuter(call.expression);
  if (ts.isPropertyAccessExpression(callee) && ["bind", "call", "apply"].includes(callee.name.text)) return true; // `patch.call(globalThis)`: its arguments are not its parameters
  const at = landing(app, call, call.arguments.indexOf(v), depth);
  return at === undefined || !ts.isIdentifier(at.param.name) || usedAway(app, at.param.name, at.body, depth);
}

/** Whether the parameter `name` escapes in its function's `body` (see `leaks`). */
function usedAway(app: App, name: ts.Identifier, body: ts.Node | undefined, depth: number): boolean {
  const uses = body === undefined || depth >= HELPER_DEPTH ? undefined : usesOf(app, name, [body]);
  return uses === undefined || uses.some((u) => leaks(app, u, depth + 1));
}

/** Built-ins that, given the global, answer keys, a test or text, never a value of it (FP1). */
const READERS = new Set(["Object.keys", "Object.getOwnPropertyNames", "Object.getOwnPropertySymbols", "Object.isFrozen", "Object.isSealed", "Object.isExtensible", "Object.is", "Object.hasOwn", "Reflect.has", "Reflect.ownKeys", "Reflect.isExtensible", "JSON.stringify", "Array.isArray"]);
/** Built-ins answering the values under it: `Object.values(globalThis).length` alone is a read. */
const VALUES = new Set(["Object.values", "Object.entries", "Object.getOwnPropertyDescriptors"]);
/** Built-ins answering one member: a read when its key is written and holds nothing of the global Web Crypto (`"verify"`). */
const MEMBER = new Set(["Object.getOwnPropertyDescriptor", "Reflect.getOwnPropertyDescriptor", "Reflect.get"]);
/** Asserts of a library (`invariant(crypto.subtle)`, `assert(globalThis.crypto)`, `assert.ok(...)`). */
const ASSERTS = /^(invariant|assert\w*|ok)$/;

/**
 * Whether `call`, given the global at `v`, only reads it (FP1): a reader of `Object`/`Reflect`,
 * `JSON.stringify`, `console.*`, a library's assert, or `f.bind/call/apply(globalThis)` of a
 * built-in or library `f` (it may read its `this`, but a library can reach the global without
 * being handed it: the audit reads the app's code, not the library's); `"values"` for `VALUES`.
 */
function reads(app: App, call: ts.CallExpression, v: ts.Expression): boolean | "values" {
  const callee = skipOuter(call.expression);
  const name = ts.isIdentifier(callee) ? callee : ts.isPropertyAccessExpression(callee) ? callee.name : undefined;
  if (name === undefined || !ts.isIdentifier(name)) return false;
  const owner = ts.isPropertyAccessExpression(callee) ? skipOuter(callee.expression) : undefined;
  const at = call.arguments.indexOf(v);
  if (owner !== undefined && ["bind", "call", "apply"].includes(name.text)) return at === 0 && fromLibrary(app, owner);
  const global = owner !== undefined && ts.isIdentifier(owner) && isGlobalName(app, owner) ? `${owner.text}.${name.text}` : "";
  if (global.startsWith("console.") || READERS.has(global)) return true;
  if (VALUES.has(global)) return "values";
  const key = call.arguments[1] === undefined ? undefined : follow(app, call.arguments[1]);
  if (MEMBER.has(global)) return at === 0 && key !== undefined && ts.isStringLiteralLike(key) && !HOLDS.has(key.text);
  return ASSERTS.test(name.text) && fromLibrary(app, callee);
}

/** Whether `e` names a function declared only outside the app's code (a built-in, a package's), or a global declared nowhere (`fetch` without the DOM's types). */
function fromLibrary(app: App, e: ts.Expression): boolean {
  const declarations = app.symbol(ts.isPropertyAccessExpression(e) ? e.name : e)?.declarations ?? [];
  if (declarations.length === 0) return ts.isIdentifier(e) && isGlobalName(app, e);
  return declarations.every((d) => !app.isAppCode(d.getSourceFile()));
}

/** Whether every caller of the function returning the global at `at` only reads or calls a member of what it answers (`getSubtle().digest(...)`, FP2). */
function returnedRead(app: App, at: ts.Node, depth: number): boolean {
  let fn: ts.Node | undefined = at;
  while (fn !== undefined && !ts.isFunctionLike(fn)) fn = fn.parent;
  if (fn === undefined) return false;
  const holder = ts.isVariableDeclaration(fn.parent) && ts.getCombinedNodeFlags(fn.parent) & ts.NodeFlags.Const ? fn.parent.name : (fn as ts.SignatureDeclaration).name;
  const refs = holder !== undefined && ts.isIdentifier(holder) && depth < HELPER_DEPTH ? references(app, holder) : undefined;
  return refs !== undefined && refs.every((r) => {
    const member = ts.isPropertyAccessExpression(r.parent) && r.parent.name === r ? r.parent : r;
    if (ts.isGetAccessor(fn)) return member !== r && onlyRead(app, member, depth + 1); // `this.subtle`, `box.subtle`
    return ts.isCallExpression(member.parent) && member.parent.expression === member && onlyRead(app, member.parent, depth + 1);
  });
}

/** The uses of the name `holder` declares in the app's code (those in import and export lists aside), undefined when its symbol is unknown. */
function references(app: App, holder: ts.Identifier): ts.Identifier[] | undefined {
  return usesOf(app, holder, app.program.getSourceFiles().filter((f) => app.isAppCode(f) && f.text.includes(holder.text)));
}

/** Whether the value at `v` is only read: a member not holding the global read or called, never written; or kept in a `const` that is. */
function onlyRead(app: App, v: ts.Node, depth: number): boolean {
  for (;;) {
    const p: ts.Node = v.parent;
    if (isWrapper(p) || ts.isAwaitExpression(p)) v = p;
    else if (ts.isPropertyAccessExpression(p) && p.expression === v && (p.name.text === "subtle" || p.name.text === "crypto")) v = p; // `getCrypto().subtle.digest(...)`
    else if (ts.isPropertyAccessExpression(p) && p.expression === v) return !HOLDS.has(p.name.text) && !written(p);
    else if (ts.isVariableDeclaration(p) && ts.isIdentifier(p.name) && ts.getCombinedNodeFlags(p) & ts.NodeFlags.Const && depth < 4) return references(app, p.name)?.every((r) => onlyRead(app, r, depth + 1)) === true;
    else return false;
  }
}

/** Whether `e` is written: assigned, counted, deleted, or in what may be a destructuring or for-of target. */
function written(e: ts.Node): boolean {
  e = outermost(e);
  const p = e.parent;
  if (ts.isBinaryExpression(p)) return p.left === e && p.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && p.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
  if (ts.isPrefixUnaryExpression(p)) return p.operator === ts.SyntaxKind.PlusPlusToken || p.operator === ts.SyntaxKind.MinusMinusToken;
  if (ts.isForOfStatement(p) || ts.isForInStatement(p)) return p.initializer === e;
  return ts.isPostfixUnaryExpression(p) || ts.isDeleteExpression(p) || ts.isArrayLiteralExpression(p) || ts.isSpreadElement(p) || ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p) || ts.isSpreadAssignment(p);
}

/**
 * `Object.assign(globalThis, { __APP_VERSION__ })`, `Object.defineProperty(globalThis, "name", ...)`:
 * a change of the global object whose keys are all named, none a member the check runs (FP2).
 */
function namedKeys(app: App, n: ts.Node, target: ts.Expression): boolean {
  const whole = follow(app, target);
  if (!ts.isCallExpression(n) || !ts.isIdentifier(whole) || !GLOBALS.has(whole.text)) return false;
  const method = methodName(n);
  const key = (e: ts.Expression | undefined): boolean => e !== undefined && ts.isStringLiteralLike(follow(app, e)) && !SENSITIVE.has((follow(app, e) as ts.StringLiteral).text);
  const keys = (e: ts.Expression): boolean => {
    const o = follow(app, e);
    return ts.isObjectLiteralExpression(o) && o.properties.every((p) => !ts.isSpreadAssignment(p) && p.name !== undefined && !ts.isComputedPropertyName(p.name) && !ts.isPrivateIdentifier(p.name) && !SENSITIVE.has(p.name.text));
  };
  if (method === "assign" || method === "defineProperties") return n.arguments.length > 1 && n.arguments.slice(1).every((a) => !ts.isSpreadElement(a) && keys(a));
  return (method === "defineProperty" || method === "set") && key(n.arguments[1]);
}

/**
 * A write into `process.env` (`process.env.BILLING_SECRET = "known"`, `Object.assign(process.env, ...)`)
 * in the app's code but its tests: the secret a check reads from there may be a value the writer knows.
 */
function writesEnv(app: App, n: ts.Node): boolean {
  if (/\.(test|spec)\.[cm]?[jt]sx?$|\/__tests__\//.test(n.getSourceFile().fileName)) return false;
  return targets(app, n).some((target) => {
    let at = follow(app, target);
    if (!ts.isCallExpression(n) && (ts.isPropertyAccessExpression(at) || ts.isElementAccessExpression(at)) && !isEnv(app, at)) at = follow(app, at.expression);
    return isEnv(app, at);
  });
}

function isEnv(app: App, e: ts.Expression): boolean {
  const root = ts.isPropertyAccessExpression(e) && e.name.text === "env" ? follow(app, e.expression) : undefined;
  return root !== undefined && ts.isIdentifier(root) && root.text === "process" && isGlobalName(app, root);
}
