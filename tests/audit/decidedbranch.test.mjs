// attack47 FP1, FP3, FP4, FP5: correct code the audit reported.
// - FP1: a shorthand property (`{ userId, id }`) gives its key the value of the variable it names,
//   the caller's own id when that is one (`const { _id: userId } = await guard.requireUser(ctx)`),
//   and an argument's row id when that is one (a scheduled delete of it, once missed).
// - FP3: a listing on the side only `guard.roleAtLeast(me, "admin")` / `guard.can(me, perm)` about
//   the caller's own row lets the caller into (`if`, negated `if`, `?:`) is covered; a decision of the
//   lowest role, one held in a `let`, or one about another row covers nothing.
// - FP4: owner-or-admin as the positive test (`if (mine || guard.roleAtLeast(me, "admin")) return doc`,
//   `if (doc && (mine || ...)) { patch }`, `return mine || ... ? doc : null`) covers what it guards.
// - FP5: a denial that logs the refusal (an insert into a table no guard protects) before it returns
//   still leaves; one that inserts into a protected table, or patches, does not.
// Run the way a user runs it: the bin of the packed tarball (AUDIT_CLI names another, to show a
// test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { readFileSync } from "node:fs";
import { ANY_API, auditReport, idFindings, pitfalls, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const HEAD = `import { v } from "convex/values";
import { ConvexError } from "convex/values";
import { internalMutation, mutation, query } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";
`;

/** A public function `name` (query or mutation) with `args`, signed in as `me` (a mutation rate limited), then `body`. */
const fn = (kind, name, args, body) => `
export const ${name} = ${kind}({
  args: ${args},
  handler: async (ctx, args) => {
    const me = await guard.requireUser(ctx);
${kind === "mutation" ? '    await guard.rateLimit(ctx, "write", { key: me._id });\n' : ""}${body}
  },
});
`;
const ALL = 'await ctx.db.query("posts").take(50)';
const OWN = 'await ctx.db.query("posts").withIndex("by_owner", (q) => q.eq("ownerId", me._id)).take(50)';
const ID = '{ id: v.id("posts"), title: v.string() }';
const READ = '    const doc = await ctx.db.get(args.id);\n    if (doc === null) return null;\n';

const report = (name, text, guard) => auditReport(cli, scratchApp("decidedbranch", name, { ...ANY_API, "d.ts": HEAD + text }, guard));
const rules = (r, rule) => r.findings.filter((f) => f.rule === rule).map((f) => f.function).sort();

test("FP1: a shorthand property relays the caller's own id it names", () => {
  const job = `
export const applyEdit = internalMutation({
  args: { userId: v.id("users"), id: v.id("posts"), title: v.string() },
  handler: async (ctx, { userId, id, title }) => {
    const { doc } = await guard.requireAccessFor(ctx, userId, "posts", id, "editor");
    await ctx.db.patch(doc._id, { title });
  },
});
`;
  const relay = (name, take, payload) => `
export const ${name} = mutation({
  args: ${ID},
  handler: async (ctx, { id, title }) => {
${take}
    await guard.rateLimit(ctx, "write", { key: userId });
    await ctx.scheduler.runAfter(0, internal.d.applyEdit, ${payload});
  },
});
`;
  const r = report(
    "fp1",
    job +
      relay("destructured", "    const { _id: userId } = await guard.requireUser(ctx);", "{ userId, id, title }") +
      relay("heldAnswer", "    const userId = (await guard.requireUser(ctx))._id;", "{ userId, id, title }") +
      relay("heldField", "    const me = await guard.requireUser(ctx);\n    const userId = me._id;", "{ userId, id, title }") +
      relay("payloadConst", "    const { _id: userId } = await guard.requireUser(ctx);\n    const payload = { userId, id, title };", "payload") +
      // Still reported: the shorthand names an argument, or a row's owner.
      relay("argument", "    const me = await guard.requireUser(ctx);\n    const userId = (await ctx.db.get(id))!.ownerId;", "{ userId, id, title }"),
  );
  assert.deepEqual(rules(r, "relayed-user-id"), ["d:argument"]);
});

test("FP1, the other way: a shorthand naming an argument's row id (`{ id }` of `const { _id: id } = doc`) relays that id", () => {
  const purge = `
export const purge = internalMutation({
  args: { id: v.id("posts") },
  handler: async (ctx, args) => {
    await guard.audit.log(ctx, { action: "purge", outcome: "success" });
    await ctx.db.delete(args.id);
  },
});
`;
  const relay = (name, payload) => fn("mutation", name, '{ id: v.id("posts") }', `    const { _id: id } = (await ctx.db.get(args.id))!;\n    await ctx.scheduler.runAfter(0, internal.d.purge, ${payload});`);
  const r = report("fp1rows", purge + relay("longhand", "{ id: id }") + relay("shorthand", "{ id }"));
  assert.deepEqual(idFindings(r), ["unchecked-id-delete d:longhand", "unchecked-id-delete d:shorthand"]);
});

test("FP3: a listing of every row on the side only an admin's decision about the caller lets them into", () => {
  const r = report(
    "fp3",
    fn("query", "ifAdmin", "{}", `    if (guard.roleAtLeast(me, "admin")) return ${ALL};\n    return ${OWN};`) +
      fn("query", "negated", "{}", `    if (!guard.roleAtLeast(me, "admin")) {\n      return ${OWN};\n    }\n    return ${ALL};`) +
      fn("query", "ternary", "{}", `    return guard.can(me, "delete:posts")\n      ? ${ALL}\n      : ${OWN};`) +
      fn("query", "held", "{}", `    const isAdmin = guard.roleAtLeast(me, "admin");\n    if (isAdmin) return ${ALL};\n    return ${OWN};`) +
      // Not covered: the lowest role, a `let` answer changed after, another row's role, the sides swapped.
      fn("query", "lowest", "{}", `    if (guard.roleAtLeast(me, "user")) return ${ALL};\n    return ${OWN};`) +
      fn("query", "letAnswer", "{ force: v.boolean() }", `    let ok = guard.roleAtLeast(me, "admin");\n    if (args.force) ok = true;\n    if (ok) return ${ALL};\n    return ${OWN};`) +
      fn("query", "otherRow", '{ userId: v.id("users") }', `    const other = await ctx.db.get(args.userId);\n    if (guard.roleAtLeast(other, "admin")) return ${ALL};\n    return ${OWN};`) +
      fn("query", "swapped", "{}", `    if (guard.roleAtLeast(me, "admin")) return ${OWN};\n    return ${ALL};`),
  );
  assert.deepEqual(rules(r, "unchecked-list"), ["d:letAnswer", "d:lowest", "d:otherRow", "d:swapped"]);
});

test("FP4: owner-or-admin written as the positive test covers the read or write it guards", () => {
  const PATCH = "await ctx.db.patch(doc._id, { title: args.title });";
  const r = report(
    "fp4",
    fn("query", "readIf", ID, `${READ}    if (doc.ownerId === me._id || guard.roleAtLeast(me, "admin")) return doc;\n    return null;`) +
      fn("query", "readTernary", ID, `    const doc = await ctx.db.get(args.id);\n    return doc && (doc.ownerId === me._id || guard.roleAtLeast(me, "admin")) ? doc : null;`) +
      fn("query", "readSteps", ID, `${READ}    if (doc.ownerId === me._id) return doc;\n    if (guard.roleAtLeast(me, "admin")) return doc;\n    return null;`) +
      fn("mutation", "writeIf", ID, `    const doc = await ctx.db.get(args.id);\n    if (doc && (doc.ownerId === me._id || guard.roleAtLeast(me, "admin"))) {\n      ${PATCH}\n      return true;\n    }\n    return false;`) +
      // Not covered: the lowest role, a test that any caller passes, the write outside the guarded side.
      fn("query", "readLowest", ID, `${READ}    if (doc.ownerId === me._id || guard.roleAtLeast(me, "user")) return doc;\n    return null;`) +
      fn("mutation", "writeForced", '{ id: v.id("posts"), title: v.string(), force: v.boolean() }', `    const doc = await ctx.db.get(args.id);\n    if (doc && (args.force || guard.roleAtLeast(me, "admin"))) {\n      ${PATCH}\n    }`) +
      fn("mutation", "writeAfter", ID, `    const doc = await ctx.db.get(args.id);\n    if (doc && (doc.ownerId === me._id || guard.roleAtLeast(me, "admin"))) {\n      await guard.audit.log(ctx, { action: "posts.edit", outcome: "success" });\n    }\n    if (doc) ${PATCH}`),
  );
  assert.deepEqual(idFindings(r), ["unchecked-id-read d:readLowest", "unchecked-id-write d:writeAfter", "unchecked-id-write d:writeForced"]);
});

test("FP5: a denial that logs the refusal in a table no guard protects still leaves; a protected insert or a patch does not", () => {
  const deny = (write) => `    if (!guard.roleAtLeast(me, "admin")) {\n      ${write}\n      return null;\n    }\n`;
  const r = report(
    "fp5",
    fn("mutation", "logged", "{}", `${deny('await ctx.db.insert("drafts", { userId: me._id, authorName: "refused", body: "posts.all" });')}    return ${ALL};`) +
      fn("mutation", "loggedThenDelete", '{ id: v.id("posts") }', `${deny('await ctx.db.insert("drafts", { userId: me._id, authorName: "refused", body: "posts.delete" });')}    await guard.audit.log(ctx, { action: "posts.delete", outcome: "success" });\n    await ctx.db.delete(args.id);`) +
      // Kept by the return: an insert into the protected table, into users, and a patch.
      fn("mutation", "protectedInsert", "{}", `${deny('await ctx.db.insert("posts", { title: "x", ownerId: me._id, visibility: "public" });')}    return ${ALL};`) +
      fn("mutation", "usersInsert", "{}", `${deny('await ctx.db.insert("users", { tokenIdentifier: "x", name: "x", role: "admin" });')}    return ${ALL};`) +
      fn("mutation", "patched", '{ id: v.id("posts") }', `${deny('await ctx.db.patch(args.id, { title: "" });')}    await guard.audit.log(ctx, { action: "posts.delete", outcome: "success" });\n    await ctx.db.delete(args.id);`),
  );
  assert.deepEqual(rules(r, "unchecked-list"), ["d:protectedInsert", "d:usersInsert"]);
  assert.deepEqual(idFindings(r), ["unchecked-id-delete d:patched", "unchecked-id-write d:patched"]);
  // The message says the write on the denied path is why the decision counts for nothing.
  const listed = r.findings.find((f) => f.rule === "unchecked-list" && f.function === "d:protectedInsert");
  assert.match(listed.message, /guard\.roleAtLeast\("admin"\) \(convex\/d\.ts:\d+\) checks nothing; its denied branch writes before it returns/);
  const patched = r.findings.find((f) => f.rule === "unchecked-id-write" && f.function === "d:patched");
  assert.match(patched.message, /its denied branch writes before it returns/);
});

test("finalread32 H1: a refusal log that copies a row read in the function is the row's copy, kept by the return", () => {
  const deny = (value) => `${READ}    if (!guard.roleAtLeast(me, "admin")) {\n      await ctx.db.insert("drafts", ${value});\n      return null;\n    }\n    return doc.title;`;
  const r = report(
    "h1",
    // A copy of the posts row the denied caller may not read, into their own drafts.
    fn("mutation", "titleCopy", ID, deny('{ userId: me._id, authorName: "refused", body: doc.title }')) +
      fn("mutation", "constCopy", ID, `    const title = doc?.title ?? "";\n${deny('{ userId: me._id, authorName: "refused", body: `tried ${title}` }')}`) +
      fn("mutation", "spreadCopy", ID, deny('{ ...doc, userId: me._id, authorName: "refused" }')) +
      // An argument in the "log" may be the app's own grant (attack48 F1: { docId: args.id, userId: me._id } into its sharing table).
      fn("mutation", "argumentsLog", ID, deny('{ userId: me._id, authorName: me.name, body: `refused ${args.id} ${args.title.trim()} at ${Date.now()}` }')) +
      // Logs of nothing read nor sent: literals, the caller's own row, the clock.
      fn("mutation", "plainLog", ID, deny('{ userId: me._id, authorName: me.name, body: `refused at ${Date.now()}` }')),
  );
  assert.deepEqual(idFindings(r), ["unchecked-id-read d:argumentsLog", "unchecked-id-read d:constCopy", "unchecked-id-read d:spreadCopy", "unchecked-id-read d:titleCopy", "unchecked-id-write d:argumentsLog"]);
});

test("finalread32 L4: a denied branch that leaves by an app helper that always throws, or a return in a try, leaves as flow.ts alwaysLeaves reads it", () => {
  const r = report(
    "l4",
    `function refuse(): never {\n  throw new ConvexError("admins only");\n}\n` +
      fn("query", "helperThrows", "{}", `    if (!guard.roleAtLeast(me, "admin")) {\n      refuse();\n    }\n    return ${ALL};`) +
      fn("query", "returnInTry", "{}", `    if (!guard.roleAtLeast(me, "admin")) {\n      try {\n        return ${OWN};\n      } finally {\n        console.log("listed");\n      }\n    }\n    return ${ALL};`) +
      // Control: a helper that may return leaves nothing.
      `function warn(): void {\n  console.log("not an admin");\n}\n` +
      fn("query", "helperReturns", "{}", `    if (!guard.roleAtLeast(me, "admin")) {\n      warn();\n    }\n    return ${ALL};`),
  );
  assert.deepEqual(rules(r, "unchecked-list"), ["d:helperReturns"]);
});

test("attack48 F8: with access.tables the audit cannot read, no insert on a denied branch counts as a refusal log (the table may be protected)", () => {
  const body = `    if (!guard.roleAtLeast(me, "admin")) {\n      await ctx.db.insert("drafts", { userId: me._id, authorName: "refused", body: "" });\n      return null;\n    }\n    return ${ALL};`;
  const auth = (r) => r.functions.find((f) => f.function === "d:listing").auth;
  const readable = report("f8read", fn("mutation", "listing", "{}", body));
  assert.deepEqual(rules(readable, "unchecked-list"), []);
  assert.equal(auth(readable), "role");
  const guard = readFileSync(`${pitfalls}/guard.ts`, "utf8").replace(/access: \{ tables: (\{[^\n]*\}) \}/, "access: { tables: tables() }");
  assert.match(guard, /tables: tables\(\)/);
  const unread = report("f8unread", fn("mutation", "listing", "{}", body), `${guard}\nfunction tables() {\n  return { posts: { owner: "ownerId", visibility: "visibility" } } as const;\n}\n`);
  // The decision checks nothing: the function is signed in only (its listing of posts, a table the audit cannot tell is protected, is not judged either).
  assert.equal(auth(unread), "authenticated");
});
