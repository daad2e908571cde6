/**
 * Read-only questions the compiler asks of a `MeshState`. Pure, and deterministic: lists come
 * back sorted by namespace, then name.
 */
import { DEFAULT_CLUSTER_DOMAIN, MESH_GATEWAY, parseServiceHost, serviceHost } from './hosts.js';
import { stateKey } from './keys.js';
import type { EndpointSliceObject, GatewayObject, MeshObject, MeshState, PodObject, ServiceObject, VirtualServiceObject } from './types.js';

/** The label an EndpointSlice carries to name its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders objects by namespace, then name. */
export function compareObjects(a: MeshObject, b: MeshObject): number {
  return compareText(a.metadata.namespace, b.metadata.namespace) || compareText(a.metadata.name, b.metadata.name);
}

function sortedValues<T extends MeshObject>(objects: Iterable<T>): T[] {
  return [...objects].sort(compareObjects);
}

/** `name.namespace.svc.<clusterDomain>` of a Service. */
export function hostOfService(service: ServiceObject, clusterDomain = DEFAULT_CLUSTER_DOMAIN): string {
  return serviceHost(service.metadata.name, service.metadata.namespace, clusterDomain);
}

/** Every Service by its fully qualified host. */
export function servicesByHost(state: MeshState, clusterDomain = DEFAULT_CLUSTER_DOMAIN): Map<string, ServiceObject> {
  return new Map(sortedValues(state.byKind.Service.values()).map((service) => [hostOfService(service, clusterDomain), service]));
}

/** The Service a `name.namespace.svc.<clusterDomain>` host names, when it exists. */
export function findServiceByHost(state: MeshState, host: string, clusterDomain = DEFAULT_CLUSTER_DOMAIN): ServiceObject | undefined {
  const parsed = parseServiceHost(host, clusterDomain);
  return parsed && state.byKind.Service.get(stateKey(parsed.namespace, parsed.name));
}

/** true when every selector entry is among the labels (an empty selector selects everything). */
export function selectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  // A loop, not Object.entries(): compilers ask this of every Service for every proxy they compile.
  for (const key in selector) {
    if (!Object.hasOwn(selector, key)) continue;
    if (!Object.hasOwn(labels, key) || labels[key] !== selector[key]) return false;
  }
  return true;
}

/** EndpointSlices grouped by the `namespace/name` of the Service they belong to. */
export function endpointSlicesByService(state: MeshState): Map<string, EndpointSliceObject[]> {
  const byService = new Map<string, EndpointSliceObject[]>();
  for (const slice of sortedValues(state.byKind.EndpointSlice.values())) {
    const serviceName = slice.metadata.labels[SERVICE_NAME_LABEL];
    if (serviceName === undefined) continue;
    const key = stateKey(slice.metadata.namespace, serviceName);
    const slices = byService.get(key);
    if (slices) slices.push(slice);
    else byService.set(key, [slice]);
  }
  return byService;
}

export interface EndpointAddressPort {
  ip: string;
  port: number;
}

/**
 * The ready `{ip, port}` pairs behind one port of a Service, from its Endpoints and its
 * EndpointSlices together (clusters mirror one into the other, so pairs are deduplicated).
 * The Service port is resolved to the endpoint port by port name, as kube-proxy does; FQDN
 * slices are not addresses and are left out. Pass `slicesByService` (from
 * `endpointSlicesByService`) when asking about many Services of one state.
 */
export function endpointsForService(
  state: MeshState,
  service: ServiceObject,
  port: number,
  slicesByService: Map<string, EndpointSliceObject[]> = endpointSlicesByService(state),
): EndpointAddressPort[] {
  const servicePort = service.spec.ports.find((candidate) => candidate.port === port);
  if (!servicePort) return [];
  const key = stateKey(service.metadata.namespace, service.metadata.name);
  const found = new Map<string, EndpointAddressPort>();
  const add = (ip: string, endpointPort: number) => found.set(`${ip}|${endpointPort}`, { ip, port: endpointPort });

  for (const subset of state.byKind.Endpoints.get(key)?.subsets ?? []) {
    const endpointPort = subset.ports.find((candidate) => candidate.name === servicePort.name);
    if (endpointPort) for (const address of subset.addresses) add(address.ip, endpointPort.port);
  }
  for (const slice of slicesByService.get(key) ?? []) {
    if (slice.addressType === 'FQDN') continue;
    const endpointPort = slice.ports.find((candidate) => candidate.name === servicePort.name);
    if (!endpointPort) continue;
    for (const endpoint of slice.endpoints) {
      if (endpoint.conditions.ready) for (const ip of endpoint.addresses) add(ip, endpointPort.port);
    }
  }
  return [...found.values()].sort((a, b) => compareText(a.ip, b.ip) || a.port - b.port);
}

/** Pods by each of their IPs (a dual-stack Pod appears under both). */
export function podsByIp(state: MeshState): Map<string, PodObject> {
  const byIp = new Map<string, PodObject>();
  for (const pod of sortedValues(state.byKind.Pod.values())) for (const ip of pod.status.podIPs) if (!byIp.has(ip)) byIp.set(ip, pod);
  return byIp;
}

/** Pods in the Service's namespace that its selector selects (none for a Service without a selector). */
export function podsForService(state: MeshState, service: ServiceObject): PodObject[] {
  const { selector } = service.spec;
  if (Object.keys(selector).length === 0) return [];
  return sortedValues(state.byKind.Pod.values()).filter(
    (pod) => pod.metadata.namespace === service.metadata.namespace && selectorMatches(selector, pod.metadata.labels),
  );
}

/** Gateways whose `spec.selector` is a subset of a gateway proxy's labels. */
export function gatewaysSelecting(state: MeshState, labels: Record<string, string>): GatewayObject[] {
  return sortedValues(state.byKind.Gateway.values()).filter((gateway) => selectorMatches(gateway.spec.selector, labels));
}

/** The `namespace/name` a VirtualService uses to refer to a Gateway. */
export function gatewayRefOf(gateway: GatewayObject): string {
  return `${gateway.metadata.namespace}/${gateway.metadata.name}`;
}

/** VirtualServices bound to a gateway (`namespace/name`, as normalised in `spec.gateways`). */
export function virtualServicesForGateway(state: MeshState, gatewayRef: string): VirtualServiceObject[] {
  return sortedValues(state.byKind.VirtualService.values()).filter((virtualService) => virtualService.spec.gateways.includes(gatewayRef));
}

/** VirtualServices that apply to sidecars: those bound to the reserved `mesh` gateway. */
export function virtualServicesForMesh(state: MeshState): VirtualServiceObject[] {
  return virtualServicesForGateway(state, MESH_GATEWAY);
}
