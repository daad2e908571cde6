/** Test helper: a deep copy of a resource with one value replaced, added or removed. */

type Step = string | number;

/** A copy of `resource` where the value at `path` is `value` (undefined removes the key). */
export function withValue(resource: Record<string, unknown>, path: Step[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(resource);
  let node: unknown = copy;
  for (const step of path.slice(0, -1)) node = child(node, step);
  const last = path[path.length - 1];
  if (typeof node !== 'object' || node === null) throw new Error(`no container at ${path.join('.')}`);
  if (value === undefined) Reflect.deleteProperty(node, String(last));
  else Reflect.set(node, String(last), value);
  return copy;
}

function child(node: unknown, step: Step): unknown {
  if (typeof node !== 'object' || node === null) throw new Error(`cannot step into ${String(step)}`);
  const next: unknown = Reflect.get(node, String(step));
  if (next === undefined) throw new Error(`no ${String(step)} in the fixture`);
  return next;
}

/** The value at `path` (throws when the fixture has no such place). */
export function valueAt(resource: Record<string, unknown>, path: Step[]): unknown {
  let node: unknown = resource;
  for (const step of path) node = child(node, step);
  return node;
}
