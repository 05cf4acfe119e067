// Benchmark module: `convex-guard audit` on a generated 200-function app.
//
//   audit_200_functions_ms      wall time of `node pkg/cli.cjs audit <dir> --json` (a fresh
//                               process: Node start, loading TypeScript, parsing and checking
//                               the app), budget < 5,000 ms (design.md)
//   audit_200_functions_cpu_ms  the same run's CPU time (user + sys), less at the mercy of the
//                               other processes on a shared machine
//
// The app (target/bench/audit-app/convex) has 20 modules of 10 functions each — queries,
// mutations, actions and internal functions, checked through the guard directly and through a
// lib/auth.ts helper — plus a schema, a guard and hand-written _generated files like the
// example's. `convex` and `convex-guard` resolve from the repository's node_modules.
// Run alone: `node bench/audit.mjs` (after `make build`).
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { summarize } from "./lib/stats.mjs";

export const name = "audit";

const MODULES = 20;
const PER_MODULE = 10;

/** One module's source: ten functions of every kind and check. */
function moduleSource(m) {
  const fns = [];
  for (let i = 0; i < PER_MODULE; i++) {
    const n = `${m}_${i}`;
    switch (i % 5) {
      case 0:
        fns.push(`export const get${n} = query({
  args: { id: v.string() },
  handler: async (ctx, { id }) => {
    const r = await guard.readable(ctx, "documents", id);
    return r && { title: r.doc.title };
  },
});`);
        break;
      case 1:
        fns.push(`export const update${n} = mutation({
  args: { id: v.string(), title: v.string() },
  handler: async (ctx, { id, title }) => {
    const user = await signedIn(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const { doc } = await guard.requireAccess(ctx, "documents", id, "editor");
    await ctx.db.patch(doc._id, { title });
    return null;
  },
});`);
        break;
      case 2:
        fns.push(`export const list${n} = query({
  args: {},
  returns: v.array(v.string()),
  handler: async (ctx) => {
    await guard.requireRole(ctx, "admin");
    const docs = await ctx.db.query("documents").take(10);
    return docs.map((d) => d.title);
  },
});`);
        break;
      case 3:
        fns.push(`export const remove${n} = internalMutation({
  args: { id: v.id("documents") },
  handler: async (ctx, { id }) => {
    await ctx.db.delete(id);
    await guard.audit.log(ctx, { action: "documents.remove", outcome: "success", resourceType: "documents", resourceId: id });
    return null;
  },
});`);
        break;
      default:
        fns.push(`export const lookup${n} = action(
  guard.safeAction({
    name: "lookup${n}",
    args: { q: v.string() },
    handler: async (_ctx, { q }): Promise<{ q: string }> => {
      const key = process.env.EXTERNAL_API_KEY;
      return { q: key === undefined ? q : q.toUpperCase() };
    },
  }),
);`);
    }
  }
  return `import { v } from "convex/values";
import { action, internalMutation, mutation, query } from "./_generated/server";
import { guard } from "./guard";
import { signedIn } from "./lib/auth";

${fns.join("\n\n")}
`;
}

/** Writes the app; returns its convex directory. */
export function generate(root, outDir) {
  const app = `${outDir}/audit-app`;
  rmSync(app, { recursive: true, force: true });
  mkdirSync(`${app}/convex/lib`, { recursive: true });
  cpSync(`${root}/examples/convex-app/convex/_generated`, `${app}/convex/_generated`, { recursive: true });
  // api.d.ts lists the example's modules; the audit never reads it.
  rmSync(`${app}/convex/_generated/api.d.ts`);
  rmSync(`${app}/convex/_generated/api.js`);
  writeFileSync(
    `${app}/convex/schema.ts`,
    `import { auditTable, accessTables, rateLimitTables } from "convex-guard";
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({
  ...accessTables,
  ...rateLimitTables,
  guardAudit: auditTable,
  users: defineTable({ tokenIdentifier: v.string(), name: v.string(), role: v.optional(v.string()) }).index("by_tokenIdentifier", ["tokenIdentifier"]),
  documents: defineTable({ title: v.string(), ownerId: v.id("users"), visibility: v.string() }),
});
`,
  );
  writeFileSync(
    `${app}/convex/guard.ts`,
    `import { defineGuard, MINUTE } from "convex-guard";
export const guard = defineGuard({
  roles: ["user", "admin"],
  access: { tables: { documents: { owner: "ownerId", visibility: "visibility" } } },
  rateLimits: { write: { kind: "token bucket", rate: 30, period: MINUTE } },
  confirmations: { redactEnv: ["EXTERNAL_API_KEY"] },
});
`,
  );
  writeFileSync(
    `${app}/convex/lib/auth.ts`,
    `import type { QueryCtx } from "../_generated/server";
import { guard } from "../guard";
/** The app's own wrapper, as most apps write one. */
export async function signedIn(ctx: QueryCtx) {
  return await guard.requireUser(ctx);
}
`,
  );
  for (let m = 0; m < MODULES; m++) writeFileSync(`${app}/convex/m${m}.ts`, moduleSource(m));
  return `${app}/convex`;
}

export async function run({ root, outDir, quick }) {
  const dir = generate(root, outDir);
  const cli = `${root}/pkg/cli.cjs`;
  // bash's `time` gives the child's CPU time (user + sys) next to the wall time: on a shared
  // machine the wall time says as much about the other processes as about the audit.
  const once = () => {
    const t0 = performance.now();
    const r = spawnSync("bash", ["-c", 'TIMEFORMAT="%3U %3S"; time "$0" "$1" audit "$2" --json --fail-on none', process.execPath, cli, dir], { encoding: "utf8" });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`audit of the generated app failed: ${r.stderr}`);
    const [user, sys] = r.stderr.trim().split("\n").at(-1).split(" ").map(Number);
    cpu.push((user + sys) * 1000);
    const report = JSON.parse(r.stdout);
    // Correctness first: every generated function found, every one checked.
    if (report.functions.length !== MODULES * PER_MODULE) throw new Error(`audit found ${report.functions.length} functions, not ${MODULES * PER_MODULE}`);
    const unchecked = report.functions.filter((f) => f.auth === "none" && f.visibility === "public");
    if (unchecked.length > 0) throw new Error(`audit missed the checks of ${unchecked.map((f) => f.function).join(", ")}`);
    return ms;
  };
  const samples = [];
  const cpu = [];
  for (let i = 0; i < (quick ? 1 : 5); i++) samples.push(once());
  const spread = summarize(samples);
  return {
    rows: [
      {
        key: "audit_200_functions_ms",
        value: spread.median,
        unit: "ms",
        spread,
        target: { text: "< 5000 ms", pass: spread.median < 5000 },
      },
      { key: "audit_200_functions_cpu_ms", value: summarize(cpu).median, unit: "ms", spread: summarize(cpu) },
    ],
    notes: [`a fresh process per run (Node start and loading TypeScript included), ${MODULES * PER_MODULE} functions in ${MODULES} modules`],
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  console.log(JSON.stringify(await run({ root, outDir: `${root}/target/bench`, quick: process.argv.includes("--quick") }), null, 2));
}
