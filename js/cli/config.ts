// The guard's configuration, read from the source as JavaScript would build it (nothing of the
// app runs): `defineGuard({ ... })` written literally, or through a `const` holding the object
// (in the same file, or imported: `import { guardConfig } from "./guardConfig"`, through
// re-exports), with spreads of such objects inside it (`defineGuard({ ...guardConfig, ... })`),
// a later key replacing an earlier one. What still cannot be read (a function call, a `let`, a
// computed key) is a warning of the report naming what the audit ignores because of it, never a
// silent pass. An app with several guards has each check judged by its own guard's
// configuration (guards.ts); a guard the audit cannot follow is a warning too.
import ts from "typescript";
import { GUARD } from "./facts.js";
import { valueSymbol } from "./facts-syntax.js";
import { propertyInit, skipOuter, type App, type Loc } from "./program.js";

/** A value the audit cannot read without running the app: where, and what it is. */
export interface Unreadable {
  unreadable: ts.Node;
  what: string;
  /** What to write instead, when the app can: the warning's last sentence. */
  fix?: string;
}

const WRITE_LITERALLY = "Write it as an object literal, or a const holding one (in the same file or imported), for the audit to read it";

export const isUnreadable = (v: unknown): v is Unreadable => typeof v === "object" && v !== null && "unreadable" in v;

/** An object's keys as JavaScript builds them, each with the property that wrote it last. */
export class ObjectRead {
  constructor(
    readonly props: Map<string, ts.ObjectLiteralElementLike>,
    /** A spread (or a computed key) before every key not in `props`, which may hold any key. */
    readonly open: Unreadable | undefined,
  ) {}

  /** The property that gives `key` its value; undefined when surely absent. */
  property(key: string): ts.ObjectLiteralElementLike | Unreadable | undefined {
    return this.props.get(key) ?? this.open;
  }
}

/** A node's source text on one line, at most `max` characters (`...` ending a longer one), for a message. */
export function shownText(node: ts.Node, max = 40): string {
  const text = node.getText().replace(/\s+/g, " ");
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** A node the audit cannot read, described by what it is: "`makeConfig()` is a function call". */
export function unreadable(node: ts.Node, what?: string): Unreadable {
  const e = ts.isExpression(node) ? skipOuter(node) : node;
  const shown = shownText(e);
  const kind =
    what ??
    (ts.isCallExpression(e) || ts.isNewExpression(e)
      ? "a function call"
      : ts.isIdentifier(e)
        ? "a name that is not a const of the app"
        : ts.isComputedPropertyName(e) || ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)
          ? "a computed value"
          : "not readable without running the app");
  return { unreadable: node, what: `\`${shown}\` is ${kind}`, fix: WRITE_LITERALLY };
}

/**
 * An expression with its outer parentheses, `as` and `satisfies` removed, a name followed to the
 * initializer of the app's `const` it names (imported or not, through re-exports, or an `export
 * default` object), and a member of such an object to the value its key is given there
 * (`guardConfig.roles`, the `roles` of `const guardConfig = { roles: [...] }`); unreadable
 * when a name leads anywhere else. Any other member (a namespace's, a method, a getter, a key a
 * spread not read may hold) is answered as written.
 */
/** The weak level of a document or group check whose level the audit cannot read (levels.ts): taken as the lowest (rules.ts `onlyWeaklyChecked`). */
export const UNREAD_LEVEL = "a level not read";

/** A level (or other name) argument's text: a string literal, or one held by a `const` (`const LOW = "viewer"`, `LV.low` of an object `as const`); undefined for anything else. */
export function literalThrough(app: App, e: ts.Node | undefined): string | undefined {
  if (e === undefined) return undefined;
  const value = readValue(app, e);
  return !isUnreadable(value) && ts.isStringLiteralLike(value) ? value.text : undefined;
}

export function readValue(app: App, node: ts.Node, depth = 0): ts.Expression | Unreadable {
  if (!ts.isExpression(node)) return unreadable(node);
  let e = skipOuter(node);
  for (; ts.isIdentifier(e) || ts.isPropertyAccessExpression(e); depth++) {
    if (depth >= 8) return unreadable(e);
    if (ts.isPropertyAccessExpression(e)) {
      // Anything but a key given a value in an object read is left to the caller as it is (a
      // namespace's member, `guard.audit`).
      const owner = ts.isIdentifier(e.name) ? readObject(app, e.expression, depth + 1) : undefined;
      const p = owner === undefined || isUnreadable(owner) ? undefined : owner.property(e.name.text);
      if (p === undefined || isUnreadable(p) || !(ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p))) return e;
      e = skipOuter(propertyValue(p) as ts.Expression);
      continue;
    }
    const target = valueSymbol(app, e);
    const decl = target?.valueDeclaration ?? target?.declarations?.[0];
    let init: ts.Expression | undefined;
    if (decl !== undefined && app.isAppCode(decl.getSourceFile())) {
      if (ts.isVariableDeclaration(decl) && ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const && ts.isIdentifier(decl.name)) init = decl.initializer;
      else if (ts.isExportAssignment(decl)) init = decl.expression;
    }
    if (init === undefined) return unreadable(e);
    e = skipOuter(init);
  }
  return e;
}

