/**
 * Envoy ingress/egress gateways: the Istio Gateways that select the proxy, their HTTP servers
 * grouped by port into one Listener and one RouteConfiguration per port, and the
 * VirtualServices bound to those Gateways as virtual hosts.
 *
 * What a port serves: for every (server, VirtualService) pair whose hosts overlap and whose
 * server host admits the VirtualService's namespace, a virtual host for the more specific of
 * the two hosts; VirtualServices landing on the same host are merged by namespace/name.
 * Whatever no route takes gets 404 (see `ensureNotFound`).
 */
import { gatewaysSelecting, objectKey, type GatewayObject, type GatewayServer } from '@meshgate/model';
import type { ClusterRequests } from './clusters.js';
import { compare, type Diagnostics } from './diagnostics.js';
import { guardVirtualHosts, httpForwardProxyFilters } from './dynamic-forward-proxy.js';
import { httpConnectionManager, HCM_FILTER_NAME } from './hcm.js';
import { BindingReport, PortBindings, reportBindings, type BoundServer, type HostBinding, type ServerMatch } from './gateway-bindings.js';
import { hostsOverlap } from './hosts.js';
import { compileTlsPort, TLS_PORT_PROTOCOLS, type TlsServerEntry } from './gateway-tls-port.js';
import { gatewayServerTlsSocket } from './gateway-tls.js';
import { compileIngresses, INGRESS_HTTP_PORT, INGRESS_HTTPS_PORT, servesIngresses, type IngressOutput } from './kube-ingress.js';
import { isCatchAll } from './match.js';
import type { CompileIndex } from './meshIndex.js';
import {
  blackholeVirtualHostName,
  gatewayListenerName,
  gatewayRouteConfigName,
  gatewayTlsRouteConfigName,
  gatewayVirtualHostName,
  GATEWAY_LISTEN_ADDRESS,
} from './naming.js';
import { translateVirtualService, type EnvoyRoute, type RouteScope } from './routes.js';
import { tlsInspector } from './tls.js';
import { credentialUnit, gatewayNodeKey, grouped, virtualServiceRoutes } from './units.js';
import type { ProxyNode, XdsResource } from './types.js';

/** Server protocols served by the HTTP connection manager (HTTP/2 and gRPC negotiate on the same listener). */
const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB']);

type VirtualHost = { name: string; domains: string[]; routes: EnvoyRoute[]; require_tls?: 'ALL' };

export interface GatewayOutput {
  listeners: XdsResource[];
  routes: XdsResource[];
}

