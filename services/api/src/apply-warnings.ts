/**
 * Warnings an apply answers with, as the Kubernetes API server sends `Warning:` headers that
 * kubectl prints: each IngressBackend of the request that its status (derived from the state the
 * apply produced) shows rejected, with the reason; and what `meshgate analyze` says about the
 * request's objects in that state (`Error [IST0101] (VirtualService default/httpbin) Referenced
 * gateway not found: …`). A Secret, Pod or Deployment in the request also brings the messages
 * about the Gateways whose credential it changes (IST0161: a rotated Secret with a bad key warns).
 */
import { analyzeState, formatMessage, INVALID_GATEWAY_CREDENTIAL } from '@meshgate/analysis';
import { ingressBackendStatuses, stateKey, type MeshState } from '@meshgate/model';

interface AppliedRef {
  kind: string;
  namespace: string;
  name: string;
}

export function applyWarnings(state: MeshState, results: readonly AppliedRef[], clusterDomain?: string): string[] {
  return [...ingressBackendWarnings(state, results), ...analysisWarnings(state, results, clusterDomain)];
}

const ANALYZED_KINDS = new Set(['Gateway', 'VirtualService', 'Ingress']);
/** Kinds that change whether a Gateway's credential resolves (the Secret, or where its workloads run). */
const CREDENTIAL_KINDS = new Set(['Secret', 'Pod', 'Deployment']);

function analysisWarnings(state: MeshState, results: readonly AppliedRef[], clusterDomain: string | undefined): string[] {
  const credentials = results.some((result) => CREDENTIAL_KINDS.has(result.kind));
  if (!credentials && !results.some((result) => ANALYZED_KINDS.has(result.kind))) return [];
  const applied = new Set(results.map((result) => `${result.kind}/${result.namespace}/${result.name}`));
  return analyzeState(state, { clusterDomain })
    .filter(
      (message) =>
        applied.has(`${message.object.kind}/${message.object.namespace}/${message.object.name}`) || (credentials && message.code === INVALID_GATEWAY_CREDENTIAL.code),
    )
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
