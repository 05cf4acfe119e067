// Every function the app exports: its kind and visibility from its type (the
// `RegisteredQuery<"public", ...>` Convex gives it, whatever builder made it), its definition
// (`args`, `returns`, `handler`, a `guard.safeAction` around it), and the facts of its handler.
import ts from "typescript";
import { CONVEX, FactsFinder, GUARD, emptyFacts, mergeFacts, type AuthCheck, type Facts, type Use } from "./facts.js";
import { ArgFlow, checkedValues, functionValue, initializer, readArg, readBy, readComparisons, resolveValue, returnedIdReads } from "./argflow.js";
import { childReads } from "./childquery.js";
import { checkArgOf, helperIdReads } from "./helperget.js";
import { namedDocumentChecks } from "./namedusers.js";
import { groupCheckedReads, type IdRead } from "./groupfield.js";
import { exposedCodes, type CodeExposure } from "./codes.js";
import { followedCalls, type FollowedCall } from "./follow.js";
import { classifyType, hidesFunction, isValueExport, reassigned, unregisteredSafeAction, UNTOLD } from "./exports.js";
import { argumentFor, guardShown } from "./facts-syntax.js";
import { literalThrough } from "./config.js";
import { libraryOf } from "./libraries.js";
import { ownedDocuments, ownerRows, type OwnRows } from "./ownerquery.js";
import { atOwnerLevel, changeChecks, type ChangeChecks } from "./levels.js";
import { listingCovers } from "./listings.js";
import { listing } from "./paths.js";
import { parentCovered } from "./parentcover.js";
import { markLowestRole } from "./roles.js";
import { namesUser } from "./rules.js";
import { declaredLimits, safeActionFacts } from "./safeaction.js";
import { targetOnlyArgs } from "./targets.js";
import { validatesUserId } from "./userargs.js";
import { usersTables, writeFacts, type WriteFacts } from "./writes.js";
import { propertyInit, skipOuter, within, type App, type Loc } from "./program.js";

export type Kind = "query" | "mutation" | "action" | "httpAction";

export interface ConvexFunction {
  /** `users:flagUser`, the path Convex calls it by. */
  id: string;
  kind: Kind | "unknown";
  visibility: "public" | "internal" | "unknown";
  at: Loc;
  /** "validated": an `args` validator; "missing": none (any arguments pass); "unknown": not visible. */
  args: "validated" | "missing" | "unknown";
  /** Each argument, nested `v.object` fields included, with its validator when the app wrote it; `usersId`: that validator admits an id of the users table (userargs.ts). */
  argNames: { name: string; at: Loc; validator?: ts.Node; usersId: boolean }[];
  anyArgs: Loc[];
  returns: boolean | "unknown";
  safeAction: boolean;
  /** `guard.safeAction(...)`: its guard's configuration says what it redacts (guards.ts). */
  safeActionCall?: ts.CallExpression;
  facts: Facts;
  /**
   * `ctx.db.get(args.id)` whose document is returned with no ownership comparison, with the
   * argument the id came from (`id`), which only a document check on that argument covers;
   * `parent`: the rows of a table whose parent field equals that id (childquery.ts); `groupOnly`: checked only by a group check on a field of a configured table's document (groupfield.ts).
   */
  idReads: IdRead[];
  /** `ctx.db.delete(args.id)` (or of `doc._id` of a `const` read by it) with no comparison of that document's fields with the caller's id, and the argument; `compared`: the arguments one was with (follow.ts). */
  idDeletes: (Loc & { arg: string; compared: string[]; through?: string })[];
  /** The arguments a document check in the handler (or the builder's `access`) was made on; "any" when unknown. */
  checkedArgs: Set<string> | "any";
  /** The same, of the checks above the lowest (or public) access level, which cover a delete or write, and what only a weaker one covers (levels.ts). */
  changeChecked: ChangeChecks;
  /** Rate limits keyed by an argument (see `keyedBy`) (`{ key: args.email }`): the caller picks its own bucket, so they limit nothing. */
  argKeyedLimits: { via: string; at: Loc; arg: string }[];
  /** The library that made it (`@convex-dev/auth`'s `convexAuth`): its endpoints are that library's own, not the app's. */
  library: string | null;
  /** Writes by an argument's id, of the users' role field, of the guard's own tables (writes.ts), and of the owner and parent fields (accessfields.ts). */
  writes: WriteFacts;
  /** Where the handler's `guard.issueConfirmation` code goes: returned, scheduled or stored (codes.ts). */
  codeExposures: CodeExposure[];
  /** Arguments whose only use is the target user of a guard call that checks the caller (targets.ts). */
  targetArgs: Set<string>;
  /** Deletes of a document the caller was checked at the owner level on, direct or inherited (`requireAccess(ctx, t, id, "owner")`, then `delete(id)`), or of rows a field equal to the caller's id selected (`rows`, ownerquery.ts). */
  ownedDeletes: (Loc & { rows?: OwnRows; compared?: string })[];
  /** Calls that pass its arguments to a function of the app (`ctx.scheduler.runAfter(0, internal.docs.doDelete, { id })`), judged with it (follow.ts). */
  calls: FollowedCall[];
  /** What it was read from (an export's declaration; an HTTP route's call), its handler (undefined: not seen), and an HTTP action's routes (`POST /webhook`, routes.ts). */
  declaration: ts.Node;
  handler?: ts.SignatureDeclaration;
  routes?: string[];
  /** An HTTP action's webhook signature checks that prove its caller (`svix Webhook.verify`, signatures.ts). */
  signatures?: Use[];
}

