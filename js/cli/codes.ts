// `code-exposed`: where the one-time code of `guard.issueConfirmation` goes, in the handler that
// issues it. The code exists in clear only in that call's answer; it must reach the user out of
// band (docs/sensitive-operations.md, "Confirmation codes"):
//
//   return await guard.issueConfirmation(ctx, b);                   // to the client: returned
//   const { code } = await guard.issueConfirmation(ctx, b);
//   await ctx.scheduler.runAfter(0, internal.mail.send, { code });  // stored in _scheduled_functions: scheduled
//   await ctx.db.insert("outbox", { text: `Your code: ${code}` });  // stored in clear: stored
//   await guard.audit.log(ctx, { ..., resourceId: code });          // the trail keeps it in clear: stored
//
// The answer is followed through the handler's `const`s: the answer itself (`const r = ...`,
// `const copy = r`, `issue(...).then((r) => ...)`'s parameter, an element of `Promise.all([...])`),
// its code (`r.code`, `const { code } = r`, `const { code: c } = ...`, a rest `...rest` of it),
// and any value made of the code (`const text = \`Your code: ${code}\``, `.then((r) => r.code)`).
// A field of the answer other than `code` (`r.expiresAt`) is not the code. The answer of a call that
// took the code (`const res = await fetch(url, { body: code })`, `await sendSms(phone, code)`) is
// followed where it may carry it (whole, `await res.text()`), not where it says whether it was
// sent (`res.ok`, `res.status`, a helper's `Promise<boolean>`). Whether a return
// counts is the rule's (rules.ts): an internal mutation returning the code to the action that
// sends it is the documented pattern. A code handed to another function's arguments
// (`ctx.runMutation(ref, { body: code })`) is a hand-off, judged by coderelays.ts in the function
// called, whose parameters are seeded with the fields that hold it.
import ts from "typescript";
import { ArgFlow, PROMISE_CHAIN, PROMISE_COMBINED } from "./argflow.js";
import { CONVEX, GUARD, RUNS } from "./facts.js";
import { bindingNames, enclosingFunction, guardShown, isDatabase, isKeyName, schedules, throwsConvexError } from "./facts-syntax.js";
import { outer } from "./flow.js";
import { callParameters } from "./paramflow.js";
import { propertyInit, skipOuter, within, type App, type Loc } from "./program.js";

export interface CodeExposure extends Loc {
  /**
   * `returned`: in the function's answer; `thrown`: in a thrown `ConvexError`, whose data
   * reaches the caller as an answer does; `logged`: in another thrown error, whose message the
   * deployment's logs keep in clear; `scheduled`: an argument of ctx.scheduler.runAfter/runAt;
   * `stored`: a value of ctx.db.insert/patch/replace, of the audit trail (`guard.audit.log`) or a
   * rate-limit key (`guard.rateLimit`, `rateLimitAll`); `sent`: by `fetch` to a URL taken from
   * the function's argument `to` (the caller picks where it goes: low).
   */
  how: "returned" | "thrown" | "logged" | "scheduled" | "stored" | "sent";
  to?: string;
  /** The call that takes the code (`ctx.scheduler.runAfter`, `ctx.db.insert`), or `return`. */
  via: string;
}

/** The fields of a function's arguments that hold a code handed to it (`{ body: \`...${code}\` }`: `body`), or "all" (a value of unknown shape made of it). */
export type CodeFields = ReadonlySet<string> | "all";

/** A call that hands the code to another function: `ctx.runMutation(ref, { body: code })`, with the fields of its arguments that hold it. */
export interface CodeHandoff {
  call: ts.CallExpression;
  fields: CodeFields;
}

const WRITING = new Set(["insert", "patch", "replace"]);
/** The guard's calls that store what they are given in clear: an audit row's values (but under a secret field name), a rate-limit key. */
const KEYED = new Set(["rateLimit", "rateLimitAll"]);

/**
 * The places a handler's issued code leaves it: its returns, the scheduler's arguments, the
 * database's writes, the audit trail and rate-limit keys. `given`: the calls whose answer is the
 * code's (coderelays.ts: an action's `ctx.runMutation` of an internal mutation that returns it),
 * instead of the handler's own `guard.issueConfirmation` calls; `params`: the fields of the
 * handler's arguments that hold a code handed to it.
 */
