/**
 * Checks for the Kubernetes watcher tests: what meshgate should hold given the test apiserver's
 * objects, and that the event log holds no duplicated event.
 */
import assert from 'node:assert/strict';
import type { FakeKubeApiServer } from '@meshgate/testkit';
import { KUBERNETES_RESOURCES } from '@meshgate/watcher';

const WATCHED_KINDS = new Set(KUBERNETES_RESOURCES.map((resource) => resource.kind));
const MONITORED_BY = 'openservicemesh.io/monitored-by';

export interface LoggedEvent {
  sequence: number;
  streamId: string;
  type: string;
  data: unknown;
}

export function objectKeyOf(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

/** Every object the watcher follows on the server (Namespaces only where labelled for `mesh`), as `key → labels`. */
export function expectedFromServer(server: FakeKubeApiServer, mesh = 'osm'): Map<string, string> {
  const expected = new Map<string, string>();
  for (const object of server.list()) {
    if (!WATCHED_KINDS.has(object.kind ?? '')) continue;
    if (object.kind === 'Namespace' && object.metadata.labels?.[MONITORED_BY] !== mesh) continue;
    expected.set(objectKeyOf(object.kind ?? '', object.metadata.namespace, object.metadata.name), JSON.stringify(object.metadata.labels ?? {}));
  }
  return expected;
}

/**
 * No object's stream has two consecutive applies of the same content or two deletes in a row: a change
 * observed twice (a replay after a crash, a relist) was written once.
 */
export function assertNoDuplicateEvents(events: readonly LoggedEvent[]): void {
  const last = new Map<string, string>();
  for (const event of events) {
    if (event.type !== 'ResourceApplied' && event.type !== 'ResourceDeleted') continue;
    const data = event.data as { digest?: string };
    const step = event.type === 'ResourceApplied' ? `apply ${data.digest}` : event.type;
    assert.notEqual(last.get(event.streamId), step, `duplicate ${event.type} in ${event.streamId} at sequence ${event.sequence}`);
    last.set(event.streamId, step);
  }
}