/** The guard's function builders (issue 9): `guard.query(query, { ...declaration, handler })`. */
const GUARD_BUILDERS = new Set(["query", "mutation", "action"]);

/**
 * The declaration of the guard's function builders, read as facts, so a declared requirement
 * counts like a hand-called check. The shape (js/builders.ts, `__guard` version 1):
 *
 * ```ts
 * export const remove = guard.mutation(mutation, {
 *   args: { id: v.string() },
 *   role: "admin",                        // or permission: "delete:users"
 *   rateLimit: { name: "sendMessage", key: "user" }, // or a list: [{ name: "ai" }, { name: "aiGlobal", key: "global" }]
 *   access: { table: "documents", arg: "id", level: "editor" },
 *   handler: async (ctx, args) => { ... },
 * });
 * // and convex-helpers: customQuery(query, guard.customCtx({ role: "moderator" }))
 * ```
 *
 * A builder always requires an authenticated user; `role`, `permission` and `access` add a
 * role, permission or document check; `rateLimit` a rate limit, or each of a list one (`__guard`'s
 * `rateLimits`; its `rateLimit` is the list's first only). Each `via` names the builder;
 * `made` (the builder's call, or customCtx's) names the guard whose configuration judges them.
 */
export function readBuilderDeclaration(app: App, builder: string, definition: ts.ObjectLiteralExpression, made: ts.CallExpression): Facts {
  const facts = emptyFacts();
  const at = app.loc(definition);
  const via = `${guardShown(made, false)}.${builder}`;
  const literal = (name: string) => {
    const value = property(app, definition, name);
    return value !== undefined && ts.isStringLiteral(value) ? `("${value.text}")` : "";
  };
  facts.auth.push({ level: "authenticated", via: `${via} (user)`, handWritten: false, at, guardCall: made });
  const role = property(app, definition, "role");
  if (role !== undefined) facts.auth.push({ level: "role", via: `${via} role${literal("role")}`, handWritten: false, at, role, guardCall: made });
  const permission = property(app, definition, "permission");
  if (permission !== undefined) facts.auth.push({ level: "permission", via: `${via} permission${literal("permission")}`, handWritten: false, at, role: permission, guardCall: made });
  const access = property(app, definition, "access");
  if (access !== undefined) {
    const field = (name: string) => {
      // As a call's level: a literal or a `const` holding one (config.ts).
      return literalThrough(app, ts.isObjectLiteralExpression(access) ? property(app, access, name) : undefined);
    };
    facts.auth.push({ level: "document", via: `${via} access`, handWritten: false, at, targetArg: field("arg"), minLevel: field("level"), guardCall: made });
  }
  facts.rateLimits.push(...declaredLimits(app, property(app, definition, "rateLimit"), via, at));
  return facts;
}

