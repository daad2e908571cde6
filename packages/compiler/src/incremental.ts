/**
 * Incremental compile: a CompileIndex kept current from the list of changed objects the
 * follower reports, instead of rebuilt from the whole state per change.
 *
 * The state is folded in place by the follower; `apply(changed)` then brings the index's derived
 * maps up to date touching only the keys the changed objects reach (the EndpointSlices of one
 * Service, the VirtualServices of the gateways one VirtualService names, …). Every map entry it
 * changes gets a new value (never an edited one), and every read id it changed is handed to the
 * memo's dependency index, which marks dirty just the units that read it. `compileWithIndex`
 * against `index` then rebuilds those units and reuses everything else.
 */
import {
  compareObjects,
  ingressBackendStatuses,
  ingressesForController,
  ISTIO_INGRESS_CONTROLLER,
  MESH_GATEWAY,
  qualifyDestinationHost,
  SERVICE_NAME_LABEL,
  stateKey,
  type EndpointSliceObject,
  type IngressBackendObject,
  type MeshObject,
  type MeshState,
  type OutboundTrafficPolicy,
  type PodObject,
  type ServiceObject,
  type VirtualServiceObject,
} from '@meshgate/model';
import { HostTable, hostsOverlap, isWildcardHost } from './hosts.js';
import { buildTrafficIndex, TRAFFIC_INDEX_FIELDS, TRAFFIC_INDEX_KINDS } from './traffic-index.js';
import { trackedIndex, type Query, type TrackedIndex } from './lookup-index.js';
import { LIST, type Source } from './lookup.js';
import { Memo } from './memo.js';
import { buildIndexData, ISTIO_LEGACY_INGRESS_CLASS, MESH_VIRTUAL_SERVICES_QUERY, type CompileIndex, type RejectedIngressBackend } from './meshIndex.js';
import { compileUnitKey, compileUnitKeyOf, serverListenersUnitKey, serverListenersUnitKeyOf } from './compile.js';
import type { CompileOptions, ProxyNode } from './types.js';

/** An object a batch applied or deleted (the follower's `ChangedObject`). */
export interface ChangedRef {
  kind: string;
  namespace: string;
  name: string;
}

type Objects<T> = ReadonlyMap<string, T>;

/** What a batch did to the mesh VirtualServices: the hosts whose answer may change, and (when that is all) the objects replaced under the same hosts. */
interface MeshChange {
  changed: boolean;
  hosts: Set<string> | 'all';
  replaced: [VirtualServiceObject, VirtualServiceObject][] | undefined;
}

export class IncrementalIndex {
  private readonly tracked: TrackedIndex;
  /** EndpointSlice → the Service it was indexed under. */
  private readonly sliceOwner = new Map<string, string>();
  /** VirtualService → the object indexed (its gateways then). */
  private readonly indexedVirtualServices = new Map<string, VirtualServiceObject>();
  /** Pod → the IPs it was indexed under; IP → every Pod claiming it. */
  private readonly podIps = new Map<string, readonly string[]>();
  private readonly podsAtIp = new Map<string, Map<string, PodObject>>();

  constructor(
    readonly state: MeshState,
    options: CompileOptions,
    readonly memo = new Memo(),
  ) {
    this.tracked = trackedIndex(buildIndexData(state, options), memo);
    for (const [key, slice] of this.raw<EndpointSliceObject>('EndpointSlice')) {
      const owner = ownerOf(slice);
      if (owner !== undefined) this.sliceOwner.set(key, owner);
    }
    for (const [key, vs] of this.raw<VirtualServiceObject>('VirtualService')) this.indexedVirtualServices.set(key, vs);
    for (const [key, pod] of this.raw<PodObject>('Pod')) this.indexPod(key, pod);
  }

  /** The index to compile against: the same object for the life of this IncrementalIndex. */
  get index(): CompileIndex {
    return this.tracked.index;
  }

