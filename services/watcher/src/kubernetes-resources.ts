/**
 * The Kubernetes collections the watcher lists and watches: every kind meshgate understands
 * that lives in a cluster. Secrets are not here yet: the api refuses the Secret kind until it
 * has an encrypted store for them (see the README).
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

/** The collection across all namespaces, e.g. `/api/v1/services`, `/apis/networking.k8s.io/v1/ingresses`. */
export function collectionPath(resource: KubernetesResource): string {
  const base = resource.apiVersion.includes('/') ? `/apis/${resource.apiVersion}` : `/api/${resource.apiVersion}`;
  return `${base}/${resource.plural}`;
}