const CONVEX_HELPERS = "convex-helpers";

/** `customQuery(query, guard.customCtx({ ... }))`: the customization a custom builder carries, and customCtx's call. */
function customization(app: App, call: ts.CallExpression): { options: ts.ObjectLiteralExpression; made: ts.CallExpression } | undefined {
  const callee = skipOuter(call.expression);
  if (!ts.isIdentifier(callee)) return undefined;
  const made = resolveValue(app, callee);
  if (!ts.isCallExpression(made)) return undefined;
  // Only convex-helpers' builders apply the customization to every function they make: a
  // home-made `customQuery(query, guard.customCtx({ role }))` may drop it, so it declares nothing.
  if (app.calleeFrom(made, CONVEX_HELPERS) === undefined) return undefined;
  for (const arg of made.arguments) {
    const value = skipOuter(arg);
    if (ts.isCallExpression(value) && app.calleeFrom(value, GUARD)?.name === "customCtx" && value.arguments[0] !== undefined) {
      const options = resolveValue(app, value.arguments[0]);
      return ts.isObjectLiteralExpression(options) ? { options, made: value } : undefined;
    }
  }
  return undefined;
}

export function findFunctions(app: App, facts: FactsFinder): ConvexFunction[] {
  const out: ConvexFunction[] = [];
  for (const file of app.modules) {
    const moduleSymbol = app.checker.getSymbolAtLocation(file);
    if (moduleSymbol === undefined) continue;
    for (const exported of app.checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? app.checker.getAliasedSymbol(exported) : exported;
      const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
      if (decl === undefined || !isValueExport(exported, symbol)) continue;
      // By the export's type, whatever made it: a destructured `{ wipe }` of an `Object.assign`
      // is registered as surely as a `mutation(...)` (exports.ts).
      // A type that says "no function" of a value holding one (a cast): it may be registered.
      // So may a `guard.safeAction(...)` not given to `action(...)`.
      const typed = builderShape(app, decl) ?? classifyType(app.checker.getTypeOfSymbolAtLocation(symbol, decl)) ?? (hidesFunction(app, decl) || unregisteredSafeAction(app, decl) ? UNTOLD : undefined);
      if (typed === undefined) continue;
      // An `export let` the module reassigns: what Convex registers is not what its declaration says.
      const shape = reassigned(app, decl, symbol) ? UNTOLD : typed;
      out.push(describe(app, facts, `${app.modulePath(file)}:${exported.getName()}`, decl, shape));
    }
  }
  return out;
}

const BUILDERS: Record<string, Kind> = { QueryBuilder: "query", MutationBuilder: "mutation", ActionBuilder: "action", HttpActionBuilder: "httpAction" };

/**
 * Kind and visibility from the builder's declaration, read as written: `_generated/server.d.ts`
 * says `mutation: MutationBuilder<DataModel, "public">` (its `.js` twin says `mutationGeneric`,
 * which convex declares the same way). Reading the type node costs nothing; asking for the type
 * would resolve `DataModel` (the whole schema) and, for the export's own type (below, for
 * other builders), check the whole call.
 */
