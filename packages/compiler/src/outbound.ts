/**
 * Envoy sidecars: the outbound side, shaped as Istio builds it.
 *
 * - `virtualOutbound` on `0.0.0.0:15001` (where iptables sends every outbound connection) with
 *   `use_original_dst`: Envoy hands each connection to the listener of its original destination
 *   port; what no listener takes goes to the outbound policy's fallback (`PassthroughCluster` for
 *   ALLOW_ANY, `BlackHoleCluster` for REGISTRY_ONLY — `outbound-policy.ts`).
 * - One listener per destination port, `0.0.0.0_<port>` (`bind_to_port: false`: only reached
 *   through virtualOutbound), whose filter chains are chosen by what the port carries:
 *   - TCP (and MONGO, with `envoy.filters.network.mongo_proxy` before `tcp_proxy`): a chain per
 *     destination matched by its addresses (`prefix_ranges`: a Service's clusterIP, a
 *     ServiceEntry's `addresses`); a ServiceEntry without addresses takes the whole port (the
 *     api refuses a second one, istio#6695);
 *   - TLS and HTTPS: a chain per destination matched by SNI (`server_names`, the hosts,
 *     wildcards included), `tls_inspector` reading it; a wildcard host resolved per connection
 *     (DYNAMIC_DNS, or NONE on TLS) resolves and guards the SNI first (`dynamic-forward-proxy.ts`);
 *   - HTTP, HTTP2 and gRPC: one chain with an HTTP connection manager reading RouteConfiguration
 *     `<port>` over RDS: a virtual host per host on the port, routed by mesh VirtualServices
 *     (`gateways: [mesh]`) or straight to the host's cluster, and a last `*` virtual host
 *     (`allow_any` → PassthroughCluster, or `block_all` → 502, by the policy);
 *   - whatever no chain matches: the fallback, as `default_filter_chain`.
 *
 * Destinations are every Kubernetes Service and every ServiceEntry visible from the sidecar's
 * namespace (`exportTo`). A Service port's protocol is read as Istio reads it (`appProtocol`, else
 * the name's prefix: `http`, `http2`, `grpc`, `h2c` → HTTP; `https`, `tls` → TLS; `mongo` →
 * MONGO; anything else TCP); a Service without a clusterIP has no TCP chain.
 */
import { canonicalIP, hostOfService, MESH_GATEWAY, objectKey, parseCidr, type ServiceEntryObject, type ServiceObject } from '@meshgate/model';
import type { ClusterRequests } from './clusters.js';
import { compare, type Diagnostics } from './diagnostics.js';
import { hashPolicyFor } from './destination-rules.js';
import { guardDynamicRoutes, httpForwardProxyFilters, sniForwardProxyFilters, usesDynamicForwardProxy } from './dynamic-forward-proxy.js';
import { HCM_FILTER_NAME, httpConnectionManager } from './hcm.js';
import { meshVirtualServicesFor, type CompileIndex } from './meshIndex.js';
import { outboundListenerName, outboundRouteConfigName, VIRTUAL_OUTBOUND_LISTENER } from './naming.js';
import { meshL4RouteChains, type RoutedChains } from './outbound-l4-routes.js';
import { fallbackCluster, fallbackClusterName, tcpProxyFilter } from './outbound-policy.js';
import { translateVirtualService, type EnvoyRoute, type RouteScope } from './routes.js';
import { tlsInspector } from './tls.js';
import { exportedTo } from './traffic-index.js';
import { virtualServicesForEntryHost } from './traffic-lookups.js';
import type { ProxyNode, XdsResource } from './types.js';

export const VIRTUAL_OUTBOUND_PORT = 15001;
const MONGO_PROXY_FILTER_NAME = 'envoy.filters.network.mongo_proxy';
const MONGO_PROXY_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.mongo_proxy.v3.MongoProxy';
const MESH_ONLY: ReadonlySet<string> = new Set([MESH_GATEWAY]);

type PortKind = 'http' | 'tcp' | 'tls' | 'mongo';

