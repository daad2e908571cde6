/**
 * Read access to the follower's MeshState by reference, sorted listings for the REST reads, and
 * the derived status objects carry when shown (never stored: it follows from the state).
 */
import {
  compareObjects,
  ingressBackendStatuses,
  KINDS,
  stateKey,
  type IngressBackendObject,
  type IngressBackendStatus,
  type Kind,
  type MeshObject,
  type MeshState,
  type ObjectRef,
} from '@meshgate/model';

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

/** An IngressBackend as OSM shows it: with `status: {currentStatus, reason}`. */
export type IngressBackendView = IngressBackendObject & { status: { currentStatus: IngressBackendStatus['status']; reason: string } };
export type ObjectView = MeshObject | IngressBackendView;

/**
 * Objects as the REST reads return them: an IngressBackend of `state` carries its status
 * (committed, or rejected with the reason), computed from `state` now. Statuses are computed
 * once per call, and only when an IngressBackend is among the objects.
 */
export function viewObjects(state: MeshState, objects: MeshObject[]): ObjectView[] {
  let statuses: Map<string, IngressBackendStatus> | undefined;
  return objects.map((object) => {
    if (object.kind !== 'IngressBackend') return object;
    statuses ??= ingressBackendStatuses(state);
    const status = statuses.get(stateKey(object.metadata.namespace, object.metadata.name));
    // Statuses cover every IngressBackend of `state`; an object from elsewhere has none to show.
    return status === undefined ? object : { ...object, status: { currentStatus: status.status, reason: status.reason } };
  });
}

export function viewObject(state: MeshState, object: MeshObject): ObjectView {
  return viewObjects(state, [object])[0];
}
