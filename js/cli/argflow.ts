// Where a handler's values come from: which of them come from its arguments (rate-limit keys,
// document ids, through aliases, reshaping string methods and normalizeId), which reads return a
// document fetched by an argument's id, and the small syntax helpers those answers need.
import ts from "typescript";
import { CONVEX } from "./facts.js";
import { enclosingFunction, isDatabase, isKeyName, ITERATING, mentionsName, throwsConvexError, valueSymbol } from "./facts-syntax.js";
import { outer } from "./flow.js";
import { answersNoDocument } from "./nodocument.js";
import { fieldComparisons, keepsOwnRows, mappedReads } from "./callerid.js";
import { skipOuter, type App, type Loc } from "./program.js";
import { aliases, heldIn, pageMetaOnly, pushedInto, rowHolders, PASSES_ON, returns } from "./aliases.js";
import { helperDocument } from "./helperget.js";
import { callerTied, queriedById, recordOf, tyingIn } from "./idquery.js";
export { checkedValues } from "./idquery.js"; // functions.ts: the arguments checks cover, and the values tying a queried row to one
import { forAnswer, othersDocument } from "./actingfor.js";
import { parsedFrom } from "./parsedids.js";
import { rowOwnerFields } from "./accessfields.js";
import { arrayElement } from "./subject.js";
import { heldSpan, heldValue } from "./values.js";
import { readComparisons } from "./readcompare.js";
export { comparesReadOf, readComparisons } from "./readcompare.js"; // the owner comparisons of an argument's documents

export { functionValue, initializer, resolveValue } from "./values.js"; // what a name's value is

/** How a rate limit keyed by an argument says so: `keyed by argument 'email'`. */
export function keyedBy(arg: string): string {
  return `keyed by ${arg.startsWith("(") ? arg : `argument '${arg}'`}`;
}

/** String methods whose answer is their receiver reshaped: a value made of an argument stays the argument's. */
export const RESHAPING = new Set(["trim", "trimStart", "trimEnd", "toLowerCase", "toUpperCase", "toLocaleLowerCase", "toLocaleUpperCase", "normalize", "slice", "substring", "replace", "replaceAll", "concat", "padStart", "padEnd", "toString"]);

/**
 * Which values of a handler come from its arguments, and from which argument: `args.id`, a
 * destructured `{ id }`, the constants made of them (`const target = args.id`, a template
 * around one), and `ctx.db.normalizeId(table, raw)` of one.
 */
export class ArgFlow {
  private readonly argsObject: string | undefined;
  /** A variable of the handler -> the argument its value came from. */
  private readonly roots = new Map<string, string>();
  /** A variable of the handler -> its assignments after its declaration (`pid = args.other`), in source order. */
  private readonly assigned = new Map<string, ts.BinaryExpression[]>();
  /** A variable (by symbol) -> the field of an object argument it holds, as `idRoot` names one: `const { id } = args.task` ("task.id"), `for (const { id } of args.items)` ("items.id"). */
  private readonly fields = new Map<ts.Symbol, string>();

