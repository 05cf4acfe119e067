// A change a public mutation makes on a branch that returns before its check (gapsb `mutBranch`):
// that path has no check, whatever the code after the branch checks. The check still holds for
// what runs after it. Run the way a user runs it: the bin of the packed tarball (AUDIT_CLI names another).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, scratchApp, ANY_API as API } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const RULES = ["public-no-auth", "unchecked-id-delete", "unchecked-id-write", "unchecked-id-read"];
const HEAD = `import { v } from "convex/values";
import { internalMutation, mutation, query } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

export const purge = internalMutation({ args: { postId: v.id("posts") }, handler: async (ctx, { postId }) => { await ctx.db.delete(postId); } });
async function requireAdmin(ctx: any) {
  await guard.requireRole(ctx, "admin");
}
const ARGS = { postId: v.id("posts"), postIds: v.array(v.id("posts")), dry: v.boolean(), mode: v.string() };
`;
const fn = (name, kind, body) => `export const ${name} = ${kind}({ args: ARGS, handler: async (ctx, { postId, postIds, dry, mode }) => {\n${body}\n} });\n`;

/** Audits the functions and answers, per function, its findings of RULES as `rule line`, and `line(name, text)`: the line of `text` in that function. */
function run(name, cases) {
  const source = HEAD + Object.entries(cases).map(([n, [kind, body]]) => fn(n, kind, body)).join("");
  const r = auditReport(cli, scratchApp("earlybranch", name, { ...API, "b.ts": source }));
  const lines = source.split("\n");
  const of = (n) => r.findings.filter((f) => f.function === `b:${n}` && RULES.includes(f.rule)).map((f) => `${f.rule} ${f.line}`).sort();
  const line = (n, text) => {
    const start = lines.findIndex((l) => l.startsWith(`export const ${n} =`));
    return start + lines.slice(start).findIndex((l) => l.includes(text)) + 1;
  };
  return { r, of, line, at: (n) => line(n, `export const ${n} =`) };
}

