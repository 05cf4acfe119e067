// `unchecked-id-write` / `unchecked-id-delete` of rows a query selected by an argument no check
// covers (reading them is unchecked-id-read's or unchecked-list's): a parent's children by its
// parent field, the rows of a table no guard configures by a field equal to an id of a table under
// access (medium), the guard's own grants and members, a configured table's rows matched on a
// plain field; and of the document a checked document's field names (`doc.folderId`). Not: after
// a check on the argument above the lowest level, an owner comparison, a role above the lowest,
// the caller's own rows, guard.deleteDocument, a check on each row or on the field's value. Small
// apps written at test time, run the way a user runs the audit: the bin of the packed tarball
// (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, FOLDERS_GUARD, FOLDERS_SCHEMA, markers, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const RULES = ["unchecked-id-write", "unchecked-id-delete"];

// Documents filed in folders (by_folder), and comments on documents, a table no guard configures.
const SCHEMA = edited(
  edited(FOLDERS_SCHEMA, 'folderId: v.optional(v.id("folders")) }).index("by_owner", ["ownerId"])', '$&.index("by_folder", ["folderId"])'),
  /\}\);\n$/,
  '  comments: defineTable({ docId: v.id("documents"), authorId: v.id("users"), text: v.string() }).index("by_doc", ["docId"]),\n});\n',
);

/** `text` with `from` replaced, which must match: a fixture edit that matches nothing tests nothing. */
function edited(text, from, to) {
  assert.ok(typeof from === "string" ? text.includes(from) : from.test(text), `the fixture edit matches: ${from}`);
  return text.replace(from, to);
}

const HEAD = `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
`;

/** A public mutation with `args` and `body`, signed in (`user`) and rate limited by the caller. */
const MUTATION = (name, args, body) => `export const ${name} = mutation({
  args: ${args},
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
${body}
    return null;
  },
});
`;

const FOLDER = '{ folderId: v.id("folders") }';
const DOC = '{ docId: v.id("documents") }';
const CHILDREN = '    const docs = await ctx.db.query("documents").withIndex("by_folder", (q) => q.eq("folderId", args.folderId)).collect();';
const COMMENTS = '    const cs = await ctx.db.query("comments").withIndex("by_doc", (q) => q.eq("docId", args.docId)).collect();';

function judged(name, text, guard = FOLDERS_GUARD) {
  const app = scratchApp("querywrites", name, { "schema.ts": SCHEMA, "f.ts": text }, guard);
  const r = auditReport(cli, app);
  const found = r.findings.filter((f) => RULES.includes(f.rule));
  return { found, at: found.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), marked: markers(`${app}/convex`).filter((m) => RULES.some((rule) => m.endsWith(` ${rule}`))) };
}

