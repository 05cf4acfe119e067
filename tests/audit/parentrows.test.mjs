// A row of a table no guard configures, changed after a check of the document under access a
// field of it names (a comment on a document): `unchecked-id-write` and `-delete` take the
// parent's check as the row's (parentcover.ts), only above the level public visibility gives, and
// only for a table no guard configures (nor the users table); a finding on such a row left open
// names the parent's check in its fix, as guard.requireAccess on the row's own table fails at run
// time. And `access-field-write` credits a parent's owner comparison on an insert's parent field.
// Run the way a user runs it: the bin of the packed tarball, on apps written here (AUDIT_CLI names
// another build, to show a test fails on an older one).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, CLI, FOLDERS_GUARD as GUARD, FOLDERS_SCHEMA, scratchApp } from "./apps.mjs";

const SCHEMA = FOLDERS_SCHEMA.replace(
  "});\n",
  '  comments: defineTable({ docId: v.id("documents"), authorId: v.id("users"), text: v.string(), pinnedBy: v.optional(v.id("users")) }),\n});\n',
);
const HEAD = `import { v, ConvexError } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
`;
/** A public mutation, signed in and rate limited, with `args` and `body` (`user` in scope). */
const MUTATION = (name, args, body) => `export const ${name} = mutation({
  args: ${args},
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
${body}
  },
});
`;

/** The findings of `rules` of an app of `text` (its file f.ts), as `line severity function`. */
function audit(name, text, rules, schema = SCHEMA, guard = GUARD) {
  const report = auditReport(process.env.AUDIT_CLI ?? CLI, scratchApp("parentrows", name, { "schema.ts": schema, "f.ts": HEAD + text }, guard));
  return report.findings.filter((f) => rules.includes(f.rule));
}
const lines = (found) => found.map((f) => `${f.line} ${f.rule} ${f.function}`);
const CHANGES = ["unchecked-id-write", "unchecked-id-delete"];
const COMMENT = '{ docId: v.id("documents"), commentId: v.id("comments"), text: v.string() }';

test("a comment changed after an editor check of its document (by the argument it is compared with, by its own field, or its document's owner compared with the caller): not reported", () => {
  const found = audit(
    "covered",
    MUTATION("byArgument", COMMENT, '    await guard.requireAccess(ctx, "documents", args.docId, "editor");\n    const c = await ctx.db.get(args.commentId);\n    if (c === null || c.docId !== args.docId) throw new ConvexError("not found");\n    await ctx.db.patch(c._id, { text: args.text });') +
      MUTATION("byField", '{ commentId: v.id("comments") }', '    const c = await ctx.db.get(args.commentId);\n    if (c === null) throw new ConvexError("not found");\n    await guard.requireAccess(ctx, "documents", c.docId, "editor");\n    await ctx.db.delete(c._id);') +
      MUTATION("byOwner", '{ commentId: v.id("comments"), text: v.string() }', '    const c = await ctx.db.get(args.commentId);\n    if (c === null) throw new ConvexError("not found");\n    const parent = await ctx.db.get(c.docId);\n    if (parent === null || parent.ownerId !== user._id) throw new ConvexError("not found");\n    await ctx.db.patch(c._id, { text: args.text });'),
    CHANGES,
  );
  assert.deepEqual(lines(found), []);
});

