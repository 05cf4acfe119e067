// `user-id-arg`: every argument that takes a user from the caller, each its own finding at its
// own line. Run the way a user runs it: the bin of the packed tarball.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { test } from "node:test";

const root = new URL("../../", import.meta.url).pathname;
const cli = `${root}node_modules/convex-guard/cli.cjs`;
const pitfalls = `${root}tests/audit/fixtures/pitfalls/convex`;
const scratch = `${root}target/audit-tests/userargs`;

/** An app (its root) with the pitfalls fixture's _generated, schema and guard, plus `files` under convex/. */
function app(name, files, guard = readFileSync(`${pitfalls}/guard.ts`, "utf8")) {
  const dir = `${scratch}/${name}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(`${dir}/convex`, { recursive: true });
  cpSync(`${pitfalls}/_generated`, `${dir}/convex/_generated`, { recursive: true });
  cpSync(`${pitfalls}/schema.ts`, `${dir}/convex/schema.ts`);
  writeFileSync(`${dir}/convex/guard.ts`, guard);
  for (const [file, text] of Object.entries(files)) writeFileSync(`${dir}/convex/${file}`, text);
  return dir;
}

/** The JSON report of `audit convex` run in an app's root. */
function report(appRoot) {
  const r = spawnSync(process.execPath, [cli, "audit", "convex", "--json"], { cwd: appRoot, encoding: "utf8" });
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** `line rule function: message` of a report's findings of `rule`, in the report's order. */
const found = (r, rule = "user-id-arg") => r.findings.filter((f) => f.rule === rule).map((f) => `${f.line} ${f.function}: ${f.message}`);

const HEAD = `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";
`;

/** A signed-in query taking `args` (the source of its validator object), which it does not use. */
const QUERY = (name, args) => `export const ${name} = query({
  args: ${args},
  handler: async (ctx) => (await guard.requireUser(ctx)).name,
});
`;

test("two user ids of one function are two findings, on one line or on two", () => {
  const r = report(
    app("two-ids", {
      "u.ts":
        HEAD +
        QUERY("oneLine", '{ fromUserId: v.id("users"), toUserId: v.id("users"), amount: v.number() }') +
        QUERY("twoLines", '{\n    fromUserId: v.string(),\n    toUserId: v.string(),\n  }'),
    }),
  );
  assert.deepEqual(found(r), [
    "5 u:oneLine: public query u:oneLine takes fromUserId (a user) from the caller",
    "5 u:oneLine: public query u:oneLine takes toUserId (a user) from the caller",
    "10 u:twoLines: public query u:twoLines takes fromUserId (a user) from the caller",
    "11 u:twoLines: public query u:twoLines takes toUserId (a user) from the caller",
  ]);
});