export function exposedCodes(app: App, handler: ts.SignatureDeclaration, given?: ReadonlySet<ts.Node>, params?: CodeFields): CodeExposure[] {
  return codeFlow(app, handler, given, params).exposures;
}

/** The same, and the calls that hand the code on to another function (`ctx.runMutation(ref, { code })`). */
export function codeFlow(app: App, handler: ts.SignatureDeclaration, given?: ReadonlySet<ts.Node>, params?: CodeFields): { exposures: CodeExposure[]; handoffs: CodeHandoff[] } {
  const issues = new Set<ts.Node>(given);
  const findIssues = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && app.calleeFrom(n, GUARD)?.name === "issueConfirmation") issues.add(n);
    ts.forEachChild(n, findIssues);
  };
  if (given === undefined && params === undefined) findIssues(handler);
  const answers = new Set<string>();
  const codes = new Set<string>();
  // Names bound to the answer of a call that took the code (`const res = await fetch(url, { body: code })`).
  const responses = new Set<string>();
  // Names holding an object some of whose fields hold the code (the handler's arguments, given `params`).
  const holders = new Map<string, CodeFields>();
  const holdsField = (fields: CodeFields, key: ts.Node | undefined) => fields === "all" || (key !== undefined && (ts.isIdentifier(key) || ts.isStringLiteralLike(key)) && fields.has(key.text));
  const bindHolder = (name: ts.BindingName, fields: CodeFields): void => {
    if (ts.isIdentifier(name)) return void holders.set(name.text, fields);
    for (const e of name.elements) {
      if (ts.isOmittedExpression(e)) continue;
      if (e.dotDotDotToken !== undefined) bindHolder(e.name, fields);
      else if (holdsField(fields, e.propertyName ?? e.name)) for (const n of bindingNames(e.name)) codes.add(n);
    }
  };
  const param = handler.parameters[1];
  if (params !== undefined && param !== undefined) bindHolder(param.name, params);
  if (issues.size === 0 && holders.size === 0 && codes.size === 0) return { exposures: [], handoffs: [] };

  // Whether a node is the answer (`r`, the call itself) read whole or for its code: not `r.expiresAt`.
  const wholeOrCode = (n: ts.Node): boolean => {
    const o = ts.isExpression(n) ? outer(n) : n;
    const p = o.parent;
    return !((ts.isPropertyAccessExpression(p) && p.expression === o && p.name.text !== "code") || (ts.isElementAccessExpression(p) && p.expression === o && !(ts.isStringLiteralLike(p.argumentExpression) && p.argumentExpression.text === "code")));
  };
  const isName = (n: ts.Identifier) => !isKeyName(n);
  // A holder read whole (`args`), or for a field that holds the code (`args.body`).
  const holderCarries = (n: ts.Identifier, fields: CodeFields): boolean => {
    const p = n.parent;
    if (ts.isPropertyAccessExpression(p) && p.expression === n) return holdsField(fields, p.name);
    if (ts.isElementAccessExpression(p) && p.expression === n) return fields === "all" || !ts.isStringLiteralLike(p.argumentExpression) || holdsField(fields, p.argumentExpression);
    return true;
  };
  // The answer itself: the issuing call, a name bound to it, `.then`/`.catch` of it passing it on.
  const isWhole = (e: ts.Expression): boolean => {
    const x = skipOuter(e);
    return issues.has(x) || (ts.isIdentifier(x) && answers.has(x.text));
  };
  // Whether an expression carries the code: the answer (inline or by name) or a name holding the
  // code; a promise callback (`.then((r) => r.code)`) carries what it returns. `skip`: parts that
  // hand nothing on (a field the audit trail redacts).
  const carries = (e: ts.Node, skip?: (n: ts.Node) => boolean): boolean => {
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found || skip?.(n)) return;
      if (issues.has(n) || (ts.isIdentifier(n) && isName(n) && answers.has(n.text))) found = wholeOrCode(n);
      else if (ts.isIdentifier(n) && isName(n) && codes.has(n.text)) found = true;
      else if (ts.isIdentifier(n) && isName(n) && holders.has(n.text)) found = holderCarries(n, holders.get(n.text)!);
      else if (ts.isIdentifier(n) && isName(n) && responses.has(n.text)) found = answerCarries(app, n);
      else if (promiseCallback(n)) return void returnedBy(n).forEach(visit);
      else if (ts.isCallExpression(n) && responds(n)) return void (found = answerCarries(app, n));
      if (!found) ts.forEachChild(n, visit);
    };
    visit(e);
    return found;
  };
  // A call that took the code, not one of the code's own methods (`code.trim()`) nor the answer's: what it answers may carry it.
  const responds = (call: ts.CallExpression): boolean => !issues.has(call) && !carries(call.expression) && call.arguments.some((a) => carries(a));
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
  // `const [r] = await Promise.all([issue(...)])`: each element of the pattern, as the promise at its place.
  const bindCombined = (name: ts.ArrayBindingPattern, list: ts.ArrayLiteralExpression, settled: boolean): void => {
    name.elements.forEach((e, i) => {
      const value = list.elements[i];
      if (ts.isOmittedExpression(e) || value === undefined || ts.isSpreadElement(value)) return;
      if (settled && carries(value)) bindHolder(e.name, new Set(["value", "reason"]));
      else if (!settled && isWhole(value)) bindAnswer(e.name);
      else if (!settled && carries(value)) for (const n of bindingNames(e.name)) codes.add(n);
    });
  };
  // The handler's consts, to a fixed point (a copy of a copy), and the parameters of callbacks given the answer.
  for (let pass = 0; pass < 4; pass++) {
    const before = answers.size + codes.size + responses.size + holders.size + issues.size;
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n)) {
        const callee = skipOuter(n.expression);
        if (ts.isPropertyAccessExpression(callee) && PROMISE_CHAIN.has(callee.name.text) && isWhole(callee.expression)) {
          const cb = n.arguments[0];
          const p = cb !== undefined && (ts.isArrowFunction(cb) || ts.isFunctionExpression(cb)) ? cb.parameters[0] : undefined;
          if (callee.name.text === "then" && p !== undefined) bindAnswer(p.name);
          // `.catch` and `.finally` pass the answer on; `.then((r) => r)` too.
          const returns = cb !== undefined && (ts.isArrowFunction(cb) || ts.isFunctionExpression(cb)) ? returnedBy(cb) : [];
          if (callee.name.text !== "then" || (returns.length > 0 && returns.every(isWhole))) issues.add(n);
        }
      }
      if (ts.isVariableDeclaration(n) && n.initializer !== undefined) {
        const init = skipOuter(n.initializer);
        const combined = ts.isCallExpression(init) && PROMISE_COMBINED.has(app.memberPath(init.expression).slice(-1)[0] ?? "") ? init.arguments[0] : undefined;
        if (ts.isIdentifier(init) && holders.has(init.text)) bindHolder(n.name, holders.get(init.text)!);
        else if (ts.isArrayBindingPattern(n.name) && combined !== undefined && ts.isArrayLiteralExpression(combined)) bindCombined(n.name, combined, app.memberPath((init as ts.CallExpression).expression).slice(-1)[0] === "allSettled");
        else if (carries(n.initializer) && isWhole(init)) bindAnswer(n.name);
        else if (carries(n.initializer) && ts.isIdentifier(n.name)) (ts.isCallExpression(init) && responds(init) ? responses : codes).add(n.name.text);
      }
      ts.forEachChild(n, visit);
    };
    visit(handler);
    if (answers.size + codes.size + responses.size + holders.size + issues.size === before) break;
  }

  const exposures: CodeExposure[] = [];
  const handoffs: CodeHandoff[] = [];
  let flow: ArgFlow | undefined;
  const visit = (n: ts.Node): void => {
    if (ts.isReturnStatement(n) && n.expression !== undefined && enclosingFunction(n) === handler && carries(n.expression)) exposures.push({ ...app.loc(n), how: "returned", via: "return" });
    if (ts.isThrowStatement(n) && enclosingFunction(n) === handler && carries(n.expression)) {
      exposures.push(throwsConvexError(n) ? { ...app.loc(n), how: "thrown", via: "throw new ConvexError" } : { ...app.loc(n), how: "logged", via: "throw" });
    }
    if (n === handler && ts.isArrowFunction(n) && !ts.isBlock(n.body) && carries(n.body)) exposures.push({ ...app.loc(n.body), how: "returned", via: "return" });
    if (ts.isCallExpression(n)) {
      const path = app.memberPath(n.expression);
      const method = path[path.length - 1] ?? "";
      const convex = app.calleeFrom(n, CONVEX);
      const guard = app.calleeFrom(n, GUARD);
      const how = schedules(path) ? "scheduled" : convex !== undefined && isDatabase(convex.owner) && WRITING.has(convex.name) ? "stored" : undefined;
      if (how !== undefined && n.arguments.some((a) => carries(a))) exposures.push({ ...app.loc(n), how, via: `ctx.${how === "scheduled" ? "scheduler" : "db"}.${how === "scheduled" ? method : convex!.name}` });
      // The trail redacts a value under a secret field name (docs/sensitive-operations.md, "Audit trail"): `code` is one, whatever else the rule says of other names.
      else if (guard?.name === "log" && guard.owner === "Audit" && n.arguments.slice(1).some((a) => carries(a, redacted))) exposures.push({ ...app.loc(n), how: "stored", via: `${guardShown(n, true)}.log (the audit trail)` });
      else if (guard !== undefined && KEYED.has(guard.name) && n.arguments.slice(1).some((a) => carries(a))) exposures.push({ ...app.loc(n), how: "stored", via: `${guardShown(n, false)}.${guard.name} (a key of the rate-limit table)` });
      // `fetch(args.hook, { body: code })`: sent where the caller says (attack34 F13).
      // Through `new URL(path, base)`, `new Request(url, { body })` (attack36 F11), or an app helper that fetches its parameter.
      else if (path.length === 1 && method === "fetch" && n.arguments[0] !== undefined && n.arguments.some((a) => carries(a))) {
        const to = destination(app, (flow ??= new ArgFlow(app, handler)), handler, n.arguments[0]);
        if (to !== undefined) exposures.push({ ...app.loc(n), how: "sent", via: "fetch", to });
      } else if (path.length === 1 && n.arguments.some((a) => carries(a)) && fetchesParam(app, n, carries) !== undefined) {
        const [i, field] = fetchesParam(app, n, carries)!;
        const url = field === undefined ? n.arguments[i] : fieldValue(n.arguments[i]!, field);
        const to = url === undefined ? undefined : destination(app, (flow ??= new ArgFlow(app, handler)), handler, url);
        if (to !== undefined) exposures.push({ ...app.loc(n), how: "sent", via: `${method} (its fetch)`, to });
      } else if (path.length === 2 && RUNS.has(method) && n.arguments[1] !== undefined) {
        const fields = handedFields(app, handler, n.arguments[1], carries, isWhole);
        if (fields !== undefined) handoffs.push({ call: n, fields });
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(handler);
  return { exposures, handoffs };
}

/** The parts of a URL object that choose where it goes (`url.host = args.hook`). */
const URL_HOST = new Set(["host", "hostname", "href", "origin"]);

/** The argument a URL comes from: itself, `new URL(path, base)` (either), `new Request(url, ...)`, or a `const` of the handler holding one, its host set by an assignment in the handler (`url.host = args.hook`). */
function destination(app: App, flow: ArgFlow, handler: ts.Node, e: ts.Expression, depth = 0): string | undefined {
  e = skipOuter(e);
  const init = ts.isIdentifier(e) ? app.constInitializer(e) : undefined;
  if (init !== undefined && within(init, handler) && depth < 4 && ts.isNewExpression(skipOuter(init))) return hostSet(app, flow, handler, e as ts.Identifier, depth) ?? destination(app, flow, handler, init, depth + 1);
  const made = ts.isNewExpression(e) ? skipOuter(e.expression) : undefined;
  const kind = made !== undefined && ts.isIdentifier(made) && app.isGlobal(made) ? made.text : undefined;
  const [url, base] = (e as ts.NewExpression).arguments ?? [];
  if (depth < 4 && url !== undefined && (kind === "URL" || kind === "Request")) return destination(app, flow, handler, url, depth + 1) ?? (kind === "URL" && base !== undefined ? destination(app, flow, handler, base, depth + 1) : undefined);
  return flow.rootOf(e);
}

/** The argument an assignment in the handler to a part of URL object `url` that chooses its host comes from (`url.host = args.hook`). */
function hostSet(app: App, flow: ArgFlow, handler: ts.Node, url: ts.Identifier, depth: number): string | undefined {
  const target = app.symbol(url);
  let to: string | undefined;
  const visit = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = skipOuter(n.left);
      if (ts.isPropertyAccessExpression(left) && URL_HOST.has(left.name.text) && app.symbol(skipOuter(left.expression)) === target) to = destination(app, flow, handler, n.right, depth + 1) ?? to;
    }
    ts.forEachChild(n, visit);
  };
  if (target !== undefined) visit(handler);
  return to;
}

