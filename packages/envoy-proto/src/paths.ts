/** How problems name their place: a root label, then the object's own keys and [i] indices. */
import type protobuf from 'protobufjs';

/** `Listener` → `listener`, `ClusterLoadAssignment` → `cluster_load_assignment`. */
export function rootLabel(type: protobuf.Type): string {
  return type.name
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** Full message name without protobufjs' leading dot, as in a type URL. */
export function messageName(type: protobuf.ReflectionObject): string {
  return type.fullName.replace(/^\./, '');
}

/**
 * A hint for an unknown key: the snake_case field a camelCase key meant, or a field within two
 * edits of a typo (`filtrs` → `filters`). Empty when nothing is close.
 */
export function unknownFieldHint(type: protobuf.Type, key: string): string {
  const snake = key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
  if (snake !== key && Object.hasOwn(type.fields, snake)) return ` (the field is named ${snake})`;
  let best: { name: string; distance: number } | undefined;
  for (const name of Object.keys(type.fields)) {
    const distance = editDistance(key, name, 2);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best ? ` (did you mean ${best.name}?)` : '';
}

/** Levenshtein distance, giving up (returning limit + 1) once it must exceed `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      rowMin = Math.min(rowMin, current[j]);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length];
}
