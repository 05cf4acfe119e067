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
