/**
 * The entry points: compile one proxy's resources from a MeshState.
 *
 * `compileProxy(state, node, options)` is the whole thing. A server compiling for many proxies
 * builds the index once per state (`buildIndex`) and calls `compileWithIndex` per proxy, and
 * can share one result among proxies with the same `compileIndexKey`.
 */
import type { MeshState } from '@meshgate/model';
import type { ClusterRequests, ClusterRequest } from './clusters.js';
import { compare, Diagnostics } from './diagnostics.js';
import { compileGateway } from './gateway.js';
import { compileInbound } from './inbound.js';
import { buildIndex, namespaceInjectionDisabled, type CompileIndex } from './meshIndex.js';
import type { UnitSinks } from './memo.js';
import { grouped } from './units.js';
import { compileProxyless } from './proxyless.js';
import { compileProxylessServer } from './proxyless-server.js';
import { certificateProvidersOf, proxylessCluster } from './proxyless-tls.js';
import { buildOutboundAssignment, buildOutboundCluster, usesEds } from './outbound-clusters.js';
import { compileProxylessServiceEntries } from './proxyless-egress.js';
import { compileOutbound } from './outbound.js';
import { reportUpstreamCredentials } from './upstream-credentials.js';
import { reportTrafficIndex } from './traffic-index.js';
import { TYPE_URL, type CompileOptions, type CompileProxy, type CompileResult, type ProxyNode, type XdsResource } from './types.js';

export const compileProxy: CompileProxy = (state: MeshState, node: ProxyNode, options: CompileOptions): CompileResult =>
  compileWithIndex(buildIndex(state, options), node);

/**
 * Compiles for one proxy against a prebuilt index. Pure: the result depends only on the index's
 * state and options and on the node fields named in `compileIndexKey`. The resources are fresh
 * objects, but they are meant to be serialised, not edited: treat them as read-only.
 */
export function compileWithIndex(index: CompileIndex, node: ProxyNode, parts: { serverListeners?: boolean } = {}): CompileResult {
  // One memoised unit per compile key (memo.ts): reused while nothing it read changed.
  const key = `${compileIndexKey(node)}|${parts.serverListeners !== false}`;
  return index.memo.unit(compileUnitKey(node, parts), [], {}, () => compileUnit(index, node, parts, key));
}

/** The memo key of `compileWithIndex(index, node, parts)`'s result (a root of the memo). */
export function compileUnitKey(node: ProxyNode, parts: { serverListeners?: boolean } = {}): string {
  return compileUnitKeyOf(compileIndexKey(node), parts.serverListeners !== false);
}

/** The same from a `compileIndexKey` already computed. */
export function compileUnitKeyOf(indexKey: string, serverListeners: boolean): string {
  return `compile|${indexKey}|${serverListeners}`;
}

/** The memo key of `compileServerListeners(index, node)`'s result (a root of the memo). */
export function serverListenersUnitKey(node: ProxyNode): string {
  return serverListenersUnitKeyOf(compileIndexKey(node));
}

export function serverListenersUnitKeyOf(indexKey: string): string {
  return `server|${indexKey}`;
}

