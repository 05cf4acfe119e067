// A public function that hands an id it was given to a function of the app that deletes, writes
// or reads by it: `unchecked-id-delete`, `-write` and `-read` judge the pair, one level deep;
// `unchecked-list` judges a call whose answer it returns, arguments passed or not (uncheckedlist.ts).
//
//   export const requestDelete = mutation({ args: { id: v.id("documents") }, handler: async (ctx, { id }) => {
//     await guard.requireUser(ctx);                                   // the caller, not the document
//     await ctx.scheduler.runAfter(0, internal.docs.doDelete, { id }); // reported here
//   }});
//   export const doDelete = internalMutation({ args: { id: v.id("documents") }, handler: async (ctx, { id }) => { await ctx.db.delete(id); } });
//
// The called function is named by its `_generated/api` reference (`internal.docs.doDelete` is
// module `docs`, export `doDelete`; `internal.lib.jobs.run` is `lib/jobs:run`), imported from the
// app's own `_generated/api`; any other reference (a component's, a parameter) is not resolved,
// and nothing is claimed. A function the called one runs in turn is not followed.
import { dirname, join, resolve } from "node:path";
import ts from "typescript";
import { comparesReadOf, readBy, returned, type ArgFlow } from "./argflow.js";
import { isCallerId } from "./callerid.js";
import { childRead } from "./childquery.js";
import { groupFieldRead } from "./groupfield.js";
import { heldChecks } from "./latechecks.js";
import { RUNS } from "./facts.js";
import { schedules } from "./facts-syntax.js";
import { propertyInit, skipOuter, within, type App, type Loc } from "./program.js";
import type { ConvexFunction } from "./functions.js";
import { groupChangeFix } from "./tabletexts.js";
import { CHANGES, covers, finding, onlyWeaklyChecked, type Finding } from "./rules.js";
import { anyCaller, decidesAccess } from "./roles.js";
import { candidateRefs, everyNamed } from "./candidates.js";
import { namedOf } from "./namedusers.js";

/** A call of another function, with what of the caller's arguments it passes. */
export interface FollowedCall extends Loc {
  /** `internal.docs.doDelete`, as written. */
  ref: string;
  /** `docs:doDelete`: the id of the function called. */
  target: string;
  /** "scheduled" (runAfter/runAt) or `ctx.runMutation` ... */
  how: string;
  /** Each parameter of the called function given a value of one of the caller's arguments, and whether the caller compared a field of the document it names. */
  passes: { param: string; arg: string; compared: boolean }[];
  /** Whether the caller returns the call's answer (a document read for it). */
  returned: boolean;
  /** The parameters given the caller's own id (`{ id, userId: user._id }`, callerid.ts): a comparison the called function makes with one is an ownership check. */
  callerIds: string[];
  /** The call itself (uncheckedlist.ts follows its answer in the caller). */
  node: ts.CallExpression;
}

/** The calls of a handler that give a function of the app it can name a payload (its arguments, the caller's own id, a user id the called function checks: `{ userId: ctx.doc.ownerId }`, relayed-user-id), or whose answer it returns (`return await ctx.runQuery(internal.x.list, {})`: uncheckedlist.ts). */
export function followedCalls(app: App, handler: ts.SignatureDeclaration, flow: ArgFlow, argNames: string[]): FollowedCall[] {
  const out: FollowedCall[] = [];
  const visit = (n: ts.Node): void => {
    ts.forEachChild(n, visit);
    const relay = ts.isCallExpression(n) ? relayOf(app, n) : undefined;
    if (relay === undefined || !ts.isCallExpression(n)) return;
    const { refs, payload, scheduled, method } = relay;
    const passes = (payload === undefined ? [] : passed(app, handler, flow, payload, argNames)).map((p) => ({ ...p, compared: comparesReadOf(app, handler, flow, p.arg) }));
    const answered = !scheduled && returned(app, handler, n, n, "document");
    const callerIds = payload === undefined ? [] : givenCallerId(app, handler, payload); // a reset of the caller's own limit (selfreset.ts)
    if (payload === undefined && !answered) return; // any payload may give a job the user it acts for (relayed-user-id: `{ userId: ctx.doc.ownerId }`, newuser35 F2)
    const how = scheduled ? `scheduled: ctx.scheduler.${method}` : `ctx.${method}`;
    for (const ref of refs) out.push({ ...app.loc(n), ref: ref.text, target: ref.target, how, passes, returned: answered, callerIds, node: n });
  };
  visit(handler);
  return out;
}