  constructor(
    private readonly app: App,
    readonly handler: ts.SignatureDeclaration,
    /** A public function's: the document of a `*For` call for another user is unchecked (actingfor.ts). */
    readonly exposed = false,
  ) {
    const param = handler.parameters[1]?.name;
    this.argsObject = param !== undefined && ts.isIdentifier(param) ? param.text : undefined;
    if (param !== undefined && !ts.isIdentifier(param)) this.bind(param, undefined);
    // Constants made of arguments, to a fixed point (an alias of an alias).
    for (let pass = 0; pass < 3; pass++) {
      const before = this.roots.size + this.fields.size;
      const visit = (n: ts.Node): void => {
        if (ts.isVariableDeclaration(n) && n.initializer !== undefined) {
          const init = skipOuter(n.initializer);
          if (ts.isIdentifier(n.name)) {
            const root = this.rootOf(init);
            if (root !== undefined) this.roots.set(n.name.text, root);
          } else if (ts.isIdentifier(init) && init.text === this.argsObject) {
            this.bind(n.name, undefined);
          } else if (ts.isObjectBindingPattern(n.name)) {
            // `const { listingId: lid } = { ...args }`, or of a `const` holding that copy.
            for (const e of n.name.elements) {
              const key = e.propertyName ?? e.name;
              const root = ts.isIdentifier(key) && e.dotDotDotToken === undefined ? this.copiedField(init, key.text) : undefined;
              if (root !== undefined && ts.isIdentifier(e.name)) this.roots.set(e.name.text, root);
            }
          }
          this.bindField(n.name, this.idRoot(init)); // a field of an object argument: `const id = args.task.id`, `const { id } = args.task`
        }
        const assignment = pass === 0 && ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
        if (assignment && ts.isIdentifier(skipOuter(n.left))) this.assigned.set((skipOuter(n.left) as ts.Identifier).text, [...(this.assigned.get((skipOuter(n.left) as ts.Identifier).text) ?? []), n]);
        // An element of an argument's list: `for (const id of args.ids)`, `args.ids.map((id) => ...)`.
        const element = ts.isForOfStatement(n) && ts.isVariableDeclarationList(n.initializer) ? n.initializer.declarations[0]?.name : undefined;
        if (element !== undefined && ts.isForOfStatement(n)) this.bindElement(element, n.expression);
        if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && ITERATING.has(n.expression.name.text)) {
          const callback = n.arguments[0] === undefined ? undefined : skipOuter(n.arguments[0]);
          const first = callback !== undefined && (ts.isArrowFunction(callback) || ts.isFunctionExpression(callback)) ? callback.parameters[0]?.name : undefined;
          if (first !== undefined) this.bindElement(first, n.expression.expression);
        }
        ts.forEachChild(n, visit);
      };
      visit(handler);
      if (this.roots.size + this.fields.size === before) break;
    }
  }

  private bindElement(name: ts.BindingName, list: ts.Expression): void {
    list = recordOf(list) ?? list; // `Object.keys(args.edits)`: a record argument's keys are the client's, ids too (attack45 F4)
    const literal = skipOuter(list); // `[args.other].map((o) => ...)`: an element of a list written of arguments is theirs (attack50 F4 e5)
    const root = this.rootOf(list) ?? (ts.isArrayLiteralExpression(literal) ? literal.elements.map((x) => this.rootOf(ts.isSpreadElement(x) ? x.expression : x)).find((r) => r !== undefined) : undefined);
    if (root !== undefined && ts.isIdentifier(name)) this.roots.set(name.text, root);
    this.bindField(name, this.idRoot(list));
  }

  /** A name, or each of a destructuring's, bound to the field of an object argument `path` names (`const { id, ...rest } = args.task`: `id` is "task.id", `rest` "task"; an array's element is its list's). */
  private bindField(name: ts.BindingName, path: string | undefined): void {
    if (path === undefined) return;
    const symbol = ts.isIdentifier(name) ? this.app.symbol(name) : undefined;
    if (symbol !== undefined) this.fields.set(symbol, path);
    for (const e of ts.isIdentifier(name) ? [] : (name.elements as readonly ts.ArrayBindingElement[]).filter(ts.isBindingElement)) {
      const key = e.propertyName ?? e.name;
      this.bindField(e.name, ts.isArrayBindingPattern(name) || e.dotDotDotToken !== undefined ? path : ts.isIdentifier(key) || ts.isStringLiteral(key) ? `${path}.${key.text}` : undefined);
    }
  }

  /** `{ id, target: t }` of the arguments: each name from its field. */
  private bind(pattern: ts.BindingName, field: string | undefined): void {
    if (ts.isIdentifier(pattern)) {
      this.roots.set(pattern.text, field ?? pattern.text);
      return;
    }
    for (const e of pattern.elements) {
      if (ts.isOmittedExpression(e)) continue;
      const key = e.propertyName !== undefined && (ts.isIdentifier(e.propertyName) || ts.isStringLiteral(e.propertyName)) ? e.propertyName.text : undefined;
      this.bind(e.name, field ?? key);
    }
  }

  /** The argument field `key` of an object literal (or a `const` holding one) holds: `{ ...args }`'s, unless a property or spread after it gives another value. */
  private copiedField(obj: ts.Expression, key: string): string | undefined {
    const e = skipOuter(obj);
    const literal = ts.isIdentifier(e) ? this.app.constInitializer(e) : e;
    if (literal === undefined || !ts.isObjectLiteralExpression(literal)) return undefined;
    for (const p of [...literal.properties].reverse()) {
      if (ts.isSpreadAssignment(p)) return ts.isIdentifier(skipOuter(p.expression)) && (skipOuter(p.expression) as ts.Identifier).text === this.argsObject ? key : undefined;
      if (p.name !== undefined && ts.isIdentifier(p.name) && p.name.text === key) return ts.isPropertyAssignment(p) ? this.rootOf(p.initializer) : ts.isShorthandPropertyAssignment(p) ? this.rootOf(p.name) : undefined;
    }
    return undefined;
  }

  /** The argument a value comes from, or undefined. */
  rootOf(expr: ts.Expression): string | undefined {
    const e = skipOuter(expr);
    // A variable assigned again holds there its last assignment's value above it (`let pid = r.doc._id; pid = args.other`).
    const last = ts.isIdentifier(e) ? this.assigned.get(e.text)?.filter((a) => a.end <= e.pos).pop() : undefined;
    if (last !== undefined) return this.rootOf(last.right);
    if (ts.isIdentifier(e)) return this.roots.get(e.text);
    if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(skipOuter(e.expression)) && (skipOuter(e.expression) as ts.Identifier).text === this.argsObject) return e.name.text;
    // A field of a copy of the arguments: `const a = { ...args }; a.listingId`.
    if (ts.isPropertyAccessExpression(e) && this.copiedField(e.expression, e.name.text) !== undefined) return this.copiedField(e.expression, e.name.text);
    if (ts.isElementAccessExpression(e) && ts.isIdentifier(skipOuter(e.expression)) && (skipOuter(e.expression) as ts.Identifier).text === this.argsObject) {
      return ts.isStringLiteralLike(e.argumentExpression) ? e.argumentExpression.text : "(an argument)";
    }
    if (ts.isCallExpression(e) && this.app.memberPath(e.expression).slice(-2).join(".") === "db.normalizeId") {
      const last = e.arguments[e.arguments.length - 1];
      return last === undefined ? undefined : parsedFrom(this.app, last, (x) => this.rootOf(x)); // also parsed out of a string argument (parsedids.ts)
    }
    if (ts.isTemplateExpression(e)) {
      for (const span of e.templateSpans) {
        const root = this.rootOf(span.expression);
        if (root !== undefined) return root;
      }
    }
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) return this.rootOf(e.left) ?? this.rootOf(e.right);
    if (ts.isConditionalExpression(e)) return this.rootOf(e.whenTrue) ?? this.rootOf(e.whenFalse);
    // `email.trim().toLowerCase()`, `String(email)`: the same value, reshaped.
    if (ts.isCallExpression(e)) {
      const callee = skipOuter(e.expression);
      if (ts.isPropertyAccessExpression(callee) && RESHAPING.has(callee.name.text)) return this.rootOf(callee.expression) ?? e.arguments.map((a) => this.rootOf(a)).find((r) => r !== undefined);
      if (ts.isIdentifier(callee) && callee.text === "String" && e.arguments[0] !== undefined) return this.rootOf(e.arguments[0]);
    }
    return undefined;
  }

  /** The argument an id comes from, a field of an object argument included (`ref.id` of `ref: v.object({ id: v.id("posts") })`, as `"ref.id"`): what the `unchecked-id-*` rules follow. */
  idRoot(expr: ts.Expression): string | undefined {
    const root = this.rootOf(expr);
    const e = skipOuter(expr);
    // A variable holding such a field (`fields`), at its last assignment above it if assigned again.
    const last = root === undefined && ts.isIdentifier(e) ? this.assigned.get(e.text)?.filter((a) => a.end <= e.pos).pop() : undefined;
    if (root === undefined && ts.isIdentifier(e)) return last !== undefined ? this.idRoot(last.right) : this.fields.get(valueSymbol(this.app, e)!);
    if (root !== undefined || !ts.isPropertyAccessExpression(e)) return root;
    const owner = this.idRoot(e.expression);
    return owner === undefined ? undefined : `${owner}.${e.name.text}`;
  }

  /** The argument anything in an expression comes from (`"(the arguments)"` for the whole object), or undefined. */
  argIn(expr: ts.Node): string | undefined {
    let found: string | undefined;
    const visit = (n: ts.Node): void => {
      if (found !== undefined) return;
      const root = ts.isExpression(n) ? this.rootOf(n) : undefined;
      if (root !== undefined) found = root;
      else if (ts.isIdentifier(n) && n.text === this.argsObject && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) found = "(the arguments)";
      else ts.forEachChild(n, visit);
    };
    visit(expr);
    return found;
  }
}

