/** Which object an event applied or deleted: what `advanced` reports, so consumers recompile only what a batch touched. */
import { asMeshEvent, isClusterScoped, RESOURCE_APPLIED, RESOURCE_DELETED, type MeshEvent } from '@meshgate/model';

/** An object a batch of events applied or deleted. */
export interface ChangedObject {
  kind: string;
  namespace: string;
  name: string;
}

export function changedObjectKey(ref: ChangedObject): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

/** The object a ResourceApplied / ResourceDeleted names; undefined for any other event (CertificateIssued, …). */
export function changedObjectOf(event: MeshEvent | undefined): ChangedObject | undefined {
  if (event?.type === RESOURCE_APPLIED) {
    const { kind, metadata } = event.data.object;
    return { kind, namespace: isClusterScoped(kind) ? '' : (metadata as { namespace?: string }).namespace ?? '', name: metadata.name };
  }
  if (event?.type === RESOURCE_DELETED) {
    const { kind, namespace, name } = event.data.ref;
    return { kind, namespace: isClusterScoped(kind) ? '' : namespace, name };
  }
  return undefined;
}

/** The same, from an event as stored. */
export function changedObject(event: Parameters<typeof asMeshEvent>[0]): ChangedObject | undefined {
  return changedObjectOf(asMeshEvent(event));
}