test("rows a query selected by an unchecked argument, patched or deleted, are unchecked-id-write / unchecked-id-delete", () => {
  const { found, at, marked } = judged(
    "open",
    HEAD +
      MUTATION("archiveFolder", FOLDER, `${CHILDREN}\n    for (const d of docs) await ctx.db.patch(d._id, { title: "[archived] " + d.title }); // FINDING unchecked-id-write`) +
      MUTATION("emptyFolder", FOLDER, `${CHILDREN}\n    await Promise.all(docs.map((d) => ctx.db.delete(d._id))); // FINDING unchecked-id-delete`) +
      MUTATION("emptyFolderBlock", FOLDER, `${CHILDREN}\n    await Promise.all(docs.map(async (d) => {\n      await ctx.db.delete(d._id); // FINDING unchecked-id-delete\n    }));`) +
      MUTATION("emptyFolderReassigned", FOLDER, `${CHILDREN}\n    const mine = await ctx.db.query("documents").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).first();\n    await Promise.all(docs.map(async (d) => {\n      if (mine !== null) d = mine;\n      await ctx.db.delete(d._id);\n    }));`) +
      MUTATION("unshareAll", DOC, '    const grants = await ctx.db.query("accessGrants").withIndex("by_doc_and_user", (q) => q.eq("doc", args.docId)).collect();\n    for (const g of grants) await ctx.db.delete(g._id); // FINDING unchecked-id-delete') +
      MUTATION("disband", '{ groupId: v.id("accessGroups") }', '    const ms = await ctx.db.query("accessGroupMembers").withIndex("by_group_and_user", (q) => q.eq("groupId", args.groupId)).collect();\n    for (const m of ms) await ctx.db.delete(m._id); // FINDING unchecked-id-delete') +
      MUTATION("clearComments", DOC, `${COMMENTS}\n    for (const c of cs) await ctx.db.delete(c._id); // FINDING unchecked-id-delete`) +
      MUTATION("editByTitle", '{ title: v.string() }', '    const d = await ctx.db.query("documents").filter((q) => q.eq(q.field("title"), args.title)).first();\n    if (d !== null) await ctx.db.patch(d._id, { title: "x" }); // FINDING unchecked-id-write') +
      MUTATION("deleteByTitle", '{ title: v.string() }', '    const d = await ctx.db.query("documents").filter((q) => q.eq(q.field("title"), args.title)).unique();\n    if (d !== null) await ctx.db.delete(d._id); // FINDING unchecked-id-delete') +
      MUTATION("viewerOnly", FOLDER, `    await guard.requireAccess(ctx, "folders", args.folderId, "viewer");\n${CHILDREN}\n    for (const d of docs) await ctx.db.delete(d._id); // FINDING unchecked-id-delete`) +
      MUTATION("touchFolder", '{ id: v.id("documents"), name: v.string() }', '    const { doc } = await guard.requireAccess(ctx, "documents", args.id, "viewer");\n    if (doc.folderId) await ctx.db.patch(doc.folderId, { name: args.name }); // FINDING unchecked-id-write') +
      MUTATION("deleteParent", '{ id: v.id("documents") }', '    const { doc } = await guard.requireAccess(ctx, "documents", args.id, "owner");\n    if (doc.folderId) await ctx.db.delete(doc.folderId); // FINDING unchecked-id-delete'),
  );
  assert.deepEqual(at, marked);
  const severity = Object.fromEntries(found.map((f) => [f.function, f.severity]));
  assert.deepEqual(severity, {
    "f:archiveFolder": "high",
    "f:emptyFolder": "high",
    "f:emptyFolderBlock": "high",
    "f:unshareAll": "high",
    "f:disband": "high",
    "f:clearComments": "medium",
    "f:editByTitle": "high",
    "f:deleteByTitle": "high",
    "f:viewerOnly": "high",
    "f:touchFolder": "high",
    "f:deleteParent": "high",
  });
  const message = (fn) => found.find((f) => f.function === fn).message;
  assert.equal(message("f:archiveFolder"), "f:archiveFolder patches the rows of 'documents' whose parent field 'folderId' equals argument 'folderId' (the children of a 'folders' document), for any signed-in caller, with no check that the caller may change what argument 'folderId' names");
  assert.equal(message("f:deleteParent"), "f:deleteParent deletes the 'folders' document whose id is the field 'folderId' of a document checked by guard.requireAccess(\"documents\"), for any signed-in caller, with no check on that 'folders' document: a check on a document says nothing of the document a field of it names");
  assert.match(message("f:viewerOnly"), /^f:viewerOnly deletes the rows of 'documents' .*argument 'folderId' checked only at level 'viewer', which a public 'folders' document gives to anyone/);
  assert.match(message("f:editByTitle"), /rows of 'documents' \(under access\.tables\) selected by field 'title' \(equal to argument 'title'/);
});

test("children changed after a check of their parent at the lowest level: high when the parent may be public, medium when not, whether a query selected them or one is changed by its id", () => {
  const ONE = '{ id: v.id("documents") }';
  const ONE_CHILD = (check) => `    const d = await ctx.db.get(args.id);\n    if (d === null || d.folderId === undefined) throw new Error("not found");\n    ${check};\n    await ctx.db.patch(d._id, { title: "x" }); // FINDING unchecked-id-write`;
  const text =
    HEAD +
    MUTATION("queried", FOLDER, `    await guard.requireAccess(ctx, "folders", args.folderId, "viewer");\n${CHILDREN}\n    for (const d of docs) await ctx.db.patch(d._id, { title: "x" }); // FINDING unchecked-id-write`) +
    MUTATION("queriedAnyLevel", FOLDER, `    if ((await guard.readable(ctx, "folders", args.folderId)) === null) throw new Error("not found");\n${CHILDREN}\n    for (const d of docs) await ctx.db.delete(d._id); // FINDING unchecked-id-delete`) +
    MUTATION("byId", ONE, ONE_CHILD('await guard.requireAccess(ctx, "folders", d.folderId, "viewer")'));
  const severities = (found) => Object.fromEntries(found.map((f) => [f.function, f.severity]));
  const publicFolders = judged("publicParent", text);
  assert.deepEqual(publicFolders.at, publicFolders.marked);
  assert.deepEqual(severities(publicFolders.found), { "f:queried": "high", "f:queriedAnyLevel": "high", "f:byId": "high" });
  assert.match(publicFolders.found.find((f) => f.function === "f:queriedAnyLevel").message, /argument 'folderId' checked only by a readable with no level, which a public 'folders' document gives to anyone: .* a stranger changes a public parent's private children$/);
  const privateGuard = FOLDERS_GUARD.replace('folders: { owner: "ownerId", visibility: "visibility", parent: "parentId" }', 'folders: { owner: "ownerId", parent: "parentId" }');
  assert.notEqual(privateGuard, FOLDERS_GUARD);
  const privateFolders = judged("privateParent", text, privateGuard);
  assert.deepEqual(privateFolders.at, privateFolders.marked);
  assert.deepEqual(severities(privateFolders.found), { "f:queried": "medium", "f:queriedAnyLevel": "medium", "f:byId": "medium" });
  assert.match(privateFolders.found.find((f) => f.function === "f:queried").message, /argument 'folderId' checked only at level 'viewer' \(the lowest/);
});

test("the same changes after a check that covers them, of the caller's own rows, through guard.deleteDocument or each row checked are not judged", () => {
  const { at } = judged(
    "covered",
    HEAD +
      MUTATION("editorChecked", FOLDER, `    await guard.requireAccess(ctx, "folders", args.folderId, "editor");\n${CHILDREN}\n    for (const d of docs) await ctx.db.delete(d._id);`) +
      MUTATION("clearCommentsChecked", DOC, '    const { doc } = await guard.requireAccess(ctx, "documents", args.docId, "editor");\n    const cs = await ctx.db.query("comments").withIndex("by_doc", (q) => q.eq("docId", doc._id)).collect();\n    for (const c of cs) await ctx.db.delete(c._id);') +
      MUTATION("commentsOfViewed", DOC, `    await guard.requireAccess(ctx, "documents", args.docId, "viewer");\n${COMMENTS}\n    for (const c of cs) await ctx.db.patch(c._id, { text: "" });`) +
      MUTATION("ownerCompared", FOLDER, `    const folder = await ctx.db.get(args.folderId);\n    if (folder === null || folder.ownerId !== user._id) throw new Error("not found");\n${CHILDREN}\n    for (const d of docs) await ctx.db.delete(d._id);`) +
      MUTATION("byGuard", FOLDER, `${CHILDREN}\n    for (const d of docs) await guard.deleteDocument(ctx, "documents", d._id);`) +
      MUTATION("eachChecked", FOLDER, `${CHILDREN}\n    for (const d of docs) {\n      await guard.requireAccess(ctx, "documents", d._id, "editor");\n      await ctx.db.patch(d._id, { title: "x" });\n    }`) +
      MUTATION("mine", "{}", '    const docs = await ctx.db.query("documents").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).collect();\n    for (const d of docs) await ctx.db.delete(d._id);') +
      MUTATION("mineInFolder", FOLDER, '    const docs = await ctx.db.query("documents").withIndex("by_folder", (q) => q.eq("folderId", args.folderId)).filter((q) => q.eq(q.field("ownerId"), user._id)).collect();\n    for (const d of docs) await ctx.db.delete(d._id);') +
      MUTATION("keptToMine", FOLDER, `${CHILDREN}\n    for (const d of docs.filter((x) => x.ownerId === user._id)) await ctx.db.delete(d._id);`) +
      MUTATION("parentChecked", '{ id: v.id("documents"), name: v.string() }', '    const { doc } = await guard.requireAccess(ctx, "documents", args.id, "viewer");\n    if (doc.folderId) {\n      await guard.requireAccess(ctx, "folders", doc.folderId, "editor");\n      await ctx.db.patch(doc.folderId, { name: args.name });\n    }') +
      `export const admins = mutation({
  args: ${FOLDER},
  handler: async (ctx, args) => {
    const admin = await guard.requireRole(ctx, "admin");
    await guard.rateLimit(ctx, "write", { key: admin._id });
${CHILDREN}
    for (const d of docs) await ctx.db.delete(d._id);
  },
});
`,
  );
  assert.deepEqual(at, []);
});

test("an insert filing a document under a checked document's parent, or attaching a row to a document no check covers, is judged", () => {
  const app = scratchApp(
    "querywrites",
    "inserts",
    {
      "schema.ts": SCHEMA,
      "f.ts":
        HEAD +
        MUTATION("duplicate", '{ id: v.id("documents") }', '    const { doc } = await guard.requireAccess(ctx, "documents", args.id, "viewer");\n    await ctx.db.insert("documents", { title: doc.title, ownerId: user._id, visibility: "private", folderId: doc.folderId }); // FINDING access-field-write') +
        MUTATION("duplicateChecked", '{ id: v.id("documents") }', '    const { doc } = await guard.requireAccess(ctx, "documents", args.id, "viewer");\n    if (doc.folderId) {\n      await guard.requireAccess(ctx, "folders", doc.folderId, "editor");\n      await ctx.db.insert("documents", { title: doc.title, ownerId: user._id, visibility: "private", folderId: doc.folderId });\n    }') +
        MUTATION("addComment", '{ docId: v.id("documents"), text: v.string() }', "    await ctx.db.insert(\"comments\", { docId: args.docId, authorId: user._id, text: args.text }); // FINDING unchecked-id-write") +
        MUTATION("addCommentChecked", '{ docId: v.id("documents"), text: v.string() }', '    await guard.requireAccess(ctx, "documents", args.docId, "viewer");\n    await ctx.db.insert("comments", { docId: args.docId, authorId: user._id, text: args.text });'),
    },
    FOLDERS_GUARD,
  );
  const r = auditReport(cli, app);
  const found = r.findings.filter((f) => [...RULES, "access-field-write"].includes(f.rule));
  assert.deepEqual(found.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), markers(`${app}/convex`));
  assert.deepEqual(found.map((f) => `${f.function} ${f.severity}`).sort(), ["f:addComment medium", "f:duplicate high"]);
  assert.equal(
    found.find((f) => f.function === "f:addComment").message,
    "f:addComment inserts a row of 'comments' whose field 'docId' is argument 'docId', an id of a 'documents' document under access, with no document check on it, for any signed-in caller: 'comments' is under no guard's access.tables, so the audit cannot know whether its rows are private; if they belong to that document, a caller who may not see it adds to them",
  );
});

test("a row moved into a document no check covers (its parent field patched to an argument) is judged as the insert is (attack36 F6); checked, it is not", () => {
  const move = (check) => `    const comment = await ctx.db.get(args.commentId);
    if (comment === null) throw new Error("not found");
    await guard.requireAccess(ctx, "documents", comment.docId, "editor");${check}`;
  const app = scratchApp(
    "querywrites",
    "moves",
    {
      "schema.ts": SCHEMA,
      "f.ts":
        HEAD +
        MUTATION("moveComment", '{ commentId: v.id("comments"), docId: v.id("documents") }', `${move("")}\n    await ctx.db.patch(args.commentId, { docId: args.docId }); // FINDING unchecked-id-write`) +
        MUTATION("moveNamed", '{ commentId: v.id("comments"), docId: v.id("documents") }', `${move("")}\n    await ctx.db.patch("comments", comment._id, { docId: args.docId }); // FINDING unchecked-id-write`) +
        MUTATION("moveChecked", '{ commentId: v.id("comments"), docId: v.id("documents") }', `${move('\n    await guard.requireAccess(ctx, "documents", args.docId, "editor");')}\n    await ctx.db.patch(args.commentId, { docId: args.docId });`) +
        MUTATION("editText", '{ commentId: v.id("comments"), text: v.string() }', `${move("")}\n    await ctx.db.patch(args.commentId, { text: args.text });`),
    },
    FOLDERS_GUARD,
  );
  const r = auditReport(cli, app);
  const found = r.findings.filter((f) => RULES.includes(f.rule));
  assert.deepEqual(found.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), markers(`${app}/convex`));
  assert.deepEqual(found.map((f) => `${f.function} ${f.severity}`).sort(), ["f:moveComment medium", "f:moveNamed medium"]);
  assert.match(found.find((f) => f.function === "f:moveComment").message, /^f:moveComment patches a row of 'comments' whose field 'docId' becomes argument 'docId', an id of a 'documents' document under access, with no document check on it, .* a caller who may not see it moves rows into them$/);
});

test("a row moved into a document no check covers after an app helper read it and checked its current parent is judged as the inline form is (attack36 F6 notes:moveNote); checked, or another field, it is not", () => {
  const helper = `import type { Id } from "./_generated/dataModel";
async function commentAt(ctx: any, commentId: Id<"comments">, level: "viewer" | "editor") {
  const comment = await ctx.db.get(commentId);
  if (!comment) throw new Error("not found");
  await guard.requireAccess(ctx, "documents", comment.docId, level);
  return comment;
}
`;
  const at = '    const comment = await commentAt(ctx, args.commentId, "editor");';
  const { found, at: lines, marked } = judged(
    "helpermoves",
    HEAD +
      helper +
      MUTATION("moveByHelper", '{ commentId: v.id("comments"), docId: v.id("documents") }', `${at}\n    await ctx.db.patch(comment._id, { docId: args.docId }); // FINDING unchecked-id-write`) +
      MUTATION("moveByHelperChecked", '{ commentId: v.id("comments"), docId: v.id("documents") }', `${at}\n    await guard.requireAccess(ctx, "documents", args.docId, "editor");\n    await ctx.db.patch(comment._id, { docId: args.docId });`) +
      MUTATION("editByHelper", '{ commentId: v.id("comments"), text: v.string() }', `${at}\n    await ctx.db.patch(comment._id, { text: args.text });`),
  );
  assert.deepEqual(lines, marked);
  assert.deepEqual(found.map((f) => `${f.function} ${f.severity}`), ["f:moveByHelper medium"]);
  assert.match(found[0].message, /^f:moveByHelper patches a row of 'comments' whose field 'docId' becomes argument 'docId', an id of a 'documents' document under access, with no document check on it, .* a caller who may not see it moves rows into them$/);
});
