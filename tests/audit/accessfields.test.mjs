// `access-field-write`: the owner field and the parent field of a table under `access.tables`
// carry access (docs/access.md: "The owner and parent fields carry access"), so a patch or replace of
// either around guard.transferOwnership / guard.moveDocument is reported: high in a public
// mutation, medium in an internal one, one step lower when the id's table is not known. An insert
// is reported when its owner comes from an argument, or its parent from an argument no document
// check at the share level (what guard.insertDocument asks of a parent) covered; the caller as the owner is how a document is made. A key is read
// through consts, an object through the assignments made to it before the write, and a value of
// unknown shape (`v.any()`, an open record) into a configured table is reported one step lower.
// Not reported: the guard's own calls, a table not configured, a field of the same name on another
// table. Run the way a user runs it: the bin of the packed tarball, on apps written here.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { FOLDERS_GUARD as GUARD, FOLDERS_SCHEMA as SCHEMA, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = `${root}node_modules/convex-guard/cli.cjs`;

/** An app (its root) with the pitfalls fixture's _generated, FOLDERS_SCHEMA (apps.mjs), `guard`, and `files` under convex/. */
const app = (name, files, guard = GUARD) => scratchApp("accessfields", name, { "schema.ts": SCHEMA, ...files }, guard);

/** The JSON report of `audit convex` run in an app's root. */
function report(appRoot) {
  const r = spawnSync(process.execPath, [cli, "audit", "convex", "--json"], { cwd: appRoot, encoding: "utf8" });
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** `line severity function: message` of a report's access-field-write findings, in the report's order. */
const found = (r) => r.findings.filter((f) => f.rule === "access-field-write").map((f) => `${f.line} ${f.severity} ${f.function}: ${f.message}`);

const HEAD = `import { v } from "convex/values";
import { internalMutation, mutation, type MutationCtx } from "./_generated/server";
import type { Id } from "./_generated/dataModel";
import { guard } from "./guard";
`;

/** A public mutation with `args` (its validator object's source) and `body` (its handler's statements, `ctx` and `args` in scope). */
const MUTATION = (name, args, body, builder = "mutation") => `export const ${name} = ${builder}({
  args: ${args},
  handler: async (ctx, args) => {
    await guard.rateLimit(ctx, "write", { key: "global" });
${body}
  },
});
`;

const EDITOR = '    const user = await guard.requireUser(ctx);\n    const { doc } = await guard.requireAccess(ctx, "documents", args.id, "editor");\n';

test("the attacker's review: an editor's patch of the parent or the owner field is high; a removal of the parent too", () => {
  const r = report(
    app("holes", {
      "d.ts":
        HEAD +
        MUTATION("refile", '{ id: v.string(), folderId: v.id("folders") }', `${EDITOR}    void user;\n    await ctx.db.patch(doc._id, { folderId: args.folderId });`) +
        MUTATION("takeOver", "{ id: v.string() }", `${EDITOR}    await ctx.db.patch(doc._id, { ownerId: user._id });`) +
        MUTATION("unfile", '{ id: v.id("documents") }', '    await guard.requireAccess(ctx, "documents", args.id, "editor");\n    await ctx.db.patch(args.id, { folderId: undefined });') +
        MUTATION("replaceIt", '{ id: v.id("folders"), name: v.string(), parentId: v.id("folders") }', '    await guard.requireAccess(ctx, "folders", args.id, "owner");\n    const fields = { name: args.name, parentId: args.parentId };\n    await ctx.db.replace(args.id, { ...fields, ownerId: (await guard.requireUser(ctx))._id, visibility: "private" });'),
    }),
  );
  assert.deepEqual(found(r), [
    "12 high d:refile: d:refile patches the parent field 'folderId' of table 'documents' from argument 'folderId', around guard.moveDocument: writing it files the document under another parent, whose owners then hold their level on it (the owner level for its owner)",
    "21 high d:takeOver: d:takeOver patches the owner field 'ownerId' of table 'documents', around guard.transferOwnership: writing it transfers the document",
    "29 high d:unfile: d:unfile patches the parent field 'folderId' of table 'documents', around guard.moveDocument: writing it files the document under another parent, whose owners then hold their level on it (the owner level for its owner)",
    "38 high d:replaceIt: d:replaceIt replaces the owner field 'ownerId' of table 'folders', around guard.transferOwnership: writing it transfers the document",
    "38 high d:replaceIt: d:replaceIt replaces the parent field 'parentId' of table 'folders' from argument 'parentId', around guard.moveDocument: writing it files the document under another parent, whose owners then hold their level on it (the owner level for its owner)",
  ]);
  const f = r.findings.find((x) => x.rule === "access-field-write");
  assert.match(f.fix, /guard\.transferOwnership/);
  assert.match(f.fix, /guard\.moveDocument/);
  assert.match(f.fix, /\/\/ convex-guard-allow: access-field-write <reason>/);
});

test("inserts: the caller as the owner is fine; an owner or an unchecked parent from an argument is reported", () => {
  const r = report(
    app("inserts", {
      "i.ts":
        HEAD +
        MUTATION("create", "{ title: v.string() }", '    const user = await guard.requireUser(ctx);\n    const me = user._id;\n    await ctx.db.insert("documents", { title: args.title, ownerId: me, visibility: "private" });') +
        MUTATION("createFor", '{ title: v.string(), ownerId: v.id("users") }', '    await guard.requireUser(ctx);\n    await ctx.db.insert("documents", { title: args.title, ownerId: args.ownerId, visibility: "private" });') +
        MUTATION("createIn", '{ title: v.string(), folderId: v.id("folders") }', '    const user = await guard.requireUser(ctx);\n    await ctx.db.insert("documents", { ...args, ownerId: user._id, visibility: "private" });') +
        MUTATION("createInOwned", '{ title: v.string(), folderId: v.id("folders") }', '    const user = await guard.requireUser(ctx);\n    await guard.requireAccess(ctx, "folders", args.folderId, "owner");\n    await ctx.db.insert("documents", { title: args.title, ownerId: user._id, visibility: "private", folderId: args.folderId });') +
        // docs/access.md's way: inserted without a parent, then moveDocument.
        MUTATION("createThenMove", '{ title: v.string(), folderId: v.string() }', '    const user = await guard.requireUser(ctx);\n    const id = await ctx.db.insert("documents", { title: args.title, ownerId: user._id, visibility: "private" });\n    await guard.moveDocument(ctx, "documents", id, args.folderId);') +
        // The guarded insert: the caller its owner, the parent checked as a move's destination.
        MUTATION("createGuarded", '{ title: v.string(), folderId: v.id("folders") }', '    await guard.insertDocument(ctx, "documents", { title: args.title, visibility: "private", folderId: args.folderId } as any);') +
        // The builder's caller.
        `export const createByBuilder = guard.mutation({
  args: { title: v.string() },
  handler: async (ctx, { title }) => {
    await guard.rateLimit(ctx, "write", { key: "global" });
    await ctx.db.insert("documents", { title, ownerId: ctx.user._id, visibility: "private" });
  },
});
`,
    }),
  );
  assert.deepEqual(found(r), [
    "19 high i:createFor: i:createFor inserts the owner field 'ownerId' of table 'documents' from argument 'ownerId', around guard.insertDocument: writing it transfers the document",
    "27 high i:createIn: i:createIn inserts the parent field 'folderId' of table 'documents' from argument 'folderId', around guard.insertDocument: writing it files the document under another parent, whose owners then hold their level on it (the owner level for its owner)",
  ]);
});

test("an insert's parent checked at the share level, or the table's fileLevel, as the engine compiles the guard's levels, is what insertDocument asks: not reported; below it, reported", () => {
  const body = (level, pick = "args.folderId") =>
    `    const user = await guard.requireUser(ctx);\n    const { doc: folder } = await guard.requireAccess(ctx, "folders", args.folderId, "${level}");\n    await ctx.db.insert("documents", { title: args.title, ownerId: user._id, visibility: "private", folderId: ${pick} });`;
  const INSERTS = (levels) =>
    HEAD + levels.map(([name, level, pick]) => MUTATION(name, '{ title: v.string(), folderId: v.id("folders") }', body(level, pick))).join("");
  const message = (fn) => `i:${fn} inserts the parent field 'folderId' of table 'documents' from argument 'folderId'`;
  const reported = (r) => r.findings.filter((f) => f.rule === "access-field-write").map((f) => f.function);
  // The default levels: the share level is the one below the owner's, "editor".
  const standard = report(app("share-default", { "i.ts": INSERTS([["atEditor", "editor"], ["atEditorDoc", "editor", "folder._id"], ["atCommenter", "commenter"], ["atViewerDoc", "viewer", "folder._id"]]) }));
  assert.deepEqual(reported(standard), ["i:atCommenter", "i:atViewerDoc"]);
  assert.ok(standard.findings.every((f) => f.rule !== "access-field-write" || (f.severity === "high" && f.message.startsWith(message(f.function.slice(2))))), JSON.stringify(standard.findings));
  // Only the owner shares: an editor's check files no more than a viewer's.
  const ownerOnly = GUARD.replace("access: {", 'access: {\n    shareLevel: "owner",');
  const strict = report(app("share-owner", { "i.ts": INSERTS([["atEditor", "editor"], ["atOwner", "owner"]]) }, ownerOnly));
  assert.deepEqual(reported(strict), ["i:atEditor"]);
  // Levels of the app's own: "write" is the one below the owner's ("admin").
  const custom = GUARD.replace("access: {", 'access: {\n    levels: ["read", "write", "admin"],');
  const own = report(app("share-custom", { "i.ts": INSERTS([["atWrite", "write"], ["atRead", "read"]]) }, custom));
  assert.deepEqual(reported(own), ["i:atRead"]);
  // A table's fileLevel: what filing a document of that table under a parent takes.
  const commenters = GUARD.replace('parentTable: "folders" }', 'parentTable: "folders", fileLevel: "commenter" }');
  assert.notEqual(commenters, GUARD);
  const filed = report(app("share-file-level", { "i.ts": INSERTS([["atCommenter", "commenter"], ["atViewer", "viewer"]]) }, commenters));
  assert.deepEqual(reported(filed), ["i:atViewer"]);
});

test("a level named 'owner' that is not the last is no owner level; a fileLevel the audit cannot read is warned of and only the owner level covers", () => {
  const INSERT = (name, level) =>
    MUTATION(name, '{ title: v.string(), folderId: v.id("folders") }', `    const user = await guard.requireUser(ctx);\n    await guard.requireAccess(ctx, "folders", args.folderId, "${level}");\n    await ctx.db.insert("documents", { title: args.title, ownerId: user._id, visibility: "private", folderId: args.folderId });`);
  const DELETE = (name, level) =>
    MUTATION(name, '{ id: v.id("documents") }', `    const { doc } = await guard.requireAccess(ctx, "documents", args.id, "${level}");\n    await ctx.db.delete(doc._id);`);
  // "owner" is the second, below the share level "editor"; "admin" is the owner's. The engine
  // refuses these levels since attack46 (a level named "owner" must be last); the audit reads
  // the source and still judges by position.
  const misnamed = GUARD.replace("access: {", 'access: {\n    levels: ["viewer", "owner", "editor", "admin"],');
  const r = report(app("owner-not-last", { "i.ts": HEAD + INSERT("atOwnerName", "owner") + INSERT("atAdmin", "admin") + DELETE("delAtOwnerName", "owner") + DELETE("delAtAdmin", "admin") }, misnamed));
  assert.deepEqual(r.findings.filter((f) => f.rule === "access-field-write").map((f) => `${f.severity} ${f.function}`), ["high i:atOwnerName"]);
  const deletes = r.findings.filter((f) => f.rule === "destructive-unconfirmed").map((f) => `${f.severity} ${f.function}`);
  assert.deepEqual(deletes, ["high i:delAtOwnerName", "low i:delAtAdmin"]);
  // A fileLevel from a function call: not read, said so, and only a check at "owner" covers the insert.
  const unread = GUARD.replace('parentTable: "folders" }', 'parentTable: "folders", fileLevel: pick() }').replace("export const guard", 'function pick(): "editor" {\n  return "editor";\n}\nexport const guard');
  const u = report(app("file-level-unread", { "i.ts": HEAD + INSERT("atEditor", "editor") + INSERT("atOwner", "owner") }, unread));
  assert.deepEqual(u.findings.filter((f) => f.rule === "access-field-write").map((f) => f.function), ["i:atEditor"]);
  assert.ok(u.warnings.some((w) => w.message.includes("the level filing under a parent takes")), JSON.stringify(u.warnings));
});

test("the guard's own calls, a table not configured and a field of the same name on another table are not reported", () => {
  const r = report(
    app("clean", {
      "c.ts":
        HEAD +
        MUTATION("move", '{ id: v.string(), folderId: v.union(v.string(), v.null()) }', '    await guard.moveDocument(ctx, "documents", args.id, args.folderId);') +
        MUTATION("give", '{ id: v.string(), to: v.id("users") }', '    await guard.transferOwnership(ctx, "documents", args.id, args.to);') +
        MUTATION("noteMove", '{ id: v.id("notes"), folderId: v.id("folders"), ownerId: v.id("users") }', '    await guard.requireUser(ctx);\n    await ctx.db.patch(args.id, { folderId: args.folderId, ownerId: args.ownerId });\n    await ctx.db.insert("notes", { title: "x", ownerId: args.ownerId, folderId: args.folderId });') +
        MUTATION("folderTitle", '{ id: v.id("folders"), name: v.string() }', '    await guard.requireAccess(ctx, "folders", args.id, "editor");\n    await ctx.db.patch(args.id, { name: args.name });') +
        // A replace keeps the fields it copies from the document it replaces.
        MUTATION("retitle", '{ id: v.string(), title: v.string() }', '    const { doc } = await guard.requireAccess(ctx, "documents", args.id, "editor");\n    await ctx.db.replace(doc._id, { title: args.title, ownerId: doc.ownerId, visibility: doc.visibility, folderId: doc.folderId });'),
    }),
  );
  assert.deepEqual(found(r), []);
});

test("an internal mutation is medium, an unknown table one step lower, a helper's write is its caller's, and the allow comment holds", () => {
  const r = report(
    app("severities", {
      "s.ts":
        HEAD +
        `async function refile(ctx: MutationCtx, id: Id<"documents">, folderId: Id<"folders">) {
  await ctx.db.patch(id, { folderId });
}
` +
        MUTATION("viaHelper", '{ id: v.id("documents"), folderId: v.id("folders") }', '    await guard.requireAccess(ctx, "documents", args.id, "editor");\n    await refile(ctx, args.id, args.folderId);') +
        MUTATION("migrate", '{ id: v.id("documents"), to: v.id("users") }', "    await ctx.db.patch(args.id, { ownerId: args.to });", "internalMutation") +
        MUTATION("unknown", "{ id: v.string() }", "    const user = await guard.requireUser(ctx);\n    await ctx.db.patch(args.id as never, { ownerId: user._id });") +
        MUTATION("unknownInternal", "{ id: v.string() }", "    await ctx.db.patch(args.id as never, { parentId: undefined });", "internalMutation") +
        "// convex-guard-allow: access-field-write the one-off migration of legacy owners, run by the operator\n" +
        MUTATION("legacy", '{ id: v.id("documents"), to: v.id("users") }', "    await ctx.db.patch(args.id, { ownerId: args.to });", "internalMutation"),
    }),
  );
  assert.deepEqual(found(r), [
    "6 high s:viaHelper: s:viaHelper patches the parent field 'folderId' of table 'documents', around guard.moveDocument: writing it files the document under another parent, whose owners then hold their level on it (the owner level for its owner)",
    "20 medium s:migrate: s:migrate patches the owner field 'ownerId' of table 'documents' from argument 'to', around guard.transferOwnership: writing it transfers the document",
    "28 medium s:unknown: s:unknown patches 'ownerId' (the owner field of a table under access.tables) of a document whose table the audit cannot tell, around guard.transferOwnership: writing it transfers the document",
    "35 low s:unknownInternal: s:unknownInternal patches 'parentId' (the parent field of a table under access.tables) of a document whose table the audit cannot tell, around guard.moveDocument: writing it files the document under another parent, whose owners then hold their level on it (the owner level for its owner)",
  ]);
  assert.deepEqual(
    r.allowed.filter((a) => a.rule === "access-field-write").map((a) => a.function),
    ["s:legacy"],
  );
});

test("several guards: each guard's configured tables and fields count, and only those", () => {
  const staff = `import { defineGuard } from "convex-guard";
export const staffGuard = defineGuard({ roles: ["staff"], access: { tables: { notes: { owner: "authorId" } } } });
`;
  const r = report(
    app(
      "guards",
      {
        "staffGuard.ts": staff,
        "g.ts":
          HEAD +
          MUTATION("noteAuthor", '{ id: v.id("notes") }', "    const user = await guard.requireUser(ctx);\n    await ctx.db.patch(args.id, { authorId: user._id, ownerId: user._id });") +
          MUTATION("docAuthor", '{ id: v.id("documents") }', "    const user = await guard.requireUser(ctx);\n    await ctx.db.patch(args.id, { authorId: user._id } as never);"),
      },
    ),
  );
  assert.deepEqual(found(r), [
    "10 high g:noteAuthor: g:noteAuthor patches the owner field 'authorId' of table 'notes', around guard.transferOwnership: writing it transfers the document",
  ]);
});

test("the configuration's fields are read, not assumed: renamed fields are the ones judged", () => {
  const renamed = GUARD.replace('owner: "ownerId", visibility: "visibility", parent: "folderId"', 'owner: "authorId", visibility: "visibility", parent: "binder"');
  const r = report(
    app(
      "renamed",
      {
        "r.ts":
          HEAD +
          MUTATION("write", '{ id: v.id("documents"), folderId: v.id("folders") }', '    const user = await guard.requireUser(ctx);\n    await ctx.db.patch(args.id, { folderId: args.folderId, ownerId: user._id } as never);\n    await ctx.db.patch(args.id, { binder: undefined } as never);'),
      },
      renamed,
    ),
  );
  assert.deepEqual(found(r), [
    "11 high r:write: r:write patches the parent field 'binder' of table 'documents', around guard.moveDocument: writing it files the document under another parent, whose owners then hold their level on it (the owner level for its owner)",
  ]);
});

test("an unreadable access.tables is a warning naming access-field-write", () => {
  const r = report(
    app(
      "unreadable",
      { "u.ts": HEAD + MUTATION("w", '{ id: v.id("documents") }', "    const user = await guard.requireUser(ctx);\n    await ctx.db.patch(args.id, { ownerId: user._id });") },
      GUARD.replace("tables: {", "tables: makeTables() ?? {").replace("export const guard", "declare function makeTables(): undefined;\nexport const guard"),
    ),
  );
  assert.deepEqual(found(r), []);
  assert.ok(r.warnings.some((w) => w.message.includes("access-field-write judges no write of that guard's tables")), JSON.stringify(r.warnings));
});

test("an attacker's review: a const key, a field assigned after the object is made, and a v.any() or open-record value (one step lower) are reported", () => {
  const r = report(
    app("evasions", {
      "e.ts":
        HEAD +
        'const FIELD = "folderId";\nconst OTHER = "title";\n' +
        MUTATION("constKey", '{ id: v.string(), folderId: v.id("folders") }', `${EDITOR}    void user;\n    await ctx.db.patch(doc._id, { [FIELD]: args.folderId });`) +
        MUTATION("localKey", '{ id: v.string(), folderId: v.id("folders") }', `${EDITOR}    void user;\n    const k = "folderId";\n    await ctx.db.patch(doc._id, { [k]: args.folderId });`) +
        MUTATION("ownerKey", "{ id: v.string() }", `${EDITOR}    const k = "ownerId";\n    await ctx.db.patch(doc._id, { [k]: user._id });`) +
        MUTATION("assignedLater", '{ id: v.string(), folderId: v.id("folders") }', `${EDITOR}    void user;\n    const update: { folderId?: Id<"folders">; title?: string } = {};\n    update.folderId = args.folderId;\n    await ctx.db.patch(doc._id, update);`) +
        MUTATION("ownerAssigned", "{ id: v.string() }", `${EDITOR}    const update: Record<string, unknown> = {};\n    update["ownerId"] = user._id;\n    await ctx.db.patch(doc._id, update as never);`) +
        MUTATION("constAssigned", '{ id: v.string(), folderId: v.id("folders") }', `${EDITOR}    void user;\n    const update: Record<string, unknown> = { title: "x" };\n    update[FIELD] = args.folderId;\n    await ctx.db.patch(doc._id, update as never);`) +
        MUTATION("anyPatch", "{ id: v.string(), fields: v.any() }", `${EDITOR}    void user;\n    await ctx.db.patch(doc._id, args.fields);`) +
        MUTATION("recordReplace", "{ id: v.string(), fields: v.record(v.string(), v.string()) }", `${EDITOR}    void user;\n    await ctx.db.replace(doc._id, args.fields as never);`, "internalMutation") +
        // Controls: a const key naming another field, assigned fields that are other fields, v.any() into a table not configured.
        MUTATION("otherKey", "{ id: v.string(), title: v.string() }", `${EDITOR}    void user;\n    await ctx.db.patch(doc._id, { [OTHER]: args.title });`) +
        MUTATION("otherAssigned", "{ id: v.string(), title: v.string() }", `${EDITOR}    void user;\n    const update: Record<string, unknown> = {};\n    update.title = args.title;\n    update[OTHER] = args.title;\n    await ctx.db.patch(doc._id, update as never);`) +
        MUTATION("anyNote", '{ id: v.id("notes"), fields: v.any() }', "    await guard.requireUser(ctx);\n    await ctx.db.patch(args.id, args.fields);"),
    }),
  );
  assert.deepEqual(found(r), [
    "14 high e:constKey: e:constKey patches the parent field 'folderId' of table 'documents' from argument 'folderId', around guard.moveDocument: writing it files the document under another parent, whose owners then hold their level on it (the owner level for its owner)",
    "25 high e:localKey: e:localKey patches the parent field 'folderId' of table 'documents' from argument 'folderId', around guard.moveDocument: writing it files the document under another parent, whose owners then hold their level on it (the owner level for its owner)",
    "35 high e:ownerKey: e:ownerKey patches the owner field 'ownerId' of table 'documents', around guard.transferOwnership: writing it transfers the document",
    "47 high e:assignedLater: e:assignedLater patches the parent field 'folderId' of table 'documents' from argument 'folderId', around guard.moveDocument: writing it files the document under another parent, whose owners then hold their level on it (the owner level for its owner)",
    "58 high e:ownerAssigned: e:ownerAssigned patches the owner field 'ownerId' of table 'documents', around guard.transferOwnership: writing it transfers the document",
    "70 high e:constAssigned: e:constAssigned patches the parent field 'folderId' of table 'documents' from argument 'folderId', around guard.moveDocument: writing it files the document under another parent, whose owners then hold their level on it (the owner level for its owner)",
    "80 medium e:anyPatch: e:anyPatch patches a row of table 'documents' with a value of unknown shape from argument 'fields' (typed any, as v.any() validates): it may hold 'ownerId' or 'folderId', the fields that carry access, around guard.transferOwnership and guard.moveDocument",
    "90 low e:recordReplace: e:recordReplace replaces a row of table 'documents' with a value of unknown shape from argument 'fields' (an open record): it may hold 'ownerId' or 'folderId', the fields that carry access, around guard.transferOwnership and guard.moveDocument",
  ]);
});
