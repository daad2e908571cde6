/**
 * The HTTP connection manager every listener carries. Gateways and proxyless clients read their
 * routes over RDS (ADS); inbound listeners (sidecar and proxyless server) carry theirs inline,
 * since their one route never changes apart from the listener. The router is always the last
 * HTTP filter (grpc-js rejects a listener whose last filter is not the router).
 */
import { adsConfigSource } from './clusters.js';

export const HCM_FILTER_NAME = 'envoy.filters.network.http_connection_manager';
export const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const ROUTER_FILTER_NAME = 'envoy.filters.http.router';
export const ROUTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** An `Any`-wrapped HttpConnectionManager reading RouteConfiguration `routeConfigName` over ADS; `filters` run before the router. */
export function httpConnectionManager(statPrefix: string, routeConfigName: string, filters: readonly Record<string, unknown>[] = []): Record<string, unknown> {
  return {
    '@type': HCM_TYPE,
    stat_prefix: statPrefix,
    rds: { route_config_name: routeConfigName, config_source: adsConfigSource() },
    http_filters: [...filters, routerFilter()],
  };
}

export function routerFilter(): Record<string, unknown> {
  return { name: ROUTER_FILTER_NAME, typed_config: { '@type': ROUTER_TYPE } };
}

/** An `Any`-wrapped HttpConnectionManager with its RouteConfiguration inline; `filters` run before the router. */
export function inlineHttpConnectionManager(
  statPrefix: string,
  routeConfig: Record<string, unknown>,
  filters: readonly Record<string, unknown>[],
): Record<string, unknown> {
  return {
    '@type': HCM_TYPE,
    stat_prefix: statPrefix,
    route_config: routeConfig,
    http_filters: [...filters, routerFilter()],
  };
}
