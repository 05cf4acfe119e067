// attack33 A8: a public mutation stores a document's id no check covers (`deletionRequests {
// docId }` after only requireUser), and an internal function of the app (a cron's job) later
// deletes that document by the stored field: any user has any document deleted. It was reported
// medium, in the words of a possible privacy question. Run the way a user runs it: the bin of the
// packed tarball (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, FOLDERS_GUARD, FOLDERS_SCHEMA, markers, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const SCHEMA = FOLDERS_SCHEMA.replace(
  /\}\);\n$/,
  `  deletionRequests: defineTable({ docId: v.id("documents"), by: v.id("users") }),
  renameRequests: defineTable({ docId: v.id("documents"), title: v.string() }),
  comments: defineTable({ docId: v.id("documents"), text: v.string() }),
});
`,
);

const request = (name, table, row) => `export const ${name} = mutation({
  args: { docId: v.id("documents") },
  handler: async (ctx, { docId }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.db.insert("${table}", ${row}); // FINDING unchecked-id-write
  },
});
`;

test("an unchecked id stored by a public mutation and later deleted or written by it in an internal function: unchecked-id-write high naming that function; stored only: medium", () => {
  const dir = scratchApp(
    "storedids",
    "requests",
    {
      "schema.ts": SCHEMA,
      "crons.ts": `import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";
const crons = cronJobs();
crons.interval("deletions", { minutes: 5 }, internal.jobs.processDeletions, {});
export default crons;
`,
      "_generated/api.d.ts": "export declare const api: any;\nexport declare const internal: any;\n",
      "_generated/api.js": 'import { anyApi } from "convex/server";\nexport const api = anyApi;\nexport const internal = anyApi;\n',
      "requests.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";

${request("requestDeletion", "deletionRequests", "{ docId, by: user._id }")}
${request("requestRename", "renameRequests", '{ docId, title: "x" }')}
${request("comment", "comments", '{ docId, text: "x" }')}`,
      "jobs.ts": `import { internalMutation } from "./_generated/server";

export const processDeletions = internalMutation({
  args: {},
  handler: async (ctx) => {
    for (const req of await ctx.db.query("deletionRequests").take(20)) {
      await ctx.db.delete(req.docId); // FINDING destructive-unconfirmed
      await ctx.db.delete(req._id); // FINDING destructive-unconfirmed
    }
  },
});

export const processRenames = internalMutation({
  args: {},
  handler: async (ctx) => {
    const req = await ctx.db.query("renameRequests").first();
    if (req === null) return;
    await ctx.db.patch(req.docId, { title: req.title });
  },
});

export const readComments = internalMutation({
  args: {},
  handler: async (ctx) => {
    const c = await ctx.db.query("comments").first();
    if (c === null) return;
    await ctx.db.patch(c._id, { text: "seen" });
  },
});
`,
    },
    FOLDERS_GUARD,
  );
  const r = auditReport(cli, dir);
  const found = r.findings.filter((f) => ["unchecked-id-write", "destructive-unconfirmed"].includes(f.rule));
  assert.deepEqual(found.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), markers(`${dir}/convex`));
  const ids = found.filter((f) => f.rule === "unchecked-id-write");
  assert.deepEqual(ids.map((f) => `${f.function} ${f.severity}`).sort(), ["requests:comment medium", "requests:requestDeletion high", "requests:requestRename high"]);
  assert.equal(
    ids.find((f) => f.function === "requests:requestDeletion").message,
    "requests:requestDeletion inserts a row of 'deletionRequests' whose field 'docId' is argument 'docId', an id of a 'documents' document under access, with no document check on it, for any signed-in caller: internal mutation jobs:processDeletions later deletes the document that field names, so a caller who may not see it has it deleted",
  );
  assert.match(ids.find((f) => f.function === "requests:requestRename").message, /: internal mutation jobs:processRenames later writes the document that field names, so a caller who may not see it has it changed$/);
  assert.match(ids.find((f) => f.function === "requests:comment").message, /the audit cannot know whether its rows are private/);
});

test("an id stored after a check only at the lowest level, then deleted or written by an internal function, is high as the unchecked store is, naming the level the later change takes (attack34 F5); a check at that level, or no later change, keeps it quiet", () => {
  const checked = (name, table, row, level) =>
    request(name, table, row)
      .replace("    await ctx.db.insert", `    await guard.requireAccess(ctx, "documents", docId, "${level}");\n    await ctx.db.insert`)
      .replace(" // FINDING unchecked-id-write", level === "viewer" && table !== "comments" ? " // FINDING unchecked-id-write" : "");
  const dir = scratchApp(
    "storedids",
    "weak",
    {
      "schema.ts": SCHEMA,
      "_generated/api.d.ts": "export declare const api: any;\nexport declare const internal: any;\n",
      "_generated/api.js": 'import { anyApi } from "convex/server";\nexport const api = anyApi;\nexport const internal = anyApi;\n',
      "requests.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";

${checked("deleteViewer", "deletionRequests", "{ docId, by: user._id }", "viewer")}
${checked("deleteOwner", "deletionRequests", "{ docId, by: user._id }", "owner")}
${checked("renameViewer", "renameRequests", '{ docId, title: "x" }', "viewer")}
${checked("renameEditor", "renameRequests", '{ docId, title: "x" }', "editor")}
${checked("commentViewer", "comments", '{ docId, text: "x" }', "viewer")}`,
      "jobs.ts": `import { internalMutation } from "./_generated/server";

export const processDeletions = internalMutation({
  args: {},
  handler: async (ctx) => {
    for (const req of await ctx.db.query("deletionRequests").take(20)) {
      const id = req.docId; // read through a const
      await ctx.db.delete(id);
    }
  },
});
export const processRenames = internalMutation({
  args: {},
  handler: async (ctx) => {
    const req = await ctx.db.query("renameRequests").first();
    if (req !== null) await ctx.db.patch(req.docId, { title: req.title });
  },
});
`,
    },
    FOLDERS_GUARD,
  );
  const r = auditReport(cli, dir);
  const ids = r.findings.filter((f) => f.rule === "unchecked-id-write" && f.file === "convex/requests.ts");
  assert.deepEqual(ids.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), markers(`${dir}/convex`).filter((m) => m.startsWith("convex/requests.ts")));
  assert.deepEqual(ids.map((f) => `${f.function} ${f.severity}`).sort(), ["requests:deleteViewer high", "requests:renameViewer high"]);
  assert.match(ids.find((f) => f.function === "requests:deleteViewer").message, /checked only at level 'viewer'.*later deletes the document that field names, which takes the owner level \(of the default levels\), so a caller who may only see it has it deleted$/);
  assert.match(ids.find((f) => f.function === "requests:renameViewer").message, /which takes the editor level/);
});

