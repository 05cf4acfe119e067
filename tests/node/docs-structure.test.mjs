// The documentation's shape after the README was split into guides (sixteenth round): a short
// README whose "Guides" section lists every guide under docs/, each guide shipped in the package
// (SHIPPED_DOCS, which the build writes and npm-readme.test.mjs checks link by link), each opening
// with its title and a link back to the README, and the README kept short enough to find things in.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { SHIPPED_DOCS } from "../../scripts/npm-readme.mjs";

const root = new URL("../../", import.meta.url).pathname;
const readme = readFileSync(`${root}README.md`, "utf8");
const guides = readdirSync(`${root}docs`)
  .filter((f) => f.endsWith(".md"))
  .map((f) => `docs/${f}`);

/** The README's "## Guides" section: the links of its list entries, in order. */
function guideEntries(text) {
  const start = text.indexOf("\n## Guides\n");
  assert.ok(start !== -1, 'the README has a "## Guides" section');
  const end = text.indexOf("\n## ", start + 1);
  const section = text.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^- \[[^\]]+\]\(([^)#\s]+)\)/gm)].map((m) => m[1]);
}

/** What is wrong with a docs layout: guides not shipped, entries naming no file, guides not listed. */
function problems(text, files, shipped, exists) {
  const entries = guideEntries(text);
  return [
    ...files.filter((f) => !shipped.includes(f)).map((f) => `${f} is not in SHIPPED_DOCS`),
    ...entries.filter((e) => !exists(e)).map((e) => `the README's Guides links ${e}, which does not exist`),
    ...files.filter((f) => !entries.includes(f)).map((f) => `the README's Guides does not list ${f}`),
    ...shipped.filter((f) => !exists(f)).map((f) => `SHIPPED_DOCS names ${f}, which does not exist`),
  ];
}

const exists = (f) => existsSync(`${root}${f}`);

test("every guide in docs/ is shipped and listed in the README's Guides, and every entry names a file", () => {
  assert.ok(guides.length >= 7, `found ${guides.length} guides`);
  assert.deepEqual(problems(readme, guides, SHIPPED_DOCS, exists), []);
});

test("the check finds a guide left out of SHIPPED_DOCS, an entry to a missing file and an unlisted guide", () => {
  const text = "# x\n\n## Guides\n\n- [A](docs/a.md): one.\n- [Gone](docs/gone.md): two.\n\n## Next\n- [B](docs/b.md)\n";
  const have = new Set(["docs/a.md", "docs/b.md"]);
  assert.deepEqual(problems(text, ["docs/a.md", "docs/b.md"], ["docs/a.md"], (f) => have.has(f)), [
    "docs/b.md is not in SHIPPED_DOCS",
    "the README's Guides links docs/gone.md, which does not exist",
    "the README's Guides does not list docs/b.md",
  ]);
});

test("each guide opens with its title and a link back to the README's Guides", () => {
  for (const guide of guides) {
    const [title, blank, back] = readFileSync(`${root}${guide}`, "utf8").split("\n");
    assert.match(title, /^# \S/, `${guide} starts with a # title`);
    assert.equal(blank, "", guide);
    assert.ok(back.includes("](../README.md#guides)"), `${guide} links back to the README`);
  }
});

test("the README stays short enough to find things in (the guides hold the long sections)", () => {
  const lines = readme.split("\n").length;
  assert.ok(lines <= 1800, `README.md has ${lines} lines: move a long section into a guide`);
});