/** Methods a promise's value goes on through (`get(id).then(d => d)`). */
export const PROMISE_CHAIN = new Set(["then", "catch", "finally"]);
/** `Promise.all([get(a), get(b)])`: the documents go on in the answer. */
export const PROMISE_COMBINED = new Set(["all", "allSettled", "race", "any"]);

/**
 * Documents read by an id from the arguments that reach a `return` with no comparison of one
 * of their fields with the caller's id deciding whether the handler goes on with them (`if (doc?.ownerId !== user._id) throw`, callerid.ts): `ctx.db.get(id)` (through
 * aliases of `ctx.db` and of the id, and `normalizeId`), or a query filtered on `_id` equal to
 * one; the document followed through `.then`, `Promise.all` and the variables it is put in.
 */
export function returnedIdReads(app: App, handler: ts.SignatureDeclaration, flow: ArgFlow): (Loc & { arg: string; compared: string[]; through?: string })[] {
  const reads: { node: ts.Expression; arg: string; through?: string }[] = [];
  const visit = (n: ts.Node): void => {
    const other: { through?: string } = {}, acted = flow.exposed && othersDocument(app, n) !== undefined ? readArg(app, flow, n as ts.CallExpression, other) : undefined;
    if (acted !== undefined) reads.push({ node: n as ts.CallExpression, arg: acted, ...other });
    if (ts.isCallExpression(n)) {
      const convex = app.calleeFrom(n, CONVEX);
      const last = n.arguments[n.arguments.length - 1];
      if (convex?.name === "get" && isDatabase(convex.owner) && last !== undefined) {
        const arg = flow.idRoot(last);
        if (arg !== undefined) reads.push({ node: n, arg });
      }
      const callee = skipOuter(n.expression);
      if (ts.isPropertyAccessExpression(callee) && (callee.name.text === "filter" || callee.name.text === "withIndex")) {
        const arg = idTest(n, flow);
        if (arg !== undefined && !callerTied(app, chainEnd(n))) reads.push({ node: chainEnd(n), arg }); // not the caller's own row, `q.eq(q.field("ownerId"), user._id)` too (idquery.ts)
      }
    }
    const js = (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === "find") || ts.isElementAccessExpression(n);
    const found = js ? queriedById(app, n as ts.Expression, (e) => flow.idRoot(e)) : undefined; // `rows.find((r) => r._id === args.id && !r.archived)`, `rows.filter(...)[0]`, of a table's rows (idquery.ts)
    if (found !== undefined) reads.push({ node: n as ts.Expression, arg: found });
    ts.forEachChild(n, visit);
  };
  visit(handler);
  // `compared`: the arguments a field of the read was compared with (a check where a caller passes its own id for one, follow.ts).
  const kept = reads.filter((read) => returned(app, handler, read.node, read.node, "document"));
  return kept.map((read) => ({ ...app.loc(read.node), arg: read.arg, ...(read.through === undefined ? {} : { through: read.through }), compared: readComparisons(app, handler, flow, read.arg).args }));
}

