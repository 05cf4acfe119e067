// What holds a value read in a handler: its `const` copies and the values read from them
// (argflow.ts `returned` follows a read's document or rows to a `return` through them), and
// whether a `return` mentions one. Rows go on through a query's own methods (`const rows = await
// base.order("desc").take(5)` of `const base = ctx.db.query(...)`), an array's copies (`rows.sort(...)[0]`),
// a `for ... of` loop's variable (`for await (const o of query)`) and an array they are pushed
// into (`out.push(o)`, `out.push(...rows)`, a read pushed in place: `pushedInto`): attack24's and attack30's evasions.
import ts from "typescript";
import { bindingNames, mentionsName, throwsConvexError } from "./facts-syntax.js";
import { isFunctionLike, skipOuter, type App } from "./program.js";
import { GIVES } from "./values.js";

/** Operators whose value is either operand's. */
export const PASSES_ON = new Set([ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken]);

/** Methods whose answer holds their receiver's rows: a query's narrowing and reading, an array's reordered or partial copy, or an iterator of its rows (`values()`). Not `filter` or `find`, which may keep only the caller's own (callerid.ts `keepsOwnRows`). */
/** Constructors of a collection keyed by the values given (their first argument). */
const KEYED = new Set(["Map", "Object.fromEntries", "Object.groupBy", "Map.groupBy"]);
const KEEPS = new Set(["withIndex", "withSearchIndex", "order", "collect", "take", "first", "unique", "paginate", "sort", "toSorted", "reverse", "toReversed", "slice", "at", "concat", "flat", "values", "entries"]);

/** The fields of `paginate`'s answer that carry no row: whether more follow, where the next page starts. */
const PAGE_META = new Set(["isDone", "continueCursor", "splitCursor", "pageStatus"]);

/** Whether `read` (a query's last call) is a `paginate`, whose answer holds its rows in `page` only. */
function paginates(read: ts.Node): boolean {
  const call = ts.isExpression(read) ? skipOuter(read) : read;
  return ts.isCallExpression(call) && ts.isPropertyAccessExpression(call.expression) && call.expression.name.text === "paginate";
}

/**
 * The names `held` binds to the answer of `read`, but of a `paginate`'s not those of its metadata
 * alone: `const { page, isDone, continueCursor } = await q.paginate(o)` holds the rows in `page` only.
 */
export function rowHolders(read: ts.Node, held: ts.BindingName): string[] {
  if (!paginates(read) || !ts.isObjectBindingPattern(held)) return bindingNames(held);
  return held.elements.filter((e) => !PAGE_META.has((e.propertyName ?? e.name).getText())).flatMap((e) => bindingNames(e.name));
}

/**
 * Whether `n` hands on only the pagination metadata of a `paginate` read at `read` held in `held`
 * (a skip of a `return`'s mentions): `res.isDone`, `res.continueCursor`, `res.splitCursor`,
 * `res.pageStatus`, or `...res` in an object literal whose later `page` replaces the rows
 * (`{ ...res, page: checked }`, the idiom `usePaginatedQuery` is fed). Never of another read: a
 * document's own `isDone` is data.
 */
