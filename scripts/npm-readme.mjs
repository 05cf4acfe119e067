// The README npm shows, made from the repository's README.md at build time (one source):
// the contributors' sections are cut, and links to files of the repository (which are not in
// the tarball) become links into the repository. tests/node/npm-readme.test.mjs checks that
// every link of the result resolves inside the tarball, to a heading, or to a URL.

/** Level-2 sections for contributors, not users of the package. */
export const CUT_SECTIONS = ["Working on convex-guard: the two commands", "Development"];

/**
 * The package README from the repository README's text and the repository's URL.
 *
 * @example npmReadme(readFileSync("README.md", "utf8"), "https://example.invalid/convex-guard")
 */
export function npmReadme(text, repository) {
  const out = [];
  let cutting = false;
  let fence = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("```")) fence = !fence;
    const heading = !fence && /^## (.*)$/.exec(line);
    if (heading) cutting = CUT_SECTIONS.includes(heading[1].trim());
    if (!cutting) out.push(line);
  }
  const base = repository.replace(/\/+$/, "");
  // [text](path) with a relative path: into the repository (anchors and URLs stay).
  return out
    .join("\n")
    .replace(/\]\((?![a-z]+:|#)([^)\s]+)\)/g, (_, path) => `](${base}/blob/main/${path.replace(/^\.\//, "")})`);
}