/** An object literal (or a `const` holding one), its spreads merged in; unreadable otherwise. */
export function readObject(app: App, node: ts.Node, depth = 0): ObjectRead | Unreadable {
  const value = readValue(app, node, depth);
  if (isUnreadable(value)) return value;
  if (!ts.isObjectLiteralExpression(value)) return unreadable(value);
  const props = new Map<string, ts.ObjectLiteralElementLike>();
  let open: Unreadable | undefined;
  for (const p of value.properties) {
    if (ts.isSpreadAssignment(p)) {
      const spread = depth < 8 ? readObject(app, p.expression, depth + 1) : unreadable(p.expression);
      // A spread that cannot be read may hold any key: what came before is unknown, what
      // follows replaces it.
      if (isUnreadable(spread) || spread.open !== undefined) props.clear();
      if (isUnreadable(spread)) open = { unreadable: p, what: `${spread.what}, spread into it`, fix: WRITE_LITERALLY };
      else {
        open = spread.open ?? open;
        for (const [key, prop] of spread.props) props.set(key, prop);
      }
      continue;
    }
    const name = p.name;
    if (name === undefined || !(ts.isIdentifier(name) || ts.isStringLiteralLike(name) || ts.isNumericLiteral(name))) {
      // A computed key may be any key: as a spread that cannot be read.
      props.clear();
      open = unreadable(name ?? p, "a computed key");
      continue;
    }
    props.set(name.text, p);
  }
  return new ObjectRead(props, open);
}

/** A list of strings written literally (`["viewer", "editor"]`, each element a literal or a `const` holding one), through `const`s; unreadable otherwise. */
export function readStrings(app: App, node: ts.Node): string[] | Unreadable {
  const list = readValue(app, node);
  if (isUnreadable(list)) return list;
  if (!ts.isArrayLiteralExpression(list)) return unreadable(list);
  const out: string[] = [];
  for (const element of list.elements) {
    const value = readValue(app, element);
    if (isUnreadable(value)) return value;
    if (!ts.isStringLiteralLike(value)) return unreadable(value);
    out.push(value.text);
  }
  return out;
}

/** The value a property gives its key: an assignment's initializer, a shorthand's name, a method. */
export function propertyValue(p: ts.ObjectLiteralElementLike): ts.Node {
  return propertyInit(p) ?? p;
}

/** A key of an object read: its value (followed through `const`s), undefined when absent. */
export function member(app: App, object: ObjectRead, key: string): ts.Expression | Unreadable | undefined {
  const p = object.property(key);
  if (p === undefined || isUnreadable(p)) return p;
  return readValue(app, propertyValue(p));
}

/** An object-valued key of an object read: undefined when absent, unreadable when not an object read. */
export function objectAt(app: App, object: ObjectRead, key: string): ObjectRead | Unreadable | undefined {
  const p = object.property(key);
  return p === undefined || isUnreadable(p) ? p : readObject(app, propertyValue(p));
}

/** Every `defineGuard(...)` call in the app. */
export function defineGuardCalls(app: App): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  // Only files that import the package can call its defineGuard.
  const importsGuard = (f: ts.SourceFile) =>
    f.statements.some((s) => ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text === GUARD);
  for (const file of app.program.getSourceFiles().filter((f) => app.isAppCode(f) && importsGuard(f))) {
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && app.calleeFrom(n, GUARD)?.name === "defineGuard") out.push(n);
      ts.forEachChild(n, visit);
    };
    visit(file);
  }
  return out;
}

/** The configuration of one `defineGuard` call; undefined when it is given none. */
export function callConfig(app: App, call: ts.CallExpression): ObjectRead | Unreadable | undefined {
  const arg = call.arguments[0];
  return arg === undefined ? undefined : readObject(app, arg);
}

/**
 * A guard's `rateLimits` keys, each with the property that writes it (none when absent), and
 * whether some may be unread (`open`: a spread, a computed key, or the whole value unreadable),
 * after a warning saying what is `ignored` for them.
 */