/** One host on one port, and how the sidecar recognises traffic for it. */
interface Destination {
  host: string;
  port: number;
  kind: PortKind;
  /** CIDRs the destination address is matched against (TCP, MONGO). */
  cidrs: string[];
  /** Host names a request may carry (HTTP virtual host domains). */
  domains: string[];
  service?: ServiceObject;
  entry?: ServiceEntryObject;
  /** For diagnostics. */
  owner: string;
}

export interface OutboundOutput {
  listeners: XdsResource[];
  routes: XdsResource[];
  clusters: XdsResource[];
}

/** A Service port's protocol as Istio reads it: `appProtocol`, else the name's prefix. */
function servicePortKind(name: string, appProtocol: string | undefined): PortKind {
  const protocol = (appProtocol ?? name).toLowerCase().split('-')[0];
  if (['http', 'http2', 'grpc', 'h2c', 'kubernetes.io/h2c'].includes(protocol)) return 'http';
  if (protocol === 'https' || protocol === 'tls') return 'tls';
  if (protocol === 'mongo') return 'mongo';
  return 'tcp';
}

function entryPortKind(protocol: ServiceEntryObject['spec']['ports'][number]['protocol']): PortKind {
  switch (protocol) {
    case 'HTTP':
    case 'HTTP2':
    case 'GRPC':
      return 'http';
    case 'HTTPS':
    case 'TLS':
      return 'tls';
    case 'MONGO':
      return 'mongo';
    case 'TCP':
      return 'tcp';
  }
}

function serviceDestinations(index: CompileIndex, node: ProxyNode): Destination[] {
  const destinations: Destination[] = [];
  for (const service of index.services) {
    const fqdn = hostOfService(service, index.options.clusterDomain);
    const { name, namespace } = service.metadata;
    const clusterIP = service.spec.clusterIP === undefined ? undefined : canonicalIP(service.spec.clusterIP);
    const hosts = [fqdn, `${name}.${namespace}`, ...(namespace === node.namespace ? [name] : [])];
    for (const port of service.spec.ports) {
      if (port.protocol !== 'TCP') continue;
      destinations.push({
        host: fqdn,
        port: port.port,
        kind: servicePortKind(port.name, port.appProtocol),
        cidrs: clusterIP ? [`${clusterIP}/${clusterIP.includes(':') ? 128 : 32}`] : [],
        domains: hosts.flatMap((host) => [host, `${host}:${port.port}`]),
        service,
        owner: objectKey(service),
      });
    }
  }
  return destinations;
}

function entryDestinations(index: CompileIndex, node: ProxyNode): Destination[] {
  const entries = new Set<ServiceEntryObject>();
  for (const hit of index.serviceEntryHosts.overlapping('*')) entries.add(hit.value);
  const destinations: Destination[] = [];
  for (const entry of entries) {
    if (!exportedTo(entry.spec.exportTo, entry.metadata.namespace, node.namespace)) continue;
    for (const host of entry.spec.hosts) {
      for (const port of entry.spec.ports) {
        destinations.push({ host, port: port.number, kind: entryPortKind(port.protocol), cidrs: entry.spec.addresses, domains: [host, `${host}:${port.number}`], entry, owner: objectKey(entry) });
      }
    }
  }
  return destinations;
}

function cidrRange(cidr: string): Record<string, unknown> {
  const parsed = parseCidr(cidr);
  return { address_prefix: parsed?.address ?? cidr, prefix_len: { value: parsed?.prefixLength ?? 32 } };
}

/** The cluster of a destination (its host, port, no subset), requested so that CDS and EDS carry it. */
function clusterOf(destination: Destination, clusters: ClusterRequests): string {
  return clusters.request(destination.host, destination.port, '', destination.service, destination.entry);
}

function tcpFilters(destination: Destination, cluster: string): Record<string, unknown>[] {
  return withProtocolFilters(destination, tcpProxyFilter(cluster, cluster));
}

