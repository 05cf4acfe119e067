/**
 * Diagnosing a user whose role field holds something that is not a configured role. Such a
 * user holds no role (the engine decides that); this file only tells the developer why, for
 * logs and `guard.diagnoseUser`. Nothing here changes a decision or enters a client's error;
 * the log line holds no value (Convex clients may print function logs in the browser).
 */

/** Why a user holds no role although their role field is set. */
export type RoleDiagnosis<R extends string = string> = {
  /** The row's `_id`, or `null` (no row: with `roleClaim` the identity's `tokenIdentifier` is never named). */
  id: string | null;
  /** The field (or claim) that was read. */
  field: string;
  /** The type of the value found there: `"string"` (an unknown name), `"number"`, `"array"`... */
  valueType: "string" | "number" | "boolean" | "array" | "object" | "null" | "bigint" | "other";
  /** The configured role the value most likely meant (`"Admin"` -> `"admin"`), or `null`. */
  closest: R | null;
  /** One line for a log: the id, the field, the type and the closest role, never the value. */
  message: string;
};

/** @internal */
export function diagnoseRole<R extends string>(
  id: string | null,
  field: string,
  value: unknown,
  roles: readonly R[],
  /** The role is a token's claim (`users.roleClaim`), not a row's field. */
  claim = false,
): RoleDiagnosis<R> {
  const valueType = Array.isArray(value)
    ? "array"
    : value === null
      ? "null"
      : (["string", "number", "boolean", "object", "bigint"] as const).find((t) => t === typeof value) ?? "other";
  const text = typeof value === "string" ? value : Array.isArray(value) ? value.find((x) => typeof x === "string") : undefined;
  const closest = typeof text === "string" ? closestName(text, roles) : null;
  const what = `${/^[aeiou]/.test(valueType) ? "an" : "a"} ${valueType}`;
  const hint = closest === null ? "" : ` (closest configured role: '${closest}')`;
  return {
    id,
    field,
    valueType,
    closest,
    message:
      `convex-guard: user ${id ?? "(no id)"} has ${what} in ${claim ? "the token's claim " : ""}'${field}', not a configured role name${hint}; ` +
      (claim
        ? "it holds no role. Put one of the configured role names exactly in the claim (your auth provider's token template or the user's metadata)."
        : "it holds no role. Store one of the configured role names exactly (this guard's roleValidator() in the schema)."),
  };
}

/**
 * The name of `names` (configured roles, configuration keys) `text` most likely meant: the same
 * name up to case and surrounding spaces, else the nearest by edit distance when at most a third
 * of its letters differ. @internal
 */
export function closestName<R extends string>(text: string, roles: readonly R[]): R | null {
  const folded = text.trim().toLowerCase();
  const same = roles.find((r) => r.toLowerCase() === folded);
  if (same !== undefined) return same;
  if (folded.length > 64) return null; // role names are at most 64 bytes: nothing is close
  let best: R | null = null;
  let bestDistance = Math.max(1, Math.floor(folded.length / 3)) + 1;
  for (const role of roles) {
    const d = distance(folded, role.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [role, d];
  }
  return best;
}

/**
 * Edit distance counting a swap of two neighbouring letters as one edit (`tabel` is one from
 * `table`), the optimal string alignment distance: three rows at a time.
 */
function distance(a: string, b: string): number {
  let before: number[] = [];
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) next[j] = Math.min(next[j]!, before[j - 2]! + 1);
    }
    [before, row] = [row, next];
  }
  return row[b.length]!;
}
