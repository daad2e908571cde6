/**
 * Mesh VirtualService `tcp` and `tls` routes at an Envoy sidecar's outbound port, as Istio builds
 * them (`buildSidecarOutboundTCPFilterChainOpts`, `buildSidecarOutboundTLSFilterChainOpts`): what
 * takes seed 003's traffic to the egress gateway (`gateways: [mesh, istio-egressgateway]`).
 *
 * A match applies when its `port` (if any) is the listener's, its `gateways` (if any) name `mesh`
 * and its `sourceLabels` select the sidecar.
 * - TCP and MONGO ports read `tcp` routes: a match with `destinationSubnets` gets a chain by
 *   those subnets and lets later routes and the host's own chain take the rest; a match without
 *   (or a route without matches) takes the host's addresses and ends the list.
 * - TLS and HTTPS ports read `tls` routes: a chain per match by its `sniHosts` (and
 *   `destinationSubnets`); one set of SNI hosts and subnets is taken by its first match only.
 * Istio reads `tcp` routes on TCP ports and `tls` routes on TLS ports only; a route written for the
 * other kind with this very port is said to be unused rather than left out in silence.
 * The destinations are `tcp_proxy` filters (`tcp-routes.ts`: one cluster's name as stat prefix,
 * several as `weighted_clusters` with `<vs>.<namespace>`, Istio's prefix), after
 * `mongo_proxy` on a MONGO port.
 */
import { MESH_GATEWAY, objectKey, type VirtualServiceObject } from '@meshgate/model';
import type { ClusterRequests } from './clusters.js';
import type { Diagnostics } from './diagnostics.js';
import type { CompileIndex } from './meshIndex.js';
import type { RouteScope } from './routes.js';
import { l4MatchApplies, tcpProxyFilter } from './tcp-routes.js';
import type { ProxyNode } from './types.js';

const MESH_ONLY: ReadonlySet<string> = new Set([MESH_GATEWAY]);

/** One filter chain a route makes: matched by destination subnets and (TLS) server names. */
export interface RoutedChain {
  name: string;
  /** CIDRs the destination address must lie in; [] for any. */
  cidrs: string[];
  /** SNI names; [] for any (TCP, or a `*` SNI host). */
  serverNames: string[];
  /** The `tcp_proxy` filter (the caller adds protocol filters before it). */
  tcpProxy: Record<string, unknown>;
}

export interface RoutedChains {
  chains: RoutedChain[];
  /** Whether a route took every remaining address (TCP): the host's own chain is not added then. */
  terminal: boolean;
}

export interface L4RouteTarget {
  host: string;
  port: number;
  kind: 'tcp' | 'mongo' | 'tls';
  /** The host's own addresses (a Service's clusterIP, a ServiceEntry's `addresses`). */
  cidrs: readonly string[];
}

export interface L4RouteContext {
  index: CompileIndex;
  node: ProxyNode;
  diagnostics: Diagnostics;
  clusters: ClusterRequests;
}

function scopeOf(port: number, context: L4RouteContext): RouteScope {
  return { port, gateways: MESH_ONLY, proxyLabels: context.node.labels, client: 'envoy', index: context.index, diagnostics: context.diagnostics, clusters: context.clusters };
}

function vsRef(vs: VirtualServiceObject): string {
  return `${vs.metadata.namespace}/${vs.metadata.name}`;
}

function weightedStatPrefix(vs: VirtualServiceObject): string {
  return `${vs.metadata.name}.${vs.metadata.namespace}`;
}

/**
 * The chains the mesh VirtualServices `virtualServices` (those for the target's host) make on the
 * target's port, or undefined when none of their routes applies there (the host's own chain
 * serves it).
 */
export function meshL4RouteChains(target: L4RouteTarget, virtualServices: readonly VirtualServiceObject[], context: L4RouteContext): RoutedChains | undefined {
  const result = target.kind === 'tls' ? tlsChains(target, virtualServices, context) : tcpChains(target, virtualServices, context);
  warnOtherKind(target, virtualServices, context);
  return result.chains.length > 0 || result.terminal ? result : undefined;
}