/** `tcp_proxy`, after `mongo_proxy` (with the same stat prefix, as Istio) on a MONGO port. */
function withProtocolFilters(destination: Destination, tcpProxy: Record<string, unknown>): Record<string, unknown>[] {
  if (destination.kind !== 'mongo') return [tcpProxy];
  const config = tcpProxy.typed_config as { stat_prefix: string };
  return [{ name: MONGO_PROXY_FILTER_NAME, typed_config: { '@type': MONGO_PROXY_TYPE, stat_prefix: config.stat_prefix } }, tcpProxy];
}

/**
 * The RouteConfiguration `<port>` of the port's HTTP destinations, and whether some route goes to
 * a dynamic forward proxy cluster (then the port's connection manager needs the DFP filters).
 */
function httpRouteConfig(index: CompileIndex, node: ProxyNode, port: number, destinations: Destination[], diagnostics: Diagnostics, clusters: ClusterRequests): { config: Record<string, unknown>; dynamic: boolean } {
  const used = new Set<string>();
  let dynamic = false;
  const virtualHosts: Record<string, unknown>[] = [];
  const seenHosts = new Set<string>();
  for (const destination of destinations) {
    if (seenHosts.has(destination.host)) continue;
    seenHosts.add(destination.host);
    const domains = destination.domains.filter((domain) => !used.has(domain));
    domains.forEach((domain) => used.add(domain));
    if (domains.length === 0) continue;
    const scope: RouteScope = { port, gateways: MESH_ONLY, proxyLabels: node.labels, client: 'envoy', index, diagnostics, clusters };
    const virtualServices = destination.entry ? virtualServicesForEntryHost(index, destination.entry, destination.host) : meshVirtualServicesFor(index, destination.host);
    let routes: EnvoyRoute[] = virtualServices.flatMap((vs) => translateVirtualService(vs, scope));
    if (routes.length === 0) {
      const cluster = clusterOf(destination, clusters);
      const request = clusters.get(cluster);
      const hashPolicy = request && hashPolicyFor(index, request, 'envoy');
      routes = [{ match: { prefix: '/' }, route: { cluster, ...(hashPolicy ? { hash_policy: hashPolicy } : {}) } }];
    }
    const guarded = guardDynamicRoutes(routes, clusters);
    if (guarded.guarded) dynamic = true;
    virtualHosts.push({ name: `${destination.host}:${port}`, domains, routes: guarded.routes });
  }
  const fallback = fallbackClusterName(index);
  virtualHosts.push(
    index.outboundPolicy.mode === 'REGISTRY_ONLY'
      ? { name: 'block_all', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 502 } }] }
      : { name: 'allow_any', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: fallback } }] },
  );
  return { config: { name: outboundRouteConfigName(port), virtual_hosts: virtualHosts, validate_clusters: { value: false } }, dynamic };
}

/** The mesh VirtualService tcp/tls routes for a destination's host on its port (`outbound-l4-routes.ts`), or undefined when none applies. */
function routedChains(index: CompileIndex, node: ProxyNode, destination: Destination, diagnostics: Diagnostics, clusters: ClusterRequests): RoutedChains | undefined {
  if (destination.kind === 'http') return undefined;
  const virtualServices = destination.entry ? virtualServicesForEntryHost(index, destination.entry, destination.host) : meshVirtualServicesFor(index, destination.host);
  if (virtualServices.length === 0) return undefined;
  return meshL4RouteChains({ host: destination.host, port: destination.port, kind: destination.kind, cidrs: destination.cidrs }, virtualServices, { index, node, diagnostics, clusters });
}

/** A TCP/MONGO destination's chains: its mesh VirtualService's tcp routes, then (unless one took every address) its own. */
function tcpChainSpecs(index: CompileIndex, node: ProxyNode, destination: Destination, diagnostics: Diagnostics, clusters: ClusterRequests): { name: string; cidrs: readonly string[]; filters: () => Record<string, unknown>[] }[] {
  const routed = routedChains(index, node, destination, diagnostics, clusters);
  const specs = (routed?.chains ?? []).map((chain) => ({ name: chain.name, cidrs: chain.cidrs, filters: () => withProtocolFilters(destination, chain.tcpProxy) }));
  if (routed?.terminal !== true) specs.push({ name: `${destination.port}|${destination.host}`, cidrs: destination.cidrs, filters: () => tcpFilters(destination, clusterOf(destination, clusters)) });
  return specs;
}

