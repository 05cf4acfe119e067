// The guard's owner level is the last of its `access.levels` (README "access"), whatever it is
// named: an app helper handing on `requireAccess` at that level hands on the owner's document,
// one checking a level named "owner" that is not the last does not; a group's row changed after
// a group check below it is told to check that level, by its name; renameGroup checks it itself.
// Run the way a user runs it: the bin of the packed tarball (AUDIT_CLI names another, to show a
// test fails on an older build).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { auditReport, markers, pitfalls, scratchApp, foundRules as found, NOTES_GUARD } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

/** The pitfalls guard (posts owned by ownerId) with `levels`. */
const postsGuard = (levels) => readFileSync(`${pitfalls}/guard.ts`, "utf8").replace("access: {", `access: {\n    levels: ${JSON.stringify(levels)},`);

/** A helper returning `requireAccess` on posts at `level`, and a mutation deleting the `doc` it answers. */
const helperDelete = (name, level) => `
async function ${name}Post(ctx: MutationCtx, id: string) {
  return await guard.requireAccess(ctx, "posts", id, "${level}");
}

export const ${name} = mutation({
  args: { id: v.string() },
  handler: async (ctx, { id }) => {
    const { doc } = await ${name}Post(ctx, id);
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await ctx.db.delete(doc._id);
  },
});
`;

const HEAD = `import { v } from "convex/values";
import { mutation, type MutationCtx } from "./_generated/server";
import { guard } from "./guard";
`;

/** `function severity` of a report's destructive-unconfirmed findings. */
const destructive = (r) => r.findings.filter((f) => f.rule === "destructive-unconfirmed").map((f) => `${f.function} ${f.severity}`).sort();

test("a helper's requireAccess at the last of custom levels hands on the owner's document, as \"owner\" does by default: low", () => {
  const custom = auditReport(cli, scratchApp("ownerlevel", "custom", { "posts.ts": HEAD + helperDelete("adminHelper", "admin") + helperDelete("writerHelper", "writer") }, postsGuard(["reader", "writer", "admin"])));
  assert.deepEqual(destructive(custom), ["posts:adminHelper low", "posts:writerHelper high"]);
  const byDefault = auditReport(cli, scratchApp("ownerlevel", "default", { "posts.ts": HEAD + helperDelete("ownerHelper", "owner") + helperDelete("editorHelper", "editor") }));
  assert.deepEqual(destructive(byDefault), ["posts:editorHelper high", "posts:ownerHelper low"]);
});

test("a helper's requireAccess at a level named \"owner\" that is not the last is no owner check: high; at the last: low", () => {
  const r = auditReport(cli, scratchApp("ownerlevel", "misnamed", { "posts.ts": HEAD + helperDelete("ownerHelper", "owner") + helperDelete("bossHelper", "boss") }, postsGuard(["viewer", "owner", "boss"])));
  assert.deepEqual(destructive(r), ["posts:bossHelper low", "posts:ownerHelper high"]);
});

test("a delete of the document a helper's lowest-level requireAccess answered: medium, as when the guard's own call answered it", () => {
  const r = auditReport(cli, scratchApp("ownerlevel", "weak-helper", { "posts.ts": HEAD + helperDelete("viewerHelper", "viewer") }));
  const f = r.findings.find((x) => x.rule === "unchecked-id-delete" && x.function === "posts:viewerHelper");
  assert.ok(f, JSON.stringify(r.findings.map((x) => `${x.function} ${x.rule}`)));
  assert.equal(f.severity, "medium");
  assert.match(f.message, /checked only at level 'viewer'/);
});

const ORGS = `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";

export const deleteAsWriter = mutation({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireGroupLevel(ctx, orgId, "writer");
    await ctx.db.delete(orgId); // FINDING unchecked-id-delete
    await guard.audit.log(ctx, { action: "orgs.delete", outcome: "success", actor: user._id, resourceId: orgId });
  },
});

export const deleteAsAdmin = mutation({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.requireGroupLevel(ctx, orgId, "admin");
    await ctx.db.delete(orgId);
    await guard.audit.log(ctx, { action: "orgs.delete", outcome: "success", actor: user._id, resourceId: orgId });
  },
});

export const renameThenDelete = mutation({
  args: { orgId: v.id("accessGroups"), name: v.string() },
  handler: async (ctx, { orgId, name }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    await guard.renameGroup(ctx, orgId, name);
    await ctx.db.delete(orgId);
    await guard.audit.log(ctx, { action: "orgs.delete", outcome: "success", actor: user._id, resourceId: orgId });
  },
});
`;

const orgs = (name) => scratchApp("ownerlevel", name, { "orgs.ts": ORGS }, NOTES_GUARD.replace("access: {", 'access: { levels: ["reader", "writer", "admin"],'));

test("a group's row deleted after a group check below custom levels' last: medium, the fix names that level", () => {
  const r = auditReport(cli, orgs("group-fix"));
  const f = r.findings.find((x) => x.function === "orgs:deleteAsWriter" && x.rule === "unchecked-id-delete");
  assert.equal(f.severity, "medium");
  assert.match(f.fix, /guard\.requireGroupLevel\(ctx, groupId, "admin"\), the last of your access\.levels: its owner/);
  assert.doesNotMatch(f.fix, /"owner"/);
});

test("renameGroup checks the owner level itself, named or not \"owner\": a delete after it is not reported; one at the last level neither", () => {
  const dir = orgs("group-rename");
  assert.deepEqual(found(auditReport(cli, dir), "unchecked-id-delete", "unchecked-id-write"), markers(`${dir}/convex`));
});

/** A mutation deleting the document a `readable` at `level` answered, through `const`s: `const { doc } = r`, `const target = doc._id`. */
const constDelete = (name, level) => `
export const ${name} = mutation({
  args: { id: v.string() },
  handler: async (ctx, { id }) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const r = await guard.readable(ctx, "posts", id, "${level}");
    if (r === null) throw new Error("not found");
    const { doc } = r;
    const target = doc._id;
    await ctx.db.delete(target);
  },
});
`;

test("the checked document's _id through consts (const { doc } = r, const target = doc._id) is the checked one: low at the owner level, medium at the lowest", () => {
  const r = auditReport(cli, scratchApp("ownerlevel", "through-consts", { "posts.ts": HEAD + constDelete("asOwner", "owner") + constDelete("asViewer", "viewer") }));
  assert.deepEqual(destructive(r), ["posts:asOwner low", "posts:asViewer high"]);
  const weak = r.findings.filter((x) => x.rule === "unchecked-id-delete").map((x) => `${x.function} ${x.severity}`);
  assert.deepEqual(weak, ["posts:asViewer medium"]);
});
