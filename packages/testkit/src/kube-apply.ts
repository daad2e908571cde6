/**
 * Server-side apply for the test apiserver, after
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/ :
 *
 * - Every manager owns a set of fields. An apply (PATCH `application/apply-patch+yaml`) by a
 *   manager sets the fields its configuration names, and the manager then owns exactly those.
 * - A field the configuration gives a different value than the live one, and that another
 *   manager owns, is a conflict (409) unless `force=true`; forced, ownership moves to the applier.
 * - A field the manager applied last time and omits now is removed, unless another manager owns it.
 * - Other writes (create, update: the test's `apply()`) are "Update" operations: they never
 *   conflict, and take ownership of the fields they change.
 *
 * Simplifications, said here so that no test relies on more: maps merge key by key; every list
 * is atomic (replaced whole, owned as one field), where the real apiserver merges lists whose
 * schema gives them keys (`x-kubernetes-list-type: map`).
 */

/** A field's path, as the JSON text of its keys (keys may hold dots: a Secret's `tls.crt`). */
export type FieldPath = string;

function partsOf(path: FieldPath): string[] {
  return JSON.parse(path) as string[];
}

/** `.spec.ports`, `.data.tls.crt`: for messages. */
export function describeField(path: FieldPath): string {
  return partsOf(path).map((part) => `.${part}`).join('');
}