function builderShape(app: App, decl: ts.Declaration): Pick<ConvexFunction, "kind" | "visibility"> | undefined {
  const init = initializer(decl);
  if (init === undefined || !ts.isCallExpression(init) || !ts.isIdentifier(skipOuter(init.expression))) return undefined;
  let symbol = app.symbol(skipOuter(init.expression));
  for (let depth = 0; depth < 4 && symbol !== undefined; depth++) {
    const d = symbol.valueDeclaration;
    if (d === undefined || !ts.isVariableDeclaration(d)) return undefined;
    if (d.type !== undefined) {
      if (!ts.isTypeReferenceNode(d.type)) return undefined;
      const alias = app.symbol(d.type.typeName);
      const kind = alias === undefined ? undefined : BUILDERS[alias.getName()];
      if (alias === undefined || kind === undefined || app.packageOf(alias) !== CONVEX) return undefined;
      if (kind === "httpAction") return { kind, visibility: "public" };
      const visibility = d.type.typeArguments?.[1];
      const value = visibility !== undefined && ts.isLiteralTypeNode(visibility) && ts.isStringLiteral(visibility.literal) ? visibility.literal.text : undefined;
      return value === "public" || value === "internal" ? { kind, visibility: value } : undefined;
    }
    symbol = d.initializer !== undefined && ts.isIdentifier(d.initializer) ? app.symbol(d.initializer) : undefined;
  }
  return undefined;
}

