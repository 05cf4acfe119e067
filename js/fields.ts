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