export function pageMetaOnly(read: ts.Node, held: ts.BindingName): (n: ts.Node) => boolean {
  if (!paginates(read) || !ts.isIdentifier(held)) return () => false;
  const isRes = (e: ts.Expression) => ts.isIdentifier(skipOuter(e)) && (skipOuter(e) as ts.Identifier).text === held.text;
  const replaced = (s: ts.SpreadAssignment) => {
    const later = s.parent.properties.slice(s.parent.properties.indexOf(s) + 1);
    return later.some((p) => (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && p.name.getText() === "page");
  };
  return (n) => (ts.isPropertyAccessExpression(n) && PAGE_META.has(n.name.text) && isRes(n.expression)) || (ts.isSpreadAssignment(n) && isRes(n.expression) && replaced(n));
}

/**
 * The variable a value `o` (at its outermost, `parent` around it) is put in: a declaration's, a
 * `for ... of` loop's over it, or a plain assignment's (`rows = await ctx.db.query(t).collect()`
 * of a `let`, read as held there: attack48 F7, a listing given to a `let` after its declaration).
 */
export function heldIn(parent: ts.Node, o: ts.Expression): ts.BindingName | undefined {
  if (ts.isVariableDeclaration(parent)) return parent.name;
  if (ts.isForOfStatement(parent) && parent.expression === o && ts.isVariableDeclarationList(parent.initializer)) return parent.initializer.declarations[0]?.name;
  const left = ts.isBinaryExpression(parent) && parent.right === o && GIVES.has(parent.operatorToken.kind) ? skipOuter(parent.left) : undefined; // `rows ||= <query>` too (attack50 F4)
  return left !== undefined && ts.isIdentifier(left) ? left : undefined;
}

/** The names and every `const b = a` alias of them in the handler (an array pushed into only where `ownPush` says the row is the caller's own: not). */
export function aliases(handler: ts.Node, names: string[], ownPush: (push: ts.CallExpression) => boolean = () => false): string[] {
  const all = new Set(names);
  for (let pass = 0; pass < 3; pass++) {
    const before = all.size;
    const visit = (n: ts.Node): void => {
      // A copy, or a value read from one (`const name = team?.name ?? ""`, `const { title } = doc`).
      if (ts.isVariableDeclaration(n) && n.initializer !== undefined && holdsValueOf(n.initializer, all)) {
        for (const name of bindingNames(n.name)) all.add(name);
      }
      // A loop's variable over one (`for (const o of rows)`), and an array one is pushed into (`out.push(o)`).
      const loopVar = ts.isForOfStatement(n) && ts.isVariableDeclarationList(n.initializer) ? n.initializer.declarations[0]?.name : undefined;
      if (loopVar !== undefined && holdsValueOf((n as ts.ForOfStatement).expression, all)) for (const name of bindingNames(loopVar)) all.add(name);
      // A `forEach` callback's element over one (`rows.forEach((t) => out.push(t))`), as a loop's variable.
      const each = ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === "forEach" && holdsValueOf(n.expression.expression, all) ? skipOuter(n.arguments[0] ?? n.expression) : undefined;
      const element = each !== undefined && (ts.isArrowFunction(each) || ts.isFunctionExpression(each)) ? each.parameters[0]?.name : undefined;
      if (element !== undefined) for (const name of bindingNames(element)) all.add(name);
      const push = pushOf(n);
      if (push !== undefined && push.values.some((a) => holdsValueOf(a, all)) && !ownPush(n as ts.CallExpression)) all.add(push.into.text);
      ts.forEachChild(n, visit);
    };
    visit(handler);
    if (all.size === before) break;
  }
  return [...all];
}

/** `out.push(a, ...b)` (or `unshift`) of an array named `out`: that name, and the values pushed (of a spread, the array spread). */
function pushOf(n: ts.Node): { into: ts.Identifier; values: ts.Expression[] } | undefined {
  if (!ts.isCallExpression(n) || !ts.isPropertyAccessExpression(n.expression) || !["push", "unshift"].includes(n.expression.name.text)) return undefined;
  const into = skipOuter(n.expression.expression);
  return ts.isIdentifier(into) ? { into, values: n.arguments.map((a) => (ts.isSpreadElement(a) ? a.expression : a)) } : undefined;
}

/**
 * The declaration of the array a value read in place (`o`, through `outer`) is pushed into, as
 * `aliases` follows a name pushed: `out.push(await ctx.db.get(id))`, `out.push(...(await q.collect()))`.
 */
export function pushedInto(app: App, o: ts.Expression): ts.VariableDeclaration | undefined {
  const push = pushOf(ts.isSpreadElement(o.parent) ? o.parent.parent : o.parent);
  const decl = push !== undefined && push.values.includes(o) ? app.symbol(push.into)?.valueDeclaration : undefined;
  return decl !== undefined && ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name) ? decl : undefined;
}

