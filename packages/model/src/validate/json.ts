/**
 * Opaque JSON: parts of documents the model keeps without reading them (the spec of a foreign
 * kind, the MeshConfig sections meshgate does not use). They must still be plain JSON, so that
 * what is stored, digested and returned is what was written.
 */
import type { JsonObject, JsonValue } from '../types.js';
import { fieldPath, indexPath, isPlainObject, type ObjectReader } from './reader.js';

/** Deeper documents are refused rather than risking the stack on hostile input. */
export const MAX_JSON_DEPTH = 64;

function readValue(reader: ObjectReader, path: string, value: unknown, depth: number): JsonValue | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    reader.sink.add(path, `expected a finite number, got ${String(value)}`);
    return undefined;
  }
  if (depth >= MAX_JSON_DEPTH) {
    reader.sink.add(path, `nested deeper than ${MAX_JSON_DEPTH} levels`);
    return undefined;
  }
  if (Array.isArray(value)) {
    const items: JsonValue[] = [];
    value.forEach((item: unknown, index) => {
      const read = readValue(reader, indexPath(path, index), item, depth + 1);
      // Arrays keep their length: an unreadable item is reported, and null keeps its place.
      items.push(read === undefined ? null : read);
    });
    return items;
  }
  if (isPlainObject(value)) {
    const entries: [string, JsonValue][] = [];
    for (const [key, member] of Object.entries(value)) {
      if (member === undefined) continue;
      const read = readValue(reader, fieldPath(path, key), member, depth + 1);
      if (read !== undefined) entries.push([key, read]);
    }
    return Object.fromEntries(entries);
  }
  reader.sink.add(path, `expected JSON, got ${typeof value}`);
  return undefined;
}

/** Any JSON value at `key` (undefined when absent or null at the top). */
export function readOpaque(reader: ObjectReader, key: string): JsonValue | undefined {
  const value = reader.get(key);
  if (value === undefined) return undefined;
  return readValue(reader, reader.pathOf(key), value, 0);
}

/** A JSON object at `key`, kept as written; another type is an error. */
export function readOpaqueObject(reader: ObjectReader, key: string): JsonObject | undefined {
  const object = reader.object(key);
  if (!object) return undefined;
  const value = readValue(object, object.path, object.value, 0);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}
