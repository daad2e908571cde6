/** The objects added, changed and removed between two states, with the fields that changed. */
import { canonicalJson, KINDS, type Kind, type MeshObject, type MeshState } from '@meshgate/model';
import { fieldChanges, type FieldChange } from './field-changes.js';

export interface ObjectChange {
  kind: Kind;
  namespace: string;
  name: string;
  change: 'added' | 'changed' | 'removed';
  /** For `changed`: what differs, field by field. */
  fields?: FieldChange[];
  /** Field changes past the bound, not listed. */
  omittedFields?: number;
}

function sortedKeys(map: ReadonlyMap<string, MeshObject>): string[] {
  return [...map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Kinds in the model's order, then namespace/name. */
export function objectChanges(before: MeshState, after: MeshState): ObjectChange[] {
  const changes: ObjectChange[] = [];
  for (const kind of KINDS) {
    const old: ReadonlyMap<string, MeshObject> = before.byKind[kind];
    const now: ReadonlyMap<string, MeshObject> = after.byKind[kind];
    const keys = [...new Set([...sortedKeys(old), ...sortedKeys(now)])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const key of keys) {
      const was = old.get(key);
      const is = now.get(key);
      const object = is ?? was;
      if (object === undefined || was === is) continue;
      const ref = { kind, namespace: object.metadata.namespace, name: object.metadata.name };
      if (was === undefined) changes.push({ ...ref, change: 'added' });
      else if (is === undefined) changes.push({ ...ref, change: 'removed' });
      else if (canonicalJson(was) !== canonicalJson(is)) {
        const { changes: fields, omitted } = fieldChanges(was, is);
        changes.push({ ...ref, change: 'changed', fields, ...(omitted > 0 ? { omittedFields: omitted } : {}) });
      }
    }
  }
  return changes;
}