export function rateLimitNames(app: App, guard: ts.CallExpression, ignored: string): { props: Map<string, ts.ObjectLiteralElementLike>; open: boolean } {
  const config = callConfig(app, guard);
  const limits = config === undefined || isUnreadable(config) ? config : objectAt(app, config, "rateLimits");
  if (limits === undefined) return { props: new Map(), open: false };
  const open = isUnreadable(limits) ? limits : limits.open;
  if (open !== undefined) warnUnreadable(app, open, ignored);
  return { props: isUnreadable(limits) ? new Map() : limits.props, open: open !== undefined };
}

/** A configuration warning: what could not be read, where, and what the audit ignores for it. */
export interface ConfigWarning extends Loc {
  message: string;
}

interface Warning {
  at: Loc;
  what: string;
  fix: string | undefined;
  ignored: Set<string>;
  /** An unresolved receiver's warning: the app's defineGuard calls, where (`convex/guard.ts:7`). */
  guards?: string[];
}

const warnings = new WeakMap<App, Map<string, Warning>>();

function record(app: App, node: ts.Node, what: string, fix: string | undefined, ignored: string, guards?: string[]): void {
  let known = warnings.get(app);
  if (known === undefined) warnings.set(app, (known = new Map()));
  const at = app.loc(node);
  const key = `${at.file}:${at.line}:${node.pos}:${what}`;
  const entry = known.get(key) ?? { at, what, fix, ignored: new Set<string>(), ...(guards === undefined ? {} : { guards }) };
  entry.ignored.add(ignored);
  known.set(key, entry);
}

/**
 * Records that `ignored` (a feature of the audit, and what follows from its absence) is not
 * read because of `why`: warnings on the same node are one warning listing every feature.
 */
export function warnUnreadable(app: App, why: Unreadable, ignored: string): void {
  record(app, why.unreadable, why.what, why.fix, ignored);
}

/**
 * Records that a guard call's receiver (`g` of `g.requireRole(...)`) cannot be followed to one
 * of the app's `calls`, so `judged` (a feature, and its strictest reading over every guard) is
 * what the audit used: warnings on the same receiver are one warning listing every feature.
 */
export function warnUnresolved(app: App, receiver: ts.Node, calls: readonly ts.CallExpression[], judged: string): void {
  const shown = shownText(receiver);
  const where = calls.map((c) => app.loc(c)).sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line).map((at) => `${at.file}:${at.line}`);
  record(app, receiver, `\`${shown}\``, FOLLOW, judged, where);
}

const FOLLOW = "Call the guard by a const holding its defineGuard call (in the same file or imported), for the audit to know which one it is";

/** The configuration warnings recorded, in the order of their places. */
export function configWarnings(app: App): ConfigWarning[] {
  const out = [...(warnings.get(app)?.values() ?? [])].map(({ at, what, fix, ignored, guards }) => ({
    ...at,
    message:
      guards === undefined
        ? `the guard's configuration cannot be read from the source: ${what}; ignored because of it: ${[...ignored].join("; ")}${fix === undefined ? "" : `. ${fix}`}`
        : `which guard ${what} is cannot be read from the source (the app has ${guards.length} defineGuard calls: ${guards.join(", ")}); judged with the strictest of their configurations: ${[...ignored].join("; ")}. ${fix}`,
  }));
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/**
 * The string-valued `fields` of each table under one guard's `access.tables`, as written
 * (`{ documents: { owner: "ownerId", parent: "folderId" } }`): an empty map without
 * `access.tables`; null, after a warning saying what is `ignored`, when any of it cannot be read.
 */
export function accessTableFields<F extends string>(
  app: App,
  guard: ts.CallExpression,
  fields: readonly F[],
  ignored: string,
): Map<string, Partial<Record<F, string>>> | null {
  const out = new Map<string, Partial<Record<F, string>>>();
  const config = callConfig(app, guard);
  const access = config === undefined ? undefined : isUnreadable(config) ? config : objectAt(app, config, "access");
  const tables = access === undefined || isUnreadable(access) ? access : objectAt(app, access, "tables");
  if (tables === undefined) return out;
  if (isUnreadable(tables)) return (warnUnreadable(app, tables, ignored), null);
  if (tables.open !== undefined) return (warnUnreadable(app, tables.open, ignored), null);
  for (const [table, p] of tables.props) {
    const spec = readObject(app, propertyValue(p));
    if (isUnreadable(spec)) return (warnUnreadable(app, spec, ignored), null);
    const read: Partial<Record<F, string>> = {};
    for (const field of fields) {
      const value = member(app, spec, field);
      if (value === undefined) continue;
      if (isUnreadable(value) || !ts.isStringLiteralLike(value)) return (warnUnreadable(app, isUnreadable(value) ? value : unreadable(value), ignored), null);
      read[field] = value.text;
    }
    out.set(table, read);
  }
  return out;
}
