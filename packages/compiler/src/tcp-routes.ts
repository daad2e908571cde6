/**
 * VirtualService `tcp` and `tls` routes at a gateway → `tcp_proxy` network filters.
 *
 * Which entries a server takes is Istio's rule: the VirtualService is bound to the server's
 * Gateway and one of its hosts overlaps a server host; a match entry applies when its `port`
 * (if any) is the server's and its `gateways` (if any) name the Gateway (and, as for `http`,
 * its `sourceLabels` select this proxy). An entry without matches applies everywhere. Several
 * destinations become `weighted_clusters` (destinations of weight 0 are left out, as Envoy
 * takes weights from 1).
 */
import { objectKey, selectorMatches, type HTTPRouteDestination, type L4MatchAttributes, type VirtualServiceObject } from '@meshgate/model';
import { hostsOverlap } from './hosts.js';
import { resolveCluster, type RouteScope } from './routes.js';

export const TCP_PROXY_FILTER_NAME = 'envoy.filters.network.tcp_proxy';
export const TCP_PROXY_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

/** Whether an L4 match entry applies to a server on `port` of Gateway `gatewayKey`. */
export function l4MatchApplies(match: L4MatchAttributes, port: number, gatewayKey: string, proxyLabels: Record<string, string>): boolean {
  if (match.port !== undefined && match.port !== port) return false;
  if (match.gateways.length > 0 && !match.gateways.includes(gatewayKey)) return false;
  return selectorMatches(match.sourceLabels, proxyLabels);
}

/** Whether one of the VirtualService's hosts overlaps one of the server's (`ns/` admitted as for `http`). */
export function virtualServiceHostsMeet(vs: VirtualServiceObject, serverHosts: readonly { namespace: string; host: string }[]): string | undefined {
  for (const vsHost of vs.spec.hosts) {
    for (const { namespace, host } of serverHosts) {
      if ((namespace === '*' || namespace === vs.metadata.namespace) && hostsOverlap(host, vsHost)) return vsHost;
    }
  }
  return undefined;
}

/** A `tcp_proxy` filter to the destinations, or undefined when none resolves (reported on the VirtualService). */
export function tcpProxyFilter(vs: VirtualServiceObject, where: string, destinations: readonly HTTPRouteDestination[], statPrefix: string, scope: RouteScope): Record<string, unknown> | undefined {
  const object = objectKey(vs);
  const clusters: { name: string; weight: number }[] = [];
  destinations.forEach((entry, i) => {
    if (destinations.length > 1 && entry.weight === 0) return;
    const name = resolveCluster(entry.destination, object, `${where}.route[${i}]`, scope);
    if (name !== undefined) clusters.push({ name, weight: entry.weight });
  });
  if (clusters.length === 0) return undefined;
  const config: Record<string, unknown> = { '@type': TCP_PROXY_TYPE };
  if (clusters.length === 1) {
    config.stat_prefix = clusters[0].name;
    config.cluster = clusters[0].name;
  } else {
    config.stat_prefix = statPrefix;
    config.weighted_clusters = { clusters: clusters.map(({ name, weight }) => ({ name, weight })) };
  }
  return { name: TCP_PROXY_FILTER_NAME, typed_config: config };
}

