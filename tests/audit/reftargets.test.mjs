// An outside review (attack47 F3): a scheduled or run function named by `?:` between two of the
// app's references, by a `const` map of handlers (`JOBS[kind]`) or by `internal.mod[kind]` was
// not followed, so the unchecked delete it makes passed (the direct reference was reported). Each
// function the expression may name is judged as if scheduled there. Run the way a user runs it:
// the bin of the packed tarball (AUDIT_CLI names another).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, ANY_API as API, WIRING, foundRules as found } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

/** A public mutation scheduling `target` with `{ id }` (its `kind` / `purge` arguments pick it). */
const relay = (name, target, marker = "") => `export const ${name} = mutation({
  args: { kind: v.string(), purge: v.boolean(), id: v.id("posts") },
  handler: async (ctx, { kind, purge, id }) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
    await ctx.scheduler.runAfter(0, ${target}, { id });${marker}
  },
});
`;

test("a reference chosen by ?:, ??, a const map of handlers or internal.mod[kind]: each function it may name is judged (attack47 F3)", () => {
  const dir = scratchApp("reftargets", "bulk", {
    ...API,
    ...WIRING,
    "bulk.ts": `import { v } from "convex/values";
import { internalMutation, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

export const archive = internalMutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await ctx.db.patch(id, { visibility: "private" });
  },
});
export const purge = internalMutation({
  args: { id: v.id("posts") },
  handler: async (ctx, { id }) => {
    await ctx.db.delete(id);
    await guard.audit.log(ctx, { action: "posts.purge", outcome: "success", actor: "system", resourceType: "posts", resourceId: id });
  },
});
export const count = internalMutation({ args: { id: v.id("posts") }, handler: async () => null });
const JOBS = { archive: internal.bulk.archive, purge: internal.bulk.purge } as const;
const SAFE = { count: internal.bulk.count } as const;
${relay("viaMap", "JOBS[kind as keyof typeof JOBS]", " // FINDING unchecked-id-write, unchecked-id-delete")}
${relay("viaModule", "internal.bulk[kind]", " // FINDING unchecked-id-write, unchecked-id-delete")}
${relay("viaTernary", "purge ? internal.bulk.purge : internal.bulk.archive", " // FINDING unchecked-id-write, unchecked-id-delete")}
${relay("viaNullish", "(purge ? internal.bulk.purge : undefined) ?? internal.bulk.count", " // FINDING unchecked-id-delete")}
${relay("viaLiteralKey", 'JOBS["archive"]', " // FINDING unchecked-id-write")}
${relay("viaSafeMap", "SAFE[kind as keyof typeof SAFE]")}
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "unchecked-id-write", "unchecked-id-delete"), markers(`${dir}/convex`));
  assert.ok(r.findings.filter((f) => f.rule.startsWith("unchecked-id")).every((f) => f.severity === "high"));
  const of = (fn, rule) => r.findings.find((f) => f.function === fn && f.rule === rule).message;
  assert.equal(of("bulk:viaMap", "unchecked-id-delete"), "bulk:viaMap deletes, through internal.bulk.purge, which JOBS[kind as keyof typeof JOBS] may name (scheduled: ctx.scheduler.runAfter), the document that argument 'id' names, for any signed-in caller");
  assert.equal(of("bulk:viaModule", "unchecked-id-delete"), "bulk:viaModule deletes, through internal.bulk.purge, which internal.bulk[kind] may name (scheduled: ctx.scheduler.runAfter), the document that argument 'id' names, for any signed-in caller");
  assert.equal(of("bulk:viaTernary", "unchecked-id-delete"), "bulk:viaTernary deletes, through internal.bulk.purge (scheduled: ctx.scheduler.runAfter), the document that argument 'id' names, for any signed-in caller");
});