/** A function's description: `decl` is where it is reported (an export, or an HTTP route's call), `init` what made it. */
export function describe(app: App, finder: FactsFinder, id: string, decl: ts.Node, shape: Pick<ConvexFunction, "kind" | "visibility">, init = initializer(decl)): ConvexFunction {
  const fn: ConvexFunction = {
    id,
    ...shape,
    at: app.loc(ts.isVariableDeclaration(decl) ? decl.name : decl),
    args: "unknown",
    argNames: [],
    anyArgs: [],
    returns: "unknown",
    safeAction: false,
    facts: emptyFacts(),
    idReads: [],
    idDeletes: [],
    checkedArgs: new Set(),
    changeChecked: { args: new Set(), lowLevels: new Map(), groups: new Map(), ofCheckedDoc: [] },
    ownedDeletes: [],
    writes: { idWrites: [], roleWrites: [], tableWrites: [], accessWrites: [], tableReads: [], grantsLeft: [], accessRowDeletes: [] },
    targetArgs: new Set(),
    codeExposures: [],
    argKeyedLimits: [],
    calls: [],
    library: libraryOf(app, decl),
    declaration: decl,
  };
  if (init === undefined || !ts.isCallExpression(init)) return fn;
  const builder = app.calleeFrom(init, GUARD);
  const guardBuilder = builder !== undefined && GUARD_BUILDERS.has(builder.name) ? builder.name : undefined;
  // guard.query(query, definition): the definition is the second argument.
  const defArg = init.arguments[guardBuilder === undefined ? 0 : 1];
  let definition = defArg === undefined ? undefined : resolveValue(app, defArg);
  // `action(guard.safeAction({ ... }))`
  if (definition !== undefined && ts.isCallExpression(definition) && app.calleeFrom(definition, GUARD)?.name === "safeAction") {
    fn.safeAction = true;
    fn.safeActionCall = definition;
    definition = definition.arguments[0] === undefined ? undefined : resolveValue(app, definition.arguments[0]);
  }
  let handler: ts.SignatureDeclaration | undefined;
  let argsObject: ts.Node | undefined;
  // `httpAction(async (ctx, req) => ...)`, or a function declared elsewhere: `httpAction(handleStripe)`.
  const direct = functionValue(app, definition);
  if (direct !== undefined) {
    handler = direct;
    fn.args = "missing";
    fn.returns = false;
  } else if (definition !== undefined && ts.isObjectLiteralExpression(definition)) {
    const args = property(app, definition, "args");
    fn.args = args === undefined ? "missing" : "validated";
    if (args !== undefined) readArgs(app, args, fn);
    argsObject = args;
    fn.returns = property(app, definition, "returns") !== undefined;
    const handlerValue = property(app, definition, "handler");
    handler = functionValue(app, handlerValue);
    // `handler: withUser(async (ctx, args) => ...)`: the app's higher-order function runs
    // around the handler it is given, so what it does (its check) is the function's too.
    if (handler === undefined && handlerValue !== undefined && ts.isCallExpression(handlerValue)) {
      const wrapper = app.appFunction(handlerValue);
      const inner = handlerValue.arguments.map((a) => functionValue(app, resolveValue(app, a))).find((f) => f !== undefined);
      if (wrapper !== undefined && inner !== undefined) {
        const around = finder.of(wrapper);
        const name = wrapper.name !== undefined && ts.isIdentifier(wrapper.name) ? wrapper.name.text : skipOuter(handlerValue.expression).getText();
        // `withRole("user", handler)`: a role the wrapper takes as a parameter is what this call passes.
        const auth = around.auth.map((a) => ({ ...a, via: `${name} -> ${a.via}`, role: a.role !== undefined && ts.isExpression(a.role) ? argumentFor(app, a.role, wrapper, handlerValue) : a.role }));
        mergeFacts(fn.facts, { ...around, auth, rateLimits: around.rateLimits.map((r) => ({ ...r, via: `${name} -> ${r.via}` })) });
        handler = inner;
      }
    }
    if (fn.safeAction) {
      const def = definition;
      mergeFacts(fn.facts, safeActionFacts(app, finder, def, fn.at, (name) => property(app, def, name), (node) => functionValue(app, node), fn.safeActionCall));
    }
    if (guardBuilder !== undefined) mergeFacts(fn.facts, readBuilderDeclaration(app, guardBuilder, definition, init));
  }
  // A custom builder customizes either form: `adminMutation({ args, handler })`, `adminMutation(async (ctx) => ...)`.
  const custom = direct !== undefined || (definition !== undefined && ts.isObjectLiteralExpression(definition)) ? customization(app, init) : undefined;
  if (custom !== undefined) mergeFacts(fn.facts, readBuilderDeclaration(app, "customCtx", custom.options, custom.made));
  if (handler !== undefined) {
    fn.handler = handler;
    mergeFacts(fn.facts, finder.of(handler));
    // A check or a limit on some paths only leaves the others open.
    // A decision about a parameter of the handler (or of a wrapper) is about no row of the caller's (subject.ts); a listing checks only what comes from its page (listings.ts).
    const h = handler;
    for (const [kind, uses] of [["auth", fn.facts.auth], ["limit", fn.facts.rateLimits]] as const) fn.facts.loose.push(...uses.filter((u) => u.conditional === true).map((u) => ({ kind, via: u.via, at: u.at, why: "made on some paths only" })));
    fn.facts.auth = markLowestRole(app, fn.facts.auth.filter((a) => a.conditional !== true && a.subject === undefined && (!listing(app, a) || listingCovers(app, finder, h, a.guardCall!))), h);
    fn.facts.rateLimits = fn.facts.rateLimits.filter((r) => r.conditional !== true);
    const flow = new ArgFlow(app, handler, fn.visibility === "public");
    fn.idReads = [...returnedIdReads(app, handler, flow), ...helperIdReads(app, handler, flow), ...childReads(app, handler, flow, fn.argNames, fn.facts.auth)];
    fn.codeExposures = exposedCodes(app, handler);
    fn.calls = followedCalls(app, handler, flow, fn.argNames.map((a) => a.name));
    // A rate limit keyed by what the caller sends is a new budget per request: no limit. A list
    // (`rateLimitAll`) with a key from the server limits, as a builder's list does (safeaction.ts).
    fn.facts.rateLimits = fn.facts.rateLimits.filter((r) => {
      const args = (r.keys ?? []).map((k) => (within(k, handler) ? flow.argIn(k) : undefined));
      const arg = r.argKey ?? (args.every((a) => a !== undefined) ? args[0] : undefined);
      if (arg !== undefined) fn.argKeyedLimits.push({ via: r.via, at: r.at, arg });
      return arg === undefined;
    });
    const checkArg = checkArgOf(app, flow, "(not an argument)"); // `task._id` of a read by `taskId` is `taskId` (helperget.ts)
    const documentChecks = [...fn.facts.auth.filter((a) => a.level === "document" && !listing(app, a)), ...namedDocumentChecks(app, handler, fn.visibility === "public")]; // a listing checks no id; a `*For` check of its own (namedusers.ts)
    fn.checkedArgs = checkedValues(app, flow, documentChecks, checkArg); // and the values tying a row found by an `_id` filter to a check (idquery.ts)
    // `requireGroupLevel(ctx, h.groupId, level)` of a `const h = await ctx.db.get(id)`: a check of its reads for a table no guard configures; of a configured one, no access (groupfield.ts).
    fn.idReads = groupCheckedReads(app, handler, flow, documentChecks, fn.idReads);
    fn.changeChecked = { args: fn.checkedArgs, lowLevels: new Map(), groups: new Map(), ofCheckedDoc: [] };
    const ownerChecks = documentChecks.filter((a) => atOwnerLevel(app, a));
    const owned = new Set(ownerChecks.map(checkArg));
    const ownedDoc = ownedDocuments(app, handler, ownerChecks);
    const builderGuard = guardBuilder !== undefined ? init : customization(app, init)?.made; // `ctx.user` is the caller's row, of this guard
    const ownRows = ownerRows(app, handler, builderGuard);
    fn.writes = writeFacts(app, handler, flow, fn.facts, argsObject, new Set(fn.argNames.map((a) => a.name)), builderGuard);
    const span = { ...app.loc(handler), end: handler.getSourceFile().getLineAndCharacterOfPosition(handler.end).line + 1 };
    for (const d of fn.facts.deletes) {
      if (d.target === undefined || !within(d.target, handler)) continue;
      const via: { through?: string; change: true } = { change: true }, arg = flow.idRoot(d.target) ?? readBy(app, flow, d.target, false, 0, via); // `through`: a helper's document (helperget.ts); `change`: a row an `_id` filter ties to a check only if that check covers a delete (idquery.ts)
      const written = d.file === span.file && d.line >= span.line && d.line <= span.end; // in the handler: a helper's own comparison is not read, so its delete is not judged
      const compared = arg !== undefined && written ? readComparisons(app, handler, flow, arg, (r) => readArg(app, flow, r, { change: true })) : undefined;
      // guard.deleteDocument checks its own document (the owner only), on whatever path it is called.
      if (arg !== undefined && compared?.caller === false && d.byGuard !== true) fn.idDeletes.push({ file: d.file, line: d.line, arg, compared: compared.args, ...(via.through === undefined ? {} : { through: via.through }) });
      const rows = ownRows(d.target), mine = !d.inLoop && d.byGuard !== true && compared?.caller === true; // read by an argument's id, an owner comparison with the caller's id decides (callerid.ts)
      if (rows !== undefined || mine) fn.ownedDeletes.push({ ...d, ...(rows !== undefined ? { rows } : { compared: arg! }) });
      else if (!d.inLoop && (d.byGuard === true || (arg !== undefined && owned.has(arg)) || ownedDoc(d.target))) fn.ownedDeletes.push(d);
    }
    // A check at the lowest (or public) access level covers reads, not deletes or writes (levels.ts), nor a public parent's children: asked only when there are some, here or through a call (follow.ts).
    const changes = [...fn.facts.deletes.map((d) => ({ ...d, method: "delete" })), ...fn.facts.writes];
    const publicChildren = fn.idReads.some((r) => r.parent?.publicParent === true);
    if (documentChecks.length > 0 && (changes.length > 0 || fn.calls.some((c) => c.passes.length > 0) || publicChildren)) fn.changeChecked = changeChecks(app, handler, documentChecks, checkArg, changes);
    parentCovered(app, handler, flow, fn, documentChecks, finder.of(handler).auth); // a row checked through its parent, or unless the caller owns it (parentcover.ts)
  }
  // The users table is read here, after the handler's facts, so that a configuration warning lists what each reader ignores in the order it always has.
  for (const a of fn.argNames) a.usersId = a.validator !== undefined && usersTables(app).some((t) => validatesUserId(app, a.validator!, t));
  if (handler !== undefined && fn.argNames.some((a) => a.usersId || namesUser(a.name))) fn.targetArgs = targetOnlyArgs(app, handler, new Set(fn.argNames.map((a) => a.name)));
  return fn;
}