/**
 * Whether a value read at `node` reaches a `return`: returned directly (through `.then` and
 * `Promise.all`; a `"document"` also by a field of it), or put in a variable a `return` of the
 * function mentions (or a `const` alias of it), or pushed into an array (`out.push(...rows)`) one does. A `"document"`: a comparison of a field of the
 * variable with the caller's own id deciding whether the handler goes on with it (`if
 * (doc.ownerId !== user._id) throw`, callerid.ts) is an ownership check; a `.map` callback's whole
 * answer is the batch holding it, returned unless only filtered to the caller's own rows
 * (callerid.ts `mappedReads`, `keepsOwnRows`; `own`: any read so filtered). A return that only tests the variable hands none on (`x !== null`; a count is data to a `"document"`).
 */
export function returned(app: App, handler: ts.SignatureDeclaration, read: ts.Node, node: ts.Expression, what: "document" | "rows", own = false): boolean {
  // Pushed into an array (`out.push(...(await q.collect()))`): held in it (aliases.ts `pushedInto`).
  let pushed: ts.VariableDeclaration | undefined;
  for (;;) {
    const o = outer(node);
    const p = o.parent;
    pushed = pushedInto(app, o);
    if (pushed !== undefined) break;
    if (ts.isPropertyAccessExpression(p) && p.expression === o && PROMISE_CHAIN.has(p.name.text) && ts.isCallExpression(p.parent)) node = p.parent;
    else if (ts.isArrayLiteralExpression(p) && ts.isCallExpression(p.parent) && PROMISE_COMBINED.has(app.memberPath(p.parent.expression).slice(-1)[0] ?? "")) node = p.parent;
    // In an object or array literal (`return { post }`'s value), a branch of `?:`, an operand of `??`/`||`, the right of `&&`: the value holds the read's.
    else if ((ts.isPropertyAssignment(p) && p.initializer === o && ts.isObjectLiteralExpression(p.parent)) || ts.isArrayLiteralExpression(p)) node = ts.isPropertyAssignment(p) ? p.parent : p;
    else if (ts.isSpreadElement(p) && ts.isArrayLiteralExpression(p.parent)) node = p.parent; // `rows = [...rows, ...(await q.collect())]` (attack50 F3)
    // A field of a document (`return (await ctx.db.get(id))?.title`, `!.title`, `[key]`): data read from it.
    else if (what === "document" && (ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p)) && p.expression === o) node = p;
    // Handed on as a `const` holding it is: a call's argument or receiver (`JSON.stringify(await ctx.db.get(id))`, `doc.title.toUpperCase()`; not a guard call answering no document, nodocument.ts), a template's part, a `+`.
    else if (what === "document" && ts.isCallExpression(p) && (p.expression === o || p.arguments.includes(o)) && !answersNoDocument(app, p)) node = p;
    else if (what === "document" && ts.isTemplateSpan(p) && p.expression === o) node = p.parent;
    else if (what === "document" && ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.PlusToken) node = p;
    else if ((ts.isConditionalExpression(p) && p.condition !== o) || (ts.isBinaryExpression(p) && (PASSES_ON.has(p.operatorToken.kind) || (p.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken && p.right === o)))) node = p;
    else break;
  }
  const o = outer(node);
  const parent = (node === read && what === "document" && pushed === undefined ? mappedReads(app, node) : undefined) ?? o.parent;
  if (ts.isReturnStatement(parent) || (ts.isArrowFunction(parent) && parent.body === o)) return true;
  // In a thrown ConvexError (`throw new ConvexError({ current: await ctx.db.get(id) })`): its data reaches the caller.
  if (ts.isNewExpression(parent) && throwsConvexError(outer(parent).parent)) return true;
  // Held in a variable (given by an assignment too), or the rows of `for await (const o of query)` (aliases.ts `heldIn`).
  const held = pushed !== undefined ? pushed.name : heldIn(parent, o);
  if (held === undefined) return false;
  const names = aliases(handler, rowHolders(read, held));
  const body = enclosingFunction(pushed ?? parent) ?? handler;
  // A mention inside a guard call whose answer carries no document (`return await guard.acceptGroupInvite(ctx, ws.groupId)`) hands nothing on (nodocument.ts), nor a `paginate` answer's metadata (aliases.ts).
  const meta = pageMetaOnly(read, held);
  if (what === "rows") return names.some((name) => returns(body, name, (e, x) => handsOn(e, x, (n) => answersNoDocument(app, n) || meta(n), false)));
  const handsOnAny = (own: boolean) => names.some((name) => returns(body, name, (e, x) => handsOn(e, x, (n) => answersNoDocument(app, n) || meta(n) || (own && keepsOwnRows(app, n, x)), true)));
  return parent !== o.parent ? handsOnAny(true) || !handsOnAny(false) : handsOnAny(own) && !names.some((name) => fieldComparisons(app, handler, name, undefined, false, heldSpan(app, held, parent), rowOwnerFields(app, held)).caller); // the owner field only, where configured (attack48 L2)
}

