/**
 * Wildcard egress without an SNI proxy: Envoy's dynamic forward proxy (DFP).
 *
 * A ServiceEntry host `*.example.com` with resolution DYNAMIC_DNS (any port; validation keeps it to
 * TLS and HTTP), or NONE on a TLS/HTTPS port, names no address: each connection says where it goes
 * (SNI for TLS, Host for HTTP). Envoy resolves that name in a DNS cache and connects to it:
 * - TLS: `tls_inspector` reads the SNI, the chain matches `server_names` with the wildcard, then
 *   `envoy.filters.network.sni_dynamic_forward_proxy` resolves it, the guard (below) checks the
 *   address, and `tcp_proxy` sends the stream untouched to the DFP cluster;
 * - HTTP: `envoy.filters.http.dynamic_forward_proxy` before the router resolves the Host of the
 *   requests whose route goes to a DFP cluster; the guard is a per-route RBAC config on those routes.
 * The cluster is `cluster_type: envoy.clusters.dynamic_forward_proxy` with `lb_policy:
 * CLUSTER_PROVIDED`. Filters and clusters must name the same DNS cache with the same settings
 * (Envoy refuses a second config under one name), so there is ONE cache per proxy, built here.
 *
 * The guard. Envoy's DNS cache has no address filter, so the check comes after resolution: the
 * DFP filters run with `save_upstream_address`, which puts the resolved address in the filter
 * state `envoy.stream.upstream_address`, and an RBAC filter after them (network RBAC for TLS; HTTP
 * RBAC per route for HTTP) with the matcher `envoy.rbac.matchers.upstream_ip_port` allows the
 * connection only when an address was resolved AND it is not loopback, link-local, private,
 * shared (100.64/10), "this network" or IPv4-mapped. It fails closed: no saved address, no
 * connection. A ServiceEntry opts out with `meshgate.io/allow-private-destinations: "true"`.
 * docs/decisions.md says why this mechanism and what it does not cover.
 */
import { allowsPrivateDestinations, parseCidr, type ServiceEntryObject } from '@meshgate/model';
import type { ClusterRequest, ClusterRequests } from './clusters.js';
import { isWildcardHost } from './hosts.js';

export const DNS_CACHE_NAME = 'dynamic_forward_proxy_cache_config';
export const DFP_CLUSTER_TYPE_NAME = 'envoy.clusters.dynamic_forward_proxy';
const DFP_CLUSTER_TYPE = 'type.googleapis.com/envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig';
export const SNI_DFP_FILTER_NAME = 'envoy.filters.network.sni_dynamic_forward_proxy';
const SNI_DFP_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.sni_dynamic_forward_proxy.v3.FilterConfig';
export const HTTP_DFP_FILTER_NAME = 'envoy.filters.http.dynamic_forward_proxy';
const HTTP_DFP_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig';
const NETWORK_RBAC_FILTER_NAME = 'envoy.filters.network.rbac';
const NETWORK_RBAC_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC';
/** The HTTP RBAC filter the guard's per-route configs address (its own name: the HCM may carry other RBAC filters one day). */
export const HTTP_GUARD_FILTER_NAME = 'meshgate.dynamic_forward_proxy_guard';
const HTTP_RBAC_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
const HTTP_RBAC_PER_ROUTE_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute';
const UPSTREAM_IP_PORT_MATCHER = 'envoy.rbac.matchers.upstream_ip_port';
const UPSTREAM_IP_PORT_TYPE = 'type.googleapis.com/envoy.extensions.rbac.matchers.upstream_ip_port.v3.UpstreamIpPortMatcher';
const GUARD_STAT_PREFIX = 'dynamic_forward_proxy_guard';

/** Addresses a name the caller chooses must not lead to unless the ServiceEntry allows it. */
export const PRIVATE_DESTINATIONS: readonly string[] = [
  '0.0.0.0/8', // "this network" (0.0.0.0 reaches the node itself)
  '10.0.0.0/8',
  '100.64.0.0/10', // shared address space (carrier-grade NAT)
  '127.0.0.0/8',
  '169.254.0.0/16', // link-local, cloud metadata services
  '172.16.0.0/12',
  '192.168.0.0/16',
  '::/128',
  '::1/128',
  '::ffff:0:0/96', // IPv4-mapped: the v4 ranges above, spelt as v6
  'fc00::/7',
  'fe80::/10',
];
const ANY_ADDRESS = ['0.0.0.0/0', '::/0'];

