/**
 * Canonical form and content digest. Two objects that mean the same thing normalise to the
 * same value, so their canonical JSON and digest are equal, and re-applying one writes nothing.
 */
import { createHash } from 'node:crypto';
import type { MeshObject } from './types.js';

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A deep copy with object keys sorted and `undefined` members dropped (as JSON would drop
 * them). Arrays keep their order: order is meaningful in routes and matches.
 */
export function sortKeysDeep<T>(value: T): T {
  return sortValue(value) as T;
}

function sortValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : sortValue(item)));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value)
    .filter(([, member]) => member !== undefined)
    .sort(([a], [b]) => compareKeys(a, b))
    .map(([key, member]): [string, unknown] => [key, sortValue(member)]);
  return Object.fromEntries(entries);
}

/** JSON with object keys sorted at every level; the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortValue(value));
}

/** SHA-256 (hex) of the canonical JSON of a normalised object. */
export function digestOf(object: MeshObject): string {
  return createHash('sha256').update(canonicalJson(object)).digest('hex');
}
