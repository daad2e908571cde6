/** Small helpers for inspecting and building untyped values safely. */

/** A `{…}` literal or a JSON-parsed object — not an array, Buffer, Date or class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Sets an own, enumerable property. Map keys and Struct keys come from data, and a plain
 * assignment of the key `__proto__` would replace the prototype instead of adding a key.
 */
export function setOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The value of an own property, or undefined (inherited defaults of protobufjs messages are not own). */
export function ownValue(target: object, key: string): unknown {
  return Object.hasOwn(target, key) ? Reflect.get(target, key) : undefined;
}

/** How a value reads in an error message: its kind, and a short rendering of scalars. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'bytes';
  switch (typeof value) {
    case 'string':
      return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${String(value)}`;
    case 'object':
      return isPlainObject(value) ? 'an object' : `an instance of ${value.constructor?.name ?? 'an unknown class'}`;
    default:
      return typeof value;
  }
}