/** Whether traffic for `host` on `port` of the entry goes through the dynamic forward proxy. */
export function usesDynamicForwardProxy(entry: ServiceEntryObject, host: string, port: number): boolean {
  if (!isWildcardHost(host) || host === '*') return false;
  const protocol = entry.spec.ports.find((candidate) => candidate.number === port)?.protocol;
  if (protocol === undefined) return false;
  if (entry.spec.resolution === 'DYNAMIC_DNS') return true;
  return entry.spec.resolution === 'NONE' && (protocol === 'TLS' || protocol === 'HTTPS');
}

/** The request's entry when its cluster is a DFP cluster. */
export function dynamicForwardProxyEntry(request: ClusterRequest | undefined): ServiceEntryObject | undefined {
  const entry = request?.serviceEntry;
  return entry && request && usesDynamicForwardProxy(entry, request.host, request.port) ? entry : undefined;
}

/** The one DNS cache of a proxy: filters and clusters must carry identical settings under its name. */
function dnsCacheConfig(): Record<string, unknown> {
  return { name: DNS_CACHE_NAME, dns_lookup_family: 'V4_PREFERRED' };
}

/** The DFP Cluster of a request (the base; DestinationRule fields are added by the caller). */
export function dynamicForwardProxyCluster(request: ClusterRequest): Record<string, unknown> {
  return {
    name: request.name,
    connect_timeout: { seconds: 10, nanos: 0 },
    lb_policy: 'CLUSTER_PROVIDED',
    cluster_type: { name: DFP_CLUSTER_TYPE_NAME, typed_config: { '@type': DFP_CLUSTER_TYPE, dns_cache_config: dnsCacheConfig() } },
  };
}

function upstreamIn(cidr: string): Record<string, unknown> {
  const parsed = parseCidr(cidr);
  const upstream_ip = { address_prefix: parsed?.address ?? cidr, prefix_len: { value: parsed?.prefixLength ?? 0 } };
  return { matcher: { name: UPSTREAM_IP_PORT_MATCHER, typed_config: { '@type': UPSTREAM_IP_PORT_TYPE, upstream_ip } } };
}

function anyOf(cidrs: readonly string[]): Record<string, unknown> {
  return { or_rules: { rules: cidrs.map(upstreamIn) } };
}

/** RBAC rules (action ALLOW): an address was resolved, and it is public unless `allowPrivate`. */
function guardRules(allowPrivate: boolean): Record<string, unknown> {
  const resolved = anyOf(ANY_ADDRESS);
  const permission = allowPrivate ? resolved : { and_rules: { rules: [resolved, { not_rule: anyOf(PRIVATE_DESTINATIONS) }] } };
  const policy = allowPrivate ? 'resolved-destinations' : 'public-destinations';
  return { action: 'ALLOW', policies: { [policy]: { permissions: [permission], principals: [{ any: true }] } } };
}

/** The network filters before `tcp_proxy` on a chain to a DFP cluster: resolve the SNI, then check where it leads. */
export function sniForwardProxyFilters(entry: ServiceEntryObject, port: number): Record<string, unknown>[] {
  const upstreamPort = entry.spec.ports.find((candidate) => candidate.number === port)?.targetPort ?? port;
  return [
    { name: SNI_DFP_FILTER_NAME, typed_config: { '@type': SNI_DFP_TYPE, dns_cache_config: dnsCacheConfig(), port_value: upstreamPort, save_upstream_address: true } },
    { name: NETWORK_RBAC_FILTER_NAME, typed_config: { '@type': NETWORK_RBAC_TYPE, stat_prefix: GUARD_STAT_PREFIX, rules: guardRules(allowsPrivateDestinations(entry)) } },
  ];
}

/**
 * `filters` (ending in a `tcp_proxy`) with the DFP filters in front when the proxy sends to a DFP
 * cluster (one of its weighted clusters included: the guard then holds for every connection of the chain).
 */
