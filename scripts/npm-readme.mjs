// The README npm shows, made from the repository's README.md at build time (one source):
// the contributors' sections are cut, and what points at files of the repository (which are
// not in the tarball) points into the repository instead: relative links, and code spans that
// name a repository path. tests/node/npm-readme.test.mjs checks that every link of the result
// resolves inside the tarball, to a heading, or to a URL.
import { existsSync } from "node:fs";

/** Level-2 sections for contributors, not users of the package. */
export const CUT_SECTIONS = ["Working on convex-guard: the two commands", "Development"];

/** A code span that looks like a path: segments joined by `/`. */
const PATH_SPAN = /(?<!\[)`((?:[\w.-]+\/)+[\w.-]*)`(?!\]\()/g;

/**
 * The package README from the repository README's text, the repository's URL and its local
 * checkout (to tell which code spans name repository files).
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
        // [text](path) with a relative path: into the repository (anchors and URLs stay).
        .replace(/\]\((?![a-z]+:|#)([^)\s]+)\)/g, (_, path) => `](${base}${path.replace(/^\.\//, "")})`)
        // `src/access.rs`: a link into the repository when the repository has that path.
        .replace(PATH_SPAN, (span, path) =>
          existsSync(`${checkout}${path}`) ? `[${span}](${base}${path.replace(/\/$/, "")})` : span,
        ),
    );
  }
  return out.join("\n");
}