function portListener(index: CompileIndex, node: ProxyNode, port: number, destinations: Destination[], diagnostics: Diagnostics, clusters: ClusterRequests): { listener: XdsResource; route?: XdsResource } {
  const name = outboundListenerName(port);
  const chains: Record<string, unknown>[] = [];
  let catchAll: Record<string, unknown> | undefined;
  let catchAllOwner = '';
  const claimed = new Set<string>();
  const tlsNames = new Set<string>();

  for (const destination of destinations.filter((d) => d.kind === 'tcp' || d.kind === 'mongo')) {
    for (const spec of tcpChainSpecs(index, node, destination, diagnostics, clusters)) {
      if (spec.cidrs.length === 0) {
        if (destination.service) continue; // a headless Service: nothing to match the destination address on
        if (catchAll) {
          diagnostics.warn(destination.owner, `port ${port}: ${catchAllOwner} already takes every destination address on this port; ${destination.host} is not reachable here`);
          continue;
        }
        catchAllOwner = destination.owner;
        catchAll = { name: spec.name, filters: spec.filters() };
        continue;
      }
      const fresh = spec.cidrs.filter((cidr) => !claimed.has(cidr));
      fresh.forEach((cidr) => claimed.add(cidr));
      if (fresh.length === 0) continue;
      chains.push({ name: spec.name, filter_chain_match: { prefix_ranges: fresh.map(cidrRange) }, filters: spec.filters() });
    }
  }

  for (const destination of destinations.filter((d) => d.kind === 'tls')) {
    const routed = routedChains(index, node, destination, diagnostics, clusters);
    for (const chain of routed?.chains ?? []) {
      // A name (with the same subnets) some chain already matches: Envoy refuses two identical matches.
      const keys = (chain.serverNames.length === 0 ? ['*'] : chain.serverNames).map((name) => `${chain.cidrs.join(',')}\u0000${name}`);
      if (keys.some((key) => tlsNames.has(key))) {
        diagnostics.warn(destination.owner, `port ${port}: SNI ${chain.serverNames.join(', ') || '*'} is already matched by another chain; chain ${chain.name} not used`);
        continue;
      }
      keys.forEach((key) => tlsNames.add(key));
      const match: Record<string, unknown> = { ...(chain.cidrs.length > 0 ? { prefix_ranges: chain.cidrs.map(cidrRange) } : {}), ...(chain.serverNames.length > 0 ? { server_names: chain.serverNames } : {}), transport_protocol: 'tls' };
      chains.push({ name: chain.name, filter_chain_match: match, filters: [chain.tcpProxy] });
    }
    if (routed) continue;
    const names = [destination.host].filter((host) => !tlsNames.has(`\u0000${host}`));
    names.forEach((host) => tlsNames.add(`\u0000${host}`));
    if (names.length === 0) continue;
    const cluster = clusterOf(destination, clusters);
    // A wildcard host resolved per connection: the SNI is resolved and its address checked before tcp_proxy.
    const dynamic = destination.entry && usesDynamicForwardProxy(destination.entry, destination.host, port) ? sniForwardProxyFilters(destination.entry, port) : [];
    chains.push({ name: `${port}|${destination.host}`, filter_chain_match: { server_names: names, transport_protocol: 'tls' }, filters: [...dynamic, tcpProxyFilter(cluster, cluster)] });
  }

  const http = destinations.filter((d) => d.kind === 'http');
  let route: XdsResource | undefined;
  if (http.length > 0) {
    if (catchAll) {
      for (const destination of http) diagnostics.warn(destination.owner, `port ${port}: ${catchAllOwner} (TCP without addresses) takes every connection on this port; HTTP to ${destination.host} is not routed here`);
    } else {
      const { config, dynamic } = httpRouteConfig(index, node, port, http, diagnostics, clusters);
      route = { name: outboundRouteConfigName(port), resource: config };
      const hcm = httpConnectionManager(`outbound_0.0.0.0_${port}`, outboundRouteConfigName(port), dynamic ? httpForwardProxyFilters() : []);
      catchAll = { name: `${port}|http`, ...(tlsNames.size > 0 ? { filter_chain_match: { transport_protocol: 'raw_buffer' } } : {}), filters: [{ name: HCM_FILTER_NAME, typed_config: hcm }] };
    }
  }
  if (catchAll) chains.push(catchAll);
  const fallback = fallbackClusterName(index);
  const listener: Record<string, unknown> = {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    traffic_direction: 'OUTBOUND',
    bind_to_port: { value: false },
    ...(tlsNames.size > 0 ? { listener_filters: [tlsInspector()] } : {}),
    filter_chains: chains,
    // Connections on this port that no chain claims: the outbound policy decides.
    ...(catchAll && !catchAll.filter_chain_match ? {} : { default_filter_chain: { name: fallback, filters: [tcpProxyFilter(fallback, fallback)] } }),
  };
  return { listener: { name, resource: listener }, route };
}