/** A call that runs or schedules a function of the app (`ctx.runMutation(internal.x.y, payload)`, `ctx.scheduler.runAfter(0, ref, payload)`): the function, named, and the payload. */
export function relayOf(app: App, n: ts.CallExpression): { ref: { text: string; target: string }; refs: { text: string; target: string }[]; payload: ts.Expression | undefined; scheduled: boolean; method: string } | undefined {
  const path = app.memberPath(n.expression);
  const method = path[path.length - 1] ?? "";
  const scheduled = schedules(path);
  if (!scheduled && !(RUNS.has(method) && path.length === 2)) return undefined;
  const refArg = n.arguments[scheduled ? 1 : 0];
  const refs = refArg === undefined ? [] : candidateRefs(app, refArg); // each function it may name: `?:`, a map of handlers, `internal.mod[kind]` (candidates.ts)
  return refs.length === 0 ? undefined : { ref: refs[0]!, refs, payload: n.arguments[scheduled ? 2 : 1], scheduled, method };
}

/** `internal.a.b.c` (or `api.`), imported from the app's own `_generated/api`, through `const`s: `a/b:c`. */
export function reference(app: App, expr: ts.Expression): { text: string; target: string } | undefined {
  const chain = apiChain(app, expr);
  if (chain === undefined || chain.names.length < 2) return undefined;
  const { root, names } = chain;
  return { text: [root, ...names].join("."), target: `${names.slice(0, -1).join("/")}:${names[names.length - 1]}` };
}

/** `internal` or `api` of the app's own `_generated/api` and the names after it (`internal.a.b`: `["a", "b"]`, none for `internal` itself), through `const`s. */
export function apiChain(app: App, expr: ts.Expression): { root: string; names: string[] } | undefined {
  let e = skipOuter(expr);
  for (let depth = 0; depth < 4 && ts.isIdentifier(e); depth++) {
    const init = app.constInitializer(e);
    if (init === undefined) break;
    e = init;
  }
  const names: string[] = [];
  while (ts.isPropertyAccessExpression(e)) {
    names.unshift(e.name.text);
    e = skipOuter(e.expression);
  }
  if (!ts.isIdentifier(e)) return undefined;
  const decl = app.checker.getSymbolAtLocation(e)?.declarations?.[0];
  if (decl === undefined || !ts.isImportSpecifier(decl)) return undefined;
  const from = decl.parent.parent.parent.moduleSpecifier;
  const root = (decl.propertyName ?? decl.name).text;
  if (!ts.isStringLiteral(from) || (root !== "internal" && root !== "api")) return undefined;
  const file = resolve(dirname(decl.getSourceFile().fileName), from.text).replace(/\.(js|ts|d\.ts)$/, "");
  return file === join(app.convexDir, "_generated", "api") ? { root, names } : undefined;
}

/**
 * The called function's parameters given an argument's value: `{ id }`, `{ id: args.id }`,
 * `{ ...args }`, `args`, an object argument's value (`args.ref`, `{ ...args.task }`: each field of its type); in a nested object, by its path (`{ target: { id } }`: `target.id`, as
 * the called function's `args.target.id` is read, argflow.ts `idRoot`); in a list, the list's
 * (`{ ids: [id] }`: `ids`, whose elements `for (const id of args.ids)` reads).
 */