test("a comment changed after a check its parent does not make: at the public level only, on an unchecked argument, or a document or users row: reported, the comment's fix naming the parent's check", () => {
  const found = audit(
    "open",
    // A viewer check of a document that may be public: anyone may pass it.
    MUTATION("viewerArgument", COMMENT, '    await guard.requireAccess(ctx, "documents", args.docId, "viewer");\n    const c = await ctx.db.get(args.commentId);\n    if (c === null || c.docId !== args.docId) throw new ConvexError("not found");\n    await ctx.db.patch(c._id, { text: args.text });') +
      MUTATION("viewerField", '{ commentId: v.id("comments") }', '    const c = await ctx.db.get(args.commentId);\n    if (c === null) throw new ConvexError("not found");\n    await guard.requireAccess(ctx, "documents", c.docId, "viewer");\n    await ctx.db.delete(c._id);') +
      // Compared with an argument no check covers: the client's word.
      MUTATION("unchecked", COMMENT, '    const c = await ctx.db.get(args.commentId);\n    if (c === null || c.docId !== args.docId) throw new ConvexError("not found");\n    await ctx.db.patch(c._id, { text: args.text });') +
      // The parent compared with an argument, not the caller.
      MUTATION("parentByArgument", '{ commentId: v.id("comments"), ownerId: v.id("users") }', '    const c = await ctx.db.get(args.commentId);\n    if (c === null) throw new ConvexError("not found");\n    const parent = await ctx.db.get(c.docId);\n    if (parent === null || parent.ownerId !== args.ownerId) throw new ConvexError("not found");\n    await ctx.db.delete(c._id);'),
    CHANGES,
  );
  assert.deepEqual(lines(found), ["12 unchecked-id-write f:viewerArgument", "23 unchecked-id-delete f:viewerField", "33 unchecked-id-write f:unchecked", "45 unchecked-id-delete f:parentByArgument"]);
  assert.deepEqual(
    found.map((f) => f.severity),
    ["high", "high", "high", "high"],
  );
  const fix = found[0].fix;
  assert.match(fix, /^'comments' is under no guard's access\.tables, so guard\.requireAccess on its rows fails at run time: check the document under access that a field of the row names/);
  assert.deepEqual(
    found.map((f) => f.fix === fix),
    [true, false, true, true],
  );
  // A check on the comment's own field, at the public level: the fix names that check, never a requireAccess on the comment the code does not make.
  assert.match(found[1].fix, /^'comments' is under no guard's access\.tables: its rows are checked through the document under access that a field of the row names, as this function does \('documents'\), but at 'viewer': check it at a level above the one public visibility gives/);
});

// A document of a configured table inherits the levels held on the folder its configured parent
// field names (docs/access.md: "The access model"), not the folder's public visibility (newuser24).
const HELPERS = `import type { Id } from "./_generated/dataModel";
import type { QueryCtx } from "./_generated/server";
async function getOrThrow(ctx: QueryCtx, id: Id<"documents">) {
  const d = await ctx.db.get(id);
  if (d === null) throw new ConvexError("not found");
  return d;
}
async function requireFolder(ctx: QueryCtx, folderId: Id<"folders">, level: "viewer" | "editor" | "owner") {
  const { doc } = await guard.requireAccess(ctx, "folders", folderId, level);
  return doc;
}
`;
const DOCS = '{ id: v.id("documents"), otherId: v.id("documents") }';
const FILED = (check, change = 'await ctx.db.patch(d._id, { title: "x" })', read = "ctx.db.get(args.id)") =>
  `    const d = await ${read};\n    if (d === null || d.folderId === undefined) throw new ConvexError("not found");\n    ${check};\n    ${change};`;
const DOCS_SCHEMA = SCHEMA.replace('folderId: v.optional(v.id("folders")) }).index("by_owner", ["ownerId"]),\n  notes', 'folderId: v.optional(v.id("folders")), archiveId: v.optional(v.id("folders")) }).index("by_owner", ["ownerId"]),\n  notes');

test("a document changed after a check on the folder its configured parent field names, above the public level (in the handler, through a get-or-throw helper and the app's check, or a const copy): not reported", () => {
  const found = audit(
    "inherited",
    HELPERS +
      MUTATION("direct", DOCS, FILED('await guard.requireAccess(ctx, "folders", d.folderId, "editor")')) +
      MUTATION("helpers", DOCS, FILED('await requireFolder(ctx, d.folderId, "owner")', "await ctx.db.delete(d._id)", "getOrThrow(ctx, args.id)")) +
      MUTATION("copied", DOCS, FILED('const { folderId } = d;\n    const r = await guard.readable(ctx, "folders", folderId, "editor");\n    if (r === null) throw new ConvexError("not found")')),
    CHANGES,
    DOCS_SCHEMA,
  );
  assert.deepEqual(lines(found), []);
});

test("a check on a folder that is not the changed document's parent, or only at the public level, covers nothing; one at the lowest level of a folder table with no visibility is one step lower (medium)", () => {
  const found = audit(
    "notInherited",
    HELPERS +
      MUTATION("publicLevel", DOCS, FILED('await guard.requireAccess(ctx, "folders", d.folderId, "viewer")')) +
      MUTATION("otherParent", DOCS, FILED('const o = await getOrThrow(ctx, args.otherId);\n    await requireFolder(ctx, o.folderId!, "editor")')) +
      MUTATION("notParentField", DOCS, FILED('await guard.requireAccess(ctx, "folders", d.archiveId!, "editor")')) +
      // attack32 FN4: the check is on the document; the change is of the folder a field of it names.
      MUTATION("fieldOfChecked", DOCS, '    const { doc } = await guard.requireAccess(ctx, "documents", args.id, "editor");\n    await ctx.db.patch(doc.folderId!, { name: "x" });'),
    CHANGES,
    DOCS_SCHEMA,
  );
  assert.deepEqual(lines(found), ["23 unchecked-id-write f:publicLevel", "35 unchecked-id-write f:otherParent", "46 unchecked-id-write f:notParentField", "55 unchecked-id-write f:fieldOfChecked"]);
  assert.deepEqual(
    found.map((f) => f.severity),
    ["high", "high", "high", "high"],
  );
  const privateFolders = GUARD.replace('folders: { owner: "ownerId", visibility: "visibility", parent: "parentId" }', 'folders: { owner: "ownerId", parent: "parentId" }');
  assert.notEqual(privateFolders, GUARD);
  const graded = audit("privateFolders", HELPERS + MUTATION("lowest", DOCS, FILED('await requireFolder(ctx, d.folderId, "viewer")')) + MUTATION("above", DOCS, FILED('await requireFolder(ctx, d.folderId, "editor")')), CHANGES, DOCS_SCHEMA, privateFolders);
  assert.deepEqual(lines(graded), ["23 unchecked-id-write f:lowest"]);
  assert.equal(graded[0].severity, "medium");
  assert.match(graded[0].message, /^f:lowest patches the document that argument 'id' names, checked only at level 'viewer'/);
});

test("a document that a users row's field names is no check of that row", () => {
  const schema = SCHEMA.replace('role: v.optional(v.string()) })', 'role: v.optional(v.string()), homeDoc: v.optional(v.id("documents")) })');
  const text =
    HEAD +
    MUTATION("renameMember", '{ userId: v.id("users"), name: v.string() }', '    const u = await ctx.db.get(args.userId);\n    if (u === null || u.homeDoc === undefined) throw new ConvexError("not found");\n    await guard.requireAccess(ctx, "documents", u.homeDoc, "owner");\n    await ctx.db.patch(u._id, { name: args.name });');
  const report = auditReport(process.env.AUDIT_CLI ?? CLI, scratchApp("parentrows", "users", { "schema.ts": schema, "f.ts": text }, GUARD));
  assert.deepEqual(lines(report.findings.filter((f) => CHANGES.includes(f.rule))), ["12 unchecked-id-write f:renameMember"]);
});

test("a document filed into a folder whose owner field the handler compared with the caller: no access-field-write; compared with an argument: reported", () => {
  const insert = (compared) =>
    `    const folder = await ctx.db.get(args.folderId);\n    if (folder === null || folder.ownerId !== ${compared}) throw new ConvexError("not found");\n    return await ctx.db.insert("documents", { title: args.title, ownerId: user._id, folderId: args.folderId, visibility: "private" });`;
  const found = audit(
    "filing",
    MUTATION("intoMine", '{ folderId: v.id("folders"), title: v.string() }', insert("user._id")) +
      MUTATION("intoNamed", '{ folderId: v.id("folders"), title: v.string(), ownerId: v.id("users") }', insert("args.ownerId")),
    ["access-field-write"],
  );
  assert.deepEqual(lines(found), ["21 access-field-write f:intoNamed"]);
});

test("a check made only where the caller is not the row's author (the author, or whoever may moderate its document) covers the change; not at the public level, on the author's own path, under a further condition, or after a comparison with an argument", () => {
  const row = (test, check, after = "") =>
    `    const c = await ctx.db.get(args.commentId);\n    if (c === null) throw new ConvexError("not found");\n    if (${test}) {\n      ${check};\n      await guard.audit.log(ctx, { action: "comment.delete", outcome: "success", actor: user._id });\n    }\n${after}    await ctx.db.delete(c._id);`;
  const ARGS = '{ commentId: v.id("comments"), ownerId: v.id("users"), flag: v.boolean() }';
  const OWNER = 'await guard.requireAccess(ctx, "documents", c.docId, "owner")';
  const found = audit(
    "unlessOwner",
    MUTATION("authorOrOwner", ARGS, row("c.authorId !== user._id", OWNER)) +
      MUTATION("configured", '{ id: v.id("documents") }', '    const d = await ctx.db.get(args.id);\n    if (d === null) throw new ConvexError("not found");\n    if (d.ownerId !== user._id) await guard.requireAccess(ctx, "documents", args.id, "editor");\n    await ctx.db.patch(d._id, { title: "x" });') +
      MUTATION("publicLevel", ARGS, row("c.authorId !== user._id", 'await guard.requireAccess(ctx, "documents", c.docId, "viewer")')) +
      MUTATION("authorsPath", ARGS, row("c.authorId === user._id", OWNER)) +
      MUTATION("furtherCondition", ARGS, row("c.authorId !== user._id", `if (args.flag) ${OWNER}`)) +
      MUTATION("namedAuthor", ARGS, row("c.authorId !== args.ownerId", OWNER)),
    CHANGES,
  );
  assert.deepEqual(lines(found), ["40 unchecked-id-delete f:publicLevel", "54 unchecked-id-delete f:authorsPath", "68 unchecked-id-delete f:furtherCondition", "82 unchecked-id-delete f:namedAuthor"]);
});

test("the author, or whoever a readable at a level above the public one lets through, as an either/or (`?:`, `||`, `&&`) whose value an `if` leaves on: covered; not when the other branch is true for anything but the author, the check is at the public level or below, or nothing leaves on it before the change", () => {
  const ARGS = '{ commentId: v.id("comments"), ownerId: v.id("users"), force: v.boolean() }';
  const READ = (level = '"owner"') => `(await guard.readable(ctx, "documents", c.docId${level === "" ? "" : `, ${level}`})) !== null`;
  const row = (gate, after = "") =>
    `    const c = await ctx.db.get(args.commentId);\n    if (c === null) throw new ConvexError("not found");\n    const isAuthor = c.authorId === user._id;\n${gate}\n    await ctx.db.delete(c._id);\n${after}    await guard.audit.log(ctx, { action: "comment.delete", outcome: "success", actor: user._id });`;
  const LEAVE = '    if (!ok) throw new ConvexError("forbidden");';
  const covered = audit(
    "eitherOr",
    MUTATION("ternary", ARGS, row(`    const ok = isAuthor ? true : ${READ()};\n${LEAVE}`)) +
      MUTATION("ternaryInPlace", ARGS, row(`    const ok = c.authorId === user._id ? true : ${READ()};\n${LEAVE}`)) +
      MUTATION("ternaryNegated", ARGS, row(`    const ok = c.authorId !== user._id ? ${READ()} : true;\n${LEAVE}`)) +
      MUTATION("or", ARGS, row(`    const ok = isAuthor || ${READ()};\n${LEAVE}`)) +
      MUTATION("orInIf", ARGS, row(`    if (!(isAuthor || ${READ()})) throw new ConvexError("forbidden");`)) +
      MUTATION("andInIf", ARGS, row(`    if (!isAuthor && (await guard.readable(ctx, "documents", c.docId, "owner")) === null) throw new ConvexError("forbidden");`)) +
      MUTATION("configured", '{ id: v.id("documents") }', '    const d = await ctx.db.get(args.id);\n    if (d === null) throw new ConvexError("not found");\n    const ok = d.ownerId === user._id || (await guard.readable(ctx, "documents", args.id, "editor")) !== null;\n    if (!ok) throw new ConvexError("forbidden");\n    await ctx.db.patch(d._id, { title: "x" });'),
    CHANGES,
  );
  assert.deepEqual(lines(covered), []);
  const found = audit(
    "eitherOrOpen",
    MUTATION("forced", ARGS, row(`    const ok = args.force ? true : ${READ()};\n${LEAVE}`)) +
      MUTATION("forcedOr", ARGS, row(`    const ok = args.force || ${READ()};\n${LEAVE}`)) +
      MUTATION("namedAuthor", ARGS, row(`    const ok = c.authorId === args.ownerId ? true : ${READ()};\n${LEAVE}`)) +
      MUTATION("publicLevel", ARGS, row(`    const ok = isAuthor ? true : ${READ('"viewer"')};\n${LEAVE}`)) +
      MUTATION("anyLevel", ARGS, row(`    const ok = isAuthor ? true : ${READ("")};\n${LEAVE}`)) +
      MUTATION("notLeft", ARGS, row(`    const ok = isAuthor ? true : ${READ()};\n    if (!ok) console.log("moderated");`)) +
      MUTATION("leftAfter", ARGS, row(`    const ok = isAuthor ? true : ${READ()};`, LEAVE + "\n")),
    CHANGES,
  );
  assert.deepEqual(found.map((f) => `${f.function} ${f.rule} ${f.severity}`).sort(), ["anyLevel", "forced", "forcedOr", "leftAfter", "namedAuthor", "notLeft", "publicLevel"].map((n) => `f:${n} unchecked-id-delete high`));
});

test("an either/or that checks on the author's path only (`isAuthor ? check : true`) lets anyone else through: reported as with no check; a `?:` held in a const whose value on the not-author's path leaves still decides", () => {
  const ARGS = '{ commentId: v.id("comments") }';
  const READ = '(await guard.readable(ctx, "documents", c.docId, "editor")) !== null';
  const row = (gate) =>
    `    const c = await ctx.db.get(args.commentId);\n    if (c === null) throw new ConvexError("not found");\n    const isAuthor = c.authorId === user._id;\n${gate}\n    await ctx.db.delete(c._id);\n    await guard.audit.log(ctx, { action: "comment.delete", outcome: "success", actor: user._id });`;
  const LEAVE = '    if (!ok) throw new ConvexError("forbidden");';
  const found = audit(
    "authorsPath",
    MUTATION("authorsPath", ARGS, row(`    const ok = isAuthor ? ${READ} : true;\n${LEAVE}`)) +
      MUTATION("authorsPathInPlace", ARGS, row(`    const ok = c.authorId === user._id ? ${READ} : true;\n${LEAVE}`)) +
      MUTATION("noCheck", ARGS, row(`    const ok = isAuthor ? args.commentId !== c._id : true;\n${LEAVE}`)) +
      MUTATION("notAuthorChecked", ARGS, row(`    const ok = isAuthor ? true : ${READ};\n${LEAVE}`)) +
      MUTATION("heldRow", ARGS, row(`    const mine = isAuthor ? c : null;\n    if (mine === null) throw new ConvexError("forbidden");`)) +
      MUTATION("heldNegated", ARGS, row(`    const ok = !isAuthor ? false : true;\n${LEAVE}`)),
    CHANGES,
  );
  assert.deepEqual(found.map((f) => `${f.function} ${f.rule} ${f.severity}`).sort(), ["authorsPath", "authorsPathInPlace", "noCheck"].map((n) => `f:${n} unchecked-id-delete high`));
});

test("the author-or-check either/or in its other written shapes (newuser26 F3): the owner comparison in a `const`, an `if`/`else` (each branch's change), and a role above the lowest in the not-author's branch: covered; not with the comparison with an argument, the check on the author's path, the not-author's branch unchecked, or the lowest role", () => {
  const DOC = '{ id: v.id("documents"), ownerId: v.id("users") }';
  const ROW = '{ commentId: v.id("comments"), ownerId: v.id("users") }';
  const EDIT = 'await guard.requireAccess(ctx, "documents", args.id, "editor")';
  const doc = (body) => `    const d = await ctx.db.get(args.id);\n    if (d === null) throw new ConvexError("not found");\n${body}`;
  const row = (body) => `    const c = await ctx.db.get(args.commentId);\n    if (c === null) throw new ConvexError("not found");\n${body}\n    await guard.audit.log(ctx, { action: "comment.delete", outcome: "success", actor: user._id });`;
  const PATCH = 'await ctx.db.patch(d._id, { title: "x" })';
  const covered = audit(
    "eitherShapes",
    MUTATION("constNoBraces", DOC, doc(`    const mine = d.ownerId === user._id;\n    if (!mine) ${EDIT};\n    ${PATCH};`)) +
      MUTATION("constBraces", DOC, doc(`    const mine = d.ownerId === user._id;\n    if (!mine) {\n      ${EDIT};\n    }\n    ${PATCH};`)) +
      MUTATION("ifElse", DOC, doc(`    if (d.ownerId === user._id) {\n      ${PATCH};\n    } else {\n      ${EDIT};\n      ${PATCH};\n    }`)) +
      MUTATION("elseOnly", DOC, doc(`    if (d.ownerId === user._id) {\n      // the owner\n    } else {\n      ${EDIT};\n    }\n    ${PATCH};`)) +
      MUTATION("adminElse", ROW, row(`    if (c.authorId !== user._id) await guard.requireRole(ctx, "admin");\n    await ctx.db.delete(c._id);`)) +
      MUTATION("adminConfigured", DOC, doc(`    if (d.ownerId !== user._id) await guard.requireRole(ctx, "admin");\n    ${PATCH};`)),
    CHANGES,
  );
  assert.deepEqual(lines(covered), []);
  const found = audit(
    "eitherShapesOpen",
    MUTATION("constNamed", DOC, doc(`    const mine = d.ownerId === args.ownerId;\n    if (!mine) ${EDIT};\n    ${PATCH};`)) +
      MUTATION("constAuthorsPath", DOC, doc(`    const mine = d.ownerId === user._id;\n    if (mine) ${EDIT};\n    ${PATCH};`)) +
      MUTATION("elseUnchecked", DOC, doc(`    if (d.ownerId === user._id) {\n      ${EDIT};\n      ${PATCH};\n    } else {\n      ${PATCH};\n    }`)) +
      MUTATION("elseNamed", DOC, doc(`    if (d.ownerId === args.ownerId) {\n      // the named user\n    } else {\n      ${EDIT};\n    }\n    ${PATCH};`)) +
      MUTATION("lowestRole", ROW, row(`    if (c.authorId !== user._id) await guard.requireRole(ctx, "user");\n    await ctx.db.delete(c._id);`)) +
      MUTATION("adminAuthorsPath", ROW, row(`    if (c.authorId === user._id) await guard.requireRole(ctx, "admin");\n    await ctx.db.delete(c._id);`)) +
      MUTATION("adminNamed", ROW, row(`    if (c.authorId !== args.ownerId) await guard.requireRole(ctx, "admin");\n    await ctx.db.delete(c._id);`)),
    CHANGES,
  );
  assert.deepEqual(
    found.map((f) => `${f.function} ${f.rule} ${f.severity}`).sort(),
    ["f:adminAuthorsPath unchecked-id-delete high", "f:adminNamed unchecked-id-delete high", "f:constAuthorsPath unchecked-id-write high", "f:constNamed unchecked-id-write high", "f:elseNamed unchecked-id-write high", "f:elseUnchecked unchecked-id-write high", "f:lowestRole unchecked-id-delete high"],
  );
  // Of `elseUnchecked`, the else branch's change only: the one after the check on the owner's path is the owner's.
  assert.equal(found.filter((f) => f.function === "f:elseUnchecked").length, 1);
});

test("a document read and returned after the author-or-check either/or (any level): covered (newuser26 F4); not with the comparison with an argument, the check on the author's path, or a return of it before the check", () => {
  const QUERY = (name, body) => `export const ${name} = query({
  args: { id: v.id("documents"), ownerId: v.id("users"), peek: v.boolean() },
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    const d = await ctx.db.get(args.id);
    if (d === null) return null;
${body}
  },
});
`;
  const VIEW = 'await guard.requireAccess(ctx, "documents", args.id, "viewer")';
  const text = (shapes) => 'import { query } from "./_generated/server";\n' + shapes.map(([name, body]) => QUERY(name, body)).join("");
  const covered = audit(
    "eitherRead",
    text([
      ["inPlace", `    if (d.ownerId !== user._id) ${VIEW};\n    return d;`],
      ["inConst", `    const mine = d.ownerId === user._id;\n    if (!mine) {\n      ${VIEW};\n    }\n    return { title: d.title };`],
      ["ifElse", `    if (d.ownerId === user._id) {\n      return d;\n    } else {\n      ${VIEW};\n      return d;\n    }`],
    ]),
    ["unchecked-id-read"],
  );
  assert.deepEqual(lines(covered), []);
  const found = audit(
    "eitherReadOpen",
    text([
      ["named", `    if (d.ownerId !== args.ownerId) ${VIEW};\n    return d;`],
      ["authorsPath", `    if (d.ownerId === user._id) ${VIEW};\n    return d;`],
      ["returnedFirst", `    if (args.peek) return d;\n    if (d.ownerId !== user._id) ${VIEW};\n    return d;`],
    ]),
    ["unchecked-id-read"],
  );
  assert.deepEqual(found.map((f) => `${f.function} ${f.rule} ${f.severity}`).sort(), ["f:authorsPath unchecked-id-read high", "f:named unchecked-id-read high", "f:returnedFirst unchecked-id-read high"]);
});