/** The value of field `name` of an object written in place (`{ url: args.hook, text: code }`). */
function fieldValue(e: ts.Expression, name: string): ts.Expression | undefined {
  const o = skipOuter(e);
  if (!ts.isObjectLiteralExpression(o)) return undefined;
  const p = o.properties.find((q) => q.name !== undefined && (ts.isIdentifier(q.name) || ts.isStringLiteralLike(q.name)) && q.name.text === name);
  return p === undefined ? undefined : propertyInit(p);
}

/** The argument an app helper given the code (`post(args.hook, code)`) fetches: the index of a parameter it passes as `fetch`'s URL (through `new URL`/`new Request`), or of an object and its field (`fetch(o.url, ...)` of `send({ url: args.hook, text: code })`), whose call also passes a parameter given the code (of an object in place, a field holding it). */
function fetchesParam(app: App, call: ts.CallExpression, carries: (e: ts.Node) => boolean): [number, string?] | undefined {
  const helper = app.appFunction(call);
  if (helper === undefined || !("body" in helper) || helper.body === undefined || call.arguments.some(ts.isSpreadElement)) return undefined;
  const params = callParameters(helper).map((p) => (ts.isIdentifier(p.name) ? app.symbol(p.name) : undefined));
  const coded = new Set(params.filter((p, i) => p !== undefined && call.arguments[i] !== undefined && carries(call.arguments[i]!)));
  // The fields holding the code of an object written in place as the argument (`{ url, text: code }`: `text`).
  const codedFields = (i: number): Set<string> | undefined => {
    const o = skipOuter(call.arguments[i]!);
    if (!ts.isObjectLiteralExpression(o) || o.properties.some((p) => !(ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) || !(ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name)))) return undefined;
    return new Set(o.properties.filter((p) => carries(propertyInit(p)!)).map((p) => (p.name as ts.Identifier).text));
  };
  const paramOf = (e: ts.Expression, depth = 0): [number, string?] | undefined => {
    e = skipOuter(e);
    if (ts.isNewExpression(e) && depth < 4) return (e.arguments ?? []).map((a) => paramOf(a, depth + 1)).find((x) => x !== undefined);
    const field = ts.isPropertyAccessExpression(e) && ts.isIdentifier(skipOuter(e.expression)) ? e.name.text : undefined;
    const name = field !== undefined ? (skipOuter((e as ts.PropertyAccessExpression).expression) as ts.Identifier) : e;
    const i = ts.isIdentifier(name) && app.symbol(name) !== undefined ? params.indexOf(app.symbol(name)) : -1;
    return i < 0 ? undefined : field === undefined ? [i] : [i, field];
  };
  // A coded parameter read whole, or for a field that holds the code (`o.text`, not `o.url`).
  const names = (n: ts.Node): boolean => {
    if (ts.isIdentifier(n) && coded.has(app.symbol(n))) {
      const p = n.parent;
      const fields = ts.isPropertyAccessExpression(p) && p.expression === n ? codedFields(params.indexOf(app.symbol(n))) : undefined;
      return fields === undefined || fields.has((p as ts.PropertyAccessExpression).name.text);
    }
    return ts.forEachChild(n, (c) => names(c) || undefined) === true;
  };
  let found: [number, string?] | undefined;
  const visit = (n: ts.Node): void => {
    if (found !== undefined) return;
    const to = ts.isCallExpression(n) && app.memberPath(n.expression).join(".") === "fetch" && n.arguments[0] !== undefined ? paramOf(n.arguments[0]) : undefined;
    if (to !== undefined && (n as ts.CallExpression).arguments.some(names)) found = to;
    ts.forEachChild(n, visit);
  };
  if (coded.size > 0) visit(helper.body);
  return found;
}

