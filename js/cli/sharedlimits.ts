// `rate-limit-name-shared`: every guard of an app keeps its limits in the one `guardRateLimits`
// table, a row per limit name and key (README: "Two guards in one app"). Two guards whose
// `rateLimits` configure a limit of the same name write the same rows: each reads the other's row
// as written under another configuration (so as absent) and replaces it, so alternating calls
// reset each other's budget, and neither limit holds. Reported at the later guard's key (by file,
// then line), naming the earlier guard's; a `rateLimits` the audit cannot read is a warning
// naming this rule, its readable keys still compared.
import ts from "typescript";
import { rateLimitNames } from "./config.js";
import { appGuards } from "./guards.js";
import type { App, Loc } from "./program.js";
import { finding, type Finding } from "./rules.js";

const IGNORED = "rate-limit-name-shared (whether another guard configures a limit of the same name is not judged for the keys it may hold)";

/** Every rate-limit name configured by two guards of the app, at the later one's key. */
export function sharedLimitFindings(app: App): Finding[] {
  const guards = appGuards(app);
  if (guards.length < 2) return [];
  const first = new Map<string, { guard: Loc; key: Loc }>();
  const out: Finding[] = [];
  const byPlace = (a: ts.Node, b: ts.Node) => a.getSourceFile().fileName.localeCompare(b.getSourceFile().fileName) || a.pos - b.pos;
  for (const guard of [...guards].sort(byPlace)) {
    const made = app.loc(guard);
    for (const [name, p] of rateLimitNames(app, guard, IGNORED).props) {
      const at = app.loc(p);
      const earlier = first.get(name);
      if (earlier === undefined) {
        first.set(name, { guard: made, key: at });
        continue;
      }
      const module = app.relative(p.getSourceFile().fileName);
      const message = `the rate limit '${name}' of the guard defined at ${made.file}:${made.line} is also configured by the guard defined at ${earlier.guard.file}:${earlier.guard.line} (${earlier.key.file}:${earlier.key.line}): both guards keep it in the one guardRateLimits table, a row per name and key, so each reads the other's row as absent and replaces it, and alternating calls reset each other's budget`;
      out.push(finding("rate-limit-name-shared", module, at, message));
    }
  }
  return out;
}
