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
import { gatewayRefOf, gatewaysSelecting, objectKey, stateKey, type GatewayObject, type GatewayServer, type VirtualServiceObject } from '@meshgate/model';
import type { ClusterRequests } from './clusters.js';
import { compare, type Diagnostics } from './diagnostics.js';
import { guardVirtualHosts, httpForwardProxyFilters } from './dynamic-forward-proxy.js';
import { httpConnectionManager, HCM_FILTER_NAME } from './hcm.js';
import { HostTable, hostsOverlap, moreSpecificHost, parseServerHost, serverHostAdmits, type ServerHost } from './hosts.js';
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

interface BoundServer {
  gateway: GatewayObject;
  server: GatewayServer;
}

type VirtualHost = { name: string; domains: string[]; routes: EnvoyRoute[]; require_tls?: 'ALL' };

/**
 * The VirtualServices bound to one host, each with the gateways it came through. Nearly every
 * host has one VirtualService through one gateway, and every host's bindings are remade whenever
 * its port is: the first pair is held as fields, a Map only past it.
 */
class VirtualServiceBindings {
  private more?: Map<VirtualServiceObject, ReadonlySet<string>>;

  constructor(
    private firstVs: VirtualServiceObject,
    private firstGateways: ReadonlySet<string>,
  ) {}

  add(vs: VirtualServiceObject, gatewayKey: string): void {
    if (vs === this.firstVs) {
      if (!this.firstGateways.has(gatewayKey)) this.firstGateways = new Set([...this.firstGateways, gatewayKey]);
      return;
    }
    this.more ??= new Map();
    const gateways = this.more.get(vs);
    if (!gateways) this.more.set(vs, onlyGateway(gatewayKey));
    else if (!gateways.has(gatewayKey)) this.more.set(vs, new Set([...gateways, gatewayKey]));
  }

  /** In the order they were added, or by namespace/name after `sortByName`. */
  forEach(each: (vs: VirtualServiceObject, gateways: ReadonlySet<string>) => void): void {
    each(this.firstVs, this.firstGateways);
    this.more?.forEach((gateways, vs) => each(vs, gateways));
  }

  /** VirtualServices landing on one host are merged in namespace/name order. */
  sortByName(): void {
    if (!this.more) return;
    const all: [VirtualServiceObject, ReadonlySet<string>][] = [[this.firstVs, this.firstGateways], ...this.more];
    all.sort(([a], [b]) => compare(stateKeyOf(a), stateKeyOf(b)));
    [[this.firstVs, this.firstGateways]] = all;
    this.more = new Map(all.slice(1));
  }
}

