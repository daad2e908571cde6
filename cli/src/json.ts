/**
 * Reading JSON that came over the network: the server is ours, but its answers are still
 * checked field by field (never cast), so that a surprise is reported rather than printed wrong.
 */
export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `path` inside nested objects, or undefined when any step is missing. */
export function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function stringAt(value: unknown, ...path: string[]): string | undefined {
  const found = at(value, ...path);
  return typeof found === 'string' ? found : undefined;
}

export function numberAt(value: unknown, ...path: string[]): number | undefined {
  const found = at(value, ...path);
  return typeof found === 'number' ? found : undefined;
}

export function arrayAt(value: unknown, ...path: string[]): unknown[] {
  const found = at(value, ...path);
  return Array.isArray(found) ? found : [];
}

/** The string members of an array (others skipped). */
export function stringsAt(value: unknown, ...path: string[]): string[] {
  return arrayAt(value, ...path).filter((item): item is string => typeof item === 'string');
}

/** `key=value` pairs of a string map, sorted by key. */
export function labelsAt(value: unknown, ...path: string[]): string[] {
  const found = at(value, ...path);
  if (!isRecord(found)) return [];
  return Object.keys(found)
    .sort()
    .flatMap((key) => (typeof found[key] === 'string' ? [`${key}=${String(found[key])}`] : []));
}