  /**
   * Folds in a batch's changed objects (the state already holds them); returns the keys of the
   * memoised units now dirty (those that read something the batch changed).
   */
  apply(changed: readonly ChangedRef[]): Set<string> {
    const reads = new Map<Source, Set<string>>();
    const touch = (source: Source, key: string) => {
      source.touched();
      let keys = reads.get(source);
      if (!keys) reads.set(source, (keys = new Set([LIST])));
      keys.add(key);
    };
    const keysByKind = new Map<string, Set<string>>();
    for (const ref of changed) {
      const key = stateKey(ref.namespace, ref.name);
      touch(this.tracked.kindSource(ref.kind), key);
      let keys = keysByKind.get(ref.kind);
      if (!keys) keysByKind.set(ref.kind, (keys = new Set()));
      keys.add(key);
    }
    const { maps, cells, data } = this.tracked;
    const touchCell = (name: keyof typeof cells) => touch(cells[name], '');

    const services = keysByKind.get('Service');
    if (services) {
      let list = [...data.services];
      for (const key of services) list = replaceSorted(list, key, this.raw<ServiceObject>('Service').get(key));
      data.services = list;
      touchCell('services');
    }
    const slices = keysByKind.get('EndpointSlice');
    if (slices) for (const owner of this.updateSlices(slices)) touch(maps.slicesByService, owner);
    const virtualServices = keysByKind.get('VirtualService');
    if (virtualServices) {
      const { gateways, mesh } = this.updateVirtualServices(virtualServices);
      for (const gateway of gateways) touch(maps.virtualServicesByGateway, gateway);
      if (mesh.changed) {
        // Only read by the mesh VirtualService query (its answers are what units depend on): a
        // VirtualService changed under the same hosts takes its place in the table, else it is built again.
        if (mesh.replaced) for (const [before, after] of mesh.replaced) data.meshVirtualServiceHosts.replace(before, after, qualifiedHostsOf(before, data.options.clusterDomain));
        else data.meshVirtualServiceHosts = meshHosts(data.virtualServicesByGateway.get(MESH_GATEWAY) ?? [], data.options.clusterDomain);
        touchCell('meshVirtualServiceHosts');
        const query = this.tracked.queries.get(MESH_VIRTUAL_SERVICES_QUERY);
        if (query) for (const host of refreshQuery(query, mesh.hosts)) touch(query.source, host);
      }
    }
    if (keysByKind.has('IngressBackend')) for (const [map, namespace] of this.updateIngressBackends()) touch(maps[map], namespace);
    if (keysByKind.has('Ingress') || keysByKind.has('IngressClass')) {
      const ingresses = ingressesForController(this.state, ISTIO_INGRESS_CONTROLLER, { legacyClassNames: [ISTIO_LEGACY_INGRESS_CLASS] });
      if (!sameList(ingresses, data.istioIngresses)) {
        data.istioIngresses = ingresses;
        touchCell('istioIngresses');
      }
    }
    const pods = keysByKind.get('Pod');
    if (pods) {
      for (const ip of this.updatePods(pods)) touch(maps.podsByIp, ip);
      for (const namespace of this.updatePodNamespaces(pods)) touch(maps.podsByNamespace, namespace);
    }
    if (TRAFFIC_INDEX_KINDS.some((kind) => keysByKind.has(kind))) for (const name of this.updateTraffic(keysByKind)) touchCell(name);
    const { unlisted } = this.tracked;
    if (unlisted.names.length > 0 && changed.length > 0) {
      // Fields this class does not maintain yet: rebuilt whole (see TrackedIndex.unlisted).
      const fresh = buildIndexData(this.state, data.options) as unknown as Record<string, unknown>;
      for (const name of unlisted.names) (data as unknown as Record<string, unknown>)[name] = fresh[name];
      touch(unlisted.source, '');
    }
    return this.memo.invalidate(reads);
  }

  /** Whether `compileWithIndex(index, node, parts)` still holds what it gave last (nothing it read changed since). */
  resultIsCurrent(node: ProxyNode, parts: { serverListeners?: boolean } = {}): boolean {
    return this.memo.isClean(compileUnitKey(node, parts));
  }

  /** The same for `compileServerListeners(index, node)`. */
  serverListenersAreCurrent(node: ProxyNode): boolean {
    return this.memo.isClean(serverListenersUnitKey(node));
  }

  /**
   * Keeps the memoised units these compiles use, drops the rest (proxies gone, objects deleted):
   * `sharedKeys` are `compileIndexKey`s compiled with `serverListeners: false`, `serverKeys` those
   * whose `compileServerListeners` is used.
   */
  retain(sharedKeys: Iterable<string>, serverKeys: Iterable<string> = []): void {
    const roots = new Set<string>();
    for (const key of sharedKeys) roots.add(compileUnitKeyOf(key, false));
    for (const key of serverKeys) roots.add(serverListenersUnitKeyOf(key));
    this.memo.sweep((key) => roots.has(key));
  }