/** One virtual host being assembled: the VirtualServices for a host and the gateways they came through. */
interface HostBinding {
  /** By namespace/name (as `stateKey` sorts), each with the gateways it came through. */
  virtualServices: VirtualServiceBindings;
  requireTls: boolean;
  /** The match that made it: its virtual host's unit keys are kept there. */
  match: ServerMatch;
}

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
    const built = index.memo.unit(`gw-http|${nodeKey}|${port}`, servers.flatMap(({ gateway, server }) => [gateway, server]), { diagnostics, clusters }, (own) => {
      const report = new BindingReport();
      const routeName = gatewayRouteConfigName(port);
      const virtualHosts = virtualHostUnits(`${nodeKey}|${routeName}`, port, bindHosts(index, servers, report), { index, node, diagnostics: own.diagnostics, clusters: own.clusters });
      return { report, virtualHosts, ...routeConfiguration(routeName, virtualHosts, port, own.clusters) };
    });
    reports.push(built.report);
    let { route, guarded } = built;
    if (ingress && ingress.hosts.size > 0 && port === INGRESS_HTTP_PORT) {
      const virtualHosts = new Map(built.virtualHosts);
      addIngressHosts(virtualHosts, ingress.hosts, port);
      ingressHostsOn80 = [...ingress.hosts.keys()];
      ({ route, guarded } = routeConfiguration(route.name, virtualHosts, port, clusters));
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
            const report = new BindingReport();
            const virtualHosts = virtualHostUnits(`${nodeKey}|${routeName}`, routePort, bindHosts(index, [entry], report, candidates), { index, node, diagnostics: unit.diagnostics, clusters: unit.clusters });
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

/** A RouteConfiguration, with the DFP guard on routes to wildcard hosts resolved per request (`guarded`: the port needs the DFP filters). */
function routeConfiguration(name: string, virtualHosts: ReadonlyMap<string, VirtualHost>, port: number, clusters: ClusterRequests): { route: XdsResource; guarded: boolean } {
  const finished = guardVirtualHosts(finishVirtualHosts(virtualHosts, port), clusters);
  return { route: { name, resource: { name, virtual_hosts: finished.virtualHosts } }, guarded: finished.guarded };
}

/**
 * The virtual hosts of one RouteConfiguration, each a unit keyed by the configuration and host
 * whose inputs are what bound it (the VirtualServices, the gateways they came through, the TLS
 * redirect): a VirtualService change rebuilds its host, the others are the same objects.
 */
function virtualHostUnits(scopeKey: string, port: number, hosts: ReadonlyMap<string, HostBinding>, context: BuildContext): Map<string, VirtualHost> {
  // In groups (units.ts): a port rebuilt for one VirtualService walks ~32 groups, not every host.
  // The bindings alone (each knows its host, `match.effective`, the map's key): no entry pair per host.
  const built = grouped(context.index.memo, `gw-vh-group|${scopeKey}`, [...hosts.values()], (binding, inputs) => bindingInputs(binding.match.effective, binding, inputs), context, (binding, sinks) => {
    const host = binding.match.effective;
    const inputs: unknown[] = [];
    bindingInputs(host, binding, inputs);
    return context.index.memo.unit(virtualHostUnitKey(binding.match, scopeKey), inputs, sinks, (own) => buildVirtualHost(host, port, binding, { ...context, diagnostics: own.diagnostics, clusters: own.clusters }));
  });
  const virtualHosts = new Map<string, VirtualHost>();
  let i = 0;
  for (const host of hosts.keys()) virtualHosts.set(host, built[i++]);
  return virtualHosts;
}

/** What a virtual host is built from besides its key: the TLS redirect, and each VirtualService with the gateways it came through. */
function bindingInputs(host: string, binding: HostBinding, inputs: unknown[]): void {
  inputs.push(host, binding.requireTls);
  // forEach, not for-of: no entry array per VirtualService (this runs for every host on every rebuild of a port).
  binding.virtualServices.forEach((vs, gateways) => inputs.push(vs, gatewaysKey(gateways)));
}

/** The gateways a VirtualService came through, as one string (the common single gateway: its own key). */
const joinedGateways = new WeakMap<ReadonlySet<string>, string>();
function gatewaysKey(gateways: ReadonlySet<string>): string {
  let key = joinedGateways.get(gateways);
  if (key === undefined) joinedGateways.set(gateways, (key = [...gateways].sort(compare).join(',')));
  return key;
}

/**
 * A set of one gateway, shared by every binding that came through that gateway alone (most of
 * them): bindings are rebuilt for every host whenever a port is, and a Set each is most of the
 * garbage of a one-VirtualService change. Never edited: a second gateway makes a new set.
 */
const singleGateways = new Map<string, ReadonlySet<string>>();
function onlyGateway(gatewayKey: string): ReadonlySet<string> {
  let set = singleGateways.get(gatewayKey);
  if (!set) {
    if (singleGateways.size >= 4096) singleGateways.clear();
    singleGateways.set(gatewayKey, (set = new Set([gatewayKey])));
  }
  return set;
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

/** Virtual hosts by host name, with the 404 fallback. */
function finishVirtualHosts(virtualHosts: ReadonlyMap<string, VirtualHost>, port: number): VirtualHost[] {
  const hosts = [...virtualHosts.keys()].sort(compare);
  const list: VirtualHost[] = new Array(hosts.length);
  for (let i = 0; i < hosts.length; i++) list[i] = virtualHosts.get(hosts[i]) as VirtualHost;
  // Host `*` is the virtual host whose domains hold `*` (domainsOf).
  ensureNotFound(list, port, virtualHosts.has('*') ? hosts.indexOf('*') : -1);
  return list;
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
    route: { name: routeName, resource: { name: routeName, virtual_hosts: finishVirtualHosts(virtualHosts, port) } },
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

/** What one VirtualService host meets on one server: the server host, and whether it admits the VirtualService's namespace. */
interface ServerMatch {
  vsHost: string;
  written: string;
  serverHost: ServerHost;
  admitted: boolean;
  /** The virtual host it makes: the more specific of the two hosts. */
  effective: string;
  /** Unit keys of that virtual host, by route configuration scope (made once, not per compile). */
  unitKeys?: Map<string, string>;
}

/** A server's host table, and what each VirtualService met on it (objects are immutable: computed once per pair). */
interface ServerBindings {
  namespace: string;
  table: HostTable<{ serverHost: ServerHost; written: string }>;
  byVirtualService: WeakMap<VirtualServiceObject, readonly ServerMatch[]>;
}

const serverBindings = new WeakMap<GatewayServer, ServerBindings>();

function bindingsOf(gateway: GatewayObject, server: GatewayServer): ServerBindings {
  const namespace = gateway.metadata.namespace;
  let bindings = serverBindings.get(server);
  if (bindings?.namespace !== namespace) {
    const table = new HostTable<{ serverHost: ServerHost; written: string }>();
    for (const written of server.hosts) {
      const serverHost = parseServerHost(written, namespace);
      table.add(serverHost.host, { serverHost, written });
    }
    bindings = { namespace, table, byVirtualService: new WeakMap() };
    serverBindings.set(server, bindings);
  }
  return bindings;
}

function matchesOf(bindings: ServerBindings, vs: VirtualServiceObject): readonly ServerMatch[] {
  let matches = bindings.byVirtualService.get(vs);
  if (!matches) {
    const found: ServerMatch[] = [];
    for (const vsHost of new Set(vs.spec.hosts)) {
      for (const { host: serverHostName, value: { serverHost, written } } of bindings.table.overlapping(vsHost)) {
        found.push({ vsHost, written, serverHost, admitted: serverHostAdmits(serverHost, vs.metadata.namespace), effective: moreSpecificHost(serverHostName, vsHost) });
      }
    }
    bindings.byVirtualService.set(vs, (matches = found));
  }
  return matches;
}

/** Effective host → the VirtualServices serving it on one port. */
function bindHosts(index: CompileIndex, servers: readonly BoundServer[], bindings: BindingReport, candidates?: readonly VirtualServiceObject[]): Map<string, HostBinding> {
  const hosts = new Map<string, HostBinding>();
  for (const { gateway, server } of servers) {
    const gatewayKey = gatewayRefOf(gateway);
    const serverBindings = bindingsOf(gateway, server);
    // `candidates`: the caller already narrowed the Gateway's VirtualServices to those meeting these servers' hosts.
    for (const vs of candidates ?? index.virtualServicesByGateway.get(gatewayKey) ?? []) {
      for (const match of matchesOf(serverBindings, vs)) {
        if (!match.admitted) {
          bindings.refused(gatewayKey, vs, match.vsHost, match.written, match.serverHost.namespace);
          continue;
        }
        bindings.bound(gatewayKey, vs, match.vsHost);
        let binding = hosts.get(match.effective);
        if (!binding) {
          binding = { virtualServices: new VirtualServiceBindings(vs, onlyGateway(gatewayKey)), requireTls: false, match };
          hosts.set(match.effective, binding);
        } else {
          binding.virtualServices.add(vs, gatewayKey);
        }
        if (server.tls?.httpsRedirect === true) binding.requireTls = true;
      }
    }
  }
  for (const binding of hosts.values()) binding.virtualServices.sortByName();
  return hosts;
}

function stateKeyOf(vs: VirtualServiceObject): string {
  return stateKey(vs.metadata.namespace, vs.metadata.name);
}

interface BuildContext {
  index: CompileIndex;
  node: ProxyNode;
  diagnostics: Diagnostics;
  clusters: ClusterRequests;
}

function buildVirtualHost(host: string, port: number, binding: HostBinding, context: BuildContext): VirtualHost {
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

/**
 * Which VirtualService hosts found a server host on the selected Gateways, and which were turned
 * away by a server host's namespace, so that a VirtualService that serves nothing is reported.
 * One per unit that binds (a port, an HTTPS server's routes); kept with its unit's value and read
 * by `reportBindings` over all of them.
 */
class BindingReport {
  /** By gateway, the VirtualServices bound and the hosts that did (one host as itself: most bind once; a Set each was garbage on every rebuild). */
  private readonly boundByGateway = new Map<string, Map<VirtualServiceObject, string | Set<string>>>();
  readonly refusals = new Map<string, { vs: VirtualServiceObject; gatewayKey: string; vsHost: string; message: string }>();

  bound(gatewayKey: string, vs: VirtualServiceObject, vsHost: string): void {
    let byVs = this.boundByGateway.get(gatewayKey);
    if (!byVs) this.boundByGateway.set(gatewayKey, (byVs = new Map()));
    const hosts = byVs.get(vs);
    if (hosts === undefined) byVs.set(vs, vsHost);
    else if (typeof hosts === 'string') {
      if (hosts !== vsHost) byVs.set(vs, new Set([hosts, vsHost]));
    } else hosts.add(vsHost);
  }

  isBound(gatewayKey: string, vs: VirtualServiceObject, vsHost?: string): boolean {
    const hosts = this.boundByGateway.get(gatewayKey)?.get(vs);
    if (hosts === undefined) return false;
    if (vsHost === undefined) return true;
    return typeof hosts === 'string' ? hosts === vsHost : hosts.has(vsHost);
  }

  refused(gatewayKey: string, vs: VirtualServiceObject, vsHost: string, serverHost: string, admitted: string): void {
    const key = refusalKey(gatewayKey, vs, vsHost);
    if (this.refusals.has(key)) return;
    const message = `host ${vsHost}: server host ${serverHost} of Gateway ${gatewayKey} admits only VirtualServices of namespace ${admitted}`;
    this.refusals.set(key, { vs, gatewayKey, vsHost, message });
  }
}

function refusalKey(gatewayKey: string, vs: VirtualServiceObject, vsHost: string): string {
  return `${gatewayKey}\u0000${stateKey(vs.metadata.namespace, vs.metadata.name)}\u0000${vsHost}`;
}

function reportBindings(index: CompileIndex, reports: readonly BindingReport[], serversByPort: ReadonlyMap<number, readonly BoundServer[]>, diagnostics: Diagnostics): void {
  const bound = (gatewayKey: string, vs: VirtualServiceObject, vsHost?: string) => reports.some((report) => report.isBound(gatewayKey, vs, vsHost));
  const refused = new Set<string>();
  for (const report of reports) {
    for (const [key, { vs, gatewayKey, vsHost, message }] of report.refusals) {
      if (refused.has(key)) continue;
      refused.add(key);
      if (!bound(gatewayKey, vs, vsHost)) diagnostics.warn(objectKey(vs), message);
    }
  }
  const gatewayKeys = new Set<string>();
  for (const servers of serversByPort.values()) for (const { gateway } of servers) gatewayKeys.add(gatewayRefOf(gateway));
  for (const gatewayKey of gatewayKeys) {
    for (const vs of index.virtualServicesByGateway.get(gatewayKey) ?? []) {
      if (bound(gatewayKey, vs)) continue;
      if (vs.spec.hosts.some((host) => refused.has(refusalKey(gatewayKey, vs, host)))) continue; // already said why
      const l4 = vs.spec.tls !== undefined || vs.spec.tcp !== undefined;
      diagnostics.warn(
        objectKey(vs),
        l4
          ? `hosts ${vs.spec.hosts.join(', ')}: no route of this VirtualService reaches a server of Gateway ${gatewayKey} (server hosts, protocol and TLS mode, match port and sniHosts decide)`
          : `hosts ${vs.spec.hosts.join(', ')} match no HTTP server host of Gateway ${gatewayKey}`,
      );
    }
  }
}
