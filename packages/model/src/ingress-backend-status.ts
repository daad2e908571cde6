/**
 * Which IngressBackends are in effect. Two IngressBackends that claim the same backend (one
 * namespace, one Service name, one port) conflict; the one created first wins and the later one
 * is rejected, saying with whom it conflicts (as OSM refuses the later one at admission). This
 * is status, derived from the state on demand and never written to the log: deleting the
 * earlier one commits the later one without any event about the later one.
 */
import { stateKey } from './keys.js';
import { compareObjects } from './query.js';
import { createdSequenceOf } from './state.js';
import type { IngressBackendObject, IngressBackendStatus, MeshState } from './types.js';

/** OSM's wording for an IngressBackend in effect. */
export const INGRESS_BACKEND_COMMITTED_REASON = 'successfully committed by the system';

/** One backend port: `namespace/service:port`. */
function claimOf(ingressBackend: IngressBackendObject, backend: IngressBackendObject['spec']['backends'][number]): string {
  return `${ingressBackend.metadata.namespace}/${backend.name}:${backend.port.number}`;
}

/** Creation order, then namespace and name: a total order, so the outcome never depends on map order. */
function inCreationOrder(state: MeshState): IngressBackendObject[] {
  return [...state.byKind.IngressBackend.values()].sort((a, b) => createdSequenceOf(state, a) - createdSequenceOf(state, b) || compareObjects(a, b));
}

/**
 * The status of every IngressBackend, keyed `namespace/name` (as `MeshState.byKind`). A rejected
 * IngressBackend claims nothing, so a third one that overlaps only with it is committed.
 */
export function ingressBackendStatuses(state: MeshState): Map<string, IngressBackendStatus> {
  const owners = new Map<string, IngressBackendObject>();
  const statuses = new Map<string, IngressBackendStatus>();
  for (const ingressBackend of inCreationOrder(state)) {
    const { namespace, name } = ingressBackend.metadata;
    const conflicts = ingressBackend.spec.backends.flatMap((backend) => {
      const owner = owners.get(claimOf(ingressBackend, backend));
      return owner === undefined ? [] : [`conflicts with IngressBackend ${owner.metadata.namespace}/${owner.metadata.name} on backend ${backend.name}:${backend.port.number}`];
    });
    if (conflicts.length > 0) {
      statuses.set(stateKey(namespace, name), { status: 'rejected', reason: conflicts.join('; ') });
      continue;
    }
    for (const backend of ingressBackend.spec.backends) owners.set(claimOf(ingressBackend, backend), ingressBackend);
    statuses.set(stateKey(namespace, name), { status: 'committed', reason: INGRESS_BACKEND_COMMITTED_REASON });
  }
  return statuses;
}

/** The IngressBackends in effect (committed), sorted by namespace and name: what the compiler should enforce. */
export function committedIngressBackends(state: MeshState): IngressBackendObject[] {
  const statuses = ingressBackendStatuses(state);
  return [...state.byKind.IngressBackend.entries()]
    .filter(([key]) => statuses.get(key)?.status === 'committed')
    .map(([, ingressBackend]) => ingressBackend)
    .sort(compareObjects);
}
