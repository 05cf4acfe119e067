// An outside review (attack47 F6): an id parsed out of a string argument (a share link's path, a
// `table:id` reference) and handed to ctx.db.normalizeId was not followed, while `docId.trim()`
// was: reading or wiping any private document through its link passed. What normalizeId answers
// of a value derived from an argument is that argument's id. Run the way a user runs it: the bin
// of the packed tarball (AUDIT_CLI names another).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, foundRules as found } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

test("an id parsed out of a string argument (split, new URL(...).pathname, a destructured split) and normalized is the argument's (attack47 F6)", () => {
  const dir = scratchApp("parsedids", "links", {
    "links.ts": `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";

export const openLink = query({
  args: { link: v.string() },
  handler: async (ctx, { link }) => {
    await guard.requireUser(ctx);
    const raw = link.split("/p/")[1] ?? "";
    const id = ctx.db.normalizeId("posts", raw);
    if (id === null) return null;
    return await ctx.db.get(id); // FINDING unchecked-id-read
  },
});
export const openUrl = query({
  args: { link: v.string() },
  handler: async (ctx, { link }) => {
    await guard.requireUser(ctx);
    const id = ctx.db.normalizeId("posts", new URL(link).pathname.slice(3));
    return id ? await ctx.db.get(id) : null; // FINDING unchecked-id-read
  },
});
export const removeRef = mutation({
  args: { ref: v.string() },
  handler: async (ctx, { ref }) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    const [table, raw] = ref.split(":");
    if (table !== "posts") return;
    const id = ctx.db.normalizeId("posts", raw);
    if (!id) return;
    await ctx.db.patch(id, { title: "" }); // FINDING unchecked-id-write
  },
});
// Checked: the caller's access to the parsed id.
export const openChecked = query({
  args: { link: v.string() },
  handler: async (ctx, { link }) => {
    const id = ctx.db.normalizeId("posts", link.split("/p/")[1] ?? "");
    if (id === null) return null;
    const r = await guard.readable(ctx, "posts", id);
    return r === null ? null : r.doc;
  },
});
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-id-read", "unchecked-id-write"), markers(`${dir}/convex`));
  assert.equal(r.findings.find((f) => f.function === "links:removeRef" && f.rule === "unchecked-id-write").message, "links:removeRef patches the document that argument 'ref' names, for any signed-in caller");
});