function compileUnit(index: CompileIndex, node: ProxyNode, parts: { serverListeners?: boolean }, key: string): CompileResult {
  const diagnostics = new Diagnostics();
  if (node.role === 'sidecar' && namespaceInjectionDisabled(index, node.namespace)) {
    // `osm namespace add --disable-sidecar-injection`: no sidecar config at all (its Services
    // still count as IngressBackend sources, which other proxies read).
    return emptyResult();
  }
  // Listeners and routes are a unit of their own, so that an endpoint change reuses them; their
  // cluster requests are part of its value (sorted once), not replayed into this compile.
  const output = index.memo.unit(`listeners|${key}`, [], { diagnostics }, (own) => {
    const built = compileListenersAndRoutes(index, node, parts, own.diagnostics, own.clusters);
    // No static clusters is always the same (empty) list, so that the cluster list holds.
    return { listeners: sortByName(built.listeners), routes: sortByName(built.routes), staticClusters: built.staticClusters.length > 0 ? built.staticClusters : NO_RESOURCES, requested: own.clusters.list() };
  });
  // The same clusters asked again (a route changed, not where it goes) keep the list, and so the
  // cluster and assignment lists built from it: a route change does not walk 1,000 clusters.
  const requested = index.memo.unit(`requests|${key}`, [output], {}, () => output.requested, { same: sameRequests });
  const client = node.client;
  // A proxyless client's cluster also depends on the certificate providers its bootstrap defines.
  const providers = client === 'grpc' ? certificateProvidersOf(node) : [];
  const providersKey = providers.join(',');
  const cluster = (request: ClusterRequest, sinks: UnitSinks): Record<string, unknown> =>
    client === 'grpc'
      ? meshWide(index, `${meshWideKey(request, 'grpc')}|${providersKey}`, sinks, (own) => proxylessCluster(index, request, providers, own), [request.service, request.serviceEntry])
      : meshWide(index, meshWideKey(request, 'envoy'), sinks, (own) => buildOutboundCluster(index, request, client, own), [request.service, request.serviceEntry]);
  const clusters = index.memo.unit(`cluster-list|${key}`, [requested, output.staticClusters], { diagnostics }, (own) => {
    // In groups (units.ts): the list rebuilt for one cluster walks ~32 groups, not every cluster.
    const eds = grouped(index.memo, `cluster-group|${key}`, requested, requestInputs, own, (request, sinks) => {
      const resource = cluster(request, sinks);
      // Per proxy: whether xds will serve this proxy the credentials the cluster names.
      reportUpstreamCredentials(index, node, [{ request, resource }], sinks.diagnostics ?? own.diagnostics);
      return { name: request.name, resource };
    });
    return sortByName([...eds, ...output.staticClusters]);
  });
  const assignments = index.memo.unit(`endpoint-list|${key}`, [requested], { diagnostics }, (own) =>
    grouped(index.memo, `endpoint-group|${key}`, requested.filter(usesEds), requestInputs, own, (request, sinks) => ({
      name: request.name,
      resource: meshWide(index, meshWideKey(request, 'endpoint'), sinks, () => buildOutboundAssignment(index, request), [request.service, request.serviceEntry]),
    })),
  );
  reportTrafficIndex(index, diagnostics);
  return {
    resources: {
      [TYPE_URL.listener]: output.listeners,
      [TYPE_URL.route]: output.routes,
      [TYPE_URL.cluster]: clusters,
      [TYPE_URL.endpoint]: assignments,
      [TYPE_URL.secret]: [],
    },
    diagnostics: diagnostics.list(),
  };
}

const NO_RESOURCES: readonly XdsResource[] = [];

/** Two sorted request lists asking for the same clusters of the same Services and ServiceEntries. */
function sameRequests(a: readonly ClusterRequest[], b: readonly ClusterRequest[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].name !== b[i].name || a[i].service !== b[i].service || a[i].serviceEntry !== b[i].serviceEntry) return false;
  return true;
}

/**
 * A mesh-wide resource (a cluster or an assignment: the same whichever proxy asks), built once
 * per index and kept while what it read holds; its diagnostics are replayed into every compile
 * that uses it. `inputs` are what it takes from the caller rather than reads (the request's Service).
 */
function meshWide(index: CompileIndex, key: string, sinks: UnitSinks, build: (own: Diagnostics) => Record<string, unknown>, inputs: readonly unknown[] = []): Record<string, unknown> {
  return index.memo.unit(key, inputs, { diagnostics: sinks.diagnostics }, (own) => build(own.diagnostics));
}

/** What a cluster or assignment is built from besides its name: the Service or ServiceEntry. */
function requestInputs(request: ClusterRequest, inputs: unknown[]): void {
  inputs.push(request.name, request.service, request.serviceEntry);
}

const keysOfRequest = new WeakMap<ClusterRequest, Partial<Record<'envoy' | 'grpc' | 'endpoint', string>>>();

/**
 * The memo key of a request's cluster (for `client`) or assignment (`endpoint`), made once per
 * request object and kind (a one-shot compile's requests are all new: only the keys used are made).
 */
function meshWideKey(request: ClusterRequest, kind: 'envoy' | 'grpc' | 'endpoint'): string {
  let keys = keysOfRequest.get(request);
  if (!keys) keysOfRequest.set(request, (keys = {}));
  return (keys[kind] ??= kind === 'endpoint' ? `endpoint|${request.name}` : `cluster|${kind}|${request.name}`);
}

