/**
 * Where a Gateway's workloads run, read from a state: its Pods and Deployments (by their pod
 * template's labels), handed to the one rule the watcher uses too
 * (`gatewayWorkloadNamespaces` of `@meshgate/secrets/credentials`): Istio resolves a server's
 * `credentialName` in the namespace of the gateway PROXY, not of the Gateway object; when no
 * workload is known, the Gateway's own namespace stands in, and the message says so.
 */
import { compareObjects, type GatewayObject, type MeshState } from '@meshgate/model';
import { gatewayWorkloadNamespaces as workloadNamespaces, type GatewayWorkload, type WorkloadNamespace } from '@meshgate/secrets/credentials';

export type { WorkloadNamespace };

/** The namespaces the Gateway's workloads run in, sorted; the Gateway's own when none is found. */
export function gatewayWorkloadNamespaces(state: MeshState, gateway: GatewayObject): WorkloadNamespace[] {
  return workloadNamespaces({ namespace: gateway.metadata.namespace, selector: gateway.spec.selector }, workloadsOf(state));
}

/** Pods first, then Deployments, each sorted: the first to match names a namespace's `how`. */
function* workloadsOf(state: MeshState): Generator<GatewayWorkload> {
  for (const pod of [...state.byKind.Pod.values()].sort(compareObjects)) yield { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, labels: pod.metadata.labels };
  for (const deployment of [...state.byKind.Deployment.values()].sort(compareObjects)) {
    yield { kind: 'Deployment', namespace: deployment.metadata.namespace, name: deployment.metadata.name, labels: templateLabels(deployment) };
  }
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
