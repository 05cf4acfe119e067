// The README npm shows (pkg/README.md, generated from README.md by scripts/npm-readme.mjs), the
// audit's reference beside it (pkg/AUDIT.md, from AUDIT.md the same way) and the guides
// (pkg/docs/*.md) are the complete documentation, and every link in each resolves, read from
// the document's own folder: to a file in the packed tarball (to one of its headings, when it is
// a shipped document and the link names one), to one of its own headings, or to a URL. The
// package manifest names its repository.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fromRoot, npmReadme, SHIPPED_DOCS } from "../../scripts/npm-readme.mjs";

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
  // A code span may run over a line break inside its paragraph (`npx convex-guard` at a line's
  // end, `audit` at the next's start): matched line by line, the backticks would pair wrongly
  // and hide a link between them (a dead one did hide, in docs/browser.md).
  const prose = text.replace(/```[\s\S]*?```/g, "").replace(/`(?:[^`\n]|\n(?!\s*\n))*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)|(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? m[2]);
}

/** The anchors of a markdown text's headings, outside code. */
const headings = (text) =>
  new Set([...text.replace(/```[\s\S]*?```/g, "").matchAll(/^#{1,6} (.*)$/gm)].map((m) => slug(m[1])));

/**
 * Which links do not resolve inside the package: `docs` maps each shipped document to its text,
 * so `AUDIT.md#rules` must name a heading of AUDIT.md; `doc` is where the text is, the folder its
 * relative links are read from (docs/access.md's `../README.md` is the README).
 */
function broken(text, inTarball, docs = shipped, doc = "README.md") {
  const own = headings(text);
  return links(text).filter((target) => {
    if (/^[a-z]+:/.test(target)) return false;
    if (target.startsWith("#")) return !own.has(target.slice(1));
    const file = fromRoot(doc, target);
    const anchor = target.includes("#") ? target.slice(target.indexOf("#") + 1) : undefined;
    if (!inTarball.has(file)) return true;
    return anchor !== undefined && file in docs && !headings(docs[file]).has(anchor);
  });
}

for (const doc of SHIPPED_DOCS) {
  test(`every link of the package ${doc} resolves in the tarball, its headings or a URL`, () => {
    assert.ok(files.has(doc), `the tarball ships ${doc}`);
    assert.deepEqual(broken(shipped[doc], files, shipped, doc), []);
    // The README and AUDIT.md link widely; a guide at least back to the README and onwards.
    assert.ok(links(shipped[doc]).length > (doc.startsWith("docs/") ? 1 : 5), `${doc}: ${links(shipped[doc]).length} links`);
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
  for (const doc of SHIPPED_DOCS.filter((d) => d.startsWith("docs/"))) {
    assert.ok(links(shipped[doc]).includes("../README.md#guides"), `${doc} links back to the README's guides`);
    assert.ok(links(readme).includes(doc), `the README's guides link ${doc}`);
  }
});

test("the check finds a link to a file the tarball lacks, and a heading that is gone", () => {
  assert.deepEqual(broken("see [x](examples/convex-app) and [y](#nowhere)\n# Here\n[z](#here)", files), [
    "examples/convex-app",
    "#nowhere",
  ]);
  // Into another shipped document: its headings, not this one's.
  assert.deepEqual(
    broken("[a](AUDIT.md#rules) [b](AUDIT.md#here) [c](README.md#api) [d](AUDIT.md)\n# Here", files),
    ["AUDIT.md#here"],
  );
  // From a guide in docs/: read from its folder, so the README is `../README.md`, not `README.md`.
  assert.deepEqual(
    broken("[a](../README.md#api) [b](README.md) [c](access.md#groups) [d](../AUDIT.md#nowhere) [e](../docs/auth.md)", files, shipped, "docs/testing.md"),
    ["README.md", "../AUDIT.md#nowhere"],
  );
});

test("the package README, AUDIT.md and the guides are the whole user documentation, without the contributors' sections", () => {
  for (const doc of SHIPPED_DOCS) {
    assert.equal(shipped[doc], npmReadme(readFileSync(`${root}${doc}`, "utf8"), repository, root, doc), doc);
    assert.ok(manifest.files.includes(doc) || manifest.files.includes(doc.replace(/[^/]+$/, "")), `package.json's files list ${doc}`);
  }
  for (const [doc, heading] of [
    ["README.md", "## Quick start for a Convex app"],
    ["README.md", "## Guides"],
    ["README.md", "## API"],
    ["docs/access.md", "# Data access boundaries"],
    ["docs/rate-limits.md", "# Rate limiting"],
    ["docs/sensitive-operations.md", "# Sensitive operations: one-time codes, audit trail, safe actions"],
    ["docs/browser.md", "## React"],
    ["README.md", "## Auditing an app: `npx convex-guard audit`"],
    ["README.md", "## Security model"],
  ]) {
    assert.ok(`\n${shipped[doc]}`.includes(`\n${heading}\n`), `${doc}: ${heading}`);
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