/** The fields of a call's arguments that hold the code: `{ body: code }`, `{ ...r }` (`code`), a value of unknown shape made of it ("all"). */
function handedFields(app: App, handler: ts.Node, payload: ts.Expression, carries: (e: ts.Node) => boolean, isWhole: (e: ts.Expression) => boolean): CodeFields | undefined {
  let e = skipOuter(payload);
  if (isWhole(e)) return new Set(["code"]);
  // A `const` of the handler holding the object (`const mail = { to, body: code }`).
  const init = ts.isIdentifier(e) ? app.constInitializer(e) : undefined;
  if (init !== undefined && within(init, handler) && ts.isObjectLiteralExpression(skipOuter(init))) e = skipOuter(init);
  if (!ts.isObjectLiteralExpression(e)) return carries(e) ? "all" : undefined;
  const fields = new Set<string>();
  for (const p of e.properties) {
    const value = propertyInit(p) ?? (ts.isSpreadAssignment(p) ? p.expression : undefined);
    if (value === undefined || !carries(value)) continue;
    if (ts.isSpreadAssignment(p) && isWhole(value)) fields.add("code");
    else if (!ts.isSpreadAssignment(p) && p.name !== undefined && (ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name))) fields.add(p.name.text);
    else return "all";
  }
  return fields.size === 0 ? undefined : fields;
}

