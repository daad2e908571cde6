/**
 * Where an Envoy sidecar sends outbound traffic that no Service or ServiceEntry claims, by the
 * outbound traffic policy (`@meshgate/model` `outboundTrafficPolicy`): ALLOW_ANY → Istio's
 * `PassthroughCluster` (ORIGINAL_DST: on to the address the application dialled), REGISTRY_ONLY
 * → `BlackHoleCluster` (no endpoints: the connection is closed). Both names are Istio's, so
 * that `istioctl`-trained eyes read a config dump at once.
 */
import type { CompileIndex } from './meshIndex.js';

export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const TCP_PROXY_FILTER_NAME = 'envoy.filters.network.tcp_proxy';
const TCP_PROXY_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

export function fallbackClusterName(index: CompileIndex): string {
  return index.outboundPolicy.mode === 'REGISTRY_ONLY' ? BLACKHOLE_CLUSTER : PASSTHROUGH_CLUSTER;
}

/** The fallback cluster of the policy in force. */
export function fallbackCluster(index: CompileIndex): { name: string; resource: Record<string, unknown> } {
  const name = fallbackClusterName(index);
  const connectTimeout = { seconds: 10, nanos: 0 };
  if (name === BLACKHOLE_CLUSTER) return { name, resource: { name, type: 'STATIC', connect_timeout: connectTimeout } };
  return { name, resource: { name, type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: connectTimeout } };
}

/** A tcp_proxy network filter to `cluster`. */
export function tcpProxyFilter(statPrefix: string, cluster: string): Record<string, unknown> {
  return { name: TCP_PROXY_FILTER_NAME, typed_config: { '@type': TCP_PROXY_TYPE, stat_prefix: statPrefix, cluster } };
}
