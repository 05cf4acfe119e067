/**
 * The wiring a guard needs from the app (an exported internal function, a table in the
 * schema) and how its absence is reported: never silently, always as a `GuardConfigError` that
 * names what is missing and the line that adds it. Used by the audit trail, the action checks
 * (actions.ts) and the rate limits.
 */
import { makeFunctionReference } from "convex/server";
import { checkKeys } from "./config-keys.js";
import { isReference } from "./defaults.js";
import { GuardConfigError } from "./errors.js";
import { field, own } from "./fields.js";

// The patterns below are regular expression literals inside the functions that use them, not
// module constants: a Convex request evaluates the whole bundle in a fresh context, and these
// run only on validation and error paths (measured: the four at import cost ~8 us a request).
// The reference patterns are defaults.ts's `isReference`, which the audit CLI reads too.

/**
 * Throws unless `name` is a well-formed module path (`kind` `"module"`) or `"module:export"`
 * reference (`kind` `"function"`), saying which characters a name may hold. What
 * `guard.validate()` can check without a request. @internal
 */
export function checkReference(name: unknown, setting: string, kind: "module" | "function"): string {
  // A Convex module path (`"audit"`, `"lib/guard"`), or a function reference `"module:export"`.
  if (!isReference(name, kind)) {
    // Say what a name may hold: "nu-guardFunctions.ts" is a Convex module, but not one the
    // guard can be wired to (rename it "nu_guardFunctions.ts").
    const names = "each name of letters, digits and '_' only, not starting with a digit";
    throw new GuardConfigError(
      kind === "module"
        ? `${setting} must be a Convex module path such as "guardFunctions" or "lib/guardFunctions", got ${JSON.stringify(name)}: names joined by '/', ${names}`
        : `${setting} must be a Convex function name such as "audit:log", got ${JSON.stringify(name)}: a module path (names joined by '/') and an export name joined by ':', ${names}`,
    );
  }
  return name;
}

/** Whether an error that crossed `ctx.runQuery`/`ctx.runMutation` was a `GuardConfigError`. */
function crossedConfigError(e: unknown): string | undefined {
  if (e instanceof GuardConfigError) return e.message;
  const text = e instanceof Error ? `${e.name} ${e.message}` : "";
  const at = text.indexOf("GuardConfigError");
  if (at < 0) return undefined;
  // Convex prefixes "Uncaught GuardConfigError: " and may append a stack: keep the first line.
  return text.slice(at).replace(/^GuardConfigError:?\s*/, "").split("\n")[0];
}

/**
 * The error for a function at the wired path `name` that is not the guard's own (hand-written,
 * or another guard's): `what` says what the guard's function would have answered. @internal
 */
export function notTheGuards(name: string, what: string, fix: string): GuardConfigError {
  return new GuardConfigError(`'${name}' answered something that is not the guard's answer (${what}): ${fix}`);
}

/** `got`, an answer's echo of the configuration it was given for, named for a message. @internal */
export const answeredFor = (got: unknown) => (typeof got === "string" ? `; it answers for ${got}` : "");

/**
 * Runs an internal function the app must export at `name` (`"module:export"`), turning "no
 * such function" into a `GuardConfigError` whose message is `fix`, and a `GuardConfigError`
 * raised inside it (which Convex passes on as a plain error) back into one. `expect` names the
 * argument that tells the guard's own function what the caller expects of it (a fingerprint of
 * its configuration): a function whose validator refuses that argument is not the guard's.
 * @internal
 */
