// The guard's internal functions (`guard.internalFunctions`, `guard.audit.logMutation`) given
// public builders, from the attacker's side: plain JavaScript (or `as never`) passes what
// TypeScript refuses, and a public `rateLimit` or `log` is callable by any client.
import { describe, expect, test } from "vitest";
import { action, internalMutation, internalQuery, mutation, query } from "./_generated/server";
import { guard } from "./guard";

describe("the guard's internal functions are internal, or refused where they are defined", () => {
  test("internalFunctions refuses public builders, and builders of the wrong kind", () => {
    // An attacker's review: given (query, mutation), the exports were public; an anonymous
    // client spent a victim's `login` budget through `wired:rateLimit`.
    const publicBuilders = /^guard\.internalFunctions was given the app's public (query|mutation) builder where it takes internal(Query|Mutation): pass \(internalQuery, internalMutation\) from \.\/_generated\/server: a public function is callable by any client$/;
    expect(() => guard.internalFunctions(query as never, mutation as never)).toThrow(publicBuilders);
    expect(() => guard.internalFunctions(internalQuery, mutation as never)).toThrow(publicBuilders);
    expect(() => guard.internalFunctions(query as never, internalMutation)).toThrow(publicBuilders);
    // Swapped, or an action builder: the wrong kind.
    expect(() => guard.internalFunctions(internalMutation as never, internalQuery as never)).toThrow(
      "guard.internalFunctions was given the app's internal mutation builder where it takes internalQuery",
    );
    expect(() => guard.internalFunctions(action as never, internalMutation)).toThrow("public action builder");
    // A builder that registers without Convex's marks is not known to be internal.
    expect(() => guard.internalFunctions(((d: object) => d) as never, internalMutation)).toThrow(
      "a builder whose functions Convex does not mark as internal",
    );
    // The right builders register internal functions.
    const { getUser, rateLimit } = guard.internalFunctions(internalQuery, internalMutation);
    expect([getUser, rateLimit].map((f) => (f as unknown as { isInternal?: boolean }).isInternal)).toEqual([true, true]);
  });

  test("logMutation refuses a public builder, and one of the wrong kind", () => {
    // The same review: a public `log` let an anonymous client insert forged audit rows.
    expect(() => guard.audit.logMutation(mutation as never)).toThrow(
      "guard.audit.logMutation was given the app's public mutation builder where it takes internalMutation: pass internalMutation from ./_generated/server",
    );
    expect(() => guard.audit.logMutation(internalQuery as never)).toThrow("internal query builder");
    // A public function marked internal after registering still carries `isPublic`: refused.
    const relabelled = ((d: never) => Object.assign(mutation(d), { isInternal: true })) as never;
    expect(() => guard.audit.logMutation(relabelled)).toThrow("public mutation builder");
    expect(() => guard.internalFunctions(internalQuery, relabelled)).toThrow("public mutation builder");
    expect((guard.audit.logMutation(internalMutation) as unknown as { isInternal?: boolean }).isInternal).toBe(true);
  });
});
