/**
 * One gateway port whose servers speak TLS or TCP (`HTTPS`, `TLS`, `TCP`), compiled into ONE
 * Listener whose filter chains are chosen by SNI (`tls_inspector` + `server_names`):
 * - HTTPS terminating (SIMPLE, MUTUAL, ISTIO_MUTUAL): a chain per server with its certificate
 *   and an HTTP connection manager reading the server's own RouteConfiguration
 *   (`https.<port>.<portName>.<gateway>.<namespace>`, Istio's name);
 * - TLS (or HTTPS) PASSTHROUGH: a chain per VirtualService `tls` match, by its `sniHosts`, to
 *   `tcp_proxy`;
 * - TLS terminating, and TCP: a chain per server to the first VirtualService `tcp` route that
 *   applies (narrowed by `destinationSubnets` when given; then the next one may apply too).
 * A server whose credential does not resolve is left out and said so (an error diagnostic on
 * the Gateway), never sent half-made: Envoy would keep the listener warming forever waiting for
 * the secret. The other servers of the port keep working.
 */
import { compareObjects, gatewayRefOf, objectKey, type GatewayObject, type GatewayServer, type VirtualServiceObject } from '@meshgate/model';
import type { ClusterRequests } from './clusters.js';
import type { ResolvedCredential } from './credentials.js';
import { httpForwardProxyFilters, routesReachDynamicForwardProxy, SNI_DFP_FILTER_NAME, withSniForwardProxy } from './dynamic-forward-proxy.js';
import type { Diagnostics } from './diagnostics.js';
import { gatewayServerTlsSocket, isLegacyMeshCertificateFiles } from './gateway-tls.js';
import { httpConnectionManager, HCM_FILTER_NAME } from './hcm.js';
import { HostTable, parseServerHost } from './hosts.js';
import type { CompileIndex } from './meshIndex.js';
import { gatewayListenerName, gatewayServerRouteConfigName, GATEWAY_LISTEN_ADDRESS } from './naming.js';
import type { RouteScope } from './routes.js';
import { FilterChainClaims, serverSniHosts } from './sni.js';
import { l4MatchApplies, tcpProxyFilter, virtualServiceHostsMeet } from './tcp-routes.js';
import { tlsInspector } from './tls.js';
import type { ProxyNode, XdsResource } from './types.js';
import { credentialUnit } from './units.js';

export interface TlsServerEntry {
  gateway: GatewayObject;
  server: GatewayServer;
}

export interface TlsPortContext {
  index: CompileIndex;
  node: ProxyNode;
  diagnostics: Diagnostics;
  clusters: ClusterRequests;
  /** Records that a VirtualService found a server (so that it is not reported as serving nothing). */
  bound(gatewayKey: string, vs: VirtualServiceObject, vsHost: string): void;
  /**
   * The RouteConfiguration `routeName` of an HTTPS server that terminates TLS, from
   * `candidates`: the VirtualServices bound to its Gateway with a host overlapping one of its own.
   */
  httpsRoutes(routeName: string, port: number, entry: TlsServerEntry, candidates: readonly VirtualServiceObject[]): XdsResource;
}

/**
 * The VirtualServices of a Gateway by host, built once per Gateway: with one HTTPS server per
 * host (the usual shape), finding a server's VirtualServices stays a lookup per server host
 * rather than a scan of every VirtualService of the Gateway per server.
 */
class VirtualServicesByHost {
  private readonly tables = new Map<string, HostTable<VirtualServiceObject>>();

  constructor(private readonly index: CompileIndex) {}

  /** Bound to `gateway`, some host overlapping one of `server`'s, by namespace then name. */
  candidates(gateway: GatewayObject, server: GatewayServer): VirtualServiceObject[] {
    const gatewayKey = gatewayRefOf(gateway);
    let table = this.tables.get(gatewayKey);
    if (!table) {
      table = new HostTable<VirtualServiceObject>();
      for (const vs of this.index.virtualServicesByGateway.get(gatewayKey) ?? []) for (const host of new Set(vs.spec.hosts)) table.add(host, vs);
      this.tables.set(gatewayKey, table);
    }
    const found = new Set<VirtualServiceObject>();
    for (const written of server.hosts) for (const { value } of table.overlapping(parseServerHost(written, gateway.metadata.namespace).host)) found.add(value);
    return [...found].sort(compareObjects);
  }
}