function virtualOutbound(index: CompileIndex): XdsResource {
  const fallback = fallbackClusterName(index);
  return {
    name: VIRTUAL_OUTBOUND_LISTENER,
    resource: {
      name: VIRTUAL_OUTBOUND_LISTENER,
      address: { socket_address: { address: '0.0.0.0', port_value: VIRTUAL_OUTBOUND_PORT } },
      traffic_direction: 'OUTBOUND',
      use_original_dst: { value: true },
      filter_chains: [{ name: fallback === 'PassthroughCluster' ? 'PassthroughFilterChain' : 'BlackHoleFilterChain', filters: [tcpProxyFilter(fallback, fallback)] }],
    },
  };
}

/** The ports the sidecar's inbound listeners bind on 0.0.0.0. */
function boundPorts(inbound: readonly XdsResource[]): Set<number> {
  const ports = new Set<number>();
  for (const { resource } of inbound) {
    const address = resource.address as { socket_address?: { port_value?: number } } | undefined;
    if (typeof address?.socket_address?.port_value === 'number') ports.add(address.socket_address.port_value);
  }
  return ports;
}

/**
 * The outbound side of a sidecar. `inbound` are its inbound listeners: they bind `0.0.0.0:<port>`
 * (OSM's shape, not Istio's virtualInbound), and Envoy refuses a second listener on an address,
 * bound or not, so an outbound port that a workload port shares gets no listener — its traffic
 * takes virtualOutbound's fallback — and a warning.
 */
export function compileOutbound(index: CompileIndex, node: ProxyNode, diagnostics: Diagnostics, clusters: ClusterRequests, inbound: readonly XdsResource[] = []): OutboundOutput {
  const bound = boundPorts(inbound);
  const byPort = new Map<number, Destination[]>();
  for (const destination of [...serviceDestinations(index, node), ...entryDestinations(index, node)]) {
    const list = byPort.get(destination.port);
    if (list) list.push(destination);
    else byPort.set(destination.port, [destination]);
  }
  const listeners: XdsResource[] = [virtualOutbound(index)];
  const routes: XdsResource[] = [];
  for (const port of [...byPort.keys()].sort((a, b) => a - b)) {
    const destinations = byPort.get(port) ?? [];
    if (bound.has(port)) {
      const hosts = [...new Set(destinations.map((d) => d.host))].sort(compare).join(', ');
      // Reported on the first destination's object: the result must not depend on the node's id (compileIndexKey).
      diagnostics.warn(destinations[0].owner, `port ${port} is also a sidecar's own inbound port (namespace ${node.namespace}, labels ${JSON.stringify(node.labels)}), so it has no outbound listener there; ${hosts} on ${port} take the outbound policy's fallback (${fallbackClusterName(index)})`);
      continue;
    }
    destinations.sort((a, b) => compare(a.host, b.host));
    const { listener, route } = portListener(index, node, port, destinations, diagnostics, clusters);
    listeners.push(listener);
    if (route) routes.push(route);
  }
  return { listeners, routes, clusters: [fallbackCluster(index)] };
}