export async function runWired(
  ctx: unknown,
  kind: "query" | "mutation",
  name: string,
  args: Record<string, unknown>,
  fix: string,
  expect?: string,
): Promise<unknown> {
  const run = (ctx as Record<string, unknown> | null)?.[kind === "query" ? "runQuery" : "runMutation"];
  if (typeof run !== "function") {
    throw new GuardConfigError(`this check needs a query, mutation or action context (${fix})`);
  }
  try {
    return await (run as (r: unknown, a: unknown) => Promise<unknown>).call(
      ctx,
      makeFunctionReference(name),
      args,
    );
  } catch (e) {
    // Convex's and convex-test's messages for a function that is not exported (a missing
    // module, a missing export, or an export of the wrong kind): a configuration mistake.
    const missingFunction =
      /could ?n[o']t find (?:public )?(?:function|module)|no such export|is not an? (?:query|mutation|action)\b/i;
    if (e instanceof Error && missingFunction.test(e.message)) {
      throw new GuardConfigError(`found no internal ${kind} at '${name}': ${fix}`);
    }
    // Convex's ("Object contains extra field `x` that is not in the validator") and
    // convex-test's ("Unexpected field `x` in object") refusal of an argument the guard's own
    // function takes: a hand-written function (or one of an older package) is at that path.
    if (expect !== undefined && e instanceof Error && e.message.includes(`field \`${expect}\``) && /extra field|unexpected field/i.test(e.message)) {
      throw notTheGuards(name, `it refused the argument '${expect}' that the guard's own function takes`, fix);
    }
    // Convex's ("Object is missing the required field `x`") and convex-test's ("Missing
    // required field `x` in object") refusal of a question without an argument it requires:
    // the guard's own function requires none that the guard does not send (the single-limit
    // form of a hand-written rateLimit, asked for a list).
    const missing = expect !== undefined && e instanceof Error ? /missing (?:the )?required field `([^`]+)`/i.exec(e.message)?.[1] : undefined;
    if (missing !== undefined && !Object.prototype.hasOwnProperty.call(args, missing)) {
      throw notTheGuards(name, `it requires an argument '${missing}' that the guard's own function does not`, fix);
    }
    const config = crossedConfigError(e);
    if (config !== undefined) throw new GuardConfigError(config);
    throw e;
  }
}

/**
 * Runs `f`, turning "this table (or its index) is not in the schema" for `table` into a
 * `GuardConfigError` whose message is `fix`. @internal
 */
export async function withTable<T>(table: string, fix: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    // Their messages for a table or index the schema does not declare.
    const missingTable = /not declared in the schema|index .* not found|table .* (?:does not exist|not found|is not in)/i;
    if (e instanceof Error && e.message.includes(table) && missingTable.test(e.message)) {
      throw new GuardConfigError(`table '${table}' is missing from the schema: ${fix}`);
    }
    throw e;
  }
}

/** What `guard.validate({ schema })` accepts: the default export of `convex/schema.ts`. */
export type SchemaLike = { tables: Record<string, unknown> };

/**
 * Throws unless `options` are `guard.validate`'s (`{ schema }`, no other key: a misspelt key
 * or a schema import that is `undefined` is never a check quietly skipped), `schema` declares
 * each of `tables` (`[name, fix]`) and `problems` finds nothing in the declared tables: one
 * `GuardConfigError` naming every missing table (with the line that adds it) and every
 * problem. @internal
 */
export function checkSchema(
  options: unknown,
  tables: readonly (readonly [name: string, fix: string, ...rest: unknown[]])[],
  problems: (declared: object) => string[],
): void {
  checkKeys(options, ["schema"], "guard.validate's options");
  const declared = (own(options as { schema?: unknown } | null, "schema") as { tables?: unknown } | null | undefined)?.tables;
  if (declared === null || typeof declared !== "object") {
    throw new GuardConfigError("guard.validate({ schema }) takes the default export of convex/schema.ts");
  }
  // Every missing table at once, those with one fix (the three access tables) named together.
  const missing = new Map<string, string[]>();
  for (const [name, fix] of tables) {
    // An entry that is no table (`undefined` from a broken import, `null`) declares nothing.
    const table = field(declared, name);
    if (table === null || typeof table !== "object") missing.set(fix, [...(missing.get(fix) ?? []), `'${name}'`]);
  }
  const found = [
    ...[...missing].map(
      ([fix, names]) =>
        `${names.length === 1 ? "table" : "tables"} ${names.join(", ")} ${names.length === 1 ? "is" : "are"} missing from the schema: ${fix}`,
    ),
    ...problems(declared),
  ];
  if (found.length > 0) throw new GuardConfigError(found.join("; "));
}
