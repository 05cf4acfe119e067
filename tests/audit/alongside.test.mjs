// An outside review of the audit (attack47 F1, F2): in an action or an HTTP action, what
// `ctx.runMutation`, `runAction`, a schedule or `fetch` starts is committed (or sent) on its own, so
// a check or a rate limit protects only what starts after it has settled. One awaited in the same
// `Promise.all` as the work, or a promise started before it and awaited after, runs alongside it:
// a signed-out caller is refused, yet the document is deleted; a refused caller has already sent
// the text. A rate limit taken after the work limits none of it either. A check beside the work in
// a mutation still holds (its throw rolls the work back), and a check and a limit taken together
// before the work hold. Run the way a user runs it: the bin of the packed tarball (AUDIT_CLI
// names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, scratchApp, ANY_API as API } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const HEAD = `import { v } from "convex/values";
import { action, httpAction, internalAction, internalMutation, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

export const purge = internalMutation({ args: { id: v.id("posts") }, handler: async (ctx, { id }) => { await ctx.db.delete(id); } });
export const generate = internalAction({ args: { prompt: v.string() }, handler: async (_ctx, { prompt }) => prompt });
export const note = internalMutation({ args: {}, handler: async () => null });
`;
/** `rule line` of a function's findings among `rules`. */
const of = (r, id, ...rules) => r.findings.filter((f) => f.function === id && rules.includes(f.rule)).map((f) => `${f.rule} ${f.line}`).sort();
const AUTH = ["public-no-auth", "unchecked-id-delete"];

test("a check awaited alongside an action's runMutation or runAction (Promise.all, a promise awaited later) holds nothing for it (attack47 F1)", () => {
  const r = auditReport(
    cli,
    scratchApp("alongside", "checks", {
      ...API,
      "par.ts": `${HEAD}
export const adminPurge = action({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const [admin] = await Promise.all([
      guard.requireRole(ctx, "admin"),
      ctx.runMutation(internal.par.purge, { id }),
    ]);
    return admin._id;
  },
});
export const ask = action({
  args: { prompt: v.string() },
  handler: async (ctx, { prompt }): Promise<string> => {
    const [user, answer] = await Promise.all([guard.requireUser(ctx), ctx.runAction(internal.par.generate, { prompt })]);
    return user._id + answer;
  },
});
export const startedFirst = action({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const checking = guard.requireRole(ctx, "admin");
    await ctx.runMutation(internal.par.purge, { id });
    await checking;
  },
});
export const hookPurge = httpAction(async (ctx, req) => {
  const { id } = await req.json();
  await Promise.all([guard.requireRole(ctx, "admin"), ctx.runMutation(internal.par.purge, { id })]);
  return new Response("ok");
});
// Work started after the check has settled is held by it.
export const fetchFirst = action({
  args: { body: v.string() },
  handler: async (ctx, { body }) => {
    await fetch("https://hooks.example/v1/post", { method: "POST", body });
    await guard.requireUser(ctx);
  },
});
export const logThenPurge = action({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await Promise.all([guard.requireRole(ctx, "admin"), ctx.runMutation(internal.par.note, {})]);
    await ctx.runMutation(internal.par.purge, { id });
  },
});
`,
    }),
  );
  assert.deepEqual(of(r, "par:adminPurge", ...AUTH), ["public-no-auth 10", "unchecked-id-delete 15"]);
  assert.match(r.findings.find((f) => f.function === "par:adminPurge" && f.rule === "public-no-auth").message, /guard\.requireRole\("admin"\) \(convex\/par\.ts:14\), made alongside ctx\.runMutation \(convex\/par\.ts:15\), whose work an action does not undo/);
  assert.deepEqual(of(r, "par:ask", ...AUTH), ["public-no-auth 20"]);
  assert.deepEqual(of(r, "par:startedFirst", ...AUTH), ["public-no-auth 27", "unchecked-id-delete 31"]);
  assert.deepEqual(of(r, "par:hookPurge", "public-no-auth"), ["public-no-auth 35"]);
  assert.match(r.findings.find((f) => f.function === "par:hookPurge" && f.rule === "public-no-auth").message, /made alongside ctx\.runMutation/);
  // The note runs beside the check (public-no-auth), the purge after it (no unchecked-id-delete).
  assert.deepEqual(of(r, "par:logThenPurge", ...AUTH), ["public-no-auth 48"]);
  // A request an action sent is sent: a check after it holds nothing for it.
  assert.match(r.findings.find((f) => f.function === "par:fetchFirst" && f.rule === "public-no-auth").message, /made after fetch \(convex\/par\.ts:44\)/);
});

test("a check taken before the work, or beside a read or another check, or beside the work in a mutation, holds", () => {
  const r = auditReport(
    cli,
    scratchApp("alongside", "holds", {
      ...API,
      "ok.ts": `${HEAD}
