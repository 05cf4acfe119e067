// The documents the package ships (README.md, which npm shows, AUDIT.md, the audit's
// reference, and the guides under docs/), made from the repository's files of the same names at
// build time (one source):
// the contributors' sections are cut, and what points at files of the repository (which are
// not in the tarball) points into the repository instead: relative links, and code spans that
// name a repository path. A link from one shipped document to another stays relative, so it
// reads the installed version's text; a relative link is read from the document's own folder
// (docs/access.md's `../README.md` is the README). tests/node/npm-readme.test.mjs checks that every link of
// each result resolves inside the tarball (to a heading of a shipped document), to one of its
// own headings, or to a URL.
import { existsSync } from "node:fs";
import { posix } from "node:path";

/** Level-2 sections for contributors, not users of the package. */
export const CUT_SECTIONS = ["Working on convex-guard: the two commands", "Development"];

/**
 * The markdown files the package ships, each written through npmReadme by build-pkg.mjs: the
 * README, the audit's reference and the guides the README's "Guides" lists
 * (tests/node/docs-structure.test.mjs checks that every file of docs/ is here).
 */
export const SHIPPED_DOCS = [
  "README.md",
  "AUDIT.md",
  "docs/auth.md",
  "docs/testing.md",
  "docs/access.md",
  "docs/rate-limits.md",
  "docs/sensitive-operations.md",
  "docs/browser.md",
  "docs/performance.md",
];

/** A relative link's target from the package's (and the repository's) root, `doc` the document it is in. */
export const fromRoot = (doc, target) => posix.normalize(posix.join(posix.dirname(doc), target.replace(/#.*$/, "")));

/** A code span that looks like a path: segments joined by `/`. */
const PATH_SPAN = /(?<!\[)`((?:[\w.-]+\/)+[\w.-]*)`(?!\]\()/g;

/**
 * A shipped document (the package README, AUDIT.md or a guide) from the repository file's text,
 * the repository's URL, its local checkout (to tell which code spans name repository files) and
 * the document's path in it (its relative links are read from its folder).
 *
 * @example npmReadme(readFileSync("docs/access.md", "utf8"), "https://example.invalid/convex-guard", "/repo/", "docs/access.md")
 */
export function npmReadme(text, repository, checkout, doc = "README.md") {
  const base = `${repository.replace(/\/+$/, "")}/blob/main/`;
  const out = [];
  let cutting = false;
  let fence = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("```")) fence = !fence;
    const heading = !fence && /^## (.*)$/.exec(line);
    if (heading) cutting = CUT_SECTIONS.includes(heading[1].trim());
    if (cutting) continue;
    if (fence || line.startsWith("```")) {
      out.push(line);
      continue;
    }
    out.push(
      line
        // [text](path) with a relative path: into the repository (anchors and URLs stay, and so
        // does a link to a shipped document: the tarball has it).
        .replace(/\]\((?![a-z]+:|#)([^)\s]+)\)/g, (link, path) =>
          SHIPPED_DOCS.includes(fromRoot(doc, path))
            ? link
            : `](${base}${fromRoot(doc, path)}${path.includes("#") ? path.slice(path.indexOf("#")) : ""})`,
        )
        // `src/access.rs`: a link into the repository when the repository has that path.
        .replace(PATH_SPAN, (span, path) =>
          existsSync(`${checkout}${path}`) ? `[${span}](${base}${path.replace(/\/$/, "")})` : span,
        ),
    );
  }
  return out.join("\n");
}