/**
 * Whether an expression's value is, or holds, a value read from one of `names`: the name, a
 * field of it (`doc.title`, `doc?.a.b`, `doc[k]`), either side of `??`/`||`, the right of `&&`, a branch of `?:`,
 * a template, object or array made of one, a `KEEPS` method's answer (`rows.sort(...)`). Not a test
 * of it (`doc !== null`, `!doc`, `doc.ownerId === id`) nor another call's answer (`f(doc)`).
 */
function holdsValueOf(e: ts.Node, names: ReadonlySet<string>): boolean {
  e = ts.isExpression(e) ? skipOuter(e) : e;
  if (ts.isAwaitExpression(e)) return holdsValueOf(e.expression, names);
  if (ts.isIdentifier(e)) return names.has(e.text);
  if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) return holdsValueOf(e.expression, names);
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(skipOuter(e.expression)) && KEEPS.has((skipOuter(e.expression) as ts.PropertyAccessExpression).name.text)) {
    return holdsValueOf((skipOuter(e.expression) as ts.PropertyAccessExpression).expression, names);
  }
  if (ts.isBinaryExpression(e)) {
    const k = e.operatorToken.kind;
    return (PASSES_ON.has(k) && holdsValueOf(e.left, names)) || ((PASSES_ON.has(k) || k === ts.SyntaxKind.AmpersandAmpersandToken) && holdsValueOf(e.right, names));
  }
  // A collection keyed by them: `new Map(rows.map((t) => [t.orgId, t]))`, `Object.fromEntries(...)` of such pairs, `Object.groupBy(rows, f)`, `Map.groupBy`.
  const keyed = ts.isNewExpression(e) || ts.isCallExpression(e) ? KEYED.has(pathText(e.expression)) && e.arguments !== undefined ? e.arguments[0] : undefined : undefined;
  if (keyed !== undefined) {
    const pairs = skipOuter(keyed);
    return holdsValueOf(pairs, names) || (ts.isCallExpression(pairs) && ts.isPropertyAccessExpression(pairs.expression) && pairs.expression.name.text === "map" && holdsValueOf(pairs.expression.expression, names));
  }
  if (ts.isConditionalExpression(e)) return holdsValueOf(e.whenTrue, names) || holdsValueOf(e.whenFalse, names);
  if (ts.isTemplateExpression(e)) return e.templateSpans.some((t) => holdsValueOf(t.expression, names));
  if (ts.isArrayLiteralExpression(e)) return e.elements.some((x) => holdsValueOf(ts.isSpreadElement(x) ? x.expression : x, names));
  if (ts.isObjectLiteralExpression(e)) {
    return e.properties.some((p) =>
      ts.isPropertyAssignment(p) ? holdsValueOf(p.initializer, names) : ts.isShorthandPropertyAssignment(p) ? names.has(p.name.text) : ts.isSpreadAssignment(p) && holdsValueOf(p.expression, names),
    );
  }
  return false;
}

export function returns(body: ts.Node, name: string, mentions: (e: ts.Node, name: string) => boolean = mentionsName): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if ((ts.isReturnStatement(n) || throwsConvexError(n)) && n.expression !== undefined && mentions(n.expression, name)) found = true;
    else if (ts.isArrowFunction(n) && !ts.isBlock(n.body) && n === body && mentions(n.body, name)) found = true;
    else if (n === body || !isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(body);
  return found;
}

/** A callee's dotted name through parentheses and assertions (`(Map as any).groupBy`: `Map.groupBy`). */
function pathText(x: ts.Expression): string {
  const e = skipOuter(x);
  return ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? `${pathText(e.expression)}.${e.name.text}` : "";
}
