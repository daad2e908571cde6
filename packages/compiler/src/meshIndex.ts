/**
 * Lookups the compiler needs, built once per MeshState and shared by every proxy compiled from
 * it. Everything a compile asks of the state is a map lookup here, so that compiling for a
 * gateway with 1,000 VirtualServices over 1,000 Services stays linear, never
 * services × virtualservices.
 */
import {
  compareObjects,
  endpointSlicesByService,
  ingressBackendStatuses,
  ingressesForController,
  isMonitored,
  ISTIO_INGRESS_CONTROLLER,
  MESH_GATEWAY,
  podsByIp,
  qualifyDestinationHost,
  sidecarInjectionDisabled,
  stateKey,
  type EndpointSliceObject,
  type IngressBackendObject,
  type IngressObject,
  type MeshState,
  type PodObject,
  type SecretObject,
  type ServiceObject,
  type VirtualServiceObject,
  type DestinationRuleObject,
  type OutboundTrafficPolicy,
  type ServiceEntryObject,
} from '@meshgate/model';
import { HostTable } from './hosts.js';
import { buildTrafficIndex } from './traffic-index.js';
import { cachedQuery, trackedIndex } from './lookup-index.js';
import { Memo } from './memo.js';
import { DEFAULT_MESH_NAME, type CompileOptions, type Diagnostic } from './types.js';

/** The legacy `kubernetes.io/ingress.class` value Istio answers to. */
export const ISTIO_LEGACY_INGRESS_CLASS = 'istio';

export interface RejectedIngressBackend {
  ingressBackend: IngressBackendObject;
  reason: string;
}

export interface CompileIndex {
  readonly state: MeshState;
  readonly options: CompileOptions;
  /** Every Service, by namespace then name. */
  readonly services: readonly ServiceObject[];
  /** `namespace/name` of a Service → its EndpointSlices (the model's `endpointSlicesByService`). */
  readonly slicesByService: Map<string, EndpointSliceObject[]>;
  /** `namespace/name` of a Gateway, or `mesh` → VirtualServices bound to it, by namespace then name. */
  readonly virtualServicesByGateway: ReadonlyMap<string, readonly VirtualServiceObject[]>;
  /** Hosts of mesh-bound VirtualServices, qualified against their namespace like destinations. */
  readonly meshVirtualServiceHosts: HostTable<VirtualServiceObject>;
  /** `options.meshName`, defaulted. */
  readonly meshName: string;
  /** Committed IngressBackends (the model's status) by namespace, sorted by name. */
  readonly ingressBackendsByNamespace: ReadonlyMap<string, readonly IngressBackendObject[]>;
  /** Rejected IngressBackends by namespace, with the model's reason. */
  readonly rejectedIngressBackendsByNamespace: ReadonlyMap<string, readonly RejectedIngressBackend[]>;
  /** Kubernetes Ingresses of class `istio` (IngressClass of `istio.io/ingress-controller`, or the legacy annotation). */
  readonly istioIngresses: readonly IngressObject[];
  /** Pods by IP: how a proxyless server's named Service targetPorts are resolved. */
  readonly podsByIp: ReadonlyMap<string, PodObject>;
  /** Pods by namespace, sorted by name: the Pods a Service's selector may pick (server identities of TLS clusters). */
  readonly podsByNamespace: ReadonlyMap<string, readonly PodObject[]>;
  /**
   * Clusters and ClusterLoadAssignments built for one compile and reused by every other compile
   * against this index: they depend on the mesh (and the client kind), not on the proxy, so a
   * server compiling many proxy kinds builds each once and hands out the same object.
   */
  readonly meshWide: Map<string, { resource: Record<string, unknown>; diagnostics: readonly Diagnostic[] }>;
  /** Secrets (digests and problems, never bytes) by `namespace/name`: how gateway credentials resolve. */
  readonly secretsByKey: ReadonlyMap<string, SecretObject>;
  /** ServiceEntries by host, each host qualified against the entry's namespace like a destination (`traffic-index.ts`). */
  readonly serviceEntryHosts: HostTable<ServiceEntryObject>;
  /** DestinationRules by their (qualified) host, oldest first: Istio applies the oldest for a host. */
  readonly destinationRulesByHost: ReadonlyMap<string, readonly DestinationRuleObject[]>;
  /** ALLOW_ANY or REGISTRY_ONLY, and which object said so. */
  readonly outboundPolicy: OutboundTrafficPolicy;
  /** Objects of the traffic kinds refused on load (`refusedOnLoad`), reported by every compile. */
  readonly refusedTrafficObjects: readonly (ServiceEntryObject | DestinationRuleObject)[];
  /**
   * Compiled units and what each read (memo.ts): reads of this index are tracked (lookup.ts),
   * and an index kept current by `IncrementalIndex` keeps its memo across changes.
   */
  readonly memo: Memo;
}

/** The index's values without the tracking: what `IncrementalIndex` maintains in place. */
export type CompileIndexData = { -readonly [K in Exclude<keyof CompileIndex, 'meshWide' | 'memo' | 'secretsByKey'>]: CompileIndex[K] };

