/**
 * Small, typed readers over untrusted documents.
 *
 * Every kind's validator is written with these helpers so that it reads like a table of
 * fields: `spec.requireString('host')`, `port.optionalInt('number', PORT_RANGE)`. A helper
 * never throws: it records a `FieldError` with the field's path and returns `undefined` (or
 * the field's default), so one pass collects every problem in the document.
 *
 * Kubernetes clients treat `null` like an absent field (`labels:` with nothing after it is
 * null in YAML), so these helpers do too. Unknown fields are ignored; wrong types are errors.
 */
import type { FieldError } from '../types.js';

export type PlainObject = Record<string, unknown>;

/** Checks a value that already has the right type; returns a message when it is not acceptable. */
export type Check<T> = (value: T) => string | undefined;

export interface IntRange {
  min: number;
  max: number;
}

export interface ArrayOptions {
  /** Present and with at least one item. */
  required?: boolean;
  /** The error message when a required array is absent or empty. */
  message?: string;
}

export const PORT_RANGE: IntRange = { min: 1, max: 65535 };
export const PERCENT_RANGE: IntRange = { min: 0, max: 100 };

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `spec` + `http` → `spec.http`; keys that are not identifiers are quoted: `labels["app.kubernetes.io/name"]`. */
export function fieldPath(parent: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** How a wrong value is named in a message: its type, and the value itself when it is short. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (typeof value === 'string') return value.length <= 40 ? `string ${JSON.stringify(value)}` : 'string';
  return typeof value;
}

/** Collects errors for one document. */
export class ErrorSink {
  readonly errors: FieldError[] = [];

  add(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  get count(): number {
    return this.errors.length;
  }
}

/** A view of one object in the document, at a path, sharing the document's error sink. */
export class ObjectReader {
  constructor(
    readonly sink: ErrorSink,
    readonly path: string,
    readonly value: PlainObject,
  ) {}

  pathOf(key: string): string {
    return fieldPath(this.path, key);
  }

  /** Present and not null. */
  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  get(key: string): unknown {
    const value = this.value[key];
    return value === null ? undefined : value;
  }

  error(key: string, message: string): void {
    this.sink.add(this.pathOf(key), message);
  }

  /** A reader for the object itself reporting at its own path (for whole-object rules). */
  errorHere(message: string): void {
    this.sink.add(this.path, message);
  }

  /** A non-empty string; absent or "" is reported as `required`. */
  requireString(key: string, check?: Check<string>): string | undefined {
    if (!this.has(key) || this.value[key] === '') {
      this.error(key, 'required');
      return undefined;
    }
    return this.optionalString(key, check);
  }

  optionalString(key: string, check?: Check<string>): string | undefined {
    const value = this.get(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.error(key, `expected string, got ${describe(value)}`);
      return undefined;
    }
    const problem = check?.(value);
    if (problem !== undefined) {
      this.error(key, problem);
      return undefined;
    }
    return value;
  }

  /** One of a fixed set of strings. */
  optionalEnum<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const value = this.optionalString(key);
    if (value === undefined) return undefined;
    const match = allowed.find((candidate) => candidate === value);
    if (match === undefined) this.error(key, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
    return match;
  }

  requireInt(key: string, range?: IntRange): number | undefined {
    if (!this.has(key)) {
      this.error(key, 'required');
      return undefined;
    }
    return this.optionalInt(key, range);
  }

  optionalInt(key: string, range?: IntRange): number | undefined {
    const value = this.get(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.error(key, `expected integer, got ${describe(value)}`);
      return undefined;
    }
    if (range && (value < range.min || value > range.max)) {
      this.error(key, `must be between ${range.min} and ${range.max} (got ${value})`);
      return undefined;
    }
    return value;
  }

  /** A finite number (percentages may be fractional). */
  optionalNumber(key: string, range?: IntRange): number | undefined {
    const value = this.get(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.error(key, `expected number, got ${describe(value)}`);
      return undefined;
    }
    if (range && (value < range.min || value > range.max)) {
      this.error(key, `must be between ${range.min} and ${range.max} (got ${value})`);
      return undefined;
    }
    return value;
  }

  optionalBool(key: string): boolean | undefined {
    const value = this.get(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') {
      this.error(key, `expected boolean, got ${describe(value)}`);
      return undefined;
    }
    return value;
  }

  /**
   * A map of string to string (labels, annotations, selectors). Keys and values are checked
   * with the optional checks; the result is sorted by key.
   */
  stringMap(key: string, checks: { key?: Check<string>; value?: Check<string> } = {}): Record<string, string> {
    const map = this.object(key);
    if (!map) return {};
    const entries: [string, string][] = [];
    for (const [entryKey, entryValue] of Object.entries(map.value)) {
      const problem = checks.key?.(entryKey);
      if (problem !== undefined) {
        map.error(entryKey, `invalid key: ${problem}`);
        continue;
      }
      const value = map.optionalString(entryKey, checks.value);
      if (value !== undefined) entries.push([entryKey, value]);
      else if (entryValue === null || entryValue === undefined) map.error(entryKey, 'expected string, got null');
    }
    return sortedRecord(entries);
  }

  /** An array of strings, each checked; invalid items are reported and left out. */
  stringArray(key: string, check?: Check<string>, options: ArrayOptions = {}): string[] {
    return this.array(key, options).flatMap(({ path, value }) => {
      if (typeof value !== 'string') {
        this.sink.add(path, `expected string, got ${describe(value)}`);
        return [];
      }
      const problem = check?.(value);
      if (problem !== undefined) {
        this.sink.add(path, problem);
        return [];
      }
      return [value];
    });
  }

  /** The nested object, or undefined when absent (reported when `required`) or not an object. */
  object(key: string, options: { required?: boolean } = {}): ObjectReader | undefined {
    const value = this.get(key);
    if (value === undefined) {
      if (options.required) this.error(key, 'required');
      return undefined;
    }
    if (!isPlainObject(value)) {
      this.error(key, `expected object, got ${describe(value)}`);
      return undefined;
    }
    return new ObjectReader(this.sink, this.pathOf(key), value);
  }

  /**
   * The items of an array with their paths; [] when absent or not an array. A `required` array
   * must be present and non-empty; `message` replaces the default wording of that error.
   */
  array(key: string, options: ArrayOptions = {}): { path: string; value: unknown }[] {
    const value = this.get(key);
    if (value === undefined) {
      if (options.required) this.error(key, options.message ?? 'required');
      return [];
    }
    if (!Array.isArray(value)) {
      this.error(key, `expected array, got ${describe(value)}`);
      return [];
    }
    if (options.required && value.length === 0) this.error(key, options.message ?? 'must not be empty');
    const base = this.pathOf(key);
    return value.map((item: unknown, index) => ({ path: indexPath(base, index), value: item }));
  }

  /** Reads each item of an array of objects with `read`; items that are not objects are reported and skipped. */
  objects<T>(key: string, read: (item: ObjectReader, index: number) => T | undefined, options: ArrayOptions = {}): T[] {
    const results: T[] = [];
    this.array(key, options).forEach(({ path, value }, index) => {
      if (!isPlainObject(value)) {
        this.sink.add(path, `expected object, got ${describe(value)}`);
        return;
      }
      const result = read(new ObjectReader(this.sink, path, value), index);
      if (result !== undefined) results.push(result);
    });
    return results;
  }
}

/** A record built from entries, keys in sorted order (Object.fromEntries keeps `__proto__` an own key). */
export function sortedRecord<T>(entries: [string, T][]): Record<string, T> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