export const checkedFirst = action({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const [admin] = await Promise.all([guard.requireRole(ctx, "admin"), guard.rateLimit(ctx, "write", { key: "global" })]);
    await ctx.runMutation(internal.ok.purge, { id });
    return admin._id;
  },
});
export const besideRead = action({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const [user] = await Promise.all([guard.requireRole(ctx, "admin"), ctx.runQuery(internal.ok.note, {})]);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.runMutation(internal.ok.purge, { id });
  },
});
export const startedThenAwaited = action({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const checking = guard.requireRole(ctx, "admin");
    const admin = await checking;
    await guard.rateLimit(ctx, "write", { key: admin._id });
    await ctx.runMutation(internal.ok.purge, { id });
  },
});
export const inMutation = mutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const [admin] = await Promise.all([guard.requireRole(ctx, "admin"), ctx.scheduler.runAfter(0, internal.ok.purge, { id })]);
    await guard.rateLimit(ctx, "write", { key: admin._id });
  },
});
`,
    }),
  );
  const judged = r.findings.filter((f) => ["public-no-auth", "unchecked-id-delete", "public-no-rate-limit"].includes(f.rule)).map((f) => `${f.rule} ${f.function}`);
  assert.deepEqual(judged, []);
  assert.equal(r.functions.find((f) => f.function === "ok:checkedFirst")?.auth, "role");
});

test("a rate limit an action takes after or alongside its runAction, runMutation or fetch limits nothing (attack47 F2); taken first, it limits", () => {
  const r = auditReport(
    cli,
    scratchApp("alongside", "limits", {
      ...API,
      "sms.ts": `${HEAD}
export const limitAfter = action({
  args: { phone: v.string() },
  handler: async (ctx, { phone }) => {
    const user = await guard.requireUser(ctx);
    await ctx.runAction(internal.sms.generate, { prompt: phone });
    await guard.rateLimit(ctx, "write", { key: user._id });
  },
});
export const limitBeside = action({
  args: { phone: v.string() },
  handler: async (ctx, { phone }) => {
    const user = await guard.requireUser(ctx);
    await Promise.all([guard.rateLimit(ctx, "write", { key: user._id }), ctx.runAction(internal.sms.generate, { prompt: phone })]);
  },
});
export const limitAfterFetch = action({
  args: { phone: v.string() },
  handler: async (ctx, { phone }) => {
    const user = await guard.requireUser(ctx);
    await fetch("https://sms.example/v1/messages", { method: "POST", body: phone });
    await guard.rateLimit(ctx, "write", { key: user._id });
  },
});
export const hookLimitAfter = httpAction(async (ctx, req) => {
  const user = await guard.requireUser(ctx);
  await ctx.runMutation(internal.sms.note, {});
  const limit = await guard.rateLimit(ctx, "write", { key: user._id, throws: false });
  if (!limit.ok) return new Response("slow down", { status: 429 });
  return new Response(await req.text());
});
export const limitFirst = action({
  args: { phone: v.string() },
  handler: async (ctx, { phone }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.runAction(internal.sms.generate, { prompt: phone });
    await fetch("https://sms.example/v1/messages", { method: "POST", body: phone });
  },
});
`,
    }),
  );
  const limits = r.findings.filter((f) => f.rule === "public-no-rate-limit").map((f) => f.function).sort();
  assert.deepEqual(limits, ["sms:hookLimitAfter", "sms:limitAfter", "sms:limitAfterFetch", "sms:limitBeside"]);
  const late = r.findings.find((f) => f.rule === "public-no-rate-limit" && f.function === "sms:limitAfter");
  assert.match(late.message, /has no rate limit that limits all its work: it calls rate limit 'write' \(convex\/sms\.ts:15\), taken after ctx\.runAction \(convex\/sms\.ts:14\), which runs whether or not the limit refuses$/);
  assert.match(late.fix, /^Take the limit first/);
  assert.match(r.findings.find((f) => f.rule === "public-no-rate-limit" && f.function === "sms:limitBeside").message, /taken alongside ctx\.runAction/);
  assert.match(r.findings.find((f) => f.rule === "public-no-rate-limit" && f.function === "sms:limitAfterFetch").message, /taken after fetch \(convex\/sms\.ts:29\)/);
  assert.match(r.findings.find((f) => f.rule === "public-no-rate-limit" && f.function === "sms:hookLimitAfter").message, /calls ctx\.runMutation \(convex\/sms\.ts:35\) with no rate limit that holds \(it calls rate limit 'write' \(convex\/sms\.ts:36\), taken after ctx\.runMutation/);
  // The signed-in check before the work still holds.
  assert.deepEqual(r.findings.filter((f) => f.rule === "public-no-auth").map((f) => f.function), []);
});

test("a fetch that only reads (no init, or a literal GET or HEAD without body) before the check and the limit is no work, as ctx.runQuery (finalread32 M1); one that may send is", () => {
  /** An action that fetches with `call` (`${url}` the URL), then checks, limits and runs the work; `beside`: the fetch awaited alongside the check. */
  const act = (name, call, beside = false) => `