/** Tests of a value that answer something else than the value. */
const TESTS = new Set([ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken, ts.SyntaxKind.LessThanToken, ts.SyntaxKind.GreaterThanToken, ts.SyntaxKind.LessThanEqualsToken, ts.SyntaxKind.GreaterThanEqualsToken, ts.SyntaxKind.InstanceOfKeyword]);

/** Whether an expression hands on a variable's value: `x`, `{ x }`, `x.field`, `x.map(...)`; not only a test of it (`x !== null`, `!x`, `typeof x`, `x.length` when not `counts`, else only tested: `x.length > 0`), nor inside what `skip` says hands nothing on. */
function handsOn(expr: ts.Node, name: string, skip: (n: ts.Node) => boolean, counts: boolean): boolean {
  let found = false;
  const tested = (e: ts.Node) => (ts.isBinaryExpression(e.parent) && TESTS.has(e.parent.operatorToken.kind)) || (ts.isPrefixUnaryExpression(e.parent) && e.parent.operator === ts.SyntaxKind.ExclamationToken) || ts.isTypeOfExpression(e.parent);
  const visit = (n: ts.Node): void => {
    if (found || skip(n)) return;
    if (ts.isIdentifier(n) && n.text === name && !isKeyName(n)) {
      const p = n.parent;
      found = !tested(n) && !(ts.isPropertyAccessExpression(p) && p.expression === n && p.name.text === "length" && (!counts || tested(p)));
    } else ts.forEachChild(n, visit);
  };
  visit(expr);
  return found;
}