  private raw<T>(kind: string): Objects<T> {
    return ((this.state.byKind as unknown as Record<string, Objects<T>>)[kind] ?? new Map<string, T>()) as Objects<T>;
  }

  /**
   * ServiceEntries, DestinationRules and the outbound policy: few objects, rebuilt together; only
   * the fields whose value differs are replaced (every unit reads the policy and the refused
   * objects, so an unrelated ConfigMap must not look like a change to them).
   */
  private updateTraffic(keysByKind: ReadonlyMap<string, ReadonlySet<string>>): (typeof TRAFFIC_INDEX_FIELDS)[number][] {
    const data = this.tracked.data;
    const fresh = buildTrafficIndex(this.state, data.options);
    const changed: (typeof TRAFFIC_INDEX_FIELDS)[number][] = [];
    if (keysByKind.has('ServiceEntry')) {
      data.serviceEntryHosts = fresh.serviceEntryHosts;
      changed.push('serviceEntryHosts');
    }
    if (keysByKind.has('DestinationRule')) {
      data.destinationRulesByHost = fresh.destinationRulesByHost;
      changed.push('destinationRulesByHost');
    }
    if (!samePolicy(data.outboundPolicy, fresh.outboundPolicy)) {
      data.outboundPolicy = fresh.outboundPolicy;
      changed.push('outboundPolicy');
    }
    if (!sameList(data.refusedTrafficObjects, fresh.refusedTrafficObjects)) {
      data.refusedTrafficObjects = fresh.refusedTrafficObjects;
      changed.push('refusedTrafficObjects');
    }
    return changed;
  }

  /** Re-sorts the slice lists of the Services the changed slices belonged to or now belong to. */
  private updateSlices(keys: ReadonlySet<string>): Set<string> {
    const byService = this.tracked.data.slicesByService;
    const owners = new Set<string>();
    for (const key of keys) {
      const before = this.sliceOwner.get(key);
      const slice = this.raw<EndpointSliceObject>('EndpointSlice').get(key);
      const after = slice && ownerOf(slice);
      if (before !== undefined) owners.add(before);
      if (after !== undefined) owners.add(after);
      if (after === undefined) this.sliceOwner.delete(key);
      else this.sliceOwner.set(key, after);
    }
    for (const owner of owners) {
      const kept = (byService.get(owner) ?? []).filter((slice) => !keys.has(keyOf(slice)));
      for (const key of keys) {
        const slice = this.raw<EndpointSliceObject>('EndpointSlice').get(key);
        if (slice && this.sliceOwner.get(key) === owner) kept.push(slice);
      }
      if (kept.length === 0) byService.delete(owner);
      else byService.set(owner, kept.sort(compareObjects));
    }
    return owners;
  }

  /** Moves the changed VirtualServices between the gateway lists they left and joined. */
  private updateVirtualServices(keys: ReadonlySet<string>): { gateways: Set<string>; mesh: MeshChange } {
    const byGateway = this.tracked.data.virtualServicesByGateway as Map<string, readonly VirtualServiceObject[]>;
    const gateways = new Set<string>();
    const mesh: MeshChange = { changed: false, hosts: new Set(), replaced: [] };
    const clusterDomain = this.tracked.data.options.clusterDomain;
    const meshHostsOf = (vs: VirtualServiceObject | undefined) => {
      if (!vs?.spec.gateways.includes(MESH_GATEWAY) || mesh.hosts === 'all') return;
      // The hosts whose answer may change; a wildcard may change any host's.
      for (const host of qualifiedHostsOf(vs, clusterDomain)) {
        if (host.startsWith('*')) mesh.hosts = 'all';
        else if (mesh.hosts !== 'all') mesh.hosts.add(host);
      }
    };
    for (const key of keys) {
      const before = this.indexedVirtualServices.get(key);
      const after = this.raw<VirtualServiceObject>('VirtualService').get(key);
      const named = new Set([...(before?.spec.gateways ?? []), ...(after?.spec.gateways ?? [])]);
      for (const gateway of named) {
        const list = replaceSorted(byGateway.get(gateway) ?? [], key, after?.spec.gateways.includes(gateway) ? after : undefined);
        if (list.length === 0) byGateway.delete(gateway);
        else byGateway.set(gateway, list);
        gateways.add(gateway);
        if (gateway === MESH_GATEWAY) mesh.changed = true;
      }
      meshHostsOf(before);
      meshHostsOf(after);
      const meshBound = (vs: VirtualServiceObject | undefined) => vs?.spec.gateways.includes(MESH_GATEWAY) === true;
      if (meshBound(before) || meshBound(after)) {
        if (before && after && meshBound(before) && meshBound(after) && sameList(qualifiedHostsOf(before, clusterDomain), qualifiedHostsOf(after, clusterDomain))) mesh.replaced?.push([before, after]);
        else mesh.replaced = undefined;
      }
      if (after) this.indexedVirtualServices.set(key, after);
      else this.indexedVirtualServices.delete(key);
    }
    return { gateways, mesh };
  }

