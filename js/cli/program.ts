// The audited app as a TypeScript program: which files Convex deploys as function modules,
// the compiler options, and where each symbol comes from (which npm package declares it).
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { onFirstParameter } from "./ctxparam.js";
import { functionModules } from "./modules.js";

/** The package whose calls are the guard's. */
export const GUARD = "convex-guard";

/**
 * A place in the app, with the file as the report prints it: relative to the current directory
 * (where CI runs, so annotations find it in a monorepo), not to the app's root.
 */
export interface Loc { file: string; line: number }

/** The problem with the input: the CLI prints it and exits with status 2. */
export class AuditError extends Error {
  override name = "AuditError";
}

/** The app's compiler options: its tsconfig (in the convex dir or up to its package root). */
function compilerOptions(convexDir: string): ts.CompilerOptions {
  const defaults: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    allowJs: true,
    skipLibCheck: true,
  };
  // Whatever the app's tsconfig says: no emit, no @types packages, only ES5, ES2015's core
  // (`Object.assign`, whose answer may export functions), `Map`/`Set` and an array's `includes`
  // (uncheckedlist.ts `readsOnly` trusts their reads, not an untyped receiver's). Parsing is most
  // of the audit's time (the DOM's declarations alone take longer than a 200-function app): what
  // newer libraries type stays unresolved, and an export of such a value is reported (`unresolved-function`).
  // \`allowJs\` always: Convex deploys its .js, .mjs, .cjs and .jsx modules whatever the tsconfig says.
  const fixed: ts.CompilerOptions = { noEmit: true, skipLibCheck: true, allowJs: true, types: [], lib: ["lib.es5.d.ts", "lib.es2015.core.d.ts", "lib.es2015.collection.d.ts", "lib.es2016.array.include.d.ts"] };
  for (let dir = convexDir; ; dir = dirname(dir)) {
    const config = join(dir, "tsconfig.json");
    if (existsSync(config)) {
      const read = ts.readConfigFile(config, ts.sys.readFile);
      if (read.error !== undefined) throw new AuditError(`${config}: ${flatten(read.error.messageText)}`);
      const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dir, undefined, config);
      return { ...parsed.options, ...fixed };
    }
    if (existsSync(join(dir, "package.json")) || dirname(dir) === dir) break;
  }
  return { ...defaults, ...fixed };
}

function flatten(message: string | ts.DiagnosticMessageChain): string {
  return ts.flattenDiagnosticMessageText(message, "\n");
}

/** The loaded program and the questions the analysis asks about its symbols. */
export class App {
  readonly program: ts.Program;
  readonly checker: ts.TypeChecker;
  /** The app's root (the convex dir's parent): allowlist file keys and module names are relative to it. */
  readonly root: string;
  /** The current directory: locations are printed relative to it. */
  readonly cwd = process.cwd();
  readonly modules: ts.SourceFile[];
  /** The function modules the program could not load (the report warns: they are not audited). */
  readonly unloaded: string[];
  private readonly moduleFiles: Set<string>;
  private readonly packageOfDir = new Map<string, string | null>();

  constructor(readonly convexDir: string) {
    this.convexDir = resolve(convexDir);
    if (!existsSync(this.convexDir) || !statSync(this.convexDir).isDirectory()) {
      throw new AuditError(`${convexDir} is not a directory (give the app's convex/ directory)`);
    }
    this.root = dirname(this.convexDir);
    const files = functionModules(this.convexDir);
    const options = compilerOptions(this.convexDir);
    this.program = ts.createProgram({ rootNames: files, options });
    this.checker = this.program.getTypeChecker();
    this.modules = files.map((f) => this.program.getSourceFile(f)).filter((f): f is ts.SourceFile => f !== undefined);
    this.moduleFiles = new Set(this.modules.map((f) => f.fileName));
    this.unloaded = files.filter((f) => this.program.getSourceFile(f) === undefined);
    // Without convex's types nothing can be classified: fail, never report a clean app.
    const probe = this.modules[0];
    if (probe !== undefined) {
      const found = ts.resolveModuleName("convex/server", probe.fileName, options, ts.sys).resolvedModule;
      if (found === undefined) {
        throw new AuditError(`cannot resolve "convex/server" from ${convexDir}: install the app's dependencies first`);
      }
    }
  }