export function compileGateway(index: CompileIndex, node: ProxyNode, diagnostics: Diagnostics, clusters: ClusterRequests): GatewayOutput {
  const serversByPort = new Map<number, BoundServer[]>();
  // HTTPS, TLS and TCP servers: one SNI-chosen listener per port (gateway-tls-port.ts).
  const tlsServersByPort = new Map<number, TlsServerEntry[]>();
  for (const gateway of gatewaysSelecting(index.state, node.labels)) {
    for (const server of gateway.spec.servers) {
      if (TLS_PORT_PROTOCOLS.has(server.port.protocol.toUpperCase())) {
        pushTo(tlsServersByPort, server.port.number, { gateway, server });
        continue;
      }
      if (!isPlainHttpServer(gateway, server, diagnostics)) continue;
      const list = serversByPort.get(server.port.number);
      if (list) list.push({ gateway, server });
      else serversByPort.set(server.port.number, [{ gateway, server }]);
    }
  }
  // Kubernetes Ingresses of class istio join the plain HTTP port; their TLS gets its own port.
  const ingress = servesIngresses(node) ? compileIngresses(index, diagnostics, clusters) : undefined;
  const ports = new Set(serversByPort.keys());
  if (ingress && ingress.hosts.size > 0) ports.add(INGRESS_HTTP_PORT);

  const nodeKey = gatewayNodeKey(node);
  const reports: BindingReport[] = [];
  const listeners: XdsResource[] = [];
  const routes: XdsResource[] = [];
  let ingressHostsOn80: readonly string[] = [];
  for (const port of [...ports].sort((a, b) => a - b)) {
    const servers = serversByPort.get(port) ?? [];
    // One unit per port: a change to one port's VirtualServices or servers leaves the others.
    // Rebuilt, it rebinds from its previous bindings (gateway-bindings.ts): one VirtualService changed rebinds its hosts only.
    const built = index.memo.unit(`gw-http|${nodeKey}|${port}`, servers.flatMap(({ gateway, server }) => [gateway, server]), { diagnostics, clusters }, (own, previous?: HttpPort): HttpPort => {
      const bindings = PortBindings.bind(index, servers, { previous: previous?.bindings });
      const routeName = gatewayRouteConfigName(port);
      const virtualHosts = virtualHostUnits(`${nodeKey}|${routeName}`, port, bindings.sorted, { index, node, diagnostics: own.diagnostics, clusters: own.clusters });
      return { bindings, virtualHosts, ...routeConfiguration(routeName, virtualHosts, port, own.clusters) };
    });
    reports.push(built.bindings.report);
    let { route, guarded } = built;
    if (ingress && ingress.hosts.size > 0 && port === INGRESS_HTTP_PORT) {
      const virtualHosts = new Map(built.virtualHosts.virtualHosts.map((virtualHost, i) => [built.bindings.sorted[i].host, virtualHost]));
      addIngressHosts(virtualHosts, ingress.hosts, port);
      ingressHostsOn80 = [...ingress.hosts.keys()];
      ({ route, guarded } = routeConfiguration(route.name, inHostOrder(virtualHosts), port, clusters));
    }
    routes.push(route);
    // Routes to a wildcard ServiceEntry host resolved per request carry the DFP guard, and the port the DFP filters.
    listeners.push(index.memo.unit(`gw-http-listener|${port}|${guarded ? 'dfp' : 'plain'}`, [], {}, () => buildListener(port, route.name, guarded)));
  }
  const tlsPorts = tlsPortsBesidePlainHttp(tlsServersByPort, ports, diagnostics);
  for (const [port, servers] of tlsPorts) {
    const output = index.memo.unit(`gw-tls|${nodeKey}|${port}`, servers.flatMap(({ gateway, server }) => [gateway, server]), { diagnostics, clusters }, (own) => {
      const portReports = [new BindingReport()];
      const built = compileTlsPort(port, servers, {
        index,
        node,
        diagnostics: own.diagnostics,
        clusters: own.clusters,
        bound: (gatewayKey, vs, vsHost) => portReports[0].bound(gatewayKey, vs, vsHost),
        httpsRoutes: (routeName, routePort, entry, candidates) => {
          // The server's RouteConfiguration is a unit of its own: a credential rotated or another server changed leaves it.
          const https = index.memo.unit(`gw-https-routes|${nodeKey}|${routeName}`, [routePort, entry.gateway, entry.server, ...candidates], own, (unit) => {
            const { report, sorted } = PortBindings.bind(index, [entry], { candidates });
            const virtualHosts = virtualHostUnits(`${nodeKey}|${routeName}`, routePort, sorted, { index, node, diagnostics: unit.diagnostics, clusters: unit.clusters });
            return { report, route: routeConfiguration(routeName, virtualHosts, routePort, unit.clusters).route };
          });
          portReports.push(https.report);
          return https.route;
        },
      });
      return { ...built, reports: portReports };
    });
    reports.push(...output.reports);
    routes.push(...output.routes);
    if (output.listener) listeners.push(output.listener);
  }
  if (ingress && ingress.tls.length > 0) {
    if (tlsPorts.has(INGRESS_HTTPS_PORT)) {
      for (const chain of ingress.tls) {
        diagnostics.warn(chain.object, `port ${INGRESS_HTTPS_PORT} of this gateway already serves TLS for a Gateway; this Ingress's TLS is not served`);
      }
    } else if (ports.has(INGRESS_HTTPS_PORT)) {
      for (const chain of ingress.tls) {
        diagnostics.warn(chain.object, `port ${INGRESS_HTTPS_PORT} of this gateway already serves plain HTTP for a Gateway; this Ingress's TLS is not served`);
      }
    } else {
      const tlsOutput = ingressTls(ingress, ingressHostsOn80, index, node, diagnostics);
      if (tlsOutput) {
        routes.push(tlsOutput.route);
        listeners.push(tlsOutput.listener);
      }
    }
  }

  const reported = new Map(serversByPort);
  for (const [port, servers] of tlsPorts) reported.set(port, [...(reported.get(port) ?? []), ...servers]);
  reportBindings(index, reports, reported, diagnostics);
  return { listeners, routes };
}