export function withSniForwardProxy(filters: Record<string, unknown>[], clusters: ClusterRequests): Record<string, unknown>[] {
  const tcp = filters[filters.length - 1]?.typed_config as { cluster?: string; weighted_clusters?: { clusters: { name: string }[] } } | undefined;
  const names = tcp?.cluster !== undefined ? [tcp.cluster] : (tcp?.weighted_clusters?.clusters ?? []).map((c) => c.name);
  const found: { entry: ServiceEntryObject; port: number }[] = [];
  for (const name of names) {
    const request = clusters.get(name);
    const entry = dynamicForwardProxyEntry(request);
    if (entry && request) found.push({ entry, port: request.port });
  }
  if (found.length === 0) return filters;
  // Several DFP clusters behind one chain: the strictest guard holds.
  const { entry, port } = found.find((hit) => !allowsPrivateDestinations(hit.entry)) ?? found[0];
  return [...sniForwardProxyFilters(entry, port), ...filters];
}

/** The HTTP filters (before the router) of a connection manager whose routes reach DFP clusters. */
export function httpForwardProxyFilters(): Record<string, unknown>[] {
  return [
    { name: HTTP_DFP_FILTER_NAME, typed_config: { '@type': HTTP_DFP_TYPE, dns_cache_config: dnsCacheConfig(), save_upstream_address: true } },
    // No rules here: it acts only where a route's typed_per_filter_config gives it some.
    { name: HTTP_GUARD_FILTER_NAME, typed_config: { '@type': HTTP_RBAC_TYPE } },
  ];
}

interface RouteShape {
  route?: { cluster?: string; weighted_clusters?: { clusters: { name: string }[] } };
  typed_per_filter_config?: Record<string, unknown>;
}

/**
 * The routes with the guard on every one that may go to a DFP cluster (failing closed on a
 * weighted route: a request picked for another cluster has no resolved address and is refused),
 * copied, never changed in place (translated routes may be memoised and shared), and whether any
 * was guarded, i.e. whether the connection manager needs `httpForwardProxyFilters`.
 */
export function guardDynamicRoutes<T extends object>(routes: readonly T[], clusters: ClusterRequests): { routes: T[]; guarded: boolean } {
  if (!reachesDynamicForwardProxy(clusters)) return { routes: routes as T[], guarded: false };
  let guarded = false;
  const out = routes.map((route) => {
    const { route: action, typed_per_filter_config: perFilter } = route as RouteShape;
    const names = action?.cluster !== undefined ? [action.cluster] : (action?.weighted_clusters?.clusters ?? []).map((c) => c.name);
    const entries = names.map((name) => dynamicForwardProxyEntry(clusters.get(name))).filter((entry) => entry !== undefined);
    if (entries.length === 0) return route;
    guarded = true;
    const allowPrivate = entries.every((entry) => allowsPrivateDestinations(entry));
    return { ...route, typed_per_filter_config: { ...perFilter, [HTTP_GUARD_FILTER_NAME]: { '@type': HTTP_RBAC_PER_ROUTE_TYPE, rbac: { rules: guardRules(allowPrivate) } } } };
  });
  return { routes: out, guarded };
}

/**
 * Whether any cluster the routes were collected with is a DFP one. Without one (most meshes) no
 * route needs the guard, and a 1,000-host route configuration is not walked route by route on
 * every rebuild.
 */
function reachesDynamicForwardProxy(clusters: ClusterRequests): boolean {
  return clusters.some((request) => dynamicForwardProxyEntry(request) !== undefined);
}

/** `guardDynamicRoutes` over a route configuration's virtual hosts. */
export function guardVirtualHosts<T extends { routes: readonly object[] }>(virtualHosts: readonly T[], clusters: ClusterRequests): { virtualHosts: T[]; guarded: boolean } {
  if (!reachesDynamicForwardProxy(clusters)) return { virtualHosts: virtualHosts as T[], guarded: false };
  let guarded = false;
  const out = virtualHosts.map((virtualHost) => {
    const result = guardDynamicRoutes(virtualHost.routes, clusters);
    if (!result.guarded) return virtualHost;
    guarded = true;
    return { ...virtualHost, routes: result.routes };
  });
  return { virtualHosts: out, guarded };
}

/** Whether a RouteConfiguration carries the guard on some route (`guardVirtualHosts` put it there). */
export function routesReachDynamicForwardProxy(routeConfig: Record<string, unknown>): boolean {
  const virtualHosts = (routeConfig.virtual_hosts ?? []) as { routes?: RouteShape[] }[];
  return virtualHosts.some((virtualHost) => (virtualHost.routes ?? []).some((route) => route.typed_per_filter_config?.[HTTP_GUARD_FILTER_NAME] !== undefined));
}
