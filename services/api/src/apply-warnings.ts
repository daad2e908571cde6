/**
 * Warnings an apply answers with, as the Kubernetes API server sends `Warning:` headers that
 * kubectl prints: today, each IngressBackend of the request that its status (derived from the
 * state the apply produced) shows rejected, with the reason.
 */
import { ingressBackendStatuses, stateKey, type MeshState } from '@meshgate/model';

interface AppliedRef {
  kind: string;
  namespace: string;
  name: string;
}

export function applyWarnings(state: MeshState, results: readonly AppliedRef[]): string[] {
  const backends = results.filter((result) => result.kind === 'IngressBackend');
  if (backends.length === 0) return [];
  const statuses = ingressBackendStatuses(state);
  return backends.flatMap((ref) => {
    const status = statuses.get(stateKey(ref.namespace, ref.name));
    return status?.status === 'rejected' ? [`IngressBackend ${ref.namespace}/${ref.name} is rejected: ${status.reason}`] : [];
  });
}