function compileListenersAndRoutes(
  index: CompileIndex,
  node: ProxyNode,
  parts: { serverListeners?: boolean },
  diagnostics: Diagnostics,
  clusters: ClusterRequests,
): { listeners: XdsResource[]; routes: XdsResource[]; staticClusters: XdsResource[] } {
  let listeners: XdsResource[] = [];
  let routes: XdsResource[] = [];
  let staticClusters: XdsResource[] = [];
  if (node.client === 'grpc') {
    ({ listeners, routes } = compileProxyless(index, node, diagnostics, clusters));
    const egress = compileProxylessServiceEntries(index, node, diagnostics, clusters);
    listeners.push(...egress.listeners);
    routes.push(...egress.routes);
    if (parts.serverListeners !== false) listeners.push(...compileProxylessServer(index, node, diagnostics));
  } else if (node.role === 'ingress-gateway' || node.role === 'egress-gateway') {
    ({ listeners, routes } = compileGateway(index, node, diagnostics, clusters));
  } else {
    ({ listeners, clusters: staticClusters } = compileInbound(index, node, diagnostics));
    const outbound = compileOutbound(index, node, diagnostics, clusters, listeners);
    listeners.push(...outbound.listeners);
    routes = outbound.routes;
    staticClusters.push(...outbound.clusters);
  }
  return { listeners, routes, staticClusters };
}

/**
 * The server listeners of a proxyless node alone (what `compileWithIndex` adds for its
 * addresses): a server compiling for many pods shares the rest among pods of one kind
 * (`compileWithIndex(index, node, { serverListeners: false })`) and compiles only this per pod.
 */
export function compileServerListeners(index: CompileIndex, node: ProxyNode): { listeners: XdsResource[]; diagnostics: ReturnType<Diagnostics['list']> } {
  return index.memo.unit(serverListenersUnitKey(node), [], {}, () => {
    if (node.client !== 'grpc' || (node.role === 'sidecar' && namespaceInjectionDisabled(index, node.namespace))) return { listeners: [], diagnostics: [] };
    const diagnostics = new Diagnostics();
    return { listeners: sortByName(compileProxylessServer(index, node, diagnostics)), diagnostics: diagnostics.list() };
  });
}

function emptyResult(): CompileResult {
  return {
    resources: { [TYPE_URL.listener]: [], [TYPE_URL.route]: [], [TYPE_URL.cluster]: [], [TYPE_URL.endpoint]: [], [TYPE_URL.secret]: [] },
    diagnostics: [],
  };
}

/** By name; a list already in order (a proxyless client's 1,000 listeners, on every rebuild) is returned as it is. */
function sortByName(resources: XdsResource[]): XdsResource[] {
  for (let i = 1; i < resources.length; i++) {
    if (resources[i - 1].name > resources[i].name) return [...resources].sort((a, b) => compare(a.name, b.name));
  }
  return resources;
}

/**
 * A key naming everything of the node the compile reads: proxies with equal keys (and the same
 * index) get equal results, so a server compiles once per key. It holds the client, whether the
 * node is a gateway, the labels (gateway selection, `sourceLabels`, Service selection) and the
 * namespace: a sidecar's result depends on it (IngressBackends, sidecar injection), a gateway's
 * too (its TLS credentials resolve in its own namespace, as in Istio), and a proxyless node's
 * result on its addresses as well (server listener names). The service account is not read
 * today; add it here the day the compiler reads it.
 */
export function compileIndexKey(node: ProxyNode): string {
  const kind = node.client === 'grpc' ? 'grpc' : node.role === 'sidecar' ? 'envoy-sidecar' : 'envoy-gateway';
  const labels = Object.keys(node.labels)
    .sort(compare)
    .map((key) => [key, node.labels[key]]);
  const ips = node.client === 'grpc' ? [...new Set(node.ips)].sort(compare) : [];
  // The role matters beyond sidecar/gateway only through sidecar injection; keep it for sidecars.
  const role = node.client === 'grpc' || node.role === 'sidecar' ? node.role : '';
  // A proxyless client's TLS clusters depend on the certificate providers its bootstrap defines.
  if (node.client === 'grpc' && node.certificateProviders !== undefined) return JSON.stringify([kind, labels, node.namespace, ips, role, certificateProvidersOf(node)]);
  return JSON.stringify([kind, labels, node.namespace, ips, role]);
}
