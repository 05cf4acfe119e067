/**
 * What a registered Convex function says it is. Convex's builders mark each function they
 * register: `isQuery`, `isMutation` or `isAction`, and `isPublic` or `isInternal`
 * (convex/server's registration_impl). The guard reads these marks where a function is defined,
 * so that a builder of the wrong kind or visibility fails there rather than at a call.
 * @internal
 */
import { GuardConfigError } from "./errors.js";

/** The kind a registered function is marked with, or `undefined` when it carries no mark. @internal */
export function registeredKind(registered: unknown): "query" | "mutation" | "action" | undefined {
  const is = registered as { isQuery?: unknown; isMutation?: unknown; isAction?: unknown } | null | undefined;
  return is?.isQuery === true ? "query" : is?.isMutation === true ? "mutation" : is?.isAction === true ? "action" : undefined;
}

/**
 * `registered` when it is an internal function of `kind`; else a `GuardConfigError` naming
 * `call` and `fix`. Fail closed: a function without Convex's marks (a builder that is not
 * Convex's) is not known to be internal, and is refused too: a public function is callable
 * by any client, with any arguments and no identity.
 * @internal
 */
export function requireInternal<F>(registered: F, kind: "query" | "mutation", call: string, fix: string): F {
  const made = registeredKind(registered);
  const marks = registered as { isInternal?: unknown; isPublic?: unknown } | null | undefined;
  // Both marks (a public function marked internal afterwards) is not internal: refused.
  const internal = marks?.isInternal === true && marks.isPublic !== true;
  if (made === kind && internal) return registered;
  const given =
    made === undefined
      ? "a builder whose functions Convex does not mark as internal"
      : `the app's ${internal ? "internal" : "public"} ${made} builder`;
  throw new GuardConfigError(`${call} was given ${given} where it takes internal${kind === "query" ? "Query" : "Mutation"}: ${fix}`);
}