/** The argument whose id `ctx.db.get` (or a query selecting by `_id` alone) reads by, of a read (`await ctx.db.get(id)`, `(await ctx.db.get(id))!`), or of an app helper's answer that is one (`await loadTask(ctx, id)`, helperget.ts: its name put in `via`). */
export function readArg(app: App, flow: ArgFlow, read: ts.Expression, via?: { through?: string; parents?: ts.CallExpression[]; change?: true }): string | undefined {
  const id = readId(app, read);
  if (id !== undefined) return flow.idRoot(id);
  const queried = queriedById(app, read, (e) => flow.idRoot(e), tyingIn(flow.handler, via?.change === true)); // `query(t).filter((q) => q.eq(q.field("_id"), id)).unique()`, unless tied to the caller or a check (idquery.ts; `change`: of a delete or write, a check that covers it)
  if (queried !== undefined) return queried;
  const call = skipOuter(read), other = flow.exposed ? othersDocument(app, call) : undefined; // a `*For` answer for another user (actingfor.ts): by its id, or a field of a row an argument names
  if (other !== undefined && via !== undefined) via.through = other.through;
  if (other !== undefined) return flow.idRoot(other.id) ?? readBy(app, flow, other.id, true);
  if (!ts.isCallExpression(call) || app.calleeFrom(call, CONVEX) !== undefined) return undefined;
  const helper = helperDocument(app, flow, call);
  if (helper !== undefined && via !== undefined) Object.assign(via, { through: helper.through, ...(helper.parents === undefined ? {} : { parents: helper.parents }) });
  return helper?.arg;
}

