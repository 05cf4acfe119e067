// `guard.readableFor` / `guard.requireAccessFor` / `requireRoleFor` / `requirePermissionFor` /
// `groupLevelFor` / `requireGroupLevelFor`: a named user's access, role, permission or group level,
// not the caller's (no check of the caller: absent from facts.ts GUARD_AUTH). The document answers
// (the group ones answer a level, no document) are checked for the user they are given only:
//
//   const { doc } = await guard.requireAccessFor(ctx, args.actingFor, "documents", args.id, "editor");
//   await ctx.db.patch(doc._id, { body });          // unchecked-id-write, as ctx.db.patch(args.id)
//   const r = await guard.readableFor(ctx, user._id, "documents", args.id);
//   return r?.doc;                                  // the caller's own id: checked, as readable's
//
// In a public function (argflow.ts `ArgFlow.exposed`) the document of such a call for a user who
// is not provably the caller (callerid.ts `isCallerId`) is read by its id argument, unchecked: by
// an argument's id, or by a field of a row an argument names (`integ.docId`). An internal
// function's user comes from its callers: there the answer counts as checked, and a public
// function that runs or schedules one with a user id that is not its caller's own is
// `relayed-user-id` (the job acts as someone else). The report's authorization column shows an
// internal function's `*For` checks (`namedChecks`), which are its checks.
import ts from "typescript";
import { isCallerId } from "./callerid.js";
import { ArgFlow } from "./argflow.js";
import { relayOf, relays } from "./follow.js";
import type { ConvexFunction } from "./functions.js";
import { GUARD, propertyInit, skipOuter, within, type App } from "./program.js";
import { enclosingFunction, firstLiteral, guardShown, unused } from "./facts-syntax.js";
import { swallowed } from "./flow.js";
import { finding, type Finding } from "./rules.js";
import { namedUser } from "./namedusers.js";
import { answerExit } from "./readable.js";

/** The `*For` calls, and what each checks for the user it is given (the relayed-user-id message). */
const ACTING_FOR = new Map([
  ...[["readableFor", "access"], ["requireAccessFor", "access"], ["requireRoleFor", "the role"], ["requirePermissionFor", "the permission"]],
  ...[["groupLevelFor", "the group level"], ["requireGroupLevelFor", "the group level"]],
] as [string, string][]);
/** The `*For` calls that answer a document (the others answer a role's row or a level). */
const DOCUMENT_FOR = new Set(["readableFor", "requireAccessFor"]);
/** What a decision on the row an id reads checks for that user (namedusers.ts), in the relayed-user-id message. */
const ON_ROW = new Map([["can", "the permission"], ["roleAtLeast", "the role"]]);

/** A `*For` call of the guard: its method's name. */
const forCall = (app: App, n: ts.Node): string | undefined => (ts.isCallExpression(n) && ACTING_FOR.has(app.calleeFrom(n, GUARD)?.name ?? "") ? app.calleeFrom(n, GUARD)!.name : undefined);

/** A `*For` call for a user not provably the caller: the id of the document it answers, and how to name it (`guard.requireAccessFor for another user`). */
export function othersDocument(app: App, n: ts.Node): { id: ts.Expression; through: string } | undefined {
  const name = forCall(app, n);
  const [, user, , id] = ts.isCallExpression(n) ? n.arguments : [];
  return name === undefined || !DOCUMENT_FOR.has(name) || user === undefined || id === undefined || isCallerId(app, user) ? undefined : { id, through: `guard.${name} for a user not the caller` };
}

/** The `*For` call whose answer's document an expression is: `r.doc` of `const r = await guard.readableFor(...)`, `doc` of `const { doc } = await guard.requireAccessFor(...)`. */
export function forAnswer(app: App, e: ts.Expression): ts.Expression | undefined {
  let holder: ts.Expression | undefined;
  if (ts.isPropertyAccessExpression(e) && e.name.text === "doc") {
    const r = skipOuter(e.expression);
    holder = ts.isIdentifier(r) ? app.constInitializer(r) : r;
  } else if (ts.isIdentifier(e)) {
    const decl = app.symbol(e)?.valueDeclaration;
    const list = decl !== undefined && ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent) ? decl.parent.parent : undefined;
    const key = decl !== undefined && ts.isBindingElement(decl) ? (decl.propertyName ?? decl.name) : undefined;
    const constant = list !== undefined && ts.isVariableDeclaration(list) && (ts.getCombinedNodeFlags(list) & ts.NodeFlags.Const) !== 0;
    if (constant && key !== undefined && ts.isIdentifier(key) && key.text === "doc") holder = (list as ts.VariableDeclaration).initializer;
  }
  const call = holder === undefined ? undefined : skipOuter(holder);
  return call !== undefined && DOCUMENT_FOR.has(forCall(app, call) ?? "") ? call : undefined;
}