/** What a response carries no body in: `res.ok`, `res.status` (fetch's `Response`, which the audit's libraries leave untyped). */
const STATUS = new Set(["ok", "status", "redirected", "bodyUsed"]);

/**
 * Whether a read of the answer of a call that took the code may carry it: the answer whole
 * (`res`, a string `JSON.stringify({ code })`), its body (`await res.text()`), but not a boolean
 * or number (`res.ok`, `res.status`, a send helper's `Promise<boolean>`): whether it was sent.
 */
function answerCarries(app: App, n: ts.Expression): boolean {
  let read = outer(n);
  const p = read.parent;
  if (ts.isPropertyAccessExpression(p) && p.expression === read) {
    read = outer(p);
    if (STATUS.has(p.name.text) && (app.checker.getTypeAtLocation(read).flags & ts.TypeFlags.Any) !== 0) return false;
  }
  return !bodiless(app.checker.getTypeAtLocation(read));
}

/** A boolean, a number, or nothing, as the checker types it (`any` is not). */
function bodiless(t: ts.Type): boolean {
  if (t.isUnion()) return t.types.every(bodiless);
  return (t.flags & (ts.TypeFlags.BooleanLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BigIntLike | ts.TypeFlags.Void | ts.TypeFlags.Undefined | ts.TypeFlags.Null)) !== 0;
}

