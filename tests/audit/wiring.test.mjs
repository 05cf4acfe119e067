// `wiring-missing`: a new user deleted convex/guardFunctions.ts and the audit said nothing, though
// the app's `guard.safeAction(...)` (and every guard check in an action) needs the guard's
// internal functions exported there, and its audit rows the log mutation of convex/audit.ts:
// without them every call fails closed with a GuardConfigError, found only at the first call.
// Small apps written at test time, run the way a user runs the audit: the bin of the packed
// tarball (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { auditReport, pitfalls, scratchApp, WIRING } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const app = (name, files, guard) => scratchApp("wiring", name, files, guard);
const report = (appRoot, flags) => auditReport(cli, appRoot, flags);
const wiring = (r) => r.findings.filter((f) => f.rule === "wiring-missing");
const found = (r) => wiring(r).map((f) => `${f.file}:${f.line} ${f.function} ${f.severity}`).sort();
const pitfallsGuard = readFileSync(`${pitfalls}/guard.ts`, "utf8");
/** The pitfalls guard with `key` added to its configuration. */
const guardWith = (key) => pitfallsGuard.replace("  roles: [", `  ${key}\n  roles: [`);

const HEAD = `import { v } from "convex/values";
import { action, internalAction, internalMutation, internalQuery, mutation } from "./_generated/server";
import { guard } from "./guard";
`;

/** A safe action, a check in an action, a limit in an internal action, and the same check in a mutation (no wiring needed). */
const PAYMENTS =
  HEAD +
  `
export const charge = action(
  guard.safeAction({
    name: "payments.charge",
    args: { amount: v.number() },
    rateLimit: { name: "write" },
    handler: async (_ctx, { amount }) => ({ amount }),
  }),
);

export const summarize = action({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    return user._id;
  },
});

export const nightly = internalAction({
  args: {},
  handler: async (ctx) => {
    await guard.rateLimit(ctx, "write", { key: "global" });
  },
});

export const rename = mutation({
  args: { name: v.string() },
  handler: async (ctx, { name }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.db.patch(user._id, { name });
  },
});
`;

const { "guardFunctions.ts": WIRED, "audit.ts": LOG } = WIRING;

test("guardFunctions.ts deleted: each use in an action is reported where it is, naming the line to add and its file", () => {
  const dir = app("deleted", { "payments.ts": PAYMENTS, "audit.ts": LOG });
  const r = report(dir);
  assert.deepEqual(found(r), [
    "convex/payments.ts:17 payments:summarize medium",
    "convex/payments.ts:25 payments:nightly medium",
    "convex/payments.ts:6 payments:charge medium",
  ]);
  const charge = wiring(r).find((f) => f.function === "payments:charge");
  assert.match(charge.message, /guard\.safeAction\(\.\.\.\) runs through functions the app exports for the guard \(getUser and rateLimit of convex\/guardFunctions\.ts\), and convex\/guardFunctions\.ts does not exist: every call fails closed with a GuardConfigError/);
  assert.equal(
    charge.fix,
    'Add `export const { getUser, rateLimit } = guard.internalFunctions(internalQuery, internalMutation);` in convex/guardFunctions.ts (internalQuery and internalMutation from convex/_generated/server, guard from convex/guard.ts) (README: "Wiring the guard checks").',
  );
  assert.match(wiring(r).find((f) => f.function === "payments:nightly").message, /guard\.rateLimit\(\.\.\.\) in an action .*\(rateLimit of convex\/guardFunctions\.ts\)/);
  // Medium: it fails closed, so the default --fail-on high passes; CI at medium fails.
  const run = (flags) => spawnSync(process.execPath, [cli, "audit", "convex", ...flags], { cwd: dir, encoding: "utf8" });
  assert.equal(run([]).status, 0);
  const medium = run(["--fail-on", "medium"]);
  assert.equal(medium.status, 1);
  assert.match(medium.stdout, /MEDIUM {2}wiring-missing {2}convex\/payments\.ts:6 {2}payments:charge/);
});

