/**
 * Reading a value's own fields. A row, an identity or a fact that leaves an optional field
 * out must not have it filled in from a polluted `Object.prototype` (another bug of the app,
 * such as a naive deep merge): every read that decides something reads own fields only.
 * @internal
 */

/** The field `name` the object itself holds, never one inherited from a prototype. @internal */
export function field(o: object, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, name) ? (o as Record<string, unknown>)[name] : undefined;
}

/**
 * {@link field} typed by the object's own type, for a call's optional options and arguments
 * (`undefined` or `null` hold nothing): a polluted `Object.prototype.throws = false` must not
 * turn a rate limit's denial into a return value. @internal
 */
export function own<T extends object, K extends keyof T & string>(o: T | null | undefined, key: K): T[K] | undefined {
  return o === null || o === undefined ? undefined : (field(o, key) as T[K] | undefined);
}

/**
 * An object literal written `{ __proto__: null, ... }`: how the guard's internal method sets
 * (the caller finder, roles and permissions, the user methods) are written. V8 builds an
 * ordinary literal's shape key by key in every fresh context, so in every Convex request, at
 * about 1 µs a key; a literal without a prototype is a dictionary and has none to build
 * (measured in fresh `node:vm` contexts: 100 two-key literals 160 against 30 µs; js/guard.ts
 * `methodsObject` is the same finding for the guard itself). Internal objects only: what a
 * caller gets has the ordinary prototype. @internal
 */
export type Bare<T> = T & { __proto__?: null };

/**
 * A function definition's `args` as the guard reads and registers them: the fields of a
 * required `v.object({...})` (Convex takes one as `args` too, and `{ ...args }` of it would
 * be the validator's own fields), else `args` as given, for `checkArgs` to judge. @internal
 */
export function argFields(args: unknown): unknown {
  const o = args !== null && typeof args === "object" ? args : {};
  const fields = field(o, "fields");
  const objectValidator = field(o, "isConvexValidator") === true && field(o, "kind") === "object" && field(o, "isOptional") === "required";
  return objectValidator && fields !== null && typeof fields === "object" && !Array.isArray(fields) ? { ...fields } : args;
}