/** One manager's ownership, as `metadata.managedFields` lists it. */
export interface FieldManager {
  manager: string;
  operation: 'Apply' | 'Update';
  /** `status` for writes to the status subresource; "" for the main resource. */
  subresource: string;
  apiVersion: string;
  time: string;
  fields: Set<FieldPath>;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Fields the apiserver sets itself: never owned, never taken from a configuration. */
const SERVER_METADATA = new Set(['resourceVersion', 'uid', 'creationTimestamp', 'managedFields', 'generation', 'selfLink', 'deletionTimestamp']);
const IDENTITY = new Set(['apiVersion', 'kind']);

/** The leaf fields of an object (maps recursed into, lists and scalars as leaves) and their values. */
export function leafFields(object: Record<string, unknown>, prefix: string[] = []): Map<FieldPath, unknown> {
  const leaves = new Map<FieldPath, unknown>();
  for (const [key, value] of Object.entries(object)) {
    if (prefix.length === 0 && IDENTITY.has(key)) continue;
    if (prefix.length === 1 && prefix[0] === 'metadata' && (SERVER_METADATA.has(key) || key === 'name' || key === 'namespace')) continue;
    const path = [...prefix, key];
    if (isMap(value) && Object.keys(value).length > 0) for (const [leaf, leafValue] of leafFields(value, path)) leaves.set(leaf, leafValue);
    else leaves.set(JSON.stringify(path), value);
  }
  return leaves;
}

function getPath(object: Record<string, unknown>, path: FieldPath): unknown {
  let current: unknown = object;
  for (const part of partsOf(path)) {
    if (!isMap(current)) return undefined;
    current = current[part];
  }
  return current;
}

function setPath(object: Record<string, unknown>, path: FieldPath, value: unknown): void {
  const parts = partsOf(path);
  let current = object;
  for (const part of parts.slice(0, -1)) {
    if (!isMap(current[part])) current[part] = {};
    current = current[part] as Record<string, unknown>;
  }
  current[parts[parts.length - 1]] = structuredClone(value);
}

/** Removes a field, and the maps it leaves empty. */
function removePath(object: Record<string, unknown>, path: FieldPath): void {
  const parts = partsOf(path);
  const chain: Record<string, unknown>[] = [object];
  for (const part of parts.slice(0, -1)) {
    const next = chain[chain.length - 1][part];
    if (!isMap(next)) return;
    chain.push(next);
  }
  delete chain[chain.length - 1][parts[parts.length - 1]];
  for (let index = chain.length - 1; index > 0; index--) {
    if (Object.keys(chain[index]).length > 0) break;
    delete chain[index - 1][parts[index - 1]];
  }
}

export interface ApplyConflict {
  manager: string;
  field: FieldPath;
}

export type ApplyOutcome = { ok: true; object: Record<string, unknown>; managers: FieldManager[] } | { ok: false; conflicts: ApplyConflict[] };

/**
 * Applies `config` (already reduced to what the endpoint may change) by `manager` to `live`
 * (undefined: the object is created). Returns the new object and ownership, or the conflicts.
 */
export function serverSideApply(
  live: Record<string, unknown> | undefined,
  managers: readonly FieldManager[],
  config: Record<string, unknown>,
  request: { manager: string; subresource: string; apiVersion: string; force: boolean; now: string },
): ApplyOutcome {
  const object = structuredClone(live ?? {});
  const applied = leafFields(config);
  const isMine = (entry: FieldManager) => entry.manager === request.manager && entry.operation === 'Apply' && entry.subresource === request.subresource;
  const others = managers.filter((entry) => !isMine(entry)).map((entry) => ({ ...entry, fields: new Set(entry.fields) }));
  const conflicts: ApplyConflict[] = [];
  for (const [field, value] of applied) {
    if (JSON.stringify(getPath(object, field)) === JSON.stringify(value)) continue;
    for (const other of others) if (other.fields.has(field)) conflicts.push({ manager: other.manager, field });
  }
  if (conflicts.length > 0 && !request.force) return { ok: false, conflicts };
  // Forced (or no conflict): the applier takes every field it names, from whoever held it.
  for (const other of others) for (const field of applied.keys()) other.fields.delete(field);
  const previous = managers.find(isMine)?.fields ?? new Set<FieldPath>();
  for (const field of previous) {
    if (applied.has(field) || others.some((other) => other.fields.has(field))) continue;
    removePath(object, field);
  }
  for (const [field, value] of applied) setPath(object, field, value);
  const mine: FieldManager = { manager: request.manager, operation: 'Apply', subresource: request.subresource, apiVersion: request.apiVersion, time: request.now, fields: new Set(applied.keys()) };
  return { ok: true, object, managers: [...others.filter((other) => other.fields.size > 0), ...(mine.fields.size > 0 ? [mine] : [])] };
}

/** An Update (create or replace) by `manager`: it takes the fields whose value it changes. */
export function recordUpdate(
  live: Record<string, unknown> | undefined,
  managers: readonly FieldManager[],
  next: Record<string, unknown>,
  request: { manager: string; apiVersion: string; now: string },
): FieldManager[] {
  const before = live ? leafFields(live) : new Map<FieldPath, unknown>();
  const after = leafFields(next);
  const changed = [...after].filter(([field, value]) => JSON.stringify(before.get(field)) !== JSON.stringify(value)).map(([field]) => field);
  const others = managers.map((entry) => ({ ...entry, fields: new Set([...entry.fields].filter((field) => after.has(field) && !changed.includes(field))) }));
  const existing = others.find((entry) => entry.manager === request.manager && entry.operation === 'Update' && entry.subresource === '');
  const mine = existing ?? { manager: request.manager, operation: 'Update' as const, subresource: '', apiVersion: request.apiVersion, time: request.now, fields: new Set<FieldPath>() };
  for (const field of changed) mine.fields.add(field);
  mine.time = request.now;
  return [...others.filter((entry) => entry !== mine && entry.fields.size > 0), ...(mine.fields.size > 0 ? [mine] : [])];
}

/** `metadata.managedFields` as the apiserver renders it (`fieldsV1` in the `f:` notation). */
export function renderManagedFields(managers: readonly FieldManager[]): Record<string, unknown>[] {
  return managers.map((entry) => {
    const fieldsV1: Record<string, unknown> = {};
    for (const field of [...entry.fields].sort()) {
      let current = fieldsV1;
      for (const part of partsOf(field)) current = (current[`f:${part}`] ??= {}) as Record<string, unknown>;
    }
    return {
      manager: entry.manager,
      operation: entry.operation,
      apiVersion: entry.apiVersion,
      time: entry.time,
      fieldsType: 'FieldsV1',
      fieldsV1,
      ...(entry.subresource ? { subresource: entry.subresource } : {}),
    };
  });
}
