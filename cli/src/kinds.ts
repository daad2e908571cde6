/**
 * How the CLI names kinds: what a user may type (`virtualservice`, `virtualservices`, `vs`,
 * `VirtualService`), how kubectl prints an object (`virtualservice.networking.istio.io/httpbin`),
 * and the REST paths of resources.
 */
import { isClusterScoped, isKind, KINDS } from '@meshgate/model';

/** The API group each kind belongs to, for kubectl-style names; core kinds have none. */
const GROUPS: Readonly<Record<string, string>> = {
  EndpointSlice: 'discovery.k8s.io',
  Gateway: 'networking.istio.io',
  VirtualService: 'networking.istio.io',
  DestinationRule: 'networking.istio.io',
  ServiceEntry: 'networking.istio.io',
  Sidecar: 'networking.istio.io',
  Ingress: 'networking.k8s.io',
  IngressClass: 'networking.k8s.io',
  IngressBackend: 'policy.openservicemesh.io',
  MeshConfig: 'config.openservicemesh.io',
};

/** kubectl's and istioctl's short names. */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  ns: 'Namespace',
  svc: 'Service',
  ep: 'Endpoints',
  po: 'Pod',
  gw: 'Gateway',
  vs: 'VirtualService',
  dr: 'DestinationRule',
  se: 'ServiceEntry',
  ing: 'Ingress',
};

/** The lowercase plural, as kubectl spells resources: `virtualservices`, `endpoints`, `ingressclasses`. */
export function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (kind === 'Endpoints') return lower;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}

/**
 * The kind a user typed, resolved against the kinds meshgate knows; an unknown word is passed
 * on as typed so that the server answers with the list of kinds it does know.
 */
export function resolveKind(typed: string): string {
  const wanted = typed.toLowerCase();
  const short = SHORT_NAMES[wanted];
  if (short) return short;
  return KINDS.find((kind) => kind.toLowerCase() === wanted || pluralOf(kind) === wanted) ?? typed;
}

export function isClusterScopedKind(kind: string): boolean {
  return isKind(kind) && isClusterScoped(kind);
}

/** `virtualservice.networking.istio.io`, `service`. */
export function resourceType(kind: string): string {
  const group = GROUPS[kind];
  return group ? `${kind.toLowerCase()}.${group}` : kind.toLowerCase();
}

/** `virtualservice.networking.istio.io/httpbin`, as kubectl prints an object it acted on. */
export function displayName(kind: string, name: string): string {
  return `${resourceType(kind)}/${name}`;
}

/** `_` stands for the empty namespace of cluster-scoped kinds in REST paths. */
export const CLUSTER_SCOPE_SEGMENT = '_';

/** `/v1/resources/<kind>[/<namespace>[/<name>]]`, each segment escaped. */
export function resourcePath(kind: string, namespace?: string, name?: string): string {
  const segments = ['v1', 'resources', kind];
  if (namespace !== undefined) segments.push(namespace === '' ? CLUSTER_SCOPE_SEGMENT : namespace);
  if (name !== undefined) segments.push(name);
  return `/${segments.map(encodeURIComponent).join('/')}`;
}