  /** `convex/users.ts` for a file of the app: relative to its root, whatever the current directory. */
  relative(file: string): string {
    return relative(this.root, file).split(sep).join("/");
  }

  /** A file as the report prints it: relative to the current directory (`apps/web/convex/users.ts`). */
  shown(file: string): string {
    return relative(this.cwd, file).split(sep).join("/");
  }

  /** The function path Convex gives a module: `users`, `lib/admin`. */
  modulePath(file: ts.SourceFile): string {
    const rel = relative(this.convexDir, file.fileName).split(sep).join("/");
    return rel.slice(0, rel.length - (basename(rel).length - basename(rel).indexOf(".")));
  }

  loc(node: ts.Node): Loc {
    const file = node.getSourceFile();
    return { file: this.shown(file.fileName), line: file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1 };
  }

  /**
   * Whether a file is the app's own code (not a declaration, not a dependency, not generated). A
   * function module is, wherever it is: Convex deploys `convex/node_modules/x/y.ts` as the app's.
   */
  isAppCode(file: ts.SourceFile): boolean {
    if (this.moduleFiles.has(file.fileName)) return true;
    return !file.isDeclarationFile && !file.fileName.split("/").includes("node_modules") && !this.program.isSourceFileFromExternalLibrary(file);
  }

  /** The symbol a name or expression refers to, through imports and re-exports (asked once per node: the rules ask again and again). */
  symbol(node: ts.Node): ts.Symbol | undefined {
    if (this.symbols.has(node)) return this.symbols.get(node);
    const s = this.symbolAt(node);
    const found = s === undefined ? undefined : s.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(s) : s;
    this.symbols.set(node, found);
    return found;
  }
  private readonly symbols = new WeakMap<ts.Node, ts.Symbol | undefined>();
  /** The checker's symbol at a node; in `{ userId }` the variable's (or parameter's) the shorthand stands for, not the object literal's property's (attack47 FP1). */
  private symbolAt = (n: ts.Node) => (n.parent !== undefined && ts.isShorthandPropertyAssignment(n.parent) && n.parent.name === n ? this.checker.getShorthandAssignmentValueSymbol(n.parent) : this.checker.getSymbolAtLocation(n));

  /**
   * Whether a name is a global's (`process`, `undefined`, `globalThis`), not a local of that
   * name: declared nowhere the checker knows (`process` without @types/node), or in a
   * declaration file.
   */
  isGlobal(id: ts.Identifier): boolean {
    const declarations = this.symbol(id)?.declarations ?? [];
    return declarations.length === 0 || declarations.some((d) => d.getSourceFile().isDeclarationFile);
  }
  private readonly callees = new Map<string, WeakMap<ts.CallExpression, { name: string; owner: string; sync?: boolean } | undefined>>();

  /**
   * The npm package that declares a symbol (`convex`, `convex-guard`), or null for the app's own
   * code: a `package.json` named `convex-guard` over a folder of the app's makes its functions no
   * more the guard's than their names do.
   */
  packageOf(symbol: ts.Symbol | undefined): string | null {
    const decl = symbol?.declarations?.[0];
    if (decl === undefined || this.isAppCode(decl.getSourceFile())) return null;
    return this.packageOfFile(decl.getSourceFile().fileName);
  }

  /**
   * The name in the nearest package.json above a file. Not only under node_modules: a linked
   * package (npm link, workspaces) resolves to its real path, outside any node_modules.
   */
  private packageOfFile(file: string): string | null {
    for (let dir = dirname(file); dirname(dir) !== dir; dir = dirname(dir)) {
      const known = this.packageOfDir.get(dir);
      if (known !== undefined) return known;
      const manifest = join(dir, "package.json");
      if (existsSync(manifest)) {
        let name: string | null = null;
        try {
          const parsed: unknown = JSON.parse(readFileSync(manifest, "utf8"));
          if (parsed !== null && typeof parsed === "object" && "name" in parsed && typeof parsed.name === "string") name = parsed.name;
        } catch {
          name = null;
        }
        // Nested package.json files without a name (`dist/esm/package.json`) belong to the
        // package above them.
        if (name !== null) {
          this.packageOfDir.set(dir, name);
          return name;
        }
      }
    }
    return null;
  }