  /**
   * IngressBackend status is decided across all of them (the earlier claim wins), so it is
   * recomputed whole — there are few — and only namespaces whose lists differ are changed.
   */
  private updateIngressBackends(): [('ingressBackendsByNamespace' | 'rejectedIngressBackendsByNamespace'), string][] {
    const data = this.tracked.data;
    const statuses = ingressBackendStatuses(this.state);
    const committed = new Map<string, IngressBackendObject[]>();
    const rejected = new Map<string, RejectedIngressBackend[]>();
    for (const ingressBackend of [...this.raw<IngressBackendObject>('IngressBackend').values()].sort(compareObjects)) {
      const { namespace, name } = ingressBackend.metadata;
      const status = statuses.get(stateKey(namespace, name));
      if (status?.status === 'committed') pushTo(committed, namespace, ingressBackend);
      else pushTo(rejected, namespace, { ingressBackend, reason: status?.reason ?? 'no status' });
    }
    const touched: [('ingressBackendsByNamespace' | 'rejectedIngressBackendsByNamespace'), string][] = [];
    const merge = <T>(name: 'ingressBackendsByNamespace' | 'rejectedIngressBackendsByNamespace', target: Map<string, readonly T[]>, fresh: Map<string, T[]>, same: (a: T, b: T) => boolean) => {
      for (const namespace of new Set([...target.keys(), ...fresh.keys()])) {
        const before = target.get(namespace);
        const after = fresh.get(namespace);
        if (before && after && before.length === after.length && before.every((item, i) => same(item, after[i]))) continue;
        if (after) target.set(namespace, after);
        else target.delete(namespace);
        touched.push([name, namespace]);
      }
    };
    merge('ingressBackendsByNamespace', data.ingressBackendsByNamespace as Map<string, readonly IngressBackendObject[]>, committed, (a, b) => a === b);
    merge('rejectedIngressBackendsByNamespace', data.rejectedIngressBackendsByNamespace as Map<string, readonly RejectedIngressBackend[]>, rejected, (a, b) => a.ingressBackend === b.ingressBackend && a.reason === b.reason);
    return touched;
  }

  /** Re-picks the Pod of every IP the changed Pods had or have (the first by namespace/name, as `podsByIp`). */
  private updatePods(keys: ReadonlySet<string>): string[] {
    const byIp = this.tracked.data.podsByIp as Map<string, PodObject>;
    const ips = new Set<string>();
    for (const key of keys) {
      for (const ip of this.podIps.get(key) ?? []) {
        ips.add(ip);
        this.podsAtIp.get(ip)?.delete(key);
      }
      this.podIps.delete(key);
      const pod = this.raw<PodObject>('Pod').get(key);
      if (pod) {
        this.indexPod(key, pod);
        for (const ip of pod.status.podIPs) ips.add(ip);
      }
    }
    const changed: string[] = [];
    for (const ip of ips) {
      let first: PodObject | undefined;
      for (const pod of this.podsAtIp.get(ip)?.values() ?? []) if (!first || compareObjects(pod, first) < 0) first = pod;
      if (byIp.get(ip) === first) continue;
      if (first) byIp.set(ip, first);
      else byIp.delete(ip);
      changed.push(ip);
    }
    return changed;
  }