/** The handler's parameters a `*For` call takes as its user (`requireAccessFor(ctx, userId, ...)` of `{ userId }`), with where; `element`: an element of it (`args.users[0]`, attack45 F5). */
function actedFor(app: App, handler: ts.SignatureDeclaration): Map<string, { check: ts.CallExpression; element: boolean }> {
  const flow = new ArgFlow(app, handler);
  const out = new Map<string, { check: ts.CallExpression; element: boolean }>();
  const visit = (n: ts.Node): void => {
    const user = namedUser(app, n)?.user; // a `*For` call's, or the row a decision reads by an id (`guard.can(await ctx.db.get(approver), p)`: namedusers.ts)
    const inner = user === undefined ? undefined : skipOuter(user);
    const element = inner !== undefined && ts.isElementAccessExpression(inner) && flow.rootOf(inner) === undefined;
    const root = inner === undefined ? undefined : flow.rootOf(element ? (inner as ts.ElementAccessExpression).expression : inner);
    if (root !== undefined && !out.has(root)) out.set(root, { check: n as ts.CallExpression, element });
    ts.forEachChild(n, visit);
  };
  visit(handler);
  return out;
}

/** The value a payload gives a parameter: `{ userId: x }`, `{ userId }` (none after a spread, which may replace it). */
function given(app: App, handler: ts.Node, payload: ts.Expression, param: string): ts.Expression | undefined {
  let e = skipOuter(payload);
  const init = ts.isIdentifier(e) ? app.constInitializer(e) : undefined;
  if (init !== undefined && within(init, handler)) e = init;
  let value: ts.Expression | undefined;
  for (const p of ts.isObjectLiteralExpression(e) ? e.properties : []) {
    if (ts.isSpreadAssignment(p)) value = undefined;
    else if (p.name !== undefined && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === param) value = propertyInit(p);
  }
  return value;
}

/** `relayed-user-id`: a public function that runs or schedules an internal one, giving the user it checks access for (`*For`) a value that is not the caller's own id. */
export function relayedUserFindings(app: App, functions: readonly ConvexFunction[]): Finding[] {
  const out: Finding[] = [];
  for (const { fn, call, callee } of relays(functions)) {
    if (callee.visibility !== "internal" || callee.handler === undefined || fn.handler === undefined) continue;
    const payload = relayOf(app, call.node)?.payload;
    for (const [param, { check, element }] of actedFor(app, callee.handler)) {
      let value = payload === undefined ? undefined : given(app, fn.handler, payload, param);
      // A list the job takes an element of as its user: each element not the caller's own id (a spread of one not known) may be that user.
      const list = element && value !== undefined ? skipOuter(value) : undefined;
      if (list !== undefined && ts.isArrayLiteralExpression(list)) value = list.elements.find((x) => ts.isSpreadElement(x) || !isCallerId(app, x)) ?? list.elements[0];
      const client = call.passes.find((p) => p.param === param)?.arg;
      if (value === undefined ? client === undefined : !ts.isSpreadElement(value) && isCallerId(app, value)) continue;
      const what = client !== undefined ? `argument '${client}' (the client's choice)` : `${value!.getText()}${list === undefined ? "" : " among them"}`;
      const at = app.loc(check);
      const does = call.how.startsWith("scheduled") ? "schedules" : "runs";
      const name = namedUser(app, check)!.name;
      out.push(finding("relayed-user-id", fn.id, call, `${fn.id} ${does} ${call.ref} with ${param}: ${what}, not the caller's own id: ${callee.id} checks ${ACTING_FOR.get(name) ?? ON_ROW.get(name)} for that user (guard.${name}, ${at.file}:${at.line}), so the call acts as someone else`));
    }
  }
  return out;
}

/**
 * The `*For` checks a function makes, in its body and the app functions it calls, as the report's
 * authorization column shows them (`guard.requireRoleFor("moderator")`): those whose throw
 * leaves (not caught, not left unawaited) and, for `readableFor`, whose answer is used.
 */
export function namedChecks(app: App, fn: ts.Node): string[] {
  const out = new Set<string>();
  const seen = new Set<ts.Node>();
  const walk = (f: ts.Node): void => {
    if (seen.has(f)) return;
    seen.add(f);
    const visit = (n: ts.Node): void => {
      const name = forCall(app, n);
      if (name !== undefined) {
        const call = n as ts.CallExpression;
        const unchecked = (name === "readableFor" && unused(call)) || (name === "groupLevelFor" && answerExit(app, "groupLevel", call) === undefined); // groupLevelFor's null left on (readable.ts)
        if (!swallowed(call, enclosingFunction(call) ?? f, true) && !unchecked) out.add(`${guardShown(call, false)}.${name}${firstLiteral(call)}`);
      } else if (ts.isCallExpression(n)) {
        const helper = app.appFunction(n);
        if (helper !== undefined) walk(helper);
      }
      ts.forEachChild(n, visit);
    };
    visit(f);
  };
  walk(fn);
  return [...out];
}