  /**
   * The callee of a call when `pkg` declares it (`guard.requireUser` -> "requireUser", owner
   * "Authz", when `pkg` is "convex-guard"), else undefined. Identity comes from the declaration,
   * not the spelling: an app function named `requireUser` is not the guard's.
   *
   * The checker is asked only when that is cheap: when the callee's root is an import, a
   * module-level declaration or an annotated variable. A handler's `ctx` is typed by inference
   * from the whole `mutation({...})` call, which costs a full check of the call per function;
   * on such roots only the Convex members the rules need are recognized, by their path
   * (`ctx.db.get`, `ctx.db.delete`, `ctx.auth.getUserIdentity`), and so on a function's first
   * parameter whatever its declared type (`ctx: any`, `const db: any = ctx.db`: ctxparam.ts).
   */
  calleeFrom(call: ts.CallExpression, pkg: string): { name: string; owner: string; sync?: boolean } | undefined {
    const known = this.callees.get(pkg) ?? this.callees.set(pkg, new WeakMap()).get(pkg)!;
    if (!known.has(call)) known.set(call, this.findCallee(call, pkg));
    return known.get(call);
  }

  private findCallee(call: ts.CallExpression, pkg: string): { name: string; owner: string; sync?: boolean } | undefined {
    const callee = this.calleeTarget(call.expression);
    const nameNode = ts.isPropertyAccessExpression(callee)
      ? callee.name
      : ts.isElementAccessExpression(callee) && ts.isStringLiteralLike(callee.argumentExpression)
        ? callee.argumentExpression
        : ts.isIdentifier(callee)
          ? callee
          : undefined;
    if (nameNode === undefined) return undefined;
    const byPath = () => (pkg === "convex" ? inferredCtxMember(this.memberPath(callee)) : undefined);
    if (!ts.isIdentifier(callee) && !this.rootIsDeclared(callee)) return CTX_MEMBER_NAMES.has(nameNode.text) ? byPath() : undefined;
    let symbol = this.symbol(nameNode);
    // `const { requireUser } = guard`: the member the binding takes, by the type of what it
    // destructures (asked only when that is cheap, as above).
    const decl = symbol?.valueDeclaration;
    if (ts.isIdentifier(callee) && decl !== undefined && ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent)) {
      const holder = decl.parent.parent;
      const from = ts.isVariableDeclaration(holder) && holder.initializer !== undefined ? skipOuter(holder.initializer) : undefined;
      if (from === undefined || !this.rootIsDeclared(from)) return byPath();
      const member = bindingMember(decl);
      symbol = member === undefined ? undefined : this.checker.getTypeAtLocation(from).getProperty(member);
    }
    if (symbol === undefined || this.packageOf(symbol) !== pkg) return pkg === "convex" && onFirstParameter(this, callee) ? byPath() : undefined;
    return { name: symbol.getName(), owner: this.ownerName(symbol), sync: declaredSync(symbol) };
  }

  /**
   * What a callee names: through `f.call(...)` and `f.apply(...)`, `f.bind(...)`, and constants
   * of the app that alias it (`const del = ctx.db.delete.bind(ctx.db)`, `const check = guard.requireUser`).
   */
  calleeTarget(expr: ts.Expression): ts.Expression {
    let e = skipOuter(expr);
    for (let depth = 0; depth < 8; depth++) {
      if (ts.isPropertyAccessExpression(e) && (e.name.text === "call" || e.name.text === "apply")) {
        e = skipOuter(e.expression);
      } else if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(skipOuter(e.expression)) && (skipOuter(e.expression) as ts.PropertyAccessExpression).name.text === "bind") {
        e = skipOuter((skipOuter(e.expression) as ts.PropertyAccessExpression).expression);
      } else if (ts.isIdentifier(e)) {
        const init = this.constInitializer(e);
        if (init === undefined || isFunctionLike(init) || !(ts.isPropertyAccessExpression(init) || ts.isElementAccessExpression(init) || ts.isCallExpression(init) || ts.isIdentifier(init))) break;
        const bound = ts.isCallExpression(init) ? skipOuter(init.expression) : undefined;
        if (bound !== undefined && !(ts.isPropertyAccessExpression(bound) && bound.name.text === "bind")) break;
        e = init;
      } else {
        break;
      }
    }
    return e;
  }

  /** The initializer of a `const` of the app's code that a name refers to. */
  constInitializer(name: ts.Identifier): ts.Expression | undefined {
    const decl = this.symbolAt(name)?.valueDeclaration;
    if (decl === undefined || !ts.isVariableDeclaration(decl) || !ts.isIdentifier(decl.name) || decl.initializer === undefined) return undefined;
    if (!(ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const) || !this.isAppCode(decl.getSourceFile())) return undefined;
    return skipOuter(decl.initializer);
  }

  /**
   * The member path an expression names from its root, through the app's constants and
   * destructurings: `db.delete` after `const db = ctx.db` or `const { db } = ctx` is
   * `ctx.db.delete`; `({ db }) => db.get(id)` is `(parameter).db.get`. Elements by a literal
   * (`ctx.db["delete"]`) and `.bind(...)` count as the member.
   */
  memberPath(expr: ts.Expression, depth = 0): string[] {
    const e = skipOuter(expr);
    if (depth > 8) return ["?"];
    if (ts.isPropertyAccessExpression(e)) return [...this.memberPath(e.expression, depth + 1), e.name.text];
    if (ts.isElementAccessExpression(e)) {
      const key = ts.isStringLiteralLike(e.argumentExpression) ? e.argumentExpression.text : "?";
      return [...this.memberPath(e.expression, depth + 1), key];
    }
    if (ts.isCallExpression(e)) {
      const callee = skipOuter(e.expression);
      // `.bind(...)` is the member; `ctx.db.table("t")` (Convex 1.48's table-scoped database) is `ctx.db` for its methods.
      if (ts.isPropertyAccessExpression(callee) && (callee.name.text === "bind" || callee.name.text === "table")) return this.memberPath(callee.expression, depth + 1);
      return ["?"];
    }
    if (!ts.isIdentifier(e)) return ["?"];
    const init = this.constInitializer(e);
    if (init !== undefined && !isFunctionLike(init)) return this.memberPath(init, depth + 1);
    const decl = this.symbolAt(e)?.valueDeclaration;
    if (decl !== undefined && ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent)) {
      const member = bindingMember(decl) ?? "?";
      const holder = decl.parent.parent;
      if (ts.isParameter(holder)) return ["(parameter)", member];
      if (ts.isVariableDeclaration(holder) && holder.initializer !== undefined) return [...this.memberPath(holder.initializer, depth + 1), member];
      return ["?", member];
    }
    return [e.text];
  }

  /** Whether the root of `a.b.c` is an import, a function, a module-level or annotated binding. */
  private rootIsDeclared(expr: ts.Expression): boolean {
    let root: ts.Expression = expr;
    while (ts.isPropertyAccessExpression(root) || ts.isCallExpression(root) || ts.isElementAccessExpression(root)) root = skipOuter(root.expression);
    if (!ts.isIdentifier(root)) return false;
    const symbol = this.checker.getSymbolAtLocation(root);
    if (symbol === undefined) return false;
    if (symbol.flags & ts.SymbolFlags.Alias) return true;
    const decl = symbol.valueDeclaration;
    if (decl === undefined) return true;
    if (ts.isParameter(decl)) return decl.type !== undefined;
    if (ts.isVariableDeclaration(decl)) {
      return decl.type !== undefined || (ts.isVariableStatement(decl.parent.parent) && ts.isSourceFile(decl.parent.parent.parent));
    }
    return !ts.isBindingElement(decl);
  }

  /** The interface or type that declares a member symbol (`GenericDatabaseWriter`, `Audit`). */
  ownerName(symbol: ts.Symbol): string {
    const parent = symbol.declarations?.[0]?.parent;
    if (parent !== undefined && (ts.isInterfaceDeclaration(parent) || ts.isClassDeclaration(parent))) return parent.name?.text ?? "";
    if (parent !== undefined && ts.isTypeLiteralNode(parent) && ts.isTypeAliasDeclaration(parent.parent)) return parent.parent.name.text;
    return "";
  }

  /** The function a call reaches in the app's own code, for following helpers across files. */
  appFunction(call: ts.CallExpression): ts.SignatureDeclaration | undefined {
    const target = this.calleeTarget(call.expression);
    const callee = ts.isElementAccessExpression(target) && ts.isStringLiteralLike(target.argumentExpression) ? target.argumentExpression : target;
    if (!ts.isIdentifier(target) && !((ts.isPropertyAccessExpression(target) || ts.isElementAccessExpression(target)) && this.rootIsDeclared(target))) return undefined;
    const symbol = this.symbol(ts.isPropertyAccessExpression(callee) ? callee.name : callee);
    return symbol === undefined ? undefined : this.functionOf(symbol);
  }

  functionOf(symbol: ts.Symbol): ts.SignatureDeclaration | undefined {
    for (const decl of symbol.declarations ?? []) {
      if (!this.isAppCode(decl.getSourceFile())) continue;
      if (ts.isFunctionDeclaration(decl) || ts.isMethodDeclaration(decl)) return decl.body ? decl : undefined;
      if ((ts.isVariableDeclaration(decl) || ts.isPropertyAssignment(decl)) && decl.initializer !== undefined) {
        const init = skipOuter(decl.initializer);
        if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) return init;
      }
    }
    return undefined;
  }
}

