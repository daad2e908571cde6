/**
 * The Kubernetes collections the watcher lists and watches: every kind meshgate understands
 * that lives in a cluster. Secrets are followed apart (`SECRET_RESOURCE`): only with the
 * deployment key, and only those meshgate has a reason to hold (secret-interest.ts).
 */
export interface KubernetesResource {
  kind: string;
  /** `v1` for the core group, else `group/version`. */
  apiVersion: string;
  /** The collection's name in the URL. */
  plural: string;
  namespaced: boolean;
}

export const KUBERNETES_RESOURCES: readonly KubernetesResource[] = [
  { kind: 'Namespace', apiVersion: 'v1', plural: 'namespaces', namespaced: false },
  { kind: 'Service', apiVersion: 'v1', plural: 'services', namespaced: true },
  { kind: 'Endpoints', apiVersion: 'v1', plural: 'endpoints', namespaced: true },
  { kind: 'Pod', apiVersion: 'v1', plural: 'pods', namespaced: true },
  { kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', plural: 'endpointslices', namespaced: true },
  { kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', plural: 'ingresses', namespaced: true },
  { kind: 'IngressClass', apiVersion: 'networking.k8s.io/v1', plural: 'ingressclasses', namespaced: false },
  { kind: 'Gateway', apiVersion: 'networking.istio.io/v1beta1', plural: 'gateways', namespaced: true },
  { kind: 'VirtualService', apiVersion: 'networking.istio.io/v1beta1', plural: 'virtualservices', namespaced: true },
  { kind: 'DestinationRule', apiVersion: 'networking.istio.io/v1beta1', plural: 'destinationrules', namespaced: true },
  { kind: 'ServiceEntry', apiVersion: 'networking.istio.io/v1beta1', plural: 'serviceentries', namespaced: true },
  { kind: 'IngressBackend', apiVersion: 'policy.openservicemesh.io/v1alpha1', plural: 'ingressbackends', namespaced: true },
  { kind: 'MeshConfig', apiVersion: 'config.openservicemesh.io/v1alpha2', plural: 'meshconfigs', namespaced: true },
];

/** Cluster Secrets: followed by the Kubernetes source when it has the deployment key; written back too. */
export const SECRET_RESOURCE: KubernetesResource = { kind: 'Secret', apiVersion: 'v1', plural: 'secrets', namespaced: true };

/** The collection across all namespaces, e.g. `/api/v1/services`, `/apis/networking.k8s.io/v1/ingresses`. */
export function collectionPath(resource: KubernetesResource): string {
  const base = resource.apiVersion.includes('/') ? `/apis/${resource.apiVersion}` : `/api/${resource.apiVersion}`;
  return `${base}/${resource.plural}`;
}