function virtualHostUnitKey(match: ServerMatch, scopeKey: string): string {
  match.unitKeys ??= new Map();
  let key = match.unitKeys.get(scopeKey);
  if (key === undefined) match.unitKeys.set(scopeKey, (key = `gw-vh|${scopeKey}|${match.effective}`));
  return key;
}

/** A plain HTTP port as its unit keeps it: its bindings (patched on the next build), virtual hosts and RouteConfiguration. */
interface HttpPort {
  bindings: PortBindings;
  virtualHosts: VirtualHostList;
  route: XdsResource;
  guarded: boolean;
}

/** Virtual hosts in host name order, and where host `*` is among them (-1: nowhere). */
interface VirtualHostList {
  virtualHosts: readonly VirtualHost[];
  wildcardAt: number;
}

/** A RouteConfiguration, with the DFP guard on routes to wildcard hosts resolved per request (`guarded`: the port needs the DFP filters). */
function routeConfiguration(name: string, list: VirtualHostList, port: number, clusters: ClusterRequests): { route: XdsResource; guarded: boolean } {
  const finished = guardVirtualHosts(finishVirtualHosts(list, port), clusters);
  return { route: { name, resource: { name, virtual_hosts: finished.virtualHosts } }, guarded: finished.guarded };
}

/**
 * The virtual hosts of one RouteConfiguration, each a unit keyed by the configuration and host
 * whose inputs are what bound it (the VirtualServices, the gateways they came through, the TLS
 * redirect): a VirtualService change rebuilds its host, the others are the same objects.
 */
function virtualHostUnits(scopeKey: string, port: number, bindings: readonly HostBinding[], context: BuildContext): VirtualHostList {
  // In groups (units.ts) whose inputs are the binding objects: a port rebound for one VirtualService keeps the others' (gateway-bindings.ts).
  const virtualHosts = grouped(context.index.memo, `gw-vh-group|${scopeKey}`, bindings, (binding, inputs) => inputs.push(binding), context, (binding, sinks) =>
    context.index.memo.unit(virtualHostUnitKey(binding.match, scopeKey), binding.inputs, sinks, (own) => buildVirtualHost(binding, port, { ...context, diagnostics: own.diagnostics, clusters: own.clusters })),
  );
  return { virtualHosts, wildcardAt: bindings.findIndex((binding) => binding.host === '*') };
}

/** Ingress routes join the virtual host of the same name after the VirtualServices' routes, or make their own. */
function addIngressHosts(virtualHosts: Map<string, VirtualHost>, ingressHosts: ReadonlyMap<string, readonly EnvoyRoute[]>, port: number): void {
  for (const [host, routes] of ingressHosts) {
    const copies = routes.map((route) => structuredClone(route));
    const existing = virtualHosts.get(host);
    // The virtual hosts are units' values, shared: extended as copies, never edited.
    if (existing) virtualHosts.set(host, { ...existing, routes: [...existing.routes, ...copies] });
    else virtualHosts.set(host, { name: gatewayVirtualHostName(host, port), domains: domainsOf(host, port), routes: copies });
  }
}

/** Virtual hosts by host name (a Map's, when Ingress hosts joined the VirtualServices'). */
function inHostOrder(virtualHosts: ReadonlyMap<string, VirtualHost>): VirtualHostList {
  const hosts = [...virtualHosts.keys()].sort(compare);
  return { virtualHosts: hosts.map((host) => virtualHosts.get(host) as VirtualHost), wildcardAt: hosts.indexOf('*') };
}