/** A field the audit trail stores as "[redacted]" whatever it holds: a property named `code` (`details: { code }`). */
function redacted(n: ts.Node): boolean {
  return (ts.isPropertyAssignment(n) || ts.isShorthandPropertyAssignment(n)) && (ts.isIdentifier(n.name) || ts.isStringLiteralLike(n.name)) && n.name.text === "code";
}

/** The callback of `.then`, `.catch` or `.finally`, written in place. */
function promiseCallback(n: ts.Node): n is ts.ArrowFunction | ts.FunctionExpression {
  if (!(ts.isArrowFunction(n) || ts.isFunctionExpression(n)) || !ts.isCallExpression(n.parent)) return false;
  const callee = skipOuter(n.parent.expression);
  return n.parent.arguments.includes(n) && ts.isPropertyAccessExpression(callee) && PROMISE_CHAIN.has(callee.name.text);
}

/** What a function returns: its expression body, or the expressions of its own `return`s. */
function returnedBy(fn: ts.ArrowFunction | ts.FunctionExpression): ts.Expression[] {
  if (!ts.isBlock(fn.body)) return [fn.body];
  const out: ts.Expression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isReturnStatement(n) && n.expression !== undefined && enclosingFunction(n) === fn) out.push(n.expression);
    if (!ts.isFunctionLike(n) || n === fn) ts.forEachChild(n, visit);
  };
  visit(fn);
  return out;
}

/** Whether code exposure `c` is found in an internal function too (not only in the public one whose caller gets it). */
export const leavesEveryFunction = (c: CodeExposure): boolean => c.how !== "returned" && c.how !== "thrown" && c.how !== "sent";

/** A finding's severity and fix where the exposure sets them: a code sent to a URL the caller picks is `low` (it may be the app's own webhook, but the caller chooses it). */
export const exposureTerms = (c: CodeExposure): { severity?: "low"; fix?: string } =>
  c.how === "sent" ? { severity: "low", fix: "Send the code only to a URL the server chooses (one read from the environment, process.env.MAIL_HOOK), or to the address the user's row holds through the provider, never to one the caller passes." } : {};

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
    case "sent":
      return `${who} sends ${what} by fetch to a URL taken from its argument '${c.to}': the caller picks where the code goes, so a stolen session has it sent to its own server and confirms by itself`;
  }
}
