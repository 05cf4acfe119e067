/**
 * Where a users setup finds the rows, checked: the server's part of a `users` configuration.
 * The browser entries find no rows (they read the role only), and replace this module with one
 * that checks nothing (scripts/build-pkg.mjs), so a page carries none of it. users.ts checks the
 * keys and where the role is, in every entry.
 */
import { checkName } from "./config-keys.js";
import { DEFAULT_USERS_TABLE } from "./defaults.js";
import { GuardConfigError } from "./errors.js";
import { INDEX_KEYS, MODES, type ResolvedUsers, type Settings } from "./users.js";

/**
 * The settings of a `users` configuration whose keys and role are already checked: `claims`
 * for `roleClaim` alone, else the row setup (one of them), with `roleClaim` its role's claim
 * when given. @throws {GuardConfigError} naming the entry. @internal
 */
export function rowSettings(users: Record<string, unknown>, claims: boolean, table: string | null, roleClaim: string | undefined): Settings {
  const modes = MODES.filter((k) => users[k] !== undefined);
  const indexed = INDEX_KEYS.filter((k) => users[k] !== undefined);
  const chosen = [...modes, ...(indexed.length > 0 ? [indexed[0]] : [])];
  if (chosen.length > 1) {
    throw new GuardConfigError(
      `users: '${chosen[0]}' and '${chosen[1]}' are different setups; choose one ` +
        "(claim/field/index, convexAuth or resolve; roleClaim goes with any of them, or alone)",
    );
  }
  if (claims) return { kind: "claims" };
  const names: Record<string, unknown> = { table: users.table ?? DEFAULT_USERS_TABLE };
  let s: Settings;
  if (users.convexAuth !== undefined) {
    if (users.convexAuth !== true) throw new GuardConfigError("users.convexAuth must be true");
    s = { kind: "convexAuth", table: table! };
  } else if (users.resolve !== undefined) {
    if (typeof users.resolve !== "function") {
      throw new GuardConfigError("users.resolve must be a function: (ctx) => the caller's users row or null");
    }
    s = { kind: "resolve", table: table!, resolve: users.resolve as ResolvedUsers["resolve"] };
  } else {
    if (users.identityField !== undefined && (users.claim !== undefined || users.field !== undefined)) {
      throw new GuardConfigError("users.identityField is shorthand for claim and field: set either it or them");
    }
    if (users.field !== undefined && users.index === undefined) {
      throw new GuardConfigError(`users.index is required with users.field: name an index on ['${String(users.field)}'] in the users table`);
    }
    const claim = users.claim ?? users.identityField ?? "tokenIdentifier";
    const field = users.field ?? users.identityField ?? claim;
    Object.assign(names, { claim, field, index: users.index ?? "by_tokenIdentifier" });
    s = { kind: "index", table: table!, claim: claim as string, field: field as string, index: names.index as string };
  }
  for (const [key, value] of Object.entries(names)) checkName(`users.${key}`, value);
  if (roleClaim !== undefined) s.roleClaim = roleClaim;
  return s;
}