/** The virtual hosts with the 404 fallback. */
function finishVirtualHosts(list: VirtualHostList, port: number): VirtualHost[] {
  const virtualHosts = [...list.virtualHosts];
  ensureNotFound(virtualHosts, port, list.wildcardAt);
  return virtualHosts;
}

function domainsOf(host: string, port: number): string[] {
  return host === '*' ? ['*'] : [host, `${host}:${port}`];
}

/**
 * The HTTPS port of Kubernetes Ingresses: one filter chain per TLS entry chosen by SNI, all
 * sharing route configuration `https.443`, which serves the Ingress hosts its TLS names cover.
 */
function ingressTls(ingress: IngressOutput, hosts: readonly string[], index: CompileIndex, node: ProxyNode, diagnostics: Diagnostics): { listener: XdsResource; route: XdsResource } | undefined {
  const port = INGRESS_HTTPS_PORT;
  const routeName = gatewayTlsRouteConfigName(port);
  // A TLS entry whose Secret does not resolve is left out (its hosts then get no certificate), never sent waiting for it.
  const served = ingress.tls.flatMap((chain) => {
    const resolved = credentialUnit(index, node.namespace, chain.credentialName, false);
    if (resolved.ok) return [{ chain, socket: gatewayServerTlsSocket({ mode: 'SIMPLE' }, resolved.credential) }];
    diagnostics.error(chain.object, `TLS for ${chain.serverNames.join(', ') || 'any host'}: ${resolved.reason}; not served`);
    return [];
  });
  if (served.length === 0) return undefined;
  const anySni = served.some(({ chain }) => chain.serverNames.length === 0);
  const virtualHosts = new Map<string, VirtualHost>();
  for (const host of hosts) {
    if (!anySni && !served.some(({ chain }) => chain.serverNames.some((name) => hostsOverlap(name, host)))) continue;
    virtualHosts.set(host, { name: gatewayVirtualHostName(host, port), domains: domainsOf(host, port), routes: (ingress.hosts.get(host) ?? []).map((route) => structuredClone(route)) });
  }
  const name = gatewayListenerName(port);
  const filterChains = served.map(({ chain, socket }) => ({
    ...(chain.serverNames.length > 0 ? { filter_chain_match: { server_names: chain.serverNames } } : {}),
    filters: [{ name: HCM_FILTER_NAME, typed_config: httpConnectionManager(`outbound_${name}`, routeName) }],
    transport_socket: socket,
  }));
  return {
    route: { name: routeName, resource: { name: routeName, virtual_hosts: finishVirtualHosts(inHostOrder(virtualHosts), port) } },
    listener: {
      name,
      resource: {
        name,
        address: { socket_address: { address: GATEWAY_LISTEN_ADDRESS, port_value: port } },
        listener_filters: [tlsInspector()],
        filter_chains: filterChains,
      },
    },
  };
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * TLS/TCP ports, in port order, leaving out those a plain HTTP server already takes: one port is
 * one listener, and Istio does not mix plain text and TLS servers on it either.
 */
function tlsPortsBesidePlainHttp(tlsServersByPort: ReadonlyMap<number, TlsServerEntry[]>, httpPorts: ReadonlySet<number>, diagnostics: Diagnostics): Map<number, TlsServerEntry[]> {
  const result = new Map<number, TlsServerEntry[]>();
  for (const port of [...tlsServersByPort.keys()].sort((a, b) => a - b)) {
    const servers = tlsServersByPort.get(port) ?? [];
    if (httpPorts.has(port)) {
      for (const { gateway, server } of servers) {
        diagnostics.warn(objectKey(gateway), `server ${server.port.name || port} (port ${port}, ${server.port.protocol}): port ${port} already serves plain HTTP on this gateway; server skipped`);
      }
      continue;
    }
    result.set(port, servers);
  }
  return result;
}

/** Plain HTTP servers are compiled here (HTTPS, TLS and TCP in gateway-tls-port.ts); the rest is reported. */
function isPlainHttpServer(gateway: GatewayObject, server: GatewayServer, diagnostics: Diagnostics): boolean {
  const object = objectKey(gateway);
  const protocol = server.port.protocol.toUpperCase();
  const where = `server ${server.port.name || server.port.number} (port ${server.port.number}, ${protocol})`;
  if (!HTTP_PROTOCOLS.has(protocol)) {
    diagnostics.warn(object, `${where}: protocol ${protocol} is not supported yet; server skipped`);
    return false;
  }
  if (server.tls && server.tls.httpsRedirect !== true) {
    diagnostics.warn(object, `${where}: TLS settings on a plain HTTP server are not supported yet; server skipped`);
    return false;
  }
  if (server.bind !== undefined && server.bind !== GATEWAY_LISTEN_ADDRESS) {
    diagnostics.warn(object, `${where}: bind ${server.bind} is not supported yet; listening on ${GATEWAY_LISTEN_ADDRESS}`);
  }
  return true;
}

interface BuildContext {
  index: CompileIndex;
  node: ProxyNode;
  diagnostics: Diagnostics;
  clusters: ClusterRequests;
}

function buildVirtualHost(binding: HostBinding, port: number, context: BuildContext): VirtualHost {
  const host = binding.host;
  const routes: EnvoyRoute[] = [];
  binding.virtualServices.forEach((vs, gateways) => {
    const scope: RouteScope = {
      port,
      gateways,
      proxyLabels: context.node.labels,
      client: 'envoy',
      index: context.index,
      diagnostics: context.diagnostics,
      clusters: context.clusters,
    };
    routes.push(...virtualServiceRoutes(vs, scope, translateVirtualService));
  });
  return {
    name: gatewayVirtualHostName(host, port),
    domains: domainsOf(host, port),
    routes,
    // Istio's `tls.httpsRedirect`: Envoy answers plain-HTTP requests with a 301 to https.
    ...(binding.requireTls ? { require_tls: 'ALL' as const } : {}),
  };
}

function notFoundRoute(): EnvoyRoute {
  return { match: { prefix: '/' }, direct_response: { status: 404 } };
}

/**
 * Requests no route takes get 404, as in Istio. If a virtual host already takes every host
 * (`*`, at index `at`), its routes get a final 404 catch-all (unless they end in one already);
 * otherwise a last virtual host `blackhole:<port>` takes every other host.
 */
function ensureNotFound(virtualHosts: VirtualHost[], port: number, at: number): void {
  if (at >= 0) {
    const wildcard = virtualHosts[at];
    const last = wildcard.routes[wildcard.routes.length - 1];
    // A copy: the virtual host may be a unit's value, shared with other route configurations.
    if (!last || !isCatchAll(last.match)) virtualHosts[at] = { ...wildcard, routes: [...wildcard.routes, notFoundRoute()] };
    return;
  }
  virtualHosts.push(blackholeHost(port));
}

const blackholeHosts = new Map<number, VirtualHost>();

/** The 404 virtual host of a port: one object per port, so that a configuration rebuilt around it keeps it. */
function blackholeHost(port: number): VirtualHost {
  let host = blackholeHosts.get(port);
  if (!host) blackholeHosts.set(port, (host = { name: blackholeVirtualHostName(port), domains: ['*'], routes: [notFoundRoute()] }));
  return host;
}

function buildListener(port: number, routeName: string, dynamicForwardProxy: boolean): XdsResource {
  const name = gatewayListenerName(port);
  return {
    name,
    resource: {
      name,
      address: { socket_address: { address: GATEWAY_LISTEN_ADDRESS, port_value: port } },
      filter_chains: [
        { filters: [{ name: HCM_FILTER_NAME, typed_config: httpConnectionManager(`outbound_${name}`, routeName, dynamicForwardProxy ? httpForwardProxyFilters() : []) }] },
      ],
    },
  };
}
