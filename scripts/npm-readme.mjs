// The documents the package ships (README.md, which npm shows, and AUDIT.md, the audit's
// reference), made from the repository's files of the same names at build time (one source):
// the contributors' sections are cut, and what points at files of the repository (which are
// not in the tarball) points into the repository instead: relative links, and code spans that
// name a repository path. A link from one shipped document to another stays relative, so it
// reads the installed version's text. tests/node/npm-readme.test.mjs checks that every link of
// each result resolves inside the tarball (to a heading of a shipped document), to one of its
// own headings, or to a URL.
import { existsSync } from "node:fs";

/** Level-2 sections for contributors, not users of the package. */
export const CUT_SECTIONS = ["Working on convex-guard: the two commands", "Development"];

/** The markdown files the package ships, each written through npmReadme by build-pkg.mjs. */
export const SHIPPED_DOCS = ["README.md", "AUDIT.md"];

/** A code span that looks like a path: segments joined by `/`. */
const PATH_SPAN = /(?<!\[)`((?:[\w.-]+\/)+[\w.-]*)`(?!\]\()/g;

/**
 * A shipped document (the package README, or AUDIT.md) from the repository file's text, the
 * repository's URL and its local checkout (to tell which code spans name repository files).
 *
 * @example npmReadme(readFileSync("README.md", "utf8"), "https://example.invalid/convex-guard", "/repo/")
 */
export function npmReadme(text, repository, checkout) {
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
          SHIPPED_DOCS.includes(path.replace(/^\.\//, "").replace(/#.*$/, ""))
            ? link
            : `](${base}${path.replace(/^\.\//, "")})`,
        )
        // `src/access.rs`: a link into the repository when the repository has that path.
        .replace(PATH_SPAN, (span, path) =>
          existsSync(`${checkout}${path}`) ? `[${span}](${base}${path.replace(/\/$/, "")})` : span,
        ),
    );
  }
  return out.join("\n");
}
