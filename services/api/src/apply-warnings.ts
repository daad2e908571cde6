/**
 * Warnings an apply answers with, as the Kubernetes API server sends `Warning:` headers that
 * kubectl prints: each IngressBackend of the request that its status (derived from the state the
 * apply produced) shows rejected, with the reason; and what `meshgate analyze` says about the
 * request's objects in that state (`Error [IST0101] (VirtualService default/httpbin) Referenced
 * gateway not found: …`).
 */
import { analyzeState, formatMessage } from '@meshgate/analysis';
import { ingressBackendStatuses, stateKey, type MeshState } from '@meshgate/model';

interface AppliedRef {
  kind: string;
  namespace: string;
  name: string;
}

export function applyWarnings(state: MeshState, results: readonly AppliedRef[], clusterDomain?: string): string[] {
  return [...ingressBackendWarnings(state, results), ...analysisWarnings(state, results, clusterDomain)];
}

function analysisWarnings(state: MeshState, results: readonly AppliedRef[], clusterDomain: string | undefined): string[] {
  if (!results.some((result) => result.kind === 'Gateway' || result.kind === 'VirtualService' || result.kind === 'Ingress')) return [];
  const applied = new Set(results.map((result) => `${result.kind}/${result.namespace}/${result.name}`));
  return analyzeState(state, { clusterDomain })
    .filter((message) => applied.has(`${message.object.kind}/${message.object.namespace}/${message.object.name}`))
    .map(formatMessage);
}

function ingressBackendWarnings(state: MeshState, results: readonly AppliedRef[]): string[] {
  const backends = results.filter((result) => result.kind === 'IngressBackend');
  if (backends.length === 0) return [];
  const statuses = ingressBackendStatuses(state);
  return backends.flatMap((ref) => {
    const status = statuses.get(stateKey(ref.namespace, ref.name));
    return status?.status === 'rejected' ? [`IngressBackend ${ref.namespace}/${ref.name} is rejected: ${status.reason}`] : [];
  });
}