test("audit.ts missing too: a safe action names both lines; a check in a helper is reported at the helper, reached from an action", () => {
  const helper = `import { guard } from "../guard";
export async function currentUser(ctx: any) {
  return await guard.requireRole(ctx, "admin");
}
`;
  const reports = HEAD.replace('"./guard"', '"./guard";\nimport { currentUser } from "./lib/users"') + `
export const report = action({ args: {}, handler: async (ctx) => (await currentUser(ctx))._id });
`;
  const r = report(app("no-log", { "payments.ts": PAYMENTS, "reports.ts": reports, "lib/users.ts": helper }));
  const charge = wiring(r).find((f) => f.function === "payments:charge");
  assert.match(charge.message, /convex\/guardFunctions\.ts does not exist; convex\/audit\.ts does not exist/);
  assert.match(charge.fix, /; add `export const log = guard\.audit\.logMutation\(internalMutation\);` in convex\/audit\.ts \(internalMutation from convex\/_generated\/server, guard from convex\/guard\.ts\)/);
  assert.ok(found(r).includes("convex/lib/users.ts:3 convex/lib/users.ts medium"), found(r).join("\n"));
  // The wiring present: nothing, the helper's check included.
  const wired = report(app("no-log-wired", { "payments.ts": PAYMENTS, "reports.ts": reports, "lib/users.ts": helper, "guardFunctions.ts": WIRED, "audit.ts": LOG }));
  assert.deepEqual(found(wired), []);
});

test("a renamed actions.module and audit.logFunction are where the audit looks, not the defaults", () => {
  const guard = guardWith('actions: { module: "lib/guardFns" },').replace(
    'confirmations: { redactEnv: ["PAYMENT_KEY"] },',
    'confirmations: { redactEnv: ["PAYMENT_KEY"], audit: { logFunction: "trail:write" } },',
  );
  // Wired at the defaults, which this guard does not ask.
  const r = report(app("renamed", { "payments.ts": PAYMENTS, "guardFunctions.ts": WIRED, "audit.ts": LOG }, guard));
  const charge = wiring(r).find((f) => f.function === "payments:charge");
  assert.ok(charge, JSON.stringify(r.findings));
  assert.match(charge.message, /getUser and rateLimit of convex\/lib\/guardFns\.ts; write of convex\/trail\.ts/);
  assert.match(charge.fix, /in convex\/lib\/guardFns\.ts .*; add `export const write = guard\.audit\.logMutation\(internalMutation\);` in convex\/trail\.ts/);
  assert.equal(found(r).length, 3);
  // Wired where the configuration says: nothing.
  const fns = WIRED.replaceAll('"./', '"../');
  const trail = LOG.replace("export const log", "export const write");
  assert.deepEqual(found(report(app("renamed-wired", { "payments.ts": PAYMENTS, "lib/guardFns.ts": fns, "trail.ts": trail }, guard))), []);
});

