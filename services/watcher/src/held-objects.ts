/**
 * What meshgate holds from one source: the objects whose latest event in the log is an apply
 * that this source published. A restarted Kubernetes source compares its first list with these,
 * so that an object deleted from the cluster while no watcher ran is deleted in meshgate too
 * (the informer only reports deletions it saw happen).
 *
 * It reads the whole log once per start, page by page: the cost grows with the log, paid once
 * per restart, not per change.
 */
import { asMeshEvent, RESOURCE_APPLIED } from '@meshgate/model';

export interface HeldObject {
  kind: string;
  /** "" for cluster-scoped kinds. */
  namespace: string;
  name: string;
}

/** The one call needed from the event store (`EventStore.readAfter`). */
export interface LogReader {
  readAfter(after: number, limit?: number): Promise<{ sequence: number; type: string; data: unknown; metadata: Record<string, unknown> }[]>;
}

const PAGE = 1_000;

export async function objectsHeldFrom(log: LogReader, source: string): Promise<HeldObject[]> {
  // key → the object when its latest event is an apply from `source`; undefined otherwise.
  const latest = new Map<string, HeldObject | undefined>();
  let after = 0;
  for (;;) {
    const events = await log.readAfter(after, PAGE);
    for (const event of events) {
      const mesh = asMeshEvent(event);
      if (!mesh) continue;
      if (mesh.type === RESOURCE_APPLIED) {
        const { kind, metadata } = mesh.data.object;
        const key = `${kind}/${metadata.namespace}/${metadata.name}`;
        latest.set(key, mesh.data.source === source ? { kind, namespace: metadata.namespace, name: metadata.name } : undefined);
      } else {
        const { kind, namespace, name } = mesh.data.ref;
        latest.set(`${kind}/${namespace}/${name}`, undefined);
      }
    }
    if (events.length < PAGE) break;
    after = events[events.length - 1].sequence;
  }
  return [...latest.values()].filter((object): object is HeldObject => object !== undefined);
}