function passed(app: App, handler: ts.SignatureDeclaration, flow: ArgFlow, payload: ts.Expression, argNames: string[], prefix = "", depth = 0): { param: string; arg: string }[] {
  let e = skipOuter(payload);
  const whole = (x: ts.Expression) => flow.argIn(x) === "(the arguments)" && ts.isIdentifier(skipOuter(x));
  if (whole(e) && prefix === "") return argNames.map((a) => ({ param: a, arg: a }));
  if (ts.isIdentifier(e)) {
    const init = app.constInitializer(e);
    if (init !== undefined && within(init, handler)) e = init;
  }
  // An object argument (or a field of one) passed whole or spread: each field of its type is its field (`args.ref`: `id` is `ref.id`).
  const fields = (x: ts.Expression) => {
    const root = flow.idRoot(x), type = app.checker.getNonNullableType(app.checker.getTypeAtLocation(x)); // `v.optional(v.object(...))` too
    return root === undefined || !(type.flags & ts.TypeFlags.Object) ? [] : type.getProperties().map((f) => ({ param: prefix + f.getName(), arg: `${root}.${f.getName()}` }));
  };
  if (!ts.isObjectLiteralExpression(e)) return fields(e);
  let out: { param: string; arg: string }[] = [];
  for (const p of e.properties) {
    if (ts.isSpreadAssignment(p) && whole(p.expression) && prefix === "") out.push(...argNames.map((a) => ({ param: a, arg: a })));
    else if (ts.isSpreadAssignment(p)) out.push(...fields(p.expression));
    const { name, value } = entry(p);
    if (name === undefined || value === undefined) continue;
    out = out.filter((o) => o.param !== prefix + name); // a property after a spread gives that field its own value
    const inner = skipOuter(value);
    const arg = flow.idRoot(value) ?? readBy(app, flow, value); // `doc._id` of the document an argument names: that argument's id (attack45 k5Sched)
    if (arg !== undefined) out.push({ param: prefix + name, arg });
    else if (ts.isObjectLiteralExpression(inner) && depth < 3) out.push(...passed(app, handler, flow, inner, argNames, `${prefix}${name}.`, depth + 1));
    else if (ts.isArrayLiteralExpression(inner)) {
      for (const el of inner.elements) {
        const item = flow.idRoot(ts.isSpreadElement(el) ? el.expression : el);
        if (item !== undefined) out.push({ param: prefix + name, arg: item });
      }
    }
  }
  return out;
}

/** A property of the object passed: its name and value (`{ id }`, `{ id: x }`). */
function entry(p: ts.ObjectLiteralElementLike): { name?: string; value?: ts.Expression } {
  const name = p.name !== undefined && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
  return { name, value: propertyInit(p) };
}

/** The called function's parameters given the caller's own id: `{ userId: user._id }` (none after a spread, which may replace it). */
export function givenCallerId(app: App, handler: ts.SignatureDeclaration, payload: ts.Expression, keyed = (e: ts.Expression) => isCallerId(app, e)): string[] {
  let e = skipOuter(payload);
  const init = ts.isIdentifier(e) ? app.constInitializer(e) : undefined;
  if (init !== undefined && within(init, handler)) e = init;
  if (!ts.isObjectLiteralExpression(e)) return [];
  let out: string[] = [];
  for (const p of e.properties) {
    if (ts.isSpreadAssignment(p)) out = [];
    const { name, value } = entry(p);
    if (name !== undefined) out = out.filter((x) => x !== name);
    if (name !== undefined && value !== undefined && keyed(value)) out.push(name);
  }
  return out;
}

/**
 * The public functions' deletes, writes and reads made through a function they call: reported
 * on the caller, at the call, unless either of them checks that document (or decides by a role
 * or a permission); a check at the lowest access level only is `medium`, as in the handler.
 * `of`: the callers judged (earlybranch.ts: a function as judged on one branch), among `functions`.
 */
