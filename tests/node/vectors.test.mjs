// The shared test vectors, answered by the built package (installed from the tarball). Rust
// answers the same files in tests/vectors_*.rs; a difference fails one side or the other.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { defineGuard, GuardConfigError } from "convex-guard";

const vectors = (name) =>
  JSON.parse(readFileSync(new URL(`../vectors/${name}.json`, import.meta.url), "utf8"));

/** The `code` of a thrown guard error (`ConvexError` data, or a `GuardConfigError`). */
function codeOf(e) {
  return e?.data?.code ?? e?.code;
}

test("policy vectors", () => {
  const { cases } = vectors("policy");
  assert.ok(cases.length >= 10);
  for (const c of cases) {
    const guard = defineGuard(c.config);
    if (c.error) {
      assert.throws(
        () => guard.validate(),
        (e) => e instanceof GuardConfigError && e.code === c.error.code && e.message === c.error.message,
        c.description,
      );
      continue;
    }
    guard.validate();
    for (const check of c.checks) {
      const ask = () =>
        "can" in check ? guard.can(check.subject, check.can) : guard.roleAtLeast(check.subject, check.atLeast);
      const label = `${c.description}: ${JSON.stringify(check)}`;
      if (check.error) assert.throws(ask, (e) => codeOf(e) === check.error, label);
      else assert.equal(ask(), check.expected, label);
    }
  }
});