/** A property of a definition object: `handler: fn`, `handler`, or `handler(ctx) {}`. */
function property(app: App, object: ts.ObjectLiteralExpression, name: string): ts.Node | undefined {
  // The last writer wins, as at run time: a spread after the property whose type has it
  // (`{ role: "admin", ...opts }`) may replace it, even with `undefined` (no role at all), so
  // what was written before it is not what the function declares.
  let found: ts.Node | undefined;
  for (const p of object.properties) {
    if (ts.isSpreadAssignment(p)) {
      if (app.checker.getTypeAtLocation(p.expression).getProperty(name) !== undefined) found = undefined;
      continue;
    }
    if (p.name === undefined || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) || p.name.text !== name) continue;
    if (ts.isPropertyAssignment(p)) found = resolveValue(app, p.initializer);
    else if (ts.isShorthandPropertyAssignment(p)) found = resolveValue(app, p.name);
    else if (ts.isMethodDeclaration(p)) found = p;
  }
  return found;
}

/** Argument names (through spreads, by the checker's type of the validator object) and `v.any()`s. */
function readArgs(app: App, args: ts.Node, fn: ConvexFunction): void {
  let object = args;
  if (ts.isCallExpression(object) && app.calleeFrom(object, CONVEX)?.name === "object" && object.arguments[0] !== undefined) {
    object = resolveValue(app, object.arguments[0]);
  }
  const anys = new Set<ts.Node>();
  const findAny = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && app.calleeFrom(n, CONVEX)?.name === "any") anys.add(n);
    ts.forEachChild(n, findAny);
  };
  findAny(args);
  // A property's validator: `userId: v.id("users")`, or the `const` a shorthand names.
  const validator = (p: ts.Node | undefined) => (p === undefined ? undefined : propertyInit(p));
  // Written properties by their names; spreads (`...target`) and non-literal objects through
  // the checker's type of the spread object.
  const typed = (expr: ts.Node) => {
    for (const p of app.checker.getTypeAtLocation(expr).getProperties()) {
      const decl = p.valueDeclaration ?? p.declarations?.[0];
      const inApp = decl !== undefined && app.isAppCode(decl.getSourceFile());
      fn.argNames.push({ name: p.getName(), at: inApp ? app.loc(decl) : app.loc(expr), validator: inApp ? validator(decl) : undefined, usersId: false });
      if (inApp) findAny(decl);
    }
  };
  const literal = (o: ts.ObjectLiteralExpression) => {
    for (const p of o.properties) {
      if (ts.isSpreadAssignment(p)) typed(p.expression);
      else if (p.name !== undefined && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) fn.argNames.push({ name: p.name.text, at: app.loc(p), validator: validator(p), usersId: false });
    }
  };
  if (ts.isObjectLiteralExpression(object)) literal(object);
  else typed(object);
  // Fields of nested objects (`filter: v.object({ userId: ... })`) are arguments too.
  const nested = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && n !== object && app.calleeFrom(n, CONVEX)?.name === "object") {
      const inner = n.arguments[0] === undefined ? undefined : resolveValue(app, n.arguments[0]);
      if (inner !== undefined && ts.isObjectLiteralExpression(inner)) literal(inner);
    }
    ts.forEachChild(n, nested);
  };
  nested(args);
  fn.anyArgs = [...anys].map((n) => app.loc(n)).sort((a, b) => a.line - b.line);
}