export function followFindings(functions: readonly ConvexFunction[], of = functions): Finding[] {
  const out: Finding[] = [];
  for (const { fn, who, call, callee } of relays(functions, of)) {
      for (const { param, arg, compared } of call.passes) {
        const report = (rule: "unchecked-id-delete" | "unchecked-id-write" | "unchecked-id-read", does: string, low: boolean) => {
          const message = `${fn.id} ${does}, through ${call.ref} (${call.how}), ${rule === "unchecked-id-read" ? "data read from " : ""}the document that argument '${arg}' names`;
          if (!low) return void out.push(finding(rule, fn.id, call, `${message}, ${rule === "unchecked-id-read" ? "to" : "for"} ${who}`));
          // As in the handler (rules.ts): the caller holds some access to that document, one step lower.
          const level = fn.changeChecked.lowLevels.get(arg) ?? callee.changeChecked.lowLevels.get(param);
          const group = fn.changeChecked.groups.get(arg) ?? callee.changeChecked.groups.get(param);
          out.push({ ...finding(rule, fn.id, call, `${message}, ${onlyWeaklyChecked(level, group !== undefined)}`, group !== undefined ? groupChangeFix(group) : undefined), severity: "medium" });
        };
        // A delete or write: covered by a check above the lowest level, or an owner comparison, of either.
        // The called function's named-user check of that document (namedusers.ts) covers it where this call gives that user the caller's own id only.
        const foreign = namedOf(callee.handler).some((c) => c.check.level === "document" && c.param === param && !call.callerIds.includes(c.userParam ?? ""));
        const changes = (rule: "unchecked-id-delete" | "unchecked-id-write", does: string) => {
          if (compared || covers(fn.changeChecked.args, arg) || (!foreign && covers(callee.changeChecked.args, param))) return;
          report(rule, does, covers(fn.checkedArgs, arg) || (!foreign && covers(callee.checkedArgs, param)));
        };
        // The called function's comparison with a parameter this call gives the caller's own id is its ownership check.
        const open = (c: { arg: string; compared: string[] }) => c.arg === param && !c.compared.some((p) => call.callerIds.includes(p));
        const ofDoc = callee.changeChecked.ofCheckedDoc.filter((c) => c.arg === param); // `doc._id` of a weak check's answer (levels.ts)
        if (callee.idDeletes.some(open) || ofDoc.some((c) => c.method === "delete")) changes("unchecked-id-delete", CHANGES.delete);
        const write = callee.writes.idWrites.find(open) ?? ofDoc.find((c) => c.method !== "delete");
        if (write !== undefined) changes("unchecked-id-write", CHANGES[write.method as "patch" | "replace"]);
        // A read reaches the caller's client only when the caller returns the call's answer;
        // an unconfigured table's rows only (childquery.ts) at medium, in that rule's words.
        const reads = callee.idReads.filter(open);
        if (call.returned && !compared && reads.length > 0 && !covers(fn.checkedArgs, arg) && !covers(callee.checkedArgs, param)) {
          const through = `${fn.id} (through ${call.ref}, ${call.how})`;
          const table = reads[0]!.groupOnly;
          const group = table !== undefined && reads.every((r) => r.groupOnly !== undefined) ? groupFieldRead(through, { ...reads[0]!, arg }, table) : undefined;
          const rows = reads.every((r) => r.parent?.unconfigured === true) ? childRead(through, arg, reads[0]!.parent!, who, false, false, undefined) : group;
          if (rows === undefined) report("unchecked-id-read", "returns", false);
          else out.push({ ...finding("unchecked-id-read", fn.id, call, rows.message, rows.fix), severity: rows.severity });
        }
      }
    }
  return out;
}

/** A public function no role or permission check decides (`decidesAccess`): what the relay rules judge, and who may call it. */
export const undecided = (fn: ConvexFunction): boolean => fn.visibility === "public" && fn.kind !== "httpAction" && fn.kind !== "unknown" && !decidesAccess(fn.facts.auth);

/** Each call of such a function (of `of`) to another function of the app that decides nothing either, with who may make it (`anyCaller`). */
export function relays(functions: readonly ConvexFunction[], of = functions): { fn: ConvexFunction; who: string; call: FollowedCall; callee: ConvexFunction }[] {
  const byId = new Map(functions.map((f) => [f.id, f]));
  return of.filter(undecided).flatMap((fn) =>
    fn.calls.flatMap((c) => everyNamed(c, functions)).flatMap((call) => {
      const callee = byId.get(call.target);
      const auth = [...fn.facts.auth, ...heldChecks(call.node)]; // an action's check after another relay holds for those after it (latechecks.ts)
      const named = namedOf(callee?.handler).filter((c) => c.check.level !== "document" && call.callerIds.includes(c.userParam ?? "")).map((c) => c.check); // a role of the caller's own id relayed (namedusers.ts)
      const open = callee !== undefined && callee.id !== fn.id && callee.kind !== "unknown" && !decidesAccess([...callee.facts.auth, ...named]) && !decidesAccess(auth);
      return open ? [{ fn, who: anyCaller(auth), call, callee }] : [];
    }),
  );
}
