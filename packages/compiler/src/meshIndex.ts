/**
 * Lookups the compiler needs, built once per MeshState and shared by every proxy compiled from
 * it. Everything a compile asks of the state is a map lookup here, so that compiling for a
 * gateway with 1,000 VirtualServices over 1,000 Services stays linear, never
 * services × virtualservices.
 */
import {
  compareObjects,
  endpointSlicesByService,
  MESH_GATEWAY,
  qualifyDestinationHost,
  type EndpointSliceObject,
  type MeshState,
  type ServiceObject,
  type VirtualServiceObject,
} from '@meshgate/model';
import { HostTable } from './hosts.js';
import type { CompileOptions } from './types.js';

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
}

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
  const virtualServicesByGateway = new Map<string, VirtualServiceObject[]>();
  const meshVirtualServiceHosts = new HostTable<VirtualServiceObject>();
  for (const vs of sorted(state.byKind.VirtualService.values())) {
    for (const gateway of new Set(vs.spec.gateways)) pushTo(virtualServicesByGateway, gateway, vs);
    if (!vs.spec.gateways.includes(MESH_GATEWAY)) continue;
    const hosts = new Set(vs.spec.hosts.map((host) => qualifyDestinationHost(host, vs.metadata.namespace, options.clusterDomain)));
    for (const host of hosts) meshVirtualServiceHosts.add(host, vs);
  }

  return {
    state,
    options,
    services: sorted(state.byKind.Service.values()),
    slicesByService: endpointSlicesByService(state),
    virtualServicesByGateway,
    meshVirtualServiceHosts,
  };
}

/**
 * The mesh-bound VirtualServices that route traffic for `fqdn`: those naming it exactly, else
 * those with the most specific wildcard covering it (the virtual host Envoy itself would pick),
 * merged by namespace then name.
 */
export function meshVirtualServicesFor(index: CompileIndex, fqdn: string): VirtualServiceObject[] {
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
