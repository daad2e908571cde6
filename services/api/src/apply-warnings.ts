/**
 * Warnings an apply answers with, as the Kubernetes API server sends `Warning:` headers that
 * kubectl prints: each IngressBackend of the request that its status (derived from the state the
 * apply produced) shows rejected, with the reason; and what `meshgate analyze` says about the
 * request's objects in that state (`Error [IST0101] (VirtualService default/httpbin) Referenced
 * gateway not found: …`). A Secret, Pod or Deployment in the request also brings the messages
 * about the Gateways whose credential it changes (IST0161: a rotated Secret with a bad key warns).
 */
import { analyzeState, formatMessage, gatewayWorkloadNamespaces, INVALID_GATEWAY_CREDENTIAL } from '@meshgate/analysis';
import { ingressBackendStatuses, selectorMatches, stateKey, type MeshState } from '@meshgate/model';

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
  const touchesCredential = credentialTouch(state, results);
  return analyzeState(state, { clusterDomain })
    .filter((message) => applied.has(`${message.object.kind}/${message.object.namespace}/${message.object.name}`) || (message.code === INVALID_GATEWAY_CREDENTIAL.code && touchesCredential(message.object)))
    .map(formatMessage);
}

/**
 * Whether the request touched the credential of a Gateway: an applied Secret named as (or as the
 * `-cacert` half of) one of its servers' `credentialName`, a Pod its selector matches, or any
 * Deployment (either may move where its credentials resolve).
 */
function credentialTouch(state: MeshState, results: readonly AppliedRef[]): (gateway: { namespace: string; name: string }) => boolean {
  if (results.some((result) => result.kind === 'Deployment')) return () => true;
  const pods = results.flatMap((result) => (result.kind === 'Pod' ? [state.byKind.Pod.get(stateKey(result.namespace, result.name))?.metadata.labels ?? {}] : []));
  // namespace/name of each applied Secret, a `-cacert` half counted as its credential.
  const secrets = new Set(results.filter((result) => result.kind === 'Secret').map((result) => stateKey(result.namespace, result.name.replace(/-cacert$/, ''))));
  if (secrets.size === 0 && pods.length === 0) return () => false;
  return ({ namespace, name }) => {
    const gateway = state.byKind.Gateway.get(stateKey(namespace, name));
    if (!gateway) return false;
    const selector = gateway.spec.selector;
    if (Object.keys(selector).length > 0 && pods.some((labels) => selectorMatches(selector, labels))) return true;
    const namespaces = gatewayWorkloadNamespaces(state, gateway).map((workload) => workload.namespace);
    return gateway.spec.servers.some((server) => {
      const written = server.tls?.credentialName;
      const credential = written?.replace(/^kubernetes:\/\//, '').split('/').pop();
      return credential !== undefined && namespaces.some((workloadNamespace) => secrets.has(stateKey(workloadNamespace, credential)));
    });
  };
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
