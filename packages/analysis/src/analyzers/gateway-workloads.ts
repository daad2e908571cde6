/**
 * Where a Gateway's workloads run: Istio resolves a server's `credentialName` in the namespace
 * of the gateway PROXY, not of the Gateway object. The workloads are the Pods (and Deployments,
 * by their pod template's labels) the selector matches; when none is known, the Gateway's own
 * namespace stands in, and the message says so.
 */
import { compareObjects, selectorMatches, type GatewayObject, type MeshState } from '@meshgate/model';

export interface WorkloadNamespace {
  namespace: string;
  /** How it was found, for the message: `workload Pod istio-system/ingress-1` or the fallback. */
  how: string;
}

/** The namespaces the Gateway's workloads run in, sorted; the Gateway's own when none is found. */
export function gatewayWorkloadNamespaces(state: MeshState, gateway: GatewayObject): WorkloadNamespace[] {
  const selector = gateway.spec.selector;
  const found = new Map<string, string>();
  if (Object.keys(selector).length > 0) {
    for (const pod of [...state.byKind.Pod.values()].sort(compareObjects)) {
      if (selectorMatches(selector, pod.metadata.labels) && !found.has(pod.metadata.namespace)) found.set(pod.metadata.namespace, `workload Pod ${pod.metadata.namespace}/${pod.metadata.name}`);
    }
    for (const deployment of [...state.byKind.Deployment.values()].sort(compareObjects)) {
      if (selectorMatches(selector, templateLabels(deployment)) && !found.has(deployment.metadata.namespace)) {
        found.set(deployment.metadata.namespace, `workload Deployment ${deployment.metadata.namespace}/${deployment.metadata.name}`);
      }
    }
  }
  if (found.size === 0) {
    const namespace = gateway.metadata.namespace;
    return [{ namespace, how: `no workload known for selector ${selectorText(selector)}; the Gateway's namespace` }];
  }
  return [...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([namespace, how]) => ({ namespace, how }));
}

/** `spec.template.metadata.labels` of a Deployment (a foreign kind: its body is opaque JSON). */
function templateLabels(deployment: { [field: string]: unknown }): Record<string, string> {
  const labels = field(field(field(deployment, 'spec'), 'template'), 'metadata');
  const value = field(labels, 'labels');
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;
}

function selectorText(selector: Record<string, string>): string {
  const text = Object.keys(selector)
    .sort()
    .map((key) => `${key}=${selector[key]}`)
    .join(',');
  return text || '(empty)';
}