test("a stored id deleted or written through a destructured row (`for (const { docId } of reqs)`, `({ docId }) =>` in a map, `const { docId } = req`, also in a loop's body and renamed, or ids mapped out of the rows then looped over: attack36 F10) is followed as `req.docId` is (final read); a destructured field of another table is not", () => {
  const jobs = (name, loop) => `export const ${name} = internalMutation({
  args: {},
  handler: async (ctx) => {
    const reqs = await ctx.db.query("deletionRequests").take(20);
${loop}
  },
});
`;
  const app = (name, body) =>
    scratchApp(
      "storedids",
      name,
      {
        "schema.ts": SCHEMA,
        "_generated/api.d.ts": "export declare const api: any;\nexport declare const internal: any;\n",
        "_generated/api.js": 'import { anyApi } from "convex/server";\nexport const api = anyApi;\nexport const internal = anyApi;\n',
        "requests.ts": `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";

${request("requestDeletion", "deletionRequests", "{ docId, by: user._id }")}`,
        "jobs.ts": `import { internalMutation } from "./_generated/server";

${body}`,
      },
      FOLDERS_GUARD,
    );
  const severity = (dir) => auditReport(cli, dir).findings.find((f) => f.rule === "unchecked-id-write" && f.function === "requests:requestDeletion")?.severity;
  assert.equal(severity(app("destructured-for", jobs("purge", "    for (const { docId } of reqs) await ctx.db.delete(docId);"))), "high");
  assert.equal(severity(app("destructured-map", jobs("purge", "    await Promise.all(reqs.map(async ({ docId }) => { await ctx.db.delete(docId); }));"))), "high");
  assert.equal(severity(app("destructured-const", jobs("purge", "    const req = reqs[0];\n    if (req === undefined) return;\n    const { docId } = req;\n    await ctx.db.delete(docId);"))), "high");
  // A field of that name read from a row of another table names no stored request.
  const other = jobs("purge", '    for (const { docId } of await ctx.db.query("comments").take(20)) await ctx.db.delete(docId);').replace('const reqs = await ctx.db.query("deletionRequests").take(20);\n', "");
  assert.equal(severity(app("destructured-other", other)), "medium");
  const otherMapped = jobs("purge", '    const ids = (await ctx.db.query("comments").take(20)).map((c) => c.docId);\n    for (const id of ids) await ctx.db.delete(id);').replace('const reqs = await ctx.db.query("deletionRequests").take(20);\n', "");
  assert.equal(severity(app("mapped-other", otherMapped)), "medium");
  // In a loop's body, plainly or renamed (attack36 F10).
  assert.equal(severity(app("destructured-body", jobs("purge", "    for (const req of reqs) {\n      const { docId } = req;\n      await ctx.db.delete(docId);\n    }"))), "high");
  assert.equal(severity(app("destructured-renamed", jobs("purge", "    for (const req of reqs) {\n      const { docId: target } = req;\n      await ctx.db.delete(target);\n    }"))), "high");
  // The ids mapped out of the rows first, then looped over.
  assert.equal(severity(app("mapped-ids", jobs("purge", "    const ids = reqs.map((r) => r.docId);\n    for (const id of ids) await ctx.db.delete(id);"))), "high");
  assert.equal(severity(app("mapped-ids-destructured", jobs("purge", "    const ids = reqs.map(({ docId }) => docId);\n    await Promise.all(ids.map((id) => ctx.db.delete(id)));"))), "high");
});
