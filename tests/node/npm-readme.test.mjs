// The README npm shows (pkg/README.md, generated from README.md by scripts/npm-readme.mjs) and
// the audit's reference beside it (pkg/AUDIT.md, from AUDIT.md the same way) are the complete
// documentation, and every link in either resolves: to a file in the packed tarball (to one of
// its headings, when it is a shipped document and the link names one), to one of its own
// headings, or to a URL. The package manifest names its repository.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { npmReadme, SHIPPED_DOCS } from "../../scripts/npm-readme.mjs";

const root = new URL("../../", import.meta.url).pathname;
const tarball = `${root}target/pack/convex-guard.tgz`;
const files = new Set(
  execFileSync("tar", ["tzf", tarball], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, "")),
);
const shipped = Object.fromEntries(
  SHIPPED_DOCS.map((doc) => [doc, execFileSync("tar", ["xzf", tarball, "-O", `package/${doc}`], { encoding: "utf8" })]),
);
const readme = shipped["README.md"];
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

/** The anchors of a markdown text's headings, outside code. */
const headings = (text) =>
  new Set([...text.replace(/```[\s\S]*?```/g, "").matchAll(/^#{1,6} (.*)$/gm)].map((m) => slug(m[1])));

/**
 * Which links do not resolve inside the package: `docs` maps each shipped document to its text,
 * so `AUDIT.md#rules` must name a heading of AUDIT.md.
 */
function broken(text, inTarball, docs = shipped) {
  const own = headings(text);
  return links(text).filter((target) => {
    if (/^[a-z]+:/.test(target)) return false;
    if (target.startsWith("#")) return !own.has(target.slice(1));
    const [file, anchor] = target.replace(/^\.\//, "").split("#");
    if (!inTarball.has(file)) return true;
    return anchor !== undefined && file in docs && !headings(docs[file]).has(anchor);
  });
}

for (const doc of SHIPPED_DOCS) {
  test(`every link of the package ${doc} resolves in the tarball, its headings or a URL`, () => {
    assert.ok(files.has(doc), `the tarball ships ${doc}`);
    assert.deepEqual(broken(shipped[doc], files), []);
    assert.ok(links(shipped[doc]).length > 5);
  });

  test(`no code span of the package ${doc} names a repository file outside a link (the tarball does not have it)`, () => {
    const prose = shipped[doc].replace(/```[\s\S]*?```/g, "");
    const bare = [...prose.matchAll(/(?<!\[)`((?:[\w.-]+\/)+[\w.-]*)`(?!\]\()/g)]
      .map((m) => m[1])
      .filter((path) => existsSync(`${root}${path}`) && !files.has(path));
    assert.deepEqual(bare, []);
  });
}

test("the README and AUDIT.md link each other in the tarball, relative, to headings that exist", () => {
  assert.ok(links(readme).some((l) => l.startsWith("AUDIT.md#")), "the README links into AUDIT.md");
  assert.ok(links(shipped["AUDIT.md"]).some((l) => l.startsWith("README.md#")), "AUDIT.md links into the README");
});

test("the check finds a link to a file the tarball lacks, and a heading that is gone", () => {
  assert.deepEqual(broken("see [x](examples/convex-app) and [y](#nowhere)\n# Here\n[z](#here)", files), [
    "examples/convex-app",
    "#nowhere",
  ]);
  // Into another shipped document: its headings, not this one's.
  assert.deepEqual(
    broken("[a](AUDIT.md#rules) [b](AUDIT.md#here) [c](README.md#react) [d](AUDIT.md)\n# Here", files),
    ["AUDIT.md#here"],
  );
});

test("the package README and AUDIT.md are the whole user documentation, without the contributors' sections", () => {
  for (const doc of SHIPPED_DOCS) {
    assert.equal(shipped[doc], npmReadme(readFileSync(`${root}${doc}`, "utf8"), repository, root), doc);
    assert.ok(manifest.files.includes(doc), `package.json's files list ${doc}`);
  }
  for (const heading of [
    "## Quick start for a Convex app",
    "## API",
    "## Data access boundaries",
    "## Rate limiting",
    "## Sensitive operations: one-time codes, audit trail, safe actions",
    "## React",
    "## Auditing an app: `npx convex-guard audit`",
    "## Security model",
  ]) {
    assert.ok(readme.includes(`\n${heading}\n`), heading);
  }
  // The audit's reference: its rules in full, what counts as a check, the allowlist, the gaps.
  for (const heading of [
    "## Rules",
    "## What counts as a check",
    "## Allowlisting",
    "## The guard's configuration",
    "## JSON output",
    "### Known gaps",
  ]) {
    assert.ok(shipped["AUDIT.md"].includes(`\n${heading}\n`), `AUDIT.md: ${heading}`);
  }
  assert.ok(readme.includes("export const removeUser = guard.mutation(mutation, {"), "examples inline");
  for (const doc of SHIPPED_DOCS) {
    assert.ok(!shipped[doc].includes("make test"), `${doc}: no contributor commands`);
    assert.ok(!shipped[doc].includes("## Development"), doc);
  }
});

test("the manifest names the repository and its homepage, and exports convex-guard/react", () => {
  assert.deepEqual(manifest.repository, { type: "git", url: repository });
  assert.equal(manifest.homepage, `${repository}#readme`);
  assert.equal(manifest.exports["./react"].import, "./react.js");
  assert.ok(files.has("react.js") && files.has("react.cjs") && files.has("types/react.d.ts"));
  assert.deepEqual(manifest.peerDependenciesMeta, { react: { optional: true } });
});