test("a hand-written getUser, an export missing, and another guard's functions are not the guard's", () => {
  const fake = `import { internalMutation, internalQuery } from "./_generated/server";
import { guard } from "./guard";
export const getUser = internalQuery({ args: {}, handler: async () => null });
export const { rateLimit } = guard.internalFunctions(internalQuery, internalMutation);
`;
  const r = report(app("fake", { "payments.ts": PAYMENTS, "guardFunctions.ts": fake, "audit.ts": LOG }));
  // The limit alone asks only rateLimit, which is the guard's.
  assert.deepEqual(found(r), ["convex/payments.ts:17 payments:summarize medium", "convex/payments.ts:6 payments:charge medium"]);
  assert.match(wiring(r)[0].message, /convex\/guardFunctions\.ts exports getUser \(a hand-written internal query\), not the guard's own/);
  assert.match(wiring(r)[0].fix, /^Replace that export with `export const \{ getUser, rateLimit \} = guard\.internalFunctions/);
  const half = `import { internalMutation, internalQuery } from "./_generated/server";
import { guard } from "./guard";
const fns = guard.internalFunctions(internalQuery, internalMutation);
export const getUser = fns.getUser;
`;
  const missing = report(app("half", { "payments.ts": PAYMENTS, "guardFunctions.ts": half, "audit.ts": LOG }));
  assert.deepEqual(found(missing), ["convex/payments.ts:25 payments:nightly medium", "convex/payments.ts:6 payments:charge medium"]);
  assert.match(wiring(missing)[0].message, /convex\/guardFunctions\.ts exports no rateLimit/);
  // Two guards, the second's functions exported in the first's module.
  const guards = `${pitfallsGuard}
export const billing = defineGuard({ roles: ["user"], users: { table: "users" }, rateLimits: { write: { kind: "fixed window", rate: 1, period: MINUTE } } });
`;
  const other = WIRED.replace("{ guard }", "{ billing }").replace("guard.internalFunctions", "billing.internalFunctions");
  const r2 = report(app("another", { "payments.ts": PAYMENTS, "guardFunctions.ts": other, "audit.ts": LOG }, guards));
  assert.equal(found(r2).length, 3);
  assert.match(wiring(r2)[0].message, /exports getUser \(another guard's, convex\/guard\.ts:\d+\)/);
});

test("a correct app, its wiring in any shape the audit can follow, has no finding; what it cannot tell is left alone", () => {
  const spread = `import { internalMutation, internalQuery } from "./_generated/server";
import { guard } from "./guard";
const fns = guard.internalFunctions(internalQuery, internalMutation);
export const { getUser, rateLimit } = fns;
`;
  assert.deepEqual(found(report(app("correct", { "payments.ts": PAYMENTS, "guardFunctions.ts": WIRED, "audit.ts": LOG }))), []);
  assert.deepEqual(found(report(app("correct-const", { "payments.ts": PAYMENTS, "guardFunctions.ts": spread, "audit.ts": LOG }))), []);
  // Made by the app's own function: it may be the guard's, so nothing is said.
  const made = `import { internalMutation, internalQuery } from "./_generated/server";
import { guard } from "./guard";
function wire() {
  return guard.internalFunctions(internalQuery, internalMutation);
}
export const getUser = wire().getUser;
export const rateLimit = wire().rateLimit;
`;
  assert.deepEqual(found(report(app("made", { "payments.ts": PAYMENTS, "guardFunctions.ts": made, "audit.ts": LOG }))), []);
  // A safe action with its own check and no limit asks only the log: no guardFunctions.ts needed.
  const own = HEAD + `
export const ping = action(guard.safeAction({ name: "ping", args: {}, check: async (ctx) => (await ctx.auth.getUserIdentity())?.subject, handler: async () => "pong" }));
`;
  assert.deepEqual(found(report(app("own-check", { "ping.ts": own, "audit.ts": LOG }))), []);
  assert.deepEqual(found(report(app("own-check-no-log", { "ping.ts": own }))), ["convex/ping.ts:5 ping:ping medium"]);
});

test("an actions.module the audit cannot read: no finding, and a warning naming what is not judged", () => {
  const guard = `function moduleName() {\n  return "guardFunctions";\n}\n${guardWith("actions: { module: moduleName() },")}`;
  const r = report(app("unreadable", { "payments.ts": PAYMENTS, "audit.ts": LOG }, guard));
  assert.deepEqual(found(r), []);
  assert.ok(
    r.warnings.some((w) => /`moduleName\(\)` is a function call; ignored because of it: .*wiring-missing/.test(w.message)),
    JSON.stringify(r.warnings),
  );
});

test("a finding of the rule is allowed with its reason, as every rule's", () => {
  const allowed = PAYMENTS.replace("export const summarize", "// convex-guard-allow: wiring-missing deployed with the wiring of another branch\nexport const summarize");
  const r = report(app("allowed", { "payments.ts": allowed, "audit.ts": LOG }));
  assert.equal(found(r).length, 2);
  assert.deepEqual(
    r.allowed.filter((a) => a.rule === "wiring-missing").map((a) => `${a.function}: ${a.reason}`),
    ["payments:summarize: deployed with the wiring of another branch"],
  );
});

test("an HTTP route's handler runs with an action's ctx: its check needs the wiring too, reported as the route", () => {
  const http = `import { httpRouter } from "convex/server";
import { httpAction } from "./_generated/server";
import { guard } from "./guard";
const http = httpRouter();
http.route({
  path: "/hook",
  method: "POST",
  handler: httpAction(async (ctx) => {
    await guard.rateLimit(ctx, "write", { key: "global" });
    return new Response(null, { status: 204 });
  }),
});
export default http;
`;
  const r = report(app("http", { "http.ts": http, "audit.ts": LOG }));
  assert.deepEqual(found(r), ["convex/http.ts:9 http POST /hook medium"]);
  assert.match(wiring(r)[0].message, /^http POST \/hook: guard\.rateLimit\(\.\.\.\) in an action runs through functions the app exports for the guard \(rateLimit of convex\/guardFunctions\.ts\)/);
  assert.deepEqual(found(report(app("http-wired", { "http.ts": http, ...WIRING }))), []);
});
