// The README npm shows (pkg/README.md, generated from README.md by scripts/npm-readme.mjs) is
// the complete documentation, and every link in it resolves: to a file in the packed tarball,
// to one of its own headings, or to a URL. The package manifest names its repository.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { npmReadme } from "../../scripts/npm-readme.mjs";

const root = new URL("../../", import.meta.url).pathname;
const tarball = `${root}target/pack/convex-guard.tgz`;
const files = new Set(
  execFileSync("tar", ["tzf", tarball], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, "")),
);
const readme = execFileSync("tar", ["xzf", tarball, "-O", "package/README.md"], { encoding: "utf8" });
const manifest = JSON.parse(execFileSync("tar", ["xzf", tarball, "-O", "package/package.json"], { encoding: "utf8" }));
const repository = /^repository\s*=\s*"([^"]+)"/m.exec(readFileSync(`${root}Cargo.toml`, "utf8"))[1];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");

/** The links of a markdown text outside code: [text](target) and src/href attributes. */
function links(text) {
  const prose = text.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)|(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? m[2]);
}

/** Which links do not resolve inside the package. */
function broken(text, inTarball) {
  const headings = new Set(
    [...text.replace(/```[\s\S]*?```/g, "").matchAll(/^#{1,6} (.*)$/gm)].map((m) => slug(m[1])),
  );
  return links(text).filter((target) => {
    if (/^[a-z]+:/.test(target)) return false;
    if (target.startsWith("#")) return !headings.has(target.slice(1));
    return !inTarball.has(target.replace(/^\.\//, "").replace(/#.*$/, ""));
  });
}

test("every link of the package README resolves in the tarball, its headings or a URL", () => {
  assert.deepEqual(broken(readme, files), []);
  assert.ok(links(readme).length > 5);
});

test("no code span names a repository file outside a link (the tarball does not have it)", () => {
  const prose = readme.replace(/```[\s\S]*?```/g, "");
  const bare = [...prose.matchAll(/(?<!\[)`((?:[\w.-]+\/)+[\w.-]*)`(?!\]\()/g)]
    .map((m) => m[1])
    .filter((path) => existsSync(`${root}${path}`) && !files.has(path));
  assert.deepEqual(bare, []);
});

test("the check finds a link to a file the tarball lacks, and a heading that is gone", () => {
  assert.deepEqual(broken("see [x](examples/convex-app) and [y](#nowhere)\n# Here\n[z](#here)", files), [
    "examples/convex-app",
    "#nowhere",
  ]);
});

test("the package README is the whole user documentation, without the contributors' sections", () => {
  assert.equal(readme, npmReadme(readFileSync(`${root}README.md`, "utf8"), repository, root));
  for (const heading of [
    "## Quick start for a Convex app",
    "## API",
    "## Data access boundaries",
    "## Rate limiting",
    "## Sensitive operations: one-time codes, audit trail, safe actions",
    "## React",
    "## Security model",
  ]) {
    assert.ok(readme.includes(`\n${heading}\n`), heading);
  }
  assert.ok(readme.includes("export const removeUser = guard.mutation(mutation, {"), "examples inline");
  assert.ok(!readme.includes("make test"), "no contributor commands");
  assert.ok(!readme.includes("## Development"));
});

test("the manifest names the repository and its homepage, and exports convex-guard/react", () => {
  assert.deepEqual(manifest.repository, { type: "git", url: repository });
  assert.equal(manifest.homepage, `${repository}#readme`);
  assert.equal(manifest.exports["./react"].import, "./react.js");
  assert.ok(files.has("react.js") && files.has("react.cjs") && files.has("types/react.d.ts"));
  assert.deepEqual(manifest.peerDependenciesMeta, { react: { optional: true } });
});