/** Objects by namespace then name, so that iteration never depends on insertion order. */
function sorted<T extends VirtualServiceObject | ServiceObject>(objects: Iterable<T>): T[] {
  return [...objects].sort(compareObjects);
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function buildIndex(state: MeshState, options: CompileOptions): CompileIndex {
  // Used once (a compile, a server's one generation): units are shared, reads not recorded.
  return trackedIndex(buildIndexData(state, options), new Memo({ track: false })).index;
}

/** The index's values for a state, built from scratch. */
export function buildIndexData(state: MeshState, options: CompileOptions): CompileIndexData {
  const virtualServicesByGateway = new Map<string, VirtualServiceObject[]>();
  const meshVirtualServiceHosts = new HostTable<VirtualServiceObject>();
  for (const vs of sorted(state.byKind.VirtualService.values())) {
    for (const gateway of new Set(vs.spec.gateways)) pushTo(virtualServicesByGateway, gateway, vs);
    if (!vs.spec.gateways.includes(MESH_GATEWAY)) continue;
    const hosts = new Set(vs.spec.hosts.map((host) => qualifyDestinationHost(host, vs.metadata.namespace, options.clusterDomain)));
    for (const host of hosts) meshVirtualServiceHosts.add(host, vs);
  }

  const statuses = ingressBackendStatuses(state);
  const ingressBackendsByNamespace = new Map<string, IngressBackendObject[]>();
  const rejectedIngressBackendsByNamespace = new Map<string, RejectedIngressBackend[]>();
  for (const ingressBackend of [...state.byKind.IngressBackend.values()].sort(compareObjects)) {
    const { namespace, name } = ingressBackend.metadata;
    const status = statuses.get(stateKey(namespace, name));
    if (status?.status === 'committed') pushTo(ingressBackendsByNamespace, namespace, ingressBackend);
    else pushTo(rejectedIngressBackendsByNamespace, namespace, { ingressBackend, reason: status?.reason ?? 'no status' });
  }

  return {
    state,
    options,
    services: sorted(state.byKind.Service.values()),
    slicesByService: endpointSlicesByService(state),
    virtualServicesByGateway,
    meshVirtualServiceHosts,
    meshName: options.meshName ?? DEFAULT_MESH_NAME,
    ingressBackendsByNamespace,
    rejectedIngressBackendsByNamespace,
    istioIngresses: ingressesForController(state, ISTIO_INGRESS_CONTROLLER, { legacyClassNames: [ISTIO_LEGACY_INGRESS_CLASS] }),
    podsByIp: podsByIp(state),
    podsByNamespace: podsByNamespace(state),
    ...buildTrafficIndex(state, options),
  };
}

function podsByNamespace(state: MeshState): Map<string, PodObject[]> {
  const byNamespace = new Map<string, PodObject[]>();
  for (const pod of [...state.byKind.Pod.values()].sort(compareObjects)) pushTo(byNamespace, pod.metadata.namespace, pod);
  return byNamespace;
}

/** Whether namespace `name` belongs to the mesh (`openservicemesh.io/monitored-by=<meshName>`); a namespace never applied does not. */
export function namespaceMonitored(index: CompileIndex, name: string): boolean {
  const namespace = index.state.byKind.Namespace.get(stateKey('', name));
  return namespace !== undefined && isMonitored(namespace, index.meshName);
}

/** Whether namespace `name` is marked for no sidecar injection (`osm namespace add --disable-sidecar-injection`). */
export function namespaceInjectionDisabled(index: CompileIndex, name: string): boolean {
  const namespace = index.state.byKind.Namespace.get(stateKey('', name));
  return namespace !== undefined && sidecarInjectionDisabled(namespace);
}

/**
 * The mesh-bound VirtualServices that route traffic for `fqdn`: those naming it exactly, else
 * those with the most specific wildcard covering it (the virtual host Envoy itself would pick),
 * merged by namespace then name.
 */
export function meshVirtualServicesFor(index: CompileIndex, fqdn: string): VirtualServiceObject[] {
  // Cached per host and read as one key (lookup-index.ts): a unit reading it depends on this host's answer only.
  return cachedQuery(index, MESH_VIRTUAL_SERVICES_QUERY, fqdn, (host) => meshVirtualServicesUncached(index, host));
}

/** The query name of `meshVirtualServicesFor` (IncrementalIndex refreshes it when mesh VirtualServices change). */
export const MESH_VIRTUAL_SERVICES_QUERY = 'meshVirtualServicesFor';

function meshVirtualServicesUncached(index: CompileIndex, fqdn: string): VirtualServiceObject[] {
  const hits = index.meshVirtualServiceHosts.overlapping(fqdn);
  if (hits.length === 0) return [];
  const best = hits.reduce((a, b) => (specificity(b.host) > specificity(a.host) ? b : a)).host;
  const chosen = new Set<VirtualServiceObject>();
  for (const hit of hits) if (hit.host === best) chosen.add(hit.value);
  return sorted(chosen);
}

/** Exact hosts beat every wildcard; among wildcards the longer suffix is the narrower. */
function specificity(host: string): number {
  return host.startsWith('*') ? host.length : Number.MAX_SAFE_INTEGER;
}