/** The Convex members the rules need, by their path on a root whose type is inferred. */
const CTX_MEMBERS: Record<string, { name: string; owner: string }> = {
  "db.get": { name: "get", owner: "GenericDatabaseReader" },
  "db.delete": { name: "delete", owner: "GenericDatabaseWriter" },
  "db.insert": { name: "insert", owner: "GenericDatabaseWriter" },
  "db.patch": { name: "patch", owner: "GenericDatabaseWriter" },
  "db.replace": { name: "replace", owner: "GenericDatabaseWriter" },
  "db.query": { name: "query", owner: "GenericDatabaseReader" },
  "db.normalizeId": { name: "normalizeId", owner: "GenericDatabaseReader" },
  "auth.getUserIdentity": { name: "getUserIdentity", owner: "Auth" },
};

const CTX_MEMBER_NAMES = new Set(Object.values(CTX_MEMBERS).map((m) => m.name));

/** `ctx.db.get`, `ctx.db.delete`, `ctx.auth.getUserIdentity`, by path (see `memberPath`). */
function inferredCtxMember(path: string[]): { name: string; owner: string } | undefined {
  if (path.length < 3 || path.includes("?")) return undefined;
  return CTX_MEMBERS[path.slice(-2).join(".")];
}

/** Whether every declaration of a function says it returns something other than a `Promise` (`assertConfirmed(result): void`). */
function declaredSync(symbol: ts.Symbol): boolean {
  const decls = symbol.declarations ?? [];
  return decls.length > 0 && decls.every((d) => {
    const type = ts.isMethodSignature(d) || ts.isFunctionDeclaration(d) || ts.isMethodDeclaration(d) || ts.isPropertySignature(d) ? d.type : undefined;
    const fnType = type !== undefined && ts.isFunctionTypeNode(type) ? type.type : type;
    return fnType !== undefined && !(ts.isTypeReferenceNode(fnType) && ts.isIdentifier(fnType.typeName) && fnType.typeName.text === "Promise");
  });
}