/** The id `ctx.db.get` reads by, of a read. */
export function readId(app: App, read: ts.Expression): ts.Expression | undefined {
  const call = skipOuter(read);
  if (!ts.isCallExpression(call)) return undefined;
  const convex = app.calleeFrom(call, CONVEX);
  return convex?.name === "get" && isDatabase(convex.owner) ? call.arguments[call.arguments.length - 1] : undefined;
}

/**
 * `doc._id` (or, `anyField`, any field: `doc.groupId`) of a `const doc = await ctx.db.get(id)`,
 * or of the read itself (`(await ctx.db.get(id))!._id`), also copied into a `const` (`const
 * target = doc._id`, `const { _id } = doc`): the argument `id` came from; `via.field`: the field it is.
 */
export function readBy(app: App, flow: ArgFlow, target: ts.Expression, anyField = false, depth = 0, via?: { through?: string; field?: string; parents?: ts.CallExpression[]; change?: true }): string | undefined {
  const id = skipOuter(target);
  if (ts.isIdentifier(id) && depth < 4) {
    const init = app.constInitializer(id) ?? heldValue(app, id);
    if (init !== undefined) return readBy(app, flow, init, anyField, depth + 1, via);
    const decl = app.symbol(id)?.valueDeclaration; // a shorthand's (`{ id }`) variable's too
    if (decl === undefined || !ts.isBindingElement(decl) || !ts.isObjectBindingPattern(decl.parent) || decl.dotDotDotToken !== undefined) return undefined;
    const holder = decl.parent.parent;
    const key = decl.propertyName ?? decl.name;
    if (!ts.isVariableDeclaration(holder) || holder.initializer === undefined || !(ts.getCombinedNodeFlags(holder) & ts.NodeFlags.Const) || !ts.isIdentifier(key) || (!anyField && key.text !== "_id")) return undefined;
    if (via !== undefined) via.field = key.text;
    return documentReadArg(app, flow, holder.initializer, via);
  }
  if (!ts.isPropertyAccessExpression(id) || (!anyField && id.name.text !== "_id")) return undefined;
  if (via !== undefined) via.field = id.name.text;
  return documentReadArg(app, flow, id.expression, via);
}

/** The argument a document was read by: of the read (`(await ctx.db.get(id))!`) or of a `const` holding it. */
function documentReadArg(app: App, flow: ArgFlow, doc: ts.Expression, via?: { through?: string; parents?: ts.CallExpression[]; change?: true }): string | undefined {
  const e = skipOuter(doc);
  const init = forAnswer(app, e) ?? (ts.isIdentifier(e) ? (app.constInitializer(e) ?? arrayElement(app, e) ?? heldValue(app, e)) : e); // a `let`: its last value above (values.ts)
  return init === undefined ? undefined : readArg(app, flow, init, via);
}

/** `q.eq(q.field("_id"), id)` (or `q.eq("_id", id)`) in a filter or an index range: the argument the id came from. */
export function idTest(call: ts.CallExpression, flow: ArgFlow): string | undefined {
  let names = false;
  let arg: string | undefined;
  const visit = (n: ts.Node): void => {
    if (ts.isStringLiteralLike(n) && n.text === "_id") names = true;
    if (arg === undefined && ts.isExpression(n)) arg = flow.rootOf(n);
    ts.forEachChild(n, visit);
  };
  for (const a of call.arguments) visit(a);
  return names ? arg : undefined;
}

/** The last call of a method chain (`db.query(t).filter(...).first()`). */
export function chainEnd(call: ts.CallExpression): ts.Expression {
  let node: ts.Expression = call;
  while (ts.isPropertyAccessExpression(node.parent) && node.parent.expression === node && ts.isCallExpression(node.parent.parent) && node.parent.parent.expression === node.parent) {
    node = node.parent.parent;
  }
  return node;
}
