/**
 * Read access to the follower's MeshState by reference, and sorted listings for the REST reads.
 */
import { compareObjects, KINDS, stateKey, type Kind, type MeshObject, type MeshState, type ObjectRef } from '@meshgate/model';

export function findObject(state: MeshState, ref: ObjectRef): MeshObject | undefined {
  const objects: ReadonlyMap<string, MeshObject> | undefined = state.byKind[ref.kind];
  return objects?.get(stateKey(ref.namespace, ref.name));
}

export interface ListFilter {
  kind?: Kind;
  namespace?: string;
}

/** Objects of one kind (or all, in the model's kind order), optionally of one namespace; sorted by namespace and name within a kind. */
export function listObjects(state: MeshState, filter: ListFilter): MeshObject[] {
  const kinds = filter.kind === undefined ? KINDS : [filter.kind];
  return kinds.flatMap((kind) => {
    const objects: ReadonlyMap<string, MeshObject> | undefined = state.byKind[kind];
    const items = [...(objects?.values() ?? [])].filter((object) => filter.namespace === undefined || object.metadata.namespace === filter.namespace);
    return items.sort(compareObjects);
  });
}