function tcpChains(target: L4RouteTarget, virtualServices: readonly VirtualServiceObject[], context: L4RouteContext): RoutedChains {
  const scope = scopeOf(target.port, context);
  const chains: RoutedChain[] = [];
  for (const vs of virtualServices) {
    const routes = vs.spec.tcp ?? [];
    for (let r = 0; r < routes.length; r++) {
      const route = routes[r];
      const applying = route.match.length === 0 ? [undefined] : route.match.filter((match) => l4MatchApplies(match, target.port, MESH_GATEWAY, context.node.labels));
      if (applying.length === 0) continue;
      const tcpProxy = tcpProxyFilter(vs, `spec.tcp[${r}]`, route.route, weightedStatPrefix(vs), scope);
      const name = `${target.port}|${target.host}|${vsRef(vs)}|tcp[${r}]`;
      // A match on every address ends the list (Istio's terminal match); subnet matches collect.
      if (applying.some((match) => match === undefined || match.destinationSubnets.length === 0)) {
        if (tcpProxy) chains.push({ name, cidrs: [...target.cidrs], serverNames: [], tcpProxy });
        return { chains, terminal: tcpProxy !== undefined };
      }
      const subnets = [...new Set(applying.flatMap((match) => match?.destinationSubnets ?? []))].sort();
      if (tcpProxy) chains.push({ name, cidrs: subnets, serverNames: [], tcpProxy });
      // Subnets equal to the host's own addresses leave nothing for the host's chain (Istio drops it too).
      if (tcpProxy && sameSet(subnets, target.cidrs)) return { chains, terminal: true };
    }
  }
  return { chains, terminal: false };
}

function tlsChains(target: L4RouteTarget, virtualServices: readonly VirtualServiceObject[], context: L4RouteContext): RoutedChains {
  const scope = scopeOf(target.port, context);
  const chains: RoutedChain[] = [];
  const handled = new Set<string>();
  for (const vs of virtualServices) {
    const routes = vs.spec.tls ?? [];
    routes.forEach((route, r) => {
      route.match.forEach((match, m) => {
        if (!l4MatchApplies(match, target.port, MESH_GATEWAY, context.node.labels)) return;
        // `*` is any name: the chain without server_names.
        const serverNames = match.sniHosts.includes('*') ? [] : [...match.sniHosts].sort();
        const cidrs = match.destinationSubnets.length > 0 ? [...match.destinationSubnets] : [];
        const key = JSON.stringify([serverNames, cidrs]);
        if (handled.has(key)) return; // the first match with these runtime conditions takes them (Istio's rule)
        handled.add(key);
        const tcpProxy = tcpProxyFilter(vs, `spec.tls[${r}]`, route.route, weightedStatPrefix(vs), scope);
        if (tcpProxy) chains.push({ name: `${target.port}|${target.host}|${vsRef(vs)}|tls[${r}].match[${m}]`, cidrs, serverNames, tcpProxy });
      });
    });
  }
  return { chains, terminal: false };
}

/** A route of the other kind written for this very port: Istio leaves it unused; meshgate says so. */
function warnOtherKind(target: L4RouteTarget, virtualServices: readonly VirtualServiceObject[], context: L4RouteContext): void {
  const field = target.kind === 'tls' ? 'tcp' : 'tls';
  for (const vs of virtualServices) {
    (vs.spec[field] ?? []).forEach((route, r) => {
      const forThisPort = route.match.some((match) => match.port === target.port && l4MatchApplies(match, target.port, MESH_GATEWAY, context.node.labels));
      if (!forThisPort) return;
      const why = target.kind === 'tls' ? `port ${target.port} of ${target.host} carries TLS, matched by SNI: sidecars apply tls routes there, not tcp routes` : `port ${target.port} of ${target.host} carries ${target.kind.toUpperCase()}: sidecars apply tcp routes there, not tls routes`;
      context.diagnostics.warn(objectKey(vs), `spec.${field}[${r}]: ${why}; route not used at sidecars`);
    });
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().every((value, i) => value === [...b].sort()[i]);
}
