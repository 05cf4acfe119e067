// Every message a Convex client can be sent with a `ConvexError` is authored in src/wire.rs
// (`wire::client`) and generated into js/generated/wire.ts: no source under js/ types one. A
// message handed to `deny` (or thrown with an `INVALID_ARGUMENT` code for `rethrow` to pass on)
// is a name from the generated wire, never a string or template literal.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";

const js = new URL("../../js/", import.meta.url).pathname;
const sources = readdirSync(js).filter((f) => f.endsWith(".ts"));

/** The lines of code (not comments) of `js/<file>` matching `pattern`, as `file:line: text`. */
function lines(pattern) {
  return sources.flatMap((file) =>
    readFileSync(js + file, "utf8")
      .split("\n")
      .flatMap((text, i) => (pattern.test(text) && !/^\s*(\*|\/\/|\/\*)/.test(text) ? [`js/${file}:${i + 1}: ${text.trim()}`] : [])),
  );
}

test("the scan reads the files that send messages", () => {
  for (const file of ["errors.ts", "authz.ts", "access-store.ts", "ratelimit-store.ts", "audit.ts"]) assert.ok(sources.includes(file), file);
  assert.ok(lines(/\bdeny\(/).length > 40, "deny's calls are found");
});

test("no message a client can be sent is typed in js/: each comes from the generated wire", () => {
  const typed = [
    // deny(code, "text"), deny(code, `text ${x}`)
    ...lines(/\bdeny\(\s*[^,()]+,\s*["'`]/),
    // an error thrown with a client's code for `rethrow` to send: new Error("text"), { code: "INVALID_ARGUMENT" }
    ...lines(/new Error\(\s*["'`].*code:\s*"INVALID_ARGUMENT"/),
    // ConvexError data written out: { code, message: "text" }
    ...lines(/\bmessage:\s*["'`]/),
  ];
  assert.deepEqual(typed, [], "author these in src/wire.rs (wire::client) and import them from ./generated/wire.js");
});