export const ${name} = action({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    const url = \`https://api.example.com/rates/\${id}\`;
${beside ? `    const [me] = await Promise.all([guard.requireRole(ctx, "admin"), ${call}]);` : `    const res = await ${call};\n    if (!res.ok) return null;\n    const me = await guard.requireRole(ctx, "admin");`}
    await guard.rateLimit(ctx, "write", { key: me._id });
    await ctx.runMutation(internal.rates.purge, { id });
  },
});
`;
  const r = auditReport(
    cli,
    scratchApp("alongside", "gets", {
      ...API,
      "rates.ts": `${HEAD}
const INIT = { method: "GET" };
${act("plainGet", 'fetch("https://api.example.com/rates")')}${act("urlGet", "fetch(new URL(url))")}${act("literalGet", 'fetch(url, { method: "get", headers: { accept: "application/json" } })')}${act("headBeside", 'fetch(url, { method: "HEAD" })', true)}${act("noMethod", "fetch(url, { cache: \"no-store\" })")}
${act("post", 'fetch(url, { method: "POST", body: "{}" })')}${act("put", 'fetch(url, { method: "PUT" })')}${act("getWithBody", 'fetch(url, { body: "x" })')}${act("heldInit", "fetch(url, INIT)")}${act("request", 'fetch(new Request(url, { method: "DELETE" }))')}${act("postBeside", 'fetch(url, { method: "POST" })', true)}
// The same fetch by another name (attack48 F12): globalThis's, or a const holding it.
const send = fetch;
${act("globalPost", 'globalThis.fetch(url, { method: "POST" })', true)}${act("aliasPost", 'send(url, { method: "POST" })')}${act("globalGet", "globalThis.fetch(url)")}`,
    }),
  );
  const SENDS = ["rates:aliasPost", "rates:getWithBody", "rates:globalPost", "rates:heldInit", "rates:post", "rates:postBeside", "rates:put", "rates:request"];
  assert.deepEqual(r.findings.filter((f) => f.rule === "public-no-auth").map((f) => f.function).sort(), SENDS);
  assert.deepEqual(r.findings.filter((f) => f.rule === "public-no-rate-limit").map((f) => f.function).sort(), SENDS);
  assert.match(r.findings.find((f) => f.rule === "public-no-auth" && f.function === "rates:put").message, /made after fetch \(convex\/rates\.ts:\d+\)/);
  assert.match(r.findings.find((f) => f.rule === "public-no-auth" && f.function === "rates:postBeside").message, /alongside fetch/);
});
