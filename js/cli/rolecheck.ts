// `unchecked-role-write` in a function whose role check decides (roles.ts `decidesAccess`) but
// at a role below the top: a check of "staff" in `patient < staff < admin` is not an admin's.
//
//   guard.mutation(mutation, { role: "staff", args: { userId: v.id("users") },
//     handler: (ctx, { userId }) => ctx.db.patch(userId, { role: "admin" }) });   // reported here
//   ... ctx.db.patch(args.userId, { role: args.role }) after requireRole(ctx, "staff")  // and here
//
// The role written ranks above every role the checks require (a literal, or an argument's value,
// which may be any role): a caller holding the checked role gives a higher one, themselves
// included, to any users row (an argument's id, the caller's own, or one the function looks up
// itself: `const u = await ctx.db.query("users").filter(...name...).first()`). A permission check ranks as the lowest role holding it (`requirePermission(ctx,
// "posts:edit")` held from "editor" up is an editor's: attack34 F6). A check at the top role, a
// role written at or below the checked one, or roles the audit cannot read stay quiet.
import type ts from "typescript";
import type { AuthCheck } from "./facts.js";
import type { ConvexFunction } from "./functions.js";
import type { App } from "./program.js";
import { refusedOwnText } from "./ownrefused.js";
import { roleBound } from "./rolebound.js";
import { decidesAccess } from "./roles.js";
import { finding, type Finding } from "./rules.js";

/** The role the deciding checks require and the roles above it (above each of them); undefined when one is not a ranked role check or none is above. */
export function rankedCheck(auth: readonly AuthCheck[]): { role: string; above: Set<string>; permission?: string } | undefined {
  const deciding = auth.filter((a) => (a.level === "role" || a.level === "permission") && a.everyRole === undefined);
  if (deciding.length === 0 || deciding.some((a) => a.ranked === undefined)) return undefined;
  const highest = deciding.reduce((h, a) => (a.ranked!.above.length < h.ranked!.above.length ? a : h)).ranked!;
  const above = new Set(highest.above.filter((r) => deciding.every((a) => a.ranked!.above.includes(r))));
  return above.size === 0 ? undefined : { role: highest.role, above, ...(highest.permission === undefined ? {} : { permission: highest.permission }) };
}

/** The findings: a role written above the one a deciding role check requires. */
export function rankedRoleFindings(app: App, functions: readonly ConvexFunction[]): Finding[] {
  const out: Finding[] = [];
  for (const fn of functions) {
    if (fn.visibility !== "public" || fn.kind === "httpAction" || fn.kind === "unknown" || !decidesAccess(fn.facts.auth)) continue;
    const checked = rankedCheck(fn.facts.auth);
    if (checked === undefined) continue;
    const top = [...checked.above].map((r) => `'${r}'`).join(", ");
    const required = checked.permission === undefined ? `the role '${checked.role}' its check requires` : `the role '${checked.role}', the lowest holding the permission '${checked.permission}' its check requires`;
    const by = `above ${required}, for a caller holding '${checked.role}'`;
    // Whom a write of the value `value` promotes: not the caller when the code refuses their own id before it (ownrefused.ts).
    const anyone = (value: ts.Expression | undefined) => refusedOwnText(app, fn.handler, value) ?? "anyone, themselves included,";
    for (const w of fn.writes.roleWrites) {
      const whose = w.own ? "the caller's own users row" : "a users row";
      // The roles the argument's validator and the tests that leave before the write let through (rolebound.ts).
      const bound = w.open === undefined && w.value !== undefined && fn.handler !== undefined ? roleBound(app, fn.handler, w.value, w.arg!, fn.argNames.find((a) => a.name === w.arg)?.validator, checked.role) : undefined;
      const higher = bound?.filter((r) => checked.above.has(r));
      if (higher?.length === 0) continue;
      const promote = `can promote ${w.own ? "themselves" : anyone(w.value)} to ${higher === undefined ? top : higher.map((r) => `'${r}'`).join(", ")}`;
      const may = higher === undefined ? "which may be any role" : `which may be '${higher[higher.length - 1]}' (the highest role its validator and the tests before the write let through)`;
      if (w.open === undefined) out.push(finding("unchecked-role-write", fn.id, w, `${fn.id} writes the role field '${w.field}' of ${whose} from argument '${w.arg}', ${may}, ${by}: they ${promote}`));
      else out.push({ ...finding("unchecked-role-write", fn.id, w, `${fn.id} ${w.method === "patch" ? "patches" : "replaces"} ${whose} with a value of unknown shape (${w.open}), which may hold the role field '${w.field}', ${by}: they ${promote}`), severity: "medium" });
    }
    for (const s of fn.writes.promotions?.literal ?? []) {
      if (!checked.above.has(s.role)) continue;
      const whose = s.picked !== undefined ? `a users row that argument '${s.picked}' picks` : s.own ? "the caller's own users row" : "a users row the function looks up itself";
      out.push(finding("unchecked-role-write", fn.id, s, `${fn.id} sets the role field '${s.field}' of ${whose} to '${s.role}', ${by}: they can promote ${s.own ? "themselves" : anyone(s.value)} to '${s.role}'`));
    }
  }
  return out;
}