test("a change on a branch that returns before the check is judged with no check (gapsb mutBranch); what follows the check is judged with it", () => {
  const { r, of, line, at } = run("positive", {
    deleteBranch: ["mutation", `  if (dry) { await ctx.db.delete(postId); return; }
  await guard.requireRole(ctx, "admin");
  await ctx.db.patch(postId, { title: "x" });`],
    patchBranch: ["mutation", `  if (dry) { await ctx.db.patch(postId, { title: "x" }); return; }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    insertBranch: ["mutation", `  if (dry) { await ctx.db.insert("posts", { title: "x" }); return; }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    scheduleBranch: ["mutation", `  if (dry) { await ctx.scheduler.runAfter(0, internal.b.purge, { postId }); return; }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    caseBranch: ["mutation", `  switch (mode) { case "dry": await ctx.db.delete(postId); return; default: break; }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    helperCheck: ["mutation", `  if (dry) { await ctx.db.delete(postId); return; }
  await requireAdmin(ctx);
  await ctx.db.delete(postId);`],
    documentCheck: ["mutation", `  if (dry) { await ctx.db.delete(postId); return; }
  await guard.requireAccess(ctx, "posts", postId, "owner");
  await ctx.db.delete(postId);`],
    secondBranch: ["mutation", `  await guard.requireUser(ctx);
  if (dry) { await ctx.db.delete(postId); return; }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    readBranch: ["query", `  if (dry) return await ctx.db.get(postId);
  await guard.requireRole(ctx, "admin");
  return null;`],
  });
  const branch = (n) => line(n, "if (dry)");
  assert.deepEqual(of("deleteBranch"), [`public-no-auth ${at("deleteBranch")}`, `unchecked-id-delete ${branch("deleteBranch")}`]);
  const message = r.findings.find((f) => f.function === "b:deleteBranch" && f.rule === "public-no-auth").message;
  assert.match(message, new RegExp(`deletes at line ${branch("deleteBranch")}, then returns at line ${branch("deleteBranch")}, before the check at line ${line("deleteBranch", "requireRole")}`));
  assert.deepEqual(of("patchBranch"), [`public-no-auth ${at("patchBranch")}`, `unchecked-id-write ${branch("patchBranch")}`]);
  assert.deepEqual(of("insertBranch"), [`public-no-auth ${at("insertBranch")}`]);
  assert.deepEqual(of("scheduleBranch"), [`public-no-auth ${at("scheduleBranch")}`, `unchecked-id-delete ${branch("scheduleBranch")}`]);
  assert.deepEqual(of("caseBranch"), [`public-no-auth ${at("caseBranch")}`, `unchecked-id-delete ${line("caseBranch", "switch")}`]);
  assert.deepEqual(of("helperCheck"), [`public-no-auth ${at("helperCheck")}`, `unchecked-id-delete ${branch("helperCheck")}`]);
  assert.deepEqual(of("documentCheck"), [`public-no-auth ${at("documentCheck")}`, `unchecked-id-delete ${branch("documentCheck")}`]);
  // Signed in, not an admin, on that branch: no public-no-auth, the delete for any signed-in caller.
  assert.deepEqual(of("secondBranch"), [`unchecked-id-delete ${branch("secondBranch")}`]);
  assert.match(r.findings.find((f) => f.function === "b:secondBranch" && f.rule === "unchecked-id-delete").message, /for any signed-in caller/);
  assert.deepEqual(of("readBranch"), [`public-no-auth ${at("readBranch")}`, `unchecked-id-read ${branch("readBranch")}`]);
});

test("a branch that changes nothing (returns a constant, reads only), throws, checks on its own, or is not before the check keeps the check", () => {
  const { of } = run("negative", {
    constant: ["mutation", `  if (dry) { return null; }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    throws: ["mutation", `  if (dry) { await ctx.db.delete(postId); throw new Error("dry"); }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    readsOnly: ["mutation", `  if (dry) { const post = await ctx.db.get(postId); if (post === null) return false; return true; }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    logsOnly: ["mutation", `  if (dry) { console.log("dry run", postId); return; }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    checkFirst: ["mutation", `  await guard.requireRole(ctx, "admin");
  if (dry) { await ctx.db.delete(postId); return; }
  await ctx.db.patch(postId, { title: "x" });`],
    branchAfter: ["mutation", `  await guard.requireRole(ctx, "admin");
  await ctx.db.patch(postId, { title: "x" });
  if (dry) { await ctx.db.delete(postId); return; }`],
    branchChecks: ["mutation", `  if (dry) { await guard.requireRole(ctx, "admin"); await ctx.db.delete(postId); return; }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    callbackReturn: ["mutation", `  await Promise.all(postIds.map(async (id) => { if (dry) { await ctx.db.delete(id); return; } }));
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    loopContinue: ["mutation", `  for (const id of postIds) { if (dry) { await ctx.db.delete(id); continue; } }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    queryConstant: ["query", `  if (dry) return 0;
  await guard.requireRole(ctx, "admin");
  return await ctx.db.get(postId);`],
  });
  for (const n of ["constant", "throws", "readsOnly", "logsOnly", "checkFirst", "branchAfter", "branchChecks", "callbackReturn", "loopContinue", "queryConstant"]) assert.deepEqual(of(n), [], n);
});

test("a change whose path leaves past the check another way is judged with no check (attack36 F2): a labelled break, a throw or a denial a catch swallows, a change in the if's condition, a switch fallthrough", () => {
  const { of, line, at, r } = run("jumps", {
    labelBreak: ["mutation", `  out: { if (dry) { await ctx.db.patch(postId, { title: "x" }); break out; }
    await guard.requireRole(ctx, "admin");
    await ctx.db.delete(postId); }
  return null;`],
    throwCaught: ["mutation", `  try { if (dry) { await ctx.db.patch(postId, { title: "x" }); throw new Error("dry run done"); }
    await guard.requireRole(ctx, "admin");
    await ctx.db.delete(postId); }
  catch (e) { return null; }`],
    inCondition: ["mutation", `  if (dry && (await ctx.db.patch(postId, { title: "x" })) === undefined) return null;
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    fallthrough: ["mutation", `  switch (mode) { case "dry": await ctx.db.patch(postId, { title: "x" }); case "noop": return null; }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    deniedToCatch: ["mutation", `  await ctx.db.patch(postId, { title: "x" });
  try { await guard.requireRole(ctx, "admin"); } catch (e) { return null; }
  await ctx.db.delete(postId);`],
    laterReturn: ["mutation", `  if (dry) { await ctx.db.patch(postId, { title: "x" }); }
  if (mode === "skip") return null;
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
  });
  for (const n of ["labelBreak", "throwCaught", "inCondition", "fallthrough", "deniedToCatch", "laterReturn"]) assert.deepEqual(of(n), [`public-no-auth ${at(n)}`, `unchecked-id-write ${line(n, "ctx.db.patch")}`], n);
  const message = (n) => r.findings.find((f) => f.function === `b:${n}` && f.rule === "public-no-auth").message;
  assert.match(message("labelBreak"), new RegExp(`patches at line ${line("labelBreak", "out:")}, then breaks out of "out" at line ${line("labelBreak", "out:")}, before the check`));
  assert.match(message("throwCaught"), new RegExp(`then throws at line ${line("throwCaught", "try {")} to a catch that returns, before the check at line ${line("throwCaught", "requireRole")}`));
  assert.match(message("fallthrough"), /then returns at line/);
  assert.match(message("deniedToCatch"), new RegExp(`patches at line ${line("deniedToCatch", "ctx.db.patch")}, then the check at line ${line("deniedToCatch", "requireRole")} throws to a catch that returns`));
});

test("the same shapes with the check on every path, or a catch that throws again, keep the check", () => {
  const { of } = run("jumpsChecked", {
    breakBeforeCheck: ["mutation", `  out: { if (dry) { await ctx.db.patch(postId, { title: "x" }); break out; } }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    rethrows: ["mutation", `  try { if (dry) { await ctx.db.patch(postId, { title: "x" }); throw new Error("dry"); } await guard.requireRole(ctx, "admin"); await ctx.db.delete(postId); }
  catch (e) { console.log(e); throw e; }`],
    checkAfterTry: ["mutation", `  try { if (dry) { await ctx.db.patch(postId, { title: "x" }); throw new Error("dry"); } } catch (e) { console.log(e); }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    conditionChecked: ["mutation", `  if (dry && (await ctx.db.patch(postId, { title: "x" })) === undefined) { await guard.requireRole(ctx, "admin"); return null; }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    fallthroughChecked: ["mutation", `  switch (mode) { case "dry": await ctx.db.patch(postId, { title: "x" }); case "noop": await guard.requireRole(ctx, "admin"); return null; }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    caseBreaks: ["mutation", `  switch (mode) { case "dry": await ctx.db.patch(postId, { title: "x" }); break; case "noop": return null; }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    caseBlockBreaks: ["mutation", `  switch (mode) { case "dry": { await ctx.db.patch(postId, { title: "x" }); break; } case "noop": return null; }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    deniedRethrown: ["mutation", `  await ctx.db.patch(postId, { title: "x" });
  try { await guard.requireRole(ctx, "admin"); } catch (e) { console.log(e); throw e; }
  await ctx.db.delete(postId);`],
    changeAfterDenial: ["mutation", `  try { await guard.requireRole(ctx, "admin"); } catch (e) { return null; }
  await ctx.db.patch(postId, { title: "x" });`],
    otherBranch: ["mutation", `  if (dry) { await ctx.db.patch(postId, { title: "x" }); } else { return null; }
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`],
    checkedInIteration: ["mutation", `  for (const id of postIds) { if (id === postId) continue; await ctx.db.delete(id); await guard.requireRole(ctx, "admin"); }`],
  });
  for (const n of ["breakBeforeCheck", "rethrows", "checkAfterTry", "conditionChecked", "fallthroughChecked", "caseBreaks", "caseBlockBreaks", "deniedRethrown", "changeAfterDenial", "otherBranch", "checkedInIteration"]) assert.deepEqual(of(n), [], n);
});

/** Each function's findings of RULES, and what `positives` should find: public-no-auth and unchecked-id-write at its patch; the others none. */
function judged(name, positives, negatives) {
  const { of, line, at, r } = run(name, { ...positives, ...negatives });
  const names = [...Object.keys(positives), ...Object.keys(negatives)];
  const want = (n) => (n in positives ? [`public-no-auth ${at(n)}`, `unchecked-id-write ${line(n, "ctx.db.patch")}`] : []);
  assert.deepEqual(Object.fromEntries(names.map((n) => [n, of(n)])), Object.fromEntries(names.map((n) => [n, want(n)])));
  return { line, message: (n) => r.findings.find((f) => f.function === `b:${n}` && f.rule === "public-no-auth").message };
}
const TAIL = `
  await guard.requireRole(ctx, "admin");
  await ctx.db.delete(postId);`;

test("a change in a callback called on the branch (a .map, an IIFE, a Promise executor, .call, .apply, .bind()(): attack38 F3) is on its path; one that only reads, checks first, or is not called there is not (the final read)", () => {
  judged(
    "callbacks",
    {
      callbackBranch: ["mutation", `  if (dry) { await Promise.all(postIds.map((id) => ctx.db.patch(id, { title: "x" }))); return; }${TAIL}`],
      iifeBranch: ["mutation", `  if (dry) { await (async () => { await ctx.db.patch(postId, { title: "x" }); })(); return; }${TAIL}`],
      executorBranch: ["mutation", `  if (dry) { await new Promise((r) => r(ctx.db.patch(postId, { title: "x" }))); return; }${TAIL}`],
      callBranch: ["mutation", `  if (dry) { await (async function () { await ctx.db.patch(postId, { title: "x" }); }).call(null); return; }${TAIL}`],
      applyBranch: ["mutation", `  if (dry) { await (async function () { await ctx.db.patch(postId, { title: "x" }); }).apply(null, []); return; }${TAIL}`],
      bindBranch: ["mutation", `  if (dry) { await (async function () { await ctx.db.patch(postId, { title: "x" }); }).bind(null)(); return; }${TAIL}`],
    },
    {
      callbackChecked: ["mutation", `  if (dry) { await requireAdmin(ctx); await Promise.all(postIds.map((id) => ctx.db.patch(id, { title: "x" }))); return; }${TAIL}`],
      callbackReads: ["mutation", `  if (dry) { await Promise.all(postIds.map((id) => ctx.db.get(id))); return; }${TAIL}`],
      iifeReads: ["mutation", `  if (dry) { await (async () => { await ctx.db.get(postId); })(); return; }${TAIL}`],
      notCalled: ["mutation", `  const touch = async (id: any) => { await ctx.db.patch(id, { title: "x" }); };
  if (dry) return;
  await guard.requireRole(ctx, "admin");
  await touch(postId);`],
      boundNotCalled: ["mutation", `  const later = (async function () { await ctx.db.patch(postId, { title: "x" }); }).bind(null);
  if (dry) return;
  await guard.requireRole(ctx, "admin");
  await later();`],
      executorNotCalled: ["mutation", `  const make = () => new Promise((r) => r(ctx.db.patch(postId, { title: "x" })));
  if (dry) return;
  await guard.requireRole(ctx, "admin");
  await make();`],
    },
  );
});

test("a change in a finally that a return before the check leaves through is on its path; checked first in the finally, or a throw a catch goes on after, is not (the final read)", () => {
  const { line, message } = judged(
    "finally",
    { finallyReturn: ["mutation", `  try { if (dry) return; } finally { await ctx.db.patch(postId, { title: "x" }); }${TAIL}`] },
    {
      finallyChecked: ["mutation", `  try { if (dry) return; } finally { await guard.requireRole(ctx, "admin"); await ctx.db.patch(postId, { title: "x" }); }${TAIL}`],
      finallyGoesOn: ["mutation", `  try { if (dry) throw new Error("dry"); } catch (e) { console.log(e); } finally { await ctx.db.patch(postId, { title: "x" }); }${TAIL}`],
    },
  );
  assert.match(message("finallyReturn"), new RegExp(`patches at line ${line("finallyReturn", "try {")}, then returns at line ${line("finallyReturn", "try {")}, before the check`));
});

test("in a loop, a change in one branch of an if or switch and a return in another are on one path, over two iterations; a check after the change in its iteration, or no loop, keeps the check (the final read)", () => {
  judged(
    "loops",
    {
      loopElse: ["mutation", `  for (const id of postIds) { if (id === postId) { return; } else { await ctx.db.patch(id, { title: "x" }); } }${TAIL}`],
      loopSwitch: ["mutation", `  for (const id of postIds) { switch (id === postId ? "stop" : "go") { case "go": await ctx.db.patch(id, { title: "x" }); break; case "stop": return; } }${TAIL}`],
    },
    {
      loopElseChecked: ["mutation", `  for (const id of postIds) { if (id === postId) { return; } else { await ctx.db.patch(id, { title: "x" }); } await guard.requireRole(ctx, "admin"); }`],
      loopSwitchChecked: ["mutation", `  for (const id of postIds) { switch (id === postId ? "stop" : "go") { case "go": await ctx.db.patch(id, { title: "x" }); break; case "stop": return; } await guard.requireRole(ctx, "admin"); }`],
      noLoopElse: ["mutation", `  if (dry) { return; } else { await ctx.db.patch(postId, { title: "x" }); }${TAIL}`],
    },
  );
});

// fpleft: a change followed by a break that leaves the loop is never followed by a return in that loop.
test("in a loop, a change followed by a break out of the loop and a return after it in the loop are on no one path: the check kept; a break that leaves a switch only, a continue, a loop around the loop, or the break itself skipping a check in the loop: judged with no check", () => {
  judged(
    "loopbreak",
    {
      breaksSwitch: ["mutation", `  for (const id of postIds) { switch (mode) { case "x": { await ctx.db.patch(id, { title: "x" }); break; } } if (dry) return; }${TAIL}`],
      continues: ["mutation", `  for (const id of postIds) { if (id === postId) { await ctx.db.patch(id, { title: "x" }); continue; } if (dry) return; }${TAIL}`],
      outerLoop: ["mutation", `  for (const m of [1, 2]) { for (const id of postIds) { if (dry) return; if (id === postId) { await ctx.db.patch(id, { title: "x" }); break; } } }${TAIL}`],
      breakSkips: ["mutation", `  for (const id of postIds) { if (id === postId) { await ctx.db.patch(id, { title: "x" }); break; } await guard.requireRole(ctx, "admin"); }`],
    },
    {
      breaksLoop: ["mutation", `  for (const id of postIds) { if (id === postId) { await ctx.db.patch(id, { title: "x" }); break; } if (dry) return; }${TAIL}`],
      breaksWhile: ["mutation", `  let i = 0;\n  while (i < postIds.length) { if (postIds[i] === postId) { await ctx.db.patch(postIds[i]!, { title: "x" }); break; } if (dry) return; i++; }${TAIL}`],
    },
  );
});