type FilterChain = Record<string, unknown>;

/** Protocols compiled here; HTTP-family servers stay on the plain HTTP path. */
export const TLS_PORT_PROTOCOLS = new Set(['HTTPS', 'TLS', 'TCP']);

export function describeServer(server: GatewayServer): string {
  return `server ${server.port.name || server.port.number} (port ${server.port.number}, ${server.port.protocol})`;
}

export function compileTlsPort(port: number, servers: readonly TlsServerEntry[], context: TlsPortContext): { listener?: XdsResource; routes: XdsResource[] } {
  const claims = new FilterChainClaims();
  const chains: FilterChain[] = [];
  const routes: XdsResource[] = [];
  const routeNames = new Set<string>();
  const byHost = new VirtualServicesByHost(context.index);
  for (const entry of servers) {
    const built = serverChains(port, entry, { ...context, byHost }, claims, routeNames);
    chains.push(...built.chains);
    if (built.route) routes.push(built.route);
  }
  if (chains.length === 0) return { routes };
  const name = gatewayListenerName(port);
  // The SNI is read for chains matched by it, and for the dynamic forward proxy that resolves it.
  const readsSni = (chain: FilterChain) => Array.isArray(chain.filters) && chain.filters.some((filter) => isRecord(filter) && filter.name === SNI_DFP_FILTER_NAME);
  const needsSni = chains.some((chain) => (isRecord(chain.filter_chain_match) && Array.isArray(chain.filter_chain_match.server_names)) || readsSni(chain));
  return {
    routes,
    listener: {
      name,
      resource: {
        name,
        address: { socket_address: { address: GATEWAY_LISTEN_ADDRESS, port_value: port } },
        ...(needsSni ? { listener_filters: [tlsInspector()] } : {}),
        filter_chains: chains,
      },
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What the chain builders share for one port. */
interface PortContext extends TlsPortContext {
  byHost: VirtualServicesByHost;
}

function serverChains(port: number, entry: TlsServerEntry, context: PortContext, claims: FilterChainClaims, routeNames: Set<string>): { chains: FilterChain[]; route?: XdsResource } {
  const { gateway, server } = entry;
  const object = objectKey(gateway);
  const where = describeServer(server);
  let tls = server.tls;
  if (tls && isLegacyMeshCertificateFiles(tls)) {
    context.diagnostics.warn(object, `${where}: tls.serverCertificate, privateKey and caCertificates are Istio 1.0's mesh certificate files (/etc/certs); served as mode ISTIO_MUTUAL (the gateway's mesh identity over SDS); write mode: ISTIO_MUTUAL`);
    tls = { ...tls, mode: 'ISTIO_MUTUAL' };
  }
  if (server.bind !== undefined && server.bind !== GATEWAY_LISTEN_ADDRESS) {
    context.diagnostics.warn(object, `${where}: bind ${server.bind} is not supported yet; listening on ${GATEWAY_LISTEN_ADDRESS}`);
  }
  if (!tls) {
    if (server.port.protocol !== 'TCP') return { chains: [] }; // refused at validation: HTTPS and TLS need tls
    return { chains: tcpChains(port, entry, context, claims, undefined, []) };
  }
  if (tls.mode === 'PASSTHROUGH') return { chains: passthroughChains(port, entry, context, claims) };
  if (tls.mode === 'AUTO_PASSTHROUGH' || tls.mode === 'OPTIONAL_MUTUAL') {
    context.diagnostics.warn(object, `${where}: TLS mode ${tls.mode} is not supported yet; server skipped`);
    return { chains: [] };
  }
  let credential: ResolvedCredential | undefined;
  if (tls.mode === 'ISTIO_MUTUAL') {
    if (tls.credentialName !== undefined) context.diagnostics.warn(object, `${where}: credentialName is not used with ISTIO_MUTUAL (the gateway's mesh identity is); ignored`);
  } else {
    if (tls.credentialName === undefined) {
      context.diagnostics.error(object, `${where}: certificates from files (serverCertificate/privateKey) are not supported; give a credentialName; server not served`);
      return { chains: [] };
    }
    const resolved = credentialUnit(context.index, context.node.namespace, tls.credentialName, tls.mode === 'MUTUAL');
    if (!resolved.ok) {
      context.diagnostics.error(object, `${where}: credential ${tls.credentialName}: ${resolved.reason}; server not served`);
      return { chains: [] };
    }
    credential = resolved.credential;
  }
  if (tls.mode === 'SIMPLE' && tls.subjectAltNames && tls.subjectAltNames.length > 0) {
    context.diagnostics.warn(object, `${where}: subjectAltNames check client certificates, which SIMPLE does not ask for (use MUTUAL); ignored`);
  }
  const socket = gatewayServerTlsSocket(tls, credential);
  const sni = serverSniHosts(server);
  if (server.port.protocol === 'HTTPS') {
    const routeName = gatewayServerRouteConfigName(port, server.port.name, gateway.metadata.name, gateway.metadata.namespace);
    // Validation keeps port names unique per Gateway; an object stored before that rule must not yield two route configurations of one name.
    if (routeNames.has(routeName)) {
      context.diagnostics.warn(object, `${where}: another server of this Gateway has port name ${JSON.stringify(server.port.name)} on port ${port}; server skipped`);
      return { chains: [] };
    }
    const owner = claims.claim(sni, { subnets: [] }, `${where} of Gateway ${gatewayRefOf(gateway)}`);
    if (owner !== undefined) {
      context.diagnostics.warn(object, `${where}: hosts ${sni.join(', ') || '*'} on port ${port} are already served by ${owner}; server skipped`);
      return { chains: [] };
    }
    routeNames.add(routeName);
    const route = context.httpsRoutes(routeName, port, entry, context.byHost.candidates(gateway, server));
    // Routes to a wildcard host resolved per request (guarded in `httpsRoutes`) need the DFP filters.
    const dynamic = routesReachDynamicForwardProxy(route.resource) ? httpForwardProxyFilters() : [];
    return {
      route,
      chains: [
        {
          ...(sni.length > 0 ? { filter_chain_match: { server_names: sni } } : {}),
          filters: [{ name: HCM_FILTER_NAME, typed_config: httpConnectionManager(`outbound_${gatewayListenerName(port)}`, routeName, dynamic) }],
          transport_socket: socket,
        },
      ],
    };
  }
  return { chains: tcpChains(port, entry, context, claims, socket, sni) };
}

function routeScope(port: number, gatewayKey: string, context: TlsPortContext): RouteScope {
  return { port, gateways: new Set([gatewayKey]), proxyLabels: context.node.labels, client: 'envoy', index: context.index, diagnostics: context.diagnostics, clusters: context.clusters };
}

function prefixRanges(subnets: readonly string[]): Record<string, unknown>[] {
  return subnets.map((cidr) => {
    const slash = cidr.lastIndexOf('/');
    return { address_prefix: cidr.slice(0, slash), prefix_len: { value: Number(cidr.slice(slash + 1)) } };
  });
}

function chainMatch(serverNames: readonly string[], subnets: readonly string[]): Record<string, unknown> {
  const match: Record<string, unknown> = {};
  if (serverNames.length > 0) match.server_names = [...serverNames];
  if (subnets.length > 0) match.prefix_ranges = prefixRanges(subnets);
  return Object.keys(match).length > 0 ? { filter_chain_match: match } : {};
}

/** The VirtualServices bound to the server's Gateway whose hosts meet the server's, with the host that did. */
function boundVirtualServices(entry: TlsServerEntry, context: PortContext): { vs: VirtualServiceObject; vsHost: string }[] {
  const serverHosts = entry.server.hosts.map((written) => parseServerHost(written, entry.gateway.metadata.namespace));
  const found: { vs: VirtualServiceObject; vsHost: string }[] = [];
  for (const vs of context.byHost.candidates(entry.gateway, entry.server)) {
    const vsHost = virtualServiceHostsMeet(vs, serverHosts);
    if (vsHost !== undefined) found.push({ vs, vsHost });
  }
  return found;
}

/**
 * TCP (plain, or after terminating TLS with `socket`): the first `tcp` route that applies takes
 * the server; a match with `destinationSubnets` takes only those addresses and lets later routes
 * take the rest.
 */
function tcpChains(port: number, entry: TlsServerEntry, context: PortContext, claims: FilterChainClaims, socket: Record<string, unknown> | undefined, sni: readonly string[]): FilterChain[] {
  const gatewayKey = gatewayRefOf(entry.gateway);
  const where = describeServer(entry.server);
  const scope = routeScope(port, gatewayKey, context);
  const chains: FilterChain[] = [];
  let complete = false;
  for (const { vs, vsHost } of boundVirtualServices(entry, context)) {
    const tcp = vs.spec.tcp ?? [];
    tcp.forEach((route, r) => {
      if (complete) return;
      const matches = route.match.length === 0 ? [undefined] : route.match.filter((m) => l4MatchApplies(m, port, gatewayKey, context.node.labels));
      for (const match of matches) {
        if (complete) return;
        const subnets = match?.destinationSubnets ?? [];
        const owner = claims.claim(sni, { subnets }, `${objectKey(vs)} spec.tcp[${r}]`);
        if (owner !== undefined) {
          context.diagnostics.warn(objectKey(vs), `spec.tcp[${r}]: ${sni.length > 0 ? `SNI ${sni.join(', ')}` : 'every name'} on port ${port} is already taken by ${owner}; route not used for ${where}`);
          continue;
        }
        const filter = tcpProxyFilter(vs, `spec.tcp[${r}]`, route.route, `outbound_${gatewayListenerName(port)}`, scope);
        if (!filter) continue;
        context.bound(gatewayKey, vs, vsHost);
        chains.push({ ...chainMatch(sni, subnets), filters: withSniForwardProxy([filter], context.clusters), ...(socket ? { transport_socket: socket } : {}) });
        if (subnets.length === 0) complete = true;
      }
    });
  }
  if (chains.length === 0) context.diagnostics.warn(objectKey(entry.gateway), `${where}: no VirtualService tcp route applies; server serves nothing`);
  return chains;
}

/** PASSTHROUGH: a chain per `tls` match by its SNI hosts; the TLS stream goes through untouched. */
function passthroughChains(port: number, entry: TlsServerEntry, context: PortContext, claims: FilterChainClaims): FilterChain[] {
  const gatewayKey = gatewayRefOf(entry.gateway);
  const where = describeServer(entry.server);
  const scope = routeScope(port, gatewayKey, context);
  const chains: FilterChain[] = [];
  for (const { vs, vsHost } of boundVirtualServices(entry, context)) {
    const tlsRoutes = vs.spec.tls ?? [];
    if (tlsRoutes.length === 0 && vs.spec.http.length > 0) {
      context.diagnostics.warn(objectKey(vs), `http routes cannot serve ${where} of Gateway ${gatewayKey}: it passes TLS through undecrypted; use tls routes with sniHosts`);
    }
    tlsRoutes.forEach((route, r) => {
      route.match.forEach((match, m) => {
        if (!l4MatchApplies(match, port, gatewayKey, context.node.labels)) return;
        // `*` is every name: the chain without server_names, which Envoy falls back to.
        const sniHosts = match.sniHosts.includes('*') ? [] : [...match.sniHosts].sort();
        const owner = claims.claim(sniHosts, { subnets: match.destinationSubnets }, `${objectKey(vs)} spec.tls[${r}].match[${m}]`);
        if (owner !== undefined) {
          context.diagnostics.warn(objectKey(vs), `spec.tls[${r}].match[${m}]: SNI ${sniHosts.join(', ')} on port ${port} is already taken by ${owner}; match not used`);
          return;
        }
        const filter = tcpProxyFilter(vs, `spec.tls[${r}]`, route.route, `outbound_${gatewayListenerName(port)}`, scope);
        if (!filter) return;
        context.bound(gatewayKey, vs, vsHost);
        // A wildcard ServiceEntry host resolved per connection: resolve and guard the SNI first (istio#61831).
        chains.push({ ...chainMatch(sniHosts, match.destinationSubnets), filters: withSniForwardProxy([filter], context.clusters) });
      });
    });
  }
  if (chains.length === 0) context.diagnostics.warn(objectKey(entry.gateway), `${where}: PASSTHROUGH with no VirtualService tls route for its hosts; server serves nothing`);
  return chains;
}
