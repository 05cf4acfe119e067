// Files a reader can hold (issue #8, /work/shared/style.md practice 18): no TypeScript source
// under js/ (the library and the audit CLI; js/generated/ is the build's output) is over 400
// lines. A capability that grows past it splits into its public API, its codec and its storage,
// as access-*.ts and ratelimit-*.ts do.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";

const MAX_LINES = 400;
const js = new URL("../../js/", import.meta.url).pathname;

/** The .ts files under `dir`, relative to js/, js/generated/ left out. */
function sources(dir = "") {
  return readdirSync(js + dir, { withFileTypes: true }).flatMap((e) => {
    const path = dir + e.name;
    if (e.isDirectory()) return path === "generated" ? [] : sources(`${path}/`);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

test("the walk finds the library's and the CLI's sources", () => {
  const found = sources();
  for (const file of ["index.ts", "access.ts", "ratelimit.ts", "cli/main.ts"]) assert.ok(found.includes(file), file);
  assert.ok(!found.some((f) => f.startsWith("generated/")));
});

test(`no source under js/ is over ${MAX_LINES} lines`, () => {
  const over = sources()
    .map((file) => ({ file, lines: readFileSync(js + file, "utf8").split("\n").length - 1 }))
    .filter((f) => f.lines > MAX_LINES)
    .map((f) => `js/${f.file}: ${f.lines} lines`);
  assert.deepEqual(over, [], `split these into smaller files (public API, codec, storage): ${over.join("; ")}`);
});