  /** Replaces the Pod lists of the changed Pods' namespaces (a new list each, sorted by name). */
  private updatePodNamespaces(keys: ReadonlySet<string>): Set<string> {
    const byNamespace = this.tracked.data.podsByNamespace as Map<string, readonly PodObject[]>;
    const namespaces = new Set([...keys].map((key) => key.slice(0, key.indexOf('/'))));
    for (const namespace of namespaces) {
      const list = (byNamespace.get(namespace) ?? []).filter((pod) => !keys.has(keyOf(pod)));
      for (const key of keys) {
        const pod = this.raw<PodObject>('Pod').get(key);
        if (pod?.metadata.namespace === namespace) list.push(pod);
      }
      if (list.length === 0) byNamespace.delete(namespace);
      else byNamespace.set(namespace, list.sort(compareObjects));
    }
    return namespaces;
  }

  private indexPod(key: string, pod: PodObject): void {
    this.podIps.set(key, [...pod.status.podIPs]);
    for (const ip of pod.status.podIPs) {
      let pods = this.podsAtIp.get(ip);
      if (!pods) this.podsAtIp.set(ip, (pods = new Map()));
      pods.set(key, pod);
    }
  }
}

function keyOf(object: MeshObject): string {
  return stateKey(object.metadata.namespace, object.metadata.name);
}

function ownerOf(slice: EndpointSliceObject): string | undefined {
  const service = slice.metadata.labels[SERVICE_NAME_LABEL];
  return service === undefined ? undefined : stateKey(slice.metadata.namespace, service);
}

/** A copy of a list sorted by namespace/name with the object at `key` removed and `object` (if any) in its place. */
function replaceSorted<T extends MeshObject>(list: readonly T[], key: string, object: T | undefined): T[] {
  const slash = key.indexOf('/');
  const probe = { metadata: { namespace: key.slice(0, slash), name: key.slice(slash + 1) } } as T;
  const result = [...list];
  let at = lowerBound(result, probe);
  if (at < result.length && compareObjects(result[at], probe) === 0) result.splice(at, 1);
  if (object) {
    at = lowerBound(result, object);
    result.splice(at, 0, object);
  }
  return result;
}

/** The first position whose object sorts at or after `object`. */
function lowerBound<T extends MeshObject>(list: readonly T[], object: T): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (compareObjects(list[mid], object) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

const qualifiedHosts = new WeakMap<VirtualServiceObject, readonly string[]>();

/** A VirtualService's hosts qualified against its namespace, once per object (objects are immutable; the domain is fixed per index). */
function qualifiedHostsOf(vs: VirtualServiceObject, clusterDomain: string): readonly string[] {
  let hosts = qualifiedHosts.get(vs);
  if (!hosts) qualifiedHosts.set(vs, (hosts = [...new Set(vs.spec.hosts.map((h) => qualifyDestinationHost(h, vs.metadata.namespace, clusterDomain)))]));
  return hosts;
}

function meshHosts(virtualServices: readonly VirtualServiceObject[], clusterDomain: string): HostTable<VirtualServiceObject> {
  const table = new HostTable<VirtualServiceObject>();
  for (const vs of virtualServices) for (const host of qualifiedHostsOf(vs, clusterDomain)) table.add(host, vs);
  return table;
}

/**
 * The cached keys whose answer a change to the VirtualServices of `hosts` may alter: those hosts,
 * and the wildcard keys overlapping one of them (a ServiceEntry's `*.example.com` is asked
 * too, and a VirtualService for `x.example.com` is among its answers).
 */
function keysToRefresh(query: Query, hosts: ReadonlySet<string> | 'all'): Iterable<string> {
  if (hosts === 'all') return [...query.cache.keys()];
  const keys = new Set(hosts);
  for (const key of query.cache.keys()) if (isWildcardHost(key) && [...hosts].some((host) => hostsOverlap(key, host))) keys.add(key);
  return keys;
}

/** Recomputes the cached answers of `hosts` (or all); returns the keys whose answer differs (their new answer is cached). */
function refreshQuery(query: Query, hosts: ReadonlySet<string> | 'all'): string[] {
  const changed: string[] = [];
  for (const host of keysToRefresh(query, hosts)) {
    const before = query.cache.get(host) as readonly unknown[] | undefined;
    if (before === undefined) continue;
    const after = query.compute(host) as readonly unknown[];
    if (sameList(before, after)) continue;
    query.cache.set(host, after);
    changed.push(host);
  }
  return changed;
}

function samePolicy(a: OutboundTrafficPolicy, b: OutboundTrafficPolicy): boolean {
  return a.mode === b.mode && a.source === b.source && sameList(a.warnings, b.warnings);
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