/** The member a destructuring takes: `requireUser` in `{ requireUser }` or `{ requireUser: check }`. */
function bindingMember(element: ts.BindingElement): string | undefined {
  const key = element.propertyName ?? element.name;
  return ts.isIdentifier(key) || ts.isStringLiteralLike(key) ? key.text : undefined;
}

/** An expression without the parentheses, `await`, `as`, `!` and `satisfies` around it. */
export function skipOuter(node: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(node) || ts.isAwaitExpression(node) || ts.isAsExpression(node) || ts.isNonNullExpression(node) || ts.isSatisfiesExpression(node) || ts.isTypeAssertionExpression(node)) node = node.expression;
  return node;
}

/** The value a property of an object literal gives its key: an assignment's initializer, a shorthand's name (undefined for a method, accessor or spread). */
export function propertyInit(p: ts.Node): ts.Expression | undefined {
  return ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : undefined;
}

/** Whether `node` is written inside `scope` (a function's own text, not a helper it calls). */
export function within(node: ts.Node, scope: ts.Node): boolean {
  return node.getSourceFile() === scope.getSourceFile() && node.pos >= scope.pos && node.end <= scope.end;
}

/** Whether a node is a function of its own (its body runs when called, not where written). */
export function isFunctionLike(node: ts.Node): node is ts.SignatureDeclaration {
  return ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node);
}
